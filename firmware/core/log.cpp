#include "core/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/text.h"

namespace spark::log {
namespace {

void stderr_sink(Level level, const char* line, void*) {
  std::fprintf(stderr, "%c %s\n", "EWID"[static_cast<int>(level)], line);
}

struct State {
  std::mutex mutex;
  Sink sink = stderr_sink;
  void* context = nullptr;
  char secrets[kMaxSecrets][kMaxSecretLen + 1] = {};
  size_t secret_count = 0;
  // Wider than a line so a secret that straddles the cut is whole when it
  // is redacted; the line is cut to kMaxLine afterwards.
  char line[kMaxLine + kMaxSecretLen] = {};
  char scratch[kMaxLine + kMaxSecretLen] = {};  // redacted_copy()'s
};

State& state() {
  static State s;
  return s;
}
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

constexpr char kMask[] = "[redacted]";
constexpr size_t kMaskLen = sizeof kMask - 1;

// Replaces [pos, pos+len) of the NUL-terminated line with kMask within
// capacity bytes. What no longer fits after the mask is cut on a character
// boundary; when the mask itself does not fit, the line ends at pos (the
// match goes, nothing is written past the buffer). Returns where to go on
// searching: just past the mask, or the end of the line.
size_t mask_at(char* line, size_t capacity, size_t pos, size_t len) {
  const size_t total = std::strlen(line);
  if (pos + kMaskLen + 1 > capacity) {
    line[pos] = '\0';
    return pos;
  }
  size_t tail = total - pos - len;
  const size_t room = capacity - 1 - pos - kMaskLen;
  if (tail > room) tail = text::utf8_floor(line + pos + len, tail, room);
  std::memmove(line + pos + kMaskLen, line + pos + len, tail);
  std::memcpy(line + pos, kMask, kMaskLen);
  line[pos + kMaskLen + tail] = '\0';
  return pos + kMaskLen;
}

// A text cut short elsewhere (by the service, or before it reached us) can
// end in the first bytes of a secret: mask a prefix of at least kMinPrefix
// bytes at the very end, or just before a final "...". Shorter prefixes
// tell next to nothing and would mask ordinary endings.
constexpr size_t kMinPrefix = 4;

void mask_trailing_prefix(char* line, size_t capacity, const char* secret, size_t len) {
  size_t total = std::strlen(line);
  size_t end = total;
  if (total >= 3 && std::memcmp(line + total - 3, "...", 3) == 0) end = total - 3;
  for (size_t ends : {total, end}) {
    for (size_t k = len - 1; k >= kMinPrefix; --k) {
      if (k > ends) continue;
      if (std::memcmp(line + ends - k, secret, k) == 0) {
        mask_at(line, capacity, ends - k, k);
        return;
      }
    }
    if (end == total) break;
  }
}

void redact_locked(State& s, char* line, size_t capacity) {
  if (capacity == 0) return;
  line[capacity - 1] = '\0';
  if (capacity < kMaskLen + 1) {
    line[0] = '\0';
    return;
  }
  for (size_t i = 0; i < s.secret_count; ++i) {
    const char* secret = s.secrets[i];
    size_t len = std::strlen(secret);
    for (size_t from = 0;;) {
      const char* hit = std::strstr(line + from, secret);
      if (!hit) break;
      from = mask_at(line, capacity, static_cast<size_t>(hit - line), len);
    }
    if (len > kMinPrefix) mask_trailing_prefix(line, capacity, secret, len);
  }
  // Any bearer token, registered or not: mask up to the next space or quote.
  static constexpr char kBearer[] = "Bearer ";
  for (size_t from = 0;;) {
    const char* hit = std::strstr(line + from, kBearer);
    if (!hit) break;
    size_t token = static_cast<size_t>(hit - line) + sizeof kBearer - 1;
    size_t len = std::strcspn(line + token, " \t\r\n\"'");
    if (len == 0 || std::strncmp(line + token, kMask, kMaskLen) == 0) {
      from = token;
      continue;
    }
    from = mask_at(line, capacity, token, len);
  }
}

}  // namespace

void set_sink(Sink sink, void* context) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.sink = sink ? sink : stderr_sink;
  s.context = context;
}
void reset_sink() {
  set_sink(nullptr, nullptr);
}
void set_level(Level l) {
  g_level.store(static_cast<int>(l));
}
Level level() {
  return static_cast<Level>(g_level.load());
}

const char* level_name(Level l) {
  switch (l) {
    case Level::kError:
      return "error";
    case Level::kWarn:
      return "warn";
    case Level::kInfo:
      return "info";
    case Level::kDebug:
      return "debug";
  }
  return "?";
}

Status add_secret(std::string_view secret) {
  if (secret.empty()) return Status::error(Code::kInvalidArgument, "empty secret");
  if (secret.size() > kMaxSecretLen) {
    return Status::error(Code::kInvalidArgument, "secret longer than %zu bytes", kMaxSecretLen);
  }
  if (secret.find('\0') != std::string_view::npos) {
    return Status::error(Code::kInvalidArgument, "secret contains a NUL byte");
  }
  State& s = state();
  {
    // Status::error redacts through this mutex: make none while holding it.
    std::lock_guard<std::mutex> lock(s.mutex);
    for (size_t i = 0; i < s.secret_count; ++i) {
      if (secret == s.secrets[i]) return Status::ok();
    }
    if (s.secret_count < kMaxSecrets) {
      std::memcpy(s.secrets[s.secret_count], secret.data(), secret.size());
      s.secrets[s.secret_count][secret.size()] = '\0';
      ++s.secret_count;
      return Status::ok();
    }
  }
  return Status::error(Code::kResourceExhausted, "more than %zu secrets registered", kMaxSecrets);
}

void clear_secrets() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  text::wipe(s.secrets, sizeof s.secrets);
  s.secret_count = 0;
}

void redact(char* line, size_t capacity) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  redact_locked(s, line, capacity);
}

size_t redacted_copy(std::string_view src, char* dst, size_t cap) {
  if (cap == 0) return 0;
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  // Redact a copy wide enough that a secret starting anywhere within cap is
  // whole in it; then cut on a character boundary.
  char* wide = s.scratch;
  const size_t wide_cap =
      cap + kMaxSecretLen < sizeof s.scratch ? cap + kMaxSecretLen : sizeof s.scratch;
  size_t n = text::utf8_floor(src.data(), src.size(), wide_cap - 1);
  std::memcpy(wide, src.data(), n);
  wide[n] = '\0';
  redact_locked(s, wide, wide_cap);
  size_t len = text::fit(std::string_view(wide, std::strlen(wide)), dst, cap, n < src.size());
  text::scrub_utf8(dst);
  text::wipe(wide, wide_cap);
  return len;
}

std::string redacted(std::string_view src) {
  // Room for the worst growth: "Bearer x" (8 bytes) becomes 17, and a
  // secret (1 byte or more) becomes 10; nothing is ever cut here.
  std::string buf(src.size() * (kMaskLen + 1) + 1, '\0');
  std::memcpy(&buf[0], src.data(), src.size());
  redact(&buf[0], buf.size());
  text::scrub_utf8(&buf[0]);
  // cppcheck-suppress stlcstrConstructor ; on purpose: the text ends at the first NUL of buf
  std::string shown(buf.c_str());
  text::wipe(buf);
  return shown;
}

void write(Level lvl, const char* module, const char* fmt, ...) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  int head = std::snprintf(s.line, sizeof s.line, "%s: ", module ? module : "-");
  if (head < 0 || static_cast<size_t>(head) >= sizeof s.line) head = 0;
  va_list ap;
  va_start(ap, fmt);
  text::vformat(s.line + head, sizeof s.line - static_cast<size_t>(head), fmt, ap);
  va_end(ap);
  redact_locked(s, s.line, sizeof s.line);
  text::cut(s.line, kMaxLine - 1);
  text::scrub_utf8(s.line);
  s.sink(lvl, s.line, s.context);
}

}  // namespace spark::log
