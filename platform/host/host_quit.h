// How the desktop simulator's devices say "the person wants to stop":
// closing the SDL window, Escape in it, or q in the terminal makes
// hal::Button::wait() return a Status with Code::kCancelled (message "window
// closed", "Escape pressed", "q pressed"), and every later wait() returns it
// again. A device button never returns kCancelled, so the controller can
// tell a quit from a device failure with is_quit_request() and end cleanly
// (exit status 0) instead of reporting an error.
//
// Memory: none.
#pragma once

#include "core/status.h"

namespace spark::platform {

inline constexpr Code kQuitCode = Code::kCancelled;

inline bool is_quit_request(const Status& status) {
  return status.code() == kQuitCode;
}

}  // namespace spark::platform
