// The command camera with real child processes (/bin/sh, cat, sleep).
#include <doctest/doctest.h>

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../image/image_fixtures.h"
#include "core/io.h"
#include "heap_meter.h"
#include "platform/linux/command_camera.h"
#include "platform/linux/linux_clock.h"

using namespace spark;
using namespace spark::platform;

namespace {

std::string tmp_path(const std::string& name) {
  const char* dir = std::getenv("SPARK_TEST_TMP");
  return std::string(dir ? dir : "/tmp") + "/cmdcam-" + name + "." + std::to_string(getpid());
}

std::vector<uint8_t> write_jpeg(const std::string& path, uint32_t w = 320, uint32_t h = 240) {
  auto jpeg = test::make_jpeg(test::noisy(w, h, 7, 30));
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(jpeg.data()), static_cast<std::streamsize>(jpeg.size()));
  return jpeg;
}

CommandConfig sh(const std::string& script) {
  CommandConfig c;
  c.argv = {"/bin/sh", "-c", script};
  return c;
}

pid_t read_pid(const std::string& path) {
  std::ifstream f(path);
  long pid = 0;
  f >> pid;
  return static_cast<pid_t>(pid);
}

// True once the process is gone and reaped (a zombie still answers kill 0).
bool process_gone(pid_t pid) {
  return pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH;
}

}  // namespace

TEST_CASE("command_camera_streams_the_programs_stdout_into_the_sink") {
  MonotonicClock clock;
  std::string file = tmp_path("photo.jpg");
  auto jpeg = write_jpeg(file);
  CommandCamera camera(clock, sh("cat '" + file + "'"));
  CHECK(camera.name() == "sh");
  CHECK(camera.kind() == hal::CameraKind::kCommand);
  GrowingSink sink(1 << 20);
  auto r = camera.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  CHECK(r->bytes == jpeg.size());
  CHECK(std::vector<uint8_t>(sink.bytes().begin(), sink.bytes().end()) == jpeg);
  ::unlink(file.c_str());
}

TEST_CASE("command_camera_argv_is_not_run_through_a_shell") {
  MonotonicClock clock;
  std::string file = tmp_path("photo with space;$x.jpg");
  auto jpeg = write_jpeg(file);
  CommandConfig c;
  c.argv = {"cat", file};  // one argument, found in PATH, nothing interpreted
  CommandCamera camera(clock, c);
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  CHECK(sink.count() == jpeg.size());
  ::unlink(file.c_str());
}

TEST_CASE("command_camera_kills_and_reaps_a_program_at_the_deadline") {
  MonotonicClock clock;
  std::string pidfile = tmp_path("sleeper.pid");
  CommandCamera camera(clock, sh("echo $$ > '" + pidfile + "'; exec sleep 30"));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 400));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kDeadlineExceeded);
  CHECK(std::string(r.status().message()) ==
        "sh gave no picture in time (stopped it after 0 bytes)");
  pid_t pid = read_pid(pidfile);
  REQUIRE(pid > 0);
  CHECK(process_gone(pid));
  ::unlink(pidfile.c_str());
}

TEST_CASE("command_camera_sigkills_a_program_that_ignores_sigterm") {
  MonotonicClock clock;
  std::string pidfile = tmp_path("stubborn.pid");
  CommandConfig c = sh("trap '' TERM; echo $$ > '" + pidfile + "'; exec sleep 30");
  c.term_grace_ms = 100;
  CommandCamera camera(clock, c);
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 400));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kDeadlineExceeded);
  pid_t pid = read_pid(pidfile);
  REQUIRE(pid > 0);
  CHECK(process_gone(pid));
  ::unlink(pidfile.c_str());
}

TEST_CASE("command_camera_reports_a_failed_program_with_its_stderr") {
  MonotonicClock clock;
  CommandCamera camera(clock, sh("echo 'Preview window unavailable' >&2; "
                                 "echo 'ERROR: *** no cameras available ***' >&2; exit 1"));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(std::string(r.status().message()) ==
        "sh failed with exit status 1: ERROR: *** no cameras available ***");
  CHECK(camera.stderr_tail() ==
        "Preview window unavailable\nERROR: *** no cameras available ***\n");
}

TEST_CASE("command_camera_keeps_only_the_last_512_bytes_of_stderr") {
  MonotonicClock clock;
  CommandCamera camera(clock, sh("i=0; while [ $i -lt 200 ]; do echo \"noise line $i\" >&2; "
                                 "i=$((i+1)); done; echo 'the real cause' >&2; exit 3"));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(std::string(r.status().message()) == "sh failed with exit status 3: the real cause");
  CHECK(camera.stderr_tail().size() == 512);
  CHECK(camera.stderr_tail().find("noise line 199\nthe real cause\n") != std::string::npos);
}

TEST_CASE("command_camera_reports_a_program_killed_by_a_signal") {
  MonotonicClock clock;
  CommandCamera camera(clock, sh("kill -SEGV $$"));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(std::string(r.status().message()).find("killed by signal 11") != std::string::npos);
}

TEST_CASE("command_camera_stops_a_program_writing_past_the_cap") {
  MonotonicClock clock;
  std::string file = tmp_path("big.jpg");
  auto jpeg = write_jpeg(file);
  std::string pidfile = tmp_path("big.pid");
  CommandConfig c = sh("echo $$ > '" + pidfile + "'; while true; do cat '" + file + "'; done");
  c.max_bytes = jpeg.size() * 3;
  CommandCamera camera(clock, c);
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kResourceExhausted);
  CHECK(std::string(r.status().message()).find("wrote more than " + std::to_string(c.max_bytes)) !=
        std::string::npos);
  CHECK(sink.count() <= c.max_bytes);
  CHECK(process_gone(read_pid(pidfile)));
  ::unlink(file.c_str());
  ::unlink(pidfile.c_str());
}

TEST_CASE("command_camera_refuses_output_that_is_not_a_whole_jpeg") {
  MonotonicClock clock;
  std::string file = tmp_path("cut.jpg");
  auto jpeg = write_jpeg(file);
  CountingSink sink;

  CommandCamera text(clock, sh("echo hello"));
  auto r = text.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kDataLoss);
  CHECK(std::string(r.status().message()) == "sh's output is not a JPEG (6 bytes)");

  CommandCamera cut(clock, sh("head -c " + std::to_string(jpeg.size() - 500) + " '" + file + "'"));
  r = cut.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kDataLoss);
  CHECK(std::string(r.status().message()).find("truncated JPEG") != std::string::npos);

  CommandCamera nothing(clock, sh("true"));
  r = nothing.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(std::string(r.status().message()) == "sh wrote nothing to its output (is '-o -' set?)");
  ::unlink(file.c_str());
}

TEST_CASE("command_camera_missing_program_is_not_found") {
  MonotonicClock clock;
  CommandConfig c;
  c.argv = {"rpicam-still-not-installed-here", "-o", "-"};
  CommandCamera camera(clock, c);
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 10000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(std::string(r.status().message()).find("'rpicam-still-not-installed-here' not found") !=
        std::string::npos);
}

TEST_CASE("command_camera_heap_holds_no_frame") {
  MonotonicClock clock;
  std::string file = tmp_path("heap.jpg");
  auto jpeg = write_jpeg(file, 1280, 720);
  CommandCamera camera(clock, sh("cat '" + file + "'"));
  CountingSink sink;
  REQUIRE(test::heap_meter_available());
  test::HeapScope scope;
  REQUIRE(camera.capture(sink, hal::Deadline::after(clock, 10000)).is_ok());
  size_t peak = scope.peak_above_start();
  MESSAGE("command capture: peak heap " << peak << " bytes for a " << jpeg.size() << "-byte frame");
  CHECK(sink.count() == jpeg.size());
  CHECK(jpeg.size() > 100000);
  CHECK(peak < 16384);
  ::unlink(file.c_str());
}

TEST_CASE("split_command_line_splits_words_and_quotes_without_a_shell") {
  auto r = split_command_line("rpicam-still -n -t 1  -e jpg -o -");
  REQUIRE(r.is_ok());
  CHECK(*r == std::vector<std::string>{"rpicam-still", "-n", "-t", "1", "-e", "jpg", "-o", "-"});
  r = split_command_line(R"(cat 'a b;$x' "c \"d\" \\e" f\ g '')");
  REQUIRE(r.is_ok());
  CHECK(*r == std::vector<std::string>{"cat", "a b;$x", "c \"d\" \\e", "f g", ""});
  CHECK(split_command_line("cat 'open").status().code() == Code::kInvalidArgument);
  CHECK(split_command_line("cat \"open").status().code() == Code::kInvalidArgument);
  CHECK(split_command_line("   ").status().code() == Code::kInvalidArgument);
}
