#include "session.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "app/discovery.h"
#include "app/state_dir.h"
#include "commands.h"
#include "core/log.h"
#include "core/text.h"
#include "platform/linux/key_file.h"

namespace spark::cli {

const char kCommonHelp[] =
    "  --api-base URL    the API (default $SPARK_API_BASE, else https://cloud.vtrix.ai)\n"
    "  --key-file FILE   API key file, mode 0600 (default: $SPARK_API_KEY)\n"
    "  --ca-file FILE    trust only these CAs (default $SPARK_CA_FILE, else the system's)\n"
    "  --state-dir DIR   journal and prepared images, yours alone (default\n"
    "                    $SPARK_STATE_DIR, $STATE_DIRECTORY, else ~/.local/state/sparkcam)\n"
    "  --body-shape wrapped|flat   request body layout (default wrapped)\n"
    "  --timeout S       give up waiting for the task after S seconds (default 600)\n"
    "  --discover        take the create endpoint and limits from the vendor's model\n"
    "                    spec (cached in the state dir; also SPARK_DISCOVER=1)\n"
    "  --models-url URL  the model spec service (default $SPARK_MODELS_URL, else\n"
    "                    $VTRIX_MODELS_URL, else https://cloud-model-spec.vtrix.ai)\n"
    "  --json            one JSON object on stdout\n"
    "  --quiet           errors only      --verbose   debug log\n";

namespace {
const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
}  // namespace

int take_common(int argc, char** argv, int& i, CommonOptions& o) {
  auto value = [&](std::string& out) {
    if (i + 1 >= argc) {
      std::fprintf(stderr, "spark-edit: %s needs a value\n", argv[i]);
      return -1;
    }
    out = argv[++i];
    return 1;
  };
  const char* a = argv[i];
  if (!std::strcmp(a, "--api-base")) return value(o.api_base);
  if (!std::strcmp(a, "--key-file")) return value(o.key_file);
  if (!std::strcmp(a, "--ca-file")) return value(o.ca_file);
  if (!std::strcmp(a, "--state-dir")) return value(o.state_dir);
  if (!std::strcmp(a, "--body-shape")) {
    if (value(o.body_shape) < 0) return -1;
    if (o.body_shape != "wrapped" && o.body_shape != "flat") {
      std::fprintf(stderr, "spark-edit: --body-shape is wrapped or flat\n");
      return -1;
    }
    return 1;
  }
  if (!std::strcmp(a, "--timeout")) {
    std::string v;
    if (value(v) < 0) return -1;
    char* end = nullptr;
    unsigned long long s = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end || s == 0 || s > 86400) {
      std::fprintf(stderr, "spark-edit: --timeout is 1..86400 seconds\n");
      return -1;
    }
    o.timeout_s = s;
    return 1;
  }
  if (!std::strcmp(a, "--discover")) return o.discover = true, 1;
  if (!std::strcmp(a, "--models-url")) return value(o.models_url);
  if (!std::strcmp(a, "--json")) return o.json = true, 1;
  if (!std::strcmp(a, "--quiet")) return o.quiet = true, 1;
  if (!std::strcmp(a, "--verbose")) return o.verbose = true, 1;
  return 0;
}

void setup_logging(const CommonOptions& o) {
  log::set_level(o.verbose ? log::Level::kDebug : o.quiet ? log::Level::kError : log::Level::kInfo);
}

int open_failure(const Status& s) {
  std::fprintf(stderr, "spark-edit: %s\n", log::redacted(s.message()).c_str());
  switch (s.code()) {
    case Code::kUnauthenticated:
    case Code::kPermissionDenied:
      return kExitAuth;
    case Code::kInvalidArgument:
      return kExitUsage;
    default:
      return kExitInput;
  }
}

Result<std::unique_ptr<app::EditStack>> open_stack(const CommonOptions& o) {
  app::StackConfig c;
  SPARK_TRY_ASSIGN(c.state_dir, app::resolve_state_dir(o.state_dir));
  SPARK_TRY_ASSIGN(c.api.key, platform::load_api_key(o.key_file));
  c.api.api_base = o.api_base.empty() ? env_or("SPARK_API_BASE", api::kDefaultApiBase) : o.api_base;
  c.api.body_shape = o.body_shape == "flat" ? api::BodyShape::kFlat : api::BodyShape::kWrapped;
  c.tls.ca_file = o.ca_file.empty() ? env_or("SPARK_CA_FILE", tls::kSystemCaFile) : o.ca_file;
  app::load_proxy_environment(c.http);
  auto stack = app::EditStack::open(c);
  text::wipe(c.api.key);  // the API client holds the one copy it needs
  if (!stack.is_ok()) return stack;
  const char* discover = std::getenv("SPARK_DISCOVER");
  if (o.discover || (discover && !std::strcmp(discover, "1"))) {
    app::discover(**stack, models_base(o), false);
  }
  return stack;
}

std::string models_base(const CommonOptions& o) {
  if (!o.models_url.empty()) return o.models_url;
  return env_or("SPARK_MODELS_URL", env_or("VTRIX_MODELS_URL", api::kDefaultModelsBase));
}

}  // namespace spark::cli
