#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "core/log.h"
#include "core/status.h"

using spark::Code;
using spark::Result;
using spark::Status;

namespace {
Result<int> parse_digit(char c) {
  if (c < '0' || c > '9') return Status::error(Code::kInvalidArgument, "'%c' is not a digit", c);
  return c - '0';
}
Result<int> sum_digits(const char* s) {
  int total = 0;
  for (; *s; ++s) {
    SPARK_TRY_ASSIGN(int d, parse_digit(*s));
    total += d;
  }
  return total;
}
Status check_even(const char* s) {
  SPARK_TRY(sum_digits(s));
  SPARK_TRY_ASSIGN(int v, sum_digits(s));
  if (v % 2) return Status::error(Code::kOutOfRange, "sum %d is odd", v);
  return Status::ok();
}
}  // namespace

TEST_CASE("status_default_is_ok_and_error_keeps_code_and_message") {
  Status ok;
  CHECK(ok.is_ok());
  CHECK(std::string(ok.message()).empty());
  Status e = Status::error(Code::kNotFound, "no file %s", "a.jpg");
  CHECK_FALSE(e.is_ok());
  CHECK(e.code() == Code::kNotFound);
  CHECK(std::string(e.message()) == "no file a.jpg");
  CHECK(std::string(spark::code_name(e.code())) == "not found");
}

TEST_CASE("status_error_with_ok_code_becomes_internal") {
  CHECK(Status::error(Code::kOk, "x").code() == Code::kInternal);
}

TEST_CASE("status_long_message_is_truncated_with_ellipsis") {
  std::string long_text(400, 'x');
  Status e = Status::error(Code::kIo, "%s", long_text.c_str());
  std::string m = e.message();
  CHECK(m.size() == Status::kMaxMessage);
  CHECK(m.substr(m.size() - 3) == "...");
}

TEST_CASE("status_with_context_prefixes_message") {
  Status e = Status::error(Code::kDataLoss, "truncated at byte 12");
  Status c = e.with_context("read %s", "photo.jpg");
  CHECK(c.code() == Code::kDataLoss);
  CHECK(std::string(c.message()) == "read photo.jpg: truncated at byte 12");
  CHECK(Status::ok().with_context("ignored").is_ok());
  std::string big(200, 'c');
  std::string m = e.with_context("%s", big.c_str()).message();
  CHECK(m.size() == Status::kMaxMessage);
}

TEST_CASE("result_carries_value_or_error_and_try_macros_propagate") {
  auto r = sum_digits("123");
  REQUIRE(r.is_ok());
  CHECK(*r == 6);
  auto bad = sum_digits("12x");
  CHECK_FALSE(bad.is_ok());
  CHECK(bad.status().code() == Code::kInvalidArgument);
  CHECK(std::string(bad.status().message()) == "'x' is not a digit");
  CHECK(check_even("22").is_ok());
  CHECK(check_even("21").code() == Code::kOutOfRange);
  CHECK(check_even("2a").code() == Code::kInvalidArgument);
  CHECK(bad.value_or(-1) == -1);
}

TEST_CASE("result_from_ok_status_is_an_internal_error") {
  Result<int> r(Status::ok());
  CHECK_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kInternal);
}

// issue 12, security 3: a message is redacted before it is cut, so neither a
// whole key nor the part of one left at the cut survives.
TEST_CASE("status_message_never_carries_a_registered_secret_even_cut") {
  const std::string key = "sk-live-0123456789abcdef0123456789abcdef";
  spark::log::clear_secrets();
  REQUIRE(spark::log::add_secret(key).is_ok());
  for (size_t pad = 100; pad < Status::kMaxMessage + 5; ++pad) {
    std::string filler(pad, '.');
    Status e = Status::error(Code::kUnauthenticated, "%s%s tail", filler.c_str(), key.c_str());
    std::string m = e.message();
    CHECK(m.size() <= Status::kMaxMessage);
    CHECK(m.find(key.substr(0, 4)) == std::string::npos);
    Status c = Status::error(Code::kIo, "x").with_context("%s%s", filler.c_str(), key.c_str());
    CHECK(std::string(c.message()).find(key.substr(0, 4)) == std::string::npos);
  }
  spark::log::clear_secrets();
}

// issue 12, security 6: the service's Chinese texts are cut between
// characters, never inside one.
TEST_CASE("status_long_utf8_message_is_cut_on_a_character_boundary") {
  std::string chinese;
  for (int i = 0; i < 20; ++i) chinese += "图片格式无效";  // 3 bytes a character
  for (size_t lead = 0; lead < 3; ++lead) {
    std::string text = std::string(lead, 'x') + chinese;
    std::string m = Status::error(Code::kInvalidArgument, "%s", text.c_str()).message();
    REQUIRE(m.size() > 3);
    CHECK(m.substr(m.size() - 3) == "...");
    CHECK((m.size() - 3 - lead) % 3 == 0);
    CHECK(chinese.compare(0, m.size() - 3 - lead, m, lead, m.size() - 3 - lead) == 0);
    std::string c =
        Status::error(Code::kIo, "%s", chinese.c_str()).with_context("%s", text.c_str()).message();
    CHECK(c.substr(c.size() - 3) == "...");
    CHECK((c.size() - 3 - lead) % 3 == 0);
  }
}

// A precision like %.*s can cut a character anywhere in a message; what is
// kept is still UTF-8 (the stray bytes become '?').
TEST_CASE("status_message_is_always_utf8") {
  const std::string reason = "图片格式无效";
  std::string m =
      Status::error(Code::kUnavailable, "proxy refused: %.*s (HTTP 502)", 4, reason.c_str())
          .message();
  CHECK(m == "proxy refused: 图? (HTTP 502)");
}
