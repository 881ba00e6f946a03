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
#include "platform/host/png_file.h"
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
    "  --screen FILE     where the simulator writes each screen as a PNG (headless:\n"
    "                    default screen.png; with the window: only when given; -: none,\n"
    "                    frames are drawn and dropped)\n"
    "  --screens-dir DIR the simulator also keeps the last frame of each screen as\n"
    "                    DIR/<screen>-<W>x<H>.png (tools/screens makes the README's)\n"
    "  --check-config    check the settings file: every problem as FILE:LINE: ...\n"
    "  --diag            check camera, buttons, LED, display, network, clock, disk, key\n"
    "  --skip-buttons    --diag: do not wait for a button press\n"
    "  -v, --verbose     log every state of an edit\n"
    "\n"
    "The API key: $SPARK_API_KEY, else the systemd credential api-key\n"
    "($CREDENTIALS_DIRECTORY/api-key), else the config's [api] key_file (mode 0600).\n"
    "exit codes: 0 stopped, 1 a device or start-up failure, 2 bad usage or config\n";

// The window, with each frame also written to a PNG (--screen with the
// window: what tests compare a screenshot with).
class TeeDisplay final : public hal::Display {
 public:
  TeeDisplay(hal::Display& inner, const char* png) : inner_(inner), png_(png) {}
  hal::DisplayInfo info() const override { return inner_.info(); }
  Status present(const hal::Frame& frame) override {
    SPARK_TRY(inner_.present(frame));
    return platform::write_png_atomic(png_, frame);
  }
  const char* describe() const override { return inner_.describe(); }

 private:
  hal::Display& inner_;
  const char* png_;
};

// --screen -: frames are drawn as on the device, then dropped (no PNG, no
// preview): what tools/bench/kiosk times, the display's cost left out.
class DropDisplay final : public hal::Display {
 public:
  explicit DropDisplay(const hal::DisplayInfo& info) : info_(info) {}
  hal::DisplayInfo info() const override { return info_; }
  Status present(const hal::Frame&) override { return Status::ok(); }
  const char* describe() const override { return "no output (--screen -)"; }

 private:
  hal::DisplayInfo info_;
};

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
  std::string state_dir, photos, screen = "screen.png", screens_dir;
  bool screen_given = false;
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
  k.edit.resume_hint = "sparkcam resumes it when it starts again";
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
  std::printf(
      "%s: OK: %zu preset%s, camera %s, %zu button%s, display %s, API %s\n", o.config.c_str(),
      c.presets.size(), c.presets.size() == 1 ? "" : "s",
      c.camera.kind == app::CameraSettings::Kind::kV4l2      ? c.camera.device.c_str()
      : c.camera.kind == app::CameraSettings::Kind::kCommand ? "command"
                                                             : c.camera.dir.c_str(),
      c.buttons.empty() ? 1 : c.buttons.size(), c.buttons.size() > 1 ? "s" : "",
      c.display.kind == app::DisplaySettings::Kind::kNone ? "none" : c.display.device.c_str(),
      c.api.base.c_str());
  return kExitOk;
}

// The simulator's camera: --photos, else the config's webcam when it is
// there, else the config's folder.
std::unique_ptr<hal::Camera> host_camera(const Options& o, const app::Config& c, platform::Sys& sys,
                                         hal::Clock& clock, Status* error) {
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
  if (const char* env = std::getenv("SPARK_API_KEY"); env && *env)
    return platform::load_api_key("");
  if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY")) {
    std::string path = std::string(creds) + "/api-key";
    if (::access(path.c_str(), F_OK) == 0) {
      return platform::load_key_file(path, platform::KeyFileKind::kSystemdCredential);
    }
  }
  return platform::load_api_key(c.api.key_file);
}

Result<std::unique_ptr<app::EditStack>> open_stack(const app::Config& c,
                                                   const std::string& state_dir) {
  app::StackConfig sc;
  sc.state_dir = state_dir;
  SPARK_TRY_ASSIGN(sc.api.key, api_key(c));
  sc.api.api_base = c.api.base;
  sc.api.body_shape = c.api.body_shape == app::ApiSettings::BodyShape::kFlat
                          ? api::BodyShape::kFlat
                          : api::BodyShape::kWrapped;
  sc.tls.ca_file = c.api.ca_file.empty() ? tls::kSystemCaFile : c.api.ca_file;
  app::load_proxy_environment(sc.http);
  auto stack = app::EditStack::open(sc);
  text::wipe(sc.api.key);  // the API client holds the one copy it needs
  return stack;
}

// The devices the controller runs on, whichever kind.
struct Devices {
  Devices(platform::Sys& sys, hal::Clock& clock) : hw(sys, clock), host(clock) {}
  platform::KioskHardware hw;
  platform::HostDevices host;
  std::unique_ptr<hal::Camera> sim_camera;
  std::unique_ptr<TeeDisplay> tee;
  std::unique_ptr<DropDisplay> drop;
  hal::Camera* camera = nullptr;
  hal::Button* button = nullptr;
  hal::Display* display = nullptr;
  hal::Indicator* led = nullptr;
};

platform::HostDevicesConfig host_config(const Options& o, const app::Config& c) {
  platform::HostDevicesConfig hc;
  hc.rotation = static_cast<hal::Rotation>(c.display.rotation);
  bool turned = c.display.rotation == 90 || c.display.rotation == 270;
  hc.width = turned ? 480 : 800;
  hc.height = turned ? 800 : 480;
  unsigned w = 0, h = 0;
  const char* size = std::getenv("SPARKCAM_SIM_SIZE");
  if (size && std::sscanf(size, "%ux%u", &w, &h) == 2 && w >= 160 && h >= 160 && w <= 4096 &&
      h <= 4096) {
    hc.width = w;
    hc.height = h;
  }
  hc.headless = o.headless;
  hc.png_path = o.screen == "-" ? "/dev/null" : o.screen.c_str();
  hc.long_press_ms = c.buttons.empty() ? 1500 : c.buttons[0].long_press_ms;
  return hc;
}

// The last frame of each kind of screen, as DIR/<kind>-<W>x<H>.png.
void keep_screens(const std::string& dir, app::KioskSettings& settings) {
  settings.on_frame = [dir](ui::ScreenKind kind, const hal::Frame& f) {
    std::string path = dir + "/" + ui::screen_kind_name(kind) + "-" + std::to_string(f.width) +
                       "x" + std::to_string(f.height) + ".png";
    Status s = platform::write_png_atomic(path.c_str(), f);
    if (!s.is_ok()) SPARK_LOGW("host-sim", "%s", s.message());
  };
}

Status open_host_sim(const Options& o, const app::Config& c, platform::Sys& sys, hal::Clock& clock,
                     Devices& d, app::KioskSettings& settings) {
  Status error;
  d.sim_camera = host_camera(o, c, sys, clock, &error);
  if (!d.sim_camera) return error;
  SPARK_TRY(d.host.open(host_config(o, c)));
  SPARK_LOGI("host-sim", "%s", d.host.note());
  d.camera = d.sim_camera.get();
  d.button = &d.host.button();
  d.display = &d.host.display();
  if (!o.screens_dir.empty()) keep_screens(o.screens_dir, settings);
  if (o.screen == "-") {
    d.drop = std::make_unique<DropDisplay>(d.host.display().info());
    d.display = d.drop.get();
  } else if (d.host.windowed() && o.screen_given) {
    d.tee = std::make_unique<TeeDisplay>(d.host.display(), o.screen.c_str());
    d.display = d.tee.get();
  }
  return Status::ok();
}

Status open_device(const app::Config& c, platform::Sys& sys, hal::Clock& clock, Devices& d,
                   app::KioskSettings& settings) {
  SPARK_TRY(platform::open_kiosk_hardware(c, sys, clock, d.hw));
  settings.next_buttons = d.hw.next_buttons;
  d.camera = d.hw.camera.get();
  d.button = &d.hw.button();
  d.display = d.hw.display.get();
  d.led = d.hw.led.get();
  return Status::ok();
}

int run(const Options& o, const app::Config& c) {
  auto state_dir = state_dir_for(o, c);
  if (!state_dir.is_ok()) {
    std::fprintf(stderr, "sparkcam: %s\n", state_dir.status().message());
    return kExitUsage;
  }
  auto stack = open_stack(c, *state_dir);
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
  Devices d(sys, clock);
  Status opened = o.host_sim ? open_host_sim(o, c, sys, clock, d, settings)
                             : open_device(c, sys, clock, d, settings);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "sparkcam: %s\n%s", opened.message(),
                 o.host_sim ? "" : "(sparkcam --diag checks every device)\n");
    return kExitFailed;
  }
  SPARK_LOGI("kiosk", "sparkcam %s: camera %s (%s), state %s, API %s", SPARKCAM_VERSION,
             std::string(d.camera->name()).c_str(), hal::camera_kind_name(d.camera->kind()),
             state_dir->c_str(), c.api.base.c_str());

  app::KioskDevices devices{*d.camera, *d.button, clock, d.led, d.display, &notifier};
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

namespace {

// An option with a value at argv[i]: kTaken (i moved past the value),
// kNotThis, or an exit code for bad usage.
constexpr int kTaken = -2, kNotThis = -1;
int take_value(int argc, char** argv, int& i, Options& o) {
  static const struct {
    const char* name;
    std::string Options::*value;
    bool Options::*given;
    bool folder;  // must exist
  } kValues[] = {{"--config", &Options::config, &Options::config_given, false},
                 {"--state-dir", &Options::state_dir, nullptr, false},
                 {"--photos", &Options::photos, nullptr, true},
                 {"--screen", &Options::screen, &Options::screen_given, false},
                 {"--screens-dir", &Options::screens_dir, nullptr, true}};
  for (const auto& v : kValues) {
    if (std::strcmp(argv[i], v.name) != 0) continue;
    if (i + 1 >= argc) return usage_error(argv[i], "needs a value");
    o.*v.value = argv[++i];
    if (v.given) o.*v.given = true;
    if (v.folder && !is_dir(o.*v.value)) return usage_error("no such folder:", argv[i]);
    return kTaken;
  }
  return kNotThis;
}

// The command line into o; an exit code when the run ends here (help,
// version, bad usage), else -1.
int parse_args(int argc, char** argv, Options& o) {
  static const struct {
    const char* name;
    bool Options::*flag;
  } kFlags[] = {{"--host-sim", &Options::host_sim},
                {"--headless", &Options::headless},
                {"--check-config", &Options::check},
                {"--diag", &Options::diag},
                {"--skip-buttons", &Options::skip_buttons},
                {"-v", &Options::verbose},
                {"--verbose", &Options::verbose}};
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (!std::strcmp(a, "--help") || !std::strcmp(a, "-h")) {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
    if (!std::strcmp(a, "--version")) {
      std::printf("sparkcam %s (%s)\n", SPARKCAM_VERSION, SPARKCAM_REVISION);
      return kExitOk;
    }
    bool known = false;
    for (const auto& f : kFlags) {
      if (!std::strcmp(a, f.name)) known = o.*f.flag = true;
    }
    if (known) continue;
    int taken = take_value(argc, argv, i, o);
    if (taken == kNotThis) return usage_error("unknown argument", a);
    if (taken != kTaken) return taken;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (int rc = parse_args(argc, argv, o); rc >= 0) return rc;
  if (o.check + o.diag + o.host_sim > 1) {
    return usage_error("--check-config, --diag and --host-sim are separate runs", nullptr);
  }
  if ((o.headless || !o.photos.empty() || !o.screens_dir.empty()) && !o.host_sim) {
    return usage_error("--headless, --photos and --screens-dir go with --host-sim", nullptr);
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
