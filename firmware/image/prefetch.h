// Internal to image/: runs a RowSource (libjpeg's or libpng's decode) on a
// second thread a few rows ahead of its reader, so the decode overlaps the
// resample and the encode on a multi-core device (a Pi has four cores; a
// 24 MP fit is ~70% decode).
//
// Errors of the inner source reach the reader at the row where they
// happened. If no thread can be started, start() says so and the caller
// reads the inner source itself. The inner source belongs to the worker
// from start() until the prefetcher is destroyed (which stops and joins it).
//
// Memory: kSlots rows of row_bytes (the ring), plus the thread's stack
// (mapped, not heap) and a few words.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "image/resample.h"

namespace spark::image::detail {

class RowPrefetcher final : public RowSource {
 public:
  static constexpr uint32_t kSlots = 16;

  // inner yields rows of row_bytes; rows is how many will be read.
  RowPrefetcher(RowSource& inner, size_t row_bytes, uint32_t rows);
  ~RowPrefetcher() override;
  RowPrefetcher(const RowPrefetcher&) = delete;
  RowPrefetcher& operator=(const RowPrefetcher&) = delete;

  // Starts the worker. kUnavailable when the system has no thread to give.
  Status start();
  Result<const uint8_t*> next_row() override;

 private:
  void run();

  RowSource& inner_;
  const size_t row_bytes_;
  const uint32_t rows_;
  std::vector<uint8_t> ring_;
  std::mutex mutex_;
  std::condition_variable changed_;
  // Guarded by mutex_: rows written by the worker, rows handed out, rows
  // whose slot the reader gave back (all but the one it holds).
  uint32_t produced_ = 0;
  uint32_t taken_ = 0;
  uint32_t released_ = 0;
  bool stop_ = false;
  Status error_;  // the inner source's error; no row after it
  std::thread worker_;
};

}  // namespace spark::image::detail
