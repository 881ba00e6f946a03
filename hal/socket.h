// hal::Socket and hal::Resolver: a byte-stream connection to a named host.
//
// Every wait is bounded by a Deadline; an expired deadline fails with
// kDeadlineExceeded. recv() returning 0 means the peer closed its side
// (end of stream); it never means "nothing yet". A Socket is reusable:
// close() then connect() again.
//
// Memory: interfaces only. Implementations state their own.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "core/status.h"
#include "hal/clock.h"

namespace spark::hal {

// A resolved numeric address (no OS types in the core).
struct Address {
  enum class Family : uint8_t { kIpv4, kIpv6 };
  Family family = Family::kIpv4;
  uint8_t ip[16] = {};  // network order; IPv4 uses the first 4 bytes
  uint16_t port = 0;
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  // Fills out with up to out.size() addresses of host (a name or a literal),
  // in the order they should be tried. Returns how many (>= 1), or
  // kNotFound ("cannot resolve host ..."), kDeadlineExceeded.
  virtual Result<size_t> resolve(std::string_view host, uint16_t port, Span<Address> out,
                                 Deadline deadline) = 0;
};

class Socket {
 public:
  virtual ~Socket() = default;
  // Resolves host and tries each address in turn until one connects.
  // Errors: kNotFound (name), kUnavailable ("connection refused by ..."),
  // kDeadlineExceeded, kIo.
  virtual Status connect(std::string_view host, uint16_t port, Deadline deadline) = 0;
  // Sends at least one byte of data (data must not be empty); returns how
  // many. more = the caller sends more at once (a bulk upload between
  // records): the socket may hold a partial segment back until a send
  // without it (MSG_MORE), so a 6 MB body goes out in full segments.
  // Errors: kUnavailable (reset / broken pipe), kDeadlineExceeded, kIo.
  virtual Result<size_t> send(ConstBytes data, Deadline deadline, bool more) = 0;
  // Receives at least one byte, or 0 when the peer closed. Same errors.
  virtual Result<size_t> recv(MutBytes buf, Deadline deadline) = 0;
  // True when input (data or end of stream) is waiting right now. An idle
  // kept-alive connection with input was closed or broken by the peer.
  virtual bool has_pending_input() = 0;
  virtual bool is_open() const = 0;
  virtual void close() = 0;
};

}  // namespace spark::hal
