// sparkcam-probe: what an integrator runs first on a new Pi: which cameras
// (and buttons, displays, LEDs) the system offers, and does a capture work.
// Subcommands live in their own files; this file only dispatches.
#include <cstdio>
#include <cstring>

#include "io_cmds.h"
#include "probe.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};

// The device commands of io_cmds.h take their own name as argv[0]: the
// arguments main passes (argv + 2) are preceded by it.
template <int (*Fn)(int, char**)>
int named(int argc, char** argv) {
  return Fn(argc + 1, argv - 1);
}

const Command kCommands[] = {
    {"cameras", "list the V4L2 cameras (/dev/video*) with their MJPEG sizes",
     spark::probe::cameras_main},
    {"capture", "OUT [--device|--command|--dir ...]: capture one picture to a file",
     spark::probe::capture_main},
    {"buttons", "list GPIO chips (--lines: their named lines) and input devices with keys or touch",
     named<cmd_buttons>},
    {"press", "wait for one press of a GPIO line, a key or a touch (with a timeout)",
     named<cmd_press>},
    {"displays", "list the framebuffers: geometry, bits per pixel, stride, panning",
     named<cmd_displays>},
    {"led", "blink a GPIO or sysfs LED once (--list: the sysfs LEDs)", named<cmd_led>},
};

int usage(FILE* out) {
  std::fprintf(out, "usage: sparkcam-probe COMMAND [ARGS...]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-9s %s\n", c.name, c.summary);
  std::fprintf(out,
               "\nEach command takes --help. Exit codes: 0 ok, 1 failed, 2 usage, 3 not found.\n");
  return out == stdout ? spark::probe::kExitOk : spark::probe::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(stderr);
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) return usage(stdout);
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) == 0) return c.run(argc - 2, argv + 2);
  }
  std::fprintf(stderr, "sparkcam-probe: unknown command '%s'\n\n", argv[1]);
  return usage(stderr);
}
