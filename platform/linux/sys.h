// platform::Sys: the system-call seam of the device drivers.
//
// Every Linux device driver in platform/linux (V4L2 camera, GPIO character
// device, evdev, framebuffer, LEDs) reaches the kernel only through a Sys&,
// so tests can play the kernel's side (tests/unit/platform/fake_uvc.h,
// fake_io_kernel.h)
// while the real driver code runs: a UVC camera's format list and buffer
// cycle, a GPIO line's bouncing edges, a framebuffer with a wide stride.
// The calls mirror the POSIX ones exactly: same arguments, same return
// values, and on failure -1 with errno set. real_sys() passes each call to
// the C library unchanged.
//
// Memory: none (an interface and one stateless object).
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>

namespace spark::platform {

class Sys {
 public:
  virtual ~Sys() = default;
  virtual int open(const char* path, int flags, mode_t mode = 0) = 0;
  virtual int close(int fd) = 0;
  // request is the ioctl number (VIDIOC_*, GPIO_V2_*, EVIOC*, FBIO*).
  virtual int ioctl(int fd, unsigned long request, void* arg) = 0;
  virtual ssize_t read(int fd, void* buf, size_t n) = 0;
  virtual ssize_t write(int fd, const void* buf, size_t n) = 0;
  virtual int poll(struct pollfd* fds, nfds_t n, int timeout_ms) = 0;
  virtual void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) = 0;
  virtual int munmap(void* addr, size_t length) = 0;
  // Directory listing for device discovery (/dev/video*, /dev/input/event*,
  // /sys/class/leds): calls fn(name) for each entry of dir except . and ..;
  // returns 0, or -1 with errno.
  using DirFn = void (*)(void* ctx, const char* name);
  virtual int list_dir(const char* dir, DirFn fn, void* ctx) = 0;
};

// The real kernel. Thread-safe (it keeps no state).
Sys& real_sys();

}  // namespace spark::platform
