// RFC 4648 base64 (standard alphabet, '=' padding, no line breaks), streamed.
//
// Nothing here holds the whole text. Base64Encoder is pushed bytes in any
// split and writes complete 4-character quanta to a sink; it carries at most
// 2 input bytes between calls, so padding appears only at finish().
// Base64Source is pulled: it reads its inner source in multiples of 3 bytes
// straight into the caller's buffer and encodes there, in place, for an HTTP
// body whose length is known up front (one read of the inner source per
// read of the text, no copy).
//
// Memory: Base64Encoder is kChunk output bytes + 3 carried bytes inline;
// Base64Source is the inner source's reference and 7 bytes inline. No heap.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bytes.h"
#include "core/io.h"
#include "core/status.h"

namespace spark::codec {

// Exact length of the encoding of n bytes.
constexpr uint64_t base64_encoded_size(uint64_t n) {
  return 4 * ((n + 2) / 3);
}

// One-shot: encodes in into out, which must hold base64_encoded_size(in.size())
// bytes. Returns the number written, or 0 if out is too small (and in isn't empty).
size_t base64_encode(ConstBytes in, MutBytes out);

class Base64Encoder {
 public:
  static constexpr size_t kChunk = 1024;  // output bytes per sink write, max

  explicit Base64Encoder(ByteSink& out) : out_(out) {}
  Status write(ConstBytes in);
  // Emits the final quantum with its padding. Further writes are an error.
  Status finish();
  uint64_t bytes_out() const { return bytes_out_; }

 private:
  Status flush();

  ByteSink& out_;
  uint8_t carry_[3] = {};  // at most 2 between calls
  size_t carry_len_ = 0;
  char buf_[kChunk] = {};
  size_t buf_len_ = 0;
  uint64_t bytes_out_ = 0;
  bool finished_ = false;
};

class Base64Source final : public ByteSource {
 public:
  explicit Base64Source(ByteSource& in) : in_(in) {}
  Result<size_t> read(MutBytes buf) override;
  // Known only when the inner source's size is.
  std::optional<uint64_t> size() const override;

 private:
  ByteSource& in_;
  // Only for reads of under 4 bytes: one group and its quantum.
  uint8_t raw_[3] = {};
  char text_[4] = {};
  size_t text_len_ = 0;
  size_t text_pos_ = 0;
  bool eof_ = false;
};

}  // namespace spark::codec
