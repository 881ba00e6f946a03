#include "job/state_machine.h"

#include <cstdio>
#include <cstring>

#include "core/log.h"

namespace spark::job {
namespace {

constexpr uint16_t bit(State s) {
  return static_cast<uint16_t>(1u << static_cast<unsigned>(s));
}
constexpr uint16_t kActive = bit(State::kCapturing) | bit(State::kPreparing) |
                             bit(State::kSubmitting) | bit(State::kWaiting) | bit(State::kPolling) |
                             bit(State::kDownloading);
constexpr uint16_t kEnded = bit(State::kDone) | bit(State::kFailed) | bit(State::kCancelled);

// The one table. Order matters only for documentation.
constexpr Transition kTable[] = {
    {bit(State::kIdle), Event::kButton, State::kCapturing},
    {bit(State::kIdle), Event::kLoad, State::kPreparing},
    {bit(State::kIdle), Event::kResumePoll, State::kWaiting},
    {bit(State::kIdle), Event::kResumeDownload, State::kDownloading},
    {bit(State::kCapturing), Event::kCaptured, State::kPreparing},
    {bit(State::kPreparing), Event::kPrepared, State::kSubmitting},
    {bit(State::kSubmitting), Event::kSubmitted, State::kWaiting},
    {bit(State::kSubmitting), Event::kResultReady, State::kDownloading},
    {bit(State::kSubmitting), Event::kRetry, State::kSubmitting},
    {bit(State::kWaiting), Event::kPollDue, State::kPolling},
    {bit(State::kPolling), Event::kStillRunning, State::kWaiting},
    {bit(State::kPolling), Event::kRetry, State::kWaiting},
    {bit(State::kPolling), Event::kResultReady, State::kDownloading},
    {bit(State::kPolling), Event::kResubmit, State::kSubmitting},
    {bit(State::kDownloading), Event::kRetry, State::kDownloading},
    {bit(State::kDownloading), Event::kDownloaded, State::kDone},
    {kActive, Event::kFault, State::kFailed},
    {kActive, Event::kCancel, State::kCancelled},
    {kEnded, Event::kReset, State::kIdle},
};

}  // namespace

const char* state_name(State s) {
  static const char* const kNames[kStateCount] = {
      "Idle",    "Capturing",   "Preparing", "Submitting", "Waiting",
      "Polling", "Downloading", "Done",      "Failed",     "Cancelled"};
  auto i = static_cast<size_t>(s);
  return i < kStateCount ? kNames[i] : "?";
}

const char* event_name(Event e) {
  static const char* const kNames[kEventCount] = {
      "button",          "load",          "captured", "prepared", "submitted",  "result-ready",
      "poll-due",        "still-running", "retry",    "resubmit", "downloaded", "resume-poll",
      "resume-download", "fault",         "cancel",   "reset"};
  auto i = static_cast<size_t>(e);
  return i < kEventCount ? kNames[i] : "?";
}

bool is_terminal(State s) {
  return (kEnded & bit(s)) != 0;
}

const Transition* transitions(size_t* count) {
  *count = sizeof kTable / sizeof kTable[0];
  return kTable;
}

bool next_state(State from, Event event, State* to) {
  for (const Transition& t : kTable) {
    if ((t.from_mask & bit(from)) && t.event == event) {
      *to = t.to;
      return true;
    }
  }
  return false;
}

size_t render_markdown(char* out, size_t size) {
  size_t used = 0;
  auto put = [&](const char* s) {
    size_t n = std::strlen(s);
    if (used + n >= size) n = size > used + 1 ? size - used - 1 : 0;
    std::memcpy(out + used, s, n);
    used += n;
    if (size) out[used] = '\0';
  };
  put("| from | event | to |\n| --- | --- | --- |\n");
  for (const Transition& t : kTable) {
    char from[160] = "";
    size_t n = 0;
    for (size_t i = 0; i < kStateCount; ++i) {
      if (!(t.from_mask & (1u << i))) continue;
      int w = std::snprintf(from + n, sizeof from - n, "%s%s", n ? ", " : "",
                            state_name(static_cast<State>(i)));
      if (w > 0) n += static_cast<size_t>(w);
    }
    char row[256];
    std::snprintf(row, sizeof row, "| %s | %s | %s |\n", from, event_name(t.event),
                  state_name(t.to));
    put(row);
  }
  return used;
}

Status StateMachine::fire(Event event, const char* why) {
  State to;
  if (!next_state(state_, event, &to)) {
    return Status::error(Code::kInternal, "no transition from %s on %s (%s)", state_name(state_),
                         event_name(event), why ? why : "");
  }
  State from = state_;
  state_ = to;
  SPARK_LOGI("job", "state %s -> %s (%s)", state_name(from), state_name(to), why ? why : "");
  if (observer_) observer_(from, to, event, why, observer_ctx_);
  return Status::ok();
}

}  // namespace spark::job
