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
  const char* bad[] = {"api.example.com/x", "ftp://x/",         "https://user:pw@host/",
                       "https://:443/",     "https://host:0/",  "https://host:70000/",
                       "https://host:/",    "https://host/a b", "https://[::1/",
                       "https://host?q"};
  for (const char* text : bad) CHECK_MESSAGE(!parse_url(text).is_ok(), text);
}

TEST_CASE("proxy_for_follows_https_proxy_and_no_proxy") {
  auto p = proxy_for("api.example.com", "http://proxy.lan:3128", "");
  REQUIRE(p.is_ok());
  REQUIRE(p->has_value());
  CHECK((*p)->url.host == "proxy.lan");
  CHECK((*p)->url.port == 3128);
  CHECK((*p)->userinfo.empty());
  auto bare = proxy_for("api.example.com", "proxy.lan", "");
  REQUIRE(bare.is_ok());
  CHECK((*bare)->url.host == "proxy.lan");
  CHECK((*bare)->url.port == 1080);
  auto http80 = proxy_for("api.example.com", "http://proxy.lan", "");
  REQUIRE(http80.is_ok());
  CHECK((*http80)->url.port == 80);
  auto upper = proxy_for("api.example.com", "HTTP://proxy.lan:8080", "");  // schemes ignore case
  REQUIRE(upper.is_ok());
  CHECK((*upper)->url.port == 8080);
  CHECK_FALSE(proxy_for("api.example.com", "", "")->has_value());
  CHECK_FALSE(proxy_for("api.example.com", "proxy:1", "example.com")->has_value());
  CHECK_FALSE(proxy_for("api.example.com", "proxy:1", ".example.com")->has_value());
  CHECK_FALSE(proxy_for("localhost", "proxy:1", "a, localhost")->has_value());
  CHECK_FALSE(proxy_for("x.y", "proxy:1", "*")->has_value());
  CHECK(proxy_for("badexample.com", "proxy:1", "example.com")->has_value());
  CHECK(proxy_for("x", "https://proxy:1", "").status().code() == Code::kInvalidArgument);
}

TEST_CASE("proxy_for_splits_off_user_and_password_and_never_repeats_them") {
  auto p = proxy_for("api.example.com", "http://kiosk:p%40ss:w@proxy.lan:3128/", "");
  REQUIRE(p.is_ok());
  CHECK((*p)->userinfo == "kiosk:p%40ss:w");
  CHECK((*p)->url.host == "proxy.lan");
  CHECK((*p)->url.port == 3128);
  auto bare = proxy_for("api.example.com", "kiosk:pw@proxy.lan", "");
  REQUIRE(bare.is_ok());
  CHECK((*bare)->userinfo == "kiosk:pw");
  CHECK((*bare)->url.host == "proxy.lan");
  CHECK((*bare)->url.port == 1080);
  auto v6 = proxy_for("api.example.com", "http://u:p@[::1]:8080", "");
  REQUIRE(v6.is_ok());
  CHECK((*v6)->userinfo == "u:p");
  CHECK((*v6)->url.host == "::1");
  CHECK((*v6)->url.port == 8080);
  // The views point into the caller's string (the parser's scratch copy is
  // gone when proxy_for returns).
  const std::string value = "http://kiosk:pw@proxy.lan:3128";
  auto into = proxy_for("api.example.com", value, "");
  REQUIRE(into.is_ok());
  auto inside = [&](std::string_view v) {
    return v.data() >= value.data() && v.data() + v.size() <= value.data() + value.size();
  };
  CHECK(inside((*into)->url.host));
  CHECK(inside((*into)->userinfo));
  // A port follows the host at once; a colon later in the path is no port.
  auto no_port = proxy_for("api.example.com", "proxy.lan/a:b", "");
  REQUIRE(no_port.is_ok());
  CHECK((*no_port)->url.port == 1080);
  // A "://" in a query is no scheme.
  auto query = proxy_for("api.example.com", "kiosk:pw@proxy.lan/?u=http://x", "");
  REQUIRE(query.is_ok());
  CHECK((*query)->userinfo == "kiosk:pw");
  CHECK((*query)->url.port == 1080);
  // Errors name the problem without the password, also when a raw / ? # in
  // it hides the '@' from the host parser (a numeric password would have
  // become a port of the host "kiosk").
  for (const char* text : {"https://kiosk:hunter2@proxy:1", "http://kiosk:hunter2@proxy:99999",
                           "http://kiosk:hunter2@:1", "kiosk:hunter2@",
                           "http://kiosk:hunter2/x@proxy:1", "http://kiosk:12345/x@proxy:3128",
                           "http://kiosk:ab#hunter2@proxy:1", "http://kiosk:hunter2?x@proxy:1",
                           "kiosk:hunter2@pr/?u=ftp://x@y", "http://proxy.lan:1/a@hunter2"}) {
    auto bad = proxy_for("api.example.com", text, "");
    REQUIRE_MESSAGE(!bad.is_ok(), text);
    CHECK(bad.status().code() == Code::kInvalidArgument);
    CHECK_MESSAGE(std::string(bad.status().message()).find("hunter2") == std::string::npos,
                  bad.status().message());
  }
}

TEST_CASE("proxy_userinfo_is_percent_decoded_and_bounded") {
  uint8_t out[16];
  auto decoded = [&](const char* in) {
    size_t n = decode_userinfo(in, out, sizeof out);
    return std::string(reinterpret_cast<char*>(out), n);
  };
  CHECK(decoded("kiosk:p%40ss%3A") == "kiosk:p@ss:");
  CHECK(decoded("a%2fb%2Fc") == "a/b/c");
  CHECK(decoded("plain:text") == "plain:text");
  CHECK(decoded("16-bytes:exactly") == "16-bytes:exactly");
  for (const char* bad : {"", "%", "%4", "ab%zz", "x%4g", "17-bytes:too-long"}) {
    CHECK_MESSAGE(decode_userinfo(bad, out, sizeof out) == 0, bad);
  }
}

TEST_CASE("proxy_basic_credentials_follow_rfc_7617") {
  char token[kMaxProxyToken];
  auto basic = [&](const std::string& userinfo) {
    return std::string(token, basic_credentials(userinfo, token, sizeof token));
  };
  CHECK(basic("kiosk:p%40ss") == "a2lvc2s6cEBzcw==");  // "kiosk:p@ss"
  CHECK(basic("kiosk") == "a2lvc2s6");                 // "kiosk:", the colon added
  CHECK(basic("") == "");
  CHECK(basic("kiosk:100%") == "");
  // The longest user info fits, colon and all; one byte more does not.
  CHECK(basic(std::string(kMaxProxyUserinfo, 'u')).size() == kMaxProxyToken);
  CHECK(basic(std::string(kMaxProxyUserinfo + 1, 'u')) == "");
  // proxy_for refuses what can't be sent, before anything connects.
  auto bad = proxy_for("api.example.com", "http://kiosk:100%@proxy:1", "");
  REQUIRE_FALSE(bad.is_ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(std::string(bad.status().message()).find("100%") == std::string::npos);
}
