#include "platform/linux/directory_camera.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

namespace spark::platform {
namespace {

constexpr size_t kChunk = size_t{64} * 1024;
constexpr uint8_t kPngSig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
constexpr uint8_t kPngEnd[8] = {'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};

bool ends_with_nocase(const std::string& s, const char* ext) {
  size_t n = std::strlen(ext);
  return s.size() > n && strcasecmp(s.c_str() + s.size() - n, ext) == 0;
}

bool is_picture_name(const std::string& s) {
  return !s.empty() && s[0] != '.' &&
         (ends_with_nocase(s, ".jpg") || ends_with_nocase(s, ".jpeg") ||
          ends_with_nocase(s, ".png"));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Status read_at(int fd, uint8_t* buf, size_t n, off_t at, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, buf + done, n - done, at + static_cast<off_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      return Status::error(Code::kIo, "cannot read %s: %s", path.c_str(),
                           r == 0 ? "it shrank while being read" : std::strerror(errno));
    }
    done += static_cast<size_t>(r);
  }
  return Status::ok();
}

}  // namespace

DirectoryCamera::DirectoryCamera(hal::Clock& clock, DirectoryConfig config)
    : clock_(clock), config_(std::move(config)), name_("folder " + config_.dir) {}

Result<hal::Capture> DirectoryCamera::capture(ByteSink& out, hal::Deadline deadline) {
  const std::string& dir = config_.dir;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR) {
      return Status::error(Code::kNotFound, "picture folder %s does not exist", dir.c_str());
    }
    if (e == EACCES) {
      return Status::error(Code::kPermissionDenied, "picture folder %s: permission denied",
                           dir.c_str());
    }
    return Status::error(Code::kIo, "cannot list %s: %s", dir.c_str(), std::strerror(e));
  }
  struct Entry {
    std::string name;
    struct timespec mtime;
  };
  std::vector<Entry> pics;
  while (struct dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (!is_picture_name(n)) continue;
    struct stat st {};
    if (::fstatat(::dirfd(d), e->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
    pics.push_back({std::move(n), st.st_mtim});
  }
  ::closedir(d);
  if (pics.empty()) {
    return Status::error(Code::kNotFound, "no pictures (.jpg, .jpeg, .png) in folder %s",
                         dir.c_str());
  }
  const Entry* pick = nullptr;
  if (config_.pick == DirectoryConfig::Pick::kNewest) {
    for (const Entry& p : pics) {
      if (pick == nullptr || p.mtime.tv_sec > pick->mtime.tv_sec ||
          (p.mtime.tv_sec == pick->mtime.tv_sec &&
           (p.mtime.tv_nsec > pick->mtime.tv_nsec ||
            (p.mtime.tv_nsec == pick->mtime.tv_nsec && p.name > pick->name)))) {
        pick = &p;
      }
    }
  } else {
    const Entry* first = nullptr;
    for (const Entry& p : pics) {
      if (first == nullptr || p.name < first->name) first = &p;
      if (p.name > last_ && (pick == nullptr || p.name < pick->name)) pick = &p;
    }
    if (pick == nullptr) pick = first;
  }
  if (pick == nullptr)
    return Status::error(Code::kInternal, "no picture picked in %s", dir.c_str());
  const std::string path = dir + "/" + pick->name;

  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    int e = errno;
    if (e == ENOENT) return Status::error(Code::kNotFound, "%s vanished", path.c_str());
    if (e == EACCES)
      return Status::error(Code::kPermissionDenied, "%s: permission denied", path.c_str());
    return Status::error(Code::kIo, "cannot open %s: %s", path.c_str(), std::strerror(e));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return Status::error(Code::kIo, "cannot stat %s: %s", path.c_str(), std::strerror(errno));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > config_.max_bytes) {
    return Status::error(Code::kResourceExhausted, "%s is %llu bytes, over the %llu-byte cap",
                         path.c_str(), static_cast<unsigned long long>(size),
                         static_cast<unsigned long long>(config_.max_bytes));
  }
  // Check both ends before the first byte goes to the sink.
  uint8_t head[8] = {}, tail[64] = {};
  size_t tail_n = static_cast<size_t>(std::min<uint64_t>(size, sizeof tail));
  if (size >= 8) {
    SPARK_TRY(read_at(fd.get(), head, 8, 0, path));
    SPARK_TRY(read_at(fd.get(), tail, tail_n, static_cast<off_t>(size - tail_n), path));
  }
  hal::Capture frame;
  uint64_t send = size;
  if (size >= 8 && std::memcmp(head, kPngSig, 8) == 0) {
    frame.format = hal::FrameFormat::kPng;
    if (size < 16 || std::memcmp(tail + tail_n - 8, kPngEnd, 8) != 0) {
      return Status::error(Code::kDataLoss, "%s is a truncated PNG (no IEND at the end)",
                           path.c_str());
    }
  } else if (size >= 8 && head[0] == 0xFF && head[1] == 0xD8) {
    frame.format = hal::FrameFormat::kJpeg;
    size_t n = tail_n;
    while (n > 0 && tail[n - 1] == 0) --n;
    if (n < 2 || tail[n - 2] != 0xFF || tail[n - 1] != 0xD9) {
      return Status::error(Code::kDataLoss, "%s is a truncated JPEG (no end marker)", path.c_str());
    }
    send = size - (tail_n - n);
  } else {
    return Status::error(Code::kDataLoss, "%s is neither a JPEG nor a PNG", path.c_str());
  }

  std::unique_ptr<uint8_t[]> buf(new uint8_t[kChunk]);
  uint64_t done = 0;
  while (done < send) {
    if (deadline.expired(clock_)) {
      return Status::error(Code::kDeadlineExceeded, "copying %s took past the deadline",
                           path.c_str());
    }
    size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, send - done));
    SPARK_TRY(read_at(fd.get(), buf.get(), want, static_cast<off_t>(done), path));
    SPARK_TRY(out.write(ConstBytes(buf.get(), want)));
    done += want;
  }
  last_ = pick->name;
  frame.bytes = send;
  return frame;
}

}  // namespace spark::platform
