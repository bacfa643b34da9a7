# SPDX-License-Identifier: MIT
"""Issue 7 point 2, faults under load: for each broker fault a few seconds
of load from 32 keep-alive clients against krestd and a 3-broker mock, then
the checks: krestd alive and /healthz answering, every request answered
within produce.timeout.ms + 1 s with the honest status and error_code, every
acknowledged record in Kafka exactly once at its offset, throughput back
within 5 s of the broker's return, memory capped by max.inflight.bytes.

Each test has its own broker: per-broker error stacks make the mock ignore
later cluster-wide pushes, so nothing is shared."""

import os
import subprocess
import time

import harness as h
import loadgen as lg

TIMEOUT = 150
PRODUCE_TIMEOUT_MS = 4000
PT = PRODUCE_TIMEOUT_MS / 1000.0
RECOVERY_MAX = 5.0


def extra_props():
    """KREST_FAULT_PROPS="k=v,k=v": keys added to every krestd here, to try
    a daemon setting against these faults without editing the tests."""
    v = os.environ.get("KREST_FAULT_PROPS", "")
    return dict(kv.split("=", 1) for kv in v.split(",") if "=" in kv)


def setup(props=None, partitions=4):
    """A 3-broker mock, a topic on it, a krestd; one record produced so
    metadata and the producer id are in place before the fault."""
    b = h.Broker(brokers=3).start()
    d = {"produce.timeout.ms": str(PRODUCE_TIMEOUT_MS)}
    d.update(props or {})
    d.update(extra_props())
    try:
        k = h.Krestd(b, d).start()
    except BaseException:
        b.stop()
        raise
    t = h.uniq("fl")
    b.create(t, partitions, 3)
    r = h.produce(k.port, t, [{"value": "warm"}])
    assert r.status == 200, r
    return b, k, t


def finish(b, k, t, run, allowed, recovery=True, extra_problems=(),
           allow_duplicates=False, **row):
    """The common checks of a fault run, then the exactly-once check; all
    problems are reported together, the outcome row is logged first."""
    problems = list(extra_problems)
    if not k.alive():
        problems.append("krestd died: status %s" % k.proc.poll())
    problems += lg.check_answers(run, PT, allowed)
    run.deadline = PT
    # Records answered 503 may still be in librdkafka's queue for up to
    # message.timeout.ms; let them settle before reading Kafka.
    time.sleep(1.0)
    eo_problems = lg.check_exactly_once(run, b.bootstrap, t)
    if allow_duplicates:
        eo_problems = [p for p in eo_problems
                       if "stored more than once" not in p]
    problems += eo_problems
    if recovery and (run.recovery is None or run.recovery > RECOVERY_MAX):
        problems.append("200 rate back to half the baseline (%.0f/s) only "
                        "after %s s (buckets after the return: %r)" % (
                            run.baseline, run.recovery,
                            lg.ok_rate_buckets(run.answers, run.t_back,
                                               run.t_end)[:16]))
    run.row(**row)
    k.check_log_clean()
    assert not problems, "%s:\n  %s" % (run.name, "\n  ".join(problems))


def asan_build():
    """True when KREST_BIN holds the ASan build."""
    out = subprocess.run(["readelf", "-d", h.KRESTD], capture_output=True,
                         text=True).stdout
    return "libasan" in out


def teardown(b, k):
    try:
        k.stop()
    finally:
        b.stop()


# ---- the faults ------------------------------------------------------------------

def all_down(hold, name):
    b, k, t = setup()
    try:
        run = lg.run_fault(k, t, name, lambda: b.cmd("all_down"),
                           lambda: b.cmd("all_up"), hold=hold, after=6.0)
        n503 = run.statuses.get(503, 0)
        # 500/50002 "delivery uncertain": a request in flight when the
        # brokers went away (it may have been stored; not retriable).
        finish(b, k, t, run, {200, 500, 503},
               extra_problems=[] if n503 else
               ["no 503 while every broker was down for %.0f s" % hold])
    finally:
        teardown(b, k)


def test_all_brokers_down_10s():
    """All brokers down for 10 s (the issue's figure, 2.5x
    produce.timeout.ms): the requests waiting get 503/50003 at their
    deadline, /healthz keeps answering, and within 5 s of the brokers'
    return the 200 rate is back to half its baseline. (librdkafka's
    reconnect backoff grows during an outage: a shorter outage would not
    show a slow return.)"""
    all_down(10.0, "all brokers down 10 s")


def test_one_broker_down_leadership_moved():
    """Broker 1 goes down and its partitions move to brokers 2 and 3 (the
    controller's job; the mock's down does not move leadership)."""
    b, k, t = setup()
    try:
        def fault():
            b.cmd("down 1")
            for p in range(4):
                b.cmd("leader %s %d %d" % (t, p, 2 + p % 2))

        run = lg.run_fault(k, t, "one broker down, leaders moved", fault,
                           lambda: b.cmd("up 1"), hold=5.0, after=5.0)
        # Service is back once the leaders moved: measure from there too.
        run.recovery = lg.recovery_time(run.answers, run.t_fault,
                                        run.baseline, run.t_back)
        finish(b, k, t, run, {200, 503})
    finally:
        teardown(b, k)


def test_retriable_errors():
    """The next 30 Produce requests fail with NOT_LEADER_FOR_PARTITION (and
    friends): the producer retries them, idempotently."""
    b, k, t = setup()
    try:
        def fault():
            b.cmd("push_errors Produce 30" +
                  " NOT_LEADER_FOR_PARTITION NOT_ENOUGH_REPLICAS" * 15)

        run = lg.run_fault(k, t, "retriable errors x30", fault, None,
                           hold=2.0, after=4.0)
        run.t_back = run.t_fault
        run.recovery = lg.recovery_time(run.answers, run.t_back,
                                        run.baseline, run.t_end)
        finish(b, k, t, run, {200, 500, 503})
    finally:
        teardown(b, k)


def permanent(err, status, name):
    b, k, t = setup()
    try:
        run = lg.run_fault(
            k, t, name, lambda: b.cmd("push_errors Produce 5 " +
                                      " ".join([err] * 5)),
            None, hold=2.0, after=4.0)
        run.t_back = run.t_fault
        run.recovery = lg.recovery_time(run.answers, run.t_back,
                                        run.baseline, run.t_end)
        n = run.statuses.get(status, 0)
        finish(b, k, t, run, {200, status},
               extra_problems=[] if n else
               ["no %d answer although 5 Produce requests failed with %s"
                % (status, err)])
    finally:
        teardown(b, k)


def test_permanent_error_too_large():
    """5 Produce requests fail with MSG_SIZE_TOO_LARGE: their records are
    answered 413 with 50002 entries; the rest goes on."""
    permanent("MSG_SIZE_TOO_LARGE", 413, "permanent MSG_SIZE_TOO_LARGE x5")


def test_permanent_error_invalid_record():
    """5 Produce requests fail with INVALID_RECORD: 500 with 50002."""
    permanent("INVALID_RECORD", 500, "permanent INVALID_RECORD x5")


def test_broker_rtt_2s():
    """Every broker answers 2 s late for 6 s: slower answers or 503 at the
    deadline, never later; then back to speed."""
    b, k, t = setup()
    try:
        def rtt(ms):
            for i in (1, 2, 3):
                b.cmd("rtt %d %d" % (i, ms))

        run = lg.run_fault(k, t, "broker RTT 2 s", lambda: rtt(2000),
                           lambda: rtt(0), hold=6.0, after=6.0)
        # A request whose ProduceRequest times out in flight may have
        # been written: krestd answers 500/50002 "delivery uncertain"
        # (not retriable) for those records rather than a 503.
        # librdkafka resends a ProduceRequest that timed out in flight;
        # real Kafka drops the resent idempotent batch (same producer id
        # and sequence) and acknowledges the first copy, but librdkafka
        # 2.0.2's mock broker stores both. Duplicates are therefore
        # reported (OUTCOME line) but not failed here; every other fault
        # test fails on any.
        finish(b, k, t, run, {200, 500, 503}, allow_duplicates=True)
    finally:
        teardown(b, k)


def test_disconnects_mid_batch():
    """Each broker drops the connection on its next 5 Produce requests
    (_TRANSPORT): the producer reconnects and retries without
    duplicates."""
    b, k, t = setup()
    try:
        def fault():
            for i in (1, 2, 3):
                b.cmd("broker_push_error_rtts %d Produce 5 _TRANSPORT 0"
                      % i)

        run = lg.run_fault(k, t, "disconnects mid-batch 3x5", fault, None,
                           hold=3.0, after=4.0)
        run.t_back = run.t_fault
        run.recovery = lg.recovery_time(run.answers, run.t_back,
                                        run.baseline, run.t_end)
        finish(b, k, t, run, {200, 500, 503})
    finally:
        teardown(b, k)


def test_memory_bounded_by_max_inflight_bytes():
    """max.inflight.bytes=1 MiB and every broker down: ~64 KiB requests
    from 32 clients fill the cap; beyond it requests get 429 + Retry-After
    at once (not after produce.timeout.ms), krest_inflight_bytes stays
    within the cap plus one request, RSS stays bounded, and afterwards
    everything acknowledged is in Kafka once."""
    cap = 1 << 20
    value = 60000
    b, k, t = setup({"max.inflight.bytes": str(cap)})
    inflight = []

    def during(run):
        try:
            r = h.request(k.port, "GET", "/metrics", timeout=3)
        except OSError:
            return
        for line in r.body.decode().splitlines():
            if line.startswith("krest_inflight_bytes "):
                inflight.append(int(float(line.split()[1])))
    try:
        rss0 = lg.rss_kib(k.proc.pid)
        run = lg.run_fault(k, t, "all down, max.inflight.bytes 1 MiB",
                           lambda: b.cmd("all_down"),
                           lambda: b.cmd("all_up"), hold=6.0, after=6.0,
                           batch=(1, 1), value_size=value, during=during,
                           think=0.02)
        problems = []
        fast429 = [a for a in run.answers if a.status == 429]
        in_fault = [a for a in fast429 if run.t_fault <= a.t0 < run.t_back]
        if not in_fault:
            problems.append("no 429 while the brokers were down with the "
                            "cap full")
        slow = [a.took for a in fast429 if a.took > 1.0]
        if slow:
            problems.append("%d of %d 429 answers took over 1 s (max %.2f)"
                            % (len(slow), len(fast429), max(slow)))
        # One request alone always passes, whatever its size.
        over = [x for x in inflight if x > cap + 2 * value]
        if over:
            problems.append("krest_inflight_bytes above the cap: %r" %
                            over[:5])
        growth = (run.sampler.max_rss - rss0) / 1024.0
        # Under ASan freed memory sits in its quarantine (256 MiB by
        # default), so RSS says nothing there; krest_inflight_bytes above
        # is the bound that matters in both builds.
        if growth > 64 and not asan_build():
            problems.append("RSS grew by %.0f MiB (from %.0f MiB)" % (
                growth, rss0 / 1024.0))
        p429 = lg.percentile([a.took for a in fast429], 0.99)
        finish(b, k, t, run, {200, 429, 500, 503}, extra_problems=problems,
               rss_growth_mib=round(growth, 1),
               max_inflight_bytes=max(inflight, default=None),
               p99_429_ms=round(p429 * 1000))
    finally:
        teardown(b, k)
