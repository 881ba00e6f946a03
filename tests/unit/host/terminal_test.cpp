// The headless simulator devices: half-block preview, screen.png, the
// terminal display's modes and the terminal keys, on real pipes and ptys.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <png.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hal/clock.h"
#include "platform/host/half_block.h"
#include "platform/host/host_devices.h"
#include "platform/host/host_quit.h"
#include "platform/host/png_file.h"
#include "platform/host/terminal_button.h"
#include "platform/host/terminal_display.h"

using namespace spark;
using namespace spark::platform;
using Kind = hal::ButtonEvent::Kind;

namespace {

std::string tmp_path(const std::string& name) {
  const char* dir = std::getenv("SPARK_TEST_TMP");
  return std::string(dir ? dir : "/tmp") + "/" + name + "." + std::to_string(getpid());
}

struct Picture {
  uint32_t width, height;
  std::vector<uint8_t> pixels;
  Picture(uint32_t w, uint32_t h) : width(w), height(h), pixels(size_t{w} * h * 3, 0) {}
  void set(uint32_t x, uint32_t y, uint8_t r, uint8_t g, uint8_t b) {
    uint8_t* p = &pixels[(size_t{y} * width + x) * 3];
    p[0] = r;
    p[1] = g;
    p[2] = b;
  }
  hal::Frame frame() { return {pixels.data(), width, height, size_t{width} * 3}; }
};

// A test pattern where every pixel differs.
Picture pattern(uint32_t w, uint32_t h) {
  Picture p(w, h);
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      p.set(x, y, static_cast<uint8_t>(x * 7 + y), static_cast<uint8_t>(y * 13 + 1),
            static_cast<uint8_t>((x ^ y) * 5 + 2));
    }
  }
  return p;
}

bool read_png(const std::string& path, uint32_t& w, uint32_t& h, std::vector<uint8_t>& rgb) {
  png_image image;
  std::memset(&image, 0, sizeof image);
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str())) return false;
  image.format = PNG_FORMAT_RGB;
  rgb.assign(PNG_IMAGE_SIZE(image), 0);
  w = image.width;
  h = image.height;
  bool ok = png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr) != 0;
  png_image_free(&image);
  return ok;
}

std::string drain(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    struct pollfd p {
      fd, POLLIN, 0
    };
    if (poll(&p, 1, 200) <= 0) break;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

struct Pty {
  int master = -1, slave = -1;
  Pty(unsigned short cols = 80, unsigned short rows = 24) {
    struct winsize ws {};
    ws.ws_col = cols;
    ws.ws_row = rows;
    REQUIRE(openpty(&master, &slave, nullptr, nullptr, &ws) == 0);
  }
  ~Pty() {
    if (master >= 0) close(master);
    if (slave >= 0) close(slave);
  }
  void type(const char* keys) const {
    REQUIRE(write(master, keys, std::strlen(keys)) == static_cast<ssize_t>(std::strlen(keys)));
  }
  bool canonical() const {
    struct termios t {};
    REQUIRE(tcgetattr(slave, &t) == 0);
    return (t.c_lflag & ICANON) != 0 && (t.c_lflag & ECHO) != 0;
  }
};

hal::ButtonEvent next(hal::Button& button, hal::Clock& clock) {
  auto r = button.wait(hal::Deadline::after(clock, 2000));
  REQUIRE(r.is_ok());
  REQUIRE(r.value().has_value());
  return *r.value();
}

}  // namespace

TEST_CASE("half_blocks_draw_upper_and_lower_pixels_with_exact_escapes") {
  Picture p(2, 3);
  p.set(0, 0, 255, 0, 0);
  p.set(1, 0, 0, 255, 0);
  p.set(0, 1, 0, 0, 255);
  p.set(1, 1, 0, 0, 255);
  p.set(0, 2, 255, 255, 255);
  p.set(1, 2, 255, 255, 255);
  std::string out;
  render_half_blocks(p.frame(), TermSize{80, 24}, out);
  const std::string block = "\xe2\x96\x80";
  std::string want = "\x1b[H";
  want += "\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m" + block + "\x1b[38;2;0;255;0m" + block;
  want += "\x1b[0m\x1b[K\r\n";
  want += "\x1b[38;2;255;255;255m\x1b[49m" + block + block + "\x1b[0m\x1b[K\r\n";
  CHECK(out == want);
}

TEST_CASE("half_blocks_fit_the_terminal_keeping_aspect") {
  CHECK(preview_size(800, 480, {80, 24}).width == 76);
  CHECK(preview_size(800, 480, {80, 24}).height == 46);
  CHECK(preview_size(480, 800, {200, 50}).width == 58);
  CHECK(preview_size(480, 800, {200, 50}).height == 98);
  CHECK(preview_size(2, 3, {80, 24}).width == 2);  // never enlarged
  // 4x2 into one cell row of 2 columns: pixels 1 and 3 of row 1 are sampled.
  Picture p(4, 2);
  p.set(1, 1, 10, 20, 30);
  p.set(3, 1, 40, 50, 60);
  std::string out;
  render_half_blocks(p.frame(), TermSize{2, 2}, out);
  CHECK(out ==
        "\x1b[H\x1b[38;2;10;20;30m\x1b[49m\xe2\x96\x80\x1b[38;2;40;50;60m\xe2\x96\x80"
        "\x1b[0m\x1b[K\r\n");
}

TEST_CASE("terminal_size_reads_the_pty_and_falls_back_to_80x24") {
  Pty pty(132, 43);
  CHECK(terminal_size(pty.slave).cols == 132);
  CHECK(terminal_size(pty.slave).rows == 43);
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  CHECK(terminal_size(fds[1]).cols == 80);
  CHECK(terminal_size(fds[1]).rows == 24);
  close(fds[0]);
  close(fds[1]);
}

TEST_CASE("png_is_written_pixel_exact_and_atomically") {
  std::string path = tmp_path("screen.png");
  Picture p = pattern(37, 21);
  REQUIRE(write_png_atomic(path.c_str(), p.frame()).is_ok());
  uint32_t w = 0, h = 0;
  std::vector<uint8_t> rgb;
  REQUIRE(read_png(path, w, h, rgb));
  CHECK(w == 37);
  CHECK(h == 21);
  CHECK(rgb == p.pixels);
  CHECK(access((path + ".tmp" + std::to_string(getpid())).c_str(), F_OK) != 0);
  // A window of a wider buffer (stride > width * 3) is written row by row.
  Picture wide = pattern(40, 21);
  hal::Frame f = wide.frame();
  f.width = 37;
  REQUIRE(write_png_atomic(path.c_str(), f).is_ok());
  REQUIRE(read_png(path, w, h, rgb));
  CHECK(w == 37);
  for (uint32_t y = 0; y < 21; ++y) {
    CHECK(std::memcmp(&rgb[size_t{y} * 37 * 3], f.row(y), 37 * 3) == 0);
  }
  unlink(path.c_str());
}

TEST_CASE("png_failure_names_the_path_and_leaves_nothing") {
  Picture p = pattern(4, 4);
  std::string path = tmp_path("no-such-dir") + "/screen.png";
  Status s = write_png_atomic(path.c_str(), p.frame());
  CHECK_FALSE(s.is_ok());
  CHECK(std::string(s.message()).find("no-such-dir") != std::string::npos);
  hal::Frame short_stride = p.frame();
  short_stride.stride = 5;
  CHECK(write_png_atomic(tmp_path("s.png").c_str(), short_stride).code() == Code::kInvalidArgument);
}

TEST_CASE("terminal_display_plain_lines_when_not_a_terminal") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::string path = tmp_path("plain.png");
  TerminalDisplay d;
  TerminalDisplayConfig c;
  c.width = 6;
  c.height = 4;
  c.rotation = hal::Rotation::k90;
  c.png_path = path.c_str();
  c.out_fd = fds[1];
  REQUIRE(d.open(c).is_ok());
  CHECK(d.mode() == PreviewMode::kPlain);
  CHECK(d.info().width == 6);
  CHECK(d.info().rotation == hal::Rotation::k90);
  Picture p = pattern(6, 4);
  REQUIRE(d.present(p.frame()).is_ok());
  REQUIRE(d.present(p.frame()).is_ok());
  CHECK(drain(fds[0]) ==
        "screen: frame 1 6x4 -> " + path + "\nscreen: frame 2 6x4 -> " + path + "\n");
  // A frame of the wrong size is refused and the screen keeps its picture.
  Picture other(5, 4);
  CHECK(d.present(other.frame()).code() == Code::kInvalidArgument);
  uint32_t w = 0, h = 0;
  std::vector<uint8_t> rgb;
  REQUIRE(read_png(path, w, h, rgb));
  CHECK(rgb == p.pixels);
  close(fds[0]);
  close(fds[1]);
  unlink(path.c_str());
}

TEST_CASE("terminal_display_colour_preview_on_a_terminal_and_plain_with_no_color") {
  Pty pty(80, 24);
  struct termios t {};
  REQUIRE(tcgetattr(pty.slave, &t) == 0);
  cfmakeraw(&t);  // the bytes as written, no CR/LF translation
  REQUIRE(tcsetattr(pty.slave, TCSANOW, &t) == 0);
  std::string path = tmp_path("colour.png");
  Picture p = pattern(3, 2);
  TerminalDisplayConfig c;
  c.width = 3;
  c.height = 2;
  c.png_path = path.c_str();
  c.out_fd = pty.slave;
  unsetenv("NO_COLOR");
  {
    TerminalDisplay d;
    REQUIRE(d.open(c).is_ok());
    CHECK(d.mode() == PreviewMode::kColour);
    REQUIRE(d.present(p.frame()).is_ok());
    REQUIRE(d.present(p.frame()).is_ok());
    std::string picture;
    render_half_blocks(p.frame(), TermSize{80, 24}, picture);
    std::string status = "screen: frame 1 3x2 -> " + path + "\x1b[K\r\n";
    std::string status2 = "screen: frame 2 3x2 -> " + path + "\x1b[K\r\n";
    CHECK(drain(pty.master) == "\x1b[2J" + picture + status + picture + status2);
  }
  setenv("NO_COLOR", "1", 1);
  {
    TerminalDisplay d;
    REQUIRE(d.open(c).is_ok());
    CHECK(d.mode() == PreviewMode::kPlain);
    REQUIRE(d.present(p.frame()).is_ok());
    CHECK(drain(pty.master) == "screen: frame 1 3x2 -> " + path + "\r\n");
  }
  unsetenv("NO_COLOR");
  unlink(path.c_str());
}

TEST_CASE("terminal_keys_space_enter_press_l_long_press_q_quits") {
  Pty pty;
  hal::ManualClock clock(10000);
  TerminalButton b(clock);
  TerminalButtonConfig c;
  c.fd = pty.slave;
  c.id = 3;
  REQUIRE(b.open(c).is_ok());
  CHECK(b.raw());
  CHECK_FALSE(pty.canonical());
  pty.type(" ");  // no newline: raw mode hands the key over at once
  hal::ButtonEvent e = next(b, clock);
  CHECK(e.kind == Kind::kPress);
  CHECK(e.source == 3);
  CHECK(e.at_ms == 10000);
  e = next(b, clock);
  CHECK(e.kind == Kind::kShortPress);
  CHECK(e.held_ms == 0);
  clock.advance_ms(500);
  pty.type("xl\r");
  e = next(b, clock);
  CHECK(e.kind == Kind::kPress);
  CHECK(e.at_ms == 9000);
  e = next(b, clock);
  CHECK(e.kind == Kind::kLongPress);
  CHECK(e.at_ms == 10500);
  CHECK(e.held_ms == 1500);
  e = next(b, clock);
  CHECK(e.kind == Kind::kRelease);
  CHECK(e.held_ms == 1500);
  CHECK(next(b, clock).kind == Kind::kPress);  // Enter
  CHECK(next(b, clock).kind == Kind::kShortPress);
  // Nothing typed: the deadline passes with no event.
  auto none = b.wait(hal::Deadline(clock.now_ms()));
  REQUIRE(none.is_ok());
  CHECK_FALSE(none.value().has_value());
  pty.type("q ");
  auto quit = b.wait(hal::Deadline::after(clock, 2000));
  CHECK(is_quit_request(quit.status()));
  CHECK(is_quit_request(b.wait(hal::Deadline::after(clock, 2000)).status()));
  b.close();
  CHECK(pty.canonical());  // the terminal is restored
}

TEST_CASE("terminal_keys_end_of_input_is_unavailable_not_quit") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  hal::ManualClock clock(0);
  TerminalButton b(clock);
  TerminalButtonConfig c;
  c.fd = fds[0];
  REQUIRE(b.open(c).is_ok());
  CHECK_FALSE(b.raw());
  REQUIRE(write(fds[1], " ", 1) == 1);
  close(fds[1]);
  CHECK(next(b, clock).kind == Kind::kPress);
  CHECK(next(b, clock).kind == Kind::kShortPress);
  auto r = b.wait(hal::Deadline::after(clock, 2000));
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK_FALSE(is_quit_request(r.status()));
  close(fds[0]);
}

TEST_CASE("terminal_keys_restore_the_terminal_on_sigterm") {
  Pty pty;
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    hal::ManualClock clock(0);
    TerminalButton b(clock);
    TerminalButtonConfig c;
    c.fd = pty.slave;
    if (!b.open(c).is_ok() || !b.raw()) _exit(3);
    raise(SIGTERM);
    _exit(4);  // not reached: SIGTERM's default action ends the process
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGTERM);
  CHECK(pty.canonical());
}

TEST_CASE("host_devices_fall_back_to_headless_without_a_display_and_say_why") {
  unsetenv("DISPLAY");
  unsetenv("WAYLAND_DISPLAY");
  int keys[2], out[2];
  REQUIRE(pipe(keys) == 0);
  REQUIRE(pipe(out) == 0);
  std::string path = tmp_path("host.png");
  hal::ManualClock clock(0);
  HostDevices devices(clock);
  HostDevicesConfig c;
  c.width = 4;
  c.height = 2;
  c.png_path = path.c_str();
  c.key_fd = keys[0];
  c.out_fd = out[1];
  REQUIRE(devices.open(c).is_ok());
  CHECK_FALSE(devices.windowed());
  std::string note = devices.note();
#ifdef SPARK_HAVE_SDL2
  CHECK(note.find("no $DISPLAY or $WAYLAND_DISPLAY") != std::string::npos);
#else
  CHECK(note.find("built without SDL2") != std::string::npos);
#endif
  CHECK(note.find(path) != std::string::npos);
  CHECK(devices.display().info().width == 4);
  Picture p = pattern(4, 2);
  REQUIRE(devices.display().present(p.frame()).is_ok());
  CHECK(drain(out[0]) == "screen: frame 1 4x2 -> " + path + "\n");
  REQUIRE(write(keys[1], "q", 1) == 1);
  CHECK(is_quit_request(devices.button().wait(hal::Deadline::after(clock, 2000)).status()));
  for (int fd : {keys[0], keys[1], out[0], out[1]}) close(fd);
  unlink(path.c_str());
}
