// Directory camera: a picture already in a folder, as if just captured.
//
// For tests, the desktop simulator and photo-frame use. Each capture()
// takes one *.jpg / *.jpeg / *.png (any case; hidden files skipped) from the
// folder: the newest by modification time (ties: the later name), or the
// next by name after the one taken last, wrapping round (round-robin). The
// file is checked (JPEG: SOI first, EOI last once zero padding is trimmed;
// PNG: signature and IEND last, so a file still being written is refused)
// and copied into the sink. A file, not a device: plain POSIX calls.
//
// Errors of capture(): kNotFound (no such folder, or no pictures in it),
// kPermissionDenied, kDataLoss (not a whole JPEG/PNG; the file is named),
// kResourceExhausted (larger than max_bytes), kDeadlineExceeded (checked
// between 64 KB chunks), the sink's error, kIo.
//
// Memory: the folder listing during capture() (one name per picture), a
// 64 KB read buffer on the heap during the copy, the last file's name.
#pragma once

#include <cstdint>
#include <string>

#include "hal/camera.h"

namespace spark::platform {

struct DirectoryConfig {
  std::string dir;
  enum class Pick : uint8_t { kNewest, kNext } pick = Pick::kNewest;
  uint64_t max_bytes = 64u << 20;
};

class DirectoryCamera final : public hal::Camera {
 public:
  // clock: the one deadlines are made with; it must outlive the camera.
  DirectoryCamera(hal::Clock& clock, DirectoryConfig config);

  std::string_view name() const override { return name_; }
  hal::CameraKind kind() const override { return hal::CameraKind::kDirectory; }
  hal::Resolution resolution() const override { return {}; }
  Result<hal::Capture> capture(ByteSink& out, hal::Deadline deadline) override;

  // The file the last successful capture copied (its name in the folder).
  const std::string& last_file() const { return last_; }

 private:
  hal::Clock& clock_;
  DirectoryConfig config_;
  std::string name_;
  std::string last_;
};

}  // namespace spark::platform
