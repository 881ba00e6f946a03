// What a V4L2 driver reports, decoded without a device: the frame-size
// list (VIDIOC_ENUM_FRAMESIZES entries, platform::FrameSizeChoice) and a
// dequeued buffer (platform::mjpeg_frame_length). Input: [max width 2]
// [max height 2][entry count 1] that many v4l2_frmsizeenum records, then
// [bytesused 4][length 2] and the buffer's bytes (an exact-size copy, so
// AddressSanitizer sees any read past the buffer's length).
// Checks: a chosen size is within the limit and at least as large as every
// discrete size within it the list gave before it ended; the smallest is no
// larger than any discrete size given; a size within the limit (and not
// empty: 0 x N is no size) is always found, and from discrete sizes alone
// only such a size; a frame is accepted only when bytesused fits the buffer, it starts
// with SOI, ends with EOI after only zero padding; a refusal is kDataLoss
// naming the camera.
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <vector>

#include "platform/linux/v4l2_camera.h"

using namespace spark;

namespace {

uint32_t le(const uint8_t* p, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint32_t{p[i]} << (8 * i);
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const uint32_t max_w = le(data, 2), max_h = le(data + 2, 2);
  const size_t count = data[4] % 65;  // the driver's list is read up to 64 entries
  size_t pos = 5;
  platform::FrameSizeChoice choice(max_w, max_h);
  uint64_t best_fit = 0, smallest = UINT64_MAX;
  bool fits = false, range = false;
  for (size_t i = 0; i < count && size - pos >= sizeof(v4l2_frmsizeenum); ++i) {
    v4l2_frmsizeenum fs;
    std::memcpy(&fs, data + pos, sizeof fs);
    pos += sizeof fs;
    const bool more = choice.add(fs);
    if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
      const uint64_t area = uint64_t{fs.discrete.width} * fs.discrete.height;
      if (area < smallest) smallest = area;
      if (area > 0 && fs.discrete.width <= max_w && fs.discrete.height <= max_h) {
        fits = true;
        if (area > best_fit) best_fit = area;
      }
    } else {
      // A range: its minimum counts like a discrete size; a larger step may
      // be found within the limit even when the minimum is empty.
      range = true;
      const uint64_t area = uint64_t{fs.stepwise.min_width} * fs.stepwise.min_height;
      if (area < smallest) smallest = area;
      if (area > 0 && fs.stepwise.min_width <= max_w && fs.stepwise.min_height <= max_h) {
        fits = true;
        if (area > best_fit) best_fit = area;
      }
    }
    if (more != (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE)) std::abort();
    if (!more) break;
  }
  if (fits && !choice.found()) std::abort();
  if (!range && choice.found() != fits) std::abort();
  if (choice.found()) {
    const hal::Resolution b = choice.best();
    if (b.width > max_w || b.height > max_h) std::abort();
    if (uint64_t{b.width} * b.height < best_fit) std::abort();
  }
  if (smallest != UINT64_MAX &&
      uint64_t{choice.smallest().width} * choice.smallest().height > smallest) {
    std::abort();
  }

  if (size - pos < 6) return 0;
  const uint32_t bytesused = le(data + pos, 4);
  size_t length = le(data + pos + 4, 2);
  pos += 6;
  if (length > size - pos) length = size - pos;
  std::vector<uint8_t> buffer(data + pos, data + pos + length);
  const char* kCamera = "Fuzz Cam (/dev/video9)";
  Result<size_t> n = platform::mjpeg_frame_length(buffer.data(), bytesused, length, kCamera);
  if (!n.is_ok()) {
    if (n.status().code() != Code::kDataLoss) std::abort();
    if (std::string_view(n.status().message()).find(kCamera) == std::string_view::npos) {
      std::abort();
    }
    return 0;
  }
  const size_t k = *n;
  if (bytesused > length || k > bytesused || k < 4) std::abort();
  if (buffer[0] != 0xFF || buffer[1] != 0xD8 || buffer[k - 2] != 0xFF || buffer[k - 1] != 0xD9) {
    std::abort();
  }
  for (size_t i = k; i < bytesused; ++i) {
    if (buffer[i] != 0) std::abort();
  }
  return 0;
}
