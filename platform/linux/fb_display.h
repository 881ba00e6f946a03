// FbDisplay: hal::Display on a Linux framebuffer (/dev/fb0, <linux/fb.h>).
//
// Why fbdev and not DRM dumb buffers: Raspberry Pi OS with KMS (vc4-kms-v3d)
// still provides /dev/fb0 through the DRM driver's fbdev emulation, on the
// HDMI output and on DSI/SPI panels alike; it needs no mode setting, no DRM
// master (a desktop may hold it) and a fifth of the code. A kiosk shows a
// few frames a second, so the page flip DRM would add is replaced by
// panning below. If a future Pi OS drops the emulation, a DRM driver slots
// in behind the same hal::Display.
//
// Pixel formats: 16 (RGB565 and other 5/6/5 layouts), 24 and 32 bits per
// pixel, packed true colour, with each channel's offset and length taken
// from FBIOGET_VSCREENINFO (so BGR and RGB orders both work); a 32-bit
// format's alpha/transparency bits are set opaque. Rows are line_length
// bytes apart, which may be wider than the visible width.
//
// Rotation (from config) turns the picture clockwise onto the panel; info()
// reports the rotated size, which is what the UI draws.
//
// Tearing: when the virtual height holds two screens (yres_virtual >=
// 2 * yres; on a Pi with KMS: drm_kms_helper.drm_fbdev_overalloc=200 on the
// kernel command line) present() draws into the hidden half and pans to it
// (FBIOPAN_DISPLAY), optionally after FBIO_WAITFORVSYNC; if the driver
// refuses to pan it draws into the visible screen from then on.
//
// Memory (x86-64): 3448 bytes inline (a lookup table per channel); no heap and no frame of
// its own: the mapping is the kernel's (line_length * yres_virtual bytes of
// address space). One fd and one mapping, released by close().
#pragma once

#include <linux/fb.h>

#include <cstdint>

#include "hal/display.h"
#include "platform/linux/sys_fd.h"

namespace spark::platform {

struct FbDisplayConfig {
  const char* device = "/dev/fb0";
  hal::Rotation rotation = hal::Rotation::k0;
  bool pan = true;              // double buffer by panning, where possible
  bool wait_for_vsync = false;  // FBIO_WAITFORVSYNC before each pan
};

class FbDisplay final : public hal::Display {
 public:
  explicit FbDisplay(Sys& sys) : sys_(sys) {}
  ~FbDisplay() override { close(); }
  FbDisplay(const FbDisplay&) = delete;
  FbDisplay& operator=(const FbDisplay&) = delete;

  // Errors: kNotFound ("no framebuffer /dev/fb0 ..."), kPermissionDenied
  // (join the video group), kUnimplemented (a pixel format other than the
  // above), kIo.
  Status open(const FbDisplayConfig& config);
  void close();

  hal::DisplayInfo info() const override { return info_; }
  Status present(const hal::Frame& frame) override;
  const char* describe() const override { return describe_; }
  // Physical panel size (before rotation).
  uint32_t panel_width() const { return xres_; }
  uint32_t panel_height() const { return yres_; }

 private:
  void draw(const hal::Frame& frame, uint8_t* base);

  Sys& sys_;
  Fd fd_;
  void* map_ = nullptr;
  size_t map_len_ = 0;
  hal::DisplayInfo info_;
  fb_var_screeninfo var_{};
  uint32_t xres_ = 0, yres_ = 0, xoffset_ = 0;
  size_t line_length_ = 0;
  uint32_t bytes_pp_ = 0;
  uint32_t front_ = 0;  // the page on screen (0 or 1)
  bool vsync_ = false;
  uint32_t alpha_ = 0;
  uint32_t lut_[3][256] = {};
  char describe_[96] = "framebuffer (not open)";
};

// Calls fn for each /dev/fb* that answers FBIOGET_VSCREENINFO.
struct FbSummary {
  char path[32];
  char id[20];
  uint32_t width, height, bits_per_pixel, line_length, yres_virtual;
};
using FbFn = void (*)(void* ctx, const FbSummary& fb);
Status list_framebuffers(Sys& sys, FbFn fn, void* ctx);

}  // namespace spark::platform
