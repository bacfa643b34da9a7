/* SPDX-License-Identifier: MIT */
/* Kafka error causes: the texts librdkafka 2.0.2 really prints (seen in
 * the end-to-end IAM and SCRAM tests) reduce to one cause each. */
#include "kr_cause.h"
#include "kr_test.h"

static void
test_normalize(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
	    {"[thrd:sasl_ssl://127.0.0.1:20112/bootstrap]: "
	     "sasl_ssl://127.0.0.1:20112/bootstrap: SASL authentication "
	     "error: [fd2ac571-0d1c-4f1e-9c77-5b8f0c2d7a11]: Access denied "
	     "(after 52ms in state AUTH_REQ)",
	        "SASL authentication error: Access denied"},
	    {"sasl_ssl://127.0.0.1:29564/3: SASL authentication error: "
	     "[46fc606a-1111]: Access denied (after 44ms in state AUTH_REQ)",
	        "SASL authentication error: Access denied"},
	    {"127.0.0.1:35645/1: Connect to ipv4#127.0.0.1:35645 failed: "
	     "Connection refused (after 0ms in state CONNECT, 1 identical "
	     "error(s) suppressed)",
	        "Connect to ipv4#127.0.0.1:35645 failed: Connection refused"},
	    {"sasl_ssl://127.0.0.1:24638/3: Disconnected (after 18018ms in "
	     "state UP)",
	        "Disconnected"},
	    {"1/1 brokers are down", "1/1 brokers are down"},
	    {"", ""},
	    {NULL, NULL},
	};
	char out[KR_CAUSE_LEN];
	int i;

	for (i = 0; cases[i].in != NULL; i++) {
		kr_cause_normalize(cases[i].in, out, sizeof(out));
		KR_CHECK_STR(out, cases[i].out);
	}
	kr_cause_normalize("[unterminated", out, 4);
	KR_CHECK_STR(out, "");
}

static void
test_once_per_cause(void)
{
	struct kr_cause_seen seen;
	char name[16];
	int i, logged = 0;

	kr_cause_reset(&seen);
	KR_CHECK(kr_cause_should_log(&seen, "a", 1000, 60000) == 1);
	KR_CHECK(kr_cause_should_log(&seen, "a", 2000, 60000) == 0);
	KR_CHECK(kr_cause_should_log(&seen, "b", 2000, 60000) == 1);
	KR_CHECK(kr_cause_should_log(&seen, "a", 3000, 60000) == 0);
	/* Logged again once the interval has passed. */
	KR_CHECK(kr_cause_should_log(&seen, "a", 61001, 60000) == 1);
	kr_cause_reset(&seen);
	KR_CHECK(kr_cause_should_log(&seen, "a", 61002, 60000) == 1);
	/* More causes than slots: old ones are forgotten, nothing breaks. */
	for (i = 0; i < 3 * KR_CAUSE_SLOTS; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		logged += kr_cause_should_log(&seen, name, 70000, 60000);
	}
	KR_CHECK(logged == 3 * KR_CAUSE_SLOTS);
}

int
main(void)
{
	test_normalize();
	test_once_per_cause();
	return KR_TEST_DONE("test_cause");
}
