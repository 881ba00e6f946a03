// hal::Notifier: the service manager the device program reports to (on
// Linux, systemd's notify protocol: platform/linux/sd_notify.h). The
// controller says when it is ready, what it is doing, that it is alive
// (the watchdog: a program that stops saying so is restarted) and when it
// is stopping.
//
// Errors: none reported; a lost notification is the service manager's
// problem to time out on, never the device's to stop for.
//
// Memory: interface only.
#pragma once

#include <cstdint>

namespace spark::hal {

class Notifier {
 public:
  virtual ~Notifier() = default;
  // One assignment: "READY=1", "STATUS=...", "WATCHDOG=1", "STOPPING=1".
  virtual void notify(const char* assignment) = 0;
  // How often WATCHDOG=1 is due (0: no watchdog).
  virtual uint64_t watchdog_interval_ms() const = 0;
};

}  // namespace spark::hal
