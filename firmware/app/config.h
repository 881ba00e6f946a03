// app::Config: sparkcam's settings, parsed from the text of one INI-style
// file (/etc/sparkcam/sparkcam.conf; tools/sparkcam/sparkcam.conf.example
// documents every key and its default).
//
// Syntax: "[section]" headers, "key = value" lines, comments on their own
// line starting with '#' or ';', blank lines. A value is the rest of the
// line, trimmed; "double quotes" around it keep outer spaces. [button] and
// [preset] may appear several times (each starts a new one); every other
// section at most once. Keys and section names are lower case.
//
// Validation reports every problem, not only the first, each as
// "FILE:LINE: what is wrong" (or "FILE: ..." for what is missing from the
// whole file): lines that are not a header, key or comment, unknown
// sections and keys (never silently ignored), a key given twice, values out
// of range or not among the allowed words, what a kind needs (a command
// camera without a command, a GPIO LED without a line), a preset without a
// prompt, no preset at all, invalid UTF-8. The config is usable only when
// problems is empty; defaults fill what the file leaves out.
//
// Memory: the Config's strings (a few KB for a typical file; text is capped
// at kMaxText = 64 KB so a wrong path cannot ask for more), at most
// kMaxProblems messages (then one "... and N more"), kMaxPresets presets and
// kMaxButtons buttons. Parsing holds nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spark::app {

constexpr size_t kMaxText = size_t{64} * 1024;
constexpr size_t kMaxProblems = 50;
constexpr size_t kMaxPresets = 32;
constexpr size_t kMaxButtons = 4;
constexpr size_t kMaxLine = 2048;
// The service's limit on a prompt, in code points (api/client.h).
constexpr size_t kMaxPromptCodePoints = 800;

struct CameraSettings {
  enum class Kind : uint8_t { kV4l2, kCommand, kDir } kind = Kind::kV4l2;
  std::string device = "/dev/video0";  // v4l2: path or card name
  std::string command;                 // command: argv, split like a shell (no shell)
  std::string dir;                     // dir: a folder of JPEGs
  uint32_t max_width = 1920;           // max_size = WxH
  uint32_t max_height = 1080;
  uint32_t warmup_frames = 5;   // v4l2: frames dropped before the one kept (0..60)
  uint32_t timeout_ms = 10000;  // capture deadline (100..120000)
};

struct ButtonSettings {
  enum class Kind : uint8_t { kGpio, kEvdev } kind = Kind::kGpio;
  enum class Action : uint8_t { kEdit, kNext } action = Action::kEdit;
  std::string chip;               // gpio: chip path, name or label; "" = search all
  std::string line = "GPIO17";    // gpio: line name or offset
  bool active_low = true;         // gpio
  std::string device;             // evdev: path or name; "" = first with the key
  int key_code = 0;               // evdev: KEY_* name or number; 0 = any key
  uint32_t debounce_ms = 20;      // 0..500
  uint32_t long_press_ms = 1500;  // 200..10000
  uint32_t line_no = 0;           // where its [button] header is
};

struct LedSettings {
  enum class Kind : uint8_t { kNone, kGpio, kSysfs } kind = Kind::kNone;
  std::string chip;
  std::string line = "GPIO27";
  bool active_low = false;
  std::string name;  // sysfs: /sys/class/leds/NAME or a path
};

enum class ResultLayout : uint8_t { kSideBySide, kBeforeAfter, kResultOnly };

struct DisplaySettings {
  enum class Kind : uint8_t { kFbdev, kNone } kind = Kind::kFbdev;
  std::string device = "/dev/fb0";
  uint16_t rotation = 0;  // 0, 90, 180, 270 clockwise
  ResultLayout result_layout = ResultLayout::kSideBySide;
  bool show_qr = false;  // the result's address as a QR code on the result screen
  std::string font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  std::string bold_font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
};

struct PresetSettings {
  std::string name;
  std::string prompt;
  double scale = 0.5;  // 0..1, how strongly the service follows the prompt
  uint32_t line_no = 0;
};

struct TimingSettings {
  uint32_t result_show_s = 15;       // 1..3600
  uint32_t error_show_s = 10;        // 1..3600
  uint32_t poll_interval_ms = 2000;  // 200..60000
  uint32_t timeout_s = 600;          // 10..86400, the whole edit
};

struct ApiSettings {
  std::string base = "https://cloud.vtrix.ai";
  std::string ca_file;                             // "" = the system's CAs
  std::string key_file = "/etc/sparkcam/api-key";  // mode 0600; $SPARK_API_KEY wins
  enum class BodyShape : uint8_t { kWrapped, kFlat } body_shape = BodyShape::kWrapped;
};

struct Config {
  CameraSettings camera;
  std::vector<ButtonSettings> buttons;  // none given: one GPIO edit button (defaults)
  LedSettings led;
  DisplaySettings display;
  std::vector<PresetSettings> presets;
  TimingSettings timings;
  ApiSettings api;
  std::string state_dir = "/var/lib/sparkcam";
  bool keep_results = true;
  uint32_t keep_count = 200;  // 1..100000 results kept, oldest removed first
};

struct ConfigParse {
  Config config;
  std::vector<std::string> problems;  // "FILE:LINE: ..." each
  bool ok() const { return problems.empty(); }
};

// Parses text (the file's contents) named file in messages.
ConfigParse parse_config(std::string_view text, std::string_view file);

}  // namespace spark::app
