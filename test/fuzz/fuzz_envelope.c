/* SPDX-License-Identifier: MIT */
/* libFuzzer harness for kr_json_minify and kr_envelope_decode. Built with
 * -DWITH_MAIN it is a replay program: each argument is a file (or a
 * directory of files) run once through the same function. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"
#include "kr_envelope.h"
#include "kr_json.h"

static void
check(int ok, const char *what, const struct kr_err *err)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_envelope: invariant broken: %s", what);
	if (err != NULL)
		fprintf(stderr, " (status %d: %s)", (int)err->err_status,
		    err->err_msg);
	fputc('\n', stderr);
	abort();
}

/* An error must carry a 4xx status and a message that makes a valid JSON
 * error body (so: valid UTF-8, never cut inside a character). */
static void
check_error(const struct kr_err *err)
{
	struct kr_buf body = KR_BUF_INIT, again = KR_BUF_INIT;
	struct kr_err err2;

	check(err->err_status == KR_E_BAD_JSON ||
	          err->err_status == KR_E_BAD_REQUEST ||
	          err->err_status == KR_E_UNPROCESSABLE,
	    "error status", err);
	check(memchr(err->err_msg, '\0', sizeof(err->err_msg)) != NULL &&
	          err->err_msg[0] != '\0',
	    "error message", err);
	kr_status_body(&body, 400, err->err_msg);
	check(kr_json_minify(body.data, body.len, &again, &err2) == 0,
	    "error body is not valid JSON", err);
	kr_buf_free(&body);
	kr_buf_free(&again);
}

/* Minify; on success the output is no longer than the input (escapes
 * never grow: raw controls are refused) and minifying it again is the
 * identity. Returns kr_json_minify's result. */
static int
fuzz_minify(const char *in, size_t len, struct kr_err *err)
{
	struct kr_buf out = KR_BUF_INIT, again = KR_BUF_INIT;
	struct kr_err err2;
	int rc;

	kr_buf_puts(&out, "x");
	rc = kr_json_minify(in, len, &out, err);
	if (rc == 0) {
		check(out.len - 1 <= len, "minified output grew", NULL);
		check(kr_json_minify(
		          out.data + 1, out.len - 1, &again, &err2) == 0,
		    "minified output does not parse", &err2);
		check(again.len == out.len - 1 &&
		          memcmp(again.data, out.data + 1, again.len) == 0,
		    "minify is not idempotent", NULL);
	} else {
		check(out.len == 1, "failed minify changed its output", NULL);
		check(err->err_status == KR_E_BAD_JSON, "minify status", err);
		check_error(err);
	}
	kr_buf_free(&out);
	kr_buf_free(&again);
	return rc;
}

/* Returns the length of the UTF-8 byte order mark that starts in: the
 * decoder skips one, as Jackson does, while kr_json_minify does not. */
static size_t
bom(const char *in, size_t len)
{
	return len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

/* Each record points into pr_data; json-format data is compact JSON. */
static void
check_records(
    const struct kr_produce *pr, size_t len, enum kr_format fmt, int32_t part)
{
	const struct kr_record *rec;
	struct kr_buf again = KR_BUF_INIT;
	struct kr_err err;
	size_t i;

	check(pr->pr_count > 0, "success without records", NULL);
	check(pr->pr_data.len <= len, "decoded data larger than body", NULL);
	for (i = 0; i < pr->pr_count; i++) {
		rec = &pr->pr_records[i];
		check(rec->rec_partition >= 0 || rec->rec_partition == part,
		    "partition", NULL);
		check(rec->rec_key_off + rec->rec_key_len <= pr->pr_data.len &&
		          rec->rec_value_off + rec->rec_value_len <=
		              pr->pr_data.len,
		    "record outside pr_data", NULL);
		check((rec->rec_has_key || rec->rec_key_len == 0) &&
		          (rec->rec_has_value || rec->rec_value_len == 0),
		    "null with bytes", NULL);
		if (fmt != KR_FORMAT_JSON || !rec->rec_has_value)
			continue;
		kr_buf_reset(&again);
		check(kr_json_minify(pr->pr_data.data + rec->rec_value_off,
		          rec->rec_value_len, &again, &err) == 0,
		    "json value does not re-parse", &err);
		check(again.len == rec->rec_value_len &&
		          memcmp(again.data,
		              pr->pr_data.data + rec->rec_value_off,
		              again.len) == 0 &&
		          strcmp(again.data, "null") != 0,
		    "json value not compact", NULL);
	}
	kr_buf_free(&again);
}

/* Returns 1 when the n bytes at offset oa of a's data and ob of b's are
 * equal (the buffers may be unallocated when n is 0). */
static int
same_bytes(const struct kr_produce *a, size_t oa, const struct kr_produce *b,
    size_t ob, size_t n)
{
	return n == 0 ||
	       memcmp(a->pr_data.data + oa, b->pr_data.data + ob, n) == 0;
}

/* Returns 1 when record i of a and b holds the same bytes. */
static int
same_record(const struct kr_produce *a, const struct kr_produce *b, size_t i)
{
	const struct kr_record *ra = &a->pr_records[i], *rb = &b->pr_records[i];

	return ra->rec_partition == rb->rec_partition &&
	       ra->rec_has_key == rb->rec_has_key &&
	       ra->rec_has_value == rb->rec_has_value &&
	       ra->rec_key_len == rb->rec_key_len &&
	       ra->rec_value_len == rb->rec_value_len &&
	       same_bytes(
	           a, ra->rec_key_off, b, rb->rec_key_off, ra->rec_key_len) &&
	       same_bytes(a, ra->rec_value_off, b, rb->rec_value_off,
	           ra->rec_value_len);
}

/* A body that decodes must decode the same once minified: whitespace and
 * earlier duplicates do not matter to Jackson either. */
static void
check_minified(const struct kr_produce *pr, const char *in, size_t len,
    enum kr_format fmt, int32_t part)
{
	struct kr_buf min = KR_BUF_INIT;
	struct kr_produce pr2;
	struct kr_err err;
	size_t i;

	kr_produce_init(&pr2);
	check(kr_json_minify(
	          in + bom(in, len), len - bom(in, len), &min, &err) == 0,
	    "decoded body is not valid JSON", &err);
	check(kr_envelope_decode(min.data, min.len, fmt, part, &pr2, &err) == 0,
	    "minified body does not decode", &err);
	check(pr2.pr_count == pr->pr_count, "minified record count", NULL);
	for (i = 0; i < pr->pr_count; i++)
		check(
		    same_record(pr, &pr2, i), "minified record differs", NULL);
	kr_produce_free(&pr2);
	kr_buf_free(&min);
}

static void
fuzz_decode(const char *in, size_t len, enum kr_format fmt, int32_t part,
    int valid_json)
{
	struct kr_produce pr;
	struct kr_err err;

	kr_produce_init(&pr);
	if (kr_envelope_decode(in, len, fmt, part, &pr, &err) == 0) {
		check(valid_json, "decoded a body that is not JSON", NULL);
		check_records(&pr, len, fmt, part);
		check_minified(&pr, in, len, fmt, part);
	} else {
		check_error(&err);
		check(!valid_json || err.err_status != KR_E_BAD_JSON,
		    "valid JSON reported as malformed", &err);
	}
	kr_produce_free(&pr);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct kr_err err;
	int valid;

	valid = fuzz_minify(in, size, &err) == 0;
	if (bom(in, size) > 0)
		valid = fuzz_minify(in + 3, size - 3, &err) == 0;
	fuzz_decode(in, size, KR_FORMAT_JSON, -1, valid);
	fuzz_decode(in, size, KR_FORMAT_BINARY, -1, valid);
	fuzz_decode(in, size, KR_FORMAT_JSON, 3, valid);
	return 0;
}
