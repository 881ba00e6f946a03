// The directory camera on real folders under the test's temporary folder.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../image/image_fixtures.h"
#include "core/io.h"
#include "heap_meter.h"
#include "platform/linux/directory_camera.h"

using namespace spark;
using namespace spark::platform;

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    const char* base = std::getenv("SPARK_TEST_TMP");
    std::string t = std::string(base ? base : "/tmp") + "/dircam.XXXXXX";
    std::vector<char> buf(t.begin(), t.end());
    buf.push_back('\0');
    REQUIRE(::mkdtemp(buf.data()) != nullptr);
    path = buf.data();
  }
  ~TempDir() {
    if (std::system(("rm -rf '" + path + "'").c_str()) != 0) MESSAGE("could not remove " << path);
  }
  std::string put(const std::string& name, const std::vector<uint8_t>& bytes, time_t mtime = 0) {
    std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    if (mtime != 0) {
      struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
      ::utimensat(AT_FDCWD, p.c_str(), ts, 0);
    }
    return p;
  }
};

std::vector<uint8_t> jpeg(uint32_t seed) {
  return test::make_jpeg(test::noisy(160, 120, seed, 30));
}

std::vector<uint8_t> take(hal::Camera& cam, hal::ManualClock& clock) {
  GrowingSink sink(1 << 22);
  auto r = cam.capture(sink, hal::Deadline::after(clock, 1000));
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  CHECK(r->bytes == sink.bytes().size());
  return std::vector<uint8_t>(sink.bytes().begin(), sink.bytes().end());
}

}  // namespace

TEST_CASE("directory_camera_takes_the_newest_picture") {
  hal::ManualClock clock;
  TempDir dir;
  auto a = jpeg(1), b = jpeg(2), c = jpeg(3);
  dir.put("a.jpg", a, 1700000300);
  dir.put("b.JPEG", b, 1700000900);
  dir.put("c.jpg", c, 1700000100);
  dir.put("notes.txt", {'h', 'i'}, 1700009999);
  dir.put(".hidden.jpg", jpeg(4), 1700009999);
  DirectoryCamera cam(clock, {dir.path, DirectoryConfig::Pick::kNewest});
  CHECK(cam.name() == "folder " + dir.path);
  CHECK(cam.kind() == hal::CameraKind::kDirectory);
  CHECK(take(cam, clock) == b);
  CHECK(cam.last_file() == "b.JPEG");
  CHECK(take(cam, clock) == b);  // still the newest
  dir.put("d.jpg", c, 1700001000);
  CHECK(take(cam, clock) == c);
  CHECK(cam.last_file() == "d.jpg");
}

TEST_CASE("directory_camera_round_robin_goes_by_name_and_wraps") {
  hal::ManualClock clock;
  TempDir dir;
  auto a = jpeg(1), b = jpeg(2);
  auto png = test::make_png(test::noisy(40, 30, 5, 10));
  dir.put("2.jpg", b);
  dir.put("1.jpg", a);
  dir.put("3.png", png);
  DirectoryCamera cam(clock, {dir.path, DirectoryConfig::Pick::kNext});
  CHECK(take(cam, clock) == a);
  CHECK(take(cam, clock) == b);
  GrowingSink sink(1 << 20);
  auto r = cam.capture(sink, hal::Deadline::after(clock, 1000));
  REQUIRE(r.is_ok());
  CHECK(r->format == hal::FrameFormat::kPng);
  CHECK(std::vector<uint8_t>(sink.bytes().begin(), sink.bytes().end()) == png);
  CHECK(take(cam, clock) == a);  // wrapped
}

TEST_CASE("directory_camera_empty_and_missing_folders_are_not_found") {
  hal::ManualClock clock;
  TempDir dir;
  CountingSink sink;
  DirectoryCamera empty(clock, {dir.path, DirectoryConfig::Pick::kNewest});
  auto r = empty.capture(sink, hal::Deadline::after(clock, 1000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(std::string(r.status().message()) ==
        "no pictures (.jpg, .jpeg, .png) in folder " + dir.path);

  DirectoryCamera missing(clock, {dir.path + "/nope", DirectoryConfig::Pick::kNewest});
  r = missing.capture(sink, hal::Deadline::after(clock, 1000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(std::string(r.status().message()) == "picture folder " + dir.path + "/nope does not exist");
  CHECK(sink.count() == 0);
}

TEST_CASE("directory_camera_refuses_truncated_and_foreign_files_before_writing") {
  hal::ManualClock clock;
  TempDir dir;
  auto whole = jpeg(1);
  dir.put("cut.jpg", std::vector<uint8_t>(whole.begin(), whole.end() - 300));
  CountingSink sink;
  DirectoryCamera cam(clock, {dir.path, DirectoryConfig::Pick::kNewest});
  auto r = cam.capture(sink, hal::Deadline::after(clock, 1000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kDataLoss);
  CHECK(std::string(r.status().message()) ==
        dir.path + "/cut.jpg is a truncated JPEG (no end marker)");
  CHECK(sink.count() == 0);

  TempDir other;
  other.put("fake.png", std::vector<uint8_t>(100, 'x'));
  DirectoryCamera foreign(clock, {other.path, DirectoryConfig::Pick::kNewest});
  r = foreign.capture(sink, hal::Deadline::after(clock, 1000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(std::string(r.status().message()).find("is neither a JPEG nor a PNG") != std::string::npos);
}

TEST_CASE("directory_camera_zero_padded_jpeg_is_sent_without_the_padding") {
  hal::ManualClock clock;
  TempDir dir;
  auto a = jpeg(1);
  auto padded = a;
  padded.resize(a.size() + 40, 0);
  dir.put("padded.jpg", padded);
  DirectoryCamera cam(clock, {dir.path, DirectoryConfig::Pick::kNewest});
  CHECK(take(cam, clock) == a);
}

TEST_CASE("directory_camera_cap_and_heap") {
  hal::ManualClock clock;
  TempDir dir;
  auto big = test::make_jpeg(test::noisy(1280, 720, 9, 30));
  dir.put("big.jpg", big);
  CountingSink sink;
  DirectoryConfig capped{dir.path, DirectoryConfig::Pick::kNewest, 1000};
  DirectoryCamera small(clock, capped);
  auto r = small.capture(sink, hal::Deadline::after(clock, 1000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kResourceExhausted);

  DirectoryCamera cam(clock, {dir.path, DirectoryConfig::Pick::kNewest});
  REQUIRE(test::heap_meter_available());
  test::HeapScope scope;
  REQUIRE(cam.capture(sink, hal::Deadline::after(clock, 1000)).is_ok());
  size_t peak = scope.peak_above_start();
  MESSAGE("directory capture: peak heap " << peak << " bytes for a " << big.size() << "-byte file");
  CHECK(sink.count() == big.size());
  CHECK(big.size() > 100000);
  CHECK(peak < 64 * 1024 + 8192);  // the 64 KB copy buffer and the listing
}

TEST_CASE("directory_camera_past_the_deadline_writes_nothing") {
  hal::ManualClock clock(5000);
  TempDir dir;
  dir.put("a.jpg", jpeg(1));
  DirectoryCamera cam(clock, {dir.path, DirectoryConfig::Pick::kNewest});
  CountingSink sink;
  auto r = cam.capture(sink, hal::Deadline(4000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kDeadlineExceeded);
  CHECK(sink.count() == 0);
  CHECK(cam.last_file().empty());
}
