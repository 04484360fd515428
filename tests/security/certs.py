"""Test certificates made with the openssl CLI (for the security tests and benchmark)."""
import os
import subprocess


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (" ".join(args), r.stderr))


def make_certs(d):
    """A CA, the broker's certificate (SAN IP:127.0.0.1, DNS:localhost), a client certificate
    for CN=carol from the CA and one for CN=mallory from another CA. EC P-256 keys."""
    os.makedirs(d, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for ca in ("ca", "other-ca"):
        openssl("req", "-x509", *ec, "-keyout", ca + ".key", "-out", ca + ".pem", "-days", "2", "-subj",
                "/CN=fluxo test " + ca, cwd=d)
    with open(os.path.join(d, "san.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, ca, cn in (("server", "ca", "localhost"), ("carol", "ca", "carol"), ("mallory", "other-ca", "mallory")):
        openssl("req", *ec, "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn, cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem", "-CAkey", ca + ".key", "-CAcreateserial",
                "-days", "2", "-out", name + ".pem", *(["-extfile", "san.ext"] if name == "server" else []), cwd=d)
    return {n: os.path.join(d, n) for n in ("ca.pem", "other-ca.pem", "server.pem", "server.key", "carol.pem",
                                              "carol.key", "mallory.pem", "mallory.key")}
