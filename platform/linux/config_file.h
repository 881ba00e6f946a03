// Reading sparkcam.conf from disk into app::parse_config.
//
// load_config_file() reads the whole file (at most app::kMaxText bytes)
// and parses it; a file that cannot be read is one problem naming the path
// and the reason ("cannot open /etc/sparkcam/sparkcam.conf: No such file or
// directory"), so the caller prints problems the same way either way.
//
// Memory: the file's text (<= 64 KB) during the call, then the Config.
#pragma once

#include <string>

#include "app/config.h"

namespace spark::platform {

constexpr const char* kDefaultConfigPath = "/etc/sparkcam/sparkcam.conf";

app::ConfigParse load_config_file(const std::string& path);

}  // namespace spark::platform
