// image::probe and image::plan on arbitrary bytes: no out-of-bounds read
// (ASan), and every plan that succeeds fits the API's limits.
#include <cstdlib>

#include "image/plan.h"
#include "image/probe.h"

using namespace spark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  image::exif_orientation(ConstBytes(data, size));
  MemorySource src(ConstBytes(data, size));
  auto p = image::probe(src);
  if (!p) return 0;
  if (p->orientation < 1 || p->orientation > 8) std::abort();
  auto pl = image::plan(*p);
  if (!pl) return 0;
  const uint32_t w = pl->out_width, h = pl->out_height;
  const uint32_t lo = w < h ? w : h, hi = w < h ? h : w;
  if (w % 2 || h % 2 || lo < 2 || hi > 2048 || hi > 3 * lo) std::abort();
  if (pl->crop.x + pl->crop.width > pl->decoded_width) std::abort();
  if (pl->crop.y + pl->crop.height > pl->decoded_height) std::abort();
  return 0;
}
