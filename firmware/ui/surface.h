// ui::Surface: an RGB888 picture to draw on, and the drawing the screens need
// (fill, rectangles, blending, images scaled to fit with the aspect kept,
// rotation for presenting).
//
// A Surface either wraps a hal::Frame (the caller's pixels; the frame must
// outlive the surface) or owns its pixels (allocate()). Every drawing call
// clips to the surface: nothing is ever written outside width x height, and
// a rectangle partly or wholly outside is drawn where it overlaps or not at
// all.
//
// Errors: allocate() kResourceExhausted beyond kMaxPixels (16 Mpixel, so a
// wrong size from a config cannot ask for gigabytes); draw_image() returns the row source's error,
// or kInvalidArgument for an empty image; rotate_into() kInvalidArgument when the destination is
// not the source's size turned.
//
// Memory: sizeof(Surface) is 56 bytes on x86-64; an owning surface holds
// width * height * 3 bytes (800x480: 1.1 MB). draw_image() holds out_w * 3
// uint32 sums, out_w + 1 uint32 column starts and one output row of out_w * 3
// bytes (800 wide: 15 KB), nothing proportional to the source's size.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"
#include "hal/display.h"

namespace spark::ui {

struct Color {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Color& o) const { return r == o.r && g == o.g && b == o.b; }
  bool operator!=(const Color& o) const { return !(*this == o); }
};

// Colour between a (t = 0) and b (t = 255).
Color mix(Color a, Color b, uint8_t t);

struct Rect {
  int32_t x = 0, y = 0, w = 0, h = 0;
  bool empty() const { return w <= 0 || h <= 0; }
  int32_t right() const { return x + w; }
  int32_t bottom() const { return y + h; }
  Rect inset(int32_t d) const { return {x + d, y + d, w - 2 * d, h - 2 * d}; }
  Rect intersect(const Rect& o) const;
  bool contains(int32_t px, int32_t py) const {
    return px >= x && py >= y && px < right() && py < bottom();
  }
};

// A read-only RGB888 picture in memory (e.g. a display-sized copy of a
// capture); rows stride bytes apart.
struct ImageView {
  const uint8_t* pixels = nullptr;
  uint32_t width = 0;
  uint32_t height = 0;
  size_t stride = 0;
  bool empty() const { return pixels == nullptr || width == 0 || height == 0; }
};

// Rows of a picture, top to bottom, RGB888: the streaming form draw_image()
// reads (a decoder hands rows out as it decodes them).
class ImageRows {
 public:
  virtual ~ImageRows() = default;
  virtual uint32_t width() const = 0;
  virtual uint32_t height() const = 0;
  // The next row (width() * 3 bytes), valid until the next call.
  virtual Result<const uint8_t*> next_row() = 0;
};

// ImageRows over an ImageView.
class ViewRows final : public ImageRows {
 public:
  explicit ViewRows(const ImageView& view) : view_(view) {}
  uint32_t width() const override { return view_.width; }
  uint32_t height() const override { return view_.height; }
  Result<const uint8_t*> next_row() override;

 private:
  ImageView view_;
  uint32_t y_ = 0;
};

// The largest rectangle of src_w:src_h inside box, centred (aspect kept;
// at least 1x1 for a non-empty box).
Rect fit_rect(uint32_t src_w, uint32_t src_h, const Rect& box);

class Surface {
 public:
  static constexpr uint64_t kMaxPixels = 4096ull * 4096ull;

  Surface() = default;
  explicit Surface(const hal::Frame& frame) : frame_(frame) {}
  Surface(Surface&&) = default;
  Surface& operator=(Surface&&) = default;
  Surface(const Surface&) = delete;
  Surface& operator=(const Surface&) = delete;

  // Owns width x height pixels (black); kResourceExhausted beyond kMaxPixels.
  Status allocate(uint32_t width, uint32_t height);

  uint32_t width() const { return frame_.width; }
  uint32_t height() const { return frame_.height; }
  const hal::Frame& frame() const { return frame_; }
  ImageView view() const { return {frame_.pixels, frame_.width, frame_.height, frame_.stride}; }
  Rect bounds() const {
    return {0, 0, static_cast<int32_t>(frame_.width), static_cast<int32_t>(frame_.height)};
  }
  Color pixel(uint32_t x, uint32_t y) const {
    const uint8_t* p = frame_.at(x, y);
    return {p[0], p[1], p[2]};
  }

  void fill(Color c) { fill_rect(bounds(), c); }
  void fill_rect(const Rect& r, Color c);
  // c over the pixels with opacity alpha (0 transparent, 255 opaque).
  void blend_rect(const Rect& r, Color c, uint8_t alpha);
  // Outline thickness pixels wide, inside r.
  void frame_rect(const Rect& r, Color c, int32_t thickness);
  // Rectangle with corners rounded to radius, edges anti-aliased.
  void fill_round_rect(const Rect& r, int32_t radius, Color c);
  void blend_pixel(int32_t x, int32_t y, Color c, uint8_t alpha);

  // Draws the picture scaled to fit box with its aspect kept and centred;
  // shrinking averages the source pixels each output pixel covers (area
  // averaging, read one source row at a time), enlarging repeats pixels.
  // Returns where it landed in *drawn (unclipped) when drawn is given.
  Status draw_image(ImageRows& src, const Rect& box, Rect* drawn = nullptr);
  Status draw_image(const ImageView& src, const Rect& box, Rect* drawn = nullptr);

 private:
  std::vector<uint8_t> own_;
  hal::Frame frame_;
};

// Copies src into dst turned clockwise by rotation (what a panel mounted at
// that rotation needs). dst must be src's size, swapped for 90 and 270.
Status rotate_into(const Surface& src, hal::Rotation rotation, Surface& dst);

}  // namespace spark::ui
