// ui::Screen and ui::Renderer: what the device shows, and drawing it at any
// size.
//
// The controller fills a Screen (a plain description: strings and picture
// views it owns) on every change and asks a Renderer to draw it into a
// Surface of the display's size. Landscape surfaces put the picture on the
// right and the words on the left; portrait ones put the picture on top.
// Sizes follow the shorter side, so 800x480 and 720x1280 look alike.
//
// Ownership: a Screen points at the caller's strings and pixels; they must
// live through render(). The Renderer keeps nothing of a Screen.
//
// Errors: open() as Font::open(); render() kInvalidArgument for an empty
// surface, kFailedPrecondition before open(). A picture that cannot be drawn
// is left out, the rest is drawn.
//
// Memory: the Renderer holds two Fonts (FreeType: 62 KB peak for both,
// measured, see ui/text.h); render() holds one image scaler at a time
// (ui/surface.h: 15 KB for an 800-wide picture) and FreeType's glyph
// buffers: 45 KB peak above the fonts for any 800x480 screen, measured
// (tests/unit/ui, render_heap_is_bounded; the test fails above 64 KB).
#pragma once

#include <cstdint>
#include <string_view>

#include "ui/qr.h"
#include "ui/surface.h"
#include "ui/text.h"

namespace spark::ui {

enum class ScreenKind : uint8_t { kIdle, kCapturing, kUploading, kEditing, kResult, kError };

// How the result screen shows the original: not at all, beside the result
// (above it on a portrait screen), or as one picture whose left half is
// before and right half after.
enum class ResultLayout : uint8_t { kResultOnly, kSideBySide, kBeforeAfter };

struct Screen {
  ScreenKind kind = ScreenKind::kIdle;
  // The current preset, and where it is in the list (1-based; count 0 hides).
  std::string_view preset_name;
  std::string_view preset_prompt;
  uint32_t preset_index = 0;
  uint32_t preset_count = 0;

  ImageView last_result;  // idle: the thumbnail (empty: "no pictures yet")
  ImageView captured;     // capturing, uploading, editing; result's original

  int32_t upload_percent = 0;    // uploading: 0..100
  int32_t edit_percent = -1;     // editing: the service's progress, -1 unknown
  std::string_view edit_status;  // editing: e.g. "Queued", "Running"
  uint32_t tick = 0;             // animation step of an unknown progress

  ImageView result;  // result
  ResultLayout layout = ResultLayout::kSideBySide;
  uint32_t seconds_left = 0;    // result: until idle again (0 hides)
  std::string_view result_url;  // result: shown as a QR code when not empty

  std::string_view error_cause;  // error: one line
  std::string_view error_hint;   // error: what to do
};

struct Palette {
  Color background{0x14, 0x17, 0x1c};
  Color panel{0x22, 0x27, 0x2f};
  Color text{0xf4, 0xf1, 0xea};
  Color muted{0x9a, 0xa3, 0xae};
  Color accent{0xf2, 0xa6, 0x3a};
  Color on_accent{0x1b, 0x16, 0x10};
  Color error{0xe5, 0x5b, 0x55};
  Color photo_mat{0x0b, 0x0d, 0x10};
};

constexpr const char* kDefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kDefaultBoldFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

class Renderer {
 public:
  Status open(const char* regular_font = kDefaultFont, const char* bold_font = kDefaultBoldFont);
  Status render(const Screen& screen, Surface& surface);
  Palette& palette() { return pal_; }
  Font& regular() { return regular_; }
  Font& bold() { return bold_; }

 private:
  struct Layout;
  void idle(const Screen& sc, Surface& s, const Layout& l);
  void working(const Screen& sc, Surface& s, const Layout& l);
  void result(const Screen& sc, Surface& s, const Layout& l);
  void error(const Screen& sc, Surface& s, const Layout& l);
  void picture_panel(Surface& s, const Rect& r, const ImageView& img, std::string_view empty_text,
                     const Layout& l);
  void qr_card(Surface& s, const Rect& area, std::string_view url, const Layout& l);
  void progress_bar(Surface& s, const Rect& r, int32_t percent, uint32_t tick);
  void pill(Surface& s, int32_t x, int32_t y, std::string_view text, int32_t px, Color bg, Color fg,
            Align align, int32_t max_w);

  Palette pal_;
  Font regular_;
  Font bold_;
};

// One line naming the screen ("idle", "uploading", ...) for logs and tools.
const char* screen_kind_name(ScreenKind kind);

}  // namespace spark::ui
