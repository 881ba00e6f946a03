"""Test CA and server certificates, made once per state dir with the openssl CLI.

Clients verify the simulator like a real service: they trust ca.pem and check
the host name. server.pem names localhost, 127.0.0.1 and ::1; wrong-host.pem
names only wrong.example so the wrong-host-cert fault fails verification.
EC P-256 keys: mbedTLS 2.28 (TLS 1.2, ECDHE-ECDSA-AES-GCM) handles them.
"""
import fcntl
import os
import subprocess
import tempfile

CA_DAYS = 3650
LEAF_DAYS = 825  # the longest leaf lifetime common TLS clients accept

GOOD_SAN = "DNS:localhost,IP:127.0.0.1,IP:::1"
WRONG_SAN = "DNS:wrong.example"


class CertError(RuntimeError):
    pass


def _openssl(*args):
    proc = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise CertError("openssl %s failed: %s" % (args[0], proc.stderr.strip()))


def _new_key(path):
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", path)
    os.chmod(path, 0o600)


def _leaf(d, name, cn, san):
    key, csr, ext = (os.path.join(d, name + s) for s in (".key", ".csr", ".ext"))
    _new_key(key)
    _openssl("req", "-new", "-key", key, "-subj", "/CN=" + cn, "-out", csr)
    with open(ext, "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\n"
                "keyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n"
                "subjectKeyIdentifier=hash\n"
                "authorityKeyIdentifier=keyid\n"
                "subjectAltName=%s\n" % san)
    _openssl("x509", "-req", "-in", csr, "-CA", os.path.join(d, "ca.pem"),
             "-CAkey", os.path.join(d, "ca.key"), "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
             "-days", str(LEAF_DAYS), "-sha256", "-extfile", ext,
             "-out", os.path.join(d, name + ".pem"))
    os.chmod(os.path.join(d, name + ".pem"), 0o644)
    os.remove(csr)
    os.remove(ext)


FILES = ("ca.pem", "ca.key", "server.pem", "server.key", "wrong-host.pem", "wrong-host.key")


def ensure(state_dir):
    """Return the cert paths in state_dir, creating them on first use.

    Returns (paths, created). Creation happens in a temporary directory and
    the files are moved in at the end, under a lock, so two simulators
    starting on one state dir never see half a set.
    """
    cert_dir = os.path.join(state_dir, "tls")
    os.makedirs(cert_dir, exist_ok=True)
    paths = {f: os.path.join(cert_dir, f) for f in FILES}
    with open(os.path.join(cert_dir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if all(os.path.exists(p) for p in paths.values()):
            return paths, False
        with tempfile.TemporaryDirectory(dir=cert_dir) as tmp:
            _new_key(os.path.join(tmp, "ca.key"))
            _openssl("req", "-x509", "-new", "-key", os.path.join(tmp, "ca.key"),
                     "-subj", "/CN=spark-sim test CA", "-days", str(CA_DAYS), "-sha256",
                     "-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                     "-out", os.path.join(tmp, "ca.pem"))
            os.chmod(os.path.join(tmp, "ca.pem"), 0o644)
            _leaf(tmp, "server", "localhost", GOOD_SAN)
            _leaf(tmp, "wrong-host", "wrong.example", WRONG_SAN)
            for f in FILES:
                os.replace(os.path.join(tmp, f), paths[f])
        return paths, True
