// UTF-8 validation and code-point counting (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF). The API counts prompt length in code
// points. Memory: none.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.h"

namespace spark::codec {

struct Utf8Scan {
  bool valid = true;
  size_t code_points = 0;   // counted up to the first error
  size_t error_offset = 0;  // byte offset of the first invalid sequence
};

Utf8Scan utf8_scan(std::string_view text);
inline bool utf8_valid(std::string_view text) {
  return utf8_scan(text).valid;
}
// Code points, or kInvalidArgument "text is not valid UTF-8 at byte N".
Result<size_t> utf8_count(std::string_view text);

}  // namespace spark::codec
