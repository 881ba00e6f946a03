// FbDisplay against played framebuffers: exact bytes per pixel format,
// stride, rotation and channel offsets; panning; faults.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "fake_io_kernel.h"
#include "platform/linux/fb_display.h"

using namespace spark;
using namespace spark::platform;
using spark::testing::FakeIoKernel;

namespace {

// A frame whose every pixel has its own colour: r = 10 + 40x, g = 20 + 50y,
// b = x * 16 + y * 3 + 1, with 2 bytes of padding per row.
struct TestFrame {
  std::vector<uint8_t> bytes;
  hal::Frame frame;
  TestFrame(uint32_t w, uint32_t h) {
    size_t stride = w * 3 + 2;
    bytes.assign(stride * h, 0x77);
    frame = hal::Frame{bytes.data(), w, h, stride};
    for (uint32_t y = 0; y < h; ++y) {
      for (uint32_t x = 0; x < w; ++x) {
        uint8_t* p = frame.at(x, y);
        p[0] = static_cast<uint8_t>(10 + 40 * x);
        p[1] = static_cast<uint8_t>(20 + 50 * y);
        p[2] = static_cast<uint8_t>(x * 16 + y * 3 + 1);
      }
    }
  }
};

uint32_t rd(const std::vector<uint8_t>& m, size_t at, uint32_t bytes) {
  uint32_t v = 0;
  for (uint32_t i = 0; i < bytes; ++i) v |= static_cast<uint32_t>(m[at + i]) << (8 * i);
  return v;
}

// Where logical pixel (x, y) of a w x h frame lands on the panel, turned
// clockwise by rot: written forwards, independent of the driver's inverse.
void place(hal::Rotation rot, uint32_t w, uint32_t h, uint32_t x, uint32_t y, uint32_t& px,
           uint32_t& py) {
  switch (rot) {
    case hal::Rotation::k0:
      px = x;
      py = y;
      break;
    case hal::Rotation::k90:
      px = h - 1 - y;
      py = x;
      break;
    case hal::Rotation::k180:
      px = w - 1 - x;
      py = h - 1 - y;
      break;
    case hal::Rotation::k270:
      px = y;
      py = w - 1 - x;
      break;
  }
}

uint32_t rgb565(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0] >> 3) << 11) | (static_cast<uint32_t>(p[1] >> 2) << 5) |
         (p[2] >> 3);
}

}  // namespace

TEST_CASE("fb_16bpp_rgb565_with_a_wide_stride_at_every_rotation") {
  for (auto rot :
       {hal::Rotation::k0, hal::Rotation::k90, hal::Rotation::k180, hal::Rotation::k270}) {
    CAPTURE(static_cast<int>(rot));
    hal::ManualClock clock;
    FakeIoKernel k(clock);
    // 5x3 visible, rows of 16 bytes (10 used): like a 2.8" SPI panel's driver
    // padding rows to a power of two.
    auto& fb = k.add_framebuffer("fb0", 5, 3, 16, 16, 3);
    {
      FbDisplay d(k);
      FbDisplayConfig c;
      c.rotation = rot;
      REQUIRE(d.open(c).is_ok());
      auto info = d.info();
      bool side = rot == hal::Rotation::k90 || rot == hal::Rotation::k270;
      CHECK(info.width == (side ? 3u : 5u));
      CHECK(info.height == (side ? 5u : 3u));
      CHECK(info.bits_per_pixel == 16);
      CHECK(info.device_stride == 16);
      CHECK_FALSE(info.page_flip);
      CHECK(info.frame_bytes() == 45);
      TestFrame f(info.width, info.height);
      REQUIRE(d.present(f.frame).is_ok());
      for (uint32_t y = 0; y < info.height; ++y) {
        for (uint32_t x = 0; x < info.width; ++x) {
          uint32_t px = 0, py = 0;
          place(rot, info.width, info.height, x, y, px, py);
          CHECK(rd(fb.memory, py * 16 + px * 2, 2) == rgb565(f.frame.at(x, y)));
        }
      }
      for (uint32_t py = 0; py < 3; ++py) {
        for (uint32_t b = 10; b < 16; ++b) CHECK(fb.memory[py * 16 + b] == 0xEE);  // padding kept
      }
      CHECK(k.open_fds() == 1);
      CHECK(k.mappings() == 1);
    }
    CHECK(k.open_fds() == 0);
    CHECK(k.mappings() == 0);
  }
}

TEST_CASE("fb_32bpp_xrgb_with_alpha_rotated_90_writes_exact_bytes") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  auto& fb = k.add_framebuffer("fb0", 4, 3, 32, 24, 3, 8);  // rows of 24 bytes, 16 used
  FbDisplay d(k);
  FbDisplayConfig c;
  c.rotation = hal::Rotation::k90;
  REQUIRE(d.open(c).is_ok());
  REQUIRE(d.info().width == 3);
  REQUIRE(d.info().height == 4);
  TestFrame f(3, 4);
  REQUIRE(d.present(f.frame).is_ok());
  // Logical (0,0) is the top-left of the picture; turned 90 degrees
  // clockwise it lands at the panel's top-right: px = 3 - y, py = x.
  const uint8_t* top_left = f.frame.at(0, 0);
  size_t at = 0 * 24 + 3 * 4;
  CHECK(fb.memory[at + 0] == top_left[2]);         // blue at bit 0
  CHECK(fb.memory[at + 1] == top_left[1]);         // green at bit 8
  CHECK(fb.memory[at + 2] == top_left[0]);         // red at bit 16
  CHECK(fb.memory[at + 3] == 0xFF);                // opaque
  const uint8_t* bottom_right = f.frame.at(2, 3);  // -> px 0, py 2
  CHECK(rd(fb.memory, 2 * 24 + 0, 4) == (0xFF000000u | uint32_t{bottom_right[0]} << 16 |
                                         uint32_t{bottom_right[1]} << 8 | bottom_right[2]));
  for (uint32_t py = 0; py < 3; ++py) {
    for (uint32_t b = 16; b < 24; ++b) CHECK(fb.memory[py * 24 + b] == 0xEE);
  }
}

TEST_CASE("fb_channel_offsets_come_from_the_var_info_bgr_and_24bpp") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  auto& bgr = k.add_framebuffer("fb0", 2, 1, 32, 8, 1);
  bgr.var.red = {0, 8, 0};
  bgr.var.blue = {16, 8, 0};
  auto& packed = k.add_framebuffer("fb1", 2, 1, 24, 8, 1);
  TestFrame f(2, 1);
  const uint8_t* p = f.frame.at(1, 0);
  {
    FbDisplay d(k);
    REQUIRE(d.open(FbDisplayConfig{}).is_ok());
    REQUIRE(d.present(f.frame).is_ok());
    CHECK(bgr.memory[4] == p[0]);  // red at bit 0
    CHECK(bgr.memory[5] == p[1]);
    CHECK(bgr.memory[6] == p[2]);
    CHECK(bgr.memory[7] == 0);  // no alpha channel: zero
  }
  {
    FbDisplay d(k);
    FbDisplayConfig c;
    c.device = "/dev/fb1";
    REQUIRE(d.open(c).is_ok());
    CHECK(d.info().bits_per_pixel == 24);
    REQUIRE(d.present(f.frame).is_ok());
    CHECK(packed.memory[3] == p[2]);  // blue, green, red in memory
    CHECK(packed.memory[4] == p[1]);
    CHECK(packed.memory[5] == p[0]);
    CHECK(packed.memory[6] == 0xEE);
  }
}

TEST_CASE("fb_pans_between_two_pages_and_never_draws_on_the_visible_one") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  auto& fb = k.add_framebuffer("fb0", 4, 2, 16, 8, 4);  // yres_virtual = 2 * yres
  fb.vsync_supported = true;
  FbDisplay d(k);
  FbDisplayConfig c;
  c.wait_for_vsync = true;
  REQUIRE(d.open(c).is_ok());
  CHECK(d.info().page_flip);
  TestFrame a(4, 2), b(4, 2);
  b.frame.at(0, 0)[0] = 255;
  REQUIRE(d.present(a.frame).is_ok());
  // Page 0 was on screen: the frame went to page 1 (rows 2-3), then a pan.
  CHECK(fb.pans == std::vector<uint32_t>{2});
  CHECK(fb.vsyncs == 1);
  for (size_t i = 0; i < 16; ++i) CHECK(fb.memory[i] == 0xEE);
  CHECK(rd(fb.memory, 16, 2) == rgb565(a.frame.at(0, 0)));
  REQUIRE(d.present(b.frame).is_ok());
  CHECK(fb.pans == std::vector<uint32_t>{2, 0});
  CHECK(rd(fb.memory, 0, 2) == rgb565(b.frame.at(0, 0)));
  CHECK(rd(fb.memory, 16, 2) == rgb565(a.frame.at(0, 0)));  // the shown page untouched
}

TEST_CASE("fb_driver_that_cannot_pan_gets_frames_on_the_visible_page") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  auto& fb = k.add_framebuffer("fb0", 4, 2, 16, 8, 4);
  fb.pan_supported = false;
  FbDisplay d(k);
  REQUIRE(d.open(FbDisplayConfig{}).is_ok());
  TestFrame a(4, 2);
  REQUIRE(d.present(a.frame).is_ok());
  CHECK_FALSE(d.info().page_flip);
  CHECK(rd(fb.memory, 0, 2) == rgb565(a.frame.at(0, 0)));
  CHECK(rd(fb.memory, 6, 2) == rgb565(a.frame.at(3, 0)));
  CHECK(fb.pans.empty());

  // Panning switched off in config: one page even where two fit, drawn
  // where the screen shows (a console left it at row 2).
  FakeIoKernel k2(clock);
  auto& fb2 = k2.add_framebuffer("fb0", 4, 2, 16, 8, 4);
  fb2.var.yoffset = 2;
  FbDisplay d2(k2);
  FbDisplayConfig c;
  c.pan = false;
  REQUIRE(d2.open(c).is_ok());
  CHECK_FALSE(d2.info().page_flip);
  REQUIRE(d2.present(a.frame).is_ok());
  CHECK(fb2.pans.empty());
  CHECK(rd(fb2.memory, 16, 2) == rgb565(a.frame.at(0, 0)));
  for (size_t i = 0; i < 16; ++i) CHECK(fb2.memory[i] == 0xEE);
}

TEST_CASE("fb_faults_missing_format_mapping_frame_size_unplugged") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  FbDisplay d(k);
  Status s = d.open(FbDisplayConfig{});
  CHECK(s.code() == Code::kNotFound);
  CHECK(std::string(s.message()).find("no framebuffer /dev/fb0") != std::string::npos);

  auto& fb = k.add_framebuffer("fb0", 4, 2, 16, 8, 2);
  fb.var.bits_per_pixel = 8;
  s = d.open(FbDisplayConfig{});
  CHECK(s.code() == Code::kUnimplemented);
  CHECK(std::string(s.message()).find("8 bits per pixel") != std::string::npos);
  CHECK(k.open_fds() == 0);
  fb.var.bits_per_pixel = 16;

  k.fail_open("mmap:/dev/fb0", ENOMEM);
  s = d.open(FbDisplayConfig{});
  CHECK(s.code() == Code::kIo);
  CHECK(k.open_fds() == 0);
  CHECK(k.mappings() == 0);
  k.fail_open("mmap:/dev/fb0", 0);

  k.fail_open("/dev/fb0", EACCES);
  CHECK(d.open(FbDisplayConfig{}).code() == Code::kPermissionDenied);
  k.fail_open("/dev/fb0", EBUSY);
  CHECK(d.open(FbDisplayConfig{}).code() == Code::kUnavailable);
}

TEST_CASE("fb_frame_of_the_wrong_size_is_refused_and_nothing_drawn") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  auto& fb = k.add_framebuffer("fb0", 4, 2, 16, 8, 2);
  FbDisplay d(k);
  REQUIRE(d.open(FbDisplayConfig{}).is_ok());
  TestFrame f(2, 4);
  Status s = d.present(f.frame);
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(std::string(s.message()).find("the display wants 4x2") != std::string::npos);
  for (uint8_t b : fb.memory) CHECK(b == 0xEE);
  d.close();
  CHECK(k.open_fds() == 0);
  CHECK(k.mappings() == 0);
  CHECK(d.present(f.frame).code() == Code::kFailedPrecondition);
}

TEST_CASE("fb_unplugged_display_reports_unavailable_and_close_releases_it") {
  hal::ManualClock clock;
  FakeIoKernel k(clock);
  k.add_framebuffer("fb0", 4, 2, 16, 8, 4);
  FbDisplay d(k);
  REQUIRE(d.open(FbDisplayConfig{}).is_ok());
  k.fail_ioctl(FBIOPAN_DISPLAY, ENODEV);  // a USB or SPI display gone
  TestFrame f(4, 2);
  Status s = d.present(f.frame);
  CHECK(s.code() == Code::kUnavailable);
  CHECK(std::string(s.message()).find("gone") != std::string::npos);
  d.close();
  CHECK(k.open_fds() == 0);
  CHECK(k.mappings() == 0);
}
