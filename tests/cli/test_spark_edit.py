"""spark-edit as a person runs it: the real binary against spark-sim over
TLS. Crash safety (kill -9 at each state, then resume), exit codes, --json,
the key file, secrecy of the key, interruption. Run by ctest (host builds)
with SPARK_EDIT (the binary) and SPARK_SIM (the simulator) set."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

EDIT = os.environ["SPARK_EDIT"]
SIM = os.environ["SPARK_SIM"]
KEY = "sim-demo-key"


def make_photo(path, w=640, h=480):
    """A small JPEG made with cjpeg from a generated picture."""
    rows = bytearray()
    for y in range(h):
        for x in range(w):
            rows += bytes((x * 255 // w, y * 255 // h, 128 if x < w // 2 else 40))
    ppm = path + ".ppm"
    with open(ppm, "wb") as f:
        f.write(b"P6 %d %d 255\n" % (w, h) + bytes(rows))
    subprocess.run(["cjpeg", "-quality", "85", "-outfile", path, ppm], check=True)
    os.unlink(ppm)


class Sim:
    def __init__(self, tmp, *args, processing_ms=800):
        self.dir = os.path.join(tmp, "sim")
        self.proc = subprocess.Popen(
            [SIM, "--port", "0", "--state-dir", self.dir, "--processing-ms", str(processing_ms),
             "--max-seconds", "300", "--quiet", "--url-host", "localhost", *args],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("spark-sim ready"), line
        fields = dict(kv.split("=", 1) for kv in line.split()[2:])
        self.api, self.ca, self.control = fields["api"], fields["ca"], fields["control"]

    def count(self, kind):
        path = os.path.join(self.dir, "requests.log")
        if not os.path.exists(path):
            return 0
        with open(path) as f:
            return sum(1 for line in f if json.loads(line)["kind"] == kind)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:  # a loaded machine: say so, don't hang
            print("spark-sim did not stop within 30 s of SIGTERM; killed", flush=True)
            self.proc.kill()
            self.proc.wait(10)


class CliTest(unittest.TestCase):
    sim_args = ()
    processing_ms = 800

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="spark-edit-test.")
        self.sim = Sim(self.tmp, *self.sim_args, processing_ms=self.processing_ms)
        self.photo = os.path.join(self.tmp, "photo.jpg")
        make_photo(self.photo)
        self.state = os.path.join(self.tmp, "state")

    def tearDown(self):
        self.sim.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_edit(self, *args, env=None, key=KEY, timeout=120):
        e = dict(os.environ, SPARK_API_KEY=key) if key else dict(os.environ)
        if not key:
            e.pop("SPARK_API_KEY", None)
        e.update(env or {})
        cmd = [EDIT, "--api-base", self.sim.api, "--ca-file", self.sim.ca, "--state-dir", self.state]
        # Common options go after a subcommand's name.
        if args and args[0] in ("resume", "status", "model-spec"):
            cmd = [EDIT, args[0]] + cmd[1:] + list(args[1:])
        else:
            cmd += list(args)
        return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=timeout)

    def assert_jpeg(self, path):
        with open(path, "rb") as f:
            self.assertEqual(f.read(3), b"\xff\xd8\xff")

    def edit_with(self, *faults, extra=()):
        for f in faults:
            subprocess.run(["curl", "-sS", "--noproxy", "*", "-X", "POST", "-d",
                            json.dumps({"fault": f}), self.sim.control + "/_sim/fault"],
                           check=True, capture_output=True)
        r = self.run_edit(self.photo, "make it red", *extra)
        subprocess.run(["curl", "-sS", "--noproxy", "*", "-X", "DELETE",
                        self.sim.control + "/_sim/fault"], check=True, capture_output=True)
        return r

    def leftovers(self, out):
        d = os.path.dirname(out)
        return [n for n in os.listdir(d) if n.startswith(os.path.basename(out))]


class TestCrashSafety(CliTest):
    """kill -9 at each state, then resume: the result arrives, the simulator
    saw exactly one create, and nothing partial sits under the output name."""

    def crash_then_resume(self, point, resend=False):
        out = os.path.join(self.tmp, "out-%s.jpg" % point)
        r = self.run_edit(self.photo, "make it red", "-o", out, env={"SPARK_EDIT_CRASH_AT": point})
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
        self.assertFalse(os.path.exists(out))
        args = ["resume"] + (["--resend"] if resend else [])
        r = self.run_edit(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_jpeg(out)
        self.assertEqual(self.leftovers(out), [os.path.basename(out)])  # no temp left
        self.assertEqual(self.sim.count("create"), 1)

    def test_after_intent_resume_asks_before_resending(self):
        out = os.path.join(self.tmp, "out.jpg")
        r = self.run_edit(self.photo, "make it red", "-o", out, env={"SPARK_EDIT_CRASH_AT": "intent"})
        self.assertEqual(r.returncode, -signal.SIGKILL)
        held = self.run_edit("resume")
        self.assertEqual(held.returncode, 6)
        self.assertIn("may have been submitted", held.stderr)
        self.assertIn("--resend", held.stderr)
        self.assertEqual(self.sim.count("create"), 0)
        self.crash_then_resume_done = True
        r = self.run_edit("resume", "--resend")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_jpeg(out)
        self.assertEqual(self.sim.count("create"), 1)

    def test_after_create_reply(self):
        self.crash_then_resume("task")

    def test_mid_poll(self):
        self.crash_then_resume("poll")

    def test_mid_download(self):
        self.crash_then_resume("download")

    def test_forget_drops_an_unsent_edit(self):
        r = self.run_edit(self.photo, "x", env={"SPARK_EDIT_CRASH_AT": "intent"})
        self.assertEqual(r.returncode, -signal.SIGKILL)
        r = self.run_edit("resume", "--forget")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("forgot edit", r.stderr)
        r = self.run_edit("resume")
        self.assertIn("nothing to resume", r.stderr)
        self.assertEqual(self.sim.count("create"), 0)


class TestUse(CliTest):
    def test_edit_writes_next_to_the_input_and_never_overwrites(self):
        r = self.run_edit(self.photo, "make it black and white")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = os.path.join(self.tmp, "photo.edited.jpg")
        self.assertEqual(r.stdout.strip(), out)
        self.assert_jpeg(out)
        self.assertIn("state Polling -> Downloading", r.stderr)  # plain log lines off a terminal
        again = self.run_edit(self.photo, "make it black and white")
        self.assertEqual(again.returncode, 3)
        self.assertIn("--force", again.stderr)
        forced = self.run_edit(self.photo, "make it blue", "--force")
        self.assertEqual(forced.returncode, 0, forced.stderr)

    def test_json_is_one_object_with_the_facts(self):
        r = self.run_edit(self.photo, "make it red", "--json", "--scale", "0.8", "--seed", "7")
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        self.assertEqual(o["status"], "completed")
        self.assertEqual(o["exit_code"], 0)
        self.assertEqual(o["cost"], "0.03")
        self.assertEqual(o["creates"], 1)
        self.assertGreaterEqual(o["polls"], 1)
        self.assertTrue(o["output"].endswith("photo.edited.jpg"))
        self.assertEqual(o["prepared"]["width"], 640)
        for k in ("sent", "written", "total"):
            self.assertIn(k, o["timings_ms"])

    def test_status_reports_a_task(self):
        r = self.run_edit(self.photo, "make it red", "--json")
        task = json.loads(r.stdout)["task_id"]
        s = self.run_edit("status", task, "--json")
        self.assertEqual(s.returncode, 0, s.stderr)
        self.assertEqual(json.loads(s.stdout)["status"], "completed")
        text = self.run_edit("status", task)
        self.assertIn("cost: $0.03", text.stdout)

    def test_usage_and_input_errors(self):
        cases = [
            (["--scale", "2", self.photo, "x"], 2, "--scale"),
            ([self.photo, "x" * 801], 2, "at most 800"),
            ([self.photo, ""], 2, "empty"),
            (["--bogus", self.photo, "x"], 2, "unknown option"),
            ([self.photo], 2, "usage"),
            ([os.path.join(self.tmp, "missing.jpg"), "x"], 3, "missing.jpg"),
        ]
        text = os.path.join(self.tmp, "notes.jpg")
        with open(text, "w") as f:
            f.write("not a picture at all")
        cases.append(([text, "x"], 3, "not a JPEG or PNG"))
        for args, code, words in cases:
            with self.subTest(args=args[:2]):
                r = self.run_edit(*args)
                self.assertEqual(r.returncode, code, r.stderr)
                self.assertIn(words, r.stderr)
        self.assertEqual(self.sim.count("create"), 0)

    def test_key_file_must_be_private_and_the_key_is_never_printed(self):
        key_file = os.path.join(self.tmp, "key")
        with open(key_file, "w") as f:
            f.write(KEY + "\n")
        os.chmod(key_file, 0o644)
        r = self.run_edit("--key-file", key_file, self.photo, "x", key=None)
        self.assertEqual(r.returncode, 4)
        self.assertIn("chmod 600", r.stderr)
        os.chmod(key_file, 0o600)
        r = self.run_edit("--key-file", key_file, "--verbose", self.photo, "x", key=None)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(KEY, r.stderr + r.stdout)
        none = self.run_edit(self.photo, "x", "-o", os.path.join(self.tmp, "n.jpg"), key=None)
        self.assertEqual(none.returncode, 4)
        self.assertIn("SPARK_API_KEY", none.stderr)

    def test_a_wrong_key_exits_4(self):
        r = self.run_edit(self.photo, "x", key="wrong-key")
        self.assertEqual(r.returncode, 4)
        self.assertIn("check the API key", r.stderr)
        self.assertNotIn("wrong-key", r.stderr)


class TestInterrupt(CliTest):
    processing_ms = 4000

    def test_ctrl_c_while_waiting_leaves_a_resumable_task(self):
        e = dict(os.environ, SPARK_API_KEY=KEY)
        p = subprocess.Popen([EDIT, "--api-base", self.sim.api, "--ca-file", self.sim.ca,
                              "--state-dir", self.state, self.photo, "make it red"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
        deadline = time.time() + 30
        while self.sim.count("create") == 0 and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 6, err)
        self.assertIn("cancelled", err)
        self.assertIn("spark-edit resume", err)
        r = self.run_edit("resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.sim.count("create"), 1)


class TestServiceFaults(CliTest):
    def test_exit_codes_follow_the_error_class(self):
        r = self.edit_with("task-fail:3007003")
        self.assertEqual(r.returncode, 5, r.stderr)
        r = self.edit_with("task-fail:3007096", extra=("-o", os.path.join(self.tmp, "b.jpg")))
        self.assertEqual(r.returncode, 7, r.stderr)
        r = self.edit_with("create-status:502", extra=("-o", os.path.join(self.tmp, "c.jpg")))
        self.assertEqual(r.returncode, 6, r.stderr)
        self.assertIn("may have been submitted", r.stderr)
        r = self.edit_with("wrong-host-cert", extra=("-o", os.path.join(self.tmp, "d.jpg")))
        self.assertEqual(r.returncode, 6, r.stderr)
        self.assertIn("host name mismatch", r.stderr)

    def test_a_stuck_task_ends_at_the_timeout_with_its_id(self):
        r = self.edit_with("stuck", extra=("--timeout", "3", "--json"))
        self.assertEqual(r.returncode, 6, r.stderr)
        o = json.loads(r.stdout)
        self.assertTrue(o["resumable"])
        self.assertIn(o["task_id"], o["error"])
        self.assertEqual(self.sim.count("create"), 1)


class TestContract(CliTest):
    """What each reply shape of issue 12 leads to, as a person sees it."""

    def test_create_200_with_an_error_exits_by_its_code_and_leaves_nothing_to_resume(self):
        r = self.edit_with("create-200-error:3007003", extra=("--json",))
        self.assertEqual(r.returncode, 5, r.stderr)
        o = json.loads(r.stdout)
        self.assertFalse(o["may_have_been_submitted"])
        self.assertFalse(o["resumable"])
        self.assertIn("invalid image format", o["error"])
        self.assertNotIn("may have been submitted", r.stderr)
        self.assertIn("nothing to resume", self.run_edit("resume").stderr)

    def test_a_poll_404_forgets_the_task(self):
        r = self.edit_with("poll-unknown")
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("does not know this task", r.stderr)
        self.assertIn("forgotten", r.stderr)
        self.assertNotIn("spark-edit resume", r.stderr)
        self.assertIn("nothing to resume", self.run_edit("resume").stderr)

    def test_a_create_answered_504_with_3007099_is_not_resent(self):
        r = self.edit_with("create-status:504")
        self.assertEqual(r.returncode, 6, r.stderr)
        self.assertIn("may have been submitted", r.stderr)
        self.assertIn("3007099", r.stderr)
        self.assertEqual(self.sim.count("create"), 1)

    def test_a_create_reply_completed_without_output_is_polled(self):
        r = self.edit_with("create-completed-no-output", extra=("--json",))
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        self.assertEqual((o["creates"], self.sim.count("create")), (1, 1))
        self.assertGreaterEqual(o["polls"], 1)

    def test_a_png_result_gets_a_png_name(self):
        r = self.edit_with("result-png", extra=("--json",))
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        out = os.path.join(self.tmp, "photo.edited.png")
        self.assertEqual((o["output"], o["format"]), (out, "png"))
        with open(out, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "photo.edited.jpg")))

    def test_a_png_result_under_a_chosen_jpg_name_is_kept_with_a_warning(self):
        out = os.path.join(self.tmp, "mine.jpg")
        r = self.edit_with("result-png", extra=("-o", out))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), out)
        self.assertIn("the result is a PNG", r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")

    def test_a_size_mismatch_keeps_a_complete_result(self):
        r = self.edit_with("size-mismatch:100")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("it is a complete JPEG, kept", r.stderr)
        self.assert_jpeg(os.path.join(self.tmp, "photo.edited.jpg"))

    def test_image_url_uploads_nothing(self):
        first = json.loads(self.run_edit(self.photo, "make it red", "--json").stdout)
        url = first["url"]
        e = dict(os.environ, SPARK_API_KEY=KEY)
        r = subprocess.run([EDIT, "--api-base", self.sim.api, "--ca-file", self.sim.ca,
                            "--state-dir", self.state, "--json", "--image-url", url,
                            "make it black and white"],
                           capture_output=True, text=True, env=e, cwd=self.tmp, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        stem = url.rsplit("/", 1)[1].split(".")[0]
        self.assertEqual(o["output"], os.path.join(self.tmp, stem + ".edited.jpg"))
        self.assertNotIn("prepared", o)
        self.assertEqual(self.sim.count("create"), 2)
        for bad, words in (("http://localhost/a.jpg", "https://"), ("https://h/a b.jpg", "space")):
            with self.subTest(url=bad):
                r = self.run_edit("--image-url", bad, "x")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(words, r.stderr)
        r = self.run_edit("--image-url", url, self.photo, "x")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(self.sim.count("create"), 2)

    def test_a_damaged_photo_is_refused_unless_allowed(self):
        cut = os.path.join(self.tmp, "cut.jpg")
        with open(self.photo, "rb") as f, open(cut, "wb") as g:
            g.write(f.read()[:4000])
        r = self.run_edit(cut, "make it red")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("damaged", r.stderr)
        self.assertIn("--allow-damaged", r.stderr)
        self.assertEqual(self.sim.count("create"), 0)
        r = self.run_edit(cut, "make it red", "--allow-damaged")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.sim.count("create"), 1)
        # prepare sends nothing: it still writes the file, flagged.
        out = os.path.join(self.tmp, "prepared.jpg")
        p = subprocess.run([EDIT, "prepare", cut, out], capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("DAMAGED INPUT", p.stdout)
        self.assert_jpeg(out)
        p = subprocess.run([EDIT, "prepare", cut, out + "2", "--json"], capture_output=True,
                           text=True, timeout=60)
        self.assertTrue(json.loads(p.stdout)["output"]["damaged"])

    def test_a_ratio_over_3_is_cropped_and_said(self):
        wide = os.path.join(self.tmp, "wide.jpg")
        make_photo(wide, 1000, 300)
        r = self.run_edit(wide, "make it red", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        o = json.loads(r.stdout)
        self.assertTrue(o["cropped"])
        self.assertEqual(o["crop"], {"x": 50, "y": 0, "width": 900, "height": 300})
        self.assertIn("cropped", r.stderr)
        plain = json.loads(self.run_edit(self.photo, "make it red", "--json").stdout)
        self.assertFalse(plain["cropped"])
        self.assertNotIn("crop", plain)


class TestDiscovery(CliTest):
    """--discover: the model spec (served by spark-sim) decides the endpoint
    and limits; cached with its age; unreachable -> built-in, said once; a
    spec naming another host is refused."""

    def add_fault(self, f):
        subprocess.run(["curl", "-sS", "--noproxy", "*", "-X", "POST", "-d",
                        json.dumps({"fault": f}), self.sim.control + "/_sim/fault"],
                       check=True, capture_output=True)

    def discover(self, *args, env=None):
        return self.run_edit("--discover", "--models-url", self.sim.api, *args, env=env)

    def test_the_spec_is_used_and_cached(self):
        self.add_fault("spec-prompt-max:10")
        r = self.discover(self.photo, "a prompt of more than ten characters")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("allows at most 10", r.stderr)
        self.assertEqual(self.sim.count("create"), 0)
        self.assertEqual(self.sim.count("spec"), 1)
        cache = os.path.join(self.state, "model-spec.json")
        with open(cache) as f:
            self.assertIn("fetched_at", json.load(f))
        r = self.discover(self.photo, "go red", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("from the cache", r.stderr)
        self.assertEqual(self.sim.count("spec"), 1)  # the cache answered
        s = self.run_edit("model-spec", "--models-url", self.sim.api, "--json")
        self.assertEqual(s.returncode, 0, s.stderr)
        o = json.loads(s.stdout)
        self.assertEqual((o["source"], o["prompt_max"]), ("cache", 10))
        self.assertEqual(o["endpoint"], self.sim.api + "/model/v1/generation")
        self.assertGreaterEqual(o["age_s"], 0)
        # SPARK_DISCOVER=1 is the switch without the option.
        r = self.run_edit("--models-url", self.sim.api, self.photo, "a prompt of more than ten",
                          "-o", os.path.join(self.tmp, "x.jpg"), env={"SPARK_DISCOVER": "1"})
        self.assertEqual(r.returncode, 3, r.stderr)

    def test_without_discover_no_spec_is_asked(self):
        r = self.run_edit(self.photo, "make it red")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.sim.count("spec"), 0)

    def test_an_unreachable_spec_service_falls_back_to_built_in_values_said_once(self):
        self.add_fault("spec-status:503")
        r = self.discover(self.photo, "make it red")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.count("model spec unreachable"), 1, r.stderr)
        self.assertIn("built-in", r.stderr)
        self.assertEqual(self.sim.count("create"), 1)

    def test_a_spec_naming_another_host_is_refused(self):
        self.add_fault("spec-foreign-host")
        s = self.run_edit("model-spec", "--models-url", self.sim.api)
        self.assertEqual(s.returncode, 1, s.stderr)
        self.assertIn("evil.example", s.stderr)
        self.assertIn("refused", s.stderr)
        r = self.discover(self.photo, "make it red")
        self.assertEqual(r.returncode, 0, r.stderr)  # built-in endpoint: the sim itself
        self.assertIn("refused", r.stderr)
        self.assertEqual(self.sim.count("create"), 1)
        self.assertFalse(os.path.exists(os.path.join(self.state, "model-spec.json")))


if __name__ == "__main__":
    unittest.main()
