// Pure timing rules for an edit: when to poll next, how long to back off
// after a transient fault. No clock, no randomness of their own: the caller
// passes the attempt number and a uniform random value in [0, 1), so tests
// are exact and production seeds the value from the DRBG.
// Memory: none.
#pragma once

#include <cstdint>
#include <optional>

namespace spark::job {

struct PollPolicy {
  uint32_t first_delay_ms = 2000;       // after the create reply
  uint32_t growth_percent = 150;        // each interval is 1.5x the last
  uint32_t max_interval_ms = 5000;      // cap on the interval
  uint32_t jitter_percent = 20;         // +-20%
  uint32_t deadline_ms = 600000;        // give up polling after 10 minutes
  uint32_t max_retry_after_ms = 30000;  // a Retry-After longer than this is cut to it
};

struct BackoffPolicy {
  uint32_t base_ms = 1000;
  uint32_t cap_ms = 30000;
  uint32_t max_attempts = 5;  // consecutive transient faults
};

// Delay before poll number `poll` (0 = the first poll after create).
// `random01` is uniform in [0, 1). retry_after_ms (from a 429/503 reply)
// wins when it is longer, up to p.max_retry_after_ms: a server's Retry-After
// is honoured, never without bound (999999 s would be 11 days).
uint32_t poll_delay_ms(const PollPolicy& p, uint32_t poll, double random01,
                       std::optional<uint32_t> retry_after_ms = std::nullopt);

// Full-jitter exponential backoff for retry number `attempt` (0-based):
// random01 * min(cap, base * 2^attempt); Retry-After wins when longer, up
// to p.cap_ms.
uint32_t backoff_delay_ms(const BackoffPolicy& p, uint32_t attempt, double random01,
                          std::optional<uint32_t> retry_after_ms = std::nullopt);

}  // namespace spark::job
