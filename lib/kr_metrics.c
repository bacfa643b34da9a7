/* SPDX-License-Identifier: MIT */
/* Metrics registry and Prometheus text rendering. */
#include <stdlib.h>
#include <string.h>

#include "kr_alloc.h"
#include "kr_metrics.h"

#define KR_METRICS_BUCKETS 14
#define KR_METRICS_CODES   8 /* distinct failure codes kept per topic */

/* Upper bounds of the produce latency histogram, in seconds. */
static const double kr_metrics_le[KR_METRICS_BUCKETS] = {0.0005, 0.001, 0.0025,
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static const char *const kr_mroute_names[KR_MROUTE_COUNT] = {"unknown", "root",
    "produce", "produce_partition", "healthz", "readyz", "metrics"};

struct kr_mtopic {
	char *mt_name;                  /* NULL: free slot */
	uint64_t mt_records;            /* acknowledged records */
	uint64_t mt_bytes;              /* acknowledged key+value bytes */
	int mt_codes[KR_METRICS_CODES]; /* failure error_codes seen */
	uint64_t mt_failed[KR_METRICS_CODES];
};

struct kr_metrics {
	uint64_t m_http[KR_MROUTE_COUNT][600]; /* by route and status */
	struct kr_mtopic *m_topics;            /* open addressing */
	size_t m_ntopics;
	size_t m_cap;                           /* power of two */
	struct kr_mtopic m_other;               /* beyond the cap */
	uint64_t m_buckets[KR_METRICS_BUCKETS]; /* not cumulative */
	uint64_t m_count;
	double m_sum;
	uint64_t m_auth_failures;
};

struct kr_metrics *
kr_metrics_new(void)
{
	struct kr_metrics *m = kr_calloc(1, sizeof(*m));

	m->m_cap = 2048; /* twice the topic cap: probes stay short */
	m->m_topics = kr_calloc(m->m_cap, sizeof(*m->m_topics));
	m->m_other.mt_name = kr_strdup("_other");
	return m;
}

void
kr_metrics_free(struct kr_metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->m_cap; i++)
		free(m->m_topics[i].mt_name);
	free(m->m_topics);
	free(m->m_other.mt_name);
	free(m);
}

void
kr_metrics_http(struct kr_metrics *m, enum kr_mroute route, int status)
{
	if ((unsigned)route >= KR_MROUTE_COUNT)
		route = KR_MROUTE_UNKNOWN;
	if (status < 100 || status > 599)
		status = 599;
	m->m_http[route][status]++;
}

/* FNV-1a. */
static size_t
kr_metrics_hash(const char *s)
{
	uint64_t h = 1469598103934665603u;

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211u;
	}
	return (size_t)h;
}

static struct kr_mtopic *
kr_metrics_topic(struct kr_metrics *m, const char *topic)
{
	size_t i = kr_metrics_hash(topic) & (m->m_cap - 1);

	for (;;) {
		struct kr_mtopic *mt = &m->m_topics[i];

		if (mt->mt_name == NULL) {
			if (m->m_ntopics >= KR_METRICS_MAX_TOPICS)
				return &m->m_other;
			mt->mt_name = kr_strdup(topic);
			m->m_ntopics++;
			return mt;
		}
		if (strcmp(mt->mt_name, topic) == 0)
			return mt;
		i = (i + 1) & (m->m_cap - 1);
	}
}

void
kr_metrics_produce(struct kr_metrics *m, const char *topic, uint64_t records,
    uint64_t bytes, uint64_t failed, int error_code, double seconds)
{
	struct kr_mtopic *mt = kr_metrics_topic(m, topic);
	int i;

	mt->mt_records += records;
	mt->mt_bytes += bytes;
	if (failed > 0) {
		for (i = 0; i < KR_METRICS_CODES; i++) {
			if (mt->mt_codes[i] == 0 ||
			    mt->mt_codes[i] == error_code)
				break;
		}
		if (i == KR_METRICS_CODES)
			i = KR_METRICS_CODES - 1; /* shares the last slot */
		mt->mt_codes[i] = error_code;
		mt->mt_failed[i] += failed;
	}
	for (i = 0; i < KR_METRICS_BUCKETS; i++) {
		if (seconds <= kr_metrics_le[i]) {
			m->m_buckets[i]++;
			break;
		}
	}
	m->m_count++;
	m->m_sum += seconds;
}

void
kr_metrics_auth_failure(struct kr_metrics *m)
{
	m->m_auth_failures++;
}

uint64_t
kr_metrics_auth_failures(const struct kr_metrics *m)
{
	return m->m_auth_failures;
}

void
kr_metrics_label(struct kr_buf *out, const char *s)
{
	kr_buf_putc(out, '"');
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			kr_buf_putc(out, '\\');
		if (*s == '\n') {
			kr_buf_puts(out, "\\n");
			continue;
		}
		kr_buf_putc(out, *s);
	}
	kr_buf_putc(out, '"');
}

static void
kr_metrics_head(
    struct kr_buf *out, const char *name, const char *type, const char *help)
{
	kr_buf_printf(
	    out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
kr_metrics_render_http(const struct kr_metrics *m, struct kr_buf *out)
{
	int r, code;

	kr_metrics_head(out, "krest_http_requests_total", "counter",
	    "HTTP requests answered, by route and status code.");
	for (r = 0; r < KR_MROUTE_COUNT; r++)
		for (code = 100; code < 600; code++)
			if (m->m_http[r][code] > 0)
				kr_buf_printf(out,
				    "krest_http_requests_total{route=\"%s\","
				    "code=\"%d\"} %llu\n",
				    kr_mroute_names[r], code,
				    (unsigned long long)m->m_http[r][code]);
}

/* Calls fn for every topic series, the overflow series last. */
static void
kr_metrics_each_topic(const struct kr_metrics *m, struct kr_buf *out,
    void (*fn)(const struct kr_mtopic *, struct kr_buf *))
{
	size_t i;

	for (i = 0; i < m->m_cap; i++)
		if (m->m_topics[i].mt_name != NULL)
			fn(&m->m_topics[i], out);
	if (m->m_other.mt_records > 0 || m->m_other.mt_failed[0] > 0)
		fn(&m->m_other, out);
}

static void
kr_metrics_topic_records(const struct kr_mtopic *mt, struct kr_buf *out)
{
	kr_buf_puts(out, "krest_produce_records_total{topic=");
	kr_metrics_label(out, mt->mt_name);
	kr_buf_printf(out, "} %llu\n", (unsigned long long)mt->mt_records);
}

static void
kr_metrics_topic_bytes(const struct kr_mtopic *mt, struct kr_buf *out)
{
	kr_buf_puts(out, "krest_produce_bytes_total{topic=");
	kr_metrics_label(out, mt->mt_name);
	kr_buf_printf(out, "} %llu\n", (unsigned long long)mt->mt_bytes);
}

static void
kr_metrics_topic_failed(const struct kr_mtopic *mt, struct kr_buf *out)
{
	int i;

	for (i = 0; i < KR_METRICS_CODES && mt->mt_codes[i] != 0; i++) {
		kr_buf_puts(out, "krest_produce_failed_records_total{topic=");
		kr_metrics_label(out, mt->mt_name);
		kr_buf_printf(out, ",error_code=\"%d\"} %llu\n",
		    mt->mt_codes[i], (unsigned long long)mt->mt_failed[i]);
	}
}

static void
kr_metrics_render_histogram(const struct kr_metrics *m, struct kr_buf *out)
{
	uint64_t cum = 0;
	int i;

	kr_metrics_head(out, "krest_produce_request_duration_seconds",
	    "histogram",
	    "Produce requests from arrival to answer, in seconds.");
	for (i = 0; i < KR_METRICS_BUCKETS; i++) {
		cum += m->m_buckets[i];
		kr_buf_printf(out,
		    "krest_produce_request_duration_seconds_bucket{le=\"%g\"} "
		    "%llu\n",
		    kr_metrics_le[i], (unsigned long long)cum);
	}
	kr_buf_printf(out,
	    "krest_produce_request_duration_seconds_bucket{le=\"+Inf\"} "
	    "%llu\n"
	    "krest_produce_request_duration_seconds_sum %.6f\n"
	    "krest_produce_request_duration_seconds_count %llu\n",
	    (unsigned long long)m->m_count, m->m_sum,
	    (unsigned long long)m->m_count);
}

void
kr_metrics_render(const struct kr_metrics *m, struct kr_buf *out)
{
	kr_metrics_render_http(m, out);
	kr_metrics_head(out, "krest_produce_records_total", "counter",
	    "Records acknowledged by Kafka, by topic.");
	kr_metrics_each_topic(m, out, kr_metrics_topic_records);
	kr_metrics_head(out, "krest_produce_bytes_total", "counter",
	    "Key and value bytes acknowledged by Kafka, by topic.");
	kr_metrics_each_topic(m, out, kr_metrics_topic_bytes);
	kr_metrics_head(out, "krest_produce_failed_records_total", "counter",
	    "Records not acknowledged, by topic and Confluent error_code.");
	kr_metrics_each_topic(m, out, kr_metrics_topic_failed);
	kr_metrics_render_histogram(m, out);
	kr_metrics_head(out, "krest_kafka_auth_failures_total", "counter",
	    "Kafka authentication failures reported by librdkafka.");
	kr_buf_printf(out, "krest_kafka_auth_failures_total %llu\n",
	    (unsigned long long)m->m_auth_failures);
}
