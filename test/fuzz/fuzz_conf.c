/* SPDX-License-Identifier: MIT */
/* libFuzzer harness of kr_conf_parse(). Invariants: no crash or leak;
 * every diagnostic points at a line of the input; kr_conf_dump() output
 * does not depend on any secret value; a parsed secret makes
 * kr_conf_has_secrets() true. With -DWITH_MAIN it replays files. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kr_buf.h"
#include "kr_conf.h"

/* Lines as java.util.Properties counts them: "\n", "\r\n" or "\r" end a
 * line; a last line without a terminator counts too. */
static int
count_lines(const char *s, size_t n)
{
	size_t i = 0;
	int lines = 0;

	while (i < n) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			lines++;
			i += 2;
		} else if (s[i] == '\n' || s[i] == '\r') {
			lines++;
			i++;
		} else {
			i++;
		}
	}
	if (n > 0 && s[n - 1] != '\n' && s[n - 1] != '\r')
		lines++;
	return lines;
}

/* Overwrites every secret value of conf with the byte c (same length). */
static int
fill_secrets(struct kr_conf *conf, char c)
{
	struct kr_kv *lists[3] = {
	    conf->conf_producer, conf->conf_admin, conf->conf_consumer};
	size_t counts[3] = {
	    conf->conf_nproducer, conf->conf_nadmin, conf->conf_nconsumer};
	char *iam[2] = {conf->conf_iam.iam_role_secret_access_key,
	    conf->conf_iam.iam_role_session_token};
	size_t l, i;
	int found = 0;

	for (l = 0; l < 3; l++) {
		for (i = 0; i < counts[l]; i++) {
			if (!kr_conf_key_is_secret(lists[l][i].kv_key))
				continue;
			memset(lists[l][i].kv_value, c,
			    strlen(lists[l][i].kv_value));
			found = 1;
		}
	}
	for (i = 0; i < 2; i++) {
		if (iam[i] != NULL) {
			memset(iam[i], c, strlen(iam[i]));
			found = 1;
		}
	}
	return found;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct kr_buf dump = KR_BUF_INIT, a = KR_BUF_INIT, b = KR_BUF_INIT;
	struct kr_conf conf;
	struct kr_diags d;
	int lines = count_lines(buf, size), rc, errors = 0;
	size_t i;

	if (lines < 1)
		lines = 1;
	kr_conf_init(&conf);
	kr_diags_init(&d);
	rc = kr_conf_parse(buf, size, "fuzz.properties", &conf, &d);
	for (i = 0; i < d.d_count; i++) {
		FUZZ_ASSERT(d.d_list[i].dg_line >= 1);
		FUZZ_ASSERT(d.d_list[i].dg_line <= lines);
		FUZZ_ASSERT(d.d_list[i].dg_msg != NULL);
		errors += d.d_list[i].dg_error;
		kr_diag_format(&d.d_list[i], &dump);
	}
	FUZZ_ASSERT(errors == d.d_errors);
	FUZZ_ASSERT((rc == 0) == (errors == 0));
	FUZZ_ASSERT(conf.conf_nlisteners >= 1 || rc < 0);
	kr_conf_dump(&conf, &dump);
	kr_conf_dump(&conf, &a);
	if (fill_secrets(&conf, 'A')) {
		FUZZ_ASSERT(kr_conf_has_secrets(&conf));
		kr_buf_reset(&b);
		kr_conf_dump(&conf, &b);
		FUZZ_ASSERT(
		    a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
		fill_secrets(&conf, 'B');
		kr_buf_reset(&b);
		kr_conf_dump(&conf, &b);
		FUZZ_ASSERT(
		    a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	}
	kr_buf_free(&dump);
	kr_buf_free(&a);
	kr_buf_free(&b);
	kr_conf_free(&conf);
	kr_diags_free(&d);
	return 0;
}
