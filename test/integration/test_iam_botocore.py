# SPDX-License-Identifier: MIT
"""Issue 3: bin/krest-iam-token reproduces botocore's MSK IAM token byte for
byte. The reference is built here, at test time, exactly the way
aws-msk-iam-sasl-signer-python drives botocore (SigV4QueryAuth on
GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster:Connect,
expires 900, then "&User-Agent=" + urlencode after signing, then base64url
without padding), for the committed vectors and for random keys, session
tokens full of + / =, regions, times and user agents.

Runs with /usr/bin/python3 and Debian's python3-botocore."""

import base64
import datetime
import json
import os
import random
import string
import subprocess
import tempfile
import urllib.parse
from unittest import mock

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import harness as h

TOOL = os.path.join(h.BIN, "krest-iam-token")
VECTORS = os.path.join(h.ROOT, "test", "vectors")
RANDOM_CASES = 150


def _utc(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc) \
        .replace(tzinfo=None)


def botocore_token(region, akid, secret, token, epoch, user_agent):
    """Returns (presigned URL with User-Agent, token) as the official
    Python signer makes them, with botocore's clock pinned to epoch."""
    req = AWSRequest(method="GET",
                     url="https://kafka.%s.amazonaws.com/" % region,
                     params={"Action": "kafka-cluster:Connect"})
    signer = SigV4QueryAuth(Credentials(akid, secret, token),
                            "kafka-cluster", region, expires=900)
    with mock.patch("botocore.auth.datetime") as dt:
        dt.datetime.utcnow.return_value = _utc(epoch)
        signer.add_auth(req)
    url = req.url + "&" + urllib.parse.urlencode({"User-Agent": user_agent})
    tok = base64.urlsafe_b64encode(url.encode("utf-8")).decode().rstrip("=")
    return url, tok


def clean_env(tmp, **extra):
    """An environment with no AWS settings of the caller's, no profile
    files and IMDS disabled, plus extra."""
    env = {"PATH": "/usr/bin:/bin", "HOME": tmp,
           "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_CONFIG_FILE": os.path.join(tmp, "none-config"),
           "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none-creds")}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update({k: v for k, v in extra.items() if v is not None})
    return env


def run_tool(args, env, timeout=30):
    p = subprocess.run([TOOL] + args, env=env, capture_output=True,
                       timeout=timeout)
    for mark in h.SANITIZER_MARKS:
        assert mark.encode() not in p.stderr, p.stderr.decode()
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def tool_token(tmp, region, akid, secret, token, when, user_agent,
               extra_args=()):
    env = clean_env(tmp, AWS_ACCESS_KEY_ID=akid,
                    AWS_SECRET_ACCESS_KEY=secret, AWS_SESSION_TOKEN=token)
    args = ["--region", region, "--time", when,
            "--user-agent", user_agent] + list(extra_args)
    rc, out, err = run_tool(args, env)
    assert rc == 0, "krest-iam-token failed (%d): %s" % (rc, err)
    return out


def b64url_decode(tok):
    return base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)).decode()


# ---- the committed vectors -----------------------------------------------

def test_vectors_are_botocore():
    """The reference builder above reproduces the committed vectors, so
    the random comparison below tests against the same thing."""
    with open(os.path.join(VECTORS, "msk_iam_vectors.json")) as f:
        cases = json.load(f)["cases"]
    assert len(cases) >= 3
    for c in cases:
        i = c["inputs"]
        url, tok = botocore_token(i["region"], i["access_key_id"],
                                  i["secret_access_key"], i["session_token"],
                                  i["signing_time_epoch_s"], i["user_agent"])
        assert url == c["presigned_url"], c["name"]
        assert tok == c["token"], c["name"]


def test_vectors_through_tool():
    with open(os.path.join(VECTORS, "msk_iam_vectors.json")) as f:
        cases = json.load(f)["cases"]
    with tempfile.TemporaryDirectory() as tmp:
        for c in cases:
            i = c["inputs"]
            for when in (i["signing_time_utc"],
                         str(i["signing_time_epoch_s"])):
                out = tool_token(tmp, i["region"], i["access_key_id"],
                                 i["secret_access_key"], i["session_token"],
                                 when, i["user_agent"])
                assert out == c["token"] + "\n", c["name"]


def test_vector_header_in_sync():
    """test/unit/sigv4_vectors.inc is what the generator makes from the
    JSON vectors."""
    gen = os.path.join(VECTORS, "gen_sigv4_vectors.py")
    p = subprocess.run(["/usr/bin/python3", gen, "--check"],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr.decode()


# ---- random cases --------------------------------------------------------

B64 = string.ascii_letters + string.digits + "+/"
REGIONS = ["us-east-1", "us-east-2", "us-west-2", "eu-west-1",
           "eu-central-1", "eu-south-2", "ap-southeast-2", "ap-northeast-3",
           "sa-east-1", "ca-central-1", "me-central-1", "af-south-1",
           "cn-north-1", "us-gov-west-1", "il-central-1", "ap-south-2"]
AGENTS = ["aws-msk-iam-sasl-signer-python/1.0.2", "krest/0.1",
          "aws-msk-iam-sasl-signer-go/1.0.4/go1.21.5", "fluent-bit-msk-iam",
          "aws-msk-iam-auth/2.3.6/aws-sdk-java/2.29.0 Linux/6.1 OpenJDK",
          "a b+c=d&e/f~g_h.i-j", "agent (x; y) *!'", "caf\u00e9/1"]


def random_case(rng):
    region = rng.choice(REGIONS)
    if rng.random() < 0.2:
        region = "%s-%s-%d" % (
            "".join(rng.choice(string.ascii_lowercase) for _ in range(2)),
            rng.choice(["north", "southeast", "central", "west"]),
            rng.randint(1, 9))
    akid = rng.choice(["AKIA", "ASIA"]) + "".join(
        rng.choice(string.ascii_uppercase + string.digits)
        for _ in range(16))
    secret = "".join(rng.choice(B64) for _ in range(40))
    token = None
    if rng.random() < 0.8:
        n = rng.randint(16, 1200)
        token = "".join(rng.choice(B64) for _ in range(n))
        # Make sure every case with a token has the troublesome bytes.
        token = token[:n // 3] + "+" + token[n // 3:2 * n // 3] + "/" + \
            token[2 * n // 3:] + "=" * rng.randint(1, 2)
    choice = rng.random()
    if choice < 0.1:   # the last second of a day, month or leap year
        epoch = int(datetime.datetime(
            rng.choice([2020, 2024, 2028, 2099]), rng.choice([2, 12]),
            1, tzinfo=datetime.timezone.utc).timestamp()) - 1
    elif choice < 0.2:
        epoch = rng.randint(0, 10 ** 9)
    else:
        epoch = rng.randint(946684800, 4102444799)   # 2000..2099
    return region, akid, secret, token, epoch, rng.choice(AGENTS)


def test_random_against_botocore():
    seed = int(os.environ.get("KREST_TEST_SEED", random.randrange(2 ** 32)))
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(RANDOM_CASES):
            region, akid, secret, token, epoch, ua = random_case(rng)
            url, want = botocore_token(region, akid, secret, token, epoch,
                                       ua)
            when = str(epoch) if n % 2 else \
                _utc(epoch).strftime("%Y-%m-%dT%H:%M:%SZ")
            got = tool_token(tmp, region, akid, secret, token, when, ua)
            assert got == want + "\n", (
                "seed %d case %d differs:\nbotocore %s\nkrest    %s"
                % (seed, n, url, b64url_decode(got.strip())))


def test_decode_elides_signature():
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        region, akid, secret, token, epoch, ua = random_case(rng)
        url, _ = botocore_token(region, akid, secret, token, epoch, ua)
        out = tool_token(tmp, region, akid, secret, token, str(epoch), ua,
                         ["--decode"])
        lines = dict(line.split(": ", 1) for line in out.splitlines())
        sig = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)[
            "X-Amz-Signature"][0]
        assert sig not in out
        assert lines["url"] == url.replace(sig, "<elided>")
        assert lines["region"] == region
        assert lines["credentials"].startswith("environment")
        assert secret not in out


def test_user_agent_default_and_empty():
    with tempfile.TemporaryDirectory() as tmp:
        env = clean_env(tmp, AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
                        AWS_SECRET_ACCESS_KEY="x" * 40)
        rc, out, err = run_tool(["--region", "us-east-1", "--time", "0"], env)
        assert rc == 0, err
        assert b64url_decode(out.strip()).endswith("&User-Agent=krest%2F0.1")
        rc, out, err = run_tool(["--region", "us-east-1", "--time", "0",
                                 "--user-agent", ""], env)
        assert rc == 0, err
        assert "User-Agent" not in b64url_decode(out.strip())


def test_bad_arguments():
    with tempfile.TemporaryDirectory() as tmp:
        env = clean_env(tmp, AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
                        AWS_SECRET_ACCESS_KEY="x" * 40)
        for args, words in (
                (["--region", "us-east-1", "--time", "yesterday"], "--time"),
                (["--region", "us east"], "invalid AWS region"),
                (["--region", "us-east-1", "--max-retries", "x"], "bad"),
                (["--bogus"], "usage"),
                (["--region", "us-east-1", "--time", "99999-01-01"],
                 "--time")):
            rc, out, err = run_tool(args, env)
            assert rc != 0 and out == "", args
            assert words in err, (args, err)
