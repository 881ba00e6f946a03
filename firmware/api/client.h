// api::Client: the Spark Edit 3.0 calls (PROTOCOL.md) over http::Client.
//
// create() streams the request: a small JSON envelope written by
// codec::JsonWriter around the base64 of the prepared JPEG, which is encoded
// on the fly (http::JsonUploadBody), so Content-Length is known before the
// first byte and nothing holds the base64 text. poll() reads the task;
// download() streams the result from the CDN origin into the caller's sink
// without the Authorization header (the key never leaves for another host).
//
// Every call returns a Reply: the parsed task on HTTP 200, otherwise a
// Verdict (error class, retry decision, message) from api/errors.h, with
// Retry-After and whether a create's body had gone out completely.
//
// Memory: the envelope (prefix + suffix, at most ~4 KB: the prompt is at
// most 800 code points) and the reply text (at most max_reply_bytes, 64 KB by
// default, plus picojson's tree while it is parsed); the two http::Clients
// are the caller's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/errors.h"
#include "api/model_spec.h"
#include "api/task.h"
#include "core/io.h"
#include "hal/clock.h"
#include "http/client.h"

namespace spark::api {

constexpr const char* kModel = "spark_edit_3_0";
constexpr const char* kDefaultApiBase = "https://cloud.vtrix.ai";
constexpr size_t kMaxPromptCodePoints = 800;
constexpr size_t kLongPromptCodePoints = 120;  // works worse above this

enum class BodyShape : uint8_t { kWrapped, kFlat };

struct Config {
  std::string api_base = kDefaultApiBase;  // https://host[:port][/prefix]
  std::string key;                         // Bearer token; init() keeps it only
                                           // as the header and wipes this copy
  BodyShape body_shape = BodyShape::kWrapped;
  uint64_t max_reply_bytes = uint64_t{64} * 1024;
  uint64_t create_timeout_ms = 180000;  // the whole upload and reply
  uint64_t poll_timeout_ms = 30000;
  uint64_t download_timeout_ms = 120000;
};

struct EditParams {
  std::string_view prompt;
  double scale = 0.5;  // 0..1
  int64_t seed = -1;   // -1 random, else >= 0
  // When set, the service fetches the picture from this https URL
  // ("image_urls") and create() sends no image bytes.
  std::string_view image_url;
};

constexpr size_t kMaxImageUrl = 2048;

// The prompt's length in code points; kInvalidArgument when it is not valid
// UTF-8 or not 1..800 code points (the service would answer 3007004).
Result<size_t> validate_prompt(std::string_view prompt);
// Prompt, scale and seed (and the image URL when given), checked before
// anything is sent, against limits (the built-in ones by default, or a
// model spec's: Client::limits()).
Status validate_params(const EditParams& params, const Limits& limits = Limits());
// An image URL the service can be given: https://host[:port]/..., at most
// kMaxImageUrl bytes, printable ASCII without spaces or quotes.
// kInvalidArgument with the reason otherwise.
Status validate_image_url(std::string_view url);

struct Reply {
  bool ok = false;      // HTTP 200 and a usable task
  TaskInfo task;        // when ok
  Verdict verdict;      // when not ok
  int http_status = 0;  // 0 when no reply arrived
  std::optional<uint32_t> retry_after_ms;
  bool request_sent = false;  // create: the whole body went out
  // create: a 200 that named a task but whose result part could not be
  // used (e.g. "completed" without output): the task is to be polled.
  bool unusable_result = false;
  // download: the result is a PNG (else a JPEG), and it ends where its
  // format says a file ends (JPEG EOI, PNG IEND), i.e. it is complete.
  bool result_png = false;
  bool result_complete = false;
};

// Called with bytes sent (create) or received (download) and the total (0
// when unknown). A non-OK status cancels the call.
using Progress = http::ProgressFn;

// api::Service: the three calls an edit makes (and the limits its
// parameters are checked against), as an interface. api::Client is the real
// one; job::EditJob depends only on this, so the job's retry, backoff,
// deadline, cancel and journal rules can be driven by a scripted service in
// tests (tests/unit/job/fake_service.h) with hal::ManualClock, in
// milliseconds and without sockets.
//
// Why this seam and not a fake hal::Socket: a socket-level fake would have to
// script TLS and HTTP framing byte by byte, and what the job decides on is
// the Reply (verdict, retry class, Retry-After, request_sent), which
// api::Client builds from the wire with api/errors.h; that mapping has its
// own unit tests, and the whole real path keeps its spark-sim tests
// (tests/integration/edit_job_test.cpp, tests/cli). Three virtual calls per
// request cost nothing next to the network.
class Service {
 public:
  virtual ~Service() = default;
  virtual Reply create(const EditParams& params, ByteSource& image, Progress progress,
                       void* context) = 0;
  virtual Reply poll(std::string_view task_id) = 0;
  virtual Reply download(std::string_view url, ByteSink& out, uint64_t max_bytes,
                         uint64_t expected_bytes, Progress progress, void* context) = 0;
  virtual const Limits& limits() const = 0;
};

class Client final : public Service {
 public:
  // api carries the create and poll calls (one kept-alive connection), cdn
  // the downloads. Errors of init(): kInvalidArgument for a bad api_base.
  Client(http::Client& api, http::Client& cdn, hal::Clock& clock, Config config);
  ~Client() override;  // wipes the key
  Status init();

  // image must know its size; it is read from where it stands. With
  // params.image_url set, image is not read (pass an empty source).
  Reply create(const EditParams& params, ByteSource& image, Progress progress,
               void* context) override;
  Reply poll(std::string_view task_id) override;
  // expected_bytes: the size the task reply gave (0 when unknown), for progress.
  Reply download(std::string_view url, ByteSink& out, uint64_t max_bytes, uint64_t expected_bytes,
                 Progress progress, void* context) override;

  // GET {models_base}/api/v1/skill/models/spark_edit_3_0/spec, without the
  // key. raw (when given) receives the reply text, for a cache. Errors:
  // transport faults, kUnavailable for an HTTP status other than 200, and
  // parse_model_spec's.
  Result<ModelSpec> fetch_spec(std::string_view models_base, std::string* raw = nullptr);
  // Creates go to spec.endpoint (polls to its /task/{id}) and parameters are
  // checked against spec.limits from now on. Errors: check_spec_endpoint's
  // (the spec is then not used).
  Status use_spec(const ModelSpec& spec);
  const Limits& limits() const override { return limits_; }
  // The create URL in use (the built-in path under api_base, or a spec's).
  const std::string& create_url() const { return create_url_; }

  const Config& config() const { return config_; }

 private:
  Reply finish(Phase phase, const Result<http::Response>& response, ConstBytes body,
               bool request_sent);

  http::Client& api_;
  http::Client& cdn_;
  hal::Clock& clock_;
  Config config_;
  std::string base_;  // api_base without a trailing '/'
  std::string auth_;  // "Bearer <key>"
  std::string create_url_;
  Limits limits_;
};

}  // namespace spark::api
