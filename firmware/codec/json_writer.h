// JsonWriter: streamed JSON output with correct escaping.
//
// Strings are escaped per RFC 8259 (quote, backslash, all control
// characters) and U+2028/U+2029 are written as \u2028/\u2029 so the output
// is also safe inside JavaScript. Input must be valid UTF-8 (else
// kInvalidArgument). Commas and nesting are tracked; a misuse (a value where
// a key is due, unbalanced ends) is kFailedPrecondition. begin_string /
// string_part / end_string write one string in pieces, which is how a
// request body is split around a streamed base64 value (see
// http/json_upload_body.h): flush() after begin_string() marks the split.
//
// Memory: kBuffer bytes + kMaxDepth flags inline; output goes to the sink
// in pieces of at most kBuffer bytes. No heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/io.h"
#include "core/status.h"

namespace spark::codec {

class JsonWriter {
 public:
  static constexpr size_t kMaxDepth = 32;
  static constexpr size_t kBuffer = 256;

  explicit JsonWriter(ByteSink& out) : out_(out) {}

  Status begin_object();
  Status end_object();
  Status begin_array();
  Status end_array();
  Status key(std::string_view name);
  Status string(std::string_view utf8);
  Status number(int64_t value);
  // Shortest text that reads back as the same double; NaN/inf are refused.
  Status number(double value);
  Status boolean(bool value);
  Status null();

  Status begin_string();
  Status string_part(std::string_view utf8);
  Status end_string();

  // Writes buffered output to the sink.
  Status flush();
  // Flushes, and fails if a container or string is still open.
  Status finish();

 private:
  enum class Frame : uint8_t { kObjectKey, kObjectValue, kArray };
  Status before_value();
  Status put(std::string_view s);
  Status put_escaped(std::string_view s);

  ByteSink& out_;
  char buf_[kBuffer] = {};
  size_t len_ = 0;
  Frame stack_[kMaxDepth] = {};
  size_t depth_ = 0;
  bool first_ = true;  // no element yet in the current container
  bool in_string_ = false;
  bool top_done_ = false;  // a complete top-level value was written
};

}  // namespace spark::codec
