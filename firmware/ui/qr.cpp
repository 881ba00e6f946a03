#include "ui/qr.h"

#include <qrencode.h>

#include <algorithm>

namespace spark::ui {

namespace {

Result<QRcode*> encode(std::string_view text) {
  if (text.empty() || text.size() > kMaxQrText) {
    return Status::error(Code::kInvalidArgument, "QR: text of %zu bytes (1..%zu)", text.size(),
                         kMaxQrText);
  }
  QRcode* code =
      QRcode_encodeData(static_cast<int>(text.size()),
                        reinterpret_cast<const unsigned char*>(text.data()), 0, QR_ECLEVEL_M);
  if (!code) {
    return Status::error(Code::kResourceExhausted, "QR: libqrencode could not encode %zu bytes",
                         text.size());
  }
  return code;
}

}  // namespace

Result<int32_t> qr_modules(std::string_view text) {
  Result<QRcode*> code = encode(text);
  if (!code.is_ok()) return code.status();
  const int32_t n = (*code)->width + 8;
  QRcode_free(*code);
  return n;
}

Status draw_qr(Surface& s, const Rect& box, std::string_view text, Rect* drawn) {
  Result<QRcode*> encoded = encode(text);
  if (!encoded.is_ok()) return encoded.status();
  QRcode* code = *encoded;
  const int32_t modules = code->width + 8;  // 4 modules of quiet zone each side
  const int32_t side = std::min(box.w, box.h);
  const int32_t m = side / modules;
  if (m < 1) {
    const int width = code->width;
    QRcode_free(code);
    return Status::error(Code::kOutOfRange, "QR: %d modules do not fit %d pixels", width + 8, side);
  }
  const int32_t size = m * modules;
  const Rect r{box.x + (box.w - size) / 2, box.y + (box.h - size) / 2, size, size};
  if (drawn) *drawn = r;
  const Color white{255, 255, 255}, black{0, 0, 0};
  s.fill_rect(r, white);
  for (int32_t y = 0; y < code->width; ++y) {
    for (int32_t x = 0; x < code->width; ++x) {
      if (code->data[y * code->width + x] & 1) {
        s.fill_rect({r.x + (x + 4) * m, r.y + (y + 4) * m, m, m}, black);
      }
    }
  }
  QRcode_free(code);
  return Status::ok();
}

}  // namespace spark::ui
