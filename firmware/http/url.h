// URL parsing for the HTTP client and proxy selection (https_proxy /
// no_proxy). Views only: results point into the caller's strings.
// Memory: none.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "codec/base64.h"
#include "core/status.h"

namespace spark::http {

struct Url {
  std::string_view scheme;  // "https" or "http", lower case as written
  std::string_view host;    // without brackets for IPv6 literals
  uint16_t port = 0;        // explicit, else the scheme's default
  std::string_view target;  // path and query, "/" when empty; no fragment
};

// Parses "scheme://host[:port][/path][?query][#fragment]". No user info
// (it would leak credentials into logs). Errors: kInvalidArgument.
Result<Url> parse_url(std::string_view text);

// An http:// proxy, and the user:password written before its host name, if
// any ("http://user:p%40ss@proxy:3128"), still percent-encoded.
struct Proxy {
  Url url;
  std::string_view userinfo;
};

// The proxy to use for a connection to host, from the values of https_proxy
// and no_proxy (curl's rules: no_proxy is a comma list of host names or
// domain suffixes, "*" for all). A scheme-less proxy is http://; its default
// port is 1080. nullopt: connect directly. Errors: kInvalidArgument for an
// unparsable or https:// proxy (TLS to the proxy itself is not supported),
// or user info basic_credentials() can't encode; no error message repeats
// the user info.
Result<std::optional<Proxy>> proxy_for(std::string_view host, std::string_view https_proxy,
                                       std::string_view no_proxy);

// Percent-decodes a proxy's user:password into out (RFC 3986 2.1); returns
// the decoded length, or 0 for an empty, malformed or too long value.
size_t decode_userinfo(std::string_view userinfo, uint8_t* out, size_t capacity);

// The RFC 7617 Basic token for a proxy's user info: the base64 of its
// percent-decoding, with ":" added to a user name alone (as curl sends it).
// Returns the token's length in out, or 0 for user info that is malformed
// or over kMaxProxyUserinfo bytes decoded, or an out under kMaxProxyToken.
// Its decoded copy on the stack is wiped.
constexpr size_t kMaxProxyUserinfo = 255;
constexpr size_t kMaxProxyToken =
    static_cast<size_t>(codec::base64_encoded_size(kMaxProxyUserinfo + 1));
size_t basic_credentials(std::string_view userinfo, char* out, size_t capacity);

// ASCII case-insensitive equality (header names, host names, tokens).
bool iequals(std::string_view a, std::string_view b);

}  // namespace spark::http
