/* SPDX-License-Identifier: MIT */
/* Request routing: method + path -> route, topic and partition; topic
 * name rules; Content-Type and Accept negotiation for the v2 API. */
#ifndef KR_ROUTE_H
#define KR_ROUTE_H

#include <stdint.h>

#include "kr_envelope.h"
#include "kr_status.h"

#define KR_TOPIC_MAX 249 /* Kafka's limit on topic name length */

enum kr_route_id {
	KR_ROUTE_NONE = 0,
	KR_ROUTE_ROOT,              /* GET|POST|HEAD / */
	KR_ROUTE_PRODUCE,           /* POST /topics/{topic} */
	KR_ROUTE_PRODUCE_PARTITION, /* POST /topics/{topic}/partitions/{p} */
	KR_ROUTE_HEALTHZ,           /* GET|HEAD /healthz (krest) */
	KR_ROUTE_READYZ,            /* GET|HEAD /readyz (krest) */
	KR_ROUTE_METRICS,           /* GET|HEAD /metrics (krest) */
};

struct kr_route {
	enum kr_route_id rt_id;
	char rt_topic[KR_TOPIC_MAX + 1]; /* valid for the produce routes */
	int32_t rt_partition;            /* -1 unless PRODUCE_PARTITION */
};

/* Matches method and an already percent-decoded path. Returns 0 with rt
 * filled, or -1 with err set: 404 unknown path or a {partition} that is
 * not a Java int (Jersey's behaviour), 405 known path with another method,
 * 400/40002 for an invalid topic name. */
int kr_route_match(const char *method, const char *path, struct kr_route *rt,
    struct kr_err *err);

/* Returns 1 if name follows Kafka's topic rules: 1-249 characters of
 * [a-zA-Z0-9._-], and neither "." nor "..". */
int kr_topic_valid(const char *name, size_t len);

/* Maps a produce request's Content-Type (NULL when absent) to the embedded
 * format. Absent is binary, as Jersey picks the unweighted binary method;
 * application/json is taken as json (krest is friendlier than Confluent's
 * 415 here). Returns 0, or -1 with err set to 415. */
int kr_media_produce_format(
    const char *content_type, enum kr_format *fmt, struct kr_err *err);

/* Returns 1 if the Accept header (NULL when absent) admits
 * application/vnd.kafka.v2+json, the only type these routes produce;
 * 0 means 406 Not Acceptable. */
int kr_media_accept_ok(const char *accept);

/* The Content-Type of a 415 answer: rest-utils walks Accept for an entry
 * exactly equal to application/json or application/vnd.kafka.v2+json and
 * otherwise falls back to application/json. Returns a static string. */
const char *kr_media_415_type(const char *accept);

#endif
