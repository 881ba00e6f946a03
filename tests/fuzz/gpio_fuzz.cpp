// GPIO edge events (gpio_v2_line_event records, as a line request's read
// returns them) through platform::take_edge_event and the press tracker,
// as GpioButton::on_ready and take() drive them, with the line's level
// read back for a settle from the input too. Input: [debounce][long press]
// then records of sizeof(gpio_v2_line_event) + 1 bytes (the extra byte:
// bit 0 the level a settle reads, the rest how far past the event's time
// the clock is when take() runs, 0..127 ms).
// Checks: events come from this button and follow press -> short press, or
// press -> long press -> release; a short press is held under the
// long-press time and a long press exactly that long.
#include <cstdlib>
#include <cstring>

#include "platform/linux/gpio.h"

using namespace spark;
using Kind = hal::ButtonEvent::Kind;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  hal::ButtonTiming timing{static_cast<uint32_t>(data[0] % 64),
                           static_cast<uint32_t>(1 + data[1] * 8)};
  platform::PressTracker tracker(3, timing);
  int state = 0;  // 0 idle, 1 pressed, 2 long press sent
  constexpr size_t kRecord = sizeof(gpio_v2_line_event) + 1;
  for (size_t pos = 2; size - pos >= kRecord; pos += kRecord) {
    gpio_v2_line_event ev;
    std::memcpy(&ev, data + pos, sizeof ev);
    const uint8_t extra = data[pos + sizeof ev];
    // As on_ready and take() do: each step's events are taken before the next.
    auto drain = [&] {
      while (auto e = tracker.pop()) {
        if (e->source != 3) std::abort();
        switch (e->kind) {
          case Kind::kPress:
            if (state != 0) std::abort();
            state = 1;
            break;
          case Kind::kShortPress:
            if (state != 1 || e->held_ms >= timing.long_press_ms) std::abort();
            state = 0;
            break;
          case Kind::kLongPress:
            if (state != 1 || e->held_ms != timing.long_press_ms) std::abort();
            state = 2;
            break;
          case Kind::kRelease:
            if (state != 2) std::abort();
            state = 0;
            break;
        }
      }
    };
    platform::take_edge_event(tracker, ev);
    drain();
    const uint64_t now = ev.timestamp_ns / 1000000u + (extra >> 1);
    if (tracker.settle_at_ms() <= now) tracker.settle((extra & 1) != 0);
    drain();
    tracker.advance(now);
    drain();
  }
  return 0;
}
