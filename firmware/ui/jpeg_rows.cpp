#include "ui/jpeg_rows.h"

#include <csetjmp>
#include <cstdio>
#include <cstring>

// jpeglib.h needs FILE and size_t declared first.
#include <jerror.h>
#include <jpeglib.h>

namespace spark::ui {

struct JpegRowsState {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr err;
  jpeg_source_mgr src;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool created = false;
  bool started = false;
  unsigned warnings = 0;
  ByteSource* source = nullptr;
  uint8_t* buf = nullptr;
  Status io_status;
  uint8_t* row = nullptr;  // the op's argument and result
};

namespace {

// The one C-style frame: runs op(s) and reports false if libjpeg longjmp'd.
bool guarded(JpegRowsState* s, void (*op)(JpegRowsState*)) {
  if (setjmp(s->jump)) return false;
  op(s);
  return true;
}

JpegRowsState* state(j_common_ptr c) {
  return static_cast<JpegRowsState*>(c->client_data);
}

void on_error(j_common_ptr c) {
  (*c->err->format_message)(c, state(c)->message);
  longjmp(state(c)->jump, 1);
}
void on_message(j_common_ptr c, int level) {
  if (level < 0) ++state(c)->warnings;
}

void src_init(j_decompress_ptr) {}
boolean src_fill(j_decompress_ptr c) {
  JpegRowsState* s = state(reinterpret_cast<j_common_ptr>(c));
  size_t got = 0;
  {
    Result<size_t> n = s->source->read(MutBytes(s->buf, JpegRows::kInputChunk));
    if (n.is_ok())
      got = *n;
    else
      s->io_status = n.status();
  }  // no C++ object lives past here: the jump below crosses nothing
  if (!s->io_status.is_ok()) {
    std::snprintf(s->message, sizeof s->message, "read error");
    longjmp(s->jump, 1);
  }
  if (got == 0) {  // truncated: a fake end-of-image keeps the rows so far
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

}  // namespace

JpegRows::JpegRows() : s_(std::make_unique<JpegRowsState>()) {}

JpegRows::~JpegRows() {
  if (s_->created) jpeg_destroy_decompress(&s_->cinfo);
}

uint32_t JpegRows::width() const {
  return s_->started ? s_->cinfo.output_width : 0;
}
uint32_t JpegRows::height() const {
  return s_->started ? s_->cinfo.output_height : 0;
}
uint32_t JpegRows::source_width() const {
  return s_->started ? s_->cinfo.image_width : 0;
}
uint32_t JpegRows::source_height() const {
  return s_->started ? s_->cinfo.image_height : 0;
}
unsigned JpegRows::scale_num() const {
  return s_->started ? s_->cinfo.scale_num : 0;
}
unsigned JpegRows::warnings() const {
  return s_->warnings;
}

Status JpegRows::error(const char* what) const {
  if (!s_->io_status.is_ok()) return s_->io_status.with_context("reading the JPEG");
  // Over max_memory_to_use libjpeg asks for a backing store (none here) or
  // says it ran out.
  if (std::strstr(s_->message, "nsufficient memory") || std::strstr(s_->message, "Backing store")) {
    return Status::error(Code::kResourceExhausted, "JPEG %s: over the memory cap (%s)", what,
                         s_->message);
  }
  return Status::error(Code::kDataLoss, "JPEG %s failed: %s", what, s_->message);
}

Status JpegRows::start(ByteSource& source, const Rect& box, size_t max_memory) {
  JpegRowsState* s = s_.get();
  if (s->created) {
    return Status::error(Code::kFailedPrecondition, "JpegRows: start() called twice");
  }
  in_.resize(kInputChunk);
  s->source = &source;
  s->buf = in_.data();
  s->cinfo.err = jpeg_std_error(&s->err);
  s->err.error_exit = on_error;
  s->err.emit_message = on_message;
  s->cinfo.client_data = s;
  if (!guarded(s, [](JpegRowsState* st) {
        jpeg_create_decompress(&st->cinfo);
        st->created = true;
      })) {
    return error("setup");
  }
  s->src.init_source = src_init;
  s->src.fill_input_buffer = src_fill;
  s->src.skip_input_data = src_skip;
  s->src.resync_to_restart = jpeg_resync_to_restart;
  s->src.term_source = src_term;
  s->cinfo.src = &s->src;
  s->cinfo.mem->max_memory_to_use =
      max_memory > 0x7fffffff ? 0x7fffffffL : static_cast<long>(max_memory);
  if (!guarded(s, [](JpegRowsState* st) { jpeg_read_header(&st->cinfo, TRUE); })) {
    return error("header");
  }
  jpeg_decompress_struct& c = s->cinfo;
  if (c.jpeg_color_space == JCS_CMYK || c.jpeg_color_space == JCS_YCCK) {
    return Status::error(Code::kUnimplemented, "JPEG: CMYK pictures cannot be shown");
  }
  c.out_color_space = JCS_RGB;
  // The smallest scale whose output still covers the fitted size.
  const Rect fit = fit_rect(c.image_width, c.image_height, box);
  c.scale_denom = 8;
  c.scale_num = 8;
  for (unsigned n = 1; n <= 8; ++n) {
    const uint64_t w = (static_cast<uint64_t>(c.image_width) * n + 7) / 8;
    const uint64_t h = (static_cast<uint64_t>(c.image_height) * n + 7) / 8;
    if (w >= static_cast<uint64_t>(fit.w) && h >= static_cast<uint64_t>(fit.h)) {
      c.scale_num = n;
      break;
    }
  }
  c.dct_method = JDCT_ISLOW;
  if (!guarded(s, [](JpegRowsState* st) { jpeg_start_decompress(&st->cinfo); })) {
    return error("start");
  }
  row_.resize(static_cast<size_t>(c.output_width) * 3);
  s->started = true;
  return Status::ok();
}

Result<const uint8_t*> JpegRows::next_row() {
  JpegRowsState* s = s_.get();
  if (!s->started || s->cinfo.output_scanline >= s->cinfo.output_height) {
    return Status::error(Code::kOutOfRange, "JPEG: no more rows");
  }
  s->row = row_.data();
  if (!guarded(s, [](JpegRowsState* st) {
        JSAMPROW rows[1] = {st->row};
        jpeg_read_scanlines(&st->cinfo, rows, 1);
      })) {
    return error("decode");
  }
  return static_cast<const uint8_t*>(row_.data());
}

}  // namespace spark::ui
