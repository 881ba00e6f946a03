#include "image/resample.h"

#include <algorithm>
#include <cmath>

namespace spark::image::detail {
namespace {

constexpr double kLobes = 3.0;
constexpr int kWeightBits = 14;  // weights sum to 1 << 14
// Horizontal results keep 6 fractional bits in int16: a Lanczos overshoot of
// 255 * 1.3 * 64 still fits, and the vertical sum stays within int32.
constexpr int kMidShift = kWeightBits - 6;
constexpr int kOutShift = kWeightBits + 6;

double lanczos(double x) {
  x = std::fabs(x);
  if (x < 1e-9) return 1.0;
  if (x >= kLobes) return 0.0;
  const double pi = 3.14159265358979323846;
  double a = pi * x;
  return kLobes * std::sin(a) * std::sin(a / kLobes) / (a * a);
}

}  // namespace

Resampler::Axis Resampler::make_axis(uint32_t in, uint32_t out) {
  Axis axis;
  const double scale = static_cast<double>(in) / out;  // >= 1: shrinking
  const double stretch = std::max(scale, 1.0);
  const double support = kLobes * stretch;
  axis.taps = std::min<uint32_t>(in, 2 * static_cast<uint32_t>(std::ceil(support)) + 1);
  axis.start.resize(out);
  axis.weight.assign(size_t{out} * axis.taps, 0);
  std::vector<double> w(axis.taps);
  for (uint32_t j = 0; j < out; ++j) {
    // Output pixel j covers input [j * scale, (j + 1) * scale); its centre in
    // input pixel coordinates, where pixel i's centre is i + 0.5.
    const double centre = (j + 0.5) * scale;
    int64_t first = static_cast<int64_t>(std::floor(centre - support + 0.5));
    first = std::clamp<int64_t>(first, 0, int64_t{in} - axis.taps);
    axis.start[j] = static_cast<uint32_t>(first);
    // Taps outside the picture are dropped and the rest renormalised (as
    // ImageMagick does), so edges keep their brightness.
    double sum = 0;
    for (uint32_t t = 0; t < axis.taps; ++t) {
      w[t] = lanczos((static_cast<double>(first + t) + 0.5 - centre) / stretch);
      sum += w[t];
    }
    int16_t* q = &axis.weight[size_t{j} * axis.taps];
    int total = 0, peak = 0;
    for (uint32_t t = 0; t < axis.taps; ++t) {
      q[t] = static_cast<int16_t>(std::lround(w[t] / sum * (1 << kWeightBits)));
      total += q[t];
      if (q[t] > q[peak]) peak = static_cast<int>(t);
    }
    // Rounding leftovers go to the largest tap so every row sums exactly.
    q[peak] = static_cast<int16_t>(q[peak] + ((1 << kWeightBits) - total));
  }
  return axis;
}

Resampler::Resampler(uint32_t in_w, uint32_t in_h, uint32_t out_w, uint32_t out_h)
    : in_w_(in_w), out_w_(out_w), h_(make_axis(in_w, out_w)), v_(make_axis(in_h, out_h)) {
  wide_.resize(in_w);
  h_weight_.resize(h_.weight.size());
  for (size_t i = 0; i < h_.weight.size(); ++i) {
    h_weight_[i] = static_cast<float>(h_.weight[i]) / static_cast<float>(1 << kMidShift);
  }
  std::vector<int16_t>().swap(h_.weight);  // the floats replace them
  ring_.resize(size_t{v_.taps} * out_w * 3);
  sums_.resize(size_t{out_w} * 3);
  out_.resize(size_t{out_w} * 3);
}

void Resampler::horizontal(const uint8_t* in, int16_t* out) {
  // Widen once per input row, then each tap is one vector multiply-add for
  // all three samples of a pixel.
  Pixel* wide = wide_.data();
  for (uint32_t i = 0; i < in_w_; ++i, in += 3) {
    wide[i] =
        Pixel{static_cast<float>(in[0]), static_cast<float>(in[1]), static_cast<float>(in[2]), 0};
  }
  const uint32_t taps = h_.taps;
  // Truncation is floor for positive values: bias the sums above the most
  // negative Lanczos undershoot (-0.3 * 255 * 2^6), with 0.5 to round.
  constexpr float kBias = 32768.0f;
  for (uint32_t x = 0; x < out_w_; ++x, out += 3) {
    const Pixel* s = wide + h_.start[x];
    const float* w = &h_weight_[size_t{x} * taps];
    // Two accumulators halve the chain of dependent adds. The sums are
    // exact in float (integers times multiples of 2^-8, below 2^24), so
    // they equal the integer sums of the weights this axis was built with,
    // in any order.
    Pixel a0 = Pixel{kBias + 0.5f, kBias + 0.5f, kBias + 0.5f, 0};
    Pixel a1 = Pixel{0, 0, 0, 0};
    uint32_t t = 0;
    for (; t + 1 < taps; t += 2) {
      a0 += s[t] * w[t];
      a1 += s[t + 1] * w[t + 1];
    }
    if (t < taps) a0 += s[t] * w[t];
    const Lanes r = __builtin_convertvector(a0 + a1, Lanes);
    out[0] = static_cast<int16_t>(r[0] - static_cast<int32_t>(kBias));
    out[1] = static_cast<int16_t>(r[1] - static_cast<int32_t>(kBias));
    out[2] = static_cast<int16_t>(r[2] - static_cast<int32_t>(kBias));
  }
}

Result<const uint8_t*> Resampler::next_row(RowSource& in) {
  const size_t n = size_t{out_w_} * 3;
  const uint32_t taps = v_.taps;
  const uint32_t first = v_.start[rows_out_];
  while (rows_in_ < first + taps) {
    SPARK_TRY_ASSIGN(const uint8_t* row, in.next_row());
    horizontal(row, &ring_[size_t{rows_in_ % taps} * n]);
    ++rows_in_;
  }
  const int16_t* w = &v_.weight[size_t{rows_out_} * taps];
  int32_t* sums = sums_.data();
  std::fill(sums_.begin(), sums_.end(), 1 << (kOutShift - 1));
  for (uint32_t t = 0; t < taps; ++t) {
    // cppcheck-suppress cppcheckError ; cppcheck 2.10 fails on this line ("Cyclic reverse
    // analysis")
    const int16_t* r = &ring_[size_t{(first + t) % taps} * n];
    const int32_t wt = w[t];
    if (wt == 0) continue;
    for (size_t i = 0; i < n; ++i) sums[i] += r[i] * wt;
  }
  uint8_t* out = out_.data();
  for (size_t i = 0; i < n; ++i) {  // branch-free, so it vectorises
    int32_t v = sums[i] >> kOutShift;
    v = v < 0 ? 0 : v;
    out[i] = static_cast<uint8_t>(v > 255 ? 255 : v);
  }
  ++rows_out_;
  return static_cast<const uint8_t*>(out_.data());
}

}  // namespace spark::image::detail
