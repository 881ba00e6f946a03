#include "image/probe.h"

#include <cstring>
#include <vector>

namespace spark::image {
namespace {

// Buffered reader over a ByteSource; the probe reads bytes and short
// segments, so a small buffer saves a virtual call per byte.
class Reader {
 public:
  // cppcheck-suppress uninitMemberVar ; buf_: refill() fills it before a byte is read
  explicit Reader(ByteSource& src) : src_(src) {}

  // Fills out entirely or fails with kDataLoss naming `what`.
  Status read(uint8_t* out, size_t n, const char* what) {
    while (n > 0) {
      if (pos_ == len_) {
        SPARK_TRY(refill());
        if (len_ == 0) return Status::error(Code::kDataLoss, "file ends inside the %s", what);
      }
      size_t take = len_ - pos_ < n ? len_ - pos_ : n;
      std::memcpy(out, buf_ + pos_, take);
      pos_ += take;
      out += take;
      n -= take;
    }
    return Status::ok();
  }
  Result<uint8_t> byte(const char* what) {
    uint8_t b = 0;
    SPARK_TRY(read(&b, 1, what));
    return b;
  }
  Result<uint16_t> be16(const char* what) {
    uint8_t b[2];
    SPARK_TRY(read(b, 2, what));
    return static_cast<uint16_t>(b[0] << 8 | b[1]);
  }
  Result<uint32_t> be32(const char* what) {
    uint8_t b[4];
    SPARK_TRY(read(b, 4, what));
    return static_cast<uint32_t>(b[0]) << 24 | static_cast<uint32_t>(b[1]) << 16 |
           static_cast<uint32_t>(b[2]) << 8 | b[3];
  }
  Status skip(uint64_t n, const char* what) {
    while (n > 0) {
      if (pos_ == len_) {
        SPARK_TRY(refill());
        if (len_ == 0) return Status::error(Code::kDataLoss, "file ends inside the %s", what);
      }
      size_t avail = len_ - pos_;
      size_t take = n < avail ? static_cast<size_t>(n) : avail;
      pos_ += take;
      n -= take;
    }
    return Status::ok();
  }

 private:
  Status refill() {
    SPARK_TRY_ASSIGN(len_, src_.read(MutBytes(buf_, sizeof(buf_))));
    pos_ = 0;
    return Status::ok();
  }
  ByteSource& src_;
  uint8_t buf_[4096];
  size_t pos_ = 0;
  size_t len_ = 0;
};

constexpr size_t kMaxExif = 65535;

// Names what a file that is neither JPEG nor PNG probably is, from its
// first bytes, so the error tells the user what to convert.
const char* guess_kind(const uint8_t* b, size_t n) {
  auto starts = [&](const char* magic, size_t len) {
    return n >= len && std::memcmp(b, magic, len) == 0;
  };
  if (starts("GIF8", 4)) return "GIF";
  if (starts("BM", 2)) return "BMP";
  // NOLINTNEXTLINE(bugprone-string-literal-with-embedded-nul): magic bytes, length given
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return "TIFF";
  if (starts("RIFF", 4) && n >= 12 && std::memcmp(b + 8, "WEBP", 4) == 0) return "WebP";
  if (n >= 12 && std::memcmp(b + 4, "ftyp", 4) == 0) {
    if (std::memcmp(b + 8, "heic", 4) == 0 || std::memcmp(b + 8, "heix", 4) == 0 ||
        std::memcmp(b + 8, "mif1", 4) == 0) {
      return "HEIF/HEIC";
    }
    if (std::memcmp(b + 8, "avif", 4) == 0) return "AVIF";
    return "an ISO media file";
  }
  if (starts("%PDF", 4)) return "PDF";
  // NOLINTNEXTLINE(bugprone-string-literal-with-embedded-nul): magic bytes, length given
  if (starts("\xff\x4f\xff\x51", 4) || starts("\0\0\0\x0cjP", 6)) return "JPEG 2000";
  return nullptr;
}

uint16_t get16(const uint8_t* p, bool big) {
  return big ? static_cast<uint16_t>(p[0] << 8 | p[1]) : static_cast<uint16_t>(p[1] << 8 | p[0]);
}
uint32_t get32(const uint8_t* p, bool big) {
  return big ? static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
                   static_cast<uint32_t>(p[2]) << 8 | p[3]
             : static_cast<uint32_t>(p[3]) << 24 | static_cast<uint32_t>(p[2]) << 16 |
                   static_cast<uint32_t>(p[1]) << 8 | p[0];
}

Status read_sof(Reader& r, uint8_t marker, uint16_t len, Probe& p) {
  if (len < 8)
    return Status::error(Code::kInvalidArgument, "JPEG frame header too short (%u bytes)", len);
  uint8_t h[6];
  SPARK_TRY(r.read(h, 6, "JPEG frame header"));
  p.precision = h[0];
  p.height = static_cast<uint32_t>(h[1] << 8 | h[2]);
  p.width = static_cast<uint32_t>(h[3] << 8 | h[4]);
  p.components = h[5];
  if (p.components == 0 || p.components > 4) {
    return Status::error(Code::kInvalidArgument,
                         "JPEG has %u colour components (1, 3 or 4 expected)", p.components);
  }
  if (len != 8 + 3u * p.components) {
    return Status::error(Code::kInvalidArgument,
                         "JPEG frame header length %u does not match %u components", len,
                         p.components);
  }
  for (uint8_t i = 0; i < p.components; ++i) {
    uint8_t c[3];
    SPARK_TRY(r.read(c, 3, "JPEG frame header"));
    p.h_samp[i] = static_cast<uint8_t>(c[1] >> 4);
    p.v_samp[i] = static_cast<uint8_t>(c[1] & 15);
    if (p.h_samp[i] < 1 || p.h_samp[i] > 4 || p.v_samp[i] < 1 || p.v_samp[i] > 4) {
      return Status::error(Code::kInvalidArgument,
                           "JPEG component %u has sampling %ux%u (1..4 allowed)", i + 1,
                           p.h_samp[i], p.v_samp[i]);
    }
  }
  if (p.width == 0 || p.height == 0) {
    return Status::error(
        Code::kInvalidArgument,
        "JPEG has size %ux%u (a height set later by a DNL marker is not supported)", p.width,
        p.height);
  }
  switch (marker) {
    case 0xC0:
      p.process = JpegProcess::kBaseline;
      break;
    case 0xC1:
      p.process = JpegProcess::kExtended;
      break;
    case 0xC2:
      p.process = JpegProcess::kProgressive;
      break;
    case 0xC3:
      p.process = JpegProcess::kLossless;
      break;
    case 0xC9:
      p.process = JpegProcess::kExtended;
      p.arithmetic = true;
      break;
    case 0xCA:
      p.process = JpegProcess::kProgressive;
      p.arithmetic = true;
      break;
    case 0xCB:
      p.process = JpegProcess::kLossless;
      p.arithmetic = true;
      break;
    default:
      p.process = JpegProcess::kHierarchical;
      p.arithmetic = marker > 0xCC;
      break;
  }
  return Status::ok();
}

// APPn payloads that matter: JFIF, Exif, ICC_PROFILE, Adobe. `len` is the
// payload length (after the 2 length bytes); all of it is consumed.
Status read_app(Reader& r, uint8_t marker, uint16_t len, Probe& p) {
  uint8_t head[14] = {};
  size_t n = len < sizeof(head) ? len : sizeof(head);
  SPARK_TRY(r.read(head, n, "JPEG APP segment"));
  size_t rest = len - n;
  if (marker == 0xE0 && n >= 5 && std::memcmp(head, "JFIF\0", 5) == 0) p.jfif = true;
  if (marker == 0xE2 && n >= 12 && std::memcmp(head, "ICC_PROFILE\0", 12) == 0) p.icc = true;
  if (marker == 0xEE && n >= 12 && std::memcmp(head, "Adobe", 5) == 0) {
    p.adobe = true;
    p.adobe_transform = head[11] == 0   ? AdobeTransform::kNone
                        : head[11] == 1 ? AdobeTransform::kYCbCr
                        : head[11] == 2 ? AdobeTransform::kYCCK
                                        : AdobeTransform::kUnknown;
  }
  if (marker == 0xE1 && !p.exif && n >= 6 && std::memcmp(head, "Exif\0\0", 6) == 0) {
    p.exif = true;
    if (len == 6) return Status::ok();  // an empty TIFF block: upright
    // The TIFF block: what is left of head after "Exif\0\0", then the rest.
    std::vector<uint8_t> tiff(len - 6);
    std::memcpy(tiff.data(), head + 6, n - 6);
    SPARK_TRY(r.read(tiff.data() + (n - 6), rest, "EXIF segment"));
    p.orientation = exif_orientation(ConstBytes(tiff.data(), tiff.size()));
    return Status::ok();
  }
  return r.skip(rest, "JPEG APP segment");
}

Result<Probe> probe_jpeg(Reader& r) {
  Probe p;
  p.format = Format::kJpeg;
  bool have_sof = false;
  for (;;) {
    // Markers are 0xFF then a code; any number of 0xFF fill bytes may precede
    // the code. Garbage between segments is skipped like libjpeg does.
    SPARK_TRY_ASSIGN(uint8_t b, r.byte("JPEG markers"));
    if (b != 0xFF) continue;
    uint8_t m = 0xFF;
    while (m == 0xFF) {
      SPARK_TRY_ASSIGN(m, r.byte("JPEG markers"));
    }
    if (m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8)) continue;  // no length
    if (m == 0xD9) {
      return Status::error(Code::kDataLoss, "JPEG ends (EOI) before any %s",
                           have_sof ? "image data" : "frame header");
    }
    SPARK_TRY_ASSIGN(uint16_t seg, r.be16("JPEG segment length"));
    if (seg < 2)
      return Status::error(Code::kInvalidArgument, "JPEG segment length %u is below 2", seg);
    uint16_t len = static_cast<uint16_t>(seg - 2);
    bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (have_sof) return Status::error(Code::kInvalidArgument, "JPEG has two frame headers");
      SPARK_TRY(read_sof(r, m, seg, p));
      have_sof = true;
    } else if (m == 0xDA) {
      if (!have_sof)
        return Status::error(Code::kInvalidArgument, "JPEG scan starts before its frame header");
      SPARK_TRY_ASSIGN(p.first_scan_components, r.byte("JPEG scan header"));
      return p;
    } else if (m >= 0xE0 && m <= 0xEF) {
      SPARK_TRY(read_app(r, m, len, p));
    } else {
      SPARK_TRY(r.skip(len, "JPEG segment"));
    }
  }
}

Result<Probe> probe_png(Reader& r) {
  Probe p;
  p.format = Format::kPng;
  SPARK_TRY_ASSIGN(uint32_t len, r.be32("PNG header"));
  uint8_t type[4];
  SPARK_TRY(r.read(type, 4, "PNG header"));
  if (len != 13 || std::memcmp(type, "IHDR", 4) != 0) {
    return Status::error(Code::kInvalidArgument, "PNG does not start with a 13-byte IHDR chunk");
  }
  uint8_t h[13];
  SPARK_TRY(r.read(h, 13, "PNG header"));
  p.width = get32(h, true);
  p.height = get32(h + 4, true);
  p.precision = h[8];
  p.png_color_type = h[9];
  p.png_interlaced = h[12] == 1;
  static const uint8_t kChannels[7] = {1, 0, 3, 1, 2, 0, 4};
  if (p.png_color_type > 6 || kChannels[p.png_color_type] == 0) {
    return Status::error(Code::kInvalidArgument, "PNG colour type %u is not valid",
                         p.png_color_type);
  }
  p.components = kChannels[p.png_color_type];
  if (p.width == 0 || p.height == 0 || p.width > 0x7fffffffu || p.height > 0x7fffffffu) {
    return Status::error(Code::kInvalidArgument, "PNG has size %ux%u", p.width, p.height);
  }
  SPARK_TRY(r.skip(4, "PNG header"));  // IHDR CRC; libpng checks it when decoding
  // Ancillary chunks before the image data: iCCP and eXIf.
  for (;;) {
    SPARK_TRY_ASSIGN(len, r.be32("PNG chunk"));
    SPARK_TRY(r.read(type, 4, "PNG chunk"));
    if (std::memcmp(type, "IDAT", 4) == 0 || std::memcmp(type, "IEND", 4) == 0) return p;
    if (std::memcmp(type, "iCCP", 4) == 0) p.icc = true;
    if (std::memcmp(type, "eXIf", 4) == 0 && !p.exif && len <= kMaxExif) {
      p.exif = true;
      std::vector<uint8_t> tiff(len);
      SPARK_TRY(r.read(tiff.data(), len, "PNG eXIf chunk"));
      p.orientation = exif_orientation(ConstBytes(tiff.data(), tiff.size()));
      SPARK_TRY(r.skip(4, "PNG chunk"));
      continue;
    }
    SPARK_TRY(r.skip(static_cast<uint64_t>(len) + 4, "PNG chunk"));
  }
}

}  // namespace

uint8_t exif_orientation(ConstBytes t) {
  // TIFF header: byte order, 42, offset of IFD0. All arithmetic in 64 bits
  // so no offset can wrap.
  if (t.size() < 8) return 1;
  bool big;
  if (t[0] == 'M' && t[1] == 'M') {
    big = true;
  } else if (t[0] == 'I' && t[1] == 'I') {
    big = false;
  } else {
    return 1;
  }
  if (get16(t.data() + 2, big) != 42) return 1;
  uint64_t ifd = get32(t.data() + 4, big);
  if (ifd + 2 > t.size()) return 1;
  uint64_t count = get16(t.data() + ifd, big);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t e = ifd + 2 + 12 * i;
    if (e + 12 > t.size()) return 1;
    const uint8_t* entry = t.data() + e;
    // Tag 0x0112, type SHORT, count 1: the value sits in the entry itself.
    if (get16(entry, big) != 0x0112) continue;
    if (get16(entry + 2, big) != 3 || get32(entry + 4, big) != 1) return 1;
    uint16_t v = get16(entry + 8, big);
    return v >= 1 && v <= 8 ? static_cast<uint8_t>(v) : 1;
  }
  return 1;
}

const char* process_name(JpegProcess process) {
  switch (process) {
    case JpegProcess::kBaseline:
      return "baseline";
    case JpegProcess::kExtended:
      return "extended sequential";
    case JpegProcess::kProgressive:
      return "progressive";
    case JpegProcess::kLossless:
      return "lossless";
    case JpegProcess::kHierarchical:
      return "hierarchical";
  }
  return "?";
}

Result<Probe> probe(ByteSource& src) {
  Reader r(src);
  uint8_t sig[12] = {};
  SPARK_TRY(r.read(sig, 2, "first bytes (empty or 1-byte file)"));
  if (sig[0] == 0xFF && sig[1] == 0xD8) return probe_jpeg(r);
  // Up to 12 bytes: the PNG signature, or enough to name another format.
  size_t have = 2;
  while (have < sizeof(sig)) {
    auto b = r.byte("");
    if (!b) break;
    sig[have++] = *b;
    static const uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    if (have == 8 && std::memcmp(sig, kPng, 8) == 0) return probe_png(r);
  }
  const char* kind = guess_kind(sig, have);
  char hex[3 * 8 + 1] = {};
  size_t shown = have < 4 ? have : 4;
  for (size_t i = 0; i < shown; ++i) {
    static const char kHex[] = "0123456789abcdef";
    hex[3 * i] = kHex[sig[i] >> 4];
    hex[3 * i + 1] = kHex[sig[i] & 15];
    hex[3 * i + 2] = i + 1 < shown ? ' ' : '\0';
  }
  return Status::error(Code::kInvalidArgument, "not a JPEG or PNG: starts with bytes %s%s%s%s", hex,
                       kind ? " (looks like " : "", kind ? kind : "", kind ? ")" : "");
}

}  // namespace spark::image
