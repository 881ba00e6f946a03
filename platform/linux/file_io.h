// Files as ByteSource/ByteSink over POSIX descriptors, and atomic replace.
//
// AtomicFileSink writes to "<path>.tmp-<pid>.<16 random hex digits>",
// created with O_EXCL|O_NOFOLLOW (a file or symbolic link planted there is
// never opened or followed), and commit() fsyncs it, renames it over path
// and fsyncs the directory, so a power cut leaves either the old file or the
// complete new one, never a partial file under path. rename() replaces a
// symbolic link at path itself: nothing is ever written through one.
// A sink destroyed without commit() removes its temporary file; create()
// removes those of the same target left by a process that was killed.
//
// Memory: a descriptor and the path (one std::string) per object.
#pragma once

#include <string>

#include "core/io.h"
#include "hal/storage.h"

namespace spark::platform {

class FileSource final : public RewindableSource {
 public:
  static Result<FileSource> open(const std::string& path);
  FileSource(FileSource&& other) noexcept;
  FileSource& operator=(FileSource&&) = delete;
  ~FileSource() override;

  Result<size_t> read(MutBytes buf) override;
  std::optional<uint64_t> size() const override { return size_; }
  Status rewind() override;

 private:
  FileSource(int fd, uint64_t size, std::string path)
      : fd_(fd), size_(size), path_(std::move(path)) {}
  int fd_;
  uint64_t size_;
  std::string path_;
};

class AtomicFileSink final : public hal::OutputFile {
 public:
  // mode: permission bits of the final file (e.g. 0644, 0600 for secrets).
  static Result<AtomicFileSink> create(const std::string& path, unsigned mode = 0644);
  AtomicFileSink(AtomicFileSink&& other) noexcept;
  AtomicFileSink& operator=(AtomicFileSink&&) = delete;
  ~AtomicFileSink() override;

  Status write(ConstBytes data) override;
  // Makes the file durable under its final name.
  Status commit() override;
  const std::string& temp_path() const { return temp_; }

 private:
  AtomicFileSink(int fd, std::string path, std::string temp)
      : fd_(fd), path_(std::move(path)), temp_(std::move(temp)) {}
  int fd_;
  std::string path_;
  std::string temp_;
};

// hal::FileSystem over POSIX files; outputs are AtomicFileSinks (0644).
class PosixFileSystem final : public hal::FileSystem {
 public:
  Result<std::unique_ptr<hal::OutputFile>> create(const std::string& path) override;
  Result<std::vector<uint8_t>> read(const std::string& path, size_t max) override;
};

// fsyncs the directory that holds path (after a rename into it).
Status sync_parent_dir(const std::string& path);

}  // namespace spark::platform
