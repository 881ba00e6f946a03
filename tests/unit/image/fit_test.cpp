#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <thread>

#include "heap_meter.h"
#include "image/fit.h"
#include "image_fixtures.h"

using namespace spark;
using namespace spark::image;
using spark::test::Decoded;
using spark::test::JpegColor;
using spark::test::JpegSpec;
using spark::test::Picture;
using spark::test::Rgb;

namespace {

struct Fitted {
  Plan plan;
  FitResult result;
  std::vector<uint8_t> jpeg;
};

Result<Fitted> fit_bytes(const std::vector<uint8_t>& in, const FitOptions& o = {}) {
  MemorySource src(ConstBytes(in.data(), in.size()));
  GrowingSink out(kApiMaxBytes);
  Fitted f;
  SPARK_TRY_ASSIGN(f.result, prepare(src, o, out, &f.plan));
  f.jpeg.assign(out.bytes().begin(), out.bytes().end());
  return f;
}

int diff(Rgb a, Rgb b) {
  return std::max({std::abs(a.r - b.r), std::abs(a.g - b.g), std::abs(a.b - b.b)});
}

// The four quadrant colours of an upright test picture, sampled away from
// the edges where chroma subsampling blurs them.
void check_quadrants(const Picture& got, const Picture& want, int tolerance) {
  const uint32_t gw = got.width, gh = got.height, ww = want.width, wh = want.height;
  for (uint32_t q = 0; q < 4; ++q) {
    uint32_t qx = q % 2, qy = q / 2;
    Rgb g = got.mean(qx * gw / 2 + gw / 8, qy * gh / 2 + gh / 8, gw / 4, gh / 4);
    Rgb w = want.mean(qx * ww / 2 + ww / 8, qy * wh / 2 + wh / 8, ww / 4, wh / 4);
    CAPTURE(q);
    CHECK(diff(g, w) <= tolerance);
  }
}

// Checks what every output must be: decodable, baseline 4:2:0 YCbCr with
// JFIF and no EXIF/ICC, the planned size, within every API limit.
Decoded check_output(const Fitted& f) {
  Decoded d = test::decode_jpeg(f.jpeg);
  CHECK(d.pic.width == f.plan.out_width);
  CHECK(d.pic.height == f.plan.out_height);
  CHECK(d.pic.width % 2 == 0);
  CHECK(d.pic.height % 2 == 0);
  CHECK(std::max(d.pic.width, d.pic.height) <= 3 * std::min(d.pic.width, d.pic.height));
  CHECK(std::max(d.pic.width, d.pic.height) <= kApiMaxSide);
  CHECK(f.jpeg.size() <= f.plan.max_bytes);
  CHECK(f.result.bytes == f.jpeg.size());
  CHECK_FALSE(d.progressive);
  CHECK(d.components == 3);
  CHECK(d.h_samp[0] == 2);
  CHECK(d.v_samp[0] == 2);
  CHECK(d.h_samp[1] == 1);
  CHECK(d.has_jfif);
  CHECK_FALSE(d.has_app1);
  CHECK_FALSE(d.has_app2);
  return d;
}

struct Kind {
  const char* name;
  std::vector<uint8_t> bytes;
  int tolerance;  // per-channel error of quadrant means
};

// One small file of every input kind the corpus has.
std::vector<Kind> kinds(const Picture& pic) {
  std::vector<Kind> k;
  auto jpeg = [&](const char* name, JpegSpec s, int tol) {
    k.push_back({name, test::make_jpeg(pic, s), tol});
  };
  auto png = [&](const char* name, test::PngSpec s, int tol) {
    k.push_back({name, test::make_png(pic, s), tol});
  };
  JpegSpec s;
  jpeg("baseline 4:2:0", s, 12);
  s.h_samp = s.v_samp = 1;
  jpeg("baseline 4:4:4", s, 12);
  s = {};
  s.v_samp = 1;
  jpeg("baseline 4:2:2", s, 12);
  s = {};
  s.progressive = true;
  jpeg("progressive", s, 12);
  s = {};
  s.arithmetic = true;
  jpeg("arithmetic", s, 12);
  s = {};
  s.multi_scan = true;
  jpeg("multi-scan", s, 12);
  s = {};
  s.restart_rows = true;
  s.icc = true;
  s.orientation = 1;
  jpeg("restart markers, icc, exif", s, 12);
  s = {};
  s.color = JpegColor::kRgb;
  jpeg("rgb", s, 12);
  s.color = JpegColor::kCmyk;
  jpeg("cmyk", s, 16);
  s.color = JpegColor::kYcck;
  jpeg("ycck", s, 16);
  test::PngSpec p;
  png("png rgb", p, 10);
  p.interlaced = true;
  png("png rgb interlaced", p, 10);
  p = {};
  p.color_type = 3;
  png("png palette", p, 10);
  p.color_type = 2;
  p.bit_depth = 16;
  png("png rgb 16-bit", p, 10);
  return k;
}

}  // namespace

TEST_CASE("fit_every_input_kind_gives_a_valid_upright_jpeg") {
  Picture pic = test::quadrants(200, 150);
  for (const Kind& k : kinds(pic)) {
    CAPTURE(k.name);
    FitOptions o;
    o.max_long_side = 120;  // forces a DCT-scaled decode or a resample
    auto f = fit_bytes(k.bytes, o);
    REQUIRE_MESSAGE(f.is_ok(), f.status().message());
    CHECK_FALSE(f->result.damaged);
    Decoded d = check_output(*f);
    CHECK(std::max(d.pic.width, d.pic.height) <= 120);
    check_quadrants(d.pic, pic, k.tolerance);
  }
}

TEST_CASE("fit_gray_jpeg_becomes_ycbcr_with_neutral_chroma") {
  Picture pic = test::quadrants(64, 64);
  JpegSpec s;
  s.color = JpegColor::kGray;
  auto f = fit_bytes(test::make_jpeg(pic, s));
  REQUIRE(f.is_ok());
  Decoded d = check_output(*f);
  Rgb c = d.pic.mean(4, 4, 20, 20);
  CHECK(std::abs(c.r - c.g) <= 2);
  CHECK(std::abs(c.g - c.b) <= 2);
}

TEST_CASE("fit_png_alpha_is_composited_on_white") {
  Picture pic = test::quadrants(40, 40);
  test::PngSpec p;
  p.color_type = 6;
  p.alpha = 0;
  auto f = fit_bytes(test::make_png(pic, p));
  REQUIRE(f.is_ok());
  Decoded d = check_output(*f);
  Rgb c = d.pic.mean(0, 0, 40, 40);
  CHECK(c.r >= 250);
  CHECK(c.g >= 250);
  CHECK(c.b >= 250);
  p.color_type = 4;  // gray + alpha, half transparent
  p.alpha = 128;
  p.bit_depth = 16;
  f = fit_bytes(test::make_png(pic, p));
  REQUIRE(f.is_ok());
  d = check_output(*f);
  CHECK(d.pic.mean(0, 0, 10, 10).r > 128);
}

TEST_CASE("fit_applies_every_exif_orientation") {
  Picture upright = test::quadrants(96, 64);
  for (int big = 0; big <= 1; ++big) {
    for (int o = 1; o <= 8; ++o) {
      CAPTURE(o);
      JpegSpec s;
      s.orientation = o;
      s.exif_big_endian = big == 1;
      s.h_samp = s.v_samp = 1;
      for (uint32_t max_side : {96u, 48u, 70u}) {  // no resample, DCT 1/2, resample
        CAPTURE(max_side);
        FitOptions opt;
        opt.max_long_side = max_side;
        auto f = fit_bytes(test::make_jpeg(test::stored_for_orientation(upright, o), s), opt);
        REQUIRE(f.is_ok());
        Decoded d = check_output(*f);
        CHECK(d.pic.width > d.pic.height);  // upright is landscape
        check_quadrants(d.pic, upright, 10);
      }
    }
  }
}

TEST_CASE("fit_crops_a_panorama_to_its_centre") {
  // Left and right eighths are red, the middle green: a 8:1 picture cropped
  // to 3:1 keeps only green.
  Picture pic{800, 100, std::vector<uint8_t>(800 * 100 * 3)};
  for (uint32_t y = 0; y < 100; ++y) {
    for (uint32_t x = 0; x < 800; ++x) {
      bool edge = x < 100 || x >= 700;
      uint8_t* q = &pic.rgb[(size_t{y} * 800 + x) * 3];
      q[0] = edge ? 230 : 30;
      q[1] = edge ? 30 : 200;
      q[2] = 30;
    }
  }
  auto f = fit_bytes(test::make_png(pic));
  REQUIRE(f.is_ok());
  Decoded d = check_output(*f);
  CHECK(d.pic.width == 3 * d.pic.height);
  CHECK(d.pic.at(1, 50).g > 150);
  CHECK(d.pic.at(d.pic.width - 2, 50).g > 150);
  FitOptions o;
  o.aspect = AspectPolicy::kReject;
  CHECK(fit_bytes(test::make_png(pic), o).status().code() == Code::kInvalidArgument);
}

TEST_CASE("fit_resample_filters_instead_of_picking_pixels") {
  // A 1-pixel checkerboard shrunk by a non-integer factor: a real filter
  // gives flat grey; nearest-neighbour would keep black and white pixels.
  Picture pic{301, 301, std::vector<uint8_t>(301 * 301 * 3)};
  for (uint32_t y = 0; y < 301; ++y) {
    for (uint32_t x = 0; x < 301; ++x) {
      std::fill_n(&pic.rgb[(size_t{y} * 301 + x) * 3], 3,
                  static_cast<uint8_t>((x + y) % 2 ? 255 : 0));
    }
  }
  FitOptions o;
  o.max_long_side = 130;
  o.quality = 100;
  o.min_quality = 100;
  auto f = fit_bytes(test::make_png(pic), o);
  REQUIRE(f.is_ok());
  CHECK(f->plan.resample);
  Decoded d = check_output(*f);
  int lo = 255, hi = 0;
  for (uint32_t y = 8; y + 8 < d.pic.height; ++y) {
    for (uint32_t x = 8; x + 8 < d.pic.width; ++x) {
      lo = std::min<int>(lo, d.pic.at(x, y).g);
      hi = std::max<int>(hi, d.pic.at(x, y).g);
    }
  }
  CHECK(lo > 100);
  CHECK(hi < 155);
}

TEST_CASE("fit_steps_quality_down_until_the_jpeg_fits") {
  std::vector<uint8_t> in = test::make_jpeg(test::noisy(256, 256, 7, 60), JpegSpec{95});
  auto full = fit_bytes(in);
  REQUIRE(full.is_ok());
  CHECK(full->result.passes == 1);
  CHECK(full->result.quality == 90);
  FitOptions o;
  o.max_bytes = full->result.bytes * 2 / 3;
  auto f = fit_bytes(in, o);
  REQUIRE(f.is_ok());
  CHECK(f->result.passes >= 2);
  CHECK(f->result.quality < 90);
  CHECK(f->result.quality >= 60);
  check_output(*f);
  o.max_bytes = 2000;
  auto none = fit_bytes(in, o);
  REQUIRE_FALSE(none.is_ok());
  CHECK(none.status().code() == Code::kResourceExhausted);
  CHECK(std::string(none.status().message()).find("even at quality 60") != std::string::npos);
}

TEST_CASE("fit_peak_heap_within_plan") {
  Picture pic = test::noisy(1200, 900, 3, 20);
  for (const Kind& k : kinds(pic)) {
    for (int o : {1, 6}) {
      CAPTURE(k.name);
      CAPTURE(o);
      std::vector<uint8_t> in = k.bytes;
      MemorySource src(ConstBytes(in.data(), in.size()));
      auto pr = probe(src);
      REQUIRE(pr.is_ok());
      Probe p = *pr;
      p.orientation = static_cast<uint8_t>(o);
      FitOptions opt;
      opt.max_long_side = 500;  // 1200 -> DCT 3/8 (450) is too small: resample from 4/8
      auto pl = plan(p, opt);
      REQUIRE(pl.is_ok());
      CountingSink counter;
      struct Resettable final : ResettableSink {
        explicit Resettable(CountingSink& c) : c_(c) {}
        Status write(ConstBytes d) override { return c_.write(d); }
        Status reset() override { return Status::ok(); }
        CountingSink& c_;
      } out(counter);
      test::HeapScope heap;
      auto r = fit(src, *pl, out);
      size_t peak = heap.peak_above_start();
      REQUIRE(r.is_ok());
      CHECK(peak <= pl->memory_bytes);
      // Without the frame and the whole-image buffer, well under 1 MB.
      CHECK(peak - std::min<uint64_t>(peak, pl->frame_bytes + pl->whole_image_bytes) < (1u << 20));
      MESSAGE(std::string(k.name) << " orientation " << o << ": peak heap " << peak
                                  << " of planned " << pl->memory_bytes);
    }
  }
}

TEST_CASE("fit_truncated_or_corrupt_input_errs_or_flags_never_crashes") {
  Picture pic = test::noisy(96, 80, 5, 30);
  std::vector<std::vector<uint8_t>> inputs;
  JpegSpec s;
  inputs.push_back(test::make_jpeg(pic, s));
  s.progressive = true;
  inputs.push_back(test::make_jpeg(pic, s));
  inputs.push_back(test::make_png(pic));
  int flagged = 0, failed = 0;
  for (const auto& in : inputs) {
    auto whole = fit_bytes(in);
    REQUIRE(whole.is_ok());
    // Cut anywhere: never a crash (ASan watches), always an error, a flagged
    // but valid JPEG, or (cut after the last pixel data) the same JPEG.
    for (size_t n = 0; n < in.size(); n += 37) {
      std::vector<uint8_t> cut(in.begin(), in.begin() + static_cast<long>(n));
      auto f = fit_bytes(cut);
      if (f.is_ok()) {
        CAPTURE(n);
        check_output(*f);
        CHECK((f->result.damaged || f->jpeg == whole->jpeg));
        flagged += f->result.damaged;
      } else {
        ++failed;
      }
    }
    // Flip bytes after the headers.
    for (size_t i = in.size() / 4; i < in.size(); i += 53) {
      std::vector<uint8_t> bad = in;
      bad[i] = static_cast<uint8_t>(bad[i] ^ 0x5A);
      auto f = fit_bytes(bad);
      if (f.is_ok()) test::decode_jpeg(f->jpeg);
    }
  }
  CHECK(flagged > 0);
  CHECK(failed > 0);
}

TEST_CASE("fit_on_a_decode_thread_gives_the_same_bytes_and_the_same_errors") {
  // The decode runs ahead on a second thread (a multi-core machine, as here
  // and on a Pi); switched off, the caller's thread decodes. Both must agree
  // byte for byte, and on every error, whatever row it happens at.
  MESSAGE("hardware threads: " << std::thread::hardware_concurrency());
  Picture pic = test::noisy(200, 150, 9, 40);
  std::vector<std::vector<uint8_t>> inputs;
  for (const Kind& k : kinds(pic)) inputs.push_back(k.bytes);
  const std::vector<uint8_t> base = test::make_jpeg(pic);
  for (size_t n = base.size() / 3; n < base.size(); n += base.size() / 7) {
    inputs.emplace_back(base.begin(), base.begin() + static_cast<long>(n));  // cut mid-scan
  }
  const std::vector<uint8_t> png = test::make_png(pic);
  for (size_t n = png.size() / 3; n < png.size(); n += png.size() / 5) {
    inputs.emplace_back(png.begin(), png.begin() + static_cast<long>(n));  // libpng fails mid-rows
  }
  for (size_t i = base.size() / 3; i < base.size(); i += base.size() / 5) {
    std::vector<uint8_t> bad = base;
    bad[i] = 0xFF;  // a marker in the middle of entropy-coded data
    bad[i + 1] = 0xD9;
    inputs.push_back(bad);
  }
  FitOptions on, off;
  off.decode_thread = false;
  int errors = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    CAPTURE(i);
    auto a = fit_bytes(inputs[i], on);
    auto b = fit_bytes(inputs[i], off);
    REQUIRE(a.is_ok() == b.is_ok());
    if (!a.is_ok()) {
      ++errors;
      CHECK(a.status().code() == b.status().code());
      CHECK(std::string(a.status().message()) == b.status().message());
      continue;
    }
    CHECK(a->plan.decode_ahead_bytes > 0);
    CHECK(b->plan.decode_ahead_bytes == 0);
    CHECK(a->jpeg == b->jpeg);
    CHECK(a->result.damaged == b->result.damaged);
    CHECK(a->result.warnings == b->result.warnings);
  }
  MESSAGE(inputs.size() << " inputs, " << errors << " of them errors");
  CHECK(errors > 0);
}

TEST_CASE("fit_rejects_a_source_that_changed_since_the_plan") {
  std::vector<uint8_t> a = test::make_jpeg(test::quadrants(64, 48));
  std::vector<uint8_t> b = test::make_jpeg(test::quadrants(48, 64));
  MemorySource src_a(ConstBytes(a.data(), a.size()));
  auto pl = plan(*probe(src_a));
  REQUIRE(pl.is_ok());
  MemorySource src_b(ConstBytes(b.data(), b.size()));
  GrowingSink out(1 << 20);
  auto r = fit(src_b, *pl, out);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
}
