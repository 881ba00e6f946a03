#include "diag.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "http/url.h"
#include "platform/linux/fb_display.h"
#include "platform/linux/gpio.h"
#include "platform/linux/kiosk_devices.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/posix_socket.h"
#include "platform/linux/sysfs_led.h"
#include "tls/probe.h"

using namespace spark;

namespace sparkcam {
namespace {

bool g_failed = false;

__attribute__((format(printf, 3, 4))) void line(const char* verdict, const char* what,
                                                const char* fmt, ...) {
  char text[768];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  for (char* p = text; *p; ++p) {
    if (*p == '\n') *p = ' ';
  }
  std::printf("%-4s  %-9s %s\n", verdict, what, text);
  std::fflush(stdout);
  if (!std::strcmp(verdict, "FAIL")) g_failed = true;
}

// The build's date, from __DATE__ ("Nov 29 2026"): a clock before it is wrong.
std::time_t build_day() {
  static const char* months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  char mon[4] = {};
  int day = 0, year = 0;
  if (std::sscanf(__DATE__, "%3s %d %d", mon, &day, &year) != 3) return 0;
  const char* m = std::strstr(months, mon);
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = m ? static_cast<int>((m - months) / 3) : 0;
  tm.tm_mday = day;
  return timegm(&tm);
}

void check_clock() {
  std::time_t now = std::time(nullptr), floor = build_day() - 86400;
  char when[32];
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
  if (now < floor) {
    line("FAIL", "clock",
         "the clock says %s, before this program was built: certificates cannot "
         "be checked -> let the time sync (timedatectl; a Pi has no battery clock) or fit an RTC",
         when);
  } else {
    line("OK", "clock", "%s", when);
  }
}

void check_state(const DiagOptions& o) {
  if (o.state_dir.empty()) {
    line("FAIL", "state", "%s -> set state_dir in the config or run under systemd",
         o.state_dir_error.c_str());
    return;
  }
  // Not made yet (the first start makes it): the space where it will be.
  std::string where = o.state_dir;
  struct statvfs fs {};
  while (statvfs(where.c_str(), &fs) != 0 && errno == ENOENT && where.size() > 1) {
    size_t slash = where.find_last_of('/');
    where = slash == 0 || slash == std::string::npos ? "/" : where.substr(0, slash);
  }
  if (statvfs(where.c_str(), &fs) != 0) {
    line("FAIL", "state", "%s: %s -> create it (the service's StateDirectory= does)", where.c_str(),
         std::strerror(errno));
    return;
  }
  const char* note = where == o.state_dir ? "" : " (not made yet: the first start makes it)";
  uint64_t free_mb = uint64_t{fs.f_bavail} * fs.f_frsize / 1000000;
  if (free_mb < 100) {
    line("FAIL", "state", "%s%s: %llu MB free -> free space (lower keep_count)",
         o.state_dir.c_str(), note, static_cast<unsigned long long>(free_mb));
  } else {
    line("OK", "state", "%s%s: %llu MB free", o.state_dir.c_str(), note,
         static_cast<unsigned long long>(free_mb));
  }
}

void check_camera(const app::Config& c, platform::Sys& sys, hal::Clock& clock) {
  Status error;
  auto camera = platform::make_camera(c.camera, sys, clock, &error);
  if (!camera) {
    line("FAIL", "camera", "%s -> fix [camera] in the config", error.message());
    return;
  }
  CountingSink sink;
  uint64_t t0 = clock.now_ms();
  auto frame = camera->capture(sink, hal::Deadline::after(clock, c.camera.timeout_ms));
  uint64_t ms = clock.now_ms() - t0;
  if (!frame.is_ok()) {
    line("FAIL", "camera", "%s: %s -> check the cable and sparkcam-probe cameras",
         std::string(camera->name()).c_str(), frame.status().message());
    return;
  }
  char size[32] = "";
  if (frame->resolution.width) {
    std::snprintf(size, sizeof size, "%ux%u ", frame->resolution.width, frame->resolution.height);
  }
  line("OK", "camera", "%s: %s%s, %llu KB in %llu ms", std::string(camera->name()).c_str(), size,
       frame->format == hal::FrameFormat::kPng ? "PNG" : "JPEG",
       static_cast<unsigned long long>(frame->bytes / 1024), static_cast<unsigned long long>(ms));
}

void check_buttons(const app::Config& c, const DiagOptions& o, platform::Sys& sys,
                   hal::Clock& clock) {
  app::Config only = c;
  only.led.kind = app::LedSettings::Kind::kNone;
  only.display.kind = app::DisplaySettings::Kind::kNone;
  platform::KioskHardware hw(sys, clock);
  if (Status s = platform::open_kiosk_hardware(only, sys, clock, hw); !s.is_ok()) {
    line("FAIL", "button", "%s -> sparkcam-probe buttons lists what is there", s.message());
    return;
  }
  if (o.skip_buttons) {
    line("SKIP", "button", "%zu button(s) opened; no press asked (--skip-buttons)",
         hw.buttons.size());
    return;
  }
  std::printf("      button    press a button within %u s...\n", o.button_wait_s);
  std::fflush(stdout);
  uint64_t t0 = clock.now_ms();
  hal::Deadline until = hal::Deadline::after(clock, uint64_t{o.button_wait_s} * 1000);
  while (!until.expired(clock)) {
    auto ev = hw.button().wait(until);
    if (!ev.is_ok()) {
      line("FAIL", "button", "%s -> check the wiring", ev.status().message());
      return;
    }
    if (*ev && (*ev)->kind == hal::ButtonEvent::Kind::kPress) {
      line("OK", "button", "button %u (%s) pressed after %llu ms", (*ev)->source,
           hw.buttons[(*ev)->source]->describe(),
           static_cast<unsigned long long>(clock.now_ms() - t0));
      return;
    }
  }
  line("FAIL", "button",
       "no press within %u s -> check the wiring (GPIO to ground), "
       "sparkcam-probe press",
       o.button_wait_s);
}

void check_led(const app::Config& c, platform::Sys& sys, hal::Clock& clock) {
  const app::LedSettings& l = c.led;
  std::unique_ptr<platform::PatternLed> led;
  Status s;
  if (l.kind == app::LedSettings::Kind::kNone) {
    line("SKIP", "led", "none configured");
    return;
  }
  if (l.kind == app::LedSettings::Kind::kGpio) {
    auto g = std::make_unique<platform::GpioLed>(sys);
    platform::GpioLedConfig gc;
    gc.chip = l.chip.c_str();
    gc.line = l.line.c_str();
    gc.active_low = l.active_low;
    s = g->open(gc);
    led = std::move(g);
  } else {
    auto f = std::make_unique<platform::SysfsLed>(sys);
    s = f->open(l.name.c_str());
    led = std::move(f);
  }
  if (!s.is_ok()) {
    line("FAIL", "led", "%s -> sparkcam-probe led", s.message());
    return;
  }
  uint64_t t0 = clock.now_ms();
  s = led->show(hal::Pattern::kFastBlink, t0);
  while (s.is_ok() && clock.now_ms() - t0 < 1000) {
    uint64_t next = led->next_change_ms(), now = clock.now_ms();
    clock.sleep_ms(static_cast<uint32_t>(next > now ? std::min<uint64_t>(next - now, 100) : 1));
    s = led->tick(clock.now_ms());
  }
  if (s.is_ok()) s = led->show(hal::Pattern::kOff, clock.now_ms());
  if (!s.is_ok()) {
    line("FAIL", "led", "%s: %s", led->describe(), s.message());
  } else {
    line("OK", "led", "%s blinked for 1 s (look at it)", led->describe());
  }
}

void check_display(const app::Config& c, platform::Sys& sys) {
  if (c.display.kind == app::DisplaySettings::Kind::kNone) {
    line("SKIP", "display", "none configured (headless)");
    return;
  }
  platform::FbDisplay fb(sys);
  platform::FbDisplayConfig fc;
  fc.device = c.display.device.c_str();
  fc.rotation = static_cast<hal::Rotation>(c.display.rotation);
  if (Status s = fb.open(fc); !s.is_ok()) {
    line("FAIL", "display", "%s -> sparkcam-probe displays; the service needs the video group",
         s.message());
    return;
  }
  hal::DisplayInfo in = fb.info();
  line("OK", "display", "%s: %ux%u as drawn, rotation %u, %u bpp%s", fb.describe(), in.width,
       in.height, static_cast<unsigned>(in.rotation), in.bits_per_pixel,
       in.page_flip ? ", page flipping" : "");
}

void check_network(const app::Config& c, hal::Clock& clock) {
  auto url = http::parse_url(c.api.base);
  if (!url.is_ok()) {
    line("FAIL", "network", "[api] base '%s': %s", c.api.base.c_str(), url.status().message());
    return;
  }
  platform::GetrandomEntropy entropy;
  platform::PosixResolver resolver;
  platform::PosixSocket socket(clock, resolver);
  tls::Config tc;
  tc.ca_file = c.api.ca_file.empty() ? tls::kSystemCaFile : c.api.ca_file;
  tls::Context context;
  if (Status s = context.init(tc, entropy); !s.is_ok()) {
    line("FAIL", "network", "%s -> check [api] ca_file", s.message());
    return;
  }
  std::string host(url->host);
  tls::ProbeReport r;
  Status s =
      tls::probe(context, socket, clock, host, url->port, hal::Deadline::after(clock, 15000), r);
  if (!s.is_ok()) {
    line("FAIL", "network", "%s:%u: %s -> check the network, DNS and the clock", host.c_str(),
         static_cast<unsigned>(url->port), s.message());
    return;
  }
  line("OK", "network", "%s:%u: %s %s, certificate valid to %s, connect %llu ms, handshake %llu ms",
       host.c_str(), static_cast<unsigned>(url->port), r.info.version, r.info.suite,
       r.info.valid_to, static_cast<unsigned long long>(r.connect_ms),
       static_cast<unsigned long long>(r.info.handshake_ms));
}

}  // namespace

bool run_diag(const app::Config& config, const DiagOptions& o) {
  g_failed = false;
  platform::MonotonicClock clock;
  platform::Sys& sys = platform::real_sys();
  check_clock();
  if (o.key.is_ok()) {
    line("OK", "key", "present (not shown)");
  } else {
    line("FAIL", "key", "%s", o.key.message());
  }
  check_state(o);
  check_camera(config, sys, clock);
  check_buttons(config, o, sys, clock);
  check_led(config, sys, clock);
  check_display(config, sys);
  check_network(config, clock);
  return !g_failed;
}

}  // namespace sparkcam
