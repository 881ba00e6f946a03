// EvdevButton: a button on a Linux input device (<linux/input.h>): a key of
// a USB arcade encoder or keyboard (they present as keyboards), or a tap on
// a touchscreen.
//
// The device is a path ("/dev/input/event3", or a stable
// /dev/input/by-id/... link) or a name as EVIOCGNAME reports it ("DragonRise
// Inc. Generic USB Joystick"; an exact match first, else the first name that
// contains it), searched over /dev/input/event*. Key value 1 is down, 0 up,
// 2 (autorepeat) is ignored. With touch on, a touch (BTN_TOUCH, or any
// ABS_MT_TRACKING_ID contact of multi-touch protocol B) is a press until the
// last finger lifts. Event times are the kernel's, on CLOCK_MONOTONIC
// (EVIOCSCLOCKID). grab = EVIOCGRAB: no other program (the console, a
// desktop) sees the keys while sparkcam runs.
//
// Memory (x86-64): 616 bytes inline (held keys as a bitset of KEY_CNT bits,
// 64 touch slots as a mask, a Status, the description); no heap. One fd.
// EvdevDecoder alone: 128 bytes (the key bitset, the slot mask, a few flags).
#pragma once

#include <linux/input.h>

#include <bitset>
#include <cstdint>

#include "platform/linux/linux_button.h"
#include "platform/linux/sys_fd.h"

namespace spark::platform {

struct EvdevButtonConfig {
  // A path or a name; empty: the first device that has the key (or touch).
  const char* device = "";
  // The key (KEY_ENTER = 28, BTN_TRIGGER = 288, ... as in
  // <linux/input-event-codes.h>); 0 = any key, -1 = no key (touch only).
  int key_code = 0;
  bool touch = true;  // touches count as presses, on a device that has them
  bool grab = false;
  uint8_t id = 0;                     // hal::ButtonEvent::source
  hal::ButtonTiming timing{0, 1500};  // keyboards debounce in their firmware
};

// The decoding of the device's events into the button's level, without I/O
// (EvdevButton feeds it what it reads; tests/fuzz/evdev_fuzz.cpp feeds it
// arbitrary bytes). Key value 1 is down, 0 up, 2 ignored; only the
// configured key (or any non-digitizer key for key_code 0) counts; with
// touch, BTN_TOUCH and multi-touch slots 0..63 count; after SYN_DROPPED
// everything up to the next SYN_REPORT is skipped and the caller reads the
// key state (EVIOCGKEY) for resync().
class EvdevDecoder {
 public:
  static constexpr size_t kKeyStateBytes = (KEY_CNT + 7) / 8;  // EVIOCGKEY's buffer
  enum class Step : uint8_t {
    kApplied,  // the level may have changed
    kIgnored,  // nothing changed (SYN_DROPPED, or skipped until SYN_REPORT)
    kResync,   // the SYN_REPORT after a drop: call resync() with EVIOCGKEY's bits
  };
  void configure(int key_code, bool touch) {
    key_code_ = key_code;
    touch_ = touch;
  }
  Step apply(const input_event& ev);
  void resync(const uint8_t (&state)[kKeyStateBytes]);
  bool level() const { return keys_.any() || btn_touch_ || contacts_ != 0; }
  void reset();

 private:
  bool counts(int code) const;

  int key_code_ = 0;
  bool touch_ = false;
  bool dropped_ = false;     // SYN_DROPPED: skip to the next SYN_REPORT, then resync
  std::bitset<0x300> keys_;  // KEY_CNT
  bool btn_touch_ = false;
  uint64_t contacts_ = 0;  // a bit per multi-touch slot with a contact
  int slot_ = 0;
};

class EvdevButton final : public LinuxButton {
 public:
  EvdevButton(Sys& sys, hal::Clock& clock) : LinuxButton(sys, clock), tracker_(0, {}) {}
  // Errors: kNotFound (no such device; the message lists none, run
  // sparkcam-probe buttons), kInvalidArgument (the device has neither the
  // key nor touch), kUnavailable (grabbed by another program), kPermissionDenied.
  Status open(const EvdevButtonConfig& config);
  void close();
  const char* describe() const override { return describe_; }
  bool has_touch() const { return touch_; }

  int poll_fd() const override { return fd_.get(); }
  Result<std::optional<hal::ButtonEvent>> take(uint64_t now_ms) override;
  Result<std::optional<hal::ButtonEvent>> on_ready(short revents, uint64_t now_ms) override;
  uint64_t next_timer_ms() const override { return tracker_.next_timer_ms(); }

 private:
  Status fail(Status s);

  Fd fd_;
  PressTracker tracker_;
  Status error_;
  bool touch_ = false;
  bool monotonic_ = false;  // event times on CLOCK_MONOTONIC
  EvdevDecoder decoder_;
  char describe_[128] = "input button (not open)";
};

// Calls fn for each /dev/input/event* that opens, with its EVIOCGNAME name.
using InputDeviceFn = void (*)(void* ctx, const char* path, const char* name, bool has_keys,
                               bool has_touch);
Status list_input_devices(Sys& sys, InputDeviceFn fn, void* ctx);

}  // namespace spark::platform
