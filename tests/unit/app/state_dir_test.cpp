// issue 12, security 1: the state directory and the journal are trusted
// only as far as the rules in app/state_dir.h allow.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "app/state_dir.h"
#include "platform/linux/private_dir.h"

using namespace spark;

namespace {
std::string scratch(const char* name) {
  const char* dir = std::getenv("SPARK_TEST_TMP");
  std::string p = std::string(dir ? dir : "/tmp") + "/" + name + "." + std::to_string(getpid());
  std::string clean = "rm -rf '" + p + "'";
  REQUIRE(std::system(clean.c_str()) == 0);
  return p;
}

// Sets or clears the variables resolve_state_dir reads, restoring them after.
struct Env {
  const char* names[4] = {"SPARK_STATE_DIR", "STATE_DIRECTORY", "HOME", "PWD"};
  std::string saved[4];
  bool had[4] = {};
  Env() {
    for (int i = 0; i < 4; ++i) {
      const char* v = std::getenv(names[i]);
      had[i] = v != nullptr;
      if (v) saved[i] = v;
      if (i < 3) unsetenv(names[i]);
    }
  }
  ~Env() {
    for (int i = 0; i < 3; ++i) {
      if (had[i])
        setenv(names[i], saved[i].c_str(), 1);
      else
        unsetenv(names[i]);
    }
  }
};

job::JournalEntry good_entry(const std::string& state) {
  job::JournalEntry e;
  e.job_id = "j1";
  e.image_path = state + "/prepared/1700000000-42.jpg";
  e.output_path = "/home/me/photo.edited.jpg";
  e.task_id = "5xtuz61420qxokugbzam";
  e.url = "https://cdn.example/result.jpg";
  return e;
}
}  // namespace

TEST_CASE("state_dir_comes_from_the_flag_then_the_environment_and_never_from_tmp") {
  Env env;
  auto none = app::resolve_state_dir("");
  REQUIRE_FALSE(none.is_ok());
  CHECK(none.status().code() == Code::kInvalidArgument);
  CHECK(std::string(none.status().message()).find("HOME") != std::string::npos);

  setenv("HOME", "/home/me", 1);
  CHECK(*app::resolve_state_dir("") == "/home/me/.local/state/sparkcam");
  setenv("STATE_DIRECTORY", "/var/lib/sparkcam:/var/lib/other", 1);
  CHECK(*app::resolve_state_dir("") == "/var/lib/sparkcam");
  setenv("SPARK_STATE_DIR", "/srv/state/", 1);
  CHECK(*app::resolve_state_dir("") == "/srv/state");
  CHECK(*app::resolve_state_dir("/opt/s") == "/opt/s");
  char cwd[4096];
  REQUIRE(getcwd(cwd, sizeof cwd));
  CHECK(*app::resolve_state_dir("rel") == std::string(cwd) + "/rel");
}

TEST_CASE("private_dir_is_created_0700_with_its_parents") {
  std::string base = scratch("private");
  std::string dir = base + "/a/b/state";
  REQUIRE(platform::ensure_private_dir(dir).is_ok());
  for (const std::string& p : {base + "/a", base + "/a/b", dir}) {
    struct stat st {};
    REQUIRE(lstat(p.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
  }
  CHECK(platform::ensure_private_dir(dir).is_ok());  // again: fine
  CHECK(platform::ensure_private_dir("relative/dir").code() == Code::kInvalidArgument);
}

TEST_CASE("private_dir_writable_by_others_a_symlink_or_a_file_is_refused") {
  std::string base = scratch("unsafe");
  std::string dir = base + "/state";
  REQUIRE(platform::ensure_private_dir(dir).is_ok());
  REQUIRE(chmod(dir.c_str(), 0777) == 0);
  Status open = platform::ensure_private_dir(dir);
  CHECK(open.code() == Code::kFailedPrecondition);
  CHECK(std::string(open.message()).find("chmod 700 " + dir) != std::string::npos);
  REQUIRE(chmod(dir.c_str(), 0770) == 0);
  CHECK(platform::ensure_private_dir(dir).code() == Code::kFailedPrecondition);
  REQUIRE(chmod(dir.c_str(), 0755) == 0);
  CHECK(platform::ensure_private_dir(dir).is_ok());  // readable is fine, writable is not

  std::string link = base + "/link";
  REQUIRE(symlink(dir.c_str(), link.c_str()) == 0);
  Status linked = platform::ensure_private_dir(link);
  CHECK(linked.code() == Code::kFailedPrecondition);
  CHECK(std::string(linked.message()).find("symbolic link") != std::string::npos);

  std::string file = base + "/file";
  REQUIRE(std::system(("touch '" + file + "'").c_str()) == 0);
  CHECK(platform::ensure_private_dir(file).code() == Code::kFailedPrecondition);
}

TEST_CASE("private_dir_of_another_user_is_refused") {
  if (geteuid() != 0) {
    MESSAGE("needs root to make a directory another user owns; not checked here");
    return;
  }
  std::string dir = scratch("foreign");
  REQUIRE(mkdir(dir.c_str(), 0700) == 0);
  REQUIRE(chown(dir.c_str(), 65534, 65534) == 0);
  Status s = platform::ensure_private_dir(dir);
  CHECK(s.code() == Code::kFailedPrecondition);
  CHECK(std::string(s.message()).find("owned by uid 65534") != std::string::npos);
}

TEST_CASE("journal_entry_paths_are_checked_before_use") {
  const std::string state = "/home/me/.local/state/sparkcam";
  CHECK(app::check_journal_entry(good_entry(state), state).is_ok());
  auto refused = [&](void (*spoil)(job::JournalEntry&), const char* word) {
    job::JournalEntry e = good_entry(state);
    spoil(e);
    Status s = app::check_journal_entry(e, state);
    CHECK(s.code() == Code::kFailedPrecondition);
    CHECK(std::string(s.message()).find(word) != std::string::npos);
  };
  refused([](job::JournalEntry& e) { e.image_path = "/home/me/.ssh/id_ed25519"; }, "prepared");
  refused([](job::JournalEntry& e) { e.image_path += "/../../journal/job-x.json"; }, "prepared");
  refused(
      [](job::JournalEntry& e) { e.image_path = "/home/me/.local/state/sparkcam/prepared/../key"; },
      "prepared");
  refused([](job::JournalEntry& e) { e.output_path = "photo.jpg"; }, "output");
  refused([](job::JournalEntry& e) { e.output_path = "/home/me/../other/.bashrc"; }, "output");
  refused([](job::JournalEntry& e) { e.output_path = "/home/me/./x.jpg"; }, "output");
  refused([](job::JournalEntry& e) { e.output_path = ""; }, "output");
  refused([](job::JournalEntry& e) { e.task_id = "../../admin"; }, "task id");
  refused([](job::JournalEntry& e) { e.task_id = "a?b"; }, "task id");
  refused([](job::JournalEntry& e) { e.url = "http://cdn.example/x.jpg"; }, "https");
  refused([](job::JournalEntry& e) { e.url = "file:///etc/passwd"; }, "https");
  job::JournalEntry intent = good_entry(state);
  intent.task_id.clear();
  intent.url.clear();
  CHECK(app::check_journal_entry(intent, state).is_ok());
}
