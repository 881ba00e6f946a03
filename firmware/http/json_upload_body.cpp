#include "http/json_upload_body.h"

#include <cstring>

namespace spark::http {

Result<JsonUploadBody> JsonUploadBody::create(std::string_view prefix, ByteSource& image,
                                              std::string_view suffix) {
  std::optional<uint64_t> n = image.size();
  if (!n) {
    return Status::error(Code::kInvalidArgument,
                         "upload: the image's size must be known to send Content-Length");
  }
  return JsonUploadBody(prefix, image, suffix,
                        prefix.size() + codec::base64_encoded_size(*n) + suffix.size());
}

Result<size_t> JsonUploadBody::read(MutBytes buf) {
  size_t got = 0;
  auto take = [&](std::string_view& text) {
    size_t n = text.size() < buf.size() - got ? text.size() : buf.size() - got;
    if (n) std::memcpy(buf.data() + got, text.data(), n);
    text.remove_prefix(n);
    got += n;
  };
  take(prefix_);
  while (got < buf.size() && prefix_.empty() && !base64_done_) {
    SPARK_TRY_ASSIGN(size_t n, base64_.read(buf.subspan(got)));
    if (n == 0) base64_done_ = true;
    got += n;
  }
  if (base64_done_) take(suffix_);
  return got;
}

}  // namespace spark::http
