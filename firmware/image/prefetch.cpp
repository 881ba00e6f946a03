#include "image/prefetch.h"

#include <cstring>
#include <system_error>

namespace spark::image::detail {

RowPrefetcher::RowPrefetcher(RowSource& inner, size_t row_bytes, uint32_t rows)
    : inner_(inner), row_bytes_(row_bytes), rows_(rows), ring_(row_bytes * kSlots) {}

RowPrefetcher::~RowPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

Status RowPrefetcher::start() {
  try {
    worker_ = std::thread(&RowPrefetcher::run, this);
  } catch (const std::system_error& e) {
    return Status::error(Code::kUnavailable, "no decode thread (%s)", e.what());
  }
  return Status::ok();
}

void RowPrefetcher::run() {
  for (uint32_t row = 0; row < rows_; ++row) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || produced_ - released_ < kSlots; });
      if (stop_) return;
    }
    // The slot is free and invisible to the reader until produced_ moves.
    Result<const uint8_t*> r = inner_.next_row();
    if (r.is_ok()) std::memcpy(&ring_[size_t{row % kSlots} * row_bytes_], *r, row_bytes_);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!r.is_ok())
        error_ = r.status();
      else
        ++produced_;
    }
    changed_.notify_all();
    if (!r.is_ok()) return;
  }
}

Result<const uint8_t*> RowPrefetcher::next_row() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (taken_ > released_) {  // the row handed out last time is done with
    ++released_;
    changed_.notify_all();
  }
  if (taken_ == rows_) return Status::error(Code::kInternal, "row prefetcher read past its rows");
  changed_.wait(lock, [&] { return produced_ > taken_ || !error_.is_ok(); });
  if (produced_ == taken_) return error_;
  const uint8_t* row = &ring_[size_t{taken_ % kSlots} * row_bytes_];
  ++taken_;
  return row;
}

}  // namespace spark::image::detail
