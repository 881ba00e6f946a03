// PNG chunks after the signature: image::probe, then (for small pictures)
// image::fit through libpng. The input is a list of chunks without CRCs
// ([length 4][type 4][data]); the fuzzer writes each chunk's CRC itself so
// libpng gets past its CRC check to the chunk's contents (a final byte
// string that is not a whole chunk is appended raw). Never a crash, leak or
// hang; a probe reports the channels of its colour type and an orientation
// in 1..8; every fit is a baseline JPEG of the planned size without EXIF or
// ICC.
#include <cstdlib>
#include <vector>

#include "image/fit.h"

using namespace spark;

namespace {

uint32_t crc32(const uint8_t* p, size_t n, uint32_t crc = 0) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put32(std::vector<uint8_t>& v, uint32_t n) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<uint8_t>(n >> s));
}

constexpr uint64_t kMaxSourcePixels = 1'000'000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> file = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  size_t pos = 0;
  while (size - pos >= 8) {
    uint32_t len = uint32_t{data[pos]} << 24 | uint32_t{data[pos + 1]} << 16 |
                   uint32_t{data[pos + 2]} << 8 | data[pos + 3];
    if (len > size - pos - 8) break;
    file.insert(file.end(), data + pos, data + pos + 8 + len);
    put32(file, crc32(data + pos + 4, 4 + len));
    pos += 8 + len;
  }
  file.insert(file.end(), data + pos, data + size);

  MemorySource src(ConstBytes(file.data(), file.size()));
  auto p = image::probe(src);
  if (!p) return 0;
  static const uint8_t kChannels[7] = {1, 0, 3, 1, 2, 0, 4};
  if (p->format != image::Format::kPng || p->png_color_type > 6 ||
      p->components != kChannels[p->png_color_type] || p->orientation < 1 || p->orientation > 8) {
    std::abort();
  }
  if (uint64_t{p->width} * p->height > kMaxSourcePixels) return 0;
  image::FitOptions opt;
  opt.max_long_side = 64;
  opt.memory_budget = 64ull << 20;
  auto pl = image::plan(*p, opt);
  if (!pl) return 0;
  GrowingSink out(image::kApiMaxBytes);
  if (!image::fit(src, *pl, out)) return 0;
  MemorySource written(out.bytes());
  auto q = image::probe(written);
  if (!q || q->process != image::JpegProcess::kBaseline || q->width != pl->out_width ||
      q->height != pl->out_height || q->components != 3 || q->exif || q->icc) {
    std::abort();
  }
  return 0;
}
