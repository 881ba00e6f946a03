// spark-sim as a child process for client tests: a fresh state dir per
// simulator, ephemeral ports, faults given at start. Works under qemu-user
// (the simulator is a host program exec'd natively). The destructor stops it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/json_parse.h"

namespace spark::test {

class Sim {
 public:
  // args: extra spark-sim options, e.g. {"--fault", "rate-limit"}.
  static std::unique_ptr<Sim> start(const std::vector<std::string>& args = {});
  ~Sim();

  std::string api;  // https://127.0.0.1:PORT
  std::string cdn;
  std::string control;  // http://127.0.0.1:PORT, the control port
  std::string ca;       // the simulator's CA file
  std::string state_dir;

  // Adds a fault while the simulator runs (POST /_sim/fault, with curl).
  void fault(const std::string& spec) const;

  // Requests of one kind ("create", "poll", "download") in the request log.
  int count(const std::string& kind) const;
  // tasks.json as parsed JSON (an object keyed by task id).
  picojson::value tasks() const;
  // The image the simulator received for a task ("" when none).
  std::string input_path(const std::string& task_id) const;

 private:
  Sim() = default;
  int pid_ = -1;
};

// Reads a whole file ("" when absent).
std::string slurp(const std::string& path);

}  // namespace spark::test
