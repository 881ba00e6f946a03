// Loading the API key: from a file of the user's own that only they may
// read (owner = effective uid, mode 0600 or stricter), or from the
// SPARK_API_KEY environment variable. The key is registered with spark::log
// at once so no log line can ever carry it. It is copied once, into the
// returned string; the read buffer is wiped (text::wipe). Whoever holds the
// string wipes it when done (text::wipe(std::string&)).
// Memory: the key (at most kMaxKey bytes) and a kMaxKey + 64 stack buffer.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"

namespace spark::platform {

constexpr size_t kMaxKey = 256;
// Keys are long random tokens; anything shorter than this is a mistake (a
// placeholder, a truncated paste), and masking such a short string in every
// log line would garble ordinary text ("k" would mask every k).
constexpr size_t kMinKey = 8;

// Reads the first line of path (surrounding whitespace trimmed). Errors:
// kNotFound, kPermissionDenied ("... is readable by group or others (mode
// 0644): run chmod 600 ...", "... is owned by uid N, not by you"),
// kInvalidArgument (empty, shorter than kMinKey, too long, control
// characters).
//
// kSystemdCredential: a file of systemd's $CREDENTIALS_DIRECTORY
// (LoadCredential=). systemd writes it owned by root, mode 0400, and grants
// the service's user read access with an ACL, which shows as group bits
// (0440); so there the owner may be root or you and the group bits may be
// set, while others must still have no access. The directory itself is
// private to the service (systemd.exec(5), "Credentials").
enum class KeyFileKind : uint8_t { kOwnFile, kSystemdCredential };
Result<std::string> load_key_file(const std::string& path,
                                  KeyFileKind kind = KeyFileKind::kOwnFile);

// key_file when given, else $SPARK_API_KEY; kUnauthenticated when neither.
Result<std::string> load_api_key(const std::string& key_file);

}  // namespace spark::platform
