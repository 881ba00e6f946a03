// ui::JpegRows: a JPEG decoded row by row as RGB888 for Surface::draw_image,
// at the smallest libjpeg-turbo DCT scale (1/8 .. 8/8) that still gives at
// least as many pixels as the box it will be drawn into, so a 12 MP capture
// shown at 800x480 decodes at 1/4 or 1/8 size and is then area-averaged.
//
// libjpeg reports errors by longjmp: every call into it runs in one small
// frame (guarded() in jpeg_rows.cpp) that holds only POD locals between its
// setjmp and the call, and the source callback finishes its C++ work before
// it raises an error, so the jump never crosses a C++ destructor (the same
// fence as firmware/image/codec.h).
//
// A truncated file draws what was decoded and counts a warning (the rest
// grey, as libjpeg pads); corrupt data that libjpeg cannot recover from is
// kDataLoss naming libjpeg's message; a read error is the source's status;
// CMYK JPEGs are kUnimplemented; a progressive JPEG whose coefficients
// exceed max_memory is kResourceExhausted.
//
// Memory: a 16 KB input buffer, one RGB row of the scaled width, libjpeg's
// state (for baseline JPEGs a few rows of the scaled size; for progressive
// ones the whole coefficient buffer, capped by max_memory, default 16 MB).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/io.h"
#include "ui/surface.h"

namespace spark::ui {

struct JpegRowsState;

class JpegRows final : public ImageRows {
 public:
  static constexpr size_t kInputChunk = size_t{16} * 1024;

  JpegRows();
  ~JpegRows() override;
  JpegRows(const JpegRows&) = delete;
  JpegRows& operator=(const JpegRows&) = delete;

  // Reads the header and starts decoding for drawing into box (only its
  // size matters). src must outlive the decoding.
  Status start(ByteSource& src, const Rect& box, size_t max_memory = 16u << 20);

  uint32_t width() const override;   // scaled
  uint32_t height() const override;  // scaled
  Result<const uint8_t*> next_row() override;

  uint32_t source_width() const;
  uint32_t source_height() const;
  unsigned scale_num() const;  // of 8
  unsigned warnings() const;

 private:
  Status error(const char* what) const;
  std::unique_ptr<JpegRowsState> s_;
  std::vector<uint8_t> in_;
  std::vector<uint8_t> row_;
};

}  // namespace spark::ui
