/* SPDX-License-Identifier: MIT */
/* Access control glue: CORS, client addresses, authentication, topics. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "access.h"
#include "kr_alloc.h"
#include "log.h"
#include "server.h"

/* How long a verified Authorization value is trusted without a crypt. */
#define KR_ACCESS_CACHE_TTL_MS 60000
/* Password checks (crypt) allowed per second for uncached credentials. */
#define KR_ACCESS_CRYPTS_PER_S 10

static int
kr_access_read(
    const char *path, struct kr_buf *out, char *errstr, size_t errlen)
{
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1) {
		snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		kr_buf_append(out, chunk, (size_t)n);
	close(fd);
	if (n < 0) {
		snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct kr_access *
kr_access_load(const struct kr_conf *conf, char *errstr, size_t errlen)
{
	const struct kr_auth_conf *ac = &conf->conf_auth;
	struct kr_access *ax = kr_calloc(1, sizeof(*ax));
	struct kr_buf text = KR_BUF_INIT;
	uint8_t key[32];
	char why[256];

	kr_passwd_init(&ax->ax_passwd);
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		snprintf(errstr, errlen, "getrandom: %s", strerror(errno));
		goto fail;
	}
	kr_auth_cache_init(&ax->ax_cache, key);
	explicit_bzero(key, sizeof(key));
	/* A crypt takes ~50 ms on the loop thread: at most 10 a second for
	 * credentials not in the cache, so wrong passwords cannot stall it. */
	kr_auth_cache_budget(
	    &ax->ax_cache, KR_ACCESS_CRYPTS_PER_S, 2 * KR_ACCESS_CRYPTS_PER_S);
	if (ac->ac_method != KR_AUTH_BASIC)
		return ax;
	if (kr_access_read(ac->ac_password_file, &text, errstr, errlen) != 0)
		goto fail;
	if (kr_passwd_parse(text.data != NULL ? text.data : "", text.len,
	        &ax->ax_passwd, why, sizeof(why)) != 0) {
		snprintf(errstr, errlen, "%s: %s", ac->ac_password_file, why);
		goto fail;
	}
	kr_free_secret(text.data, text.cap);
	log_info("authentication: BASIC with %zu users from %s",
	    ax->ax_passwd.pw_count, ac->ac_password_file);
	return ax;
fail:
	kr_free_secret(text.data, text.cap);
	kr_access_free(ax);
	return NULL;
}

void
kr_access_free(struct kr_access *ax)
{
	if (ax == NULL)
		return;
	kr_passwd_free(&ax->ax_passwd);
	kr_auth_cache_clear(&ax->ax_cache);
	free(ax);
}

/* Adds a response header to req (copied: req may outlive the
 * configuration the value came from). */
static void
kr_access_header(struct kr_req *req, const char *name, const char *value)
{
	kr_buf_append(&req->req_hdrs, name, strlen(name) + 1);
	kr_buf_append(&req->req_hdrs, value, strlen(value) + 1);
}

/* Joins every X-Forwarded-For header with ',' (a proxy may add its own). */
static enum MHD_Result
kr_access_xff(
    void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct kr_buf *xff = cls;

	(void)kind;
	if (strcasecmp(key, "X-Forwarded-For") == 0 && value != NULL) {
		if (xff->len > 0)
			kr_buf_putc(xff, ',');
		kr_buf_puts(xff, value);
	}
	return MHD_YES;
}

static int
kr_access_cors(
    struct kr_req *req, const struct kr_auth_conf *ac, const char *method)
{
	struct MHD_Connection *c = req->req_conn;
	struct kr_cors cors;
	size_t i;

	if (ac->ac_norigins == 0)
		return 0; /* CORS off: no header lookups */
	if (!kr_cors_headers(ac, method,
	        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
	        MHD_lookup_connection_value(
	            c, MHD_HEADER_KIND, "Access-Control-Request-Method"),
	        MHD_lookup_connection_value(
	            c, MHD_HEADER_KIND, "Access-Control-Request-Headers"),
	        &cors))
		return 0;
	for (i = 0; i < cors.cr_nheaders; i++)
		kr_access_header(
		    req, cors.cr_headers[i].h_name, cors.cr_headers[i].h_value);
	if (!cors.cr_preflight)
		return 0;
	/* Jetty's CrossOriginFilter answers preflights itself. */
	req->req_status = 200;
	req->req_ctype = NULL;
	req->req_state = KR_REQ_ANSWERED;
	return -1;
}

static int
kr_access_auth(
    struct kr_req *req, const struct kr_auth_conf *ac, const char *path)
{
	struct kr_server *srv = req->req_srv;
	struct MHD_Connection *c = req->req_conn;
	char user[64], www[256];
	int ok = 1;

	if (!kr_auth_conf_needs_auth(ac) || kr_auth_skip_path(ac, path))
		return 0;
	if (ac->ac_method == KR_AUTH_BASIC)
		ok = kr_auth_basic_cached(ac, &srv->srv_access->ax_passwd,
		    &srv->srv_access->ax_cache,
		    MHD_lookup_connection_value(
		        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION),
		    (int64_t)(kr_now_us() / 1000), KR_ACCESS_CACHE_TTL_MS, user,
		    sizeof(user));
	if (ok && ac->ac_header_name != NULL)
		ok = kr_auth_header_ok(
		    ac, MHD_lookup_connection_value(
		            c, MHD_HEADER_KIND, ac->ac_header_name));
	if (ok)
		return 0;
	kr_metrics_auth_failure(srv->srv_metrics);
	if (ac->ac_method == KR_AUTH_BASIC)
		kr_access_header(req, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    kr_auth_www_authenticate(ac, www, sizeof(www)));
	kr_err_set(&req->req_err, KR_E_UNAUTHENTICATED, NULL);
	return -1;
}

int
kr_access_check(struct kr_req *req, const char *method, const char *path)
{
	const struct kr_auth_conf *ac = &req->req_srv->srv_conf->conf_auth;
	struct kr_buf xff = KR_BUF_INIT;
	char client[64];
	int allowed;

	if (kr_access_cors(req, ac, method) != 0)
		return -1;
	if (ac->ac_nallow > 0) {
		MHD_get_connection_values(
		    req->req_conn, MHD_HEADER_KIND, kr_access_xff, &xff);
		allowed = kr_auth_client_allowed(
		    ac, req->req_client, xff.data, client, sizeof(client));
		kr_buf_free(&xff);
		if (!allowed) {
			kr_err_set(&req->req_err, KR_E_DENIED,
			    "Forbidden: client address not allowed");
			return -1;
		}
	}
	return kr_access_auth(req, ac, path);
}

int
kr_access_topic(struct kr_req *req)
{
	const struct kr_auth_conf *ac = &req->req_srv->srv_conf->conf_auth;

	if (kr_auth_topic_allowed(ac, req->req_route.rt_topic))
		return 0;
	kr_err_set(&req->req_err, KR_E_FORBIDDEN,
	    "Not authorized to access topics: [%s]", req->req_route.rt_topic);
	return -1;
}
