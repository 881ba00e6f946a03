#include "codec/utf8.h"

#include <cstdint>

namespace spark::codec {

Utf8Scan utf8_scan(std::string_view text) {
  Utf8Scan scan;
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    uint8_t c = p[i];
    size_t len;
    uint32_t min;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      ++scan.code_points;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, min = 0x80, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, min = 0x800, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, min = 0x10000, cp = c & 0x07u;
    } else {
      scan.valid = false;
      scan.error_offset = i;
      return scan;
    }
    bool ok = n - i >= len;
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (p[i + k] & 0xC0) == 0x80;
      cp = (cp << 6) | (p[i + k] & 0x3Fu);
    }
    if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      scan.valid = false;
      scan.error_offset = i;
      return scan;
    }
    i += len;
    ++scan.code_points;
  }
  return scan;
}

Result<size_t> utf8_count(std::string_view text) {
  Utf8Scan scan = utf8_scan(text);
  if (!scan.valid) {
    return Status::error(Code::kInvalidArgument, "text is not valid UTF-8 at byte %zu",
                         scan.error_offset);
  }
  return scan.code_points;
}

}  // namespace spark::codec
