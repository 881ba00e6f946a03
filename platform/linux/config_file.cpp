#include "platform/linux/config_file.h"

#include "platform/linux/file_io.h"

namespace spark::platform {

app::ConfigParse load_config_file(const std::string& path) {
  PosixFileSystem fs;
  Result<std::vector<uint8_t>> text = fs.read(path, app::kMaxText);
  if (!text.is_ok()) {
    app::ConfigParse out;
    out.problems.emplace_back(text.status().message());  // it names the path
    return out;
  }
  const std::vector<uint8_t>& t = *text;
  return app::parse_config(std::string_view(reinterpret_cast<const char*>(t.data()), t.size()),
                           path);
}

}  // namespace spark::platform
