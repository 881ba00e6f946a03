#include "sim_fixture.h"

#include "host_spawn.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace spark::test {
namespace {

std::string read_line(int fd, int timeout_ms) {
  std::string line;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return line;
    char c;
    if (read(fd, &c, 1) != 1) return line;
    if (c == '\n') return line;
    line += c;
  }
}

std::string field(const std::string& line, const std::string& key) {
  size_t at = line.find(" " + key + "=");
  if (at == std::string::npos) return "";
  at += key.size() + 2;
  return line.substr(at, line.find(' ', at) - at);
}

}  // namespace

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::unique_ptr<Sim> Sim::start(const std::vector<std::string>& args) {
  static std::atomic<int> serial{0};
  const char* tmp = std::getenv("SPARK_TEST_TMP");
  std::string root = std::string(tmp ? tmp : "/tmp");
  std::string dir = root + "/sim." + std::to_string(getpid()) + "." + std::to_string(serial++);
  // One CA per test process: copy it into each state dir instead of running
  // openssl for every simulator.
  std::string shared = root + "/sim-pki." + std::to_string(getpid());
  std::string setup = "rm -rf '" + dir + "' && mkdir -p '" + dir + "'";
  if (access((shared + "/tls/ca.pem").c_str(), F_OK) == 0) {
    setup += " && cp -r '" + shared + "/tls' '" + dir + "/'";
  }
  REQUIRE(std::system(setup.c_str()) == 0);

  std::vector<std::string> argv_s = {SPARK_PYTHON, SPARK_SIM, "--port", "0", "--state-dir", dir,
                                     "--processing-ms", "300", "--max-seconds", "300", "--quiet",
                                     // mbedTLS 2.28 verifies DNS names only, not IP SANs.
                                     "--url-host", "localhost"};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  int out[2];
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  pid_t pid = spawn(argv_s, -1, out[1]);
  REQUIRE_MESSAGE(pid > 0, "cannot start " << SPARK_SIM);
  close(out[1]);
  std::unique_ptr<Sim> sim(new Sim());
  sim->pid_ = pid;
  sim->state_dir = dir;
  for (int i = 0; i < 5; ++i) {
    std::string line = read_line(out[0], 60000);
    if (line.rfind("spark-sim ready", 0) == 0) {
      sim->api = field(line, "api");
      sim->cdn = field(line, "cdn");
      sim->control = field(line, "control");
      sim->ca = field(line, "ca");
      break;
    }
    if (line.empty()) break;
  }
  close(out[0]);
  REQUIRE_MESSAGE(!sim->api.empty(), "spark-sim did not start");
  if (access((shared + "/tls/ca.pem").c_str(), F_OK) != 0) {
    std::string keep = "mkdir -p '" + shared + "' && cp -r '" + dir + "/tls' '" + shared + "/'";
    REQUIRE(std::system(keep.c_str()) == 0);
  }
  return sim;
}

void Sim::fault(const std::string& spec) const {
  // spec is a test's literal (no quotes); curl talks to the loopback port.
  std::string cmd = "curl -sS --fail --noproxy '*' -o /dev/null -X POST -d '{\"fault\":\"" + spec +
                    "\"}' '" + control + "/_sim/fault'";
  REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "could not add fault " << spec);
}

Sim::~Sim() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  std::string clean = "rm -rf '" + state_dir + "'";
  if (std::system(clean.c_str()) != 0) MESSAGE("could not remove " << state_dir);
}

int Sim::count(const std::string& kind) const {
  std::istringstream log(slurp(state_dir + "/requests.log"));
  int n = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("\"kind\": \"" + kind + "\"") != std::string::npos) ++n;
  }
  return n;
}

picojson::value Sim::tasks() const {
  std::string text = slurp(state_dir + "/tasks.json");
  if (text.empty()) return picojson::value(picojson::object());  // no task yet
  picojson::value v;
  std::string err = picojson::parse(v, text);
  REQUIRE(err.empty());
  return v;
}

std::string Sim::input_path(const std::string& task_id) const {
  for (const char* ext : {"jpeg", "png"}) {
    std::string p = state_dir + "/inputs/" + task_id + "." + ext;
    if (access(p.c_str(), F_OK) == 0) return p;
  }
  return "";
}

}  // namespace spark::test
