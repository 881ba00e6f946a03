// Internal to image/: a separable Lanczos-3 resampler for 3-channel 8-bit
// rows, fed one input row at a time (horizontal pass first, then a ring of
// horizontally resampled rows for the vertical pass).
//
// Memory: weights (out_w * taps_h * 4 + out_h * taps_v * 2 bytes; the
// horizontal ones are built as int16 and kept as float) plus starts, one
// input row widened to 4 float lanes a pixel (in_w * 16 bytes), a ring of
// taps_v rows of out_w * 3 int16, one row of out_w * 3 int32 sums and one
// output row; taps = 6 * ceil(in / out) + 1 per axis.
#pragma once

#include <cstdint>
#include <vector>

#include "core/status.h"

namespace spark::image::detail {

// Where the resampler pulls its input rows from.
class RowSource {
 public:
  virtual ~RowSource() = default;
  // The next row: width * 3 bytes, valid until the next call.
  virtual Result<const uint8_t*> next_row() = 0;
};

class Resampler {
 public:
  // Shrinks (or keeps) in_w x in_h to out_w x out_h; never enlarges.
  Resampler(uint32_t in_w, uint32_t in_h, uint32_t out_w, uint32_t out_h);
  // The next output row (out_w * 3 bytes), pulling input rows as needed.
  Result<const uint8_t*> next_row(RowSource& in);

 private:
  // Per output pixel: the first input index and `taps` 14-bit weights.
  struct Axis {
    uint32_t taps = 0;
    std::vector<uint32_t> start;
    std::vector<int16_t> weight;
  };
  static Axis make_axis(uint32_t in, uint32_t out);
  void horizontal(const uint8_t* in, int16_t* out);

  // One pixel's three samples (and a zero) as a vector: the horizontal
  // pass weighs whole pixels at once (SSE2 on x86-64, NEON on aarch64;
  // plain scalar code where the target has no vectors). Float, because
  // SSE2 has no 32-bit integer multiply.
  typedef float Pixel __attribute__((vector_size(16)));
  typedef int32_t Lanes __attribute__((vector_size(16)));

  uint32_t in_w_;
  uint32_t out_w_;
  Axis h_, v_;
  std::vector<Pixel> wide_;      // the input row being resampled, widened
  std::vector<float> h_weight_;  // h_'s weights as floats, scaled to 6 fraction bits
  std::vector<int16_t> ring_;    // v_.taps rows; input row r lives in slot r % taps
  std::vector<int32_t> sums_;
  std::vector<uint8_t> out_;
  uint32_t rows_in_ = 0;   // input rows taken so far
  uint32_t rows_out_ = 0;  // output rows made so far
};

}  // namespace spark::image::detail
