#include <doctest/doctest.h>

#include <string>

#include "http/url.h"

using namespace spark;
using namespace spark::http;

TEST_CASE("url_parses_host_port_and_target") {
  Result<Url> u = parse_url("https://api.example.com:8443/model/v1/generation?x=1#frag");
  REQUIRE(u.is_ok());
  CHECK(u->host == "api.example.com");
  CHECK(u->port == 8443);
  CHECK(u->target == "/model/v1/generation?x=1");
  Result<Url> d = parse_url("https://cdn.example");
  REQUIRE(d.is_ok());
  CHECK(d->port == 443);
  CHECK(d->target == "/");
  Result<Url> v6 = parse_url("https://[::1]:9000/p");
  REQUIRE(v6.is_ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 9000);
}

TEST_CASE("url_rejects_what_would_break_or_leak") {
  const char* bad[] = {"api.example.com/x", "ftp://x/", "https://user:pw@host/", "https://:443/",
                       "https://host:0/", "https://host:70000/", "https://host:/",
                       "https://host/a b", "https://[::1/", "https://host?q"};
  for (const char* text : bad) CHECK_MESSAGE(!parse_url(text).is_ok(), text);
}

TEST_CASE("proxy_for_follows_https_proxy_and_no_proxy") {
  auto p = proxy_for("api.example.com", "http://proxy.lan:3128", "");
  REQUIRE(p.is_ok());
  REQUIRE(p->has_value());
  CHECK((*p)->host == "proxy.lan");
  CHECK((*p)->port == 3128);
  auto bare = proxy_for("api.example.com", "proxy.lan", "");
  REQUIRE(bare.is_ok());
  CHECK((*bare)->host == "proxy.lan");
  CHECK((*bare)->port == 1080);
  CHECK_FALSE(proxy_for("api.example.com", "", "")->has_value());
  CHECK_FALSE(proxy_for("api.example.com", "proxy:1", "example.com")->has_value());
  CHECK_FALSE(proxy_for("api.example.com", "proxy:1", ".example.com")->has_value());
  CHECK_FALSE(proxy_for("localhost", "proxy:1", "a, localhost")->has_value());
  CHECK_FALSE(proxy_for("x.y", "proxy:1", "*")->has_value());
  CHECK(proxy_for("badexample.com", "proxy:1", "example.com")->has_value());
  CHECK(proxy_for("x", "https://proxy:1", "").status().code() == Code::kInvalidArgument);
}
