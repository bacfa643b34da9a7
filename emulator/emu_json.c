/* SPDX-License-Identifier: MIT */
/* A small strict JSON reader and compact writer (see emu_json.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_alloc.h"
#include "emu_json.h"

#define MAX_DEPTH 64

struct parser {
	const unsigned char *p_s;
	size_t p_n;
	size_t p_pos;
	char *p_err;
	size_t p_errlen;
};

static int parse_value(struct parser *ps, struct emu_jval *v, int depth);

static int
fail(struct parser *ps, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->p_err, ps->p_errlen, "%s at byte %zu", msg, ps->p_pos);
	return -1;
}

static void
skip_ws(struct parser *ps)
{
	while (ps->p_pos < ps->p_n) {
		unsigned char c = ps->p_s[ps->p_pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		ps->p_pos++;
	}
}

static int
peek(struct parser *ps)
{
	skip_ws(ps);
	return ps->p_pos < ps->p_n ? ps->p_s[ps->p_pos] : -1;
}

static int
literal(
    struct parser *ps, const char *word, enum emu_jtype t, struct emu_jval *v)
{
	size_t n = strlen(word);

	if (ps->p_n - ps->p_pos < n ||
	    memcmp(ps->p_s + ps->p_pos, word, n) != 0)
		return fail(ps, "unexpected token");
	ps->p_pos += n;
	v->jv_type = t;
	return 0;
}

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
parse_number(struct parser *ps, struct emu_jval *v)
{
	const unsigned char *s = ps->p_s;
	size_t start = ps->p_pos, i = start, n = ps->p_n;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && is_digit(s[i]))
		while (i < n && is_digit(s[i]))
			i++;
	else
		return fail(ps, "bad number");
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !is_digit(s[i]))
			return fail(ps, "bad number");
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return fail(ps, "bad number");
		while (i < n && is_digit(s[i]))
			i++;
	}
	v->jv_type = EJ_NUM;
	v->jv_str = kr_strndup((const char *)s + start, i - start);
	v->jv_len = i - start;
	ps->p_pos = i;
	return 0;
}

static void
put_utf8(struct kr_buf *b, unsigned cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	kr_buf_append(b, u, n);
}

static int
hex4(struct parser *ps, unsigned *out)
{
	unsigned v = 0;
	int i;

	if (ps->p_n - ps->p_pos < 4)
		return fail(ps, "bad \\u escape");
	for (i = 0; i < 4; i++) {
		int c = ps->p_s[ps->p_pos + (size_t)i];

		v <<= 4;
		if (is_digit(c))
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(ps, "bad \\u escape");
	}
	ps->p_pos += 4;
	*out = v;
	return 0;
}

static int
parse_escape(struct parser *ps, struct kr_buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *q;
	unsigned cp, lo;
	int c;

	if (ps->p_pos >= ps->p_n)
		return fail(ps, "unterminated string");
	c = ps->p_s[ps->p_pos++];
	if (c != 'u') {
		q = strchr(from, c);
		if (c == 0 || q == NULL)
			return fail(ps, "bad escape");
		kr_buf_putc(b, to[q - from]);
		return 0;
	}
	if (hex4(ps, &cp) < 0)
		return -1;
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (ps->p_n - ps->p_pos < 2 || ps->p_s[ps->p_pos] != '\\' ||
		    ps->p_s[ps->p_pos + 1] != 'u')
			return fail(ps, "lone surrogate");
		ps->p_pos += 2;
		if (hex4(ps, &lo) < 0)
			return -1;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return fail(ps, "lone surrogate");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
		return fail(ps, "lone surrogate");
	}
	put_utf8(b, cp);
	return 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2;
	else if ((s[0] & 0xF0) == 0xE0)
		len = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	if (len == 3) {
		c = ((s[0] & 0x0Fu) << 12) | ((s[1] & 0x3Fu) << 6);
		if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF))
			return 0;
	}
	if (len == 4) {
		c = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12);
		if (c < 0x10000 || c > 0x10FFFF)
			return 0;
	}
	return len;
}

static int
parse_string(struct parser *ps, char **out, size_t *outlen)
{
	struct kr_buf b = KR_BUF_INIT;
	size_t len;

	ps->p_pos++; /* the opening quote */
	for (;;) {
		unsigned char c;

		if (ps->p_pos >= ps->p_n) {
			fail(ps, "unterminated string");
			goto fail;
		}
		c = ps->p_s[ps->p_pos];
		if (c == '"') {
			ps->p_pos++;
			break;
		}
		if (c < 0x20) {
			fail(ps, "control character in string");
			goto fail;
		}
		if (c == '\\') {
			ps->p_pos++;
			if (parse_escape(ps, &b) < 0)
				goto fail;
			continue;
		}
		len = utf8_len(ps->p_s + ps->p_pos, ps->p_n - ps->p_pos);
		if (len == 0) {
			fail(ps, "invalid UTF-8");
			goto fail;
		}
		kr_buf_append(&b, ps->p_s + ps->p_pos, len);
		ps->p_pos += len;
	}
	*outlen = b.len;
	if (b.data == NULL)
		kr_buf_reserve(&b, 0);
	*out = kr_buf_detach(&b);
	return 0;
fail:
	kr_buf_free(&b);
	return -1;
}

static int
parse_array(struct parser *ps, struct emu_jval *v, int depth)
{
	size_t cap = 0;

	ps->p_pos++;
	v->jv_type = EJ_ARR;
	if (peek(ps) == ']') {
		ps->p_pos++;
		return 0;
	}
	for (;;) {
		if (v->jv_n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			v->jv_elem =
			    kr_realloc(v->jv_elem, cap * sizeof(*v->jv_elem));
		}
		memset(&v->jv_elem[v->jv_n], 0, sizeof(*v->jv_elem));
		v->jv_n++;
		if (parse_value(ps, &v->jv_elem[v->jv_n - 1], depth + 1) < 0)
			return -1;
		switch (peek(ps)) {
		case ',':
			ps->p_pos++;
			continue;
		case ']':
			ps->p_pos++;
			return 0;
		default:
			return fail(ps, "expected ',' or ']'");
		}
	}
}

static int
parse_object(struct parser *ps, struct emu_jval *v, int depth)
{
	struct emu_jmem *m;
	size_t cap = 0;

	ps->p_pos++;
	v->jv_type = EJ_OBJ;
	if (peek(ps) == '}') {
		ps->p_pos++;
		return 0;
	}
	for (;;) {
		if (peek(ps) != '"')
			return fail(ps, "expected a member name");
		if (v->jv_n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			v->jv_mem =
			    kr_realloc(v->jv_mem, cap * sizeof(*v->jv_mem));
		}
		m = &v->jv_mem[v->jv_n++];
		memset(m, 0, sizeof(*m));
		if (parse_string(ps, &m->jm_key, &m->jm_klen) < 0)
			return -1;
		if (peek(ps) != ':')
			return fail(ps, "expected ':'");
		ps->p_pos++;
		if (parse_value(ps, &m->jm_val, depth + 1) < 0)
			return -1;
		switch (peek(ps)) {
		case ',':
			ps->p_pos++;
			continue;
		case '}':
			ps->p_pos++;
			return 0;
		default:
			return fail(ps, "expected ',' or '}'");
		}
	}
}

static int
parse_value(struct parser *ps, struct emu_jval *v, int depth)
{
	if (depth > MAX_DEPTH)
		return fail(ps, "nested too deeply");
	switch (peek(ps)) {
	case -1:
		return fail(ps, "unexpected end of input");
	case '{':
		return parse_object(ps, v, depth);
	case '[':
		return parse_array(ps, v, depth);
	case '"':
		v->jv_type = EJ_STR;
		return parse_string(ps, &v->jv_str, &v->jv_len);
	case 't':
		return literal(ps, "true", EJ_TRUE, v);
	case 'f':
		return literal(ps, "false", EJ_FALSE, v);
	case 'n':
		return literal(ps, "null", EJ_NULL, v);
	default:
		return parse_number(ps, v);
	}
}

int
emu_json_parse(
    const char *s, size_t n, struct emu_jval *v, char *errstr, size_t errlen)
{
	struct parser ps = {(const unsigned char *)s, n, 0, errstr, errlen};

	memset(v, 0, sizeof(*v));
	if (parse_value(&ps, v, 0) < 0)
		goto fail;
	if (peek(&ps) != -1) {
		fail(&ps, "unexpected data after the value");
		goto fail;
	}
	return 0;
fail:
	emu_json_free(v);
	return -1;
}

void
emu_json_free(struct emu_jval *v)
{
	size_t i;

	if (v->jv_type == EJ_ARR)
		for (i = 0; i < v->jv_n; i++)
			emu_json_free(&v->jv_elem[i]);
	if (v->jv_type == EJ_OBJ)
		for (i = 0; i < v->jv_n; i++) {
			free(v->jv_mem[i].jm_key);
			emu_json_free(&v->jv_mem[i].jm_val);
		}
	free(v->jv_str);
	free(v->jv_elem);
	free(v->jv_mem);
	memset(v, 0, sizeof(*v));
}

const struct emu_jval *
emu_json_get(const struct emu_jval *v, const char *key)
{
	size_t i, n = strlen(key);

	if (v->jv_type != EJ_OBJ)
		return NULL;
	for (i = 0; i < v->jv_n; i++)
		if (v->jv_mem[i].jm_klen == n &&
		    memcmp(v->jv_mem[i].jm_key, key, n) == 0)
			return &v->jv_mem[i].jm_val;
	return NULL;
}

int
emu_json_int(const struct emu_jval *v, long long *out)
{
	char *end;

	if (v->jv_type != EJ_NUM || strpbrk(v->jv_str, ".eE") != NULL)
		return 0;
	errno = 0;
	*out = strtoll(v->jv_str, &end, 10);
	return errno == 0 && *end == '\0';
}

void
emu_json_write(struct kr_buf *out, const struct emu_jval *v)
{
	size_t i;

	switch (v->jv_type) {
	case EJ_NULL:
		kr_buf_puts(out, "null");
		break;
	case EJ_FALSE:
		kr_buf_puts(out, "false");
		break;
	case EJ_TRUE:
		kr_buf_puts(out, "true");
		break;
	case EJ_NUM:
		kr_buf_append(out, v->jv_str, v->jv_len);
		break;
	case EJ_STR:
		kr_buf_json_str(out, v->jv_str, v->jv_len);
		break;
	case EJ_ARR:
		kr_buf_putc(out, '[');
		for (i = 0; i < v->jv_n; i++) {
			if (i > 0)
				kr_buf_putc(out, ',');
			emu_json_write(out, &v->jv_elem[i]);
		}
		kr_buf_putc(out, ']');
		break;
	case EJ_OBJ:
		kr_buf_putc(out, '{');
		for (i = 0; i < v->jv_n; i++) {
			if (i > 0)
				kr_buf_putc(out, ',');
			kr_buf_json_str(
			    out, v->jv_mem[i].jm_key, v->jv_mem[i].jm_klen);
			kr_buf_putc(out, ':');
			emu_json_write(out, &v->jv_mem[i].jm_val);
		}
		kr_buf_putc(out, '}');
		break;
	}
}
