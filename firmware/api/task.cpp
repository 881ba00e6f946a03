#include "api/task.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/log.h"

namespace spark::api {
namespace {

using codec::member;

const std::string* string_member(const picojson::value& v, const char* key) {
  const picojson::value* m = member(v, key);
  return m && m->is<std::string>() ? &m->get<std::string>() : nullptr;
}

// Copies s into a fixed field; false when it does not fit.
template <size_t N>
bool copy_field(char (&dst)[N], const std::string& s) {
  if (s.size() >= N) return false;
  std::memcpy(dst, s.data(), s.size());
  dst[s.size()] = '\0';
  return true;
}

// Copies as much as fits, for human-readable text: redacted first (the
// service may echo the key), then cut on a UTF-8 boundary.
template <size_t N>
void copy_text(char (&dst)[N], const std::string& s) {
  log::redacted_copy(s, dst, N);
}

// A JSON number or a string of digits, as an integer.
std::optional<int64_t> as_integer(const picojson::value* v) {
  if (!v) return std::nullopt;
  if (v->is<double>()) {
    double d = v->get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  if (v->is<std::string>()) {
    const std::string& s = v->get<std::string>();
    if (s.empty() || s.size() > 18) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    long long n = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || *end != '\0') return std::nullopt;
    return static_cast<int64_t>(n);
  }
  return std::nullopt;
}

// {"code":..,"error_message"|"message":..} or a plain string.
VendorError parse_error_value(const picojson::value& e) {
  VendorError out;
  if (e.is<std::string>()) {
    copy_text(out.message, e.get<std::string>());
    return out;
  }
  out.code = as_integer(member(e, "code"));
  const std::string* msg = string_member(e, "error_message");
  if (!msg) msg = string_member(e, "message");
  if (msg) copy_text(out.message, *msg);
  return out;
}

TaskState state_of(const std::string& s) {
  if (s == "completed" || s == "succeeded" || s == "success") return TaskState::kCompleted;
  if (s == "failed" || s == "error") return TaskState::kFailed;
  return TaskState::kPending;  // in_progress, pending, processing, queued, unknown
}

}  // namespace

const char* task_state_name(TaskState s) {
  switch (s) {
    case TaskState::kPending:
      return "in progress";
    case TaskState::kCompleted:
      return "completed";
    case TaskState::kFailed:
      return "failed";
  }
  return "?";
}

Result<TaskInfo> parse_task_id(const picojson::value& reply) {
  if (!reply.is<picojson::object>()) {
    return Status::error(Code::kDataLoss, "task reply is not a JSON object");
  }
  TaskInfo t;
  const std::string* id = string_member(reply, "id");
  if (!id || id->empty()) id = string_member(reply, "task_id");
  if (!id || id->empty()) return Status::error(Code::kDataLoss, "task reply has no id or task_id");
  if (!copy_field(t.id, *id)) {
    return Status::error(Code::kOutOfRange, "task id is %zu characters, over the %zu allowed",
                         id->size(), sizeof t.id - 1);
  }
  for (char c : *id) {
    // The id goes into a URL path and a journal: refuse anything else.
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok)
      return Status::error(Code::kDataLoss, "task id has a character outside [A-Za-z0-9._-]");
  }
  copy_text(t.status_text, std::string("(unreadable)"));
  return t;
}

Result<TaskInfo> parse_task(const picojson::value& reply) {
  SPARK_TRY_ASSIGN(TaskInfo t, parse_task_id(reply));

  const std::string* status = string_member(reply, "status");
  if (status) {
    copy_text(t.status_text, *status);
    t.state = state_of(*status);
  } else {
    copy_text(t.status_text, std::string("(none)"));
  }

  if (const picojson::value* p = member(reply, "progress"); p && p->is<double>()) {
    double v = p->get<double>();
    if (std::isfinite(v)) t.progress = v < 0 ? 0 : v > 1 ? 1 : v;
  }

  if (const picojson::value* u = member(reply, "usage")) {
    if (const std::string* cost = string_member(*u, "cost")) {
      copy_text(t.cost, *cost);
    } else if (const picojson::value* c = member(*u, "cost"); c && c->is<double>()) {
      std::snprintf(t.cost, sizeof t.cost, "%.6g", c->get<double>());
    }
  }

  if (const picojson::value* e = member(reply, "error"); e && !e->is<picojson::null>()) {
    t.error = parse_error_value(*e);
  }

  // Every output[].content[].url; this model returns one image: keep the first.
  if (const picojson::value* out = member(reply, "output"); out && out->is<picojson::array>()) {
    for (const auto& o : out->get<picojson::array>()) {
      const picojson::value* content = member(o, "content");
      if (!content || !content->is<picojson::array>()) continue;
      for (const auto& c : content->get<picojson::array>()) {
        const std::string* url = string_member(c, "url");
        if (!url || url->empty() || t.url[0]) continue;
        if (!copy_field(t.url, *url)) {
          return Status::error(Code::kOutOfRange, "result URL is %zu characters, over %zu",
                               url->size(), TaskInfo::kMaxUrl - 1);
        }
        if (auto size = as_integer(member(c, "size")); size && *size >= 0) {
          t.size = static_cast<uint64_t>(*size);
        }
      }
    }
  }
  if (t.state == TaskState::kCompleted && !t.url[0]) {
    return Status::error(Code::kDataLoss, "task %s is completed but its reply has no image URL",
                         t.id);
  }
  return t;
}

VendorError parse_error_body(const picojson::value& body) {
  if (const picojson::value* e = member(body, "error"); e && !e->is<picojson::null>()) {
    return parse_error_value(*e);
  }
  if (const picojson::value* s = member(body, "status"); s && s->is<picojson::object>()) {
    return parse_error_value(*s);
  }
  VendorError out;
  if (const std::string* m = string_member(body, "message")) copy_text(out.message, *m);
  out.code = as_integer(member(body, "code"));
  return out;
}

}  // namespace spark::api
