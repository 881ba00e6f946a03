#include "image/plan.h"

#include <algorithm>
#include <thread>

#include "image/prefetch.h"

namespace spark::image {
namespace {

constexpr uint32_t kLanczosLobes = 3;

uint64_t div_up(uint64_t a, uint64_t b) {
  return (a + b - 1) / b;
}
uint32_t mib_up(uint64_t bytes) {
  return static_cast<uint32_t>(div_up(bytes, 1u << 20));
}

// Largest even long/short pair that fits long_avail x short_avail with a side
// ratio of at most 3.
void even_fit(uint64_t long_avail, uint64_t short_avail, uint32_t& long_out, uint32_t& short_out) {
  short_out = static_cast<uint32_t>(short_avail & ~uint64_t{1});
  long_out = static_cast<uint32_t>(std::min(long_avail, uint64_t{kApiMaxRatio} * short_out) &
                                   ~uint64_t{1});
}

// Taps of the Lanczos-3 filter for one axis shrinking in -> out.
uint64_t taps(uint64_t in, uint64_t out) {
  return uint64_t{2} * kLanczosLobes * div_up(in, out) + 1;
}

// libjpeg's coefficient arrays (jdcoefct.c): per component, blocks rounded
// up to its sampling factors, 64 JCOEFs each.
uint64_t coefficient_bytes(const Probe& p) {
  uint32_t hmax = 1, vmax = 1;
  for (uint8_t i = 0; i < p.components; ++i) {
    hmax = std::max<uint32_t>(hmax, p.h_samp[i]);
    vmax = std::max<uint32_t>(vmax, p.v_samp[i]);
  }
  uint64_t total = 0;
  for (uint8_t i = 0; i < p.components; ++i) {
    uint64_t wb = div_up(uint64_t{p.width} * p.h_samp[i], uint64_t{8} * hmax);
    uint64_t hb = div_up(uint64_t{p.height} * p.v_samp[i], uint64_t{8} * vmax);
    total += div_up(wb, p.h_samp[i]) * p.h_samp[i] * div_up(hb, p.v_samp[i]) * p.v_samp[i] * 128;
  }
  return total;
}

// Peak heap of fit(), from the buffer sizes of each stage. The libjpeg and
// libpng terms are upper bounds checked against the heap meter by the tests
// (unit_image fit_peak_heap_within_plan) on every corpus kind.
uint64_t memory_need(const Plan& pl) {
  const Probe& p = pl.source;
  uint64_t dw = pl.decoded_width + 64;
  uint64_t ow = pl.resized_width + 16;
  uint64_t total = 0;
  if (p.format == Format::kJpeg) {
    // 64 KB source buffer; libjpeg's tables and per-component row groups
    // (up to 3 groups of 16 rows for context upsampling, 2 bytes a sample
    // for the row pointers and spare rows).
    total += (64u << 10) + (160u << 10) + dw * p.components * 48;
  } else {
    // libpng: two rows of up to 16-bit samples, zlib's window and state.
    total += (64u << 10) + (96u << 10) + uint64_t{p.width} * 8 * 2;
  }
  total += pl.whole_image_bytes + pl.decode_ahead_bytes;
  total += dw * 4 + uint64_t{pl.crop.width} * 3;  // decoded row, YCbCr row
  if (pl.resample) {
    uint64_t th = taps(pl.crop.width, pl.resized_width);
    uint64_t tv = taps(pl.crop.height, pl.resized_height);
    total += ow * th * 2 + ow * 8 + (pl.resized_height + 16) * (tv * 2 + 8);  // weights
    total += tv * ow * 3 * 2 + ow * 3 * 4;                                    // ring, sums
    total += uint64_t{pl.crop.width} * 16 + ow * th * 4;                      // wide row, floats
  }
  // Encoder: 64 KB destination buffer, tables, the prep/main row groups.
  total += (64u << 10) + (128u << 10) + uint64_t{pl.out_width + 16} * 3 * 48 + ow * 3;
  total += pl.frame_bytes + (pl.frame_bytes ? uint64_t{pl.resized_width + pl.out_width} * 3 : 0);
  return total;
}

Status check_options(const FitOptions& o) {
  if (o.quality < 1 || o.quality > 100) {
    return Status::error(Code::kInvalidArgument, "quality must be within 1..100 (got %d)",
                         o.quality);
  }
  if (o.min_quality < 1 || o.min_quality > o.quality) {
    return Status::error(Code::kInvalidArgument,
                         "min_quality must be within 1..quality %d (got %d)", o.quality,
                         o.min_quality);
  }
  if (o.max_long_side < 2 || o.max_bytes == 0) {
    return Status::error(Code::kInvalidArgument,
                         "max_long_side (%u) and max_bytes must be positive", o.max_long_side);
  }
  return Status::ok();
}

Status check_jpeg_kind(const Probe& p) {
  if (p.format != Format::kJpeg) return Status::ok();
  if (p.process == JpegProcess::kLossless || p.process == JpegProcess::kHierarchical) {
    return Status::error(Code::kUnimplemented,
                         "%s JPEG is not supported: save it as a baseline JPEG",
                         process_name(p.process));
  }
  if (p.precision != 8) {
    return Status::error(Code::kUnimplemented, "%u-bit JPEG is not supported (8-bit only)",
                         p.precision);
  }
  if (p.components == 2) {
    return Status::error(Code::kUnimplemented, "JPEG with 2 colour components is not supported");
  }
  return Status::ok();
}

// A DCT scale whose crop lands within 1/16 under the target needs no
// resample: the largest such scale wins (exact). Otherwise decode at the
// smallest power-of-two scale (1/8, 1/4, 1/2, 1) still at least the target and
// resample down to it: libjpeg-turbo has SIMD code for those IDCTs only
// (3/8 or 6/8 run its plain C), so the larger decode is as fast or faster
// (6000x4000: 4/8 in 92 ms against 99 ms at 3/8, djpeg), and the longer
// Lanczos shrink keeps more detail than the DCT's.
uint32_t choose_scale(const Probe& p, uint64_t long_s, uint64_t short_s, uint32_t max_side,
                      uint64_t target, bool& exact_out) {
  const uint32_t min_num = p.format == Format::kJpeg ? 1 : 8;
  uint32_t exact = 0, above = 8;
  for (uint32_t m = min_num; m <= 8; ++m) {
    uint64_t dl = div_up(long_s * m, 8), ds = div_up(short_s * m, 8);
    uint64_t cl = std::min(dl, kApiMaxRatio * ds);
    if (cl <= max_side && cl * 16 >= target * 15 && ds >= 2) exact = m;
    if ((m & (m - 1)) == 0 && cl >= target && ds >= 2 && m < above) above = m;
  }
  exact_out = exact != 0;
  return exact ? exact : above;
}

// The centred crop of the decoded picture and the size it is resized to.
void place_crop(Plan& pl, bool landscape, bool exact, uint64_t target) {
  const uint64_t dl = landscape ? pl.decoded_width : pl.decoded_height;
  const uint64_t ds = landscape ? pl.decoded_height : pl.decoded_width;
  uint32_t crop_l = 0, crop_s = 0, out_l = 0, out_s = 0;
  if (exact) {
    even_fit(dl, ds, crop_l, crop_s);
    out_l = crop_l;
    out_s = crop_s;
  } else {
    crop_l = static_cast<uint32_t>(std::min(dl, kApiMaxRatio * ds));
    crop_s = static_cast<uint32_t>(ds);
    uint64_t want_s = (target * crop_s + crop_l / 2) / crop_l;
    even_fit(target, std::max<uint64_t>(want_s, 2), out_l, out_s);
  }
  pl.crop.width = landscape ? crop_l : crop_s;
  pl.crop.height = landscape ? crop_s : crop_l;
  pl.crop.x = (pl.decoded_width - pl.crop.width) / 2;
  pl.crop.y = (pl.decoded_height - pl.crop.height) / 2;
  pl.resized_width = landscape ? out_l : out_s;
  pl.resized_height = landscape ? out_s : out_l;
  pl.resample = pl.resized_width != pl.crop.width || pl.resized_height != pl.crop.height;
}

// Sets the whole-image and total memory of pl; an error when the total is
// over the budget.
Status fit_memory(Plan& pl, const FitOptions& o) {
  const Probe& p = pl.source;
  const char* whole_kind = nullptr;
  if (p.needs_coefficient_buffer()) {
    pl.whole_image_bytes = coefficient_bytes(p);
    whole_kind = p.process == JpegProcess::kProgressive ? "progressive" : "multi-scan";
  } else if (p.format == Format::kPng && p.png_interlaced) {
    pl.whole_image_bytes = uint64_t{p.width} * p.height * 4;
    whole_kind = "interlaced";
  }
  pl.memory_bytes = memory_need(pl);
  if (pl.memory_bytes > o.memory_budget) {
    uint64_t mp10 = (uint64_t{p.width} * p.height + 50'000) / 100'000;
    return Status::error(Code::kResourceExhausted,
                         "%s%s%llu.%llu MP %s needs %u MB to decode, over the %u MB memory budget",
                         whole_kind ? whole_kind : "", whole_kind ? " " : "",
                         static_cast<unsigned long long>(mp10 / 10),
                         static_cast<unsigned long long>(mp10 % 10),
                         p.format == Format::kJpeg ? "JPEG" : "PNG", mib_up(pl.memory_bytes),
                         mib_up(o.memory_budget));
  }
  return Status::ok();
}

}  // namespace

Result<Plan> plan(const Probe& p, const FitOptions& o) {
  SPARK_TRY(check_options(o));
  SPARK_TRY(check_jpeg_kind(p));
  uint32_t max_side = std::min(o.max_long_side, kApiMaxSide);
  const bool landscape = p.width >= p.height;
  const uint64_t long_s = landscape ? p.width : p.height;
  const uint64_t short_s = landscape ? p.height : p.width;
  if (short_s < 2) {
    return Status::error(Code::kInvalidArgument, "picture is %ux%u: too small to send", p.width,
                         p.height);
  }
  if (long_s > kApiMaxRatio * short_s && o.aspect == AspectPolicy::kReject) {
    return Status::error(Code::kInvalidArgument,
                         "side ratio %.2f (%ux%u) is over the API's 3; allow cropping to send it",
                         static_cast<double>(long_s) / static_cast<double>(short_s), p.width,
                         p.height);
  }
  const uint64_t long_c = std::min(long_s, kApiMaxRatio * short_s);
  const uint64_t target = std::min<uint64_t>(max_side, long_c);

  Plan pl;
  pl.source = p;
  pl.quality = o.quality;
  pl.min_quality = o.min_quality;
  pl.max_bytes = std::min(o.max_bytes, kApiMaxBytes);
  pl.orientation = p.orientation >= 1 && p.orientation <= 8 ? p.orientation : 1;

  bool exact = false;
  pl.scale_num = choose_scale(p, long_s, short_s, max_side, target, exact);
  pl.decoded_width = static_cast<uint32_t>(div_up(uint64_t{p.width} * pl.scale_num, 8));
  pl.decoded_height = static_cast<uint32_t>(div_up(uint64_t{p.height} * pl.scale_num, 8));
  place_crop(pl, landscape, exact, target);
  const bool transpose = pl.orientation >= 5;
  pl.out_width = transpose ? pl.resized_height : pl.resized_width;
  pl.out_height = transpose ? pl.resized_width : pl.resized_height;
  if (pl.orientation >= 3) pl.frame_bytes = uint64_t{pl.out_width} * pl.out_height * 3 / 2;
  if (o.decode_thread && std::thread::hardware_concurrency() > 1) {
    pl.decode_ahead_bytes = uint64_t{detail::RowPrefetcher::kSlots} * pl.crop.width * 3;
  }
  SPARK_TRY(fit_memory(pl, o));
  return pl;
}

}  // namespace spark::image
