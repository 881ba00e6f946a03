// V4L2 camera: a USB (UVC) webcam's MJPEG frames, through platform::Sys.
//
// Each capture() is one whole session: open the device, check it can
// capture, pick MJPEG and the largest frame size within the configured
// limit (discrete and stepwise size lists), S_FMT, REQBUFS (MMAP), QUERYBUF
// + mmap, QBUF, STREAMON, dequeue and requeue `warmup_frames` frames so auto
// exposure and white balance settle, dequeue one more frame by the
// deadline (poll), check it is a whole JPEG (SOI first; EOI last once the
// zero padding some cameras leave after it is trimmed) and copy it from
// the kernel's buffer into the sink. Then, on every path, success or not:
// STREAMOFF, munmap, REQBUFS 0, close. Between captures the camera is free
// for other programs, and a replugged camera is found again by its name.
//
// YUYV-only cameras: not converted. They fail with kFailedPrecondition
// naming the camera and the formats it offers (a USB webcam without MJPEG is
// rare, and raw YUYV at full size over USB 2 is too slow for a kiosk).
//
// Errors of capture() (hal/camera.h's words): kNotFound (no such device, no
// camera with that name, no MJPEG size within the limit), kUnavailable
// (EBUSY: another program streams from it; ENODEV: unplugged during the
// capture), kPermissionDenied (EACCES: add the user to group `video`),
// kFailedPrecondition (not a capture device, no MJPEG), kDeadlineExceeded,
// kDataLoss (truncated or empty JPEG, a bytesused beyond the buffer), kIo.
//
// Memory: no heap during capture (buffers are the kernel's mmap areas; the
// bytes go from them straight into the sink). The object holds its config
// and name (two short strings). list_v4l2_cameras() returns a vector of
// small records (a few hundred bytes a camera).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "hal/camera.h"
#include "platform/linux/sys.h"

namespace spark::platform {

struct V4l2Config {
  // A path (starts with '/': "/dev/video0", "/dev/v4l/by-id/...") or the
  // card name VIDIOC_QUERYCAP reports ("HD Pro Webcam C920"; an exact match
  // first, else the one card whose name contains it).
  std::string device = "/dev/video0";
  uint32_t max_width = 1920;  // the largest MJPEG size within these is used
  uint32_t max_height = 1080;
  uint32_t buffers = 3;        // mmap buffers requested (2..8)
  uint32_t warmup_frames = 5;  // frames dequeued and dropped before the one kept
};

class V4l2Camera final : public hal::Camera {
 public:
  // Keeps references to sys and clock; they must outlive the camera. Opens
  // nothing: the device is opened by each capture().
  V4l2Camera(Sys& sys, hal::Clock& clock, V4l2Config config);

  // "CARD (/dev/videoN)", or the card alone when the path is long (a
  // /dev/v4l/by-id link); the configured device until the first open.
  std::string_view name() const override { return name_; }
  hal::CameraKind kind() const override { return hal::CameraKind::kV4l2; }
  // The size the last capture negotiated (0 x 0 before the first one).
  hal::Resolution resolution() const override { return resolution_; }
  Result<hal::Capture> capture(ByteSink& out, hal::Deadline deadline) override;

  // Opens the device, checks it and picks the format and size without
  // streaming; sets name() and resolution(). Same errors as capture().
  Status probe();

 private:
  Sys& sys_;
  hal::Clock& clock_;
  V4l2Config config_;
  std::string name_;
  hal::Resolution resolution_;
};

// One /dev/video* node, as sparkcam-probe lists it.
struct V4l2DeviceInfo {
  std::string path;
  std::string card, driver, bus;
  bool capture = false;                      // a video capture node (UVC also makes metadata nodes)
  std::vector<std::string> formats;          // fourcc + description: "MJPG (Motion-JPEG)"
  std::vector<hal::Resolution> mjpeg_sizes;  // discrete sizes, or min and max of a range
  std::string error;                         // why it could not be queried ("" if it could)
};

// Every /dev/video* node in number order (video2 before video10). Empty
// when there are none.
std::vector<V4l2DeviceInfo> list_v4l2_cameras(Sys& sys, const char* dev_dir = "/dev");

// "MJPG" from a V4L2 fourcc.
std::string fourcc_text(uint32_t fourcc);

}  // namespace spark::platform
