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
