// spark::log: levelled log lines that never carry a secret.
//
// Every line passes through a redactor before it reaches the sink: each
// registered secret (the API key, once loaded) is replaced by "[redacted]"
// wherever it appears, and so is anything after "Bearer ". Lines are
// formatted into a fixed buffer (kMaxLine, longer lines are cut with "...").
//
// Memory: static only: one kMaxLine buffer and kMaxSecrets x kMaxSecretLen
// bytes of secrets. Thread-safe (one mutex).
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace spark::log {

enum class Level : int { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

constexpr size_t kMaxLine = 512;
constexpr size_t kMaxSecrets = 4;
constexpr size_t kMaxSecretLen = 256;

// A sink gets one finished, redacted line (no trailing newline).
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
// NUL-terminated, capacity bytes). Exposed for the CLI's own printing.
void redact(char* line, size_t capacity);

void write(Level level, const char* module, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

}  // namespace spark::log

#define SPARK_LOG(lvl, module, ...)                                        \
  do {                                                                     \
    if (static_cast<int>(lvl) <= static_cast<int>(::spark::log::level()))  \
      ::spark::log::write(lvl, module, __VA_ARGS__);                       \
  } while (0)
#define SPARK_LOGE(module, ...) SPARK_LOG(::spark::log::Level::kError, module, __VA_ARGS__)
#define SPARK_LOGW(module, ...) SPARK_LOG(::spark::log::Level::kWarn, module, __VA_ARGS__)
#define SPARK_LOGI(module, ...) SPARK_LOG(::spark::log::Level::kInfo, module, __VA_ARGS__)
#define SPARK_LOGD(module, ...) SPARK_LOG(::spark::log::Level::kDebug, module, __VA_ARGS__)
