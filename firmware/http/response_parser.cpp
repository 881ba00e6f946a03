#include "http/response_parser.h"

#include <cstring>

#include "http/url.h"

namespace spark::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

int hex_value(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Does the comma-separated list contain token (case-insensitive)?
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    size_t comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

Status malformed(const char* what) {
  return Status::error(Code::kDataLoss, "malformed HTTP response: %s", what);
}

}  // namespace

void ResponseParser::reset(bool no_body, uint64_t body_cap) {
  head_len_ = 0;
  state_ = State::kHead;
  no_body_ = no_body;
  body_cap_ = body_cap;
  status_ = 0;
  reason_ = {};
  keep_alive_ = false;
  chunked_ = false;
  content_length_.reset();
  remaining_ = 0;
  body_bytes_ = 0;
  line_len_ = 0;
  trailer_bytes_ = 0;
  saw_cr_ = false;
  size_digits_ = 0;
  field_count_ = 0;
}

std::string_view ResponseParser::header(std::string_view name) const {
  const char* base = reinterpret_cast<const char*>(head_.data());
  for (size_t i = 0; i < field_count_; ++i) {
    const Field& f = fields_[i];
    if (iequals(std::string_view(base + f.name_off, f.name_len), name)) {
      return std::string_view(base + f.value_off, f.value_len);
    }
  }
  return {};
}

Result<size_t> ResponseParser::feed_head(ConstBytes in) {
  // Copy what fits, then look for the blank line that ends the head; the
  // search restarts a few bytes back so a split "\r\n\r\n" is found.
  size_t room = head_.size() - head_len_;
  size_t take = in.size() < room ? in.size() : room;
  size_t from = head_len_ > 3 ? head_len_ - 3 : 0;
  if (take) std::memcpy(head_.data() + head_len_, in.data(), take);
  size_t end = head_len_ + take;
  for (size_t i = from; i < end; ++i) {
    if (head_[i] != '\n') continue;
    size_t j = i + 1;
    if (j < end && head_[j] == '\r') ++j;
    if (j < end && head_[j] == '\n') {
      size_t head_len = j + 1;
      size_t used = head_len - head_len_;
      SPARK_TRY(parse_head(head_len));
      return used;
    }
  }
  head_len_ = end;
  if (head_len_ == head_.size()) {
    return Status::error(Code::kResourceExhausted, "response headers exceed %zu bytes",
                         head_.size());
  }
  return take;
}

Status ResponseParser::parse_head(size_t head_len) {
  const char* base = reinterpret_cast<const char*>(head_.data());
  std::string_view head(base, head_len);
  auto next_line = [&head]() {
    size_t nl = head.find('\n');
    std::string_view line = head.substr(0, nl);
    head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return line;
  };

  bool http11 = false;
  SPARK_TRY(parse_status_line(next_line(), http11));
  field_count_ = 0;
  bool seen_length = false;
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    SPARK_TRY(parse_field(line, seen_length));
  }

  if (status_ < 200) {
    if (status_ == 101) return malformed("unexpected 101 Switching Protocols");
    // Interim (100 Continue, 103 Early Hints): the real response follows,
    // framed by its own headers only: nothing an interim head said carries over.
    head_len_ = 0;
    field_count_ = 0;
    status_ = 0;
    reason_ = {};
    chunked_ = false;
    content_length_.reset();
    return Status::ok();
  }
  SPARK_TRY(choose_framing(http11));
  head_len_ = head_len;
  return Status::ok();
}

// "HTTP/1.x NNN reason": sets status_ and reason_.
Status ResponseParser::parse_status_line(std::string_view line, bool& http11) {
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || (line[7] != '0' && line[7] != '1') ||
      line[8] != ' ') {
    return malformed("bad status line");
  }
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return malformed("bad status code");
    code = code * 10 + (line[i] - '0');
  }
  if (code < 100 || (line.size() > 12 && line[12] != ' ')) return malformed("bad status code");
  http11 = line[7] == '1';
  status_ = code;
  reason_ = line.size() > 13 ? line.substr(13) : std::string_view();
  return Status::ok();
}

// One "Name: value" line of the head (a view into head_): recorded in
// fields_, Content-Length and Transfer-Encoding read.
Status ResponseParser::parse_field(std::string_view line, bool& seen_length) {
  const char* base = reinterpret_cast<const char*>(head_.data());
  if (line.front() == ' ' || line.front() == '\t') return malformed("obsolete header folding");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return malformed("header without a name");
  std::string_view name = line.substr(0, colon);
  for (char c : name) {
    if (!is_tchar(c)) return malformed("invalid character in a header name");
  }
  std::string_view value = trim(line.substr(colon + 1));
  if (field_count_ == kMaxHeaders) {
    return Status::error(Code::kResourceExhausted, "response has more than %zu headers",
                         kMaxHeaders);
  }
  fields_[field_count_++] =
      Field{static_cast<uint32_t>(name.data() - base), static_cast<uint32_t>(name.size()),
            static_cast<uint32_t>(value.data() - base), static_cast<uint32_t>(value.size())};
  if (iequals(name, "Content-Length")) {
    SPARK_TRY(take_content_length(value, seen_length));
  } else if (iequals(name, "Transfer-Encoding")) {
    // Only "chunked" is supported; nothing is asked for with TE.
    if (!iequals(value, "chunked")) {
      return Status::error(Code::kUnimplemented, "unsupported Transfer-Encoding \"%.*s\"",
                           static_cast<int>(value.size() > 40 ? 40 : value.size()), value.data());
    }
    chunked_ = true;
  }
  return Status::ok();
}

Status ResponseParser::take_content_length(std::string_view value, bool& seen_length) {
  if (value.empty() || value.size() > 18) return malformed("bad Content-Length");
  uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return malformed("bad Content-Length");
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (seen_length && *content_length_ != n) return malformed("conflicting Content-Length");
  seen_length = true;
  content_length_ = n;
  return Status::ok();
}

// After a final response's head: keep-alive and how the body is framed.
Status ResponseParser::choose_framing(bool http11) {
  std::string_view connection = header("Connection");
  keep_alive_ = http11 ? !has_token(connection, "close") : has_token(connection, "keep-alive");
  if (chunked_ && content_length_) {
    // RFC 9112 6.3: chunked wins, and the message may have been smuggled.
    content_length_.reset();
    keep_alive_ = false;
  }
  if (no_body_ || status_ == 204 || status_ == 304) {
    state_ = State::kDone;
  } else if (chunked_) {
    state_ = State::kChunkSize;
  } else if (content_length_) {
    if (*content_length_ > body_cap_) {
      return Status::error(Code::kResourceExhausted,
                           "response body of %llu bytes exceeds the %llu-byte cap",
                           static_cast<unsigned long long>(*content_length_),
                           static_cast<unsigned long long>(body_cap_));
    }
    remaining_ = *content_length_;
    state_ = remaining_ ? State::kLengthBody : State::kDone;
  } else {
    keep_alive_ = false;
    state_ = State::kCloseBody;
  }
  return Status::ok();
}

Status ResponseParser::deliver(ConstBytes data, ByteSink& body) {
  if (data.size() > body_cap_ - body_bytes_) {
    return Status::error(Code::kResourceExhausted, "response body exceeds the %llu-byte cap",
                         static_cast<unsigned long long>(body_cap_));
  }
  body_bytes_ += data.size();
  return body.write(data);
}

Result<size_t> ResponseParser::feed(ConstBytes in, ByteSink& body) {
  size_t pos = 0;
  while (pos < in.size() && state_ != State::kDone) {
    ConstBytes rest = in.subspan(pos);
    switch (state_) {
      case State::kHead: {
        SPARK_TRY_ASSIGN(size_t n, feed_head(rest));
        pos += n;
        break;
      }
      case State::kLengthBody:
      case State::kChunkData: {
        SPARK_TRY_ASSIGN(size_t n, feed_counted(rest, body));
        pos += n;
        break;
      }
      case State::kCloseBody:
        SPARK_TRY(deliver(rest, body));
        pos += rest.size();
        break;
      case State::kChunkSize:
      case State::kChunkExt:
        SPARK_TRY(chunk_size_byte(rest[0]));
        ++pos;
        break;
      case State::kChunkDataEnd:
        SPARK_TRY(chunk_data_end_byte(rest[0]));
        ++pos;
        break;
      case State::kTrailers:
        SPARK_TRY(trailer_byte(rest[0]));
        ++pos;
        break;
      case State::kDone:
        break;
    }
  }
  return pos;
}

// Body bytes counted by Content-Length or the chunk size.
Result<size_t> ResponseParser::feed_counted(ConstBytes rest, ByteSink& body) {
  size_t n = rest.size() < remaining_ ? rest.size() : static_cast<size_t>(remaining_);
  SPARK_TRY(deliver(rest.first(n), body));
  remaining_ -= n;
  if (remaining_ == 0) {
    state_ = state_ == State::kLengthBody ? State::kDone : State::kChunkDataEnd;
    saw_cr_ = false;
  }
  return n;
}

Status ResponseParser::chunk_size_byte(uint8_t c) {
  if (++line_len_ > kMaxChunkLine) return malformed("chunk-size line too long");
  if (c == '\n') {
    if (size_digits_ == 0) return malformed("chunk without a size");
    line_len_ = 0;
    size_digits_ = 0;
    saw_cr_ = false;
    if (remaining_ == 0) {
      state_ = State::kTrailers;
      return Status::ok();
    }
    if (remaining_ > body_cap_ - body_bytes_) {
      return Status::error(Code::kResourceExhausted, "response body exceeds the %llu-byte cap",
                           static_cast<unsigned long long>(body_cap_));
    }
    state_ = State::kChunkData;
    return Status::ok();
  }
  if (saw_cr_) return malformed("CR inside a chunk-size line");
  if (c == '\r') {
    saw_cr_ = true;
    return Status::ok();
  }
  if (state_ == State::kChunkExt) return Status::ok();  // extensions are ignored
  int v = hex_value(c);
  if (v >= 0) {
    if (++size_digits_ > 15) return malformed("chunk size too large");
    remaining_ = remaining_ * 16 + static_cast<uint64_t>(v);
  } else if (c == ';' || c == ' ' || c == '\t') {
    if (size_digits_ == 0) return malformed("chunk without a size");
    state_ = State::kChunkExt;
  } else {
    return malformed("bad chunk size");
  }
  return Status::ok();
}

Status ResponseParser::chunk_data_end_byte(uint8_t c) {
  if (c == '\r' && !saw_cr_) {
    saw_cr_ = true;
  } else if (c == '\n') {
    saw_cr_ = false;
    state_ = State::kChunkSize;
  } else {
    return malformed("chunk data not followed by CRLF");
  }
  return Status::ok();
}

Status ResponseParser::trailer_byte(uint8_t c) {
  if (++trailer_bytes_ > head_.size()) {
    return Status::error(Code::kResourceExhausted, "response trailers exceed %zu bytes",
                         head_.size());
  }
  if (c == '\n') {
    if (line_len_ == 0) state_ = State::kDone;
    line_len_ = 0;
  } else if (c != '\r') {
    ++line_len_;
  }
  return Status::ok();
}

Status ResponseParser::finish(bool close_notify) {
  switch (state_) {
    case State::kDone:
      return Status::ok();
    case State::kCloseBody:
      if (!close_notify) {
        return Status::error(Code::kDataLoss,
                             "the connection ended without a TLS close_notify after %llu body "
                             "bytes of a response framed by the close: it may have been cut",
                             static_cast<unsigned long long>(body_bytes_));
      }
      state_ = State::kDone;
      return Status::ok();
    case State::kHead:
      if (head_len_ == 0) {
        return Status::error(Code::kUnavailable, "connection closed before a response arrived");
      }
      return Status::error(Code::kDataLoss, "connection closed inside the response headers");
    case State::kLengthBody:
      return Status::error(Code::kDataLoss, "connection closed after %llu of %llu body bytes",
                           static_cast<unsigned long long>(body_bytes_),
                           static_cast<unsigned long long>(*content_length_));
    default:
      return Status::error(Code::kDataLoss,
                           "connection closed inside a chunked body (after %llu bytes)",
                           static_cast<unsigned long long>(body_bytes_));
  }
}

}  // namespace spark::http
