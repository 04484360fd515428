#!/usr/bin/python3
"""samples/services end to end (ctest label `samples`): the inventory service in one process and
the shop in another (two CAF nodes besides the broker's). Every order is answered through the
topics, by the other process, continuing the order's trace; stock runs out as it should.
Usage: services_test.py SERVICES_BIN FLUXO_BIN
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "utils"))
from fluxo_broker import BrokerProcess, stop_process  # noqa: E402

SERVICES, FLUXO = sys.argv[1], sys.argv[2]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    tmp = tempfile.mkdtemp(prefix="fluxo-services-")
    inventory = None
    try:
        with BrokerProcess(FLUXO, tmp) as b:
            log = open(os.path.join(tmp, "inventory.log"), "wb")
            inventory = subprocess.Popen([SERVICES, "--broker", b.node, "inventory"], stdout=log, stderr=subprocess.STDOUT)
            r = subprocess.run([SERVICES, "--broker", b.node, "shop", "--orders", "60", "--seconds", "60", "--json"],
                               capture_output=True, timeout=120)
            check(r.returncode == 0, "shop: %s %s" % (r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")[-2000:]))
            s = json.loads(r.stdout.decode().strip().splitlines()[-1])
            check(s["answered"] == 60 and s["traced"] == 60, "answers and traces %s" % s)
            check(s["inventory_pids"] == [inventory.pid] and s["shop_pid"] != inventory.pid, "crossed processes %s" % s)
            # 20 orders per item; stock: apple 30, pear 15, plum 10.
            check(s["by_status"] == {"reserved": 45, "out-of-stock": 15}, "stock %s" % s["by_status"])
            print("ok: %s" % s)
    finally:
        if inventory:
            stop_process(inventory)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
