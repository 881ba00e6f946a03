// One-shot base64 must equal RFC 4648 written out a field at a time (the
// encoder's vector steps and pair table share nothing with it), and
// streamed base64 (pushed through Base64Encoder, or pulled from
// Base64Source, which encodes in place in the reader's buffer) must equal
// one-shot base64 for any input split anywhere and any read sizes.
#include <cstdlib>
#include <vector>

#include "codec/base64.h"

using namespace spark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t split = data[0] % size;
  ConstBytes in(data + 1, size - 1);
  std::vector<uint8_t> expected(static_cast<size_t>(codec::base64_encoded_size(in.size())));
  if (codec::base64_encode(in, MutBytes(expected.data(), expected.size())) != expected.size() &&
      !in.empty()) {
    std::abort();
  }
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0, o = 0; i < in.size(); i += 3, o += 4) {
    const size_t n = in.size() - i < 3 ? in.size() - i : 3;
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) v = v << 8 | (k < n ? in[i + k] : 0);
    for (size_t k = 0; k < 4; ++k) {
      const char c = k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
      if (expected[o + k] != static_cast<uint8_t>(c)) std::abort();
    }
  }
  GrowingSink sink(expected.size());
  codec::Base64Encoder enc(sink);
  if (!enc.write(in.first(split)).is_ok() || !enc.write(in.subspan(split)).is_ok() ||
      !enc.finish().is_ok()) {
    std::abort();
  }
  ConstBytes got = sink.bytes();
  if (got.size() != expected.size()) std::abort();
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != expected[i]) std::abort();
  }

  // Pulled: read sizes 1..64 taken from the input itself, cycling.
  MemorySource raw(in);
  codec::Base64Source source(raw);
  std::vector<uint8_t> pulled;
  uint8_t buf[64];
  for (size_t i = 0;; ++i) {
    size_t want = 1 + (in.empty() ? 0 : in[i % in.size()] % sizeof buf);
    Result<size_t> n = source.read(MutBytes(buf, want));
    if (!n.is_ok() || *n > want) std::abort();
    if (*n == 0) break;
    pulled.insert(pulled.end(), buf, buf + *n);
  }
  if (pulled != expected) std::abort();
  return 0;
}
