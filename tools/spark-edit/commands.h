// spark-edit subcommands. Each takes the arguments after its name and
// returns the process exit code.
#pragma once

namespace spark::cli {

// Exit codes shared by every subcommand.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;   // anything not listed below
constexpr int kExitUsage = 2;    // bad command line
constexpr int kExitInput = 3;    // the input file: missing, unreadable, not a usable picture

int prepare_main(int argc, char** argv);

}  // namespace spark::cli
