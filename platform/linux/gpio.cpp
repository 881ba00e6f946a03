#include "platform/linux/gpio.h"

#include <fcntl.h>
#include <linux/gpio.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace spark::platform {
namespace {

constexpr size_t kMaxChips = 32;

bool all_digits(const char* s) {
  if (*s == 0) return false;
  for (; *s != 0; ++s) {
    if (*s < '0' || *s > '9') return false;
  }
  return true;
}

bool is_pi_header_chip(const char* label) {
  return std::strcmp(label, "pinctrl-rp1") == 0 || std::strcmp(label, "pinctrl-bcm2711") == 0 ||
         std::strcmp(label, "pinctrl-bcm2835") == 0;
}

struct Name {
  char s[24];
};
struct ChipList {
  Name names[kMaxChips];
  size_t count = 0;
};

// /dev/gpiochip* in numeric order.
Status gpio_chip_paths(Sys& sys, ChipList& out) {
  out.count = 0;
  int r = sys.list_dir(
      "/dev",
      [](void* ctx, const char* name) {
        auto* list = static_cast<ChipList*>(ctx);
        if (std::strncmp(name, "gpiochip", 8) != 0 || !all_digits(name + 8)) return;
        if (list->count == kMaxChips) return;
        copy_text(list->names[list->count++].s, sizeof(Name::s), name);
      },
      &out);
  if (r < 0) return errno_status(errno, "gpio: listing /dev");
  std::sort(out.names, out.names + out.count,
            [](const Name& a, const Name& b) { return std::atoi(a.s + 8) < std::atoi(b.s + 8); });
  return Status::ok();
}

Result<Fd> open_chip(Sys& sys, const char* path, gpiochip_info& info) {
  int fd = sys.open(path, O_RDWR);
  if (fd < 0) return errno_status(errno, path);
  Fd chip(sys, fd);
  info = gpiochip_info{};
  if (sys.ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &info) < 0) {
    if (errno == ENOTTY) {
      return Status::error(Code::kInvalidArgument, "%s is not a GPIO chip", path);
    }
    return errno_status(errno, path);
  }
  info.label[sizeof info.label - 1] = 0;
  info.name[sizeof info.name - 1] = 0;
  return chip;
}

Status line_info(Sys& sys, int chip_fd, uint32_t offset, gpio_v2_line_info& li) {
  li = gpio_v2_line_info{};
  li.offset = offset;
  if (sys.ioctl(chip_fd, GPIO_V2_GET_LINEINFO_IOCTL, &li) < 0) {
    if (errno == ENOTTY) {
      return Status::error(Code::kUnimplemented,
                           "gpio: this kernel has no GPIO uAPI v2 (needs Linux 5.10 or later)");
    }
    return errno_status(errno, "gpio: line info");
  }
  li.name[sizeof li.name - 1] = 0;
  li.consumer[sizeof li.consumer - 1] = 0;
  return Status::ok();
}

// Looks for line on one open chip. Returns true when found.
Result<bool> find_on_chip(Sys& sys, int fd, const gpiochip_info& info, const char* path,
                          const char* line, GpioLine& out) {
  if (all_digits(line)) {
    long offset = std::strtol(line, nullptr, 10);
    if (offset < 0 || static_cast<unsigned long>(offset) >= info.lines) {
      return Status::error(Code::kOutOfRange, "gpio: %s (%s) has lines 0..%u, not %s", path,
                           info.label, info.lines == 0 ? 0 : info.lines - 1, line);
    }
    out.offset = static_cast<uint32_t>(offset);
    gpio_v2_line_info li;
    if (line_info(sys, fd, out.offset, li).is_ok()) copy_text(out.name, sizeof out.name, li.name);
    return true;
  }
  for (uint32_t i = 0; i < info.lines; ++i) {
    gpio_v2_line_info li;
    SPARK_TRY(line_info(sys, fd, i, li));
    if (std::strcmp(li.name, line) == 0) {
      out.offset = i;
      copy_text(out.name, sizeof out.name, li.name);
      return true;
    }
  }
  return false;
}

Status request_line(Sys& sys, const GpioLine& line, gpio_v2_line_config config, Fd& out) {
  gpiochip_info info;
  SPARK_TRY_ASSIGN(Fd chip, open_chip(sys, line.chip_path, info));
  gpio_v2_line_request req{};
  req.offsets[0] = line.offset;
  req.num_lines = 1;
  copy_text(req.consumer, sizeof req.consumer, "sparkcam");
  req.config = config;
  if (sys.ioctl(chip.get(), GPIO_V2_GET_LINE_IOCTL, &req) < 0) {
    int err = errno;
    if (err == EBUSY) {
      gpio_v2_line_info li;
      const char* who = "another program or a kernel driver";
      if (line_info(sys, chip.get(), line.offset, li).is_ok() && li.consumer[0] != 0) {
        who = li.consumer;
      }
      return Status::error(Code::kUnavailable,
                           "gpio: line %u (%s) of %s is in use by '%s' (busy); stop that "
                           "program or free the pin in config.txt",
                           line.offset, line.name, line.chip_path, who);
    }
    if (err == ENOTTY) {
      return Status::error(Code::kUnimplemented,
                           "gpio: this kernel has no GPIO uAPI v2 (needs Linux 5.10 or later)");
    }
    errno = err;
    return errno_status(err, line.chip_path);
  }
  out = Fd(sys, req.fd);
  return Status::ok();
}

}  // namespace

Status list_gpio_chips(Sys& sys, GpioChipFn fn, void* ctx) {
  ChipList chips;
  SPARK_TRY(gpio_chip_paths(sys, chips));
  for (size_t i = 0; i < chips.count; ++i) {
    char path[40];
    format_text(path, sizeof path, "/dev/%s", chips.names[i].s);
    gpiochip_info info;
    auto chip = open_chip(sys, path, info);
    if (!chip.is_ok()) continue;
    fn(ctx, path, info.label, info.lines);
  }
  return Status::ok();
}

Status list_gpio_lines(Sys& sys, const char* chip_path, GpioLineFn fn, void* ctx) {
  gpiochip_info info;
  SPARK_TRY_ASSIGN(Fd chip, open_chip(sys, chip_path, info));
  for (uint32_t i = 0; i < info.lines; ++i) {
    gpio_v2_line_info li;
    SPARK_TRY(line_info(sys, chip.get(), i, li));
    fn(ctx, i, li.name, li.consumer);
  }
  return Status::ok();
}

Result<GpioLine> find_gpio_line(Sys& sys, const char* chip, const char* line) {
  if (line == nullptr || *line == 0) {
    return Status::error(Code::kInvalidArgument, "gpio: no line given (a number or a name)");
  }
  GpioLine out;
  bool explicit_chip =
      chip != nullptr &&
      (chip[0] == '/' || (std::strncmp(chip, "gpiochip", 8) == 0 && all_digits(chip + 8)));
  if (explicit_chip) {
    if (chip[0] == '/') {
      copy_text(out.chip_path, sizeof out.chip_path, chip);
    } else {
      format_text(out.chip_path, sizeof out.chip_path, "/dev/%s", chip);
    }
    gpiochip_info info;
    SPARK_TRY_ASSIGN(Fd fd, open_chip(sys, out.chip_path, info));
    copy_text(out.chip_label, sizeof out.chip_label, info.label);
    SPARK_TRY_ASSIGN(bool found, find_on_chip(sys, fd.get(), info, out.chip_path, line, out));
    if (!found) {
      return Status::error(Code::kNotFound, "gpio: no line named '%s' on %s (%s, %u lines)", line,
                           out.chip_path, info.label, info.lines);
    }
    return out;
  }

  const char* label = chip == nullptr ? "" : chip;
  bool by_number = all_digits(line);
  ChipList chips;
  SPARK_TRY(gpio_chip_paths(sys, chips));
  Status first_error;
  bool label_seen = false;
  for (size_t i = 0; i < chips.count; ++i) {
    char path[40];
    format_text(path, sizeof path, "/dev/%s", chips.names[i].s);
    gpiochip_info info;
    auto fd = open_chip(sys, path, info);
    if (!fd.is_ok()) {
      if (first_error.is_ok()) first_error = fd.status();
      continue;
    }
    if (*label != 0 ? std::strcmp(info.label, label) != 0
                    : (by_number && !is_pi_header_chip(info.label))) {
      continue;
    }
    label_seen = true;
    copy_text(out.chip_path, sizeof out.chip_path, path);
    copy_text(out.chip_label, sizeof out.chip_label, info.label);
    SPARK_TRY_ASSIGN(bool found, find_on_chip(sys, fd->get(), info, path, line, out));
    if (found) return out;
  }
  // The line may be on the chip that could not be opened: say why.
  if (!first_error.is_ok()) return first_error;
  if (chips.count == 0) {
    return Status::error(Code::kNotFound, "gpio: no GPIO chips (/dev/gpiochip*) on this machine");
  }
  if (*label != 0 && !label_seen) {
    return Status::error(Code::kNotFound,
                         "gpio: no GPIO chip labelled '%s' (sparkcam-probe buttons lists them)",
                         label);
  }
  if (by_number && *label == 0) {
    return Status::error(Code::kInvalidArgument,
                         "gpio: line %s needs a chip (a path, gpiochipN or a label such as "
                         "pinctrl-rp1), or give the line's name (GPIO%s)",
                         line, line);
  }
  return Status::error(Code::kNotFound,
                       "gpio: no line named '%s' on %s (sparkcam-probe buttons lists them)", line,
                       *label != 0 ? label : "any GPIO chip");
}

// ---- GpioButton

Status GpioButton::open(const GpioButtonConfig& config) {
  close();
  SPARK_TRY_ASSIGN(GpioLine line, find_gpio_line(sys_, config.chip, config.line));
  gpio_v2_line_config lc{};
  lc.flags =
      GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING | GPIO_V2_LINE_FLAG_EDGE_FALLING;
  if (config.active_low) lc.flags |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
  switch (config.bias) {
    case GpioButtonConfig::Bias::kPullUp:
      lc.flags |= GPIO_V2_LINE_FLAG_BIAS_PULL_UP;
      break;
    case GpioButtonConfig::Bias::kPullDown:
      lc.flags |= GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN;
      break;
    case GpioButtonConfig::Bias::kNone:
      lc.flags |= GPIO_V2_LINE_FLAG_BIAS_DISABLED;
      break;
  }
  Status s;
  kernel_debounce_ = false;
  if (config.kernel_debounce_ms > 0) {
    gpio_v2_line_config with = lc;
    with.num_attrs = 1;
    with.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_DEBOUNCE;
    with.attrs[0].attr.debounce_period_us = config.kernel_debounce_ms * 1000u;
    with.attrs[0].mask = 1;
    s = request_line(sys_, line, with, line_);
    // EINVAL/ENOTSUPP here is a kernel or chip without debounce: the
    // software window still debounces.
    kernel_debounce_ = s.is_ok();
    if (!s.is_ok() && (s.code() == Code::kUnavailable || s.code() == Code::kUnimplemented ||
                       s.code() == Code::kPermissionDenied || s.code() == Code::kNotFound)) {
      return s;
    }
  }
  if (!kernel_debounce_) SPARK_TRY(request_line(sys_, line, lc, line_));
  tracker_ = PressTracker(config.id, config.timing);
  error_ = Status::ok();
  format_text(describe_, sizeof describe_, "gpio %s (%s) line %u%s%s%s", line.chip_path,
              line.chip_label, line.offset, line.name[0] ? " (" : "", line.name,
              line.name[0] ? ")" : "");
  return Status::ok();
}

void GpioButton::close() {
  line_.reset();
  tracker_.reset();
}

Status GpioButton::fail(Status s) {
  error_ = s;
  line_.reset();
  return s;
}

Result<std::optional<hal::ButtonEvent>> GpioButton::take(uint64_t now_ms) {
  if (!error_.is_ok()) return error_;
  if (!line_.valid()) return Status::error(Code::kFailedPrecondition, "gpio button: not open");
  if (auto ev = tracker_.pop()) return ev;
  if (tracker_.settle_at_ms() <= now_ms) {
    gpio_v2_line_values v{};
    v.mask = 1;
    if (sys_.ioctl(line_.get(), GPIO_V2_LINE_GET_VALUES_IOCTL, &v) < 0) {
      return fail(errno_status(errno, describe_));
    }
    tracker_.settle((v.bits & 1) != 0);
    if (auto ev = tracker_.pop()) return ev;
  }
  tracker_.advance(now_ms);
  return tracker_.pop();
}

void take_edge_event(PressTracker& tracker, const gpio_v2_line_event& ev) {
  tracker.edge(ev.id == GPIO_V2_LINE_EVENT_RISING_EDGE, ev.timestamp_ns / 1000000u);
}

Result<std::optional<hal::ButtonEvent>> GpioButton::on_ready(short revents, uint64_t now_ms) {
  if (!error_.is_ok()) return error_;
  if ((revents & POLLIN) != 0) {
    gpio_v2_line_event ev{};
    ssize_t n = sys_.read(line_.get(), &ev, sizeof ev);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return std::optional<hal::ButtonEvent>();
      return fail(errno_status(errno, describe_));
    }
    if (static_cast<size_t>(n) != sizeof ev) {
      return fail(Status::error(Code::kIo, "%s: short edge event (%zd bytes)", describe_, n));
    }
    take_edge_event(tracker_, ev);
    return tracker_.pop();
  }
  if ((revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) {
    return fail(Status::error(Code::kUnavailable, "%s: device gone (unplugged?)", describe_));
  }
  (void)now_ms;
  return std::optional<hal::ButtonEvent>();
}

// ---- LEDs

Status PatternLed::show(hal::Pattern p, uint64_t now_ms) {
  if (started_ && p == pattern_) return Status::ok();
  pattern_ = p;
  start_ms_ = now_ms;
  started_ = true;
  return tick(now_ms);
}

Status PatternLed::tick(uint64_t now_ms) {
  if (!started_) return Status::ok();
  uint64_t elapsed = now_ms >= start_ms_ ? now_ms - start_ms_ : 0;
  hal::PatternStep step = hal::pattern_step(pattern_, elapsed, dimmable());
  next_ms_ = step.hold_ms == hal::Deadline::kNever ? hal::Deadline::kNever : now_ms + step.hold_ms;
  if (have_level_ && level_ == step.level) return Status::ok();
  Status s = set_level(step.level);
  have_level_ = s.is_ok();
  level_ = step.level;
  return s;
}

Status GpioLed::open(const GpioLedConfig& config) {
  close();
  SPARK_TRY_ASSIGN(GpioLine line, find_gpio_line(sys_, config.chip, config.line));
  gpio_v2_line_config lc{};
  lc.flags = GPIO_V2_LINE_FLAG_OUTPUT;
  if (config.active_low) lc.flags |= GPIO_V2_LINE_FLAG_ACTIVE_LOW;
  lc.num_attrs = 1;
  lc.attrs[0].attr.id = GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES;
  lc.attrs[0].attr.values = 0;  // off
  lc.attrs[0].mask = 1;
  SPARK_TRY(request_line(sys_, line, lc, line_));
  forget_level();
  format_text(describe_, sizeof describe_, "gpio led %s (%s) line %u%s%s%s", line.chip_path,
              line.chip_label, line.offset, line.name[0] ? " (" : "", line.name,
              line.name[0] ? ")" : "");
  return Status::ok();
}

void GpioLed::close() {
  if (line_.valid() && !known_off()) set_level(0).ignore();
  line_.reset();
}

Status GpioLed::set_level(uint8_t level) {
  if (!line_.valid()) return Status::error(Code::kFailedPrecondition, "gpio led: not open");
  gpio_v2_line_values v{};
  v.bits = level >= 128 ? 1 : 0;
  v.mask = 1;
  if (sys_.ioctl(line_.get(), GPIO_V2_LINE_SET_VALUES_IOCTL, &v) < 0) {
    return errno_status(errno, describe_);
  }
  return Status::ok();
}

}  // namespace spark::platform
