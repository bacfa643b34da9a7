/* SPDX-License-Identifier: MIT */
/* libFuzzer harness of request routing and media negotiation: method and
 * path (kr_route_match, kr_topic_valid), Content-Type and Accept. The
 * input is "METHOD\nPATH\nCONTENT-TYPE\nACCEPT". Invariants: a match has a
 * valid topic and a partition only on the partition route; every refusal
 * is a 4xx; the 415 type is one of the two rest-utils picks. */
#include <string.h>

#include "fuzz.h"
#include "kr_route.h"

/* Splits the next line off *p (NUL-terminating it in place). */
static char *
next_line(char **p)
{
	char *line = *p, *nl;

	if (line == NULL)
		return NULL;
	nl = strchr(line, '\n');
	if (nl != NULL) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = NULL;
	}
	return line;
}

static void
check_route(const char *method, const char *path)
{
	struct kr_route rt;
	struct kr_err err;

	kr_err_clear(&err);
	if (kr_route_match(method, path, &rt, &err) != 0) {
		int http = kr_status_info(err.err_status)->si_http;

		FUZZ_ASSERT(http >= 400 && http < 500);
		return;
	}
	if (rt.rt_id == KR_ROUTE_PRODUCE ||
	    rt.rt_id == KR_ROUTE_PRODUCE_PARTITION)
		FUZZ_ASSERT(kr_topic_valid(rt.rt_topic, strlen(rt.rt_topic)));
	FUZZ_ASSERT(
	    (rt.rt_partition >= 0) == (rt.rt_id == KR_ROUTE_PRODUCE_PARTITION));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *p = buf;
	const char *method, *path, *ctype, *accept, *t415;
	enum kr_format fmt;
	struct kr_err err;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	method = next_line(&p);
	path = next_line(&p);
	ctype = next_line(&p);
	accept = next_line(&p);
	if (method != NULL && path != NULL)
		check_route(method, path);
	if (kr_media_produce_format(ctype, &fmt, &err) == 0)
		FUZZ_ASSERT(fmt == KR_FORMAT_JSON || fmt == KR_FORMAT_BINARY);
	else
		FUZZ_ASSERT(err.err_status == KR_E_MEDIA_TYPE);
	(void)kr_media_accept_ok(accept);
	t415 = kr_media_415_type(accept);
	FUZZ_ASSERT(strcmp(t415, "application/json") == 0 ||
	            strcmp(t415, "application/vnd.kafka.v2+json") == 0);
	free(buf);
	return 0;
}
