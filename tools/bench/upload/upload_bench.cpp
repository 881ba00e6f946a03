// upload_bench: POSTs a JSON body with a file's base64 inside it, streamed
// through http::Client (tls over a POSIX socket), as the device does.
//
//   upload_bench --url URL --ca-file CA --file IMAGE [--requests N]
//   upload_bench --file IMAGE --write-body OUT   (the same body, for curl)
//   upload_bench --url URL --ca-file CA --handshakes N
//       N full and N resumed TLS handshakes (connect included, as curl's
//       time_appconnect): prints the medians in microseconds. A resumed one
//       uses the ticket of a connection that read a reply (TLS 1.3 tickets
//       arrive after the handshake).
//
// Prints one line per request (status, bytes, ms, resumed/reused) and a
// summary with the TLS handshake count and, in builds with the heap meter,
// the whole-process peak heap.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "heap_meter.h"
#include "http/client.h"
#include "http/json_upload_body.h"
#include "http/url.h"
#include "platform/linux/file_io.h"
#include "platform/linux/linux_clock.h"
#include "platform/linux/posix_socket.h"

using namespace spark;

namespace {

constexpr std::string_view kPrefix =
    "{\"model\":\"spark_edit_3_0\",\"input\":[{\"params\":{\"prompt\":\"benchmark\","
    "\"binary_data_base64\":[\"";
constexpr std::string_view kSuffix = "\"],\"seed\":-1,\"scale\":0.5}}]}";

int fail(const Status& s) {
  std::fprintf(stderr, "upload_bench: %s\n", s.message());
  return 1;
}

uint64_t micros_since(std::chrono::steady_clock::time_point t0) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count());
}

uint64_t median(std::vector<uint64_t> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// One connection: handshake (resuming from cache when it holds a session),
// a GET whose reply is read to the close (the server's TLS 1.3 tickets come
// with it and go into cache), close. Returns the handshake's microseconds.
Result<uint64_t> handshake_once(tls::Context& tls, hal::Socket& socket, hal::Clock& clock,
                                const http::Url& url, tls::SessionCache& cache, bool& resumed) {
  const std::string host(url.host);
  const auto t0 = std::chrono::steady_clock::now();
  const hal::Deadline deadline = hal::Deadline::after(clock, 30000);
  SPARK_TRY(socket.connect(host, url.port, deadline));
  tls::Session session(tls, socket, clock);
  SPARK_TRY(session.handshake(host, url.port, deadline, &cache));
  const uint64_t us = micros_since(t0);
  resumed = session.info().resumed;
  const std::string get = "GET " + std::string(url.target) + " HTTP/1.1\r\nHost: " + host +
                          "\r\nConnection: close\r\n\r\n";
  SPARK_TRY(session.write_all(ConstBytes(reinterpret_cast<const uint8_t*>(get.data()), get.size()),
                              deadline));
  uint8_t buf[4096];
  for (;;) {
    SPARK_TRY_ASSIGN(size_t n, session.read(MutBytes(buf), deadline));
    if (n == 0) break;
  }
  session.close();
  return us;
}

int handshakes(tls::Context& tls, hal::Socket& socket, hal::Clock& clock, const std::string& u,
               int n) {
  Result<http::Url> url = http::parse_url(u);
  if (!url.is_ok()) return fail(url.status());
  std::vector<uint64_t> full, resumed;
  for (int i = 0; i < n; ++i) {
    tls::SessionCache cache;  // empty: a full handshake, then one resumed from it
    for (int k = 0; k < 2; ++k) {
      bool was_resumed = false;
      Result<uint64_t> us = handshake_once(tls, socket, clock, *url, cache, was_resumed);
      if (!us.is_ok()) return fail(us.status());
      if (was_resumed != (k == 1)) {
        std::fprintf(stderr, "upload_bench: handshake %d of round %d was %s\n", k + 1, i + 1,
                     was_resumed ? "resumed" : "not resumed");
        return 1;
      }
      (k == 0 ? full : resumed).push_back(*us);
    }
  }
  std::printf("handshakes: %d full, median %llu us; %d resumed, median %llu us\n", n,
              static_cast<unsigned long long>(median(full)), n,
              static_cast<unsigned long long>(median(resumed)));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, ca, file, write_body;
  int requests = 1;
  int handshake_rounds = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--url")
      url = argv[i + 1];
    else if (k == "--ca-file")
      ca = argv[i + 1];
    else if (k == "--file")
      file = argv[i + 1];
    else if (k == "--write-body")
      write_body = argv[i + 1];
    else if (k == "--requests")
      requests = std::atoi(argv[i + 1]);
    else if (k == "--handshakes")
      handshake_rounds = std::atoi(argv[i + 1]);
  }
  if ((file.empty() && handshake_rounds <= 0) ||
      (write_body.empty() && (url.empty() || ca.empty())) || requests < 1) {
    std::fprintf(stderr,
                 "usage: upload_bench --url URL --ca-file CA --file IMAGE [--requests N]\n"
                 "       upload_bench --file IMAGE --write-body OUT\n"
                 "       upload_bench --url URL --ca-file CA --handshakes N\n");
    return 2;
  }

  if (!write_body.empty()) {
    Result<platform::FileSource> image = platform::FileSource::open(file);
    if (!image.is_ok()) return fail(image.status());
    Result<http::JsonUploadBody> body = http::JsonUploadBody::create(kPrefix, *image, kSuffix);
    if (!body.is_ok()) return fail(body.status());
    Result<platform::AtomicFileSink> out = platform::AtomicFileSink::create(write_body);
    if (!out.is_ok()) return fail(out.status());
    uint8_t buf[16384];
    Result<uint64_t> n = copy(*body, *out, MutBytes(buf));
    if (!n.is_ok()) return fail(n.status());
    Status s = out->commit();
    return s.is_ok() ? 0 : fail(s);
  }

  platform::MonotonicClock clock;
  platform::GetrandomEntropy entropy;
  platform::PosixResolver resolver;
  platform::PosixSocket socket(clock, resolver);
  tls::Context tls;
  tls::Config config;
  config.ca_file = ca;
  Status s = tls.init(config, entropy);
  if (!s.is_ok()) return fail(s);
  if (handshake_rounds > 0) return handshakes(tls, socket, clock, url, handshake_rounds);
  static http::Client client(tls, socket, clock);  // 35 KB of buffers: not on the stack

  http::Header headers[] = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  for (int i = 0; i < requests; ++i) {
    Result<platform::FileSource> image = platform::FileSource::open(file);
    if (!image.is_ok()) return fail(image.status());
    Result<http::JsonUploadBody> body = http::JsonUploadBody::create(kPrefix, *image, kSuffix);
    if (!body.is_ok()) return fail(body.status());
    CountingSink reply;
    http::Request req;
    req.method = http::Method::kPost;
    req.url = url;
    req.headers = Span<const http::Header>(headers);
    req.body = &*body;
    req.sink = &reply;
    req.deadline = hal::Deadline::after(clock, 120000);
    uint64_t t0 = clock.now_ms();
    Result<http::Response> r = client.send(req);
    if (!r.is_ok()) return fail(r.status());
    const uint64_t ms = clock.now_ms() - t0;
    if (r->reused_connection) {
      std::printf("request %d: status %d, %llu body bytes, %llu ms (kept-alive connection)\n",
                  i + 1, r->status, static_cast<unsigned long long>(body->length()),
                  static_cast<unsigned long long>(ms));
    } else {
      const tls::HandshakeInfo& hs = client.last_handshake();
      std::printf(
          "request %d: status %d, %llu body bytes, %llu ms (new connection: %s %s%s, "
          "handshake %llu ms)\n",
          i + 1, r->status, static_cast<unsigned long long>(body->length()),
          static_cast<unsigned long long>(ms), hs.version, hs.suite, hs.resumed ? " resumed" : "",
          static_cast<unsigned long long>(hs.handshake_ms));
    }
  }
  std::printf("tls handshakes: %u full, %u resumed; connections: %u\n", tls.full_handshakes(),
              tls.resumed_handshakes(), client.connections_opened());
  if (test::heap_meter_available()) {
    std::printf("peak heap: %zu bytes\n", test::heap_stats().peak);
  }
  client.close();
  return 0;
}
