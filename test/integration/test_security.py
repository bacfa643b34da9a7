# SPDX-License-Identifier: MIT
"""Issue 7 point 4, who may post: HTTP Basic against a file of crypt(3)
hashes, the shared-secret header API Gateway adds, the client address
allowlist with trusted proxies (X-Forwarded-For spoofing), the topic
allowlist, CORS preflight and simple requests, an https:// listener (PEM
and PKCS#12, a test CA made here with openssl), and the permission check on
a properties file holding a secret. Rejections answer the contract's JSON
bodies, produce nothing (watermarks), are counted in /metrics and never put
a secret in the log (krestd runs with -v)."""

import base64
import http.client
import json
import os
import re
import secrets
import ssl
import statistics
import subprocess
import time

import harness as h
from harness import JSON_CT

TIMEOUT = 180

B = None           # one broker for the module
T = None           # a topic every daemon may produce to (4 partitions)

UNAUTHORIZED = {"error_code": 401, "message": "Unauthorized"}
FORBIDDEN_ADDR = {"error_code": 403,
                  "message": "Forbidden: client address not allowed"}


def setup_module():
    global B, T
    B = h.Broker(brokers=1).start()
    T = h.uniq("sec")
    B.create(T, 4, 1)


def teardown_module():
    if B is not None:
        B.stop()


# ---- helpers -------------------------------------------------------------

class SecKrestd(h.Krestd):
    """Krestd whose properties file is private (0600, as a file with a
    secret must be), ready on any HTTP answer (GET / may be 401 or 403
    here), optionally on an https:// listener checked against ca."""

    def __init__(self, broker, props, ca=None, **kw):
        self.ca = ca
        super().__init__(broker, props, **kw)

    def base_props(self):
        d = super().base_props()
        if self.ca is not None:
            d["listeners"] = "https://127.0.0.1:%d" % self.port
        return d

    def write_props(self, props):
        super().write_props(props)
        os.chmod(self.props_path, 0o600)

    def wait_ready(self, timeout):
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError("krestd exited with %s during start:\n%s"
                                     % (self.proc.returncode,
                                        self.log_tail()))
            try:
                self.req("GET", "/", timeout=2)
                return True
            except (OSError, http.client.HTTPException):
                return False
        h.wait_for(ready, timeout, step=0.1, what="krestd to answer")

    def conn(self, timeout=30):
        if self.ca is None:
            return http.client.HTTPConnection("127.0.0.1", self.port,
                                              timeout=timeout)
        ctx = ssl.create_default_context(cafile=self.ca)
        return http.client.HTTPSConnection("127.0.0.1", self.port,
                                           timeout=timeout, context=ctx)

    def req(self, method, path, body=None, headers=None, timeout=30):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        c = self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return h.Resp(r.status, r.reason, r.getheaders(), r.read())
        finally:
            c.close()

    def produce(self, topic, value, headers=None):
        hd = {"Content-Type": JSON_CT}
        hd.update(headers or {})
        return self.req("POST", "/topics/" + topic,
                        {"records": [{"value": value}]}, hd)


def basic(user, password):
    cred = ("%s:%s" % (user, password)).encode()
    return "Basic " + base64.b64encode(cred).decode()


def hash_password(password):
    """A SHA-512 crypt hash made now by openssl (mkpasswd may be absent)."""
    p = subprocess.run(["openssl", "passwd", "-6", "-stdin"],
                       input=password.encode(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, check=True, timeout=30)
    out = p.stdout.decode().strip()
    assert out.startswith("$6$"), out
    return out


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    return path


def expect_json(r, status, body):
    assert r.status == status, "want %d, got %r" % (status, r)
    assert r.json() == body, r
    assert list(r.json().keys()) == ["error_code", "message"], r


def watermarks(topic=None, parts=4):
    return h.high_watermarks(B.bootstrap, topic or T, parts)


def http_count(k, code, headers=None):
    """Sum of krest_http_requests_total{...,code="<code>"}."""
    r = k.req("GET", "/metrics", headers=headers)
    assert r.status == 200, r
    total = 0
    for m in re.finditer(r'^krest_http_requests_total\{[^}]*code="%d"[^}]*\}'
                         r' (\d+)$' % code, r.body.decode(), re.M):
        total += int(m.group(1))
    return total


def assert_not_in_log(k, needles):
    text = k.log_text()
    for n in needles:
        assert n not in text, "krestd log holds a secret (%r...):\n%s" % (
            n[:4], k.log_tail(20))


def make_ca(d):
    """A test CA and a server certificate for 127.0.0.1 (subjectAltName
    IP), made by openssl req now. Returns (ca.pem, cert.pem, key.pem)."""
    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, timeout=60,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, cwd=d)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=krest test CA", "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", "server.key", "-out", "server.csr")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey",
        "ca.key", "-CAcreateserial", "-days", "2", "-out", "server.pem",
        "-extfile", "ext.cnf")
    os.chmod(os.path.join(d, "server.key"), 0o600)
    return tuple(os.path.join(d, n) for n in
                 ("ca.pem", "server.pem", "server.key"))


def curl(args, timeout=30):
    p = subprocess.run(["curl", "-sS", "--max-time", "20"] + args,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout)
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


# ---- HTTP Basic ----------------------------------------------------------

def test_basic_auth():
    d = h.tmpdir("basic-")
    pw_alice = "correct horse " + secrets.token_hex(8)
    pw_bob = secrets.token_hex(12)
    passwd = write_private(os.path.join(d, "passwd"),
                           "# krest users\nalice:%s\nbob:%s\n"
                           % (hash_password(pw_alice), hash_password(pw_bob)))
    props = {"authentication.method": "BASIC",
             "authentication.realm": "KrestTest",
             "authentication.password.file": passwd,
             "authentication.skip.paths": "/healthz"}
    good = {"Authorization": basic("alice", pw_alice)}
    with SecKrestd(B, props) as k:
        base401 = http_count(k, 401, good)
        before = watermarks()
        r = k.produce(T, {"who": "alice"}, good)
        assert r.status == 200, r
        off = r.json()["offsets"][0]
        rec = h.kcat_record(B.bootstrap, T, off["partition"], off["offset"])
        assert rec.value == b'{"who":"alice"}', rec
        r = k.produce(T, {"who": "bob"},
                      {"Authorization": basic("bob", pw_bob)})
        assert r.status == 200, r
        before = watermarks()

        bad = [
            ("wrong password", basic("alice", pw_alice + "x")),
            ("other's password", basic("alice", pw_bob)),
            ("unknown user", basic("mallory", pw_alice)),
            ("empty user", basic("", pw_alice)),
            ("empty password", basic("alice", "")),
            ("case of the name", basic("Alice", pw_alice)),
            ("no Basic", base64.b64encode(
                ("alice:" + pw_alice).encode()).decode()),
            ("Bearer", "Bearer " + base64.b64encode(
                ("alice:" + pw_alice).encode()).decode()),
            ("bad base64", "Basic !!!notbase64!!!"),
            ("url-safe base64", "Basic " + base64.urlsafe_b64encode(
                b"alice:\xfb\xff" + pw_alice.encode()).decode()),
            ("no colon", "Basic " + base64.b64encode(
                ("alice" + pw_alice).encode()).decode()),
            ("empty", ""),
            ("Basic only", "Basic"),
            ("huge", "Basic " + "QUFB" * 1500),
            (None, None),
        ]
        for what, value in bad:
            hd = {} if value is None else {"Authorization": value}
            r = k.produce(T, {"who": "intruder"}, hd)
            try:
                expect_json(r, 401, UNAUTHORIZED)
                assert r.header("WWW-Authenticate") == \
                    'Basic realm="KrestTest"', r.headers
            except AssertionError as e:
                raise AssertionError("%s: %s" % (what, e))
        # Other routes are closed too; the skip path is open.
        expect_json(k.req("GET", "/topics"), 401, UNAUTHORIZED)
        expect_json(k.req("GET", "/"), 401, UNAUTHORIZED)
        assert k.req("GET", "/healthz").status == 200
        assert k.req("GET", "/", headers=good).status == 200
        assert watermarks() == before, "a rejected request produced"
        # Counted in /metrics (the two GETs and every bad produce).
        got = http_count(k, 401, good) - base401
        assert got == len(bad) + 2, "401 count %d, want %d" % (
            got, len(bad) + 2)
        assert_not_in_log(k, [pw_alice, pw_bob,
                              good["Authorization"].split()[1]])
        k.check_log_clean()


def test_basic_unknown_user_timing():
    """An unknown user costs a crypt like a known one: the medians of
    wrong passwords for a real and an unknown name are close (a name
    lookup that skipped crypt would be ~100x faster than SHA-512 crypt)."""
    d = h.tmpdir("basic-t-")
    pw = secrets.token_hex(10)
    passwd = write_private(os.path.join(d, "passwd"),
                           "alice:%s\n" % hash_password(pw))
    props = {"authentication.method": "BASIC",
             "authentication.password.file": passwd}
    with SecKrestd(B, props) as k:
        known = {"Authorization": basic("alice", "wrong-" + pw)}
        unknown = {"Authorization": basic("zed", "wrong-" + pw)}
        tk, tu = timed_pairs(k, known, unknown, 60)
        h.log("Basic wrong password: known user %.3f ms, unknown %.3f ms"
              % (tk * 1e3, tu * 1e3))
        assert tu > tk / 3 and tk > tu / 3, (tk, tu)
        assert_not_in_log(k, [pw])


# ---- shared-secret header ------------------------------------------------

def test_header_secret():
    secret = secrets.token_hex(32)
    props = {"authentication.header.name": "X-Krest-Secret",
             "authentication.header.secret": secret}
    with SecKrestd(B, props) as k:
        good = {"X-Krest-Secret": secret}
        base401 = http_count(k, 401, good)
        r = k.produce(T, {"via": "api-gateway"}, good)
        assert r.status == 200, r
        # Header names are case-insensitive.
        r = k.produce(T, {"via": "lower"}, {"x-krest-secret": secret})
        assert r.status == 200, r
        before = watermarks()
        bad = [
            ("missing", None),
            ("empty", ""),
            ("same length", secret[:-1] + ("0" if secret[-1] != "0"
                                          else "1")),
            ("first byte", ("0" if secret[0] != "0" else "1") + secret[1:]),
            ("prefix", secret[:-1]),
            ("longer", secret + "0"),
            ("twice", secret + secret),
            ("upper case", secret.upper() if secret.upper() != secret
             else secret + "X"),
            ("short", "x"),
            ("in Authorization", "-"),
        ]
        for what, value in bad:
            hd = {} if value is None else {"X-Krest-Secret": value}
            if what == "in Authorization":
                hd = {"Authorization": "Bearer " + secret}
            r = k.produce(T, {"via": "intruder"}, hd)
            try:
                expect_json(r, 401, UNAUTHORIZED)
                assert r.header("WWW-Authenticate") is None, r.headers
            except AssertionError as e:
                raise AssertionError("%s: %s" % (what, e))
        assert watermarks() == before, "a rejected request produced"
        got = http_count(k, 401, good) - base401
        assert got == len(bad), "401 count %d, want %d" % (got, len(bad))
        assert_not_in_log(k, [secret, secret[:16]])


def timed_pairs(k, ha, hb, n):
    """Median seconds of n GET / each with headers ha and hb, interleaved
    on one keep-alive connection so that drift in load hits both."""
    ta, tb = [], []
    c = k.conn()
    try:
        for i in range(n):
            for hd, out in ((ha, ta), (hb, tb)) if i % 2 else \
                    ((hb, tb), (ha, ta)):
                t0 = time.perf_counter()
                c.request("GET", "/", headers=hd)
                r = c.getresponse()
                r.read()
                out.append(time.perf_counter() - t0)
                assert r.status == 401, r.status
                if r.getheader("Connection", "").lower() == "close":
                    c.close()
                    c = k.conn()
    finally:
        c.close()
    return statistics.median(ta), statistics.median(tb)


def test_header_secret_timing():
    """A wrong secret of the right length and one of a wrong length take
    statistically the same time: medians of 200 interleaved requests each
    within a factor of 2 (loose, for a loaded 2-core machine; the compare
    itself is of fixed-size digests)."""
    secret = secrets.token_hex(32)
    props = {"authentication.header.name": "X-Krest-Secret",
             "authentication.header.secret": secret}
    with SecKrestd(B, props) as k:
        right_len = {"X-Krest-Secret": "0" * len(secret)}
        near = {"X-Krest-Secret": secret[:-1] + ("0" if secret[-1] != "0"
                                                 else "1")}
        wrong_len = {"X-Krest-Secret": "0" * 7}
        ta, tb = timed_pairs(k, right_len, wrong_len, 200)
        tc, td = timed_pairs(k, near, wrong_len, 200)
        h.log("secret header: right length %.1f us, wrong length %.1f us; "
              "all but last byte %.1f us, wrong length %.1f us"
              % (ta * 1e6, tb * 1e6, tc * 1e6, td * 1e6))
        for x, y in ((ta, tb), (tc, td)):
            assert max(x, y) < 2 * min(x, y), (ta, tb, tc, td)
        assert_not_in_log(k, [secret])


# ---- address allowlist ---------------------------------------------------

def test_client_allowlist_no_proxy():
    # 127.0.0.1 is not allowed; an X-Forwarded-For from it is not believed.
    with SecKrestd(B, {"allow.client.addresses": "10.0.0.0/8, 2001:db8::/32"}
                   ) as k:
        before = watermarks()
        base403 = http_count_open(k, 403)
        for xff in (None, "10.0.0.1", "10.0.0.1, 10.0.0.2", "2001:db8::1"):
            hd = {} if xff is None else {"X-Forwarded-For": xff}
            r = k.produce(T, {"from": "outside"}, hd)
            try:
                expect_json(r, 403, FORBIDDEN_ADDR)
            except AssertionError as e:
                raise AssertionError("XFF %r: %s" % (xff, e))
        expect_json(k.req("GET", "/"), 403, FORBIDDEN_ADDR)
        assert watermarks() == before
        if base403 is not None:
            assert http_count_open(k, 403) - base403 >= 5
    # Allowed by address; a spoofed header cannot take that away either.
    with SecKrestd(B, {"allow.client.addresses": "127.0.0.1/32"}) as k:
        for xff in (None, "192.0.2.1", "garbage"):
            hd = {} if xff is None else {"X-Forwarded-For": xff}
            r = k.produce(T, {"from": "local"}, hd)
            assert r.status == 200, (xff, r)


def http_count_open(k, code):
    """/metrics count when /metrics answers this client; else None."""
    r = k.req("GET", "/metrics")
    if r.status != 200:
        return None
    return http_count(k, code)


def test_client_allowlist_trusted_proxy():
    props = {"allow.client.addresses": "203.0.113.0/24, 2001:db8::/32",
             "trusted.proxies": "127.0.0.1, 10.0.0.0/8"}
    with SecKrestd(B, props) as k:
        before = watermarks()
        cases = [
            (None, 403),                              # the proxy itself
            ("203.0.113.5", 200),
            ("2001:db8::7", 200),
            ("198.51.100.1", 403),
            # The client wrote an allowed address; the proxy appended the
            # real one, which decides.
            ("203.0.113.5, 198.51.100.1", 403),
            ("198.51.100.1, 203.0.113.5", 200),
            # Hops through further trusted proxies are skipped.
            ("203.0.113.9, 10.1.2.3, 10.0.0.4", 200),
            ("198.51.100.1, 10.1.2.3", 403),
            ("not-an-address", 403),
            ("203.0.113.5, junk", 403),
        ]
        n200 = 0
        for xff, status in cases:
            hd = {} if xff is None else {"X-Forwarded-For": xff}
            r = k.produce(T, {"xff": xff}, hd)
            try:
                if status == 403:
                    expect_json(r, 403, FORBIDDEN_ADDR)
                else:
                    assert r.status == 200, r
                    n200 += 1
            except AssertionError as e:
                raise AssertionError("XFF %r: %s" % (xff, e))
        after = watermarks()
        assert sum(after.values()) - sum(before.values()) == n200, \
            (before, after)


# ---- topic allowlist -----------------------------------------------------

def test_topic_allowlist():
    tenant = "0a1b2c3d4e5f"
    mine = tenant + ".orders"
    B.create(mine, 2, 1)
    with SecKrestd(B, {"topic.allowlist": tenant + ".*, audit"}) as k:
        r = k.produce(mine, {"ok": 1})
        assert r.status == 200, r
        before = watermarks()
        before_mine = watermarks(mine, 2)
        for topic, path in ((T, "/topics/" + T),
                            (T, "/topics/%s/partitions/1" % T),
                            (tenant, "/topics/" + tenant),
                            ("x" + mine, "/topics/x" + mine),
                            ("ffffffffffff.orders",
                             "/topics/ffffffffffff.orders")):
            r = k.req("POST", path, {"records": [{"value": 1}]},
                      {"Content-Type": JSON_CT})
            expect_json(r, 403, {"error_code": 40301, "message":
                                 "Not authorized to access topics: [%s]"
                                 % topic})
        assert watermarks() == before
        assert watermarks(mine, 2) == before_mine
        r = k.req("POST", "/topics/%s/partitions/0" % mine,
                  {"records": [{"value": 2}]}, {"Content-Type": JSON_CT})
        assert r.status == 200, r


# ---- CORS ----------------------------------------------------------------

def test_cors():
    d = h.tmpdir("cors-")
    pw = secrets.token_hex(10)
    passwd = write_private(os.path.join(d, "passwd"),
                           "web:%s\n" % hash_password(pw))
    origin = "https://app.example"
    props = {"access.control.allow.origin": origin + ",https://*.krest.test",
             "authentication.method": "BASIC",
             "authentication.password.file": passwd}
    auth = {"Authorization": basic("web", pw)}
    with SecKrestd(B, props) as k:
        # Preflight: answered before authentication, Jetty's defaults.
        r = k.req("OPTIONS", "/topics/" + T, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert r.status == 200, r
        assert r.header("Access-Control-Allow-Origin") == origin, r.headers
        assert r.header("Access-Control-Allow-Methods") == "GET,POST,HEAD"
        assert r.header("Access-Control-Allow-Headers") == \
            "X-Requested-With,Content-Type,Accept,Origin", r.headers
        assert r.header("Access-Control-Max-Age") == "1800"
        assert r.header("Access-Control-Allow-Credentials") == "true"
        assert "origin" in (r.header("Vary") or "").lower(), r.headers
        assert r.header("WWW-Authenticate") is None
        # Wildcard origin pattern.
        r = k.req("OPTIONS", "/topics/" + T, headers={
            "Origin": "https://a.krest.test",
            "Access-Control-Request-Method": "GET"})
        assert r.status == 200 and r.header(
            "Access-Control-Allow-Origin") == "https://a.krest.test", r
        # Not allowed: another origin, a method outside the list, a header
        # outside the list: no CORS headers (the browser then refuses).
        for hd in ({"Origin": "https://evil.example",
                    "Access-Control-Request-Method": "POST"},
                   {"Origin": "https://app.example.evil.example",
                    "Access-Control-Request-Method": "POST"},
                   {"Origin": origin,
                    "Access-Control-Request-Method": "DELETE"},
                   {"Origin": origin, "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "X-Custom"}):
            r = k.req("OPTIONS", "/topics/" + T, headers=hd)
            assert r.header("Access-Control-Allow-Origin") is None, (hd, r)
            assert r.header("Access-Control-Allow-Methods") is None, (hd, r)
        # The actual request still needs credentials.
        before = watermarks()
        r = k.produce(T, {"cors": 0}, {"Origin": origin})
        expect_json(r, 401, UNAUTHORIZED)
        assert watermarks() == before
        # A simple request from an allowed origin: origin echoed.
        hd = dict(auth, Origin=origin)
        r = k.produce(T, {"cors": 1}, hd)
        assert r.status == 200, r
        assert r.header("Access-Control-Allow-Origin") == origin, r.headers
        assert r.header("Access-Control-Allow-Credentials") == "true"
        assert "origin" in (r.header("Vary") or "").lower(), r.headers
        assert r.header("Access-Control-Allow-Methods") is None
        # From another origin: served (Jetty chains it) without CORS
        # headers, so a browser hides the answer.
        r = k.produce(T, {"cors": 2}, dict(auth, Origin="https://evil.example"))
        assert r.status == 200, r
        assert r.header("Access-Control-Allow-Origin") is None, r.headers
        # No Origin: no CORS headers.
        r = k.req("GET", "/", headers=auth)
        assert r.status == 200 and \
            r.header("Access-Control-Allow-Origin") is None, r
    # CORS off (the default): a preflight is not answered as one.
    with SecKrestd(B, {}) as k:
        r = k.req("OPTIONS", "/topics/" + T, headers={
            "Origin": origin, "Access-Control-Request-Method": "POST"})
        assert r.header("Access-Control-Allow-Origin") is None, r


def test_cors_configured_lists():
    props = {"access.control.allow.origin": "*",
             "access.control.allow.methods": "GET,POST,PUT,DELETE",
             "access.control.allow.headers":
                 "Content-Type,Authorization,X-Krest-Secret",
             "access.control.expose.headers": "X-Request-Id"}
    with SecKrestd(B, props) as k:
        r = k.req("OPTIONS", "/topics/" + T, headers={
            "Origin": "https://any.example",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization, content-type"})
        assert r.status == 200, r
        assert r.header("Access-Control-Allow-Origin") == \
            "https://any.example", r.headers
        assert r.header("Access-Control-Allow-Methods") == \
            "GET,POST,PUT,DELETE"
        assert r.header("Access-Control-Allow-Headers") == \
            "Content-Type,Authorization,X-Krest-Secret"
        r = k.produce(T, {"cors": 3}, {"Origin": "https://any.example"})
        assert r.status == 200, r
        assert r.header("Access-Control-Expose-Headers") == "X-Request-Id"


# ---- TLS -----------------------------------------------------------------

def test_https_listener_pem():
    d = h.tmpdir("tls-")
    ca, cert, key = make_ca(d)
    props = {"ssl.certificate.location": cert, "ssl.key.location": key}
    with SecKrestd(B, props, ca=ca) as k:
        url = "https://127.0.0.1:%d" % k.port
        rc, out, err = curl(["--cacert", ca, url + "/"])
        assert rc == 0 and out.strip() == "{}", (rc, out, err)
        rc, out, err = curl(["--cacert", ca, "-X", "POST",
                             "-H", "Content-Type: " + JSON_CT,
                             "--data", '{"records":[{"value":"tls"}]}',
                             url + "/topics/" + T])
        assert rc == 0 and '"offsets"' in out, (rc, out, err)
        # Without the CA the certificate is not trusted (curl exit 60).
        rc, out, err = curl([url + "/"])
        assert rc == 60, (rc, out, err)
        # Plain HTTP to the TLS port gets no HTTP answer.
        try:
            r = h.request(k.port, "GET", "/", timeout=5)
            assert r.status >= 400, r
        except (OSError, http.client.HTTPException):
            pass
        # Python's client with the CA too.
        assert k.req("GET", "/").status == 200


def test_https_listener_pkcs12():
    d = h.tmpdir("tls12-")
    ca, cert, key = make_ca(d)
    store_pw = secrets.token_hex(8)
    p12 = os.path.join(d, "server.p12")
    subprocess.run(["openssl", "pkcs12", "-export", "-in", cert, "-inkey",
                    key, "-out", p12, "-passout", "pass:" + store_pw],
                   check=True, timeout=60, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE)
    props = {"ssl.keystore.location": p12, "ssl.keystore.type": "PKCS12",
             "ssl.keystore.password": store_pw,
             "ssl.key.password": store_pw}
    with SecKrestd(B, props, ca=ca) as k:
        rc, out, err = curl(["--cacert", ca,
                             "https://127.0.0.1:%d/" % k.port])
        assert rc == 0 and out.strip() == "{}", (rc, out, err)
        assert_not_in_log(k, [store_pw])
    # JKS is refused at start with the conversion hint.
    k = SecKrestd(B, dict(props, **{"ssl.keystore.type": "JKS"}), ca=ca)
    rc, out = h.run_krestd([k.props_path])
    assert rc == 1, (rc, out)
    assert "JKS" in out and re.search("pkcs12|PKCS12", out), out
    assert store_pw not in out


# ---- properties file permissions -----------------------------------------

def test_properties_permissions():
    secret = secrets.token_hex(24)
    props = {"authentication.header.name": "X-Krest-Secret",
             "authentication.header.secret": secret}
    for mode in (0o644, 0o640, 0o604):
        k = SecKrestd(B, props)
        os.chmod(k.props_path, mode)
        rc, out = h.run_krestd([k.props_path])
        assert rc == 1, "mode %o: %s %s" % (mode, rc, out)
        assert k.props_path in out and "chmod 600" in out, out
        assert secret not in out, out
    # 0600 (and 0400) start.
    for mode in (0o600, 0o400):
        k = SecKrestd(B, props)
        os.chmod(k.props_path, mode)
        with k:
            r = k.produce(T, {"perm": oct(mode)},
                          {"X-Krest-Secret": secret})
            assert r.status == 200, r
    # Without a secret a world-readable file is fine.
    k = h.Krestd(B, {"topic.allowlist": "*"})
    os.chmod(k.props_path, 0o644)
    with k:
        assert h.request(k.port, "GET", "/").status == 200
