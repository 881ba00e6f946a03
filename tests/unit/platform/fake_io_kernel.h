// FakeIoKernel: a platform::Sys that plays the kernel's side of the GPIO
// character device, evdev, the framebuffer and sysfs LEDs, so the real
// drivers in platform/linux run in tests. Time is a hal::ManualClock that
// poll() advances to the next event (or by its timeout): no test sleeps.
//
// Devices are described by what a real one reports: a gpiochip's label and
// line names and a line's electrical levels over time (contact bounce
// included), an input device's name, capabilities and input_events, a
// framebuffer's var/fix screen info. Faults: an errno for an open or an
// ioctl, a busy line, a device unplugged at a given time, a kernel without
// debounce. Every fd and mapping is counted so tests can assert none leak.
#pragma once

#include <linux/fb.h>
#include <linux/input.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hal/clock.h"
#include "platform/linux/sys.h"

namespace spark::testing {

class FakeIoKernel final : public platform::Sys {
 public:
  struct Edge {
    uint64_t at_ms;
    bool high;  // electrical level from then on
  };
  struct GpioLineState {
    std::string name;
    std::string consumer;  // non-empty: requested by someone else (EBUSY)
    std::vector<Edge> edges;
    bool initial_high = true;                           // pulled up, button open
    std::vector<std::pair<uint64_t, bool>> output_log;  // (ms, logical value) set by SET_VALUES
  };
  struct GpioRequest {
    uint32_t offset = 0;
    uint64_t flags = 0;
    uint32_t debounce_us = 0;  // 0: none asked
    bool has_output_value = false;
    uint64_t output_value = 0;
  };
  struct GpioChip {
    std::string label;
    std::vector<GpioLineState> lines;
    bool debounce_supported = true;
    uint64_t unplug_at_ms = UINT64_MAX;
    std::vector<GpioRequest> requests;  // every GPIO_V2_GET_LINE_IOCTL granted
  };
  struct TimedInput {
    uint64_t at_ms;
    uint16_t type, code;
    int32_t value;
  };
  struct InputDevice {
    std::string name;
    std::set<int> keys;  // EV_KEY capabilities
    std::set<int> abs;   // EV_ABS capabilities
    std::vector<TimedInput> events;
    bool grabbed_by_other = false;
    bool grabbed = false;
    int clock_id = -1;  // set by EVIOCSCLOCKID
    uint64_t unplug_at_ms = UINT64_MAX;
  };
  struct Framebuffer {
    fb_var_screeninfo var{};
    fb_fix_screeninfo fix{};
    std::vector<uint8_t> memory;
    bool pan_supported = true;
    bool vsync_supported = false;
    std::vector<uint32_t> pans;  // yoffset of each FBIOPAN_DISPLAY
    int vsyncs = 0;
  };

  explicit FakeIoKernel(hal::ManualClock& clock) : clock_(clock) {}

  // Devices. The returned references stay valid.
  GpioChip& add_gpiochip(const std::string& dev_name, const std::string& label,
                         const std::vector<std::string>& line_names);
  InputDevice& add_input(const std::string& dev_name, const std::string& name);
  // A packed-pixel true colour framebuffer; channel layout per bpp:
  // 16 = RGB565, 24 = BGR888 in memory (red at bit 16), 32 = XRGB8888 with
  // the given alpha length. smem covers yres_virtual rows of line_length.
  Framebuffer& add_framebuffer(const std::string& dev_name, uint32_t xres, uint32_t yres,
                               uint32_t bpp, uint32_t line_length, uint32_t yres_virtual,
                               uint32_t alpha_length = 0);
  void set_file(const std::string& path, const std::string& content);
  std::string file(const std::string& path) const;
  const std::vector<std::pair<std::string, std::string>>& writes() const { return writes_; }

  // Faults (0 clears). "mmap:PATH" fails mmap of PATH's fd.
  void fail_open(const std::string& path, int err) { open_errors_[path] = err; }
  void fail_ioctl(unsigned long request, int err) { ioctl_errors_[request] = err; }

  // Bookkeeping.
  size_t open_fds() const { return fds_.size(); }
  size_t mappings() const { return maps_.size(); }
  size_t polls() const { return polls_; }

  // platform::Sys
  int open(const char* path, int flags, mode_t mode) override;
  int close(int fd) override;
  int ioctl(int fd, unsigned long request, void* arg) override;
  ssize_t read(int fd, void* buf, size_t n) override;
  ssize_t write(int fd, const void* buf, size_t n) override;
  int poll(struct pollfd* fds, nfds_t n, int timeout_ms) override;
  void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) override;
  int munmap(void* addr, size_t length) override;
  int list_dir(const char* dir, DirFn fn, void* ctx) override;

 private:
  enum class Kind { kChip, kLine, kInput, kFb, kFile };
  struct OpenFile {
    Kind kind;
    std::string path;
    GpioRequest req;  // kLine
    GpioChip* chip = nullptr;
    size_t next = 0;      // kLine/kInput: events handed out
    std::string written;  // kFile
    size_t read_pos = 0;  // kFile
  };
  struct LineEvent {
    uint64_t at_ms;     // when the kernel queues it
    uint64_t stamp_ns;  // its timestamp
    bool rising;        // logical
  };
  std::vector<LineEvent> line_events(const OpenFile& f) const;
  bool logical_level(const OpenFile& f, uint64_t at_ms) const;
  // When fd next becomes ready (an event or a hang-up), UINT64_MAX if never.
  uint64_t ready_at(const OpenFile& f, short* revents) const;
  int ioctl_gpio(OpenFile& f, unsigned long request, void* arg);
  int ioctl_input(OpenFile& f, unsigned long request, void* arg);
  int ioctl_fb(OpenFile& f, unsigned long request, void* arg);

  hal::ManualClock& clock_;
  std::map<std::string, std::unique_ptr<GpioChip>> chips_;
  std::map<std::string, std::unique_ptr<InputDevice>> inputs_;
  std::map<std::string, std::unique_ptr<Framebuffer>> fbs_;
  std::map<std::string, std::string> files_;
  std::vector<std::pair<std::string, std::string>> writes_;
  std::map<std::string, int> open_errors_;
  std::map<unsigned long, int> ioctl_errors_;
  std::map<int, OpenFile> fds_;
  std::map<void*, size_t> maps_;
  int next_fd_ = 100;
  size_t polls_ = 0;
};

}  // namespace spark::testing
