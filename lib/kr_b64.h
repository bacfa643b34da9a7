/* SPDX-License-Identifier: MIT */
/* Base64: the strict decoder Confluent's binary format uses, and the
 * encoders for standard and URL-safe unpadded output. */
#ifndef KR_B64_H
#define KR_B64_H

#include <stddef.h>

#include "kr_buf.h"

/* Decodes standard base64 (A-Z a-z 0-9 + /), '=' padding optional but
 * correct when present, no whitespace, no URL-safe characters, as Guava's
 * BaseEncoding.base64() does. Appends the bytes to out.
 * Returns 0, or -1 when the input is not valid base64 (out is then
 * restored to its previous length). */
int kr_b64_decode(const char *in, size_t len, struct kr_buf *out);
/* Appends the standard base64 of in, with '=' padding. */
void kr_b64_encode(const void *in, size_t len, struct kr_buf *out);
/* Appends base64url (RFC 4648 section 5) of in, without padding. */
void kr_b64url_encode(const void *in, size_t len, struct kr_buf *out);

#endif
