// image::fit on arbitrary small pictures: never a crash, leak or hang, and
// every success is a baseline JPEG of exactly the planned size.
#include <cstdlib>

#include "image/fit.h"

using namespace spark;

namespace {
// Keeps one iteration fast: libjpeg entropy-decodes every block of the
// source even when it scales, so the source size bounds the time.
constexpr uint64_t kMaxSourcePixels = 4'000'000;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  MemorySource src(ConstBytes(data, size));
  auto p = image::probe(src);
  if (!p || uint64_t{p->width} * p->height > kMaxSourcePixels) return 0;
  image::FitOptions opt;
  opt.max_long_side = 256;
  opt.memory_budget = 64ull << 20;
  auto pl = image::plan(*p, opt);
  if (!pl) return 0;
  GrowingSink out(image::kApiMaxBytes);
  auto r = image::fit(src, *pl, out);
  if (!r) return 0;
  MemorySource written(out.bytes());
  auto q = image::probe(written);
  if (!q || q->process != image::JpegProcess::kBaseline || q->width != pl->out_width ||
      q->height != pl->out_height || q->components != 3 || q->exif || q->icc) {
    std::abort();
  }
  return 0;
}
