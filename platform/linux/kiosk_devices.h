// KioskHardware: the device program's camera, buttons, LED and display,
// opened from sparkcam.conf (app::Config) through platform::Sys.
//
//   camera   v4l2 (opened at each capture), command (rpicam-still ...) or dir
//   buttons  every [button]: gpio or evdev, merged in a ButtonGroup; a
//            button that cannot be opened is an error (a kiosk without its
//            button is no kiosk), naming it and the config line
//   LED      gpio or sysfs; one that cannot be opened is a warning, and the
//            program goes on without it
//   display  fbdev; one that is missing or cannot be opened is logged
//            ("display /dev/fb0: ...; running headless") and the program
//            goes on without a screen (display == nullptr)
//
// Errors of open_kiosk_hardware(): the first button's, the camera command's
// split (kInvalidArgument), each with the config's line number.
//
// Memory: the drivers (each under 1 KB, the framebuffer mapped by the
// kernel, the V4L2 buffers only while capturing) and the group.
#pragma once

#include <memory>
#include <vector>

#include "app/config.h"
#include "hal/button.h"
#include "hal/camera.h"
#include "hal/clock.h"
#include "hal/display.h"
#include "hal/indicator.h"
#include "platform/linux/fb_display.h"
#include "platform/linux/gpio.h"
#include "platform/linux/linux_button.h"
#include "platform/linux/sys.h"

namespace spark::platform {

std::unique_ptr<hal::Camera> make_camera(const app::CameraSettings& c, Sys& sys, hal::Clock& clock,
                                         Status* error);

struct KioskHardware {
  KioskHardware(Sys& sys, hal::Clock& clock) : group(sys, clock) {}
  std::unique_ptr<hal::Camera> camera;
  std::vector<std::unique_ptr<LinuxButton>> buttons;
  ButtonGroup group;
  std::unique_ptr<PatternLed> led;     // null: none configured or not openable
  std::unique_ptr<FbDisplay> display;  // null: headless
  uint32_t next_buttons = 0;           // bit i: button id i means "next preset"
  hal::Button& button() { return group; }
};

Status open_kiosk_hardware(const app::Config& config, Sys& sys, hal::Clock& clock,
                           KioskHardware& out);

}  // namespace spark::platform
