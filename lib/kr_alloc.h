/* SPDX-License-Identifier: MIT */
/* Allocation wrappers: an allocation failure is fatal (abort), so callers
 * never check for NULL. */
#ifndef KR_ALLOC_H
#define KR_ALLOC_H

#include <stddef.h>

void *kr_malloc(size_t size);
void *kr_calloc(size_t n, size_t size);
void *kr_realloc(void *ptr, size_t size);
char *kr_strdup(const char *s);
char *kr_strndup(const char *s, size_t n);
void *kr_memdup(const void *p, size_t n);
/* Zeroes len bytes of a secret, then frees it. */
void kr_free_secret(void *p, size_t len);

#endif
