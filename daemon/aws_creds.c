/* SPDX-License-Identifier: MIT */
/* The AWS credential chain and the MSK IAM token (shared spec msk-iam.md
 * sections 6-8). Every symbol is prefixed kr_aws_ (or static): this file is
 * linked into krestd and krest-iam-token alike. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


#include "aws_creds.h"
#include "curl_shim.h"
#include "kr_alloc.h"
#include "kr_awsparse.h"
#include "kr_buf.h"
#include "kr_sigv4.h"

#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_IPV6_ENDPOINT    "http://[fd00:ec2::254]"
#define IMDS_TOKEN_TTL        21600
#define CONTAINER_HOST        "http://169.254.170.2"
#define HTTP_MAX_BODY         (1024 * 1024)
#define FILE_MAX_SIZE         (1024 * 1024)
#define PROFILE_MAX_DEPTH     5
#define PROCESS_TIMEOUT_MS    10000

extern char **environ;

struct kr_aws_ctx {
	pthread_mutex_t ac_lock;         /* guards everything below */
	char *ac_region;                 /* MSK region */
	char *ac_profile;                /* explicit profile, or NULL */
	char *ac_role_arn;               /* role to assume last, or NULL */
	char *ac_session_name;           /* its session name */
	char *ac_external_id;            /* its external id, or NULL */
	char *ac_sts_region;             /* region of the STS endpoint */
	char *ac_user_agent;             /* appended to MSK tokens */
	struct kr_sigv4_creds ac_static; /* explicit keys, if any */
	int ac_max_retries;
	int ac_max_backoff_ms;
	int ac_debug_creds;
	kr_aws_log_fn *ac_log;
	void *ac_log_opaque;
	struct kr_sigv4_creds ac_creds; /* cached; cr_akid NULL when none */
	char ac_source[320];            /* where ac_creds came from */
	char *ac_arn;                   /* assumed role ARN, when known */
	time_t ac_retry_after;          /* no refresh attempt before this */
	char *ac_imds_token;            /* IMDSv2 session token (a secret) */
	time_t ac_imds_token_exp;
	unsigned int ac_seed; /* backoff jitter */
};

/* The outcome of one attempt at one credential source. */
struct fetch {
	struct kr_sigv4_creds fe_creds;
	char *fe_arn;        /* assumed role ARN, when known */
	char fe_source[320]; /* description, no secrets */
	int fe_retryable;    /* a network error, 5xx or throttling */
	char fe_err[1024];
};

/* ---- small helpers --------------------------------------------------- */

static void aws_log(struct kr_aws_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
aws_log(struct kr_aws_ctx *ctx, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ctx->ac_log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->ac_log(ctx->ac_log_opaque, level, msg);
}

static void fe_error(struct fetch *fe, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
fe_error(struct fetch *fe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fe->fe_err, sizeof(fe->fe_err), fmt, ap);
	va_end(ap);
}

static void
fe_clear(struct fetch *fe)
{
	kr_sigv4_creds_clear(&fe->fe_creds);
	free(fe->fe_arn);
	fe->fe_arn = NULL;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? kr_strdup(s) : NULL;
}

/* Returns the value of an environment variable, or NULL when it is unset
 * or empty. */
static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static void
buf_free_secret(struct kr_buf *buf)
{
	if (buf->data != NULL)
		explicit_bzero(buf->data, buf->cap);
	kr_buf_free(buf);
}

/* The access key id as it may be logged: its first 8 characters. */
static void
akid_prefix(const char *akid, char *out, size_t outlen)
{
	snprintf(out, outlen, "%.8s...", akid != NULL ? akid : "");
}

/* Removes trailing whitespace (files and IMDS answers end in newlines). */
static void
rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/* Reads a whole file of at most FILE_MAX_SIZE bytes into out. */
static int
read_file(const char *path, struct kr_buf *out, char *errstr, size_t errlen)
{
	char chunk[4096];
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	kr_buf_reserve(out, sizeof(chunk));
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(
			    errstr, errlen, "%s: %s", path, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > FILE_MAX_SIZE) {
			snprintf(errstr, errlen, "%s: larger than %d bytes",
			    path, FILE_MAX_SIZE);
			goto done;
		}
		kr_buf_append(out, chunk, (size_t)n);
	}
	/* Terminates the data even when reserve allocated it and
	 * nothing was appended. */
	kr_buf_append(out, "", 0);
	rc = 0;
done:
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

/* ---- HTTP through libcurl -------------------------------------------- */

struct http_req {
	const char *hr_method; /* "GET", "PUT", "POST" */
	const char *hr_url;
	struct curl_slist *hr_headers;
	const char *hr_body; /* NULL: none */
	size_t hr_bodylen;
	long hr_connect_ms;
	long hr_total_ms;
	int hr_no_proxy; /* IMDS and the container endpoint */
};

struct http_resp {
	long hs_status;        /* 0 when no response arrived */
	struct kr_buf hs_body; /* may hold credentials: zeroed on free */
	int hs_too_big;
};

static size_t
http_write(char *p, size_t size, size_t n, void *opaque)
{
	struct http_resp *resp = opaque;
	size_t len = size * n;

	if (resp->hs_body.len + len > HTTP_MAX_BODY) {
		resp->hs_too_big = 1;
		return 0;
	}
	kr_buf_append(&resp->hs_body, p, len);
	return len;
}

/* Performs one request. Returns 0 when a response (of any status)
 * arrived, or -1 with errstr set (connection refused, timeout ...). */
static int
http_do(const struct http_req *req, struct http_resp *resp, char *errstr,
    size_t errlen)
{
	char cerr[CURL_ERROR_SIZE];
	CURLcode cc;
	CURL *curl;
	int rc = -1;

	resp->hs_status = 0;
	if ((curl = kr_curl.easy_init()) == NULL) {
		snprintf(errstr, errlen, "curl_easy_init failed");
		return -1;
	}
	cerr[0] = '\0';
	/* The body buffer may hold credentials: size it once so that realloc
	 * does not leave copies behind. */
	kr_buf_reserve(&resp->hs_body, 16384);
	kr_curl.easy_setopt(curl, CURLOPT_URL, req->hr_url);
	kr_curl.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	kr_curl.easy_setopt(curl, CURLOPT_ERRORBUFFER, cerr);
	kr_curl.easy_setopt(
	    curl, CURLOPT_CONNECTTIMEOUT_MS, req->hr_connect_ms);
	kr_curl.easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->hr_total_ms);
	kr_curl.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	kr_curl.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
	kr_curl.easy_setopt(curl, CURLOPT_WRITEFUNCTION, http_write);
	kr_curl.easy_setopt(curl, CURLOPT_WRITEDATA, resp);
	if (req->hr_no_proxy)
		kr_curl.easy_setopt(curl, CURLOPT_PROXY, "");
	if (req->hr_headers != NULL)
		kr_curl.easy_setopt(curl, CURLOPT_HTTPHEADER, req->hr_headers);
	if (strcmp(req->hr_method, "GET") != 0) {
		/* A body given as POSTFIELDS (even an empty one) instead of an
		 * upload: no chunked encoding; the caller blanks "Expect:". */
		kr_curl.easy_setopt(
		    curl, CURLOPT_CUSTOMREQUEST, req->hr_method);
		kr_curl.easy_setopt(curl, CURLOPT_POSTFIELDS,
		    req->hr_body != NULL ? req->hr_body : "");
		kr_curl.easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->hr_body != NULL ? req->hr_bodylen : 0));
	}
	cc = kr_curl.easy_perform(curl);
	if (cc != CURLE_OK) {
		if (resp->hs_too_big)
			snprintf(errstr, errlen,
			    "%s %s: response larger than %d bytes",
			    req->hr_method, req->hr_url, HTTP_MAX_BODY);
		else
			snprintf(errstr, errlen, "%s %s: %s", req->hr_method,
			    req->hr_url,
			    cerr[0] != '\0' ? cerr : kr_curl.easy_strerror(cc));
		goto done;
	}
	kr_curl.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->hs_status);
	/* Terminates the body even when it is empty (reserve allocated). */
	kr_buf_append(&resp->hs_body, "", 0);
	rc = 0;
done:
	kr_curl.easy_cleanup(curl);
	return rc;
}

/* A short, printable excerpt of a response body for an error message. */
static void
body_excerpt(const struct kr_buf *body, char *out, size_t outlen)
{
	size_t i, j = 0;

	for (i = 0; i < body->len && j + 1 < outlen && i < 200; i++) {
		unsigned char c = (unsigned char)body->data[i];

		out[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
	}
	out[j] = '\0';
}

/* Milliseconds from the environment variable name holding seconds (as
 * botocore's AWS_METADATA_SERVICE_TIMEOUT), else dflt. */
static long
env_timeout_ms(const char *name, long dflt)
{
	const char *v = env(name);
	char *end;
	double s;

	if (v == NULL)
		return dflt;
	errno = 0;
	s = strtod(v, &end);
	if (errno != 0 || *end != '\0' || s <= 0 || s > 60)
		return dflt;
	return (long)(s * 1000);
}

/* ---- IMDSv2 ------------------------------------------------------------ */

static int
env_true(const char *name)
{
	const char *v = env(name);

	return v != NULL && strcasecmp(v, "true") == 0;
}

static void
imds_endpoint(char *out, size_t outlen)
{
	const char *ep = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	size_t n;

	if (ep == NULL)
		ep = mode != NULL && strcasecmp(mode, "IPv6") == 0
		         ? IMDS_IPV6_ENDPOINT
		         : IMDS_DEFAULT_ENDPOINT;
	snprintf(out, outlen, "%s", ep);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
}

/* Gets (or reuses) the IMDSv2 session token. */
static int
imds_token(
    struct kr_aws_ctx *ctx, const char *base, time_t now, struct fetch *fe)
{
	struct http_resp resp = {0};
	struct http_req req = {0};
	char url[512], hdr[64], ex[256], err[512];
	int rc = -1;

	if (ctx->ac_imds_token != NULL && now < ctx->ac_imds_token_exp)
		return 0;
	snprintf(url, sizeof(url), "%s/latest/api/token", base);
	snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token-ttl-seconds: %d",
	    IMDS_TOKEN_TTL);
	req.hr_method = "PUT";
	req.hr_url = url;
	req.hr_headers = kr_curl.slist_append(NULL, hdr);
	/* libcurl would add "Expect: 100-continue" to some PUTs, which IMDS
	 * answers with 417 (s3fs-fuse #1765). */
	req.hr_headers = kr_curl.slist_append(req.hr_headers, "Expect:");
	req.hr_connect_ms = req.hr_total_ms =
	    env_timeout_ms("AWS_METADATA_SERVICE_TIMEOUT", 1000);
	req.hr_no_proxy = 1;
	if (http_do(&req, &resp, err, sizeof(err)) == -1) {
		fe_error(fe, "IMDS: token request failed: %s", err);
		fe->fe_retryable = 1;
		goto done;
	}
	if (resp.hs_status != 200) {
		body_excerpt(&resp.hs_body, ex, sizeof(ex));
		fe_error(fe, "IMDS: token request %s answered HTTP %ld%s (%s)",
		    url, resp.hs_status,
		    resp.hs_status == 403 || resp.hs_status == 404 ||
		            resp.hs_status == 405
		        ? ", IMDSv2 not available"
		        : "",
		    ex);
		fe->fe_retryable = resp.hs_status >= 500;
		goto done;
	}
	rtrim(resp.hs_body.data);
	if (resp.hs_body.data[0] == '\0' ||
	    strpbrk(resp.hs_body.data, "\r\n") != NULL) {
		fe_error(fe, "IMDS: token response is empty or malformed");
		goto done;
	}
	if (ctx->ac_imds_token != NULL)
		kr_free_secret(ctx->ac_imds_token, strlen(ctx->ac_imds_token));
	ctx->ac_imds_token = kr_strdup(resp.hs_body.data);
	ctx->ac_imds_token_exp = now + IMDS_TOKEN_TTL - 60;
	rc = 0;
done:
	kr_curl.slist_free_all(req.hr_headers);
	buf_free_secret(&resp.hs_body);
	return rc;
}

static void
imds_drop_token(struct kr_aws_ctx *ctx)
{
	if (ctx->ac_imds_token != NULL)
		kr_free_secret(ctx->ac_imds_token, strlen(ctx->ac_imds_token));
	ctx->ac_imds_token = NULL;
	ctx->ac_imds_token_exp = 0;
}

/* GETs base + path with the session token. Returns the HTTP status (401:
 * the caller gets a new token and tries again), or -1 with fe set. */
static long
imds_get(struct kr_aws_ctx *ctx, const char *base, const char *path,
    struct http_resp *resp, struct fetch *fe)
{
	struct http_req req = {0};
	struct kr_buf hdr = KR_BUF_INIT;
	char url[768], err[512];
	long st = -1;

	snprintf(url, sizeof(url), "%s%s", base, path);
	kr_buf_printf(&hdr, "X-aws-ec2-metadata-token: %s", ctx->ac_imds_token);
	req.hr_method = "GET";
	req.hr_url = url;
	req.hr_headers = kr_curl.slist_append(NULL, hdr.data);
	req.hr_connect_ms = req.hr_total_ms =
	    env_timeout_ms("AWS_METADATA_SERVICE_TIMEOUT", 1000);
	req.hr_no_proxy = 1;
	kr_buf_reset(&resp->hs_body);
	if (http_do(&req, resp, err, sizeof(err)) == -1) {
		fe_error(fe, "IMDS: %s", err);
		fe->fe_retryable = 1;
	} else {
		st = resp->hs_status;
	}
	/* curl_slist_append copied the header, token included. */
	if (req.hr_headers != NULL)
		explicit_bzero(
		    req.hr_headers->data, strlen(req.hr_headers->data));
	kr_curl.slist_free_all(req.hr_headers);
	buf_free_secret(&hdr);
	return st;
}

/* imds_get, with one new token when IMDS says the old one expired. */
static long
imds_get_retry(struct kr_aws_ctx *ctx, const char *base, const char *path,
    time_t now, struct http_resp *resp, struct fetch *fe)
{
	long st;

	if (imds_token(ctx, base, now, fe) == -1)
		return -1;
	st = imds_get(ctx, base, path, resp, fe);
	if (st != 401)
		return st;
	imds_drop_token(ctx);
	if (imds_token(ctx, base, now, fe) == -1)
		return -1;
	return imds_get(ctx, base, path, resp, fe);
}

static int
src_imds(struct kr_aws_ctx *ctx, time_t now, struct fetch *fe)
{
	static const char *const path = "/latest/meta-data/iam/"
	                                "security-credentials/";
	struct http_resp resp = {0};
	char base[256], role[256], rpath[512], ex[256], *nl;
	long st;
	int rc = -1;

	if (env_true("AWS_EC2_METADATA_DISABLED"))
		return 0;
	imds_endpoint(base, sizeof(base));
	st = imds_get_retry(ctx, base, path, now, &resp, fe);
	if (st == -1)
		goto done;
	if (st != 200) {
		body_excerpt(&resp.hs_body, ex, sizeof(ex));
		fe_error(fe, "IMDS: GET %s answered HTTP %ld%s", path, st,
		    st == 404   ? ": no IAM role is attached to the instance"
		    : st == 401 ? ": the session token was refused"
		                : "");
		fe->fe_retryable = st >= 500;
		goto done;
	}
	if ((nl = strchr(resp.hs_body.data, '\n')) != NULL)
		*nl = '\0';
	rtrim(resp.hs_body.data);
	if (resp.hs_body.data[0] == '\0' ||
	    strlen(resp.hs_body.data) >= sizeof(role) ||
	    strpbrk(resp.hs_body.data, "/?#% ") != NULL) {
		fe_error(fe, "IMDS: malformed role name in %s", path);
		goto done;
	}
	snprintf(role, sizeof(role), "%s", resp.hs_body.data);
	snprintf(rpath, sizeof(rpath), "%s%s", path, role);
	st = imds_get_retry(ctx, base, rpath, now, &resp, fe);
	if (st == -1)
		goto done;
	if (st != 200) {
		fe_error(fe, "IMDS: GET %s answered HTTP %ld", rpath, st);
		fe->fe_retryable = st >= 500;
		goto done;
	}
	if (kr_awsparse_creds_json(resp.hs_body.data, resp.hs_body.len,
	        &fe->fe_creds, ex, sizeof(ex)) == -1) {
		fe_error(fe, "IMDS: %s: %s", rpath, ex);
		goto done;
	}
	if (fe->fe_creds.cr_token == NULL || fe->fe_creds.cr_expiration == 0) {
		fe_error(fe, "IMDS: %s: no Token or Expiration", rpath);
		kr_sigv4_creds_clear(&fe->fe_creds);
		goto done;
	}
	snprintf(fe->fe_source, sizeof(fe->fe_source),
	    "instance profile role %.100s (IMDSv2 %.100s)", role, base);
	rc = 1;
done:
	buf_free_secret(&resp.hs_body);
	return rc;
}

/* ---- container credentials ----------------------------------------- */

/* botocore allows plain HTTP only to these hosts. */
static int
container_host_allowed(const char *url)
{
	static const char *const hosts[] = {"http://127.", "http://localhost",
	    "http://[::1]", "http://169.254.170.2", "http://169.254.170.23",
	    "http://[fd00:ec2::23]", NULL};
	size_t n;
	int i;

	if (strncasecmp(url, "https://", 8) == 0)
		return 1;
	for (i = 0; hosts[i] != NULL; i++) {
		n = strlen(hosts[i]);
		if (strncasecmp(url, hosts[i], n) != 0)
			continue;
		if (hosts[i][n - 1] == '.' || url[n] == ':' || url[n] == '/' ||
		    url[n] == '\0')
			return 1;
	}
	return 0;
}

/* Appends the Authorization header of the container endpoint, if any. */
static int
container_auth(struct curl_slist **hdrs, struct fetch *fe)
{
	const char *file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tok = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	struct kr_buf b = KR_BUF_INIT, h = KR_BUF_INIT;
	char err[512];
	int rc = -1;

	if (file != NULL) {
		if (read_file(file, &b, err, sizeof(err)) == -1) {
			fe_error(
			    fe, "container credentials: token file %s", err);
			goto done;
		}
		rtrim(b.data);
	} else if (tok != NULL) {
		kr_buf_puts(&b, tok);
	} else {
		rc = 0;
		goto done;
	}
	if (strpbrk(b.data, "\r\n") != NULL) {
		fe_error(fe, "container credentials: the authorization token "
		             "contains a line break");
		goto done;
	}
	kr_buf_printf(&h, "Authorization: %s", b.data);
	*hdrs = kr_curl.slist_append(*hdrs, h.data);
	rc = 0;
done:
	buf_free_secret(&b);
	buf_free_secret(&h);
	return rc;
}

static int
src_container(struct kr_aws_ctx *ctx, struct fetch *fe)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	struct http_resp resp = {0};
	struct http_req req = {0};
	char url[1024], err[512], ex[256];
	int rc = -1;

	(void)ctx;
	if (rel != NULL)
		snprintf(url, sizeof(url), "%s%s%s", CONTAINER_HOST,
		    rel[0] == '/' ? "" : "/", rel);
	else if (full != NULL)
		snprintf(url, sizeof(url), "%s", full);
	else
		return 0;
	if (rel == NULL && !container_host_allowed(url)) {
		fe_error(fe,
		    "container credentials: AWS_CONTAINER_CREDENTIALS_FULL_URI "
		    "%s must be https or a loopback / ECS / EKS address",
		    url);
		return -1;
	}
	if (container_auth(&req.hr_headers, fe) == -1)
		goto done;
	req.hr_method = "GET";
	req.hr_url = url;
	req.hr_connect_ms = req.hr_total_ms =
	    env_timeout_ms("AWS_METADATA_SERVICE_TIMEOUT", 2000);
	req.hr_no_proxy = 1;
	if (http_do(&req, &resp, err, sizeof(err)) == -1) {
		fe_error(fe, "container credentials: %s", err);
		fe->fe_retryable = 1;
		goto done;
	}
	if (resp.hs_status != 200) {
		body_excerpt(&resp.hs_body, ex, sizeof(ex));
		fe_error(fe,
		    "container credentials: GET %s answered HTTP %ld%s%s", url,
		    resp.hs_status, ex[0] != '\0' ? ": " : "", ex);
		fe->fe_retryable = resp.hs_status >= 500;
		goto done;
	}
	if (kr_awsparse_creds_json(resp.hs_body.data, resp.hs_body.len,
	        &fe->fe_creds, err, sizeof(err)) == -1) {
		fe_error(fe, "container credentials: %s: %s", url, err);
		goto done;
	}
	snprintf(fe->fe_source, sizeof(fe->fe_source),
	    "container endpoint %.120s", url);
	rc = 1;
done:
	if (req.hr_headers != NULL)
		explicit_bzero(
		    req.hr_headers->data, strlen(req.hr_headers->data));
	kr_curl.slist_free_all(req.hr_headers);
	buf_free_secret(&resp.hs_body);
	return rc;
}

/* ---- environment ----------------------------------------------------- */

static int
src_env(struct fetch *fe)
{
	const char *ak = env("AWS_ACCESS_KEY_ID");
	const char *sk = env("AWS_SECRET_ACCESS_KEY");
	const char *tok = env("AWS_SESSION_TOKEN");

	if (ak == NULL && sk == NULL)
		return 0;
	if (ak == NULL || sk == NULL) {
		fe_error(fe, "environment: %s is set but %s is not",
		    ak != NULL ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    ak != NULL ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return -1;
	}
	fe->fe_creds.cr_akid = kr_strdup(ak);
	fe->fe_creds.cr_secret = kr_strdup(sk);
	fe->fe_creds.cr_token = dup_or_null(tok);
	snprintf(fe->fe_source, sizeof(fe->fe_source),
	    "environment (AWS_ACCESS_KEY_ID)");
	return 1;
}

/* ---- STS --------------------------------------------------------------- */

/* The STS endpoint URL (ending in "/"), the Host header to sign and the
 * signing region. */
struct sts_target {
	char st_url[512];
	char st_host[256];
	char st_region[64];
};

static int
sts_target(struct kr_aws_ctx *ctx, struct sts_target *t, struct fetch *fe)
{
	const char *ep = env("AWS_ENDPOINT_URL_STS");
	const char *hp, *slash;
	size_t n, plen = 0;

	snprintf(t->st_region, sizeof(t->st_region), "%s", ctx->ac_sts_region);
	if (ep == NULL) {
		snprintf(t->st_host, sizeof(t->st_host),
		    "sts.%s.amazonaws.com%s", ctx->ac_sts_region,
		    strncmp(ctx->ac_sts_region, "cn-", 3) == 0 ? ".cn" : "");
		snprintf(
		    t->st_url, sizeof(t->st_url), "https://%s/", t->st_host);
		return 0;
	}
	if (strncasecmp(ep, "https://", 8) == 0)
		hp = ep + 8;
	else if (strncasecmp(ep, "http://", 7) == 0)
		hp = ep + 7;
	else
		hp = NULL;
	slash = hp != NULL ? strchr(hp, '/') : NULL;
	if (slash != NULL)
		plen = strspn(slash, "/");
	n = slash != NULL ? (size_t)(slash - hp)
	                  : (hp != NULL ? strlen(hp) : 0);
	if (hp == NULL || n == 0 || n >= sizeof(t->st_host) ||
	    (slash != NULL && slash[plen] != '\0') ||
	    strpbrk(ep, " \r\n") != NULL) {
		fe_error(fe,
		    "AWS_ENDPOINT_URL_STS \"%s\" is not http(s)://host[:port]",
		    ep);
		return -1;
	}
	memcpy(t->st_host, hp, n);
	t->st_host[n] = '\0';
	snprintf(t->st_url, sizeof(t->st_url), "%.*s/",
	    (int)(hp - ep + (ptrdiff_t)n), ep);
	/* Sign the Host header as curl sends it: without a default port. */
	n = strlen(t->st_host);
	if (hp - ep == 8 && n > 4 && strcmp(t->st_host + n - 4, ":443") == 0)
		t->st_host[n - 4] = '\0';
	else if (hp - ep == 7 && n > 3 &&
	         strcmp(t->st_host + n - 3, ":80") == 0)
		t->st_host[n - 3] = '\0';
	/* The global endpoint is signed for us-east-1. */
	if (strcasecmp(t->st_host, "sts.amazonaws.com") == 0)
		snprintf(t->st_region, sizeof(t->st_region), "us-east-1");
	return 0;
}

static int
sts_retryable(long status, const char *code)
{
	if (status >= 500 || status == 429)
		return 1;
	return code != NULL && (strcmp(code, "Throttling") == 0 ||
	                           strcmp(code, "ThrottlingException") == 0 ||
	                           strcmp(code, "RequestLimitExceeded") == 0 ||
	                           strcmp(code, "IDPCommunicationError") == 0);
}

/* Adds "Name: value" to hdrs. */
static struct curl_slist *
add_header(struct curl_slist *hdrs, const char *name, const char *value)
{
	struct kr_buf b = KR_BUF_INIT;

	kr_buf_printf(&b, "%s: %s", name, value);
	hdrs = kr_curl.slist_append(hdrs, b.data);
	buf_free_secret(&b);
	return hdrs;
}

static void
free_headers_secret(struct curl_slist *hdrs)
{
	struct curl_slist *h;

	for (h = hdrs; h != NULL; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	kr_curl.slist_free_all(hdrs);
}

/* POSTs body to the STS endpoint, signed with src (NULL: unsigned).
 * Returns 0 when a response arrived (resp, t filled in), or -1 with fe
 * set. */
static int
sts_send(struct kr_aws_ctx *ctx, const struct kr_sigv4_creds *src,
    const struct kr_buf *body, const char *op, struct sts_target *t,
    struct http_resp *resp, struct fetch *fe)
{
	struct kr_sigv4_result sig = {0};
	struct http_req req = {0};
	char err[1024];
	int rc = -1;

	if (sts_target(ctx, t, fe) == -1)
		return -1;
	req.hr_headers = add_header(NULL, "Host", t->st_host);
	req.hr_headers = add_header(
	    req.hr_headers, "Content-Type", KR_SIGV4_STS_CONTENT_TYPE);
	req.hr_headers = kr_curl.slist_append(req.hr_headers, "Expect:");
	if (src != NULL) {
		if (kr_sigv4_sts_sign(src, t->st_host, t->st_region, time(NULL),
		        body->data, body->len, &sig, err, sizeof(err)) == -1) {
			fe_error(fe, "STS %s: %s", op, err);
			goto done;
		}
		req.hr_headers =
		    add_header(req.hr_headers, "X-Amz-Date", sig.rs_amzdate);
		if (src->cr_token != NULL && src->cr_token[0] != '\0')
			req.hr_headers = add_header(req.hr_headers,
			    "X-Amz-Security-Token", src->cr_token);
		req.hr_headers = add_header(
		    req.hr_headers, "Authorization", sig.rs_authorization.data);
	}
	req.hr_method = "POST";
	req.hr_url = t->st_url;
	req.hr_body = body->data;
	req.hr_bodylen = body->len;
	req.hr_connect_ms = 3000;
	req.hr_total_ms = 10000;
	if (http_do(&req, resp, err, sizeof(err)) == -1) {
		fe_error(fe, "STS %s: %s", op, err);
		fe->fe_retryable = 1;
		goto done;
	}
	rc = 0;
done:
	kr_sigv4_result_free(&sig);
	free_headers_secret(req.hr_headers);
	return rc;
}

/* Calls AssumeRole (signed with src) or, when sp has a web identity token,
 * AssumeRoleWithWebIdentity (unsigned, src NULL). */
static int
sts_call(struct kr_aws_ctx *ctx, const struct kr_sigv4_creds *src,
    const struct kr_sigv4_sts_params *sp, struct fetch *fe)
{
	const char *op = sp->sp_web_identity_token != NULL
	                     ? "AssumeRoleWithWebIdentity"
	                     : "AssumeRole";
	struct kr_awsparse_sts sts = {0};
	struct http_resp resp = {0};
	struct kr_buf body = KR_BUF_INIT;
	struct sts_target t;
	char err[1024];
	int rc = -1;

	if (kr_sigv4_sts_body(&body, sp, err, sizeof(err)) == -1) {
		fe_error(fe, "STS %s: %s", op, err);
		goto done;
	}
	if (sts_send(ctx, src, &body, op, &t, &resp, fe) == -1)
		goto done;
	if (kr_awsparse_sts(resp.hs_body.data, resp.hs_body.len, &sts, err,
	        sizeof(err)) == -1 ||
	    resp.hs_status != 200) {
		fe_error(fe, "STS %s %s (%s): HTTP %ld: %s", op, t.st_url,
		    sp->sp_role_arn, resp.hs_status,
		    resp.hs_status == 200 || sts.st_err_code != NULL
		        ? err
		        : "unexpected response");
		fe->fe_retryable =
		    sts_retryable(resp.hs_status, sts.st_err_code);
		goto done;
	}
	fe->fe_creds = sts.st_creds;
	memset(&sts.st_creds, 0, sizeof(sts.st_creds));
	free(fe->fe_arn);
	fe->fe_arn = sts.st_arn;
	sts.st_arn = NULL;
	aws_log(ctx, KR_AWS_LOG_DEBUG, "STS %s: assumed %s until %lld", op,
	    fe->fe_arn != NULL ? fe->fe_arn : sp->sp_role_arn,
	    (long long)fe->fe_creds.cr_expiration);
	rc = 1;
done:
	kr_awsparse_sts_free(&sts);
	buf_free_secret(&resp.hs_body);
	buf_free_secret(&body);
	return rc;
}

/* awsDebugCreds: logs the ARN of the identity behind creds (STS
 * GetCallerIdentity). Failures are only logged. */
static void
log_caller_identity(struct kr_aws_ctx *ctx, const struct kr_sigv4_creds *cr)
{
	struct http_resp resp = {0};
	struct kr_buf body = KR_BUF_INIT;
	struct sts_target t;
	struct fetch fe;
	char err[512], *arn;

	memset(&fe, 0, sizeof(fe));
	kr_buf_puts(&body, "Action=GetCallerIdentity&Version=2011-06-15");
	if (sts_send(ctx, cr, &body, "GetCallerIdentity", &t, &resp, &fe) ==
	    -1) {
		aws_log(
		    ctx, KR_AWS_LOG_WARNING, "awsDebugCreds: %s", fe.fe_err);
	} else if ((arn = kr_awsparse_caller_arn(resp.hs_body.data,
	                resp.hs_body.len, err, sizeof(err))) == NULL) {
		aws_log(ctx, KR_AWS_LOG_WARNING,
		    "awsDebugCreds: GetCallerIdentity: HTTP %ld: %s",
		    resp.hs_status, err);
	} else {
		aws_log(ctx, KR_AWS_LOG_INFO, "AWS caller identity: %s", arn);
		free(arn);
	}
	buf_free_secret(&resp.hs_body);
	kr_buf_free(&body);
}

/* AssumeRole with the credentials in fe, replacing them. */
static int
assume_role(struct kr_aws_ctx *ctx, const char *role_arn, const char *session,
    const char *external_id, int duration_s, struct fetch *fe)
{
	struct kr_sigv4_sts_params sp = {role_arn,
	    session != NULL ? session : ctx->ac_session_name, external_id,
	    duration_s, NULL};
	struct kr_sigv4_creds src = fe->fe_creds;
	char from[sizeof(fe->fe_source)];
	int rc;

	memset(&fe->fe_creds, 0, sizeof(fe->fe_creds));
	snprintf(from, sizeof(from), "%s", fe->fe_source);
	rc = sts_call(ctx, &src, &sp, fe);
	kr_sigv4_creds_clear(&src);
	if (rc == 1)
		snprintf(fe->fe_source, sizeof(fe->fe_source),
		    "role %.100s assumed with %.150s", role_arn, from);
	return rc;
}

/* AssumeRoleWithWebIdentity with the token read from path now (it is
 * rotated, so it is read at every refresh). */
static int
web_identity(struct kr_aws_ctx *ctx, const char *role_arn, const char *path,
    const char *session, struct fetch *fe)
{
	struct kr_sigv4_sts_params sp = {role_arn, session, NULL, 0, NULL};
	struct kr_buf tok = KR_BUF_INIT;
	char err[512];
	int rc = -1;

	if (read_file(path, &tok, err, sizeof(err)) == -1) {
		fe_error(fe, "web identity: cannot read token file %s", err);
		goto done;
	}
	rtrim(tok.data);
	if (tok.data[0] == '\0') {
		fe_error(fe, "web identity: token file %s is empty", path);
		goto done;
	}
	sp.sp_web_identity_token = tok.data;
	if (sp.sp_session_name == NULL)
		sp.sp_session_name = ctx->ac_session_name;
	rc = sts_call(ctx, NULL, &sp, fe);
	if (rc == 1)
		snprintf(fe->fe_source, sizeof(fe->fe_source),
		    "web identity role %.100s", role_arn);
done:
	buf_free_secret(&tok);
	return rc;
}

static int
src_web_identity_env(struct kr_aws_ctx *ctx, struct fetch *fe)
{
	const char *arn = env("AWS_ROLE_ARN");
	const char *file = env("AWS_WEB_IDENTITY_TOKEN_FILE");

	if (arn == NULL || file == NULL)
		return 0;
	return web_identity(ctx, arn, file, env("AWS_ROLE_SESSION_NAME"), fe);
}

/* ---- credential_process ------------------------------------------------ */

/* Runs cmd through /bin/sh and reads its standard output within
 * PROCESS_TIMEOUT_MS. */
static int
run_process(const char *cmd, struct kr_buf *out, char *errstr, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	char sh[] = "sh", dash_c[] = "-c";
	char *argv[4] = {sh, dash_c, NULL, NULL};
	char chunk[4096];
	struct timespec t0, t1;
	struct pollfd pfd;
	int pipefd[2], st, rc = -1, done = 0;
	long left;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) == -1) {
		snprintf(errstr, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	argv[2] = (char *)(uintptr_t)cmd;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	st = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (st != 0) {
		snprintf(
		    errstr, errlen, "cannot run /bin/sh: %s", strerror(st));
		close(pipefd[0]);
		return -1;
	}
	kr_buf_reserve(out, 65536);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!done) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = PROCESS_TIMEOUT_MS - (t1.tv_sec - t0.tv_sec) * 1000 -
		       (t1.tv_nsec - t0.tv_nsec) / 1000000;
		pfd.fd = pipefd[0];
		pfd.events = POLLIN;
		if (left <= 0 || poll(&pfd, 1, (int)left) == 0) {
			snprintf(errstr, errlen, "timed out after %d ms",
			    PROCESS_TIMEOUT_MS);
			kill(pid, SIGKILL);
			goto reap;
		}
		n = read(pipefd[0], chunk, sizeof(chunk));
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			done = 1;
		} else if (out->len + (size_t)n > 65536) {
			snprintf(errstr, errlen, "output larger than 64 KiB");
			kill(pid, SIGKILL);
			goto reap;
		} else {
			kr_buf_append(out, chunk, (size_t)n);
		}
	}
	rc = 0;
reap:
	explicit_bzero(chunk, sizeof(chunk));
	close(pipefd[0]);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (rc == 0 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		snprintf(errstr, errlen, "exited with status %d",
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		rc = -1;
	}
	/* Terminates the data even when reserve allocated it and
	 * nothing was appended. */
	kr_buf_append(out, "", 0);
	return rc;
}

static int
credential_process(const char *profile, const char *cmd, struct fetch *fe)
{
	struct kr_buf out = KR_BUF_INIT;
	char err[512];
	int rc = -1;

	if (run_process(cmd, &out, err, sizeof(err)) == -1) {
		fe_error(fe, "profile %s: credential_process %s", profile, err);
		goto done;
	}
	if (kr_awsparse_creds_json(
	        out.data, out.len, &fe->fe_creds, err, sizeof(err)) == -1) {
		fe_error(fe, "profile %s: credential_process output: %s",
		    profile, err);
		goto done;
	}
	snprintf(fe->fe_source, sizeof(fe->fe_source),
	    "credential_process of profile %.100s", profile);
	rc = 1;
done:
	buf_free_secret(&out);
	return rc;
}

/* ---- shared credentials and config files ----------------------------- */

static void
file_path(const char *var, const char *dflt, char *out, size_t outlen)
{
	const char *v = env(var), *home = env("HOME");

	if (v == NULL)
		snprintf(
		    out, outlen, "%s/.aws/%s", home != NULL ? home : "", dflt);
	else if (v[0] == '~' && v[1] == '/')
		snprintf(out, outlen, "%s%s", home != NULL ? home : "", v + 1);
	else
		snprintf(out, outlen, "%s", v);
}

/* Loads profile name from the credentials file, then the config file.
 * Returns 1 when found, 0 when not, -1 with errstr set. A missing file is
 * not an error. */
static int
profile_load(const char *name, struct kr_awsparse_profile *pr, char *errstr,
    size_t errlen)
{
	char path[2][512], err[256];
	struct kr_buf b = KR_BUF_INIT;
	int i, rc, found = 0;

	file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials", path[0],
	    sizeof(path[0]));
	file_path("AWS_CONFIG_FILE", "config", path[1], sizeof(path[1]));
	for (i = 0; i < 2; i++) {
		kr_buf_reset(&b);
		if (access(path[i], F_OK) == -1 && errno == ENOENT)
			continue;
		if (read_file(path[i], &b, errstr, errlen) == -1) {
			found = -1;
			break;
		}
		rc = kr_awsparse_profile(
		    b.data, b.len, i, name, pr, err, sizeof(err));
		if (rc == -1) {
			snprintf(errstr, errlen, "%s: %s", path[i], err);
			found = -1;
			break;
		}
		found |= rc;
	}
	buf_free_secret(&b);
	return found;
}

static int src_profile(struct kr_aws_ctx *ctx, const char *name, int explicit,
    int depth, time_t now, struct fetch *fe);

/* The source credentials of a role_arn profile. */
static int
profile_role_source(struct kr_aws_ctx *ctx, const char *name,
    const struct kr_awsparse_profile *pr, int depth, time_t now,
    struct fetch *fe)
{
	const char *cs = pr->pr_credential_source;
	int rc;

	if (pr->pr_source_profile != NULL) {
		if (strcmp(pr->pr_source_profile, name) == 0) {
			/* A profile may name itself for its static keys. */
			if (pr->pr_akid == NULL || pr->pr_secret == NULL) {
				fe_error(fe,
				    "profile %s: source_profile is "
				    "itself but it has no keys",
				    name);
				return -1;
			}
			fe->fe_creds.cr_akid = kr_strdup(pr->pr_akid);
			fe->fe_creds.cr_secret = kr_strdup(pr->pr_secret);
			fe->fe_creds.cr_token = dup_or_null(pr->pr_token);
			snprintf(fe->fe_source, sizeof(fe->fe_source),
			    "profile %.100s", name);
			return 1;
		}
		return src_profile(
		    ctx, pr->pr_source_profile, 1, depth + 1, now, fe);
	}
	if (cs == NULL) {
		fe_error(fe,
		    "profile %s: role_arn needs source_profile, "
		    "credential_source or web_identity_token_file",
		    name);
		return -1;
	}
	if (strcmp(cs, "Environment") == 0)
		rc = src_env(fe);
	else if (strcmp(cs, "Ec2InstanceMetadata") == 0)
		rc = src_imds(ctx, now, fe);
	else if (strcmp(cs, "EcsContainer") == 0)
		rc = src_container(ctx, fe);
	else {
		fe_error(fe, "profile %s: unknown credential_source \"%s\"",
		    name, cs);
		return -1;
	}
	if (rc == 0)
		fe_error(fe,
		    "profile %s: credential_source %s has no "
		    "credentials",
		    name, cs);
	return rc == 0 ? -1 : rc;
}

static int
profile_role(struct kr_aws_ctx *ctx, const char *name,
    const struct kr_awsparse_profile *pr, int depth, time_t now,
    struct fetch *fe)
{
	char *end;
	long dur = 0;
	int rc;

	if (pr->pr_duration_seconds != NULL) {
		errno = 0;
		dur = strtol(pr->pr_duration_seconds, &end, 10);
		if (errno != 0 || *end != '\0' || dur < 900 || dur > 43200) {
			fe_error(fe,
			    "profile %s: duration_seconds \"%s\" is "
			    "not 900..43200",
			    name, pr->pr_duration_seconds);
			return -1;
		}
	}
	if (pr->pr_web_identity_token_file != NULL)
		return web_identity(ctx, pr->pr_role_arn,
		    pr->pr_web_identity_token_file, pr->pr_role_session_name,
		    fe);
	rc = profile_role_source(ctx, name, pr, depth, now, fe);
	if (rc != 1)
		return rc;
	return assume_role(ctx, pr->pr_role_arn, pr->pr_role_session_name,
	    pr->pr_external_id, (int)dur, fe);
}

/* Credentials of profile name. explicit: the user chose it, so a missing
 * or empty profile is an error rather than a reason to go on. */
static int
src_profile(struct kr_aws_ctx *ctx, const char *name, int explicit, int depth,
    time_t now, struct fetch *fe)
{
	struct kr_awsparse_profile pr = {0};
	char err[768];
	int rc;

	if (depth >= PROFILE_MAX_DEPTH) {
		fe_error(fe,
		    "profile %s: source_profile chain longer than %d "
		    "(a loop?)",
		    name, PROFILE_MAX_DEPTH);
		return -1;
	}
	rc = profile_load(name, &pr, err, sizeof(err));
	if (rc == -1) {
		fe_error(fe, "shared config: %s", err);
		goto done;
	}
	if (rc == 0) {
		if (explicit)
			fe_error(fe,
			    "profile %s not found in the shared "
			    "credentials or config file",
			    name);
		rc = explicit ? -1 : 0;
		goto done;
	}
	if (pr.pr_role_arn != NULL) {
		rc = profile_role(ctx, name, &pr, depth, now, fe);
	} else if (pr.pr_akid != NULL && pr.pr_secret != NULL) {
		fe->fe_creds.cr_akid = kr_strdup(pr.pr_akid);
		fe->fe_creds.cr_secret = kr_strdup(pr.pr_secret);
		fe->fe_creds.cr_token = dup_or_null(pr.pr_token);
		snprintf(fe->fe_source, sizeof(fe->fe_source), "profile %.100s",
		    name);
		rc = 1;
	} else if (pr.pr_akid != NULL || pr.pr_secret != NULL) {
		fe_error(fe,
		    "profile %s: aws_access_key_id and "
		    "aws_secret_access_key must both be set",
		    name);
		rc = -1;
	} else if (pr.pr_credential_process != NULL) {
		rc = credential_process(name, pr.pr_credential_process, fe);
	} else {
		if (explicit)
			fe_error(fe, "profile %s has no credentials", name);
		rc = explicit ? -1 : 0;
	}
done:
	kr_awsparse_profile_free(&pr);
	return rc;
}

/* ---- the chain ------------------------------------------------------- */

static int
chain(struct kr_aws_ctx *ctx, time_t now, struct fetch *fe)
{
	const char *prof = env("AWS_PROFILE");
	char err[sizeof(fe->fe_err)];
	int rc;

	if (prof == NULL)
		prof = env("AWS_DEFAULT_PROFILE");
	if (ctx->ac_static.cr_akid != NULL) {
		kr_sigv4_creds_copy(&fe->fe_creds, &ctx->ac_static);
		snprintf(fe->fe_source, sizeof(fe->fe_source),
		    "explicit configuration");
		rc = 1;
	} else if (ctx->ac_profile != NULL) {
		rc = src_profile(ctx, ctx->ac_profile, 1, 0, now, fe);
	} else {
		rc = src_env(fe);
		if (rc == 0)
			rc = src_web_identity_env(ctx, fe);
		if (rc == 0)
			rc = src_profile(ctx, prof != NULL ? prof : "default",
			    prof != NULL, 0, now, fe);
		if (rc == 0)
			rc = src_container(ctx, fe);
		if (rc == 0) {
			rc = src_imds(ctx, now, fe);
			if (rc == -1) {
				snprintf(err, sizeof(err), "%s", fe->fe_err);
				fe_error(fe,
				    "no AWS credentials in the environment, "
				    "shared files or container endpoint, and "
				    "%.900s",
				    err);
			}
		}
		if (rc == 0)
			fe_error(fe, "no AWS credentials: none in the "
			             "environment, no web identity, no "
			             "profile, no container endpoint, and "
			             "IMDS is disabled "
			             "(AWS_EC2_METADATA_DISABLED)");
	}
	if (rc == 1 && ctx->ac_role_arn != NULL)
		rc = assume_role(
		    ctx, ctx->ac_role_arn, NULL, ctx->ac_external_id, 0, fe);
	return rc == 1 ? 1 : -1;
}

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	       (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Runs the chain, retrying retryable failures with full-jitter exponential
 * backoff (base 500 ms, capped by awsMaxBackOffTimeMs), within
 * KR_AWS_REFRESH_BUDGET seconds. */
static int
fetch_with_retries(struct kr_aws_ctx *ctx, time_t now, struct fetch *fe)
{
	struct timespec t0, d;
	long cap, delay;
	int attempt;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (attempt = 0;; attempt++) {
		fe_clear(fe);
		fe->fe_retryable = 0;
		fe->fe_source[0] = fe->fe_err[0] = '\0';
		if (chain(ctx, now, fe) == 1)
			return 1;
		if (!fe->fe_retryable || attempt >= ctx->ac_max_retries)
			return -1;
		cap = 500L << (attempt < 16 ? attempt : 16);
		if (cap > ctx->ac_max_backoff_ms)
			cap = ctx->ac_max_backoff_ms;
		delay = cap > 0 ? (long)(rand_r(&ctx->ac_seed) % (cap + 1)) : 0;
		if (elapsed_ms(&t0) + delay > KR_AWS_REFRESH_BUDGET * 1000L)
			return -1;
		aws_log(ctx, KR_AWS_LOG_WARNING,
		    "AWS credentials, attempt %d failed: %s; retrying in %ld "
		    "ms",
		    attempt + 1, fe->fe_err, delay);
		d.tv_sec = delay / 1000;
		d.tv_nsec = (delay % 1000) * 1000000;
		while (nanosleep(&d, &d) == -1 && errno == EINTR)
			;
	}
}

/* ---- the public functions --------------------------------------------- */

void
kr_aws_opts_init(struct kr_aws_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->ao_max_retries = -1;
	opts->ao_max_backoff_ms = -1;
}

/* The region from the profile's config, for kr_aws_new(). */
static char *
profile_region(const char *name)
{
	struct kr_awsparse_profile pr = {0};
	char err[256], *r = NULL;

	if (profile_load(name, &pr, err, sizeof(err)) == 1 &&
	    pr.pr_region != NULL) {
		r = pr.pr_region;
		pr.pr_region = NULL;
	}
	kr_awsparse_profile_free(&pr);
	return r;
}

static char *
resolve_region(const struct kr_aws_opts *opts, char *errstr, size_t errlen)
{
	const char *prof = opts->ao_profile;
	char buf[64], *r;

	if (opts->ao_region != NULL && opts->ao_region[0] != '\0')
		r = kr_strdup(opts->ao_region);
	else if (opts->ao_bootstrap != NULL &&
	         kr_sigv4_region_from_host(
	             opts->ao_bootstrap, buf, sizeof(buf)) == 0)
		r = kr_strdup(buf);
	else if (env("AWS_REGION") != NULL)
		r = kr_strdup(env("AWS_REGION"));
	else if (env("AWS_DEFAULT_REGION") != NULL)
		r = kr_strdup(env("AWS_DEFAULT_REGION"));
	else {
		if (prof == NULL)
			prof = env("AWS_PROFILE");
		if (prof == NULL)
			prof = env("AWS_DEFAULT_PROFILE");
		r = profile_region(prof != NULL ? prof : "default");
	}
	if (r == NULL) {
		snprintf(errstr, errlen,
		    "no AWS region: the bootstrap servers are not MSK host "
		    "names (b-1.<cluster>.kafka.<region>.amazonaws.com), and "
		    "neither AWS_REGION, AWS_DEFAULT_REGION nor the profile's "
		    "region is set");
		return NULL;
	}
	if (!kr_sigv4_region_valid(r)) {
		snprintf(errstr, errlen, "invalid AWS region \"%s\"", r);
		free(r);
		return NULL;
	}
	return r;
}

struct kr_aws_ctx *
kr_aws_new(const struct kr_aws_opts *opts, char *errstr, size_t errlen)
{
	struct kr_aws_ctx *ctx;
	char *region;

	if ((region = resolve_region(opts, errstr, errlen)) == NULL)
		return NULL;
	if (opts->ao_sts_region != NULL && opts->ao_sts_region[0] != '\0' &&
	    !kr_sigv4_region_valid(opts->ao_sts_region)) {
		snprintf(errstr, errlen, "invalid awsStsRegion \"%s\"",
		    opts->ao_sts_region);
		free(region);
		return NULL;
	}
	if ((opts->ao_access_key_id == NULL) !=
	    (opts->ao_secret_access_key == NULL)) {
		snprintf(errstr, errlen,
		    "an explicit access key id needs its "
		    "secret access key, and back");
		free(region);
		return NULL;
	}
	if (kr_curl_load(errstr, errlen) != 0) {
		free(region);
		return NULL;
	}
	ctx = kr_calloc(1, sizeof(*ctx));
	pthread_mutex_init(&ctx->ac_lock, NULL);
	ctx->ac_region = region;
	ctx->ac_profile = dup_or_null(opts->ao_profile);
	ctx->ac_role_arn = dup_or_null(opts->ao_role_arn);
	ctx->ac_session_name =
	    opts->ao_session_name != NULL && opts->ao_session_name[0] != '\0'
	        ? kr_strdup(opts->ao_session_name)
	        : kr_strdup(KR_AWS_SESSION_NAME);
	ctx->ac_external_id = dup_or_null(opts->ao_external_id);
	ctx->ac_sts_region = dup_or_null(opts->ao_sts_region);
	if (ctx->ac_sts_region == NULL)
		ctx->ac_sts_region = kr_strdup(region);
	ctx->ac_user_agent =
	    kr_strdup(opts->ao_user_agent != NULL ? opts->ao_user_agent
	                                          : KR_AWS_USER_AGENT);
	ctx->ac_static.cr_akid = dup_or_null(opts->ao_access_key_id);
	ctx->ac_static.cr_secret = dup_or_null(opts->ao_secret_access_key);
	ctx->ac_static.cr_token = dup_or_null(opts->ao_session_token);
	ctx->ac_max_retries = opts->ao_max_retries >= 0 ? opts->ao_max_retries
	                                                : KR_AWS_MAX_RETRIES;
	ctx->ac_max_backoff_ms = opts->ao_max_backoff_ms >= 0
	                             ? opts->ao_max_backoff_ms
	                             : KR_AWS_MAX_BACKOFF_MS;
	ctx->ac_debug_creds = opts->ao_debug_creds;
	ctx->ac_log = opts->ao_log;
	ctx->ac_log_opaque = opts->ao_log_opaque;
	ctx->ac_seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	return ctx;
}

void
kr_aws_destroy(struct kr_aws_ctx *ctx)
{
	if (ctx == NULL)
		return;
	pthread_mutex_destroy(&ctx->ac_lock);
	kr_sigv4_creds_clear(&ctx->ac_creds);
	kr_sigv4_creds_clear(&ctx->ac_static);
	imds_drop_token(ctx);
	free(ctx->ac_region);
	free(ctx->ac_profile);
	free(ctx->ac_role_arn);
	free(ctx->ac_session_name);
	free(ctx->ac_external_id);
	free(ctx->ac_sts_region);
	free(ctx->ac_user_agent);
	free(ctx->ac_arn);
	free(ctx);
}

const char *
kr_aws_region(const struct kr_aws_ctx *ctx)
{
	return ctx->ac_region;
}

/* Takes the credentials of fe into the cache. */
static void
install(struct kr_aws_ctx *ctx, struct fetch *fe)
{
	char akid[16], exp[KR_SIGV4_AMZDATE_LEN + 1];

	kr_sigv4_creds_clear(&ctx->ac_creds);
	ctx->ac_creds = fe->fe_creds;
	memset(&fe->fe_creds, 0, sizeof(fe->fe_creds));
	free(ctx->ac_arn);
	ctx->ac_arn = fe->fe_arn;
	fe->fe_arn = NULL;
	snprintf(ctx->ac_source, sizeof(ctx->ac_source), "%s", fe->fe_source);
	ctx->ac_retry_after = 0;
	akid_prefix(ctx->ac_creds.cr_akid, akid, sizeof(akid));
	if (ctx->ac_creds.cr_expiration == 0 ||
	    kr_sigv4_amzdate(ctx->ac_creds.cr_expiration, exp) == -1)
		snprintf(exp, sizeof(exp), "never");
	aws_log(ctx, KR_AWS_LOG_INFO,
	    "AWS credentials from %s (access key %s), expire %s",
	    ctx->ac_source, akid, exp);
	if (ctx->ac_debug_creds)
		log_caller_identity(ctx, &ctx->ac_creds);
}

static int
usable(const struct kr_sigv4_creds *cr, time_t now, time_t margin)
{
	return cr->cr_akid != NULL &&
	       (cr->cr_expiration == 0 || now < cr->cr_expiration - margin);
}

/* Makes ctx->ac_creds current. Called with the lock held. */
static int
refresh_locked(struct kr_aws_ctx *ctx, time_t now, char *errstr, size_t errlen)
{
	struct fetch fe;
	char exp[KR_SIGV4_AMZDATE_LEN + 1];
	int rc = -1;

	if (usable(&ctx->ac_creds, now, KR_AWS_REFRESH_BEFORE))
		return 0;
	if (usable(&ctx->ac_creds, now, KR_AWS_EXPIRY_MARGIN) &&
	    now < ctx->ac_retry_after)
		return 0;
	memset(&fe, 0, sizeof(fe));
	if (fetch_with_retries(ctx, now, &fe) == 1) {
		if (usable(&fe.fe_creds, now, KR_AWS_EXPIRY_MARGIN)) {
			install(ctx, &fe);
			rc = 0;
			goto done;
		}
		fe_error(&fe,
		    "AWS credentials from %s expire in less than "
		    "%d s (at %lld); is the clock right?",
		    fe.fe_source, KR_AWS_EXPIRY_MARGIN,
		    (long long)fe.fe_creds.cr_expiration);
	}
	if (usable(&ctx->ac_creds, now, KR_AWS_EXPIRY_MARGIN)) {
		kr_sigv4_amzdate(ctx->ac_creds.cr_expiration, exp);
		aws_log(ctx, KR_AWS_LOG_WARNING,
		    "refreshing AWS credentials failed: %s; keeping those "
		    "from %s until they expire at %s",
		    fe.fe_err, ctx->ac_source, exp);
		ctx->ac_retry_after = now + 30;
		rc = 0;
		goto done;
	}
	snprintf(errstr, errlen, "%s", fe.fe_err);
	aws_log(
	    ctx, KR_AWS_LOG_ERR, "cannot get AWS credentials: %s", fe.fe_err);
done:
	fe_clear(&fe);
	return rc;
}

int
kr_aws_get_creds(struct kr_aws_ctx *ctx, time_t now, struct kr_sigv4_creds *out,
    char *source, size_t sourcelen, char *errstr, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&ctx->ac_lock);
	rc = refresh_locked(ctx, now, errstr, errlen);
	if (rc == 0) {
		kr_sigv4_creds_copy(out, &ctx->ac_creds);
		if (source != NULL)
			snprintf(source, sourcelen, "%s", ctx->ac_source);
	}
	pthread_mutex_unlock(&ctx->ac_lock);
	return rc;
}

int
kr_aws_msk_sign(struct kr_aws_ctx *ctx, time_t now, time_t sign_time,
    struct kr_sigv4_result *res, int64_t *lifetime_ms, char *source,
    size_t sourcelen, char *errstr, size_t errlen)
{
	struct kr_sigv4_creds cr = {0};
	int64_t lim;
	int rc = -1;

	if (kr_aws_get_creds(
	        ctx, now, &cr, source, sourcelen, errstr, errlen) == -1)
		return -1;
	if (kr_sigv4_msk_token(&cr, ctx->ac_region, (int64_t)sign_time,
	        KR_SIGV4_MSK_EXPIRES, ctx->ac_user_agent, res, errstr,
	        errlen) == -1)
		goto done;
	*lifetime_ms = res->rs_expiry_ms;
	if (cr.cr_expiration != 0) {
		lim = (cr.cr_expiration - KR_AWS_EXPIRY_MARGIN) * 1000;
		if (lim < *lifetime_ms)
			*lifetime_ms = lim;
	}
	rc = 0;
done:
	kr_sigv4_creds_clear(&cr);
	return rc;
}

int
kr_aws_msk_token(struct kr_aws_ctx *ctx, time_t now, char **token,
    int64_t *lifetime_ms, char *errstr, size_t errlen)
{
	struct kr_sigv4_result res = {0};
	int rc = -1;

	*token = NULL;
	if (kr_aws_msk_sign(ctx, now, now, &res, lifetime_ms, NULL, 0, errstr,
	        errlen) == -1)
		goto done;
	if (*lifetime_ms <= (int64_t)now * 1000) {
		snprintf(errstr, errlen, "AWS credentials are expired");
		goto done;
	}
	*token = kr_buf_detach(&res.rs_token);
	rc = 0;
done:
	kr_sigv4_result_free(&res);
	return rc;
}

void
kr_aws_principal(struct kr_aws_ctx *ctx, char *out, size_t outlen)
{
	pthread_mutex_lock(&ctx->ac_lock);
	snprintf(out, outlen, "%s",
	    ctx->ac_arn != NULL ? ctx->ac_arn : "kafka-cluster");
	pthread_mutex_unlock(&ctx->ac_lock);
}

int64_t
kr_aws_creds_expiry(struct kr_aws_ctx *ctx)
{
	int64_t exp;

	pthread_mutex_lock(&ctx->ac_lock);
	exp = ctx->ac_creds.cr_akid != NULL ? ctx->ac_creds.cr_expiration : -1;
	pthread_mutex_unlock(&ctx->ac_lock);
	return exp;
}
