// TerminalDisplay: the headless simulator's hal::Display (no window system,
// or SDL could not open one). Every presented frame is
//  - written to a PNG file (screen.png by default) atomically, so an
//    image viewer or a test reading it never sees half a picture
//    (png_file.h), and
//  - previewed on out_fd: in colour (half_block.h, redrawn in place, a
//    status line under it) when out_fd is a terminal and NO_COLOR is not
//    set; otherwise one plain line per frame:
//      "screen: frame 3 800x480 -> screen.png"
//
// info() reports the configured size (what the UI draws) and rotation, as
// the device's display would; the PNG and the preview show the frame as
// drawn (the picture a viewer of the rotated panel sees).
//
// Errors of present(): kInvalidArgument (the frame is not info()'s size, or
// its stride is short), kIo (the PNG could not be written, or out_fd failed).
// A failed preview write to a closed terminal (EPIPE, EIO) is not an error:
// the PNG is the record.
//
// Memory (x86-64): ~200 bytes inline plus the preview text buffer, kept
// between frames (about 40 bytes per terminal cell: 77 KB at 80x24, 1.2 MB
// on a 300x100 terminal); no copy of the frame.
#pragma once

#include <cstdint>
#include <string>

#include "hal/display.h"

namespace spark::platform {

enum class PreviewMode : uint8_t { kAuto, kColour, kPlain, kNone };

struct TerminalDisplayConfig {
  uint32_t width = 800;  // as the UI draws (after rotation)
  uint32_t height = 480;
  hal::Rotation rotation = hal::Rotation::k0;
  const char* png_path = "screen.png";
  int out_fd = 1;
  // kAuto: kPlain when NO_COLOR is set (to anything) or out_fd is not a
  // terminal, else kColour.
  PreviewMode preview = PreviewMode::kAuto;
};

class TerminalDisplay final : public hal::Display {
 public:
  // Errors: kInvalidArgument (a zero size or an empty png_path).
  Status open(const TerminalDisplayConfig& config);

  hal::DisplayInfo info() const override { return info_; }
  Status present(const hal::Frame& frame) override;
  const char* describe() const override { return describe_; }
  PreviewMode mode() const { return mode_; }
  uint64_t frames() const { return frames_; }

 private:
  void write_out(const char* data, size_t len);

  TerminalDisplayConfig config_;
  hal::DisplayInfo info_;
  PreviewMode mode_ = PreviewMode::kNone;
  uint64_t frames_ = 0;
  bool out_failed_ = false;
  bool tty_ = false;
  std::string text_;
  char describe_[160] = "terminal display (not open)";
};

}  // namespace spark::platform
