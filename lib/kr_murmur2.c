/* SPDX-License-Identifier: MIT */
/* Kafka murmur2, written from the algorithm's description. */
#include "kr_murmur2.h"

uint32_t
kr_murmur2(const void *key, size_t len)
{
	const uint32_t m = 0x5bd1e995;
	const int r = 24;
	const unsigned char *p = key;
	uint32_t h = 0x9747b28cu ^ (uint32_t)len;
	size_t i, tail = len & ~(size_t)3;

	for (i = 0; i < tail; i += 4) {
		uint32_t k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 |
		             (uint32_t)p[i + 2] << 16 |
		             (uint32_t)p[i + 3] << 24;

		k *= m;
		k ^= k >> r;
		k *= m;
		h *= m;
		h ^= k;
	}
	switch (len & 3) {
	case 3:
		h ^= (uint32_t)p[tail + 2] << 16;
		/* FALLTHROUGH */
	case 2:
		h ^= (uint32_t)p[tail + 1] << 8;
		/* FALLTHROUGH */
	case 1:
		h ^= p[tail];
		h *= m;
		break;
	default:
		break;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return h;
}

int32_t
kr_murmur2_partition(const void *key, size_t len, int32_t partitions)
{
	uint32_t positive = kr_murmur2(key, len) & 0x7fffffffu;

	return (int32_t)(positive % (uint32_t)partitions);
}
