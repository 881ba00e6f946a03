// app::discover: the opt-in endpoint discovery of spark-edit --discover (and
// SPARK_DISCOVER=1): the vendor's model spec (api/model_spec.h) fetched from
// the spec service, cached in the state directory with the time it was
// fetched, and applied to the stack's api::Client (create endpoint and
// parameter limits).
//
// Order: a cache younger than max_age_s (and made for the same models base)
// is used as it is; otherwise the service is asked and a good answer is
// cached; when the service cannot be reached or answers nonsense, an older
// cache is used, else the built-in endpoint and limits, and that is logged
// once (a warning naming the cause). A spec whose endpoint names a host other
// than the configured API host or the vendor's domain is refused (logged as
// an error, not cached, not used): the key never goes there.
//
// Memory: the cache file (at most kMaxCacheBytes) while it is read or
// written; api::Client's reply buffer for the fetch.
#pragma once

#include <cstdint>
#include <string>

#include "app/edit_stack.h"

namespace spark::app {

constexpr size_t kMaxCacheBytes = size_t{64} * 1024;
constexpr const char* kModelSpecCacheName = "model-spec.json";

struct Discovery {
  enum class Source : uint8_t { kBuiltIn, kService, kCache };
  Source source = Source::kBuiltIn;
  uint64_t age_s = 0;   // of the spec in use, when from the cache
  api::ModelSpec spec;  // in use (built-in values for kBuiltIn)
  Status problem;       // why the service's answer was not used, if so
  std::string cache_path;
};

const char* source_name(Discovery::Source s);

// Never fails the edit: the worst outcome is the built-in values.
Discovery discover(EditStack& stack, const std::string& models_base, bool refresh,
                   uint64_t max_age_s = uint64_t{24} * 3600);

}  // namespace spark::app
