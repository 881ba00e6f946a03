// job::EditJob's retry, backoff, deadline and cancel rules against a
// scripted api::Service (fake_service.h) on hal::ManualClock: no sockets, no
// real waiting. The journal and the result files are the real ones
// (platform::DirStorage, PosixFileSystem in a scratch directory). Every
// case checks the journal afterwards and how many creates the service saw.
// The real path (TLS, HTTP, spark-sim) keeps its own tests
// (tests/integration/edit_job_test.cpp, tests/cli).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fake_service.h"
#include "job/edit_job.h"
#include "platform/linux/dir_storage.h"
#include "platform/linux/file_io.h"
#include "platform/linux/linux_clock.h"

using namespace spark;
using namespace spark::test;
using api::ErrorClass;
using api::Phase;
using api::TaskState;
using job::Stage;
using job::State;

namespace {

std::string fresh_dir(const std::string& name) {
  const char* base = std::getenv("SPARK_TEST_TMP");
  std::string dir =
      std::string(base ? base : "/tmp") + "/offline." + name + "." + std::to_string(getpid());
  std::string cmd = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return dir;
}

bool file_exists(const std::string& p) {
  return access(p.c_str(), F_OK) == 0;
}

std::string slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Stops the job once it has reached `at` (or at once with kIdle).
struct CancelAt final : job::Observer {
  State at;
  bool armed = false;
  explicit CancelAt(State s) : at(s), armed(s == State::kIdle) {}
  void on_state(State, State to, const char*) override {
    if (to == at) armed = true;
  }
  bool cancelled() override { return armed; }
};

// Stops the job from inside the upload's progress callback.
struct CancelInUpload final : job::Observer {
  bool armed = false;
  void on_upload(uint64_t, uint64_t) override { armed = true; }
  bool cancelled() override { return armed; }
};

struct Offline {
  std::string dir;
  hal::ManualClock clock{0, 1795996800};
  platform::GetrandomEntropy ids;  // distinct job ids
  HalfEntropy jitter;              // exact delays
  platform::DirStorage storage;
  job::Journal journal{storage, clock, ids};
  platform::PosixFileSystem files;
  FakeService api{clock};
  job::EditSettings settings;

  explicit Offline(const std::string& name)
      : dir(fresh_dir(name)),
        storage(std::move(platform::DirStorage::open(dir + "/journal")).value()) {}

  job::JournalEntry entry() {
    job::JournalEntry e;
    e.prompt = "make the sky purple";
    e.image_url = "https://images.example/photo.jpg";
    e.source_path = e.image_url;
    e.output_path = dir + "/photo.edited.jpg";
    e.api_base = "https://127.0.0.1:1";
    return e;
  }
  job::EditOutcome run(job::JournalEntry& e, job::Observer* obs = nullptr) {
    job::EditJob j(api, journal, clock, jitter, files, settings, obs);
    MemorySource none{ConstBytes()};
    return j.run(e, none);
  }
  job::EditOutcome resume(job::JournalEntry& e, bool resend = false, job::Observer* obs = nullptr) {
    job::EditJob j(api, journal, clock, jitter, files, settings, obs);
    return j.resume(e, resend);
  }
  std::vector<job::JournalEntry> open_records() {
    std::vector<job::JournalEntry> v;
    REQUIRE(journal.unfinished(&v).is_ok());
    return v;
  }
  // The script of a task that completes on its first poll, and its result.
  void completes(const char* id = "t1") {
    api.polls.push_back(task(id, TaskState::kCompleted, "https://cdn.example/r.jpg", 14, "0.03"));
    api.downloads.push_back(result(jpeg_bytes()));
  }
};

}  // namespace

TEST_CASE("offline_create_transport_fault_before_the_body_is_resent") {
  Offline f("before_body");
  f.api.creates.push_back(transport(Phase::kCreate, false));
  f.api.creates.push_back(task("t1"));
  f.completes();
  auto e = f.entry();
  auto out = f.run(e);
  CHECK(out.state == State::kDone);
  CHECK(f.api.create_calls == 2);
  CHECK(f.api.accepted_creates == 1);
  CHECK(f.api.unscripted == 0);
  CHECK(slurp(e.output_path) == jpeg_bytes());
  CHECK(f.open_records().empty());
  auto rec = f.journal.find(out.job_id);
  REQUIRE(rec.is_ok());
  CHECK(rec->stage == Stage::kDone);
  CHECK(rec->task_id == "t1");
  CHECK(rec->cost == "0.03");
}

TEST_CASE("offline_create_transport_fault_after_the_body_is_not_resent") {
  Offline f("after_body");
  f.api.creates.push_back(transport(Phase::kCreate, true));
  auto e = f.entry();
  auto out = f.run(e);
  CHECK(out.state == State::kFailed);
  CHECK(out.error_class == ErrorClass::kUnknownOutcome);
  CHECK(out.may_have_been_submitted);
  CHECK(f.api.create_calls == 1);
  CHECK(f.api.unscripted == 0);
  auto open = f.open_records();
  REQUIRE(open.size() == 1);
  CHECK(open[0].stage == Stage::kIntent);
  CHECK(open[0].task_id.empty());
  CHECK_FALSE(file_exists(e.output_path));

  SUBCASE("and a resume does not resend it unless asked") {
    auto again = f.resume(open[0], false);
    CHECK(again.may_have_been_submitted);
    CHECK(f.api.create_calls == 1);
    CHECK(f.open_records().size() == 1);
  }
  SUBCASE("a resume with resend sends it once more") {
    f.api.creates.push_back(task("t2"));
    f.completes("t2");
    auto again = f.resume(open[0], true);
    CHECK(again.state == State::kDone);
    CHECK(f.api.create_calls == 2);
    CHECK(f.api.polled_ids == std::vector<std::string>{"t2"});
    CHECK(f.open_records().empty());
  }
}

TEST_CASE("offline_create_unknown_outcome_resent_only_with_resend_unknown") {
  Offline f("resend_unknown");
  f.settings.resend_unknown = true;
  f.api.creates.push_back(transport(Phase::kCreate, true));
  f.api.creates.push_back(task("t1"));
  f.completes();
  auto e = f.entry();
  auto out = f.run(e);
  CHECK(out.state == State::kDone);
  CHECK(f.api.create_calls == 2);
  CHECK(f.open_records().empty());
}

TEST_CASE("offline_create_429_and_503_wait_their_retry_after_capped") {
  Offline f("retry_after");
  // 999999 s asked: cut to the backoff cap (30 s); 2 s asked: honoured.
  f.api.creates.push_back(http_error(Phase::kCreate, 429, 999999000u));
  f.api.creates.push_back(http_error(Phase::kCreate, 503, 2000u));
  f.api.creates.push_back(task("t1"));
  f.completes();
  auto e = f.entry();
  auto out = f.run(e);
  CHECK(out.state == State::kDone);
  REQUIRE(f.api.create_at_ms.size() == 3);
  CHECK(f.api.create_at_ms[1] - f.api.create_at_ms[0] == f.settings.backoff.cap_ms);
  CHECK(f.api.create_at_ms[2] - f.api.create_at_ms[1] == 2000);
  CHECK(f.api.accepted_creates == 1);
  CHECK(f.open_records().empty());
}

TEST_CASE("offline_create_502_and_504_are_not_resent") {
  for (int status : {500, 502, 504}) {
    CAPTURE(status);
    Offline f("gateway" + std::to_string(status));
    f.api.creates.push_back(http_error(Phase::kCreate, status, std::nullopt, 3007099));
    auto e = f.entry();
    auto out = f.run(e);
    CHECK(out.state == State::kFailed);
    CHECK(out.error_class == ErrorClass::kUnknownOutcome);
    CHECK(f.api.create_calls == 1);
    auto open = f.open_records();
    REQUIRE(open.size() == 1);
    CHECK(open[0].stage == Stage::kIntent);
  }
}

TEST_CASE("offline_create_refused_is_history_not_resumable") {
  Offline f("refused");
  f.api.creates.push_back(http_error(Phase::kCreate, 400, std::nullopt, 3007004));
  auto e = f.entry();
  auto out = f.run(e);
  CHECK(out.error_class == ErrorClass::kRejected);
  CHECK(f.api.create_calls == 1);
  auto rec = f.journal.find(out.job_id);
  REQUIRE(rec.is_ok());
  CHECK(rec->stage == Stage::kFailed);
}

TEST_CASE("offline_poll_faults_retry_the_same_task") {
  Offline f("poll_retry");
  f.api.creates.push_back(task("t1"));
  f.api.polls.push_back(http_error(Phase::kPoll, 500));
  f.api.polls.push_back(transport(Phase::kPoll, true, 30000));  // a poll that timed out
  f.api.polls.push_back(http_error(Phase::kPoll, 503, 999999000u));
  f.api.polls.push_back(task("t1"));
  f.completes();
  auto e = f.entry();
  auto out = f.run(e);
  CHECK(out.state == State::kDone);
  CHECK(f.api.create_calls == 1);
  CHECK(f.api.polled_ids == std::vector<std::string>(5, "t1"));
  // The 503's Retry-After is honoured up to max_retry_after_ms.
  REQUIRE(f.api.poll_at_ms.size() == 5);
  CHECK(f.api.poll_at_ms[3] - f.api.poll_at_ms[2] == f.settings.poll.max_retry_after_ms);
  CHECK(f.open_records().empty());
}

TEST_CASE("offline_poll_consecutive_faults_leave_it_resumable") {
  Offline f("poll_limit");
  f.api.creates.push_back(task("t1"));
  for (uint32_t i = 0; i < f.settings.backoff.max_attempts; ++i) {
    f.api.polls.push_back(transport(Phase::kPoll, true, 30000));
  }
  auto e = f.entry();
  auto out = f.run(e);
  CHECK(out.state == State::kFailed);
  CHECK(out.error_class == ErrorClass::kTransient);
  CHECK(f.api.poll_calls == f.settings.backoff.max_attempts);
  CHECK(f.api.unscripted == 0);
  CHECK(std::string(out.status.message()).find("resume") != std::string::npos);
  auto open = f.open_records();
  REQUIRE(open.size() == 1);
  CHECK(open[0].stage == Stage::kSubmitted);
  CHECK(open[0].task_id == "t1");

  // Resumed later: the same task is polled, nothing is created again.
  f.completes();
  auto again = f.resume(open[0]);
  CHECK(again.state == State::kDone);
  CHECK(f.api.create_calls == 1);
  CHECK(f.open_records().empty());
}

TEST_CASE("offline_poll_404_forgets_the_task") {
  Offline f("poll_404");
  f.api.creates.push_back(task("t1"));
  f.api.polls.push_back(http_error(Phase::kPoll, 404, std::nullopt, 3007006));
  auto e = f.entry();
  auto out = f.run(e);
  CHECK(out.state == State::kFailed);
  CHECK(f.api.create_calls == 1);
  CHECK(f.open_records().empty());
  CHECK_FALSE(f.journal.find(out.job_id).is_ok());
}

TEST_CASE("offline_failed_task_3007095_to_97_is_resubmitted_at_most_once") {
  for (int64_t code : {3007095, 3007096, 3007097}) {
    CAPTURE(code);
    Offline f("resubmit" + std::to_string(code));
    f.api.creates.push_back(task("t1"));
    f.api.polls.push_back(task("t1", TaskState::kFailed, "", std::nullopt, "", code));
    f.api.creates.push_back(task("t2"));
    f.api.polls.push_back(task("t2", TaskState::kFailed, "", std::nullopt, "", code));
    auto e = f.entry();
    auto out = f.run(e);
    CHECK(out.state == State::kFailed);
    CHECK(f.api.create_calls == 2);
    CHECK(f.api.unscripted == 0);
    CHECK(f.api.polled_ids == std::vector<std::string>{"t1", "t2"});
    CHECK(f.open_records().empty());  // failed without cost: nothing to resume
  }
}

TEST_CASE("offline_failed_task_3007001_to_09_is_not_retried") {
  for (int64_t code : {3007001, 3007004, 3007009}) {
    CAPTURE(code);
    Offline f("noretry" + std::to_string(code));
    f.api.creates.push_back(task("t1"));
    f.api.polls.push_back(task("t1", TaskState::kFailed, "", std::nullopt, "", code));
    auto e = f.entry();
    auto out = f.run(e);
    CHECK(out.state == State::kFailed);
    CHECK((out.error_class == ErrorClass::kRejected || out.error_class == ErrorClass::kAuth));
    CHECK(f.api.create_calls == 1);
    CHECK(f.api.poll_calls == 1);
    CHECK(f.open_records().empty());
  }
}

TEST_CASE("offline_deadline_while_waiting_leaves_the_task_resumable") {
  Offline f("deadline");
  f.settings.poll.deadline_ms = 20000;
  f.api.creates.push_back(task("t1"));
  for (int i = 0; i < 20; ++i) f.api.polls.push_back(task("t1"));
  auto e = f.entry();
  auto out = f.run(e);
  CHECK(out.state == State::kFailed);
  CHECK(out.status.code() == Code::kDeadlineExceeded);
  CHECK(std::string(out.status.message()).find("t1") != std::string::npos);
  CHECK(f.clock.now_ms() <= 20000);
  CHECK(f.api.create_calls == 1);
  auto open = f.open_records();
  REQUIRE(open.size() == 1);
  CHECK(open[0].stage == Stage::kSubmitted);
  CHECK(open[0].task_id == "t1");
}

TEST_CASE("offline_cancel_before_create_pays_nothing_and_clears_the_journal") {
  Offline f("cancel_before");
  CancelAt stop(State::kIdle);
  auto e = f.entry();
  auto out = f.run(e, &stop);
  CHECK(out.state == State::kCancelled);
  CHECK(f.api.create_calls == 0);
  CHECK(f.open_records().empty());
}

TEST_CASE("offline_cancel_during_the_upload_forgets_the_unsent_intent") {
  Offline f("cancel_upload");
  CancelInUpload stop;
  f.api.creates.push_back(task("never"));
  auto e = f.entry();
  auto out = f.run(e, &stop);
  CHECK(out.state == State::kCancelled);
  CHECK(f.api.create_calls == 1);
  CHECK(f.api.accepted_creates == 0);
  CHECK(f.open_records().empty());
}

TEST_CASE("offline_cancel_after_create_keeps_the_task_and_never_resends") {
  Offline f("cancel_after");
  CancelAt stop(State::kWaiting);
  f.api.creates.push_back(task("t1"));
  auto e = f.entry();
  auto out = f.run(e, &stop);
  CHECK(out.state == State::kCancelled);
  CHECK(out.task_id == "t1");
  CHECK(f.api.create_calls == 1);
  CHECK(f.api.poll_calls == 0);
  auto open = f.open_records();
  REQUIRE(open.size() == 1);
  CHECK(open[0].stage == Stage::kSubmitted);
  CHECK(open[0].task_id == "t1");

  f.completes();
  auto again = f.resume(open[0]);
  CHECK(again.state == State::kDone);
  CHECK(f.api.create_calls == 1);
  CHECK(f.api.polled_ids == std::vector<std::string>{"t1"});
  CHECK(f.open_records().empty());
}

TEST_CASE("offline_cancel_before_download_keeps_the_result_url") {
  Offline f("cancel_download");
  CancelAt stop(State::kDownloading);
  f.api.creates.push_back(task("t1"));
  f.api.polls.push_back(task("t1", TaskState::kCompleted, "https://cdn.example/r.jpg", 14, "0.03"));
  auto e = f.entry();
  auto out = f.run(e, &stop);
  CHECK(out.state == State::kCancelled);
  CHECK(f.api.download_calls == 0);
  auto open = f.open_records();
  REQUIRE(open.size() == 1);
  CHECK(open[0].stage == Stage::kResult);
  CHECK(open[0].url == "https://cdn.example/r.jpg");
  CHECK_FALSE(file_exists(e.output_path));

  f.api.downloads.push_back(result(jpeg_bytes()));
  auto again = f.resume(open[0]);
  CHECK(again.state == State::kDone);
  CHECK(f.api.create_calls == 1);
  CHECK(f.api.poll_calls == 1);
  CHECK(slurp(e.output_path) == jpeg_bytes());
}

TEST_CASE("offline_download_faults_and_size_checks") {
  Offline f("download");
  f.api.creates.push_back(task("t1"));
  f.api.polls.push_back(task("t1", TaskState::kCompleted, "https://cdn.example/r.jpg", 14, "0.03"));
  auto e = f.entry();

  SUBCASE("a 503 and a cut transfer are downloaded again") {
    f.api.downloads.push_back(http_error(Phase::kDownload, 503));
    f.api.downloads.push_back(
        result(jpeg_bytes().substr(0, 6), false, false));  // short, incomplete
    f.api.downloads.push_back(result(jpeg_bytes()));
    auto out = f.run(e);
    CHECK(out.state == State::kDone);
    CHECK(f.api.download_calls == 3);
    CHECK(slurp(e.output_path) == jpeg_bytes());
    CHECK(f.open_records().empty());
  }
  SUBCASE("a size other than announced but a complete picture is kept") {
    f.api.downloads.push_back(result(jpeg_bytes() + std::string("\xFF\xD9", 2)));
    auto out = f.run(e);
    CHECK(out.state == State::kDone);
    CHECK(f.api.download_calls == 1);
  }
  SUBCASE("always incomplete: fails, no file under the name, still resumable") {
    for (uint32_t i = 0; i < f.settings.backoff.max_attempts; ++i) {
      f.api.downloads.push_back(result(jpeg_bytes().substr(0, 6), false, false));
    }
    auto out = f.run(e);
    CHECK(out.state == State::kFailed);
    CHECK(out.status.code() == Code::kDataLoss);
    CHECK(f.api.download_calls == f.settings.backoff.max_attempts);
    CHECK_FALSE(file_exists(e.output_path));
    auto open = f.open_records();
    REQUIRE(open.size() == 1);
    CHECK(open[0].stage == Stage::kResult);
  }
  SUBCASE("an expired URL (404) goes back to polling the task") {
    f.api.downloads.push_back(http_error(Phase::kDownload, 404));
    auto out = f.run(e);
    CHECK(out.state == State::kFailed);
    auto open = f.open_records();
    REQUIRE(open.size() == 1);
    CHECK(open[0].stage == Stage::kSubmitted);
    CHECK(open[0].task_id == "t1");
    CHECK(f.api.create_calls == 1);
  }
  SUBCASE("a PNG result takes the .png name when one is given") {
    f.settings.png_output_path = f.dir + "/photo.edited.png";
    f.api.downloads.push_back(result(png_bytes(), true, true));
    auto out = f.run(e);
    CHECK(out.state == State::kDone);
    CHECK(out.result_png);
    CHECK(out.output_path == f.dir + "/photo.edited.png");
    CHECK_FALSE(file_exists(f.dir + "/photo.edited.jpg"));
  }
  CHECK(f.api.unscripted == 0);
}
