#include "tls/record_seal.h"

#include <mbedtls/platform_util.h>

#include <cstring>

#if defined(SPARKCAM_HAVE_GCRYPT)
#include <gcrypt.h>
#endif

namespace spark::tls {
namespace {

void put_be64(uint64_t v, uint8_t* out) {
  for (int i = 7; i >= 0; --i, v >>= 8) out[i] = static_cast<uint8_t>(v);
}

#if defined(SPARKCAM_HAVE_GCRYPT)
// libgcrypt must be initialised once, by the application, before use. Its
// secure memory is for keys that must never be swapped; these keys live in
// ordinary memory in mbedTLS anyway, so it stays off. If another part of
// the process started initialising libgcrypt and has not finished, that
// part owns the settings: nothing is sealed here rather than finishing
// its initialisation for it. In FIPS mode libgcrypt refuses caller-chosen
// GCM nonces and ChaCha20: mbedTLS seals.
bool gcrypt_ready() {
  static const bool ok = [] {  // thread-safe among this file's callers
    const bool started = gcry_control(GCRYCTL_ANY_INITIALIZATION_P) != 0;
    if (!gcry_check_version(GCRYPT_VERSION)) return false;  // older than the headers
    if (!started) {
      gcry_control(GCRYCTL_DISABLE_SECMEM, 0);
      gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0);
    } else if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P)) {
      return false;
    }
    return !gcry_fips_mode_active();
  }();
  return ok;
}

// True when libgcrypt found the CPU's AES and carry-less multiply
// instructions: without them its AES is table-based (slow, and its timing
// depends on the key).
bool aes_gcm_in_hardware() {
  static const bool ok = [] {
    char* flags = gcry_get_config(0, "hwflist");
    if (!flags) return false;
    const bool x86 = std::strstr(flags, "intel-aesni") && std::strstr(flags, "intel-pclmul");
    const bool arm = std::strstr(flags, "arm-aes") && std::strstr(flags, "arm-pmull");
    gcry_free(flags);
    return x86 || arm;
  }();
  return ok;
}
#endif

}  // namespace

bool RecordSealer::can_seal(Aead aead) {
#if defined(SPARKCAM_HAVE_GCRYPT)
  return gcrypt_ready() && (aead == Aead::kChaCha20Poly1305 || aes_gcm_in_hardware());
#else
  (void)aead;
  return false;
#endif
}

void RecordSealer::arm(Aead aead, const uint8_t key[kKey], const uint8_t* iv,
                       const uint8_t next_seq[8]) {
  disarm();
  if (!can_seal(aead)) return;
#if defined(SPARKCAM_HAVE_GCRYPT)
  gcry_cipher_hd_t h = nullptr;
  const bool gcm = aead == Aead::kAes256Gcm;
  if (gcry_cipher_open(&h, gcm ? GCRY_CIPHER_AES256 : GCRY_CIPHER_CHACHA20,
                       gcm ? GCRY_CIPHER_MODE_GCM : GCRY_CIPHER_MODE_POLY1305, 0) != 0) {
    return;  // out of memory: mbedTLS seals
  }
  // A trial seal of a dummy record: a handle that can't seal (a libgcrypt
  // policy this code doesn't know) leaves the records to mbedTLS instead of
  // failing every write. The next setiv resets the state.
  uint8_t probe[16] = {}, tag[kTag];
  if (gcry_cipher_setkey(h, key, kKey) != 0 || gcry_cipher_setiv(h, probe, 12) != 0 ||
      gcry_cipher_authenticate(h, probe, 13) != 0 ||
      gcry_cipher_encrypt(h, probe, sizeof probe, nullptr, 0) != 0 ||
      gcry_cipher_gettag(h, tag, sizeof tag) != 0) {
    gcry_cipher_close(h);
    return;
  }
  mbedtls_platform_zeroize(tag, sizeof tag);
  cipher_ = h;
  aead_ = aead;
  std::memcpy(iv_, iv, iv_length(aead));
  set_next_seq(next_seq);
  armed_ = true;
#else
  (void)key;
  (void)iv;
  (void)next_seq;
#endif
}

void RecordSealer::disarm() {
#if defined(SPARKCAM_HAVE_GCRYPT)
  if (cipher_) gcry_cipher_close(cipher_);  // wipes the key schedule
#endif
  cipher_ = nullptr;
  mbedtls_platform_zeroize(iv_, sizeof iv_);
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
#if defined(SPARKCAM_HAVE_GCRYPT)
  // One nonce, one call each; GCM and Poly1305 modes take the whole record
  // in one encrypt call. Errors here mean a bad handle or length, which
  // arm() and the checks above rule out; still, a failed seal sends nothing.
  if (gcry_cipher_setiv(cipher_, nonce, sizeof nonce) != 0 ||
      gcry_cipher_authenticate(cipher_, ad, sizeof ad) != 0 ||
      gcry_cipher_encrypt(cipher_, cipher, n, plaintext.data(), n) != 0 ||
      gcry_cipher_gettag(cipher_, cipher + n, kTag) != 0) {
    mbedtls_platform_zeroize(nonce, sizeof nonce);
    return 0;
  }
#endif  // else armed_ is never true
  mbedtls_platform_zeroize(nonce, sizeof nonce);
  ++seq_;
  return overhead() + n;
}

}  // namespace spark::tls
