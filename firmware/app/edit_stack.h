// app::EditStack: the real object graph of an edit on Linux, wired once:
// clock, entropy, two sockets (API and CDN hosts), the TLS context, two
// kept-alive HTTP clients, the API client, the journal in a state directory
// and the file system. spark-edit and the tests build it the same way; the
// device program will too. (firmware/app is the layer that may use both the
// portable core and platform/.)
//
// Memory: two http::Clients (~35 KB of buffers each) and the TLS context's
// CA store, allocated once by open(); nothing per edit beyond the core's own.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/client.h"
#include "job/journal.h"
#include "platform/linux/dir_storage.h"
#include "platform/linux/file_io.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/posix_socket.h"
#include "tls/tls.h"

namespace spark::app {

struct StackConfig {
  api::Config api;          // api_base, key, body shape, timeouts
  tls::Config tls;          // ca_file, pins
  http::ClientConfig http;  // proxy, I/O timeouts
  std::string state_dir;    // absolute (app::resolve_state_dir); the journal goes
                            // in <state_dir>/journal, checked as state_dir.h says
};

// Fills https_proxy / no_proxy from the environment (lower case first, as
// curl does). Here, not in firmware/http: the core reads no environment.
void load_proxy_environment(http::ClientConfig& config);

class EditStack {
 public:
  // Errors: those of tls::Context::init, api::Client::init,
  // app::open_state_dir and DirStorage::open, with their messages.
  static Result<std::unique_ptr<EditStack>> open(const StackConfig& config);

  platform::MonotonicClock clock;
  platform::GetrandomEntropy entropy;
  platform::PosixResolver resolver;
  platform::PosixSocket api_socket{clock, resolver};
  platform::PosixSocket cdn_socket{clock, resolver};
  tls::Context tls;
  std::unique_ptr<http::Client> api_http, cdn_http;
  std::unique_ptr<api::Client> api;
  std::optional<platform::DirStorage> storage;
  std::unique_ptr<job::Journal> journal;
  platform::PosixFileSystem files;
  std::string state_dir;
};

}  // namespace spark::app
