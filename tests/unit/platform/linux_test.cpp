#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "platform/linux/file_io.h"
#include "platform/linux/linux_clock.h"

using namespace spark;
using namespace spark::platform;

namespace {
std::string tmp_path(const std::string& name) {
  const char* dir = std::getenv("SPARK_TEST_TMP");
  return std::string(dir ? dir : "/tmp") + "/" + name + "." + std::to_string(getpid());
}
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
}  // namespace

TEST_CASE("monotonic_clock_advances_across_a_sleep") {
  MonotonicClock clock;
  uint64_t a = clock.now_ms();
  clock.sleep_ms(20);
  CHECK(clock.now_ms() - a >= 20);
  auto d = hal::Deadline::after(clock, 1000);
  CHECK_FALSE(d.expired(clock));
  CHECK(d.remaining_ms(clock) <= 1000);
}

TEST_CASE("manual_clock_deadline_expires_exactly") {
  hal::ManualClock clock(100);
  auto d = hal::Deadline::after(clock, 50);
  clock.advance_ms(49);
  CHECK(d.remaining_ms(clock) == 1);
  clock.sleep_ms(1);
  CHECK(d.expired(clock));
  CHECK(d.remaining_ms(clock) == 0);
  CHECK(hal::Deadline::never().remaining_ms(clock) == hal::Deadline::kNever);
  CHECK(d.min(hal::Deadline::never()).at_ms() == d.at_ms());
}

TEST_CASE("getrandom_entropy_fills_with_varied_bytes") {
  GetrandomEntropy e;
  uint8_t a[64] = {}, b[64] = {};
  REQUIRE(e.fill(MutBytes(a)).is_ok());
  REQUIRE(e.fill(MutBytes(b)).is_ok());
  CHECK(std::string(a, a + 64) != std::string(b, b + 64));
  std::set<uint8_t> distinct(a, a + 64);
  CHECK(distinct.size() > 20);
}

TEST_CASE("atomic_file_sink_commit_replaces_the_file_whole") {
  std::string path = tmp_path("atomic");
  { std::ofstream(path) << "old"; }
  {
    auto sink = AtomicFileSink::create(path, 0600);
    REQUIRE(sink.is_ok());
    REQUIRE(sink->write(as_bytes("new contents")).is_ok());
    CHECK(slurp(path) == "old");  // nothing visible before commit
    REQUIRE(sink->commit().is_ok());
    CHECK(access(sink->temp_path().c_str(), F_OK) != 0);
  }
  CHECK(slurp(path) == "new contents");
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  unlink(path.c_str());
}

TEST_CASE("atomic_file_sink_without_commit_leaves_no_file") {
  std::string path = tmp_path("abandoned");
  std::string temp;
  {
    auto sink = AtomicFileSink::create(path);
    REQUIRE(sink.is_ok());
    temp = sink->temp_path();
    REQUIRE(sink->write(as_bytes("partial")).is_ok());
  }
  CHECK(access(path.c_str(), F_OK) != 0);
  CHECK(access(temp.c_str(), F_OK) != 0);
}

TEST_CASE("file_source_reads_a_file_and_names_a_missing_one") {
  std::string path = tmp_path("source");
  { std::ofstream(path) << "0123456789"; }
  auto src = FileSource::open(path);
  REQUIRE(src.is_ok());
  CHECK(src->size().value() == 10);
  uint8_t buf[16];
  auto n = src->read(MutBytes(buf));
  REQUIRE(n.is_ok());
  CHECK(*n == 10);
  REQUIRE(src->rewind().is_ok());
  CHECK(*src->read(MutBytes(buf, 4)) == 4);
  unlink(path.c_str());

  auto missing = FileSource::open(path);
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(std::string(missing.status().message()).find(path) != std::string::npos);
  auto dir = FileSource::open("/");
  CHECK(dir.status().code() == Code::kInvalidArgument);
}

TEST_CASE("atomic_file_sink_removes_temps_of_dead_writers_only") {
  std::string path = tmp_path("stale");
  // pid 999999999 cannot exist (pid_max is at most 2^22); our own pid does.
  std::string dead = path + ".tmp-999999999";
  std::string alive = path + ".tmp-" + std::to_string(getppid());
  std::ofstream(dead) << "partial";
  std::ofstream(alive) << "someone else writing";
  {
    auto sink = AtomicFileSink::create(path);
    REQUIRE(sink.is_ok());
  }
  CHECK(access(dead.c_str(), F_OK) != 0);
  CHECK(access(alive.c_str(), F_OK) == 0);
  unlink(alive.c_str());
}

// issue 12, security 2: the temporary name was "<path>.tmp-<pid>", opened
// with O_CREAT|O_TRUNC: a symbolic link planted there made the write land in
// (and truncate) whatever file it pointed at.
TEST_CASE("atomic_file_sink_never_writes_through_a_planted_symlink") {
  std::string path = tmp_path("planted");
  std::string victim = tmp_path("victim");
  std::ofstream(victim) << "precious";
  std::string guessed = path + ".tmp-" + std::to_string(getpid());
  unlink(guessed.c_str());
  REQUIRE(symlink(victim.c_str(), guessed.c_str()) == 0);
  {
    auto sink = AtomicFileSink::create(path);
    REQUIRE(sink.is_ok());
    CHECK(sink->temp_path() != guessed);
    REQUIRE(sink->write(as_bytes("the result")).is_ok());
    REQUIRE(sink->commit().is_ok());
  }
  CHECK(slurp(victim) == "precious");
  CHECK(slurp(path) == "the result");
  // The final name is replaced, not followed, when it is a symbolic link.
  unlink(path.c_str());
  REQUIRE(symlink(victim.c_str(), path.c_str()) == 0);
  {
    auto sink = AtomicFileSink::create(path);
    REQUIRE(sink.is_ok());
    REQUIRE(sink->write(as_bytes("second")).is_ok());
    REQUIRE(sink->commit().is_ok());
  }
  struct stat st {};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK(slurp(victim) == "precious");
  unlink(guessed.c_str());
  unlink(path.c_str());
  unlink(victim.c_str());
}

TEST_CASE("atomic_file_sink_temp_names_are_unpredictable_and_exclusive") {
  std::string path = tmp_path("twice");
  auto a = AtomicFileSink::create(path);
  auto b = AtomicFileSink::create(path);
  REQUIRE(a.is_ok());
  REQUIRE(b.is_ok());
  CHECK(a->temp_path() != b->temp_path());  // the second did not truncate the first
  const std::string prefix = path + ".tmp-" + std::to_string(getpid()) + ".";
  REQUIRE(a->temp_path().size() == prefix.size() + 16);
  CHECK(a->temp_path().compare(0, prefix.size(), prefix) == 0);
  REQUIRE(a->write(as_bytes("from a")).is_ok());
  REQUIRE(b->write(as_bytes("from b")).is_ok());
  REQUIRE(a->commit().is_ok());
  CHECK(slurp(path) == "from a");
  unlink(path.c_str());
}

TEST_CASE("atomic_file_sink_removes_random_named_temps_of_dead_writers") {
  std::string path = tmp_path("stale2");
  std::string dead = path + ".tmp-999999999.0123456789abcdef";
  std::string alive = path + ".tmp-" + std::to_string(getppid()) + ".0123456789abcdef";
  std::string other = path + ".tmp-999999999.not-ours";
  std::ofstream(dead) << "partial";
  std::ofstream(alive) << "someone else writing";
  std::ofstream(other) << "not a temp name of ours";
  {
    auto sink = AtomicFileSink::create(path);
    REQUIRE(sink.is_ok());
  }
  CHECK(access(dead.c_str(), F_OK) != 0);
  CHECK(access(alive.c_str(), F_OK) == 0);
  CHECK(access(other.c_str(), F_OK) == 0);
  unlink(alive.c_str());
  unlink(other.c_str());
}
