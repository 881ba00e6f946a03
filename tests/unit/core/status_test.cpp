#include <doctest/doctest.h>

#include <cstring>
#include <string>

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
