/* SPDX-License-Identifier: MIT */
/* murmur2 against the values Kafka's own UtilsTest asserts for the Java
 * client (signed ints there, compared here as their 32-bit patterns). */
#include "kr_murmur2.h"
#include "kr_test.h"

int
main(void)
{
	static const struct {
		const char *key;
		int32_t java;
	} cases[] = {
	    {"21", -973932308},
	    {"foobar", -790332482},
	    {"a-little-bit-long-string", -985981536},
	    {"a-little-bit-longer-string", -1486304829},
	    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
	    {"abc", 479470107},
	    {NULL, 0},
	};
	int i;

	for (i = 0; cases[i].key != NULL; i++) {
		uint32_t h = kr_murmur2(cases[i].key, strlen(cases[i].key));

		KR_CHECKF(
		    h == (uint32_t)cases[i].java, "%s: %u", cases[i].key, h);
	}
	/* toPositive masks the sign bit, it does not negate. */
	KR_CHECK(kr_murmur2_partition("21", 2, 4) ==
	         (int32_t)(((uint32_t)-973932308 & 0x7fffffffu) % 4));
	KR_CHECK(kr_murmur2_partition("abc", 3, 1) == 0);
	/* An empty key is still hashed (not treated as null). */
	KR_CHECK(kr_murmur2_partition("", 0, 7) ==
	         (int32_t)((kr_murmur2("", 0) & 0x7fffffffu) % 7));
	return KR_TEST_DONE("test_murmur2");
}
