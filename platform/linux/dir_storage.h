// hal::Storage as files in one directory (created 0700 if missing). Each
// write goes through AtomicFileSink: temp file, fsync, rename, fsync dir.
// Memory: the root path.
#pragma once

#include <string>

#include "hal/storage.h"

namespace spark::platform {

class DirStorage final : public hal::Storage {
 public:
  // Creates the directory (and missing parents) when needed.
  static Result<DirStorage> open(const std::string& dir);

  Status write_atomic(std::string_view name, ConstBytes data) override;
  Result<size_t> read(std::string_view name, MutBytes buf) override;
  Status remove(std::string_view name) override;
  Status list(std::string_view prefix, size_t max, std::vector<std::string>* names) override;
  const std::string& dir() const { return dir_; }

 private:
  explicit DirStorage(std::string dir) : dir_(std::move(dir)) {}
  Result<std::string> path_of(std::string_view name) const;
  std::string dir_;
};

}  // namespace spark::platform
