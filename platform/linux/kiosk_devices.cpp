#include "platform/linux/kiosk_devices.h"

#include "core/log.h"
#include "platform/linux/command_camera.h"
#include "platform/linux/directory_camera.h"
#include "platform/linux/evdev_button.h"
#include "platform/linux/sysfs_led.h"
#include "platform/linux/v4l2_camera.h"

namespace spark::platform {

std::unique_ptr<hal::Camera> make_camera(const app::CameraSettings& c, Sys& sys, hal::Clock& clock,
                                         Status* error) {
  switch (c.kind) {
    case app::CameraSettings::Kind::kV4l2: {
      V4l2Config v;
      v.device = c.device;
      v.max_width = c.max_width;
      v.max_height = c.max_height;
      v.warmup_frames = c.warmup_frames;
      return std::make_unique<V4l2Camera>(sys, clock, v);
    }
    case app::CameraSettings::Kind::kCommand: {
      auto argv = split_command_line(c.command);
      if (!argv.is_ok() || argv->empty()) {
        *error = Status::error(Code::kInvalidArgument, "[camera] command '%s': %s",
                               c.command.c_str(), argv.is_ok() ? "empty" : argv.status().message());
        return nullptr;
      }
      CommandConfig cc;
      cc.argv = std::move(argv).value();
      return std::make_unique<CommandCamera>(clock, cc);
    }
    case app::CameraSettings::Kind::kDir: {
      DirectoryConfig d;
      d.dir = c.dir;
      return std::make_unique<DirectoryCamera>(clock, d);
    }
  }
  return nullptr;
}

namespace {

Status open_buttons(const app::Config& config, Sys& sys, hal::Clock& clock, KioskHardware& out) {
  std::vector<app::ButtonSettings> buttons = config.buttons;
  if (buttons.empty()) buttons.emplace_back();  // the default: GPIO17, edit
  for (size_t i = 0; i < buttons.size(); ++i) {
    const app::ButtonSettings& b = buttons[i];
    const uint8_t id = static_cast<uint8_t>(i);
    hal::ButtonTiming timing{b.debounce_ms, b.long_press_ms};
    Status s;
    if (b.kind == app::ButtonSettings::Kind::kGpio) {
      auto g = std::make_unique<GpioButton>(sys, clock);
      GpioButtonConfig gc;
      gc.chip = b.chip.c_str();
      gc.line = b.line.c_str();
      gc.id = id;
      gc.active_low = b.active_low;
      gc.timing = timing;
      s = g->open(gc);
      if (s.is_ok()) out.buttons.push_back(std::move(g));
    } else {
      auto e = std::make_unique<EvdevButton>(sys, clock);
      EvdevButtonConfig ec;
      ec.device = b.device.c_str();
      ec.key_code = b.key_code;
      ec.id = id;
      ec.timing = timing;
      s = e->open(ec);
      if (s.is_ok()) out.buttons.push_back(std::move(e));
    }
    if (!s.is_ok()) {
      return b.line_no ? s.with_context("[button] at line %u", b.line_no)
                       : s.with_context("the default button (GPIO17; add a [button] section)");
    }
    SPARK_TRY(out.group.add(*out.buttons.back()));
    if (b.action == app::ButtonSettings::Action::kNext) out.next_buttons |= 1u << i;
    SPARK_LOGI("kiosk", "button %u: %s (%s)", id, out.buttons.back()->describe(),
               b.action == app::ButtonSettings::Action::kNext ? "next preset" : "edit");
  }

  return Status::ok();
}

void open_led(const app::Config& config, Sys& sys, KioskHardware& out) {
  const app::LedSettings& l = config.led;
  if (l.kind == app::LedSettings::Kind::kGpio) {
    auto led = std::make_unique<GpioLed>(sys);
    GpioLedConfig lc;
    lc.chip = l.chip.c_str();
    lc.line = l.line.c_str();
    lc.active_low = l.active_low;
    Status s = led->open(lc);
    if (s.is_ok()) {
      out.led = std::move(led);
    } else {
      SPARK_LOGW("kiosk", "LED %s: %s; going on without it", l.line.c_str(), s.message());
    }
  } else if (l.kind == app::LedSettings::Kind::kSysfs) {
    auto led = std::make_unique<SysfsLed>(sys);
    Status s = led->open(l.name.c_str());
    if (s.is_ok()) {
      out.led = std::move(led);
    } else {
      SPARK_LOGW("kiosk", "LED %s: %s; going on without it", l.name.c_str(), s.message());
    }
  }
}

void open_display(const app::Config& config, Sys& sys, KioskHardware& out) {
  if (config.display.kind == app::DisplaySettings::Kind::kFbdev) {
    auto fb = std::make_unique<FbDisplay>(sys);
    FbDisplayConfig fc;
    fc.device = config.display.device.c_str();
    fc.rotation = static_cast<hal::Rotation>(config.display.rotation);
    Status s = fb->open(fc);
    if (s.is_ok()) {
      out.display = std::move(fb);
    } else {
      SPARK_LOGW("kiosk", "display %s: %s; running headless", config.display.device.c_str(),
                 s.message());
    }
  } else {
    SPARK_LOGI("kiosk", "display: none configured; running headless");
  }
}

}  // namespace

Status open_kiosk_hardware(const app::Config& config, Sys& sys, hal::Clock& clock,
                           KioskHardware& out) {
  Status error;
  out.camera = make_camera(config.camera, sys, clock, &error);
  if (!out.camera) return error;
  SPARK_TRY(open_buttons(config, sys, clock, out));
  open_led(config, sys, out);
  open_display(config, sys, out);
  return Status::ok();
}

}  // namespace spark::platform
