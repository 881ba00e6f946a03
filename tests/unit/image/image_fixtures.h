// Test pictures made at test time with libjpeg and libpng (no files, no host
// tools: the suite also runs under qemu), and a decoder for the results.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace spark::test {

struct Rgb {
  uint8_t r, g, b;
};

// RGB pixels, row-major.
struct Picture {
  uint32_t width = 0, height = 0;
  std::vector<uint8_t> rgb;
  Rgb at(uint32_t x, uint32_t y) const {
    const uint8_t* p = &rgb[(size_t{y} * width + x) * 3];
    return {p[0], p[1], p[2]};
  }
  // Mean colour of a rectangle.
  Rgb mean(uint32_t x0, uint32_t y0, uint32_t w, uint32_t h) const;
};

// Upright picture with four differently coloured quadrants and a dark stripe
// near the top edge, so every flip and rotation tells apart.
Picture quadrants(uint32_t width, uint32_t height);
// Smooth gradients plus seeded noise, so it compresses like sensor data.
Picture noisy(uint32_t width, uint32_t height, uint32_t seed, int amplitude);
// The stored picture that EXIF orientation `o` turns back into `upright`.
Picture stored_for_orientation(const Picture& upright, int o);

enum class JpegColor { kYCbCr, kGray, kRgb, kCmyk, kYcck };

struct JpegSpec {
  int quality = 90;
  JpegColor color = JpegColor::kYCbCr;
  int h_samp = 2, v_samp = 2;  // luma sampling for YCbCr: 2x2 = 4:2:0, 1x1 = 4:4:4
  bool progressive = false;
  bool arithmetic = false;
  bool multi_scan = false;  // sequential, one component per scan
  int orientation = 0;      // EXIF orientation; 0 = no EXIF
  bool exif_big_endian = true;
  bool icc = false;
  bool restart_rows = false;  // restart markers every MCU row
};

std::vector<uint8_t> make_jpeg(const Picture& pic, const JpegSpec& spec = {});

struct PngSpec {
  int color_type = 2;  // PNG_COLOR_TYPE_*
  int bit_depth = 8;
  bool interlaced = false;
  uint8_t alpha = 255;  // for colour types with alpha (or tRNS on a palette)
};
std::vector<uint8_t> make_png(const Picture& pic, const PngSpec& spec = {});

// Decoded output plus facts about its encoding.
struct Decoded {
  Picture pic;
  bool progressive = false;
  int components = 0;
  int h_samp[3] = {}, v_samp[3] = {};
  bool has_app1 = false, has_app2 = false, has_jfif = false;
};
// Fails the test (REQUIRE) if libjpeg cannot decode it without warnings.
Decoded decode_jpeg(const std::vector<uint8_t>& jpeg);

}  // namespace spark::test
