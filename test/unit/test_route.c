/* SPDX-License-Identifier: MIT */
/* Routing, topic names and media negotiation (spec/rest-v2.md 1.1-1.2). */
#include "kr_route.h"
#include "kr_test.h"

static void
test_routes(void)
{
	static const struct {
		const char *method, *path;
		enum kr_status st;
		enum kr_route_id id;
		const char *topic;
		int32_t partition;
	} cases[] = {
	    {"GET", "/", KR_OK, KR_ROUTE_ROOT, "", -1},
	    {"POST", "/", KR_OK, KR_ROUTE_ROOT, "", -1},
	    {"HEAD", "/", KR_OK, KR_ROUTE_ROOT, "", -1},
	    {"DELETE", "/", KR_E_METHOD, KR_ROUTE_NONE, "", -1},
	    {"POST", "/topics/0a1b2c3d4e5f.pin", KR_OK, KR_ROUTE_PRODUCE,
	        "0a1b2c3d4e5f.pin", -1},
	    /* Jersey tolerates a trailing slash. */
	    {"POST", "/topics/t/", KR_OK, KR_ROUTE_PRODUCE, "t", -1},
	    {"POST", "/topics/t/partitions/3", KR_OK,
	        KR_ROUTE_PRODUCE_PARTITION, "t", 3},
	    {"POST", "/topics/t/partitions/2147483647", KR_OK,
	        KR_ROUTE_PRODUCE_PARTITION, "t", 2147483647},
	    /* {partition} that is not a Java int: Jersey answers 404. */
	    {"POST", "/topics/t/partitions/2147483648", KR_E_NOT_FOUND,
	        KR_ROUTE_NONE, "", -1},
	    {"POST", "/topics/t/partitions/x", KR_E_NOT_FOUND, KR_ROUTE_NONE,
	        "", -1},
	    {"POST", "/topics/t/partitions/-1", KR_E_NOT_FOUND, KR_ROUTE_NONE,
	        "", -1},
	    {"GET", "/topics/t", KR_E_METHOD, KR_ROUTE_NONE, "", -1},
	    {"PUT", "/topics/t/partitions/0", KR_E_METHOD, KR_ROUTE_NONE, "",
	        -1},
	    /* A stage prefix left in the path: Confluent answers 404. */
	    {"POST", "/dev/topics/x.pin", KR_E_NOT_FOUND, KR_ROUTE_NONE, "",
	        -1},
	    {"POST", "/topics", KR_E_NOT_FOUND, KR_ROUTE_NONE, "", -1},
	    {"POST", "/topics//x", KR_E_NOT_FOUND, KR_ROUTE_NONE, "", -1},
	    {"POST", "/topics/a b", KR_E_INVALID_TOPIC, KR_ROUTE_NONE, "", -1},
	    {"POST", "/topics/..", KR_E_INVALID_TOPIC, KR_ROUTE_NONE, "", -1},
	    {"POST", "/topics/.", KR_E_INVALID_TOPIC, KR_ROUTE_NONE, "", -1},
	    {"POST", "", KR_E_NOT_FOUND, KR_ROUTE_NONE, "", -1},
	    {"GET", "/healthz", KR_OK, KR_ROUTE_HEALTHZ, "", -1},
	    {"HEAD", "/readyz", KR_OK, KR_ROUTE_READYZ, "", -1},
	    {"GET", "/metrics", KR_OK, KR_ROUTE_METRICS, "", -1},
	    {"POST", "/metrics", KR_E_METHOD, KR_ROUTE_NONE, "", -1},
	    {"GET", "/topicsx", KR_E_NOT_FOUND, KR_ROUTE_NONE, "", -1},
	    {NULL, NULL, KR_OK, KR_ROUTE_NONE, NULL, 0},
	};
	struct kr_route rt;
	struct kr_err err;
	int i, rc;

	for (i = 0; cases[i].method != NULL; i++) {
		kr_err_clear(&err);
		rc = kr_route_match(cases[i].method, cases[i].path, &rt, &err);
		KR_CHECKF((rc == 0) == (cases[i].st == KR_OK) &&
		              err.err_status == cases[i].st,
		    "%s %s: status %d", cases[i].method, cases[i].path,
		    err.err_status);
		if (rc == 0) {
			KR_CHECK(rt.rt_id == cases[i].id);
			KR_CHECK_STR(rt.rt_topic, cases[i].topic);
			KR_CHECK(rt.rt_partition == cases[i].partition);
		}
	}
}

static void
test_topic_names(void)
{
	char name[300];

	memset(name, 'a', sizeof(name));
	KR_CHECK(kr_topic_valid(name, 249));
	KR_CHECK(!kr_topic_valid(name, 250));
	KR_CHECK(!kr_topic_valid("", 0));
	KR_CHECK(kr_topic_valid("...", 3));
	KR_CHECK(kr_topic_valid("a_b-c.D9", 8));
	KR_CHECK(!kr_topic_valid("a/b", 3));
	KR_CHECK(!kr_topic_valid("caf\xc3\xa9", 5));
}

static void
test_content_type(void)
{
	static const struct {
		const char *ct;
		int ok;
		enum kr_format fmt;
	} cases[] = {
	    {"application/vnd.kafka.json.v2+json", 1, KR_FORMAT_JSON},
	    {"application/vnd.kafka.json.v2+json; charset=utf-8", 1,
	        KR_FORMAT_JSON},
	    {"Application/VND.Kafka.JSON.v2+JSON", 1, KR_FORMAT_JSON},
	    {"application/vnd.kafka.binary.v2+json", 1, KR_FORMAT_BINARY},
	    {"application/json", 1, KR_FORMAT_JSON},
	    {"application/vnd.kafka.avro.v2+json", 0, KR_FORMAT_JSON},
	    {"application/vnd.kafka.protobuf.v2+json", 0, KR_FORMAT_JSON},
	    {"application/vnd.kafka.jsonschema.v2+json", 0, KR_FORMAT_JSON},
	    {"application/vnd.kafka.v1+json", 0, KR_FORMAT_JSON},
	    {"application/vnd.kafka.v2+json", 0, KR_FORMAT_JSON},
	    {"application/x-www-form-urlencoded", 0, KR_FORMAT_JSON},
	    {"text/plain", 0, KR_FORMAT_JSON},
	    {"", 0, KR_FORMAT_JSON},
	    {NULL, 0, KR_FORMAT_JSON},
	};
	struct kr_err err;
	enum kr_format fmt;
	int i;

	for (i = 0; cases[i].ct != NULL; i++) {
		int rc = kr_media_produce_format(cases[i].ct, &fmt, &err);

		KR_CHECKF((rc == 0) == cases[i].ok, "%s", cases[i].ct);
		if (rc == 0)
			KR_CHECKF(fmt == cases[i].fmt, "%s", cases[i].ct);
		else
			KR_CHECK(err.err_status == KR_E_MEDIA_TYPE);
	}
	/* No Content-Type: Jersey picks the binary method. */
	KR_CHECK(kr_media_produce_format(NULL, &fmt, &err) == 0 &&
	         fmt == KR_FORMAT_BINARY);
	KR_CHECK(kr_media_produce_format(
	             "application/vnd.kafka.avro.v2+json", &fmt, &err) == -1 &&
	         strstr(err.err_msg, "not supported") != NULL);
	kr_media_produce_format("text/plain", &fmt, &err);
	KR_CHECK_STR(err.err_msg, "HTTP 415 Unsupported Media Type");
}

static void
test_accept(void)
{
	static const struct {
		const char *accept;
		int ok;
	} cases[] = {
	    {"*/*", 1},
	    {"", 1},
	    {"application/vnd.kafka.v2+json", 1},
	    {"application/json, */*", 1}, /* axios */
	    {"application/*", 1},
	    {"application/json", 0}, /* Jersey: 406 */
	    {"text/plain", 0},
	    {"application/json, */*;q=0", 0},
	    {"application/vnd.kafka.v2+json; q=0.5", 1},
	    {"application/vnd.kafka.v1+json, application/vnd.kafka+json; "
	     "q=0.9, application/json; q=0.8",
	        0}, /* kafka-rest-node */
	    {NULL, 0},
	};
	int i;

	KR_CHECK(kr_media_accept_ok(NULL));
	for (i = 0; cases[i].accept != NULL; i++)
		KR_CHECKF(kr_media_accept_ok(cases[i].accept) == cases[i].ok,
		    "%s", cases[i].accept);
	KR_CHECK_STR(kr_media_415_type(NULL), "application/json");
	KR_CHECK_STR(kr_media_415_type("*/*"), "application/json");
	KR_CHECK_STR(kr_media_415_type("application/vnd.kafka.v2+json"),
	    "application/vnd.kafka.v2+json");
	KR_CHECK_STR(kr_media_415_type("text/html, application/json"),
	    "application/json");
}

int
main(void)
{
	test_routes();
	test_topic_names();
	test_content_type();
	test_accept();
	return KR_TEST_DONE("test_route");
}
