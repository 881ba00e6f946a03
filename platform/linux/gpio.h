// GPIO character device (uAPI v2, <linux/gpio.h>): finding a chip and a line,
// and the two drivers on a line request: GpioButton (input, both edges,
// kernel timestamps) and GpioLed (output).
//
// A chip is given as a path ("/dev/gpiochip0"), a name ("gpiochip4") or a
// label ("pinctrl-rp1", "pinctrl-bcm2711"); empty means every chip. A line is
// given as an offset ("17") or a name ("GPIO17"). On a Raspberry Pi 5 the
// header's GPIOs are on the RP1 chip, label pinctrl-rp1: /dev/gpiochip4 on
// older kernels and /dev/gpiochip0 on current ones; on a Pi 4 they are on
// gpiochip0, label pinctrl-bcm2711. Labels and line names ("GPIO17") work on
// both, so a config written for one Pi works on the other.
//
// Neither the deprecated sysfs GPIO nor libgpiod: ioctls on the chip
// (GPIO_GET_CHIPINFO_IOCTL, GPIO_V2_GET_LINEINFO_IOCTL, GPIO_V2_GET_LINE_IOCTL),
// then reads and ioctls on the line request's fd, all through platform::Sys.
//
// Memory (x86-64): GpioButton 472 bytes (a Status for the sticky error, the
// description, the press tracker), GpioLed 168 bytes, all inline; no heap.
// Each holds one fd (the line request); the chip's fd is closed after the
// request. Linux 5.10 or later (uAPI v2).
#pragma once

#include <linux/gpio.h>

#include <cstdint>

#include "hal/button.h"
#include "hal/indicator.h"
#include "platform/linux/linux_button.h"
#include "platform/linux/sys_fd.h"

namespace spark::platform {

struct GpioLine {
  char chip_path[64] = {};
  char chip_label[32] = {};
  uint32_t offset = 0;
  char name[32] = {};  // the line's name, may be empty
};

// Finds chip and line as described above. Errors: kNotFound ("no GPIO chip
// labelled ...", "no line named ... on ..."), kOutOfRange (offset past the
// chip's lines), kPermissionDenied, kIo.
Result<GpioLine> find_gpio_line(Sys& sys, const char* chip, const char* line);

// Calls fn for each /dev/gpiochip* that answers GPIO_GET_CHIPINFO_IOCTL.
using GpioChipFn = void (*)(void* ctx, const char* path, const char* label, uint32_t lines);
Status list_gpio_chips(Sys& sys, GpioChipFn fn, void* ctx);
// Calls fn for each line of the chip at path: offset, name, consumer ("" if free).
using GpioLineFn = void (*)(void* ctx, uint32_t offset, const char* name, const char* consumer);
Status list_gpio_lines(Sys& sys, const char* chip_path, GpioLineFn fn, void* ctx);

struct GpioButtonConfig {
  const char* chip = "";  // see above
  const char* line = "GPIO17";
  uint8_t id = 0;          // hal::ButtonEvent::source
  bool active_low = true;  // pressed = line pulled to ground
  enum class Bias : uint8_t { kPullUp, kPullDown, kNone } bias = Bias::kPullUp;
  // The kernel's debounce (GPIO_V2_LINE_ATTR_ID_DEBOUNCE): an edge is
  // reported once the line has been stable this long, so it also filters
  // short glitches, at the cost of this much latency. 0 = not asked for. A
  // kernel or chip that refuses it leaves the software debounce alone.
  uint32_t kernel_debounce_ms = 5;
  hal::ButtonTiming timing;  // the software debounce and long press
};

// The decoding of one edge event read from a line request, without I/O
// (GpioButton feeds it what it reads; tests/fuzz/gpio_fuzz.cpp arbitrary
// bytes): a rising edge is the active level (the line is requested with
// ACTIVE_LOW when it is active low), at the kernel's timestamp
// (CLOCK_MONOTONIC ns) in ms.
void take_edge_event(PressTracker& tracker, const gpio_v2_line_event& ev);

class GpioButton final : public LinuxButton {
 public:
  GpioButton(Sys& sys, hal::Clock& clock) : LinuxButton(sys, clock), tracker_(0, {}) {}
  // Requests the line. Errors: as find_gpio_line; kUnavailable when the line
  // is in use (names its consumer); kUnimplemented on kernels without uAPI v2.
  Status open(const GpioButtonConfig& config);
  void close();
  bool kernel_debounce() const { return kernel_debounce_; }
  const char* describe() const override { return describe_; }

  int poll_fd() const override { return line_.get(); }
  Result<std::optional<hal::ButtonEvent>> take(uint64_t now_ms) override;
  Result<std::optional<hal::ButtonEvent>> on_ready(short revents, uint64_t now_ms) override;
  uint64_t next_timer_ms() const override { return tracker_.next_timer_ms(); }

 private:
  Status fail(Status s);

  Fd line_;
  PressTracker tracker_;
  bool kernel_debounce_ = false;
  Status error_;  // once the device fails, every wait returns this
  char describe_[112] = "gpio button (not open)";
};

struct GpioLedConfig {
  const char* chip = "";
  const char* line = "GPIO27";
  bool active_low = false;  // LED from the pin through a resistor to ground
};

// Shared pattern timing for LEDs: show()/tick() per hal::Indicator, the
// device write left to set_level().
class PatternLed : public hal::Indicator {
 public:
  Status show(hal::Pattern p, uint64_t now_ms) override;
  Status tick(uint64_t now_ms) override;
  uint64_t next_change_ms() const override { return next_ms_; }

 protected:
  virtual Status set_level(uint8_t level) = 0;  // 0..255
  virtual bool dimmable() const = 0;
  void forget_level() { have_level_ = false; }
  bool known_off() const { return have_level_ && level_ == 0; }

 private:
  hal::Pattern pattern_ = hal::Pattern::kOff;
  bool started_ = false;
  bool have_level_ = false;
  uint8_t level_ = 0;
  uint64_t start_ms_ = 0;
  uint64_t next_ms_ = hal::Deadline::kNever;
};

class GpioLed final : public PatternLed {
 public:
  explicit GpioLed(Sys& sys) : sys_(sys) {}
  ~GpioLed() override { close(); }
  // Requests the line as an output, LED off. Errors as GpioButton::open.
  Status open(const GpioLedConfig& config);
  // Turns the LED off and releases the line.
  void close();
  const char* describe() const override { return describe_; }

 protected:
  Status set_level(uint8_t level) override;
  bool dimmable() const override { return false; }

 private:
  Sys& sys_;
  Fd line_;
  char describe_[112] = "gpio led (not open)";
};

}  // namespace spark::platform
