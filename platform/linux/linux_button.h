// What the Linux buttons share: PressTracker (debounce and press/long-press
// timing as pure logic), LinuxButton (a hal::Button whose device is one
// pollable fd) and ButtonGroup (several LinuxButtons waited on in one
// poll(2), e.g. a GPIO button and a touchscreen).
//
// Latency: a debounced edge is handed out as soon as poll wakes; debounce
// never delays the first edge of a press (see hal::ButtonTiming) and at
// most its window when it has to read the line again.
//
// Memory (x86-64): PressTracker 152 bytes with a queue of 4 events; a
// ButtonGroup 104 bytes (up to kMaxMembers pointers). No heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "hal/button.h"
#include "platform/linux/sys.h"

namespace spark::platform {

class PressTracker {
 public:
  PressTracker(uint8_t source, hal::ButtonTiming timing) : source_(source), timing_(timing) {}

  // An edge seen by the kernel at at_ms to the logical level down.
  // Queues the events it causes (a long press due before at_ms first).
  void edge(bool down, uint64_t at_ms);
  // Queues a long press that is due by now_ms.
  void advance(uint64_t now_ms);
  // When a bounce was dropped, the window's end: the caller then reads the
  // line and calls settle() with its level. Deadline::kNever otherwise.
  uint64_t settle_at_ms() const;
  void settle(bool down_now);
  // The next time advance() or settle() has work, or Deadline::kNever.
  uint64_t next_timer_ms() const;

  std::optional<hal::ButtonEvent> pop();
  bool is_down() const { return down_; }
  // The level of the last edge seen, accepted or not.
  bool last_level() const { return last_level_; }
  void reset();

 private:
  void accept(bool down, uint64_t at_ms);
  void push(hal::ButtonEvent::Kind kind, uint64_t at_ms, uint64_t held_ms);

  uint8_t source_;
  hal::ButtonTiming timing_;
  bool down_ = false;
  bool last_level_ = false;
  bool long_sent_ = false;
  bool dirty_ = false;  // an edge was dropped inside the debounce window
  bool accepted_any_ = false;
  uint64_t down_at_ms_ = 0;
  uint64_t last_accept_ms_ = 0;
  static constexpr size_t kQueue = 4;
  hal::ButtonEvent queue_[kQueue];
  size_t head_ = 0, count_ = 0;
};

// clock must run on CLOCK_MONOTONIC (platform::MonotonicClock): the kernel's
// event times are compared with it for long presses and debounce windows.
class LinuxButton : public hal::Button {
 public:
  LinuxButton(Sys& sys, hal::Clock& clock) : sys_(sys), clock_(clock) {}
  Result<std::optional<hal::ButtonEvent>> wait(hal::Deadline deadline) override;

  // For ButtonGroup. The fd to poll for input, -1 when closed.
  virtual int poll_fd() const = 0;
  // An event ready without blocking (queued, or a timer due by now_ms).
  virtual Result<std::optional<hal::ButtonEvent>> take(uint64_t now_ms) = 0;
  // poll(2) reported revents on poll_fd(): read one kernel event.
  virtual Result<std::optional<hal::ButtonEvent>> on_ready(short revents, uint64_t now_ms) = 0;
  virtual uint64_t next_timer_ms() const = 0;

 protected:
  Sys& sys_;
  hal::Clock& clock_;
};

// Waits on all members at once; events keep their members' source ids.
class ButtonGroup final : public hal::Button {
 public:
  static constexpr size_t kMaxMembers = 8;
  ButtonGroup(Sys& sys, hal::Clock& clock) : sys_(sys), clock_(clock) {}
  // kResourceExhausted past kMaxMembers. The member must outlive the group.
  Status add(LinuxButton& member);
  Result<std::optional<hal::ButtonEvent>> wait(hal::Deadline deadline) override;
  const char* describe() const override { return "button group"; }

 private:
  Sys& sys_;
  hal::Clock& clock_;
  LinuxButton* members_[kMaxMembers] = {};
  size_t count_ = 0;
  size_t next_first_ = 0;  // round robin, so one busy member cannot starve the rest
};

// The loop both use: take() from each, else poll all fds until the deadline
// or the next timer.
Result<std::optional<hal::ButtonEvent>> wait_buttons(Sys& sys, hal::Clock& clock,
                                                     LinuxButton* const* members, size_t n,
                                                     size_t first, hal::Deadline deadline);

}  // namespace spark::platform
