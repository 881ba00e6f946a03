#include "image/codec.h"

#include <csetjmp>
#include <cstring>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

namespace spark::image::detail {
namespace {

// libjpeg gives up on files with more scans than this: a hostile progressive
// file can make every scan rewrite the whole coefficient buffer.
constexpr int kMaxScans = 500;

// Shared by libjpeg and libpng states: where the frame's setjmp waits, the
// error text, and the warnings seen.
struct Guard {
  jmp_buf jump;
  // NOLINTNEXTLINE(bugprone-branch-clone): equal in this libjpeg (200), not in every build
  char message[JMSG_LENGTH_MAX > 200 ? JMSG_LENGTH_MAX : 200];
  Warnings warnings;
};

// The one C-style frame: runs op(arg) and reports false if it longjmp'd.
// Only POD locals live here and in each op.
bool guarded(Guard* g, void (*op)(void*), void* arg) {
  if (setjmp(g->jump)) return false;
  op(arg);
  return true;
}

// Bounded, always terminated copy of a library's message.
void copy_text(char* dst, size_t cap, const char* src) {
  size_t n = std::strlen(src);
  if (n >= cap) n = cap - 1;
  std::memcpy(dst, src, n);
  dst[n] = '\0';
}

void note_warning(Warnings& w, const char* text) {
  if (w.count++ == 0) copy_text(w.first, sizeof(w.first), text);
}

// YCbCr from RGB with JPEG's (JFIF) integer coefficients.
inline void rgb_to_ycc(uint32_t r, uint32_t g, uint32_t b, uint8_t* out) {
  out[0] = static_cast<uint8_t>((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);
  out[1] = static_cast<uint8_t>((8421376 + 32768 * b - 11059 * r - 21709 * g) >> 16);
  out[2] = static_cast<uint8_t>((8421376 + 32768 * r - 27439 * g - 5329 * b) >> 16);
}

Status read_into(ByteSource& src, uint8_t* buf, size_t cap, size_t& got) {
  SPARK_TRY_ASSIGN(got, src.read(MutBytes(buf, cap)));
  return Status::ok();
}

}  // namespace

// ---------------------------------------------------------------- decoding

struct JpegDecoderState {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr err;
  jpeg_source_mgr src;
  jpeg_progress_mgr progress;
  Guard guard;
  ByteSource* source;
  uint8_t* buf;
  Status io_status;
  bool created;
  // Arguments and results of the ops run under guarded().
  JDIMENSION xoffset, xwidth, skip;
  uint8_t* row;
  JDIMENSION rows_read;
};

namespace {

JpegDecoderState* dstate(j_common_ptr c) {
  return static_cast<JpegDecoderState*>(c->client_data);
}
Guard* guard_of(j_common_ptr c) {
  return &static_cast<JpegDecoderState*>(c->client_data)->guard;
}

void jpeg_on_error(j_common_ptr c) {
  Guard* g = guard_of(c);
  (*c->err->format_message)(c, g->message);
  longjmp(g->jump, 1);
}
void jpeg_on_message(j_common_ptr c, int level) {
  if (level >= 0) return;  // trace output
  char text[JMSG_LENGTH_MAX];
  (*c->err->format_message)(c, text);
  note_warning(guard_of(c)->warnings, text);
}
void jpeg_fail(j_common_ptr c, const char* text) {
  Guard* g = guard_of(c);
  copy_text(g->message, sizeof(g->message), text);
  longjmp(g->jump, 1);
}

void src_init(j_decompress_ptr) {}
boolean src_fill(j_decompress_ptr c) {
  JpegDecoderState* s = dstate(reinterpret_cast<j_common_ptr>(c));
  size_t got = 0;
  Status st = read_into(*s->source, s->buf, kIoChunk, got);
  if (!st.is_ok()) {
    s->io_status = st;
    jpeg_fail(reinterpret_cast<j_common_ptr>(c), "read error");
  }
  if (got == 0) {
    // Truncated: warn and end the data with a fake EOI, as libjpeg's own
    // source managers do, so the rows decoded so far are kept (flagged).
    WARNMS(c, JWRN_JPEG_EOF);
    s->buf[0] = 0xFF;
    s->buf[1] = JPEG_EOI;
    got = 2;
  }
  c->src->next_input_byte = s->buf;
  c->src->bytes_in_buffer = got;
  return TRUE;
}
void src_skip(j_decompress_ptr c, long n) {
  while (n > static_cast<long>(c->src->bytes_in_buffer)) {
    n -= static_cast<long>(c->src->bytes_in_buffer);
    src_fill(c);
  }
  if (n > 0) {
    c->src->next_input_byte += n;
    c->src->bytes_in_buffer -= static_cast<size_t>(n);
  }
}
void src_term(j_decompress_ptr) {}

void on_progress(j_common_ptr c) {
  if (dstate(c)->cinfo.input_scan_number > kMaxScans) jpeg_fail(c, "JPEG has more than 500 scans");
}

}  // namespace

JpegReader::JpegReader() : s_(std::make_unique<JpegDecoderState>()) {}

JpegReader::~JpegReader() {
  if (s_->created) jpeg_destroy_decompress(&s_->cinfo);
}

const Warnings& JpegReader::warnings() const {
  return s_->guard.warnings;
}

Status JpegReader::error(const char* what) const {
  if (!s_->io_status.is_ok()) return s_->io_status.with_context("reading the JPEG");
  return Status::error(Code::kDataLoss, "JPEG %s failed: %s", what, s_->guard.message);
}

Status JpegReader::start(ByteSource& source, const Plan& plan) {
  JpegDecoderState* s = s_.get();
  in_buf_.resize(kIoChunk);
  s->source = &source;
  s->buf = in_buf_.data();
  s->cinfo.err = jpeg_std_error(&s->err);
  s->err.error_exit = jpeg_on_error;
  s->err.emit_message = jpeg_on_message;
  s->cinfo.client_data = s;  // kept by jpeg_create_decompress
  if (!guarded(
          &s->guard,
          [](void* a) {
            auto* st = static_cast<JpegDecoderState*>(a);
            jpeg_create_decompress(&st->cinfo);
            st->created = true;
          },
          s)) {
    return error("setup");
  }
  s->src.init_source = src_init;
  s->src.fill_input_buffer = src_fill;
  s->src.skip_input_data = src_skip;
  s->src.resync_to_restart = jpeg_resync_to_restart;
  s->src.term_source = src_term;
  s->cinfo.src = &s->src;
  s->progress.progress_monitor = on_progress;
  s->cinfo.progress = &s->progress;
  // Only the coefficient buffer the plan counted (plus slack for libjpeg's
  // own tables): a file that grew since probe() fails instead of allocating.
  uint64_t cap = plan.whole_image_bytes + (8u << 20);
  s->cinfo.mem->max_memory_to_use = cap > 0x7fffffff ? 0x7fffffffL : static_cast<long>(cap);

  if (!guarded(
          &s->guard,
          [](void* a) { jpeg_read_header(&static_cast<JpegDecoderState*>(a)->cinfo, TRUE); }, s)) {
    return error("header");
  }
  jpeg_decompress_struct& c = s->cinfo;
  if (c.image_width != plan.source.width || c.image_height != plan.source.height ||
      c.num_components != plan.source.components) {
    return Status::error(Code::kInvalidArgument,
                         "JPEG is %ux%u with %d components, not the %ux%u probed (file changed?)",
                         c.image_width, c.image_height, c.num_components, plan.source.width,
                         plan.source.height);
  }
  switch (c.jpeg_color_space) {
    case JCS_YCbCr:
    case JCS_GRAYSCALE:
    case JCS_RGB:
      c.out_color_space = c.jpeg_color_space;
      break;
    case JCS_CMYK:
    case JCS_YCCK:
      c.out_color_space = JCS_CMYK;
      break;
    default:
      return Status::error(Code::kUnimplemented, "JPEG colour space %d is not supported",
                           static_cast<int>(c.jpeg_color_space));
  }
  c.scale_num = plan.scale_num;
  c.scale_denom = 8;
  // ISLOW measured as fast as IFAST on libjpeg-turbo's SIMD paths, and exact.
  c.dct_method = JDCT_ISLOW;
  // Shrinking anyway: the triangle filter of fancy upsampling buys nothing.
  c.do_fancy_upsampling = plan.scale_num < 8 ? FALSE : TRUE;
  if (!guarded(
          &s->guard,
          [](void* a) { jpeg_start_decompress(&static_cast<JpegDecoderState*>(a)->cinfo); }, s)) {
    return error("decode");
  }
  if (c.output_width != plan.decoded_width || c.output_height != plan.decoded_height) {
    return Status::error(Code::kInternal, "libjpeg scaled to %ux%u, the plan expected %ux%u",
                         c.output_width, c.output_height, plan.decoded_width, plan.decoded_height);
  }
  // Horizontal crop: libjpeg decodes only the iMCU columns that hold it.
  s->xoffset = plan.crop.x;
  s->xwidth = plan.crop.width;
  if (plan.crop.width < c.output_width) {
    if (!guarded(
            &s->guard,
            [](void* a) {
              auto* st = static_cast<JpegDecoderState*>(a);
              jpeg_crop_scanline(&st->cinfo, &st->xoffset, &st->xwidth);
            },
            s)) {
      return error("crop");
    }
  } else {
    s->xoffset = 0;
  }
  offset_ = plan.crop.x - s->xoffset;
  width_ = plan.crop.width;
  rows_left_ = plan.crop.height;
  s->skip = plan.crop.y;
  if (s->skip > 0 && !guarded(
                         &s->guard,
                         [](void* a) {
                           auto* st = static_cast<JpegDecoderState*>(a);
                           jpeg_skip_scanlines(&st->cinfo, st->skip);
                         },
                         s)) {
    return error("skip");
  }
  row_.resize(size_t{c.output_width} * static_cast<size_t>(c.output_components));
  if (c.out_color_space != JCS_YCbCr) ycc_.resize(size_t{width_} * 3);
  return Status::ok();
}

Result<const uint8_t*> JpegReader::next_row() {
  if (rows_left_ == 0)
    return Status::error(Code::kInternal, "JPEG reader asked for a row past the crop");
  JpegDecoderState* s = s_.get();
  s->row = row_.data();
  if (!guarded(
          &s->guard,
          [](void* a) {
            auto* st = static_cast<JpegDecoderState*>(a);
            JSAMPROW rows[1] = {st->row};
            st->rows_read = jpeg_read_scanlines(&st->cinfo, rows, 1);
          },
          s)) {
    return error("decode");
  }
  if (s->rows_read != 1) return Status::error(Code::kDataLoss, "JPEG decoder returned no row");
  --rows_left_;
  const jpeg_decompress_struct& c = s->cinfo;
  const uint8_t* in = row_.data() + size_t{offset_} * static_cast<size_t>(c.output_components);
  uint8_t* out = ycc_.data();
  switch (c.out_color_space) {
    case JCS_YCbCr:
      return in;
    case JCS_GRAYSCALE:
      for (uint32_t x = 0; x < width_; ++x, out += 3) {
        out[0] = in[x];
        out[1] = out[2] = 128;
      }
      break;
    case JCS_RGB:
      for (uint32_t x = 0; x < width_; ++x, in += 3, out += 3) rgb_to_ycc(in[0], in[1], in[2], out);
      break;
    default: {
      // Adobe's CMYK JPEGs (Photoshop, ImageMagick) store inverted values,
      // so there R = C * K / 255; plain CMYK has R = (255 - C)(255 - K) / 255.
      const bool inverted = c.saw_Adobe_marker;
      for (uint32_t x = 0; x < width_; ++x, in += 4, out += 3) {
        uint32_t cy = in[0], m = in[1], y = in[2], k = in[3];
        if (!inverted) {
          cy = 255 - cy;
          m = 255 - m;
          y = 255 - y;
          k = 255 - k;
        }
        rgb_to_ycc((cy * k + 127) / 255, (m * k + 127) / 255, (y * k + 127) / 255, out);
      }
      break;
    }
  }
  return static_cast<const uint8_t*>(ycc_.data());
}

// ---------------------------------------------------------------- PNG

struct PngDecoderState {
  png_structp png;
  png_infop info;
  Guard guard;
  ByteSource* source;
  uint8_t* buf;
  size_t buf_pos, buf_len;
  Status io_status;
  // Arguments and results of the ops run under guarded().
  int passes;
  uint32_t channels;
  uint8_t* row;
};

namespace {

PngDecoderState* pstate(png_structp png) {
  return static_cast<PngDecoderState*>(png_get_error_ptr(png));
}

void png_on_error(png_structp png, png_const_charp text) {
  Guard* g = &pstate(png)->guard;
  copy_text(g->message, sizeof(g->message), text);
  longjmp(g->jump, 1);
}
void png_on_warning(png_structp png, png_const_charp text) {
  note_warning(pstate(png)->guard.warnings, text);
}

void png_on_read(png_structp png, png_bytep out, size_t n) {
  PngDecoderState* s = pstate(png);
  while (n > 0) {
    if (s->buf_pos == s->buf_len) {
      size_t got = 0;
      Status st = read_into(*s->source, s->buf, kIoChunk, got);
      if (!st.is_ok()) {
        s->io_status = st;
        png_error(png, "read error");
      }
      if (got == 0) png_error(png, "file ends early (truncated PNG)");
      s->buf_pos = 0;
      s->buf_len = got;
    }
    size_t take = s->buf_len - s->buf_pos < n ? s->buf_len - s->buf_pos : n;
    std::memcpy(out, s->buf + s->buf_pos, take);
    s->buf_pos += take;
    out += take;
    n -= take;
  }
}

}  // namespace

PngReader::PngReader() : s_(std::make_unique<PngDecoderState>()) {}

PngReader::~PngReader() {
  if (s_->png) png_destroy_read_struct(&s_->png, s_->info ? &s_->info : nullptr, nullptr);
}

const Warnings& PngReader::warnings() const {
  return s_->guard.warnings;
}

Status PngReader::error(const char* what) const {
  if (!s_->io_status.is_ok()) return s_->io_status.with_context("reading the PNG");
  return Status::error(Code::kDataLoss, "PNG %s failed: %s", what, s_->guard.message);
}

Status PngReader::start(ByteSource& source, const Plan& plan) {
  PngDecoderState* s = s_.get();
  in_buf_.resize(kIoChunk);
  s->source = &source;
  s->buf = in_buf_.data();
  s->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, s, png_on_error, png_on_warning);
  if (!s->png) return Status::error(Code::kResourceExhausted, "PNG decoder: out of memory");
  s->info = png_create_info_struct(s->png);
  if (!s->info) return Status::error(Code::kResourceExhausted, "PNG decoder: out of memory");
  png_set_read_fn(s->png, s, png_on_read);
  if (!guarded(
          &s->guard,
          [](void* a) {
            auto* st = static_cast<PngDecoderState*>(a);
            png_read_info(st->png, st->info);
            // 8-bit RGB or RGBA whatever the file holds.
            png_set_expand(st->png);
            png_set_strip_16(st->png);
            png_set_gray_to_rgb(st->png);
            st->passes = png_set_interlace_handling(st->png);
            png_read_update_info(st->png, st->info);
            st->channels = png_get_channels(st->png, st->info);
          },
          s)) {
    return error("header");
  }
  uint32_t w = png_get_image_width(s->png, s->info), h = png_get_image_height(s->png, s->info);
  if (w != plan.source.width || h != plan.source.height) {
    return Status::error(Code::kInvalidArgument,
                         "PNG is %ux%u, not the %ux%u probed (file changed?)", w, h,
                         plan.source.width, plan.source.height);
  }
  if (s->channels != 3 && s->channels != 4) {
    return Status::error(Code::kInternal, "PNG decoder gave %u channels", s->channels);
  }
  channels_ = s->channels;
  x0_ = plan.crop.x;
  width_ = plan.crop.width;
  next_y_ = 0;
  end_y_ = plan.crop.y + plan.crop.height;
  const size_t stride = size_t{w} * channels_;
  stride_ = stride;
  whole_ = s->passes > 1;
  ycc_.resize(size_t{width_} * 3);
  if (whole_) {
    // Adam7 delivers every pass over the whole picture: de-interlace into
    // one buffer (the plan counted it as whole_image_bytes).
    rows_.resize(stride * h);
    for (int pass = 0; pass < s->passes; ++pass) {
      for (uint32_t y = 0; y < h; ++y) {
        s->row = rows_.data() + stride * y;
        if (!guarded(
                &s->guard,
                [](void* a) {
                  auto* st = static_cast<PngDecoderState*>(a);
                  png_read_row(st->png, st->row, nullptr);
                },
                s)) {
          return error("decode");
        }
      }
    }
  } else {
    rows_.resize(stride);
  }
  // Rows above the crop are decoded and dropped: PNG cannot seek.
  while (next_y_ < plan.crop.y) {
    SPARK_TRY(next_row());
  }
  return Status::ok();
}

Result<const uint8_t*> PngReader::next_row() {
  if (next_y_ >= end_y_)
    return Status::error(Code::kInternal, "PNG reader asked for a row past the crop");
  PngDecoderState* s = s_.get();
  const size_t stride = stride_;
  const uint8_t* in;
  if (whole_) {
    in = rows_.data() + stride * next_y_;
  } else {
    s->row = rows_.data();
    if (!guarded(
            &s->guard,
            [](void* a) {
              auto* st = static_cast<PngDecoderState*>(a);
              png_read_row(st->png, st->row, nullptr);
            },
            s)) {
      return error("decode");
    }
    in = rows_.data();
  }
  ++next_y_;
  in += size_t{x0_} * channels_;
  uint8_t* out = ycc_.data();
  if (channels_ == 3) {
    for (uint32_t x = 0; x < width_; ++x, in += 3, out += 3) rgb_to_ycc(in[0], in[1], in[2], out);
  } else {
    // Alpha composited on white: c' = c * a + 255 * (1 - a).
    for (uint32_t x = 0; x < width_; ++x, in += 4, out += 3) {
      uint32_t a = in[3], white = 255 * (255 - a) + 127;
      rgb_to_ycc((in[0] * a + white) / 255, (in[1] * a + white) / 255, (in[2] * a + white) / 255,
                 out);
    }
  }
  return static_cast<const uint8_t*>(ycc_.data());
}

// ---------------------------------------------------------------- encoding

struct JpegEncoderState {
  jpeg_compress_struct cinfo;
  jpeg_error_mgr err;
  jpeg_destination_mgr dst;
  Guard guard;
  ByteSink* sink;
  uint8_t* buf;
  Status io_status;
  bool created;
  int quality;
  const uint8_t* row;
};

namespace {

JpegEncoderState* estate(j_compress_ptr c) {
  return static_cast<JpegEncoderState*>(c->client_data);
}

void enc_on_error(j_common_ptr c) {
  Guard* g = &static_cast<JpegEncoderState*>(c->client_data)->guard;
  (*c->err->format_message)(c, g->message);
  longjmp(g->jump, 1);
}
void enc_on_message(j_common_ptr, int) {}

Status write_out(ByteSink& sink, const uint8_t* buf, size_t n) {
  return sink.write(ConstBytes(buf, n));
}

void flush_or_fail(j_compress_ptr c, size_t n) {
  JpegEncoderState* s = estate(c);
  Status st = write_out(*s->sink, s->buf, n);
  if (!st.is_ok()) {
    s->io_status = st;
    copy_text(s->guard.message, sizeof(s->guard.message), "write error");
    longjmp(s->guard.jump, 1);
  }
}
void dst_init(j_compress_ptr c) {
  c->dest->next_output_byte = estate(c)->buf;
  c->dest->free_in_buffer = kIoChunk;
}
boolean dst_empty(j_compress_ptr c) {
  flush_or_fail(c, kIoChunk);
  dst_init(c);
  return TRUE;
}
void dst_term(j_compress_ptr c) {
  flush_or_fail(c, kIoChunk - c->dest->free_in_buffer);
}

}  // namespace

JpegWriter::JpegWriter() : s_(std::make_unique<JpegEncoderState>()) {}

JpegWriter::~JpegWriter() {
  if (s_->created) jpeg_destroy_compress(&s_->cinfo);
}

Status JpegWriter::error(const char* what) const {
  if (!s_->io_status.is_ok()) return s_->io_status;
  return Status::error(Code::kInternal, "JPEG %s failed: %s", what, s_->guard.message);
}

Status JpegWriter::start(ByteSink& sink, uint32_t width, uint32_t height, int quality) {
  JpegEncoderState* s = s_.get();
  out_buf_.resize(kIoChunk);
  s->sink = &sink;
  s->buf = out_buf_.data();
  s->quality = quality;
  s->cinfo.err = jpeg_std_error(&s->err);
  s->err.error_exit = enc_on_error;
  s->err.emit_message = enc_on_message;
  s->cinfo.client_data = s;  // kept by jpeg_create_compress
  if (!guarded(
          &s->guard,
          [](void* a) {
            auto* st = static_cast<JpegEncoderState*>(a);
            jpeg_create_compress(&st->cinfo);
            st->created = true;
          },
          s)) {
    return error("setup");
  }
  s->dst.init_destination = dst_init;
  s->dst.empty_output_buffer = dst_empty;
  s->dst.term_destination = dst_term;
  s->cinfo.dest = &s->dst;
  s->cinfo.image_width = width;
  s->cinfo.image_height = height;
  s->cinfo.input_components = 3;
  s->cinfo.in_color_space = JCS_YCbCr;
  if (!guarded(
          &s->guard,
          [](void* a) {
            auto* st = static_cast<JpegEncoderState*>(a);
            j_compress_ptr c = &st->cinfo;
            // Defaults for YCbCr are baseline, 4:2:0 (2x2, 1x1, 1x1), Huffman
            // tables from the standard, JFIF header and nothing else.
            jpeg_set_defaults(c);
            jpeg_set_quality(c, st->quality, TRUE);
            c->dct_method = JDCT_ISLOW;
            c->optimize_coding = FALSE;
            jpeg_start_compress(c, TRUE);
          },
          s)) {
    return error("encoder setup");
  }
  return Status::ok();
}

Status JpegWriter::write_row(const uint8_t* ycc) {
  JpegEncoderState* s = s_.get();
  s->row = ycc;
  if (!guarded(
          &s->guard,
          [](void* a) {
            auto* st = static_cast<JpegEncoderState*>(a);
            JSAMPROW rows[1] = {const_cast<JSAMPROW>(st->row)};
            jpeg_write_scanlines(&st->cinfo, rows, 1);
          },
          s)) {
    return error("encode");
  }
  return Status::ok();
}

Status JpegWriter::finish() {
  if (!guarded(
          &s_->guard,
          [](void* a) { jpeg_finish_compress(&static_cast<JpegEncoderState*>(a)->cinfo); },
          s_.get())) {
    return error("encode");
  }
  return Status::ok();
}

}  // namespace spark::image::detail
