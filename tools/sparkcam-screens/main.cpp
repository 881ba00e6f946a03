// sparkcam-screens: renders every ui::Screen at 800x480 (landscape) and
// 720x1280 (portrait) into PNG files, for the README and for looking at the
// screens without a device.
//
//   sparkcam-screens OUT_DIR [--font PATH --bold-font PATH]
//
// The pictures on the screens are drawn here: a landscape scene as "the
// capture" and the same scene graded as a painting as "the result", so the
// tool needs no input files. Exit 0 when every file was written, 1 on an
// error (said on stderr), 2 on bad usage.
#include <png.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ui/screen.h"

using namespace spark;

namespace {

struct Picture {
  uint32_t w = 0, h = 0;
  std::vector<uint8_t> px;
  ui::ImageView view() const { return {px.data(), w, h, size_t{w} * 3}; }
};

uint8_t clamp8(double v) {
  return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : v);
}

// Sky, sun, two hill ranges, a lake: smooth enough to compress, varied
// enough to see the scaling.
Picture scene(uint32_t w, uint32_t h, bool painted) {
  Picture p{w, h, std::vector<uint8_t>(size_t{w} * h * 3)};
  for (uint32_t y = 0; y < h; ++y) {
    for (uint32_t x = 0; x < w; ++x) {
      const double fx = double(x) / w, fy = double(y) / h;
      double r = 120 + 110 * fy, g = 170 + 50 * fy, b = 235 - 30 * fy;  // sky
      const double sd = std::hypot(fx - 0.72, (fy - 0.28) * h / w);
      if (sd < 0.09) {
        r = 255;
        g = 236;
        b = 180;
      } else if (sd < 0.2) {
        const double t = (0.2 - sd) / 0.11 * 0.5;
        r += (255 - r) * t;
        g += (225 - g) * t;
        b += (170 - b) * t;
      }
      const double far = 0.55 + 0.07 * std::sin(fx * 7.0) + 0.03 * std::sin(fx * 19.0);
      const double near = 0.68 + 0.08 * std::sin(fx * 4.0 + 1.3);
      if (fy > far) {
        r = 90 + 30 * fy;
        g = 120 + 20 * fy;
        b = 150;
      }
      if (fy > near) {
        r = 60 + 40 * fy;
        g = 120 + 30 * std::sin(fx * 30);
        b = 70;
      }
      if (fy > 0.86) {
        r = 70 + 40 * fy;
        g = 120;
        b = 170 + 20 * std::sin(fx * 40 + fy * 90);
      }
      if (painted) {  // golden-hour grade, posterised: an "oil painting" look
        const double q = 18;
        r = std::floor((r + (255 - r) * 0.45) / q) * q;
        g = std::floor((g * 0.86 + 18) / q) * q;
        b = std::floor((b * 0.62 + 18) / q) * q;
      }
      uint8_t* o = &p.px[(size_t{y} * w + x) * 3];
      o[0] = clamp8(r);
      o[1] = clamp8(g);
      o[2] = clamp8(b);
    }
  }
  return p;
}

bool write_png(const std::string& path, const ui::Surface& s) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "sparkcam-screens: cannot write %s: %s\n", path.c_str(),
                 std::strerror(errno));
    return false;
  }
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    std::fprintf(stderr, "sparkcam-screens: libpng failed writing %s\n", path.c_str());
    return false;
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, s.width(), s.height(), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 9);
  png_write_info(png, info);
  for (uint32_t y = 0; y < s.height(); ++y) png_write_row(png, s.frame().row(y));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return std::fclose(f) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: sparkcam-screens OUT_DIR [--font PATH] [--bold-font PATH]\n");
    return 2;
  }
  const std::string out = argv[1];
  const char* font = ui::kDefaultFont;
  const char* bold = ui::kDefaultBoldFont;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--font") == 0)
      font = argv[i + 1];
    else if (std::strcmp(argv[i], "--bold-font") == 0)
      bold = argv[i + 1];
    else {
      std::fprintf(stderr, "sparkcam-screens: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  ui::Renderer r;
  if (Status st = r.open(font, bold); !st.is_ok()) {
    std::fprintf(stderr, "sparkcam-screens: %s\n", st.message());
    return 1;
  }
  const Picture capture = scene(1200, 900, false);
  const Picture edited = scene(1200, 900, true);

  struct Named {
    const char* name;
    ui::Screen screen;
  };
  std::vector<Named> screens;
  ui::Screen base;
  base.preset_name = "Oil painting";
  base.preset_prompt = "Repaint this photo as a warm oil painting with visible brush strokes";
  base.preset_index = 2;
  base.preset_count = 4;
  ui::Screen s = base;
  s.kind = ui::ScreenKind::kIdle;
  screens.push_back({"idle-first", s});
  s.last_result = edited.view();
  screens.push_back({"idle", s});
  s = base;
  s.kind = ui::ScreenKind::kCapturing;
  s.captured = capture.view();
  screens.push_back({"capturing", s});
  s.kind = ui::ScreenKind::kUploading;
  s.upload_percent = 42;
  screens.push_back({"uploading", s});
  s.kind = ui::ScreenKind::kEditing;
  s.edit_percent = 68;
  s.edit_status = "Running";
  screens.push_back({"editing", s});
  s.edit_percent = -1;
  s.edit_status = "Queued, 3 ahead";
  s.tick = 7;
  screens.push_back({"editing-queued", s});
  s = base;
  s.kind = ui::ScreenKind::kResult;
  s.captured = capture.view();
  s.result = edited.view();
  s.seconds_left = 12;
  s.layout = ui::ResultLayout::kSideBySide;
  screens.push_back({"result-side-by-side", s});
  s.layout = ui::ResultLayout::kBeforeAfter;
  screens.push_back({"result-before-after", s});
  s.layout = ui::ResultLayout::kResultOnly;
  screens.push_back({"result", s});
  s.result_url = "https://cloud.vtrix.ai/r/7f3a9c2e1b/oil-painting.jpg";
  screens.push_back({"result-qr", s});
  s = base;
  s.kind = ui::ScreenKind::kError;
  s.error_cause = "No network connection";
  s.error_hint = "Check the cable or Wi-Fi, then press the button to try again.";
  screens.push_back({"error", s});

  const struct { uint32_t w, h; } sizes[] = {{800, 480}, {720, 1280}};
  for (const auto& size : sizes) {
    ui::Surface surface;
    if (Status st = surface.allocate(size.w, size.h); !st.is_ok()) {
      std::fprintf(stderr, "sparkcam-screens: %s\n", st.message());
      return 1;
    }
    for (const Named& n : screens) {
      if (Status st = r.render(n.screen, surface); !st.is_ok()) {
        std::fprintf(stderr, "sparkcam-screens: %s: %s\n", n.name, st.message());
        return 1;
      }
      const std::string path =
          out + "/" + n.name + "-" + std::to_string(size.w) + "x" + std::to_string(size.h) + ".png";
      if (!write_png(path, surface)) return 1;
      std::printf("%s\n", path.c_str());
    }
  }
  return 0;
}
