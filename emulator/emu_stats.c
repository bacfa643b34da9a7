/* SPDX-License-Identifier: MIT */
/* Counters, latencies and summaries (see emu_stats.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kr_alloc.h"
#include "emu_stats.h"

void
emu_stats_init(struct emu_stats *st, double now)
{
	memset(st, 0, sizeof(*st));
	st->st_t0 = st->st_t1 = st->st_win_t = now;
}

static void
counts_free(struct emu_counts *ct)
{
	size_t i;

	for (i = 0; i < ct->ct_len; i++)
		free(ct->ct_key[i]);
	ct->ct_len = 0;
}

void
emu_stats_free(struct emu_stats *st)
{
	counts_free(&st->st_status);
	counts_free(&st->st_codes);
	counts_free(&st->st_causes);
	free(st->st_lat);
	st->st_lat = NULL;
}

void
emu_counts_add(struct emu_counts *ct, const char *key, uint64_t n)
{
	size_t i;

	for (i = 0; i < ct->ct_len; i++)
		if (strcmp(ct->ct_key[i], key) == 0)
			break;
	if (i == ct->ct_len) {
		if (i == EMU_MAX_KEYS) { /* lump the rare rest together */
			i--;
			free(ct->ct_key[i]);
			ct->ct_key[i] = kr_strdup("other");
		} else {
			ct->ct_key[i] = kr_strdup(key);
			ct->ct_n[i] = 0;
			ct->ct_len++;
		}
	}
	ct->ct_n[i] += n;
}

void
emu_stats_latency(struct emu_stats *st, double secs)
{
	double us = secs * 1e6;

	if (st->st_nlat == st->st_latcap) {
		st->st_latcap = st->st_latcap == 0 ? 4096 : st->st_latcap * 2;
		st->st_lat =
		    kr_realloc(st->st_lat, st->st_latcap * sizeof(*st->st_lat));
	}
	st->st_lat[st->st_nlat++] = us < 0     ? 0
	                            : us > 4e9 ? 4000000000u
	                                       : (uint32_t)us;
}

uint64_t
emu_stats_total(const uint64_t v[KR_GEN_NKINDS])
{
	return v[0] + v[1] + v[2];
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Percentiles (nearest rank) of lat[0..n), in ms; sorts a copy. */
static void
percentiles(
    const uint32_t *lat, size_t n, const double *q, double *out, size_t nq)
{
	uint32_t *v;
	size_t i, k;

	if (n == 0) {
		for (i = 0; i < nq; i++)
			out[i] = 0;
		return;
	}
	v = kr_memdup(lat, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_u32);
	for (i = 0; i < nq; i++) {
		k = (size_t)ceil(q[i] * (double)n);
		k = k == 0 ? 0 : k - 1;
		out[i] = v[k < n ? k : n - 1] / 1000.0;
	}
	free(v);
}

static uint64_t
counts_sum(const struct emu_counts *ct)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < ct->ct_len; i++)
		s += ct->ct_n[i];
	return s;
}

void
emu_stats_progress(struct emu_stats *st, FILE *f, double now, unsigned inflight)
{
	static const double q[2] = {0.50, 0.99};
	double p[2], dt = now - st->st_win_t;
	uint64_t acked = emu_stats_total(st->st_acked);

	percentiles(st->st_lat + st->st_win, st->st_nlat - st->st_win, q, p, 2);
	fprintf(f,
	    "\r%10llu acked %9.1f/s  errors %llu  p50 %.2f ms  p99 %.2f ms  "
	    "in flight %u   ",
	    (unsigned long long)acked,
	    dt > 0 ? (double)(acked - st->st_win_acked) / dt : 0.0,
	    (unsigned long long)(emu_stats_total(st->st_failed) +
	                         counts_sum(&st->st_codes)),
	    p[0], p[1], inflight);
	fflush(f);
	st->st_win = st->st_nlat;
	st->st_win_acked = acked;
	st->st_win_t = now;
}

static uint64_t
unsent(const struct emu_stats *st, int k)
{
	uint64_t used = st->st_missing[k] + st->st_sent[k];

	return st->st_generated[k] > used ? st->st_generated[k] - used : 0;
}

int
emu_stats_ok(const struct emu_stats *st)
{
	int k;

	if (st->st_fatal)
		return 0;
	for (k = 0; k < KR_GEN_NKINDS; k++)
		if (st->st_failed[k] > 0 || unsent(st, k) > 0 ||
		    st->st_acked[k] != st->st_sent[k])
			return 0;
	return 1;
}

static void
text_counts(struct kr_buf *out, const char *title, const struct emu_counts *ct)
{
	size_t i;

	if (ct->ct_len == 0)
		return;
	kr_buf_printf(out, "  %s:", title);
	for (i = 0; i < ct->ct_len; i++)
		kr_buf_printf(out, "%s %s: %llu", i > 0 ? "," : "",
		    ct->ct_key[i], (unsigned long long)ct->ct_n[i]);
	kr_buf_putc(out, '\n');
}

void
emu_stats_text(struct emu_stats *st, struct kr_buf *out,
    const char *const topics[KR_GEN_NKINDS])
{
	static const double q[4] = {0.50, 0.90, 0.99, 1.0};
	double p[4], secs = st->st_t1 - st->st_t0;
	uint64_t acked = emu_stats_total(st->st_acked);
	uint64_t uns = unsent(st, 0) + unsent(st, 1) + unsent(st, 2);
	char planned[40] = "";
	size_t i;
	int k;

	if (st->st_planned > 0)
		snprintf(planned, sizeof(planned), " of %llu",
		    (unsigned long long)st->st_planned);
	percentiles(st->st_lat, st->st_nlat, q, p, 4);
	kr_buf_printf(out,
	    "krest-emulate summary: %s\n"
	    "  rounds %llu%s, records sent %llu, acknowledged %llu, failed "
	    "%llu, not sent %llu\n",
	    emu_stats_ok(st) ? "every record acknowledged"
	                     : "NOT every record was acknowledged",
	    (unsigned long long)st->st_rounds, planned,
	    (unsigned long long)emu_stats_total(st->st_sent),
	    (unsigned long long)acked,
	    (unsigned long long)emu_stats_total(st->st_failed),
	    (unsigned long long)uns);
	if (st->st_stop[0] != '\0')
		kr_buf_printf(out, "  stopped early: %s\n", st->st_stop);
	if (st->st_causes.ct_len > 0) {
		kr_buf_puts(out, "  failed records by cause:\n");
		for (i = 0; i < st->st_causes.ct_len; i++)
			kr_buf_printf(out, "    %llu  %s\n",
			    (unsigned long long)st->st_causes.ct_n[i],
			    st->st_causes.ct_key[i]);
	}
	kr_buf_printf(out,
	    "  requests %llu (retries %llu) in %.3f s: %.1f records/s "
	    "acknowledged\n",
	    (unsigned long long)st->st_requests,
	    (unsigned long long)st->st_retries, secs,
	    secs > 0 ? (double)acked / secs : 0.0);
	text_counts(out, "replies by HTTP status", &st->st_status);
	text_counts(out, "errors by error_code", &st->st_codes);
	kr_buf_printf(out,
	    "  latency ms: p50 %.2f, p90 %.2f, p99 %.2f, max %.2f (%zu "
	    "replies)\n",
	    p[0], p[1], p[2], p[3], st->st_nlat);
	for (k = 0; k < KR_GEN_NKINDS; k++)
		kr_buf_printf(out,
		    "  %-20s sent %llu, acknowledged %llu, failed %llu, not "
		    "sent %llu%s\n",
		    topics[k], (unsigned long long)st->st_sent[k],
		    (unsigned long long)st->st_acked[k],
		    (unsigned long long)st->st_failed[k],
		    (unsigned long long)unsent(st, k),
		    st->st_missing[k] > 0 ? ", rows missing in source" : "");
}

static void
json_counts(struct kr_buf *out, const char *name, const struct emu_counts *ct)
{
	size_t i;

	kr_buf_printf(out, ",\"%s\":{", name);
	for (i = 0; i < ct->ct_len; i++) {
		if (i > 0)
			kr_buf_putc(out, ',');
		kr_buf_json_str(out, ct->ct_key[i], strlen(ct->ct_key[i]));
		kr_buf_printf(out, ":%llu", (unsigned long long)ct->ct_n[i]);
	}
	kr_buf_putc(out, '}');
}

void
emu_stats_json(struct emu_stats *st, struct kr_buf *out,
    const char *const topics[KR_GEN_NKINDS], const char *mode)
{
	static const double q[4] = {0.50, 0.90, 0.99, 1.0};
	double p[4], secs = st->st_t1 - st->st_t0;
	uint64_t acked = emu_stats_total(st->st_acked);
	int k;

	percentiles(st->st_lat, st->st_nlat, q, p, 4);
	kr_buf_printf(out,
	    "{\"ok\":%s,\"mode\":\"%s\",\"elapsed_s\":%.3f,\"rounds\":%llu,"
	    "\"rounds_planned\":%llu,"
	    "\"records\":{\"sent\":%llu,\"acknowledged\":%llu,\"failed\":%llu,"
	    "\"not_sent\":%llu,\"missing_in_source\":%llu}",
	    emu_stats_ok(st) ? "true" : "false", mode, secs,
	    (unsigned long long)st->st_rounds,
	    (unsigned long long)st->st_planned,
	    (unsigned long long)emu_stats_total(st->st_sent),
	    (unsigned long long)acked,
	    (unsigned long long)emu_stats_total(st->st_failed),
	    (unsigned long long)(unsent(st, 0) + unsent(st, 1) + unsent(st, 2)),
	    (unsigned long long)emu_stats_total(st->st_missing));
	kr_buf_printf(out, ",\"requests\":%llu,\"retries\":%llu",
	    (unsigned long long)st->st_requests,
	    (unsigned long long)st->st_retries);
	json_counts(out, "by_status", &st->st_status);
	json_counts(out, "by_error_code", &st->st_codes);
	json_counts(out, "failed_by_cause", &st->st_causes);
	kr_buf_puts(out, ",\"stopped\":");
	if (st->st_stop[0] != '\0')
		kr_buf_json_str(out, st->st_stop, strlen(st->st_stop));
	else
		kr_buf_puts(out, "null");
	kr_buf_printf(out,
	    ",\"records_per_s\":%.1f,\"latency_ms\":{\"p50\":%.3f,"
	    "\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"replies\":%zu}",
	    secs > 0 ? (double)acked / secs : 0.0, p[0], p[1], p[2], p[3],
	    st->st_nlat);
	kr_buf_puts(out, ",\"topics\":{");
	for (k = 0; k < KR_GEN_NKINDS; k++) {
		if (k > 0)
			kr_buf_putc(out, ',');
		kr_buf_json_str(out, topics[k], strlen(topics[k]));
		kr_buf_printf(out,
		    ":{\"sent\":%llu,\"acknowledged\":%llu,\"failed\":%llu,"
		    "\"not_sent\":%llu,\"missing_in_source\":%llu}",
		    (unsigned long long)st->st_sent[k],
		    (unsigned long long)st->st_acked[k],
		    (unsigned long long)st->st_failed[k],
		    (unsigned long long)unsent(st, k),
		    (unsigned long long)st->st_missing[k]);
	}
	kr_buf_puts(out, "}}\n");
}
