/* SPDX-License-Identifier: MIT */
/* Growable byte buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_alloc.h"
#include "kr_buf.h"

void
kr_buf_init(struct kr_buf *buf)
{
	buf->data = NULL;
	buf->len = 0;
	buf->cap = 0;
}

void
kr_buf_reserve(struct kr_buf *buf, size_t extra)
{
	size_t need, cap;

	if (extra > ((size_t)-1) / 2 - buf->len)
		abort(); /* no caller asks for this much; see kr_alloc.h */
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return;
	cap = buf->cap == 0 ? 64 : buf->cap;
	while (cap < need)
		cap *= 2;
	buf->data = kr_realloc(buf->data, cap);
	buf->cap = cap;
}

void
kr_buf_append(struct kr_buf *buf, const void *p, size_t n)
{
	kr_buf_reserve(buf, n);
	if (n > 0)
		memcpy(buf->data + buf->len, p, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
}

void
kr_buf_puts(struct kr_buf *buf, const char *s)
{
	kr_buf_append(buf, s, strlen(s));
}

void
kr_buf_putc(struct kr_buf *buf, char c)
{
	kr_buf_reserve(buf, 1);
	buf->data[buf->len++] = c;
	buf->data[buf->len] = '\0';
}

void
kr_buf_vprintf(struct kr_buf *buf, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	int n;

	/* Most strings fit the stack buffer: one formatting pass. */
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		kr_buf_append(buf, small, (size_t)n);
		return;
	}
	kr_buf_reserve(buf, (size_t)n);
	vsnprintf(buf->data + buf->len, (size_t)n + 1, fmt, ap);
	buf->len += (size_t)n;
}

void
kr_buf_printf(struct kr_buf *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kr_buf_vprintf(buf, fmt, ap);
	va_end(ap);
}

void
kr_buf_put_utf8(struct kr_buf *buf, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		kr_buf_putc(buf, (char)cp);
		return;
	}
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | cp >> 18);
		u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		n = 4;
	}
	u[n - 1] = (char)(0x80 | (cp & 0x3f));
	kr_buf_append(buf, u, n);
}

int
kr_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void
kr_buf_put_u64(struct kr_buf *buf, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[sizeof(digits) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	kr_buf_append(buf, digits + sizeof(digits) - n, n);
}

void
kr_buf_json_str(struct kr_buf *buf, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;

	kr_buf_reserve(buf, n + 2);
	kr_buf_putc(buf, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[6];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		kr_buf_append(buf, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\r':
			esc = "\\r";
			break;
		default:
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			kr_buf_append(buf, u, 6);
			continue;
		}
		kr_buf_puts(buf, esc);
	}
	kr_buf_append(buf, s + run, n - run);
	kr_buf_putc(buf, '"');
}

void
kr_buf_reset(struct kr_buf *buf)
{
	buf->len = 0;
	if (buf->data != NULL)
		buf->data[0] = '\0';
}

char *
kr_buf_detach(struct kr_buf *buf)
{
	char *p = buf->data;

	if (p == NULL)
		p = kr_strdup("");
	kr_buf_init(buf);
	return p;
}

void
kr_buf_free(struct kr_buf *buf)
{
	free(buf->data);
	kr_buf_init(buf);
}
