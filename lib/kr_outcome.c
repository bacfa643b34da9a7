/* SPDX-License-Identifier: MIT */
/* Produce outcomes: per-record classes to error codes and HTTP status. */
#include <string.h>

#include "kr_outcome.h"

int
kr_rec_error_code(enum kr_rec_class cls)
{
	switch (cls) {
	case KR_REC_OK:
		return 0;
	case KR_REC_AUTHN:
		return 40101;
	case KR_REC_AUTHZ:
		return 40301;
	case KR_REC_NO_TOPIC:
		return 40401;
	case KR_REC_NO_PARTITION:
		return 40402;
	case KR_REC_PENDING:
	case KR_REC_RETRIABLE:
		return 50003;
	case KR_REC_FATAL:
	case KR_REC_TOO_LARGE:
	case KR_REC_UNKNOWN:
	case KR_REC_CLASS_COUNT:
		break;
	}
	return 50002;
}

/* Fills vd for the decisive class, honest mode. */
static void
kr_outcome_honest(enum kr_rec_class cls, size_t nok, struct kr_verdict *vd)
{
	switch (cls) {
	case KR_REC_AUTHN:
		vd->vd_http = 401;
		break;
	case KR_REC_AUTHZ:
		vd->vd_http = 403;
		break;
	case KR_REC_NO_TOPIC:
	case KR_REC_NO_PARTITION:
		vd->vd_http = 404;
		vd->vd_error_body = nok == 0;
		vd->vd_error_code = kr_rec_error_code(cls);
		break;
	case KR_REC_TOO_LARGE:
		vd->vd_http = 413;
		break;
	case KR_REC_PENDING:
	case KR_REC_RETRIABLE:
		vd->vd_http = 503;
		vd->vd_retry_after = 1;
		break;
	case KR_REC_OK:
		vd->vd_http = 200;
		break;
	case KR_REC_FATAL:
	case KR_REC_UNKNOWN:
	case KR_REC_CLASS_COUNT:
		vd->vd_http = 500;
		break;
	}
}

void
kr_outcome_verdict(const enum kr_rec_class *cls, size_t n, int confluent,
    struct kr_verdict *vd)
{
	/* Precedence of failure classes in honest mode, most decisive first. */
	static const enum kr_rec_class order[] = {KR_REC_AUTHN, KR_REC_AUTHZ,
	    KR_REC_NO_TOPIC, KR_REC_NO_PARTITION, KR_REC_TOO_LARGE,
	    KR_REC_FATAL, KR_REC_UNKNOWN, KR_REC_RETRIABLE, KR_REC_PENDING};
	size_t count[KR_REC_CLASS_COUNT] = {0};
	size_t i;

	memset(vd, 0, sizeof(*vd));
	vd->vd_http = 200;
	vd->vd_cls = KR_REC_OK;
	for (i = 0; i < n; i++)
		count[cls[i] < KR_REC_CLASS_COUNT ? cls[i] : KR_REC_FATAL]++;
	if (confluent) {
		/* kafka-rest: the first auth-type entry decides. */
		for (i = 0; i < n; i++) {
			if (cls[i] == KR_REC_AUTHN || cls[i] == KR_REC_AUTHZ) {
				vd->vd_cls = cls[i];
				vd->vd_http =
				    cls[i] == KR_REC_AUTHN ? 401 : 403;
				break;
			}
		}
		return;
	}
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (count[order[i]] > 0) {
			vd->vd_cls = order[i];
			kr_outcome_honest(order[i], count[KR_REC_OK], vd);
			return;
		}
	}
}
