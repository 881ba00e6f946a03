#!/usr/bin/env python3
"""Loopback peers for sparkcam's transport tests (stdlib + openssl + nginx).

  netfix.py pki DIR                  make the test PKI in DIR (once, locked)
  netfix.py serve DIR KIND [ARGS]    start a server, print its port, run
                                     until stdin closes, then stop it

KIND: sserver CERT (openssl s_server -www with DIR/CERT.pem),
      nginx [OTHER_PORT] (real nginx: static files, chunked, redirects, upload),
      hostile (Python TLS server: misbehaving responses by path),
      stall (accepts TCP, never answers), proxy LOGFILE [USER:PASSWORD] (HTTP
      CONNECT proxy; with USER:PASSWORD it answers 407 to any other Basic
      credentials),
      renego (openssl s_server that asks for a TLS 1.2 renegotiation before
      its first reply, then answers every GET with "ok").
The test process holds our stdin: when it exits, however it exits, the
server goes with it.
"""
import base64
import fcntl
import hashlib
import json
import os
import shutil
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time

# --- PKI ---------------------------------------------------------------------

CA_CNF = """[ca]
default_ca = ca_default
[ca_default]
dir = {d}
database = {d}/index.txt
new_certs_dir = {d}/newcerts
serial = {d}/serial
default_md = sha256
policy = policy_any
unique_subject = no
[policy_any]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $ENV::SAN
"""

# name: (issuer, SAN, start, end); None dates = valid now for 825 days.
LEAVES = {
    "server": ("ca", "DNS:localhost", None, None),
    "ip": ("ca", "IP:127.0.0.1,IP:::1", None, None),
    "expired": ("ca", "DNS:localhost", "20200101000000Z", "20210101000000Z"),
    "future": ("ca", "DNS:localhost", "20400101000000Z", "20410101000000Z"),
    "wrong-host": ("ca", "DNS:wrong.example,DNS:other.example", None, None),
    "unknown-ca": ("other-ca", "DNS:localhost", None, None),
}


def openssl(*args, env=None):
    p = subprocess.run(["openssl", *args], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        sys.exit("openssl %s failed: %s" % (args[0], p.stderr.strip()))


def make_ca(d, name, cn):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.pem", "-subj", "/CN=" + cn,
            "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    cad = f"{d}/{name}.db"
    os.makedirs(cad + "/newcerts")
    open(cad + "/index.txt", "w").close()
    with open(cad + "/serial", "w") as f:
        f.write("%016X\n" % int.from_bytes(os.urandom(7), "big"))
    with open(cad + "/ca.cnf", "w") as f:
        f.write(CA_CNF.format(d=cad))


def make_leaf(d, name, issuer, san, start, end):
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{d}/{name}.key", "-out", f"{d}/{name}.csr", "-subj", "/CN=" + name)
    dates = ["-startdate", start, "-enddate", end] if start else ["-days", "825"]
    env = dict(os.environ, SAN=san)
    openssl("ca", "-batch", "-notext", "-config", f"{d}/{issuer}.db/ca.cnf", "-cert",
            f"{d}/{issuer}.pem", "-keyfile", f"{d}/{issuer}.key", "-extensions", "leaf",
            "-in", f"{d}/{name}.csr", "-out", f"{d}/{name}.pem", *dates, env=env)


def pki(d):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(os.path.join(d, "done")):
            return
        tmp = tempfile.mkdtemp(dir=d)
        make_ca(tmp, "ca", "sparkcam test CA")
        make_ca(tmp, "other-ca", "sparkcam other CA")
        for name, (issuer, san, start, end) in LEAVES.items():
            make_leaf(tmp, name, issuer, san, start, end)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", f"{tmp}/self-signed.key", "-out", f"{tmp}/self-signed.pem",
                "-subj", "/CN=localhost", "-days", "825", "-addext", "subjectAltName=DNS:localhost")
        for f in os.listdir(tmp):
            if f.endswith((".pem", ".key")):
                os.replace(os.path.join(tmp, f), os.path.join(d, f))
        shutil.rmtree(tmp)
        open(os.path.join(d, "done"), "w").close()


# --- helpers -----------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port, proc=None, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if proc and proc.poll() is not None:
            sys.exit("server exited early with %d" % proc.returncode)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit("server did not listen on %d" % port)


def server_context(d, name="server"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(f"{d}/{name}.pem", f"{d}/{name}.key")
    # Honour the client's suite order, as nginx does by default: sparkcam's
    # first choice (AES-256-GCM or ChaCha20-Poly1305) is a suite whose records
    # libgcrypt seals. (spark-sim keeps Python's server preference, AES-GCM, so the
    # edit tests run mbedTLS's own record path.)
    ctx.options &= ~ssl.OP_CIPHER_SERVER_PREFERENCE
    return ctx


def read_head(f):
    lines = []
    while True:
        line = f.readline(65536)
        if not line:
            return None
        if line in (b"\r\n", b"\n"):
            return lines
        lines.append(line.decode("latin-1").rstrip("\r\n"))


# --- hostile / echo server -------------------------------------------------

class Hostile(socketserver.StreamRequestHandler):
    """Misbehaves by path. Keeps the connection for well-formed replies."""

    def handle(self):
        try:
            # No ragged EOFs: a TCP end without close_notify raises, so
            # /closes can tell a clean close from a cut or a bad record.
            self.conn = self.server.ctx.wrap_socket(self.request, server_side=True,
                                                    suppress_ragged_eofs=False)
        except (ssl.SSLError, OSError):
            return
        self.rf = self.conn.makefile("rb")
        try:
            while self.one():
                pass
            ending = "close_notify" if self.at_eof else None
        except (OSError, ssl.SSLError) as e:
            ending = "error: %s" % e
        if ending:
            self.server.endings.append(ending)

    def send(self, data):
        self.conn.sendall(data)

    def one(self):
        self.at_eof = False
        head = read_head(self.rf)
        if not head:
            self.at_eof = head is None
            return False
        method, path, _ = head[0].split(" ", 2)
        headers = {}
        for h in head[1:]:
            k, _, v = h.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0"))
        if path == "/echo":
            digest, n = hashlib.sha256(), 0
            while n < length:
                chunk = self.rf.read(min(65536, length - n))
                if not chunk:
                    return False
                digest.update(chunk)
                n += len(chunk)
            body = json.dumps({"bytes": n, "sha256": digest.hexdigest()}).encode()
            self.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            return True
        if length:
            self.rf.read(length)
        if path == "/closes":
            # How each finished connection ended, oldest first: "close_notify" or "error: ..."
            body = json.dumps({"endings": self.server.endings}).encode()
            self.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            return True
        if path == "/headers":
            body = json.dumps(headers).encode()
            self.send(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            return True
        if path == "/interim":
            self.send(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                      b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n")
            return True
        if path == "/endless-headers":
            self.send(b"HTTP/1.1 200 OK\r\n")
            while True:
                self.send(b"X-Filler: " + b"a" * 1000 + b"\r\n")
        if path == "/endless-chunked":
            self.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            while True:
                self.send(b"1000\r\n" + b"z" * 4096 + b"\r\n")
        if path == "/drip":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
            for _ in range(100):
                time.sleep(1)
                self.send(b"d")
            return False
        if path == "/reset":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"r" * 5000)
            time.sleep(0.2)
            self.conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.request.close()
            return False
        if path == "/short-length":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"s" * 10)
            self.conn.unwrap()
            return False
        if path == "/long-length":
            self.send(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nokayEXTRA-BYTES")
            return True
        if path in ("/close-delimited", "/close-delimited-cut"):
            # A body framed by the close only; "-cut" ends the TCP stream
            # without a TLS close_notify, as an attacker's FIN would.
            self.send(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"p" * 3000)
            time.sleep(0.1)
            if path == "/close-delimited":
                self.conn.unwrap()
            else:
                self.request.shutdown(socket.SHUT_RDWR)
            return False
        if path == "/close-after":
            # Claims keep-alive, then closes: the client must reconnect.
            self.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            time.sleep(0.1)
            self.conn.unwrap()
            return False
        self.send(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        return True


class TLSServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


# --- CONNECT proxy -----------------------------------------------------------

class Proxy(socketserver.StreamRequestHandler):
    def handle(self):
        head = read_head(self.rfile)
        if not head or not head[0].startswith("CONNECT "):
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        target = head[0].split(" ")[1]
        if self.server.credentials is not None:
            want = "Basic " + base64.b64encode(self.server.credentials.encode()).decode()
            got = [h.split(":", 1)[1].strip() for h in head[1:]
                   if h.lower().startswith("proxy-authorization:")]
            if got != [want]:
                with open(self.server.log, "a") as f:
                    f.write("407 " + target + "\n")
                # With a body, as squid sends its error page.
                page = b"<html>proxy authentication required</html>"
                self.wfile.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                                 b"Proxy-Authenticate: Basic realm=\"netfix\"\r\n"
                                 b"Content-Type: text/html\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(page), page))
                return
        with open(self.server.log, "a") as f:
            f.write(target + "\n")
        host, _, port = target.rpartition(":")
        try:
            up = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        self.wfile.flush()

        def pump(src, dst):
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        t = threading.Thread(target=pump, args=(up, self.request), daemon=True)
        t.start()
        pump(self.request, up)
        t.join(10)


# --- nginx -------------------------------------------------------------------

NGINX_CONF = """daemon off;
master_process off;
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 64; }}
http {{
  access_log off;
  default_type application/octet-stream;
  client_body_temp_path {run}/body;
  proxy_temp_path {run}/proxy;
  fastcgi_temp_path {run}/fastcgi;
  uwsgi_temp_path {run}/uwsgi;
  scgi_temp_path {run}/scgi;
  keepalive_requests 10000;
  keepalive_timeout 60s;
  server {{
    listen 127.0.0.1:{port} ssl;
    server_name localhost;
    ssl_certificate {pki}/server.pem;
    ssl_certificate_key {pki}/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:tls:1m;
    root {www};
    location /static/ {{ }}
    location = /chunked {{
      # sub_filter drops Content-Length, so nginx sends the file chunked.
      sub_filter_types *;
      sub_filter 'QQ' 'RR';
      sub_filter_once off;
      alias {www}/static/text.txt;
    }}
    location = /big-headers {{
      add_header X-Big1 "{big}";
      add_header X-Big2 "{big}";
      return 200 "big\\n";
    }}
    location = /redirect {{ return 302 /static/small.bin; }}
    location = /redirect-loop {{ return 302 /redirect-loop; }}
    location = /redirect-away {{ return 302 https://localhost:{other}/headers; }}
    location = /redirect-http {{ return 302 http://localhost:{port}/static/small.bin; }}
    location = /upload {{
      # mirror_request_body makes nginx read the whole body (into a file
      # kept by client_body_in_file_only) before the 200.
      client_max_body_size 16m;
      client_body_in_file_only on;
      mirror /mirror;
      mirror_request_body on;
      return 200 "stored\\n";
    }}
    location = /mirror {{ internal; return 204; }}
    location = /sink {{
      # The whole body is read (mirror_request_body) and then dropped.
      client_max_body_size 16m;
      mirror /mirror;
      mirror_request_body on;
      return 200 "ok\\n";
    }}
  }}
}}
"""


def start_renego(d):
    """s_server driven through its console (its 'r' command sends a
    HelloRequest); the client declines with a warning alert that mbedTLS
    writes itself, between records sealed by sparkcam's sealer."""
    port = free_port()
    proc = subprocess.Popen(["openssl", "s_server", "-crlf", "-tls1_2", "-accept",
                             "127.0.0.1:%d" % port, "-cert", f"{d}/server.pem", "-key",
                             f"{d}/server.key"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1)

    def drive():
        requests = 0
        for line in proc.stdout:
            if line.startswith("GET "):
                requests += 1
            elif line.strip() == "" and requests:
                if requests == 1:
                    proc.stdin.write("r\n")  # s_server's console: renegotiate
                    proc.stdin.flush()
                    time.sleep(0.2)
                # -crlf turns each \n into \r\n: the body is "ok\r\n".
                proc.stdin.write("HTTP/1.1 200 OK\nContent-Length: 4\n\nok\n")
                proc.stdin.flush()
    threading.Thread(target=drive, daemon=True).start()
    return proc, port


def start_nginx(d, other):
    run = tempfile.mkdtemp(prefix="nginx-", dir=os.path.dirname(d))
    www = os.path.join(run, "www")
    os.makedirs(www + "/static")
    with open(www + "/static/small.bin", "wb") as f:
        f.write(bytes(range(256)) * 4)
    with open(www + "/static/large.bin", "wb") as f:
        f.write(hashlib.sha256(b"seed").digest() * (3 * 1024 * 1024 // 32))
    with open(www + "/static/text.txt", "w") as f:
        f.write("".join("line %06d QQ of the chunked body\n" % i for i in range(20000)))
    port = free_port()
    conf = os.path.join(run, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(run=run, port=port, pki=d, www=www, big="b" * 4000,
                                  other=other or port))
    proc = subprocess.Popen(["nginx", "-c", conf, "-p", run, "-e", run + "/error.log"],
                            stdin=subprocess.DEVNULL)
    return proc, port, run


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "pki":
        pki(sys.argv[2])
        return
    if len(sys.argv) < 4 or sys.argv[1] != "serve":
        sys.exit(__doc__)
    d, kind, args = sys.argv[2], sys.argv[3], sys.argv[4:]
    pki(d)
    proc, cleanup_dir = None, None
    if kind == "sserver":
        port = free_port()
        # sserver CERT [CIPHERS]: with CIPHERS, a TLS 1.2-only server
        # offering just those suites.
        ciphers = ["-tls1_2", "-cipher", args[1]] if len(args) > 1 else []
        proc = subprocess.Popen(["openssl", "s_server", "-quiet", "-www", "-accept",
                                 "127.0.0.1:%d" % port, "-cert", f"{d}/{args[0]}.pem",
                                 "-key", f"{d}/{args[0]}.key", *ciphers],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    elif kind == "renego":
        proc, port = start_renego(d)
    elif kind == "nginx":
        proc, port, cleanup_dir = start_nginx(d, int(args[0]) if args else 0)
        print("DIR " + cleanup_dir, flush=True)
    elif kind in ("hostile", "proxy", "stall"):
        if kind == "hostile":
            srv = TLSServer(("127.0.0.1", 0), Hostile)
            srv.ctx = server_context(d)
            srv.endings = []
        elif kind == "proxy":
            srv = TLSServer(("127.0.0.1", 0), Proxy)
            srv.log = args[0]
            srv.credentials = args[1] if len(args) > 1 else None
        else:
            srv = socket.socket()
            srv.bind(("127.0.0.1", 0))
            srv.listen(16)  # the kernel completes handshakes; nobody reads
        port = srv.server_address[1] if kind != "stall" else srv.getsockname()[1]
        if kind != "stall":
            threading.Thread(target=srv.serve_forever, daemon=True).start()
    else:
        sys.exit("unknown server kind " + kind)
    if kind not in ("hostile", "proxy", "stall"):
        wait_listening(port, proc)
    print(port, flush=True)
    try:
        sys.stdin.read()
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
        if cleanup_dir and not os.environ.get("NETFIX_KEEP"):
            shutil.rmtree(cleanup_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
