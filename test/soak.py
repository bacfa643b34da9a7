#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make soak: minutes of mixed load against krestd and a 3-broker mock with
faults in cycles (all brokers down 10 s, RTT spikes, disconnects, a broker
lost with its leaders moved, retriable and permanent errors, slow and
vanishing clients), each phase checked exactly-once by offsets; ends with
the table of scenario -> outcome and exits 1 when any phase failed.

    KREST_BIN=bin python3 test/soak.py [--minutes M] [--clients N]
"""

import argparse
import os
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "integration"))

import harness as h  # noqa: E402
import loadgen as lg  # noqa: E402

PRODUCE_TIMEOUT_MS = 5000
RECOVERY_MAX = 5.0


class Soak:
    def __init__(self, args):
        self.args = args
        self.b = None
        self.k = None
        self.rows = []
        self.failures = []
        self.partitions = 8

    def start(self):
        self.b = h.Broker(brokers=3).start()
        props = {"produce.timeout.ms": str(PRODUCE_TIMEOUT_MS),
                 "request.header.timeout.ms": "5000",
                 "request.body.timeout.ms": "10000"}
        for kv in self.args.props:
            k, _, v = kv.partition("=")
            props[k] = v
        self.k = h.Krestd(self.b, props, verbose=False).start()
        self.good_topic = self.topic()

    def stop(self):
        try:
            if self.k is not None:
                self.k.stop()
        finally:
            if self.b is not None:
                self.b.stop()

    def topic(self):
        """A fresh topic per phase: the mock keeps ~5 MB per partition."""
        t = h.uniq("soak")
        self.b.create(t, self.partitions, 3)
        for p in range(self.partitions):
            self.b.cmd("leader %s %d %d" % (t, p, 1 + p % 3))
        # After a phase the producer may still be recovering: wait for it
        # (a slow return is reported by the phase that caused it).
        deadline = time.monotonic() + 60
        while True:
            r = h.produce(self.k.port, t, [{"value": "warm"}])
            if r.status == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert r.status == 200, "no 200 for 60 s after a phase: %r" % r
        return t

    def rtt(self, ms):
        for i in (1, 2, 3):
            self.b.cmd("rtt %d %d" % (i, ms))

    def phase(self, name, fault, restore, allowed, hold, after=8.0,
              recovery_from="back", side=None, allow_duplicates=False):
        """One scenario under load, with the good client on its own topic;
        side(), when given, runs on a thread during the fault (an attack).
        Checks and records the outcome; never raises for a failed check."""
        t = self.topic()
        good = lg.GoodClient(self.k.port, self.good_topic).start()
        th = None

        def fault_and_side():
            nonlocal th
            fault()
            if side is not None:
                th = threading.Thread(target=side, daemon=True)
                th.start()
        problems = []
        try:
            run = lg.run_fault(self.k, t, name, fault_and_side, restore,
                               clients=self.args.clients, warm=3.0,
                               hold=hold, after=after, think=0.01,
                               timeout=PRODUCE_TIMEOUT_MS / 1000 + 30)
        except AssertionError as e:
            good.stop()
            self.fail(name, [str(e)])
            return
        finally:
            if th is not None:
                th.join(60)
        good.stop()
        if recovery_from == "fault":
            run.t_back = run.t_fault
            run.recovery = lg.recovery_time(run.answers, run.t_back,
                                            run.baseline, run.t_end)
        if not self.k.alive():
            problems.append("krestd died: %s" % self.k.proc.poll())
        problems += lg.check_answers(run, PRODUCE_TIMEOUT_MS / 1000.0,
                                     allowed)
        time.sleep(1.0)
        try:
            eo = lg.check_exactly_once(run, self.b.bootstrap, t)
            # See test_faults_load.test_broker_rtt_2s: the mock broker
            # stores librdkafka's resent idempotent batch, real Kafka
            # drops it. Reported in the table, not failed.
            if allow_duplicates:
                eo = [p for p in eo if "stored more than once" not in p]
            problems += eo
        except AssertionError as e:
            problems.append("exactly-once check failed: %s" % e)
        if recovery_from is not None and (
                run.recovery is None or run.recovery > RECOVERY_MAX):
            problems.append("throughput back only after %s s" %
                            run.recovery)
        ok_lat = [a.took for a in run.answers if a.status == 200]
        row = run.row(good_p99_ms=round(good.p99 * 1000),
                      good_ok="%d/%d" % (good.ok, good.total),
                      load_p99_ms=round(lg.percentile(ok_lat, 0.99) * 1000))
        self.rows.append(row)
        if problems:
            self.fail(name, problems)
        print("soak: %-40s %s" % (name, "FAIL" if problems else "ok"),
              flush=True)

    def fail(self, name, problems):
        self.failures.append((name, problems))
        print("soak: %s FAILED:\n  %s" % (name, "\n  ".join(problems)),
              flush=True)

    # ---- the attacks run beside a fault --------------------------------------

    def slow_and_vanishing(self, seconds=6):
        """100 connections trickling a head, and 8 clients posting and
        closing at once, for seconds."""
        port = self.k.port
        socks = []
        end = time.monotonic() + seconds
        try:
            for _ in range(100):
                socks.append(lg.raw_socket(port))
            while time.monotonic() < end:
                for s in socks:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
                for _ in range(8):
                    try:
                        s = lg.raw_socket(port)
                        body = b'{"records":[{"value":"gone"}]}'
                        s.sendall(("POST /topics/%s HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Type: %s\r\nContent-Length: %d"
                                   "\r\n\r\n" % (self.good_topic, h.JSON_CT,
                                                 len(body))).encode() + body)
                        s.close()
                    except OSError:
                        pass
                time.sleep(0.25)
        finally:
            for s in socks:
                s.close()

    # ---- the cycle --------------------------------------------------------------

    def cycle(self):
        b = self.b
        self.phase("steady load", lambda: None, None, {200}, hold=5.0,
                   after=2.0, recovery_from=None)
        self.phase("all brokers down 10 s", lambda: b.cmd("all_down"),
                   lambda: b.cmd("all_up"), {200, 500, 503}, hold=10.0)
        self.phase("broker RTT 2 s spike", lambda: self.rtt(2000),
                   lambda: self.rtt(0), {200, 500, 503}, hold=6.0,
                   allow_duplicates=True)
        self.phase("disconnects mid-batch 3x5", lambda: [
            b.cmd("broker_push_error_rtts %d Produce 5 _TRANSPORT 0" % i)
            for i in (1, 2, 3)], None, {200, 500, 503}, hold=3.0,
            recovery_from="fault")

        def lose_broker():
            b.cmd("down 1")
            for t in (self.topics[-1], self.good_topic):
                for p in range(self.partitions):
                    b.cmd("leader %s %d %d" % (t, p, 2 + p % 2))
        self.phase("one broker down, leaders moved", lose_broker,
                   lambda: b.cmd("up 1"), {200, 500, 503}, hold=6.0,
                   recovery_from="fault")
        self.phase("retriable errors x30", lambda: b.cmd(
            "push_errors Produce 30" + " NOT_LEADER_FOR_PARTITION" * 30),
            None, {200, 500, 503}, hold=2.0, recovery_from="fault")
        self.phase("permanent MSG_SIZE_TOO_LARGE x5", lambda: b.cmd(
            "push_errors Produce 5" + " MSG_SIZE_TOO_LARGE" * 5),
            None, {200, 413}, hold=2.0, recovery_from="fault")
        self.phase("RTT 2 s + slowloris + vanishing clients",
                   lambda: self.rtt(2000), lambda: self.rtt(0),
                   {200, 500, 503}, hold=6.0, side=self.slow_and_vanishing,
                   allow_duplicates=True)

    def run(self):
        self.topics = []
        real_topic = self.topic

        def topic():
            t = real_topic()
            self.topics.append(t)
            return t
        self.topic = topic
        deadline = time.monotonic() + self.args.minutes * 60
        n = 0
        while n == 0 or time.monotonic() < deadline:
            n += 1
            print("soak: cycle %d" % n, flush=True)
            self.cycle()
            if self.args.once:
                break
        self.k.check_log_clean()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float,
                    default=float(os.environ.get("SOAK_MINUTES", "5")),
                    help="keep cycling the faults this long (default 5, "
                    "or $SOAK_MINUTES); a started cycle is finished")
    ap.add_argument("--clients", type=int, default=16,
                    help="load clients (keep-alive connections)")
    ap.add_argument("--once", action="store_true", help="one cycle only")
    ap.add_argument("--prop", dest="props", action="append", default=[],
                    help="extra krestd key=value (repeatable)")
    args = ap.parse_args()
    socket.setdefaulttimeout(60)
    s = Soak(args)
    t0 = time.monotonic()
    try:
        s.start()
        s.run()
    finally:
        s.stop()
    print()
    print(lg.table(s.rows))
    print()
    print("soak: %d phases in %.0f s, %d failed" % (
        len(s.rows), time.monotonic() - t0, len(s.failures)))
    for name, problems in s.failures:
        print("  %s: %s" % (name, "; ".join(p[:300] for p in problems)))
    return 1 if s.failures else 0


if __name__ == "__main__":
    sys.exit(main())
