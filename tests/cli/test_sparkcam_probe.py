"""sparkcam-probe run as an integrator would, on this machine (no /dev/video*):
the camera listing, and captures from a folder and from a command, end to end."""
import glob
import os
import shutil
import subprocess
import tempfile
import unittest

PROBE = os.environ.get("SPARKCAM_PROBE", "sparkcam-probe")


def make_jpeg(path, w=160, h=120, shade=0):
    rows = bytearray()
    for y in range(h):
        for x in range(w):
            rows += bytes(((x * 255 // w + shade) % 256, y * 255 // h, 90))
    ppm = path + ".ppm"
    with open(ppm, "wb") as f:
        f.write(b"P6 %d %d 255\n" % (w, h) + bytes(rows))
    subprocess.run(["cjpeg", "-quality", "85", "-outfile", path, ppm], check=True)
    os.unlink(ppm)
    with open(path, "rb") as f:
        return f.read()


class ProbeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sparkcam-probe-test.")
        self.out = os.path.join(self.tmp, "out", "frame.jpg")
        os.mkdir(os.path.dirname(self.out))

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def probe(self, *args, timeout=60):
        return subprocess.run([PROBE, *args], capture_output=True, text=True, timeout=timeout)

    def leftovers(self):
        return sorted(os.listdir(os.path.dirname(self.out)))

    def read_out(self):
        with open(self.out, "rb") as f:
            return f.read()


class TestCameras(ProbeTest):
    def test_no_cameras_is_said_plainly_with_exit_code_3(self):
        if glob.glob("/dev/video*"):
            self.skipTest("this machine has /dev/video* devices")
        r = self.probe("cameras")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("no cameras found: there is no /dev/video* device", r.stdout)
        self.assertIn("--command 'rpicam-still -n -t 1 -e jpg -o -'", r.stdout)

    def test_capture_without_a_source_and_no_cameras_fails_as_not_found(self):
        if glob.glob("/dev/video*"):
            self.skipTest("this machine has /dev/video* devices")
        r = self.probe("capture", self.out)
        self.assertEqual(r.returncode, 3)
        self.assertIn("no cameras found", r.stderr)
        self.assertEqual(self.leftovers(), [])

    def test_missing_device_path_is_not_found(self):
        r = self.probe("capture", self.out, "--device", "/dev/video-sparkcam-none")
        self.assertEqual(r.returncode, 3)
        self.assertIn("camera /dev/video-sparkcam-none not found", r.stderr)
        self.assertEqual(self.leftovers(), [])

    def test_help_and_usage(self):
        for args in (["--help"], ["cameras", "--help"], ["capture", "--help"]):
            r = self.probe(*args)
            self.assertEqual(r.returncode, 0, args)
            self.assertIn("usage: sparkcam-probe", r.stdout)
        self.assertIn("--max-size WxH", self.probe("capture", "--help").stdout)
        self.assertEqual(self.probe().returncode, 2)
        self.assertEqual(self.probe("frobnicate").returncode, 2)
        r = self.probe("capture", self.out, "--dir", self.tmp, "--command", "true")
        self.assertEqual(r.returncode, 2)
        self.assertIn("give one of --device, --command, --dir", r.stderr)
        r = self.probe("capture", self.out, "--max-size", "1920")
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad value for --max-size: '1920'", r.stderr)


class TestCapture(ProbeTest):
    def test_dir_copies_the_newest_picture_atomically(self):
        pics = os.path.join(self.tmp, "pics")
        os.mkdir(pics)
        old = make_jpeg(os.path.join(pics, "a.jpg"), shade=0)
        new = make_jpeg(os.path.join(pics, "b.jpg"), shade=100)
        os.utime(os.path.join(pics, "a.jpg"), (1700000000, 1700000000))
        os.utime(os.path.join(pics, "b.jpg"), (1700000500, 1700000500))
        r = self.probe("capture", self.out, "--dir", pics)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read_out(), new)
        self.assertNotEqual(old, new)
        self.assertRegex(r.stdout, r"^wrote %s: %d bytes, JPEG, from folder %s \(directory\) in \d+ ms\n$"
                         % (self.out, len(new), pics))
        self.assertEqual(self.leftovers(), ["frame.jpg"])
        r = self.probe("capture", self.out, "--dir", pics, "--pick", "next")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read_out(), old)  # first by name

    def test_dir_empty_or_missing_is_not_found_and_leaves_nothing(self):
        empty = os.path.join(self.tmp, "empty")
        os.mkdir(empty)
        r = self.probe("capture", self.out, "--dir", empty)
        self.assertEqual(r.returncode, 3)
        self.assertIn("no pictures (.jpg, .jpeg, .png) in folder " + empty, r.stderr)
        r = self.probe("capture", self.out, "--dir", os.path.join(self.tmp, "nope"))
        self.assertEqual(r.returncode, 3)
        self.assertIn("does not exist", r.stderr)
        self.assertEqual(self.leftovers(), [])

    def test_command_output_becomes_the_file(self):
        src = os.path.join(self.tmp, "a photo.jpg")
        jpeg = make_jpeg(src)
        r = self.probe("capture", self.out, "--command", "cat '%s'" % src)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read_out(), jpeg)
        self.assertIn("from cat (command)", r.stdout)

    def test_failing_command_keeps_the_old_file_and_shows_its_errors(self):
        with open(self.out, "wb") as f:
            f.write(b"previous picture")
        r = self.probe("capture", self.out, "--command",
                       "sh -c 'echo \"ERROR: *** no cameras available ***\" >&2; exit 1'")
        self.assertEqual(r.returncode, 1)
        self.assertIn("sh failed with exit status 1: ERROR: *** no cameras available ***", r.stderr)
        self.assertIn("--- end of sh's error output ---", r.stderr)
        self.assertEqual(self.read_out(), b"previous picture")
        self.assertEqual(self.leftovers(), ["frame.jpg"])

    def test_command_past_the_timeout_is_stopped(self):
        r = self.probe("capture", self.out, "--command", "sleep 30", "--timeout", "0.5", timeout=20)
        self.assertEqual(r.returncode, 1)
        self.assertIn("sleep gave no picture in time", r.stderr)
        self.assertEqual(self.leftovers(), [])

    def test_command_not_installed_is_not_found(self):
        r = self.probe("capture", self.out, "--command", "rpicam-still-missing -n -t 1 -e jpg -o -")
        self.assertEqual(r.returncode, 3)
        self.assertIn("'rpicam-still-missing' not found", r.stderr)


if __name__ == "__main__":
    unittest.main()
