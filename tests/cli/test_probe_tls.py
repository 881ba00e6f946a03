"""spark-edit probe-tls and an edit over https://127.0.0.1 against spark-sim:
TLS 1.3 is negotiated on every connection and the certificate's IP name is
verified. (Resumption is proved by tests/integration/tls_matrix_test.cpp.)"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from test_spark_edit import EDIT, KEY, CliTest, Sim, make_photo


class TestTls13(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="spark-edit-tls.")
        self.sim = Sim(self.tmp)
        self.port = self.sim.api.rsplit(":", 1)[1]

    def tearDown(self):
        self.sim.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def probe(self, url, *extra):
        return subprocess.run([EDIT, "probe-tls", "--ca-file", self.sim.ca, *extra, url],
                              capture_output=True, text=True, timeout=60)

    def test_probe_tls_says_tls_1_3_by_name_and_by_address(self):
        for host in ("localhost", "127.0.0.1"):
            r = self.probe("https://%s:%s" % (host, self.port))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"(?m)^version: +TLSv1\.3$")
            # spark-sim (Python ssl) picks the suite by its own preference.
            self.assertRegex(r.stdout, r"(?m)^suite: +TLS1-3-(AES-128-GCM-SHA256|AES-256-GCM-SHA384|CHACHA20-POLY1305-SHA256)$")
            self.assertRegex(r.stdout, r"(?m)^pin: +sha256/[A-Za-z0-9+/]{43}=$")

    def test_an_edit_over_an_ip_address_runs_on_tls_1_3(self):
        photo = os.path.join(self.tmp, "photo.jpg")
        make_photo(photo)
        env = dict(os.environ, SPARK_API_KEY=KEY)
        r = subprocess.run([EDIT, "--api-base", "https://127.0.0.1:%s" % self.port,
                            "--ca-file", self.sim.ca, "--state-dir", os.path.join(self.tmp, "st"),
                            "--verbose", "-o", os.path.join(self.tmp, "out.jpg"), photo, "sky"],
                           capture_output=True, text=True, env=env, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        # tls.cpp logs each handshake at debug level: "HOST:PORT TLSv1.3 SUITE (resumed) in N ms".
        lines = re.findall(r"127\.0\.0\.1:\d+ (TLSv1\.\d) \S+( \(resumed\))?", r.stderr)
        self.assertTrue(lines, r.stderr)
        self.assertTrue(all(v == "TLSv1.3" for v, _ in lines), lines)
        self.assertEqual(self.sim.count("create"), 1)


class TestTruncation(CliTest):
    def test_a_result_cut_without_close_notify_is_never_kept(self):
        # spark-sim serves the result framed by the close and ends the TCP
        # stream half-way without a TLS close_notify (once): the client must
        # not take the half for the picture; it downloads again.
        out = os.path.join(self.tmp, "out.jpg")
        r = self.edit_with("close-delimited", extra=("-o", out, "--verbose"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("without a TLS close_notify", r.stderr)
        self.assertEqual(self.sim.count("download"), 2)
        with open(out, "rb") as f:
            data = f.read()
        self.assertEqual(data[:2], b"\xff\xd8")
        self.assertEqual(data[-2:], b"\xff\xd9")  # complete: ends with EOI
        self.assertEqual(self.sim.count("create"), 1)


if __name__ == "__main__":
    unittest.main()
