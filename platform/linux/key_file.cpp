#include "platform/linux/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/log.h"
#include "core/text.h"

namespace spark::platform {
namespace {

// The key is text[0, len) once surrounding whitespace is trimmed; it is
// copied exactly once, into the returned string (the caller wipes text).
Result<std::string> checked_key(const char* text, size_t len, const char* where) {
  size_t b = 0, e = len;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (b < e && space(text[b])) ++b;
  while (e > b && space(text[e - 1])) --e;
  const size_t n = e - b;
  if (n == 0) return Status::error(Code::kInvalidArgument, "the API key in %s is empty", where);
  if (n > kMaxKey) {
    return Status::error(Code::kInvalidArgument, "the API key in %s is longer than %zu bytes",
                         where, kMaxKey);
  }
  for (size_t i = b; i < e; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x21 || c == 0x7f) {
      return Status::error(Code::kInvalidArgument,
                           "the API key in %s contains a space or control character", where);
    }
  }
  if (n < kMinKey) {
    return Status::error(Code::kInvalidArgument,
                         "the API key in %s is %zu bytes; keys are at least %zu (a shorter "
                         "value is not a key, and masking it would garble the log)",
                         where, n, kMinKey);
  }
  std::string key(text + b, n);
  Status registered = log::add_secret(key);
  if (!registered.is_ok()) {
    text::wipe(key);
    return registered;
  }
  return key;
}

}  // namespace

Result<std::string> load_key_file(const std::string& path, KeyFileKind kind) {
  const bool credential = kind == KeyFileKind::kSystemdCredential;
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
  if (st.st_uid != geteuid() && !(credential && st.st_uid == 0)) {
    ::close(fd);
    return Status::error(Code::kPermissionDenied,
                         "key file %s is owned by uid %u, not by you (uid %u): use a key file of "
                         "your own",
                         path.c_str(), static_cast<unsigned>(st.st_uid),
                         static_cast<unsigned>(geteuid()));
  }
  if (credential ? (st.st_mode & 007) != 0 : (st.st_mode & 077) != 0) {
    ::close(fd);
    if (credential) {
      return Status::error(Code::kPermissionDenied,
                           "credential %s is readable by others (mode %04o): systemd makes "
                           "credentials private; check the unit's LoadCredential=",
                           path.c_str(), static_cast<unsigned>(st.st_mode & 07777));
    }
    return Status::error(Code::kPermissionDenied,
                         "key file %s is readable by group or others (mode %04o): run chmod 600 %s",
                         path.c_str(), static_cast<unsigned>(st.st_mode & 07777), path.c_str());
  }
  char buf[kMaxKey + 64] = {};
  size_t got = 0;
  while (got < sizeof buf) {
    ssize_t n = ::read(fd, buf + got, sizeof buf - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      text::wipe(buf, sizeof buf);
      return Status::error(Code::kIo, "read %s: %s", path.c_str(), std::strerror(err));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  const char* nl = static_cast<const char*>(std::memchr(buf, '\n', got));
  Result<std::string> key =
      checked_key(buf, nl ? static_cast<size_t>(nl - buf) : got, path.c_str());
  text::wipe(buf, sizeof buf);
  return key;
}

Result<std::string> load_api_key(const std::string& key_file) {
  if (!key_file.empty()) return load_key_file(key_file);
  const char* env = std::getenv("SPARK_API_KEY");
  if (env && *env) return checked_key(env, std::strlen(env), "SPARK_API_KEY");
  return Status::error(Code::kUnauthenticated,
                       "no API key: set SPARK_API_KEY or pass --key-file FILE (mode 0600)");
}

}  // namespace spark::platform
