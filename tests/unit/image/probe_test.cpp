#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "image/probe.h"
#include "image_fixtures.h"

using namespace spark;
using namespace spark::image;
using spark::test::JpegColor;
using spark::test::JpegSpec;
using spark::test::make_jpeg;
using spark::test::make_png;

namespace {
Result<Probe> probe_bytes(const std::vector<uint8_t>& b) {
  MemorySource src(ConstBytes(b.data(), b.size()));
  return probe(src);
}
Result<Probe> probe_jpeg(const JpegSpec& spec, uint32_t w = 64, uint32_t h = 48) {
  return probe_bytes(make_jpeg(test::quadrants(w, h), spec));
}
}  // namespace

TEST_CASE("probe_reads_baseline_size_sampling_and_jfif") {
  auto p = probe_jpeg({}, 100, 60);
  REQUIRE(p.is_ok());
  CHECK(p->format == Format::kJpeg);
  CHECK(p->width == 100);
  CHECK(p->height == 60);
  CHECK(p->precision == 8);
  CHECK(p->components == 3);
  CHECK(p->h_samp[0] == 2);
  CHECK(p->v_samp[0] == 2);
  CHECK(p->h_samp[1] == 1);
  CHECK(p->process == JpegProcess::kBaseline);
  CHECK_FALSE(p->arithmetic);
  CHECK(p->jfif);
  CHECK_FALSE(p->exif);
  CHECK(p->orientation == 1);
  CHECK_FALSE(p->needs_coefficient_buffer());
}

TEST_CASE("probe_reads_444_and_gray") {
  JpegSpec s;
  s.h_samp = s.v_samp = 1;
  auto p = probe_jpeg(s);
  REQUIRE(p.is_ok());
  CHECK(p->h_samp[0] == 1);
  s.color = JpegColor::kGray;
  p = probe_jpeg(s);
  REQUIRE(p.is_ok());
  CHECK(p->components == 1);
}

TEST_CASE("probe_reads_progressive_arithmetic_and_multi_scan") {
  JpegSpec s;
  s.progressive = true;
  auto p = probe_jpeg(s);
  REQUIRE(p.is_ok());
  CHECK(p->process == JpegProcess::kProgressive);
  CHECK(p->needs_coefficient_buffer());
  s = {};
  s.arithmetic = true;
  p = probe_jpeg(s);
  REQUIRE(p.is_ok());
  CHECK(p->arithmetic);
  CHECK(p->process == JpegProcess::kExtended);
  s = {};
  s.multi_scan = true;
  p = probe_jpeg(s);
  REQUIRE(p.is_ok());
  CHECK(p->first_scan_components == 1);
  CHECK(p->needs_coefficient_buffer());
}

TEST_CASE("probe_reads_adobe_cmyk_and_ycck") {
  JpegSpec s;
  s.color = JpegColor::kCmyk;
  auto p = probe_jpeg(s);
  REQUIRE(p.is_ok());
  CHECK(p->components == 4);
  CHECK(p->adobe);
  CHECK(p->adobe_transform == AdobeTransform::kNone);
  CHECK(p->is_cmyk());
  s.color = JpegColor::kYcck;
  p = probe_jpeg(s);
  REQUIRE(p.is_ok());
  CHECK(p->adobe_transform == AdobeTransform::kYCCK);
}

TEST_CASE("probe_reads_every_exif_orientation_in_both_byte_orders") {
  for (int big = 0; big <= 1; ++big) {
    for (int o = 1; o <= 8; ++o) {
      JpegSpec s;
      s.orientation = o;
      s.exif_big_endian = big == 1;
      auto p = probe_jpeg(s);
      REQUIRE(p.is_ok());
      CHECK(p->exif);
      CHECK(p->orientation == o);
    }
  }
}

TEST_CASE("probe_detects_icc_profile") {
  JpegSpec s;
  s.icc = true;
  auto p = probe_jpeg(s);
  REQUIRE(p.is_ok());
  CHECK(p->icc);
}

TEST_CASE("exif_orientation_survives_hostile_blocks") {
  // A valid big-endian block with orientation 6, then every corruption.
  uint8_t good[] = {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0,
                    3,   0,   0, 0,  1, 0, 6, 0, 0, 0, 0,    0,    0};
  CHECK(exif_orientation(ConstBytes(good, sizeof(good))) == 6);
  for (size_t n = 0; n < sizeof(good) - 4; ++n) {
    // Every truncation: the entry is cut, so orientation reads as upright.
    CHECK(exif_orientation(ConstBytes(good, n)) == 1);
  }
  uint8_t b[sizeof(good)];
  std::memcpy(b, good, sizeof(b));
  b[4] = b[5] = b[6] = b[7] = 0xFF;  // IFD offset near 4 GB
  CHECK(exif_orientation(ConstBytes(b, sizeof(b))) == 1);
  std::memcpy(b, good, sizeof(b));
  b[8] = b[9] = 0xFF;  // 65535 entries, none of them the orientation
  b[11] = 0x13;
  CHECK(exif_orientation(ConstBytes(b, sizeof(b))) == 1);
  std::memcpy(b, good, sizeof(b));
  b[19] = 9;  // orientation out of 1..8
  CHECK(exif_orientation(ConstBytes(b, sizeof(b))) == 1);
  std::memcpy(b, good, sizeof(b));
  b[13] = 4;  // type LONG instead of SHORT
  CHECK(exif_orientation(ConstBytes(b, sizeof(b))) == 1);
  std::memcpy(b, good, sizeof(b));
  b[0] = b[1] = 'X';  // no byte order
  CHECK(exif_orientation(ConstBytes(b, sizeof(b))) == 1);
}

TEST_CASE("probe_empty_exif_segment_reads_as_upright") {
  // Found by fuzz.image_probe: "Exif\0\0" and nothing after it.
  std::vector<uint8_t> j = make_jpeg(test::quadrants(16, 16));
  const uint8_t app1[] = {0xFF, 0xE1, 0, 8, 'E', 'x', 'i', 'f', 0, 0};
  j.insert(j.begin() + 2, app1, app1 + sizeof(app1));
  auto p = probe_bytes(j);
  REQUIRE(p.is_ok());
  CHECK(p->exif);
  CHECK(p->orientation == 1);
}

TEST_CASE("probe_reads_png_header_and_chunks") {
  test::PngSpec s;
  s.color_type = 6;
  s.interlaced = true;
  auto p = probe_bytes(make_png(test::quadrants(30, 20), s));
  REQUIRE(p.is_ok());
  CHECK(p->format == Format::kPng);
  CHECK(p->width == 30);
  CHECK(p->height == 20);
  CHECK(p->components == 4);
  CHECK(p->png_interlaced);
  CHECK(p->precision == 8);
}

TEST_CASE("probe_names_what_a_file_is_not") {
  auto gif = probe_bytes({'G', 'I', 'F', '8', '9', 'a', 1, 0, 1, 0, 0, 0});
  REQUIRE_FALSE(gif.is_ok());
  CHECK(gif.status().code() == Code::kInvalidArgument);
  CHECK(std::string(gif.status().message()) ==
        "not a JPEG or PNG: starts with bytes 47 49 46 38 (looks like GIF)");
  auto webp = probe_bytes({'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'});
  CHECK(std::string(webp.status().message()).find("WebP") != std::string::npos);
  auto heic = probe_bytes({0, 0, 0, 24, 'f', 't', 'y', 'p', 'h', 'e', 'i', 'c'});
  CHECK(std::string(heic.status().message()).find("HEIF") != std::string::npos);
  auto text = probe_bytes({'h', 'i'});
  CHECK(std::string(text.status().message()) == "not a JPEG or PNG: starts with bytes 68 69");
  auto empty = probe_bytes({});
  CHECK(empty.status().code() == Code::kDataLoss);
}

TEST_CASE("probe_truncated_headers_are_data_loss_at_every_length") {
  JpegSpec s;
  s.orientation = 6;
  std::vector<uint8_t> jpeg = make_jpeg(test::quadrants(16, 16), s);
  // Every cut before the scan header fails cleanly (ASan checks the reads).
  size_t sos = 0;
  for (size_t i = 0; i + 1 < jpeg.size(); ++i) {
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xDA) {
      sos = i;
      break;
    }
  }
  REQUIRE(sos > 0);
  for (size_t n = 0; n < sos + 3; ++n) {
    auto p = probe_bytes(std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + static_cast<long>(n)));
    CHECK_FALSE(p.is_ok());
  }
  CHECK(probe_bytes(std::vector<uint8_t>(jpeg.begin(), jpeg.begin() + static_cast<long>(sos + 5)))
            .is_ok());
}

TEST_CASE("probe_rejects_broken_frame_headers") {
  std::vector<uint8_t> j = make_jpeg(test::quadrants(16, 16));
  size_t sof = 0;
  for (size_t i = 0; i + 1 < j.size(); ++i) {
    if (j[i] == 0xFF && j[i + 1] == 0xC0) {
      sof = i;
      break;
    }
  }
  REQUIRE(sof > 0);
  std::vector<uint8_t> zero_h = j;
  zero_h[sof + 5] = zero_h[sof + 6] = 0;
  CHECK(std::string(probe_bytes(zero_h).status().message()).find("DNL") != std::string::npos);
  std::vector<uint8_t> five = j;
  five[sof + 9] = 5;
  CHECK(probe_bytes(five).status().code() == Code::kInvalidArgument);
}
