"""Command line, startup and shutdown of spark-sim."""
import argparse
import ipaddress
import json
import os
import signal
import ssl
import sys
import threading
import time

from . import certs, faults as faultlib
from .server import ApiHandler, CdnHandler, ControlHandler, Server
from .tasks import Service

DEFAULT_KEY = "sim-demo-key"
DEFAULT_PORT = 8443  # the CDN and control ports follow (8444, 8445)


def default_state_dir():
    base = os.environ.get("XDG_STATE_HOME") or os.path.expanduser("~/.local/state")
    return os.path.join(base, "spark-sim")


def build_parser():
    p = argparse.ArgumentParser(
        prog="spark-sim",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="A local HTTPS simulator of the Spark Edit 3.0 API (see PROTOCOL.md):\n"
                    "POST /model/v1/generation, GET /model/v1/generation/task/{id}, results\n"
                    "on a second HTTPS origin (the CDN, no auth), faults on request.",
        epilog="Startup prints one line on stdout and writes the same facts to "
               "STATE_DIR/ready.json:\n"
               "  spark-sim ready api=https://H:P cdn=https://H:P2 control=http://H:P3 ca=CA.pem\n"
               "\nFaults (--fault, repeatable, or POST {\"fault\":\"...\"} to the control port):\n"
               "  syntax NAME[:VALUE][:TARGET][:N|always]; the value comes first; N = apply to\n"
               "  the next N matching requests, then stop; always = until cleared.\n"
               + faultlib.help_text() +
               "\n\nControl port (plain HTTP on loopback):\n"
               "  GET    /_sim/fault   active faults        POST /_sim/fault  add {\"fault\":S}\n"
               "  DELETE /_sim/fault   clear all faults     POST /_sim/reset  clear tasks, faults, log\n"
               "  GET    /_sim/log     request log (JSON lines: t, kind, task, status, fault, code)\n"
               "  GET    /_sim/ready   the ready.json facts\n")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; ::1 for IPv6). Loopback only "
                        "unless --allow-remote")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow a --host that is not a loopback address")
    p.add_argument("--port", type=int, default=None,
                   help="API port (default %d; 0 = pick a free port)" % DEFAULT_PORT)
    p.add_argument("--cdn-port", type=int, default=None,
                   help="result download port (default: API port + 1, or free when --port 0)")
    p.add_argument("--control-port", type=int, default=None,
                   help="control port (default: API port + 2, or free when --port 0)")
    p.add_argument("--url-host", default=None,
                   help="host name put in result URLs and the ready line (default: --host; "
                        "e.g. localhost)")
    p.add_argument("--state-dir", default=default_state_dir(),
                   help="CA, certificates, tasks.json, results/, requests.log, ready.json "
                        "(default %(default)s)")
    p.add_argument("--key", action="append", default=[],
                   help="accepted API key (repeatable)")
    p.add_argument("--key-file", action="append", default=[],
                   help="file of accepted API keys, one a line, # comments (repeatable). "
                        "With neither --key nor --key-file the key is '%s'" % DEFAULT_KEY)
    p.add_argument("--processing-ms", type=int, default=3000,
                   help="time a task stays in_progress, progress rising 0..1 "
                        "(default %(default)s)")
    p.add_argument("--fault", action="append", default=[], metavar="NAME[:ARG]",
                   help="inject a fault from the start (repeatable; list below)")
    p.add_argument("--max-seconds", type=float, default=None,
                   help="exit by itself after this many seconds")
    p.add_argument("--quiet", action="store_true", help="no per-request lines on stderr")
    return p


def read_keys(args, parser):
    keys = list(args.key)
    for path in args.key_file:
        try:
            with open(path) as f:
                keys += [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith("#")]
        except OSError as e:
            parser.error("--key-file: %s" % e)
    if not args.key and not args.key_file:
        keys = [DEFAULT_KEY]
    if not keys:
        parser.error("no API keys (empty --key-file)")
    return keys


class Sim:
    """What the handlers share: the service, the faults and the TLS contexts."""

    def __init__(self, service, fault_set, cert_paths, quiet):
        self.service, self.faults, self.quiet = service, fault_set, quiet
        self.ready = {}
        self._ctx = {"good": self._context(cert_paths["server.pem"], cert_paths["server.key"]),
                     "wrong": self._context(cert_paths["wrong-host.pem"],
                                            cert_paths["wrong-host.key"])}

    @staticmethod
    def _context(cert, key):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2  # mbedTLS 2.28 clients speak 1.2 only
        ctx.load_cert_chain(cert, key)
        return ctx

    def tls_context(self, kind):
        wrong = self.faults.take("wrong-host-cert", kind)
        return self._ctx["wrong" if wrong else "good"]


def url(scheme, host, port):
    return "%s://%s:%d" % (scheme, "[%s]" % host if ":" in host else host, port)


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        is_loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        parser.error("--host must be an IP address, e.g. 127.0.0.1 or ::1")
    if not is_loopback and not args.allow_remote:
        parser.error("--host %s is not loopback; add --allow-remote if you mean it" % args.host)
    try:
        initial = [faultlib.parse(s) for s in args.fault]
    except faultlib.FaultError as e:
        parser.error(str(e))
    keys = read_keys(args, parser)

    state_dir = os.path.abspath(args.state_dir)
    os.makedirs(state_dir, exist_ok=True)
    try:
        cert_paths, created = certs.ensure(state_dir)
    except (certs.CertError, OSError) as e:
        print("spark-sim: cannot make the test CA: %s" % e, file=sys.stderr)
        return 1
    if created:
        print("spark-sim: created a test CA at %s" % cert_paths["ca.pem"], file=sys.stderr)

    fault_set = faultlib.FaultSet()
    for fault in initial:
        fault_set.add(fault)
    service = Service(state_dir, keys, args.processing_ms)
    sim = Sim(service, fault_set, cert_paths, args.quiet)

    port = DEFAULT_PORT if args.port is None else args.port
    follow = lambda explicit, offset: explicit if explicit is not None else (port + offset if port else 0)
    control_host = args.host if is_loopback else "127.0.0.1"
    try:
        api = Server((args.host, port), ApiHandler, sim, "api", sim.tls_context)
        cdn = Server((args.host, follow(args.cdn_port, 1)), CdnHandler, sim, "cdn", sim.tls_context)
        control = Server((control_host, follow(args.control_port, 2)), ControlHandler, sim, "control")
    except OSError as e:
        print("spark-sim: cannot listen: %s" % e, file=sys.stderr)
        return 1

    host = args.url_host or args.host
    service.cdn_port = cdn.server_address[1]
    service.cdn_base = url("https", host, service.cdn_port)
    sim.ready = {"api": url("https", host, api.server_address[1]), "cdn": service.cdn_base,
                 "control": url("http", control_host, control.server_address[1]),
                 "ca": cert_paths["ca.pem"], "api_port": api.server_address[1],
                 "cdn_port": service.cdn_port, "control_port": control.server_address[1],
                 "host": args.host, "state_dir": state_dir, "pid": os.getpid()}
    ready_path = os.path.join(state_dir, "ready.json")
    with open(ready_path + ".tmp", "w") as f:
        json.dump(sim.ready, f)
    os.replace(ready_path + ".tmp", ready_path)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    servers = (api, cdn, control)
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    print("spark-sim ready api=%(api)s cdn=%(cdn)s control=%(control)s ca=%(ca)s" % sim.ready,
          flush=True)
    if args.key == [] and args.key_file == []:
        print("spark-sim: accepting the demo key '%s'" % DEFAULT_KEY, file=sys.stderr)

    # Short waits: a SIGTERM handled at C level by another thread sets the
    # flag Python checks, but does not wake a main thread blocked in one
    # long futex wait (seen: the first SIGTERM ignored under load).
    end = time.monotonic() + args.max_seconds
    while not stop.wait(min(0.2, max(0.0, end - time.monotonic()))):
        if time.monotonic() >= end:
            break
    for s in servers:
        s.shutdown()
        s.server_close()
    try:
        os.remove(ready_path)
    except OSError:
        pass
    return 0
