// hal::Camera: one picture on request, as encoded bytes.
//
// The kiosk controller calls capture() when the edit button is pressed and
// shows the frame; spark-edit and sparkcam-probe write it to a file. A
// capture is self-contained: a driver may hold its device only for the
// length of one capture (the V4L2 camera opens, streams, stops and closes
// every time), so another program can use the camera in between and an
// unplugged camera is found again when it comes back.
//
// Ownership: the caller owns the sink; the camera writes the frame into it
// during the call and keeps no pointer to it afterwards. On success the sink
// has received exactly one whole picture (a JPEG starting with SOI and
// ending with EOI, or a PNG from a directory camera). On error the sink may
// have received part of a picture (a command camera streams its output):
// discard it (an AtomicFileSink that is not committed, GrowingSink::clear).
//
// Errors of capture(), the same words for every driver:
// - kNotFound: the camera (device, program, folder, picture) is not there;
// - kUnavailable: busy (another program has it), unplugged during the
//   capture, or the capture program failed (its exit status and the end of
//   its error output are in the message);
// - kPermissionDenied: the device or program may not be opened;
// - kDeadlineExceeded: no frame by the deadline;
// - kDataLoss: the frame is not a whole JPEG/PNG (truncated, empty, garbage);
// - kResourceExhausted: the frame is larger than the configured cap;
// - kFailedPrecondition: the device cannot give a JPEG (e.g. a YUYV-only
//   webcam; the message names the camera and its formats);
// - the sink's own error when the sink refuses the bytes;
// - kIo: any other operating-system error (the message says which call).
//
// Memory: interfaces only. Every driver states its own; none holds more than
// one frame, and the V4L2 driver holds none (it copies from the kernel's
// buffer straight into the sink).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/io.h"
#include "core/status.h"
#include "hal/clock.h"

namespace spark::hal {

struct Resolution {
  uint32_t width = 0;   // 0 x 0: not known (a folder of pictures, a command
  uint32_t height = 0;  // that has not run yet)
};

enum class CameraKind : uint8_t {
  kV4l2,       // a /dev/video* capture device (USB/UVC webcam)
  kCommand,    // an external program writing a JPEG to stdout (rpicam-still)
  kDirectory,  // pictures already in a folder (tests, desktop, photo frame)
};

enum class FrameFormat : uint8_t { kJpeg, kPng };

// What one capture produced.
struct Capture {
  uint64_t bytes = 0;  // bytes written to the sink
  FrameFormat format = FrameFormat::kJpeg;
  Resolution resolution;  // 0 x 0 when the driver does not know it
};

class Camera {
 public:
  virtual ~Camera() = default;
  // A name a person recognises, e.g. "HD Pro Webcam C920 (/dev/video0)",
  // "rpicam-still", "folder /srv/photos". Valid until the next capture()
  // (a V4L2 camera configured by name learns its path when it opens it).
  virtual std::string_view name() const = 0;
  virtual CameraKind kind() const = 0;
  // The frame size the next capture is expected to have (0 x 0: unknown).
  virtual Resolution resolution() const = 0;
  // Captures one picture into out, finished by the deadline. Errors above.
  virtual Result<Capture> capture(ByteSink& out, Deadline deadline) = 0;
};

inline const char* camera_kind_name(CameraKind kind) {
  switch (kind) {
    case CameraKind::kV4l2:
      return "v4l2";
    case CameraKind::kCommand:
      return "command";
    case CameraKind::kDirectory:
      return "directory";
  }
  return "?";
}

}  // namespace spark::hal
