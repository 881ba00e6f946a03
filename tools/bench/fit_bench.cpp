// fit_bench [--runs N] [--max-side N] [--out DIR] FILE...
// Runs probe + plan + fit on each file N times, streaming from the file into
// a byte counter, and prints one tab-separated line per file:
//   file  median_ms  peak_heap_bytes  planned_bytes  frame_bytes  whole_image_bytes
//   out_w  out_h  scale_num  resample  quality  bytes  damaged
// Peak heap is whole-process (libjpeg's and libpng's mallocs included),
// measured from just before the file is opened. --out DIR also writes
// DIR/<basename>.jpg for quality checks.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "heap_meter.h"
#include "image/fit.h"
#include "platform/linux/file_io.h"

using namespace spark;

namespace {

class CountingOutput final : public ResettableSink {
 public:
  Status write(ConstBytes d) override {
    n_ += d.size();
    return Status::ok();
  }
  Status reset() override {
    n_ = 0;
    return Status::ok();
  }

 private:
  uint64_t n_ = 0;
};

struct Run {
  double ms = 0;
  size_t peak = 0;
  image::Plan plan;
  image::FitResult result;
};

Result<Run> run_once(const char* path, const image::FitOptions& opt, ResettableSink& out) {
  Run run;
  test::HeapScope heap;
  auto t0 = std::chrono::steady_clock::now();
  {
    SPARK_TRY_ASSIGN(platform::FileSource file, platform::FileSource::open(path));
    SPARK_TRY_ASSIGN(run.result, image::prepare(file, opt, out, &run.plan));
  }
  run.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  run.peak = heap.peak_above_start();
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  std::string out_dir;
  image::FitOptions opt;
  std::vector<const char*> files;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--max-side") && i + 1 < argc) {
      opt.max_long_side = static_cast<uint32_t>(std::atoi(argv[++i]));
    } else if (!std::strcmp(argv[i], "--out") && i + 1 < argc) {
      out_dir = argv[++i];
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr, "usage: fit_bench [--runs N] [--max-side N] [--out DIR] FILE...\n");
      return 2;
    } else {
      files.push_back(argv[i]);
    }
  }
  if (!test::heap_meter_available()) std::fprintf(stderr, "fit_bench: heap meter unavailable\n");
  int failures = 0;
  for (const char* path : files) {
    std::vector<double> ms;
    Run last;
    bool ok = true;
    for (int r = 0; r < runs && ok; ++r) {
      CountingOutput out;
      auto run = run_once(path, opt, out);
      if (!run) {
        std::fprintf(stderr, "fit_bench: %s: %s\n", path, run.status().message());
        ok = false;
        break;
      }
      ms.push_back(run->ms);
      last.peak = std::max(last.peak, run->peak);
      last.plan = run->plan;
      last.result = run->result;
    }
    if (!ok) {
      ++failures;
      continue;
    }
    if (!out_dir.empty()) {
      std::string base = path;
      base = base.substr(base.find_last_of('/') + 1);
      std::string dst = out_dir + "/" + base.substr(0, base.find_last_of('.')) + ".jpg";
      auto sink = platform::AtomicFileSink::create(dst);
      GrowingSink buf(image::kApiMaxBytes);
      auto run = sink ? run_once(path, opt, buf) : Result<Run>(sink.status());
      Status s = run.is_ok() ? sink->write(buf.bytes()) : run.status();
      if (s.is_ok()) s = sink->commit();
      if (!s.is_ok()) std::fprintf(stderr, "fit_bench: %s: %s\n", dst.c_str(), s.message());
    }
    std::sort(ms.begin(), ms.end());
    const image::Plan& p = last.plan;
    std::printf("%s\t%.1f\t%zu\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%u\t%u\t%u\t%d\t%d\t%" PRIu64
                "\t%d\n",
                path, ms[ms.size() / 2], last.peak, p.memory_bytes, p.frame_bytes,
                p.whole_image_bytes, p.out_width, p.out_height, p.scale_num, p.resample ? 1 : 0,
                last.result.quality, last.result.bytes, last.result.damaged ? 1 : 0);
    std::fflush(stdout);
  }
  return failures ? 1 : 0;
}
