/* SPDX-License-Identifier: MIT */
/* Kafka error causes: normalisation and once-per-cause logging. */
#include <string.h>

#include "kr_cause.h"

/* Length of a broker-name prefix at s ("proto://host:port/id: " or
 * "host:port/id: "): one token holding ':' and '/', then ": ". */
static size_t
kr_cause_broker_prefix(const char *s)
{
	size_t i = 0;
	int colon = 0, slash = 0;

	while (s[i] != '\0' && s[i] != ' ') {
		colon |= s[i] == ':';
		slash |= s[i] == '/';
		i++;
	}
	if (i < 2 || !colon || !slash || s[i - 1] != ':' || s[i] != ' ')
		return 0;
	return i + 1;
}

void
kr_cause_normalize(const char *in, char *out, size_t outlen)
{
	size_t n = 0, skip;
	int depth = 0;

	if (outlen == 0)
		return;
	for (; *in != '\0' && n + 1 < outlen; in++) {
		if (depth == 0 && strncmp(in, " (after ", 8) == 0)
			break;
		if (*in == '[') {
			depth++;
			continue;
		}
		if (*in == ']' && depth > 0) {
			depth--;
			continue;
		}
		if (depth > 0)
			continue;
		/* A broker name where a message starts. */
		if ((n == 0 ||
		        (n >= 2 && out[n - 2] == ':' && out[n - 1] == ' ')) &&
		    (skip = kr_cause_broker_prefix(in)) > 0) {
			in += skip - 1;
			continue;
		}
		/* Separators left at the start, ": :" and doubled blanks,
		 * where parts were removed. */
		if ((*in == ' ' || *in == ':') && n == 0)
			continue;
		if (*in == ' ' && out[n - 1] == ' ')
			continue;
		if (*in == ':' && n >= 2 && out[n - 1] == ' ' &&
		    out[n - 2] == ':') {
			n--;
			continue;
		}
		out[n++] = *in;
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == ':'))
		n--;
	out[n] = '\0';
}

int
kr_cause_should_log(struct kr_cause_seen *seen, const char *cause,
    int64_t now_ms, int64_t interval_ms)
{
	size_t i;

	for (i = 0; i < KR_CAUSE_SLOTS; i++) {
		if (seen->cs_at_ms[i] == 0 ||
		    strncmp(seen->cs_text[i], cause, KR_CAUSE_LEN - 1) != 0)
			continue;
		if (now_ms - seen->cs_at_ms[i] < interval_ms)
			return 0;
		seen->cs_at_ms[i] = now_ms;
		return 1;
	}
	i = seen->cs_next;
	seen->cs_next = (seen->cs_next + 1) % KR_CAUSE_SLOTS;
	strncpy(seen->cs_text[i], cause, KR_CAUSE_LEN - 1);
	seen->cs_text[i][KR_CAUSE_LEN - 1] = '\0';
	seen->cs_at_ms[i] = now_ms > 0 ? now_ms : 1;
	return 1;
}

void
kr_cause_reset(struct kr_cause_seen *seen)
{
	memset(seen, 0, sizeof(*seen));
}
