/* SPDX-License-Identifier: MIT */
/* Metrics registry: counters, the topic cap, escaping, histogram. */
#include <stdio.h>

#include "kr_metrics.h"
#include "kr_test.h"

static int
has(const struct kr_buf *b, const char *line)
{
	return strstr(b->data, line) != NULL;
}

static void
test_render(void)
{
	struct kr_metrics *m = kr_metrics_new();
	struct kr_buf out = KR_BUF_INIT;

	kr_metrics_http(m, KR_MROUTE_PRODUCE, 200);
	kr_metrics_http(m, KR_MROUTE_PRODUCE, 200);
	kr_metrics_http(m, KR_MROUTE_ROOT, 404);
	kr_metrics_http(m, KR_MROUTE_COUNT, 999); /* clamped, not a crash */
	kr_metrics_produce(m, "a.pin", 3, 300, 0, 0, 0.002);
	kr_metrics_produce(m, "a.pin", 1, 100, 2, 50003, 0.2);
	kr_metrics_produce(m, "we\"ird\\", 0, 0, 1, 50002, 30.0);
	kr_metrics_auth_failure(m);
	kr_metrics_render(m, &out);
	KR_CHECK(has(&out, "krest_http_requests_total{route=\"produce\","
	                   "code=\"200\"} 2\n"));
	KR_CHECK(has(&out,
	    "krest_http_requests_total{route=\"root\",code=\"404\"} 1\n"));
	KR_CHECK(has(&out, "krest_produce_records_total{topic=\"a.pin\"} 4\n"));
	KR_CHECK(has(&out, "krest_produce_bytes_total{topic=\"a.pin\"} 400\n"));
	KR_CHECK(has(&out, "krest_produce_failed_records_total{topic=\"a.pin\","
	                   "error_code=\"50003\"} 2\n"));
	KR_CHECK(has(&out, "topic=\"we\\\"ird\\\\\""));
	KR_CHECK(has(&out, "krest_produce_request_duration_seconds_bucket{le="
	                   "\"0.0025\"} 1\n"));
	KR_CHECK(has(&out, "krest_produce_request_duration_seconds_bucket{le="
	                   "\"0.25\"} 2\n"));
	KR_CHECK(has(&out, "krest_produce_request_duration_seconds_bucket{le="
	                   "\"+Inf\"} 3\n"));
	KR_CHECK(has(&out, "krest_produce_request_duration_seconds_count 3\n"));
	KR_CHECK(has(&out, "# TYPE krest_produce_request_duration_seconds "
	                   "histogram\n"));
	KR_CHECK(has(&out, "krest_kafka_auth_failures_total 1\n"));
	kr_buf_free(&out);
	kr_metrics_free(m);
}

static void
test_topic_cap(void)
{
	struct kr_metrics *m = kr_metrics_new();
	struct kr_buf out = KR_BUF_INIT;
	char name[32];
	int i;

	for (i = 0; i < KR_METRICS_MAX_TOPICS + 500; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		kr_metrics_produce(m, name, 1, 1, 0, 0, 0.001);
	}
	kr_metrics_render(m, &out);
	KR_CHECK(has(&out, "krest_produce_records_total{topic=\"_other\"} "
	                   "500\n"));
	KR_CHECK(has(&out, "krest_produce_records_total{topic=\"t999\"} 1\n"));
	KR_CHECK(!has(&out, "{topic=\"t1000\"}"));
	kr_buf_free(&out);
	kr_metrics_free(m);
}

int
main(void)
{
	test_render();
	test_topic_cap();
	return KR_TEST_DONE("test_metrics");
}
