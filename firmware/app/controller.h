// app::Controller: the kiosk's one loop. It waits for a button event or the
// next deadline (a screen's timeout, the LED's next change, the watchdog),
// whichever comes first, and turns presses into edits:
//
//   short press (idle, result or error screen)  capture, then edit with the
//                                               current preset
//   long press, or a press of a "next" button   the next preset
//   any press while an edit runs                cancel it (the journal keeps
//                                               a submitted task: the next
//                                               start resumes it, never pays
//                                               for it twice)
//
// At start, unfinished journal records are resumed first (app::Edits) and a
// finished one's result is shown. Every state is drawn on the display (when
// there is one: without, each screen is only logged), shown on the LED
// (idle: pulse, capturing: on, uploading and editing: slow blink, result:
// on, error: fast blink), logged as one "screen: ..." line and told to the
// service manager (Notifier: READY, STATUS, WATCHDOG, STOPPING).
//
// An edit blocks the loop (job::EditJob is synchronous); the controller's
// job::Observer keeps the device alive meanwhile: cancelled() (called by
// the job between steps and every 100 ms while it waits) reads the button
// without waiting, ticks the LED and the watchdog and redraws an animated
// progress screen at most every 250 ms; upload and poll progress redraw on
// change.
//
// Files: a capture goes to <photos_dir>/<local time>.jpg and its result
// next to it (<stamp>.edited.jpg, .png when the service sends a PNG), by
// app::Edits' naming. keep_results off: both are removed when the result
// screen ends; on: the oldest pairs beyond keep_count are removed after
// each edit.
//
// Errors: start() fails for fonts that cannot be read, a display whose
// frame cannot be allocated, or a photos folder that cannot be made. run()
// returns OK after stop() or the button's kCancelled (the desktop window
// was closed), else the device error that stopped it (a button that went
// away: the service manager restarts the program). Capture and edit
// failures are shown on the error screen, and the next press tries again.
//
// Threads: one. stop() may be called from a signal handler.
//
// Memory: the display's RGB frame (width * height * 3: 1.1 MB at 800x480)
// plus, at most, three pictures scaled to fit it (the last result's
// thumbnail, the captured photo and the result, each at most the frame's
// size), the Renderer (ui/screen.h: ~110 KB peak) and, while an edit runs,
// app::Edits' (the prepared JPEG, at most 4.5 MB) and, while a picture is
// loaded, image::prepare's (< 1 MB) plus its small JPEG.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "app/edits.h"
#include "hal/button.h"
#include "hal/camera.h"
#include "hal/display.h"
#include "hal/indicator.h"
#include "hal/notifier.h"
#include "ui/screen.h"

namespace spark::app {

struct Preset {
  std::string name;
  std::string prompt;
  double scale = 0.5;
};

struct KioskSettings {
  std::vector<Preset> presets;  // at least one
  uint32_t capture_timeout_ms = 10000;
  uint32_t result_show_s = 15;
  uint32_t error_show_s = 10;
  ui::ResultLayout layout = ui::ResultLayout::kSideBySide;
  bool show_qr = false;
  bool keep_results = true;
  uint32_t keep_count = 200;
  std::string photos_dir;  // absolute; made (0700) by start()
  std::string body_shape = "wrapped";
  job::EditSettings edit;  // fit, poll (deadline, interval), backoff
  std::string font = ui::kDefaultFont;
  std::string bold_font = ui::kDefaultBoldFont;
  uint32_t next_buttons = 0;  // bit i set: presses of button id i mean "next preset"
  // Told every frame after it is presented (the simulator's --screens-dir).
  std::function<void(ui::ScreenKind, const hal::Frame&)> on_frame;
};

using hal::Notifier;

struct KioskDevices {
  hal::Camera& camera;
  hal::Button& button;
  hal::Clock& clock;
  hal::Indicator* led = nullptr;    // none: no LED
  hal::Display* display = nullptr;  // none: headless (screens are logged)
  Notifier* notifier = nullptr;
};

// A picture scaled to fit a box, owned (RGB888).
struct Picture {
  ui::Surface surface;
  ui::ImageView view() const { return surface.view(); }
  bool empty() const { return surface.width() == 0; }
  void clear() { surface = ui::Surface(); }
};

// Loads a JPEG or PNG file (any orientation: EXIF is applied) scaled to fit
// max_w x max_h with its aspect kept. Errors: the file's, image::prepare's.
Status load_picture(const std::string& path, uint32_t max_w, uint32_t max_h, Picture& out);

class Controller {
 public:
  Controller(const KioskDevices& devices, Edits& edits, KioskSettings settings);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Fonts, the frame, the photos folder; READY; then resumes unfinished
  // journal records (their results are shown).
  Status start();
  Status run();
  void stop() { stop_.store(true); }

  // What is on the screen now, for tests and tools.
  ui::ScreenKind screen() const { return screen_.kind; }
  size_t preset_index() const { return preset_; }
  const std::string& last_result_path() const { return last_result_path_; }
  const std::string& last_error() const { return error_cause_; }
  const job::EditOutcome& last_outcome() const { return last_outcome_; }
  uint32_t edits_started() const { return edits_started_; }
  // Milliseconds from the short press to the create request fully sent, of
  // the last edit, and its parts (0 before the first).
  struct Timing {
    uint64_t capture_ms = 0;        // the camera's capture, into its file
    uint64_t prepare_ms = 0;        // image::prepare (decode, fit, encode)
    uint64_t press_to_sent_ms = 0;  // to the request's last byte written
  };
  Timing last_timing() const { return timing_; }

 private:
  class Progress;
  class Resumer;
  friend class Progress;
  friend class Resumer;

  void on_button(const hal::ButtonEvent& ev);
  void edit();
  void finish(const job::EditOutcome& o, const std::string& capture_path);
  void next_preset();
  void show(ui::ScreenKind kind);
  void redraw();
  void idle();
  void error_screen(std::string_view cause, std::string hint);
  void trim_results();
  void drop_shown_files();
  void keep_alive(uint64_t now);
  uint64_t next_deadline(uint64_t now) const;
  const Preset& preset() const { return settings_.presets[preset_]; }

  KioskDevices dev_;
  Edits& edits_;
  KioskSettings settings_;
  ui::Renderer renderer_;
  ui::Surface surface_;
  ui::Screen screen_;
  std::atomic<bool> stop_{false};
  bool quit_ = false;
  Status fatal_;
  size_t preset_ = 0;
  uint64_t screen_until_ = hal::Deadline::kNever;  // result/error: back to idle then
  uint64_t watchdog_due_ = hal::Deadline::kNever;
  bool swallow_release_ = false;  // a press that cancelled: its release is not a new press
  Picture last_, captured_;       // the last result (idle thumbnail, result screen), its original
  std::string last_result_path_, shown_capture_, shown_result_;
  std::string error_cause_, error_hint_, edit_status_, result_url_;
  job::EditOutcome last_outcome_;
  uint32_t edits_started_ = 0;
  uint64_t press_ms_ = 0;
  uint64_t prepare_start_ms_ = 0, prepared_ms_ = 0, sent_at_ms_ = 0;
  uint64_t last_draw_ms_ = 0;
  bool cancel_by_press_ = false;
  Timing timing_;
};

// The one-line hint shown under an edit failure (what a person can do).
const char* hint_for(const job::EditOutcome& o);

}  // namespace spark::app
