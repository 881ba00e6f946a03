// app::Controller scenarios on the real drivers: the GPIO button, the GPIO
// LED and the framebuffer run against FakeIoKernel (the kernel's side of
// their system calls, on a ManualClock), the camera is a real folder of
// JPEGs, the journal and files are real, and the service is the scripted
// api::Service of the offline job tests (fake_service.h). Presses are GPIO
// edges at given times; every scenario ends when the chip is unplugged.
// The same scenarios against spark-sim and the real program run in
// tests/cli/test_sparkcam.py.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../image/image_fixtures.h"
#include "../job/fake_service.h"
#include "../platform/fake_io_kernel.h"
#include "app/controller.h"
#include "app/state_dir.h"
#include "core/log.h"
#include "platform/linux/dir_storage.h"
#include "platform/linux/file_io.h"
#include "platform/linux/kiosk_devices.h"
#include "platform/linux/linux_clock.h"

using namespace spark;
using api::TaskState;
using spark::testing::FakeIoKernel;
using test::task;

namespace {

std::string fresh_state(const std::string& name) {
  const char* base = std::getenv("SPARK_TEST_TMP");
  std::string dir =
      std::string(base ? base : "/tmp") + "/kiosk." + name + "." + std::to_string(getpid());
  std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "/camera'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  REQUIRE(app::open_state_dir(dir).is_ok());
  return dir;
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

test::Picture solid(uint32_t w, uint32_t h, test::Rgb c) {
  test::Picture p;
  p.width = w;
  p.height = h;
  p.rgb.resize(size_t{w} * h * 3);
  for (size_t i = 0; i < p.rgb.size(); i += 3) {
    p.rgb[i] = c.r;
    p.rgb[i + 1] = c.g;
    p.rgb[i + 2] = c.b;
  }
  return p;
}

const test::Rgb kPhoto{40, 90, 220};    // what the camera sees: blue
const test::Rgb kEdited{230, 30, 210};  // what the service sends back: magenta

std::string edited_jpeg() {
  auto v = test::make_jpeg(solid(1024, 768, kEdited));
  return std::string(v.begin(), v.end());
}

std::vector<std::string>* g_log = nullptr;
void keep_line(log::Level, const char* line, void*) {
  if (g_log) g_log->emplace_back(line);
}

struct Kiosk {
  std::string dir;
  hal::ManualClock clock{1000, 1795996800};
  FakeIoKernel k{clock};
  FakeIoKernel::GpioChip* chip = nullptr;
  FakeIoKernel::Framebuffer* fb = nullptr;
  platform::GetrandomEntropy ids;
  test::HalfEntropy jitter;
  platform::DirStorage storage;
  job::Journal journal{storage, clock, ids};
  platform::PosixFileSystem files;
  test::FakeService api{clock};
  app::Config config;
  std::vector<std::string> log_lines;

  explicit Kiosk(const std::string& name, bool with_display = true)
      : dir(fresh_state(name)),
        storage(std::move(platform::DirStorage::open(dir + "/journal")).value()) {
    std::vector<std::string> names;
    for (int i = 0; i < 28; ++i) names.push_back("GPIO" + std::to_string(i));
    chip = &k.add_gpiochip("gpiochip0", "pinctrl-rp1", names);
    if (with_display) fb = &k.add_framebuffer("fb0", 800, 480, 32, 3200, 480);
    config.camera.kind = app::CameraSettings::Kind::kDir;
    config.camera.dir = dir + "/camera";
    config.led.kind = app::LedSettings::Kind::kGpio;
    config.presets.push_back({"Sunset", "make the sky a sunset orange", 0.5, 1});
    config.presets.push_back({"Oil painting", "repaint as an oil painting", 0.5, 2});
    write_file(dir + "/camera/photo.jpg", test::make_jpeg(solid(1600, 1200, kPhoto)));
    g_log = &log_lines;
    log::set_sink(keep_line, nullptr);
  }
  ~Kiosk() {
    log::reset_sink();
    g_log = nullptr;
  }

  // A press of the edit button (GPIO17, active low) at `at`, held `ms`.
  void press(uint64_t at, uint64_t ms = 100) {
    chip->lines[17].edges.push_back({at, false});
    chip->lines[17].edges.push_back({at + ms, true});
  }
  void completes(const char* id = "t1") {
    api.polls.push_back(task(id, TaskState::kCompleted, "https://cdn.example/r.jpg", {}, "0.03"));
    api.downloads.push_back(test::result(edited_jpeg()));
  }
  // Pixels of the framebuffer (XRGB8888: B, G, R, X) near colour c.
  size_t pixels_like(test::Rgb c) const {
    size_t n = 0;
    for (size_t i = 0; i + 3 < fb->memory.size(); i += 4) {
      if (std::abs(fb->memory[i + 2] - c.r) < 30 && std::abs(fb->memory[i + 1] - c.g) < 30 &&
          std::abs(fb->memory[i] - c.b) < 30) {
        ++n;
      }
    }
    return n;
  }
  bool logged(const std::string& part) const {
    for (const auto& l : log_lines) {
      if (l.find(part) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<job::JournalEntry> unfinished() {
    std::vector<job::JournalEntry> v;
    REQUIRE(journal.unfinished(&v).is_ok());
    return v;
  }
};

// The controller on the kiosk's devices, until the chip goes away at end_ms.
struct Run {
  Kiosk& kiosk;
  platform::KioskHardware hw;
  app::Edits edits;
  std::unique_ptr<app::Controller> c;
  size_t idle_pixels_like_result = 0;

  app::KioskSettings settings;

  explicit Run(Kiosk& k)
      : kiosk(k),
        hw(k.k, k.clock),
        edits(k.api, k.journal, k.clock, k.jitter, k.files, k.dir, "https://127.0.0.1:1") {
    REQUIRE(platform::open_kiosk_hardware(k.config, k.k, k.clock, hw).is_ok());
    for (const auto& p : k.config.presets) settings.presets.push_back({p.name, p.prompt, p.scale});
    settings.photos_dir = k.dir + "/photos";
    settings.result_show_s = 5;
    settings.error_show_s = 3;
  }
  Status until(uint64_t end_ms) {
    kiosk.chip->unplug_at_ms = end_ms;
    app::KioskDevices d{*hw.camera,   hw.button(),      kiosk.clock,
                        hw.led.get(), hw.display.get(), nullptr};
    c = std::make_unique<app::Controller>(d, edits, settings);
    Status s = c->start();
    if (!s.is_ok()) return s;
    if (kiosk.fb) idle_pixels_like_result = kiosk.pixels_like(kEdited);
    return c->run();
  }
};

}  // namespace

TEST_CASE("kiosk_press_shows_the_result_on_the_framebuffer") {
  Kiosk k("press");
  k.api.creates.push_back(task("t1"));
  k.completes();
  k.press(2000);
  Run r(k);
  Status end = r.until(8000);  // done at ~4.2 s (the first poll is 2 s after the create); shown 5 s
  CHECK(end.code() == Code::kUnavailable);  // the chip went away: the loop stops with it
  CHECK(r.idle_pixels_like_result == 0);
  CHECK(r.c->screen() == ui::ScreenKind::kResult);
  CHECK(r.c->last_outcome().state == job::State::kDone);
  // The result's pixels are on the screen: a fair part of 800x480.
  CHECK(k.pixels_like(kEdited) > 800 * 480 / 10);
  CHECK(k.pixels_like(kPhoto) > 800 * 480 / 20);  // and the original beside it
  CHECK(k.api.create_calls == 1);
  CHECK(k.api.unscripted == 0);
  CHECK(k.unfinished().empty());
  CHECK(access(r.c->last_result_path().c_str(), F_OK) == 0);
  CHECK(r.c->last_result_path().find(k.dir + "/photos/") == 0);
  // The LED followed the states: blinking while editing, then steady.
  CHECK(k.chip->lines[27].output_log.size() >= 3);
  CHECK(k.logged("screen: uploading"));
  CHECK(k.logged("screen: editing"));
}

TEST_CASE("kiosk_result_screen_returns_to_idle_after_its_time") {
  Kiosk k("timeout");
  k.api.creates.push_back(task("t1"));
  k.completes();
  k.press(2000);
  Run r(k);
  CHECK(r.until(20000).code() == Code::kUnavailable);
  CHECK(r.c->screen() == ui::ScreenKind::kIdle);
  // The idle screen shows the last result as its thumbnail.
  CHECK(k.pixels_like(kEdited) > 1000);
}

TEST_CASE("kiosk_long_press_goes_to_the_next_preset_without_an_edit") {
  Kiosk k("long");
  k.press(2000, 2000);  // held 2 s: past the 1.5 s long press
  k.press(5000, 1800);
  k.press(8000, 1700);
  Run r(k);
  CHECK(r.until(11000).code() == Code::kUnavailable);
  CHECK(r.c->preset_index() == 1);  // 0 -> 1 -> 0 -> 1
  CHECK(r.c->edits_started() == 0);
  CHECK(k.api.create_calls == 0);
  CHECK(k.logged("preset 2/2: Oil painting"));
}

TEST_CASE("kiosk_press_during_an_edit_cancels_it_and_the_next_start_resumes_without_paying") {
  Kiosk k("cancel");
  k.api.creates.push_back(task("t1"));
  for (int i = 0; i < 20; ++i) {  // polls that take a while each: the edit runs on
    auto s = task("t1");
    s.takes_ms = 500;
    k.api.polls.push_back(s);
  }
  k.press(2000);
  k.press(9000);  // during the polls
  {
    Run r(k);
    CHECK(r.until(12000).code() == Code::kUnavailable);
    CHECK(r.c->last_outcome().state == job::State::kCancelled);
    CHECK(r.c->screen() == ui::ScreenKind::kIdle);  // the cancelling press started nothing
    CHECK(r.c->edits_started() == 1);
  }
  CHECK(k.api.create_calls == 1);
  auto open = k.unfinished();
  REQUIRE(open.size() == 1);
  CHECK(open[0].task_id == "t1");  // the journal keeps the paid task

  // Restart: the task is polled (not created again) and its result shown.
  k.api.polls.clear();
  k.completes();
  k.chip->lines[17].edges.clear();
  k.chip->unplug_at_ms = UINT64_MAX;
  Run again(k);
  CHECK(again.until(k.clock.now_ms() + 4000).code() == Code::kUnavailable);
  CHECK(again.c->screen() == ui::ScreenKind::kResult);
  CHECK(k.api.create_calls == 1);
  CHECK(k.pixels_like(kEdited) > 800 * 480 / 10);
  CHECK(k.unfinished().empty());
}

TEST_CASE("kiosk_camera_failure_shows_an_error_and_the_next_press_works") {
  Kiosk k("camera");
  REQUIRE(unlink((k.dir + "/camera/photo.jpg").c_str()) == 0);  // an empty folder
  k.press(2000);
  Run r(k);
  CHECK(r.until(3000).code() == Code::kUnavailable);
  CHECK(r.c->screen() == ui::ScreenKind::kError);
  CHECK(r.c->last_error().find("Camera: ") == 0);
  CHECK(k.api.create_calls == 0);

  // The photo is back: the next press edits.
  write_file(k.dir + "/camera/photo.jpg", test::make_jpeg(solid(1600, 1200, kPhoto)));
  k.api.creates.push_back(task("t2"));
  k.completes("t2");
  k.chip->lines[17].edges.clear();
  k.press(k.clock.now_ms() + 500);
  k.chip->unplug_at_ms = UINT64_MAX;
  Run again(k);
  CHECK(again.until(k.clock.now_ms() + 3000).code() == Code::kUnavailable);
  CHECK(again.c->screen() == ui::ScreenKind::kResult);
  CHECK(k.api.create_calls == 1);
}

TEST_CASE("kiosk_service_failure_shows_the_cause_and_a_hint") {
  Kiosk k("failure");
  k.api.creates.push_back(test::http_error(api::Phase::kCreate, 401));
  k.press(2000);
  Run r(k);
  CHECK(r.until(3000).code() == Code::kUnavailable);
  CHECK(r.c->screen() == ui::ScreenKind::kError);
  CHECK(std::string(app::hint_for(r.c->last_outcome())).find("API key") != std::string::npos);
  CHECK(k.pixels_like({0xe5, 0x5b, 0x55}) > 0);  // the error colour is on screen
}

TEST_CASE("kiosk_without_a_display_runs_headless_and_says_so") {
  Kiosk k("headless", /*with_display=*/false);
  k.api.creates.push_back(task("t1"));
  k.completes();
  k.press(2000);
  Run r(k);
  CHECK(r.hw.display == nullptr);
  CHECK(k.logged("display /dev/fb0: "));
  CHECK(k.logged("running headless"));
  CHECK(r.until(8000).code() == Code::kUnavailable);
  CHECK(r.c->screen() == ui::ScreenKind::kResult);
  CHECK(k.logged("screen: result "));
  CHECK(k.api.create_calls == 1);
}

TEST_CASE("kiosk_keeps_only_keep_count_results") {
  Kiosk k("keep");
  for (int i = 0; i < 3; ++i) {
    k.api.creates.push_back(task(("t" + std::to_string(i)).c_str()));
    k.completes(("t" + std::to_string(i)).c_str());
    k.press(2000 + uint64_t(i) * 10000);
  }
  Run r(k);
  r.settings.keep_count = 2;
  CHECK(r.until(35000).code() == Code::kUnavailable);
  CHECK(r.c->edits_started() == 3);
  CHECK(k.api.create_calls == 3);
  // Two pairs (photo and result) are left: the oldest pair went.
  std::string cmd = "test $(ls '" + k.dir + "/photos' | wc -l) -eq 4";
  CHECK(std::system(cmd.c_str()) == 0);
  CHECK(k.logged("(keep_count 2)"));
}

TEST_CASE("kiosk_without_keep_results_removes_the_pictures_after_showing_them") {
  Kiosk k("nokeep");
  k.api.creates.push_back(task("t1"));
  k.completes();
  k.press(2000);
  Run r(k);
  r.settings.keep_results = false;
  CHECK(r.until(15000).code() == Code::kUnavailable);
  CHECK(r.c->screen() == ui::ScreenKind::kIdle);
  std::string cmd = "test $(ls '" + k.dir + "/photos' | wc -l) -eq 0";
  CHECK(std::system(cmd.c_str()) == 0);
}
