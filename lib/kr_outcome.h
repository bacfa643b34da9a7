/* SPDX-License-Identifier: MIT */
/* The outcome of a produce request: per-record result classes, their
 * Confluent error codes, and the HTTP status the whole request gets. */
#ifndef KR_OUTCOME_H
#define KR_OUTCOME_H

#include <stddef.h>

/* What happened to one record. The daemon classifies librdkafka errors
 * into these; everything else here is pure. */
enum kr_rec_class {
	KR_REC_PENDING = 0,  /* no delivery report yet */
	KR_REC_OK,           /* acknowledged, has partition and offset */
	KR_REC_RETRIABLE,    /* timeouts, leader changes, queue full... */
	KR_REC_FATAL,        /* any other Kafka error */
	KR_REC_AUTHN,        /* Kafka authentication failed */
	KR_REC_AUTHZ,        /* Kafka authorization failed */
	KR_REC_TOO_LARGE,    /* record larger than the broker accepts */
	KR_REC_NO_TOPIC,     /* topic does not exist */
	KR_REC_NO_PARTITION, /* partition does not exist */
	KR_REC_UNKNOWN,      /* failed after it was sent: it may be stored,
	                        so not retriable */
	KR_REC_CLASS_COUNT
};

/* The per-record error_code of a ProduceResponse entry (Confluent's
 * errorCodeFromProducerException: 50003, 50002, 40101, 40301); 0 for
 * KR_REC_OK. A record still pending is reported as retriable. */
int kr_rec_error_code(enum kr_rec_class cls);

/* The request's verdict, computed from its records. */
struct kr_verdict {
	int vd_http;              /* HTTP status */
	int vd_retry_after;       /* seconds for Retry-After, 0: no header */
	int vd_error_body;        /* 1: answer {"error_code","message"} */
	int vd_error_code;        /* with vd_error_body */
	enum kr_rec_class vd_cls; /* the class that decided */
};

/* Computes the HTTP answer for n records of classes cls. Honest mode
 * (confluent == 0): 200 only when every record was acknowledged; else
 * auth 401/403 first, then 404 (topic/partition missing; an error body
 * when no record succeeded), 413, 503 with Retry-After for retriable
 * failures, 500 for the rest. Confluent mode: always 200, except 401/403
 * (kafka-rest's ProduceResponse rule, the first auth entry decides). */
void kr_outcome_verdict(const enum kr_rec_class *cls, size_t n, int confluent,
    struct kr_verdict *vd);

#endif
