// Starting host programs (servers) from a test binary. posix_spawn, not
// fork+exec: under qemu-user a forked child of the emulated test never gets
// to exec the host program (it spins), while posix_spawn's vfork-style clone
// runs it natively. The child's stdin and stdout are the given descriptors;
// LD_LIBRARY_PATH (a qemu guest's library path) is not passed on.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace spark::test {

// Returns the child's pid, or -1. in_fd / out_fd of -1 leave stdin / stdout
// as they are.
pid_t spawn(const std::vector<std::string>& argv, int in_fd, int out_fd);

}  // namespace spark::test
