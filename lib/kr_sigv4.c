/* SPDX-License-Identifier: MIT */
/* SigV4 signing for the MSK IAM token and STS requests (botocore's byte
 * order; see shared spec msk-iam.md sections 2 and 8). Pure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "kr_alloc.h"
#include "kr_b64.h"
#include "kr_sigv4.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define MSK_SERVICE     "kafka-cluster"
#define STS_SERVICE     "sts"
#define STS_VERSION     "2011-06-15"

static const char hexdigits_upper[] = "0123456789ABCDEF";
static const char hexdigits_lower[] = "0123456789abcdef";

/* Zeroes the whole allocation of buf (it may hold a session token or a
 * signature), then frees it. */
static void
buf_free_secret(struct kr_buf *buf)
{
	if (buf->data != NULL)
		explicit_bzero(buf->data, buf->cap);
	kr_buf_free(buf);
}

void
kr_sigv4_creds_clear(struct kr_sigv4_creds *creds)
{
	if (creds->cr_secret != NULL)
		kr_free_secret(creds->cr_secret, strlen(creds->cr_secret));
	if (creds->cr_token != NULL)
		kr_free_secret(creds->cr_token, strlen(creds->cr_token));
	free(creds->cr_akid);
	memset(creds, 0, sizeof(*creds));
}

void
kr_sigv4_creds_copy(
    struct kr_sigv4_creds *dst, const struct kr_sigv4_creds *src)
{
	dst->cr_akid = src->cr_akid != NULL ? kr_strdup(src->cr_akid) : NULL;
	dst->cr_secret =
	    src->cr_secret != NULL ? kr_strdup(src->cr_secret) : NULL;
	dst->cr_token = src->cr_token != NULL ? kr_strdup(src->cr_token) : NULL;
	dst->cr_expiration = src->cr_expiration;
}

void
kr_sigv4_result_free(struct kr_sigv4_result *res)
{
	buf_free_secret(&res->rs_scope);
	buf_free_secret(&res->rs_canonical_request);
	buf_free_secret(&res->rs_string_to_sign);
	buf_free_secret(&res->rs_url);
	buf_free_secret(&res->rs_token);
	buf_free_secret(&res->rs_authorization);
	buf_free_secret(&res->rs_host);
	explicit_bzero(res->rs_key, sizeof(res->rs_key));
	explicit_bzero(res->rs_signature, sizeof(res->rs_signature));
}

/* ---- time ------------------------------------------------------------ */

int64_t
kr_sigv4_timegm(int year, int mon, int mday, int hour, int min, int sec)
{
	/* Days from civil (H. Hinnant): exact for the proleptic Gregorian
	 * calendar, no table, no libc time zone state. */
	int64_t y = (int64_t)year - (mon <= 2 ? 1 : 0);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (int64_t)(mon + (mon > 2 ? -3 : 9));
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)mday - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return days * 86400 + (int64_t)hour * 3600 + (int64_t)min * 60 +
	       (int64_t)sec;
}

int
kr_sigv4_amzdate(int64_t t, char *out)
{
	int64_t days, secs, z, era, doe, yoe, y, doy, mp, d, m;
	int n;

	/* 253402300799 is 9999-12-31T23:59:59Z. */
	if (t < 0 || t > 253402300799)
		return -1;
	days = t / 86400;
	secs = t % 86400;
	/* Civil from days (H. Hinnant), the inverse of kr_sigv4_timegm. */
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	n = snprintf(out, KR_SIGV4_AMZDATE_LEN + 1,
	    "%04d%02d%02dT%02d%02d%02dZ", (int)y, (int)m, (int)d,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return n == KR_SIGV4_AMZDATE_LEN ? 0 : -1;
}

/* ---- encoding -------------------------------------------------------- */

static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == '~';
}

static void
put_pct(struct kr_buf *out, unsigned char c)
{
	char esc[3];

	esc[0] = '%';
	esc[1] = hexdigits_upper[c >> 4];
	esc[2] = hexdigits_upper[c & 0x0f];
	kr_buf_append(out, esc, 3);
}

void
kr_sigv4_uri_encode(struct kr_buf *out, const char *s, size_t n)
{
	size_t i;

	kr_buf_reserve(out, n * 3);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c))
			kr_buf_putc(out, (char)c);
		else
			put_pct(out, c);
	}
}

void
kr_sigv4_form_encode(struct kr_buf *out, const char *s, size_t n)
{
	size_t i;

	kr_buf_reserve(out, n * 3);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_unreserved(c))
			kr_buf_putc(out, (char)c);
		else if (c == ' ')
			kr_buf_putc(out, '+');
		else
			put_pct(out, c);
	}
}

struct enc_pair {
	char *ep_name;
	char *ep_value;
};

static int
enc_pair_cmp(const void *a, const void *b)
{
	const struct enc_pair *pa = a, *pb = b;
	int c = strcmp(pa->ep_name, pb->ep_name);

	return c != 0 ? c : strcmp(pa->ep_value, pb->ep_value);
}

static char *
uri_encode_dup(const char *s)
{
	struct kr_buf b = KR_BUF_INIT;

	kr_sigv4_uri_encode(&b, s, strlen(s));
	/* Terminates the data even when it is empty (reserve allocated). */
	kr_buf_append(&b, "", 0);
	return kr_buf_detach(&b);
}

void
kr_sigv4_canonical_query(
    struct kr_buf *out, const struct kr_sigv4_param *params, size_t n)
{
	struct enc_pair *pairs;
	size_t i;

	if (n == 0)
		return;
	pairs = kr_calloc(n, sizeof(*pairs));
	for (i = 0; i < n; i++) {
		pairs[i].ep_name = uri_encode_dup(params[i].pa_name);
		pairs[i].ep_value = uri_encode_dup(params[i].pa_value);
	}
	qsort(pairs, n, sizeof(*pairs), enc_pair_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0)
			kr_buf_putc(out, '&');
		kr_buf_puts(out, pairs[i].ep_name);
		kr_buf_putc(out, '=');
		kr_buf_puts(out, pairs[i].ep_value);
		free(pairs[i].ep_name);
		/* Values include the session token. */
		kr_free_secret(pairs[i].ep_value, strlen(pairs[i].ep_value));
	}
	free(pairs);
}

/* ---- hashing --------------------------------------------------------- */

static void
hex_lower(const unsigned char *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hexdigits_lower[p[i] >> 4];
		out[2 * i + 1] = hexdigits_lower[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

void
kr_sigv4_sha256_hex(const void *p, size_t n, char *out)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(p, n, md);
	hex_lower(md, sizeof(md), out);
}

static void
hmac_sha256(const void *key, size_t keylen, const void *msg, size_t msglen,
    unsigned char *out)
{
	unsigned int outlen = SHA256_DIGEST_LENGTH;

	/* keylen is at most a few hundred bytes (an AWS secret), so the int
	 * conversion cannot truncate. */
	if (HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out, &outlen) ==
	    NULL)
		abort(); /* only on OpenSSL allocation failure */
}

void
kr_sigv4_signing_key(const char *secret, const char *date8, const char *region,
    const char *service, unsigned char *key)
{
	size_t slen = strlen(secret);
	char *k0 = kr_malloc(slen + 5);
	unsigned char k[SHA256_DIGEST_LENGTH];

	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, slen + 1);
	hmac_sha256(k0, slen + 4, date8, strlen(date8), k);
	kr_free_secret(k0, slen + 5);
	hmac_sha256(k, sizeof(k), region, strlen(region), k);
	hmac_sha256(k, sizeof(k), service, strlen(service), k);
	hmac_sha256(k, sizeof(k), "aws4_request", 12, key);
	explicit_bzero(k, sizeof(k));
}

void
kr_sigv4_string_to_sign(struct kr_buf *out, const char *amzdate,
    const char *scope, const char *canonical_request, size_t crlen)
{
	char hex[KR_SIGV4_HEX_LEN + 1];

	kr_sigv4_sha256_hex(canonical_request, crlen, hex);
	kr_buf_printf(out, SIGV4_ALGORITHM "\n%s\n%s\n%s", amzdate, scope, hex);
}

void
kr_sigv4_signature(
    const unsigned char *key, const char *sts, size_t stslen, char *out)
{
	unsigned char mac[SHA256_DIGEST_LENGTH];

	hmac_sha256(key, SHA256_DIGEST_LENGTH, sts, stslen, mac);
	hex_lower(mac, sizeof(mac), out);
}

/* ---- common checks and steps ----------------------------------------- */

int
kr_sigv4_region_valid(const char *region)
{
	size_t i, n = strlen(region);

	if (n == 0 || n > 32)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)region[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		        c == '-'))
			return 0;
	}
	return 1;
}

static int
check_inputs(const struct kr_sigv4_creds *creds, const char *region,
    int64_t now, struct kr_sigv4_result *res, char *errstr, size_t errlen)
{
	if (creds->cr_akid == NULL || creds->cr_akid[0] == '\0' ||
	    creds->cr_secret == NULL || creds->cr_secret[0] == '\0') {
		snprintf(errstr, errlen, "no AWS access key id or secret key");
		return -1;
	}
	if (region == NULL || !kr_sigv4_region_valid(region)) {
		snprintf(errstr, errlen, "invalid AWS region \"%s\"",
		    region != NULL ? region : "");
		return -1;
	}
	if (kr_sigv4_amzdate(now, res->rs_amzdate) == -1) {
		snprintf(errstr, errlen, "signing time %lld out of range",
		    (long long)now);
		return -1;
	}
	return 0;
}

static int
has_token(const struct kr_sigv4_creds *creds)
{
	return creds->cr_token != NULL && creds->cr_token[0] != '\0';
}

/* Fills rs_scope, rs_string_to_sign, rs_key and rs_signature from
 * rs_canonical_request. */
static void
sign_canonical(const struct kr_sigv4_creds *creds, const char *region,
    const char *service, struct kr_sigv4_result *res)
{
	char date8[9];

	memcpy(date8, res->rs_amzdate, 8);
	date8[8] = '\0';
	kr_buf_printf(
	    &res->rs_scope, "%s/%s/%s/aws4_request", date8, region, service);
	kr_sigv4_string_to_sign(&res->rs_string_to_sign, res->rs_amzdate,
	    res->rs_scope.data, res->rs_canonical_request.data,
	    res->rs_canonical_request.len);
	kr_sigv4_signing_key(
	    creds->cr_secret, date8, region, service, res->rs_key);
	kr_sigv4_signature(res->rs_key, res->rs_string_to_sign.data,
	    res->rs_string_to_sign.len, res->rs_signature);
}

/* ---- the MSK IAM token ----------------------------------------------- */

static void
put_param(struct kr_buf *out, const char *name, const char *value)
{
	if (out->len > 0 && out->data[out->len - 1] != '?')
		kr_buf_putc(out, '&');
	kr_sigv4_uri_encode(out, name, strlen(name));
	kr_buf_putc(out, '=');
	kr_sigv4_uri_encode(out, value, strlen(value));
}

int
kr_sigv4_msk_token(const struct kr_sigv4_creds *creds, const char *region,
    int64_t now, int expires_s, const char *user_agent,
    struct kr_sigv4_result *res, char *errstr, size_t errlen)
{
	struct kr_sigv4_param params[7];
	struct kr_buf credential = KR_BUF_INIT;
	char expires[16];
	size_t n = 0, i, toklen;

	if (check_inputs(creds, region, now, res, errstr, errlen) == -1)
		return -1;
	if (expires_s < 1 || expires_s > 604800) {
		snprintf(
		    errstr, errlen, "X-Amz-Expires %d out of range", expires_s);
		return -1;
	}
	snprintf(expires, sizeof(expires), "%d", expires_s);
	kr_buf_printf(&res->rs_host, "kafka.%s.amazonaws.com", region);
	kr_buf_printf(&credential, "%s/%.8s/%s/" MSK_SERVICE "/aws4_request",
	    creds->cr_akid, res->rs_amzdate, region);

	/* botocore's order: the operation parameter, then the auth
	 * parameters in insertion order, the token last. */
	params[n++] =
	    (struct kr_sigv4_param){"Action", "kafka-cluster:Connect"};
	params[n++] =
	    (struct kr_sigv4_param){"X-Amz-Algorithm", SIGV4_ALGORITHM};
	params[n++] =
	    (struct kr_sigv4_param){"X-Amz-Credential", credential.data};
	params[n++] = (struct kr_sigv4_param){"X-Amz-Date", res->rs_amzdate};
	params[n++] = (struct kr_sigv4_param){"X-Amz-Expires", expires};
	params[n++] = (struct kr_sigv4_param){"X-Amz-SignedHeaders", "host"};
	if (has_token(creds))
		params[n++] = (struct kr_sigv4_param){
		    "X-Amz-Security-Token", creds->cr_token};

	toklen = has_token(creds) ? strlen(creds->cr_token) : 0;
	kr_buf_reserve(&res->rs_canonical_request, 512 + 3 * toklen);
	kr_buf_puts(&res->rs_canonical_request, "GET\n/\n");
	kr_sigv4_canonical_query(&res->rs_canonical_request, params, n);
	kr_buf_printf(&res->rs_canonical_request,
	    "\nhost:%s\n\nhost\n" KR_SIGV4_EMPTY_SHA256, res->rs_host.data);
	sign_canonical(creds, region, MSK_SERVICE, res);

	/* Reserve once so that the buffers holding the token are never
	 * moved by realloc, leaving copies behind. */
	kr_buf_reserve(&res->rs_url,
	    640 + 3 * toklen +
	        (user_agent != NULL ? 3 * strlen(user_agent) : 0));
	kr_buf_printf(&res->rs_url, "https://%s/?", res->rs_host.data);
	for (i = 0; i < n; i++)
		put_param(&res->rs_url, params[i].pa_name, params[i].pa_value);
	put_param(&res->rs_url, "X-Amz-Signature", res->rs_signature);
	res->rs_url_signed_len = res->rs_url.len;
	if (user_agent != NULL && user_agent[0] != '\0') {
		kr_buf_puts(&res->rs_url, "&User-Agent=");
		kr_sigv4_form_encode(
		    &res->rs_url, user_agent, strlen(user_agent));
	}
	kr_buf_reserve(&res->rs_token, res->rs_url.len / 3 * 4 + 8);
	kr_b64url_encode(res->rs_url.data, res->rs_url.len, &res->rs_token);
	res->rs_expiry_ms = (now + expires_s) * 1000;
	kr_buf_free(&credential);
	return 0;
}

/* ---- STS ------------------------------------------------------------- */

static void
put_form(struct kr_buf *out, const char *name, const char *value)
{
	kr_buf_putc(out, '&');
	kr_buf_puts(out, name);
	kr_buf_putc(out, '=');
	kr_sigv4_form_encode(out, value, strlen(value));
}

int
kr_sigv4_sts_body(struct kr_buf *out, const struct kr_sigv4_sts_params *params,
    char *errstr, size_t errlen)
{
	const char *wi = params->sp_web_identity_token;
	char dur[16];

	if (params->sp_role_arn == NULL || params->sp_role_arn[0] == '\0' ||
	    params->sp_session_name == NULL ||
	    params->sp_session_name[0] == '\0') {
		snprintf(errstr, errlen,
		    "STS request needs a role ARN and a role session name");
		return -1;
	}
	kr_buf_reserve(out, 256 + (wi != NULL ? 3 * strlen(wi) : 0));
	kr_buf_puts(out, wi != NULL ? "Action=AssumeRoleWithWebIdentity"
	                            : "Action=AssumeRole");
	put_form(out, "Version", STS_VERSION);
	put_form(out, "RoleArn", params->sp_role_arn);
	put_form(out, "RoleSessionName", params->sp_session_name);
	if (wi != NULL)
		put_form(out, "WebIdentityToken", wi);
	if (params->sp_duration_s > 0) {
		snprintf(dur, sizeof(dur), "%d", params->sp_duration_s);
		put_form(out, "DurationSeconds", dur);
	}
	if (wi == NULL && params->sp_external_id != NULL &&
	    params->sp_external_id[0] != '\0')
		put_form(out, "ExternalId", params->sp_external_id);
	return 0;
}

int
kr_sigv4_sts_sign(const struct kr_sigv4_creds *creds, const char *host,
    const char *region, int64_t now, const char *body, size_t bodylen,
    struct kr_sigv4_result *res, char *errstr, size_t errlen)
{
	char bodyhash[KR_SIGV4_HEX_LEN + 1];
	const char *signed_headers;
	struct kr_buf *cr = &res->rs_canonical_request;
	size_t toklen;

	if (check_inputs(creds, region, now, res, errstr, errlen) == -1)
		return -1;
	if (host == NULL || host[0] == '\0' || strpbrk(host, "\r\n") != NULL) {
		snprintf(errstr, errlen, "invalid STS host");
		return -1;
	}
	kr_buf_puts(&res->rs_host, host);
	kr_sigv4_sha256_hex(body, bodylen, bodyhash);
	toklen = has_token(creds) ? strlen(creds->cr_token) : 0;
	kr_buf_reserve(cr, 512 + toklen);
	kr_buf_printf(cr,
	    "POST\n/\n\ncontent-type:" KR_SIGV4_STS_CONTENT_TYPE
	    "\nhost:%s\nx-amz-date:%s\n",
	    host, res->rs_amzdate);
	if (has_token(creds)) {
		kr_buf_printf(cr, "x-amz-security-token:%s\n", creds->cr_token);
		signed_headers = "content-type;host;x-amz-date;"
		                 "x-amz-security-token";
	} else {
		signed_headers = "content-type;host;x-amz-date";
	}
	kr_buf_printf(cr, "\n%s\n%s", signed_headers, bodyhash);
	sign_canonical(creds, region, STS_SERVICE, res);
	kr_buf_printf(&res->rs_authorization,
	    SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, "
	                    "Signature=%s",
	    creds->cr_akid, res->rs_scope.data, signed_headers,
	    res->rs_signature);
	return 0;
}

/* ---- region from the broker host ------------------------------------- */

/* Returns the region of one host name (no port) into out, or -1. */
static int
region_of_host(const char *host, size_t hlen, char *out, size_t outlen)
{
	static const char *const suffixes[] = {
	    ".amazonaws.com", ".amazonaws.com.cn", NULL};
	static const char *const services[] = {
	    ".kafka.", ".kafka-serverless.", NULL};
	size_t i, j, slen, plen, rlen;
	const char *end, *start;

	for (i = 0; suffixes[i] != NULL; i++) {
		slen = strlen(suffixes[i]);
		if (hlen <= slen ||
		    strncmp(host + hlen - slen, suffixes[i], slen) != 0)
			continue;
		end = host + hlen - slen;
		/* The region is the label right before the suffix. */
		start = end;
		while (start > host && start[-1] != '.')
			start--;
		rlen = (size_t)(end - start);
		for (j = 0; services[j] != NULL; j++) {
			plen = strlen(services[j]);
			if ((size_t)(start - host) < plen ||
			    strncmp(start - plen, services[j], plen) != 0)
				continue;
			if (rlen == 0 || rlen >= outlen)
				return -1;
			memcpy(out, start, rlen);
			out[rlen] = '\0';
			return kr_sigv4_region_valid(out) ? 0 : -1;
		}
	}
	return -1;
}

int
kr_sigv4_region_from_host(const char *bootstrap, char *out, size_t outlen)
{
	const char *p = bootstrap, *h, *colon;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, ", \t");
		n = strcspn(p, ", \t");
		if (n == 0)
			break;
		h = p;
		/* Strip a scheme such as SASL_SSL:// and the port. */
		if ((colon = strstr(h, "://")) != NULL && colon < p + n)
			h = colon + 3;
		colon = memchr(h, ':', (size_t)(p + n - h));
		if (region_of_host(h,
		        colon != NULL ? (size_t)(colon - h)
		                      : (size_t)(p + n - h),
		        out, outlen) == 0)
			return 0;
		p += n;
	}
	return -1;
}
