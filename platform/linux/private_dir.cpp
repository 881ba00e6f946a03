#include "platform/linux/private_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spark::platform {

Status ensure_private_dir(const std::string& dir) {
  if (dir.empty() || dir[0] != '/') {
    return Status::error(Code::kInvalidArgument, "state directory '%s' is not an absolute path",
                         dir.c_str());
  }
  // Missing parents first, each 0700; existing ones are left as they are.
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::error(errno == EACCES ? Code::kFailedPrecondition : Code::kIo,
                           "cannot create directory %s: %s", part.c_str(), std::strerror(errno));
    }
  }
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) {
    return Status::error(Code::kIo, "state directory %s: %s", dir.c_str(), std::strerror(errno));
  }
  if (S_ISLNK(st.st_mode)) {
    return Status::error(Code::kFailedPrecondition,
                         "state directory %s is a symbolic link: pass the directory it points to",
                         dir.c_str());
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::error(Code::kFailedPrecondition, "state directory %s is not a directory",
                         dir.c_str());
  }
  if (st.st_uid != geteuid()) {
    return Status::error(Code::kFailedPrecondition,
                         "state directory %s is owned by uid %u, not by you (uid %u): use a "
                         "directory of your own (--state-dir)",
                         dir.c_str(), static_cast<unsigned>(st.st_uid),
                         static_cast<unsigned>(geteuid()));
  }
  if (st.st_mode & 022) {
    return Status::error(Code::kFailedPrecondition,
                         "run chmod 700 %s: the state directory is writable by group or others "
                         "(mode %04o)",
                         dir.c_str(), static_cast<unsigned>(st.st_mode & 07777));
  }
  return Status::ok();
}

}  // namespace spark::platform
