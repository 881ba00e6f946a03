// button_latency: how long from the kernel's timestamp of a GPIO edge to
// the hal::ButtonEvent handed out by platform::GpioButton::wait().
//
// The kernel is played through platform::Sys, but the wait is real: the
// line request's fd is a pipe, so the driver blocks in the real poll(2) and
// a second thread "is the kernel": it waits until the driver is blocked,
// stamps CLOCK_MONOTONIC (as gpiolib stamps an edge) and writes a struct
// gpio_v2_line_event. The figure is wake-up + read + debounce/press logic,
// i.e. what sparkcam adds on top of the kernel's interrupt handling.
//
//   button_latency [presses]      (default 2000 edges, 1000 presses)
#include <fcntl.h>
#include <linux/gpio.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "platform/linux/gpio.h"
#include "platform/linux/linux_clock.h"

using namespace spark;

namespace {

uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

// A gpiochip with 28 lines named GPIO0..GPIO27 whose line request is a pipe.
class PipeGpio final : public platform::Sys {
 public:
  int write_end = -1;
  int open(const char* path, int, mode_t) override {
    if (std::strcmp(path, "/dev/gpiochip0") != 0) {
      errno = ENOENT;
      return -1;
    }
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  int close(int fd) override { return ::close(fd); }
  int ioctl(int, unsigned long request, void* arg) override {
    if (request == GPIO_GET_CHIPINFO_IOCTL) {
      auto* info = static_cast<gpiochip_info*>(arg);
      std::memset(info, 0, sizeof *info);
      std::strcpy(info->name, "gpiochip0");
      std::strcpy(info->label, "pinctrl-rp1");
      info->lines = 28;
      return 0;
    }
    if (request == GPIO_V2_GET_LINEINFO_IOCTL) {
      auto* li = static_cast<gpio_v2_line_info*>(arg);
      std::snprintf(li->name, sizeof li->name, "GPIO%u", li->offset);
      return 0;
    }
    if (request == GPIO_V2_GET_LINE_IOCTL) {
      int p[2];
      if (::pipe2(p, O_CLOEXEC) < 0) return -1;
      static_cast<gpio_v2_line_request*>(arg)->fd = p[0];
      write_end = p[1];
      return 0;
    }
    if (request == GPIO_V2_LINE_GET_VALUES_IOCTL) {
      static_cast<gpio_v2_line_values*>(arg)->bits = 0;
      return 0;
    }
    errno = ENOTTY;
    return -1;
  }
  ssize_t read(int fd, void* buf, size_t n) override { return ::read(fd, buf, n); }
  ssize_t write(int fd, const void* buf, size_t n) override { return ::write(fd, buf, n); }
  int poll(struct pollfd* fds, nfds_t n, int timeout_ms) override {
    waiting.store(true);
    int r = ::poll(fds, n, timeout_ms);
    waiting.store(false);
    return r;
  }
  void* mmap(void*, size_t, int, int, int, off_t) override {
    errno = ENODEV;
    return nullptr;
  }
  int munmap(void*, size_t) override { return -1; }
  int list_dir(const char*, DirFn fn, void* ctx) override {
    fn(ctx, "gpiochip0");
    return 0;
  }
  std::atomic<bool> waiting{false};
};

void report(const char* what, std::vector<uint64_t>& ns) {
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) {
    return static_cast<double>(ns[static_cast<size_t>(p * static_cast<double>(ns.size() - 1))]) /
           1000.0;
  };
  std::printf("%-34s n=%zu  p50 %.1f us  p90 %.1f us  p99 %.1f us  max %.1f us\n", what, ns.size(),
              pct(0.5), pct(0.9), pct(0.99), static_cast<double>(ns.back()) / 1000.0);
}

}  // namespace

int main(int argc, char** argv) {
  long presses = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 1000;
  if (presses < 1 || presses > 1000000) {
    std::fprintf(stderr, "usage: button_latency [presses 1..1000000]\n");
    return 2;
  }
  PipeGpio sys;
  platform::MonotonicClock clock;
  platform::GpioButton button(sys, clock);
  platform::GpioButtonConfig config;
  config.line = "GPIO17";
  config.kernel_debounce_ms = 0;
  // Edges come 1 ms apart here; the software window is 0 so none is taken
  // for a bounce. A first edge never waits for the window anyway.
  config.timing.debounce_ms = 0;
  Status s = button.open(config);
  if (!s.is_ok()) {
    std::fprintf(stderr, "open: %s\n", s.message());
    return 1;
  }
  const size_t edges = static_cast<size_t>(presses) * 2;
  std::vector<uint64_t> stamps(edges), blocked(edges), queued(edges);

  // 1. From idle: the driver is blocked in poll when the edge arrives.
  std::thread kernel([&] {
    for (size_t i = 0; i < edges; ++i) {
      while (!sys.waiting.load()) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      gpio_v2_line_event ev{};
      ev.timestamp_ns = stamps[i] = now_ns();
      ev.id = i % 2 == 0 ? GPIO_V2_LINE_EVENT_RISING_EDGE : GPIO_V2_LINE_EVENT_FALLING_EDGE;
      ev.offset = 17;
      ev.seqno = ev.line_seqno = static_cast<uint32_t>(i + 1);
      if (::write(sys.write_end, &ev, sizeof ev) != static_cast<ssize_t>(sizeof ev)) std::abort();
    }
  });
  size_t got = 0;
  while (got < edges) {
    auto r = button.wait(hal::Deadline::after(clock, 5000));
    uint64_t t = now_ns();
    if (!r.is_ok() || !r->has_value()) {
      std::fprintf(stderr, "wait: %s\n", r.is_ok() ? "timed out" : r.status().message());
      kernel.detach();
      return 1;
    }
    blocked[got] = t - stamps[got];
    ++got;
  }
  kernel.join();

  // 2. Already queued: the cost of wait() itself when the edge is waiting.
  for (size_t i = 0; i < edges; ++i) {
    gpio_v2_line_event ev{};
    ev.timestamp_ns = now_ns();
    ev.id = i % 2 == 0 ? GPIO_V2_LINE_EVENT_RISING_EDGE : GPIO_V2_LINE_EVENT_FALLING_EDGE;
    if (::write(sys.write_end, &ev, sizeof ev) != static_cast<ssize_t>(sizeof ev)) return 1;
    uint64_t t0 = now_ns();
    auto r = button.wait(hal::Deadline::after(clock, 5000));
    queued[i] = now_ns() - t0;
    if (!r.is_ok() || !r->has_value()) return 1;
  }
  report("edge stamped -> event (idle wait)", blocked);
  report("wait() with the edge queued", queued);
  ::close(sys.write_end);
  return 0;
}
