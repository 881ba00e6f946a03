// sparkcam.conf: the shipped example parses cleanly with the documented
// values; every kind of bad line is reported as FILE:LINE with what is
// wrong, and every problem in a file is reported, not only the first.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "app/config.h"
#include "platform/linux/config_file.h"

using namespace spark;
using namespace spark::app;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

const char kPreset[] = "[preset]\nname = P\nprompt = make it blue\n";

ConfigParse parse(const std::string& text) {
  return parse_config(text, "s.conf");
}

// The one problem text gives (besides a complete preset appended).
std::string only_problem(const std::string& text) {
  const ConfigParse p = parse(std::string(kPreset) + text);
  REQUIRE(p.problems.size() == 1);
  return p.problems[0];
}

bool contains(const std::string& s, const char* part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("example_file_parses_cleanly_with_the_documented_values") {
  const ConfigParse p =
      platform::load_config_file(SPARK_SOURCE_DIR "/tools/sparkcam/sparkcam.conf.example");
  for (const std::string& m : p.problems) MESSAGE(m);
  REQUIRE(p.ok());
  const Config& c = p.config;
  const Config d;  // the defaults the example documents
  CHECK(c.camera.kind == CameraSettings::Kind::kV4l2);
  CHECK(c.camera.device == "/dev/video0");
  CHECK(c.camera.max_width == 1920);
  CHECK(c.camera.max_height == 1080);
  CHECK(c.camera.warmup_frames == d.camera.warmup_frames);
  CHECK(c.camera.timeout_ms == d.camera.timeout_ms);
  REQUIRE(c.buttons.size() == 1);
  CHECK(c.buttons[0].kind == ButtonSettings::Kind::kGpio);
  CHECK(c.buttons[0].action == ButtonSettings::Action::kEdit);
  CHECK(c.buttons[0].chip.empty());
  CHECK(c.buttons[0].line == "GPIO17");
  CHECK(c.buttons[0].active_low);
  CHECK(c.buttons[0].key_code == 0);
  CHECK(c.buttons[0].debounce_ms == 20);
  CHECK(c.buttons[0].long_press_ms == 1500);
  CHECK(c.led.kind == LedSettings::Kind::kNone);
  CHECK(c.led.line == "GPIO27");
  CHECK(c.display.kind == DisplaySettings::Kind::kFbdev);
  CHECK(c.display.device == "/dev/fb0");
  CHECK(c.display.rotation == 0);
  CHECK(c.display.result_layout == ResultLayout::kSideBySide);
  CHECK_FALSE(c.display.show_qr);
  CHECK(c.display.font == d.display.font);
  CHECK(c.display.bold_font == d.display.bold_font);
  REQUIRE(c.presets.size() == 2);
  CHECK(c.presets[0].name == "Oil painting");
  CHECK(c.presets[0].prompt ==
        "Repaint this photo as a warm oil painting with visible brush strokes");
  CHECK(c.presets[0].scale == doctest::Approx(0.6));
  CHECK(c.presets[1].name == "Comic");
  CHECK(c.presets[1].scale == doctest::Approx(0.5));
  CHECK(c.timings.result_show_s == 15);
  CHECK(c.timings.error_show_s == 10);
  CHECK(c.timings.poll_interval_ms == 2000);
  CHECK(c.timings.timeout_s == 600);
  CHECK(c.api.base == "https://cloud.vtrix.ai");
  CHECK(c.api.ca_file.empty());
  CHECK(c.api.key_file == "/etc/sparkcam/api-key");
  CHECK(c.api.body_shape == ApiSettings::BodyShape::kWrapped);
  CHECK(c.state_dir == "/var/lib/sparkcam");
  CHECK(c.keep_results);
  CHECK(c.keep_count == 200);
}

TEST_CASE("a_minimal_file_takes_the_defaults") {
  const ConfigParse p = parse(kPreset);
  REQUIRE(p.ok());
  CHECK(p.config.buttons.size() == 1);  // one GPIO edit button
  CHECK(p.config.presets[0].scale == doctest::Approx(0.5));
  CHECK(p.config.display.kind == DisplaySettings::Kind::kFbdev);
}

TEST_CASE("values_are_read") {
  const ConfigParse p =
      parse(std::string(kPreset) +
            "[camera]\r\nkind = command\r\ncommand = rpicam-still -o -\r\n"
            "[button]\nkind = evdev\nkey = KEY_SPACE\ndevice = Arcade\n"
            "[button]\naction = next\nline = 5\nactive_low = no\n"
            "[display]\nkind = none\nrotation = 270\nresult_layout = before_after\nshow_qr = yes\n"
            "[led]\nkind = sysfs\nname = ACT\n"
            "[api]\nbody_shape = flat\nca_file = /etc/ca.pem\n"
            "[results]\nkeep = off\nkeep_count = 3\n"
            "[preset]\nname = \"  Spaced  \"\nprompt = x\nscale = 1\n");
  for (const std::string& m : p.problems) MESSAGE(m);
  REQUIRE(p.ok());
  const Config& c = p.config;
  CHECK(c.camera.kind == CameraSettings::Kind::kCommand);
  CHECK(c.camera.command == "rpicam-still -o -");
  REQUIRE(c.buttons.size() == 2);
  CHECK(c.buttons[0].kind == ButtonSettings::Kind::kEvdev);
  CHECK(c.buttons[0].key_code == 57);
  CHECK(c.buttons[0].device == "Arcade");
  CHECK(c.buttons[1].action == ButtonSettings::Action::kNext);
  CHECK(c.buttons[1].line == "5");
  CHECK_FALSE(c.buttons[1].active_low);
  CHECK(c.display.kind == DisplaySettings::Kind::kNone);
  CHECK(c.display.rotation == 270);
  CHECK(c.display.result_layout == ResultLayout::kBeforeAfter);
  CHECK(c.display.show_qr);
  CHECK(c.led.kind == LedSettings::Kind::kSysfs);
  CHECK(c.led.name == "ACT");
  CHECK(c.api.body_shape == ApiSettings::BodyShape::kFlat);
  CHECK(c.api.ca_file == "/etc/ca.pem");
  CHECK_FALSE(c.keep_results);
  CHECK(c.keep_count == 3);
  REQUIRE(c.presets.size() == 2);
  CHECK(c.presets[1].name == "  Spaced  ");
  CHECK(c.presets[1].scale == doctest::Approx(1.0));
}

TEST_CASE("bad_lines_are_reported_with_file_line_and_cause") {
  // Each line number counts the 3 lines of kPreset first.
  CHECK(only_problem("[camera]\nwhat is this\n") ==
        "s.conf:5: expected 'key = value', '[section]' or a # comment (got 'what is this')");
  CHECK(only_problem("[camera\n") == "s.conf:4: a section header is [name], with the closing ]");
  CHECK(contains(only_problem("[cameras]\ndevice = x\n"), "s.conf:4: unknown section [cameras]"));
  CHECK(only_problem("[camera]\ndevise = /dev/video1\n") ==
        "s.conf:5: unknown key 'devise' in [camera] (tools/sparkcam/sparkcam.conf.example lists "
        "them)");
  CHECK(only_problem("[camera]\ndevice = a\ndevice = b\n") ==
        "s.conf:6: device is set twice in this section (first on line 5)");
  CHECK(only_problem("[camera]\n[camera]\n") ==
        "s.conf:5: [camera] appears twice (first on line 4); merge them");
  CHECK(only_problem("[camera]\n = x\n") == "s.conf:5: a key is missing before '='");
  CHECK(only_problem("[camera]\nkind = usb\n") ==
        "s.conf:5: kind must be v4l2, command or dir (got 'usb')");
  CHECK(only_problem("[camera]\nmax_size = 1920*1080\n") ==
        "s.conf:5: max_size must be WIDTHxHEIGHT, each 16..16384, e.g. 1920x1080 (got "
        "'1920*1080')");
  CHECK(only_problem("[camera]\nwarmup_frames = -1\n") ==
        "s.conf:5: warmup_frames must be a whole number in 0..60 (got '-1')");
  CHECK(only_problem("[camera]\nwarmup_frames = 61\n") ==
        "s.conf:5: warmup_frames must be a whole number in 0..60 (got '61')");
  CHECK(only_problem("[camera]\nwarmup_frames = 99999999999999\n") ==
        "s.conf:5: warmup_frames must be a whole number in 0..60 (got '99999999999999')");
  CHECK(only_problem("[camera]\ndir = relative/path\n") ==
        "s.conf:5: dir must be an absolute path (got 'relative/path')");
  CHECK(only_problem("[camera]\nkind = command\n") ==
        "s.conf:4: [camera] kind = command needs a command");
  CHECK(only_problem("[camera]\nkind = dir\n") == "s.conf:4: [camera] kind = dir needs a dir");
  CHECK(only_problem("[button]\nactive_low = maybe\n") ==
        "s.conf:5: active_low must be true or false (got 'maybe')");
  CHECK(contains(only_problem("[button]\nkey = KEY_BOGUS\n"),
                 "s.conf:5: key must be a key code 0..767"));
  CHECK(only_problem("[button]\naction = next\n") == "s.conf:4: no [button] has action = edit");
  CHECK(only_problem("[display]\nrotation = 45\n") ==
        "s.conf:5: rotation must be 0, 90, 180 or 270 (got '45')");
  CHECK(only_problem("[led]\nkind = sysfs\n") ==
        "s.conf:4: [led] kind = sysfs needs a name (a folder of /sys/class/leds)");
  CHECK(only_problem("[preset]\nname = Q\nprompt = p\nscale = 1.5\n") ==
        "s.conf:7: scale must be a number in 0..1 (got '1.5')");
  CHECK(only_problem("[preset]\nname = Q\nprompt = p\nscale = 0,5\n") ==
        "s.conf:7: scale must be a number in 0..1 (got '0,5')");
  CHECK(only_problem("[preset]\nname = Q\n") == "s.conf:4: [preset] Q has no prompt");
  CHECK(only_problem("[preset]\nprompt = p\n") == "s.conf:4: [preset] has no name");
  CHECK(only_problem("[preset]\nname = Q\nprompt =\n") == "s.conf:6: prompt is empty");
  CHECK(contains(only_problem("[preset]\nname = Q\nprompt = " + std::string(801, 'a') + "\n"),
                 "s.conf:6: prompt has 801 characters; the service takes at most 800"));
  CHECK(contains(only_problem("[preset]\nname = " + std::string(65, 'n') + "\nprompt = p\n"),
                 "s.conf:5: name is 65 bytes"));
  CHECK(only_problem("[timings]\nresult_show_s = 0\n") ==
        "s.conf:5: result_show_s must be a whole number in 1..3600 (got '0')");
  CHECK(only_problem("[api]\nbase = http://cloud.vtrix.ai\n") ==
        "s.conf:5: base must be an https:// URL (got 'http://cloud.vtrix.ai'); sparkcam only "
        "talks TLS");
  CHECK(only_problem("[api]\nbody_shape = round\n") ==
        "s.conf:5: body_shape must be wrapped or flat (got 'round')");
  CHECK(only_problem("[results]\nkeep_count = 0\n") ==
        "s.conf:5: keep_count must be a whole number in 1..100000 (got '0')");
  CHECK(only_problem("[state]\ndir = var/lib\n") ==
        "s.conf:5: dir must be an absolute path (got 'var/lib')");
  CHECK(only_problem("[state]\nfolder = /x\n") ==
        "s.conf:5: unknown key 'folder' in [state] (tools/sparkcam/sparkcam.conf.example lists "
        "them)");
  CHECK(only_problem("[camera]\ndevice = caf\xC3\n") ==
        "s.conf:5: not valid UTF-8 at column 13 (save the file as UTF-8)");
  CHECK(only_problem("[camera]\ndevice = a\x01z\n") == "s.conf:5: control character in the line");
  CHECK(contains(only_problem("[camera]\ndevice = " + std::string(3000, 'd') + "\n"),
                 "s.conf:5: line is 3009 bytes; at most 2048"));
  CHECK(contains(only_problem("[api]\nbase = https://" + std::string(100, 'h') + "\nbase = x\n"),
                 "(first on line 5)"));
}

TEST_CASE("keys_before_a_section_and_whole_file_problems") {
  const ConfigParse p = parse("device = /dev/video0\n");
  REQUIRE(p.problems.size() == 2);
  CHECK(p.problems[0] == "s.conf:1: 'device' comes before any [section]");
  CHECK(p.problems[1] == "s.conf: no [preset]; at least one (name, prompt) is needed");
  const ConfigParse big = parse(std::string(kMaxText + 1, '#'));
  REQUIRE(big.problems.size() == 1);
  CHECK(contains(big.problems[0], "s.conf: 65537 bytes; a config file is at most 65536"));
}

TEST_CASE("every_problem_is_reported_and_the_list_is_capped") {
  const ConfigParse p = parse(std::string(kPreset) +
                              "[camera]\nkind = usb\nwarmup_frames = x\n[display]\nrotation = 1\n");
  REQUIRE(p.problems.size() == 3);
  CHECK(contains(p.problems[0], "s.conf:5:"));
  CHECK(contains(p.problems[1], "s.conf:6:"));
  CHECK(contains(p.problems[2], "s.conf:8:"));
  std::string many(kPreset);
  for (int i = 0; i < 80; ++i) many += "junk\n";
  const ConfigParse m = parse(many);
  REQUIRE(m.problems.size() == kMaxProblems + 1);
  CHECK(m.problems.back() == "s.conf: ... and 30 more problems");
}

TEST_CASE("comments_blank_lines_bom_and_repeats") {
  const ConfigParse p =
      parse("\xEF\xBB\xBF# top\n; also a comment\n\n   \n" + std::string(kPreset));
  CHECK(p.ok());
  std::string buttons(kPreset);
  for (size_t i = 0; i <= kMaxButtons; ++i) buttons += "[button]\n";
  const ConfigParse b = parse(buttons);
  REQUIRE(b.problems.size() == 1);
  CHECK(b.problems[0] == "s.conf:8: more than 4 [button] sections");
}

TEST_CASE("load_config_file_names_a_missing_file") {
  const ConfigParse p = platform::load_config_file("/nonexistent/sparkcam.conf");
  REQUIRE(p.problems.size() == 1);
  CHECK(contains(p.problems[0], "/nonexistent/sparkcam.conf"));
  CHECK(contains(p.problems[0], "No such file"));
}

TEST_CASE("fuzz_harness_runs_on_the_example_and_on_junk") {
  std::ifstream f(SPARK_SOURCE_DIR "/tools/sparkcam/sparkcam.conf.example", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  REQUIRE(text.size() > 1000);
  CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(text.data()), text.size()) == 0);
  // Every prefix of the example: cut mid-line, mid-section.
  for (size_t n = 0; n < text.size(); n += 97) {
    CHECK(LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(text.data()), n) == 0);
  }
  const uint8_t junk[] = {'[', 0xff, ']', '\n', '=', '=', '\n', 0,
                          '[', 'p',  'r', 'e',  's', 'e', 't',  ']'};
  CHECK(LLVMFuzzerTestOneInput(junk, sizeof junk) == 0);
}
