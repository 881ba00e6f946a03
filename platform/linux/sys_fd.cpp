#include "platform/linux/sys_fd.h"

#include <fcntl.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace spark::platform {

Status errno_status(int err, const char* what) {
  switch (err) {
    case ENOENT:
      return Status::error(Code::kNotFound, "%s: does not exist", what);
    case EACCES:
    case EPERM:
      return Status::error(Code::kPermissionDenied,
                           "%s: permission denied (add the user to the gpio, input or video "
                           "group, or run as root)",
                           what);
    case EBUSY:
      return Status::error(Code::kUnavailable, "%s: in use by another program (busy)", what);
    case ENODEV:
    case ENXIO:
      return Status::error(Code::kUnavailable, "%s: device gone (unplugged?)", what);
    case ETIMEDOUT:
      return Status::error(Code::kDeadlineExceeded, "%s: timed out", what);
    default:
      return Status::error(Code::kIo, "%s: %s", what, std::strerror(err));
  }
}

Result<size_t> read_small_file(Sys& sys, const char* path, MutBytes buf) {
  if (buf.empty()) return Status::error(Code::kInternal, "read_small_file: no buffer");
  int fd = sys.open(path, O_RDONLY);
  if (fd < 0) return errno_status(errno, path);
  Fd guard(sys, fd);
  size_t got = 0;
  while (got + 1 < buf.size()) {
    ssize_t n = sys.read(fd, buf.data() + got, buf.size() - 1 - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, path);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  buf[got] = 0;
  return got;
}

Status write_small_file(Sys& sys, const char* path, const char* text) {
  int fd = sys.open(path, O_WRONLY);
  if (fd < 0) return errno_status(errno, path);
  Fd guard(sys, fd);
  size_t len = std::strlen(text);
  ssize_t n = sys.write(fd, text, len);
  if (n < 0) return errno_status(errno, path);
  if (static_cast<size_t>(n) != len) {
    return Status::error(Code::kIo, "%s: short write (%zd of %zu bytes)", path, n, len);
  }
  return Status::ok();
}

void copy_text(char* dst, size_t n, const char* src) {
  if (n == 0) return;
  size_t i = 0;
  for (; i + 1 < n && src[i] != 0; ++i) dst[i] = src[i];
  dst[i] = 0;
}

}  // namespace spark::platform

namespace spark::platform {

void format_text(char* dst, size_t n, const char* fmt, ...) {
  if (n == 0) return;
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(dst, n, fmt, ap);
  va_end(ap);
}

}  // namespace spark::platform
