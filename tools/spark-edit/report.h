// How spark-edit shows an edit: live progress on stderr (one redrawn line on
// a terminal, plain log lines otherwise, colour unless NO_COLOR), the final
// summary, and the --json object.
#pragma once

#include <csignal>
#include <string>

#include "job/edit_job.h"
#include "session.h"

namespace spark::cli {

// Set by SIGINT/SIGTERM: the edit stops at the next step and stays resumable.
extern volatile std::sig_atomic_t g_interrupted;
void install_interrupt_handlers();

class Progress final : public job::Observer {
 public:
  Progress(hal::Clock& clock, const CommonOptions& o);
  ~Progress() override { clear(); }
  void on_state(job::State from, job::State to, const char* why) override;
  void on_upload(uint64_t sent, uint64_t total) override;
  void on_poll(const api::TaskInfo& task, uint32_t polls) override;
  void on_download(uint64_t received, uint64_t total) override;
  bool cancelled() override { return g_interrupted != 0; }
  // Erases the live line (before other output).
  void clear();

 private:
  void draw(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  void crash_if(const char* point);

  hal::Clock& clock_;
  bool live_;
  const char* crash_at_;
  uint64_t last_draw_ms_ = 0;
  uint64_t phase_start_ms_ = 0;
  bool drawn_ = false;
};

// Prints the outcome (text on stderr and the result path on stdout, or one
// JSON object on stdout) and returns the exit code.
int report(const job::EditOutcome& o, const CommonOptions& opts);

// The exit code of an outcome.
int exit_code_of(const job::EditOutcome& o);

}  // namespace spark::cli
