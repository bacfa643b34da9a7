/* SPDX-License-Identifier: MIT */
/* Base64 codecs. */
#include <stdint.h>

#include "kr_b64.h"

static const char kr_b64_std[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char kr_b64_url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Value of a standard-alphabet character, or -1. */
static int
kr_b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
kr_b64_decode(const char *in, size_t len, struct kr_buf *out)
{
	size_t start = out->len, i, ndata;
	uint32_t acc = 0;
	unsigned bits = 0;
	int v;

	/* Padding, when present, must complete the last quantum. */
	ndata = len;
	while (ndata > 0 && in[ndata - 1] == '=')
		ndata--;
	if (ndata != len && (len % 4 != 0 || len - ndata > 2))
		return -1;
	if (ndata % 4 == 1)
		return -1;
	kr_buf_reserve(out, ndata / 4 * 3 + 3);
	for (i = 0; i < ndata; i++) {
		v = kr_b64_value((unsigned char)in[i]);
		if (v < 0)
			goto fail;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out->data[out->len++] = (char)((acc >> bits) & 0xff);
		}
	}
	/* Leftover bits must be zero (canonical encoding, as Guava checks). */
	if ((acc & ((1u << bits) - 1)) != 0)
		goto fail;
	out->data[out->len] = '\0';
	return 0;
fail:
	out->len = start;
	out->data[out->len] = '\0';
	return -1;
}

static void
kr_b64_encode_with(const void *in, size_t len, struct kr_buf *out,
    const char *alphabet, int pad)
{
	const unsigned char *p = in;
	size_t i;
	uint32_t v;

	kr_buf_reserve(out, (len + 2) / 3 * 4);
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out->data[out->len++] = alphabet[v >> 18];
		out->data[out->len++] = alphabet[(v >> 12) & 63];
		out->data[out->len++] = alphabet[(v >> 6) & 63];
		out->data[out->len++] = alphabet[v & 63];
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		out->data[out->len++] = alphabet[v >> 18];
		out->data[out->len++] = alphabet[(v >> 12) & 63];
		if (i + 1 < len)
			out->data[out->len++] = alphabet[(v >> 6) & 63];
		else if (pad)
			out->data[out->len++] = '=';
		if (pad)
			out->data[out->len++] = '=';
	}
	out->data[out->len] = '\0';
}

void
kr_b64_encode(const void *in, size_t len, struct kr_buf *out)
{
	kr_b64_encode_with(in, len, out, kr_b64_std, 1);
}

void
kr_b64url_encode(const void *in, size_t len, struct kr_buf *out)
{
	kr_b64_encode_with(in, len, out, kr_b64_url, 0);
}
