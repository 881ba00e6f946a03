// sparkcam: the device program. A press of the edit button takes a picture,
// edits it with the current preset's prompt and shows the result.
//
//   sparkcam [--config FILE] [--state-dir DIR] [-v]      the kiosk
//   sparkcam --host-sim [--headless] [--photos DIR] ...  the same on a desktop
//   sparkcam --check-config [--config FILE]
//   sparkcam --diag [--config FILE] [--skip-buttons]
//   sparkcam --version | --help
//
// Exit status: 0 stopped (SIGTERM, q or the window closed), 1 a device or
// start-up failure (said on stderr), 2 a bad command line or config.
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app/controller.h"
#include "app/edit_stack.h"
#include "app/state_dir.h"
#include "core/log.h"
#include "core/text.h"
#include "diag.h"
#include "platform/host/host_devices.h"
#include "platform/linux/config_file.h"
#include "platform/linux/directory_camera.h"
#include "platform/linux/key_file.h"
#include "platform/linux/kiosk_devices.h"
#include "platform/linux/sd_notify.h"

using namespace spark;

namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2;

const char kUsage[] =
    "usage: sparkcam [--config FILE] [--state-dir DIR] [-v]\n"
    "       sparkcam --host-sim [--headless] [--photos DIR] [--config FILE] [--state-dir DIR]\n"
    "       sparkcam --check-config [--config FILE]\n"
    "       sparkcam --diag [--config FILE] [--skip-buttons]\n"
    "       sparkcam --version | --help\n"
    "\n"
    "The kiosk: a short press of the edit button takes a picture and edits it with the\n"
    "current preset; a long press goes to the next preset; a press during an edit\n"
    "cancels it. Settings: /etc/sparkcam/sparkcam.conf (every key is documented in\n"
    "/usr/share/doc/sparkcam/sparkcam.conf.example).\n"
    "\n"
    "  --config FILE     the settings file (default /etc/sparkcam/sparkcam.conf)\n"
    "  --state-dir DIR   the journal and photos (default: $STATE_DIRECTORY, else the\n"
    "                    config's state_dir)\n"
    "  --host-sim        run on a desktop: an SDL window (space or a click: press; L or a\n"
    "                    long press: next preset), or headless: the screen in screen.png\n"
    "                    and the terminal (space, l, q); the camera is the config's\n"
    "                    webcam when there is one, else a folder of photos\n"
    "  --headless        never open a window\n"
    "  --photos DIR      the simulator's camera: the photos in DIR, one per press\n"
    "  --screen FILE     headless: where the screen is written (default screen.png)\n"
    "  --check-config    check the settings file: every problem as FILE:LINE: ...\n"
    "  --diag            check camera, buttons, LED, display, network, clock, disk, key\n"
    "  --skip-buttons    --diag: do not wait for a button press\n"
    "  -v, --verbose     log every state of an edit\n"
    "\n"
    "The API key: $SPARK_API_KEY, else the systemd credential api-key\n"
    "($CREDENTIALS_DIRECTORY/api-key), else the config's [api] key_file (mode 0600).\n"
    "exit codes: 0 stopped, 1 a device or start-up failure, 2 bad usage or config\n";

std::atomic<app::Controller*> g_controller{nullptr};
std::atomic<bool> g_stop{false};

void on_signal(int) {
  g_stop.store(true);
  if (app::Controller* c = g_controller.load()) c->stop();
}

void install_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

struct Options {
  std::string config = platform::kDefaultConfigPath;
  bool config_given = false;
  std::string state_dir, photos, screen = "screen.png";
  bool host_sim = false, headless = false, check = false, diag = false, skip_buttons = false;
  bool verbose = false;
};

int usage_error(const char* what, const char* arg) {
  std::fprintf(stderr, "sparkcam: %s%s%s\n(sparkcam --help for usage)\n", what, arg ? " " : "",
               arg ? arg : "");
  return kExitUsage;
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

ui::ResultLayout layout_of(app::ResultLayout l) {
  switch (l) {
    case app::ResultLayout::kBeforeAfter:
      return ui::ResultLayout::kBeforeAfter;
    case app::ResultLayout::kResultOnly:
      return ui::ResultLayout::kResultOnly;
    case app::ResultLayout::kSideBySide:
      break;
  }
  return ui::ResultLayout::kSideBySide;
}

app::KioskSettings kiosk_settings(const app::Config& c, const std::string& state_dir) {
  app::KioskSettings k;
  for (const app::PresetSettings& p : c.presets) k.presets.push_back({p.name, p.prompt, p.scale});
  k.capture_timeout_ms = c.camera.timeout_ms;
  k.result_show_s = c.timings.result_show_s;
  k.error_show_s = c.timings.error_show_s;
  k.layout = layout_of(c.display.result_layout);
  k.show_qr = c.display.show_qr;
  k.keep_results = c.keep_results;
  k.keep_count = c.keep_count;
  k.photos_dir = state_dir + "/photos";
  k.body_shape = c.api.body_shape == app::ApiSettings::BodyShape::kFlat ? "flat" : "wrapped";
  k.edit.poll.deadline_ms = c.timings.timeout_s * 1000;
  k.edit.poll.first_delay_ms = c.timings.poll_interval_ms;
  k.font = c.display.font;
  k.bold_font = c.display.bold_font;
  return k;
}

// The state directory: --state-dir, else $SPARK_STATE_DIR or systemd's
// $STATE_DIRECTORY, else the config's state_dir.
Result<std::string> state_dir_for(const Options& o, const app::Config& c) {
  std::string dir = o.state_dir;
  if (dir.empty() && !std::getenv("SPARK_STATE_DIR") && !std::getenv("STATE_DIRECTORY")) {
    dir = c.state_dir;
  }
  return app::resolve_state_dir(dir);
}

int print_problems(const app::ConfigParse& parsed) {
  for (const std::string& p : parsed.problems) std::fprintf(stderr, "%s\n", p.c_str());
  std::fprintf(stderr, "sparkcam: %zu problem%s in the settings; nothing was started\n",
               parsed.problems.size(), parsed.problems.size() == 1 ? "" : "s");
  return kExitUsage;
}

int check_config(const Options& o, const app::ConfigParse& parsed) {
  if (!parsed.ok()) return print_problems(parsed);
  const app::Config& c = parsed.config;
  std::printf("%s: OK: %zu preset%s, camera %s, %zu button%s, display %s, API %s\n",
              o.config.c_str(), c.presets.size(), c.presets.size() == 1 ? "" : "s",
              c.camera.kind == app::CameraSettings::Kind::kV4l2      ? c.camera.device.c_str()
              : c.camera.kind == app::CameraSettings::Kind::kCommand ? "command"
                                                                     : c.camera.dir.c_str(),
              c.buttons.empty() ? 1 : c.buttons.size(), c.buttons.size() > 1 ? "s" : "",
              c.display.kind == app::DisplaySettings::Kind::kNone ? "none"
                                                                  : c.display.device.c_str(),
              c.api.base.c_str());
  return kExitOk;
}

// The simulator's camera: --photos, else the config's webcam when it is
// there, else the config's folder.
std::unique_ptr<hal::Camera> host_camera(const Options& o, const app::Config& c,
                                         platform::Sys& sys, hal::Clock& clock, Status* error) {
  if (!o.photos.empty()) {
    platform::DirectoryConfig d;
    d.dir = app::absolute_path(o.photos);
    d.pick = platform::DirectoryConfig::Pick::kNext;
    SPARK_LOGI("host-sim", "camera: the photos in %s, one per press", d.dir.c_str());
    return std::make_unique<platform::DirectoryCamera>(clock, d);
  }
  if (c.camera.kind == app::CameraSettings::Kind::kV4l2 && c.camera.device[0] == '/' &&
      ::access(c.camera.device.c_str(), F_OK) != 0) {
    *error = Status::error(Code::kNotFound,
                           "no webcam at %s: pass --photos DIR (a folder of JPEGs) or set "
                           "[camera] kind = dir",
                           c.camera.device.c_str());
    return nullptr;
  }
  return platform::make_camera(c.camera, sys, clock, error);
}

Result<std::string> api_key(const app::Config& c) {
  if (const char* env = std::getenv("SPARK_API_KEY"); env && *env) return platform::load_api_key("");
  if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY")) {
    std::string path = std::string(creds) + "/api-key";
    if (::access(path.c_str(), F_OK) == 0) return platform::load_key_file(path);
  }
  return platform::load_api_key(c.api.key_file);
}

int run(const Options& o, const app::Config& c) {
  auto state_dir = state_dir_for(o, c);
  if (!state_dir.is_ok()) {
    std::fprintf(stderr, "sparkcam: %s\n", state_dir.status().message());
    return kExitUsage;
  }
  app::StackConfig sc;
  sc.state_dir = *state_dir;
  auto key = api_key(c);
  if (!key.is_ok()) {
    std::fprintf(stderr, "sparkcam: %s\n", key.status().message());
    return kExitFailed;
  }
  sc.api.key = std::move(key).value();
  log::add_secret(sc.api.key).ignore();
  sc.api.api_base = c.api.base;
  sc.api.body_shape =
      c.api.body_shape == app::ApiSettings::BodyShape::kFlat ? api::BodyShape::kFlat
                                                             : api::BodyShape::kWrapped;
  sc.tls.ca_file = c.api.ca_file.empty() ? tls::kSystemCaFile : c.api.ca_file;
  app::load_proxy_environment(sc.http);
  auto stack = app::EditStack::open(sc);
  text::wipe(sc.api.key);
  if (!stack.is_ok()) {
    std::fprintf(stderr, "sparkcam: %s\n", stack.status().message());
    return kExitFailed;
  }
  app::Edits edits(**stack);
  platform::Sys& sys = platform::real_sys();
  hal::Clock& clock = (*stack)->clock;
  platform::SdNotify notifier;
  install_signals();

  app::KioskSettings settings = kiosk_settings(c, *state_dir);
  platform::KioskHardware hw(sys, clock);
  platform::HostDevices host(clock);
  Status error;
  std::unique_ptr<hal::Camera> sim_camera;
  hal::Camera* camera = nullptr;
  hal::Button* button = nullptr;
  hal::Display* display = nullptr;
  hal::Indicator* led = nullptr;
  if (o.host_sim) {
    sim_camera = host_camera(o, c, sys, clock, &error);
    if (!sim_camera) {
      std::fprintf(stderr, "sparkcam: %s\n", error.message());
      return kExitFailed;
    }
    platform::HostDevicesConfig hc;
    hc.rotation = static_cast<hal::Rotation>(c.display.rotation);
    bool turned = c.display.rotation == 90 || c.display.rotation == 270;
    hc.width = turned ? 480 : 800;
    hc.height = turned ? 800 : 480;
    if (const char* size = std::getenv("SPARKCAM_SIM_SIZE")) {
      unsigned w = 0, h = 0;
      if (std::sscanf(size, "%ux%u", &w, &h) == 2 && w >= 160 && h >= 160 && w <= 4096 &&
          h <= 4096) {
        hc.width = w;
        hc.height = h;
      }
    }
    hc.headless = o.headless;
    hc.png_path = o.screen.c_str();
    hc.long_press_ms = c.buttons.empty() ? 1500 : c.buttons[0].long_press_ms;
    if (Status s = host.open(hc); !s.is_ok()) {
      std::fprintf(stderr, "sparkcam: %s\n", s.message());
      return kExitFailed;
    }
    SPARK_LOGI("host-sim", "%s", host.note());
    camera = sim_camera.get();
    button = &host.button();
    display = &host.display();
  } else {
    if (Status s = platform::open_kiosk_hardware(c, sys, clock, hw); !s.is_ok()) {
      std::fprintf(stderr, "sparkcam: %s\n(sparkcam --diag checks every device)\n", s.message());
      return kExitFailed;
    }
    settings.next_buttons = hw.next_buttons;
    camera = hw.camera.get();
    button = &hw.button();
    display = hw.display.get();
    led = hw.led.get();
  }
  SPARK_LOGI("kiosk", "sparkcam %s: camera %s (%s), state %s, API %s", SPARKCAM_VERSION,
             std::string(camera->name()).c_str(), hal::camera_kind_name(camera->kind()),
             state_dir->c_str(), c.api.base.c_str());

  app::KioskDevices devices{*camera, *button, clock, led, display, &notifier};
  app::Controller controller(devices, edits, settings);
  g_controller.store(&controller);
  if (g_stop.load()) controller.stop();
  Status s = controller.start();
  if (s.is_ok()) s = controller.run();
  g_controller.store(nullptr);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  SPARK_LOGI("kiosk", "stopped after %u edit(s); peak RSS %ld KB", controller.edits_started(),
             ru.ru_maxrss);
  if (!s.is_ok()) {
    if (o.host_sim && s.code() == Code::kUnavailable) return kExitOk;  // end of the key input
    std::fprintf(stderr, "sparkcam: %s\n", s.message());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h")) {
      std::fputs(kUsage, stdout);
      return kExitOk;
    } else if (!std::strcmp(a, "--version")) {
      std::printf("sparkcam %s (%s)\n", SPARKCAM_VERSION, SPARKCAM_REVISION);
      return kExitOk;
    } else if (!std::strcmp(a, "--config")) {
      if (!value(o.config)) return usage_error("--config needs a file", nullptr);
      o.config_given = true;
    } else if (!std::strcmp(a, "--state-dir")) {
      if (!value(o.state_dir)) return usage_error("--state-dir needs a folder", nullptr);
    } else if (!std::strcmp(a, "--photos")) {
      if (!value(o.photos)) return usage_error("--photos needs a folder", nullptr);
      if (!is_dir(o.photos)) return usage_error("--photos: no such folder:", o.photos.c_str());
    } else if (!std::strcmp(a, "--screen")) {
      if (!value(o.screen)) return usage_error("--screen needs a file", nullptr);
    } else if (!std::strcmp(a, "--host-sim")) {
      o.host_sim = true;
    } else if (!std::strcmp(a, "--headless")) {
      o.headless = true;
    } else if (!std::strcmp(a, "--check-config")) {
      o.check = true;
    } else if (!std::strcmp(a, "--diag")) {
      o.diag = true;
    } else if (!std::strcmp(a, "--skip-buttons")) {
      o.skip_buttons = true;
    } else if (!std::strcmp(a, "-v") || !std::strcmp(a, "--verbose")) {
      o.verbose = true;
    } else {
      return usage_error("unknown argument", a);
    }
  }
  if (o.check + o.diag + o.host_sim > 1) {
    return usage_error("--check-config, --diag and --host-sim are separate runs", nullptr);
  }
  if ((o.headless || !o.photos.empty()) && !o.host_sim) {
    return usage_error("--headless and --photos go with --host-sim", nullptr);
  }
  log::set_level(o.verbose ? log::Level::kDebug : log::Level::kInfo);
  app::ConfigParse parsed = platform::load_config_file(o.config);
  if (o.check) return check_config(o, parsed);
  if (!parsed.ok()) return print_problems(parsed);
  if (o.diag) {
    sparkcam::DiagOptions d;
    d.skip_buttons = o.skip_buttons;
    auto state_dir = state_dir_for(o, parsed.config);
    d.state_dir = state_dir.is_ok() ? *state_dir : std::string();
    d.state_dir_error = state_dir.is_ok() ? std::string() : state_dir.status().message();
    d.key = api_key(parsed.config).status();
    return sparkcam::run_diag(parsed.config, d) ? kExitOk : kExitFailed;
  }
  return run(o, parsed.config);
}
