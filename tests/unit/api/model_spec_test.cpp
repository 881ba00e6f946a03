#include <doctest/doctest.h>

#include <string>

#include "api/client.h"
#include "api/model_spec.h"

using namespace spark;
using namespace spark::api;

namespace {
picojson::value json(const std::string& text) {
  picojson::value v;
  REQUIRE(picojson::parse(v, text).empty());
  return v;
}
const char* kSpec =
    R"({"data":{"model_id":"spark_edit_3_0","api":{"endpoint":"https://cloud.vtrix.ai/model/v1/generation",)"
    R"("method":"POST","headers":{"Content-Type":"application/json"}},"parameters":[)"
    R"({"name":"prompt","type":"string","required":true,"constraints":{"max_length":500}},)"
    R"({"name":"scale","type":"number","constraints":{"min":0.1,"max":0.9,"default":0.5}},)"
    R"({"name":"seed","type":"integer","constraints":{"min":-1}},)"
    R"({"name":"image_urls","type":"array","children":[{"name":"x"}]}]},)"
    R"("status":{"code":200,"message":"success"}})";
}  // namespace

TEST_CASE("model_spec_gives_the_endpoint_and_the_limits") {
  auto spec = parse_model_spec(json(kSpec));
  REQUIRE_MESSAGE(spec.is_ok(), spec.status().message());
  CHECK(std::string(spec->endpoint) == "https://cloud.vtrix.ai/model/v1/generation");
  CHECK(spec->limits.prompt_max_code_points == 500);
  CHECK(spec->limits.scale_min == doctest::Approx(0.1));
  CHECK(spec->limits.scale_max == doctest::Approx(0.9));
  CHECK(spec->limits.seed_min == -1);
  // The limits are applied before anything is sent.
  EditParams p{"make it red", 0.95, -1, {}};
  CHECK_FALSE(validate_params(p, spec->limits).is_ok());
  p.scale = 0.5;
  CHECK(validate_params(p, spec->limits).is_ok());
  std::string long_prompt(501, 'x');
  p.prompt = long_prompt;
  Status s = validate_params(p, spec->limits);
  CHECK_FALSE(s.is_ok());
  CHECK(std::string(s.message()).find("at most 500") != std::string::npos);
}

TEST_CASE("model_spec_replies_that_are_not_a_spec_are_refused") {
  for (
      const char* text :
      {R"({"data":null,"status":{"code":404,"message":"no such model"}})",
       R"({"data":{"api":{}},"status":{"code":200}})", R"([1,2])",
       R"({"data":{"api":{"endpoint":"https://cloud.vtrix.ai/x","method":"GET"}}})",
       R"({"data":{"api":{"endpoint":"https://cloud.vtrix.ai/x"},"parameters":[{"name":"prompt","constraints":{"max_length":0}}]}})",
       R"({"data":{"api":{"endpoint":"https://cloud.vtrix.ai/x"},"parameters":[{"name":"scale","constraints":{"min":0,"max":7}}]}})"}) {
    INFO(text);
    CHECK_FALSE(parse_model_spec(json(text)).is_ok());
  }
  // The vendor CLI's envelope with status code 0 and no parameters is fine.
  CHECK(parse_model_spec(
            json(R"({"data":{"api":{"endpoint":"https://a.vtrix.ai/g"}},"status":{"code":0}})"))
            .is_ok());
}

TEST_CASE("the_key_goes_only_to_the_api_host_or_the_vendor_domain") {
  const char* base = "https://localhost:8443";
  CHECK(check_spec_endpoint("https://localhost:9000/model/v1/generation", base).is_ok());
  CHECK(check_spec_endpoint("https://cloud.vtrix.ai/model/v1/generation", base).is_ok());
  CHECK(check_spec_endpoint("https://vtrix.ai/g", base).is_ok());
  CHECK(check_spec_endpoint("https://A.B.VTRIX.AI/g", base).is_ok());
  for (const char* bad :
       {"https://evil.example/model/v1/generation", "https://evilvtrix.ai/g",
        "https://vtrix.ai.evil.example/g", "http://cloud.vtrix.ai/g", "http://localhost:8443/g"}) {
    INFO(bad);
    Status s = check_spec_endpoint(bad, base);
    CHECK(s.code() == Code::kPermissionDenied);
    CHECK(std::string(s.message()).find("refused") != std::string::npos);
  }
  CHECK(std::string(check_spec_endpoint("https://evil.example/g", base).message())
            .find("evil.example") != std::string::npos);
  CHECK_FALSE(check_spec_endpoint("not a url", base).is_ok());
}
