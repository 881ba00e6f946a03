#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "codec/base64.h"
#include "http/json_upload_body.h"

using namespace spark;

namespace {

// Hands out at most `step` bytes per read, like a slow file or camera.
class TrickleSource final : public ByteSource {
 public:
  TrickleSource(ConstBytes data, size_t step) : data_(data), step_(step) {}
  Result<size_t> read(MutBytes buf) override {
    size_t n = std::min({step_, buf.size(), data_.size() - pos_});
    std::copy(data_.begin() + pos_, data_.begin() + pos_ + n, buf.begin());
    pos_ += n;
    return n;
  }
  std::optional<uint64_t> size() const override { return data_.size(); }

 private:
  ConstBytes data_;
  size_t step_;
  size_t pos_ = 0;
};

class UnsizedSource final : public ByteSource {
 public:
  Result<size_t> read(MutBytes) override { return size_t{0}; }
};

}  // namespace

TEST_CASE("upload_body_is_prefix_base64_suffix_with_exact_length") {
  std::vector<uint8_t> image(10000);
  for (size_t i = 0; i < image.size(); ++i) image[i] = static_cast<uint8_t>(i * 7 + i / 255);
  std::string b64(static_cast<size_t>(codec::base64_encoded_size(image.size())), '\0');
  codec::base64_encode(ConstBytes(image.data(), image.size()),
                       MutBytes(reinterpret_cast<uint8_t*>(b64.data()), b64.size()));
  const std::string prefix = "{\"binary_data_base64\":[\"", suffix = "\"]}";
  for (size_t image_step : {1u, 2u, 5u, 1000u, 100000u}) {
    for (size_t out_step : {1u, 3u, 7u, 4096u}) {
      TrickleSource src(ConstBytes(image.data(), image.size()), image_step);
      Result<http::JsonUploadBody> body = http::JsonUploadBody::create(prefix, src, suffix);
      REQUIRE(body.is_ok());
      CHECK(body->length() == prefix.size() + b64.size() + suffix.size());
      std::string out;
      std::vector<uint8_t> buf(out_step);
      for (;;) {
        Result<size_t> n = body->read(MutBytes(buf.data(), buf.size()));
        REQUIRE(n.is_ok());
        if (*n == 0) break;
        out.append(reinterpret_cast<char*>(buf.data()), *n);
      }
      CHECK(out == prefix + b64 + suffix);
    }
  }
}

TEST_CASE("upload_body_needs_a_sized_image") {
  UnsizedSource src;
  CHECK(http::JsonUploadBody::create("{", src, "}").status().code() == Code::kInvalidArgument);
}
