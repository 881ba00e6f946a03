#include "platform/linux/sysfs_led.h"

#include <fcntl.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace spark::platform {
namespace {

// The bracketed name in a trigger list ("none timer [mmc0] heartbeat").
// Reads in pieces: the list of a Pi's triggers runs past a kilobyte.
Status current_trigger(Sys& sys, const char* path, char* out, size_t n) {
  out[0] = 0;
  int fd = sys.open(path, O_RDONLY);
  if (fd < 0) return errno_status(errno, path);
  Fd guard(sys, fd);
  char buf[256];
  bool inside = false;
  size_t len = 0;
  for (;;) {
    ssize_t got = sys.read(fd, buf, sizeof buf);
    if (got < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, path);
    }
    if (got == 0) break;
    for (ssize_t i = 0; i < got; ++i) {
      char c = buf[i];
      if (c == '[') {
        inside = true;
        len = 0;
      } else if (c == ']' && inside) {
        out[len < n ? len : n - 1] = 0;
        return Status::ok();
      } else if (inside && len + 1 < n) {
        out[len++] = c;
      }
    }
  }
  out[0] = 0;
  return Status::ok();
}

}  // namespace

Status list_sysfs_leds(Sys& sys, Sys::DirFn fn, void* ctx) {
  if (sys.list_dir("/sys/class/leds", fn, ctx) < 0) {
    return errno_status(errno, "/sys/class/leds");
  }
  return Status::ok();
}

Status SysfsLed::open(const char* name) {
  close();
  if (name == nullptr || *name == 0) {
    return Status::error(Code::kInvalidArgument, "led: no name given (e.g. ACT)");
  }
  if (name[0] == '/') {
    copy_text(dir_, sizeof dir_, name);
  } else {
    format_text(dir_, sizeof dir_, "/sys/class/leds/%s", name);
  }
  char path[128];
  char text[32];
  format_text(path, sizeof path, "%s/max_brightness", dir_);
  auto got = read_small_file(sys_, path, MutBytes(reinterpret_cast<uint8_t*>(text), sizeof text));
  if (!got.is_ok()) {
    Status s = got.status().code() == Code::kNotFound
                   ? Status::error(Code::kNotFound,
                                   "led: no LED %s (sparkcam-probe led --list shows them)", dir_)
                   : got.status();
    copy_text(dir_, sizeof dir_, "sysfs led (not open)");
    return s;
  }
  long max = std::strtol(text, nullptr, 10);
  max_ = max > 0 ? static_cast<uint32_t>(max) : 1;
  format_text(path, sizeof path, "%s/trigger", dir_);
  Status s = current_trigger(sys_, path, saved_trigger_, sizeof saved_trigger_);
  if (s.is_ok() && std::strcmp(saved_trigger_, "none") != 0) {
    s = write_small_file(sys_, path, "none");
  }
  if (!s.is_ok()) {
    saved_trigger_[0] = 0;
    copy_text(dir_, sizeof dir_, "sysfs led (not open)");
    return s;
  }
  open_ = true;
  forget_level();
  return Status::ok();
}

void SysfsLed::close() {
  if (!open_) return;
  if (!known_off()) set_level(0).ignore();
  if (saved_trigger_[0] != 0 && std::strcmp(saved_trigger_, "none") != 0) {
    char path[128];
    format_text(path, sizeof path, "%s/trigger", dir_);
    write_small_file(sys_, path, saved_trigger_).ignore();
  }
  open_ = false;
}

Status SysfsLed::set_level(uint8_t level) {
  if (!open_) return Status::error(Code::kFailedPrecondition, "sysfs led: not open");
  char path[128];
  format_text(path, sizeof path, "%s/brightness", dir_);
  char text[16];
  uint32_t value = (static_cast<uint32_t>(level) * max_ + 127) / 255;
  format_text(text, sizeof text, "%u", value);
  return write_small_file(sys_, path, text);
}

}  // namespace spark::platform
