// spark::tls::RecordSealer: seals TLS 1.2 application-data records with
// libgcrypt's vectorised AEADs: ChaCha20-Poly1305 (RFC 7905) everywhere, and
// AES-256-GCM (RFC 5288) where the CPU has AES and carry-less multiply
// instructions (x86 AES-NI + PCLMUL, ARMv8 AES + PMULL: a Pi 5, not a Pi 4);
// can_seal() asks the library what it found.
//
// Why: an upload is ~6 MB of base64 through the record layer, and Debian's
// mbedTLS 2.28 seals it in portable C: 18.8 ms for 6.5 MB of ChaCha20-
// Poly1305 and 27 ms of AES-128-GCM on this project's x86 machines. Debian
// 12's libgcrypt 1.10 takes 1.2 ms for AES-256-GCM there (VAES and
// VPCLMULQDQ; libsodium 1.0.18 3.6 ms, nettle 3.8 2.9 ms) and 2.8 ms for
// ChaCha20-Poly1305 (libsodium 4.3 ms). On ARM libgcrypt has NEON ChaCha20
// and ARMv8 AES-GCM, libsodium 1.0.18 neither. libgcrypt is on every
// Debian and Raspberry Pi OS system already (libsystemd0 needs it).
// Like kernel TLS offload, mbedTLS keeps the handshake, the keys, reading
// and every non-data record: Session hands this sealer the client write key
// and IV from mbedTLS's key export and its outgoing sequence number, writes
// the records it seals, and gives the advanced sequence number back to
// mbedTLS, so mbedTLS's own next record (close_notify, an alert) follows on;
// before each sealed write it takes mbedTLS's number again, so records
// mbedTLS wrote in between are never numbered twice.
//
// Built without libgcrypt (SPARKCAM_HAVE_GCRYPT undefined), can_seal() is
// false for both and mbedTLS seals everything.
//
// Memory: ~40 bytes inline (IV, sequence number, the handle), plus one
// libgcrypt cipher handle on the heap while armed: 2.0 KB for AES-256-GCM,
// 1.2 KB for ChaCha20-Poly1305 (x86-64, measured by record_seal_test),
// wiped and freed by disarm(); libgcrypt keeps up to 1.7 KB of its own
// after the first cipher of a kind. Seals into the caller's buffer;
// nothing per record.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"

struct gcry_cipher_handle;  // <gcrypt.h>'s gcry_cipher_hd_t points to one

namespace spark::tls {

enum class Aead {
  kChaCha20Poly1305,  // 32-byte key, 12-byte IV XORed with the sequence number
  kAes256Gcm,         // 32-byte key, 4-byte salt + 8-byte explicit nonce (= sequence number)
};

class RecordSealer {
 public:
  static constexpr size_t kHeader = 5;         // type, version, length
  static constexpr size_t kExplicitNonce = 8;  // AES-GCM only
  static constexpr size_t kTag = 16;
  static constexpr size_t kKey = 32;
  static constexpr size_t kMaxPlaintext = 16384;  // 2^14, RFC 5246 6.2.1
  static constexpr size_t kMaxRecord = kHeader + kExplicitNonce + kMaxPlaintext + kTag;

  RecordSealer() = default;
  ~RecordSealer() { disarm(); }
  RecordSealer(const RecordSealer&) = delete;
  RecordSealer& operator=(const RecordSealer&) = delete;

  // True when built with libgcrypt, it initialised, and (AES-256-GCM) the
  // CPU has AES and carry-less multiply instructions libgcrypt uses.
  static bool can_seal(Aead aead);
  // The implicit IV length the key block carries: 12 (ChaCha20), 4 (GCM).
  static constexpr size_t iv_length(Aead aead) { return aead == Aead::kAes256Gcm ? 4 : 12; }

  // Starts sealing with the client write key and IV (iv_length(aead) bytes)
  // and the sequence number of the next record (big-endian, as in
  // mbedtls_ssl_context::cur_out_ctr). Stays disarmed if !can_seal(aead) or
  // libgcrypt can't open a cipher with the key.
  void arm(Aead aead, const uint8_t key[kKey], const uint8_t* iv, const uint8_t next_seq[8]);
  void disarm();
  bool armed() const { return armed_; }

  // Writes one application-data record holding plaintext (1..kMaxPlaintext
  // bytes) to out, which must hold plaintext.size() + overhead() bytes and
  // must not overlap plaintext; returns the record's length and advances
  // the sequence number. Returns 0 when not armed, the plaintext is empty
  // or too long, or the sequence number would wrap.
  size_t seal(ConstBytes plaintext, uint8_t* out);
  size_t overhead() const {
    return kHeader + kTag + (aead_ == Aead::kAes256Gcm ? kExplicitNonce : 0);
  }

  // The sequence number of the next record (big-endian), and setting it
  // (Session syncs it with mbedTLS's before and after each sealed write).
  void next_seq(uint8_t out[8]) const;
  void set_next_seq(const uint8_t seq[8]);

 private:
  Aead aead_ = Aead::kChaCha20Poly1305;
  gcry_cipher_handle* cipher_ = nullptr;  // holds the key
  uint8_t iv_[12] = {};
  uint64_t seq_ = 0;
  bool armed_ = false;
};

}  // namespace spark::tls
