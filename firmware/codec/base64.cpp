#include "codec/base64.h"

#include <cstring>

namespace spark::codec {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Encodes n (1..3) bytes into one padded quantum.
void encode_quantum(const uint8_t* in, size_t n, char* out) {
  uint32_t v = static_cast<uint32_t>(in[0]) << 16;
  if (n > 1) v |= static_cast<uint32_t>(in[1]) << 8;
  if (n > 2) v |= in[2];
  out[0] = kAlphabet[(v >> 18) & 63];
  out[1] = kAlphabet[(v >> 12) & 63];
  out[2] = n > 1 ? kAlphabet[(v >> 6) & 63] : '=';
  out[3] = n > 2 ? kAlphabet[v & 63] : '=';
}

// Encodes a whole number of 3-byte groups; returns characters written.
size_t encode_groups(const uint8_t* in, size_t groups, char* out) {
  for (size_t g = 0; g < groups; ++g) encode_quantum(in + 3 * g, 3, out + 4 * g);
  return groups * 4;
}

}  // namespace

size_t base64_encode(ConstBytes in, MutBytes out) {
  if (out.size() < base64_encoded_size(in.size())) return 0;
  char* o = reinterpret_cast<char*>(out.data());
  size_t groups = in.size() / 3;
  size_t n = encode_groups(in.data(), groups, o);
  size_t rest = in.size() - groups * 3;
  if (rest) {
    encode_quantum(in.data() + groups * 3, rest, o + n);
    n += 4;
  }
  return n;
}

Status Base64Encoder::flush() {
  if (buf_len_ == 0) return Status::ok();
  SPARK_TRY(out_.write(ConstBytes(reinterpret_cast<const uint8_t*>(buf_), buf_len_)));
  bytes_out_ += buf_len_;
  buf_len_ = 0;
  return Status::ok();
}

Status Base64Encoder::write(ConstBytes in) {
  if (finished_) return Status::error(Code::kFailedPrecondition, "base64: write after finish");
  // Complete a group started by an earlier call.
  while (carry_len_ > 0 && !in.empty()) {
    carry_[carry_len_++] = in[0];
    in = in.subspan(1);
    if (carry_len_ < 3) continue;
    if (buf_len_ + 4 > sizeof buf_) SPARK_TRY(flush());
    buf_len_ += encode_groups(carry_, 1, buf_ + buf_len_);
    carry_len_ = 0;
  }
  while (in.size() >= 3) {
    size_t room = (sizeof buf_ - buf_len_) / 4;
    if (room == 0) {
      SPARK_TRY(flush());
      continue;
    }
    size_t groups = in.size() / 3 < room ? in.size() / 3 : room;
    buf_len_ += encode_groups(in.data(), groups, buf_ + buf_len_);
    in = in.subspan(groups * 3);
  }
  for (uint8_t b : in) carry_[carry_len_++] = b;
  return Status::ok();
}

Status Base64Encoder::finish() {
  if (finished_) return Status::ok();
  finished_ = true;
  if (carry_len_) {
    if (buf_len_ + 4 > sizeof buf_) SPARK_TRY(flush());
    encode_quantum(carry_, carry_len_, buf_ + buf_len_);
    buf_len_ += 4;
    carry_len_ = 0;
  }
  return flush();
}

std::optional<uint64_t> Base64Source::size() const {
  auto n = in_.size();
  if (!n) return std::nullopt;
  return base64_encoded_size(*n);
}

Result<size_t> Base64Source::read(MutBytes buf) {
  if (text_pos_ == text_len_) {
    if (eof_) return size_t{0};
    // Fill raw_ completely (a short read from the inner source is not the
    // end), so only the stream's last group can carry padding.
    size_t got = 0;
    while (got < sizeof raw_) {
      SPARK_TRY_ASSIGN(size_t n, in_.read(MutBytes(raw_ + got, sizeof raw_ - got)));
      if (n == 0) {
        eof_ = true;
        break;
      }
      got += n;
    }
    text_len_ = base64_encode(ConstBytes(raw_, got),
                              MutBytes(reinterpret_cast<uint8_t*>(text_), sizeof text_));
    text_pos_ = 0;
    if (text_len_ == 0) return size_t{0};
  }
  size_t n = text_len_ - text_pos_;
  if (n > buf.size()) n = buf.size();
  std::memcpy(buf.data(), text_ + text_pos_, n);
  text_pos_ += n;
  return n;
}

}  // namespace spark::codec
