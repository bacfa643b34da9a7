/* SPDX-License-Identifier: MIT */
/* Access control: configuration keys, the password file, HTTP Basic, the
 * shared-secret header, address and topic allowlists, CORS. */
#include <crypt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "kr_alloc.h"
#include "kr_auth.h"
#include "kr_b64.h"
#include "kr_buf.h"

#define KR_AUTH_REALM      "KafkaRest"
#define KR_CORS_METHODS    "GET,POST,HEAD"
#define KR_CORS_HEADERS    "X-Requested-With,Content-Type,Accept,Origin"
#define KR_CORS_MAX_AGE    "1800"
#define KR_AUTH_MAX_HEADER 4096 /* longest Authorization value parsed */
#define KR_AUTH_SECRET_MIN 16   /* shortest shared secret accepted */
#define KR_AUTH_SECRET_MAX 4096
#define KR_PASSWD_USER_MAX 256
#define KR_PASSWD_HASH_MAX 512

/* The MAC key only turns both sides of the compare into fixed-size
 * digests; it need not be secret (the compare is constant time). */
static const char kr_auth_mac_key[] = "krest shared-secret header v1";

/* Costs a real crypt when the user is unknown and the file is empty. */
static const char kr_auth_dummy_hash[] =
    "$y$j9T$8RVwn1QF7VK0RkjxmqpWZ/$WDmkVBoEaut9bAC7QUER/evv7Gfl/lYbFzceITALCz2";

static int kr_auth_err(char *errstr, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
kr_auth_err(char *errstr, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errstr != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(errstr, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static int
kr_is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* 1 if s has a byte that cannot go into an HTTP header value. */
static int
kr_has_ctl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 1;
	return 0;
}

/* 1 if s is a non-empty HTTP token (RFC 9110 tchar). */
static int
kr_is_token(const char *s)
{
	const char *extra = "!#$%&'*+-.^_`|~";
	unsigned char c;

	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || strchr(extra, c) != NULL))
			return 0;
	}
	return 1;
}

static void
kr_list_free(char ***list, size_t *n)
{
	size_t i;

	for (i = 0; i < *n; i++)
		free((*list)[i]);
	free(*list);
	*list = NULL;
	*n = 0;
}

/* Splits a comma list into trimmed, non-empty items. Returns a new array
 * (the caller frees it with kr_list_free()) and its length in *n. */
static char **
kr_list_split(const char *value, size_t *n)
{
	char **list = NULL;
	const char *p = value, *end, *b, *e;
	size_t count = 0;

	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		b = p;
		e = end;
		while (b < e && kr_is_space(*b))
			b++;
		while (e > b && kr_is_space(e[-1]))
			e--;
		if (e > b) {
			list = kr_realloc(list, (count + 1) * sizeof(*list));
			list[count++] = kr_strndup(b, (size_t)(e - b));
		}
		p = *end == ',' ? end + 1 : end;
	}
	*n = count;
	return list;
}

/* Joins items with ',' (Jetty's commify). Returns a new string. */
static char *
kr_list_join(char **list, size_t n)
{
	struct kr_buf b = KR_BUF_INIT;
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			kr_buf_putc(&b, ',');
		kr_buf_puts(&b, list[i]);
	}
	if (b.data == NULL)
		kr_buf_puts(&b, "");
	return kr_buf_detach(&b);
}

/* ---- configuration ------------------------------------------------- */

void
kr_auth_conf_init(struct kr_auth_conf *ac)
{
	memset(ac, 0, sizeof(*ac));
	ac->ac_method = KR_AUTH_NONE;
	snprintf(ac->ac_max_age, sizeof(ac->ac_max_age), "%s", KR_CORS_MAX_AGE);
}

static void
kr_auth_secret_clear(struct kr_auth_conf *ac)
{
	if (ac->ac_header_secret != NULL)
		kr_free_secret(ac->ac_header_secret, ac->ac_header_secret_len);
	ac->ac_header_secret = NULL;
	ac->ac_header_secret_len = 0;
	explicit_bzero(ac->ac_header_mac, sizeof(ac->ac_header_mac));
}

void
kr_auth_conf_free(struct kr_auth_conf *ac)
{
	free(ac->ac_realm);
	free(ac->ac_password_file);
	free(ac->ac_header_name);
	kr_auth_secret_clear(ac);
	kr_list_free(&ac->ac_skip_paths, &ac->ac_nskip_paths);
	free(ac->ac_allow);
	free(ac->ac_proxies);
	kr_list_free(&ac->ac_topics, &ac->ac_ntopics);
	kr_list_free(&ac->ac_origins, &ac->ac_norigins);
	free(ac->ac_allow_methods);
	free(ac->ac_allow_headers);
	free(ac->ac_expose_headers);
	kr_auth_conf_init(ac);
}

static void
kr_replace(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

static int
kr_set_method(
    struct kr_auth_conf *ac, const char *value, char *errstr, size_t errlen)
{
	if (strcasecmp(value, "NONE") == 0 || value[0] == '\0')
		ac->ac_method = KR_AUTH_NONE;
	else if (strcasecmp(value, "BASIC") == 0)
		ac->ac_method = KR_AUTH_BASIC;
	else if (strcasecmp(value, "BEARER") == 0)
		return kr_auth_err(errstr, errlen,
		    "authentication.method=BEARER is not supported; use BASIC "
		    "with authentication.password.file, or "
		    "authentication.header.name/secret");
	else
		return kr_auth_err(errstr, errlen,
		    "authentication.method must be NONE or BASIC");
	return 0;
}

static int
kr_set_realm(
    struct kr_auth_conf *ac, const char *value, char *errstr, size_t errlen)
{
	if (value[0] == '\0' || kr_has_ctl(value) ||
	    strpbrk(value, "\"\\") != NULL)
		return kr_auth_err(errstr, errlen,
		    "authentication.realm must be non-empty, without quotes, "
		    "backslashes or control characters");
	kr_replace(&ac->ac_realm, kr_strdup(value));
	return 0;
}

static int
kr_set_password_file(
    struct kr_auth_conf *ac, const char *value, char *errstr, size_t errlen)
{
	if (value[0] == '\0') {
		kr_replace(&ac->ac_password_file, NULL);
		return 0;
	}
	if (kr_has_ctl(value))
		return kr_auth_err(errstr, errlen,
		    "authentication.password.file: control character in path");
	kr_replace(&ac->ac_password_file, kr_strdup(value));
	return 0;
}

static int
kr_set_header_name(
    struct kr_auth_conf *ac, const char *value, char *errstr, size_t errlen)
{
	if (value[0] == '\0') {
		kr_replace(&ac->ac_header_name, NULL);
		return 0;
	}
	if (!kr_is_token(value))
		return kr_auth_err(errstr, errlen,
		    "authentication.header.name is not a valid HTTP header "
		    "name");
	if (strcasecmp(value, "Authorization") == 0 ||
	    strcasecmp(value, "Host") == 0 ||
	    strcasecmp(value, "X-Forwarded-For") == 0)
		return kr_auth_err(errstr, errlen,
		    "authentication.header.name must be a header of its own "
		    "(e.g. X-Krest-Secret), not %s",
		    value);
	kr_replace(&ac->ac_header_name, kr_strdup(value));
	return 0;
}

static void
kr_mac(const void *data, size_t len, unsigned char out[32])
{
	unsigned int outlen = 32;

	/* HMAC() only fails on an unusable digest, which EVP_sha256 is not;
	 * a zeroed digest would then match nothing real. */
	if (HMAC(EVP_sha256(), kr_auth_mac_key,
	        (int)(sizeof(kr_auth_mac_key) - 1), data, len, out,
	        &outlen) == NULL)
		memset(out, 0, 32);
}

static int
kr_set_header_secret(
    struct kr_auth_conf *ac, const char *value, char *errstr, size_t errlen)
{
	size_t len = strlen(value);

	if (len == 0) {
		kr_auth_secret_clear(ac);
		return 0;
	}
	if (len < KR_AUTH_SECRET_MIN || len > KR_AUTH_SECRET_MAX)
		return kr_auth_err(errstr, errlen,
		    "authentication.header.secret must be %d to %d characters "
		    "long (e.g. openssl rand -hex 32)",
		    KR_AUTH_SECRET_MIN, KR_AUTH_SECRET_MAX);
	if (kr_has_ctl(value) || kr_is_space(value[0]) ||
	    kr_is_space(value[len - 1]))
		return kr_auth_err(errstr, errlen,
		    "authentication.header.secret holds control characters or "
		    "surrounding blanks, which HTTP cannot carry");
	kr_auth_secret_clear(ac);
	ac->ac_header_secret = kr_strdup(value);
	ac->ac_header_secret_len = len;
	kr_mac(value, len, ac->ac_header_mac);
	return 0;
}

static int
kr_set_skip_paths(
    struct kr_auth_conf *ac, const char *value, char *errstr, size_t errlen)
{
	char **list;
	size_t n, i;

	list = kr_list_split(value, &n);
	for (i = 0; i < n; i++) {
		if (list[i][0] != '/' || kr_has_ctl(list[i])) {
			kr_auth_err(errstr, errlen,
			    "authentication.skip.paths: '%s' does not start "
			    "with '/'",
			    list[i]);
			kr_list_free(&list, &n);
			return -1;
		}
	}
	kr_list_free(&ac->ac_skip_paths, &ac->ac_nskip_paths);
	ac->ac_skip_paths = list;
	ac->ac_nskip_paths = n;
	return 0;
}

/* Parses a CIDR comma list for key. */
static int
kr_set_cidrs(const char *key, const char *value, struct kr_cidr **dst,
    size_t *ndst, char *errstr, size_t errlen)
{
	struct kr_cidr *cd = NULL;
	char **list;
	size_t n, i;
	int rc = 0;

	list = kr_list_split(value, &n);
	if (n > 0)
		cd = kr_calloc(n, sizeof(*cd));
	for (i = 0; i < n; i++) {
		if (kr_cidr_parse(list[i], strlen(list[i]), &cd[i]) != 0) {
			rc = kr_auth_err(errstr, errlen,
			    "%s: '%.64s' is not an address or CIDR block "
			    "(a.b.c.d/n or x:x::x/n)",
			    key, list[i]);
			free(cd);
			goto done;
		}
	}
	free(*dst);
	*dst = cd;
	*ndst = n;
done:
	kr_list_free(&list, &n);
	return rc;
}

static int
kr_set_topics(
    struct kr_auth_conf *ac, const char *value, char *errstr, size_t errlen)
{
	char **list;
	size_t n, i;
	const char *p;

	list = kr_list_split(value, &n);
	for (i = 0; i < n; i++) {
		for (p = list[i]; *p != '\0'; p++) {
			if (strchr("abcdefghijklmnopqrstuvwxyz"
			           "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-*?",
			        *p) == NULL) {
				kr_auth_err(errstr, errlen,
				    "topic.allowlist: '%.64s' holds a "
				    "character no topic name has (allowed: "
				    "a-z A-Z 0-9 . _ - and the wildcards * ?)",
				    list[i]);
				kr_list_free(&list, &n);
				return -1;
			}
		}
	}
	kr_list_free(&ac->ac_topics, &ac->ac_ntopics);
	ac->ac_topics = list;
	ac->ac_ntopics = n;
	return 0;
}

static int
kr_set_origins(
    struct kr_auth_conf *ac, const char *value, char *errstr, size_t errlen)
{
	char **list;
	size_t n = 0, i;

	if (kr_has_ctl(value))
		return kr_auth_err(errstr, errlen,
		    "access.control.allow.origin: control character in value");
	list = kr_list_split(value, &n);
	kr_list_free(&ac->ac_origins, &ac->ac_norigins);
	ac->ac_origins = list;
	ac->ac_norigins = n;
	ac->ac_any_origin = 0;
	for (i = 0; i < n; i++)
		if (strcmp(list[i], "*") == 0)
			ac->ac_any_origin = 1;
	return 0;
}

/* access.control.allow.methods / .headers / .expose.headers: the list
 * joined without blanks; empty restores the default (NULL). */
static int
kr_set_cors_value(const char *key, const char *value, char **dst, int *any,
    char *errstr, size_t errlen)
{
	char **list;
	size_t n = 0, i;

	if (kr_has_ctl(value))
		return kr_auth_err(
		    errstr, errlen, "%s: control character in value", key);
	list = kr_list_split(value, &n);
	if (any != NULL)
		*any = 0;
	if (n == 0) {
		kr_replace(dst, NULL);
	} else {
		for (i = 0; any != NULL && i < n; i++)
			if (strcmp(list[i], "*") == 0)
				*any = 1;
		kr_replace(dst, kr_list_join(list, n));
	}
	kr_list_free(&list, &n);
	return 0;
}

static int
kr_set_max_age(
    struct kr_auth_conf *ac, const char *value, char *errstr, size_t errlen)
{
	char *end;
	long long v;

	if (value[0] == '\0') {
		snprintf(ac->ac_max_age, sizeof(ac->ac_max_age), "%s",
		    KR_CORS_MAX_AGE);
		return 0;
	}
	if (value[0] < '0' || value[0] > '9')
		goto bad;
	v = strtoll(value, &end, 10);
	if (*end != '\0' || v < 0 || v > 2147483647)
		goto bad;
	/* Jetty sends no Access-Control-Max-Age when it is 0. */
	if (v == 0)
		ac->ac_max_age[0] = '\0';
	else
		snprintf(ac->ac_max_age, sizeof(ac->ac_max_age), "%lld", v);
	return 0;
bad:
	return kr_auth_err(errstr, errlen,
	    "access.control.max.age must be seconds, 0 to 2147483647");
}

int
kr_auth_conf_set(struct kr_auth_conf *ac, const char *key, const char *value,
    char *errstr, size_t errlen)
{
	if (strcmp(key, "authentication.method") == 0)
		return kr_set_method(ac, value, errstr, errlen);
	if (strcmp(key, "authentication.realm") == 0)
		return kr_set_realm(ac, value, errstr, errlen);
	if (strcmp(key, "authentication.password.file") == 0)
		return kr_set_password_file(ac, value, errstr, errlen);
	if (strcmp(key, "authentication.header.name") == 0)
		return kr_set_header_name(ac, value, errstr, errlen);
	if (strcmp(key, "authentication.header.secret") == 0)
		return kr_set_header_secret(ac, value, errstr, errlen);
	if (strcmp(key, "authentication.skip.paths") == 0)
		return kr_set_skip_paths(ac, value, errstr, errlen);
	if (strcmp(key, "allow.client.addresses") == 0)
		return kr_set_cidrs(
		    key, value, &ac->ac_allow, &ac->ac_nallow, errstr, errlen);
	if (strcmp(key, "trusted.proxies") == 0)
		return kr_set_cidrs(key, value, &ac->ac_proxies,
		    &ac->ac_nproxies, errstr, errlen);
	if (strcmp(key, "topic.allowlist") == 0)
		return kr_set_topics(ac, value, errstr, errlen);
	if (strcmp(key, "access.control.allow.origin") == 0)
		return kr_set_origins(ac, value, errstr, errlen);
	if (strcmp(key, "access.control.allow.methods") == 0)
		return kr_set_cors_value(
		    key, value, &ac->ac_allow_methods, NULL, errstr, errlen);
	if (strcmp(key, "access.control.allow.headers") == 0)
		return kr_set_cors_value(key, value, &ac->ac_allow_headers,
		    &ac->ac_any_header, errstr, errlen);
	if (strcmp(key, "access.control.expose.headers") == 0)
		return kr_set_cors_value(
		    key, value, &ac->ac_expose_headers, NULL, errstr, errlen);
	if (strcmp(key, "access.control.max.age") == 0)
		return kr_set_max_age(ac, value, errstr, errlen);
	return 1;
}

int
kr_auth_conf_check(const struct kr_auth_conf *ac, char *errstr, size_t errlen)
{
	if (ac->ac_method == KR_AUTH_BASIC && ac->ac_password_file == NULL)
		return kr_auth_err(errstr, errlen,
		    "authentication.method=BASIC needs "
		    "authentication.password.file (lines user:hash)");
	if (ac->ac_header_name != NULL && ac->ac_header_secret == NULL)
		return kr_auth_err(errstr, errlen,
		    "authentication.header.name is set but "
		    "authentication.header.secret is not");
	if (ac->ac_header_name == NULL && ac->ac_header_secret != NULL)
		return kr_auth_err(errstr, errlen,
		    "authentication.header.secret is set but "
		    "authentication.header.name is not");
	return 0;
}

int
kr_auth_conf_has_secrets(const struct kr_auth_conf *ac)
{
	return ac->ac_header_secret != NULL;
}

int
kr_auth_conf_needs_auth(const struct kr_auth_conf *ac)
{
	return ac->ac_method == KR_AUTH_BASIC || ac->ac_header_name != NULL;
}

int
kr_auth_skip_path(const struct kr_auth_conf *ac, const char *path)
{
	const char *sp;
	size_t i, n;

	for (i = 0; i < ac->ac_nskip_paths; i++) {
		sp = ac->ac_skip_paths[i];
		n = strlen(sp);
		if (strcmp(sp, path) == 0)
			return 1;
		/* "/a/ *": "/a" itself and everything below it. */
		if (n >= 2 && sp[n - 2] == '/' && sp[n - 1] == '*' &&
		    strncmp(sp, path, n - 2) == 0 &&
		    (path[n - 2] == '\0' || path[n - 2] == '/'))
			return 1;
	}
	return 0;
}

/* ---- password file ------------------------------------------------- */

void
kr_passwd_init(struct kr_passwd *pw)
{
	pw->pw_list = NULL;
	pw->pw_count = 0;
}

void
kr_passwd_free(struct kr_passwd *pw)
{
	size_t i;

	for (i = 0; i < pw->pw_count; i++) {
		free(pw->pw_list[i].pe_user);
		kr_free_secret(
		    pw->pw_list[i].pe_hash, strlen(pw->pw_list[i].pe_hash));
	}
	free(pw->pw_list);
	kr_passwd_init(pw);
}

static int
kr_crypt_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '/';
}

/* Checks the shape of a hash of len bytes: a known salted prefix and the
 * crypt alphabet. Returns NULL or a reason (static). */
static const char *
kr_hash_check(const char *h, size_t len)
{
	static const char *const good[] = {
	    "$y$", "$gy$", "$7$", "$2b$", "$2y$", "$6$", "$5$"};
	size_t i, plen = 0, fields = 0;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (len > strlen(good[i]) &&
		    strncmp(h, good[i], strlen(good[i])) == 0)
			plen = strlen(good[i]);
	if (plen == 0) {
		if (h[0] == '$' || h[0] == '{')
			return "this hash format is weak or unknown "
			       "(MD5, SHA-1, DES); make a yescrypt hash with "
			       "`mkpasswd -m yescrypt` (Debian package whois) "
			       "or a bcrypt one with `htpasswd -B`";
		return "plain-text passwords are refused; make a hash with "
		       "`mkpasswd -m yescrypt` (Debian package whois) or "
		       "`htpasswd -B`";
	}
	for (i = plen; i < len; i++) {
		if (h[i] == '$')
			fields++;
		else if (!kr_crypt_char(h[i]) && h[i] != '=' && h[i] != ',')
			return "malformed hash (unexpected character)";
	}
	/* bcrypt: $2b$NN$ then 53 characters of salt and hash. */
	if (h[1] == '2' && (len != 60 || h[4] < '0' || h[4] > '3' ||
	                       h[5] < '0' || h[5] > '9' || h[6] != '$'))
		return "malformed bcrypt hash";
	if (fields == 0 || h[len - 1] == '$')
		return "malformed hash (no salt or no hash field)";
	return NULL;
}

static void
kr_passwd_add(struct kr_passwd *pw, const char *user, size_t ulen,
    const char *hash, size_t hlen)
{
	struct kr_passwd_entry *pe;

	pw->pw_list =
	    kr_realloc(pw->pw_list, (pw->pw_count + 1) * sizeof(*pw->pw_list));
	pe = &pw->pw_list[pw->pw_count++];
	pe->pe_user = kr_strndup(user, ulen);
	pe->pe_hash = kr_strndup(hash, hlen);
}

static int
kr_passwd_has(const struct kr_passwd *pw, const char *user, size_t ulen)
{
	size_t i;

	for (i = 0; i < pw->pw_count; i++)
		if (strlen(pw->pw_list[i].pe_user) == ulen &&
		    memcmp(pw->pw_list[i].pe_user, user, ulen) == 0)
			return 1;
	return 0;
}

/* One line without its end of line. Returns 0 or -1 with errstr. */
static int
kr_passwd_line(struct kr_passwd *pw, const char *b, const char *e,
    size_t lineno, char *errstr, size_t errlen)
{
	const char *colon, *p, *why;

	while (b < e && kr_is_space(*b))
		b++;
	while (e > b && (kr_is_space(e[-1]) || e[-1] == '\r'))
		e--;
	if (b == e || *b == '#')
		return 0;
	colon = memchr(b, ':', (size_t)(e - b));
	if (colon == NULL)
		return kr_auth_err(errstr, errlen,
		    "line %zu: no ':' (want user:hash)", lineno);
	if (colon == b || colon - b > KR_PASSWD_USER_MAX)
		return kr_auth_err(errstr, errlen,
		    "line %zu: the user name must be 1 to %d bytes", lineno,
		    KR_PASSWD_USER_MAX);
	for (p = b; p < colon; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p == 0x7f)
			return kr_auth_err(errstr, errlen,
			    "line %zu: blank or control character in the "
			    "user name",
			    lineno);
	if (e - colon - 1 > KR_PASSWD_HASH_MAX)
		return kr_auth_err(
		    errstr, errlen, "line %zu: hash too long", lineno);
	why = kr_hash_check(colon + 1, (size_t)(e - colon - 1));
	if (why != NULL)
		return kr_auth_err(errstr, errlen, "line %zu: %s", lineno, why);
	if (kr_passwd_has(pw, b, (size_t)(colon - b)))
		return kr_auth_err(errstr, errlen,
		    "line %zu: user '%.*s' is listed twice", lineno,
		    (int)(colon - b), b);
	kr_passwd_add(
	    pw, b, (size_t)(colon - b), colon + 1, (size_t)(e - colon - 1));
	return 0;
}

int
kr_passwd_parse(const char *buf, size_t len, struct kr_passwd *pw, char *errstr,
    size_t errlen)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t lineno = 0;

	if (memchr(buf, '\0', len) != NULL)
		return kr_auth_err(errstr, errlen, "the file holds a NUL byte");
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (kr_passwd_line(pw, p, nl, lineno, errstr, errlen) != 0) {
			kr_passwd_free(pw);
			return -1;
		}
		p = nl < end ? nl + 1 : end;
	}
	return 0;
}

/* ---- HTTP Basic ---------------------------------------------------- */

/* Finds the base64 token of "Basic <token>" in h (NUL-terminated, at
 * most KR_AUTH_MAX_HEADER bytes). Returns its start and length in *len,
 * or NULL. */
static const char *
kr_basic_token(const char *h, size_t *len)
{
	const char *b, *e;

	if (strnlen(h, KR_AUTH_MAX_HEADER + 1) > KR_AUTH_MAX_HEADER)
		return NULL;
	if (strncasecmp(h, "Basic", 5) != 0 || h[5] != ' ')
		return NULL;
	b = h + 6;
	while (*b == ' ')
		b++;
	e = b + strlen(b);
	while (e > b && kr_is_space(e[-1]))
		e--;
	if (e == b)
		return NULL;
	*len = (size_t)(e - b);
	return b;
}

/* Index of user in pw, or pw_count. Looks at every entry, so that the
 * time does not depend on where (or whether) the name is found. */
static size_t
kr_passwd_find(const struct kr_passwd *pw, const char *user, size_t ulen)
{
	size_t i, found = pw->pw_count;

	for (i = 0; i < pw->pw_count; i++)
		if (strlen(pw->pw_list[i].pe_user) == ulen &&
		    CRYPTO_memcmp(pw->pw_list[i].pe_user, user, ulen) == 0)
			found = i;
	return found;
}

/* Runs crypt_r(pass, hash) and compares with hash in constant time. */
static int
kr_crypt_ok(const char *pass, const char *hash)
{
	struct crypt_data *cd = kr_calloc(1, sizeof(*cd));
	const char *out;
	size_t hlen = strlen(hash);
	int ok;

	out = crypt_r(pass, hash, cd);
	/* libxcrypt answers a failure with "*0"/"*1" (or NULL), which can
	 * never equal a well-formed hash. */
	ok = out != NULL && out[0] != '*' && strlen(out) == hlen &&
	     CRYPTO_memcmp(out, hash, hlen) == 0;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

int
kr_auth_basic_user(const struct kr_auth_conf *ac, const struct kr_passwd *pw,
    const char *authorization_header, char *user_out, size_t user_len)
{
	struct kr_buf cred = KR_BUF_INIT;
	const char *tok, *hash, *colon;
	size_t toklen = 0, ulen, idx;
	int ok = 0;

	(void)ac;
	if (user_out != NULL && user_len > 0)
		user_out[0] = '\0';
	if (authorization_header == NULL || pw == NULL)
		return 0;
	tok = kr_basic_token(authorization_header, &toklen);
	if (tok == NULL || kr_b64_decode(tok, toklen, &cred) != 0)
		goto done;
	colon = memchr(cred.data, ':', cred.len);
	if (colon == NULL || colon == cred.data ||
	    memchr(cred.data, '\0', cred.len) != NULL)
		goto done;
	ulen = (size_t)(colon - cred.data);
	cred.data[ulen] = '\0';
	idx = kr_passwd_find(pw, cred.data, ulen);
	/* An unknown name still costs one crypt, against a hash of the same
	 * kind as the real ones, so that timing does not tell names apart. */
	if (idx < pw->pw_count)
		hash = pw->pw_list[idx].pe_hash;
	else if (pw->pw_count > 0)
		hash = pw->pw_list[0].pe_hash;
	else
		hash = kr_auth_dummy_hash;
	ok = kr_crypt_ok(cred.data + ulen + 1, hash) && idx < pw->pw_count;
	if (ok && user_out != NULL && user_len > 0)
		snprintf(user_out, user_len, "%s", cred.data);
done:
	if (cred.data != NULL)
		explicit_bzero(cred.data, cred.cap);
	kr_buf_free(&cred);
	return ok;
}

int
kr_auth_basic(const struct kr_auth_conf *ac, const struct kr_passwd *pw,
    const char *authorization_header)
{
	return kr_auth_basic_user(ac, pw, authorization_header, NULL, 0);
}

void
kr_auth_cache_init(struct kr_auth_cache *cache, const uint8_t key[32])
{
	memset(cache, 0, sizeof(*cache));
	memcpy(cache->ac_key, key, sizeof(cache->ac_key));
	cache->ac_burst = 1;
}

void
kr_auth_cache_clear(struct kr_auth_cache *cache)
{
	explicit_bzero(cache->ac_entries, sizeof(cache->ac_entries));
	cache->ac_next = 0;
}

void
kr_auth_cache_budget(
    struct kr_auth_cache *cache, int64_t per_second, int64_t burst)
{
	cache->ac_rate = per_second > 0 ? per_second : 0;
	cache->ac_burst = burst > 0 ? burst : 1;
	cache->ac_tokens_milli = cache->ac_burst * 1000;
	cache->ac_last_ms = 0;
}

/* Takes one crypt from the bucket. Returns 1, or 0 when it is empty. */
static int
kr_cache_take(struct kr_auth_cache *cache, int64_t now_ms)
{
	int64_t cap, dt;

	if (cache->ac_rate == 0)
		return 1;
	cap = cache->ac_burst * 1000;
	dt = now_ms - cache->ac_last_ms;
	if (cache->ac_last_ms == 0 || dt < 0 || dt > 1000000)
		cache->ac_tokens_milli = cap;
	else
		cache->ac_tokens_milli += dt * cache->ac_rate;
	if (cache->ac_tokens_milli > cap)
		cache->ac_tokens_milli = cap;
	cache->ac_last_ms = now_ms;
	if (cache->ac_tokens_milli < 1000) {
		cache->ac_throttled++;
		return 0;
	}
	cache->ac_tokens_milli -= 1000;
	return 1;
}

static void
kr_cache_mac(
    const struct kr_auth_cache *cache, const char *value, unsigned char out[32])
{
	unsigned int outlen = 32;

	if (HMAC(EVP_sha256(), cache->ac_key, (int)sizeof(cache->ac_key),
	        (const unsigned char *)value, strlen(value), out,
	        &outlen) == NULL)
		memset(out, 0, 32);
}

int
kr_auth_basic_cached(const struct kr_auth_conf *ac, const struct kr_passwd *pw,
    struct kr_auth_cache *cache, const char *authorization_header,
    int64_t now_ms, int64_t ttl_ms, char *user_out, size_t user_len)
{
	struct kr_auth_cache_entry *ce, *hit = NULL;
	unsigned char mac[32];
	char user[sizeof(ce->ce_user)];
	size_t i;
	int ok;

	if (user_out != NULL && user_len > 0)
		user_out[0] = '\0';
	if (authorization_header == NULL || pw == NULL ||
	    strnlen(authorization_header, KR_AUTH_MAX_HEADER + 1) >
	        KR_AUTH_MAX_HEADER)
		return 0;
	kr_cache_mac(cache, authorization_header, mac);
	/* Every slot is compared, so the time does not tell which one. */
	for (i = 0; i < KR_AUTH_CACHE_SIZE; i++) {
		ce = &cache->ac_entries[i];
		if (CRYPTO_memcmp(ce->ce_mac, mac, sizeof(mac)) == 0 &&
		    ce->ce_expires_ms > now_ms)
			hit = ce;
	}
	if (hit != NULL) {
		if (user_out != NULL && user_len > 0)
			snprintf(user_out, user_len, "%s", hit->ce_user);
		explicit_bzero(mac, sizeof(mac));
		return 1;
	}
	if (!kr_cache_take(cache, now_ms)) {
		explicit_bzero(mac, sizeof(mac));
		return 0;
	}
	ok = kr_auth_basic_user(
	    ac, pw, authorization_header, user, sizeof(user));
	if (ok && ttl_ms > 0) {
		ce = &cache->ac_entries[cache->ac_next];
		cache->ac_next = (cache->ac_next + 1) % KR_AUTH_CACHE_SIZE;
		memcpy(ce->ce_mac, mac, sizeof(mac));
		ce->ce_expires_ms = now_ms + ttl_ms;
		snprintf(ce->ce_user, sizeof(ce->ce_user), "%s", user);
	}
	if (ok && user_out != NULL && user_len > 0)
		snprintf(user_out, user_len, "%s", user);
	explicit_bzero(mac, sizeof(mac));
	return ok;
}

int
kr_auth_header_ok(const struct kr_auth_conf *ac, const char *value)
{
	unsigned char mac[32];
	int ok;

	if (ac->ac_header_name == NULL)
		return 1;
	if (value == NULL || ac->ac_header_secret == NULL)
		return 0;
	kr_mac(value, strlen(value), mac);
	ok = CRYPTO_memcmp(mac, ac->ac_header_mac, sizeof(mac)) == 0;
	explicit_bzero(mac, sizeof(mac));
	return ok;
}

const char *
kr_auth_www_authenticate(const struct kr_auth_conf *ac, char *buf, size_t len)
{
	if (len == 0)
		return "";
	buf[0] = '\0';
	if (ac->ac_method == KR_AUTH_BASIC)
		snprintf(buf, len, "Basic realm=\"%s\"",
		    ac->ac_realm != NULL ? ac->ac_realm : KR_AUTH_REALM);
	return buf;
}

/* ---- addresses ----------------------------------------------------- */

/* Strict dotted quad of exactly len bytes: four decimal parts 0..255,
 * no leading zeros (which some parsers read as octal). */
static int
kr_ip4_parse(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0, part = 0, digits = 0;
	unsigned v = 0;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (digits == 0 || part > 3)
				return -1;
			out[part++] = (uint8_t)v;
			v = 0;
			digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			if (digits > 0 && v == 0)
				return -1;
			v = v * 10 + (unsigned)(s[i] - '0');
			if (++digits > 3 || v > 255)
				return -1;
		} else {
			return -1;
		}
	}
	return part == 4 ? 0 : -1;
}

/* RFC 4291 text form of exactly len bytes: groups of 1-4 hex digits, one
 * "::", an optional dotted quad at the end. */
static int
kr_ip6_parse(const char *s, size_t len, uint8_t out[16])
{
	uint8_t a[16];
	size_t i = 0, n = 0, gap = 16, start, k;
	unsigned v;
	int hv, digits;

	memset(a, 0, sizeof(a));
	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (len >= 1 && s[0] == ':') {
		return -1;
	}
	while (i < len) {
		start = i;
		v = 0;
		digits = 0;
		while (i < len && (hv = kr_hex_digit(s[i])) >= 0) {
			v = v * 16 + (unsigned)hv;
			if (++digits > 4)
				return -1;
			i++;
		}
		if (i < len && s[i] == '.') {
			/* The last 32 bits as a dotted quad. */
			if (n > 12 ||
			    kr_ip4_parse(s + start, len - start, a + n) != 0)
				return -1;
			n += 4;
			i = len;
			break;
		}
		if (digits == 0 || n > 14)
			return -1;
		a[n++] = (uint8_t)(v >> 8);
		a[n++] = (uint8_t)(v & 0xff);
		if (i == len)
			break;
		if (s[i] != ':')
			return -1;
		i++;
		if (i < len && s[i] == ':') {
			if (gap != 16)
				return -1;
			gap = n;
			i++;
		} else if (i == len) {
			return -1;
		}
	}
	if (gap == 16) {
		if (n != 16)
			return -1;
	} else {
		if (n > 14)
			return -1;
		/* Move what followed "::" to the end. */
		k = n - gap;
		memmove(a + 16 - k, a + gap, k);
		memset(a + gap, 0, 16 - k - gap);
	}
	memcpy(out, a, 16);
	return 0;
}

static void
kr_ip4_map(const uint8_t v4[4], uint8_t out[16])
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

/* An address without brackets or port: IPv4 or IPv6. Returns 4 for IPv4,
 * 6 for IPv6, -1 when it is neither. */
static int
kr_ip_parse_bare(const char *s, size_t len, uint8_t out[16])
{
	uint8_t v4[4];

	if (len == 0 || len > 45)
		return -1;
	if (memchr(s, ':', len) != NULL)
		return kr_ip6_parse(s, len, out) == 0 ? 6 : -1;
	if (kr_ip4_parse(s, len, v4) != 0)
		return -1;
	kr_ip4_map(v4, out);
	return 4;
}

static int
kr_port_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 5)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
kr_ip_parse(const char *s, size_t len, uint8_t out[16])
{
	const char *rb, *colon;

	if (len > 0 && s[0] == '[') {
		rb = memchr(s, ']', len);
		if (rb == NULL)
			return -1;
		if ((size_t)(rb - s) + 1 < len &&
		    (rb[1] != ':' ||
		        !kr_port_ok(rb + 2, len - (size_t)(rb - s) - 2)))
			return -1;
		return kr_ip6_parse(s + 1, (size_t)(rb - s) - 1, out);
	}
	/* "a.b.c.d:port": one colon and a dot before it. */
	colon = memchr(s, ':', len);
	if (colon != NULL &&
	    memchr(colon + 1, ':', len - (size_t)(colon - s) - 1) == NULL) {
		if (!kr_port_ok(colon + 1, len - (size_t)(colon - s) - 1))
			return -1;
		len = (size_t)(colon - s);
		if (memchr(s, ':', len) != NULL || memchr(s, '.', len) == NULL)
			return -1;
	}
	return kr_ip_parse_bare(s, len, out) < 0 ? -1 : 0;
}

int
kr_cidr_parse(const char *s, size_t len, struct kr_cidr *out)
{
	const char *slash = memchr(s, '/', len);
	size_t alen = slash != NULL ? (size_t)(slash - s) : len, i;
	unsigned bits = 0, max;
	int fam;

	memset(out, 0, sizeof(*out));
	fam = kr_ip_parse_bare(s, alen, out->cd_addr);
	if (fam < 0)
		return -1;
	max = fam == 4 ? 32 : 128;
	if (slash == NULL) {
		bits = max;
	} else {
		if (alen + 1 == len || alen + 4 < len ||
		    (slash[1] == '0' && alen + 2 != len))
			return -1;
		for (i = alen + 1; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -1;
			bits = bits * 10 + (unsigned)(s[i] - '0');
		}
		if (bits > max)
			return -1;
	}
	out->cd_bits = fam == 4 ? bits + 96 : bits;
	for (i = 0; i < 16; i++) {
		if (out->cd_bits >= (i + 1) * 8)
			continue;
		if (out->cd_bits <= i * 8)
			out->cd_addr[i] = 0;
		else
			out->cd_addr[i] &=
			    (uint8_t)(0xff << (8 - (out->cd_bits - i * 8)));
	}
	return 0;
}

int
kr_cidr_match(const struct kr_cidr *cd, const uint8_t addr[16])
{
	unsigned full = cd->cd_bits / 8, rest = cd->cd_bits % 8;
	uint8_t mask;

	if (memcmp(cd->cd_addr, addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (addr[full] & mask) == cd->cd_addr[full];
}

static int
kr_cidrs_match(const struct kr_cidr *list, size_t n, const uint8_t addr[16])
{
	size_t i;

	for (i = 0; i < n; i++)
		if (kr_cidr_match(&list[i], addr))
			return 1;
	return 0;
}

/* The rightmost X-Forwarded-For entry not in trusted.proxies (or the
 * leftmost), into addr and (as text) client. Returns 0, or -1 when an
 * entry met on the way is not an address. */
static int
kr_xff_client(const struct kr_auth_conf *ac, const char *xff, uint8_t addr[16],
    char *client, size_t len)
{
	const char *end = xff + strlen(xff), *b, *e, *comma;

	for (;;) {
		comma = end;
		while (comma > xff && comma[-1] != ',')
			comma--;
		b = comma;
		e = end;
		while (b < e && kr_is_space(*b))
			b++;
		while (e > b && kr_is_space(e[-1]))
			e--;
		if (kr_ip_parse(b, (size_t)(e - b), addr) != 0)
			return -1;
		if (len > 0)
			snprintf(client, len, "%.*s", (int)(e - b), b);
		/* A hop we do not trust told us this; stop believing here. */
		if (!kr_cidrs_match(ac->ac_proxies, ac->ac_nproxies, addr))
			return 0;
		if (comma == xff)
			return 0;
		end = comma - 1;
	}
}

int
kr_auth_client_allowed(const struct kr_auth_conf *ac, const char *peer_ip,
    const char *xff, char *client_out, size_t len)
{
	uint8_t addr[16];
	int known;

	known =
	    peer_ip != NULL && kr_ip_parse(peer_ip, strlen(peer_ip), addr) == 0;
	if (known && len > 0)
		snprintf(client_out, len, "%s", peer_ip);
	if (known && xff != NULL && xff[0] != '\0' &&
	    kr_cidrs_match(ac->ac_proxies, ac->ac_nproxies, addr))
		known = kr_xff_client(ac, xff, addr, client_out, len) == 0;
	if (!known && len > 0)
		snprintf(client_out, len, "unknown");
	if (ac->ac_nallow == 0)
		return 1;
	return known && kr_cidrs_match(ac->ac_allow, ac->ac_nallow, addr);
}

/* ---- topics -------------------------------------------------------- */

/* Glob match; with qmark 0, '?' is literal (Jetty origins know only *).
 * Backtracks to the last '*' only, so it runs in O(len(p) * len(s)). */
static int
kr_glob(const char *p, const char *s, int qmark)
{
	const char *star = NULL, *ss = s;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			ss = s;
		} else if ((qmark && *p == '?') || (*p != '\0' && *p == *s)) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++ss;
		} else {
			return 0;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

int
kr_glob_match(const char *pattern, const char *s)
{
	return kr_glob(pattern, s, 1);
}

int
kr_auth_topic_allowed(const struct kr_auth_conf *ac, const char *topic)
{
	size_t i;

	if (ac->ac_ntopics == 0)
		return 1;
	if (topic == NULL)
		return 0;
	for (i = 0; i < ac->ac_ntopics; i++)
		if (kr_glob(ac->ac_topics[i], topic, 1))
			return 1;
	return 0;
}

/* ---- CORS ---------------------------------------------------------- */

static const char *
kr_cors_methods(const struct kr_auth_conf *ac)
{
	return ac->ac_allow_methods != NULL ? ac->ac_allow_methods
	                                    : KR_CORS_METHODS;
}

static const char *
kr_cors_allowed_headers(const struct kr_auth_conf *ac)
{
	return ac->ac_allow_headers != NULL ? ac->ac_allow_headers
	                                    : KR_CORS_HEADERS;
}

static void
kr_cors_add(struct kr_cors *out, const char *name, const char *value)
{
	if (out->cr_nheaders < KR_CORS_MAX_HEADERS) {
		out->cr_headers[out->cr_nheaders].h_name = name;
		out->cr_headers[out->cr_nheaders].h_value = value;
		out->cr_nheaders++;
	}
}

static int
kr_origin_allowed(const struct kr_auth_conf *ac, const char *origin)
{
	size_t i;

	if (ac->ac_any_origin)
		return 1;
	for (i = 0; i < ac->ac_norigins; i++)
		if (kr_glob(ac->ac_origins[i], origin, 0))
			return 1;
	return 0;
}

/* 1 if the item b..e (trimmed) is in the comma list (case-insensitive
 * when nocase). */
static int
kr_in_list(const char *list, const char *b, size_t n, int nocase)
{
	const char *p = list, *end;

	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) == n &&
		    (nocase ? strncasecmp(p, b, n) : strncmp(p, b, n)) == 0)
			return 1;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

/* Every Access-Control-Request-Headers item is allowed. */
static int
kr_cors_headers_ok(const struct kr_auth_conf *ac, const char *req_headers)
{
	const char *p = req_headers, *end, *b, *e;

	if (ac->ac_any_header || req_headers == NULL)
		return 1;
	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		b = p;
		e = end;
		while (b < e && kr_is_space(*b))
			b++;
		while (e > b && kr_is_space(e[-1]))
			e--;
		if (e > b && !kr_in_list(kr_cors_allowed_headers(ac), b,
		                 (size_t)(e - b), 1))
			return 0;
		p = *end == ',' ? end + 1 : end;
	}
	return 1;
}

int
kr_cors_headers(const struct kr_auth_conf *ac, const char *method,
    const char *origin, const char *req_method, const char *req_headers,
    struct kr_cors *out)
{
	memset(out, 0, sizeof(*out));
	if (ac->ac_norigins == 0 || origin == NULL)
		return 0;
	out->cr_applies = 1;
	out->cr_preflight = method != NULL &&
	                    strcasecmp(method, "OPTIONS") == 0 &&
	                    req_method != NULL;
	/* Values echoed into headers must not be able to split them, even if
	 * the HTTP layer let a control character through. */
	if (kr_has_ctl(origin) || !kr_origin_allowed(ac, origin))
		return 1;
	if (out->cr_preflight && ac->ac_any_header && req_headers != NULL &&
	    kr_has_ctl(req_headers))
		return 1;
	if (out->cr_preflight && (!kr_in_list(kr_cors_methods(ac), req_method,
	                              strlen(req_method), 0) ||
	                             !kr_cors_headers_ok(ac, req_headers)))
		return 1;
	out->cr_allowed = 1;
	kr_cors_add(out, "Access-Control-Allow-Origin", origin);
	/* Jetty varies on Origin unless every origin gets the same answer. */
	if (!ac->ac_any_origin)
		kr_cors_add(out, "Vary", "Origin");
	kr_cors_add(out, "Access-Control-Allow-Credentials", "true");
	if (out->cr_preflight) {
		if (ac->ac_max_age[0] != '\0')
			kr_cors_add(
			    out, "Access-Control-Max-Age", ac->ac_max_age);
		kr_cors_add(
		    out, "Access-Control-Allow-Methods", kr_cors_methods(ac));
		kr_cors_add(out, "Access-Control-Allow-Headers",
		    ac->ac_any_header ? (req_headers != NULL ? req_headers : "")
		                      : kr_cors_allowed_headers(ac));
	} else if (ac->ac_expose_headers != NULL) {
		kr_cors_add(out, "Access-Control-Expose-Headers",
		    ac->ac_expose_headers);
	}
	return 1;
}
