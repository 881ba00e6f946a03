// Byte streams: the one shape every stage of sparkcam reads and writes.
//
// A ByteSource is pulled (read until it returns 0 = end of stream); a ByteSink
// is pushed. Implementations here are memory-only; files and sockets live in
// platform/. The caller owns every buffer passed in; a source or sink keeps no
// pointer to it after the call returns.
//
// Memory: MemorySource and FixedSink hold two spans; GrowingSink holds at most
// its cap (its vector grows by doubling, so the reserved capacity is at most
// 2x the bytes written and never more than the cap).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace spark {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to buf.size() bytes; returns how many. 0 means end of stream
  // (never "nothing yet": a source that must wait blocks or errs).
  virtual Result<size_t> read(MutBytes buf) = 0;
  // Total bytes this source will produce from its start, if known.
  virtual std::optional<uint64_t> size() const { return std::nullopt; }
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Takes all of data, or fails.
  virtual Status write(ConstBytes data) = 0;
};

// A source that can be read again from its start (image::fit's quality
// step-down and a resent create read the same bytes twice).
class RewindableSource : public ByteSource {
 public:
  virtual Status rewind() = 0;
};

// A sink that can be emptied to start its output again.
class ResettableSink : public ByteSink {
 public:
  virtual Status reset() = 0;
};

class MemorySource final : public RewindableSource {
 public:
  explicit MemorySource(ConstBytes data) : data_(data) {}
  Result<size_t> read(MutBytes buf) override;
  std::optional<uint64_t> size() const override { return data_.size(); }
  Status rewind() override {
    pos_ = 0;
    return Status::ok();
  }

 private:
  ConstBytes data_;
  size_t pos_ = 0;
};

// Writes into a caller-owned buffer; kResourceExhausted when it is full.
class FixedSink final : public ByteSink {
 public:
  explicit FixedSink(MutBytes buf) : buf_(buf) {}
  Status write(ConstBytes data) override;
  ConstBytes written() const { return ConstBytes(buf_.data(), used_); }
  void clear() { used_ = 0; }

 private:
  MutBytes buf_;
  size_t used_ = 0;
};

// Owns a growing buffer bounded by cap; kResourceExhausted past the cap.
class GrowingSink final : public ResettableSink {
 public:
  explicit GrowingSink(size_t cap) : cap_(cap) {}
  Status write(ConstBytes data) override;
  Status reset() override {
    data_.clear();
    return Status::ok();
  }
  ConstBytes bytes() const { return ConstBytes(data_.data(), data_.size()); }
  std::vector<uint8_t> take() { return std::move(data_); }
  void clear() { data_.clear(); }

 private:
  size_t cap_;
  std::vector<uint8_t> data_;
};

// Counts and discards.
class CountingSink final : public ByteSink {
 public:
  Status write(ConstBytes data) override {
    count_ += data.size();
    return Status::ok();
  }
  uint64_t count() const { return count_; }

 private:
  uint64_t count_ = 0;
};

// Copies src to dst through the caller's scratch buffer until the end of src.
// Fails with kResourceExhausted if more than limit bytes arrive.
// Returns the number of bytes copied.
Result<uint64_t> copy(ByteSource& src, ByteSink& dst, MutBytes scratch,
                      uint64_t limit = UINT64_MAX);

// Reads exactly buf.size() bytes, or fails with kDataLoss at an early end.
Status read_exact(ByteSource& src, MutBytes buf);

}  // namespace spark
