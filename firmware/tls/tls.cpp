#include "tls/tls.h"

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>
#include <psa/crypto.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "codec/base64.h"
#include "core/log.h"

namespace spark::tls {
namespace {

// TLS 1.3 first, then TLS 1.2 with ECDHE for forward secrecy, AEAD only.
// ChaCha20-Poly1305 leads both: it is mbedTLS's fastest AEAD on every
// target (x86-64 with AES-NI included: tools/bench/upload measures it) and
// by far on a Pi 3/4, whose Cortex-A53/A72 lack the AES instructions.
// AES-GCM follows for servers without it.
const int kCiphersuites[] = {
    MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
    MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

// X25519 first: the cheapest key exchange in mbedTLS's portable code, so the
// handshake costs a Pi less; P-256/P-384 for servers without it.
const uint16_t kGroups[] = {
    MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
    MBEDTLS_SSL_IANA_TLS_GROUP_NONE,
};

int entropy_cb(void* entropy, unsigned char* out, size_t len) {
  Status s = static_cast<hal::Entropy*>(entropy)->fill(MutBytes(out, len));
  return s.is_ok() ? 0 : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

void format_time(const mbedtls_x509_time& t, char* out, size_t size) {
  std::snprintf(out, size, "%04d-%02d-%02d %02d:%02d:%02d UTC", t.year, t.mon, t.day, t.hour, t.min,
                t.sec);
}

void format_dn(const mbedtls_x509_name* dn, char* out, size_t size) {
  if (mbedtls_x509_dn_gets(out, size, dn) < 0) std::snprintf(out, size, "(unprintable)");
}

// "DNS:a.example, IP:127.0.0.1"; the subject when there are no SANs.
void format_names(const mbedtls_x509_crt* crt, char* out, size_t size) {
  constexpr int kDnsName = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2;  // GeneralName [2]
  constexpr int kIpAddress = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;
  size_t used = 0;
  out[0] = '\0';
  for (const mbedtls_x509_sequence* s = &crt->subject_alt_names; s && s->buf.p; s = s->next) {
    if (used + 1 >= size) break;
    const char* sep = used ? ", " : "";
    int n = 0;
    if (s->buf.tag == kDnsName) {
      n = std::snprintf(out + used, size - used, "%sDNS:%.*s", sep, static_cast<int>(s->buf.len),
                        s->buf.p);
    } else if (s->buf.tag == kIpAddress && s->buf.len == 4) {
      n = std::snprintf(out + used, size - used, "%sIP:%u.%u.%u.%u", sep, s->buf.p[0], s->buf.p[1],
                        s->buf.p[2], s->buf.p[3]);
    } else if (s->buf.tag == kIpAddress) {
      n = std::snprintf(out + used, size - used, "%sIP:(IPv6)", sep);
    }
    if (n > 0)
      used += static_cast<size_t>(n) < size - used ? static_cast<size_t>(n) : size - used - 1;
  }
  if (used == 0) format_dn(&crt->subject, out, size);
}

int sha256(const uint8_t* in, size_t len, uint8_t out[32]) {
  return mbedtls_sha256(in, len, out, 0);
}

// SHA-256 of the certificate's SubjectPublicKeyInfo (what HPKP and curl pin).
bool spki_sha256(const mbedtls_x509_crt* crt, uint8_t out[32]) {
  unsigned char der[1200];  // RSA-4096 SPKI is ~550 bytes
  int len = mbedtls_pk_write_pubkey_der(&crt->pk, der, sizeof der);
  if (len <= 0) return false;
  return sha256(der + sizeof der - static_cast<size_t>(len), static_cast<size_t>(len), out) == 0;
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// "sha256/<44 base64 chars>" -> 32 bytes.
bool parse_pin(std::string_view pin, uint8_t out[32]) {
  constexpr std::string_view kPrefix = "sha256/";
  if (pin.substr(0, kPrefix.size()) != kPrefix) return false;
  pin.remove_prefix(kPrefix.size());
  if (pin.size() != 44 || pin[43] != '=' || pin[42] == '=') return false;
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (size_t i = 0; i < 43; ++i) {
    int v = b64_value(pin[i]);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n < 32) out[n++] = static_cast<uint8_t>(acc >> bits);
      acc &= (1u << bits) - 1;
    }
  }
  return n == 32;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

void format_seconds(uint64_t ms, char* out, size_t size) {
  if (ms % 1000 == 0) {
    std::snprintf(out, size, "%llu s", static_cast<unsigned long long>(ms / 1000));
  } else {
    std::snprintf(out, size, "%.1f s", static_cast<double>(ms) / 1000.0);
  }
}

// --- Context -----------------------------------------------------------------

Context::Context() {
  mbedtls_ctr_drbg_init(&drbg_);
  mbedtls_x509_crt_init(&ca_);
  mbedtls_ssl_config_init(&conf_);
}

Context::~Context() {
  mbedtls_ssl_config_free(&conf_);
  mbedtls_x509_crt_free(&ca_);
  mbedtls_ctr_drbg_free(&drbg_);
}

Status Context::init(const Config& config, hal::Entropy& entropy) {
  if (ready_) return Status::error(Code::kFailedPrecondition, "tls: context already initialised");
  config_ = config;
  entropy_ = &entropy;

  pin_count_ = 0;
  std::string_view pins = config.pins;
  while (!pins.empty()) {
    size_t comma = pins.find(',');
    std::string_view pin = trim(pins.substr(0, comma));
    pins = comma == std::string_view::npos ? std::string_view() : pins.substr(comma + 1);
    if (pin.empty()) continue;
    if (pin_count_ == kMaxPins) {
      return Status::error(Code::kInvalidArgument, "tls: more than %zu pins", kMaxPins);
    }
    if (!parse_pin(pin, pins_[pin_count_])) {
      return Status::error(Code::kInvalidArgument,
                           "tls: pin \"%.*s\" is not sha256/<44 base64 characters>",
                           static_cast<int>(pin.size() > 60 ? 60 : pin.size()), pin.data());
    }
    ++pin_count_;
  }

  // TLS 1.3 (and the TLS 1.2 code, built with MBEDTLS_USE_PSA_CRYPTO) runs
  // on PSA Crypto, which the application initialises before the first
  // handshake. Idempotent: a second Context finds it ready.
  psa_status_t psa = psa_crypto_init();
  if (psa != PSA_SUCCESS) {
    return Status::error(Code::kInternal, "tls: PSA crypto initialisation failed (%d)",
                         static_cast<int>(psa));
  }

  static const char kPersonal[] = "sparkcam tls";
  int ret = mbedtls_ctr_drbg_seed(&drbg_, entropy_cb, entropy_,
                                  reinterpret_cast<const unsigned char*>(kPersonal),
                                  sizeof kPersonal - 1);
  if (ret != 0)
    return Status::error(Code::kInternal, "tls: seeding the DRBG failed (-0x%04x)", -ret);

  // A file of PEM certificates, else a directory of them. A positive return
  // counts certificates that failed to parse: fine as long as some loaded.
  ret = mbedtls_x509_crt_parse_file(&ca_, config_.ca_file.c_str());
  if (ret < 0) ret = mbedtls_x509_crt_parse_path(&ca_, config_.ca_file.c_str());
  if (ret < 0 || ca_.version == 0) {
    char why[96];
    mbedtls_strerror(ret, why, sizeof why);
    return Status::error(Code::kInvalidArgument,
                         "tls: no CA certificate could be loaded from ca_file %s (%s)",
                         config_.ca_file.c_str(), why);
  }

  ret = mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
  if (ret != 0)
    return Status::error(Code::kInternal, "tls: config defaults failed (-0x%04x)", -ret);
  mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&conf_, &ca_, nullptr);
  mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
  mbedtls_ssl_conf_ciphersuites(&conf_, kCiphersuites);
  mbedtls_ssl_conf_min_tls_version(&conf_, MBEDTLS_SSL_VERSION_TLS1_2);
  mbedtls_ssl_conf_max_tls_version(&conf_, MBEDTLS_SSL_VERSION_TLS1_3);
  mbedtls_ssl_conf_groups(&conf_, kGroups);
  mbedtls_ssl_conf_session_tickets(&conf_, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
  // TLS 1.3 tickets arrive after the handshake; read() saves them.
  mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
      &conf_, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
  ready_ = true;
  return Status::ok();
}

bool Context::matches_pin(const uint8_t sha[32]) const {
  for (size_t i = 0; i < pin_count_; ++i) {
    if (std::memcmp(pins_[i], sha, 32) == 0) return true;
  }
  return false;
}

// --- SessionCache ------------------------------------------------------------

SessionCache::SessionCache() {
  for (Entry& e : entries_) mbedtls_ssl_session_init(&e.session);
}

SessionCache::~SessionCache() {
  for (Entry& e : entries_) mbedtls_ssl_session_free(&e.session);
}

void SessionCache::clear() {
  for (Entry& e : entries_) {
    mbedtls_ssl_session_free(&e.session);
    mbedtls_ssl_session_init(&e.session);
    e.valid = false;
  }
}

SessionCache::Entry* SessionCache::find(std::string_view host, uint16_t port) {
  for (Entry& e : entries_) {
    if (e.valid && e.port == port && host == e.host) return &e;
  }
  return nullptr;
}

SessionCache::Entry& SessionCache::slot_for(std::string_view host, uint16_t port) {
  Entry* e = find(host, port);
  if (!e) {
    e = &entries_[0];  // the least recently used
    for (Entry& c : entries_) {
      if (!c.valid || c.last_used < e->last_used) e = &c;
      if (!c.valid) break;
    }
    mbedtls_ssl_session_free(&e->session);
    mbedtls_ssl_session_init(&e->session);
    e->valid = false;
    size_t n = host.size() < sizeof e->host - 1 ? host.size() : sizeof e->host - 1;
    std::memcpy(e->host, host.data(), n);
    e->host[n] = '\0';
    e->port = port;
  }
  e->last_used = ++tick_;
  return *e;
}

// --- Session -----------------------------------------------------------------

Session::Session(Context& context, hal::Socket& socket, hal::Clock& clock)
    : context_(context), socket_(socket), clock_(clock) {
  mbedtls_ssl_init(&ssl_);
}

Session::~Session() {
  close();
  mbedtls_ssl_free(&ssl_);
}

void Session::begin(hal::Deadline deadline) {
  deadline_ = deadline;
  op_start_ms_ = clock_.now_ms();
  io_status_ = Status::ok();
}

int Session::bio_send(void* self, const unsigned char* buf, size_t len) {
  auto* s = static_cast<Session*>(self);
  Result<size_t> n = s->socket_.send(ConstBytes(buf, len), s->deadline_, s->more_);
  if (!n.is_ok()) {
    s->io_status_ = n.status();
    return MBEDTLS_ERR_NET_SEND_FAILED;
  }
  return static_cast<int>(*n);  // n <= len, a record (< 17 KB)
}

int Session::bio_recv(void* self, unsigned char* buf, size_t len) {
  auto* s = static_cast<Session*>(self);
  Result<size_t> n = s->socket_.recv(MutBytes(buf, len), s->deadline_);
  if (!n.is_ok()) {
    s->io_status_ = n.status();
    return MBEDTLS_ERR_NET_RECV_FAILED;
  }
  return static_cast<int>(*n);  // 0 = end of stream: mbedTLS says CONN_EOF
}

int Session::verify_cb(void* self, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  auto* s = static_cast<Session*>(self);
  s->verified_ = true;
  s->chain_flags_ |= *flags;
  // Called from the top of the chain down: the first call sees the root.
  if (s->top_issuer_[0] == '\0') format_dn(&crt->issuer, s->top_issuer_, sizeof s->top_issuer_);
  if (depth == 0) {
    s->leaf_flags_ = *flags;
    format_dn(&crt->subject, s->leaf_subject_, sizeof s->leaf_subject_);
    format_names(crt, s->leaf_names_, sizeof s->leaf_names_);
    format_time(crt->valid_from, s->leaf_valid_from_, sizeof s->leaf_valid_from_);
    format_time(crt->valid_to, s->leaf_valid_to_, sizeof s->leaf_valid_to_);
    s->leaf_self_signed_ =
        crt->issuer_raw.len == crt->subject_raw.len &&
        std::memcmp(crt->issuer_raw.p, crt->subject_raw.p, crt->subject_raw.len) == 0;
  }
  return 0;  // keep the flags: mbedTLS fails the handshake on any
}

Status Session::verify_failure() const {
  const uint32_t all = chain_flags_;
  if (!verified_) {
    return Status::error(Code::kUnauthenticated, "%s: the server sent no usable certificate",
                         host_);
  }
  if (all & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
    if (leaf_self_signed_) {
      return Status::error(
          Code::kUnauthenticated,
          "self-signed certificate (%s) is not trusted: add it or its CA to ca_file",
          leaf_subject_);
    }
    return Status::error(
        Code::kUnauthenticated,
        "unknown CA (issuer %s): %s's certificate is not signed by a CA in ca_file", top_issuer_,
        host_);
  }
  if (leaf_flags_ & MBEDTLS_X509_BADCERT_EXPIRED) {
    return Status::error(Code::kUnauthenticated, "certificate expired on %s (%s)", leaf_valid_to_,
                         leaf_subject_);
  }
  if (leaf_flags_ & MBEDTLS_X509_BADCERT_FUTURE) {
    return Status::error(Code::kUnauthenticated,
                         "certificate is not valid until %s (%s): check the device clock",
                         leaf_valid_from_, leaf_subject_);
  }
  if (all & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
    return Status::error(Code::kUnauthenticated,
                         "host name mismatch: certificate is for %s, not %s", leaf_names_, host_);
  }
  char why[128];
  int n = mbedtls_x509_crt_verify_info(why, sizeof why, "", all);
  if (n > 0 && why[n - 1] == '\n') why[n - 1] = '\0';
  return Status::error(Code::kUnauthenticated, "certificate rejected for %s: %s", host_,
                       n > 0 ? why : "unknown reason");
}

Status Session::io_failure(int ret, const char* phase) {
  socket_.close();
  open_ = false;
  if (!io_status_.is_ok()) {
    if (io_status_.code() == Code::kDeadlineExceeded) {
      char secs[32];
      uint64_t at = deadline_.at_ms();
      format_seconds(at > op_start_ms_ ? at - op_start_ms_ : 0, secs, sizeof secs);
      return Status::error(Code::kDeadlineExceeded, "timed out after %s during %s", secs, phase);
    }
    return io_status_.with_context("TLS %s", phase);
  }
  if (ret == MBEDTLS_ERR_SSL_CONN_EOF) {
    return Status::error(Code::kUnavailable, "the server closed the connection during %s", phase);
  }
  char why[96];
  mbedtls_strerror(ret, why, sizeof why);
  if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && std::strcmp(phase, "handshake") != 0) {
    // After the handshake: e.g. a server that insists on a renegotiation
    // sparkcam declines (mbedTLS has it off).
    return Status::error(Code::kUnavailable,
                         "the server ended the connection with a fatal TLS alert during %s "
                         "(mbedTLS: %s)",
                         phase, why);
  }
  if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
    return Status::error(Code::kUnavailable,
                         "the server refused the TLS %s with a fatal alert (no common TLS version "
                         "or cipher suite? sparkcam needs TLS 1.3, or TLS 1.2 with ECDHE and "
                         "AES-GCM or ChaCha20)",
                         phase);
  }
  return Status::error(Code::kIo, "TLS error during %s: %s (-0x%04x)", phase, why,
                       static_cast<unsigned>(-ret));
}

// Sets up ssl_ for a new connection to host_ (its record buffers are
// allocated once and kept); closes the socket on an error.
Status Session::prepare_ssl() {
  int ret = setup_ ? mbedtls_ssl_session_reset(&ssl_) : mbedtls_ssl_setup(&ssl_, &context_.conf_);
  if (ret != 0) {
    socket_.close();
    return Status::error(Code::kResourceExhausted, "tls: session setup failed (-0x%04x)",
                         static_cast<unsigned>(-ret));
  }
  setup_ = true;
  ret = mbedtls_ssl_set_hostname(&ssl_, host_);  // SNI and the name verified
  if (ret != 0) {
    socket_.close();
    return Status::error(Code::kInternal, "tls: cannot set host name (-0x%04x)",
                         static_cast<unsigned>(-ret));
  }
  mbedtls_ssl_set_bio(&ssl_, this, bio_send, bio_recv, nullptr);
  mbedtls_ssl_set_verify(&ssl_, verify_cb, this);
  verified_ = false;
  leaf_flags_ = chain_flags_ = 0;
  leaf_self_signed_ = false;
  leaf_subject_[0] = leaf_names_[0] = leaf_valid_from_[0] = leaf_valid_to_[0] = top_issuer_[0] =
      '\0';
  return Status::ok();
}

Status Session::run_handshake(SessionCache::Entry* saved) {
  int ret = 0;
  while ((ret = mbedtls_ssl_handshake(&ssl_)) != 0) {
    if ((ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) &&
        !deadline_.expired(clock_)) {
      continue;
    }
    if (saved) saved->valid = false;
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
      socket_.close();
      return verify_failure();
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
      io_status_ = Status::error(Code::kDeadlineExceeded, "timed out");
    }
    return io_failure(ret, "handshake");
  }
  return Status::ok();
}

// The peer's key against the configured pins (a full handshake only).
Status Session::check_pins(SessionCache::Entry* saved) {
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&ssl_);
  uint8_t sha[32];
  if (!peer || !spki_sha256(peer, sha) || !context_.matches_pin(sha)) {
    if (saved) saved->valid = false;
    close();
    return Status::error(Code::kUnauthenticated,
                         "certificate public key of %s matches no configured pin (server's "
                         "key is %s)",
                         host_, info_.spki_pin);
  }
  return Status::ok();
}

Status Session::handshake(std::string_view host, uint16_t port, hal::Deadline deadline,
                          SessionCache* cache) {
  if (!context_.ready_)
    return Status::error(Code::kFailedPrecondition, "tls: context not initialised");
  if (host.empty() || host.size() >= sizeof host_) {
    socket_.close();
    return Status::error(Code::kInvalidArgument, "tls: invalid host name (%zu bytes)", host.size());
  }
  std::memcpy(host_, host.data(), host.size());
  host_[host.size()] = '\0';
  // One clock reading for both the deadline and the start, so a timeout
  // message says exactly the configured time ("1 s", not "1.0 s").
  const uint64_t start = clock_.now_ms();
  const uint64_t limit = context_.config_.handshake_timeout_ms;
  begin(deadline.min(hal::Deadline(limit > hal::Deadline::kNever - start ? hal::Deadline::kNever
                                                                         : start + limit)));
  op_start_ms_ = start;

  SPARK_TRY(prepare_ssl());

  cache_ = cache;
  port_ = port;
  close_notify_ = false;
  SessionCache::Entry* saved = cache ? cache->find(host, port) : nullptr;
  if (saved && mbedtls_ssl_set_session(&ssl_, &saved->session) != 0) saved->valid = false;

  SPARK_TRY(run_handshake(saved));
  open_ = true;
  fill_info();
  // No certificate to verify means the server accepted the saved session.
  info_.resumed = !verified_;
  info_.handshake_ms = clock_.now_ms() - op_start_ms_;
  if (info_.resumed) {
    ++context_.resumed_handshakes_;
  } else {
    ++context_.full_handshakes_;
  }

  // A resumed session comes from a full handshake that passed the pins.
  if (context_.pin_count_ > 0 && !info_.resumed) SPARK_TRY(check_pins(saved));
  // TLS 1.2 has its ticket or session id now; a TLS 1.3 ticket comes later.
  if (mbedtls_ssl_get_version_number(&ssl_) == MBEDTLS_SSL_VERSION_TLS1_2) save_session();
  SPARK_LOGD("tls", "%s:%u %s %s%s in %llu ms", host_, static_cast<unsigned>(port), info_.version,
             info_.suite, info_.resumed ? " (resumed)" : "",
             static_cast<unsigned long long>(info_.handshake_ms));
  return Status::ok();
}

void Session::fill_info() {
  info_ = HandshakeInfo();
  std::snprintf(info_.version, sizeof info_.version, "%s", mbedtls_ssl_get_version(&ssl_));
  std::snprintf(info_.suite, sizeof info_.suite, "%s", mbedtls_ssl_get_ciphersuite(&ssl_));
  const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(&ssl_);
  if (!peer) return;
  format_dn(&peer->subject, info_.subject, sizeof info_.subject);
  format_dn(&peer->issuer, info_.issuer, sizeof info_.issuer);
  format_time(peer->valid_to, info_.valid_to, sizeof info_.valid_to);
  uint8_t sha[32];
  if (spki_sha256(peer, sha)) {
    std::memcpy(info_.spki_pin, "sha256/", 7);
    size_t n = codec::base64_encode(
        ConstBytes(sha, 32),
        MutBytes(reinterpret_cast<uint8_t*>(info_.spki_pin) + 7, sizeof info_.spki_pin - 8));
    info_.spki_pin[7 + n] = '\0';
  }
}

// The session (ticket) to resume the next connection to this host with.
void Session::save_session() {
  if (!cache_) return;
  SessionCache::Entry& slot = cache_->slot_for(host_, port_);
  mbedtls_ssl_session_free(&slot.session);  // get_session wants a fresh one
  mbedtls_ssl_session_init(&slot.session);
  slot.valid = mbedtls_ssl_get_session(&ssl_, &slot.session) == 0;
}

Result<size_t> Session::read(MutBytes buf, hal::Deadline deadline) {
  if (!open_) return Status::error(Code::kFailedPrecondition, "tls: read on a closed session");
  begin(deadline);
  for (;;) {
    int ret = mbedtls_ssl_read(&ssl_, buf.data(), buf.size());
    if (ret > 0) return static_cast<size_t>(ret);
    // close_notify: the peer closed properly. CONN_EOF (or 0): the TCP
    // stream ended without one; the caller's framing decides whether that
    // cut anything (closed_cleanly()).
    if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      close_notify_ = true;
      return size_t{0};
    }
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_CONN_EOF) return size_t{0};
    if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {  // TLS 1.3
      save_session();
      continue;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
      if (!deadline_.expired(clock_)) continue;
      io_status_ = Status::error(Code::kDeadlineExceeded, "timed out");
    }
    return io_failure(ret, "read");
  }
}

Status Session::write_all(ConstBytes data, hal::Deadline deadline, bool more) {
  if (!open_) return Status::error(Code::kFailedPrecondition, "tls: write on a closed session");
  begin(deadline);
  more_ = more;
  size_t done = 0;
  while (done < data.size()) {
    int ret = mbedtls_ssl_write(&ssl_, data.data() + done, data.size() - done);
    if (ret > 0) {
      done += static_cast<size_t>(ret);
      continue;
    }
    if ((ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) &&
        !deadline_.expired(clock_)) {
      continue;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
      io_status_ = Status::error(Code::kDeadlineExceeded, "timed out");
    }
    more_ = false;
    return io_failure(ret, "write");
  }
  more_ = false;
  return Status::ok();
}

bool Session::has_pending_input() {
  if (!open_) return false;
  return mbedtls_ssl_get_bytes_avail(&ssl_) > 0 || mbedtls_ssl_check_pending(&ssl_) != 0 ||
         socket_.has_pending_input();
}

void Session::close() {
  if (open_) {
    // Best effort: a peer that stopped reading must not hold us up.
    begin(hal::Deadline::after(clock_, 1000));
    mbedtls_ssl_close_notify(&ssl_);
    open_ = false;
  }
  socket_.close();
}

}  // namespace spark::tls
