// A directory only its owner can change: the state directory (journal,
// prepared images, ledger) must be one, or a planted journal could make the
// program download over any file or unlink one.
//
// ensure_private_dir(dir) creates dir with mode 0700 (and its missing
// parents, each 0700, as XDG asks for ~/.local/state), then checks with
// lstat that it is a real directory (not a symbolic link), owned by the
// effective user and not writable by group or others.
// Memory: the path being built (one std::string).
#pragma once

#include <string>

#include "core/status.h"

namespace spark::platform {

// Errors: kInvalidArgument (empty or relative path), kIo (cannot create or
// stat it), kFailedPrecondition with the fix in words: "run chmod 700 D:
// the state directory is writable by group or others (mode 0777)", "... is a
// symbolic link: pass the directory it points to", "... is owned by uid N,
// not by you (uid M): use a directory of your own", "... is not a
// directory".
Status ensure_private_dir(const std::string& dir);

}  // namespace spark::platform
