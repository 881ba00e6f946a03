#include "platform/linux/fb_display.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

namespace spark::platform {
namespace {

bool channel_ok(const fb_bitfield& c, uint32_t bpp) {
  return c.length >= 1 && c.length <= 8 && c.offset + c.length <= bpp;
}

}  // namespace

Status FbDisplay::open(const FbDisplayConfig& config) {
  close();
  const char* path = config.device == nullptr || *config.device == 0 ? "/dev/fb0" : config.device;
  int fd = sys_.open(path, O_RDWR);
  if (fd < 0) {
    if (errno == ENOENT) {
      return Status::error(Code::kNotFound,
                           "display: no framebuffer %s (no screen driver loaded; on a Pi keep "
                           "dtoverlay=vc4-kms-v3d in config.txt and attach the screen)",
                           path);
    }
    return errno_status(errno, path);
  }
  Fd guard(sys_, fd);
  fb_var_screeninfo var{};
  fb_fix_screeninfo fix{};
  if (sys_.ioctl(fd, FBIOGET_VSCREENINFO, &var) < 0 ||
      sys_.ioctl(fd, FBIOGET_FSCREENINFO, &fix) < 0) {
    if (errno == ENOTTY || errno == EINVAL) {
      return Status::error(Code::kInvalidArgument, "display: %s is not a framebuffer", path);
    }
    return errno_status(errno, path);
  }
  fix.id[sizeof fix.id - 1] = 0;
  uint32_t bpp = var.bits_per_pixel;
  if (fix.type != FB_TYPE_PACKED_PIXELS ||
      (fix.visual != FB_VISUAL_TRUECOLOR && fix.visual != FB_VISUAL_DIRECTCOLOR)) {
    return Status::error(Code::kUnimplemented,
                         "display: %s (%s) is not packed true colour (type %u, visual %u)", path,
                         fix.id, fix.type, fix.visual);
  }
  if ((bpp != 16 && bpp != 24 && bpp != 32) || !channel_ok(var.red, bpp) ||
      !channel_ok(var.green, bpp) || !channel_ok(var.blue, bpp)) {
    return Status::error(Code::kUnimplemented,
                         "display: %s (%s) has %u bits per pixel (r%u@%u g%u@%u b%u@%u); "
                         "sparkcam draws 16, 24 or 32 (set framebuffer_depth or fbset -depth 32)",
                         path, fix.id, bpp, var.red.length, var.red.offset, var.green.length,
                         var.green.offset, var.blue.length, var.blue.offset);
  }
  if (var.xres == 0 || var.yres == 0) {
    return Status::error(Code::kFailedPrecondition, "display: %s reports a 0x0 screen", path);
  }
  bytes_pp_ = bpp / 8;
  size_t line =
      fix.line_length != 0 ? fix.line_length : static_cast<size_t>(var.xres_virtual) * bytes_pp_;
  if (line < static_cast<size_t>(var.xres + var.xoffset) * bytes_pp_) {
    return Status::error(Code::kIo, "display: %s rows of %zu bytes cannot hold %u pixels", path,
                         line, var.xres);
  }
  uint32_t yvirt = var.yres_virtual >= var.yres ? var.yres_virtual : var.yres;
  size_t len = fix.smem_len != 0 ? fix.smem_len : line * yvirt;
  size_t page = line * var.yres;
  if (len < page) {
    return Status::error(Code::kIo, "display: %s memory (%zu bytes) is smaller than one screen",
                         path, len);
  }
  bool two_pages = config.pan && yvirt >= 2 * var.yres && len >= 2 * page;
  if (static_cast<size_t>(var.yoffset) + var.yres > yvirt) var.yoffset = 0;
  void* map = sys_.mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return errno_status(errno, path);

  fd_ = std::move(guard);
  map_ = map;
  map_len_ = len;
  var_ = var;
  xres_ = var.xres;
  yres_ = var.yres;
  xoffset_ = var.xoffset;
  line_length_ = line;
  front_ = two_pages && var.yoffset >= var.yres ? 1 : 0;
  vsync_ = config.wait_for_vsync;
  const fb_bitfield* ch[3] = {&var.red, &var.green, &var.blue};
  for (int c = 0; c < 3; ++c) {
    for (uint32_t v = 0; v < 256; ++v) {
      lut_[c][v] = (v >> (8 - ch[c]->length)) << ch[c]->offset;
    }
  }
  alpha_ = 0;
  if (var.transp.length > 0 && var.transp.length <= 8 &&
      var.transp.offset + var.transp.length <= bpp) {
    alpha_ = ((1u << var.transp.length) - 1) << var.transp.offset;
  }
  bool sideways = config.rotation == hal::Rotation::k90 || config.rotation == hal::Rotation::k270;
  info_ = hal::DisplayInfo{};
  info_.width = sideways ? var.yres : var.xres;
  info_.height = sideways ? var.xres : var.yres;
  info_.rotation = config.rotation;
  info_.bits_per_pixel = bpp;
  info_.device_stride = line;
  info_.page_flip = two_pages;
  format_text(describe_, sizeof describe_, "framebuffer %s (%s) %ux%u %u bpp", path, fix.id,
              var.xres, var.yres, bpp);
  return Status::ok();
}

void FbDisplay::close() {
  if (map_ != nullptr) sys_.munmap(map_, map_len_);
  map_ = nullptr;
  map_len_ = 0;
  fd_.reset();
  info_ = hal::DisplayInfo{};
}

void FbDisplay::draw(const hal::Frame& frame, uint8_t* base) {
  const auto w = static_cast<ptrdiff_t>(frame.width);
  const auto h = static_cast<ptrdiff_t>(frame.height);
  const auto stride = static_cast<ptrdiff_t>(frame.stride);
  for (uint32_t py = 0; py < yres_; ++py) {
    // Where the physical row starts in the frame, and the step per pixel.
    const uint8_t* src = nullptr;
    ptrdiff_t step = 3;
    const auto y = static_cast<ptrdiff_t>(py);
    switch (info_.rotation) {
      case hal::Rotation::k0:
        src = frame.pixels + y * stride;
        step = 3;
        break;
      case hal::Rotation::k90:
        src = frame.pixels + (h - 1) * stride + y * 3;
        step = -stride;
        break;
      case hal::Rotation::k180:
        src = frame.pixels + (h - 1 - y) * stride + (w - 1) * 3;
        step = -3;
        break;
      case hal::Rotation::k270:
        src = frame.pixels + (w - 1 - y) * 3;
        step = stride;
        break;
    }
    uint8_t* dst = base + py * line_length_;
    for (uint32_t px = 0; px < xres_; ++px, src += step, dst += bytes_pp_) {
      uint32_t v = lut_[0][src[0]] | lut_[1][src[1]] | lut_[2][src[2]] | alpha_;
      if (bytes_pp_ == 4) {
        std::memcpy(dst, &v, 4);
      } else if (bytes_pp_ == 2) {
        auto v16 = static_cast<uint16_t>(v);
        std::memcpy(dst, &v16, 2);
      } else {
        dst[0] = static_cast<uint8_t>(v);
        dst[1] = static_cast<uint8_t>(v >> 8);
        dst[2] = static_cast<uint8_t>(v >> 16);
      }
    }
  }
}

Status FbDisplay::present(const hal::Frame& frame) {
  if (map_ == nullptr) return Status::error(Code::kFailedPrecondition, "display: not open");
  if (frame.pixels == nullptr || frame.width != info_.width || frame.height != info_.height ||
      frame.stride < static_cast<size_t>(frame.width) * 3) {
    return Status::error(Code::kInvalidArgument,
                         "display: the frame is %ux%u (stride %zu), the display wants %ux%u",
                         frame.width, frame.height, frame.stride, info_.width, info_.height);
  }
  auto* mem = static_cast<uint8_t*>(map_);
  auto page_base = [&](uint32_t page) {
    return mem + static_cast<size_t>(page) * yres_ * line_length_ +
           static_cast<size_t>(xoffset_) * bytes_pp_;
  };
  // Without panning, the screen shows the rows from var.yoffset (a console
  // may have left it scrolled).
  auto visible_base = [&]() {
    return mem + static_cast<size_t>(var_.yoffset) * line_length_ +
           static_cast<size_t>(xoffset_) * bytes_pp_;
  };
  if (!info_.page_flip) {
    draw(frame, visible_base());
    return Status::ok();
  }
  uint32_t back = 1 - front_;
  draw(frame, page_base(back));
  if (vsync_) {
    uint32_t crtc = 0;
    if (sys_.ioctl(fd_.get(), FBIO_WAITFORVSYNC, &crtc) < 0) {
      if (errno == ENODEV) return errno_status(errno, describe_);
      vsync_ = false;  // not offered by this driver: pan without it
    }
  }
  fb_var_screeninfo var = var_;
  var.xoffset = xoffset_;
  var.yoffset = back * yres_;
  if (sys_.ioctl(fd_.get(), FBIOPAN_DISPLAY, &var) < 0) {
    if (errno == ENODEV) return errno_status(errno, describe_);
    // The driver cannot pan: show frames in the visible screen from now on.
    info_.page_flip = false;
    draw(frame, visible_base());
    return Status::ok();
  }
  front_ = back;
  var_.yoffset = var.yoffset;
  return Status::ok();
}

Status list_framebuffers(Sys& sys, FbFn fn, void* ctx) {
  struct Names {
    char n[8][12];
    size_t count = 0;
  } names;
  int r = sys.list_dir(
      "/dev",
      [](void* c, const char* name) {
        auto* list = static_cast<Names*>(c);
        if (std::strncmp(name, "fb", 2) != 0 || name[2] < '0' || name[2] > '9') return;
        if (list->count < 8) copy_text(list->n[list->count++], sizeof list->n[0], name);
      },
      &names);
  if (r < 0) return errno_status(errno, "display: listing /dev");
  for (size_t i = 0; i < names.count; ++i) {
    FbSummary s{};
    format_text(s.path, sizeof s.path, "/dev/%s", names.n[i]);
    int fd = sys.open(s.path, O_RDONLY);
    if (fd < 0) continue;
    Fd guard(sys, fd);
    fb_var_screeninfo var{};
    fb_fix_screeninfo fix{};
    if (sys.ioctl(fd, FBIOGET_VSCREENINFO, &var) < 0 ||
        sys.ioctl(fd, FBIOGET_FSCREENINFO, &fix) < 0) {
      continue;
    }
    std::memcpy(s.id, fix.id, sizeof fix.id < sizeof s.id ? sizeof fix.id : sizeof s.id);
    s.id[sizeof s.id - 1] = 0;
    s.width = var.xres;
    s.height = var.yres;
    s.bits_per_pixel = var.bits_per_pixel;
    s.line_length = fix.line_length;
    s.yres_virtual = var.yres_virtual;
    fn(ctx, s);
  }
  return Status::ok();
}

}  // namespace spark::platform
