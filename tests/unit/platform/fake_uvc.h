// A fake kernel (platform::Sys) that plays USB (UVC) cameras for the V4L2
// driver's seam tests: QUERYCAP, the format and frame-size lists, S_FMT,
// the mmap buffer cycle (REQBUFS, QUERYBUF, mmap, QBUF, STREAMON, DQBUF in
// queue order, STREAMOFF, REQBUFS 0) with real JPEG bytes written into the
// mapped buffers, and faults: a missing device, EBUSY, unplugging (ENODEV
// from then on, POLLERR), a camera that never delivers (poll waits out its
// timeout on a ManualClock), damaged frames.
//
// It counts what is open, mapped, requested and streaming, so tests can
// assert that the driver gave everything back on every path. Buffers are
// allocated when a camera is added, so the driver's own heap can be
// measured around a capture.
#pragma once

#include <linux/videodev2.h>
#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "hal/clock.h"
#include "platform/linux/sys.h"

namespace spark::test {

struct FakeCamera {
  std::string path = "/dev/video0";
  std::string card = "Fake UVC Camera";
  std::string driver = "uvcvideo";
  bool capture = true;  // false: a UVC metadata node
  std::vector<uint32_t> formats = {V4L2_PIX_FMT_MJPEG, V4L2_PIX_FMT_YUYV};
  std::vector<std::pair<uint32_t, uint32_t>> sizes = {
      {640, 480}, {1280, 720}, {1920, 1080}, {2592, 1944}};
  bool stepwise = false;
  v4l2_frmsize_stepwise step{};
  // Delivered in order, one per DQBUF (the last one repeats).
  std::vector<std::vector<uint8_t>> frames;
  size_t pad_zeros = 0;  // zero bytes after each frame, counted in bytesused
  size_t buffer_size = 512 * 1024;
  int open_errno = 0;           // e.g. EBUSY, EACCES
  int reqbufs_errno = 0;        // EBUSY: another program streams from the camera
  int streamon_errno = 0;       // ENOSPC: not enough USB bandwidth
  int mmap_fail_index = -1;     // this buffer's mmap fails with ENOMEM
  int unplug_after = -1;        // frames delivered before the camera disappears
  bool stall = false;           // streams but never delivers a frame
  uint32_t damaged_frames = 0;  // the first n frames carry V4L2_BUF_FLAG_ERROR
};

class FakeUvcKernel final : public platform::Sys {
 public:
  static constexpr uint32_t kMaxBuffers = 8;

  explicit FakeUvcKernel(hal::ManualClock& clock) : clock_(clock) {
    log.reserve(4096);
    fds_.reserve(64);
  }

  void add(FakeCamera cam) {
    Device d;
    d.spec = std::move(cam);
    for (auto& b : d.pool) b.assign(d.spec.buffer_size, 0xEE);
    d.dequeued.reserve(1024);
    devices_.push_back(std::move(d));
  }

  // What is held right now, over all devices.
  int open_fds() const { return static_cast<int>(fds_.size()); }
  int mappings() const {
    int n = 0;
    for (const Device& d : devices_)
      n += static_cast<int>(std::count(d.mapped, d.mapped + kMaxBuffers, true));
    return n;
  }
  bool streaming() const {
    return std::any_of(devices_.begin(), devices_.end(),
                       [](const Device& d) { return d.streaming; });
  }
  uint32_t buffers_requested() const {
    uint32_t n = 0;
    for (const Device& d : devices_) n += d.nbuf;
    return n;
  }
  bool released_all() const {
    return open_fds() == 0 && mappings() == 0 && !streaming() && buffers_requested() == 0 &&
           !orphaned;
  }
  const v4l2_pix_format& format_of(size_t dev) const { return devices_[dev].fmt; }
  uint32_t delivered(size_t dev) const { return devices_[dev].delivered; }
  const std::vector<uint32_t>& dequeued(size_t dev) const { return devices_[dev].dequeued; }

  std::vector<unsigned long> log;  // ioctl requests in order
  bool orphaned = false;           // REQBUFS 0 while buffers were still mapped
  int opens = 0;

  int open(const char* path, int, mode_t) override {
    for (size_t i = 0; i < devices_.size(); ++i) {
      if (devices_[i].spec.path != path) continue;
      if (devices_[i].spec.open_errno != 0) return fail(devices_[i].spec.open_errno);
      if (devices_[i].gone) return fail(ENOENT);
      int fd = next_fd_++;
      fds_.push_back({fd, i});
      ++opens;
      return fd;
    }
    return fail(ENOENT);
  }
  int close(int fd) override {
    auto it = std::find_if(fds_.begin(), fds_.end(), [fd](const auto& f) { return f.first == fd; });
    if (it == fds_.end()) return fail(EBADF);
    fds_.erase(it);
    return 0;
  }
  ssize_t read(int, void*, size_t) override { return fail(EINVAL); }
  ssize_t write(int, const void*, size_t) override { return fail(EINVAL); }

  int poll(struct pollfd* fds, nfds_t n, int timeout_ms) override {
    int ready = 0;
    for (nfds_t i = 0; i < n; ++i) {
      fds[i].revents = 0;
      Device* d = device(fds[i].fd);
      if (d == nullptr) {
        fds[i].revents = POLLNVAL;
      } else if (d->gone) {
        fds[i].revents = POLLERR | POLLHUP;
      } else if (d->streaming && !d->queue.empty() && !d->spec.stall) {
        fds[i].revents = POLLIN;
      }
      if (fds[i].revents != 0) ++ready;
    }
    if (ready == 0 && timeout_ms > 0) clock_.advance_ms(static_cast<uint64_t>(timeout_ms));
    return ready;
  }

  void* mmap(void*, size_t length, int, int, int fd, off_t offset) override {
    Device* d = device(fd);
    if (d == nullptr) return fail_map(EBADF);
    if (d->gone) return fail_map(ENODEV);
    size_t i = static_cast<size_t>(offset) / kOffsetStep;
    if (i >= d->nbuf || length > d->spec.buffer_size) return fail_map(EINVAL);
    if (static_cast<int>(i) == d->spec.mmap_fail_index) return fail_map(ENOMEM);
    d->mapped[i] = true;
    return d->pool[i].data();
  }
  int munmap(void* addr, size_t) override {
    for (Device& d : devices_) {
      for (uint32_t i = 0; i < kMaxBuffers; ++i) {
        if (d.mapped[i] && d.pool[i].data() == addr) {
          d.mapped[i] = false;
          return 0;
        }
      }
    }
    return fail(EINVAL);
  }

  int list_dir(const char* dir, DirFn fn, void* ctx) override {
    if (std::strcmp(dir, "/dev") != 0) return fail(ENOENT);
    fn(ctx, "null");
    fn(ctx, "media0");
    fn(ctx, "video-extra");  // not a video node
    for (const Device& d : devices_) {
      if (!d.gone && d.spec.path.rfind("/dev/", 0) == 0) fn(ctx, d.spec.path.c_str() + 5);
    }
    return 0;
  }

  int ioctl(int fd, unsigned long request, void* arg) override {
    log.push_back(request);
    Device* d = device(fd);
    if (d == nullptr) return fail(EBADF);
    if (d->gone) return fail(ENODEV);
    const FakeCamera& s = d->spec;
    switch (request) {
      case VIDIOC_QUERYCAP: {
        auto* c = static_cast<v4l2_capability*>(arg);
        *c = {};
        copy(c->driver, s.driver);
        copy(c->card, s.card);
        copy(c->bus_info, "usb-0000:01:00.0-1.2");
        c->device_caps =
            (s.capture ? V4L2_CAP_VIDEO_CAPTURE : V4L2_CAP_META_CAPTURE) | V4L2_CAP_STREAMING;
        c->capabilities = V4L2_CAP_VIDEO_CAPTURE | V4L2_CAP_META_CAPTURE | V4L2_CAP_STREAMING |
                          V4L2_CAP_DEVICE_CAPS;
        return 0;
      }
      case VIDIOC_ENUM_FMT: {
        auto* f = static_cast<v4l2_fmtdesc*>(arg);
        if (!s.capture || f->type != V4L2_BUF_TYPE_VIDEO_CAPTURE || f->index >= s.formats.size()) {
          return fail(EINVAL);
        }
        f->pixelformat = s.formats[f->index];
        copy(f->description, f->pixelformat == V4L2_PIX_FMT_MJPEG ? "Motion-JPEG" : "YUYV 4:2:2");
        return 0;
      }
      case VIDIOC_ENUM_FRAMESIZES: {
        auto* f = static_cast<v4l2_frmsizeenum*>(arg);
        if (std::find(s.formats.begin(), s.formats.end(), f->pixel_format) == s.formats.end()) {
          return fail(EINVAL);
        }
        if (s.stepwise) {
          if (f->index != 0) return fail(EINVAL);
          f->type = V4L2_FRMSIZE_TYPE_STEPWISE;
          f->stepwise = s.step;
          return 0;
        }
        if (f->index >= s.sizes.size()) return fail(EINVAL);
        f->type = V4L2_FRMSIZE_TYPE_DISCRETE;
        f->discrete.width = s.sizes[f->index].first;
        f->discrete.height = s.sizes[f->index].second;
        return 0;
      }
      case VIDIOC_S_FMT: {
        auto* f = static_cast<v4l2_format*>(arg);
        if (d->streaming || d->nbuf != 0) return fail(EBUSY);
        if (std::find(s.formats.begin(), s.formats.end(), f->fmt.pix.pixelformat) ==
            s.formats.end()) {
          f->fmt.pix.pixelformat = s.formats.at(0);  // as drivers do: the nearest they have
        }
        f->fmt.pix.field = V4L2_FIELD_NONE;
        f->fmt.pix.sizeimage = static_cast<uint32_t>(s.buffer_size);
        d->fmt = f->fmt.pix;
        return 0;
      }
      case VIDIOC_REQBUFS: {
        auto* r = static_cast<v4l2_requestbuffers*>(arg);
        if (r->memory != V4L2_MEMORY_MMAP || r->type != V4L2_BUF_TYPE_VIDEO_CAPTURE)
          return fail(EINVAL);
        if (s.reqbufs_errno != 0) return fail(s.reqbufs_errno);
        if (d->streaming) return fail(EBUSY);
        if (r->count == 0 && std::count(d->mapped, d->mapped + kMaxBuffers, true) > 0)
          orphaned = true;
        d->nbuf = std::min<uint32_t>(r->count, kMaxBuffers);
        r->count = d->nbuf;
        d->queue.clear();
        return 0;
      }
      case VIDIOC_QUERYBUF: {
        auto* b = static_cast<v4l2_buffer*>(arg);
        if (b->index >= d->nbuf) return fail(EINVAL);
        b->length = static_cast<uint32_t>(s.buffer_size);
        b->m.offset = b->index * kOffsetStep;
        return 0;
      }
      case VIDIOC_QBUF: {
        auto* b = static_cast<v4l2_buffer*>(arg);
        if (b->index >= d->nbuf || d->queue.contains(b->index)) {
          return fail(EINVAL);
        }
        d->queue.push_back(b->index);
        return 0;
      }
      case VIDIOC_STREAMON:
        if (d->nbuf == 0) return fail(EINVAL);
        if (s.streamon_errno != 0) return fail(s.streamon_errno);
        d->streaming = true;
        return 0;
      case VIDIOC_STREAMOFF:
        d->streaming = false;
        d->queue.clear();
        return 0;
      case VIDIOC_DQBUF: {
        auto* b = static_cast<v4l2_buffer*>(arg);
        if (!d->streaming) return fail(EINVAL);
        if (s.unplug_after >= 0 && d->delivered >= static_cast<uint32_t>(s.unplug_after)) {
          d->gone = true;
          return fail(ENODEV);
        }
        if (d->queue.empty() || s.stall) return fail(EAGAIN);
        uint32_t i = d->queue.pop_front();
        const std::vector<uint8_t>& frame =
            s.frames.at(std::min<size_t>(d->delivered, s.frames.size() - 1));
        uint8_t* mem = d->pool[i].data();
        std::memcpy(mem, frame.data(), frame.size());
        std::memset(mem + frame.size(), 0, s.pad_zeros);
        b->index = i;
        b->bytesused = static_cast<uint32_t>(frame.size() + s.pad_zeros);
        b->flags = d->delivered < s.damaged_frames ? V4L2_BUF_FLAG_ERROR : 0;
        b->sequence = d->delivered++;
        d->dequeued.push_back(i);
        return 0;
      }
      default:
        return fail(ENOTTY);
    }
  }

 private:
  static constexpr uint32_t kOffsetStep = 0x100000;
  // The driver's queue of buffers, in order (no heap, so a capture's heap is the driver's).
  struct Ring {
    uint32_t items[kMaxBuffers] = {};
    uint32_t head = 0, size = 0;
    bool empty() const { return size == 0; }
    void clear() { head = size = 0; }
    bool contains(uint32_t v) const {
      for (uint32_t k = 0; k < size; ++k) {
        if (items[(head + k) % kMaxBuffers] == v) return true;
      }
      return false;
    }
    void push_back(uint32_t v) { items[(head + size++) % kMaxBuffers] = v; }
    uint32_t pop_front() {
      uint32_t v = items[head];
      head = (head + 1) % kMaxBuffers;
      --size;
      return v;
    }
  };
  struct Device {
    FakeCamera spec;
    std::vector<uint8_t> pool[kMaxBuffers];
    bool mapped[kMaxBuffers] = {};
    uint32_t nbuf = 0;
    bool streaming = false;
    bool gone = false;
    Ring queue;
    uint32_t delivered = 0;
    std::vector<uint32_t> dequeued;
    v4l2_pix_format fmt{};
  };

  static int fail(int err) {
    errno = err;
    return -1;
  }
  static void* fail_map(int err) {
    errno = err;
    return MAP_FAILED;
  }
  template <size_t N>
  static void copy(uint8_t (&dst)[N], const std::string& s) {
    std::memset(dst, 0, N);
    std::memcpy(dst, s.data(), std::min(s.size(), N - 1));
  }
  Device* device(int fd) {
    for (auto& f : fds_) {
      if (f.first == fd) return &devices_[f.second];
    }
    return nullptr;
  }

  hal::ManualClock& clock_;
  std::vector<Device> devices_;
  std::vector<std::pair<int, size_t>> fds_;
  int next_fd_ = 100;
};

}  // namespace spark::test
