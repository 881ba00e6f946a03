// The vendor's model spec (PROTOCOL.md "Endpoint discovery"): where to
// create a task and the parameter limits, as its spec service states them
// (GET {models_base}/api/v1/skill/models/spark_edit_3_0/spec, no key;
// {"data":{"api":{"endpoint","method","headers"},"parameters":[{name, type,
// required, constraints:{min,max,max_length,max_items,default,enum}}]},
// "status":{"code","message"}}).
//
// The endpoint decides where the API key goes, so it is accepted only over
// https and on the configured API host or under the vendor's domain
// (vtrix.ai): a spec naming any other host is refused.
//
// Memory: a ModelSpec is ~2.1 KB of fixed fields; parsing works on the
// caller's parsed picojson value (capped by the caller). No heap.
#pragma once

#include <cstdint>
#include <string_view>

#include "codec/json_parse.h"
#include "core/status.h"

namespace spark::api {

constexpr const char* kDefaultModelsBase = "https://cloud-model-spec.vtrix.ai";
constexpr const char* kVendorDomain = "vtrix.ai";

// What an edit may send. The built-in values are the vendor page's.
struct Limits {
  uint32_t prompt_max_code_points = 800;
  double scale_min = 0.0;
  double scale_max = 1.0;
  int64_t seed_min = -1;
  uint32_t max_images = 1;
};

struct ModelSpec {
  static constexpr size_t kMaxUrl = 2048;
  char endpoint[kMaxUrl] = {};  // the create URL; the task URL is + "/task/{id}"
  char method[8] = {};
  Limits limits;
};

// The spec request's path for the model.
constexpr const char* kModelSpecPath = "/api/v1/skill/models/spark_edit_3_0/spec";

// Errors: kDataLoss when the reply is not the spec's shape (no data.api.
// endpoint, a status code other than 0 or 200, a method other than POST);
// kOutOfRange for an endpoint over kMaxUrl or a limit outside what the
// service's own page allows (e.g. a prompt limit of 0).
Result<ModelSpec> parse_model_spec(const picojson::value& reply);

// Whether the key may go to endpoint: https, and its host is api_base's host
// (any port) or vtrix.ai or a name under it. kPermissionDenied with a
// sentence naming the host otherwise; kInvalidArgument for a URL that does
// not parse.
Status check_spec_endpoint(std::string_view endpoint, std::string_view api_base);

}  // namespace spark::api
