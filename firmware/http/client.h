// http::Client: HTTPS/1.1 requests over one kept-alive TLS connection.
//
// One connection at a time, kept open between requests to the same
// host:port and re-opened when the server closed it (checked before each
// reuse; a body-less request whose reused connection turns out dead before
// any response byte is retried once on a fresh one). A request to another
// host closes it first; the TLS session of each of the last two hosts is
// cached, so returning to a host resumes instead of a full handshake. For
// two hosts used in turn with no reconnects, use two Clients.
//
// Requests: GET or POST with a BodySource of known length, sent in
// kIoBuffer chunks with a progress callback that can cancel. Responses: the
// body streams into the caller's ByteSink, capped by max_response_bytes;
// 1xx skipped; Content-Length, chunked, or until close. Redirects (301, 302,
// 303, 307, 308) are followed for GET only, https to https, at most
// kMaxRedirects; Authorization is never sent to another host. With
// https_proxy set (and the host not in no_proxy) the connection is tunnelled
// through an http:// proxy with CONNECT; TLS still runs end to end. A
// user:password@ in https_proxy (percent-encoded, as curl takes it, at most
// http::kMaxProxyUserinfo bytes decoded) goes to the proxy as Basic
// credentials (url.h).
//
// Deadlines: every wait ends at the earlier of the request's deadline and
// io_timeout_ms from the start of that wait; connect and handshake are also
// bounded by connect_timeout_ms.
//
// Errors of send(): kInvalidArgument (URL, headers too large for kIoBuffer),
// kDeadlineExceeded ("timed out after 1 s waiting for the response"),
// kUnavailable (refused, reset, closed), kUnauthenticated (certificate, see
// tls.h), kResourceExhausted (head > 16 KB, body over its cap), kDataLoss
// (malformed or cut response), kCancelled (progress said stop), kOutOfRange
// (too many redirects), kPermissionDenied (redirect to http://, or the
// proxy answered 407).
//
// Memory: kHeadBuffer + kIoBuffer (32 KB) and a tls::Session inside the
// object (~35 KB: allocate it once, e.g. static or make_unique at start),
// plus the TLS session's heap (tls.h). Nothing is allocated per request:
// only a reconnect re-runs the handshake's temporary allocations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/io.h"
#include "core/status.h"
#include "hal/clock.h"
#include "hal/socket.h"
#include "http/body.h"
#include "http/response_parser.h"
#include "tls/tls.h"

namespace spark::http {

struct Url;

enum class Method : uint8_t { kGet, kPost };

struct Header {
  std::string_view name;
  std::string_view value;
};

// Called after each chunk of the request body is sent. A non-OK status
// cancels the request (the connection is closed) and is returned by send().
using ProgressFn = Status (*)(void* context, uint64_t sent, uint64_t total);

struct Request {
  Method method = Method::kGet;
  std::string_view url;        // https://host[:port]/path?query
  Span<const Header> headers;  // e.g. Authorization, Content-Type, Accept
  BodySource* body = nullptr;  // POST only
  ByteSink* sink = nullptr;    // response body; nullptr discards it
  uint64_t max_response_bytes = uint64_t{64} * 1024;
  ProgressFn progress = nullptr;
  void* progress_context = nullptr;
  hal::Deadline deadline = hal::Deadline::never();
};

struct ClientConfig {
  uint64_t connect_timeout_ms = 10000;
  uint64_t io_timeout_ms = 30000;
  std::string https_proxy;  // "http://proxy:3128"; empty = direct
  std::string no_proxy;
  std::string user_agent = "sparkcam/0.1.0";
};

// (The proxy settings come from the caller; app::load_proxy_environment
// reads them from the environment: the core reads none.)

class Client;

// Valid until the next send() on the same client.
class Response {
 public:
  int status = 0;
  uint64_t body_bytes = 0;
  uint32_t redirects = 0;
  bool reused_connection = false;
  std::string_view header(std::string_view name) const { return parser_->header(name); }

 private:
  friend class Client;
  const ResponseParser* parser_ = nullptr;
};

class Client {
 public:
  static constexpr size_t kHeadBuffer = 16384;
  static constexpr size_t kIoBuffer = 16384;
  static constexpr int kMaxRedirects = 3;

  Client(tls::Context& tls, hal::Socket& socket, hal::Clock& clock, ClientConfig config = {});
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Result<Response> send(const Request& request);
  // Closes the kept-alive connection (close_notify).
  void close();

  uint32_t connections_opened() const { return connections_; }
  const tls::HandshakeInfo& last_handshake() const { return session_.info(); }

 private:
  class BodyRouter;
  Status connect(std::string_view host, uint16_t port, hal::Deadline deadline);
  Status open_tunnel(std::string_view host, uint16_t port, std::string_view userinfo,
                     hal::Deadline deadline);
  Status send_request(const Request& request, std::string_view host, uint16_t port,
                      std::string_view target, bool strip_auth, hal::Deadline deadline);
  Status read_response(ByteSink& sink, bool no_body, uint64_t cap, hal::Deadline deadline,
                       bool& extra_bytes);
  Status exchange(const Request& request, const Url& url, bool strip_auth, ByteSink& sink,
                  bool& reused);
  Status follow(std::string_view location, Url& url);
  Status timed_out(const Status& status, const char* phase) const;
  hal::Deadline wait_deadline(hal::Deadline request_deadline) const;

  hal::Socket& socket_;
  hal::Clock& clock_;
  ClientConfig config_;
  tls::Session session_;
  tls::SessionCache cache_;
  ResponseParser parser_;
  char host_[256] = {};  // of the open connection
  uint16_t port_ = 0;
  uint32_t connections_ = 0;
  uint64_t request_start_ms_ = 0;
  const char* phase_ = "";      // what the request is doing, for timeouts
  char method_host_[300] = {};  // "GET host" for messages
  char url_[2048] = {};         // a redirect's target, copied out of head_
  uint8_t head_[kHeadBuffer] = {};
  uint8_t io_[kIoBuffer] = {};
};

}  // namespace spark::http
