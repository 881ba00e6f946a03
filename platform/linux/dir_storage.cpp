#include "platform/linux/dir_storage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "platform/linux/file_io.h"

namespace spark::platform {
namespace {

Status make_dirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i != dir.size() && dir[i] != '/') continue;
    std::string part = dir.substr(0, i);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST) {
      return Status::error(Code::kIo, "cannot create directory %s: %s", part.c_str(),
                           std::strerror(errno));
    }
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::error(Code::kIo, "%s is not a directory", dir.c_str());
  }
  return Status::ok();
}

}  // namespace

Result<DirStorage> DirStorage::open(const std::string& dir) {
  if (dir.empty()) return Status::error(Code::kInvalidArgument, "empty state directory");
  SPARK_TRY(make_dirs(dir));
  return DirStorage(dir);
}

Result<std::string> DirStorage::path_of(std::string_view name) const {
  if (name.empty() || name.find('/') != std::string_view::npos || name == "." || name == ".." ||
      name.find('\0') != std::string_view::npos) {
    return Status::error(Code::kInvalidArgument, "bad record name '%.*s'",
                         static_cast<int>(name.size()), name.data());
  }
  return dir_ + "/" + std::string(name);
}

Status DirStorage::write_atomic(std::string_view name, ConstBytes data) {
  SPARK_TRY_ASSIGN(std::string path, path_of(name));
  SPARK_TRY_ASSIGN(AtomicFileSink sink, AtomicFileSink::create(path, 0600));
  SPARK_TRY(sink.write(data));
  return sink.commit();
}

Result<size_t> DirStorage::read(std::string_view name, MutBytes buf) {
  SPARK_TRY_ASSIGN(std::string path, path_of(name));
  SPARK_TRY_ASSIGN(FileSource src, FileSource::open(path));
  if (src.size().value_or(0) > buf.size()) {
    return Status::error(Code::kResourceExhausted, "%s is %llu bytes, over the %zu-byte limit",
                         path.c_str(), static_cast<unsigned long long>(src.size().value_or(0)),
                         buf.size());
  }
  size_t got = 0;
  for (;;) {
    SPARK_TRY_ASSIGN(size_t n, src.read(buf.subspan(got)));
    if (n == 0) return got;
    got += n;
  }
}

Status DirStorage::remove(std::string_view name) {
  SPARK_TRY_ASSIGN(std::string path, path_of(name));
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return Status::error(Code::kIo, "cannot remove %s: %s", path.c_str(), std::strerror(errno));
  }
  return sync_parent_dir(path);
}

Status DirStorage::list(std::string_view prefix, size_t max, std::vector<std::string>* names) {
  names->clear();
  DIR* d = opendir(dir_.c_str());
  if (!d) return Status::error(Code::kIo, "cannot list %s: %s", dir_.c_str(), std::strerror(errno));
  for (;;) {
    errno = 0;
    dirent* e = readdir(d);
    if (!e) {
      if (errno == 0) break;
      int err = errno;
      closedir(d);
      return Status::error(Code::kIo, "cannot list %s: %s", dir_.c_str(), std::strerror(err));
    }
    std::string_view n(e->d_name);
    // Temporary files of an interrupted write are not records.
    if (n.substr(0, prefix.size()) != prefix || n.find(".tmp-") != std::string_view::npos) continue;
    if (names->size() == max) {
      closedir(d);
      return Status::error(Code::kResourceExhausted, "more than %zu records in %s", max,
                           dir_.c_str());
    }
    names->emplace_back(n);
  }
  closedir(d);
  std::sort(names->begin(), names->end());
  return Status::ok();
}

}  // namespace spark::platform
