// What every network subcommand of spark-edit shares: the options common to
// them, and the app::EditStack built from those options.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "app/edit_stack.h"

namespace spark::cli {

struct CommonOptions {
  std::string api_base;   // default: $SPARK_API_BASE, else the real service
  std::string key_file;   // default: $SPARK_API_KEY
  std::string ca_file;    // default: $SPARK_CA_FILE, else the system bundle
  std::string state_dir;  // default: app::resolve_state_dir()
  std::string body_shape = "wrapped";
  uint64_t timeout_s = 600;
  bool json = false;
  bool quiet = false;
  bool verbose = false;
  bool discover = false;   // --discover or SPARK_DISCOVER=1: the model spec decides
  std::string models_url;  // default: $SPARK_MODELS_URL, $VTRIX_MODELS_URL, the vendor's
};

// The model spec service's base URL for these options.
std::string models_base(const CommonOptions& o);

// Handles one common option at argv[i] (advancing i past its value).
// Returns 1 when taken, 0 when not common, -1 on a bad value (printed).
int take_common(int argc, char** argv, int& i, CommonOptions& o);
extern const char kCommonHelp[];

// Builds the stack from the options and the environment (the key is loaded
// and registered for redaction here).
Result<std::unique_ptr<app::EditStack>> open_stack(const CommonOptions& o);

// The exit code and a one-line message for a failed open.
int open_failure(const Status& s);

// Logging set up for the options (level, stderr).
void setup_logging(const CommonOptions& o);

}  // namespace spark::cli
