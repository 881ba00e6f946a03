#include "app/controller.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "core/log.h"
#include "core/text.h"
#include "image/fit.h"
#include "platform/linux/file_io.h"
#include "platform/linux/private_dir.h"
#include "ui/jpeg_rows.h"

namespace spark::app {

namespace {

constexpr const char* kLog = "kiosk";
constexpr uint64_t kIdleWaitMs = 250;   // the loop looks at stop() at least this often
constexpr uint64_t kAnimationMs = 250;  // an unknown progress moves this often
constexpr uint64_t kProgressDrawMs = 50;

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// One line for the screen, at most 200 bytes, cut between characters;
// control characters (a hostile server's text) become spaces.
std::string one_line(std::string_view s) {
  size_t nl = s.find('\n');
  if (nl != std::string_view::npos) s = s.substr(0, nl);
  char buf[201];
  text::fit(s, buf, sizeof buf, false);
  for (char* p = buf; *p; ++p) {
    if (static_cast<unsigned char>(*p) < 0x20 || *p == 0x7f) *p = ' ';
  }
  return buf;
}

}  // namespace

Status load_picture(const std::string& path, uint32_t max_w, uint32_t max_h, Picture& out) {
  out.clear();
  auto src = platform::FileSource::open(path);
  if (!src.is_ok()) return src.status();
  // image::prepare applies EXIF orientation and reads PNG too; a small JPEG
  // of the box's long side comes out, decoded below at that size.
  image::FitOptions fit;
  fit.max_long_side = std::max(max_w, max_h);
  fit.decode_thread = false;
  GrowingSink small(static_cast<size_t>(image::kApiMaxBytes));
  auto fitted = image::prepare(*src, fit, small);
  if (!fitted.is_ok()) return fitted.status().with_context("reading %s", path.c_str());
  ui::Rect box{0, 0, static_cast<int32_t>(max_w), static_cast<int32_t>(max_h)};
  ui::Rect r = ui::fit_rect(fitted->width, fitted->height, box);
  MemorySource jpeg(small.bytes());
  ui::JpegRows rows;
  SPARK_TRY(rows.start(jpeg, r));
  SPARK_TRY(out.surface.allocate(static_cast<uint32_t>(r.w), static_cast<uint32_t>(r.h)));
  return out.surface.draw_image(rows, out.surface.bounds());
}

const char* hint_for(const job::EditOutcome& o) {
  switch (o.error_class) {
    case api::ErrorClass::kAuth:
      return "Check the API key and the account's balance (sparkcam --diag).";
    case api::ErrorClass::kInput:
      return "The picture could not be used: press to take another.";
    case api::ErrorClass::kRejected:
      return "The service refused this picture or prompt: press to try again.";
    case api::ErrorClass::kTaskFailed:
      return "The service could not edit this picture: press to try again.";
    case api::ErrorClass::kUnknownOutcome:
      return "The request may have reached the service: see spark-edit status. Press for a new "
             "one.";
    case api::ErrorClass::kTransient:
      return o.task_id.empty() ? "Check the network, then press to try again."
                               : "Check the network. The edit resumes when sparkcam restarts.";
    case api::ErrorClass::kNone:
      break;
  }
  return "Press to try again.";
}

// The job's observer during an edit or a resume: progress on the screen,
// and the device kept alive while the job blocks the loop.
class Controller::Progress final : public job::Observer {
 public:
  Progress(Controller& c, std::string capture) : c_(c), capture_(std::move(capture)) {}

  void on_state(job::State from, job::State to, const char* why) override {
    (void)from;
    SPARK_LOGD(kLog, "edit: %s (%s)", job::state_name(to), why);
    if (to == job::State::kPreparing) c_.prepare_start_ms_ = c_.dev_.clock.now_ms();
    switch (to) {
      case job::State::kSubmitting:
        if (from == job::State::kPreparing) c_.prepared_ms_ = c_.dev_.clock.now_ms();
        if (c_.screen_.kind != ui::ScreenKind::kUploading) {
          c_.screen_.upload_percent = 0;
          c_.show(ui::ScreenKind::kUploading);
        }
        break;
      case job::State::kWaiting:
      case job::State::kPolling:
      case job::State::kDownloading:
        if (to == job::State::kDownloading) c_.edit_status_ = "Downloading";
        if (c_.screen_.kind != ui::ScreenKind::kEditing) {
          // The request is out: now there is time to show the photo.
          if (c_.captured_.empty() && !capture_.empty() && c_.dev_.display) {
            hal::DisplayInfo in = c_.dev_.display->info();
            Status s = load_picture(capture_, in.width, in.height, c_.captured_);
            if (!s.is_ok()) SPARK_LOGW(kLog, "the photo cannot be shown: %s", s.message());
          }
          c_.screen_.edit_percent = -1;
          c_.show(ui::ScreenKind::kEditing);
        } else {
          c_.redraw();
        }
        break;
      default:
        break;
    }
  }
  void on_upload(uint64_t sent, uint64_t total) override {
    if (total == 0) return;
    if (sent == total && !c_.sent_at_ms_) c_.sent_at_ms_ = c_.dev_.clock.now_ms();
    c_.keep_alive(c_.dev_.clock.now_ms());  // a long upload: the LED and the watchdog go on
    int32_t pct = static_cast<int32_t>(sent * 100 / total);
    if (pct == c_.screen_.upload_percent) return;
    c_.screen_.upload_percent = pct;
    uint64_t now = c_.dev_.clock.now_ms();
    if (pct == 100 || now - c_.last_draw_ms_ >= kProgressDrawMs) c_.redraw();
  }
  void on_poll(const api::TaskInfo& task, uint32_t polls) override {
    (void)polls;
    c_.screen_.edit_percent =
        task.progress ? static_cast<int32_t>(std::lround(*task.progress * 100.0)) : -1;
    c_.edit_status_ = task.status_text[0] ? task.status_text : api::task_state_name(task.state);
    c_.redraw();
  }
  void on_download(uint64_t received, uint64_t total) override {
    if (total) c_.screen_.edit_percent = static_cast<int32_t>(received * 100 / total);
  }
  bool cancelled() override {
    if (c_.stop_.load()) return true;
    uint64_t now = c_.dev_.clock.now_ms();
    c_.keep_alive(now);
    if (c_.screen_.kind == ui::ScreenKind::kEditing && c_.screen_.edit_percent < 0 &&
        now - c_.last_draw_ms_ >= kAnimationMs) {
      ++c_.screen_.tick;
      c_.redraw();
    }
    auto ev = c_.dev_.button.wait(hal::Deadline(now));
    if (!ev.is_ok()) {
      if (ev.status().code() == Code::kCancelled) {
        c_.quit_ = true;
      } else {
        c_.fatal_ = ev.status();
      }
      return true;
    }
    if (*ev && (*ev)->kind == hal::ButtonEvent::Kind::kPress) {
      SPARK_LOGI(kLog, "press during the edit: cancelling it");
      c_.swallow_release_ = true;
      c_.cancel_by_press_ = true;
      return true;
    }
    return false;
  }

 private:
  Controller& c_;
  std::string capture_;
};

// Start-up: unfinished journal records, each resumed with the progress
// screens; a finished one's result is shown.
class Controller::Resumer final : public ResumeListener {
 public:
  explicit Resumer(Controller& c) : c_(c), progress_(c, std::string()) {}
  void on_start(size_t records) override {
    if (records) SPARK_LOGI(kLog, "resuming %zu unfinished edit(s) from the journal", records);
  }
  job::Observer* observer(const job::JournalEntry& e) override {
    SPARK_LOGI(kLog, "resuming task %s", e.task_id.empty() ? e.job_id.c_str() : e.task_id.c_str());
    c_.captured_.clear();
    c_.screen_.edit_percent = -1;
    c_.show(ui::ScreenKind::kEditing);
    return &progress_;
  }
  void on_item(const ResumeItem& item) override {
    const char* id = item.entry ? item.entry->job_id.c_str() : "?";
    switch (item.kind) {
      case ResumeItem::Kind::kResumed:
        c_.finish(item.outcome, item.entry ? item.entry->source_path : std::string());
        break;
      case ResumeItem::Kind::kRefused:
        SPARK_LOGW(kLog, "journal record %s not resumed: %s", id, item.status.message());
        break;
      case ResumeItem::Kind::kOtherApiBase:
        SPARK_LOGW(kLog, "journal record %s was made with %s: not resumed here", id,
                   item.entry ? item.entry->api_base.c_str() : "?");
        break;
      default:
        break;
    }
  }

 private:
  Controller& c_;
  Progress progress_;
};

Controller::Controller(const KioskDevices& devices, Edits& edits, KioskSettings settings)
    : dev_(devices), edits_(edits), settings_(std::move(settings)) {}

Controller::~Controller() = default;

Status Controller::start() {
  if (settings_.presets.empty()) {
    return Status::error(Code::kInvalidArgument, "no preset: add a [preset] with a prompt");
  }
  SPARK_TRY(renderer_.open(settings_.font.c_str(), settings_.bold_font.c_str()));
  if (dev_.display) {
    hal::DisplayInfo in = dev_.display->info();
    SPARK_TRY(surface_.allocate(in.width, in.height));
    SPARK_LOGI(kLog, "display: %s, %ux%u", dev_.display->describe(), in.width, in.height);
  } else {
    SPARK_LOGI(kLog, "no display: every screen is logged only");
  }
  SPARK_TRY(platform::ensure_private_dir(settings_.photos_dir));
  screen_.layout = settings_.layout;
  screen_.preset_count = static_cast<uint32_t>(settings_.presets.size());

  // The newest result kept becomes the idle screen's thumbnail.
  if (DIR* d = ::opendir(settings_.photos_dir.c_str())) {
    std::string newest;
    while (dirent* de = ::readdir(d)) {
      if (std::strstr(de->d_name, ".edited.") && std::string(de->d_name) > newest) {
        newest = de->d_name;
      }
    }
    ::closedir(d);
    if (!newest.empty() && dev_.display) {
      last_result_path_ = settings_.photos_dir + "/" + newest;
      hal::DisplayInfo in = dev_.display->info();
      if (!load_picture(last_result_path_, in.width, in.height, last_).is_ok()) last_.clear();
    }
  }
  uint64_t now = dev_.clock.now_ms();
  if (dev_.notifier) {
    dev_.notifier->notify("READY=1");
    uint64_t wd = dev_.notifier->watchdog_interval_ms();
    if (wd) watchdog_due_ = now + wd;
  }
  idle();

  Resumer resumer(*this);
  Status s = edits_.resume_all(ResumeOptions{}, settings_.edit, resumer);
  if (!s.is_ok()) SPARK_LOGW(kLog, "the journal could not be read: %s", s.message());
  edits_.clear_cancel();
  if (screen_.kind != ui::ScreenKind::kResult && screen_.kind != ui::ScreenKind::kError) idle();
  return fatal_;
}

Status Controller::run() {
  while (!stop_.load() && !quit_ && fatal_.is_ok()) {
    uint64_t now = dev_.clock.now_ms();
    keep_alive(now);
    if (now >= screen_until_) {
      drop_shown_files();
      idle();
    } else if (screen_.kind == ui::ScreenKind::kResult &&
               (screen_until_ - now + 999) / 1000 != screen_.seconds_left) {
      redraw();  // the countdown
    }
    auto ev = dev_.button.wait(hal::Deadline(next_deadline(now)));
    if (!ev.is_ok()) {
      if (ev.status().code() == Code::kCancelled) break;  // the window was closed
      fatal_ = ev.status().with_context("button %s", dev_.button.describe());
      break;
    }
    if (*ev) on_button(**ev);
  }
  if (dev_.notifier) dev_.notifier->notify("STOPPING=1");
  if (dev_.led) dev_.led->show(hal::Pattern::kOff, dev_.clock.now_ms()).ignore();
  if (!fatal_.is_ok()) SPARK_LOGE(kLog, "stopping: %s", fatal_.message());
  return fatal_;
}

void Controller::on_button(const hal::ButtonEvent& ev) {
  using K = hal::ButtonEvent::Kind;
  SPARK_LOGD(kLog, "button %u: %s", ev.source, hal::button_event_name(ev.kind));
  if (swallow_release_ && (ev.kind == K::kShortPress || ev.kind == K::kRelease)) {
    swallow_release_ = false;  // the end of the press that cancelled an edit
    return;
  }
  bool next = ev.source < 32 && ((settings_.next_buttons >> ev.source) & 1u);
  if (ev.kind == K::kLongPress && !next) {
    swallow_release_ = false;
    next_preset();
  } else if (ev.kind == K::kShortPress) {
    if (next) {
      next_preset();
    } else {
      press_ms_ = dev_.clock.now_ms();
      edit();
    }
  }
}

void Controller::next_preset() {
  preset_ = (preset_ + 1) % settings_.presets.size();
  SPARK_LOGI(kLog, "preset %zu/%zu: %s", preset_ + 1, settings_.presets.size(),
             preset().name.c_str());
  drop_shown_files();
  idle();
}

void Controller::edit() {
  ++edits_started_;
  drop_shown_files();
  captured_.clear();
  cancel_by_press_ = false;
  edit_status_.clear();
  screen_.edit_percent = -1;
  show(ui::ScreenKind::kCapturing);

  // <photos>/<local time>.jpg, -2, -3... when presses share a second.
  char stamp[32];
  std::time_t t = static_cast<std::time_t>(dev_.clock.wall_time_s());
  std::tm tm{};
  localtime_r(&t, &tm);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  std::string path = settings_.photos_dir + "/" + stamp + ".jpg";
  for (int n = 2; n < 100 && (exists(path) || exists(default_output(path))); ++n) {
    path = settings_.photos_dir + "/" + stamp + "-" + std::to_string(n) + ".jpg";
  }

  uint64_t t0 = dev_.clock.now_ms();
  Status captured;
  {
    auto sink = platform::AtomicFileSink::create(path, 0600);
    if (!sink.is_ok()) {
      captured = sink.status();
    } else {
      auto frame = dev_.camera.capture(
          *sink, hal::Deadline::after(dev_.clock, settings_.capture_timeout_ms));
      captured = frame.is_ok() ? sink->commit() : frame.status();
    }
  }
  timing_.capture_ms = dev_.clock.now_ms() - t0;
  if (!captured.is_ok()) {
    SPARK_LOGE(kLog, "capture failed (%s): %s", std::string(dev_.camera.name()).c_str(),
               captured.message());
    error_screen("Camera: " + std::string(captured.message()),
                 "Check the camera (sparkcam --diag), then press to try again.");
    return;
  }
  SPARK_LOGI(kLog, "captured %s in %llu ms", path.c_str(),
             static_cast<unsigned long long>(timing_.capture_ms));

  auto photo = platform::FileSource::open(path);
  if (!photo.is_ok()) {
    error_screen(one_line(photo.status().message()), "Press to try again.");
    return;
  }
  EditRequest req;
  req.source = path;
  req.prompt = preset().prompt;
  req.scale = preset().scale;
  req.names = choose_output(path, false, "");
  req.body_shape = settings_.body_shape;
  Progress progress(*this, path);
  prepare_start_ms_ = prepared_ms_ = sent_at_ms_ = 0;
  job::EditOutcome o = edits_.edit(req, *photo, settings_.edit, &progress);
  if (sent_at_ms_ && prepared_ms_ > prepare_start_ms_ && prepare_start_ms_) {
    timing_.prepare_ms = prepared_ms_ - prepare_start_ms_;
    timing_.press_to_sent_ms = sent_at_ms_ - press_ms_;
    uint64_t known = timing_.capture_ms + timing_.prepare_ms;
    SPARK_LOGI(kLog,
               "press to request sent: %llu ms (capture %llu ms, prepare %llu ms, the rest "
               "%llu ms)",
               static_cast<unsigned long long>(timing_.press_to_sent_ms),
               static_cast<unsigned long long>(timing_.capture_ms),
               static_cast<unsigned long long>(timing_.prepare_ms),
               static_cast<unsigned long long>(
                   timing_.press_to_sent_ms > known ? timing_.press_to_sent_ms - known : 0));
  }
  finish(o, path);
}

void Controller::finish(const job::EditOutcome& o, const std::string& capture_path) {
  last_outcome_ = o;
  uint64_t now = dev_.clock.now_ms();
  if (o.state == job::State::kDone) {
    SPARK_LOGI(kLog, "edit done: %s (task %s%s%s)", o.output_path.c_str(), o.task_id.c_str(),
               o.cost.empty() ? "" : ", cost $", o.cost.c_str());
    last_result_path_ = o.output_path;
    if (dev_.display) {
      hal::DisplayInfo in = dev_.display->info();
      Status s = load_picture(o.output_path, in.width, in.height, last_);
      if (!s.is_ok()) SPARK_LOGW(kLog, "the result cannot be shown: %s", s.message());
      if (captured_.empty() && !capture_path.empty() && exists(capture_path)) {
        if (!load_picture(capture_path, in.width, in.height, captured_).is_ok()) captured_.clear();
      }
    }
    result_url_ = settings_.show_qr ? o.url : std::string();
    shown_capture_ = capture_path;
    shown_result_ = o.output_path;
    screen_until_ = now + uint64_t{settings_.result_show_s} * 1000;
    show(ui::ScreenKind::kResult);
    trim_results();
    return;
  }
  // Nothing left to resume: the photo is of no more use.
  bool resumable = remedy_for(o) != Remedy::kNone;
  if (!resumable && !capture_path.empty()) ::unlink(capture_path.c_str());
  if (o.state == job::State::kCancelled) {
    SPARK_LOGI(kLog, "edit cancelled%s", resumable ? " (its task resumes at the next start)" : "");
    edits_.clear_cancel();
    idle();
    return;
  }
  SPARK_LOGE(kLog, "edit failed (%s): %s", api::error_class_name(o.error_class),
             o.status.message());
  error_screen(one_line(o.status.message()), hint_for(o));
}

void Controller::error_screen(std::string_view cause, std::string hint) {
  error_cause_ = one_line(cause);
  error_hint_ = std::move(hint);
  screen_until_ = dev_.clock.now_ms() + uint64_t{settings_.error_show_s} * 1000;
  show(ui::ScreenKind::kError);
}

void Controller::idle() {
  screen_until_ = hal::Deadline::kNever;
  if (screen_.kind == ui::ScreenKind::kIdle && last_draw_ms_ != 0 &&
      screen_.preset_index == preset_ + 1) {
    return;
  }
  show(ui::ScreenKind::kIdle);
}

void Controller::show(ui::ScreenKind kind) {
  screen_.kind = kind;
  screen_.preset_name = preset().name;
  screen_.preset_prompt = preset().prompt;
  screen_.preset_index = static_cast<uint32_t>(preset_ + 1);
  screen_.last_result = last_.view();
  screen_.captured = captured_.view();
  screen_.result = last_.view();
  screen_.edit_status = edit_status_;
  screen_.result_url = result_url_;
  screen_.seconds_left = kind == ui::ScreenKind::kResult ? settings_.result_show_s : 0;
  screen_.error_cause = error_cause_;
  screen_.error_hint = error_hint_;

  char status[300];
  switch (kind) {
    case ui::ScreenKind::kIdle:
      std::snprintf(status, sizeof status, "idle, preset %zu/%zu: %s", preset_ + 1,
                    settings_.presets.size(), preset().name.c_str());
      break;
    case ui::ScreenKind::kResult:
      std::snprintf(status, sizeof status, "result %s", last_result_path_.c_str());
      break;
    case ui::ScreenKind::kError:
      std::snprintf(status, sizeof status, "error: %s", error_cause_.c_str());
      break;
    default:
      std::snprintf(status, sizeof status, "%s, preset %s", ui::screen_kind_name(kind),
                    preset().name.c_str());
      break;
  }
  SPARK_LOGI(kLog, "screen: %s", status);
  if (dev_.notifier) {
    char line[320];
    std::snprintf(line, sizeof line, "STATUS=%s", status);
    dev_.notifier->notify(line);
  }
  if (dev_.led) {
    hal::Pattern p = hal::Pattern::kPulse;
    switch (kind) {
      case ui::ScreenKind::kIdle:
        p = hal::Pattern::kPulse;
        break;
      case ui::ScreenKind::kCapturing:
      case ui::ScreenKind::kResult:
        p = hal::Pattern::kOn;
        break;
      case ui::ScreenKind::kUploading:
      case ui::ScreenKind::kEditing:
        p = hal::Pattern::kSlowBlink;
        break;
      case ui::ScreenKind::kError:
        p = hal::Pattern::kFastBlink;
        break;
    }
    Status s = dev_.led->show(p, dev_.clock.now_ms());
    if (!s.is_ok()) {
      SPARK_LOGW(kLog, "LED %s: %s; going on without it", dev_.led->describe(), s.message());
      dev_.led = nullptr;
    }
  }
  redraw();
}

void Controller::redraw() {
  last_draw_ms_ = dev_.clock.now_ms();
  if (last_draw_ms_ == 0) last_draw_ms_ = 1;
  if (screen_.kind == ui::ScreenKind::kResult && screen_until_ != hal::Deadline::kNever) {
    uint64_t left = screen_until_ > last_draw_ms_ ? screen_until_ - last_draw_ms_ : 0;
    screen_.seconds_left = static_cast<uint32_t>((left + 999) / 1000);
  }
  if (!dev_.display) return;
  screen_.upload_percent = std::clamp(screen_.upload_percent, 0, 100);
  Status s = renderer_.render(screen_, surface_);
  if (s.is_ok()) s = dev_.display->present(surface_.frame());
  if (s.is_ok() && settings_.on_frame) settings_.on_frame(screen_.kind, surface_.frame());
  if (!s.is_ok()) {
    SPARK_LOGE(kLog, "display %s: %s; going on without a screen", dev_.display->describe(),
               s.message());
    dev_.display = nullptr;
  }
}

void Controller::keep_alive(uint64_t now) {
  if (dev_.led) dev_.led->tick(now).ignore();
  if (dev_.notifier && now >= watchdog_due_) {
    dev_.notifier->notify("WATCHDOG=1");
    watchdog_due_ = now + dev_.notifier->watchdog_interval_ms();
  }
}

uint64_t Controller::next_deadline(uint64_t now) const {
  uint64_t d = now + kIdleWaitMs;
  d = std::min(d, screen_until_);
  d = std::min(d, watchdog_due_);
  if (dev_.led) d = std::min(d, dev_.led->next_change_ms());
  if (screen_.kind == ui::ScreenKind::kResult) d = std::min(d, now + 1000);  // the countdown
  return std::max(d, now);
}

void Controller::drop_shown_files() {
  if (settings_.keep_results) return;
  for (std::string* p : {&shown_capture_, &shown_result_}) {
    if (!p->empty()) ::unlink(p->c_str());
    p->clear();
  }
}

void Controller::trim_results() {
  if (!settings_.keep_results) return;
  std::vector<std::string> results;
  DIR* d = ::opendir(settings_.photos_dir.c_str());
  if (!d) return;
  while (dirent* de = ::readdir(d)) {
    if (std::strstr(de->d_name, ".edited.")) results.emplace_back(de->d_name);
  }
  ::closedir(d);
  if (results.size() <= settings_.keep_count) return;
  std::sort(results.begin(), results.end());  // local-time stamps: oldest first
  size_t drop = results.size() - settings_.keep_count;
  for (size_t i = 0; i < drop; ++i) {
    const std::string& r = results[i];
    std::string dir = settings_.photos_dir + "/";
    ::unlink((dir + r).c_str());
    ::unlink((dir + r.substr(0, r.find(".edited.")) + ".jpg").c_str());
    SPARK_LOGI(kLog, "removed %s and its original (keep_count %u)", r.c_str(),
               settings_.keep_count);
  }
}

}  // namespace spark::app
