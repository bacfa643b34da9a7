/* SPDX-License-Identifier: MIT */
/* Allocation wrappers that abort on failure (Redis zmalloc, rd_malloc). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_alloc.h"

static void
kr_oom(size_t size)
{
	fprintf(stderr, "<2>krest: out of memory allocating %zu bytes\n", size);
	abort();
}

void *
kr_malloc(size_t size)
{
	void *p = malloc(size == 0 ? 1 : size);

	if (p == NULL)
		kr_oom(size);
	return p;
}

void *
kr_calloc(size_t n, size_t size)
{
	void *p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);

	if (p == NULL)
		kr_oom(n * size);
	return p;
}

void *
kr_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size == 0 ? 1 : size);

	if (p == NULL)
		kr_oom(size);
	return p;
}

char *
kr_strdup(const char *s)
{
	return kr_memdup(s, strlen(s) + 1);
}

char *
kr_strndup(const char *s, size_t n)
{
	char *p = kr_malloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void *
kr_memdup(const void *src, size_t n)
{
	void *p = kr_malloc(n);

	memcpy(p, src, n);
	return p;
}

void
kr_free_secret(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}
