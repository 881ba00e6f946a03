#include "api/errors.h"

#include <cstdio>

namespace spark::api {

const char* error_class_name(ErrorClass c) {
  switch (c) {
    case ErrorClass::kNone:
      return "none";
    case ErrorClass::kInput:
      return "input";
    case ErrorClass::kAuth:
      return "auth";
    case ErrorClass::kRejected:
      return "rejected";
    case ErrorClass::kTransient:
      return "transient";
    case ErrorClass::kUnknownOutcome:
      return "unknown-outcome";
    case ErrorClass::kTaskFailed:
      return "task-failed";
  }
  return "?";
}

int exit_code(ErrorClass c) {
  switch (c) {
    case ErrorClass::kNone:
      return 0;
    case ErrorClass::kInput:
      return 3;
    case ErrorClass::kAuth:
      return 4;
    case ErrorClass::kRejected:
      return 5;
    case ErrorClass::kTransient:
    case ErrorClass::kUnknownOutcome:
      return 6;
    case ErrorClass::kTaskFailed:
      return 7;
  }
  return 1;
}

const char* vendor_code_text(int64_t code) {
  switch (code) {
    case 3007001:
      return "missing prompt";
    case 3007002:
      return "missing image";
    case 3007003:
      return "invalid image format (JPEG or PNG only)";
    case 3007004:
      return "invalid prompt length (1 to 800 characters)";
    case 3007005:
      return "invalid image size (at most 5 MB, 4096 px a side, side ratio 3)";
    case 3007006:
      return "invalid parameter (scale 0..1, integer seed)";
    case 3007007:
      return "authentication failed";
    case 3007008:
      return "invalid image array (exactly one image)";
    case 3007009:
      return "invalid image element";
    case 3007095:
      return "internal generation error";
    case 3007096:
      return "result parsing error";
    case 3007097:
      return "upstream HTTP error";
    case 3007098:
      return "status check error";
    case 3007099:
      return "service unavailable";
    default:
      return nullptr;
  }
}

namespace {

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::kCreate:
      return "create";
    case Phase::kPoll:
      return "poll";
    case Phase::kDownload:
      return "download";
  }
  return "?";
}

// "the service said: <vendor text or message> (code N)".
Status vendor_status(Code code, const char* what, std::optional<int64_t> vendor_code,
                     const char* vendor_message) {
  const char* text = vendor_code ? vendor_code_text(*vendor_code) : nullptr;
  const char* detail = vendor_message && *vendor_message ? vendor_message
                       : text                            ? text
                                                         : "no details";
  if (vendor_code) {
    return Status::error(code, "%s: %s (code %lld)", what, detail,
                         static_cast<long long>(*vendor_code));
  }
  return Status::error(code, "%s: %s", what, detail);
}

Verdict make(ErrorClass c, Retry r, const Status& s) {
  Verdict v;
  v.error_class = c;
  v.retry = r;
  v.status = s;
  return v;
}

}  // namespace

Verdict classify_task_failure(std::optional<int64_t> vendor_code, const char* vendor_message) {
  int64_t code = vendor_code.value_or(0);
  if (code == 3007098) {
    return make(ErrorClass::kTransient, Retry::kKeepPolling,
                vendor_status(Code::kUnavailable, "the service could not check the task",
                              vendor_code, vendor_message));
  }
  if (code == 3007099) {
    return make(ErrorClass::kTransient, Retry::kBackoff,
                vendor_status(Code::kUnavailable, "the service is unavailable", vendor_code,
                              vendor_message));
  }
  if (code == 3007095 || code == 3007096 || code == 3007097) {
    return make(ErrorClass::kTaskFailed, Retry::kResubmitOnce,
                vendor_status(Code::kUnavailable, "the edit failed on the service side",
                              vendor_code, vendor_message));
  }
  if (code == 3007007) {
    return make(ErrorClass::kAuth, Retry::kNo,
                vendor_status(Code::kUnauthenticated, "authentication failed: check the API key",
                              vendor_code, vendor_message));
  }
  if (code >= 3007001 && code <= 3007009) {
    return make(ErrorClass::kRejected, Retry::kNo,
                vendor_status(Code::kInvalidArgument, "the service rejected the request",
                              vendor_code, vendor_message));
  }
  return make(ErrorClass::kTaskFailed, Retry::kNo,
              vendor_status(Code::kInternal, "the edit failed", vendor_code, vendor_message));
}

Verdict classify_http(Phase phase, int http_status, std::optional<int64_t> vendor_code,
                      const char* vendor_message) {
  const char* ph = phase_name(phase);
  // The HTTP status decides before any code where it settles the outcome:
  // a poll's 404 means the service does not know the task, whatever code the
  // body adds (spark-sim sends 3007006); a create answered 5xx other than
  // 503 came from a server or proxy that may have passed the request on, so
  // a code such as 3007099 in its body must not make it look unsent.
  const bool status_decides = (phase == Phase::kPoll && http_status == 404) ||
                              (phase == Phase::kCreate && http_status >= 500 && http_status != 503);
  // Otherwise a vendor code is more precise than the HTTP status, except that
  // a download (CDN) never carries one.
  if (vendor_code && phase != Phase::kDownload && !status_decides) {
    Verdict v = classify_task_failure(vendor_code, vendor_message);
    // On create, resubmitting is what a retry means anyway; never more than
    // the task-failure rules allow.
    if (v.retry == Retry::kResubmitOnce && phase == Phase::kPoll) v.retry = Retry::kKeepPolling;
    if (v.error_class != ErrorClass::kTaskFailed) return v;
  }
  char what[64];
  std::snprintf(what, sizeof what, "%s failed with HTTP %d", ph, http_status);
  switch (http_status) {
    case 400:
    case 422:
      return make(ErrorClass::kRejected, Retry::kNo,
                  vendor_status(Code::kInvalidArgument, what, vendor_code, vendor_message));
    case 401:
      return make(
          ErrorClass::kAuth, Retry::kNo,
          vendor_status(Code::kUnauthenticated, "the API key was refused (HTTP 401): check the key",
                        vendor_code, vendor_message));
    case 402:
      return make(
          ErrorClass::kAuth, Retry::kNo,
          vendor_status(Code::kPermissionDenied, "no balance left on the account (HTTP 402)",
                        vendor_code, vendor_message));
    case 403:
      return make(
          ErrorClass::kAuth, Retry::kNo,
          vendor_status(Code::kPermissionDenied, "the key may not use this model (HTTP 403)",
                        vendor_code, vendor_message));
    case 404:
      if (phase == Phase::kPoll) {
        Verdict v = make(ErrorClass::kRejected, Retry::kNo,
                         vendor_status(Code::kNotFound,
                                       "the service does not know this task (HTTP 404); it is "
                                       "finished and cannot be resumed",
                                       vendor_code, vendor_message));
        v.forget_task = true;
        return v;
      }
      if (phase == Phase::kDownload) {
        return make(ErrorClass::kTransient, Retry::kNo,
                    Status::error(Code::kNotFound,
                                  "the result is gone from its URL (HTTP 404); results expire, "
                                  "poll the task again for a fresh URL"));
      }
      return make(ErrorClass::kRejected, Retry::kNo,
                  Status::error(Code::kNotFound, "%s: check --api-base", what));
    case 408:
    case 429: {
      // The service did not take the request: safe to send again.
      return make(
          ErrorClass::kTransient, Retry::kBackoff,
          vendor_status(Code::kUnavailable, http_status == 429 ? "rate limited (HTTP 429)" : what,
                        vendor_code, vendor_message));
    }
    case 503:
      return make(ErrorClass::kTransient, Retry::kBackoff,
                  vendor_status(Code::kUnavailable, what, vendor_code, vendor_message));
    default:
      break;
  }
  if (http_status >= 500) {
    if (phase == Phase::kCreate) {
      // 500/502/504 after the body went out: the task may exist and cost.
      return make(ErrorClass::kUnknownOutcome, Retry::kNo,
                  vendor_status(Code::kUnavailable, what, vendor_code, vendor_message)
                      .with_context("the edit may have been submitted"));
    }
    return make(ErrorClass::kTransient, Retry::kBackoff,
                vendor_status(Code::kUnavailable, what, vendor_code, vendor_message));
  }
  return make(ErrorClass::kRejected, Retry::kNo,
              vendor_status(Code::kFailedPrecondition, what, vendor_code, vendor_message));
}

Verdict classify_transport(Phase phase, const Status& fault, bool request_sent) {
  if (phase == Phase::kCreate && request_sent) {
    return make(ErrorClass::kUnknownOutcome, Retry::kNo,
                fault.with_context("the edit may have been submitted (the reply was lost)"));
  }
  switch (fault.code()) {
    case Code::kCancelled:
    // A certificate or configuration fault does not heal by itself.
    case Code::kPermissionDenied:
    case Code::kUnauthenticated:
    case Code::kInvalidArgument:
    case Code::kFailedPrecondition:
    case Code::kResourceExhausted:  // a reply over its cap: hostile, not flaky
      return make(ErrorClass::kTransient, Retry::kNo, fault);
    default:
      return make(ErrorClass::kTransient, Retry::kBackoff, fault);
  }
}

}  // namespace spark::api
