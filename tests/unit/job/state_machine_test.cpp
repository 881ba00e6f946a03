#include <doctest/doctest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/log.h"
#include "job/state_machine.h"

using namespace spark;
using namespace spark::job;

namespace {
struct Seen {
  std::vector<std::string> lines;
};
void capture(log::Level, const char* line, void* ctx) {
  static_cast<Seen*>(ctx)->lines.emplace_back(line);
}
}  // namespace

TEST_CASE("happy_path_walks_the_table_and_logs_each_transition") {
  Seen seen;
  log::set_sink(capture, &seen);
  StateMachine m;
  REQUIRE(m.fire(Event::kButton, "button pressed").is_ok());
  REQUIRE(m.fire(Event::kCaptured, "1.2 MB").is_ok());
  REQUIRE(m.fire(Event::kPrepared, "2048x1536").is_ok());
  REQUIRE(m.fire(Event::kSubmitted, "task abc").is_ok());
  REQUIRE(m.fire(Event::kPollDue, "").is_ok());
  REQUIRE(m.fire(Event::kStillRunning, "40%").is_ok());
  REQUIRE(m.fire(Event::kPollDue, "").is_ok());
  REQUIRE(m.fire(Event::kResultReady, "url").is_ok());
  REQUIRE(m.fire(Event::kDownloaded, "out.jpg").is_ok());
  CHECK(m.state() == State::kDone);
  CHECK(is_terminal(m.state()));
  log::reset_sink();
  REQUIRE(seen.lines.size() == 9);
  CHECK(seen.lines[0] == "job: state Idle -> Capturing (button pressed)");
  CHECK(seen.lines[8] == "job: state Downloading -> Done (out.jpg)");
}

TEST_CASE("an_event_without_a_row_is_refused_and_changes_nothing") {
  StateMachine m;
  Status s = m.fire(Event::kDownloaded, "bogus");
  CHECK(s.code() == Code::kInternal);
  CHECK(std::string(s.message()) == "no transition from Idle on downloaded (bogus)");
  CHECK(m.state() == State::kIdle);
  StateMachine done(State::kDone);
  CHECK(done.fire(Event::kCancel, "late").code() == Code::kInternal);
  CHECK(done.fire(Event::kReset, "again").is_ok());
  CHECK(done.state() == State::kIdle);
}

TEST_CASE("every_active_state_can_fail_and_be_cancelled_and_end_states_cannot") {
  for (size_t i = 0; i < kStateCount; ++i) {
    State s = static_cast<State>(i);
    State to;
    bool active = s != State::kIdle && !is_terminal(s);
    CHECK(next_state(s, Event::kFault, &to) == active);
    CHECK(next_state(s, Event::kCancel, &to) == active);
    CHECK(next_state(s, Event::kReset, &to) == is_terminal(s));
  }
}

TEST_CASE("table_has_no_ambiguous_rows_and_every_state_is_reachable") {
  size_t n = 0;
  const Transition* t = transitions(&n);
  std::set<std::pair<int, int>> keys;
  std::set<State> reached{State::kIdle};
  for (size_t r = 0; r < n; ++r) {
    for (size_t s = 0; s < kStateCount; ++s) {
      if (t[r].from_mask & (1u << s)) {
        CHECK(keys.insert({static_cast<int>(s), static_cast<int>(t[r].event)}).second);
      }
    }
    reached.insert(t[r].to);
  }
  CHECK(reached.size() == kStateCount);
}

TEST_CASE("observer_sees_transitions") {
  std::vector<std::pair<State, State>> seen;
  StateMachine m;
  m.set_observer(
      [](State from, State to, Event, const char*, void* ctx) {
        static_cast<std::vector<std::pair<State, State>>*>(ctx)->push_back({from, to});
      },
      &seen);
  REQUIRE(m.fire(Event::kResumePoll, "journal").is_ok());
  REQUIRE(m.fire(Event::kCancel, "user").is_ok());
  REQUIRE(seen.size() == 2);
  CHECK(seen[1].second == State::kCancelled);
}

TEST_CASE("state_machine_doc_matches_the_table") {
  char table[4096];
  size_t n = render_markdown(table, sizeof table);
  REQUIRE(n < sizeof table - 1);
  std::ifstream f(SPARK_SOURCE_DIR "/firmware/job/STATE_MACHINE.md");
  REQUIRE(f.good());
  std::stringstream doc;
  doc << f.rdbuf();
  INFO("regenerate the table in firmware/job/STATE_MACHINE.md from render_markdown()");
  CHECK(doc.str().find(table) != std::string::npos);
}
