#include "job/edit_job.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <utility>

#include "core/log.h"
#include "core/text.h"

namespace spark::job {
namespace {

using api::ErrorClass;
using api::Retry;

// The result file, opened on the first bytes: api::Client::download passes
// only an image's bytes, starting with its signature, so the name can follow
// the format (a PNG goes to png_path when one is given). Counts the bytes.
class ResultFile final : public ByteSink {
 public:
  ResultFile(hal::FileSystem& files, const std::string& path, const std::string& png_path)
      : files_(files), path_(path), png_path_(png_path) {}
  Status write(ConstBytes data) override {
    if (!file_) {
      static const uint8_t kPng[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
      bool png = data.size() >= sizeof kPng && std::memcmp(data.data(), kPng, sizeof kPng) == 0;
      if (png && !png_path_.empty()) path_ = png_path_;
      auto f = files_.create(path_);
      if (!f.is_ok()) {
        open_error_ = f.status();
        return open_error_;
      }
      file_ = std::move(f).value();
    }
    count_ += data.size();
    return file_->write(data);
  }
  Status commit() {
    return file_ ? file_->commit() : Status::error(Code::kDataLoss, "the result was empty");
  }
  uint64_t count() const { return count_; }
  const std::string& path() const { return path_; }
  const Status& open_error() const { return open_error_; }

 private:
  hal::FileSystem& files_;
  std::string path_;
  const std::string& png_path_;
  std::unique_ptr<hal::OutputFile> file_;
  uint64_t count_ = 0;
  Status open_error_;
};

bool ends_with(const std::string& s, const char* tail) {
  size_t n = std::strlen(tail);
  if (s.size() < n) return false;
  for (size_t i = 0; i < n; ++i) {
    char c = s[s.size() - n + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != tail[i]) return false;
  }
  return true;
}

}  // namespace

EditJob::EditJob(api::Service& api, Journal& journal, hal::Clock& clock, hal::Entropy& entropy,
                 hal::FileSystem& files, EditSettings settings, Observer* observer)
    : api_(api),
      journal_(journal),
      clock_(clock),
      entropy_(entropy),
      files_(files),
      settings_(std::move(settings)),
      observer_(observer ? observer : &default_observer_) {}

std::string EditJob::resume_hint(const std::string& task_id) const {
  if (!settings_.resume_hint.empty()) return settings_.resume_hint;
  return "resume later with 'spark-edit resume " + task_id + "'";
}

Status EditJob::fire(Event event, const char* fmt, ...) {
  char why[200];
  va_list ap;
  va_start(ap, fmt);
  text::vformat(why, sizeof why, fmt, ap);  // cut between characters
  va_end(ap);
  State from = machine_.state();
  Status s = machine_.fire(event, why);
  if (s.is_ok()) {
    observer_->on_state(from, machine_.state(), why);
  } else {
    SPARK_LOGE("job", "%s", s.message());
  }
  return s;
}

void EditJob::fail(api::ErrorClass c, const Status& s) {
  out_.error_class = c;
  out_.status = s;
  if (machine_.state() != State::kIdle && !is_terminal(machine_.state())) {
    fire(Event::kFault, "%s", s.message()).ignore();
  }
}

void EditJob::fail(const api::Verdict& verdict) {
  fail(verdict.error_class, verdict.status);
}

void EditJob::cancel(const char* where) {
  out_.error_class = ErrorClass::kTransient;
  out_.status = Status::error(Code::kCancelled, "cancelled %s", where);
  fire(Event::kCancel, "%s", where).ignore();
}

bool EditJob::wait(uint32_t ms) {
  uint64_t end = clock_.now_ms() + ms;
  for (;;) {
    if (observer_->cancelled()) return false;
    uint64_t now = clock_.now_ms();
    if (now >= end) return true;
    uint64_t left = end - now;
    clock_.sleep_ms(static_cast<uint32_t>(left < kTickMs ? left : kTickMs));
  }
}

bool EditJob::fits_deadline(uint32_t ms, const char* what) {
  uint64_t end = start_ms_ + settings_.poll.deadline_ms;
  if (clock_.now_ms() + ms <= end) return true;
  fail(ErrorClass::kTransient,
       Status::error(Code::kDeadlineExceeded,
                     "%s would need %u s more, past the %u s deadline (--timeout)", what, ms / 1000,
                     settings_.poll.deadline_ms / 1000));
  return false;
}

double EditJob::random01() {
  uint8_t b[4] = {};
  if (!entropy_.fill(MutBytes(b)).is_ok()) return 0.5;  // jitter is a nicety
  uint32_t v = static_cast<uint32_t>(b[0]) << 24 | static_cast<uint32_t>(b[1]) << 16 |
               static_cast<uint32_t>(b[2]) << 8 | b[3];
  return v / 4294967296.0;
}

EditOutcome EditJob::finish(const JournalEntry& e) {
  out_.state = machine_.state();
  if (out_.state == State::kIdle) out_.state = out_.status.is_ok() ? State::kDone : State::kFailed;
  out_.job_id = e.job_id;
  out_.task_id = e.task_id;
  out_.url = e.url;
  out_.output_path = e.output_path;
  if (out_.cost.empty()) out_.cost = e.cost;
  out_.total_ms = clock_.now_ms() - start_ms_;
  return out_;
}

namespace {
Status upload_progress(void* ctx, uint64_t sent, uint64_t total) {
  auto* obs = static_cast<Observer*>(ctx);
  obs->on_upload(sent, total);
  return obs->cancelled() ? Status::error(Code::kCancelled, "cancelled during the upload")
                          : Status::ok();
}
Status download_progress(void* ctx, uint64_t got, uint64_t total) {
  auto* obs = static_cast<Observer*>(ctx);
  obs->on_download(got, total);
  return obs->cancelled() ? Status::error(Code::kCancelled, "cancelled during the download")
                          : Status::ok();
}
}  // namespace

EditOutcome EditJob::run(JournalEntry& e, RewindableSource& photo) {
  start_ms_ = clock_.now_ms();
  out_ = EditOutcome();
  resubmitted_ = false;
  fire(Event::kLoad, "%s", e.source_path.c_str()).ignore();

  api::EditParams checked{e.prompt, e.scale, e.seed, e.image_url};
  Status params = api::validate_params(checked, api_.limits());
  if (!params.is_ok()) {
    fail(ErrorClass::kInput, params);
    return finish(e);
  }
  if (!e.image_url.empty()) {
    // The service fetches the picture itself: nothing to prepare or keep.
    Status begun = journal_.begin(e);
    if (!begun.is_ok()) {
      fail(ErrorClass::kInput, begun);
      return finish(e);
    }
    out_.job_id = e.job_id;
    fire(Event::kPrepared, "image by URL, nothing uploaded").ignore();
    Next next = submit(e, ConstBytes());
    while (next == Next::kPoll) next = poll(e, ConstBytes());
    if (next == Next::kDownload) download(e);
    return finish(e);
  }
  GrowingSink prepared(static_cast<size_t>(image::kApiMaxBytes));
  image::Plan plan;
  auto fitted = image::prepare(photo, settings_.fit, prepared, &plan);
  if (!fitted.is_ok()) {
    fail(ErrorClass::kInput, fitted.status().with_context("%s", e.source_path.c_str()));
    return finish(e);
  }
  out_.prepared = *fitted;
  if (fitted->damaged && !settings_.allow_damaged) {
    // The service would edit (and charge for) a partly grey picture.
    fail(ErrorClass::kInput,
         Status::error(Code::kDataLoss,
                       "%s is damaged (%s): only part of it could be decoded; nothing was sent. "
                       "Use --allow-damaged to send what could be decoded (it is charged)",
                       e.source_path.c_str(), fitted->first_warning));
    return finish(e);
  }
  if (fitted->damaged) {
    SPARK_LOGW("job", "%s is damaged (%s); sending what could be decoded (--allow-damaged)",
               e.source_path.c_str(), fitted->first_warning);
  }
  {
    // The service refuses a side ratio over 3; the plan centre-crops to 3
    // rather than fail (a kiosk must not). Say so.
    uint32_t w = plan.source.width, h = plan.source.height;
    uint32_t lo = w < h ? w : h, hi = w < h ? h : w;
    if (lo > 0 && hi > static_cast<uint64_t>(image::kApiMaxRatio) * lo && plan.scale_num > 0) {
      out_.cropped = true;
      out_.crop.x = plan.crop.x * 8 / plan.scale_num;
      out_.crop.y = plan.crop.y * 8 / plan.scale_num;
      out_.crop.width = plan.crop.width * 8 / plan.scale_num;
      out_.crop.height = plan.crop.height * 8 / plan.scale_num;
      SPARK_LOGW("job",
                 "%s is %ux%u, a side ratio over the service's 3: sending only its centre "
                 "%ux%u at %u,%u (cropped)",
                 e.source_path.c_str(), w, h, out_.crop.width, out_.crop.height, out_.crop.x,
                 out_.crop.y);
    }
  }
  if (!e.image_path.empty()) {
    // Kept so that a resume after a power cut can send it again if asked.
    auto file = files_.create(e.image_path);
    Status kept = file.is_ok() ? (*file)->write(prepared.bytes()) : file.status();
    if (kept.is_ok()) kept = (*file)->commit();
    if (!kept.is_ok()) {
      fail(ErrorClass::kInput, kept.with_context("keeping the prepared image"));
      return finish(e);
    }
  }
  if (observer_->cancelled()) {
    cancel("before submitting");
    return finish(e);
  }
  // The intent is durable before the machine enters Submitting.
  Status begun = journal_.begin(e);
  if (!begun.is_ok()) {
    fail(ErrorClass::kInput, begun);
    return finish(e);
  }
  out_.job_id = e.job_id;
  fire(Event::kPrepared, "%ux%u JPEG, quality %d, %llu bytes", fitted->width, fitted->height,
       fitted->quality, static_cast<unsigned long long>(fitted->bytes))
      .ignore();
  ConstBytes jpeg = prepared.bytes();
  Next next = submit(e, jpeg);
  while (next == Next::kPoll) next = poll(e, jpeg);
  if (next == Next::kDownload) download(e);
  return finish(e);
}

EditOutcome EditJob::resume(JournalEntry& e, bool resend_intent) {
  start_ms_ = clock_.now_ms();
  out_ = EditOutcome();
  resubmitted_ = false;
  out_.job_id = e.job_id;
  // The prepared picture, for a resend or a resubmit; optional otherwise.
  std::vector<uint8_t> jpeg;
  if (!e.image_path.empty()) {
    auto kept = files_.read(e.image_path, static_cast<size_t>(image::kApiMaxBytes));
    if (kept.is_ok()) jpeg = std::move(kept).value();
  }
  ConstBytes bytes(jpeg.data(), jpeg.size());
  Next next = Next::kEnd;
  switch (e.stage) {
    case Stage::kIntent:
      if (!resend_intent) {
        out_.may_have_been_submitted = true;
        out_.error_class = ErrorClass::kUnknownOutcome;
        out_.status = Status::error(
            Code::kFailedPrecondition,
            "edit %s may have been submitted (its reply never arrived); resend it with "
            "--resend (that may be charged twice) or forget it with --forget",
            e.job_id.c_str());
        return finish(e);
      }
      if (jpeg.empty() && e.image_url.empty()) {
        fail(ErrorClass::kInput,
             Status::error(Code::kNotFound, "the prepared image %s is gone", e.image_path.c_str()));
        return finish(e);
      }
      fire(Event::kLoad, "resend of %s", e.job_id.c_str()).ignore();
      if (e.image_url.empty()) {
        fire(Event::kPrepared, "prepared image kept at %s", e.image_path.c_str()).ignore();
      } else {
        fire(Event::kPrepared, "image by URL, nothing uploaded").ignore();
      }
      next = submit(e, bytes);
      break;
    case Stage::kSubmitted:
      fire(Event::kResumePoll, "task %s from the journal", e.task_id.c_str()).ignore();
      next = Next::kPoll;
      break;
    case Stage::kResult:
      fire(Event::kResumeDownload, "result of task %s from the journal", e.task_id.c_str())
          .ignore();
      next = Next::kDownload;
      break;
    case Stage::kDone:
    case Stage::kFailed:
      return finish(e);
  }
  while (next == Next::kPoll) next = poll(e, bytes);
  if (next == Next::kDownload) download(e);
  return finish(e);
}

EditJob::Next EditJob::submit(JournalEntry& e, ConstBytes jpeg) {
  api::EditParams params{e.prompt, e.scale, e.seed, e.image_url};
  for (uint32_t attempt = 0;; ++attempt) {
    if (observer_->cancelled()) {
      journal_.forget(e).ignore();  // nothing was sent
      cancel("before the create request");
      return Next::kEnd;
    }
    MemorySource src(jpeg);
    api::Reply r = api_.create(params, src, upload_progress, observer_);
    ++out_.creates;
    if (r.ok) {
      if (out_.sent_ms == 0) out_.sent_ms = clock_.now_ms() - start_ms_;
      // Durable before anything else: from here a restart polls instead of
      // paying for a second edit.
      Status kept = journal_.set_task(e, r.task.id);
      if (!kept.is_ok()) SPARK_LOGE("job", "task %s not journalled: %s", r.task.id, kept.message());
      out_.task_id = r.task.id;
      if (r.task.state == api::TaskState::kCompleted) {
        seen_ms_ = clock_.now_ms();
        e.cost = r.task.cost;
        journal_.set_result(e, r.task.url, r.task.size).ignore();
        fire(Event::kResultReady, "task %s completed at once", r.task.id).ignore();
        return Next::kDownload;
      }
      if (r.task.state == api::TaskState::kFailed) {
        api::Verdict v = api::classify_task_failure(r.task.error.code, r.task.error.message);
        if (v.retry == Retry::kKeepPolling) {
          fire(Event::kSubmitted, "task %s (%s)", r.task.id, v.status.message()).ignore();
          return Next::kPoll;
        }
        if ((v.retry == Retry::kResubmitOnce || v.retry == Retry::kBackoff) && !resubmitted_) {
          resubmitted_ = true;
          journal_.reset_to_intent(e).ignore();
          uint32_t d = backoff_delay_ms(settings_.backoff, 1, random01(), r.retry_after_ms);
          if (!fits_deadline(d, "one more create")) {
            journal_.forget(e).ignore();
            return Next::kEnd;
          }
          fire(Event::kRetry, "%s; one more create in %u ms", v.status.message(), d).ignore();
          if (!wait(d)) {
            journal_.forget(e).ignore();
            cancel("waiting to submit again");
            return Next::kEnd;
          }
          continue;
        }
        e.cost = r.task.cost;
        if (e.cost.empty())
          journal_.forget(e).ignore();
        else
          journal_.finish(e, e.cost).ignore();
        fail(v);
        return Next::kEnd;
      }
      if (r.unusable_result) {
        fire(Event::kSubmitted, "task %s (its create reply had no usable result: polling it)",
             r.task.id)
            .ignore();
      } else {
        fire(Event::kSubmitted, "task %s", r.task.id).ignore();
      }
      return Next::kPoll;
    }

    const api::Verdict& v = r.verdict;
    if (v.status.code() == Code::kCancelled) {
      if (r.request_sent)
        out_.may_have_been_submitted = true;
      else
        journal_.forget(e).ignore();
      cancel("during the upload");
      return Next::kEnd;
    }
    bool resend = v.retry == Retry::kBackoff ||
                  (v.error_class == ErrorClass::kUnknownOutcome && settings_.resend_unknown);
    if (resend && attempt + 1 < settings_.backoff.max_attempts) {
      uint32_t d = backoff_delay_ms(settings_.backoff, attempt, random01(), r.retry_after_ms);
      if (v.error_class != ErrorClass::kUnknownOutcome && !fits_deadline(d, "sending again")) {
        journal_.forget(e).ignore();  // the service created nothing
        return Next::kEnd;
      }
      fire(Event::kRetry, "%s; again in %u ms", v.status.message(), d).ignore();
      if (!wait(d)) {
        journal_.forget(e).ignore();
        cancel("waiting to send again");
        return Next::kEnd;
      }
      continue;
    }
    if (v.error_class == ErrorClass::kUnknownOutcome) {
      out_.may_have_been_submitted = true;  // the journal keeps the intent
    } else {
      // The service answered and created nothing: history, not to resume.
      journal_.fail(e, v.status.message()).ignore();
    }
    fail(v);
    return Next::kEnd;
  }
}

EditJob::Next EditJob::poll(JournalEntry& e, ConstBytes jpeg) {
  const uint64_t deadline = clock_.now_ms() + settings_.poll.deadline_ms;
  std::optional<uint32_t> retry_after;
  uint32_t faults = 0;
  for (uint32_t n = 0;; ++n) {
    uint32_t d = poll_delay_ms(settings_.poll, n, random01(), retry_after);
    if (clock_.now_ms() + d > deadline) {
      fail(ErrorClass::kTransient,
           Status::error(Code::kDeadlineExceeded,
                         "task %s did not finish within %u s; it is journalled: %s",
                         e.task_id.c_str(), settings_.poll.deadline_ms / 1000,
                         resume_hint(e.task_id).c_str()));
      return Next::kEnd;
    }
    if (!wait(d)) {
      cancel("while waiting for the task");
      return Next::kEnd;
    }
    fire(Event::kPollDue, "poll %u", out_.polls + 1).ignore();
    api::Reply r = api_.poll(e.task_id);
    ++out_.polls;
    if (r.ok) {
      faults = 0;
      retry_after.reset();
      observer_->on_poll(r.task, out_.polls);
      if (r.task.state == api::TaskState::kCompleted) {
        seen_ms_ = clock_.now_ms();
        e.cost = r.task.cost;
        out_.cost = r.task.cost;
        journal_.set_result(e, r.task.url, r.task.size).ignore();
        fire(Event::kResultReady, "task %s completed", e.task_id.c_str()).ignore();
        return Next::kDownload;
      }
      if (r.task.state == api::TaskState::kFailed) {
        api::Verdict v = api::classify_task_failure(r.task.error.code, r.task.error.message);
        if (v.retry == Retry::kKeepPolling && faults + 1 < settings_.backoff.max_attempts) {
          ++faults;
          fire(Event::kStillRunning, "%s", v.status.message()).ignore();
          continue;
        }
        if ((v.retry == Retry::kResubmitOnce || v.retry == Retry::kBackoff) && !resubmitted_ &&
            (!jpeg.empty() || !e.image_url.empty())) {
          resubmitted_ = true;
          journal_.reset_to_intent(e).ignore();
          fire(Event::kResubmit, "%s; submitting once more", v.status.message()).ignore();
          uint32_t wait_ms = backoff_delay_ms(settings_.backoff, 1, random01());
          if (!wait(wait_ms)) {
            journal_.forget(e).ignore();
            cancel("waiting to submit again");
            return Next::kEnd;
          }
          return submit(e, jpeg);
        }
        e.cost = r.task.cost;
        if (e.cost.empty())
          journal_.forget(e).ignore();
        else
          journal_.finish(e, e.cost).ignore();
        fail(v);
        return Next::kEnd;
      }
      char progress[32] = "";
      if (r.task.progress)
        std::snprintf(progress, sizeof progress, " %.0f%%", *r.task.progress * 100);
      fire(Event::kStillRunning, "%s%s", r.task.status_text, progress).ignore();
      continue;
    }
    const api::Verdict& v = r.verdict;
    if (v.forget_task) {
      // The service does not know the task: it is finished, whatever code
      // the 404 carried. Nothing is left to resume.
      journal_.forget(e).ignore();
      fail(v.error_class,
           v.status.with_context("task %s (forgotten from the journal)", e.task_id.c_str()));
      return Next::kEnd;
    }
    bool again = v.retry == Retry::kBackoff || v.retry == Retry::kKeepPolling;
    if (again && faults + 1 < settings_.backoff.max_attempts) {
      ++faults;
      retry_after = r.retry_after_ms;
      fire(Event::kRetry, "%s", v.status.message()).ignore();
      continue;
    }
    fail(v.error_class, v.status.with_context("task %s is journalled; %s", e.task_id.c_str(),
                                              resume_hint(e.task_id).c_str()));
    return Next::kEnd;
  }
}

void EditJob::download(JournalEntry& e) {
  uint64_t started = clock_.now_ms();
  for (uint32_t attempt = 0;; ++attempt) {
    if (observer_->cancelled()) {
      cancel("before the download");
      return;
    }
    ResultFile counted(files_, e.output_path, settings_.png_output_path);
    api::Reply r = api_.download(e.url, counted, settings_.max_result_bytes, e.size.value_or(0),
                                 download_progress, observer_);
    if (!counted.open_error().is_ok()) {
      fail(ErrorClass::kInput, counted.open_error());
      return;
    }
    api::Verdict v = r.verdict;
    const char* format = r.result_png ? "PNG" : "JPEG";
    if (r.ok && e.size && counted.count() != *e.size && r.result_complete) {
      // No public client checks `size`; a whole picture is what counts.
      SPARK_LOGW("job",
                 "the result is %llu bytes, the service said %llu; it is a complete %s, "
                 "kept",
                 static_cast<unsigned long long>(counted.count()),
                 static_cast<unsigned long long>(*e.size), format);
    }
    if (r.ok && e.size && counted.count() != *e.size && !r.result_complete) {
      v.error_class = ErrorClass::kTransient;
      v.retry = Retry::kBackoff;
      v.status = Status::error(Code::kDataLoss,
                               "the result is %llu bytes, not the %llu the service said, and not "
                               "a complete %s",
                               static_cast<unsigned long long>(counted.count()),
                               static_cast<unsigned long long>(*e.size), format);
    } else if (r.ok) {
      Status committed = counted.commit();
      if (!committed.is_ok()) {
        fail(ErrorClass::kInput, committed);
        return;
      }
      out_.result_png = r.result_png;
      if (r.result_png && counted.path() == e.output_path &&
          (ends_with(e.output_path, ".jpg") || ends_with(e.output_path, ".jpeg"))) {
        SPARK_LOGW("job",
                   "the result is a PNG; it is kept as it came under %s as asked, "
                   "although the name says JPEG",
                   e.output_path.c_str());
      }
      e.output_path = counted.path();
      out_.output_path = e.output_path;
      out_.written_ms = clock_.now_ms() - (seen_ms_ ? seen_ms_ : started);
      Status journalled = journal_.finish(e, e.cost);
      if (!journalled.is_ok()) SPARK_LOGW("job", "%s", journalled.message());
      fire(Event::kDownloaded, "%s, %llu bytes", e.output_path.c_str(),
           static_cast<unsigned long long>(counted.count()))
          .ignore();
      return;
    }
    if (v.status.code() == Code::kCancelled) {
      cancel("during the download");
      return;
    }
    if (r.http_status == 404 || r.http_status == 410) {
      // The URL expired: the next resume polls the task for a fresh one.
      journal_.set_task(e, e.task_id).ignore();
      fail(v.error_class,
           v.status.with_context("task %s: %s", e.task_id.c_str(), resume_hint(e.task_id).c_str()));
      return;
    }
    if (v.retry == Retry::kBackoff && attempt + 1 < settings_.backoff.max_attempts) {
      uint32_t d = backoff_delay_ms(settings_.backoff, attempt, random01(), r.retry_after_ms);
      if (!fits_deadline(d, "downloading again")) return;
      fire(Event::kRetry, "%s; again in %u ms", v.status.message(), d).ignore();
      if (!wait(d)) {
        cancel("waiting to download again");
        return;
      }
      continue;
    }
    fail(v);
    return;
  }
}

}  // namespace spark::job
