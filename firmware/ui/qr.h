// ui::draw_qr: a QR code (libqrencode) drawn black on white with its quiet
// zone, as large as fits a square in box with whole-pixel modules, so a
// phone can read it off the screen.
//
// Errors: kInvalidArgument for empty text or more than kMaxQrText bytes;
// kOutOfRange when box cannot hold the code at one pixel a module;
// kResourceExhausted when libqrencode fails (out of memory).
//
// Memory: libqrencode's symbol (width^2 bytes) and its working buffers,
// freed before draw_qr() returns: 15 KB peak for 300 bytes of text at level
// M, measured (tests/unit/ui, qr_heap).
#pragma once

#include <string_view>

#include "ui/surface.h"

namespace spark::ui {

constexpr size_t kMaxQrText = 1000;

// Modules across (quiet zone included) of text's code; errors as draw_qr.
Result<int32_t> qr_modules(std::string_view text);

Status draw_qr(Surface& s, const Rect& box, std::string_view text, Rect* drawn = nullptr);

}  // namespace spark::ui
