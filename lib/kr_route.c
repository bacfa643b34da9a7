/* SPDX-License-Identifier: MIT */
/* Routing and media-type negotiation for the Confluent v2 paths. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kr_route.h"

#define KR_V2_JSON "application/vnd.kafka.v2+json"

int
kr_topic_valid(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len > KR_TOPIC_MAX)
		return 0;
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return 0;
	}
	return 1;
}

/* Parses a Java int in [0, INT32_MAX] from a path segment. Jersey turns a
 * conversion failure into 404; a negative partition is refused too. */
static int
kr_route_partition(const char *s, size_t len, int32_t *out)
{
	int64_t v = 0;
	size_t i;

	if (len == 0 || len > 10)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > INT32_MAX)
		return -1;
	*out = (int32_t)v;
	return 0;
}

/* Splits path into at most 4 segments, ignoring one trailing slash
 * (Jersey tolerates it). Returns the segment count, or -1 if there are
 * more segments or an empty one. */
static int
kr_route_split(const char *path, const char *seg[4], size_t seglen[4])
{
	const char *p = path, *end;
	size_t len = strlen(path);
	int n = 0;

	if (len == 0 || path[0] != '/')
		return -1;
	if (len > 1 && path[len - 1] == '/')
		len--;
	end = path + len;
	p++;
	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		const char *stop = slash != NULL ? slash : end;

		if (stop == p || n == 4)
			return -1;
		seg[n] = p;
		seglen[n] = (size_t)(stop - p);
		n++;
		p = slash != NULL ? slash + 1 : end;
	}
	return n;
}

static int
kr_route_is(const char *seg, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(seg, word, len) == 0;
}

/* krest's own operational paths, which Confluent does not have. */
static int
kr_route_ops(const char *method, const char *seg, size_t len,
    struct kr_route *rt, struct kr_err *err)
{
	if (kr_route_is(seg, len, "healthz"))
		rt->rt_id = KR_ROUTE_HEALTHZ;
	else if (kr_route_is(seg, len, "readyz"))
		rt->rt_id = KR_ROUTE_READYZ;
	else if (kr_route_is(seg, len, "metrics"))
		rt->rt_id = KR_ROUTE_METRICS;
	else
		return kr_err_set(err, KR_E_NOT_FOUND, NULL);
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		rt->rt_id = KR_ROUTE_NONE;
		return kr_err_set(err, KR_E_METHOD, NULL);
	}
	return 0;
}

int
kr_route_match(const char *method, const char *path, struct kr_route *rt,
    struct kr_err *err)
{
	const char *seg[4];
	size_t seglen[4];
	int n;

	memset(rt, 0, sizeof(*rt));
	rt->rt_partition = -1;
	n = kr_route_split(path, seg, seglen);
	if (n == 0) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0 &&
		    strcmp(method, "HEAD") != 0)
			return kr_err_set(err, KR_E_METHOD, NULL);
		rt->rt_id = KR_ROUTE_ROOT;
		return 0;
	}
	if (n == 1)
		return kr_route_ops(method, seg[0], seglen[0], rt, err);
	if ((n != 2 && n != 4) || !kr_route_is(seg[0], seglen[0], "topics"))
		return kr_err_set(err, KR_E_NOT_FOUND, NULL);
	if (n == 4) {
		if (!kr_route_is(seg[2], seglen[2], "partitions") ||
		    kr_route_partition(seg[3], seglen[3], &rt->rt_partition) !=
		        0)
			return kr_err_set(err, KR_E_NOT_FOUND, NULL);
	}
	if (strcmp(method, "POST") != 0)
		return kr_err_set(err, KR_E_METHOD, NULL);
	if (!kr_topic_valid(seg[1], seglen[1]))
		return kr_err_set(err, KR_E_INVALID_TOPIC,
		    "Invalid topic name: %.*s. A topic name is 1 to 249 "
		    "characters of [a-zA-Z0-9._-], and not '.' or '..'.",
		    (int)(seglen[1] > 64 ? 64 : seglen[1]), seg[1]);
	memcpy(rt->rt_topic, seg[1], seglen[1]);
	rt->rt_topic[seglen[1]] = '\0';
	rt->rt_id = n == 4 ? KR_ROUTE_PRODUCE_PARTITION : KR_ROUTE_PRODUCE;
	return 0;
}

/* Copies the type/subtype of a media type (parameters and surrounding
 * blanks dropped) into out, lower-cased. Returns its length. */
static size_t
kr_media_base(const char *s, size_t len, char *out, size_t outsz)
{
	size_t i = 0, n = 0;

	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (i < len && s[i] != ';' && s[i] != ',' && s[i] != ' ' &&
	       s[i] != '\t' && n + 1 < outsz) {
		out[n++] = (char)tolower((unsigned char)s[i]);
		i++;
	}
	out[n] = '\0';
	return n;
}

int
kr_media_produce_format(
    const char *content_type, enum kr_format *fmt, struct kr_err *err)
{
	char base[128];

	if (content_type == NULL) {
		*fmt = KR_FORMAT_BINARY;
		return 0;
	}
	kr_media_base(content_type, strlen(content_type), base, sizeof(base));
	if (strcmp(base, "application/vnd.kafka.json.v2+json") == 0 ||
	    strcmp(base, "application/json") == 0) {
		*fmt = KR_FORMAT_JSON;
		return 0;
	}
	if (strcmp(base, "application/vnd.kafka.binary.v2+json") == 0) {
		*fmt = KR_FORMAT_BINARY;
		return 0;
	}
	if (strcmp(base, "application/vnd.kafka.avro.v2+json") == 0 ||
	    strcmp(base, "application/vnd.kafka.jsonschema.v2+json") == 0 ||
	    strcmp(base, "application/vnd.kafka.protobuf.v2+json") == 0)
		return kr_err_set(err, KR_E_MEDIA_TYPE,
		    "HTTP 415 Unsupported Media Type: %s is not supported by "
		    "krest yet; use application/vnd.kafka.json.v2+json or "
		    "application/vnd.kafka.binary.v2+json",
		    base);
	return kr_err_set(err, KR_E_MEDIA_TYPE, NULL);
}

/* Reads the q parameter of one Accept element; 1.0 when absent. */
static double
kr_media_q(const char *el, size_t len)
{
	const char *p = el, *end = el + len;

	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));

		if (semi == NULL)
			break;
		p = semi + 1;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') &&
		    p[1] == '=') {
			char num[16];
			size_t n = 0;

			p += 2;
			while (p < end && n + 1 < sizeof(num) && *p != ';')
				num[n++] = *p++;
			num[n] = '\0';
			return strtod(num, NULL);
		}
	}
	return 1.0;
}

int
kr_media_accept_ok(const char *accept)
{
	const char *p = accept;
	int any = 0;

	if (accept == NULL)
		return 1;
	while (*p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char base[128];

		if (kr_media_base(p, len, base, sizeof(base)) > 0) {
			any = 1;
			if ((strcmp(base, "*/*") == 0 ||
			        strcmp(base, "application/*") == 0 ||
			        strcmp(base, KR_V2_JSON) == 0) &&
			    kr_media_q(p, len) > 0)
				return 1;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	/* An empty header is no preference at all. */
	return !any;
}

const char *
kr_media_415_type(const char *accept)
{
	const char *p = accept;

	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		char base[128];

		kr_media_base(p, len, base, sizeof(base));
		if (strcmp(base, "application/json") == 0)
			return "application/json";
		if (strcmp(base, KR_V2_JSON) == 0)
			return KR_V2_JSON;
		p = comma != NULL ? comma + 1 : NULL;
	}
	return "application/json";
}
