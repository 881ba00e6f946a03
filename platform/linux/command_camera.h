// Command camera: a program that writes one JPEG to its stdout.
//
// This is how Raspberry Pi camera modules (libcamera) are captured:
//   Camera Module 3:  rpicam-still -n -t 1 --autofocus-on-capture
//                     --width 2304 --height 1296 -e jpg -q 90 --thumb none -o -
//   HQ camera:        rpicam-still -n -t 1 --width 2028 --height 1520
//                     -e jpg -q 90 --thumb none -o -
// (README.md, "Hardware: cameras", explains each option.)
//
// The argv is run as given (posix_spawnp: argv[0] is looked up in PATH; no
// shell, so nothing in it is interpreted), in its own process group, with
// stdin from /dev/null. Its stdout is streamed into the sink up to
// max_bytes; the last 512 bytes of its stderr are kept for the error
// message. At the deadline (or past the cap) the whole group gets SIGTERM,
// then SIGKILL after term_grace_ms, and the child is reaped: capture()
// never returns with the program still running or left a zombie.
// posix_spawn, not fork+exec: fork+exec hangs under qemu-user.
//
// Errors of capture(): kNotFound (the program is not installed),
// kPermissionDenied (not executable), kUnavailable (exit status != 0 or
// killed by a signal; the message ends with its last stderr line),
// kDeadlineExceeded (killed at the deadline), kResourceExhausted (more than
// max_bytes on stdout), kDataLoss (nothing on stdout, not a JPEG, or no
// end-of-image marker), the sink's error, kIo (pipe, poll, spawn).
//
// Memory: a 16 KB read buffer on the stack during capture(), the stderr
// tail (512 bytes), argv strings; the frame goes straight into the sink.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hal/camera.h"

namespace spark::platform {

struct CommandConfig {
  std::vector<std::string> argv;   // argv[0]: program name or path
  uint64_t max_bytes = 32u << 20;  // cap on stdout (a 12 MP JPEG is ~5-8 MB)
  uint32_t term_grace_ms = 500;    // SIGTERM to SIGKILL
  hal::Resolution resolution;      // what the command asks for, if known
};

class CommandCamera final : public hal::Camera {
 public:
  // clock is the one deadlines are made with (platform::MonotonicClock:
  // the waits are real). It must outlive the camera.
  CommandCamera(hal::Clock& clock, CommandConfig config);

  std::string_view name() const override { return name_; }
  hal::CameraKind kind() const override { return hal::CameraKind::kCommand; }
  hal::Resolution resolution() const override { return config_.resolution; }
  Result<hal::Capture> capture(ByteSink& out, hal::Deadline deadline) override;

  // The last (up to) 512 bytes the program wrote to stderr in the last
  // capture; the error message holds only its last line.
  const std::string& stderr_tail() const { return stderr_tail_; }

 private:
  hal::Clock& clock_;
  CommandConfig config_;
  std::string name_;
  std::string stderr_tail_;
};

// Splits a command line into argv the way a shell would split words, with
// none of the rest: blanks separate words; '...' keeps everything literal;
// "..." keeps all but \" and \\; a backslash outside quotes escapes the next
// character. kInvalidArgument for an unclosed quote or an empty line.
Result<std::vector<std::string>> split_command_line(std::string_view line);

}  // namespace spark::platform
