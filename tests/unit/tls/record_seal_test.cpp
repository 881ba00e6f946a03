// tls::RecordSealer against mbedTLS's own AEADs: the same key, nonce
// construction and additional data must give byte-identical records.
// (Real peers accepting sealed records: tests/integration/http_test.cpp.)
#include <doctest/doctest.h>
#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include <cstring>
#include <string>
#include <vector>

#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

#include "heap_meter.h"
#include "tls/record_seal.h"

using spark::ConstBytes;
using spark::tls::Aead;
using spark::tls::RecordSealer;

namespace {

// RFC 7905 / RFC 5288 / RFC 5246 6.2.3.3 written out independently of
// record_seal.cpp, sealed by mbedTLS.
std::vector<uint8_t> reference_record(Aead aead, const uint8_t key[32], const uint8_t* iv,
                                      uint64_t seq, const std::vector<uint8_t>& plain) {
  uint8_t seq_be[8];
  for (int i = 0; i < 8; ++i) seq_be[i] = static_cast<uint8_t>(seq >> (56 - 8 * i));
  const size_t n = plain.size();
  uint8_t ad[13];
  std::memcpy(ad, seq_be, 8);
  ad[8] = 0x17;
  ad[9] = 0x03;
  ad[10] = 0x03;
  ad[11] = static_cast<uint8_t>(n >> 8);
  ad[12] = static_cast<uint8_t>(n & 0xff);
  const size_t explicit_nonce = aead == Aead::kAes256Gcm ? 8 : 0;
  const size_t body = explicit_nonce + n + 16;
  std::vector<uint8_t> rec(5 + body);
  rec[0] = 0x17;
  rec[1] = 0x03;
  rec[2] = 0x03;
  rec[3] = static_cast<uint8_t>(body >> 8);
  rec[4] = static_cast<uint8_t>(body & 0xff);
  uint8_t nonce[12];
  uint8_t* cipher = rec.data() + 5 + explicit_nonce;
  if (aead == Aead::kAes256Gcm) {
    std::memcpy(nonce, iv, 4);
    std::memcpy(nonce + 4, seq_be, 8);
    std::memcpy(rec.data() + 5, seq_be, 8);
    mbedtls_gcm_context ctx;
    mbedtls_gcm_init(&ctx);
    REQUIRE(mbedtls_gcm_setkey(&ctx, MBEDTLS_CIPHER_ID_AES, key, 256) == 0);
    REQUIRE(mbedtls_gcm_crypt_and_tag(&ctx, MBEDTLS_GCM_ENCRYPT, n, nonce, 12, ad, sizeof ad,
                                      plain.data(), cipher, 16, cipher + n) == 0);
    mbedtls_gcm_free(&ctx);
  } else {
    std::memcpy(nonce, iv, 12);
    for (int i = 0; i < 8; ++i) nonce[4 + i] ^= seq_be[i];
    mbedtls_chachapoly_context ctx;
    mbedtls_chachapoly_init(&ctx);
    REQUIRE(mbedtls_chachapoly_setkey(&ctx, key) == 0);
    REQUIRE(mbedtls_chachapoly_encrypt_and_tag(&ctx, n, nonce, ad, sizeof ad, plain.data(),
                                               cipher, cipher + n) == 0);
    mbedtls_chachapoly_free(&ctx);
  }
  return rec;
}

std::vector<uint8_t> pattern(size_t n, uint8_t salt) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + salt);
  return v;
}

void check_against_mbedtls(Aead aead) {
  uint8_t key[32], iv[12];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(0x80 + i);
  for (int i = 0; i < 12; ++i) iv[i] = static_cast<uint8_t>(0x40 + 7 * i);
  // A sequence number with bytes in every position, so a wrong byte order
  // or a wrong XOR offset shows.
  const uint64_t first = 0x0102030405060708ull;
  uint8_t seq_be[8];
  for (int i = 0; i < 8; ++i) seq_be[i] = static_cast<uint8_t>(first >> (56 - 8 * i));
  RecordSealer sealer;
  sealer.arm(aead, key, iv, seq_be);
  REQUIRE(sealer.armed());
  uint64_t seq = first;
  const size_t sizes[] = {1, 255, 256, 4097, RecordSealer::kMaxPlaintext};
  for (size_t n : sizes) {
    std::vector<uint8_t> plain = pattern(n, static_cast<uint8_t>(n));
    std::vector<uint8_t> got(n + sealer.overhead());
    size_t len = sealer.seal(ConstBytes(plain.data(), n), got.data());
    CHECK(len == got.size());
    CHECK_MESSAGE(got == reference_record(aead, key, iv, seq, plain),
                  "record of " << n << " bytes");
    ++seq;
    uint8_t next[8];
    sealer.next_seq(next);
    for (int i = 0; i < 8; ++i) CHECK(next[i] == static_cast<uint8_t>(seq >> (56 - 8 * i)));
  }
}

// Whether this CPU has the instructions AES-256-GCM sealing needs, asked of
// the CPU (or kernel) directly rather than of libgcrypt, so a broken
// detection in record_seal.cpp fails a test instead of silently leaving
// the suite to mbedTLS. Unknown elsewhere (armhf).
enum class Hw { kYes, kNo, kUnknown };
Hw cpu_has_aes_and_clmul() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul") ? Hw::kYes : Hw::kNo;
#elif defined(__aarch64__) && defined(__linux__)
  const unsigned long hw = getauxval(AT_HWCAP);
  return (hw & HWCAP_AES) && (hw & HWCAP_PMULL) ? Hw::kYes : Hw::kNo;
#else
  return Hw::kUnknown;
#endif
}

}  // namespace

TEST_CASE("record_sealer_chacha20_poly1305_matches_mbedtls_record_for_record") {
  REQUIRE(RecordSealer::can_seal(Aead::kChaCha20Poly1305));  // libgcrypt is always built in
  check_against_mbedtls(Aead::kChaCha20Poly1305);
}

TEST_CASE("record_sealer_aes256_gcm_matches_mbedtls_record_for_record") {
  const Hw hw = cpu_has_aes_and_clmul();
  if (hw != Hw::kUnknown) CHECK(RecordSealer::can_seal(Aead::kAes256Gcm) == (hw == Hw::kYes));
  if (!RecordSealer::can_seal(Aead::kAes256Gcm)) {
    // Sealed only with AES and carry-less multiply instructions (x86
    // AES-NI + PCLMUL, ARMv8 AES + PMULL).
    MESSAGE("AES-256-GCM sealing unavailable on this CPU; mbedTLS seals that suite here");
    RecordSealer sealer;
    uint8_t key[32] = {}, iv[4] = {}, seq[8] = {};
    sealer.arm(Aead::kAes256Gcm, key, iv, seq);
    CHECK_FALSE(sealer.armed());
    return;
  }
  check_against_mbedtls(Aead::kAes256Gcm);
}

TEST_CASE("record_sealer_refuses_what_it_cannot_seal_and_wipes_on_disarm") {
  uint8_t key[32] = {1}, iv[12] = {2}, seq[8] = {};
  std::vector<uint8_t> out(RecordSealer::kMaxRecord + 64);
  std::vector<uint8_t> big(RecordSealer::kMaxPlaintext + 1, 0x55);
  RecordSealer sealer;
  CHECK(sealer.seal(ConstBytes(big.data(), 10), out.data()) == 0);  // not armed
  sealer.arm(Aead::kChaCha20Poly1305, key, iv, seq);
  REQUIRE(sealer.armed());
  CHECK(sealer.seal(ConstBytes(big.data(), 0), out.data()) == 0);
  CHECK(sealer.seal(ConstBytes(big.data(), big.size()), out.data()) == 0);
  CHECK(sealer.seal(ConstBytes(big.data(), big.size() - 1), out.data()) ==
        big.size() - 1 + sealer.overhead());  // the largest record does go
  uint8_t last[8];
  std::memset(last, 0xff, sizeof last);
  last[7] = 0xfe;  // 2^64 - 2: one more record, then the number may not wrap
  sealer.arm(Aead::kChaCha20Poly1305, key, iv, last);
  REQUIRE(sealer.armed());
  CHECK(sealer.seal(ConstBytes(big.data(), 10), out.data()) == 10 + sealer.overhead());
  CHECK(sealer.seal(ConstBytes(big.data(), 10), out.data()) == 0);
  sealer.disarm();
  CHECK_FALSE(sealer.armed());
  uint8_t next[8];
  sealer.next_seq(next);
  for (uint8_t b : next) CHECK(b == 0);
}

TEST_CASE("record_sealer_heap_is_one_cipher_handle_and_nothing_per_record") {
  REQUIRE(spark::test::heap_meter_available());
  uint8_t key[32] = {3}, iv[12] = {4}, seq[8] = {};
  std::vector<uint8_t> plain(RecordSealer::kMaxPlaintext, 0x5a);
  std::vector<uint8_t> out(RecordSealer::kMaxRecord);
  for (Aead aead : {Aead::kChaCha20Poly1305, Aead::kAes256Gcm}) {
    if (!RecordSealer::can_seal(aead)) continue;
    {
      // libgcrypt keeps some memory of its own after the first cipher of a
      // kind it opens.
      RecordSealer warm;
      warm.arm(aead, key, iv, seq);
    }
    const size_t base = spark::test::heap_stats().current;
    spark::test::HeapScope scope;
    RecordSealer sealer;
    sealer.arm(aead, key, iv, seq);
    REQUIRE(sealer.armed());
    const size_t armed = scope.peak_above_start();
    const uint64_t calls = spark::test::heap_stats().allocations;
    for (int i = 0; i < 64; ++i) {
      REQUIRE(sealer.seal(ConstBytes(plain.data(), plain.size()), out.data()) ==
              plain.size() + sealer.overhead());
    }
    CHECK(spark::test::heap_stats().allocations == calls);  // nothing per record
    CHECK(scope.peak_above_start() == armed);
    sealer.disarm();
    CHECK(spark::test::heap_stats().current == base);  // the handle is freed
    // record_seal.h states the handle's size: at most 4 KB.
    CHECK(armed > 0);
    CHECK(armed <= 4096);
    MESSAGE(std::string(aead == Aead::kAes256Gcm ? "AES-256-GCM" : "ChaCha20-Poly1305")
            << " handle: " << armed << " bytes");
  }
}
