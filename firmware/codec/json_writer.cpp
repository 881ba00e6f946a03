#include "codec/json_writer.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "codec/utf8.h"

namespace spark::codec {
namespace {

Status misuse(const char* what) {
  return Status::error(Code::kFailedPrecondition, "json: %s", what);
}

}  // namespace

Status JsonWriter::put(std::string_view s) {
  while (!s.empty()) {
    if (len_ == sizeof buf_) SPARK_TRY(flush());
    size_t n = s.size() < sizeof buf_ - len_ ? s.size() : sizeof buf_ - len_;
    std::memcpy(buf_ + len_, s.data(), n);
    len_ += n;
    s.remove_prefix(n);
  }
  return Status::ok();
}

Status JsonWriter::flush() {
  if (len_ == 0) return Status::ok();
  SPARK_TRY(out_.write(ConstBytes(reinterpret_cast<const uint8_t*>(buf_), len_)));
  len_ = 0;
  return Status::ok();
}

Status JsonWriter::put_escaped(std::string_view s) {
  Utf8Scan scan = utf8_scan(s);
  if (!scan.valid) {
    return Status::error(Code::kInvalidArgument, "json: string is not valid UTF-8 at byte %zu",
                         scan.error_offset);
  }
  size_t run = 0;  // start of the pending unescaped run
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    char esc[8] = {};
    size_t skip = 1;
    if (c == '"') {
      std::memcpy(esc, "\\\"", 3);
    } else if (c == '\\') {
      std::memcpy(esc, "\\\\", 3);
    } else if (c == '\n') {
      std::memcpy(esc, "\\n", 3);
    } else if (c == '\r') {
      std::memcpy(esc, "\\r", 3);
    } else if (c == '\t') {
      std::memcpy(esc, "\\t", 3);
    } else if (c == '\b') {
      std::memcpy(esc, "\\b", 3);
    } else if (c == '\f') {
      std::memcpy(esc, "\\f", 3);
    } else if (c < 0x20) {
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) & 0xFE) == 0xA8) {
      // U+2028 LINE SEPARATOR / U+2029 PARAGRAPH SEPARATOR
      std::snprintf(esc, sizeof esc, "\\u%s", s[i + 2] == '\xA8' ? "2028" : "2029");
      skip = 3;
    } else {
      continue;
    }
    SPARK_TRY(put(s.substr(run, i - run)));
    SPARK_TRY(put(esc));
    i += skip - 1;
    run = i + 1;
  }
  return put(s.substr(run));
}

Status JsonWriter::before_value() {
  if (in_string_) return misuse("value inside an open string");
  if (depth_ == 0) {
    if (top_done_) return misuse("second top-level value");
    return Status::ok();
  }
  Frame& f = stack_[depth_ - 1];
  if (f == Frame::kObjectKey) return misuse("value where an object key is due");
  if (f == Frame::kObjectValue) {
    f = Frame::kObjectKey;
    return Status::ok();
  }
  if (!first_) SPARK_TRY(put(","));
  first_ = false;
  return Status::ok();
}

Status JsonWriter::key(std::string_view name) {
  if (in_string_ || depth_ == 0 || stack_[depth_ - 1] != Frame::kObjectKey) {
    return misuse("key outside an object");
  }
  if (!first_) SPARK_TRY(put(","));
  first_ = false;
  SPARK_TRY(put("\""));
  SPARK_TRY(put_escaped(name));
  SPARK_TRY(put("\":"));
  stack_[depth_ - 1] = Frame::kObjectValue;
  return Status::ok();
}

Status JsonWriter::begin_object() {
  SPARK_TRY(before_value());
  if (depth_ == kMaxDepth) return misuse("nesting deeper than 32");
  stack_[depth_++] = Frame::kObjectKey;
  first_ = true;
  return put("{");
}

Status JsonWriter::begin_array() {
  SPARK_TRY(before_value());
  if (depth_ == kMaxDepth) return misuse("nesting deeper than 32");
  stack_[depth_++] = Frame::kArray;
  first_ = true;
  return put("[");
}

Status JsonWriter::end_object() {
  if (in_string_ || depth_ == 0 || stack_[depth_ - 1] != Frame::kObjectKey) {
    return misuse("end_object without a matching begin_object");
  }
  --depth_;
  first_ = false;
  top_done_ = depth_ == 0;
  return put("}");
}

Status JsonWriter::end_array() {
  if (in_string_ || depth_ == 0 || stack_[depth_ - 1] != Frame::kArray) {
    return misuse("end_array without a matching begin_array");
  }
  --depth_;
  first_ = false;
  top_done_ = depth_ == 0;
  return put("]");
}

Status JsonWriter::begin_string() {
  SPARK_TRY(before_value());
  in_string_ = true;
  return put("\"");
}

Status JsonWriter::string_part(std::string_view utf8) {
  if (!in_string_) return misuse("string_part outside begin_string");
  return put_escaped(utf8);
}

Status JsonWriter::end_string() {
  if (!in_string_) return misuse("end_string without begin_string");
  in_string_ = false;
  top_done_ = depth_ == 0;
  return put("\"");
}

Status JsonWriter::string(std::string_view utf8) {
  SPARK_TRY(begin_string());
  SPARK_TRY(string_part(utf8));
  return end_string();
}

Status JsonWriter::number(int64_t value) {
  SPARK_TRY(before_value());
  char text[24];
  int n = std::snprintf(text, sizeof text, "%lld", static_cast<long long>(value));
  top_done_ = depth_ == 0;
  return put(std::string_view(text, static_cast<size_t>(n)));
}

Status JsonWriter::number(double value) {
  if (!std::isfinite(value)) return misuse("NaN or infinity has no JSON form");
  SPARK_TRY(before_value());
  char text[32];
  int n = std::snprintf(text, sizeof text, "%.15g", value);
  if (std::strtod(text, nullptr) != value) n = std::snprintf(text, sizeof text, "%.17g", value);
  top_done_ = depth_ == 0;
  return put(std::string_view(text, static_cast<size_t>(n)));
}

Status JsonWriter::boolean(bool value) {
  SPARK_TRY(before_value());
  top_done_ = depth_ == 0;
  return put(value ? "true" : "false");
}

Status JsonWriter::null() {
  SPARK_TRY(before_value());
  top_done_ = depth_ == 0;
  return put("null");
}

Status JsonWriter::finish() {
  if (in_string_ || depth_ != 0) return misuse("finish with an open string or container");
  return flush();
}

}  // namespace spark::codec
