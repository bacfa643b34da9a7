/* SPDX-License-Identifier: MIT */
/* The Pinterest event generator: pin, geo and user rows shaped like the
 * AiCore pipeline's three tables, as compact JSON, from a seed. Pure and
 * deterministic: the same seed and row give the same bytes. */
#ifndef KR_GEN_H
#define KR_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"

/* The three tables, in the order the emulators post them. */
enum kr_gen_kind {
	KR_GEN_PIN = 0, /* pinterest_data */
	KR_GEN_GEO,     /* geolocation_data */
	KR_GEN_USER     /* user_data */
};
#define KR_GEN_NKINDS 3

/* How datetime columns are written (spec/clients.md section 0.4). */
enum kr_gen_datefmt {
	KR_GEN_DATE_ISO,   /* 2020-08-28T03:52:47 (isoformat) */
	KR_GEN_DATE_SPACE, /* 2020-08-28 03:52:47 (default=str) */
	KR_GEN_DATE_COLON  /* 2020:08:28 03:52:47 (hillaabra) */
};

/* Quirk rates, in rows per 10,000; the unit tests check them. */
#define KR_GEN_STORY_RATE    300  /* placeholder "story format" pin rows */
#define KR_GEN_NOFOLLOW_RATE 100  /* other pins with "User Info Error" */
#define KR_GEN_IMGERR_RATE   200  /* other pins with "Image src error." */
#define KR_GEN_NOTAGS_RATE   100  /* other pins with the "No Tags" list */
#define KR_GEN_VIDEO_RATE    1000 /* other pins that are videos */
#define KR_GEN_ELLIPSIS_RATE 2500 /* descriptions cut with U+2026 */

/* xoshiro256** state. Seed it with kr_gen_rng_seed(). */
struct kr_gen_rng {
	uint64_t rng_s[4];
};

/* Seeds rng from a 64-bit seed (through splitmix64). */
void kr_gen_rng_seed(struct kr_gen_rng *rng, uint64_t seed);
/* Returns the next 64 random bits. */
uint64_t kr_gen_rng_next(struct kr_gen_rng *rng);
/* Returns a uniform integer in [0, n); n must be > 0. */
uint64_t kr_gen_rng_below(struct kr_gen_rng *rng, uint64_t n);
/* Returns a uniform double in [0, 1). */
double kr_gen_rng_unit(struct kr_gen_rng *rng);

/* Returns "pin", "geo" or "user". */
const char *kr_gen_kind_name(enum kr_gen_kind kind);

/* Parses "iso", "space" or "colon". Returns 0, or -1 if name is none. */
int kr_gen_datefmt_parse(const char *name, enum kr_gen_datefmt *fmt);

/* Returns the table row the emulator reads in round `round` (0-based),
 * uniform in [0, max_row] like random.randint(0, max_row). */
uint64_t kr_gen_pick_row(uint64_t seed, uint64_t round, uint64_t max_row);

/* Appends row `row` of table `kind` as one compact JSON object, columns
 * in table order, strings as raw UTF-8 escaped the way kr_buf_json_str()
 * does. The row is a function of (seed, kind, row) only, so the pin, geo
 * and user rows of one index can be made separately. */
void kr_gen_row(struct kr_buf *out, enum kr_gen_kind kind, uint64_t seed,
    uint64_t row, enum kr_gen_datefmt fmt);

/* Appends the UTC time `secs` seconds after 1970-01-01 as a JSON string
 * in format fmt (no fraction). */
void kr_gen_datetime(struct kr_buf *out, int64_t secs, enum kr_gen_datefmt fmt);

/* Appends v the way Python's repr(float) (so json.dumps) writes it: the
 * shortest digits that read back as v, "5.0", "1e-05", "1.5e+16".
 * Non-finite values are written as null. */
void kr_gen_float_repr(struct kr_buf *out, double v);

/* Appends the n bytes of JSON text s with every non-ASCII character
 * written as \uXXXX (lowercase hex, surrogate pairs above U+FFFF), the
 * way Python's json.dumps(ensure_ascii=True) writes it. Invalid UTF-8
 * bytes become \ufffd. Meant for JSON text, where bytes >= 0x80 only
 * occur inside strings. */
void kr_gen_ensure_ascii(struct kr_buf *out, const char *s, size_t n);

#endif
