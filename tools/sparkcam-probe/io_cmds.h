// sparkcam-probe's device subcommands for buttons, the status LED and the
// display: what an integrator runs first on a new Pi.
//
//   buttons   list GPIO chips (and with --lines their named lines) and input
//             devices with keys or touch
//   press     wait for one press of a GPIO line or an input device's key or
//             touch, print it and how it ended, with a timeout
//   displays  list framebuffers: geometry, bits per pixel, stride, panning
//   led       blink a GPIO or sysfs LED once (or --list the sysfs LEDs)
//
// Each cmd_* takes the subcommand's own argv (argv[0] is its name, as a
// dispatch table passes argc - 1, argv + 1), prints to stdout/stderr and
// returns the exit status: 0 done, 1 error (the message says what to do),
// 2 usage, 3 no such device (none at all, as the camera commands) or, for
// press, no press before the timeout. The run_* forms take the
// kernel (platform::Sys), clock and streams, for tests.
//
// Memory: a few KB of stack per command; no heap.
#pragma once

#include <cstdio>

#include "hal/clock.h"
#include "platform/linux/sys.h"

int cmd_buttons(int argc, char** argv);
int cmd_press(int argc, char** argv);
int cmd_displays(int argc, char** argv);
int cmd_led(int argc, char** argv);

namespace spark::probe {

struct Io {
  platform::Sys& sys;
  hal::Clock& clock;
  FILE* out;
  FILE* err;
};

int run_buttons(Io io, int argc, char** argv);
int run_press(Io io, int argc, char** argv);
int run_displays(Io io, int argc, char** argv);
int run_led(Io io, int argc, char** argv);

}  // namespace spark::probe
