#include "codec/base64.h"

#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SPARK_BASE64_SSSE3 1
#elif defined(__aarch64__)
#include <arm_neon.h>
#define SPARK_BASE64_NEON 1
#endif

namespace spark::codec {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Two characters per 12 bits: a 3-byte group is two lookups and two 2-byte
// stores instead of four of each (8 KB of rodata). This is the whole
// encoder on armhf and the tail of a vector run elsewhere. 4.5 MB takes it
// 1.10 ms on the project's x86 machines, the SSSE3 steps below 0.37 ms.
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

// The vector steps below encode many groups at a time and fall back to the
// pair table for the rest. Each step loads all its input before storing its
// output, and reads at most 4 bytes past the groups it encodes.
//
// x86 (SSSE3, checked at run time; x86-64's baseline is SSE2): 4 groups a
// step. A byte shuffle puts each group's bytes b0 b1 b2 into a 32-bit lane
// as b1 b0 b2 b1, two multiplies move the four 6-bit fields into the four
// bytes, and a 16-entry shuffle table maps each field's range (A-Z, a-z,
// 0-9, +, /) to the offset that turns it into its character.
#if defined(SPARK_BASE64_SSSE3)
__attribute__((target("ssse3"))) size_t encode_ssse3(const uint8_t* in, size_t groups, char* out) {
  const __m128i spread = _mm_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
  const __m128i offsets =
      _mm_setr_epi8(65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4, -19, -16, 0, 0);
  size_t g = 0;
  for (; g + 6 <= groups; g += 4, in += 12, out += 16) {  // 16-byte loads stay in range
    __m128i v = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in)), spread);
    // Fields 0 and 2 (bits 10-15 and 6-11 of the two 16-bit halves) move
    // down with a high multiply, fields 1 and 3 up with a low one.
    const __m128i hi =
        _mm_mulhi_epu16(_mm_and_si128(v, _mm_set1_epi32(0x0fc0fc00)), _mm_set1_epi32(0x04000040));
    const __m128i lo =
        _mm_mullo_epi16(_mm_and_si128(v, _mm_set1_epi32(0x003f03f0)), _mm_set1_epi32(0x01000010));
    const __m128i idx = _mm_or_si128(hi, lo);  // one 6-bit value per byte, in order
    // Range number: 0 for A-Z, 1 for a-z, 2-11 for 0-9, 12 for +, 13 for /.
    __m128i range = _mm_subs_epu8(idx, _mm_set1_epi8(51));
    range = _mm_sub_epi8(range, _mm_cmpgt_epi8(idx, _mm_set1_epi8(25)));
    v = _mm_add_epi8(idx, _mm_shuffle_epi8(offsets, range));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), v);
  }
  return g;
}
#endif

// aarch64 (NEON is baseline): 16 groups a step. A de-interleaving load
// splits 48 bytes into b0, b1, b2 vectors, shifts make the four 6-bit
// fields, a 64-byte table lookup makes the characters and an interleaving
// store writes them in order. Debian's armhf has no NEON by default.
#if defined(SPARK_BASE64_NEON)
size_t encode_neon(const uint8_t* in, size_t groups, char* out) {
  const uint8x16x4_t alphabet = {{vld1q_u8(reinterpret_cast<const uint8_t*>(kAlphabet)),
                                  vld1q_u8(reinterpret_cast<const uint8_t*>(kAlphabet) + 16),
                                  vld1q_u8(reinterpret_cast<const uint8_t*>(kAlphabet) + 32),
                                  vld1q_u8(reinterpret_cast<const uint8_t*>(kAlphabet) + 48)}};
  const uint8x16_t low6 = vdupq_n_u8(63);
  size_t g = 0;
  for (; g + 16 <= groups; g += 16, in += 48, out += 64) {
    const uint8x16x3_t b = vld3q_u8(in);
    uint8x16x4_t c;
    c.val[0] = vshrq_n_u8(b.val[0], 2);
    c.val[1] = vandq_u8(vorrq_u8(vshlq_n_u8(b.val[0], 4), vshrq_n_u8(b.val[1], 4)), low6);
    c.val[2] = vandq_u8(vorrq_u8(vshlq_n_u8(b.val[1], 2), vshrq_n_u8(b.val[2], 6)), low6);
    c.val[3] = vandq_u8(b.val[2], low6);
    for (int i = 0; i < 4; ++i) c.val[i] = vqtbl4q_u8(alphabet, c.val[i]);
    vst4q_u8(reinterpret_cast<uint8_t*>(out), c);
  }
  return g;
}
#endif

// Encodes a whole number of 3-byte groups; returns characters written.
// Each step loads its input before storing its output, and the output
// (4 per 3) never overtakes input still to be loaded while out trails in by
// at least `groups` bytes: Base64Source encodes in place.
size_t encode_groups(const uint8_t* in, size_t groups, char* out) {
  size_t g = 0;
#if defined(SPARK_BASE64_SSSE3)
  static const bool ssse3 = __builtin_cpu_supports("ssse3");
  if (ssse3) g = encode_ssse3(in, groups, out);
#elif defined(SPARK_BASE64_NEON)
  g = encode_neon(in, groups, out);
#endif
  in += 3 * g;
  out += 4 * g;
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
