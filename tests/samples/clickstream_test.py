#!/usr/bin/python3
"""samples/clickstream end to end (ctest label `samples`): page views counted per page in 10 s
tumbling windows by two streams processor processes sharing the partitions; one is SIGKILLed
mid-run and the other takes over its partitions (restoring their stores from the changelog).
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


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def report(b):
    r = subprocess.run([CLICK, "--broker", b.node, "report", "--json"], capture_output=True, timeout=60)
    return json.loads(r.stdout.decode().strip().splitlines()[-1])


def committed(b):
    r = subprocess.run([FLUXO, "group", "describe", "clickstream", "--json", "--broker", b.node], capture_output=True, timeout=30)
    if r.returncode != 0:
        return 0
    return sum(max(p["committed"], 0) for p in json.loads(r.stdout)["partitions"] if p["topic"] == "page-views")


def main():
    tmp = tempfile.mkdtemp(prefix="fluxo-clickstream-")
    procs = []
    try:
        with BrokerProcess(FLUXO, tmp) as b:
            for topic in ("page-views", "page-counts"):
                subprocess.run([FLUXO, "topic", "create", topic, "--partitions", "3", "--broker", b.node], check=True,
                               capture_output=True, timeout=30)
            # A live source: views keep arriving while the processor runs, is killed and restarts.
            gen = subprocess.Popen([CLICK, "--broker", b.node, "generate", "--events", str(EVENTS), "--rate", str(EVENTS // 6)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            procs.append(gen)
            # Two instances share the partitions through the group; one is killed without warning
            # part-way through and the other takes its partitions over, restoring their stores.
            first = subprocess.Popen([CLICK, "--broker", b.node, "process"],
                                     stdout=open(os.path.join(tmp, "process-1.log"), "wb"), stderr=subprocess.STDOUT)
            procs.append(first)
            second = subprocess.Popen([CLICK, "--broker", b.node, "process"],
                                      stdout=open(os.path.join(tmp, "process-2.log"), "wb"), stderr=subprocess.STDOUT)
            procs.append(second)
            deadline = time.time() + 60
            while time.time() < deadline and committed(b) < EVENTS // 6:
                time.sleep(0.05)
            done_before = committed(b)
            check(0 < done_before < EVENTS, "progress before the kill: %d" % done_before)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            check(gen.wait(timeout=60) == 0, "generate: %s" % gen.stdout.read().decode(errors="replace"))
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
            print("ok: %d windows exact after a SIGKILL of one of two instances at %d of %d views; survivor: %s" % (rep["windows"], done_before, EVENTS, out.strip().splitlines()[-1]))
    finally:
        for p in procs:
            stop_process(p, signal.SIGKILL, 10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
