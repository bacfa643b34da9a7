# SPDX-License-Identifier: MIT
"""Issue 3: the AWS credential chain of krest-iam-token (daemon/aws_creds.c)
against a local server on 127.0.0.1 that speaks the real protocols:

- IMDSv2: PUT /latest/api/token needs the TTL header (and no Expect or
  X-Forwarded-For); the GETs need a live session token, else 401;
- the container endpoint checks the Authorization header;
- STS AssumeRole checks the request's SigV4 signature with botocore's own
  SigV4Auth and answers with the XML of test/vectors/sts_vectors.json;
  AssumeRoleWithWebIdentity checks that the request is unsigned and carries
  the token file's content.

Also: the order of the sources, the region order, failures (timeouts, 401,
404, malformed answers, AccessDenied) each with a clear message and a
non-zero exit, retries of 5xx, and no secret in any output."""

import datetime
import json
import os
import re
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import harness as h
from test_iam_botocore import b64url_decode, run_tool

TIMEOUT = 60
VECTORS = os.path.join(h.ROOT, "test", "vectors")

# Source credentials the tests hand out. Session tokens carry + / =.
ENV_CREDS = Credentials("ASIAENVTEST000000001", "env/secret+key=0123456789",
                        "env+session/token==")
DEV_CREDS = Credentials("AKIAPROFILEDEV000001", "dev/profile+secret=abcdef",
                        None)
IMDS_CREDS = Credentials("ASIAIMDSTEST00000001", "imds/secret+key=98765",
                         "imds+token/from=instance")
CONTAINER_CREDS = Credentials("ASIACONTAINER0000001", "ctr/secret+key=5555",
                              "container+token/==")
PROCESS_CREDS = Credentials("ASIAPROCESS000000001", "proc/secret+key=77",
                            "process+token/=")
SECRETS = [c.secret_key for c in (ENV_CREDS, DEV_CREDS, IMDS_CREDS,
                                  CONTAINER_CREDS, PROCESS_CREDS)] + \
    [c.token for c in (ENV_CREDS, IMDS_CREDS, CONTAINER_CREDS,
                       PROCESS_CREDS)]

with open(os.path.join(VECTORS, "sts_vectors.json")) as _f:
    _STS = json.load(_f)
RESP_OK = [r for r in _STS["response_examples"] if r["http_status"] == 200][0]
RESP_DENIED = [r for r in _STS["response_examples"]
               if r["http_status"] == 403][0]
ROLE_AKID = RESP_OK["expected"]["AccessKeyId"]
ROLE_CREDS = Credentials(ROLE_AKID, RESP_OK["expected"]["SecretAccessKey"],
                         RESP_OK["expected"]["SessionToken"])
SECRETS += [RESP_OK["expected"]["SecretAccessKey"],
            RESP_OK["expected"]["SessionToken"]]
WEB_TOKEN = _STS["web_identity_requests"][0]["params"]["WebIdentityToken"]


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")


def creds_json(c, expires_in=6 * 3600, token_key="Token"):
    d = {"Code": "Success", "LastUpdated": iso(time.time()),
         "Type": "AWS-HMAC", "AccessKeyId": c.access_key,
         "SecretAccessKey": c.secret_key, "Expiration":
         iso(time.time() + expires_in)}
    if c.token is not None:
        d[token_key] = c.token
    return json.dumps(d)


class FakeAWS:
    """IMDSv2, a container endpoint and STS on one local port. Everything
    it received is in .requests as (method, path, headers, body)."""

    def __init__(self):
        self.port = h.free_port()
        self.requests = []
        self.imds_tokens = {}          # token -> expiry (monotonic)
        self.imds_mode = "ok"          # ok, 401-first, 401, 404, hang,
        #                               malformed, token-403
        self.imds_expires_in = 6 * 3600
        self.imds_served = 0           # credential documents served
        self.imds_rotate = False       # a new access key id each time
        self.imds_fail_after = None    # 500 after this many documents
        self.container_auth = "ctr-auth-token"
        self.container_mode = "ok"
        self.sts_region = "eu-west-1"
        self.sts_mode = "ok"           # ok, denied, 500-twice, garbage
        self.sts_known = {c.access_key: c for c in (
            ENV_CREDS, DEV_CREDS, IMDS_CREDS, CONTAINER_CREDS,
            PROCESS_CREDS, ROLE_CREDS)}
        self.sts_errors = []           # why a request was refused
        self.lock = threading.Lock()
        self.counter = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, body, ctype="text/plain", hdrs=()):
                data = body.encode() if isinstance(body, str) else body
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in hdrs:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n).decode() if n else ""

            def record(self, body):
                with fake.lock:
                    fake.requests.append((self.command, self.path,
                                          dict(self.headers), body))

            def do_PUT(self):
                body = self.body()
                self.record(body)
                fake.imds_put(self, body)

            def do_GET(self):
                self.record("")
                if self.path.startswith("/latest/"):
                    fake.imds_get(self)
                elif self.path.startswith("/ecs/"):
                    fake.container_get(self)
                else:
                    self.reply(404, "not found")

            def do_POST(self):
                body = self.body()
                self.record(body)
                fake.sts_post(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.1},
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def count(self, method, prefix):
        return sum(1 for r in self.requests
                   if r[0] == method and r[1].startswith(prefix))

    # ---- IMDSv2 ----------------------------------------------------------

    def imds_put(self, hd, body):
        if hd.path != "/latest/api/token":
            return hd.reply(404, "not found")
        if self.imds_mode == "hang":
            time.sleep(3)
            try:
                hd.reply(200, "late-token")
            except (BrokenPipeError, ConnectionResetError):
                pass    # the client gave up, as it should
            return None
        if self.imds_mode == "token-403":
            return hd.reply(403, "Forbidden")
        ttl = hd.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        if hd.headers.get("Expect"):
            return hd.reply(417, "Expectation Failed")
        if hd.headers.get("X-Forwarded-For"):
            return hd.reply(403, "Forbidden")
        if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600 \
                or body:
            return hd.reply(400, "Bad Request")
        with self.lock:
            self.counter += 1
            tok = "AQAEAimds-session-token-%d==" % self.counter
            self.imds_tokens[tok] = time.monotonic() + int(ttl)
        hd.reply(200, tok, hdrs=[("X-aws-ec2-metadata-token-ttl-seconds",
                                  ttl)])

    def imds_get(self, hd):
        tok = hd.headers.get("X-aws-ec2-metadata-token")
        with self.lock:
            live = tok in self.imds_tokens and \
                self.imds_tokens[tok] > time.monotonic()
            if live and self.imds_mode == "401-first":
                # The first token "expires" on its first use.
                del self.imds_tokens[tok]
                self.imds_mode = "ok"
                live = False
        if not live or self.imds_mode == "401":
            return hd.reply(401, "Unauthorized")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.imds_mode == "404":
            return hd.reply(404, "Not Found")
        if hd.path == base:
            return hd.reply(200, "krest-test-role")
        if hd.path == base + "krest-test-role":
            if self.imds_mode == "malformed":
                return hd.reply(200, '{"Code": "Success", "AccessKeyId": ')
            with self.lock:
                n = self.imds_served
                self.imds_served += 1
            if self.imds_fail_after is not None and n >= self.imds_fail_after:
                return hd.reply(500, "Internal Server Error")
            creds = IMDS_CREDS
            if self.imds_rotate:
                creds = Credentials("ASIAIMDSROTATED%05d" % n,
                                    creds.secret_key, creds.token)
            return hd.reply(200, creds_json(creds, self.imds_expires_in))
        hd.reply(404, "Not Found")

    # ---- container -------------------------------------------------------

    def container_get(self, hd):
        if hd.headers.get("Authorization") != self.container_auth:
            return hd.reply(401, '{"message":"bad authorization"}',
                            "application/json")
        if self.container_mode == "malformed":
            return hd.reply(200, "<html>oops</html>", "text/html")
        hd.reply(200, creds_json(CONTAINER_CREDS), "application/json")

    # ---- STS ---------------------------------------------------------------

    def sts_verify(self, hd, body):
        auth = hd.headers.get("Authorization", "")
        m = re.match(r"AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/", auth)
        if m is None or m.group(1) not in self.sts_known:
            return "unknown credential in %r" % auth[:60]
        creds = self.sts_known[m.group(1)]
        amzdate = hd.headers.get("X-Amz-Date", "")
        when = datetime.datetime.strptime(amzdate, "%Y%m%dT%H%M%SZ")
        skew = abs((when - datetime.datetime.utcnow()).total_seconds())
        if skew > 300:
            return "X-Amz-Date %s is %d s off" % (amzdate, skew)
        if hd.headers.get("X-Amz-Security-Token") != creds.token:
            return "X-Amz-Security-Token does not match"
        req = AWSRequest(method="POST",
                         url="http://%s/" % hd.headers["Host"], data=body,
                         headers={"Content-Type":
                                  hd.headers.get("Content-Type")})
        signer = SigV4Auth(creds, "sts", self.sts_region)
        with mock.patch("botocore.auth.datetime") as dt:
            dt.datetime.utcnow.return_value = when
            signer.add_auth(req)
        if req.headers["Authorization"] != auth:
            return "signature mismatch: want %s got %s" % (
                req.headers["Authorization"], auth)
        return None

    def sts_post(self, hd, body):
        form = urllib.parse.parse_qs(body, keep_blank_values=True)
        action = form.get("Action", [""])[0]
        if hd.path != "/" or form.get("Version") != ["2011-06-15"]:
            return hd.reply(400, "bad request")
        if action == "AssumeRoleWithWebIdentity":
            if "Authorization" in hd.headers or \
                    form.get("WebIdentityToken") != [WEB_TOKEN]:
                self.sts_errors.append("web identity request malformed")
                return hd.reply(400, RESP_DENIED["xml"], "text/xml")
            xml = RESP_OK["xml"].replace("AssumeRoleResponse",
                                         "AssumeRoleWithWebIdentityResponse")
            xml = xml.replace("AssumeRoleResult",
                              "AssumeRoleWithWebIdentityResult")
            return hd.reply(200, self.fresh(xml), "text/xml")
        if action not in ("AssumeRole", "GetCallerIdentity"):
            return hd.reply(400, "bad action")
        err = self.sts_verify(hd, body)
        if err is None and action == "GetCallerIdentity":
            akid = re.search(r"Credential=([A-Z0-9]+)/",
                             hd.headers["Authorization"]).group(1)
            arn = RESP_OK["expected"]["AssumedRoleUser.Arn"] \
                if akid == ROLE_AKID else \
                "arn:aws:iam::123456789012:user/%s" % akid
            return hd.reply(200, "<GetCallerIdentityResponse><GetCaller"
                            "IdentityResult><Arn>%s</Arn><UserId>X</UserId>"
                            "</GetCallerIdentityResult></GetCallerIdentity"
                            "Response>" % arn, "text/xml")
        if err is not None:
            self.sts_errors.append(err)
            return hd.reply(403, RESP_DENIED["xml"].replace(
                "AccessDenied", "SignatureDoesNotMatch"), "text/xml")
        if self.sts_mode == "denied":
            return hd.reply(403, RESP_DENIED["xml"], "text/xml")
        if self.sts_mode == "garbage":
            return hd.reply(200, "<AssumeRoleResponse><oops/>", "text/xml")
        if self.sts_mode == "500-twice" and \
                self.count("POST", "/") <= 2:
            return hd.reply(500, "<ErrorResponse><Error><Code>"
                            "InternalFailure</Code></Error></ErrorResponse>",
                            "text/xml")
        hd.reply(200, self.fresh(RESP_OK["xml"]), "text/xml")

    @staticmethod
    def fresh(xml):
        # The vector's Expiration is in the past; move it an hour ahead.
        return xml.replace(RESP_OK["expected"]["Expiration"],
                           iso(time.time() + 3600))


# ---- running the tool ------------------------------------------------------

def aws_env(tmp, **kw):
    """A clean environment: no profile files, IMDS disabled, unless kw
    says otherwise (a None value removes the variable)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": tmp,
           "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": os.path.join(tmp, "config"),
           "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "credentials")}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    for k, v in kw.items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def imds_env(tmp, fake, **kw):
    return aws_env(tmp, AWS_EC2_METADATA_DISABLED=None,
                   AWS_EC2_METADATA_SERVICE_ENDPOINT=fake.url + "/", **kw)


def token_info(env, args=(), expect_ok=True):
    """Runs krest-iam-token --decode -v; returns (rc, fields, stderr)."""
    args = ["--decode", "-v", "--max-backoff-ms", "50"] + list(args)
    if not any(a == "--region" for a in args):
        args += ["--region", "eu-west-1"]
    t0 = time.monotonic()
    rc, out, err = run_tool(args, env, timeout=30)
    took = time.monotonic() - t0
    for s in SECRETS:
        assert s not in out and s not in err, "a secret was printed"
    fields = {}
    for line in out.splitlines():
        k, _, v = line.partition(": ")
        fields[k] = v
    if "url" in fields:
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(fields["url"]).query)
        fields["akid"] = q["X-Amz-Credential"][0].split("/")[0]
        fields["scope_region"] = q["X-Amz-Credential"][0].split("/")[2]
    fields["took"] = took
    if expect_ok:
        assert rc == 0, "krest-iam-token failed (%d): %s" % (rc, err)
    else:
        assert rc != 0, "krest-iam-token succeeded: %s" % out
        assert out == "", out
        assert "krest-iam-token: " in err
    return rc, fields, err


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


CREDENTIALS_FILE = """\
[default]
aws_access_key_id = AKIADEFAULTPROFILE01
aws_secret_access_key = default/secret

[dev]
aws_access_key_id = %s
aws_secret_access_key = %s
""" % (DEV_CREDS.access_key, DEV_CREDS.secret_key)

CONFIG_FILE = """\
[default]
region = ap-southeast-2

[profile dev]
region = us-west-2

[profile chained]
role_arn = arn:aws:iam::123456789012:role/AIDAEXAMPLEUSERID0001-ec2-access-role
source_profile = dev
role_session_name = kafka-rest-proxy
external_id = ext-id-1
region = eu-west-1

[profile loop]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = loop2

[profile loop2]
role_arn = arn:aws:iam::123456789012:role/y
source_profile = loop

[profile proc]
credential_process = /bin/sh -c 'cat "$KREST_TEST_PROC_FILE"'

[profile procfail]
credential_process = /bin/sh -c 'echo nope >&2; exit 3'

[profile imdsrole]
role_arn = arn:aws:iam::123456789012:role/from-imds
credential_source = Ec2InstanceMetadata

[profile empty]
region = eu-west-1
"""


def files(tmp):
    write(tmp, "credentials", CREDENTIALS_FILE)
    write(tmp, "config", CONFIG_FILE)


# ---- sources, one at a time ------------------------------------------------

def test_environment():
    with tempfile.TemporaryDirectory() as tmp:
        env = aws_env(tmp, AWS_ACCESS_KEY_ID=ENV_CREDS.access_key,
                      AWS_SECRET_ACCESS_KEY=ENV_CREDS.secret_key,
                      AWS_SESSION_TOKEN=ENV_CREDS.token)
        _, f, _ = token_info(env)
        assert f["akid"] == ENV_CREDS.access_key
        assert f["credentials"].startswith("environment")
        assert "X-Amz-Security-Token=env%2Bsession%2Ftoken%3D%3D" in f["url"]


def test_debug_creds_logs_the_caller_arn():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        env = aws_env(tmp, AWS_ACCESS_KEY_ID=ENV_CREDS.access_key,
                      AWS_SECRET_ACCESS_KEY=ENV_CREDS.secret_key,
                      AWS_SESSION_TOKEN=ENV_CREDS.token,
                      AWS_ENDPOINT_URL_STS=fake.url)
        _, _, err = token_info(env, ["--debug-creds"])
        assert not fake.sts_errors, fake.sts_errors
        assert "AWS caller identity: arn:aws:iam::123456789012:user/" \
            "ASIAENVTEST000000001" in err
        # Without --debug-creds no STS call is made.
        fake.requests.clear()
        token_info(env)
        assert fake.count("POST", "/") == 0
        # A failing GetCallerIdentity is only a warning.
        fake.sts_known.pop(ENV_CREDS.access_key)
        _, _, err = token_info(env, ["--debug-creds"])
        assert "warning: awsDebugCreds: GetCallerIdentity: HTTP 403" in err


def test_environment_partial_is_an_error():
    with tempfile.TemporaryDirectory() as tmp:
        env = aws_env(tmp, AWS_ACCESS_KEY_ID=ENV_CREDS.access_key)
        _, _, err = token_info(env, expect_ok=False)
        assert "AWS_SECRET_ACCESS_KEY is not" in err


def test_profile_static_and_region():
    with tempfile.TemporaryDirectory() as tmp:
        files(tmp)
        _, f, _ = token_info(aws_env(tmp, AWS_PROFILE="dev"))
        assert f["akid"] == DEV_CREDS.access_key
        assert f["credentials"] == "profile dev"
        # --profile, and the region from that profile when none is given.
        rc, out, err = run_tool(["--profile", "dev", "--decode"],
                                aws_env(tmp))
        assert rc == 0, err
        assert "region: us-west-2" in out
        # The default profile.
        _, f, _ = token_info(aws_env(tmp))
        assert f["akid"] == "AKIADEFAULTPROFILE01"


def test_profile_errors():
    with tempfile.TemporaryDirectory() as tmp:
        files(tmp)
        _, _, err = token_info(aws_env(tmp), ["--profile", "nope"],
                               expect_ok=False)
        assert "profile nope not found" in err
        _, _, err = token_info(aws_env(tmp, AWS_PROFILE="empty"),
                               expect_ok=False)
        assert "profile empty has no credentials" in err
        _, _, err = token_info(aws_env(tmp), ["--profile", "loop"],
                               expect_ok=False)
        assert "source_profile chain longer" in err
        write(tmp, "config", "[profile broken]\nthis line has no value\n")
        _, _, err = token_info(aws_env(tmp), ["--profile", "broken"],
                               expect_ok=False)
        assert "config: line 2" in err


def test_profile_role_chain_through_sts():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        files(tmp)
        env = aws_env(tmp, AWS_ENDPOINT_URL_STS=fake.url)
        _, f, _ = token_info(env, ["--profile", "chained"])
        assert not fake.sts_errors, fake.sts_errors
        assert f["akid"] == ROLE_AKID
        assert f["credentials"].startswith("role arn:aws:iam::123456789012")
        posts = [r for r in fake.requests if r[0] == "POST"]
        assert len(posts) == 1
        form = urllib.parse.parse_qs(posts[0][3])
        assert form["RoleSessionName"] == ["kafka-rest-proxy"]
        assert form["ExternalId"] == ["ext-id-1"]
        assert posts[0][3].startswith("Action=AssumeRole&Version=2011-06-15&")


def test_credential_process():
    with tempfile.TemporaryDirectory() as tmp:
        files(tmp)
        proc = write(tmp, "proc.json", json.dumps({
            "Version": 1, "AccessKeyId": PROCESS_CREDS.access_key,
            "SecretAccessKey": PROCESS_CREDS.secret_key,
            "SessionToken": PROCESS_CREDS.token,
            "Expiration": iso(time.time() + 3600)}))
        env = aws_env(tmp, KREST_TEST_PROC_FILE=proc)
        _, f, _ = token_info(env, ["--profile", "proc"])
        assert f["akid"] == PROCESS_CREDS.access_key
        _, _, err = token_info(env, ["--profile", "procfail"],
                               expect_ok=False)
        assert "credential_process exited with status 3" in err
        write(tmp, "proc.json", "not json")
        _, _, err = token_info(env, ["--profile", "proc"], expect_ok=False)
        assert "credential_process output" in err


def test_container_full_uri():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        env = aws_env(tmp, AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.url +
                      "/ecs/creds",
                      AWS_CONTAINER_AUTHORIZATION_TOKEN=fake.container_auth)
        _, f, _ = token_info(env)
        assert f["akid"] == CONTAINER_CREDS.access_key
        assert f["credentials"].startswith("container endpoint")
        # The token file wins over the variable.
        tokfile = write(tmp, "ctr-token", fake.container_auth + "\n")
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong"
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = tokfile
        _, f, _ = token_info(env)
        assert f["akid"] == CONTAINER_CREDS.access_key


def test_container_failures():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        env = aws_env(tmp, AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.url +
                      "/ecs/creds",
                      AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong")
        _, _, err = token_info(env, expect_ok=False)
        assert "HTTP 401" in err and "container credentials" in err
        fake.container_mode = "malformed"
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = fake.container_auth
        _, _, err = token_info(env, expect_ok=False)
        assert "credentials JSON is malformed" in err
        env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = \
            "http://example.com/creds"
        _, _, err = token_info(env, expect_ok=False)
        assert "must be https or a loopback" in err


def test_imds_v2():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        _, f, _ = token_info(imds_env(tmp, fake))
        assert f["akid"] == IMDS_CREDS.access_key
        assert "instance profile role krest-test-role" in f["credentials"]
        puts = [r for r in fake.requests if r[0] == "PUT"]
        assert len(puts) == 1
        assert puts[0][2]["X-aws-ec2-metadata-token-ttl-seconds"] == "21600"
        assert "Expect" not in puts[0][2]
        gets = [r for r in fake.requests if r[0] == "GET"]
        assert [g[1] for g in gets] == [
            "/latest/meta-data/iam/security-credentials/",
            "/latest/meta-data/iam/security-credentials/krest-test-role"]


def test_lifetime_is_capped_by_the_credentials():
    """librdkafka gets min(token expiry, credential expiry - 60 s); and
    credentials that expire within that margin are refused."""
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        fake.imds_expires_in = 300
        t0 = time.time()
        _, f, _ = token_info(imds_env(tmp, fake))
        ms = int(re.search(r"\((\d+) ms\)", f["lifetime"]).group(1))
        want = (t0 + 300 - 60) * 1000
        assert abs(ms - want) < 3000, (ms, want)
        fake.imds_expires_in = 3600
        _, f, _ = token_info(imds_env(tmp, fake))
        ms = int(re.search(r"\((\d+) ms\)", f["lifetime"]).group(1))
        xdate = datetime.datetime.strptime(f["x-amz-date"],
                                           "%Y%m%dT%H%M%SZ")
        xdate = xdate.replace(tzinfo=datetime.timezone.utc).timestamp()
        assert ms == (xdate + 900) * 1000
        fake.imds_expires_in = 30
        _, _, err = token_info(imds_env(tmp, fake), expect_ok=False)
        assert "expire in less than 60 s" in err


def akids(out):
    return [urllib.parse.parse_qs(urllib.parse.urlsplit(
        b64url_decode(line)).query)["X-Amz-Credential"][0].split("/")[0]
        for line in out.split()]


def test_refresh_before_expiry():
    """Credentials within 15 minutes of their expiry are fetched again at
    the next signing; the IMDS session token is reused."""
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        fake.imds_expires_in = 14 * 60
        fake.imds_rotate = True
        rc, out, err = run_tool(["--region", "eu-west-1", "--repeat", "3",
                                 "--interval-ms", "50"],
                                imds_env(tmp, fake), timeout=30)
        assert rc == 0, err
        assert akids(out) == ["ASIAIMDSROTATED%05d" % i for i in range(3)]
        assert fake.count("PUT", "/latest/api/token") == 1
        # Far from expiry: fetched once, then cached.
        fake.imds_expires_in = 6 * 3600
        fake.imds_served = 0
        rc, out, err = run_tool(["--region", "eu-west-1", "--repeat", "3",
                                 "--interval-ms", "50"],
                                imds_env(tmp, fake), timeout=30)
        assert rc == 0, err
        assert akids(out) == ["ASIAIMDSROTATED00000"] * 3


def test_failed_refresh_keeps_old_credentials():
    """A failed refresh keeps the current credentials until shortly before
    they expire, says so once, and does not hammer the endpoint."""
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        fake.imds_expires_in = 14 * 60
        fake.imds_fail_after = 1
        rc, out, err = run_tool(["--region", "eu-west-1", "--repeat", "3",
                                 "--interval-ms", "50", "--max-retries",
                                 "0"], imds_env(tmp, fake), timeout=30)
        assert rc == 0, err
        assert akids(out) == [IMDS_CREDS.access_key] * 3
        assert err.count("refreshing AWS credentials failed") == 1, err
        assert "HTTP 500" in err and "keeping those from instance" in err
        assert fake.imds_served == 2     # the third signing did not retry
        for s in SECRETS:
            assert s not in err


def test_imds_expired_token_is_renewed():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        fake.imds_mode = "401-first"
        _, f, _ = token_info(imds_env(tmp, fake))
        assert f["akid"] == IMDS_CREDS.access_key
        assert fake.count("PUT", "/latest/api/token") == 2


def test_imds_failures():
    cases = [("401", "the session token was refused"),
             ("404", "no IAM role is attached"),
             ("malformed", "credentials JSON is malformed"),
             ("token-403", "IMDSv2 not available")]
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        for mode, words in cases:
            fake.imds_mode = mode
            _, _, err = token_info(imds_env(tmp, fake), expect_ok=False)
            assert words in err, (mode, err)
            assert "IMDS" in err


def test_imds_timeout_is_bounded():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        fake.imds_mode = "hang"
        env = imds_env(tmp, fake, AWS_METADATA_SERVICE_TIMEOUT="0.5")
        _, f, err = token_info(env, ["--max-retries", "1"], expect_ok=False)
        assert "timed out" in err.lower() or "timeout" in err.lower(), err
        assert "retrying" in err
        assert f["took"] < 5, f["took"]


def test_imds_refused_and_disabled():
    with tempfile.TemporaryDirectory() as tmp:
        closed = h.free_port()
        env = aws_env(tmp, AWS_EC2_METADATA_DISABLED=None,
                      AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:%d"
                      % closed)
        _, _, err = token_info(env, ["--max-retries", "0"], expect_ok=False)
        assert "IMDS: token request failed" in err
        assert "no AWS credentials in the environment" in err
        _, _, err = token_info(aws_env(tmp), expect_ok=False)
        assert "IMDS is disabled" in err


def test_web_identity():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        tok = write(tmp, "web-token", WEB_TOKEN + "\n")
        env = aws_env(tmp, AWS_ROLE_ARN="arn:aws:iam::123456789012:role/web",
                      AWS_WEB_IDENTITY_TOKEN_FILE=tok,
                      AWS_ENDPOINT_URL_STS=fake.url)
        _, f, _ = token_info(env)
        assert not fake.sts_errors, fake.sts_errors
        assert f["akid"] == ROLE_AKID
        assert f["credentials"].startswith("web identity role")
        post = [r for r in fake.requests if r[0] == "POST"][0]
        assert post[3].startswith(
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=")
        assert "Authorization" not in post[2]
        os.unlink(tok)
        _, _, err = token_info(env, expect_ok=False)
        assert "web identity: cannot read token file" in err


def test_assume_role_signed_with_botocore():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        fake.sts_region = "eu-central-1"
        env = aws_env(tmp, AWS_ACCESS_KEY_ID=ENV_CREDS.access_key,
                      AWS_SECRET_ACCESS_KEY=ENV_CREDS.secret_key,
                      AWS_SESSION_TOKEN=ENV_CREDS.token,
                      AWS_ENDPOINT_URL_STS=fake.url + "/")
        role = "arn:aws:iam::123456789012:role/AIDAEXAMPLEUSERID0001-ec2-" \
            "access-role"
        _, f, err = token_info(env, ["--role-arn", role, "--sts-region",
                                     "eu-central-1", "--external-id", "x y",
                                     "--role-session-name", "s@1",
                                     "--debug-creds"])
        assert not fake.sts_errors, fake.sts_errors
        assert f["akid"] == ROLE_AKID
        assert f["scope_region"] == "eu-west-1"
        assert RESP_OK["expected"]["AssumedRoleUser.Arn"] in err
        post = [r for r in fake.requests if r[0] == "POST"][0]
        assert post[3] == ("Action=AssumeRole&Version=2011-06-15&RoleArn="
                           "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FAIDA"
                           "EXAMPLEUSERID0001-ec2-access-role&RoleSession"
                           "Name=s%401&ExternalId=x+y")
        # A wrong signing region is caught by the botocore check.
        fake.sts_region = "us-east-1"
        _, _, err = token_info(env, ["--role-arn", role, "--sts-region",
                                     "eu-central-1"], expect_ok=False)
        assert "SignatureDoesNotMatch" in err


def test_assume_role_from_imds_profile():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        files(tmp)
        env = imds_env(tmp, fake, AWS_ENDPOINT_URL_STS=fake.url,
                       AWS_PROFILE="imdsrole")
        _, f, _ = token_info(env)
        assert not fake.sts_errors, fake.sts_errors
        assert f["akid"] == ROLE_AKID
        assert "instance profile role" in f["credentials"]


def test_sts_failures():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        env = aws_env(tmp, AWS_ACCESS_KEY_ID=ENV_CREDS.access_key,
                      AWS_SECRET_ACCESS_KEY=ENV_CREDS.secret_key,
                      AWS_SESSION_TOKEN=ENV_CREDS.token,
                      AWS_ENDPOINT_URL_STS=fake.url)
        args = ["--role-arn", "arn:aws:iam::123456789012:role/r"]
        fake.sts_mode = "denied"
        _, _, err = token_info(env, args, expect_ok=False)
        assert "HTTP 403: STS AccessDenied: User: arn:aws:sts::" in err
        fake.sts_mode = "garbage"
        _, _, err = token_info(env, args, expect_ok=False)
        assert "STS AssumeRole" in err
        env["AWS_ENDPOINT_URL_STS"] = fake.url + "/some/path"
        _, _, err = token_info(env, args, expect_ok=False)
        assert "AWS_ENDPOINT_URL_STS" in err


def test_sts_5xx_is_retried():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        fake.sts_mode = "500-twice"
        env = aws_env(tmp, AWS_ACCESS_KEY_ID=ENV_CREDS.access_key,
                      AWS_SECRET_ACCESS_KEY=ENV_CREDS.secret_key,
                      AWS_SESSION_TOKEN=ENV_CREDS.token,
                      AWS_ENDPOINT_URL_STS=fake.url)
        args = ["--role-arn", "arn:aws:iam::123456789012:role/r",
                "--max-retries", "3"]
        _, f, err = token_info(env, args)
        assert f["akid"] == ROLE_AKID
        assert fake.count("POST", "/") == 3
        assert err.count("retrying in") == 2
        fake.requests.clear()
        _, _, err = token_info(env, args[:2] + ["--max-retries", "1"],
                               expect_ok=False)
        assert "HTTP 500" in err


# ---- order and precedence --------------------------------------------------

def test_chain_order():
    with tempfile.TemporaryDirectory() as tmp, FakeAWS() as fake:
        files(tmp)
        tok = write(tmp, "web-token", WEB_TOKEN)
        everything = dict(
            AWS_ACCESS_KEY_ID=ENV_CREDS.access_key,
            AWS_SECRET_ACCESS_KEY=ENV_CREDS.secret_key,
            AWS_ROLE_ARN="arn:aws:iam::123456789012:role/web",
            AWS_WEB_IDENTITY_TOKEN_FILE=tok,
            AWS_ENDPOINT_URL_STS=fake.url, AWS_PROFILE="dev",
            AWS_CONTAINER_CREDENTIALS_FULL_URI=fake.url + "/ecs/creds",
            AWS_CONTAINER_AUTHORIZATION_TOKEN=fake.container_auth)
        order = [("environment", ENV_CREDS.access_key,
                  ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
                 ("web identity", ROLE_AKID,
                  ["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"]),
                 ("profile", DEV_CREDS.access_key, ["AWS_PROFILE"]),
                 ("container", CONTAINER_CREDS.access_key,
                  ["AWS_CONTAINER_CREDENTIALS_FULL_URI"]),
                 ("instance profile", IMDS_CREDS.access_key, [])]
        os.unlink(os.path.join(tmp, "credentials"))
        write(tmp, "credentials", "[dev]\naws_access_key_id = %s\n"
              "aws_secret_access_key = %s\n"
              % (DEV_CREDS.access_key, DEV_CREDS.secret_key))
        write(tmp, "config", "[profile dev]\nregion = eu-west-1\n")
        env = imds_env(tmp, fake, **everything)
        for name, akid, unset in order:
            _, f, _ = token_info(env)
            assert f["akid"] == akid, (name, f)
            assert f["credentials"].startswith(name) or \
                name in f["credentials"], (name, f["credentials"])
            for k in unset:
                env.pop(k)
        # Explicit --profile wins over the environment.
        env = imds_env(tmp, fake, **everything)
        _, f, _ = token_info(env, ["--profile", "dev"])
        assert f["akid"] == DEV_CREDS.access_key


def test_region_order():
    bootstrap = "b-1.us-west-2-copy.abc.c2.kafka.ap-south-1.amazonaws.com:9098"
    with tempfile.TemporaryDirectory() as tmp:
        files(tmp)
        base = dict(AWS_ACCESS_KEY_ID=DEV_CREDS.access_key,
                    AWS_SECRET_ACCESS_KEY=DEV_CREDS.secret_key,
                    AWS_REGION="ca-central-1",
                    AWS_DEFAULT_REGION="sa-east-1")

        def region(args, **kw):
            env = aws_env(tmp, **dict(base, **kw))
            rc, out, err = run_tool(["--decode"] + args, env)
            assert rc == 0, err
            return re.search(r"^region: (\S+)$", out, re.M).group(1)

        assert region(["--region", "eu-north-1", "--bootstrap",
                       bootstrap]) == "eu-north-1"
        assert region(["--bootstrap", bootstrap]) == "ap-south-1"
        assert region(["--bootstrap", "localhost:9092"]) == "ca-central-1"
        assert region([], AWS_REGION=None) == "sa-east-1"
        assert region([], AWS_REGION=None,
                      AWS_DEFAULT_REGION=None) == "ap-southeast-2"
        os.unlink(os.path.join(tmp, "config"))
        env = aws_env(tmp, AWS_ACCESS_KEY_ID=DEV_CREDS.access_key,
                      AWS_SECRET_ACCESS_KEY=DEV_CREDS.secret_key)
        rc, out, err = run_tool(["--bootstrap", "localhost:9092"], env)
        assert rc != 0 and out == ""
        assert "no AWS region" in err
