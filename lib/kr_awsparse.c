/* SPDX-License-Identifier: MIT */
/* Parsers for STS XML, credential JSON, the AWS shared files and ISO-8601
 * times. Inputs come from the network or from files: every scan is bounded
 * by the given length, never by a NUL. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kr_alloc.h"
#include "kr_awsparse.h"
#include "kr_buf.h"

/* ---- time ------------------------------------------------------------ */

/* Reads exactly n digits at *p into *v and advances *p. */
static int
digits(const char **p, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

static int
parse_epoch(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (*s == '\0' || strlen(s) > 12)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* Parses the zone designator at p: "", "Z", "+HH:MM", "-HH:MM", "+HHMM". */
static int
parse_zone(const char *p, int64_t *offset)
{
	int hh, mm, sign;

	*offset = 0;
	if (*p == '\0' || (p[0] == 'Z' && p[1] == '\0'))
		return 0;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p == '-' ? -1 : 1;
	p++;
	if (digits(&p, 2, &hh) == -1)
		return -1;
	if (*p == ':')
		p++;
	if (digits(&p, 2, &mm) == -1 || *p != '\0' || hh > 23 || mm > 59)
		return -1;
	*offset = sign * (hh * 3600 + mm * 60);
	return 0;
}

int
kr_awsparse_time(const char *s, int64_t *out)
{
	int y, mo, d, h, mi, sec, compact;
	int64_t offset;
	const char *p = s;

	if (parse_epoch(s, out) == 0)
		return 0;
	compact = strlen(s) >= 9 && s[8] == 'T';
	if (digits(&p, 4, &y) == -1 || (!compact && *p++ != '-') ||
	    digits(&p, 2, &mo) == -1 || (!compact && *p++ != '-') ||
	    digits(&p, 2, &d) == -1 || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (digits(&p, 2, &h) == -1 || (!compact && *p++ != ':') ||
	    digits(&p, 2, &mi) == -1 || (!compact && *p++ != ':') ||
	    digits(&p, 2, &sec) == -1)
		return -1;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (parse_zone(p, &offset) == -1)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	*out = kr_sigv4_timegm(y, mo, d, h, mi, sec) - offset;
	return 0;
}

/* ---- helpers --------------------------------------------------------- */

static void
free_str_secret(char **p)
{
	if (*p != NULL)
		kr_free_secret(*p, strlen(*p));
	*p = NULL;
}

/* Appends the UTF-8 encoding of code point cp. Returns -1 for a value
 * that is not a scalar value. */
static int
put_utf8(struct kr_buf *out, unsigned long cp)
{
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0)
		return -1;
	kr_buf_put_utf8(out, (uint32_t)cp);
	return 0;
}

/* ---- STS XML --------------------------------------------------------- */

/* A span of the response text. */
struct span {
	const char *sp_p;
	size_t sp_len;
};

static int
is_xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Finds the first element called name inside in and stores its content in
 * *content. Only what STS sends is handled: elements without namespace
 * prefixes, no CDATA. Returns 0, or -1 when absent or unterminated. */
static int
xml_find(struct span in, const char *name, struct span *content)
{
	size_t nlen = strlen(name), i, start, j;
	const char *p = in.sp_p;
	size_t n = in.sp_len;

	for (i = 0; i + nlen + 1 < n; i++) {
		if (p[i] != '<' || memcmp(p + i + 1, name, nlen) != 0)
			continue;
		j = i + 1 + nlen;
		if (p[j] != '>' && p[j] != '/' && !is_xml_space(p[j]))
			continue;
		while (j < n && p[j] != '>')
			j++;
		if (j == n)
			return -1;
		if (p[j - 1] == '/') { /* <name/> */
			content->sp_p = p + j;
			content->sp_len = 0;
			return 0;
		}
		start = j + 1;
		for (j = start; j + nlen + 2 < n; j++) {
			if (p[j] == '<' && p[j + 1] == '/' &&
			    memcmp(p + j + 2, name, nlen) == 0 &&
			    (p[j + 2 + nlen] == '>' ||
			        is_xml_space(p[j + 2 + nlen]))) {
				content->sp_p = p + start;
				content->sp_len = j - start;
				return 0;
			}
		}
		return -1;
	}
	return -1;
}

/* Decodes one entity at p (after '&', up to and including ';'). */
static int
xml_entity(struct kr_buf *out, const char *p, size_t n, size_t *used)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {{"amp;", '&'}, {"lt;", '<'}, {"gt;", '>'}, {"quot;", '"'},
	    {"apos;", '\''}, {NULL, 0}};
	unsigned long cp = 0;
	size_t i, k;
	int base, v;

	for (i = 0; named[i].name != NULL; i++) {
		k = strlen(named[i].name);
		if (n >= k && memcmp(p, named[i].name, k) == 0) {
			kr_buf_putc(out, named[i].c);
			*used = k;
			return 0;
		}
	}
	if (n < 3 || p[0] != '#')
		return -1;
	base = p[1] == 'x' ? 16 : 10;
	for (k = base == 16 ? 2 : 1; k < n && p[k] != ';'; k++) {
		v = kr_hex_digit(p[k]);
		if (v < 0 || v >= base || cp > 0x10ffff)
			return -1;
		cp = cp * (unsigned long)base + (unsigned long)v;
	}
	if (k == n || k == (base == 16 ? 2u : 1u))
		return -1;
	*used = k + 1;
	return put_utf8(out, cp);
}

/* Returns a new string with the entity-decoded, trimmed text of sp, or NULL
 * when it holds markup or a bad entity. */
static char *
xml_text(struct span sp)
{
	struct kr_buf b = KR_BUF_INIT;
	const char *p = sp.sp_p;
	size_t n = sp.sp_len, i, used;

	while (n > 0 && is_xml_space(p[0])) {
		p++;
		n--;
	}
	while (n > 0 && is_xml_space(p[n - 1]))
		n--;
	kr_buf_reserve(&b, n);
	for (i = 0; i < n; i++) {
		if (p[i] == '<' || p[i] == '\0')
			goto fail;
		if (p[i] != '&') {
			kr_buf_putc(&b, p[i]);
			continue;
		}
		if (xml_entity(&b, p + i + 1, n - i - 1, &used) == -1)
			goto fail;
		i += used;
	}
	/* Terminates the data even when reserve allocated it and
	 * nothing was appended. */
	kr_buf_append(&b, "", 0);
	return kr_buf_detach(&b);
fail:
	if (b.data != NULL)
		explicit_bzero(b.data, b.cap);
	kr_buf_free(&b);
	return NULL;
}

/* Returns the decoded text at path (names separated by '/') under in, or
 * NULL. */
static char *
xml_get(struct span in, const char *path)
{
	char name[64];
	const char *p = path, *slash;
	struct span cur = in;
	size_t n;

	while (*p != '\0') {
		slash = strchr(p, '/');
		n = slash != NULL ? (size_t)(slash - p) : strlen(p);
		if (n >= sizeof(name))
			return NULL;
		memcpy(name, p, n);
		name[n] = '\0';
		if (xml_find(cur, name, &cur) == -1)
			return NULL;
		p += n;
		if (*p == '/')
			p++;
	}
	return xml_text(cur);
}

static int
sts_error(
    struct span doc, struct kr_awsparse_sts *out, char *errstr, size_t errlen)
{
	struct span err;

	if (xml_find(doc, "ErrorResponse", &err) == -1 &&
	    xml_find(doc, "Response", &err) == -1) {
		snprintf(errstr, errlen,
		    "STS response is neither a result nor an error");
		return -1;
	}
	out->st_err_type = xml_get(err, "Error/Type");
	out->st_err_code = xml_get(err, "Error/Code");
	out->st_err_msg = xml_get(err, "Error/Message");
	out->st_request_id = xml_get(err, "RequestId");
	snprintf(errstr, errlen, "STS %s: %s",
	    out->st_err_code != NULL ? out->st_err_code : "error",
	    out->st_err_msg != NULL ? out->st_err_msg : "(no message)");
	return -1;
}

int
kr_awsparse_sts(const char *xml, size_t len, struct kr_awsparse_sts *out,
    char *errstr, size_t errlen)
{
	struct span doc = {xml, len}, res;
	struct kr_sigv4_creds *cr = &out->st_creds;
	char *exp;
	int rc;

	if (xml_find(doc, "AssumeRoleResult", &res) == -1 &&
	    xml_find(doc, "AssumeRoleWithWebIdentityResult", &res) == -1)
		return sts_error(doc, out, errstr, errlen);
	cr->cr_akid = xml_get(res, "Credentials/AccessKeyId");
	cr->cr_secret = xml_get(res, "Credentials/SecretAccessKey");
	cr->cr_token = xml_get(res, "Credentials/SessionToken");
	exp = xml_get(res, "Credentials/Expiration");
	out->st_arn = xml_get(res, "AssumedRoleUser/Arn");
	out->st_role_id = xml_get(res, "AssumedRoleUser/AssumedRoleId");
	out->st_request_id = xml_get(doc, "ResponseMetadata/RequestId");
	rc = 0;
	if (cr->cr_akid == NULL || cr->cr_akid[0] == '\0' ||
	    cr->cr_secret == NULL || cr->cr_secret[0] == '\0' ||
	    cr->cr_token == NULL || cr->cr_token[0] == '\0') {
		snprintf(errstr, errlen,
		    "STS response lacks AccessKeyId, SecretAccessKey or "
		    "SessionToken");
		rc = -1;
	} else if (exp == NULL ||
	           kr_awsparse_time(exp, &cr->cr_expiration) == -1) {
		snprintf(
		    errstr, errlen, "STS response has no valid Expiration");
		rc = -1;
	}
	free(exp);
	if (rc == -1)
		kr_sigv4_creds_clear(cr);
	return rc;
}

void
kr_awsparse_sts_free(struct kr_awsparse_sts *sts)
{
	kr_sigv4_creds_clear(&sts->st_creds);
	free(sts->st_arn);
	free(sts->st_role_id);
	free(sts->st_request_id);
	free(sts->st_err_type);
	free(sts->st_err_code);
	free(sts->st_err_msg);
	memset(sts, 0, sizeof(*sts));
}

char *
kr_awsparse_caller_arn(const char *xml, size_t len, char *errstr, size_t errlen)
{
	struct span doc = {xml, len}, res;
	struct kr_awsparse_sts sts = {0};
	char *arn;

	if (xml_find(doc, "GetCallerIdentityResult", &res) == -1) {
		sts_error(doc, &sts, errstr, errlen);
		kr_awsparse_sts_free(&sts);
		return NULL;
	}
	if ((arn = xml_get(res, "Arn")) == NULL || arn[0] == '\0') {
		snprintf(
		    errstr, errlen, "GetCallerIdentity response has no Arn");
		free(arn);
		return NULL;
	}
	return arn;
}

/* ---- flat JSON ------------------------------------------------------- */

/* A cursor over a JSON text. Only one level of object is kept; nested
 * values are validated loosely and skipped. */
struct jcur {
	const char *jc_p;
	size_t jc_len;
	size_t jc_pos;
};

static void
j_ws(struct jcur *jc)
{
	while (jc->jc_pos < jc->jc_len && is_xml_space(jc->jc_p[jc->jc_pos]))
		jc->jc_pos++;
}

static int
j_peek(struct jcur *jc)
{
	j_ws(jc);
	return jc->jc_pos < jc->jc_len ? (unsigned char)jc->jc_p[jc->jc_pos]
	                               : -1;
}

static int
j_hex4(struct jcur *jc, unsigned long *v)
{
	int i, h;

	if (jc->jc_len - jc->jc_pos < 4)
		return -1;
	*v = 0;
	for (i = 0; i < 4; i++) {
		h = kr_hex_digit(jc->jc_p[jc->jc_pos++]);
		if (h < 0)
			return -1;
		*v = *v * 16 + (unsigned long)h;
	}
	return 0;
}

static int
j_escape(struct jcur *jc, struct kr_buf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	unsigned long cp, lo;
	const char *e;
	char c;

	if (jc->jc_pos >= jc->jc_len)
		return -1;
	c = jc->jc_p[jc->jc_pos++];
	if (c != 'u') {
		if (c == '\0' || (e = strchr(from, c)) == NULL)
			return -1;
		kr_buf_putc(out, to[e - from]);
		return 0;
	}
	if (j_hex4(jc, &cp) == -1)
		return -1;
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (jc->jc_len - jc->jc_pos < 2 ||
		    jc->jc_p[jc->jc_pos] != '\\' ||
		    jc->jc_p[jc->jc_pos + 1] != 'u')
			return -1;
		jc->jc_pos += 2;
		if (j_hex4(jc, &lo) == -1 || lo < 0xdc00 || lo > 0xdfff)
			return -1;
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return put_utf8(out, cp);
}

/* Reads a string at the cursor into out (when not NULL). */
static int
j_string(struct jcur *jc, struct kr_buf *out)
{
	struct kr_buf scratch = KR_BUF_INIT;
	struct kr_buf *b = out != NULL ? out : &scratch;
	unsigned char c;
	int rc = -1;

	if (j_peek(jc) != '"')
		return -1;
	jc->jc_pos++;
	while (jc->jc_pos < jc->jc_len) {
		c = (unsigned char)jc->jc_p[jc->jc_pos++];
		if (c == '"') {
			rc = 0;
			break;
		}
		if (c < 0x20)
			break;
		if (c == '\\') {
			if (j_escape(jc, b) == -1)
				break;
		} else {
			kr_buf_putc(b, (char)c);
		}
	}
	/* Terminates the data even when reserve allocated it and
	 * nothing was appended. */
	kr_buf_append(b, "", 0);
	kr_buf_free(&scratch);
	return rc;
}

/* Skips a nested object or array, whose opening bracket is at the
 * cursor. Brackets are counted, not matched: the value is ignored. */
static int
j_skip_nested(struct jcur *jc)
{
	int depth = 0, c;

	do {
		c = j_peek(jc);
		if (c == -1)
			return -1;
		if (c == '"') {
			if (j_string(jc, NULL) == -1)
				return -1;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		jc->jc_pos++;
	} while (depth > 0);
	return 0;
}

/* Skips a value other than a string; copies a scalar's text (number,
 * true, false, null) into num when num is not NULL and it fits. */
static int
j_skip(struct jcur *jc, char *num, size_t numlen)
{
	static const char scalar[] = "+-.0123456789eEtruefalsn";
	size_t start;
	int c;

	if (num != NULL)
		num[0] = '\0';
	c = j_peek(jc);
	if (c == '"')
		return j_string(jc, NULL);
	if (c == '{' || c == '[')
		return j_skip_nested(jc);
	start = jc->jc_pos;
	while (jc->jc_pos < jc->jc_len && jc->jc_p[jc->jc_pos] != '\0' &&
	       strchr(scalar, jc->jc_p[jc->jc_pos]) != NULL)
		jc->jc_pos++;
	if (jc->jc_pos == start)
		return -1;
	if (num != NULL && jc->jc_pos - start < numlen) {
		memcpy(num, jc->jc_p + start, jc->jc_pos - start);
		num[jc->jc_pos - start] = '\0';
	}
	return 0;
}

/* The fields of a credentials document, each NULL when absent. */
struct jcreds {
	char *jk_akid, *jk_secret, *jk_token, *jk_session_token;
	char *jk_expiration, *jk_code, *jk_message;
	char jk_version[16];
};

static char **
jcreds_slot(struct jcreds *jk, const char *key)
{
	if (strcmp(key, "AccessKeyId") == 0)
		return &jk->jk_akid;
	if (strcmp(key, "SecretAccessKey") == 0)
		return &jk->jk_secret;
	if (strcmp(key, "Token") == 0)
		return &jk->jk_token;
	if (strcmp(key, "SessionToken") == 0)
		return &jk->jk_session_token;
	if (strcmp(key, "Expiration") == 0)
		return &jk->jk_expiration;
	if (strcmp(key, "Code") == 0)
		return &jk->jk_code;
	if (strcmp(key, "Message") == 0)
		return &jk->jk_message;
	return NULL;
}

static void
jcreds_free(struct jcreds *jk)
{
	free_str_secret(&jk->jk_secret);
	free_str_secret(&jk->jk_token);
	free_str_secret(&jk->jk_session_token);
	free(jk->jk_akid);
	free(jk->jk_expiration);
	free(jk->jk_code);
	free(jk->jk_message);
}

/* Reads one "key": value member into jk. */
static int
j_member(struct jcur *jc, struct jcreds *jk)
{
	struct kr_buf key = KR_BUF_INIT, val = KR_BUF_INIT;
	char **slot;
	int rc = -1;

	if (j_string(jc, &key) == -1 || j_peek(jc) != ':')
		goto done;
	jc->jc_pos++;
	slot = jcreds_slot(jk, key.data);
	if (slot != NULL && j_peek(jc) == '"') {
		/* Sized once: a secret must not be left behind by realloc. */
		kr_buf_reserve(&val, jc->jc_len - jc->jc_pos);
		if (j_string(jc, &val) == -1)
			goto done;
		free_str_secret(slot);
		*slot = kr_buf_detach(&val);
	} else if (j_skip(jc,
	               strcmp(key.data, "Version") == 0 ? jk->jk_version : NULL,
	               sizeof(jk->jk_version)) == -1) {
		goto done;
	}
	rc = 0;
done:
	if (val.data != NULL)
		explicit_bzero(val.data, val.cap);
	kr_buf_free(&val);
	kr_buf_free(&key);
	return rc;
}

static int
j_object(struct jcur *jc, struct jcreds *jk)
{
	int c;

	if (j_peek(jc) != '{')
		return -1;
	jc->jc_pos++;
	if (j_peek(jc) == '}') {
		jc->jc_pos++;
		return 0;
	}
	for (;;) {
		if (j_member(jc, jk) == -1)
			return -1;
		c = j_peek(jc);
		jc->jc_pos++;
		if (c == '}')
			break;
		if (c != ',')
			return -1;
	}
	return j_peek(jc) == -1 ? 0 : -1;
}

static int
empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

int
kr_awsparse_creds_json(const char *buf, size_t len, struct kr_sigv4_creds *out,
    char *errstr, size_t errlen)
{
	struct jcur jc = {buf, len, 0};
	struct jcreds jk;
	char **tok;
	int rc = -1;

	memset(&jk, 0, sizeof(jk));
	if (j_object(&jc, &jk) == -1) {
		snprintf(errstr, errlen,
		    "credentials JSON is malformed near byte %zu", jc.jc_pos);
		goto done;
	}
	if (jk.jk_code != NULL && strcmp(jk.jk_code, "Success") != 0) {
		snprintf(errstr, errlen, "credentials endpoint: %s: %s",
		    jk.jk_code, jk.jk_message != NULL ? jk.jk_message : "");
		goto done;
	}
	if (jk.jk_version[0] != '\0' && strcmp(jk.jk_version, "1") != 0) {
		snprintf(errstr, errlen,
		    "credentials JSON Version %s is not supported",
		    jk.jk_version);
		goto done;
	}
	if (empty(jk.jk_akid) || empty(jk.jk_secret)) {
		snprintf(errstr, errlen,
		    "credentials JSON lacks AccessKeyId or SecretAccessKey");
		goto done;
	}
	if (jk.jk_expiration != NULL &&
	    kr_awsparse_time(jk.jk_expiration, &out->cr_expiration) == -1) {
		snprintf(errstr, errlen,
		    "credentials JSON has an invalid Expiration");
		goto done;
	}
	tok = !empty(jk.jk_token) ? &jk.jk_token : &jk.jk_session_token;
	out->cr_akid = jk.jk_akid;
	out->cr_secret = jk.jk_secret;
	if (!empty(*tok)) {
		out->cr_token = *tok;
		*tok = NULL;
	}
	jk.jk_akid = jk.jk_secret = NULL;
	rc = 0;
done:
	if (rc == -1)
		out->cr_expiration = 0;
	jcreds_free(&jk);
	return rc;
}

/* ---- shared credentials and config files ----------------------------- */

static const struct {
	const char *pk_key;
	size_t pk_off;
} profile_keys[] = {
    {"aws_access_key_id", offsetof(struct kr_awsparse_profile, pr_akid)},
    {"aws_secret_access_key", offsetof(struct kr_awsparse_profile, pr_secret)},
    {"aws_session_token", offsetof(struct kr_awsparse_profile, pr_token)},
    {"region", offsetof(struct kr_awsparse_profile, pr_region)},
    {"role_arn", offsetof(struct kr_awsparse_profile, pr_role_arn)},
    {"source_profile", offsetof(struct kr_awsparse_profile, pr_source_profile)},
    {"credential_source",
        offsetof(struct kr_awsparse_profile, pr_credential_source)},
    {"credential_process",
        offsetof(struct kr_awsparse_profile, pr_credential_process)},
    {"web_identity_token_file",
        offsetof(struct kr_awsparse_profile, pr_web_identity_token_file)},
    {"role_session_name",
        offsetof(struct kr_awsparse_profile, pr_role_session_name)},
    {"external_id", offsetof(struct kr_awsparse_profile, pr_external_id)},
    {"duration_seconds",
        offsetof(struct kr_awsparse_profile, pr_duration_seconds)},
    {"sts_regional_endpoints",
        offsetof(struct kr_awsparse_profile, pr_sts_regional_endpoints)},
    {NULL, 0},
};

static void
trim(const char **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t')) {
		(*p)++;
		(*n)--;
	}
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' ||
	                     (*p)[*n - 1] == '\r'))
		(*n)--;
}

/* Returns 1 when the section header text s (between the brackets) names
 * profile name. */
static int
section_matches(const char *s, size_t n, int is_config, const char *name)
{
	size_t nlen = strlen(name);

	trim(&s, &n);
	if (is_config && n > 7 && memcmp(s, "profile", 7) == 0 &&
	    (s[7] == ' ' || s[7] == '\t')) {
		s += 7;
		n -= 7;
		trim(&s, &n);
	} else if (is_config && strcmp(name, "default") != 0) {
		return 0;
	}
	return n == nlen && memcmp(s, name, n) == 0;
}

static void
profile_set(struct kr_awsparse_profile *prof, const char *key, size_t klen,
    const char *val, size_t vlen)
{
	char **slot;
	size_t i;

	for (i = 0; profile_keys[i].pk_key != NULL; i++) {
		if (strlen(profile_keys[i].pk_key) != klen ||
		    strncasecmp(profile_keys[i].pk_key, key, klen) != 0)
			continue;
		slot = (char **)(void *)((char *)prof + profile_keys[i].pk_off);
		if (*slot == NULL)
			*slot = kr_strndup(val, vlen);
		return;
	}
}

int
kr_awsparse_profile(const char *buf, size_t len, int is_config,
    const char *name, struct kr_awsparse_profile *prof, char *errstr,
    size_t errlen)
{
	const char *line, *end = buf + len, *nl, *delim, *close;
	int lineno = 0, in_section = 0, found = 0, prev_key = 0;
	size_t n, klen;

	for (line = buf; line < end; line = nl + 1) {
		lineno++;
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL)
			nl = end;
		n = (size_t)(nl - line);
		/* An indented line after a key continues its value (nested
		 * settings such as "s3 =" blocks); none of ours use them. */
		if (prev_key && n > 0 && (line[0] == ' ' || line[0] == '\t'))
			continue;
		prev_key = 0;
		trim(&line, &n);
		if (n == 0 || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			close = memchr(line, ']', n);
			if (close == NULL) {
				snprintf(errstr, errlen,
				    "line %d: unterminated section header",
				    lineno);
				return -1;
			}
			in_section = section_matches(line + 1,
			    (size_t)(close - line - 1), is_config, name);
			found |= in_section;
			continue;
		}
		delim = line;
		while (delim < line + n && *delim != '=' && *delim != ':')
			delim++;
		if (delim == line + n || delim == line) {
			snprintf(errstr, errlen,
			    "line %d: expected \"key = value\"", lineno);
			return -1;
		}
		prev_key = 1;
		if (!in_section)
			continue;
		klen = (size_t)(delim - line);
		trim(&line, &klen);
		delim++;
		n = (size_t)(nl - delim);
		trim(&delim, &n);
		profile_set(prof, line, klen, delim, n);
	}
	return found;
}

void
kr_awsparse_profile_free(struct kr_awsparse_profile *prof)
{
	free_str_secret(&prof->pr_secret);
	free_str_secret(&prof->pr_token);
	free(prof->pr_akid);
	free(prof->pr_region);
	free(prof->pr_role_arn);
	free(prof->pr_source_profile);
	free(prof->pr_credential_source);
	free(prof->pr_credential_process);
	free(prof->pr_web_identity_token_file);
	free(prof->pr_role_session_name);
	free(prof->pr_external_id);
	free(prof->pr_duration_seconds);
	free(prof->pr_sts_regional_endpoints);
	memset(prof, 0, sizeof(*prof));
}
