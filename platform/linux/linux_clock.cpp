#include "platform/linux/linux_clock.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace spark::platform {

uint64_t MonotonicClock::now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1000000u;
}

void MonotonicClock::sleep_ms(uint32_t ms) {
  timespec ts{static_cast<time_t>(ms / 1000u), static_cast<long>(ms % 1000u) * 1000000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

uint64_t MonotonicClock::wall_time_s() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec > 0 ? static_cast<uint64_t>(ts.tv_sec) : 0;
}

Status GetrandomEntropy::fill(MutBytes out) {
  size_t got = 0;
  while (got < out.size()) {
    ssize_t n = getrandom(out.data() + got, out.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::error(Code::kIo, "getrandom failed: %s", std::strerror(errno));
    }
    got += static_cast<size_t>(n);
  }
  return Status::ok();
}

}  // namespace spark::platform
