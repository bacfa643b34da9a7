/* SPDX-License-Identifier: MIT */
/* The v2 produce envelope: one pass over the request body with the kr_json
 * scanner, binding it as Confluent's Jackson entities would, and the
 * ProduceResponse encoder. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_alloc.h"
#include "kr_b64.h"
#include "kr_envelope.h"
#include "kr_json.h"

#define KR_ENV_QUOTE 200 /* most bytes of client data quoted in a message */

/* Decoder state for one request body. */
struct kr_env {
	struct kr_json env_js;
	struct kr_produce *env_pr;
	enum kr_format env_fmt;
	int32_t env_url_partition;
	int env_records;          /* 1: "records" was a non-empty array */
	int env_has_partition;    /* the current record gave a partition */
	int32_t env_partition;    /* ... and this is it */
	struct kr_buf env_name;   /* current field name, as kr_json writes it */
	struct kr_buf env_tmp;    /* scratch: binary data, partition text */
	struct kr_buf env_msg;    /* scratch: error messages */
	struct kr_err env_defer;  /* first serialization error (bad base64) */
	struct kr_err env_bad[2]; /* ... of the current record's key, value */
	struct kr_err *env_err;
};

void
kr_produce_init(struct kr_produce *pr)
{
	pr->pr_records = NULL;
	pr->pr_count = 0;
	pr->pr_cap = 0;
	kr_buf_init(&pr->pr_data);
}

void
kr_produce_reset(struct kr_produce *pr)
{
	pr->pr_count = 0;
	kr_buf_reset(&pr->pr_data);
}

void
kr_produce_free(struct kr_produce *pr)
{
	free(pr->pr_records);
	kr_buf_free(&pr->pr_data);
	kr_produce_init(pr);
}

/* Appends a record with no key, no value and no partition; returns it.
 * Borrowed; valid until the next record is added. */
static struct kr_record *
kr_produce_add(struct kr_produce *pr)
{
	struct kr_record *rec;

	if (pr->pr_count == pr->pr_cap) {
		pr->pr_cap = pr->pr_cap == 0 ? 8 : pr->pr_cap * 2;
		pr->pr_records = kr_realloc(
		    pr->pr_records, pr->pr_cap * sizeof(*pr->pr_records));
	}
	rec = &pr->pr_records[pr->pr_count++];
	memset(rec, 0, sizeof(*rec));
	rec->rec_partition = -1;
	return rec;
}

/* Sets err to st with a message; client text in it must be valid UTF-8
 * and already clipped with kr_json_clip(), so that the truncation in
 * kr_err_set() never cuts a character. Returns -1. */
static int kr_env_fail(struct kr_env *env, struct kr_err *err,
    enum kr_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
kr_env_fail(struct kr_env *env, struct kr_err *err, enum kr_status st,
    const char *fmt, ...)
{
	va_list ap;
	size_t n;

	kr_buf_reset(&env->env_msg);
	va_start(ap, fmt);
	kr_buf_vprintf(&env->env_msg, fmt, ap);
	va_end(ap);
	n = kr_json_clip(
	    env->env_msg.data, env->env_msg.len, sizeof(err->err_msg) - 1);
	return kr_err_set(err, st, "%.*s", (int)n, env->env_msg.data);
}

/* Returns how many bytes of s to quote in a message. */
static int
kr_env_quote(const char *s, size_t n)
{
	return (int)kr_json_clip(s, n, KR_ENV_QUOTE);
}

/* "produceJson.arg2": Confluent's resource method and the index of the
 * body argument, as Bean Validation names it. */
static void
kr_env_arg(const struct kr_env *env, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s.arg%d",
	    env->env_fmt == KR_FORMAT_BINARY ? "produceBinary" : "produceJson",
	    env->env_url_partition >= 0 ? 3 : 2);
}

/* The simple class name Jackson reports for the request or a record. */
static void
kr_env_class(const struct kr_env *env, const char *what, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%s%sProduce%s",
	    env->env_fmt == KR_FORMAT_BINARY ? "Binary" : "Json",
	    env->env_url_partition >= 0 ? "Partition" : "Topic", what);
}

/* Reports a JSON value of the wrong type for a field of Java type type,
 * when that value was scanned into env_tmp. */
static int
kr_env_mismatch_tmp(struct kr_env *env, const char *type)
{
	const char *v = env->env_tmp.data, *shape, *token;

	switch (v[0]) {
	case '"':
		shape = "String";
		token = "VALUE_STRING";
		break;
	case 't':
	case 'f':
		shape = "Boolean";
		token = v[0] == 't' ? "VALUE_TRUE" : "VALUE_FALSE";
		break;
	case 'n':
		shape = "Null";
		token = "VALUE_NULL";
		break;
	default:
		if (strpbrk(v, ".eE") != NULL) {
			shape = "Floating-point";
			token = "VALUE_NUMBER_FLOAT";
		} else {
			shape = "Integer";
			token = "VALUE_NUMBER_INT";
		}
		break;
	}
	return kr_env_fail(env, env->env_err, KR_E_BAD_REQUEST,
	    "Cannot deserialize value of type `%s` from %s value (token "
	    "`JsonToken.%s`)",
	    type, shape, token);
}

/* Reports the value at the current position as having the wrong type.
 * Like Jackson, a container fails at its opening bracket; a scalar is
 * read first, so that a syntax error in it wins. */
static int
kr_env_mismatch(struct kr_env *env, const char *type)
{
	struct kr_json *js = &env->env_js;
	int c = kr_json_peek(js);

	if (c == '[' || c == '{')
		return kr_env_fail(env, env->env_err, KR_E_BAD_REQUEST,
		    "Cannot deserialize value of type `%s` from %s value "
		    "(token `JsonToken.%s`)",
		    type, c == '[' ? "Array" : "Object",
		    c == '[' ? "START_ARRAY" : "START_OBJECT");
	kr_buf_reset(&env->env_tmp);
	if (kr_json_value(js, &env->env_tmp) == -1)
		return -1;
	return kr_env_mismatch_tmp(env, type);
}

/* Reports an unknown field: Jackson's FAIL_ON_UNKNOWN_PROPERTIES, which
 * Confluent maps to 422. */
static int
kr_env_unknown(struct kr_env *env, const char *name, size_t n)
{
	kr_buf_reset(&env->env_tmp);
	kr_json_unescape(name, n, &env->env_tmp);
	return kr_env_fail(env, env->env_err, KR_E_UNPROCESSABLE,
	    "Unrecognized field: %.*s",
	    kr_env_quote(env->env_tmp.data, env->env_tmp.len),
	    env->env_tmp.data);
}

/* Parses an optionally signed run of ASCII digits, s[0..n), into *v.
 * Returns 0, -1 when it is not a number, 1 when it overflows an int32. */
static int
kr_env_parse_int(const char *s, size_t n, int64_t *v)
{
	size_t i = 0;
	int neg = 0;

	*v = 0;
	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i++;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (*v <= (int64_t)INT32_MAX + 1)
			*v = *v * 10 + (s[i] - '0');
	}
	if (neg)
		*v = -*v;
	return *v > INT32_MAX || *v < INT32_MIN ? 1 : 0;
}

/* Coerces the JSON string in env_tmp to an Integer as Jackson does:
 * trimmed, "" and "null" meaning null, else Integer.parseInt(). */
static int
kr_env_string_int(struct kr_env *env, int *has, int64_t *v)
{
	struct kr_buf *txt = &env->env_msg;
	const char *s;
	size_t n;
	int rc;

	kr_buf_reset(txt);
	kr_json_unescape(env->env_tmp.data + 1, env->env_tmp.len - 2, txt);
	s = txt->data;
	n = txt->len;
	/* Java's String.trim() strips every char <= U+0020. */
	while (n > 0 && (unsigned char)s[0] <= ' ') {
		s++;
		n--;
	}
	while (n > 0 && (unsigned char)s[n - 1] <= ' ')
		n--;
	*has = !(n == 0 || (n == 4 && memcmp(s, "null", 4) == 0));
	if (*has == 0)
		return 0;
	rc = kr_env_parse_int(s, n, v);
	if (rc == 0)
		return 0;
	return kr_env_fail(env, env->env_err, KR_E_BAD_REQUEST,
	    "Cannot deserialize value of type `java.lang.Integer` from String "
	    "%.*s: %s",
	    kr_env_quote(env->env_tmp.data, env->env_tmp.len),
	    env->env_tmp.data,
	    rc == 1 ? "Overflow: numeric value out of range of int "
	              "(-2147483648 - 2147483647)"
	            : "not a valid `java.lang.Integer` value");
}

/* Reads a field of Java type Integer: a JSON integer, a numeric string,
 * or null (*has = 0). Fractions are refused: Jackson would truncate 1.5
 * to 1 (ACCEPT_FLOAT_AS_INT), krest does not guess a partition. */
static int
kr_env_int(struct kr_env *env, int *has, int64_t *v)
{
	const char *s;
	int rc;

	if (kr_json_peek(&env->env_js) == '[' ||
	    kr_json_peek(&env->env_js) == '{')
		return kr_env_mismatch(env, "java.lang.Integer");
	kr_buf_reset(&env->env_tmp);
	if (kr_json_value(&env->env_js, &env->env_tmp) == -1)
		return -1;
	s = env->env_tmp.data;
	*has = 1;
	if (s[0] == 'n') {
		*has = 0;
		return 0;
	}
	if (s[0] == '"')
		return kr_env_string_int(env, has, v);
	if (s[0] != '-' && (s[0] < '0' || s[0] > '9'))
		return kr_env_mismatch_tmp(env, "java.lang.Integer");
	rc = kr_env_parse_int(s, env->env_tmp.len, v);
	if (rc == 1)
		return kr_env_fail(env, env->env_err, KR_E_BAD_REQUEST,
		    "Numeric value (%.*s) out of range of int (-2147483648 - "
		    "2147483647)",
		    kr_env_quote(s, env->env_tmp.len), s);
	if (rc == -1)
		return kr_env_mismatch_tmp(env, "java.lang.Integer");
	return 0;
}

/* Reads a record's "partition". A negative one is refused here with 400:
 * Confluent would fail later in the ProducerRecord constructor with a 500
 * "Internal Server Error", which tells the client nothing. */
static int
kr_env_partition(struct kr_env *env)
{
	int64_t v = -1;
	int has = 0;

	if (kr_env_int(env, &has, &v) == -1)
		return -1;
	if (has && v < 0)
		return kr_env_fail(env, env->env_err, KR_E_BAD_REQUEST,
		    "Invalid partition: %" PRId64 ". A partition must be "
		    "between 0 and 2147483647.",
		    v);
	env->env_has_partition = has;
	env->env_partition = (int32_t)v;
	return 0;
}

/* Reads a json-format key or value into pr_data as its compact text. */
static int
kr_env_json_data(struct kr_env *env, int *has, size_t *off, size_t *len)
{
	struct kr_buf *data = &env->env_pr->pr_data;
	size_t start = data->len;

	if (kr_json_value(&env->env_js, data) == -1)
		return -1;
	*has = data->data[start] != 'n';
	*off = start;
	*len = data->len - start;
	if (*has == 0) {
		/* A JSON null is a Kafka null: keep no bytes for it. */
		data->len = start;
		data->data[start] = '\0';
		*len = 0;
	}
	return 0;
}

/* Reads a binary-format key or value: base64 in a JSON string, decoded
 * into pr_data. A bad one is noted in *bad and fails the request only
 * once the whole body has been bound, as Confluent serializes after
 * binding; a repeated field replaces it, bad or not. */
static int
kr_env_binary_data(
    struct kr_env *env, struct kr_err *bad, int *has, size_t *off, size_t *len)
{
	struct kr_buf *data = &env->env_pr->pr_data, *v = &env->env_tmp;
	const char *why = NULL;

	kr_err_clear(bad);
	kr_buf_reset(v);
	if (kr_json_value(&env->env_js, v) == -1)
		return -1;
	*has = v->data[0] != 'n';
	*off = data->len;
	*len = 0;
	if (*has == 0)
		return 0;
	if (v->data[0] != '"')
		why = "a base64";
	else if (kr_b64_decode(v->data + 1, v->len - 2, data) == -1)
		why = "a valid base64";
	*len = data->len - *off;
	if (why != NULL)
		kr_env_fail(env, bad, KR_E_BAD_REQUEST,
		    "Bad Request: data=%.*s is not %s string.",
		    kr_env_quote(v->data, v->len), v->data, why);
	return 0;
}

/* Reads a record's "key" (is_key) or "value". */
static int
kr_env_data(struct kr_env *env, int is_key)
{
	struct kr_produce *pr = env->env_pr;
	size_t off = 0, len = 0;
	int has = 0, rc;
	struct kr_record *rec;

	if (env->env_fmt == KR_FORMAT_JSON)
		rc = kr_env_json_data(env, &has, &off, &len);
	else
		rc = kr_env_binary_data(
		    env, &env->env_bad[is_key ? 0 : 1], &has, &off, &len);
	if (rc == -1)
		return -1;
	/* A repeated field replaces the earlier one, as in Jackson. */
	rec = &pr->pr_records[pr->pr_count - 1];
	if (is_key) {
		rec->rec_has_key = has;
		rec->rec_key_off = off;
		rec->rec_key_len = len;
	} else {
		rec->rec_has_value = has;
		rec->rec_value_off = off;
		rec->rec_value_len = len;
	}
	return 0;
}

/* Returns 1 when the field name n bytes at name (as kr_json writes it,
 * quotes included) is lit. */
static int
kr_env_is(const char *name, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n == l + 2 && memcmp(name + 1, lit, l) == 0;
}

static int
kr_env_record_field(struct kr_env *env, const char *name, size_t n)
{
	if (kr_env_is(name, n, "key"))
		return kr_env_data(env, 1);
	if (kr_env_is(name, n, "value"))
		return kr_env_data(env, 0);
	if (kr_env_is(name, n, "partition"))
		return kr_env_partition(env);
	return kr_env_unknown(env, name + 1, n - 2);
}

/* Reads one member name and its colon, then calls field with the name
 * as kr_json writes it (quotes included) and the scanner at the value. */
static int
kr_env_member(
    struct kr_env *env, int (*field)(struct kr_env *, const char *, size_t))
{
	struct kr_json *js = &env->env_js;
	struct kr_buf *name = &env->env_name;

	if (kr_json_peek(js) != '"')
		return kr_json_unexpected(js, "was expecting double-quote to "
		                              "start field name");
	kr_buf_reset(name);
	if (kr_json_string(js, name) == -1)
		return -1;
	if (kr_json_peek(js) != ':')
		return kr_json_unexpected(js, "was expecting a colon to "
		                              "separate field name and value");
	kr_json_skip(js);
	/* field() looks at the name before it reads the value: reading a
	 * record reuses env_name. */
	return field(env, name->data, name->len);
}

/* Reads the object at the current '{', calling field for each member. */
static int
kr_env_object(
    struct kr_env *env, int (*field)(struct kr_env *, const char *, size_t))
{
	struct kr_json *js = &env->env_js;
	int c;

	kr_json_skip(js);
	if (kr_json_enter(js, '{') == -1)
		return -1;
	if (kr_json_peek(js) != '}') {
		for (;;) {
			if (kr_env_member(env, field) == -1)
				return -1;
			c = kr_json_peek(js);
			if (c == '}')
				break;
			if (c != ',')
				return kr_json_unexpected(js, "was expecting "
				                              "comma to "
				                              "separate Object "
				                              "entries");
			kr_json_skip(js);
		}
	}
	kr_json_skip(js);
	kr_json_leave(js);
	return 0;
}

/* Keeps bad if it is the request's first serialization error. */
static void
kr_env_defer(struct kr_env *env, const struct kr_err *bad)
{
	if (env->env_defer.err_status == KR_OK && bad->err_status != KR_OK)
		env->env_defer = *bad;
}

/* Reads one element of "records". */
static int
kr_env_record(struct kr_env *env)
{
	struct kr_produce *pr = env->env_pr;
	struct kr_record *rec;
	char cls[64];

	if (kr_json_peek(&env->env_js) != '{') {
		kr_env_class(env, "Record", cls, sizeof(cls));
		return kr_env_mismatch(env, cls);
	}
	(void)kr_produce_add(pr);
	env->env_has_partition = 0;
	kr_err_clear(&env->env_bad[0]);
	kr_err_clear(&env->env_bad[1]);
	if (kr_env_object(env, kr_env_record_field) == -1)
		return -1;
	/* Records are serialized in order, each key before its value. */
	kr_env_defer(env, &env->env_bad[0]);
	kr_env_defer(env, &env->env_bad[1]);
	/* The record's own partition wins over the URL's (spec 2.8). */
	rec = &pr->pr_records[pr->pr_count - 1];
	rec->rec_partition = env->env_has_partition ? env->env_partition
	                                            : env->env_url_partition;
	return 0;
}

/* Reads the value of "records": null or an array of records. A repeated
 * "records" replaces the earlier list, as in Jackson. */
static int
kr_env_records(struct kr_env *env)
{
	struct kr_json *js = &env->env_js;
	char cls[96], rec[64];
	int c;

	kr_produce_reset(env->env_pr);
	kr_err_clear(&env->env_defer);
	env->env_records = 0;
	c = kr_json_peek(js);
	if (c == 'n') {
		kr_buf_reset(&env->env_tmp);
		return kr_json_value(js, &env->env_tmp);
	}
	if (c != '[') {
		kr_env_class(env, "Record", rec, sizeof(rec));
		(void)snprintf(
		    cls, sizeof(cls), "java.util.ArrayList<%s>", rec);
		return kr_env_mismatch(env, cls);
	}
	kr_json_skip(js);
	if (kr_json_enter(js, '[') == -1)
		return -1;
	if (kr_json_peek(js) != ']') {
		for (;;) {
			if (kr_env_record(env) == -1)
				return -1;
			c = kr_json_peek(js);
			if (c == ']')
				break;
			if (c != ',')
				return kr_json_unexpected(js, "was expecting "
				                              "comma to "
				                              "separate Array "
				                              "entries");
			kr_json_skip(js);
		}
	}
	kr_json_skip(js);
	kr_json_leave(js);
	env->env_records = env->env_pr->pr_count > 0;
	return 0;
}

/* Reads key_schema / value_schema, a Java String: any scalar is accepted
 * (Jackson coerces numbers and booleans to text) and ignored, since the
 * binary and json formats have no schema. */
static int
kr_env_schema(struct kr_env *env)
{
	int c = kr_json_peek(&env->env_js);

	if (c == '[' || c == '{')
		return kr_env_mismatch(env, "java.lang.String");
	kr_buf_reset(&env->env_tmp);
	return kr_json_value(&env->env_js, &env->env_tmp);
}

static int
kr_env_top_field(struct kr_env *env, const char *name, size_t n)
{
	int64_t v;
	int has;

	if (kr_env_is(name, n, "records"))
		return kr_env_records(env);
	if (kr_env_is(name, n, "key_schema") ||
	    kr_env_is(name, n, "value_schema"))
		return kr_env_schema(env);
	if (kr_env_is(name, n, "key_schema_id") ||
	    kr_env_is(name, n, "value_schema_id"))
		return kr_env_int(env, &has, &v);
	return kr_env_unknown(env, name + 1, n - 2);
}

/* Reads the whole body: one object, or a bare null (which Jersey binds to
 * a null entity, like an empty body). Sets *null_body for those. */
static int
kr_env_root(struct kr_env *env, int *null_body)
{
	struct kr_json *js = &env->env_js;
	char cls[64];
	int c = kr_json_peek(js);

	*null_body = 0;
	if (c == -1) {
		*null_body = 1;
		return 0;
	}
	if (c == 'n') {
		kr_buf_reset(&env->env_tmp);
		if (kr_json_value(js, &env->env_tmp) == -1)
			return -1;
		*null_body = 1;
	} else if (c == '{') {
		if (kr_env_object(env, kr_env_top_field) == -1)
			return -1;
	} else {
		kr_env_class(env, "Request", cls, sizeof(cls));
		return kr_env_mismatch(env, cls);
	}
	/* Jackson would ignore what follows the value; krest refuses it. */
	if (kr_json_peek(js) != -1)
		return kr_json_unexpected(js, "expected end-of-input after the "
		                              "root value");
	return 0;
}

/* Checks what Confluent checks after binding: Bean Validation (422),
 * then the serialization of every record (base64, 400). */
static int
kr_env_validate(struct kr_env *env, int null_body)
{
	char arg[32];

	if (null_body) {
		kr_env_arg(env, arg, sizeof(arg));
		return kr_err_set(env->env_err, KR_E_UNPROCESSABLE,
		    "%s must not be null (was null)", arg);
	}
	if (!env->env_records) {
		kr_env_arg(env, arg, sizeof(arg));
		return kr_err_set(env->env_err, KR_E_UNPROCESSABLE,
		    "%s.records must not be empty (was [])", arg);
	}
	if (env->env_defer.err_status != KR_OK) {
		*env->env_err = env->env_defer;
		return -1;
	}
	return 0;
}

int
kr_envelope_decode(const char *body, size_t len, enum kr_format fmt,
    int32_t url_partition, struct kr_produce *pr, struct kr_err *err)
{
	struct kr_env env;
	int null_body = 0, rc = -1;

	/* Jackson's byte-source bootstrapper skips a UTF-8 byte order mark;
	 * so does krest, although RFC 8259 does not require it. */
	if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) {
		body += 3;
		len -= 3;
	}
	memset(&env, 0, sizeof(env));
	kr_json_init(&env.env_js, body, len, err);
	env.env_pr = pr;
	env.env_fmt = fmt;
	env.env_url_partition = url_partition;
	env.env_err = err;
	kr_err_clear(&env.env_defer);
	kr_err_clear(err);
	kr_produce_reset(pr);
	if (kr_env_root(&env, &null_body) == -1)
		goto done;
	if (kr_env_validate(&env, null_body) == -1)
		goto done;
	rc = 0;
done:
	kr_json_free(&env.env_js);
	kr_buf_free(&env.env_name);
	kr_buf_free(&env.env_tmp);
	kr_buf_free(&env.env_msg);
	return rc;
}

/* Appends a signed integer in decimal. */
static void
kr_env_put_i64(struct kr_buf *out, int64_t v)
{
	if (v < 0) {
		kr_buf_putc(out, '-');
		kr_buf_put_u64(out, (uint64_t)0 - (uint64_t)v);
		return;
	}
	kr_buf_put_u64(out, (uint64_t)v);
}

void
kr_envelope_encode_offsets(
    struct kr_buf *out, const struct kr_offset *offs, size_t n)
{
	const struct kr_offset *off;
	size_t i;

	kr_buf_puts(out, "{\"offsets\":[");
	for (i = 0; i < n; i++) {
		off = &offs[i];
		if (i > 0)
			kr_buf_putc(out, ',');
		if (off->off_error_code == 0) {
			/* By hand, not printf: this is every request's path. */
			kr_buf_puts(out, "{\"partition\":");
			kr_env_put_i64(out, off->off_partition);
			kr_buf_puts(out, ",\"offset\":");
			kr_env_put_i64(out, off->off_offset);
			kr_buf_puts(
			    out, ",\"error_code\":null,\"error\":null}");
			continue;
		}
		kr_buf_printf(out,
		    "{\"partition\":null,\"offset\":null,\"error_code\":%d,"
		    "\"error\":",
		    off->off_error_code);
		if (off->off_error == NULL)
			kr_buf_puts(out, "null");
		else
			kr_buf_json_str(
			    out, off->off_error, strlen(off->off_error));
		kr_buf_putc(out, '}');
	}
	kr_buf_puts(out, "],\"key_schema_id\":null,\"value_schema_id\":null}");
}
