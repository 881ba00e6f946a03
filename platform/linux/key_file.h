// Loading the API key: from a file that only its owner may read (mode 0600
// or stricter), or from the SPARK_API_KEY environment variable. The key is
// registered with spark::log at once so no log line can ever carry it.
// Memory: the key (at most kMaxKey bytes).
#pragma once

#include <string>

#include "core/status.h"

namespace spark::platform {

constexpr size_t kMaxKey = 256;

// Reads the first line of path (surrounding whitespace trimmed). Errors:
// kNotFound, kPermissionDenied ("... is readable by group or others (mode
// 0644): run chmod 600 ..."), kInvalidArgument (empty, too long, control
// characters).
Result<std::string> load_key_file(const std::string& path);

// key_file when given, else $SPARK_API_KEY; kUnauthenticated when neither.
Result<std::string> load_api_key(const std::string& key_file);

}  // namespace spark::platform
