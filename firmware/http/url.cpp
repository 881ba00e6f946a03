#include "http/url.h"

#include <mbedtls/platform_util.h>

#include <cstring>

namespace spark::http {
namespace {

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_port(std::string_view s, uint16_t& port) {
  if (s.empty() || s.size() > 5) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v == 0 || v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

Result<Url> parse_url(std::string_view text) {
  Url url;
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return Status::error(Code::kInvalidArgument, "URL has no scheme (want https://host/...)");
  }
  url.scheme = text.substr(0, sep);
  if (iequals(url.scheme, "https")) {
    url.port = 443;
  } else if (iequals(url.scheme, "http")) {
    url.port = 80;
  } else {
    return Status::error(Code::kInvalidArgument, "URL scheme \"%.*s\" is not https",
                         static_cast<int>(url.scheme.size() > 16 ? 16 : url.scheme.size()),
                         url.scheme.data());
  }
  std::string_view rest = text.substr(sep + 3);
  size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return Status::error(Code::kInvalidArgument, "URL must not contain user:password@");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Status::error(Code::kInvalidArgument, "URL has an unclosed IPv6 literal");
    }
    url.host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') {
      return Status::error(Code::kInvalidArgument, "URL has junk after the IPv6 literal");
    }
    if (!after.empty()) port_text = after.substr(1);
    if (!after.empty() && port_text.empty()) port_text = "x";  // "[::1]:" is invalid
  } else {
    size_t colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) port_text = "x";
    }
  }
  if (url.host.empty() || url.host.size() > 253) {
    return Status::error(Code::kInvalidArgument, "URL has no valid host");
  }
  for (char c : url.host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '%' || c == '\\') {
      return Status::error(Code::kInvalidArgument, "URL host contains an invalid character");
    }
  }
  if (!port_text.empty() && !parse_port(port_text, url.port)) {
    return Status::error(Code::kInvalidArgument, "URL port \"%.*s\" is not 1..65535",
                         static_cast<int>(port_text.size() > 8 ? 8 : port_text.size()),
                         port_text.data());
  }
  size_t hash = rest.find('#');
  url.target = rest.substr(0, hash);
  if (url.target.empty()) url.target = "/";
  if (url.target.front() == '?') {
    return Status::error(Code::kInvalidArgument, "URL query must follow a path");
  }
  for (char c : url.target) {
    // A raw space, control byte or non-ASCII byte would break the request line.
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) {
      return Status::error(Code::kInvalidArgument, "URL path must be percent-encoded");
    }
  }
  return url;
}

Result<std::optional<Proxy>> proxy_for(std::string_view host, std::string_view https_proxy,
                                       std::string_view no_proxy) {
  https_proxy = trim(https_proxy);
  if (https_proxy.empty()) return std::optional<Proxy>();
  while (!no_proxy.empty()) {
    size_t comma = no_proxy.find(',');
    std::string_view entry = trim(no_proxy.substr(0, comma));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    if (entry == "*") return std::optional<Proxy>();
    if (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
    if (entry.empty()) continue;
    if (iequals(host, entry)) return std::optional<Proxy>();
    if (host.size() > entry.size() && host[host.size() - entry.size() - 1] == '.' &&
        iequals(host.substr(host.size() - entry.size()), entry)) {
      return std::optional<Proxy>();
    }
  }
  // A scheme is letters, digits, "+-." after a letter (RFC 3986 3.1); text
  // before a "://" that is not one (a password, a query) is no scheme.
  const size_t sep = https_proxy.find("://");
  bool has_scheme = sep != std::string_view::npos && sep > 0;
  for (size_t i = 0; has_scheme && i < sep; ++i) {
    const char c = https_proxy[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    has_scheme = alpha || (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
  }
  if (has_scheme && !iequals(https_proxy.substr(0, 7), "http://")) {
    return Status::error(Code::kInvalidArgument,
                         "https_proxy must be an http:// proxy (got %.*s://)",
                         static_cast<int>(sep > 16 ? 16 : sep), https_proxy.data());
  }
  // "user:password@" before the host goes to userinfo (parse_url refuses
  // it); the rest is parsed as "http://..." from a scratch copy, whose
  // views are then pointed back into the caller's string. A value with an
  // '@' may hold a password wherever it is, so its errors never quote it.
  const bool has_at = https_proxy.find('@') != std::string_view::npos;
  auto malformed = [] {
    return Status::error(Code::kInvalidArgument,
                         "https_proxy is not http://[user:password@]host[:port] (percent-encode "
                         "any / ? # @ in the user name or password)");
  };
  Proxy proxy;
  std::string_view rest = has_scheme ? https_proxy.substr(7) : https_proxy;
  const size_t at = rest.substr(0, rest.find_first_of("/?#")).rfind('@');
  if (at != std::string_view::npos) {
    proxy.userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  if (rest.find('@') != std::string_view::npos) return malformed();
  char buf[300];
  const std::string_view prefix = "http://";
  if (prefix.size() + rest.size() > sizeof buf) {
    return Status::error(Code::kInvalidArgument, "https_proxy is too long");
  }
  for (size_t i = 0; i < prefix.size(); ++i) buf[i] = prefix[i];
  for (size_t i = 0; i < rest.size(); ++i) buf[prefix.size() + i] = rest[i];
  Result<Url> url = parse_url(std::string_view(buf, prefix.size() + rest.size()));
  if (!url.is_ok()) return has_at ? malformed() : url.status().with_context("https_proxy");
  const size_t off = static_cast<size_t>(url->host.data() - buf) - prefix.size();
  proxy.url = *url;
  proxy.url.host = rest.substr(off, url->host.size());
  proxy.url.scheme = "http";
  proxy.url.target = "/";
  // A scheme-less proxy's port defaults to 1080 like curl's, so only a
  // port-less http:// URL means port 80. The port, if any, follows the host
  // (or the ']' of an IPv6 literal) at once.
  size_t after = off + url->host.size();
  if (after < rest.size() && rest[after] == ']') ++after;
  const bool explicit_port = after < rest.size() && rest[after] == ':';
  if (!has_scheme && !explicit_port) proxy.url.port = 1080;
  if (!proxy.userinfo.empty()) {
    char token[kMaxProxyToken];
    const size_t len = basic_credentials(proxy.userinfo, token, sizeof token);
    mbedtls_platform_zeroize(token, sizeof token);
    if (len == 0) {
      return Status::error(Code::kInvalidArgument,
                           "https_proxy: the user:password before the host is not valid "
                           "percent-encoding or is over %zu bytes",
                           kMaxProxyUserinfo);
    }
  }
  return std::optional<Proxy>(proxy);
}

size_t decode_userinfo(std::string_view userinfo, uint8_t* out, size_t capacity) {
  auto hex = [](char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
  };
  size_t n = 0;
  for (size_t i = 0; i < userinfo.size(); ++i, ++n) {
    if (n == capacity) return 0;
    char c = userinfo[i];
    if (c != '%') {
      out[n] = static_cast<uint8_t>(c);
      continue;
    }
    if (i + 2 >= userinfo.size()) return 0;  // "%" or "%4" at the end
    const int hi = hex(userinfo[i + 1]), lo = hex(userinfo[i + 2]);
    if (hi < 0 || lo < 0) return 0;
    out[n] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  return n;
}

size_t basic_credentials(std::string_view userinfo, char* out, size_t capacity) {
  uint8_t plain[kMaxProxyUserinfo + 1];  // + the colon of a user name alone
  size_t n = decode_userinfo(userinfo, plain, kMaxProxyUserinfo);
  if (n != 0 && std::memchr(plain, ':', n) == nullptr) plain[n++] = ':';
  const size_t len =
      n == 0 ? 0
             : codec::base64_encode(ConstBytes(plain, n),
                                    MutBytes(reinterpret_cast<uint8_t*>(out), capacity));
  mbedtls_platform_zeroize(plain, sizeof plain);
  return len;
}

}  // namespace spark::http
