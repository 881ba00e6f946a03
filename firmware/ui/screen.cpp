#include "ui/screen.h"

#include <algorithm>
#include <cstdio>

namespace spark::ui {

const char* screen_kind_name(ScreenKind kind) {
  switch (kind) {
    case ScreenKind::kIdle:
      return "idle";
    case ScreenKind::kCapturing:
      return "capturing";
    case ScreenKind::kUploading:
      return "uploading";
    case ScreenKind::kEditing:
      return "editing";
    case ScreenKind::kResult:
      return "result";
    case ScreenKind::kError:
      return "error";
  }
  return "unknown";
}

// Sizes in pixels for one surface, all from its shorter side u.
struct Renderer::Layout {
  int32_t w = 0, h = 0, u = 0;
  bool portrait = false;
  int32_t margin = 0, gap = 0, radius = 0;
  int32_t title_px = 0, body_px = 0, small_px = 0;
  Rect media;  // where the picture goes
  Rect words;  // where the text column goes

  Layout(int32_t width, int32_t height) : w(width), h(height) {
    u = std::min(w, h);
    portrait = h > w;
    margin = std::max(2, u * 6 / 100);
    gap = std::max(2, u * 4 / 100);
    radius = std::max(2, u * 3 / 100);
    title_px = std::max(Font::kMinPx, u * 9 / 100);
    body_px = std::max(Font::kMinPx, u * 5 / 100);
    small_px = std::max(Font::kMinPx, u * 38 / 1000);
    const Rect inner = {margin, margin, w - 2 * margin, h - 2 * margin};
    if (portrait) {
      const int32_t mh = inner.h * 52 / 100;
      media = {inner.x, inner.y, inner.w, mh};
      words = {inner.x, inner.y + mh + gap, inner.w, inner.h - mh - gap};
    } else {
      const int32_t ww = inner.w * 40 / 100;
      words = {inner.x, inner.y, ww, inner.h};
      media = {inner.x + ww + gap, inner.y, inner.w - ww - gap, inner.h};
    }
  }
};

Status Renderer::open(const char* regular_font, const char* bold_font) {
  Status st = regular_.open(regular_font);
  if (!st.is_ok()) return st;
  return bold_.open(bold_font);
}

Status Renderer::render(const Screen& sc, Surface& s) {
  if (s.width() == 0 || s.height() == 0) {
    return Status::error(Code::kInvalidArgument, "render: the surface is empty");
  }
  if (!regular_.is_open() || !bold_.is_open()) {
    return Status::error(Code::kFailedPrecondition, "render: fonts not opened");
  }
  const Layout l(static_cast<int32_t>(s.width()), static_cast<int32_t>(s.height()));
  s.fill(pal_.background);
  switch (sc.kind) {
    case ScreenKind::kIdle:
      idle(sc, s, l);
      break;
    case ScreenKind::kCapturing:
    case ScreenKind::kUploading:
    case ScreenKind::kEditing:
      working(sc, s, l);
      break;
    case ScreenKind::kResult:
      result(sc, s, l);
      break;
    case ScreenKind::kError:
      error(sc, s, l);
      break;
  }
  return Status::ok();
}

void Renderer::pill(Surface& s, int32_t x, int32_t y, std::string_view text, int32_t px, Color bg,
                    Color fg, Align align, int32_t max_w) {
  const int32_t pad = std::max(2, px * 7 / 10);
  const int32_t lh = bold_.line_height(px);
  const int32_t tw = std::min(bold_.measure(text, px), std::max(0, max_w - 2 * pad));
  const int32_t pw = tw + 2 * pad, ph = lh + pad;
  if (align == Align::kCenter) x -= pw / 2;
  if (align == Align::kRight) x -= pw;
  s.fill_round_rect({x, y, pw, ph}, ph / 2, bg);
  draw_text(s, bold_, {x + pad, y + pad / 2, tw + 1, lh}, text, px, fg, Align::kLeft, 1);
}

void Renderer::picture_panel(Surface& s, const Rect& r, const ImageView& img,
                             std::string_view empty_text, const Layout& l) {
  if (r.empty()) return;
  if (img.empty()) {
    s.fill_round_rect(r, l.radius, pal_.panel);
    draw_text(s, regular_, r.inset(l.gap), empty_text, l.body_px, pal_.muted, Align::kCenter, 3,
              true);
    return;
  }
  const Rect fit = fit_rect(img.width, img.height, r);
  // A soft shadow under the photo, then the photo with a thin mat.
  s.blend_rect({fit.x + l.u / 120, fit.y + l.u / 60, fit.w, fit.h}, {0, 0, 0}, 90);
  s.draw_image(img, fit).ignore();
  s.frame_rect(fit, mix(pal_.panel, pal_.text, 40), std::max(1, l.u / 400));
}

void Renderer::progress_bar(Surface& s, const Rect& r, int32_t percent, uint32_t tick) {
  s.fill_round_rect(r, r.h / 2, pal_.panel);
  if (percent >= 0) {
    const int32_t p = std::min(100, percent);
    const int32_t fw = std::max(p > 0 ? r.h : 0, r.w * p / 100);
    if (fw > 0) s.fill_round_rect({r.x, r.y, fw, r.h}, r.h / 2, pal_.accent);
    return;
  }
  // Unknown: a quarter-width segment that moves one step a tick.
  const int32_t seg = r.w / 4;
  const int32_t span = r.w - seg;
  const int32_t steps = 24;
  const auto t = static_cast<int32_t>(tick % (2 * steps));
  const int32_t pos = (t < steps ? t : 2 * steps - t) * span / steps;
  s.fill_round_rect({r.x + pos, r.y, seg, r.h}, r.h / 2, pal_.accent);
}

void Renderer::idle(const Screen& sc, Surface& s, const Layout& l) {
  // The words: which preset, what it does, what to do.
  Rect col = l.words;
  int32_t y = col.y;
  if (sc.preset_count > 0) {
    char which[48];
    std::snprintf(which, sizeof which, "PRESET %u OF %u", sc.preset_index, sc.preset_count);
    y += draw_text(s, regular_, {col.x, y, col.w, col.h}, which, l.small_px, pal_.accent,
                   Align::kLeft, 1)
             .height;
    y += l.gap / 3;
  }
  const std::string_view name = sc.preset_name.empty() ? "No preset" : sc.preset_name;
  const Rect title_box{col.x, y, col.w, l.title_px * 5 / 2};
  const int32_t tpx = fit_text_px(bold_, name, l.title_px, title_box, 2);
  y += draw_text(s, bold_, title_box, name, tpx, pal_.text, Align::kLeft, 2).height + l.gap / 2;

  // The call to action sits at the bottom of the column.
  const int32_t hint_h = regular_.line_height(l.small_px);
  const int32_t pill_h = bold_.line_height(l.body_px) + l.body_px * 7 / 10;
  const int32_t bottom = col.bottom();
  const int32_t pill_y = bottom - hint_h - l.gap / 2 - pill_h;
  if (!sc.preset_prompt.empty()) {
    const Rect prompt_box{col.x, y, col.w, std::max(0, pill_y - l.gap - y)};
    const auto lines = static_cast<size_t>(
        std::max(1, prompt_box.h / std::max(1, regular_.line_height(l.body_px))));
    draw_text(s, regular_, prompt_box, sc.preset_prompt, l.body_px, pal_.muted, Align::kLeft,
              std::min<size_t>(lines, 4));
  }
  pill(s, col.x, pill_y, "Press to edit", l.body_px, pal_.accent, pal_.on_accent, Align::kLeft,
       col.w);
  draw_text(s, regular_, {col.x, bottom - hint_h, col.w, hint_h},
            sc.preset_count > 1 ? "Hold for the next preset" : "Smile, then press the button",
            l.small_px, pal_.muted, Align::kLeft, 1);

  // The picture: the last result, or an empty frame saying so.
  const int32_t label_h = regular_.line_height(l.small_px) + l.gap / 3;
  Rect media = l.media;
  if (!sc.last_result.empty()) {
    media = {media.x, media.y + label_h, media.w, media.h - label_h};
    const Rect fit = fit_rect(sc.last_result.width, sc.last_result.height, media);
    draw_text(s, regular_, {fit.x, fit.y - label_h, fit.w, label_h}, "LAST RESULT", l.small_px,
              pal_.muted, Align::kLeft, 1);
  }
  picture_panel(s, media, sc.last_result, "Your edited pictures will appear here", l);
}

void Renderer::working(const Screen& sc, Surface& s, const Layout& l) {
  const char* title = "Taking the picture";
  const char* empty = "Look at the camera";
  int32_t percent = -1;
  std::string_view status;
  const char* footer = "";
  if (sc.kind == ScreenKind::kUploading) {
    title = "Sending";
    percent = std::max(0, std::min(100, sc.upload_percent));
    footer = "Press to cancel";
  } else if (sc.kind == ScreenKind::kEditing) {
    title = "Editing";
    percent = sc.edit_percent < 0 ? -1 : std::min(100, sc.edit_percent);
    status = sc.edit_status;
    footer = "Press to cancel";
  }
  picture_panel(s, l.media, sc.captured, empty, l);

  const Rect col = l.words;
  int32_t y = col.y;
  if (!l.portrait) {  // the words' block centred beside the picture
    const int32_t fig_h = bold_.line_height(l.title_px * 8 / 10);
    int32_t block = bold_.line_height(l.title_px) + regular_.line_height(l.body_px);
    if (sc.kind != ScreenKind::kCapturing) {
      block += l.gap + fig_h + l.gap / 2 + std::max(4, l.u * 22 / 1000);
    }
    y = std::max(col.y, col.y + (col.h - block) / 2 - l.gap);
  }
  y += draw_text(s, bold_, {col.x, y, col.w, l.title_px * 3}, title, l.title_px, pal_.text,
                 Align::kLeft, 2)
           .height;
  if (!sc.preset_name.empty()) {
    y += draw_text(s, regular_, {col.x, y, col.w, l.body_px * 3}, sc.preset_name, l.body_px,
                   pal_.accent, Align::kLeft, 2)
             .height;
  }
  if (sc.kind == ScreenKind::kCapturing) return;

  // Progress: figure above a bar, status beside the figure.
  y += l.gap;
  char figure[16] = "";
  if (percent >= 0) std::snprintf(figure, sizeof figure, "%d%%", static_cast<int>(percent));
  const int32_t fig_px = l.title_px * 8 / 10;
  const int32_t fig_h = bold_.line_height(fig_px);
  const int32_t fig_w =
      draw_text(s, bold_, {col.x, y, col.w, fig_h}, figure, fig_px, pal_.text, Align::kLeft, 1)
          .width;
  if (!status.empty()) {
    const int32_t sx = col.x + (fig_w > 0 ? fig_w + l.gap / 2 : 0);
    const int32_t sh = regular_.line_height(l.body_px);
    draw_text(s, regular_, {sx, y + fig_h - sh - fig_h / 10, col.right() - sx, sh}, status,
              l.body_px, pal_.muted, Align::kLeft, 1);
  }
  y += fig_h + l.gap / 2;
  const int32_t bar_h = std::max(4, l.u * 22 / 1000);
  progress_bar(s, {col.x, y, col.w, bar_h}, percent, sc.tick);

  const int32_t fh = regular_.line_height(l.small_px);
  draw_text(s, regular_, {col.x, col.bottom() - fh, col.w, fh}, footer, l.small_px, pal_.muted,
            Align::kLeft, 1);
}

void Renderer::result(const Screen& sc, Surface& s, const Layout& l) {
  s.fill(pal_.photo_mat);
  const Rect all = s.bounds();
  const int32_t bar_h = regular_.line_height(l.body_px) + l.gap;
  const Rect area{0, 0, all.w, all.h - bar_h};
  const bool both = !sc.captured.empty() && sc.layout != ResultLayout::kResultOnly;
  const int32_t lp = l.small_px;
  const int32_t inset = l.gap / 2;
  if (both && sc.layout == ResultLayout::kSideBySide) {
    Rect a, b;
    if (l.portrait) {
      a = {area.x, area.y, area.w, area.h / 2 - inset / 2};
      b = {area.x, area.y + area.h / 2 + inset / 2, area.w, area.h - area.h / 2 - inset / 2};
    } else {
      a = {area.x, area.y, area.w / 2 - inset / 2, area.h};
      b = {area.x + area.w / 2 + inset / 2, area.y, area.w - area.w / 2 - inset / 2, area.h};
    }
    Rect da{}, db{};
    s.draw_image(sc.captured, a.inset(inset), &da).ignore();
    s.draw_image(sc.result, b.inset(inset), &db).ignore();
    pill(s, da.x + inset, da.y + inset, "Before", lp, pal_.panel, pal_.text, Align::kLeft, da.w);
    pill(s, db.x + inset, db.y + inset, "After", lp, pal_.accent, pal_.on_accent, Align::kLeft,
         db.w);
  } else if (both) {
    // One picture: the original on the left half, the result on the right.
    Rect d{};
    s.draw_image(sc.result, area, &d).ignore();
    const Rect left = d.intersect(all);
    if (left.w > 1) {
      const hal::Frame& f = s.frame();
      hal::Frame half{f.at(static_cast<uint32_t>(left.x), static_cast<uint32_t>(left.y)),
                      static_cast<uint32_t>(std::min(left.w, d.w / 2)),
                      static_cast<uint32_t>(left.h), f.stride};
      Surface window(half);
      window.draw_image(sc.captured, {d.x - left.x, d.y - left.y, d.w, d.h}).ignore();
    }
    const int32_t mid = d.x + d.w / 2;
    s.fill_rect({mid - std::max(1, l.u / 240), d.y, std::max(2, l.u / 120), d.h}, pal_.text);
    pill(s, mid - inset, d.y + inset, "Before", lp, pal_.panel, pal_.text, Align::kRight, d.w / 2);
    pill(s, mid + inset, d.y + inset, "After", lp, pal_.accent, pal_.on_accent, Align::kLeft,
         d.w / 2);
  } else {
    picture_panel(s, area, sc.result, "No picture", l);
  }
  if (!sc.result_url.empty()) qr_card(s, area, sc.result_url, l);
  // The caption bar: preset on the left, time left on the right.
  const Rect bar{0, all.h - bar_h, all.w, bar_h};
  s.fill_rect(bar, pal_.background);
  const int32_t th = regular_.line_height(l.body_px);
  const int32_t ty = bar.y + (bar.h - th) / 2;
  char left_s[32] = "";
  if (sc.seconds_left > 0) std::snprintf(left_s, sizeof left_s, "Back in %u s", sc.seconds_left);
  const int32_t rw = regular_.measure(left_s, l.body_px);
  draw_text(s, regular_, {l.margin, ty, all.w - 2 * l.margin - rw - l.gap, th},
            sc.preset_name.empty() ? std::string_view("Done") : sc.preset_name, l.body_px,
            pal_.text, Align::kLeft, 1);
  draw_text(s, regular_, {all.w - l.margin - rw, ty, rw + 1, th}, left_s, l.body_px, pal_.muted,
            Align::kLeft, 1);
}

// A white card in the picture's bottom-right corner: the QR code of the
// result's address and a line saying what it is for.
void Renderer::qr_card(Surface& s, const Rect& area, std::string_view url, const Layout& l) {
  const int32_t side = l.u * 30 / 100;
  const int32_t cap_h = regular_.line_height(l.small_px);
  const int32_t pad = l.gap / 3;
  const int32_t card_w = side + 2 * pad;
  const int32_t card_h = side + cap_h + 2 * pad;
  const Rect card{area.right() - l.gap - card_w, area.bottom() - l.gap - card_h, card_w, card_h};
  if (card.x < area.x || card.y < area.y) return;
  const Result<int32_t> modules = qr_modules(url);
  if (!modules.is_ok() || *modules > side) return;  // not readable here: no card
  s.blend_rect({card.x + l.u / 120, card.y + l.u / 60, card.w, card.h}, {0, 0, 0}, 90);
  s.fill_round_rect(card, l.radius, {255, 255, 255});
  draw_qr(s, {card.x + pad, card.y + pad, side, side}, url).ignore();
  draw_text(s, regular_, {card.x + pad, card.bottom() - pad - cap_h, side, cap_h}, "Take it home",
            l.small_px, {0x30, 0x30, 0x30}, Align::kCenter, 1);
}

void Renderer::error(const Screen& sc, Surface& s, const Layout& l) {
  const Rect inner = s.bounds().inset(l.margin);
  // A round mark with "!" above the words, all centred.
  const int32_t d = std::max(8, l.u * 16 / 100);
  const int32_t cause_px = l.title_px * 8 / 10;
  const std::string_view cause = sc.error_cause.empty() ? "Something went wrong" : sc.error_cause;
  const int32_t cpx = fit_text_px(bold_, cause, cause_px, {0, 0, inner.w, cause_px * 3}, 2);
  const TextBlock cb = layout_text(bold_, cause, cpx, inner.w, 2);
  const TextBlock hb = layout_text(regular_, sc.error_hint, l.body_px, inner.w * 9 / 10, 4);
  const int32_t total = d + l.gap + cb.height + l.gap / 2 + hb.height;
  int32_t y = inner.y + std::max(0, (inner.h - total) / 2);
  const int32_t cx = inner.x + inner.w / 2;
  s.fill_round_rect({cx - d / 2, y, d, d}, d / 2, pal_.error);
  draw_text(s, bold_, {cx - d / 2, y, d, d}, "!", d * 6 / 10, pal_.text, Align::kCenter, 1, true);
  y += d + l.gap;
  y += draw_text(s, bold_, {inner.x, y, inner.w, cb.height}, cause, cpx, pal_.text, Align::kCenter,
                 2)
           .height;
  y += l.gap / 2;
  draw_text(s, regular_, {inner.x + inner.w / 20, y, inner.w * 9 / 10, hb.height + 1},
            sc.error_hint, l.body_px, pal_.muted, Align::kCenter, 4);
}

}  // namespace spark::ui
