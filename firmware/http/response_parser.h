// ResponseParser: an incremental HTTP/1.1 response parser.
//
// Fed bytes as they arrive, in any split. It collects the head (status line
// and headers) in a caller-owned buffer whose size is the cap on the head
// (16 KB in http::Client), skips 1xx interim responses, and hands the body,
// de-chunked, to a ByteSink: Content-Length, chunked (extensions and
// trailers accepted and ignored) or, without either, until the peer closes.
// Body bytes beyond body_cap fail the response. Malformed input fails with
// kDataLoss, oversize with kResourceExhausted; nothing is ever read twice
// and every state consumes at least one byte per step, so a hostile peer
// can only end a response or be cut by a cap or the caller's deadline.
//
// Memory: the head buffer (caller's) plus kMaxHeaders x 16 bytes inline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "core/bytes.h"
#include "core/io.h"
#include "core/status.h"

namespace spark::http {

class ResponseParser {
 public:
  static constexpr size_t kMaxHeaders = 100;
  static constexpr size_t kMaxChunkLine = 4096;  // size + extensions

  explicit ResponseParser(MutBytes head_buffer) : head_(head_buffer) {}

  // Starts a new response. A HEAD (or CONNECT) response has no body.
  void reset(bool no_body, uint64_t body_cap);

  // Consumes a prefix of in, writing body bytes to body. Returns how many
  // bytes were used: all of in, unless the response ended inside it (the
  // rest is not part of this response).
  Result<size_t> feed(ConstBytes in, ByteSink& body);
  // The peer closed the stream: completes a body delimited by the close
  // when the close is authenticated (close_notify: a TLS close_notify, or
  // true for a plain-TCP proxy reply), else kDataLoss ("connection closed
  // after 10 of 100 body bytes", or "... without a TLS close_notify ...":
  // anyone on the path can end a TCP stream, so such a body may be cut).
  Status finish(bool close_notify);

  bool headers_done() const { return state_ > State::kHead; }
  // True once any byte of the response arrived.
  bool started() const { return state_ != State::kHead || head_len_ > 0; }
  bool done() const { return state_ == State::kDone; }
  // Valid once headers_done().
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  bool chunked() const { return state_ != State::kHead && chunked_; }
  std::optional<uint64_t> content_length() const { return content_length_; }
  uint64_t body_bytes() const { return body_bytes_; }
  // The first header called name (case-insensitive), trimmed; empty if none.
  // Views into the head buffer, valid until the next reset().
  std::string_view header(std::string_view name) const;
  std::string_view reason() const { return reason_; }

 private:
  enum class State : uint8_t {
    kHead,
    kLengthBody,
    kChunkSize,
    kChunkExt,
    kChunkData,
    kChunkDataEnd,
    kTrailers,
    kCloseBody,
    kDone,
  };
  struct Field {
    uint32_t name_off, name_len, value_off, value_len;
  };

  Result<size_t> feed_head(ConstBytes in);
  Status parse_head(size_t head_len);
  Status parse_status_line(std::string_view line, bool& http11);
  Status parse_field(std::string_view line, bool& seen_length);
  Status take_content_length(std::string_view value, bool& seen_length);
  Status choose_framing(bool http11);
  Status deliver(ConstBytes data, ByteSink& body);
  Result<size_t> feed_counted(ConstBytes rest, ByteSink& body);
  Status chunk_size_byte(uint8_t c);
  Status chunk_data_end_byte(uint8_t c);
  Status trailer_byte(uint8_t c);

  MutBytes head_;
  size_t head_len_ = 0;
  State state_ = State::kHead;
  bool no_body_ = false;
  uint64_t body_cap_ = 0;
  int status_ = 0;
  std::string_view reason_;
  bool keep_alive_ = false;
  bool chunked_ = false;
  std::optional<uint64_t> content_length_;
  uint64_t remaining_ = 0;  // of the current chunk or the Content-Length body
  uint64_t body_bytes_ = 0;
  size_t line_len_ = 0;  // chunk-size line or trailer line so far
  size_t trailer_bytes_ = 0;
  bool saw_cr_ = false;
  size_t size_digits_ = 0;
  Field fields_[kMaxHeaders] = {};
  size_t field_count_ = 0;
};

}  // namespace spark::http
