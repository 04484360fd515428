#!/usr/bin/python3
"""What security costs, measured side by side in one run on one broker (make bench-security).

Usage: security_bench.py FLUXO_BIN [--records N] [--reps R] [--json]

  throughput  librdkafka (fluxo bench kafka-produce / kafka-consume, 100-byte records) against
              the PLAINTEXT, SSL and SASL_SSL (SCRAM-SHA-512) listeners of the same broker,
              interleaved R times; medians and ratios to PLAINTEXT
  login       a fresh librdkafka client's first Metadata answer over PLAINTEXT, SASL_PLAINTEXT
              with SCRAM-SHA-256 / SCRAM-SHA-512 and SASL_SSL, medians of 20; the difference to
              PLAINTEXT is what the SCRAM (and TLS) handshake adds
  node port   the native client (fluxo bench produce / consume, 100-byte records) against three
              more brokers: a plain CAF node port, one with --node-tls (mutual TLS), and one with
              --node-tls and --node-auth required (the client logs in with SCRAM-SHA-512 and every
              request passes the ACL check), interleaved R times; medians and the ratios TLS /
              plain and login / TLS

Everything runs on 127.0.0.1 with certificates made by the openssl CLI.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "security"))
from certs import make_certs  # noqa: E402


def start_broker(fluxo, root, certs):
    pw = os.path.join(root, "pw")
    with open(pw, "w") as f:
        f.write("bench-secret\n")
    data = os.path.join(root, "data")
    subprocess.run([fluxo, "user", "create", "bench", "--password-file", pw, "--data-dir", data], check=True,
                   capture_output=True)
    ready = os.path.join(root, "ready")
    proc = subprocess.Popen(
        [fluxo, "broker", "--data-dir", data, "--node-addr", "127.0.0.1:0", "--http-addr", "none",
         "--kafka-addr", "PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0",
         "--tls-cert", certs["server.pem"], "--tls-key", certs["server.key"], "--ready-file", ready,
         "--authorizer", "none",  # what TLS and SASL cost, not ACLs
         "--log-level", "warn"],
        stdout=open(os.path.join(root, "broker.log"), "wb"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(ready) and len(open(ready).read().split()) >= 4:
            return proc, dict(l.split("://") for l in open(ready).read().split()[3].split(","))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("broker did not start: " + open(os.path.join(root, "broker.log")).read())


NODE_VARIANTS = ("plain", "tls", "login")


def start_node_broker(fluxo, root, certs, variant):
    """A broker for native clients (variant: plain, tls, login): its node address."""
    d = os.path.join(root, "node-" + variant)
    os.makedirs(d)
    ready = os.path.join(d, "ready")
    extra = ["--kafka-addr", "none"]
    if variant != "plain":
        extra = ["--node-tls", "true", "--tls-cert", certs["server.pem"], "--tls-key", certs["server.key"],
                 "--tls-ca", certs["ca.pem"]]
    if variant == "login":
        # Logins on the node port, and the ACL check on every request (no ACL: everyone allowed).
        subprocess.run([fluxo, "user", "create", "bench", "--password-file", os.path.join(root, "pw"), "--data-dir",
                        os.path.join(d, "data")], check=True, capture_output=True)
        extra += ["--node-auth", "required", "--kafka-addr", "SASL_PLAINTEXT://127.0.0.1:0",
                  "--allow-everyone-if-no-acl", "true"]
    elif variant == "tls":
        extra += ["--kafka-addr", "none"]
    proc = subprocess.Popen([fluxo, "broker", "--data-dir", os.path.join(d, "data"), "--node-addr", "127.0.0.1:0",
                             "--http-addr", "none", "--ready-file", ready, "--log-level", "warn"]
                            + extra, stdout=open(os.path.join(d, "broker.log"), "wb"), stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(ready) and open(ready).read().split():
            return proc, open(ready).read().split()[0]
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError("broker did not start: " + open(os.path.join(d, "broker.log")).read())


def native_bench(fluxo, mode, node, tls_args, records):
    args = [fluxo, "bench", mode, "--broker", node, "--records", str(records), "--json"] + tls_args
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stdout + r.stderr))
    return json.loads(r.stdout.strip().splitlines()[-1])["records_per_s"]


def node_port_rates(fluxo, root, certs, records, reps):
    with open(os.path.join(root, "pw"), "w") as f:
        f.write("bench-secret\n")
    brokers = {v: start_node_broker(fluxo, root, certs, v) for v in NODE_VARIANTS}
    client_tls = ["--tls-cert", certs["carol.pem"], "--tls-key", certs["carol.key"], "--tls-ca", certs["ca.pem"]]
    client_args = {"plain": [], "tls": client_tls,
                   "login": client_tls + ["--user", "bench", "--password-file", os.path.join(root, "pw")]}
    rates = {(mode, v): [] for mode in ("produce", "consume") for v in NODE_VARIANTS}
    try:
        for _ in range(reps):
            for mode in ("produce", "consume"):
                for v in NODE_VARIANTS:
                    rates[(mode, v)].append(native_bench(fluxo, mode, brokers[v][1], client_args[v], records))
    finally:
        for proc, _ in brokers.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    out = {}
    for mode in ("produce", "consume"):
        plain, tls, login = (statistics.median(rates[(mode, v)]) for v in NODE_VARIANTS)
        out["native %s node port plain records/s" % mode] = round(plain)
        out["native %s node port TLS records/s" % mode] = round(tls)
        out["native %s node port TLS+login records/s" % mode] = round(login)
        out["native %s node port TLS / plain" % mode] = round(tls / plain, 3)
        out["native %s node port TLS+login / TLS" % mode] = round(login / tls, 3)
    return out


def client_settings(protocol, certs, mechanism="SCRAM-SHA-512"):
    out = {"security.protocol": protocol}
    if "SSL" in protocol:
        out["ssl.ca.location"] = certs["ca.pem"]
    if "SASL" in protocol:
        out.update({"sasl.mechanisms": mechanism, "sasl.username": "bench", "sasl.password": "bench-secret"})
    return out


def bench(fluxo, mode, addr, settings, records):
    args = [fluxo, "bench", mode, "--bootstrap", addr, "--records", str(records), "--json"]
    for k, v in settings.items():
        args += ["-X", "%s=%s" % (k, v)]
    r = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stdout + r.stderr))
    return json.loads(r.stdout.strip().splitlines()[-1])["records_per_s"]


def login_ms(addr, settings):
    from confluent_kafka import Producer
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        p = Producer(dict(settings, **{"bootstrap.servers": addr}))
        p.list_topics(timeout=10)
        times.append((time.perf_counter() - t0) * 1000)
        del p
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fluxo")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    root = tempfile.mkdtemp(prefix="fluxo-security-bench-")
    certs = make_certs(os.path.join(root, "certs"))
    proc, listeners = start_broker(os.path.abspath(a.fluxo), root, certs)
    try:
        paths = {"PLAINTEXT": listeners["PLAINTEXT"], "SSL": listeners["SSL"], "SASL_SSL": listeners["SASL_SSL"]}
        rates = {(mode, p): [] for mode in ("kafka-produce", "kafka-consume") for p in paths}
        for _ in range(a.reps):
            for mode in ("kafka-produce", "kafka-consume"):
                for protocol, addr in paths.items():
                    rates[(mode, protocol)].append(bench(a.fluxo, mode, addr, client_settings(protocol, certs), a.records))
        out = {"records": a.records, "reps": a.reps}
        for (mode, protocol), r in rates.items():
            out["%s %s records/s" % (mode, protocol)] = round(statistics.median(r))
        for mode in ("kafka-produce", "kafka-consume"):
            base = statistics.median(rates[(mode, "PLAINTEXT")])
            for protocol in ("SSL", "SASL_SSL"):
                out["%s %s / PLAINTEXT" % (mode, protocol)] = round(statistics.median(rates[(mode, protocol)]) / base, 3)
        logins = {"PLAINTEXT": login_ms(listeners["PLAINTEXT"], client_settings("PLAINTEXT", certs)),
                  "SCRAM-SHA-256": login_ms(listeners["SASL_PLAINTEXT"],
                                            client_settings("SASL_PLAINTEXT", certs, "SCRAM-SHA-256")),
                  "SCRAM-SHA-512": login_ms(listeners["SASL_PLAINTEXT"],
                                            client_settings("SASL_PLAINTEXT", certs, "SCRAM-SHA-512")),
                  "SASL_SSL SCRAM-SHA-512": login_ms(listeners["SASL_SSL"], client_settings("SASL_SSL", certs))}
        for k, v in logins.items():
            out["first metadata ms %s" % k] = round(v, 2)
        out.update(node_port_rates(os.path.abspath(a.fluxo), root, certs, a.records, a.reps))
        if not a.json:
            for k, v in out.items():
                print("%-45s %s" % (k, v))
        print(json.dumps(out))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
