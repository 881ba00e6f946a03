// Loopback peers for transport tests: netfix.py (openssl s_server, nginx,
// Python hostile/echo/proxy servers) run as child processes. A server's
// stdin is a pipe held by the test; closing it (or the test dying) stops
// the server. Works under qemu-user: the host's python3 is exec'd natively.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hal/entropy.h"
#include "http/client.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/posix_socket.h"
#include "tls/tls.h"

namespace spark::test {

// The test PKI (made once per build by netfix.py): ca.pem, server.pem, ...
std::string pki_dir();
std::string ca_file();

class NetServer {
 public:
  // kind: sserver CERT [CIPHERS] | nginx [OTHER_PORT] | hostile | stall | proxy LOGFILE
  static std::unique_ptr<NetServer> start(const std::string& kind,
                                          const std::vector<std::string>& args = {});
  ~NetServer();
  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;

 private:
  NetServer() = default;
  int pid_ = -1;
  int stdin_fd_ = -1;
  uint16_t port_ = 0;
};

// A port nothing listens on (bound, then closed).
uint16_t closed_port();
// A scratch file path under SPARK_TEST_TMP.
std::string tmp_path(const std::string& name);

// The real stack: clock, getrandom, POSIX socket, TLS context, HTTP client.
struct NetStack {
  explicit NetStack(tls::Config tls_config = default_tls(), http::ClientConfig http_config = {});
  static tls::Config default_tls();

  platform::MonotonicClock clock;
  platform::GetrandomEntropy entropy;
  platform::PosixResolver resolver;
  platform::PosixSocket socket{clock, resolver};
  tls::Context tls;
  Status init_status;
  std::unique_ptr<http::Client> client;
};

}  // namespace spark::test
