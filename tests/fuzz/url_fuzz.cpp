// http::parse_url, http::proxy_for and the proxy's user info
// (decode_userinfo, basic_credentials) on arbitrary text. The input is four
// fields separated by '\n': a URL (also the host for proxy_for), an
// https_proxy value, a no_proxy value and a user info; byte 0 of the last
// field, if any, sets the decode capacity.
// Checks: a parsed URL is https or http with a host of 1..253 bytes free of
// spaces, '%' and '\\', a port >= 1, a target that starts with '/' and
// holds only printable ASCII, and views into the caller's text; a proxy is
// http:// with a host inside the https_proxy value; an error never quotes
// the user:password of a proxy (a password containing '!', which no
// message's own text has); decoded user info never exceeds its capacity;
// a Basic token is base64 of the decoded user info plus ':' when it has none.
#include <cstdlib>
#include <string_view>

#include "http/url.h"

using namespace spark;

namespace {

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

std::string_view field(std::string_view& rest) {
  size_t nl = rest.find('\n');
  std::string_view f = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return f;
}

void check_url(const http::Url& u, std::string_view text) {
  if (!http::iequals(u.scheme, "https") && !http::iequals(u.scheme, "http")) std::abort();
  if (u.host.empty() || u.host.size() > 253 || u.port == 0) std::abort();
  for (char c : u.host) {
    if (static_cast<unsigned char>(c) <= ' ' || c == '%' || c == '\\') std::abort();
  }
  if (u.target.empty() || u.target.front() != '/') std::abort();
  for (char c : u.target) {
    if (static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f) std::abort();
  }
  if (!inside(u.scheme, text) || !inside(u.host, text)) std::abort();
  if (u.target != "/" && !inside(u.target, text)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  const std::string_view url_text = field(rest);
  const std::string_view proxy_text = field(rest);
  const std::string_view no_proxy = field(rest);
  const std::string_view userinfo = rest;

  Result<http::Url> u = http::parse_url(url_text);
  if (u.is_ok()) check_url(*u, url_text);

  Result<std::optional<http::Proxy>> p = http::proxy_for(url_text, proxy_text, no_proxy);
  if (p.is_ok() && p->has_value()) {
    const http::Proxy& px = **p;
    if (px.url.scheme != "http" || px.url.port == 0 || px.url.host.empty()) std::abort();
    if (!inside(px.url.host, proxy_text)) std::abort();
    if (!px.userinfo.empty() && !inside(px.userinfo, proxy_text)) std::abort();
  }
  if (!p.is_ok()) {
    // The user info as proxy_for would take it: before the last '@' of the
    // authority, after any scheme.
    std::string_view v = proxy_text;
    size_t sep = v.find("://");
    if (sep != std::string_view::npos) v = v.substr(sep + 3);
    size_t at = v.substr(0, v.find_first_of("/?#")).rfind('@');
    if (at != std::string_view::npos) {
      std::string_view secret = v.substr(0, at);
      std::string_view msg = p.status().message();
      if (secret.find('!') != std::string_view::npos &&
          msg.find(secret) != std::string_view::npos) {
        std::abort();
      }
    }
  }

  uint8_t plain[512];
  const size_t capacity = userinfo.empty() ? 0 : static_cast<uint8_t>(userinfo[0]);
  const size_t n = http::decode_userinfo(userinfo, plain, capacity);
  if (n > capacity) std::abort();
  char token[http::kMaxProxyToken + 8];
  const size_t t = http::basic_credentials(userinfo, token, sizeof token);
  const size_t d = http::decode_userinfo(userinfo, plain, http::kMaxProxyUserinfo);
  if (d == 0 ? t != 0 : t == 0) std::abort();
  if (t != 0) {
    bool colon = false;
    for (size_t i = 0; i < d; ++i) colon |= plain[i] == ':';
    if (t != codec::base64_encoded_size(d + (colon ? 0 : 1))) std::abort();
    for (size_t i = 0; i < t; ++i) {
      const char c = token[i];
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '+' || c == '/' || c == '=';
      if (!ok) std::abort();
    }
  }
  return 0;
}
