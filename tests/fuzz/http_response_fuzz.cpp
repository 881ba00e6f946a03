// Fuzzes http::ResponseParser: arbitrary bytes, fed in pieces whose sizes
// come from the input itself, must end in a result or an error, never a
// crash, overflow or a body beyond its cap.
#include <cstddef>
#include <cstdint>

#include "http/response_parser.h"

using namespace spark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  static uint8_t head[2048];
  http::ResponseParser parser{MutBytes(head)};
  const uint64_t cap = 4096;
  parser.reset((data[0] & 1) != 0, cap);
  size_t step = data[1] % 64 + 1;
  CountingSink sink;
  size_t pos = 2;
  while (pos < size && !parser.done()) {
    size_t n = size - pos < step ? size - pos : step;
    Result<size_t> used = parser.feed(ConstBytes(data + pos, n), sink);
    if (!used.is_ok()) return 0;
    if (*used > n) __builtin_trap();
    pos += *used;
    if (*used < n && !parser.done()) __builtin_trap();  // stops early only at the end
    if (*used == 0 && !parser.done()) __builtin_trap();
  }
  if (!parser.done()) parser.finish(true).ignore();
  if (sink.count() > cap || sink.count() != parser.body_bytes()) __builtin_trap();
  if (parser.headers_done()) {
    (void)parser.header("Content-Type");
    (void)parser.reason();
  }
  return 0;
}
