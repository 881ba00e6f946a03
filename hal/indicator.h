// hal::Indicator: a status LED that shows one pattern at a time (off, on,
// slow blink, fast blink, pulse); the controller picks the pattern per state.
//
// Timing is driven by the caller: show() starts a pattern, and the
// controller's loop calls tick(now) and folds next_change_ms() into the
// deadline it waits on (Deadline(min(next poll, next_change_ms()))). Chosen
// over a driver-owned thread because the controller already waits with
// deadlines in one loop: no thread, no locks around the LED or the fd, the
// same behaviour under the tests' ManualClock as on a Pi, and a blink costs
// one write per change (a few a second), never a busy loop. The price: the
// LED stalls while the loop is inside a long call (an upload), which the
// controller's progress callback can avoid by calling tick() as well.
//
// What the patterns are is fixed here, the same on every platform
// (pattern_step below): slow blink 1 Hz (500 ms on, 500 ms off), fast blink
// 4 Hz (125/125), pulse a 2 s breath (a 16-level ramp up and down on an LED
// that dims, a double flash 100 on/100 off/100 on/1700 off on an on/off one).
//
// Errors of show()/tick(): kUnavailable (the LED's device went away), kIo.
//
// Memory: interfaces only. Implementations state their own.
#pragma once

#include <cstdint>

#include "core/status.h"
#include "hal/clock.h"

namespace spark::hal {

enum class Pattern : uint8_t { kOff, kOn, kSlowBlink, kFastBlink, kPulse };

inline const char* pattern_name(Pattern p) {
  switch (p) {
    case Pattern::kOff:
      return "off";
    case Pattern::kOn:
      return "on";
    case Pattern::kSlowBlink:
      return "slow blink";
    case Pattern::kFastBlink:
      return "fast blink";
    case Pattern::kPulse:
      return "pulse";
  }
  return "?";
}

// The level (0 off .. 255 full) of pattern p at elapsed ms since show(),
// and how many ms later that level may change (Deadline::kNever: never).
struct PatternStep {
  uint8_t level = 0;
  uint64_t hold_ms = Deadline::kNever;
};

inline PatternStep pattern_step(Pattern p, uint64_t elapsed_ms, bool dimmable) {
  auto square = [elapsed_ms](uint64_t on_ms, uint64_t off_ms) {
    uint64_t t = elapsed_ms % (on_ms + off_ms);
    return t < on_ms ? PatternStep{255, on_ms - t} : PatternStep{0, on_ms + off_ms - t};
  };
  switch (p) {
    case Pattern::kOff:
      return {0, Deadline::kNever};
    case Pattern::kOn:
      return {255, Deadline::kNever};
    case Pattern::kSlowBlink:
      return square(500, 500);
    case Pattern::kFastBlink:
      return square(125, 125);
    case Pattern::kPulse: {
      uint64_t t = elapsed_ms % 2000;
      if (!dimmable) {
        if (t < 100) return {255, 100 - t};
        if (t < 200) return {0, 200 - t};
        if (t < 300) return {255, 300 - t};
        return {0, 2000 - t};
      }
      // 32 steps of 62.5 ms: levels 0, 17, ..., 255 then back down.
      uint64_t step = t * 32 / 2000;
      uint64_t up = step < 16 ? step : 31 - step;
      uint64_t next_at = ((step + 1) * 2000 + 31) / 32;
      return {static_cast<uint8_t>(up * 17), next_at - t};
    }
  }
  return {0, Deadline::kNever};
}

class Indicator {
 public:
  virtual ~Indicator() = default;
  // Starts pattern p at now_ms (its phase begins there) and sets the LED.
  // Showing the pattern already shown keeps its phase and writes nothing.
  virtual Status show(Pattern p, uint64_t now_ms) = 0;
  // Brings the LED to the pattern's level at now_ms; writes only when the
  // level changes. Calling it late is harmless (the phase follows now_ms).
  virtual Status tick(uint64_t now_ms) = 0;
  // When tick() next has work: a time in ms, or Deadline::kNever for a
  // steady pattern (off, on).
  virtual uint64_t next_change_ms() const = 0;
  virtual const char* describe() const = 0;
};

}  // namespace spark::hal
