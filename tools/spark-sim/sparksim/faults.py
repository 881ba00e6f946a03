"""Fault injection: the catalogue, the NAME[:VALUE][:TARGET][:COUNT] parser and
the thread-safe set of active faults.

A fault applies to the requests of its targets (create, poll, download; api
or cdn for the certificate fault). Counted faults fire on that many matching
requests and then disappear; the others stay until cleared.
"""
import textwrap
import threading
from collections import namedtuple

ALWAYS = None  # count value meaning "until cleared"

# value: None (no value), "MS", "CODE", "SHAPE" or "N" (a count of bytes); needs: value required;
# default: value when optional; count: default count; targets: where it applies.
Spec = namedtuple("Spec", "value needs default count targets help")

SERVER_CODES = (500, 502, 503, 504)
TASK_CODES = (3007001, 3007002, 3007003, 3007004, 3007005, 3007006, 3007007, 3007008,
              3007009, 3007095, 3007096, 3007097, 3007098, 3007099)
SHAPES = ("error_message", "message", "string", "status", "bare")

REQ = ("create", "poll", "download")
API = ("create", "poll")

CATALOGUE = {
    "latency": Spec("MS", True, None, ALWAYS, REQ,
                    "wait MS milliseconds before handling each request"),
    "rate-limit": Spec("N", False, 1, 1, API,
                       "reply 429 with Retry-After: N seconds (default 1; no task is created)"),
    "create-status": Spec("CODE", True, None, 1, ("create",),
                          "reply CODE (500, 502, 503 or 504) to a create; on 502 and 504 the "
                          "task IS created and logged (the reply was lost on the way back). "
                          "The body's code is 3007095 for 500, 3007097 for 502, 3007099 for "
                          "503 and 504"),
    "poll-status": Spec("CODE", True, None, 1, ("poll",),
                        "reply CODE (500, 502, 503 or 504) to a poll"),
    "reset-before-body": Spec(None, False, None, 1, REQ,
                              "read the request headers, then reset the connection (TCP RST)"),
    "reset-during-body": Spec(None, False, None, 1, ("create",),
                              "read half of the create body, then reset the connection"),
    "reset-after-body": Spec(None, False, None, 1, ("create",),
                             "read the whole create body, create and log the task, then reset "
                             "the connection without a reply (the 'unknown outcome' case)"),
    "drip": Spec("MS", False, 5, ALWAYS, REQ,
                 "send replies one byte at a time, MS milliseconds apart (default 5)"),
    "malformed-json": Spec(None, False, None, 1, API,
                           "send a reply whose body is not valid JSON (Content-Length matches)"),
    "truncated-body": Spec(None, False, None, 1, REQ,
                           "announce the full Content-Length, send half the body, close"),
    "chunked": Spec(None, False, None, ALWAYS, REQ,
                    "send replies with Transfer-Encoding: chunked instead of Content-Length"),
    "stuck": Spec(None, False, None, ALWAYS, ("create",),
                  "tasks created now stay in_progress forever (progress stops at 0.9)"),
    "task-fail": Spec("CODE", False, 3007095, ALWAYS, ("create",),
                      "tasks created now end as failed with CODE (a 3007xxx code, "
                      "default 3007095) and usage.cost \"\""),
    "instant": Spec(None, False, None, ALWAYS, ("create",),
                    "the create reply is already the completed task (with output)"),
    "error-shape": Spec("SHAPE", True, None, ALWAYS, REQ,
                        "error bodies as error_message {\"error\":{\"code\",\"error_message\"}} "
                        "(the default), message {\"error\":{\"code\",\"message\"}}, string "
                        "{\"error\":\"...\"}, status {\"status\":{\"code\",\"message\"},\"data\":null} "
                        "or bare {\"message\":\"...\"}; failed tasks use the first three"),
    "numeric-codes": Spec(None, False, None, ALWAYS, REQ,
                          "error codes as JSON numbers (3007003) instead of the strings "
                          "(\"3007003\") the vendor's page types them as"),
    "size-as-string": Spec(None, False, None, ALWAYS, ("poll", "create"),
                           "output[].content[].size as a numeric string"),
    "result-404": Spec(None, False, None, ALWAYS, ("download",),
                       "result URLs answer 404"),
    "result-expired": Spec("MS", False, None, ALWAYS, ("download",),
                           "result URLs answer 410 after their first download, or, given MS, "
                           "once MS milliseconds have passed since the task completed"),
    "create-200-error": Spec("CODE", False, 3007006, 1, ("create",),
                             "answer a create HTTP 200 with {\"error\":{code CODE (default "
                             "3007006), error_message}} and no task id; no task is created"),
    "create-completed-no-output": Spec(None, False, None, 1, ("create",),
                                       "answer a create with {\"id\",\"status\":\"completed\"} "
                                       "and no output (the task exists; polls give its result)"),
    "poll-unknown": Spec(None, False, None, 1, ("poll",),
                         "answer a poll 404 with code 3007006, as for a task the service does "
                         "not know, even when it exists"),
    "result-png": Spec(None, False, None, ALWAYS, ("create",),
                       "tasks created now produce a PNG result (the URL still ends .jpeg; "
                       "size and Content-Type are the PNG's)"),
    "size-mismatch": Spec("N", False, 100, ALWAYS, ("poll", "create"),
                          "output[].content[].size is the result's byte count plus N (default "
                          "100; the value is a byte count, not milliseconds)"),
    "close-delimited": Spec(None, False, None, 1, ("download",),
                            "serve a result without Content-Length (and its task replies "
                            "without size), send half of it, then shut the TCP socket down "
                            "under the TLS session: no close_notify"),
    "spec-foreign-host": Spec(None, False, None, ALWAYS, ("spec",),
                              "the model spec names https://evil.example as the create "
                              "endpoint"),
    "spec-prompt-max": Spec("N", True, None, ALWAYS, ("spec",),
                            "the model spec says the prompt takes at most N characters (the "
                            "simulator still takes 800: a spec stricter than the service)"),
    "spec-status": Spec("CODE", True, None, 1, ("spec",),
                        "answer a model spec request with CODE (500, 502, 503 or 504)"),
    "wrong-host-cert": Spec(None, False, None, ALWAYS, ("api", "cdn"),
                            "the API and the CDN (or only the one named) present a certificate "
                            "for wrong.example, so host name verification fails"),
}


class FaultError(ValueError):
    pass


class Fault:
    def __init__(self, name, value, target, count, spec_text):
        self.name, self.value, self.target, self.count = name, value, target, count
        self.spec_text = spec_text

    def as_json(self):
        return {"fault": self.spec_text, "name": self.name, "value": self.value,
                "target": self.target, "remaining": self.count}


def parse(text):
    """Parse NAME[:VALUE][:TARGET][:COUNT|always]; the value, if any, comes first."""
    name, *tokens = text.strip().split(":")
    spec = CATALOGUE.get(name)
    if spec is None:
        raise FaultError("unknown fault %r (see --help)" % name)
    value, target, count, have_value = spec.default, None, spec.count, False
    for tok in tokens:
        if tok in spec.targets and len(spec.targets) > 1:
            target = tok
        elif tok == "always":
            count = ALWAYS
        elif spec.value and not have_value:
            value, have_value = _value(name, spec.value, tok), True
        elif tok.isdigit() and int(tok) > 0:
            count = int(tok)
        else:
            raise FaultError("fault %s: unexpected %r" % (name, tok))
    if spec.needs and not have_value:
        raise FaultError("fault %s needs a %s value, e.g. %s:%s" % (
            name, spec.value, name, {"MS": "500", "CODE": "503", "SHAPE": "message", "N": "100"}[spec.value]))
    return Fault(name, value, target, count, text.strip())


def _value(name, kind, tok):
    if kind == "SHAPE":
        if tok not in SHAPES:
            raise FaultError("fault %s: shape must be one of %s" % (name, ", ".join(SHAPES)))
        return tok
    if not tok.isdigit():
        raise FaultError("fault %s: %s must be a number, got %r" % (name, kind, tok))
    v = int(tok)
    allowed = SERVER_CODES if name.endswith("-status") else TASK_CODES if kind == "CODE" else None
    if allowed and v not in allowed:
        raise FaultError("fault %s: code must be one of %s" % (name, ", ".join(map(str, allowed))))
    return v


class FaultSet:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults = []

    def add(self, fault):
        with self._lock:
            self._faults.append(fault)

    def clear(self):
        with self._lock:
            self._faults.clear()

    def list(self):
        with self._lock:
            return [f.as_json() for f in self._faults]

    def peek(self, name, where):
        """Whether a fault `name` applying to `where` is active, without using it."""
        targets = CATALOGUE[name].targets
        with self._lock:
            return any(f.name == name and (f.target == where or (f.target is None and where in targets))
                       for f in self._faults)

    def take(self, name, where):
        """The first active fault `name` that applies to `where`, counting one use."""
        targets = CATALOGUE[name].targets
        with self._lock:
            for f in self._faults:
                if f.name == name and (f.target == where or (f.target is None and where in targets)):
                    if f.count is not ALWAYS:
                        f.count -= 1
                        if f.count == 0:
                            self._faults.remove(f)
                    return f
        return None


def help_text():
    lines = []
    for name, s in CATALOGUE.items():
        head = name + {None: "", "MS": ":MS", "CODE": ":CODE", "SHAPE": ":SHAPE", "N": ":N"}[s.value]
        if s.value and not s.needs:
            head = name + "[:%s]" % s.value
        if len(s.targets) > 1:
            head += "[:%s]" % "|".join(s.targets)
        head += "[:N|always]"
        when = "once" if s.count == 1 else "until cleared"
        text = "%s. Default: %s%s." % (s.help[0].upper() + s.help[1:], when,
                                        "" if len(s.targets) == 1 else ", on " + "/".join(s.targets))
        lines.append("  " + head)
        lines += textwrap.wrap(text, 76, initial_indent="      ", subsequent_indent="      ")
    return "\n".join(lines)
