#include "app/edit_stack.h"

#include <cstdlib>

#include "app/state_dir.h"

namespace spark::app {

void load_proxy_environment(http::ClientConfig& config) {
  const char* proxy = std::getenv("https_proxy");
  if (!proxy) proxy = std::getenv("HTTPS_PROXY");
  const char* no_proxy = std::getenv("no_proxy");
  if (!no_proxy) no_proxy = std::getenv("NO_PROXY");
  config.https_proxy = proxy ? proxy : "";
  config.no_proxy = no_proxy ? no_proxy : "";
}

Result<std::unique_ptr<EditStack>> EditStack::open(const StackConfig& config) {
  auto s = std::make_unique<EditStack>();
  SPARK_TRY(s->tls.init(config.tls, s->entropy));
  s->api_http = std::make_unique<http::Client>(s->tls, s->api_socket, s->clock, config.http);
  s->cdn_http = std::make_unique<http::Client>(s->tls, s->cdn_socket, s->clock, config.http);
  s->api = std::make_unique<api::Client>(*s->api_http, *s->cdn_http, s->clock, config.api);
  SPARK_TRY(s->api->init());
  s->state_dir = config.state_dir;
  SPARK_TRY(open_state_dir(config.state_dir));
  SPARK_TRY_ASSIGN(platform::DirStorage storage,
                   platform::DirStorage::open(config.state_dir + "/journal"));
  s->storage.emplace(std::move(storage));
  s->journal = std::make_unique<job::Journal>(*s->storage, s->clock, s->entropy);
  return s;
}

}  // namespace spark::app
