#include "platform/host/terminal_button.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>

#include "platform/host/host_quit.h"
#include "platform/linux/sys_fd.h"

namespace spark::platform {
namespace {

using Kind = hal::ButtonEvent::Kind;

// The terminal in raw mode, for the exit and signal paths (one at a time).
volatile sig_atomic_t g_raw_fd = -1;
struct termios g_saved {};
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_old[3];
bool g_atexit = false;

void restore_terminal() {
  int fd = g_raw_fd;
  if (fd >= 0) tcsetattr(fd, TCSANOW, &g_saved);
}

extern "C" void on_exit_restore() {
  restore_terminal();
}

extern "C" void on_signal_restore(int sig) {
  restore_terminal();
  for (size_t i = 0; i < 3; ++i) {
    if (kSignals[i] == sig) sigaction(sig, &g_old[i], nullptr);
  }
  raise(sig);  // delivered to the previous handler once this one returns
}

}  // namespace

Status TerminalButton::open(const TerminalButtonConfig& config) {
  close();
  fd_ = config.fd;
  long_press_ms_ = config.long_press_ms;
  press_ = PressTracker(config.id, {0, config.long_press_ms});
  long_ = PressTracker(config.id, {0, config.long_press_ms});
  error_ = Status::ok();
  struct termios t {};
  if (isatty(fd_) == 1 && tcgetattr(fd_, &t) == 0) {
    if (g_raw_fd >= 0) {
      fd_ = -1;
      return Status::error(Code::kFailedPrecondition,
                           "terminal keys: another reader has the terminal in raw mode");
    }
    g_saved = t;
    t.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    g_raw_fd = fd_;
    if (!g_atexit) {
      g_atexit = std::atexit(on_exit_restore) == 0;
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal_restore;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &g_old[i]);
    if (tcsetattr(fd_, TCSANOW, &t) != 0) {
      int err = errno;
      close();
      return errno_status(err, "terminal keys: raw mode");
    }
    raw_ = true;
  }
  format_text(describe_, sizeof describe_, "terminal keys fd %d%s", fd_, raw_ ? " (raw mode)" : "");
  return Status::ok();
}

void TerminalButton::close() {
  if (g_raw_fd >= 0 && g_raw_fd == fd_) {
    restore_terminal();
    g_raw_fd = -1;
    for (size_t i = 0; i < 3; ++i) sigaction(kSignals[i], &g_old[i], nullptr);
  }
  raw_ = false;
  fd_ = -1;
}

std::optional<hal::ButtonEvent> TerminalButton::pop() {
  if (auto ev = press_.pop()) return ev;
  return long_.pop();
}

void TerminalButton::on_byte(unsigned char c, uint64_t now_ms) {
  switch (c) {
    case ' ':
    case '\r':
    case '\n':
      press_.edge(true, now_ms);
      press_.edge(false, now_ms);
      break;
    case 'l':
    case 'L': {
      uint64_t at = now_ms >= long_press_ms_ ? now_ms - long_press_ms_ : 0;
      long_.edge(true, at);
      long_.advance(at + long_press_ms_);
      long_.edge(false, at + long_press_ms_);
      break;
    }
    case 'q':
    case 'Q':
      error_ = Status::error(kQuitCode, "terminal keys: q pressed (quit)");
      break;
    default:
      break;
  }
}

Result<std::optional<hal::ButtonEvent>> TerminalButton::wait(hal::Deadline deadline) {
  if (fd_ < 0) return Status::error(Code::kFailedPrecondition, "terminal keys: not open");
  for (;;) {
    if (auto ev = pop()) return ev;
    if (!error_.is_ok()) return error_;
    uint64_t now = clock_.now_ms();
    bool expired = now >= deadline.at_ms();
    int timeout = -1;
    if (deadline.at_ms() != hal::Deadline::kNever) {
      uint64_t ms = expired ? 0 : deadline.at_ms() - now;
      timeout = ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
    }
    struct pollfd p {};
    p.fd = fd_;
    p.events = POLLIN;
    int r = ::poll(&p, 1, timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      return error_ = errno_status(errno, "terminal keys: poll");
    }
    if (r == 0) {
      if (expired) return std::optional<hal::ButtonEvent>();
      continue;
    }
    unsigned char c = 0;
    ssize_t n = ::read(fd_, &c, 1);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == EIO) {  // a pty whose other side closed
        return error_ = Status::error(Code::kUnavailable, "terminal keys: the terminal closed");
      }
      return error_ = errno_status(errno, "terminal keys: read");
    }
    if (n == 0) {
      return error_ = Status::error(Code::kUnavailable,
                                    "terminal keys: end of input (the terminal closed)");
    }
    on_byte(c, clock_.now_ms());
  }
}

}  // namespace spark::platform
