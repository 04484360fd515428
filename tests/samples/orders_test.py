#!/usr/bin/python3
"""samples/orders end to end (ctest label `samples`): a broker process, the API placing orders,
two worker processes with two worker actors each; one worker process is SIGKILLed mid-run.

Asserts: every order is either completed or dead-lettered (never both, none missing); exactly
the poison orders are dead-lettered, with origin, attempts and error; re-runs after the kill say
the same; per-customer order holds; both processes did work (the group moved the partitions).
Usage: orders_test.py ORDERS_BIN FLUXO_BIN
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "utils"))
from fluxo_broker import BrokerProcess, stop_process  # noqa: E402

ORDERS, FLUXO = sys.argv[1], sys.argv[2]
N = 400


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def report(b):
    r = subprocess.run([ORDERS, "--broker", b.node, "report", "--json"], capture_output=True, timeout=60)
    check(r.returncode in (0, 1), "report failed: %s" % r.stderr.decode(errors="replace"))
    return json.loads(r.stdout.decode().strip().splitlines()[-1])


def main():
    tmp = tempfile.mkdtemp(prefix="fluxo-orders-")
    workers = []
    try:
        with BrokerProcess(FLUXO, tmp) as b:
            r = subprocess.run([ORDERS, "--broker", b.node, "api", "--orders", str(N), "--customers", "25"],
                               capture_output=True, timeout=60)
            check(r.returncode == 0, "api: %s" % r.stderr.decode(errors="replace"))
            logs = [open(os.path.join(tmp, "worker-%d.log" % i), "wb") for i in range(2)]
            for i in range(2):
                workers.append(subprocess.Popen([ORDERS, "--broker", b.node, "worker", "--actors", "2", "--work-ms", "10"],
                                                stdout=logs[i], stderr=subprocess.STDOUT))
            # Let both processes work for a while, then kill one without warning.
            deadline = time.time() + 60
            while time.time() < deadline and report(b)["completed"] < N // 4:
                time.sleep(0.2)
            check(report(b)["completed"] >= N // 4, "workers made no progress")
            workers[0].send_signal(signal.SIGKILL)
            workers[0].wait(timeout=10)
            deadline = time.time() + 120
            rep = report(b)
            while time.time() < deadline and rep["missing"] > 0:
                time.sleep(0.5)
                rep = report(b)
            stop_process(workers[1])
            rep = report(b)
            poison = [i for i in range(N) if i % 50 == 7]
            expected_dead = sorted(rep["expected_dead"])
            check(set(poison) <= set(expected_dead), "poison orders always fail %s" % expected_dead)
            check(rep["placed"] == N, "placed %s" % rep["placed"])
            check(rep["missing"] == 0, "orders lost: %s" % rep)
            check(rep["completed_and_dead"] == 0 and rep["poison_completed"] == 0, "outcomes %s" % rep)
            check(rep["dead_lettered"] == len(expected_dead) and rep["completed"] == N - len(expected_dead), "counts %s" % rep)
            check(sorted(d["order"] for d in rep["dead_letters"]) == expected_dead, "dead letters %s" % rep["dead_letters"])
            for d in rep["dead_letters"]:
                reason = "card declined" if d["order"] in poison else "timed out"
                check(d["attempts"] == "4" and reason in d["error"] and d["original"].startswith("orders/"),
                      "dead letter metadata %s" % d)
            check(rep["differing_duplicates"] == 0, "re-runs disagree %s" % rep)
            check(rep["per_key_order_violations"] == 0, "per-customer order broken %s" % rep)
            pids = {w.split("-")[1] for w in rep["results_per_worker"]}
            check(len(pids) == 2, "both processes worked, the survivor took over: %s" % rep["results_per_worker"])
            print("ok: %d completed, %d dead-lettered, %d redelivered after the kill" %
                  (rep["completed"], rep["dead_lettered"], rep["duplicate_results"]))
    finally:
        for w in workers:
            stop_process(w, signal.SIGKILL, 10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
