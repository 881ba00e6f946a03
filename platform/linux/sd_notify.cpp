#include "platform/linux/sd_notify.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/log.h"

namespace spark::platform {

SdNotify::SdNotify() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  size_t n = path ? std::strlen(path) : 0;
  if (n >= 2 && n < sizeof addr_.sun_path && (path[0] == '/' || path[0] == '@')) {
    addr_.sun_family = AF_UNIX;
    std::memcpy(addr_.sun_path, path, n);
    if (path[0] == '@') addr_.sun_path[0] = '\0';  // abstract: not NUL-terminated
    len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n + (path[0] == '/' ? 1 : 0));
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) len_ = 0;
  } else if (n) {
    SPARK_LOGW("notify", "NOTIFY_SOCKET '%s' is not a socket path: not notifying", path);
  }
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  if (len_ && usec) {
    char* end = nullptr;
    unsigned long long us = std::strtoull(usec, &end, 10);
    bool ours = !pid || std::strtoll(pid, nullptr, 10) == static_cast<long long>(::getpid());
    if (end != usec && *end == '\0' && us > 0 && ours) watchdog_ms_ = us / 2000 ? us / 2000 : 1;
  }
}

SdNotify::~SdNotify() {
  if (fd_ >= 0) ::close(fd_);
}

void SdNotify::notify(const char* assignment) {
  if (!len_) return;
  ssize_t r = ::sendto(fd_, assignment, std::strlen(assignment), MSG_NOSIGNAL,
                       reinterpret_cast<const sockaddr*>(&addr_), len_);
  if (r < 0 && !warned_) {
    warned_ = true;
    SPARK_LOGD("notify", "sending to NOTIFY_SOCKET failed: %s", std::strerror(errno));
  }
}

}  // namespace spark::platform
