"""A real fluxo cluster for tests: one etcd and N fluxo broker processes on 127.0.0.1.

    with Cluster(fluxo_bin, nodes=3) as c:
        c.bootstrap            # "127.0.0.1:p1,127.0.0.1:p2,..." (Kafka listeners)
        c.kill(2); c.start(2)  # SIGKILL and restart on the same ports and data dir
        c.cut(2); c.heal(2)    # a network partition of node 2 (its CAF and etcd traffic)

Every node's CAF port and its etcd connection go through a fault-injecting TCP proxy on
loopback (FaultProxy), so a test can partition a node without touching anything else. Ports
are chosen free once and kept for restarts. Every wait is bounded; every process the harness
started (etcd included) is stopped at exit, and its temporary directory removed.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
import json


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test process dies (even by ctest's timeout),
    so no broker, etcd or client outlives the test."""
    import ctypes
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def node_preexec():
    """preexec_fn of a broker: dies with the test, and a crash leaves a core file in its node
    directory (its working directory) when FLUXO_CORE_DUMPS is set."""
    die_with_parent()
    if os.environ.get("FLUXO_CORE_DUMPS"):
        import resource
        resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(cond, timeout, what, interval=0.05):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            last = cond()
            if last:
                return last
        except Exception as e:  # a condition may raise while the cluster settles
            last = e
        time.sleep(interval)
    raise AssertionError("timed out after %ss waiting for %s (last: %r)" % (timeout, what, last))


class FaultProxy:
    """Forwards 127.0.0.1:listen_port to 127.0.0.1:target_port. cut() closes every connection
    and refuses new ones (accepted and closed at once) until heal()."""

    def __init__(self, target_port, listen_port=None):
        self.target = target_port
        self.port = listen_port or free_port()
        self.cut_off = False
        self.lock = threading.Lock()
        self.pairs = []
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", self.port))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while self.running:
            try:
                client, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.cut_off:
                client.close()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target), timeout=2)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self.lock:
                self.pairs.append((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data or self.cut_off:
                    break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def cut(self):
        self.cut_off = True
        with self.lock:
            pairs, self.pairs = self.pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def heal(self):
        self.cut_off = False

    def close(self):
        self.running = False
        self.cut()
        self.sock.close()


class Etcd:
    def __init__(self, root):
        self.dir = os.path.join(root, "etcd")
        self.client_port = free_port()
        self.peer_port = free_port()
        self.proc = None

    def start(self):
        client = "http://127.0.0.1:%d" % self.client_port
        peer = "http://127.0.0.1:%d" % self.peer_port
        self.log = open(self.dir + ".log", "ab")
        self.proc = subprocess.Popen(
            ["/usr/bin/etcd", "--name", "t", "--data-dir", self.dir, "--listen-client-urls", client,
             "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
             "--initial-cluster", "t=" + peer, "--heartbeat-interval", "50", "--election-timeout", "500",
             "--log-level", "warn"], stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent)
        wait_for(self.healthy, 20, "etcd to start")

    def healthy(self):
        req = urllib.request.Request("http://127.0.0.1:%d/v3/kv/range" % self.client_port, data=b'{"key":"AA=="}',
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def keys(self, prefix="/fluxo/"):
        import base64
        k = base64.b64encode(prefix.encode()).decode()
        end = base64.b64encode(prefix[:-1].encode() + bytes([ord(prefix[-1]) + 1])).decode()
        body = json.dumps({"key": k, "range_end": end}).encode()
        req = urllib.request.Request("http://127.0.0.1:%d/v3/kv/range" % self.client_port, data=body,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=2) as r:
            out = json.loads(r.read())
        return {base64.b64decode(kv["key"]).decode(): base64.b64decode(kv.get("value", "")).decode()
                for kv in out.get("kvs", [])}

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Node:
    def __init__(self, cluster, node_id):
        self.c = cluster
        self.id = node_id
        self.dir = os.path.join(cluster.root, "node%d" % node_id)
        os.makedirs(self.dir, exist_ok=True)
        self.data = os.path.join(self.dir, "data")
        self.caf_port = free_port()
        self.kafka_port = free_port()
        self.http_port = free_port()
        self.proxy = FaultProxy(self.caf_port)          # what other nodes and clients dial
        self.etcd_proxy = FaultProxy(cluster.etcd.client_port)  # this node's way to etcd
        self.proc = None
        self.extra = []

    @property
    def kafka(self):
        return "127.0.0.1:%d" % self.kafka_port

    @property
    def native(self):
        return "127.0.0.1:%d" % self.proxy.port

    @property
    def http(self):
        return "127.0.0.1:%d" % self.http_port

    def args(self):
        return [self.c.fluxo, "broker", "--node-id", str(self.id), "--data-dir", self.data,
                "--node-addr", "127.0.0.1:%d" % self.caf_port, "--advertised-node-addr", self.native,
                "--kafka-addr", self.kafka, "--http-addr", self.http,
                "--cluster-store", "etcd://127.0.0.1:%d" % self.etcd_proxy.port,
                "--lease-ttl-ms", str(self.c.lease_ttl_ms), "--replica-lag-max-ms", str(self.c.lag_ms),
                "--offsets-partitions", str(self.c.offsets_partitions), "--default-partitions", "1",
                "--ready-file", os.path.join(self.dir, "ready"), "--log-level", self.c.log_level] + self.c.extra + self.extra

    def start(self, wait=True):
        ready = os.path.join(self.dir, "ready")
        if os.path.exists(ready):
            os.remove(ready)
        self.log_path = os.path.join(self.dir, "broker.log")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args(), stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=node_preexec,
                                     cwd=self.dir)
        if wait:
            wait_for(lambda: os.path.exists(ready) or self.proc.poll() is not None, 60, "node %d to start" % self.id)
            if self.proc.poll() is not None:
                raise AssertionError("node %d exited with %s:\n%s" % (self.id, self.proc.returncode, self.log_tail()))
        return self

    def log_tail(self, chars=6000):
        try:
            return open(self.log_path, errors="replace").read()[-chars:]
        except OSError:
            return ""

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.running():
            self.proc.send_signal(sig)

    def kill(self):
        if self.running():
            self.proc.kill()
            self.proc.wait(timeout=20)
        self.proc = None

    def stop(self, timeout=60):
        if self.running():
            self.proc.send_signal(signal.SIGCONT)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class Cluster:
    def __init__(self, fluxo_bin, nodes=3, lease_ttl_ms=1000, lag_ms=3000, offsets_partitions=4, extra=(),
                 log_level="info"):
        self.fluxo = os.path.abspath(fluxo_bin)  # nodes run in their own directories
        self.root = tempfile.mkdtemp(prefix="fluxo-cluster-")
        self.lease_ttl_ms = lease_ttl_ms
        self.lag_ms = lag_ms
        self.offsets_partitions = offsets_partitions
        self.extra = list(extra)
        self.log_level = log_level
        self.etcd = Etcd(self.root)
        self.etcd.start()
        self.nodes = {i: Node(self, i) for i in range(1, nodes + 1)}

    def __enter__(self):
        for n in self.nodes.values():
            n.start(wait=False)
        for n in self.nodes.values():
            wait_for(lambda n=n: os.path.exists(os.path.join(n.dir, "ready")) or not n.running(), 60,
                     "node %d to start" % n.id)
            if not n.running() and "cannot listen" in n.log_tail():
                # A port picked as free was taken meanwhile (another test): pick again, once.
                n.caf_port, n.kafka_port, n.http_port = free_port(), free_port(), free_port()
                n.proxy.target = n.caf_port
                n.start()
            if not n.running():
                raise AssertionError("node %d exited (%s):\n%s" % (n.id, n.proc and n.proc.returncode, n.log_tail()))
        self.wait_members(len(self.nodes))
        return self

    def __exit__(self, kind, value, tb):
        self.close(keep=kind is not None)

    def close(self, keep=False):
        # Nodes that ended by themselves (not killed by the scenario) are named on failure.
        exited = {n.id: n.proc.returncode for n in self.nodes.values() if n.proc and n.proc.poll() is not None}
        for n in self.nodes.values():
            n.stop()
            n.proxy.close()
            n.etcd_proxy.close()
        self.etcd.stop()
        if keep or os.environ.get("FLUXO_KEEP_CLUSTER") == "always":
            for node_id, code in exited.items():
                print("---- node %d had exited by itself with %s ----" % (node_id, code))
        # FLUXO_KEEP_CLUSTER=1 keeps a failed scenario's directory (logs, data); =always keeps any.
        if (keep and os.environ.get("FLUXO_KEEP_CLUSTER")) or os.environ.get("FLUXO_KEEP_CLUSTER") == "always":
            print("cluster left in", self.root)
            return
        if keep:
            for n in self.nodes.values():
                print("---- node %d log tail ----\n%s" % (n.id, n.log_tail(3000)))
        shutil.rmtree(self.root, ignore_errors=True)

    # ---- views -------------------------------------------------------------------------------
    @property
    def bootstrap(self):
        return ",".join(n.kafka for n in self.nodes.values() if n.running())

    def live_members(self):
        return sorted(int(k.rsplit("/", 1)[1]) for k in self.etcd.keys("/fluxo/fluxo/nodes/"))

    def wait_members(self, count, timeout=30):
        """Waits for `count` live members in etcd and for every running node to see them (a
        node's image follows etcd through its watch, a moment later)."""
        wait_for(lambda: len(self.live_members()) == count, timeout, "%d live members" % count)
        for n in self.nodes.values():
            if n.running():
                wait_for(lambda n=n: len(self.node_view(n.id)["nodes"]) == count, timeout,
                         "node %d to see %d members" % (n.id, count))

    def node_view(self, node_id):
        with urllib.request.urlopen("http://%s/api/v1/cluster" % self.nodes[node_id].http, timeout=5) as resp:
            return json.loads(resp.read())

    def partition_state(self, topic, partition):
        v = self.etcd.keys("/fluxo/fluxo/partitions/%s/%d" % (topic, partition))
        return json.loads(next(iter(v.values()))) if v else None

    def leader(self, topic, partition):
        s = self.partition_state(topic, partition)
        return s["leader"] if s else -1

    def controller(self):
        v = self.etcd.keys("/fluxo/fluxo/controller")
        return json.loads(next(iter(v.values())))["node_id"] if v else -1

    def wait_isr(self, topic, partition, size, timeout=30):
        return wait_for(lambda: len((self.partition_state(topic, partition) or {}).get("isr", [])) == size, timeout,
                        "%s/%d to have %d in-sync replicas" % (topic, partition, size))

    # ---- faults ------------------------------------------------------------------------------
    def kill(self, node_id):
        self.nodes[node_id].kill()

    def start(self, node_id):
        self.nodes[node_id].start()

    def cut(self, node_id):
        """Cuts a node off from etcd and from every connection made to it (its proxies drop
        everything). Connections it opens to the others' proxies still work, so CAF links that
        it had opened survive: an asymmetric partition, the harder case for a broker."""
        n = self.nodes[node_id]
        n.proxy.cut()
        n.etcd_proxy.cut()

    def heal(self, node_id):
        n = self.nodes[node_id]
        n.proxy.heal()
        n.etcd_proxy.heal()

    # ---- logs --------------------------------------------------------------------------------
    def log_bytes(self, node_id, topic, partition):
        """Every batch of a replica's log as (base offset, last offset, bytes), segments in order."""
        d = os.path.join(self.nodes[node_id].data, "%s-%d" % (topic, partition))
        out = []
        if not os.path.isdir(d):
            return out
        for name in sorted(f for f in os.listdir(d) if f.endswith(".log")):
            data = open(os.path.join(d, name), "rb").read()
            pos = 0
            while pos + 61 <= len(data):
                base = int.from_bytes(data[pos:pos + 8], "big", signed=True)
                length = int.from_bytes(data[pos + 8:pos + 12], "big", signed=True)
                if length <= 0 or pos + 12 + length > len(data):
                    break
                last_delta = int.from_bytes(data[pos + 23:pos + 27], "big", signed=True)
                out.append((base, base + last_delta, data[pos:pos + 12 + length]))
                pos += 12 + length
        return out
