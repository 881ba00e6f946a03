// The SDL window under a real X server (Xvfb on a display number it picks
// itself, -displayfd): the frame on screen read back with xwd is the frame
// presented, pixel for pixel; keys and clicks sent with xdotool (XTEST) are
// the button. Exits 77 (ctest: skipped, reason printed) when Xvfb is not
// installed; xdotool and xwd missing is a failure naming the package.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hal/clock.h"
#include "platform/host/host_devices.h"
#include "platform/host/host_quit.h"
#include "platform/host/sdl_window.h"
#include "platform/linux/linux_clock.h"

// Xlib last: it defines Status (and more) as macros.
#include <X11/Xlib.h>
#undef Status

extern char** environ;

using namespace spark;
using namespace spark::platform;
using Kind = hal::ButtonEvent::Kind;

namespace {

bool on_path(const char* program) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + program;
    if (access(candidate.c_str(), X_OK) == 0) return true;
    start = end + 1;
  }
  return false;
}

pid_t spawn(std::vector<std::string> args, const posix_spawn_file_actions_t* actions = nullptr) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, argv[0], actions, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

int run(std::vector<std::string> args) {
  pid_t pid = spawn(std::move(args));
  if (pid < 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Xvfb on the first free display number, stopped by the destructor.
struct Xvfb {
  pid_t pid = -1;
  std::string display;
  Xvfb() {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addclose(&actions, fds[0]);  // first: it may be fd 3
    posix_spawn_file_actions_adddup2(&actions, fds[1], 3);
    pid = spawn({"Xvfb", "-displayfd", "3", "-screen", "0", "640x480x24", "-nolisten", "tcp"},
                &actions);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    REQUIRE(pid > 0);
    std::string number;
    char c = 0;
    for (;;) {  // Xvfb writes "N\n" once it accepts clients; bounded by 20 s
      struct pollfd p {
        fds[0], POLLIN, 0
      };
      if (poll(&p, 1, 20000) <= 0 || read(fds[0], &c, 1) != 1 || c == '\n') break;
      number += c;
    }
    close(fds[0]);
    REQUIRE_MESSAGE(!number.empty(), "Xvfb did not report a display number");
    display = ":" + number;
  }
  ~Xvfb() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
  }
};

uint32_t be32(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}

int shift_of(uint32_t mask) {
  int s = 0;
  while (mask != 0 && (mask & 1) == 0) {
    mask >>= 1;
    ++s;
  }
  return s;
}

// The window's pixels as RGB888, read from the X server by xwd.
std::vector<uint8_t> screenshot(unsigned long window, const std::string& path, uint32_t& w,
                                uint32_t& h) {
  std::string id = std::to_string(window);
  REQUIRE(run({"xwd", "-id", id, "-silent", "-out", path}) == 0);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  REQUIRE(f != nullptr);
  std::vector<uint8_t> b;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + n);
  std::fclose(f);
  unlink(path.c_str());
  REQUIRE(b.size() >= 100);
  uint32_t header_size = be32(b, 0);
  w = be32(b, 16);
  h = be32(b, 20);
  uint32_t byte_order = be32(b, 28);
  uint32_t bits_per_pixel = be32(b, 44);
  uint32_t bytes_per_line = be32(b, 48);
  uint32_t masks[3] = {be32(b, 56), be32(b, 60), be32(b, 64)};
  uint32_t ncolors = be32(b, 76);
  REQUIRE(bits_per_pixel == 32);
  size_t data = header_size + size_t{ncolors} * 12;
  REQUIRE(b.size() >= data + size_t{bytes_per_line} * h);
  std::vector<uint8_t> rgb(size_t{w} * h * 3);
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      const uint8_t* p = &b[data + size_t{y} * bytes_per_line + size_t{x} * 4];
      uint32_t px =
          byte_order == 0
              ? (uint32_t{p[3]} << 24 | uint32_t{p[2]} << 16 | uint32_t{p[1]} << 8 | p[0])
              : (uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3]);
      for (int c = 0; c < 3; ++c) {
        rgb[(size_t{y} * w + x) * 3 + static_cast<size_t>(c)] =
            static_cast<uint8_t>((px & masks[c]) >> shift_of(masks[c]));
      }
    }
  }
  return rgb;
}

// What a window manager sends when the close button is clicked.
bool send_wm_delete(unsigned long window) {
  Display* x = XOpenDisplay(nullptr);
  if (x == nullptr) return false;
  XEvent ev;
  std::memset(&ev, 0, sizeof ev);
  ev.xclient.type = ClientMessage;
  ev.xclient.window = window;
  ev.xclient.message_type = XInternAtom(x, "WM_PROTOCOLS", False);
  ev.xclient.format = 32;
  ev.xclient.data.l[0] = static_cast<long>(XInternAtom(x, "WM_DELETE_WINDOW", False));
  ev.xclient.data.l[1] = CurrentTime;
  bool sent = XSendEvent(x, window, False, NoEventMask, &ev) != 0;
  XSync(x, False);
  XCloseDisplay(x);
  return sent;
}

hal::ButtonEvent next(hal::Button& button, hal::Clock& clock) {
  auto r = button.wait(hal::Deadline::after(clock, 5000));
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  REQUIRE_MESSAGE(r.value().has_value(), "no button event within 5 s");
  return *r.value();
}

}  // namespace

TEST_CASE("sdl_window_shows_the_frame_and_space_click_l_escape_are_the_button") {
  if (!on_path("Xvfb")) {
    std::printf("SKIP: Xvfb is not installed (Debian package xvfb): the SDL window is untested\n");
    std::fflush(stdout);
    std::_Exit(77);
  }
  REQUIRE_MESSAGE(on_path("xdotool"), "xdotool missing (Debian package xdotool)");
  REQUIRE_MESSAGE(on_path("xwd"), "xwd missing (Debian package x11-apps)");
  Xvfb xvfb;
  setenv("DISPLAY", xvfb.display.c_str(), 1);
  unsetenv("WAYLAND_DISPLAY");
  setenv("SDL_VIDEODRIVER", "x11", 1);

  MonotonicClock clock;
  SdlWindow window(clock);
  SdlWindowConfig c;
  c.width = 96;
  c.height = 64;
  c.rotation = hal::Rotation::k270;
  c.title = "sparkcam-test";
  c.id = 5;
  c.long_press_ms = 100;
  Status opened = window.open(c);
  REQUIRE_MESSAGE(opened.is_ok(), opened.message());
  CHECK(window.info().width == 96);
  CHECK(window.info().height == 64);
  CHECK(window.info().rotation == hal::Rotation::k270);
  REQUIRE(window.x11_window() != 0);

  // Every pixel different; shown exactly (no scaling, no rotation, no filter).
  std::vector<uint8_t> pixels(96 * 64 * 3);
  for (uint32_t y = 0; y < 64; ++y) {
    for (uint32_t x = 0; x < 96; ++x) {
      uint8_t* p = &pixels[(size_t{y} * 96 + x) * 3];
      p[0] = static_cast<uint8_t>(x * 2 + 1);
      p[1] = static_cast<uint8_t>(y * 3 + 2);
      p[2] = static_cast<uint8_t>((x + y) * 5);
    }
  }
  hal::Frame frame{pixels.data(), 96, 64, 96 * 3};
  REQUIRE(window.present(frame).is_ok());
  const char* tmp = std::getenv("SPARK_TEST_TMP");
  std::string shot = std::string(tmp ? tmp : "/tmp") + "/sdl-shot." + std::to_string(getpid());
  uint32_t w = 0, h = 0;
  std::vector<uint8_t> seen = screenshot(window.x11_window(), shot, w, h);
  CHECK(w == 96);
  CHECK(h == 64);
  CHECK(seen == pixels);
  hal::Frame wrong{pixels.data(), 64, 96, 64 * 3};
  CHECK(window.present(wrong).code() == Code::kInvalidArgument);

  std::string id = std::to_string(window.x11_window());
  REQUIRE(run({"xdotool", "windowfocus", "--sync", id}) == 0);

  // A tap of the space bar: press, then short press.
  REQUIRE(run({"xdotool", "key", "space"}) == 0);
  hal::ButtonEvent e = next(window, clock);
  CHECK(e.kind == Kind::kPress);
  CHECK(e.source == 5);
  e = next(window, clock);
  CHECK(e.kind == Kind::kShortPress);
  CHECK(e.held_ms < 100);

  // A click in the window is the same button.
  REQUIRE(run({"xdotool", "mousemove", "--window", id, "10", "10", "click", "1"}) == 0);
  CHECK(next(window, clock).kind == Kind::kPress);
  CHECK(next(window, clock).kind == Kind::kShortPress);

  // Space held past long_press_ms while the controller waits: a long press.
  pid_t hold = spawn({"xdotool", "keydown", "space", "sleep", "0.5", "keyup", "space"});
  REQUIRE(hold > 0);
  e = next(window, clock);
  CHECK(e.kind == Kind::kPress);
  e = next(window, clock);
  CHECK(e.kind == Kind::kLongPress);
  CHECK(e.held_ms == 100);
  e = next(window, clock);
  CHECK(e.kind == Kind::kRelease);
  CHECK(e.held_ms >= 100);
  int status = 0;
  REQUIRE(waitpid(hold, &status, 0) == hold);

  // L: a long press at once.
  REQUIRE(run({"xdotool", "key", "l"}) == 0);
  CHECK(next(window, clock).kind == Kind::kPress);
  e = next(window, clock);
  CHECK(e.kind == Kind::kLongPress);
  CHECK(e.held_ms == 100);
  CHECK(next(window, clock).kind == Kind::kRelease);

  // No input: the deadline passes with no event.
  auto none = window.wait(hal::Deadline::after(clock, 50));
  REQUIRE(none.is_ok());
  CHECK_FALSE(none.value().has_value());

  // Closing the window as a window manager does (WM_DELETE_WINDOW): a quit
  // request, and it stays one.
  REQUIRE(send_wm_delete(window.x11_window()));
  auto quit = window.wait(hal::Deadline::after(clock, 5000));
  CHECK(is_quit_request(quit.status()));
  CHECK(std::string(quit.status().message()).find("window closed") != std::string::npos);
  CHECK(is_quit_request(window.wait(hal::Deadline::after(clock, 10)).status()));
  window.close();

  // With a display, the simulator's devices are the window.
  HostDevices devices(clock);
  HostDevicesConfig hc;
  hc.width = 96;
  hc.height = 64;
  std::string png = std::string(tmp ? tmp : "/tmp") + "/sdl-fallback.png";
  hc.png_path = png.c_str();  // only written if the window failed
  REQUIRE(devices.open(hc).is_ok());
  REQUIRE_MESSAGE(devices.windowed(), devices.note());
  CHECK(std::string(devices.note()).find("SDL window 96x64") != std::string::npos);
  REQUIRE(devices.display().present(frame).is_ok());
  // Escape in it: a quit request.
  REQUIRE(run({"xdotool", "key", "Escape"}) == 0);
  auto escaped = devices.button().wait(hal::Deadline::after(clock, 5000));
  CHECK(is_quit_request(escaped.status()));
  CHECK(std::string(escaped.status().message()).find("Escape") != std::string::npos);
}

TEST_CASE("sdl_window_without_a_display_is_unavailable") {
  unsetenv("DISPLAY");
  unsetenv("WAYLAND_DISPLAY");
  MonotonicClock clock;
  SdlWindow window(clock);
  Status s = window.open(SdlWindowConfig{});
  CHECK(s.code() == Code::kUnavailable);
  CHECK(std::string(s.message()).find("DISPLAY") != std::string::npos);
}
