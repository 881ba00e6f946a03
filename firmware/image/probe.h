// image::probe: what a JPEG or PNG is, read from its markers alone.
//
// Reads the JPEG marker segments up to the first scan header (or the PNG
// chunks up to the first IDAT) and decodes no pixels. Hostile input is
// expected: every length and offset is checked before use, and an EXIF block
// whose offsets point outside it reads as orientation 1 (upright).
//
// Memory: a 4 KB read buffer and, while an EXIF (JPEG APP1, PNG eXIf)
// segment is parsed, one buffer of at most 64 KB. Both are freed on return.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/io.h"
#include "core/status.h"

namespace spark::image {

enum class Format : uint8_t { kJpeg, kPng };

// How the JPEG's entropy-coded data is organised (its SOF marker).
enum class JpegProcess : uint8_t {
  kBaseline,      // SOF0
  kExtended,      // SOF1: sequential, up to 12-bit, 4 Huffman tables
  kProgressive,   // SOF2
  kLossless,      // SOF3
  kHierarchical,  // SOF5-7, SOF13-15
};

// Adobe APP14 colour transform flag.
enum class AdobeTransform : uint8_t { kNone, kUnknown, kYCbCr, kYCCK };

struct Probe {
  Format format = Format::kJpeg;
  uint32_t width = 0;
  uint32_t height = 0;
  uint8_t precision = 8;   // bits per sample (PNG: bit depth)
  uint8_t components = 0;  // JPEG: components in the frame; PNG: channels
  // JPEG sampling factors per component (1..4), in frame order.
  uint8_t h_samp[4] = {};
  uint8_t v_samp[4] = {};
  JpegProcess process = JpegProcess::kBaseline;
  bool arithmetic = false;  // SOF9-11: arithmetic instead of Huffman coding
  // Components named by the first scan; fewer than `components` means the
  // file is multi-scan and libjpeg must buffer every coefficient, like a
  // progressive file.
  uint8_t first_scan_components = 0;
  bool adobe = false;
  AdobeTransform adobe_transform = AdobeTransform::kNone;
  bool jfif = false;
  bool exif = false;
  uint8_t orientation = 1;  // EXIF 1..8 (1 when absent or invalid)
  bool icc = false;
  // PNG only.
  uint8_t png_color_type = 0;
  bool png_interlaced = false;

  // The decoder must hold the whole image's DCT coefficients.
  bool needs_coefficient_buffer() const {
    return format == Format::kJpeg &&
           (process == JpegProcess::kProgressive || first_scan_components < components);
  }
  // 4 components: CMYK, or YCCK when the Adobe transform says so.
  bool is_cmyk() const { return format == Format::kJpeg && components == 4; }
};

// Reads markers from the current position of src (which must be the start of
// the file). Errors:
// - kInvalidArgument: not a JPEG or PNG ("not a JPEG or PNG: starts with
//   bytes 47 49 46 38 (looks like GIF)"), a zero or DNL-defined size, or an
//   impossible frame header (0 or more than 4 components, bad sampling);
//   kinds that are well formed but not decodable here (lossless, 12-bit)
//   probe fine and are refused by plan();
// - kDataLoss: the file ends or breaks before the frame header is complete;
// - any error of src.
Result<Probe> probe(ByteSource& src);

// EXIF orientation (1..8) from a TIFF block (the APP1 payload after
// "Exif\0\0", or a PNG eXIf chunk); 1 when absent, invalid or out of bounds.
uint8_t exif_orientation(ConstBytes tiff);

// "baseline", "progressive", ... for messages and the CLI.
const char* process_name(JpegProcess process);

}  // namespace spark::image
