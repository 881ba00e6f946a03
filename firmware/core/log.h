// spark::log: levelled log lines that never carry a secret.
//
// Every line passes through a redactor before it reaches the sink: each
// registered secret (the API key, once loaded) is replaced by "[redacted]"
// wherever it appears, and so is anything after "Bearer ". Lines are
// formatted into a fixed buffer (kMaxLine, longer lines are cut with "..."
// on a UTF-8 character boundary, after redaction).
//
// Memory: static only: two kMaxLine + kMaxSecretLen buffers and
// kMaxSecrets x kMaxSecretLen bytes of secrets. Thread-safe (one mutex).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/status.h"

namespace spark::log {

enum class Level : int { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

constexpr size_t kMaxLine = 512;
constexpr size_t kMaxSecrets = 4;
constexpr size_t kMaxSecretLen = 256;

// A sink gets one finished, redacted line (no trailing newline). It runs
// under the log's lock: it must not log, nor make a Status (Status::error
// redacts through the same lock).
using Sink = void (*)(Level level, const char* line, void* context);

// Default sink: "W image: ..." lines on stderr.
void set_sink(Sink sink, void* context);
void reset_sink();
void set_level(Level level);
Level level();
const char* level_name(Level level);

// Registers a value that must never appear in a log line. Fails for an empty
// value, one over kMaxSecretLen bytes, or when kMaxSecrets are registered.
Status add_secret(std::string_view secret);
void clear_secrets();

// Replaces every registered secret and any Bearer token in line (in place,
// NUL-terminated, capacity bytes), and a secret's first bytes (4 or more)
// at the end of the line or before a final "...", where a text cut short
// elsewhere leaves them. Growth past capacity is cut on a character
// boundary; any capacity (0 included) is safe.
void redact(char* line, size_t capacity);

// Copies src into dst (capacity cap) redacted as above, then cut on a
// character boundary with "..." when it does not fit: a secret that
// straddles the cut is masked whole, never left in part. For every text that
// is printed or kept (vendor messages, the CLI's output). cap is at most
// kMaxLine. Bytes that are not UTF-8 become '?' (here, in redacted() and
// in log lines), so printed text and JSON strings are always UTF-8.
// Returns the length written.
size_t redacted_copy(std::string_view src, char* dst, size_t cap);
// src redacted as above, whole (never cut), for printing. Stops at a NUL.
std::string redacted(std::string_view src);

void write(Level level, const char* module, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace spark::log

#define SPARK_LOG(lvl, module, ...)                                       \
  do {                                                                    \
    if (static_cast<int>(lvl) <= static_cast<int>(::spark::log::level())) \
      ::spark::log::write(lvl, module, __VA_ARGS__);                      \
  } while (0)
#define SPARK_LOGE(module, ...) SPARK_LOG(::spark::log::Level::kError, module, __VA_ARGS__)
#define SPARK_LOGW(module, ...) SPARK_LOG(::spark::log::Level::kWarn, module, __VA_ARGS__)
#define SPARK_LOGI(module, ...) SPARK_LOG(::spark::log::Level::kInfo, module, __VA_ARGS__)
#define SPARK_LOGD(module, ...) SPARK_LOG(::spark::log::Level::kDebug, module, __VA_ARGS__)
