// sparkcam-probe subcommands. Each takes the arguments after its name and
// returns the process exit code.
#pragma once

#include "core/status.h"

namespace spark::probe {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;    // the device is there but the operation failed
constexpr int kExitUsage = 2;     // bad command line
constexpr int kExitNotFound = 3;  // no such device (or none at all)

// kNotFound -> kExitNotFound, others -> kExitFailed.
inline int exit_code_for(const Status& s) {
  if (s.is_ok()) return kExitOk;
  return s.code() == Code::kNotFound ? kExitNotFound : kExitFailed;
}

// cameras_cmd.cpp
int cameras_main(int argc, char** argv);
int capture_main(int argc, char** argv);

// Buttons, displays and the status LED add their subcommands here (buttons,
// press, displays, led), each in its own file, and a row in main.cpp.

}  // namespace spark::probe
