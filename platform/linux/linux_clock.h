// CLOCK_MONOTONIC clock and getrandom(2) entropy for Linux.
#pragma once

#include "hal/clock.h"
#include "hal/entropy.h"

namespace spark::platform {

class MonotonicClock final : public hal::Clock {
 public:
  uint64_t now_ms() override;
  void sleep_ms(uint32_t ms) override;
  uint64_t wall_time_s() override;
};

class GetrandomEntropy final : public hal::Entropy {
 public:
  Status fill(MutBytes out) override;
};

}  // namespace spark::platform
