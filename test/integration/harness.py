# SPDX-License-Identifier: MIT
"""Reusable pieces of the krest integration tests (Python 3 stdlib + kcat).

Processes: Broker (bin/test/mockbroker, a librdkafka mock cluster in its own
process, driven over stdin) and Krestd (bin/krestd on a free port). Both are
context managers that stop what they started by PID.

HTTP: request() over http.client (new connection each time), RawConn for byte-
exact requests (chunked bodies, Expect: 100-continue, pipelining), produce()
for the common case, requests_like() for the python-requests emulator request
of clients.md section 0.6.

Kafka checks: kcat_consume(), kcat_watermarks(), check_offsets().
Partitioning: murmur2() and java_partition(), Kafka's Utils.murmur2.
"""

import base64
import json
import os
import random
import re
import select
import signal
import socket
import subprocess
import tempfile
import time
import http.client

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
_bin = os.environ.get("KREST_BIN", "bin")
BIN = _bin if os.path.isabs(_bin) else os.path.join(ROOT, _bin)
MOCKBROKER = os.path.join(BIN, "test", "mockbroker")
KRESTD = os.path.join(BIN, "krestd")
KCAT = "kcat"

V2 = "application/vnd.kafka.v2+json"
JSON_CT = "application/vnd.kafka.json.v2+json"
BINARY_CT = "application/vnd.kafka.binary.v2+json"

# Every Krestd started and not yet stopped, so the runner can print its log
# when a test fails.
RUNNING = []
BROKERS = []

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
                   "ERROR: LeakSanitizer")


_tmp_root = None


def tmpdir(prefix):
    """A new directory under this run's temporary root (run.py removes the
    root when every test passed, and prints it otherwise)."""
    global _tmp_root
    if _tmp_root is None:
        _tmp_root = tempfile.mkdtemp(prefix="krest-it-")
    return tempfile.mkdtemp(prefix=prefix, dir=_tmp_root)


def tmp_root():
    return _tmp_root


def log(msg):
    print("    # " + msg, flush=True)


# ---- ports ---------------------------------------------------------------

_used_ports = set()


def free_port():
    """A TCP port on 127.0.0.1 below 32768 (outside the ephemeral range)
    that nothing listens on now and that this run has not handed out."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        if port in _used_ports:
            continue
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            s.close()
        _used_ports.add(port)
        return port
    raise RuntimeError("no free port found")


def wait_for(pred, timeout, step=0.05, what="condition"):
    """Polls pred() until it is truthy; returns its value or raises."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what))
        time.sleep(step)


def _die_with_parent():
    """preexec_fn: the child gets SIGTERM when the test runner dies, so that
    no daemon outlives an interrupted run."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)   # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _stop_pid(proc, timeout):
    """SIGTERM, then SIGKILL after timeout. Returns the exit status."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    return proc.returncode


# ---- the broker ----------------------------------------------------------

class Broker:
    """bin/test/mockbroker in its own process.

        with Broker(brokers=3) as b:
            b.cmd("create t 4 3")
            b.bootstrap  -> "127.0.0.1:p1,127.0.0.1:p2,..."
    """

    def __init__(self, brokers=3, partitions=None):
        self.brokers = brokers
        self.partitions = partitions
        self.proc = None
        self.bootstrap = None
        self._buf = b""
        self.dir = tmpdir("mb-")
        self.log_path = os.path.join(self.dir, "mockbroker.log")

    def start(self):
        args = [MOCKBROKER, "-b", str(self.brokers)]
        if self.partitions is not None:
            args += ["-p", str(self.partitions)]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self._log,
                                     preexec_fn=_die_with_parent)
        BROKERS.append(self)
        line = self._readline(10)
        if not line.startswith("BOOTSTRAP "):
            raise AssertionError("mockbroker said %r" % line)
        self.bootstrap = line.split(" ", 1)[1]
        return self

    def _readline(self, timeout):
        fd = self.proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("mockbroker: no answer in %ss" % timeout)
            r, _, _ = select.select([fd], [], [], left)
            if r:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise AssertionError("mockbroker exited (status %s): %s"
                                         % (self.proc.wait(5),
                                            self.log_tail()))
                self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.decode()

    def log_tail(self, n=10):
        with open(self.log_path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def try_cmd(self, line):
        """Sends one control line; returns the answer ("OK" / "ERR ...")."""
        try:
            self.proc.stdin.write(line.encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise AssertionError("mockbroker is gone (status %s): %s"
                                 % (self.proc.wait(5), self.log_tail()))
        return self._readline(10)

    def cmd(self, line):
        """Sends one control line and asserts the answer is OK."""
        ans = self.try_cmd(line)
        if ans != "OK":
            raise AssertionError("mockbroker %r -> %r" % (line, ans))

    def create(self, topic, partitions=4, replication=None):
        if replication is None:
            replication = min(3, self.brokers)
        self.cmd("create %s %d %d" % (topic, partitions, replication))

    def stop(self):
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        _stop_pid(self.proc, 5)
        self.proc.stdout.close()
        self._log.close()
        self.proc = None
        if self in BROKERS:
            BROKERS.remove(self)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


# ---- the daemon ----------------------------------------------------------

def props_text(props):
    """A dict (in order) or a str to properties-file text."""
    if isinstance(props, str):
        return props
    return "".join("%s=%s\n" % (k, v) for k, v in props.items())


class Krestd:
    """bin/krestd on a free 127.0.0.1 port, with a properties file written in
    a temporary directory. props may be a dict (merged over the defaults
    listeners + bootstrap.servers) or the exact file text (str).

        with Krestd(broker, {"produce.timeout.ms": 3000}) as k:
            k.port, k.url, k.log_text(), k.reload({...}), k.signal(SIGHUP)
    """

    def __init__(self, broker=None, props=None, verbose=True, port=None,
                 start_timeout=20, stop_timeout=40, args=None,
                 expect_status=0, use_file=True):
        self.broker = broker
        self.port = port or free_port()
        self.verbose = verbose
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.extra_args = args or []
        self.expect_status = expect_status
        self.use_file = use_file
        self.dir = tmpdir("krestd-")
        self.props_path = os.path.join(self.dir, "kafka-rest.properties")
        self.log_path = os.path.join(self.dir, "krestd.log")
        self.proc = None
        self.props = props
        self.write_props(props)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def base_props(self):
        d = {"listeners": "http://127.0.0.1:%d" % self.port}
        if self.broker is not None:
            d["bootstrap.servers"] = self.broker.bootstrap
        return d

    def write_props(self, props):
        if isinstance(props, str):
            text = props
        else:
            d = self.base_props()
            d.update(props or {})
            text = props_text(d)
        # 0600: krestd refuses a file with secrets readable by others.
        fd = os.open(self.props_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                     0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)

    def start(self):
        args = [KRESTD] + (["-v"] if self.verbose else []) + \
            self.extra_args + ([self.props_path] if self.use_file else [])
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=self._log,
                                     cwd=self.dir,
                                     preexec_fn=_die_with_parent)
        RUNNING.append(self)
        try:
            self.wait_ready(self.start_timeout)
        except BaseException:
            self.kill()
            raise
        return self

    def wait_ready(self, timeout):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("krestd exited with %s during start:\n%s"
                                     % (self.proc.returncode,
                                        self.log_tail()))
            try:
                r = request(self.port, "GET", "/", timeout=2)
                return r.status == 200
            except OSError:
                return False
        wait_for(ready, timeout, step=0.1, what="krestd to answer GET /")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def reload(self, props):
        """Rewrites the properties file and sends SIGHUP."""
        self.write_props(props)
        self.signal(signal.SIGHUP)

    def log_text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def log_tail(self, n=30):
        return "\n".join(self.log_text().splitlines()[-n:])

    def wait_log(self, pattern, timeout=10, start=0):
        """Waits for a regex to appear in the log after char offset start."""
        rx = re.compile(pattern)
        return wait_for(lambda: rx.search(self.log_text(), start), timeout,
                        what="log line /%s/" % pattern)

    def check_log_clean(self):
        text = self.log_text()
        for mark in SANITIZER_MARKS:
            assert mark not in text, "krestd log has %r:\n%s" % (
                mark, self.log_tail(60))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._forget()
        self.proc = None

    def _forget(self):
        if self in RUNNING:
            RUNNING.remove(self)
        if self.proc is not None and not self._log.closed:
            self._log.close()

    def wait_exit(self, timeout):
        """Waits for an exit already asked for (no signal sent); asserts
        the expected status and a clean log. Returns the status."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("krestd still running %ss later:\n%s"
                                 % (timeout, self.log_tail(40)))
        self._forget()
        self.proc = None
        self.check_log_clean()
        assert rc == self.expect_status, \
            "krestd exited with %s, log:\n%s" % (rc, self.log_tail(40))
        return rc

    def stop(self):
        """SIGTERM; asserts exit status 0 and a log free of sanitizer
        reports. Returns the exit status."""
        if self.proc is None:
            return None
        t0 = time.monotonic()
        rc = _stop_pid(self.proc, self.stop_timeout)
        took = time.monotonic() - t0
        self._forget()
        self.proc = None
        self.proc_status = rc
        self.check_log_clean()
        assert rc == self.expect_status, \
            "krestd exited with %s (after %.1fs SIGTERM), log:\n%s" % (
                rc, took, self.log_tail(40))
        return rc

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.stop()
        else:
            # Keep the first error; still stop and report sanitizer output.
            try:
                self.stop()
            except AssertionError as e:
                log("while stopping after an error: %s" % e)


def run_krestd(args, timeout=20):
    """Runs krestd to completion (e.g. -n). Returns (status, output)."""
    p = subprocess.run([KRESTD] + args, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace")


# ---- HTTP ----------------------------------------------------------------

class Resp:
    """One HTTP response: status, reason, headers (list of (name, value) in
    order), body (bytes)."""

    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s %r>" % (self.status, self.header("content-type"),
                                self.body[:300])


def request(port, method, path, body=None, headers=None, timeout=30):
    """One request on a new http.client connection. body may be bytes, str,
    or a dict/list (sent as JSON)."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    elif isinstance(body, str):
        body = body.encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Resp(r.status, r.reason, r.getheaders(), data)
    finally:
        conn.close()


def produce(port, topic, records, fmt="json", partition=None,
            content_type=None, extra=None, timeout=30, headers=None):
    """POST /topics/<topic>[/partitions/<p>] with {"records": records}."""
    path = "/topics/" + topic
    if partition is not None:
        path += "/partitions/%s" % partition
    body = {"records": records}
    if extra:
        body.update(extra)
    h = {"Content-Type": content_type or
         {"json": JSON_CT, "binary": BINARY_CT}[fmt]}
    h.update(headers or {})
    return request(port, "POST", path, body, h, timeout=timeout)


def b64(data):
    return base64.b64encode(data).decode()


class RawConn:
    """A raw socket to krestd for byte-exact requests. send() writes bytes;
    read_response() parses one response (Content-Length, chunked or to EOF,
    and interim 1xx responses)."""

    def __init__(self, port, timeout=30):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed by krestd")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def read_head(self):
        status_line = self._line().decode("latin-1")
        m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)", status_line)
        if not m:
            raise AssertionError("bad status line %r" % status_line)
        headers = []
        while True:
            line = self._line()
            if not line:
                break
            k, _, v = line.decode("latin-1").partition(":")
            headers.append((k.strip(), v.strip()))
        return int(m.group(1)), m.group(2), headers

    def read_response(self, method="POST", interim=False):
        """One response. With interim=True a 1xx is returned as is;
        otherwise 1xx responses are skipped."""
        while True:
            status, reason, headers = self.read_head()
            if 100 <= status < 200 and not interim:
                continue
            break
        r = Resp(status, reason, headers, b"")
        if 100 <= status < 200 or status in (204, 304) or method == "HEAD":
            return r
        te = (r.header("transfer-encoding") or "").lower()
        if "chunked" in te:
            body = b""
            while True:
                size = int(self._line().split(b";")[0], 16)
                if size == 0:
                    while self._line():
                        pass
                    break
                body += self._exact(size)
                self._exact(2)
            r.body = body
        elif r.header("content-length") is not None:
            r.body = self._exact(int(r.header("content-length")))
        else:
            try:
                while True:
                    self._fill()
            except EOFError:
                pass
            r.body, self.buf = self.buf, b""
        return r

    def closed_by_peer(self, timeout=2):
        """True when the peer closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(1) == b""
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def http_head(method, path, headers):
    """Request line and header block, CRLF-terminated."""
    out = "%s %s HTTP/1.1\r\n" % (method, path)
    for k, v in headers:
        out += "%s: %s\r\n" % (k, v)
    return (out + "\r\n").encode("latin-1")


def chunked(body, sizes=(7, 1, 100, 3)):
    """body as chunked transfer coding, chunks cycling through sizes."""
    out, i, n = b"", 0, 0
    while i < len(body):
        size = sizes[n % len(sizes)]
        part = body[i:i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
        i += size
        n += 1
    return out + b"0\r\n\r\n"


def requests_like(port, topic, body, timeout=30):
    """The python-requests emulator request, byte for byte as clients.md
    section 0.6 captured it, on a new connection that is closed after the
    reply. body: bytes (what json.dumps produced)."""
    head = http_head("POST", "/topics/" + topic, [
        ("Host", "127.0.0.1:%d" % port),
        ("User-Agent", "python-requests/2.34.2"),
        ("Accept-Encoding", "gzip, deflate"),
        ("Accept", "*/*"),
        ("Connection", "keep-alive"),
        ("Content-Type", JSON_CT),
        ("Content-Length", str(len(body))),
    ])
    with RawConn(port, timeout) as c:
        c.send(head + body)
        return c.read_response()


# ---- Kafka checks (kcat) -------------------------------------------------

class Record:
    def __init__(self, topic, partition, offset, key, value):
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key          # bytes, or None for a Kafka null
        self.value = value      # bytes, or None for a Kafka null

    def __repr__(self):
        return "<%s/%d@%d key=%r value=%r>" % (
            self.topic, self.partition, self.offset, self.key,
            self.value if self.value is None or len(self.value) < 200
            else self.value[:200] + b"...")


def kcat_consume(bootstrap, topic, partition=None, offset=None, count=None,
                 timeout=30):
    """Records of topic (one partition or all) from offset (default the
    beginning) to the end, with exact key and value bytes; None for null.
    The format prints lengths first, so binary data is read exactly."""
    args = [KCAT, "-C", "-b", bootstrap, "-t", topic, "-e", "-q",
            "-X", "fetch.wait.max.ms=10",
            "-f", "%p %o %K %S\n%k%s"]
    if partition is not None:
        args += ["-p", str(partition)]
    args += ["-o", str(offset) if offset is not None else "beginning"]
    if count is not None:
        args += ["-c", str(count)]
    p = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    if p.returncode != 0:
        raise AssertionError("kcat -C failed (%d): %s" % (
            p.returncode, p.stderr.decode(errors="replace")))
    out, i, recs = p.stdout, 0, []
    while i < len(out):
        nl = out.index(b"\n", i)
        part, off, klen, vlen = (int(x) for x in out[i:nl].split())
        i = nl + 1
        key = None
        if klen >= 0:
            key, i = out[i:i + klen], i + klen
        value = None
        if vlen >= 0:
            value, i = out[i:i + vlen], i + vlen
        recs.append(Record(topic, part, off, key, value))
    return recs


def kcat_record(bootstrap, topic, partition, offset):
    """The one record at topic/partition/offset (asserts it exists)."""
    recs = kcat_consume(bootstrap, topic, partition, offset, count=1)
    assert len(recs) == 1 and recs[0].offset == offset, \
        "no record at %s/%d@%d (got %r)" % (topic, partition, offset, recs)
    return recs[0]


def kcat_partitions(bootstrap, topic, timeout=20):
    """Partition count of topic per kcat -L (the mock auto-creates unknown
    topics on Metadata, so only call this for topics that exist)."""
    p = subprocess.run([KCAT, "-L", "-J", "-b", bootstrap, "-t", topic],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    md = json.loads(p.stdout)
    for t in md["topics"]:
        if t["topic"] == topic:
            return len(t["partitions"])
    raise AssertionError("topic %s not in metadata" % topic)


def kcat_watermarks(bootstrap, topic, partitions=None, timeout=20):
    """{partition: (low, high)} watermarks by kcat -Q."""
    if partitions is None:
        partitions = kcat_partitions(bootstrap, topic)
    res = {}
    for which, ts in (("low", -2), ("high", -1)):
        args = [KCAT, "-Q", "-b", bootstrap]
        for p in range(partitions):
            args += ["-t", "%s:%d:%d" % (topic, p, ts)]
        out = subprocess.run(args, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             timeout=timeout)
        for m in re.finditer(rb"^\S+ \[(\d+)\] offset (-?\d+)$", out.stdout,
                             re.M):
            p, o = int(m.group(1)), int(m.group(2))
            lo, hi = res.get(p, (None, None))
            res[p] = (o, hi) if which == "low" else (lo, o)
    assert len(res) == partitions, "kcat -Q gave %r for %s" % (res, topic)
    return res


def high_watermarks(bootstrap, topic, partitions=None):
    return {p: hi for p, (lo, hi) in
            kcat_watermarks(bootstrap, topic, partitions).items()}


def check_offsets(bootstrap, topic, resp_json, expected):
    """Checks each successful offsets[] entry against Kafka: the record at
    that partition/offset has exactly the expected (key, value) bytes.
    expected: list of (key, value) per request record. Returns records."""
    offs = resp_json["offsets"]
    assert len(offs) == len(expected), (len(offs), len(expected))
    by_part = {}
    for e in offs:
        assert e["error_code"] is None, e
        by_part.setdefault(e["partition"], []).append(e["offset"])
    stored = {}
    for p, olist in by_part.items():
        lo = min(olist)
        recs = kcat_consume(bootstrap, topic, p, lo,
                            count=max(olist) - lo + 1)
        for r in recs:
            stored[(p, r.offset)] = r
    out = []
    for i, (e, (k, v)) in enumerate(zip(offs, expected)):
        r = stored.get((e["partition"], e["offset"]))
        assert r is not None, "record %d not in Kafka at %r" % (i, e)
        assert r.key == k, "record %d key %r != %r" % (i, r.key, k)
        assert r.value == v, "record %d value %r != %r" % (i, r.value, v)
        out.append(r)
    return out


# ---- Java's murmur2 partitioner ------------------------------------------

def murmur2(data):
    """Kafka's org.apache.kafka.common.utils.Utils.murmur2, as a signed
    32-bit int."""
    m, r, mask = 0x5bd1e995, 24, 0xffffffff
    length = len(data)
    h = (0x9747b28c ^ length) & mask
    for i in range(length // 4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = (h * m) & mask
        h ^= k
    tail = length & ~3
    rest = length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def java_partition(key, partitions):
    """Utils.toPositive(murmur2(key)) % partitions."""
    return (murmur2(key) & 0x7fffffff) % partitions


# Values from Kafka's UtilsTest.testMurmur2.
assert murmur2(b"21") == -973932308
assert murmur2(b"foobar") == -790332482
assert murmur2(b"a-little-bit-long-string") == -985981536
assert murmur2(b"a-little-bit-longer-string") == -1486304829
assert murmur2(b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == \
    -58897971
assert murmur2(b"abc") == 479470107


# ---- misc ----------------------------------------------------------------

def uniq(prefix="t"):
    """A fresh topic name."""
    return "%s-%d-%06x" % (prefix, os.getpid(), random.getrandbits(24))


def expect_error(resp, status, code, message=None, message_re=None):
    """Asserts a JSON error body {"error_code":code,"message":...}."""
    assert resp.status == status, "want %d, got %r" % (status, resp)
    try:
        j = resp.json()
    except ValueError:
        raise AssertionError("error body is not JSON: %r" % resp)
    assert list(j.keys()) == ["error_code", "message"], j
    assert j["error_code"] == code, "want error_code %d, got %r" % (code, j)
    if message is not None:
        assert j["message"] == message, "message %r != %r" % (
            j["message"], message)
    if message_re is not None:
        assert re.search(message_re, j["message"] or ""), j
    return j


def ok_body(entries):
    """The byte-exact ProduceResponse for successful (partition, offset)."""
    return ('{"offsets":[' + ",".join(
        '{"partition":%d,"offset":%d,"error_code":null,"error":null}' % e
        for e in entries) + '],"key_schema_id":null,"value_schema_id":null}'
    ).encode()
