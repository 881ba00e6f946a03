// http::Client against real nginx, the hostile Python server, a Python
// upload echo and a CONNECT proxy, all over TLS on loopback.
#include <doctest/doctest.h>
#include <mbedtls/sha256.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "codec/base64.h"
#include "codec/json_parse.h"
#include "codec/json_writer.h"
#include "heap_meter.h"
#include "http/json_upload_body.h"
#include "net_fixture.h"

using namespace spark;
using namespace spark::test;

namespace {

struct Fetch {
  Result<http::Response> response;
  std::string body;
};

Fetch get(NetStack& net, const std::string& url, uint64_t cap = 64 * 1024,
          uint64_t timeout_ms = 60000, Span<const http::Header> headers = {}) {
  REQUIRE(net.init_status.is_ok());
  GrowingSink sink(static_cast<size_t>(cap) + 1);
  http::Request req;
  req.url = url;
  req.sink = &sink;
  req.headers = headers;
  req.max_response_bytes = cap;
  req.deadline = hal::Deadline::after(net.clock, timeout_ms);
  Result<http::Response> r = net.client->send(req);
  return Fetch{r, std::string(as_chars(sink.bytes()))};
}

std::string small_bin() {
  std::string s;
  for (int r = 0; r < 4; ++r) {
    for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  }
  return s;
}

std::string hex(const uint8_t* d, size_t n) {
  std::string s;
  char b[3];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof b, "%02x", d[i]);
    s += b;
  }
  return s;
}

// Hashes everything written to it.
class Sha256Sink final : public ByteSink {
 public:
  Sha256Sink() {
    mbedtls_sha256_init(&ctx_);
    mbedtls_sha256_starts(&ctx_, 0);
  }
  ~Sha256Sink() override { mbedtls_sha256_free(&ctx_); }
  Status write(ConstBytes d) override {
    mbedtls_sha256_update(&ctx_, d.data(), d.size());
    return Status::ok();
  }
  std::string hex_digest() {
    uint8_t out[32];
    mbedtls_sha256_finish(&ctx_, out);
    return hex(out, 32);
  }

 private:
  mbedtls_sha256_context ctx_;
};

}  // namespace

TEST_CASE("http_keeps_one_connection_for_many_requests_to_nginx") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  uint64_t first_ms = 0, later_ms = 0;
  for (int i = 0; i < 5; ++i) {
    uint64_t t0 = net.clock.now_ms();
    Fetch f = get(net, nginx->url("/static/small.bin"));
    REQUIRE_MESSAGE(f.response.is_ok(), f.response.status().message());
    CHECK(f.response->status == 200);
    CHECK(f.body == small_bin());
    CHECK(f.response->reused_connection == (i > 0));
    (i == 0 ? first_ms : later_ms) += net.clock.now_ms() - t0;
  }
  MESSAGE("first request " << first_ms << " ms, later ones " << later_ms / 4 << " ms each");
  CHECK(net.client->connections_opened() == 1);
  CHECK(net.tls.full_handshakes() == 1);
}

TEST_CASE("http_requests_on_a_kept_alive_connection_do_not_grow_the_heap") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  CountingSink sink;
  http::Request req;
  std::string url = nginx->url("/chunked");
  req.url = url;
  req.sink = &sink;
  req.max_response_bytes = 2 << 20;
  REQUIRE(net.client->send(req).is_ok());  // warm: connection, buffers
  size_t before = heap_stats().current;
  HeapScope scope;
  for (int i = 0; i < 20; ++i) REQUIRE(net.client->send(req).is_ok());
  CHECK(net.client->connections_opened() == 1);
  if (heap_meter_available()) {
    CHECK(heap_stats().current == before);
    CHECK(scope.peak_above_start() == 0);
  }
}

TEST_CASE("http_decodes_an_nginx_chunked_response") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  Fetch f = get(net, nginx->url("/chunked"), 2 << 20);
  REQUIRE_MESSAGE(f.response.is_ok(), f.response.status().message());
  CHECK(f.response->header("Transfer-Encoding") == "chunked");
  std::string expected;
  char line[64];
  for (int i = 0; i < 20000; ++i) {
    std::snprintf(line, sizeof line, "line %06d RR of the chunked body\n", i);
    expected += line;
  }
  CHECK(f.body.size() == expected.size());
  CHECK(f.body == expected);
}

TEST_CASE("http_streams_a_large_download_and_enforces_the_cap") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  Sha256Sink sink;
  http::Request req;
  std::string url = nginx->url("/static/large.bin");
  req.url = url;
  req.sink = &sink;
  req.max_response_bytes = 4 << 20;
  Result<http::Response> r = net.client->send(req);
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  CHECK(r->body_bytes == 3 * 1024 * 1024);
  // 3 MiB of sha256("seed") repeated.
  Sha256Sink expected;
  uint8_t block[32];
  mbedtls_sha256(reinterpret_cast<const uint8_t*>("seed"), 4, block, 0);
  for (int i = 0; i < 3 * 1024 * 1024 / 32; ++i)
    REQUIRE(expected.write(ConstBytes(block, 32)).is_ok());
  CHECK(sink.hex_digest() == expected.hex_digest());

  Fetch capped = get(net, url, 1 << 20);
  CHECK(capped.response.status().code() == Code::kResourceExhausted);
}

TEST_CASE("http_accepts_large_response_headers_under_the_cap") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  Fetch f = get(net, nginx->url("/big-headers"));
  REQUIRE_MESSAGE(f.response.is_ok(), f.response.status().message());
  CHECK(f.response->header("x-big1").size() == 4000);
  CHECK(f.body == "big\n");
}

TEST_CASE("http_follows_a_redirect_for_get") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  Fetch f = get(net, nginx->url("/redirect"));
  REQUIRE_MESSAGE(f.response.is_ok(), f.response.status().message());
  CHECK(f.response->status == 200);
  CHECK(f.response->redirects == 1);
  CHECK(f.body == small_bin());
}

TEST_CASE("http_stops_after_three_redirects") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  Fetch f = get(net, nginx->url("/redirect-loop"));
  CHECK(f.response.status().code() == Code::kOutOfRange);
}

TEST_CASE("http_refuses_a_redirect_to_plain_http") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  Fetch f = get(net, nginx->url("/redirect-http"));
  CHECK(f.response.status().code() == Code::kPermissionDenied);
}

TEST_CASE("http_does_not_follow_redirects_for_post") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  http::MemoryBody body(as_bytes("{}"));
  CountingSink sink;
  http::Request req;
  std::string url = nginx->url("/redirect");
  req.method = http::Method::kPost;
  req.url = url;
  req.body = &body;
  req.sink = &sink;
  Result<http::Response> r = net.client->send(req);
  REQUIRE(r.is_ok());
  CHECK(r->status == 302);
  CHECK(r->redirects == 0);
}

TEST_CASE("http_never_forwards_authorization_to_another_host") {
  auto echo = NetServer::start("hostile");
  auto nginx = NetServer::start("nginx", {std::to_string(echo->port())});
  NetStack net;
  http::Header headers[] = {{"Authorization", "Bearer sk-test-secret"}, {"X-Kept", "1"}};
  // Same host: the header arrives.
  Fetch direct =
      get(net, echo->url("/headers"), 64 * 1024, 60000, Span<const http::Header>(headers));
  REQUIRE(direct.response.is_ok());
  CHECK(direct.body.find("Bearer sk-test-secret") != std::string::npos);
  // Through a redirect to another origin: dropped, other headers kept.
  Fetch f =
      get(net, nginx->url("/redirect-away"), 64 * 1024, 60000, Span<const http::Header>(headers));
  REQUIRE_MESSAGE(f.response.is_ok(), f.response.status().message());
  CHECK(f.response->redirects == 1);
  CHECK(f.body.find("x-kept") != std::string::npos);
  CHECK(f.body.find("authorization") == std::string::npos);
  CHECK(f.body.find("sk-test-secret") == std::string::npos);
}

// issue 12, security 7: the request head (with the Authorization value) was
// left in the I/O buffer after it was sent; a reply shorter than the head
// overwrote only its start, so the rest of the key stayed in memory.
TEST_CASE("http_wipes_the_request_head_from_its_buffer_once_sent") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  const std::string token = "sk-live-" + std::string(3000, 'Q') + "-END-OF-KEY";
  const std::string auth = "Bearer " + token;
  http::Header headers[] = {{"Authorization", auth}};
  Fetch f = get(net, nginx->url("/static/small.bin"), 64 * 1024, 60000,
                Span<const http::Header>(headers));
  REQUIRE(f.response.is_ok());
  CHECK(f.response->status == 200);
  CHECK(f.body == small_bin());
  // Every byte the client object holds (its head and I/O buffers included).
  std::string_view held(reinterpret_cast<const char*>(net.client.get()), sizeof(http::Client));
  CHECK(held.find("-END-OF-KEY") == std::string_view::npos);
  CHECK(held.find(std::string(64, 'Q')) == std::string_view::npos);
}

TEST_CASE("http_reconnects_when_the_server_closed_the_kept_alive_connection") {
  auto server = NetServer::start("hostile");
  NetStack net;
  Fetch a = get(net, server->url("/close-after"));
  REQUIRE(a.response.is_ok());
  CHECK(a.body == "ok");
  net.clock.sleep_ms(300);  // the server's close_notify arrives
  Fetch b = get(net, server->url("/headers"));
  REQUIRE_MESSAGE(b.response.is_ok(), b.response.status().message());
  CHECK(b.response->status == 200);
  CHECK_FALSE(b.response->reused_connection);
  CHECK(net.client->connections_opened() == 2);
  CHECK(net.tls.resumed_handshakes() == 1);  // the second connection resumed
}

TEST_CASE("http_close_delimited_body_needs_a_tls_close_notify") {
  auto server = NetServer::start("hostile");
  NetStack net;
  // Closed with close_notify: the body is complete.
  Fetch whole = get(net, server->url("/close-delimited"));
  REQUIRE_MESSAGE(whole.response.is_ok(), whole.response.status().message());
  CHECK(whole.body == std::string(3000, 'p'));
  // The TCP stream ends without one: refused, nothing claimed complete.
  Fetch cut = get(net, server->url("/close-delimited-cut"));
  REQUIRE_FALSE(cut.response.is_ok());
  CHECK(cut.response.status().code() == Code::kDataLoss);
  CHECK_MESSAGE(std::string(cut.response.status().message()).find("without a TLS close_notify") !=
                    std::string::npos,
                cut.response.status().message());
}

TEST_CASE("http_skips_interim_responses_and_reads_chunk_extensions_and_trailers") {
  auto server = NetServer::start("hostile");
  NetStack net;
  Fetch f = get(net, server->url("/interim"));
  REQUIRE_MESSAGE(f.response.is_ok(), f.response.status().message());
  CHECK(f.response->status == 200);
  CHECK(f.body == "hello world");
}

TEST_CASE("hostile_endless_headers_are_cut_at_16_kb") {
  auto server = NetServer::start("hostile");
  NetStack net;
  Fetch f = get(net, server->url("/endless-headers"));
  CHECK(f.response.status().code() == Code::kResourceExhausted);
  CHECK(std::string(f.response.status().message()).find("headers exceed 16384") !=
        std::string::npos);
}

TEST_CASE("hostile_endless_chunked_body_is_cut_at_the_cap") {
  auto server = NetServer::start("hostile");
  NetStack net;
  Fetch f = get(net, server->url("/endless-chunked"), 1 << 20);
  CHECK(f.response.status().code() == Code::kResourceExhausted);
  CHECK(f.body.size() <= (1u << 20));
}

TEST_CASE("hostile_drip_feed_ends_at_the_request_deadline") {
  auto server = NetServer::start("hostile");
  NetStack net;
  Fetch f = get(net, server->url("/drip"), 64 * 1024, 1000);
  CHECK(f.response.status().code() == Code::kDeadlineExceeded);
  CHECK_MESSAGE(
      std::string(f.response.status().message()).find("timed out after") != std::string::npos,
      f.response.status().message());
}

TEST_CASE("hostile_reset_mid_body_is_an_error") {
  auto server = NetServer::start("hostile");
  NetStack net;
  Fetch f = get(net, server->url("/reset"), 1 << 20);
  REQUIRE_FALSE(f.response.is_ok());
  Code c = f.response.status().code();
  CHECK_MESSAGE((c == Code::kUnavailable || c == Code::kDataLoss), f.response.status().message());
}

TEST_CASE("hostile_short_content_length_is_data_loss") {
  auto server = NetServer::start("hostile");
  NetStack net;
  Fetch f = get(net, server->url("/short-length"));
  CHECK(f.response.status().code() == Code::kDataLoss);
  CHECK_MESSAGE(std::string(f.response.status().message()).find("after 10 of 1000 body bytes") !=
                    std::string::npos,
                f.response.status().message());
}

TEST_CASE("hostile_bytes_beyond_content_length_are_not_read_as_the_next_response") {
  auto server = NetServer::start("hostile");
  NetStack net;
  Fetch f = get(net, server->url("/long-length"));
  REQUIRE(f.response.is_ok());
  CHECK(f.body == "okay");
  Fetch g = get(net, server->url("/headers"));
  REQUIRE(g.response.is_ok());
  CHECK_FALSE(g.response->reused_connection);
}

namespace {

struct Upload {
  std::string prefix, suffix;
  std::vector<uint8_t> image;
};

Upload make_upload(size_t n) {
  Upload u;
  u.image.resize(n);
  uint32_t x = 2463534242u;
  for (auto& b : u.image) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  static uint8_t buf[512];
  FixedSink sink{MutBytes(buf)};
  codec::JsonWriter w(sink);
  REQUIRE(w.begin_object().is_ok());
  REQUIRE(w.key("model").is_ok());
  REQUIRE(w.string("spark_edit_3_0").is_ok());
  REQUIRE(w.key("prompt").is_ok());
  REQUIRE(w.string("Make it \"red\"\n").is_ok());
  REQUIRE(w.key("binary_data_base64").is_ok());
  REQUIRE(w.begin_array().is_ok());
  REQUIRE(w.begin_string().is_ok());
  REQUIRE(w.flush().is_ok());
  size_t split = sink.written().size();
  REQUIRE(w.end_string().is_ok());
  REQUIRE(w.end_array().is_ok());
  REQUIRE(w.end_object().is_ok());
  REQUIRE(w.finish().is_ok());
  std::string all(as_chars(sink.written()));
  u.prefix = all.substr(0, split);
  u.suffix = all.substr(split);
  return u;
}

std::string expected_sha(const Upload& u) {
  Sha256Sink s;
  REQUIRE(s.write(as_bytes(u.prefix)).is_ok());
  codec::Base64Encoder enc(s);
  REQUIRE(enc.write(ConstBytes(u.image.data(), u.image.size())).is_ok());
  REQUIRE(enc.finish().is_ok());
  REQUIRE(s.write(as_bytes(u.suffix)).is_ok());
  return s.hex_digest();
}

struct ProgressLog {
  uint64_t calls = 0, last = 0, total = 0;
  uint64_t cancel_after = UINT64_MAX;
};

Status on_progress(void* ctx, uint64_t sent, uint64_t total) {
  auto* p = static_cast<ProgressLog*>(ctx);
  ++p->calls;
  CHECK(sent >= p->last);
  p->last = sent;
  p->total = total;
  if (sent >= p->cancel_after) return Status::error(Code::kCancelled, "user pressed cancel");
  return Status::ok();
}

}  // namespace

TEST_CASE("upload_bodies_arrive_byte_exact_with_flat_peak_heap") {
  auto echo = NetServer::start("hostile");
  NetStack net;
  std::string url = echo->url("/echo");
  // Open the connection first so each upload's peak is the upload's own.
  REQUIRE(get(net, echo->url("/headers")).response.is_ok());
  size_t peaks[3] = {};
  const size_t sizes[3] = {64 * 1024, 1 << 20, 6 << 20};
  for (int i = 0; i < 3; ++i) {
    Upload u = make_upload(sizes[i]);
    std::string want = expected_sha(u);
    MemorySource image(ConstBytes(u.image.data(), u.image.size()));
    GrowingSink reply(4096);
    ProgressLog progress;
    size_t peak;
    uint64_t length;
    Result<http::Response> r = Status::error(Code::kInternal, "not run");
    {
      HeapScope scope;
      Result<http::JsonUploadBody> body = http::JsonUploadBody::create(u.prefix, image, u.suffix);
      REQUIRE(body.is_ok());
      length = body->length();
      http::Request req;
      req.method = http::Method::kPost;
      req.url = url;
      req.body = &*body;
      req.sink = &reply;
      req.progress = on_progress;
      req.progress_context = &progress;
      r = net.client->send(req);
      peak = scope.peak_above_start();
    }
    REQUIRE_MESSAGE(r.is_ok(), r.status().message());
    CHECK(std::string(net.client->last_handshake().version) == "TLSv1.3");
    CHECK(length == u.prefix.size() + codec::base64_encoded_size(sizes[i]) + u.suffix.size());
    Result<picojson::value> json = codec::parse_json(as_chars(reply.bytes()));
    REQUIRE(json.is_ok());
    CHECK(json->get("bytes").get<double>() == static_cast<double>(length));
    CHECK(json->get("sha256").to_str() == want);
    CHECK(progress.last == length);
    CHECK(progress.total == length);
    peaks[i] = peak;
    MESSAGE("upload of " << sizes[i] << " image bytes (" << length << " body bytes): peak heap "
                         << peak << " bytes above start");
  }
  if (heap_meter_available()) {
    size_t lo = std::min({peaks[0], peaks[1], peaks[2]});
    size_t hi = std::max({peaks[0], peaks[1], peaks[2]});
    CHECK(hi - lo <= 4096);
    CHECK(hi < 16384);  // the 4 KB reply sink and a few small objects
  }
}

namespace {

// POSTs a JSON body around the base64 of image_bytes of generated image.
Result<http::Response> post_upload(NetStack& net, const std::string& url, size_t image_bytes,
                                   GrowingSink& reply) {
  Upload u = make_upload(image_bytes);
  MemorySource image(ConstBytes(u.image.data(), u.image.size()));
  Result<http::JsonUploadBody> body = http::JsonUploadBody::create(u.prefix, image, u.suffix);
  REQUIRE(body.is_ok());
  http::Request req;
  req.method = http::Method::kPost;
  req.url = url;
  req.body = &*body;
  req.sink = &reply;
  return net.client->send(req);
}

}  // namespace

TEST_CASE("close_notify_after_an_upload_authenticates") {
  // The server sees a clean close_notify after a 256 KB upload, not a bad
  // record MAC or a bare end of stream.
  auto echo = NetServer::start("hostile");
  NetStack net;
  GrowingSink reply(4096);
  Result<http::Response> r = post_upload(net, echo->url("/echo"), 256 * 1024, reply);
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  net.client->close();
  // The upload's connection ends first; the server thread notes it shortly.
  std::string ending;
  for (int i = 0; i < 50 && ending.empty(); ++i) {
    Fetch f = get(net, echo->url("/closes"));
    REQUIRE(f.response.is_ok());
    Result<picojson::value> json = codec::parse_json(f.body);
    REQUIRE(json.is_ok());
    const picojson::array& endings = json->get("endings").get<picojson::array>();
    if (!endings.empty()) ending = endings[0].to_str();
    net.client->close();
    if (ending.empty()) net.clock.sleep_ms(50);
  }
  CHECK(ending == "close_notify");
}

TEST_CASE("upload_to_nginx_is_read_in_full") {
  auto nginx = NetServer::start("nginx");
  NetStack net;
  GrowingSink reply(4096);
  Result<http::Response> r = post_upload(net, nginx->url("/upload"), 6 << 20, reply);
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  CHECK(r->status == 200);
  CHECK(as_chars(reply.bytes()) == "stored\n");
  CHECK(std::string(net.client->last_handshake().version) == "TLSv1.3");
  // A request after the upload on the same connection still authenticates.
  Fetch f = get(net, nginx->url("/static/small.bin"));
  REQUIRE_MESSAGE(f.response.is_ok(), f.response.status().message());
  CHECK(f.response->reused_connection);
  CHECK(f.body == small_bin());
}

TEST_CASE("upload_progress_callback_can_cancel") {
  auto echo = NetServer::start("hostile");
  NetStack net;
  Upload u = make_upload(1 << 20);
  MemorySource image(ConstBytes(u.image.data(), u.image.size()));
  Result<http::JsonUploadBody> body = http::JsonUploadBody::create(u.prefix, image, u.suffix);
  REQUIRE(body.is_ok());
  ProgressLog progress;
  progress.cancel_after = 100000;
  http::Request req;
  std::string url = echo->url("/echo");
  req.method = http::Method::kPost;
  req.url = url;
  req.body = &*body;
  req.progress = on_progress;
  req.progress_context = &progress;
  Result<http::Response> r = net.client->send(req);
  CHECK(r.status().code() == Code::kCancelled);
  CHECK(std::string(r.status().message()).find("user pressed cancel") != std::string::npos);
  CHECK(progress.last < body->length());
}

TEST_CASE("http_sends_proxy_credentials_and_says_what_a_407_means") {
  std::string log = tmp_path("proxy-auth.log");
  std::remove(log.c_str());
  // The password has an '@' and a ':' in it, percent-encoded in https_proxy.
  auto proxy = NetServer::start("proxy", {log, "kiosk:p@ss:w0rd"});
  auto nginx = NetServer::start("nginx");
  const std::string at = "127.0.0.1:" + std::to_string(proxy->port());
  auto fetch_via = [&](const std::string& https_proxy) {
    http::ClientConfig via;
    via.https_proxy = https_proxy;
    NetStack net(NetStack::default_tls(), via);
    return get(net, nginx->url("/static/small.bin"));
  };

  Fetch ok = fetch_via("http://kiosk:p%40ss%3Aw0rd@" + at);
  REQUIRE_MESSAGE(ok.response.is_ok(), ok.response.status().message());
  CHECK(ok.body == small_bin());

  Fetch none = fetch_via("http://" + at);
  REQUIRE_FALSE(none.response.is_ok());
  CHECK(none.response.status().code() == Code::kPermissionDenied);
  CHECK_MESSAGE(
      std::string(none.response.status().message()).find("user:password@") != std::string::npos,
      none.response.status().message());

  Fetch wrong = fetch_via("http://kiosk:hunter2@" + at);
  REQUIRE_FALSE(wrong.response.is_ok());
  CHECK(wrong.response.status().code() == Code::kPermissionDenied);
  const std::string why = wrong.response.status().message();
  CHECK_MESSAGE(why.find("refused the user name and password") != std::string::npos, why);
  CHECK(why.find("hunter2") == std::string::npos);

  Fetch broken = fetch_via("http://kiosk:100%@" + at);  // not percent-encoding
  REQUIRE_FALSE(broken.response.is_ok());
  CHECK(broken.response.status().code() == Code::kInvalidArgument);

  // A user name alone goes as "kiosk:" (RFC 7617's colon), as curl sends it.
  auto user_only = NetServer::start("proxy", {tmp_path("proxy-user.log"), "kiosk:"});
  Fetch user = fetch_via("http://kiosk@127.0.0.1:" + std::to_string(user_only->port()));
  CHECK_MESSAGE(user.response.is_ok(), user.response.status().message());

  // The proxy saw one good CONNECT and two refused ones; the broken value
  // never reached it.
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const std::string target = "localhost:" + std::to_string(nginx->port());
  CHECK(lines == std::vector<std::string>{target, "407 " + target, "407 " + target});
}

TEST_CASE("http_tunnels_through_a_connect_proxy_unless_no_proxy_matches") {
  std::string log = tmp_path("proxy.log");
  std::remove(log.c_str());
  auto proxy = NetServer::start("proxy", {log});
  auto nginx = NetServer::start("nginx");
  http::ClientConfig via;
  via.https_proxy = "http://127.0.0.1:" + std::to_string(proxy->port());
  NetStack net(NetStack::default_tls(), via);
  Fetch f = get(net, nginx->url("/static/small.bin"));
  REQUIRE_MESSAGE(f.response.is_ok(), f.response.status().message());
  CHECK(f.body == small_bin());
  std::ifstream in(log);
  std::string line;
  std::getline(in, line);
  CHECK(line == "localhost:" + std::to_string(nginx->port()));

  http::ClientConfig bypass = via;
  bypass.no_proxy = "example.com, localhost";
  NetStack direct(NetStack::default_tls(), bypass);
  REQUIRE(get(direct, nginx->url("/static/small.bin")).response.is_ok());
  std::ifstream again(log);
  int lines = 0;
  while (std::getline(again, line)) ++lines;
  CHECK(lines == 1);
}
