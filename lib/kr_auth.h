/* SPDX-License-Identifier: MIT */
/* Who may post: HTTP Basic against a file of crypt(3) hashes, the shared-
 * secret header API Gateway adds, client address and topic allowlists and
 * CORS as Jetty's CrossOriginFilter answers it. Pure decisions; the daemon
 * reads files, owns sockets and writes the responses. */
#ifndef KR_AUTH_H
#define KR_AUTH_H

#include <stddef.h>
#include <stdint.h>

/* An address block. IPv4 is held as IPv4-mapped IPv6 (::ffff:a.b.c.d,
 * prefix + 96), so a mapped peer address matches IPv4 blocks. */
struct kr_cidr {
	uint8_t cd_addr[16]; /* network address, host bits zero */
	unsigned cd_bits;    /* prefix length, 0..128 */
};

enum kr_auth_method {
	KR_AUTH_NONE = 0, /* authentication.method=NONE (default) */
	KR_AUTH_BASIC     /* authentication.method=BASIC */
};

/* The access-control part of the configuration. Every pointer is owned
 * by the struct and freed by kr_auth_conf_free(). Comma lists are kept
 * trimmed, without empty items. */
struct kr_auth_conf {
	enum kr_auth_method ac_method;   /* authentication.method */
	char *ac_realm;                  /* authentication.realm, "KafkaRest" */
	char *ac_password_file;          /* authentication.password.file */
	char *ac_header_name;            /* authentication.header.name */
	char *ac_header_secret;          /* authentication.header.secret */
	size_t ac_header_secret_len;     /* its length */
	unsigned char ac_header_mac[32]; /* HMAC-SHA256 of the secret */
	char **ac_skip_paths;            /* authentication.skip.paths */
	size_t ac_nskip_paths;
	struct kr_cidr *ac_allow; /* allow.client.addresses; none: all */
	size_t ac_nallow;
	struct kr_cidr *ac_proxies; /* trusted.proxies */
	size_t ac_nproxies;
	char **ac_topics; /* topic.allowlist globs; none: all */
	size_t ac_ntopics;
	char **ac_origins;       /* access.control.allow.origin */
	size_t ac_norigins;      /* 0: CORS off */
	int ac_any_origin;       /* "*" among the origins */
	char *ac_allow_methods;  /* "GET,POST,HEAD" */
	char *ac_allow_headers;  /* "X-Requested-With,Content-Type,..." */
	int ac_any_header;       /* "*" among the allowed headers */
	char *ac_expose_headers; /* NULL: none */
	char ac_max_age[12];     /* access.control.max.age, "1800";
	                            "" when 0 (no header) */
};

/* Fills ac with the defaults: everything off, realm "KafkaRest", Jetty's
 * CORS methods, headers and max-age. Allocates nothing. */
void kr_auth_conf_init(struct kr_auth_conf *ac);

/* Frees everything ac owns (the secret is zeroed first) and leaves it as
 * kr_auth_conf_init() does. */
void kr_auth_conf_free(struct kr_auth_conf *ac);

/* Applies one properties key. key and value are borrowed (copied when
 * kept); value is already trimmed by the properties parser. Returns 1
 * when the key is not an access-control key (ac unchanged), 0 when it is
 * accepted, -1 with a message in errstr on a bad value (the message never
 * quotes a secret value). A later value for a key replaces the earlier. */
int kr_auth_conf_set(struct kr_auth_conf *ac, const char *key,
    const char *value, char *errstr, size_t errlen);

/* Cross-key checks after the last kr_auth_conf_set(): BASIC needs a
 * password file, a header name needs a secret and the other way round.
 * Returns 0, or -1 with a message in errstr. */
int kr_auth_conf_check(
    const struct kr_auth_conf *ac, char *errstr, size_t errlen);

/* 1 if ac holds a secret (authentication.header.secret), so that the
 * properties file must not be group- or other-accessible. */
int kr_auth_conf_has_secrets(const struct kr_auth_conf *ac);

/* 1 if any check needs a credential (BASIC or the secret header). */
int kr_auth_conf_needs_auth(const struct kr_auth_conf *ac);

/* 1 if path (no query string) is in authentication.skip.paths: an exact
 * entry, or "/prefix/ *" (without the space) for /prefix and below, as
 * Jetty path specs match. */
int kr_auth_skip_path(const struct kr_auth_conf *ac, const char *path);

/* ---- password file ------------------------------------------------- */

struct kr_passwd_entry {
	char *pe_user; /* user name, no ':' */
	char *pe_hash; /* crypt(3) hash, e.g. "$y$j9T$..." */
};

struct kr_passwd {
	struct kr_passwd_entry *pw_list;
	size_t pw_count;
};

void kr_passwd_init(struct kr_passwd *pw);
/* Frees the entries (hashes zeroed) and leaves pw empty. */
void kr_passwd_free(struct kr_passwd *pw);

/* Parses len bytes of "user:hash" lines ('#' comments and blank lines
 * skipped, CRLF accepted) into pw, which must be empty (kr_passwd_init).
 * Every hash must be in a salted crypt format: $y$ $gy$ $7$ $2b$ $2y$ $6$
 * $5$. Returns 0, or -1 with "line N: ..." in errstr (pw is then left
 * empty); a plain-text or weak hash is refused and the message tells how
 * to make a good one. The message never quotes the hash field. */
int kr_passwd_parse(const char *buf, size_t len, struct kr_passwd *pw,
    char *errstr, size_t errlen);

/* ---- checks per request (pure; any thread, ac and pw read only) ------ */

/* HTTP Basic: authorization_header is the Authorization value (NULL when
 * absent). Parses "Basic <base64(user:password)>" strictly (scheme case-
 * insensitive, base64 without whitespace, at most 4096 bytes) and checks
 * the password with crypt_r; an unknown user costs a crypt against another
 * hash so that timing does not tell which names exist. Returns 1 to
 * accept, 0 to reject. The decoded credential is zeroed before return.
 * Slow on purpose (one hash: milliseconds); user_out, when not NULL,
 * receives the user name of an accepted request for the access log. */
int kr_auth_basic(const struct kr_auth_conf *ac, const struct kr_passwd *pw,
    const char *authorization_header);
int kr_auth_basic_user(const struct kr_auth_conf *ac,
    const struct kr_passwd *pw, const char *authorization_header,
    char *user_out, size_t user_len);

/* A cache of accepted Basic credentials, so that a client sending the same
 * Authorization value again does not cost another crypt (yescrypt takes
 * ~45 ms, bcrypt cost 10 ~200 ms: on the loop thread that would cap the
 * daemon at a few dozen requests per second). It holds HMAC-SHA256 digests
 * under a random key, never the credential, and only successes: every
 * wrong credential still costs a crypt. Not thread-safe: one per thread,
 * or under a lock. Clear it when the password file is reloaded. */
#define KR_AUTH_CACHE_SIZE 64

struct kr_auth_cache_entry {
	unsigned char ce_mac[32]; /* HMAC(key, Authorization value) */
	int64_t ce_expires_ms;    /* 0: free slot */
	char ce_user[64];         /* user name for the access log */
};

struct kr_auth_cache {
	unsigned char ac_key[32]; /* random, from the daemon */
	struct kr_auth_cache_entry ac_entries[KR_AUTH_CACHE_SIZE];
	size_t ac_next;          /* next slot to replace (round robin) */
	int64_t ac_rate;         /* crypts per second on misses; 0: no limit */
	int64_t ac_burst;        /* bucket size, in crypts */
	int64_t ac_tokens_milli; /* bucket level, in 1/1000 crypt */
	int64_t ac_last_ms;      /* last refill */
	uint64_t ac_throttled;   /* misses refused because the bucket was
	                            empty (for metrics) */
};

/* Empties cache and sets its MAC key (32 random bytes: the daemon reads
 * them from getrandom(2)). */
void kr_auth_cache_init(struct kr_auth_cache *cache, const uint8_t key[32]);
/* Forgets every entry (zeroed), keeping the key and the budget. */
void kr_auth_cache_clear(struct kr_auth_cache *cache);
/* Limits the crypts that cache misses may run to per_second (bucket of
 * burst), so that a flood of wrong credentials cannot hold the event loop
 * (a wrong credential is never cached and each costs a full crypt).
 * Cached clients keep passing during such a flood; a miss beyond the
 * budget is rejected without a crypt and counted in ac_throttled. */
void kr_auth_cache_budget(
    struct kr_auth_cache *cache, int64_t per_second, int64_t burst);

/* kr_auth_basic_user() through cache: a hit (same Authorization value,
 * not expired at now_ms) accepts without a crypt; a miss verifies and, on
 * success, stores the value for ttl_ms. The lookup compares every slot in
 * constant time. Returns 1 to accept, 0 to reject. */
int kr_auth_basic_cached(const struct kr_auth_conf *ac,
    const struct kr_passwd *pw, struct kr_auth_cache *cache,
    const char *authorization_header, int64_t now_ms, int64_t ttl_ms,
    char *user_out, size_t user_len);

/* The shared-secret header: value is the received value of
 * ac_header_name (NULL when absent). Compares HMAC-SHA256 digests in
 * constant time, so neither the content nor the length of the secret
 * shows in the timing. Returns 1 when it matches (or when no header is
 * configured), 0 otherwise. */
int kr_auth_header_ok(const struct kr_auth_conf *ac, const char *value);

/* The WWW-Authenticate value of a 401 under BASIC: Basic realm="<realm>".
 * Returns a pointer into buf, "" when not BASIC. */
const char *kr_auth_www_authenticate(
    const struct kr_auth_conf *ac, char *buf, size_t len);

/* Parses "a.b.c.d[/n]" or an IPv6 address "x:x::x[/n]" (no zone, no
 * brackets) of exactly len bytes. Without /n the block is one address.
 * Host bits beyond the prefix are cleared. Returns 0 or -1. */
int kr_cidr_parse(const char *s, size_t len, struct kr_cidr *out);

/* Parses one address (IPv4, IPv6, or IPv6 in brackets with an optional
 * ":port", or IPv4 with ":port") into 16 bytes (IPv4 mapped). Returns 0
 * or -1. */
int kr_ip_parse(const char *s, size_t len, uint8_t out[16]);

/* 1 if addr is inside the block. */
int kr_cidr_match(const struct kr_cidr *cd, const uint8_t addr[16]);

/* The client address allowlist. peer_ip: the TCP peer as text; xff: the
 * X-Forwarded-For value (all such headers joined with ','; NULL when
 * absent). The effective client is the peer, or, only when the peer is in
 * trusted.proxies, the rightmost X-Forwarded-For entry that is not itself
 * a trusted proxy (the leftmost if all are); an entry that is not an
 * address makes the client unknown. The effective client (or "unknown") is
 * written to client_out for logs. Returns 1 when allowed (always, when
 * allow.client.addresses is empty), 0 otherwise. */
int kr_auth_client_allowed(const struct kr_auth_conf *ac, const char *peer_ip,
    const char *xff, char *client_out, size_t len);

/* 1 if topic matches topic.allowlist (or the list is empty). */
int kr_auth_topic_allowed(const struct kr_auth_conf *ac, const char *topic);

/* Glob match of a whole NUL-terminated string: '*' any run, '?' one
 * byte, everything else literal. 1 on a match. */
int kr_glob_match(const char *pattern, const char *s);

/* ---- CORS (Jetty CrossOriginFilter) --------------------------------- */

struct kr_hdr {
	const char *h_name;  /* static */
	const char *h_value; /* borrowed from ac or from the arguments */
};

#define KR_CORS_MAX_HEADERS 8

struct kr_cors {
	int cr_applies;   /* CORS is on and the request has an Origin */
	int cr_preflight; /* OPTIONS + Origin + Access-Control-Request-Method:
	                     answer it now, 200, empty body, before the address
	                     and auth checks (not chained, as Jetty) */
	int cr_allowed;   /* origin allowed (and, for a preflight, the method
	                     and headers): the headers below are set */
	struct kr_hdr cr_headers[KR_CORS_MAX_HEADERS]; /* to add, in order */
	size_t cr_nheaders;
};

/* Decides CORS for one request. method: the request method; origin,
 * req_method, req_headers: the Origin, Access-Control-Request-Method and
 * Access-Control-Request-Headers values (NULL when absent). Fills out
 * (values borrowed from ac and the arguments: valid while both are).
 * A disallowed origin gets no headers (cr_allowed 0); its preflight is
 * still answered here (the browser then refuses) and a normal request
 * continues as Jetty chains it. Returns cr_applies. */
int kr_cors_headers(const struct kr_auth_conf *ac, const char *method,
    const char *origin, const char *req_method, const char *req_headers,
    struct kr_cors *out);

#endif
