// issue 12, security 3 and 6: what the service writes is kept redacted and
// cut between characters (the fixed fields hold 255 bytes of it).
#include <doctest/doctest.h>

#include <string>

#include "api/task.h"
#include "codec/utf8.h"
#include "core/log.h"

using namespace spark;
using namespace spark::api;

namespace {
picojson::value json(const std::string& text) {
  picojson::value v;
  std::string err = picojson::parse(v, text);
  REQUIRE(err.empty());
  return v;
}
}  // namespace

TEST_CASE("vendor_error_text_is_cut_between_characters") {
  std::string chinese;
  for (int i = 0; i < 30; ++i) chinese += "图片格式无效";
  for (int lead = 0; lead < 3; ++lead) {
    std::string text = std::string(static_cast<size_t>(lead), 'x') + chinese;
    auto t = parse_task(
        json(R"({"id":"t1","status":"failed","error":{"code":3007003,"error_message":")" + text +
             R"("}})"));
    REQUIRE(t.is_ok());
    std::string m = t->error.message;
    CHECK(m.size() < sizeof t->error.message);
    CHECK(codec::utf8_valid(m));
    CHECK(m.compare(0, static_cast<size_t>(lead) + 6, text, 0, static_cast<size_t>(lead) + 6) == 0);
    VendorError e = parse_error_body(json(R"({"message":")" + text + R"("})"));
    CHECK(codec::utf8_valid(e.message));
  }
}

TEST_CASE("vendor_error_text_never_keeps_the_key_even_across_the_cut") {
  const std::string key = "sk-live-0123456789abcdef0123456789abcdef";
  log::clear_secrets();
  REQUIRE(log::add_secret(key).is_ok());
  for (size_t pad = 200; pad < 260; pad += 7) {
    std::string text = std::string(pad, 'y') + " " + key + " tail";
    auto t = parse_task(json(R"({"id":"t1","status":"failed","error":{"code":3007001,"message":")" +
                             text + R"("}})"));
    REQUIRE(t.is_ok());
    CHECK(std::string(t->error.message).find(key.substr(0, 4)) == std::string::npos);
    VendorError e = parse_error_body(json(R"({"error":")" + text + R"("})"));
    CHECK(std::string(e.message).find(key.substr(0, 4)) == std::string::npos);
  }
  log::clear_secrets();
}
