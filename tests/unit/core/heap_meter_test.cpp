// The heap meter must see allocations made by the libraries sparkcam links,
// not only C++ new: later issues bound memory with it.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include <jpeglib.h>
#include <mbedtls/bignum.h>

#include "heap_meter.h"

using spark::test::heap_meter_available;
using spark::test::heap_stats;
using spark::test::HeapScope;

TEST_CASE("heap_meter_counts_new_and_delete") {
  REQUIRE(heap_meter_available());
  HeapScope scope;
  size_t before = heap_stats().current;
  {
    auto block = std::make_unique<char[]>(1 << 20);
    block[0] = 1;
    CHECK(heap_stats().current >= before + (1 << 20));
  }
  CHECK(scope.peak_above_start() >= (1 << 20));
  CHECK(heap_stats().current <= before + 64);
}

TEST_CASE("heap_meter_counts_malloc_realloc_and_calloc") {
  HeapScope scope;
  size_t before = heap_stats().current;
  void* p = std::malloc(1000);
  REQUIRE(p);
  p = std::realloc(p, 300000);
  REQUIRE(p);
  CHECK(heap_stats().current >= before + 300000);
  std::free(p);
  void* q = std::calloc(1000, 100);
  REQUIRE(q);
  CHECK(heap_stats().current >= before + 100000);
  std::free(q);
  CHECK(scope.peak_above_start() >= 300000);
  CHECK(heap_stats().current <= before + 64);
}

TEST_CASE("heap_meter_sees_libjpeg_allocations") {
  HeapScope scope;
  jpeg_compress_struct cinfo{};
  jpeg_error_mgr jerr{};
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_compress(&cinfo);
  unsigned char* out = nullptr;
  unsigned long out_size = 0;
  jpeg_mem_dest(&cinfo, &out, &out_size);
  cinfo.image_width = 256;
  cinfo.image_height = 16;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  unsigned char row[256 * 3] = {};
  JSAMPROW rows[1] = {row};
  while (cinfo.next_scanline < cinfo.image_height) jpeg_write_scanlines(&cinfo, rows, 1);
  jpeg_finish_compress(&cinfo);
  size_t during = scope.peak_above_start();
  jpeg_destroy_compress(&cinfo);
  std::free(out);
  // libjpeg's pools (component buffers, Huffman tables) and jpeg_mem_dest's
  // 4 KB output buffer all come from malloc inside libjpeg.
  MESSAGE("libjpeg peak heap for a 256x16 encode: " << during << " bytes");
  CHECK(during > 16 * 1024);
}

TEST_CASE("heap_meter_sees_mbedtls_allocations") {
  HeapScope scope;
  mbedtls_mpi x;
  mbedtls_mpi_init(&x);
  REQUIRE(mbedtls_mpi_grow(&x, 4096) == 0);  // 4096 limbs, calloc'd inside mbedTLS
  size_t during = scope.peak_above_start();
  mbedtls_mpi_free(&x);
  CHECK(during >= 4096 * sizeof(mbedtls_mpi_uint));
}
