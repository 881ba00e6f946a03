// tls::RecordSealer against mbedTLS's own ChaCha20-Poly1305: the same key,
// nonce construction and additional data must give byte-identical records.
// (Real peers accepting sealed records: tests/integration/http_test.cpp.)
#include <doctest/doctest.h>
#include <mbedtls/chachapoly.h>

#include <cstring>
#include <vector>

#include "tls/record_seal.h"

using spark::ConstBytes;
using spark::tls::RecordSealer;

namespace {

// RFC 7905 / RFC 5246 6.2.3.3 written out independently of record_seal.cpp.
std::vector<uint8_t> reference_record(const uint8_t key[32], const uint8_t iv[12], uint64_t seq,
                                      const std::vector<uint8_t>& plain) {
  uint8_t seq_be[8];
  for (int i = 0; i < 8; ++i) seq_be[i] = static_cast<uint8_t>(seq >> (56 - 8 * i));
  uint8_t nonce[12];
  std::memcpy(nonce, iv, 12);
  for (int i = 0; i < 8; ++i) nonce[4 + i] ^= seq_be[i];
  const size_t n = plain.size();
  uint8_t ad[13];
  std::memcpy(ad, seq_be, 8);
  ad[8] = 0x17;
  ad[9] = 0x03;
  ad[10] = 0x03;
  ad[11] = static_cast<uint8_t>(n >> 8);
  ad[12] = static_cast<uint8_t>(n & 0xff);
  std::vector<uint8_t> rec(5 + n + 16);
  rec[0] = 0x17;
  rec[1] = 0x03;
  rec[2] = 0x03;
  rec[3] = static_cast<uint8_t>((n + 16) >> 8);
  rec[4] = static_cast<uint8_t>((n + 16) & 0xff);
  mbedtls_chachapoly_context ctx;
  mbedtls_chachapoly_init(&ctx);
  REQUIRE(mbedtls_chachapoly_setkey(&ctx, key) == 0);
  REQUIRE(mbedtls_chachapoly_encrypt_and_tag(&ctx, n, nonce, ad, sizeof ad, plain.data(),
                                             rec.data() + 5, rec.data() + 5 + n) == 0);
  mbedtls_chachapoly_free(&ctx);
  return rec;
}

std::vector<uint8_t> pattern(size_t n, uint8_t salt) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + salt);
  return v;
}

}  // namespace

TEST_CASE("record_sealer_is_available_in_this_build") {
  CHECK(RecordSealer::available());
}

TEST_CASE("record_sealer_matches_mbedtls_chachapoly_record_for_record") {
  uint8_t key[32], iv[12];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(0x80 + i);
  for (int i = 0; i < 12; ++i) iv[i] = static_cast<uint8_t>(0x40 + 7 * i);
  // A sequence number with bytes in every position, so a wrong byte order
  // or a wrong XOR offset shows.
  const uint64_t first = 0x0102030405060708ull;
  uint8_t seq_be[8];
  for (int i = 0; i < 8; ++i) seq_be[i] = static_cast<uint8_t>(first >> (56 - 8 * i));
  RecordSealer sealer;
  sealer.arm(key, iv, seq_be);
  REQUIRE(sealer.armed());
  uint64_t seq = first;
  for (size_t n : {size_t{1}, size_t{255}, size_t{256}, size_t{4097}, RecordSealer::kMaxPlaintext}) {
    std::vector<uint8_t> plain = pattern(n, static_cast<uint8_t>(n));
    std::vector<uint8_t> got(n + RecordSealer::kHeader + RecordSealer::kTag);
    size_t len = sealer.seal(ConstBytes(plain.data(), n), got.data());
    CHECK(len == got.size());
    CHECK_MESSAGE(got == reference_record(key, iv, seq, plain), "record of " << n << " bytes");
    ++seq;
    uint8_t next[8];
    sealer.next_seq(next);
    for (int i = 0; i < 8; ++i) CHECK(next[i] == static_cast<uint8_t>(seq >> (56 - 8 * i)));
  }
}

TEST_CASE("record_sealer_refuses_what_it_cannot_seal_and_wipes_on_disarm") {
  uint8_t key[32] = {1}, iv[12] = {2}, seq[8] = {};
  std::vector<uint8_t> out(RecordSealer::kMaxPlaintext + 64);
  std::vector<uint8_t> big(RecordSealer::kMaxPlaintext + 1, 0x55);
  RecordSealer sealer;
  CHECK(sealer.seal(ConstBytes(big.data(), 10), out.data()) == 0);  // not armed
  sealer.arm(key, iv, seq);
  CHECK(sealer.seal(ConstBytes(big.data(), 0), out.data()) == 0);
  CHECK(sealer.seal(ConstBytes(big.data(), big.size()), out.data()) == 0);
  uint8_t last[8];
  std::memset(last, 0xff, sizeof last);
  sealer.arm(key, iv, last);  // 2^64 - 1: the sequence number may not wrap
  CHECK(sealer.seal(ConstBytes(big.data(), 10), out.data()) == 0);
  sealer.disarm();
  CHECK_FALSE(sealer.armed());
  uint8_t next[8];
  sealer.next_seq(next);
  for (uint8_t b : next) CHECK(b == 0);
}
