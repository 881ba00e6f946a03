#include "report.h"

#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "app/edits.h"
#include "codec/json_writer.h"
#include "commands.h"
#include "core/log.h"
#include "core/text.h"
#include "stdio_sink.h"

namespace spark::cli {

volatile std::sig_atomic_t g_interrupted = 0;

namespace {
void on_signal(int) {
  g_interrupted = 1;
}

bool use_color() {
  const char* no = std::getenv("NO_COLOR");
  return isatty(2) && !(no && *no);
}
const char* paint(const char* code) {
  return use_color() ? code : "";
}

double mb(uint64_t bytes) {
  return static_cast<double>(bytes) / 1e6;
}
constexpr size_t kMaxDrawn = 160;  // bytes of the live line
}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

Progress::Progress(hal::Clock& clock, const CommonOptions& o)
    : clock_(clock), live_(isatty(2) && !o.quiet), crash_at_(std::getenv("SPARK_EDIT_CRASH_AT")) {
  // The live line says what the info log would: keep only warnings (and
  // debug lines when asked for) so the two do not interleave.
  if (live_) log::set_level(o.verbose ? log::Level::kDebug : log::Level::kWarn);
}

// Test seam for the crash-safety tests: SPARK_EDIT_CRASH_AT=intent|task|
// poll|download kills the process with SIGKILL at that point (intent
// journalled; task id journalled; a poll answered; result partly written),
// exactly as a power cut would stop it.
void Progress::crash_if(const char* point) {
  if (crash_at_ && std::strcmp(crash_at_, point) == 0) raise(SIGKILL);
}

void Progress::clear() {
  if (drawn_) std::fputs("\r\033[K", stderr);
  drawn_ = false;
}

void Progress::draw(const char* fmt, ...) {
  uint64_t now = clock_.now_ms();
  if (now - last_draw_ms_ < 100 && drawn_) return;  // at most 10 redraws a second
  last_draw_ms_ = now;
  // Formatted wide, redacted, then cut to a terminal line between characters.
  char wide[kMaxDrawn + log::kMaxSecretLen];
  va_list ap;
  va_start(ap, fmt);
  text::vformat(wide, sizeof wide, fmt, ap);
  va_end(ap);
  char line[kMaxDrawn];
  log::redacted_copy(wide, line, sizeof line);
  std::fprintf(stderr, "\r\033[K%s", line);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::on_state(job::State, job::State to, const char* why) {
  if (to == job::State::kSubmitting) crash_if("intent");
  if (to == job::State::kWaiting) crash_if("task");
  phase_start_ms_ = clock_.now_ms();
  if (!live_) return;  // the job's own log lines say it
  last_draw_ms_ = 0;
  draw("%s: %s", job::state_name(to), why);
}

void Progress::on_upload(uint64_t sent, uint64_t total) {
  if (!live_ || total == 0) return;
  double s = static_cast<double>(clock_.now_ms() - phase_start_ms_) / 1000.0;
  draw("uploading %3.0f%%  %.1f of %.1f MB  %.1f MB/s",
       100.0 * static_cast<double>(sent) / static_cast<double>(total), mb(sent), mb(total),
       s > 0 ? mb(sent) / s : 0.0);
}

void Progress::on_poll(const api::TaskInfo& task, uint32_t polls) {
  crash_if("poll");
  if (!live_) return;
  if (task.progress) {
    draw("waiting: %s %.0f%%  (poll %u)", task.status_text, *task.progress * 100, polls);
  } else {
    draw("waiting: %s  (poll %u)", task.status_text, polls);
  }
}

void Progress::on_download(uint64_t received, uint64_t total) {
  if (received > 0) crash_if("download");
  if (!live_) return;
  if (total) {
    draw("downloading %3.0f%%  %.1f of %.1f MB",
         100.0 * static_cast<double>(received) / static_cast<double>(total), mb(received),
         mb(total));
  } else {
    draw("downloading  %.1f MB", mb(received));
  }
}

int exit_code_of(const job::EditOutcome& o) {
  if (o.state == job::State::kDone) return kExitOk;
  int code = api::exit_code(o.error_class);
  return code ? code : kExitFailed;
}

namespace {

// The --json object, written while each step succeeds: the first error of
// the writer stops the rest.
struct JsonReport {
  codec::JsonWriter& w;
  Status s;
  template <class Step>
  void then(Step step) {
    if (s.is_ok()) s = step();
  }
  void field(const char* k, const std::string& v) {
    then([&] { return w.key(k); });
    then([&] { return v.empty() ? w.null() : w.string(log::redacted(v)); });
  }
  void number(const char* k, int64_t v) {
    then([&] { return w.key(k); });
    then([&] { return w.number(v); });
  }
  void boolean(const char* k, bool v) {
    then([&] { return w.key(k); });
    then([&] { return w.boolean(v); });
  }
  void open(const char* k) {
    then([&] { return w.key(k); });
    then([&] { return w.begin_object(); });
  }
  void close() {
    then([&] { return w.end_object(); });
  }
};

void write_json(const job::EditOutcome& o, int code, bool resumable) {
  const bool done = o.state == job::State::kDone;
  StdioSink out(stdout);
  codec::JsonWriter w(out);
  JsonReport j{w, w.begin_object()};
  j.field("status", done                                ? "completed"
                    : o.state == job::State::kCancelled ? "cancelled"
                                                        : "failed");
  j.number("exit_code", code);
  j.field("task_id", o.task_id);
  j.field("job_id", o.job_id);
  j.field("output", done ? o.output_path : "");
  j.field("url", o.url);
  j.field("cost", o.cost);
  if (!done) {
    j.field("error_class", api::error_class_name(o.error_class));
    j.field("error", o.status.message());
    j.boolean("resumable", resumable);
    j.boolean("may_have_been_submitted", o.may_have_been_submitted);
  }
  if (done) j.field("format", o.result_png ? "png" : "jpeg");
  if (o.prepared.width) j.boolean("cropped", o.cropped);
  if (o.cropped) {
    j.open("crop");
    j.number("x", o.crop.x);
    j.number("y", o.crop.y);
    j.number("width", o.crop.width);
    j.number("height", o.crop.height);
    j.close();
  }
  j.number("creates", o.creates);
  j.number("polls", o.polls);
  j.open("timings_ms");
  j.number("sent", static_cast<int64_t>(o.sent_ms));
  j.number("written", static_cast<int64_t>(o.written_ms));
  j.number("total", static_cast<int64_t>(o.total_ms));
  j.close();
  if (o.prepared.width) {
    j.open("prepared");
    j.number("width", o.prepared.width);
    j.number("height", o.prepared.height);
    j.number("bytes", static_cast<int64_t>(o.prepared.bytes));
    j.number("quality", o.prepared.quality);
    j.close();
  }
  j.close();
  j.then([&] { return w.finish(); });
  std::fputc('\n', stdout);
}

}  // namespace

int report(const job::EditOutcome& o, const CommonOptions& opts) {
  int code = exit_code_of(o);
  const bool done = o.state == job::State::kDone;
  const app::Remedy remedy = app::remedy_for(o);  // app/edits.h decides
  const bool resumable = remedy == app::Remedy::kResume;
  if (opts.json) {
    write_json(o, code, resumable);
    return code;
  }
  if (done) {
    if (!opts.quiet) {
      std::fprintf(stderr, "%sdone%s: %s  (task %s, cost %s, %.1f s)\n", paint("\033[32m"),
                   paint("\033[0m"), o.output_path.c_str(), o.task_id.c_str(),
                   o.cost.empty() ? "n/a" : ("$" + o.cost).c_str(),
                   static_cast<double>(o.total_ms) / 1000.0);
    }
    std::printf("%s\n", o.output_path.c_str());
    return code;
  }
  std::fprintf(stderr, "%sspark-edit: %s%s\n", paint("\033[1;31m"),
               log::redacted(o.status.message()).c_str(), paint("\033[0m"));
  if (resumable) {
    std::fprintf(stderr, "the task is saved: spark-edit resume %s\n", o.task_id.c_str());
  } else if (remedy == app::Remedy::kResendOrForget) {
    std::fprintf(stderr,
                 "edit %s may have been submitted: 'spark-edit resume %s --resend' sends it again "
                 "(it may be charged twice), '--forget' drops it\n",
                 o.job_id.c_str(), o.job_id.c_str());
  }
  return code;
}

}  // namespace spark::cli
