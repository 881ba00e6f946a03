#include "app/edits.h"

#include <sys/stat.h>
#include <unistd.h>

#include "app/state_dir.h"

namespace spark::app {
namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0;
}

bool ends_with(const std::string& s, const char* tail) {
  std::string t(tail);
  return s.size() > t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0;
}

}  // namespace

std::string default_output(const std::string& input, bool png) {
  const char* ext = png ? ".edited.png" : ".edited.jpg";
  size_t slash = input.rfind('/');
  size_t dot = input.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return input + ext;
  return input.substr(0, dot) + ext;
}

std::string url_stem(const std::string& url) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t end = url.find_first_of("?#", start);
  std::string path = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  size_t slash = path.find('/');
  path = slash == std::string::npos ? "" : path.substr(slash);
  std::string name = path.substr(path.rfind('/') + 1);
  size_t dot = name.rfind('.');
  if (dot != std::string::npos) name.resize(dot);
  std::string safe;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    safe += ok ? c : '_';
  }
  return safe.empty() || safe.size() > 100 ? "image" : safe;
}

std::string absolute_path(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return path;
  return std::string(cwd) + "/" + path;
}

OutputNames choose_output(const std::string& source, bool by_url, const std::string& chosen) {
  const std::string stem = by_url ? url_stem(source) : source;
  OutputNames n;
  if (chosen.empty()) n.png_output = absolute_path(default_output(stem, true));
  n.output = absolute_path(chosen.empty() ? default_output(stem) : chosen);
  return n;
}

std::string blocking_output(const OutputNames& names, bool force) {
  if (force) return std::string();
  for (const std::string* p : {&names.output, &names.png_output}) {
    if (!p->empty() && exists(*p)) return *p;
  }
  return std::string();
}

std::string resume_png_output(const job::JournalEntry& e) {
  bool chosen_by_program = e.image_url.empty() ? e.output_path == default_output(e.source_path)
                                               : ends_with(e.output_path, ".edited.jpg");
  if (!chosen_by_program) return std::string();
  return e.output_path.substr(0, e.output_path.size() - 11) + ".edited.png";
}

std::string new_prepared_path(const std::string& state_dir, uint64_t wall_s) {
  return prepared_dir(state_dir) + "/" + std::to_string(wall_s) + "-" + std::to_string(getpid()) +
         ".jpg";
}

bool keep_prepared(const job::EditOutcome& o) {
  return o.state != job::State::kDone && (o.may_have_been_submitted || !o.task_id.empty());
}

Remedy remedy_for(const job::EditOutcome& o) {
  if (o.state == job::State::kDone) return Remedy::kNone;
  if (!o.task_id.empty() && o.error_class == api::ErrorClass::kTransient) return Remedy::kResume;
  return o.may_have_been_submitted ? Remedy::kResendOrForget : Remedy::kNone;
}

// The caller's observer, with Edits::cancel() added to its cancelled().
class Edits::Watch final : public job::Observer {
 public:
  Watch(job::Observer* inner, const std::atomic<bool>& flag) : inner_(inner), flag_(flag) {}
  void on_state(job::State from, job::State to, const char* why) override {
    if (inner_) inner_->on_state(from, to, why);
  }
  void on_upload(uint64_t sent, uint64_t total) override {
    if (inner_) inner_->on_upload(sent, total);
  }
  void on_poll(const api::TaskInfo& task, uint32_t polls) override {
    if (inner_) inner_->on_poll(task, polls);
  }
  void on_download(uint64_t received, uint64_t total) override {
    if (inner_) inner_->on_download(received, total);
  }
  bool cancelled() override { return flag_.load() || (inner_ && inner_->cancelled()); }

 private:
  job::Observer* inner_;
  const std::atomic<bool>& flag_;
};

Edits::Edits(api::Service& api, job::Journal& journal, hal::Clock& clock, hal::Entropy& entropy,
             hal::FileSystem& files, std::string state_dir, std::string api_base)
    : api_(api),
      journal_(journal),
      clock_(clock),
      entropy_(entropy),
      files_(files),
      state_dir_(std::move(state_dir)),
      api_base_(std::move(api_base)) {}

Edits::Edits(EditStack& stack)
    : Edits(*stack.api, *stack.journal, stack.clock, stack.entropy, stack.files, stack.state_dir,
            stack.api->config().api_base) {}

void Edits::remove_prepared(const std::string& path) {
  if (!path.empty()) unlink(path.c_str());
}

job::EditOutcome Edits::edit(const EditRequest& request, RewindableSource& photo,
                             job::EditSettings settings, job::Observer* observer) {
  clear_cancel();
  settings.png_output_path = request.names.png_output;
  job::JournalEntry e;
  e.prompt = request.prompt;
  e.scale = request.scale;
  e.seed = request.seed;
  e.source_path = request.image_url.empty() ? request.source : request.image_url;
  e.output_path = request.names.output;
  e.api_base = api_base_;
  e.body_shape = request.body_shape;
  e.image_url = request.image_url;
  if (request.image_url.empty()) {
    mkdir(prepared_dir(state_dir_).c_str(), 0700);
    e.image_path = new_prepared_path(state_dir_, clock_.wall_time_s());
  }
  Watch watch(observer, cancelled_);
  job::EditJob job(api_, journal_, clock_, entropy_, files_, settings, &watch);
  job::EditOutcome outcome = job.run(e, photo);
  // The prepared copy is only needed while the edit can still be resumed.
  if (!keep_prepared(outcome)) remove_prepared(e.image_path);
  return outcome;
}

Status Edits::resume_all(const ResumeOptions& options, const job::EditSettings& settings,
                         ResumeListener& listener) {
  clear_cancel();
  std::vector<job::JournalEntry> entries;
  if (!options.id.empty()) {
    SPARK_TRY_ASSIGN(job::JournalEntry e, journal_.find(options.id));
    entries.push_back(std::move(e));
  } else {
    SPARK_TRY(journal_.unfinished(&entries));
  }
  listener.on_start(entries.size());
  for (auto& e : entries) {
    ResumeItem item;
    item.entry = &e;
    // A record that breaks the state rules (state_dir.h) is never acted on.
    Status trusted = check_journal_entry(e, state_dir_);
    if (!trusted.is_ok() && !options.forget) {
      item.kind = ResumeItem::Kind::kRefused;
      item.status = trusted;
    } else if (options.forget) {
      item.kind = ResumeItem::Kind::kForgotten;
      item.status = journal_.forget(e);
      if (trusted.is_ok()) remove_prepared(e.image_path);
    } else if (e.stage == job::Stage::kFailed) {
      item.kind = ResumeItem::Kind::kFailedBefore;
    } else if (e.stage == job::Stage::kDone) {
      item.kind = ResumeItem::Kind::kAlreadyDone;
    } else if (!e.api_base.empty() && e.api_base != api_base_) {
      item.kind = ResumeItem::Kind::kOtherApiBase;
    } else {
      job::EditSettings s = settings;
      // A name the program chose follows the result's format on resume too.
      s.png_output_path = resume_png_output(e);
      Watch watch(listener.observer(e), cancelled_);
      job::EditJob job(api_, journal_, clock_, entropy_, files_, s, &watch);
      item.outcome = job.resume(e, options.resend);
      const job::EditOutcome& o = item.outcome;
      if (o.state == job::State::kDone || (!o.may_have_been_submitted && o.task_id.empty())) {
        remove_prepared(e.image_path);
      }
    }
    listener.on_item(item);
  }
  return Status::ok();
}

Result<std::string> Edits::task_for(const std::string& id) {
  if (auto e = journal_.find(id); e.is_ok() && !e->task_id.empty()) {
    SPARK_TRY(check_journal_entry(*e, state_dir_));
    return e->task_id;
  }
  return id;
}

}  // namespace spark::app
