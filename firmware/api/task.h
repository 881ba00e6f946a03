// The service's replies about a task, in every shape PROTOCOL.md lists:
// id or task_id; status in_progress / completed / failed (and pending,
// processing, queued, or anything unknown, all "not terminal"); progress;
// output[].content[].url with size as number or string; error as an object
// with error_message or message, or a plain string, with a numeric or string
// code; usage.cost as a string; HTTP error bodies in their four shapes.
//
// Parsing takes an already parsed picojson value (the caller caps the reply's
// size and depth) and copies what it keeps into fixed fields.
// Memory: sizeof(TaskInfo) is about 3.5 KB, no heap.
#pragma once

#include <cstdint>
#include <optional>

#include "codec/json_parse.h"  // picojson, with its asserts made non-throwing
#include "core/status.h"

namespace spark::api {

enum class TaskState : uint8_t { kPending, kCompleted, kFailed };

struct VendorError {
  std::optional<int64_t> code;
  char message[256] = {};
};

struct TaskInfo {
  static constexpr size_t kMaxUrl = 2048;

  char id[128] = {};
  TaskState state = TaskState::kPending;
  char status_text[32] = {};       // as the service said it
  std::optional<double> progress;  // 0..1
  char url[kMaxUrl] = {};          // first output image, when completed
  std::optional<uint64_t> size;    // its byte size, when given
  VendorError error;               // when failed
  char cost[32] = {};              // usage.cost, US dollars as text ("" if none)
};

// A create or poll reply (HTTP 200). Errors: kDataLoss for a reply that is
// not a JSON object, has no id, or a completed task without an image URL;
// kOutOfRange for an id or URL longer than the fixed fields.
Result<TaskInfo> parse_task(const picojson::value& reply);

// Only the task id of a reply (id, else task_id), checked as parse_task
// checks it; the rest of the TaskInfo is "in progress". For a create reply
// whose other parts are unusable: the task exists and must be journalled.
Result<TaskInfo> parse_task_id(const picojson::value& reply);

// The error carried by an HTTP error body, whichever shape it has:
// {"error":{"code","error_message"|"message"}}, {"error":"text"},
// {"message":"text"}, {"status":{"code","message"},"data":null}.
// Returns an empty VendorError when the body says nothing usable.
VendorError parse_error_body(const picojson::value& body);

const char* task_state_name(TaskState s);

}  // namespace spark::api
