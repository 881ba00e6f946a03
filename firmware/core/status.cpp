#include "core/status.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace spark {

const char* code_name(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid argument";
    case Code::kOutOfRange: return "out of range";
    case Code::kResourceExhausted: return "resource exhausted";
    case Code::kFailedPrecondition: return "failed precondition";
    case Code::kNotFound: return "not found";
    case Code::kAlreadyExists: return "already exists";
    case Code::kPermissionDenied: return "permission denied";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kUnavailable: return "unavailable";
    case Code::kDeadlineExceeded: return "deadline exceeded";
    case Code::kCancelled: return "cancelled";
    case Code::kDataLoss: return "data loss";
    case Code::kUnimplemented: return "unimplemented";
    case Code::kIo: return "I/O error";
    case Code::kInternal: return "internal error";
  }
  return "unknown";
}

namespace {
// vsnprintf into buf, marking truncation with a trailing "...".
__attribute__((format(printf, 3, 0))) void format_into(char* buf, size_t size, const char* fmt,
                                                     va_list ap) {
  int n = std::vsnprintf(buf, size, fmt, ap);
  if (n >= static_cast<int>(size) && size > 4) std::memcpy(buf + size - 4, "...", 4);
  if (n < 0) buf[0] = '\0';
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
  va_list ap;
  va_start(ap, fmt);
  format_into(s.message_, sizeof s.message_, fmt, ap);
  va_end(ap);
  // Append ": <message>", cutting with "..." when it does not fit.
  const size_t cap = sizeof s.message_ - 1;
  size_t used = std::strlen(s.message_);
  size_t own = std::strlen(message_);
  bool cut = used + 2 + own > cap;
  for (const char* part : {": ", static_cast<const char*>(message_)}) {
    size_t n = std::strlen(part);
    if (n > cap - used) n = cap - used;
    std::memcpy(s.message_ + used, part, n);
    used += n;
  }
  s.message_[used] = '\0';
  if (cut) std::memcpy(s.message_ + cap - 3, "...", 4);
  return s;
}

}  // namespace spark
