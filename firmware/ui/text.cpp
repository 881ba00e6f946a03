#include "ui/text.h"

#include <ft2build.h>
#include FT_FREETYPE_H

#include <algorithm>

namespace spark::ui {

struct FontState {
  FT_Library lib = nullptr;
  FT_Face face = nullptr;
  int32_t px = 0;
  // Advances (26.6) of ASCII at px, -1 until measured.
  int32_t ascii_adv[128];
};

namespace {

constexpr char kEllipsis[] = "\xE2\x80\xA6";  // U+2026

// The code point at text[*i], advancing *i; U+FFFD for a malformed sequence
// (one byte consumed).
uint32_t next_cp(std::string_view t, size_t* i) {
  const auto b0 = static_cast<uint8_t>(t[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  size_t n = b0 >= 0xF0 && b0 <= 0xF4 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC2 && b0 < 0xE0 ? 1 : 0;
  if (n == 0 || *i + n >= t.size()) {
    ++*i;
    return 0xFFFD;
  }
  uint32_t cp = b0 & (0x3Fu >> n);
  for (size_t k = 1; k <= n; ++k) {
    const auto b = static_cast<uint8_t>(t[*i + k]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = cp << 6 | (b & 0x3Fu);
  }
  static const uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++*i;
    return 0xFFFD;
  }
  *i += n + 1;
  return cp;
}

int32_t clamp_px(int32_t px) {
  return std::max(Font::kMinPx, std::min(Font::kMaxPx, px));
}

}  // namespace

Font::Font() : st_(new FontState) {}

Font::~Font() {
  if (st_->face) FT_Done_Face(st_->face);
  if (st_->lib) FT_Done_FreeType(st_->lib);
  delete st_;
}

bool Font::is_open() const {
  return st_->face != nullptr;
}

Status Font::open(const char* path) {
  if (!st_->lib && FT_Init_FreeType(&st_->lib) != 0) {
    st_->lib = nullptr;
    return Status::error(Code::kResourceExhausted, "font: FreeType could not start");
  }
  if (st_->face) {
    FT_Done_Face(st_->face);
    st_->face = nullptr;
  }
  const FT_Error e = FT_New_Face(st_->lib, path, 0, &st_->face);
  if (e != 0) {
    st_->face = nullptr;
    if (e == FT_Err_Cannot_Open_Resource) {
      return Status::error(
          Code::kNotFound,
          "font: cannot open %s (install fonts-dejavu-core, or set [display] font)", path);
    }
    if (e == FT_Err_Out_Of_Memory) {
      return Status::error(Code::kResourceExhausted, "font: out of memory opening %s", path);
    }
    return Status::error(Code::kInvalidArgument, "font: %s is not a font FreeType reads (error %d)",
                         path, e);
  }
  st_->px = 0;
  return Status::ok();
}

bool Font::set_px(int32_t px) {
  if (!st_->face) return false;
  px = clamp_px(px);
  if (px == st_->px) return true;
  if (FT_Set_Pixel_Sizes(st_->face, 0, static_cast<FT_UInt>(px)) != 0) return false;
  st_->px = px;
  std::fill(std::begin(st_->ascii_adv), std::end(st_->ascii_adv), -1);
  return true;
}

int32_t Font::ascent(int32_t px) {
  if (!set_px(px)) return 0;
  return static_cast<int32_t>((st_->face->size->metrics.ascender + 63) >> 6);
}

int32_t Font::line_height(int32_t px) {
  if (!set_px(px)) return 0;
  return static_cast<int32_t>((st_->face->size->metrics.height + 63) >> 6);
}

int32_t Font::measure(std::string_view text, int32_t px) {
  if (!set_px(px)) return 0;
  FT_Face f = st_->face;
  int64_t pen = 0;
  FT_UInt prev = 0;
  const bool kern = FT_HAS_KERNING(f);
  for (size_t i = 0; i < text.size();) {
    const uint32_t cp = next_cp(text, &i);
    const FT_UInt gi = FT_Get_Char_Index(f, cp);
    if (kern && prev && gi) {
      FT_Vector d;
      if (FT_Get_Kerning(f, prev, gi, FT_KERNING_DEFAULT, &d) == 0) pen += d.x;
    }
    prev = gi;
    if (cp < 128 && st_->ascii_adv[cp] >= 0) {
      pen += st_->ascii_adv[cp];
      continue;
    }
    if (FT_Load_Glyph(f, gi, FT_LOAD_DEFAULT) != 0) continue;
    const auto adv = static_cast<int32_t>(f->glyph->advance.x);
    if (cp < 128) st_->ascii_adv[cp] = adv;
    pen += adv;
  }
  return static_cast<int32_t>((pen + 63) >> 6);
}

int32_t Font::draw(Surface& s, int32_t x, int32_t baseline, std::string_view text, int32_t px,
                   Color c, const Rect& clip_in) {
  if (!set_px(px)) return 0;
  const Rect clip = clip_in.intersect(s.bounds());
  FT_Face f = st_->face;
  int64_t pen = static_cast<int64_t>(x) * 64;
  FT_UInt prev = 0;
  const bool kern = FT_HAS_KERNING(f);
  for (size_t i = 0; i < text.size();) {
    const uint32_t cp = next_cp(text, &i);
    const FT_UInt gi = FT_Get_Char_Index(f, cp);
    if (kern && prev && gi) {
      FT_Vector d;
      if (FT_Get_Kerning(f, prev, gi, FT_KERNING_DEFAULT, &d) == 0) pen += d.x;
    }
    prev = gi;
    if (FT_Load_Glyph(f, gi, FT_LOAD_RENDER) != 0) continue;
    const FT_GlyphSlot g = f->glyph;
    const FT_Bitmap& bm = g->bitmap;
    const int32_t gx = static_cast<int32_t>((pen + 32) >> 6) + g->bitmap_left;
    const int32_t gy = baseline - g->bitmap_top;
    if (bm.pixel_mode == FT_PIXEL_MODE_GRAY && !clip.empty()) {
      const Rect box =
          Rect{gx, gy, static_cast<int32_t>(bm.width), static_cast<int32_t>(bm.rows)}.intersect(
              clip);
      for (int32_t yy = box.y; yy < box.bottom(); ++yy) {
        const unsigned char* src =
            bm.buffer + static_cast<ptrdiff_t>(yy - gy) * bm.pitch + (box.x - gx);
        for (int32_t xx = box.x; xx < box.right(); ++xx, ++src) {
          if (*src) s.blend_pixel(xx, yy, c, *src);
        }
      }
    }
    pen += g->advance.x;
  }
  return static_cast<int32_t>((pen + 63) / 64) - x;
}

namespace {

struct Line {
  size_t off = 0, len = 0;
  bool ellipsis = false;
};

struct Lines {
  Line line[TextBlock::kMaxLines];
  size_t count = 0;
  bool truncated = false;
};

size_t cp_end(std::string_view t, size_t i) {
  next_cp(t, &i);
  return i;
}

// The longest prefix of t[off, end) (at a code point boundary) that fits w.
size_t fit_prefix(Font& font, std::string_view t, size_t off, size_t end, int32_t px, int32_t w,
                  std::string_view suffix) {
  size_t best = off;
  for (size_t i = off; i < end;) {
    const size_t n = cp_end(t, i);
    std::string_view part = t.substr(off, n - off);
    int32_t width = font.measure(part, px);
    if (!suffix.empty()) width += font.measure(suffix, px);
    if (width > w) break;
    best = n;
    i = n;
  }
  return best;
}

Lines break_lines(Font& font, std::string_view t, int32_t px, int32_t w, size_t max_lines) {
  Lines out;
  max_lines = std::max<size_t>(1, std::min(max_lines, TextBlock::kMaxLines));
  size_t pos = 0;
  while (pos <= t.size() && out.count < max_lines) {
    while (pos < t.size() && t[pos] == ' ') ++pos;
    size_t para_end = t.find('\n', pos);
    if (para_end == std::string_view::npos) para_end = t.size();
    // Greedy: extend to the last space that still fits.
    size_t end = pos, scan = pos;
    while (scan < para_end) {
      size_t word_end = t.find(' ', scan);
      if (word_end == std::string_view::npos || word_end > para_end) word_end = para_end;
      if (font.measure(t.substr(pos, word_end - pos), px) > w) break;
      end = word_end;
      scan = word_end + 1;
    }
    if (end == pos && pos < para_end) {  // one word wider than the box: cut it
      size_t word_end = t.find(' ', pos);
      if (word_end == std::string_view::npos || word_end > para_end) word_end = para_end;
      end = std::max(fit_prefix(font, t, pos, word_end, px, w, {}), cp_end(t, pos));
    }
    out.line[out.count++] = {pos, end - pos, false};
    pos = end;
    while (pos < para_end && t[pos] == ' ') ++pos;
    if (pos == para_end) {
      if (pos >= t.size()) return out;
      ++pos;  // past '\n'
    }
  }
  if (pos < t.size()) {
    out.truncated = true;
    Line& last = out.line[out.count - 1];
    size_t keep = fit_prefix(font, t, last.off, last.off + last.len, px, w, kEllipsis);
    while (keep > last.off && t[keep - 1] == ' ') --keep;
    last.len = keep - last.off;
    last.ellipsis = true;
  }
  return out;
}

}  // namespace

TextBlock layout_text(Font& font, std::string_view text, int32_t px, int32_t box_w,
                      size_t max_lines) {
  const Lines ls = break_lines(font, text, px, box_w, max_lines);
  TextBlock b;
  b.lines = static_cast<int32_t>(ls.count);
  b.truncated = ls.truncated;
  b.height = b.lines * font.line_height(px);
  for (size_t i = 0; i < ls.count; ++i) {
    int32_t w = font.measure(text.substr(ls.line[i].off, ls.line[i].len), px);
    if (ls.line[i].ellipsis) w += font.measure(kEllipsis, px);
    b.width = std::max(b.width, w);
  }
  return b;
}

TextBlock draw_text(Surface& s, Font& font, const Rect& box, std::string_view text, int32_t px,
                    Color c, Align align, size_t max_lines, bool valign_center) {
  const Lines ls = break_lines(font, text, px, box.w, max_lines);
  TextBlock b;
  b.lines = static_cast<int32_t>(ls.count);
  b.truncated = ls.truncated;
  const int32_t lh = font.line_height(px);
  b.height = b.lines * lh;
  int32_t y = box.y + (valign_center ? std::max(0, (box.h - b.height) / 2) : 0);
  for (size_t i = 0; i < ls.count; ++i, y += lh) {
    std::string_view part = text.substr(ls.line[i].off, ls.line[i].len);
    int32_t w = font.measure(part, px);
    if (ls.line[i].ellipsis) w += font.measure(kEllipsis, px);
    b.width = std::max(b.width, w);
    int32_t x = box.x;
    if (align == Align::kCenter) x = box.x + (box.w - w) / 2;
    if (align == Align::kRight) x = box.right() - w;
    const int32_t base = y + font.ascent(px);
    x += font.draw(s, x, base, part, px, c, box);
    if (ls.line[i].ellipsis) font.draw(s, x, base, kEllipsis, px, c, box);
  }
  return b;
}

int32_t fit_text_px(Font& font, std::string_view text, int32_t px, const Rect& box,
                    size_t max_lines) {
  for (px = clamp_px(px); px > Font::kMinPx; px -= std::max(1, px / 16)) {
    const TextBlock b = layout_text(font, text, px, box.w, max_lines);
    if (!b.truncated && b.height <= box.h && b.width <= box.w) return px;
  }
  return Font::kMinPx;
}

}  // namespace spark::ui
