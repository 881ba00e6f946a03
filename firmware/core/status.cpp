#include "core/status.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "core/log.h"
#include "core/text.h"

namespace spark {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid argument";
    case Code::kOutOfRange:
      return "out of range";
    case Code::kResourceExhausted:
      return "resource exhausted";
    case Code::kFailedPrecondition:
      return "failed precondition";
    case Code::kNotFound:
      return "not found";
    case Code::kAlreadyExists:
      return "already exists";
    case Code::kPermissionDenied:
      return "permission denied";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kDeadlineExceeded:
      return "deadline exceeded";
    case Code::kCancelled:
      return "cancelled";
    case Code::kDataLoss:
      return "data loss";
    case Code::kUnimplemented:
      return "unimplemented";
    case Code::kIo:
      return "I/O error";
    case Code::kInternal:
      return "internal error";
  }
  return "unknown";
}

namespace {
// A message is formatted wide enough that a secret starting within the
// kept part is whole, redacted, and only then cut (on a UTF-8 boundary).
constexpr size_t kWide = Status::kMaxMessage + 1 + log::kMaxSecretLen;

__attribute__((format(printf, 3, 0))) void format_into(char* buf, size_t size, const char* fmt,
                                                       va_list ap) {
  char wide[kWide];
  int n = std::vsnprintf(wide, sizeof wide, fmt, ap);
  if (n < 0) wide[0] = '\0';
  bool more = n >= static_cast<int>(sizeof wide);
  size_t len = log::redacted_copy(std::string_view(wide, std::strlen(wide)), buf, size);
  if (more && (len < 3 || std::strcmp(buf + len - 3, "...") != 0)) {
    text::fit(std::string_view(buf, len), buf, size, true);
  }
  text::wipe(wide, sizeof wide);
}
}  // namespace

Status Status::error(Code code, const char* fmt, ...) {
  Status s;
  s.code_ = code == Code::kOk ? Code::kInternal : code;
  va_list ap;
  va_start(ap, fmt);
  format_into(s.message_, sizeof s.message_, fmt, ap);
  va_end(ap);
  return s;
}

Status Status::with_context(const char* fmt, ...) const {
  if (is_ok()) return *this;
  Status s;
  s.code_ = code_;
  char wide[kWide];
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(wide, sizeof wide, fmt, ap);
  va_end(ap);
  if (n < 0) wide[0] = '\0';
  // "context: <message>", redacted as a whole, cut with "..." when it does
  // not fit.
  size_t used = std::strlen(wide);
  for (const char* part : {": ", static_cast<const char*>(message_)}) {
    size_t len = std::strlen(part);
    if (len > sizeof wide - 1 - used) len = sizeof wide - 1 - used;
    std::memcpy(wide + used, part, len);
    used += len;
  }
  wide[used] = '\0';
  log::redacted_copy(std::string_view(wide, used), s.message_, sizeof s.message_);
  text::wipe(wide, sizeof wide);
  return s;
}

}  // namespace spark
