# SPDX-License-Identifier: MIT
"""Issue 2 points 8 and 10 under broker faults: unknown topic, unknown
partition, honest statuses (503 + Retry-After, 500, 413, 401, 403) with the
ProduceResponse body, produce.response.status=confluent, broker down during
a request, retries without duplicates, queue full.

Error injection on the mock is cluster-wide per API, so this module has its
own broker and runs its tests one after the other; each test leaves the
brokers up and the error stacks empty."""

import signal
import threading
import time

import harness as h
from harness import JSON_CT, V2

TIMEOUT_MS = 4000
B = None
K = None     # honest daemon
KC = None    # produce.response.status=confluent daemon


def setup_module():
    global B, K, KC
    B = h.Broker(brokers=3).start()
    common = {"produce.timeout.ms": str(TIMEOUT_MS),
              "producer.linger.ms": "0"}
    K = h.Krestd(B, common).start()
    d = dict(common)
    d["produce.response.status"] = "confluent"
    KC = h.Krestd(B, d).start()


def teardown_module():
    try:
        for k in (K, KC):
            if k is not None:
                k.stop()
    finally:
        if B is not None:
            B.stop()


def topic(partitions=2, warm=True):
    """A created topic; warm=True produces one record through both daemons
    so that metadata and producer ids are in place before a fault."""
    t = h.uniq("f")
    B.create(t, partitions)
    # Broker 1 leads everything: brokers 2 and 3 get their own error stacks
    # below, and the mock then ignores cluster-wide pushes on them.
    for p in range(partitions):
        B.cmd("leader %s %d 1" % (t, p))
    if warm:
        for k in (K, KC):
            r = h.produce(k.port, t, [{"value": "warm"}])
            assert r.status == 200, r
    return t


def one(k, t, value="v", partition=None, timeout=30):
    t0 = time.monotonic()
    r = h.produce(k.port, t, [{"value": value}], partition=partition,
                  timeout=timeout)
    return r, time.monotonic() - t0


def assert_failed_entries(r, code, n=1):
    """The ProduceResponse body (not the error shape) with n failed
    entries carrying error_code code."""
    assert r.header("Content-Type") == V2, r.headers
    j = r.json()
    assert list(j.keys()) == ["offsets", "key_schema_id", "value_schema_id"], j
    assert len(j["offsets"]) == n, j
    for e in j["offsets"]:
        assert list(e.keys()) == ["partition", "offset", "error_code",
                                  "error"], e
        assert e["partition"] is None and e["offset"] is None, e
        assert e["error_code"] == code, "want %d in %r" % (code, j)
        assert isinstance(e["error"], str) and e["error"], e
    return j


def eventually_ok(k, t, within=20):
    """Produces until a 200 (after a fault); returns the response JSON."""
    deadline = time.monotonic() + within
    last = None
    while time.monotonic() < deadline:
        try:
            last, _ = one(k, t, "again")
            if last.status == 200:
                return last.json()
        except OSError as e:
            last = e
        time.sleep(0.5)
    raise AssertionError("no 200 within %ss after the fault: %r"
                         % (within, last))


def push(line):
    B.cmd(line)


def clear():
    B.cmd("clear_errors Produce")
    B.cmd("all_up")


# ---- unknown topic / partition -----------------------------------------------

def test_unknown_topic_404_fast():
    t = h.uniq("missing")
    B.cmd("topic_error %s UNKNOWN_TOPIC_OR_PART" % t)
    took = []
    for _ in range(2):      # the first and a later request
        r, s = one(K, t)
        took.append(s)
        h.expect_error(r, 404, 40401, "Topic %s not found." % t)
    assert max(took) < 2.5, "unknown topic answered after %r s" % took
    B.cmd("topic_error %s NO_ERROR" % t)


def test_unknown_topic_batch_404():
    t = h.uniq("missing")
    B.cmd("topic_error %s UNKNOWN_TOPIC_OR_PART" % t)
    t0 = time.monotonic()
    r = h.produce(K.port, t, [{"value": i} for i in range(50)])
    took = time.monotonic() - t0
    h.expect_error(r, 404, 40401, "Topic %s not found." % t)
    assert took < 2.5, "unknown topic answered after %.1fs" % took
    B.cmd("topic_error %s NO_ERROR" % t)


def test_auto_created_topic_just_works():
    t = h.uniq("auto")
    r, _ = one(K, t, "first")
    assert r.status == 200, r
    h.check_offsets(B.bootstrap, t, r.json(), [(None, b'"first"')])


def test_unknown_partition_404():
    t = topic(2)
    before = h.high_watermarks(B.bootstrap, t, 2)
    for k in (K,):
        r, took = one(k, t, partition=7)
        assert took < 2.5
        h.expect_error(r, 404, 40402)
    assert h.high_watermarks(B.bootstrap, t, 2) == before


# ---- honest statuses from pushed broker errors ----------------------------------

def test_record_too_large_413():
    t = topic()
    try:
        push("push_errors Produce 1 MSG_SIZE_TOO_LARGE")
        r, _ = one(K, t)
        assert r.status == 413, r
        assert_failed_entries(r, 50002)
    finally:
        clear()
    eventually_ok(K, t)


def test_permanent_error_500():
    t = topic()
    try:
        push("push_errors Produce 1 INVALID_RECORD")
        r, _ = one(K, t)
        assert r.status == 500, r
        assert_failed_entries(r, 50002)
    finally:
        clear()
    eventually_ok(K, t)


def test_topic_authorization_403():
    t = topic()
    try:
        push("push_errors Produce 1 TOPIC_AUTHORIZATION_FAILED")
        r, _ = one(K, t)
        assert r.status == 403, r
        assert_failed_entries(r, 40301)
    finally:
        clear()
    eventually_ok(K, t)


def test_sasl_authentication_401():
    t = topic()
    try:
        push("push_errors Produce 1 SASL_AUTHENTICATION_FAILED")
        r, _ = one(K, t)
        assert r.status == 401, r
        assert_failed_entries(r, 40101)
    finally:
        clear()
    eventually_ok(K, t)


def test_partial_failure_not_200():
    """Two partitions led by different brokers; only broker 2 fails: the
    first record is acknowledged, the second is not, so no 200."""
    t = h.uniq("f")
    B.create(t, 2)
    B.cmd("leader %s 0 1" % t)
    B.cmd("leader %s 1 2" % t)
    r = h.produce(K.port, t, [{"value": "w0", "partition": 0},
                              {"value": "w1", "partition": 1}])
    assert r.status == 200, r
    try:
        B.cmd("broker_push_error_rtts 2 Produce 1 INVALID_RECORD 0")
        r = h.produce(K.port, t, [{"value": "ok", "partition": 0},
                                  {"value": "bad", "partition": 1}])
        assert r.status == 500, r
        j = r.json()
        ok, bad = j["offsets"]
        assert ok["partition"] == 0 and ok["error_code"] is None, j
        assert bad["error_code"] == 50002 and bad["offset"] is None, j
        rec = h.kcat_record(B.bootstrap, t, 0, ok["offset"])
        assert rec.value == b'"ok"'
    finally:
        clear()


def test_retriable_errors_retried_once_stored():
    t = topic(1)
    before = h.high_watermarks(B.bootstrap, t, 1)[0]
    try:
        push("push_errors Produce 3 NOT_LEADER_FOR_PARTITION "
             "NOT_ENOUGH_REPLICAS REQUEST_TIMED_OUT")
        r, took = one(K, t, "retried")
        assert r.status == 200, r
        j = r.json()
        assert j["offsets"][0]["offset"] == before, j
        h.check_offsets(B.bootstrap, t, j, [(None, b'"retried"')])
        assert h.high_watermarks(B.bootstrap, t, 1)[0] == before + 1
    finally:
        clear()


def test_disconnect_during_produce_no_duplicate():
    t = h.uniq("f")
    B.create(t, 1)
    B.cmd("leader %s 0 3" % t)
    r, _ = one(K, t, "warm")
    assert r.status == 200, r
    before = h.high_watermarks(B.bootstrap, t, 1)[0]
    try:
        B.cmd("broker_push_error_rtts 3 Produce 1 _TRANSPORT 0")
        r, _ = one(K, t, "after-disconnect")
        assert r.status == 200, r
        h.check_offsets(B.bootstrap, t, r.json(),
                        [(None, b'"after-disconnect"')])
        assert h.high_watermarks(B.bootstrap, t, 1)[0] == before + 1
    finally:
        clear()


def test_confluent_mode_always_200_except_auth():
    t = topic()
    try:
        push("push_errors Produce 1 MSG_SIZE_TOO_LARGE")
        r, _ = one(KC, t)
        assert r.status == 200, r
        assert_failed_entries(r, 50002)
        push("push_errors Produce 1 INVALID_RECORD")
        r, _ = one(KC, t)
        assert r.status == 200, r
        assert_failed_entries(r, 50002)
        push("push_errors Produce 1 TOPIC_AUTHORIZATION_FAILED")
        r, _ = one(KC, t)
        assert r.status == 403, r
        assert_failed_entries(r, 40301)
    finally:
        clear()
    eventually_ok(KC, t)


# ---- brokers down ---------------------------------------------------------------

def test_brokers_down_during_request():
    t = topic(2)
    results = {}
    before = sum(h.high_watermarks(B.bootstrap, t, 2).values())

    def go(name, k):
        try:
            results[name] = one(k, t, "while-down", timeout=TIMEOUT_MS / 1000
                                + 10)
        except Exception as e:  # noqa: B902 - reported below
            results[name] = (e, None)

    try:
        B.cmd("all_down")
        th = [threading.Thread(target=go, args=(n, k))
              for n, k in (("honest", K), ("confluent", KC))]
        for x in th:
            x.start()
        # The daemon keeps answering other things meanwhile.
        time.sleep(0.5)
        assert h.request(K.port, "GET", "/", timeout=2).status == 200
        for x in th:
            x.join(TIMEOUT_MS / 1000 + 15)
        for name in ("honest", "confluent"):
            r, took = results[name]
            assert not isinstance(r, Exception), (name, r)
            assert took <= TIMEOUT_MS / 1000 + 1, \
                "%s answered after %.1fs" % (name, took)
        r = results["honest"][0]
        assert r.status == 503, r
        ra = r.header("Retry-After")
        assert ra is not None and ra.isdigit(), r.headers
        assert_failed_entries(r, 50003)
        r = results["confluent"][0]
        assert r.status == 200, r
        assert_failed_entries(r, 50003)
        assert K.alive() and KC.alive()
    finally:
        B.cmd("all_up")
    for k in (K, KC):
        j = eventually_ok(k, t, within=30)
        e = j["offsets"][0]
        assert h.kcat_record(B.bootstrap, t, e["partition"],
                             e["offset"]).value == b'"again"'
    # A record answered 503/50003 must not land later: the client retries
    # it, and a late delivery would be a duplicate.
    time.sleep(1)
    late = [r for r in h.kcat_consume(B.bootstrap, t)
            if r.value == b'"while-down"']
    assert not late, "records answered 50003 landed later: %r" % late
    total = sum(h.high_watermarks(B.bootstrap, t, 2).values())
    assert total - before >= 2


def test_batch_while_down_all_50003():
    t = topic(3)
    try:
        B.cmd("all_down")
        t0 = time.monotonic()
        r = h.produce(K.port, t, [{"value": i} for i in range(200)],
                      timeout=TIMEOUT_MS / 1000 + 10)
        assert time.monotonic() - t0 <= TIMEOUT_MS / 1000 + 1
        assert r.status == 503, r
        assert_failed_entries(r, 50003, n=200)
    finally:
        B.cmd("all_up")
    eventually_ok(K, t, within=30)


def test_leaderless_partition_503():
    t = topic(2)
    try:
        B.cmd("leader %s 0 -1" % t)
        r, took = one(K, t, partition=0, timeout=TIMEOUT_MS / 1000 + 10)
        assert took <= TIMEOUT_MS / 1000 + 1, took
        assert r.status == 503, r
        assert r.header("Retry-After") is not None
        assert_failed_entries(r, 50003)
        # the other partition still works
        r, _ = one(K, t, "p1", partition=1)
        assert r.status == 200, r
    finally:
        B.cmd("leader %s 0 1" % t)
    eventually_ok(K, t)


def test_queue_full_answers_at_once():
    """producer queue of 5 messages: with the brokers down a first request
    fills it; the next request is answered at once with 429 or 503."""
    k = h.Krestd(B, {"produce.timeout.ms": str(TIMEOUT_MS),
                     "producer.queue.buffering.max.messages": "5"}).start()
    t = topic(1, warm=False)
    try:
        r = h.produce(k.port, t, [{"value": "warm"}])
        assert r.status == 200, r
        B.cmd("all_down")
        holder = {}
        th = threading.Thread(target=lambda: holder.setdefault(
            "r", h.produce(k.port, t, [{"value": i} for i in range(5)],
                           timeout=30)))
        th.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        r = h.produce(k.port, t, [{"value": "more"}], timeout=30)
        took = time.monotonic() - t0
        assert r.status in (429, 503), r
        assert took < 1.0, "queue-full answer took %.1fs" % took
        th.join(TIMEOUT_MS / 1000 + 5)
        assert holder["r"].status == 503, holder["r"]
    finally:
        B.cmd("all_up")
        k.stop()


def test_record_over_message_max_bytes_413():
    """A record larger than the producer's message.max.bytes (1,000,000 by
    default) but within max.request.bytes: 413 (issue 2 point 8), the
    ProduceResponse with a 50002 entry, nothing stored."""
    t = topic(1)
    before = h.high_watermarks(B.bootstrap, t, 1)
    r = h.produce(K.port, t, [{"value": "x" * 1500000}])
    assert r.status == 413, r
    assert_failed_entries(r, 50002)
    assert h.high_watermarks(B.bootstrap, t, 1) == before
    r = h.produce(KC.port, t, [{"value": "x" * 1500000}])
    assert r.status == 200, r
    assert_failed_entries(r, 50002)
    assert h.high_watermarks(B.bootstrap, t, 1) == before


def test_sigterm_while_brokers_down():
    """SIGTERM with requests in flight and no broker: every request still
    gets an answer (503/50003) and the daemon exits 0 in bounded time."""
    t = topic(2, warm=False)
    k = h.Krestd(B, {"produce.timeout.ms": str(TIMEOUT_MS)}).start()
    try:
        r = h.produce(k.port, t, [{"value": "warm"}])
        assert r.status == 200, r
        B.cmd("all_down")
        results = [None] * 10

        def go(i):
            try:
                results[i] = h.produce(k.port, t, [{"value": i}], timeout=40)
            except Exception as e:  # noqa: B902 - checked below
                results[i] = e

        th = [threading.Thread(target=go, args=(i,)) for i in range(10)]
        for x in th:
            x.start()
        time.sleep(0.5)
        t0 = time.monotonic()
        k.signal(signal.SIGTERM)
        for x in th:
            x.join(40)
        k.wait_exit(40)
        took = time.monotonic() - t0
        h.log("exited %.1fs after SIGTERM with the brokers down" % took)
        for i, r in enumerate(results):
            assert isinstance(r, h.Resp), (i, r)
            assert r.status == 503, (i, r)
            assert_failed_entries(r, 50003)
        assert took < TIMEOUT_MS / 1000 + 10, took
    finally:
        B.cmd("all_up")
        k.kill()
