"""A fluxo broker process for Python tests: free ports on 127.0.0.1, bounded waits, always stopped.

    with BrokerProcess(fluxo_bin, tmp_dir) as b:   # b.node, b.kafka, b.http: host:port
        ...
"""
import os
import signal
import subprocess
import time


class BrokerProcess:
    def __init__(self, fluxo_bin, data_dir, extra_args=()):
        self.fluxo_bin = fluxo_bin
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.proc = None
        self.node = self.kafka = self.http = None

    def start(self, timeout=30):
        ready = os.path.join(self.data_dir, "ready")
        if os.path.exists(ready):
            os.remove(ready)
        self.log_path = os.path.join(self.data_dir, "broker.log")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.fluxo_bin, "broker", "--data-dir", os.path.join(self.data_dir, "data"), "--node-addr", "127.0.0.1:0",
             "--kafka-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--ready-file", ready] + self.extra_args,
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if os.path.exists(ready):
                lines = open(ready).read().split()
                if len(lines) >= 3:
                    self.node, self.kafka, self.http = lines[0], lines[1], lines[2]
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("broker did not start: " + self.log_tail())

    def log_tail(self, chars=4000):
        try:
            return open(self.log_path, errors="replace").read()[-chars:]
        except OSError:
            return ""

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def stop_process(proc, sig=signal.SIGTERM, timeout=30):
    """Stops a child process: `sig`, then SIGKILL after `timeout` seconds."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
