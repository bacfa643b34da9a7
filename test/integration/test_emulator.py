# SPDX-License-Identifier: MIT
"""krest-emulate against the real krestd and the mock broker (kcat checks),
plus a private MariaDB for --mysql and a small fake proxy for the retry
rules that krestd cannot be made to break on demand."""

import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness as h
from harness import Broker, Krestd, kcat_consume, log

TIMEOUT = 240
EMU = os.path.join(h.BIN, "krest-emulate")
KINDS = ("pin", "geo", "user")

BROKER = None
KRESTD = None
_ids = [0]


def setup_module():
    global BROKER, KRESTD
    BROKER = Broker(brokers=1).start()
    KRESTD = Krestd(BROKER, {}).start()


def teardown_module():
    if KRESTD is not None:
        KRESTD.stop()
    if BROKER is not None:
        BROKER.stop()


def new_id():
    """A fresh topic prefix per test, like a user id."""
    _ids[0] += 1
    return "e%d%05d" % (os.getpid() % 1000, _ids[0])


def emu(args, timeout=120, check=None):
    """Runs krest-emulate to completion. Returns (status, stdout, stderr)."""
    p = subprocess.run([EMU] + args, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    out, err = p.stdout.decode(), p.stderr.decode()
    if check is not None and p.returncode != check:
        raise AssertionError("krest-emulate %s: exit %d, want %d\n"
                             "stdout: %s\nstderr: %s" % (
                                 " ".join(args), p.returncode, check,
                                 out[-2000:], err[-2000:]))
    return p.returncode, out, err


def summary(out):
    """The --json summary: the last line of stdout."""
    return json.loads(out.strip().splitlines()[-1])


def dump(args):
    """--dump lines (bytes, without newline) grouped by kind."""
    p = subprocess.run([EMU, "--dump"] + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    lines = p.stdout.split(b"\n")[:-1]
    return {k: lines[i::3] for i, k in enumerate(KINDS)}


def landed(uid, kind):
    return [r.value for r in kcat_consume(BROKER.bootstrap,
                                          "%s.%s" % (uid, kind))]


def check_landed(uid, want):
    """Each topic holds exactly the wanted values (any order: records
    with no key spread over partitions)."""
    for k in KINDS:
        got = landed(uid, k)
        assert sorted(got) == sorted(want[k]), \
            "%s.%s: %d records landed, %d expected; first got %r want %r" % (
                uid, k, len(got), len(want[k]), got[:1], want[k][:1])


# ---- options and --dump --------------------------------------------------

def test_help_documents_every_option():
    st, out, _ = emu(["--help"], check=0)
    for opt in ("--url", "--user-id", "--header", "--insecure", "--seed",
                "--date-format", "--from-dir", "--strict", "--mysql",
                "--max-row", "--pick", "--ensure-ascii", "--dump",
                "--count", "--duration", "--pause-scale", "--batch",
                "--rate", "--concurrency", "--load", "--retries",
                "--retry-backoff", "--timeout", "--connect-timeout",
                "--keep-going", "--json", "--quiet", "--progress",
                "--no-progress", "--help"):
        assert opt in out, "--help does not mention %s" % opt


def test_usage_errors_exit_2():
    for args in ([], ["--url", "http://x"], ["--user-id", "a"],
                 ["--url", "ftp://x", "--user-id", "a"],
                 ["--url", "http://x", "--user-id", "a/b"],
                 ["--url", "http://x", "--user-id", "a", "--count", "x"],
                 ["--url", "http://x", "--user-id", "a", "--count", "0"],
                 ["--url", "http://x", "--user-id", "a", "--rate", "-1"],
                 ["--url", "http://x", "--user-id", "a", "--header", "x"],
                 ["--dump", "--date-format", "nope"],
                 ["--dump", "--from-dir", "/x", "--mysql", "mysql://a@b/c"],
                 ["--bogus"], ["--dump", "extra"]):
        st, out, err = emu(args)
        assert st == 2, "%r: exit %d (%s)" % (args, st, err)
        assert "krest-emulate" in err or "unrecognized" in err, (args, err)


def test_dump_is_deterministic():
    a = dump(["--seed", "5", "-n", "50"])
    b = dump(["--seed", "5", "-n", "50"])
    c = dump(["--seed", "6", "-n", "50"])
    assert a == b and a != c
    for k in KINDS:
        assert len(a[k]) == 50
        for line in a[k]:
            v = json.loads(line)
            if k == "pin":
                assert list(v)[0] == "index" and len(v) == 12
            else:
                assert list(v)[0] == "ind" and len(v) == 5
    # The same row index ties the three records of a round.
    for p, g, u in zip(a["pin"], a["geo"], a["user"]):
        p, g, u = json.loads(p), json.loads(g), json.loads(u)
        assert p["index"] == g["ind"] == u["ind"]
    # --ensure-ascii: pure ASCII, same values.
    e = dump(["--seed", "5", "-n", "50", "--ensure-ascii"])
    for k in KINDS:
        for raw, esc in zip(a[k], e[k]):
            assert max(esc) < 0x80
            assert json.loads(raw) == json.loads(esc)


def test_date_formats():
    for fmt, sample in (("iso", "T"), ("space", " "), ("colon", " ")):
        d = dump(["--seed", "1", "-n", "3", "--date-format", fmt])
        ts = json.loads(d["geo"][0])["timestamp"]
        assert len(ts) == 19 and ts[10] == sample, (fmt, ts)
        assert (ts[4] == ":") == (fmt == "colon"), (fmt, ts)


# ---- emulation and load mode against krestd ------------------------------

def test_emulation_count_lands_exactly():
    uid = new_id()
    st, out, err = emu(["--url", KRESTD.url, "--user-id", uid, "-n", "6",
                        "--seed", "11", "--pause-scale", "0.02"], check=0)
    assert out.count("-> 200 in") == 18, out[-1500:]
    assert "every record acknowledged" in out
    check_landed(uid, dump(["--seed", "11", "-n", "6"]))


def test_load_count_lands_exactly():
    uid = new_id()
    st, out, err = emu(["--url", KRESTD.url + "/", "--user-id", uid,
                        "-n", "400", "--seed", "12", "-c", "16", "--json",
                        "-q"], check=0)
    s = summary(out)
    assert s["ok"] and s["mode"] == "load"
    assert s["records"]["acknowledged"] == 1200, s
    assert s["topics"]["%s.pin" % uid]["acknowledged"] == 400
    check_landed(uid, dump(["--seed", "12", "-n", "400"]))


def test_load_batches_and_rate():
    uid = new_id()
    t0 = time.monotonic()
    st, out, err = emu(["--url", KRESTD.url, "--user-id", uid, "-n", "50",
                        "--seed", "13", "--batch", "7", "--rate", "40",
                        "--date-format", "iso", "--json", "-q"], check=0)
    took = time.monotonic() - t0
    s = summary(out)
    # 50 records per topic in batches of 7: 8 requests per topic.
    assert s["requests"] == 24 and s["records"]["acknowledged"] == 150, s
    assert took > 0.4, "24 requests at 40/s took only %.2fs" % took
    check_landed(uid, dump(["--seed", "13", "-n", "50",
                            "--date-format", "iso"]))


def test_ensure_ascii_bodies_store_the_same_values():
    uid = new_id()
    emu(["--url", KRESTD.url, "--user-id", uid, "-n", "30", "--seed", "14",
         "--ensure-ascii", "-c", "4", "-q"], check=0)
    # krestd decodes \uXXXX and stores raw UTF-8: the plain dump's bytes.
    check_landed(uid, dump(["--seed", "14", "-n", "30"]))


def test_from_dir_rows_and_malformed_lines():
    d = tempfile.mkdtemp(prefix="krest-emu-dir-")
    rows = {
        "pin": ['{"index": 1, "title": "Caf\\u00e9 \u2026", "n": 1.50}',
                '{"index": 2, "title": "x"}',
                '{"index": 3, "title": "y"}'],
        "geo": ['{"ind": 1, "latitude": -89.9787}',
                '{"ind": 2, oops}',
                '{"ind": 3, "latitude": 1e-05}'],
        "user": ['{"ind": 1}', '', '[1]', '{"ind": 3}'],
    }
    for k, lines in rows.items():
        with open(os.path.join(d, k + ".jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")
    st, out, err = emu(["--dump", "--from-dir", d], check=0)
    assert "geo.jsonl:2: malformed row" in err, err
    assert "user.jsonl:3: malformed row: not a JSON object" in err, err
    lines = out.splitlines()
    assert lines[0] == '{"index":1,"title":"Café …","n":1.50}', lines[0]
    assert lines[1] == '{"ind":1,"latitude":-89.9787}'
    assert len(lines) == 7  # 9 rows less the 2 malformed
    st, out, err = emu(["--dump", "--from-dir", d, "--strict"])
    assert st == 1 and "geo.jsonl:2: malformed row" in err, (st, err)
    st, out, err = emu(["--dump", "--from-dir", d + "/missing"])
    assert st == 1 and "pin.jsonl" in err and "No such file" in err, err
    uid = new_id()
    st, out, err = emu(["--url", KRESTD.url, "--user-id", uid,
                        "--from-dir", d, "--pause-scale", "0", "--json"],
                       check=0)
    s = summary(out)
    assert s["records"]["acknowledged"] == 7, s
    assert s["records"]["missing_in_source"] == 2, s
    assert sorted(landed(uid, "geo")) == [b'{"ind":1,"latitude":-89.9787}',
                                          b'{"ind":3,"latitude":1e-05}']


# ---- failures ------------------------------------------------------------

def test_krestd_down_at_start():
    port = h.free_port()
    t0 = time.monotonic()
    st, out, err = emu(["--url", "http://127.0.0.1:%d" % port,
                        "--user-id", new_id(), "-n", "5", "--json", "-q"])
    assert st == 1, (st, err)
    assert "unreachable" in err and "127.0.0.1:%d" % port in err, err
    s = summary(out)
    assert not s["ok"] and s["records"]["acknowledged"] == 0
    assert s["stopped"] and "unreachable" in s["stopped"]
    assert time.monotonic() - t0 < 10


def test_unresolvable_host():
    st, out, err = emu(["--url", "http://no-such-host.invalid:8082",
                        "--user-id", "a", "-n", "2", "-q"])
    assert st == 1 and "no-such-host.invalid" in err, err


def count_unique(values):
    assert len(values) == len(set(values)), \
        "%d values, %d distinct: a record was produced twice" % (
            len(values), len(set(values)))
    return len(values)


def test_krestd_stopped_mid_run():
    uid = new_id()
    k = Krestd(BROKER, {}).start()
    # --pick seq makes every value distinct, so duplicates would show.
    p = subprocess.Popen([EMU, "--url", k.url, "--user-id", uid, "-n",
                          "100000", "--rate", "300", "-c", "8",
                          "--pick", "seq", "--json", "-q"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2)
    k.stop()
    out, err = p.communicate(timeout=60)
    out, err = out.decode(), err.decode()
    assert p.returncode == 1, (p.returncode, err)
    s = summary(out)
    assert not s["ok"] and "unreachable" in (s["stopped"] or ""), s
    acked = s["records"]["acknowledged"]
    assert acked > 100, s
    stored = 0
    for kind in KINDS:
        t = s["topics"]["%s.%s" % (uid, kind)]
        n = count_unique(landed(uid, kind))
        # Every acknowledged record is there once; at most the records
        # whose fate was unknown (no reply) are there too.
        assert t["acknowledged"] <= n <= t["sent"], (kind, n, t)
        stored += n
    log("stopped mid-run: %d acknowledged, %d stored, %s" % (
        acked, stored, s["failed_by_cause"]))


def test_503_when_the_cluster_is_down():
    uid = new_id()
    b = Broker(brokers=1).start()
    k = Krestd(b, {"produce.timeout.ms": 3000}).start()
    try:
        st, out, err = emu(["--url", k.url, "--user-id", uid, "-n", "3",
                            "-c", "3", "--pick", "seq", "--json", "-q"],
                           check=0)
        b.cmd("all_down")
        st, out, err = emu(["--url", k.url, "--user-id", uid, "-n", "2",
                            "-c", "3", "--retries", "1", "--pick", "seq",
                            "--retry-backoff", "50", "--json", "-q"],
                           timeout=120)
        assert st == 1, (st, err)
        s = summary(out)
        assert not s["ok"] and s["records"]["failed"] > 0, s
        causes = " ".join(s["failed_by_cause"])
        assert "503" in causes or "50003" in causes or "50002" in causes, s
        b.cmd("all_up")
        for kind in KINDS:
            n = count_unique([r.value for r in kcat_consume(
                b.bootstrap, "%s.%s" % (uid, kind))])
            t = s["topics"]["%s.%s" % (uid, kind)]
            assert 3 + t["acknowledged"] <= n <= 3 + t["sent"], (n, t)
    finally:
        k.stop()
        b.stop()


class FakeProxy:
    """A stand-in proxy whose answers the test chooses: every odd request
    gets error_code 50003 on its first record, every third request a 503
    before anything is stored. Each body is refused at most once and each
    record failed at most once, so that the outcome does not depend on how
    the emulator's connections interleave. It records what it stored."""

    def __init__(self):
        self.stored = []
        self.requests = 0
        refused, failed = set(), set()
        lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                recs = json.loads(body)["records"]
                with lock:
                    fake.requests += 1
                    n = fake.requests
                    if n % 3 == 0 and body not in refused:
                        refused.add(body)
                        status, reply = 503, {"error_code": 50301,
                                              "message": "busy"}
                    else:
                        offs = []
                        for i, r in enumerate(recs):
                            key = json.dumps(r["value"])
                            if n % 2 == 1 and i == 0 and key not in failed:
                                failed.add(key)
                                offs.append({"partition": None,
                                             "offset": None,
                                             "error_code": 50003,
                                             "error": "try again"})
                                continue
                            fake.stored.append(json.dumps(r["value"]))
                            offs.append({"partition": 0,
                                         "offset": len(fake.stored),
                                         "error_code": None, "error": None})
                        status, reply = 200, {"offsets": offs}
                data = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_partial_failures_resend_only_failed_records():
    fake = FakeProxy()
    try:
        st, out, err = emu(["--url", fake.url, "--user-id", "f", "-n", "60",
                            "--batch", "4", "-c", "4", "--pick", "seq",
                            "--retries", "10", "--retry-backoff", "1",
                            "--json", "-q"], check=0)
    finally:
        fake.close()
    s = summary(out)
    assert s["ok"] and s["records"]["acknowledged"] == 180, s
    assert s["by_error_code"].get("50003", 0) > 0, s
    assert s["by_status"].get("503", 0) > 0, s
    assert s["retries"] > 0
    # Nothing acknowledged was sent again: each value stored exactly once.
    assert count_unique(fake.stored) == 180


# ---- MariaDB -------------------------------------------------------------

TABLES_SQL = """
CREATE TABLE pinterest_data (`index` INT PRIMARY KEY, unique_id VARCHAR(36),
  title TEXT, description TEXT, poster_name TEXT, follower_count VARCHAR(20),
  tag_list TEXT, is_image_or_video VARCHAR(40), image_src TEXT,
  downloaded INT, save_location TEXT, category VARCHAR(40));
CREATE TABLE geolocation_data (ind INT PRIMARY KEY, timestamp DATETIME,
  latitude FLOAT, longitude FLOAT, country TEXT);
CREATE TABLE user_data (ind INT PRIMARY KEY, first_name TEXT,
  last_name TEXT, age INT, date_joined DATETIME);
"""


def mysql_rows(n):
    """n rows per table: SQL to insert them and the JSON values the
    emulator must post for them (date format 'space')."""
    sql, want = [], {k: [] for k in KINDS}
    for i in range(n):
        pin = {"index": i, "unique_id": "0000-%d" % i,
               "title": "Mother’s Day %d" % i,
               "description": "It's a long text…",
               "poster_name": "Of Life & Lisa | Lifestyle Blog",
               "follower_count": ["124k", "2M", "User Info Error"][i % 3],
               "tag_list": "N,o, ,T,a,g,s", "is_image_or_video": "image",
               "image_src": "Image src error.", "downloaded": i % 2,
               "save_location": "Local save in /data/art",
               "category": "art"}
        lat, lon = [-89.9787, -5.34445, 12.5][i % 3], -173.293
        geo = {"ind": i, "timestamp": "2020-08-28 03:52:%02d" % (i % 60),
               "latitude": lat, "longitude": lon, "country": "Albania"}
        user = {"ind": i, "first_name": "Zoë", "last_name": "O'Brien",
                "age": 20 + i, "date_joined": "2015-10-24 11:23:51"}
        for table, row in (("pinterest_data", pin),
                           ("geolocation_data", geo), ("user_data", user)):
            cols = ",".join("`%s`" % c for c in row)
            vals = ",".join(
                str(v) if isinstance(v, (int, float))
                else "'%s'" % v.replace("'", "''") for v in row.values())
            sql.append("INSERT INTO %s (%s) VALUES (%s);" % (table, cols,
                                                              vals))
        for k, row in zip(KINDS, (pin, geo, user)):
            want[k].append(json.dumps(row, ensure_ascii=False,
                                      separators=(",", ":")).encode())
    return "\n".join(sql), want


def test_mysql_source():
    import mariadb_fixture
    if not mariadb_fixture.MariaDB.available():
        raise AssertionError("mariadb-server is not installed and cannot "
                             "be installed (not root)")
    with mariadb_fixture.MariaDB() as db:
        db.sql(TABLES_SQL)
        sql, want = mysql_rows(12)
        db.sql(sql)
        db.add_user("emu", "s3cret")
        url = db.url("emu", "s3cret")
        # Rows 0..11 in order: exactly the table contents, typed like
        # SQLAlchemy + json.dumps (ints, floats, datetimes as strings).
        uid = new_id()
        emu(["--url", KRESTD.url, "--user-id", uid, "--mysql", url,
             "--pick", "seq", "-n", "12", "--pause-scale", "0", "-q"],
            check=0)
        check_landed(uid, want)
        # The original's way: a random row in 0..max-row each round.
        uid = new_id()
        st, out, err = emu(["--url", KRESTD.url, "--user-id", uid,
                            "--mysql", url, "--max-row", "11", "-n", "5",
                            "--pause-scale", "0"], check=0)
        for i, k in enumerate(KINDS):
            got = landed(uid, k)
            assert len(got) == 5 and set(got) <= set(want[k]), got
        # Rows beyond the table are reported, not sent.
        st, out, err = emu(["--dump", "--mysql", url, "--pick", "seq",
                            "-n", "14"], check=0)
        assert "pinterest_data has no row 12" in err, err
        # Bad credentials, then the database going away mid-run.
        st, out, err = emu(["--dump", "--mysql", db.url("emu", "wrong")])
        assert st == 1 and "cannot connect" in err, err
        p = subprocess.Popen([EMU, "--url", KRESTD.url, "--user-id", uid,
                              "--mysql", url, "--max-row", "11",
                              "--pause-scale", "0.05", "-q"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(1.5)
        db.stop()
        out, err = p.communicate(timeout=60)
        assert p.returncode == 1, (p.returncode, err)
        assert "mysql:" in err.decode(), err
