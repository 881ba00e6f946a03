// GpioButton, EvdevButton and ButtonGroup against a played kernel.
#include <doctest/doctest.h>

#include <linux/gpio.h>

#include <string>

#include "fake_io_kernel.h"
#include "platform/linux/evdev_button.h"
#include "platform/linux/gpio.h"

using namespace spark;
using namespace spark::platform;
using spark::testing::FakeIoKernel;
using Kind = hal::ButtonEvent::Kind;

namespace {

std::vector<std::string> rp1_names() {
  std::vector<std::string> names;
  for (int i = 0; i < 54; ++i) names.push_back(i < 28 ? "GPIO" + std::to_string(i) : "");
  names[34] = "RP1_SDA";
  return names;
}

// A Raspberry Pi 5 on an older kernel: the header on gpiochip4 (pinctrl-rp1),
// other chips before it.
struct Pi5 {
  hal::ManualClock clock{1000};
  FakeIoKernel k{clock};
  FakeIoKernel::GpioChip* rp1;
  Pi5() {
    k.add_gpiochip("gpiochip0", "gpio-brcmstb@107d508500", {"-", "2712_BOOT_CS_N", "-"});
    k.add_gpiochip("gpiochip1", "gpio-brcmstb@107d508520", {"HDMI0_SCL", "HDMI0_SDA"});
    rp1 = &k.add_gpiochip("gpiochip4", "pinctrl-rp1", rp1_names());
  }
  FakeIoKernel::GpioLineState& line(int n) { return rp1->lines[static_cast<size_t>(n)]; }
  // A press of a contact that bounces: low, and the bounces given.
  void bouncy(int n, uint64_t at, bool down) {
    auto& e = line(n).edges;
    bool level = !down;  // electrical: pressed pulls the line low
    e.push_back({at, level});
    e.push_back({at + 1, !level});
    e.push_back({at + 3, level});
    e.push_back({at + 4, !level});
    e.push_back({at + 6, level});  // settled 6 ms after the first edge
  }
};

GpioButtonConfig software_only(const char* line = "GPIO17") {
  GpioButtonConfig c;
  c.line = line;
  c.kernel_debounce_ms = 0;
  c.timing.debounce_ms = 20;
  c.timing.long_press_ms = 1500;
  return c;
}

hal::ButtonEvent next(hal::Button& b, hal::Deadline d = hal::Deadline::never()) {
  auto r = b.wait(d);
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  REQUIRE(r->has_value());
  return **r;
}

}  // namespace

TEST_CASE("gpio_button_bouncing_short_press_gives_press_then_short_press") {
  Pi5 pi;
  pi.bouncy(17, 2000, true);
  pi.bouncy(17, 2300, false);
  {
    GpioButton b(pi.k, pi.clock);
    REQUIRE(b.open(software_only()).is_ok());
    CHECK(std::string(b.describe()) == "gpio /dev/gpiochip4 (pinctrl-rp1) line 17 (GPIO17)");
    REQUIRE(pi.rp1->requests.size() == 1);
    const auto& req = pi.rp1->requests[0];
    CHECK(req.offset == 17);
    CHECK(req.flags == (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
                        GPIO_V2_LINE_FLAG_EDGE_FALLING | GPIO_V2_LINE_FLAG_BIAS_PULL_UP |
                        GPIO_V2_LINE_FLAG_ACTIVE_LOW));
    CHECK(req.debounce_us == 0);

    auto press = next(b);
    CHECK(press.kind == Kind::kPress);
    CHECK(press.at_ms == 2000);
    CHECK(pi.clock.now_ms() == 2000);  // handed out at the first edge: no debounce delay
    auto up = next(b);
    CHECK(up.kind == Kind::kShortPress);
    CHECK(up.at_ms == 2300);
    CHECK(up.held_ms == 300);
    CHECK(pi.clock.now_ms() == 2300);
    // The bounces after each edge were dropped: nothing more comes.
    auto none = b.wait(hal::Deadline(3000));
    REQUIRE(none.is_ok());
    CHECK_FALSE(none->has_value());
    CHECK(pi.clock.now_ms() == 3000);
    CHECK(pi.k.open_fds() == 1);
  }
  CHECK(pi.k.open_fds() == 0);
}

TEST_CASE("gpio_button_held_past_the_threshold_gives_long_press_then_release") {
  Pi5 pi;
  pi.bouncy(17, 2000, true);
  pi.bouncy(17, 4000, false);
  GpioButton b(pi.k, pi.clock);
  REQUIRE(b.open(software_only()).is_ok());
  CHECK(next(b).kind == Kind::kPress);
  auto lp = next(b);
  CHECK(lp.kind == Kind::kLongPress);
  CHECK(lp.at_ms == 3500);
  CHECK(lp.held_ms == 1500);
  CHECK(pi.clock.now_ms() == 3500);  // while still held
  auto rel = next(b);
  CHECK(rel.kind == Kind::kRelease);
  CHECK(rel.at_ms == 4000);
  CHECK(rel.held_ms == 2000);
}

TEST_CASE("gpio_button_a_late_reader_still_gets_the_long_press_before_the_release") {
  Pi5 pi;
  pi.line(17).edges = {{2000, false}, {4000, true}};
  GpioButton b(pi.k, pi.clock);
  REQUIRE(b.open(software_only()).is_ok());
  CHECK(next(b).kind == Kind::kPress);
  pi.clock.advance_ms(5000);  // the controller was busy uploading
  auto lp = next(b);
  CHECK(lp.kind == Kind::kLongPress);
  CHECK(lp.at_ms == 3500);
  CHECK(next(b).kind == Kind::kRelease);
}

TEST_CASE("gpio_button_a_glitch_inside_the_window_is_resolved_when_the_window_ends") {
  Pi5 pi;
  // Down at 2000, back up at 2003 and stays up: the up edge falls inside the
  // window, so the line is read again at 2020.
  pi.line(17).edges = {{2000, false}, {2003, true}};
  GpioButton b(pi.k, pi.clock);
  REQUIRE(b.open(software_only()).is_ok());
  CHECK(next(b).at_ms == 2000);
  auto up = next(b);
  CHECK(up.kind == Kind::kShortPress);
  CHECK(up.at_ms == 2020);
  CHECK(pi.clock.now_ms() == 2020);  // late by no more than the window (20 ms)
  CHECK(pi.clock.now_ms() - 2003 <= 20);
}

TEST_CASE("gpio_button_asks_for_kernel_debounce_and_adds_at_most_its_window") {
  Pi5 pi;
  pi.bouncy(17, 2000, true);  // settles at 2006
  GpioButtonConfig c = software_only();
  c.kernel_debounce_ms = 5;
  GpioButton b(pi.k, pi.clock);
  REQUIRE(b.open(c).is_ok());
  CHECK(b.kernel_debounce());
  REQUIRE(pi.rp1->requests.size() == 1);
  CHECK(pi.rp1->requests[0].debounce_us == 5000);
  auto press = next(b);
  CHECK(press.kind == Kind::kPress);
  CHECK(press.at_ms == 2011);
  CHECK(pi.clock.now_ms() - 2006 <= 5);  // after the line settled
  auto none = b.wait(hal::Deadline(2500));
  REQUIRE(none.is_ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("gpio_button_on_a_kernel_without_debounce_falls_back_to_software") {
  Pi5 pi;
  pi.rp1->debounce_supported = false;
  pi.bouncy(17, 2000, true);
  pi.bouncy(17, 2200, false);
  GpioButtonConfig c = software_only();
  c.kernel_debounce_ms = 5;
  GpioButton b(pi.k, pi.clock);
  REQUIRE(b.open(c).is_ok());
  CHECK_FALSE(b.kernel_debounce());
  REQUIRE(pi.rp1->requests.size() == 1);  // the refused request left nothing behind
  CHECK(pi.rp1->requests[0].debounce_us == 0);
  CHECK(pi.k.open_fds() == 1);
  CHECK(next(b).kind == Kind::kPress);
  CHECK(next(b).kind == Kind::kShortPress);
  auto none = b.wait(hal::Deadline(3000));
  REQUIRE(none.is_ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("gpio_button_wait_returns_nothing_exactly_at_the_deadline") {
  Pi5 pi;
  GpioButton b(pi.k, pi.clock);
  REQUIRE(b.open(software_only()).is_ok());
  auto r = b.wait(hal::Deadline::after(pi.clock, 250));
  REQUIRE(r.is_ok());
  CHECK_FALSE(r->has_value());
  CHECK(pi.clock.now_ms() == 1250);
  // A deadline already past still polls once and returns at once.
  auto again = b.wait(hal::Deadline(0));
  REQUIRE(again.is_ok());
  CHECK_FALSE(again->has_value());
  CHECK(pi.clock.now_ms() == 1250);
}

TEST_CASE("gpio_lines_are_found_by_name_label_or_number_on_pi4_and_pi5") {
  Pi5 pi;
  auto by_name = find_gpio_line(pi.k, "", "GPIO17");
  REQUIRE(by_name.is_ok());
  CHECK(std::string(by_name->chip_path) == "/dev/gpiochip4");
  CHECK(by_name->offset == 17);
  auto by_label = find_gpio_line(pi.k, "pinctrl-rp1", "27");
  REQUIRE(by_label.is_ok());
  CHECK(by_label->offset == 27);
  CHECK(std::string(by_label->name) == "GPIO27");
  auto number_alone = find_gpio_line(pi.k, "", "17");  // picks the header's chip
  REQUIRE(number_alone.is_ok());
  CHECK(std::string(number_alone->chip_path) == "/dev/gpiochip4");
  auto by_path = find_gpio_line(pi.k, "/dev/gpiochip4", "GPIO4");
  REQUIRE(by_path.is_ok());
  CHECK(by_path->offset == 4);
  CHECK(find_gpio_line(pi.k, "gpiochip4", "RP1_SDA")->offset == 34);

  hal::ManualClock clock;
  FakeIoKernel pi4(clock);
  pi4.add_gpiochip("gpiochip0", "pinctrl-bcm2711", rp1_names());
  pi4.add_gpiochip("gpiochip1", "raspberrypi-exp-gpio", {"BT_ON", "WL_ON"});
  auto on4 = find_gpio_line(pi4, "pinctrl-bcm2711", "GPIO17");
  REQUIRE(on4.is_ok());
  CHECK(std::string(on4->chip_path) == "/dev/gpiochip0");
  CHECK(pi4.open_fds() == 0);
  CHECK(pi.k.open_fds() == 0);
}

TEST_CASE("gpio_button_faults_say_what_is_wrong_and_leak_nothing") {
  Pi5 pi;
  GpioButton b(pi.k, pi.clock);
  auto expect = [&](GpioButtonConfig c, Code code, const char* words) {
    Status s = b.open(c);
    CHECK(s.code() == code);
    CHECK_MESSAGE(std::string(s.message()).find(words) != std::string::npos, s.message());
    CHECK(pi.k.open_fds() == 0);
  };
  GpioButtonConfig c = software_only("GPIO99");
  expect(c, Code::kNotFound, "no line named 'GPIO99'");
  c = software_only("99");
  c.chip = "pinctrl-rp1";
  expect(c, Code::kOutOfRange, "lines 0..53");
  c = software_only();
  c.chip = "pinctrl-bcm2711";
  expect(c, Code::kNotFound, "no GPIO chip labelled 'pinctrl-bcm2711'");
  c = software_only();
  c.chip = "gpiochip9";
  expect(c, Code::kNotFound, "/dev/gpiochip9: does not exist");

  pi.line(17).consumer = "gpio-keys";
  expect(software_only(), Code::kUnavailable, "in use by 'gpio-keys'");
  pi.line(17).consumer.clear();

  pi.k.fail_open("/dev/gpiochip4", EACCES);
  expect(software_only(), Code::kPermissionDenied, "permission denied");

  hal::ManualClock clock;
  FakeIoKernel bare(clock);
  GpioButton none(bare, clock);
  Status s = none.open(software_only());
  CHECK(s.code() == Code::kNotFound);
  CHECK(std::string(s.message()).find("no GPIO chips") != std::string::npos);

  // A line number alone is ambiguous off a Pi's header chip.
  FakeIoKernel other(clock);
  other.add_gpiochip("gpiochip0", "INT34C5:00", rp1_names());
  GpioButton b2(other, clock);
  s = b2.open(software_only("17"));
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(std::string(s.message()).find("needs a chip") != std::string::npos);
  CHECK(other.open_fds() == 0);
}

TEST_CASE("gpio_button_second_request_of_the_same_line_is_busy") {
  Pi5 pi;
  GpioButton a(pi.k, pi.clock), b(pi.k, pi.clock);
  REQUIRE(a.open(software_only()).is_ok());
  Status s = b.open(software_only());
  CHECK(s.code() == Code::kUnavailable);
  CHECK(std::string(s.message()).find("busy") != std::string::npos);
  CHECK(pi.k.open_fds() == 1);
}

TEST_CASE("gpio_button_unplugged_chip_gives_unavailable_and_releases_the_line") {
  Pi5 pi;
  pi.line(17).edges = {{2000, false}};
  pi.rp1->unplug_at_ms = 2500;
  GpioButton b(pi.k, pi.clock);
  REQUIRE(b.open(software_only()).is_ok());
  CHECK(next(b).kind == Kind::kPress);
  auto r = b.wait(hal::Deadline(3000));  // the long press would be due at 3500
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(std::string(r.status().message()).find("gone") != std::string::npos);
  CHECK(pi.clock.now_ms() == 2500);
  CHECK(pi.k.open_fds() == 0);
  CHECK(b.wait(hal::Deadline(4000)).status().code() == Code::kUnavailable);  // stays failed
}

// ---- evdev

namespace {

struct Encoder {
  hal::ManualClock clock{1000};
  FakeIoKernel k{clock};
  FakeIoKernel::InputDevice* kbd;
  FakeIoKernel::InputDevice* touch;
  Encoder() {
    auto& mouse = k.add_input("event0", "Logitech USB Optical Mouse");
    mouse.keys = {BTN_LEFT, BTN_RIGHT};
    kbd = &k.add_input("event3", "SZ-MYPOWER USB Keyboard Encoder");
    kbd->keys = {KEY_ENTER, KEY_1, KEY_2, KEY_SPACE};
    touch = &k.add_input("event5", "Goodix Capacitive TouchScreen");
    touch->keys = {BTN_TOUCH};
    touch->abs = {
        ABS_X, ABS_Y, ABS_MT_SLOT, ABS_MT_POSITION_X, ABS_MT_POSITION_Y, ABS_MT_TRACKING_ID};
  }
  // A key as a USB HID keyboard reports it: scan code, key, sync.
  void key(FakeIoKernel::InputDevice& d, uint64_t at, int code, int value) {
    d.events.push_back({at, EV_MSC, MSC_SCAN, 0x70028});
    d.events.push_back({at, EV_KEY, static_cast<uint16_t>(code), value});
    d.events.push_back({at, EV_SYN, SYN_REPORT, 0});
  }
  void tap(uint64_t down, uint64_t up, int id) {
    auto& e = touch->events;
    e.push_back({down, EV_ABS, ABS_MT_TRACKING_ID, id});
    e.push_back({down, EV_ABS, ABS_MT_POSITION_X, 400});
    e.push_back({down, EV_ABS, ABS_MT_POSITION_Y, 240});
    e.push_back({down, EV_KEY, BTN_TOUCH, 1});
    e.push_back({down, EV_ABS, ABS_X, 400});
    e.push_back({down, EV_SYN, SYN_REPORT, 0});
    e.push_back({up, EV_ABS, ABS_MT_TRACKING_ID, -1});
    e.push_back({up, EV_KEY, BTN_TOUCH, 0});
    e.push_back({up, EV_SYN, SYN_REPORT, 0});
  }
};

}  // namespace

TEST_CASE("evdev_arcade_encoder_key_with_autorepeat_gives_one_press") {
  Encoder e;
  e.key(*e.kbd, 5000, KEY_1, 1);  // another button of the encoder: not ours
  e.key(*e.kbd, 5050, KEY_1, 0);
  e.key(*e.kbd, 6000, KEY_ENTER, 1);
  for (uint64_t t = 6250; t < 6400; t += 33) e.key(*e.kbd, t, KEY_ENTER, 2);
  e.key(*e.kbd, 6400, KEY_ENTER, 0);
  {
    EvdevButton b(e.k, e.clock);
    EvdevButtonConfig c;
    c.device = "Keyboard Encoder";  // part of the name
    c.key_code = KEY_ENTER;
    c.grab = true;
    c.id = 2;
    REQUIRE(b.open(c).is_ok());
    CHECK(std::string(b.describe()) ==
          "input /dev/input/event3 (SZ-MYPOWER USB Keyboard Encoder) key 28");
    CHECK(e.kbd->grabbed);
    CHECK(e.kbd->clock_id == CLOCK_MONOTONIC);
    auto press = next(b);
    CHECK(press.kind == Kind::kPress);
    CHECK(press.source == 2);
    CHECK(press.at_ms == 6000);
    auto up = next(b);
    CHECK(up.kind == Kind::kShortPress);
    CHECK(up.at_ms == 6400);
    CHECK(up.held_ms == 400);
    auto none = b.wait(hal::Deadline(8000));
    REQUIRE(none.is_ok());
    CHECK_FALSE(none->has_value());
  }
  CHECK_FALSE(e.kbd->grabbed);
  CHECK(e.k.open_fds() == 0);
}

TEST_CASE("evdev_key_held_with_autorepeat_gives_long_press_and_release") {
  Encoder e;
  e.key(*e.kbd, 2000, KEY_SPACE, 1);
  for (uint64_t t = 2250; t < 4000; t += 33) e.key(*e.kbd, t, KEY_SPACE, 2);
  e.key(*e.kbd, 4000, KEY_SPACE, 0);
  EvdevButton b(e.k, e.clock);
  EvdevButtonConfig c;
  c.device = "/dev/input/event3";
  c.key_code = 0;  // any key
  REQUIRE(b.open(c).is_ok());
  CHECK(next(b).kind == Kind::kPress);
  auto lp = next(b);
  CHECK(lp.kind == Kind::kLongPress);
  CHECK(lp.at_ms == 3500);
  auto rel = next(b);
  CHECK(rel.kind == Kind::kRelease);
  CHECK(rel.held_ms == 2000);
}

TEST_CASE("evdev_touchscreen_tap_counts_as_a_press") {
  Encoder e;
  e.tap(3000, 3090, 12);
  EvdevButton b(e.k, e.clock);
  EvdevButtonConfig c;
  c.device = "Goodix Capacitive TouchScreen";
  c.key_code = -1;
  REQUIRE(b.open(c).is_ok());
  CHECK(b.has_touch());
  auto press = next(b);
  CHECK(press.kind == Kind::kPress);
  CHECK(press.at_ms == 3000);
  auto up = next(b);
  CHECK(up.kind == Kind::kShortPress);
  CHECK(up.at_ms == 3090);
}

TEST_CASE("evdev_multitouch_without_btn_touch_presses_until_the_last_finger_lifts") {
  Encoder e;
  e.touch->keys.clear();
  auto& ev = e.touch->events;
  ev.push_back({3000, EV_ABS, ABS_MT_SLOT, 0});
  ev.push_back({3000, EV_ABS, ABS_MT_TRACKING_ID, 40});
  ev.push_back({3000, EV_SYN, SYN_REPORT, 0});
  ev.push_back({3050, EV_ABS, ABS_MT_SLOT, 1});
  ev.push_back({3050, EV_ABS, ABS_MT_TRACKING_ID, 41});
  ev.push_back({3050, EV_SYN, SYN_REPORT, 0});
  ev.push_back({3100, EV_ABS, ABS_MT_SLOT, 0});
  ev.push_back({3100, EV_ABS, ABS_MT_TRACKING_ID, -1});
  ev.push_back({3100, EV_SYN, SYN_REPORT, 0});
  ev.push_back({3160, EV_ABS, ABS_MT_SLOT, 1});
  ev.push_back({3160, EV_ABS, ABS_MT_TRACKING_ID, -1});
  ev.push_back({3160, EV_SYN, SYN_REPORT, 0});
  EvdevButton b(e.k, e.clock);
  EvdevButtonConfig c;
  c.device = "/dev/input/event5";
  REQUIRE(b.open(c).is_ok());
  CHECK(next(b).at_ms == 3000);
  auto up = next(b);
  CHECK(up.kind == Kind::kShortPress);
  CHECK(up.at_ms == 3160);
}

TEST_CASE("evdev_without_a_monotonic_clock_stamps_events_when_read") {
  Encoder e;
  e.k.fail_ioctl(EVIOCSCLOCKID, EINVAL);
  e.key(*e.kbd, 2000, KEY_ENTER, 1);
  EvdevButton b(e.k, e.clock);
  EvdevButtonConfig c;
  c.device = "SZ-MYPOWER USB Keyboard Encoder";
  c.key_code = KEY_ENTER;
  REQUIRE(b.open(c).is_ok());
  auto press = next(b);
  CHECK(press.at_ms == 2000);  // the read time, not a wall-clock time
}

TEST_CASE("evdev_faults_missing_no_key_grabbed_unplugged") {
  Encoder e;
  EvdevButton b(e.k, e.clock);
  EvdevButtonConfig c;
  c.device = "Ultimarc I-PAC";
  Status s = b.open(c);
  CHECK(s.code() == Code::kNotFound);
  CHECK(std::string(s.message()).find("no device named 'Ultimarc I-PAC'") != std::string::npos);
  CHECK(e.k.open_fds() == 0);

  c.device = "/dev/input/event9";
  CHECK(b.open(c).code() == Code::kNotFound);

  c.device = "Logitech USB Optical Mouse";
  c.key_code = KEY_ENTER;
  s = b.open(c);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(std::string(s.message()).find("has no key 28") != std::string::npos);
  CHECK(e.k.open_fds() == 0);

  e.kbd->grabbed_by_other = true;
  c.device = "/dev/input/event3";
  c.grab = true;
  s = b.open(c);
  CHECK(s.code() == Code::kUnavailable);
  CHECK(std::string(s.message()).find("grabbed by another program") != std::string::npos);
  CHECK(e.k.open_fds() == 0);

  c.grab = false;
  e.k.fail_open("/dev/input/event3", EACCES);
  CHECK(b.open(c).code() == Code::kPermissionDenied);
  CHECK(e.k.open_fds() == 0);

  hal::ManualClock clock;
  FakeIoKernel none(clock);
  EvdevButton nb(none, clock);
  EvdevButtonConfig any;
  CHECK(nb.open(any).code() == Code::kNotFound);
}

TEST_CASE("evdev_unplugged_keyboard_gives_unavailable") {
  Encoder e;
  e.key(*e.kbd, 2000, KEY_ENTER, 1);
  e.kbd->unplug_at_ms = 2100;
  EvdevButton b(e.k, e.clock);
  EvdevButtonConfig c;
  c.device = "/dev/input/event3";
  c.key_code = KEY_ENTER;
  REQUIRE(b.open(c).is_ok());
  CHECK(next(b).kind == Kind::kPress);
  auto r = b.wait(hal::Deadline::never());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(e.clock.now_ms() == 2100);
  CHECK(e.k.open_fds() == 0);
}

TEST_CASE("button_group_merges_a_gpio_button_and_a_touchscreen_in_time_order") {
  Encoder e;
  auto& chip = e.k.add_gpiochip("gpiochip0", "pinctrl-bcm2711", rp1_names());
  chip.lines[17].edges = {{2000, false}, {2100, true}, {5000, false}, {5050, true}};
  e.tap(3000, 3080, 1);
  GpioButton g(e.k, e.clock);
  GpioButtonConfig gc = software_only();
  gc.id = 1;
  REQUIRE(g.open(gc).is_ok());
  EvdevButton t(e.k, e.clock);
  EvdevButtonConfig tc;
  tc.device = "Goodix";
  tc.key_code = -1;
  tc.id = 7;
  REQUIRE(t.open(tc).is_ok());
  ButtonGroup group(e.k, e.clock);
  REQUIRE(group.add(g).is_ok());
  REQUIRE(group.add(t).is_ok());
  struct Want {
    uint8_t source;
    Kind kind;
    uint64_t at;
  } want[] = {{1, Kind::kPress, 2000}, {1, Kind::kShortPress, 2100},
              {7, Kind::kPress, 3000}, {7, Kind::kShortPress, 3080},
              {1, Kind::kPress, 5000}, {1, Kind::kShortPress, 5050}};
  for (const Want& w : want) {
    auto ev = next(group);
    CHECK(ev.source == w.source);
    CHECK(ev.kind == w.kind);
    CHECK(ev.at_ms == w.at);
    CHECK(e.clock.now_ms() == w.at);
  }
  auto none = group.wait(hal::Deadline(9000));
  REQUIRE(none.is_ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE("evdev_after_syn_dropped_the_key_state_is_read_again") {
  Encoder e;
  auto& ev = e.kbd->events;
  ev.push_back({2000, EV_KEY, KEY_ENTER, 1});
  ev.push_back({2000, EV_SYN, SYN_REPORT, 0});
  // The kernel's buffer overflowed: events up to the next SYN_REPORT are
  // not to be trusted, so the driver asks for the keys down (EVIOCGKEY).
  ev.push_back({2100, EV_SYN, SYN_DROPPED, 0});
  ev.push_back({2100, EV_KEY, KEY_SPACE, 1});
  ev.push_back({2100, EV_KEY, KEY_ENTER, 0});
  ev.push_back({2100, EV_SYN, SYN_REPORT, 0});
  EvdevButton b(e.k, e.clock);
  EvdevButtonConfig c;
  c.device = "/dev/input/event3";
  c.key_code = KEY_ENTER;
  REQUIRE(b.open(c).is_ok());
  CHECK(next(b).kind == Kind::kPress);
  auto up = next(b);
  CHECK(up.kind == Kind::kShortPress);
  CHECK(up.at_ms == 2100);
  auto none = b.wait(hal::Deadline(3000));
  REQUIRE(none.is_ok());
  CHECK_FALSE(none->has_value());  // KEY_SPACE, down after the resync, is not ours
}
