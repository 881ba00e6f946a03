// Non-owning views of contiguous bytes (C++17 has no std::span).
// Memory: two words; never owns or allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace spark {

template <class T>
class Span {
 public:
  constexpr Span() = default;
  constexpr Span(T* data, size_t size) : data_(data), size_(size) {}
  template <size_t N>
  constexpr Span(T (&array)[N]) : data_(array), size_(N) {}  // NOLINT: implicit
  // A mutable span converts to a const one.
  template <class U, class = decltype(static_cast<T*>(static_cast<U*>(nullptr)))>
  constexpr Span(Span<U> other) : data_(other.data()), size_(other.size()) {}  // NOLINT

  constexpr T* data() const { return data_; }
  constexpr size_t size() const { return size_; }
  constexpr bool empty() const { return size_ == 0; }
  constexpr T& operator[](size_t i) const { return data_[i]; }
  constexpr T* begin() const { return data_; }
  constexpr T* end() const { return data_ + size_; }

  // Clamped: asking past the end gives what is there.
  constexpr Span first(size_t n) const { return Span(data_, n < size_ ? n : size_); }
  constexpr Span subspan(size_t offset) const {
    return offset >= size_ ? Span(data_ + size_, 0) : Span(data_ + offset, size_ - offset);
  }
  constexpr Span subspan(size_t offset, size_t n) const { return subspan(offset).first(n); }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

using ConstBytes = Span<const uint8_t>;
using MutBytes = Span<uint8_t>;

inline ConstBytes as_bytes(std::string_view s) {
  return ConstBytes(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline std::string_view as_chars(ConstBytes b) {
  return std::string_view(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace spark
