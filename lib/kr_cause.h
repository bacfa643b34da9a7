/* SPDX-License-Identifier: MIT */
/* Kafka error texts reduced to their cause, so that a failure repeated at
 * every connection attempt, on every broker, is logged once per cause. */
#ifndef KR_CAUSE_H
#define KR_CAUSE_H

#include <stddef.h>
#include <stdint.h>

#define KR_CAUSE_SLOTS 16
#define KR_CAUSE_LEN   256

/* Copies librdkafka's text in into out without what changes from attempt
 * to attempt: "[...]" parts (thread names, request ids), a leading broker
 * name ("sasl_ssl://host:port/id: ", "host:port/bootstrap: ") and the
 * "(after N ms in state X...)" tail; blanks are collapsed. E.g. both
 * "sasl_ssl://b-1:9098/1: SASL authentication error: [8c2f...]: Access
 * denied (after 52ms in state AUTH_REQ)" and the same from broker 2 give
 * "SASL authentication error: Access denied". */
void kr_cause_normalize(const char *in, char *out, size_t outlen);

/* The causes logged recently. */
struct kr_cause_seen {
	char cs_text[KR_CAUSE_SLOTS][KR_CAUSE_LEN];
	int64_t cs_at_ms[KR_CAUSE_SLOTS]; /* 0: free slot */
	size_t cs_next;                   /* slot to reuse next */
};

/* Returns 1 if cause should be logged at now_ms: it was not logged in the
 * last interval_ms (then it is recorded as logged now), else 0. */
int kr_cause_should_log(struct kr_cause_seen *seen, const char *cause,
    int64_t now_ms, int64_t interval_ms);
/* Forgets every cause (e.g. once Kafka works again). */
void kr_cause_reset(struct kr_cause_seen *seen);

#endif
