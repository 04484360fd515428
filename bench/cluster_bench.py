#!/usr/bin/python3
"""The cluster's figures, measured side by side with a single node in one run (make bench-cluster).

Usage: cluster_bench.py FLUXO_BIN [--records N] [--kills K] [--faults F] [--json]

  produce    100-byte records through librdkafka (fluxo bench kafka-produce) and the native
             client (fluxo bench produce): one node with acks=1, then three nodes with RF=3 and
             acks=1 / acks=all; ratios to the single-node acks=1 rate of the same client
  failover   SIGKILL of a partition's leader under an acks=all producer, K times: time from the
             kill to the first acknowledgement after it (p50 / p99 / max)
  drain      `fluxo cluster drain N` while a producer runs: time until N leads nothing, and the
             errors the producer saw
  faults     F injected faults (SIGKILL, SIGSTOP beyond the lease, network cut) under idempotent
             acks=all producers, then every acknowledged record checked: lost and duplicated

Everything runs on this machine; figures are medians over repetitions where it says so.
"""
import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "cluster"))
from cluster_harness import Cluster, free_port, wait_for  # noqa: E402
from cluster_checks import AckedProducer, create_topic, read_everything  # noqa: E402

from confluent_kafka import Producer  # noqa: E402


def bench_json(fluxo, args, timeout=600):
    r = subprocess.run([fluxo, "bench"] + args + ["--json"], capture_output=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("fluxo bench %s failed: %s" % (" ".join(args), r.stderr.decode()[-2000:]))
    return json.loads(r.stdout.decode().strip().splitlines()[-1])


def rates(fluxo, kafka, native, records, acks):
    k = bench_json(fluxo, ["kafka-produce", "--bootstrap", kafka, "--records", str(records), "--acks", acks])
    n = bench_json(fluxo, ["produce", "--broker", native, "--records", str(records), "--acks", acks])
    return k["records_per_s"], n["records_per_s"]


def single_node_rates(fluxo, records, reps):
    root = tempfile.mkdtemp(prefix="fluxo-bench-single-")
    node_port, kafka_port = free_port(), free_port()
    ready = os.path.join(root, "ready")
    proc = subprocess.Popen([fluxo, "broker", "--data-dir", os.path.join(root, "data"), "--node-addr",
                             "127.0.0.1:%d" % node_port, "--kafka-addr", "127.0.0.1:%d" % kafka_port, "--http-addr", "none",
                             "--ready-file", ready, "--log-level", "warn"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: os.path.exists(ready), 30, "the single node")
        out = [rates(fluxo, "127.0.0.1:%d" % kafka_port, "127.0.0.1:%d" % node_port, records, "1") for _ in range(reps)]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
        subprocess.run(["rm", "-rf", root])
    return out


def failover(c, kills):
    create_topic(c, "fo", 1)
    times, roles = [], []
    for _ in range(kills):
        victim = c.leader("fo", 0)
        acked = []
        p = Producer({"bootstrap.servers": c.bootstrap, "acks": "all", "enable.idempotence": True, "linger.ms": 0,
                      "retry.backoff.ms": 50, "message.timeout.ms": 30000})
        stop = threading.Event()

        def run():
            i = 0
            while not stop.is_set():
                try:
                    p.produce("fo", value=b"x%d" % i, on_delivery=lambda e, m: acked.append((time.time(), m.timestamp()[1] / 1000.0)) if e is None else None)
                    i += 1
                except BufferError:
                    pass
                p.poll(0.001)
            p.flush(30)

        th = threading.Thread(target=run)
        th.start()
        wait_for(lambda: len(acked) > 50, 20, "acknowledgements before the kill")
        was_controller = c.controller() == victim
        t_kill = time.time()
        c.kill(victim)
        # the first acknowledgement of a record produced after the kill (earlier ones were in flight)
        first = wait_for(lambda: next((t for t, created in acked if created > t_kill), None), 30,
                         "an acknowledgement of a record produced after the kill")
        times.append(first - t_kill)
        roles.append("controller+leader" if was_controller else "leader")
        stop.set()
        th.join(60)
        c.start(victim)
        c.wait_isr("fo", 0, 3, timeout=60)
    return times, roles


def drain(c):
    create_topic(c, "dr", 6)
    pr = AckedProducer(c.bootstrap, "dr", "drain").start()
    time.sleep(2)
    leaders = {}
    for p in range(6):
        leaders.setdefault(c.leader("dr", p), []).append(p)
    victim = max(leaders, key=lambda n: len(leaders[n]))
    t0 = time.time()
    r = subprocess.run([c.fluxo, "cluster", "drain", str(victim), "--broker", c.nodes[victim].native, "--wait", "30"],
                       capture_output=True, timeout=60)
    moved = wait_for(lambda: all(c.leader("dr", p) != victim for p in range(6)), 30, "the drained node to lead nothing")
    elapsed = time.time() - t0
    time.sleep(2)
    pr.stop(allow_fatal=True)
    subprocess.run([c.fluxo, "cluster", "drain", str(victim), "--undo", "--broker", c.nodes[victim].native],
                   capture_output=True, timeout=60)
    records, _ = read_everything(c, "dr", 6)
    return dict({"node": victim, "leaders_moved": len(leaders[victim]), "seconds": elapsed,
                 "producer_errors": len(pr.failed), "fatal": pr.fatal, "cli": r.stdout.decode().strip(), "ok": bool(moved)},
                **audit([pr.acked], records))


def faults(c, count):
    create_topic(c, "ft", 3)
    producers = [AckedProducer(c.bootstrap, "ft", "f%d" % i).start() for i in range(2)]
    rng = random.Random(2026)
    kinds = {"kill": 0, "stop": 0, "cut": 0}
    for i in range(count):
        victim = c.leader("ft", i % 3)
        if victim not in c.nodes:
            victim = rng.choice(list(c.nodes))
        kind = rng.choice(["kill", "kill", "stop", "cut"])
        kinds[kind] += 1
        if kind == "kill":
            c.kill(victim)
            time.sleep(0.3)
            c.start(victim)
        elif kind == "stop":
            c.nodes[victim].signal(signal.SIGSTOP)
            time.sleep(c.lease_ttl_ms / 1000 * 2)
            c.nodes[victim].signal(signal.SIGCONT)
        else:
            c.cut(victim)
            time.sleep(c.lease_ttl_ms / 1000 * 2)
            c.heal(victim)
        for p in range(3):
            c.wait_isr("ft", p, 3, timeout=90)
    for pr in producers:
        pr.stop(allow_fatal=True)
    records, _ = read_everything(c, "ft", 3)
    out = dict({"faults": count, "kinds": kinds, "fatal_producer_errors": [pr.fatal for pr in producers if pr.fatal]},
               **audit([pr.acked for pr in producers], records))
    if out["duplicated"]:
        out["duplicates"] = duplicate_batches(c, "ft", records)
    return out


def duplicate_batches(c, topic, records, limit=5):
    """For the first duplicated values: the producer id, epoch and base sequence of the
    batches holding each copy (from a replica's log files), to tell a client's resend under a
    new epoch from a broker that lost track of a sequence."""
    seen, dups = {}, []
    for p, recs in records.items():
        for off, v in recs:
            if v in seen and len(dups) < limit:
                dups.append((v, seen[v], (p, off)))
            seen.setdefault(v, (p, off))
    node = next(iter(c.nodes))
    def header(p, off):
        for base, last, data in c.log_bytes(node, topic, p):
            if base <= off <= last:
                return {"base_offset": base, "producer_id": int.from_bytes(data[43:51], "big", signed=True),
                        "producer_epoch": int.from_bytes(data[51:53], "big", signed=True),
                        "base_sequence": int.from_bytes(data[53:57], "big", signed=True),
                        "leader_epoch": int.from_bytes(data[12:16], "big", signed=True)}
        return None
    return [{"value": v, "first": header(*a), "again": header(*b)} for v, a, b in dups]


def audit(acked_lists, records):
    """Counts (rather than asserts) what verify_acked checks: acknowledged records missing or
    at another offset, and values stored more than once."""
    where = {}
    duplicated = 0
    for p, recs in records.items():
        for off, v in recs:
            duplicated += v in where
            where.setdefault(v, (p, off))
    acked = [a for lst in acked_lists for a in lst]
    lost = sum(1 for p, off, v, _ in acked if v not in where)
    moved = sum(1 for p, off, v, _ in acked if v in where and where[v] != (p, off))
    return {"acknowledged": len(acked), "lost": lost, "at_another_offset": moved, "duplicated": duplicated}


def pct(values, q):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fluxo")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--faults", type=int, default=50)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--log-level", default="warn", help="the nodes' log level (their logs are printed when a step fails)")
    ap.add_argument("--only", default="produce,failover,drain,faults")
    a = ap.parse_args()
    only = set(a.only.split(","))
    out = {}

    def report(name):  # each section as soon as it is done (the last line has them all)
        if not a.json:
            print(name, json.dumps(out[name], default=str), flush=True)
    if "produce" in only:
        single = single_node_rates(a.fluxo, a.records, a.reps)
        with Cluster(a.fluxo, lease_ttl_ms=1000, log_level=a.log_level) as c:
            all_ = [rates(a.fluxo, c.nodes[1].kafka, c.nodes[1].native, a.records, "all") for _ in range(a.reps)]
            one = [rates(a.fluxo, c.nodes[1].kafka, c.nodes[1].native, a.records, "1") for _ in range(a.reps)]
        med = lambda rows, i: statistics.median(r[i] for r in rows)
        for i, client in enumerate(["librdkafka", "native"]):
            base = med(single, i)
            out["produce_" + client] = {
                "single_acks1": base, "rf3_acks1": med(one, i), "rf3_acksall": med(all_, i),
                "ratio_rf3_acks1": med(one, i) / base, "ratio_rf3_acksall": med(all_, i) / base,
                "runs": {"single": [r[i] for r in single], "rf3_acks1": [r[i] for r in one], "rf3_acksall": [r[i] for r in all_]}}
            report("produce_" + client)
    if "failover" in only:
        with Cluster(a.fluxo, lease_ttl_ms=1000, log_level=a.log_level) as c:
            t, roles = failover(c, a.kills)
        out["failover_s"] = {"kills": len(t), "p50": statistics.median(t), "p99": pct(t, 0.99), "max": max(t),
                             "all": [(round(x, 3), r) for x, r in zip(t, roles)]}
        report("failover_s")
    if "drain" in only:
        with Cluster(a.fluxo, lease_ttl_ms=1000, log_level=a.log_level) as c:
            out["drain"] = drain(c)
        report("drain")
    if "faults" in only:
        with Cluster(a.fluxo, lease_ttl_ms=1000, log_level=a.log_level) as c:
            out["faults"] = faults(c, a.faults)
        report("faults")
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
