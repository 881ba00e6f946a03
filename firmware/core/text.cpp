#include "core/text.h"

#include <cstdint>
#include <cstdio>
#include <cstring>

namespace spark::text {

size_t utf8_floor(const char* text, size_t len, size_t max) {
  if (max >= len) return len;
  size_t n = max;
  // text[n] is the first byte left out: while it continues a sequence, the
  // sequence started before n and must go too.
  for (int back = 0; back < 3 && n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80;
       ++back) {
    --n;
  }
  if ((static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) return max;  // not UTF-8: bytes
  return n;
}

namespace {
// len minus a multi-byte sequence cut short at the end of text.
size_t complete_prefix(const char* text, size_t len) {
  for (size_t back = 1; back <= 3 && back <= len; ++back) {
    auto c = static_cast<unsigned char>(text[len - back]);
    if ((c & 0xC0) == 0x80) continue;
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > back ? len - back : len;
  }
  return len;
}
}  // namespace

size_t utf8_sequence(const char* text, size_t len) {
  if (len == 0) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(text);
  const unsigned c = p[0];
  if (c < 0x80) return 1;
  size_t n;
  uint32_t min, cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2, min = 0x80, cp = c & 0x1Fu;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, min = 0x800, cp = c & 0x0Fu;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, min = 0x10000, cp = c & 0x07u;
  } else {
    return 0;
  }
  if (len < n) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (p[k] & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void scrub_utf8(char* s) {
  size_t len = std::strlen(s);
  for (size_t i = 0; i < len;) {
    size_t n = utf8_sequence(s + i, len - i);
    if (n == 0) {
      s[i++] = '?';
    } else {
      i += n;
    }
  }
}

size_t fit(std::string_view src, char* dst, size_t cap, bool more) {
  if (cap == 0) return 0;
  size_t n = src.size();
  if (n < cap && !more) {
    std::memmove(dst, src.data(), n);
    dst[n] = '\0';
    return n;
  }
  if (cap <= 4) {
    n = utf8_floor(src.data(), src.size(), cap - 1);
    std::memmove(dst, src.data(), n);
    dst[n] = '\0';
    return n;
  }
  n = utf8_floor(src.data(), src.size(), n < cap - 4 ? n : cap - 4);
  std::memmove(dst, src.data(), n);
  std::memcpy(dst + n, "...", 4);
  return n + 3;
}

void cut(char* s, size_t max) {
  size_t len = std::strlen(s);
  if (len <= max) return;
  fit(std::string_view(s, len), s, max + 1);
}

void vformat(char* buf, size_t size, const char* fmt, va_list ap) {
  if (size == 0) return;
  int n = std::vsnprintf(buf, size, fmt, ap);
  if (n < 0) {
    buf[0] = '\0';
  } else if (static_cast<size_t>(n) >= size) {
    // vsnprintf cut at size - 1 bytes, maybe inside a character; the text
    // beyond is lost, so treat what is there as longer than it can hold.
    size_t have = size - 1;
    size_t keep = size > 4 ? utf8_floor(buf, have, size - 4) : complete_prefix(buf, have);
    if (size > 4) {
      std::memcpy(buf + keep, "...", 4);
    } else {
      buf[keep] = '\0';
    }
  }
}

void format(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vformat(buf, size, fmt, ap);
  va_end(ap);
}

void wipe(void* p, size_t n) {
  volatile unsigned char* v = static_cast<volatile unsigned char*>(p);
  for (size_t i = 0; i < n; ++i) v[i] = 0;
}

void wipe(std::string& s) {
  // capacity() bytes are the buffer (the short-string buffer included);
  // only size() of them are ours to write through the public API.
  s.resize(s.capacity());
  wipe(&s[0], s.size());
  s.clear();
}

}  // namespace spark::text
