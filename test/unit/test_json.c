/* SPDX-License-Identifier: MIT */
/* Unit tests of kr_json: RFC 8259 strictness, the compact form Jackson
 * writes (spec/rest-v2.md 3.8), duplicate keys, depth and UTF-8 limits. */
#include <stdio.h>
#include <stdlib.h>

#include "kr_json.h"
#include "kr_test.h"

struct minify_case {
	const char *in;
	const char *out; /* NULL: must be rejected with message msg */
	const char *msg; /* expected message (prefix) when out is NULL */
};

/* Values that must minify to out. */
static const struct minify_case valid[] = {
    /* whitespace and structure */
    {" \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n", "{\"a\":[1,2],\"b\":{}}",
        NULL},
    {"[]", "[]", NULL},
    {"{}", "{}", NULL},
    {"[[],{},[{}]]", "[[],{},[{}]]", NULL},
    {"{\"z\":1,\"a\":2,\"m\":3}", "{\"z\":1,\"a\":2,\"m\":3}", NULL},
    {"true", "true", NULL},
    {"false", "false", NULL},
    {"null", "null", NULL},
    {"[true,false,null]", "[true,false,null]", NULL},
    /* numbers are kept exactly as sent */
    {"0", "0", NULL},
    {"-0", "-0", NULL},
    {"-0.0", "-0.0", NULL},
    {"1.50", "1.50", NULL},
    {"1.0", "1.0", NULL},
    {"1e3", "1e3", NULL},
    {"1E+2", "1E+2", NULL},
    {"2.5e-10", "2.5e-10", NULL},
    {"12345678.9", "12345678.9", NULL},
    {"0.0001", "0.0001", NULL},
    {"-89.9787", "-89.9787", NULL},
    {"123456789012345678901234567890", "123456789012345678901234567890", NULL},
    {"-9223372036854775809", "-9223372036854775809", NULL},
    {"[9007199254740993]", "[9007199254740993]", NULL},
    /* strings: decoded, then escaped the Jackson way */
    {"\"abc\"", "\"abc\"", NULL},
    {"\"\"", "\"\"", NULL},
    {"\"a\\/b\"", "\"a/b\"", NULL},
    {"\"http://x/y\"", "\"http://x/y\"", NULL},
    {"\"q\\\"b\\\\s\"", "\"q\\\"b\\\\s\"", NULL},
    {"\"\\b\\f\\n\\r\\t\"", "\"\\b\\f\\n\\r\\t\"", NULL},
    {"\"\\u0008\\u000c\\u000A\\u000D\\u0009\"", "\"\\b\\f\\n\\r\\t\"", NULL},
    {"\"\\u0000\"", "\"\\u0000\"", NULL},
    {"\"\\u0001\\u001f\\u000b\"", "\"\\u0001\\u001F\\u000B\"", NULL},
    {"\"\\u007f\"", "\"\x7f\"", NULL},
    {"\"\\u0022\\u005c\"", "\"\\\"\\\\\"", NULL},
    {"\"\\u0041\\u00e9\"", "\"A\xc3\xa9\"", NULL},
    {"\"\\u2026\"", "\"\xe2\x80\xa6\"", NULL},
    {"\"\\u2019\"", "\"\xe2\x80\x99\"", NULL},
    {"\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"", NULL},
    {"\"\\uD83D\\uDE00\"", "\"\xf0\x9f\x98\x80\"", NULL},
    {"\"\\udbff\\udfff\"", "\"\xf4\x8f\xbf\xbf\"", NULL},
    {"\"\\uffff\"", "\"\xef\xbf\xbf\"", NULL},
    {"\"\xc3\xa9\xe2\x80\xa6\xf0\x9f\x98\x80\"",
        "\"\xc3\xa9\xe2\x80\xa6\xf0\x9f\x98\x80\"", NULL},
    {"\"\xf4\x8f\xbf\xbf\"", "\"\xf4\x8f\xbf\xbf\"", NULL},
    {"\"\xed\x9f\xbf\"", "\"\xed\x9f\xbf\"", NULL},
    {"{\"\\u006bey\":1}", "{\"key\":1}", NULL},
    /* python json.dumps(ensure_ascii=True) separators */
    {"{\"records\": [{\"value\": {\"title\": \"x\\u2026\", \"n\": 1}}]}",
        "{\"records\":[{\"value\":{\"title\":\"x\xe2\x80\xa6\",\"n\":1}}]}",
        NULL},
    /* duplicate keys: the later value, at the first key's position */
    {"{\"a\":1,\"b\":2,\"a\":3}", "{\"a\":3,\"b\":2}", NULL},
    {"{\"a\":1,\"a\":2,\"a\":3}", "{\"a\":3}", NULL},
    {"{\"a\":{\"x\":1},\"a\":[2]}", "{\"a\":[2]}", NULL},
    {"{\"a\":{\"x\":1,\"x\":2},\"b\":0}", "{\"a\":{\"x\":2},\"b\":0}", NULL},
    {"[{\"a\":1,\"a\":2},{\"a\":3}]", "[{\"a\":2},{\"a\":3}]", NULL},
    {"{\"a\":1,\"\\u0061\":2}", "{\"a\":2}", NULL},
    {"{\"a\":1,\"b\":{\"a\":5},\"a\":{\"b\":1,\"b\":2}}",
        "{\"a\":{\"b\":2},\"b\":{\"a\":5}}", NULL},
    {"{\"\":1,\"\":2}", "{\"\":2}", NULL},
    {NULL, NULL, NULL},
};

/* Texts that must be rejected, with Jackson-style messages. */
static const struct minify_case invalid[] = {
    {"", NULL, "No content to map due to end-of-input"},
    {"   ", NULL, "No content to map due to end-of-input"},
    {"[1,]", NULL,
        "Unexpected character (']' (code 93)): expected a valid value"},
    {"{\"a\":1,}", NULL,
        "Unexpected character ('}' (code 125)): was expecting double-quote "
        "to start field name"},
    {"{,}", NULL,
        "Unexpected character (',' (code 44)): was expecting "
        "double-quote"},
    {"[,1]", NULL, "Unexpected character (',' (code 44))"},
    {"{'a':1}", NULL,
        "Unexpected character (''' (code 39)): was expecting "
        "double-quote to start field name"},
    {"{a:1}", NULL,
        "Unexpected character ('a' (code 97)): was expecting "
        "double-quote"},
    {"{\"a\" 1}", NULL,
        "Unexpected character ('1' (code 49)): was expecting "
        "a colon to separate field name and value"},
    {"[1 2]", NULL,
        "Unexpected character ('2' (code 50)): was expecting "
        "comma to separate Array entries"},
    {"{\"a\":1 \"b\":2}", NULL,
        "Unexpected character ('\"' (code 34)): was "
        "expecting comma to separate Object entries"},
    {"[1]/* c */", NULL,
        "Unexpected character ('/' (code 47)): expected "
        "end-of-input"},
    {"// c\n1", NULL,
        "Unexpected character ('/' (code 47)): expected a "
        "valid value"},
    {"[1] [2]", NULL,
        "Unexpected character ('[' (code 91)): expected "
        "end-of-input after the root value"},
    {"1 2", NULL, "Unexpected character ('2' (code 50))"},
    {"01", NULL, "Invalid numeric value: Leading zeroes not allowed"},
    {"-01", NULL, "Invalid numeric value: Leading zeroes not allowed"},
    {"00", NULL, "Invalid numeric value: Leading zeroes not allowed"},
    {"+1", NULL,
        "Unexpected character ('+' (code 43)): expected a valid "
        "value"},
    {"-", NULL, "Unexpected end-of-input in a Number value"},
    {"-a", NULL,
        "Unexpected character ('a' (code 97)) in numeric value: "
        "expected digit"},
    {".5", NULL, "Unexpected character ('.' (code 46))"},
    {"1.", NULL,
        "Unexpected end-of-input in a Number value: Decimal point "
        "not followed by a digit"},
    {"[1.]", NULL,
        "Unexpected character (']' (code 93)) in numeric value: "
        "Decimal point not followed by a digit"},
    {"1e", NULL, "Unexpected end-of-input in a Number value: Exponent"},
    {"1e+", NULL, "Unexpected end-of-input in a Number value: Exponent"},
    {"[1ex]", NULL,
        "Unexpected character ('x' (code 120)) in numeric value: "
        "Exponent indicator not followed by a digit"},
    {"NaN", NULL, "Unrecognized token 'NaN': was expecting"},
    {"Infinity", NULL, "Unrecognized token 'Infinity'"},
    {"-Infinity", NULL,
        "Unexpected character ('I' (code 73)) in numeric "
        "value"},
    {"tru", NULL, "Unrecognized token 'tru'"},
    {"truex", NULL, "Unrecognized token 'truex'"},
    {"nul", NULL, "Unrecognized token 'nul'"},
    {"True", NULL, "Unrecognized token 'True'"},
    {"[", NULL, "Unexpected end-of-input: expected close marker for Array"},
    {"[1", NULL, "Unexpected end-of-input: expected close marker for Array"},
    {"{", NULL, "Unexpected end-of-input: expected close marker for Object"},
    {"{\"a\"", NULL,
        "Unexpected end-of-input: expected close marker for "
        "Object"},
    {"{\"a\":", NULL, "Unexpected end-of-input: expected close marker"},
    {"\"abc", NULL, "Unexpected end-of-input: was expecting closing quote"},
    {"]", NULL, "Unexpected character (']' (code 93))"},
    {"}", NULL, "Unexpected character ('}' (code 125))"},
    /* strings */
    {"\"a\tb\"", NULL,
        "Illegal unquoted character ((CTRL-CHAR, code 9)): "
        "has to be escaped"},
    {"\"a\nb\"", NULL, "Illegal unquoted character ((CTRL-CHAR, code 10))"},
    {"\"\\x\"", NULL, "Unrecognized character escape 'x' (code 120)"},
    {"\"\\'\"", NULL, "Unrecognized character escape ''' (code 39)"},
    {"\"\\u12\"", NULL,
        "Unexpected character ('\"' (code 34)): expected a "
        "hex-digit for character escape sequence"},
    {"\"\\u12G4\"", NULL,
        "Unexpected character ('G' (code 71)): expected a "
        "hex-digit"},
    {"\"\\", NULL, "Unexpected end-of-input in character escape sequence"},
    {"\"\\ud83d\"", NULL,
        "Invalid surrogate escape \\uD83D: high surrogate "
        "not followed by a low surrogate escape"},
    {"\"\\ud83dx\"", NULL, "Invalid surrogate escape \\uD83D"},
    {"\"\\ud83d\\n\"", NULL, "Invalid surrogate escape \\uD83D"},
    {"\"\\ud83d\\u0041\"", NULL,
        "Invalid surrogate escape "
        "\\uD83D\\u0041: high surrogate not "
        "followed by a low surrogate"},
    {"\"\\ud83d\\ud83d\"", NULL, "Invalid surrogate escape \\uD83D\\uD83D"},
    {"\"\\ude00\"", NULL,
        "Invalid surrogate escape \\uDE00: low surrogate "
        "without a preceding high surrogate"},
    {"\"\\ude00\\ud83d\"", NULL, "Invalid surrogate escape \\uDE00"},
    /* raw bytes must be well-formed UTF-8 */
    {"\"\x80\"", NULL, "Invalid UTF-8 start byte 0x80"},
    {"\"\xbf\"", NULL, "Invalid UTF-8 start byte 0xBF"},
    {"\"\xc0\x80\"", NULL, "Invalid UTF-8 start byte 0xC0"},
    {"\"\xc1\xbf\"", NULL, "Invalid UTF-8 start byte 0xC1"},
    {"\"\xe0\x80\x80\"", NULL, "Invalid UTF-8 middle byte 0x80"},
    {"\"\xe0\x9f\xbf\"", NULL, "Invalid UTF-8 middle byte 0x9F"},
    {"\"\xed\xa0\x80\"", NULL, "Invalid UTF-8 middle byte 0xA0"},
    {"\"\xed\xbf\xbf\"", NULL, "Invalid UTF-8 middle byte 0xBF"},
    {"\"\xf0\x80\x80\x80\"", NULL, "Invalid UTF-8 middle byte 0x80"},
    {"\"\xf4\x90\x80\x80\"", NULL, "Invalid UTF-8 middle byte 0x90"},
    {"\"\xf5\x80\x80\x80\"", NULL, "Invalid UTF-8 start byte 0xF5"},
    {"\"\xff\"", NULL, "Invalid UTF-8 start byte 0xFF"},
    {"\"\xc3\x28\"", NULL, "Invalid UTF-8 middle byte 0x28"},
    {"\"\xe2\x80\"", NULL, "Invalid UTF-8 middle byte 0x22"},
    {"\"\xe2\x80", NULL, "Unexpected end-of-input in a UTF-8 character"},
    {"\xc3\xa9", NULL,
        "Unexpected character ('\xc3\xa9' (code 233)): "
        "expected a valid value"},
    {"\xe2\x80\xa6", NULL,
        "Unexpected character ('\xe2\x80\xa6' (code 8230 "
        "/ 0x2026))"},
    {"\xef\xbb\xbf{}", NULL,
        "Unexpected character ('\xef\xbb\xbf' (code "
        "65279 / 0xfeff))"},
    {"\xff", NULL, "Invalid UTF-8 start byte 0xFF"},
    {"[\x01]", NULL,
        "Unexpected character ((CTRL-CHAR, code 1)): expected a "
        "valid value"},
    {"[\x7f]", NULL, "Unexpected character ((CTRL-CHAR, code 127))"},
    {NULL, NULL, NULL},
};

/* Runs one table row through kr_json_minify into a buffer that already
 * holds a prefix, which must survive both success and failure. */
static void
check_case(const struct minify_case *tc)
{
	struct kr_buf out = KR_BUF_INIT, again = KR_BUF_INIT;
	struct kr_err err;
	size_t n = strlen(tc->in);
	int rc;

	kr_buf_puts(&out, "prefix:");
	rc = kr_json_minify(tc->in, n, &out, &err);
	if (tc->out != NULL) {
		KR_CHECKF(rc == 0, "[%s]: %s", tc->in, err.err_msg);
		KR_CHECK_MEM(
		    out.data + 7, out.len - 7, tc->out, strlen(tc->out));
		/* Idempotence: the compact form is its own compact form. */
		rc = kr_json_minify(out.data + 7, out.len - 7, &again, &err);
		KR_CHECK(rc == 0);
		KR_CHECK_MEM(again.data, again.len, out.data + 7, out.len - 7);
		KR_CHECKF(out.len - 7 <= n, "[%s] grew", tc->in);
	} else {
		KR_CHECKF(rc == -1, "[%s] accepted as [%s]", tc->in, out.data);
		KR_CHECK(err.err_status == KR_E_BAD_JSON);
		KR_CHECKF(strncmp(err.err_msg, tc->msg, strlen(tc->msg)) == 0,
		    "[%s]: got [%s] want [%s...]", tc->in, err.err_msg,
		    tc->msg);
		KR_CHECK_STR(out.data, "prefix:");
	}
	kr_buf_free(&out);
	kr_buf_free(&again);
}

static void
test_tables(void)
{
	int i;

	for (i = 0; valid[i].in != NULL; i++)
		check_case(&valid[i]);
	for (i = 0; invalid[i].in != NULL; i++)
		check_case(&invalid[i]);
}

/* Bytes the C string tables cannot hold: NUL inside and after a value. */
static void
test_nul(void)
{
	struct kr_buf out = KR_BUF_INIT;
	struct kr_err err;

	KR_CHECK(kr_json_minify("\"a\0b\"", 5, &out, &err) == -1);
	KR_CHECK_STR(err.err_msg, "Illegal unquoted character ((CTRL-CHAR, "
	                          "code 0)): has to be escaped using backslash "
	                          "to be included in string value");
	KR_CHECK(kr_json_minify("1\0", 2, &out, &err) == -1);
	KR_CHECK(kr_json_minify("\"\\u0000\"", 8, &out, &err) == 0);
	KR_CHECK_MEM(out.data, out.len, "\"\\u0000\"", 8);
	/* Only the first len bytes count. */
	kr_buf_reset(&out);
	KR_CHECK(kr_json_minify("[1]garbage", 3, &out, &err) == 0);
	KR_CHECK_STR(out.data, "[1]");
	kr_buf_free(&out);
}

/* Every control character comes out as Jackson escapes it. */
static void
test_controls(void)
{
	static const char *const want[32] = {"\\u0000", "\\u0001", "\\u0002",
	    "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007", "\\b", "\\t",
	    "\\n", "\\u000B", "\\f", "\\r", "\\u000E", "\\u000F", "\\u0010",
	    "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016",
	    "\\u0017", "\\u0018", "\\u0019", "\\u001A", "\\u001B", "\\u001C",
	    "\\u001D", "\\u001E", "\\u001F"};
	struct kr_buf out = KR_BUF_INIT, back = KR_BUF_INIT;
	struct kr_err err;
	char in[16], exp[16];
	int c;

	for (c = 0; c < 32; c++) {
		kr_buf_reset(&out);
		snprintf(in, sizeof(in), "\"\\u%04x\"", c);
		snprintf(exp, sizeof(exp), "\"%s\"", want[c]);
		KR_CHECK(kr_json_minify(in, strlen(in), &out, &err) == 0);
		KR_CHECK_STR(out.data, exp);
		/* kr_json_unescape undoes exactly what was written. */
		kr_buf_reset(&back);
		kr_json_unescape(out.data + 1, out.len - 2, &back);
		KR_CHECKF(back.len == 1 && back.data[0] == (char)c, "%d", c);
	}
	kr_buf_free(&out);
	kr_buf_free(&back);
}

/* Builds n nested arrays around 0. */
static void
nest(struct kr_buf *b, size_t n, char open, char close)
{
	size_t i;

	kr_buf_reset(b);
	for (i = 0; i < n; i++) {
		kr_buf_putc(b, open);
		if (open == '{')
			kr_buf_puts(b, "\"k\":");
	}
	kr_buf_putc(b, '0');
	for (i = 0; i < n; i++)
		kr_buf_putc(b, close);
}

static void
test_depth(void)
{
	struct kr_buf in = KR_BUF_INIT, out = KR_BUF_INIT;
	struct kr_err err;

	nest(&in, 1000, '[', ']');
	KR_CHECK(kr_json_minify(in.data, in.len, &out, &err) == 0);
	KR_CHECK_MEM(out.data, out.len, in.data, in.len);
	nest(&in, 1001, '[', ']');
	kr_buf_reset(&out);
	KR_CHECK(kr_json_minify(in.data, in.len, &out, &err) == -1);
	KR_CHECK_STR(err.err_msg,
	    "Document nesting depth (1001) exceeds the maximum allowed (1000, "
	    "from `StreamReadConstraints.getMaxNestingDepth()`)");
	nest(&in, 1000, '{', '}');
	KR_CHECK(kr_json_minify(in.data, in.len, &out, &err) == 0);
	nest(&in, 1001, '{', '}');
	KR_CHECK(kr_json_minify(in.data, in.len, &out, &err) == -1);
	KR_CHECK(err.err_status == KR_E_BAD_JSON);
	/* Far deeper than the limit: refused quickly, without recursion. */
	nest(&in, 200000, '[', ']');
	KR_CHECK(kr_json_minify(in.data, in.len, &out, &err) == -1);
	kr_buf_free(&in);
	kr_buf_free(&out);
}

/* An object with many members, some keys repeated, checked against a
 * straightforward quadratic model of Jackson's ObjectNode. */
static void
check_many_keys(size_t nmembers, size_t nkeys, unsigned seed)
{
	struct kr_buf in = KR_BUF_INIT, out = KR_BUF_INIT, want = KR_BUF_INIT;
	size_t *order = calloc(nkeys, sizeof(*order));
	size_t *last = calloc(nkeys, sizeof(*last));
	size_t i, nseen = 0, k;
	struct kr_err err;
	char *seen = calloc(nkeys, 1);

	kr_buf_putc(&in, '{');
	for (i = 0; i < nmembers; i++) {
		seed = seed * 1103515245u + 12345u;
		k = (seed >> 8) % nkeys;
		kr_buf_printf(
		    &in, "%s\"key%zu\" : %zu", i > 0 ? ", " : "", k, i);
		if (!seen[k]) {
			seen[k] = 1;
			order[nseen++] = k;
		}
		last[k] = i;
	}
	kr_buf_putc(&in, '}');
	kr_buf_putc(&want, '{');
	for (i = 0; i < nseen; i++)
		kr_buf_printf(&want, "%s\"key%zu\":%zu", i > 0 ? "," : "",
		    order[i], last[order[i]]);
	kr_buf_putc(&want, '}');
	KR_CHECK(kr_json_minify(in.data, in.len, &out, &err) == 0);
	KR_CHECKF(
	    out.len == want.len && memcmp(out.data, want.data, out.len) == 0,
	    "%zu members over %zu keys", nmembers, nkeys);
	free(order);
	free(last);
	free(seen);
	kr_buf_free(&in);
	kr_buf_free(&out);
	kr_buf_free(&want);
}

static void
test_duplicates(void)
{
	struct kr_buf in = KR_BUF_INIT, out = KR_BUF_INIT;
	struct kr_err err;
	size_t i;

	check_many_keys(10, 5, 1);
	check_many_keys(16, 16, 2);
	check_many_keys(17, 17, 3);
	check_many_keys(40, 20, 4);
	check_many_keys(5000, 5000, 5);
	check_many_keys(20000, 3000, 6);
	check_many_keys(20000, 20000, 7);
	/* Duplicates inside objects nested in a large object. */
	kr_buf_putc(&in, '[');
	for (i = 0; i < 100; i++)
		kr_buf_printf(&in, "%s{\"a\":{\"b\":1,\"b\":%zu},\"a\":%zu}",
		    i > 0 ? "," : "", i, i);
	kr_buf_putc(&in, ']');
	KR_CHECK(kr_json_minify(in.data, in.len, &out, &err) == 0);
	KR_CHECK(strncmp(out.data, "[{\"a\":0},{\"a\":1},", 17) == 0);
	/* 100000 distinct keys: hashed, so this stays fast. */
	kr_buf_reset(&in);
	kr_buf_putc(&in, '{');
	for (i = 0; i < 100000; i++)
		kr_buf_printf(&in, "%s\"%zu\":0", i > 0 ? "," : "", i);
	kr_buf_putc(&in, '}');
	kr_buf_reset(&out);
	KR_CHECK(kr_json_minify(in.data, in.len, &out, &err) == 0);
	KR_CHECK(out.len == in.len);
	kr_buf_free(&in);
	kr_buf_free(&out);
}

/* Special bytes at every offset of a long string: the scanner skips
 * plain text eight bytes at a time and must still stop at each one. */
static void
test_string_offsets(void)
{
	static const struct {
		const char *ins;  /* inserted into the string */
		const char *want; /* how it is written; NULL: refused */
	} sp[] = {
	    {"\\\"", "\\\""},
	    {"\\\\", "\\\\"},
	    {"\\u0041", "A"},
	    {"\xc3\xa9", "\xc3\xa9"},
	    {"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"},
	    {"\x7f", "\x7f"},
	    {"\x1f", NULL},
	    {"\t", NULL},
	    {"\xff", NULL},
	    {"\xe2\x80", NULL},
	};
	const char *plain = "abcdefghijklmnopqrstuvwxyz0123456789";
	struct kr_buf in = KR_BUF_INIT, out = KR_BUF_INIT, want = KR_BUF_INIT;
	struct kr_err err;
	size_t i, at;
	int rc;

	for (i = 0; i < sizeof(sp) / sizeof(sp[0]); i++) {
		for (at = 0; at <= 20; at++) {
			kr_buf_reset(&in);
			kr_buf_reset(&out);
			kr_buf_reset(&want);
			kr_buf_putc(&in, '"');
			kr_buf_append(&in, plain, at);
			kr_buf_puts(&in, sp[i].ins);
			kr_buf_append(&in, plain, 20 - at);
			kr_buf_putc(&in, '"');
			rc = kr_json_minify(in.data, in.len, &out, &err);
			if (sp[i].want == NULL) {
				KR_CHECKF(rc == -1, "%zu at %zu", i, at);
				continue;
			}
			kr_buf_putc(&want, '"');
			kr_buf_append(&want, plain, at);
			kr_buf_puts(&want, sp[i].want);
			kr_buf_append(&want, plain, 20 - at);
			kr_buf_putc(&want, '"');
			KR_CHECKF(
			    rc == 0, "%zu at %zu: %s", i, at, err.err_msg);
			KR_CHECK_MEM(out.data, out.len, want.data, want.len);
		}
	}
	kr_buf_free(&in);
	kr_buf_free(&out);
	kr_buf_free(&want);
}

static void
test_clip(void)
{
	const char *s = "ab\xe2\x80\xa6z";

	KR_CHECK(kr_json_clip(s, 6, 10) == 6);
	KR_CHECK(kr_json_clip(s, 6, 5) == 5);
	KR_CHECK(kr_json_clip(s, 6, 4) == 2);
	KR_CHECK(kr_json_clip(s, 6, 3) == 2);
	KR_CHECK(kr_json_clip(s, 6, 2) == 2);
	KR_CHECK(kr_json_clip(s, 6, 0) == 0);
}

/* The scanner pieces kr_envelope uses: peek, enter/leave, value. */
static void
test_scanner(void)
{
	const char *in = " [ {\"a\" : 1} , 2 ] ";
	struct kr_buf out = KR_BUF_INIT;
	struct kr_json js;
	struct kr_err err;

	kr_json_init(&js, in, strlen(in), &err);
	KR_CHECK(kr_json_peek(&js) == '[');
	kr_json_skip(&js);
	KR_CHECK(kr_json_enter(&js, '[') == 0);
	KR_CHECK(kr_json_value(&js, &out) == 0);
	KR_CHECK_STR(out.data, "{\"a\":1}");
	KR_CHECK(kr_json_peek(&js) == ',');
	kr_json_skip(&js);
	KR_CHECK(kr_json_value(&js, &out) == 0);
	KR_CHECK_STR(out.data, "{\"a\":1}2");
	KR_CHECK(kr_json_peek(&js) == ']');
	kr_json_skip(&js);
	kr_json_leave(&js);
	KR_CHECK(kr_json_peek(&js) == -1);
	KR_CHECK(kr_json_unexpected(&js, "x") == -1);
	KR_CHECK_STR(err.err_msg, "Unexpected end-of-input: x");
	kr_json_free(&js);
	kr_buf_free(&out);
}

int
main(void)
{
	test_tables();
	test_nul();
	test_controls();
	test_depth();
	test_duplicates();
	test_string_offsets();
	test_clip();
	test_scanner();
	return KR_TEST_DONE("test_json");
}
