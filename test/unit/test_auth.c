/* SPDX-License-Identifier: MIT */
/* kr_auth: configuration keys, password file, HTTP Basic, the shared-
 * secret header, CIDRs and X-Forwarded-For, topic globs, CORS. */
#include <crypt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kr_alloc.h"
#include "kr_auth.h"
#include "kr_b64.h"
#include "kr_buf.h"
#include "kr_test.h"

/* "pw" hashed by libxcrypt with a cheap SHA-256 setting, made once with
 * crypt_gensalt_rn("$5$", 1000) so that a fixed hash is tested too. */
#define FIXED_SHA256                                                           \
	"$5$rounds=1000$lQxIx8pdKVcCqwOx$6oe/Z47fcTdvWxFX0qansnh3uhoqjMQ1txoT" \
	"Uu9EpyC"
#define FIXED_BCRYPT                                                           \
	"$2b$04$PSAGBvJeYkn5P7oRaVleReOW4Fr4hvzK/PTjIw/qxDOstV9pWcQsG"
#define FIXED_YESCRYPT                                                         \
	"$y$j9T$8RVwn1QF7VK0RkjxmqpWZ/$WDmkVBoEaut9bAC7QUER/evv7Gfl/lYbFzceI"  \
	"TALCz2"

/* A fresh hash of pass with the given prefix and cost, into out. */
static void
make_hash(const char *prefix, unsigned long cost, const char *pass, char *out,
    size_t len)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd = kr_calloc(1, sizeof(*cd));
	const char *h;

	h = crypt_gensalt_rn(prefix, cost, NULL, 0, salt, sizeof(salt));
	KR_CHECKF(h != NULL, "gensalt %s", prefix);
	h = h != NULL ? crypt_r(pass, h, cd) : NULL;
	KR_CHECKF(h != NULL && h[0] == '$', "crypt %s", prefix);
	snprintf(out, len, "%s", h != NULL ? h : "*");
	free(cd);
}

/* "Basic " + base64(cred) into out. */
static void
basic(const char *cred, char *out, size_t len)
{
	struct kr_buf b = KR_BUF_INIT;

	kr_b64_encode(cred, strlen(cred), &b);
	snprintf(out, len, "Basic %s", b.data != NULL ? b.data : "");
	kr_buf_free(&b);
}

static void
test_conf_set(void)
{
	static const struct {
		const char *key, *value;
		int rc;
	} cases[] = {
	    {"authentication.method", "BASIC", 0},
	    {"authentication.method", "basic", 0},
	    {"authentication.method", "NONE", 0},
	    {"authentication.method", "BEARER", -1},
	    {"authentication.method", "DIGEST", -1},
	    {"authentication.realm", "Kafka Rest", 0},
	    {"authentication.realm", "a\"b", -1},
	    {"authentication.realm", "", -1},
	    {"authentication.password.file", "/etc/krest/passwd", 0},
	    {"authentication.header.name", "X-Krest-Secret", 0},
	    {"authentication.header.name", "X Bad", -1},
	    {"authentication.header.name", "Authorization", -1},
	    {"authentication.header.secret", "0123456789abcdef", 0},
	    {"authentication.header.secret", "short", -1},
	    {"authentication.header.secret", "0123456789abcdef\n", -1},
	    {"authentication.skip.paths", "/healthz, /readyz", 0},
	    {"authentication.skip.paths", "healthz", -1},
	    {"allow.client.addresses", "10.0.0.0/8,2001:db8::/32", 0},
	    {"allow.client.addresses", "10.0.0.0/33", -1},
	    {"allow.client.addresses", "example.com", -1},
	    {"trusted.proxies", "127.0.0.1, ::1", 0},
	    {"trusted.proxies", "1.2.3", -1},
	    {"topic.allowlist", "0a1b2c3d4e5f.*,logs-?", 0},
	    {"topic.allowlist", "bad/topic", -1},
	    {"access.control.allow.origin", "*", 0},
	    {"access.control.allow.origin", "https://a.example\r\nX: y", -1},
	    {"access.control.allow.methods", "GET, POST, PUT", 0},
	    {"access.control.allow.headers", "Content-Type", 0},
	    {"access.control.expose.headers", "X-Request-Id", 0},
	    {"access.control.max.age", "600", 0},
	    {"access.control.max.age", "-1", -1},
	    {"access.control.max.age", "12x", -1},
	    {"access.control.max.age", "99999999999", -1},
	    {"listeners", "http://0.0.0.0:8082", 1},
	    {"authentication.roles", "*", 1},
	    {"bootstrap.servers", "x:9092", 1},
	};
	struct kr_auth_conf ac;
	char err[256];
	size_t i;
	int rc;

	kr_auth_conf_init(&ac);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		rc = kr_auth_conf_set(
		    &ac, cases[i].key, cases[i].value, err, sizeof(err));
		KR_CHECKF(rc == cases[i].rc, "%s=%s: rc %d want %d (%s)",
		    cases[i].key, cases[i].value, rc, cases[i].rc, err);
		KR_CHECKF(
		    rc != -1 || err[0] != '\0', "%s: no message", cases[i].key);
	}
	/* A refused secret is not quoted back. */
	rc = kr_auth_conf_set(&ac, "authentication.header.secret",
	    "tooshort-SECRET", err, sizeof(err));
	KR_CHECK(rc == -1 && strstr(err, "SECRET") == NULL);
	/* Later values replace earlier ones; the last good one stays. */
	KR_CHECK(ac.ac_method == KR_AUTH_NONE);
	KR_CHECK_STR(ac.ac_realm, "Kafka Rest");
	KR_CHECK(ac.ac_nskip_paths == 2);
	KR_CHECK_STR(ac.ac_skip_paths[1], "/readyz");
	KR_CHECK(ac.ac_nallow == 2 && ac.ac_nproxies == 2);
	KR_CHECK(ac.ac_ntopics == 2);
	KR_CHECK(ac.ac_norigins == 1 && ac.ac_any_origin);
	KR_CHECK_STR(ac.ac_allow_methods, "GET,POST,PUT");
	KR_CHECK_STR(ac.ac_max_age, "600");
	KR_CHECK(kr_auth_conf_has_secrets(&ac));
	KR_CHECK(ac.ac_header_secret_len == 16);
	KR_CHECK(kr_auth_conf_needs_auth(&ac));
	/* Empty values restore the defaults. */
	KR_CHECK(kr_auth_conf_set(&ac, "access.control.allow.methods", "", err,
	             sizeof(err)) == 0);
	KR_CHECK(ac.ac_allow_methods == NULL);
	KR_CHECK(kr_auth_conf_set(&ac, "access.control.max.age", "0", err,
	             sizeof(err)) == 0);
	KR_CHECK_STR(ac.ac_max_age, "");
	KR_CHECK(kr_auth_conf_set(&ac, "authentication.header.secret", "", err,
	             sizeof(err)) == 0);
	KR_CHECK(!kr_auth_conf_has_secrets(&ac));
	kr_auth_conf_free(&ac);
	KR_CHECK(ac.ac_realm == NULL && ac.ac_norigins == 0);
	KR_CHECK_STR(ac.ac_max_age, "1800");
	kr_auth_conf_free(&ac);
}

static void
test_conf_check(void)
{
	struct kr_auth_conf ac;
	char err[256];

	kr_auth_conf_init(&ac);
	KR_CHECK(kr_auth_conf_check(&ac, err, sizeof(err)) == 0);
	KR_CHECK(!kr_auth_conf_needs_auth(&ac));
	kr_auth_conf_set(&ac, "authentication.method", "BASIC", err, 256);
	KR_CHECK(kr_auth_conf_check(&ac, err, sizeof(err)) == -1);
	KR_CHECK(strstr(err, "authentication.password.file") != NULL);
	kr_auth_conf_set(&ac, "authentication.password.file", "/p", err, 256);
	KR_CHECK(kr_auth_conf_check(&ac, err, sizeof(err)) == 0);
	kr_auth_conf_set(&ac, "authentication.header.name", "X-S", err, 256);
	KR_CHECK(kr_auth_conf_check(&ac, err, sizeof(err)) == -1);
	kr_auth_conf_set(&ac, "authentication.header.secret",
	    "0123456789abcdefXYZ", err, 256);
	KR_CHECK(kr_auth_conf_check(&ac, err, sizeof(err)) == 0);
	kr_auth_conf_set(&ac, "authentication.header.name", "", err, 256);
	KR_CHECK(kr_auth_conf_check(&ac, err, sizeof(err)) == -1);
	kr_auth_conf_free(&ac);
}

static void
test_passwd_parse(void)
{
	static const struct {
		const char *text;
		int rc;
		size_t count;
		const char *err; /* substring of the message */
	} cases[] = {
	    {"", 0, 0, NULL},
	    {"# only a comment\n\n   \n", 0, 0, NULL},
	    {"alice:" FIXED_SHA256 "\n", 0, 1, NULL},
	    {"alice:" FIXED_SHA256 "\r\nbob:" FIXED_BCRYPT "\r\n", 0, 2, NULL},
	    {"  alice:" FIXED_YESCRYPT "  \n# x\nbob:" FIXED_BCRYPT, 0, 2,
	        NULL},
	    {"alice:secret\n", -1, 0, "line 1: plain-text passwords"},
	    {"# c\nalice:" FIXED_SHA256 "\nbob:hunter2\n", -1, 0,
	        "line 3: plain-text passwords are refused; make a hash with "
	        "`mkpasswd -m yescrypt`"},
	    {"alice:$apr1$abc$def\n", -1, 0, "weak"},
	    {"alice:$1$abc$def\n", -1, 0, "weak"},
	    {"alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n", -1, 0, "weak"},
	    {"alice:abJnggxhB/yWI\n", -1, 0, "plain-text"},
	    {"alice\n", -1, 0, "line 1: no ':'"},
	    {":" FIXED_SHA256 "\n", -1, 0, "user name"},
	    {"al ice:" FIXED_SHA256 "\n", -1, 0, "user name"},
	    {"alice:\n", -1, 0, "plain-text"},
	    {"alice:$6$\n", -1, 0, "line 1"},
	    {"alice:$6$salt$\n", -1, 0, "malformed"},
	    {"alice:$y$j9T$salt$ha sh\n", -1, 0, "malformed"},
	    {"alice:$2b$04$short\n", -1, 0, "bcrypt"},
	    {"alice:" FIXED_SHA256 "\nalice:" FIXED_BCRYPT "\n", -1, 0,
	        "line 2: user 'alice' is listed twice"},
	};
	struct kr_passwd pw;
	char err[512];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kr_passwd_init(&pw);
		err[0] = '\0';
		rc = kr_passwd_parse(cases[i].text, strlen(cases[i].text), &pw,
		    err, sizeof(err));
		KR_CHECKF(rc == cases[i].rc && pw.pw_count == cases[i].count,
		    "case %zu: rc %d count %zu (%s)", i, rc, pw.pw_count, err);
		if (cases[i].err != NULL)
			KR_CHECKF(strstr(err, cases[i].err) != NULL,
			    "case %zu: message [%s]", i, err);
		kr_passwd_free(&pw);
	}
	/* The fields, and a NUL byte refused. */
	kr_passwd_init(&pw);
	rc = kr_passwd_parse(
	    "u:" FIXED_SHA256, 2 + strlen(FIXED_SHA256), &pw, err, sizeof(err));
	KR_CHECK(rc == 0 && pw.pw_count == 1);
	if (pw.pw_count == 1) {
		KR_CHECK_STR(pw.pw_list[0].pe_user, "u");
		KR_CHECK_STR(pw.pw_list[0].pe_hash, FIXED_SHA256);
	}
	kr_passwd_free(&pw);
	KR_CHECK(kr_passwd_parse("a\0b", 3, &pw, err, sizeof(err)) == -1);
	/* A plain-text password is never quoted in the message. */
	KR_CHECK(kr_passwd_parse(
	             "bob:Hunter2Secret\n", 18, &pw, err, sizeof(err)) == -1 &&
	         strstr(err, "Hunter2Secret") == NULL);
}

static void
test_basic(void)
{
	char h_y[256], h_6[256], h_2b[256], h_5[256], file[2048];
	char hdr[8192], user[64];
	struct kr_auth_conf ac;
	struct kr_passwd pw;
	char err[256];
	size_t i;
	int rc;
	static const struct {
		const char *cred; /* NULL: header used as is */
		const char *header;
		int ok;
	} cases[] = {
	    {"alice:correct horse", NULL, 1},
	    {"bob:b0b:with:colons", NULL, 1},
	    {"carol:c", NULL, 1},
	    {"dave:pw", NULL, 1},
	    {"erin:pw", NULL, 1},
	    {"alice:correct horsf", NULL, 0},
	    {"alice:correct horse ", NULL, 0},
	    {"alice:", NULL, 0},
	    {"Alice:correct horse", NULL, 0},
	    {"mallory:correct horse", NULL, 0},
	    {":correct horse", NULL, 0},
	    {"alicecorrect horse", NULL, 0},
	    {"bob:b0b", NULL, 0},
	    {NULL, "", 0},
	    {NULL, "Basic", 0},
	    {NULL, "Basic ", 0},
	    {NULL, "Bearer ZGF2ZTpwdw==", 0},
	    {NULL, "BasicZGF2ZTpwdw==", 0},
	    {NULL, "Basic ZGF2ZTpwdw", 1},   /* padding is optional */
	    {NULL, "basic ZGF2ZTpwdw==", 1}, /* the scheme is case-blind */
	    {NULL, "Basic   ZGF2ZTpwdw== ", 1},
	    {NULL, "Basic ZGF2ZTpwdw=", 0},
	    {NULL, "Basic ZGF2ZT pwdw==", 0},
	    {NULL, "Basic ZGF2ZTpwdw==\t x", 0},
	    {NULL, "Basic ZGF2ZTpwdw-_", 0},
	    {NULL, "Basic !!!!", 0},
	    {NULL, "Basic ZGF2ZQBwdw==", 0}, /* "dave\0pw" */
	    {NULL, "Basic ZGF2ZTpwdwA=", 0}, /* "dave:pw\0" */
	    {NULL, "Digest username=\"dave\"", 0},
	};

	make_hash("$y$", 0, "correct horse", h_y, sizeof(h_y));
	make_hash("$6$", 1000, "b0b:with:colons", h_6, sizeof(h_6));
	make_hash("$2b$", 4, "c", h_2b, sizeof(h_2b));
	make_hash("$5$", 1000, "pw", h_5, sizeof(h_5));
	snprintf(file, sizeof(file),
	    "# users\nalice:%s\nbob:%s\ncarol:%s\ndave:%s\nerin:%s\n", h_y, h_6,
	    h_2b, h_5, FIXED_SHA256);
	kr_auth_conf_init(&ac);
	kr_passwd_init(&pw);
	rc = kr_passwd_parse(file, strlen(file), &pw, err, sizeof(err));
	KR_CHECKF(rc == 0 && pw.pw_count == 5, "parse: %s", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].cred != NULL)
			basic(cases[i].cred, hdr, sizeof(hdr));
		else
			snprintf(hdr, sizeof(hdr), "%s", cases[i].header);
		rc = kr_auth_basic(&ac, &pw, hdr);
		KR_CHECKF(rc == cases[i].ok, "case %zu [%s]: %d", i, hdr, rc);
	}
	KR_CHECK(kr_auth_basic(&ac, &pw, NULL) == 0);
	KR_CHECK(kr_auth_basic(&ac, NULL, "Basic ZGF2ZTpwdw==") == 0);
	/* A huge header is refused before decoding; a valid credential
	 * padded past the limit also fails. */
	memset(hdr, 'A', sizeof(hdr) - 1);
	hdr[sizeof(hdr) - 1] = '\0';
	memcpy(hdr, "Basic ", 6);
	KR_CHECK(kr_auth_basic(&ac, &pw, hdr) == 0);
	/* The user name comes back only on success. */
	basic("dave:pw", hdr, sizeof(hdr));
	KR_CHECK(kr_auth_basic_user(&ac, &pw, hdr, user, sizeof(user)) == 1);
	KR_CHECK_STR(user, "dave");
	basic("dave:px", hdr, sizeof(hdr));
	KR_CHECK(kr_auth_basic_user(&ac, &pw, hdr, user, sizeof(user)) == 0);
	KR_CHECK_STR(user, "");
	kr_passwd_free(&pw);
	/* An empty file accepts nobody (and still runs the dummy crypt). */
	basic("dave:pw", hdr, sizeof(hdr));
	KR_CHECK(kr_auth_basic(&ac, &pw, hdr) == 0);
	kr_auth_conf_free(&ac);
}

static void
test_basic_cache(void)
{
	static const uint8_t key[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	char h[256], file[512], good[128], bad[128], user[64], err[256];
	struct kr_auth_cache *cache = kr_calloc(1, sizeof(*cache));
	struct kr_passwd pw, empty;
	struct kr_auth_conf ac;
	int i;

	make_hash("$5$", 1000, "pw", h, sizeof(h));
	snprintf(file, sizeof(file), "dave:%s\n", h);
	kr_auth_conf_init(&ac);
	kr_passwd_init(&pw);
	kr_passwd_init(&empty);
	KR_CHECK(kr_passwd_parse(file, strlen(file), &pw, err, 256) == 0);
	kr_auth_cache_init(cache, key);
	basic("dave:pw", good, sizeof(good));
	basic("dave:px", bad, sizeof(bad));
	/* A miss against an empty file rejects: nothing cached yet. */
	KR_CHECK(kr_auth_basic_cached(&ac, &empty, cache, good, 1000, 60000,
	             user, sizeof(user)) == 0);
	KR_CHECK(kr_auth_basic_cached(&ac, &pw, cache, good, 1000, 60000, user,
	             sizeof(user)) == 1);
	KR_CHECK_STR(user, "dave");
	/* A hit needs no file (so no crypt) until it expires. */
	KR_CHECK(kr_auth_basic_cached(&ac, &empty, cache, good, 60999, 60000,
	             user, sizeof(user)) == 1);
	KR_CHECK_STR(user, "dave");
	KR_CHECK(kr_auth_basic_cached(&ac, &empty, cache, good, 61000, 60000,
	             user, sizeof(user)) == 0);
	/* Failures are never cached; other values do not hit. */
	for (i = 0; i < 2; i++)
		KR_CHECK(kr_auth_basic_cached(&ac, &pw, cache, bad, 2000, 60000,
		             user, sizeof(user)) == 0);
	KR_CHECK(kr_auth_basic_cached(
	             &ac, &pw, cache, good, 2000, 60000, NULL, 0) == 1);
	KR_CHECK(kr_auth_basic_cached(&ac, &empty, cache, "Basic ZGF2ZTpwdw",
	             2000, 60000, user, sizeof(user)) == 0);
	KR_CHECK(kr_auth_basic_cached(
	             &ac, &empty, cache, NULL, 2000, 60000, NULL, 0) == 0);
	/* More successes than slots: the oldest goes, nothing breaks. */
	for (i = 0; i < KR_AUTH_CACHE_SIZE + 3; i++) {
		snprintf(file, sizeof(file), "Basic ZGF2ZTpwdw%s",
		    i % 2 ? "==" : "");
		(void)kr_auth_basic_cached(
		    &ac, &pw, cache, file, 3000 + i, 60000, NULL, 0);
	}
	KR_CHECK(kr_auth_basic_cached(&ac, &empty, cache,
	             "Basic ZGF2ZTpwdw==", 3100, 60000, NULL, 0) == 1);
	/* A budget of 10 crypts a second, bucket 2: a flood of wrong
	 * credentials is cut off, cached clients still pass, and the bucket
	 * refills with time. */
	kr_auth_cache_budget(cache, 10, 2);
	KR_CHECK(kr_auth_basic_cached(
	             &ac, &pw, cache, bad, 5000, 60000, NULL, 0) == 0);
	KR_CHECK(kr_auth_basic_cached(
	             &ac, &pw, cache, bad, 5000, 60000, NULL, 0) == 0);
	KR_CHECK(cache->ac_throttled == 0);
	KR_CHECK(kr_auth_basic_cached(
	             &ac, &pw, cache, bad, 5000, 60000, NULL, 0) == 0);
	KR_CHECK(cache->ac_throttled == 1);
	KR_CHECK(kr_auth_basic_cached(&ac, &pw, cache,
	             "Basic ZGF2ZTpwdw==", 5000, 60000, NULL, 0) == 1);
	basic("dave:pw ", file, sizeof(file));
	KR_CHECK(kr_auth_basic_cached(
	             &ac, &pw, cache, file, 5050, 60000, NULL, 0) == 0);
	KR_CHECK(cache->ac_throttled == 2);
	/* 100 ms later one crypt is back: a new good value is verified. */
	KR_CHECK(kr_auth_basic_cached(&ac, &pw, cache, "Basic ZGF2ZTpwdw", 5100,
	             60000, NULL, 0) == 1);
	KR_CHECK(cache->ac_throttled == 2);
	/* A reload clears it. */
	kr_auth_cache_clear(cache);
	KR_CHECK(kr_auth_basic_cached(&ac, &empty, cache, good, 3000, 60000,
	             user, sizeof(user)) == 0);
	KR_CHECK_STR(user, "");
	kr_passwd_free(&pw);
	kr_auth_conf_free(&ac);
	free(cache);
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median time of n kr_auth_basic calls with header h. */
static double
median_basic(const struct kr_passwd *pw, const char *h, int n)
{
	struct kr_auth_conf ac;
	double t[16], t0;
	int i;

	kr_auth_conf_init(&ac);
	for (i = 0; i < n && i < 16; i++) {
		t0 = now_ms();
		(void)kr_auth_basic(&ac, pw, h);
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)i, sizeof(t[0]), cmp_double);
	return t[i / 2];
}

/* An unknown user costs a crypt like a known one. A lookup without the
 * dummy crypt would be thousands of times faster than yescrypt, so a
 * factor of 4 is a safe bound even on a loaded machine. */
static void
test_basic_timing(void)
{
	char h[256], file[512], hdr_known[128], hdr_unknown[128];
	struct kr_passwd pw;
	char err[256];
	double known, unknown, none;

	make_hash("$y$", 0, "correct horse", h, sizeof(h));
	snprintf(file, sizeof(file), "alice:%s\n", h);
	kr_passwd_init(&pw);
	KR_CHECK(kr_passwd_parse(file, strlen(file), &pw, err, 256) == 0);
	basic("alice:wrong horse", hdr_known, sizeof(hdr_known));
	basic("zed:wrong horse", hdr_unknown, sizeof(hdr_unknown));
	known = median_basic(&pw, hdr_known, 5);
	unknown = median_basic(&pw, hdr_unknown, 5);
	KR_CHECKF(unknown * 4 > known && known * 4 > unknown,
	    "known user %.3f ms, unknown %.3f ms", known, unknown);
	kr_passwd_free(&pw);
	none = median_basic(&pw, hdr_unknown, 3);
	KR_CHECKF(
	    none * 4 > known, "empty file %.3f ms vs %.3f ms", none, known);
}

static void
test_header(void)
{
	static const struct {
		const char *value;
		int ok;
	} cases[] = {
	    {"s3cr3t-0123456789abcdef", 1},
	    {"s3cr3t-0123456789abcdeF", 0},
	    {"S3cr3t-0123456789abcdef", 0},
	    {"s3cr3t-0123456789abcde", 0},
	    {"s3cr3t-0123456789abcdef ", 0},
	    {"s3cr3t-0123456789abcdefs3cr3t-0123456789abcdef", 0},
	    {"", 0},
	    {"x", 0},
	};
	struct kr_auth_conf ac;
	char err[256];
	size_t i;

	kr_auth_conf_init(&ac);
	KR_CHECK(kr_auth_header_ok(&ac, NULL) == 1); /* not configured */
	KR_CHECK(kr_auth_conf_set(&ac, "authentication.header.name",
	             "X-Krest-Secret", err, sizeof(err)) == 0);
	KR_CHECK(kr_auth_conf_set(&ac, "authentication.header.secret",
	             "s3cr3t-0123456789abcdef", err, sizeof(err)) == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		KR_CHECKF(kr_auth_header_ok(&ac, cases[i].value) == cases[i].ok,
		    "[%s]", cases[i].value);
	KR_CHECK(kr_auth_header_ok(&ac, NULL) == 0);
	kr_auth_conf_free(&ac);
}

static void
test_www_authenticate(void)
{
	struct kr_auth_conf ac;
	char buf[128], err[256];

	kr_auth_conf_init(&ac);
	KR_CHECK_STR(kr_auth_www_authenticate(&ac, buf, sizeof(buf)), "");
	kr_auth_conf_set(&ac, "authentication.method", "BASIC", err, 256);
	KR_CHECK_STR(kr_auth_www_authenticate(&ac, buf, sizeof(buf)),
	    "Basic realm=\"KafkaRest\"");
	kr_auth_conf_set(&ac, "authentication.realm", "Kafka Rest", err, 256);
	KR_CHECK_STR(kr_auth_www_authenticate(&ac, buf, sizeof(buf)),
	    "Basic realm=\"Kafka Rest\"");
	kr_auth_conf_free(&ac);
}

static void
test_cidr(void)
{
	static const struct {
		const char *text;
		int rc;
		unsigned bits;
	} cases[] = {
	    {"10.0.0.0/8", 0, 104},
	    {"10.1.2.3/8", 0, 104}, /* host bits cleared */
	    {"192.168.1.7", 0, 128},
	    {"0.0.0.0/0", 0, 96},
	    {"255.255.255.255/32", 0, 128},
	    {"2001:db8::/32", 0, 32},
	    {"::/0", 0, 0},
	    {"::1", 0, 128},
	    {"::", 0, 128},
	    {"::ffff:10.0.0.0/104", 0, 104},
	    {"1:2:3:4:5:6:7:8/64", 0, 64},
	    {"1:2:3:4:5:6:1.2.3.4", 0, 128},
	    {"fe80::1:2/10", 0, 10},
	    {"10.0.0.0/33", -1, 0},
	    {"10.0.0.0/", -1, 0},
	    {"10.0.0.0/08", -1, 0},
	    {"10.0.0.0/1000", -1, 0},
	    {"10.0.0/8", -1, 0},
	    {"10.0.0.0.0", -1, 0},
	    {"010.0.0.1", -1, 0},
	    {"256.0.0.1", -1, 0},
	    {"1.2.3.4 ", -1, 0},
	    {"", -1, 0},
	    {"/8", -1, 0},
	    {"2001:db8::/129", -1, 0},
	    {"1:2:3:4:5:6:7:8:9", -1, 0},
	    {"1:2:3:4:5:6:7", -1, 0},
	    {"1::2::3", -1, 0},
	    {":1::", -1, 0},
	    {"1:", -1, 0},
	    {"12345::", -1, 0},
	    {"1:2:3:4:5:6:7:1.2.3.4", -1, 0},
	    {"::1.2.3", -1, 0},
	    {"fe80::1%eth0", -1, 0},
	    {"[::1]", -1, 0},
	    {"1.2.3.4:80", -1, 0},
	    {"g::1", -1, 0},
	};
	struct kr_cidr cd;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = kr_cidr_parse(cases[i].text, strlen(cases[i].text), &cd);
		KR_CHECKF(rc == cases[i].rc &&
		              (rc != 0 || cd.cd_bits == cases[i].bits),
		    "[%s]: rc %d bits %u", cases[i].text, rc, cd.cd_bits);
	}
	KR_CHECK(kr_cidr_parse("10.1.2.3/8", 10, &cd) == 0 &&
	         cd.cd_addr[10] == 0xff && cd.cd_addr[12] == 10 &&
	         cd.cd_addr[13] == 0 && cd.cd_addr[15] == 0);
	/* Only len bytes are read. */
	KR_CHECK(kr_cidr_parse("10.1.2.3/8", 8, &cd) == 0 && cd.cd_bits == 128);
	KR_CHECK(kr_cidr_parse("10.1.2.3/8", 4, &cd) == -1);
	(void)cd;
}

static void
test_ip_match(void)
{
	static const struct {
		const char *cidr, *ip;
		int match; /* -1: the address does not parse */
	} cases[] = {
	    {"10.0.0.0/8", "10.255.1.2", 1},
	    {"10.0.0.0/8", "11.0.0.1", 0},
	    {"10.0.0.0/8", "::ffff:10.1.2.3", 1},
	    {"10.0.0.0/8", "::ffff:a01:203", 1},
	    {"10.0.0.0/8", "[::ffff:10.1.2.3]:8080", 1},
	    {"10.0.0.0/8", "10.1.2.3:8080", 1},
	    {"10.0.0.0/8", "::a01:203", 0}, /* IPv4-compatible: not mapped */
	    {"192.168.1.0/25", "192.168.1.127", 1},
	    {"192.168.1.0/25", "192.168.1.128", 0},
	    {"0.0.0.0/0", "1.2.3.4", 1},
	    {"0.0.0.0/0", "::1", 0},
	    {"::/0", "1.2.3.4", 1},
	    {"::ffff:0:0/96", "203.0.113.9", 1},
	    {"2001:db8::/32", "2001:db8:ffff::1", 1},
	    {"2001:db8::/32", "2001:db9::1", 0},
	    {"2001:db8::/33", "2001:db8:8000::1", 0},
	    {"2001:db8::/33", "2001:DB8:7fff::1", 1},
	    {"::1", "::1", 1},
	    {"::1", "0:0:0:0:0:0:0:1", 1},
	    {"::1", "::2", 0},
	    {"127.0.0.1", "127.0.0.1", 1},
	    {"127.0.0.1", "127.0.0.2", 0},
	    {"10.0.0.0/8", "10.0.0.1:", -1},
	    {"10.0.0.0/8", "10.0.0.1:123456", -1},
	    {"10.0.0.0/8", "[10.0.0.1]", -1},
	    {"10.0.0.0/8", "[::1", -1},
	    {"10.0.0.0/8", "[::1]x", -1},
	    {"10.0.0.0/8", "unknown", -1},
	    {"10.0.0.0/8", "", -1},
	    {"10.0.0.0/8", "10.0.0.1/32", -1},
	};
	struct kr_cidr cd;
	uint8_t addr[16];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		KR_CHECK(kr_cidr_parse(
		             cases[i].cidr, strlen(cases[i].cidr), &cd) == 0);
		rc = kr_ip_parse(cases[i].ip, strlen(cases[i].ip), addr);
		if (rc == 0)
			rc = kr_cidr_match(&cd, addr);
		KR_CHECKF(rc == cases[i].match, "%s in %s: %d want %d",
		    cases[i].ip, cases[i].cidr, rc, cases[i].match);
	}
}

static void
test_client_allowed(void)
{
	static const struct {
		const char *allow, *proxies, *peer, *xff;
		int ok;
		const char *client;
	} cases[] = {
	    /* No allowlist: everyone, the client still reported. */
	    {"", "", "198.51.100.7", NULL, 1, "198.51.100.7"},
	    {"", "", "bogus", NULL, 1, "unknown"},
	    {"10.0.0.0/8", "", "10.1.1.1", NULL, 1, "10.1.1.1"},
	    {"10.0.0.0/8", "", "192.0.2.1", NULL, 0, "192.0.2.1"},
	    {"10.0.0.0/8", "", "::ffff:10.2.3.4", NULL, 1, "::ffff:10.2.3.4"},
	    {"10.0.0.0/8", "", NULL, NULL, 0, "unknown"},
	    {"10.0.0.0/8", "", "garbage", NULL, 0, "unknown"},
	    /* Spoofing: an untrusted peer's X-Forwarded-For is ignored. */
	    {"10.0.0.0/8", "", "192.0.2.1", "10.0.0.1", 0, "192.0.2.1"},
	    {"10.0.0.0/8", "127.0.0.1", "192.0.2.1", "10.0.0.1", 0,
	        "192.0.2.1"},
	    {"192.0.2.0/24", "127.0.0.1", "192.0.2.1", "garbage", 1,
	        "192.0.2.1"},
	    /* A trusted proxy: the rightmost untrusted entry is the client. */
	    {"203.0.113.0/24", "127.0.0.1", "127.0.0.1", "203.0.113.5", 1,
	        "203.0.113.5"},
	    {"203.0.113.0/24", "127.0.0.1", "127.0.0.1", "198.51.100.1", 0,
	        "198.51.100.1"},
	    /* The client put an allowed address first; the proxy appended
	     * the real one, which decides. */
	    {"203.0.113.0/24", "127.0.0.1", "127.0.0.1",
	        "203.0.113.5, 198.51.100.1", 0, "198.51.100.1"},
	    {"203.0.113.0/24", "127.0.0.1", "127.0.0.1",
	        "198.51.100.1,203.0.113.5", 1, "203.0.113.5"},
	    /* A chain of trusted proxies is skipped. */
	    {"203.0.113.0/24", "127.0.0.1,10.0.0.0/8", "127.0.0.1",
	        "198.51.100.1, 203.0.113.5, 10.0.0.7 ,10.9.9.9", 1,
	        "203.0.113.5"},
	    /* All trusted: the leftmost. */
	    {"10.0.0.0/8", "10.0.0.0/8,127.0.0.1", "127.0.0.1",
	        "10.0.0.3, 10.0.0.2", 1, "10.0.0.3"},
	    /* A malformed entry before (right of) the client: unknown. */
	    {"203.0.113.0/24", "127.0.0.1", "127.0.0.1", "203.0.113.5, bogus",
	        0, "unknown"},
	    {"203.0.113.0/24", "127.0.0.1", "127.0.0.1", "203.0.113.5,", 0,
	        "unknown"},
	    {"203.0.113.0/24", "127.0.0.1,10.0.0.0/8", "127.0.0.1", ",10.0.0.1",
	        0, "unknown"},
	    /* Empty header: the peer. */
	    {"127.0.0.0/8", "127.0.0.1", "127.0.0.1", "", 1, "127.0.0.1"},
	    /* IPv6 and ports in the header. */
	    {"2001:db8::/32", "::1", "::1", "[2001:db8::9]:443", 1,
	        "[2001:db8::9]:443"},
	    {"203.0.113.0/24", "::1", "::1", "203.0.113.5:51000", 1,
	        "203.0.113.5:51000"},
	    {"203.0.113.0/24", "::ffff:127.0.0.1", "127.0.0.1", "203.0.113.5",
	        1, "203.0.113.5"},
	};
	struct kr_auth_conf ac;
	char err[256], client[64];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kr_auth_conf_init(&ac);
		KR_CHECK(kr_auth_conf_set(&ac, "allow.client.addresses",
		             cases[i].allow, err, sizeof(err)) == 0);
		KR_CHECK(kr_auth_conf_set(&ac, "trusted.proxies",
		             cases[i].proxies, err, sizeof(err)) == 0);
		rc = kr_auth_client_allowed(
		    &ac, cases[i].peer, cases[i].xff, client, sizeof(client));
		KR_CHECKF(
		    rc == cases[i].ok && strcmp(client, cases[i].client) == 0,
		    "case %zu: %d [%s]", i, rc, client);
		kr_auth_conf_free(&ac);
	}
	/* A tiny client buffer is truncated, never overrun. */
	kr_auth_conf_init(&ac);
	KR_CHECK(kr_auth_client_allowed(&ac, "2001:db8::1", NULL, client, 5));
	KR_CHECK_STR(client, "2001");
	KR_CHECK(kr_auth_client_allowed(&ac, "2001:db8::1", NULL, NULL, 0));
	kr_auth_conf_free(&ac);
}

static void
test_glob(void)
{
	static const struct {
		const char *pattern, *s;
		int match;
	} cases[] = {
	    {"0a1b2c3d4e5f.*", "0a1b2c3d4e5f.orders", 1},
	    {"0a1b2c3d4e5f.*", "0a1b2c3d4e5f.", 1},
	    {"0a1b2c3d4e5f.*", "0a1b2c3d4e5f", 0},
	    {"0a1b2c3d4e5f.*", "0a1b2c3d4e5fX.orders", 0},
	    {"0a1b2c3d4e5f.*", "x0a1b2c3d4e5f.orders", 0},
	    {"*", "", 1},
	    {"*", "anything", 1},
	    {"", "", 1},
	    {"", "a", 0},
	    {"a?c", "abc", 1},
	    {"a?c", "ac", 0},
	    {"a*b*c", "aXXbYYc", 1},
	    {"a*b*c", "aXXbYY", 0},
	    {"*.logs", "x.y.logs", 1},
	    {"*.logs", "x.logs.old", 0},
	    {"a**b", "ab", 1},
	    {"a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0},
	    {"[ab]", "a", 0}, /* no classes: '[' is literal */
	    {"[ab]", "[ab]", 1},
	    {"a\\*", "a\\xyz", 1}, /* no escapes */
	    {"exact", "exact", 1},
	    {"exact", "Exact", 0},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		KR_CHECKF(kr_glob_match(cases[i].pattern, cases[i].s) ==
		              cases[i].match,
		    "%s ~ %s", cases[i].pattern, cases[i].s);
}

static void
test_topics(void)
{
	struct kr_auth_conf ac;
	char err[256];

	kr_auth_conf_init(&ac);
	KR_CHECK(kr_auth_topic_allowed(&ac, "any"));
	KR_CHECK(kr_auth_conf_set(&ac, "topic.allowlist",
	             " 0a1b2c3d4e5f.* , audit ,, ", err, sizeof(err)) == 0);
	KR_CHECK(ac.ac_ntopics == 2);
	KR_CHECK(kr_auth_topic_allowed(&ac, "0a1b2c3d4e5f.events"));
	KR_CHECK(kr_auth_topic_allowed(&ac, "audit"));
	KR_CHECK(!kr_auth_topic_allowed(&ac, "audit2"));
	KR_CHECK(!kr_auth_topic_allowed(&ac, "ffffffffffff.events"));
	KR_CHECK(!kr_auth_topic_allowed(&ac, ""));
	KR_CHECK(!kr_auth_topic_allowed(&ac, NULL));
	KR_CHECK(kr_auth_conf_set(&ac, "topic.allowlist", "", err, 256) == 0);
	KR_CHECK(kr_auth_topic_allowed(&ac, "ffffffffffff.events"));
	kr_auth_conf_free(&ac);
}

static void
test_skip_paths(void)
{
	struct kr_auth_conf ac;
	char err[256];

	kr_auth_conf_init(&ac);
	KR_CHECK(!kr_auth_skip_path(&ac, "/healthz"));
	KR_CHECK(kr_auth_conf_set(&ac, "authentication.skip.paths",
	             "/healthz,/readyz, /docs/*", err, sizeof(err)) == 0);
	KR_CHECK(kr_auth_skip_path(&ac, "/healthz"));
	KR_CHECK(kr_auth_skip_path(&ac, "/readyz"));
	KR_CHECK(!kr_auth_skip_path(&ac, "/healthz/x"));
	KR_CHECK(!kr_auth_skip_path(&ac, "/healthzz"));
	KR_CHECK(!kr_auth_skip_path(&ac, "/"));
	KR_CHECK(!kr_auth_skip_path(&ac, "/topics/t"));
	KR_CHECK(kr_auth_skip_path(&ac, "/docs"));
	KR_CHECK(kr_auth_skip_path(&ac, "/docs/a/b"));
	KR_CHECK(!kr_auth_skip_path(&ac, "/docsx"));
	KR_CHECK(!kr_auth_skip_path(&ac, "/doc"));
	kr_auth_conf_free(&ac);
}

/* The value of header name in out, or NULL. */
static const char *
cors_get(const struct kr_cors *out, const char *name)
{
	size_t i;

	for (i = 0; i < out->cr_nheaders; i++)
		if (strcmp(out->cr_headers[i].h_name, name) == 0)
			return out->cr_headers[i].h_value;
	return NULL;
}

/* 1 if header name has the value want (NULL: absent); else says why. */
static int
cors_eq(const struct kr_cors *out, size_t i, const char *name, const char *want)
{
	const char *got = cors_get(out, name);

	if (got == NULL && want == NULL)
		return 1;
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return 1;
	fprintf(stderr, "case %zu %s: got [%s] want [%s]\n", i, name,
	    got != NULL ? got : "(none)", want != NULL ? want : "(none)");
	return 0;
}

#define CORS_EQ(name, want) KR_CHECK(cors_eq(&out, i, (name), (want)))

#define ACAO "Access-Control-Allow-Origin"
#define ACAM "Access-Control-Allow-Methods"
#define ACAH "Access-Control-Allow-Headers"
#define ACMA "Access-Control-Max-Age"
#define ACAC "Access-Control-Allow-Credentials"
#define ACEH "Access-Control-Expose-Headers"

static void
test_cors(void)
{
	static const struct {
		const char *origins, *methods, *headers;
		const char *method, *origin, *req_method, *req_headers;
		int applies, preflight, allowed;
		const char *acao, *vary, *acam, *acah, *acma;
	} cases[] = {
	    /* Off: no origins configured, or no Origin header. */
	    {"", "", "", "OPTIONS", "https://a.example", "POST", NULL, 0, 0, 0,
	        NULL, NULL, NULL, NULL, NULL},
	    {"*", "", "", "POST", NULL, NULL, NULL, 0, 0, 0, NULL, NULL, NULL,
	        NULL, NULL},
	    /* Preflight with Jetty's defaults. */
	    {"https://a.example", "", "", "OPTIONS", "https://a.example",
	        "POST", "content-type", 1, 1, 1, "https://a.example", "Origin",
	        "GET,POST,HEAD", "X-Requested-With,Content-Type,Accept,Origin",
	        "1800"},
	    {"*", "", "", "OPTIONS", "https://b.example", "GET", NULL, 1, 1, 1,
	        "https://b.example", NULL, "GET,POST,HEAD",
	        "X-Requested-With,Content-Type,Accept,Origin", "1800"},
	    /* Method not allowed (PUT needs allow.methods), header not
	     * allowed, origin not allowed: answered, no headers. */
	    {"*", "", "", "OPTIONS", "https://b.example", "PUT", NULL, 1, 1, 0,
	        NULL, NULL, NULL, NULL, NULL},
	    {"*", "", "", "OPTIONS", "https://b.example", "post", NULL, 1, 1, 0,
	        NULL, NULL, NULL, NULL, NULL},
	    {"*", "", "", "OPTIONS", "https://b.example", "POST",
	        "Content-Type, Authorization", 1, 1, 0, NULL, NULL, NULL, NULL,
	        NULL},
	    {"https://a.example", "", "", "OPTIONS", "https://evil.example",
	        "POST", NULL, 1, 1, 0, NULL, NULL, NULL, NULL, NULL},
	    {"https://a.example", "", "", "OPTIONS",
	        "https://a.example.evil.example", "POST", NULL, 1, 1, 0, NULL,
	        NULL, NULL, NULL, NULL},
	    /* Configured methods and headers, and "*" headers echo. */
	    {"https://a.example,https://c.example", "GET,POST,PUT",
	        "Content-Type,Authorization", "OPTIONS", "https://c.example",
	        "PUT", "authorization", 1, 1, 1, "https://c.example", "Origin",
	        "GET,POST,PUT", "Content-Type,Authorization", "1800"},
	    {"*", "", "*", "OPTIONS", "https://b.example", "POST",
	        "X-Anything, X-Else", 1, 1, 1, "https://b.example", NULL,
	        "GET,POST,HEAD", "X-Anything, X-Else", "1800"},
	    /* Wildcard origins as Jetty writes them. */
	    {"https://*.example.com", "", "", "OPTIONS",
	        "https://app.example.com", "GET", NULL, 1, 1, 1,
	        "https://app.example.com", "Origin", "GET,POST,HEAD",
	        "X-Requested-With,Content-Type,Accept,Origin", "1800"},
	    {"https://*.example.com", "", "", "POST", "https://example.org",
	        NULL, NULL, 1, 0, 0, NULL, NULL, NULL, NULL, NULL},
	    /* Simple and other actual requests: origin echoed, no methods. */
	    {"https://a.example", "", "", "POST", "https://a.example", NULL,
	        NULL, 1, 0, 1, "https://a.example", "Origin", NULL, NULL, NULL},
	    {"*", "", "", "GET", "null", NULL, NULL, 1, 0, 1, "null", NULL,
	        NULL, NULL, NULL},
	    {"*", "", "", "DELETE", "https://b.example", NULL, NULL, 1, 0, 1,
	        "https://b.example", NULL, NULL, NULL, NULL},
	    /* OPTIONS without Access-Control-Request-Method: not a preflight.
	     */
	    {"*", "", "", "OPTIONS", "https://b.example", NULL, NULL, 1, 0, 1,
	        "https://b.example", NULL, NULL, NULL, NULL},
	    /* Control characters are never echoed into a header. */
	    {"*", "", "*", "OPTIONS", "https://b.example\r\nX: y", "GET", NULL,
	        1, 1, 0, NULL, NULL, NULL, NULL, NULL},
	    {"*", "", "*", "OPTIONS", "https://b.example", "GET", "a\r\nX: y",
	        1, 1, 0, NULL, NULL, NULL, NULL, NULL},
	    {"*", "", "", "POST", "null\n", NULL, NULL, 1, 0, 0, NULL, NULL,
	        NULL, NULL, NULL},
	    /* POST with Access-Control-Request-Method is not a preflight. */
	    {"*", "", "", "POST", "https://b.example", "POST", NULL, 1, 0, 1,
	        "https://b.example", NULL, NULL, NULL, NULL},
	};
	struct kr_auth_conf ac;
	struct kr_cors out;
	char err[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		kr_auth_conf_init(&ac);
		KR_CHECK(kr_auth_conf_set(&ac, "access.control.allow.origin",
		             cases[i].origins, err, sizeof(err)) == 0);
		KR_CHECK(kr_auth_conf_set(&ac, "access.control.allow.methods",
		             cases[i].methods, err, sizeof(err)) == 0);
		KR_CHECK(kr_auth_conf_set(&ac, "access.control.allow.headers",
		             cases[i].headers, err, sizeof(err)) == 0);
		rc = kr_cors_headers(&ac, cases[i].method, cases[i].origin,
		    cases[i].req_method, cases[i].req_headers, &out);
		KR_CHECKF(rc == cases[i].applies &&
		              out.cr_applies == cases[i].applies &&
		              out.cr_preflight == cases[i].preflight &&
		              out.cr_allowed == cases[i].allowed,
		    "case %zu: %d %d %d %d", i, rc, out.cr_applies,
		    out.cr_preflight, out.cr_allowed);
		CORS_EQ(ACAO, cases[i].acao);
		CORS_EQ("Vary", cases[i].vary);
		CORS_EQ(ACAM, cases[i].acam);
		CORS_EQ(ACAH, cases[i].acah);
		CORS_EQ(ACMA, cases[i].acma);
		CORS_EQ(ACAC, cases[i].allowed ? "true" : NULL);
		CORS_EQ(ACEH, (const char *)NULL);
		kr_auth_conf_free(&ac);
	}
	/* Expose headers on actual requests only; max-age 0 drops the
	 * header. */
	kr_auth_conf_init(&ac);
	kr_auth_conf_set(&ac, "access.control.allow.origin", "*", err, 256);
	kr_auth_conf_set(&ac, "access.control.expose.headers",
	    "X-Request-Id , X-Other", err, 256);
	kr_auth_conf_set(&ac, "access.control.max.age", "0", err, 256);
	kr_cors_headers(&ac, "POST", "https://b.example", NULL, NULL, &out);
	i = 0;
	CORS_EQ(ACEH, "X-Request-Id,X-Other");
	kr_cors_headers(&ac, "OPTIONS", "https://b.example", "GET", NULL, &out);
	CORS_EQ(ACEH, (const char *)NULL);
	CORS_EQ(ACMA, (const char *)NULL);
	KR_CHECK(out.cr_allowed && out.cr_nheaders == 4);
	kr_auth_conf_free(&ac);
}

int
main(void)
{
	test_conf_set();
	test_conf_check();
	test_passwd_parse();
	test_basic();
	test_basic_cache();
	test_basic_timing();
	test_header();
	test_www_authenticate();
	test_cidr();
	test_ip_match();
	test_client_allowed();
	test_glob();
	test_topics();
	test_skip_paths();
	test_cors();
	return KR_TEST_DONE("test_auth");
}
