#include "platform/host/terminal_display.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "platform/host/half_block.h"
#include "platform/host/png_file.h"
#include "platform/linux/sys_fd.h"

namespace spark::platform {

Status TerminalDisplay::open(const TerminalDisplayConfig& config) {
  if (config.width == 0 || config.height == 0) {
    return Status::error(Code::kInvalidArgument, "terminal display: size %ux%u is empty",
                         config.width, config.height);
  }
  if (config.png_path == nullptr || config.png_path[0] == 0) {
    return Status::error(Code::kInvalidArgument, "terminal display: no screen picture path");
  }
  config_ = config;
  info_ = hal::DisplayInfo{};
  info_.width = config.width;
  info_.height = config.height;
  info_.rotation = config.rotation;
  info_.bits_per_pixel = 24;
  info_.device_stride = size_t{config.width} * 3;
  tty_ = isatty(config.out_fd) == 1;
  mode_ = config.preview;
  if (mode_ == PreviewMode::kAuto) {
    bool no_color = std::getenv("NO_COLOR") != nullptr;
    mode_ = !no_color && tty_ ? PreviewMode::kColour : PreviewMode::kPlain;
  }
  frames_ = 0;
  out_failed_ = false;
  format_text(describe_, sizeof describe_, "terminal %ux%u -> %s (%s preview)", config.width,
              config.height, config.png_path,
              mode_ == PreviewMode::kColour  ? "colour"
              : mode_ == PreviewMode::kPlain ? "plain"
                                             : "no");
  return Status::ok();
}

void TerminalDisplay::write_out(const char* data, size_t len) {
  while (len > 0 && !out_failed_) {
    ssize_t n = ::write(config_.out_fd, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      out_failed_ = true;  // the terminal went away: the PNG goes on
      return;
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
}

Status TerminalDisplay::present(const hal::Frame& frame) {
  if (frame.width != info_.width || frame.height != info_.height) {
    return Status::error(Code::kInvalidArgument, "terminal display: frame %ux%u, screen is %ux%u",
                         frame.width, frame.height, info_.width, info_.height);
  }
  if (frame.pixels == nullptr || frame.stride < size_t{frame.width} * 3) {
    return Status::error(Code::kInvalidArgument, "terminal display: frame stride %zu is short",
                         frame.stride);
  }
  SPARK_TRY(write_png_atomic(config_.png_path, frame));
  ++frames_;
  char status[192];
  int n = std::snprintf(status, sizeof status, "screen: frame %llu %ux%u -> %s",
                        static_cast<unsigned long long>(frames_), frame.width, frame.height,
                        config_.png_path);
  size_t status_len = n < 0                                    ? 0
                      : static_cast<size_t>(n) < sizeof status ? static_cast<size_t>(n)
                                                               : sizeof status - 1;
  if (mode_ == PreviewMode::kColour) {
    text_.clear();
    if (frames_ == 1) text_ += "\x1b[2J";  // a clean screen under the first picture
    render_half_blocks(frame, terminal_size(config_.out_fd), text_);
    text_.append(status, status_len);
    text_ += "\x1b[K\r\n";
    write_out(text_.data(), text_.size());
  } else if (mode_ == PreviewMode::kPlain) {
    write_out(status, status_len);
    if (tty_) {
      write_out("\r\n", 2);  // the keyboard's raw mode may have turned off CR on LF
    } else {
      write_out("\n", 1);
    }
  }
  return Status::ok();
}

}  // namespace spark::platform
