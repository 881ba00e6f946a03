#include "core/log.h"

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <mutex>

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
};

State& state() {
  static State s;
  return s;
}
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

constexpr char kMask[] = "[redacted]";

// Replaces [pos, pos+len) of line with kMask, keeping it NUL-terminated
// within capacity.
void mask_at(char* line, size_t capacity, size_t pos, size_t len) {
  size_t total = std::strlen(line);
  size_t mask = sizeof kMask - 1;
  size_t tail = total - pos - len;
  if (pos + mask + tail + 1 > capacity) tail = capacity - 1 - pos - mask;
  std::memmove(line + pos + mask, line + pos + len, tail);
  std::memcpy(line + pos, kMask, mask);
  line[pos + mask + tail] = '\0';
}

void redact_locked(State& s, char* line, size_t capacity) {
  if (capacity < sizeof kMask + 1) {
    line[0] = '\0';
    return;
  }
  for (size_t i = 0; i < s.secret_count; ++i) {
    const char* secret = s.secrets[i];
    size_t len = std::strlen(secret);
    for (char* hit = std::strstr(line, secret); hit; hit = std::strstr(hit + sizeof kMask - 1, secret)) {
      mask_at(line, capacity, static_cast<size_t>(hit - line), len);
    }
  }
  // Any bearer token, registered or not: mask up to the next space or quote.
  static constexpr char kBearer[] = "Bearer ";
  for (char* hit = std::strstr(line, kBearer); hit; hit = std::strstr(hit + 1, kBearer)) {
    char* token = hit + sizeof kBearer - 1;
    size_t len = std::strcspn(token, " \t\r\n\"'");
    if (len == 0 || std::strncmp(token, kMask, sizeof kMask - 1) == 0) continue;
    mask_at(line, capacity, static_cast<size_t>(token - line), len);
  }
}

}  // namespace

void set_sink(Sink sink, void* context) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.sink = sink ? sink : stderr_sink;
  s.context = context;
}
void reset_sink() { set_sink(nullptr, nullptr); }
void set_level(Level l) { g_level.store(static_cast<int>(l)); }
Level level() { return static_cast<Level>(g_level.load()); }

const char* level_name(Level l) {
  switch (l) {
    case Level::kError: return "error";
    case Level::kWarn: return "warn";
    case Level::kInfo: return "info";
    case Level::kDebug: return "debug";
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
  std::lock_guard<std::mutex> lock(s.mutex);
  for (size_t i = 0; i < s.secret_count; ++i) {
    if (secret == s.secrets[i]) return Status::ok();
  }
  if (s.secret_count == kMaxSecrets) {
    return Status::error(Code::kResourceExhausted, "more than %zu secrets registered", kMaxSecrets);
  }
  std::memcpy(s.secrets[s.secret_count], secret.data(), secret.size());
  s.secrets[s.secret_count][secret.size()] = '\0';
  ++s.secret_count;
  return Status::ok();
}

void clear_secrets() {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  std::memset(s.secrets, 0, sizeof s.secrets);
  s.secret_count = 0;
}

void redact(char* line, size_t capacity) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  redact_locked(s, line, capacity);
}

void write(Level lvl, const char* module, const char* fmt, ...) {
  State& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  int head = std::snprintf(s.line, sizeof s.line, "%s: ", module ? module : "-");
  if (head < 0 || static_cast<size_t>(head) >= sizeof s.line) head = 0;
  va_list ap;
  va_start(ap, fmt);
  int n = std::vsnprintf(s.line + head, sizeof s.line - static_cast<size_t>(head), fmt, ap);
  va_end(ap);
  if (n >= 0 && static_cast<size_t>(head + n) >= sizeof s.line) s.line[sizeof s.line - 1] = '\0';
  redact_locked(s, s.line, sizeof s.line);
  if (std::strlen(s.line) >= kMaxLine) std::memcpy(s.line + kMaxLine - 4, "...", 4);
  s.sink(lvl, s.line, s.context);
}

}  // namespace spark::log
