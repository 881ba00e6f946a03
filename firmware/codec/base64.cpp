#include "codec/base64.h"

#include <cstring>

namespace spark::codec {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Two characters per 12 bits: a 3-byte group is two lookups and two 2-byte
// stores instead of four of each (8 KB of rodata; the encoder is about half
// the client's own CPU time in a large upload).
struct PairTable {
  char pair[4096][2];
};
constexpr PairTable make_pairs() {
  PairTable t{};
  for (int i = 0; i < 4096; ++i) {
    t.pair[i][0] = kAlphabet[i >> 6];
    t.pair[i][1] = kAlphabet[i & 63];
  }
  return t;
}
constexpr PairTable kPairs = make_pairs();

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
// Each step loads its input before storing its output, and the output
// (4 per 3) never overtakes input still to be loaded while out trails in by
// at least `groups` bytes: Base64Source encodes in place.
size_t encode_groups(const uint8_t* in, size_t groups, char* out) {
  size_t g = 0;
  // Two groups a step from one 8-byte big-endian load (6 bytes used), while
  // 8 bytes are there to read.
  for (; g + 3 <= groups; g += 2, in += 6, out += 8) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = v << 8 | in[i];  // one bswapped load
    std::memcpy(out, kPairs.pair[v >> 52], 2);
    std::memcpy(out + 2, kPairs.pair[(v >> 40) & 0xfff], 2);
    std::memcpy(out + 4, kPairs.pair[(v >> 28) & 0xfff], 2);
    std::memcpy(out + 6, kPairs.pair[(v >> 16) & 0xfff], 2);
  }
  for (; g < groups; ++g, in += 3, out += 4) {
    uint32_t v = static_cast<uint32_t>(in[0]) << 16 | static_cast<uint32_t>(in[1]) << 8 | in[2];
    std::memcpy(out, kPairs.pair[v >> 12], 2);
    std::memcpy(out + 2, kPairs.pair[v & 0xfff], 2);
  }
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
  if (buf.empty()) return size_t{0};
  if (text_pos_ < text_len_) {  // what a read of under 4 bytes left over
    size_t n = text_len_ - text_pos_ < buf.size() ? text_len_ - text_pos_ : buf.size();
    std::memcpy(buf.data(), text_ + text_pos_, n);
    text_pos_ += n;
    return n;
  }
  if (eof_) return size_t{0};
  // Read whole groups into the tail of buf and encode them forward into its
  // head, in place. The raw bytes are filled completely (a short read from
  // the inner source is not the end), so only the stream's last group can
  // carry padding. A buffer under one quantum goes through text_.
  const bool small = buf.size() < 4;
  const size_t raw_len = small ? 3 : buf.size() / 4 * 3;
  uint8_t* raw = small ? raw_ : buf.data() + buf.size() - raw_len;
  size_t got = 0;
  while (got < raw_len) {
    SPARK_TRY_ASSIGN(size_t n, in_.read(MutBytes(raw + got, raw_len - got)));
    if (n == 0) {
      eof_ = true;
      break;
    }
    got += n;
  }
  char* out = small ? text_ : reinterpret_cast<char*>(buf.data());
  size_t groups = got / 3;
  size_t len = encode_groups(raw, groups, out);
  if (got % 3) {
    encode_quantum(raw + groups * 3, got % 3, out + len);
    len += 4;
  }
  if (!small) return len;
  text_len_ = len;
  text_pos_ = 0;
  return read(buf);
}

}  // namespace spark::codec
