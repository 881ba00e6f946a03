// hal::Clock and Deadline: every wait in sparkcam is bounded by a Deadline
// read from an injected Clock, so tests advance time instead of sleeping.
// Memory: none beyond the objects (a Deadline is one integer).
#pragma once

#include <cstdint>

namespace spark::hal {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds from an arbitrary origin.
  virtual uint64_t now_ms() = 0;
  virtual void sleep_ms(uint32_t ms) = 0;
  // Calendar time, seconds since 1970 UTC (for journal stamps and the cost
  // ledger's days; never for measuring intervals).
  virtual uint64_t wall_time_s() = 0;
};

class Deadline {
 public:
  static constexpr uint64_t kNever = UINT64_MAX;

  static Deadline after(Clock& clock, uint64_t ms) {
    uint64_t now = clock.now_ms();
    return Deadline(ms > kNever - now ? kNever : now + ms);
  }
  static Deadline never() { return Deadline(kNever); }
  constexpr explicit Deadline(uint64_t at_ms) : at_ms_(at_ms) {}

  uint64_t at_ms() const { return at_ms_; }
  bool expired(Clock& clock) const { return clock.now_ms() >= at_ms_; }
  // 0 when expired; kNever for a deadline that never comes.
  uint64_t remaining_ms(Clock& clock) const {
    if (at_ms_ == kNever) return kNever;
    uint64_t now = clock.now_ms();
    return now >= at_ms_ ? 0 : at_ms_ - now;
  }
  // The earlier of two deadlines.
  Deadline min(Deadline other) const { return other.at_ms_ < at_ms_ ? other : *this; }

 private:
  uint64_t at_ms_;
};

// A clock that moves only when told to; sleeping advances it.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(uint64_t start_ms = 0, uint64_t wall_start_s = 1767225600)
      : now_(start_ms), wall_start_s_(wall_start_s) {}
  uint64_t now_ms() override { return now_; }
  uint64_t wall_time_s() override { return wall_start_s_ + now_ / 1000; }
  void sleep_ms(uint32_t ms) override { now_ += ms; }
  void advance_ms(uint64_t ms) { now_ += ms; }

 private:
  uint64_t now_;
  uint64_t wall_start_s_;  // 2026-01-01 by default
};

}  // namespace spark::hal
