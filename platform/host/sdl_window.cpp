#include "platform/host/sdl_window.h"

#include <SDL.h>
#include <SDL_syswm.h>
// Xlib (through SDL_syswm.h) defines Status as a macro; sparkcam's is a class.
#ifdef Status
#undef Status
#endif

#include <climits>
#include <cstdlib>

#include "platform/host/host_quit.h"
#include "platform/linux/sys_fd.h"

namespace spark::platform {

Status SdlWindow::open(const SdlWindowConfig& config) {
  close();
  if (config.width == 0 || config.height == 0 || config.width > 16384 || config.height > 16384) {
    return Status::error(Code::kInvalidArgument, "SDL window: size %ux%u is out of range",
                         config.width, config.height);
  }
  const char* x11 = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  if ((x11 == nullptr || x11[0] == 0) && (wayland == nullptr || wayland[0] == 0)) {
    return Status::error(Code::kUnavailable,
                         "SDL window: no $DISPLAY or $WAYLAND_DISPLAY (no window system)");
  }
  // The controller owns SIGINT/SIGTERM; SDL must not turn them into events.
  SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
  // A plain software surface: the frame's bytes reach the window unfiltered
  // and no GPU is needed; with acceleration SDL re-creates the X11 window
  // for OpenGL on the first SDL_GetWindowSurface.
  SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  if (SDL_Init(SDL_INIT_VIDEO) != 0) {
    Status s =
        Status::error(Code::kUnavailable, "SDL window: cannot start video: %s", SDL_GetError());
    SDL_Quit();
    return s;
  }
  window_ = SDL_CreateWindow(config.title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                             static_cast<int>(config.width), static_cast<int>(config.height), 0);
  if (window_ == nullptr) {
    Status s = Status::error(Code::kUnavailable, "SDL window: cannot open a %ux%u window: %s",
                             config.width, config.height, SDL_GetError());
    SDL_Quit();
    return s;
  }
  SDL_SysWMinfo wm;
  SDL_VERSION(&wm.version);
  x11_window_ = 0;
#ifdef SDL_VIDEO_DRIVER_X11
  if (SDL_GetWindowWMInfo(window_, &wm) == SDL_TRUE && wm.subsystem == SDL_SYSWM_X11) {
    x11_window_ = wm.info.x11.window;
  }
#endif
  info_ = hal::DisplayInfo{};
  info_.width = config.width;
  info_.height = config.height;
  info_.rotation = config.rotation;
  info_.bits_per_pixel = 24;
  info_.device_stride = size_t{config.width} * 3;
  long_press_ms_ = config.long_press_ms;
  press_ = PressTracker(config.id, {0, config.long_press_ms});
  long_ = PressTracker(config.id, {0, config.long_press_ms});
  space_down_ = mouse_down_ = false;
  error_ = Status::ok();
  format_text(describe_, sizeof describe_, "SDL window %ux%u (%s)", config.width, config.height,
              SDL_GetCurrentVideoDriver());
  return Status::ok();
}

void SdlWindow::close() {
  if (window_ == nullptr) return;
  SDL_DestroyWindow(window_);
  window_ = nullptr;
  x11_window_ = 0;
  SDL_Quit();
}

Status SdlWindow::present(const hal::Frame& frame) {
  if (window_ == nullptr) return Status::error(Code::kFailedPrecondition, "SDL window: not open");
  if (frame.width != info_.width || frame.height != info_.height) {
    return Status::error(Code::kInvalidArgument, "SDL window: frame %ux%u, screen is %ux%u",
                         frame.width, frame.height, info_.width, info_.height);
  }
  if (frame.pixels == nullptr || frame.stride < size_t{frame.width} * 3 ||
      frame.stride > static_cast<size_t>(INT_MAX)) {
    return Status::error(Code::kInvalidArgument, "SDL window: frame stride %zu is out of range",
                         frame.stride);
  }
  SDL_Surface* src = SDL_CreateRGBSurfaceWithFormatFrom(
      frame.pixels, static_cast<int>(frame.width), static_cast<int>(frame.height), 24,
      static_cast<int>(frame.stride), SDL_PIXELFORMAT_RGB24);
  if (src == nullptr) return Status::error(Code::kIo, "SDL window: %s", SDL_GetError());
  SDL_Surface* dst = SDL_GetWindowSurface(window_);
  int r = dst == nullptr ? -1 : SDL_BlitSurface(src, nullptr, dst, nullptr);
  SDL_FreeSurface(src);
  if (r != 0 || SDL_UpdateWindowSurface(window_) != 0) {
    return Status::error(Code::kIo, "SDL window: cannot draw: %s", SDL_GetError());
  }
  SDL_PumpEvents();  // input stays queued for wait(); the window stays responsive
  return Status::ok();
}

std::optional<hal::ButtonEvent> SdlWindow::pop() {
  if (auto ev = press_.pop()) return ev;
  return long_.pop();
}

void SdlWindow::set_level(bool space, bool mouse, uint64_t at_ms) {
  bool before = space_down_ || mouse_down_;
  space_down_ = space;
  mouse_down_ = mouse;
  bool after = space_down_ || mouse_down_;
  if (after != before) press_.edge(after, at_ms);
}

void SdlWindow::on_event(const void* sdl_event) {
  const SDL_Event& e = *static_cast<const SDL_Event*>(sdl_event);
  uint64_t now = clock_.now_ms();
  // The event's age by SDL's clock, applied to the hal::Clock.
  uint32_t age = SDL_GetTicks() - e.common.timestamp;
  uint64_t at = now >= age ? now - age : 0;
  switch (e.type) {
    case SDL_QUIT:
      error_ = Status::error(kQuitCode, "SDL window: window closed (quit)");
      break;
    case SDL_WINDOWEVENT:
      if (e.window.event == SDL_WINDOWEVENT_CLOSE) {
        error_ = Status::error(kQuitCode, "SDL window: window closed (quit)");
      } else if (e.window.event == SDL_WINDOWEVENT_EXPOSED) {
        SDL_UpdateWindowSurface(window_);  // the surface still holds the last frame
      }
      break;
    case SDL_KEYDOWN:
    case SDL_KEYUP: {
      bool down = e.type == SDL_KEYDOWN;
      if (e.key.repeat != 0) break;
      SDL_Keycode key = e.key.keysym.sym;
      if (key == SDLK_SPACE) {
        set_level(down, mouse_down_, at);
      } else if (key == SDLK_l && down) {
        uint64_t from = at >= long_press_ms_ ? at - long_press_ms_ : 0;
        long_.edge(true, from);
        long_.advance(from + long_press_ms_);
        long_.edge(false, from + long_press_ms_);
      } else if (key == SDLK_ESCAPE && down) {
        error_ = Status::error(kQuitCode, "SDL window: Escape pressed (quit)");
      }
      break;
    }
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
      if (e.button.button == SDL_BUTTON_LEFT) {
        set_level(space_down_, e.type == SDL_MOUSEBUTTONDOWN, at);
      }
      break;
    default:
      break;
  }
}

Result<std::optional<hal::ButtonEvent>> SdlWindow::wait(hal::Deadline deadline) {
  if (window_ == nullptr) return Status::error(Code::kFailedPrecondition, "SDL window: not open");
  SDL_Event e;
  for (;;) {
    if (auto ev = pop()) return ev;
    if (!error_.is_ok()) return error_;
    // Events already queued first: a release waiting in the queue must not
    // be overtaken by a long press falling due while the caller was busy.
    if (SDL_PollEvent(&e) == 1) {
      on_event(&e);
      continue;
    }
    uint64_t now = clock_.now_ms();
    press_.advance(now);
    if (auto ev = pop()) return ev;
    if (now >= deadline.at_ms()) return std::optional<hal::ButtonEvent>();
    uint64_t wake = deadline.at_ms();
    uint64_t timer = press_.next_timer_ms();
    if (timer < wake) wake = timer;
    uint64_t ms = wake == hal::Deadline::kNever ? uint64_t{INT_MAX} : wake > now ? wake - now : 0;
    if (SDL_WaitEventTimeout(&e, ms > INT_MAX ? INT_MAX : static_cast<int>(ms)) == 1) {
      on_event(&e);
    }
  }
}

}  // namespace spark::platform
