// hal::Storage: small named records that survive power loss (the journal,
// the cost ledger). Names are plain file names, no '/'.
// Memory: implementations hold their root path; records are read into the
// caller's buffer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/io.h"
#include "core/status.h"

namespace spark::hal {

class Storage {
 public:
  virtual ~Storage() = default;
  // Replaces the record whole, durably: after a power cut it holds either
  // the old or the new contents, never a mix.
  virtual Status write_atomic(std::string_view name, ConstBytes data) = 0;
  // Reads a record into buf. kNotFound when absent, kResourceExhausted when
  // it is larger than buf.
  virtual Result<size_t> read(std::string_view name, MutBytes buf) = 0;
  // Removing an absent record is not an error.
  virtual Status remove(std::string_view name) = 0;
  // Names of records starting with prefix, sorted; at most max of them.
  virtual Status list(std::string_view prefix, size_t max, std::vector<std::string>* names) = 0;
};

// Whole files by path: the photo's result and the prepared JPEG.
class OutputFile : public ByteSink {
 public:
  // Makes the file appear under its name, complete and durable. A file
  // destroyed without commit() leaves nothing under its name.
  virtual Status commit() = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual Result<std::unique_ptr<OutputFile>> create(const std::string& path) = 0;
  // Reads a whole file of at most max bytes (kResourceExhausted beyond).
  virtual Result<std::vector<uint8_t>> read(const std::string& path, size_t max) = 0;
};

}  // namespace spark::hal
