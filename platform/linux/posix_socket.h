// POSIX implementation of hal::Resolver (getaddrinfo) and hal::Socket
// (non-blocking TCP with poll(2) bounded by Deadlines, TCP_NODELAY,
// keepalive, SIGPIPE suppressed per send with MSG_NOSIGNAL).
//
// getaddrinfo(3) cannot be cancelled: a name lookup is bounded by the
// resolver's own timeouts (resolv.conf), not by the Deadline. Literal
// addresses and /etc/hosts names return at once.
//
// Memory: one descriptor per socket; resolve() allocates inside libc only
// for the duration of the call.
#pragma once

#include "hal/socket.h"

namespace spark::platform {

class PosixResolver final : public hal::Resolver {
 public:
  Result<size_t> resolve(std::string_view host, uint16_t port, Span<hal::Address> out,
                         hal::Deadline deadline) override;
};

class PosixSocket final : public hal::Socket {
 public:
  static constexpr size_t kMaxAddresses = 8;
  static constexpr uint64_t kDefaultAttemptMs = 5000;

  // attempt_ms bounds each address's connect attempt, so a host whose first
  // address black-holes still gets its second one tried in time.
  PosixSocket(hal::Clock& clock, hal::Resolver& resolver, uint64_t attempt_ms = kDefaultAttemptMs)
      : clock_(clock), resolver_(resolver), attempt_ms_(attempt_ms) {}
  ~PosixSocket() override { close(); }
  PosixSocket(const PosixSocket&) = delete;
  PosixSocket& operator=(const PosixSocket&) = delete;

  Status connect(std::string_view host, uint16_t port, hal::Deadline deadline) override;
  Result<size_t> send(ConstBytes data, hal::Deadline deadline, bool more) override;
  Result<size_t> recv(MutBytes buf, hal::Deadline deadline) override;
  bool has_pending_input() override;
  bool is_open() const override { return fd_ >= 0; }
  void close() override;

 private:
  Status connect_one(const hal::Address& address, hal::Deadline deadline);
  // Waits for events on fd_; kDeadlineExceeded when the deadline passes.
  Status wait(short events, hal::Deadline deadline, const char* what);

  hal::Clock& clock_;
  hal::Resolver& resolver_;
  uint64_t attempt_ms_;
  int fd_ = -1;
};

// "127.0.0.1:443" / "[::1]:443" into out (at least 48 bytes).
void format_address(const hal::Address& address, char* out, size_t size);

}  // namespace spark::platform
