#include "ui/surface.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace spark::ui {

Color mix(Color a, Color b, uint8_t t) {
  auto m = [t](uint8_t x, uint8_t y) {
    return static_cast<uint8_t>((x * (255 - t) + y * t + 127) / 255);
  };
  return {m(a.r, b.r), m(a.g, b.g), m(a.b, b.b)};
}

Rect Rect::intersect(const Rect& o) const {
  const int32_t x0 = std::max(x, o.x), y0 = std::max(y, o.y);
  const int32_t x1 = std::min(right(), o.right()), y1 = std::min(bottom(), o.bottom());
  if (x1 <= x0 || y1 <= y0) return {x0, y0, 0, 0};
  return {x0, y0, x1 - x0, y1 - y0};
}

Result<const uint8_t*> ViewRows::next_row() {
  if (y_ >= view_.height) {
    return Status::error(Code::kOutOfRange, "image: row %u of %u", y_, view_.height);
  }
  return view_.pixels + static_cast<size_t>(y_++) * view_.stride;
}

Rect fit_rect(uint32_t src_w, uint32_t src_h, const Rect& box) {
  if (box.empty() || src_w == 0 || src_h == 0) return {box.x, box.y, 0, 0};
  // Width-limited when src_w / src_h >= box.w / box.h.
  const uint64_t lhs = static_cast<uint64_t>(src_w) * static_cast<uint64_t>(box.h);
  const uint64_t rhs = static_cast<uint64_t>(src_h) * static_cast<uint64_t>(box.w);
  int32_t w, h;
  if (lhs >= rhs) {
    w = box.w;
    h = static_cast<int32_t>((static_cast<uint64_t>(box.w) * src_h + src_w / 2) / src_w);
  } else {
    h = box.h;
    w = static_cast<int32_t>((static_cast<uint64_t>(box.h) * src_w + src_h / 2) / src_h);
  }
  w = std::max(1, std::min(w, box.w));
  h = std::max(1, std::min(h, box.h));
  return {box.x + (box.w - w) / 2, box.y + (box.h - h) / 2, w, h};
}

Status Surface::allocate(uint32_t width, uint32_t height) {
  if (width == 0 || height == 0 || static_cast<uint64_t>(width) * height > kMaxPixels) {
    return Status::error(Code::kResourceExhausted, "surface: %ux%u is outside 1x1..16 Mpixel",
                         width, height);
  }
  const size_t stride = static_cast<size_t>(width) * 3;
  own_.assign(stride * height, 0);
  frame_ = {own_.data(), width, height, stride};
  return Status::ok();
}

void Surface::fill_rect(const Rect& r, Color c) {
  const Rect a = r.intersect(bounds());
  if (a.empty()) return;
  for (int32_t y = a.y; y < a.bottom(); ++y) {
    uint8_t* p = frame_.at(static_cast<uint32_t>(a.x), static_cast<uint32_t>(y));
    for (int32_t x = 0; x < a.w; ++x, p += 3) {
      p[0] = c.r;
      p[1] = c.g;
      p[2] = c.b;
    }
  }
}

void Surface::blend_rect(const Rect& r, Color c, uint8_t alpha) {
  const Rect a = r.intersect(bounds());
  if (a.empty() || alpha == 0) return;
  for (int32_t y = a.y; y < a.bottom(); ++y) {
    uint8_t* p = frame_.at(static_cast<uint32_t>(a.x), static_cast<uint32_t>(y));
    for (int32_t x = 0; x < a.w; ++x, p += 3) {
      const Color o = mix({p[0], p[1], p[2]}, c, alpha);
      p[0] = o.r;
      p[1] = o.g;
      p[2] = o.b;
    }
  }
}

void Surface::blend_pixel(int32_t x, int32_t y, Color c, uint8_t alpha) {
  if (alpha == 0 || x < 0 || y < 0 || x >= static_cast<int32_t>(frame_.width) ||
      y >= static_cast<int32_t>(frame_.height)) {
    return;
  }
  uint8_t* p = frame_.at(static_cast<uint32_t>(x), static_cast<uint32_t>(y));
  const Color o = alpha == 255 ? c : mix({p[0], p[1], p[2]}, c, alpha);
  p[0] = o.r;
  p[1] = o.g;
  p[2] = o.b;
}

void Surface::frame_rect(const Rect& r, Color c, int32_t t) {
  if (r.empty() || t <= 0) return;
  t = std::min(t, std::min(r.w, r.h) / 2 + 1);
  fill_rect({r.x, r.y, r.w, t}, c);
  fill_rect({r.x, r.bottom() - t, r.w, t}, c);
  fill_rect({r.x, r.y + t, t, r.h - 2 * t}, c);
  fill_rect({r.right() - t, r.y + t, t, r.h - 2 * t}, c);
}

void Surface::fill_round_rect(const Rect& r, int32_t radius, Color c) {
  if (r.empty()) return;
  radius = std::max(0, std::min(radius, std::min(r.w, r.h) / 2));
  fill_rect({r.x, r.y + radius, r.w, r.h - 2 * radius}, c);
  fill_rect({r.x + radius, r.y, r.w - 2 * radius, radius}, c);
  fill_rect({r.x + radius, r.bottom() - radius, r.w - 2 * radius, radius}, c);
  const float rad = static_cast<float>(radius);
  for (int32_t dy = 0; dy < radius; ++dy) {
    for (int32_t dx = 0; dx < radius; ++dx) {
      // Distance of this pixel's centre from the corner circle's centre.
      const float fx = rad - (static_cast<float>(dx) + 0.5f);
      const float fy = rad - (static_cast<float>(dy) + 0.5f);
      const float cover = std::min(1.0f, std::max(0.0f, rad - std::sqrt(fx * fx + fy * fy) + 0.5f));
      const auto a = static_cast<uint8_t>(std::lround(cover * 255.0f));
      blend_pixel(r.x + dx, r.y + dy, c, a);
      blend_pixel(r.right() - 1 - dx, r.y + dy, c, a);
      blend_pixel(r.x + dx, r.bottom() - 1 - dy, c, a);
      blend_pixel(r.right() - 1 - dx, r.bottom() - 1 - dy, c, a);
    }
  }
}

Status Surface::draw_image(ImageRows& src, const Rect& box, Rect* drawn) {
  const uint32_t in_w = src.width(), in_h = src.height();
  if (in_w == 0 || in_h == 0) {
    return Status::error(Code::kInvalidArgument, "image: empty picture");
  }
  const Rect out = fit_rect(in_w, in_h, box);
  if (drawn) *drawn = out;
  if (out.empty()) return Status::ok();
  const auto out_w = static_cast<uint32_t>(out.w), out_h = static_cast<uint32_t>(out.h);
  // Output pixel i covers source columns [x0[i], max(x0[i] + 1, x0[i + 1])):
  // a partition when shrinking, one nearest column when enlarging.
  std::vector<uint32_t> x0(out_w + 1);
  for (uint32_t i = 0; i <= out_w; ++i) {
    x0[i] = static_cast<uint32_t>(static_cast<uint64_t>(i) * in_w / out_w);
  }
  std::vector<uint32_t> sums(static_cast<size_t>(out_w) * 3);
  std::vector<uint8_t> line(static_cast<size_t>(out_w) * 3);
  const Rect vis = out.intersect(bounds());
  uint32_t rows_read = 0;
  for (uint32_t oy = 0; oy < out_h; ++oy) {
    const auto r0 = static_cast<uint32_t>(static_cast<uint64_t>(oy) * in_h / out_h);
    const uint32_t r1 =
        std::max(r0 + 1, static_cast<uint32_t>(static_cast<uint64_t>(oy + 1) * in_h / out_h));
    if (r0 >= rows_read) {  // new source rows (else repeat `line` when enlarging)
      std::fill(sums.begin(), sums.end(), 0u);
      for (; rows_read < r1; ++rows_read) {
        Result<const uint8_t*> row = src.next_row();
        if (!row.is_ok()) return row.status();
        const uint8_t* p = *row;
        for (uint32_t i = 0; i < out_w; ++i) {
          const uint32_t a = x0[i], b = std::max(a + 1, x0[i + 1]);
          uint32_t sr = 0, sg = 0, sb = 0;
          const uint8_t* end =
              p + static_cast<size_t>(b) * 3;  // (cppcheck 2.10 misreads size_t{b})
          for (const uint8_t* q = p + static_cast<size_t>(a) * 3; q < end; q += 3) {
            sr += q[0];
            sg += q[1];
            sb += q[2];
          }
          uint32_t* sum = &sums[size_t{i} * 3];
          sum[0] += sr;
          sum[1] += sg;
          sum[2] += sb;
        }
      }
      const uint32_t rows = r1 - r0;
      for (uint32_t i = 0; i < out_w; ++i) {
        const uint32_t n = rows * (std::max(x0[i] + 1, x0[i + 1]) - x0[i]);
        for (uint32_t k = 0; k < 3; ++k) {
          line[i * 3 + k] = static_cast<uint8_t>((sums[i * 3 + k] + n / 2) / n);
        }
      }
    }
    const int32_t y = out.y + static_cast<int32_t>(oy);
    if (vis.empty() || y < vis.y || y >= vis.bottom()) continue;
    std::memcpy(frame_.at(static_cast<uint32_t>(vis.x), static_cast<uint32_t>(y)),
                line.data() + static_cast<size_t>(vis.x - out.x) * 3,
                static_cast<size_t>(vis.w) * 3);
  }
  return Status::ok();
}

Status Surface::draw_image(const ImageView& src, const Rect& box, Rect* drawn) {
  ViewRows rows(src);
  return draw_image(rows, box, drawn);
}

Status rotate_into(const Surface& src, hal::Rotation rotation, Surface& dst) {
  const uint32_t w = src.width(), h = src.height();
  const bool turned = rotation == hal::Rotation::k90 || rotation == hal::Rotation::k270;
  const uint32_t dw = turned ? h : w, dh = turned ? w : h;
  if (dst.width() != dw || dst.height() != dh) {
    return Status::error(Code::kInvalidArgument,
                         "rotate: a %ux%u picture turned %u degrees is %ux%u, not %ux%u", w, h,
                         static_cast<unsigned>(rotation), dw, dh, dst.width(), dst.height());
  }
  const hal::Frame& s = src.frame();
  const hal::Frame& d = dst.frame();
  for (uint32_t y = 0; y < h; ++y) {
    const uint8_t* p = s.row(y);
    for (uint32_t x = 0; x < w; ++x, p += 3) {
      uint32_t dx = x, dy = y;
      switch (rotation) {
        case hal::Rotation::k0:
          break;
        case hal::Rotation::k90:
          dx = h - 1 - y;
          dy = x;
          break;
        case hal::Rotation::k180:
          dx = w - 1 - x;
          dy = h - 1 - y;
          break;
        case hal::Rotation::k270:
          dx = y;
          dy = w - 1 - x;
          break;
      }
      std::memcpy(d.at(dx, dy), p, 3);
    }
  }
  return Status::ok();
}

}  // namespace spark::ui
