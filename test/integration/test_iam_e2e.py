# SPDX-License-Identifier: MIT
"""Issue 3, end to end: librdkafka inside krestd really performs
SASL/OAUTHBEARER (MSK IAM) and SASL/SCRAM over TLS.

The mock cluster has neither TLS nor SASL, so kafka_front.Front stands in
front of it: TLS with a test CA made here with openssl, ApiVersions /
SaslHandshake / SaslAuthenticate answered by the front (the MSK IAM token's
SigV4 signature recomputed with botocore for the test credentials, expiry
checked; SCRAM per RFC 5802), then bytes spliced to the mock, Metadata
rewritten to the front's listeners. Records are read back with kcat
directly from the mock.

(a) the students' properties (clients.md 4: AWS_MSK_IAM + IAMLoginModule
    with awsRoleArn, through a local STS that checks the AssumeRole
    signature) and the OAUTHBEARER + IAMOAuthBearerLoginCallbackHandler
    form: the post lands, the front saw a valid token over TLS;
(b) a wrong secret: 401 with 40101 entries naming "Access denied",
    promptly, /readyz 503 with the reason, logged once per cause;
(c) the token is refreshed while nobody posts: credentials from a local
    container-credentials endpoint that expire 80 s after issue, so the
    token lifetime is 20 s (credential expiry - 60 s) and librdkafka asks
    for a new one at 80 %; the front closes sessions after 18 s as MSK
    does for librdkafka < 2.2, so the new token reaches it;
(d) SCRAM-SHA-512 (and -256) with the Java ScramLoginModule JAAS form;
    a wrong password gets 401/40101;
(e) no secret in any krestd log line: every krestd here runs with -v and
    client.debug=security,broker,protocol, and the last test greps all of
    their logs for the secret keys, session tokens, tokens, signatures and
    passwords.

Runs with /usr/bin/python3 and Debian's python3-botocore."""

import base64
import contextlib
import datetime
import json
import os
import re
import secrets
import string
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.credentials import Credentials

import harness as h
import kafka_front as kf
from test_aws_creds import FakeAWS, ROLE_CREDS

# (c) takes ~20 s; ASan builds are slower to start.
TIMEOUT = 90

REGION = "eu-west-1"
ROLE_ARN = "arn:aws:iam::123456789012:role/0a1b2c3d4e5f-ec2-access-role"
# Environment credentials; the session token has + / = (percent-encoded
# in the token).
ENV = Credentials("ASIAE2EENVTEST000001",
                  "e2e/Env+Secret=Key0123456789abcdefABCDEF",
                  "IQoJb3JpZ2luX2VjE2e+Session/Token+With=Slashes/==")
WRONG_SECRET = "e2e/Wrong+Secret=Key0123456789abcdefABCDE"
SCRAM_USER = "krest-scram-user"
SCRAM_PASSWORD = "Scr@m/pa55+word=E2E-0123"
SCRAM_WRONG = "Scr@m/wrong+word=E2E-9876"
CONTAINER_AUTH = "e2e-container-authorization-0123456789"

STUDENT_HEAD = """\
#id=kafka-rest-test-server
#schema.registry.url=http://localhost:8081
zookeeper.connect=z-1.e2ecluster.abc123.c12.kafka.eu-west-1.amazonaws.com:2181
"""
MSK_IAM_LINES = [
    "client.security.protocol = SASL_SSL",
    "client.sasl.mechanism = AWS_MSK_IAM",
    "client.sasl.jaas.config = software.amazon.msk.auth.iam.IAMLoginModule "
    "required%s;",
    "client.sasl.client.callback.handler.class = "
    "software.amazon.msk.auth.iam.IAMClientCallbackHandler",
]
OAUTH_LINES = [
    "client.security.protocol=SASL_SSL",
    "client.sasl.mechanism=OAUTHBEARER",
    "client.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer."
    "OAuthBearerLoginModule required;",
    "client.sasl.login.callback.handler.class="
    "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler",
    "client.sasl.client.callback.handler.class="
    "software.amazon.msk.auth.iam.IAMOAuthBearerLoginCallbackHandler",
]
DEBUG_LINE = "client.debug=security,broker,protocol"

MOCK = None        # the mock cluster (3 brokers)
PKI = None         # test CA + server certificate for 127.0.0.1
DAEMONS = []       # every krestd of this module, for (e)
FRONTS = []        # every front, for the tokens it saw
SECRETS = {}       # name -> secret string that must never be logged


def setup_module():
    global MOCK, PKI
    PKI = kf.TestPKI(h.tmpdir("pki-"))
    MOCK = h.Broker(brokers=3).start()
    SECRETS.update({
        "env secret": ENV.secret_key, "env session token": ENV.token,
        "wrong secret": WRONG_SECRET,
        "role secret": ROLE_CREDS.secret_key,
        "role session token": ROLE_CREDS.token,
        "SCRAM password": SCRAM_PASSWORD,
        "wrong SCRAM password": SCRAM_WRONG,
        "container authorization": CONTAINER_AUTH})


def teardown_module():
    if MOCK is not None:
        MOCK.stop()


# ---- helpers -------------------------------------------------------------

@contextlib.contextmanager
def aws_environ(**kw):
    """os.environ without the caller's AWS settings, no profile files, IMDS
    disabled, plus kw, while krestd is started (it inherits it)."""
    saved = dict(os.environ)
    home = h.tmpdir("home-")
    try:
        for k in list(os.environ):
            if k.startswith("AWS_"):
                del os.environ[k]
        os.environ.update({
            "HOME": home, "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(home, "no-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "no-creds")})
        os.environ.update(kw)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def env_creds(creds, **kw):
    d = {"AWS_ACCESS_KEY_ID": creds.access_key,
         "AWS_SECRET_ACCESS_KEY": creds.secret_key, "AWS_REGION": REGION}
    if creds.token is not None:
        d["AWS_SESSION_TOKEN"] = creds.token
    d.update(kw)
    return d


def start_krestd(bootstrap, lines, env, head=""):
    """krestd with exactly these properties lines (plus listeners,
    bootstrap.servers, the truststore and the debug line), started in env.
    The caller stops it."""
    k = h.Krestd(None, None)
    text = head + "\n".join(
        ["listeners=http://127.0.0.1:%d" % k.port,
         "bootstrap.servers=%s" % bootstrap] + lines +
        ["client.ssl.truststore.location = %s" % PKI.ca_pem,
         "produce.timeout.ms=20000", DEBUG_LINE]) + "\n"
    k.write_props(text)
    DAEMONS.append(k)
    with aws_environ(**env):
        k.start()
    return k


def new_front(**kw):
    f = kf.Front(MOCK, PKI, **kw).start()
    FRONTS.append(f)
    return f


def readyz(k):
    r = h.request(k.port, "GET", "/readyz", timeout=5)
    return r.status, r.json()


def wait_ready(k, front, timeout=25):
    try:
        h.wait_for(lambda: readyz(k)[0] == 200, timeout, step=0.2,
                   what="/readyz 200")
    except AssertionError as e:
        raise AssertionError("%s; readyz %r\n%s\nkrestd:\n%s" % (
            e, readyz(k), front.describe(), k.log_tail(40)))


def post_lands(k, topic, n=3, front=None):
    """Posts n binary records and checks each one in Kafka with kcat."""
    recs, want = [], []
    for i in range(n):
        key = ("k%d-%s" % (i, topic)).encode()
        value = secrets.token_bytes(16) + b"\x00\xff" + topic.encode()
        recs.append({"key": h.b64(key), "value": h.b64(value)})
        want.append((key, value))
    r = h.produce(k.port, topic, recs, fmt="binary")
    assert r.status == 200, "produce: %r\n%s\nkrestd:\n%s" % (
        r, front.describe() if front else "", k.log_tail(40))
    h.check_offsets(MOCK.bootstrap, topic, r.json(), want)
    return r.json()


def log_records(k):
    """(priority, message) of every krestd log line."""
    out = []
    for line in k.log_text().splitlines():
        m = re.match(r"<(\d)>\S+ \S+ \w+: (.*)$", line)
        if m:
            out.append((int(m.group(1)), m.group(2)))
        elif out:
            out.append((out[-1][0], line))       # continuation
    return out


def warnings_naming(k, text):
    """Log lines at warning level or above that contain text."""
    return [m for p, m in log_records(k) if p <= 4 and text in m]


def assert_front_saw_valid_iam(front, akid):
    oks = front.ok_auths("OAUTHBEARER")
    assert oks, "the front saw no valid token\n" + front.describe()
    for a in oks:
        assert a["principal"] == akid, a
        assert a["tls"] in ("TLSv1.2", "TLSv1.3"), a
        assert a["matches_botocore_url"], \
            "token URL differs from botocore's presigned URL: %s" % a
        assert a["user_agent"], a
    assert not front.failed_auths(), front.describe()
    assert not front.problems, front.problems
    return oks


def rand_secret(n=40):
    s = "".join(secrets.choice(string.ascii_letters + string.digits)
                for _ in range(n - 3))
    return s[:5] + "+" + s[5:20] + "/" + s[20:] + "="


# ---- the front itself ------------------------------------------------------

def test_front_verifies_like_msk():
    """The verifier accepts botocore's token and refuses a wrong secret,
    another region, a missing or foreign session token, an unknown key, an
    expired or future token, and a tampered signature."""
    akid, secret, tok = ENV.access_key, ENV.secret_key, ENV.token
    now = int(time.time())
    amz = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    url, _, _, sig = kf.botocore_presign(REGION, akid, secret, tok, amz, 900)
    url += "&" + urllib.parse.urlencode({"User-Agent": "krest/0.1"})
    token = base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
    keys = {akid: (secret, tok)}
    info = kf.verify_msk_token(token, REGION, keys, now=now)
    assert info["akid"] == akid and info["signature"] == sig

    def refused(why, tkn=token, region=REGION, k=None, at=now):
        try:
            kf.verify_msk_token(tkn, region, k or keys, now=at)
        except kf.AuthFailure as e:
            assert e.message in (kf.MSK_ACCESS_DENIED, kf.MSK_BAD_PAYLOAD)
            return e.reason
        raise AssertionError("accepted: " + why)

    assert "signature" in refused("wrong secret",
                                  k={akid: (WRONG_SECRET, tok)})
    refused("other region", region="us-east-1")
    refused("no session token", k={akid: (secret, None)})
    refused("unknown key", k={"AKIAOTHER00000000000": (secret, None)})
    assert "expired" in refused("expired", at=now + 901)
    assert "future" in refused("future", at=now - 400)
    bad = url.replace("X-Amz-Signature=" + sig,
                      "X-Amz-Signature=" + sig[:-1] +
                      ("0" if sig[-1] != "0" else "1"))
    refused("tampered", tkn=base64.urlsafe_b64encode(
        bad.encode()).decode().rstrip("="))
    refused("padded", tkn=token + "==")
    first = ("n,,\x01auth=Bearer %s\x01\x01" % token).encode()
    assert kf.parse_oauthbearer(first) == (token, {})


# ---- (a) the post lands ---------------------------------------------------

def test_students_msk_iam_properties_with_role():
    """clients.md 4 verbatim (AWS_MSK_IAM, IAMLoginModule with awsRoleArn,
    the spaced ' = ', zookeeper.connect) plus a PEM truststore: krestd
    assumes the role through STS with the environment's credentials, signs
    the token with the role's, and the post lands."""
    with FakeAWS() as sts:
        sts.sts_region = REGION
        sts.sts_known[ENV.access_key] = ENV
        front = new_front(region=REGION, iam_keys={
            ROLE_CREDS.access_key: (ROLE_CREDS.secret_key,
                                    ROLE_CREDS.token)})
        lines = list(MSK_IAM_LINES)
        lines[2] = lines[2] % (' awsRoleArn="%s"' % ROLE_ARN)
        try:
            k = start_krestd(front.bootstrap, lines,
                             env_creds(ENV, AWS_ENDPOINT_URL_STS=sts.url),
                             head=STUDENT_HEAD)
            try:
                wait_ready(k, front)
                topic = h.uniq("iam-role")
                MOCK.create(topic, 4, 3)
                post_lands(k, topic, front=front)
                assert_front_saw_valid_iam(front, ROLE_CREDS.access_key)
                assert not sts.sts_errors, sts.sts_errors
                bodies = [urllib.parse.parse_qs(r[3]) for r in sts.requests
                          if r[0] == "POST"]
                assumes = [b for b in bodies
                           if b.get("Action") == ["AssumeRole"]]
                assert assumes, sts.requests
                assert all(b["RoleArn"] == [ROLE_ARN] for b in assumes), \
                    assumes
                assert re.search(r"signing tokens for region " + REGION,
                                 k.log_text())
            finally:
                k.stop()
        finally:
            front.stop()


def test_oauthbearer_callback_handler_form():
    """sasl.mechanism=OAUTHBEARER with OAuthBearerLoginModule and
    IAMOAuthBearerLoginCallbackHandler, credentials from the environment
    (session token with + / =): the post lands and the front saw a valid
    token, over TLS, for the environment's key."""
    front = new_front(region=REGION,
                      iam_keys={ENV.access_key: (ENV.secret_key, ENV.token)})
    try:
        k = start_krestd(front.bootstrap, OAUTH_LINES, env_creds(ENV))
        try:
            wait_ready(k, front)
            topic = h.uniq("iam-oauth")
            MOCK.create(topic, 4, 3)
            post_lands(k, topic, front=front)
            oks = assert_front_saw_valid_iam(front, ENV.access_key)
            assert all(a["session_token"] == ENV.token for a in oks)
            h.log("authenticated connections on listeners %s" % sorted(
                {a["listener"] for a in oks}))
        finally:
            k.stop()
    finally:
        front.stop()


# ---- (b) a wrong secret ---------------------------------------------------

def test_wrong_secret_401_with_cause():
    front = new_front(region=REGION,
                      iam_keys={ENV.access_key: (ENV.secret_key, ENV.token)})
    wrong = Credentials(ENV.access_key, WRONG_SECRET, ENV.token)
    try:
        k = start_krestd(front.bootstrap, [
            line % "" if "%s" in line else line for line in MSK_IAM_LINES],
            env_creds(wrong))
        try:
            def refused():
                st, j = readyz(k)
                return st == 503 and "Access denied" in j.get("reason", "")
            try:
                h.wait_for(refused, 20, step=0.2,
                           what="/readyz 503 naming Access denied")
            except AssertionError as e:
                raise AssertionError("%s: %r\n%s\n%s" % (
                    e, readyz(k), front.describe(), k.log_tail(40)))
            st, j = readyz(k)
            h.log("readyz: %d %s" % (st, j))
            assert re.search(r"authentication", j["reason"], re.I), j
            assert front.failed_auths() and not front.ok_auths()
            assert all("signature mismatch" in a["reason"]
                       for a in front.failed_auths()), front.describe()
            time.sleep(1.5)   # let the first failure's log lines settle
            before = warnings_naming(k, "Access denied")
            topic = h.uniq("iam-denied")
            n_posts = 10        # in a burst: reconnect attempts are rarer
            for i in range(n_posts):
                recs = [{"value": h.b64(b"v%d" % j)} for j in range(i % 3 + 1)]
                t0 = time.monotonic()
                r = h.produce(k.port, topic, recs, fmt="binary", timeout=30)
                took = time.monotonic() - t0
                assert r.status == 401, (r, k.log_tail(30))
                assert took < 3.0, "401 after %.1f s (produce.timeout.ms " \
                    "is 20 s)" % took
                body = r.json()
                offs = body["offsets"]
                assert len(offs) == len(recs), body
                for e in offs:
                    assert e["error_code"] == 40101, body
                    assert e["partition"] is None and e["offset"] is None, \
                        body
                    assert "Access denied" in (e["error"] or ""), body
                    assert e["error"].startswith(
                        "Kafka authentication failed"), body
                if i == 0:
                    h.log("401 body: %s" % r.body.decode())
            assert k.alive()
            # Nothing was produced.
            assert all(hi == 0 for hi in h.high_watermarks(
                MOCK.bootstrap, topic).values())
            after = warnings_naming(k, "Access denied")
            h.log("warning+ lines naming the cause: %d before the posts, "
                  "%d after %d posts" % (len(before), len(after), n_posts))
            assert len(after) - len(before) < n_posts, \
                "the auth failure is logged per request:\n" + \
                "\n".join(after[len(before):])
            assert len(after) == 1, \
                "the auth failure is not logged once per cause: %d " \
                "warning/error lines name it (%d before the %d posts, " \
                "%d during them):\n%s" % (
                    len(after), len(before), n_posts,
                    len(after) - len(before), "\n".join(after))
        finally:
            k.stop()
    finally:
        front.stop()


# ---- (c) refresh while idle ------------------------------------------------

class ContainerCreds:
    """AWS_CONTAINER_CREDENTIALS_FULL_URI server: each GET /creds with the
    right Authorization issues new credentials (new key, secret, token)
    that expire `lifetime` s later, registered with the front first."""

    def __init__(self, front, lifetime):
        self.front = front
        self.lifetime = lifetime
        self.port = h.free_port()
        self.fetches = []          # (time, access key id)
        self.expirations = []      # epoch seconds, per fetch
        self.refused = []
        self.lock = threading.Lock()
        srv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                if self.path != "/creds" or \
                        self.headers.get("Authorization") != CONTAINER_AUTH:
                    with srv.lock:
                        srv.refused.append((self.path, dict(self.headers)))
                    return self.reply(401, b'{"message":"unauthorized"}')
                self.reply(200, srv.issue())

            def reply(self, status, data):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.1},
                                       daemon=True)

    def issue(self):
        with self.lock:
            n = len(self.fetches) + 1
            akid = "ASIACTRE2E%010d" % n
            self.fetches.append((time.time(), akid))
        secret, token = rand_secret(), "CTR" + rand_secret(120)
        SECRETS["container secret %d" % n] = secret
        SECRETS["container token %d" % n] = token
        self.front.add_iam_key(akid, secret, token)
        exp_s = int(time.time()) + self.lifetime
        with self.lock:
            self.expirations.append(exp_s)
        exp = datetime.datetime.fromtimestamp(exp_s, datetime.timezone.utc)
        return json.dumps({
            "AccessKeyId": akid, "SecretAccessKey": secret, "Token": token,
            "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}).encode()

    @property
    def url(self):
        return "http://127.0.0.1:%d/creds" % self.port

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


def test_token_refresh_while_idle():
    """No HTTP request after start: a second credential fetch and a second
    token (new X-Amz-Date, the new key) still reach the front."""
    lifetime = 80          # token lifetime = 80 - 60 = 20 s, refresh at 16
    front = new_front(region=REGION, session_seconds=18)
    with ContainerCreds(front, lifetime) as cc:
        try:
            k = start_krestd(front.bootstrap, OAUTH_LINES, {
                "AWS_REGION": REGION,
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": cc.url,
                "AWS_CONTAINER_AUTHORIZATION_TOKEN": CONTAINER_AUTH})
            t_start = time.time()
            try:
                h.wait_for(lambda: front.ok_auths(), 20, step=0.2,
                           what="a first valid token at the front")
                first = front.ok_auths()[0]
                assert first["principal"] == "ASIACTRE2E0000000001", \
                    front.describe()

                def second():
                    return len(cc.fetches) >= 2 and [
                        a for a in front.ok_auths()
                        if a["amz_date"] != first["amz_date"]
                        and a["principal"] != first["principal"]]
                try:
                    h.wait_for(second, 45, step=0.5,
                               what="a second fetch and a second token")
                except AssertionError as e:
                    raise AssertionError("%s (%.0f s after start): fetches "
                                         "%r\n%s\nkrestd:\n%s" % (
                                             e, time.time() - t_start,
                                             cc.fetches, front.describe(),
                                             k.log_tail(40)))
                took = time.time() - t_start
                gap = cc.fetches[1][0] - cc.fetches[0][0]
                h.log("second credential fetch %.1f s after the first, "
                      "second token at the front %.1f s after start; %d "
                      "sessions closed by the front" % (
                          gap, took, front.session_closes))
                assert 8 <= gap <= 30, \
                    "second fetch %.1f s after the first; expected near " \
                    "80%% of a 20 s lifetime" % gap
                assert not cc.refused, cc.refused
                # librdkafka got lifetime = credential expiry - 60 s (the
                # token itself would live 900 s), so it refreshed at 80 %.
                lifetimes = [int(x) for x in re.findall(
                    r"MSK IAM: new token, valid until (\d+) ms",
                    k.log_text())]
                assert lifetimes[:2] == [
                    (e - 60) * 1000 for e in cc.expirations[:2]], \
                    (lifetimes, cc.expirations)
                assert front.session_closes >= 1
                assert not front.failed_auths(), front.describe()
                assert not front.problems, front.problems
                # No HTTP request reached krestd in the meantime (the
                # harness's readiness GET / came before t_start); now one
                # post through the re-authenticated connections.
                topic = h.uniq("iam-refresh")
                MOCK.create(topic, 4, 3)
                post_lands(k, topic, front=front)
            finally:
                k.stop()
        finally:
            front.stop()


# ---- (d) SCRAM ------------------------------------------------------------

def scram_lines(mechanism, password):
    return ["client.security.protocol=SASL_SSL",
            "client.sasl.mechanism=%s" % mechanism,
            "client.sasl.jaas.config=org.apache.kafka.common.security.scram."
            "ScramLoginModule required username=\"%s\" password=\"%s\";"
            % (SCRAM_USER, password)]


def test_scram_sha512_lands():
    front = new_front(mechanisms=["SCRAM-SHA-512", "SCRAM-SHA-256"],
                      scram_users={SCRAM_USER: SCRAM_PASSWORD})
    try:
        for mech in ("SCRAM-SHA-512", "SCRAM-SHA-256"):
            k = start_krestd(front.bootstrap,
                             scram_lines(mech, SCRAM_PASSWORD), {})
            try:
                wait_ready(k, front)
                topic = h.uniq("scram")
                MOCK.create(topic, 4, 3)
                post_lands(k, topic, front=front)
                oks = front.ok_auths(mech)
                assert oks and all(a["principal"] == SCRAM_USER and
                                   a["tls"] in ("TLSv1.2", "TLSv1.3")
                                   for a in oks), front.describe()
            finally:
                k.stop()
        assert not front.failed_auths(), front.describe()
        assert not front.problems, front.problems
    finally:
        front.stop()


def test_scram_wrong_password_401():
    front = new_front(mechanisms=["SCRAM-SHA-512"],
                      scram_users={SCRAM_USER: SCRAM_PASSWORD})
    try:
        k = start_krestd(front.bootstrap,
                         scram_lines("SCRAM-SHA-512", SCRAM_WRONG), {})
        try:
            h.wait_for(lambda: readyz(k)[0] == 503 and "invalid credentials"
                       in readyz(k)[1].get("reason", ""), 20, step=0.2,
                       what="/readyz 503 naming the SCRAM failure")
            t0 = time.monotonic()
            r = h.produce(k.port, h.uniq("scram-denied"),
                          [{"value": h.b64(b"x")}], fmt="binary")
            assert time.monotonic() - t0 < 3.0
            assert r.status == 401, (r, k.log_tail(30))
            e = r.json()["offsets"][0]
            assert e["error_code"] == 40101, r.json()
            assert "invalid credentials" in e["error"], r.json()
            assert not front.ok_auths()
            assert all(a["reason"] == "wrong password for %r" % SCRAM_USER
                       for a in front.failed_auths()), front.describe()
            # Same rule as for MSK IAM (issue 3 point 7), here with a
            # broker text that is identical at every attempt.
            time.sleep(2)
            lines = warnings_naming(k, "invalid credentials")
            assert len(lines) == 1, \
                "the SCRAM failure is not logged once per cause: %d " \
                "warning/error lines name it over %d refused attempts:" \
                "\n%s" % (len(lines), len(front.failed_auths()),
                          "\n".join(lines))
        finally:
            k.stop()
    finally:
        front.stop()


# ---- (e) no secret in any log line ------------------------------------------

def _forms(s):
    """The ways a secret could be written: as is, percent-encoded (as in
    the presigned URL), JSON-escaped."""
    return {s, urllib.parse.quote(s, safe=""), urllib.parse.quote(s),
            json.dumps(s)[1:-1]}


def test_no_secret_in_any_log():
    """Every krestd of this module ran with -v and client.debug=security,
    broker,protocol; none of their log lines holds a secret key, a session
    token, an OAUTHBEARER token, a SigV4 signature or a SCRAM password."""
    assert len(DAEMONS) >= 6, "the other tests did not run"
    needles = {}
    for name, s in SECRETS.items():
        for f in _forms(s):
            needles[f] = name
    for front in FRONTS:
        for a in front.auth_list():
            if a.get("token"):
                needles[a["token"]] = "OAUTHBEARER token"
                needles[a["token"][-40:]] = "OAUTHBEARER token tail"
            if a.get("signature"):
                needles[a["signature"]] = "SigV4 signature"
    assert any(v == "SigV4 signature" for v in needles.values())
    debug_seen = 0
    leaks = []
    for k in DAEMONS:
        text = k.log_text()
        debug_seen += len(re.findall(r" debug: kafka ", text))
        for needle, name in needles.items():
            if needle and needle in text:
                line = next(ln for ln in text.splitlines() if needle in ln)
                leaks.append("%s in %s: %s" % (name, k.log_path,
                                                line[:300]))
    assert debug_seen > 100, \
        "librdkafka debug lines missing (%d): is -v/client.debug on?" % \
        debug_seen
    assert not leaks, "\n".join(leaks)
