// spark::tls: an mbedTLS client session over a hal::Socket.
//
// Context is long-lived and shared: the CTR-DRBG (seeded from hal::Entropy),
// the CA store (a PEM file or a directory of them) and the mbedtls_ssl_config
// (TLS 1.3 first, TLS 1.2 as the fallback, ECDHE + AEAD suites only,
// verification required). There is no option to skip verification: tests
// use their own CA through ca_file. Host names and IP addresses
// (https://127.0.0.1) are both verified against the certificate's names.
// Session runs one connection at a time over a caller-connected socket and
// can be reused for the next (its record buffers are kept). SessionCache
// keeps the last session per host so the next connection resumes it: a
// TLS 1.2 ticket or session id from the handshake, a TLS 1.3 ticket from
// the NewSessionTicket the server sends after it (no certificate exchange,
// one round trip fewer). mbedTLS 3.6 LTS does every record, through its
// public API only (tools/mbedtls/mbedtls_config.h is its configuration).
// Context::init calls psa_crypto_init(), which TLS 1.3 needs, once before
// the first handshake.
//
// Errors (Status codes) from handshake():
//   kUnauthenticated  certificate rejected: "certificate expired on ...",
//                     "host name mismatch: certificate is for ...",
//                     "unknown CA (issuer ...)", "self-signed certificate ...",
//                     "certificate public key matches no configured pin ..."
//   kDeadlineExceeded "timed out after 10 s during handshake"
//   kUnavailable      the peer closed or reset the connection, fatal alert
//   kIo / kInternal   other mbedTLS failures, with mbedTLS's own words
//
// Memory (mbedTLS 3.6, 16 KB records each way): Context holds the parsed CA
// store (~1-2 KB per CA; the Debian bundle of ~140 CAs is ~250 KB), the
// config and the DRBG (~1.5 KB), plus PSA Crypto's global state once (key
// slots, ~1 KB). A Session's mbedtls_ssl_setup takes the two record buffers
// (2 x ~16.7 KB) and a handshake adds its transient state (peer chain,
// ECDHE, transcript) that is freed once the handshake ends: measured peak
// 40.8 KB for a TLS 1.3 handshake with a P-256 certificate, bound 64 KB
// (integ_transport.tls_session_heap_is_bounded); an upload in flight adds
// nothing inside TLS (upload_bodies_arrive_byte_exact_with_flat_peak_heap:
// 4 KB above the open connection, the reply sink). Each
// SessionCache entry holds a copy of the peer certificate and ticket
// (~1-2 KB).
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"
#include "hal/clock.h"
#include "hal/entropy.h"
#include "hal/socket.h"

namespace spark::tls {

class Session;

constexpr const char* kSystemCaFile = "/etc/ssl/certs/ca-certificates.crt";

struct Config {
  // A PEM bundle, or a directory of PEM files (like /etc/ssl/certs).
  std::string ca_file = kSystemCaFile;
  // SHA-256 pins of the server's SubjectPublicKeyInfo, "sha256/<base64>"
  // (the form curl and HPKP use), comma-separated. Empty = no pinning. A
  // pin adds to CA verification, never replaces it.
  std::string pins;
  uint64_t handshake_timeout_ms = 10000;
};

class Context {
 public:
  static constexpr size_t kMaxPins = 4;

  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Seeds the DRBG, loads the CA store and pins. Errors: kInvalidArgument
  // (bad pin, no usable certificate in ca_file), kNotFound, kInternal.
  Status init(const Config& config, hal::Entropy& entropy);

  const Config& config() const { return config_; }
  // Handshakes done through this context, full and resumed.
  uint32_t full_handshakes() const { return full_handshakes_; }
  uint32_t resumed_handshakes() const { return resumed_handshakes_; }

 private:
  friend class Session;
  bool matches_pin(const uint8_t sha256[32]) const;

  Config config_;
  hal::Entropy* entropy_ = nullptr;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_x509_crt ca_;
  mbedtls_ssl_config conf_;
  uint8_t pins_[kMaxPins][32] = {};
  size_t pin_count_ = 0;
  bool ready_ = false;
  uint32_t full_handshakes_ = 0;
  uint32_t resumed_handshakes_ = 0;
};

// The last session per host:port, for resumption. Fixed size: the device
// talks to one API host and one CDN host.
class SessionCache {
 public:
  static constexpr size_t kEntries = 2;

  SessionCache();
  ~SessionCache();
  SessionCache(const SessionCache&) = delete;
  SessionCache& operator=(const SessionCache&) = delete;
  void clear();

 private:
  friend class Session;
  struct Entry {
    char host[256] = {};
    uint16_t port = 0;
    bool valid = false;
    uint32_t last_used = 0;
    mbedtls_ssl_session session;
  };
  Entry* find(std::string_view host, uint16_t port);
  Entry& slot_for(std::string_view host, uint16_t port);

  Entry entries_[kEntries];
  uint32_t tick_ = 0;
};

// What a finished handshake negotiated (for logs and probe-tls).
struct HandshakeInfo {
  char version[16] = {};   // "TLSv1.3", "TLSv1.2"
  char suite[64] = {};     // "TLS1-3-AES-128-GCM-SHA256"
  char subject[160] = {};  // the server certificate's subject DN
  char issuer[160] = {};
  char valid_to[32] = {};  // "2027-01-01 00:00:00 UTC"
  char spki_pin[64] = {};  // "sha256/<base64>", usable as a Config pin
  bool resumed = false;
  uint64_t handshake_ms = 0;
};

class Session {
 public:
  Session(Context& context, hal::Socket& socket, hal::Clock& clock);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // TLS handshake with host over the already connected socket: SNI and
  // host-name verification against host, pins, resumption from cache (and
  // the new session saved there). The deadline is the earlier of deadline
  // and the context's handshake_timeout_ms. On error the socket is closed.
  Status handshake(std::string_view host, uint16_t port, hal::Deadline deadline,
                   SessionCache* cache);

  // Reads up to buf.size() bytes of application data; 0 means the peer
  // closed the connection: with a close_notify (closed_cleanly() is then
  // true) or by ending the TCP stream without one, which an attacker who can
  // inject a FIN can also do: a body framed by the end of the connection is
  // complete only after a close_notify. A TLS 1.3 NewSessionTicket read on
  // the way is saved in the handshake's SessionCache.
  Result<size_t> read(MutBytes buf, hal::Deadline deadline);
  // After read() returned 0: true when the peer sent close_notify.
  bool closed_cleanly() const { return close_notify_; }
  // Writes all of data (looping over partial writes); mbedTLS cuts it into
  // records of up to 16 KB. more = the caller writes again at once: the
  // records go to hal::Socket::send with its "more" hint (MSG_MORE), so a
  // 6 MB body leaves in full segments.
  Status write_all(ConstBytes data, hal::Deadline deadline, bool more = false);
  // True when records are buffered or the socket has input (or EOF).
  bool has_pending_input();
  // Sends close_notify (best effort, bounded by a short deadline) and closes
  // the socket. Safe to call when not open.
  void close();
  bool is_open() const { return open_; }
  const HandshakeInfo& info() const { return info_; }

 private:
  static int bio_send(void* self, const unsigned char* buf, size_t len);
  static int bio_recv(void* self, unsigned char* buf, size_t len);
  static int verify_cb(void* self, mbedtls_x509_crt* crt, int depth, uint32_t* flags);
  Status io_failure(int ret, const char* phase);
  Status verify_failure() const;
  Status prepare_ssl();
  Status run_handshake(SessionCache::Entry* saved);
  Status check_pins(SessionCache::Entry* saved);
  void fill_info();
  void begin(hal::Deadline deadline);
  void save_session();

  Context& context_;
  hal::Socket& socket_;
  hal::Clock& clock_;
  mbedtls_ssl_context ssl_;
  bool setup_ = false;
  bool open_ = false;
  hal::Deadline deadline_ = hal::Deadline::never();
  uint64_t op_start_ms_ = 0;
  Status io_status_;  // the socket's error behind an mbedTLS I/O failure
  char host_[256] = {};
  HandshakeInfo info_;
  // Verification details collected by verify_cb for an actionable message.
  bool verified_ = false;
  uint32_t leaf_flags_ = 0;
  uint32_t chain_flags_ = 0;
  bool leaf_self_signed_ = false;
  char leaf_subject_[160] = {};
  char leaf_names_[160] = {};
  char leaf_valid_from_[32] = {};
  char leaf_valid_to_[32] = {};
  char top_issuer_[160] = {};
  // Where a TLS 1.3 ticket that arrives after the handshake is saved.
  SessionCache* cache_ = nullptr;
  uint16_t port_ = 0;
  bool close_notify_ = false;
  bool more_ = false;  // write_all's hint, for bio_send
};

// "10 s" / "1.5 s" for messages about timeouts.
void format_seconds(uint64_t ms, char* out, size_t size);

}  // namespace spark::tls
