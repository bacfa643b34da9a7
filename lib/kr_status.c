/* SPDX-License-Identifier: MIT */
/* The status table: outcome -> HTTP status, error_code, message.
 * Codes and texts follow Confluent kafka-rest (spec/rest-v2.md 4.1). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kr_status.h"

static const struct kr_status_info kr_status_table[KR_STATUS_COUNT] = {
    [KR_OK] = {200, 0, ""},
    [KR_E_BAD_JSON] = {400, 400, "Bad Request: malformed JSON"},
    [KR_E_BAD_REQUEST] = {400, 400, "Bad Request"},
    [KR_E_INVALID_TOPIC] = {400, 40002, "Invalid topic name"},
    [KR_E_UNAUTHORIZED] = {401, 40101, "Authentication failed"},
    [KR_E_UNAUTHENTICATED] = {401, 401, "Unauthorized"},
    [KR_E_FORBIDDEN] = {403, 40301, "Not authorized"},
    [KR_E_DENIED] = {403, 403, "Forbidden"},
    [KR_E_NOT_FOUND] = {404, 404, "HTTP 404 Not Found"},
    [KR_E_TOPIC_NOT_FOUND] = {404, 40401, "Topic not found."},
    [KR_E_PARTITION_NOT_FOUND] = {404, 40402, "Partition not found."},
    [KR_E_METHOD] = {405, 405, "HTTP 405 Method Not Allowed"},
    [KR_E_NOT_ACCEPTABLE] = {406, 406, "HTTP 406 Not Acceptable"},
    [KR_E_TOO_LARGE] = {413, 413, "Request body too large"},
    [KR_E_MEDIA_TYPE] = {415, 415, "HTTP 415 Unsupported Media Type"},
    [KR_E_UNPROCESSABLE] = {422, 422, "Unprocessable Entity"},
    [KR_E_TOO_MANY] = {429, 429, "Too many requests in flight"},
    [KR_E_INTERNAL] = {500, 500, "Internal Server Error"},
    [KR_E_KAFKA] = {500, 50002, "Kafka error"},
    [KR_E_KAFKA_RETRIABLE] = {503, 50003, "Kafka error (retriable)"},
    [KR_E_UNAVAILABLE] = {503, 503, "Service Unavailable"},
    [KR_E_NOT_IMPLEMENTED] = {501, 501, "HTTP 501 Not Implemented"},
};

const struct kr_status_info *
kr_status_info(enum kr_status st)
{
	if ((unsigned)st >= KR_STATUS_COUNT)
		st = KR_E_INTERNAL;
	return &kr_status_table[st];
}

int
kr_err_set(struct kr_err *err, enum kr_status st, const char *fmt, ...)
{
	va_list ap;

	err->err_status = st;
	if (fmt == NULL) {
		snprintf(err->err_msg, sizeof(err->err_msg), "%s",
		    kr_status_info(st)->si_message);
		return -1;
	}
	va_start(ap, fmt);
	/* Truncation is acceptable: messages quote client data. */
	(void)vsnprintf(err->err_msg, sizeof(err->err_msg), fmt, ap);
	va_end(ap);
	return -1;
}

void
kr_err_clear(struct kr_err *err)
{
	err->err_status = KR_OK;
	err->err_msg[0] = '\0';
}

void
kr_status_body(struct kr_buf *out, int error_code, const char *message)
{
	kr_buf_printf(out, "{\"error_code\":%d,\"message\":", error_code);
	kr_buf_json_str(out, message, strlen(message));
	kr_buf_putc(out, '}');
}
