// write_png_atomic: a hal::Frame saved as an 8-bit RGB PNG (libpng) so that
// a reader never sees a half-written file: the picture goes to
// "<path>.tmp<pid>" in the same directory, then is renamed over path. On
// any error the temporary file is removed and path is left as it was. No
// fsync: rename alone is atomic for readers, and a screen preview written on
// every frame need not survive a power cut (fsync cost 10-20 ms a frame).
//
// libpng reports errors by longjmp; the jump stays inside one function that
// holds no C++ objects (as in firmware/image/codec.cpp).
//
// Errors: kInvalidArgument (an empty frame or a short stride), kIo (open,
// write or rename failed, with the path and the OS's reason), kInternal
// (libpng refused, with its message).
//
// Memory: libpng's write state and zlib's deflate window (about 300 KB at
// the fast level used here); the frame's rows are written straight from the
// caller's buffer, no copy.
#pragma once

#include "core/status.h"
#include "hal/display.h"

namespace spark::platform {

Status write_png_atomic(const char* path, const hal::Frame& frame);

}  // namespace spark::platform
