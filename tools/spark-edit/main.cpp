// spark-edit: edit one picture from a shell. Subcommands live in their own
// files; this file only dispatches.
#include <cstdio>
#include <cstring>

#include "commands.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};

const Command kCommands[] = {
    {"prepare", "IN OUT: fit a photo to the API's limits, nothing sent", spark::cli::prepare_main},
    {"status", "TASK_ID: ask the service about a task", spark::cli::status_main},
    {"resume", "[ID]: continue unfinished edits from the journal", spark::cli::resume_main},
    {"probe-tls", "https://HOST[:PORT]: show the TLS a server negotiates",
     spark::cli::probe_tls_main},
    {"model-spec", "show the vendor's model spec (endpoint, limits) --discover uses",
     spark::cli::model_spec_main},
};

int usage(FILE* out) {
  std::fprintf(
      out,
      "usage: spark-edit [options] IMAGE \"PROMPT\" [-o OUT]   edit a photo (--help for options)\n"
      "       spark-edit COMMAND [ARGS...]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  std::fprintf(
      out, "\nEach command takes --help. The API key comes from SPARK_API_KEY or --key-file.\n");
  return out == stdout ? spark::cli::kExitOk : spark::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  if (argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    return usage(stdout);
  }
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("spark-edit %s (%s)\n", SPARKCAM_VERSION, SPARKCAM_REVISION);
    return 0;
  }
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) == 0) return c.run(argc - 2, argv + 2);
  }
  // Anything else is an edit: spark-edit [options] IMAGE "PROMPT".
  return spark::cli::edit_main(argc - 1, argv + 1);
}
