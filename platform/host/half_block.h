// The terminal preview of the headless simulator: a hal::Frame drawn with
// 24-bit colour half blocks (U+2580 UPPER HALF BLOCK, foreground = the upper
// pixel, background = the lower one), so one character cell shows two
// pixels stacked and the picture keeps its aspect on a terminal whose cells
// are about twice as tall as wide.
//
// Scaling: the frame is fitted (aspect kept, never enlarged) into cols x
// 2 * (rows - 1) pixels, one row of the terminal being left for a status
// line; pixels are sampled at the centre of their source area (nearest).
//
// Output for one frame: ESC[H (cursor home: each frame redraws in place
// over the previous one), then per cell row the cells, each preceded by
// ESC[38;2;R;G;Bm and/or ESC[48;2;R;G;Bm only when that colour differs from
// the cell before it in the row, and ESC[0m ESC[K CR LF at the row's end
// (CR LF: right whether or not the terminal adds CR to LF itself).
// An odd last pixel row has the default background (ESC[49m).
//
// Memory: no state; the text is appended to the caller's std::string, at
// most about 40 bytes per cell (cols * rows * 40: 77 KB for 80x24).
#pragma once

#include <cstdint>
#include <string>

#include "hal/display.h"

namespace spark::platform {

struct TermSize {
  uint32_t cols = 80;
  uint32_t rows = 24;
};

// The terminal's size from TIOCGWINSZ on fd, 80x24 when fd is not a
// terminal or reports 0.
TermSize terminal_size(int fd);

// The preview's size in pixels (cells: width x (height + 1) / 2).
struct PreviewSize {
  uint32_t width = 0;
  uint32_t height = 0;
};
PreviewSize preview_size(uint32_t frame_width, uint32_t frame_height, TermSize term);

// Appends frame's picture, as described above, to out.
void render_half_blocks(const hal::Frame& frame, TermSize term, std::string& out);

}  // namespace spark::platform
