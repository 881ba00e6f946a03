// Where the state lives and what of it may be trusted: the rules both
// spark-edit and the device program follow.
//
// The state directory (journal, prepared images, ledger) is, in order:
// the explicit choice (--state-dir), $SPARK_STATE_DIR, systemd's
// $STATE_DIRECTORY (its first entry when it lists several, ':'-separated),
// else $HOME/.local/state/sparkcam. With none of them there is no safe
// default (no /tmp fallback) and the program refuses to run. The directory
// and its journal/ and prepared/ subdirectories are created 0700 and must be
// the user's own and not writable by others (platform::ensure_private_dir).
//
// A journal record is checked before anything acts on it: the prepared
// image must be a plain file name under <state>/prepared, the output path
// absolute with no "." or ".." component, the task id a plain token, the
// result URL https://. A record that breaks a rule is refused, never
// followed. Final outputs are replaced by rename(), which replaces a
// symbolic link itself instead of writing through it (platform/file_io.h).
//
// Memory: a few std::strings per call.
#pragma once

#include <string>

#include "core/status.h"
#include "job/journal.h"

namespace spark::app {

// The state directory from the explicit choice or the environment (see
// above), made absolute against the working directory; trailing slashes
// dropped. Errors: kInvalidArgument "no state directory: set HOME, ...".
Result<std::string> resolve_state_dir(const std::string& explicit_dir);

// The subdirectory prepared images live in.
std::string prepared_dir(const std::string& state_dir);

// Creates and checks the state directory and its subdirectories (errors of
// platform::ensure_private_dir).
Status open_state_dir(const std::string& state_dir);

// OK when every path and id in e is one this program could have written
// for state_dir; else kFailedPrecondition naming the field and the rule.
Status check_journal_entry(const job::JournalEntry& e, const std::string& state_dir);

}  // namespace spark::app
