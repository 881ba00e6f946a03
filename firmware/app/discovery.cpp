#include "app/discovery.h"

#include <cstdio>
#include <cstring>

#include "codec/json_parse.h"
#include "core/log.h"

namespace spark::app {
namespace {

// {"fetched_at":S,"models_base":"..","reply":{...the service's reply...}}
struct Cached {
  api::ModelSpec spec;
  uint64_t fetched_at = 0;
  std::string models_base;
};

Result<Cached> read_cache(EditStack& s, const std::string& path) {
  SPARK_TRY_ASSIGN(std::vector<uint8_t> bytes, s.files.read(path, kMaxCacheBytes));
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  SPARK_TRY_ASSIGN(picojson::value json, codec::parse_json(text, {kMaxCacheBytes, 32}));
  if (!json.is<picojson::object>()) return Status::error(Code::kDataLoss, "not an object");
  const auto& o = json.get<picojson::object>();
  auto at = o.find("fetched_at");
  auto base = o.find("models_base");
  auto reply = o.find("reply");
  if (at == o.end() || !at->second.is<double>() || base == o.end() ||
      !base->second.is<std::string>() || reply == o.end()) {
    return Status::error(Code::kDataLoss, "not a model spec cache");
  }
  Cached c;
  SPARK_TRY_ASSIGN(c.spec, api::parse_model_spec(reply->second));
  double t = at->second.get<double>();
  c.fetched_at = t > 0 ? static_cast<uint64_t>(t) : 0;
  c.models_base = base->second.get<std::string>();
  return c;
}

Status write_cache(EditStack& s, const std::string& path, const std::string& models_base,
                   const std::string& raw) {
  picojson::object o;
  o["fetched_at"] = picojson::value(static_cast<double>(s.clock.wall_time_s()));
  o["models_base"] = picojson::value(models_base);
  picojson::value reply;
  std::string err = picojson::parse(reply, raw);
  if (!err.empty()) return Status::error(Code::kDataLoss, "the spec reply does not re-parse");
  o["reply"] = reply;
  std::string text = picojson::value(o).serialize();
  SPARK_TRY_ASSIGN(auto file, s.files.create(path));
  SPARK_TRY(file->write(ConstBytes(reinterpret_cast<const uint8_t*>(text.data()), text.size())));
  return file->commit();
}

}  // namespace

const char* source_name(Discovery::Source s) {
  switch (s) {
    case Discovery::Source::kBuiltIn:
      return "built-in";
    case Discovery::Source::kService:
      return "service";
    case Discovery::Source::kCache:
      return "cache";
  }
  return "?";
}

Discovery discover(EditStack& s, const std::string& models_base, bool refresh, uint64_t max_age_s) {
  Discovery d;
  d.cache_path = s.state_dir + "/" + kModelSpecCacheName;
  std::snprintf(d.spec.endpoint, sizeof d.spec.endpoint, "%s", s.api->create_url().c_str());
  std::strcpy(d.spec.method, "POST");
  const api::ModelSpec builtin = d.spec;  // what the client uses until a spec is applied
  const uint64_t now = s.clock.wall_time_s();
  auto cached = read_cache(s, d.cache_path);
  bool cache_usable =
      cached.is_ok() && cached->models_base == models_base && s.api->use_spec(cached->spec).is_ok();
  // use_spec above only checked the cached endpoint; start from built-ins again.
  uint64_t age = cache_usable && now > cached->fetched_at ? now - cached->fetched_at : 0;
  if (cache_usable && !refresh && age <= max_age_s) {
    d.source = Discovery::Source::kCache;
    d.age_s = age;
    d.spec = cached->spec;
    SPARK_LOGI("spec", "model spec from the cache (%llu s old): create at %s",
               static_cast<unsigned long long>(age), d.spec.endpoint);
    return d;
  }
  std::string raw;
  auto fetched = s.api->fetch_spec(models_base, &raw);
  if (fetched.is_ok()) {
    Status allowed = s.api->use_spec(*fetched);
    if (allowed.is_ok()) {
      d.source = Discovery::Source::kService;
      d.spec = *fetched;
      Status kept = write_cache(s, d.cache_path, models_base, raw);
      if (!kept.is_ok()) SPARK_LOGW("spec", "model spec not cached: %s", kept.message());
      SPARK_LOGI("spec", "model spec from %s: create at %s", models_base.c_str(), d.spec.endpoint);
      return d;
    }
    d.problem = allowed;
    SPARK_LOGE("spec", "%s", allowed.message());
  } else {
    d.problem = fetched.status();
  }
  if (cache_usable && d.problem.code() != Code::kPermissionDenied) {
    d.source = Discovery::Source::kCache;
    d.age_s = age;
    d.spec = cached->spec;
    SPARK_LOGW("spec", "model spec unreachable (%s); using the cached one, %llu s old",
               d.problem.message(), static_cast<unsigned long long>(age));
    return d;
  }
  // Built-in endpoint and limits. use_spec may have applied the cache above:
  // put the built-in values back.
  s.api->use_spec(builtin).ignore();
  d.spec = builtin;
  if (d.problem.code() != Code::kPermissionDenied) {
    SPARK_LOGW("spec", "model spec unreachable (%s); using the built-in endpoint and limits",
               d.problem.message());
  }
  return d;
}

}  // namespace spark::app
