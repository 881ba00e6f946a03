#include "codec/utf8.h"

#include "core/text.h"

namespace spark::codec {

Utf8Scan utf8_scan(std::string_view text) {
  Utf8Scan scan;
  for (size_t i = 0; i < text.size();) {
    size_t len = text::utf8_sequence(text.data() + i, text.size() - i);
    if (len == 0) {
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
