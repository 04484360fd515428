#!/usr/bin/python3
"""The broker's HTTP port against a real broker process (ctest label `console`).

Usage: http_api_test.py FLUXO_BIN SCENARIO   (scenarios: api, metrics, tail)
Data goes in with the fluxo CLI and through the Kafka port (confluent-kafka), then every
endpoint of docs/http-api.md is checked, including its error answers. Every wait is bounded.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

FLUXO = sys.argv[1]
SCENARIO = sys.argv[2]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Broker:
    def __init__(self, data_dir):
        self.data_dir = data_dir
        ready = os.path.join(data_dir, "ready")
        self.log = open(os.path.join(data_dir, "broker.log"), "ab")
        self.proc = subprocess.Popen(
            [FLUXO, "broker", "--data-dir", os.path.join(data_dir, "data"), "--node-addr", "127.0.0.1:0",
             "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--ready-file", ready],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(ready):
                lines = open(ready).read().split()
                if len(lines) >= 3:
                    self.node, self.kafka, self.http = lines[0], lines[1], lines[2]
                    return
            time.sleep(0.05)
        raise RuntimeError("broker did not start")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def request(broker, method, path, body=None):
    """(status, parsed JSON or text) of one request."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request("http://%s%s" % (broker.http, path), data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            raw, status, ctype = r.read(), r.status, r.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        raw, status, ctype = e.read(), e.code, e.headers.get("Content-Type", "")
    return status, (json.loads(raw) if "json" in ctype else raw.decode())


def cli(broker, args, stdin=None):
    r = subprocess.run([FLUXO] + args + ["--broker", broker.node], input=stdin, capture_output=True, timeout=60)
    check(r.returncode == 0, "fluxo %s failed: %s" % (args, r.stderr.decode(errors="replace")))
    return r.stdout.decode()


def seed(broker):
    """orders: 3 partitions, 30 keyed JSON records; group billing consumed 10 of them."""
    cli(broker, ["topic", "create", "orders", "--partitions", "3"])
    lines = "".join('k%d:{"n": %d}\n' % (i, i) for i in range(30))
    cli(broker, ["produce", "orders", "--key-separator", ":", "--header", "source=test"], stdin=lines.encode())
    out = cli(broker, ["consume", "orders", "--group", "billing", "--max", "10"])
    check(len(out.splitlines()) == 10, "consumed 10: %r" % out)


def scenario_api(b):
    seed(b)
    status, body = request(b, "GET", "/healthz")
    check(status == 200 and body["status"] == "ok", "healthz %s %s" % (status, body))
    status, body = request(b, "GET", "/readyz")
    check(status == 200 and body["status"] == "ready", "readyz %s" % body)

    status, node = request(b, "GET", "/api/v1/node")
    check(status == 200 and node["node_addr"] == b.node and node["kafka_addr"] == b.kafka and node["http_addr"] == b.http,
          "node %s" % node)
    check(node["topics"] >= 1 and node["groups"] == 1, "node counts %s" % node)

    # Topics: list, create, describe, errors, delete.
    status, body = request(b, "GET", "/api/v1/topics")
    orders = [t for t in body["topics"] if t["name"] == "orders"]
    check(status == 200 and len(orders) == 1, "topics %s" % body)
    check(orders[0]["messages"] == 30 and orders[0]["partitions"] == 3 and orders[0]["size_bytes"] > 0, "orders %s" % orders)
    status, body = request(b, "POST", "/api/v1/topics", {"name": "audit", "partitions": 2, "config": {"retention.ms": "3600000"}})
    check(status == 201 and len(body["partitions"]) == 2 and body["config"]["retention.ms"] == "3600000", "create %s %s" % (status, body))
    status, body = request(b, "POST", "/api/v1/topics", {"name": "audit", "partitions": 2})
    check(status == 409 and body["error"]["name"] == "TOPIC_ALREADY_EXISTS", "duplicate %s %s" % (status, body))
    status, body = request(b, "POST", "/api/v1/topics", {"name": "bad name!"})
    check(status == 400 and body["error"]["code"] != 0, "bad name %s %s" % (status, body))
    status, body = request(b, "POST", "/api/v1/topics", {"name": "x", "config": {"retention.ms": "soon"}})
    check(status == 400 and body["error"]["name"] == "INVALID_CONFIG", "bad config %s %s" % (status, body))
    status, body = request(b, "POST", "/api/v1/topics", "not an object")
    check(status == 400, "bad body %s" % status)
    status, body = request(b, "GET", "/api/v1/topics/orders")
    check(status == 200 and sum(p["messages"] for p in body["partitions"]) == 30, "describe %s" % body)
    check(all(p["segments"] and p["segments"][0]["base_offset"] == 0 for p in body["partitions"]), "segments %s" % body)
    status, body = request(b, "GET", "/api/v1/topics/missing")
    check(status == 404 and body["error"]["name"] == "UNKNOWN_TOPIC_OR_PARTITION", "missing %s %s" % (status, body))
    status, body = request(b, "DELETE", "/api/v1/topics/audit")
    check(status == 200 and body["deleted"] == "audit", "delete %s" % body)
    status, body = request(b, "GET", "/api/v1/nope")
    check(status == 404 and "error" in body, "unknown endpoint %s %s" % (status, body))

    # Messages: browse, formats, start rules, key search, produce, bad parameters.
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?limit=100")
    msgs = body["messages"]
    check(status == 200 and len(msgs) == 30, "browse %d" % len(msgs))
    check(sorted(int(m["key"][1:]) for m in msgs) == list(range(30)), "keys %s" % [m["key"] for m in msgs])
    check(all(m["headers"] == {"source": "test"} for m in msgs), "headers %s" % msgs[0])
    check(all(json.loads(m["value"])["n"] == int(m["key"][1:]) for m in msgs), "text values")
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?format=json&limit=5")
    check(len(body["messages"]) == 5 and all(isinstance(m["value"], dict) for m in body["messages"]), "json format %s" % body)
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?format=hex&partition=0&limit=1")
    m = body["messages"][0]
    check(bytes.fromhex(m["value"]).decode() == '{"n": %d}' % int(m["key"][1:]), "hex %s" % m)
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?partition=1&offset=-2")
    check(len(body["messages"]) == 2 and body["next_offsets"]["1"] == body["messages"][-1]["offset"] + 1, "tail offsets %s" % body)
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?partition=2&offset=1&limit=2")
    check([m["offset"] for m in body["messages"]] == [1, 2], "from offset %s" % body)
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?timestamp=%d" % (int(time.time() * 1000) + 60000))
    check(body["messages"] == [], "future timestamp %s" % body)
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?key=k17")
    check(len(body["messages"]) == 1 and body["messages"][0]["value"] == '{"n": 17}', "by key %s" % body)
    check(list(body["next_offsets"].keys()) == [str(body["messages"][0]["partition"])], "key scans one partition %s" % body)
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?partition=9")
    check(status == 404, "bad partition %s" % status)
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?offset=abc")
    check(status == 400, "bad offset %s" % status)
    status, body = request(b, "GET", "/api/v1/topics/orders/messages?format=xml")
    check(status == 400, "bad format %s" % status)
    status, body = request(b, "POST", "/api/v1/topics/orders/messages", {"key": "k17", "value": "again", "headers": {"a": "b"}})
    check(status == 201 and body["offset"] >= 0, "produce %s %s" % (status, body))
    status, found = request(b, "GET", "/api/v1/topics/orders/messages?key=k17")
    check([m["value"] for m in found["messages"]] == ['{"n": 17}', "again"], "same key, same partition %s" % found)
    check(found["messages"][1]["headers"] == {"a": "b"}, "produced headers %s" % found)

    # Groups: list, describe with lag, reset (dry run, refused with members, applied), delete.
    status, body = request(b, "GET", "/api/v1/groups")
    check(status == 200 and body["groups"] == [{"group_id": "billing", "state": "Empty", "protocol_type": "fluxo",
                                                 "members": 0, "total_lag": 21}], "groups %s" % body)
    status, g = request(b, "GET", "/api/v1/groups/billing")
    check(status == 200 and g["total_lag"] == 21 and len(g["partitions"]) == 3, "group %s" % g)
    check(sum(p["end_offset"] for p in g["partitions"]) == 31, "end offsets %s" % g["partitions"])
    check(all(p["lag_ms"] > 0 for p in g["partitions"] if p["lag"] > 0), "lag in time %s" % g["partitions"])
    check(any("joined" in h["reason"] for h in g["history"]), "history %s" % g["history"])
    status, body = request(b, "GET", "/api/v1/groups/nobody")
    check(status == 404 and body["error"]["name"] == "GROUP_ID_NOT_FOUND", "unknown group %s %s" % (status, body))
    status, plan = request(b, "POST", "/api/v1/groups/billing/reset-offsets", {"topic": "orders", "to": "latest", "dry_run": True})
    check(status == 200 and plan["dry_run"] and all(p["to"] > 0 for p in plan["partitions"]), "dry run %s" % plan)
    status, g2 = request(b, "GET", "/api/v1/groups/billing")
    check(g2["total_lag"] == 21, "dry run wrote nothing %s" % g2["total_lag"])
    status, body = request(b, "POST", "/api/v1/groups/billing/reset-offsets", {"topic": "orders", "to": "sideways"})
    check(status == 400, "bad target %s" % status)
    status, body = request(b, "POST", "/api/v1/groups/billing/reset-offsets", {"topic": "orders", "to": "offset"})
    check(status == 400, "offset without value %s" % status)

    # A live member blocks the reset and the delete (409); once it leaves, both work.
    member = subprocess.Popen([FLUXO, "consume", "orders", "--group", "billing", "--follow", "--from", "end", "--broker", b.node],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            status, g3 = request(b, "GET", "/api/v1/groups/billing")
            if g3["state"] == "Stable" and len(g3["members"]) == 1 and len(g3["members"][0]["partitions"]) == 3:
                break
            time.sleep(0.1)
        check(g3["state"] == "Stable" and all(p["member_id"] == g3["members"][0]["member_id"] for p in g3["partitions"]),
              "member owns every partition %s" % g3)
        status, body = request(b, "POST", "/api/v1/groups/billing/reset-offsets", {"topic": "orders", "to": "earliest"})
        check(status == 409 and body["error"]["name"] == "NON_EMPTY_GROUP", "reset with members %s %s" % (status, body))
        status, body = request(b, "DELETE", "/api/v1/groups/billing")
        check(status == 409, "delete with members %s" % status)
    finally:
        member.send_signal(signal.SIGINT)
        try:
            member.wait(timeout=20)
        except subprocess.TimeoutExpired:
            member.kill()
            member.wait()
    deadline = time.time() + 30
    while time.time() < deadline:
        status, g4 = request(b, "GET", "/api/v1/groups/billing")
        if not g4["members"]:
            break
        time.sleep(0.1)
    status, body = request(b, "POST", "/api/v1/groups/billing/reset-offsets",
                           {"topic": "orders", "to": "offset", "value": 1, "partitions": [0]})
    check(status == 200 and body["partitions"] == [{"topic": "orders", "partition": 0, "from": body["partitions"][0]["from"], "to": 1}],
          "reset applied %s %s" % (status, body))
    status, g5 = request(b, "GET", "/api/v1/groups/billing")
    check([p["committed"] for p in g5["partitions"] if p["partition"] == 0] == [1], "committed after reset %s" % g5["partitions"])
    status, body = request(b, "DELETE", "/api/v1/groups/billing")
    check(status == 200, "delete group %s %s" % (status, body))
    status, body = request(b, "GET", "/api/v1/groups")
    check(body["groups"] == [], "no groups left %s" % body)

    # Dead letters go back to their original topic (fluxo.* headers dropped).
    cli(b, ["produce", "jobs.dlt", "--key-separator", ":", "--header", "fluxo.original.topic=jobs", "--header", "fluxo.attempts=3",
            "--header", "keep=me"], stdin=b"j1:again\n")
    status, body = request(b, "POST", "/api/v1/topics/jobs.dlt/replay-dead-letters", {})
    check(status == 200 and body["replayed"] == 1, "replay %s %s" % (status, body))
    status, body = request(b, "GET", "/api/v1/topics/jobs/messages")
    check([(m["key"], m["value"], m["headers"]) for m in body["messages"]] == [("j1", "again", {"keep": "me"})], "replayed %s" % body)
    status, body = request(b, "POST", "/api/v1/topics/nope.dlt/replay-dead-letters", {})
    check(status == 404, "replay of an unknown topic %s %s" % (status, body))
    status, body = request(b, "POST", "/api/v1/topics/jobs.dlt/replay-dead-letters", {"from_offset": "x"})
    check(status == 400, "bad from_offset %s" % status)

    # The console is served from the binary.
    status, page = request(b, "GET", "/")
    check(status == 200 and "<html" in page.lower(), "console page")
    status, js = request(b, "GET", "/app.js")
    check(status == 200 and len(js) > 1000, "console script")


def scenario_metrics(b):
    from prometheus_client.parser import text_string_to_metric_families
    from confluent_kafka import Consumer, Producer
    seed(b)
    # Kafka clients: a produce and a fetch, so the Kafka families have samples.
    p = Producer({"bootstrap.servers": b.kafka})
    for i in range(5):
        p.produce("orders", key=b"kafka-%d" % i, value=b"v")
    check(p.flush(30) == 0, "kafka produce")
    c = Consumer({"bootstrap.servers": b.kafka, "group.id": "kgroup", "auto.offset.reset": "earliest"})
    c.subscribe(["orders"])
    got, deadline = 0, time.time() + 30
    while got < 35 and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got += 1
    c.commit(asynchronous=False)
    check(got == 35, "kafka consumed %d" % got)
    status, text = request(b, "GET", "/metrics")
    check(status == 200, "metrics status")
    families = {f.name: f for f in text_string_to_metric_families(text)}
    c.close()

    def samples(name, suffix="", **labels):
        f = families.get(name)
        check(f is not None, "family %s missing; have %s" % (name, sorted(families)))
        return [s for s in f.samples if s.name == name + suffix and all(s.labels.get(k) == v for k, v in labels.items())]

    def value(name, suffix="", **labels):
        s = samples(name, suffix, **labels)
        check(len(s) == 1, "%s%s %s: %s" % (name, suffix, labels, s))
        return s[0].value

    check(sum(s.value for s in samples("fluxo_records_in", "_total", topic="orders")) == 35, "records in")
    check(value("fluxo_bytes_in", "_total", topic="orders") > 0 and value("fluxo_bytes_out", "_total", topic="orders") > 0, "bytes")
    check(value("fluxo_kafka_requests", "_total", api="Produce") >= 1 and value("fluxo_kafka_requests", "_total", api="Fetch") >= 1,
          "kafka requests")
    check(value("fluxo_kafka_request_duration_seconds", "_count", api="Produce") >= 1, "produce latency histogram")
    check(value("fluxo_kafka_connections") >= 0, "connections gauge")
    check(value("fluxo_partition_requests", "_total", op="produce") >= 2, "partition requests")
    check(sum(value("fluxo_high_watermark", topic="orders", partition=str(i)) for i in range(3)) == 35, "high watermarks")
    check(sum(value("fluxo_partition_messages", topic="orders", partition=str(i)) for i in range(3)) == 35, "messages")
    check(all(value("fluxo_log_size_bytes", topic="orders", partition=str(i)) > 0 for i in range(3)), "log sizes")
    check(all(value("fluxo_log_segments", topic="orders", partition=str(i)) == 1 for i in range(3)), "segments")
    check(all(value("fluxo_partition_mailbox_depth", topic="orders", partition=str(i)) >= 0 for i in range(3)), "mailbox")
    check(sum(value("fluxo_group_lag_messages", group="billing", topic="orders", partition=str(i)) for i in range(3)) == 25,
          "billing lag")
    check(sum(value("fluxo_group_lag_messages", group="kgroup", topic="orders", partition=str(i)) for i in range(3)) == 0, "kgroup lag")
    check(value("fluxo_group_members", group="billing") == 0, "members")
    check(sum(s.value for s in samples("fluxo_group_rebalances", "_total", group="kgroup", reason="member_joined")) >= 1,
          "rebalances with reasons")
    check(value("fluxo_fsync_duration_seconds", "_count") >= 1, "fsync histogram")  # __consumer_offsets commits fsync
    check(value("fluxo_up_seconds") > 0, "up")
    check(sum(s.value for s in samples("fluxo_http_requests", "_total")) >= 0, "http requests family")


def scenario_tail(b):
    cli(b, ["topic", "create", "live", "--partitions", "2"])
    got, errors = [], []

    def read_stream(path, out):
        try:
            with urllib.request.urlopen("http://%s%s" % (b.http, path), timeout=30) as r:
                check(r.headers.get("Content-Type", "").startswith("text/event-stream"), "content type")
                event = {}
                for raw in r:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("data: "):
                        out.append(json.loads(line[6:]))
                        if len(out) >= 5:
                            return
        except Exception as e:  # reported by the main thread
            errors.append(e)

    both, one = [], []
    t1 = threading.Thread(target=read_stream, args=("/api/v1/topics/live/tail", both))
    t2 = threading.Thread(target=read_stream, args=("/api/v1/topics/live/tail?partition=1&format=json", one))
    t1.start()
    t2.start()
    time.sleep(1.0)  # the streams start at the end: records from now on
    for i in range(20):
        status, body = request(b, "POST", "/api/v1/topics/live/messages", {"key": "key-%d" % i, "value": {"i": i}})
        check(status == 201, "produce %s" % body)
    t1.join(timeout=30)
    t2.join(timeout=30)
    check(not errors, "stream errors %s" % errors)
    check(len(both) == 5 and len(one) == 5, "events %d %d" % (len(both), len(one)))
    check(all(m["partition"] == 1 and isinstance(m["value"], dict) for m in one), "partition filter and json %s" % one)
    check(all(json.loads(m["value"])["i"] >= 0 for m in both), "text values %s" % both)


def main():
    tmp = tempfile.mkdtemp(prefix="fluxo-http-")
    broker = None
    try:
        broker = Broker(tmp)
        {"api": scenario_api, "metrics": scenario_metrics, "tail": scenario_tail}[SCENARIO](broker)
        print("ok: %s" % SCENARIO)
    except Exception:
        if broker:
            broker.stop()
            sys.stderr.write(open(os.path.join(tmp, "broker.log"), errors="replace").read()[-4000:])
        raise
    finally:
        if broker:
            broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
