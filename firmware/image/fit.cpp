#include "image/fit.h"

#include <cstring>
#include <optional>

#include "image/codec.h"
#include "image/resample.h"

namespace spark::image {
namespace {

constexpr int kQualityStep = 10;
static_assert(sizeof(FitResult::first_warning) == detail::kWarningLen, "warning text is copied whole");

// Counts what passes through and stops the encode once it is over the cap.
class CappedSink final : public ByteSink {
 public:
  CappedSink(ByteSink& inner, uint64_t cap) : inner_(inner), cap_(cap) {}
  Status write(ConstBytes data) override {
    count_ += data.size();
    if (count_ > cap_) {
      over_ = true;
      return Status::error(Code::kResourceExhausted, "JPEG is over %llu bytes",
                           static_cast<unsigned long long>(cap_));
    }
    return inner_.write(data);
  }
  bool over() const { return over_; }
  uint64_t count() const { return count_; }

 private:
  ByteSink& inner_;
  uint64_t cap_;
  uint64_t count_ = 0;
  bool over_ = false;
};

// The resized picture, row by row, in stored orientation.
class Resized {
 public:
  Resized(detail::RowSource& in, const Plan& p) : in_(in) {
    if (p.resample) rs_.emplace(p.crop.width, p.crop.height, p.resized_width, p.resized_height);
  }
  Result<const uint8_t*> next_row() { return rs_ ? rs_->next_row(in_) : in_.next_row(); }

 private:
  detail::RowSource& in_;
  std::optional<detail::Resampler> rs_;
};

void copy_px(uint8_t* dst, const uint8_t* src) {
  dst[0] = src[0];
  dst[1] = src[1];
  dst[2] = src[2];
}

// Encodes the resized rows upright. Orientations 1 and 2 stream; the others
// place each row into one output-sized frame first.
Status orient_and_encode(Resized& rows, const Plan& p, detail::JpegWriter& w) {
  const uint32_t rw = p.resized_width, rh = p.resized_height;
  if (p.orientation <= 2) {
    std::vector<uint8_t> mirror(p.orientation == 2 ? size_t{rw} * 3 : 0);
    for (uint32_t y = 0; y < rh; ++y) {
      SPARK_TRY_ASSIGN(const uint8_t* row, rows.next_row());
      if (p.orientation == 2) {
        for (uint32_t x = 0; x < rw; ++x) copy_px(&mirror[size_t{rw - 1 - x} * 3], row + size_t{x} * 3);
        row = mirror.data();
      }
      SPARK_TRY(w.write_row(row));
    }
    return Status::ok();
  }
  std::vector<uint8_t> frame(static_cast<size_t>(p.frame_bytes));
  const size_t stride = size_t{p.out_width} * 3;
  for (uint32_t y = 0; y < rh; ++y) {
    SPARK_TRY_ASSIGN(const uint8_t* row, rows.next_row());
    // Stored (x, y) lands on displayed (dx, dy), per EXIF orientation.
    switch (p.orientation) {
      case 3:  // rotated 180
        for (uint32_t x = 0; x < rw; ++x) copy_px(&frame[(rh - 1 - y) * stride + (rw - 1 - x) * 3], row + x * 3);
        break;
      case 4:  // mirrored top to bottom
        std::memcpy(&frame[(rh - 1 - y) * stride], row, stride);
        break;
      case 5:  // transposed
        for (uint32_t x = 0; x < rw; ++x) copy_px(&frame[x * stride + y * 3], row + x * 3);
        break;
      case 6:  // needs 90 degrees clockwise
        for (uint32_t x = 0; x < rw; ++x) copy_px(&frame[x * stride + (rh - 1 - y) * 3], row + x * 3);
        break;
      case 7:  // transversed
        for (uint32_t x = 0; x < rw; ++x) {
          copy_px(&frame[(rw - 1 - x) * stride + (rh - 1 - y) * 3], row + x * 3);
        }
        break;
      default:  // 8: needs 90 degrees counter-clockwise
        for (uint32_t x = 0; x < rw; ++x) copy_px(&frame[(rw - 1 - x) * stride + y * 3], row + x * 3);
        break;
    }
  }
  for (uint32_t y = 0; y < p.out_height; ++y) SPARK_TRY(w.write_row(&frame[y * stride]));
  return Status::ok();
}

Status fit_pass(ByteSource& src, const Plan& p, int quality, ByteSink& out, FitResult& r) {
  detail::JpegReader jpeg;
  detail::PngReader png;
  detail::RowSource* in = &jpeg;
  if (p.source.format == Format::kJpeg) {
    SPARK_TRY(jpeg.start(src, p));
  } else {
    SPARK_TRY(png.start(src, p));
    in = &png;
  }
  Resized rows(*in, p);
  detail::JpegWriter w;
  SPARK_TRY(w.start(out, p.out_width, p.out_height, quality));
  SPARK_TRY(orient_and_encode(rows, p, w));
  SPARK_TRY(w.finish());
  const detail::Warnings& warn = p.source.format == Format::kJpeg ? jpeg.warnings() : png.warnings();
  r.warnings = warn.count;
  r.damaged = warn.count > 0;
  std::memcpy(r.first_warning, warn.first, sizeof(r.first_warning));
  return Status::ok();
}

}  // namespace

Result<FitResult> fit(RewindableSource& src, const Plan& plan, ResettableSink& out) {
  FitResult r;
  r.width = plan.out_width;
  r.height = plan.out_height;
  int quality = plan.quality;
  for (;;) {
    SPARK_TRY(src.rewind());
    SPARK_TRY(out.reset());
    CappedSink capped(out, plan.max_bytes);
    ++r.passes;
    Status s = fit_pass(src, plan, quality, capped, r);
    if (s.is_ok()) {
      r.quality = quality;
      r.bytes = capped.count();
      return r;
    }
    if (!capped.over()) return s;
    if (quality == plan.min_quality) {
      return Status::error(Code::kResourceExhausted,
                           "even at quality %d the %ux%u JPEG is over %llu bytes", quality,
                           plan.out_width, plan.out_height,
                           static_cast<unsigned long long>(plan.max_bytes));
    }
    quality = quality - kQualityStep < plan.min_quality ? plan.min_quality : quality - kQualityStep;
  }
}

Result<FitResult> prepare(RewindableSource& src, const FitOptions& options, ResettableSink& out,
                          Plan* plan_out) {
  SPARK_TRY(src.rewind());
  SPARK_TRY_ASSIGN(Probe pr, probe(src));
  SPARK_TRY_ASSIGN(Plan pl, plan(pr, options));
  if (plan_out) *plan_out = pl;
  return fit(src, pl, out);
}

}  // namespace spark::image
