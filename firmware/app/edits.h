// app::Edits: the edit rules spark-edit and the device program share, so
// both run the same code: output naming, where prepared images go and when
// they are kept or removed, resume at start-up, cancellation, and the
// journal-record checks (state_dir.h) before any record is acted on.
// Callers keep only options, rendering and exit codes.
//
// Naming: a result whose name the program chooses goes next to the source
// (photo.jpg -> photo.edited.jpg; photo.edited.png when the service returns
// a PNG); for an image URL, NAME.edited.jpg in the working directory, NAME
// the stem of the URL's last path segment made safe ("image" when none). A
// name the person chose is kept whatever the service returns. No existing
// file is replaced without force (both candidate names are checked).
//
// Prepared images: <state>/prepared/<wall-seconds>-<pid>.jpg, written by
// job::EditJob, kept while the edit can still be resumed (not done, and
// either submitted or possibly submitted) and removed otherwise.
//
// Resume: every unfinished journal record (or the one named) in turn. A
// record that breaks check_journal_entry is refused (never acted on) unless
// it is being forgotten; failed and done records are reported, not redone;
// a record made against another API base is not resumed there; an intent
// without a task id is resent only when asked (it may cost twice). A
// cancelled edit keeps its task id in the journal, so a resume polls
// instead of paying again; a cancel before the create forgets the intent.
//
// Memory: job::EditJob's (the prepared JPEG) while an edit runs; a vector
// of journal records (each at most job::Journal::kMaxRecord) while resuming.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "api/client.h"
#include "app/edit_stack.h"
#include "job/edit_job.h"

namespace spark::app {

// photo.jpg -> photo.edited.jpg; with png, photo.edited.png.
std::string default_output(const std::string& input, bool png = false);
// https://host/dir/photo.jpg?x=1 -> "photo" (safe as a file name), "image"
// when the path has no usable last segment.
std::string url_stem(const std::string& url);
// path against the working directory (unchanged when absolute or empty).
std::string absolute_path(const std::string& path);

struct OutputNames {
  std::string output;      // absolute
  std::string png_output;  // absolute; empty when the person chose the name
};
// The names for a source (as given, or an image URL when by_url) and the
// person's choice (empty: the program chooses).
OutputNames choose_output(const std::string& source, bool by_url, const std::string& chosen);
// The first of names that exists when force is off, else empty.
std::string blocking_output(const OutputNames& names, bool force);
// The .png name a resumed record's result takes when its name was chosen by
// the program (empty when the person chose it).
std::string resume_png_output(const job::JournalEntry& e);

// A fresh name for a prepared image under the state directory.
std::string new_prepared_path(const std::string& state_dir, uint64_t wall_s);
// Whether the prepared image is still needed after this outcome.
bool keep_prepared(const job::EditOutcome& o);

// What a person (or the device's screen) is offered after an edit that did
// not finish: kResume when its task id is journalled and the trouble was
// transient (a cancel included): a resume polls it, nothing is paid again;
// kResendOrForget when the create may have reached the service without a
// reply (resending may cost twice).
enum class Remedy : uint8_t { kNone, kResume, kResendOrForget };
Remedy remedy_for(const job::EditOutcome& o);

// What one new edit is.
struct EditRequest {
  std::string source;     // the photo's path (absolute), or empty with image_url
  std::string image_url;  // the service fetches the picture (nothing uploaded)
  std::string prompt;
  double scale = 0.5;
  int64_t seed = -1;
  OutputNames names;  // from choose_output
  std::string body_shape = "wrapped";
};

// What resume_all did with each record.
struct ResumeItem {
  enum class Kind : uint8_t {
    kRefused,       // breaks the state rules (status says which); not acted on
    kForgotten,     // dropped from the journal as asked (status: the journal's)
    kFailedBefore,  // failed earlier, nothing to resume (entry.error says why)
    kAlreadyDone,   // finished earlier (entry.output_path)
    kOtherApiBase,  // made with entry.api_base; not resumed against another
    kResumed,       // outcome says how it ended
  };
  Kind kind = Kind::kResumed;
  const job::JournalEntry* entry = nullptr;
  Status status;
  job::EditOutcome outcome;
};

struct ResumeOptions {
  std::string id;       // a job or task id; empty: every unfinished record
  bool resend = false;  // resend an intent whose create reply was lost
  bool forget = false;  // drop the records instead
};

// Told about each record resume_all handles; observer() gives the job
// observer (progress, cancellation) for a record about to be resumed.
class ResumeListener {
 public:
  virtual ~ResumeListener() = default;
  // Before the first record: how many there are (0: nothing to resume).
  virtual void on_start(size_t records) { (void)records; }
  virtual job::Observer* observer(const job::JournalEntry& e) {
    (void)e;
    return nullptr;
  }
  virtual void on_item(const ResumeItem& item) = 0;
};

class Edits {
 public:
  // The parts an edit uses; api_base is the one records are matched against.
  Edits(api::Service& api, job::Journal& journal, hal::Clock& clock, hal::Entropy& entropy,
        hal::FileSystem& files, std::string state_dir, std::string api_base);
  explicit Edits(EditStack& stack);

  // A new edit (photo is read when request.image_url is empty). The
  // prepared image is removed unless keep_prepared says otherwise.
  job::EditOutcome edit(const EditRequest& request, RewindableSource& photo,
                        job::EditSettings settings, job::Observer* observer);

  // Resumes (or forgets) journal records as the options say, telling
  // listener about each. Errors: the journal's, or find()'s for an id.
  Status resume_all(const ResumeOptions& options, const job::EditSettings& settings,
                    ResumeListener& listener);

  // The task id for a job or task id (a journalled record is checked
  // first; an unknown id is taken as a task id). Errors: check_journal_entry's.
  Result<std::string> task_for(const std::string& id);

  // Stops the running edit at its next step (safe from another thread or a
  // signal handler); the journal keeps what can still be resumed.
  void cancel() { cancelled_.store(true); }
  void clear_cancel() { cancelled_.store(false); }
  bool cancel_requested() const { return cancelled_.load(); }

  const std::string& state_dir() const { return state_dir_; }

 private:
  class Watch;
  void remove_prepared(const std::string& path);

  api::Service& api_;
  job::Journal& journal_;
  hal::Clock& clock_;
  hal::Entropy& entropy_;
  hal::FileSystem& files_;
  std::string state_dir_;
  std::string api_base_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace spark::app
