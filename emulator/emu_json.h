/* SPDX-License-Identifier: MIT */
/* A small strict JSON reader for the emulator: proxy replies and the rows
 * of --from-dir files, as a tree; and the compact writer for rows. */
#ifndef EMU_JSON_H
#define EMU_JSON_H

#include <stddef.h>

#include "kr_buf.h"

enum emu_jtype { EJ_NULL, EJ_FALSE, EJ_TRUE, EJ_NUM, EJ_STR, EJ_ARR, EJ_OBJ };

struct emu_jmem;

struct emu_jval {
	enum emu_jtype jv_type;
	char *jv_str;  /* EJ_STR: decoded UTF-8; EJ_NUM: the number as sent */
	size_t jv_len; /* bytes in jv_str (a string may hold NUL bytes) */
	struct emu_jval *jv_elem; /* EJ_ARR: jv_n elements */
	struct emu_jmem *jv_mem;  /* EJ_OBJ: jv_n members, in input order */
	size_t jv_n;
};

struct emu_jmem {
	char *jm_key; /* decoded UTF-8 */
	size_t jm_klen;
	struct emu_jval jm_val;
};

/* Parses the n bytes at s, which must hold exactly one JSON value
 * (RFC 8259: strict numbers, valid UTF-8, no control characters in
 * strings). Returns 0 and fills *v, which the caller releases with
 * emu_json_free(); or -1 with a message naming the byte offset. */
int emu_json_parse(
    const char *s, size_t n, struct emu_jval *v, char *errstr, size_t errlen);
void emu_json_free(struct emu_jval *v);

/* Returns the first member named key of an object, or NULL. Borrowed. */
const struct emu_jval *emu_json_get(const struct emu_jval *v, const char *key);

/* Returns 1 if v is a number written as an integer, storing it. */
int emu_json_int(const struct emu_jval *v, long long *out);

/* Appends v in compact form: strings escaped as kr_buf_json_str() does,
 * numbers as they were read. */
void emu_json_write(struct kr_buf *out, const struct emu_jval *v);

#endif
