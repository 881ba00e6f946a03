// hal::Entropy: a source of unpredictable bytes (seeds TLS's DRBG and the
// poll jitter). Memory: none.
#pragma once

#include "core/bytes.h"
#include "core/status.h"

namespace spark::hal {

class Entropy {
 public:
  virtual ~Entropy() = default;
  // Fills all of out, or fails (never returns predictable bytes).
  virtual Status fill(MutBytes out) = 0;
};

}  // namespace spark::hal
