#include "platform/linux/file_io.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace spark::platform {

Result<FileSource> FileSource::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    return Status::error(e == ENOENT   ? Code::kNotFound
                         : e == EACCES ? Code::kPermissionDenied
                                       : Code::kIo,
                         "cannot open %s: %s", path.c_str(), std::strerror(e));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::error(Code::kInvalidArgument, "%s is not a regular file", path.c_str());
  }
  return FileSource(fd, static_cast<uint64_t>(st.st_size), path);
}

FileSource::FileSource(FileSource&& other) noexcept
    : fd_(other.fd_), size_(other.size_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

FileSource::~FileSource() {
  if (fd_ >= 0) ::close(fd_);
}

Result<size_t> FileSource::read(MutBytes buf) {
  for (;;) {
    ssize_t n = ::read(fd_, buf.data(), buf.size());
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) {
      return Status::error(Code::kIo, "read %s: %s", path_.c_str(), std::strerror(errno));
    }
  }
}

Status FileSource::rewind() {
  if (lseek(fd_, 0, SEEK_SET) != 0) {
    return Status::error(Code::kIo, "seek %s: %s", path_.c_str(), std::strerror(errno));
  }
  return Status::ok();
}

namespace {
// Temporary files are "<name>.tmp-<pid>.<16 random hex digits>": the pid
// says whether the writer still runs, the random part makes the name
// unguessable, and they are created with O_EXCL|O_NOFOLLOW, so a file or
// symbolic link planted under that name is never opened, truncated or
// followed: creation fails and is tried again under another name.

// True for "<pid>" (the older form) or "<pid>.<16 hex digits>"; sets pid.
bool parse_temp_suffix(const std::string& s, pid_t* pid) {
  size_t dot = s.find('.');
  std::string digits = s.substr(0, dot);
  if (digits.empty() || digits.size() > 9 ||
      digits.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  if (dot != std::string::npos) {
    std::string rnd = s.substr(dot + 1);
    if (rnd.size() != 16 || rnd.find_first_not_of("0123456789abcdef") != std::string::npos)
      return false;
  }
  *pid = static_cast<pid_t>(std::stol(digits));
  return true;
}

// Removes temporary files next to path whose writer is no longer running (a
// process killed mid-write leaves one; it never shows under the final name,
// but it should not pile up either).
void remove_stale_temps(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp-";
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    pid_t pid = 0;
    if (!parse_temp_suffix(name.substr(prefix.size()), &pid)) continue;
    if (pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH) {
      std::string stale = dir;
      stale += '/';
      stale += name;
      ::unlink(stale.c_str());
    }
  }
  closedir(d);
}

std::string random_hex16() {
  uint8_t r[8] = {};
  size_t got = 0;
  while (got < sizeof r) {
    ssize_t n = getrandom(r + got, sizeof r - got, 0);
    if (n > 0)
      got += static_cast<size_t>(n);
    else if (errno != EINTR)
      break;  // O_EXCL still refuses a planted name
  }
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : r) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}
}  // namespace

Result<AtomicFileSink> AtomicFileSink::create(const std::string& path, unsigned mode) {
  remove_stale_temps(path);
  const std::string base = path + ".tmp-" + std::to_string(getpid()) + ".";
  for (int attempt = 0; attempt < 8; ++attempt) {
    std::string temp = base + random_hex16();
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd >= 0) return AtomicFileSink(fd, path, std::move(temp));
    if (errno != EEXIST) {
      return Status::error(errno == EACCES ? Code::kPermissionDenied : Code::kIo,
                           "cannot create %s: %s", temp.c_str(), std::strerror(errno));
    }
  }
  return Status::error(Code::kAlreadyExists,
                       "cannot create a temporary file next to %s: every name tried exists "
                       "(is someone planting files there?)",
                       path.c_str());
}

AtomicFileSink::AtomicFileSink(AtomicFileSink&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), temp_(std::move(other.temp_)) {
  other.fd_ = -1;
  other.temp_.clear();
}

AtomicFileSink::~AtomicFileSink() {
  if (fd_ >= 0) ::close(fd_);
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

Status AtomicFileSink::write(ConstBytes data) {
  if (fd_ < 0) return Status::error(Code::kFailedPrecondition, "write to a closed file");
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::error(errno == ENOSPC ? Code::kResourceExhausted : Code::kIo, "write %s: %s",
                           temp_.c_str(), std::strerror(errno));
    }
    data = data.subspan(static_cast<size_t>(n));
  }
  return Status::ok();
}

Status AtomicFileSink::commit() {
  if (fd_ < 0) return Status::error(Code::kFailedPrecondition, "commit of a closed file");
  if (fsync(fd_) != 0)
    return Status::error(Code::kIo, "fsync %s: %s", temp_.c_str(), std::strerror(errno));
  int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return Status::error(Code::kIo, "close %s: %s", temp_.c_str(), std::strerror(errno));
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    return Status::error(Code::kIo, "rename %s to %s: %s", temp_.c_str(), path_.c_str(),
                         std::strerror(errno));
  }
  temp_.clear();
  return sync_parent_dir(path_);
}

Result<std::unique_ptr<hal::OutputFile>> PosixFileSystem::create(const std::string& path) {
  SPARK_TRY_ASSIGN(AtomicFileSink sink, AtomicFileSink::create(path, 0644));
  return std::unique_ptr<hal::OutputFile>(new AtomicFileSink(std::move(sink)));
}

Result<std::vector<uint8_t>> PosixFileSystem::read(const std::string& path, size_t max) {
  SPARK_TRY_ASSIGN(FileSource src, FileSource::open(path));
  uint64_t size = src.size().value_or(0);
  if (size > max) {
    return Status::error(Code::kResourceExhausted, "%s is %llu bytes, over the %zu-byte limit",
                         path.c_str(), static_cast<unsigned long long>(size), max);
  }
  std::vector<uint8_t> data(static_cast<size_t>(size));
  SPARK_TRY(read_exact(src, MutBytes(data.data(), data.size())));
  return data;
}

Status sync_parent_dir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return Status::error(Code::kIo, "open directory %s: %s", dir.c_str(), std::strerror(errno));
  int rc = fsync(fd);
  int e = errno;
  ::close(fd);
  if (rc != 0)
    return Status::error(Code::kIo, "fsync directory %s: %s", dir.c_str(), std::strerror(e));
  return Status::ok();
}

}  // namespace spark::platform
