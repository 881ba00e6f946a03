// spark-edit subcommands. Each takes the arguments after its name and
// returns the process exit code.
#pragma once

namespace spark::cli {

// Exit codes shared by every subcommand.
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;    // anything not listed below
constexpr int kExitUsage = 2;     // bad command line
constexpr int kExitInput = 3;     // the input file: missing, unreadable, not a usable picture
constexpr int kExitAuth = 4;      // API key missing or refused, no balance or permission
constexpr int kExitRejected = 5;  // the service refused the request
constexpr int kExitNetwork = 6;   // network or timeout: the task id is printed for resume
constexpr int kExitTaskFailed = 7;

int prepare_main(int argc, char** argv);
int edit_main(int argc, char** argv);
int status_main(int argc, char** argv);
int resume_main(int argc, char** argv);
int probe_tls_main(int argc, char** argv);
int model_spec_main(int argc, char** argv);

}  // namespace spark::cli
