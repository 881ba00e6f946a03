#include "platform/host/png_file.h"

#include <png.h>
#include <unistd.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>

#include "platform/linux/sys_fd.h"

namespace spark::platform {
namespace {

struct PngError {
  std::jmp_buf jump;
  char message[128];
};

[[noreturn]] void on_png_error(png_structp png, png_const_charp message) {
  auto* err = static_cast<PngError*>(png_get_error_ptr(png));
  copy_text(err->message, sizeof err->message, message);
  std::longjmp(err->jump, 1);
}

void on_png_warning(png_structp, png_const_charp) {}

// No C++ object with a destructor lives here: libpng longjmps out of it.
bool write_rows(std::FILE* file, const hal::Frame& frame, PngError& err) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_png_error, on_png_warning);
  if (png == nullptr) {
    copy_text(err.message, sizeof err.message, "out of memory");
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    copy_text(err.message, sizeof err.message, "out of memory");
    return false;
  }
  if (setjmp(err.jump) != 0) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_init_io(png, file);
  png_set_compression_level(png, 1);  // a preview written on every frame: speed first
  png_set_IHDR(png, info, frame.width, frame.height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (uint32_t y = 0; y < frame.height; ++y) png_write_row(png, frame.row(y));
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

Status write_png_atomic(const char* path, const hal::Frame& frame) {
  if (frame.pixels == nullptr || frame.width == 0 || frame.height == 0) {
    return Status::error(Code::kInvalidArgument, "%s: an empty frame has no picture", path);
  }
  if (frame.stride < size_t{frame.width} * 3) {
    return Status::error(Code::kInvalidArgument, "%s: frame stride %zu is short of %u * 3", path,
                         frame.stride, frame.width);
  }
  char tmp[4096];
  int n = std::snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, static_cast<long>(getpid()));
  if (n < 0 || static_cast<size_t>(n) >= sizeof tmp) {
    return Status::error(Code::kInvalidArgument, "screen picture path too long: %s", path);
  }
  std::FILE* file = std::fopen(tmp, "wb");
  if (file == nullptr) return errno_status(errno, tmp);
  PngError err{};
  bool ok = write_rows(file, frame, err);
  int saved = 0;
  if (ok && std::fflush(file) != 0) {
    ok = false;
    saved = errno;
  }
  if (std::fclose(file) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (ok && std::rename(tmp, path) != 0) {
    saved = errno;
    std::remove(tmp);
    return Status::error(Code::kIo, "%s: rename from %s failed: %s", path, tmp,
                         std::strerror(saved));
  }
  if (!ok) {
    std::remove(tmp);
    if (saved != 0) return errno_status(saved, tmp);
    return Status::error(Code::kInternal, "%s: libpng: %s", tmp, err.message);
  }
  return Status::ok();
}

}  // namespace spark::platform
