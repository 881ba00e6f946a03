// hal::Button: an input source of press events (a GPIO push button, a USB
// arcade encoder or keyboard key, a touchscreen tap, or several merged).
//
// The kiosk controller waits on it with a Deadline: "a press or the next
// poll, whichever is first". wait() returns an event, or no event when the
// deadline passes, or an error; it never blocks past the deadline.
//
// Events of one physical press, in order:
//   kPress       at the (debounced) down edge, handed out at once, so a
//                screen or LED can answer the touch without delay;
//   kShortPress  at the up edge when it was held < long_press_ms; or
//   kLongPress   when it has been held for long_press_ms (still down), then
//   kRelease     at the up edge after a long press.
// So every press ends in exactly one kShortPress or kRelease, and a caller
// that only wants "a press" takes kPress and ignores the rest.
//
// Timestamps are monotonic milliseconds on the hal::Clock's time base (the
// kernel's event time where the device gives one, not the time of reading).
// A kLongPress carries the press's time plus long_press_ms.
//
// Errors of wait(): kUnavailable (the device went away: unplugged, chip
// removed; reopen to recover), kIo (any other OS error, with its text).
// After an error the source stays closed; wait() returns the error again.
//
// Memory: interfaces only. Implementations state their own.
#pragma once

#include <cstdint>
#include <optional>

#include "core/status.h"
#include "hal/clock.h"

namespace spark::hal {

struct ButtonEvent {
  enum class Kind : uint8_t { kPress, kShortPress, kLongPress, kRelease };
  Kind kind = Kind::kPress;
  // Which button: the id given to it in its configuration (a composite
  // passes its members' ids through unchanged).
  uint8_t source = 0;
  uint64_t at_ms = 0;    // when it happened (see above)
  uint32_t held_ms = 0;  // kShortPress / kLongPress / kRelease: time held
};

// "press", "short press", "long press", "release".
inline const char* button_event_name(ButtonEvent::Kind kind) {
  switch (kind) {
    case ButtonEvent::Kind::kPress:
      return "press";
    case ButtonEvent::Kind::kShortPress:
      return "short press";
    case ButtonEvent::Kind::kLongPress:
      return "long press";
    case ButtonEvent::Kind::kRelease:
      return "release";
  }
  return "?";
}

struct ButtonTiming {
  // Edges closer than this to the last accepted edge are contact bounce and
  // dropped. The first edge is taken at once (no latency added); when the
  // window ends the line is read again, so a missed final edge costs at
  // most the window.
  uint32_t debounce_ms = 20;
  uint32_t long_press_ms = 1500;
};

class Button {
 public:
  virtual ~Button() = default;
  // The next event, or std::nullopt once deadline has passed with none.
  // A deadline already past still hands out an event that is ready.
  virtual Result<std::optional<ButtonEvent>> wait(Deadline deadline) = 0;
  // "gpio pinctrl-rp1 line 17 (GPIO17)", "input /dev/input/event3 (...)".
  virtual const char* describe() const = 0;
};

}  // namespace spark::hal
