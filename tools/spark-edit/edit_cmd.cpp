// spark-edit IMAGE "PROMPT": the whole edit; spark-edit status and resume.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <optional>
#include <vector>

#include "app/state_dir.h"
#include "codec/json_writer.h"
#include "commands.h"
#include "stdio_sink.h"
#include "core/log.h"
#include "report.h"
#include "session.h"

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

std::string absolute(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return path;
  return std::string(cwd) + "/" + path;
}

// photo.jpg -> photo.edited.jpg; with png, photo.edited.png (the name a PNG
// result gets when the person did not choose one).
std::string default_output(const std::string& input, bool png = false) {
  const char* ext = png ? ".edited.png" : ".edited.jpg";
  size_t slash = input.rfind('/');
  size_t dot = input.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return input + ext;
  return input.substr(0, dot) + ext;
}

// https://host/dir/photo.jpg?x=1 -> photo (the stem of the URL's last path
// segment, made safe as a file name), "image" when there is none.
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

bool exists(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0;
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

int edit_main(int argc, char** argv) {
  CommonOptions o;
  std::vector<std::string> positional;
  std::string output;
  bool force = false, resend_unknown = false, allow_damaged = false;
  std::string image_url;
  double scale = 0.5, seed = -1, max_side = 2048;
  for (int i = 0; i < argc; ++i) {
    const char* a = argv[i];
    int common = take_common(argc, argv, i, o);
    if (common < 0) return kExitUsage;
    if (common > 0) continue;
    bool has_value = i + 1 < argc;
    if (!std::strcmp(a, "-h") || !std::strcmp(a, "--help")) {
      std::printf("%s%s%s", kEditHelp, kCommonHelp, kExitHelp);
      return kExitOk;
    } else if ((!std::strcmp(a, "-o") || !std::strcmp(a, "--output")) && has_value) {
      output = argv[++i];
    } else if (!std::strcmp(a, "--force")) {
      force = true;
    } else if (!std::strcmp(a, "--resend-unknown")) {
      resend_unknown = true;
    } else if (!std::strcmp(a, "--allow-damaged")) {
      allow_damaged = true;
    } else if (!std::strcmp(a, "--image-url") && has_value) {
      image_url = argv[++i];
    } else if (!std::strcmp(a, "--scale") && has_value) {
      if (!parse_number(argv[++i], 0, 1, scale)) return usage_error("--scale is a number in 0..1, not '%s'", argv[i]);
    } else if (!std::strcmp(a, "--seed") && has_value) {
      if (!parse_number(argv[++i], -1, 4294967295.0, seed) || seed != static_cast<double>(static_cast<int64_t>(seed))) {
        return usage_error("--seed is -1 or a whole number >= 0, not '%s'", argv[i]);
      }
    } else if (!std::strcmp(a, "--max-side") && has_value) {
      if (!parse_number(argv[++i], 512, 4096, max_side)) return usage_error("--max-side is 512..4096, not '%s'", argv[i]);
    } else if (a[0] == '-' && a[1] != '\0' && positional.size() < (image_url.empty() ? 2u : 1u) &&
               std::strcmp(a, "--") != 0) {
      return usage_error("unknown option '%s'", a);
    } else {
      positional.emplace_back(a);
    }
  }
  const bool by_url = !image_url.empty();
  if (positional.size() != (by_url ? 1u : 2u)) {
    if (by_url && positional.size() == 2) {
      return usage_error("%s", "--image-url takes the place of IMAGE: give only the PROMPT");
    }
    std::fprintf(stderr, "%s%s%s", kEditHelp, kCommonHelp, kExitHelp);
    return kExitUsage;
  }
  setup_logging(o);
  if (by_url) {
    Status url_ok = api::validate_image_url(image_url);
    if (!url_ok.is_ok()) return usage_error("--image-url: %s", url_ok.message());
  }
  const std::string input = by_url ? image_url : absolute(positional[0]);
  const std::string prompt = positional[by_url ? 0 : 1];
  auto n = api::validate_prompt(prompt);
  if (!n.is_ok()) return usage_error("%s", n.status().message());
  if (*n > api::kLongPromptCodePoints && !o.quiet) {
    std::fprintf(stderr, "spark-edit: note: the prompt has %zu characters; the service works best "
                 "with at most %zu\n", *n, api::kLongPromptCodePoints);
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
  // A name spark-edit chooses follows the result's format; one the person
  // chose is kept whatever the service returns.
  const std::string stem = by_url ? url_stem(image_url) : positional[0];
  std::string png_output;
  if (output.empty()) png_output = absolute(default_output(stem, true));
  output = absolute(output.empty() ? default_output(stem) : output);
  for (const std::string* p : {&output, &png_output}) {
    if (!p->empty() && exists(*p) && !force) {
      std::fprintf(stderr, "spark-edit: %s exists; use --force to replace it or -o to choose another name\n",
                   p->c_str());
      return kExitInput;
    }
  }
  auto stack = open_stack(o);
  if (!stack.is_ok()) return open_failure(stack.status());
  app::EditStack& s = **stack;

  job::EditSettings settings = settings_for(o);
  settings.fit.max_long_side = static_cast<uint32_t>(max_side);
  settings.resend_unknown = resend_unknown;
  settings.allow_damaged = allow_damaged;
  settings.png_output_path = png_output;
  job::JournalEntry e;
  e.prompt = prompt;
  e.scale = scale;
  e.seed = static_cast<int64_t>(seed);
  e.source_path = input;
  e.output_path = output;
  e.api_base = s.api->config().api_base;
  e.body_shape = o.body_shape;
  e.image_url = image_url;
  if (!by_url) {
    std::string prepared_dir = s.state_dir + "/prepared";
    mkdir(prepared_dir.c_str(), 0700);
    e.image_path = prepared_dir + "/" + std::to_string(s.clock.wall_time_s()) + "-" +
                   std::to_string(getpid()) + ".jpg";
  }

  install_interrupt_handlers();
  Progress progress(s.clock, o);
  job::EditJob edit(*s.api, *s.journal, s.clock, s.entropy, s.files, settings, &progress);
  MemorySource no_photo{ConstBytes()};
  job::EditOutcome outcome = photo ? edit.run(e, *photo) : edit.run(e, no_photo);
  progress.clear();
  // The prepared copy is only needed while the edit can still be resumed.
  bool keep = outcome.state != job::State::kDone &&
              (outcome.may_have_been_submitted || !outcome.task_id.empty());
  if (!keep && !e.image_path.empty()) unlink(e.image_path.c_str());
  return report(outcome, o);
}

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
      std::printf("usage: spark-edit resume [TASK_OR_JOB_ID] [--resend | --forget] [options]\n"
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
  app::EditStack& s = **stack;
  std::vector<job::JournalEntry> entries;
  if (!id.empty()) {
    auto e = s.journal->find(id);
    if (!e.is_ok()) {
      std::fprintf(stderr, "spark-edit: %s\n", e.status().message());
      return kExitInput;
    }
    entries.push_back(std::move(e).value());
  } else {
    Status st = s.journal->unfinished(&entries);
    if (!st.is_ok()) return open_failure(st);
  }
  if (entries.empty() && !o.quiet && !o.json) std::fprintf(stderr, "nothing to resume\n");
  install_interrupt_handlers();
  int worst = kExitOk;
  for (auto& e : entries) {
    // A record that breaks the state rules (app/state_dir.h) is never acted on.
    Status trusted = app::check_journal_entry(e, s.state_dir);
    if (!trusted.is_ok() && !forget) {
      std::fprintf(stderr, "spark-edit: %s; 'spark-edit resume %s --forget' drops it\n",
                   trusted.message(), e.job_id.c_str());
      if (worst == kExitOk) worst = kExitInput;
      continue;
    }
    if (forget) {
      Status st = s.journal->forget(e);
      if (trusted.is_ok()) unlink(e.image_path.c_str());
      std::fprintf(stderr, "forgot edit %s%s%s\n", e.job_id.c_str(),
                   e.task_id.empty() ? "" : " (task ", e.task_id.empty() ? "" : (e.task_id + ")").c_str());
      if (!st.is_ok()) worst = open_failure(st);
      continue;
    }
    if (e.stage == job::Stage::kFailed) {
      if (!o.quiet) std::fprintf(stderr, "edit %s failed and cannot be resumed: %s\n", e.job_id.c_str(), e.error.c_str());
      continue;
    }
    if (e.stage == job::Stage::kDone) {
      if (!o.quiet) std::fprintf(stderr, "edit %s is done: %s\n", e.job_id.c_str(), e.output_path.c_str());
      continue;
    }
    if (!e.api_base.empty() && e.api_base != s.api->config().api_base) {
      std::fprintf(stderr, "spark-edit: edit %s was made with %s; pass --api-base %s to resume it\n",
                   e.job_id.c_str(), e.api_base.c_str(), e.api_base.c_str());
      worst = worst ? worst : kExitUsage;
      continue;
    }
    Progress progress(s.clock, o);
    job::EditSettings settings = settings_for(o);
    // A name spark-edit chose follows the result's format on resume too.
    if (e.image_url.empty() ? e.output_path == default_output(e.source_path)
                            : e.output_path.size() > 11 &&
                                  e.output_path.compare(e.output_path.size() - 11, 11, ".edited.jpg") == 0) {
      settings.png_output_path = e.output_path.substr(0, e.output_path.size() - 11) + ".edited.png";
    }
    job::EditJob edit(*s.api, *s.journal, s.clock, s.entropy, s.files, settings, &progress);
    job::EditOutcome outcome = edit.resume(e, resend);
    progress.clear();
    if (!e.image_path.empty() &&
        (outcome.state == job::State::kDone || (!outcome.may_have_been_submitted && outcome.task_id.empty()))) {
      unlink(e.image_path.c_str());
    }
    int code = report(outcome, o);
    if (code != kExitOk && worst == kExitOk) worst = code;
  }
  return worst;
}

int status_main(int argc, char** argv) {
  CommonOptions o;
  std::string id;
  for (int i = 0; i < argc; ++i) {
    int common = take_common(argc, argv, i, o);
    if (common < 0) return kExitUsage;
    if (common > 0) continue;
    if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
      std::printf("usage: spark-edit status TASK_ID [options]\n"
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
  std::string task = id;
  if (auto e = s.journal->find(id); e.is_ok() && !e->task_id.empty()) {
    Status trusted = app::check_journal_entry(*e, s.state_dir);
    if (!trusted.is_ok()) {
      std::fprintf(stderr, "spark-edit: %s\n", trusted.message());
      return kExitInput;
    }
    task = e->task_id;
  }
  api::Reply r = s.api->poll(task);
  if (!r.ok) {
    std::fprintf(stderr, "spark-edit: %s\n", log::redacted(r.verdict.status.message()).c_str());
    return api::exit_code(r.verdict.error_class);
  }
  const api::TaskInfo& t = r.task;
  if (o.json) {
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
  } else {
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
  return kExitOk;
}

}  // namespace spark::cli
