/* SPDX-License-Identifier: MIT */
/* libFuzzer harness of the kr_awsparse parsers (STS XML, credential JSON,
 * AWS profiles, times) and kr_sigv4_region_from_host(). The first byte picks
 * the parser. Invariants: no crash or leak; a success yields non-empty keys;
 * a parsed time prints and parses back to itself. With -DWITH_MAIN it
 * replays files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kr_awsparse.h"
#include "kr_sigv4.h"

static void
check_creds(const struct kr_sigv4_creds *cr)
{
	FUZZ_ASSERT(cr->cr_akid != NULL && cr->cr_akid[0] != '\0');
	FUZZ_ASSERT(cr->cr_secret != NULL && cr->cr_secret[0] != '\0');
}

static void
fuzz_time(const char *s)
{
	char buf[KR_SIGV4_AMZDATE_LEN + 1];
	int64_t t, back;

	if (kr_awsparse_time(s, &t) == -1)
		return;
	if (kr_sigv4_amzdate(t, buf) == 0) {
		FUZZ_ASSERT(kr_awsparse_time(buf, &back) == 0);
		FUZZ_ASSERT(back == t);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kr_awsparse_profile pr = {0};
	struct kr_awsparse_sts sts = {0};
	struct kr_sigv4_creds cr = {0};
	char err[512], region[64];
	const char *p;
	char *s;
	size_t n;

	if (size == 0)
		return 0;
	p = (const char *)data + 1;
	n = size - 1;
	/* The parsers take a length; give them an unterminated copy so that
	 * ASan catches any read past it. */
	s = malloc(n == 0 ? 1 : n);
	if (s == NULL)
		abort();
	memcpy(s, p, n);
	switch (data[0] % 5) {
	case 0:
		if (kr_awsparse_sts(s, n, &sts, err, sizeof(err)) == 0) {
			check_creds(&sts.st_creds);
			FUZZ_ASSERT(sts.st_creds.cr_token != NULL);
		}
		kr_awsparse_sts_free(&sts);
		break;
	case 1:
		if (kr_awsparse_creds_json(s, n, &cr, err, sizeof(err)) == 0)
			check_creds(&cr);
		else
			FUZZ_ASSERT(cr.cr_akid == NULL && cr.cr_secret == NULL);
		kr_sigv4_creds_clear(&cr);
		break;
	case 2:
		kr_awsparse_profile(
		    s, n, n % 2, "default", &pr, err, sizeof(err));
		kr_awsparse_profile(s, n, 1, "dev", &pr, err, sizeof(err));
		kr_awsparse_profile_free(&pr);
		break;
	default:
		free(s);
		s = malloc(n + 1);
		if (s == NULL)
			abort();
		memcpy(s, p, n);
		s[n] = '\0';
		if (data[0] % 5 == 3)
			fuzz_time(s);
		else if (kr_sigv4_region_from_host(s, region, sizeof(region)) ==
		         0)
			FUZZ_ASSERT(kr_sigv4_region_valid(region));
		break;
	}
	free(s);
	return 0;
}
