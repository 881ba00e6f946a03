// URL parsing for the HTTP client and proxy selection (https_proxy /
// no_proxy). Views only: results point into the caller's strings.
// Memory: none.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

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

// The proxy to use for a connection to host, from the values of https_proxy
// and no_proxy (curl's rules: no_proxy is a comma list of host names or
// domain suffixes, "*" for all). A scheme-less proxy is http://; its default
// port is 1080. nullopt: connect directly. Errors: kInvalidArgument for an
// unparsable or https:// proxy (TLS to the proxy itself is not supported).
Result<std::optional<Url>> proxy_for(std::string_view host, std::string_view https_proxy,
                                     std::string_view no_proxy);

// ASCII case-insensitive equality (header names, host names, tokens).
bool iequals(std::string_view a, std::string_view b);

}  // namespace spark::http
