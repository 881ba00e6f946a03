// job::EditJob: one photo in, one edited photo out, whatever the network
// does, without ever paying twice for one press.
//
// run() walks the state machine (state_machine.h): prepare the photo
// (image::prepare into memory, kept also as a file for resume), record the
// intent in the journal, create the task (resent only when it certainly did
// not reach the service), journal the task id at once, poll on the schedule
// of schedule.h over one kept-alive connection, then stream the result into
// an output file that is committed (renamed) only when complete, and journal
// the result and cost. resume() continues a journal entry: polling when a
// task id is known, downloading when a URL is. Every wait is bounded, and
// cancellation (Observer::cancelled) is checked between every step and at
// least every kTickMs while waiting.
//
// Memory: the prepared JPEG in memory (at most FitOptions::max_bytes, 4.5 MB
// by default; the one full buffer of the data path) plus image::fit's own
// bound while preparing; api::Client's reply buffers; no per-poll growth.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "api/client.h"
#include "hal/clock.h"
#include "hal/entropy.h"
#include "hal/storage.h"
#include "image/fit.h"
#include "job/journal.h"
#include "job/schedule.h"
#include "job/state_machine.h"

namespace spark::job {

// What the job tells its caller as it goes (progress display, UI, LED).
// Every method has a do-nothing default.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_state(State from, State to, const char* why) { (void)from, (void)to, (void)why; }
  virtual void on_upload(uint64_t sent, uint64_t total) { (void)sent, (void)total; }
  virtual void on_poll(const api::TaskInfo& task, uint32_t polls) { (void)task, (void)polls; }
  virtual void on_download(uint64_t received, uint64_t total) { (void)received, (void)total; }
  // Polled between steps and during waits: true stops the edit.
  virtual bool cancelled() { return false; }
};

struct EditSettings {
  image::FitOptions fit;
  PollPolicy poll;
  BackoffPolicy backoff;
  uint64_t max_result_bytes = 32ull << 20;
  // Resend a create whose outcome is unknown (it may cost twice). Off by
  // default: PROTOCOL.md "Create is not idempotent".
  bool resend_unknown = false;
  // Send a photo the decoder could only partly read (truncated, corrupt
  // data): off by default, since the edit of a half-grey picture is paid.
  bool allow_damaged = false;
  // Where a PNG result goes instead of the entry's output_path (the default
  // name with .png); empty: a PNG is kept under output_path as it is.
  std::string png_output_path;
  // How a person resumes a journalled task, in failure messages; empty:
  // "resume later with 'spark-edit resume ID'" (sparkcam resumes at start).
  std::string resume_hint;
};

struct EditOutcome {
  State state = State::kIdle;  // kDone, kFailed or kCancelled
  api::ErrorClass error_class = api::ErrorClass::kNone;
  Status status;  // why it failed
  bool may_have_been_submitted = false;
  std::string job_id, task_id, url, output_path, cost;
  uint32_t creates = 0, polls = 0;
  // Milliseconds: start -> create reply (the request fully sent), completed
  // seen -> result file committed, and start -> end.
  uint64_t sent_ms = 0, written_ms = 0, total_ms = 0;
  image::FitResult prepared;
  // The photo's side ratio was over 3: only this centre box (source
  // pixels, as stored) was sent.
  bool cropped = false;
  image::Rect crop;
  bool result_png = false;  // the result is a PNG (else a JPEG)
};

class EditJob {
 public:
  static constexpr uint32_t kTickMs = 100;

  EditJob(api::Service& api, Journal& journal, hal::Clock& clock, hal::Entropy& entropy,
          hal::FileSystem& files, EditSettings settings, Observer* observer = nullptr);

  // A new edit of photo. entry carries prompt, scale, seed, source_path,
  // output_path and image_path (where the prepared JPEG is kept).
  EditOutcome run(JournalEntry& entry, RewindableSource& photo);

  // Continues an unfinished journal entry. An intent without a task id is
  // resubmitted only with resend_intent (it may have been submitted).
  EditOutcome resume(JournalEntry& entry, bool resend_intent);

 private:
  enum class Next : uint8_t { kPoll, kDownload, kEnd };

  Next submit(JournalEntry& e, ConstBytes jpeg);
  Next poll(JournalEntry& e, ConstBytes jpeg);
  void download(JournalEntry& e);

  Status fire(Event event, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  void fail(const api::Verdict& verdict);
  void fail(api::ErrorClass c, const Status& s);
  void cancel(const char* where);
  // Sleeps ms in ticks; false when cancelled.
  bool wait(uint32_t ms);
  // False, with the edit failed, when waiting ms would pass the overall
  // deadline (settings.poll.deadline_ms from the start of the edit).
  bool fits_deadline(uint32_t ms, const char* what);
  double random01();
  std::string resume_hint(const std::string& task_id) const;
  EditOutcome finish(const JournalEntry& e);

  api::Service& api_;
  Journal& journal_;
  hal::Clock& clock_;
  hal::Entropy& entropy_;
  hal::FileSystem& files_;
  EditSettings settings_;
  Observer default_observer_;
  Observer* observer_;
  StateMachine machine_;
  EditOutcome out_;
  uint64_t start_ms_ = 0;
  uint64_t seen_ms_ = 0;
  bool resubmitted_ = false;
};

}  // namespace spark::job
