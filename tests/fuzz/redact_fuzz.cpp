// log::redact() in place with small capacities, and log::redacted_copy():
// whatever the text and the capacity, nothing is written outside the buffer
// (AddressSanitizer guards the exact-size heap copies), the result is
// NUL-terminated within capacity, and no registered secret survives whole.
// Input: [capacity byte][secret length byte][secret][text].
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/log.h"

using namespace spark;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t capacity = data[0] % 64;  // small: the edges are where the bugs were
  size_t secret_len = 1 + data[1] % 16;
  if (secret_len > size - 2) secret_len = size - 2;
  std::string secret(reinterpret_cast<const char*>(data + 2), secret_len);
  std::string text(reinterpret_cast<const char*>(data + 2 + secret_len), size - 2 - secret_len);
  secret.erase(std::remove(secret.begin(), secret.end(), '\0'), secret.end());
  text = text.substr(0, text.find('\0'));
  log::clear_secrets();
  if (!secret.empty() && !log::add_secret(secret).is_ok()) std::abort();

  std::vector<char> line(capacity);  // exactly capacity bytes: one past is caught
  if (capacity > 0) {
    size_t n = text.size() < capacity - 1 ? text.size() : capacity - 1;
    std::memcpy(line.data(), text.data(), n);
    line[n] = '\0';
  }
  log::redact(line.data(), capacity);
  if (capacity > 0) {
    const char* end = static_cast<const char*>(std::memchr(line.data(), '\0', capacity));
    if (!end) std::abort();
    // The mask can show a secret only if the secret is part of it, or
    // straddles its edge (then it holds a bracket).
    if (!secret.empty() && std::string("[redacted]").find(secret) == std::string::npos &&
        secret.find_first_of("[]") == std::string::npos &&
        std::string(line.data()).find(secret) != std::string::npos) {
      std::abort();
    }
  }

  std::vector<char> copy(capacity);
  size_t n = log::redacted_copy(text, copy.data(), capacity);
  if (capacity > 0 && (n >= capacity || std::strlen(copy.data()) != n)) std::abort();
  if (capacity == 0 && n != 0) std::abort();
  log::clear_secrets();
  return 0;
}
