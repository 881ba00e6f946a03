// Internal to image/: libjpeg-turbo and libpng behind C-style frames.
//
// libjpeg and libpng report errors by longjmp. Every call into them runs in
// one small frame (guarded() in codec.cpp) that holds only POD locals between
// its setjmp and the library call, and every callback (source, destination,
// error, warning) finishes its C++ work before it raises an error, so the
// jump never crosses a C++ destructor. Containers live in these classes,
// outside the frames.
//
// Memory: JpegReader: a 64 KB input buffer, libjpeg's state (see plan.cpp),
// one decoded row and one YCbCr row. PngReader: the same input buffer,
// libpng's state, one row (or the whole image when interlaced). JpegWriter:
// a 64 KB output buffer and libjpeg's compressor state.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/io.h"
#include "image/plan.h"
#include "image/resample.h"

namespace spark::image::detail {

constexpr size_t kIoChunk = size_t{64} * 1024;
constexpr size_t kWarningLen = 96;

// What a decoder recovered from: libjpeg's "Corrupt JPEG data ..." and
// "Premature end of JPEG file", libpng's warnings.
struct Warnings {
  unsigned count = 0;
  char first[kWarningLen] = {};
};

struct JpegDecoderState;
struct JpegEncoderState;
struct PngDecoderState;

// Decodes plan.crop of a JPEG at plan.scale_num/8 as rows of YCbCr.
class JpegReader final : public RowSource {
 public:
  JpegReader();
  ~JpegReader() override;
  JpegReader(const JpegReader&) = delete;
  JpegReader& operator=(const JpegReader&) = delete;

  // Reads the headers and positions at the crop's first row. kDataLoss for
  // corrupt data, kInvalidArgument when the file is not what plan expected.
  Status start(ByteSource& src, const Plan& plan);
  Result<const uint8_t*> next_row() override;
  const Warnings& warnings() const;

 private:
  Status error(const char* what) const;
  std::unique_ptr<JpegDecoderState> s_;
  std::vector<uint8_t> in_buf_;
  std::vector<uint8_t> row_;
  std::vector<uint8_t> ycc_;
  uint32_t offset_ = 0;  // crop.x minus where libjpeg's cropped row starts
  uint32_t width_ = 0;
  uint32_t rows_left_ = 0;
};

// Decodes plan.crop of a PNG as rows of YCbCr; alpha is composited on white.
class PngReader final : public RowSource {
 public:
  PngReader();
  ~PngReader() override;
  PngReader(const PngReader&) = delete;
  PngReader& operator=(const PngReader&) = delete;

  Status start(ByteSource& src, const Plan& plan);
  Result<const uint8_t*> next_row() override;
  const Warnings& warnings() const;

 private:
  Status error(const char* what) const;
  std::unique_ptr<PngDecoderState> s_;
  std::vector<uint8_t> in_buf_;
  std::vector<uint8_t> rows_;  // one row, or every row when interlaced
  std::vector<uint8_t> ycc_;
  uint32_t channels_ = 0;
  size_t stride_ = 0;
  uint32_t x0_ = 0;
  uint32_t width_ = 0;
  uint32_t next_y_ = 0;
  uint32_t end_y_ = 0;
  bool whole_ = false;
};

// Baseline 4:2:0 JPEG from YCbCr rows, streamed to a ByteSink.
class JpegWriter {
 public:
  JpegWriter();
  ~JpegWriter();
  JpegWriter(const JpegWriter&) = delete;
  JpegWriter& operator=(const JpegWriter&) = delete;

  Status start(ByteSink& sink, uint32_t width, uint32_t height, int quality);
  Status write_row(const uint8_t* ycc);
  Status finish();

 private:
  Status error(const char* what) const;
  std::unique_ptr<JpegEncoderState> s_;
  std::vector<uint8_t> out_buf_;
};

}  // namespace spark::image::detail
