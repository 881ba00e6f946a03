#include "platform/linux/sys.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spark::platform {
namespace {

class RealSys final : public Sys {
 public:
  int open(const char* path, int flags, mode_t mode) override {
    return ::open(path, flags | O_CLOEXEC, mode);
  }
  int close(int fd) override { return ::close(fd); }
  int ioctl(int fd, unsigned long request, void* arg) override {
    int r;
    do {
      r = ::ioctl(fd, request, arg);
    } while (r < 0 && errno == EINTR);
    return r;
  }
  ssize_t read(int fd, void* buf, size_t n) override { return ::read(fd, buf, n); }
  ssize_t write(int fd, const void* buf, size_t n) override { return ::write(fd, buf, n); }
  int poll(struct pollfd* fds, nfds_t n, int timeout_ms) override {
    return ::poll(fds, n, timeout_ms);
  }
  void* mmap(void* addr, size_t length, int prot, int flags, int fd, off_t offset) override {
    return ::mmap(addr, length, prot, flags, fd, offset);
  }
  int munmap(void* addr, size_t length) override { return ::munmap(addr, length); }
  int list_dir(const char* dir, DirFn fn, void* ctx) override {
    DIR* d = ::opendir(dir);
    if (d == nullptr) return -1;
    while (struct dirent* e = ::readdir(d)) {
      if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
      fn(ctx, e->d_name);
    }
    ::closedir(d);
    return 0;
  }
};

}  // namespace

Sys& real_sys() {
  static RealSys sys;
  return sys;
}

}  // namespace spark::platform
