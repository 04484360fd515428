#!/usr/bin/python3
"""samples/clickstream end to end (ctest label `samples`): page views counted per page in 10 s
tumbling windows by two streams processor processes sharing the partitions; one is SIGKILLed
once both have worked on the first half of the input, and the other takes over its partitions
(restoring their stores from the changelog) while the second half arrives.
The last count written per window must equal a reference computed directly from the input.
Usage: clickstream_test.py CLICKSTREAM_BIN FLUXO_BIN
"""
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "utils"))
from fluxo_broker import BrokerProcess, stop_process  # noqa: E402

CLICK, FLUXO = sys.argv[1], sys.argv[2]
EVENTS = 30000
REPARTITION = "clickstream-page-view-counts-repartition"


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def report(b):
    r = subprocess.run([CLICK, "--broker", b.node, "report", "--json"], capture_output=True, timeout=60)
    return json.loads(r.stdout.decode().strip().splitlines()[-1])


def group_state(b):
    r = subprocess.run([FLUXO, "group", "describe", "clickstream", "--json", "--broker", b.node], capture_output=True, timeout=60)
    return json.loads(r.stdout) if r.returncode == 0 else None


def both_working(b):
    """Both instances own partitions and every source and repartition partition has a commit."""
    g = group_state(b)
    if not g or g["state"] != "Stable" or len(g["members"]) != 2 or any(not m["partitions"] for m in g["members"]):
        return False
    committed = {(p["topic"], p["partition"]): p["committed"] for p in g["partitions"]}
    return all(committed.get((t, p), -1) > 0 for t in ("page-views", REPARTITION) for p in range(3))


def generate(b, events):
    gen = subprocess.run([CLICK, "--broker", b.node, "generate", "--events", str(events), "--rate", str(events // 3)],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    check(gen.returncode == 0, "generate: %s" % gen.stdout.decode(errors="replace"))


def main():
    tmp = tempfile.mkdtemp(prefix="fluxo-clickstream-")
    procs = []
    ok = False
    try:
        with BrokerProcess(FLUXO, tmp) as b:
            for topic in ("page-views", "page-counts"):
                subprocess.run([FLUXO, "topic", "create", topic, "--partitions", "3", "--broker", b.node], check=True,
                               capture_output=True, timeout=30)
            # Two instances share the partitions through the group.
            first = subprocess.Popen([CLICK, "--broker", b.node, "process"],
                                     stdout=open(os.path.join(tmp, "process-1.log"), "wb"), stderr=subprocess.STDOUT)
            procs.append(first)
            second = subprocess.Popen([CLICK, "--broker", b.node, "process"],
                                      stdout=open(os.path.join(tmp, "process-2.log"), "wb"), stderr=subprocess.STDOUT)
            procs.append(second)
            # The first half of the views arrives while both work on it (however fast or slow this
            # machine is, the kill below comes only once both own partitions and have committed).
            generate(b, EVENTS // 2)
            deadline = time.time() + 120
            while time.time() < deadline and not both_working(b):
                time.sleep(0.2)
            check(both_working(b), "both instances working: %s" % group_state(b))
            # One is killed without warning; the other takes its partitions over, restoring their
            # stores, while the second half arrives.
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            generate(b, EVENTS - EVENTS // 2)
            deadline = time.time() + 120
            rep = report(b)
            while time.time() < deadline and (rep["missing"] or rep["wrong"]):
                time.sleep(0.5)
                rep = report(b)
            stop_process(second)
            out = open(os.path.join(tmp, "process-2.log")).read()
            check(rep["views"] == EVENTS, "views %s" % rep)
            check(rep["wrong"] == 0 and rep["missing"] == 0 and rep["extra"] == 0, "counts not exact: %s" % rep)
            m = re.search(r"(\d+) records processed, (\d+) replays skipped, (\d+) late, (\d+) changelog records restored", out)
            check(m and int(m.group(4)) > 0, "the second processor restored its store: %s" % out)
            check(int(m.group(3)) == 0, "no late records: %s" % out)
            ok = True
            print("ok: %d windows exact after a SIGKILL of one of two instances at %d of %d views; survivor: %s" % (rep["windows"], EVENTS // 2, EVENTS, out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            stop_process(p, signal.SIGKILL, 10)
        if not ok:
            for name in ("process-1.log", "process-2.log", "broker.log"):
                try:
                    print("--- %s (tail) ---\n%s" % (name, open(os.path.join(tmp, name), errors="replace").read()[-6000:]))
                except OSError:
                    pass
            keep = os.environ.get("FLUXO_KEEP_FAILED")
            if keep:
                shutil.copytree(tmp, os.path.join(keep, os.path.basename(tmp)))
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
