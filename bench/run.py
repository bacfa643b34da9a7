#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make bench: krestd against its ceilings, side by side, in one run.

Starts the test broker (bin/test/mockbroker, its own process), the
references (nginx reading the POST body and answering a static JSON reply;
a direct librdkafka producer) and krestd (release build), drives them with
the same load (wrk + bench/post.lua) and prints absolute figures and the
ratios the targets of issue 6 are stated in. Results also go to
bench/results/latest.json. See bench/README.md.

Only 127.0.0.1 is used; every child runs in its own session, is bounded in
time and is stopped by its PID on exit, error or Ctrl-C.
"""

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
POST_LUA = os.path.join(HERE, "post.lua")
TOPIC = "bench.pin"

# Run lengths per mode. Scenarios 1 and 2 and the references run in
# `rounds` rounds of `dur` seconds each (medians are reported); c1000_dur:
# scenario 3; rss_requests: scenario 4's request count (rss_limit bounds it
# in s); start_trials: scenario 5's cold starts; instr_*: the fixed request
# count of the instructions measurement and its warm-up.
MODES = {
    "full": dict(rounds=3, dur=4, c1000_dur=10, rss_requests=1_000_000,
                 rss_limit=240, start_trials=5, instr_requests=20_000,
                 syscall_requests=100_000,
                 instr_warm=2_000),
    "quick": dict(rounds=2, dur=2, c1000_dur=4, rss_requests=200_000,
                  rss_limit=90, start_trials=3, instr_requests=5_000,
                  syscall_requests=20_000,
                  instr_warm=500),
    "smoke": dict(rounds=1, dur=1, c1000_dur=1, rss_requests=5_000,
                  rss_limit=20, start_trials=1, instr_requests=300,
                  syscall_requests=2_000,
                  instr_warm=50),
}

REPLY = ('{"offsets":[{"partition":0,"offset":0,"error_code":null,'
         '"error":null}],"key_schema_id":null,"value_schema_id":null}')
ECHO_SO = "/usr/lib/nginx/modules/ngx_http_echo_module.so"

T0 = time.monotonic()


def say(msg):
    print("bench: [%5.1fs] %s" % (time.monotonic() - T0, msg),
          file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---- processes --------------------------------------------------------


class Children:
    """Every process the bench starts, so that each is stopped by PID."""

    def __init__(self):
        self.procs = []

    def start(self, name, argv, **kw):
        kw.setdefault("stdin", subprocess.DEVNULL)
        p = subprocess.Popen(argv, start_new_session=True, **kw)
        p.bench_name = name
        self.procs.append(p)
        return p

    def stop(self, p, sig=signal.SIGTERM, wait=5.0):
        """Stops p (and, if it lingers, its own process group)."""
        if p.poll() is None:
            try:
                os.kill(p.pid, sig)
                p.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=5)
            except ProcessLookupError:
                pass
        for f in (p.stdin, p.stdout, p.stderr):
            if f is not None:
                f.close()
        if p in self.procs:
            self.procs.remove(p)
        return p.returncode

    def stop_all(self):
        for p in list(reversed(self.procs)):
            self.stop(p)


KIDS = Children()


def on_signal(signum, frame):
    raise KeyboardInterrupt


def free_port(start=20000, end=32000):
    """A free 127.0.0.1 port below the ephemeral range (test-broker.md)."""
    base = start + (os.getpid() * 37) % (end - start)
    for i in range(end - start):
        port = start + (base - start + i) % (end - start)
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise BenchError("no free port in %d-%d" % (start, end))


def http_status(port, method="GET", path="/", body=b"", ctype=None,
                timeout=1.0):
    """One request on a new connection; returns the status code or None."""
    hdr = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" % (
        method, path)
    if ctype is not None:
        hdr += "Content-Type: %s\r\n" % ctype
    if method == "POST":
        hdr += "Content-Length: %d\r\n" % len(body)
    try:
        with socket.create_connection(("127.0.0.1", port),
                                      timeout=timeout) as s:
            s.sendall(hdr.encode() + b"\r\n" + body)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def wait_port(port, deadline_s, proc=None):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            raise BenchError("process exited with %s before port %d "
                             "answered" % (proc.returncode, port))
        if http_status(port, timeout=0.5) is not None:
            return
        time.sleep(0.01)
    raise BenchError("port %d did not answer within %.0f s"
                     % (port, deadline_s))


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def mem_rollup(pid):
    """Pss and anonymous resident kB of pid (smaps_rollup), or {}."""
    out = {}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                k = line.split(":")[0]
                if k in ("Pss", "Anonymous", "Rss"):
                    out[k.lower() + "_kb"] = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return out


class RssSampler:
    """Samples VmRSS of pid every 50 ms in a thread; keeps the peak."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            v = rss_kb(self.pid)
            if v is not None and v > self.peak:
                self.peak = v
            self.stop.wait(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


# ---- tools and installation -------------------------------------------


def have_pkg(name):
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", name],
                       capture_output=True, text=True)
    return "install ok installed" in r.stdout


def apt_install(pkgs):
    """Installs Debian packages when root; returns True on success."""
    if os.geteuid() != 0:
        say("missing %s; run as root: apt-get install -y %s"
            % (" ".join(pkgs), " ".join(pkgs)))
        return False
    say("installing %s" % " ".join(pkgs))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env,
                   stdout=subprocess.DEVNULL, timeout=300)
    r = subprocess.run(["apt-get", "install", "-y", "-qq",
                        "--no-install-recommends"] + pkgs, env=env,
                       stdout=subprocess.DEVNULL, timeout=600)
    return r.returncode == 0


def ensure_tools(no_install):
    want = []
    if shutil.which("wrk") is None:
        want.append("wrk")
    if shutil.which("nginx") is None and not os.path.exists(
            "/usr/sbin/nginx"):
        want.append("nginx-light")
    if not os.path.exists(ECHO_SO) and not have_pkg(
            "libnginx-mod-http-echo"):
        want.append("libnginx-mod-http-echo")
    if want and not no_install:
        if not apt_install(want) and "libnginx-mod-http-echo" in want:
            # The echo module is optional (mirror fallback); retry
            # without it so that wrk and nginx still come.
            rest = [p for p in want if p != "libnginx-mod-http-echo"]
            if rest:
                apt_install(rest)
    if shutil.which("wrk") is None:
        raise BenchError("wrk is missing (apt-get install wrk)")


def nginx_bin():
    return shutil.which("nginx") or "/usr/sbin/nginx"


def build_tool(name, src, dest_dir):
    """Returns bin/test/<name>, or builds src with cc into dest_dir."""
    binp = os.path.join(ROOT, "bin", "test", name)
    srcp = os.path.join(ROOT, src)
    if os.path.exists(binp) and (not os.path.exists(srcp) or
                                 os.path.getmtime(binp) >=
                                 os.path.getmtime(srcp)):
        return binp
    if not os.path.exists(srcp):
        raise BenchError("%s is missing and %s does not exist"
                         % (binp, src))
    out = os.path.join(dest_dir, name)
    say("building %s from %s (make has not)" % (name, src))
    subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-O2", "-g",
                    "-o", out, srcp, "-lrdkafka"], check=True, timeout=120)
    return out


def perf_instructions_work():
    if shutil.which("perf") is None:
        return False
    r = subprocess.run(["perf", "stat", "-x,", "-e", "instructions",
                        "true"], capture_output=True, text=True, timeout=30)
    return r.returncode == 0 and re.search(r"^\d+,", r.stderr, re.M)


# ---- the mock broker ----------------------------------------------------


class Broker:
    def __init__(self, exe, partitions, workdir):
        # A private copy: other sessions on this machine clean up their
        # test brokers by name, and ours must survive that.
        own = os.path.join(workdir, "krest-bench-broker")
        if not os.path.exists(own):
            shutil.copy2(exe, own)
        self.err = open(os.path.join(workdir, "mockbroker.log"), "a")
        self.p = KIDS.start("mockbroker", [own, "-b", "1", "-p",
                                           str(partitions)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=self.err, text=True, bufsize=1)
        line = self.readline(10)
        if not line.startswith("BOOTSTRAP "):
            raise BenchError("mockbroker said %r" % line)
        self.bootstrap = line.split()[1]
        self.command("create %s %d 1" % (TOPIC, partitions))

    def readline(self, timeout):
        box = []
        t = threading.Thread(target=lambda: box.append(
            self.p.stdout.readline()), daemon=True)
        t.start()
        t.join(timeout)
        if not box:
            raise BenchError("mockbroker: no answer in %d s" % timeout)
        return box[0].strip()

    def command(self, cmd):
        self.p.stdin.write(cmd + "\n")
        self.p.stdin.flush()
        ans = self.readline(10)
        if ans != "OK":
            raise BenchError("mockbroker: %s: %s" % (cmd, ans))

    def stop(self):
        KIDS.stop(self.p)
        self.err.close()


# ---- load: wrk ----------------------------------------------------------


def wrk(port, conns, threads, duration, records=1, max_requests=0,
        timeout_s=2, workdir=None, during=None):
    """Runs wrk with bench/post.lua against 127.0.0.1:port.

    With max_requests, each thread stops after max_requests/threads replies
    and wrk is interrupted once all have. during(p) runs while wrk does.
    Returns the KRBENCH summary with req_per_s and records_per_s added."""
    env = dict(os.environ, KREST_REPORT="1", KREST_RECORDS=str(records),
               KREST_TOPIC=TOPIC)
    stop_file = None
    if max_requests:
        stop_file = os.path.join(workdir, "wrk-stop-%d" % time.time_ns())
        env["KREST_MAX_REQUESTS"] = str(max(1, max_requests // threads))
        env["KREST_STOP_FILE"] = stop_file
    argv = ["wrk", "-t%d" % threads, "-c%d" % conns, "-d%ds" % duration,
            "--latency", "--timeout", "%ds" % timeout_s, "-s", POST_LUA,
            "http://127.0.0.1:%d" % port]
    p = KIDS.start("wrk", argv, env=env, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)
    try:
        if during is not None:
            during(p)
        if stop_file is not None:
            end = time.monotonic() + duration
            while time.monotonic() < end and p.poll() is None:
                try:
                    with open(stop_file) as f:
                        if len(f.readlines()) >= threads:
                            break
                except OSError:
                    pass
                time.sleep(0.05)
            if p.poll() is None:
                os.kill(p.pid, signal.SIGINT)  # wrk then reports
        out, err = p.communicate(timeout=duration + 30)
    finally:
        KIDS.stop(p)
        if stop_file is not None and os.path.exists(stop_file):
            os.unlink(stop_file)
    m = re.search(r"^KRBENCH (\{.*\})$", out, re.M)
    if m is None:
        raise BenchError("wrk gave no result: %s %s" % (out[-500:],
                                                         err[-500:]))
    r = json.loads(m.group(1))
    secs = r["duration_us"] / 1e6
    r["req_per_s"] = r["requests"] / secs if secs > 0 else 0.0
    r["records_per_s"] = r["req_per_s"] * records
    r["errors_total"] = sum(r["errors"].values())
    r["connections"], r["threads"] = conns, threads
    return r


# ---- references: direct producer, nginx ---------------------------------


def direct_producer(exe, bootstrap, mode, secs, inflight=64):
    argv = [exe, "-b", bootstrap, "-t", TOPIC, "-m", mode, "-d", str(secs)]
    if mode == "inflight":
        argv += ["-i", str(inflight)]
    p = KIDS.start("direct_producer", argv, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=secs + 60)
    finally:
        KIDS.stop(p)
    line = out.strip().splitlines()[-1] if out.strip() else ""
    if not line.startswith("{"):
        raise BenchError("direct_producer %s failed: %s" % (mode,
                                                            err[-500:]))
    return json.loads(line)


def nginx_body_method():
    if os.path.exists(ECHO_SO):
        return "echo"
    return "mirror"


def nginx_conf(workdir, port, workers, method, single_process=False):
    """An nginx configuration that reads the POST body, then answers the
    ProduceResponse krestd would send (115 bytes)."""
    d = os.path.join(workdir, "nginx-%d" % port)
    os.makedirs(os.path.join(d, "html"), exist_ok=True)
    lines = []
    if method == "echo":
        lines.append("load_module %s;" % ECHO_SO)
    lines += [
        "daemon off;",
        "master_process %s;" % ("off" if single_process else "on"),
        "worker_processes %d;" % workers,
        "pid %s/nginx.pid;" % d,
        "error_log %s/error.log warn;" % d,
        "events { worker_connections 8192; }",
        "http {",
        "  access_log off;",
        "  keepalive_requests 100000000;",
        "  keepalive_timeout 75s;",
    ]
    for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        lines.append("  %s_temp_path %s/%s;" % (k, d, k))
    lines += [
        "  default_type application/vnd.kafka.v2+json;",
        "  server {",
        "    listen 127.0.0.1:%d backlog=4096;" % port,
        "    client_body_buffer_size 64k;",
        "    client_max_body_size 10m;",
    ]
    if method == "echo":
        # echo_read_request_body reads the whole body before the reply
        # (checked: a short body makes nginx wait); the reply is chunked.
        lines += [
            "    location / {",
            "      echo_read_request_body;",
            "      echo -n '%s';" % REPLY,
            "    }",
        ]
    else:
        # Core modules only: mirror_request_body reads the body before
        # the content phase; the static handler then finds no file and
        # error_page hands over to a location that returns the reply.
        lines += [
            "    location = /_discard { internal; return 204; }",
            "    location @reply { return 200 '%s'; }" % REPLY,
            "    location / {",
            "      mirror /_discard;",
            "      mirror_request_body on;",
            "      root %s/html;" % d,
            "      error_page 404 405 = @reply;",
            "    }",
        ]
    lines += ["  }", "}"]
    path = os.path.join(d, "nginx.conf")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return d, path


def start_nginx(workdir, workers, method, single_process=False,
                wrapper=()):
    port = free_port()
    d, conf = nginx_conf(workdir, port, workers, method, single_process)
    log = open(os.path.join(d, "stderr.log"), "w")
    p = KIDS.start("nginx", list(wrapper) + [
        nginx_bin(), "-p", d, "-c", conf, "-e", os.path.join(d, "error.log")],
        stdout=log, stderr=log)
    log.close()
    wait_port(port, 30 if wrapper else 10, p)
    if http_status(port, "POST", "/topics/" + TOPIC, b'{"records":[]}',
                   "application/vnd.kafka.json.v2+json") != 200:
        raise BenchError("nginx reference does not answer 200")
    return p, port


# ---- krestd ---------------------------------------------------------------


class Krestd:
    def __init__(self, exe, workdir, bootstrap, threads=None, extra=(),
                 wrapper=(), name="krestd"):
        self.exe = exe
        self.port = free_port()
        self.dir = workdir
        self.bootstrap = bootstrap
        self.conf = (threads, tuple(extra), tuple(wrapper), name)
        self.props = os.path.join(workdir, "%s-%d.properties" % (name,
                                                                 self.port))
        with open(self.props, "w") as f:
            f.write("listeners=http://127.0.0.1:%d\n" % self.port)
            f.write("bootstrap.servers=%s\n" % bootstrap)
            if threads is not None:
                f.write("http.threads=%d\n" % threads)
            for kv in extra:
                f.write(kv + "\n")
        self.log = os.path.join(workdir, "%s-%d.log" % (name, self.port))
        self.wrapper = list(wrapper)
        self.p = None

    def start(self):
        self.t_exec = time.monotonic()
        with open(self.log, "w") as log:
            self.p = KIDS.start("krestd", self.wrapper + [self.exe,
                                                          self.props],
                                stdout=log, stderr=subprocess.STDOUT)
        return self

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def wait_ready(self, deadline_s=10, poll_s=0.0005):
        """Times the start: GET / answering, the log's ready line, and the
        first produce answered 200 (Kafka metadata known). Seconds from
        exec. The ready line is the first one saying "ready" and naming
        Kafka metadata, else the first saying "ready"."""
        t = {"http": None, "ready_line": None, "first_produce": None}
        lines = {"any": None, "metadata": None}
        body = b'{"records":[{"value":{"ready":1}}]}'
        end = self.t_exec + deadline_s
        while time.monotonic() < end:
            if self.p.poll() is not None:
                raise BenchError("krestd exited with %s: %s" % (
                    self.p.returncode, self.log_text()[-1500:]))
            now = time.monotonic()
            if lines["metadata"] is None:
                for line in self.log_text().splitlines():
                    if not re.search(r"\bready\b", line, re.I):
                        continue
                    if lines["any"] is None:
                        lines["any"], t["ready_line"] = line, now
                    if re.search(r"metadata", line, re.I):
                        lines["metadata"], t["ready_line"] = line, now
                        break
            if t["http"] is None and http_status(self.port,
                                                 timeout=0.2) == 200:
                t["http"] = time.monotonic()
            if t["http"] is not None and t["first_produce"] is None:
                if http_status(self.port, "POST", "/topics/" + TOPIC, body,
                               "application/vnd.kafka.json.v2+json",
                               timeout=5) == 200:
                    t["first_produce"] = time.monotonic()
            if t["first_produce"] is not None and (
                    lines["metadata"] is not None or
                    now - t["first_produce"] > 0.3):
                break
            time.sleep(poll_s)
        if t["http"] is None or t["first_produce"] is None:
            raise BenchError("krestd not ready in %d s: %s" % (
                deadline_s, self.log_text()[-1500:]))
        res = {k: (v - self.t_exec if v is not None else None)
               for k, v in t.items()}
        res["ready_log_line"] = lines["metadata"] or lines["any"]
        m = re.search(r"([\d.]+) ?ms after start", res["ready_log_line"] or "")
        res["self_reported_ms"] = float(m.group(1)) if m else None
        return res

    def stop(self):
        if self.p is not None:
            KIDS.stop(self.p, wait=15)


def krestd_accepts(exe, workdir, bootstrap, line):
    """Whether `krestd -n` takes a file with this extra line silently."""
    k = Krestd(exe, workdir, bootstrap, extra=(line,), name="check")
    r = subprocess.run([exe, "-n", k.props], capture_output=True, text=True,
                       timeout=30)
    key = line.split("=")[0]
    return r.returncode == 0 and key not in (r.stdout + r.stderr)


# ---- instructions per request ---------------------------------------------


def instructions_per_request(kind, argv_fn, workdir, nreq, warm,
                             use_perf):
    """Instructions per 1-record request (64 connections, 1 wrk thread),
    every thread of the server counted. With perf: a perf stat window over
    nreq requests after warm requests. With callgrind (no PMU here): two
    runs of warm and warm + nreq requests, each from start to exit; the
    difference cancels start and shutdown. (callgrind_control would need
    ptrace, which this sandbox forbids.)"""
    if use_perf:
        return perf_instructions(argv_fn, workdir, nreq, warm)
    if shutil.which("valgrind") is None:
        return {"error": "neither perf instructions nor valgrind available"}
    runs = []
    for tag, n in (("short", warm), ("", warm + nreq)):
        out = os.path.join(RESULTS, "callgrind.%s%s.out" % (
            kind, "." + tag if tag else ""))
        for old in [out] + [out + ".%d" % i for i in range(1, 10)]:
            if os.path.exists(old):
                os.unlink(old)
        proc, port = argv_fn(["valgrind", "--tool=callgrind", "--vgdb=no",
                              "--callgrind-out-file=" + out])
        try:
            r = wrk(port, 64, 1, 600, max_requests=n, timeout_s=60,
                    workdir=workdir)
        finally:
            KIDS.stop(proc, wait=120)
        ir = callgrind_total(out)
        if not ir:
            raise BenchError("callgrind wrote no totals for %s" % kind)
        runs.append({"requests": r["requests"], "instructions": ir,
                     "errors": r["errors_total"]})
    dn = runs[1]["requests"] - runs[0]["requests"]
    if dn <= 0:
        raise BenchError("callgrind runs of %s served too few requests"
                         % kind)
    return {"tool": "callgrind", "requests": dn, "runs": runs,
            "errors": runs[0]["errors"] + runs[1]["errors"],
            "per_request": (runs[1]["instructions"] -
                            runs[0]["instructions"]) / dn,
            "callgrind_out": os.path.relpath(out, ROOT),
            "top": callgrind_top(out, 10)}


def callgrind_total(path):
    """The Ir count of the run: the "totals:" line of each dump (its
    "summary:" line stays 0 when instrumentation starts off)."""
    total = 0
    for p in [path] + [path + ".%d" % i for i in range(1, 10)]:
        if not os.path.exists(p):
            continue
        with open(p, errors="replace") as f:
            for line in f:
                if line.startswith("totals:"):
                    total += int(line.split()[1])
    return total


def callgrind_top(path, n):
    if shutil.which("callgrind_annotate") is None or not os.path.exists(
            path):
        return []
    r = subprocess.run(["callgrind_annotate", "--threshold=100", path],
                       capture_output=True, text=True, timeout=120)
    top = []
    for line in r.stdout.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+(.*)$", line)
        if m and "PROGRAM TOTALS" not in line:
            top.append({"ir": int(m.group(1).replace(",", "")),
                        "pct": float(m.group(2)), "symbol": m.group(3)})
        if len(top) >= n:
            break
    return top


def perf_instructions(argv_fn, workdir, nreq, warm):
    proc, port = argv_fn(())
    try:
        wrk(port, 64, 1, 120, max_requests=warm, timeout_s=60,
            workdir=workdir)
        ps = KIDS.start("perf", ["perf", "stat", "-x,", "-e",
                                 "instructions", "-p", str(proc.pid)],
                        stderr=subprocess.PIPE, text=True)
        time.sleep(0.2)
        r = wrk(port, 64, 1, 300, max_requests=nreq, timeout_s=60,
                workdir=workdir)
        os.kill(ps.pid, signal.SIGINT)
        _, err = ps.communicate(timeout=30)
        KIDS.stop(ps)
    finally:
        KIDS.stop(proc, wait=30)
    m = re.search(r"^(\d+),", err, re.M)
    ir = int(m.group(1)) if m else None
    return {"tool": "perf stat", "requests": r["requests"],
            "errors": r["errors_total"], "instructions": ir,
            "per_request": ir / r["requests"] if ir else None}


SYSCALLS = ("read", "write", "recvfrom", "sendto", "readv", "writev",
            "sendmsg", "recvmsg", "epoll_wait", "epoll_ctl", "poll",
            "futex", "accept4", "close", "setsockopt", "shutdown",
            "clock_gettime", "getpid", "madvise", "mmap", "munmap")


def with_children(pid):
    """pid and its direct children (nginx's workers), as perf -p wants."""
    pids = [pid]
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        if int(st.rsplit(")", 1)[1].split()[1]) == pid:
            pids.append(int(d))
    return ",".join(str(p) for p in pids)


def syscalls_per_request(pid, port, nreq, workdir):
    """Counts the system calls of every thread of pid (perf tracepoints,
    no ptrace) over nreq 1-record requests from 64 connections."""
    if shutil.which("perf") is None:
        raise BenchError("perf is missing")
    events = ["raw_syscalls:sys_enter"] + [
        "syscalls:sys_enter_" + n for n in SYSCALLS]
    avail = subprocess.run(["perf", "stat", "-x,", "-e", ",".join(events),
                            "true"], capture_output=True, text=True,
                           timeout=30)
    if avail.returncode != 0:
        events = ["raw_syscalls:sys_enter"]
    ps = KIDS.start("perf", ["perf", "stat", "-x,", "-e", ",".join(events),
                             "-p", with_children(pid)],
                    stderr=subprocess.PIPE,
                    text=True)
    try:
        time.sleep(0.3)
        r = wrk(port, 64, 2, 120, max_requests=nreq, workdir=workdir)
        os.kill(ps.pid, signal.SIGINT)
        _, err = ps.communicate(timeout=30)
    finally:
        KIDS.stop(ps)
    counts = {}
    for line in err.splitlines():
        f = line.split(",")
        if len(f) > 2 and f[0].isdigit():
            name = f[2].replace("syscalls:sys_enter_", "").replace(
                "raw_syscalls:sys_enter", "all")
            counts[name] = int(f[0])
    n = r["requests"] or 1
    per = {k: round(v / n, 2) for k, v in counts.items() if v}
    return {"requests": r["requests"], "per_request": per}


# ---- profile (--profile) ------------------------------------------------


def perf_profile(pid, secs):
    """perf record -g of pid for secs (cpu-clock); returns the top
    symbols of perf report."""
    data = os.path.join(RESULTS, "perf.data")
    ps = KIDS.start("perf", ["perf", "record", "-q", "-g", "-e", "cpu-clock",
                             "-o", data, "-p", str(pid), "--", "sleep",
                             "%.2f" % secs], stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL)
    return ps, data


def perf_report(data):
    """Top self-time symbols (with thread name) and the split by thread."""
    base = ["perf", "report", "-i", data, "--stdio", "--no-children",
            "-g", "none"]
    r = subprocess.run(base + ["-F", "overhead,comm,dso,sym",
                               "--percent-limit", "0.5"],
                       capture_output=True, text=True, timeout=300)
    top = []
    for line in r.stdout.splitlines():
        m = re.match(r"^\s+([\d.]+)%\s+(\S+)\s+(\S+)\s+\[[.k]\]\s+(.*)$",
                     line)
        if m:
            top.append({"pct": float(m.group(1)), "thread": m.group(2),
                        "dso": m.group(3), "symbol": m.group(4).strip()})
    t = subprocess.run(base + ["--sort", "comm"], capture_output=True,
                       text=True, timeout=300)
    threads = {}
    for line in t.stdout.splitlines():
        m = re.match(r"^\s+([\d.]+)%\s+(.*\S)\s*$", line)
        if m:
            threads[m.group(2)] = float(m.group(1))
    with open(os.path.join(RESULTS, "perf-report.txt"), "w") as f:
        f.write(t.stdout + r.stdout)
    return {"top": top, "threads": threads}


# ---- the run ---------------------------------------------------------------


def machine_info():
    info = {"kernel": platform.release(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            info["cpu"] = m.group(1) if m else "?"
        with open("/proc/meminfo") as f:
            m = re.search(r"^MemTotal:\s*(\d+)", f.read(), re.M)
            info["mem_gib"] = round(int(m.group(1)) / 1048576, 1)
        with open("/etc/os-release") as f:
            m = re.search(r'^PRETTY_NAME="?([^"\n]*)', f.read(), re.M)
            info["os"] = m.group(1) if m else "?"
    except OSError:
        pass

    def cmd(argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True,
                               timeout=10)
            return (r.stdout + r.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None
    info["nginx"] = cmd([nginx_bin(), "-v"])
    info["wrk"] = cmd(["wrk", "--version"])
    info["librdkafka"] = cmd(["pkg-config", "--modversion", "rdkafka"])
    info["krest_commit"] = cmd(["git", "-C", ROOT, "describe", "--always",
                                "--dirty"])
    return info


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return want
        except (ValueError, OSError):
            want = hard
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return want


# Per round, in this order, so that each krestd figure is measured right
# after the reference it is divided by: (key, label, kind, args).
ROUND = [
    ("nginx1", "nginx 1 worker, 1 rec/req", "nginx", (1, 64, 1)),
    ("s1", "scenario 1: krestd 1 thread, 1 rec/req", "krestd", (1, 64, 1)),
    ("nginx2", "nginx 2 workers, 1 rec/req", "nginx", (2, 64, 1)),
    ("s1_2threads", "scenario 1: krestd 2 threads, 1 rec/req", "krestd",
     (2, 64, 1)),
    ("direct_unbounded", "direct producer, unbounded", "direct",
     ("unbounded",)),
    ("s2", "scenario 2: krestd 1 thread, 100 rec/req", "krestd",
     (1, 64, 100)),
    ("s2_2threads", "scenario 2: krestd 2 threads, 100 rec/req", "krestd",
     (2, 64, 100)),
    ("direct_inflight64", "direct producer, 64 in flight", "direct",
     ("inflight",)),
]

# Ratios computed round by round (numerator, denominator, their metrics).
RATIOS = {
    "s1_vs_nginx1": ("s1", "req_per_s", "nginx1", "req_per_s"),
    "s1_2threads_vs_nginx2": ("s1_2threads", "req_per_s", "nginx2",
                              "req_per_s"),
    "s2_vs_direct_unbounded": ("s2", "records_per_s", "direct_unbounded",
                               "records_per_s"),
    "s2_2threads_vs_direct_unbounded": ("s2_2threads", "records_per_s",
                                        "direct_unbounded", "records_per_s"),
    "s1_vs_direct_inflight64": ("s1", "req_per_s", "direct_inflight64",
                                "records_per_s"),
    "s1_2threads_vs_s1": ("s1_2threads", "req_per_s", "s1", "req_per_s"),
}


def median(vals):
    vals = sorted(v for v in vals if v is not None)
    if not vals:
        return None
    n = len(vals)
    return vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2


def combine(runs):
    """One figure from the rounds of one configuration: the median of each
    rate and percentile, errors summed, RSS peak the highest."""
    if not runs:
        return None
    out = dict(runs[0])
    rate = "req_per_s" if "req_per_s" in out else "records_per_s"
    out["rounds"] = [round(r[rate]) for r in runs]
    for k in ("req_per_s", "records_per_s"):
        if k in out:
            out[k] = median(r[k] for r in runs)
    if "latency_us" in out:
        out["latency_us"] = {p: median(r["latency_us"][p] for r in runs)
                             for p in out["latency_us"]}
    for k in ("p50_us", "p99_us"):
        if k in out:
            out[k] = median(r.get(k) for r in runs)
    for k in ("requests", "errors_total", "records", "errors"):
        if isinstance(out.get(k), int):
            out[k] = sum(r.get(k) or 0 for r in runs)
    if "rss_kb_peak" in out:
        out["rss_kb_peak"] = max(r["rss_kb_peak"] for r in runs)
    return out


class Bench:
    def __init__(self, args):
        self.args = args
        self.mode = args.mode
        self.cfg = MODES[self.mode]
        self.res = {"mode": self.mode, "started": time.strftime(
            "%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "command": " ".join(["bench/run.py"] + sys.argv[1:]),
            "refs": {}, "krestd": {}, "notes": [], "load": []}
        self.failed = []
        self.servers = {}

    def ensure_broker(self):
        """Restarts the mock broker if something killed it (noted)."""
        if self.broker.p.poll() is None:
            return
        note = "mock broker exited with %s; restarted" % (
            self.broker.p.returncode)
        say(note)
        self.res["notes"].append(note)
        self.broker.stop()
        self.broker = Broker(self.mock, self.args.partitions, self.work)
        self.res["broker"]["bootstrap"] = self.broker.bootstrap

    def step(self, name, fn, *a, **kw):
        """Runs one measurement; a failure is recorded, not fatal."""
        if getattr(self, "broker", None) is not None:
            self.ensure_broker()
        load = os.getloadavg()[0]
        self.res["load"].append([name, round(load, 2)])
        say("%s (load %.1f)" % (name, load))
        try:
            return fn(*a, **kw)
        except BenchError as e:
            say("FAILED: %s: %s" % (name, e))
            self.failed.append("%s: %s" % (name, e))
            return None

    def run(self):
        self.res["machine"] = machine_info()
        self.res["nofile"] = raise_nofile()
        self.work = tempfile.mkdtemp(prefix="krest-bench-")
        os.makedirs(RESULTS, exist_ok=True)
        try:
            self.run_all()
        finally:
            KIDS.stop_all()
            if self.args.keep:
                say("kept %s" % self.work)
            else:
                shutil.rmtree(self.work, ignore_errors=True)

    def run_all(self):
        a = self.args
        self.mock = mock = build_tool("mockbroker", "test/mockbroker.c",
                                      self.work)
        self.dp = build_tool("direct_producer", "bench/direct_producer.c",
                             self.work)
        self.broker = Broker(mock, a.partitions, self.work)
        self.res["broker"] = {"bootstrap": self.broker.bootstrap,
                              "brokers": 1, "partitions": a.partitions,
                              "topic": TOPIC}
        self.nginx_method = nginx_body_method()
        self.res["refs"]["nginx_body_read"] = (
            "echo_read_request_body (ngx_http_echo)"
            if self.nginx_method == "echo" else
            "mirror_request_body + error_page")
        exe = a.krestd or os.path.join(ROOT, "bin", "krestd")
        self.exe = exe if os.path.exists(exe) else None
        k = self.res["krestd"]
        self.threads = (None,)
        if self.exe is None:
            self.res["notes"].append("krestd not built (%s)" % exe)
            self.failed.append("krestd missing")
            say("krestd missing: %s; references only" % exe)
        else:
            ok = krestd_accepts(self.exe, self.work, self.broker.bootstrap,
                                "http.threads=2")
            k["http_threads_supported"] = bool(ok)
            self.threads = (1, 2) if ok else (None,)
            k["extra_properties"] = list(a.krest_prop)
            if self.want("start"):
                k["start"] = self.step("scenario 5: start to ready",
                                       self.start_trials)
            if self.want("memory"):
                k["memory"] = self.step(
                    "scenario 4: RSS idle and after %d requests"
                    % self.cfg["rss_requests"], self.memory)
        if self.want("rounds") or self.want("c1000") or self.want(
                "syscalls"):
            self.start_servers()
            if self.want("rounds"):
                self.rounds()
            if self.want("syscalls"):
                self.syscalls()
            if self.want("c1000"):
                self.many_connections()
            for srv in self.servers.values():
                if isinstance(srv, Krestd):
                    srv.stop()
                elif srv is not None:
                    KIDS.stop(srv[0])
            self.servers = {}
        if self.want("instructions"):
            self.run_instructions()
        if self.broker.p.poll() is not None:
            self.failed.append("the mock broker exited with %s"
                               % self.broker.p.returncode)

    def want(self, part):
        return not self.args.only or part in self.args.only

    def start_servers(self):
        for w in (1, 2):
            self.servers["nginx%d" % w] = self.step(
                "start nginx, %d worker(s)" % w, start_nginx, self.work, w,
                self.nginx_method)
        if self.exe is None:
            return
        for t in self.threads:
            srv = Krestd(self.exe, self.work, self.broker.bootstrap, t,
                         tuple(self.args.krest_prop),
                         name="krestd%s" % (t or ""))
            try:
                srv.start().wait_ready()
                self.servers["krestd%d" % (t or 1)] = srv
            except BenchError as e:
                srv.stop()
                self.failed.append("krestd http.threads=%s: %s" % (t, e))

    def rounds(self):
        n, rounds = self.cfg["rounds"], []
        for i in range(n):
            got = {}
            for key, label, kind, args in ROUND:
                if kind == "krestd" and args[0] == 2 and (
                        2 not in self.threads):
                    continue  # krestd has no http.threads
                r = self.step("round %d/%d: %s" % (i + 1, n, label),
                              self.measure, kind, args, i == 0 and
                              key == "s1" and self.args.profile)
                if r is not None:
                    got[key] = r
            rounds.append(got)
        for key, _, kind, _ in ROUND:
            c = combine([r[key] for r in rounds if key in r])
            if c is None:
                continue
            (self.res["krestd"] if kind == "krestd" else
             self.res["refs"])[key] = c
        ratios = self.res["ratios"] = {}
        for name, (nk, nm, dk, dm) in RATIOS.items():
            vals = [r[nk][nm] / r[dk][dm] for r in rounds
                    if nk in r and dk in r and r[dk][dm]]
            if vals:
                ratios[name] = {"median": median(vals),
                                "rounds": [round(v, 3) for v in vals]}

    def measure(self, kind, args, profile):
        d = self.cfg["dur"]
        if kind == "direct":
            return direct_producer(self.dp, self.broker.bootstrap, args[0],
                                   d)
        if kind == "nginx":
            ng = self.servers.get("nginx%d" % args[0])
            if ng is None:
                raise BenchError("nginx did not start")
            return wrk(ng[1], args[1], 2, d, records=args[2])
        srv = self.servers.get("krestd%d" % args[0])
        if srv is None:
            raise BenchError("no krestd with http.threads=%d" % args[0])
        if srv.bootstrap != self.broker.bootstrap or srv.p.poll() is not None:
            srv.stop()  # the broker was restarted, or krestd died
            t, extra, wrapper, name = srv.conf
            srv = Krestd(self.exe, self.work, self.broker.bootstrap, t,
                         extra, wrapper, name)
            self.servers["krestd%d" % args[0]] = srv
            srv.start().wait_ready()
        if profile:
            return self.profiled(srv)
        return self.krestd_wrk(srv, args[1], args[2])

    def syscalls(self):
        n = self.cfg["syscall_requests"]
        out = self.res["syscalls"] = {}
        ng = self.servers.get("nginx1")
        if ng is not None:
            out["nginx1"] = self.step("system calls: nginx 1 worker",
                                      syscalls_per_request, ng[0].pid,
                                      ng[1], n, self.work)
        srv = self.servers.get("krestd1")
        if srv is not None:
            out["krestd"] = self.step("system calls: krestd",
                                      syscalls_per_request, srv.p.pid,
                                      srv.port, n, self.work)

    def many_connections(self):
        d = self.cfg["c1000_dur"]
        ng = self.servers.get("nginx1")
        if ng is not None:
            self.res["refs"]["nginx1_c1000"] = self.step(
                "nginx 1 worker, 1000 connections", wrk, ng[1], 1000, 2, d)
        srv = self.servers.get("krestd1")
        if srv is not None:
            self.res["krestd"]["s3"] = self.step(
                "scenario 3: krestd 1000 connections", self.krestd_wrk, srv,
                1000, 1, d)
            self.res["krestd"]["log_tail"] = srv.log_text().splitlines()[-5:]

    def profiled(self, srv):
        prof = {}
        d = self.cfg["dur"]

        def during(p):
            time.sleep(d * 0.2)
            prof["ps"], prof["data"] = perf_profile(srv.p.pid, d * 0.6)
        r = self.krestd_wrk(srv, 64, 1, during=during)
        if "ps" in prof:
            prof["ps"].wait(timeout=60)
            KIDS.stop(prof["ps"])
            self.res["profile_s1"] = perf_report(prof["data"])
        return r

    def krestd_wrk(self, srv, conns, records, dur=None, during=None):
        with RssSampler(srv.p.pid) as s:
            r = wrk(srv.port, conns, 2, dur or self.cfg["dur"],
                    records=records, during=during)
        r["rss_kb_peak"] = s.peak
        r["rss_kb_after"] = rss_kb(srv.p.pid)
        if srv.p.poll() is not None:
            raise BenchError("krestd died: %s" % srv.log_text()[-1000:])
        return r

    def start_trials(self):
        trials = []
        for i in range(self.cfg["start_trials"]):
            srv = Krestd(self.exe, self.work, self.broker.bootstrap,
                         self.threads[0], tuple(self.args.krest_prop),
                         name="start%d" % i)
            try:
                srv.start()
                trials.append(srv.wait_ready())
            finally:
                srv.stop()
        res = {"trials": trials}
        for key in ("http", "ready_line", "first_produce"):
            v = median(t[key] for t in trials)
            res[key + "_ms"] = round(v * 1000, 1) if v is not None else None
        res["self_reported_ms"] = median(t["self_reported_ms"]
                                         for t in trials)
        res["ready_log_line"] = trials[0]["ready_log_line"] if trials else None
        # Ready = listening, and a produce answered (metadata known);
        # also no earlier than the daemon's own "ready" line.
        res["ready_ms"] = round(1000 * median(
            max(v for v in (t["http"], t["first_produce"], t["ready_line"])
                if v is not None) for t in trials), 1)
        return res

    def memory(self):
        srv = Krestd(self.exe, self.work, self.broker.bootstrap,
                     self.threads[0], tuple(self.args.krest_prop), name="mem")
        try:
            srv.start()
            srv.wait_ready()
            time.sleep(1)
            idle = rss_kb(srv.p.pid)
            idle_detail = mem_rollup(srv.p.pid)
            n = self.cfg["rss_requests"]
            warm = wrk(srv.port, 64, 2, 60, max_requests=n // 20,
                       workdir=self.work)
            time.sleep(0.5)
            after_warm = rss_kb(srv.p.pid)
            r = wrk(srv.port, 64, 2, self.cfg["rss_limit"],
                    max_requests=n - warm["requests"], workdir=self.work)
            time.sleep(1)
            after = rss_kb(srv.p.pid)
            total = warm["requests"] + r["requests"]
            return {"idle_kb": idle, "idle_detail": idle_detail,
                    "after_warmup_kb": after_warm,
                    "warmup_requests": warm["requests"],
                    "after_kb": after, "requests": total,
                    "growth_kb": after - idle,
                    "growth_after_warmup_kb": after - after_warm,
                    "errors": warm["errors_total"] + r["errors_total"],
                    "req_per_s": r["req_per_s"],
                    "complete": total >= n * 0.99}
        finally:
            srv.stop()

    def run_instructions(self):
        if self.args.no_instructions:
            return
        use_perf = bool(perf_instructions_work())
        n, warm = self.cfg["instr_requests"], self.cfg["instr_warm"]
        ins = self.res.setdefault("instructions", {})

        def nginx_fn(wrapper):
            return start_nginx(self.work, 1, self.nginx_method,
                               single_process=True, wrapper=wrapper)
        ins["nginx1"] = self.step("instructions/request: nginx",
                                  instructions_per_request, "nginx",
                                  nginx_fn, self.work, n, warm, use_perf)
        if self.exe is None:
            return

        def krestd_fn(wrapper):
            srv = Krestd(self.exe, self.work, self.broker.bootstrap,
                         self.threads[0], tuple(self.args.krest_prop),
                         wrapper=wrapper, name="instr")
            srv.start().wait_ready(deadline_s=60)
            return srv.p, srv.port
        ins["krestd"] = self.step("instructions/request: krestd",
                                  instructions_per_request, "krestd",
                                  krestd_fn, self.work, n, warm, use_perf)


# ---- report ----------------------------------------------------------------


def g(d, *path):
    for p in path:
        if not isinstance(d, dict) or d.get(p) is None:
            return None
        d = d[p]
    return d


def fmt(v, unit="", nd=0):
    if v is None:
        return "-"
    if isinstance(v, float) and nd == 0:
        v = round(v)
    if isinstance(v, (int,)) and abs(v) >= 10000:
        return "{:,}".format(v).replace(",", " ") + unit
    return ("%.*f" % (nd, v) if isinstance(v, float) else str(v)) + unit


def ratio(a, b):
    return a / b if a is not None and b else None


def evaluate(res):
    """The rows of issue 6's target table: scenario, measured, target,
    met (None when not measured)."""
    k, q = res["krestd"], res.get("ratios", {})
    rows = []

    def row(name, shown, target, ok):
        rows.append({"scenario": name, "measured": shown, "target": target,
                     "met": ok})

    def rrow(name, key, target):
        v = g(q, key, "median")
        row(name, fmt(v, "", 2), ">= %.2f" % target,
            None if v is None else v >= target)

    rrow("1 rec/req: krestd(1 thr) / nginx(1 wkr) req/s", "s1_vs_nginx1",
         0.7)
    p99 = g(k, "s1", "latency_us", "p99")
    row("1 rec/req: krestd p99", fmt(p99 / 1000 if p99 else None, " ms", 2),
        "<= 5 ms", None if p99 is None else p99 <= 5000)
    if "s1_2threads_vs_nginx2" in q:
        rrow("1 rec/req: krestd(2 thr) / nginx(2 wkr) req/s",
             "s1_2threads_vs_nginx2", 0.7)
    rrow("100 rec/req: krestd rec/s / direct unbounded",
         "s2_vs_direct_unbounded", 0.5)
    e, p99, rss = (g(k, "s3", "errors_total"),
                   g(k, "s3", "latency_us", "p99"),
                   g(k, "s3", "rss_kb_peak"))
    row("1000 conns: errors", fmt(e), "0", None if e is None else e == 0)
    row("1000 conns: p99", fmt(p99 / 1000 if p99 else None, " ms", 1),
        "<= 20 ms", None if p99 is None else p99 <= 20000)
    row("1000 conns: peak RSS", fmt(rss / 1024 if rss else None, " MB", 1),
        "<= 64 MB", None if rss is None else rss <= 65536)
    idle = g(k, "memory", "idle_kb")
    row("memory: RSS idle", fmt(idle / 1024 if idle else None, " MB", 1),
        "<= 10 MB", None if idle is None else idle <= 10240)
    gr, n = g(k, "memory", "growth_kb"), g(k, "memory", "requests")
    row("memory: growth after %s requests" % fmt(n),
        fmt(gr / 1024 if gr is not None else None, " MB", 2), "<= 2 MB",
        None if gr is None else (gr <= 2048 and
                                 bool(g(k, "memory", "complete"))))
    st = g(k, "start", "ready_ms")
    row("start to ready (listening + first produce)", fmt(st, " ms", 1),
        "<= 50 ms", None if st is None else st <= 50)
    return rows


def print_report(res, out=sys.stdout):
    r, k, ins = res["refs"], res["krestd"], res.get("instructions", {})
    m = res["machine"]
    w = out.write
    w("\nkrest bench (%s) %s; %s, %s CPUs, %s GiB; %s; krest %s\n" % (
        res["mode"], res["started"], m.get("cpu"), m.get("cpus"),
        m.get("mem_gib"), m.get("os"), m.get("krest_commit")))
    w("command: %s; broker: mockbroker, 1 broker, topic %s with %d "
      "partition(s)\n" % (res["command"], TOPIC,
                          g(res, "broker", "partitions") or 0))
    w("nginx body read: %s\n" % r.get("nginx_body_read"))
    loads = [x[1] for x in res.get("load", [])]
    if loads:
        w("1-min load average before each step: %.1f-%.1f%s\n" % (
            min(loads), max(loads),
            "  (other work was running: absolute figures are noisy)"
            if max(loads) > 1.5 else ""))
    c = MODES[res["mode"]]
    w("scenarios 1, 2 and references: median of %d rounds of %d s; "
      "scenario 3: %d s\n\n" % (c["rounds"], c["dur"], c["c1000_dur"]))

    def lat(x):
        if x is None:
            return "-"
        lu = x["latency_us"]
        return "%.2f / %.2f" % (lu["p50"] / 1000, lu["p99"] / 1000)

    rows = [("what", "req/s", "records/s", "p50 / p99 ms", "errors",
             "RSS MB")]

    def add(name, x, rss=None):
        if x is None:
            rows.append((name, "-", "-", "-", "-", "-"))
            return
        rows.append((name, fmt(x.get("req_per_s")),
                     fmt(x.get("records_per_s")), lat(x),
                     fmt(x.get("errors_total")),
                     fmt(rss / 1024 if rss else None, "", 1)))
    add("nginx 1 worker, body read, 64 conns", r.get("nginx1"))
    add("nginx 2 workers, body read, 64 conns", r.get("nginx2"))
    add("nginx 1 worker, 1000 conns", r.get("nginx1_c1000"))
    for key, name in (("direct_unbounded", "direct producer, unbounded"),
                      ("direct_inflight64", "direct producer, 64 in flight")):
        d = r.get(key)
        if d is None:
            rows.append((name, "-", "-", "-", "-", "-"))
        else:
            rows.append((name, "", fmt(d["records_per_s"]),
                         "%.2f / %.2f" % (d["p50_us"] / 1000,
                                          d["p99_us"] / 1000)
                         if "p50_us" in d else "", fmt(d["errors"]), ""))
    add("krestd 1 thread, 1 rec/req, 64 conns (s1)", k.get("s1"),
        g(k, "s1", "rss_kb_peak"))
    add("krestd 1 thread, 100 rec/req, 64 conns (s2)", k.get("s2"),
        g(k, "s2", "rss_kb_peak"))
    add("krestd 1 thread, 1 rec/req, 1000 conns (s3)", k.get("s3"),
        g(k, "s3", "rss_kb_peak"))
    if k.get("http_threads_supported"):
        add("krestd 2 threads, 1 rec/req, 64 conns", k.get("s1_2threads"),
            g(k, "s1_2threads", "rss_kb_peak"))
        add("krestd 2 threads, 100 rec/req, 64 conns", k.get("s2_2threads"),
            g(k, "s2_2threads", "rss_kb_peak"))
    widths = [max(len(str(x[i])) for x in rows) for i in range(6)]
    for i, x in enumerate(rows):
        w("  " + "  ".join(str(v).ljust(widths[j]) if j == 0 else
                           str(v).rjust(widths[j])
                           for j, v in enumerate(x)) + "\n")
        if i == 0:
            w("  " + "  ".join("-" * n for n in widths) + "\n")
    mem, st = k.get("memory"), k.get("start")
    if mem:
        w("\n  krestd RSS: idle %.1f MB, after %s warm-up requests %.1f MB, "
          "after %s requests %.1f MB (%s req/s)\n" % (
              mem["idle_kb"] / 1024, fmt(mem["warmup_requests"]),
              mem["after_warmup_kb"] / 1024,
              fmt(mem["requests"]), mem["after_kb"] / 1024,
              fmt(mem["req_per_s"])))
        d = mem.get("idle_detail") or {}
        if "pss_kb" in d:
            w("  krestd idle: RSS %.1f MB = anonymous %.1f MB + shared "
              "library pages; PSS %.1f MB\n" % (
                  d.get("rss_kb", 0) / 1024, d.get("anonymous_kb", 0) / 1024,
                  d["pss_kb"] / 1024))
    if st:
        w("  krestd start (median of %d): GET / answers %s ms, 'ready' "
          "logged %s ms, first produce 200 %s ms\n" % (
              len(st["trials"]), fmt(st["http_ms"], "", 1),
              fmt(st["ready_line_ms"], "", 1),
              fmt(st["first_produce_ms"], "", 1)))
        w("  its ready line: %s\n" % (st["ready_log_line"] or "(none)"))
        if st.get("self_reported_ms") is not None:
            w("  (krestd's own figure, median: %.1f ms)\n"
              % st["self_reported_ms"])
    for key, name in (("nginx1", "nginx 1 worker"), ("krestd", "krestd")):
        x = ins.get(key)
        if x and x.get("per_request"):
            w("  instructions/request (%s, %s requests): %s: %s\n" % (
                x["tool"], fmt(x["requests"]), name,
                fmt(x["per_request"])))
    sc = res.get("syscalls") or {}
    for key, name in (("nginx1", "nginx 1 worker"), ("krestd", "krestd")):
        x = sc.get(key)
        if x:
            per = x["per_request"]
            w("  system calls/request, %s: %s (%s)\n" % (
                name, per.get("all"), ", ".join(
                    "%s %s" % kv for kv in sorted(
                        per.items(), key=lambda kv: -kv[1])
                    if kv[0] != "all" and kv[1] >= 0.05)))
    q = ratio(g(ins, "krestd", "per_request"), g(ins, "nginx1",
                                                 "per_request"))
    if q:
        w("  krestd / nginx instructions per request: %.2f\n" % q)
    names = {
        "s1_vs_nginx1": "krestd 1 thread / nginx 1 worker, req/s",
        "s1_2threads_vs_nginx2": "krestd 2 threads / nginx 2 workers, req/s",
        "s2_vs_direct_unbounded":
            "krestd 100 rec/req records/s / direct unbounded",
        "s2_2threads_vs_direct_unbounded":
            "  the same, krestd 2 threads",
        "s1_vs_direct_inflight64":
            "krestd 1 rec/req req/s / direct 64 in flight rec/s",
        "s1_2threads_vs_s1": "krestd 2 threads / 1 thread, req/s",
    }
    w("\n  ratios (each round: krestd right after its reference; median "
      "[rounds])\n")
    for key, name in names.items():
        v = res.get("ratios", {}).get(key)
        if v is not None:
            w("    %-52s %5.2f  [%s]\n" % (name, v["median"], " ".join(
                "%.2f" % x for x in v["rounds"])))
    w("\n  targets (issue 6)%s\n" % (
        "  [smoke: not judged]" if res["mode"] == "smoke" else ""))
    tw = max(len(t["scenario"]) for t in res["targets"])
    for t in res["targets"]:
        verdict = ("-" if t["met"] is None else "met" if t["met"] else
                   "MISSED")
        if res["mode"] == "smoke":
            verdict = "(smoke)"
        w("    %-*s  %12s  %-9s %s\n" % (tw, t["scenario"], t["measured"],
                                        t["target"], verdict))
    if res.get("profile_s1"):
        prof = res["profile_s1"]
        w("\n  perf profile of krestd, scenario 1 (cpu-clock, self); "
          "threads: %s\n" % ", ".join("%s %.0f%%" % kv for kv in
                                      prof["threads"].items()))
        for p in prof["top"][:10]:
            w("    %5.1f%%  %-12s %-18s %s\n" % (
                p["pct"], p["thread"][:12], p["dso"][:18], p["symbol"]))
    if res.get("failed"):
        w("\n  FAILED steps:\n")
        for f in res["failed"]:
            w("    %s\n" % f)
    w("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g1 = ap.add_mutually_exclusive_group()
    g1.add_argument("--smoke", dest="mode", action="store_const",
                    const="smoke", help="a few seconds, no thresholds")
    g1.add_argument("--quick", dest="mode", action="store_const",
                    const="quick", help="shorter runs (~2 minutes)")
    ap.set_defaults(mode="full")
    ap.add_argument("--krestd", help="krestd binary (default bin/krestd)")
    ap.add_argument("--krest-prop", action="append", default=[],
                    metavar="KEY=VALUE",
                    help="extra line for krestd's properties file")
    ap.add_argument("--partitions", type=int, default=1,
                    help="partitions of the bench topic (default 1)")
    ap.add_argument("--profile", action="store_true",
                    help="perf record krestd during scenario 1")
    ap.add_argument("--no-instructions", action="store_true",
                    help="skip the instructions/request measurement")
    ap.add_argument("--only", action="append", choices=(
        "start", "memory", "rounds", "syscalls", "c1000", "instructions"),
        help="run only this part (repeatable)")
    ap.add_argument("--no-install", action="store_true",
                    help="never apt-get install")
    ap.add_argument("--strict", action="store_true",
                    help="exit 2 when a target is missed")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (logs, configs)")
    ap.add_argument("--json", default=os.path.join(RESULTS, "latest.json"),
                    help="where to write the results")
    args = ap.parse_args()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)  # also when started with SIGINT ignored
    b = Bench(args)
    try:
        ensure_tools(args.no_install)
        b.run()
    except KeyboardInterrupt:
        KIDS.stop_all()
        say("interrupted")
        return 130
    except (BenchError, subprocess.SubprocessError, OSError) as e:
        KIDS.stop_all()
        say("error: %s" % e)
        b.failed.append(str(e))
        if "machine" not in b.res:
            return 1
    res = b.res
    res["failed"] = b.failed
    res["targets"] = evaluate(res)
    res["elapsed_s"] = round(time.monotonic() - T0, 1)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(res, f, indent=1, sort_keys=True)
    print_report(res)
    say("done in %.0f s; results in %s" % (res["elapsed_s"],
                                           os.path.relpath(args.json)))
    if b.failed:
        return 1
    if args.strict and args.mode != "smoke" and any(
            t["met"] is False for t in res["targets"]):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
