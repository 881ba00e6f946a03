#include "platform/linux/v4l2_camera.h"

#include <fcntl.h>
#include <linux/videodev2.h>
#include <sys/mman.h>

#include <strings.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstring>

namespace spark::platform {
namespace {

constexpr uint32_t kMaxBuffers = 8;
constexpr uint32_t kMaxFormats = 32;
constexpr uint32_t kMaxSizes = 64;
constexpr uint32_t kMaxBadFrames = 16;  // error-flagged frames skipped before giving up
constexpr int kPollSliceMs = 1000;      // poll in slices so the deadline is re-read
constexpr size_t kMaxPathInName = 24;   // "/dev/video12", "/dev/v4l/by-path/..." is longer

std::string card_text(const uint8_t* s, size_t n) {
  return std::string(reinterpret_cast<const char*>(s),
                     strnlen(reinterpret_cast<const char*>(s), n));
}

Status open_error(int err, const std::string& what) {
  switch (err) {
    case ENOENT:
    case ENXIO:
    case ENODEV:
      return Status::error(Code::kNotFound,
                           "camera %s not found (unplugged? `sparkcam-probe cameras` lists them)",
                           what.c_str());
    case EBUSY:
      return Status::error(Code::kUnavailable, "camera %s is busy: another program is using it",
                           what.c_str());
    case EACCES:
    case EPERM:
      return Status::error(Code::kPermissionDenied,
                           "camera %s: permission denied (add the user to group 'video')",
                           what.c_str());
    default:
      return Status::error(Code::kIo, "camera %s: open failed: %s", what.c_str(),
                           std::strerror(err));
  }
}

Status call_error(int err, const std::string& cam, const char* call) {
  switch (err) {
    case ENODEV:
      return Status::error(Code::kUnavailable, "camera %s was unplugged (%s: no such device)",
                           cam.c_str(), call);
    case EBUSY:
      return Status::error(Code::kUnavailable,
                           "camera %s is busy: another program is streaming from it (%s)",
                           cam.c_str(), call);
    case ENOSPC:  // uvcvideo: the isochronous bandwidth this size needs is not free
      return Status::error(Code::kUnavailable,
                           "camera %s: not enough USB bandwidth (%s): use another USB port or "
                           "a smaller size",
                           cam.c_str(), call);
    case EACCES:
    case EPERM:
      return Status::error(Code::kPermissionDenied, "camera %s: %s: permission denied", cam.c_str(),
                           call);
    default:
      return Status::error(Code::kIo, "camera %s: %s failed: %s", cam.c_str(), call,
                           std::strerror(err));
  }
}

bool is_mjpeg(uint32_t fourcc) {
  return fourcc == V4L2_PIX_FMT_MJPEG || fourcc == V4L2_PIX_FMT_JPEG;
}

uint32_t caps_of(const v4l2_capability& cap) {
  return (cap.capabilities & V4L2_CAP_DEVICE_CAPS) != 0 ? cap.device_caps : cap.capabilities;
}

bool can_capture(const v4l2_capability& cap) {
  uint32_t c = caps_of(cap);
  return (c & V4L2_CAP_VIDEO_CAPTURE) != 0 && (c & V4L2_CAP_STREAMING) != 0;
}

// One open device and everything a capture sets up on it; the destructor
// undoes each step that was done, in reverse, whatever path left.
class Session {
 public:
  explicit Session(Sys& sys) : sys_(sys) {}
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() {
    if (fd < 0) return;
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (streaming) sys_.ioctl(fd, VIDIOC_STREAMOFF, &type);
    for (uint32_t i = 0; i < nmaps; ++i) sys_.munmap(maps[i].addr, maps[i].length);
    if (requested) {
      v4l2_requestbuffers req{};
      req.count = 0;
      req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      req.memory = V4L2_MEMORY_MMAP;
      sys_.ioctl(fd, VIDIOC_REQBUFS, &req);
    }
    sys_.close(fd);
  }

  struct Mapping {
    void* addr;
    size_t length;
  };
  int fd = -1;
  bool requested = false;
  bool streaming = false;
  Mapping maps[kMaxBuffers] = {};
  uint32_t nmaps = 0;

 private:
  Sys& sys_;
};

struct DirCtx {
  std::vector<std::pair<unsigned long, std::string>> nodes;
};

void collect_video(void* ctx, const char* name) {
  if (std::strncmp(name, "video", 5) != 0 || name[5] == '\0') return;
  unsigned long n = 0;
  for (const char* p = name + 5; *p; ++p) {
    if (*p < '0' || *p > '9') return;
    n = n * 10 + static_cast<unsigned long>(*p - '0');
  }
  static_cast<DirCtx*>(ctx)->nodes.emplace_back(n, name);
}

std::vector<std::string> video_nodes(Sys& sys, const char* dev_dir) {
  DirCtx ctx;
  if (sys.list_dir(dev_dir, collect_video, &ctx) != 0) return {};
  std::sort(ctx.nodes.begin(), ctx.nodes.end());
  std::vector<std::string> out;
  for (auto& n : ctx.nodes) out.push_back(std::string(dev_dir) + "/" + n.second);
  return out;
}

bool contains_nocase(const std::string& hay, const std::string& needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

// The capture node whose card name is `want`: an exact match first, else
// the only one containing it.
Result<std::string> find_by_name(Sys& sys, const std::string& want) {
  std::vector<std::pair<std::string, std::string>> cards;  // path, card
  for (const std::string& path : video_nodes(sys, "/dev")) {
    int fd = sys.open(path.c_str(), O_RDWR | O_NONBLOCK);
    if (fd < 0) continue;
    v4l2_capability cap{};
    bool ok = sys.ioctl(fd, VIDIOC_QUERYCAP, &cap) == 0 && can_capture(cap);
    sys.close(fd);
    if (ok) cards.emplace_back(path, card_text(cap.card, sizeof cap.card));
  }
  for (auto& c : cards) {
    if (c.second == want) return c.first;
  }
  std::string found, list;
  int matches = 0;
  for (auto& c : cards) {
    if (contains_nocase(c.second, want)) {
      ++matches;
      found = c.first;
    }
    list += (list.empty() ? "" : ", ") + c.second;
  }
  if (matches == 1) return found;
  if (matches > 1) {
    return Status::error(Code::kInvalidArgument,
                         "camera name '%s' matches %d cameras (%s): give the full name or a path",
                         want.c_str(), matches, list.c_str());
  }
  if (cards.empty()) {
    return Status::error(Code::kNotFound, "no camera named '%s': no video capture devices found",
                         want.c_str());
  }
  return Status::error(Code::kNotFound, "no camera named '%s' (found: %s)", want.c_str(),
                       list.c_str());
}

// Largest MJPEG size within the limit; `smallest` is set for the error.
bool pick_size(Sys& sys, int fd, uint32_t fourcc, uint32_t max_w, uint32_t max_h,
               hal::Resolution& best, hal::Resolution& smallest) {
  bool found = false;
  uint64_t best_area = 0, small_area = UINT64_MAX;
  auto consider = [&](uint32_t w, uint32_t h) {
    uint64_t area = uint64_t{w} * h;
    if (area < small_area) {
      small_area = area;
      smallest = {w, h};
    }
    if (w <= max_w && h <= max_h && area > best_area) {
      best_area = area;
      best = {w, h};
      found = true;
    }
  };
  for (uint32_t i = 0; i < kMaxSizes; ++i) {
    v4l2_frmsizeenum fs{};
    fs.index = i;
    fs.pixel_format = fourcc;
    if (sys.ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) != 0) break;
    if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
      consider(fs.discrete.width, fs.discrete.height);
      continue;
    }
    // Stepwise or continuous (step 1): the largest step within the limit.
    const v4l2_frmsize_stepwise& s = fs.stepwise;
    uint32_t sw = s.step_width ? s.step_width : 1, sh = s.step_height ? s.step_height : 1;
    consider(s.min_width, s.min_height);
    if (max_w >= s.min_width && max_h >= s.min_height) {
      uint32_t w = std::min(max_w, s.max_width), h = std::min(max_h, s.max_height);
      w = s.min_width + (w - s.min_width) / sw * sw;
      h = s.min_height + (h - s.min_height) / sh * sh;
      consider(w, h);
    }
    break;  // a stepwise list has one entry
  }
  return found;
}

}  // namespace

std::string fourcc_text(uint32_t f) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    char c = static_cast<char>((f >> (8 * i)) & 0xff);
    if (c != ' ' && c != '\0') s += (c >= 32 && c < 127) ? c : '?';
  }
  return s;
}

V4l2Camera::V4l2Camera(Sys& sys, hal::Clock& clock, V4l2Config config)
    : sys_(sys), clock_(clock), config_(std::move(config)), name_(config_.device) {}

namespace {

// Opens and checks the device, picks format and size, sets it (S_FMT).
Status open_and_format(Sys& sys, const V4l2Config& config, Session& s, std::string& name,
                       hal::Resolution& res) {
  std::string path = config.device;
  if (path.empty() || path[0] != '/') {
    SPARK_TRY_ASSIGN(path, find_by_name(sys, config.device));
  }
  s.fd = sys.open(path.c_str(), O_RDWR | O_NONBLOCK);
  if (s.fd < 0) return open_error(errno, path);
  v4l2_capability cap{};
  if (sys.ioctl(s.fd, VIDIOC_QUERYCAP, &cap) != 0) {
    int err = errno;
    if (err == ENOTTY || err == EINVAL) {
      return Status::error(Code::kFailedPrecondition, "%s is not a V4L2 device", path.c_str());
    }
    return call_error(err, path, "VIDIOC_QUERYCAP");
  }
  // A /dev/v4l/by-id path is ~70 characters: it would crowd the reason out of
  // every message (a Status holds 159), and the card name already says which.
  name = card_text(cap.card, sizeof cap.card);
  if (path.size() <= kMaxPathInName) name += " (" + path + ")";
  if (!can_capture(cap)) {
    return Status::error(Code::kFailedPrecondition,
                         "%s is not a video capture device (UVC cameras also make a metadata "
                         "node: try the other /dev/video*)",
                         name.c_str());
  }
  uint32_t fourcc = 0;
  std::string formats;
  for (uint32_t i = 0; i < kMaxFormats; ++i) {
    v4l2_fmtdesc fd{};
    fd.index = i;
    fd.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (sys.ioctl(s.fd, VIDIOC_ENUM_FMT, &fd) != 0) break;
    formats += (formats.empty() ? "" : ", ") + fourcc_text(fd.pixelformat);
    if (fourcc == 0 && is_mjpeg(fd.pixelformat)) fourcc = fd.pixelformat;
  }
  if (fourcc == 0) {
    return Status::error(Code::kFailedPrecondition,
                         "%s gives no MJPEG, only %s: sparkcam needs a camera with MJPEG",
                         name.c_str(), formats.empty() ? "no formats" : formats.c_str());
  }
  hal::Resolution best, smallest;
  if (!pick_size(sys, s.fd, fourcc, config.max_width, config.max_height, best, smallest)) {
    if (smallest.width == 0) {
      return Status::error(Code::kFailedPrecondition, "%s lists no MJPEG frame sizes",
                           name.c_str());
    }
    return Status::error(Code::kNotFound,
                         "%s has no MJPEG size within %ux%u (the smallest is %ux%u)", name.c_str(),
                         config.max_width, config.max_height, smallest.width, smallest.height);
  }
  v4l2_format fmt{};
  fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  fmt.fmt.pix.width = best.width;
  fmt.fmt.pix.height = best.height;
  fmt.fmt.pix.pixelformat = fourcc;
  fmt.fmt.pix.field = V4L2_FIELD_ANY;
  if (sys.ioctl(s.fd, VIDIOC_S_FMT, &fmt) != 0) return call_error(errno, name, "VIDIOC_S_FMT");
  if (!is_mjpeg(fmt.fmt.pix.pixelformat)) {
    return Status::error(Code::kFailedPrecondition, "%s refused MJPEG at %ux%u (it set %s)",
                         name.c_str(), best.width, best.height,
                         fourcc_text(fmt.fmt.pix.pixelformat).c_str());
  }
  res = {fmt.fmt.pix.width, fmt.fmt.pix.height};
  return Status::ok();
}

}  // namespace

Status V4l2Camera::probe() {
  Session s(sys_);
  return open_and_format(sys_, config_, s, name_, resolution_);
}

Result<hal::Capture> V4l2Camera::capture(ByteSink& out, hal::Deadline deadline) {
  Session s(sys_);
  SPARK_TRY(open_and_format(sys_, config_, s, name_, resolution_));
  const int fd = s.fd;

  v4l2_requestbuffers req{};
  req.count = std::clamp<uint32_t>(config_.buffers, 2, kMaxBuffers);
  req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  req.memory = V4L2_MEMORY_MMAP;
  if (sys_.ioctl(fd, VIDIOC_REQBUFS, &req) != 0) return call_error(errno, name_, "VIDIOC_REQBUFS");
  s.requested = true;
  if (req.count == 0) {
    return Status::error(Code::kUnavailable, "camera %s granted no capture buffers", name_.c_str());
  }
  const uint32_t nbuf = std::min(req.count, kMaxBuffers);
  for (uint32_t i = 0; i < nbuf; ++i) {
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    b.index = i;
    if (sys_.ioctl(fd, VIDIOC_QUERYBUF, &b) != 0)
      return call_error(errno, name_, "VIDIOC_QUERYBUF");
    void* p = sys_.mmap(nullptr, b.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
                        static_cast<off_t>(b.m.offset));
    if (p == MAP_FAILED) return call_error(errno, name_, "mmap");
    s.maps[s.nmaps++] = {p, b.length};
  }
  for (uint32_t i = 0; i < nbuf; ++i) {
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    b.index = i;
    if (sys_.ioctl(fd, VIDIOC_QBUF, &b) != 0) return call_error(errno, name_, "VIDIOC_QBUF");
  }
  int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  if (sys_.ioctl(fd, VIDIOC_STREAMON, &type) != 0)
    return call_error(errno, name_, "VIDIOC_STREAMON");
  s.streaming = true;

  uint32_t to_drop = config_.warmup_frames, bad = 0, frames = 0;
  for (;;) {
    v4l2_buffer b{};
    b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    b.memory = V4L2_MEMORY_MMAP;
    bool poll_error = false;
    while (sys_.ioctl(fd, VIDIOC_DQBUF, &b) != 0) {
      int err = errno;
      if (err != EAGAIN) return call_error(err, name_, "VIDIOC_DQBUF");
      if (poll_error) {
        return Status::error(Code::kUnavailable, "camera %s stopped delivering frames (poll error)",
                             name_.c_str());
      }
      uint64_t left = deadline.remaining_ms(clock_);
      if (left == 0) {
        return Status::error(Code::kDeadlineExceeded,
                             "camera %s sent no frame in time (%u frames before the deadline)",
                             name_.c_str(), frames);
      }
      pollfd p{fd, POLLIN, 0};
      int r = sys_.poll(&p, 1, static_cast<int>(std::min<uint64_t>(left, kPollSliceMs)));
      if (r < 0 && errno != EINTR) return call_error(errno, name_, "poll");
      if (r > 0 && (p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) poll_error = true;
      b = v4l2_buffer{};
      b.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      b.memory = V4L2_MEMORY_MMAP;
    }
    ++frames;
    if (b.index >= s.nmaps) {
      return Status::error(Code::kIo, "camera %s returned buffer %u of %u", name_.c_str(), b.index,
                           s.nmaps);
    }
    bool corrupt = (b.flags & V4L2_BUF_FLAG_ERROR) != 0;
    if (corrupt && ++bad > kMaxBadFrames) {
      return Status::error(Code::kDataLoss, "camera %s sent %u damaged frames in a row",
                           name_.c_str(), bad);
    }
    if (corrupt || to_drop > 0) {
      if (!corrupt) --to_drop;
      if (sys_.ioctl(fd, VIDIOC_QBUF, &b) != 0) return call_error(errno, name_, "VIDIOC_QBUF");
      continue;
    }
    const Session::Mapping& m = s.maps[b.index];
    if (b.bytesused > m.length) {
      return Status::error(Code::kDataLoss, "camera %s reported %u bytes in a %zu-byte buffer",
                           name_.c_str(), b.bytesused, m.length);
    }
    const uint8_t* p = static_cast<const uint8_t*>(m.addr);
    size_t n = b.bytesused;
    while (n > 0 && p[n - 1] == 0) --n;  // UVC payloads may be zero-padded
    if (n == 0) {
      return Status::error(Code::kDataLoss, "camera %s sent an empty frame", name_.c_str());
    }
    if (n < 4 || p[0] != 0xFF || p[1] != 0xD8) {
      return Status::error(Code::kDataLoss, "camera %s sent a frame that is not a JPEG",
                           name_.c_str());
    }
    if (p[n - 2] != 0xFF || p[n - 1] != 0xD9) {
      return Status::error(Code::kDataLoss,
                           "camera %s sent a truncated JPEG (%zu bytes, no end marker): check "
                           "the USB cable and hub",
                           name_.c_str(), n);
    }
    SPARK_TRY(out.write(ConstBytes(p, n)));
    hal::Capture f;
    f.bytes = n;
    f.format = hal::FrameFormat::kJpeg;
    f.resolution = resolution_;
    return f;
  }
}

std::vector<V4l2DeviceInfo> list_v4l2_cameras(Sys& sys, const char* dev_dir) {
  std::vector<V4l2DeviceInfo> out;
  for (const std::string& path : video_nodes(sys, dev_dir)) {
    V4l2DeviceInfo d;
    d.path = path;
    int fd = sys.open(path.c_str(), O_RDWR | O_NONBLOCK);
    if (fd < 0) {
      d.error = open_error(errno, path).message();
      out.push_back(std::move(d));
      continue;
    }
    v4l2_capability cap{};
    if (sys.ioctl(fd, VIDIOC_QUERYCAP, &cap) != 0) {
      d.error = call_error(errno, path, "VIDIOC_QUERYCAP").message();
    } else {
      d.card = card_text(cap.card, sizeof cap.card);
      d.driver = card_text(cap.driver, sizeof cap.driver);
      d.bus = card_text(cap.bus_info, sizeof cap.bus_info);
      d.capture = can_capture(cap);
    }
    for (uint32_t i = 0; d.capture && i < kMaxFormats; ++i) {
      v4l2_fmtdesc f{};
      f.index = i;
      f.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      if (sys.ioctl(fd, VIDIOC_ENUM_FMT, &f) != 0) break;
      d.formats.push_back(fourcc_text(f.pixelformat) + " (" +
                          card_text(f.description, sizeof f.description) + ")");
      if (!is_mjpeg(f.pixelformat) || !d.mjpeg_sizes.empty()) continue;
      for (uint32_t j = 0; j < kMaxSizes; ++j) {
        v4l2_frmsizeenum fs{};
        fs.index = j;
        fs.pixel_format = f.pixelformat;
        if (sys.ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &fs) != 0) break;
        if (fs.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
          d.mjpeg_sizes.push_back({fs.discrete.width, fs.discrete.height});
        } else {
          d.mjpeg_sizes.push_back({fs.stepwise.min_width, fs.stepwise.min_height});
          d.mjpeg_sizes.push_back({fs.stepwise.max_width, fs.stepwise.max_height});
          break;
        }
      }
    }
    sys.close(fd);
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace spark::platform
