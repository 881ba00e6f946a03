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

#if defined(SPARKCAM_HAVE_SODIUM)
static_assert(sizeof(crypto_aead_aes256gcm_state) <= 512, "gcm_state_ too small");
// gcm_state_ is alignas(16), as libsodium's state type requires.
crypto_aead_aes256gcm_state* gcm(uint8_t* state) {
  return static_cast<crypto_aead_aes256gcm_state*>(static_cast<void*>(state));
}
#endif

}  // namespace

bool RecordSealer::can_seal(Aead aead) {
#if defined(SPARKCAM_HAVE_SODIUM)
  static const bool ok = sodium_init() >= 0;  // thread-safe, idempotent
  return ok && (aead == Aead::kChaCha20Poly1305 || crypto_aead_aes256gcm_is_available() == 1);
#else
  (void)aead;
  return false;
#endif
}

void RecordSealer::arm(Aead aead, const uint8_t key[kKey], const uint8_t* iv,
                       const uint8_t next_seq[8]) {
  disarm();
  if (!can_seal(aead)) return;
  aead_ = aead;
  std::memcpy(key_, key, kKey);
  std::memcpy(iv_, iv, iv_length(aead));
#if defined(SPARKCAM_HAVE_SODIUM)
  if (aead == Aead::kAes256Gcm) crypto_aead_aes256gcm_beforenm(gcm(gcm_state_), key_);
#endif
  set_next_seq(next_seq);
  armed_ = true;
}

void RecordSealer::disarm() {
  mbedtls_platform_zeroize(key_, sizeof key_);
  mbedtls_platform_zeroize(iv_, sizeof iv_);
  mbedtls_platform_zeroize(gcm_state_, sizeof gcm_state_);
  seq_ = 0;
  armed_ = false;
}

void RecordSealer::next_seq(uint8_t out[8]) const { put_be64(seq_, out); }

void RecordSealer::set_next_seq(const uint8_t seq[8]) {
  seq_ = 0;
  for (int i = 0; i < 8; ++i) seq_ = seq_ << 8 | seq[i];
}

size_t RecordSealer::seal(ConstBytes plaintext, uint8_t* out) {
  const size_t n = plaintext.size();
  if (!armed_ || n == 0 || n > kMaxPlaintext || seq_ == UINT64_MAX) return 0;
  uint8_t seq[8];
  put_be64(seq_, seq);
  // Additional data: seq_num || type || version || plaintext length
  // (RFC 5246 6.2.3.3), the same for both AEADs.
  uint8_t ad[13];
  std::memcpy(ad, seq, 8);
  ad[8] = 23;  // application data
  ad[9] = 3;   // TLS 1.2
  ad[10] = 3;
  ad[11] = static_cast<uint8_t>(n >> 8);
  ad[12] = static_cast<uint8_t>(n);
  const size_t body = overhead() - kHeader + n;
  out[0] = 23;
  out[1] = 3;
  out[2] = 3;
  out[3] = static_cast<uint8_t>(body >> 8);
  out[4] = static_cast<uint8_t>(body);
  uint8_t nonce[12];
  uint8_t* cipher = out + kHeader;
  if (aead_ == Aead::kAes256Gcm) {
    // RFC 5288: nonce = salt || explicit part, sent before the ciphertext;
    // the explicit part is the sequence number, as mbedTLS and OpenSSL use.
    std::memcpy(nonce, iv_, 4);
    std::memcpy(nonce + 4, seq, 8);
    std::memcpy(cipher, seq, 8);
    cipher += kExplicitNonce;
  } else {
    // RFC 7905: nonce = client_write_IV XOR (0^32 || seq_num).
    std::memcpy(nonce, iv_, 12);
    for (int i = 0; i < 8; ++i) nonce[4 + i] ^= seq[i];
  }
#if defined(SPARKCAM_HAVE_SODIUM)
  if (aead_ == Aead::kAes256Gcm) {
    crypto_aead_aes256gcm_encrypt_detached_afternm(cipher, cipher + n, nullptr, plaintext.data(),
                                                   n, ad, sizeof ad, nullptr, nonce,
                                                   gcm(gcm_state_));
  } else {
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(cipher, cipher + n, nullptr,
                                                       plaintext.data(), n, ad, sizeof ad,
                                                       nullptr, nonce, key_);
  }
#endif  // else armed_ is never true
  mbedtls_platform_zeroize(nonce, sizeof nonce);
  ++seq_;
  return overhead() + n;
}

}  // namespace spark::tls
