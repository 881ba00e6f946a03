#include "job/journal.h"

#include <algorithm>
#include <cstdio>
#include <memory>

#include "codec/json_parse.h"
#include "core/log.h"

namespace spark::job {
namespace {

constexpr char kPrefix[] = "job-";
constexpr char kLedger[] = "ledger.json";

std::string record_name(const std::string& job_id) {
  return kPrefix + job_id + ".json";
}

Result<std::string> read_record(hal::Storage& storage, const std::string& name) {
  auto buf = std::make_unique<uint8_t[]>(Journal::kMaxRecord);
  SPARK_TRY_ASSIGN(size_t n, storage.read(name, MutBytes(buf.get(), Journal::kMaxRecord)));
  return std::string(reinterpret_cast<const char*>(buf.get()), n);
}

Result<picojson::object> parse_object(const std::string& text, const std::string& name) {
  picojson::value v;
  std::string err = picojson::parse(v, text);
  if (!err.empty() || !v.is<picojson::object>()) {
    return Status::error(Code::kDataLoss, "journal record %s is damaged", name.c_str());
  }
  return v.get<picojson::object>();
}

std::string str(const picojson::object& o, const char* key) {
  auto it = o.find(key);
  return it != o.end() && it->second.is<std::string>() ? it->second.get<std::string>() : "";
}
double num(const picojson::object& o, const char* key, double fallback) {
  auto it = o.find(key);
  return it != o.end() && it->second.is<double>() ? it->second.get<double>() : fallback;
}

}  // namespace

const char* stage_name(Stage s) {
  switch (s) {
    case Stage::kIntent:
      return "intent";
    case Stage::kSubmitted:
      return "submitted";
    case Stage::kResult:
      return "result";
    case Stage::kDone:
      return "done";
    case Stage::kFailed:
      return "failed";
  }
  return "?";
}

std::string utc_date(uint64_t unix_s) {
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  int64_t z = static_cast<int64_t>(unix_s / 86400) + 719468;
  int64_t era = z / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d));
  return buf;
}

std::optional<uint64_t> parse_cost_micros(const std::string& cost) {
  if (cost.empty() || cost.size() > 20) return std::nullopt;
  uint64_t whole = 0, frac = 0;
  int frac_digits = 0;
  bool dot = false, digit = false;
  for (char c : cost) {
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    digit = true;
    if (!dot) {
      whole = whole * 10 + static_cast<uint64_t>(c - '0');
    } else if (frac_digits < 6) {
      frac = frac * 10 + static_cast<uint64_t>(c - '0');
      ++frac_digits;
    }
  }
  if (!digit) return std::nullopt;
  while (frac_digits++ < 6) frac *= 10;
  return whole * 1000000 + frac;
}

Status Journal::save(const JournalEntry& e) {
  picojson::object o;
  o["version"] = picojson::value(1.0);
  o["job_id"] = picojson::value(e.job_id);
  o["stage"] = picojson::value(std::string(stage_name(e.stage)));
  o["created_s"] = picojson::value(static_cast<double>(e.created_s));
  o["prompt"] = picojson::value(e.prompt);
  o["source_path"] = picojson::value(e.source_path);
  o["image_path"] = picojson::value(e.image_path);
  o["output_path"] = picojson::value(e.output_path);
  o["scale"] = picojson::value(e.scale);
  o["seed"] = picojson::value(static_cast<double>(e.seed));
  o["body_shape"] = picojson::value(e.body_shape);
  if (!e.image_url.empty()) o["image_url"] = picojson::value(e.image_url);
  if (!e.error.empty()) o["error"] = picojson::value(e.error);
  o["api_base"] = picojson::value(e.api_base);
  o["task_id"] = picojson::value(e.task_id);
  o["url"] = picojson::value(e.url);
  if (e.size) o["size"] = picojson::value(static_cast<double>(*e.size));
  o["cost"] = picojson::value(e.cost);
  o["ledger_counted"] = picojson::value(e.ledger_counted);
  std::string text = picojson::value(o).serialize();
  if (text.size() > kMaxRecord) {
    return Status::error(Code::kResourceExhausted, "journal record for %s is %zu bytes, over %zu",
                         e.job_id.c_str(), text.size(), kMaxRecord);
  }
  return storage_.write_atomic(record_name(e.job_id), as_bytes(text))
      .with_context("journal %s", e.job_id.c_str());
}

Result<JournalEntry> Journal::load(const std::string& name) {
  SPARK_TRY_ASSIGN(std::string text, read_record(storage_, name));
  SPARK_TRY_ASSIGN(picojson::object o, parse_object(text, name));
  JournalEntry e;
  e.job_id = str(o, "job_id");
  std::string stage = str(o, "stage");
  if (e.job_id.empty() || record_name(e.job_id) != name) {
    return Status::error(Code::kDataLoss, "journal record %s names another job", name.c_str());
  }
  if (stage == "intent")
    e.stage = Stage::kIntent;
  else if (stage == "submitted")
    e.stage = Stage::kSubmitted;
  else if (stage == "result")
    e.stage = Stage::kResult;
  else if (stage == "done")
    e.stage = Stage::kDone;
  else if (stage == "failed")
    e.stage = Stage::kFailed;
  else
    return Status::error(Code::kDataLoss, "journal record %s has an unknown stage", name.c_str());
  e.created_s = static_cast<uint64_t>(num(o, "created_s", 0));
  e.prompt = str(o, "prompt");
  e.source_path = str(o, "source_path");
  e.image_path = str(o, "image_path");
  e.output_path = str(o, "output_path");
  e.scale = num(o, "scale", 0.5);
  e.seed = static_cast<int64_t>(num(o, "seed", -1));
  e.body_shape = str(o, "body_shape");
  e.image_url = str(o, "image_url");
  e.error = str(o, "error");
  e.api_base = str(o, "api_base");
  e.task_id = str(o, "task_id");
  e.url = str(o, "url");
  if (auto it = o.find("size"); it != o.end() && it->second.is<double>()) {
    e.size = static_cast<uint64_t>(it->second.get<double>());
  }
  e.cost = str(o, "cost");
  auto it = o.find("ledger_counted");
  e.ledger_counted = it != o.end() && it->second.is<bool>() && it->second.get<bool>();
  return e;
}

Status Journal::begin(JournalEntry& e) {
  uint8_t raw[6];
  SPARK_TRY(entropy_.fill(MutBytes(raw)));
  char id[32];
  std::snprintf(id, sizeof id, "%llu-%02x%02x%02x%02x%02x%02x",
                static_cast<unsigned long long>(clock_.wall_time_s()), raw[0], raw[1], raw[2],
                raw[3], raw[4], raw[5]);
  e.job_id = id;
  e.created_s = clock_.wall_time_s();
  e.stage = Stage::kIntent;
  return save(e);
}

Status Journal::set_task(JournalEntry& e, const std::string& task_id) {
  e.task_id = task_id;
  e.stage = Stage::kSubmitted;
  return save(e);
}

Status Journal::set_result(JournalEntry& e, const std::string& url, std::optional<uint64_t> size) {
  e.url = url;
  e.size = size;
  e.stage = Stage::kResult;
  return save(e);
}

Status Journal::reset_to_intent(JournalEntry& e) {
  e.task_id.clear();
  e.url.clear();
  e.size.reset();
  e.stage = Stage::kIntent;
  return save(e);
}

Status Journal::finish(JournalEntry& e, const std::string& cost) {
  e.cost = cost;
  e.stage = Stage::kDone;
  e.ledger_counted = false;
  SPARK_TRY(save(e));
  SPARK_TRY(add_to_ledger(e));
  e.ledger_counted = true;
  SPARK_TRY(save(e));
  return prune_done();
}

Status Journal::forget(const JournalEntry& e) {
  return storage_.remove(record_name(e.job_id));
}

Status Journal::fail(JournalEntry& e, const std::string& why) {
  e.stage = Stage::kFailed;
  e.error = why.substr(0, 512);
  SPARK_TRY(save(e));
  return prune_done();
}

Status Journal::add_to_ledger(const JournalEntry& e) {
  picojson::object ledger;
  auto text = read_record(storage_, kLedger);
  if (text.is_ok()) {
    auto parsed = parse_object(*text, kLedger);
    if (!parsed.is_ok()) return parsed.status();
    ledger = std::move(parsed).value();
  } else if (text.status().code() != Code::kNotFound) {
    return text.status();
  }
  std::optional<uint64_t> micros = parse_cost_micros(e.cost);
  if (!micros && !e.cost.empty()) {
    SPARK_LOGW("journal", "cost '%s' of task %s is not a number; not added to the ledger",
               e.cost.c_str(), e.task_id.c_str());
  }
  std::string day = utc_date(e.created_s ? e.created_s : clock_.wall_time_s());
  picojson::object entry;
  if (auto it = ledger.find(day); it != ledger.end() && it->second.is<picojson::object>()) {
    entry = it->second.get<picojson::object>();
  }
  double before = num(entry, "cost_micros", 0);
  entry["cost_micros"] = picojson::value(before + static_cast<double>(micros.value_or(0)));
  entry["edits"] = picojson::value(num(entry, "edits", 0) + 1);
  ledger[day] = picojson::value(entry);
  std::string out = picojson::value(ledger).serialize();
  return storage_.write_atomic(kLedger, as_bytes(out)).with_context("ledger");
}

Status Journal::prune_done() {
  std::vector<std::string> names;
  SPARK_TRY(storage_.list(kPrefix, kMaxRecords, &names));
  std::vector<std::string> done;
  for (const auto& n : names) {
    auto e = load(n);
    if (!e.is_ok()) continue;
    // A finished record whose cost never reached the ledger: count it now.
    if (e->stage == Stage::kDone && !e->ledger_counted) {
      SPARK_TRY(add_to_ledger(*e));
      e->ledger_counted = true;
      SPARK_TRY(save(*e));
    }
    if (e->stage == Stage::kDone || e->stage == Stage::kFailed) done.push_back(n);
  }
  // Names begin with the creation time, so sorted order is age order.
  for (size_t i = 0; i + kKeepDone < done.size(); ++i) SPARK_TRY(storage_.remove(done[i]));
  return Status::ok();
}

Status Journal::unfinished(std::vector<JournalEntry>* out) {
  out->clear();
  std::vector<std::string> names;
  SPARK_TRY(storage_.list(kPrefix, kMaxRecords, &names));
  for (const auto& n : names) {
    auto e = load(n);
    if (!e.is_ok()) {
      // A damaged record must not block the others; say so and go on.
      SPARK_LOGW("journal", "%s", e.status().message());
      continue;
    }
    if (e->stage != Stage::kDone && e->stage != Stage::kFailed)
      out->push_back(std::move(e).value());
  }
  return Status::ok();
}

Result<JournalEntry> Journal::find(const std::string& id) {
  std::vector<std::string> names;
  SPARK_TRY(storage_.list(kPrefix, kMaxRecords, &names));
  for (const auto& n : names) {
    auto e = load(n);
    if (e.is_ok() && (e->job_id == id || e->task_id == id)) return e;
  }
  return Status::error(Code::kNotFound, "no journal record for %s", id.c_str());
}

Result<Journal::Day> Journal::ledger_day(const std::string& date) {
  Day d;
  auto text = read_record(storage_, kLedger);
  if (!text.is_ok()) {
    if (text.status().code() == Code::kNotFound) return d;
    return text.status();
  }
  SPARK_TRY_ASSIGN(picojson::object ledger, parse_object(*text, kLedger));
  auto it = ledger.find(date);
  if (it == ledger.end() || !it->second.is<picojson::object>()) return d;
  const auto& entry = it->second.get<picojson::object>();
  d.cost_micros = static_cast<uint64_t>(num(entry, "cost_micros", 0));
  d.edits = static_cast<uint32_t>(num(entry, "edits", 0));
  return d;
}

}  // namespace spark::job
