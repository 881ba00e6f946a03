#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "core/text.h"

using namespace spark;

TEST_CASE("utf8_floor_never_ends_inside_a_character") {
  const std::string s = "a\xC3\xA9\xE5\x9B\xBE\xF0\x9F\x98\x80z";  // a é 图 😀 z
  const size_t whole[] = {0, 1, 3, 6, 10, 11};
  for (size_t max = 0; max <= s.size(); ++max) {
    size_t n = text::utf8_floor(s.data(), s.size(), max);
    CHECK(n <= max);
    bool is_whole = false;
    for (size_t w : whole) is_whole = is_whole || (w == n && w <= max);
    CHECK(is_whole);
    // ... and it is the largest whole cut.
    for (size_t w : whole) CHECK((w > max || w <= n));
  }
  // Not UTF-8 at all: bytes are cut as bytes.
  const std::string junk(8, '\x80');
  CHECK(text::utf8_floor(junk.data(), junk.size(), 5) == 5);
}

TEST_CASE("fit_cuts_with_an_ellipsis_on_a_character_boundary") {
  char out[10];
  CHECK(text::fit("short", out, sizeof out) == 5);
  CHECK(std::string(out) == "short");
  CHECK(text::fit("x图片格式无效", out, sizeof out) == 7);  // 6 bytes at most, then "..."
  CHECK(std::string(out) == "x图...");
  CHECK(text::fit("done", out, sizeof out, true) == 7);
  CHECK(std::string(out) == "done...");
  char tiny[3];
  CHECK(text::fit("图", tiny, sizeof tiny) == 0);
  char buf[12];
  text::format(buf, sizeof buf, "%s", "图片格式无效");
  CHECK(std::string(buf) == "图片...");
}

TEST_CASE("wipe_zeroes_buffers_and_strings") {
  char key[16];
  std::memcpy(key, "sk-0123456789abc", sizeof key);
  text::wipe(key, sizeof key);
  for (char c : key) CHECK(c == 0);
  std::string s = "sk-live-0123456789abcdef0123456789";
  const char* data = s.data();
  text::wipe(s);
  CHECK(s.empty());
  CHECK(s.data() == data);  // same buffer, now zeroes
  for (size_t i = 0; i < 34; ++i) CHECK(data[i] == 0);
}

TEST_CASE("utf8_sequence_and_scrub_keep_only_well_formed_characters") {
  CHECK(text::utf8_sequence("a", 1) == 1);
  CHECK(text::utf8_sequence("\xE5\x9B\xBE", 3) == 3);
  CHECK(text::utf8_sequence("\xE5\x9B", 2) == 0);          // cut short
  CHECK(text::utf8_sequence("\xC0\xAF", 2) == 0);          // overlong '/'
  CHECK(text::utf8_sequence("\xED\xA0\x80", 3) == 0);      // surrogate
  CHECK(text::utf8_sequence("\xF4\x90\x80\x80", 4) == 0);  // above U+10FFFF
  char s[] = "ok \xE5\x9B\xBE half \xE5\x9B end \xFF";
  text::scrub_utf8(s);
  CHECK(std::string(s) == "ok 图 half ?? end ?");
}
