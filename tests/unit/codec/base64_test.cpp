#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "codec/base64.h"
#include "heap_meter.h"

using namespace spark;
using spark::codec::base64_encode;
using spark::codec::base64_encoded_size;
using spark::codec::Base64Encoder;
using spark::codec::Base64Source;

namespace {
std::string one_shot(ConstBytes in) {
  std::string out(static_cast<size_t>(base64_encoded_size(in.size())), '\0');
  size_t n = base64_encode(in, MutBytes(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  REQUIRE((n == out.size()));
  return out;
}
std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  uint32_t x = 2463534242u;  // xorshift: every byte value appears
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return v;
}
// RFC 4648 section 4, one 6-bit field at a time: shares nothing with the
// encoder's pair table and vector steps.
std::string reference(const std::vector<uint8_t>& in) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = in.size() - i < 3 ? in.size() - i : 3;
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) v = v << 8 | (k < n ? in[i + k] : 0);
    for (size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
  }
  return out;
}
// Everything a Base64Source gives, read step bytes (at most 4096) at a time.
std::string pull_all(Base64Source& b64, size_t step) {
  std::string got;
  uint8_t buf[4096];
  for (;;) {
    auto n = b64.read(MutBytes(buf, step));
    REQUIRE(n.is_ok());
    if (*n == 0) break;
    got.append(reinterpret_cast<char*>(buf), *n);
  }
  return got;
}
}  // namespace

// The encoder takes 16 groups (NEON) or 4 (SSSE3) at a time where it can,
// 2 or 1 elsewhere: every length up to several vector steps, every 6-bit
// value in every lane position, and in-place buffer sizes around each step
// boundary must give the reference text.
TEST_CASE("base64_matches_the_rfc_reference_across_vector_step_boundaries") {
  for (size_t len = 0; len <= 420; ++len) {
    auto data = pattern(len);
    const std::string expected = reference(data);
    CHECK_MESSAGE(one_shot(ConstBytes(data.data(), len)) == expected, "length " << len);
  }
  // Each 6-bit value 0..63 at each of the four positions of a group.
  std::vector<uint8_t> fields;
  for (uint32_t v = 0; v < 64; ++v) {
    for (int pos = 0; pos < 4; ++pos) {
      const uint32_t w = (v << (18 - 6 * pos)) | (pos ? 0u : 0x3fu);  // and a neighbour set
      fields.push_back(static_cast<uint8_t>(w >> 16));
      fields.push_back(static_cast<uint8_t>(w >> 8));
      fields.push_back(static_cast<uint8_t>(w));
    }
  }
  CHECK(one_shot(ConstBytes(fields.data(), fields.size())) == reference(fields));
  // In place: Base64Source reads into the tail of the caller's buffer and
  // encodes forward into its head.
  auto data = pattern(5000);
  const std::string expected = reference(data);
  for (size_t step = 4; step <= 260; ++step) {
    MemorySource raw(ConstBytes(data.data(), data.size()));
    Base64Source b64(raw);
    CHECK_MESSAGE(pull_all(b64, step) == expected, "read size " << step);
  }
}

TEST_CASE("base64_rfc4648_test_vectors") {
  const char* vectors[][2] = {{"", ""},
                              {"f", "Zg=="},
                              {"fo", "Zm8="},
                              {"foo", "Zm9v"},
                              {"foob", "Zm9vYg=="},
                              {"fooba", "Zm9vYmE="},
                              {"foobar", "Zm9vYmFy"}};
  for (auto& v : vectors) {
    CHECK(one_shot(as_bytes(v[0])) == v[1]);
    GrowingSink sink(64);
    Base64Encoder enc(sink);
    REQUIRE(enc.write(as_bytes(v[0])).is_ok());
    REQUIRE(enc.finish().is_ok());
    CHECK(as_chars(sink.bytes()) == v[1]);
  }
  const uint8_t high[] = {0xfb, 0xff, 0xfe};
  CHECK(one_shot(ConstBytes(high)) == "+//+");
}

TEST_CASE("base64_encoded_size_is_exact") {
  for (size_t n = 0; n < 50; ++n) {
    auto data = pattern(n);
    CHECK(base64_encoded_size(n) == one_shot(ConstBytes(data.data(), n)).size());
  }
  CHECK(base64_encoded_size(4500000) == 6000000);
  CHECK(base64_encoded_size(5242880) == 6990508);
}

TEST_CASE("base64_one_shot_refuses_a_small_output_buffer") {
  uint8_t out[3];
  CHECK(base64_encode(as_bytes("abc"), MutBytes(out)) == 0);
}

TEST_CASE("base64_stream_equals_one_shot_for_every_split_point") {
  for (size_t len = 1; len <= 300; ++len) {
    auto data = pattern(len);
    const std::string expected = one_shot(ConstBytes(data.data(), len));
    for (size_t split = 0; split <= len; ++split) {
      GrowingSink sink(512);
      Base64Encoder enc(sink);
      REQUIRE(enc.write(ConstBytes(data.data(), split)).is_ok());
      // No padding before finish().
      REQUIRE(as_chars(sink.bytes()).find('=') == std::string::npos);
      REQUIRE(enc.write(ConstBytes(data.data() + split, len - split)).is_ok());
      REQUIRE(enc.finish().is_ok());
      REQUIRE(as_chars(sink.bytes()) == expected);
      REQUIRE(enc.bytes_out() == expected.size());
    }
  }
}

TEST_CASE("base64_stream_equals_one_shot_byte_by_byte_across_chunk_boundaries") {
  auto data = pattern(5000);  // several 1 KB output chunks
  GrowingSink sink(8192);
  Base64Encoder enc(sink);
  for (uint8_t b : data) REQUIRE(enc.write(ConstBytes(&b, 1)).is_ok());
  REQUIRE(enc.finish().is_ok());
  CHECK(as_chars(sink.bytes()) == one_shot(ConstBytes(data.data(), data.size())));
  CHECK(enc.write(as_bytes("x")).code() == Code::kFailedPrecondition);
}

TEST_CASE("base64_source_yields_the_same_text_for_any_read_size") {
  for (size_t len : {0u, 1u, 2u, 3u, 767u, 768u, 769u, 3000u}) {
    auto data = pattern(len);
    const std::string expected = one_shot(ConstBytes(data.data(), len));
    for (size_t step : {1u, 3u, 4u, 100u, 4096u}) {
      MemorySource raw(ConstBytes(data.data(), len));
      Base64Source b64(raw);
      CHECK(b64.size().value() == expected.size());
      CHECK(pull_all(b64, step) == expected);
    }
  }
}

TEST_CASE("base64_source_heap_does_not_grow_with_input_size") {
  REQUIRE(test::heap_meter_available());
  size_t peaks[2];
  size_t sizes[2] = {64 * 1024, 6 * 1024 * 1024};
  for (int i = 0; i < 2; ++i) {
    std::vector<uint8_t> data(sizes[i], 0x5a);
    MemorySource raw(ConstBytes(data.data(), data.size()));
    test::HeapScope scope;
    Base64Source b64(raw);
    CountingSink out;
    uint8_t scratch[1024];
    auto n = copy(b64, out, MutBytes(scratch));
    REQUIRE(n.is_ok());
    CHECK(*n == base64_encoded_size(sizes[i]));
    peaks[i] = scope.peak_above_start();
  }
  CHECK(peaks[0] == peaks[1]);
  CHECK(peaks[1] == 0);  // it allocates nothing at all
}
