// Status LEDs: pattern timing, a GPIO LED's line values over a blink, a
// sysfs LED's writes (trigger saved and restored).
#include <doctest/doctest.h>

#include <linux/gpio.h>

#include <string>
#include <utility>
#include <vector>

#include "fake_io_kernel.h"
#include "hal/indicator.h"
#include "platform/linux/gpio.h"
#include "platform/linux/sysfs_led.h"

using namespace spark;
using namespace spark::platform;
using spark::testing::FakeIoKernel;
using Log = std::vector<std::pair<uint64_t, bool>>;

namespace {

// The controller's loop: the clock reaches t, then tick(t). The played
// kernel logs each line value at its clock's time.
Status tick_at(hal::ManualClock& clock, hal::Indicator& led, uint64_t t) {
  clock.advance_ms(t - clock.now_ms());
  return led.tick(t);
}
Status show_at(hal::ManualClock& clock, hal::Indicator& led, hal::Pattern p, uint64_t t) {
  clock.advance_ms(t - clock.now_ms());
  return led.show(p, t);
}

std::vector<std::string> header_names() {
  std::vector<std::string> names;
  for (int i = 0; i < 28; ++i) names.push_back("GPIO" + std::to_string(i));
  return names;
}

}  // namespace

TEST_CASE("pattern_steps_blink_at_the_documented_rates") {
  using hal::Pattern;
  CHECK(hal::pattern_step(Pattern::kOn, 12345, false).level == 255);
  CHECK(hal::pattern_step(Pattern::kOn, 0, false).hold_ms == hal::Deadline::kNever);
  CHECK(hal::pattern_step(Pattern::kOff, 7, true).level == 0);
  auto s = hal::pattern_step(Pattern::kSlowBlink, 0, false);
  CHECK(s.level == 255);
  CHECK(s.hold_ms == 500);
  s = hal::pattern_step(Pattern::kSlowBlink, 740, false);
  CHECK(s.level == 0);
  CHECK(s.hold_ms == 260);
  s = hal::pattern_step(Pattern::kFastBlink, 130, false);
  CHECK(s.level == 0);
  CHECK(s.hold_ms == 120);
  // Dimmable pulse: up over the first second, down over the next.
  int last = -1;
  for (uint64_t t = 0; t < 1000; t += 10) {
    int level = hal::pattern_step(Pattern::kPulse, t, true).level;
    CHECK(level >= last);
    last = level;
  }
  CHECK(last == 255);
  for (uint64_t t = 1000; t < 2000; t += 10) {
    int level = hal::pattern_step(Pattern::kPulse, t, true).level;
    CHECK(level <= last);
    last = level;
  }
  CHECK(last == 0);
  for (uint64_t t = 0; t < 4000; ++t) {
    CHECK(hal::pattern_step(Pattern::kPulse, t, true).hold_ms > 0);
    CHECK(hal::pattern_step(Pattern::kPulse, t, false).hold_ms > 0);
  }
}

TEST_CASE("gpio_led_line_values_follow_a_slow_blink_then_fast_then_off") {
  hal::ManualClock clock(1000);
  FakeIoKernel k(clock);
  auto& chip = k.add_gpiochip("gpiochip0", "pinctrl-rp1", header_names());
  {
    GpioLed led(k);
    GpioLedConfig c;  // GPIO27
    REQUIRE(led.open(c).is_ok());
    REQUIRE(chip.requests.size() == 1);
    CHECK(chip.requests[0].offset == 27);
    CHECK(chip.requests[0].flags == GPIO_V2_LINE_FLAG_OUTPUT);
    CHECK(chip.requests[0].has_output_value);  // requested off, no flash at start
    CHECK(chip.requests[0].output_value == 0);

    REQUIRE(led.show(hal::Pattern::kSlowBlink, 1000).is_ok());
    CHECK(led.next_change_ms() == 1500);
    for (uint64_t t = 1100; t <= 3000; t += 100) REQUIRE(tick_at(clock, led, t).is_ok());
    // Showing the same pattern again keeps its phase.
    REQUIRE(show_at(clock, led, hal::Pattern::kSlowBlink, 3050).is_ok());
    REQUIRE(show_at(clock, led, hal::Pattern::kFastBlink, 3100).is_ok());
    REQUIRE(tick_at(clock, led, 3225).is_ok());
    REQUIRE(tick_at(clock, led, 3350).is_ok());
    REQUIRE(show_at(clock, led, hal::Pattern::kOff, 3400).is_ok());
    CHECK(led.next_change_ms() == hal::Deadline::kNever);
    CHECK(chip.lines[27].output_log == Log{{1000, false},
                                           {1000, true},
                                           {1500, false},
                                           {2000, true},
                                           {2500, false},
                                           {3000, true},
                                           {3225, false},
                                           {3350, true},
                                           {3400, false}});
  }
  CHECK(chip.lines[27].output_log.back() == std::make_pair(uint64_t{3400}, false));  // off at close
  CHECK(k.open_fds() == 0);
}

TEST_CASE("gpio_led_pulse_is_a_double_flash_and_close_turns_it_off") {
  hal::ManualClock clock(0);
  FakeIoKernel k(clock);
  auto& chip = k.add_gpiochip("gpiochip0", "pinctrl-bcm2711", header_names());
  GpioLed led(k);
  GpioLedConfig c;
  c.line = "GPIO22";
  c.active_low = true;
  REQUIRE(led.open(c).is_ok());
  CHECK(chip.requests[0].flags == (GPIO_V2_LINE_FLAG_OUTPUT | GPIO_V2_LINE_FLAG_ACTIVE_LOW));
  REQUIRE(led.show(hal::Pattern::kPulse, 0).is_ok());
  // Run the loop the way the controller will: wake at next_change_ms().
  while (led.next_change_ms() < 2100) REQUIRE(tick_at(clock, led, led.next_change_ms()).is_ok());
  led.close();
  CHECK(chip.lines[22].output_log == Log{{0, false},
                                         {0, true},
                                         {100, false},
                                         {200, true},
                                         {300, false},
                                         {2000, true},
                                         {2000, false}});
  CHECK(k.open_fds() == 0);
}

TEST_CASE("gpio_led_faults_busy_and_unplugged") {
  hal::ManualClock clock(0);
  FakeIoKernel k(clock);
  auto& chip = k.add_gpiochip("gpiochip0", "pinctrl-rp1", header_names());
  chip.lines[27].consumer = "led-act";
  GpioLed led(k);
  Status s = led.open(GpioLedConfig{});
  CHECK(s.code() == Code::kUnavailable);
  CHECK(std::string(s.message()).find("'led-act'") != std::string::npos);
  CHECK(k.open_fds() == 0);
  chip.lines[27].consumer.clear();
  REQUIRE(led.open(GpioLedConfig{}).is_ok());
  chip.unplug_at_ms = 100;
  clock.advance_ms(100);
  s = led.show(hal::Pattern::kOn, 100);
  CHECK(s.code() == Code::kUnavailable);
  led.close();
  CHECK(k.open_fds() == 0);
}

TEST_CASE("sysfs_led_sets_trigger_none_writes_brightness_and_restores_the_trigger") {
  hal::ManualClock clock(0);
  FakeIoKernel k(clock);
  const std::string dir = "/sys/class/leds/ACT";
  k.set_file(dir + "/max_brightness", "255\n");
  k.set_file(dir + "/brightness", "0\n");
  k.set_file(dir + "/trigger", "none rc-feedback kbd-scrolllock [mmc0] timer heartbeat\n");
  k.set_file("/sys/class/leds/PWR/max_brightness", "1\n");
  {
    SysfsLed led(k);
    REQUIRE(led.open("ACT").is_ok());
    CHECK(led.max_brightness() == 255);
    CHECK(k.file(dir + "/trigger") == "[none] rc-feedback kbd-scrolllock mmc0 timer heartbeat\n");
    REQUIRE(led.show(hal::Pattern::kOn, 0).is_ok());
    CHECK(k.file(dir + "/brightness") == "255");
    REQUIRE(led.show(hal::Pattern::kPulse, 10).is_ok());  // dims: a ramp
    CHECK(k.file(dir + "/brightness") == "0");
    REQUIRE(led.tick(10 + 500).is_ok());
    CHECK(k.file(dir + "/brightness") == "136");  // step 8 of 16: 8 * 17
    REQUIRE(led.tick(10 + 999).is_ok());
    CHECK(k.file(dir + "/brightness") == "255");
    size_t writes = k.writes().size();
    REQUIRE(led.tick(10 + 1000).is_ok());  // same level: nothing written
    CHECK(k.writes().size() == writes);
  }
  const auto& w = k.writes();
  REQUIRE(w.size() >= 3);
  CHECK(w[w.size() - 2] == std::make_pair(dir + "/brightness", std::string("0")));
  CHECK(w.back() == std::make_pair(dir + "/trigger", std::string("mmc0")));
  CHECK(k.file(dir + "/trigger") == "none rc-feedback kbd-scrolllock [mmc0] timer heartbeat\n");
  CHECK(k.open_fds() == 0);
}

TEST_CASE("sysfs_led_faults_missing_and_permission_denied") {
  hal::ManualClock clock(0);
  FakeIoKernel k(clock);
  k.set_file("/sys/class/leds/ACT/max_brightness", "1\n");
  k.set_file("/sys/class/leds/ACT/brightness", "0\n");
  k.set_file("/sys/class/leds/ACT/trigger", "none [mmc0]\n");
  SysfsLed led(k);
  Status s = led.open("led9");
  CHECK(s.code() == Code::kNotFound);
  CHECK(std::string(s.message()).find("/sys/class/leds/led9") != std::string::npos);
  k.fail_open("/sys/class/leds/ACT/trigger", EACCES);
  s = led.open("ACT");
  CHECK(s.code() == Code::kPermissionDenied);
  CHECK(led.show(hal::Pattern::kOn, 0).code() == Code::kFailedPrecondition);
  CHECK(k.writes().empty());
  CHECK(k.open_fds() == 0);
}
