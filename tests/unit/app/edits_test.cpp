// app::Edits, the rules spark-edit and the device program share, against a
// scripted api::Service (tests/unit/job/fake_service.h) on ManualClock, with
// the real journal and files in a scratch state directory.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../job/fake_service.h"
#include "app/edits.h"
#include "app/state_dir.h"
#include "platform/linux/dir_storage.h"
#include "platform/linux/file_io.h"
#include "platform/linux/linux_clock.h"

using namespace spark;
using namespace spark::test;
using api::TaskState;
using app::ResumeItem;
using job::Stage;
using job::State;

namespace {

constexpr const char* kBase = "https://127.0.0.1:1";

struct StateFixture {
  std::string state;
  hal::ManualClock clock{0, 1795996800};
  platform::GetrandomEntropy ids;
  HalfEntropy jitter;
  platform::DirStorage storage;
  job::Journal journal{storage, clock, ids};
  platform::PosixFileSystem files;
  FakeService api{clock};
  app::Edits edits{api, journal, clock, jitter, files, state, kBase};

  static std::string make(const std::string& name) {
    const char* base = std::getenv("SPARK_TEST_TMP");
    std::string dir =
        std::string(base ? base : "/tmp") + "/edits." + name + "." + std::to_string(getpid());
    std::string cmd = "rm -rf '" + dir + "'";
    REQUIRE(std::system(cmd.c_str()) == 0);
    REQUIRE(app::open_state_dir(dir).is_ok());
    return dir;
  }
  explicit StateFixture(const std::string& name)
      : state(make(name)),
        storage(std::move(platform::DirStorage::open(state + "/journal")).value()) {}

  app::EditRequest by_url() {
    app::EditRequest r;
    r.image_url = "https://images.example/dir/photo.jpg";
    r.prompt = "make the sky purple";
    r.names.output = state + "/photo.edited.jpg";
    return r;
  }
  std::vector<job::JournalEntry> open_records() {
    std::vector<job::JournalEntry> v;
    REQUIRE(journal.unfinished(&v).is_ok());
    return v;
  }
};

struct Collect final : app::ResumeListener {
  std::vector<ResumeItem::Kind> kinds;
  std::vector<job::EditOutcome> outcomes;
  size_t started = 999;
  void on_start(size_t n) override { started = n; }
  void on_item(const ResumeItem& item) override {
    kinds.push_back(item.kind);
    outcomes.push_back(item.outcome);
  }
};

// A press during the job: Edits::cancel() once the job reaches `at`.
struct PressAt final : job::Observer {
  app::Edits& edits;
  State at;
  PressAt(app::Edits& e, State s) : edits(e), at(s) {}
  void on_state(State, State to, const char*) override {
    if (to == at) edits.cancel();
  }
};

bool file_exists(const std::string& p) {
  return access(p.c_str(), F_OK) == 0;
}

}  // namespace

TEST_CASE("edits_output_names_follow_the_source_and_the_result_format") {
  CHECK(app::default_output("/p/photo.jpg") == "/p/photo.edited.jpg");
  CHECK(app::default_output("/p/photo.jpg", true) == "/p/photo.edited.png");
  CHECK(app::default_output("/p.d/photo") == "/p.d/photo.edited.jpg");
  CHECK(app::url_stem("https://h/dir/ph oto.jpeg?x=1#y") == "ph_oto");
  CHECK(app::url_stem("https://h") == "image");
  auto chosen = app::choose_output("/p/a.png", false, "/out/x.jpg");
  CHECK(chosen.output == "/out/x.jpg");
  CHECK(chosen.png_output.empty());
  auto url = app::choose_output("https://h/d/cat.jpg", true, "");
  CHECK(url.output.substr(url.output.size() - 15) == "/cat.edited.jpg");
  CHECK(url.png_output.substr(url.png_output.size() - 15) == "/cat.edited.png");
  CHECK(url.output[0] == '/');

  job::JournalEntry e;
  e.source_path = "/p/photo.jpg";
  e.output_path = "/p/photo.edited.jpg";
  CHECK(app::resume_png_output(e) == "/p/photo.edited.png");
  e.output_path = "/p/chosen.jpg";
  CHECK(app::resume_png_output(e).empty());
  e.image_url = "https://h/x.jpg";
  e.output_path = "/cwd/x.edited.jpg";
  CHECK(app::resume_png_output(e) == "/cwd/x.edited.png");
}

TEST_CASE("edits_an_existing_output_blocks_without_force") {
  StateFixture f("force");
  app::OutputNames n{f.state + "/a.edited.jpg", f.state + "/a.edited.png"};
  CHECK(app::blocking_output(n, false).empty());
  std::ofstream(n.png_output) << "x";
  CHECK(app::blocking_output(n, false) == n.png_output);
  CHECK(app::blocking_output(n, true).empty());
}

TEST_CASE("edits_prepared_image_kept_only_while_resumable") {
  job::EditOutcome o;
  o.state = State::kDone;
  o.task_id = "t1";
  CHECK_FALSE(app::keep_prepared(o));
  o.state = State::kFailed;
  CHECK(app::keep_prepared(o));
  o.task_id.clear();
  CHECK_FALSE(app::keep_prepared(o));
  o.may_have_been_submitted = true;
  CHECK(app::keep_prepared(o));
  o.state = State::kCancelled;
  o.may_have_been_submitted = false;
  CHECK_FALSE(app::keep_prepared(o));
  // What is offered afterwards.
  job::EditOutcome cancelled;
  cancelled.state = State::kCancelled;
  cancelled.error_class = api::ErrorClass::kTransient;
  cancelled.task_id = "t1";
  CHECK(app::remedy_for(cancelled) == app::Remedy::kResume);
  cancelled.task_id.clear();
  CHECK(app::remedy_for(cancelled) == app::Remedy::kNone);
  job::EditOutcome lost;
  lost.state = State::kFailed;
  lost.error_class = api::ErrorClass::kUnknownOutcome;
  lost.may_have_been_submitted = true;
  CHECK(app::remedy_for(lost) == app::Remedy::kResendOrForget);
  job::EditOutcome rejected;
  rejected.state = State::kFailed;
  rejected.error_class = api::ErrorClass::kRejected;
  rejected.task_id = "t1";
  CHECK(app::remedy_for(rejected) == app::Remedy::kNone);
  std::string p = app::new_prepared_path("/s", 1795996800);
  CHECK(p.compare(0, 20, "/s/prepared/17959968") == 0);
  CHECK(p.substr(p.size() - 4) == ".jpg");
}

TEST_CASE("edits_a_press_after_create_cancels_and_start_up_resume_polls_the_same_task") {
  StateFixture f("press_cancel");
  f.api.creates.push_back(task("t1"));
  PressAt press(f.edits, State::kWaiting);
  MemorySource none{ConstBytes()};
  auto out = f.edits.edit(f.by_url(), none, job::EditSettings(), &press);
  CHECK(out.state == State::kCancelled);
  CHECK(f.api.create_calls == 1);
  auto open = f.open_records();
  REQUIRE(open.size() == 1);
  CHECK(open[0].stage == Stage::kSubmitted);
  CHECK(open[0].api_base == kBase);

  // Start-up: every unfinished record resumes; the cancel is over.
  f.api.polls.push_back(task("t1", TaskState::kCompleted, "https://cdn.example/r.jpg", 14, "0.03"));
  f.api.downloads.push_back(result(jpeg_bytes()));
  Collect seen;
  REQUIRE(f.edits.resume_all(app::ResumeOptions(), job::EditSettings(), seen).is_ok());
  CHECK(seen.started == 1);
  REQUIRE(seen.kinds == std::vector<ResumeItem::Kind>{ResumeItem::Kind::kResumed});
  CHECK(seen.outcomes[0].state == State::kDone);
  CHECK(f.api.create_calls == 1);
  CHECK(f.api.polled_ids == std::vector<std::string>{"t1"});
  CHECK(file_exists(f.state + "/photo.edited.jpg"));
  CHECK(f.open_records().empty());
}

TEST_CASE("edits_a_press_before_create_leaves_nothing_to_resume") {
  StateFixture f("press_before");
  f.edits.cancel();  // a press before the job: cleared when it starts
  struct PressNow final : job::Observer {
    app::Edits& e;
    explicit PressNow(app::Edits& x) : e(x) {}
    void on_state(State, State to, const char*) override {
      if (to == State::kPreparing) e.cancel();
    }
  } press(f.edits);
  MemorySource none{ConstBytes()};
  auto out = f.edits.edit(f.by_url(), none, job::EditSettings(), &press);
  CHECK(out.state == State::kCancelled);
  CHECK(f.api.create_calls == 0);
  CHECK(f.open_records().empty());
  Collect seen;
  REQUIRE(f.edits.resume_all(app::ResumeOptions(), job::EditSettings(), seen).is_ok());
  CHECK(seen.started == 0);
}

TEST_CASE("edits_resume_rules_per_record") {
  StateFixture f("resume_rules");
  auto record = [&](const std::string& out, const std::string& base, const std::string& task_id) {
    job::JournalEntry e;
    e.prompt = "p";
    e.source_path = "/p/a.jpg";
    e.image_path = app::prepared_dir(f.state) + "/1-1.jpg";
    e.output_path = out;
    e.api_base = base;
    REQUIRE(f.journal.begin(e).is_ok());
    if (!task_id.empty()) REQUIRE(f.journal.set_task(e, task_id).is_ok());
    return e;
  };
  auto intent = record(f.state + "/a.edited.jpg", kBase, "");
  auto bad = record("relative/out.jpg", kBase, "t9");
  auto other = record(f.state + "/b.edited.jpg", "https://elsewhere.example", "t8");
  std::ofstream(intent.image_path) << "jpeg";

  Collect seen;
  REQUIRE(f.edits.resume_all(app::ResumeOptions(), job::EditSettings(), seen).is_ok());
  CHECK(seen.started == 3);
  std::vector<ResumeItem::Kind> kinds = seen.kinds;
  std::sort(kinds.begin(), kinds.end());
  CHECK(kinds == std::vector<ResumeItem::Kind>{ResumeItem::Kind::kRefused,
                                               ResumeItem::Kind::kOtherApiBase,
                                               ResumeItem::Kind::kResumed});
  // The intent without a task is not resent (it may cost twice): still
  // there, its prepared image kept for a later --resend.
  CHECK(f.api.create_calls == 0);
  CHECK(f.api.poll_calls == 0);
  for (const auto& o : seen.outcomes) {
    if (o.job_id == intent.job_id) CHECK(o.may_have_been_submitted);
  }
  CHECK(f.open_records().size() == 3);
  CHECK(file_exists(intent.image_path));

  SUBCASE("forget drops them all and the prepared image") {
    app::ResumeOptions forget;
    forget.forget = true;
    Collect gone;
    REQUIRE(f.edits.resume_all(forget, job::EditSettings(), gone).is_ok());
    CHECK(gone.kinds == std::vector<ResumeItem::Kind>(3, ResumeItem::Kind::kForgotten));
    CHECK(f.open_records().empty());
    CHECK_FALSE(file_exists(intent.image_path));
  }
  SUBCASE("a refused record is not polled through task_for") {
    CHECK_FALSE(f.edits.task_for(bad.job_id).is_ok());
    CHECK(*f.edits.task_for(other.job_id) == "t8");
    CHECK(*f.edits.task_for("unknown-task") == "unknown-task");
  }
}
