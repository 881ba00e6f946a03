#include "platform/linux/evdev_button.h"

#include <fcntl.h>
#include <linux/input.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace spark::platform {
namespace {

constexpr size_t kMaxDevices = 32;
constexpr size_t kKeyBytes = (KEY_CNT + 7) / 8;
constexpr size_t kAbsBytes = (ABS_CNT + 7) / 8;

bool bit(const uint8_t* bits, int n) {
  return (bits[n / 8] >> (n % 8)) & 1;
}

// Touch tool and digitizer codes are not "keys" for key_code 0.
bool is_digitizer(int code) {
  return code >= BTN_DIGI && code < BTN_DIGI + 16;
}

struct Name {
  char s[16];
};
struct DevList {
  Name names[kMaxDevices];
  size_t count = 0;
};

Status event_devices(Sys& sys, DevList& out) {
  out.count = 0;
  int r = sys.list_dir(
      "/dev/input",
      [](void* ctx, const char* name) {
        auto* list = static_cast<DevList*>(ctx);
        if (std::strncmp(name, "event", 5) != 0 || list->count == kMaxDevices) return;
        copy_text(list->names[list->count++].s, sizeof(Name::s), name);
      },
      &out);
  if (r < 0) {
    if (errno == ENOENT) {
      return Status::error(Code::kNotFound, "input: no /dev/input (no input devices)");
    }
    return errno_status(errno, "input: listing /dev/input");
  }
  std::sort(out.names, out.names + out.count,
            [](const Name& a, const Name& b) { return std::atoi(a.s + 5) < std::atoi(b.s + 5); });
  return Status::ok();
}

struct Caps {
  char name[128] = {};
  uint8_t keys[kKeyBytes] = {};
  uint8_t abs[kAbsBytes] = {};
};

void read_caps(Sys& sys, int fd, Caps& caps) {
  if (sys.ioctl(fd, EVIOCGNAME(sizeof caps.name - 1), caps.name) < 0) caps.name[0] = 0;
  caps.name[sizeof caps.name - 1] = 0;
  if (sys.ioctl(fd, EVIOCGBIT(EV_KEY, kKeyBytes), caps.keys) < 0) {
    std::memset(caps.keys, 0, sizeof caps.keys);
  }
  if (sys.ioctl(fd, EVIOCGBIT(EV_ABS, kAbsBytes), caps.abs) < 0) {
    std::memset(caps.abs, 0, sizeof caps.abs);
  }
}

bool caps_touch(const Caps& c) {
  return bit(c.keys, BTN_TOUCH) || bit(c.abs, ABS_MT_TRACKING_ID);
}
bool caps_any_key(const Caps& c) {
  for (int k = 1; k < KEY_CNT; ++k) {
    if (!is_digitizer(k) && bit(c.keys, k)) return true;
  }
  return false;
}

}  // namespace

static_assert(EvdevDecoder::kKeyStateBytes == kKeyBytes, "EVIOCGKEY's buffer");

bool EvdevDecoder::counts(int code) const {
  return key_code_ > 0 ? code == key_code_ : key_code_ == 0 && !is_digitizer(code);
}

EvdevDecoder::Step EvdevDecoder::apply(const input_event& ev) {
  if (ev.type == EV_SYN && ev.code == SYN_DROPPED) {
    dropped_ = true;  // the kernel's buffer overflowed: state is unknown
    return Step::kIgnored;
  }
  if (dropped_) {
    if (ev.type != EV_SYN || ev.code != SYN_REPORT) return Step::kIgnored;
    dropped_ = false;
    return Step::kResync;
  }
  if (ev.type == EV_KEY && ev.value != 2 && ev.code < KEY_CNT) {
    bool down = ev.value != 0;
    if (ev.code == BTN_TOUCH) {
      if (touch_) btn_touch_ = down;
    } else if (counts(ev.code)) {
      keys_.set(ev.code, down);
    }
  } else if (ev.type == EV_ABS && touch_) {
    if (ev.code == ABS_MT_SLOT) {
      slot_ = ev.value;
    } else if (ev.code == ABS_MT_TRACKING_ID && slot_ >= 0 && slot_ < 64) {
      uint64_t b = uint64_t{1} << slot_;
      contacts_ = ev.value >= 0 ? (contacts_ | b) : (contacts_ & ~b);
    }
  }
  return Step::kApplied;
}

void EvdevDecoder::resync(const uint8_t (&state)[kKeyStateBytes]) {
  keys_.reset();
  for (int k = 1; k < KEY_CNT; ++k) {
    if (bit(state, k) && counts(k)) keys_.set(static_cast<size_t>(k));
  }
  btn_touch_ = touch_ && bit(state, BTN_TOUCH);
  if (!btn_touch_) contacts_ = 0;
}

void EvdevDecoder::reset() {
  keys_.reset();
  btn_touch_ = false;
  contacts_ = 0;
  slot_ = 0;
  dropped_ = false;
}

Status list_input_devices(Sys& sys, InputDeviceFn fn, void* ctx) {
  DevList devs;
  SPARK_TRY(event_devices(sys, devs));
  for (size_t i = 0; i < devs.count; ++i) {
    char path[32];
    format_text(path, sizeof path, "/dev/input/%s", devs.names[i].s);
    int fd = sys.open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) continue;
    Fd guard(sys, fd);
    Caps caps;
    read_caps(sys, fd, caps);
    fn(ctx, path, caps.name, caps_any_key(caps), caps_touch(caps));
  }
  return Status::ok();
}

Status EvdevButton::open(const EvdevButtonConfig& config) {
  close();
  const char* want = config.device == nullptr ? "" : config.device;
  char path[64] = {};
  Caps caps;
  if (want[0] == '/') {
    copy_text(path, sizeof path, want);
    int fd = sys_.open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) return errno_status(errno, path);
    fd_ = Fd(sys_, fd);
    read_caps(sys_, fd, caps);
  } else {
    DevList devs;
    SPARK_TRY(event_devices(sys_, devs));
    Status first_error;
    for (int pass = 0; pass < 2 && !fd_.valid(); ++pass) {
      for (size_t i = 0; i < devs.count && !fd_.valid(); ++i) {
        format_text(path, sizeof path, "/dev/input/%s", devs.names[i].s);
        int fd = sys_.open(path, O_RDONLY | O_NONBLOCK);
        if (fd < 0) {
          if (first_error.is_ok()) first_error = errno_status(errno, path);
          continue;
        }
        Fd guard(sys_, fd);
        read_caps(sys_, fd, caps);
        bool match = pass == 0 ? std::strcmp(caps.name, want) == 0
                               : *want == 0 || std::strstr(caps.name, want) != nullptr;
        // With no name, the first device that can press.
        if (match && *want == 0) {
          match = config.key_code > 0 ? bit(caps.keys, config.key_code)
                                      : (config.key_code == 0 && caps_any_key(caps)) ||
                                            (config.touch && caps_touch(caps));
        }
        if (match) fd_ = std::move(guard);
      }
    }
    if (!fd_.valid()) {
      if (!first_error.is_ok() && first_error.code() == Code::kPermissionDenied) {
        return first_error;
      }
      return Status::error(Code::kNotFound,
                           "input: no device named '%s' (sparkcam-probe buttons or evtest "
                           "lists them)",
                           want);
    }
  }
  bool key_ok = config.key_code > 0 ? config.key_code < KEY_CNT && bit(caps.keys, config.key_code)
                                    : config.key_code == 0 && caps_any_key(caps);
  touch_ = config.touch && caps_touch(caps);
  if (!key_ok && !touch_) {
    Status s = config.key_code > 0
                   ? Status::error(Code::kInvalidArgument,
                                   "input: %s (%s) has no key %d%s (evtest shows its keys)", path,
                                   caps.name, config.key_code, config.touch ? " and no touch" : "")
                   : Status::error(Code::kInvalidArgument, "input: %s (%s) has no keys%s", path,
                                   caps.name, config.touch ? " and no touch" : "");
    close();
    return s;
  }
  int clk = CLOCK_MONOTONIC;
  monotonic_ = sys_.ioctl(fd_.get(), EVIOCSCLOCKID, &clk) == 0;
  if (config.grab && sys_.ioctl(fd_.get(), EVIOCGRAB, reinterpret_cast<void*>(1)) < 0) {
    int err = errno;
    close();
    if (err == EBUSY) {
      return Status::error(Code::kUnavailable,
                           "input: %s is grabbed by another program (busy); stop it or set "
                           "grab off",
                           path);
    }
    return errno_status(err, path);
  }
  decoder_.configure(config.key_code, touch_);
  tracker_ = PressTracker(config.id, config.timing);
  error_ = Status::ok();
  if (config.key_code > 0) {
    format_text(describe_, sizeof describe_, "input %s (%s) key %d%s", path, caps.name,
                config.key_code, touch_ ? " or touch" : "");
  } else {
    format_text(describe_, sizeof describe_, "input %s (%s) %s", path, caps.name,
                key_ok ? (touch_ ? "any key or touch" : "any key") : "touch");
  }
  return Status::ok();
}

void EvdevButton::close() {
  fd_.reset();
  tracker_.reset();
  decoder_.reset();
}

Status EvdevButton::fail(Status s) {
  error_ = s;
  fd_.reset();
  return s;
}

Result<std::optional<hal::ButtonEvent>> EvdevButton::take(uint64_t now_ms) {
  if (!error_.is_ok()) return error_;
  if (!fd_.valid()) return Status::error(Code::kFailedPrecondition, "input button: not open");
  if (auto ev = tracker_.pop()) return ev;
  if (tracker_.settle_at_ms() <= now_ms) {
    tracker_.settle(decoder_.level());
    if (auto ev = tracker_.pop()) return ev;
  }
  tracker_.advance(now_ms);
  return tracker_.pop();
}

Result<std::optional<hal::ButtonEvent>> EvdevButton::on_ready(short revents, uint64_t now_ms) {
  if (!error_.is_ok()) return error_;
  if ((revents & POLLIN) == 0) {
    if ((revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
      return fail(Status::error(Code::kUnavailable, "%s: device gone (unplugged?)", describe_));
    }
    return std::optional<hal::ButtonEvent>();
  }
  input_event ev{};
  ssize_t n = sys_.read(fd_.get(), &ev, sizeof ev);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return std::optional<hal::ButtonEvent>();
    return fail(errno_status(errno, describe_));
  }
  if (static_cast<size_t>(n) != sizeof ev) {
    return fail(Status::error(Code::kIo, "%s: short input event (%zd bytes)", describe_, n));
  }
  uint64_t at = now_ms;
  if (monotonic_) {  // seconds are unsigned on 32-bit builds with 64-bit time
    at = static_cast<uint64_t>(ev.input_event_sec) * 1000u +
         static_cast<uint64_t>(ev.input_event_usec) / 1000u;
  }
  bool before = decoder_.level();
  switch (decoder_.apply(ev)) {
    case EvdevDecoder::Step::kIgnored:
      return std::optional<hal::ButtonEvent>();
    case EvdevDecoder::Step::kResync: {
      uint8_t state[kKeyBytes] = {};
      if (sys_.ioctl(fd_.get(), EVIOCGKEY(kKeyBytes), state) < 0) {
        return fail(errno_status(errno, describe_));
      }
      decoder_.resync(state);
      break;
    }
    case EvdevDecoder::Step::kApplied:
      break;
  }
  bool after = decoder_.level();
  if (after != before) tracker_.edge(after, at);
  return tracker_.pop();
}

}  // namespace spark::platform
