#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "http/response_parser.h"

using namespace spark;
using spark::http::ResponseParser;

namespace {

struct Parsed {
  Status status;
  std::string body;
  size_t used = 0;
  bool done = false;
};

// Feeds text in pieces of `step` bytes (0 = all at once), then EOF if eof.
Parsed parse(ResponseParser& p, const std::string& text, size_t step = 0, bool eof = false,
             uint64_t cap = 1 << 20, bool no_body = false) {
  p.reset(no_body, cap);
  GrowingSink sink(static_cast<size_t>(cap) + 16);
  Parsed out;
  size_t pos = 0;
  while (pos < text.size() && !p.done()) {
    size_t n = step ? std::min(step, text.size() - pos) : text.size() - pos;
    Result<size_t> used = p.feed(as_bytes(std::string_view(text).substr(pos, n)), sink);
    if (!used.is_ok()) {
      out.status = used.status();
      break;
    }
    pos += *used;
    if (*used < n) break;
  }
  if (out.status.is_ok() && eof && !p.done()) out.status = p.finish(true);
  out.body = std::string(as_chars(sink.bytes()));
  out.used = pos;
  out.done = p.done();
  return out;
}

}  // namespace

TEST_CASE("parser_reads_content_length_in_any_split") {
  uint8_t head[1024];
  ResponseParser p{MutBytes(head)};
  std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  spaced \r\n\r\nhello";
  for (size_t step = 1; step <= text.size(); ++step) {
    Parsed r = parse(p, text, step);
    REQUIRE(r.status.is_ok());
    CHECK(r.done);
    CHECK(r.body == "hello");
    CHECK(p.status() == 200);
    CHECK(p.keep_alive());
    CHECK(p.header("x-a") == "spaced");
    CHECK(p.header("missing").empty());
  }
}

TEST_CASE("parser_decodes_chunked_with_extensions_and_trailers_in_any_split") {
  uint8_t head[1024];
  ResponseParser p{MutBytes(head)};
  std::string text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;name=value\r\nWiki\r\n5 ; x\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: 1\r\n\r\n";
  for (size_t step = 1; step <= text.size(); ++step) {
    Parsed r = parse(p, text, step);
    REQUIRE_MESSAGE(r.status.is_ok(), r.status.message());
    CHECK(r.done);
    CHECK(r.body == "Wikipedia in\r\n\r\nchunks.");
    CHECK(r.used == text.size());
  }
}

TEST_CASE("parser_skips_1xx_and_stops_at_the_response_end") {
  uint8_t head[1024];
  ResponseParser p{MutBytes(head)};
  Parsed r = parse(p,
                   "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\n"
                   "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nokNEXT");
  REQUIRE(r.status.is_ok());
  CHECK(p.status() == 201);
  CHECK(p.header("Link").empty());
  CHECK(r.body == "ok");
  CHECK(r.done);
}

TEST_CASE("parser_frames_the_final_response_by_its_own_headers_after_1xx") {
  uint8_t head[1024];
  ResponseParser p{MutBytes(head)};
  // An interim head's Content-Length must not frame a close-delimited body...
  Parsed r = parse(p,
                   "HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\n"
                   "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nhello world",
                   0, true);
  REQUIRE_MESSAGE(r.status.is_ok(), r.status.message());
  CHECK(r.body == "hello world");
  CHECK_FALSE(p.content_length());
  // ...nor its Transfer-Encoding a body with a Content-Length.
  for (size_t step : {size_t{0}, size_t{1}, size_t{7}}) {
    Parsed c = parse(p,
                     "HTTP/1.1 103 Early\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT",
                     step);
    REQUIRE_MESSAGE(c.status.is_ok(), c.status.message());
    CHECK(c.body == "hello");
    CHECK(c.done);
    CHECK_FALSE(p.chunked());
    CHECK(p.keep_alive());
  }
}

TEST_CASE("parser_leaves_bytes_after_the_response_unconsumed") {
  uint8_t head[256];
  ResponseParser p{MutBytes(head)};
  std::string text = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA";
  Parsed r = parse(p, text);
  CHECK(r.used == text.size() - 5);
}

TEST_CASE("parser_connection_semantics") {
  uint8_t head[256];
  ResponseParser p{MutBytes(head)};
  REQUIRE(parse(p, "HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n")
              .status.is_ok());
  CHECK_FALSE(p.keep_alive());
  REQUIRE(parse(p, "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").status.is_ok());
  CHECK_FALSE(p.keep_alive());
  REQUIRE(parse(p, "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n")
              .status.is_ok());
  CHECK(p.keep_alive());
  // Neither length nor chunked: the body runs to the close.
  Parsed r = parse(p, "HTTP/1.1 200 OK\r\n\r\nuntil close", 3, true);
  REQUIRE(r.status.is_ok());
  CHECK(r.body == "until close");
  CHECK_FALSE(p.keep_alive());
}

TEST_CASE("parser_refuses_a_close_delimited_body_ended_without_close_notify") {
  // A FIN anyone on the path can send must not complete a body that only
  // the close frames.
  uint8_t head[1024];
  http::ResponseParser p{MutBytes(head, sizeof head)};
  p.reset(false, 1 << 20);
  GrowingSink sink(1024);
  std::string text = "HTTP/1.1 200 OK\r\n\r\nhalf a pict";
  REQUIRE(p.feed(as_bytes(std::string_view(text)), sink).is_ok());
  Status s = p.finish(false);
  CHECK(s.code() == Code::kDataLoss);
  CHECK_MESSAGE(std::string(s.message()) ==
                    "the connection ended without a TLS close_notify after 11 body bytes of a "
                    "response framed by the close: it may have been cut",
                s.message());
  CHECK_FALSE(p.done());
  // A length-framed body is complete or not whatever the close looks like.
  p.reset(false, 1 << 20);
  std::string framed = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
  REQUIRE(p.feed(as_bytes(std::string_view(framed)), sink).is_ok());
  CHECK(p.done());
}

TEST_CASE("parser_has_no_body_for_head_204_and_304") {
  uint8_t head[256];
  ResponseParser p{MutBytes(head)};
  CHECK(parse(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 0, false, 100, true).done);
  CHECK(parse(p, "HTTP/1.1 204 No Content\r\n\r\n").done);
  CHECK(parse(p, "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").done);
}

TEST_CASE("parser_rejects_malformed_responses") {
  uint8_t head[256];
  ResponseParser p{MutBytes(head)};
  const char* bad[] = {
      "HTTP/2 200 OK\r\n\r\n",
      "HTTP/1.1 20 OK\r\n\r\n",
      "HTTP/1.1 2000 OK\r\n\r\n",
      "ICY 200 OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
      "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
      "HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1234567890123456\r\n",
      "HTTP/1.1 101 Switching Protocols\r\n\r\n",
  };
  for (const char* text : bad) {
    Parsed r = parse(p, text);
    CHECK_MESSAGE(r.status.code() == Code::kDataLoss, text);
  }
  CHECK(parse(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n").status.code() ==
        Code::kUnimplemented);
}

TEST_CASE("parser_chunked_wins_over_content_length_and_closes") {
  uint8_t head[256];
  ResponseParser p{MutBytes(head)};
  Parsed r = parse(p,
                   "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "1\r\nx\r\n0\r\n\r\n");
  REQUIRE(r.status.is_ok());
  CHECK(r.body == "x");
  CHECK_FALSE(p.keep_alive());
}

TEST_CASE("parser_caps_head_body_and_trailers") {
  uint8_t head[64];
  ResponseParser p{MutBytes(head)};
  Parsed big = parse(p, "HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a') + "\r\n\r\n");
  CHECK(big.status.code() == Code::kResourceExhausted);
  uint8_t head2[256];
  ResponseParser q{MutBytes(head2)};
  CHECK(parse(q, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n", 0, false, 10).status.code() ==
        Code::kResourceExhausted);
  CHECK(parse(q, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nb\r\n", 0, false, 10)
            .status.code() == Code::kResourceExhausted);
  CHECK(parse(q, "HTTP/1.1 200 OK\r\n\r\n" + std::string(11, 'x'), 0, false, 10).status.code() ==
        Code::kResourceExhausted);
  Parsed trailers = parse(
      q, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: " + std::string(300, 't'));
  CHECK(trailers.status.code() == Code::kResourceExhausted);
  Parsed ext =
      parse(q, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + std::string(5000, 'e'));
  CHECK(ext.status.code() == Code::kDataLoss);
}

TEST_CASE("parser_finish_tells_complete_from_cut") {
  uint8_t head[256];
  ResponseParser p{MutBytes(head)};
  Parsed none = parse(p, "", 0, true);
  CHECK(none.status.code() == Code::kUnavailable);
  Parsed in_head = parse(p, "HTTP/1.1 200 OK\r\n", 0, true);
  CHECK(in_head.status.code() == Code::kDataLoss);
  Parsed cut = parse(p, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, true);
  CHECK(cut.status.code() == Code::kDataLoss);
  CHECK(std::string(cut.status.message()) == "connection closed after 3 of 10 body bytes");
  Parsed cut_chunk =
      parse(p, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 0, true);
  CHECK(cut_chunk.status.code() == Code::kDataLoss);
}
