#include <doctest/doctest.h>

#include <string>

#include "api/task.h"

using namespace spark;
using namespace spark::api;

namespace {
picojson::value json(const std::string& text) {
  picojson::value v;
  std::string err = picojson::parse(v, text);
  REQUIRE(err.empty());
  return v;
}
}  // namespace

TEST_CASE("create_reply_gives_id_and_running_state") {
  auto t = parse_task(json(R"({"id":"d758n65e878c73cmdg20","status":"in_progress",
      "model":"spark_edit_3_0","created_at":1775800000})"));
  REQUIRE(t.is_ok());
  CHECK(std::string(t->id) == "d758n65e878c73cmdg20");
  CHECK(t->state == TaskState::kPending);
  CHECK_FALSE(t->progress.has_value());
}

TEST_CASE("task_id_is_read_from_task_id_when_id_is_missing") {
  auto t = parse_task(json(R"({"task_id":"abc123","status":"queued"})"));
  REQUIRE(t.is_ok());
  CHECK(std::string(t->id) == "abc123");
  CHECK(t->state == TaskState::kPending);
}

TEST_CASE("completed_poll_gives_url_size_and_cost") {
  auto t = parse_task(json(R"({"id":"x1","status":"completed","progress":1,
      "output":[{"content":[{"type":"image","url":"https://cdn.example/x.jpeg","size":412345,"jobId":"j"}]}],
      "usage":{"cost":"0.03","discount":0},"metadata":{"completed_at":1775800015.0}})"));
  REQUIRE(t.is_ok());
  CHECK(t->state == TaskState::kCompleted);
  CHECK(std::string(t->url) == "https://cdn.example/x.jpeg");
  CHECK(t->size.value() == 412345);
  CHECK(std::string(t->cost) == "0.03");
  CHECK(t->progress.value() == doctest::Approx(1.0));
}

TEST_CASE("size_as_string_and_unknown_status_are_accepted") {
  auto t = parse_task(json(R"({"id":"x","status":"completed",
      "output":[{"content":[{"url":"https://a/b","size":"77"}]}]})"));
  REQUIRE(t.is_ok());
  CHECK(t->size.value() == 77);
  auto u = parse_task(json(R"({"id":"x","status":"thinking_hard","progress":0.25})"));
  REQUIRE(u.is_ok());
  CHECK(u->state == TaskState::kPending);
  CHECK(std::string(u->status_text) == "thinking_hard");
  CHECK(u->progress.value() == doctest::Approx(0.25));
}

TEST_CASE("failed_task_error_in_each_shape") {
  auto a = parse_task(json(R"({"id":"x","status":"failed",
      "error":{"code":3007003,"error_message":"Invalid image format"},"usage":{"cost":""}})"));
  REQUIRE(a.is_ok());
  CHECK(a->state == TaskState::kFailed);
  CHECK(a->error.code.value() == 3007003);
  CHECK(std::string(a->error.message) == "Invalid image format");
  CHECK(std::string(a->cost).empty());

  auto b = parse_task(
      json(R"({"id":"x","status":"failed","error":{"code":"3007095","message":"boom"}})"));
  REQUIRE(b.is_ok());
  CHECK(b->error.code.value() == 3007095);
  CHECK(std::string(b->error.message) == "boom");

  auto c = parse_task(json(R"({"id":"x","status":"failed","error":"upstream said no"})"));
  REQUIRE(c.is_ok());
  CHECK_FALSE(c->error.code.has_value());
  CHECK(std::string(c->error.message) == "upstream said no");
}

TEST_CASE("hostile_task_replies_are_refused_with_reasons") {
  CHECK(parse_task(json(R"([1,2])")).status().code() == Code::kDataLoss);
  CHECK(parse_task(json(R"({"status":"completed"})")).status().code() == Code::kDataLoss);
  CHECK(parse_task(json(R"({"id":"../../etc/passwd"})")).status().code() == Code::kDataLoss);
  CHECK(parse_task(json(R"({"id":42})")).status().code() == Code::kDataLoss);
  auto no_url = parse_task(json(R"({"id":"x","status":"completed","output":[]})"));
  CHECK(no_url.status().code() == Code::kDataLoss);
  CHECK(std::string(no_url.status().message()).find("no image URL") != std::string::npos);
  std::string long_url(5000, 'a');
  auto big = parse_task(json(R"({"id":"x","status":"completed","output":[{"content":[{"url":")" +
                             long_url + R"("}]}]})"));
  CHECK(big.status().code() == Code::kOutOfRange);
  // Wrong types are ignored, never trusted or thrown on.
  auto odd = parse_task(json(R"({"id":"x","status":5,"progress":"half","usage":[],
      "output":{"content":1},"error":null})"));
  REQUIRE(odd.is_ok());
  CHECK(odd->state == TaskState::kPending);
  CHECK_FALSE(odd->progress.has_value());
  auto huge_progress = parse_task(json(R"({"id":"x","progress":7.5})"));
  CHECK(huge_progress->progress.value() == doctest::Approx(1.0));
}

TEST_CASE("http_error_bodies_in_all_four_shapes") {
  auto a = parse_error_body(json(R"({"error":{"code":3007004,"error_message":"too long"}})"));
  CHECK(a.code.value() == 3007004);
  CHECK(std::string(a.message) == "too long");
  auto b = parse_error_body(json(R"({"message":"Unauthorized"})"));
  CHECK_FALSE(b.code.has_value());
  CHECK(std::string(b.message) == "Unauthorized");
  auto c = parse_error_body(json(R"({"error":"bad key"})"));
  CHECK(std::string(c.message) == "bad key");
  auto d = parse_error_body(json(R"({"status":{"code":"3007099","message":"busy"},"data":null})"));
  CHECK(d.code.value() == 3007099);
  CHECK(std::string(d.message) == "busy");
  auto e = parse_error_body(json(R"("just text")"));
  CHECK_FALSE(e.code.has_value());
}
