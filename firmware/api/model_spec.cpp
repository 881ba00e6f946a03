#include "api/model_spec.h"

#include <cmath>
#include <cstring>
#include <string>

#include "http/url.h"

namespace spark::api {
namespace {

using codec::member;

const picojson::value* number(const picojson::value* v, const char* key) {
  const picojson::value* m = v ? member(*v, key) : nullptr;
  return m && m->is<double>() && std::isfinite(m->get<double>()) ? m : nullptr;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// host is the vendor's domain or a name under it ("x.vtrix.ai", not
// "evilvtrix.ai").
bool under_vendor_domain(std::string_view host) {
  std::string_view d = kVendorDomain;
  if (iequal(host, d)) return true;
  return host.size() > d.size() + 1 && host[host.size() - d.size() - 1] == '.' &&
         iequal(host.substr(host.size() - d.size()), d);
}

}  // namespace

Result<ModelSpec> parse_model_spec(const picojson::value& reply) {
  if (const picojson::value* status = member(reply, "status")) {
    const picojson::value* code = number(status, "code");
    if (code && code->get<double>() != 0 && code->get<double>() != 200) {
      return Status::error(Code::kDataLoss, "the model spec service answered status %.0f",
                           code->get<double>());
    }
  }
  const picojson::value* data = member(reply, "data");
  const picojson::value* api = data ? member(*data, "api") : nullptr;
  const picojson::value* endpoint = api ? member(*api, "endpoint") : nullptr;
  if (!endpoint || !endpoint->is<std::string>() || endpoint->get<std::string>().empty()) {
    return Status::error(Code::kDataLoss, "the model spec has no data.api.endpoint");
  }
  ModelSpec spec;
  const std::string& url = endpoint->get<std::string>();
  if (url.size() >= sizeof spec.endpoint) {
    return Status::error(Code::kOutOfRange, "the model spec's endpoint is %zu characters",
                         url.size());
  }
  std::memcpy(spec.endpoint, url.data(), url.size());
  std::strcpy(spec.method, "POST");
  if (const picojson::value* m = member(*api, "method"); m && m->is<std::string>()) {
    if (!iequal(m->get<std::string>(), "POST")) {
      return Status::error(Code::kDataLoss, "the model spec's method is not POST");
    }
  }
  const picojson::value* params = member(*data, "parameters");
  if (!params || !params->is<picojson::array>()) return spec;
  for (const auto& p : params->get<picojson::array>()) {
    const picojson::value* name = member(p, "name");
    const picojson::value* c = member(p, "constraints");
    if (!name || !name->is<std::string>() || !c || !c->is<picojson::object>()) continue;
    const std::string& n = name->get<std::string>();
    const picojson::value* max_length = number(c, "max_length");
    const picojson::value* min = number(c, "min");
    const picojson::value* max = number(c, "max");
    const picojson::value* max_items = number(c, "max_items");
    Limits& l = spec.limits;
    if (n == "prompt" && max_length) {
      double v = max_length->get<double>();
      if (!(v >= 1 && v <= 100000)) {
        return Status::error(Code::kOutOfRange, "the model spec's prompt limit %.0f is implausible",
                             v);
      }
      l.prompt_max_code_points = static_cast<uint32_t>(v);
    } else if (n == "scale") {
      if (min) l.scale_min = min->get<double>();
      if (max) l.scale_max = max->get<double>();
      if (!(l.scale_min >= 0 && l.scale_min <= l.scale_max && l.scale_max <= 1)) {
        return Status::error(Code::kOutOfRange, "the model spec's scale range is outside 0..1");
      }
    } else if (n == "seed" && min) {
      double v = min->get<double>();
      if (!(v >= -1 && v <= 1e15)) {
        return Status::error(Code::kOutOfRange, "the model spec's seed minimum is implausible");
      }
      l.seed_min = static_cast<int64_t>(v);
    } else if (n == "binary_data_base64" && max_items) {
      if (max_items->get<double>() < 1) {
        return Status::error(Code::kOutOfRange, "the model spec allows no image");
      }
    }
  }
  return spec;
}

Status check_spec_endpoint(std::string_view endpoint, std::string_view api_base) {
  auto url = http::parse_url(endpoint);
  if (!url.is_ok()) return url.status().with_context("the model spec's endpoint");
  if (!iequal(url->scheme, "https")) {
    return Status::error(Code::kPermissionDenied,
                         "the model spec names a create endpoint that is not https://; refused "
                         "(the API key goes over https only)");
  }
  auto base = http::parse_url(api_base);
  bool same_host = base.is_ok() && iequal(base->host, url->host);
  if (same_host || under_vendor_domain(url->host)) return Status::ok();
  std::string host(url->host.substr(0, 100));
  std::string configured(base.is_ok() ? std::string(base->host.substr(0, 100)) : std::string("?"));
  return Status::error(Code::kPermissionDenied,
                       "the model spec names the create endpoint host '%s', which is neither the "
                       "configured API host '%s' nor under %s: refused, the API key is not sent "
                       "there",
                       host.c_str(), configured.c_str(), kVendorDomain);
}

}  // namespace spark::api
