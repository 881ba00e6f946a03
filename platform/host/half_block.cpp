#include "platform/host/half_block.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

namespace spark::platform {

TermSize terminal_size(int fd) {
  TermSize size;
  struct winsize ws {};
  if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
    size.cols = ws.ws_col;
    size.rows = ws.ws_row;
  }
  return size;
}

PreviewSize preview_size(uint32_t frame_width, uint32_t frame_height, TermSize term) {
  PreviewSize p;
  if (frame_width == 0 || frame_height == 0) return p;
  uint64_t max_w = term.cols == 0 ? 1 : term.cols;
  uint64_t max_h = term.rows < 2 ? 2 : uint64_t{2} * (term.rows - 1);
  uint64_t w = frame_width, h = frame_height;
  if (w > max_w || h > max_h) {
    if (w * max_h > h * max_w) {  // the width limits
      h = h * max_w / w;
      w = max_w;
    } else {
      w = w * max_h / h;
      h = max_h;
    }
  }
  p.width = static_cast<uint32_t>(w == 0 ? 1 : w);
  p.height = static_cast<uint32_t>(h == 0 ? 1 : h);
  return p;
}

namespace {

// The source coordinate sampled for preview coordinate i of n over src.
uint32_t sample(uint32_t i, uint32_t n, uint32_t src) {
  return static_cast<uint32_t>((uint64_t{2} * i + 1) * src / (uint64_t{2} * n));
}

void append_colour(std::string& out, int layer, const uint8_t* px) {
  char buf[32];
  int n = std::snprintf(buf, sizeof buf, "\x1b[%d;2;%u;%u;%um", layer, px[0], px[1], px[2]);
  out.append(buf, static_cast<size_t>(n));
}

}  // namespace

void render_half_blocks(const hal::Frame& frame, TermSize term, std::string& out) {
  PreviewSize p = preview_size(frame.width, frame.height, term);
  out += "\x1b[H";
  for (uint32_t y = 0; y < p.height; y += 2) {
    const uint8_t* upper_row = frame.row(sample(y, p.height, frame.height));
    const uint8_t* lower_row =
        y + 1 < p.height ? frame.row(sample(y + 1, p.height, frame.height)) : nullptr;
    const uint8_t* fg = nullptr;
    const uint8_t* bg = nullptr;
    bool bg_default = false;
    for (uint32_t x = 0; x < p.width; ++x) {
      size_t sx = size_t{sample(x, p.width, frame.width)} * 3;
      const uint8_t* up = upper_row + sx;
      if (fg == nullptr || up[0] != fg[0] || up[1] != fg[1] || up[2] != fg[2]) {
        append_colour(out, 38, up);
      }
      fg = up;
      if (lower_row != nullptr) {
        const uint8_t* lo = lower_row + sx;
        if (bg == nullptr || lo[0] != bg[0] || lo[1] != bg[1] || lo[2] != bg[2]) {
          append_colour(out, 48, lo);
        }
        bg = lo;
      } else if (!bg_default) {
        out += "\x1b[49m";
        bg_default = true;
      }
      out += "\xe2\x96\x80";
    }
    out += "\x1b[0m\x1b[K\r\n";
  }
}

}  // namespace spark::platform
