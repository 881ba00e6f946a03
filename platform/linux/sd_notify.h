// SdNotify: systemd's notify protocol written directly (no libsystemd): a
// datagram "READY=1", "STATUS=...", "WATCHDOG=1" or "STOPPING=1" to the
// AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" for the
// abstract namespace). With Type=notify and WatchdogSec= in the unit,
// systemd waits for READY=1 and restarts the program when WATCHDOG=1 stops
// coming; watchdog_interval_ms() is half of $WATCHDOG_USEC (as sd_notify(3)
// advises), 0 when there is none or $WATCHDOG_PID names another process.
//
// Without $NOTIFY_SOCKET every call does nothing (the program was not
// started by systemd). A failed send is logged once (debug) and ignored.
//
// Memory: the socket address (110 bytes) and one descriptor; a message is
// sent from the caller's string.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdint>

#include "hal/notifier.h"

namespace spark::platform {

class SdNotify final : public hal::Notifier {
 public:
  // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID.
  SdNotify();
  ~SdNotify() override;
  SdNotify(const SdNotify&) = delete;
  SdNotify& operator=(const SdNotify&) = delete;

  bool enabled() const { return len_ != 0; }
  void notify(const char* assignment) override;
  uint64_t watchdog_interval_ms() const override { return watchdog_ms_; }

 private:
  int fd_ = -1;
  sockaddr_un addr_{};
  socklen_t len_ = 0;
  uint64_t watchdog_ms_ = 0;
  bool warned_ = false;
};

}  // namespace spark::platform
