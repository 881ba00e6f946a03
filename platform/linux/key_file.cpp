#include "platform/linux/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/log.h"

namespace spark::platform {
namespace {

Result<std::string> checked_key(std::string key, const char* where) {
  size_t b = key.find_first_not_of(" \t\r\n");
  size_t e = key.find_last_not_of(" \t\r\n");
  key = b == std::string::npos ? std::string() : key.substr(b, e - b + 1);
  if (key.empty()) return Status::error(Code::kInvalidArgument, "the API key in %s is empty", where);
  if (key.size() > kMaxKey) {
    return Status::error(Code::kInvalidArgument, "the API key in %s is longer than %zu bytes",
                         where, kMaxKey);
  }
  for (char ch : key) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c == 0x7f) {
      return Status::error(Code::kInvalidArgument,
                           "the API key in %s contains a space or control character", where);
    }
  }
  SPARK_TRY(log::add_secret(key));
  return key;
}

}  // namespace

Result<std::string> load_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    int err = errno;
    return Status::error(err == ENOENT ? Code::kNotFound : Code::kPermissionDenied,
                         "cannot open key file %s: %s", path.c_str(), std::strerror(err));
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::error(Code::kInvalidArgument, "key file %s is not a regular file", path.c_str());
  }
  if (st.st_mode & 077) {
    ::close(fd);
    return Status::error(Code::kPermissionDenied,
                         "key file %s is readable by group or others (mode %04o): run chmod 600 %s",
                         path.c_str(), static_cast<unsigned>(st.st_mode & 07777), path.c_str());
  }
  char buf[kMaxKey + 64];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n < 0) return Status::error(Code::kIo, "read %s: %s", path.c_str(), std::strerror(errno));
  std::string text(buf, static_cast<size_t>(n));
  std::memset(buf, 0, sizeof buf);
  size_t nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  return checked_key(std::move(text), path.c_str());
}

Result<std::string> load_api_key(const std::string& key_file) {
  if (!key_file.empty()) return load_key_file(key_file);
  const char* env = std::getenv("SPARK_API_KEY");
  if (env && *env) return checked_key(env, "SPARK_API_KEY");
  return Status::error(Code::kUnauthenticated,
                       "no API key: set SPARK_API_KEY or pass --key-file FILE (mode 0600)");
}

}  // namespace spark::platform
