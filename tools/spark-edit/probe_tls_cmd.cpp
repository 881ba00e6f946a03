// spark-edit probe-tls https://host[:port] [--ca-file FILE] [--pin sha256/...]
// Connects, handshakes with full verification and prints what was
// negotiated. Exit status: 0 on success, 1 on a TLS or network failure,
// 2 on bad usage.
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"
#include "http/url.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/posix_socket.h"
#include "tls/probe.h"

namespace spark::cli {

int probe_tls_main(int argc, char** argv) {
  const char* target = nullptr;
  tls::Config config;
  for (int i = 0; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ca-file") == 0 && i + 1 < argc) {
      config.ca_file = argv[++i];
    } else if (std::strcmp(argv[i], "--pin") == 0 && i + 1 < argc) {
      config.pins = argv[++i];
    } else if (!target && argv[i][0] != '-') {
      target = argv[i];
    } else {
      target = nullptr;
      break;
    }
  }
  if (!target) {
    std::fprintf(
        stderr,
        "usage: spark-edit probe-tls https://host[:port] [--ca-file FILE] [--pin sha256/...]\n");
    return 2;
  }
  Result<http::Url> url = http::parse_url(target);
  if (!url.is_ok()) {
    std::fprintf(stderr, "spark-edit probe-tls: %s\n", url.status().message());
    return 2;
  }
  platform::MonotonicClock clock;
  platform::GetrandomEntropy entropy;
  platform::PosixResolver resolver;
  platform::PosixSocket socket(clock, resolver);
  tls::Context context;
  Status s = context.init(config, entropy);
  if (!s.is_ok()) {
    std::fprintf(stderr, "spark-edit probe-tls: %s\n", s.message());
    return 1;
  }
  std::string host(url->host);
  tls::ProbeReport report;
  s = tls::probe(context, socket, clock, host, url->port, hal::Deadline::after(clock, 15000),
                 report);
  if (!s.is_ok()) {
    std::fprintf(stderr, "spark-edit probe-tls: %s:%u: %s\n", host.c_str(),
                 static_cast<unsigned>(url->port), s.message());
    return 1;
  }
  char text[1024];
  tls::format_probe(report, text, sizeof text);
  std::fputs(text, stdout);
  return 0;
}
}  // namespace spark::cli
