// TerminalButton: the headless simulator's hal::Button, the keyboard of the
// terminal sparkcam runs in (stdin by default).
//
// Keys: space or Enter is a press (kPress then kShortPress at once: a
// terminal reports no key release, so a hold cannot be timed); l or L is a
// long press (next preset): kPress, kLongPress, kRelease, the press dated
// long_press_ms before the key arrived so the events keep hal::Button's
// timing rules; q or Q quits (host_quit.h: wait() returns kCancelled from
// then on). Other bytes (arrow keys' escape sequences, ...) are ignored.
// The events come from PressTracker (platform/linux/linux_button.h), the
// press logic of the device's buttons.
//
// Raw mode: when fd is a terminal, open() turns off canonical input and
// echo (termios; ISIG stays on, so Ctrl-C still sends SIGINT) and the
// settings are restored by close(), the destructor, at exit() and on
// SIGINT, SIGTERM and SIGHUP (a handler restores the terminal, then
// re-raises the signal to the handler that was there before; a handler
// the program installs after open() replaces this one, and then its own
// orderly exit restores the terminal through close() or exit()). One
// TerminalButton at a time may hold a terminal in raw mode. When fd is not
// a terminal (a pipe, a file) its bytes are read as they are.
//
// Errors of wait(): kCancelled (q: a quit request), kUnavailable (end of
// input: the terminal closed or the pipe's writer finished), kIo.
//
// Memory (x86-64): ~300 bytes inline (two PressTrackers, the saved
// termios); no heap. Reads fd one byte at a time.
#pragma once

#include <termios.h>

#include <cstdint>
#include <optional>

#include "hal/button.h"
#include "hal/clock.h"
#include "platform/linux/linux_button.h"

namespace spark::platform {

struct TerminalButtonConfig {
  int fd = 0;
  uint8_t id = 0;  // hal::ButtonEvent::source
  uint32_t long_press_ms = 1500;
};

class TerminalButton final : public hal::Button {
 public:
  // clock: the controller's (MonotonicClock); event times are read from it.
  explicit TerminalButton(hal::Clock& clock) : clock_(clock) {}
  ~TerminalButton() override { close(); }
  TerminalButton(const TerminalButton&) = delete;
  TerminalButton& operator=(const TerminalButton&) = delete;

  // Errors: kFailedPrecondition (another TerminalButton holds a terminal in
  // raw mode), kIo (tcsetattr failed).
  Status open(const TerminalButtonConfig& config);
  // Restores the terminal; the fd stays the caller's.
  void close();
  bool raw() const { return raw_; }

  Result<std::optional<hal::ButtonEvent>> wait(hal::Deadline deadline) override;
  const char* describe() const override { return describe_; }

 private:
  std::optional<hal::ButtonEvent> pop();
  void on_byte(unsigned char c, uint64_t now_ms);

  hal::Clock& clock_;
  int fd_ = -1;
  bool raw_ = false;
  uint32_t long_press_ms_ = 1500;
  PressTracker press_{0, {0, 1500}};
  PressTracker long_{0, {0, 1500}};
  Status error_;
  char describe_[64] = "terminal keys (not open)";
};

}  // namespace spark::platform
