#include "fake_io_kernel.h"

#include <fcntl.h>
#include <linux/gpio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

namespace spark::testing {
namespace {

int fail(int err) {
  errno = err;
  return -1;
}

bool starts_with(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}

void set_bit(uint8_t* bits, size_t size, int n) {
  if (n >= 0 && static_cast<size_t>(n / 8) < size)
    bits[n / 8] |= static_cast<uint8_t>(1u << (n % 8));
}

}  // namespace

FakeIoKernel::GpioChip& FakeIoKernel::add_gpiochip(const std::string& dev_name,
                                                   const std::string& label,
                                                   const std::vector<std::string>& line_names) {
  auto chip = std::make_unique<GpioChip>();
  chip->label = label;
  for (const auto& n : line_names) chip->lines.push_back(GpioLineState{n, "", {}, true, {}});
  auto& ref = *chip;
  chips_["/dev/" + dev_name] = std::move(chip);
  return ref;
}

FakeIoKernel::InputDevice& FakeIoKernel::add_input(const std::string& dev_name,
                                                   const std::string& name) {
  auto dev = std::make_unique<InputDevice>();
  dev->name = name;
  auto& ref = *dev;
  inputs_["/dev/input/" + dev_name] = std::move(dev);
  return ref;
}

FakeIoKernel::Framebuffer& FakeIoKernel::add_framebuffer(const std::string& dev_name, uint32_t xres,
                                                         uint32_t yres, uint32_t bpp,
                                                         uint32_t line_length,
                                                         uint32_t yres_virtual,
                                                         uint32_t alpha_length) {
  auto fb = std::make_unique<Framebuffer>();
  fb->var.xres = fb->var.xres_virtual = xres;
  fb->var.yres = yres;
  fb->var.yres_virtual = yres_virtual;
  fb->var.bits_per_pixel = bpp;
  if (bpp == 16) {
    fb->var.red = {11, 5, 0};
    fb->var.green = {5, 6, 0};
    fb->var.blue = {0, 5, 0};
  } else {
    fb->var.red = {16, 8, 0};
    fb->var.green = {8, 8, 0};
    fb->var.blue = {0, 8, 0};
    if (bpp == 32 && alpha_length > 0) fb->var.transp = {24, alpha_length, 0};
  }
  std::strncpy(fb->fix.id, "fakefb", sizeof fb->fix.id - 1);
  fb->fix.type = FB_TYPE_PACKED_PIXELS;
  fb->fix.visual = FB_VISUAL_TRUECOLOR;
  fb->fix.line_length = line_length;
  fb->fix.smem_len = line_length * yres_virtual;
  fb->memory.assign(fb->fix.smem_len, 0xEE);  // garbage the driver must overwrite
  auto& ref = *fb;
  fbs_["/dev/" + dev_name] = std::move(fb);
  return ref;
}

void FakeIoKernel::set_file(const std::string& path, const std::string& content) {
  files_[path] = content;
}

std::string FakeIoKernel::file(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? std::string() : it->second;
}

int FakeIoKernel::open(const char* path_c, int flags, mode_t) {
  std::string path(path_c);
  auto err = open_errors_.find(path);
  if (err != open_errors_.end() && err->second != 0) return fail(err->second);
  OpenFile f{Kind::kFile, path, {}, nullptr, 0, {}, 0};
  if (auto c = chips_.find(path); c != chips_.end()) {
    if (clock_.now_ms() >= c->second->unplug_at_ms) return fail(ENOENT);
    f.kind = Kind::kChip;
    f.chip = c->second.get();
  } else if (auto i = inputs_.find(path); i != inputs_.end()) {
    if (clock_.now_ms() >= i->second->unplug_at_ms) return fail(ENOENT);
    f.kind = Kind::kInput;
    // Events queued before the device was opened are not delivered.
    auto& evs = i->second->events;
    while (f.next < evs.size() && evs[f.next].at_ms < clock_.now_ms()) ++f.next;
  } else if (fbs_.count(path) != 0) {
    f.kind = Kind::kFb;
  } else if (files_.count(path) != 0) {
    f.kind = Kind::kFile;
    if ((flags & O_ACCMODE) != O_RDONLY) f.written.clear();
  } else {
    return fail(ENOENT);
  }
  int fd = next_fd_++;
  fds_[fd] = f;
  return fd;
}

int FakeIoKernel::close(int fd) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  if (it->second.kind == Kind::kInput) inputs_[it->second.path]->grabbed = false;
  fds_.erase(it);
  return 0;
}

std::vector<FakeIoKernel::LineEvent> FakeIoKernel::line_events(const OpenFile& f) const {
  const GpioLineState& line = f.chip->lines[f.req.offset];
  bool active_low = (f.req.flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW) != 0;
  auto logical = [&](bool high) { return active_low ? !high : high; };
  // Real changes of level from the request on.
  std::vector<Edge> changes;
  bool level = line.initial_high;
  bool at_request = level;
  for (const Edge& e : line.edges) {
    if (e.high == level) continue;
    level = e.high;
    changes.push_back(e);
  }
  std::vector<LineEvent> out;
  uint64_t period_ms = f.chip->debounce_supported ? f.req.debounce_us / 1000 : 0;
  bool reported = logical(at_request);
  for (size_t i = 0; i < changes.size(); ++i) {
    const Edge& e = changes[i];
    bool lv = logical(e.high);
    if (period_ms == 0) {
      out.push_back({e.at_ms, e.at_ms * 1000000u + 250000u, lv});
      continue;
    }
    // The kernel reports a level once it has held for the period.
    uint64_t next = i + 1 < changes.size() ? changes[i + 1].at_ms : UINT64_MAX;
    if (next - e.at_ms >= period_ms && lv != reported) {
      out.push_back({e.at_ms + period_ms, (e.at_ms + period_ms) * 1000000u, lv});
      reported = lv;
    }
  }
  return out;
}

bool FakeIoKernel::logical_level(const OpenFile& f, uint64_t at_ms) const {
  const GpioLineState& line = f.chip->lines[f.req.offset];
  bool high = line.initial_high;
  for (const Edge& e : line.edges) {
    if (e.at_ms <= at_ms) high = e.high;
  }
  bool active_low = (f.req.flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW) != 0;
  return active_low ? !high : high;
}

uint64_t FakeIoKernel::ready_at(const OpenFile& f, short* revents) const {
  uint64_t now = clock_.now_ms();
  uint64_t unplug = UINT64_MAX, next = UINT64_MAX;
  if (f.kind == Kind::kLine) {
    unplug = f.chip->unplug_at_ms;
    auto evs = line_events(f);
    if (f.next < evs.size() && evs[f.next].at_ms < unplug) next = evs[f.next].at_ms;
  } else if (f.kind == Kind::kInput) {
    const InputDevice& d = *inputs_.at(f.path);
    unplug = d.unplug_at_ms;
    if (f.next < d.events.size() && d.events[f.next].at_ms < unplug) next = d.events[f.next].at_ms;
  } else {
    next = now;
  }
  short r = 0;
  if (next <= now) r |= POLLIN;
  if (unplug <= now) r |= POLLERR | POLLHUP;
  if (revents != nullptr) *revents = r;
  return std::min(next, unplug);
}

int FakeIoKernel::poll(struct pollfd* fds, nfds_t n, int timeout_ms) {
  ++polls_;
  for (int pass = 0; pass < 2; ++pass) {
    int ready = 0;
    uint64_t soonest = UINT64_MAX;
    for (nfds_t i = 0; i < n; ++i) {
      fds[i].revents = 0;
      auto it = fds_.find(fds[i].fd);
      if (it == fds_.end()) {
        fds[i].revents = POLLNVAL;
        ++ready;
        continue;
      }
      short r = 0;
      soonest = std::min(soonest, ready_at(it->second, &r));
      fds[i].revents = static_cast<short>(r & (fds[i].events | POLLERR | POLLHUP));
      if (fds[i].revents != 0) ++ready;
    }
    if (ready > 0 || pass == 1) return ready;
    uint64_t now = clock_.now_ms();
    uint64_t limit = timeout_ms < 0 ? UINT64_MAX : now + static_cast<uint64_t>(timeout_ms);
    if (soonest <= limit) {
      clock_.advance_ms(soonest - now);
    } else if (timeout_ms < 0) {
      return fail(ENOSYS);  // would block forever: a test bug, not a hang
    } else {
      clock_.advance_ms(static_cast<uint64_t>(timeout_ms));
      return 0;
    }
  }
  return 0;
}

ssize_t FakeIoKernel::read(int fd, void* buf, size_t n) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  OpenFile& f = it->second;
  uint64_t now = clock_.now_ms();
  if (f.kind == Kind::kLine) {
    if (now >= f.chip->unplug_at_ms) return fail(ENODEV);
    auto evs = line_events(f);
    size_t copied = 0;
    while (f.next < evs.size() && evs[f.next].at_ms <= now &&
           (copied + 1) * sizeof(gpio_v2_line_event) <= n) {
      gpio_v2_line_event ev{};
      ev.timestamp_ns = evs[f.next].stamp_ns;
      ev.id = evs[f.next].rising ? GPIO_V2_LINE_EVENT_RISING_EDGE : GPIO_V2_LINE_EVENT_FALLING_EDGE;
      ev.offset = f.req.offset;
      ev.seqno = ev.line_seqno = static_cast<uint32_t>(f.next + 1);
      std::memcpy(static_cast<uint8_t*>(buf) + copied * sizeof ev, &ev, sizeof ev);
      ++copied;
      ++f.next;
    }
    if (copied == 0) return fail(EAGAIN);
    return static_cast<ssize_t>(copied * sizeof(gpio_v2_line_event));
  }
  if (f.kind == Kind::kInput) {
    InputDevice& d = *inputs_[f.path];
    if (now >= d.unplug_at_ms) return fail(ENODEV);
    size_t copied = 0;
    while (f.next < d.events.size() && d.events[f.next].at_ms <= now &&
           (copied + 1) * sizeof(input_event) <= n) {
      const TimedInput& t = d.events[f.next];
      input_event ev{};
      uint64_t ms = d.clock_id == CLOCK_MONOTONIC ? t.at_ms : t.at_ms + 1767225600000u;
      ev.input_event_sec = static_cast<decltype(ev.input_event_sec)>(ms / 1000);
      ev.input_event_usec = static_cast<decltype(ev.input_event_usec)>((ms % 1000) * 1000 + 400);
      ev.type = t.type;
      ev.code = t.code;
      ev.value = t.value;
      std::memcpy(static_cast<uint8_t*>(buf) + copied * sizeof ev, &ev, sizeof ev);
      ++copied;
      ++f.next;
    }
    if (copied == 0) return fail(EAGAIN);
    return static_cast<ssize_t>(copied * sizeof(input_event));
  }
  if (f.kind == Kind::kFile) {
    const std::string& content = files_[f.path];
    size_t left = f.read_pos < content.size() ? content.size() - f.read_pos : 0;
    size_t take = std::min(left, n);
    std::memcpy(buf, content.data() + f.read_pos, take);
    f.read_pos += take;
    return static_cast<ssize_t>(take);
  }
  return fail(EINVAL);
}

ssize_t FakeIoKernel::write(int fd, const void* buf, size_t n) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  OpenFile& f = it->second;
  if (f.kind != Kind::kFile) return fail(EINVAL);
  std::string text(static_cast<const char*>(buf), n);
  writes_.emplace_back(f.path, text);
  if (f.path.size() > 8 && f.path.compare(f.path.size() - 8, 8, "/trigger") == 0) {
    // The kernel moves the brackets to the chosen trigger.
    std::string list = files_[f.path], out, word;
    bool known = false;
    auto flush = [&]() {
      if (word.empty()) return;
      std::string bare = word.front() == '[' ? word.substr(1, word.size() - 2) : word;
      if (bare == text) known = true;
      out += (out.empty() ? "" : " ") + (bare == text ? "[" + bare + "]" : bare);
      word.clear();
    };
    for (char c : list) {
      if (c == ' ' || c == '\n')
        flush();
      else
        word += c;
    }
    flush();
    if (!known) return fail(EINVAL);
    files_[f.path] = out + "\n";
  } else {
    files_[f.path] = text;
  }
  return static_cast<ssize_t>(n);
}

int FakeIoKernel::ioctl(int fd, unsigned long request, void* arg) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) return fail(EBADF);
  auto err = ioctl_errors_.find(request);
  if (err != ioctl_errors_.end()) return fail(err->second);
  OpenFile& f = it->second;
  switch (f.kind) {
    case Kind::kChip:
    case Kind::kLine:
      return ioctl_gpio(f, request, arg);
    case Kind::kInput:
      return ioctl_input(f, request, arg);
    case Kind::kFb:
      return ioctl_fb(f, request, arg);
    case Kind::kFile:
      return fail(ENOTTY);
  }
  return fail(ENOTTY);
}

int FakeIoKernel::ioctl_gpio(OpenFile& f, unsigned long request, void* arg) {
  GpioChip& chip = *f.chip;
  uint64_t now = clock_.now_ms();
  if (now >= chip.unplug_at_ms) return fail(ENODEV);
  if (f.kind == Kind::kLine) {
    auto* v = static_cast<gpio_v2_line_values*>(arg);
    if (request == GPIO_V2_LINE_GET_VALUES_IOCTL) {
      v->bits = logical_level(f, now) ? (v->mask & 1) : 0;
      return 0;
    }
    if (request == GPIO_V2_LINE_SET_VALUES_IOCTL) {
      if ((f.req.flags & GPIO_V2_LINE_FLAG_OUTPUT) == 0) return fail(EPERM);
      if (v->mask & 1) chip.lines[f.req.offset].output_log.emplace_back(now, (v->bits & 1) != 0);
      return 0;
    }
    return fail(ENOTTY);
  }
  if (request == GPIO_GET_CHIPINFO_IOCTL) {
    auto* info = static_cast<gpiochip_info*>(arg);
    std::memset(info, 0, sizeof *info);
    std::strncpy(info->name, f.path.substr(5).c_str(), sizeof info->name - 1);
    std::strncpy(info->label, chip.label.c_str(), sizeof info->label - 1);
    info->lines = static_cast<uint32_t>(chip.lines.size());
    return 0;
  }
  if (request == GPIO_V2_GET_LINEINFO_IOCTL) {
    auto* li = static_cast<gpio_v2_line_info*>(arg);
    if (li->offset >= chip.lines.size()) return fail(EINVAL);
    uint32_t offset = li->offset;
    std::memset(li, 0, sizeof *li);
    li->offset = offset;
    std::strncpy(li->name, chip.lines[offset].name.c_str(), sizeof li->name - 1);
    std::strncpy(li->consumer, chip.lines[offset].consumer.c_str(), sizeof li->consumer - 1);
    if (!chip.lines[offset].consumer.empty()) li->flags = GPIO_V2_LINE_FLAG_USED;
    return 0;
  }
  if (request == GPIO_V2_GET_LINE_IOCTL) {
    auto* req = static_cast<gpio_v2_line_request*>(arg);
    if (req->num_lines != 1 || req->offsets[0] >= chip.lines.size()) return fail(EINVAL);
    uint32_t offset = req->offsets[0];
    if (!chip.lines[offset].consumer.empty()) return fail(EBUSY);
    for (const auto& [other_fd, other] : fds_) {
      if (other.kind == Kind::kLine && other.chip == &chip && other.req.offset == offset) {
        return fail(EBUSY);
      }
    }
    GpioRequest r;
    r.offset = offset;
    r.flags = req->config.flags;
    for (uint32_t i = 0; i < req->config.num_attrs; ++i) {
      const auto& a = req->config.attrs[i];
      if (a.attr.id == GPIO_V2_LINE_ATTR_ID_DEBOUNCE) {
        if (!chip.debounce_supported) return fail(EINVAL);
        r.debounce_us = a.attr.debounce_period_us;
      } else if (a.attr.id == GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES) {
        r.has_output_value = true;
        r.output_value = a.attr.values & a.mask;
      }
    }
    if ((r.flags & GPIO_V2_LINE_FLAG_OUTPUT) && r.has_output_value) {
      chip.lines[offset].output_log.emplace_back(now, r.output_value != 0);
    }
    chip.requests.push_back(r);
    OpenFile line{Kind::kLine, f.path, r, &chip, 0, {}, 0};
    // Edges before the request are history, not events.
    auto evs = line_events(line);
    while (line.next < evs.size() && evs[line.next].at_ms < now) ++line.next;
    int fd = next_fd_++;
    fds_[fd] = line;
    req->fd = fd;
    return 0;
  }
  return fail(ENOTTY);
}

int FakeIoKernel::ioctl_input(OpenFile& f, unsigned long request, void* arg) {
  InputDevice& d = *inputs_[f.path];
  if (clock_.now_ms() >= d.unplug_at_ms) return fail(ENODEV);
  if (request == EVIOCSCLOCKID) {
    d.clock_id = *static_cast<int*>(arg);
    return 0;
  }
  if (request == EVIOCGRAB) {
    if (arg != nullptr) {
      if (d.grabbed_by_other) return fail(EBUSY);
      d.grabbed = true;
    } else {
      d.grabbed = false;
    }
    return 0;
  }
  if (_IOC_TYPE(request) != 'E' || _IOC_DIR(request) != _IOC_READ) return fail(ENOTTY);
  size_t size = _IOC_SIZE(request);
  auto* out = static_cast<uint8_t*>(arg);
  unsigned nr = _IOC_NR(request);
  if (nr == 0x06) {  // EVIOCGNAME
    size_t len = std::min(size, d.name.size() + 1);
    std::memcpy(out, d.name.c_str(), len);
    if (len > 0) out[len - 1] = 0;
    return static_cast<int>(len);
  }
  std::memset(out, 0, size);
  if (nr == 0x20 + EV_KEY) {
    for (int k : d.keys) set_bit(out, size, k);
    return static_cast<int>(size);
  }
  if (nr == 0x20 + EV_ABS) {
    for (int a : d.abs) set_bit(out, size, a);
    return static_cast<int>(size);
  }
  if (nr == 0x18) {  // EVIOCGKEY: the keys down now
    std::map<int, bool> down;
    for (const auto& e : d.events) {
      if (e.at_ms <= clock_.now_ms() && e.type == EV_KEY) down[e.code] = e.value != 0;
    }
    for (auto [k, v] : down) {
      if (v) set_bit(out, size, k);
    }
    return static_cast<int>(size);
  }
  return fail(ENOTTY);
}

int FakeIoKernel::ioctl_fb(OpenFile& f, unsigned long request, void* arg) {
  Framebuffer& fb = *fbs_[f.path];
  switch (request) {
    case FBIOGET_VSCREENINFO:
      std::memcpy(arg, &fb.var, sizeof fb.var);
      return 0;
    case FBIOGET_FSCREENINFO:
      std::memcpy(arg, &fb.fix, sizeof fb.fix);
      return 0;
    case FBIOPAN_DISPLAY: {
      if (!fb.pan_supported) return fail(EINVAL);
      auto* v = static_cast<fb_var_screeninfo*>(arg);
      if (v->yoffset + fb.var.yres > fb.var.yres_virtual) return fail(EINVAL);
      fb.var.yoffset = v->yoffset;
      fb.pans.push_back(v->yoffset);
      return 0;
    }
    case FBIO_WAITFORVSYNC:
      if (!fb.vsync_supported) return fail(ENOTTY);
      ++fb.vsyncs;
      return 0;
    default:
      return fail(ENOTTY);
  }
}

void* FakeIoKernel::mmap(void*, size_t length, int, int, int fd, off_t offset) {
  auto it = fds_.find(fd);
  if (it == fds_.end()) {
    errno = EBADF;
    return MAP_FAILED;
  }
  auto err = open_errors_.find("mmap:" + it->second.path);
  if (err != open_errors_.end() && err->second != 0) {
    errno = err->second;
    return MAP_FAILED;
  }
  if (it->second.kind != Kind::kFb || offset != 0) {
    errno = ENODEV;
    return MAP_FAILED;
  }
  Framebuffer& fb = *fbs_[it->second.path];
  if (length > fb.memory.size()) {
    errno = EINVAL;
    return MAP_FAILED;
  }
  void* p = fb.memory.data();
  maps_[p] = length;
  return p;
}

int FakeIoKernel::munmap(void* addr, size_t length) {
  auto it = maps_.find(addr);
  if (it == maps_.end() || it->second != length) return fail(EINVAL);
  maps_.erase(it);
  return 0;
}

int FakeIoKernel::list_dir(const char* dir_c, DirFn fn, void* ctx) {
  std::string dir = std::string(dir_c) + "/";
  std::set<std::string> names;
  auto consider = [&](const std::string& path) {
    if (!starts_with(path, dir)) return;
    std::string rest = path.substr(dir.size());
    names.insert(rest.substr(0, rest.find('/')));
  };
  for (const auto& [p, c] : chips_) {
    if (clock_.now_ms() < c->unplug_at_ms) consider(p);
  }
  for (const auto& [p, d] : inputs_) {
    if (clock_.now_ms() < d->unplug_at_ms) consider(p);
  }
  for (const auto& [p, fb] : fbs_) consider(p);
  for (const auto& [p, content] : files_) consider(p);
  if (names.empty() && dir != "/dev/") return fail(ENOENT);
  if (dir == "/dev/") names.insert("null");  // not every entry is a device of ours
  for (const auto& n : names) fn(ctx, n.c_str());
  return 0;
}

}  // namespace spark::testing
