/* SPDX-License-Identifier: MIT */
/* Single-pass JSON scanner and minifier (see kr_json.h). Numbers are copied
 * as sent, never converted to doubles; strings are decoded and written
 * again the way Jackson's UTF-8 generator writes them. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_alloc.h"
#include "kr_json.h"

#define KR_JSON_NONE   ((size_t)-1)
#define KR_JSON_LINEAR 16 /* members searched linearly before hashing */
#define KR_JSON_HASH0  64 /* first bucket count; a power of two */

static const char kr_json_want_value[] =
    "expected a valid value (JSON String, Number, Array, Object or token "
    "'null', 'true' or 'false')";

static int kr_json_fail(struct kr_json *js, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void
kr_json_init(struct kr_json *js, const char *in, size_t len, struct kr_err *err)
{
	memset(js, 0, sizeof(*js));
	js->js_in = in;
	js->js_len = len;
	js->js_err = err;
	kr_buf_init(&js->js_tmp);
}

void
kr_json_free(struct kr_json *js)
{
	free(js->js_frame);
	free(js->js_mem);
	free(js->js_bucket);
	kr_buf_free(&js->js_tmp);
	js->js_frame = NULL;
	js->js_mem = NULL;
	js->js_bucket = NULL;
	js->js_nframe = js->js_framecap = 0;
	js->js_nmem = js->js_memcap = 0;
	js->js_nbucket = js->js_bucketcap = 0;
}

/* kr_buf_putc() without the call when there is room: the scanner writes
 * its punctuation one byte at a time. */
static void
kr_json_putc(struct kr_buf *out, char c)
{
	if (out->len + 1 < out->cap) {
		out->data[out->len++] = c;
		out->data[out->len] = '\0';
	} else {
		kr_buf_putc(out, c);
	}
}

/* Returns the byte at the current position, or -1 at the end. */
static int
kr_json_cur(const struct kr_json *js)
{
	if (js->js_pos >= js->js_len)
		return -1;
	return (unsigned char)js->js_in[js->js_pos];
}

int
kr_json_peek(struct kr_json *js)
{
	int c;

	while (
	    (c = kr_json_cur(js)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		js->js_pos++;
	return c;
}

void
kr_json_skip(struct kr_json *js)
{
	js->js_pos++;
}

static int
kr_json_fail(struct kr_json *js, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	/* Messages here are short and quote at most one whole character. */
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kr_err_set(js->js_err, KR_E_BAD_JSON, "%s", msg);
}

/* Sets *lo and *hi to the range of the byte after lead in well-formed
 * UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
 * Returns the sequence length, or 0 when lead cannot start one. */
static size_t
kr_json_utf8_lead(unsigned char lead, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (lead >= 0xc2 && lead <= 0xdf)
		return 2;
	if (lead >= 0xe0 && lead <= 0xef) {
		if (lead == 0xe0)
			*lo = 0xa0;
		else if (lead == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (lead >= 0xf0 && lead <= 0xf4) {
		if (lead == 0xf0)
			*lo = 0x90;
		else if (lead == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

/* Decodes one multi-byte UTF-8 character of at most avail bytes at p.
 * Returns its length with *cp set, or 0 when it is not well formed. */
static size_t
kr_json_utf8(const unsigned char *p, size_t avail, uint32_t *cp)
{
	unsigned char lo, hi;
	size_t n, i;
	uint32_t v;

	n = kr_json_utf8_lead(p[0], &lo, &hi);
	if (n == 0 || avail < n)
		return 0;
	v = p[0] & (0x7fu >> n);
	for (i = 1; i < n; i++) {
		if (p[i] < lo || p[i] > hi)
			return 0;
		v = v << 6 | (p[i] & 0x3fu);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return n;
}

/* Reports the ill-formed UTF-8 sequence at the current position. */
static int
kr_json_bad_utf8(struct kr_json *js)
{
	const unsigned char *p = (const unsigned char *)js->js_in + js->js_pos;
	size_t avail = js->js_len - js->js_pos, n, i;
	unsigned char lo, hi;

	n = kr_json_utf8_lead(p[0], &lo, &hi);
	if (n == 0)
		return kr_json_fail(
		    js, "Invalid UTF-8 start byte 0x%02X", p[0]);
	for (i = 1; i < n && i < avail; i++) {
		if (p[i] < lo || p[i] > hi)
			break;
		lo = 0x80;
		hi = 0xbf;
	}
	if (i >= avail)
		return kr_json_fail(js, "Unexpected end-of-input in a UTF-8 "
		                        "character");
	return kr_json_fail(js, "Invalid UTF-8 middle byte 0x%02X", p[i]);
}

/* Describes the (well-formed) character at the current position the way
 * Jackson's _getCharDesc() does. */
static void
kr_json_char_desc(const struct kr_json *js, char *buf, size_t size)
{
	const unsigned char *p = (const unsigned char *)js->js_in + js->js_pos;
	uint32_t cp = p[0];
	size_t n = 1;

	if (cp >= 0x80)
		n = kr_json_utf8(p, js->js_len - js->js_pos, &cp);
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		(void)snprintf(buf, size, "(CTRL-CHAR, code %u)", (unsigned)cp);
	else if (cp < 0x100)
		(void)snprintf(buf, size, "'%.*s' (code %u)", (int)n,
		    (const char *)p, (unsigned)cp);
	else
		(void)snprintf(buf, size, "'%.*s' (code %u / 0x%x)", (int)n,
		    (const char *)p, (unsigned)cp, (unsigned)cp);
}

int
kr_json_unexpected(struct kr_json *js, const char *expecting)
{
	const struct kr_json_frame *fr;
	uint32_t cp;
	char desc[64];
	int c = kr_json_cur(js);

	if (c == -1 && js->js_nframe > 0) {
		fr = &js->js_frame[js->js_nframe - 1];
		return kr_json_fail(js,
		    "Unexpected end-of-input: expected close marker for %s",
		    fr->fr_kind == '{' ? "Object" : "Array");
	}
	if (c == -1)
		return kr_json_fail(
		    js, "Unexpected end-of-input: %s", expecting);
	if (c >= 0x80 &&
	    kr_json_utf8((const unsigned char *)js->js_in + js->js_pos,
	        js->js_len - js->js_pos, &cp) == 0)
		return kr_json_bad_utf8(js);
	kr_json_char_desc(js, desc, sizeof(desc));
	return kr_json_fail(
	    js, "Unexpected character (%s): %s", desc, expecting);
}

/* Pushes a frame for an opened container. Returns 0, or -1 when the
 * document would nest deeper than KR_JSON_MAX_DEPTH. */
static int
kr_json_push(struct kr_json *js, char kind, int track)
{
	struct kr_json_frame *fr;

	if (js->js_nframe >= KR_JSON_MAX_DEPTH)
		return kr_json_fail(js,
		    "Document nesting depth (%zu) exceeds the maximum allowed "
		    "(%d, from `StreamReadConstraints.getMaxNestingDepth()`)",
		    js->js_nframe + 1, KR_JSON_MAX_DEPTH);
	if (js->js_nframe == js->js_framecap) {
		js->js_framecap =
		    js->js_framecap == 0 ? 16 : js->js_framecap * 2;
		js->js_frame = kr_realloc(
		    js->js_frame, js->js_framecap * sizeof(*js->js_frame));
	}
	fr = &js->js_frame[js->js_nframe++];
	memset(fr, 0, sizeof(*fr));
	fr->fr_kind = kind;
	fr->fr_track = track;
	fr->fr_mem = js->js_nmem;
	fr->fr_bucket = js->js_nbucket;
	fr->fr_cur = KR_JSON_NONE;
	return 0;
}

int
kr_json_enter(struct kr_json *js, char kind)
{
	return kr_json_push(js, kind, 0);
}

void
kr_json_leave(struct kr_json *js)
{
	const struct kr_json_frame *fr = &js->js_frame[js->js_nframe - 1];

	js->js_nmem = fr->fr_mem;
	js->js_nbucket = fr->fr_bucket;
	js->js_nframe--;
}

/* Appends cp (>= 0x80) as UTF-8. */
/* Appends the code point cp to a string being written, escaped as
 * Jackson escapes it: '"', '\\' and C0 controls only. */
static void
kr_json_put_cp(struct kr_buf *out, uint32_t cp)
{
	static const char hex[] = "0123456789ABCDEF";
	char u[6];

	if (cp >= 0x80) {
		kr_buf_put_utf8(out, cp);
		return;
	}
	u[0] = '\\';
	switch (cp) {
	case '"':
	case '\\':
		u[1] = (char)cp;
		break;
	case '\b':
		u[1] = 'b';
		break;
	case '\t':
		u[1] = 't';
		break;
	case '\n':
		u[1] = 'n';
		break;
	case '\f':
		u[1] = 'f';
		break;
	case '\r':
		u[1] = 'r';
		break;
	default:
		if (cp >= 0x20) {
			kr_json_putc(out, (char)cp);
			return;
		}
		memcpy(u, "\\u00", 4);
		u[4] = hex[cp >> 4];
		u[5] = hex[cp & 15];
		kr_buf_append(out, u, 6);
		return;
	}
	kr_buf_append(out, u, 2);
}

/* Reads the four hex digits of a \u escape into *cp. */
static int
kr_json_hex4(struct kr_json *js, uint32_t *cp)
{
	int i, c;

	*cp = 0;
	for (i = 0; i < 4; i++) {
		c = kr_json_cur(js);
		if (c >= '0' && c <= '9')
			c -= '0';
		else if (c >= 'a' && c <= 'f')
			c -= 'a' - 10;
		else if (c >= 'A' && c <= 'F')
			c -= 'A' - 10;
		else
			return kr_json_unexpected(js,
			    "expected a hex-digit for character escape "
			    "sequence");
		*cp = *cp << 4 | (uint32_t)c;
		js->js_pos++;
	}
	return 0;
}

/* Reads the rest of a \u escape whose first unit is cp, joining a
 * surrogate pair. A lone surrogate cannot be written as UTF-8, so it is
 * an error (Jackson would fail later, when generating). */
static int
kr_json_unicode(struct kr_json *js, uint32_t *cp)
{
	uint32_t lo;

	if (kr_json_hex4(js, cp) == -1)
		return -1;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return kr_json_fail(js,
		    "Invalid surrogate escape \\u%04X: low surrogate without "
		    "a preceding high surrogate",
		    (unsigned)*cp);
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (js->js_len - js->js_pos < 2 || js->js_in[js->js_pos] != '\\' ||
	    js->js_in[js->js_pos + 1] != 'u')
		return kr_json_fail(js,
		    "Invalid surrogate escape \\u%04X: high surrogate not "
		    "followed by a low surrogate escape",
		    (unsigned)*cp);
	js->js_pos += 2;
	if (kr_json_hex4(js, &lo) == -1)
		return -1;
	if (lo < 0xdc00 || lo > 0xdfff)
		return kr_json_fail(js,
		    "Invalid surrogate escape \\u%04X\\u%04X: high surrogate "
		    "not followed by a low surrogate",
		    (unsigned)*cp, (unsigned)lo);
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

/* Decodes the escape at the current backslash and appends it re-escaped. */
static int
kr_json_escape(struct kr_json *js, struct kr_buf *out)
{
	char desc[64];
	uint32_t cp;
	int c;

	js->js_pos++;
	c = kr_json_cur(js);
	js->js_pos++;
	switch (c) {
	case '"':
	case '\\':
	case '/':
		cp = (uint32_t)c;
		break;
	case 'b':
		cp = '\b';
		break;
	case 'f':
		cp = '\f';
		break;
	case 'n':
		cp = '\n';
		break;
	case 'r':
		cp = '\r';
		break;
	case 't':
		cp = '\t';
		break;
	case 'u':
		if (kr_json_unicode(js, &cp) == -1)
			return -1;
		break;
	case -1:
		js->js_pos--;
		return kr_json_fail(js, "Unexpected end-of-input in character "
		                        "escape sequence");
	default:
		js->js_pos--;
		if (c >= 0x80 || c < 0x20)
			return kr_json_unexpected(js, "unrecognized character "
			                              "escape");
		kr_json_char_desc(js, desc, sizeof(desc));
		return kr_json_fail(
		    js, "Unrecognized character escape %s", desc);
	}
	kr_json_put_cp(out, cp);
	return 0;
}

/* Advances over bytes that are copied unchanged: printable ASCII other
 * than '"' and '\\', and well-formed multi-byte UTF-8. */
static void
kr_json_plain_run(struct kr_json *js)
{
	const unsigned char *in = (const unsigned char *)js->js_in;
	uint32_t cp;
	size_t n;
	unsigned char c;

	while (js->js_pos < js->js_len) {
		c = in[js->js_pos];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			js->js_pos++;
			continue;
		}
		if (c < 0x80)
			return;
		n = kr_json_utf8(in + js->js_pos, js->js_len - js->js_pos, &cp);
		if (n == 0)
			return;
		js->js_pos += n;
	}
}

int
kr_json_string(struct kr_json *js, struct kr_buf *out)
{
	size_t run;
	int c;

	js->js_pos++;
	kr_json_putc(out, '"');
	for (;;) {
		run = js->js_pos;
		kr_json_plain_run(js);
		kr_buf_append(out, js->js_in + run, js->js_pos - run);
		c = kr_json_cur(js);
		if (c == '"')
			break;
		if (c == '\\') {
			if (kr_json_escape(js, out) == -1)
				return -1;
		} else if (c == -1) {
			return kr_json_fail(js, "Unexpected end-of-input: was "
			                        "expecting closing quote for a "
			                        "string value");
		} else if (c < 0x20) {
			return kr_json_fail(js,
			    "Illegal unquoted character ((CTRL-CHAR, code "
			    "%d)): "
			    "has to be escaped using backslash to be included "
			    "in string value",
			    c);
		} else {
			return kr_json_bad_utf8(js);
		}
	}
	js->js_pos++;
	kr_json_putc(out, '"');
	return 0;
}

static int
kr_json_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/* Advances over digits; returns how many. */
static size_t
kr_json_digits(struct kr_json *js)
{
	size_t start = js->js_pos;

	while (kr_json_isdigit(kr_json_cur(js)))
		js->js_pos++;
	return js->js_pos - start;
}

static int
kr_json_number_fail(struct kr_json *js, const char *why)
{
	char desc[64];

	if (kr_json_cur(js) == -1)
		return kr_json_fail(js,
		    "Unexpected end-of-input in a Number "
		    "value: %s",
		    why);
	if (kr_json_cur(js) >= 0x80)
		return kr_json_unexpected(js, why);
	kr_json_char_desc(js, desc, sizeof(desc));
	return kr_json_fail(
	    js, "Unexpected character (%s) in numeric value: %s", desc, why);
}

/* Validates a number against the JSON grammar and copies it as sent. */
static int
kr_json_number(struct kr_json *js, struct kr_buf *out)
{
	size_t start = js->js_pos;

	if (kr_json_cur(js) == '-')
		js->js_pos++;
	if (kr_json_cur(js) == '0') {
		js->js_pos++;
		if (kr_json_isdigit(kr_json_cur(js)))
			return kr_json_fail(js,
			    "Invalid numeric value: Leading "
			    "zeroes not allowed");
	} else if (kr_json_digits(js) == 0) {
		return kr_json_number_fail(js, "expected digit (0-9) to follow "
		                               "minus sign, for valid numeric "
		                               "value");
	}
	if (kr_json_cur(js) == '.') {
		js->js_pos++;
		if (kr_json_digits(js) == 0)
			return kr_json_number_fail(js, "Decimal point not "
			                               "followed by a digit");
	}
	if (kr_json_cur(js) == 'e' || kr_json_cur(js) == 'E') {
		js->js_pos++;
		if (kr_json_cur(js) == '+' || kr_json_cur(js) == '-')
			js->js_pos++;
		if (kr_json_digits(js) == 0)
			return kr_json_number_fail(js, "Exponent indicator not "
			                               "followed by a digit");
	}
	kr_buf_append(out, js->js_in + start, js->js_pos - start);
	return 0;
}

static int
kr_json_isword(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       kr_json_isdigit(c) || c == '_';
}

/* Reports the token at the current position, which is not a value. */
static int
kr_json_bad_token(struct kr_json *js)
{
	size_t end = js->js_pos;

	while (end < js->js_len && end - js->js_pos < 64 &&
	       kr_json_isword((unsigned char)js->js_in[end]))
		end++;
	if (end == js->js_pos)
		return kr_json_unexpected(js, kr_json_want_value);
	return kr_json_fail(js,
	    "Unrecognized token '%.*s': was expecting (JSON String, Number, "
	    "Array, Object or token 'null', 'true' or 'false')",
	    (int)(end - js->js_pos), js->js_in + js->js_pos);
}

/* Copies the literal word (true, false, null) at the current position. */
static int
kr_json_literal(struct kr_json *js, struct kr_buf *out, const char *word)
{
	size_t n = strlen(word), end = js->js_pos + n;

	if (js->js_len - js->js_pos < n ||
	    memcmp(js->js_in + js->js_pos, word, n) != 0 ||
	    (end < js->js_len && kr_json_isword((unsigned char)js->js_in[end])))
		return kr_json_bad_token(js);
	kr_buf_append(out, word, n);
	js->js_pos = end;
	return 0;
}

/* FNV-1a over a key as written (escaping is canonical, so equal written
 * keys are equal decoded keys). */
static uint32_t
kr_json_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 16777619u;
	}
	return h;
}

static void
kr_json_bucket_add(struct kr_json *js, const struct kr_json_frame *fr, size_t i)
{
	size_t b =
	    fr->fr_bucket + (js->js_mem[i].mem_hash & (fr->fr_nbucket - 1));

	js->js_mem[i].mem_next = js->js_bucket[b];
	js->js_bucket[b] = i;
}

/* (Re)builds the hash index of the object on top, with twice the buckets.
 * Its buckets are the last ones in js_bucket: inner objects have closed
 * and released theirs. */
static void
kr_json_rehash(struct kr_json *js, struct kr_json_frame *fr)
{
	size_t nb = fr->fr_nbucket == 0 ? KR_JSON_HASH0 : fr->fr_nbucket * 2;
	size_t i, need = fr->fr_bucket + nb;

	if (need > js->js_bucketcap) {
		js->js_bucketcap = need * 2;
		js->js_bucket = kr_realloc(
		    js->js_bucket, js->js_bucketcap * sizeof(*js->js_bucket));
	}
	for (i = fr->fr_bucket; i < need; i++)
		js->js_bucket[i] = KR_JSON_NONE;
	fr->fr_nbucket = nb;
	js->js_nbucket = need;
	for (i = fr->fr_mem; i < js->js_nmem; i++)
		kr_json_bucket_add(js, fr, i);
}

/* Returns the member of the object on top whose key is the klen bytes at
 * koff in out, or KR_JSON_NONE. */
static size_t
kr_json_lookup(const struct kr_json *js, const struct kr_json_frame *fr,
    const struct kr_buf *out, size_t koff, size_t klen, uint32_t h)
{
	const struct kr_json_member *m;
	size_t i;

	if (fr->fr_nbucket > 0)
		i = js->js_bucket[fr->fr_bucket + (h & (fr->fr_nbucket - 1))];
	else
		i = js->js_nmem > fr->fr_mem ? fr->fr_mem : KR_JSON_NONE;
	while (i != KR_JSON_NONE) {
		m = &js->js_mem[i];
		if (m->mem_hash == h && m->mem_klen == klen &&
		    memcmp(out->data + m->mem_key, out->data + koff, klen) == 0)
			return i;
		if (fr->fr_nbucket > 0)
			i = m->mem_next;
		else if (++i == js->js_nmem)
			i = KR_JSON_NONE;
	}
	return KR_JSON_NONE;
}

/* Finds or adds the member for the key just written at koff. A duplicate
 * key marks the object dirty: Jackson keeps the later value at the first
 * key's position, so the object is rebuilt when it closes. */
static void
kr_json_member(struct kr_json *js, struct kr_json_frame *fr,
    const struct kr_buf *out, size_t koff, size_t klen)
{
	struct kr_json_member *m;
	uint32_t h = kr_json_hash(out->data + koff, klen);
	size_t i = kr_json_lookup(js, fr, out, koff, klen, h);

	if (i != KR_JSON_NONE) {
		fr->fr_dirty = 1;
		fr->fr_cur = i;
		return;
	}
	if (js->js_nmem == js->js_memcap) {
		js->js_memcap = js->js_memcap == 0 ? 64 : js->js_memcap * 2;
		js->js_mem =
		    kr_realloc(js->js_mem, js->js_memcap * sizeof(*js->js_mem));
	}
	i = js->js_nmem++;
	m = &js->js_mem[i];
	m->mem_key = koff;
	m->mem_klen = klen;
	m->mem_val = m->mem_vlen = 0;
	m->mem_hash = h;
	m->mem_next = KR_JSON_NONE;
	fr->fr_cur = i;
	if (js->js_nmem - fr->fr_mem <= KR_JSON_LINEAR)
		return;
	if (fr->fr_nbucket == 0 ||
	    js->js_nmem - fr->fr_mem > fr->fr_nbucket / 2)
		kr_json_rehash(js, fr);
	else
		kr_json_bucket_add(js, fr, i);
}

/* Reads a member name and its colon in a tracked object. */
static int
kr_json_key(struct kr_json *js, struct kr_buf *out, size_t fi)
{
	size_t koff = out->len;

	if (kr_json_peek(js) != '"')
		return kr_json_unexpected(js, "was expecting double-quote to "
		                              "start field name");
	if (kr_json_string(js, out) == -1)
		return -1;
	if (kr_json_peek(js) != ':')
		return kr_json_unexpected(js, "was expecting a colon to "
		                              "separate field name and value");
	js->js_pos++;
	kr_json_member(js, &js->js_frame[fi], out, koff, out->len - koff);
	kr_json_putc(out, ':');
	js->js_frame[fi].fr_valstart = out->len;
	return 0;
}

/* Writes the object on top again from its member table, in first-seen
 * key order with the last value of each key. */
static void
kr_json_rebuild(
    struct kr_json *js, struct kr_buf *out, const struct kr_json_frame *fr)
{
	const struct kr_json_member *m;
	struct kr_buf *tmp = &js->js_tmp;
	size_t i;

	kr_buf_reset(tmp);
	kr_json_putc(tmp, '{');
	for (i = fr->fr_mem; i < js->js_nmem; i++) {
		m = &js->js_mem[i];
		if (i > fr->fr_mem)
			kr_json_putc(tmp, ',');
		kr_buf_append(tmp, out->data + m->mem_key, m->mem_klen);
		kr_json_putc(tmp, ':');
		kr_buf_append(tmp, out->data + m->mem_val, m->mem_vlen);
	}
	kr_json_putc(tmp, '}');
	out->len = fr->fr_start;
	kr_buf_append(out, tmp->data, tmp->len);
}

/* Consumes the closing bracket of the container on top and pops it. */
static int
kr_json_close(struct kr_json *js, struct kr_buf *out)
{
	const struct kr_json_frame *fr = &js->js_frame[js->js_nframe - 1];

	js->js_pos++;
	if (fr->fr_dirty)
		kr_json_rebuild(js, out, fr);
	else
		kr_json_putc(out, fr->fr_kind == '{' ? '}' : ']');
	kr_json_leave(js);
	return 0;
}

/* Moves on in the container on top, right after it opened or after one
 * of its elements. Returns 1 when another element follows (for an object,
 * its name and colon are read), 0 when the container closed, -1. */
static int
kr_json_step(struct kr_json *js, struct kr_buf *out)
{
	size_t fi = js->js_nframe - 1;
	struct kr_json_frame *fr = &js->js_frame[fi];
	int obj = fr->fr_kind == '{';
	int c = kr_json_peek(js);

	if (fr->fr_count > 0 && obj) {
		js->js_mem[fr->fr_cur].mem_val = fr->fr_valstart;
		js->js_mem[fr->fr_cur].mem_vlen = out->len - fr->fr_valstart;
	}
	if (c == (obj ? '}' : ']'))
		return kr_json_close(js, out);
	if (fr->fr_count > 0) {
		if (c != ',')
			return kr_json_unexpected(
			    js, obj ? "was expecting comma to separate Object "
			              "entries"
			            : "was expecting comma to separate Array "
			              "entries");
		js->js_pos++;
		kr_json_putc(out, ',');
	}
	fr->fr_count++;
	if (obj && kr_json_key(js, out, fi) == -1)
		return -1;
	return 1;
}

/* Scans one scalar, or the opening bracket of a container. */
static int
kr_json_item(struct kr_json *js, struct kr_buf *out)
{
	int c = kr_json_peek(js);

	switch (c) {
	case '"':
		return kr_json_string(js, out);
	case '[':
	case '{':
		if (kr_json_push(js, (char)c, 1) == -1)
			return -1;
		js->js_frame[js->js_nframe - 1].fr_start = out->len;
		js->js_pos++;
		kr_json_putc(out, (char)c);
		return 0;
	case 't':
		return kr_json_literal(js, out, "true");
	case 'f':
		return kr_json_literal(js, out, "false");
	case 'n':
		return kr_json_literal(js, out, "null");
	case '-':
		return kr_json_number(js, out);
	default:
		if (kr_json_isdigit(c))
			return kr_json_number(js, out);
		return kr_json_bad_token(js);
	}
}

int
kr_json_value(struct kr_json *js, struct kr_buf *out)
{
	size_t base = js->js_nframe;
	int rc;

	/* An explicit stack instead of recursion: 1000 levels must not
	 * depend on the size of the thread's stack. */
	do {
		if (kr_json_item(js, out) == -1)
			return -1;
		rc = 0;
		while (rc == 0 && js->js_nframe > base)
			rc = kr_json_step(js, out);
	} while (rc == 1);
	return rc;
}

int
kr_json_minify(
    const char *in, size_t len, struct kr_buf *out, struct kr_err *err)
{
	struct kr_json js;
	size_t old = out->len;
	int rc = -1;

	kr_json_init(&js, in, len, err);
	if (kr_json_peek(&js) == -1) {
		kr_err_set(err, KR_E_BAD_JSON,
		    "No content to map due to end-of-input");
		goto done;
	}
	if (kr_json_value(&js, out) == -1)
		goto done;
	if (kr_json_peek(&js) != -1) {
		kr_json_unexpected(&js, "expected end-of-input after the "
		                        "root value");
		goto done;
	}
	rc = 0;
done:
	if (rc == -1 && out->data != NULL) {
		out->len = old;
		out->data[old] = '\0';
	}
	kr_json_free(&js);
	return rc;
}

void
kr_json_unescape(const char *s, size_t n, struct kr_buf *out)
{
	size_t i;
	char c;

	for (i = 0; i < n; i++) {
		c = s[i];
		if (c == '\\' && i + 1 < n) {
			c = s[++i];
			if (c == 'b')
				c = '\b';
			else if (c == 't')
				c = '\t';
			else if (c == 'n')
				c = '\n';
			else if (c == 'f')
				c = '\f';
			else if (c == 'r')
				c = '\r';
			else if (c == 'u' && i + 4 < n) {
				/* kr_json writes only \u00XX escapes. */
				c = (char)(kr_hex_digit(s[i + 3]) << 4 |
				           kr_hex_digit(s[i + 4]));
				i += 4;
			}
		}
		kr_json_putc(out, c);
	}
}

size_t
kr_json_clip(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return n;
}
