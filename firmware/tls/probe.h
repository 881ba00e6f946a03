// probe_tls: connect, handshake and describe the result (the diagnostic
// behind `probe-tls` / `spark-edit probe-tls`). Nothing is sent after the
// handshake. Memory: one Session (see tls.h) for the call's duration.
#pragma once

#include <string_view>

#include "core/status.h"
#include "hal/clock.h"
#include "hal/socket.h"
#include "tls/tls.h"

namespace spark::tls {

struct ProbeReport {
  HandshakeInfo info;
  uint64_t connect_ms = 0;
};

// Errors: those of hal::Socket::connect and Session::handshake.
Status probe(Context& context, hal::Socket& socket, hal::Clock& clock, std::string_view host,
             uint16_t port, hal::Deadline deadline, ProbeReport& report);

// Writes the report as "key: value" lines into out (NUL-terminated).
void format_probe(const ProbeReport& report, char* out, size_t size);

}  // namespace spark::tls
