// Cutting text to a byte budget without splitting a UTF-8 character, and
// wiping secrets so the compiler cannot drop the stores.
//
// Every place that cuts a message (Status, log lines, vendor texts, the
// progress line) cuts through these, so a cut never leaves half of a
// multi-byte character (which a JSON writer would then refuse).
//
// Memory: none (callers own every buffer).
#pragma once

#include <cstdarg>
#include <cstddef>
#include <string>
#include <string_view>

namespace spark::text {

// The largest n <= max such that text[0, n) does not end inside a UTF-8
// sequence of text (text has len bytes). Backs up at most 3 bytes, so
// invalid input cannot shrink the result further.
size_t utf8_floor(const char* text, size_t len, size_t max);

// The length (1-4) of the well-formed UTF-8 sequence at the start of
// text[0, len) (RFC 3629: no overlong forms, no surrogates, nothing above
// U+10FFFF), or 0 when it is not one. codec::utf8_scan is built on it.
size_t utf8_sequence(const char* text, size_t len);

// In place: every byte of the NUL-terminated s that does not belong to a
// well-formed sequence becomes '?', so what is printed or put in JSON is
// always UTF-8 (a %.*s precision can cut a character in the middle).
void scrub_utf8(char* s);

// Copies src into dst (capacity cap, NUL-terminated); when src does not fit
// (or more says src was already cut from a longer text) it is cut on a
// character boundary and ends with "..." (cap > 4). dst may be src.data().
// Returns the length written.
size_t fit(std::string_view src, char* dst, size_t cap, bool more = false);

// In place: cuts the NUL-terminated s to at most max bytes the same way.
void cut(char* s, size_t max);

// vsnprintf into buf (size bytes), cut as fit() cuts.
void vformat(char* buf, size_t size, const char* fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void format(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

// Overwrites n bytes at p with zeros through a volatile pointer, which the
// optimiser must keep even when p is never read again.
void wipe(void* p, size_t n);
// Wipes a string's characters (its whole buffer) and empties it.
void wipe(std::string& s);

}  // namespace spark::text
