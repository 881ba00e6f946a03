// JsonUploadBody: prefix + base64(image) + suffix as one request body.
//
// The API's create request is a small JSON envelope around one big base64
// string. prefix ends just inside the string's opening quote and suffix
// starts with its closing quote (codec::JsonWriter::begin_string/end_string
// write them); the image is pulled from a ByteSource of known size and
// encoded on the fly in 3-byte-aligned chunks (codec::Base64Source), so
// Content-Length = prefix + 4*ceil(n/3) + suffix is known before the first
// byte and memory does not depend on the image size.
//
// Memory: prefix and suffix are the caller's (they must outlive the body);
// ~60 bytes inline (the encoder works in the reader's buffer). No heap.
#pragma once

#include <string_view>

#include "codec/base64.h"
#include "http/body.h"

namespace spark::http {

class JsonUploadBody final : public BodySource {
 public:
  // Errors: kInvalidArgument when image has no known size.
  static Result<JsonUploadBody> create(std::string_view prefix, ByteSource& image,
                                       std::string_view suffix);

  Result<size_t> read(MutBytes buf) override;
  uint64_t length() const override { return length_; }

 private:
  JsonUploadBody(std::string_view prefix, ByteSource& image, std::string_view suffix,
                 uint64_t length)
      : prefix_(prefix), suffix_(suffix), base64_(image), length_(length) {}

  std::string_view prefix_;
  std::string_view suffix_;
  codec::Base64Source base64_;
  uint64_t length_;
  bool base64_done_ = false;
};

}  // namespace spark::http
