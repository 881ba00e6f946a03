// SdlWindow: the desktop simulator's screen and button in one SDL2 window
// (built when CMake finds SDL2: SPARK_HAVE_SDL2).
//
// Display: the window is the configured size (what the UI draws, i.e. the
// rotated size) and shows exactly the frames presented, pixel for pixel
// and unscaled: the picture as a viewer of the rotated panel sees it.
// info() reports the configured rotation, as the device's display would.
//
// Button: the space bar or the left mouse button in the window is the
// button: down and up edges with their SDL times (moved onto the hal::Clock's
// time base) go through PressTracker (platform/linux/linux_button.h), the
// device buttons' press logic, so a hold of long_press_ms is a long press.
// Key autorepeat is ignored. SDL stamps an event when it is pumped (in
// wait() or present()), so a hold is timed to the millisecond while the
// controller waits; a press and release that both happen while it is busy
// elsewhere arrive together at the next pump and read as a short press.
// L is a long press at once (kPress, kLongPress, kRelease, the press dated
// long_press_ms before the key). Closing the window or Escape is a quit
// request: wait() returns kCancelled from then on (host_quit.h).
//
// Threads: SDL's video and event functions must run on one thread. open(),
// present(), wait() and the destructor all run on the thread that created
// the window: the controller's loop thread, which waits for the button. The
// event pump runs inside wait() (SDL_WaitEventTimeout until the deadline)
// and also inside present() (SDL_PumpEvents, events stay queued for the next
// wait()), so the window stays responsive and no input is lost while the
// controller is busy between waits. Only one SdlWindow at a time.
//
// Errors: open(): kUnavailable (SDL could not start video or open the
// window: no X11/Wayland display; the message has SDL's reason) - the
// simulator then falls back to the terminal. present(): kInvalidArgument
// (the frame is not info()'s size, or its stride is short), kIo (SDL could
// not draw). wait(): kCancelled (quit), kIo.
//
// Memory (x86-64): ~400 bytes inline (two PressTrackers); SDL keeps the
// window's surface (width * height * 4 bytes, 1.5 MB at 800x480) and its own
// state (several MB of X11/SDL libraries). No copy of the frame: present()
// blits from the caller's buffer.
#pragma once

#include <cstdint>
#include <optional>

#include "hal/button.h"
#include "hal/clock.h"
#include "hal/display.h"
#include "platform/linux/linux_button.h"

struct SDL_Window;

namespace spark::platform {

struct SdlWindowConfig {
  uint32_t width = 800;  // as the UI draws (after rotation)
  uint32_t height = 480;
  hal::Rotation rotation = hal::Rotation::k0;
  const char* title = "sparkcam";
  uint8_t id = 0;  // hal::ButtonEvent::source
  uint32_t long_press_ms = 1500;
};

class SdlWindow final : public hal::Display, public hal::Button {
 public:
  explicit SdlWindow(hal::Clock& clock) : clock_(clock) {}
  ~SdlWindow() override { close(); }
  SdlWindow(const SdlWindow&) = delete;
  SdlWindow& operator=(const SdlWindow&) = delete;

  Status open(const SdlWindowConfig& config);
  void close();
  // The X11 window id (for tests driving it with xdotool), 0 elsewhere.
  unsigned long x11_window() const { return x11_window_; }

  hal::DisplayInfo info() const override { return info_; }
  Status present(const hal::Frame& frame) override;
  Result<std::optional<hal::ButtonEvent>> wait(hal::Deadline deadline) override;
  const char* describe() const override { return describe_; }

 private:
  std::optional<hal::ButtonEvent> pop();
  void on_event(const void* sdl_event);
  void set_level(bool space, bool mouse, uint64_t at_ms);

  hal::Clock& clock_;
  SDL_Window* window_ = nullptr;
  unsigned long x11_window_ = 0;
  hal::DisplayInfo info_;
  uint32_t long_press_ms_ = 1500;
  PressTracker press_{0, {0, 1500}};
  PressTracker long_{0, {0, 1500}};
  bool space_down_ = false;
  bool mouse_down_ = false;
  Status error_;
  char describe_[96] = "SDL window (not open)";
};

}  // namespace spark::platform
