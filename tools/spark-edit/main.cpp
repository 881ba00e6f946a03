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
    {"prepare", "IN OUT: fit a photo to the API's limits (see prepare --help)", spark::cli::prepare_main},
};

int usage(FILE* out) {
  std::fprintf(out, "usage: spark-edit COMMAND [ARGS...]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
  return out == stdout ? spark::cli::kExitOk : spark::cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) return usage(stdout);
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) == 0) return c.run(argc - 2, argv + 2);
  }
  std::fprintf(stderr, "spark-edit: unknown command '%s'\n", argv[1]);
  return usage(stderr);
}
