"""Checks shared by the cluster tests and the cluster benchmark: producers that record what was
acknowledged, reading a topic back to its high watermarks, and the no-loss / no-duplicate /
byte-identical-replica verdicts."""
import logging
import os
import threading
import time

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from cluster_harness import wait_for


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def create_topic(c, name, partitions, rf=3, config=None):
    admin = AdminClient({"bootstrap.servers": c.bootstrap})
    fut = admin.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=rf, config=config or {})])
    fut[name].result(30)
    for p in range(partitions):
        c.wait_isr(name, p, rf)


# Fatal errors of librdkafka < 2.3's idempotent producer after a "possibly persisted" error
# (a killed broker's dropped connection): it takes such records as acknowledged for its
# sequence bookkeeping (librdkafka #4438, fixed in 2.3.0; Debian 12 ships 2.0.2), and the
# next OUT_OF_ORDER answer (Kafka's answer too) is then fatal. An application recreates the
# producer; AckedProducer does the same and keeps count.
KNOWN_CLIENT_FATALS = ("sequence desynchronization", "rewound sequence number")


class AckedProducer:
    """An idempotent acks=all producer in a thread, sending unique values and recording which
    were acknowledged (partition, offset, value), in acknowledgement order. After a fatal error
    it is recreated (values go on increasing); stop() fails on fatal errors other than the
    known client bug above."""

    def __init__(self, bootstrap, topic, prefix, partition=None, rate_sleep=0.0005, acks="all", extra=None):
        conf = {"bootstrap.servers": bootstrap, "acks": acks, "enable.idempotence": acks == "all",
                "linger.ms": 2, "message.timeout.ms": 60000, "retry.backoff.ms": 50,
                "topic.metadata.refresh.interval.ms": 1000}
        conf.update(extra or {})
        self.fatal_reasons = []
        conf["error_cb"] = self._error
        debug_dir = os.environ.get("FLUXO_RDKAFKA_DEBUG")  # librdkafka's idempotence log, per producer
        if debug_dir:
            log = logging.getLogger("rdkafka." + prefix)
            handler = logging.FileHandler(os.path.join(debug_dir, "rdkafka-%s.log" % prefix))
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.DEBUG)
            conf.update({"debug": "eos", "logger": log})
        self.conf = conf
        self.p = Producer(conf)
        self.recreated = 0
        self.topic = topic
        self.prefix = prefix
        self.partition = partition
        self.rate_sleep = rate_sleep
        self.acked = []
        self.failed = []
        self.sent = 0
        self.fatal = None
        self.stopping = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _error(self, err):
        if err.fatal():
            with self.lock:
                self.fatal_reasons.append(err.str())

    def _cb(self, err, msg):
        with self.lock:
            if err is None:
                self.acked.append((msg.partition(), msg.offset(), msg.value().decode(), time.time()))
            else:
                self.failed.append((msg.value().decode(), str(err)))

    def _run(self):
        i = 0
        while not self.stopping:
            kw = {"partition": self.partition} if self.partition is not None else {}
            try:
                self.p.produce(self.topic, key=("%s-%d" % (self.prefix, i % 97)).encode(),
                               value=("%s-%d" % (self.prefix, i)).encode(), on_delivery=self._cb, **kw)
                i += 1
                self.sent = i
            except BufferError:
                pass
            except KafkaException as e:  # a fatal producer error: this producer cannot go on
                self.p.flush(10)  # the delivery reports of what it still held (failed)
                with self.lock:
                    reasons = list(self.fatal_reasons) or [str(e)]
                if not all(any(k in r for k in KNOWN_CLIENT_FATALS) for r in reasons):
                    self.fatal = "; ".join(reasons)
                    return
                self.recreated += 1
                self.fatal_reasons = []
                self.p = Producer(self.conf)
                continue
            self.p.poll(0)
            time.sleep(self.rate_sleep)
        self.p.flush(90)

    def start(self):
        self.thread.start()
        return self

    def stop(self, allow_fatal=False):
        self.stopping = True
        self.thread.join(120)
        check(not self.thread.is_alive(), "producer %s did not finish" % self.prefix)
        check(allow_fatal or not self.fatal, "producer %s hit a fatal error: %s" % (self.prefix, self.fatal))


def read_everything(c, topic, partitions, timeout=60):
    """Every record of the topic as {partition: [(offset, value), ...]}, read to the high watermarks."""
    cons = Consumer({"bootstrap.servers": c.bootstrap, "group.id": "reader-%d" % time.time_ns(),
                     "enable.auto.commit": False, "auto.offset.reset": "earliest"})
    highs = {}
    for p in range(partitions):
        # Leadership may be moving (preferred replicas come back): ask until a leader answers.
        highs[p] = wait_for(lambda p=p: cons.get_watermark_offsets(TopicPartition(topic, p), timeout=5)[1] + 1, 30,
                            "the watermarks of %s/%d" % (topic, p)) - 1
    cons.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
    out = {p: [] for p in range(partitions)}
    deadline = time.time() + timeout
    while time.time() < deadline and any((out[p][-1][0] + 1 if out[p] else 0) < highs[p] for p in range(partitions)):
        m = cons.poll(0.5)
        if m is None or m.error():
            continue
        out[m.partition()].append((m.offset(), m.value().decode()))
    cons.close()
    for p in range(partitions):
        got = out[p][-1][0] + 1 if out[p] else 0
        check(got >= highs[p], "partition %d read to %d, high watermark %d" % (p, got, highs[p]))
    return out, highs


def verify_acked(acked_lists, records):
    """Every acknowledged value is in the log exactly once, at the offset it was acknowledged
    with; per partition, a producer's values keep their order."""
    by_value = {}
    for p, recs in records.items():
        for off, v in recs:
            check(v not in by_value, "value %s appears twice (%s and %s)" % (v, by_value.get(v), (p, off)))
            by_value[v] = (p, off)
    total = 0
    for acked in acked_lists:
        last = {}
        for p, off, v, _ in acked:
            total += 1
            # off is None for librdkafka's implicit acks (a later batch of the producer was
            # acknowledged first): then only its partition is known. (%s: %d of None would
            # raise TypeError even when the record is there.)
            check(v in by_value, "acknowledged %s (%s/%s) is missing" % (v, p, off))
            check(by_value[v][0] == p and off in (None, by_value[v][1]),
                  "acknowledged %s at %s/%s, found at %s" % (v, p, off, by_value[v]))
            seq = int(v.rsplit("-", 1)[1])
            if p in last:
                check(seq > last[p], "order broken on partition %d: %d after %d" % (p, seq, last[p]))
            last[p] = seq
    return total


def kcat_failed_lines(errors):
    return sum(1 for line in errors.splitlines() if "Delivery failed" in line)


def verify_replicas_identical(c, topic, partitions, highs):
    """Once every replica is back in sync, their logs are byte for byte the same below the high
    watermark the consumers read to."""
    for p in range(partitions):
        c.wait_isr(topic, p, len(c.nodes), timeout=60)
        below = lambda n: [b for b in c.log_bytes(n, topic, p) if b[1] < highs[p]]
        wait_for(lambda: all((below(n)[-1][1] + 1 if below(n) else 0) >= highs[p] for n in c.nodes), 30,
                 "every replica of %s/%d to hold the records below %d" % (topic, p, highs[p]))
        logs = {n: below(n) for n in c.nodes}
        ref_node = max(logs, key=lambda n: len(logs[n]))
        ref = logs[ref_node]
        for n, batches in logs.items():
            check(batches == ref, "replica on node %d of %s/%d differs from node %d below the high watermark %d "
                  "(%d vs %d batches)" % (n, topic, p, ref_node, highs[p], len(batches), len(ref)))


