// ui/: surface drawing pixel-exact, text drawn where laid out, images scaled
// with the aspect kept, every screen at 800x480 and 720x1280 inside its
// surface, and the heap each needs.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "core/io.h"
#include "heap_meter.h"
#include "image_fixtures.h"
#include "ui/jpeg_rows.h"
#include "ui/qr.h"
#include "ui/screen.h"

using namespace spark;
using namespace spark::ui;

namespace {

constexpr Color kBg{10, 20, 30};
constexpr Color kRed{250, 0, 0};

int count_not(const Surface& s, Color c, const Rect& r) {
  int n = 0;
  const Rect a = r.intersect(s.bounds());
  for (int32_t y = a.y; y < a.bottom(); ++y) {
    for (int32_t x = a.x; x < a.right(); ++x) {
      if (s.pixel(static_cast<uint32_t>(x), static_cast<uint32_t>(y)) != c) ++n;
    }
  }
  return n;
}

ImageView view_of(const test::Picture& p) {
  return {p.rgb.data(), p.width, p.height, size_t{p.width} * 3};
}

// A surface inside a larger buffer whose guard bytes must stay untouched.
struct Guarded {
  std::vector<uint8_t> buf;
  size_t stride, pad = 64;
  uint32_t w, h;
  Guarded(uint32_t width, uint32_t height) : w(width), h(height) {
    stride = size_t{w} * 3 + 12;
    buf.assign(pad + stride * h + pad, 0xA5);
  }
  hal::Frame frame() { return {buf.data() + pad, w, h, stride}; }
  bool guards_intact() const {
    for (size_t i = 0; i < pad; ++i) {
      if (buf[i] != 0xA5 || buf[buf.size() - 1 - i] != 0xA5) return false;
    }
    for (uint32_t y = 0; y < h; ++y) {
      for (size_t k = size_t{w} * 3; k < stride; ++k) {
        if (buf[pad + y * stride + k] != 0xA5) return false;
      }
    }
    return true;
  }
};

Renderer& renderer() {
  static Renderer r;
  static bool opened = [] {
    REQUIRE(r.open().is_ok());
    return true;
  }();
  (void)opened;
  return r;
}

}  // namespace

TEST_CASE("fill_rect_is_pixel_exact_and_clipped") {
  Surface s;
  REQUIRE(s.allocate(20, 10).is_ok());
  s.fill(kBg);
  s.fill_rect({15, 6, 10, 10}, kRed);  // runs off the right and bottom
  s.fill_rect({-5, -5, 7, 6}, kRed);   // off the top left: 2x1 visible
  s.fill_rect({30, 30, 4, 4}, kRed);   // wholly outside
  CHECK(count_not(s, kBg, s.bounds()) == 5 * 4 + 2 * 1);
  CHECK(s.pixel(15, 6) == kRed);
  CHECK(s.pixel(19, 9) == kRed);
  CHECK(s.pixel(14, 6) == kBg);
  CHECK(s.pixel(15, 5) == kBg);
  CHECK(s.pixel(0, 0) == kRed);
  CHECK(s.pixel(1, 0) == kRed);
  CHECK(s.pixel(2, 0) == kBg);
  CHECK(s.pixel(0, 1) == kBg);
}

TEST_CASE("frame_rect_draws_only_the_border") {
  Surface s;
  REQUIRE(s.allocate(12, 12).is_ok());
  s.fill(kBg);
  s.frame_rect({2, 2, 8, 8}, kRed, 2);
  CHECK(count_not(s, kBg, s.bounds()) == 8 * 8 - 4 * 4);
  CHECK(count_not(s, kBg, {4, 4, 4, 4}) == 0);
  CHECK(s.pixel(2, 2) == kRed);
  CHECK(s.pixel(9, 9) == kRed);
  CHECK(s.pixel(3, 6) == kRed);
  CHECK(s.pixel(10, 10) == kBg);
}

TEST_CASE("blend_and_round_rect") {
  Surface s;
  REQUIRE(s.allocate(40, 40).is_ok());
  s.fill({0, 0, 0});
  s.blend_rect({0, 0, 1, 1}, {200, 100, 50}, 128);
  CHECK(s.pixel(0, 0) == Color{100, 50, 25});
  s.fill(kBg);
  s.fill_round_rect({0, 0, 40, 40}, 10, kRed);
  CHECK(s.pixel(0, 0) == kBg);    // outside the corner's arc
  CHECK(s.pixel(20, 0) == kRed);  // straight edge
  CHECK(s.pixel(20, 20) == kRed);
  CHECK(s.pixel(39, 39) == kBg);
  const Color edge = s.pixel(1, 5);  // on the arc: a blend
  CHECK(edge != kBg);
  CHECK(edge != kRed);
}

TEST_CASE("wrapped_frame_window_is_drawn_in_place") {
  Guarded g(10, 6);
  Surface s(g.frame());
  s.fill(kBg);
  s.fill_rect({-3, -3, 100, 100}, kRed);
  CHECK(count_not(s, kRed, s.bounds()) == 0);
  CHECK(g.guards_intact());
}

TEST_CASE("fit_rect_keeps_the_aspect_and_centres") {
  const Rect r = fit_rect(400, 300, {0, 0, 800, 480});
  CHECK(r.w == 640);
  CHECK(r.h == 480);
  CHECK(r.x == 80);
  CHECK(r.y == 0);
  const Rect p = fit_rect(400, 300, {10, 20, 720, 1280});
  CHECK(p.w == 720);
  CHECK(p.h == 540);
  CHECK(p.x == 10);
  CHECK(p.y == 20 + (1280 - 540) / 2);
  CHECK(fit_rect(5, 5, {0, 0, 0, 10}).empty());
}

TEST_CASE("draw_image_shrinks_with_quadrants_in_place") {
  // 4:3 quadrants drawn into a 16:9 box: pillarboxed, each quadrant's colour
  // in the matching quarter of where it landed, nothing in the bars.
  const test::Picture pic = test::quadrants(640, 480);
  Surface s;
  REQUIRE(s.allocate(320, 180).is_ok());
  s.fill(kBg);
  Rect d{};
  REQUIRE(s.draw_image(view_of(pic), s.bounds(), &d).is_ok());
  CHECK(d.w == 240);
  CHECK(d.h == 180);
  CHECK(d.x == 40);
  CHECK(count_not(s, kBg, {0, 0, 40, 180}) == 0);
  CHECK(count_not(s, kBg, {280, 0, 40, 180}) == 0);
  // Sample the centre of each quadrant in source and destination.
  const struct {
    uint32_t sx, sy;
    int32_t dx, dy;
  } q[] = {{160, 300, 40 + 60, 135},
           {480, 300, 40 + 180, 135},
           {160, 400, 40 + 60, 160},
           {480, 400, 40 + 180, 160}};
  for (const auto& c : q) {
    const test::Rgb want = pic.at(c.sx, c.sy);
    const Color got = s.pixel(static_cast<uint32_t>(c.dx), static_cast<uint32_t>(c.dy));
    CHECK(std::abs(got.r - want.r) <= 2);
    CHECK(std::abs(got.g - want.g) <= 2);
    CHECK(std::abs(got.b - want.b) <= 2);
  }
}

TEST_CASE("draw_image_averages_areas_and_enlarges_by_repeating") {
  // 2x2 checker of black/white shrunk to 1x1 is mid grey.
  const uint8_t px[] = {0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0};
  const ImageView v{px, 2, 2, 6};
  Surface s;
  REQUIRE(s.allocate(1, 1).is_ok());
  REQUIRE(s.draw_image(v, s.bounds()).is_ok());
  CHECK(s.pixel(0, 0) == Color{128, 128, 128});
  Surface big;
  REQUIRE(big.allocate(4, 4).is_ok());
  REQUIRE(big.draw_image(v, big.bounds()).is_ok());
  CHECK(big.pixel(0, 0) == Color{0, 0, 0});
  CHECK(big.pixel(1, 1) == Color{0, 0, 0});
  CHECK(big.pixel(2, 0) == Color{255, 255, 255});
  CHECK(big.pixel(3, 3) == Color{0, 0, 0});
  CHECK(big.pixel(0, 3) == Color{255, 255, 255});
}

TEST_CASE("draw_image_partly_outside_writes_only_inside") {
  const test::Picture pic = test::quadrants(64, 48);
  Guarded g(50, 40);
  Surface s(g.frame());
  s.fill(kBg);
  REQUIRE(s.draw_image(view_of(pic), {-30, 20, 128, 96}).is_ok());
  CHECK(g.guards_intact());
  CHECK(count_not(s, kBg, {0, 0, 50, 20}) == 0);
  CHECK(count_not(s, kBg, {0, 20, 50, 20}) > 0);
}

TEST_CASE("draw_image_reports_a_failing_row_source") {
  struct Broken final : ImageRows {
    uint32_t width() const override { return 10; }
    uint32_t height() const override { return 10; }
    Result<const uint8_t*> next_row() override {
      return Status::error(Code::kDataLoss, "image: corrupt");
    }
  } broken;
  Surface s;
  REQUIRE(s.allocate(5, 5).is_ok());
  CHECK(s.draw_image(broken, s.bounds()).code() == Code::kDataLoss);
}

TEST_CASE("rotate_into_turns_clockwise") {
  Surface s;
  REQUIRE(s.allocate(3, 2).is_ok());
  s.fill(kBg);
  s.fill_rect({0, 0, 1, 1}, kRed);  // top-left marker
  Surface r90;
  REQUIRE(r90.allocate(2, 3).is_ok());
  REQUIRE(rotate_into(s, hal::Rotation::k90, r90).is_ok());
  CHECK(r90.pixel(1, 0) == kRed);  // top-left goes to top-right
  CHECK(count_not(r90, kBg, r90.bounds()) == 1);
  Surface r180;
  REQUIRE(r180.allocate(3, 2).is_ok());
  REQUIRE(rotate_into(s, hal::Rotation::k180, r180).is_ok());
  CHECK(r180.pixel(2, 1) == kRed);
  Surface r270;
  REQUIRE(r270.allocate(2, 3).is_ok());
  REQUIRE(rotate_into(s, hal::Rotation::k270, r270).is_ok());
  CHECK(r270.pixel(0, 2) == kRed);
  CHECK(rotate_into(s, hal::Rotation::k90, r180).code() == Code::kInvalidArgument);
}

TEST_CASE("allocate_refuses_absurd_sizes") {
  Surface s;
  CHECK(s.allocate(0, 10).code() == Code::kResourceExhausted);
  CHECK(s.allocate(100000, 100000).code() == Code::kResourceExhausted);
}

TEST_CASE("text_is_drawn_inside_its_box_only") {
  Font& f = renderer().regular();
  Surface s;
  REQUIRE(s.allocate(300, 100).is_ok());
  s.fill(kBg);
  const Rect box{20, 30, 200, 40};
  const TextBlock b = draw_text(s, f, box, "Hello, sparkcam", 20, {255, 255, 255}, Align::kLeft, 1);
  CHECK(b.lines == 1);
  CHECK_FALSE(b.truncated);
  CHECK(b.width == f.measure("Hello, sparkcam", 20));
  CHECK(b.width > 100);
  CHECK(b.width < 200);
  CHECK(count_not(s, kBg, {box.x, box.y, b.width + 1, f.line_height(20)}) > 100);
  CHECK(count_not(s, kBg, s.bounds()) == count_not(s, kBg, box));
}

TEST_CASE("text_wraps_centres_and_truncates") {
  Font& f = renderer().regular();
  const char* text = "one two three four five six seven eight nine ten";
  const TextBlock b = layout_text(f, text, 20, 120, 8);
  CHECK(b.lines >= 3);
  CHECK(b.width <= 120);
  CHECK_FALSE(b.truncated);
  const TextBlock t = layout_text(f, text, 20, 120, 2);
  CHECK(t.lines == 2);
  CHECK(t.truncated);
  CHECK(t.width <= 120);
  // A word wider than the box is cut, not drawn past it.
  const TextBlock w = layout_text(f, "Supercalifragilistic", 20, 60, 4);
  CHECK(w.width <= 60);
  CHECK(w.lines >= 2);

  Surface s;
  REQUIRE(s.allocate(200, 40).is_ok());
  s.fill(kBg);
  const TextBlock c = draw_text(s, f, s.bounds(), "Hi", 20, {255, 255, 255}, Align::kCenter, 1);
  const int32_t left = (200 - c.width) / 2;
  CHECK(count_not(s, kBg, {0, 0, left - 1, 40}) == 0);
  CHECK(count_not(s, kBg, {left + c.width + 2, 0, 200, 40}) == 0);
  CHECK(count_not(s, kBg, {left, 0, c.width + 1, 40}) > 20);
}

TEST_CASE("text_scale_and_fit") {
  Font& f = renderer().bold();
  CHECK(f.measure("Wide words", 40) > f.measure("Wide words", 20));
  CHECK(f.line_height(40) > f.line_height(20));
  const Rect box{0, 0, 150, 40};
  const int32_t px = fit_text_px(f, "A rather long preset name", 60, box, 1);
  CHECK(px < 60);
  const TextBlock b = layout_text(f, "A rather long preset name", px, box.w, 1);
  CHECK_FALSE(b.truncated);
  CHECK(b.width <= box.w);
  CHECK(b.height <= box.h);
}

TEST_CASE("text_survives_invalid_utf8") {
  Font& f = renderer().regular();
  Surface s;
  REQUIRE(s.allocate(200, 40).is_ok());
  s.fill(kBg);
  const char bad[] = "ok \xC3 \xE2\x82 \xF5\x80 \xC3\xA9";
  draw_text(s, f, s.bounds(), bad, 16, {255, 255, 255}, Align::kLeft, 2);
  CHECK(count_not(s, kBg, s.bounds()) > 0);
}

TEST_CASE("font_open_errors") {
  Font f;
  CHECK(f.open("/nonexistent/font.ttf").code() == Code::kNotFound);
  CHECK(f.open("/etc/hostname").code() == Code::kInvalidArgument);
  CHECK_FALSE(f.is_open());
}

namespace {

struct Fixture {
  test::Picture capture = test::quadrants(1200, 900);
  test::Picture edited = test::noisy(1200, 900, 7, 20);
  std::vector<Screen> screens() const {
    Screen base;
    base.preset_name = "Oil painting";
    base.preset_prompt = "Repaint this photo as a warm oil painting with visible brush strokes";
    base.preset_index = 1;
    base.preset_count = 3;
    std::vector<Screen> out;
    Screen s = base;
    out.push_back(s);  // idle, nothing yet
    s.last_result = view_of(edited);
    out.push_back(s);
    for (ScreenKind k : {ScreenKind::kCapturing, ScreenKind::kUploading, ScreenKind::kEditing}) {
      s = base;
      s.kind = k;
      s.captured = view_of(capture);
      s.upload_percent = 40;
      s.edit_percent = k == ScreenKind::kEditing ? -1 : 50;
      s.edit_status = "Queued";
      out.push_back(s);
    }
    for (ResultLayout l :
         {ResultLayout::kResultOnly, ResultLayout::kSideBySide, ResultLayout::kBeforeAfter}) {
      s = base;
      s.kind = ScreenKind::kResult;
      s.captured = view_of(capture);
      s.result = view_of(edited);
      s.layout = l;
      s.seconds_left = 9;
      out.push_back(s);
    }
    s = base;
    s.kind = ScreenKind::kError;
    s.error_cause = "The camera did not answer";
    s.error_hint = "Check its cable, then press the button to try again.";
    out.push_back(s);
    return out;
  }
};

}  // namespace

TEST_CASE("every_screen_renders_at_both_sizes_inside_the_surface") {
  Fixture fx;
  Renderer& r = renderer();
  for (auto size : {std::pair<uint32_t, uint32_t>{800, 480}, {720, 1280}, {160, 90}, {33, 200}}) {
    for (const Screen& sc : fx.screens()) {
      CAPTURE(size.first);
      CAPTURE(size.second);
      CAPTURE(screen_kind_name(sc.kind));
      Guarded g(size.first, size.second);
      Surface s(g.frame());
      REQUIRE(r.render(sc, s).is_ok());
      CHECK(g.guards_intact());
      // Something besides the background is on every screen.
      CHECK(count_not(s, r.palette().background, s.bounds()) > 0);
    }
  }
}

TEST_CASE("result_screens_show_the_pictures") {
  Fixture fx;
  Renderer& r = renderer();
  Surface s;
  REQUIRE(s.allocate(800, 480).is_ok());
  Screen sc = fx.screens()[7];  // before/after
  REQUIRE(sc.layout == ResultLayout::kBeforeAfter);
  sc.preset_name = "";
  REQUIRE(r.render(sc, s).is_ok());
  // Left half is the capture's quadrants: its top-left colour near the
  // left of the picture, a quarter down.
  const Rect d = fit_rect(1200, 900, {0, 0, 800, 480 - (r.regular().line_height(24) + 19)});
  const test::Rgb tl = fx.capture.at(100, 300);
  const Color got =
      s.pixel(static_cast<uint32_t>(d.x + d.w / 8), static_cast<uint32_t>(d.y + d.h / 3));
  CHECK(std::abs(got.r - tl.r) <= 3);
  CHECK(std::abs(got.g - tl.g) <= 3);
  CHECK(std::abs(got.b - tl.b) <= 3);
}

TEST_CASE("render_needs_fonts_and_a_surface") {
  Renderer fresh;
  Surface s;
  CHECK(fresh.render(Screen{}, s).code() == Code::kInvalidArgument);
  REQUIRE(s.allocate(10, 10).is_ok());
  CHECK(fresh.render(Screen{}, s).code() == Code::kFailedPrecondition);
  CHECK(fresh.open("/nonexistent.ttf").code() == Code::kNotFound);
}

TEST_CASE("render_heap_is_bounded") {
  if (!test::heap_meter_available()) return;
  Fixture fx;
  Renderer& r = renderer();
  Surface s;
  REQUIRE(s.allocate(800, 480).is_ok());
  size_t worst = 0;
  for (const Screen& sc : fx.screens()) {
    test::HeapScope scope;
    REQUIRE(r.render(sc, s).is_ok());
    worst = std::max(worst, scope.peak_above_start());
  }
  MESSAGE("peak heap of one 800x480 render: " << worst << " bytes");
  CHECK(worst <= 64 * 1024);
}

TEST_CASE("font_heap") {
  if (!test::heap_meter_available()) return;
  test::HeapScope scope;
  {
    Renderer r;
    REQUIRE(r.open().is_ok());
    Surface s;
    REQUIRE(s.allocate(8, 8).is_ok());
    Screen sc;
    REQUIRE(r.render(sc, s).is_ok());
    MESSAGE("two fonts opened and used: " << scope.peak_above_start() << " bytes peak");
    CHECK(scope.peak_above_start() <= 512 * 1024);
  }
}

namespace {

struct FailingSource final : ByteSource {
  Result<size_t> read(MutBytes) override { return Status::error(Code::kIo, "disk gone"); }
};

}  // namespace

TEST_CASE("jpeg_rows_decodes_at_a_dct_scale_and_keeps_quadrants") {
  const test::Picture pic = test::quadrants(1600, 1200);
  const std::vector<uint8_t> jpeg = test::make_jpeg(pic);
  MemorySource src(ConstBytes(jpeg.data(), jpeg.size()));
  JpegRows rows;
  const Rect box{0, 0, 320, 180};
  REQUIRE(rows.start(src, box).is_ok());
  CHECK(rows.source_width() == 1600);
  CHECK(rows.scale_num() == 2);  // 1/8 (200x150) is smaller than the 240x180 fit
  CHECK(rows.width() >= 240);
  CHECK(rows.height() >= 180);
  Surface s;
  REQUIRE(s.allocate(320, 180).is_ok());
  s.fill(kBg);
  Rect d{};
  REQUIRE(s.draw_image(rows, box, &d).is_ok());
  CHECK(d.x == 40);
  CHECK(d.w == 240);
  const struct {
    uint32_t sx, sy;
    int32_t dx, dy;
  } q[] = {{400, 450, 40 + 60, 68},
           {1200, 450, 40 + 180, 68},
           {400, 900, 40 + 60, 135},
           {1200, 900, 40 + 180, 135}};
  for (const auto& c : q) {
    const test::Rgb want = pic.at(c.sx, c.sy);
    const Color got = s.pixel(static_cast<uint32_t>(c.dx), static_cast<uint32_t>(c.dy));
    CHECK(std::abs(got.r - want.r) <= 8);
    CHECK(std::abs(got.g - want.g) <= 8);
    CHECK(std::abs(got.b - want.b) <= 8);
  }
  CHECK(count_not(s, kBg, {0, 0, 40, 180}) == 0);
}

TEST_CASE("jpeg_rows_errors_are_values") {
  const std::vector<uint8_t> jpeg = test::make_jpeg(test::quadrants(64, 48));
  {
    const uint8_t junk[] = {'n', 'o', 't', ' ', 'a', ' ', 'j', 'p', 'e', 'g'};
    MemorySource src(ConstBytes(junk, sizeof junk));
    JpegRows rows;
    CHECK(rows.start(src, {0, 0, 10, 10}).code() == Code::kDataLoss);
  }
  {
    FailingSource src;
    JpegRows rows;
    const Status st = rows.start(src, {0, 0, 10, 10});
    CHECK(st.code() == Code::kIo);
    CHECK(std::strstr(st.message(), "disk gone") != nullptr);
  }
  {
    // Truncated halfway: the rows decoded so far, a warning, no error.
    const std::vector<uint8_t> noisy = test::make_jpeg(test::noisy(640, 480, 9, 30));
    MemorySource src(ConstBytes(noisy.data(), noisy.size() / 2));
    JpegRows rows;
    REQUIRE(rows.start(src, {0, 0, 640, 480}).is_ok());
    Surface s;
    REQUIRE(s.allocate(640, 480).is_ok());
    CHECK(s.draw_image(rows, s.bounds()).is_ok());
    CHECK(rows.warnings() > 0);
  }
  {
    test::JpegSpec prog;
    prog.progressive = true;
    const std::vector<uint8_t> big = test::make_jpeg(test::noisy(1024, 1024, 3, 30), prog);
    MemorySource src(ConstBytes(big.data(), big.size()));
    JpegRows rows;
    const Status st = rows.start(src, {0, 0, 800, 480}, 256 * 1024);
    CHECK(st.code() == Code::kResourceExhausted);
  }
}

TEST_CASE("jpeg_rows_heap_is_bounded_by_the_scaled_size") {
  if (!test::heap_meter_available()) return;
  const std::vector<uint8_t> jpeg = test::make_jpeg(test::noisy(4000, 3000, 5, 20));
  Surface s;
  REQUIRE(s.allocate(800, 480).is_ok());
  test::HeapScope scope;
  {
    MemorySource src(ConstBytes(jpeg.data(), jpeg.size()));
    JpegRows rows;
    REQUIRE(rows.start(src, s.bounds()).is_ok());
    CHECK(rows.scale_num() == 2);  // 1000x750 covers the 640x480 fit
    REQUIRE(s.draw_image(rows, s.bounds()).is_ok());
  }
  MESSAGE("12 MP baseline JPEG drawn at 800x480: " << scope.peak_above_start() << " bytes peak");
  CHECK(scope.peak_above_start() <= 512 * 1024);
}

TEST_CASE("qr_code_has_its_finder_patterns_and_quiet_zone") {
  const char* url = "https://cloud.vtrix.ai/r/7f3a9c2e1b/oil-painting.jpg";
  const Result<int32_t> modules = qr_modules(url);
  REQUIRE(modules.is_ok());
  CHECK(*modules >= 21 + 8);
  Guarded g(300, 200);
  Surface s(g.frame());
  s.fill(kBg);
  Rect d{};
  REQUIRE(draw_qr(s, {10, 10, 280, 180}, url, &d).is_ok());
  CHECK(g.guards_intact());
  const int32_t m = d.w / *modules;
  CHECK(m >= 1);
  CHECK(d.w == m * *modules);
  CHECK(d.w <= 180);
  CHECK(count_not(s, kBg, s.bounds()) == count_not(s, kBg, d));  // nothing outside
  const Color black{0, 0, 0}, white{255, 255, 255};
  const int32_t n = *modules - 8;
  auto module = [&](int32_t mx, int32_t my) {
    return s.pixel(static_cast<uint32_t>(d.x + (mx + 4) * m + m / 2),
                   static_cast<uint32_t>(d.y + (my + 4) * m + m / 2));
  };
  CHECK(module(-1, -1) == white);  // quiet zone
  CHECK(module(-4, -4) == white);
  // Finder patterns at three corners: dark ring, light ring, dark centre.
  for (auto [ox, oy] : {std::pair<int32_t, int32_t>{0, 0}, {n - 7, 0}, {0, n - 7}}) {
    CHECK(module(ox, oy) == black);
    CHECK(module(ox + 6, oy + 6) == black);
    CHECK(module(ox + 1, oy + 1) == white);
    CHECK(module(ox + 5, oy + 1) == white);
    CHECK(module(ox + 3, oy + 3) == black);
    CHECK(module(ox + 2, oy + 4) == black);
  }
  CHECK(draw_qr(s, {0, 0, 20, 20}, url).code() == Code::kOutOfRange);
  CHECK(draw_qr(s, s.bounds(), "").code() == Code::kInvalidArgument);
  CHECK(draw_qr(s, s.bounds(), std::string(kMaxQrText + 1, 'a')).code() == Code::kInvalidArgument);
}

TEST_CASE("qr_heap") {
  if (!test::heap_meter_available()) return;
  Surface s;
  REQUIRE(s.allocate(400, 400).is_ok());
  test::HeapScope scope;
  REQUIRE(draw_qr(s, s.bounds(), std::string(300, 'u')).is_ok());
  MESSAGE("QR of 300 bytes: " << scope.peak_above_start() << " bytes peak");
  CHECK(scope.peak_above_start() <= 256 * 1024);
}

TEST_CASE("result_screen_shows_a_qr_card_only_when_it_fits") {
  Renderer& r = renderer();
  const test::Picture pic = test::quadrants(400, 300);
  Screen sc;
  sc.kind = ScreenKind::kResult;
  sc.result = view_of(pic);
  sc.layout = ResultLayout::kResultOnly;
  Surface plain, with;
  REQUIRE(plain.allocate(800, 480).is_ok());
  REQUIRE(with.allocate(800, 480).is_ok());
  REQUIRE(r.render(sc, plain).is_ok());
  sc.result_url = "https://cloud.vtrix.ai/r/abc";
  REQUIRE(r.render(sc, with).is_ok());
  // The card appears in the bottom-right corner only.
  int differ_br = 0, differ_tl = 0;
  for (uint32_t y = 0; y < 480; ++y) {
    for (uint32_t x = 0; x < 800; ++x) {
      if (plain.pixel(x, y) == with.pixel(x, y)) continue;
      (x >= 400 && y >= 200 ? differ_br : differ_tl)++;
    }
  }
  CHECK(differ_br > 1000);
  CHECK(differ_tl == 0);
  // Too small a screen for a readable code: the same picture as without.
  Surface tiny, tiny_plain;
  REQUIRE(tiny.allocate(120, 80).is_ok());
  REQUIRE(tiny_plain.allocate(120, 80).is_ok());
  REQUIRE(r.render(sc, tiny).is_ok());
  sc.result_url = "";
  REQUIRE(r.render(sc, tiny_plain).is_ok());
  CHECK(std::memcmp(tiny.frame().pixels, tiny_plain.frame().pixels, tiny.frame().bytes()) == 0);
}
