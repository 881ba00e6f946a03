// BodySource: a request body whose length is known before the first byte
// (it becomes Content-Length). The client pulls it in chunks, so a body is
// never held whole. Memory: MemoryBody holds a span of the caller's bytes.
#pragma once

#include <cstdint>
#include <optional>

#include "core/io.h"

namespace spark::http {

class BodySource : public ByteSource {
 public:
  // Exactly how many bytes read() will produce in total.
  virtual uint64_t length() const = 0;
  std::optional<uint64_t> size() const override { return length(); }
};

class MemoryBody final : public BodySource {
 public:
  explicit MemoryBody(ConstBytes data) : source_(data), length_(data.size()) {}
  Result<size_t> read(MutBytes buf) override { return source_.read(buf); }
  uint64_t length() const override { return length_; }

 private:
  MemorySource source_;
  uint64_t length_;
};

}  // namespace spark::http
