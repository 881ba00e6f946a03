#include "image/fit.h"

#include <cstring>
#include <optional>

#include "image/codec.h"
#include "image/prefetch.h"
#include "image/resample.h"

namespace spark::image {
namespace {

constexpr int kQualityStep = 10;
static_assert(sizeof(FitResult::first_warning) == detail::kWarningLen,
              "warning text is copied whole");

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

struct Pos {
  uint32_t x, y;
};

// Where stored pixel (x, y) of a w x h picture is displayed, per EXIF
// orientation.
Pos place(uint8_t orientation, uint32_t x, uint32_t y, uint32_t w, uint32_t h) {
  switch (orientation) {
    case 2:
      return {w - 1 - x, y};  // mirrored left to right
    case 3:
      return {w - 1 - x, h - 1 - y};  // rotated 180
    case 4:
      return {x, h - 1 - y};  // mirrored top to bottom
    case 5:
      return {y, x};  // transposed
    case 6:
      return {h - 1 - y, x};  // needs 90 degrees clockwise
    case 7:
      return {h - 1 - y, w - 1 - x};  // transversed
    case 8:
      return {y, w - 1 - x};  // needs 90 degrees counter-clockwise
    default:
      return {x, y};
  }
}

// Encodes the resized rows upright. Orientations 1 and 2 stream row by row.
// The others need the whole picture before the first output row: it is held
// as the encoder would subsample it anyway (4:2:0 planes: Y, then Cb and Cr
// averaged over 2x2), 1.5 bytes a pixel. Both sides are even, so each 2x2
// block of the stored picture lands on a 2x2 block of the output.
Status orient_and_encode(Resized& rows, const Plan& p, detail::JpegWriter& w) {
  const uint32_t rw = p.resized_width, rh = p.resized_height;
  const uint8_t o = p.orientation;
  if (o <= 2) {
    std::vector<uint8_t> mirror(o == 2 ? size_t{rw} * 3 : 0);
    for (uint32_t y = 0; y < rh; ++y) {
      SPARK_TRY_ASSIGN(const uint8_t* row, rows.next_row());
      if (o == 2) {
        for (uint32_t x = 0; x < rw; ++x)
          std::memcpy(&mirror[size_t{rw - 1 - x} * 3], row + size_t{x} * 3, 3);
        row = mirror.data();
      }
      SPARK_TRY(w.write_row(row));
    }
    return Status::ok();
  }
  const uint32_t ow = p.out_width, oh = p.out_height, cw = ow / 2;
  std::vector<uint8_t> frame(static_cast<size_t>(p.frame_bytes));
  uint8_t* luma = frame.data();
  uint8_t* cb = luma + size_t{ow} * oh;
  uint8_t* cr = cb + size_t{cw} * (oh / 2);
  std::vector<uint8_t> upper(size_t{rw} * 3);  // the even row of each pair
  for (uint32_t y = 0; y < rh; ++y) {
    SPARK_TRY_ASSIGN(const uint8_t* row, rows.next_row());
    for (uint32_t x = 0; x < rw; ++x) {
      Pos d = place(o, x, y, rw, rh);
      luma[size_t{d.y} * ow + d.x] = row[size_t{x} * 3];
    }
    if (y % 2 == 0) {
      std::memcpy(upper.data(), row, upper.size());
      continue;
    }
    for (uint32_t x = 0; x < rw; x += 2) {
      const uint8_t* a = &upper[size_t{x} * 3];
      const uint8_t* b = row + size_t{x} * 3;
      Pos d = place(o, x / 2, y / 2, rw / 2, rh / 2);
      size_t at = size_t{d.y} * cw + d.x;
      cb[at] = static_cast<uint8_t>((a[1] + a[4] + b[1] + b[4] + 2) >> 2);
      cr[at] = static_cast<uint8_t>((a[2] + a[5] + b[2] + b[5] + 2) >> 2);
    }
  }
  // Back to interleaved rows with each chroma sample doubled: the encoder's
  // 2x2 average of four equal samples gives that sample back exactly.
  std::vector<uint8_t> out(size_t{ow} * 3);
  for (uint32_t y = 0; y < oh; ++y) {
    const uint8_t* ly = luma + size_t{y} * ow;
    const size_t crow = size_t{y / 2} * cw;
    for (uint32_t x = 0; x < ow; ++x) {
      out[size_t{x} * 3] = ly[x];
      out[size_t{x} * 3 + 1] = cb[crow + x / 2];
      out[size_t{x} * 3 + 2] = cr[crow + x / 2];
    }
    SPARK_TRY(w.write_row(out.data()));
  }
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
  {
    // The decode runs ahead on a second core; one core decodes in turn.
    std::optional<detail::RowPrefetcher> ahead;
    if (p.decode_ahead_bytes > 0) {
      ahead.emplace(*in, size_t{p.crop.width} * 3, p.crop.height);
      if (ahead->start().is_ok()) {
        in = &*ahead;
      } else {
        ahead.reset();
      }
    }
    Resized rows(*in, p);
    detail::JpegWriter w;
    SPARK_TRY(w.start(out, p.out_width, p.out_height, quality));
    SPARK_TRY(orient_and_encode(rows, p, w));
    SPARK_TRY(w.finish());
  }  // the decode thread is joined here, before its reader's warnings are read
  const detail::Warnings& warn =
      p.source.format == Format::kJpeg ? jpeg.warnings() : png.warnings();
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
      return Status::error(
          Code::kResourceExhausted, "even at quality %d the %ux%u JPEG is over %llu bytes", quality,
          plan.out_width, plan.out_height, static_cast<unsigned long long>(plan.max_bytes));
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
