#!/usr/bin/python3
"""Real Kafka clients against a real fluxo broker process (ctest label `kafka`).

Usage: kafka_clients_test.py FLUXO_BIN SCENARIO
Each scenario starts its own broker on 127.0.0.1 with free ports, runs kcat or
confluent-kafka (librdkafka) against it, and stops it. Every wait is bounded.
"""
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewPartitions, NewTopic

FLUXO = sys.argv[1]
SCENARIO = sys.argv[2]


class Broker:
    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.proc = None
        self.kafka = None
        self.node = None

    def start(self):
        ready = os.path.join(self.data_dir, "ready")
        if os.path.exists(ready):
            os.remove(ready)
        self.log = open(os.path.join(self.data_dir, "broker.log"), "ab")
        self.proc = subprocess.Popen(
            [FLUXO, "broker", "--data-dir", os.path.join(self.data_dir, "data"), "--node-addr", "127.0.0.1:0",
             "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--ready-file", ready, "--default-partitions", "1"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(ready):
                lines = open(ready).read().split()
                if len(lines) >= 2:
                    self.node, self.kafka = lines[0], lines[1]
                    return
            time.sleep(0.05)
        raise RuntimeError("broker did not start: " + open(os.path.join(self.data_dir, "broker.log")).read())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            code = self.proc.wait(timeout=60)
            self.proc = None
            return code
        return None


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def kcat(args, stdin=None, timeout=60):
    r = subprocess.run(["kcat"] + args, input=stdin, capture_output=True, timeout=timeout)
    check(r.returncode == 0, "kcat %s failed: %s" % (args, r.stderr.decode(errors="replace")))
    return r.stdout


def murmur2(data):
    seed, m, r = 0x9747b28c, 0x5bd1e995, 24
    length = len(data)
    h = (seed ^ length) & 0xffffffff
    for i in range(0, length - length % 4, 4):
        k = struct.unpack_from("<I", data, i)[0]
        k = (k * m) & 0xffffffff
        k ^= k >> r
        k = (k * m) & 0xffffffff
        h = (h * m) & 0xffffffff
        h ^= k
    tail = length % 4
    base = length - tail
    if tail >= 3:
        h ^= data[base + 2] << 16
    if tail >= 2:
        h ^= data[base + 1] << 8
    if tail >= 1:
        h ^= data[base]
        h = (h * m) & 0xffffffff
    h ^= h >> 13
    h = (h * m) & 0xffffffff
    h ^= h >> 15
    return h


def consume_all(bootstrap, topic, expected, group=None, timeout=60, extra=None):
    conf = {"bootstrap.servers": bootstrap, "auto.offset.reset": "earliest",
            "group.id": group or ("reader-%d" % os.getpid()), "enable.auto.commit": False}
    conf.update(extra or {})
    c = Consumer(conf)
    c.subscribe([topic])
    out = []
    deadline = time.time() + timeout
    while len(out) < expected and time.time() < deadline:
        m = c.poll(0.5)
        if m is None:
            continue
        check(not m.error(), "consumer error %s" % m.error())
        out.append(m)
    c.close()
    return out


# ---- scenarios ---------------------------------------------------------------------------------

def scenario_kcat(b):
    md = kcat(["-b", b.kafka, "-L"]).decode()
    check("1 brokers" in md and "__consumer_offsets" in md, "metadata listing: " + md)
    a = AdminClient({"bootstrap.servers": b.kafka})
    for f in a.create_topics([NewTopic("kc", 6, 1)]).values():
        f.result(timeout=30)
    n = 100000
    lines = "".join("key-%d\tvalue-%d\n" % (i, i) for i in range(n)).encode()
    kcat(["-b", b.kafka, "-P", "-t", "kc", "-K", "\t", "-H", "source=kcat", "-X", "partitioner=murmur2_random",
          "-X", "linger.ms=5"], stdin=lines, timeout=120)
    out = kcat(["-b", b.kafka, "-C", "-t", "kc", "-e", "-q", "-f", "%p\t%o\t%k\t%s\t%h\t%T\n"], timeout=120).decode()
    rows = [l.split("\t") for l in out.splitlines() if l]
    check(len(rows) == n, "consumed %d of %d" % (len(rows), n))
    last = {}
    seen = set()
    for p, o, k, v, h, ts in rows:
        p, o = int(p), int(o)
        check(k.replace("key-", "value-") == v, "key/value mismatch %s %s" % (k, v))
        check(h == "source=kcat", "headers lost: %r" % h)
        check(int(ts) > 1600000000000, "timestamp lost: %s" % ts)
        check(p == (murmur2(k.encode()) & 0x7fffffff) % 6, "key %s on partition %d, Java would pick %d" %
              (k, p, (murmur2(k.encode()) & 0x7fffffff) % 6))
        check(last.get(p, -1) + 1 == o, "partition %d offsets not consecutive at %d" % (p, o))
        last[p] = o
        idx = int(k.split("-")[1])
        seen.add(idx)
    check(len(seen) == n, "records missing or duplicated")
    # Per-partition order follows production order.
    per_part = {}
    for p, o, k, v, h, ts in rows:
        per_part.setdefault(int(p), []).append(int(k.split("-")[1]))
    for p, idxs in per_part.items():
        check(idxs == sorted(idxs), "partition %d out of production order" % p)


def scenario_group(b):
    a = AdminClient({"bootstrap.servers": b.kafka})
    for f in a.create_topics([NewTopic("jobs", 6, 1)]).values():
        f.result(timeout=30)
    p = Producer({"bootstrap.servers": b.kafka})
    for i in range(600):
        p.produce("jobs", key=str(i), value=str(i))
    p.flush(30)
    conf = {"bootstrap.servers": b.kafka, "group.id": "workers", "auto.offset.reset": "earliest",
            "enable.auto.commit": False, "session.timeout.ms": 6000, "heartbeat.interval.ms": 500}
    c1, c2 = Consumer(conf), Consumer(conf)
    c1.subscribe(["jobs"])
    c2.subscribe(["jobs"])
    seen = {}
    deadline = time.time() + 60
    while time.time() < deadline:
        for c in (c1, c2):
            m = c.poll(0.2)
            if m is not None and not m.error():
                seen[(m.partition(), m.offset())] = c
        # Each client applies a new generation's assignment at its own moment: wait until
        # both show the same settled split (disjoint halves) rather than sampling once.
        a1 = {tp.partition for tp in c1.assignment()}
        a2 = {tp.partition for tp in c2.assignment()}
        if len(seen) >= 300 and len(a1) == 3 and len(a2) == 3 and not (a1 & a2):
            break
    parts1 = {tp.partition for tp in c1.assignment()}
    parts2 = {tp.partition for tp in c2.assignment()}
    check(len(parts1) == 3 and len(parts2) == 3 and not (parts1 & parts2), "split %s / %s" % (parts1, parts2))
    c1.commit(asynchronous=False)
    c2.commit(asynchronous=False)
    c2.close()  # leaves the group: c1 takes over
    deadline = time.time() + 60
    while len(seen) < 600 and time.time() < deadline:
        m = c1.poll(0.2)
        if m is not None and not m.error():
            seen[(m.partition(), m.offset())] = c1
    check(len(seen) == 600, "consumed %d of 600 after takeover" % len(seen))
    check(len({tp.partition for tp in c1.assignment()}) == 6, "survivor owns every partition")
    # Commit explicit positions: what was consumed, per partition. (A plain commit() only
    # covers partitions c1 consumed from since its last rebalance.)
    ends = {}
    for (p_, o_) in seen:
        ends[p_] = max(ends.get(p_, 0), o_ + 1)
    c1.commit(offsets=[TopicPartition("jobs", p_, o_) for p_, o_ in ends.items()], asynchronous=False)
    committed = c1.committed([TopicPartition("jobs", i) for i in range(6)], timeout=10)
    total = sum(tp.offset for tp in committed)
    check(total == 600, "committed %d" % total)
    # As Kafka: a commit for a topic or partition that does not exist is refused for those
    # partitions (UNKNOWN_TOPIC_OR_PARTITION) and commits the others.
    try:
        res = c1.commit(offsets=[TopicPartition("jobs", 0, ends[0]), TopicPartition("jobs", 99, 1),
                                 TopicPartition("no-such-topic", 0, 5)], asynchronous=False)
        errors = {(tp.topic, tp.partition): tp.error.code() if tp.error else None for tp in res}
    except KafkaException as e:
        errors = {("any", -1): e.args[0].code()}
    bad = [c for k, c in errors.items() if k != ("jobs", 0)]
    check(bad and all(c == KafkaError.UNKNOWN_TOPIC_OR_PART for c in bad), "commit of unknown partitions: %s" % errors)
    check(errors.get(("jobs", 0)) in (None,) or ("any", -1) in errors, "jobs/0 committed: %s" % errors)
    check(not c1.committed([TopicPartition("no-such-topic", 0)], timeout=10)[0].offset >= 0, "no commit stored for an unknown topic")
    c1.close()
    # Commits survive a broker restart.
    check(b.stop() == 0, "clean shutdown")
    b.start()
    conf["bootstrap.servers"] = b.kafka  # the restarted broker listens on a new free port
    c3 = Consumer(conf)
    committed = c3.committed([TopicPartition("jobs", i) for i in range(6)], timeout=10)
    check(sum(tp.offset for tp in committed) == 600, "commits after restart: %s" % committed)
    c3.close()


def scenario_idempotent(b):
    p = Producer({"bootstrap.servers": b.kafka, "enable.idempotence": True, "retries": 5, "linger.ms": 5})
    delivered = []
    for i in range(5000):
        p.produce("idem", key=str(i % 10), value=str(i), on_delivery=lambda e, m: delivered.append(e))
    p.flush(30)
    check(all(e is None for e in delivered) and len(delivered) == 5000, "delivery errors")
    values = [m.value().decode() for m in consume_all(b.kafka, "idem", 5000, timeout=60)]
    check(len(values) == 5000 and len(set(values)) == 5000, "duplicates or losses: %d / %d" %
          (len(values), len(set(values))))


def scenario_admin(b):
    a = AdminClient({"bootstrap.servers": b.kafka})
    fs = a.create_topics([NewTopic("adm", 3, 1, config={"retention.ms": "3600000", "cleanup.policy": "compact"})])
    for f in fs.values():
        f.result(timeout=30)
    md = a.list_topics(timeout=10)
    check("adm" in md.topics and len(md.topics["adm"].partitions) == 3, "listed")
    res = a.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, "adm")])
    for f in res.values():
        cfg = f.result(timeout=10)
        check(cfg["retention.ms"].value == "3600000", "retention.ms described")
        check(cfg["cleanup.policy"].value == "compact", "cleanup.policy described")
    for f in a.create_partitions([NewPartitions("adm", 5)]).values():
        f.result(timeout=30)
    check(len(a.list_topics(timeout=10).topics["adm"].partitions) == 5, "grown")
    try:
        for f in a.create_topics([NewTopic("adm", 1, 1)]).values():
            f.result(timeout=30)
        check(False, "duplicate create must fail")
    except Exception as e:  # TOPIC_ALREADY_EXISTS
        check("TOPIC_ALREADY_EXISTS" in str(e) or "already exists" in str(e), str(e))
    for f in a.delete_topics(["adm"]).values():
        f.result(timeout=30)
    check("adm" not in a.list_topics(timeout=10).topics, "deleted")
    # Every topic config of Kafka 3.x is accepted and described back; a name Kafka does not know
    # is INVALID_CONFIG naming it.
    every = {"cleanup.policy": "delete", "compression.type": "zstd", "delete.retention.ms": "1000",
             "file.delete.delay.ms": "1000", "flush.messages": "1000", "flush.ms": "1000",
             "follower.replication.throttled.replicas": "", "index.interval.bytes": "8192",
             "leader.replication.throttled.replicas": "", "local.retention.bytes": "-2", "local.retention.ms": "-2",
             "max.compaction.lag.ms": "100000", "max.message.bytes": "2000000", "message.downconversion.enable": "true",
             "message.format.version": "3.0-IV1", "message.timestamp.after.max.ms": "100000",
             "message.timestamp.before.max.ms": "100000", "message.timestamp.difference.max.ms": "100000",
             "message.timestamp.type": "CreateTime", "min.cleanable.dirty.ratio": "0.4", "min.compaction.lag.ms": "0",
             "min.insync.replicas": "1", "preallocate": "true", "remote.storage.enable": "false",
             "retention.bytes": "1000000", "retention.ms": "100000", "segment.bytes": "1048576",
             "segment.index.bytes": "1048576", "segment.jitter.ms": "0", "segment.ms": "100000",
             "unclean.leader.election.enable": "false"}
    for f in a.create_topics([NewTopic("every", 1, 1, config=every)]).values():
        f.result(timeout=30)
    for f in a.describe_configs([ConfigResource(ConfigResource.Type.TOPIC, "every")]).values():
        cfg = f.result(timeout=10)
        for k, v in every.items():
            check(k in cfg and cfg[k].value == v, "%s described as %s" % (k, cfg[k].value if k in cfg else "nothing"))
    # The broker's own settings under Kafka's names (read-only, from its command line).
    for f in a.describe_configs([ConfigResource(ConfigResource.Type.BROKER, "0")]).values():
        cfg = f.result(timeout=10)
        check(cfg["broker.id"].value == "0" and cfg["num.partitions"].value == "1", "broker configs %s" % cfg)
        check(cfg["listeners"].value == "PLAINTEXT://" + b.kafka, "listeners %s" % cfg["listeners"].value)
        check(cfg["message.max.bytes"].is_read_only and cfg["auto.create.topics.enable"].value == "true", "broker %s" % cfg)
    try:
        for f in a.create_topics([NewTopic("typo", 1, 1, config={"retention.msec": "1"})]).values():
            f.result(timeout=30)
        check(False, "an unknown config must be refused")
    except KafkaException as e:
        check(e.args[0].code() == KafkaError.INVALID_CONFIG and "retention.msec" in e.args[0].str(), str(e))


def scenario_compression(b):
    for codec in ("gzip", "snappy", "lz4", "zstd"):
        topic = "comp-" + codec
        p = Producer({"bootstrap.servers": b.kafka, "compression.type": codec, "linger.ms": 10})
        for i in range(2000):
            p.produce(topic, key=str(i), value=("payload-%d-" % i) * 10)
        p.flush(30)
        got = consume_all(b.kafka, topic, 2000, timeout=60)
        check(len(got) == 2000, "%s: consumed %d" % (codec, len(got)))
        check(all(m.value().decode() == ("payload-%s-" % m.key().decode()) * 10 for m in got), codec + " values")
    out = subprocess.run([FLUXO, "log", "inspect", os.path.join(b.data_dir, "data", "comp-zstd-0")],
                         capture_output=True, timeout=60).stdout.decode()
    check("codec zstd" in out and "crc ok" in out, "stored as sent (zstd): " + out[:500])


def scenario_garbage(b):
    host, port = b.kafka.split(":")
    # Garbage, a truncated frame, an oversized frame, a hostile header: each on its own connection.
    payloads = [os.urandom(512), struct.pack(">i", 100) + b"\x00\x12",
                struct.pack(">i", 1 << 30) + b"x" * 16, struct.pack(">i", 10) + b"\x00\x03\x00\x05\x00\x00\x00\x01\x7f\xff"]
    for data in payloads:
        s = socket.create_connection((host, int(port)), timeout=5)
        s.sendall(data)
        s.settimeout(2)
        try:
            s.recv(100)
        except Exception:
            pass
        s.close()
    # Unknown API key: answered (error 35), the connection stays usable.
    s = socket.create_connection((host, int(port)), timeout=5)
    req = struct.pack(">hhih", 999, 0, 7, -1)
    s.sendall(struct.pack(">i", len(req)) + req)
    size = struct.unpack(">i", s.recv(4))[0]
    body = s.recv(size)
    check(struct.unpack(">ih", body[:6]) == (7, 35), "unsupported api answered with 35: %r" % body)
    s.close()
    # The broker still serves real clients.
    p = Producer({"bootstrap.servers": b.kafka})
    p.produce("after-garbage", value="still alive")
    check(p.flush(30) == 0, "produce after garbage")
    check(len(consume_all(b.kafka, "after-garbage", 1, timeout=30)) == 1, "consume after garbage")
    check(b.proc.poll() is None, "broker still running")


def scenario_native_interop(b):
    # Kafka producer -> native consumer and native producer -> Kafka consumer, same topic.
    p = Producer({"bootstrap.servers": b.kafka})
    for i in range(100):
        p.produce("interop", key="k%d" % i, value="from-kafka-%d" % i)
    p.flush(30)
    out = subprocess.run([QUICKSTART_BIN, "--broker", b.node, "--count", "50"], capture_output=True, timeout=120)
    check(out.returncode == 0, "native quickstart: " + out.stdout.decode() + out.stderr.decode())
    # quickstart wrote 50 records to "greetings" natively; read them with librdkafka.
    got = consume_all(b.kafka, "greetings", 50, timeout=60)
    check(len(got) == 50 and all(m.value().startswith(b"hello #") for m in got), "kafka consumer reads native records")
    native = subprocess.run([FLUXO, "log", "inspect", "--records", os.path.join(b.data_dir, "data", "interop-0")],
                            capture_output=True, timeout=60).stdout.decode()
    check(native.count("from-kafka-") == 100, "records produced with librdkafka are in fluxo's log")


QUICKSTART_BIN = os.environ.get("QUICKSTART_BIN", "")


def scenario_kafka_python(b):
    """kafka-python (a pure-Python client with its own protocol code, Debian's python3-kafka):
    admin, gzip produce with headers, a group consumer with commits, group listing, offsets."""
    from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
    from kafka.admin import NewTopic
    admin = KafkaAdminClient(bootstrap_servers=b.kafka, request_timeout_ms=10000)
    admin.create_topics([NewTopic("kp", num_partitions=3, replication_factor=1)])
    check("kp" in admin.list_topics(), "kafka-python sees its topic")
    p = KafkaProducer(bootstrap_servers=b.kafka, acks="all", compression_type="gzip")
    for i in range(300):
        p.send("kp", key=b"k%d" % i, value=b"v%d" % i, headers=[("h", b"x")])
    p.flush(timeout=30)
    p.close()
    c = KafkaConsumer("kp", bootstrap_servers=b.kafka, group_id="kpg", auto_offset_reset="earliest",
                      consumer_timeout_ms=10000, enable_auto_commit=False)
    got = {}
    for m in c:
        got[m.key] = (m.value, m.headers, m.partition)
        if len(got) == 300:
            break
    check(len(got) == 300, "kafka-python consumed %d of 300" % len(got))
    for k, (v, h, part) in got.items():
        check(v == b"v" + k[1:] and h == [("h", b"x")], "record %s: %s %s" % (k, v, h))
        check(part == (murmur2(k) & 0x7fffffff) % 3, "kafka-python's partitioner agrees with murmur2 for %s" % k)
    c.commit()
    c.close()
    check(("kpg", "consumer") in admin.list_consumer_groups(), "group listed")
    offsets = admin.list_consumer_group_offsets("kpg")
    check(sum(o.offset for o in offsets.values()) == 300, "committed %s" % offsets)
    desc = admin.describe_consumer_groups(["kpg"])[0]
    check(desc.state == "Empty" and desc.protocol_type == "consumer", "describe %s" % (desc,))
    # As Kafka: an unknown group is described as Dead without an error, and asking does not
    # create it (it stays out of the group list); deleting it says GROUP_ID_NOT_FOUND.
    ghost = admin.describe_consumer_groups(["no-such-group"])[0]
    check(ghost.error_code == 0 and ghost.state == "Dead" and not ghost.members, "describe unknown %s" % (ghost,))
    check("no-such-group" not in [g for g, _ in admin.list_consumer_groups()], "describing did not create the group")
    deleted = dict(admin.delete_consumer_groups(["no-such-group"]))
    check(deleted["no-such-group"].__name__ == "GroupIdNotFoundError", "delete unknown: %s" % deleted)
    # A group with a live member is not deleted (NON_EMPTY_GROUP); an empty one is, offsets too.
    live = KafkaConsumer("kp", bootstrap_servers=b.kafka, group_id="kp-live", auto_offset_reset="earliest",
                         consumer_timeout_ms=5000, enable_auto_commit=False)
    for _ in live:
        break
    deleted = dict(admin.delete_consumer_groups(["kp-live", "kpg"]))
    check(deleted["kp-live"].__name__ == "NonEmptyGroupError", "delete live group: %s" % deleted)
    check(deleted["kpg"].__name__ == "NoError", "delete empty group: %s" % deleted)
    check("kpg" not in [g for g, _ in admin.list_consumer_groups()], "deleted group gone")
    live.close()
    admin.delete_topics(["kp"])
    admin.close()


def scenario_timestamps(b):
    """ListOffsets by timestamp through each client's own call — confluent-kafka
    offsets_for_times, kafka-python offsets_for_times, kcat -o s@<ts> — before the first record,
    between records, after the last one, and on a LogAppendTime topic."""
    from kafka import KafkaConsumer
    from kafka.structs import TopicPartition as KpTopicPartition
    a = AdminClient({"bootstrap.servers": b.kafka})
    topics = [NewTopic("ts", 1, 1), NewTopic("lat", 1, 1, config={"message.timestamp.type": "LogAppendTime"})]
    for f in a.create_topics(topics).values():
        f.result(timeout=30)
    base = 1_700_000_000_000
    p = Producer({"bootstrap.servers": b.kafka})
    for i in range(10):
        p.produce("ts", value=b"v%d" % i, timestamp=base + i * 1000)
    before_append = int(time.time() * 1000) - 1
    for i in range(5):
        p.produce("lat", value=b"w%d" % i, timestamp=base)  # the broker stamps its own time
    p.flush(30)
    after_append = int(time.time() * 1000) + 1
    # (timestamp asked, first offset at or after it; -1: none, the end)
    cases = [("ts", base - 5000, 0), ("ts", base, 0), ("ts", base + 3500, 4), ("ts", base + 9000, 9),
             ("ts", base + 99_999, -1), ("lat", base, 0), ("lat", before_append, 0), ("lat", after_append + 60_000, -1)]
    c = Consumer({"bootstrap.servers": b.kafka, "group.id": "ts-probe"})
    for topic, ts, want in cases:
        got = c.offsets_for_times([TopicPartition(topic, 0, ts)], timeout=10)[0]
        check(got.error is None and got.offset == want, "confluent-kafka %s@%d: %s (want %d)" % (topic, ts, got, want))
    c.close()
    kc = KafkaConsumer(bootstrap_servers=b.kafka, request_timeout_ms=10000)
    for topic, ts, want in cases:
        got = kc.offsets_for_times({KpTopicPartition(topic, 0): ts})[KpTopicPartition(topic, 0)]
        check((got.offset if got else -1) == want, "kafka-python %s@%d: %s (want %d)" % (topic, ts, got, want))
    kc.close()
    for topic, ts, want in cases:
        out = kcat(["-b", b.kafka, "-C", "-t", topic, "-p", "0", "-o", "s@%d" % ts, "-e", "-q", "-f", "%o\n"]).decode().split()
        first = int(out[0]) if out else -1
        check(first == want, "kcat %s s@%d starts at %s (want %d)" % (topic, ts, out[:1], want))


def main():
    data_dir = tempfile.mkdtemp(prefix="fluxo-kafka-")
    b = Broker(data_dir)
    try:
        b.start()
        globals()["scenario_" + SCENARIO](b)
        code = b.stop()
        check(code == 0, "broker exit code %s" % code)
        print("PASS", SCENARIO)
    except Exception:
        log = os.path.join(data_dir, "broker.log")
        if os.path.exists(log):
            sys.stderr.write(open(log, errors="replace").read()[-4000:])
        raise
    finally:
        b.stop(signal.SIGKILL)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
