#include <doctest/doctest.h>

#include <vector>

#include "hal/clock.h"
#include "job/schedule.h"

using namespace spark::job;

TEST_CASE("poll_schedule_starts_at_2s_grows_by_half_and_caps_at_5s") {
  PollPolicy p;
  // random01 = 0.5 is the middle of the jitter band: no jitter.
  CHECK(poll_delay_ms(p, 0, 0.5) == 2000);
  CHECK(poll_delay_ms(p, 1, 0.5) == 3000);
  CHECK(poll_delay_ms(p, 2, 0.5) == 4500);
  CHECK(poll_delay_ms(p, 3, 0.5) == 5000);
  CHECK(poll_delay_ms(p, 50, 0.5) == 5000);
}

TEST_CASE("poll_jitter_stays_within_twenty_percent") {
  PollPolicy p;
  CHECK(poll_delay_ms(p, 0, 0.0) == 1600);
  CHECK(poll_delay_ms(p, 0, 0.999999) >= 2399);
  CHECK(poll_delay_ms(p, 0, 0.999999) <= 2400);
  CHECK(poll_delay_ms(p, 9, 0.0) == 4000);
}

TEST_CASE("retry_after_wins_when_longer") {
  PollPolicy p;
  CHECK(poll_delay_ms(p, 0, 0.5, 7000) == 7000);
  CHECK(poll_delay_ms(p, 0, 0.5, 10) == 2000);
  BackoffPolicy b;
  CHECK(backoff_delay_ms(b, 0, 0.0, 3000) == 3000);
}

TEST_CASE("a_15_second_edit_needs_at_most_7_polls_with_any_jitter") {
  // Simulated clock: the task completes 15 s after create; count polls until
  // one lands at or after that, for the extremes and the middle of jitter.
  PollPolicy p;
  for (double r : {0.0, 0.5, 0.999}) {
    spark::hal::ManualClock clock;
    uint32_t polls = 0;
    while (true) {
      clock.sleep_ms(poll_delay_ms(p, polls, r));
      ++polls;
      if (clock.now_ms() >= 15000) break;
    }
    CHECK(polls <= 7);
    CHECK(polls >= 4);
  }
}

TEST_CASE("backoff_is_full_jitter_exponential_with_a_cap") {
  BackoffPolicy b;
  CHECK(backoff_delay_ms(b, 0, 0.5) == 500);
  CHECK(backoff_delay_ms(b, 1, 0.5) == 1000);
  CHECK(backoff_delay_ms(b, 3, 0.999999) == 7999);
  CHECK(backoff_delay_ms(b, 30, 0.999999) == 29999);
  CHECK(backoff_delay_ms(b, 200, 0.0) == 0);
}

TEST_CASE("retry_after_is_capped_by_the_schedule") {
  // "Retry-After: 999999" would otherwise sleep 11 days.
  PollPolicy p;
  CHECK(poll_delay_ms(p, 0, 0.5, 999999000u) == p.max_retry_after_ms);
  CHECK(poll_delay_ms(p, 0, 0.5, 20000) == 20000);
  BackoffPolicy b;
  CHECK(backoff_delay_ms(b, 0, 0.5, 999999000u) == b.cap_ms);
  CHECK(backoff_delay_ms(b, 0, 0.0, 12000) == 12000);
  b.cap_ms = 2000;
  CHECK(backoff_delay_ms(b, 0, 0.0, 60000) == 2000);
}
