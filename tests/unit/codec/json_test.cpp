#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "codec/json_parse.h"
#include "codec/json_writer.h"
#include "codec/utf8.h"

using namespace spark;
using namespace spark::codec;

namespace {

std::string written(GrowingSink& s) {
  return std::string(as_chars(s.bytes()));
}

}  // namespace

TEST_CASE("utf8_accepts_valid_text_and_counts_code_points") {
  CHECK(utf8_count("").value() == 0);
  CHECK(utf8_count("abc").value() == 3);
  CHECK(utf8_count("h\xC3\xA9llo \xE2\x82\xAC \xF0\x9F\x98\x80").value() == 9);
  CHECK(utf8_count("\xF4\x8F\xBF\xBF").value() == 1);  // U+10FFFF
}

TEST_CASE("utf8_rejects_overlong_surrogate_truncated_and_out_of_range") {
  const char* bad[] = {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                       "\xE2\x82", "\x80",         "\xFF",         "ok\xC3"};
  for (const char* text : bad) CHECK_MESSAGE(!utf8_valid(text), text);
  Utf8Scan s = utf8_scan("ab\xC3(");
  CHECK_FALSE(s.valid);
  CHECK(s.error_offset == 2);
  CHECK(std::string(utf8_count("ab\xFF").status().message()) ==
        "text is not valid UTF-8 at byte 2");
}

TEST_CASE("json_writer_escapes_quotes_backslash_controls_and_line_separators") {
  GrowingSink sink(4096);
  JsonWriter w(sink);
  REQUIRE(w.string("a\"b\\c\n\r\t\b\f\x01\x1f/\x7f \xE2\x80\xA8\xE2\x80\xA9 \xE2\x82\xAC").is_ok());
  REQUIRE(w.finish().is_ok());
  CHECK(written(sink) ==
        "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/\x7f \\u2028\\u2029 \xE2\x82\xAC\"");
}

TEST_CASE("json_writer_builds_nested_documents") {
  GrowingSink sink(4096);
  JsonWriter w(sink);
  REQUIRE(w.begin_object().is_ok());
  REQUIRE(w.key("model").is_ok());
  REQUIRE(w.string("spark_edit_3_0").is_ok());
  REQUIRE(w.key("input").is_ok());
  REQUIRE(w.begin_array().is_ok());
  REQUIRE(w.begin_object().is_ok());
  REQUIRE(w.key("seed").is_ok());
  REQUIRE(w.number(int64_t{-1}).is_ok());
  REQUIRE(w.key("scale").is_ok());
  REQUIRE(w.number(0.1).is_ok());
  REQUIRE(w.key("ok").is_ok());
  REQUIRE(w.boolean(true).is_ok());
  REQUIRE(w.key("none").is_ok());
  REQUIRE(w.null().is_ok());
  REQUIRE(w.end_object().is_ok());
  REQUIRE(w.number(int64_t{2}).is_ok());
  REQUIRE(w.end_array().is_ok());
  REQUIRE(w.end_object().is_ok());
  REQUIRE(w.finish().is_ok());
  CHECK(written(sink) ==
        "{\"model\":\"spark_edit_3_0\",\"input\":[{\"seed\":-1,\"scale\":0.1,\"ok\":true,"
        "\"none\":null},2]}");
  Result<picojson::value> back = parse_json(written(sink));
  REQUIRE(back.is_ok());
  CHECK(back->get("input").get(0).get("scale").get<double>() == 0.1);
}

TEST_CASE("json_writer_streams_a_string_in_parts_and_refuses_misuse") {
  GrowingSink sink(1 << 20);
  JsonWriter w(sink);
  REQUIRE(w.begin_array().is_ok());
  REQUIRE(w.begin_string().is_ok());
  for (int i = 0; i < 1000; ++i) REQUIRE(w.string_part("ab\"").is_ok());
  REQUIRE(w.end_string().is_ok());
  CHECK(w.finish().code() == Code::kFailedPrecondition);  // array still open
  REQUIRE(w.end_array().is_ok());
  REQUIRE(w.finish().is_ok());
  CHECK(written(sink).size() == 2 + 2 + 4000);

  GrowingSink s2(256);
  JsonWriter bad(s2);
  REQUIRE(bad.begin_object().is_ok());
  CHECK(bad.string("value without key").code() == Code::kFailedPrecondition);
  CHECK(bad.end_array().code() == Code::kFailedPrecondition);
  CHECK(bad.key("\xFF").code() == Code::kInvalidArgument);
  CHECK(bad.number(std::nan("")).code() == Code::kFailedPrecondition);
}

TEST_CASE("json_parse_applies_size_depth_utf8_and_trailing_data_caps") {
  CHECK(parse_json("{\"a\":[1,2,{\"b\":\"c\"}]} \n").is_ok());
  JsonLimits small;
  small.max_bytes = 10;
  CHECK(parse_json("[1,2,3,4,5,6]", small).status().code() == Code::kResourceExhausted);
  std::string deep(33, '[');
  deep += std::string(33, ']');
  CHECK(parse_json(deep).status().code() == Code::kResourceExhausted);
  std::string ok_depth = std::string(32, '[') + std::string(32, ']');
  CHECK(parse_json(ok_depth).is_ok());
  CHECK(parse_json("[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]").is_ok());  // brackets in strings
  CHECK(parse_json("\"\xFF\"").status().code() == Code::kDataLoss);
  CHECK(parse_json("{} x").status().code() == Code::kDataLoss);
  CHECK(parse_json("{\"a\":}").status().code() == Code::kDataLoss);
}

TEST_CASE("json_parse_refuses_numbers_beyond_double_without_throwing") {
  // Found by fuzz_json_parse: picojson throws std::overflow_error here.
  for (const char* text : {"816666666666e66666", "[1e99999]", "{\"size\":-1e400}"}) {
    auto v = spark::codec::parse_json(text);
    CHECK(v.status().code() == spark::Code::kDataLoss);
    CHECK(std::string(v.status().message()).find("range") != std::string::npos);
  }
  CHECK(spark::codec::parse_json("1e308").is_ok());
}
