#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "core/io.h"

using namespace spark;

namespace {
// Returns at most `step` bytes per read, to exercise short reads.
class TrickleSource final : public ByteSource {
 public:
  TrickleSource(ConstBytes data, size_t step) : inner_(data), step_(step) {}
  Result<size_t> read(MutBytes buf) override { return inner_.read(buf.first(step_)); }

 private:
  MemorySource inner_;
  size_t step_;
};
}  // namespace

TEST_CASE("memory_source_reads_in_pieces_then_reports_end") {
  std::string text = "hello, sparkcam";
  MemorySource src(as_bytes(text));
  CHECK(src.size().value() == text.size());
  uint8_t buf[4];
  std::string got;
  for (;;) {
    auto n = src.read(MutBytes(buf));
    REQUIRE(n.is_ok());
    if (*n == 0) break;
    got.append(reinterpret_cast<char*>(buf), *n);
  }
  CHECK(got == text);
  CHECK(*src.read(MutBytes(buf)) == 0);
}

TEST_CASE("fixed_sink_refuses_overflow_and_keeps_what_fit") {
  uint8_t storage[8];
  FixedSink sink{MutBytes(storage)};
  CHECK(sink.write(as_bytes("abcde")).is_ok());
  Status s = sink.write(as_bytes("fghi"));
  CHECK(s.code() == Code::kResourceExhausted);
  CHECK(as_chars(sink.written()) == "abcde");
}

TEST_CASE("growing_sink_is_capped") {
  GrowingSink sink(10);
  CHECK(sink.write(as_bytes("0123456789")).is_ok());
  CHECK(sink.write(as_bytes("x")).code() == Code::kResourceExhausted);
  CHECK(as_chars(sink.bytes()) == "0123456789");
}

TEST_CASE("copy_moves_everything_through_scratch_and_enforces_limit") {
  std::string text(1000, 'q');
  TrickleSource src(as_bytes(text), 7);
  GrowingSink sink(4096);
  uint8_t scratch[64];
  auto n = copy(src, sink, MutBytes(scratch));
  REQUIRE(n.is_ok());
  CHECK(*n == 1000);
  CHECK(as_chars(sink.bytes()) == text);

  MemorySource big(as_bytes(text));
  CountingSink counter;
  auto capped = copy(big, counter, MutBytes(scratch), 999);
  CHECK(capped.status().code() == Code::kResourceExhausted);
}

TEST_CASE("read_exact_reports_a_short_stream") {
  std::string text = "abc";
  TrickleSource src(as_bytes(text), 1);
  uint8_t two[2];
  CHECK(read_exact(src, MutBytes(two)).is_ok());
  uint8_t more[2];
  Status s = read_exact(src, MutBytes(more));
  CHECK(s.code() == Code::kDataLoss);
  CHECK(std::string(s.message()) == "stream ended after 1 of 2 bytes");
}

TEST_CASE("span_first_and_subspan_clamp") {
  uint8_t a[5] = {1, 2, 3, 4, 5};
  ConstBytes b(a);
  CHECK(b.first(10).size() == 5);
  CHECK(b.subspan(3).size() == 2);
  CHECK(b.subspan(9).size() == 0);
  CHECK(b.subspan(1, 2)[1] == 3);
}
