/* SPDX-License-Identifier: MIT */
/* A tiny counting test macro: each failure prints file:line: expr, and
 * KR_TEST_DONE() prints "<name>: N passed, M failed" and returns the
 * exit status. (librdkafka RD_UT_ASSERT, Redis test_cond.) */
#ifndef KR_TEST_H
#define KR_TEST_H

#include <stdio.h>
#include <string.h>

static int kr_test_passed;
static int kr_test_failed;

#define KR_CHECK(expr)                                                         \
	do {                                                                   \
		if (expr) {                                                    \
			kr_test_passed++;                                      \
		} else {                                                       \
			kr_test_failed++;                                      \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__,       \
			    __LINE__, #expr);                                  \
		}                                                              \
	} while (0)

/* Like KR_CHECK, with a printf-style explanation on failure. */
#define KR_CHECKF(expr, ...)                                                   \
	do {                                                                   \
		if (expr) {                                                    \
			kr_test_passed++;                                      \
		} else {                                                       \
			kr_test_failed++;                                      \
			fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__,       \
			    __LINE__, #expr);                                  \
			fprintf(stderr, __VA_ARGS__);                          \
			fputc('\n', stderr);                                   \
		}                                                              \
	} while (0)

/* Compares two byte strings and shows both on failure. */
#define KR_CHECK_MEM(got, gotlen, want, wantlen)                               \
	KR_CHECKF((gotlen) == (wantlen) &&                                     \
	              (wantlen == 0 || memcmp((got), (want), (wantlen)) == 0), \
	    "got [%.*s] want [%.*s]", (int)(gotlen), (const char *)(got),      \
	    (int)(wantlen), (const char *)(want))

#define KR_CHECK_STR(got, want)                                                \
	KR_CHECKF(((got) != NULL) && strcmp((got), (want)) == 0,               \
	    "got [%s] want [%s]", (got) != NULL ? (got) : "(null)", (want))

#define KR_TEST_DONE(name)                                                     \
	(printf("%s: %d passed, %d failed\n", (name), kr_test_passed,          \
	     kr_test_failed),                                                  \
	    kr_test_failed == 0 ? 0 : 1)

#endif
