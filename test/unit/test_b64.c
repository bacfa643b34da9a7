/* SPDX-License-Identifier: MIT */
/* Unit tests of kr_b64 (RFC 4648 vectors; Guava's strictness rules). */
#include "kr_b64.h"
#include "kr_test.h"

static void
test_decode(void)
{
	static const struct {
		const char *in;
		const char *out; /* NULL: must be rejected */
	} cases[] = {
	    {"", ""},
	    {"Zg==", "f"},
	    {"Zg", "f"}, /* padding is optional */
	    {"Zm8=", "fo"},
	    {"Zm8", "fo"},
	    {"Zm9v", "foo"},
	    {"Zm9vYmFy", "foobar"},
	    {"a2V5", "key"},
	    {"Y29uZmx1ZW50", "confluent"},
	    {"Zg=", NULL},    /* incomplete padding */
	    {"Zg===", NULL},  /* too much padding */
	    {"Z", NULL},      /* one char cannot encode a byte */
	    {"Zm9v\n", NULL}, /* no whitespace */
	    {"Zm9-", NULL},   /* no URL-safe alphabet */
	    {"Zh==", NULL},   /* non-zero leftover bits */
	    {"Z=g=", NULL},
	    {"@@@@", NULL},
	    {NULL, NULL},
	};
	struct kr_buf buf = KR_BUF_INIT;
	int i, rc;

	for (i = 0; cases[i].in != NULL; i++) {
		kr_buf_reset(&buf);
		rc = kr_b64_decode(cases[i].in, strlen(cases[i].in), &buf);
		if (cases[i].out == NULL) {
			KR_CHECKF(rc == -1 && buf.len == 0, "%s", cases[i].in);
		} else {
			KR_CHECKF(rc == 0, "%s", cases[i].in);
			KR_CHECK_MEM(buf.data, buf.len, cases[i].out,
			    strlen(cases[i].out));
		}
	}
	kr_buf_free(&buf);
}

static void
test_encode(void)
{
	struct kr_buf buf = KR_BUF_INIT;
	const unsigned char bin[] = {0xfb, 0xff, 0xfe};

	kr_b64_encode("foobar", 6, &buf);
	KR_CHECK_STR(buf.data, "Zm9vYmFy");
	kr_buf_reset(&buf);
	kr_b64_encode("fooba", 5, &buf);
	KR_CHECK_STR(buf.data, "Zm9vYmE=");
	kr_buf_reset(&buf);
	kr_b64_encode("f", 1, &buf);
	KR_CHECK_STR(buf.data, "Zg==");
	kr_buf_reset(&buf);
	kr_b64url_encode(bin, 3, &buf);
	KR_CHECK_STR(buf.data, "-__-");
	kr_buf_reset(&buf);
	kr_b64url_encode("f", 1, &buf);
	KR_CHECK_STR(buf.data, "Zg");
	kr_buf_free(&buf);
}

int
main(void)
{
	test_decode();
	test_encode();
	return KR_TEST_DONE("test_b64");
}
