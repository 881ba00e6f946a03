// The V4L2 driver against a fake kernel playing UVC cameras (fake_uvc.h):
// the real driver code runs; only the kernel's side is played.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "../image/image_fixtures.h"
#include "core/io.h"
#include "fake_uvc.h"
#include "heap_meter.h"
#include "platform/linux/v4l2_camera.h"

using namespace spark;
using namespace spark::platform;
using spark::test::FakeCamera;
using spark::test::FakeUvcKernel;

namespace {

// Distinct real JPEGs: frame i is a different noisy picture.
std::vector<std::vector<uint8_t>> jpeg_frames(int n, uint32_t w = 320, uint32_t h = 240) {
  std::vector<std::vector<uint8_t>> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(test::make_jpeg(test::noisy(w, h, static_cast<uint32_t>(100 + i), 30)));
  }
  return out;
}

std::vector<uint8_t> bytes_of(const GrowingSink& sink) {
  return std::vector<uint8_t>(sink.bytes().begin(), sink.bytes().end());
}

V4l2Config config(const std::string& device = "/dev/video0", uint32_t warmup = 3) {
  V4l2Config c;
  c.device = device;
  c.warmup_frames = warmup;
  return c;
}

}  // namespace

TEST_CASE("v4l2_capture_takes_mjpeg_at_the_largest_size_within_the_limit_after_warmup") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(6);
  auto frames = cam.frames;
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 3));
  GrowingSink sink(1 << 20);
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  // Three warm-up frames dequeued and requeued; the fourth is the one kept.
  CHECK(k.delivered(0) == 4);
  CHECK(bytes_of(sink) == frames[3]);
  CHECK(r->bytes == frames[3].size());
  CHECK(r->format == hal::FrameFormat::kJpeg);
  // 2592x1944 is over the 1920x1080 limit.
  CHECK(k.format_of(0).pixelformat == V4L2_PIX_FMT_MJPEG);
  CHECK(k.format_of(0).width == 1920);
  CHECK(k.format_of(0).height == 1080);
  CHECK(r->resolution.width == 1920);
  CHECK(camera.resolution().height == 1080);
  CHECK(camera.name() == "Fake UVC Camera (/dev/video0)");
  CHECK(camera.kind() == hal::CameraKind::kV4l2);
  // Buffers came back in queue order: 0, 1, 2, then 0 again (requeued).
  CHECK(k.dequeued(0) == std::vector<uint32_t>{0, 1, 2, 0});
  CHECK(k.released_all());
}

TEST_CASE("v4l2_capture_twice_streams_afresh_each_time") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(4);
  auto frames = cam.frames;
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 1));
  GrowingSink a(1 << 20), b(1 << 20);
  REQUIRE(camera.capture(a, hal::Deadline::after(clock, 5000)).is_ok());
  CHECK(k.released_all());
  REQUIRE(camera.capture(b, hal::Deadline::after(clock, 5000)).is_ok());
  CHECK(bytes_of(a) == frames[1]);
  CHECK(bytes_of(b) == frames[3]);
  CHECK(k.opens == 2);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_warmup_zero_keeps_the_first_frame") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(2);
  auto frames = cam.frames;
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 0));
  GrowingSink sink(1 << 20);
  REQUIRE(camera.capture(sink, hal::Deadline::after(clock, 5000)).is_ok());
  CHECK(bytes_of(sink) == frames[0]);
  CHECK(k.delivered(0) == 1);
}

TEST_CASE("v4l2_stepwise_sizes_take_the_largest_step_within_the_limit") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(1);
  cam.stepwise = true;
  cam.step = {160, 3264, 16, 120, 2448, 8};
  k.add(cam);
  V4l2Config c = config("/dev/video0", 0);
  c.max_width = 1000;
  c.max_height = 700;
  V4l2Camera camera(k, clock, c);
  CountingSink sink;
  REQUIRE(camera.capture(sink, hal::Deadline::after(clock, 5000)).is_ok());
  CHECK(k.format_of(0).width == 992);   // 160 + 52 * 16
  CHECK(k.format_of(0).height == 696);  // 120 + 72 * 8
}

TEST_CASE("v4l2_no_mjpeg_size_within_the_limit_names_the_smallest") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(1);
  k.add(cam);
  V4l2Config c = config();
  c.max_width = 320;
  c.max_height = 240;
  V4l2Camera camera(k, clock, c);
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(std::string(r.status().message()).find("smallest is 640x480") != std::string::npos);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_zero_padding_after_the_jpeg_is_trimmed") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(1);
  cam.pad_zeros = 4096;  // bytesused = sizeimage, as some UVC cameras report
  auto frames = cam.frames;
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 0));
  GrowingSink sink(1 << 20);
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE(r.is_ok());
  CHECK(bytes_of(sink) == frames[0]);
}

TEST_CASE("v4l2_damaged_frames_are_skipped") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(4);
  cam.damaged_frames = 2;
  auto frames = cam.frames;
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 1));
  GrowingSink sink(1 << 20);
  REQUIRE(camera.capture(sink, hal::Deadline::after(clock, 5000)).is_ok());
  // Frames 0 and 1 are flagged bad, 2 is the warm-up frame, 3 is kept.
  CHECK(bytes_of(sink) == frames[3]);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_finds_a_camera_by_card_name_and_skips_metadata_nodes") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera laptop;
  laptop.card = "Integrated Camera";
  laptop.frames = jpeg_frames(1, 160, 120);
  k.add(laptop);
  FakeCamera meta = laptop;
  meta.path = "/dev/video1";
  meta.capture = false;
  k.add(meta);
  FakeCamera c920;
  c920.path = "/dev/video2";
  c920.card = "HD Pro Webcam C920";
  c920.frames = jpeg_frames(1, 200, 100);
  auto want = c920.frames[0];
  k.add(c920);

  V4l2Camera by_part(k, clock, config("c920", 0));
  GrowingSink sink(1 << 20);
  auto r = by_part.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_MESSAGE(r.is_ok(), r.status().message());
  CHECK(bytes_of(sink) == want);
  CHECK(by_part.name() == "HD Pro Webcam C920 (/dev/video2)");
  CHECK(k.released_all());

  V4l2Camera exact(k, clock, config("Integrated Camera", 0));
  REQUIRE(exact.probe().is_ok());
  CHECK(exact.name() == "Integrated Camera (/dev/video0)");
  CHECK(exact.resolution().width == 1920);

  V4l2Camera missing(k, clock, config("Logitech Brio", 0));
  auto m = missing.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(m.is_ok());
  CHECK(m.status().code() == Code::kNotFound);
  CHECK(std::string(m.status().message()) ==
        "no camera named 'Logitech Brio' (found: Integrated Camera, HD Pro Webcam C920)");
  CHECK(k.released_all());
}

TEST_CASE("v4l2_long_by_id_path_is_left_out_of_the_name_so_messages_keep_their_reason") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.path = "/dev/v4l/by-id/usb-046d_HD_Pro_Webcam_C920_ABCDEF12-video-index0";
  cam.card = "HD Pro Webcam C920";
  cam.frames = jpeg_frames(6);
  cam.unplug_after = 1;
  k.add(cam);
  V4l2Camera camera(k, clock, config(cam.path, 3));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(camera.name() == "HD Pro Webcam C920");
  CHECK(std::string(r.status().message()) ==
        "camera HD Pro Webcam C920 was unplugged (VIDIOC_DQBUF: no such device)");
  CHECK(k.open_fds() == 0);
  CHECK(k.mappings() == 0);
}

TEST_CASE("v4l2_a_name_matching_two_cameras_is_refused") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera a;
  a.card = "USB Camera A";
  a.frames = jpeg_frames(1);
  k.add(a);
  FakeCamera b = a;
  b.path = "/dev/video2";
  b.card = "USB Camera B";
  k.add(b);
  V4l2Camera camera(k, clock, config("usb camera", 0));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kInvalidArgument);
  CHECK(std::string(r.status().message()).find("matches 2 cameras") != std::string::npos);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_metadata_node_by_path_is_not_a_capture_device") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera meta;
  meta.path = "/dev/video1";
  meta.capture = false;
  k.add(meta);
  V4l2Camera camera(k, clock, config("/dev/video1", 0));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kFailedPrecondition);
  CHECK(std::string(r.status().message()).find("not a video capture device") != std::string::npos);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_yuyv_only_camera_is_refused_naming_it_and_its_formats") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.card = "Cheap YUYV Cam";
  cam.formats = {V4L2_PIX_FMT_YUYV};
  k.add(cam);
  V4l2Camera camera(k, clock, config());
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kFailedPrecondition);
  CHECK(
      std::string(r.status().message()) ==
      "Cheap YUYV Cam (/dev/video0) gives no MJPEG, only YUYV: sparkcam needs a camera with MJPEG");
  CHECK(std::find(k.log.begin(), k.log.end(), VIDIOC_REQBUFS) == k.log.end());
  CHECK(k.released_all());
}

TEST_CASE("v4l2_missing_device_is_not_found") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  V4l2Camera camera(k, clock, config("/dev/video0"));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kNotFound);
  CHECK(std::string(r.status().message()).find("camera /dev/video0 not found") == 0);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_busy_camera_is_unavailable_at_open_or_at_reqbufs") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera at_open;
  at_open.open_errno = EBUSY;
  k.add(at_open);
  FakeCamera at_reqbufs;
  at_reqbufs.path = "/dev/video2";
  at_reqbufs.reqbufs_errno = EBUSY;
  at_reqbufs.frames = jpeg_frames(1);
  k.add(at_reqbufs);
  CountingSink sink;

  V4l2Camera a(k, clock, config("/dev/video0"));
  auto r = a.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(std::string(r.status().message()).find("is busy") != std::string::npos);

  V4l2Camera b(k, clock, config("/dev/video2"));
  r = b.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(std::string(r.status().message()) ==
        "camera Fake UVC Camera (/dev/video2) is busy: another program is streaming from it "
        "(VIDIOC_REQBUFS)");
  CHECK(sink.count() == 0);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_failed_mmap_or_streamon_releases_what_was_set_up") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera mmap_fails;
  mmap_fails.frames = jpeg_frames(1);
  mmap_fails.mmap_fail_index = 2;  // buffers 0 and 1 are mapped by then
  k.add(mmap_fails);
  FakeCamera no_bandwidth;
  no_bandwidth.path = "/dev/video2";
  no_bandwidth.frames = jpeg_frames(1);
  no_bandwidth.streamon_errno = ENOSPC;
  k.add(no_bandwidth);
  CountingSink sink;

  V4l2Camera a(k, clock, config("/dev/video0"));
  auto r = a.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kIo);
  CHECK(std::string(r.status().message()).find("mmap failed") != std::string::npos);
  CHECK(k.released_all());

  V4l2Camera b(k, clock, config("/dev/video2"));
  r = b.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(std::string(r.status().message()) ==
        "camera Fake UVC Camera (/dev/video2): not enough USB bandwidth (VIDIOC_STREAMON): use "
        "another USB port or a smaller size");
  CHECK(k.released_all());
}

TEST_CASE("v4l2_permission_denied_says_which_group") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.open_errno = EACCES;
  k.add(cam);
  V4l2Camera camera(k, clock, config());
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kPermissionDenied);
  CHECK(std::string(r.status().message()).find("group 'video'") != std::string::npos);
}

TEST_CASE("v4l2_unplugged_mid_capture_releases_everything") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(6);
  cam.unplug_after = 2;  // during the warm-up
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 5));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kUnavailable);
  CHECK(std::string(r.status().message()) ==
        "camera Fake UVC Camera (/dev/video0) was unplugged (VIDIOC_DQBUF: no such device)");
  CHECK(sink.count() == 0);
  // STREAMOFF and REQBUFS 0 fail with ENODEV on a gone device, but the
  // mappings and the descriptor are still given back.
  CHECK(k.open_fds() == 0);
  CHECK(k.mappings() == 0);

  auto again = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(again.is_ok());
  CHECK(again.status().code() == Code::kNotFound);
}

TEST_CASE("v4l2_camera_that_sends_nothing_times_out_at_the_deadline") {
  hal::ManualClock clock(1000);
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(1);
  cam.stall = true;
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 2));
  CountingSink sink;
  auto deadline = hal::Deadline::after(clock, 2500);
  auto r = camera.capture(sink, deadline);
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kDeadlineExceeded);
  CHECK(std::string(r.status().message()).find("sent no frame in time") != std::string::npos);
  // It waited in poll() until the deadline, not past it.
  CHECK(clock.now_ms() == deadline.at_ms());
  CHECK(k.released_all());
}

TEST_CASE("v4l2_truncated_jpeg_is_data_loss") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  auto whole = jpeg_frames(1)[0];
  cam.frames = {std::vector<uint8_t>(whole.begin(), whole.end() - 700)};
  cam.pad_zeros = 64;
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 0));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kDataLoss);
  CHECK(std::string(r.status().message())
            .find("sent a truncated JPEG (" + std::to_string(whole.size() - 700) + " bytes") !=
        std::string::npos);
  CHECK(sink.count() == 0);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_frame_that_is_not_a_jpeg_is_data_loss") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = {std::vector<uint8_t>(1000, 0x80)};
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 0));
  CountingSink sink;
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kDataLoss);
  CHECK(std::string(r.status().message()).find("not a JPEG") != std::string::npos);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_sink_error_is_returned_and_everything_released") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(1);
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 0));
  uint8_t small[100];
  FixedSink sink{MutBytes(small)};
  auto r = camera.capture(sink, hal::Deadline::after(clock, 5000));
  REQUIRE_FALSE(r.is_ok());
  CHECK(r.status().code() == Code::kResourceExhausted);
  CHECK(k.released_all());
}

TEST_CASE("v4l2_capture_heap_holds_no_frame") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera cam;
  cam.frames = jpeg_frames(3, 1280, 720);
  size_t frame_size = cam.frames[2].size();
  k.add(cam);
  V4l2Camera camera(k, clock, config("/dev/video0", 2));
  CountingSink sink;
  REQUIRE(test::heap_meter_available());
  test::HeapScope scope;
  REQUIRE(camera.capture(sink, hal::Deadline::after(clock, 5000)).is_ok());
  size_t peak = scope.peak_above_start();
  MESSAGE("v4l2 capture: peak heap " << peak << " bytes for a " << frame_size << "-byte frame");
  CHECK(sink.count() == frame_size);
  CHECK(frame_size > 50000);
  CHECK(peak < 4096);  // a few short strings (the name, the format list)
}

TEST_CASE("list_v4l2_cameras_in_number_order_with_formats_and_mjpeg_sizes") {
  hal::ManualClock clock;
  FakeUvcKernel k(clock);
  FakeCamera a;
  a.path = "/dev/video10";
  a.card = "Ten";
  k.add(a);
  FakeCamera b;
  b.path = "/dev/video2";
  b.card = "Two";
  b.formats = {V4L2_PIX_FMT_YUYV};
  k.add(b);
  FakeCamera meta;
  meta.path = "/dev/video3";
  meta.card = "Two";
  meta.capture = false;
  k.add(meta);
  FakeCamera step;
  step.path = "/dev/video4";
  step.stepwise = true;
  step.step = {160, 3264, 16, 120, 2448, 8};
  k.add(step);
  FakeCamera busy;
  busy.path = "/dev/video5";
  busy.open_errno = EBUSY;
  k.add(busy);

  auto list = list_v4l2_cameras(k);
  REQUIRE(list.size() == 5);
  CHECK(list[0].path == "/dev/video2");
  CHECK(list[0].capture);
  CHECK(list[0].formats == std::vector<std::string>{"YUYV (YUYV 4:2:2)"});
  CHECK(list[0].mjpeg_sizes.empty());
  CHECK(list[1].path == "/dev/video3");
  CHECK_FALSE(list[1].capture);
  CHECK(list[2].mjpeg_sizes.size() == 2);  // min and max of a range
  CHECK(list[2].mjpeg_sizes[1].width == 3264);
  CHECK(list[3].error.find("busy") != std::string::npos);
  CHECK(list[4].path == "/dev/video10");
  CHECK(list[4].card == "Ten");
  CHECK(list[4].driver == "uvcvideo");
  CHECK(list[4].formats[0] == "MJPG (Motion-JPEG)");
  REQUIRE(list[4].mjpeg_sizes.size() == 4);
  CHECK(list[4].mjpeg_sizes[3].width == 2592);
  CHECK(k.open_fds() == 0);

  FakeUvcKernel empty(clock);
  CHECK(list_v4l2_cameras(empty).empty());
}
