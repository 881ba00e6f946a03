#include "api/client.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "codec/json_parse.h"
#include "codec/json_writer.h"
#include "codec/utf8.h"
#include "core/log.h"
#include "core/text.h"
#include "http/json_upload_body.h"
#include "http/url.h"

namespace spark::api {
namespace {

constexpr size_t kMaxEnvelope = size_t{8} * 1024;
constexpr size_t kMaxErrorBody = size_t{16} * 1024;

// Forwards to whichever sink is current: the writer's output before the
// image string goes to the prefix, after it to the suffix.
class SwitchSink final : public ByteSink {
 public:
  explicit SwitchSink(ByteSink* target) : target_(target) {}
  Status write(ConstBytes data) override { return target_->write(data); }
  void switch_to(ByteSink* target) { target_ = target; }

 private:
  ByteSink* target_;
};

// Writes {"model":..,"input":[{"params":{..,"binary_data_base64":[" (wrapped)
// or {"model":..,..,"binary_data_base64":[" (flat) into prefix, and the rest
// into suffix.
Status write_envelope(const EditParams& p, BodyShape shape, GrowingSink& prefix,
                      GrowingSink& suffix) {
  SwitchSink sink(&prefix);
  codec::JsonWriter w(sink);
  SPARK_TRY(w.begin_object());
  SPARK_TRY(w.key("model"));
  SPARK_TRY(w.string(kModel));
  if (shape == BodyShape::kWrapped) {
    SPARK_TRY(w.key("input"));
    SPARK_TRY(w.begin_array());
    SPARK_TRY(w.begin_object());
    SPARK_TRY(w.key("params"));
    SPARK_TRY(w.begin_object());
  }
  SPARK_TRY(w.key("prompt"));
  SPARK_TRY(w.string(p.prompt));
  SPARK_TRY(w.key("seed"));
  SPARK_TRY(w.number(p.seed));
  SPARK_TRY(w.key("scale"));
  SPARK_TRY(w.number(p.scale));
  if (!p.image_url.empty()) {
    // The whole envelope goes to prefix; no image bytes follow.
    SPARK_TRY(w.key("image_urls"));
    SPARK_TRY(w.begin_array());
    SPARK_TRY(w.string(p.image_url));
    SPARK_TRY(w.end_array());
  } else {
    SPARK_TRY(w.key("binary_data_base64"));
    SPARK_TRY(w.begin_array());
    SPARK_TRY(w.begin_string());
    SPARK_TRY(w.flush());
    sink.switch_to(&suffix);
    SPARK_TRY(w.end_string());
    SPARK_TRY(w.end_array());
  }
  if (shape == BodyShape::kWrapped) {
    SPARK_TRY(w.end_object());
    SPARK_TRY(w.end_object());
    SPARK_TRY(w.end_array());
  }
  SPARK_TRY(w.end_object());
  return w.finish();
}

// "Retry-After: 3" -> 3000 ms. An HTTP date (rare) is not parsed: the
// backoff then applies as usual.
std::optional<uint32_t> retry_after(std::string_view v) {
  if (v.empty() || v.size() > 6) return std::nullopt;
  uint32_t s = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    s = s * 10 + static_cast<uint32_t>(c - '0');
  }
  return s * 1000;
}

struct ProgressTap {
  Progress user;
  void* context;
  uint64_t sent = 0;
};
Status tap_progress(void* ctx, uint64_t sent, uint64_t total) {
  auto* tap = static_cast<ProgressTap*>(ctx);
  tap->sent = sent;
  return tap->user ? tap->user(tap->context, sent, total) : Status::ok();
}

constexpr uint8_t kPngSignature[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
// A PNG's last 12 bytes: the empty IEND chunk with its CRC.
constexpr uint8_t kPngEnd[] = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};

bool is_image_signature(const uint8_t* b, size_t n) {
  static const uint8_t kJpeg[] = {0xFF, 0xD8, 0xFF};
  static const uint8_t kPng[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  return (n >= 3 && std::memcmp(b, kJpeg, 3) == 0) || (n >= 8 && std::memcmp(b, kPng, 8) == 0);
}

// Lets bytes reach the output only when they begin with a JPEG or PNG
// signature; anything else (an error page, JSON, garbage) goes to a small
// capped buffer instead, so no wrong bytes ever land in the result file.
class ImageGate final : public ByteSink {
 public:
  ImageGate(ByteSink& out, Progress progress, void* context, uint64_t total)
      : out_(out), progress_(progress), context_(context), total_(total) {}

  Status write(ConstBytes data) override {
    received_ += data.size();
    if (!decided_) {
      size_t take = data.size() < sizeof head_ - head_len_ ? data.size() : sizeof head_ - head_len_;
      std::memcpy(head_ + head_len_, data.data(), take);
      head_len_ += take;
      data = data.subspan(take);
      if (head_len_ < sizeof head_ && data.empty()) return Status::ok();
      decide();
    }
    SPARK_TRY(pass(data));
    return progress_ ? progress_(context_, received_, total_) : Status::ok();
  }

  // At the end of the body: decide on a body shorter than the signature.
  Status finish() {
    if (!decided_) decide();
    return Status::ok();
  }
  bool is_image() const { return image_; }
  bool is_png() const {
    return image_ && head_len_ == 8 && std::memcmp(head_, kPngSignature, 8) == 0;
  }
  // The bytes end where the format says a file ends: JPEG EOI (FF D9) or
  // PNG IEND. A body cut short (or padded) does not.
  bool complete() const {
    if (!image_) return false;
    if (is_png())
      return tail_len_ == sizeof tail_ && std::memcmp(tail_, kPngEnd, sizeof tail_) == 0;
    return tail_len_ >= 2 && tail_[tail_len_ - 2] == 0xFF && tail_[tail_len_ - 1] == 0xD9;
  }
  ConstBytes other() const { return other_.bytes(); }
  const uint8_t* head() const { return head_; }
  size_t head_len() const { return head_len_; }

 private:
  void decide() {
    decided_ = true;
    image_ = is_image_signature(head_, head_len_);
    pending_head_ = true;
  }
  Status pass(ConstBytes data) {
    if (pending_head_) {
      pending_head_ = false;
      SPARK_TRY(route(ConstBytes(head_, head_len_)));
    }
    return data.empty() ? Status::ok() : route(data);
  }
  void keep_tail(ConstBytes data) {
    if (data.size() >= sizeof tail_) {
      std::memcpy(tail_, data.data() + data.size() - sizeof tail_, sizeof tail_);
      tail_len_ = sizeof tail_;
      return;
    }
    size_t keep = tail_len_ + data.size() > sizeof tail_ ? sizeof tail_ - data.size() : tail_len_;
    std::memmove(tail_, tail_ + tail_len_ - keep, keep);
    std::memcpy(tail_ + keep, data.data(), data.size());
    tail_len_ = keep + data.size();
  }
  Status route(ConstBytes data) {
    if (image_) {
      keep_tail(data);
      return out_.write(data);
    }
    // Keep what fits for the error message; drop the rest.
    size_t room = kMaxErrorBody - other_.bytes().size();
    return other_.write(data.first(room));
  }

  ByteSink& out_;
  Progress progress_;
  void* context_;
  uint64_t total_;
  uint64_t received_ = 0;
  uint8_t head_[8] = {};
  size_t head_len_ = 0;
  uint8_t tail_[12] = {};
  size_t tail_len_ = 0;
  bool decided_ = false;
  bool pending_head_ = false;
  bool image_ = false;
  GrowingSink other_{kMaxErrorBody};
};

}  // namespace

Result<size_t> validate_prompt(std::string_view prompt) {
  codec::Utf8Scan scan = codec::utf8_scan(prompt);
  if (!scan.valid) {
    return Status::error(Code::kInvalidArgument, "the prompt is not valid UTF-8 (byte %zu)",
                         scan.error_offset);
  }
  size_t n = scan.code_points;
  bool blank = prompt.find_first_not_of(" \t\r\n") == std::string_view::npos;
  if (n == 0 || blank) return Status::error(Code::kInvalidArgument, "the prompt is empty");
  if (n > kMaxPromptCodePoints) {
    return Status::error(Code::kInvalidArgument,
                         "the prompt has %zu characters; the service takes at most %zu", n,
                         kMaxPromptCodePoints);
  }
  return n;
}

Status validate_image_url(std::string_view url) {
  if (url.size() > kMaxImageUrl) {
    return Status::error(Code::kInvalidArgument, "the image URL is %zu bytes, over the %zu allowed",
                         url.size(), kMaxImageUrl);
  }
  for (char c : url) {
    if (c <= ' ' || c >= 0x7F || c == '"' || c == '\\' || c == '<' || c == '>') {
      return Status::error(Code::kInvalidArgument,
                           "the image URL has a space, quote or non-ASCII character; "
                           "percent-encode it");
    }
  }
  auto parsed = http::parse_url(url);
  if (!parsed.is_ok()) return parsed.status().with_context("image URL");
  if (parsed->scheme != "https") {
    return Status::error(Code::kInvalidArgument, "the image URL must be https:// (got %.*s://)",
                         static_cast<int>(parsed->scheme.size() > 16 ? 16 : parsed->scheme.size()),
                         parsed->scheme.data());
  }
  return Status::ok();
}

Status validate_params(const EditParams& p, const Limits& limits) {
  SPARK_TRY_ASSIGN(size_t n, validate_prompt(p.prompt));
  if (n > limits.prompt_max_code_points) {
    return Status::error(Code::kInvalidArgument,
                         "the prompt has %zu characters; the model spec allows at most %u", n,
                         limits.prompt_max_code_points);
  }
  if (!p.image_url.empty()) SPARK_TRY(validate_image_url(p.image_url));
  if (!(p.scale >= limits.scale_min && p.scale <= limits.scale_max)) {
    return Status::error(Code::kInvalidArgument, "scale must be within %g..%g (got %g)",
                         limits.scale_min, limits.scale_max, p.scale);
  }
  if (p.seed < -1 || p.seed < limits.seed_min) {
    return Status::error(Code::kInvalidArgument, "seed must be -1 (random) or >= %lld (got %lld)",
                         static_cast<long long>(limits.seed_min < 0 ? 0 : limits.seed_min),
                         static_cast<long long>(p.seed));
  }
  return Status::ok();
}

Client::Client(http::Client& api, http::Client& cdn, hal::Clock& clock, Config config)
    : api_(api), cdn_(cdn), clock_(clock), config_(std::move(config)) {}

Client::~Client() {
  text::wipe(auth_);
  text::wipe(config_.key);
}

Status Client::init() {
  base_ = config_.api_base;
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
  auto url = http::parse_url(base_);
  if (!url.is_ok()) return url.status().with_context("api_base '%s'", config_.api_base.c_str());
  if (url->scheme != "https") {
    return Status::error(Code::kInvalidArgument, "api_base must be an https:// URL (got %s)",
                         config_.api_base.c_str());
  }
  if (config_.key.empty()) {
    return Status::error(Code::kUnauthenticated, "no API key configured");
  }
  auth_ = "Bearer " + config_.key;
  text::wipe(config_.key);  // auth_ is the one copy kept
  create_url_ = base_ + "/model/v1/generation";
  return Status::ok();
}

Result<ModelSpec> Client::fetch_spec(std::string_view models_base, std::string* raw) {
  std::string base(models_base);
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto parsed = http::parse_url(base);
  if (!parsed.is_ok()) return parsed.status().with_context("models base '%s'", base.c_str());
  if (parsed->scheme != "https") {
    return Status::error(Code::kInvalidArgument, "the models base must be https:// (got %s)",
                         base.c_str());
  }
  std::string url = base + kModelSpecPath;
  // No Authorization: the spec service needs no key (the vendor's CLI sends none).
  const http::Header headers[] = {{"Accept", "application/json"}};
  GrowingSink reply(static_cast<size_t>(config_.max_reply_bytes));
  http::Request req;
  req.url = url;
  req.headers = Span<const http::Header>(headers);
  req.sink = &reply;
  req.max_response_bytes = config_.max_reply_bytes;
  req.deadline = hal::Deadline::after(clock_, config_.poll_timeout_ms);
  auto response = api_.send(req);
  if (!response.is_ok()) return response.status().with_context("model spec");
  if (response->status != 200) {
    return Status::error(Code::kUnavailable, "the model spec service answered HTTP %d",
                         response->status);
  }
  SPARK_TRY_ASSIGN(picojson::value json,
                   codec::parse_json(as_chars(reply.bytes()),
                                     {static_cast<size_t>(config_.max_reply_bytes), 32}));
  SPARK_TRY_ASSIGN(ModelSpec spec, parse_model_spec(json));
  if (raw) raw->assign(as_chars(reply.bytes()));
  return spec;
}

Status Client::use_spec(const ModelSpec& spec) {
  SPARK_TRY(check_spec_endpoint(spec.endpoint, config_.api_base));
  create_url_ = spec.endpoint;
  while (!create_url_.empty() && create_url_.back() == '/') create_url_.pop_back();
  limits_ = spec.limits;
  return Status::ok();
}

Reply Client::finish(Phase phase, const Result<http::Response>& response, ConstBytes body,
                     bool request_sent) {
  Reply r;
  r.request_sent = request_sent;
  if (!response.is_ok()) {
    r.verdict = classify_transport(phase, response.status(), request_sent);
    return r;
  }
  r.http_status = response->status;
  r.request_sent = true;
  r.retry_after_ms = retry_after(response->header("Retry-After"));
  auto json = codec::parse_json(as_chars(body), {static_cast<size_t>(config_.max_reply_bytes), 32});
  if (response->status == 200) {
    Status bad;
    if (json.is_ok()) {
      auto task = parse_task(*json);
      if (task.is_ok()) {
        r.ok = true;
        r.task = *task;
        return r;
      }
      bad = task.status();
      if (phase == Phase::kCreate && json->is<picojson::object>()) {
        // A task id is what matters: with one, the task exists and is
        // polled (and journalled first), whatever else the reply lacks.
        auto id = parse_task_id(*json);
        if (id.is_ok()) {
          SPARK_LOGW("api", "create reply for task %s has no usable result (%s); polling it",
                     id->id, bad.message());
          r.ok = true;
          r.unusable_result = true;
          r.task = *id;
          return r;
        }
        // No id but an error: the create failed, plainly (the vendor's CLI
        // reads it so). Nothing was created, nothing is to be resumed.
        const auto& obj = json->get<picojson::object>();
        auto e = obj.find("error");
        if (e != obj.end() && !e->second.is<picojson::null>()) {
          VendorError vendor = parse_error_body(*json);
          r.verdict = classify_task_failure(vendor.code, vendor.message);
          r.verdict.retry = Retry::kNo;
          r.verdict.status = r.verdict.status.with_context("the create was refused (HTTP 200)");
          return r;
        }
      }
    } else {
      bad = json.status();
    }
    // A 200 we cannot read: for a create the task may exist all the same.
    bad = bad.with_context("unreadable reply to %s", phase == Phase::kCreate ? "create" : "poll");
    r.verdict =
        classify_transport(phase, Status::error(Code::kUnavailable, "%s", bad.message()), true);
    return r;
  }
  VendorError vendor;
  if (json.is_ok()) vendor = parse_error_body(*json);
  r.verdict = classify_http(phase, response->status, vendor.code, vendor.message);
  return r;
}

Reply Client::create(const EditParams& params, ByteSource& image, Progress progress,
                     void* context) {
  Reply r;
  Status valid = validate_params(params, limits_);
  if (!valid.is_ok()) {
    r.verdict.error_class = ErrorClass::kInput;
    r.verdict.status = valid;
    return r;
  }
  GrowingSink prefix(kMaxEnvelope), suffix(kMaxEnvelope);
  Status env = write_envelope(params, config_.body_shape, prefix, suffix);
  MemorySource no_image{ConstBytes()};
  ByteSource& source = params.image_url.empty() ? image : static_cast<ByteSource&>(no_image);
  auto body = env.is_ok() ? http::JsonUploadBody::create(as_chars(prefix.bytes()), source,
                                                         as_chars(suffix.bytes()))
                          : Result<http::JsonUploadBody>(env);
  if (!body.is_ok()) {
    r.verdict.error_class = ErrorClass::kInput;
    r.verdict.status = body.status().with_context("create request");
    return r;
  }
  std::string url = create_url_;
  const http::Header headers[] = {{"Authorization", auth_},
                                  {"Content-Type", "application/json"},
                                  {"Accept", "application/json"}};
  ProgressTap tap{progress, context};
  GrowingSink reply(static_cast<size_t>(config_.max_reply_bytes));
  http::Request req;
  req.method = http::Method::kPost;
  req.url = url;
  req.headers = Span<const http::Header>(headers);
  req.body = &*body;
  req.sink = &reply;
  req.max_response_bytes = config_.max_reply_bytes;
  req.progress = tap_progress;
  req.progress_context = &tap;
  req.deadline = hal::Deadline::after(clock_, config_.create_timeout_ms);
  auto response = api_.send(req);
  return finish(Phase::kCreate, response, reply.bytes(), tap.sent == body->length());
}

Reply Client::poll(std::string_view task_id) {
  std::string url = create_url_ + "/task/" + std::string(task_id);
  const http::Header headers[] = {{"Authorization", auth_}, {"Accept", "application/json"}};
  GrowingSink reply(static_cast<size_t>(config_.max_reply_bytes));
  http::Request req;
  req.url = url;
  req.headers = Span<const http::Header>(headers);
  req.sink = &reply;
  req.max_response_bytes = config_.max_reply_bytes;
  req.deadline = hal::Deadline::after(clock_, config_.poll_timeout_ms);
  auto response = api_.send(req);
  return finish(Phase::kPoll, response, reply.bytes(), true);
}

Reply Client::download(std::string_view url, ByteSink& out, uint64_t max_bytes,
                       uint64_t expected_bytes, Progress progress, void* context) {
  Reply r;
  auto parsed = http::parse_url(url);
  if (!parsed.is_ok() || parsed->scheme != "https") {
    r.verdict.error_class = ErrorClass::kRejected;
    r.verdict.status =
        Status::error(Code::kInvalidArgument, "the service gave a result URL that is not https://");
    return r;
  }
  ImageGate gate(out, progress, context, expected_bytes);
  // No Authorization: the CDN is another host and needs none.
  const http::Header headers[] = {{"Accept", "image/jpeg, image/png"}};
  http::Request req;
  req.url = url;
  req.headers = Span<const http::Header>(headers);
  req.sink = &gate;
  req.max_response_bytes = max_bytes;
  req.deadline = hal::Deadline::after(clock_, config_.download_timeout_ms);
  auto response = cdn_.send(req);
  if (!response.is_ok()) {
    r.verdict = classify_transport(Phase::kDownload, response.status(), true);
    return r;
  }
  Status done = gate.finish();
  r.result_png = gate.is_png();
  r.result_complete = gate.complete();
  r.http_status = response->status;
  r.request_sent = true;
  r.retry_after_ms = retry_after(response->header("Retry-After"));
  if (response->status != 200) {
    VendorError vendor;
    auto json = codec::parse_json(as_chars(gate.other()));
    if (json.is_ok()) vendor = parse_error_body(*json);
    r.verdict = classify_http(Phase::kDownload, response->status, vendor.code, vendor.message);
    return r;
  }
  if (!done.is_ok() || !gate.is_image()) {
    char hex[3 * 8 + 1] = "";
    for (size_t i = 0; i < gate.head_len(); ++i) {
      std::snprintf(hex + 3 * i, 4, "%02x ", gate.head()[i]);
    }
    r.verdict.error_class = ErrorClass::kTransient;
    r.verdict.retry = Retry::kBackoff;
    r.verdict.status =
        Status::error(Code::kDataLoss, "the result is not a JPEG or PNG (it starts with %s)",
                      gate.head_len() ? hex : "nothing");
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace spark::api
