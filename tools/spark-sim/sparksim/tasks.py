"""The simulated service: keys, request validation, tasks, results, request log.

Time is wall-clock: a task's state is computed from its start time whenever it
is polled, so tasks survive a restart (tasks.json) and no timer threads run.
Each result is rendered once, in a background thread started at create.
"""
import base64
import binascii
import json
import os
import re
import secrets
import string
import threading
import time
import urllib.parse

from . import images

MODEL = "spark_edit_3_0"
MAX_PROMPT = 800
COST = "0.03"
GENERATION_WAIT_S = 60  # a poll waits at most this long for a slow render

MESSAGES = {
    3007001: "missing prompt", 3007002: "missing image", 3007003: "invalid image format",
    3007004: "invalid prompt length", 3007005: "invalid image size",
    3007006: "invalid parameter", 3007007: "authentication failed",
    3007008: "invalid image array", 3007009: "invalid image element",
    3007095: "internal generation error", 3007096: "result parsing error",
    3007097: "HTTP error response", 3007098: "status check error",
    3007099: "service unavailable",
}
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}
TASK_ID_CHARS = string.ascii_lowercase + string.digits
RESULT_PATH = re.compile(r"^/results/([a-z0-9]{20})\.jpeg$")


class ApiError(Exception):
    """A rejected request: HTTP status, vendor code and a human message."""

    def __init__(self, status, code, detail=None, retry_after=1):
        msg = MESSAGES.get(code, "error")
        super().__init__(msg + (": " + detail if detail else ""))
        self.status, self.code, self.retry_after = status, code, retry_after


class Service:
    def __init__(self, state_dir, keys, processing_ms):
        self.state_dir = state_dir
        self.keys = set(keys)
        self.processing_ms = processing_ms
        self.cdn_base = ""  # set once the CDN port is known
        self.cdn_port = None
        self.results_dir = os.path.join(state_dir, "results")
        self.tasks_path = os.path.join(state_dir, "tasks.json")
        self.log_path = os.path.join(state_dir, "requests.log")
        os.makedirs(self.results_dir, exist_ok=True)
        self._lock = threading.Lock()
        self._rendered = {}  # task id -> threading.Event, for renders of this process
        self.tasks = {}
        if os.path.exists(self.tasks_path):
            with open(self.tasks_path) as f:
                self.tasks = json.load(f)

    # --- auth and validation ---------------------------------------------------

    def check_auth(self, header):
        scheme, _, key = (header or "").partition(" ")
        if scheme.lower() != "bearer" or key.strip() not in self.keys:
            raise ApiError(401, 3007007)

    def parse_create(self, raw):
        """Validate a create body (wrapped or flat); return the task parameters."""
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, 3007006, "body is not JSON")
        if not isinstance(body, dict):
            raise ApiError(400, 3007006, "body must be a JSON object")
        params = body
        if "input" in body:  # wrapped: {"model", "input":[{"params":{...}}]}
            inp = body["input"]
            if not (isinstance(inp, list) and len(inp) == 1 and isinstance(inp[0], dict)
                    and isinstance(inp[0].get("params"), dict)):
                raise ApiError(400, 3007006, 'input must be [{"params":{...}}]')
            params = inp[0]["params"]
        if body.get("model") != MODEL:
            raise ApiError(400, 3007006, "model must be " + MODEL)

        prompt = params.get("prompt")
        if prompt is None or prompt == "":
            raise ApiError(400, 3007001)
        if not isinstance(prompt, str):
            raise ApiError(400, 3007006, "prompt must be a string")
        if not prompt.strip():
            raise ApiError(400, 3007001, "the prompt is only white space")
        try:
            prompt.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate escape such as "\ud800"
            raise ApiError(400, 3007006, "prompt is not valid Unicode")
        if len(prompt) > MAX_PROMPT:
            raise ApiError(400, 3007004, "%d characters (max %d)" % (len(prompt), MAX_PROMPT))

        scale = params.get("scale", 0.5)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0 <= scale <= 1:
            raise ApiError(400, 3007006, "scale must be a number in 0..1")
        seed = params.get("seed", -1)
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < -1:
            raise ApiError(400, 3007006, "seed must be an integer >= -1")

        has_b64 = params.get("binary_data_base64") is not None
        has_url = params.get("image_urls") is not None
        if has_b64 and has_url:
            raise ApiError(400, 3007006, "send binary_data_base64 or image_urls, not both")
        if not (has_b64 or has_url):
            raise ApiError(400, 3007002)
        array = params["binary_data_base64" if has_b64 else "image_urls"]
        if not isinstance(array, list) or len(array) != 1:
            raise ApiError(400, 3007008, "exactly one image is required")
        data = self._decode_base64(array[0]) if has_b64 else self._fetch_url(array[0])
        try:
            fmt, width, height = images.probe(data)
        except images.ImageError as e:
            raise ApiError(400, e.code, str(e).split(": ", 1)[-1])
        return {"prompt": prompt, "scale": scale, "seed": seed, "image": data,
                "input": {"format": fmt, "width": width, "height": height, "bytes": len(data)}}

    @staticmethod
    def _decode_base64(item):
        if not isinstance(item, str) or not item:
            raise ApiError(400, 3007009, "base64 element must be a non-empty string")
        try:
            return base64.b64decode(item, validate=True)  # strict: no data: prefix, no newlines
        except (binascii.Error, ValueError):
            raise ApiError(400, 3007009, "not standard padded base64")

    def _fetch_url(self, url):
        """Resolve an image URL. Only this simulator's own CDN on loopback is
        reachable (these machines have no network); anything else is 3007009."""
        if not isinstance(url, str):
            raise ApiError(400, 3007009, "URL must be a string")
        u = urllib.parse.urlsplit(url)
        try:
            port = u.port
        except ValueError:
            port = None
        m = RESULT_PATH.match(u.path)
        path = m and self.result_path(m.group(1))
        if (u.scheme != "https" or u.hostname not in LOOPBACK_NAMES or port != self.cdn_port
                or not path or not os.path.exists(path)):
            raise ApiError(400, 3007009, "image URL is not reachable")
        with open(path, "rb") as f:
            return f.read()

    # --- tasks -------------------------------------------------------------------

    def create(self, params, stuck=False, fail_code=None, processing_ms=None, png=False):
        task_id = "".join(secrets.choice(TASK_ID_CHARS) for _ in range(20))
        now = time.time()
        task = {"id": task_id, "created_at": int(now), "t0": now,
                "processing_ms": self.processing_ms if processing_ms is None else processing_ms,
                "prompt": params["prompt"],
                "scale": params["scale"], "seed": params["seed"], "stuck": stuck,
                "fail_code": fail_code, "result_size": None, "downloads": 0, "png": png,
                "input": params.get("input")}
        # Keep what was received, so a client's tests can check the picture
        # it sent (upright, within limits) and not only its size.
        if "image" in params and params.get("input"):
            inputs = os.path.join(self.state_dir, "inputs")
            os.makedirs(inputs, exist_ok=True)
            with open(os.path.join(inputs, "%s.%s" % (task_id, params["input"]["format"])), "wb") as f:
                f.write(params["image"])
        done = threading.Event()
        with self._lock:
            self.tasks[task_id] = task
            self._rendered[task_id] = done
            self._save()
        if fail_code is None:
            threading.Thread(target=self._render, args=(task, params["image"], done),
                             daemon=True).start()
        else:
            done.set()
        return task

    def _render(self, task, data, done):
        try:
            jpeg = images.edit(data, task["prompt"], task["scale"])
            if task.get("png"):
                jpeg = images.to_png(jpeg)
            tmp = self.result_path(task["id"]) + ".tmp"
            with open(tmp, "wb") as f:
                f.write(jpeg)
            os.replace(tmp, self.result_path(task["id"]))
            with self._lock:
                task["result_size"] = len(jpeg)
                self._save()
        except Exception as e:  # a broken input becomes a failed task, as upstream
            with self._lock:
                task["fail_code"] = 3007095
                task["render_error"] = str(e)
                self._save()
        finally:
            done.set()

    def get(self, task_id):
        with self._lock:
            return self.tasks.get(task_id)

    def result_path(self, task_id):
        return os.path.join(self.results_dir, task_id + ".jpeg")

    def view(self, task, shape, size_as_string=False, size_delta=0, omit_size=False):
        """The task as the API reports it now. shape(code, msg) builds task errors."""
        now = time.time()
        span = task["processing_ms"] / 1000.0
        progress = 1.0 if span <= 0 else min(1.0, (now - task["t0"]) / span)
        out = {"id": task["id"], "status": "in_progress", "model": MODEL,
               "created_at": task["created_at"]}
        if task["stuck"] or progress < 1.0:
            out["progress"] = round(min(progress, 0.9) if task["stuck"] else progress, 3)
            return out
        done = self._rendered.get(task["id"])
        if done:
            done.wait(GENERATION_WAIT_S)
        fail = task["fail_code"]
        if fail is None and task["result_size"] is None:
            fail = 3007095  # the render did not finish before a restart
        out["progress"] = 1
        if fail is not None:
            out.update(status="failed", error=shape(fail, MESSAGES.get(fail, "error")),
                       usage={"cost": ""})
            return out
        size = task["result_size"] + size_delta
        item = {"type": "image", "url": "%s/results/%s.jpeg" % (self.cdn_base, task["id"]),
                "size": str(size) if size_as_string else size, "jobId": "job-" + task["id"]}
        if omit_size:
            del item["size"]
        out.update(status="completed",
                   output=[{"content": [item]}],
                   usage={"cost": COST, "discount": 0},
                   metadata={"in_queue_at": round(task["t0"], 3),
                             "completed_at": round(task["t0"] + span, 3)})
        return out

    def completed_at(self, task):
        return task["t0"] + task["processing_ms"] / 1000.0

    def note_download(self, task):
        with self._lock:
            task["downloads"] += 1
            self._save()

    def _save(self):  # caller holds the lock
        tmp = self.tasks_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.tasks, f)
        os.replace(tmp, self.tasks_path)

    # --- request log -------------------------------------------------------------

    def log(self, entry):
        with self._lock:
            with open(self.log_path, "a") as f:
                f.write(json.dumps(entry) + "\n")

    def read_log(self):
        with self._lock:
            try:
                with open(self.log_path) as f:
                    return f.read()
            except FileNotFoundError:
                return ""

    def reset(self):
        """Forget every task, result and log line (the control port's /_sim/reset)."""
        with self._lock:
            self.tasks.clear()
            self._rendered.clear()
            self._save()
            for name in os.listdir(self.results_dir):
                os.remove(os.path.join(self.results_dir, name))
            open(self.log_path, "w").close()


SPEC_PATH = "/api/v1/skill/models/%s/spec" % MODEL


def model_spec(api_base, endpoint_host=None):
    """The model spec as the vendor's spec service shapes it (PROTOCOL.md,
    "Endpoint discovery"), with the limits this simulator enforces.
    endpoint_host replaces the API's host in the endpoint (a fault)."""
    endpoint = api_base + "/model/v1/generation"
    if endpoint_host:
        u = urllib.parse.urlsplit(api_base)
        endpoint = "https://%s:%d/model/v1/generation" % (endpoint_host, u.port or 443)
    return {"data": {
        "model": MODEL,
        "api": {"endpoint": endpoint, "method": "POST",
                "headers": {"Content-Type": "application/json"}},
        "parameters": [
            {"name": "prompt", "type": "string", "required": True,
             "constraints": {"max_length": MAX_PROMPT}},
            {"name": "image_urls", "type": "array", "required": False,
             "constraints": {"max_items": 1}},
            {"name": "binary_data_base64", "type": "array", "required": False,
             "constraints": {"max_items": 1}},
            {"name": "seed", "type": "integer", "required": False,
             "constraints": {"min": -1, "default": -1}},
            {"name": "scale", "type": "number", "required": False,
             "constraints": {"min": 0, "max": 1, "default": 0.5}},
        ]},
        "status": {"code": 200, "message": "success"}}
