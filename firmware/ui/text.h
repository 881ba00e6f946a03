// ui::Font: anti-aliased text through FreeType from a TrueType file, and the
// layout the screens need (measure, wrap to a width, centre, size in pixels).
//
// Choice: FreeType 2 with DejaVu Sans (Debian: libfreetype-dev to build,
// libfreetype6 and fonts-dejavu-core on the device) rather than a PSF console
// font: the screens are read from a metre away on 5" to 10" panels, where
// scaled bitmap fonts look blocky, and DejaVu covers Latin, Greek and
// Cyrillic preset names. Text is UTF-8; a code point the font lacks draws
// the font's missing-glyph box, invalid bytes draw U+FFFD.
//
// Errors: open() kNotFound / kInvalidArgument (not a font FreeType reads),
// kResourceExhausted (FreeType's allocation failed).
//
// Memory: FreeType's library and face objects read the font file through a
// stream, not into memory: measured 62 KB of heap peak for DejaVuSans and
// DejaVuSans-Bold opened and used (tests/unit/ui, font_heap), plus one
// rendered glyph bitmap at a time (size_px^2 bytes at most). Layout uses
// fixed arrays (kMaxLines lines), no heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/status.h"
#include "ui/surface.h"

namespace spark::ui {

struct FontState;

enum class Align : uint8_t { kLeft, kCenter, kRight };

class Font {
 public:
  static constexpr int32_t kMinPx = 6;
  static constexpr int32_t kMaxPx = 512;

  Font();
  ~Font();
  Font(const Font&) = delete;
  Font& operator=(const Font&) = delete;

  Status open(const char* path);
  bool is_open() const;

  // Widths and heights in pixels at size px (clamped to kMinPx..kMaxPx).
  int32_t measure(std::string_view text, int32_t px);
  int32_t ascent(int32_t px);
  int32_t line_height(int32_t px);

  // Draws one line with its baseline at y, from x; clipped to clip and the
  // surface. Returns the advance.
  int32_t draw(Surface& s, int32_t x, int32_t baseline, std::string_view text, int32_t px, Color c,
               const Rect& clip);

 private:
  bool set_px(int32_t px);
  FontState* st_;
};

struct TextBlock {
  static constexpr size_t kMaxLines = 8;
  int32_t lines = 0;
  int32_t width = 0;       // widest line
  int32_t height = 0;      // lines * line height
  bool truncated = false;  // text did not fit and ends in an ellipsis
};

// Breaks text into lines no wider than box.w (at spaces; a word wider than
// the box is cut), at most max_lines (<= kMaxLines), the last one ending in
// "..." when text remains; '\n' breaks a line. Measures only.
TextBlock layout_text(Font& font, std::string_view text, int32_t px, int32_t box_w,
                      size_t max_lines);
// Lays out and draws text in box, each line aligned, the block placed at the
// top of box (valign_center: centred vertically). Nothing is drawn outside
// box.
TextBlock draw_text(Surface& s, Font& font, const Rect& box, std::string_view text, int32_t px,
                    Color c, Align align, size_t max_lines, bool valign_center = false);
// The largest size <= px (and >= Font::kMinPx) at which text fits box in at
// most max_lines without truncation; kMinPx when nothing fits.
int32_t fit_text_px(Font& font, std::string_view text, int32_t px, const Rect& box,
                    size_t max_lines);

}  // namespace spark::ui
