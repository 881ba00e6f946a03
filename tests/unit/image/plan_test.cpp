#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "image/plan.h"

using namespace spark;
using namespace spark::image;

namespace {
// A camera-like 4:2:0 baseline JPEG probe.
Probe camera(uint32_t w, uint32_t h, uint8_t orientation = 1) {
  Probe p;
  p.width = w;
  p.height = h;
  p.components = 3;
  p.h_samp[0] = p.v_samp[0] = 2;
  p.h_samp[1] = p.v_samp[1] = p.h_samp[2] = p.v_samp[2] = 1;
  p.first_scan_components = 3;
  p.orientation = orientation;
  return p;
}
}  // namespace

TEST_CASE("plan_12mp_decodes_at_half_scale_without_resampling") {
  auto pl = plan(camera(4032, 3024));
  REQUIRE(pl.is_ok());
  CHECK(pl->scale_num == 4);
  CHECK_FALSE(pl->resample);
  CHECK(pl->out_width == 2016);
  CHECK(pl->out_height == 1512);
  CHECK(pl->quality == 90);
  CHECK(pl->max_bytes == 4'500'000);
  CHECK(pl->frame_bytes == 0);
  CHECK(pl->memory_bytes < (2u << 20));
}

TEST_CASE("plan_48mp_decodes_at_quarter_scale_without_resampling") {
  auto pl = plan(camera(8000, 6000));
  REQUIRE(pl.is_ok());
  CHECK(pl->scale_num == 2);
  CHECK_FALSE(pl->resample);
  CHECK(pl->out_width == 2000);
  CHECK(pl->out_height == 1500);
}

TEST_CASE("plan_24mp_resamples_from_the_smallest_power_of_two_scale_above_target") {
  // 3/8 (2250) is the smallest scale above 2048, but libjpeg-turbo's 3x3
  // IDCT is plain C: 4/8 decodes as fast and keeps more for the Lanczos.
  auto pl = plan(camera(6000, 4000));
  REQUIRE(pl.is_ok());
  CHECK(pl->scale_num == 4);
  CHECK(pl->decoded_width == 3000);
  CHECK(pl->resample);
  CHECK(pl->out_width == 2048);
  CHECK(pl->out_height == 1364);
}

TEST_CASE("plan_never_upscales_and_evens_odd_sides") {
  auto pl = plan(camera(801, 601));
  REQUIRE(pl.is_ok());
  CHECK(pl->scale_num == 8);
  CHECK_FALSE(pl->resample);
  CHECK(pl->out_width == 800);
  CHECK(pl->out_height == 600);
  CHECK(pl->crop.x == 0);
}

TEST_CASE("plan_crops_a_panorama_to_exactly_3") {
  auto pl = plan(camera(9000, 2000));
  REQUIRE(pl.is_ok());
  CHECK(pl->out_width == 2046);
  CHECK(pl->out_height == 682);
  CHECK(pl->out_width == 3 * pl->out_height);
  // The crop is centred in the decoded picture.
  CHECK(pl->crop.x == (pl->decoded_width - pl->crop.width) / 2);
  CHECK(pl->crop.width <= 3 * pl->crop.height);
}

TEST_CASE("plan_rejects_a_panorama_when_asked") {
  FitOptions o;
  o.aspect = AspectPolicy::kReject;
  auto pl = plan(camera(9000, 2000), o);
  REQUIRE_FALSE(pl.is_ok());
  CHECK(pl.status().code() == Code::kInvalidArgument);
  CHECK(std::string(pl.status().message()).find("side ratio 4.50") != std::string::npos);
  CHECK(plan(camera(6000, 2000), o).is_ok());
}

TEST_CASE("plan_orientation_6_swaps_sides_and_counts_one_frame") {
  auto pl = plan(camera(4032, 3024, 6));
  REQUIRE(pl.is_ok());
  CHECK(pl->out_width == 1512);
  CHECK(pl->out_height == 2016);
  CHECK(pl->frame_bytes == 1512ull * 2016 * 3 / 2);
  CHECK(pl->memory_bytes > pl->frame_bytes);
  CHECK(plan(camera(4032, 3024, 2))->frame_bytes == 0);
}

TEST_CASE("plan_refuses_progressive_over_the_memory_budget") {
  Probe p = camera(8000, 6000);
  p.process = JpegProcess::kProgressive;
  auto pl = plan(p);
  REQUIRE_FALSE(pl.is_ok());
  CHECK(pl.status().code() == Code::kResourceExhausted);
  CHECK(std::string(pl.status().message()) ==
        "progressive 48.0 MP JPEG needs 139 MB to decode, over the 64 MB memory budget");
  FitOptions o;
  o.memory_budget = 256ull << 20;
  auto big = plan(p, o);
  REQUIRE(big.is_ok());
  CHECK(big->whole_image_bytes == 144'000'000);
  // A 12 MP progressive JPEG fits the default budget.
  Probe q = camera(4032, 3024);
  q.process = JpegProcess::kProgressive;
  CHECK(plan(q).is_ok());
}

TEST_CASE("plan_refuses_kinds_libjpeg_cannot_decode") {
  Probe p = camera(100, 100);
  p.process = JpegProcess::kLossless;
  CHECK(plan(p).status().code() == Code::kUnimplemented);
  p = camera(100, 100);
  p.precision = 12;
  CHECK(std::string(plan(p).status().message()) == "12-bit JPEG is not supported (8-bit only)");
  CHECK(plan(camera(1, 100)).status().code() == Code::kInvalidArgument);
}

TEST_CASE("plan_validates_and_clamps_options") {
  FitOptions o;
  o.quality = 0;
  CHECK_FALSE(plan(camera(100, 100), o).is_ok());
  o = {};
  o.min_quality = 95;
  CHECK_FALSE(plan(camera(100, 100), o).is_ok());
  o = {};
  o.max_long_side = 100000;
  o.max_bytes = 100'000'000;
  auto pl = plan(camera(12000, 9000), o);
  REQUIRE(pl.is_ok());
  CHECK(pl->out_width <= kApiMaxSide);
  CHECK(pl->max_bytes == kApiMaxBytes);
}

TEST_CASE("plan_output_fits_every_limit_for_many_sizes") {
  const uint32_t sides[] = {2,    3,    17,   511,  512,  1000, 1537, 2047,
                            2048, 2049, 3000, 4031, 4097, 6001, 9999, 65535};
  const uint32_t maxes[] = {512, 1024, 2048, 4096};
  for (uint32_t w : sides) {
    for (uint32_t h : sides) {
      for (uint32_t m : maxes) {
        for (int png = 0; png <= 1; ++png) {
          Probe p = camera(w, h, static_cast<uint8_t>(1 + (w + h) % 8));
          if (png) p.format = Format::kPng;
          FitOptions o;
          o.max_long_side = m;
          o.memory_budget = UINT64_MAX;
          auto pl = plan(p, o);
          REQUIRE(pl.is_ok());
          CAPTURE(w);
          CAPTURE(h);
          CAPTURE(m);
          const Plan& r = *pl;
          CHECK(r.out_width % 2 == 0);
          CHECK(r.out_height % 2 == 0);
          CHECK(r.out_width >= 2);
          CHECK(r.out_height >= 2);
          CHECK(std::max(r.out_width, r.out_height) <= m);
          CHECK(std::max(r.out_width, r.out_height) <= 3 * std::min(r.out_width, r.out_height));
          // Never larger than the source, and never upscaled from the crop.
          CHECK(uint64_t{r.out_width} * r.out_height <= uint64_t{w} * h);
          CHECK(r.resized_width <= r.crop.width);
          CHECK(r.resized_height <= r.crop.height);
          CHECK(r.crop.x + r.crop.width <= r.decoded_width);
          CHECK(r.crop.y + r.crop.height <= r.decoded_height);
          if (png) CHECK(r.scale_num == 8);
        }
      }
    }
  }
}
