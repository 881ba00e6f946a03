#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "codec/base64.h"
#include "heap_meter.h"

using namespace spark;
using spark::codec::Base64Encoder;
using spark::codec::Base64Source;
using spark::codec::base64_encode;
using spark::codec::base64_encoded_size;

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
}  // namespace

TEST_CASE("base64_rfc4648_test_vectors") {
  const char* vectors[][2] = {{"", ""},           {"f", "Zg=="},         {"fo", "Zm8="},
                              {"foo", "Zm9v"},    {"foob", "Zm9vYg=="},  {"fooba", "Zm9vYmE="},
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
      std::string got;
      uint8_t buf[4096];
      for (;;) {
        auto n = b64.read(MutBytes(buf, step));
        REQUIRE(n.is_ok());
        if (*n == 0) break;
        got.append(reinterpret_cast<char*>(buf), *n);
      }
      CHECK(got == expected);
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
