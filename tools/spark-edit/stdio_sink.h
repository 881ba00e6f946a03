// A ByteSink onto a stdio stream (stdout for --json and prepare's output).
#pragma once

#include <cstdio>

#include "core/io.h"

namespace spark::cli {

class StdioSink final : public ByteSink {
 public:
  explicit StdioSink(FILE* f) : f_(f) {}
  Status write(ConstBytes d) override {
    return std::fwrite(d.data(), 1, d.size(), f_) == d.size()
               ? Status::ok()
               : Status::error(Code::kIo, "cannot write the output");
  }

 private:
  FILE* f_;
};

}  // namespace spark::cli
