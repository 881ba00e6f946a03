#include "platform/host/host_devices.h"

#include "platform/linux/sys_fd.h"

namespace spark::platform {

HostDevices::HostDevices(hal::Clock& clock) : clock_(clock), terminal_button_(clock) {}

HostDevices::~HostDevices() = default;

Status HostDevices::open(const HostDevicesConfig& config) {
  windowed_ = false;
  terminal_button_.close();
  const char* why = "headless was asked for";
#ifdef SPARK_HAVE_SDL2
  Status window_status;
  if (!config.headless) {
    window_ = std::make_unique<SdlWindow>(clock_);
    SdlWindowConfig wc;
    wc.width = config.width;
    wc.height = config.height;
    wc.rotation = config.rotation;
    wc.title = config.title;
    wc.id = config.button_id;
    wc.long_press_ms = config.long_press_ms;
    window_status = window_->open(wc);
    if (window_status.is_ok()) {
      windowed_ = true;
      format_text(note_, sizeof note_, "host-sim: %s", window_->describe());
      return Status::ok();
    }
    window_.reset();
    why = window_status.message();
  }
#else
  if (!config.headless) why = "built without SDL2 (libsdl2-dev)";
#endif
  TerminalDisplayConfig dc;
  dc.width = config.width;
  dc.height = config.height;
  dc.rotation = config.rotation;
  dc.png_path = config.png_path;
  dc.out_fd = config.out_fd;
  dc.preview = config.preview;
  SPARK_TRY(terminal_display_.open(dc));
  TerminalButtonConfig bc;
  bc.fd = config.key_fd;
  bc.id = config.button_id;
  bc.long_press_ms = config.long_press_ms;
  SPARK_TRY(terminal_button_.open(bc));
  format_text(note_, sizeof note_, "host-sim: headless (%s): %s; keys: %s", why,
              terminal_display_.describe(), terminal_button_.describe());
  return Status::ok();
}

hal::Display& HostDevices::display() {
#ifdef SPARK_HAVE_SDL2
  if (windowed_) return *window_;
#endif
  return terminal_display_;
}

hal::Button& HostDevices::button() {
#ifdef SPARK_HAVE_SDL2
  if (windowed_) return *window_;
#endif
  return terminal_button_;
}

}  // namespace spark::platform
