/* SPDX-License-Identifier: MIT */
/* kafka-rest.properties parser: Java .properties lexing, the table of
 * proxy and krest keys, routing of the client./producer./admin./consumer.
 * scopes, Java -> librdkafka translation, JAAS and MSK IAM. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kr_alloc.h"
#include "kr_buf.h"
#include "kr_conf.h"

#define KR_CONF_PRODUCE_TIMEOUT_MS 25000
#define KR_CONF_DR_MARGIN_MS       2000 /* DR before the HTTP answer */
#define KR_CONF_UNKNOWN_TOPIC_MS   2000
#define KR_CONF_DEFAULT_PORT       8082

/* One key=value line of the file, unescaped. */
struct kr_conf_ent {
	char *ce_key;
	char *ce_value;
	int ce_line;
};

/* A growable list of librdkafka settings. */
struct kr_conf_kvl {
	struct kr_kv *kl_v;
	size_t kl_n;
	size_t kl_cap;
};

/* Which Kafka client a routed list is for. */
enum kr_conf_client {
	KR_CLIENT_PRODUCER,
	KR_CLIENT_ADMIN,
	KR_CLIENT_CONSUMER,
};

/* State of one kr_conf_parse() call. */
struct kr_conf_parser {
	const char *cp_fname;
	struct kr_conf *cp_conf;
	struct kr_diags *cp_diags;
	struct kr_conf_ent *cp_ents; /* every key of the file, deduplicated */
	size_t cp_nents;
	size_t cp_cap;
	int cp_lastline;       /* number of lines of the file */
	int cp_listeners_line; /* 0: listeners not given */
	int cp_port_line;      /* 0: port not given */
	int cp_port;
	int cp_bootstrap_line; /* 0: bootstrap.servers not given */
	int cp_nbrokers;       /* host:port entries of bootstrap.servers */
	int cp_nentries;       /* entries of bootstrap.servers, good or bad */
};

/* ---- diagnostics ------------------------------------------------------ */

void
kr_diags_init(struct kr_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void
kr_diags_free(struct kr_diags *d)
{
	size_t i;

	for (i = 0; i < d->d_count; i++) {
		free(d->d_list[i].dg_file);
		free(d->d_list[i].dg_msg);
	}
	free(d->d_list);
	memset(d, 0, sizeof(*d));
}

void
kr_diag_format(const struct kr_diag *dg, struct kr_buf *out)
{
	kr_buf_printf(out, "%s:%d: %s: %s",
	    dg->dg_file != NULL ? dg->dg_file : "(config)", dg->dg_line,
	    dg->dg_error ? "error" : "warning",
	    dg->dg_msg != NULL ? dg->dg_msg : "");
}

/* Records a diagnostic at line (clamped into 1..last line so it always
 * points into the file). A message identical to one already recorded for
 * the same line is dropped: client.* keys are translated once per Kafka
 * client and would otherwise be reported three times. */
static void kr_conf_diag(struct kr_conf_parser *p, int line, int error,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
kr_conf_diag(
    struct kr_conf_parser *p, int line, int error, const char *fmt, ...)
{
	struct kr_diags *d = p->cp_diags;
	struct kr_buf msg = KR_BUF_INIT;
	struct kr_diag *dg;
	va_list ap;
	size_t i;

	if (line < 1)
		line = p->cp_lastline;
	if (line > p->cp_lastline)
		line = p->cp_lastline;
	if (line < 1)
		line = 1;
	va_start(ap, fmt);
	kr_buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	for (i = 0; i < d->d_count; i++) {
		if (d->d_list[i].dg_line == line &&
		    d->d_list[i].dg_error == error &&
		    strcmp(d->d_list[i].dg_msg, msg.data) == 0) {
			kr_buf_free(&msg);
			return;
		}
	}
	if (d->d_count == d->d_cap) {
		d->d_cap = d->d_cap == 0 ? 8 : d->d_cap * 2;
		d->d_list = kr_realloc(d->d_list, d->d_cap * sizeof(*dg));
	}
	dg = &d->d_list[d->d_count++];
	dg->dg_file = kr_strdup(p->cp_fname);
	dg->dg_line = line;
	dg->dg_error = error;
	dg->dg_msg = kr_buf_detach(&msg);
	if (error)
		d->d_errors++;
}

/* ---- small helpers ---------------------------------------------------- */

/* strtonum(3) for base-10 text: the whole string must be a number in
 * [min, max]. Returns 0, or -1 with *why set to a static reason. */
static int
kr_conf_num(const char *s, long long min, long long max, long long *out,
    const char **why)
{
	char *end;
	long long v;

	if (*s == '\0' || isspace((unsigned char)*s)) {
		*why = "is not a number";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*why = "is not a number";
		return -1;
	}
	if ((errno == ERANGE && v < 0) || v < min) {
		*why = "is too small";
		return -1;
	}
	if (errno == ERANGE || v > max) {
		*why = "is too large";
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses a Java boolean: "true"/"false", any case. Returns 1, 0 or -1. */
static int
kr_conf_bool(const char *s)
{
	if (strcasecmp(s, "true") == 0)
		return 1;
	if (strcasecmp(s, "false") == 0)
		return 0;
	return -1;
}

static int
kr_conf_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
kr_conf_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Frees a string that may hold a secret. */
static void
kr_conf_free_str(char *s)
{
	if (s != NULL)
		kr_free_secret(s, strlen(s));
}

/* Sets *dst to a copy of src, freeing the old value. */
static void
kr_conf_set_str(char **dst, const char *src)
{
	kr_conf_free_str(*dst);
	*dst = src != NULL ? kr_strdup(src) : NULL;
}

/* ---- librdkafka setting lists ----------------------------------------- */

/* Returns the index of key in l, or l->kl_n when it is absent. */
static size_t
kr_conf_kvl_find(const struct kr_conf_kvl *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->kl_n; i++)
		if (strcmp(l->kl_v[i].kv_key, key) == 0)
			break;
	return i;
}

/* Borrowed; valid until l changes. NULL when key is absent. */
static const char *
kr_conf_kvl_get(const struct kr_conf_kvl *l, const char *key, int *line)
{
	size_t i = kr_conf_kvl_find(l, key);

	if (i == l->kl_n)
		return NULL;
	if (line != NULL)
		*line = l->kl_v[i].kv_line;
	return l->kl_v[i].kv_value;
}

static void
kr_conf_kvl_del(struct kr_conf_kvl *l, const char *key)
{
	size_t j = kr_conf_kvl_find(l, key);

	if (j == l->kl_n)
		return;
	free(l->kl_v[j].kv_key);
	kr_conf_free_str(l->kl_v[j].kv_value);
	memmove(&l->kl_v[j], &l->kl_v[j + 1],
	    (l->kl_n - j - 1) * sizeof(l->kl_v[0]));
	l->kl_n--;
}

/* Sets key=value, moving the key to the end of the list so that the
 * order of application stays "later wins" even across librdkafka
 * aliases. */
static void
kr_conf_kvl_set(
    struct kr_conf_kvl *l, const char *key, const char *value, int line)
{
	struct kr_kv *kv;

	kr_conf_kvl_del(l, key);
	if (l->kl_n == l->kl_cap) {
		l->kl_cap = l->kl_cap == 0 ? 16 : l->kl_cap * 2;
		l->kl_v = kr_realloc(l->kl_v, l->kl_cap * sizeof(*kv));
	}
	kv = &l->kl_v[l->kl_n++];
	kv->kv_key = kr_strdup(key);
	kv->kv_value = kr_strdup(value);
	kv->kv_line = line;
}

static void
kr_conf_kv_free(struct kr_kv *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].kv_key);
		kr_conf_free_str(v[i].kv_value);
	}
	free(v);
}

/* ---- Java .properties lexing ------------------------------------------ */

static int
kr_conf_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\f';
}

/* Returns the offset just past the line terminator at pos: "\n", "\r\n"
 * or a lone "\r", as java.util.Properties accepts. */
static size_t
kr_conf_eol(const char *buf, size_t len, size_t pos)
{
	if (buf[pos] == '\r' && pos + 1 < len && buf[pos + 1] == '\n')
		return pos + 2;
	return pos + 1;
}

/* Counts the lines of buf the way the lexer numbers them. */
static int
kr_conf_count_lines(const char *buf, size_t len)
{
	size_t pos = 0;
	int n = 0;

	while (pos < len) {
		if (buf[pos] == '\n' || buf[pos] == '\r') {
			pos = kr_conf_eol(buf, len, pos);
			n++;
		} else {
			pos++;
		}
	}
	if (len > 0 && buf[len - 1] != '\n' && buf[len - 1] != '\r')
		n++;
	return n;
}

/* Reads the 4 hex digits of a \uXXXX escape at s[*i] (just after "\u").
 * Returns the code unit, or -1. */
static long
kr_conf_u4(const char *s, size_t n, size_t *i)
{
	long v = 0;
	int k, h;

	if (*i + 4 > n)
		return -1;
	for (k = 0; k < 4; k++) {
		h = kr_hex_digit(s[*i + (size_t)k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	*i += 4;
	return v;
}

/* Decodes the \uXXXX escape whose "\u" ends at s[*i], joining a UTF-16
 * surrogate pair. Returns 0, or -1 with *why set. */
static int
kr_conf_unescape_u(
    const char *s, size_t n, size_t *i, struct kr_buf *out, const char **why)
{
	long hi, lo;

	*why = "malformed \\uxxxx escape";
	hi = kr_conf_u4(s, n, i);
	if (hi < 0)
		return -1;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		goto lone;
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (*i + 2 > n || s[*i] != '\\' || s[*i + 1] != 'u')
			goto lone;
		*i += 2;
		lo = kr_conf_u4(s, n, i);
		if (lo < 0)
			return -1;
		if (lo < 0xdc00 || lo > 0xdfff)
			goto lone;
		kr_buf_put_utf8(
		    out, (uint32_t)(0x10000 + ((hi - 0xd800) << 10) +
		                    (lo - 0xdc00)));
		return 0;
	}
	if (hi == 0) {
		*why = "\\u0000 (NUL) is not allowed";
		return -1;
	}
	kr_buf_put_utf8(out, (uint32_t)(unsigned long)hi);
	return 0;
lone:
	*why = "unpaired UTF-16 surrogate in a \\uxxxx escape";
	return -1;
}

/* Unescapes n bytes of a key or value into out (Properties.loadConvert):
 * \t \n \r \f \uXXXX, and a backslash before any other character stands
 * for that character. With trim, trailing whitespace that was not escaped
 * is dropped. Returns 0, or -1 with *why set. */
static int
kr_conf_unescape(
    const char *s, size_t n, int trim, struct kr_buf *out, const char **why)
{
	size_t i = 0, keep = 0;
	char c;

	kr_buf_reset(out);
	kr_buf_reserve(out, n);
	out->data[0] = '\0'; /* reserve() does not terminate a new buffer */
	while (i < n) {
		c = s[i++];
		if (c != '\\') {
			kr_buf_putc(out, c);
			if (!kr_conf_is_ws(c))
				keep = out->len;
			continue;
		}
		if (i == n)
			break;
		c = s[i++];
		if (c == 'u') {
			if (kr_conf_unescape_u(s, n, &i, out, why) < 0)
				return -1;
		} else {
			kr_buf_putc(out, c == 't'   ? '\t'
			                 : c == 'n' ? '\n'
			                 : c == 'r' ? '\r'
			                 : c == 'f' ? '\f'
			                            : c);
		}
		keep = out->len;
	}
	if (trim) {
		out->len = keep;
		if (out->data != NULL)
			out->data[keep] = '\0';
	}
	return 0;
}

static void kr_conf_add_ent(
    struct kr_conf_parser *p, const char *key, const char *value, int line);

/* Splits one logical line into key and value (Properties.load0): the key
 * ends at the first unescaped '=', ':' or whitespace; whitespace and one
 * '=' or ':' are skipped before the value. */
static void
kr_conf_line(struct kr_conf_parser *p, const char *s, size_t n, int line)
{
	struct kr_buf key = KR_BUF_INIT, val = KR_BUF_INIT;
	size_t klen = 0, vstart = n;
	int bs = 0, sep = 0;
	const char *why;

	while (klen < n) {
		char c = s[klen];

		if ((c == '=' || c == ':') && !bs) {
			vstart = klen + 1;
			sep = 1;
			break;
		}
		if (kr_conf_is_ws(c) && !bs) {
			vstart = klen + 1;
			break;
		}
		bs = c == '\\' ? !bs : 0;
		klen++;
	}
	while (vstart < n) {
		char c = s[vstart];

		if (!kr_conf_is_ws(c)) {
			if (sep || (c != '=' && c != ':'))
				break;
			sep = 1;
		}
		vstart++;
	}
	if (memchr(s, '\0', n) != NULL) {
		kr_conf_diag(p, line, 1, "the line holds a NUL byte");
	} else if (kr_conf_unescape(s, klen, 0, &key, &why) < 0) {
		kr_conf_diag(p, line, 1, "key: %s", why);
	} else if (kr_conf_unescape(s + vstart, n - vstart, 1, &val, &why) <
	           0) {
		kr_conf_diag(p, line, 1, "%s: value: %s", key.data, why);
	} else if (key.len == 0) {
		kr_conf_diag(p, line, 0, "line with an empty key ignored");
	} else {
		kr_conf_add_ent(
		    p, key.data, val.data != NULL ? val.data : "", line);
	}
	kr_buf_free(&key);
	if (val.data != NULL)
		explicit_bzero(val.data, val.cap);
	kr_buf_free(&val);
}

/* Reads the logical lines of buf (Properties.LineReader): comments start
 * with '#' or '!' as the first non-blank character, an odd number of
 * backslashes before the line end joins the next line, whose leading
 * whitespace is dropped. */
static void
kr_conf_lex(struct kr_conf_parser *p, const char *buf, size_t len)
{
	struct kr_buf lb = KR_BUF_INIT;
	size_t pos = 0;
	int line = 1, start, bs;

	while (pos < len) {
		while (pos < len && kr_conf_is_ws(buf[pos]))
			pos++;
		if (pos == len)
			break;
		if (buf[pos] == '\n' || buf[pos] == '\r') {
			pos = kr_conf_eol(buf, len, pos);
			line++;
			continue;
		}
		if (buf[pos] == '#' || buf[pos] == '!') {
			while (
			    pos < len && buf[pos] != '\n' && buf[pos] != '\r')
				pos++;
			continue;
		}
		kr_buf_reset(&lb);
		start = line;
		bs = 0;
		while (pos < len) {
			char c = buf[pos];

			if (c == '\n' || c == '\r') {
				pos = kr_conf_eol(buf, len, pos);
				line++;
				if (!bs)
					break;
				lb.data[--lb.len] = '\0';
				bs = 0;
				while (pos < len && kr_conf_is_ws(buf[pos]))
					pos++;
				continue;
			}
			kr_buf_putc(&lb, c);
			bs = c == '\\' ? !bs : 0;
			pos++;
		}
		if (bs)
			lb.data[--lb.len] = '\0';
		kr_conf_line(p, lb.data != NULL ? lb.data : "", lb.len, start);
	}
	if (lb.data != NULL)
		explicit_bzero(lb.data, lb.cap);
	kr_buf_free(&lb);
}

/* Finds a key of the file. Borrowed; NULL when absent. */
static struct kr_conf_ent *
kr_conf_ent_find(struct kr_conf_parser *p, const char *key)
{
	size_t i;

	for (i = 0; i < p->cp_nents; i++)
		if (strcmp(p->cp_ents[i].ce_key, key) == 0)
			return &p->cp_ents[i];
	return NULL;
}

/* Adds key=value from line; a later duplicate replaces the earlier value,
 * as java.util.Properties does. */
static void
kr_conf_add_ent(
    struct kr_conf_parser *p, const char *key, const char *value, int line)
{
	struct kr_conf_ent *ce = kr_conf_ent_find(p, key);

	if (ce != NULL) {
		kr_conf_diag(p, line, 0,
		    "%s is set again (first set on line %d); the value of "
		    "line %d wins",
		    key, ce->ce_line, line);
		kr_conf_set_str(&ce->ce_value, value);
		ce->ce_line = line;
		return;
	}
	if (p->cp_nents == p->cp_cap) {
		p->cp_cap = p->cp_cap == 0 ? 32 : p->cp_cap * 2;
		p->cp_ents = kr_realloc(p->cp_ents, p->cp_cap * sizeof(*ce));
	}
	ce = &p->cp_ents[p->cp_nents++];
	ce->ce_key = kr_strdup(key);
	ce->ce_value = kr_strdup(value);
	ce->ce_line = line;
}

/* ---- the table of proxy and krest keys -------------------------------- */

enum kr_conf_kind {
	KR_KEY_INT,       /* krest number stored as int at ck_off */
	KR_KEY_SIZE,      /* krest number stored as size_t at ck_off */
	KR_KEY_ENUM,      /* index of the value in ck_ok ("a|b"), an int */
	KR_KEY_LISTENERS, /* listeners */
	KR_KEY_PORT,      /* port (deprecated) */
	KR_KEY_BOOTSTRAP, /* bootstrap.servers */
	KR_KEY_IGNORE,    /* Confluent key with no effect on krest */
	KR_KEY_STR,       /* string stored as char * at ck_off */
	KR_KEY_METRICS,   /* metrics.listeners */
	KR_KEY_WARN,      /* not implemented: warning unless empty or ck_ok */
	KR_KEY_ERROR,     /* not implemented and unsafe to ignore: error
	                     unless empty or ck_ok */
};

/* One key krest reads itself; these are never passed to librdkafka. */
struct kr_conf_key {
	const char *ck_name; /* a trailing '*' matches any suffix */
	enum kr_conf_kind ck_kind;
	long long ck_min; /* INT/SIZE bounds */
	long long ck_max;
	long long ck_default; /* INT/SIZE/ENUM default */
	size_t ck_off;        /* INT/SIZE/ENUM: offset in struct kr_conf */
	const char *ck_ok;    /* ENUM: "a|b"; WARN/ERROR: harmless value */
	const char *ck_why;   /* WARN/ERROR: what krest does instead */
};

#define KR_OFF(m) offsetof(struct kr_conf, m)
#define KR_NUM(name, kind, min, max, def, m)                                   \
	{                                                                      \
		name, kind, min, max, def, KR_OFF(m), NULL, NULL               \
	}
#define KR_ENUM(name, values, m)                                               \
	{                                                                      \
		name, KR_KEY_ENUM, 0, 0, 0, KR_OFF(m), values, NULL            \
	}
#define KR_STR(name, m)                                                        \
	{                                                                      \
		name, KR_KEY_STR, 0, 0, 0, KR_OFF(m), NULL, NULL               \
	}
#define KR_SPECIAL(name, kind)                                                 \
	{                                                                      \
		name, kind, 0, 0, 0, 0, NULL, NULL                             \
	}
#define KR_UNSUPPORTED(name, kind, ok, why)                                    \
	{                                                                      \
		name, kind, 0, 0, 0, 0, ok, why                                \
	}

static const char kr_conf_no_schema[] =
    "krest serves only the json and binary embedded formats; there is no "
    "Schema Registry support";
static const char kr_conf_no_tls[] =
    "https listeners use ssl.certificate.location and ssl.key.location, or "
    "ssl.keystore.location, with GnuTLS's default protocols and ciphers";
static const char kr_conf_no_cors[] =
    "OPTIONS requests are always answered (CORS preflights by krest)";
static const char kr_conf_no_rate[] = "rate limiting is not implemented";

/* Exact names come before the prefixes they would also match. */
static const struct kr_conf_key kr_conf_keys[] = {
    /* krest's own keys */
    KR_NUM("max.request.bytes", KR_KEY_SIZE, 1024, 1073741824, 10485760,
        conf_max_request_bytes),
    KR_NUM("produce.timeout.ms", KR_KEY_INT, 3000, 3600000,
        KR_CONF_PRODUCE_TIMEOUT_MS, conf_produce_timeout_ms),
    KR_ENUM(
        "produce.response.status", "honest|confluent", conf_confluent_status),
    KR_NUM("produce.unknown.topic.ms", KR_KEY_INT, 0, 3600000,
        KR_CONF_UNKNOWN_TOPIC_MS, conf_unknown_topic_ms),
    KR_ENUM("log.format", "text|json", conf_log_json),
    KR_NUM(
        "max.connections", KR_KEY_INT, 1, 1000000, 10000, conf_max_connections),
    KR_NUM("max.inflight.bytes", KR_KEY_SIZE, 1048576, 1099511627776LL,
        67108864, conf_max_inflight_bytes),
    KR_NUM("embedded.brokers", KR_KEY_INT, 1, 16, 3, conf_embedded_brokers),
    KR_NUM("request.header.timeout.ms", KR_KEY_INT, 1000, 3600000, 30000,
        conf_header_timeout_ms),
    KR_NUM("request.body.timeout.ms", KR_KEY_INT, 1000, 3600000, 60000,
        conf_body_timeout_ms),
    KR_NUM("max.connections.per.ip", KR_KEY_INT, 0, 1000000, 0,
        conf_max_connections_per_ip),
    /* TLS of https:// listeners (Confluent's keystore, or PEM files) */
    KR_STR("ssl.certificate.location", conf_tls_cert),
    KR_STR("ssl.key.location", conf_tls_key),
    KR_STR("ssl.keystore.location", conf_tls_keystore),
    KR_STR("ssl.keystore.password", conf_tls_keystore_password),
    KR_STR("ssl.key.password", conf_tls_key_password),
    KR_SPECIAL("ssl.keystore.type", KR_KEY_IGNORE),
    /* Confluent keys krest honours */
    KR_SPECIAL("listeners", KR_KEY_LISTENERS),
    KR_SPECIAL("metrics.listeners", KR_KEY_METRICS),
    KR_SPECIAL("port", KR_KEY_PORT),
    KR_SPECIAL("bootstrap.servers", KR_KEY_BOOTSTRAP),
    KR_NUM("max.request.header.size", KR_KEY_INT, 1024, 1048576, 8192,
        conf_max_header_bytes),
    KR_NUM("idle.timeout.ms", KR_KEY_INT, 0, 86400000, 30000,
        conf_idle_timeout_ms),
    KR_NUM("shutdown.graceful.ms", KR_KEY_INT, 0, 600000, 5000,
        conf_shutdown_graceful_ms),
    /* Confluent keys with no effect on krest (legacy, Jetty, consumer
     * proxy internals) */
    KR_SPECIAL("id", KR_KEY_IGNORE),
    KR_SPECIAL("host.name", KR_KEY_IGNORE),
    KR_SPECIAL("advertised.listeners", KR_KEY_IGNORE),
    KR_SPECIAL("zookeeper.connect", KR_KEY_IGNORE),
    KR_SPECIAL("producer.threads", KR_KEY_IGNORE),
    KR_SPECIAL("client.timeout.ms", KR_KEY_IGNORE),
    KR_SPECIAL("client.init.timeout.ms", KR_KEY_IGNORE),
    KR_SPECIAL("client.zk.session.timeout.ms", KR_KEY_IGNORE),
    KR_SPECIAL("consumer.threads", KR_KEY_IGNORE),
    KR_SPECIAL("consumer.request.timeout.ms", KR_KEY_IGNORE),
    KR_SPECIAL("consumer.request.max.bytes", KR_KEY_IGNORE),
    KR_SPECIAL("consumer.instance.timeout.ms", KR_KEY_IGNORE),
    KR_SPECIAL("consumer.iterator.*", KR_KEY_IGNORE),
    KR_SPECIAL("simpleconsumer.pool.*", KR_KEY_IGNORE),
    KR_SPECIAL("fetch.min.bytes", KR_KEY_IGNORE),
    KR_SPECIAL("thread.pool.min", KR_KEY_IGNORE),
    KR_SPECIAL("thread.pool.max", KR_KEY_IGNORE),
    KR_SPECIAL("request.queue.capacity", KR_KEY_IGNORE),
    KR_SPECIAL("max.response.header.size", KR_KEY_IGNORE),
    KR_SPECIAL("http2.enabled", KR_KEY_IGNORE),
    KR_SPECIAL("api.v3.enable", KR_KEY_IGNORE),
    KR_SPECIAL(
        "null.request.body.always.publishes.empty.record", KR_KEY_IGNORE),
    KR_SPECIAL("authentication.roles", KR_KEY_IGNORE),
    KR_SPECIAL("access.control.skip.options", KR_KEY_IGNORE),
    KR_SPECIAL("metrics.*", KR_KEY_IGNORE),
    KR_SPECIAL("request.logger.name", KR_KEY_IGNORE),
    /* Confluent features krest does not implement */
    /* authentication.* and access.control.* go to lib/kr_auth first. */
    KR_UNSUPPORTED("ssl.client.authentication", KR_KEY_ERROR, "NONE",
        "TLS client authentication is not implemented"),
    KR_UNSUPPORTED("ssl.client.auth", KR_KEY_ERROR, "false",
        "TLS client authentication is not implemented"),
    KR_UNSUPPORTED(
        "api.v2.enable", KR_KEY_WARN, "true", "krest always serves API v2"),
    KR_UNSUPPORTED("schema.registry.url", KR_KEY_WARN, NULL, kr_conf_no_schema),
    KR_UNSUPPORTED("schema.registry.*", KR_KEY_WARN, NULL, kr_conf_no_schema),
    KR_UNSUPPORTED("debug", KR_KEY_WARN, "false",
        "krest does not add exception details to error messages"),
    KR_UNSUPPORTED("compression.enable", KR_KEY_WARN, "false",
        "krest does not gzip responses"),
    KR_UNSUPPORTED("listener.protocol.map", KR_KEY_WARN, NULL,
        "named listeners are not supported; use http:// listeners"),
    KR_UNSUPPORTED("access.control.*", KR_KEY_WARN, NULL,
        "this CORS setting is not implemented"),
    KR_UNSUPPORTED(
        "reject.options.request", KR_KEY_WARN, "false", kr_conf_no_cors),
    KR_UNSUPPORTED("response.http.headers.config", KR_KEY_WARN, NULL,
        "extra response headers are not implemented"),
    KR_UNSUPPORTED("rate.limit.enable", KR_KEY_WARN, "false", kr_conf_no_rate),
    KR_UNSUPPORTED("rate.limit.*", KR_KEY_WARN, NULL, kr_conf_no_rate),
    KR_UNSUPPORTED("dos.filter.enabled", KR_KEY_WARN, "false", kr_conf_no_rate),
    KR_UNSUPPORTED("dos.filter.*", KR_KEY_WARN, NULL, kr_conf_no_rate),
    KR_UNSUPPORTED(
        "api.v3.produce.rate.limit.*", KR_KEY_WARN, NULL, kr_conf_no_rate),
    KR_UNSUPPORTED("api.endpoints.*", KR_KEY_WARN, NULL,
        "endpoint allow and block lists are not implemented"),
    KR_UNSUPPORTED("kafka.rest.resource.extension.class", KR_KEY_WARN, NULL,
        "Java resource extensions cannot be loaded"),
    KR_UNSUPPORTED("rest.servlet.initializor.classes", KR_KEY_WARN, NULL,
        "Java servlet initializers cannot be loaded"),
    KR_UNSUPPORTED("metric.reporters", KR_KEY_WARN, NULL,
        "Java metric reporters cannot be loaded"),
    KR_UNSUPPORTED("confluent.*", KR_KEY_WARN, NULL,
        "Confluent Platform licensed features are not available"),
    KR_UNSUPPORTED("ssl.*", KR_KEY_WARN, NULL, kr_conf_no_tls),
};

#define KR_NKEYS (sizeof(kr_conf_keys) / sizeof(kr_conf_keys[0]))

/* 1 if key matches a table name: exactly, or by prefix when the name
 * ends in '*'. */
static int
kr_conf_name_match(const char *name, const char *key)
{
	size_t n = strlen(name);

	if (n > 0 && name[n - 1] == '*')
		return strncmp(key, name, n - 1) == 0;
	return strcmp(key, name) == 0;
}

/* Finds the table row of a top-level key. Borrowed; NULL when absent. */
static const struct kr_conf_key *
kr_conf_key_find(const char *key)
{
	size_t i;

	for (i = 0; i < KR_NKEYS; i++)
		if (kr_conf_name_match(kr_conf_keys[i].ck_name, key))
			return &kr_conf_keys[i];
	return NULL;
}

/* Finds value in the "a|b|c" list. Returns its index, or -1. */
static int
kr_conf_enum_index(const char *list, const char *value)
{
	const char *s = list, *bar;
	size_t n;
	int i = 0;

	for (;;) {
		bar = strchr(s, '|');
		n = bar != NULL ? (size_t)(bar - s) : strlen(s);
		if (strlen(value) == n && strncasecmp(s, value, n) == 0)
			return i;
		if (bar == NULL)
			return -1;
		s = bar + 1;
		i++;
	}
}

/* Stores a krest number or enum key. */
static void
kr_conf_typed(struct kr_conf_parser *p, const struct kr_conf_key *ck,
    const struct kr_conf_ent *ce)
{
	char *base = (char *)p->cp_conf;
	const char *why;
	long long v;
	int idx;

	if (ck->ck_kind == KR_KEY_ENUM) {
		idx = kr_conf_enum_index(ck->ck_ok, ce->ce_value);
		if (idx < 0) {
			kr_conf_diag(p, ce->ce_line, 1,
			    "%s: \"%s\" is not one of %s", ce->ce_key,
			    ce->ce_value, ck->ck_ok);
			return;
		}
		*(int *)(void *)(base + ck->ck_off) = idx;
		return;
	}
	if (kr_conf_num(ce->ce_value, ck->ck_min, ck->ck_max, &v, &why) < 0) {
		kr_conf_diag(p, ce->ce_line, 1,
		    "%s: \"%s\" %s (allowed: %lld..%lld)", ce->ce_key,
		    ce->ce_value, why, ck->ck_min, ck->ck_max);
		return;
	}
	if (ck->ck_kind == KR_KEY_SIZE)
		*(size_t *)(void *)(base + ck->ck_off) = (size_t)v;
	else
		*(int *)(void *)(base + ck->ck_off) = (int)v;
}

static void kr_conf_metrics_listeners(
    struct kr_conf_parser *p, const struct kr_conf_ent *ce);
static void kr_conf_listeners(
    struct kr_conf_parser *p, const struct kr_conf_ent *ce);
static void kr_conf_bootstrap(
    struct kr_conf_parser *p, const struct kr_conf_ent *ce);

/* Handles a key of the table. */
static void
kr_conf_known(struct kr_conf_parser *p, const struct kr_conf_key *ck,
    const struct kr_conf_ent *ce)
{
	const char *why;
	long long v;
	int harmless;

	switch (ck->ck_kind) {
	case KR_KEY_INT:
	case KR_KEY_SIZE:
	case KR_KEY_ENUM:
		kr_conf_typed(p, ck, ce);
		break;
	case KR_KEY_LISTENERS:
		kr_conf_listeners(p, ce);
		break;
	case KR_KEY_METRICS:
		kr_conf_metrics_listeners(p, ce);
		break;
	case KR_KEY_PORT:
		p->cp_port_line = ce->ce_line;
		if (kr_conf_num(ce->ce_value, 1, 65535, &v, &why) < 0)
			kr_conf_diag(p, ce->ce_line, 1,
			    "port: \"%s\" %s (allowed: 1..65535)", ce->ce_value,
			    why);
		else
			p->cp_port = (int)v;
		break;
	case KR_KEY_BOOTSTRAP:
		kr_conf_bootstrap(p, ce);
		break;
	case KR_KEY_IGNORE:
		break;
	case KR_KEY_STR:
		kr_conf_set_str(
		    (char **)(void *)((char *)p->cp_conf + ck->ck_off),
		    ce->ce_value);
		break;
	case KR_KEY_WARN:
	case KR_KEY_ERROR:
		harmless = ce->ce_value[0] == '\0' ||
		           (ck->ck_ok != NULL &&
		               strcasecmp(ce->ce_value, ck->ck_ok) == 0);
		if (!harmless)
			kr_conf_diag(p, ce->ce_line,
			    ck->ck_kind == KR_KEY_ERROR,
			    "%s is not supported: %s", ce->ce_key, ck->ck_why);
		break;
	}
}

/* ---- listeners, bootstrap servers, AWS region ------------------------- */

/* Parses "1".."65535". Returns the port, or 0. */
static uint16_t
kr_conf_port(const char *s, size_t n)
{
	char tmp[8];
	const char *why;
	long long v;

	if (n == 0 || n >= sizeof(tmp))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (kr_conf_num(tmp, 1, 65535, &v, &why) < 0)
		return 0;
	return (uint16_t)v;
}

/* Checks a host name or IPv4/IPv6 literal (brackets removed). */
static int
kr_conf_host_ok(const char *h, size_t n, int v6)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (v6 ? !(isxdigit(c) || c == ':' || c == '.' || c == '%')
		       : !(isalnum(c) || c == '.' || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

/* Splits "host:port" or "[v6]:port" (s is n bytes). An empty host is
 * allowed when empty_ok. Returns 0 with the parts, or -1. */
static int
kr_conf_hostport(const char *s, size_t n, int empty_ok, const char **host,
    size_t *hlen, uint16_t *port)
{
	const char *colon;
	int v6 = 0;

	if (n > 0 && s[0] == '[') {
		colon = memchr(s, ']', n);
		if (colon == NULL || (size_t)(colon - s) + 1 >= n ||
		    colon[1] != ':')
			return -1;
		*host = s + 1;
		*hlen = (size_t)(colon - s) - 1;
		colon++;
		v6 = 1;
	} else {
		colon = NULL;
		for (size_t i = 0; i < n; i++)
			if (s[i] == ':')
				colon = s + i;
		if (colon == NULL)
			return -1;
		*host = s;
		*hlen = (size_t)(colon - s);
		if (memchr(s, ':', *hlen) != NULL)
			return -1; /* bare IPv6 needs brackets */
	}
	if ((*hlen == 0 && (!empty_ok || v6)) ||
	    !kr_conf_host_ok(*host, *hlen, v6))
		return -1;
	*port = kr_conf_port(colon + 1, n - (size_t)(colon + 1 - s));
	return *port == 0 ? -1 : 0;
}

static void
kr_conf_add_listener(struct kr_conf *conf, const char *scheme, const char *host,
    size_t hlen, uint16_t port)
{
	struct kr_listener *ls;

	conf->conf_listeners = kr_realloc(
	    conf->conf_listeners, (conf->conf_nlisteners + 1) * sizeof(*ls));
	ls = &conf->conf_listeners[conf->conf_nlisteners++];
	ls->ls_scheme = kr_strdup(scheme);
	ls->ls_host = hlen == 0 ? kr_strdup("0.0.0.0") : kr_strndup(host, hlen);
	ls->ls_port = port;
	ls->ls_metrics_only = 0;
}

/* Parses one listener URL (n bytes at s). */
static void
kr_conf_listener(struct kr_conf_parser *p, const char *s, size_t n, int line)
{
	const char *scheme = "http", *rest = s, *host, *sep;
	size_t rlen = n, hlen;
	uint16_t port;

	sep = NULL;
	for (size_t i = 0; i + 2 < n; i++)
		if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
			sep = s + i;
			break;
		}
	if (sep != NULL) {
		size_t slen = (size_t)(sep - s);

		if (slen == 4 && strncasecmp(s, "http", 4) == 0) {
			scheme = "http";
		} else if (slen == 5 && strncasecmp(s, "https", 5) == 0) {
			scheme = "https";
		} else {
			kr_conf_diag(p, line, 1,
			    "listeners: \"%.*s\": the scheme must be http or "
			    "https (named listeners are not supported)",
			    (int)n, s);
			return;
		}
		rest = sep + 3;
		rlen = n - slen - 3;
		if (rlen > 0 && rest[rlen - 1] == '/')
			rlen--;
	}
	if (kr_conf_hostport(rest, rlen, 1, &host, &hlen, &port) < 0) {
		kr_conf_diag(p, line, 1,
		    "listeners: \"%.*s\" is not scheme://host:port with a "
		    "port in 1..65535",
		    (int)n, s);
		return;
	}
	kr_conf_add_listener(p->cp_conf, scheme, host, hlen, port);
}

/* Calls fn on each trimmed, non-empty entry of a comma list. */
static void
kr_conf_each(struct kr_conf_parser *p, const char *list, int line,
    void (*fn)(struct kr_conf_parser *, const char *, size_t, int))
{
	const char *s = list, *e;

	while (*s != '\0') {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		{
			const char *t = e;

			while (t > s && isspace((unsigned char)t[-1]))
				t--;
			fn(p, s, (size_t)(t - s), line);
		}
		s = e;
	}
}

static void
kr_conf_listeners(struct kr_conf_parser *p, const struct kr_conf_ent *ce)
{
	p->cp_listeners_line = ce->ce_line;
	kr_conf_each(p, ce->ce_value, ce->ce_line, kr_conf_listener);
}

/* metrics.listeners: listeners that serve only /metrics, /healthz and
 * /readyz (for a scraper on a private address). */
static void
kr_conf_metrics_listeners(
    struct kr_conf_parser *p, const struct kr_conf_ent *ce)
{
	size_t i = p->cp_conf->conf_nlisteners;

	kr_conf_each(p, ce->ce_value, ce->ce_line, kr_conf_listener);
	for (; i < p->cp_conf->conf_nlisteners; i++)
		p->cp_conf->conf_listeners[i].ls_metrics_only = 1;
}

/* The number of listeners that serve the API. */
static size_t
kr_conf_api_listeners(const struct kr_conf *conf)
{
	size_t i, n = 0;

	for (i = 0; i < conf->conf_nlisteners; i++)
		n += conf->conf_listeners[i].ls_metrics_only == 0;
	return n;
}

/* The AWS region of an MSK broker name: the label before
 * ".amazonaws.com" (or ".amazonaws.com.cn") when the label before it is
 * "kafka" or "kafka-serverless". Anchored on the suffix, so a cluster
 * named like a region does not fool it. Returns a new string, or NULL. */
static char *
kr_conf_msk_region(const char *host, size_t n)
{
	static const char *const suffixes[] = {
	    ".amazonaws.com", ".amazonaws.com.cn"};
	const char *end, *r;
	size_t i, k;

	for (i = 0; i < 2; i++) {
		k = strlen(suffixes[i]);
		if (n <= k || strncasecmp(host + n - k, suffixes[i], k) != 0)
			continue;
		end = host + n - k;
		r = end;
		while (r > host && r[-1] != '.')
			r--;
		if (r == end || r == host)
			return NULL;
		if (!((r - host >= 7 &&
		          strncasecmp(r - 7, ".kafka.", 7) == 0) ||
		        (r - host >= 18 && strncasecmp(r - 18,
		                               ".kafka-serverless.", 18) == 0)))
			return NULL;
		for (const char *c = r; c < end; c++)
			if (!isalnum((unsigned char)*c) && *c != '-')
				return NULL;
		{
			char *reg = kr_strndup(r, (size_t)(end - r));

			for (char *c = reg; *c != '\0'; c++)
				*c = (char)tolower((unsigned char)*c);
			return reg;
		}
	}
	return NULL;
}

/* Checks one bootstrap entry and appends it, PROTO:// stripped. */
static void
kr_conf_bootstrap_one(
    struct kr_conf_parser *p, const char *s, size_t n, int line)
{
	struct kr_conf *conf = p->cp_conf;
	const char *host, *e = s;
	size_t hlen;
	uint16_t port;
	char *region;

	p->cp_nentries++;
	while (e < s + n && (isalnum((unsigned char)*e) || *e == '_'))
		e++;
	if (e > s && e + 3 <= s + n && strncmp(e, "://", 3) == 0) {
		n -= (size_t)(e + 3 - s);
		s = e + 3;
	}
	if (n == 8 && strncasecmp(s, "embedded", 8) == 0) {
		conf->conf_embedded = 1;
		return;
	}
	if (kr_conf_hostport(s, n, 0, &host, &hlen, &port) < 0) {
		kr_conf_diag(p, line, 1,
		    "bootstrap.servers: \"%.*s\" is not host:port with a port "
		    "in 1..65535",
		    (int)n, s);
		return;
	}
	region = kr_conf_msk_region(host, hlen);
	if (region != NULL && conf->conf_iam.iam_region == NULL) {
		conf->conf_iam.iam_region = region;
	} else if (region != NULL) {
		if (strcmp(region, conf->conf_iam.iam_region) != 0)
			kr_conf_diag(p, line, 0,
			    "bootstrap.servers: brokers in two AWS regions (%s "
			    "and %s); krest signs for %s",
			    conf->conf_iam.iam_region, region,
			    conf->conf_iam.iam_region);
		free(region);
	}
	p->cp_nbrokers++;
	if (conf->conf_bootstrap == NULL) {
		conf->conf_bootstrap = kr_strndup(s, n);
	} else {
		struct kr_buf b = KR_BUF_INIT;

		kr_buf_printf(&b, "%s,%.*s", conf->conf_bootstrap, (int)n, s);
		free(conf->conf_bootstrap);
		conf->conf_bootstrap = kr_buf_detach(&b);
	}
}

static void
kr_conf_bootstrap(struct kr_conf_parser *p, const struct kr_conf_ent *ce)
{
	p->cp_bootstrap_line = ce->ce_line;
	kr_conf_each(p, ce->ce_value, ce->ce_line, kr_conf_bootstrap_one);
	if (!p->cp_conf->conf_embedded)
		return;
	if (p->cp_nbrokers > 0)
		kr_conf_diag(p, ce->ce_line, 1,
		    "bootstrap.servers: \"embedded\" cannot be mixed with "
		    "brokers");
	kr_conf_set_str(&p->cp_conf->conf_bootstrap, "embedded");
}

/* ---- Java client keys -> librdkafka ----------------------------------- */

enum kr_jk_action {
	KR_JK_PASS,   /* same name and meaning in librdkafka */
	KR_JK_RENAME, /* jk_arg is the librdkafka name */
	KR_JK_DROP,   /* no librdkafka meaning, harmless: warning */
	KR_JK_SILENT, /* read by another row (store types, passwords) */
	KR_JK_ERROR,  /* would change behaviour: error unless empty or jk_arg */
	KR_JK_SPECIAL, /* value conversion in kr_conf_xlate_special() */
	KR_JK_SASL,    /* mechanism, JAAS, callback handlers: kr_conf_sasl() */
};

/* One Java Kafka client key (prefix stripped). */
struct kr_conf_jkey {
	const char *jk_name; /* a trailing '*' matches any suffix */
	enum kr_jk_action jk_action;
	const char *jk_arg; /* RENAME: librdkafka name; ERROR: harmless value */
	char jk_scope;      /* 'P' producer, 'C' consumer, '*' any client */
	const char *jk_why; /* DROP/ERROR: the reason */
};

static const char kr_conf_no_java[] =
    "it names Java classes, which krest cannot load";
static const char kr_conf_no_tls_java[] =
    "krest uses OpenSSL's defaults (TLS 1.2 and later)";
static const char kr_conf_no_login[] =
    "librdkafka handles SASL logins and token refresh itself";

static const struct kr_conf_jkey kr_conf_jkeys[] = {
    {"bootstrap.servers", KR_JK_DROP, NULL, '*',
        "krest connects every client to the top-level bootstrap.servers"},
    {"security.protocol", KR_JK_PASS, NULL, '*', NULL},
    {"client.id", KR_JK_PASS, NULL, '*', NULL},
    {"client.rack", KR_JK_PASS, NULL, '*', NULL},
    {"retry.backoff.ms", KR_JK_PASS, NULL, '*', NULL},
    {"reconnect.backoff.ms", KR_JK_PASS, NULL, '*', NULL},
    {"reconnect.backoff.max.ms", KR_JK_PASS, NULL, '*', NULL},
    {"metadata.max.age.ms", KR_JK_PASS, NULL, '*', NULL},
    {"connections.max.idle.ms", KR_JK_PASS, NULL, '*', NULL},
    {"socket.connection.setup.timeout.ms", KR_JK_PASS, NULL, '*', NULL},
    {"request.timeout.ms", KR_JK_PASS, NULL, '*', NULL},
    {"send.buffer.bytes", KR_JK_SPECIAL, "socket.send.buffer.bytes", '*', NULL},
    {"receive.buffer.bytes", KR_JK_SPECIAL, "socket.receive.buffer.bytes", '*',
        NULL},
    /* producer */
    {"acks", KR_JK_PASS, NULL, 'P', NULL}, /* librdkafka takes "all" */
    {"linger.ms", KR_JK_PASS, NULL, 'P', NULL},
    {"batch.size", KR_JK_PASS, NULL, 'P', NULL},
    {"compression.type", KR_JK_PASS, NULL, 'P', NULL},
    {"retries", KR_JK_PASS, NULL, 'P', NULL},
    {"enable.idempotence", KR_JK_PASS, NULL, 'P', NULL},
    {"max.in.flight.requests.per.connection", KR_JK_PASS, NULL, 'P', NULL},
    {"transaction.timeout.ms", KR_JK_PASS, NULL, 'P', NULL},
    {"max.request.size", KR_JK_RENAME, "message.max.bytes", 'P', NULL},
    {"delivery.timeout.ms", KR_JK_RENAME, "message.timeout.ms", 'P', NULL},
    {"buffer.memory", KR_JK_SPECIAL, "queue.buffering.max.kbytes", 'P', NULL},
    {"partitioner.class", KR_JK_SPECIAL, NULL, 'P', NULL},
    {"max.block.ms", KR_JK_DROP, NULL, 'P',
        "librdkafka never blocks: krest answers at once when its queue is "
        "full, and waits produce.unknown.topic.ms for a missing topic"},
    {"key.serializer", KR_JK_DROP, NULL, 'P',
        "krest serializes keys and values itself"},
    {"value.serializer", KR_JK_DROP, NULL, 'P',
        "krest serializes keys and values itself"},
    {"partitioner.ignore.keys", KR_JK_ERROR, "false", 'P',
        "krest always partitions keyed records by murmur2 of the key"},
    {"partitioner.adaptive.partitioning.enable", KR_JK_DROP, NULL, 'P',
        "librdkafka spreads keyless records with its sticky partitioner"},
    {"partitioner.availability.timeout.ms", KR_JK_DROP, NULL, 'P',
        "librdkafka spreads keyless records with its sticky partitioner"},
    {"transactional.id", KR_JK_ERROR, NULL, 'P',
        "krest's producer is not transactional"},
    /* consumer */
    {"group.id", KR_JK_PASS, NULL, 'C', NULL},
    {"group.instance.id", KR_JK_PASS, NULL, 'C', NULL},
    {"session.timeout.ms", KR_JK_PASS, NULL, 'C', NULL},
    {"heartbeat.interval.ms", KR_JK_PASS, NULL, 'C', NULL},
    {"max.poll.interval.ms", KR_JK_PASS, NULL, 'C', NULL},
    {"enable.auto.commit", KR_JK_PASS, NULL, 'C', NULL},
    {"auto.commit.interval.ms", KR_JK_PASS, NULL, 'C', NULL},
    {"auto.offset.reset", KR_JK_PASS, NULL, 'C', NULL},
    {"fetch.max.bytes", KR_JK_PASS, NULL, 'C', NULL},
    {"fetch.min.bytes", KR_JK_PASS, NULL, 'C', NULL},
    {"max.partition.fetch.bytes", KR_JK_PASS, NULL, 'C', NULL},
    {"isolation.level", KR_JK_PASS, NULL, 'C', NULL},
    {"check.crcs", KR_JK_PASS, NULL, 'C', NULL},
    {"allow.auto.create.topics", KR_JK_PASS, NULL, 'C', NULL},
    {"fetch.max.wait.ms", KR_JK_RENAME, "fetch.wait.max.ms", 'C', NULL},
    {"partition.assignment.strategy", KR_JK_SPECIAL, NULL, 'C', NULL},
    {"key.deserializer", KR_JK_DROP, NULL, 'C',
        "krest deserializes records itself"},
    {"value.deserializer", KR_JK_DROP, NULL, 'C',
        "krest deserializes records itself"},
    {"max.poll.records", KR_JK_DROP, NULL, 'C',
        "krest limits records per fetch itself"},
    {"exclude.internal.topics", KR_JK_DROP, NULL, 'C',
        "librdkafka always excludes internal topics from patterns"},
    {"default.api.timeout.ms", KR_JK_DROP, NULL, 'C',
        "krest bounds its own calls"},
    /* TLS */
    {"ssl.truststore.location", KR_JK_SPECIAL, NULL, '*', NULL},
    {"ssl.keystore.location", KR_JK_SPECIAL, NULL, '*', NULL},
    {"ssl.truststore.type", KR_JK_SILENT, NULL, '*', NULL},
    {"ssl.keystore.type", KR_JK_SILENT, NULL, '*', NULL},
    {"ssl.truststore.password", KR_JK_SILENT, NULL, '*', NULL},
    {"ssl.keystore.password", KR_JK_PASS, NULL, '*', NULL},
    {"ssl.key.password", KR_JK_PASS, NULL, '*', NULL},
    {"ssl.truststore.certificates", KR_JK_RENAME, "ssl.ca.pem", '*', NULL},
    {"ssl.keystore.key", KR_JK_RENAME, "ssl.key.pem", '*', NULL},
    {"ssl.keystore.certificate.chain", KR_JK_RENAME, "ssl.certificate.pem", '*',
        NULL},
    {"ssl.endpoint.identification.algorithm", KR_JK_SPECIAL, NULL, '*', NULL},
    {"ssl.protocol", KR_JK_DROP, NULL, '*', kr_conf_no_tls_java},
    {"ssl.enabled.protocols", KR_JK_DROP, NULL, '*', kr_conf_no_tls_java},
    {"ssl.cipher.suites", KR_JK_DROP, NULL, '*',
        "Java cipher suite names are not OpenSSL's; krest uses OpenSSL's "
        "defaults"},
    {"ssl.keymanager.algorithm", KR_JK_DROP, NULL, '*', kr_conf_no_tls_java},
    {"ssl.trustmanager.algorithm", KR_JK_DROP, NULL, '*', kr_conf_no_tls_java},
    {"ssl.secure.random.implementation", KR_JK_DROP, NULL, '*',
        kr_conf_no_tls_java},
    {"ssl.provider", KR_JK_DROP, NULL, '*', kr_conf_no_tls_java},
    {"security.providers", KR_JK_DROP, NULL, '*', kr_conf_no_java},
    /* SASL */
    {"sasl.mechanism", KR_JK_SASL, NULL, '*', NULL},
    {"sasl.mechanisms", KR_JK_SASL, NULL, '*', NULL},
    {"sasl.jaas.config", KR_JK_SASL, NULL, '*', NULL},
    {"sasl.client.callback.handler.class", KR_JK_SASL, NULL, '*', NULL},
    {"sasl.login.callback.handler.class", KR_JK_SASL, NULL, '*', NULL},
    {"sasl.kerberos.service.name", KR_JK_PASS, NULL, '*', NULL},
    {"sasl.kerberos.kinit.cmd", KR_JK_PASS, NULL, '*', NULL},
    {"sasl.kerberos.min.time.before.relogin", KR_JK_PASS, NULL, '*', NULL},
    {"sasl.kerberos.ticket.renew.*", KR_JK_DROP, NULL, '*',
        "librdkafka renews tickets with sasl.kerberos.kinit.cmd"},
    {"sasl.login.*", KR_JK_DROP, NULL, '*', kr_conf_no_login},
    {"sasl.oauthbearer.token.endpoint.url", KR_JK_PASS, NULL, '*', NULL},
    /* Java-only plumbing */
    {"interceptor.classes", KR_JK_DROP, NULL, '*', kr_conf_no_java},
    {"metric.reporters", KR_JK_DROP, NULL, '*', kr_conf_no_java},
    {"metrics.*", KR_JK_DROP, NULL, '*', "Java metrics are not available"},
    {"auto.include.jmx.reporter", KR_JK_DROP, NULL, '*',
        "Java metrics are not available"},
    {"enable.metrics.push", KR_JK_DROP, NULL, '*',
        "Java metrics are not available"},
    {"client.dns.lookup", KR_JK_DROP, NULL, '*',
        "librdkafka resolves and tries every broker address itself"},
    {"metadata.max.idle.ms", KR_JK_DROP, NULL, '*',
        "librdkafka manages its metadata cache itself"},
    {"socket.connection.setup.timeout.max.ms", KR_JK_DROP, NULL, '*',
        "librdkafka uses socket.connection.setup.timeout.ms only"},
    {"retry.backoff.max.ms", KR_JK_DROP, NULL, '*',
        "librdkafka 2.0 has a fixed retry backoff (retry.backoff.ms)"},
};

#define KR_NJKEYS (sizeof(kr_conf_jkeys) / sizeof(kr_conf_jkeys[0]))

/* Finds the row of a Java client key (prefix stripped). NULL if absent. */
static const struct kr_conf_jkey *
kr_conf_jkey_find(const char *name)
{
	size_t i;

	for (i = 0; i < KR_NJKEYS; i++)
		if (kr_conf_name_match(kr_conf_jkeys[i].jk_name, name))
			return &kr_conf_jkeys[i];
	return NULL;
}

/* One key of a Kafka client's effective settings. */
struct kr_conf_eff {
	const struct kr_conf_ent *ef_ent; /* the file line */
	const char *ef_name;              /* key with its prefix stripped */
};

/* Translation state of one Kafka client. */
struct kr_conf_xl {
	struct kr_conf_parser *xl_p;
	enum kr_conf_client xl_client;
	struct kr_conf_eff *xl_eff; /* client.* then the client's scope */
	size_t xl_neff;
	struct kr_conf_kvl xl_out; /* librdkafka settings */
	struct kr_iam xl_iam;      /* MSK IAM of this client */
};

/* The effective entry for a stripped name. Borrowed; NULL if absent. */
static const struct kr_conf_ent *
kr_conf_xl_get(const struct kr_conf_xl *xl, const char *name)
{
	size_t i;

	for (i = 0; i < xl->xl_neff; i++)
		if (strcmp(xl->xl_eff[i].ef_name, name) == 0)
			return xl->xl_eff[i].ef_ent;
	return NULL;
}

/* The store type of a keystore or truststore: the explicit type key, else
 * guessed from the file name; Java's default is JKS. */
static const char *
kr_conf_store_type(
    const struct kr_conf_ent *type, const char *path, int *guessed)
{
	*guessed = 0;
	if (type != NULL && type->ce_value[0] != '\0') {
		if (strcasecmp(type->ce_value, "PKCS12") == 0)
			return "PKCS12";
		if (strcasecmp(type->ce_value, "PEM") == 0)
			return "PEM";
		if (strcasecmp(type->ce_value, "JKS") == 0)
			return "JKS";
		return type->ce_value;
	}
	if (kr_conf_has_suffix(path, ".p12") ||
	    kr_conf_has_suffix(path, ".pfx"))
		return "PKCS12";
	if (kr_conf_has_suffix(path, ".pem") ||
	    kr_conf_has_suffix(path, ".crt") ||
	    kr_conf_has_suffix(path, ".cer"))
		return "PEM";
	if (kr_conf_has_suffix(path, ".jks"))
		return "JKS";
	*guessed = 1;
	return "JKS";
}

static void
kr_conf_truststore(struct kr_conf_xl *xl, const struct kr_conf_ent *ce)
{
	const struct kr_conf_ent *type =
	    kr_conf_xl_get(xl, "ssl.truststore.type");
	const char *path = ce->ce_value;
	const char *t;
	int guessed;

	if (path[0] == '\0')
		return;
	t = kr_conf_store_type(type, path, &guessed);
	if (strcmp(t, "PEM") == 0) {
		kr_conf_kvl_set(
		    &xl->xl_out, "ssl.ca.location", path, ce->ce_line);
	} else if (strcmp(t, "PKCS12") == 0) {
		kr_conf_diag(xl->xl_p, ce->ce_line, 1,
		    "%s: librdkafka reads CA certificates from PEM files "
		    "only; convert it with `openssl pkcs12 -in %s -nokeys -out "
		    "ca.pem` and point %s at ca.pem (or remove it: MSK broker "
		    "certificates chain to public roots that the system CA "
		    "store has)",
		    ce->ce_key, path, ce->ce_key);
	} else {
		kr_conf_diag(xl->xl_p, ce->ce_line, 1,
		    "%s: %s is a %s truststore%s, which librdkafka cannot "
		    "read; convert it with `keytool -importkeystore "
		    "-srckeystore %s -destkeystore truststore.p12 "
		    "-deststoretype PKCS12` and `openssl pkcs12 -in "
		    "truststore.p12 -nokeys -out ca.pem`, then point %s at "
		    "ca.pem (or remove it: MSK broker certificates chain to "
		    "public roots that the system CA store has)",
		    ce->ce_key, path, t,
		    guessed ? " (Java's default type)" : "", path, ce->ce_key);
	}
}

static void
kr_conf_keystore(struct kr_conf_xl *xl, const struct kr_conf_ent *ce)
{
	const struct kr_conf_ent *type =
	    kr_conf_xl_get(xl, "ssl.keystore.type");
	const char *path = ce->ce_value;
	const char *t;
	int guessed;

	if (path[0] == '\0')
		return;
	t = kr_conf_store_type(type, path, &guessed);
	if (strcmp(t, "JKS") == 0 && guessed) {
		kr_conf_diag(xl->xl_p, ce->ce_line, 0,
		    "%s: %s has no .jks/.p12/.pem suffix and no "
		    "ssl.keystore.type; krest assumes PKCS#12",
		    ce->ce_key, path);
		t = "PKCS12";
	}
	if (strcmp(t, "PKCS12") == 0) {
		kr_conf_kvl_set(
		    &xl->xl_out, "ssl.keystore.location", path, ce->ce_line);
	} else if (strcmp(t, "PEM") == 0) {
		kr_conf_kvl_set(
		    &xl->xl_out, "ssl.certificate.location", path, ce->ce_line);
		kr_conf_kvl_set(
		    &xl->xl_out, "ssl.key.location", path, ce->ce_line);
	} else {
		kr_conf_diag(xl->xl_p, ce->ce_line, 1,
		    "%s: %s is a %s keystore, which librdkafka cannot read; "
		    "convert it to PKCS#12 with `keytool -importkeystore "
		    "-srckeystore %s -destkeystore keystore.p12 "
		    "-deststoretype PKCS12` (or to PEM with `openssl pkcs12 "
		    "-in keystore.p12 -out keystore.pem`) and point %s at the "
		    "new file",
		    ce->ce_key, path, t, path, ce->ce_key);
	}
}

/* partition.assignment.strategy: Java assignor classes -> librdkafka. */
static void
kr_conf_assignors(struct kr_conf_xl *xl, const struct kr_conf_ent *ce)
{
	static const char *const map[][2] = {
	    {"RangeAssignor", "range"},
	    {"RoundRobinAssignor", "roundrobin"},
	    {"CooperativeStickyAssignor", "cooperative-sticky"},
	    {"range", "range"},
	    {"roundrobin", "roundrobin"},
	    {"cooperative-sticky", "cooperative-sticky"},
	};
	struct kr_buf out = KR_BUF_INIT;
	const char *s = ce->ce_value, *e, *dot;
	size_t i, n;

	while (*s != '\0') {
		while (*s == ',' || isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		for (e = s;
		     *e != '\0' && *e != ',' && !isspace((unsigned char)*e);
		     e++)
			;
		dot = s;
		for (const char *c = s; c < e; c++)
			if (*c == '.')
				dot = c + 1;
		n = (size_t)(e - dot);
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (strlen(map[i][0]) == n &&
			    strncmp(dot, map[i][0], n) == 0)
				break;
		if (i == sizeof(map) / sizeof(map[0])) {
			kr_conf_diag(xl->xl_p, ce->ce_line, 0,
			    "%s: assignor \"%.*s\" has no librdkafka "
			    "equivalent; librdkafka's default "
			    "(range,roundrobin) "
			    "is used",
			    ce->ce_key, (int)(e - s), s);
			kr_buf_free(&out);
			return;
		}
		kr_buf_printf(&out, "%s%s", out.len > 0 ? "," : "", map[i][1]);
		s = e;
	}
	if (out.len > 0)
		kr_conf_kvl_set(&xl->xl_out, "partition.assignment.strategy",
		    out.data, ce->ce_line);
	kr_buf_free(&out);
}

/* Keys whose values need converting. */
static void
kr_conf_xlate_special(struct kr_conf_xl *xl, const struct kr_conf_jkey *jk,
    const struct kr_conf_ent *ce, const char *name)
{
	struct kr_conf_parser *p = xl->xl_p;
	const char *why;
	char num[32];
	long long v;

	if (strcmp(name, "buffer.memory") == 0) {
		if (kr_conf_num(
		        ce->ce_value, 1, 2147483647LL * 1024, &v, &why) < 0) {
			kr_conf_diag(p, ce->ce_line, 1, "%s: \"%s\" %s",
			    ce->ce_key, ce->ce_value, why);
			return;
		}
		snprintf(num, sizeof(num), "%lld", (v + 1023) / 1024);
		kr_conf_kvl_set(&xl->xl_out, jk->jk_arg, num, ce->ce_line);
	} else if (strcmp(name, "send.buffer.bytes") == 0 ||
	           strcmp(name, "receive.buffer.bytes") == 0) {
		if (kr_conf_num(ce->ce_value, -1, 2147483647LL, &v, &why) < 0) {
			kr_conf_diag(p, ce->ce_line, 1, "%s: \"%s\" %s",
			    ce->ce_key, ce->ce_value, why);
			return;
		}
		snprintf(num, sizeof(num), "%lld", v < 0 ? 0 : v);
		kr_conf_kvl_set(&xl->xl_out, jk->jk_arg, num, ce->ce_line);
	} else if (strcmp(name, "ssl.endpoint.identification.algorithm") == 0) {
		/* Java turns host name checks off with an empty value. */
		kr_conf_kvl_set(&xl->xl_out, name,
		    ce->ce_value[0] == '\0'                  ? "none"
		    : strcasecmp(ce->ce_value, "https") == 0 ? "https"
		                                             : ce->ce_value,
		    ce->ce_line);
	} else if (strcmp(name, "partitioner.class") == 0) {
		if (ce->ce_value[0] != '\0' &&
		    !kr_conf_has_suffix(
		        ce->ce_value, "producer.internals.DefaultPartitioner"))
			kr_conf_diag(p, ce->ce_line, 1,
			    "%s: custom partitioners cannot be loaded; krest "
			    "partitions keys like Java's default partitioner "
			    "(partitioner=murmur2_random); remove the key, or "
			    "set producer.partitioner to a librdkafka "
			    "partitioner",
			    ce->ce_key);
	} else if (strcmp(name, "partition.assignment.strategy") == 0) {
		kr_conf_assignors(xl, ce);
	} else if (strcmp(name, "ssl.truststore.location") == 0) {
		kr_conf_truststore(xl, ce);
	} else if (strcmp(name, "ssl.keystore.location") == 0) {
		kr_conf_keystore(xl, ce);
	}
}

/* Translates one effective key of a Kafka client. */
static void
kr_conf_xlate_one(struct kr_conf_xl *xl, const struct kr_conf_eff *ef)
{
	const struct kr_conf_ent *ce = ef->ef_ent;
	const struct kr_conf_jkey *jk = kr_conf_jkey_find(ef->ef_name);

	if (ef->ef_name[0] == '\0') {
		kr_conf_diag(xl->xl_p, ce->ce_line, 0,
		    "%s: empty key after the prefix is ignored", ce->ce_key);
		return;
	}
	if (jk == NULL) {
		if (kr_conf_has_suffix(ef->ef_name, ".class"))
			kr_conf_diag(xl->xl_p, ce->ce_line, 0,
			    "%s is ignored: %s", ce->ce_key, kr_conf_no_java);
		else /* a librdkafka name: rd_kafka_conf_set() checks it */
			kr_conf_kvl_set(&xl->xl_out, ef->ef_name, ce->ce_value,
			    ce->ce_line);
		return;
	}
	switch (jk->jk_action) {
	case KR_JK_PASS:
		kr_conf_kvl_set(
		    &xl->xl_out, ef->ef_name, ce->ce_value, ce->ce_line);
		break;
	case KR_JK_RENAME:
		kr_conf_kvl_set(
		    &xl->xl_out, jk->jk_arg, ce->ce_value, ce->ce_line);
		break;
	case KR_JK_DROP:
		kr_conf_diag(xl->xl_p, ce->ce_line, 0, "%s is ignored: %s",
		    ce->ce_key, jk->jk_why);
		break;
	case KR_JK_ERROR:
		if (ce->ce_value[0] != '\0' &&
		    (jk->jk_arg == NULL ||
		        strcasecmp(ce->ce_value, jk->jk_arg) != 0))
			kr_conf_diag(xl->xl_p, ce->ce_line, 1,
			    "%s is not supported: %s", ce->ce_key, jk->jk_why);
		break;
	case KR_JK_SPECIAL:
		kr_conf_xlate_special(xl, jk, ce, ef->ef_name);
		break;
	case KR_JK_SILENT:
	case KR_JK_SASL:
		break;
	}
}

/* ---- JAAS (sasl.jaas.config) ------------------------------------------ */

enum kr_jaas_module {
	KR_JAAS_OTHER,
	KR_JAAS_IAM,   /* software.amazon.msk.auth.iam.IAMLoginModule */
	KR_JAAS_OAUTH, /* OAuthBearerLoginModule */
	KR_JAAS_PLAIN, /* PlainLoginModule */
	KR_JAAS_SCRAM, /* ScramLoginModule */
	KR_JAAS_KRB5,  /* Krb5LoginModule */
};

/* A parsed "<LoginModule> <flag> [key=value ...];". */
struct kr_jaas {
	enum kr_jaas_module ja_module;
	struct kr_conf_ent *ja_opts; /* ce_line unused */
	size_t ja_nopts;
};

static void
kr_jaas_free(struct kr_jaas *ja)
{
	size_t i;

	for (i = 0; i < ja->ja_nopts; i++) {
		free(ja->ja_opts[i].ce_key);
		kr_conf_free_str(ja->ja_opts[i].ce_value);
	}
	free(ja->ja_opts);
	memset(ja, 0, sizeof(*ja));
}

/* The value of a JAAS option. Borrowed; NULL if absent. */
static const char *
kr_jaas_get(const struct kr_jaas *ja, const char *key)
{
	size_t i;

	for (i = ja->ja_nopts; i > 0; i--)
		if (strcmp(ja->ja_opts[i - 1].ce_key, key) == 0)
			return ja->ja_opts[i - 1].ce_value;
	return NULL;
}

static int
kr_jaas_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int
kr_jaas_is_word(char c)
{
	return c != '\0' && !kr_jaas_is_ws(c) && c != ';' && c != '=' &&
	       c != '"' && c != '\'';
}

/* Reads a bare word at *s into out. Returns its length. */
static size_t
kr_jaas_word(const char **s, struct kr_buf *out)
{
	const char *b = *s;

	while (kr_jaas_is_word(**s))
		(*s)++;
	kr_buf_reset(out);
	kr_buf_append(out, b, (size_t)(*s - b));
	return (size_t)(*s - b);
}

/* Reads a quoted value at *s (on the '"' or '\'' that opens it, as Java's
 * StreamTokenizer accepts both) into out, with Java string escapes.
 * Returns 0, or -1 if the quote is not closed. */
static int
kr_jaas_quoted(const char **s, struct kr_buf *out)
{
	const char *p = *s + 1;
	char q = **s, c;

	kr_buf_reset(out);
	kr_buf_reserve(out, 0);
	out->data[0] = '\0'; /* an empty "" value is still a string */
	for (;;) {
		c = *p++;
		if (c == '\0')
			return -1;
		if (c == q)
			break;
		if (c == '\\') {
			c = *p++;
			if (c == '\0')
				return -1;
			c = c == 'n'   ? '\n'
			    : c == 't' ? '\t'
			    : c == 'r' ? '\r'
			               : c;
		}
		kr_buf_putc(out, c);
	}
	*s = p;
	return 0;
}

static enum kr_jaas_module
kr_jaas_module(const char *cls)
{
	static const struct {
		const char *name;
		enum kr_jaas_module module;
	} mods[] = {
	    {"software.amazon.msk.auth.iam.IAMLoginModule", KR_JAAS_IAM},
	    {"org.apache.kafka.common.security.oauthbearer."
	     "OAuthBearerLoginModule",
	        KR_JAAS_OAUTH},
	    {"org.apache.kafka.common.security.plain.PlainLoginModule",
	        KR_JAAS_PLAIN},
	    {"org.apache.kafka.common.security.scram.ScramLoginModule",
	        KR_JAAS_SCRAM},
	    {"com.sun.security.auth.module.Krb5LoginModule", KR_JAAS_KRB5},
	    {"com.ibm.security.auth.module.Krb5LoginModule", KR_JAAS_KRB5},
	};
	size_t i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
		if (strcmp(cls, mods[i].name) == 0)
			return mods[i].module;
	return KR_JAAS_OTHER;
}

/* Parses a sasl.jaas.config value. Returns 0, or -1 with *why set to a
 * static reason that never quotes the (secret) text. On success the
 * caller frees ja with kr_jaas_free(). */
static int
kr_jaas_parse(const char *s, struct kr_jaas *ja, const char **why)
{
	struct kr_buf w = KR_BUF_INIT, v = KR_BUF_INIT;
	struct kr_conf_ent *o;
	int rc = -1;

	memset(ja, 0, sizeof(*ja));
	while (kr_jaas_is_ws(*s))
		s++;
	*why = "expected a LoginModule class name";
	if (kr_jaas_word(&s, &w) == 0)
		goto done;
	ja->ja_module = kr_jaas_module(w.data);
	while (kr_jaas_is_ws(*s))
		s++;
	*why = "expected required, optional, requisite or sufficient after "
	       "the LoginModule";
	if (kr_jaas_word(&s, &w) == 0 ||
	    (strcasecmp(w.data, "required") != 0 &&
	        strcasecmp(w.data, "optional") != 0 &&
	        strcasecmp(w.data, "requisite") != 0 &&
	        strcasecmp(w.data, "sufficient") != 0))
		goto done;
	for (;;) {
		while (kr_jaas_is_ws(*s))
			s++;
		if (*s == ';')
			break;
		*why = "missing ';' at the end";
		if (*s == '\0')
			goto done;
		*why = "expected an option name=value or ';'";
		if (kr_jaas_word(&s, &w) == 0)
			goto done;
		while (kr_jaas_is_ws(*s))
			s++;
		*why = "expected '=' after an option name";
		if (*s++ != '=')
			goto done;
		while (kr_jaas_is_ws(*s))
			s++;
		if (*s == '"' || *s == '\'') {
			*why = "unterminated quoted option value";
			if (kr_jaas_quoted(&s, &v) < 0)
				goto done;
		} else {
			*why = "expected an option value";
			if (kr_jaas_word(&s, &v) == 0)
				goto done;
		}
		ja->ja_opts =
		    kr_realloc(ja->ja_opts, (ja->ja_nopts + 1) * sizeof(*o));
		o = &ja->ja_opts[ja->ja_nopts++];
		o->ce_key = kr_buf_detach(&w);
		o->ce_value = kr_buf_detach(&v);
		o->ce_line = 0;
	}
	s++;
	while (kr_jaas_is_ws(*s))
		s++;
	*why = "holds more than one LoginModule entry";
	if (*s != '\0')
		goto done;
	rc = 0;
done:
	if (v.data != NULL)
		explicit_bzero(v.data, v.cap);
	kr_buf_free(&w);
	kr_buf_free(&v);
	if (rc < 0)
		kr_jaas_free(ja);
	return rc;
}

/* ---- SASL and MSK IAM ------------------------------------------------- */

/* Fills iam from the options of an IAM JAAS entry. */
static void
kr_conf_iam_opts(
    struct kr_conf_xl *xl, const struct kr_jaas *ja, int line, const char *key)
{
	static const struct {
		const char *name;
		size_t off;
	} strs[] = {
	    {"awsProfileName", offsetof(struct kr_iam, iam_profile)},
	    {"awsRoleArn", offsetof(struct kr_iam, iam_role_arn)},
	    {"awsRoleSessionName",
	        offsetof(struct kr_iam, iam_role_session_name)},
	    {"awsStsRegion", offsetof(struct kr_iam, iam_sts_region)},
	    {"awsRoleExternalId",
	        offsetof(struct kr_iam, iam_role_external_id)},
	    {"awsRoleAccessKeyId",
	        offsetof(struct kr_iam, iam_role_access_key_id)},
	    {"awsRoleSecretAccessKey",
	        offsetof(struct kr_iam, iam_role_secret_access_key)},
	    {"awsRoleSessionToken",
	        offsetof(struct kr_iam, iam_role_session_token)},
	};
	struct kr_iam *iam = &xl->xl_iam;
	const struct kr_conf_ent *o;
	const char *why;
	long long v;
	size_t i, k;

	iam->iam_enabled = 1;
	for (i = 0; i < ja->ja_nopts; i++) {
		o = &ja->ja_opts[i];
		for (k = 0; k < sizeof(strs) / sizeof(strs[0]); k++)
			if (strcmp(o->ce_key, strs[k].name) == 0)
				break;
		if (k < sizeof(strs) / sizeof(strs[0])) {
			kr_conf_set_str(
			    (char **)(void *)((char *)iam + strs[k].off),
			    o->ce_value);
		} else if (strcmp(o->ce_key, "awsDebugCreds") == 0) {
			iam->iam_debug_creds = kr_conf_bool(o->ce_value) == 1;
			if (kr_conf_bool(o->ce_value) < 0)
				kr_conf_diag(xl->xl_p, line, 1,
				    "%s: awsDebugCreds must be true or false",
				    key);
		} else if (strcmp(o->ce_key, "awsMaxRetries") == 0) {
			if (kr_conf_num(o->ce_value, 0, 100, &v, &why) < 0)
				kr_conf_diag(xl->xl_p, line, 1,
				    "%s: awsMaxRetries %s (allowed: 0..100)",
				    key, why);
			else
				iam->iam_max_retries = (int)v;
		} else if (strcmp(o->ce_key, "awsMaxBackOffTimeMs") == 0) {
			if (kr_conf_num(o->ce_value, 0, 600000, &v, &why) < 0)
				kr_conf_diag(xl->xl_p, line, 1,
				    "%s: awsMaxBackOffTimeMs %s (allowed: "
				    "0..600000)",
				    key, why);
			else
				iam->iam_max_backoff_ms = (int)v;
		} else {
			kr_conf_diag(xl->xl_p, line, 0,
			    "%s: JAAS option %s is not supported by krest and "
			    "is ignored",
			    key, o->ce_key);
		}
	}
}

/* PLAIN/SCRAM username and password -> sasl.username/sasl.password. */
static void
kr_conf_sasl_userpass(struct kr_conf_xl *xl, const struct kr_jaas *ja,
    const struct kr_conf_ent *jaas)
{
	const char *u = kr_jaas_get(ja, "username");
	const char *pw = kr_jaas_get(ja, "password");

	if (u == NULL || pw == NULL) {
		kr_conf_diag(xl->xl_p, jaas->ce_line, 1,
		    "%s: the LoginModule needs username=\"...\" and "
		    "password=\"...\"",
		    jaas->ce_key);
		return;
	}
	kr_conf_kvl_set(&xl->xl_out, "sasl.username", u, jaas->ce_line);
	kr_conf_kvl_set(&xl->xl_out, "sasl.password", pw, jaas->ce_line);
}

/* Krb5LoginModule keyTab/principal/serviceName -> sasl.kerberos.*. The
 * JAAS serviceName wins over sasl.kerberos.service.name, as in Kafka. */
static void
kr_conf_sasl_krb5(struct kr_conf_xl *xl, const struct kr_jaas *ja, int line)
{
	static const char *const map[][2] = {
	    {"keyTab", "sasl.kerberos.keytab"},
	    {"principal", "sasl.kerberos.principal"},
	    {"serviceName", "sasl.kerberos.service.name"},
	};
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		v = kr_jaas_get(ja, map[i][0]);
		if (v != NULL)
			kr_conf_kvl_set(&xl->xl_out, map[i][1], v, line);
	}
}

static const char *const kr_conf_module_names[] = {"an unsupported LoginModule",
    "IAMLoginModule", "OAuthBearerLoginModule", "PlainLoginModule",
    "ScramLoginModule", "Krb5LoginModule"};

/* Reads the callback handler classes. Returns 1 if one is MSK IAM's. */
static int
kr_conf_sasl_handlers(struct kr_conf_xl *xl, const struct kr_conf_ent *h[2])
{
	int i, iam = 0;

	for (i = 0; i < 2; i++) {
		if (h[i] == NULL || h[i]->ce_value[0] == '\0')
			continue;
		if (kr_conf_has_suffix(
		        h[i]->ce_value, ".IAMClientCallbackHandler") ||
		    kr_conf_has_suffix(
		        h[i]->ce_value, ".IAMOAuthBearerLoginCallbackHandler"))
			iam = 1;
		else
			kr_conf_diag(xl->xl_p, h[i]->ce_line, 0,
			    "%s is ignored: %s", h[i]->ce_key, kr_conf_no_java);
	}
	return iam;
}

/* One client's SASL settings, gathered by kr_conf_sasl(). */
struct kr_conf_sasl_in {
	const struct kr_conf_ent *si_mech; /* NULL: Kafka's default GSSAPI */
	const struct kr_conf_ent *si_jaas; /* NULL or empty: no JAAS */
	const struct kr_jaas *si_ja;       /* parsed si_jaas */
	char si_m[32];                     /* mechanism, upper case */
	int si_line;                       /* line for mechanism diagnostics */
	int si_iam_handler;                /* an MSK IAM callback handler */
};

/* Emits the librdkafka keys of the mechanism. Returns 0, or -1 when the
 * JAAS LoginModule does not match the mechanism. */
static int
kr_conf_sasl_mech(struct kr_conf_xl *xl, const struct kr_conf_sasl_in *si)
{
	const struct kr_conf_ent *jaas = si->si_jaas;
	const char *m = si->si_m;
	enum kr_jaas_module mod = si->si_ja->ja_module;
	int line = si->si_line, has_jaas;

	has_jaas = jaas != NULL && jaas->ce_value[0] != '\0';
	if (strcmp(m, "AWS_MSK_IAM") == 0 ||
	    (strcmp(m, "OAUTHBEARER") == 0 &&
	        (mod == KR_JAAS_IAM || si->si_iam_handler))) {
		if (has_jaas && mod != KR_JAAS_IAM && mod != KR_JAAS_OAUTH)
			return -1;
		if (!has_jaas)
			kr_conf_diag(xl->xl_p, line, 0,
			    "MSK IAM without sasl.jaas.config: krest uses the "
			    "default AWS credential chain");
		kr_conf_kvl_set(
		    &xl->xl_out, "sasl.mechanism", "OAUTHBEARER", line);
		kr_conf_iam_opts(xl, si->si_ja, has_jaas ? jaas->ce_line : line,
		    has_jaas ? jaas->ce_key : "sasl.jaas.config");
	} else if (strcmp(m, "OAUTHBEARER") == 0) {
		kr_conf_diag(xl->xl_p, line, 1,
		    "sasl.mechanism=OAUTHBEARER is supported only for MSK IAM "
		    "(sasl.login.callback.handler.class="
		    "software.amazon.msk.auth.iam."
		    "IAMOAuthBearerLoginCallbackHandler)");
	} else if (strcmp(m, "PLAIN") == 0 || strcmp(m, "SCRAM-SHA-256") == 0 ||
	           strcmp(m, "SCRAM-SHA-512") == 0) {
		if (has_jaas &&
		    mod != (m[0] == 'P' ? KR_JAAS_PLAIN : KR_JAAS_SCRAM))
			return -1;
		kr_conf_kvl_set(&xl->xl_out, "sasl.mechanism", m, line);
		if (has_jaas)
			kr_conf_sasl_userpass(xl, si->si_ja, jaas);
		else if (kr_conf_xl_get(xl, "sasl.username") == NULL)
			kr_conf_diag(xl->xl_p, line, 1,
			    "sasl.mechanism=%s needs sasl.jaas.config with "
			    "username and password",
			    m);
	} else if (strcmp(m, "GSSAPI") == 0) {
		if (has_jaas && mod != KR_JAAS_KRB5)
			return -1;
		kr_conf_kvl_set(&xl->xl_out, "sasl.mechanism", m, line);
		kr_conf_sasl_krb5(
		    xl, si->si_ja, has_jaas ? jaas->ce_line : line);
	} else {
		kr_conf_diag(xl->xl_p, line, 1,
		    "sasl.mechanism \"%s\" is not supported (AWS_MSK_IAM, "
		    "OAUTHBEARER with MSK IAM, PLAIN, SCRAM-SHA-256, "
		    "SCRAM-SHA-512, GSSAPI)",
		    si->si_mech != NULL ? si->si_mech->ce_value : m);
	}
	return 0;
}

/* The mechanism, JAAS entry and callback handlers of one client, taken
 * together: AWS_MSK_IAM and OAUTHBEARER + the IAM callback handler become
 * OAUTHBEARER with krest's signer; PLAIN/SCRAM/GSSAPI become librdkafka's
 * sasl.username/password or sasl.kerberos.* keys. */
static void
kr_conf_sasl(struct kr_conf_xl *xl)
{
	struct kr_conf_parser *p = xl->xl_p;
	const struct kr_conf_ent *proto =
	    kr_conf_xl_get(xl, "security.protocol");
	const struct kr_conf_ent *h[2];
	struct kr_conf_sasl_in si;
	struct kr_jaas ja;
	const char *why;
	size_t i;

	memset(&si, 0, sizeof(si));
	memset(&ja, 0, sizeof(ja));
	si.si_mech = kr_conf_xl_get(xl, "sasl.mechanism");
	if (si.si_mech == NULL)
		si.si_mech = kr_conf_xl_get(xl, "sasl.mechanisms");
	si.si_jaas = kr_conf_xl_get(xl, "sasl.jaas.config");
	si.si_ja = &ja;
	h[0] = kr_conf_xl_get(xl, "sasl.client.callback.handler.class");
	h[1] = kr_conf_xl_get(xl, "sasl.login.callback.handler.class");
	if (si.si_mech == NULL && si.si_jaas == NULL && h[0] == NULL &&
	    h[1] == NULL)
		return;
	si.si_line = si.si_mech != NULL   ? si.si_mech->ce_line
	             : si.si_jaas != NULL ? si.si_jaas->ce_line
	             : h[0] != NULL       ? h[0]->ce_line
	                                  : h[1]->ce_line;
	if (proto == NULL || strncasecmp(proto->ce_value, "SASL_", 5) != 0) {
		kr_conf_diag(p, si.si_line, 0,
		    "SASL settings have no effect without "
		    "security.protocol=SASL_SSL or SASL_PLAINTEXT (as in "
		    "Java)");
		return;
	}
	si.si_iam_handler = kr_conf_sasl_handlers(xl, h);
	if (si.si_jaas != NULL && si.si_jaas->ce_value[0] != '\0') {
		if (kr_jaas_parse(si.si_jaas->ce_value, &ja, &why) < 0) {
			kr_conf_diag(p, si.si_jaas->ce_line, 1,
			    "%s: malformed JAAS entry: %s", si.si_jaas->ce_key,
			    why);
			return;
		}
		if (ja.ja_module == KR_JAAS_OTHER) {
			kr_conf_diag(p, si.si_jaas->ce_line, 1,
			    "%s: unsupported LoginModule (krest knows "
			    "IAMLoginModule, OAuthBearerLoginModule with the "
			    "MSK IAM handler, PlainLoginModule, "
			    "ScramLoginModule, Krb5LoginModule)",
			    si.si_jaas->ce_key);
			goto done;
		}
	}
	snprintf(si.si_m, sizeof(si.si_m), "%s",
	    si.si_mech != NULL && si.si_mech->ce_value[0] != '\0'
	        ? si.si_mech->ce_value
	        : "GSSAPI");
	for (i = 0; si.si_m[i] != '\0'; i++)
		si.si_m[i] = (char)toupper((unsigned char)si.si_m[i]);
	if (kr_conf_sasl_mech(xl, &si) < 0)
		kr_conf_diag(p, si.si_jaas->ce_line, 1,
		    "%s: %s does not match sasl.mechanism=%s%s",
		    si.si_jaas->ce_key, kr_conf_module_names[ja.ja_module],
		    si.si_m, si.si_mech == NULL ? " (Kafka's default)" : "");
done:
	kr_jaas_free(&ja);
}

/* ---- routing ---------------------------------------------------------- */

static const char *const kr_conf_scopes[] = {
    "producer.", "admin.", "consumer."};

/* Collects the effective keys of a client: client.* then its own scope,
 * prefixes stripped, a later scope replacing the same key. */
static void
kr_conf_xl_collect(struct kr_conf_parser *p, struct kr_conf_xl *xl)
{
	const char *pre[2] = {"client.", kr_conf_scopes[xl->xl_client]};
	struct kr_conf_ent *ce;
	size_t i, j, k;
	int s;

	xl->xl_eff = kr_calloc(p->cp_nents, sizeof(*xl->xl_eff));
	for (s = 0; s < 2; s++) {
		for (i = 0; i < p->cp_nents; i++) {
			ce = &p->cp_ents[i];
			if (!kr_conf_has_prefix(ce->ce_key, pre[s]) ||
			    kr_conf_key_find(ce->ce_key) != NULL)
				continue;
			if (s == 0 && kr_conf_jkey_find(ce->ce_key) != NULL &&
			    kr_conf_jkey_find(ce->ce_key + 7) == NULL)
				continue; /* client.id, client.rack, ... */
			for (j = 0; j < xl->xl_neff; j++)
				if (strcmp(xl->xl_eff[j].ef_name,
				        ce->ce_key + strlen(pre[s])) == 0)
					break;
			for (k = j; k + 1 < xl->xl_neff; k++)
				xl->xl_eff[k] = xl->xl_eff[k + 1];
			if (j < xl->xl_neff)
				xl->xl_neff--;
			xl->xl_eff[xl->xl_neff].ef_ent = ce;
			xl->xl_eff[xl->xl_neff].ef_name =
			    ce->ce_key + strlen(pre[s]);
			xl->xl_neff++;
		}
	}
}

/* Producer defaults, applied first so that user keys override them. */
static void
kr_conf_producer_defaults(const struct kr_conf *conf, struct kr_conf_kvl *l)
{
	char num[24];

	/* Java-identical key -> partition mapping. */
	kr_conf_kvl_set(l, "partitioner", "murmur2_random", 0);
	kr_conf_kvl_set(l, "enable.idempotence", "true", 0);
	kr_conf_kvl_set(l, "acks", "all", 0);
	kr_conf_kvl_set(l, "linger.ms", "1", 0);
	/* Delivery reports must come before the HTTP answer is due, and a
	 * missing topic must be found (produce.unknown.topic.ms) before a
	 * record times out, or it would be a 503 instead of a 404. */
	snprintf(num, sizeof(num), "%d",
	    conf->conf_produce_timeout_ms - KR_CONF_DR_MARGIN_MS >
	            conf->conf_unknown_topic_ms + 1000
	        ? conf->conf_produce_timeout_ms - KR_CONF_DR_MARGIN_MS
	        : conf->conf_unknown_topic_ms + 1000);
	kr_conf_kvl_set(l, "message.timeout.ms", num, 0);
	/* librdkafka ages a missing topic on its one-second topic scan, so
	 * it fails up to a second after the propagation time: take that
	 * second off, and the 404 comes within produce.unknown.topic.ms. */
	snprintf(num, sizeof(num), "%d",
	    conf->conf_unknown_topic_ms > 1000
	        ? conf->conf_unknown_topic_ms - 1000
	        : 0);
	kr_conf_kvl_set(l, "topic.metadata.propagation.max.ms", num, 0);
	kr_conf_kvl_set(l, "client.id", "krest", 0);
	/* Back within a second of a broker's return, as the Java client
	 * (librdkafka's default waits up to 10 s). */
	kr_conf_kvl_set(l, "reconnect.backoff.max.ms", "1000", 0);
}

/* The value of the first of two alias names set by the user (line > 0). */
static const char *
kr_conf_user_value(
    const struct kr_conf_kvl *l, const char *a, const char *b, int *line)
{
	const char *v = kr_conf_kvl_get(l, a, line);

	if (v != NULL && *line > 0)
		return v;
	v = kr_conf_kvl_get(l, b, line);
	if (v != NULL && *line > 0)
		return v;
	return NULL;
}

/* librdkafka refuses enable.idempotence=true with acks other than all,
 * more than 5 requests in flight, or no retries. Confluent forces
 * idempotence off, so such files worked there: turn krest's default off
 * for them, and refuse only an explicit enable.idempotence=true. */
static void
kr_conf_idempotence(struct kr_conf_parser *p, struct kr_conf_kvl *l)
{
	const char *v, *why, *what = NULL;
	int line = 0, iline = 0;
	long long n;

	v = kr_conf_user_value(l, "acks", "request.required.acks", &line);
	if (v != NULL && strcasecmp(v, "all") != 0 && strcmp(v, "-1") != 0)
		what = "acks";
	if (what == NULL) {
		v = kr_conf_user_value(l,
		    "max.in.flight.requests.per.connection", "max.in.flight",
		    &line);
		if (v != NULL && kr_conf_num(v, 6, LLONG_MAX, &n, &why) == 0)
			what = "max.in.flight.requests.per.connection above 5";
	}
	if (what == NULL) {
		v = kr_conf_user_value(
		    l, "retries", "message.send.max.retries", &line);
		if (v != NULL && strcmp(v, "0") == 0)
			what = "retries=0";
	}
	if (what == NULL)
		return;
	v = kr_conf_kvl_get(l, "enable.idempotence", &iline);
	if (iline == 0) {
		kr_conf_diag(p, line, 0,
		    "producer %s is incompatible with idempotence; krest turns "
		    "enable.idempotence off (as Confluent always does)",
		    what);
		kr_conf_kvl_set(l, "enable.idempotence", "false", 0);
	} else if (v != NULL && kr_conf_bool(v) == 1) {
		kr_conf_diag(p, iline, 1,
		    "enable.idempotence=true needs acks=all, at most 5 "
		    "requests in flight and retries > 0 (see line %d)",
		    line);
	}
}

/* Checks that delivery reports still come before the HTTP answer. */
static void
kr_conf_message_timeout(struct kr_conf_parser *p, struct kr_conf_kvl *l)
{
	const char *v, *why;
	int line = 0;
	long long n, limit;

	v = kr_conf_kvl_get(l, "message.timeout.ms", &line);
	if (v == NULL || line == 0)
		return;
	limit = p->cp_conf->conf_produce_timeout_ms - KR_CONF_DR_MARGIN_MS;
	if (kr_conf_num(v, 0, LLONG_MAX, &n, &why) == 0 &&
	    (n == 0 || n > limit))
		kr_conf_diag(p, line, 0,
		    "producer delivery timeout %s ms is longer than "
		    "produce.timeout.ms - %d = %lld ms: requests will be "
		    "answered with a timeout before their delivery report",
		    v, KR_CONF_DR_MARGIN_MS, limit);
}

/* Moves a list into a conf array. */
static void
kr_conf_kvl_move(struct kr_conf_kvl *l, struct kr_kv **v, size_t *n)
{
	*v = l->kl_v;
	*n = l->kl_n;
	memset(l, 0, sizeof(*l));
}

static void
kr_conf_iam_free(struct kr_iam *iam)
{
	free(iam->iam_profile);
	free(iam->iam_role_arn);
	free(iam->iam_role_session_name);
	free(iam->iam_sts_region);
	free(iam->iam_role_external_id);
	free(iam->iam_role_access_key_id);
	kr_conf_free_str(iam->iam_role_secret_access_key);
	kr_conf_free_str(iam->iam_role_session_token);
	free(iam->iam_region);
	memset(iam, 0, sizeof(*iam));
	iam->iam_max_retries = 3;
	iam->iam_max_backoff_ms = 5000;
}

static int
kr_conf_str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Routes, translates and stores the settings of the three clients. */
static void
kr_conf_route(struct kr_conf_parser *p)
{
	struct kr_conf *conf = p->cp_conf;
	struct kr_conf_xl xl[3];
	struct kr_iam *src;
	char *region;
	size_t i;
	int c;

	for (c = 0; c < 3; c++) {
		memset(&xl[c], 0, sizeof(xl[c]));
		xl[c].xl_p = p;
		xl[c].xl_client = (enum kr_conf_client)c;
		kr_conf_iam_free(&xl[c].xl_iam);
		if (c == KR_CLIENT_PRODUCER)
			kr_conf_producer_defaults(conf, &xl[c].xl_out);
		kr_conf_xl_collect(p, &xl[c]);
		for (i = 0; i < xl[c].xl_neff; i++)
			kr_conf_xlate_one(&xl[c], &xl[c].xl_eff[i]);
		kr_conf_sasl(&xl[c]);
	}
	kr_conf_idempotence(p, &xl[KR_CLIENT_PRODUCER].xl_out);
	kr_conf_message_timeout(p, &xl[KR_CLIENT_PRODUCER].xl_out);
	src = &xl[KR_CLIENT_PRODUCER].xl_iam;
	if (!src->iam_enabled)
		src = &xl[KR_CLIENT_ADMIN].xl_iam;
	if (xl[KR_CLIENT_PRODUCER].xl_iam.iam_enabled &&
	    xl[KR_CLIENT_ADMIN].xl_iam.iam_enabled &&
	    (!kr_conf_str_eq(
	         src->iam_profile, xl[KR_CLIENT_ADMIN].xl_iam.iam_profile) ||
	        !kr_conf_str_eq(src->iam_role_arn,
	            xl[KR_CLIENT_ADMIN].xl_iam.iam_role_arn)))
		kr_conf_diag(p, p->cp_lastline, 0,
		    "producer and admin MSK IAM settings differ; krest signs "
		    "with the producer's");
	region = conf->conf_iam.iam_region;
	conf->conf_iam.iam_region = NULL;
	kr_conf_iam_free(&conf->conf_iam);
	conf->conf_iam = *src;
	memset(src, 0, sizeof(*src));
	conf->conf_iam.iam_region = region;
	/* Without a region in the host names, the daemon looks at
	 * AWS_REGION and the profile (it says so if none gives one). */
	kr_conf_kvl_move(
	    &xl[0].xl_out, &conf->conf_producer, &conf->conf_nproducer);
	kr_conf_kvl_move(&xl[1].xl_out, &conf->conf_admin, &conf->conf_nadmin);
	kr_conf_kvl_move(
	    &xl[2].xl_out, &conf->conf_consumer, &conf->conf_nconsumer);
	for (c = 0; c < 3; c++) {
		kr_conf_iam_free(&xl[c].xl_iam);
		free(xl[c].xl_eff);
	}
}

/* A key that is neither krest's nor routed by a prefix. */
static void
kr_conf_unrouted(struct kr_conf_parser *p, const struct kr_conf_ent *ce)
{
	const struct kr_conf_jkey *jk = kr_conf_jkey_find(ce->ce_key);

	if (jk == NULL) {
		kr_conf_diag(
		    p, ce->ce_line, 0, "unknown key %s is ignored", ce->ce_key);
		return;
	}
	kr_conf_diag(p, ce->ce_line, 0,
	    "%s is a Kafka client setting and is ignored at the top level; "
	    "write it as %s%s",
	    ce->ce_key,
	    jk->jk_scope == 'P'   ? "producer."
	    : jk->jk_scope == 'C' ? "consumer."
	                          : "client.",
	    ce->ce_key);
}

/* Hands ce to lib/kr_auth when it is one of its keys (authentication.*,
 * access.control.*, allowlists). Returns 0 when it was, 1 otherwise. */
static int
kr_conf_auth_key(struct kr_conf_parser *p, const struct kr_conf_ent *ce)
{
	char why[256];
	int rc;

	/* An empty value is Confluent's default for these keys: keep ours
	 * (a scratch struct tells whether the key is one of them). */
	if (ce->ce_value[0] == '\0') {
		struct kr_auth_conf scratch;

		kr_auth_conf_init(&scratch);
		rc = kr_auth_conf_set(
		    &scratch, ce->ce_key, "", why, sizeof(why));
		kr_auth_conf_free(&scratch);
		return rc == 1 ? 1 : 0;
	}
	rc = kr_auth_conf_set(
	    &p->cp_conf->conf_auth, ce->ce_key, ce->ce_value, why, sizeof(why));
	if (rc < 0)
		kr_conf_diag(p, ce->ce_line, 1, "%s", why);
	return rc > 0 ? 1 : 0;
}

/* Sorts each key of the file: krest/proxy keys are handled here, prefixed
 * ones are left to kr_conf_route(), the rest are warned about. */
static void
kr_conf_top(struct kr_conf_parser *p)
{
	const struct kr_conf_key *ck;
	struct kr_conf_ent *ce;
	size_t i, s;

	for (i = 0; i < p->cp_nents; i++) {
		ce = &p->cp_ents[i];
		if (kr_conf_key_is_secret(ce->ce_key) &&
		    ce->ce_value[0] != '\0' &&
		    (!kr_conf_has_suffix(ce->ce_key, "jaas.config") ||
		        strcasestr(ce->ce_value, "password") != NULL ||
		        strcasestr(ce->ce_value, "secret") != NULL ||
		        strcasestr(ce->ce_value, "token") != NULL))
			p->cp_conf->conf_secrets = 1;
		if (kr_conf_auth_key(p, ce) == 0)
			continue;
		ck = kr_conf_key_find(ce->ce_key);
		if (ck != NULL) {
			kr_conf_known(p, ck, ce);
			continue;
		}
		if (kr_conf_has_prefix(ce->ce_key, "client.")) {
			if (kr_conf_jkey_find(ce->ce_key) != NULL &&
			    kr_conf_jkey_find(ce->ce_key + 7) == NULL)
				kr_conf_unrouted(p, ce);
			continue;
		}
		for (s = 0; s < 3; s++)
			if (kr_conf_has_prefix(ce->ce_key, kr_conf_scopes[s]))
				break;
		if (s == 3)
			kr_conf_unrouted(p, ce);
	}
}

/* Settings that only make sense together (BASIC needs a password
 * file...), reported on the authentication.method line. */
static void
kr_conf_finish_auth(struct kr_conf_parser *p)
{
	struct kr_conf_ent *ce = kr_conf_ent_find(p, "authentication.method");
	char why[256];

	if (kr_auth_conf_check(&p->cp_conf->conf_auth, why, sizeof(why)) != 0)
		kr_conf_diag(
		    p, ce != NULL ? ce->ce_line : p->cp_lastline, 1, "%s", why);
}

/* https:// listeners need a certificate and key: PEM files or a PKCS#12
 * keystore. A Java JKS keystore gets the conversion command. */
static void
kr_conf_finish_tls(struct kr_conf_parser *p)
{
	const struct kr_conf *conf = p->cp_conf;
	struct kr_conf_ent *ce;
	size_t i;
	int https = 0;

	for (i = 0; i < conf->conf_nlisteners; i++)
		https |=
		    strcmp(conf->conf_listeners[i].ls_scheme, "https") == 0;
	ce = kr_conf_ent_find(p, "ssl.keystore.type");
	if (conf->conf_tls_keystore != NULL &&
	    (kr_conf_has_suffix(conf->conf_tls_keystore, ".jks") ||
	        (ce != NULL && strcasecmp(ce->ce_value, "JKS") == 0))) {
		ce = kr_conf_ent_find(p, "ssl.keystore.location");
		kr_conf_diag(p, ce != NULL ? ce->ce_line : p->cp_lastline, 1,
		    "ssl.keystore.location: a Java JKS keystore cannot be "
		    "read; "
		    "convert it with: keytool -importkeystore -srckeystore %s "
		    "-destkeystore krest.p12 -deststoretype PKCS12",
		    conf->conf_tls_keystore);
	}
	if (!https)
		return;
	if (conf->conf_tls_keystore == NULL &&
	    (conf->conf_tls_cert == NULL || conf->conf_tls_key == NULL)) {
		ce = kr_conf_ent_find(p, "listeners");
		kr_conf_diag(p, ce != NULL ? ce->ce_line : p->cp_lastline, 1,
		    "an https:// listener needs ssl.certificate.location and "
		    "ssl.key.location (PEM), or ssl.keystore.location "
		    "(PKCS#12)");
	}
}

/* Listener and bootstrap defaults and requirements. */
static void
kr_conf_finish(struct kr_conf_parser *p)
{
	struct kr_conf *conf = p->cp_conf;
	struct kr_conf_ent *ce;

	/* An empty listeners falls back to port, as in rest-utils. */
	if (kr_conf_api_listeners(conf) == 0)
		kr_conf_add_listener(conf, "http", "0.0.0.0", 7,
		    (uint16_t)(p->cp_port != 0 ? p->cp_port
		                               : KR_CONF_DEFAULT_PORT));
	else if (p->cp_port_line != 0)
		kr_conf_diag(p, p->cp_port_line, 0,
		    "port is ignored because listeners is set");
	if (p->cp_nentries == 0)
		kr_conf_diag(p,
		    p->cp_bootstrap_line != 0 ? p->cp_bootstrap_line
		                              : p->cp_lastline,
		    1,
		    "bootstrap.servers is required (a comma list of "
		    "host:port, or \"embedded\" for the demo cluster)");
	kr_conf_finish_auth(p);
	kr_conf_finish_tls(p);
	ce = kr_conf_ent_find(p, "produce.unknown.topic.ms");
	if (ce == NULL)
		ce = kr_conf_ent_find(p, "produce.timeout.ms");
	if (ce != NULL &&
	    conf->conf_unknown_topic_ms >= conf->conf_produce_timeout_ms)
		kr_conf_diag(p, ce->ce_line, 0,
		    "produce.unknown.topic.ms (%d) is not below "
		    "produce.timeout.ms (%d): a missing topic is answered "
		    "with a timeout, not 404",
		    conf->conf_unknown_topic_ms, conf->conf_produce_timeout_ms);
}

/* ---- public API ------------------------------------------------------- */

void
kr_conf_init(struct kr_conf *conf)
{
	const struct kr_conf_key *ck;
	char *base = (char *)conf;
	size_t i;

	memset(conf, 0, sizeof(*conf));
	for (i = 0; i < KR_NKEYS; i++) {
		ck = &kr_conf_keys[i];
		if (ck->ck_kind == KR_KEY_SIZE)
			*(size_t *)(void *)(base + ck->ck_off) =
			    (size_t)ck->ck_default;
		else if (ck->ck_kind == KR_KEY_INT ||
		         ck->ck_kind == KR_KEY_ENUM)
			*(int *)(void *)(base + ck->ck_off) =
			    (int)ck->ck_default;
	}
	kr_auth_conf_init(&conf->conf_auth);
	conf->conf_iam.iam_max_retries = 3;
	conf->conf_iam.iam_max_backoff_ms = 5000;
}

void
kr_conf_demo(struct kr_conf *conf)
{
	struct kr_conf_kvl l = {NULL, 0, 0};

	kr_conf_init(conf);
	kr_conf_add_listener(
	    conf, "http", "127.0.0.1", 9, KR_CONF_DEFAULT_PORT);
	conf->conf_bootstrap = kr_strdup("embedded");
	conf->conf_embedded = 1;
	kr_conf_producer_defaults(conf, &l);
	kr_conf_kvl_move(&l, &conf->conf_producer, &conf->conf_nproducer);
}

/* Orders the diagnostics from first on by line (stable), so that checks
 * made after the whole file was read still come out in file order. */
static void
kr_conf_sort_diags(struct kr_diags *d, size_t first)
{
	struct kr_diag t;
	size_t i, j;

	for (i = first + 1; i < d->d_count; i++) {
		t = d->d_list[i];
		for (j = i; j > first && d->d_list[j - 1].dg_line > t.dg_line;
		     j--)
			d->d_list[j] = d->d_list[j - 1];
		d->d_list[j] = t;
	}
}

int
kr_conf_parse(const char *buf, size_t len, const char *fname,
    struct kr_conf *conf, struct kr_diags *diags)
{
	struct kr_conf_parser p;
	size_t i, first = diags->d_count;
	int errors = diags->d_errors;

	memset(&p, 0, sizeof(p));
	p.cp_fname = fname != NULL ? fname : "(config)";
	p.cp_conf = conf;
	p.cp_diags = diags;
	p.cp_lastline = kr_conf_count_lines(buf, len);
	kr_conf_set_str(&conf->conf_file, p.cp_fname);
	kr_conf_lex(&p, buf, len);
	kr_conf_top(&p);
	kr_conf_route(&p);
	kr_conf_finish(&p);
	kr_conf_sort_diags(diags, first);
	for (i = 0; i < p.cp_nents; i++) {
		free(p.cp_ents[i].ce_key);
		kr_conf_free_str(p.cp_ents[i].ce_value);
	}
	free(p.cp_ents);
	return diags->d_errors > errors ? -1 : 0;
}

void
kr_conf_free(struct kr_conf *conf)
{
	size_t i;

	free(conf->conf_file);
	for (i = 0; i < conf->conf_nlisteners; i++) {
		free(conf->conf_listeners[i].ls_scheme);
		free(conf->conf_listeners[i].ls_host);
	}
	free(conf->conf_listeners);
	free(conf->conf_bootstrap);
	kr_conf_kv_free(conf->conf_producer, conf->conf_nproducer);
	kr_conf_kv_free(conf->conf_admin, conf->conf_nadmin);
	kr_conf_kv_free(conf->conf_consumer, conf->conf_nconsumer);
	kr_conf_iam_free(&conf->conf_iam);
	kr_auth_conf_free(&conf->conf_auth);
	kr_conf_free_str(conf->conf_tls_cert);
	kr_conf_free_str(conf->conf_tls_key);
	kr_conf_free_str(conf->conf_tls_keystore);
	kr_conf_free_str(conf->conf_tls_keystore_password);
	kr_conf_free_str(conf->conf_tls_key_password);
	kr_conf_init(conf);
}

int
kr_conf_key_is_secret(const char *key)
{
	static const char *const parts[] = {
	    "password",
	    "secret",
	    "jaas.config",
	    "oauthbearer.config",
	    "key.pem",
	    "keystore.key",
	    "user.info",
	    "session.token",
	    "ssl_key",
	};
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (strcasestr(key, parts[i]) != NULL)
			return 1;
	return 0;
}

static void
kr_conf_dump_kvs(
    struct kr_buf *out, const char *title, const struct kr_kv *v, size_t n)
{
	size_t i;

	kr_buf_printf(out, "%s:\n", title);
	for (i = 0; i < n; i++) {
		kr_buf_printf(out, "  %s=%s", v[i].kv_key,
		    kr_conf_key_is_secret(v[i].kv_key) ? "[redacted]"
		                                       : v[i].kv_value);
		if (v[i].kv_line > 0)
			kr_buf_printf(out, "  (line %d)\n", v[i].kv_line);
		else
			kr_buf_puts(out, "  (krest default)\n");
	}
}

static void
kr_conf_dump_opt(
    struct kr_buf *out, const char *name, const char *v, int secret)
{
	if (v != NULL)
		kr_buf_printf(
		    out, "  %s=%s\n", name, secret ? "[redacted]" : v);
}

void
kr_conf_dump(const struct kr_conf *conf, struct kr_buf *out)
{
	const struct kr_iam *iam = &conf->conf_iam;
	size_t i;

	kr_buf_printf(out, "file: %s\n",
	    conf->conf_file != NULL ? conf->conf_file : "(none: demo)");
	for (i = 0; i < conf->conf_nlisteners; i++)
		kr_buf_printf(out,
		    strchr(conf->conf_listeners[i].ls_host, ':') != NULL
		        ? "listener: %s://[%s]:%u\n"
		        : "listener: %s://%s:%u\n",
		    conf->conf_listeners[i].ls_scheme,
		    conf->conf_listeners[i].ls_host,
		    (unsigned)conf->conf_listeners[i].ls_port);
	kr_buf_printf(out, "bootstrap.servers: %s\n",
	    conf->conf_bootstrap != NULL ? conf->conf_bootstrap : "(none)");
	if (conf->conf_embedded)
		kr_buf_printf(
		    out, "embedded.brokers: %d\n", conf->conf_embedded_brokers);
	kr_buf_printf(out,
	    "max.request.bytes: %zu\nproduce.timeout.ms: %d\n"
	    "produce.response.status: %s\nproduce.unknown.topic.ms: %d\n"
	    "log.format: %s\nmax.connections: %d\n"
	    "max.inflight.bytes: %zu\nidle.timeout.ms: %d\n"
	    "shutdown.graceful.ms: %d\n",
	    conf->conf_max_request_bytes, conf->conf_produce_timeout_ms,
	    conf->conf_confluent_status ? "confluent" : "honest",
	    conf->conf_unknown_topic_ms, conf->conf_log_json ? "json" : "text",
	    conf->conf_max_connections, conf->conf_max_inflight_bytes,
	    conf->conf_idle_timeout_ms, conf->conf_shutdown_graceful_ms);
	kr_conf_dump_kvs(
	    out, "producer", conf->conf_producer, conf->conf_nproducer);
	kr_conf_dump_kvs(out, "admin", conf->conf_admin, conf->conf_nadmin);
	kr_conf_dump_kvs(
	    out, "consumer", conf->conf_consumer, conf->conf_nconsumer);
	kr_buf_printf(
	    out, "msk iam: %s\n", iam->iam_enabled ? "enabled" : "disabled");
	if (!iam->iam_enabled)
		return;
	kr_conf_dump_opt(out, "region", iam->iam_region, 0);
	kr_conf_dump_opt(out, "awsProfileName", iam->iam_profile, 0);
	kr_conf_dump_opt(out, "awsRoleArn", iam->iam_role_arn, 0);
	kr_conf_dump_opt(
	    out, "awsRoleSessionName", iam->iam_role_session_name, 0);
	kr_conf_dump_opt(out, "awsStsRegion", iam->iam_sts_region, 0);
	kr_conf_dump_opt(
	    out, "awsRoleExternalId", iam->iam_role_external_id, 0);
	kr_conf_dump_opt(
	    out, "awsRoleAccessKeyId", iam->iam_role_access_key_id, 0);
	kr_conf_dump_opt(
	    out, "awsRoleSecretAccessKey", iam->iam_role_secret_access_key, 1);
	kr_conf_dump_opt(
	    out, "awsRoleSessionToken", iam->iam_role_session_token, 1);
	kr_buf_printf(out,
	    "  awsDebugCreds=%s\n  awsMaxRetries=%d\n"
	    "  awsMaxBackOffTimeMs=%d\n",
	    iam->iam_debug_creds ? "true" : "false", iam->iam_max_retries,
	    iam->iam_max_backoff_ms);
}

int
kr_conf_has_secrets(const struct kr_conf *conf)
{
	size_t i;

	if (conf->conf_secrets || kr_auth_conf_has_secrets(&conf->conf_auth))
		return 1;
	for (i = 0; i < conf->conf_nproducer; i++)
		if (kr_conf_key_is_secret(conf->conf_producer[i].kv_key))
			return 1;
	for (i = 0; i < conf->conf_nadmin; i++)
		if (kr_conf_key_is_secret(conf->conf_admin[i].kv_key))
			return 1;
	for (i = 0; i < conf->conf_nconsumer; i++)
		if (kr_conf_key_is_secret(conf->conf_consumer[i].kv_key))
			return 1;
	return conf->conf_iam.iam_role_secret_access_key != NULL ||
	       conf->conf_iam.iam_role_session_token != NULL;
}
