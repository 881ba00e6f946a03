// sparkcam-probe's buttons / press / displays / led subcommands, against the
// played kernel (and, for displays, this machine's real /dev).
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fake_io_kernel.h"
#include "io_cmds.h"
#include "platform/linux/linux_clock.h"

using namespace spark;
using spark::testing::FakeIoKernel;

namespace {

struct Run {
  int code = -1;
  std::string out, err;
};

template <class Fn>
Run run(platform::Sys& sys, hal::Clock& clock, Fn fn, std::vector<std::string> args) {
  char* obuf = nullptr;
  char* ebuf = nullptr;
  size_t olen = 0, elen = 0;
  FILE* out = open_memstream(&obuf, &olen);
  FILE* err = open_memstream(&ebuf, &elen);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  Run r;
  r.code = fn(probe::Io{sys, clock, out, err}, static_cast<int>(argv.size()), argv.data());
  std::fclose(out);
  std::fclose(err);
  r.out.assign(obuf, olen);
  r.err.assign(ebuf, elen);
  std::free(obuf);
  std::free(ebuf);
  return r;
}

bool has(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

std::vector<std::string> names() {
  std::vector<std::string> n;
  for (int i = 0; i < 28; ++i) n.push_back("GPIO" + std::to_string(i));
  return n;
}

}  // namespace

TEST_CASE("probe_every_io_command_has_help") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  for (auto fn : {probe::run_buttons, probe::run_press, probe::run_displays, probe::run_led}) {
    Run r = run(k, clock, fn, {"x", "--help"});
    CHECK(r.code == 0);
    CHECK(has(r.out, "usage: sparkcam-probe"));
    Run bad = run(k, clock, fn, {"x", "--bogus"});
    CHECK(bad.code == 2);
    CHECK(has(bad.err, "unknown option: --bogus"));
  }
}

TEST_CASE("probe_displays_lists_geometry_or_says_there_is_no_framebuffer") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  Run none = run(k, clock, probe::run_displays, {"displays"});
  CHECK(none.code == 3);
  CHECK(has(none.err, "no framebuffer (/dev/fb0 missing)"));
  k.add_framebuffer("fb0", 800, 480, 16, 1664, 960);
  Run r = run(k, clock, probe::run_displays, {"displays"});
  CHECK(r.code == 0);
  CHECK(has(r.out, "/dev/fb0  fakefb  800x480  16 bpp  stride 1664 bytes  pan yes"));
  CHECK(k.open_fds() == 0);
}

TEST_CASE("probe_displays_on_the_real_kernel_lists_fb0_or_explains_its_absence") {
  hal::ManualClock clock;
  Run r = run(platform::real_sys(), clock, probe::run_displays, {"displays"});
  if (access("/dev/fb0", F_OK) != 0) {  // this build machine: no display
    CHECK(r.code == 3);
    CHECK(has(r.err, "no framebuffer (/dev/fb0 missing)"));
  } else {
    CHECK(r.code == 0);
    CHECK(has(r.out, "/dev/fb0"));
  }
}

TEST_CASE("probe_buttons_lists_chips_lines_and_input_devices") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  Run none = run(k, clock, probe::run_buttons, {"buttons"});
  CHECK(none.code == 3);
  CHECK(has(none.out, "none (no /dev/gpiochip*"));
  auto& chip = k.add_gpiochip("gpiochip0", "pinctrl-rp1", names());
  chip.lines[4].consumer = "onewire@4";
  auto& kbd = k.add_input("event3", "SZ-MYPOWER USB Keyboard Encoder");
  kbd.keys = {KEY_ENTER};
  auto& ts = k.add_input("event5", "Goodix Capacitive TouchScreen");
  ts.keys = {BTN_TOUCH};
  k.add_input("event1", "vc4-hdmi-0");  // no keys, no touch: not listed
  Run r = run(k, clock, probe::run_buttons, {"buttons", "--lines"});
  CHECK(r.code == 0);
  CHECK(has(r.out, "/dev/gpiochip0   pinctrl-rp1              28 lines"));
  CHECK(has(r.out, "line   4  GPIO4                used by onewire@4"));
  CHECK(has(r.out, "line  17  GPIO17"));
  CHECK(has(r.out, "/dev/input/event3    \"SZ-MYPOWER USB Keyboard Encoder\"  keys"));
  CHECK(has(r.out, "\"Goodix Capacitive TouchScreen\"  touch"));
  CHECK_FALSE(has(r.out, "vc4-hdmi"));
  CHECK(k.open_fds() == 0);
}

TEST_CASE("probe_press_prints_a_gpio_press_and_how_it_ended") {
  hal::ManualClock clock(1000);
  FakeIoKernel k(clock);
  auto& chip = k.add_gpiochip("gpiochip0", "pinctrl-bcm2711", names());
  chip.lines[17].edges = {{3000, false}, {3001, true}, {3002, false}, {5000, true}};
  Run r = run(k, clock, probe::run_press, {"press", "--gpio", "pinctrl-bcm2711:GPIO17"});
  CHECK(r.code == 0);
  CHECK(has(r.out, "waiting 10 s for a press on gpio /dev/gpiochip0 (pinctrl-bcm2711) line 17"));
  // The kernel debounces (5 ms after the line settles at 3002).
  CHECK(has(r.out, "press at 3007 ms (handed out 0 ms later)"));
  CHECK(has(r.out, "long press at 4507 ms"));
  CHECK(has(r.out, "release at 5005 ms (handed out 0 ms later), held 1998 ms"));
  CHECK(k.open_fds() == 0);

  Run timeout = run(k, clock, probe::run_press, {"press", "--gpio", "GPIO17", "--timeout", "2"});
  CHECK(timeout.code == 3);
  CHECK(has(timeout.out, "no press within 2 s"));
  CHECK(clock.now_ms() == 5005 + 2000);

  Run busy_args = run(k, clock, probe::run_press, {"press"});
  CHECK(busy_args.code == 2);
  CHECK(has(busy_args.err, "give one of --gpio or --input"));
  Run missing = run(k, clock, probe::run_press, {"press", "--input", "Ultimarc"});
  CHECK(missing.code == 3);
  CHECK(has(missing.err, "sparkcam-probe press: input: no /dev/input"));
}

TEST_CASE("probe_press_takes_an_input_key") {
  hal::ManualClock clock(1000);
  FakeIoKernel k(clock);
  auto& kbd = k.add_input("event3", "SZ-MYPOWER USB Keyboard Encoder");
  kbd.keys = {KEY_ENTER, KEY_SPACE};
  kbd.events = {{2000, EV_KEY, KEY_SPACE, 1},
                {2100, EV_KEY, KEY_SPACE, 0},
                {3000, EV_KEY, KEY_ENTER, 1},
                {3120, EV_KEY, KEY_ENTER, 0}};
  Run r = run(k, clock, probe::run_press, {"press", "--input", "Encoder", "--key", "28"});
  CHECK(r.code == 0);
  CHECK(has(r.out, "press at 3000 ms"));
  CHECK(has(r.out, "short press at 3120 ms (handed out 0 ms later), held 120 ms"));
  CHECK_FALSE(has(r.out, "2000"));
}

TEST_CASE("probe_led_blinks_a_gpio_led_once_and_lists_sysfs_leds") {
  hal::ManualClock clock(0);
  FakeIoKernel k(clock);
  auto& chip = k.add_gpiochip("gpiochip0", "pinctrl-rp1", names());
  Run r = run(k, clock, probe::run_led, {"led", "--gpio", "GPIO27"});
  CHECK(r.code == 0);
  CHECK(has(r.out, "line 27 (GPIO27): on"));
  CHECK(has(r.out, "line 27 (GPIO27): off"));
  using Log = std::vector<std::pair<uint64_t, bool>>;
  CHECK(chip.lines[27].output_log == Log{{0, false}, {0, true}, {500, false}});
  CHECK(k.open_fds() == 0);

  k.set_file("/sys/class/leds/ACT/max_brightness", "1\n");
  k.set_file("/sys/class/leds/PWR/max_brightness", "1\n");
  Run list = run(k, clock, probe::run_led, {"led", "--list"});
  CHECK(list.code == 0);
  CHECK(has(list.out, "  ACT\n  PWR\n"));
  Run missing = run(k, clock, probe::run_led, {"led", "--sysfs", "led7"});
  CHECK(missing.code == 3);
  CHECK(has(missing.err, "no LED /sys/class/leds/led7"));
}
