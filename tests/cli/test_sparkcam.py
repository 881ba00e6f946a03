"""sparkcam, the device program, run as a person runs it on a desktop: the
real binary's simulator (--host-sim) against spark-sim over TLS, its camera a
folder of photos, its button the keyboard (a pipe, a tmux terminal, or an X
window under Xvfb driven with xdotool). Also --check-config and --diag.
Run by ctest (host builds) with SPARKCAM and SPARK_SIM set."""
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from test_spark_edit import KEY, Sim, make_photo  # noqa: E402

SPARKCAM = os.environ.get("SPARKCAM", "sparkcam")


def read_png(path):
    """(width, height, rows of RGB bytes) of an 8-bit RGB PNG (no interlace)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype == 2, (depth, ctype)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * 3, [], bytearray(w * 3)
    for y in range(h):
        ft, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows


class Kiosk:
    """sparkcam --host-sim, its keys written to a pipe, its log collected."""

    def __init__(self, test, *extra, headless=True, env=None):
        self.lines, self.test = [], test
        e = dict(os.environ, SPARK_API_KEY=KEY, NO_COLOR="1")
        e.update(env or {})
        cmd = [SPARKCAM, "--host-sim", "--config", test.conf, "--state-dir", test.state,
               "--photos", test.photos, "--screen", test.screen, *extra]
        if headless:
            cmd.append("--headless")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=e, cwd=test.tmp)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def key(self, k):
        self.proc.stdin.write(k.encode())
        self.proc.stdin.flush()

    def wait_for(self, pattern, timeout=60, after=0):
        end = time.time() + timeout
        while time.time() < end:
            for line in self.lines[after:]:
                if re.search(pattern, line):
                    return line
            if self.proc.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        self.test.fail("no log line matching %r within %d s; log:\n%s"
                       % (pattern, timeout, "\n".join(self.lines[-40:])))

    def quit(self):
        if self.proc.poll() is None:
            self.key("q")
        rc = self.proc.wait(60)
        self.reader.join(10)
        return rc

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.reader.join(10)


class KioskTest(unittest.TestCase):
    processing_ms = 1500
    sim_args = ()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sparkcam-test.")
        self.sim = Sim(self.tmp, *self.sim_args, processing_ms=self.processing_ms)
        self.photos = os.path.join(self.tmp, "photos")
        os.mkdir(self.photos)
        make_photo(os.path.join(self.photos, "a.jpg"), 1200, 900)
        self.state = os.path.join(self.tmp, "state")
        self.screen = os.path.join(self.tmp, "screen.png")
        self.conf = os.path.join(self.tmp, "sparkcam.conf")
        self.write_conf()
        self.kiosk = None

    def write_conf(self, extra=""):
        with open(self.conf, "w") as f:
            f.write("[camera]\nkind = dir\ndir = %s\n\n[display]\nkind = none\n\n"
                    "[preset]\nname = Sunset\nprompt = make the sky a sunset orange\n\n"
                    "[preset]\nname = Oil painting\nprompt = repaint as an oil painting\n\n"
                    "[api]\nbase = %s\nca_file = %s\n\n[timings]\nresult_show_s = 30\n%s"
                    % (self.photos, self.sim.api, self.sim.ca, extra))

    def tearDown(self):
        if self.kiosk and self.kiosk.proc.poll() is None:
            self.kiosk.proc.kill()
            self.kiosk.proc.wait(30)
        self.sim.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def results(self):
        d = os.path.join(self.state, "photos")
        return sorted(n for n in os.listdir(d) if ".edited." in n) if os.path.isdir(d) else []


class TestKiosk(KioskTest):
    def test_a_press_edits_the_photo_and_shows_the_result(self):
        k = self.kiosk = Kiosk(self)
        k.wait_for(r"screen: idle, preset 1/2: Sunset")
        k.key(" ")
        k.wait_for(r"screen: capturing")
        k.wait_for(r"screen: uploading")
        k.wait_for(r"screen: editing")
        k.wait_for(r"screen: result .*\.edited\.jpg", timeout=90)
        k.wait_for(r"press to request sent: \d+ ms \(capture \d+ ms, prepare \d+ ms, the rest \d+ ms\)")
        self.assertEqual(k.quit(), 0)
        self.assertEqual(self.sim.count("create"), 1)
        self.assertEqual(len(self.results()), 1)
        with open(os.path.join(self.state, "photos", self.results()[0]), "rb") as f:
            self.assertEqual(f.read(3), b"\xff\xd8\xff")
        w, h, rows = read_png(self.screen)
        self.assertEqual((w, h), (800, 480))
        self.assertTrue(any(line.startswith("I kiosk: stopped after 1 edit(s); peak RSS")
                            for line in k.lines))

    def test_l_goes_to_the_next_preset_and_q_quits(self):
        k = self.kiosk = Kiosk(self)
        k.wait_for(r"screen: idle, preset 1/2")
        k.key("l")
        k.wait_for(r"screen: idle, preset 2/2: Oil painting")
        k.key("l")
        k.wait_for(r"screen: idle, preset 1/2: Sunset", after=len(k.lines) - 1)
        self.assertEqual(k.quit(), 0)
        self.assertEqual(self.sim.count("create"), 0)

    def test_a_press_during_the_edit_cancels_it_without_a_second_create(self):
        k = self.kiosk = Kiosk(self)
        k.wait_for(r"screen: idle")
        k.key(" ")
        k.wait_for(r"screen: editing")
        k.key(" ")
        k.wait_for(r"press during the edit: cancelling it")
        k.wait_for(r"edit cancelled \(its task resumes at the next start\)")
        k.wait_for(r"screen: idle", after=len(k.lines) - 1)
        self.assertEqual(k.quit(), 0)
        self.assertEqual(self.sim.count("create"), 1)
        self.assertEqual(self.results(), [])
        # The next start resumes the paid task and shows its result.
        k = self.kiosk = Kiosk(self)
        k.wait_for(r"resuming 1 unfinished edit")
        k.wait_for(r"screen: result .*\.edited\.jpg", timeout=90)
        self.assertEqual(k.quit(), 0)
        self.assertEqual(self.sim.count("create"), 1)
        self.assertEqual(len(self.results()), 1)

    def test_kill_9_mid_edit_then_restart_resumes_with_one_create(self):
        k = self.kiosk = Kiosk(self)
        k.wait_for(r"screen: idle")
        k.key(" ")
        k.wait_for(r"screen: editing")
        k.kill9()
        self.assertEqual(self.results(), [])
        k = self.kiosk = Kiosk(self)
        k.wait_for(r"resuming 1 unfinished edit")
        k.wait_for(r"screen: result .*\.edited\.jpg", timeout=90)
        self.assertEqual(k.quit(), 0)
        self.assertEqual(self.sim.count("create"), 1)
        self.assertEqual(len(self.results()), 1)

    def test_camera_failure_shows_an_error_and_the_next_press_works(self):
        os.unlink(os.path.join(self.photos, "a.jpg"))
        k = self.kiosk = Kiosk(self)
        k.wait_for(r"screen: idle")
        k.key(" ")
        k.wait_for(r"capture failed")
        k.wait_for(r"screen: error: Camera: ")
        make_photo(os.path.join(self.photos, "b.jpg"), 800, 600)
        k.key(" ")
        k.wait_for(r"screen: result .*\.edited\.jpg", timeout=90)
        self.assertEqual(k.quit(), 0)
        self.assertEqual(self.sim.count("create"), 1)

    def test_sigterm_stops_it_cleanly(self):
        k = self.kiosk = Kiosk(self)
        k.wait_for(r"screen: idle")
        k.proc.send_signal(signal.SIGTERM)
        self.assertEqual(k.proc.wait(30), 0)

    def test_sd_notify_ready_status_and_watchdog(self):
        import socket
        path = os.path.join(self.tmp, "notify.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(path)
        s.settimeout(30)
        k = self.kiosk = Kiosk(self, env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"})
        got = []
        end = time.time() + 30
        while time.time() < end and not (b"READY=1" in got and got.count(b"WATCHDOG=1") >= 3):
            got.append(s.recv(4096))
        k.proc.send_signal(signal.SIGTERM)
        self.assertEqual(k.proc.wait(30), 0)
        while True:
            try:
                s.settimeout(1)
                got.append(s.recv(4096))
            except socket.timeout:
                break
        s.close()
        self.assertIn(b"READY=1", got)
        self.assertIn(b"STATUS=idle, preset 1/2: Sunset", got)
        self.assertGreaterEqual(got.count(b"WATCHDOG=1"), 3)
        self.assertEqual(got[-1], b"STOPPING=1")


class TestConfig(KioskTest):
    def test_check_config_accepts_the_shipped_example(self):
        example = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "sparkcam",
                               "sparkcam.conf.example")
        r = subprocess.run([SPARKCAM, "--check-config", "--config", example],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(": OK: ", r.stdout)

    def test_bad_lines_are_reported_with_their_line_numbers(self):
        with open(self.conf, "w") as f:
            f.write("[camera]\nkind = polaroid\n[display]\nrotation = 45\ncolour = red\n"
                    "[preset]\nname = x\n")
        r = subprocess.run([SPARKCAM, "--check-config", "--config", self.conf],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 2)
        self.assertIn(self.conf + ":2: ", r.stderr)
        self.assertIn(self.conf + ":4: ", r.stderr)
        self.assertIn(self.conf + ":5: ", r.stderr)
        self.assertIn("nothing was started", r.stderr)
        # The program itself refuses the same file the same way.
        r = subprocess.run([SPARKCAM, "--host-sim", "--headless", "--config", self.conf],
                           capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
        self.assertEqual(r.returncode, 2)
        self.assertIn(self.conf + ":2: ", r.stderr)

    def test_diag_checks_every_part_on_one_line_each(self):
        env = dict(os.environ, SPARK_API_KEY=KEY)
        r = subprocess.run([SPARKCAM, "--diag", "--skip-buttons", "--config", self.conf,
                            "--state-dir", self.state], capture_output=True, text=True,
                           timeout=120, env=env)
        out = r.stdout
        self.assertRegex(out, r"(?m)^OK +clock ")
        self.assertRegex(out, r"(?m)^OK +key +present \(not shown\)")
        self.assertRegex(out, r"(?m)^OK +state +.*not made yet.* MB free")
        self.assertRegex(out, r"(?m)^OK +camera +folder .*: JPEG, \d+ KB in \d+ ms")
        self.assertRegex(out, r"(?m)^SKIP +display ")
        self.assertRegex(out, r"(?m)^OK +network +localhost:\d+: TLSv1\.3 ")
        self.assertNotIn(KEY, out + r.stderr)
        # No GPIO chip on this machine: the button check fails with a hint.
        self.assertRegex(out, r"(?m)^FAIL +button +.*-> sparkcam-probe buttons")
        self.assertEqual(r.returncode, 1)

    def test_diag_names_a_network_failure(self):
        with open(self.conf) as f:
            text = f.read()
        with open(self.conf, "w") as f:
            f.write(re.sub(r"base = https://localhost:\d+", "base = https://localhost:1", text))
        env = dict(os.environ, SPARK_API_KEY=KEY)
        r = subprocess.run([SPARKCAM, "--diag", "--skip-buttons", "--config", self.conf,
                            "--state-dir", self.state], capture_output=True, text=True,
                           timeout=120, env=env)
        self.assertRegex(r.stdout, r"(?m)^FAIL +network +localhost:1: .*-> check the network")
        self.assertEqual(r.returncode, 1)


def have(*tools):
    return all(shutil.which(t) for t in tools)


def read_xwd(data):
    """(width, height, pixel(x, y) -> (r, g, b)) of a 24/32-bit ZPixmap xwd dump."""
    hdr = struct.unpack(">25I", data[:100])
    header_size, fmt, depth, w, h = hdr[0], hdr[2], hdr[3], hdr[4], hdr[5]
    byte_order, bpp, bpl, ncolors = hdr[7], hdr[11], hdr[12], hdr[19]
    assert fmt == 2 and bpp == 32, (fmt, bpp)
    base = header_size + ncolors * 12
    fmt_char = "<I" if byte_order == 0 else ">I"

    def pixel(x, y):
        v = struct.unpack_from(fmt_char, data, base + y * bpl + x * 4)[0]
        return ((v >> 16) & 255, (v >> 8) & 255, v & 255)
    return w, h, pixel


@unittest.skipUnless(have("Xvfb", "xdotool", "xwd"), "needs Xvfb, xdotool and xwd (x11-apps)")
class TestWindow(KioskTest):
    def test_the_sdl_window_edits_on_space_and_shows_the_device_frames(self):
        disp = ":%d" % (90 + os.getpid() % 100)
        xvfb = subprocess.Popen(["Xvfb", disp, "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # LeakSanitizer (host builds): the libraries' own process-lifetime
            # allocations are suppressed as in the SDL unit tests.
            supp = os.path.join(os.path.dirname(__file__), "..", "unit", "host", "lsan-sdl.supp")
            env = {"DISPLAY": disp, "SDL_AUDIODRIVER": "dummy",
                   "LSAN_OPTIONS": "suppressions=" + os.path.abspath(supp)}
            for _ in range(100):
                if subprocess.run(["xdotool", "getmouselocation"], env=dict(os.environ, **env),
                                  capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)
            k = self.kiosk = Kiosk(self, headless=False, env=env)
            k.wait_for(r"host-sim: SDL window 800x480")
            k.wait_for(r"screen: idle")
            xenv = dict(os.environ, **env)
            win = ""
            for _ in range(100):
                r = subprocess.run(["xdotool", "search", "--name", "sparkcam"], env=xenv,
                                   capture_output=True, text=True)
                win = r.stdout.split()[0] if r.stdout.split() else ""
                if win:
                    break
                time.sleep(0.1)
            self.assertTrue(win, "no sparkcam window")
            subprocess.run(["xdotool", "windowactivate", "--sync", win], env=xenv,
                           capture_output=True)
            subprocess.run(["xdotool", "key", "--window", win, "space"], env=xenv, check=True)
            k.wait_for(r"screen: result .*\.edited\.jpg", timeout=90)
            time.sleep(1.0)  # one more countdown frame at most; compare what is shown now
            shot = subprocess.run(["xwd", "-id", win, "-silent"], env=xenv, capture_output=True,
                                  check=True).stdout
            w, h, pixel = read_xwd(shot)
            self.assertEqual((w, h), (800, 480))
            pw, ph, rows = read_png(self.screen)
            self.assertEqual((pw, ph), (800, 480))
            # The window shows exactly the device's frame (sampled on a grid;
            # the result countdown's digits may differ by one frame).
            same = total = 0
            for y in range(5, 480, 23):
                for x in range(5, 800, 29):
                    total += 1
                    r0, g0, b0 = rows[y][x * 3:x * 3 + 3]
                    if pixel(x, y) == (r0, g0, b0):
                        same += 1
            self.assertGreater(same / total, 0.97, "%d of %d grid pixels match" % (same, total))
            self.assertEqual(self.sim.count("create"), 1)
            k.proc.send_signal(signal.SIGTERM)
            self.assertEqual(k.proc.wait(30), 0)
        finally:
            xvfb.terminate()
            xvfb.wait(10)


@unittest.skipUnless(have("tmux"), "needs tmux")
class TestTerminal(KioskTest):
    def test_the_terminal_preview_in_tmux_edits_on_space(self):
        sock = os.path.join(self.tmp, "tmux.sock")
        cmd = ("SPARK_API_KEY=%s %s --host-sim --headless --config %s --state-dir %s --photos %s"
               " 2>%s" % (KEY, SPARKCAM, self.conf, self.state, self.photos,
                          os.path.join(self.tmp, "log")))
        tmux = ["tmux", "-S", sock]
        subprocess.run(tmux + ["new-session", "-d", "-x", "100", "-y", "40", "-c", self.tmp,
                               "env -u NO_COLOR TERM=xterm-256color COLORTERM=truecolor " + cmd],
                       check=True)
        try:
            def pane():
                return subprocess.run(tmux + ["capture-pane", "-p", "-e"], capture_output=True,
                                      text=True).stdout

            def wait(pred, what, timeout=90):
                end = time.time() + timeout
                while time.time() < end:
                    p = pane()
                    if pred(p):
                        return p
                    time.sleep(0.2)
                self.fail("%s not seen; pane:\n%s" % (what, pane()))
            p = wait(lambda p: "\u2580" in p, "the half-block preview")
            self.assertIn("38;2;", p)  # 24-bit colour escapes
            subprocess.run(tmux + ["send-keys", "Space"], check=True)
            end = time.time() + 90
            while time.time() < end and not self.results():
                time.sleep(0.2)
            self.assertEqual(len(self.results()), 1)
            subprocess.run(tmux + ["send-keys", "q"], check=True)
            end = time.time() + 30
            while time.time() < end and subprocess.run(
                    tmux + ["has-session"], capture_output=True).returncode == 0:
                time.sleep(0.2)
            with open(os.path.join(self.tmp, "log")) as f:
                log = f.read()
            self.assertIn("screen: result ", log)
            self.assertEqual(self.sim.count("create"), 1)
        finally:
            subprocess.run(tmux + ["kill-server"], capture_output=True)


if __name__ == "__main__":
    unittest.main()
