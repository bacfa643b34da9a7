/* SPDX-License-Identifier: MIT */
/* Produce outcome: per-record codes and the request's HTTP status. */
#include "kr_outcome.h"
#include "kr_test.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
test_codes(void)
{
	KR_CHECK(kr_rec_error_code(KR_REC_OK) == 0);
	KR_CHECK(kr_rec_error_code(KR_REC_RETRIABLE) == 50003);
	KR_CHECK(kr_rec_error_code(KR_REC_PENDING) == 50003);
	KR_CHECK(kr_rec_error_code(KR_REC_FATAL) == 50002);
	/* Confluent's v2 produce reports RecordTooLarge as 50002. */
	KR_CHECK(kr_rec_error_code(KR_REC_TOO_LARGE) == 50002);
	KR_CHECK(kr_rec_error_code(KR_REC_AUTHN) == 40101);
	KR_CHECK(kr_rec_error_code(KR_REC_AUTHZ) == 40301);
	KR_CHECK(kr_rec_error_code(KR_REC_NO_PARTITION) == 40402);
	/* Possibly stored: not retriable, so no 50003 and no 503. */
	KR_CHECK(kr_rec_error_code(KR_REC_UNKNOWN) == 50002);
}

static void
test_verdicts(void)
{
	static const struct {
		enum kr_rec_class cls[3];
		int confluent, http, retry, errbody;
	} cases[] = {
	    {{KR_REC_OK, KR_REC_OK, KR_REC_OK}, 0, 200, 0, 0},
	    {{KR_REC_OK, KR_REC_RETRIABLE, KR_REC_OK}, 0, 503, 1, 0},
	    {{KR_REC_OK, KR_REC_PENDING, KR_REC_OK}, 0, 503, 1, 0},
	    {{KR_REC_OK, KR_REC_FATAL, KR_REC_RETRIABLE}, 0, 500, 0, 0},
	    {{KR_REC_TOO_LARGE, KR_REC_FATAL, KR_REC_OK}, 0, 413, 0, 0},
	    {{KR_REC_OK, KR_REC_UNKNOWN, KR_REC_RETRIABLE}, 0, 500, 0, 0},
	    {{KR_REC_RETRIABLE, KR_REC_AUTHZ, KR_REC_OK}, 0, 403, 0, 0},
	    {{KR_REC_AUTHZ, KR_REC_AUTHN, KR_REC_OK}, 0, 401, 0, 0},
	    {{KR_REC_NO_TOPIC, KR_REC_NO_TOPIC, KR_REC_NO_TOPIC}, 0, 404, 0, 1},
	    /* Some records landed: keep the per-record body. */
	    {{KR_REC_OK, KR_REC_NO_PARTITION, KR_REC_OK}, 0, 404, 0, 0},
	    /* Confluent: 200 with errors inside, except auth. */
	    {{KR_REC_OK, KR_REC_RETRIABLE, KR_REC_FATAL}, 1, 200, 0, 0},
	    {{KR_REC_NO_TOPIC, KR_REC_NO_TOPIC, KR_REC_NO_TOPIC}, 1, 200, 0, 0},
	    {{KR_REC_OK, KR_REC_AUTHZ, KR_REC_AUTHN}, 1, 403, 0, 0},
	    {{KR_REC_AUTHN, KR_REC_AUTHZ, KR_REC_OK}, 1, 401, 0, 0},
	};
	struct kr_verdict vd;
	size_t i;

	for (i = 0; i < N(cases); i++) {
		kr_outcome_verdict(cases[i].cls, 3, cases[i].confluent, &vd);
		KR_CHECKF(
		    vd.vd_http == cases[i].http, "case %zu: %d", i, vd.vd_http);
		KR_CHECKF(vd.vd_retry_after == cases[i].retry, "case %zu", i);
		KR_CHECKF(vd.vd_error_body == cases[i].errbody, "case %zu", i);
	}
	kr_outcome_verdict(cases[8].cls, 3, 0, &vd);
	KR_CHECK(vd.vd_error_code == 40401);
}

int
main(void)
{
	test_codes();
	test_verdicts();
	return KR_TEST_DONE("test_outcome");
}
