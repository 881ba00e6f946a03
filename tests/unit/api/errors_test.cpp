#include <doctest/doctest.h>

#include <string>

#include "api/errors.h"

using namespace spark;
using namespace spark::api;

namespace {
bool mentions(const Verdict& v, const char* text) {
  return std::string(v.status.message()).find(text) != std::string::npos;
}
}  // namespace

TEST_CASE("http_request_errors_fail_at_once_with_the_vendor_text") {
  Verdict v = classify_http(Phase::kCreate, 400, 3007005, "");
  CHECK(v.error_class == ErrorClass::kRejected);
  CHECK(v.retry == Retry::kNo);
  CHECK(mentions(v, "invalid image size"));
  CHECK(mentions(v, "3007005"));
  CHECK(exit_code(v.error_class) == 5);

  Verdict m = classify_http(Phase::kCreate, 422, std::nullopt, "prompt is empty");
  CHECK(m.error_class == ErrorClass::kRejected);
  CHECK(mentions(m, "prompt is empty"));
}

TEST_CASE("auth_and_quota_errors_say_what_to_check") {
  Verdict a = classify_http(Phase::kCreate, 401, std::nullopt, "");
  CHECK(a.error_class == ErrorClass::kAuth);
  CHECK(mentions(a, "check the key"));
  CHECK(exit_code(a.error_class) == 4);
  CHECK(classify_http(Phase::kPoll, 402, std::nullopt, "").error_class == ErrorClass::kAuth);
  CHECK(classify_http(Phase::kPoll, 403, std::nullopt, "").error_class == ErrorClass::kAuth);
  // The vendor's auth code on any status is an auth problem.
  CHECK(classify_http(Phase::kCreate, 400, 3007007, "").error_class == ErrorClass::kAuth);
}

TEST_CASE("rate_limits_and_timeouts_retry_with_backoff") {
  for (int status : {408, 429, 503}) {
    Verdict v = classify_http(Phase::kCreate, status, std::nullopt, "");
    CHECK(v.error_class == ErrorClass::kTransient);
    CHECK(v.retry == Retry::kBackoff);
  }
}

TEST_CASE("a_create_that_may_have_reached_the_service_is_never_resent") {
  for (int status : {500, 502, 504}) {
    Verdict v = classify_http(Phase::kCreate, status, std::nullopt, "");
    CHECK(v.error_class == ErrorClass::kUnknownOutcome);
    CHECK(v.retry == Retry::kNo);
    CHECK(mentions(v, "may have been submitted"));
  }
  // ...whereas polls retry them.
  for (int status : {500, 502, 503, 504}) {
    CHECK(classify_http(Phase::kPoll, status, std::nullopt, "").retry == Retry::kBackoff);
  }
}

TEST_CASE("transport_faults_on_create_depend_on_whether_the_body_went_out") {
  Status reset = Status::error(Code::kUnavailable, "connection reset by peer");
  Verdict before = classify_transport(Phase::kCreate, reset, false);
  CHECK(before.retry == Retry::kBackoff);
  Verdict after = classify_transport(Phase::kCreate, reset, true);
  CHECK(after.error_class == ErrorClass::kUnknownOutcome);
  CHECK(after.retry == Retry::kNo);
  CHECK(classify_transport(Phase::kPoll, reset, true).retry == Retry::kBackoff);
}

TEST_CASE("certificate_faults_are_not_retried") {
  Status cert = Status::error(Code::kPermissionDenied, "certificate expired on 2020-01-01");
  Verdict v = classify_transport(Phase::kPoll, cert, false);
  CHECK(v.retry == Retry::kNo);
  CHECK(exit_code(v.error_class) == 6);
  // A reply cut short is worth another poll.
  Status cut = Status::error(Code::kDataLoss, "connection closed after 63 of 127 body bytes");
  CHECK(classify_transport(Phase::kPoll, cut, true).retry == Retry::kBackoff);
}

TEST_CASE("poll_404_forgets_the_task_and_download_404_says_results_expire") {
  Verdict p = classify_http(Phase::kPoll, 404, std::nullopt, "");
  CHECK(p.forget_task);
  CHECK(p.retry == Retry::kNo);
  Verdict d = classify_http(Phase::kDownload, 404, std::nullopt, "");
  CHECK_FALSE(d.forget_task);
  CHECK(mentions(d, "expire"));
}

TEST_CASE("task_failure_codes_follow_the_protocol_table") {
  CHECK(classify_task_failure(3007003, "").error_class == ErrorClass::kRejected);
  CHECK(classify_task_failure(3007095, "").retry == Retry::kResubmitOnce);
  CHECK(classify_task_failure(3007096, "").retry == Retry::kResubmitOnce);
  CHECK(classify_task_failure(3007097, "").retry == Retry::kResubmitOnce);
  CHECK(classify_task_failure(3007098, "").retry == Retry::kKeepPolling);
  CHECK(classify_task_failure(3007099, "").retry == Retry::kBackoff);
  Verdict unknown = classify_task_failure(std::nullopt, "model crashed");
  CHECK(unknown.error_class == ErrorClass::kTaskFailed);
  CHECK(exit_code(unknown.error_class) == 7);
  CHECK(mentions(unknown, "model crashed"));
  // A poll that carries 3007095 keeps polling rather than resubmitting blind.
  CHECK(classify_http(Phase::kPoll, 500, 3007095, "").retry != Retry::kResubmitOnce);
}

TEST_CASE("poll_404_with_a_vendor_code_is_still_an_unknown_task") {
  // spark-sim answers an unknown task 404 + 3007006: the status decides.
  for (int64_t code : {3007006, 3007003, 3007099, 3007098}) {
    Verdict v = classify_http(Phase::kPoll, 404, code, "no task abc");
    CHECK(v.forget_task);
    CHECK(v.retry == Retry::kNo);
    CHECK(v.error_class == ErrorClass::kRejected);
    CHECK(mentions(v, "does not know this task"));
    CHECK(mentions(v, "no task abc"));
  }
}

TEST_CASE("a_create_answered_502_or_504_is_not_resent_whatever_code_it_carries") {
  for (int status : {500, 502, 504}) {
    for (int64_t code : {3007099, 3007098, 3007095, 3007003}) {
      Verdict v = classify_http(Phase::kCreate, status, code, "");
      CHECK(v.error_class == ErrorClass::kUnknownOutcome);
      CHECK(v.retry == Retry::kNo);
      CHECK(mentions(v, "may have been submitted"));
    }
  }
  // 429 and 503 surely did not create anything: resent, code or not.
  CHECK(classify_http(Phase::kCreate, 503, 3007099, "").retry == Retry::kBackoff);
  CHECK(classify_http(Phase::kCreate, 429, 3007099, "").retry == Retry::kBackoff);
  // A poll's 502 + 3007099 is retried as before.
  CHECK(classify_http(Phase::kPoll, 502, 3007099, "").retry == Retry::kBackoff);
}
