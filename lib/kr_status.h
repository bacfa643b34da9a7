/* SPDX-License-Identifier: MIT */
/* Request outcomes and the one table that maps them to an HTTP status,
 * a Confluent error_code and a default message. */
#ifndef KR_STATUS_H
#define KR_STATUS_H

#include <stddef.h>

#include "kr_buf.h"

enum kr_status {
	KR_OK = 0,
	KR_E_BAD_JSON,            /* 400/400 malformed JSON (Jackson layer C) */
	KR_E_BAD_REQUEST,         /* 400/400 wrong types, bad base64 */
	KR_E_INVALID_TOPIC,       /* 400/40002 Kafka InvalidTopicException */
	KR_E_UNAUTHORIZED,        /* 401/40101 Kafka authentication */
	KR_E_UNAUTHENTICATED,     /* 401/401 HTTP authentication failed */
	KR_E_FORBIDDEN,           /* 403/40301 Kafka authorization */
	KR_E_DENIED,              /* 403/403 client address not allowed */
	KR_E_NOT_FOUND,           /* 404/404 unknown path */
	KR_E_TOPIC_NOT_FOUND,     /* 404/40401 */
	KR_E_PARTITION_NOT_FOUND, /* 404/40402 */
	KR_E_METHOD,              /* 405/405 */
	KR_E_NOT_ACCEPTABLE,      /* 406, no body (Jersey) */
	KR_E_TOO_LARGE,           /* 413/413 body over max.request.bytes */
	KR_E_MEDIA_TYPE,          /* 415/415 */
	KR_E_UNPROCESSABLE,       /* 422/422 validation */
	KR_E_TOO_MANY,            /* 429/429 producer queue or memory full */
	KR_E_INTERNAL,            /* 500/500 */
	KR_E_KAFKA,               /* 500/50002 non-retriable Kafka error */
	KR_E_KAFKA_RETRIABLE,     /* 503/50003 retriable Kafka error */
	KR_E_UNAVAILABLE,         /* 503/503 shutting down */
	KR_E_NOT_IMPLEMENTED, /* 501/501 a transfer coding other than chunked */
	KR_STATUS_COUNT
};

struct kr_status_info {
	int si_http;            /* HTTP status */
	int si_code;            /* Confluent error_code */
	const char *si_message; /* default message */
};

/* An error with its message, as carried from lib/ to the HTTP layer. */
struct kr_err {
	enum kr_status err_status; /* KR_OK when there is no error */
	char err_msg[512];         /* NUL-terminated, may be truncated */
};

/* Returns the table row of st; never NULL. */
const struct kr_status_info *kr_status_info(enum kr_status st);
/* Sets err to st with a printf-style message (NULL: the default one).
 * Returns -1 so that parsers can write "return kr_err_set(...)". */
int kr_err_set(struct kr_err *err, enum kr_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kr_err_clear(struct kr_err *err);
/* Appends the Confluent error body {"error_code":N,"message":"..."}. */
void kr_status_body(struct kr_buf *out, int error_code, const char *message);

#endif
