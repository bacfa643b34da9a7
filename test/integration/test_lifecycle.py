# SPDX-License-Identifier: MIT
"""Issue 2 point 3 and 10: -n, SIGTERM with requests in flight, SIGHUP
reload with a good and a bad file, demo mode. Each test starts its own
processes (they are destructive)."""

import os
import re
import signal
import socket
import threading
import time

import harness as h
from harness import JSON_CT


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


# ---- -n ------------------------------------------------------------------

def test_check_good_file():
    d = h.Krestd(None, None)     # only for its temp dir and port
    path = write(os.path.join(d.dir, "good.properties"),
                 "# a comment\n"
                 "listeners=http://127.0.0.1:%d\n"
                 "bootstrap.servers=127.0.0.1:9092\n"
                 "produce.timeout.ms=5000\n"
                 "max.request.bytes=1048576\n"
                 "produce.response.status=confluent\n"
                 "producer.linger.ms=5\n" % d.port)
    rc, out = h.run_krestd(["-n", path])
    assert rc == 0, (rc, out)
    assert "configuration OK" in out, out


def test_check_bad_file_every_error_with_line():
    d = h.Krestd(None, None)
    path = write(os.path.join(d.dir, "bad.properties"),
                 "listeners=http://127.0.0.1:%d\n"
                 "max.request.bytes=banana\n"
                 "produce.response.status=sometimes\n"
                 "produce.timeout.ms=-5\n"
                 "bootstrap.servers=127.0.0.1:9092\n"
                 "producer.linger.ms=not-a-number\n" % d.port)
    rc, out = h.run_krestd(["-n", path])
    assert rc == 1, (rc, out)
    assert "configuration OK" not in out, out
    for line in (2, 3, 4, 6):
        assert re.search(r"(?m)^%s:%d: \S" % (re.escape(path), line), out), \
            "no '%s:%d: message' in:\n%s" % (path, line, out)


def test_check_missing_bootstrap():
    d = h.Krestd(None, None)
    path = write(os.path.join(d.dir, "nobs.properties"),
                 "listeners=http://127.0.0.1:%d\n" % d.port)
    rc, out = h.run_krestd(["-n", path])
    assert rc == 1, (rc, out)
    assert "bootstrap.servers" in out, out


def test_check_missing_file():
    rc, out = h.run_krestd(["-n", "/nonexistent/kafka-rest.properties"])
    assert rc == 1, (rc, out)
    assert "/nonexistent/kafka-rest.properties" in out, out


# ---- SIGTERM / SIGINT drain ---------------------------------------------------

def drain_with_requests_in_flight(sig):
    """Stops krestd by sig while 50 produce requests wait on slow brokers;
    every request must get its 200 and every record be in Kafka (README:
    "SIGTERM or SIGINT: ... answer every request in flight")."""
    with h.Broker(brokers=3) as b:
        t = h.uniq("drain")
        b.create(t, 3)
        k = h.Krestd(b, {"producer.linger.ms": "0"}).start()
        try:
            # warm metadata and the producer id before slowing the brokers
            r = h.produce(k.port, t, [{"value": "warm"}])
            assert r.status == 200, r
            for bid in (1, 2, 3):
                b.cmd("rtt %d 500" % bid)
            n = 50
            results = [None] * n
            started = threading.Barrier(n + 1)

            def go(i):
                started.wait()
                try:
                    results[i] = h.produce(
                        k.port, t, [{"key": "k%d" % i, "value": {"i": i}}],
                        timeout=30)
                except Exception as e:  # noqa: B902 - checked below
                    results[i] = e

            th = [threading.Thread(target=go, args=(i,)) for i in range(n)]
            for x in th:
                x.start()
            started.wait()
            time.sleep(0.25)     # requests sent, deliveries pending (rtt)
            t0 = time.monotonic()
            k.signal(sig)
            for x in th:
                x.join(40)
            k.wait_exit(40)
            took = time.monotonic() - t0
        finally:
            k.kill()
        h.log("drained and exited %.1fs after %s" % (took, sig.name))
        for bid in (1, 2, 3):
            b.cmd("rtt %d 0" % bid)
        for i, r in enumerate(results):
            assert not isinstance(r, Exception), (i, r)
            assert r is not None and r.status == 200, (i, r)
            h.check_offsets(b.bootstrap, t, r.json(),
                            [(b'"k%d"' % i, b'{"i":%d}' % i)])


def test_sigterm_with_requests_in_flight():
    drain_with_requests_in_flight(signal.SIGTERM)


def test_sigterm_stops_accepting():
    with h.Broker(brokers=1) as b:
        k = h.Krestd(b, {}).start()
        try:
            k.signal(signal.SIGTERM)
            k.wait_exit(20)
        finally:
            k.kill()
        s = socket.socket()
        try:
            s.settimeout(2)
            try:
                s.connect(("127.0.0.1", k.port))
                raise AssertionError("port still accepts after exit")
            except ConnectionRefusedError:
                pass
        finally:
            s.close()


def test_sigint_with_requests_in_flight():
    drain_with_requests_in_flight(signal.SIGINT)


# ---- SIGHUP reload ---------------------------------------------------------------

def body_of(n):
    """A produce body of exactly n bytes."""
    head, tail = b'{"records":[{"value":"', b'"}]}'
    return head + b"x" * (n - len(head) - len(tail)) + tail


def status_of(k, t, n):
    return h.request(k.port, "POST", "/topics/" + t, body_of(n),
                     {"Content-Type": JSON_CT}).status


def test_sighup_good_file_applies():
    with h.Broker(brokers=1) as b:
        t = h.uniq("hup")
        b.create(t, 1, 1)
        with h.Krestd(b, {"max.request.bytes": "100000"}) as k:
            assert status_of(k, t, 5000) == 200
            k.reload({"max.request.bytes": "2000"})
            h.wait_for(lambda: status_of(k, t, 5000) == 413, 10,
                       step=0.2, what="the new max.request.bytes (413)")
            assert status_of(k, t, 1500) == 200
            k.reload({"max.request.bytes": "100000"})
            h.wait_for(lambda: status_of(k, t, 5000) == 200, 10,
                       step=0.2, what="the limit raised again")
            assert k.alive()


def test_sighup_bad_file_keeps_old_config():
    with h.Broker(brokers=1) as b:
        t = h.uniq("hup")
        b.create(t, 1, 1)
        with h.Krestd(b, {"max.request.bytes": "2000"}) as k:
            assert status_of(k, t, 5000) == 413
            mark = len(k.log_text())
            # line 3 raises the limit, line 4 is broken: nothing applies
            k.reload("listeners=http://127.0.0.1:%d\n"
                     "bootstrap.servers=%s\n"
                     "max.request.bytes=100000\n"
                     "produce.timeout.ms=banana\n" % (k.port, b.bootstrap))
            k.wait_log(r"(produce\.timeout\.ms|\.properties:4)", 10,
                       start=mark)
            time.sleep(0.5)
            assert status_of(k, t, 5000) == 413, "bad file half-applied"
            assert status_of(k, t, 1500) == 200
            # a good file afterwards still applies
            k.reload({"max.request.bytes": "100000"})
            h.wait_for(lambda: status_of(k, t, 5000) == 200, 10,
                       step=0.2, what="the good reload after a bad one")


def test_sighup_unreadable_file_keeps_serving():
    with h.Broker(brokers=1) as b:
        t = h.uniq("hup")
        b.create(t, 1, 1)
        with h.Krestd(b, {}) as k:
            mark = len(k.log_text())
            os.rename(k.props_path, k.props_path + ".gone")
            k.signal(signal.SIGHUP)
            k.wait_log(re.escape(os.path.basename(k.props_path)), 10,
                       start=mark)
            assert status_of(k, t, 200) == 200
            os.rename(k.props_path + ".gone", k.props_path)


# ---- demo mode ---------------------------------------------------------------------

def test_demo_mode_without_file():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 8082))
    except OSError:
        h.log("127.0.0.1:8082 busy; demo mode not tested")
        return
    finally:
        s.close()
    k = h.Krestd(None, None, port=8082, use_file=False, start_timeout=30)
    with k:
        r = h.produce(8082, "demo", [{"value": {"hello": "world"}}])
        assert r.status == 200, r
        j = r.json()
        assert j["offsets"][0]["offset"] == 0, j
        text = k.log_text().lower()
        assert "durable" in text or "memory" in text, k.log_tail()
        assert "curl" in text, k.log_tail()


# ---- logs (issue 2 point 11) -------------------------------------------------------

def test_access_log_line():
    with h.Broker(brokers=1) as b:
        t = h.uniq("log")
        b.create(t, 1, 1)
        with h.Krestd(b, {}) as k:
            r = h.produce(k.port, t, [{"value": i} for i in range(3)],
                          headers={"X-Forwarded-For": "203.0.113.7",
                                   "X-Amzn-Trace-Id": "Root=1-5f84c7a1-abc"})
            assert r.status == 200, r
            line = h.wait_for(lambda: [x for x in k.log_text().splitlines()
                                       if "/topics/" + t in x], 5,
                              what="the access log line")[0]
            for want in ("127.0.0.1", "203.0.113.7", "Root=1-5f84c7a1-abc",
                         "POST", " 200 "):
                assert want in line, (want, line)
            assert re.search(r"\b3\b", line), line          # records
            assert re.search(r"\d+(\.\d+)?\s*(ms|us|s)\b", line), line
            assert re.match(r"<[0-7]>", line), line         # sd-daemon


def test_no_secret_in_logs_or_check_output():
    secret = "s3cr3t-XYZ-%d" % os.getpid()
    with h.Broker(brokers=1) as b:
        props = {
            "produce.timeout.ms": "3000",
            "client.security.protocol": "SASL_PLAINTEXT",
            "client.sasl.mechanism": "PLAIN",
            "client.sasl.jaas.config":
                "org.apache.kafka.common.security.plain.PlainLoginModule "
                'required username="alice" password="%s";' % secret,
        }
        k = h.Krestd(b, props)
        rc, out = h.run_krestd(["-v", "-n", k.props_path])
        assert secret not in out, out
        with k:
            r = h.produce(k.port, "any", [{"value": 1}], timeout=30)
            h.log("produce without a working SASL peer: %d" % r.status)
            time.sleep(1)
            text = k.log_text()
            assert secret not in text, "secret in the log:\n" + "\n".join(
                x for x in text.splitlines() if secret in x)
