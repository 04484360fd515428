#!/usr/bin/python3
"""SASL on the Kafka listener with real clients against a real fluxo broker (ctest label `security`).

Usage: security_test.py FLUXO_BIN SCENARIO
  clients   kcat, confluent-kafka (librdkafka: SaslAuthenticate) and kafka-python (bare tokens
            after SaslHandshake v0) with SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN produce and
            consume; a user created offline before the first start and one created online
  refusals  a wrong password, an unknown user, an unoffered mechanism and a client that skips
            authentication are refused (and the broker keeps serving)
  users     fluxo user set-password / delete / list take effect on the running broker, and
            users survive a restart
  acls      the ACL authorizer: Describe/Create/DeleteAcls round trips (kafka-python's admin
            client), produce / fetch / group join / metadata / admin requests allowed or refused
            per binding (29, 30, 31), DENY over ALLOW, prefixed patterns, super users
  quotas    fluxo quota set/list/remove: a producer_byte_rate quota holds a librdkafka producer to
            within 20 % of its rate (throttle_time_ms + muting), a consumer_byte_rate quota a
            consumer likewise; a user without a quota is not slowed; a request_percentage quota
            throttles a client's many small requests
  http      the HTTP port over HTTPS with logins: /healthz and /readyz open, everything else
            needs a user (Basic or a session cookie from /api/v1/login); ACLs decide per route
            (a read-only user sees but cannot change; 403 with Kafka's error names); sessions end
            on logout and on a password change; cross-site requests and __fluxo_security refused;
            /metrics behind a login with --http-metrics-auth
  native    logins and ACLs on the CAF node port (--node-auth, on by default with a SASL
            listener): fluxo's CLI without a login, with a wrong password or an unknown user is
            refused; logged-in users may do what Kafka's ACLs let them (produce, consume with a
            group, list only what they may describe, manage users only with ALTER on the
            cluster), through --user/--password-file and -F alike
  tls       SSL and SASL_SSL listeners with certificates made here (openssl CLI): kcat,
            confluent-kafka and kafka-python verify the broker (SAN 127.0.0.1); client
            certificates from the CA are accepted, from another CA refused; with
            --tls-client-auth required a client without one is refused
Scenarios other than acls open resources without ACLs to everyone (--allow-everyone-if-no-acl),
as authentication alone is what they test. Each scenario starts its own broker on 127.0.0.1 with free ports and stops it. Every wait is
bounded.
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

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError as PyKafkaError

from certs import make_certs

FLUXO = sys.argv[1]
SCENARIO = sys.argv[2]
MECHANISMS = ["SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"]


def check(cond, what):
    if not cond:
        raise AssertionError(what)


class Broker:
    """A broker with a PLAINTEXT and a SASL_PLAINTEXT listener (all three mechanisms offered),
    or the listeners and extra arguments given."""

    def __init__(self, root, listeners="PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
                 extra=("--allow-everyone-if-no-acl", "true"), http="none"):
        self.root = root
        self.http_arg = http
        self.data = os.path.join(root, "data")
        self.proc = None
        self.listeners_arg = listeners
        self.extra = list(extra)

    def start(self):
        ready = os.path.join(self.root, "ready")
        if os.path.exists(ready):
            os.remove(ready)
        self.log = open(os.path.join(self.root, "broker.log"), "ab")
        self.proc = subprocess.Popen(
            [FLUXO, "broker", "--data-dir", self.data, "--node-addr", "127.0.0.1:0",
             "--kafka-addr", self.listeners_arg, "--http-addr", self.http_arg,
             "--sasl-mechanisms", ",".join(MECHANISMS), "--ready-file", ready] + self.extra,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            if os.path.exists(ready):
                lines = open(ready).read().split()
                if len(lines) >= 4:
                    self.node, self.http = lines[0], lines[2]
                    self.listeners = dict(l.split("://") for l in lines[3].split(","))
                    self.plain, self.sasl = self.listeners.get("PLAINTEXT"), self.listeners.get("SASL_PLAINTEXT")
                    return
            check(self.proc.poll() is None, "the broker exited: " + self.log_text())
            time.sleep(0.05)
        raise AssertionError("broker did not start: " + self.log_text())

    def log_text(self):
        return open(os.path.join(self.root, "broker.log"), errors="replace").read()[-4000:]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            code = self.proc.wait(timeout=60)
            check(code == 0, "the broker did not stop cleanly (exit %s):\n%s" % (code, self.log_text()))
        self.proc = None


def fluxo(*args, stdin=None):
    r = subprocess.run([FLUXO, *args], input=stdin, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def login(root, name):
    """The CLI's login options for a user made by user_create."""
    return ["--user", name, "--password-file", os.path.join(root, name + ".pw")]


def user_create(root, name, password, broker=None, data_dir=None, command="create", as_user="admin"):
    pw = os.path.join(root, name + ".pw")
    with open(pw, "w") as f:
        f.write(password + "\n")
    args = ["user", command, name, "--password-file", pw]
    if data_dir:
        args += ["--data-dir", data_dir]
    else:
        args = ["user", "--broker", broker] + login(root, as_user) + args[1:]
    code, out = fluxo(*args)
    check(code == 0, "fluxo %s: %s" % (" ".join(args), out))


def rdkafka_conf(b, mech, user, password):
    return {"bootstrap.servers": b.sasl, "security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": mech,
            "sasl.username": user, "sasl.password": password}


def produce_with(conf, topic, values, timeout=20):
    """librdkafka with these settings sends `values`: (all acknowledged in time?, delivery errors).
    (Only for settings whose TLS handshake works: Debian's confluent-kafka leaves a bogus Python
    error behind after failed handshakes; kcat_connects() checks refusals.)"""
    p = Producer(dict(conf, **{"message.timeout.ms": timeout * 1000}))
    results = []
    for v in values:
        p.produce(topic, v, on_delivery=lambda e, m: results.append(e))
    left = p.flush(timeout + 5)
    return left == 0 and all(e is None for e in results), results


def confluent_produce(b, mech, user, password, topic, values, timeout=20):
    return produce_with(rdkafka_conf(b, mech, user, password), topic, values, timeout)


def confluent_consume(b, mech, user, password, topic, count):
    c = Consumer(dict(rdkafka_conf(b, mech, user, password), **{"group.id": "g-" + mech, "auto.offset.reset": "earliest"}))
    c.assign([TopicPartition(topic, 0, 0)])
    got, deadline = [], time.time() + 30
    while len(got) < count and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None and not m.error():
            got.append(m.value())
    c.close()
    return got


def python_conf(b, mech, user, password):
    return dict(bootstrap_servers=b.sasl, security_protocol="SASL_PLAINTEXT", sasl_mechanism=mech,
                sasl_plain_username=user, sasl_plain_password=password, request_timeout_ms=15000,
                api_version_auto_timeout_ms=15000)


def scenario_clients(root):
    b = Broker(root)
    user_create(root, "alice", "alice-secret", data_dir=b.data)  # offline, before the first start
    b.start()
    try:
        check(not os.path.exists(os.path.join(b.data, "security-bootstrap.txt")), "the bootstrap file was imported")
        # Online (logged in as alice: no ACLs here); SCRAM escapes , and =.
        user_create(root, "bob,=x", "bob secret with spaces", broker=b.node, as_user="alice")
        # kafka-python 2.0.2 does not escape ',' and '=' in SCRAM user names: bob is librdkafka's.
        for user, password, python in [("alice", "alice-secret", True), ("bob,=x", "bob secret with spaces", False)]:
            for mech in MECHANISMS:
                topic = "t-%s-%s" % (mech, "alice" if user == "alice" else "bob")
                ok, res = confluent_produce(b, mech, user, password, topic, [b"c1", b"c2"])
                check(ok, "confluent %s %s produce: %s\n%s" % (mech, user, res, b.log_text()))
                if not python:
                    ok, res = confluent_produce(b, mech, user, password, topic, [b"p1"])
                    check(ok and confluent_consume(b, mech, user, password, topic, 3) == [b"c1", b"c2", b"p1"],
                          "confluent %s %s consume" % (mech, user))
                    continue
                p = KafkaProducer(**python_conf(b, mech, user, password))
                p.send(topic, b"p1").get(20)
                p.close(10)
                check(confluent_consume(b, mech, user, password, topic, 3) == [b"c1", b"c2", b"p1"],
                      "confluent %s %s consume" % (mech, user))
                c = KafkaConsumer(topic, group_id="py-" + topic, auto_offset_reset="earliest",
                                  consumer_timeout_ms=10000, **python_conf(b, mech, user, password))
                got = [m.value for m in c]
                c.close()
                check(got == [b"c1", b"c2", b"p1"], "kafka-python %s %s consume: %s" % (mech, user, got))
        # kcat with SCRAM-SHA-512 (librdkafka underneath, the settings users write).
        kcat = ["kcat", "-b", b.sasl, "-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanisms=SCRAM-SHA-512",
                "-X", "sasl.username=alice", "-X", "sasl.password=alice-secret"]
        r = subprocess.run(kcat + ["-P", "-t", "kcat-topic"], input=b"k1\nk2\n", capture_output=True, timeout=60)
        check(r.returncode == 0, "kcat produce: %s" % r.stderr)
        r = subprocess.run(kcat + ["-C", "-t", "kcat-topic", "-o", "beginning", "-c", "2", "-e"], capture_output=True,
                           timeout=60)
        check(r.returncode == 0 and r.stdout.split() == [b"k1", b"k2"], "kcat consume: %s %s" % (r.stdout, r.stderr))
        # The PLAINTEXT listener stays open to everyone (it is the operator's choice to offer it).
        p = Producer({"bootstrap.servers": b.plain})
        p.produce("plain-topic", b"v")
        check(p.flush(20) == 0, "PLAINTEXT listener")
        check("alice-secret" not in b.log_text(), "a password in the broker's log")
        # Credentials are not readable, writable or deletable through Kafka, even when logged in.
        check(fetch_error(rdkafka_conf(b, "SCRAM-SHA-256", "alice", "alice-secret"), "__fluxo_security") == 29,
              "fetching __fluxo_security is refused with TOPIC_AUTHORIZATION_FAILED")
        ok, res = confluent_produce(b, "SCRAM-SHA-256", "alice", "alice-secret", "__fluxo_security", [b"x"], 5)
        check(not ok and res and res[0].code() == 29, "producing to __fluxo_security: %s" % res)
        from confluent_kafka.admin import AdminClient
        admin = AdminClient(rdkafka_conf(b, "SCRAM-SHA-256", "alice", "alice-secret"))
        fut = admin.delete_topics(["__fluxo_security"])
        try:
            fut["__fluxo_security"].result(20)
            raise AssertionError("__fluxo_security was deleted")
        except KafkaException as e:
            check(e.args[0].code() == 29, "delete __fluxo_security: %s" % e)
        print("clients: 3 mechanisms x (librdkafka, kafka-python) produce and consume, a user name with ',' and '='; "
              "kcat SCRAM-SHA-512")
    finally:
        b.stop()


def fetch_error(conf, topic, group="fetch-check"):
    """The error code a librdkafka consumer assigned to partition 0 of `topic` sees (None: none)."""
    c = Consumer(dict(conf, **{"group.id": group}))
    c.assign([TopicPartition(topic, 0, 0)])
    code, deadline = None, time.time() + 20
    while code is None and time.time() < deadline:
        m = c.poll(0.5)
        if m is not None:
            code = m.error().code() if m.error() else "record"
    c.close()
    return code


def kcat_connects(conf):
    """Whether kcat (librdkafka) with these settings gets the broker's metadata within 5 s."""
    args = ["kcat", "-L", "-m", "5", "-b", conf["bootstrap.servers"]]
    for k, v in conf.items():
        if k != "bootstrap.servers":
            args += ["-X", "%s=%s" % (k, v)]
    return subprocess.run(args, capture_output=True, timeout=60).returncode == 0


def raw_request(addr, api_key, version, body=b""):
    """Sends one request and returns the response frame, or None if the broker closed."""
    host, port = addr.split(":")
    s = socket.create_connection((host, int(port)), timeout=10)
    client = b"raw"
    header = struct.pack(">hhih", api_key, version, 7, len(client)) + client
    s.sendall(struct.pack(">i", len(header) + len(body)) + header + body)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if len(data) >= 4 and len(data) >= 4 + struct.unpack(">i", data[:4])[0]:
                break
    finally:
        s.close()
    return data or None


def scenario_refusals(root):
    b = Broker(root)
    user_create(root, "alice", "right", data_dir=b.data)
    b.start()
    try:
        for mech in MECHANISMS:
            for user, password, what in [("alice", "wrong", "wrong password"), ("mallory", "right", "unknown user")]:
                p = Producer(dict(rdkafka_conf(b, mech, user, password), **{"message.timeout.ms": 3000}))
                errors = []
                p.produce("denied", b"x", on_delivery=lambda e, m: errors.append(e))
                p.flush(10)
                check(errors and errors[0] is not None, "librdkafka %s %s: delivered" % (mech, what))
                try:
                    KafkaProducer(**python_conf(b, mech, user, password)).send("denied", b"x").get(10)
                    raise AssertionError("kafka-python %s %s: delivered" % (mech, what))
                except PyKafkaError:
                    pass
        log = b.log_text()
        check("wrong password" in log and "unknown user" in log, "failures are logged with their reason")
        check("'mallory'" in log, "the failed user name is logged")
        # An unoffered mechanism (GSSAPI): error 33 on the handshake.
        r = raw_request(b.sasl, 17, 1, struct.pack(">h", 6) + b"GSSAPI")  # SaslHandshake v1
        check(r is not None and struct.unpack(">h", r[8:10])[0] == 33, "GSSAPI: UNSUPPORTED_SASL_MECHANISM")
        # A client that skips authentication: Metadata v1 before SaslHandshake closes the connection.
        check(raw_request(b.sasl, 3, 1, struct.pack(">i", -1)) is None, "Metadata before authentication answered")
        # ApiVersions is answered before authentication (clients ask it first).
        r = raw_request(b.sasl, 18, 0)
        check(r is not None and struct.unpack(">h", r[8:10])[0] == 0, "ApiVersions before authentication")
        # The denied topic was never created: nothing got through.
        ok, _ = confluent_produce(b, "SCRAM-SHA-256", "alice", "right", "after", [b"fine"])
        check(ok, "a good login still works after the refusals")
        p = Producer({"bootstrap.servers": b.plain})
        md = p.list_topics(timeout=10)
        check("denied" not in md.topics, "a refused client created a topic")
        print("refusals: wrong password, unknown user (3 mechanisms x 2 clients), GSSAPI, no authentication")
    finally:
        b.stop()


def scenario_users(root):
    b = Broker(root)
    user_create(root, "admin", "first", data_dir=b.data)
    b.start()
    try:
        user_create(root, "carol", "one", broker=b.node)
        admin = login(root, "admin")
        code, out = fluxo("user", "--broker", b.node, *admin, "create", "carol", "--password-file",
                          os.path.join(root, "carol.pw"))
        check(code == 1 and "exists already" in out, "create twice: %s" % out)
        ok, _ = confluent_produce(b, "SCRAM-SHA-256", "carol", "one", "u", [b"1"])
        check(ok, "carol logs in")
        user_create(root, "carol", "two", broker=b.node, command="set-password")
        deadline = time.time() + 15
        while time.time() < deadline and not confluent_produce(b, "SCRAM-SHA-512", "carol", "two", "u", [b"2"], 5)[0]:
            time.sleep(0.2)
        check(confluent_produce(b, "SCRAM-SHA-512", "carol", "two", "u", [b"2"], 5)[0], "the new password works")
        check(not confluent_produce(b, "SCRAM-SHA-512", "carol", "one", "u", [b"3"], 3)[0], "the old password fails")
        code, out = fluxo("user", "--broker", b.node, *admin, "list")
        check(code == 0 and "admin" in out and "carol  SCRAM-SHA-256 (4096 iterations)  SCRAM-SHA-512" in out,
              "list: %s" % out)
        code, out = fluxo("user", "--broker", b.node, *admin, "delete", "carol")
        check(code == 0, "delete: %s" % out)
        deadline = time.time() + 15
        while time.time() < deadline and confluent_produce(b, "PLAIN", "carol", "two", "u", [b"4"], 3)[0]:
            time.sleep(0.2)
        check(not confluent_produce(b, "PLAIN", "carol", "two", "u", [b"4"], 3)[0], "a deleted user logs in")
        code, out = fluxo("user", "--broker", b.node, *admin, "delete", "carol")
        check(code == 1 and "no user carol" in out, "delete twice: %s" % out)
        code, out = fluxo("user", "--broker", b.node, *admin, "create", "bad/name", "--password-file", os.path.join(root, "carol.pw"))
        check(code == 2, "a bad name: %s" % out)
        # Users survive a restart; the bootstrap file is not imported twice.
        b.stop()
        b.start()
        check(confluent_produce(b, "SCRAM-SHA-256", "admin", "first", "u", [b"5"])[0], "admin after a restart")
        check(not confluent_produce(b, "SCRAM-SHA-256", "carol", "two", "u", [b"6"], 3)[0], "carol came back")
        print("users: create, set-password, list, delete on a running broker; restart keeps them")
    finally:
        b.stop()


def scenario_tls(root):
    certs = make_certs(os.path.join(root, "certs"))
    tls_args = ["--tls-cert", certs["server.pem"], "--tls-key", certs["server.key"], "--tls-ca", certs["ca.pem"]]
    b = Broker(root, "SSL://127.0.0.1:0,SASL_SSL://127.0.0.1:0,PLAINTEXT://127.0.0.1:0",
               tls_args + ["--tls-client-auth", "requested", "--allow-everyone-if-no-acl", "true"])
    user_create(root, "alice", "alice-secret", data_dir=b.data)
    b.start()
    try:
        ssl_addr, sasl_ssl = b.listeners["SSL"], b.listeners["SASL_SSL"]
        scram = {"bootstrap.servers": sasl_ssl, "security.protocol": "SASL_SSL", "ssl.ca.location": certs["ca.pem"],
                 "sasl.username": "alice", "sasl.password": "alice-secret"}
        for mech in ("SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"):
            p = Producer(dict(scram, **{"sasl.mechanisms": mech}))
            res = []
            p.produce("tls-" + mech, b"v1", on_delivery=lambda e, m: res.append(e))
            check(p.flush(20) == 0 and res == [None], "confluent SASL_SSL %s: %s\n%s" % (mech, res, b.log_text()))
            c = Consumer(dict(scram, **{"sasl.mechanisms": mech, "group.id": "g", "auto.offset.reset": "earliest"}))
            c.assign([TopicPartition("tls-" + mech, 0, 0)])
            got, deadline = None, time.time() + 20
            while got is None and time.time() < deadline:
                m = c.poll(0.5)
                if m is not None and not m.error():
                    got = m.value()
            c.close()
            check(got == b"v1", "confluent SASL_SSL %s consume: %s" % (mech, got))
        kcat = ["kcat", "-b", sasl_ssl, "-X", "security.protocol=SASL_SSL", "-X", "ssl.ca.location=" + certs["ca.pem"],
                "-X", "sasl.mechanisms=SCRAM-SHA-256", "-X", "sasl.username=alice", "-X", "sasl.password=alice-secret"]
        r = subprocess.run(kcat + ["-P", "-t", "kcat-tls"], input=b"a\nb\n", capture_output=True, timeout=60)
        check(r.returncode == 0, "kcat SASL_SSL produce: %s" % r.stderr)
        r = subprocess.run(kcat + ["-C", "-t", "kcat-tls", "-o", "beginning", "-c", "2", "-e"], capture_output=True,
                           timeout=60)
        check(r.stdout.split() == [b"a", b"b"], "kcat SASL_SSL consume: %s %s" % (r.stdout, r.stderr))
        # kafka-python over SSL (no SASL) and over SASL_SSL with SCRAM.
        p = KafkaProducer(bootstrap_servers=ssl_addr, security_protocol="SSL", ssl_cafile=certs["ca.pem"],
                          request_timeout_ms=15000, api_version_auto_timeout_ms=15000)
        p.send("py-tls", b"py").get(20)
        p.close(10)
        p = KafkaProducer(bootstrap_servers=sasl_ssl, security_protocol="SASL_SSL", ssl_cafile=certs["ca.pem"],
                          sasl_mechanism="SCRAM-SHA-512", sasl_plain_username="alice", sasl_plain_password="alice-secret",
                          request_timeout_ms=15000, api_version_auto_timeout_ms=15000)
        p.send("py-tls", b"py2").get(20)
        p.close(10)
        # A client certificate from the CA is accepted (principal User:carol); one from another
        # CA fails the handshake.
        mtls = {"bootstrap.servers": ssl_addr, "security.protocol": "SSL", "ssl.ca.location": certs["ca.pem"]}
        carol = {"ssl.certificate.location": certs["carol.pem"], "ssl.key.location": certs["carol.key"]}
        check(produce_with(dict(mtls, **carol), "mtls", [b"x"])[0], "a client certificate from the CA")
        check("as User:carol" in b.log_text(), "the client certificate's principal is logged")
        mallory = {"ssl.certificate.location": certs["mallory.pem"], "ssl.key.location": certs["mallory.key"]}
        check(kcat_connects(dict(mtls, **carol)), "kcat with a client certificate from the CA")
        check(not kcat_connects(dict(mtls, **mallory)), "a client certificate from another CA was accepted")
        check("TLS handshake failed" in b.log_text(), "the failed handshake is logged")
        # A client that does not trust the broker's CA gives up by itself (nothing is sent).
        check(not kcat_connects({"bootstrap.servers": ssl_addr, "security.protocol": "SSL",
                                 "ssl.ca.location": certs["other-ca.pem"]}),
              "a client accepted a broker certificate from a CA it does not trust")
    finally:
        b.stop()
    # Client certificates required: without one the handshake fails; with one it works.
    shutil.rmtree(b.data, ignore_errors=True)
    r = Broker(root, "SSL://127.0.0.1:0", tls_args + ["--tls-client-auth", "required", "--allow-everyone-if-no-acl", "true"])
    r.start()
    try:
        base = {"bootstrap.servers": r.listeners["SSL"], "security.protocol": "SSL", "ssl.ca.location": certs["ca.pem"]}
        check(not kcat_connects(base), "required: a client without a certificate got through")
        check(produce_with(dict(base, **carol), "req", [b"y"])[0], "required: a client with a certificate from the CA")
    finally:
        r.stop()
    # Bad TLS settings stop the broker at start with a clear message.
    code, out = fluxo("broker", "--data-dir", os.path.join(root, "bad"), "--node-addr", "127.0.0.1:0", "--http-addr",
                      "none", "--kafka-addr", "SSL://127.0.0.1:0", "--tls-cert", certs["server.pem"], "--tls-key",
                      certs["carol.key"])
    check(code == 2 and "does not belong to the certificate" in out, "a key of another certificate: %s" % out)
    print("tls: SSL and SASL_SSL with kcat, confluent-kafka (3 mechanisms) and kafka-python; client certificates "
          "requested and required; a foreign CA refused")


def scenario_acls(root):
    from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                             KafkaAdminClient, NewTopic, ResourcePattern, ResourcePatternFilter, ResourceType)
    b = Broker(root, "SASL_PLAINTEXT://127.0.0.1:0", ["--super-users", "User:admin"])
    for user in ("admin", "alice", "bob"):
        user_create(root, user, user + "-pw", data_dir=b.data)
    b.start()
    try:
        def conf(user):
            return python_conf(b, "SCRAM-SHA-256", user, user + "-pw")

        admin = KafkaAdminClient(**conf("admin"))
        admin.create_topics([NewTopic("orders", 1, 1), NewTopic("secret", 1, 1), NewTopic("logs.app", 1, 1)])

        def acl(principal, op, rtype, name, perm=ACLPermissionType.ALLOW, pattern=ACLResourcePatternType.LITERAL):
            return ACL(principal=principal, host="*", operation=op, permission_type=perm,
                       resource_pattern=ResourcePattern(rtype, name, pattern))

        created = admin.create_acls([
            acl("User:alice", ACLOperation.WRITE, ResourceType.TOPIC, "orders"),
            acl("User:bob", ACLOperation.READ, ResourceType.TOPIC, "orders"),
            acl("User:bob", ACLOperation.READ, ResourceType.GROUP, "g1"),
            acl("User:alice", ACLOperation.WRITE, ResourceType.TOPIC, "logs.", pattern=ACLResourcePatternType.PREFIXED),
            acl("User:bob", ACLOperation.DESCRIBE, ResourceType.TOPIC, "secret"),  # sees it, may not read it
        ])
        check(len(created["succeeded"]) == 5 and not created["failed"], "create_acls: %s" % created)
        everything = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY,
                               permission_type=ACLPermissionType.ANY,
                               resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
        deadline = time.time() + 10
        while time.time() < deadline and len(admin.describe_acls(everything)[0]) < 5:
            time.sleep(0.1)
        listed, error = admin.describe_acls(everything)
        check(len(listed) == 5 and error.errno == 0, "describe_acls: %s %s" % (listed, error))
        time.sleep(1)  # every listener follows __fluxo_security within half a second

        def produce(user, topic):
            ok, res = confluent_produce(b, "SCRAM-SHA-256", user, user + "-pw", topic, [b"x"], 10)
            return "ok" if ok else (res[0].code() if res and res[0] is not None else "none")

        check(produce("alice", "orders") == "ok", "alice may write orders")
        check(produce("alice", "logs.app") == "ok", "alice may write logs.* (prefixed)")
        check(produce("bob", "orders") == 29, "bob may not write orders (TOPIC_AUTHORIZATION_FAILED)")
        check(produce("alice", "secret") == 29, "nobody but the super user writes secret")
        check(produce("admin", "secret") == "ok", "the super user writes anything")
        # bob reads orders in group g1; alice may not read; bob may not use group g2.
        check(confluent_consume(b, "SCRAM-SHA-256", "bob", "bob-pw", "orders", 1) == [b"x"], "bob reads orders")
        c = KafkaConsumer(**conf("bob"), group_id="g1", auto_offset_reset="earliest", consumer_timeout_ms=10000)
        c.subscribe(["orders"])
        check([m.value for m in c] == [b"x"], "bob consumes orders in group g1")
        c.commit()
        c.close()
        from kafka.errors import GroupAuthorizationFailedError
        c = KafkaConsumer(**conf("bob"), group_id="g2", auto_offset_reset="earliest", consumer_timeout_ms=5000)
        c.subscribe(["orders"])
        try:
            list(c)
            raise AssertionError("bob consumed orders in group g2")
        except GroupAuthorizationFailedError:
            pass
        finally:
            c.close()
        got = fetch_error(rdkafka_conf(b, "SCRAM-SHA-256", "bob", "bob-pw"), "secret", group="g1")
        check(got == 29, "bob fetching secret: TOPIC_AUTHORIZATION_FAILED, got %s" % got)
        # Committing an offset needs READ on the topic too (bob may only describe secret).
        from kafka.structs import OffsetAndMetadata, TopicPartition as PyTopicPartition
        from kafka.errors import TopicAuthorizationFailedError
        c = KafkaConsumer(**conf("bob"), group_id="g1", enable_auto_commit=False)
        c.assign([PyTopicPartition("secret", 0)])
        try:
            c.commit({PyTopicPartition("secret", 0): OffsetAndMetadata(1, "")})
            raise AssertionError("bob committed an offset of secret")
        except TopicAuthorizationFailedError:
            pass
        finally:
            c.close()
        # Metadata lists only what the requester may describe.
        seen = set(KafkaConsumer(**conf("bob")).topics())
        check("orders" in seen and "secret" in seen and "logs.app" not in seen, "bob's topics: %s" % seen)
        # Admin requests: alice may not create topics or ACLs.
        alice_admin = KafkaAdminClient(**conf("alice"))
        from kafka.errors import ClusterAuthorizationFailedError, TopicAuthorizationFailedError as TAF
        try:
            alice_admin.create_topics([NewTopic("alices", 1, 1)])
            raise AssertionError("alice created a topic")
        except TAF:
            pass
        refused = alice_admin.create_acls([acl("User:alice", ACLOperation.ALL, ResourceType.TOPIC, "*")])
        check(not refused["succeeded"] and len(refused["failed"]) == 1, "alice created an ACL: %s" % refused)
        try:
            alice_admin.describe_acls(everything)
            raise AssertionError("alice listed the ACLs")
        except ClusterAuthorizationFailedError:
            pass
        # fluxo acl (librdkafka's admin API) with -F, kcat's client config file.
        cfg = os.path.join(root, "admin.conf")
        with open(cfg, "w") as f:
            f.write("# admin\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanisms=SCRAM-SHA-256\n"
                    "sasl.username=admin\nsasl.password=admin-pw\n")
        as_admin = ["acl", "--bootstrap", b.sasl, "-F", cfg]
        code, out = fluxo(*as_admin, "list", "--resource", "topic", "--name", "orders")
        check(code == 0 and "TOPIC LITERAL orders  User:alice  host *  WRITE  ALLOW" in out and out.count("\n") == 2,
              "fluxo acl list: %s" % out)
        code, out = fluxo("acl", "--bootstrap", b.sasl, "-X", "security.protocol=SASL_PLAINTEXT", "-X",
                          "sasl.mechanisms=SCRAM-SHA-256", "-X", "sasl.username=alice", "-X", "sasl.password=alice-pw",
                          "add", "--resource", "topic", "--name", "*", "--principal", "User:alice", "--operation", "all")
        check(code == 1 and "CLUSTER_AUTHORIZATION_FAILED" in out, "alice's fluxo acl add: %s" % out)
        # DENY wins over ALLOW; removing it gives the permission back.
        deny = ["--resource", "topic", "--name", "orders", "--principal", "User:alice", "--operation", "write",
                "--permission", "deny"]
        code, out = fluxo(*as_admin, "add", *deny)
        check(code == 0, "fluxo acl add DENY: %s" % out)
        time.sleep(1)
        check(produce("alice", "orders") == 29, "DENY wins over ALLOW")
        code, out = fluxo(*as_admin, "remove", *deny)
        check(code == 0 and out.count("removed:") == 1, "fluxo acl remove DENY: %s" % out)
        time.sleep(1)
        check(produce("alice", "orders") == "ok", "alice writes again after the DENY is gone")
        # kafka-python's delete_acls too.
        only_prefixed = ACLFilter(principal="User:alice", host="*", operation=ACLOperation.ANY,
                                  permission_type=ACLPermissionType.ANY,
                                  resource_pattern=ResourcePatternFilter(ResourceType.TOPIC, "logs.",
                                                                         ACLResourcePatternType.PREFIXED))
        deleted = admin.delete_acls([only_prefixed])
        check(len(deleted[0][1]) == 1, "delete_acls matched the prefixed binding: %s" % (deleted,))
        time.sleep(1)
        check(produce("alice", "logs.app") == 29, "alice may no longer write logs.*")
        # ACLs survive a restart (they live in __fluxo_security).
        b.stop()
        b.start()
        check(produce("alice", "orders") == "ok" and produce("bob", "orders") == 29, "ACLs after a restart")
        print("acls: create/describe/delete round trips; produce, fetch, groups, metadata, admin checked per binding; "
              "DENY over ALLOW; prefixed; super user; restart")
    finally:
        b.stop()


def rate_for(conf, seconds, run):
    """Bytes per second `run(deadline)` moves between 2 s and `seconds` after it starts."""
    samples = []
    run(time.time() + seconds, samples)
    start = samples[0][0] + 2
    window = [(t, n) for t, n in samples if t >= start]
    if len(window) < 2:
        return 0.0
    return (window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0])


def scenario_quotas(root):
    b = Broker(root)
    for user in ("admin", "alice", "bob"):
        user_create(root, user, user + "-pw", data_dir=b.data)
    b.start()
    try:
        produce_rate, fetch_rate = 200_000, 400_000
        admin = login(root, "admin")
        code, out = fluxo("quota", "--broker", b.node, *admin, "set", "--user", "alice", "--producer-byte-rate",
                          str(produce_rate), "--consumer-byte-rate", str(fetch_rate))
        check(code == 0, "quota set: %s" % out)
        code, out = fluxo("quota", "--broker", b.node, *admin, "list")
        check(code == 0 and "user alice  producer_byte_rate=200000  consumer_byte_rate=400000" in out, "list: %s" % out)
        time.sleep(1.5)
        value = b"v" * 1000

        def producing(user):
            def run(deadline, samples):
                p = Producer(dict(rdkafka_conf(b, "SCRAM-SHA-256", user, user + "-pw"),
                                  **{"linger.ms": 5, "batch.size": 16384, "queue.buffering.max.messages": 20000}))
                acked = [0]

                def cb(e, m):
                    if e is None:
                        acked[0] += len(m.value())
                while time.time() < deadline:
                    try:
                        p.produce("q-" + user, value, on_delivery=cb)
                    except BufferError:
                        p.poll(0.01)
                    p.poll(0)
                    samples.append((time.time(), acked[0]))
                p.flush(30)
            return run

        alice = rate_for(None, 9, producing("alice"))
        check(abs(alice - produce_rate) <= 0.2 * produce_rate,
              "alice produced %.0f B/s under a %d B/s quota" % (alice, produce_rate))
        bob = rate_for(None, 5, producing("bob"))
        check(bob > 3 * produce_rate, "bob (no quota) produced only %.0f B/s" % bob)

        def consuming(deadline, samples):
            c = Consumer(dict(rdkafka_conf(b, "SCRAM-SHA-256", "alice", "alice-pw"),
                              **{"group.id": "quota", "auto.offset.reset": "earliest"}))
            c.assign([TopicPartition("q-bob", 0, 0)])
            got = 0
            while time.time() < deadline:
                m = c.poll(0.1)
                if m is not None and not m.error():
                    got += len(m.value())
                samples.append((time.time(), got))
            c.close()

        fetched = rate_for(None, 8, consuming)
        check(abs(fetched - fetch_rate) <= 0.3 * fetch_rate,
              "alice fetched %.0f B/s under a %d B/s quota" % (fetched, fetch_rate))
        # A request quota (request_percentage): bob's many tiny produce requests (one record
        # each) take more broker time than 0.5 % of a thread allows, so the broker throttles
        # them (throttle_time_ms, seen by librdkafka's throttle callback) and they take longer;
        # the same requests from the admin, without a request quota, are never throttled.
        code, out = fluxo("quota", "--broker", b.node, *admin, "set", "--user", "bob", "--request-percentage", "0.5")
        check(code == 0, "quota set --request-percentage: %s" % out)
        code, out = fluxo("quota", "--broker", b.node, *admin, "list")
        check(code == 0 and "user bob  request_percentage=0.5" in out, "list: %s" % out)
        time.sleep(1.5)

        def many_requests(user):
            throttles = []
            p = Producer(dict(rdkafka_conf(b, "SCRAM-SHA-256", user, user + "-pw"),
                              **{"linger.ms": 0, "batch.num.messages": 1, "max.in.flight": 1, "acks": 1,
                                 "throttle_cb": lambda ev: throttles.append(ev.throttle_time)}))
            started = time.time()
            for i in range(600):
                p.produce("q-req", b"r%d" % i)
                p.flush(30)
            p.poll(0.5)
            return time.time() - started, throttles

        free_s, free_throttles = many_requests("admin")
        bob_s, bob_throttles = many_requests("bob")
        check(not free_throttles, "requests without a quota were throttled: %s" % free_throttles[:5])
        check(bob_throttles and bob_s > free_s, "bob's requests were not throttled (%.2f s vs %.2f s, throttles %s)"
              % (bob_s, free_s, bob_throttles[:5]))
        code, out = fluxo("quota", "--broker", b.node, *admin, "remove", "--user", "alice")
        check(code == 0, "quota remove: %s" % out)
        code, out = fluxo("quota", "--broker", b.node, *admin, "list")
        check(code == 0 and "alice" not in out, "list after remove: %s" % out)
        print("quotas: producer %.0f B/s under %d (%.2fx), consumer %.0f B/s under %d (%.2fx), unthrottled %.0f B/s; "
              "600 one-record requests in %.2f s under request_percentage=0.5 (%d throttles, up to %d ms) vs %.2f s"
              % (alice, produce_rate, alice / produce_rate, fetched, fetch_rate, fetched / fetch_rate, bob,
                 bob_s, len(bob_throttles), max(bob_throttles) * 1000, free_s))
    finally:
        b.stop()


class Http:
    """Requests to the broker's HTTPS port, trusting the test CA."""

    def __init__(self, base, cafile):
        import ssl
        self.base = base
        self.ctx = ssl.create_default_context(cafile=cafile)

    def call(self, method, path, auth=None, body=None, cookie=None, headers=None):
        """(status, parsed JSON or text, response headers)."""
        import base64
        import json
        import urllib.error
        import urllib.request
        req = urllib.request.Request(self.base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
        if body is not None:
            req.add_header("Content-Type", "application/json")
        if auth:
            req.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode())
        if cookie:
            req.add_header("Cookie", cookie)
        for k, v in (headers or {}).items():
            req.add_header(k, v)
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=20) as r:
                status, raw, hdrs = r.status, r.read(), r.headers
        except urllib.error.HTTPError as e:
            status, raw, hdrs = e.code, e.read(), e.headers
        try:
            data = json.loads(raw)
        except ValueError:
            data = raw.decode(errors="replace")
        return status, data, hdrs


def wait_for(what, cond, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("not within %d s: %s" % (seconds, what))


def scenario_http(root):
    certs = make_certs(os.path.join(root, "certs"))
    b = Broker(root, "SASL_PLAINTEXT://127.0.0.1:0",
               ["--super-users", "User:admin", "--tls-cert", certs["server.pem"], "--tls-key", certs["server.key"],
                "--http-metrics-auth", "true"], http="https://127.0.0.1:0")
    for user in ("admin", "viewer", "writer"):
        user_create(root, user, user + "-pw", data_dir=b.data)
    b.start()
    try:
        check(b.http.startswith("https://127.0.0.1:"), "ready file names the HTTPS address: %s" % b.http)
        h = Http(b.http, certs["ca.pem"])
        admin, viewer, writer = ("admin", "admin-pw"), ("viewer", "viewer-pw"), ("writer", "writer-pw")
        # Open without a login: health, readiness and the console's own files.
        for path in ("/healthz", "/readyz", "/", "/app.js"):
            check(h.call("GET", path)[0] == 200, "GET %s without a login" % path)
        # Plain HTTP to the HTTPS port gets nothing useful.
        import urllib.request
        try:
            urllib.request.urlopen(b.http.replace("https://", "http://") + "/api/v1/topics", timeout=10).read()
            raise AssertionError("plain HTTP was answered on the HTTPS port")
        except AssertionError:
            raise
        except Exception:
            pass
        # Everything else needs a user; the console gets no browser prompt.
        status, data, hdrs = h.call("GET", "/api/v1/topics")
        check(status == 401 and "Basic" in (hdrs.get("WWW-Authenticate") or ""), "no login: %s %s" % (status, data))
        status, _, hdrs = h.call("GET", "/api/v1/topics", headers={"X-Fluxo-Console": "1"})
        check(status == 401 and hdrs.get("WWW-Authenticate") is None, "the console's 401 must not prompt")
        check(h.call("GET", "/api/v1/topics", auth=("admin", "wrong-pw"))[0] == 401, "a wrong password")
        check(h.call("GET", "/api/v1/topics", auth=("nobody", "admin-pw"))[0] == 401, "an unknown user")
        check(h.call("GET", "/metrics")[0] == 401, "/metrics with --http-metrics-auth and no login")
        status, text, _ = h.call("GET", "/metrics", auth=admin)
        check(status == 200 and "fluxo_http_requests_total" in text, "/metrics as admin: %s" % status)
        check(h.call("GET", "/metrics", auth=viewer)[0] == 403, "/metrics as a user without DESCRIBE on the cluster")
        # The super user administers; ACLs give the others what they may do.
        for name in ("orders", "secret-stuff"):
            status, data, _ = h.call("POST", "/api/v1/topics", auth=admin, body={"name": name, "partitions": 1})
            check(status == 201, "admin creates %s: %s %s" % (name, status, data))
        status, data, _ = h.call("POST", "/api/v1/topics/orders/messages", auth=admin, body={"key": "k", "value": "v1"})
        check(status == 201, "admin produces: %s %s" % (status, data))
        cfg = os.path.join(root, "admin.conf")
        with open(cfg, "w") as f:
            f.write("security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=SCRAM-SHA-256\n"
                    "sasl.username=admin\nsasl.password=admin-pw\n")
        for principal, op in (("User:viewer", "describe"), ("User:writer", "write"), ("User:writer", "read")):
            code, out = fluxo("acl", "--bootstrap", b.sasl, "-F", cfg, "add", "--resource", "topic", "--name", "ord",
                              "--pattern", "prefixed", "--principal", principal, "--operation", op)
            check(code == 0, "fluxo acl add: %s" % out)
        wait_for("the viewer's ACL applies", lambda: h.call("GET", "/api/v1/topics/orders", auth=viewer)[0] == 200)
        # A read-only user sees but cannot change, and is told which permission is missing.
        status, data, _ = h.call("GET", "/api/v1/topics", auth=viewer)
        names = [t["name"] for t in data["topics"]]
        check(status == 200 and names == ["orders"], "the viewer lists only what it may describe: %s" % names)
        status, data, _ = h.call("DELETE", "/api/v1/topics/orders", auth=viewer)
        check(status == 403 and data["error"]["name"] == "TOPIC_AUTHORIZATION_FAILED"
              and "User:viewer may not DELETE TOPIC 'orders'" in data["error"]["message"], "viewer delete: %s" % data)
        for method, path, body in (("POST", "/api/v1/topics/orders/messages", {"value": "x"}),
                                   ("GET", "/api/v1/topics/orders/messages", None),
                                   ("GET", "/api/v1/topics/secret-stuff", None),
                                   ("POST", "/api/v1/topics", {"name": "ordinary"})):
            status, data, _ = h.call(method, path, auth=viewer, body=body)
            check(status == 403 and data["error"]["code"] == 29, "viewer %s %s: %s %s" % (method, path, status, data))
        status, data, _ = h.call("GET", "/api/v1/node", auth=viewer)
        check(status == 403 and data["error"]["name"] == "CLUSTER_AUTHORIZATION_FAILED", "viewer node: %s" % data)
        # The writer produces and reads its topics, but not others.
        check(h.call("POST", "/api/v1/topics/orders/messages", auth=writer, body={"value": "v2"})[0] == 201, "writer produces")
        status, data, _ = h.call("GET", "/api/v1/topics/orders/messages", auth=writer)
        check(status == 200 and [m["value"] for m in data["messages"]] == ["v1", "v2"], "writer reads: %s" % data)
        check(h.call("POST", "/api/v1/topics/secret-stuff/messages", auth=writer, body={"value": "x"})[0] == 403,
              "writer on another topic")
        check(h.call("POST", "/api/v1/topics/ord-unknown/messages", auth=writer, body={"value": "x"})[0] == 404,
              "writing may not create a topic without CREATE")
        # A group's offsets are shown only for topics the user may see.
        cons = Consumer(dict(rdkafka_conf(b, "SCRAM-SHA-256", "admin", "admin-pw"), **{"group.id": "gv"}))
        cons.commit(offsets=[TopicPartition("orders", 0, 1), TopicPartition("secret-stuff", 0, 0)], asynchronous=False)
        cons.close()
        code, out = fluxo("acl", "--bootstrap", b.sasl, "-F", cfg, "add", "--resource", "group", "--name", "gv",
                          "--principal", "User:viewer", "--operation", "describe")
        check(code == 0, "fluxo acl add group: %s" % out)
        wait_for("the viewer sees group gv", lambda: h.call("GET", "/api/v1/groups/gv", auth=viewer)[0] == 200)
        status, data, _ = h.call("GET", "/api/v1/groups/gv", auth=admin)
        check(sorted({p["topic"] for p in data["partitions"]}) == ["orders", "secret-stuff"], "admin's view: %s" % data)
        status, data, _ = h.call("GET", "/api/v1/groups/gv", auth=viewer)
        check([p["topic"] for p in data["partitions"]] == ["orders"], "viewer's view of gv: %s" % data)
        # Dead letters go back only where the replaying user may write, never to internal topics.
        for target in ("orders", "secret-stuff", "__fluxo_security"):
            status, data, _ = h.call("POST", "/api/v1/topics/ord.dlt/messages", auth=admin,
                                     body={"key": "scram/SCRAM-SHA-256/mallory", "value": "x",
                                           "headers": {"fluxo.original.topic": target}})
            check(status == 201, "dead letter for %s: %s %s" % (target, status, data))
        status, data, _ = h.call("POST", "/api/v1/topics/ord.dlt/replay-dead-letters", auth=writer)
        check(status == 200 and data == {"replayed": 1, "skipped": 2}, "writer's replay: %s %s" % (status, data))
        status, data, _ = h.call("POST", "/api/v1/topics/ord.dlt/replay-dead-letters", auth=admin)
        check(status == 200 and data["skipped"] == 1, "even a super user's replay skips __fluxo_security: %s" % data)
        # __fluxo_security is never read over HTTP, not even by a super user.
        check(h.call("GET", "/api/v1/topics/__fluxo_security/messages", auth=admin)[0] == 403, "__fluxo_security read")
        # Sessions: login, the cookie works, logout ends it.
        check(h.call("POST", "/api/v1/login", body={"user": "viewer", "password": "nope"})[0] == 401, "login, wrong pw")
        status, data, hdrs = h.call("POST", "/api/v1/login", body={"user": "viewer", "password": "viewer-pw"})
        set_cookie = hdrs.get("Set-Cookie") or ""
        check(status == 200 and "HttpOnly" in set_cookie and "Secure" in set_cookie and "SameSite=Strict" in set_cookie,
              "login: %s %s" % (status, set_cookie))
        cookie = set_cookie.split(";")[0]
        check(h.call("GET", "/api/v1/whoami", cookie=cookie)[1]["user"] == "viewer", "whoami with the cookie")
        check(h.call("GET", "/api/v1/topics/orders", cookie=cookie)[0] == 200, "the session's cookie works")
        # A page of another site may not use the browser's session to change anything.
        status, data, _ = h.call("POST", "/api/v1/topics", cookie=cookie, body={"name": "csrf"},
                                 headers={"Origin": "https://evil.example"})
        check(status == 403 and "cross-site" in data["error"]["message"], "cross-site POST: %s" % data)
        h.call("POST", "/api/v1/logout", cookie=cookie)
        check(h.call("GET", "/api/v1/topics/orders", cookie=cookie)[0] == 401, "the cookie after logout")
        # A password change ends the user's sessions and remembered Basic logins.
        status, _, hdrs = h.call("POST", "/api/v1/login", body={"user": "writer", "password": "writer-pw"})
        cookie = (hdrs.get("Set-Cookie") or "").split(";")[0]
        check(status == 200 and h.call("GET", "/api/v1/topics/orders", cookie=cookie)[0] == 200, "writer's session")
        user_create(root, "writer", "new-pw", broker=b.node, command="set-password")
        wait_for("the writer's session ends", lambda: h.call("GET", "/api/v1/topics/orders", cookie=cookie)[0] == 401)
        check(h.call("GET", "/api/v1/topics/orders", auth=writer)[0] == 401, "the old password over Basic")
        check(h.call("GET", "/api/v1/topics/orders", auth=("writer", "new-pw"))[0] == 200, "the new password")
        log = b.log_text()
        check("failed login for user 'viewer'" in log and "nope" not in log and "viewer-pw" not in log,
              "failed logins are logged without passwords")
        print("http: HTTPS with Basic and session logins, per-route ACLs (read-only user refused with 403), logout "
              "and password change end sessions, cross-site and __fluxo_security refused, /metrics behind a login")
    finally:
        b.stop()


def scenario_native(root):
    b = Broker(root, "SASL_PLAINTEXT://127.0.0.1:0", ["--super-users", "User:admin"])
    for user in ("admin", "app", "reader"):
        user_create(root, user, user + "-pw", data_dir=b.data)
    b.start()
    try:
        node = ["--broker", b.node]
        admin, app, reader = login(root, "admin"), login(root, "app"), login(root, "reader")
        # Nobody gets anything without a login, a wrong password or an unknown user.
        code, out = fluxo("topic", "list", *node)
        check(code == 1 and "log in first" in out and "SASL_AUTHENTICATION_FAILED" in out, "no login: %s" % out)
        code, out = fluxo("produce", "orders", *node, stdin="x\n")
        check(code != 0 and "log in first" in out, "produce without a login: %s" % out)
        with open(os.path.join(root, "wrong.pw"), "w") as f:
            f.write("wrong\n")
        code, out = fluxo("topic", "list", *node, "--user", "admin", "--password-file", os.path.join(root, "wrong.pw"))
        check(code == 1 and "SASL_AUTHENTICATION_FAILED" in out and "invalid credentials" in out, "wrong pw: %s" % out)
        code, out = fluxo("topic", "list", *node, "--user", "mallory", "--password-file", os.path.join(root, "app.pw"))
        check(code == 1 and "SASL_AUTHENTICATION_FAILED" in out, "unknown user: %s" % out)
        log = b.log_text()
        check("login of 'admin' from 127.0.0.1 failed" in log and "login of 'mallory' from 127.0.0.1 failed" in log
              and "wrong\n" not in log, "failed logins logged with the address, without the password")
        # The super user does everything; ACLs through the Kafka listener let app write and reader read.
        for t in ("orders", "secret"):
            code, out = fluxo("topic", "create", t, "--partitions", "2", *node, *admin)
            check(code == 0, "admin creates %s: %s" % (t, out))
        cfg = os.path.join(root, "admin.conf")
        with open(cfg, "w") as f:
            f.write("security.protocol=SASL_PLAINTEXT\nsasl.mechanisms=SCRAM-SHA-256\n"
                    "sasl.username=admin\nsasl.password=admin-pw\n")
        for principal, rtype, name, op in (("User:app", "topic", "orders", "write"),
                                           ("User:reader", "topic", "orders", "read"),
                                           ("User:reader", "group", "g1", "read")):
            code, out = fluxo("acl", "--bootstrap", b.sasl, "-F", cfg, "add", "--resource", rtype, "--name", name,
                              "--principal", principal, "--operation", op)
            check(code == 0, "fluxo acl add: %s" % out)
        code, out = fluxo("produce", "orders", *node, *app, stdin="a\nb\nc\n")
        wait_for("app may write orders", lambda: fluxo("produce", "orders", *node, *app, stdin="d\n")[0] == 0)
        code, out = fluxo("produce", "secret", *node, *app, stdin="x\n")
        check(code != 0 and "TOPIC_AUTHORIZATION_FAILED" in out, "app writes secret: %s" % out)
        code, out = fluxo("consume", "orders", *node, *app, "--from", "beginning", "--max", "1")
        check(code != 0 and "TOPIC_AUTHORIZATION_FAILED" in out, "app reads orders: %s" % out)
        code, out = fluxo("topic", "delete", "orders", *node, *app)
        check(code == 1 and "TOPIC_AUTHORIZATION_FAILED" in out and "User:app may not DELETE topic 'orders'" in out,
              "app deletes orders: %s" % out)
        # reader: consumes with its group, sees only what it may describe, writes nothing.
        code, out = fluxo("consume", "orders", *node, *reader, "--group", "g1", "--from", "beginning", "--max", "4")
        values = sorted(line.split('"value":"')[1].split('"')[0] for line in out.splitlines() if '"value"' in line)
        check(code == 0 and values[:3] == ["a", "b", "c"] and len(values) == 4, "reader consumes: %s" % out)
        code, out = fluxo("topic", "list", *node, *reader)
        check(code == 0 and "orders" in out and "secret" not in out, "reader lists: %s" % out)
        code, out = fluxo("produce", "orders", *node, *reader, stdin="x\n")
        check(code != 0 and "TOPIC_AUTHORIZATION_FAILED" in out, "reader writes: %s" % out)
        code, out = fluxo("consume", "orders", *node, *reader, "--group", "other", "--from", "beginning", "--max", "1")
        check(code != 0 and "GROUP_AUTHORIZATION_FAILED" in out, "reader in another group: %s" % out)
        # Users and ACLs (__fluxo_security) need ALTER on the cluster: app may not even list users.
        code, out = fluxo("user", "--broker", b.node, *app, "list")
        check(code == 1 and "TOPIC_AUTHORIZATION_FAILED" in out and "ALTER on the cluster" in out,
              "app lists users: %s" % out)
        code, out = fluxo("user", "--broker", b.node, "-F", cfg, "list")
        check(code == 0 and "reader" in out, "admin lists users with -F: %s" % out)
        check("User:reader logged in from 127.0.0.1" in b.log_text(), "logins are logged")
        wait_for("sessions end with their clients", lambda: "session of User:reader ended" in b.log_text())
        print("native: node-port logins (none, wrong password, unknown user refused; --user/--password-file and -F), "
              "ACLs on produce, consume, groups, lists, deletes and users")
    finally:
        b.stop()


def main():
    root = tempfile.mkdtemp(prefix="fluxo-security-")
    ok = False
    try:
        {"clients": scenario_clients, "refusals": scenario_refusals, "users": scenario_users,
         "tls": scenario_tls, "acls": scenario_acls, "http": scenario_http, "quotas": scenario_quotas,
         "native": scenario_native}[SCENARIO](root)
        ok = True
    finally:
        if ok:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print("kept", root)


if __name__ == "__main__":
    main()
