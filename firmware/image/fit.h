// image::fit: decode -> crop -> resample -> orient -> encode, by rows.
//
// Streams the input through libjpeg-turbo (DCT-scaled decode) or libpng, the
// resampler and libjpeg's encoder straight into the sink. When the encoded
// bytes pass plan.max_bytes, the pass stops, the sink is reset, the source
// rewound and the picture encoded again at a quality 10 lower (never below
// plan.min_quality). At 2048 px a q90 JPEG is ~0.5-1.5 MB, so a second pass
// is rare; that is why fit() needs a source it can rewind and a sink it can
// reset instead of buffering the output.
//
// Memory: plan.memory_bytes at most (measured by the unit tests): under 1 MB
// for a baseline JPEG at the default size, plus the output frame for
// orientations 3-8 (plan.frame_bytes) and the coefficient buffer of a
// progressive or multi-scan JPEG (plan.whole_image_bytes). The caller owns
// the source and the sink; fit() keeps no reference after it returns.
#pragma once

#include <cstdint>
#include <vector>

#include "core/io.h"
#include "image/plan.h"

namespace spark::image {

// fit() reads the source again and empties the sink for each extra pass
// (spark::RewindableSource / ResettableSink, core/io.h: MemorySource,
// platform::FileSource, GrowingSink).

struct FitResult {
  uint32_t width = 0;
  uint32_t height = 0;
  int quality = 0;     // the quality of the JPEG written
  uint64_t bytes = 0;  // its size
  int passes = 0;      // encodes run (1 unless the size cap forced more)
  // The decoder recovered from corrupt or truncated data (libjpeg or libpng
  // warned): the JPEG is valid but parts may be grey or garbled.
  bool damaged = false;
  unsigned warnings = 0;
  char first_warning[96] = {};
};

// Writes the fitted JPEG for plan (from plan() on this source's probe).
// Rewinds src before each pass and resets out before each retry.
// Errors:
// - kDataLoss: the input is corrupt beyond what the decoder can recover;
// - kInvalidArgument: the input is not what the plan was made from;
// - kResourceExhausted: even at plan.min_quality the JPEG exceeds
//   plan.max_bytes;
// - any error of src or out.
Result<FitResult> fit(RewindableSource& src, const Plan& plan, ResettableSink& out);

// probe + plan + fit in one call.
Result<FitResult> prepare(RewindableSource& src, const FitOptions& options, ResettableSink& out,
                          Plan* plan_out = nullptr);

}  // namespace spark::image
