#include "heap_meter.h"

#include <atomic>

#if defined(__SANITIZE_ADDRESS__)
#define SPARK_HEAP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPARK_HEAP_ASAN 1
#endif
#endif

namespace {
// Zero-initialised at load time: usable before any constructor runs, as the
// first allocations of the process happen before main.
std::atomic<size_t> g_current{0};
std::atomic<size_t> g_peak{0};
std::atomic<uint64_t> g_allocations{0};

void on_alloc(size_t n) {
  size_t now = g_current.fetch_add(n, std::memory_order_relaxed) + n;
  size_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  g_allocations.fetch_add(1, std::memory_order_relaxed);
}
void on_free(size_t n) {
  g_current.fetch_sub(n, std::memory_order_relaxed);
}
}  // namespace

#ifdef SPARK_HEAP_ASAN
// From sanitizer/allocator_interface.h, which clang ships and GCC does not;
// libasan exports both either way.
extern "C" {
size_t __sanitizer_get_allocated_size(const volatile void* p);
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void*, size_t),
                                              void (*free_hook)(const volatile void*));
}

namespace {
void malloc_hook(const volatile void*, size_t size) {
  on_alloc(size);
}
void free_hook(const volatile void* ptr) {
  if (ptr) on_free(__sanitizer_get_allocated_size(ptr));
}
// Installed before main; allocations before this point are not counted, and
// their later frees are clamped below (see heap_stats).
const int g_installed = __sanitizer_install_malloc_and_free_hooks(malloc_hook, free_hook);
}  // namespace

namespace spark::test {
bool heap_meter_available() {
  return g_installed != 0;
}
}  // namespace spark::test

#else  // interpose glibc's allocator
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void __libc_free(void*);
void* __libc_memalign(size_t, size_t);

namespace {
void* counted(void* p) {
  if (p) on_alloc(malloc_usable_size(p));
  return p;
}
}  // namespace

void* malloc(size_t n) {
  return counted(__libc_malloc(n));
}
void* calloc(size_t n, size_t m) {
  return counted(__libc_calloc(n, m));
}
void free(void* p) {
  if (!p) return;
  on_free(malloc_usable_size(p));
  __libc_free(p);
}
void* realloc(void* p, size_t n) {
  if (!p) return malloc(n);
  if (n == 0) {
    free(p);
    return nullptr;
  }
  size_t old = malloc_usable_size(p);
  void* q = __libc_realloc(p, n);
  if (q) {
    on_free(old);
    on_alloc(malloc_usable_size(q));
  }
  return q;
}
void* reallocarray(void* p, size_t n, size_t m) {
  size_t total;
  if (__builtin_mul_overflow(n, m, &total)) {
    errno = ENOMEM;
    return nullptr;
  }
  return realloc(p, total);
}
void* memalign(size_t align, size_t n) {
  return counted(__libc_memalign(align, n));
}
void* aligned_alloc(size_t align, size_t n) {
  return memalign(align, n);
}
int posix_memalign(void** out, size_t align, size_t n) {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
  void* p = memalign(align, n);
  if (!p) return ENOMEM;
  *out = p;
  return 0;
}
void* valloc(size_t n) {
  return memalign(static_cast<size_t>(sysconf(_SC_PAGESIZE)), n);
}
void* pvalloc(size_t n) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return memalign(page, (n + page - 1) & ~(page - 1));
}
}  // extern "C"

namespace spark::test {
bool heap_meter_available() {
  return true;
}
}  // namespace spark::test
#endif

namespace spark::test {

HeapStats heap_stats() {
  HeapStats s;
  // A block allocated before the meter started and freed after can make the
  // running figure wrap; report 0 rather than a huge number.
  size_t current = g_current.load(std::memory_order_relaxed);
  s.current = current > (SIZE_MAX >> 1) ? 0 : current;
  s.peak = g_peak.load(std::memory_order_relaxed);
  s.allocations = g_allocations.load(std::memory_order_relaxed);
  return s;
}

void heap_reset_peak() {
  g_peak.store(heap_stats().current, std::memory_order_relaxed);
}

}  // namespace spark::test
