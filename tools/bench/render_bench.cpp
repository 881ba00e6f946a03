// render_bench [--runs N] [--width W --height H] [--only NAME]: time to render one frame
// of each ui::Screen (default 800x480, 50 runs), one tab-separated line per
// screen: name  median_ms  min_ms. The pictures on the screens are 1200x900
// (a display-sized copy of a capture is what the controller keeps); the
// scaling of those is part of the time. Build it optimised (release preset)
// for figures; the host preset's sanitizers slow it several times.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ui/screen.h"

using namespace spark;

int main(int argc, char** argv) {
  int runs = 50;
  uint32_t w = 800, h = 480;
  const char* only = nullptr;  // one screen (tools/bench/render-insns counts its instructions)
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--runs"))
      runs = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--width"))
      w = static_cast<uint32_t>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--height"))
      h = static_cast<uint32_t>(std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--only"))
      only = argv[i + 1];
  }
  ui::Renderer r;
  if (Status st = r.open(); !st.is_ok()) {
    std::fprintf(stderr, "render_bench: %s\n", st.message());
    return 1;
  }
  std::vector<uint8_t> photo(size_t{1200} * 900 * 3);
  for (size_t i = 0; i < photo.size(); ++i)
    photo[i] = static_cast<uint8_t>((i * 7 + i / 3600) & 0xff);
  const ui::ImageView pic{photo.data(), 1200, 900, size_t{1200} * 3};
  ui::Surface s;
  if (Status st = s.allocate(w, h); !st.is_ok()) {
    std::fprintf(stderr, "render_bench: %s\n", st.message());
    return 1;
  }
  struct Case {
    const char* name;
    ui::Screen sc;
  };
  std::vector<Case> cases;
  ui::Screen b;
  b.preset_name = "Oil painting";
  b.preset_prompt = "Repaint this photo as a warm oil painting with visible brush strokes";
  b.preset_index = 1;
  b.preset_count = 3;
  b.last_result = pic;
  cases.push_back({"idle", b});
  b.kind = ui::ScreenKind::kCapturing;
  b.captured = pic;
  cases.push_back({"capturing", b});
  b.kind = ui::ScreenKind::kUploading;
  b.upload_percent = 42;
  cases.push_back({"uploading", b});
  b.kind = ui::ScreenKind::kEditing;
  b.edit_percent = 68;
  b.edit_status = "Running";
  cases.push_back({"editing", b});
  b.kind = ui::ScreenKind::kResult;
  b.result = pic;
  b.seconds_left = 12;
  b.layout = ui::ResultLayout::kSideBySide;
  cases.push_back({"result-side-by-side", b});
  b.layout = ui::ResultLayout::kBeforeAfter;
  cases.push_back({"result-before-after", b});
  b.layout = ui::ResultLayout::kResultOnly;
  cases.push_back({"result", b});
  b.kind = ui::ScreenKind::kError;
  b.error_cause = "No network connection";
  b.error_hint = "Check the cable or Wi-Fi, then press the button to try again.";
  cases.push_back({"error", b});
  for (const Case& c : cases) {
    if (only && std::strcmp(only, c.name) != 0) continue;
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      if (Status st = r.render(c.sc, s); !st.is_ok()) {
        std::fprintf(stderr, "render_bench: %s\n", st.message());
        return 1;
      }
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("%s\t%.2f\t%.2f\n", c.name, ms[ms.size() / 2], ms[0]);
  }
  return 0;
}
