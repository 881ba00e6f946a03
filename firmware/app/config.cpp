#include "app/config.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "codec/utf8.h"

namespace spark::app {

namespace {

enum class Sec : uint8_t {
  kNone,
  kCamera,
  kButton,
  kLed,
  kDisplay,
  kPreset,
  kTimings,
  kApi,
  kState,
  kResults
};

struct SecInfo {
  const char* name;
  Sec sec;
  bool repeats;
};
constexpr SecInfo kSections[] = {
    {"camera", Sec::kCamera, false},   {"button", Sec::kButton, true},
    {"led", Sec::kLed, false},         {"display", Sec::kDisplay, false},
    {"preset", Sec::kPreset, true},    {"timings", Sec::kTimings, false},
    {"api", Sec::kApi, false},         {"state", Sec::kState, false},
    {"results", Sec::kResults, false},
};
constexpr size_t kSectionCount = sizeof kSections / sizeof kSections[0];

struct KeyCode {
  const char* name;
  int code;
};
// The keys a kiosk button or remote is likely to send
// (<linux/input-event-codes.h>); any other is given as its number.
constexpr KeyCode kKeyCodes[] = {
    {"KEY_ESC", 1},        {"KEY_ENTER", 28},      {"KEY_SPACE", 57},   {"KEY_UP", 103},
    {"KEY_LEFT", 105},     {"KEY_RIGHT", 106},     {"KEY_DOWN", 108},   {"KEY_VOLUMEDOWN", 114},
    {"KEY_VOLUMEUP", 115}, {"KEY_PLAYPAUSE", 164}, {"KEY_CAMERA", 212}, {"KEY_PRINT", 210},
    {"BTN_0", 256},        {"BTN_1", 257},         {"BTN_LEFT", 272},   {"BTN_RIGHT", 273},
    {"BTN_TRIGGER", 288},  {"BTN_THUMB", 289},     {"BTN_SOUTH", 304},  {"BTN_EAST", 305},
    {"BTN_TOUCH", 330},    {"KEY_OK", 352},        {"KEY_SELECT", 353}, {"KEY_NEXT", 407},
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

class Parser {
 public:
  Parser(std::string_view file, ConfigParse& out) : file_(file), out_(out) {}

  void run(std::string_view text);

 private:
  void problem(uint32_t line, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
  void header(std::string_view body);
  void key_value(std::string_view key, std::string_view value);
  bool set_camera(std::string_view k, std::string_view v);
  bool set_button(std::string_view k, std::string_view v);
  bool set_led(std::string_view k, std::string_view v);
  bool set_display(std::string_view k, std::string_view v);
  bool set_preset(std::string_view k, std::string_view v);
  bool set_timings(std::string_view k, std::string_view v);
  bool set_api(std::string_view k, std::string_view v);
  void finish();

  // Value readers: each reports its own problem and returns false.
  bool whole(std::string_view k, std::string_view v, uint32_t lo, uint32_t hi, uint32_t& out);
  bool boolean(std::string_view k, std::string_view v, bool& out);
  int word(std::string_view k, std::string_view v, std::initializer_list<const char*> words);
  bool text(std::string_view k, std::string_view v, std::string& out, bool required);
  bool path(std::string_view k, std::string_view v, std::string& out, bool may_be_empty);
  bool fraction(std::string_view k, std::string_view v, double& out);
  bool size(std::string_view k, std::string_view v, uint32_t& w, uint32_t& h);
  bool key_code(std::string_view k, std::string_view v, int& out);

  std::string_view file_;
  ConfigParse& out_;
  Config& c_ = out_.config;
  size_t dropped_ = 0;
  uint32_t line_ = 0;
  Sec sec_ = Sec::kNone;
  bool skip_section_ = false;  // an unknown or surplus section: its keys are not checked
  uint32_t first_line_[kSectionCount] = {};
  struct Seen {
    std::string key;
    uint32_t line;
  };
  std::vector<Seen> seen_;  // keys of the current section
  uint32_t camera_line_ = 0, led_line_ = 0;
  // Per preset: name and prompt given (even if rejected: said once).
  std::vector<uint8_t> preset_given_;
};

void Parser::problem(uint32_t line, const char* fmt, ...) {
  if (out_.problems.size() >= kMaxProblems) {
    ++dropped_;
    return;
  }
  char msg[320];
  va_list ap;
  va_start(ap, fmt);
  // va_start above; the analyser loses it across the early return.
  std::vsnprintf(msg, sizeof msg, fmt, ap);  // NOLINT(clang-analyzer-valist.Uninitialized)
  va_end(ap);
  std::string p(file_);
  if (line > 0) p += ":" + std::to_string(line);
  p += ": ";
  p += msg;
  out_.problems.push_back(std::move(p));
}

// Values and keys quoted in messages are cut to 40 bytes.
struct Q {
  explicit Q(std::string_view v) {
    const size_t n = v.size() > 40 ? 37 : v.size();
    std::memcpy(buf, v.data(), n);
    if (n < v.size()) std::memcpy(buf + n, "...", 3);
    buf[n < v.size() ? 40 : n] = '\0';
  }
  char buf[44];
};
#define SPARK_Q(v) Q(v).buf

bool Parser::whole(std::string_view k, std::string_view v, uint32_t lo, uint32_t hi,
                   uint32_t& out) {
  uint64_t n = 0;
  bool good = !v.empty() && v.size() <= 10;
  for (char ch : v) {
    if (ch < '0' || ch > '9') good = false;
    n = n * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (!good || n < lo || n > hi) {
    problem(line_, "%s must be a whole number in %u..%u (got '%s')", SPARK_Q(k), lo, hi,
            SPARK_Q(v));
    return false;
  }
  out = static_cast<uint32_t>(n);
  return true;
}

bool Parser::boolean(std::string_view k, std::string_view v, bool& out) {
  for (const char* t : {"true", "yes", "on", "1"}) {
    if (v == t) return out = true, true;
  }
  for (const char* f : {"false", "no", "off", "0"}) {
    if (v == f) return out = false, true;
  }
  problem(line_, "%s must be true or false (got '%s')", SPARK_Q(k), SPARK_Q(v));
  return false;
}

int Parser::word(std::string_view k, std::string_view v, std::initializer_list<const char*> words) {
  int i = 0;
  std::string list;
  for (const char* w : words) {
    if (v == w) return i;
    if (i > 0) list += i + 1 == static_cast<int>(words.size()) ? " or " : ", ";
    list += w;
    ++i;
  }
  problem(line_, "%s must be %s (got '%s')", SPARK_Q(k), list.c_str(), SPARK_Q(v));
  return -1;
}

bool Parser::text(std::string_view k, std::string_view v, std::string& out, bool required) {
  if (required && v.empty()) {
    problem(line_, "%s is empty", SPARK_Q(k));
    return false;
  }
  out.assign(v);
  return true;
}

bool Parser::path(std::string_view k, std::string_view v, std::string& out, bool may_be_empty) {
  if (v.empty() && may_be_empty) {
    out.clear();
    return true;
  }
  if (v.empty() || v.front() != '/') {
    problem(line_, "%s must be an absolute path (got '%s')", SPARK_Q(k), SPARK_Q(v));
    return false;
  }
  out.assign(v);
  return true;
}

bool Parser::fraction(std::string_view k, std::string_view v, double& out) {
  // digits [. digits], within 0..1; no locale, no exponent.
  double whole_part = 0, frac = 0, unit = 1;
  bool digits = false, dot = false, good = !v.empty();
  for (char ch : v) {
    if (ch == '.' && !dot) {
      dot = true;
    } else if (ch >= '0' && ch <= '9' && (dot ? unit > 1e-9 : whole_part < 10)) {
      digits = true;
      if (dot) {
        unit /= 10;
        frac += (ch - '0') * unit;
      } else {
        whole_part = whole_part * 10 + (ch - '0');
      }
    } else {
      good = false;
    }
  }
  const double x = whole_part + frac;
  if (!good || !digits || x > 1.0) {
    problem(line_, "%s must be a number in 0..1 (got '%s')", SPARK_Q(k), SPARK_Q(v));
    return false;
  }
  out = x;
  return true;
}

bool Parser::size(std::string_view k, std::string_view v, uint32_t& w, uint32_t& h) {
  const size_t x = v.find('x');
  uint32_t a = 0, b = 0;
  auto num = [](std::string_view s, uint32_t& o) {
    if (s.empty() || s.size() > 5) return false;
    o = 0;
    for (char ch : s) {
      if (ch < '0' || ch > '9') return false;
      o = o * 10 + static_cast<uint32_t>(ch - '0');
    }
    return o >= 16 && o <= 16384;
  };
  if (x == std::string_view::npos || !num(v.substr(0, x), a) || !num(v.substr(x + 1), b)) {
    problem(line_, "%s must be WIDTHxHEIGHT, each 16..16384, e.g. 1920x1080 (got '%s')", SPARK_Q(k),
            SPARK_Q(v));
    return false;
  }
  w = a;
  h = b;
  return true;
}

bool Parser::key_code(std::string_view k, std::string_view v, int& out) {
  for (const KeyCode& kc : kKeyCodes) {
    if (v == kc.name) return out = kc.code, true;
  }
  uint32_t n = 0;
  bool good = !v.empty() && v.size() <= 3;
  for (char ch : v) {
    if (ch < '0' || ch > '9') good = false;
    n = n * 10 + static_cast<uint32_t>(ch - '0');
  }
  if (!good || n > 767) {
    problem(line_,
            "%s must be a key code 0..767 (0 = any key) or a name such as KEY_ENTER, "
            "BTN_TRIGGER (got '%s')",
            SPARK_Q(k), SPARK_Q(v));
    return false;
  }
  out = static_cast<int>(n);
  return true;
}

bool Parser::set_camera(std::string_view k, std::string_view v) {
  CameraSettings& cam = c_.camera;
  if (k == "kind") {
    const int i = word(k, v, {"v4l2", "command", "dir"});
    if (i >= 0) cam.kind = static_cast<CameraSettings::Kind>(i);
  } else if (k == "device") {
    text(k, v, cam.device, true);
  } else if (k == "command") {
    text(k, v, cam.command, true);
  } else if (k == "dir") {
    path(k, v, cam.dir, false);
  } else if (k == "max_size") {
    size(k, v, cam.max_width, cam.max_height);
  } else if (k == "warmup_frames") {
    whole(k, v, 0, 60, cam.warmup_frames);
  } else if (k == "timeout_ms") {
    whole(k, v, 100, 120000, cam.timeout_ms);
  } else {
    return false;
  }
  return true;
}

bool Parser::set_button(std::string_view k, std::string_view v) {
  ButtonSettings& b = c_.buttons.back();
  if (k == "kind") {
    const int i = word(k, v, {"gpio", "evdev"});
    if (i >= 0) b.kind = static_cast<ButtonSettings::Kind>(i);
  } else if (k == "action") {
    const int i = word(k, v, {"edit", "next"});
    if (i >= 0) b.action = static_cast<ButtonSettings::Action>(i);
  } else if (k == "chip") {
    text(k, v, b.chip, false);
  } else if (k == "line") {
    text(k, v, b.line, true);
  } else if (k == "active_low") {
    boolean(k, v, b.active_low);
  } else if (k == "device") {
    text(k, v, b.device, false);
  } else if (k == "key") {
    key_code(k, v, b.key_code);
  } else if (k == "debounce_ms") {
    whole(k, v, 0, 500, b.debounce_ms);
  } else if (k == "long_press_ms") {
    whole(k, v, 200, 10000, b.long_press_ms);
  } else {
    return false;
  }
  return true;
}

bool Parser::set_led(std::string_view k, std::string_view v) {
  LedSettings& led = c_.led;
  if (k == "kind") {
    const int i = word(k, v, {"none", "gpio", "sysfs"});
    if (i >= 0) led.kind = static_cast<LedSettings::Kind>(i);
  } else if (k == "chip") {
    text(k, v, led.chip, false);
  } else if (k == "line") {
    text(k, v, led.line, true);
  } else if (k == "active_low") {
    boolean(k, v, led.active_low);
  } else if (k == "name") {
    text(k, v, led.name, true);
  } else {
    return false;
  }
  return true;
}

bool Parser::set_display(std::string_view k, std::string_view v) {
  DisplaySettings& d = c_.display;
  if (k == "kind") {
    const int i = word(k, v, {"fbdev", "none"});
    if (i >= 0) d.kind = static_cast<DisplaySettings::Kind>(i);
  } else if (k == "device") {
    path(k, v, d.device, false);
  } else if (k == "rotation") {
    const int i = word(k, v, {"0", "90", "180", "270"});
    if (i >= 0) d.rotation = static_cast<uint16_t>(i * 90);
  } else if (k == "result_layout") {
    const int i = word(k, v, {"side_by_side", "before_after", "result_only"});
    if (i >= 0) d.result_layout = static_cast<ResultLayout>(i);
  } else if (k == "show_qr") {
    boolean(k, v, d.show_qr);
  } else if (k == "font") {
    path(k, v, d.font, false);
  } else if (k == "bold_font") {
    path(k, v, d.bold_font, false);
  } else {
    return false;
  }
  return true;
}

bool Parser::set_preset(std::string_view k, std::string_view v) {
  PresetSettings& p = c_.presets.back();
  if (k == "name" || k == "prompt")
    preset_given_.back() |= static_cast<uint8_t>(k == "name" ? 1 : 2);
  if (k == "name") {
    if (v.size() > 64) {
      problem(line_, "name is %zu bytes; at most 64 fit on the screen", v.size());
    } else {
      text(k, v, p.name, true);
    }
  } else if (k == "prompt") {
    const Result<size_t> n = codec::utf8_count(v);
    if (n.is_ok() && *n > kMaxPromptCodePoints) {
      problem(line_, "prompt has %zu characters; the service takes at most %zu", *n,
              kMaxPromptCodePoints);
    } else {
      text(k, v, p.prompt, true);
    }
  } else if (k == "scale") {
    fraction(k, v, p.scale);
  } else {
    return false;
  }
  return true;
}

bool Parser::set_timings(std::string_view k, std::string_view v) {
  TimingSettings& t = c_.timings;
  if (k == "result_show_s") {
    whole(k, v, 1, 3600, t.result_show_s);
  } else if (k == "error_show_s") {
    whole(k, v, 1, 3600, t.error_show_s);
  } else if (k == "poll_interval_ms") {
    whole(k, v, 200, 60000, t.poll_interval_ms);
  } else if (k == "timeout_s") {
    whole(k, v, 10, 86400, t.timeout_s);
  } else {
    return false;
  }
  return true;
}

bool Parser::set_api(std::string_view k, std::string_view v) {
  ApiSettings& a = c_.api;
  if (k == "base") {
    if (v.substr(0, 8) != "https://" || v.size() == 8) {
      problem(line_, "base must be an https:// URL (got '%s'); sparkcam only talks TLS",
              SPARK_Q(v));
    } else {
      a.base.assign(v);
    }
  } else if (k == "ca_file") {
    path(k, v, a.ca_file, true);
  } else if (k == "key_file") {
    path(k, v, a.key_file, true);
  } else if (k == "body_shape") {
    const int i = word(k, v, {"wrapped", "flat"});
    if (i >= 0) a.body_shape = static_cast<ApiSettings::BodyShape>(i);
  } else {
    return false;
  }
  return true;
}

void Parser::header(std::string_view body) {
  seen_.clear();
  skip_section_ = true;
  sec_ = Sec::kNone;
  const std::string_view name = trim(body);
  for (size_t i = 0; i < kSectionCount; ++i) {
    if (name != kSections[i].name) continue;
    if (!kSections[i].repeats && first_line_[i] != 0) {
      problem(line_, "[%s] appears twice (first on line %u); merge them", kSections[i].name,
              first_line_[i]);
      return;
    }
    if (first_line_[i] == 0) first_line_[i] = line_;
    sec_ = kSections[i].sec;
    skip_section_ = false;
    if (sec_ == Sec::kButton) {
      if (c_.buttons.size() >= kMaxButtons) {
        problem(line_, "more than %zu [button] sections", kMaxButtons);
        skip_section_ = true;
        return;
      }
      c_.buttons.emplace_back();
      c_.buttons.back().line_no = line_;
    } else if (sec_ == Sec::kPreset) {
      if (c_.presets.size() >= kMaxPresets) {
        problem(line_, "more than %zu [preset] sections", kMaxPresets);
        skip_section_ = true;
        return;
      }
      c_.presets.emplace_back();
      c_.presets.back().line_no = line_;
      preset_given_.push_back(0);
    } else if (sec_ == Sec::kCamera) {
      camera_line_ = line_;
    } else if (sec_ == Sec::kLed) {
      led_line_ = line_;
    }
    return;
  }
  problem(line_,
          "unknown section [%s]; sections are camera, button, led, display, preset, timings, "
          "api, state, results",
          SPARK_Q(name));
}

void Parser::key_value(std::string_view k, std::string_view v) {
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (skip_section_) return;
  if (sec_ == Sec::kNone) {
    problem(line_, "'%s' comes before any [section]", SPARK_Q(k));
    return;
  }
  for (const Seen& s : seen_) {
    if (s.key == k) {
      problem(line_, "%s is set twice in this section (first on line %u)", SPARK_Q(k), s.line);
      return;
    }
  }
  seen_.push_back({std::string(k), line_});
  bool known = false;
  switch (sec_) {
    case Sec::kCamera:
      known = set_camera(k, v);
      break;
    case Sec::kButton:
      known = set_button(k, v);
      break;
    case Sec::kLed:
      known = set_led(k, v);
      break;
    case Sec::kDisplay:
      known = set_display(k, v);
      break;
    case Sec::kPreset:
      known = set_preset(k, v);
      break;
    case Sec::kTimings:
      known = set_timings(k, v);
      break;
    case Sec::kApi:
      known = set_api(k, v);
      break;
    case Sec::kState:
      known = k == "dir";
      if (known) path(k, v, c_.state_dir, false);
      break;
    case Sec::kResults:
      if (k == "keep") {
        known = true;
        boolean(k, v, c_.keep_results);
      } else if (k == "keep_count") {
        known = true;
        whole(k, v, 1, 100000, c_.keep_count);
      }
      break;
    case Sec::kNone:
      break;
  }
  if (!known) {
    const char* name = "";
    for (const SecInfo& s : kSections) {
      if (s.sec == sec_) name = s.name;
    }
    problem(line_, "unknown key '%s' in [%s] (tools/sparkcam/sparkcam.conf.example lists them)",
            SPARK_Q(k), name);
  }
}

void Parser::finish() {
  const CameraSettings& cam = c_.camera;
  if (cam.kind == CameraSettings::Kind::kCommand && cam.command.empty()) {
    problem(camera_line_, "[camera] kind = command needs a command");
  }
  if (cam.kind == CameraSettings::Kind::kDir && cam.dir.empty()) {
    problem(camera_line_, "[camera] kind = dir needs a dir");
  }
  if (c_.led.kind == LedSettings::Kind::kSysfs && c_.led.name.empty()) {
    problem(led_line_, "[led] kind = sysfs needs a name (a folder of /sys/class/leds)");
  }
  bool has_edit = c_.buttons.empty();
  for (const ButtonSettings& b : c_.buttons) {
    if (b.action == ButtonSettings::Action::kEdit) has_edit = true;
  }
  if (!has_edit) problem(c_.buttons.front().line_no, "no [button] has action = edit");
  for (size_t i = 0; i < c_.presets.size(); ++i) {
    const PresetSettings& p = c_.presets[i];
    if (!(preset_given_[i] & 1)) problem(p.line_no, "[preset] has no name");
    if (!(preset_given_[i] & 2)) problem(p.line_no, "[preset] %s has no prompt", SPARK_Q(p.name));
  }
  if (c_.presets.empty()) problem(0, "no [preset]; at least one (name, prompt) is needed");
  if (c_.buttons.empty()) c_.buttons.emplace_back();
  if (dropped_ > 0) {
    out_.problems.push_back(std::string(file_) + ": ... and " + std::to_string(dropped_) +
                            " more problems");
  }
}

void Parser::run(std::string_view text) {
  if (text.size() > kMaxText) {
    problem(0, "%zu bytes; a config file is at most %zu (is this the right file?)", text.size(),
            kMaxText);
    return;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    if (line_ == 1 && raw.substr(0, 3) == "\xEF\xBB\xBF") raw.remove_prefix(3);  // BOM
    if (raw.size() > kMaxLine) {
      problem(line_, "line is %zu bytes; at most %zu", raw.size(), kMaxLine);
      continue;
    }
    const codec::Utf8Scan scan = codec::utf8_scan(raw);
    if (!scan.valid) {
      problem(line_, "not valid UTF-8 at column %zu (save the file as UTF-8)",
              scan.error_offset + 1);
      continue;
    }
    bool control = false;
    for (char ch : raw) {
      if (static_cast<unsigned char>(ch) < 0x20 && ch != '\t') control = true;
    }
    if (control) {
      problem(line_, "control character in the line");
      continue;
    }
    const std::string_view l = trim(raw);
    if (l.empty() || l.front() == '#' || l.front() == ';') continue;
    if (l.front() == '[') {
      if (l.back() != ']') {
        problem(line_, "a section header is [name], with the closing ]");
        continue;
      }
      header(l.substr(1, l.size() - 2));
      continue;
    }
    const size_t eq = l.find('=');
    if (eq == std::string_view::npos) {
      problem(line_, "expected 'key = value', '[section]' or a # comment (got '%s')", SPARK_Q(l));
      continue;
    }
    const std::string_view k = trim(l.substr(0, eq));
    if (k.empty()) {
      problem(line_, "a key is missing before '='");
      continue;
    }
    key_value(k, trim(l.substr(eq + 1)));
  }
  finish();
}

}  // namespace

ConfigParse parse_config(std::string_view text, std::string_view file) {
  ConfigParse out;
  Parser(file, out).run(text);
  return out;
}

}  // namespace spark::app
