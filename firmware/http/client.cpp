#include "http/client.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <mbedtls/platform_util.h>

#include "core/log.h"
#include "core/text.h"
#include "http/url.h"

namespace spark::http {
namespace {

// Appends text to a fixed buffer; remembers an overflow instead of failing
// each call.
struct Appender {
  uint8_t* data;
  size_t cap;
  size_t len = 0;
  bool overflow = false;

  void add(std::string_view s) {
    if (s.size() > cap - len) {
      overflow = true;
      return;
    }
    if (!s.empty()) std::memcpy(data + len, s.data(), s.size());
    len += s.size();
  }
  void add_number(uint64_t n) {
    char digits[24];
    int k = std::snprintf(digits, sizeof digits, "%llu", static_cast<unsigned long long>(n));
    add(std::string_view(digits, static_cast<size_t>(k)));
  }
  // host[:port] as Host and CONNECT want it: IPv6 literals in brackets.
  void add_authority(std::string_view host, uint16_t port, bool always_port) {
    bool v6 = host.find(':') != std::string_view::npos;
    if (v6) add("[");
    add(host);
    if (v6) add("]");
    if (always_port || port != 443) {
      add(":");
      add_number(port);
    }
  }
};

bool has_crlf(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

const char* method_name(Method m) {
  return m == Method::kPost ? "POST" : "GET";
}

}  // namespace

// Sends the body of a response the client follows (a redirect) nowhere, and
// everything else to the caller's sink. Decided at the first body byte:
// feed() may parse the head and body in one call, so not before.
class Client::BodyRouter final : public ByteSink {
 public:
  BodyRouter(ByteSink* user, bool follow_redirects, const ResponseParser& parser)
      : user_(user), follow_(follow_redirects), parser_(parser) {}
  Status write(ConstBytes data) override {
    if (!decided_) {
      decided_ = true;
      discard_ = follow_ && is_redirect(parser_.status()) && !parser_.header("Location").empty();
    }
    if (discard_ || !user_) return Status::ok();
    return user_->write(data);
  }

 private:
  ByteSink* user_;
  bool follow_;
  const ResponseParser& parser_;
  bool decided_ = false;
  bool discard_ = false;
};

Client::Client(tls::Context& tls, hal::Socket& socket, hal::Clock& clock, ClientConfig config)
    : socket_(socket),
      clock_(clock),
      config_(std::move(config)),
      session_(tls, socket, clock),
      parser_(MutBytes(head_)) {}

void Client::close() {
  session_.close();
}

hal::Deadline Client::wait_deadline(hal::Deadline request_deadline) const {
  return request_deadline.min(hal::Deadline::after(clock_, config_.io_timeout_ms));
}

Status Client::timed_out(const Status& status, const char* phase) const {
  if (status.code() != Code::kDeadlineExceeded) return status.with_context("%s", method_host_);
  char secs[32];
  tls::format_seconds(clock_.now_ms() - request_start_ms_, secs, sizeof secs);
  return Status::error(Code::kDeadlineExceeded, "%s: timed out after %s %s", method_host_, secs,
                       phase);
}

Status Client::open_tunnel(std::string_view host, uint16_t port, std::string_view userinfo,
                           hal::Deadline deadline) {
  Appender out{io_, sizeof io_};
  out.add("CONNECT ");
  out.add_authority(host, port, true);
  out.add(" HTTP/1.1\r\nHost: ");
  out.add_authority(host, port, true);
  out.add("\r\nUser-Agent: ");
  out.add(config_.user_agent);
  if (!userinfo.empty()) {
    // The token lives on the stack and in io_ only until it is sent.
    char token[kMaxProxyToken];
    const size_t len = basic_credentials(userinfo, token, sizeof token);
    if (len == 0) {  // proxy_for() checked it
      return Status::error(Code::kInvalidArgument, "https_proxy: unusable user:password");
    }
    out.add("\r\nProxy-Authorization: Basic ");
    out.add(std::string_view(token, len));
    mbedtls_platform_zeroize(token, sizeof token);
  }
  out.add("\r\n\r\n");
  if (out.overflow) {
    mbedtls_platform_zeroize(io_, sizeof io_);
    return Status::error(Code::kInvalidArgument, "CONNECT request too large");
  }
  Status sent_all = Status::ok();
  for (size_t sent = 0; sent < out.len && sent_all.is_ok();) {
    Result<size_t> n = socket_.send(ConstBytes(io_ + sent, out.len - sent), deadline, false);
    if (n.is_ok()) {
      sent += *n;
    } else {
      sent_all = n.status();
    }
  }
  if (!userinfo.empty()) mbedtls_platform_zeroize(io_, out.len);  // the credentials
  SPARK_TRY(sent_all);
  parser_.reset(true, 0);  // a 2xx to CONNECT has no body
  CountingSink none;
  bool extra = false;  // bytes after the head: a refusal's body, or a bad tunnel
  while (!parser_.done()) {
    SPARK_TRY_ASSIGN(size_t n, socket_.recv(MutBytes(io_), deadline));
    if (n == 0) return parser_.finish(true).with_context("proxy");  // plain TCP
    SPARK_TRY_ASSIGN(size_t used, parser_.feed(ConstBytes(io_, n), none));
    extra = used < n;
  }
  if (parser_.status() == 407) {
    return Status::error(Code::kPermissionDenied,
                         userinfo.empty()
                             ? "the proxy wants a user name and password (407): write them "
                               "into https_proxy as http://user:password@host:port"
                             : "the proxy refused the user name and password in https_proxy "
                               "(407)");
  }
  if (parser_.status() / 100 != 2) {
    std::string_view reason = parser_.reason();
    return Status::error(Code::kUnavailable, "proxy refused CONNECT to %.*s: %d %.*s",
                         static_cast<int>(host.size()), host.data(), parser_.status(),
                         static_cast<int>(reason.size() > 60 ? 60 : reason.size()), reason.data());
  }
  if (extra) return Status::error(Code::kDataLoss, "proxy sent data before the TLS handshake");
  return Status::ok();
}

Status Client::connect(std::string_view host, uint16_t port, hal::Deadline deadline) {
  session_.close();
  hal::Deadline d = deadline.min(hal::Deadline::after(clock_, config_.connect_timeout_ms));
  phase_ = "connecting";
  SPARK_TRY_ASSIGN(std::optional<Proxy> proxy,
                   proxy_for(host, config_.https_proxy, config_.no_proxy));
  if (proxy) {
    Status s = socket_.connect(proxy->url.host, proxy->url.port, d);
    if (!s.is_ok()) return s.with_context("proxy");
    phase_ = "connecting through the proxy";
    s = open_tunnel(host, port, proxy->userinfo, d);
    if (!s.is_ok()) {
      socket_.close();
      return s;
    }
  } else {
    SPARK_TRY(socket_.connect(host, port, d));
  }
  phase_ = "during the TLS handshake";
  SPARK_TRY(session_.handshake(host, port, d, &cache_));
  std::memcpy(host_, host.data(), host.size());  // <= 253, checked by parse_url
  host_[host.size()] = '\0';
  port_ = port;
  ++connections_;
  return Status::ok();
}

Status Client::send_request(const Request& request, std::string_view host, uint16_t port,
                            std::string_view target, bool strip_auth, hal::Deadline deadline) {
  phase_ = "sending the request";
  Appender out{io_, sizeof io_};
  // The head carries the Authorization value: wipe its bytes from io_ on
  // every way out, so no copy of the key outlives the request there (a
  // reply shorter than the head would overwrite only its start).
  struct WipeHead {
    uint8_t* io;
    const Appender& out;
    ~WipeHead() { text::wipe(io, out.len); }
  } wipe_head{io_, out};
  out.add(method_name(request.method));
  out.add(" ");
  out.add(target);
  out.add(" HTTP/1.1\r\nHost: ");
  out.add_authority(host, port, false);
  out.add("\r\n");
  bool has_agent = false;
  for (const Header& h : request.headers) {
    if (h.name.empty() || has_crlf(h.name) || has_crlf(h.value)) {
      return Status::error(Code::kInvalidArgument, "request header \"%.*s\" is empty or has CR/LF",
                           static_cast<int>(h.name.size() > 40 ? 40 : h.name.size()),
                           h.name.data());
    }
    if (strip_auth && iequals(h.name, "Authorization")) continue;
    has_agent = has_agent || iequals(h.name, "User-Agent");
    out.add(h.name);
    out.add(": ");
    out.add(h.value);
    out.add("\r\n");
  }
  if (!has_agent) {
    out.add("User-Agent: ");
    out.add(config_.user_agent);
    out.add("\r\n");
  }
  uint64_t total = request.body ? request.body->length() : 0;
  if (request.method == Method::kPost) {
    out.add("Content-Length: ");
    out.add_number(total);
    out.add("\r\n");
  }
  out.add("\r\n");
  if (out.overflow) {
    return Status::error(Code::kInvalidArgument, "request headers exceed %zu bytes", sizeof io_);
  }

  // The head and the body share io_: the first body bytes ride in the same
  // TLS record as the head, then full kIoBuffer records follow.
  uint64_t sent_body = 0;
  size_t len = out.len;
  bool end = request.body == nullptr;
  for (;;) {
    while (!end && len < sizeof io_) {
      SPARK_TRY_ASSIGN(size_t n, request.body->read(MutBytes(io_ + len, sizeof io_ - len)));
      if (n == 0) end = true;
      len += n;
      sent_body += n;
    }
    if (sent_body > total || (end && sent_body != total)) {
      return Status::error(
          Code::kInternal, "request body produced %llu bytes but its length said %llu",
          static_cast<unsigned long long>(sent_body), static_cast<unsigned long long>(total));
    }
    // The last bytes go without the "more" hint even when they fill io_
    // exactly (the source says so only on the next, empty read).
    const bool last = end || sent_body == total;
    if (len > 0) {
      SPARK_TRY(session_.write_all(ConstBytes(io_, len), wait_deadline(deadline), !last));
    }
    len = 0;
    if (request.body && request.progress) {
      Status s = request.progress(request.progress_context, sent_body, total);
      if (!s.is_ok()) return Status::error(Code::kCancelled, "upload cancelled: %s", s.message());
    }
    if (end) return Status::ok();
  }
}

Status Client::read_response(ByteSink& sink, bool no_body, uint64_t cap, hal::Deadline deadline,
                             bool& extra_bytes) {
  phase_ = "waiting for the response";
  parser_.reset(no_body, cap);
  extra_bytes = false;
  while (!parser_.done()) {
    SPARK_TRY_ASSIGN(size_t n, session_.read(MutBytes(io_), wait_deadline(deadline)));
    if (n == 0) return parser_.finish(session_.closed_cleanly());
    SPARK_TRY_ASSIGN(size_t used, parser_.feed(ConstBytes(io_, n), sink));
    if (parser_.headers_done()) phase_ = "reading the response body";
    extra_bytes = used < n;
  }
  return Status::ok();
}

// One request and its response on a kept-alive or new connection. A
// kept-alive connection the server dropped between our check and the
// request is retried once on a new one if nothing can have been processed
// twice (no body, no response byte).
Status Client::exchange(const Request& request, const Url& url, bool strip_auth, ByteSink& sink,
                        bool& reused) {
  Status status;
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reuse = session_.is_open() && url.port == port_ && url.host == host_ &&
                 !session_.has_pending_input();
    if (!reuse) {
      status = connect(url.host, url.port, request.deadline);
      if (!status.is_ok()) return timed_out(status, phase_);
    }
    status = send_request(request, url.host, url.port, url.target, strip_auth, request.deadline);
    bool extra = false;
    if (status.is_ok()) {
      status = read_response(sink, false, request.max_response_bytes, request.deadline, extra);
    }
    if (status.is_ok()) {
      if (!parser_.keep_alive() || extra) session_.close();
      reused = reuse;
      return status;
    }
    session_.close();
    bool stale = reuse && attempt == 0 && request.body == nullptr && !parser_.started() &&
                 status.code() == Code::kUnavailable;
    if (!stale) return timed_out(status, phase_);
    SPARK_LOGD("http", "%s: kept-alive connection was closed; reconnecting", method_host_);
  }
  return status;
}

// Resolves a redirect's Location against url into url_ (built in a scratch
// copy: url may point into url_ itself) and url to it; https only.
Status Client::follow(std::string_view location, Url& url) {
  char next[sizeof url_];
  int n;
  if (location.size() >= 2 && location[0] == '/' && location[1] != '/') {
    Appender a{reinterpret_cast<uint8_t*>(next), sizeof next - 1};
    a.add("https://");
    a.add_authority(url.host, url.port, false);
    a.add(location);
    n = a.overflow ? -1 : static_cast<int>(a.len);
  } else {
    n = std::snprintf(next, sizeof next, "%.*s", static_cast<int>(location.size()),
                      location.data());
    if (static_cast<size_t>(n) >= sizeof next) n = -1;
  }
  if (n < 0) return Status::error(Code::kDataLoss, "%s: redirect Location too long", method_host_);
  next[n] = '\0';
  Result<Url> target = parse_url(std::string_view(next, static_cast<size_t>(n)));
  if (!target.is_ok()) return target.status().with_context("%s: redirect", method_host_);
  if (!iequals(target->scheme, "https")) {
    return Status::error(Code::kPermissionDenied, "%s: redirect to a non-https URL refused",
                         method_host_);
  }
  std::memcpy(url_, next, static_cast<size_t>(n) + 1);
  SPARK_TRY_ASSIGN(url, parse_url(std::string_view(url_, static_cast<size_t>(n))));
  return Status::ok();
}

Result<Response> Client::send(const Request& request) {
  request_start_ms_ = clock_.now_ms();
  std::snprintf(method_host_, sizeof method_host_, "%s", method_name(request.method));
  SPARK_TRY_ASSIGN(Url url, parse_url(request.url));
  if (!iequals(url.scheme, "https")) {
    return Status::error(Code::kInvalidArgument, "only https:// URLs are allowed");
  }
  if (request.body && request.method != Method::kPost) {
    return Status::error(Code::kInvalidArgument, "a request body needs POST");
  }
  char first_host[256];
  std::snprintf(first_host, sizeof first_host, "%.*s", static_cast<int>(url.host.size()),
                url.host.data());
  const uint16_t first_port = url.port;
  bool strip_auth = false;
  Response response;
  response.parser_ = &parser_;

  for (uint32_t hop = 0;; ++hop) {
    std::snprintf(method_host_, sizeof method_host_, "%s %.*s", method_name(request.method),
                  static_cast<int>(url.host.size()), url.host.data());
    BodyRouter router(request.sink, request.method == Method::kGet, parser_);
    SPARK_TRY(exchange(request, url, strip_auth, router, response.reused_connection));

    response.status = parser_.status();
    response.body_bytes = parser_.body_bytes();
    response.redirects = hop;
    std::string_view location = parser_.header("Location");
    if (request.method != Method::kGet || !is_redirect(response.status) || location.empty()) {
      return response;
    }
    if (hop == kMaxRedirects) {
      return Status::error(Code::kOutOfRange, "%s: more than %d redirects", method_host_,
                           kMaxRedirects);
    }
    SPARK_TRY(follow(location, url));
    if (!iequals(url.host, first_host) || url.port != first_port) strip_auth = true;
    SPARK_LOGD("http", "%s: redirect %d to %.*s", method_host_, response.status,
               static_cast<int>(url.host.size()), url.host.data());
  }
}

}  // namespace spark::http
