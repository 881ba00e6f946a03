#include "http/url.h"

namespace spark::http {
namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

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

Result<std::optional<Url>> proxy_for(std::string_view host, std::string_view https_proxy,
                                     std::string_view no_proxy) {
  https_proxy = trim(https_proxy);
  if (https_proxy.empty()) return std::optional<Url>();
  while (!no_proxy.empty()) {
    size_t comma = no_proxy.find(',');
    std::string_view entry = trim(no_proxy.substr(0, comma));
    no_proxy = comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
    if (entry == "*") return std::optional<Url>();
    if (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
    if (entry.empty()) continue;
    if (iequals(host, entry)) return std::optional<Url>();
    if (host.size() > entry.size() && host[host.size() - entry.size() - 1] == '.' &&
        iequals(host.substr(host.size() - entry.size()), entry)) {
      return std::optional<Url>();
    }
  }
  bool has_scheme = https_proxy.find("://") != std::string_view::npos;
  if (has_scheme && https_proxy.substr(0, 7) != "http://") {
    return Status::error(Code::kInvalidArgument,
                         "https_proxy must be an http:// proxy (got \"%.*s\")",
                         static_cast<int>(https_proxy.size() > 40 ? 40 : https_proxy.size()),
                         https_proxy.data());
  }
  // A scheme-less value gets "http://" for the parser; its port defaults to
  // 1080 like curl's, so only a port-less http:// URL means port 80.
  char buf[300];
  std::string_view text = https_proxy;
  if (!has_scheme) {
    if (https_proxy.size() + 7 > sizeof buf) {
      return Status::error(Code::kInvalidArgument, "https_proxy is too long");
    }
    std::string_view prefix = "http://";
    for (size_t i = 0; i < prefix.size(); ++i) buf[i] = prefix[i];
    for (size_t i = 0; i < https_proxy.size(); ++i) buf[prefix.size() + i] = https_proxy[i];
    text = std::string_view(buf, prefix.size() + https_proxy.size());
  }
  Result<Url> url = parse_url(text);
  if (!url.is_ok()) return url.status().with_context("https_proxy");
  if (!has_scheme) {
    // Point the views back into the caller's string, not buf.
    size_t off = static_cast<size_t>(url->host.data() - buf) - 7;
    url->host = https_proxy.substr(off, url->host.size());
    url->scheme = "http";
    url->target = "/";
    if (https_proxy.find(':', off + url->host.size()) == std::string_view::npos) url->port = 1080;
  }
  return std::optional<Url>(*url);
}

}  // namespace spark::http
