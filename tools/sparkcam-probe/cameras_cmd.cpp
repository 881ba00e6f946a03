// sparkcam-probe cameras | capture: list V4L2 cameras, capture one picture.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "platform/linux/command_camera.h"
#include "platform/linux/directory_camera.h"
#include "platform/linux/file_io.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/sys.h"
#include "platform/linux/v4l2_camera.h"
#include "probe.h"

namespace spark::probe {
namespace {

using platform::V4l2DeviceInfo;

bool is_help(const char* a) {
  return std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0;
}

const char kNoCameras[] =
    "no cameras found: there is no /dev/video* device.\n"
    "A USB (UVC) webcam appears as /dev/video0 when plugged in (check `dmesg | tail`).\n"
    "A Raspberry Pi camera module is captured through rpicam-still:\n"
    "  sparkcam-probe capture OUT.jpg --command 'rpicam-still -n -t 1 -e jpg -o -'\n";

void print_device(const V4l2DeviceInfo& d) {
  if (!d.error.empty()) {
    std::printf("%s: %s\n", d.path.c_str(), d.error.c_str());
    return;
  }
  std::printf("%s: %s (driver %s, %s)%s\n", d.path.c_str(), d.card.c_str(), d.driver.c_str(),
              d.bus.c_str(), d.capture ? "" : " - not a capture node (metadata), skip it");
  if (!d.capture) return;
  std::printf("  formats: ");
  for (size_t i = 0; i < d.formats.size(); ++i) {
    std::printf("%s%s", i ? ", " : "", d.formats[i].c_str());
  }
  std::printf("%s\n", d.formats.empty() ? "none" : "");
  if (d.mjpeg_sizes.empty()) {
    std::printf("  MJPEG: not offered - sparkcam cannot use this camera\n");
    return;
  }
  std::printf("  MJPEG sizes: ");
  for (size_t i = 0; i < d.mjpeg_sizes.size(); ++i) {
    std::printf("%s%ux%u", i ? " " : "", d.mjpeg_sizes[i].width, d.mjpeg_sizes[i].height);
  }
  std::printf("\n");
}

bool parse_size(const char* s, uint32_t& w, uint32_t& h) {
  char* end = nullptr;
  unsigned long a = std::strtoul(s, &end, 10);
  if (end == s || (*end != 'x' && *end != 'X')) return false;
  const char* t = end + 1;
  unsigned long b = std::strtoul(t, &end, 10);
  if (end == t || *end != '\0' || a == 0 || b == 0 || a > 65535 || b > 65535) return false;
  w = static_cast<uint32_t>(a);
  h = static_cast<uint32_t>(b);
  return true;
}

bool parse_uint(const char* s, uint32_t max, uint32_t& out) {
  char* end = nullptr;
  unsigned long v = std::strtoul(s, &end, 10);
  if (end == s || *end != '\0' || v > max || s[0] == '-') return false;
  out = static_cast<uint32_t>(v);
  return true;
}

const char kCaptureHelp[] =
    "usage: sparkcam-probe capture OUT [SOURCE] [options]\n"
    "Captures one picture and writes it to OUT atomically (a temporary file renamed\n"
    "into place), then prints its size, resolution and how long the capture took.\n"
    "\nSOURCE, one of:\n"
    "  --device PATH|NAME  a V4L2 camera by path (/dev/video0) or card name\n"
    "                      (\"HD Pro Webcam C920\", or a unique part of it)\n"
    "  --command 'ARGV...' a program writing one JPEG to stdout, split into words\n"
    "                      (quotes allowed, no shell), e.g.\n"
    "                      'rpicam-still -n -t 1 -e jpg -o -'\n"
    "  --dir DIR           the newest .jpg/.jpeg/.png in DIR (--pick next: round-robin)\n"
    "Without a source: the first V4L2 camera that offers MJPEG.\n"
    "\noptions:\n"
    "  --max-size WxH      V4L2: the largest MJPEG size to use (default 1920x1080)\n"
    "  --warmup N          V4L2: frames dropped while exposure settles (default 5)\n"
    "  --timeout S         give up after S seconds (default 10)\n"
    "  --pick newest|next  --dir: which picture (default newest)\n"
    "\nexit codes: 0 ok, 1 capture failed, 2 usage, 3 camera/program/folder not found\n";

}  // namespace

int cameras_main(int argc, char** argv) {
  if (argc > 0 && is_help(argv[0])) {
    std::printf(
        "usage: sparkcam-probe cameras\n"
        "Lists the V4L2 devices (/dev/video*) with card name, driver, bus, formats and\n"
        "MJPEG frame sizes. A USB webcam usually shows two nodes: the capture node and a\n"
        "metadata node. Use the card name or the path with `capture --device`.\n"
        "exit codes: 0 cameras listed, 3 none found\n");
    return kExitOk;
  }
  if (argc > 0) {
    std::fprintf(stderr, "sparkcam-probe cameras: unexpected argument '%s' (see --help)\n",
                 argv[0]);
    return kExitUsage;
  }
  auto list = platform::list_v4l2_cameras(platform::real_sys());
  if (list.empty()) {
    std::fputs(kNoCameras, stdout);
    return kExitNotFound;
  }
  int usable = 0;
  for (const V4l2DeviceInfo& d : list) {
    print_device(d);
    if (d.capture && !d.mjpeg_sizes.empty()) ++usable;
  }
  std::printf("%d usable camera%s (capture node with MJPEG)\n", usable, usable == 1 ? "" : "s");
  return kExitOk;
}

int capture_main(int argc, char** argv) {
  const char* out = nullptr;
  const char* device = nullptr;
  const char* command = nullptr;
  const char* dir = nullptr;
  const char* pick = "newest";
  platform::V4l2Config v4l2;
  double timeout_s = 10;
  for (int i = 0; i < argc; ++i) {
    const char* a = argv[i];
    if (is_help(a)) {
      std::fputs(kCaptureHelp, stdout);
      return kExitOk;
    }
    bool takes_value = a[0] == '-' && a[1] == '-';
    if (takes_value && i + 1 >= argc) {
      std::fprintf(stderr, "sparkcam-probe capture: %s needs a value (see --help)\n", a);
      return kExitUsage;
    }
    const char* v = takes_value ? argv[i + 1] : "";
    bool ok = true;
    if (std::strcmp(a, "--device") == 0) {
      device = v;
    } else if (std::strcmp(a, "--command") == 0) {
      command = v;
    } else if (std::strcmp(a, "--dir") == 0) {
      dir = v;
    } else if (std::strcmp(a, "--pick") == 0) {
      pick = v;
      ok = std::strcmp(v, "newest") == 0 || std::strcmp(v, "next") == 0;
    } else if (std::strcmp(a, "--max-size") == 0) {
      ok = parse_size(v, v4l2.max_width, v4l2.max_height);
    } else if (std::strcmp(a, "--warmup") == 0) {
      ok = parse_uint(v, 1000, v4l2.warmup_frames);
    } else if (std::strcmp(a, "--timeout") == 0) {
      char* end = nullptr;
      timeout_s = std::strtod(v, &end);
      ok = end != v && *end == '\0' && timeout_s > 0 && timeout_s <= 3600;
    } else if (a[0] == '-' && a[1] != '\0') {
      std::fprintf(stderr, "sparkcam-probe capture: unknown option %s (see --help)\n", a);
      return kExitUsage;
    } else if (out == nullptr) {
      out = a;
      continue;
    } else {
      std::fprintf(stderr, "sparkcam-probe capture: unexpected argument '%s' (see --help)\n", a);
      return kExitUsage;
    }
    if (!ok) {
      std::fprintf(stderr, "sparkcam-probe capture: bad value for %s: '%s' (see --help)\n", a, v);
      return kExitUsage;
    }
    ++i;
  }
  if (out == nullptr) {
    std::fprintf(stderr, "sparkcam-probe capture: which file? usage: capture OUT [options]\n");
    return kExitUsage;
  }
  if ((device != nullptr) + (command != nullptr) + (dir != nullptr) > 1) {
    std::fprintf(stderr, "sparkcam-probe capture: give one of --device, --command, --dir\n");
    return kExitUsage;
  }

  platform::MonotonicClock clock;
  std::unique_ptr<hal::Camera> camera;
  if (command != nullptr) {
    auto argv_r = platform::split_command_line(command);
    if (!argv_r.is_ok()) {
      std::fprintf(stderr, "sparkcam-probe capture: --command: %s\n", argv_r.status().message());
      return kExitUsage;
    }
    platform::CommandConfig c;
    c.argv = std::move(argv_r).value();
    camera = std::make_unique<platform::CommandCamera>(clock, std::move(c));
  } else if (dir != nullptr) {
    platform::DirectoryConfig c;
    c.dir = dir;
    c.pick = std::strcmp(pick, "next") == 0 ? platform::DirectoryConfig::Pick::kNext
                                            : platform::DirectoryConfig::Pick::kNewest;
    camera = std::make_unique<platform::DirectoryCamera>(clock, std::move(c));
  } else {
    if (device == nullptr) {
      auto list = platform::list_v4l2_cameras(platform::real_sys());
      if (list.empty()) {
        std::fputs(kNoCameras, stderr);
        return kExitNotFound;
      }
      v4l2.device.clear();
      for (const V4l2DeviceInfo& d : list) {
        if (d.capture && !d.mjpeg_sizes.empty()) {
          v4l2.device = d.path;
          break;
        }
      }
      if (v4l2.device.empty()) {
        std::fprintf(stderr,
                     "sparkcam-probe capture: %zu video device(s) found, none with MJPEG "
                     "(`sparkcam-probe cameras` shows why)\n",
                     list.size());
        return kExitNotFound;
      }
    } else {
      v4l2.device = device;
    }
    camera = std::make_unique<platform::V4l2Camera>(platform::real_sys(), clock, v4l2);
  }

  auto sink_r = platform::AtomicFileSink::create(out);
  if (!sink_r.is_ok()) {
    std::fprintf(stderr, "sparkcam-probe capture: %s\n", sink_r.status().message());
    return kExitFailed;
  }
  platform::AtomicFileSink& sink = sink_r.value();
  uint64_t start = clock.now_ms();
  auto deadline =
      hal::Deadline::after(clock, static_cast<uint64_t>(std::llround(timeout_s * 1000)));
  auto frame = camera->capture(sink, deadline);
  uint64_t took = clock.now_ms() - start;
  if (!frame.is_ok()) {
    std::fprintf(stderr, "sparkcam-probe capture: %s\n", frame.status().message());
    if (auto* cmd = dynamic_cast<platform::CommandCamera*>(camera.get())) {
      if (!cmd->stderr_tail().empty()) {
        std::fprintf(stderr, "--- end of %s's error output ---\n%s",
                     std::string(cmd->name()).c_str(), cmd->stderr_tail().c_str());
      }
    }
    return exit_code_for(frame.status());
  }
  Status committed = sink.commit();
  if (!committed.is_ok()) {
    std::fprintf(stderr, "sparkcam-probe capture: %s\n", committed.message());
    return kExitFailed;
  }
  const hal::Capture& f = frame.value();
  std::printf("wrote %s: %llu bytes, %s", out, static_cast<unsigned long long>(f.bytes),
              f.format == hal::FrameFormat::kPng ? "PNG" : "JPEG");
  if (f.resolution.width != 0) std::printf(" %ux%u", f.resolution.width, f.resolution.height);
  std::printf(", from %s (%s) in %llu ms\n", std::string(camera->name()).c_str(),
              hal::camera_kind_name(camera->kind()), static_cast<unsigned long long>(took));
  return kExitOk;
}

}  // namespace spark::probe
