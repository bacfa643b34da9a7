/* SPDX-License-Identifier: MIT */
/* AWS Signature Version 4, pure: the MSK IAM OAUTHBEARER token (a presigned
 * kafka-cluster:Connect URL, byte-identical to botocore's SigV4QueryAuth) and
 * signed STS AssumeRole requests (botocore's SigV4Auth). Time is a parameter;
 * nothing here reads a clock or does I/O. */
#ifndef KR_SIGV4_H
#define KR_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#include "kr_buf.h"

#define KR_SIGV4_AMZDATE_LEN 16 /* YYYYMMDDTHHMMSSZ */
#define KR_SIGV4_HEX_LEN     64 /* a SHA-256 in lower-case hex */
#define KR_SIGV4_MSK_EXPIRES 900
#define KR_SIGV4_EMPTY_SHA256                                                  \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define KR_SIGV4_STS_CONTENT_TYPE                                              \
	"application/x-www-form-urlencoded; charset=utf-8"

/* AWS credentials. The strings are owned by the struct: free them with
 * kr_sigv4_creds_clear(), which zeroes the secret and the token first. */
struct kr_sigv4_creds {
	char *cr_akid;         /* access key id */
	char *cr_secret;       /* secret access key */
	char *cr_token;        /* session token, NULL when none */
	int64_t cr_expiration; /* epoch seconds, 0 when they do not expire */
};

/* Zeroes and frees the strings of creds and resets it; NULL fields are
 * fine. */
void kr_sigv4_creds_clear(struct kr_sigv4_creds *creds);
/* Copies src into dst (deep); dst must be empty or cleared. */
void kr_sigv4_creds_copy(
    struct kr_sigv4_creds *dst, const struct kr_sigv4_creds *src);

/* Writes "YYYYMMDDTHHMMSSZ" (UTC) for the epoch second t into out, which
 * must hold KR_SIGV4_AMZDATE_LEN + 1 bytes. Returns 0, or -1 when t is
 * before 1970 or after 9999. */
int kr_sigv4_amzdate(int64_t t, char *out);
/* Converts a civil UTC date to epoch seconds (no range checks beyond the
 * proleptic Gregorian calendar). */
int64_t kr_sigv4_timegm(
    int year, int mon, int mday, int hour, int min, int sec);

/* Appends s percent-encoded by the SigV4 rules: A-Z a-z 0-9 - _ . ~ kept,
 * every other byte %XX with upper-case hex (space is %20). */
void kr_sigv4_uri_encode(struct kr_buf *out, const char *s, size_t n);
/* Appends s form-encoded as Python's urlencode does: the same unreserved
 * set, space becomes '+', every other byte %XX. */
void kr_sigv4_form_encode(struct kr_buf *out, const char *s, size_t n);

/* One query parameter, raw (not encoded). */
struct kr_sigv4_param {
	const char *pa_name;
	const char *pa_value;
};

/* Appends the SigV4 canonical query string of the n parameters: each name
 * and value encoded, pairs sorted by encoded name then value, joined with
 * '&'. */
void kr_sigv4_canonical_query(
    struct kr_buf *out, const struct kr_sigv4_param *params, size_t n);

/* Writes the lower-case hex SHA-256 of p into out (KR_SIGV4_HEX_LEN + 1
 * bytes). */
void kr_sigv4_sha256_hex(const void *p, size_t n, char *out);
/* Derives the signing key HMAC chain ("AWS4" + secret, date8, region,
 * service, "aws4_request") into key[32]. date8 is "YYYYMMDD". */
void kr_sigv4_signing_key(const char *secret, const char *date8,
    const char *region, const char *service, unsigned char *key);
/* Appends the string to sign: the algorithm, amzdate, scope and the hex
 * SHA-256 of the canonical request, joined by '\n'. */
void kr_sigv4_string_to_sign(struct kr_buf *out, const char *amzdate,
    const char *scope, const char *canonical_request, size_t crlen);
/* Writes the lower-case hex HMAC-SHA256 of sts under key into out
 * (KR_SIGV4_HEX_LEN + 1 bytes). */
void kr_sigv4_signature(
    const unsigned char *key, const char *sts, size_t stslen, char *out);

/* Everything a signing step produced, kept so that tests (and --decode) can
 * compare each stage. Free with kr_sigv4_result_free(). */
struct kr_sigv4_result {
	char rs_amzdate[KR_SIGV4_AMZDATE_LEN + 1];
	struct kr_buf rs_scope; /* date/region/service/aws4_request */
	struct kr_buf rs_canonical_request; /* may hold the session token */
	struct kr_buf rs_string_to_sign;
	unsigned char rs_key[32]; /* signing key (secret-derived) */
	char rs_signature[KR_SIGV4_HEX_LEN + 1];
	struct kr_buf rs_url;     /* MSK: presigned URL, User-Agent last */
	size_t rs_url_signed_len; /* MSK: length before "&User-Agent=" */
	struct kr_buf rs_token;   /* MSK: base64url(rs_url), no padding */
	int64_t rs_expiry_ms;     /* MSK: (X-Amz-Date + expires) * 1000 */
	struct kr_buf rs_authorization; /* STS: the Authorization value */
	struct kr_buf rs_host;          /* the signed host header value */
};

/* Zeroes the key and the buffers that may hold secrets, then frees. */
void kr_sigv4_result_free(struct kr_sigv4_result *res);

/* Builds the MSK IAM token for region at time now (epoch seconds), valid for
 * expires_s seconds (KR_SIGV4_MSK_EXPIRES is what the official signers use),
 * with user_agent appended after signing (NULL or "": no User-Agent
 * parameter). The query is in botocore's order (Action, X-Amz-Algorithm,
 * X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
 * [X-Amz-Security-Token], X-Amz-Signature, User-Agent).
 * res must be zero-initialised; free it with kr_sigv4_result_free() even on
 * failure. Returns 0, or -1 with errstr set when an input is invalid. */
int kr_sigv4_msk_token(const struct kr_sigv4_creds *creds, const char *region,
    int64_t now, int expires_s, const char *user_agent,
    struct kr_sigv4_result *res, char *errstr, size_t errlen);

/* The STS parameters of AssumeRole / AssumeRoleWithWebIdentity. */
struct kr_sigv4_sts_params {
	const char *sp_role_arn;     /* required */
	const char *sp_session_name; /* required */
	const char *sp_external_id;  /* AssumeRole only; NULL: omitted */
	int sp_duration_s;           /* 0: omitted */
	const char
	    *sp_web_identity_token; /* non-NULL: AssumeRoleWithWebIdentity */
};

/* Appends the form body in botocore's order: Action, Version, RoleArn,
 * RoleSessionName, then DurationSeconds and ExternalId (AssumeRole) or
 * WebIdentityToken (web identity). Returns 0, or -1 with errstr set when a
 * required parameter is missing. */
int kr_sigv4_sts_body(struct kr_buf *out,
    const struct kr_sigv4_sts_params *params, char *errstr, size_t errlen);

/* Header-signs a POST of body to "/" of host (the Host header value as sent,
 * with a port only when it is not the scheme's default) for service "sts" in
 * region, at time now. Signed headers: content-type, host, x-amz-date and
 * x-amz-security-token when creds has a token. The caller sends
 * Content-Type: KR_SIGV4_STS_CONTENT_TYPE, X-Amz-Date: res->rs_amzdate,
 * X-Amz-Security-Token (when any) and Authorization: res->rs_authorization.
 * res must be zero-initialised; free it with kr_sigv4_result_free(). Returns
 * 0, or -1 with errstr set. */
int kr_sigv4_sts_sign(const struct kr_sigv4_creds *creds, const char *host,
    const char *region, int64_t now, const char *body, size_t bodylen,
    struct kr_sigv4_result *res, char *errstr, size_t errlen);

/* Finds the region in a bootstrap.servers list: the first host ending in
 * ".kafka.<region>.amazonaws.com" or ".kafka-serverless.<region>.amazonaws.com"
 * (".com.cn" too), matched at the end of the host name, port removed.
 * Writes it into out. Returns 0, or -1 when no host matches (or out is too
 * small). */
int kr_sigv4_region_from_host(const char *bootstrap, char *out, size_t outlen);
/* Returns 1 when region looks like an AWS region id (lower-case letters,
 * digits and '-', 1 to 32 bytes), else 0. */
int kr_sigv4_region_valid(const char *region);

#endif
