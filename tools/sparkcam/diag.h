// sparkcam --diag: every check an integrator needs on a new device, one
// line each, "OK", "FAIL" (with a hint after "->") or "SKIP":
//   clock, key, state dir (free space), camera (a frame: size, time),
//   button (a press within 10 s, unless skipped), LED (a 1 s blink),
//   display (geometry), network (DNS, connect and TLS to the API host).
// Returns true when nothing failed.
#pragma once

#include <string>

#include "app/config.h"
#include "core/status.h"

namespace sparkcam {

struct DiagOptions {
  bool skip_buttons = false;
  std::string state_dir;        // resolved; empty when it could not be
  std::string state_dir_error;  // why not
  spark::Status key;            // the key lookup's outcome (the key itself is not kept)
  unsigned button_wait_s = 10;
};

bool run_diag(const spark::app::Config& config, const DiagOptions& options);

}  // namespace sparkcam
