// spark-edit prepare IN OUT: probe, plan and fit one picture, write the JPEG
// atomically and report the plan (text, or JSON with --json).
#include <sys/resource.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "codec/json_writer.h"
#include "commands.h"
#include "image/fit.h"
#include "platform/linux/file_io.h"
#include "stdio_sink.h"

namespace spark::cli {
namespace {

const char kHelp[] =
    "usage: spark-edit prepare IN OUT [options]\n"
    "  Writes OUT: the smallest JPEG of IN (JPEG or PNG) that fits the Spark Edit\n"
    "  API (baseline 4:2:0, upright, no metadata, side ratio <= 3, <= 5 MB).\n"
    "options:\n"
    "  --max-side N      longest side, at most 4096 (default 2048)\n"
    "  --quality Q       first JPEG quality tried, 1..100 (default 90)\n"
    "  --min-quality Q   lowest quality before giving up (default 60)\n"
    "  --max-bytes N     size cap, at most 5000000 (default 4500000)\n"
    "  --aspect crop|reject   side ratio over 3: centre-crop (default) or fail\n"
    "  --json            print the plan as one JSON object\n"
    "exit codes: 0 ok, 1 failed, 2 usage, 3 input file problem\n";

bool parse_uint(const char* s, uint64_t max, uint64_t& out) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (*s == '-' || end == s || *end != '\0' || v > max) return false;
  out = v;
  return true;
}

uint64_t peak_rss_kb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss);
}

std::string describe(const image::Probe& p) {
  char buf[256];
  if (p.format == image::Format::kPng) {
    std::snprintf(buf, sizeof(buf), "%ux%u PNG, %u channels, %u-bit%s", p.width, p.height,
                  p.components, p.precision, p.png_interlaced ? ", interlaced" : "");
  } else {
    std::string samp;
    for (uint8_t i = 0; i < p.components; ++i) {
      samp += (i ? "," : "") + std::to_string(p.h_samp[i]) + "x" + std::to_string(p.v_samp[i]);
    }
    std::snprintf(buf, sizeof(buf), "%ux%u %s%s JPEG, %u components %s%s", p.width, p.height,
                  image::process_name(p.process), p.arithmetic ? " arithmetic" : "", p.components,
                  samp.c_str(),
                  p.is_cmyk()
                      ? (p.adobe_transform == image::AdobeTransform::kYCCK ? " (YCCK)" : " (CMYK)")
                      : "");
  }
  std::string s = buf;
  if (p.exif) s += ", EXIF orientation " + std::to_string(p.orientation);
  if (p.icc) s += ", ICC profile (dropped)";
  return s;
}

Status print_json(const char* in, const char* out, const image::Plan& pl, const image::FitResult& r,
                  double ms) {
  StdioSink sink(stdout);
  codec::JsonWriter j(sink);
  const image::Probe& p = pl.source;
  SPARK_TRY(j.begin_object());
  SPARK_TRY(j.key("source"));
  SPARK_TRY(j.begin_object());
  SPARK_TRY(j.key("path"));
  SPARK_TRY(j.string(in));
  SPARK_TRY(j.key("format"));
  SPARK_TRY(j.string(p.format == image::Format::kJpeg ? "jpeg" : "png"));
  SPARK_TRY(j.key("width"));
  SPARK_TRY(j.number(int64_t{p.width}));
  SPARK_TRY(j.key("height"));
  SPARK_TRY(j.number(int64_t{p.height}));
  SPARK_TRY(j.key("description"));
  SPARK_TRY(j.string(describe(p)));
  SPARK_TRY(j.key("orientation"));
  SPARK_TRY(j.number(int64_t{p.orientation}));
  SPARK_TRY(j.end_object());
  SPARK_TRY(j.key("output"));
  SPARK_TRY(j.begin_object());
  SPARK_TRY(j.key("path"));
  SPARK_TRY(j.string(out));
  SPARK_TRY(j.key("width"));
  SPARK_TRY(j.number(int64_t{r.width}));
  SPARK_TRY(j.key("height"));
  SPARK_TRY(j.number(int64_t{r.height}));
  SPARK_TRY(j.key("quality"));
  SPARK_TRY(j.number(int64_t{r.quality}));
  SPARK_TRY(j.key("bytes"));
  SPARK_TRY(j.number(static_cast<int64_t>(r.bytes)));
  SPARK_TRY(j.key("passes"));
  SPARK_TRY(j.number(int64_t{r.passes}));
  SPARK_TRY(j.key("damaged"));
  SPARK_TRY(j.boolean(r.damaged));
  SPARK_TRY(j.end_object());
  SPARK_TRY(j.key("scale"));
  SPARK_TRY(j.string(std::to_string(pl.scale_num) + "/8"));
  SPARK_TRY(j.key("resample"));
  SPARK_TRY(j.boolean(pl.resample));
  SPARK_TRY(j.key("crop"));
  SPARK_TRY(j.begin_array());
  for (uint32_t v : {pl.crop.x, pl.crop.y, pl.crop.width, pl.crop.height})
    SPARK_TRY(j.number(int64_t{v}));
  SPARK_TRY(j.end_array());
  SPARK_TRY(j.key("time_ms"));
  SPARK_TRY(j.number(ms));
  SPARK_TRY(j.key("planned_memory_bytes"));
  SPARK_TRY(j.number(static_cast<int64_t>(pl.memory_bytes)));
  SPARK_TRY(j.key("peak_rss_kb"));
  SPARK_TRY(j.number(static_cast<int64_t>(peak_rss_kb())));
  SPARK_TRY(j.end_object());
  SPARK_TRY(j.finish());
  std::fputc('\n', stdout);
  return Status::ok();
}

void print_text(const char* in, const char* out, const image::Plan& pl, const image::FitResult& r,
                double ms) {
  std::printf("source  %s: %s\n", in, describe(pl.source).c_str());
  std::printf("output  %s: %ux%u baseline 4:2:0 JPEG, quality %d, %" PRIu64 " bytes%s%s\n", out,
              r.width, r.height, r.quality, r.bytes, r.passes > 1 ? " (quality stepped down)" : "",
              r.damaged ? ", DAMAGED INPUT" : "");
  std::printf("plan    decode at %u/8 -> %ux%u, crop %ux%u at %u,%u, %s, orientation %u\n",
              pl.scale_num, pl.decoded_width, pl.decoded_height, pl.crop.width, pl.crop.height,
              pl.crop.x, pl.crop.y, pl.resample ? "Lanczos-3 resample" : "no resample",
              pl.orientation);
  std::printf("cost    %.1f ms, peak RSS %.1f MB, planned heap %.2f MB\n", ms,
              static_cast<double>(peak_rss_kb()) / 1024.0,
              static_cast<double>(pl.memory_bytes) / 1048576.0);
  if (r.damaged)
    std::printf("warning %u decoder warnings, first: %s\n", r.warnings, r.first_warning);
}

int fail(const char* what, const Status& s, int code) {
  std::fprintf(stderr, "spark-edit prepare: %s: %s\n", what, s.message());
  return code;
}

}  // namespace

int prepare_main(int argc, char** argv) {
  const char* paths[2] = {nullptr, nullptr};
  int npaths = 0;
  bool json = false;
  image::FitOptions opt;
  for (int i = 0; i < argc; ++i) {
    const char* a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    uint64_t n = 0;
    // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): argv[i] with i < argc is never null
    if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) {
      std::fputs(kHelp, stdout);
      return kExitOk;
    } else if (std::strcmp(a, "--json") == 0) {
      json = true;
    } else if (std::strcmp(a, "--max-side") == 0 && v && parse_uint(v, image::kApiMaxSide, n) &&
               n >= 2) {
      opt.max_long_side = static_cast<uint32_t>(n);
      ++i;
    } else if (std::strcmp(a, "--quality") == 0 && v && parse_uint(v, 100, n) && n >= 1) {
      opt.quality = static_cast<int>(n);
      if (opt.min_quality > opt.quality) opt.min_quality = opt.quality;
      ++i;
    } else if (std::strcmp(a, "--min-quality") == 0 && v && parse_uint(v, 100, n) && n >= 1) {
      opt.min_quality = static_cast<int>(n);
      ++i;
    } else if (std::strcmp(a, "--max-bytes") == 0 && v && parse_uint(v, image::kApiMaxBytes, n) &&
               n >= 1) {
      opt.max_bytes = n;
      ++i;
    } else if (std::strcmp(a, "--aspect") == 0 && v &&
               (!std::strcmp(v, "crop") || !std::strcmp(v, "reject"))) {
      opt.aspect =
          std::strcmp(v, "crop") == 0 ? image::AspectPolicy::kCrop : image::AspectPolicy::kReject;
      ++i;
    } else if (a[0] == '-' && a[1] != '\0') {
      std::fprintf(stderr, "spark-edit prepare: bad option or value: %s%s%s\n%s", a, v ? " " : "",
                   v ? v : "", kHelp);
      return kExitUsage;
    } else if (npaths < 2) {
      paths[npaths++] = a;
    } else {
      std::fprintf(stderr, "spark-edit prepare: too many arguments\n%s", kHelp);
      return kExitUsage;
    }
  }
  if (npaths != 2) {
    std::fprintf(stderr, "%s", kHelp);
    return kExitUsage;
  }
  const auto start = std::chrono::steady_clock::now();
  auto file = platform::FileSource::open(paths[0]);
  if (!file) return fail(paths[0], file.status(), kExitInput);
  platform::FileSource& in = *file;
  auto pr = image::probe(in);
  if (!pr) return fail(paths[0], pr.status(), kExitInput);
  auto pl = image::plan(*pr, opt);
  if (!pl) return fail(paths[0], pl.status(), kExitInput);  // the options were checked above
  // The JPEG is held in memory (at most max_bytes) so a retry at a lower
  // quality can start over; the file appears only when it is complete.
  GrowingSink buffer(static_cast<size_t>(pl->max_bytes));
  auto r = image::fit(in, *pl, buffer);
  if (!r) {
    // Over the size cap even at min_quality is a limit, not a bad file.
    Code c = r.status().code();
    return fail(paths[0], r.status(), c == Code::kResourceExhausted ? kExitFailed : kExitInput);
  }
  auto sink = platform::AtomicFileSink::create(paths[1]);
  if (!sink) return fail(paths[1], sink.status(), kExitFailed);
  Status w = sink->write(buffer.bytes());
  if (w.is_ok()) w = sink->commit();
  if (!w.is_ok()) return fail(paths[1], w, kExitFailed);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (json) {
    Status s = print_json(paths[0], paths[1], *pl, *r, ms);
    if (!s.is_ok()) return fail("json", s, kExitFailed);
  } else {
    print_text(paths[0], paths[1], *pl, *r, ms);
  }
  return kExitOk;
}

}  // namespace spark::cli
