/* SPDX-License-Identifier: MIT */
/* The Confluent v2 produce envelope: request decoding (json and binary
 * embedded formats) and the ProduceResponse encoder. */
#ifndef KR_ENVELOPE_H
#define KR_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"
#include "kr_status.h"

enum kr_format {
	KR_FORMAT_BINARY, /* application/vnd.kafka.binary.v2+json */
	KR_FORMAT_JSON    /* application/vnd.kafka.json.v2+json */
};

/* One record of a produce request. Key and value bytes live in the
 * pr_data buffer of the kr_produce that holds the record. */
struct kr_record {
	int32_t rec_partition; /* -1: not given (the partitioner decides) */
	int rec_has_key;       /* 0: Kafka null key */
	int rec_has_value;     /* 0: Kafka null value */
	size_t rec_key_off;    /* offset of the key bytes in pr_data */
	size_t rec_key_len;
	size_t rec_value_off; /* offset of the value bytes in pr_data */
	size_t rec_value_len;
};

/* A decoded produce request. */
struct kr_produce {
	struct kr_record *pr_records; /* pr_count records, in request order */
	size_t pr_count;
	size_t pr_cap;
	struct kr_buf pr_data; /* every key and value, back to back */
};

void kr_produce_init(struct kr_produce *pr);
/* Empties pr, keeping its memory for reuse. */
void kr_produce_reset(struct kr_produce *pr);
void kr_produce_free(struct kr_produce *pr);

/* Decodes a v2 produce body of len bytes in format fmt into pr.
 * url_partition is the {partition} of /topics/{t}/partitions/{p}, or -1
 * for /topics/{t}; a record's own "partition" takes precedence over it.
 * json format: each key/value is stored as its compact JSON text, strings
 * re-escaped as Jackson writes them (raw UTF-8, \uXXXX and surrogate pairs
 * decoded), numbers kept as sent; a JSON null or absent field is a Kafka
 * null. binary: each key/value must be a base64 string or null.
 * Returns 0, or -1 with err set (status, Confluent message); on error
 * nothing in pr is to be used. */
int kr_envelope_decode(const char *body, size_t len, enum kr_format fmt,
    int32_t url_partition, struct kr_produce *pr, struct kr_err *err);

/* One entry of a ProduceResponse. */
struct kr_offset {
	int32_t off_partition; /* valid when off_error_code == 0 */
	int64_t off_offset;    /* valid when off_error_code == 0 */
	int off_error_code;    /* 0 on success, else 50002, 50003, 40101... */
	const char *off_error; /* NULL on success; borrowed */
};

/* Appends the ProduceResponse body, byte for byte as Confluent writes it:
 * {"offsets":[{"partition":P,"offset":O,"error_code":null,"error":null}],
 *  "key_schema_id":null,"value_schema_id":null} (without spaces). */
void kr_envelope_encode_offsets(
    struct kr_buf *out, const struct kr_offset *offs, size_t n);

#endif
