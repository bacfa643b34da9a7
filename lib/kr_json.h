/* SPDX-License-Identifier: MIT */
/* A single-pass JSON validator and minifier (RFC 8259, strict) that writes
 * the compact form Jackson would write: strings re-escaped, numbers kept as
 * sent, later duplicate keys replacing earlier ones in place.
 * No global state: any thread may run a scan on its own struct kr_json. */
#ifndef KR_JSON_H
#define KR_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"
#include "kr_status.h"

#define KR_JSON_MAX_DEPTH 1000 /* Jackson's StreamReadConstraints default */

/* An open array or object. Its fields are private to kr_json.c. */
struct kr_json_frame {
	char fr_kind;       /* '[' or '{' */
	int fr_track;       /* 1: members are recorded for duplicate keys */
	int fr_dirty;       /* 1: a duplicate key replaced a value */
	size_t fr_start;    /* output offset of the opening bracket */
	size_t fr_count;    /* elements seen so far */
	size_t fr_mem;      /* index of the first member in js_mem */
	size_t fr_cur;      /* member that receives the value being read */
	size_t fr_bucket;   /* index of the first bucket in js_bucket */
	size_t fr_nbucket;  /* 0 until the object has many members */
	size_t fr_valstart; /* output offset of the current member's value */
};

/* One member of an object being minified: where its key and value sit
 * in the output. Private to kr_json.c. */
struct kr_json_member {
	size_t mem_key;  /* offset of the key's opening quote */
	size_t mem_klen; /* key length, quotes included */
	size_t mem_val;  /* offset of the value */
	size_t mem_vlen;
	size_t mem_next; /* next member in the same hash bucket */
	uint32_t mem_hash;
};

/* Scanner state over one input text. The fields are read by
 * kr_envelope.c through the functions below only; the arrays are reused
 * for every value of the input, so a scan allocates only while they grow. */
struct kr_json {
	const char *js_in; /* borrowed input */
	size_t js_len;
	size_t js_pos; /* next byte to read */
	struct kr_json_frame *js_frame;
	size_t js_nframe; /* current nesting depth */
	size_t js_framecap;
	struct kr_json_member *js_mem;
	size_t js_nmem;
	size_t js_memcap;
	size_t *js_bucket;
	size_t js_nbucket;
	size_t js_bucketcap;
	struct kr_buf js_tmp; /* scratch for objects with duplicate keys */
	struct kr_err *js_err;
};

/* Prepares js to scan the len bytes at in. in and err are borrowed and
 * must outlive js. */
void kr_json_init(
    struct kr_json *js, const char *in, size_t len, struct kr_err *err);
/* Frees what the scan allocated; js may be initialised again. */
void kr_json_free(struct kr_json *js);

/* Skips whitespace. Returns the next byte (0-255), or -1 at the end of
 * the input. */
int kr_json_peek(struct kr_json *js);
/* Consumes the byte kr_json_peek() returned. */
void kr_json_skip(struct kr_json *js);

/* Scans one JSON value at the current position (after whitespace) and
 * appends its compact form to out. Returns 0, or -1 with the error set
 * (KR_E_BAD_JSON and a Jackson-style message); out then holds a partial
 * value past its previous length. */
int kr_json_value(struct kr_json *js, struct kr_buf *out);
/* Scans the string starting at the current '"' and appends it to out as
 * a Jackson-escaped literal, quotes included. Returns 0 or -1. */
int kr_json_string(struct kr_json *js, struct kr_buf *out);

/* Records that the caller consumed the opening bracket kind ('[' or '{')
 * of a container it walks itself, so that depth limits and end-of-input
 * messages stay right. Returns 0, or -1 when too deep. */
int kr_json_enter(struct kr_json *js, char kind);
/* Closes the container opened by the matching kr_json_enter(). */
void kr_json_leave(struct kr_json *js);
/* Sets a KR_E_BAD_JSON error about the next byte (or the end of input),
 * ending with expecting, e.g. "was expecting comma to separate Array
 * entries". Returns -1. */
int kr_json_unexpected(struct kr_json *js, const char *expecting);

/* Validates that in holds exactly one JSON value (whitespace around it
 * allowed) and appends its compact form to out. Returns 0, or -1 with err
 * set to KR_E_BAD_JSON; out is then restored to its previous length. */
int kr_json_minify(
    const char *in, size_t len, struct kr_buf *out, struct kr_err *err);

/* Appends the text of the string literal body s (no quotes) that kr_json
 * wrote, with its escapes undone; for messages that quote a name. */
void kr_json_unescape(const char *s, size_t n, struct kr_buf *out);

/* Returns how many of the first n bytes of the valid UTF-8 text s to keep
 * so that at most max bytes remain and no character is cut. */
size_t kr_json_clip(const char *s, size_t n, size_t max);

#endif
