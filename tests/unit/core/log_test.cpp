#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/log.h"

using namespace spark;

namespace {
struct Captured {
  std::vector<std::pair<log::Level, std::string>> lines;
};
void capture(log::Level level, const char* line, void* ctx) {
  static_cast<Captured*>(ctx)->lines.emplace_back(level, line);
}
struct LogFixture {
  Captured cap;
  LogFixture() {
    log::set_sink(capture, &cap);
    log::set_level(log::Level::kDebug);
    log::clear_secrets();
  }
  ~LogFixture() {
    log::reset_sink();
    log::set_level(log::Level::kInfo);
    log::clear_secrets();
  }
};
}  // namespace

TEST_CASE_FIXTURE(LogFixture, "log_prefixes_module_and_filters_by_level") {
  SPARK_LOGI("job", "state %s -> %s (%s)", "Idle", "Preparing", "button");
  log::set_level(log::Level::kWarn);
  SPARK_LOGI("job", "not shown");
  SPARK_LOGW("net", "retry %d", 2);
  REQUIRE(cap.lines.size() == 2);
  CHECK(cap.lines[0].second == "job: state Idle -> Preparing (button)");
  CHECK(cap.lines[1].first == log::Level::kWarn);
  CHECK(cap.lines[1].second == "net: retry 2");
}

TEST_CASE_FIXTURE(LogFixture, "log_never_prints_a_registered_secret") {
  const std::string key = "sk-live-0123456789abcdef0123456789abcdef";
  REQUIRE(log::add_secret(key).is_ok());
  SPARK_LOGE("api", "key=%s and again %s.", key.c_str(), key.c_str());
  REQUIRE(cap.lines.size() == 1);
  CHECK(cap.lines[0].second.find(key) == std::string::npos);
  CHECK(cap.lines[0].second == "api: key=[redacted] and again [redacted].");
}

TEST_CASE_FIXTURE(LogFixture, "log_masks_any_bearer_token") {
  SPARK_LOGD("http", "> Authorization: Bearer abc.def-123\r\n> Host: x");
  REQUIRE(cap.lines.size() == 1);
  CHECK(cap.lines[0].second == "http: > Authorization: Bearer [redacted]\r\n> Host: x");
}

TEST_CASE_FIXTURE(LogFixture, "log_secret_straddling_the_line_limit_is_not_leaked_in_part") {
  const std::string key = "SECRETSECRETSECRETSECRETSECRET99";
  REQUIRE(log::add_secret(key).is_ok());
  for (size_t pad = log::kMaxLine - 40; pad < log::kMaxLine + 5; ++pad) {
    cap.lines.clear();
    std::string filler(pad, '.');
    SPARK_LOGI("x", "%s%s tail", filler.c_str(), key.c_str());
    REQUIRE(cap.lines.size() == 1);
    const std::string& line = cap.lines[0].second;
    CHECK(line.size() < log::kMaxLine);
    // No 8-character piece of the secret may survive.
    CHECK(line.find(key.substr(0, 8)) == std::string::npos);
  }
}

TEST_CASE_FIXTURE(LogFixture, "log_add_secret_rejects_bad_values") {
  CHECK(log::add_secret("").code() == Code::kInvalidArgument);
  CHECK(log::add_secret(std::string(log::kMaxSecretLen + 1, 'k')).code() == Code::kInvalidArgument);
  for (size_t i = 0; i < log::kMaxSecrets; ++i) {
    CHECK(log::add_secret("secret" + std::to_string(i)).is_ok());
  }
  CHECK(log::add_secret("one-too-many").code() == Code::kResourceExhausted);
}
