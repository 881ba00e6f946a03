// A scripted api::Service for offline job tests: each create, poll and
// download takes the next scripted reply of its kind (built with the same
// api/errors.h classification api::Client uses, so the verdicts are the
// real ones), lets its duration pass on the hal::ManualClock, and records
// when and with what it was called. A call with nothing scripted left is
// counted in `unscripted` (tests check it stays 0) and fails as a transport
// fault that is never retried.
#pragma once

#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "api/client.h"
#include "api/errors.h"
#include "hal/clock.h"
#include "hal/entropy.h"

namespace spark::test {

struct Step {
  api::Reply reply;
  std::string body;       // download: the bytes written to the sink
  uint32_t takes_ms = 0;  // time the call lasts on the ManualClock
};

inline Step task(const char* id, api::TaskState state = api::TaskState::kPending,
                 const char* url = "", std::optional<uint64_t> size = std::nullopt,
                 const char* cost = "", std::optional<int64_t> code = std::nullopt) {
  Step s;
  s.reply.ok = true;
  s.reply.http_status = 200;
  s.reply.request_sent = true;
  std::snprintf(s.reply.task.id, sizeof s.reply.task.id, "%s", id);
  s.reply.task.state = state;
  std::snprintf(s.reply.task.status_text, sizeof s.reply.task.status_text, "%s",
                state == api::TaskState::kCompleted ? "completed"
                : state == api::TaskState::kFailed  ? "failed"
                                                    : "in_progress");
  std::snprintf(s.reply.task.url, sizeof s.reply.task.url, "%s", url);
  s.reply.task.size = size;
  std::snprintf(s.reply.task.cost, sizeof s.reply.task.cost, "%s", cost);
  s.reply.task.error.code = code;
  if (code)
    std::snprintf(s.reply.task.error.message, sizeof s.reply.task.error.message, "code %lld",
                  static_cast<long long>(*code));
  return s;
}

inline Step http_error(api::Phase phase, int status, std::optional<uint32_t> retry_after_ms = {},
                       std::optional<int64_t> vendor_code = {}) {
  Step s;
  s.reply.http_status = status;
  s.reply.verdict = api::classify_http(phase, status, vendor_code, "");
  s.reply.retry_after_ms = retry_after_ms;
  s.reply.request_sent = true;  // an HTTP reply came: the request went out
  return s;
}

inline Step transport(api::Phase phase, bool request_sent, uint32_t takes_ms = 0) {
  Step s;
  s.reply.verdict = api::classify_transport(
      phase, Status::error(Code::kUnavailable, "connection reset by peer"), request_sent);
  s.reply.request_sent = request_sent;
  s.takes_ms = takes_ms;
  return s;
}

// A download of body; complete says whether it ends as its format ends.
inline Step result(std::string body, bool png = false, bool complete = true) {
  Step s;
  s.reply.ok = true;
  s.reply.http_status = 200;
  s.reply.result_png = png;
  s.reply.result_complete = complete;
  s.body = std::move(body);
  return s;
}

inline std::string jpeg_bytes() {
  return std::string("\xFF\xD8\xFF\xE0 a JPEG \xFF\xD9", 14);
}
inline std::string png_bytes() {
  return std::string("\x89PNG\r\n\x1A\n a PNG IEND", 19);
}

class FakeService final : public api::Service {
 public:
  explicit FakeService(hal::ManualClock& clock) : clock_(clock) {}

  std::deque<Step> creates, polls, downloads;
  // Calls made, and creates the service accepted (replied 200 with a task:
  // what is paid for).
  uint32_t create_calls = 0, accepted_creates = 0, poll_calls = 0, download_calls = 0;
  uint32_t unscripted = 0;
  std::vector<uint64_t> create_at_ms, poll_at_ms;
  std::vector<std::string> polled_ids, image_urls;

  api::Reply create(const api::EditParams& params, ByteSource& image, api::Progress progress,
                    void* context) override {
    ++create_calls;
    create_at_ms.push_back(clock_.now_ms());
    image_urls.emplace_back(params.image_url);
    uint8_t buf[4096];
    uint64_t sent = 0;
    for (;;) {
      auto n = image.read(MutBytes(buf, sizeof buf));
      if (!n.is_ok() || *n == 0) break;
      sent += *n;
    }
    if (progress) {
      Status st = progress(context, sent, sent);
      if (!st.is_ok()) {
        api::Reply r;
        r.verdict = api::classify_transport(api::Phase::kCreate, st, false);
        return r;
      }
    }
    api::Reply r = next(creates, api::Phase::kCreate);
    if (r.ok) ++accepted_creates;
    return r;
  }

  api::Reply poll(std::string_view task_id) override {
    ++poll_calls;
    poll_at_ms.push_back(clock_.now_ms());
    polled_ids.emplace_back(task_id);
    return next(polls, api::Phase::kPoll);
  }

  api::Reply download(std::string_view url, ByteSink& out, uint64_t max_bytes,
                      uint64_t expected_bytes, api::Progress progress, void* context) override {
    (void)url, (void)max_bytes;
    ++download_calls;
    if (downloads.empty()) return next(downloads, api::Phase::kDownload);
    Step s = std::move(downloads.front());
    downloads.pop_front();
    clock_.advance_ms(s.takes_ms);
    if (!s.body.empty()) {
      ConstBytes bytes(reinterpret_cast<const uint8_t*>(s.body.data()), s.body.size());
      Status w = out.write(bytes);
      if (!w.is_ok()) {
        api::Reply r;
        r.verdict = api::classify_transport(api::Phase::kDownload, w, false);
        return r;
      }
      if (progress) {
        Status st = progress(context, s.body.size(), expected_bytes);
        if (!st.is_ok()) {
          api::Reply r;
          r.verdict = api::classify_transport(api::Phase::kDownload, st, false);
          return r;
        }
      }
    }
    return s.reply;
  }

  const api::Limits& limits() const override { return limits_; }

 private:
  api::Reply next(std::deque<Step>& script, api::Phase phase) {
    if (script.empty()) {
      ++unscripted;
      api::Reply r;
      r.verdict = api::classify_transport(
          phase, Status::error(Code::kFailedPrecondition, "nothing scripted"), false);
      return r;
    }
    Step s = std::move(script.front());
    script.pop_front();
    clock_.advance_ms(s.takes_ms);
    return s.reply;
  }

  hal::ManualClock& clock_;
  api::Limits limits_;
};

// Jitter at its middle: every random01() is 0.5, so delays are exact.
class HalfEntropy final : public hal::Entropy {
 public:
  Status fill(MutBytes out) override {
    std::memset(out.data(), 0, out.size());
    if (out.size() > 0) out.data()[0] = 0x80;
    return Status::ok();
  }
};

}  // namespace spark::test
