// The evdev event decoding (platform::EvdevDecoder) and the press tracker
// behind it, on arbitrary input_event records, as EvdevButton::on_ready and
// take() drive them. Input: [key code lo][key code hi][flags][timing 2]
// then sizeof(input_event)-byte records; after a SYN_REPORT that follows a
// SYN_DROPPED the next EVIOCGKEY-sized bytes (zeros past the end) are the
// key state read back.
// Checks: the decoder's level equals an independent model's (a std::set of
// held keys and of touching slots, written from the rules in
// evdev_button.h, not from the code); with key code -1 and touch off it is
// never down; the tracker's events follow press -> short press, or press
// -> long press -> release, with a short press held under the long-press
// time.
#include <cstdlib>
#include <cstring>
#include <set>

#include "platform/linux/evdev_button.h"

using namespace spark;
using platform::EvdevDecoder;
using Kind = hal::ButtonEvent::Kind;

namespace {

struct Model {
  int key_code = 0;
  bool touch = false;
  bool dropped = false;
  std::set<int> keys;
  bool btn_touch = false;
  std::set<int> contacts;
  int slot = 0;

  bool counts(int code) const {
    if (key_code > 0) return code == key_code;
    return key_code == 0 && !(code >= BTN_DIGI && code < BTN_DIGI + 16);
  }
  bool level() const { return !keys.empty() || btn_touch || !contacts.empty(); }
};

// Events must follow the grammar; state: 0 idle, 1 pressed, 2 long sent.
void check(int& state, const hal::ButtonEvent& ev, uint32_t long_ms) {
  switch (ev.kind) {
    case Kind::kPress:
      if (state != 0) std::abort();
      state = 1;
      break;
    case Kind::kShortPress:
      if (state != 1 || ev.held_ms >= long_ms) std::abort();
      state = 0;
      break;
    case Kind::kLongPress:
      if (state != 1 || ev.held_ms != long_ms) std::abort();
      state = 2;
      break;
    case Kind::kRelease:
      if (state != 2) std::abort();
      state = 0;
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  Model m;
  m.key_code = static_cast<int>((data[0] | data[1] << 8) % (KEY_CNT + 2)) - 1;  // -1..KEY_CNT
  m.touch = (data[2] & 1) != 0;
  hal::ButtonTiming timing{static_cast<uint32_t>(data[3] % 64),
                           static_cast<uint32_t>(1 + data[4] * 8)};
  EvdevDecoder dec;
  dec.configure(m.key_code, m.touch);
  platform::PressTracker tracker(7, timing);
  int state = 0;
  size_t pos = 5;
  while (size - pos >= sizeof(input_event)) {
    input_event ev;
    std::memcpy(&ev, data + pos, sizeof ev);
    pos += sizeof ev;
    const uint64_t at = static_cast<uint64_t>(ev.input_event_sec) * 1000u +
                        static_cast<uint64_t>(ev.input_event_usec) / 1000u;
    const bool before = dec.level();
    const EvdevDecoder::Step step = dec.apply(ev);

    // The model, from the documented rules.
    if (ev.type == EV_SYN && ev.code == SYN_DROPPED) {
      m.dropped = true;
      if (step != EvdevDecoder::Step::kIgnored) std::abort();
    } else if (m.dropped) {
      if (ev.type != EV_SYN || ev.code != SYN_REPORT) {
        if (step != EvdevDecoder::Step::kIgnored) std::abort();
      } else {
        if (step != EvdevDecoder::Step::kResync) std::abort();
        m.dropped = false;
        uint8_t keys[EvdevDecoder::kKeyStateBytes] = {};
        size_t n = size - pos < sizeof keys ? size - pos : sizeof keys;
        std::memcpy(keys, data + pos, n);
        pos += n;
        dec.resync(keys);
        m.keys.clear();
        for (int k = 1; k < KEY_CNT; ++k) {
          if (((keys[k / 8] >> (k % 8)) & 1) && m.counts(k)) m.keys.insert(k);
        }
        m.btn_touch = m.touch && ((keys[BTN_TOUCH / 8] >> (BTN_TOUCH % 8)) & 1);
        if (!m.btn_touch) m.contacts.clear();
      }
    } else {
      if (step != EvdevDecoder::Step::kApplied) std::abort();
      if (ev.type == EV_KEY && ev.value != 2 && ev.code < KEY_CNT) {
        if (ev.code == BTN_TOUCH) {
          if (m.touch) m.btn_touch = ev.value != 0;
        } else if (m.counts(ev.code)) {
          if (ev.value != 0) {
            m.keys.insert(ev.code);
          } else {
            m.keys.erase(ev.code);
          }
        }
      } else if (ev.type == EV_ABS && m.touch) {
        if (ev.code == ABS_MT_SLOT) {
          m.slot = ev.value;
        } else if (ev.code == ABS_MT_TRACKING_ID && m.slot >= 0 && m.slot < 64) {
          if (ev.value >= 0) {
            m.contacts.insert(m.slot);
          } else {
            m.contacts.erase(m.slot);
          }
        }
      }
    }
    if (dec.level() != m.level()) std::abort();
    if (m.key_code < 0 && !m.touch && dec.level()) std::abort();

    // As on_ready and then take() would: the edge, a settle that is due,
    // a long press that is due, every queued event.
    if (step == EvdevDecoder::Step::kIgnored) continue;
    auto drain = [&] {
      while (auto e = tracker.pop()) {
        if (e->source != 7) std::abort();
        check(state, *e, timing.long_press_ms);
      }
    };
    if (dec.level() != before) tracker.edge(dec.level(), at);
    drain();
    if (tracker.settle_at_ms() <= at) tracker.settle(dec.level());
    drain();
    tracker.advance(at);
    drain();
  }
  dec.reset();
  if (dec.level()) std::abort();
  return 0;
}
