/* SPDX-License-Identifier: MIT */
/* Shared by the libFuzzer harnesses: the invariant check, and (with
 * -DWITH_MAIN) a main() that replays the files named on its command line
 * through LLVMFuzzerTestOneInput(), which `make test` runs over the
 * committed corpus. Include it once, after the harness. */
#ifndef KR_FUZZ_H
#define KR_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                      \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "%s:%d: invariant failed: %s\n",       \
			    __FILE__, __LINE__, #cond);                        \
			abort();                                               \
		}                                                              \
	} while (0)

#ifdef WITH_MAIN
/* Reads a whole file; returns malloc'd bytes (NULL on error). */
static uint8_t *
fuzz_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL, *q;
	size_t cap = 0, r;

	*len = 0;
	if (f == NULL)
		return NULL;
	do {
		if (*len == cap) {
			cap = cap == 0 ? 4096 : cap * 2;
			q = realloc(p, cap);
			if (q == NULL)
				abort();
			p = q;
		}
		r = fread(p + *len, 1, cap - *len, f);
		*len += r;
	} while (r > 0);
	fclose(f);
	return p;
}

int
main(int argc, char **argv)
{
	uint8_t *p;
	size_t n;
	int i;

	for (i = 1; i < argc; i++) {
		p = fuzz_read(argv[i], &n);
		if (p == NULL) {
			perror(argv[i]);
			return 1;
		}
		LLVMFuzzerTestOneInput(p, n);
		free(p);
	}
	printf("%s: %d inputs replayed\n", argv[0], argc - 1);
	return 0;
}
#endif

#endif
