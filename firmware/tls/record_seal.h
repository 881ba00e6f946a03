// spark::tls::RecordSealer: seals TLS 1.2 ChaCha20-Poly1305 application-data
// records (RFC 7905) with libsodium's vectorised AEAD.
//
// Why: an upload is ~6 MB of base64 through the record layer, and Debian's
// mbedTLS 2.28 seals it with portable C (ChaCha20-Poly1305 ~3 ns a byte on
// this project's x86 machines, AES-GCM worse); libsodium picks SSSE3/AVX2
// code at run time (~0.7 ns a byte), measured by tools/bench/upload/run.
// Like kernel TLS offload, mbedTLS keeps the handshake, the keys, reading
// and every non-data record: Session hands this sealer the client write key
// and IV from mbedTLS's key export and its outgoing sequence number, writes
// the records it seals, and gives the advanced sequence number back to
// mbedTLS, so mbedTLS's own next record (close_notify, an alert) follows on.
//
// Built without libsodium (SPARKCAM_HAVE_SODIUM undefined), available() is
// false and mbedTLS seals everything.
//
// Memory: 52 bytes inline (key, IV, sequence number), wiped by disarm() and
// the destructor. Seals into the caller's buffer; no heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"

namespace spark::tls {

class RecordSealer {
 public:
  static constexpr size_t kHeader = 5;   // type, version, length
  static constexpr size_t kTag = 16;     // Poly1305
  static constexpr size_t kKey = 32;
  static constexpr size_t kIv = 12;
  static constexpr size_t kMaxPlaintext = 16384;  // 2^14, RFC 5246 6.2.1

  RecordSealer() = default;
  ~RecordSealer() { disarm(); }
  RecordSealer(const RecordSealer&) = delete;
  RecordSealer& operator=(const RecordSealer&) = delete;

  // True when built with libsodium and it initialised.
  static bool available();

  // Starts sealing with the client write key and IV and the sequence number
  // of the next record (big-endian, as in mbedtls_ssl_context::cur_out_ctr).
  void arm(const uint8_t key[kKey], const uint8_t iv[kIv], const uint8_t next_seq[8]);
  void disarm();
  bool armed() const { return armed_; }

  // Writes one application-data record holding plaintext (1..kMaxPlaintext
  // bytes) to out, which must hold plaintext.size() + kHeader + kTag bytes
  // and must not overlap plaintext; returns the record's length and
  // advances the sequence number. Returns 0 when not armed, the plaintext is
  // empty or too long, or the sequence number would wrap.
  size_t seal(ConstBytes plaintext, uint8_t* out);

  // The sequence number of the next record (big-endian).
  void next_seq(uint8_t out[8]) const;

 private:
  uint8_t key_[kKey] = {};
  uint8_t iv_[kIv] = {};
  uint64_t seq_ = 0;
  bool armed_ = false;
};

}  // namespace spark::tls
