// hal::Display and hal::Frame: a screen that shows finished RGB pictures.
//
// The UI asks info() for the size, draws a whole picture into a Frame of
// exactly that size (RGB888, its own buffer), and hands it to present(),
// which converts it to the screen's pixel format, rotation and stride and
// shows it. The frame stays the caller's: present() reads it during the
// call and keeps nothing. info() reports the geometry as the UI sees it,
// i.e. already rotated (a 800x480 panel mounted at 90 degrees is 480x800).
//
// Errors of present(): kInvalidArgument (the frame is not info()'s size, or
// its stride is short), kUnavailable (the device went away), kIo.
//
// Memory: interfaces only; a Frame is a view (pointer, sizes), owns nothing.
// The caller's RGB888 frame is width * height * 3 bytes (info().frame_bytes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace spark::hal {

// A view of RGB888 pixels: byte 0 red, 1 green, 2 blue; rows top to bottom,
// stride bytes apart (stride >= width * 3, so a frame can be a window of a
// larger one).
struct Frame {
  uint8_t* pixels = nullptr;
  uint32_t width = 0;
  uint32_t height = 0;
  size_t stride = 0;

  uint8_t* row(uint32_t y) const { return pixels + static_cast<size_t>(y) * stride; }
  uint8_t* at(uint32_t x, uint32_t y) const { return row(y) + static_cast<size_t>(x) * 3; }
  size_t bytes() const { return static_cast<size_t>(height) * stride; }
};

enum class Rotation : uint16_t { k0 = 0, k90 = 90, k180 = 180, k270 = 270 };

struct DisplayInfo {
  uint32_t width = 0;  // what the UI draws, after rotation
  uint32_t height = 0;
  Rotation rotation = Rotation::k0;  // clockwise, of the picture on the panel
  uint32_t bits_per_pixel = 0;       // of the device (16, 24, 32)
  size_t device_stride = 0;          // bytes per device row (may exceed width)
  bool page_flip = false;            // presents without tearing (pans)
  // The RGB888 frame the UI needs: width * height * 3.
  size_t frame_bytes() const { return static_cast<size_t>(width) * height * 3; }
};

class Display {
 public:
  virtual ~Display() = default;
  virtual DisplayInfo info() const = 0;
  // Shows frame (info().width x info().height). Returns when the picture is
  // on its way to the screen; the frame may be reused at once.
  virtual Status present(const Frame& frame) = 0;
  virtual const char* describe() const = 0;
};

}  // namespace spark::hal
