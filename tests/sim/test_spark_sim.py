"""Tests of tools/spark-sim: the Spark Edit contract (PROTOCOL.md), the edited
result, every fault, the request log and the test CA.

Run: python3 -m unittest -v test_spark_sim (from tests/sim), or through ctest.
Every class starts its own simulator on ephemeral ports with its own state
dir, so classes run in parallel. TLS is always verified against the sim's CA.
"""
import base64
import http.client
import json
import os
import re
import select
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SIM = os.environ.get("SPARK_SIM") or os.path.join(ROOT, "tools", "spark-sim", "spark-sim")
README = os.path.join(os.path.dirname(SIM), "README.md")
KEY = "sim-demo-key"
CREATE = "/model/v1/generation"


# --- test pictures (made here; no binary files in the repository) -------------

def ppm(w, h, pixel):
    rows = (bytes(c for x in range(w) for c in pixel(x, y)) for y in range(h))
    return b"P6\n%d %d\n255\n" % (w, h) + b"".join(rows)


def make_jpeg(w=640, h=480):
    """A colourful gradient JPEG."""
    data = ppm(w, h, lambda x, y: (x * 255 // w, y * 255 // h, 128))
    return subprocess.run(["cjpeg", "-quality", "90"], input=data, capture_output=True,
                          check=True).stdout


def make_png(w=200, h=150):
    """An RGB PNG whose rows use every filter type (0..4)."""
    raw = b""
    for y in range(h):
        raw += bytes([y % 5]) + bytes(c for x in range(w) for c in (x % 256, y % 256, 60))
    # Any bytes are valid under any filter type, so declaring filter y % 5 on
    # plain rows makes the decoder run every predictor; the picture is whatever results.
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data)))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def flat_jpeg(w, h):
    """A real, decodable JPEG of one colour (fast at any size)."""
    return subprocess.run(["cjpeg", "-quality", "50"], input=b"P6\n%d %d\n255\n" % (w, h)
                          + b"\x80" * (w * h * 3), capture_output=True, check=True).stdout


def padded_jpeg(total):
    """JPEG exactly `total` bytes long: APP15 segments of filler after SOI
    (decoders skip them), so the picture still decodes."""
    base = make_jpeg(64, 48)
    room = total - len(base)
    segs = []
    while room > 0:
        n = min(room, 65535 + 2)
        if room - n in (1, 2, 3):  # leave room for a whole segment header
            n -= 4
        segs.append(b"\xff\xef" + struct.pack(">H", n - 2) + b"\0" * (n - 4))
        room -= n
    data = base[:2] + b"".join(segs) + base[2:]
    assert len(data) == total, (len(data), total)
    return data


def fake_jpeg(w, h, pad=0):
    """Only the headers the service reads: SOI, an APP0 and an SOF0 with w x h."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, h, w, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + sof + b"\x00" * pad + b"\xff\xd9"


def jpeg_dims(data):
    """Width and height from the SOF of a JPEG (independent of the sim's parser)."""
    i = 2
    while True:
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5:i + 9])
            return w, h
        i += 2 + length


def rgb_pixels(jpeg):
    out = subprocess.run(["djpeg", "-rgb"], input=jpeg, capture_output=True, check=True).stdout
    m = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", out)
    return out[m.end():]


def mean(pixels, channel):
    data = pixels[channel::3]
    return sum(data) / len(data)


JPEG = make_jpeg()


# --- the simulator under test -------------------------------------------------

class Sim:
    """A spark-sim process on ephemeral ports, with helpers for its three origins."""

    def __init__(self, *args, state_dir=None, host="127.0.0.1"):
        self.own_dir = state_dir is None
        self.state_dir = state_dir or tempfile.mkdtemp(prefix="spark-sim-test-")
        self.stderr = open(os.path.join(self.state_dir, "stderr.txt"), "ab")
        self.proc = subprocess.Popen(
            [sys.executable, SIM, "--host", host, "--port", "0", "--state-dir", self.state_dir,
             "--quiet", "--max-seconds", "600", *args],
            stdout=subprocess.PIPE, stderr=self.stderr)
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        line = self.proc.stdout.readline().decode() if ready else ""
        if not line.startswith("spark-sim ready "):
            self.stop()
            raise RuntimeError("spark-sim did not start: %r %s" % (line, self.stderr_text()))
        self.ready_line = line
        self.info = dict(kv.split("=", 1) for kv in line.split()[2:])
        self.ca = self.info["ca"]
        self.ctx = ssl.create_default_context(cafile=self.ca)  # verification on
        self.api = urllib.parse.urlsplit(self.info["api"])
        self.cdn = urllib.parse.urlsplit(self.info["cdn"])
        self.control_url = urllib.parse.urlsplit(self.info["control"])

    def stderr_text(self):
        with open(os.path.join(self.state_dir, "stderr.txt")) as f:
            return f.read()

    def stop(self, remove=True):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:  # a loaded machine: say so, don't hang
                sys.stderr.write("spark-sim did not stop within 30 s of SIGTERM; killed\n")
                self.proc.kill()
                self.proc.wait(10)
        self.proc.stdout.close()
        self.stderr.close()
        if remove and self.own_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    # connections and requests

    def conn(self, origin=None, timeout=15):
        o = origin or self.api
        return http.client.HTTPSConnection(o.hostname, o.port, context=self.ctx, timeout=timeout)

    def request(self, method, path, body=None, key=KEY, headers=None, conn=None):
        """(status, headers, body bytes) of one API request."""
        c = conn or self.conn()
        h = {"Accept": "application/json"}
        if key is not None:
            h["Authorization"] = "Bearer " + key
        if body is not None:
            h["Content-Type"] = "application/json"
            if not isinstance(body, bytes):
                body = json.dumps(body).encode()
        h.update(headers or {})
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, r, r.read()
        finally:
            if conn is None:
                c.close()

    def create(self, prompt="make it red", image=JPEG, shape="wrapped", extra=None, **kw):
        params = {"prompt": prompt, "binary_data_base64": [base64.b64encode(image).decode()]}
        params.update(extra or {})
        if shape == "flat":
            body = dict(params, model="spark_edit_3_0")
        else:
            body = {"model": "spark_edit_3_0", "input": [{"params": params}]}
        return self.request("POST", CREATE, body, **kw)

    def create_ok(self, *args, **kw):
        status, _, data = self.create(*args, **kw)
        assert status == 200, (status, data)
        return json.loads(data)["id"]

    def poll(self, task_id, **kw):
        return self.request("GET", CREATE + "/task/" + task_id, **kw)

    def poll_json(self, task_id):
        status, _, data = self.poll(task_id)
        assert status == 200, (status, data)
        return json.loads(data)

    def wait_done(self, task_id, limit=30):
        deadline = time.time() + limit
        while time.time() < deadline:
            task = self.poll_json(task_id)
            if task["status"] != "in_progress":
                return task
            time.sleep(0.05)
        raise AssertionError("task %s never finished" % task_id)

    def download(self, url):
        u = urllib.parse.urlsplit(url)
        c = self.conn(u)
        try:
            c.request("GET", u.path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def control(self, method, path, obj=None):
        c = http.client.HTTPConnection(self.control_url.hostname, self.control_url.port, timeout=10)
        c.request(method, path, body=None if obj is None else json.dumps(obj))
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def fault(self, spec):
        status, data = self.control("POST", "/_sim/fault", {"fault": spec})
        assert status == 200, data
        return json.loads(data)

    def log(self):
        status, data = self.control("GET", "/_sim/log")
        assert status == 200
        return [json.loads(line) for line in data.decode().splitlines()]


class SimTest(unittest.TestCase):
    sim_args = ("--processing-ms", "0")

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(*cls.sim_args)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.assertEqual(self.sim.control("POST", "/_sim/reset")[0], 200)

    def assertError(self, reply, status, code):
        got_status, _, data = reply
        self.assertEqual(got_status, status, data)
        body = json.loads(data)
        self.assertEqual(body["error"]["code"], str(code), body)  # a string, as the page types it
        self.assertTrue(body["error"]["error_message"])
        return body


# --- validation ---------------------------------------------------------------

class TestValidation(SimTest):
    def wrapped(self, params, model="spark_edit_3_0"):
        return self.sim.request("POST", CREATE, {"model": model, "input": [{"params": params}]})

    def b64(self, data=JPEG):
        return [base64.b64encode(data).decode()]

    def test_both_body_shapes_are_accepted(self):
        for shape in ("wrapped", "flat"):
            status, _, data = self.sim.create(shape=shape)
            self.assertEqual(status, 200, data)
            body = json.loads(data)
            self.assertRegex(body["id"], r"^[a-z0-9]{20}$")
            self.assertEqual(body["status"], "in_progress")
            self.assertEqual(body["model"], "spark_edit_3_0")
            self.assertIsInstance(body["created_at"], int)

    def test_3007001_missing_prompt(self):
        self.assertError(self.wrapped({"binary_data_base64": self.b64()}), 400, 3007001)
        self.assertError(self.wrapped({"prompt": "", "binary_data_base64": self.b64()}), 400, 3007001)
        for blank in (" ", " \t\r\n ", "\u3000"):  # white space only is a missing prompt too
            with self.subTest(prompt=blank):
                self.assertError(self.sim.create(prompt=blank), 400, 3007001)

    def test_3007002_missing_image(self):
        self.assertError(self.wrapped({"prompt": "x"}), 400, 3007002)

    def test_3007003_invalid_image_format(self):
        self.assertError(self.sim.create(image=b"GIF89a" + b"\0" * 100), 400, 3007003)
        self.assertError(self.sim.create(image=b"\xff\xd8\xff\xda\0\0"), 400, 3007003)  # no SOF

    def test_3007003_payload_that_does_not_decode(self):
        # Headers fine, picture not: refused at create, not as a failed task later.
        cases = {"truncated jpeg": JPEG[: len(JPEG) // 2],
                 "headers only": fake_jpeg(640, 480),
                 "png bad crc": make_png()[:-5] + b"\0" + make_png()[-4:],
                 "png truncated": make_png()[:200]}
        for name, data in cases.items():
            with self.subTest(name):
                body = self.assertError(self.sim.create(image=data), 400, 3007003)
                self.assertIn("decode", body["error"]["error_message"])
        self.assertEqual([e["kind"] for e in self.sim.log() if e["task"]], [])

    def test_3007004_invalid_prompt_length(self):
        self.assertEqual(self.sim.create(prompt="é" * 800)[0], 200)  # code points, not bytes
        self.assertError(self.sim.create(prompt="é" * 801), 400, 3007004)

    def test_3007005_invalid_image_size(self):
        big = fake_jpeg(1000, 800, pad=5 * 1024 * 1024)
        self.assertError(self.sim.create(image=big), 400, 3007005)
        self.assertError(self.sim.create(image=fake_jpeg(4097, 2000)), 400, 3007005)
        self.assertError(self.sim.create(image=fake_jpeg(1000, 333)), 400, 3007005)  # ratio 3.003
        png = make_png()
        tall = png[:16] + struct.pack(">II", 100, 301) + png[24:]  # IHDR says 100x301
        self.assertError(self.sim.create(image=tall), 400, 3007005)

    def test_size_limits_are_inclusive(self):
        self.assertEqual(self.sim.create(image=flat_jpeg(4096, 4096))[0], 200)
        self.assertEqual(self.sim.create(image=flat_jpeg(900, 300))[0], 200)

    def test_5_mb_is_5000000_bytes(self):
        # The page's "Maximum 5 MB", read as decimal megabytes.
        self.assertEqual(self.sim.create(image=padded_jpeg(5_000_000))[0], 200)
        body = self.assertError(self.sim.create(image=padded_jpeg(5_000_001)), 400, 3007005)
        self.assertIn("5000001 bytes (max 5000000)", body["error"]["error_message"])

    def test_3007006_invalid_parameter(self):
        for extra in ({"scale": 1.5}, {"scale": -0.1}, {"scale": "0.5"}, {"seed": "7"},
                      {"seed": 1.5}, {"seed": True}, {"seed": -2}, {"image_urls": ["https://x.example/a.jpg"]}):
            with self.subTest(extra=extra):
                self.assertError(self.sim.create(extra=extra), 400, 3007006)
        self.assertEqual(self.sim.create(extra={"scale": 1, "seed": 42})[0], 200)
        self.assertError(self.wrapped({"prompt": "x", "binary_data_base64": self.b64()},
                                      model="other"), 400, 3007006)
        self.assertError(self.sim.request("POST", CREATE, b"{not json"), 400, 3007006)

    def test_3007007_authentication_failed(self):
        for key in (None, "wrong-key"):
            with self.subTest(key=key):
                reply = self.sim.create(key=key)
                body = self.assertError(reply, 401, 3007007)
                self.assertEqual(body["error"]["error_message"], "authentication failed")
                self.assertError(self.sim.poll("a" * 20, key=key), 401, 3007007)

    def test_3007008_invalid_image_array(self):
        for arr in ([], [base64.b64encode(JPEG).decode()] * 2, "not-a-list"):
            with self.subTest(n=len(arr)):
                self.assertError(self.wrapped({"prompt": "x", "binary_data_base64": arr}),
                                 400, 3007008)
        self.assertError(self.wrapped({"prompt": "x", "image_urls": []}), 400, 3007008)

    def test_3007009_invalid_image_element(self):
        good = base64.b64encode(JPEG).decode()
        for item in ("***", good[:-1], "data:image/jpeg;base64," + good,
                     good[:76] + "\n" + good[76:], 7):
            with self.subTest(item=str(item)[:30]):
                self.assertError(self.wrapped({"prompt": "x", "binary_data_base64": [item]}),
                                 400, 3007009)
        for url in ("http://127.0.0.1:%d/results/%s.jpeg" % (self.sim.cdn.port, "a" * 20),
                    "https://example.com/photo.jpg",
                    "https://127.0.0.1:%d/results/%s.jpeg" % (self.sim.cdn.port, "a" * 20)):
            with self.subTest(url=url):
                self.assertError(self.wrapped({"prompt": "x", "image_urls": [url]}), 400, 3007009)

    def test_oversized_body_is_413(self):
        body = b'{"prompt":"' + b"a" * (8 * 1024 * 1024 + 1) + b'"}'
        self.assertError(self.sim.request("POST", CREATE, body), 413, 3007005)

    def test_unknown_task_is_404(self):
        self.assertError(self.sim.poll("z" * 20), 404, 3007006)

    def test_png_input_is_accepted(self):
        self.assertEqual(self.sim.create(image=make_png())[0], 200)


class TestKeys(unittest.TestCase):
    def test_key_file_and_key(self):
        d = tempfile.mkdtemp(prefix="spark-sim-test-")
        with open(os.path.join(d, "keys"), "w") as f:
            f.write("# test keys\nfile-key\n\n")
        sim = Sim("--key-file", os.path.join(d, "keys"), "--key", "arg-key")
        try:
            for key in ("file-key", "arg-key"):
                self.assertEqual(sim.create(key=key)[0], 200)
            self.assertEqual(sim.create(key=KEY)[0], 401)  # no demo key once keys are given
            self.assertEqual(sim.create(key="# test keys")[0], 401)
        finally:
            sim.stop()
            shutil.rmtree(d)


# --- the full cycle and the edited result --------------------------------------

class TestCycle(SimTest):
    sim_args = ("--processing-ms", "400")

    def test_create_poll_download(self):
        conn = self.sim.conn()  # one kept-alive connection for every poll
        status, _, data = self.sim.create(prompt="make it red", conn=conn)
        self.assertEqual(status, 200)
        task_id = json.loads(data)["id"]
        seen = []
        while True:
            task = json.loads(self.sim.poll(task_id, conn=conn)[2])
            seen.append(task)
            if task["status"] != "in_progress":
                break
            self.assertTrue(0 <= task["progress"] < 1)
            time.sleep(0.05)
        conn.close()
        self.assertGreater(len(seen), 2)
        progress = [t["progress"] for t in seen]
        self.assertEqual(progress, sorted(progress))
        self.assertEqual(task["status"], "completed")
        self.assertEqual(task["progress"], 1)
        self.assertEqual(task["usage"]["cost"], "0.03")
        item = task["output"][0]["content"][0]
        self.assertEqual(item["type"], "image")
        url = urllib.parse.urlsplit(item["url"])
        self.assertEqual((url.scheme, url.port), ("https", self.sim.cdn.port))
        self.assertNotEqual(url.port, self.sim.api.port)  # a second origin
        status, jpeg = self.sim.download(item["url"])  # no Authorization header
        self.assertEqual(status, 200)
        self.assertEqual(item["size"], len(jpeg))
        self.assertEqual(jpeg_dims(jpeg), (1536, 1152))  # 640x480 -> long side 1536

    def test_output_size_rule(self):
        # From the aspect ratio only, never the input's own size: long side
        # 1536, the short one by the ratio (ratio <= 3 keeps it >= 512).
        for (w, h), want in (((480, 1200), (614, 1536)), ((2048, 1536), (1536, 1152)),
                             ((1000, 1000), (1536, 1536)), ((320, 240), (1536, 1152)),
                             ((900, 300), (1536, 512))):
            with self.subTest(size=(w, h)):
                task = self.sim.wait_done(self.sim.create_ok(image=make_jpeg(w, h)))
                _, jpeg = self.sim.download(task["output"][0]["content"][0]["url"])
                ow, oh = jpeg_dims(jpeg)
                self.assertEqual((ow, oh), want)
                self.assertTrue(512 <= ow <= 1536 and 512 <= oh <= 1536)
                self.assertAlmostEqual(ow / oh, w / h, delta=0.01)

    def result(self, prompt, image=JPEG):
        task = self.sim.wait_done(self.sim.create_ok(prompt=prompt, image=image))
        self.assertEqual(task["status"], "completed", task)
        return rgb_pixels(self.sim.download(task["output"][0]["content"][0]["url"])[1])

    def test_black_and_white_gives_gray(self):
        px = self.result("make it black and white")
        self.assertEqual(px[0::3], px[1::3])
        self.assertEqual(px[1::3], px[2::3])

    def test_colour_word_tints_toward_it(self):
        src = rgb_pixels(JPEG)
        red, blue = self.result("change the sky to red"), self.result("make it blue")
        self.assertGreater(mean(red, 0), mean(src, 0) + 20)
        self.assertGreater(mean(blue, 2), mean(src, 2) + 20)
        self.assertLess(mean(blue, 0), mean(src, 0) - 20)

    def test_other_prompt_warms(self):
        src, out = rgb_pixels(JPEG), self.result("add a rainbow")
        self.assertGreater(mean(out, 0) - mean(out, 2), mean(src, 0) - mean(src, 2) + 20)

    def test_png_input_is_edited(self):
        px = self.result("make it black and white", image=make_png())
        self.assertEqual(px[0::3], px[2::3])

    def test_image_url_of_own_cdn(self):
        first = self.sim.wait_done(self.sim.create_ok())
        url = first["output"][0]["content"][0]["url"]
        status, _, data = self.sim.request("POST", CREATE, {
            "model": "spark_edit_3_0",
            "input": [{"params": {"prompt": "make it black and white", "image_urls": [url]}}]})
        self.assertEqual(status, 200, data)
        self.assertEqual(self.sim.wait_done(json.loads(data)["id"])["status"], "completed")

    def test_chunked_request_body(self):
        body = json.dumps({"model": "spark_edit_3_0", "input": [{"params": {
            "prompt": "x", "binary_data_base64": [base64.b64encode(JPEG).decode()]}}]}).encode()
        c = self.sim.conn()
        c.request("POST", CREATE, body=iter([body[:1000], body[1000:]]),
                  headers={"Authorization": "Bearer " + KEY, "Content-Type": "application/json"},
                  encode_chunked=True)
        r = c.getresponse()
        self.assertEqual(r.status, 200, r.read())
        c.close()


class TestRestart(unittest.TestCase):
    def test_restarted_sim_still_answers_polls(self):
        state = tempfile.mkdtemp(prefix="spark-sim-test-")
        try:
            sim = Sim("--processing-ms", "200", state_dir=state)
            task_id = sim.create_ok()
            sim.wait_done(task_id)
            sim.stop(remove=False)
            self.assertFalse(os.path.exists(os.path.join(state, "ready.json")))
            sim = Sim("--processing-ms", "200", state_dir=state)
            task = sim.poll_json(task_id)
            self.assertEqual(task["status"], "completed")
            status, _ = sim.download(task["output"][0]["content"][0]["url"])  # new CDN port
            self.assertEqual(status, 200)
            with open(os.path.join(state, "ready.json")) as f:
                self.assertEqual(json.load(f)["api_port"], sim.api.port)
            creates = [e for e in sim.log() if e["kind"] == "create"]
            self.assertEqual([e["task"] for e in creates], [task_id])  # no duplicate create
            sim.stop(remove=False)
        finally:
            shutil.rmtree(state)


# --- faults -------------------------------------------------------------------

TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


class TestStatusFaults(SimTest):
    def test_rate_limit(self):
        self.sim.fault("rate-limit")
        status, r, _ = self.sim.create()
        self.assertEqual((status, r.getheader("Retry-After")), (429, "1"))
        self.assertEqual(self.sim.create()[0], 200)
        self.sim.fault("rate-limit:poll")
        task_id = self.sim.create_ok()
        self.assertEqual(self.sim.poll(task_id)[0], 429)
        self.assertEqual(self.sim.poll(task_id)[0], 200)
        log = self.sim.log()
        self.assertEqual([(e["status"], e["fault"]) for e in log][0], (429, "rate-limit"))
        self.assertIsNone(log[0]["task"])

    def test_create_status_without_task(self):
        for code in (500, 503):
            with self.subTest(code=code):
                self.sim.control("POST", "/_sim/reset")
                self.sim.fault("create-status:%d" % code)
                self.assertEqual(self.sim.create()[0], code)
                self.assertEqual(self.sim.create()[0], 200)
                self.assertIsNone(self.sim.log()[0]["task"])

    def test_rate_limit_retry_after_value(self):
        self.sim.fault("rate-limit:999999:create")
        status, r, _ = self.sim.create()
        self.assertEqual((status, r.getheader("Retry-After")), (429, "999999"))

    def test_create_status_codes_in_the_body(self):
        for status, code in ((500, 3007095), (502, 3007097), (503, 3007099), (504, 3007099)):
            with self.subTest(status=status):
                self.sim.fault("create-status:%d" % status)
                self.assertError(self.sim.create(), status, code)

    def test_create_status_lost_reply_creates_task(self):
        for code in (502, 504):
            with self.subTest(code=code):
                self.sim.control("POST", "/_sim/reset")
                self.sim.fault("create-status:%d" % code)
                self.assertEqual(self.sim.create()[0], code)
                entry = self.sim.log()[0]
                self.assertEqual((entry["status"], entry["fault"]), (code, "create-status"))
                self.assertEqual(self.sim.poll_json(entry["task"])["status"], "completed")

    def test_counts_and_always(self):
        self.sim.fault("create-status:503:2")
        self.assertEqual([self.sim.create()[0] for _ in range(3)], [503, 503, 200])
        self.sim.fault("create-status:500:always")
        self.assertEqual([self.sim.create()[0] for _ in range(3)], [500, 500, 500])
        self.assertEqual(self.sim.control("DELETE", "/_sim/fault")[0], 200)
        self.assertEqual(self.sim.create()[0], 200)

    def test_poll_status(self):
        task_id = self.sim.create_ok()
        for code in (500, 502, 503, 504):
            with self.subTest(code=code):
                self.sim.fault("poll-status:%d" % code)
                self.assertEqual(self.sim.poll(task_id)[0], code)
                self.assertEqual(self.sim.poll(task_id)[0], 200)

    def test_latency(self):
        self.sim.fault("latency:300:poll")
        task_id = self.sim.create_ok()
        t = time.time()
        self.assertEqual(self.sim.poll(task_id)[0], 200)
        self.assertGreaterEqual(time.time() - t, 0.3)

    def test_task_fail(self):
        self.sim.fault("task-fail:3007003:1")
        task = self.sim.wait_done(self.sim.create_ok())
        self.assertEqual(task["status"], "failed")
        self.assertEqual(task["error"], {"code": "3007003", "error_message": "invalid image format"})
        self.assertEqual(task["usage"]["cost"], "")
        self.assertEqual(self.sim.wait_done(self.sim.create_ok())["status"], "completed")

    def test_stuck(self):
        self.sim.fault("stuck:1")
        task_id = self.sim.create_ok()
        for _ in range(3):
            task = self.sim.poll_json(task_id)
            self.assertEqual(task["status"], "in_progress")
            self.assertLessEqual(task["progress"], 0.9)

    def test_instant(self):
        self.sim.fault("instant")
        status, _, data = self.sim.create()
        task = json.loads(data)
        self.assertEqual((status, task["status"]), (200, "completed"))
        self.assertTrue(task["output"][0]["content"][0]["url"])


class TestShapeFaults(SimTest):
    def test_error_shapes(self):
        cases = {
            "error_message": {"error": {"code": "3007007", "error_message": "authentication failed"}},
            "message": {"error": {"code": "3007007", "message": "authentication failed"}},
            "string": {"error": "authentication failed"},
            "status": {"status": {"code": "3007007", "message": "authentication failed"}, "data": None},
            "bare": {"message": "authentication failed"},
        }
        for shape, want in cases.items():
            with self.subTest(shape=shape):
                self.sim.fault("error-shape:%s:1" % shape)
                status, _, data = self.sim.create(key="bad")
                self.assertEqual((status, json.loads(data)), (401, want))

    def test_failed_task_error_shapes(self):
        for shape, want in (("message", {"code": "3007005", "message": "invalid image size"}),
                            ("string", "invalid image size")):
            with self.subTest(shape=shape):
                self.sim.fault("task-fail:3007005:1")
                task_id = self.sim.create_ok()
                self.sim.fault("error-shape:%s:1" % shape)
                self.assertEqual(self.sim.poll_json(task_id)["error"], want)

    def test_codes_are_strings_unless_numeric_codes(self):
        status, _, data = self.sim.create(key="bad")
        self.assertEqual(json.loads(data)["error"]["code"], "3007007")
        self.sim.fault("task-fail:3007099:1")
        self.assertEqual(self.sim.wait_done(self.sim.create_ok())["error"]["code"], "3007099")
        self.sim.fault("numeric-codes")
        status, _, data = self.sim.create(key="bad")
        self.assertEqual(json.loads(data)["error"]["code"], 3007007)
        self.sim.fault("task-fail:3007099:1")
        self.assertEqual(self.sim.wait_done(self.sim.create_ok())["error"]["code"], 3007099)

    def test_size_as_string(self):
        self.sim.fault("size-as-string")
        size = self.sim.wait_done(self.sim.create_ok())["output"][0]["content"][0]["size"]
        self.assertIsInstance(size, str)
        self.assertTrue(size.isdigit())

    def test_result_404(self):
        url = self.sim.wait_done(self.sim.create_ok())["output"][0]["content"][0]["url"]
        self.sim.fault("result-404")
        self.assertEqual(self.sim.download(url)[0], 404)
        self.sim.control("DELETE", "/_sim/fault")
        self.assertEqual(self.sim.download(url)[0], 200)

    def test_result_expired_after_first_fetch(self):
        self.sim.fault("result-expired")
        url = self.sim.wait_done(self.sim.create_ok())["output"][0]["content"][0]["url"]
        self.assertEqual([self.sim.download(url)[0] for _ in range(2)], [200, 410])

    def test_result_expired_after_time(self):
        self.sim.fault("result-expired:150")
        url = self.sim.wait_done(self.sim.create_ok())["output"][0]["content"][0]["url"]
        time.sleep(0.3)
        self.assertEqual(self.sim.download(url)[0], 410)


class TestContractFaults(SimTest):
    """The reply shapes a client must survive (issue 12) and the model spec."""

    def url_of(self, task):
        return task["output"][0]["content"][0]["url"]

    def test_create_200_error_has_no_id_and_creates_nothing(self):
        self.sim.fault("create-200-error:3007003")
        status, _, data = self.sim.create()
        self.assertEqual((status, json.loads(data)),
                         (200, {"error": {"code": "3007003", "error_message": "invalid image format"}}))
        self.assertIsNone(self.sim.log()[0]["task"])
        self.assertEqual(self.sim.create()[0], 200)  # once by default

    def test_create_completed_without_output(self):
        self.sim.fault("create-completed-no-output")
        status, _, data = self.sim.create()
        reply = json.loads(data)
        self.assertEqual((status, reply["status"]), (200, "completed"))
        self.assertNotIn("output", reply)
        task = self.sim.wait_done(reply["id"])  # the task exists and completes
        self.assertEqual(task["status"], "completed")
        self.assertEqual(self.sim.download(self.url_of(task))[0], 200)

    def test_poll_unknown_is_404_with_a_code(self):
        task_id = self.sim.create_ok()
        self.sim.fault("poll-unknown")
        self.assertError(self.sim.poll(task_id), 404, 3007006)
        self.assertEqual(self.sim.poll(task_id)[0], 200)

    def test_result_png(self):
        self.sim.fault("result-png")
        task = self.sim.wait_done(self.sim.create_ok())
        status, data = self.sim.download(self.url_of(task))
        self.assertEqual(status, 200)
        self.assertTrue(data.startswith(b"\x89PNG\r\n\x1a\n"), data[:8])
        self.assertTrue(data.endswith(b"IEND\xaeB`\x82"))
        self.assertEqual(task["output"][0]["content"][0]["size"], len(data))
        w, h = struct.unpack(">II", data[16:24])
        self.assertEqual((w, h), (1536, 1152))

    def test_size_mismatch(self):
        self.sim.fault("size-mismatch:250")
        task = self.sim.wait_done(self.sim.create_ok())
        _, data = self.sim.download(self.url_of(task))
        self.assertEqual(task["output"][0]["content"][0]["size"], len(data) + 250)

    def test_close_delimited_cuts_without_close_notify(self):
        task = self.sim.wait_done(self.sim.create_ok())
        _, whole = self.sim.download(self.url_of(task))
        self.sim.fault("close-delimited")
        self.assertNotIn("size", self.sim.poll_json(task["id"])["output"][0]["content"][0])
        u = urllib.parse.urlsplit(self.url_of(task))
        raw = socket.create_connection((u.hostname, u.port), timeout=15)
        tls = self.sim.ctx.wrap_socket(raw, server_hostname=u.hostname, suppress_ragged_eofs=False)
        tls.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (u.path.encode(), u.hostname.encode()))
        got = b""
        with self.assertRaises(ssl.SSLEOFError):  # EOF without close_notify
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                got += chunk
        tls.close()
        head, _, body = got.partition(b"\r\n\r\n")
        self.assertNotIn(b"content-length", head.lower())
        self.assertIn(b"connection: close", head.lower())
        self.assertEqual(body, whole[: len(whole) // 2])

    def test_model_spec_matches_what_is_enforced(self):
        status, _, data = self.sim.request("GET", "/api/v1/skill/models/spark_edit_3_0/spec", key=None)
        self.assertEqual(status, 200, data)
        spec = json.loads(data)
        self.assertEqual(spec["status"]["code"], 200)
        api = spec["data"]["api"]
        self.assertEqual((api["endpoint"], api["method"]), (self.sim.info["api"] + CREATE, "POST"))
        params = {p["name"]: p for p in spec["data"]["parameters"]}
        self.assertTrue(params["prompt"]["required"])
        limit = params["prompt"]["constraints"]["max_length"]
        self.assertEqual(self.sim.create(prompt="x" * limit)[0], 200)
        self.assertError(self.sim.create(prompt="x" * (limit + 1)), 400, 3007004)
        scale = params["scale"]["constraints"]
        self.assertEqual(self.sim.create(extra={"scale": scale["max"]})[0], 200)
        self.assertError(self.sim.create(extra={"scale": scale["max"] + 0.01}), 400, 3007006)
        self.assertError(self.sim.create(extra={"scale": scale["min"] - 0.01}), 400, 3007006)
        seed = params["seed"]["constraints"]
        self.assertEqual(self.sim.create(extra={"seed": seed["min"]})[0], 200)
        self.assertError(self.sim.create(extra={"seed": seed["min"] - 1}), 400, 3007006)
        self.assertEqual(params["binary_data_base64"]["constraints"]["max_items"], 1)

    def test_model_spec_faults(self):
        self.sim.fault("spec-foreign-host")
        _, _, data = self.sim.request("GET", "/api/v1/skill/models/spark_edit_3_0/spec")
        self.assertTrue(json.loads(data)["data"]["api"]["endpoint"].startswith("https://evil.example:"))
        self.sim.control("DELETE", "/_sim/fault")
        self.sim.fault("spec-status:503")
        self.assertEqual(self.sim.request("GET", "/api/v1/skill/models/spark_edit_3_0/spec")[0], 503)


class TestTransportFaults(SimTest):
    def expect_transport_error(self, fn):
        with self.assertRaises(TRANSPORT_ERRORS):
            fn()

    def test_reset_before_body(self):
        self.sim.fault("reset-before-body:create")
        self.expect_transport_error(self.sim.create)
        entry = self.sim.log()[0]
        self.assertEqual((entry["kind"], entry["task"], entry["status"], entry["fault"]),
                         ("create", None, None, "reset-before-body"))
        task_id = self.sim.create_ok()
        self.sim.fault("reset-before-body:poll")
        self.expect_transport_error(lambda: self.sim.poll(task_id))
        self.assertEqual(self.sim.poll(task_id)[0], 200)

    def test_reset_during_body(self):
        self.sim.fault("reset-during-body")
        self.expect_transport_error(self.sim.create)
        self.assertEqual([(e["task"], e["fault"]) for e in self.sim.log()],
                         [(None, "reset-during-body")])

    def test_reset_after_body_creates_the_task(self):
        self.sim.fault("reset-after-body")
        self.expect_transport_error(self.sim.create)
        entry = self.sim.log()[0]
        self.assertEqual((entry["status"], entry["fault"]), (None, "reset-after-body"))
        self.assertEqual(self.sim.poll_json(entry["task"])["status"], "completed")

    def test_drip(self):
        task_id = self.sim.create_ok()
        self.sim.fault("drip:2:poll:1")
        t = time.time()
        status, r, data = self.sim.poll(task_id)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(data)["status"], "completed")
        self.assertGreater(time.time() - t, len(data) * 0.002)

    def test_malformed_json(self):
        self.sim.fault("malformed-json:create")
        status, r, data = self.sim.create()
        self.assertEqual(status, 200)
        self.assertEqual(int(r.getheader("Content-Length")), len(data))
        with self.assertRaises(ValueError):
            json.loads(data)

    def test_truncated_body(self):
        task_id = self.sim.create_ok()
        self.sim.fault("truncated-body:poll")
        self.expect_transport_error(lambda: self.sim.poll(task_id))
        self.assertEqual(self.sim.poll(task_id)[0], 200)

    def test_chunked_reply(self):
        task_id = self.sim.create_ok()
        self.sim.fault("chunked:poll:1")
        status, r, data = self.sim.poll(task_id)
        self.assertEqual(r.getheader("Transfer-Encoding"), "chunked")
        self.assertIsNone(r.getheader("Content-Length"))
        self.assertEqual(json.loads(data)["id"], task_id)

    def test_wrong_host_cert(self):
        url = self.sim.wait_done(self.sim.create_ok())["output"][0]["content"][0]["url"]
        self.sim.fault("wrong-host-cert:api:1")
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.sim.create()
        self.assertEqual(self.sim.create()[0], 200)
        self.sim.fault("wrong-host-cert:cdn:1")
        with self.assertRaises(ssl.SSLCertVerificationError):
            self.sim.download(url)
        self.assertEqual(self.sim.download(url)[0], 200)


# --- control port, log, startup -------------------------------------------------

class TestControlAndLog(SimTest):
    def test_request_log(self):
        t0 = time.time()
        task_id = self.sim.create_ok()
        self.sim.poll(task_id)
        task = self.sim.poll_json(task_id)
        self.sim.download(task["output"][0]["content"][0]["url"])
        self.sim.create(prompt="")
        log = self.sim.log()
        self.assertEqual([(e["kind"], e["status"]) for e in log],
                         [("create", 200), ("poll", 200), ("poll", 200), ("download", 200),
                          ("create", 400)])
        self.assertEqual(log[4]["code"], 3007001)
        self.assertEqual({e["task"] for e in log[:4]}, {task_id})
        self.assertTrue(all(t0 <= e["t"] <= time.time() for e in log))
        with open(os.path.join(self.sim.state_dir, "requests.log")) as f:
            self.assertEqual([json.loads(line) for line in f], log)

    def test_fault_endpoints(self):
        self.assertEqual(self.sim.fault("latency:10")["faults"][0]["name"], "latency")
        self.assertEqual(self.sim.control("POST", "/_sim/fault", {"fault": "nope"})[0], 400)
        self.assertEqual(self.sim.control("POST", "/_sim/fault", {"fault": "create-status:404"})[0],
                         400)
        status, data = self.sim.control("GET", "/_sim/fault")
        self.assertEqual([f["fault"] for f in json.loads(data)["faults"]], ["latency:10"])
        self.sim.control("DELETE", "/_sim/fault")
        self.assertEqual(json.loads(self.sim.control("GET", "/_sim/fault")[1])["faults"], [])

    def test_reset(self):
        task_id = self.sim.create_ok()
        self.sim.fault("rate-limit:always")
        self.sim.control("POST", "/_sim/reset")
        self.assertEqual(self.sim.log(), [])
        self.assertEqual(self.sim.poll(task_id)[0], 404)
        self.assertEqual(self.sim.create()[0], 200)

    def test_ready_line_and_file(self):
        self.assertRegex(self.sim.ready_line, r"^spark-sim ready api=https://127\.0\.0\.1:\d+ "
                         r"cdn=https://127\.0\.0\.1:\d+ control=http://127\.0\.0\.1:\d+ ca=/\S+\n$")
        with open(os.path.join(self.sim.state_dir, "ready.json")) as f:
            ready = json.load(f)
        self.assertEqual(ready, json.loads(self.sim.control("GET", "/_sim/ready")[1]))
        self.assertEqual((ready["api"], ready["cdn"], ready["control"], ready["ca"]),
                         (self.sim.info["api"], self.sim.info["cdn"], self.sim.info["control"],
                          self.sim.ca))
        self.assertEqual(len({ready["api_port"], ready["cdn_port"], ready["control_port"]}), 3)

    def test_faults_from_the_command_line(self):
        sim = Sim("--fault", "create-status:503", "--fault", "numeric-codes")
        try:
            status, _, data = sim.create()
            self.assertEqual((status, json.loads(data)["error"]["code"]), (503, 3007099))
            self.assertEqual(sim.create()[0], 200)
        finally:
            sim.stop()

    def test_bad_options_are_refused(self):
        for args in (["--fault", "nope"], ["--host", "10.1.2.3"], ["--fault", "latency"]):
            with self.subTest(args=args):
                p = subprocess.run([sys.executable, SIM, "--port", "0", *args],
                                   capture_output=True, text=True, timeout=30)
                self.assertEqual(p.returncode, 2, p.stderr)

    def test_help_documents_every_option_and_fault(self):
        from_help = subprocess.run([sys.executable, SIM, "--help"], capture_output=True,
                                   text=True, check=True).stdout
        with open(README) as f:
            readme = f.read()
        options = re.findall(r"--[a-z][a-z-]+", from_help.split("options:")[1].split("\n\n")[0])
        faults = re.findall(r"^  ([a-z0-9-]+)[:\[]", from_help.split("Faults")[1], re.M)
        self.assertGreater(len(faults), 18)
        for word in set(options + faults + ["/_sim/fault", "/_sim/log", "/_sim/reset"]):
            with self.subTest(word=word):
                self.assertIn(word, from_help)
                self.assertIn(word, readme)


class TestCertificates(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sim = Sim()
        cls.tls = os.path.join(cls.sim.state_dir, "tls")

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def openssl(self, *args):
        return subprocess.run(["openssl", *args], capture_output=True, text=True)

    def test_files_and_modes(self):
        self.assertEqual(self.sim.ca, os.path.join(self.tls, "ca.pem"))
        for name, mode in (("ca.pem", 0o644), ("ca.key", 0o600), ("server.pem", 0o644),
                           ("server.key", 0o600), ("wrong-host.pem", 0o644),
                           ("wrong-host.key", 0o600)):
            with self.subTest(name=name):
                self.assertEqual(os.stat(os.path.join(self.tls, name)).st_mode & 0o777, mode)

    def test_certs_verify_against_the_ca(self):
        for name in ("server.pem", "wrong-host.pem"):
            p = self.openssl("verify", "-CAfile", self.sim.ca, os.path.join(self.tls, name))
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_server_names(self):
        san = self.openssl("x509", "-in", os.path.join(self.tls, "server.pem"), "-noout",
                           "-ext", "subjectAltName").stdout
        for name in ("DNS:localhost", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1"):
            self.assertIn(name, san)
        wrong = self.openssl("x509", "-in", os.path.join(self.tls, "wrong-host.pem"), "-noout",
                             "-ext", "subjectAltName").stdout
        self.assertIn("DNS:wrong.example", wrong)
        self.assertNotIn("127.0.0.1", wrong)

    def test_localhost_name_and_tls12(self):
        ctx = ssl.create_default_context(cafile=self.sim.ca)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # what mbedTLS 2.28 speaks
        with socket.create_connection(("127.0.0.1", self.sim.api.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                self.assertEqual(tls.version(), "TLSv1.2")
                self.assertRegex(tls.cipher()[0], r"^ECDHE-ECDSA-AES\d+-GCM")

    def test_reused_on_restart(self):
        with open(self.sim.ca, "rb") as f:
            before = f.read()
        again = Sim(state_dir=self.sim.state_dir)
        try:
            self.assertEqual(again.ca, self.sim.ca)
            with open(again.ca, "rb") as f:
                self.assertEqual(f.read(), before)
            self.assertNotIn("created a test CA", again.stderr_text().split("\n", 1)[-1])
        finally:
            again.stop()

    def test_ipv6_loopback(self):
        try:
            with socket.socket(socket.AF_INET6) as s:
                s.bind(("::1", 0))
        except OSError:
            self.skipTest("no IPv6 loopback here")
        sim = Sim("--processing-ms", "0", host="::1")
        try:
            self.assertTrue(sim.info["api"].startswith("https://[::1]:"))
            task = sim.wait_done(sim.create_ok())
            self.assertEqual(sim.download(task["output"][0]["content"][0]["url"])[0], 200)
        finally:
            sim.stop()


class TestReadmeCurlCycle(unittest.TestCase):
    """The README's create -> poll -> download commands, run as written."""

    def test_curl_cycle(self):
        with open(README) as f:
            text = f.read()
        script = re.search(r"<!-- curl-cycle -->\s*```sh\n(.*?)```", text, re.S).group(1)
        sim = Sim("--processing-ms", "1500")
        work = tempfile.mkdtemp(prefix="spark-sim-curl-")
        try:
            with open(os.path.join(work, "photo.jpg"), "wb") as f:
                f.write(JPEG)
            env = dict(os.environ, S=sim.state_dir)
            p = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work, env=env,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            with open(os.path.join(work, "result.jpeg"), "rb") as f:
                px = rgb_pixels(f.read())
            self.assertEqual(px[0::3], px[1::3])  # the README asks for black and white
            kinds = [e["kind"] for e in sim.log()]
            self.assertEqual((kinds[0], kinds[-1]), ("create", "download"))
            self.assertGreaterEqual(kinds.count("poll"), 2)
        finally:
            sim.stop()
            shutil.rmtree(work)


if __name__ == "__main__":
    unittest.main()
