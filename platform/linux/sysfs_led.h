// SysfsLed: an LED of the kernel's leds class (/sys/class/leds/NAME), such
// as a Pi's on-board ACT (green) or PWR (red) LED, or a gpio-leds overlay.
//
// open() reads max_brightness, remembers the LED's trigger (the bracketed
// entry of .../trigger, e.g. "[mmc0]") and sets it to "none" so the kernel
// stops driving it; close() turns the LED off and puts the trigger back.
// Each change opens, writes and closes .../brightness (a few a second at
// most). An LED with max_brightness > 1 dims, so kPulse breathes.
//
// Memory (x86-64): 192 bytes inline (the directory, the saved trigger); no
// heap, no fd held between changes; 256 bytes of stack to read the trigger.
#pragma once

#include <cstdint>

#include "platform/linux/gpio.h"
#include "platform/linux/sys_fd.h"

namespace spark::platform {

class SysfsLed final : public PatternLed {
 public:
  explicit SysfsLed(Sys& sys) : sys_(sys) {}
  ~SysfsLed() override { close(); }
  // name: "ACT", "led0", "PWR" or a full directory path. Errors: kNotFound
  // (lists nothing; sparkcam-probe led --list shows the names),
  // kPermissionDenied (writing needs root or a udev rule), kIo.
  Status open(const char* name);
  void close();
  const char* describe() const override { return dir_; }
  uint32_t max_brightness() const { return max_; }

 protected:
  Status set_level(uint8_t level) override;
  bool dimmable() const override { return max_ > 1; }

 private:
  Sys& sys_;
  bool open_ = false;
  uint32_t max_ = 1;
  char dir_[96] = "sysfs led (not open)";
  char saved_trigger_[48] = {};
};

// Calls fn with each name under /sys/class/leds.
Status list_sysfs_leds(Sys& sys, Sys::DirFn fn, void* ctx);

}  // namespace spark::platform
