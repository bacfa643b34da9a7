/* SPDX-License-Identifier: MIT */
/* What happened to every record and request: counters, latencies, the
 * live progress line and the final summary (text or JSON). */
#ifndef EMU_STATS_H
#define EMU_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "kr_buf.h"
#include "kr_gen.h"

#define EMU_MAX_KEYS 64 /* distinct statuses, error codes or causes */

/* A small counter map: keys are strings (statuses and codes printed). */
struct emu_counts {
	char *ct_key[EMU_MAX_KEYS];
	uint64_t ct_n[EMU_MAX_KEYS];
	size_t ct_len;
};

struct emu_stats {
	uint64_t st_rounds;  /* rounds generated */
	uint64_t st_planned; /* rounds asked for, 0: no limit */
	uint64_t st_generated[KR_GEN_NKINDS]; /* records made */
	uint64_t st_missing[KR_GEN_NKINDS];   /* rows the source lacked */
	uint64_t st_sent[KR_GEN_NKINDS];      /* records sent at least once */
	uint64_t st_acked[KR_GEN_NKINDS];     /* acknowledged with an offset */
	uint64_t st_failed[KR_GEN_NKINDS];    /* given up on */
	uint64_t st_requests;                 /* HTTP requests started */
	uint64_t st_retries;                  /* of which were retries */
	struct emu_counts st_status;          /* replies by HTTP status */
	struct emu_counts st_codes;           /* by error_code, entries too */
	struct emu_counts st_causes;          /* failed records by cause */
	uint32_t *st_lat;                     /* reply latencies, us */
	size_t st_nlat, st_latcap;
	size_t st_win;         /* first latency of the progress window */
	uint64_t st_win_acked; /* acked at the start of the window */
	double st_win_t;       /* time the window started */
	double st_t0, st_t1;   /* start and end, monotonic seconds */
	int st_fatal;          /* the run ended on an error (st_stop) */
	char st_stop[512];     /* why the run stopped early, or "" */
};

void emu_stats_init(struct emu_stats *st, double now);
void emu_stats_free(struct emu_stats *st);

/* Adds n to the counter named key (created on first use). */
void emu_counts_add(struct emu_counts *ct, const char *key, uint64_t n);

/* Records one reply's latency in seconds. */
void emu_stats_latency(struct emu_stats *st, double secs);

/* Sums a per-kind counter. */
uint64_t emu_stats_total(const uint64_t v[KR_GEN_NKINDS]);

/* Writes the progress line (\r, no newline) to f and starts a new
 * window. */
void emu_stats_progress(
    struct emu_stats *st, FILE *f, double now, unsigned inflight);

/* Appends the human summary / the JSON summary. topics[k] are the topic
 * names. */
void emu_stats_text(struct emu_stats *st, struct kr_buf *out,
    const char *const topics[KR_GEN_NKINDS]);
void emu_stats_json(struct emu_stats *st, struct kr_buf *out,
    const char *const topics[KR_GEN_NKINDS], const char *mode);

/* Returns 1 when every record made was acknowledged. */
int emu_stats_ok(const struct emu_stats *st);

#endif
