# SPDX-License-Identifier: MIT
"""Issue 2 point 9, bad input: each answer is a JSON error body with the
spec's status and error_code, nothing is produced (checked by watermarks),
and the daemon keeps serving. One shared broker and daemon (small
max.request.bytes, so the 413 cases are cheap)."""

import json
import time

import harness as h
from harness import JSON_CT, BINARY_CT

B = None
K = None
T = None          # a topic with 4 partitions that the bad requests aim at
LIMIT = 65536     # max.request.bytes of the shared daemon


def setup_module():
    global B, K, T
    B = h.Broker(brokers=1).start()
    K = h.Krestd(B, {"max.request.bytes": str(LIMIT)}).start()
    T = h.uniq("bad")
    B.create(T, 4, 1)


def teardown_module():
    try:
        if K is not None:
            K.stop()
    finally:
        if B is not None:
            B.stop()


def watermarks():
    return h.high_watermarks(B.bootstrap, T, 4)


def post(body, ct=JSON_CT, path=None):
    return h.request(K.port, "POST", path or "/topics/" + T, body,
                     {"Content-Type": ct})


def check_cases(cases, ct=JSON_CT, path=None):
    """cases: (body, status, error_code, message or None, message regex)."""
    before = watermarks()
    for body, status, code, msg, rx in cases:
        r = post(body, ct, path)
        try:
            h.expect_error(r, status, code, msg, rx)
        except AssertionError as e:
            raise AssertionError("body %r: %s" % (body, e))
    assert watermarks() == before, "a bad request produced records"
    assert h.request(K.port, "GET", "/").status == 200


def test_malformed_json():
    check_cases([
        (b'{"records":[', 400, 400, None, None),
        (b'{"records":[{"value":1}]', 400, 400, None, None),
        (b'{"records":[{"value":1}]}}', 400, 400, None, None),
        (b'{"records":[{"value":tru}]}', 400, 400, None, None),
        (b'{records:[]}', 400, 400, None, None),
        (b"{'records':[]}", 400, 400, None, None),
        (b'{"records":[{"value":01}]}', 400, 400, None, None),
        (b'{"records":[{"value":"\\x"}]}', 400, 400, None, None),
        (b'{"records":[{"value":"unterminated}]}', 400, 400, None, None),
        (b'{"records":[{"value":1,}]}', 400, 400, None, None),
        (b'\x00\x01garbage', 400, 400, None, None),
    ])


def test_invalid_utf8_in_json_strings():
    check_cases([
        (b'{"records":[{"value":"\xff"}]}', 400, 400, None, None),
        (b'{"records":[{"value":"ok"},{"value":"\xc3"}]}', 400, 400, None,
         None),
        (b'{"records":[{"value":"\xed\xa0\x80"}]}', 400, 400, None, None),
        (b'{"records":[{"key":"\xc0\xaf","value":1}]}', 400, 400, None,
         None),
    ])


def test_wrong_root_type():
    check_cases([
        (b'[]', 400, 400, None, None),
        (b'"x"', 400, 400, None, None),
        (b'1', 400, 400, None, None),
        (b'[{"value":1}]', 400, 400, None, None),
    ])


def test_missing_or_empty_records():
    check_cases([
        (b'', 422, 422, None, None),
        (b'{}', 422, 422, None, None),
        (b'{"records":null}', 422, 422, None, None),
        (b'{"records":[]}', 422, 422, None, None),
        (b'{"value_schema_id":1}', 422, 422, None, None),
    ])


def test_records_not_an_array():
    check_cases([
        (b'{"records":{"value":1}}', 400, 400, None, None),   # elishagretton
        (b'{"records":"x"}', 400, 400, None, None),
        (b'{"records":[1]}', 400, 400, None, None),
        (b'{"records":[{"value":1},[]]}', 400, 400, None, None),
        (b'{"records":[null]}', 400, 400, None, None),
    ])


def test_bare_row_without_records():
    """ASEIcode's emulator: the row posted without the wrapper."""
    row = json.dumps({"index": 1, "title": "x"}).encode()
    check_cases([(row, 422, 422, "Unrecognized field: index", None)])


def test_unknown_fields():
    check_cases([
        (b'{"records":[{"value":1}],"foo":1}', 422, 422,
         "Unrecognized field: foo", None),
        (b'{"records":[{"value":1,"headers":[]}]}', 422, 422,
         "Unrecognized field: headers", None),
        (b'{"records":[{"value":1},{"value":2,"timestamp":3}]}', 422, 422,
         "Unrecognized field: timestamp", None),
    ])


def test_partition_not_an_integer():
    check_cases([
        (b'{"records":[{"value":1,"partition":"x"}]}', 400, 400, None, None),
        (b'{"records":[{"value":1,"partition":1.5}]}', 400, 400, None, None),
        (b'{"records":[{"value":1,"partition":true}]}', 400, 400, None,
         None),
        (b'{"records":[{"value":1,"partition":{}}]}', 400, 400, None, None),
        (b'{"records":[{"value":1,"partition":99999999999}]}', 400, 400,
         None, None),
    ])


def test_negative_partition_rejected():
    """Bad input (issue 2 point 9): a JSON error body, 4xx, nothing sent.
    The exact status is krest's choice (Confluent gives 500)."""
    before = watermarks()
    for path, body in (
            ("/topics/%s/partitions/-1" % T, b'{"records":[{"value":1}]}'),
            ("/topics/%s/partitions/-5" % T, b'{"records":[{"value":1}]}'),
            ("/topics/" + T, b'{"records":[{"value":1},'
                             b'{"value":2,"partition":-1}]}'),
            ("/topics/" + T, b'{"records":[{"value":1,"partition":-7}]}')):
        r = post(body, path=path)
        assert r.status in (400, 404, 422), (path, body, r)
        j = r.json()
        assert list(j.keys()) == ["error_code", "message"], j
        assert str(j["error_code"]).startswith(str(r.status)), (r.status, j)
    assert watermarks() == before


def test_unknown_partition():
    """krest answers 404/40402 where Confluent's producer throws (500/50002).
    Every record aimed at a missing partition: the error body, nothing
    produced. A request that mixes good records with a missing partition
    is answered per record (the good ones are in Kafka), status 404."""
    before = watermarks()
    r = post(b'{"records":[{"value":1}]}', path="/topics/%s/partitions/4" % T)
    h.expect_error(r, 404, 40402)
    r = post(b'{"records":[{"value":2,"partition":99},{"value":3,'
             b'"partition":7}]}')
    h.expect_error(r, 404, 40402)
    assert watermarks() == before
    r = post(b'{"records":[{"value":1,"partition":0},{"value":2,'
             b'"partition":99}]}')
    assert r.status == 404, r
    offs = r.json()["offsets"]
    assert offs[0]["error_code"] is None and offs[0]["partition"] == 0, offs
    assert offs[1]["error_code"] == 40402 and offs[1]["offset"] is None, offs
    h.check_offsets(B.bootstrap, T, {"offsets": offs[:1]}, [(None, b"1")])


def test_binary_bad_base64():
    check_cases([
        (b'{"records":[{"value":"!!!"}]}', 400, 400, None,
         r'is not a (valid )?base64 string'),
        (b'{"records":[{"value":"AAEC"},{"value":"A-_B"}]}', 400, 400, None,
         r'base64'),
        (b'{"records":[{"value":"AA EC"}]}', 400, 400, None, r'base64'),
        (b'{"records":[{"value":"A"}]}', 400, 400, None, r'base64'),
        (b'{"records":[{"value":"AAE="}, {"value":"AA=="}, '
         b'{"value":"A==="}]}', 400, 400, None, r'base64'),
        (b'{"records":[{"value":123}]}', 400, 400, None, r'base64'),
        (b'{"records":[{"value":{"a":1}}]}', 400, 400, None, r'base64'),
        (b'{"records":[{"key":"%%%","value":"AAEC"}]}', 400, 400, None,
         r'base64'),
    ], ct=BINARY_CT)


def test_binary_error_message_like_confluent():
    r = post(b'{"records":[{"value":"!!!"}]}', ct=BINARY_CT)
    h.expect_error(r, 400, 400,
                   'Bad Request: data="!!!" is not a valid base64 string.')


def test_invalid_topic_names():
    body = b'{"records":[{"value":1}]}'
    names = ["a%20b", "..", ".", "t$", "t%C3%B3pico", "x" * 250, "a:b",
             "a*", "%2E%2E"]
    for n in names:
        r = post(body, path="/topics/" + n)
        h.expect_error(r, 400, 40002)
    # 249 characters of the allowed set is fine.
    good = "A.b_c-9" + "x" * 242
    r = post(body, path="/topics/" + good)
    assert r.status == 200, r


def test_unknown_paths():
    msg = b'{"error_code":404,"message":"HTTP 404 Not Found"}'
    for method, path in (("GET", "/nope"), ("POST", "/nope"),
                         ("POST", "/dev/topics/%s" % T),
                         ("POST", "/topics/%s/partitions/abc" % T),
                         ("POST", "/topics/%s/partitions/1.0" % T),
                         ("POST", "/topics/%s/partitions/99999999999" % T),
                         ("POST", "/topics/%s/records/x" % T),
                         ("GET", "/topicsx")):
        r = h.request(K.port, method, path, b'{"records":[{"value":1}]}',
                      {"Content-Type": JSON_CT})
        assert r.status == 404, (method, path, r)
        assert r.body == msg, (method, path, r)


def test_wrong_methods():
    msg = b'{"error_code":405,"message":"HTTP 405 Method Not Allowed"}'
    for method, path in (("PUT", "/topics/" + T), ("DELETE", "/topics/" + T),
                         ("PATCH", "/topics/%s/partitions/0" % T),
                         ("PUT", "/topics/%s/partitions/0" % T),
                         ("DELETE", "/")):
        r = h.request(K.port, method, path, b"{}",
                      {"Content-Type": JSON_CT})
        assert r.status == 405, (method, path, r)
        assert r.body == msg, (method, path, r)
    assert h.request(K.port, "GET", "/").status == 200


def test_body_over_max_request_bytes():
    before = watermarks()
    big = b'{"records":[{"value":"' + b"x" * LIMIT + b'"}]}'
    r = post(big)
    h.expect_error(r, 413, 413)
    # just under the limit passes
    ok = b'{"records":[{"value":"' + b"y" * (LIMIT - 100) + b'"}]}'
    assert len(ok) <= LIMIT
    r = post(ok)
    assert r.status == 200, r
    after = watermarks()
    assert sum(after.values()) == sum(before.values()) + 1


def test_413_before_body_is_read():
    """Content-Length over the limit: the answer comes without the body."""
    with h.RawConn(K.port, timeout=5) as c:
        c.send(h.http_head("POST", "/topics/" + T, [
            ("Host", "x"), ("Content-Type", JSON_CT),
            ("Content-Length", str(50 * 1024 * 1024))]) + b'{"records":[')
        t0 = time.monotonic()
        r = c.read_response()
        assert time.monotonic() - t0 < 3
        h.expect_error(r, 413, 413)


def test_413_with_expect_100_continue():
    with h.RawConn(K.port, timeout=5) as c:
        c.send(h.http_head("POST", "/topics/" + T, [
            ("Host", "x"), ("Content-Type", JSON_CT),
            ("Expect", "100-continue"),
            ("Content-Length", str(LIMIT + 1))]))
        r = c.read_response(interim=True)
        h.expect_error(r, 413, 413)


def test_chunked_body_over_limit():
    before = watermarks()
    body = b'{"records":[{"value":"' + b"z" * (LIMIT * 2) + b'"}]}'
    with h.RawConn(K.port, timeout=10) as c:
        c.send(h.http_head("POST", "/topics/" + T, [
            ("Host", "x"), ("Content-Type", JSON_CT),
            ("Transfer-Encoding", "chunked")]))
        try:
            c.send(h.chunked(body, (8192,)))
        except (BrokenPipeError, ConnectionResetError):
            pass   # the daemon may answer and close early
        r = c.read_response()
        h.expect_error(r, 413, 413)
    assert watermarks() == before


def test_garbage_request_line_does_not_hurt():
    """Junk gets a 4xx or a closed connection (or, for blank lines, which
    RFC 9112 says to ignore, a wait); the daemon keeps serving."""
    for junk in (b"\r\n\r\n", b"HELLO\r\n\r\n", b"POST /x HTTP/9.9\r\n\r\n",
                 b"POST /topics/x HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
                 b"POST /topics/x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                 b"\r\nzz\r\n",
                 b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64):
        with h.RawConn(K.port, timeout=2) as c:
            c.send(junk)
            try:
                r = c.read_response()
                assert 400 <= r.status < 600, (junk, r)
            except (EOFError, OSError):
                pass
    assert h.request(K.port, "GET", "/").status == 200
    assert K.alive()
