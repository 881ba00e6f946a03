#include "platform/linux/command_camera.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace spark::platform {
namespace {

constexpr size_t kStderrTail = 512;
constexpr size_t kReadChunk = size_t{16} * 1024;
constexpr int kPollSliceMs = 1000;
constexpr uint32_t kReapStepMs = 10;

// The running child and its pipes. The destructor makes sure nothing is left:
// a child still running gets SIGTERM, then SIGKILL after the grace time, and
// is reaped.
class Child {
 public:
  Child(hal::Clock& clock, uint32_t grace_ms) : clock_(clock), grace_ms_(grace_ms) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    close_fd(out);
    close_fd(err);
    if (pid > 0) stop();
  }

  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  // Non-blocking check; true once reaped (status set).
  bool try_reap() {
    if (pid <= 0) return true;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) {
      pid = -1;
      return true;
    }
    return false;
  }
  void stop() {
    ::kill(-pid, SIGTERM);
    ::kill(pid, SIGTERM);  // in case it left its process group
    for (uint32_t waited = 0; waited < grace_ms_; waited += kReapStepMs) {
      if (try_reap()) return;
      clock_.sleep_ms(kReapStepMs);
    }
    if (try_reap()) return;
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    pid = -1;
  }

  pid_t pid = -1;
  int out = -1, err = -1;
  int status = 0;

 private:
  hal::Clock& clock_;
  uint32_t grace_ms_;
};

// The last line of a stderr tail, for a one-line error message.
std::string last_line(const std::string& tail) {
  size_t end = tail.find_last_not_of(" \t\r\n");
  if (end == std::string::npos) return "";
  size_t start = tail.find_last_of('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return tail.substr(start, end - start + 1);
}

}  // namespace

CommandCamera::CommandCamera(hal::Clock& clock, CommandConfig config)
    : clock_(clock), config_(std::move(config)) {
  name_ = config_.argv.empty() ? std::string("(no command)") : config_.argv[0];
  size_t slash = name_.rfind('/');
  if (slash != std::string::npos) name_ = name_.substr(slash + 1);
}

Result<hal::Capture> CommandCamera::capture(ByteSink& sink, hal::Deadline deadline) {
  stderr_tail_.clear();
  if (config_.argv.empty()) {
    return Status::error(Code::kInvalidArgument, "command camera: no command configured");
  }
  const char* prog = name_.c_str();
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return Status::error(Code::kIo, "%s: pipe: %s", prog, std::strerror(errno));
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Status::error(Code::kIo, "%s: pipe: %s", prog, std::strerror(e));
  }
  Child child(clock_, config_.term_grace_ms);
  child.out = out_pipe[0];
  child.err = err_pipe[0];

  std::vector<char*> argv;
  for (const std::string& a : config_.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    if (rc == ENOENT) {
      return Status::error(Code::kNotFound, "capture program '%s' not found (installed? in PATH?)",
                           config_.argv[0].c_str());
    }
    if (rc == EACCES) {
      return Status::error(Code::kPermissionDenied, "capture program '%s' is not executable",
                           config_.argv[0].c_str());
    }
    return Status::error(Code::kIo, "cannot start '%s': %s", config_.argv[0].c_str(),
                         std::strerror(rc));
  }
  child.pid = pid;
  ::fcntl(child.out, F_SETFL, O_NONBLOCK);
  ::fcntl(child.err, F_SETFL, O_NONBLOCK);

  uint8_t buf[kReadChunk];
  uint64_t total = 0;
  uint8_t head[2] = {}, tail[2] = {};
  while (child.out >= 0 || child.err >= 0) {
    uint64_t left = deadline.remaining_ms(clock_);
    if (left == 0) {
      return Status::error(Code::kDeadlineExceeded,
                           "%s gave no picture in time (stopped it after %llu bytes)", prog,
                           static_cast<unsigned long long>(total));
    }
    pollfd fds[2] = {{child.out, POLLIN, 0}, {child.err, POLLIN, 0}};
    int r = ::poll(fds, 2, static_cast<int>(std::min<uint64_t>(left, kPollSliceMs)));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::error(Code::kIo, "%s: poll: %s", prog, std::strerror(errno));
    }
    if (child.err >= 0 && fds[1].revents != 0) {
      ssize_t n = ::read(child.err, buf, sizeof buf);
      if (n > 0) {
        size_t got = static_cast<size_t>(n), keep = std::min(got, kStderrTail);
        stderr_tail_.append(reinterpret_cast<const char*>(buf) + (got - keep), keep);
        if (stderr_tail_.size() > kStderrTail) {
          stderr_tail_.erase(0, stderr_tail_.size() - kStderrTail);
        }
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        Child::close_fd(child.err);
      }
    }
    if (child.out >= 0 && fds[0].revents != 0) {
      ssize_t n = ::read(child.out, buf, sizeof buf);
      if (n > 0) {
        size_t got = static_cast<size_t>(n);
        if (total + got > config_.max_bytes) {
          return Status::error(Code::kResourceExhausted,
                               "%s wrote more than %llu bytes: not one picture (stopped it)", prog,
                               static_cast<unsigned long long>(config_.max_bytes));
        }
        for (size_t i = 0; i < got && total + i < 2; ++i) head[total + i] = buf[i];
        if (got >= 2) {
          tail[0] = buf[got - 2];
          tail[1] = buf[got - 1];
        } else {
          tail[0] = tail[1];
          tail[1] = buf[0];
        }
        total += got;
        SPARK_TRY(sink.write(ConstBytes(buf, got)));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        Child::close_fd(child.out);
      }
    }
  }
  // Both pipes closed: the program has (almost certainly) exited.
  while (!child.try_reap()) {
    if (deadline.expired(clock_)) {
      return Status::error(Code::kDeadlineExceeded, "%s did not exit in time (stopped it)", prog);
    }
    clock_.sleep_ms(kReapStepMs);
  }
  int st = child.status;
  std::string why = last_line(stderr_tail_);
  if (WIFSIGNALED(st)) {
    return Status::error(Code::kUnavailable, "%s was killed by signal %d (%s)%s%s", prog,
                         WTERMSIG(st), strsignal(WTERMSIG(st)), why.empty() ? "" : ": ",
                         why.c_str());
  }
  // 127 with nothing written: the exec itself failed in the child. Where
  // posix_spawn cannot report that to the parent (qemu-user runs the
  // child as a plain fork), this is how a missing program shows.
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127 && total == 0 && why.empty()) {
    return Status::error(Code::kNotFound, "capture program '%s' not found (installed? in PATH?)",
                         config_.argv[0].c_str());
  }
  if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
    return Status::error(Code::kUnavailable, "%s failed with exit status %d%s%s", prog,
                         WEXITSTATUS(st), why.empty() ? "" : ": ", why.c_str());
  }
  if (total == 0) {
    return Status::error(Code::kDataLoss, "%s wrote nothing to its output (is '-o -' set?)", prog);
  }
  if (total < 4 || head[0] != 0xFF || head[1] != 0xD8) {
    return Status::error(Code::kDataLoss, "%s's output is not a JPEG (%llu bytes)", prog,
                         static_cast<unsigned long long>(total));
  }
  if (tail[0] != 0xFF || tail[1] != 0xD9) {
    return Status::error(Code::kDataLoss, "%s wrote a truncated JPEG (%llu bytes, no end marker)",
                         prog, static_cast<unsigned long long>(total));
  }
  hal::Capture f;
  f.bytes = total;
  f.format = hal::FrameFormat::kJpeg;
  f.resolution = config_.resolution;
  return f;
}

Result<std::vector<std::string>> split_command_line(std::string_view line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return Status::error(Code::kInvalidArgument, "command: unclosed ' quote");
      }
      word.append(line.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size() && (line[j + 1] == '"' || line[j + 1] == '\\')) {
          ++j;
        }
        word += line[j];
      }
      if (j >= line.size())
        return Status::error(Code::kInvalidArgument, "command: unclosed \" quote");
      in_word = true;
      i = j;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(word));
  if (out.empty()) return Status::error(Code::kInvalidArgument, "command: empty command line");
  return out;
}

}  // namespace spark::platform
