#include "app/state_dir.h"

#include <unistd.h>

#include <cstdlib>

#include "platform/linux/private_dir.h"

namespace spark::app {
namespace {

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

bool has_dot_component(const std::string& path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    std::string part = path.substr(start, slash - start);
    if (part == "." || part == "..") return true;
    start = slash + 1;
  }
  return false;
}

Status refuse(const job::JournalEntry& e, const char* what) {
  return Status::error(Code::kFailedPrecondition, "journal record %s refused: %s", e.job_id.c_str(),
                       what);
}

}  // namespace

Result<std::string> resolve_state_dir(const std::string& explicit_dir) {
  std::string dir = explicit_dir;
  if (dir.empty() && env("SPARK_STATE_DIR")) dir = env("SPARK_STATE_DIR");
  if (dir.empty() && env("STATE_DIRECTORY")) {
    std::string list = env("STATE_DIRECTORY");
    dir = list.substr(0, list.find(':'));
  }
  if (dir.empty() && env("HOME")) dir = std::string(env("HOME")) + "/.local/state/sparkcam";
  if (dir.empty()) {
    return Status::error(Code::kInvalidArgument,
                         "no state directory: set HOME or SPARK_STATE_DIR, or pass --state-dir "
                         "DIR (under systemd, StateDirectory= sets STATE_DIRECTORY)");
  }
  if (dir[0] != '/') {
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) {
      return Status::error(Code::kInvalidArgument, "state directory %s: give an absolute path",
                           dir.c_str());
    }
    dir = std::string(cwd) + "/" + dir;
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

std::string prepared_dir(const std::string& state_dir) {
  return state_dir + "/prepared";
}

Status open_state_dir(const std::string& state_dir) {
  SPARK_TRY(platform::ensure_private_dir(state_dir));
  SPARK_TRY(platform::ensure_private_dir(state_dir + "/journal"));
  return platform::ensure_private_dir(prepared_dir(state_dir));
}

Status check_journal_entry(const job::JournalEntry& e, const std::string& state_dir) {
  auto has_nul = [](const std::string& s) { return s.find('\0') != std::string::npos; };
  if (!e.image_path.empty()) {
    const std::string prefix = prepared_dir(state_dir) + "/";
    std::string name = e.image_path.compare(0, prefix.size(), prefix) == 0
                           ? e.image_path.substr(prefix.size())
                           : std::string();
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
        has_nul(name)) {
      return refuse(e, "its prepared image is not a file in the state directory's prepared/");
    }
  }
  const std::string& out = e.output_path;
  if (out.empty() || out[0] != '/' || out.back() == '/' || has_nul(out) || has_dot_component(out)) {
    return refuse(e, "its output path is not an absolute file path without . or ..");
  }
  for (char c : e.task_id) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '/' || c == '?' || c == '#' || c == '%' || c == '\\') {
      return refuse(e, "its task id has characters no task id has");
    }
  }
  if (e.task_id == "." || e.task_id == "..") return refuse(e, "its task id is not a task id");
  if (!e.url.empty() && (e.url.compare(0, 8, "https://") != 0 || has_nul(e.url))) {
    return refuse(e, "its result URL is not https://");
  }
  return Status::ok();
}

}  // namespace spark::app
