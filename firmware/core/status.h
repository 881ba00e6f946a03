// spark::Status and spark::Result<T>: errors as values.
//
// The core never throws. A Status is a code plus a short human message held
// inline (no heap), so an error can be made anywhere, even when allocation is
// what failed. Messages say what happened in words a person can act on:
// "config: scale must be within 0..1 (got 1.5)".
//
// Memory: sizeof(Status) == 168 bytes; Result<T> adds sizeof(T). No heap;
// making one uses ~420 bytes of stack (a wide copy that is redacted first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

namespace spark {

enum class Code : uint8_t {
  kOk = 0,
  kInvalidArgument,     // the caller's input is wrong (bad option, bad file)
  kOutOfRange,          // a value or size beyond a limit
  kResourceExhausted,   // a buffer, cap or memory budget would be exceeded
  kFailedPrecondition,  // the system is not in a state to do this
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnauthenticated,
  kUnavailable,  // transient: try again later
  kDeadlineExceeded,
  kCancelled,
  kDataLoss,  // corrupt or truncated data
  kUnimplemented,
  kIo,        // an operating-system I/O error
  kInternal,  // a bug in sparkcam
};

// "invalid argument", "deadline exceeded", ...
const char* code_name(Code code);

class [[nodiscard]] Status {
 public:
  static constexpr size_t kMaxMessage = 159;

  constexpr Status() = default;  // OK
  static Status ok() { return Status(); }
  // printf-style message. Registered secrets are masked (spark::log) before
  // it is cut to kMaxMessage bytes (with "...", on a UTF-8 boundary), so no
  // part of a secret survives a cut.
  static Status error(Code code, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

  bool is_ok() const { return code_ == Code::kOk; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return code_; }
  const char* message() const { return message_; }

  // Returns this status with "context: " put before its message (redacted
  // and cut the same way).
  Status with_context(const char* fmt, ...) const __attribute__((format(printf, 2, 3)));

  // Explicitly drops a status the caller has decided not to handle.
  void ignore() const {}

 private:
  Code code_ = Code::kOk;
  char message_[kMaxMessage + 1] = {};
};

// A value of T or a non-OK Status.
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}     // NOLINT: implicit by design
  Result(const Status& status) : status_(status) {  // NOLINT: implicit by design
    if (status_.is_ok()) {
      status_ = Status::error(Code::kInternal, "Result made from an OK status without a value");
    }
  }

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }

  // Only valid when is_ok().
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

  T value_or(T fallback) const { return value_ ? *value_ : fallback; }

 private:
  std::optional<T> value_;
  Status status_;
};

namespace detail {
inline const Status& status_of(const Status& s) {
  return s;
}
template <class T>
const Status& status_of(const Result<T>& r) {
  return r.status();
}
}  // namespace detail

}  // namespace spark

#define SPARK_CONCAT_INNER(a, b) a##b
#define SPARK_CONCAT(a, b) SPARK_CONCAT_INNER(a, b)

// Returns the error of a Status- or Result-valued expression from the
// enclosing function, which must return Status or Result<U>.
#define SPARK_TRY(expr)                                        \
  do {                                                         \
    auto&& spark_try_value_ = (expr);                          \
    if (!::spark::detail::status_of(spark_try_value_).is_ok()) \
      return ::spark::detail::status_of(spark_try_value_);     \
  } while (0)

// SPARK_TRY_ASSIGN(auto n, source.read(buf)); declares/assigns lhs from a
// Result's value, or returns its error.
// NOLINTBEGIN(bugprone-macro-parentheses): lhs is a declaration ("auto n")
// and tmp a name being declared; neither may be parenthesised.
#define SPARK_TRY_ASSIGN(lhs, expr) \
  SPARK_TRY_ASSIGN_IMPL(SPARK_CONCAT(spark_try_result_, __LINE__), lhs, expr)
#define SPARK_TRY_ASSIGN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.is_ok()) return tmp.status();      \
  lhs = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
