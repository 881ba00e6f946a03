#include "core/io.h"

#include <cstring>

namespace spark {

Result<size_t> MemorySource::read(MutBytes buf) {
  size_t n = data_.size() - pos_;
  if (n > buf.size()) n = buf.size();
  if (n) std::memcpy(buf.data(), data_.data() + pos_, n);
  pos_ += n;
  return n;
}

Status FixedSink::write(ConstBytes data) {
  if (data.size() > buf_.size() - used_) {
    return Status::error(Code::kResourceExhausted,
                         "output buffer full (%zu bytes): %zu more bytes do not fit", buf_.size(),
                         data.size());
  }
  if (!data.empty()) std::memcpy(buf_.data() + used_, data.data(), data.size());
  used_ += data.size();
  return Status::ok();
}

Status GrowingSink::write(ConstBytes data) {
  if (data.size() > cap_ - data_.size()) {
    return Status::error(Code::kResourceExhausted, "data exceeds the %zu-byte cap", cap_);
  }
  size_t need = data_.size() + data.size();
  if (need > data_.capacity()) {
    size_t grow = data_.capacity() ? data_.capacity() * 2 : 4096;
    data_.reserve(grow < need ? need : (grow > cap_ ? cap_ : grow));
  }
  data_.insert(data_.end(), data.begin(), data.end());
  return Status::ok();
}

Result<uint64_t> copy(ByteSource& src, ByteSink& dst, MutBytes scratch, uint64_t limit) {
  uint64_t total = 0;
  for (;;) {
    SPARK_TRY_ASSIGN(size_t n, src.read(scratch));
    if (n == 0) return total;
    if (n > limit - total) {
      return Status::error(Code::kResourceExhausted, "stream is larger than the %llu-byte limit",
                           static_cast<unsigned long long>(limit));
    }
    total += n;
    SPARK_TRY(dst.write(scratch.first(n)));
  }
}

Status read_exact(ByteSource& src, MutBytes buf) {
  size_t got = 0;
  while (got < buf.size()) {
    SPARK_TRY_ASSIGN(size_t n, src.read(buf.subspan(got)));
    if (n == 0) {
      return Status::error(Code::kDataLoss, "stream ended after %zu of %zu bytes", got, buf.size());
    }
    got += n;
  }
  return Status::ok();
}

}  // namespace spark
