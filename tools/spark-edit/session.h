// What every network subcommand of spark-edit shares: the options common to
// them, and the real stack (clock, entropy, sockets, TLS, two HTTP clients,
// the API client, the journal) built from those options.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "api/client.h"
#include "job/edit_job.h"
#include "job/journal.h"
#include "platform/linux/dir_storage.h"
#include "platform/linux/file_io.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/posix_socket.h"
#include "tls/tls.h"

namespace spark::cli {

struct CommonOptions {
  std::string api_base;  // default: $SPARK_API_BASE, else the real service
  std::string key_file;  // default: $SPARK_API_KEY
  std::string ca_file;   // default: $SPARK_CA_FILE, else the system bundle
  std::string state_dir; // default: $SPARK_STATE_DIR, ~/.local/state/sparkcam
  std::string body_shape = "wrapped";
  uint64_t timeout_s = 600;
  bool json = false;
  bool quiet = false;
  bool verbose = false;
};

// Handles one common option at argv[i] (advancing i past its value).
// Returns 1 when taken, 0 when not common, -1 on a bad value (printed).
int take_common(int argc, char** argv, int& i, CommonOptions& o);
extern const char kCommonHelp[];

class Session {
 public:
  // Builds the stack; prints the error and returns the exit code otherwise.
  static Result<std::unique_ptr<Session>> open(const CommonOptions& o);

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

// The exit code and a one-line message for a failed open.
int open_failure(const Status& s);

// Logging set up for the options (level, stderr).
void setup_logging(const CommonOptions& o);

}  // namespace spark::cli
