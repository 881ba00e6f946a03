// Fuzzes what the client does with a reply body: capped JSON parsing, then
// every task and error shape of api/task.h. Nothing may crash or throw; a
// parsed task must keep its fixed fields terminated and a safe id.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "api/task.h"
#include "codec/json_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto json = spark::codec::parse_json(text, {8192, 16});
  if (!json.is_ok()) return 0;
  auto task = spark::api::parse_task(*json);
  if (task.is_ok()) {
    if (std::strlen(task->id) == 0 || std::strchr(task->id, '/')) std::abort();
    if (task->state == spark::api::TaskState::kCompleted && task->url[0] == '\0') std::abort();
    if (task->progress && (*task->progress < 0 || *task->progress > 1)) std::abort();
  }
  spark::api::VendorError e = spark::api::parse_error_body(*json);
  if (std::strlen(e.message) >= sizeof e.message) std::abort();
  return 0;
}
