// upload_bench: POSTs a JSON body with a file's base64 inside it, streamed
// through http::Client (tls over a POSIX socket), as the device does.
//
//   upload_bench --url URL --ca-file CA --file IMAGE [--requests N]
//   upload_bench --file IMAGE --write-body OUT   (the same body, for curl)
//
// Prints one line per request (status, bytes, ms, resumed/reused) and a
// summary with the TLS handshake count and, in builds with the heap meter,
// the whole-process peak heap.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "heap_meter.h"
#include "http/client.h"
#include "http/json_upload_body.h"
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

}  // namespace

int main(int argc, char** argv) {
  std::string url, ca, file, write_body;
  int requests = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--url") url = argv[i + 1];
    else if (k == "--ca-file") ca = argv[i + 1];
    else if (k == "--file") file = argv[i + 1];
    else if (k == "--write-body") write_body = argv[i + 1];
    else if (k == "--requests") requests = std::atoi(argv[i + 1]);
  }
  if (file.empty() || (write_body.empty() && (url.empty() || ca.empty())) || requests < 1) {
    std::fprintf(stderr, "usage: upload_bench --url URL --ca-file CA --file IMAGE [--requests N]\n"
                         "       upload_bench --file IMAGE --write-body OUT\n");
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
      std::printf("request %d: status %d, %llu body bytes, %llu ms (new connection: %s %s%s, "
                  "handshake %llu ms)\n",
                  i + 1, r->status, static_cast<unsigned long long>(body->length()),
                  static_cast<unsigned long long>(ms), hs.version, hs.suite,
                  hs.resumed ? " resumed" : "",
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
