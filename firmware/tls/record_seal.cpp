#include "tls/record_seal.h"

#include <mbedtls/platform_util.h>

#include <cstring>

#if defined(SPARKCAM_HAVE_SODIUM)
#include <sodium.h>
#endif

namespace spark::tls {
namespace {

void put_be64(uint64_t v, uint8_t* out) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<uint8_t>(v);
}

}  // namespace

bool RecordSealer::available() {
#if defined(SPARKCAM_HAVE_SODIUM)
  static const bool ok = sodium_init() >= 0;  // thread-safe, idempotent
  return ok;
#else
  return false;
#endif
}

void RecordSealer::arm(const uint8_t key[kKey], const uint8_t iv[kIv], const uint8_t next_seq[8]) {
  std::memcpy(key_, key, kKey);
  std::memcpy(iv_, iv, kIv);
  seq_ = 0;
  for (int i = 0; i < 8; ++i) seq_ = seq_ << 8 | next_seq[i];
  armed_ = available();
}

void RecordSealer::disarm() {
  mbedtls_platform_zeroize(key_, sizeof key_);
  mbedtls_platform_zeroize(iv_, sizeof iv_);
  seq_ = 0;
  armed_ = false;
}

void RecordSealer::next_seq(uint8_t out[8]) const { put_be64(seq_, out); }

size_t RecordSealer::seal(ConstBytes plaintext, uint8_t* out) {
  const size_t n = plaintext.size();
  if (!armed_ || n == 0 || n > kMaxPlaintext || seq_ == UINT64_MAX) return 0;
  // Header: application data, TLS 1.2, length of ciphertext + tag.
  const size_t body = n + kTag;
  out[0] = 23;
  out[1] = 3;
  out[2] = 3;
  out[3] = static_cast<uint8_t>(body >> 8);
  out[4] = static_cast<uint8_t>(body);
  // RFC 7905: nonce = client_write_IV XOR (0^32 || seq_num); additional
  // data = seq_num || type || version || plaintext length (RFC 5246 6.2.3.3).
  uint8_t nonce[kIv];
  std::memcpy(nonce, iv_, kIv);
  uint8_t seq[8];
  put_be64(seq_, seq);
  for (int i = 0; i < 8; ++i) nonce[4 + i] ^= seq[i];
  uint8_t ad[13];
  std::memcpy(ad, seq, 8);
  ad[8] = 23;
  ad[9] = 3;
  ad[10] = 3;
  ad[11] = static_cast<uint8_t>(n >> 8);
  ad[12] = static_cast<uint8_t>(n);
#if defined(SPARKCAM_HAVE_SODIUM)
  crypto_aead_chacha20poly1305_ietf_encrypt_detached(out + kHeader, out + kHeader + n, nullptr,
                                                     plaintext.data(), n, ad, sizeof ad, nullptr,
                                                     nonce, key_);
#endif  // else armed_ is never true
  mbedtls_platform_zeroize(nonce, sizeof nonce);
  ++seq_;
  return kHeader + body;
}

}  // namespace spark::tls
