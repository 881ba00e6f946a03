#include "platform/linux/linux_button.h"

#include <cerrno>
#include <climits>
#include <cstring>

#include "platform/linux/sys_fd.h"

namespace spark::platform {

using Kind = hal::ButtonEvent::Kind;

void PressTracker::reset() {
  down_ = last_level_ = long_sent_ = dirty_ = accepted_any_ = false;
  head_ = count_ = 0;
}

void PressTracker::push(Kind kind, uint64_t at_ms, uint64_t held_ms) {
  hal::ButtonEvent ev;
  ev.kind = kind;
  ev.source = source_;
  ev.at_ms = at_ms;
  ev.held_ms = held_ms > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(held_ms);
  if (count_ == kQueue) {  // the caller stopped taking events: drop the oldest
    head_ = (head_ + 1) % kQueue;
    --count_;
  }
  queue_[(head_ + count_) % kQueue] = ev;
  ++count_;
}

std::optional<hal::ButtonEvent> PressTracker::pop() {
  if (count_ == 0) return std::nullopt;
  hal::ButtonEvent ev = queue_[head_];
  head_ = (head_ + 1) % kQueue;
  --count_;
  return ev;
}

void PressTracker::advance(uint64_t now_ms) {
  if (down_ && !long_sent_ && now_ms >= down_at_ms_ + timing_.long_press_ms) {
    long_sent_ = true;
    push(Kind::kLongPress, down_at_ms_ + timing_.long_press_ms, timing_.long_press_ms);
  }
}

void PressTracker::accept(bool down, uint64_t at_ms) {
  dirty_ = false;
  if (down == down_) return;  // two edges the same way: nothing changed
  advance(at_ms);
  accepted_any_ = true;
  last_accept_ms_ = at_ms;
  down_ = down;
  if (down) {
    down_at_ms_ = at_ms;
    long_sent_ = false;
    push(Kind::kPress, at_ms, 0);
  } else {
    uint64_t held = at_ms >= down_at_ms_ ? at_ms - down_at_ms_ : 0;
    push(long_sent_ ? Kind::kRelease : Kind::kShortPress, at_ms, held);
  }
}

void PressTracker::edge(bool down, uint64_t at_ms) {
  last_level_ = down;
  if (accepted_any_ && timing_.debounce_ms > 0 && at_ms < last_accept_ms_ + timing_.debounce_ms) {
    dirty_ = true;  // a bounce: settle() reads the line when the window ends
    return;
  }
  accept(down, at_ms);
}

uint64_t PressTracker::settle_at_ms() const {
  return dirty_ ? last_accept_ms_ + timing_.debounce_ms : hal::Deadline::kNever;
}

void PressTracker::settle(bool down_now) {
  if (!dirty_) return;
  accept(down_now, last_accept_ms_ + timing_.debounce_ms);
}

uint64_t PressTracker::next_timer_ms() const {
  uint64_t t = settle_at_ms();
  if (down_ && !long_sent_) {
    uint64_t due = down_at_ms_ + timing_.long_press_ms;
    if (due < t) t = due;
  }
  return t;
}

Result<std::optional<hal::ButtonEvent>> LinuxButton::wait(hal::Deadline deadline) {
  LinuxButton* self = this;
  return wait_buttons(sys_, clock_, &self, 1, 0, deadline);
}

Status ButtonGroup::add(LinuxButton& member) {
  if (count_ == kMaxMembers) {
    return Status::error(Code::kResourceExhausted, "button group: at most %zu buttons",
                         kMaxMembers);
  }
  members_[count_++] = &member;
  return Status::ok();
}

Result<std::optional<hal::ButtonEvent>> ButtonGroup::wait(hal::Deadline deadline) {
  if (count_ == 0) {
    return Status::error(Code::kFailedPrecondition, "button group: no buttons configured");
  }
  size_t first = next_first_;
  next_first_ = (next_first_ + 1) % count_;
  return wait_buttons(sys_, clock_, members_, count_, first, deadline);
}

Result<std::optional<hal::ButtonEvent>> wait_buttons(Sys& sys, hal::Clock& clock,
                                                     LinuxButton* const* members, size_t n,
                                                     size_t first, hal::Deadline deadline) {
  if (n > ButtonGroup::kMaxMembers) {
    return Status::error(Code::kInternal, "wait_buttons: too many members");
  }
  struct pollfd fds[ButtonGroup::kMaxMembers];
  for (;;) {
    uint64_t now = clock.now_ms();
    uint64_t wake = deadline.at_ms();
    for (size_t k = 0; k < n; ++k) {
      LinuxButton* b = members[(first + k) % n];
      SPARK_TRY_ASSIGN(auto ev, b->take(now));
      if (ev) return ev;
      uint64_t t = b->next_timer_ms();
      if (t < wake) wake = t;
      fds[k].fd = b->poll_fd();
      fds[k].events = POLLIN;
      fds[k].revents = 0;
    }
    bool expired = now >= deadline.at_ms();
    int timeout = -1;
    if (wake != hal::Deadline::kNever) {
      uint64_t ms = wake > now ? wake - now : 0;
      timeout = ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
    }
    int r = sys.poll(fds, static_cast<nfds_t>(n), timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      return errno_status(errno, "button: poll");
    }
    now = clock.now_ms();
    for (size_t k = 0; k < n && r > 0; ++k) {
      if (fds[k].revents == 0) continue;
      LinuxButton* b = members[(first + k) % n];
      SPARK_TRY_ASSIGN(auto ev, b->on_ready(fds[k].revents, now));
      if (ev) return ev;
    }
    if (r == 0 && expired) return std::optional<hal::ButtonEvent>();
  }
}

}  // namespace spark::platform
