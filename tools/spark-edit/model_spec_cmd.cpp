// spark-edit model-spec: the vendor's model spec as spark-edit would use it.
#include <cstdio>
#include <cstring>

#include "app/discovery.h"
#include "codec/json_writer.h"
#include "commands.h"
#include "session.h"
#include "stdio_sink.h"

namespace spark::cli {

int model_spec_main(int argc, char** argv) {
  CommonOptions o;
  bool refresh = false;
  for (int i = 0; i < argc; ++i) {
    int common = take_common(argc, argv, i, o);
    if (common < 0) return kExitUsage;
    if (common > 0) continue;
    if (!std::strcmp(argv[i], "--refresh")) {
      refresh = true;
    } else if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
      std::printf(
          "usage: spark-edit model-spec [--refresh] [options]\n"
          "  Fetches the vendor's model spec (or reads the cached one, under a day old)\n"
          "  and prints the create endpoint and parameter limits an edit with --discover\n"
          "  uses, and where they came from. --refresh asks the service even when the\n"
          "  cache is fresh. Exit 1 when the service's spec was refused or unreachable\n"
          "  (the built-in values are then shown).\n%s",
          kCommonHelp);
      return kExitOk;
    } else {
      std::fprintf(stderr, "spark-edit: unexpected argument '%s'\n", argv[i]);
      return kExitUsage;
    }
  }
  setup_logging(o);
  o.discover = false;  // discovered below, once
  auto stack = open_stack(o);
  if (!stack.is_ok()) return open_failure(stack.status());
  app::Discovery d = app::discover(**stack, models_base(o), refresh);
  const api::Limits& l = d.spec.limits;
  if (o.json) {
    StdioSink out(stdout);
    codec::JsonWriter w(out);
    Status s = w.begin_object();
    auto text = [&](const char* k, const char* v) {
      if (s.is_ok()) s = w.key(k);
      if (s.is_ok()) s = w.string(v);
    };
    auto number = [&](const char* k, double v) {
      if (s.is_ok()) s = w.key(k);
      if (s.is_ok()) s = w.number(v);
    };
    text("source", app::source_name(d.source));
    if (d.source == app::Discovery::Source::kCache) number("age_s", static_cast<double>(d.age_s));
    text("endpoint", d.spec.endpoint);
    text("method", d.spec.method);
    number("prompt_max", l.prompt_max_code_points);
    number("scale_min", l.scale_min);
    number("scale_max", l.scale_max);
    number("seed_min", static_cast<double>(l.seed_min));
    if (!d.problem.is_ok()) text("problem", d.problem.message());
    text("cache", d.cache_path.c_str());
    if (s.is_ok()) s = w.end_object();
    if (s.is_ok()) s = w.finish();
    std::fputc('\n', stdout);
  } else {
    std::printf("source    %s", app::source_name(d.source));
    if (d.source == app::Discovery::Source::kCache) {
      std::printf(" (%llu s old)", static_cast<unsigned long long>(d.age_s));
    }
    std::printf("\nendpoint  %s %s\n", d.spec.method, d.spec.endpoint);
    std::printf("prompt    1..%u characters\nscale     %g..%g\nseed      -1 or >= %lld\n",
                l.prompt_max_code_points, l.scale_min, l.scale_max,
                static_cast<long long>(l.seed_min < 0 ? 0 : l.seed_min));
    std::printf("cache     %s\n", d.cache_path.c_str());
    if (!d.problem.is_ok()) std::fprintf(stderr, "spark-edit: %s\n", d.problem.message());
  }
  return d.problem.is_ok() ? kExitOk : kExitFailed;
}

}  // namespace spark::cli
