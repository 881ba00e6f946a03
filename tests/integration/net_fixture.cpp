#include "net_fixture.h"

#include "host_spawn.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace spark::test {
namespace {

std::string tmp_root() {
  const char* dir = std::getenv("SPARK_TEST_TMP");
  return dir ? dir : "/tmp";
}

// Reads one line from fd within timeout_ms; empty on EOF or timeout.
std::string read_line(int fd, int timeout_ms) {
  std::string line;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return {};
    char c;
    if (read(fd, &c, 1) != 1) return {};
    if (c == '\n') return line;
    line += c;
  }
}

}  // namespace

std::string pki_dir() {
  return tmp_root() + "/netfix-pki";
}
std::string ca_file() {
  return pki_dir() + "/ca.pem";
}
std::string tmp_path(const std::string& name) {
  return tmp_root() + "/" + name + "." + std::to_string(getpid());
}

std::unique_ptr<NetServer> NetServer::start(const std::string& kind,
                                            const std::vector<std::string>& args) {
  int in[2], out[2];
  REQUIRE(pipe2(in, O_CLOEXEC) == 0);
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  std::vector<std::string> argv_s = {SPARK_PYTHON, SPARK_NETFIX, "serve", pki_dir(), kind};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  pid_t pid = spawn(argv_s, in[0], out[1]);
  REQUIRE_MESSAGE(pid > 0, "cannot start " << SPARK_NETFIX);
  close(in[0]);
  close(out[1]);
  std::unique_ptr<NetServer> server(new NetServer());
  server->pid_ = pid;
  server->stdin_fd_ = in[1];
  // nginx prints "DIR ..." first; the port is the first all-digit line.
  for (int i = 0; i < 3; ++i) {
    std::string line = read_line(out[0], 60000);
    if (!line.empty() && line.find_first_not_of("0123456789") == std::string::npos) {
      server->port_ = static_cast<uint16_t>(std::stoi(line));
      break;
    }
    if (line.empty()) break;
  }
  close(out[0]);
  REQUIRE_MESSAGE(server->port_ != 0, "netfix.py serve " << kind << " did not start");
  return server;
}

NetServer::~NetServer() {
  close(stdin_fd_);
  // netfix stops its server on stdin EOF; give it 5 s, then kill.
  for (int i = 0; i < 500; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    usleep(10000);
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

std::string NetServer::url(const std::string& path) const {
  return "https://localhost:" + std::to_string(port_) + path;
}

uint16_t closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sin;
  bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len);
  close(fd);
  return ntohs(sin.sin_port);
}

tls::Config NetStack::default_tls() {
  tls::Config c;
  c.ca_file = ca_file();
  c.handshake_timeout_ms = 20000;  // generous: qemu is slow; tests never wait it out
  return c;
}

NetStack::NetStack(tls::Config tls_config, http::ClientConfig http_config) {
  init_status = tls.init(tls_config, entropy);
  client = std::make_unique<http::Client>(tls, socket, clock, std::move(http_config));
}

}  // namespace spark::test
