#include "image_fixtures.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <csetjmp>
#include <cstdlib>
#include <cstring>

#include <jpeglib.h>
#include <png.h>

namespace spark::test {

Rgb Picture::mean(uint32_t x0, uint32_t y0, uint32_t w, uint32_t h) const {
  uint64_t s[3] = {};
  for (uint32_t y = y0; y < y0 + h; ++y) {
    for (uint32_t x = x0; x < x0 + w; ++x) {
      Rgb p = at(x, y);
      s[0] += p.r;
      s[1] += p.g;
      s[2] += p.b;
    }
  }
  uint64_t n = uint64_t{w} * h;
  return {static_cast<uint8_t>(s[0] / n), static_cast<uint8_t>(s[1] / n),
          static_cast<uint8_t>(s[2] / n)};
}

Picture quadrants(uint32_t width, uint32_t height) {
  Picture p{width, height, std::vector<uint8_t>(size_t{width} * height * 3)};
  static const Rgb kColours[4] = {{220, 40, 40}, {40, 190, 40}, {40, 60, 220}, {235, 225, 60}};
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      Rgb c = kColours[(y >= height / 2 ? 2 : 0) + (x >= width / 2 ? 1 : 0)];
      uint8_t* q = &p.rgb[(size_t{y} * width + x) * 3];
      q[0] = c.r;
      q[1] = c.g;
      q[2] = c.b;
    }
  }
  return p;
}

Picture noisy(uint32_t width, uint32_t height, uint32_t seed, int amplitude) {
  Picture p{width, height, std::vector<uint8_t>(size_t{width} * height * 3)};
  uint32_t state = seed * 2654435761u + 1;
  for (uint32_t y = 0; y < height; ++y) {
    for (uint32_t x = 0; x < width; ++x) {
      for (int c = 0; c < 3; ++c) {
        state = state * 1664525u + 1013904223u;
        int base = c == 0   ? static_cast<int>(x * 255 / width)
                   : c == 1 ? static_cast<int>(y * 255 / height)
                            : 128;
        int v = base + static_cast<int>((state >> 24) % static_cast<uint32_t>(2 * amplitude + 1)) -
                amplitude;
        p.rgb[(size_t{y} * width + x) * 3 + static_cast<size_t>(c)] =
            static_cast<uint8_t>(v < 0     ? 0
                                 : v > 255 ? 255
                                           : v);
      }
    }
  }
  return p;
}

Picture stored_for_orientation(const Picture& up, int o) {
  // Displayed (dx, dy) comes from stored (x, y); invert the EXIF mapping.
  const bool transpose = o >= 5;
  Picture s;
  s.width = transpose ? up.height : up.width;
  s.height = transpose ? up.width : up.height;
  s.rgb.resize(up.rgb.size());
  const uint32_t W = s.width, H = s.height;
  for (uint32_t y = 0; y < H; ++y) {
    for (uint32_t x = 0; x < W; ++x) {
      uint32_t dx = x, dy = y;
      switch (o) {
        case 2:
          dx = W - 1 - x;
          break;
        case 3:
          dx = W - 1 - x;
          dy = H - 1 - y;
          break;
        case 4:
          dy = H - 1 - y;
          break;
        case 5:
          dx = y;
          dy = x;
          break;
        case 6:
          dx = H - 1 - y;
          dy = x;
          break;
        case 7:
          dx = H - 1 - y;
          dy = W - 1 - x;
          break;
        case 8:
          dx = y;
          dy = W - 1 - x;
          break;
        default:
          break;
      }
      std::memcpy(&s.rgb[(size_t{y} * W + x) * 3], &up.rgb[(size_t{dy} * up.width + dx) * 3], 3);
    }
  }
  return s;
}

namespace {

std::vector<uint8_t> exif_block(int orientation, bool big) {
  auto put16 = [&](std::vector<uint8_t>& v, unsigned x) {
    if (big) {
      v.push_back(static_cast<uint8_t>(x >> 8));
      v.push_back(static_cast<uint8_t>(x));
    } else {
      v.push_back(static_cast<uint8_t>(x));
      v.push_back(static_cast<uint8_t>(x >> 8));
    }
  };
  auto put32 = [&](std::vector<uint8_t>& v, unsigned x) {
    if (big) {
      put16(v, x >> 16);
      put16(v, x & 0xffff);
    } else {
      put16(v, x & 0xffff);
      put16(v, x >> 16);
    }
  };
  std::vector<uint8_t> v = {'E', 'x', 'i', 'f', 0, 0};
  v.push_back(big ? 'M' : 'I');
  v.push_back(big ? 'M' : 'I');
  put16(v, 42);
  put32(v, 8);
  put16(v, 2);  // two entries: a camera make (ASCII at an offset), orientation
  put16(v, 0x010F);
  put16(v, 2);
  put32(v, 6);
  put32(v, 8 + 2 + 2 * 12 + 4);
  put16(v, 0x0112);
  put16(v, 3);
  put32(v, 1);
  put16(v, static_cast<unsigned>(orientation));
  put16(v, 0);
  put32(v, 0);
  for (char c : std::string("Spark", 6)) v.push_back(static_cast<uint8_t>(c));
  return v;
}

void rgb_to_cmyk(const uint8_t* rgb, uint8_t* out, bool inverted) {
  uint8_t k = static_cast<uint8_t>(255 - std::max({rgb[0], rgb[1], rgb[2]}));
  for (int i = 0; i < 3; ++i) {
    int c = k == 255 ? 0 : (255 - rgb[i] - k) * 255 / (255 - k);
    out[i] = static_cast<uint8_t>(inverted ? 255 - c : c);
  }
  out[3] = static_cast<uint8_t>(inverted ? 255 - k : k);
}

}  // namespace

std::vector<uint8_t> make_jpeg(const Picture& pic, const JpegSpec& spec) {
  jpeg_compress_struct c{};
  jpeg_error_mgr err{};
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* mem = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &mem, &size);
  c.image_width = pic.width;
  c.image_height = pic.height;
  const bool cmyk = spec.color == JpegColor::kCmyk || spec.color == JpegColor::kYcck;
  c.input_components = spec.color == JpegColor::kGray ? 1 : cmyk ? 4 : 3;
  c.in_color_space = spec.color == JpegColor::kGray ? JCS_GRAYSCALE : cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults(&c);
  if (spec.color == JpegColor::kRgb) jpeg_set_colorspace(&c, JCS_RGB);
  if (spec.color == JpegColor::kYcck) jpeg_set_colorspace(&c, JCS_YCCK);
  if (spec.color == JpegColor::kYCbCr) {
    c.comp_info[0].h_samp_factor = spec.h_samp;
    c.comp_info[0].v_samp_factor = spec.v_samp;
  }
  jpeg_set_quality(&c, spec.quality, TRUE);
  if (spec.progressive) jpeg_simple_progression(&c);
  c.arith_code = spec.arithmetic ? TRUE : FALSE;
  static jpeg_scan_info scans[4];
  if (spec.multi_scan) {
    for (int i = 0; i < c.num_components; ++i) {
      scans[i] = jpeg_scan_info{1, {i, 0, 0, 0}, 0, 63, 0, 0};
    }
    c.scan_info = scans;
    c.num_scans = c.num_components;
  }
  if (spec.restart_rows) c.restart_in_rows = 1;
  jpeg_start_compress(&c, TRUE);
  if (spec.orientation) {
    std::vector<uint8_t> exif = exif_block(spec.orientation, spec.exif_big_endian);
    jpeg_write_marker(&c, JPEG_APP0 + 1, exif.data(), static_cast<unsigned>(exif.size()));
  }
  if (spec.icc) {
    std::vector<uint8_t> icc = {'I', 'C', 'C', '_', 'P', 'R', 'O', 'F', 'I', 'L', 'E', 0, 1, 1};
    icc.resize(64, 0);
    jpeg_write_marker(&c, JPEG_APP0 + 2, icc.data(), static_cast<unsigned>(icc.size()));
  }
  std::vector<uint8_t> row(size_t{pic.width} * 4);
  for (uint32_t y = 0; y < pic.height; ++y) {
    const uint8_t* in = &pic.rgb[size_t{y} * pic.width * 3];
    for (uint32_t x = 0; x < pic.width; ++x) {
      if (spec.color == JpegColor::kGray) {
        row[x] =
            static_cast<uint8_t>((in[3 * x] * 77 + in[3 * x + 1] * 150 + in[3 * x + 2] * 29) >> 8);
      } else if (cmyk) {
        // libjpeg writes an Adobe marker for CMYK/YCCK; store inverted CMYK
        // as Photoshop and ImageMagick do.
        rgb_to_cmyk(in + 3 * x, &row[4 * x], true);
      } else {
        std::memcpy(&row[3 * x], in + 3 * x, 3);
      }
    }
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&c, &r, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<uint8_t> out(mem, mem + size);
  std::free(mem);
  return out;
}

namespace {
void png_write_vec(png_structp png, png_bytep data, size_t n) {
  auto* v = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  v->insert(v->end(), data, data + n);
}
void png_flush_none(png_structp) {}
}  // namespace

std::vector<uint8_t> make_png(const Picture& pic, const PngSpec& spec) {
  std::vector<uint8_t> out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  REQUIRE(png);
  REQUIRE(info);
  png_set_write_fn(png, &out, png_write_vec, png_flush_none);
  const int ct = spec.color_type;
  png_set_IHDR(png, info, pic.width, pic.height, spec.bit_depth, ct,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  std::vector<png_color> palette;
  if (ct == PNG_COLOR_TYPE_PALETTE) {
    // A palette of the picture's first 256 distinct colours (test pictures
    // have few); pixels map to the nearest entry by exact match or 0.
    for (size_t i = 0; i < pic.rgb.size() && palette.size() < 256; i += 3) {
      png_color col{pic.rgb[i], pic.rgb[i + 1], pic.rgb[i + 2]};
      bool seen = false;
      for (auto& p : palette)
        seen = seen || (p.red == col.red && p.green == col.green && p.blue == col.blue);
      if (!seen) palette.push_back(col);
    }
    png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
    if (spec.alpha != 255) {
      std::vector<png_byte> trns(palette.size(), spec.alpha);
      png_set_tRNS(png, info, trns.data(), static_cast<int>(trns.size()), nullptr);
    }
  }
  png_write_info(png, info);
  if (spec.bit_depth == 16) png_set_swap(png);  // rows below are little-endian 16-bit
  const int passes = png_set_interlace_handling(png);
  const bool alpha = ct & PNG_COLOR_MASK_ALPHA;
  const bool gray = !(ct & PNG_COLOR_MASK_COLOR);
  const size_t channels = (gray ? 1 : 3) + (alpha ? 1 : 0);
  const size_t bytes = spec.bit_depth == 16 ? 2 : 1;
  std::vector<uint8_t> row(pic.width * channels * bytes);
  for (int pass = 0; pass < passes; ++pass) {
    for (uint32_t y = 0; y < pic.height; ++y) {
      for (uint32_t x = 0; x < pic.width; ++x) {
        const uint8_t* in = &pic.rgb[(size_t{y} * pic.width + x) * 3];
        if (ct == PNG_COLOR_TYPE_PALETTE) {
          uint8_t idx = 0;
          for (size_t i = 0; i < palette.size(); ++i) {
            if (palette[i].red == in[0] && palette[i].green == in[1] && palette[i].blue == in[2]) {
              idx = static_cast<uint8_t>(i);
              break;
            }
          }
          row[x] = idx;
          continue;
        }
        uint8_t v[4] = {in[0], in[1], in[2], spec.alpha};
        if (gray) {
          v[0] = static_cast<uint8_t>((in[0] * 77 + in[1] * 150 + in[2] * 29) >> 8);
          v[1] = spec.alpha;
        }
        for (size_t ch = 0; ch < channels; ++ch) {
          if (bytes == 2) {
            row[(x * channels + ch) * 2] = v[ch];
            row[(x * channels + ch) * 2 + 1] = v[ch];
          } else {
            row[x * channels + ch] = v[ch];
          }
        }
      }
      png_write_row(png, row.data());
    }
  }
  png_write_end(png, info);
  png_destroy_write_struct(&png, &info);
  return out;
}

namespace {
struct DecodeErr {
  jpeg_error_mgr mgr;
  jmp_buf jump;
  int warnings;
};
void decode_error_exit(j_common_ptr c) {
  longjmp(static_cast<DecodeErr*>(c->client_data)->jump, 1);
}
void decode_emit(j_common_ptr c, int level) {
  if (level < 0) ++static_cast<DecodeErr*>(c->client_data)->warnings;
}
// Plain C frame: no C++ objects between setjmp and libjpeg.
bool decode_frame(const uint8_t* data, size_t size, Decoded* out,
                  uint8_t* (*grow)(Decoded*, size_t)) {
  jpeg_decompress_struct c;
  DecodeErr err;
  std::memset(&c, 0, sizeof(c));
  std::memset(&err, 0, sizeof(err));
  c.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = decode_error_exit;
  err.mgr.emit_message = decode_emit;
  c.client_data = &err;  // kept by jpeg_create_decompress
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&c);
    return false;
  }
  jpeg_create_decompress(&c);
  jpeg_mem_src(&c, data, static_cast<unsigned long>(size));
  jpeg_save_markers(&c, JPEG_APP0 + 1, 0xFFFF);
  jpeg_save_markers(&c, JPEG_APP0 + 2, 0xFFFF);
  jpeg_read_header(&c, TRUE);
  for (jpeg_saved_marker_ptr m = c.marker_list; m; m = m->next) {
    if (m->marker == JPEG_APP0 + 1) out->has_app1 = true;
    if (m->marker == JPEG_APP0 + 2) out->has_app2 = true;
  }
  out->has_jfif = c.saw_JFIF_marker;
  out->progressive = c.progressive_mode;
  out->components = c.num_components;
  for (int i = 0; i < c.num_components && i < 3; ++i) {
    out->h_samp[i] = c.comp_info[i].h_samp_factor;
    out->v_samp[i] = c.comp_info[i].v_samp_factor;
  }
  c.out_color_space = JCS_RGB;
  jpeg_start_decompress(&c);
  uint8_t* pixels = grow(out, size_t{c.output_width} * c.output_height * 3);
  out->pic.width = c.output_width;
  out->pic.height = c.output_height;
  while (c.output_scanline < c.output_height) {
    JSAMPROW r = pixels + size_t{c.output_scanline} * c.output_width * 3;
    jpeg_read_scanlines(&c, &r, 1);
  }
  jpeg_finish_decompress(&c);
  jpeg_destroy_decompress(&c);
  return err.warnings == 0;
}
}  // namespace

Decoded decode_jpeg(const std::vector<uint8_t>& jpeg) {
  Decoded d;
  bool ok = decode_frame(jpeg.data(), jpeg.size(), &d, [](Decoded* o, size_t n) {
    o->pic.rgb.resize(n);
    return o->pic.rgb.data();
  });
  REQUIRE_MESSAGE(ok, "libjpeg could not decode the output cleanly");
  return d;
}

}  // namespace spark::test
