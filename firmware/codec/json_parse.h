// parse_json: picojson parsing with caps for untrusted responses.
//
// Checks before picojson sees the text: size (max_bytes), valid UTF-8, and
// nesting depth (picojson recurses once per level, so depth bounds its
// stack). After: nothing but whitespace may follow the value.
// picojson's own asserts throw; PICOJSON_ASSERT is defined here to abort
// instead, so include picojson through this header only, and use
// value::is<T>() before get<T>().
//
// Memory: picojson allocates the tree on the heap: roughly 2-4x the text,
// so a 64 KB cap bounds it to ~256 KB, freed with the value.
#pragma once

#include <cstddef>
#include <string_view>

#ifndef PICOJSON_ASSERT
#include <cstdlib>
#define PICOJSON_ASSERT(e)  \
  do {                      \
    if (!(e)) std::abort(); \
  } while (0)
#endif
#include <picojson.h>

#include "core/status.h"

namespace spark::codec {

struct JsonLimits {
  size_t max_bytes = size_t{64} * 1024;
  size_t max_depth = 32;
};

// Errors: kResourceExhausted (size, depth, memory), kDataLoss (invalid
// UTF-8, syntax error with picojson's line and column, trailing data, a
// number beyond double's range). Never throws.
Result<picojson::value> parse_json(std::string_view text, JsonLimits limits = {});

// The member key of v, or nullptr when v is not an object or has no such key.
const picojson::value* member(const picojson::value& v, const char* key);

}  // namespace spark::codec
