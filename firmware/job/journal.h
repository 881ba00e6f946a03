// The journal: what an edit has reached, kept durable so a power cut never
// costs a second paid edit.
//
// One record per edit ("job-<id>.json" in hal::Storage), rewritten whole and
// atomically at each step: the intent before create (prompt, prepared image,
// options); the task id the moment a create reply names it; the result URL;
// and finally the result path and cost. On start, unfinished() lists what to
// resume: poll when a task id is known, download when a URL is known. An
// intent without a task id "may have been submitted" and is not resent
// unless the person asks.
//
// The ledger ("ledger.json") sums usage.cost per UTC day in micro-dollars.
// A finished record is marked once its cost is in the ledger; a power cut
// between the two is reconciled at the next finish (counted once, except in
// the instant between the ledger write and the mark).
//
// Memory: a record is at most kMaxRecord bytes (the prompt is at most 800
// code points); reading one uses a kMaxRecord heap buffer while it parses.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "hal/clock.h"
#include "hal/entropy.h"
#include "hal/storage.h"

namespace spark::job {

enum class Stage : uint8_t {
  kIntent,     // about to create; no task id yet
  kSubmitted,  // task id known
  kResult,     // result URL known
  kDone,       // result stored
  kFailed,     // the service answered the create with a definite failure:
               // no task, nothing to resume (kept as history, like kDone)
};
const char* stage_name(Stage s);

struct JournalEntry {
  std::string job_id;  // local id, assigned by begin()
  Stage stage = Stage::kIntent;
  uint64_t created_s = 0;  // wall time of begin()
  std::string prompt;
  std::string source_path;  // the photo as given
  std::string image_path;   // the prepared JPEG that is uploaded
  std::string image_url;    // or, instead, the https URL the service fetches
  std::string output_path;  // where the result goes
  double scale = 0.5;
  int64_t seed = -1;
  std::string body_shape = "wrapped";
  std::string api_base;
  std::string task_id;
  std::string url;
  std::optional<uint64_t> size;
  std::string cost;
  std::string error;  // why, for kFailed
  bool ledger_counted = false;
};

class Journal {
 public:
  static constexpr size_t kMaxRecord = size_t{16} * 1024;
  static constexpr size_t kMaxRecords = 1000;
  static constexpr size_t kKeepDone = 100;  // finished records kept as history

  Journal(hal::Storage& storage, hal::Clock& clock, hal::Entropy& entropy)
      : storage_(storage), clock_(clock), entropy_(entropy) {}

  // Assigns job_id and created_s, and records the intent durably.
  Status begin(JournalEntry& e);
  Status set_task(JournalEntry& e, const std::string& task_id);
  Status set_result(JournalEntry& e, const std::string& url, std::optional<uint64_t> size);
  // Back to an intent without a task (before a second create of the same
  // photo, after the first task failed on the service side).
  Status reset_to_intent(JournalEntry& e);
  // Records the stored result and adds its cost to the ledger.
  Status finish(JournalEntry& e, const std::string& cost);
  Status forget(const JournalEntry& e);
  // Records a create the service refused outright (no task, no cost):
  // history, not something to resume.
  Status fail(JournalEntry& e, const std::string& why);

  // Every record not done, oldest first.
  Status unfinished(std::vector<JournalEntry>* out);
  // The record with this job id or task id.
  Result<JournalEntry> find(const std::string& id);

  // The ledger's figures for a UTC day ("2026-11-24").
  struct Day {
    uint64_t cost_micros = 0;
    uint32_t edits = 0;
  };
  Result<Day> ledger_day(const std::string& date);

 private:
  Status save(const JournalEntry& e);
  Result<JournalEntry> load(const std::string& name);
  Status add_to_ledger(const JournalEntry& e);
  Status prune_done();

  hal::Storage& storage_;
  hal::Clock& clock_;
  hal::Entropy& entropy_;
};

// "YYYY-MM-DD" (UTC) of a Unix time.
std::string utc_date(uint64_t unix_s);
// "0.03" -> 30000; nullopt for text that is not a non-negative decimal.
std::optional<uint64_t> parse_cost_micros(const std::string& cost);

}  // namespace spark::job
