// api errors: what went wrong with an edit, what class of trouble it is, and
// whether trying again can help. The classes map to spark-edit's exit codes.
//
// The rules are PROTOCOL.md's: request errors fail at once with a message a
// person can act on; 408/429/5xx and transport faults retry with backoff; a
// create is resent only when it certainly did not reach the service, because
// every accepted task costs money and the API has no idempotency key.
//
// Memory: an Verdict is a few words plus a 160-byte message; no heap.
#pragma once

#include <cstdint>
#include <optional>

#include "core/status.h"

namespace spark::api {

enum class ErrorClass : uint8_t {
  kNone,
  kInput,           // our own input is unusable (file, prompt): exit 3
  kAuth,            // key missing, wrong, no balance or no permission: exit 4
  kRejected,        // the service refused the request (4xx, 3007001-9): exit 5
  kTransient,       // network, timeout, 408/429/5xx: retried, then exit 6
  kUnknownOutcome,  // a create may have reached the service: not resent, exit 6
  kTaskFailed,      // the task ran and failed: exit 7
};

enum class Retry : uint8_t {
  kNo,            // fail now
  kBackoff,       // same request again after a backoff delay
  kResubmitOnce,  // a new create, at most once, after a delay
  kKeepPolling,   // the task is still worth polling
};

// Where the request was when it failed.
enum class Phase : uint8_t { kCreate, kPoll, kDownload };

struct Verdict {
  ErrorClass error_class = ErrorClass::kNone;
  Retry retry = Retry::kNo;
  bool forget_task = false;  // the service does not know the task (404 on poll)
  Status status;             // what to tell the person
};

const char* error_class_name(ErrorClass c);
// spark-edit's documented exit code for a class (0 for kNone).
int exit_code(ErrorClass c);

// An HTTP error reply (status >= 400) with the vendor code and message parsed
// from its body when present.
Verdict classify_http(Phase phase, int http_status, std::optional<int64_t> vendor_code,
                      const char* vendor_message);

// A task that reached status "failed" with this vendor code.
Verdict classify_task_failure(std::optional<int64_t> vendor_code, const char* vendor_message);

// A transport fault (connect, TLS, timeout, reset). For a create,
// request_sent says whether the whole body had gone out: after that the
// outcome is unknown.
Verdict classify_transport(Phase phase, const Status& fault, bool request_sent);

// Human text for a vendor code ("invalid image size"), or nullptr.
const char* vendor_code_text(int64_t code);

}  // namespace spark::api
