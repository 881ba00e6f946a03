#include "io_cmds.h"

#include <cstdlib>
#include <cstring>

#include "platform/linux/evdev_button.h"
#include "platform/linux/fb_display.h"
#include "platform/linux/gpio.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/sysfs_led.h"

namespace spark::probe {
namespace {

bool is_help(const char* a) {
  return std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0;
}

// The value of option argv[i] (moves i past it), or nullptr when missing.
const char* value_of(int argc, char** argv, int& i) {
  if (i + 1 >= argc) return nullptr;
  return argv[++i];
}

bool parse_uint(const char* s, long max, long& out) {
  if (s == nullptr || *s == 0) return false;
  char* end = nullptr;
  long v = std::strtol(s, &end, 10);
  if (*end != 0 || v < 0 || v > max) return false;
  out = v;
  return true;
}

// "[CHIP:]LINE" -> chip (may be empty) and line, in caller buffers.
void split_gpio(const char* spec, char* chip, size_t chip_n, char* line, size_t line_n) {
  const char* colon = std::strrchr(spec, ':');
  if (colon == nullptr) {
    chip[0] = 0;
    platform::copy_text(line, line_n, spec);
    return;
  }
  size_t n = static_cast<size_t>(colon - spec);
  if (n >= chip_n) n = chip_n - 1;
  std::memcpy(chip, spec, n);
  chip[n] = 0;
  platform::copy_text(line, line_n, colon + 1);
}

int usage_error(Io io, const char* cmd, const char* what, const char* arg) {
  std::fprintf(io.err, "sparkcam-probe %s: %s%s%s (see --help)\n", cmd, what, arg ? ": " : "",
               arg ? arg : "");
  return 2;
}

// 3 for a device that is not there (as the camera commands), else 1.
int fail(Io io, const char* cmd, const Status& s) {
  std::fprintf(io.err, "sparkcam-probe %s: %s\n", cmd, s.message());
  return s.code() == Code::kNotFound ? 3 : 1;
}

}  // namespace

int run_buttons(Io io, int argc, char** argv) {
  bool lines = false;
  for (int i = 1; i < argc; ++i) {
    if (is_help(argv[i])) {
      std::fprintf(io.out,
                   "usage: sparkcam-probe buttons [--lines]\n"
                   "Lists the GPIO chips (path, label, line count) and the input devices that\n"
                   "have keys or a touchscreen, for the button settings of the config.\n"
                   "  --lines  also list each chip's named lines and who uses them\n");
      return 0;
    }
    if (std::strcmp(argv[i], "--lines") == 0) {
      lines = true;
    } else {
      return usage_error(io, "buttons", "unknown option", argv[i]);
    }
  }
  struct Ctx {
    Io io;
    bool lines;
    size_t chips = 0, inputs = 0;
  } ctx{io, lines};
  std::fprintf(io.out, "GPIO chips:\n");
  Status s = platform::list_gpio_chips(
      io.sys,
      [](void* c, const char* path, const char* label, uint32_t n) {
        auto* x = static_cast<Ctx*>(c);
        ++x->chips;
        std::fprintf(x->io.out, "  %-16s %-24s %u lines\n", path, label, n);
        if (!x->lines) return;
        platform::list_gpio_lines(
            x->io.sys, path,
            [](void* c2, uint32_t offset, const char* name, const char* consumer) {
              if (*name == 0 && *consumer == 0) return;
              auto* y = static_cast<Ctx*>(c2);
              std::fprintf(y->io.out, "    line %3u  %-20s %s%s\n", offset, name,
                           *consumer ? "used by " : "", consumer);
            },
            x)
            .ignore();
      },
      &ctx);
  if (!s.is_ok()) std::fprintf(io.out, "  (%s)\n", s.message());
  if (ctx.chips == 0 && s.is_ok()) {
    std::fprintf(io.out,
                 "  none (no /dev/gpiochip*: not a Pi, or no permission: join the gpio group)\n");
  }
  std::fprintf(io.out, "Input devices:\n");
  s = platform::list_input_devices(
      io.sys,
      [](void* c, const char* path, const char* name, bool keys, bool touch) {
        if (!keys && !touch) return;
        auto* x = static_cast<Ctx*>(c);
        ++x->inputs;
        std::fprintf(x->io.out, "  %-20s \"%s\"  %s%s%s\n", path, name, keys ? "keys" : "",
                     keys && touch ? ", " : "", touch ? "touch" : "");
      },
      &ctx);
  if (!s.is_ok())
    std::fprintf(io.out, "  none (%s)\n", s.message());
  else if (ctx.inputs == 0) {
    std::fprintf(io.out, "  none with keys or touch (or no permission: join the input group)\n");
  }
  if (ctx.chips == 0 && ctx.inputs == 0) {
    std::fprintf(io.err, "sparkcam-probe buttons: found no GPIO chip and no input device\n");
    return 3;
  }
  return 0;
}

int run_press(Io io, int argc, char** argv) {
  const char* gpio = nullptr;
  const char* input = nullptr;
  long key = 0, timeout_s = 10, long_ms = 1500, debounce_ms = 20;
  bool touch = true, grab = false;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (is_help(a)) {
      std::fprintf(
          io.out,
          "usage: sparkcam-probe press (--gpio [CHIP:]LINE | --input DEVICE [--key CODE])\n"
          "                            [--timeout S] [--long-ms MS] [--debounce-ms MS]\n"
          "Waits for one press and prints it and how it ended (short or long).\n"
          "  --gpio [CHIP:]LINE  a button from the line to ground (internal pull-up);\n"
          "                      GPIO17, pinctrl-rp1:17, gpiochip0:GPIO17\n"
          "  --input DEVICE      /dev/input/eventN or (part of) its name\n"
          "  --key CODE          key code from input-event-codes.h (28 = Enter); 0 = any\n"
          "  --no-touch          ignore touches on that device\n"
          "  --grab              take the device from other programs while waiting\n"
          "  --timeout S         give up after S seconds (default 10): exit status 3\n");
      return 0;
    }
    bool ok = true;
    if (std::strcmp(a, "--gpio") == 0) {
      ok = (gpio = value_of(argc, argv, i)) != nullptr;
    } else if (std::strcmp(a, "--input") == 0) {
      ok = (input = value_of(argc, argv, i)) != nullptr;
    } else if (std::strcmp(a, "--key") == 0) {
      ok = parse_uint(value_of(argc, argv, i), 0x2ff, key);
    } else if (std::strcmp(a, "--timeout") == 0) {
      ok = parse_uint(value_of(argc, argv, i), 86400, timeout_s);
    } else if (std::strcmp(a, "--long-ms") == 0) {
      ok = parse_uint(value_of(argc, argv, i), 60000, long_ms) && long_ms > 0;
    } else if (std::strcmp(a, "--debounce-ms") == 0) {
      ok = parse_uint(value_of(argc, argv, i), 1000, debounce_ms);
    } else if (std::strcmp(a, "--no-touch") == 0) {
      touch = false;
    } else if (std::strcmp(a, "--grab") == 0) {
      grab = true;
    } else {
      return usage_error(io, "press", "unknown option", a);
    }
    if (!ok) return usage_error(io, "press", "missing or bad value for", a);
  }
  if ((gpio == nullptr) == (input == nullptr)) {
    return usage_error(io, "press", "give one of --gpio or --input", nullptr);
  }
  hal::ButtonTiming timing;
  timing.long_press_ms = static_cast<uint32_t>(long_ms);
  timing.debounce_ms = static_cast<uint32_t>(debounce_ms);
  platform::GpioButton gb(io.sys, io.clock);
  platform::EvdevButton eb(io.sys, io.clock);
  hal::Button* button = nullptr;
  char chip[64], line[64];
  if (gpio != nullptr) {
    split_gpio(gpio, chip, sizeof chip, line, sizeof line);
    platform::GpioButtonConfig c;
    c.chip = chip;
    c.line = line;
    c.timing = timing;
    Status s = gb.open(c);
    if (!s.is_ok()) return fail(io, "press", s);
    button = &gb;
  } else {
    platform::EvdevButtonConfig c;
    c.device = input;
    c.key_code = static_cast<int>(key);
    c.touch = touch;
    c.grab = grab;
    c.timing = timing;
    c.timing.debounce_ms = 0;
    Status s = eb.open(c);
    if (!s.is_ok()) return fail(io, "press", s);
    button = &eb;
  }
  std::fprintf(io.out, "waiting %ld s for a press on %s\n", timeout_s, button->describe());
  std::fflush(io.out);
  hal::Deadline deadline = hal::Deadline::after(io.clock, static_cast<uint64_t>(timeout_s) * 1000);
  bool pressed = false;
  for (;;) {
    auto r = button->wait(deadline);
    if (!r.is_ok()) return fail(io, "press", r.status());
    if (!r->has_value()) {
      if (!pressed) {
        std::fprintf(io.out, "no press within %ld s\n", timeout_s);
        return 3;
      }
      std::fprintf(io.out, "still held at the timeout\n");
      return 0;
    }
    const hal::ButtonEvent& ev = **r;
    uint64_t now = io.clock.now_ms();
    std::fprintf(io.out, "%s at %llu ms (handed out %llu ms later)",
                 hal::button_event_name(ev.kind), static_cast<unsigned long long>(ev.at_ms),
                 static_cast<unsigned long long>(now >= ev.at_ms ? now - ev.at_ms : 0));
    if (ev.kind != hal::ButtonEvent::Kind::kPress) std::fprintf(io.out, ", held %u ms", ev.held_ms);
    std::fprintf(io.out, "\n");
    std::fflush(io.out);
    if (ev.kind == hal::ButtonEvent::Kind::kPress) pressed = true;
    if (pressed && (ev.kind == hal::ButtonEvent::Kind::kShortPress ||
                    ev.kind == hal::ButtonEvent::Kind::kRelease)) {
      return 0;
    }
  }
}

int run_displays(Io io, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (is_help(argv[i])) {
      std::fprintf(io.out,
                   "usage: sparkcam-probe displays\n"
                   "Lists the framebuffers (/dev/fb*): size, bits per pixel, bytes per row, and\n"
                   "whether a second page allows tear-free panning.\n");
      return 0;
    }
    return usage_error(io, "displays", "unknown option", argv[i]);
  }
  size_t count = 0;
  struct Ctx {
    Io io;
    size_t* count;
  } ctx{io, &count};
  Status s = platform::list_framebuffers(
      io.sys,
      [](void* c, const platform::FbSummary& fb) {
        auto* x = static_cast<Ctx*>(c);
        ++*x->count;
        std::fprintf(x->io.out,
                     "%s  %s  %ux%u  %u bpp  stride %u bytes  pan %s (virtual height %u)\n",
                     fb.path, fb.id, fb.width, fb.height, fb.bits_per_pixel, fb.line_length,
                     fb.yres_virtual >= 2 * fb.height ? "yes" : "no", fb.yres_virtual);
      },
      &ctx);
  if (!s.is_ok()) return fail(io, "displays", s);
  if (count == 0) {
    std::fprintf(io.err,
                 "sparkcam-probe displays: no framebuffer (/dev/fb0 missing): no screen driver "
                 "is loaded; on a Pi keep dtoverlay=vc4-kms-v3d in config.txt and attach the "
                 "screen before booting, or join the video group\n");
    return 3;
  }
  return 0;
}

int run_led(Io io, int argc, char** argv) {
  const char* gpio = nullptr;
  const char* sysfs = nullptr;
  bool list = false, active_low = false;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (is_help(a)) {
      std::fprintf(
          io.out,
          "usage: sparkcam-probe led (--gpio [CHIP:]LINE [--active-low] | --sysfs NAME | --list)\n"
          "Blinks the LED once (500 ms on), to check its wiring.\n"
          "  --gpio [CHIP:]LINE  an LED from the pin through a resistor to ground (GPIO27)\n"
          "  --sysfs NAME        an LED of /sys/class/leds (ACT, PWR); needs root\n"
          "  --list              list /sys/class/leds\n");
      return 0;
    }
    bool ok = true;
    if (std::strcmp(a, "--gpio") == 0) {
      ok = (gpio = value_of(argc, argv, i)) != nullptr;
    } else if (std::strcmp(a, "--sysfs") == 0) {
      ok = (sysfs = value_of(argc, argv, i)) != nullptr;
    } else if (std::strcmp(a, "--list") == 0) {
      list = true;
    } else if (std::strcmp(a, "--active-low") == 0) {
      active_low = true;
    } else {
      return usage_error(io, "led", "unknown option", a);
    }
    if (!ok) return usage_error(io, "led", "missing value for", a);
  }
  if (list) {
    std::fprintf(io.out, "LEDs in /sys/class/leds:\n");
    Status s = platform::list_sysfs_leds(
        io.sys,
        [](void* c, const char* name) { std::fprintf(static_cast<FILE*>(c), "  %s\n", name); },
        io.out);
    if (!s.is_ok()) return fail(io, "led", s);
    return 0;
  }
  if ((gpio == nullptr) == (sysfs == nullptr)) {
    return usage_error(io, "led", "give one of --gpio, --sysfs or --list", nullptr);
  }
  platform::GpioLed gl(io.sys);
  platform::SysfsLed sl(io.sys);
  hal::Indicator* led = nullptr;
  if (gpio != nullptr) {
    char chip[64], line[64];
    split_gpio(gpio, chip, sizeof chip, line, sizeof line);
    platform::GpioLedConfig c;
    c.chip = chip;
    c.line = line;
    c.active_low = active_low;
    Status s = gl.open(c);
    if (!s.is_ok()) return fail(io, "led", s);
    led = &gl;
  } else {
    Status s = sl.open(sysfs);
    if (!s.is_ok()) return fail(io, "led", s);
    led = &sl;
  }
  Status s = led->show(hal::Pattern::kOn, io.clock.now_ms());
  if (!s.is_ok()) return fail(io, "led", s);
  std::fprintf(io.out, "%s: on\n", led->describe());
  std::fflush(io.out);
  io.clock.sleep_ms(500);
  s = led->show(hal::Pattern::kOff, io.clock.now_ms());
  if (!s.is_ok()) return fail(io, "led", s);
  std::fprintf(io.out, "%s: off\n", led->describe());
  return 0;
}

}  // namespace spark::probe

namespace {
spark::probe::Io real_io() {
  static spark::platform::MonotonicClock clock;
  return spark::probe::Io{spark::platform::real_sys(), clock, stdout, stderr};
}
}  // namespace

int cmd_buttons(int argc, char** argv) {
  return spark::probe::run_buttons(real_io(), argc, argv);
}
int cmd_press(int argc, char** argv) {
  return spark::probe::run_press(real_io(), argc, argv);
}
int cmd_displays(int argc, char** argv) {
  return spark::probe::run_displays(real_io(), argc, argv);
}
int cmd_led(int argc, char** argv) {
  return spark::probe::run_led(real_io(), argc, argv);
}
