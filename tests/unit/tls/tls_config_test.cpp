// tls::Context configuration without a network peer.
#include <doctest/doctest.h>

#include <string>

#include "platform/linux/linux_clock.h"
#include "tls/tls.h"

using namespace spark;

namespace {
std::string ca_bundle() {
  return std::string(SPARK_TEST_CA);
}
}  // namespace

TEST_CASE("tls_context_loads_a_ca_file_and_pins") {
  platform::GetrandomEntropy entropy;
  tls::Config c;
  c.ca_file = ca_bundle();
  c.pins = " sha256/zTgO+vKWGCc0dz28xWB1PpqF8HXF9O6eZzf/rqFu9io= ,";
  tls::Context ctx;
  Status s = ctx.init(c, entropy);
  CHECK_MESSAGE(s.is_ok(), s.message());
  CHECK(ctx.init(c, entropy).code() == Code::kFailedPrecondition);
}

TEST_CASE("tls_context_rejects_malformed_pins") {
  platform::GetrandomEntropy entropy;
  const char* bad[] = {"sha1/zTgO+vKWGCc0dz28xWB1PpqF8HXF9O6eZzf/rqFu9io=",
                       "sha256/zTgO+vKWGCc0dz28xWB1PpqF8HXF9O6eZzf/rqFu9i=",
                       "sha256/zTgO+vKWGCc0dz28xWB1PpqF8HXF9O6eZzf/rqFu9!=", "sha256/short="};
  for (const char* pin : bad) {
    tls::Config c;
    c.ca_file = ca_bundle();
    c.pins = pin;
    tls::Context ctx;
    CHECK_MESSAGE(ctx.init(c, entropy).code() == Code::kInvalidArgument, pin);
  }
}

TEST_CASE("tls_context_names_the_ca_file_it_could_not_load") {
  platform::GetrandomEntropy entropy;
  tls::Config c;
  c.ca_file = "/nonexistent/ca.pem";
  tls::Context ctx;
  Status s = ctx.init(c, entropy);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(std::string(s.message()).find("/nonexistent/ca.pem") != std::string::npos);
}

TEST_CASE("tls_format_seconds_is_short_and_exact") {
  char b[32];
  tls::format_seconds(10000, b, sizeof b);
  CHECK(std::string(b) == "10 s");
  tls::format_seconds(1500, b, sizeof b);
  CHECK(std::string(b) == "1.5 s");
}
