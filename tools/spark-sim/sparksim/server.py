"""The three listeners: the API (HTTPS), the CDN (HTTPS, no auth) and the
control port (plain HTTP, loopback). Fault injection happens here, per request.
"""
import json
import re
import socket
import socketserver
import ssl
import struct
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import faults as faultlib
from .tasks import ApiError, RESULT_PATH, SPEC_PATH, model_spec

MAX_BODY = 8 * 1024 * 1024  # base64 of a 5 MB image is ~6.7 MB
DRAIN_LIMIT = 64 * 1024 * 1024  # larger bodies are refused without reading them
HANDSHAKE_TIMEOUT_S = 10
IDLE_TIMEOUT_S = 60  # a kept-alive connection is closed after this much silence
CREATE_PATH = "/model/v1/generation"
POLL_PATH = re.compile(r"^/model/v1/generation/task/([^/?]+)$")


class Server(ThreadingHTTPServer):
    """A threading HTTP server on IPv4 or IPv6, optionally TLS.

    The TLS handshake runs in the request's own thread (finish_request), not
    in accept(), so one slow or silent client cannot stall the others.
    """
    daemon_threads = True

    def __init__(self, addr, handler, sim, kind, tls=None):
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        self.sim, self.kind, self.tls = sim, kind, tls
        super().__init__(addr, handler)

    def server_bind(self):
        # Skip HTTPServer's getfqdn() reverse lookup: it can hang without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        if self.tls is None:
            return super().finish_request(request, client_address)
        ctx = self.tls(self.kind)
        request.settimeout(HANDSHAKE_TIMEOUT_S)
        try:
            conn = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            request.close()
            return
        try:
            self.RequestHandlerClass(conn, client_address, self)
        finally:
            conn.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every reply carries its length
    server_version = "spark-sim"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S

    def log_message(self, fmt, *args):
        if not self.server.sim.quiet:
            super().log_message(fmt, *args)

    # --- request bodies ------------------------------------------------------------

    def body_length(self):
        """Content-Length, or None for a chunked body; raises ApiError if too big."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return None
        try:
            n = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            raise ApiError(400, 3007006, "bad Content-Length")
        if n > MAX_BODY:
            # Read the body away first: a client that writes the whole body
            # before reading would otherwise see a reset instead of the 413.
            if n <= DRAIN_LIMIT:
                while n > 0:
                    chunk = self.rfile.read(min(n, 1 << 16))
                    if not chunk:
                        break
                    n -= len(chunk)
            raise ApiError(413, 3007005, "request body over %d bytes" % MAX_BODY)
        return n

    def read_body(self, length):
        if length is not None:
            return self.rfile.read(length)
        parts, total = [], 0
        while True:
            try:
                size = int(self.rfile.readline(100).split(b";")[0].strip(), 16)
            except ValueError:
                self.close_connection = True
                raise ApiError(400, 3007006, "bad chunked body")
            if size == 0:
                while self.rfile.readline(1000).strip():  # trailers
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ApiError(413, 3007005, "request body over %d bytes" % MAX_BODY)
            parts.append(self.rfile.read(size))
            self.rfile.readline(10)

    def reset_connection(self):
        """Drop the connection with a TCP RST and no reply."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    # --- replies ----------------------------------------------------------------

    def send_bytes(self, status, body, ctype, where, headers=()):
        """Send a reply, applying the reply faults for `where` (create/poll/download)."""
        f = self.server.sim.faults
        if self.hit(f.take("malformed-json", where)):
            body = body[: len(body) // 2] + b"<<not json"
        truncated = self.hit(f.take("truncated-body", where))
        chunked = self.hit(f.take("chunked", where))
        drip = self.hit(f.take("drip", where))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in headers:
            self.send_header(k, v)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
            step = max(1, len(body) // 3 + 1)
            payload = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + step]), body[i:i + step])
                               for i in range(0, len(body), step)) + b"0\r\n\r\n"
        else:
            self.send_header("Content-Length", str(len(body)))
            payload = body
        if truncated:
            payload = payload[: len(payload) // 2]
            self.send_header("Connection", "close")
            self.close_connection = True
        self.entry["status"] = status
        self.log_entry()
        self.end_headers()
        if drip:
            self.wfile.flush()
            for i in range(len(payload)):
                self.wfile.write(payload[i:i + 1])
                self.wfile.flush()
                time.sleep(drip.value / 1000.0)
        else:
            self.wfile.write(payload)

    def send_json(self, status, obj, where, headers=()):
        self.send_bytes(status, json.dumps(obj).encode(), "application/json", where, headers)

    def send_error_body(self, err, where, headers=()):
        self.entry["code"] = err.code
        self.send_json(err.status, self.error_body(err.code, str(err), where), where, headers)

    def error_body(self, code, message, where):
        f = self.server.sim.faults
        shape = self.hit(f.take("error-shape", where))
        code = self.code_value(code, where)
        shape = shape.value if shape else "error_message"
        if shape == "status":
            return {"status": {"code": code, "message": message}, "data": None}
        if shape == "bare":
            return {"message": message}
        return {"error": self.task_error(code, message, shape)}

    def task_error(self, code, message, shape):
        if shape == "string":
            return message
        return {"code": code, ("message" if shape == "message" else "error_message"): message}

    def code_value(self, code, where):
        """Codes are strings, as the vendor's page types error.code; numbers
        only behind the numeric-codes fault."""
        return code if self.hit(self.server.sim.faults.take("numeric-codes", where)) else str(code)

    # --- per-request bookkeeping --------------------------------------------------

    def start_entry(self, kind):
        self.entry = {"t": round(time.time(), 6), "kind": kind, "task": None,
                      "status": None, "fault": None, "code": None}
        self.entry_logged = False

    def log_entry(self):
        """Log this request once: before its reply goes out (so a client that
        has the reply finds it in the log), or at the end if none went out."""
        if not self.entry_logged:
            self.entry_logged = True
            self.server.sim.service.log(self.entry)

    def hit(self, fault):
        """Record that `fault` (or None) fired on this request; returns it."""
        if fault:
            names = [n for n in (self.entry["fault"] or "").split(",") if n]
            self.entry["fault"] = ",".join(names + [fault.name])
        return fault

    def before(self, where):
        """Faults that act before the request is handled: reset, latency."""
        f = self.server.sim.faults
        if self.hit(f.take("reset-before-body", where)):
            self.reset_connection()
            return False
        lat = self.hit(f.take("latency", where))
        if lat:
            time.sleep(lat.value / 1000.0)
        return True


class ApiHandler(Handler):
    def do_POST(self):
        if self.path.split("?")[0] != CREATE_PATH:
            return self.not_found()
        self.start_entry("create")
        try:
            self.create()
        finally:
            self.log_entry()

    def do_GET(self):
        if self.path.split("?")[0] == SPEC_PATH:
            self.start_entry("spec")
            try:
                return self.spec()
            finally:
                self.log_entry()
        m = POLL_PATH.match(self.path.split("?")[0])
        if not m:
            return self.not_found()
        self.start_entry("poll")
        self.entry["task"] = m.group(1)
        try:
            self.poll(m.group(1))
        finally:
            self.log_entry()

    def not_found(self):
        self.start_entry("other")
        self.send_error_body(ApiError(404, 3007006, "no such endpoint " + self.path), "other")

    def spec(self):
        """The model spec (no key needed, as the vendor's spec service)."""
        sim, f = self.server.sim, self.server.sim.faults
        if not self.before("spec"):
            return
        status_fault = self.hit(f.take("spec-status", "spec"))
        if status_fault:
            return self.send_error_body(self.server_error(status_fault.value), "spec")
        foreign = self.hit(f.take("spec-foreign-host", "spec"))
        spec = model_spec(sim.ready["api"], "evil.example" if foreign else None)
        prompt_max = self.hit(f.take("spec-prompt-max", "spec"))
        if prompt_max:
            spec["data"]["parameters"][0]["constraints"]["max_length"] = prompt_max.value
        self.send_json(200, spec, "spec")

    def create(self):
        sim, f = self.server.sim, self.server.sim.faults
        if not self.before("create"):
            return
        try:
            length = self.body_length()
        except ApiError as e:
            self.close_connection = True  # the unread body makes the connection unusable
            return self.send_error_body(e, "create")
        if length is not None and self.hit(f.take("reset-during-body", "create")):
            self.rfile.read(length // 2)
            return self.reset_connection()
        try:
            raw = self.read_body(length)
            sim.service.check_auth(self.headers.get("Authorization"))
            limited = self.hit(f.take("rate-limit", "create"))
            if limited:
                raise ApiError(429, 3007099, "rate limit exceeded", retry_after=limited.value)
            status_fault = self.hit(f.take("create-status", "create"))
            if status_fault and status_fault.value in (500, 503):
                raise self.server_error(status_fault.value)
            error_200 = self.hit(f.take("create-200-error", "create"))
            if error_200:  # a plain failure inside a 200, no task id
                e = ApiError(200, error_200.value)
                self.entry["code"] = e.code
                return self.send_json(200, {"error": self.task_error(
                    self.code_value(e.code, "create"), str(e), "error_message")}, "create")
            params = sim.service.parse_create(raw)
        except ApiError as e:
            headers = [("Retry-After", str(e.retry_after))] if e.status == 429 else []
            return self.send_error_body(e, "create", headers)

        fail = self.hit(f.take("task-fail", "create"))
        instant = self.hit(f.take("instant", "create"))
        task = sim.service.create(params, stuck=bool(self.hit(f.take("stuck", "create"))),
                                  fail_code=fail.value if fail else None,
                                  processing_ms=0 if instant else None,
                                  png=bool(self.hit(f.take("result-png", "create"))))
        self.entry["task"] = task["id"]
        if status_fault:  # 502/504: the task exists but its reply is lost
            return self.send_error_body(self.server_error(status_fault.value), "create")
        if self.hit(f.take("reset-after-body", "create")):
            return self.reset_connection()
        if self.hit(f.take("create-completed-no-output", "create")):
            return self.send_json(200, {"id": task["id"], "status": "completed",
                                        "model": "spark_edit_3_0",
                                        "created_at": task["created_at"]}, "create")
        if instant:
            return self.send_json(200, self.view(task, "create"), "create")
        self.send_json(200, {"id": task["id"], "status": "in_progress", "model": "spark_edit_3_0",
                             "created_at": task["created_at"]}, "create")

    def poll(self, task_id):
        sim, f = self.server.sim, self.server.sim.faults
        if not self.before("poll"):
            return
        try:
            sim.service.check_auth(self.headers.get("Authorization"))
            limited = self.hit(f.take("rate-limit", "poll"))
            if limited:
                raise ApiError(429, 3007099, "rate limit exceeded", retry_after=limited.value)
            status_fault = self.hit(f.take("poll-status", "poll"))
            if status_fault:
                raise self.server_error(status_fault.value)
            task = sim.service.get(task_id)
            if task is None or self.hit(f.take("poll-unknown", "poll")):
                raise ApiError(404, 3007006, "no task " + task_id)
        except ApiError as e:
            headers = [("Retry-After", str(e.retry_after))] if e.status == 429 else []
            return self.send_error_body(e, "poll", headers)
        self.send_json(200, self.view(task, "poll"), "poll")

    def view(self, task, where):
        f = self.server.sim.faults
        shape = self.hit(f.take("error-shape", where)) if task["fail_code"] else None
        shape = shape.value if shape and shape.value in ("message", "string") else "error_message"
        return self.server.sim.service.view(
            task, lambda code, msg: self.task_error(self.code_value(code, where), msg, shape),
            size_as_string=bool(self.hit(f.take("size-as-string", where))),
            size_delta=(lambda m: m.value if m else 0)(self.hit(f.take("size-mismatch", where))),
            omit_size=f.peek("close-delimited", "download"))

    @staticmethod
    def server_error(status):
        # 502 says the upstream failed (3007097); 503 and a gateway's 504
        # say the service is unavailable (3007099), a code that must not make
        # a create look unsent: only the HTTP status says whether it arrived.
        code = {500: 3007095, 503: 3007099, 504: 3007099}.get(status, 3007097)
        return ApiError(status, code, "simulated HTTP %d" % status)


class CdnHandler(Handler):
    """Result downloads: no auth, like the vendor's CDN."""

    def do_GET(self):
        self.start_entry("download")
        try:
            self.download()
        finally:
            self.log_entry()

    def download(self):
        sim, f = self.server.sim, self.server.sim.faults
        if not self.before("download"):
            return
        m = RESULT_PATH.match(self.path.split("?")[0])
        task = m and sim.service.get(m.group(1))
        if task:
            self.entry["task"] = task["id"]
        if (not task or task["result_size"] is None or self.hit(f.take("result-404", "download"))):
            return self.send_bytes(404, b"not found\n", "text/plain", "download")
        expired = self.hit(f.take("result-expired", "download"))
        if expired and (task["downloads"] > 0 if expired.value is None else
                        time.time() > sim.service.completed_at(task) + expired.value / 1000.0):
            return self.send_bytes(410, b"expired\n", "text/plain", "download")
        with open(sim.service.result_path(task["id"]), "rb") as fh:
            data = fh.read()
        sim.service.note_download(task)
        ctype = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        if self.hit(f.take("close-delimited", "download")):
            return self.send_close_delimited(data, ctype)
        self.send_bytes(200, data, ctype, "download")

    def send_close_delimited(self, data, ctype):
        """HTTP/1.1 without Content-Length: the body ends when the connection
        does. Half of it goes out, then the TCP socket under the TLS session
        is shut down, so the client sees EOF without a TLS close_notify: a
        truncation it must not take for the end of the body."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Connection", "close")
        self.entry["status"] = 200
        self.log_entry()
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        try:
            socket.socket.shutdown(self.connection, socket.SHUT_RDWR)
        except OSError:
            pass


class ControlHandler(Handler):
    """Plain HTTP on loopback: faults, the request log, reset."""

    def do_GET(self):
        sim = self.server.sim
        if self.path == "/_sim/log":
            return self.reply(200, sim.service.read_log().encode(), "application/x-ndjson")
        if self.path == "/_sim/fault":
            return self.reply_json(200, {"faults": sim.faults.list()})
        if self.path == "/_sim/ready":
            return self.reply_json(200, sim.ready)
        self.reply_json(404, {"error": "unknown control endpoint"})

    def do_POST(self):
        sim = self.server.sim
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/_sim/fault":
            try:
                req = json.loads(body or b"{}")
                specs = req.get("faults") or [req.get("fault")]
                parsed = [faultlib.parse(s) for s in specs if isinstance(s, str)]
                if not parsed:
                    raise faultlib.FaultError('send {"fault":"NAME[:ARG]"} or {"faults":[...]}')
            except (ValueError, AttributeError) as e:
                return self.reply_json(400, {"error": str(e)})
            for fault in parsed:
                sim.faults.add(fault)
            return self.reply_json(200, {"faults": sim.faults.list()})
        if self.path == "/_sim/reset":
            sim.faults.clear()
            sim.service.reset()
            return self.reply_json(200, {"reset": True})
        self.reply_json(404, {"error": "unknown control endpoint"})

    def do_DELETE(self):
        if self.path == "/_sim/fault":
            self.server.sim.faults.clear()
            return self.reply_json(200, {"faults": []})
        self.reply_json(404, {"error": "unknown control endpoint"})

    def reply(self, status, body, ctype):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def reply_json(self, status, obj):
        self.reply(status, json.dumps(obj).encode(), "application/json")
