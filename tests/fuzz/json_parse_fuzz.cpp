// Fuzzes codec::parse_json (caps + picojson) and the UTF-8 scanner.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/json_parse.h"
#include "codec/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  spark::codec::Utf8Scan scan = spark::codec::utf8_scan(text);
  if (!scan.valid && scan.error_offset >= size) __builtin_trap();
  spark::codec::JsonLimits limits;
  limits.max_bytes = 4096;
  limits.max_depth = 16;
  auto value = spark::codec::parse_json(text, limits);
  if (value.is_ok()) (void)value->serialize();
  return 0;
}
