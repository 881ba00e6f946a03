#include "platform/linux/posix_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace spark::platform {
namespace {

socklen_t to_sockaddr(const hal::Address& a, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (a.family == hal::Address::Family::kIpv4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(a.port);
    std::memcpy(&sin->sin_addr, a.ip, 4);
    return sizeof(sockaddr_in);
  }
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(a.port);
  std::memcpy(&sin6->sin6_addr, a.ip, 16);
  return sizeof(sockaddr_in6);
}

Status io_error(const char* what, int err) {
  Code code = (err == ECONNRESET || err == EPIPE || err == ECONNREFUSED || err == ENETUNREACH ||
               err == EHOSTUNREACH || err == ECONNABORTED)
                  ? Code::kUnavailable
                  : Code::kIo;
  if (err == ECONNRESET) return Status::error(code, "connection reset by peer while %s", what);
  return Status::error(code, "%s failed: %s", what, std::strerror(err));
}

}  // namespace

void format_address(const hal::Address& a, char* out, size_t size) {
  char ip[INET6_ADDRSTRLEN] = {};
  bool v4 = a.family == hal::Address::Family::kIpv4;
  inet_ntop(v4 ? AF_INET : AF_INET6, a.ip, ip, sizeof ip);
  std::snprintf(out, size, v4 ? "%s:%u" : "[%s]:%u", ip, static_cast<unsigned>(a.port));
}

Result<size_t> PosixResolver::resolve(std::string_view host, uint16_t port, Span<hal::Address> out,
                                      hal::Deadline) {
  // getaddrinfo needs a NUL-terminated name; host names are at most 253.
  char name[256];
  if (host.empty() || host.size() >= sizeof name) {
    return Status::error(Code::kInvalidArgument, "invalid host name (%zu bytes)", host.size());
  }
  std::memcpy(name, host.data(), host.size());
  name[host.size()] = '\0';

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  int rc = getaddrinfo(name, nullptr, &hints, &list);
  if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME) {
    // AI_ADDRCONFIG hides loopback-only families on hosts with no other
    // interface; retry without it before giving up.
    hints.ai_flags = 0;
    rc = getaddrinfo(name, nullptr, &hints, &list);
  }
  if (rc != 0) {
    return Status::error(Code::kNotFound, "cannot resolve host %s: %s", name, gai_strerror(rc));
  }
  size_t n = 0;
  for (addrinfo* ai = list; ai && n < out.size(); ai = ai->ai_next) {
    hal::Address& a = out[n];
    if (ai->ai_family == AF_INET) {
      a.family = hal::Address::Family::kIpv4;
      // Byte offsets, not casts: ai_addr's alignment is only sockaddr's.
      std::memcpy(
          a.ip, reinterpret_cast<const uint8_t*>(ai->ai_addr) + offsetof(sockaddr_in, sin_addr), 4);
    } else if (ai->ai_family == AF_INET6) {
      a.family = hal::Address::Family::kIpv6;
      std::memcpy(a.ip,
                  reinterpret_cast<const uint8_t*>(ai->ai_addr) + offsetof(sockaddr_in6, sin6_addr),
                  16);
    } else {
      continue;
    }
    a.port = port;
    ++n;
  }
  freeaddrinfo(list);
  if (n == 0) return Status::error(Code::kNotFound, "host %s has no IPv4 or IPv6 address", name);
  return n;
}

Status PosixSocket::wait(short events, hal::Deadline deadline, const char* what) {
  for (;;) {
    uint64_t left = deadline.remaining_ms(clock_);
    if (left == 0) {
      return Status::error(Code::kDeadlineExceeded, "timed out %s", what);
    }
    pollfd p{fd_, events, 0};
    int timeout = left > static_cast<uint64_t>(INT_MAX) ? INT_MAX : static_cast<int>(left);
    int rc = ::poll(&p, 1, timeout);
    if (rc > 0) return Status::ok();
    if (rc < 0 && errno != EINTR) return io_error("poll", errno);
    // rc == 0 or EINTR: loop; the deadline check above ends it.
  }
}

Status PosixSocket::connect_one(const hal::Address& address, hal::Deadline deadline) {
  char where[64];
  format_address(address, where, sizeof where);
  bool v4 = address.family == hal::Address::Family::kIpv4;
  fd_ = ::socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return io_error("socket", errno);
  int one = 1;
  // Requests go out as header + body writes; Nagle would delay the last one.
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Keepalive notices a dead peer on a connection kept open between polls.
  setsockopt(fd_, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);

  sockaddr_storage ss;
  socklen_t len = to_sockaddr(address, ss);
  int rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len);
  if (rc != 0 && errno != EINPROGRESS) {
    int err = errno;
    close();
    if (err == ECONNREFUSED) {
      return Status::error(Code::kUnavailable, "connection refused by %s", where);
    }
    return io_error("connect", err).with_context("%s", where);
  }
  if (rc != 0) {
    Status waited = wait(POLLOUT, deadline, "connecting");
    if (!waited.is_ok()) {
      close();
      if (waited.code() == Code::kDeadlineExceeded) {
        return Status::error(Code::kDeadlineExceeded, "timed out connecting to %s", where);
      }
      return waited;
    }
    int err = 0;
    socklen_t err_len = sizeof err;
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) {
      close();
      if (err == ECONNREFUSED) {
        return Status::error(Code::kUnavailable, "connection refused by %s", where);
      }
      return io_error("connect", err).with_context("%s", where);
    }
  }
  return Status::ok();
}

Status PosixSocket::connect(std::string_view host, uint16_t port, hal::Deadline deadline) {
  close();
  hal::Address addresses[kMaxAddresses];
  SPARK_TRY_ASSIGN(size_t n,
                   resolver_.resolve(host, port, Span<hal::Address>(addresses), deadline));
  Status last;
  for (size_t i = 0; i < n; ++i) {
    if (deadline.expired(clock_)) break;
    last = connect_one(addresses[i], deadline.min(hal::Deadline::after(clock_, attempt_ms_)));
    if (last.is_ok()) return last;
  }
  if (last.is_ok()) {
    return Status::error(Code::kDeadlineExceeded, "timed out connecting to %.*s:%u",
                         static_cast<int>(host.size()), host.data(), static_cast<unsigned>(port));
  }
  return last;
}

Result<size_t> PosixSocket::send(ConstBytes data, hal::Deadline deadline, bool more) {
  if (fd_ < 0) return Status::error(Code::kFailedPrecondition, "send on a closed socket");
  const int flags = MSG_NOSIGNAL | (more ? MSG_MORE : 0);
  for (;;) {
    ssize_t n = ::send(fd_, data.data(), data.size(), flags);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return io_error("sending", errno);
    SPARK_TRY(wait(POLLOUT, deadline, "sending"));
  }
}

Result<size_t> PosixSocket::recv(MutBytes buf, hal::Deadline deadline) {
  if (fd_ < 0) return Status::error(Code::kFailedPrecondition, "recv on a closed socket");
  for (;;) {
    ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return io_error("receiving", errno);
    SPARK_TRY(wait(POLLIN, deadline, "receiving"));
  }
}

bool PosixSocket::has_pending_input() {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  return ::poll(&p, 1, 0) != 0;  // input, EOF, error (or a failed poll): don't reuse
}

void PosixSocket::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace spark::platform
