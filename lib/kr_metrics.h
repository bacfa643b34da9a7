/* SPDX-License-Identifier: MIT */
/* The metrics registry: request counters by route and status, produce
 * counters by topic, and the produce latency histogram, rendered in the
 * Prometheus text format (0.0.4). The daemon adds its gauges. */
#ifndef KR_METRICS_H
#define KR_METRICS_H

#include <stdint.h>

#include "kr_buf.h"

enum kr_mroute {
	KR_MROUTE_UNKNOWN = 0,
	KR_MROUTE_ROOT,
	KR_MROUTE_PRODUCE,
	KR_MROUTE_PRODUCE_PARTITION,
	KR_MROUTE_HEALTHZ,
	KR_MROUTE_READYZ,
	KR_MROUTE_METRICS,
	KR_MROUTE_COUNT
};

/* At most this many topics get their own series; the rest are summed
 * under topic="_other", so hostile topic names cannot grow memory. */
#define KR_METRICS_MAX_TOPICS 1000

struct kr_metrics;

/* Returns a new, empty registry; free it with kr_metrics_free(). */
struct kr_metrics *kr_metrics_new(void);
void kr_metrics_free(struct kr_metrics *m);

/* Counts one answered HTTP request. */
void kr_metrics_http(struct kr_metrics *m, enum kr_mroute route, int status);
/* Counts a produce request's outcome for topic: records and value+key
 * bytes acknowledged, records failed by Confluent error_code (failed may
 * be 0), and the request's duration in seconds. */
void kr_metrics_produce(struct kr_metrics *m, const char *topic,
    uint64_t records, uint64_t bytes, uint64_t failed, int error_code,
    double seconds);
/* Counts a Kafka authentication failure. */
void kr_metrics_auth_failure(struct kr_metrics *m);
uint64_t kr_metrics_auth_failures(const struct kr_metrics *m);

/* Appends every counter and the histogram, with HELP and TYPE lines. */
void kr_metrics_render(const struct kr_metrics *m, struct kr_buf *out);

/* Appends s as a Prometheus label value (quotes included; backslash,
 * double quote and newline escaped). */
void kr_metrics_label(struct kr_buf *out, const char *s);

#endif
