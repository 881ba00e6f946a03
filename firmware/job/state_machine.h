// The edit state machine of ARCHITECTURE.md as one transition table.
//
// Every state change goes through fire(), which finds the row for (state,
// event), logs "state A -> B (why)" and tells the observer (the UI). An event
// with no row is a bug in the caller and is refused with kInternal, so an
// impossible sequence can never pass silently.
// Memory: the table is static; a StateMachine is a few words. No heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/status.h"

namespace spark::job {

enum class State : uint8_t {
  kIdle,
  kCapturing,
  kPreparing,
  kSubmitting,
  kWaiting,
  kPolling,
  kDownloading,
  kDone,
  kFailed,
  kCancelled,
};
constexpr size_t kStateCount = 10;

enum class Event : uint8_t {
  kButton,          // Idle: the edit button was pressed: capture
  kLoad,            // Idle: an image file was given: prepare it
  kCaptured,        // the camera delivered a JPEG
  kPrepared,        // the image fits the API's limits
  kSubmitted,       // the create reply named a task still running
  kResultReady,     // a reply said completed, with a URL
  kPollDue,         // the wait before the next poll is over
  kStillRunning,    // a poll said the task is not finished
  kRetry,           // a transient fault: the same step again after a delay
  kResubmit,        // the task failed in a way worth one more create
  kDownloaded,      // the result is stored under its final name
  kResumePoll,      // Idle: the journal holds a task id
  kResumeDownload,  // Idle: the journal holds a result URL
  kFault,           // a fault that ends the edit
  kCancel,          // the person or the caller cancelled
  kReset,           // back to Idle from an end state
};
constexpr size_t kEventCount = 16;

const char* state_name(State s);
const char* event_name(Event e);
bool is_terminal(State s);

struct Transition {
  uint16_t from_mask;  // bit i set: the row applies in State(i)
  Event event;
  State to;
};

// The table itself, for tests and for the generated documentation.
const Transition* transitions(size_t* count);
// Where (from, event) leads, or false when there is no row.
bool next_state(State from, Event event, State* to);

// Markdown rendering of the table (firmware/job/STATE_MACHINE.md is this
// output; a test keeps the two in step). Writes at most size bytes.
size_t render_markdown(char* out, size_t size);

class StateMachine {
 public:
  using Observer = void (*)(State from, State to, Event event, const char* why, void* ctx);

  explicit StateMachine(State start = State::kIdle) : state_(start) {}
  State state() const { return state_; }
  void set_observer(Observer obs, void* ctx) {
    observer_ = obs;
    observer_ctx_ = ctx;
  }
  // Applies event; `why` is the reason logged with the transition.
  Status fire(Event event, const char* why);

 private:
  State state_;
  Observer observer_ = nullptr;
  void* observer_ctx_ = nullptr;
};

}  // namespace spark::job
