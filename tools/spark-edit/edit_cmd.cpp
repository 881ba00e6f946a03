// spark-edit IMAGE "PROMPT": the whole edit; spark-edit status and resume.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "app/edits.h"
#include "codec/json_writer.h"
#include "commands.h"
#include "core/log.h"
#include "report.h"
#include "session.h"
#include "stdio_sink.h"

namespace spark::cli {
namespace {

const char kEditHelp[] =
    "usage: spark-edit [options] IMAGE \"PROMPT\" [-o OUT]\n"
    "       spark-edit [options] --image-url https://... \"PROMPT\" [-o OUT]\n"
    "  Edits IMAGE (JPEG or PNG) as PROMPT says with Spark Edit 3.0 and writes the\n"
    "  result next to it (photo.jpg -> photo.edited.jpg; .png when the service\n"
    "  returns a PNG) or to OUT (kept as the service sent it, whatever its name).\n"
    "options:\n"
    "  -o, --output OUT  where the result goes (never overwritten without --force)\n"
    "  --image-url URL   let the service fetch the picture from this https URL\n"
    "                    (nothing is uploaded; the result goes to NAME.edited.jpg\n"
    "                    in the current directory, NAME from the URL's path)\n"
    "  --allow-damaged   send a photo that could only partly be decoded (refused\n"
    "                    by default: the edit of a half-grey picture is charged)\n"
    "  --force           replace an existing OUT\n"
    "  --scale F         0..1, how strongly to follow the prompt (default 0.5)\n"
    "  --seed N          -1 random (default), or a fixed seed >= 0\n"
    "  --max-side N      longest side sent, 512..4096 (default 2048)\n"
    "  --resend-unknown  resend a create whose reply was lost (it may be charged twice)\n";

const char kExitHelp[] =
    "exit codes: 0 done, 2 usage, 3 input file, 4 auth/quota, 5 rejected by the\n"
    "  service, 6 network or timeout (the task id is printed: spark-edit resume ID),\n"
    "  7 the task failed\n";

bool parse_number(const char* s, double lo, double hi, double& out) {
  char* end = nullptr;
  double v = std::strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= lo && v <= hi)) return false;
  out = v;
  return true;
}

job::EditSettings settings_for(const CommonOptions& o) {
  job::EditSettings s;
  s.poll.deadline_ms = static_cast<uint32_t>(o.timeout_s * 1000);
  return s;
}

__attribute__((format(printf, 1, 2))) int usage_error(const char* fmt, ...) {
  std::fprintf(stderr, "spark-edit: ");
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "\n(spark-edit --help for usage)\n");
  return kExitUsage;
}

}  // namespace

namespace {

struct EditArgs {
  CommonOptions o;
  std::vector<std::string> positional;
  std::string output;
  bool force = false, resend_unknown = false, allow_damaged = false;
  std::string image_url;
  double scale = 0.5, seed = -1, max_side = 2048;
};

constexpr int kNextArg = -1;

bool is_number_option(const char* a) {
  return !std::strcmp(a, "--scale") || !std::strcmp(a, "--seed") || !std::strcmp(a, "--max-side");
}

// The value v of --scale, --seed or --max-side: kNextArg, or kExitUsage.
int take_number(const char* a, const char* v, EditArgs& e) {
  if (!std::strcmp(a, "--scale")) {
    if (!parse_number(v, 0, 1, e.scale))
      return usage_error("--scale is a number in 0..1, not '%s'", v);
  } else if (!std::strcmp(a, "--seed")) {
    if (!parse_number(v, -1, 4294967295.0, e.seed) ||
        e.seed != static_cast<double>(static_cast<int64_t>(e.seed))) {
      return usage_error("--seed is -1 or a whole number >= 0, not '%s'", v);
    }
  } else if (!parse_number(v, 512, 4096, e.max_side)) {
    return usage_error("--max-side is 512..4096, not '%s'", v);
  }
  return kNextArg;
}

// One argument of an edit at argv[i] (i moves past its value): kNextArg, or
// the exit code to end with.
int take_edit_arg(int argc, char** argv, int& i, EditArgs& e) {
  const char* a = argv[i];
  int common = take_common(argc, argv, i, e.o);
  if (common < 0) return kExitUsage;
  if (common > 0) return kNextArg;
  bool has_value = i + 1 < argc;
  if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help")) {
    std::printf("%s%s%s", kEditHelp, kCommonHelp, kExitHelp);
    return kExitOk;
  } else if ((!std::strcmp(a, "-o") || !std::strcmp(a, "--output")) && has_value) {
    e.output = argv[++i];
  } else if (!std::strcmp(a, "--force")) {
    e.force = true;
  } else if (!std::strcmp(a, "--resend-unknown")) {
    e.resend_unknown = true;
  } else if (!std::strcmp(a, "--allow-damaged")) {
    e.allow_damaged = true;
  } else if (!std::strcmp(a, "--image-url") && has_value) {
    e.image_url = argv[++i];
  } else if (has_value && is_number_option(a)) {
    return take_number(a, argv[++i], e);
  } else if (a[0] == '-' && a[1] != '\0' && e.positional.size() < (e.image_url.empty() ? 2u : 1u) &&
             std::strcmp(a, "--") != 0) {
    return usage_error("unknown option '%s'", a);
  } else {
    e.positional.emplace_back(a);
  }
  return kNextArg;
}

// The arguments of an edit, checked: kNextArg, or the exit code to end with.
int parse_edit_args(int argc, char** argv, EditArgs& e) {
  for (int i = 0; i < argc; ++i) {
    int rc = take_edit_arg(argc, argv, i, e);
    if (rc != kNextArg) return rc;
  }
  const bool by_url = !e.image_url.empty();
  if (e.positional.size() != (by_url ? 1u : 2u)) {
    if (by_url && e.positional.size() == 2) {
      return usage_error("%s", "--image-url takes the place of IMAGE: give only the PROMPT");
    }
    std::fprintf(stderr, "%s%s%s", kEditHelp, kCommonHelp, kExitHelp);
    return kExitUsage;
  }
  return kNextArg;
}

}  // namespace

int edit_main(int argc, char** argv) {
  EditArgs e;
  if (int rc = parse_edit_args(argc, argv, e); rc != kNextArg) return rc;
  const CommonOptions& o = e.o;
  const std::vector<std::string>& positional = e.positional;
  const std::string& image_url = e.image_url;
  const bool by_url = !image_url.empty();
  setup_logging(o);
  if (by_url) {
    Status url_ok = api::validate_image_url(image_url);
    if (!url_ok.is_ok()) return usage_error("--image-url: %s", url_ok.message());
  }
  const std::string input = by_url ? image_url : app::absolute_path(positional[0]);
  const std::string prompt = positional[by_url ? 0 : 1];
  auto n = api::validate_prompt(prompt);
  if (!n.is_ok()) return usage_error("%s", n.status().message());
  if (*n > api::kLongPromptCodePoints && !o.quiet) {
    std::fprintf(stderr,
                 "spark-edit: note: the prompt has %zu characters; the service works best "
                 "with at most %zu\n",
                 *n, api::kLongPromptCodePoints);
  }
  std::optional<platform::FileSource> photo;
  if (!by_url) {
    auto opened = platform::FileSource::open(input);
    if (!opened.is_ok()) {
      std::fprintf(stderr, "spark-edit: %s\n", opened.status().message());
      return kExitInput;
    }
    photo.emplace(std::move(opened).value());
  }
  // Naming and --force are app::Edits' rules (app/edits.h).
  app::EditRequest request;
  request.names = app::choose_output(by_url ? image_url : positional[0], by_url, e.output);
  std::string blocked = app::blocking_output(request.names, e.force);
  if (!blocked.empty()) {
    std::fprintf(stderr,
                 "spark-edit: %s exists; use --force to replace it or -o to choose another name\n",
                 blocked.c_str());
    return kExitInput;
  }
  auto stack = open_stack(o);
  if (!stack.is_ok()) return open_failure(stack.status());
  app::Edits edits(**stack);

  job::EditSettings settings = settings_for(o);
  settings.fit.max_long_side = static_cast<uint32_t>(e.max_side);
  settings.resend_unknown = e.resend_unknown;
  settings.allow_damaged = e.allow_damaged;
  request.source = by_url ? std::string() : input;
  request.image_url = image_url;
  request.prompt = prompt;
  request.scale = e.scale;
  request.seed = static_cast<int64_t>(e.seed);
  request.body_shape = o.body_shape;

  install_interrupt_handlers();
  Progress progress((*stack)->clock, o);
  MemorySource no_photo{ConstBytes()};
  job::EditOutcome outcome = photo ? edits.edit(request, *photo, settings, &progress)
                                   : edits.edit(request, no_photo, settings, &progress);
  progress.clear();
  return report(outcome, o);
}

namespace {

// Which records are resumed and how is app::Edits' (app/edits.h); this
// prints each and picks the exit code.
class ResumePrinter final : public app::ResumeListener {
 public:
  ResumePrinter(hal::Clock& clock, const CommonOptions& opts) : clock_(clock), o_(opts) {}
  void on_start(size_t records) override {
    if (records == 0 && !o_.quiet && !o_.json) std::fprintf(stderr, "nothing to resume\n");
    install_interrupt_handlers();
  }
  job::Observer* observer(const job::JournalEntry&) override {
    progress_ = std::make_unique<Progress>(clock_, o_);
    return progress_.get();
  }
  void on_item(const app::ResumeItem& item) override {
    const job::JournalEntry& e = *item.entry;
    using Kind = app::ResumeItem::Kind;
    switch (item.kind) {
      case Kind::kRefused:
        std::fprintf(stderr, "spark-edit: %s; 'spark-edit resume %s --forget' drops it\n",
                     item.status.message(), e.job_id.c_str());
        if (worst == kExitOk) worst = kExitInput;
        break;
      case Kind::kForgotten:
        std::fprintf(stderr, "forgot edit %s%s%s\n", e.job_id.c_str(),
                     e.task_id.empty() ? "" : " (task ",
                     e.task_id.empty() ? "" : (e.task_id + ")").c_str());
        if (!item.status.is_ok()) worst = open_failure(item.status);
        break;
      case Kind::kFailedBefore:
        if (!o_.quiet) {
          std::fprintf(stderr, "edit %s failed and cannot be resumed: %s\n", e.job_id.c_str(),
                       e.error.c_str());
        }
        break;
      case Kind::kAlreadyDone:
        if (!o_.quiet)
          std::fprintf(stderr, "edit %s is done: %s\n", e.job_id.c_str(), e.output_path.c_str());
        break;
      case Kind::kOtherApiBase:
        std::fprintf(stderr,
                     "spark-edit: edit %s was made with %s; pass --api-base %s to resume it\n",
                     e.job_id.c_str(), e.api_base.c_str(), e.api_base.c_str());
        worst = worst ? worst : kExitUsage;
        break;
      case Kind::kResumed: {
        if (progress_) progress_->clear();
        progress_.reset();
        int code = report(item.outcome, o_);
        if (code != kExitOk && worst == kExitOk) worst = code;
        break;
      }
    }
  }
  int worst = kExitOk;

 private:
  hal::Clock& clock_;
  const CommonOptions& o_;
  std::unique_ptr<Progress> progress_;
};

}  // namespace

int resume_main(int argc, char** argv) {
  CommonOptions o;
  std::string id;
  bool resend = false, forget = false;
  for (int i = 0; i < argc; ++i) {
    int common = take_common(argc, argv, i, o);
    if (common < 0) return kExitUsage;
    if (common > 0) continue;
    if (!std::strcmp(argv[i], "--resend")) {
      resend = true;
    } else if (!std::strcmp(argv[i], "--forget")) {
      forget = true;
    } else if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
      std::printf(
          "usage: spark-edit resume [TASK_OR_JOB_ID] [--resend | --forget] [options]\n"
          "  Continues unfinished edits from the journal: polls a task whose id is known,\n"
          "  downloads a result whose URL is known. An edit whose create reply was lost\n"
          "  is only sent again with --resend (it may be charged twice); --forget drops it.\n"
          "  Without an id, every unfinished edit is resumed in turn.\n%s%s",
          kCommonHelp, kExitHelp);
      return kExitOk;
    } else if (argv[i][0] != '-' && id.empty()) {
      id = argv[i];
    } else {
      return usage_error("unexpected argument '%s'", argv[i]);
    }
  }
  setup_logging(o);
  auto stack = open_stack(o);
  if (!stack.is_ok()) return open_failure(stack.status());
  app::Edits edits(**stack);
  ResumePrinter printer((*stack)->clock, o);
  app::ResumeOptions ro;
  ro.id = id;
  ro.resend = resend;
  ro.forget = forget;
  Status st = edits.resume_all(ro, settings_for(o), printer);
  if (!st.is_ok()) {
    if (id.empty()) return open_failure(st);
    std::fprintf(stderr, "spark-edit: %s\n", st.message());
    return kExitInput;
  }
  return printer.worst;
}

namespace {

void print_task_json(const api::TaskInfo& t) {
  StdioSink out(stdout);
  codec::JsonWriter w(out);
  Status st = w.begin_object();
  auto field = [&](const char* k, const char* v) {
    if (st.is_ok()) st = w.key(k);
    if (st.is_ok()) st = w.string(log::redacted(v));
  };
  field("task_id", t.id);
  field("status", t.status_text);
  field("state", api::task_state_name(t.state));
  if (t.progress && st.is_ok()) {
    st = w.key("progress");
    if (st.is_ok()) st = w.number(*t.progress);
  }
  if (t.url[0]) field("url", t.url);
  if (t.cost[0]) field("cost", t.cost);
  if (t.error.code && st.is_ok()) {
    st = w.key("error_code");
    if (st.is_ok()) st = w.number(*t.error.code);
  }
  if (t.error.message[0]) field("error", t.error.message);
  if (st.is_ok()) st = w.end_object();
  if (st.is_ok()) st = w.finish();
  std::printf("\n");
}

void print_task_text(const api::TaskInfo& t) {
  std::printf("task %s: %s", t.id, t.status_text);
  if (t.progress) std::printf(" (%.0f%%)", *t.progress * 100);
  std::printf("\n");
  if (t.url[0]) std::printf("result: %s\n", log::redacted(t.url).c_str());
  if (t.cost[0]) std::printf("cost: $%s\n", t.cost);
  if (t.state == api::TaskState::kFailed) {
    std::printf("error: %s", log::redacted(t.error.message).c_str());
    if (t.error.code) std::printf(" (code %lld)", static_cast<long long>(*t.error.code));
    std::printf("\n");
  }
}

}  // namespace

int status_main(int argc, char** argv) {
  CommonOptions o;
  std::string id;
  for (int i = 0; i < argc; ++i) {
    int common = take_common(argc, argv, i, o);
    if (common < 0) return kExitUsage;
    if (common > 0) continue;
    if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
      std::printf(
          "usage: spark-edit status TASK_ID [options]\n"
          "  Asks the service once about a task (or a journalled edit) and prints it.\n%s%s",
          kCommonHelp, kExitHelp);
      return kExitOk;
    } else if (argv[i][0] != '-' && id.empty()) {
      id = argv[i];
    } else {
      return usage_error("unexpected argument '%s'", argv[i]);
    }
  }
  if (id.empty()) return usage_error("%s", "status needs a TASK_ID");
  setup_logging(o);
  auto stack = open_stack(o);
  if (!stack.is_ok()) return open_failure(stack.status());
  app::EditStack& s = **stack;
  auto task = app::Edits(s).task_for(id);
  if (!task.is_ok()) {
    std::fprintf(stderr, "spark-edit: %s\n", task.status().message());
    return kExitInput;
  }
  api::Reply r = s.api->poll(*task);
  if (!r.ok) {
    std::fprintf(stderr, "spark-edit: %s\n", log::redacted(r.verdict.status.message()).c_str());
    return api::exit_code(r.verdict.error_class);
  }
  if (o.json) {
    print_task_json(r.task);
  } else {
    print_task_text(r.task);
  }
  return kExitOk;
}

}  // namespace spark::cli
