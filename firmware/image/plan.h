// image::plan: from a Probe and the caller's limits to the exact geometry,
// encoding and memory of one fit() run. Pure arithmetic: no I/O, no heap.
//
// Geometry, in the order fit() applies it (all in stored, not displayed,
// orientation until the last step):
//   decode at scale_num/8 (libjpeg DCT scaling; PNG always 8/8)
//   -> crop (centre; a side ratio above 3 becomes exactly 3, odd sides lose
//      a pixel)
//   -> resample to resized_* (Lanczos-3, only when no DCT scale lands within
//      1/16 under the target long side)
//   -> EXIF orientation -> out_width x out_height (both even, ratio <= 3).
// The output is a baseline 4:2:0 YCbCr JPEG with a JFIF header and no other
// metadata: EXIF (GPS included), XMP, comments and ICC profiles are dropped,
// not converted. Pixels are taken as sRGB; CMYK/YCCK is converted with the
// naive (profile-less) formula.
#pragma once

#include <cstdint>

#include "image/probe.h"

namespace spark::image {

constexpr uint32_t kApiMaxSide = 4096;
constexpr uint64_t kApiMaxBytes = 5'000'000;  // "5 MB", read as the smaller MB
constexpr uint32_t kApiMaxRatio = 3;

enum class AspectPolicy : uint8_t { kCrop, kReject };

struct FitOptions {
  uint32_t max_long_side = 2048;  // clamped to kApiMaxSide
  AspectPolicy aspect = AspectPolicy::kCrop;
  int quality = 90;                // first JPEG quality tried (1..100)
  int min_quality = 60;            // quality steps down to this, not below
  uint64_t max_bytes = 4'500'000;  // clamped to kApiMaxBytes
  // Refuse inputs whose estimated peak heap in fit() would exceed this.
  uint64_t memory_budget = 64ull << 20;
  // Decode on a second thread, a few rows ahead of resample and encode,
  // when the device has more than one core.
  bool decode_thread = true;
};

struct Rect {
  uint32_t x = 0, y = 0, width = 0, height = 0;
};

struct Plan {
  Probe source;
  uint32_t scale_num = 8;      // DCT scaling: decode at scale_num/8
  uint32_t decoded_width = 0;  // image size after DCT scaling
  uint32_t decoded_height = 0;
  Rect crop;                   // in decoded pixels
  bool resample = false;       // false: crop size == resized size
  uint32_t resized_width = 0;  // before orientation
  uint32_t resized_height = 0;
  uint8_t orientation = 1;  // EXIF orientation applied
  uint32_t out_width = 0;   // final, upright
  uint32_t out_height = 0;
  int quality = 90;
  int min_quality = 60;
  uint64_t max_bytes = 0;
  // Orientations 3-8 flip rows top-to-bottom or transpose, so fit() holds
  // exactly one output frame, as 4:2:0 planes (out_width x out_height x 1.5
  // bytes).
  uint64_t frame_bytes = 0;
  // The decoder's whole-image buffer: libjpeg's coefficient buffer for a
  // progressive or multi-scan JPEG, or the de-interlaced rows of an
  // interlaced PNG. 0 for baseline JPEGs and plain PNGs.
  uint64_t whole_image_bytes = 0;
  // Decode thread (FitOptions::decode_thread on a multi-core device): its
  // ring of decoded rows; 0 when the decode runs in the caller's thread
  // (option off, or one core).
  uint64_t decode_ahead_bytes = 0;
  // Upper bound of fit()'s peak heap, all of the above included.
  uint64_t memory_bytes = 0;
};

// Errors:
// - kUnimplemented: a JPEG kind libjpeg-turbo 2.1 (8-bit) cannot decode:
//   lossless, hierarchical, 12-bit; a PNG colour type or depth libpng rejects;
// - kInvalidArgument: bad options (quality outside 1..100, min_quality above
//   quality, zero sizes); a side ratio above 3 with AspectPolicy::kReject;
//   a picture under 2 pixels on a side;
// - kResourceExhausted: the decode would need more than memory_budget
//   ("progressive 48 MP JPEG needs 150 MB to decode, over the 64 MB memory
//   budget").
Result<Plan> plan(const Probe& probe, const FitOptions& options = FitOptions());

}  // namespace spark::image
