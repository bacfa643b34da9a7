# SPDX-License-Identifier: MIT
"""Issue 5, the daemon side: the sd_notify protocol against a datagram
socket owned by the test (READY=1, WATCHDOG=1, RELOADING=1, STOPPING=1,
STATUS=), /healthz, /readyz (with the brokers going down and coming back),
/metrics read by a strict Prometheus text-format (0.0.4) parser written
here, with counters checked against the requests the test made, and
log.format=json."""

import json
import math
import os
import re
import signal
import socket
import time
from collections import Counter

import harness as h

TIMEOUT = 180

METRICS_CT = "text/plain; version=0.0.4; charset=utf-8"


# ---- sd_notify -------------------------------------------------------------

class NotifySocket:
    """An AF_UNIX datagram socket standing in for systemd's. abstract=True
    binds in the abstract namespace (NOTIFY_SOCKET=@name)."""

    def __init__(self, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "krest-test-%d-%x" % (os.getpid(), id(self))
            self.sock.bind("\0" + name)
            self.env = "@" + name
        else:
            d = h.tmpdir("notify-")
            self.path = os.path.join(d, "notify.sock")
            self.sock.bind(self.path)
            self.env = self.path
        self.messages = []      # (monotonic time, {key: value})

    def recv(self, timeout):
        """The next datagram as {key: value}, or None after timeout."""
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        msg = {}
        for line in data.decode().split("\n"):
            if line:
                k, sep, v = line.partition("=")
                assert sep, "sd_notify line without '=': %r" % data
                msg[k] = v
        self.messages.append((time.monotonic(), msg))
        return msg

    def wait(self, key, value, timeout, on_msg=None):
        """Reads until a datagram has key=value; returns (time, msg)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    "no %s=%s on NOTIFY_SOCKET in %ss; got %r"
                    % (key, value, timeout,
                       [m for _, m in self.messages][-20:]))
            msg = self.recv(left)
            if msg is None:
                continue
            if on_msg is not None:
                on_msg(msg)
            if msg.get(key) == value:
                return self.messages[-1]

    def drain(self):
        while self.recv(0.001) is not None:
            pass

    def close(self):
        self.sock.close()


class NotifyKrestd(h.Krestd):
    """h.Krestd started with NOTIFY_SOCKET (and WATCHDOG_*) set. Start-up
    waits for READY=1 instead of polling GET /: when READY=1 arrives,
    krestd must already answer HTTP."""

    def __init__(self, broker, props, notify, watchdog_usec=None,
                 watchdog_pid=None, wait_ready_msg=True, **kw):
        self.notify = notify
        self.watchdog_usec = watchdog_usec
        self.watchdog_pid = watchdog_pid
        self.wait_ready_msg = wait_ready_msg
        self.ready_msg = None
        super().__init__(broker, props, **kw)

    def start(self):
        env = {"NOTIFY_SOCKET": self.notify.env}
        if self.watchdog_usec is not None:
            env["WATCHDOG_USEC"] = str(self.watchdog_usec)
        if self.watchdog_pid is not None:
            env["WATCHDOG_PID"] = str(self.watchdog_pid)
        saved = {k: os.environ.get(k) for k in
                 ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
        os.environ.update(env)
        try:
            return super().start()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def wait_ready(self, timeout):
        if not self.wait_ready_msg:
            return super().wait_ready(timeout)

        def check_alive(msg):
            if self.proc.poll() is not None:
                raise AssertionError("krestd exited with %s:\n%s" % (
                    self.proc.returncode, self.log_tail()))
        deadline = time.monotonic() + timeout
        while True:
            check_alive(None)
            msg = self.notify.recv(min(0.5, deadline - time.monotonic()))
            if msg is not None and msg.get("READY") == "1":
                break
            if time.monotonic() > deadline:
                raise AssertionError("no READY=1 in %ss; got %r\n%s" % (
                    timeout, [m for _, m in self.notify.messages],
                    self.log_tail()))
        self.ready_msg = msg
        # READY=1 means "serving": the very next request must be answered.
        r = h.request(self.port, "GET", "/healthz", timeout=5)
        assert r.status == 200, "READY=1 sent, but GET /healthz gave %r" % r


def test_notify_ready_only_when_serving():
    n = NotifySocket()
    topic = h.uniq("nt")
    with h.Broker(brokers=3) as b:
        b.create(topic, 3)
        with NotifyKrestd(b, {}, n) as k:
            msg = k.ready_msg
            assert "STATUS" in msg, "READY=1 without STATUS=: %r" % msg
            # Ready with a broker up means Kafka metadata is known.
            h.wait_for(lambda: h.request(k.port, "GET", "/readyz").status
                       == 200, 3, what="/readyz 200 after READY=1")
            readies = [m for _, m in n.messages if m.get("READY") == "1"]
            assert len(readies) == 1, n.messages
            r = h.produce(k.port, topic, [{"value": 1}])
            assert r.status == 200, r
    n.close()


def test_notify_abstract_socket():
    n = NotifySocket(abstract=True)
    with h.Broker(brokers=1) as b:
        with NotifyKrestd(b, {}, n):
            pass
    n.close()


def test_notify_ready_after_bounded_wait_without_kafka():
    """No broker answers: READY=1 still comes, after a bounded wait, with
    a STATUS= that says so and a warning in the log; /readyz is 503."""
    n = NotifySocket()
    dead = h.free_port()          # nothing listens there
    k = NotifyKrestd(None, {"bootstrap.servers": "127.0.0.1:%d" % dead}, n,
                     start_timeout=40)
    t0 = time.monotonic()
    with k:
        took = time.monotonic() - t0
        h.log("READY=1 without Kafka after %.1fs: %r" % (took, k.ready_msg))
        assert 2 <= took <= 35, took
        status = k.ready_msg.get("STATUS", "")
        assert re.search(r"(?i)kafka", status), k.ready_msg
        r = h.request(k.port, "GET", "/readyz")
        assert r.status == 503, r
        assert re.search(r"(?i)warn", k.log_text()), k.log_tail()
    n.close()


def test_notify_watchdog_interval():
    """WATCHDOG_USEC=400000: a WATCHDOG=1 about every 200 ms, never a gap
    that would let systemd's 400 ms timer expire."""
    n = NotifySocket()
    with h.Broker(brokers=1) as b:
        with NotifyKrestd(b, {}, n, watchdog_usec=400000) as k:
            n.drain()
            t_end = time.monotonic() + 3.0
            pings = []
            while time.monotonic() < t_end:
                msg = n.recv(t_end - time.monotonic())
                if msg is not None and msg.get("WATCHDOG") == "1":
                    pings.append(n.messages[-1][0])
                # Traffic must not delay the pings.
                if len(pings) % 3 == 1:
                    h.request(k.port, "GET", "/healthz")
            gaps = [b2 - a for a, b2 in zip(pings, pings[1:])]
            h.log("%d WATCHDOG=1 in 3 s; gaps %.0f..%.0f ms" % (
                len(pings), 1000 * min(gaps or [0]), 1000 * max(gaps or [0])))
            assert 10 <= len(pings) <= 20, len(pings)
            gaps.sort()
            median = gaps[len(gaps) // 2]
            assert 0.15 <= median <= 0.26, gaps
            assert gaps[-1] < 0.38, gaps
    n.close()


def test_notify_watchdog_pid_mismatch_means_no_pings():
    n = NotifySocket()
    with h.Broker(brokers=1) as b:
        # PID 1 is never krestd: the pings are for another process.
        with NotifyKrestd(b, {}, n, watchdog_usec=200000, watchdog_pid=1):
            n.drain()
            t_end = time.monotonic() + 1.0
            while time.monotonic() < t_end:
                msg = n.recv(t_end - time.monotonic())
                assert msg is None or "WATCHDOG" not in msg, msg
    n.close()


def test_notify_reload_and_stop():
    n = NotifySocket()
    with h.Broker(brokers=1) as b:
        k = NotifyKrestd(b, {}, n)
        with k:
            n.drain()
            k.signal(signal.SIGHUP)
            _, m1 = n.wait("RELOADING", "1", 10)
            _, m2 = n.wait("READY", "1", 10)
            assert "READY" not in m1, "RELOADING=1 and READY=1 together"
            assert m2.get("STATUS"), m2
            # A broken file: the old configuration stays, and systemd
            # hears READY=1 again (with a STATUS that says so).
            k.reload("listeners=http://127.0.0.1:%d\nbootstrap.servers=%s\n"
                     "max.request.bytes=banana\n" % (k.port, b.bootstrap))
            n.wait("RELOADING", "1", 10)
            _, m3 = n.wait("READY", "1", 10)
            assert re.search(r"(?i)fail|error|kept", m3.get("STATUS", "")), m3
            assert h.request(k.port, "GET", "/healthz").status == 200
            k.write_props({})
            # SIGTERM: STOPPING=1 as the drain starts, then exit 0.
            k.signal(signal.SIGTERM)
            n.wait("STOPPING", "1", 10)
            k.wait_exit(30)
    n.close()


def test_notify_socket_missing_is_harmless():
    path = os.path.join(h.tmpdir("notify-"), "nobody-listens.sock")

    class Gone:
        env = path
    with h.Broker(brokers=1) as b:
        with NotifyKrestd(b, {}, Gone(), wait_ready_msg=False) as k:
            assert h.request(k.port, "GET", "/healthz").status == 200


# ---- /healthz and /readyz ----------------------------------------------------

def test_healthz():
    with h.Broker(brokers=1) as b:
        with h.Krestd(b, {}) as k:
            r = h.request(k.port, "GET", "/healthz")
            assert r.status == 200, r
            assert r.json() == {"status": "ok"}, r
            assert r.header("content-type", "").startswith(
                "application/json"), r.headers
            # Any Accept is fine for a probe.
            r = h.request(k.port, "GET", "/healthz",
                          headers={"Accept": "text/plain"})
            assert r.status == 200, r


def readyz(port):
    r = h.request(port, "GET", "/readyz", timeout=5)
    assert r.header("content-type", "").startswith("application/json"), r
    j = r.json()
    if r.status == 200:
        assert j == {"status": "ready"}, j
    else:
        assert r.status == 503, r
        assert list(j) == ["status", "reason"], j
        assert j["status"] == "not ready", j
        assert isinstance(j["reason"], str) and j["reason"].strip(), j
    return r.status, j


def test_readyz_follows_the_brokers():
    with h.Broker(brokers=3) as b:
        with h.Krestd(b, {}) as k:
            h.wait_for(lambda: readyz(k.port)[0] == 200, 10,
                       what="/readyz 200 with the brokers up")
            b.cmd("all_down")
            st, j = h.wait_for(
                lambda: (lambda r: r if r[0] == 503 else None)(
                    readyz(k.port)),
                20, step=0.1, what="/readyz 503 with every broker down")
            h.log("all brokers down: %r" % j)
            assert re.search(r"(?i)broker|kafka", j["reason"]), j
            # /healthz is about the process: still 200.
            assert h.request(k.port, "GET", "/healthz").status == 200
            t0 = time.monotonic()
            b.cmd("all_up")
            h.wait_for(lambda: readyz(k.port)[0] == 200, 30, step=0.1,
                       what="/readyz 200 after all_up")
            h.log("ready again %.1fs after all_up" % (time.monotonic() - t0))


def test_readyz_before_metadata():
    dead = h.free_port()
    with h.Krestd(None, {"bootstrap.servers": "127.0.0.1:%d" % dead}) as k:
        st, j = readyz(k.port)
        assert st == 503, j
        assert re.search(r"(?i)metadata|broker|kafka", j["reason"]), j


# ---- a strict Prometheus text format parser ----------------------------------

NAME_RE = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


class PromError(AssertionError):
    pass


def parse_float(s):
    if s in ("+Inf", "Inf"):
        return math.inf
    if s == "-Inf":
        return -math.inf
    if s == "NaN":
        return math.nan
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", s):
        raise PromError("bad number %r" % s)
    return float(s)


def parse_labels(s, i, lineno):
    """Parses {a="x",...} from s[i] == '{'; returns (dict, index after)."""
    labels = {}
    i += 1
    while True:
        if s[i:i + 1] == "}":
            return labels, i + 1
        m = LABEL_RE.match(s, i)
        if not m:
            raise PromError("line %d: bad label name at %r" % (lineno, s[i:]))
        name = m.group(0)
        if name.startswith("__"):
            raise PromError("line %d: reserved label %s" % (lineno, name))
        if name in labels:
            raise PromError("line %d: label %s twice" % (lineno, name))
        i = m.end()
        if s[i:i + 2] != '="':
            raise PromError("line %d: expected =\" after %s" % (lineno, name))
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise PromError("line %d: unterminated label value" % lineno)
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise PromError("line %d: bad escape \\%s" % (lineno,
                                                                   nxt))
                val.append("\n" if nxt == "n" else nxt)
                i += 2
            elif c == '"':
                i += 1
                break
            elif c == "\n":
                raise PromError("line %d: raw newline in a label" % lineno)
            else:
                val.append(c)
                i += 1
        labels[name] = "".join(val)
        if s[i:i + 1] == ",":
            i += 1
        elif s[i:i + 1] != "}":
            raise PromError("line %d: expected , or } at %r" % (lineno,
                                                               s[i:]))


def check_help_escapes(text, lineno):
    """HELP text may only escape backslash and newline."""
    i = 0
    while i < len(text):
        if text[i] == "\\":
            if text[i + 1:i + 2] not in ("\\", "n"):
                raise PromError("line %d: bad HELP escape" % lineno)
            i += 2
        else:
            i += 1


def family_of(name, families):
    for suffix in ("_bucket", "_sum", "_count"):
        base = name[:-len(suffix)] if name.endswith(suffix) else None
        if base and families.get(base, {}).get("type") in ("histogram",
                                                           "summary"):
            return base
    return name


def parse_prometheus(text):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}.
    Raises PromError on anything the 0.0.4 text format does not allow:
    missing final newline, malformed HELP/TYPE, TYPE after samples or
    twice, a family split in two, bad names, label escapes or numbers,
    duplicate series, and broken histograms."""
    if not text.endswith("\n"):
        raise PromError("the exposition does not end with a newline")
    families, order, seen_series = {}, [], set()
    current = None
    for lineno, line in enumerate(text[:-1].split("\n"), 1):
        if line == "":
            continue
        if line.startswith("#"):
            parts = line.split(" ", 3)
            if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                kind, name = parts[1], parts[2]
                if not NAME_RE.fullmatch(name):
                    raise PromError("line %d: bad name %r" % (lineno, name))
                fam = families.setdefault(name, {"type": None, "help": None,
                                                 "samples": []})
                if name not in order:
                    order.append(name)
                elif current != name:
                    raise PromError("line %d: %s split in two" % (lineno,
                                                                 name))
                current = name
                rest = parts[3] if len(parts) > 3 else ""
                if kind == "HELP":
                    if fam["help"] is not None:
                        raise PromError("line %d: second HELP" % lineno)
                    check_help_escapes(rest, lineno)
                    fam["help"] = rest
                else:
                    if fam["type"] is not None:
                        raise PromError("line %d: second TYPE" % lineno)
                    if fam["samples"]:
                        raise PromError("line %d: TYPE after samples"
                                        % lineno)
                    if rest not in TYPES:
                        raise PromError("line %d: bad type %r" % (lineno,
                                                                 rest))
                    fam["type"] = rest
            continue
        m = NAME_RE.match(line)
        if not m:
            raise PromError("line %d: bad sample %r" % (lineno, line))
        name, i = m.group(0), m.end()
        labels = {}
        if line[i:i + 1] == "{":
            labels, i = parse_labels(line, i, lineno)
        rest = line[i:]
        if not rest.startswith(" "):
            raise PromError("line %d: no space before the value" % lineno)
        fields = rest.split(" ")[1:]
        if len(fields) not in (1, 2) or "" in fields:
            raise PromError("line %d: bad value part %r" % (lineno, rest))
        value = parse_float(fields[0])
        if len(fields) == 2 and not re.fullmatch(r"-?\d+", fields[1]):
            raise PromError("line %d: bad timestamp" % lineno)
        fname = family_of(name, families)
        fam = families.setdefault(fname, {"type": None, "help": None,
                                          "samples": []})
        if fname not in order:
            order.append(fname)
        elif current != fname:
            raise PromError("line %d: family %s split in two" % (lineno,
                                                                fname))
        current = fname
        key = (name, tuple(sorted(labels.items())))
        if key in seen_series:
            raise PromError("line %d: duplicate series %r" % (lineno, key))
        seen_series.add(key)
        fam["samples"].append((name, labels, value))
    for name, fam in families.items():
        if fam["type"] == "histogram":
            check_histogram(name, fam)
        if fam["type"] == "counter":
            for s_name, labels, v in fam["samples"]:
                if v < 0 or math.isnan(v):
                    raise PromError("%s%r: counter %r" % (s_name, labels, v))
    return families


def check_histogram(name, fam):
    groups = {}
    for s_name, labels, v in fam["samples"]:
        other = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        g = groups.setdefault(other, {"buckets": [], "sum": None,
                                      "count": None})
        if s_name == name + "_bucket":
            if "le" not in labels:
                raise PromError("%s_bucket without le" % name)
            g["buckets"].append((parse_float(labels["le"]), v))
        elif s_name == name + "_sum":
            g["sum"] = v
        elif s_name == name + "_count":
            g["count"] = v
        else:
            raise PromError("%s: stray sample %s in a histogram" % (name,
                                                                   s_name))
    for other, g in groups.items():
        b = g["buckets"]
        if not b or b[-1][0] != math.inf:
            raise PromError("%s%r: no le=\"+Inf\" bucket last" % (name,
                                                                   other))
        les = [le for le, _ in b]
        if les != sorted(les) or len(set(les)) != len(les):
            raise PromError("%s: le not increasing: %r" % (name, les))
        counts = [c for _, c in b]
        if any(y < x for x, y in zip(counts, counts[1:])):
            raise PromError("%s: buckets not cumulative: %r" % (name, b))
        if g["count"] is None or g["sum"] is None:
            raise PromError("%s%r: _sum or _count missing" % (name, other))
        if b[-1][1] != g["count"]:
            raise PromError("%s: +Inf bucket %r != _count %r"
                            % (name, b[-1][1], g["count"]))


def test_prometheus_parser_is_strict():
    """The parser above, on good and bad text (so that a pass on krestd's
    output means something)."""
    good = ('# HELP a_total A help with \\\\ and \\n.\n'
            '# TYPE a_total counter\n'
            'a_total{x="q\\"uote",y="back\\\\slash",z="new\\nline",} 3\n'
            'a_total{x="2"} 4 1700000000000\n'
            '# TYPE h histogram\n'
            'h_bucket{le="0.1"} 1\nh_bucket{le="1e+06"} 2\n'
            'h_bucket{le="+Inf"} 2\nh_sum 0.5\nh_count 2\n'
            'g NaN\n')
    f = parse_prometheus(good)
    assert f["a_total"]["samples"][0][1] == {
        "x": 'q"uote', "y": "back\\slash", "z": "new\nline"}, f
    assert f["h"]["type"] == "histogram"
    bad = [
        "a 1",                                           # no final newline
        'a{x="\\t"} 1\n',                                # bad escape
        'a{x="1"} 1\na{x="1"} 2\n',                      # duplicate
        "a 1\nb 1\na 2\n",                               # split family
        "a 1\n# TYPE a counter\n",                       # TYPE late
        "# TYPE a counter\n# TYPE a counter\n",          # TYPE twice
        "# TYPE a countr\n",                             # bad type
        "a 1x\n",                                        # bad number
        "a{__x=\"1\"} 1\n",                              # reserved label
        "a  1\n",                                        # two spaces
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
        "h_sum 1\nh_count 1\n",                          # not cumulative
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\n"
        "h_sum 1\nh_count 3\n",                          # +Inf != count
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE c counter\nc -1\n",                       # negative counter
        "# HELP a bad \\t escape\na 1\n",                 # HELP escape
    ]
    for text in bad:
        try:
            parse_prometheus(text)
        except PromError:
            continue
        raise AssertionError("the parser accepted %r" % text)


# ---- /metrics ----------------------------------------------------------------

def scrape(port):
    r = h.request(port, "GET", "/metrics")
    assert r.status == 200, r
    assert r.header("content-type") == METRICS_CT, r.headers
    return parse_prometheus(r.body.decode("utf-8"))


def series(fams, family, name=None):
    """{frozenset(labels): value} of one family's samples named name."""
    name = name or family
    assert family in fams, "no %s in /metrics (have %s)" % (
        family, sorted(fams))
    return {frozenset(l.items()): v for n, l, v in fams[family]["samples"]
            if n == name}


def value(fams, family, name=None, **labels):
    return series(fams, family, name).get(frozenset(labels.items()), 0)


ROUTE_OF = [
    (re.compile(r"^/$"), "root"),
    (re.compile(r"^/topics/[^/]+$"), "produce"),
    (re.compile(r"^/topics/[^/]+/partitions/[^/]+$"), "produce_partition"),
    (re.compile(r"^/healthz$"), "healthz"),
    (re.compile(r"^/readyz$"), "readyz"),
    (re.compile(r"^/metrics$"), "metrics"),
]


def route_of(path):
    for rx, name in ROUTE_OF:
        if rx.match(path):
            return name
    return "unknown"


def test_metrics_counters_match_requests():
    topic, other = h.uniq("mt"), h.uniq("mo")
    made = Counter()           # (route, status) -> requests the test made
    records = Counter()        # topic -> records acknowledged
    nbytes = Counter()         # topic -> key + value bytes acknowledged
    failed = Counter()         # (topic, error_code) -> records failed
    produced = 0               # produce requests that reached Kafka

    def req(method, path, **kw):
        r = h.request(k.port, method, path, **kw)
        made[(route_of(path), r.status)] += 1
        return r

    def produce(t, recs, partition=None):
        nonlocal produced
        path = "/topics/" + t
        if partition is not None:
            path += "/partitions/%d" % partition
        body = {"records": [{"value": h.b64(v)} if key is None else
                            {"key": h.b64(key), "value": h.b64(v)}
                            for key, v in recs]}
        r = req("POST", path, body=body,
                headers={"Content-Type": h.BINARY_CT})
        produced += 1
        j = r.json()
        if "offsets" not in j:
            # A request-level error (404 40402 for a missing partition):
            # every record failed with that code.
            failed[(t, str(j["error_code"]))] += len(recs)
            return r
        for (key, v), off in zip(recs, j["offsets"]):
            if off["error_code"] is None:
                records[t] += 1
                nbytes[t] += len(v) + len(key or b"")
            else:
                failed[(t, str(off["error_code"]))] += 1
        return r

    with h.Broker(brokers=3) as b:
        b.create(topic, 3)
        b.create(other, 1)
        with h.Krestd(b, {}) as k:
            # The harness's start-up polls GET /; count from a first
            # scrape, which also checks that it counts itself afterwards.
            time.sleep(0.3)       # let the last start-up GET / complete
            base = scrape(k.port)
            base_root = value(base, "krest_http_requests_total",
                              route="root", code="200")
            scrapes = [1]
            for _ in range(2):
                assert req("GET", "/").status == 200
            for _ in range(3):
                assert req("GET", "/healthz").status == 200
            assert req("GET", "/readyz").status == 200
            assert req("GET", "/no/such/path").status == 404
            assert produce(topic, [(None, b"a" * 10), (b"k1", b"b" * 5)]
                           ).status == 200
            assert produce(topic, [(b"key", b"x" * 100)]).status == 200
            assert produce(other, [(None, b"y" * 7)] * 4).status == 200
            assert produce(topic, [(None, b"p0")], partition=0).status == 200
            r = produce(topic, [(None, b"nope")], partition=99)
            assert r.status == 404, r
            # krest_http_requests_total: exactly what was asked, plus the
            # harness's GET / and the earlier scrapes. A request is counted
            # when MHD reports it complete, which may trail the response
            # by a moment: retry briefly.
            want = dict(made)
            want[("root", 200)] = want.get(("root", 200), 0) + base_root

            def counted():
                f = scrape(k.port)
                want[("metrics", 200)] = scrapes[0]
                scrapes[0] += 1
                got = {(dict(l)["route"], int(dict(l)["code"])): v
                       for l, v in
                       series(f, "krest_http_requests_total").items()}
                counted.last = got
                return f if got == want else None
            try:
                fams = h.wait_for(counted, 3, step=0.2,
                                  what="requests_total to match")
            except AssertionError:
                raise AssertionError("requests_total %r != %r" % (
                    counted.last, want))
            for l in series(fams, "krest_http_requests_total"):
                assert dict(l)["route"] in (
                    "produce", "produce_partition", "root", "healthz",
                    "readyz", "metrics", "unknown"), l

            got = {dict(l)["topic"]: v for l, v in
                   series(fams, "krest_produce_records_total").items()}
            assert got == dict(records), (got, records)
            got = {dict(l)["topic"]: v for l, v in
                   series(fams, "krest_produce_bytes_total").items()}
            assert got == dict(nbytes), (got, nbytes)
            got = {(dict(l)["topic"], dict(l)["error_code"]): v for l, v in
                   series(fams, "krest_produce_failed_records_total")
                   .items()}
            assert got == dict(failed), (got, failed)

            hist = "krest_produce_request_duration_seconds"
            assert fams[hist]["type"] == "histogram"
            assert value(fams, hist, hist + "_count") == produced
            assert 0 < value(fams, hist, hist + "_sum") < produced * 25

            for fam, typ in (("krest_http_requests_total", "counter"),
                             ("krest_produce_records_total", "counter"),
                             ("krest_produce_bytes_total", "counter"),
                             ("krest_produce_failed_records_total",
                              "counter"),
                             ("krest_kafka_auth_failures_total", "counter"),
                             ("krest_http_requests_in_flight", "gauge"),
                             ("krest_kafka_queue_messages", "gauge"),
                             ("krest_kafka_broker_up", "gauge"),
                             ("krest_kafka_broker_rtt_seconds", "gauge"),
                             ("krest_build_info", "gauge")):
                assert fams.get(fam, {}).get("type") == typ, \
                    "%s: type %r, want %s" % (fam, fams.get(fam), typ)
                assert fams[fam]["help"], "%s has no HELP" % fam
            for fam in fams:
                # krest's own, and the standard process_* collector's.
                assert fam.startswith(("krest_", "process_")), fam
                if fams[fam]["type"] == "counter":
                    assert fam.endswith("_total"), fam

            bi = fams["krest_build_info"]["samples"]
            assert len(bi) == 1 and bi[0][2] == 1, bi
            assert set(bi[0][1]) == {"version", "librdkafka",
                                     "libmicrohttpd"}, bi
            assert all(bi[0][1].values()), bi
            assert value(fams, "krest_http_requests_in_flight") == 0
            assert value(fams, "krest_kafka_queue_messages") == 0
            assert value(fams, "krest_kafka_auth_failures_total") == 0
            assert "krest_aws_credentials_expiry_timestamp_seconds" not in \
                fams, "credential expiry without MSK IAM"

            # The next scrape counts this one.
            time.sleep(0.2)
            fams2 = scrape(k.port)
            assert value(fams2, "krest_http_requests_total", route="metrics",
                         code="200") == scrapes[0], scrapes


def broker_ups(fams):
    return {dict(l)["broker"]: v for l, v in
            series(fams, "krest_kafka_broker_up").items()}


def test_metrics_brokers_follow_state():
    with h.Broker(brokers=3) as b:
        t = h.uniq("mb")
        b.create(t, 3)
        with h.Krestd(b, {}) as k:
            assert h.produce(k.port, t, [{"value": i} for i in range(9)]
                             ).status == 200
            fams = h.wait_for(
                lambda: (lambda f: f if any(v == 1 for v in
                                            broker_ups(f).values())
                         else None)(scrape(k.port)),
                5, step=0.2, what="a broker with krest_kafka_broker_up 1")
            ups = broker_ups(fams)
            assert len(ups) == 3, ups
            for name in ups:
                assert re.fullmatch(r"\S+:\d+/\d+", name), name
            rtt = series(fams, "krest_kafka_broker_rtt_seconds")
            assert len(rtt) == 3 and all(v >= 0 for v in rtt.values()), rtt
            b.cmd("all_down")
            h.wait_for(lambda: all(v == 0 for v in
                                   broker_ups(scrape(k.port)).values()),
                       15, step=0.2, what="every broker_up 0")
            b.cmd("all_up")
            h.wait_for(lambda: any(v == 1 for v in
                                   broker_ups(scrape(k.port)).values()),
                       30, step=0.2, what="a broker_up 1 again")


def test_metrics_separate_listener():
    """metrics.listeners=http://127.0.0.1:PORT serves /metrics there."""
    mport = h.free_port()
    with h.Broker(brokers=1) as b:
        with h.Krestd(b, {"metrics.listeners":
                          "http://127.0.0.1:%d" % mport}) as k:
            assert "unknown key metrics.listeners" not in k.log_text(), \
                "krestd does not know metrics.listeners"
            h.wait_for(lambda: _answers(mport), 5,
                       what="a listener on the metrics port")
            r = h.request(mport, "GET", "/metrics")
            assert r.status == 200, r
            assert r.header("content-type") == METRICS_CT
            parse_prometheus(r.body.decode())


def _answers(port):
    try:
        h.request(port, "GET", "/metrics", timeout=2)
        return True
    except OSError:
        return False


# ---- log.format=json ---------------------------------------------------------

TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)")


def test_log_format_json():
    """Every line krestd writes, from the first (a warning about an
    unknown key in the file) to the last, is one JSON object with time,
    level and msg; access lines carry the request fields."""
    topic = h.uniq("lj")
    with h.Broker(brokers=1) as b:
        b.create(topic, 1)
        k = h.Krestd(b, {"log.format": "json", "no.such.key": "1"})
        with k:
            r = h.produce(k.port, topic, [{"value": {"a": "é\n\"x\""}}],
                          headers={"X-Forwarded-For": "203.0.113.9",
                                   "X-Amzn-Trace-Id": "Root=1-abc-def"})
            assert r.status == 200, r
            assert h.request(k.port, "GET", "/nope").status == 404
            pos = len(k.log_text())
            k.signal(signal.SIGHUP)
            k.wait_log(r"reloaded", 10, pos)
        text = k.log_text()
    assert text.endswith("\n"), text[-200:]
    objs, bad = [], []
    for n, line in enumerate(text.splitlines(), 1):
        try:
            o = json.loads(line)
        except ValueError:
            bad.append("%d: %s" % (n, line))
            continue
        if not isinstance(o, dict):
            bad.append("%d: not an object: %s" % (n, line))
            continue
        objs.append(o)
    assert not bad, "%d of %d log lines are not JSON objects:\n%s" % (
        len(bad), len(bad) + len(objs), "\n".join(bad[:10]))
    levels = {"debug", "info", "notice", "warning", "error", "critical",
              "alert", "emergency"}
    for o in objs:
        assert {"time", "level", "msg"} <= set(o), o
        assert TIME_RE.fullmatch(o["time"]), o
        assert o["level"] in levels, o
        assert isinstance(o["msg"], str), o
    assert any(o["level"] == "warning" and "no.such.key" in o["msg"]
               for o in objs), "the unknown-key warning is missing"
    access = [o for o in objs if o["msg"] == "access"]
    prod = [o for o in access if o["path"] == "/topics/" + topic]
    assert len(prod) == 1, access
    a = prod[0]
    for f, t in (("client", str), ("method", str), ("path", str),
                 ("status", int), ("records", int), ("bytes", int),
                 ("latency_ms", (int, float))):
        assert isinstance(a.get(f), t), (f, a)
    assert a["xff"] == "203.0.113.9" and a["trace"] == "Root=1-abc-def", a
    assert a["method"] == "POST" and a["status"] == 200, a
    assert a["records"] == 1 and a["bytes"] > 0, a
    assert any(o["path"] == "/nope" and o["status"] == 404
               and o["xff"] is None for o in access), access
