/* SPDX-License-Identifier: MIT */
/* Who may post: CORS preflights, the client address allowlist, HTTP
 * authentication and the topic allowlist, in that order (lib/kr_auth does
 * the deciding; this is the glue to libmicrohttpd). Loop thread. */
#ifndef KR_ACCESS_H
#define KR_ACCESS_H

#include <stddef.h>

#include "kr_auth.h"
#include "kr_conf.h"

struct kr_req;
struct kr_server;

/* The access state that goes with one configuration: the password file's
 * entries and the cache of verified credentials. */
struct kr_access {
	struct kr_passwd ax_passwd;    /* authentication.password.file */
	struct kr_auth_cache ax_cache; /* verified Authorization values */
};

/* Reads what conf's access settings need (the password file) into a new
 * kr_access. Returns NULL with errstr set when the file is unreadable or
 * holds a plain-text password. */
struct kr_access *kr_access_load(
    const struct kr_conf *conf, char *errstr, size_t errlen);
void kr_access_free(struct kr_access *ax);

/* Checks req before routing. Returns 0 to go on, or -1 when req has been
 * given its answer (a preflight) or its error (403, 401). Adds the CORS
 * and WWW-Authenticate headers to req. */
int kr_access_check(struct kr_req *req, const char *method, const char *path);

/* The topic allowlist, after routing: 0, or -1 with req's error set. */
int kr_access_topic(struct kr_req *req);

#endif
