/* SPDX-License-Identifier: MIT */
/* libFuzzer harness of kr_auth. The first byte picks the parser: password
 * file, Basic header, CIDR/address, client allowlist with X-Forwarded-For,
 * glob (against fnmatch(3)), or configuration keys + CORS. Invariants: no
 * crash or leak; Basic never accepts anything but the one credential;
 * parsed blocks have host bits clear; a client only passes the allowlist
 * from an allowed address. With -DWITH_MAIN it replays files. */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kr_auth.h"
#include "kr_b64.h"
#include "kr_buf.h"

/* The only credentials the Basic mode may accept: "dave:pw" (SHA-256
 * crypt) and "erin:pw" (bcrypt), both at their minimum cost so that the
 * fuzzer stays fast. */
#define FUZZ_PASSWD                                                            \
	"# fuzz\n"                                                             \
	"dave:$5$rounds=1000$lQxIx8pdKVcCqwOx$6oe/Z47fcTdvWxFX0qansnh3uhoqjM"  \
	"Q1txoTUu9EpyC\n"                                                      \
	"erin:$2b$04$PSAGBvJeYkn5P7oRaVleReOW4Fr4hvzK/PTjIw/qxDOstV9pWcQsG\n"

/* Splits s (NUL-terminated, writable) at the first '\n': returns the rest
 * ("" when there is none) and ends s there. */
static char *
next_field(char *s)
{
	char *nl = strchr(s, '\n');

	if (nl == NULL)
		return s + strlen(s);
	*nl = '\0';
	return nl + 1;
}

static void
fuzz_passwd(const char *s, size_t n)
{
	struct kr_passwd pw;
	char err[256];
	size_t i;
	int rc;

	kr_passwd_init(&pw);
	err[0] = '\0';
	rc = kr_passwd_parse(s, n, &pw, err, sizeof(err));
	if (rc != 0) {
		FUZZ_ASSERT(pw.pw_count == 0 && err[0] != '\0');
		return;
	}
	for (i = 0; i < pw.pw_count; i++) {
		FUZZ_ASSERT(pw.pw_list[i].pe_user[0] != '\0');
		FUZZ_ASSERT(strchr(pw.pw_list[i].pe_user, ':') == NULL);
		FUZZ_ASSERT(pw.pw_list[i].pe_hash[0] == '$');
		FUZZ_ASSERT(strpbrk(pw.pw_list[i].pe_hash, " \t\r\n:") == NULL);
	}
	kr_passwd_free(&pw);
}

static void
fuzz_basic(const char *s)
{
	static const uint8_t key[32] = {42};
	static struct kr_passwd pw;
	static struct kr_auth_cache cache;
	static int64_t now_ms;
	static int loaded;
	struct kr_auth_conf ac;
	struct kr_buf cred = KR_BUF_INIT;
	const char *tok;
	char user[64], err[256];
	int ok;

	if (!loaded) {
		kr_passwd_init(&pw);
		FUZZ_ASSERT(kr_passwd_parse(FUZZ_PASSWD, strlen(FUZZ_PASSWD),
		                &pw, err, sizeof(err)) == 0);
		kr_auth_cache_init(&cache, key);
		loaded = 1;
	}
	kr_auth_conf_init(&ac);
	/* Through the cache: a hit must obey the same invariant. */
	ok = kr_auth_basic_cached(
	    &ac, &pw, &cache, s, ++now_ms, 50, user, sizeof(user));
	if (ok) {
		/* Accepted: it must decode to exactly the one credential. */
		FUZZ_ASSERT(strncasecmp(s, "Basic ", 6) == 0);
		tok = s + 6;
		while (*tok == ' ')
			tok++;
		FUZZ_ASSERT(
		    kr_b64_decode(tok, strcspn(tok, " \t"), &cred) == 0);
		FUZZ_ASSERT(
		    cred.len == 7 && (memcmp(cred.data, "dave:pw", 7) == 0 ||
		                         memcmp(cred.data, "erin:pw", 7) == 0));
		FUZZ_ASSERT(
		    strlen(user) == 4 && memcmp(user, cred.data, 4) == 0);
	} else {
		FUZZ_ASSERT(user[0] == '\0');
	}
	kr_buf_free(&cred);
	kr_auth_conf_free(&ac);
}

static void
fuzz_cidr(char *s)
{
	char *ip = next_field(s);
	struct kr_cidr cd, again;
	uint8_t addr[16];
	unsigned i;
	int crc, irc;

	crc = kr_cidr_parse(s, strlen(s), &cd);
	irc = kr_ip_parse(ip, strlen(ip), addr);
	if (crc == 0) {
		FUZZ_ASSERT(cd.cd_bits <= 128);
		for (i = cd.cd_bits; i < 128; i++)
			FUZZ_ASSERT(
			    (cd.cd_addr[i / 8] & (0x80u >> (i % 8))) == 0);
		/* Idempotent: the network address parses to itself. */
		FUZZ_ASSERT(kr_cidr_match(&cd, cd.cd_addr));
		if (strchr(s, '/') == NULL) {
			/* One address: the address parser agrees. */
			FUZZ_ASSERT(cd.cd_bits == 128);
			FUZZ_ASSERT(kr_ip_parse(s, strlen(s), addr) == 0 &&
			            kr_cidr_match(&cd, addr));
			FUZZ_ASSERT(memcmp(addr, cd.cd_addr, 16) == 0);
			irc = kr_ip_parse(ip, strlen(ip), addr);
		}
	}
	if (irc == 0) {
		memset(&again, 0, sizeof(again));
		memcpy(again.cd_addr, addr, 16);
		again.cd_bits = 128;
		FUZZ_ASSERT(kr_cidr_match(&again, addr));
		if (crc == 0 && cd.cd_bits == 0)
			FUZZ_ASSERT(kr_cidr_match(&cd, addr));
	}
}

static void
fuzz_client(char *s)
{
	char *proxies = next_field(s), *peer = next_field(proxies);
	char *xff = next_field(peer), client[64], err[256];
	struct kr_auth_conf ac;
	uint8_t addr[16];
	size_t i;
	int ok, in;

	kr_auth_conf_init(&ac);
	if (kr_auth_conf_set(
	        &ac, "allow.client.addresses", s, err, sizeof(err)) != 0 ||
	    kr_auth_conf_set(
	        &ac, "trusted.proxies", proxies, err, sizeof(err)) != 0)
		goto done;
	ok = kr_auth_client_allowed(
	    &ac, peer, xff[0] != '\0' ? xff : NULL, client, sizeof(client));
	FUZZ_ASSERT(memchr(client, '\0', sizeof(client)) != NULL);
	if (strcmp(client, "unknown") == 0) {
		FUZZ_ASSERT(!ok || ac.ac_nallow == 0);
		goto done;
	}
	/* The reported client is an address; allowed iff it is listed
	 * (when it fits the buffer whole). */
	if (strlen(client) + 1 < sizeof(client)) {
		FUZZ_ASSERT(kr_ip_parse(client, strlen(client), addr) == 0);
		in = ac.ac_nallow == 0;
		for (i = 0; i < ac.ac_nallow; i++)
			in |= kr_cidr_match(&ac.ac_allow[i], addr);
		FUZZ_ASSERT(ok == in);
	}
	/* Without a trusted peer the header changes nothing. */
	if (ac.ac_nproxies == 0 && strlen(peer) + 1 < sizeof(client))
		FUZZ_ASSERT(strcmp(client, peer) == 0);
done:
	kr_auth_conf_free(&ac);
}

static void
fuzz_glob(char *s)
{
	char *str = next_field(s);
	int got;

	/* fnmatch recurses per '*': keep the reference cheap. */
	if (strlen(s) > 64 || strlen(str) > 256)
		return;
	got = kr_glob_match(s, str);
	if (strchr(s, '[') == NULL)
		FUZZ_ASSERT(got == (fnmatch(s, str, FNM_NOESCAPE) == 0));
}

static const char *const fuzz_keys[] = {
    "authentication.method",
    "authentication.realm",
    "authentication.password.file",
    "authentication.header.name",
    "authentication.header.secret",
    "authentication.skip.paths",
    "allow.client.addresses",
    "trusted.proxies",
    "topic.allowlist",
    "access.control.allow.origin",
    "access.control.allow.methods",
    "access.control.allow.headers",
    "access.control.expose.headers",
    "access.control.max.age",
    "not.an.auth.key",
};

/* Lines "<key index char><value>" then a last line
 * "method\norigin\nreq-method\nreq-headers\ntopic\npath\nsecret". */
static void
fuzz_conf_cors(char *s)
{
	struct kr_auth_conf ac;
	struct kr_cors cors;
	char *line = s, *rest, err[256], buf[256];
	char *f[7];
	size_t i, nkeys = sizeof(fuzz_keys) / sizeof(fuzz_keys[0]);
	int rc;

	kr_auth_conf_init(&ac);
	while (line[0] != '\0' && line[0] != '!') {
		rest = next_field(line);
		err[0] = '\0';
		rc = kr_auth_conf_set(&ac,
		    fuzz_keys[(unsigned char)line[0] % nkeys], line + 1, err,
		    sizeof(err));
		FUZZ_ASSERT(rc >= -1 && rc <= 1);
		FUZZ_ASSERT(rc != -1 || err[0] != '\0');
		FUZZ_ASSERT(
		    rc != 1 || (unsigned char)line[0] % nkeys == nkeys - 1);
		line = rest;
	}
	if (line[0] == '!')
		line++;
	for (i = 0; i < 7; i++) {
		f[i] = line;
		line = next_field(line);
	}
	(void)kr_auth_conf_check(&ac, err, sizeof(err));
	kr_cors_headers(&ac, f[0], f[1][0] != '\0' ? f[1] : NULL,
	    f[2][0] != '\0' ? f[2] : NULL, f[3][0] != '\0' ? f[3] : NULL,
	    &cors);
	FUZZ_ASSERT(cors.cr_nheaders <= KR_CORS_MAX_HEADERS);
	FUZZ_ASSERT(!cors.cr_allowed || cors.cr_applies);
	FUZZ_ASSERT(cors.cr_applies || cors.cr_nheaders == 0);
	for (i = 0; i < cors.cr_nheaders; i++)
		FUZZ_ASSERT(
		    strpbrk(cors.cr_headers[i].h_value, "\r\n") == NULL);
	(void)kr_auth_topic_allowed(&ac, f[4]);
	(void)kr_auth_skip_path(&ac, f[5]);
	rc = kr_auth_header_ok(&ac, f[6]);
	if (ac.ac_header_name != NULL && rc)
		FUZZ_ASSERT(strcmp(f[6], ac.ac_header_secret) == 0);
	(void)kr_auth_www_authenticate(&ac, buf, sizeof(buf));
	FUZZ_ASSERT(strpbrk(buf, "\r\n") == NULL);
	kr_auth_conf_free(&ac);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > 65536)
		return 0;
	s = malloc(size);
	if (s == NULL)
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		/* The exact bytes, NULs and all. */
		fuzz_passwd(s, size - 1);
		break;
	case 1:
		fuzz_basic(s);
		break;
	case 2:
		fuzz_cidr(s);
		break;
	case 3:
		fuzz_client(s);
		break;
	case 4:
		fuzz_glob(s);
		break;
	default:
		fuzz_conf_cors(s);
		break;
	}
	free(s);
	return 0;
}
