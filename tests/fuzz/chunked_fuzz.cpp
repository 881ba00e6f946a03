// The chunked transfer decoder of http::ResponseParser alone: a fixed
// "Transfer-Encoding: chunked" head, then the input as the body.
// Byte 0 picks the mode and the split:
// - raw (bit 7 clear): the input is the chunked stream itself. Fed whole and
//   fed in pieces of (byte 0 % 16 + 1) bytes, it must give the same outcome
//   (done, the same error code, the same body bytes and count), the body
//   within its cap, never a crash or a read past the input.
// - encoded (bit 7 set): the input is chunk payloads ([length byte][bytes]
//   ...), which the fuzzer encodes correctly (hex sizes, with an extension
//   when bit 6 is set, the last chunk and an empty trailer); the decoder
//   must end exactly at the stream's end with the payloads' concatenation.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "http/response_parser.h"

using namespace spark;

namespace {

constexpr uint64_t kCap = 64 * 1024;
const char kHead[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

struct Outcome {
  bool ok = true;
  bool done = false;
  Code code = Code::kOk;
  size_t used = 0;  // of the body stream
  std::vector<uint8_t> body;
  uint64_t body_bytes = 0;
};

Outcome run(const uint8_t* body, size_t n, size_t step) {
  static uint8_t head[2048];
  http::ResponseParser parser{MutBytes(head)};
  parser.reset(false, kCap);
  GrowingSink sink(2 * kCap);
  Outcome o;
  Result<size_t> h =
      parser.feed(ConstBytes(reinterpret_cast<const uint8_t*>(kHead), sizeof kHead - 1), sink);
  if (!h.is_ok() || *h != sizeof kHead - 1 || !parser.headers_done() || !parser.chunked()) {
    std::abort();
  }
  while (o.used < n && !parser.done()) {
    size_t k = n - o.used < step ? n - o.used : step;
    Result<size_t> r = parser.feed(ConstBytes(body + o.used, k), sink);
    if (!r.is_ok()) {
      o.ok = false;
      o.code = r.status().code();
      break;
    }
    if (*r > k || (*r < k && !parser.done())) std::abort();
    o.used += *r;
  }
  o.done = parser.done();
  o.body.assign(sink.bytes().data(), sink.bytes().data() + sink.bytes().size());
  o.body_bytes = parser.body_bytes();
  if (o.body.size() > kCap || o.body.size() != o.body_bytes) std::abort();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  if ((mode & 0x80) == 0) {
    Outcome whole = run(data + 1, size - 1, size);
    Outcome split = run(data + 1, size - 1, mode % 16 + 1);
    if (whole.ok != split.ok || whole.done != split.done || whole.code != split.code ||
        whole.body != split.body || (whole.done && whole.used != split.used)) {
      std::abort();
    }
    return 0;
  }
  std::string stream;
  std::vector<uint8_t> expect;
  for (size_t i = 1; i < size;) {
    size_t n = data[i++];
    if (n > size - i) n = size - i;
    if (n == 0) continue;  // a zero size would be the last chunk
    char line[32];
    std::snprintf(line, sizeof line, (mode & 0x40) ? "%zX;ext=\"v\"\r\n" : "%zx\r\n", n);
    stream += line;
    stream.append(reinterpret_cast<const char*>(data + i), n);
    stream += "\r\n";
    expect.insert(expect.end(), data + i, data + i + n);
    i += n;
  }
  stream += "0\r\n\r\n";
  Outcome o = run(reinterpret_cast<const uint8_t*>(stream.data()), stream.size(), mode % 16 + 1);
  if (!o.ok || !o.done || o.used != stream.size() || o.body != expect) std::abort();
  return 0;
}
