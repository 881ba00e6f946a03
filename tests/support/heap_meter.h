// Whole-process heap meter for tests and benchmarks.
//
// Counts every heap allocation of the process, including those made inside
// mbedTLS, libjpeg and libstdc++ (Debian's mbedTLS has no allocator hook):
// - in sanitizer builds, through ASan's malloc/free hooks;
// - otherwise by interposing malloc, calloc, realloc, free and the aligned
//   allocators over glibc's (__libc_malloc and friends).
// Sizes are usable sizes (what the allocator reserved), so figures are an
// upper bound on what was asked for.
#pragma once

#include <cstddef>
#include <cstdint>

namespace spark::test {

struct HeapStats {
  size_t current = 0;        // bytes live now
  size_t peak = 0;           // most bytes live at once since the last reset
  uint64_t allocations = 0;  // allocation calls since process start
};

// False only where neither mechanism is compiled in.
bool heap_meter_available();
HeapStats heap_stats();
// Sets peak to the current figure.
void heap_reset_peak();

// Measures the peak above the heap in use when it was made.
class HeapScope {
 public:
  HeapScope() {
    heap_reset_peak();
    base_ = heap_stats().current;
  }
  size_t peak_above_start() const {
    size_t peak = heap_stats().peak;
    return peak > base_ ? peak - base_ : 0;
  }

 private:
  size_t base_ = 0;
};

}  // namespace spark::test
