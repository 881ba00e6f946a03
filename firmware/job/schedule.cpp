#include "job/schedule.h"

namespace spark::job {
namespace {
double clamp01(double r) {
  return r < 0 ? 0 : r >= 1 ? 0.999999 : r;
}
// v, or the server's Retry-After when longer, the latter cut to cap.
uint32_t at_least(uint32_t v, std::optional<uint32_t> floor, uint32_t cap) {
  if (!floor) return v;
  uint32_t f = *floor < cap ? *floor : cap;
  return f > v ? f : v;
}
}  // namespace

uint32_t poll_delay_ms(const PollPolicy& p, uint32_t poll, double random01,
                       std::optional<uint32_t> retry_after_ms) {
  double interval = p.first_delay_ms;
  for (uint32_t i = 0; i < poll && interval < p.max_interval_ms; ++i) {
    interval = interval * p.growth_percent / 100.0;
  }
  if (interval > p.max_interval_ms) interval = p.max_interval_ms;
  // Spread over [1 - j, 1 + j] so polls of many devices do not line up.
  double j = p.jitter_percent / 100.0;
  double factor = 1.0 - j + 2.0 * j * clamp01(random01);
  return at_least(static_cast<uint32_t>(interval * factor), retry_after_ms, p.max_retry_after_ms);
}

uint32_t backoff_delay_ms(const BackoffPolicy& p, uint32_t attempt, double random01,
                          std::optional<uint32_t> retry_after_ms) {
  uint64_t ceiling = p.base_ms;
  for (uint32_t i = 0; i < attempt && ceiling < p.cap_ms; ++i) ceiling *= 2;
  if (ceiling > p.cap_ms) ceiling = p.cap_ms;
  return at_least(static_cast<uint32_t>(static_cast<double>(ceiling) * clamp01(random01)),
                  retry_after_ms, p.cap_ms);
}

}  // namespace spark::job
