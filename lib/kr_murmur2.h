/* SPDX-License-Identifier: MIT */
/* Kafka's murmur2 (the Java client's default partitioner hash). krestd
 * lets librdkafka's murmur2_random partitioner hash keys; this copy is
 * the reference the tests check that choice against. */
#ifndef KR_MURMUR2_H
#define KR_MURMUR2_H

#include <stddef.h>
#include <stdint.h>

/* Returns murmur2 of the bytes with Kafka's seed 0x9747b28c, as the Java
 * client's Utils.murmur2 computes it (as an unsigned 32-bit value). */
uint32_t kr_murmur2(const void *key, size_t len);
/* Returns the partition the Java client picks for a non-null key:
 * toPositive(murmur2(key)) % partitions. */
int32_t kr_murmur2_partition(const void *key, size_t len, int32_t partitions);

#endif
