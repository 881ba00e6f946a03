"""issue 12, security: spark-edit as a person runs it, against spark-sim and
(for reply texts spark-sim does not send) real nginx serving canned replies
from tests/integration/netfix.py. The state directory and journal are
trusted only as app/state_dir.h allows; server texts are redacted and cut
on character boundaries before they reach stderr or --json."""
import json
import os
import signal
import subprocess
import unittest

from test_spark_edit import EDIT, KEY, CliTest

NETFIX = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration", "netfix.py")
CHINESE = "图片格式无效"  # the service's "invalid image format"


def env_without(*names, **extra):
    e = dict(os.environ)
    for n in names:
        e.pop(n, None)
    e.update(extra)
    return e


class TestStateTrust(CliTest):
    def edit_no_state_flag(self, env, *args):
        cmd = [EDIT, "--api-base", self.sim.api, "--ca-file", self.sim.ca, *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)

    def test_without_home_or_a_state_dir_it_refuses_to_run(self):
        fallback = "/tmp/.local/state/sparkcam"
        existed = os.path.exists(fallback)
        env = env_without("HOME", "SPARK_STATE_DIR", "STATE_DIRECTORY", SPARK_API_KEY=KEY)
        r = self.edit_no_state_flag(env, self.photo, "make it red")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("no state directory", r.stderr)
        self.assertIn("--state-dir", r.stderr)
        self.assertEqual(os.path.exists(fallback), existed)
        self.assertEqual(self.sim.count("create"), 0)

    def test_systemd_state_directory_is_used_first_entry_first(self):
        first, second = os.path.join(self.tmp, "sd1"), os.path.join(self.tmp, "sd2")
        env = env_without("HOME", "SPARK_STATE_DIR", SPARK_API_KEY=KEY,
                          STATE_DIRECTORY=first + ":" + second, SPARK_EDIT_CRASH_AT="task")
        r = self.edit_no_state_flag(env, self.photo, "make it red")
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
        self.assertTrue(any(n.startswith("job-") for n in os.listdir(os.path.join(first, "journal"))))
        self.assertFalse(os.path.exists(second))
        self.assertEqual(os.stat(first).st_mode & 0o777, 0o700)

    def test_a_state_dir_others_can_write_or_a_symlink_is_refused(self):
        os.makedirs(self.state)
        os.chmod(self.state, 0o777)
        r = self.run_edit(self.photo, "make it red")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("chmod 700 " + self.state, r.stderr)
        os.chmod(self.state, 0o700)
        link = os.path.join(self.tmp, "link")
        os.symlink(self.state, link)
        e = dict(os.environ, SPARK_API_KEY=KEY)
        r = subprocess.run([EDIT, "--api-base", self.sim.api, "--ca-file", self.sim.ca,
                            "--state-dir", link, self.photo, "x"],
                           capture_output=True, text=True, env=e, timeout=120)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("symbolic link", r.stderr)
        self.assertEqual(self.sim.count("create"), 0)

    def planted(self, **fields):
        """An edit crashed right after its task id was journalled, then its
        record rewritten with fields (as an attacker with write access to a
        careless state directory would)."""
        out = os.path.join(self.tmp, "out.jpg")
        r = self.run_edit(self.photo, "make it red", "-o", out, env={"SPARK_EDIT_CRASH_AT": "task"})
        self.assertEqual(r.returncode, -signal.SIGKILL, r.stderr)
        jdir = os.path.join(self.state, "journal")
        name = [n for n in os.listdir(jdir) if n.startswith("job-")][0]
        with open(os.path.join(jdir, name)) as f:
            rec = json.load(f)
        rec.update(fields)
        with open(os.path.join(jdir, name), "w") as f:
            json.dump(rec, f)
        return rec["job_id"]

    def test_a_planted_output_path_is_refused_not_written(self):
        victim = os.path.join(self.tmp, "victim.txt")
        with open(victim, "w") as f:
            f.write("precious")
        os.makedirs(os.path.join(self.tmp, "sub"))
        job = self.planted(output_path=os.path.join(self.tmp, "sub", "..", "victim.txt"))
        r = self.run_edit("resume")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("refused", r.stderr)
        self.assertIn("output path", r.stderr)
        self.assertIn("resume %s --forget" % job, r.stderr)
        with open(victim) as f:
            self.assertEqual(f.read(), "precious")
        self.assertEqual(self.sim.count("download"), 0)

    def test_a_planted_image_path_is_never_unlinked_or_sent(self):
        victim = os.path.join(self.tmp, "victim.jpg")
        with open(self.photo, "rb") as src, open(victim, "wb") as dst:
            dst.write(src.read())
        self.planted(image_path=victim)
        r = self.run_edit("resume", "--resend")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("prepared image", r.stderr)
        self.assertTrue(os.path.exists(victim))
        r = self.run_edit("resume", "--forget")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("forgot edit", r.stderr)
        self.assertTrue(os.path.exists(victim))
        self.assertEqual(self.sim.count("create"), 1)


    def test_a_planted_task_id_is_never_put_in_a_url(self):
        job = self.planted(task_id="../../../admin?x=")
        for args in (("status", job), ("resume", job)):
            r = self.run_edit(*args)
            self.assertEqual(r.returncode, 3, r.stderr)
            self.assertIn("task id", r.stderr)
        self.assertEqual(self.sim.count("poll"), 0)


class CannedApi:
    """nginx (netfix.py) serving files as the API: GET .../task/ID answers
    whatever JSON the test wrote for ID."""

    def __init__(self, tmp):
        self.pki = os.path.join(tmp, "pki")
        self.proc = subprocess.Popen(["python3", NETFIX, "serve", self.pki, "nginx"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().split()
        assert first[0] == "DIR", first
        self.www = os.path.join(first[1], "www")
        self.port = int(self.proc.stdout.readline())
        self.base = "https://localhost:%d" % self.port
        self.ca = os.path.join(self.pki, "ca.pem")

    def task(self, task_id, reply):
        d = os.path.join(self.www, "model", "v1", "generation", "task")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, task_id), "w", encoding="utf-8") as f:
            json.dump(reply, f, ensure_ascii=False)

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(20)


class TestServerTexts(CliTest):
    """What the service says reaches the person whole or cut between
    characters, and never with the key in it."""

    def setUp(self):
        super().setUp()
        self.api = CannedApi(self.tmp)

    def tearDown(self):
        self.api.stop()
        super().tearDown()

    def run_api(self, *args, key=KEY):
        e = dict(os.environ, SPARK_API_KEY=key)
        cmd = [EDIT, args[0], "--api-base", self.api.base, "--ca-file", self.api.ca,
               "--state-dir", self.state, *args[1:]]
        return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=120)

    def failed_task(self, task_id, message):
        self.api.task(task_id, {"id": task_id, "status": "failed",
                                "error": {"code": 3007003, "error_message": message}})

    def journal_submitted(self, task_id):
        jdir = os.path.join(self.state, "journal")
        os.makedirs(jdir, mode=0o700, exist_ok=True)
        os.chmod(self.state, 0o700)
        rec = {"version": 1, "job_id": "j" + task_id, "stage": "submitted", "created_s": 1,
               "prompt": "make it red", "source_path": self.photo, "image_path": "",
               "output_path": os.path.join(self.tmp, "out-%s.jpg" % task_id), "scale": 0.5,
               "seed": -1, "body_shape": "wrapped", "api_base": self.api.base,
               "task_id": task_id, "url": "", "cost": "", "ledger_counted": False}
        with open(os.path.join(jdir, "job-j%s.json" % task_id), "w") as f:
            json.dump(rec, f)

    def test_chinese_error_texts_cut_on_character_boundaries_in_json(self):
        for lead in range(3):
            task = "t%d" % lead
            self.failed_task(task, "x" * lead + CHINESE * 30)
            with self.subTest(lead=lead):
                s = self.run_api("status", task, "--json")
                self.assertEqual(s.returncode, 0, s.stderr)
                o = json.loads(s.stdout)  # an empty line if a character was split
                self.assertTrue(o["error"].startswith("x" * lead + CHINESE))
                text = self.run_api("status", task)
                self.assertIn("error: " + "x" * lead + CHINESE, text.stdout)
                self.journal_submitted(task)
                r = self.run_api("resume", "j" + task, "--json")
                self.assertEqual(r.returncode, 5, r.stderr)
                o = json.loads(r.stdout)
                self.assertIn(CHINESE, o["error"])
                self.journal_submitted(task)  # a failed task leaves the journal
                r = self.run_api("resume", "j" + task)
                self.assertIn(CHINESE, r.stderr)

    def test_a_key_echoed_by_the_service_is_never_printed(self):
        # Whole, and cut by the service's own limit right inside the key.
        self.failed_task("k1", "bad request from key %s, see docs" % KEY)
        # The key straddles the 255-byte cut of the reply's text ...
        self.failed_task("k2", CHINESE * 13 + "x" * 9 + " key=" + KEY)
        # ... or the 159-byte cut of the message built from it.
        tasks = ["k1", "k2"]
        for pad in range(125, 145, 4):
            tasks.append("p%d" % pad)
            self.failed_task(tasks[-1], "y" * pad + " " + KEY + " tail")
        for task in tasks:
            with self.subTest(task=task):
                for args in (("status", task, "--json"), ("status", task)):
                    s = self.run_api(*args)
                    self.assertEqual(s.returncode, 0, s.stderr)
                    self.assertNotIn(KEY[:6], s.stdout + s.stderr)
                for extra in (("--json",), ()):
                    self.journal_submitted(task)
                    r = self.run_api("resume", "j" + task, *extra)
                    self.assertEqual(r.returncode, 5, r.stderr)
                    self.assertNotIn(KEY[:6], r.stdout + r.stderr)
                    if extra:
                        json.loads(r.stdout)

    def test_the_live_progress_line_is_redacted_and_whole(self):
        """On a terminal the state texts are drawn on one line, cut to 160
        bytes: never with the key, never with half a character."""
        for task, message in (("pk", "y" * 100 + " " + KEY + " tail"),
                              ("pc", "x" + CHINESE * 40)):
            with self.subTest(task=task):
                self.failed_task(task, message)
                self.journal_submitted(task)
                master, slave = os.openpty()
                e = dict(os.environ, SPARK_API_KEY=KEY)
                p = subprocess.Popen([EDIT, "resume", "j" + task, "--api-base", self.api.base,
                                      "--ca-file", self.api.ca, "--state-dir", self.state],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=slave, env=e)
                os.close(slave)
                drawn = b""
                while True:
                    try:
                        chunk = os.read(master, 4096)
                    except OSError:  # EIO: the terminal's last writer is gone
                        break
                    if not chunk:
                        break
                    drawn += chunk
                os.close(master)
                p.communicate(timeout=60)
                self.assertEqual(p.returncode, 5, drawn)
                self.assertIn(b"\r\x1b[K", drawn)  # the live line was drawn
                text = drawn.decode("utf-8")  # strict: a split character raises
                self.assertNotIn(KEY[:6], text)
                if task == "pc":
                    self.assertIn(CHINESE, text)

    def test_an_implausibly_short_key_is_refused_at_load(self):
        r = self.run_api("status", "k1", key="k")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("at least 8", r.stderr)


if __name__ == "__main__":
    unittest.main()
