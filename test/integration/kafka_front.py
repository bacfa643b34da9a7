# SPDX-License-Identifier: MIT
"""A Kafka-protocol front for the end-to-end SASL tests (issue 3).

librdkafka's mock cluster speaks neither TLS nor SASL (spec test-broker.md),
so the tests put this front between krestd and the mock:

    krestd --TLS--> Front (127.0.0.1, one listener per mock broker)
                      ApiVersions, SaslHandshake, SaslAuthenticate: itself
                      everything after a successful authentication:
                      spliced to the matching mock broker, with the broker
                      addresses in Metadata responses rewritten to the
                      front's listeners

TLS: a test CA and a server certificate for IP 127.0.0.1 made at test time
with the openssl CLI (TestPKI), so librdkafka's default hostname
verification (ssl.endpoint.identification.algorithm=https) passes.

SASL:
- OAUTHBEARER as Amazon MSK IAM checks it: the client's first message
  "n,,\\x01auth=Bearer <token>\\x01\\x01" (RFC 7628), the token base64url
  (no padding) of a SigV4 query-presigned GET of
  https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect ...;
  the access key id must be known, the session token must be the one that
  goes with it, the signature is recomputed with botocore for the known
  secret, and X-Amz-Date + X-Amz-Expires must not be past. A failure is
  answered with error 58 SASL_AUTHENTICATION_FAILED and "Access denied",
  prefixed with a bracketed request id as MSK does (spec msk-iam.md 4).
- SCRAM-SHA-512 and SCRAM-SHA-256: the server side of RFC 5802 / 7677 for
  the configured users (PBKDF2 with 4096 iterations, as Kafka's minimum).

Every authentication is recorded in Front.auths (a list of dicts:
mechanism, principal, amz_date, ok, reason, tls, listener, token,
signature, time). With session_seconds set, authenticated connections are
closed that long after authentication, as MSK does for clients that cannot
re-authenticate (librdkafka < 2.2, spec msk-iam.md 3).

Python 3 stdlib + Debian's python3-botocore only. Binds 127.0.0.1 only.
"""

import asyncio
import base64
import calendar
import hashlib
import hmac
import os
import re
import secrets
import socket
import ssl
import struct
import subprocess
import threading
import time
import urllib.parse
import uuid

from botocore.auth import SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

# Kafka API keys and error codes used here.
API_PRODUCE = 0
API_METADATA = 3
API_SASL_HANDSHAKE = 17
API_API_VERSIONS = 18
API_SASL_AUTHENTICATE = 36
ERR_UNSUPPORTED_SASL_MECHANISM = 33
ERR_ILLEGAL_SASL_STATE = 34
ERR_UNSUPPORTED_VERSION = 35
ERR_SASL_AUTHENTICATION_FAILED = 58

APIVERSIONS_MAX = 2          # the response formats implemented here
SASL_VERSIONS = {API_SASL_HANDSHAKE: (0, 1), API_SASL_AUTHENTICATE: (0, 1)}
MAX_FRAME = 64 * 1024 * 1024
MAX_SASL_FRAME = 1024 * 1024

MSK_ACCESS_DENIED = "Access denied"
MSK_BAD_PAYLOAD = "Invalid authentication payload"
MSK_TOKEN_EXPIRES_MAX = 900


# ---- the test PKI ----------------------------------------------------------

class TestPKI:
    """A CA and a server certificate (SAN IP:127.0.0.1, DNS:localhost),
    P-256 keys, made with the openssl CLI in directory."""

    def __init__(self, directory):
        self.dir = directory
        self.ca_pem = os.path.join(directory, "ca.pem")
        self.ca_key = os.path.join(directory, "ca.key")
        self.cert_pem = os.path.join(directory, "server.pem")
        self.key_pem = os.path.join(directory, "server.key")
        ext = os.path.join(directory, "server.ext")
        csr = os.path.join(directory, "server.csr")
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n"
                    "extendedKeyUsage=serverAuth\n"
                    "subjectAltName=IP:127.0.0.1,DNS:localhost\n")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
              "-nodes"]
        self._openssl(["req", "-x509", "-new"] + ec + [
            "-keyout", self.ca_key, "-out", self.ca_pem, "-days", "3",
            "-subj", "/CN=krest test CA %d" % os.getpid(),
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
        self._openssl(["req", "-new"] + ec + [
            "-keyout", self.key_pem, "-out", csr, "-subj", "/CN=127.0.0.1"])
        self._openssl(["x509", "-req", "-in", csr, "-CA", self.ca_pem,
                       "-CAkey", self.ca_key, "-CAcreateserial",
                       "-CAserial", os.path.join(directory, "ca.srl"),
                       "-out", self.cert_pem, "-days", "2",
                       "-extfile", ext])

    @staticmethod
    def _openssl(args):
        p = subprocess.run(["openssl"] + args, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("openssl %s failed: %s" % (
                args[0], p.stderr.decode(errors="replace")))

    def server_context(self):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(self.cert_pem, self.key_pem)
        return ctx


# ---- Kafka wire format -----------------------------------------------------

class Short(Exception):
    """A frame ended before a field."""


class Reader:
    def __init__(self, data, pos=0):
        self.data = data
        self.pos = pos

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise Short("need %d bytes at %d of %d" % (
                n, self.pos, len(self.data)))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def i16(self):
        return struct.unpack(">h", self.take(2))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def i64(self):
        return struct.unpack(">q", self.take(8))[0]

    def string(self):
        n = self.i16()
        return None if n == -1 else self.take(n).decode("utf-8")

    def bytes_(self):
        n = self.i32()
        return None if n == -1 else self.take(n)

    def uvarint(self):
        shift = value = 0
        while True:
            b = self.take(1)[0]
            value |= (b & 0x7f) << shift
            if not b & 0x80:
                return value
            shift += 7

    def rest(self):
        return self.data[self.pos:]


def w_i16(v):
    return struct.pack(">h", v)


def w_i32(v):
    return struct.pack(">i", v)


def w_i64(v):
    return struct.pack(">q", v)


def w_string(s):
    if s is None:
        return w_i16(-1)
    b = s.encode("utf-8")
    return w_i16(len(b)) + b


def w_bytes(b):
    if b is None:
        return w_i32(-1)
    return w_i32(len(b)) + b


def parse_request_header(frame):
    """(api_key, api_version, correlation_id, client_id, body Reader).
    ApiVersions >= 3 uses the flexible header v2 (client_id, then tagged
    fields); the body is not needed for it here."""
    r = Reader(frame)
    key, ver, corr = r.i16(), r.i16(), r.i32()
    client_id = r.string()
    if key == API_API_VERSIONS and ver >= 3:
        for _ in range(r.uvarint()):       # tagged fields
            r.uvarint()
            r.take(r.uvarint())
    return key, ver, corr, client_id, r


def api_versions_request(corr, version=0):
    body = w_i16(API_API_VERSIONS) + w_i16(version) + w_i32(corr) + \
        w_string("kafka_front")
    return w_i32(len(body)) + body


def query_api_versions(host, port, timeout=10):
    """The mock broker's ApiVersions v0 list: [(key, min, max)]."""
    with socket.create_connection((host, port), timeout) as s:
        s.sendall(api_versions_request(1, 0))
        buf = b""
        while len(buf) < 4 or len(buf) < 4 + struct.unpack(">i",
                                                             buf[:4])[0]:
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("mock broker closed the ApiVersions "
                                   "connection")
            buf += chunk
    r = Reader(buf, 4)
    if r.i32() != 1:
        raise RuntimeError("ApiVersions: wrong correlation id")
    err = r.i16()
    if err != 0:
        raise RuntimeError("ApiVersions: error %d" % err)
    return [(r.i16(), r.i16(), r.i16()) for _ in range(r.i32())]


def rewrite_metadata(frame, version, portmap):
    """A Metadata v0-v2 response frame (correlation id first) with every
    broker's host and port replaced by portmap[(host, port)] (a
    (host, port) of the front). Returns (frame, unknown brokers)."""
    if version > 2:
        raise ValueError("Metadata v%d is flexible or has a throttle field;"
                         " the front only rewrites v0-v2" % version)
    r = Reader(frame)
    corr = r.i32()
    out = [w_i32(corr)]
    n = r.i32()
    out.append(w_i32(n))
    unknown = []
    for _ in range(n):
        node, host, port = r.i32(), r.string(), r.i32()
        new = portmap.get((host, port))
        if new is None:
            unknown.append((node, host, port))
            new = (host, port)
        out.append(w_i32(node) + w_string(new[0]) + w_i32(new[1]))
        if version >= 1:
            out.append(w_string(r.string()))        # rack
    out.append(r.rest())                            # cluster id, ...
    return b"".join(out), unknown


# ---- MSK IAM token verification ------------------------------------------

class _FixedTimeQueryAuth(SigV4QueryAuth):
    """botocore's SigV4QueryAuth.add_auth with the signing time given
    instead of read from the clock (no patching of a module global, so
    several threads may verify at once)."""

    def add_auth_at(self, request, amz_date):
        request.context["timestamp"] = amz_date
        self._modify_request_before_signing(request)
        cr = self.canonical_request(request)
        sts = self.string_to_sign(request, cr)
        sig = self.signature(sts, request)
        self._inject_signature_to_request(request, sig)
        return cr, sts, sig


def botocore_presign(region, akid, secret, session_token, amz_date, expires):
    """(presigned URL, canonical request, string to sign, signature) as
    botocore makes them for an MSK IAM token signed at amz_date."""
    req = AWSRequest(method="GET",
                     url="https://kafka.%s.amazonaws.com/" % region,
                     params={"Action": "kafka-cluster:Connect"})
    signer = _FixedTimeQueryAuth(Credentials(akid, secret, session_token),
                                 "kafka-cluster", region, expires=expires)
    cr, sts, sig = signer.add_auth_at(req, amz_date)
    return req.url, cr, sts, sig


def _query_params(query):
    """Ordered (name, value) pairs of a query string, percent-decoded
    (a '+' stays a '+': SigV4 signers percent-encode everything)."""
    out = []
    if query == "":
        return out
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        if not eq:
            raise ValueError("query part %r has no '='" % part[:40])
        out.append((urllib.parse.unquote(name, errors="strict"),
                    urllib.parse.unquote(value, errors="strict")))
    return out


class AuthFailure(Exception):
    """message: what the broker says; reason: why, for the test."""

    def __init__(self, message, reason):
        super().__init__(reason)
        self.message = message
        self.reason = reason


def parse_oauthbearer(client_first):
    """RFC 7628 client first message -> (token, extensions dict)."""
    try:
        text = client_first.decode("ascii")
    except UnicodeDecodeError:
        raise AuthFailure(MSK_BAD_PAYLOAD, "client message is not ASCII")
    m = re.fullmatch(r"([ny]),(a=[^,\x01]*)?,\x01(.*)\x01\x01", text,
                     re.S)
    if m is None:
        raise AuthFailure(MSK_BAD_PAYLOAD,
                          "not an OAUTHBEARER client first message: %r"
                          % text[:40])
    kv = {}
    for item in m.group(3).split("\x01"):
        k, eq, v = item.partition("=")
        if not eq or k in kv:
            raise AuthFailure(MSK_BAD_PAYLOAD, "bad key/value %r" % k)
        kv[k] = v
    auth = kv.pop("auth", None)
    if auth is None or not auth.startswith("Bearer "):
        raise AuthFailure(MSK_BAD_PAYLOAD, "no auth=Bearer")
    return auth[len("Bearer "):], kv


def verify_msk_token(token, region, keys, now=None, skew=300):
    """Checks an MSK IAM token the way the broker does. keys maps access
    key id -> (secret, session token or None). Returns a dict (akid,
    amz_date, expires, signature, url, user_agent, matches_botocore_url)
    or raises AuthFailure."""
    if now is None:
        now = time.time()
    denied = lambda why: AuthFailure(MSK_ACCESS_DENIED, why)  # noqa: E731
    if not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise AuthFailure(MSK_BAD_PAYLOAD,
                          "token is not unpadded base64url")
    try:
        url = base64.urlsafe_b64decode(
            token + "=" * (-len(token) % 4)).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as e:
        raise AuthFailure(MSK_BAD_PAYLOAD, "token does not decode: %s" % e)
    parts = urllib.parse.urlsplit(url)
    host = "kafka.%s.amazonaws.com" % region
    if parts.scheme != "https" or parts.path != "/" or parts.fragment:
        raise denied("not https://<host>/?...: %r" % url[:60])
    if parts.netloc != host:
        raise denied("host %r, want %r" % (parts.netloc, host))
    try:
        pairs = _query_params(parts.query)
    except (ValueError, UnicodeDecodeError) as e:
        raise AuthFailure(MSK_BAD_PAYLOAD, "query: %s" % e)
    params = {}
    for k, v in pairs:
        if k in params:
            raise denied("parameter %s twice" % k)
        params[k] = v
    user_agent = params.pop("User-Agent", None)     # appended unsigned
    signature = params.pop("X-Amz-Signature", None)
    if params.get("Action") != "kafka-cluster:Connect":
        raise denied("Action %r" % params.get("Action"))
    if params.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
        raise denied("X-Amz-Algorithm %r" % params.get("X-Amz-Algorithm"))
    cred = (params.get("X-Amz-Credential") or "").split("/")
    amz_date = params.get("X-Amz-Date") or ""
    if len(cred) != 5 or cred[3:] != ["kafka-cluster", "aws4_request"]:
        raise denied("X-Amz-Credential %r" % params.get("X-Amz-Credential"))
    akid = cred[0]
    if cred[2] != region:
        raise denied("credential scope region %r, want %r" % (cred[2],
                                                              region))
    if not re.fullmatch(r"\d{8}T\d{6}Z", amz_date) or \
            cred[1] != amz_date[:8]:
        raise denied("X-Amz-Date %r / scope date %r" % (amz_date, cred[1]))
    expires = params.get("X-Amz-Expires") or ""
    if not re.fullmatch(r"[1-9]\d{0,5}", expires) or \
            int(expires) > MSK_TOKEN_EXPIRES_MAX:
        raise denied("X-Amz-Expires %r" % expires)
    signed = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    if now > signed + int(expires):
        raise denied("token expired %.0f s ago (X-Amz-Date %s + %s s)"
                     % (now - signed - int(expires), amz_date, expires))
    if signed > now + skew:
        raise denied("X-Amz-Date %s is %.0f s in the future"
                     % (amz_date, signed - now))
    if params.get("X-Amz-SignedHeaders") != "host":
        raise denied("X-Amz-SignedHeaders %r"
                     % params.get("X-Amz-SignedHeaders"))
    if akid not in keys:
        raise denied("unknown access key id %s" % akid)
    secret, session_token = keys[akid]
    if params.get("X-Amz-Security-Token") != session_token:
        raise denied("X-Amz-Security-Token %s" % (
            "missing" if "X-Amz-Security-Token" not in params
            else "does not belong to %s" % akid))
    if signature is None or not re.fullmatch(r"[0-9a-f]{64}", signature):
        raise denied("X-Amz-Signature %r" % signature)
    want_url, cr, sts, want_sig = botocore_presign(
        region, akid, secret, session_token, amz_date, int(expires))
    want = dict(_query_params(urllib.parse.urlsplit(want_url).query))
    want.pop("X-Amz-Signature")
    if want != params:
        raise denied("signed parameters differ from botocore's: %r" % sorted(
            set(want.items()) ^ set(params.items())))
    if not hmac.compare_digest(want_sig, signature):
        raise denied("signature mismatch (wrong secret, or a canonical "
                     "request other than botocore's)")
    plain = url.split("&User-Agent=")[0]
    return {"akid": akid, "amz_date": amz_date, "expires": int(expires),
            "signed_at": signed, "signature": signature, "url": url,
            "user_agent": user_agent, "session_token": session_token,
            "matches_botocore_url": plain == want_url}


# ---- SCRAM (RFC 5802, RFC 7677) -------------------------------------------

SCRAM_HASHES = {"SCRAM-SHA-512": hashlib.sha512,
                "SCRAM-SHA-256": hashlib.sha256}
SCRAM_ITERATIONS = 4096


def scram_failed(mechanism):
    # Kafka's text for a failed SCRAM exchange.
    return ("Authentication failed during authentication due to invalid "
            "credentials with SASL mechanism %s" % mechanism)


class ScramServer:
    """One SCRAM exchange, server side. users: {name: password}."""

    def __init__(self, mechanism, users):
        self.mech = mechanism
        self.h = SCRAM_HASHES[mechanism]
        self.users = users
        self.step = 0
        self.user = None

    def _hmac(self, key, msg):
        return hmac.new(key, msg, self.h).digest()

    def first(self, msg):
        """client-first-message -> server-first-message."""
        fail = AuthFailure(scram_failed(self.mech), "")
        try:
            text = msg.decode("utf-8")
        except UnicodeDecodeError:
            fail.reason = "client-first is not UTF-8"
            raise fail
        m = re.fullmatch(r"([nyp][^,]*),(a=[^,]*)?,(n=([^,]*),r=([^,]+)"
                         r"(,.*)?)", text, re.S)
        if m is None or m.group(1) != "n":
            fail.reason = "bad client-first %r" % text[:60]
            raise fail
        self.gs2 = text[:m.start(3)]
        self.client_first_bare = m.group(3)
        name = m.group(4)
        if re.search(r"=(?!2C|3D)", name):
            fail.reason = "bad saslname %r" % name
            raise fail
        self.user = name.replace("=2C", ",").replace("=3D", "=")
        self.cnonce = m.group(5)
        password = self.users.get(self.user)
        salt = hashlib.sha256(b"salt:" + self.user.encode()).digest()[:16]
        # Unknown users get a made-up salt and fail at the proof, so that
        # the first step does not tell which names exist.
        pw = (password if password is not None
              else secrets.token_hex(16)).encode("utf-8")
        self.salted = hashlib.pbkdf2_hmac(self.h().name, pw, salt,
                                          SCRAM_ITERATIONS)
        self.known = password is not None
        self.nonce = self.cnonce + base64.b64encode(
            secrets.token_bytes(18)).decode()
        self.server_first = "r=%s,s=%s,i=%d" % (
            self.nonce, base64.b64encode(salt).decode(), SCRAM_ITERATIONS)
        self.step = 1
        return self.server_first.encode()

    def final(self, msg):
        """client-final-message -> server-final-message, or AuthFailure."""
        fail = AuthFailure(scram_failed(self.mech), "")
        text = msg.decode("utf-8", "replace")
        m = re.fullmatch(r"c=([^,]*),r=([^,]*)(,.*)?,p=([^,]*)", text, re.S)
        if m is None:
            fail.reason = "bad client-final %r" % text[:60]
            raise fail
        if base64.b64decode(m.group(1)) != self.gs2.encode():
            fail.reason = "channel binding %r does not match %r" % (
                m.group(1), self.gs2)
            raise fail
        # Kafka's ScramSaslServer only checks that the nonce ends with the
        # server's: librdkafka 2.0.2 sends client nonce + the server's
        # whole nonce (which starts with the client nonce again).
        if not m.group(2).endswith(self.nonce):
            fail.reason = "nonce mismatch"
            raise fail
        self.nonce_doubled = m.group(2) != self.nonce
        without_proof = text[:m.start(4) - len(",p=")]
        auth_msg = ",".join([self.client_first_bare, self.server_first,
                             without_proof]).encode()
        client_key = self._hmac(self.salted, b"Client Key")
        stored_key = self.h(client_key).digest()
        client_sig = self._hmac(stored_key, auth_msg)
        try:
            proof = base64.b64decode(m.group(4), validate=True)
        except ValueError:
            fail.reason = "proof is not base64"
            raise fail
        if len(proof) != len(client_sig):
            fail.reason = "proof has %d bytes" % len(proof)
            raise fail
        recovered = bytes(a ^ b for a, b in zip(proof, client_sig))
        if not self.known:
            fail.reason = "unknown user %r" % self.user
            raise fail
        if not hmac.compare_digest(self.h(recovered).digest(), stored_key):
            fail.reason = "wrong password for %r" % self.user
            raise fail
        server_key = self._hmac(self.salted, b"Server Key")
        self.step = 2
        return ("v=" + base64.b64encode(
            self._hmac(server_key, auth_msg)).decode()).encode()


# ---- the front --------------------------------------------------------------

def _parse_bootstrap(bootstrap):
    out = []
    for item in bootstrap.split(","):
        item = item.strip()
        if "://" in item:
            item = item.split("://", 1)[1]
        host, _, port = item.rpartition(":")
        out.append((host, int(port)))
    return out


class Front:
    """See the module text.

        with Front(broker, pki, mechanisms=["OAUTHBEARER"],
                   region="eu-west-1", iam_keys={akid: (secret, token)}) as f:
            f.bootstrap, f.auths, f.ok_auths(), f.events
    """

    def __init__(self, broker, pki, mechanisms=("OAUTHBEARER",),
                 region="us-east-1", iam_keys=None, scram_users=None,
                 session_seconds=None, tls=True, request_ids=True,
                 ports=None):
        bootstrap = broker if isinstance(broker, str) else broker.bootstrap
        self.upstreams = _parse_bootstrap(bootstrap)
        self.pki = pki
        self.mechanisms = list(mechanisms)
        self.region = region
        self.iam_keys = dict(iam_keys or {})
        self.scram_users = dict(scram_users or {})
        self.session_seconds = session_seconds
        self.tls = tls
        self.request_ids = request_ids
        if ports is None:
            import harness
            ports = [harness.free_port() for _ in self.upstreams]
        self.ports = list(ports)
        self.portmap = {u: ("127.0.0.1", p)
                        for u, p in zip(self.upstreams, self.ports)}
        self.lock = threading.Lock()
        self.auths = []          # one dict per SaslAuthenticate outcome
        self.events = []         # (time, what) for diagnosis
        self.problems = []       # things the front did not expect
        self.connections = 0
        self.session_closes = 0
        self.loop = None
        self.thread = None
        self._servers = []
        self._writers = set()
        self.api_versions = None

    # ---- configuration while running ----------------------------------

    def add_iam_key(self, akid, secret, session_token=None):
        with self.lock:
            self.iam_keys[akid] = (secret, session_token)

    def set_session_seconds(self, seconds):
        self.session_seconds = seconds

    # ---- what happened --------------------------------------------------

    def _event(self, what):
        with self.lock:
            self.events.append((time.time(), what))

    def _problem(self, what):
        with self.lock:
            self.problems.append(what)
            self.events.append((time.time(), "PROBLEM " + what))

    def auth_list(self):
        with self.lock:
            return list(self.auths)

    def ok_auths(self, mechanism=None):
        return [a for a in self.auth_list() if a["ok"] and
                (mechanism is None or a["mechanism"] == mechanism)]

    def failed_auths(self):
        return [a for a in self.auth_list() if not a["ok"]]

    def describe(self):
        """The recorded authentications and events, for a failure text."""
        lines = ["front %s auths:" % self.bootstrap]
        for a in self.auth_list():
            lines.append("  %s %s %s %s %s %s" % (
                time.strftime("%H:%M:%S", time.gmtime(a["time"])),
                a["mechanism"], a["principal"], a.get("amz_date"),
                "ok" if a["ok"] else "FAIL", a["reason"]))
        with self.lock:
            for t, what in self.events[-40:]:
                lines.append("  %s %s" % (
                    time.strftime("%H:%M:%S", time.gmtime(t)), what))
        return "\n".join(lines)

    @property
    def bootstrap(self):
        return ",".join("127.0.0.1:%d" % p for p in self.ports)

    # ---- start and stop -------------------------------------------------

    def start(self):
        host, port = self.upstreams[0]
        mock = query_api_versions(host, port)
        apis = {k: (lo, hi) for k, lo, hi in mock
                if k not in SASL_VERSIONS}
        lo, hi = apis.get(API_API_VERSIONS, (0, 0))
        apis[API_API_VERSIONS] = (lo, min(hi, APIVERSIONS_MAX))
        if API_METADATA in apis and apis[API_METADATA][1] > 2:
            # The rewrite only knows v0-v2 (the mock caps Metadata at v2).
            apis[API_METADATA] = (apis[API_METADATA][0], 2)
        apis.update(SASL_VERSIONS)
        self.api_versions = sorted((k, lo, hi) for k, (lo, hi)
                                   in apis.items())
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(self._loop_exception)
        self.thread = threading.Thread(target=self._run, name="kafka-front",
                                       daemon=True)
        self.thread.start()
        fut = asyncio.run_coroutine_threadsafe(self._listen(), self.loop)
        try:
            fut.result(10)
        except BaseException:
            self.stop()
            raise
        return self

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    async def _listen(self):
        ctx = self.pki.server_context() if self.tls else None
        for idx, port in enumerate(self.ports):
            srv = await asyncio.start_server(
                lambda r, w, idx=idx: self._serve(idx, r, w),
                "127.0.0.1", port, ssl=ctx, reuse_address=True,
                ssl_handshake_timeout=10 if ctx else None)
            self._servers.append(srv)

    def _loop_exception(self, loop, context):
        # TLS handshakes a client refused, resets: record, do not print.
        exc = context.get("exception")
        self._event("loop: %s %s" % (context.get("message"),
                                     repr(exc) if exc else ""))

    async def _shutdown(self):
        for srv in self._servers:
            srv.close()
        for w in list(self._writers):
            w.transport.abort()
        for srv in self._servers:
            try:
                await asyncio.wait_for(srv.wait_closed(), 5)
            except asyncio.TimeoutError:
                pass

    def stop(self):
        if self.loop is None:
            return
        if self.thread.is_alive():
            fut = asyncio.run_coroutine_threadsafe(self._shutdown(),
                                                   self.loop)
            try:
                fut.result(10)
            except Exception as e:  # noqa: B902 - stop regardless
                self._event("shutdown: %r" % e)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
        if not self.loop.is_running():
            self.loop.close()
        self.loop = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ---- one client connection -----------------------------------------

    @staticmethod
    async def _read_frame(reader, limit):
        n = struct.unpack(">i", await reader.readexactly(4))[0]
        if n < 0 or n > limit:
            raise ValueError("frame of %d bytes" % n)
        return await reader.readexactly(n)

    @staticmethod
    def _send(writer, body):
        writer.write(w_i32(len(body)) + body)

    async def _serve(self, idx, reader, writer):
        self._writers.add(writer)
        sslobj = writer.get_extra_info("ssl_object")
        conn = {"listener": idx, "tls": sslobj.version() if sslobj else None,
                "cipher": sslobj.cipher()[0] if sslobj else None,
                "mechanism": None, "scram": None}
        with self.lock:
            self.connections += 1
            n = self.connections
        conn["id"] = n
        self._event("conn %d on listener %d (%s)" % (n, idx, conn["tls"]))
        up_writer = None
        try:
            ok = await self._authenticate(conn, reader, writer)
            if ok:
                up_writer = await self._splice(conn, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError,
                OSError):
            pass
        except (Short, ValueError, UnicodeDecodeError) as e:
            self._problem("conn %d: malformed frame: %r" % (n, e))
        finally:
            self._writers.discard(writer)
            if conn.get("expired"):
                # A broker ending a session closes TLS properly.
                writer.close()
            else:
                writer.transport.abort()
            if up_writer is not None:
                up_writer.transport.abort()
            self._event("conn %d closed" % n)

    def _record(self, conn, mechanism, principal, ok, reason, **extra):
        rec = {"time": time.time(), "listener": conn["listener"],
               "conn": conn["id"], "tls": conn["tls"],
               "mechanism": mechanism, "principal": principal, "ok": ok,
               "reason": reason, "amz_date": None, "token": None,
               "signature": None}
        rec.update(extra)
        with self.lock:
            self.auths.append(rec)
        self._event("conn %d: %s %s %s: %s" % (
            conn["id"], mechanism, principal, "ok" if ok else "FAILED",
            reason))
        return rec

    def _broker_message(self, text, mechanism):
        # MSK IAM prefixes its messages with a request id; Kafka's own
        # SCRAM failures have none.
        if self.request_ids and mechanism == "OAUTHBEARER":
            return "[%s]: %s" % (uuid.uuid4(), text)
        return text

    def _api_versions_response(self, corr, version):
        entries = b"".join(w_i16(k) + w_i16(lo) + w_i16(hi)
                           for k, lo, hi in self.api_versions)
        body = w_i32(corr)
        if version > APIVERSIONS_MAX:
            # As a broker does: UNSUPPORTED_VERSION with the v0 body, so
            # the client retries with a version from the list.
            return body + w_i16(ERR_UNSUPPORTED_VERSION) + \
                w_i32(len(self.api_versions)) + entries
        body += w_i16(0) + w_i32(len(self.api_versions)) + entries
        if version >= 1:
            body += w_i32(0)                      # throttle_time_ms
        return body

    @staticmethod
    def _sasl_auth_response(corr, version, err, msg, auth_bytes,
                            session_ms=0):
        body = w_i32(corr) + w_i16(err) + w_string(msg) + w_bytes(auth_bytes)
        if version >= 1:
            body += w_i64(session_ms)
        return body

    async def _authenticate(self, conn, reader, writer):
        """Serves the connection until it is authenticated (True) or
        refused / closed (False)."""
        while True:
            frame = await self._read_frame(reader, MAX_SASL_FRAME)
            key, ver, corr, client_id, body = parse_request_header(frame)
            if key == API_API_VERSIONS:
                self._event("conn %d: ApiVersions v%d" % (conn["id"], ver))
                self._send(writer, self._api_versions_response(corr, ver))
                await writer.drain()
                continue
            if key == API_SASL_HANDSHAKE:
                mech = body.string()
                if ver > 1:
                    self._problem("SaslHandshake v%d" % ver)
                    return False
                ok = mech in self.mechanisms
                self._event("conn %d: SaslHandshake v%d %s" % (
                    conn["id"], ver, mech))
                self._send(writer, w_i32(corr) + w_i16(
                    0 if ok else ERR_UNSUPPORTED_SASL_MECHANISM) +
                    w_i32(len(self.mechanisms)) +
                    b"".join(w_string(m) for m in self.mechanisms))
                await writer.drain()
                if not ok:
                    self._record(conn, mech, None, False,
                                 "mechanism not enabled")
                    return False
                conn["mechanism"] = mech
                if ver == 0:
                    # v0 would send raw tokens next; librdkafka uses v1
                    # when SaslAuthenticate is listed.
                    self._problem("SaslHandshake v0: raw SASL framing is "
                                  "not implemented")
                    return False
                continue
            if key == API_SASL_AUTHENTICATE:
                if ver > 1:
                    self._problem("SaslAuthenticate v%d" % ver)
                    return False
                if conn["mechanism"] is None:
                    self._send(writer, self._sasl_auth_response(
                        corr, ver, ERR_ILLEGAL_SASL_STATE,
                        "SaslAuthenticate before SaslHandshake", b""))
                    await writer.drain()
                    return False
                done = await self._sasl_step(conn, ver, corr,
                                             body.bytes_() or b"", writer)
                if done is None:
                    continue
                return done
            self._problem("conn %d: request %d v%d before authentication" % (
                conn["id"], key, ver))
            return False

    async def _sasl_step(self, conn, ver, corr, data, writer):
        """One SaslAuthenticate. Returns True (authenticated), False
        (refused; the response is sent) or None (more steps)."""
        mech = conn["mechanism"]
        session_ms = int(self.session_seconds * 1000) \
            if self.session_seconds else 0
        try:
            if mech == "OAUTHBEARER":
                principal = None
                token = None
                try:
                    token, ext = parse_oauthbearer(data)
                    with self.lock:
                        keys = dict(self.iam_keys)
                    info = verify_msk_token(token, self.region, keys)
                except AuthFailure as e:
                    if token is not None:
                        principal, extra = _token_identity(token)
                    else:
                        extra = {}
                    extra["token"] = token
                    e.record = self._record(conn, mech, principal, False,
                                            e.reason, **extra)
                    raise
                self._record(conn, mech, info["akid"], True, "valid token",
                             amz_date=info["amz_date"], token=token,
                             signature=info["signature"],
                             session_token=info["session_token"],
                             user_agent=info["user_agent"],
                             matches_botocore_url=info[
                                 "matches_botocore_url"],
                             extensions=ext)
                self._send(writer, self._sasl_auth_response(
                    corr, ver, 0, None, b"", session_ms))
                await writer.drain()
                return True
            if mech in SCRAM_HASHES:
                if conn["scram"] is None:
                    conn["scram"] = ScramServer(mech, self.scram_users)
                    out = conn["scram"].first(data)
                    self._send(writer, self._sasl_auth_response(
                        corr, ver, 0, None, out))
                    await writer.drain()
                    return None
                sc = conn["scram"]
                try:
                    out = sc.final(data)
                except AuthFailure as e:
                    e.record = self._record(conn, mech, sc.user, False,
                                            e.reason)
                    raise
                self._record(conn, mech, sc.user, True, "valid proof")
                self._send(writer, self._sasl_auth_response(
                    corr, ver, 0, None, out, session_ms))
                await writer.drain()
                return True
            raise AuthFailure("Unsupported SASL mechanism %s" % mech,
                              "no server side for %s" % mech)
        except AuthFailure as e:
            if not hasattr(e, "record"):
                self._record(conn, mech, None, False, e.reason)
            self._send(writer, self._sasl_auth_response(
                corr, ver, ERR_SASL_AUTHENTICATION_FAILED,
                self._broker_message(e.message, mech), b""))
            await writer.drain()
            # As a broker: the response goes out, then the connection is
            # closed (the client closes it too).
            await asyncio.sleep(0.05)
            return False

    async def _splice(self, conn, reader, writer):
        host, port = self.upstreams[conn["listener"]]
        up_reader, up_writer = await asyncio.open_connection(host, port)
        self._writers.add(up_writer)
        pending = {}                 # correlation id -> Metadata version
        n = conn["id"]

        async def to_broker():
            while True:
                frame = await self._read_frame(reader, MAX_FRAME)
                key, ver, corr, _, _ = parse_request_header(frame)
                if key in (API_SASL_HANDSHAKE, API_SASL_AUTHENTICATE,
                           API_API_VERSIONS):
                    # Re-authentication (KIP-368) is not offered: v0/v1
                    # of SaslAuthenticate carry no session lifetime use.
                    self._problem("conn %d: request %d after "
                                  "authentication" % (n, key))
                    return
                if key == API_METADATA:
                    if ver > 2:
                        self._problem("conn %d: Metadata v%d" % (n, ver))
                    pending[corr] = ver
                self._send(up_writer, frame)
                await up_writer.drain()

        async def to_client():
            while True:
                frame = await self._read_frame(up_reader, MAX_FRAME)
                corr = struct.unpack(">i", frame[:4])[0]
                ver = pending.pop(corr, None)
                if ver is not None:
                    frame, unknown = rewrite_metadata(frame, ver,
                                                      self.portmap)
                    if unknown:
                        self._problem("conn %d: Metadata names brokers "
                                      "without a front: %r" % (n, unknown))
                self._send(writer, frame)
                await writer.drain()

        tasks = [asyncio.ensure_future(to_broker()),
                 asyncio.ensure_future(to_client())]
        timer = None
        if self.session_seconds:
            def expire():
                with self.lock:
                    self.session_closes += 1
                self._event("conn %d: session expired after %s s, closing"
                            % (n, self.session_seconds))
                conn["expired"] = True
                for t in tasks:
                    t.cancel()
            timer = self.loop.call_later(self.session_seconds, expire)
        try:
            done, _ = await asyncio.wait(tasks,
                                         return_when=asyncio.FIRST_COMPLETED)
            for t in done:
                if not t.cancelled() and t.exception() is not None:
                    exc = t.exception()
                    if isinstance(exc, (Short, ValueError)):
                        self._problem("conn %d: %r" % (n, exc))
        finally:
            if timer is not None:
                timer.cancel()
            for t in tasks:
                t.cancel()
            self._writers.discard(up_writer)
        return up_writer


def _token_identity(token):
    """(access key id, {amz_date, signature}) of a token, best effort, for
    the record of a refused one."""
    try:
        url = base64.urlsafe_b64decode(
            token + "=" * (-len(token) % 4)).decode("utf-8")
        q = dict(_query_params(urllib.parse.urlsplit(url).query))
        return (q.get("X-Amz-Credential", "").split("/")[0] or None,
                {"amz_date": q.get("X-Amz-Date"),
                 "signature": q.get("X-Amz-Signature")})
    except (ValueError, UnicodeDecodeError):
        return None, {}
