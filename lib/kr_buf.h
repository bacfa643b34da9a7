/* SPDX-License-Identifier: MIT */
/* A growable byte buffer. The data is always NUL-terminated after len
 * bytes so it can be used as a C string when it holds text. */
#ifndef KR_BUF_H
#define KR_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct kr_buf {
	char *data; /* NULL until the first append */
	size_t len; /* bytes used, not counting the trailing NUL */
	size_t cap; /* bytes allocated */
};

#define KR_BUF_INIT                                                            \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void kr_buf_init(struct kr_buf *buf);
/* Makes room for extra more bytes (plus the NUL). */
void kr_buf_reserve(struct kr_buf *buf, size_t extra);
void kr_buf_append(struct kr_buf *buf, const void *p, size_t n);
void kr_buf_puts(struct kr_buf *buf, const char *s);
void kr_buf_putc(struct kr_buf *buf, char c);
void kr_buf_printf(struct kr_buf *buf, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void kr_buf_vprintf(struct kr_buf *buf, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Appends the code point cp (below 0x110000) encoded as UTF-8. */
void kr_buf_put_utf8(struct kr_buf *buf, uint32_t cp);
/* Returns the value of the hexadecimal digit c, or -1. */
int kr_hex_digit(int c);
/* Appends v in decimal. */
void kr_buf_put_u64(struct kr_buf *buf, uint64_t v);
/* Appends s as a JSON string literal, quotes included, escaped the way
 * Jackson writes it: only '"', '\\' and control characters are escaped;
 * other bytes (UTF-8) are copied as they are. */
void kr_buf_json_str(struct kr_buf *buf, const char *s, size_t n);
/* Empties the buffer, keeping its memory. */
void kr_buf_reset(struct kr_buf *buf);
/* Returns the data and leaves the buffer empty; the caller frees it. */
char *kr_buf_detach(struct kr_buf *buf);
void kr_buf_free(struct kr_buf *buf);

#endif
