// sparkcam.conf parser: any bytes give either a usable config or problems,
// never a crash; every problem names the file (and a line within the text);
// a config without problems has at least one preset with a name and a
// prompt and at least one edit button; the problem list stays capped.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "app/config.h"

using namespace spark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const app::ConfigParse p = app::parse_config(text, "f.conf");
  if (p.problems.size() > app::kMaxProblems + 1) std::abort();
  size_t lines = 1;
  for (char c : text) lines += c == '\n';
  for (const std::string& m : p.problems) {
    if (m.compare(0, 7, "f.conf:") != 0) std::abort();
    if (m.size() > 7 && m[7] >= '0' && m[7] <= '9') {
      if (std::strtoul(m.c_str() + 7, nullptr, 10) > lines) std::abort();
    }
  }
  if (p.ok()) {
    if (p.config.presets.empty()) std::abort();
    bool edit = false;
    for (const app::ButtonSettings& b : p.config.buttons) {
      edit |= b.action == app::ButtonSettings::Action::kEdit;
    }
    if (!edit) std::abort();
    for (const app::PresetSettings& pr : p.config.presets) {
      if (pr.name.empty() || pr.prompt.empty() || pr.scale < 0 || pr.scale > 1) std::abort();
    }
  }
  return 0;
}
