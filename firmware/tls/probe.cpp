#include "tls/probe.h"

#include <cstdio>

namespace spark::tls {

Status probe(Context& context, hal::Socket& socket, hal::Clock& clock, std::string_view host,
             uint16_t port, hal::Deadline deadline, ProbeReport& report) {
  uint64_t start = clock.now_ms();
  SPARK_TRY(socket.connect(host, port, deadline));
  report.connect_ms = clock.now_ms() - start;
  Session session(context, socket, clock);
  SPARK_TRY(session.handshake(host, port, deadline, nullptr));
  report.info = session.info();
  session.close();
  return Status::ok();
}

void format_probe(const ProbeReport& r, char* out, size_t size) {
  std::snprintf(out, size,
                "version:   %s\nsuite:     %s\nsubject:   %s\nissuer:    %s\nexpires:   %s\n"
                "pin:       %s\nconnect:   %llu ms\nhandshake: %llu ms\n",
                r.info.version, r.info.suite, r.info.subject, r.info.issuer, r.info.valid_to,
                r.info.spki_pin, static_cast<unsigned long long>(r.connect_ms),
                static_cast<unsigned long long>(r.info.handshake_ms));
}

}  // namespace spark::tls
