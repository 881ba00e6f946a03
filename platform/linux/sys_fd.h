// Small helpers the device drivers share: an fd owned through a Sys, the
// errno of a failed call turned into a Status a person can act on, and
// whole-file reads and writes for sysfs attributes.
//
// Memory: an Fd is two words; read_small_file reads into the caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/status.h"
#include "platform/linux/sys.h"

namespace spark::platform {

// Closes its fd through the Sys it came from, once, on every path.
class Fd {
 public:
  Fd() = default;
  Fd(Sys& sys, int fd) : sys_(&sys), fd_(fd) {}
  Fd(Fd&& o) noexcept : sys_(o.sys_), fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    if (this != &o) {
      reset();
      sys_ = o.sys_;
      fd_ = o.release();
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset() {
    if (fd_ >= 0 && sys_ != nullptr) sys_->close(fd_);
    fd_ = -1;
  }

 private:
  Sys* sys_ = nullptr;
  int fd_ = -1;
};

// what + ": " + a sentence for err: ENOENT -> kNotFound ("does not exist"),
// EACCES/EPERM -> kPermissionDenied (names the group to join), EBUSY ->
// kUnavailable ("in use by another program"), ENODEV/ENXIO -> kUnavailable
// ("device gone (unplugged?)"), ETIMEDOUT -> kDeadlineExceeded, else kIo.
Status errno_status(int err, const char* what);

// Reads up to buf.size() - 1 bytes of a small file (sysfs attribute) and
// NUL-terminates them; returns the length. Errors as errno_status.
Result<size_t> read_small_file(Sys& sys, const char* path, MutBytes buf);
// Writes text to an existing file (a sysfs attribute) in one write.
Status write_small_file(Sys& sys, const char* path, const char* text);

// Copies src into dst[n] NUL-terminated, truncating.
void copy_text(char* dst, size_t n, const char* src);
// snprintf for descriptions and paths where cutting a long name short is fine.
void format_text(char* dst, size_t n, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

}  // namespace spark::platform
