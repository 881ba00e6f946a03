// HostDevices: the screen and button of `sparkcam --host-sim`, chosen at
// start: the SDL window (sdl_window.h) when sparkcam was built with SDL2,
// headless is not forced, there is a $DISPLAY or $WAYLAND_DISPLAY and SDL
// opens the window; otherwise headless: TerminalDisplay (screen.png + the
// terminal preview) and TerminalButton (keys on key_fd). note() says which
// and, when headless, why, in one line for the log:
//   "host-sim: SDL window 800x480 (x11)"
//   "host-sim: headless (SDL window: no $DISPLAY or $WAYLAND_DISPLAY (no
//    window system)): terminal 800x480 -> screen.png (colour preview);
//    keys: terminal keys fd 0 (raw mode)"
// The quit request of either is kCancelled from button().wait() (host_quit.h).
//
// Threads: as SdlWindow: open(), display().present() and button().wait() on
// one thread, the controller's.
//
// Memory (x86-64): ~1 KB inline plus what the chosen devices state in their
// headers (the window's surface, or the preview's text buffer).
#pragma once

#include <cstdint>
#include <memory>

#include "hal/button.h"
#include "hal/clock.h"
#include "hal/display.h"
#include "platform/host/sdl_window.h"
#include "platform/host/terminal_button.h"
#include "platform/host/terminal_display.h"

namespace spark::platform {

struct HostDevicesConfig {
  uint32_t width = 800;  // as the UI draws (after rotation)
  uint32_t height = 480;
  hal::Rotation rotation = hal::Rotation::k0;
  uint32_t long_press_ms = 1500;
  uint8_t button_id = 0;
  bool headless = false;  // never try the window
  const char* title = "sparkcam";
  const char* png_path = "screen.png";
  int key_fd = 0;  // headless: keys from here (stdin)
  int out_fd = 1;  // headless: the preview goes here (stdout)
  PreviewMode preview = PreviewMode::kAuto;
};

class HostDevices {
 public:
  explicit HostDevices(hal::Clock& clock);
  ~HostDevices();
  HostDevices(const HostDevices&) = delete;
  HostDevices& operator=(const HostDevices&) = delete;

  // A window that cannot open is not an error (headless instead; note()
  // says why). Errors: those of TerminalDisplay::open and
  // TerminalButton::open.
  Status open(const HostDevicesConfig& config);
  // Valid after a successful open().
  hal::Display& display();
  hal::Button& button();
  bool windowed() const { return windowed_; }
  const char* note() const { return note_; }

 private:
  hal::Clock& clock_;
#ifdef SPARK_HAVE_SDL2
  std::unique_ptr<SdlWindow> window_;
#endif
  TerminalDisplay terminal_display_;
  TerminalButton terminal_button_;
  bool windowed_ = false;
  char note_[400] = "host-sim: not open";
};

}  // namespace spark::platform
