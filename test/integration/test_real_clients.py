# SPDX-License-Identifier: MIT
"""The real client libraries of the Pinterest pipeline against krestd: the
emulator scripts' python-requests calls (a new Session, hence a new
connection, per request; json.dumps with default=str or isoformat; the
ensure_ascii escapes), ChefData's Session with a urllib3 Retry and a list
value, and Node's http client (chunked bodies on a keep-alive agent).
Every acknowledged record is read back with kcat (spec/clients.md 0-1)."""

import datetime
import json
import os
import shutil
import subprocess

import harness as h
from harness import JSON_CT

B = None
K = None

try:
    import requests  # Debian python3-requests, as the emulators use
except ImportError:  # pragma: no cover - install-deps.sh installs it
    requests = None


def setup_module():
    global B, K
    B = h.Broker(brokers=3).start()
    K = h.Krestd(B, {}).start()


def teardown_module():
    try:
        if K is not None:
            K.stop()
    finally:
        if B is not None:
            B.stop()


PIN = {"index": 7528, "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
       "title": "No Title Data Available",
       "description": "No description available Story format",
       "poster_name": "User Info Error", "follower_count": "User Info Error",
       "tag_list": "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e",
       "is_image_or_video": "multi-video(story page format)",
       "image_src": "Image src error.", "downloaded": 0,
       "save_location": "Local save in /data/mens-fashion",
       "category": "mens-fashion"}
GEO = {"ind": 2863, "timestamp": datetime.datetime(2020, 8, 28, 3, 52, 47),
       "latitude": -5.34445, "longitude": -177.924, "country": "Armenia"}
USER = {"ind": 2863, "first_name": "Dylan", "last_name": "Holmes",
        "age": 32, "date_joined": datetime.datetime(2016, 10, 23, 14, 6, 51)}
# Non-ASCII text arrives as \u escapes from json.dumps (ensure_ascii).
UNI = {"title": "Of Life & Lisa | Lifestyle Blog \u2026 \u2019 \U0001F600"}


def compact(value):
    """What krestd stores for a json-format value: compact, raw UTF-8."""
    return json.dumps(value, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def check_reply(resp_json, topic, values):
    h.check_offsets(B.bootstrap, topic, resp_json,
                    [(None, compact(v)) for v in values])


def test_emulator_requests_one_connection_per_post():
    """user_posting_emulation.py: requests.request("POST", url, headers=...,
    data=json.dumps({"records": [{"value": row}]}, default=str))."""
    assert requests is not None, "python3-requests is not installed"
    uid = h.uniq("0a1b2c3d4e5f")
    sent = {}
    for suffix, row in (("pin", PIN), ("geo", GEO), ("user", USER),
                        ("pin", UNI)):
        url = "%s/topics/%s.%s" % (K.url, uid, suffix)
        payload = json.dumps({"records": [{"value": row}]}, default=str)
        r = requests.request("POST", url,
                             headers={"Content-Type": JSON_CT},
                             data=payload)
        assert r.status_code == 200, (r.status_code, r.text)
        assert r.headers["Content-Type"] == h.V2
        body = r.json()  # RegnixS prints response.json() unguarded
        assert body["key_schema_id"] is None
        assert body["value_schema_id"] is None
        # What the proxy stores: the value as received, compact.
        stored = json.loads(payload)["records"][0]["value"]
        check_reply(body, "%s.%s" % (uid, suffix), [stored])
        sent.setdefault(suffix, []).append(stored)
    # The datetime columns arrive as strings, "2020-08-28 03:52:47".
    assert sent["geo"][0]["timestamp"] == "2020-08-28 03:52:47"


def test_chefdata_session_with_retry_and_list_value():
    """ChefData: a Session with a urllib3 Retry mounted, isoformat dates,
    and the row wrapped in a one-element list."""
    assert requests is not None, "python3-requests is not installed"
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    s = requests.Session()
    s.mount("http://", HTTPAdapter(max_retries=Retry(
        total=5, backoff_factor=0.1, status_forcelist=[500, 502, 503, 504])))
    uid = h.uniq("chef")
    rows = [dict(GEO, ind=i) for i in range(3)]
    for row in rows:
        payload = json.dumps({"records": [{"value": [row]}]},
                             default=lambda o: o.isoformat())
        r = s.post("%s/topics/%s.geo" % (K.url, uid), data=payload,
                   headers={"Content-Type": JSON_CT}, timeout=(3, 30))
        r.raise_for_status()
        check_reply(r.json(), uid + ".geo", [json.loads(payload)[
            "records"][0]["value"]])
    s.close()


NODE_CLIENT = r"""
const http = require('http');
const agent = new http.Agent({keepAlive: true, maxSockets: 1});
const [port, topic, n] = [process.argv[2], process.argv[3], +process.argv[4]];
const out = [];
function post(i) {
  if (i === n) { console.log(JSON.stringify(out)); agent.destroy(); return; }
  const req = http.request({host: '127.0.0.1', port, agent, method: 'POST',
    path: '/topics/' + topic,
    headers: {'Content-Type': 'application/vnd.kafka.json.v2+json'}},
    res => { let b = ''; const sp = res.socket.localPort;
             res.on('data', d => b += d);
             res.on('end', () => { out.push({status: res.statusCode,
               socket: sp, chunked: req.getHeader('content-length') ===
               undefined, body: JSON.parse(b)}); post(i + 1); }); });
  req.on('error', e => { console.error(e); process.exit(1); });
  // Two writes without a Content-Length: Node sends them chunked.
  req.write('{"records":[{"value":{"n":' + i + ',');
  req.end('"s":"node \u00e9"}}]}');
}
post(0);
"""


def test_node_http_chunked_keepalive():
    node = shutil.which("node")
    assert node is not None, "node is not installed"
    t = h.uniq("node")
    d = h.tmpdir("node-")
    script = os.path.join(d, "client.js")
    with open(script, "w") as f:
        f.write(NODE_CLIENT)
    out = subprocess.run([node, script, str(K.port), t, "5"],
                         capture_output=True, timeout=60, check=True)
    replies = json.loads(out.stdout)
    assert len(replies) == 5
    # One keep-alive connection carried every request.
    assert len({r["socket"] for r in replies}) == 1, replies
    for i, r in enumerate(replies):
        assert r["status"] == 200, r
        assert r["chunked"], r
        check_reply(r["body"], t, [{"n": i, "s": "node \u00e9"}])
