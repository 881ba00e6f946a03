// image::exif_orientation alone on an arbitrary TIFF block: always 1..8, and
// image::probe finds the same orientation when the block is wrapped in a
// JPEG APP1 "Exif" segment or a PNG eXIf chunk (the two ways a photo
// carries it), so the probe's copying of the block loses and adds nothing.
#include <cstdlib>
#include <vector>

#include "image/probe.h"

using namespace spark;

namespace {

void put16(std::vector<uint8_t>& v, size_t n) {
  v.push_back(static_cast<uint8_t>(n >> 8));
  v.push_back(static_cast<uint8_t>(n));
}
void put32(std::vector<uint8_t>& v, size_t n) {
  put16(v, n >> 16);
  put16(v, n & 0xFFFF);
}

// SOI, APP1 Exif, a 1x1 baseline frame header and a scan header.
std::vector<uint8_t> jpeg_with(const uint8_t* tiff, size_t n) {
  std::vector<uint8_t> j = {0xFF, 0xD8, 0xFF, 0xE1};
  put16(j, n + 8);
  j.insert(j.end(), {'E', 'x', 'i', 'f', 0, 0});
  j.insert(j.end(), tiff, tiff + n);
  j.insert(j.end(), {0xFF, 0xC0, 0, 11, 8, 0, 1, 0, 1, 1, 1, 0x11, 0, 0xFF, 0xDA, 0, 8, 1});
  return j;
}

// Signature, a 1x1 RGB IHDR, eXIf, IDAT (CRCs are not checked by probe).
std::vector<uint8_t> png_with(const uint8_t* tiff, size_t n) {
  std::vector<uint8_t> p = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0,
                            13,   'I', 'H', 'D', 'R',  0,    0,    0,    1, 0, 0,
                            0,    1,   8,   2,   0,    0,    0,    0,    0, 0, 0};
  put32(p, n);
  p.insert(p.end(), {'e', 'X', 'I', 'f'});
  p.insert(p.end(), tiff, tiff + n);
  p.insert(p.end(), {0, 0, 0, 0, 0, 0, 0, 0, 'I', 'D', 'A', 'T'});
  return p;
}

uint8_t probed(const std::vector<uint8_t>& file) {
  MemorySource src(ConstBytes(file.data(), file.size()));
  auto p = image::probe(src);
  if (!p || !p->exif) std::abort();  // a well-formed wrapper always probes
  return p->orientation;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const uint8_t o = image::exif_orientation(ConstBytes(data, size));
  if (o < 1 || o > 8) std::abort();
  if (size == 0 || size > 65535 - 8) return 0;  // an APP1 segment's limit
  if (probed(jpeg_with(data, size)) != o) std::abort();
  if (probed(png_with(data, size)) != o) std::abort();
  return 0;
}
