#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/log.h"
#include "platform/linux/key_file.h"

using namespace spark;
using spark::platform::load_api_key;
using spark::platform::load_key_file;

namespace {
std::string key_path(const char* name, const std::string& text, mode_t mode) {
  const char* dir = std::getenv("SPARK_TEST_TMP");
  std::string p = std::string(dir ? dir : "/tmp") + "/" + name + "." + std::to_string(getpid());
  unlink(p.c_str());
  std::ofstream(p) << text;
  REQUIRE(chmod(p.c_str(), mode) == 0);
  return p;
}
void capture(log::Level, const char* line, void* ctx) {
  static_cast<std::vector<std::string>*>(ctx)->emplace_back(line);
}
}  // namespace

TEST_CASE("key_file_with_mode_0600_loads_and_the_key_is_redacted_from_logs") {
  log::clear_secrets();
  std::string p = key_path("key_ok", "  sk-test-abcdef123456  \nignored second line\n", 0600);
  auto key = load_key_file(p);
  REQUIRE(key.is_ok());
  CHECK(*key == "sk-test-abcdef123456");
  std::vector<std::string> lines;
  log::set_sink(capture, &lines);
  SPARK_LOGE("test", "oops: %s", key->c_str());
  log::reset_sink();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("sk-test-abcdef123456") == std::string::npos);
  log::clear_secrets();
  unlink(p.c_str());
}

TEST_CASE("key_file_readable_by_others_is_refused_with_the_fix") {
  std::string p = key_path("key_open", "sk-x", 0644);
  auto key = load_key_file(p);
  CHECK(key.status().code() == Code::kPermissionDenied);
  std::string msg = key.status().message();
  CHECK(msg.find("mode 0644") != std::string::npos);
  CHECK(msg.find("chmod 600") != std::string::npos);
  CHECK(msg.find("sk-x") == std::string::npos);
  unlink(p.c_str());
  CHECK(load_key_file(key_path("key_group", "sk-x", 0640)).status().code() ==
        Code::kPermissionDenied);
}

TEST_CASE("bad_key_files_are_refused") {
  CHECK(load_key_file("/nonexistent/key").status().code() == Code::kNotFound);
  CHECK(load_key_file(key_path("key_empty", "\n\n", 0600)).status().code() ==
        Code::kInvalidArgument);
  CHECK(load_key_file(key_path("key_space", "two words", 0600)).status().code() ==
        Code::kInvalidArgument);
  CHECK(load_key_file(key_path("key_long", std::string(300, 'k'), 0600)).status().code() ==
        Code::kInvalidArgument);
}

TEST_CASE("api_key_comes_from_the_environment_when_no_file_is_given") {
  log::clear_secrets();
  unsetenv("SPARK_API_KEY");
  auto none = load_api_key("");
  CHECK(none.status().code() == Code::kUnauthenticated);
  CHECK(std::string(none.status().message()).find("SPARK_API_KEY") != std::string::npos);
  setenv("SPARK_API_KEY", "sk-env-key", 1);
  auto env = load_api_key("");
  REQUIRE(env.is_ok());
  CHECK(*env == "sk-env-key");
  unsetenv("SPARK_API_KEY");
  log::clear_secrets();
}

// issue 12, security 3: a key this short is no key, and masking it would
// garble every log line ("k" would mask every k).
TEST_CASE("implausibly_short_keys_are_refused_at_load") {
  log::clear_secrets();
  auto short_file = load_key_file(key_path("key_short", "k\n", 0600));
  CHECK(short_file.status().code() == Code::kInvalidArgument);
  CHECK(std::string(short_file.status().message()).find("at least 8") != std::string::npos);
  setenv("SPARK_API_KEY", "k", 1);
  CHECK(load_api_key("").status().code() == Code::kInvalidArgument);
  setenv("SPARK_API_KEY", "12345678", 1);
  CHECK(load_api_key("").is_ok());
  unsetenv("SPARK_API_KEY");
  // Nothing short was registered: ordinary text keeps its letters.
  std::vector<std::string> lines;
  log::set_sink(capture, &lines);
  SPARK_LOGE("test", "/work/k/photo.jpg");
  log::reset_sink();
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == "test: /work/k/photo.jpg");
  log::clear_secrets();
}

// issue 12, security 7: mode 0600 is not enough when the file is someone
// else's (they can rewrite it, or swap in a key of theirs).
TEST_CASE("key_file_of_another_user_is_refused") {
  if (geteuid() != 0) {
    MESSAGE("needs root to make a file another user owns; not checked here");
    return;
  }
  std::string p = key_path("key_foreign", "sk-foreign-0123456789\n", 0600);
  REQUIRE(chown(p.c_str(), 65534, 65534) == 0);
  auto key = load_key_file(p);
  CHECK(key.status().code() == Code::kPermissionDenied);
  CHECK(std::string(key.status().message()).find("owned by uid 65534") != std::string::npos);
  unlink(p.c_str());
}

TEST_CASE("systemd_credential_with_its_acl_group_bits_loads_but_not_one_open_to_others") {
  // systemd writes a LoadCredential= file root-owned, 0400, plus an ACL for
  // the service's user that shows as group bits: 0440 must load there (and
  // only there), 0444 never.
  using spark::platform::KeyFileKind;
  log::clear_secrets();
  std::string p = key_path("cred_acl", "sk-cred-0123456789\n", 0440);
  auto key = load_key_file(p, KeyFileKind::kSystemdCredential);
  REQUIRE(key.is_ok());
  CHECK(*key == "sk-cred-0123456789");
  CHECK(load_key_file(p).status().code() == Code::kPermissionDenied);  // an own file: chmod 600
  REQUIRE(chmod(p.c_str(), 0444) == 0);
  auto open = load_key_file(p, KeyFileKind::kSystemdCredential);
  CHECK(open.status().code() == Code::kPermissionDenied);
  CHECK(std::string(open.status().message()).find("readable by others") != std::string::npos);
  log::clear_secrets();
  unlink(p.c_str());
}
