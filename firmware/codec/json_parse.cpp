#include "codec/json_parse.h"

#include <exception>
#include <stdexcept>

#include "codec/utf8.h"

namespace spark::codec {
namespace {

// Deepest [ / { nesting outside strings; stops counting past limit.
size_t nesting_depth(std::string_view text, size_t limit) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

}  // namespace

Result<picojson::value> parse_json(std::string_view text, JsonLimits limits) {
  if (text.size() > limits.max_bytes) {
    return Status::error(Code::kResourceExhausted, "JSON of %zu bytes exceeds the %zu-byte cap",
                         text.size(), limits.max_bytes);
  }
  Utf8Scan scan = utf8_scan(text);
  if (!scan.valid) {
    return Status::error(Code::kDataLoss, "JSON is not valid UTF-8 at byte %zu", scan.error_offset);
  }
  if (nesting_depth(text, limits.max_depth) > limits.max_depth) {
    return Status::error(Code::kResourceExhausted, "JSON nests deeper than %zu levels",
                         limits.max_depth);
  }
  picojson::value value;
  std::string err;
  const char* end = nullptr;
  // picojson throws for a number beyond double's range ("1e99999": found by
  // the fuzzer) and on allocation failure, outside PICOJSON_ASSERT. This is
  // its one entry point, so the exception stops here as a Status.
  try {
    end = picojson::parse(value, text.data(), text.data() + text.size(), &err);
  } catch (const std::overflow_error&) {
    return Status::error(Code::kDataLoss, "invalid JSON: a number beyond the range of a double");
  } catch (const std::exception& e) {
    return Status::error(Code::kResourceExhausted, "JSON could not be parsed: %s", e.what());
  }
  if (!err.empty()) {
    // picojson's message: "syntax error at line 1 near: ..."
    return Status::error(Code::kDataLoss, "invalid JSON: %s", err.c_str());
  }
  for (const char* p = end; p != text.data() + text.size(); ++p) {
    if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
      return Status::error(Code::kDataLoss, "invalid JSON: data after the value at byte %zu",
                           static_cast<size_t>(p - text.data()));
    }
  }
  return value;
}

const picojson::value* member(const picojson::value& v, const char* key) {
  if (!v.is<picojson::object>()) return nullptr;
  const auto& obj = v.get<picojson::object>();
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &it->second;
}

}  // namespace spark::codec
