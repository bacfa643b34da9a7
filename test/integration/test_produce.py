# SPDX-License-Identifier: MIT
"""Issue 2, produce path: the happy paths, byte fidelity, partitioning,
batches, the python-requests emulator request, chunked keep-alive,
pipelining, Expect: 100-continue and content negotiation. One broker and one
daemon are shared by every test here; each test uses its own topics."""

import base64
import json
import random
import time

import harness as h
from harness import JSON_CT, BINARY_CT, V2

B = None
K = None


def setup_module():
    global B, K
    B = h.Broker(brokers=3).start()
    K = h.Krestd(B, {"producer.linger.ms": "5"}).start()


def teardown_module():
    try:
        if K is not None:
            K.stop()
    finally:
        if B is not None:
            B.stop()


def topic(partitions=4):
    t = h.uniq("p")
    B.create(t, partitions)
    return t


def post_raw(path, body, ct=JSON_CT, headers=None):
    hd = {"Content-Type": ct}
    hd.update(headers or {})
    return h.request(K.port, "POST", path, body, hd)


def assert_ok(r, n=None):
    assert r.status == 200, r
    assert r.header("Content-Type") == V2, r.headers
    j = r.json()
    assert list(j.keys()) == ["offsets", "key_schema_id", "value_schema_id"]
    if n is not None:
        assert len(j["offsets"]) == n, (n, j)
    # Byte-exact: rebuild the body from the parsed entries.
    entries = [(e["partition"], e["offset"]) for e in j["offsets"]]
    assert r.body == h.ok_body(entries), r.body
    return j


def nothing_landed(t, before):
    after = h.high_watermarks(B.bootstrap, t, len(before))
    assert after == before, "records landed: %r -> %r" % (before, after)


# ---- basics --------------------------------------------------------------

def test_root():
    r = h.request(K.port, "GET", "/")
    assert r.status == 200, r
    assert r.body == b"{}", r


def test_produce_one_json_record():
    t = topic()
    r = post_raw("/topics/" + t, b'{"records":[{"value":{"a":1}}]}')
    j = assert_ok(r, 1)
    h.check_offsets(B.bootstrap, t, j, [(None, b'{"a":1}')])


def test_produce_to_partition_and_record_partition_precedence():
    t = topic(4)
    r = post_raw("/topics/%s/partitions/2" % t,
                 b'{"records":[{"value":1},{"value":2,"partition":3},'
                 b'{"value":3,"partition":0}]}')
    j = assert_ok(r, 3)
    assert [e["partition"] for e in j["offsets"]] == [2, 3, 0], j
    h.check_offsets(B.bootstrap, t, j, [(None, b"1"), (None, b"2"),
                                        (None, b"3")])
    r = post_raw("/topics/" + t, b'{"records":[{"value":"x","partition":1}]}')
    j = assert_ok(r, 1)
    assert j["offsets"][0]["partition"] == 1
    h.check_offsets(B.bootstrap, t, j, [(None, b'"x"')])


def test_trailing_slash_tolerated():
    t = topic()
    r = post_raw("/topics/%s/" % t, b'{"records":[{"value":7}]}')
    j = assert_ok(r, 1)
    h.check_offsets(B.bootstrap, t, j, [(None, b"7")])


def test_empty_record_is_null_key_and_value():
    t = topic()
    r = post_raw("/topics/" + t,
                 b'{"records":[{},{"value":null},{"key":null,"value":null}]}')
    j = assert_ok(r, 3)
    h.check_offsets(B.bootstrap, t, j, [(None, None)] * 3)


def test_schema_fields_ignored_for_json_and_binary():
    t = topic()
    r = post_raw("/topics/" + t,
                 b'{"value_schema":"x","value_schema_id":5,"key_schema":"y",'
                 b'"key_schema_id":6,"records":[{"value":1}]}')
    j = assert_ok(r, 1)
    assert j["key_schema_id"] is None and j["value_schema_id"] is None


# ---- json byte fidelity ---------------------------------------------------

# (JSON text as sent, bytes Kafka must hold)
JSON_VECTORS = [
    (b'{"a": 1, "b" : [1, 2.5, true, false, null], "c": "x"}',
     b'{"a":1,"b":[1,2.5,true,false,null],"c":"x"}'),
    (b'\n {\t"nested" : { "deep" : [ [ ], { } ] } }\r\n',
     b'{"nested":{"deep":[[],{}]}}'),
    (b'"abc"', b'"abc"'),
    (b'""', b'""'),
    (b'0', b'0'),
    (b'-17', b'-17'),
    (b'true', b'true'),
    (b'false', b'false'),
    (b'123456789012345678901234567890', b'123456789012345678901234567890'),
    (b'9007199254740993', b'9007199254740993'),          # 2^53 + 1
    (b'-9223372036854775809', b'-9223372036854775809'),
    (b'{"id": 18446744073709551615}', b'{"id":18446744073709551615}'),
    (b'1.0', b'1.0'),                                      # cJSON prints 1
    (b'1.50', b'1.50'),
    (b'1e3', b'1e3'),
    (b'-2.5E-3', b'-2.5E-3'),
    (b'"\\u2026"', '"\u2026"'.encode()),
    (b'"\\ud83d\\ude00"', '"\U0001F600"'.encode()),
    (b'"\\u00e9t\\u00C9"', '"\u00e9t\u00c9"'.encode()),
    ('"raw é ☃ 😀"'.encode(), '"raw é ☃ 😀"'.encode()),
    (b'"a\\/b"', b'"a/b"'),
    (b'"q\\"b\\\\"', b'"q\\"b\\\\"'),
    (b'"\\t\\n\\r\\b\\f"', b'"\\t\\n\\r\\b\\f"'),
    (b'"\\u0001\\u001f\\u0000"', b'"\\u0001\\u001F\\u0000"'),
    (b'"\\u0041\\u007f"', b'"A\x7f"'),
    (b'[ {"x" : 1} ]', b'[{"x":1}]'),
    (b'{"t": "2020-08-28T03:52:47", "d": "2020:08:28 03:52:47"}',
     b'{"t":"2020-08-28T03:52:47","d":"2020:08:28 03:52:47"}'),
]


def test_json_value_fidelity():
    t = topic()
    recs = b",".join(b'{"value":' + src + b'}' for src, _ in JSON_VECTORS)
    r = post_raw("/topics/" + t, b'{"records":[' + recs + b']}')
    j = assert_ok(r, len(JSON_VECTORS))
    h.check_offsets(B.bootstrap, t, j, [(None, want) for _, want in
                                        JSON_VECTORS])


def test_json_key_fidelity():
    t = topic()
    recs = b",".join(b'{"key":' + src + b',"value":1}'
                     for src, _ in JSON_VECTORS)
    r = post_raw("/topics/" + t, b'{"records":[' + recs + b']}')
    j = assert_ok(r, len(JSON_VECTORS))
    h.check_offsets(B.bootstrap, t, j, [(want, b"1") for _, want in
                                        JSON_VECTORS])


def test_json_duplicate_keys_like_jackson():
    """rest-v2.md 3.8: the later value wins, at the first key's place."""
    t = topic()
    r = post_raw("/topics/" + t,
                 b'{"records":[{"value":{"a":1,"b":2,"a":{"c":3}}}]}')
    j = assert_ok(r, 1)
    h.check_offsets(B.bootstrap, t, j, [(None, b'{"a":{"c":3},"b":2}')])


def test_application_json_is_the_json_format():
    t = topic()
    for ct in ("application/json", "application/json; charset=utf-8",
               "APPLICATION/VND.KAFKA.JSON.V2+JSON",
               "application/vnd.kafka.json.v2+json; charset=UTF-8"):
        r = post_raw("/topics/" + t, b'{"records":[{"key":"k","value":"v"}]}',
                     ct=ct)
        j = assert_ok(r, 1)
        h.check_offsets(B.bootstrap, t, j, [(b'"k"', b'"v"')])


# ---- binary format --------------------------------------------------------

def test_binary_format_bytes():
    t = topic()
    rnd = random.Random(7)
    cases = [bytes(rnd.getrandbits(8) for _ in range(n))
             for n in (1, 2, 3, 4, 5, 100, 4096)]
    cases += [b"\x00", b"\xff\xfe\x00\n", b'{"not":"json"}']
    recs, want = [], []
    for i, c in enumerate(cases):
        enc = base64.b64encode(c).decode()
        if i % 2:
            enc = enc.rstrip("=")           # padding is optional
        recs.append({"key": h.b64(c[:3]), "value": enc})
        want.append((c[:3], c))
    recs.append({"value": ""})              # zero bytes, not null
    want.append((None, b""))
    recs.append({"key": "", "value": None})
    want.append((b"", None))
    recs.append({})
    want.append((None, None))
    r = h.produce(K.port, t, recs, fmt="binary")
    j = assert_ok(r, len(recs))
    h.check_offsets(B.bootstrap, t, j, want)


def test_missing_content_type_is_binary():
    """rest-v2.md 1.2.2: no Content-Type is processed as binary."""
    t = topic()
    r = h.request(K.port, "POST", "/topics/" + t,
                  b'{"records":[{"value":"AAEC"}]}', {})
    j = assert_ok(r, 1)
    h.check_offsets(B.bootstrap, t, j, [(None, b"\x00\x01\x02")])


# ---- partitioning ---------------------------------------------------------

def test_keyed_json_partitions_like_java():
    parts = 6
    t = topic(parts)
    keys = ["user-%d" % i for i in range(120)] + [1, 2, 3, 12345678901]
    recs = [{"key": k, "value": i} for i, k in enumerate(keys)]
    r = h.produce(K.port, t, recs)
    j = assert_ok(r, len(recs))
    want = []
    for i, (k, e) in enumerate(zip(keys, j["offsets"])):
        kb = json.dumps(k).encode()
        assert e["partition"] == h.java_partition(kb, parts), \
            "key %r went to %d, Java picks %d" % (
                kb, e["partition"], h.java_partition(kb, parts))
        want.append((kb, str(i).encode()))
    h.check_offsets(B.bootstrap, t, j, want)


def test_keyed_binary_partitions_like_java():
    parts = 7
    t = topic(parts)
    rnd = random.Random(3)
    keys = [b""] + [bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 40)))
                    for _ in range(150)]
    recs = [{"key": h.b64(k), "value": h.b64(b"v%d" % i)}
            for i, k in enumerate(keys)]
    r = h.produce(K.port, t, recs, fmt="binary")
    j = assert_ok(r, len(recs))
    for k, e in zip(keys, j["offsets"]):
        assert e["partition"] == h.java_partition(k, parts), (k, e)
    h.check_offsets(B.bootstrap, t, j,
                    [(k, b"v%d" % i) for i, k in enumerate(keys)])


def test_unkeyed_records_spread():
    t = topic(4)
    seen = set()
    for i in range(40):
        r = post_raw("/topics/" + t, b'{"records":[{"value":%d}]}' % i)
        j = assert_ok(r, 1)
        seen.add(j["offsets"][0]["partition"])
        time.sleep(0.02)   # past the sticky partitioner's linger
    assert len(seen) >= 2, "40 unkeyed requests all went to %r" % seen


# ---- batches ----------------------------------------------------------------

def check_batch(t, j, want, parts):
    offs = j["offsets"]
    by_part = {}
    for e in offs:
        by_part.setdefault(e["partition"], []).append(e["offset"])
    for p, ol in by_part.items():
        # request order is offset order within a partition, no gaps
        assert ol == list(range(ol[0], ol[0] + len(ol))), \
            "partition %d offsets not contiguous: %r" % (p, ol[:20])
    hw = h.high_watermarks(B.bootstrap, t, parts)
    for p, ol in by_part.items():
        assert hw[p] == ol[-1] + 1, (p, hw, ol[-1])
    h.check_offsets(B.bootstrap, t, j, want)


def test_batch_1000_unkeyed():
    t = topic(3)
    recs = [{"value": {"i": i, "s": "x" * (i % 50), "u": "\u00e9\u2026"}}
            for i in range(1000)]
    r = h.produce(K.port, t, recs)
    j = assert_ok(r, 1000)
    want = [(None, json.dumps(rc["value"], separators=(",", ":"),
                              ensure_ascii=False).encode()) for rc in recs]
    check_batch(t, j, want, 3)


def test_batch_1000_keyed_binary():
    parts = 5
    t = topic(parts)
    recs, want = [], []
    for i in range(1000):
        k = b"k%d" % (i % 37)
        v = bytes([i % 256]) * (i % 20)
        recs.append({"key": h.b64(k), "value": h.b64(v)})
        want.append((k, v))
    r = h.produce(K.port, t, recs, fmt="binary")
    j = assert_ok(r, 1000)
    for (k, _), e in zip(want, j["offsets"]):
        assert e["partition"] == h.java_partition(k, parts)
    check_batch(t, j, want, parts)


def test_consecutive_batches_offsets_increase():
    t = topic(1)
    last = -1
    for n in (1, 10, 100, 1000):
        r = h.produce(K.port, t, [{"value": i} for i in range(n)])
        j = assert_ok(r, n)
        offs = [e["offset"] for e in j["offsets"]]
        assert offs == list(range(last + 1, last + 1 + n)), (n, offs[:5])
        last = offs[-1]
    assert h.high_watermarks(B.bootstrap, t, 1) == {0: last + 1}


# ---- the emulator request (clients.md 0.6) ----------------------------------

PIN = {"index": 7528, "unique_id": "fbe53c66-3442-4773-b19e-d3ec6f54dddf",
       "title": "No Title Data Available",
       "description": "No description available Story format \u2026 \U0001F600",
       "poster_name": "User Info Error", "follower_count": "User Info Error",
       "tag_list": "N,o, ,T,a,g,s", "is_image_or_video": "multi-video(story page format)",
       "image_src": "Image src error.", "downloaded": 0,
       "save_location": "Local save in /data/mens-fashion",
       "category": "mens-fashion"}
GEO = {"ind": 7528, "timestamp": "2020-08-28 03:52:47",
       "latitude": -89.9787, "longitude": -173.293, "country": "Albania"}
USER = {"ind": 7528, "first_name": "Abigail", "last_name": "Ali", "age": 20,
        "date_joined": "2015-10-24T11:23:51"}


def test_requests_emulator_pin_geo_user():
    uid = "%012x" % random.getrandbits(48)
    last = {}
    for rnd in range(3):
        for sfx, row in (("pin", PIN), ("geo", GEO), ("user", USER)):
            t = "%s.%s" % (uid, sfx)
            value = [row] if sfx == "user" and rnd == 2 else row  # ChefData
            body = json.dumps({"records": [{"value": value}]}).encode()
            assert all(b < 0x80 for b in body)  # ensure_ascii, as sent
            r = h.requests_like(K.port, t, body)
            j = assert_ok(r, 1)
            e = j["offsets"][0]
            if t in last:
                p, o = last[t]
                assert e["partition"] != p or e["offset"] > o
            last[t] = (e["partition"], e["offset"])
            want = json.dumps(value, separators=(",", ":"),
                              ensure_ascii=False).encode()
            h.check_offsets(B.bootstrap, t, j, [(None, want)])


def test_connection_close_request():
    t = topic()
    with h.RawConn(K.port) as c:
        body = b'{"records":[{"value":1}]}'
        c.send(h.http_head("POST", "/topics/" + t, [
            ("Host", "x"), ("Content-Type", JSON_CT), ("Connection", "close"),
            ("Content-Length", str(len(body)))]) + body)
        r = c.read_response()
        assert_ok(r, 1)
        assert c.closed_by_peer(5), "connection not closed after Connection: close"


# ---- chunked, keep-alive, pipelining, Expect ---------------------------------

def test_chunked_keepalive_node_style():
    t = topic()
    with h.RawConn(K.port) as c:
        for i in range(6):
            body = json.dumps({"records": [{"value": {"n": i, "pad": "z" * 300 * i}}]}
                              ).encode()
            c.send(h.http_head("POST", "/topics/" + t, [
                ("Content-Type", JSON_CT), ("Host", "127.0.0.1:%d" % K.port),
                ("Connection", "keep-alive"),
                ("Transfer-Encoding", "chunked")]) + h.chunked(body))
            r = c.read_response()
            j = assert_ok(r, 1)
            h.check_offsets(B.bootstrap, t, j, [(None, json.dumps(
                {"n": i, "pad": "z" * 300 * i}, separators=(",", ":")).encode())])


def test_chunked_split_across_writes():
    t = topic()
    body = b'{"records":[{"value":"slow"},{"value":"chunks"}]}'
    data = h.http_head("POST", "/topics/" + t, [
        ("Content-Type", JSON_CT), ("Host", "x"),
        ("Transfer-Encoding", "chunked")]) + h.chunked(body, (5,))
    with h.RawConn(K.port) as c:
        for i in range(0, len(data), 9):
            c.send(data[i:i + 9])
            time.sleep(0.005)
        j = assert_ok(c.read_response(), 2)
    h.check_offsets(B.bootstrap, t, j, [(None, b'"slow"'), (None, b'"chunks"')])


def test_keepalive_content_length_many_requests():
    t = topic(1)
    with h.RawConn(K.port) as c:
        offs = []
        for i in range(20):
            body = b'{"records":[{"value":%d}]}' % i
            c.send(h.http_head("POST", "/topics/" + t, [
                ("Host", "x"), ("Content-Type", JSON_CT),
                ("Content-Length", str(len(body)))]) + body)
            offs.append(assert_ok(c.read_response(), 1)["offsets"][0]["offset"])
    assert offs == list(range(offs[0], offs[0] + 20)), offs


def test_pipelined_requests():
    t = topic(1)
    data = b""
    for i in range(3):
        body = b'{"records":[{"value":%d}]}' % i
        data += h.http_head("POST", "/topics/" + t, [
            ("Host", "x"), ("Content-Type", JSON_CT),
            ("Content-Length", str(len(body)))]) + body
    data += h.http_head("GET", "/", [("Host", "x")])
    with h.RawConn(K.port) as c:
        c.send(data)
        js = [assert_ok(c.read_response(), 1) for _ in range(3)]
        r = c.read_response(method="GET")
        assert r.status == 200 and r.body == b"{}", r
    for i, j in enumerate(js):
        h.check_offsets(B.bootstrap, t, j, [(None, b"%d" % i)])


def test_expect_100_continue():
    t = topic()
    body = b'{"records":[{"value":"after-100"}]}'
    with h.RawConn(K.port, timeout=5) as c:
        c.send(h.http_head("POST", "/topics/" + t, [
            ("Host", "x"), ("Content-Type", JSON_CT), ("Expect", "100-continue"),
            ("Content-Length", str(len(body)))]))
        r = c.read_response(interim=True)
        assert r.status == 100, r
        c.send(body)
        j = assert_ok(c.read_response(), 1)
    h.check_offsets(B.bootstrap, t, j, [(None, b'"after-100"')])


def test_expect_100_continue_body_sent_anyway():
    """curl sends the body after 1 s without a 100; a client may also send
    it at once. Either way one final answer comes."""
    t = topic()
    body = b'{"records":[{"value":"eager"}]}'
    with h.RawConn(K.port, timeout=10) as c:
        c.send(h.http_head("POST", "/topics/" + t, [
            ("Host", "x"), ("Content-Type", JSON_CT), ("Expect", "100-continue"),
            ("Content-Length", str(len(body)))]) + body)
        j = assert_ok(c.read_response(), 1)
    h.check_offsets(B.bootstrap, t, j, [(None, b'"eager"')])


# ---- content negotiation -----------------------------------------------------

def test_accept_header():
    t = topic()
    for acc in (None, "*/*", V2, "application/json, */*",
                "application/vnd.kafka.v2+json; q=0.9, text/plain; q=0.1",
                "application/*"):
        hd = {} if acc is None else {"Accept": acc}
        r = post_raw("/topics/" + t, b'{"records":[{"value":1}]}', headers=hd)
        assert_ok(r, 1)
    before = h.high_watermarks(B.bootstrap, t, 4)
    for acc in ("application/json", "text/plain"):
        r = post_raw("/topics/" + t, b'{"records":[{"value":1}]}',
                     headers={"Accept": acc})
        assert r.status == 406, (acc, r)
        assert r.body == b"", r
    nothing_landed(t, before)


def test_unsupported_media_types():
    t = topic()
    before = h.high_watermarks(B.bootstrap, t, 4)
    body = b'{"records":[{"value":1}]}'
    for ct in ("text/plain", "application/x-www-form-urlencoded",
               "application/vnd.kafka.v1+json", "application/octet-stream",
               "application/vnd.kafka+json", "application/vnd.kafka.v2+json",
               "application/vnd.kafka.json.v1+json", "application/xml"):
        r = post_raw("/topics/" + t, body, ct=ct)
        h.expect_error(r, 415, 415, "HTTP 415 Unsupported Media Type")
        assert r.body == \
            b'{"error_code":415,"message":"HTTP 415 Unsupported Media Type"}'
    nothing_landed(t, before)


def test_schema_formats_not_supported_yet():
    t = topic()
    before = h.high_watermarks(B.bootstrap, t, 4)
    body = b'{"value_schema_id":1,"records":[{"value":1}]}'
    for fmt in ("avro", "protobuf", "jsonschema"):
        r = post_raw("/topics/" + t, body,
                     ct="application/vnd.kafka.%s.v2+json" % fmt)
        h.expect_error(r, 415, 415, message_re=r"(?i)not supported")
    nothing_landed(t, before)


def test_415_content_type_follows_accept():
    """rest-v2.md 1.2.4: the 415 answer is application/json unless Accept
    names application/vnd.kafka.v2+json exactly."""
    t = topic()
    r = post_raw("/topics/" + t, b"{}", ct="text/plain",
                 headers={"Accept": "*/*"})
    assert r.status == 415 and \
        r.header("Content-Type") == "application/json", r.headers
    r = post_raw("/topics/" + t, b"{}", ct="text/plain",
                 headers={"Accept": V2})
    assert r.status == 415 and r.header("Content-Type") == V2, r.headers


def test_many_concurrent_connections():
    """Several hundred connections open at once, each sending a request
    only after all are connected."""
    t = topic(4)
    conns = []
    try:
        for i in range(300):
            conns.append(h.RawConn(K.port, timeout=30))
        for i, c in enumerate(conns):
            body = b'{"records":[{"value":%d}]}' % i
            c.send(h.http_head("POST", "/topics/" + t, [
                ("Host", "x"), ("Content-Type", JSON_CT),
                ("Content-Length", str(len(body)))]) + body)
        results = [assert_ok(c.read_response(), 1) for c in conns]
    finally:
        for c in conns:
            c.close()
    total = sum(hw for hw in h.high_watermarks(B.bootstrap, t, 4).values())
    assert total == 300, total
    seen = {(j["offsets"][0]["partition"], j["offsets"][0]["offset"])
            for j in results}
    assert len(seen) == 300


def test_two_thousand_connections():
    """Issue 2 point 10: thousands of concurrent connections. 2,000 sockets
    are connected first, then each sends one record; every one is
    answered 200 and every record is in Kafka."""
    import resource
    n = 2000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 500), hard))
    t = topic(4)
    conns = []
    try:
        for i in range(n):
            conns.append(h.RawConn(K.port, timeout=60))
        for i, c in enumerate(conns):
            body = b'{"records":[{"value":%d}]}' % i
            c.send(h.http_head("POST", "/topics/" + t, [
                ("Host", "x"), ("Content-Type", JSON_CT),
                ("Content-Length", str(len(body)))]) + body)
        results = [c.read_response() for c in conns]
    finally:
        for c in conns:
            c.close()
    bad = [r for r in results if r.status != 200]
    assert not bad, "%d of %d not 200, e.g. %r" % (len(bad), n, bad[:3])
    total = sum(h.high_watermarks(B.bootstrap, t, 4).values())
    assert total == n, total
    got = {}
    for rec in h.kcat_consume(B.bootstrap, t):
        got[(rec.partition, rec.offset)] = rec.value
    for i, r in enumerate(results):
        e = r.json()["offsets"][0]
        assert got.get((e["partition"], e["offset"])) == b"%d" % i, (i, e)
