/* SPDX-License-Identifier: MIT */
/* Event sources (see emu_source.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_alloc.h"
#include "emu_json.h"
#include "emu_mysql.h"
#include "emu_source.h"

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* Checks one line of a --from-dir file and stores its compact form, or
 * NULL when it is malformed. Returns 0, or -1 when malformed and strict. */
static int
table_add(struct emu_table *tb, const char *path, size_t lineno,
    const char *line, size_t n, int strict, char *errstr, size_t errlen)
{
	struct emu_jval v;
	struct kr_buf out = KR_BUF_INIT;
	char msg[200];
	size_t i = tb->tb_n;

	tb->tb_rows = kr_realloc(tb->tb_rows, (i + 1) * sizeof(*tb->tb_rows));
	tb->tb_lens = kr_realloc(tb->tb_lens, (i + 1) * sizeof(*tb->tb_lens));
	tb->tb_rows[i] = NULL;
	tb->tb_lens[i] = 0;
	tb->tb_n++;
	if (emu_json_parse(line, n, &v, msg, sizeof(msg)) < 0)
		goto bad;
	if (v.jv_type != EJ_OBJ) {
		snprintf(msg, sizeof(msg), "not a JSON object");
		emu_json_free(&v);
		goto bad;
	}
	emu_json_write(&out, &v);
	emu_json_free(&v);
	tb->tb_lens[i] = out.len;
	tb->tb_rows[i] = kr_buf_detach(&out);
	return 0;
bad:
	tb->tb_bad++;
	snprintf(errstr, errlen, "%s:%zu: malformed row: %s%s", path, lineno,
	    msg, strict ? "" : " (skipped)");
	if (strict)
		return -1;
	fprintf(stderr, "krest-emulate: %s\n", errstr);
	return 0;
}

static int
table_load(struct emu_table *tb, const char *dir, const char *name, int strict,
    char *errstr, size_t errlen)
{
	char path[4096];
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	FILE *f;
	int rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s.jsonl", dir, name) >=
	    sizeof(path)) {
		snprintf(errstr, errlen, "%s: path too long", dir);
		return -1;
	}
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (blank(line, (size_t)n))
			continue;
		if (table_add(tb, path, lineno, line, (size_t)n, strict, errstr,
		        errlen) < 0)
			goto done;
	}
	if (ferror(f)) {
		snprintf(errstr, errlen, "%s: %s", path, strerror(errno));
		goto done;
	}
	if (tb->tb_n == 0) {
		snprintf(errstr, errlen, "%s: no rows", path);
		goto done;
	}
	rc = 0;
done:
	free(line);
	fclose(f);
	return rc;
}

static int
open_dir(struct emu_source *src, char *errstr, size_t errlen)
{
	const struct emu_opts *o = src->src_opts;
	size_t n = SIZE_MAX;
	int k;

	for (k = 0; k < KR_GEN_NKINDS; k++) {
		if (table_load(&src->src_tables[k], o->o_from_dir,
		        kr_gen_kind_name((enum kr_gen_kind)k), o->o_strict,
		        errstr, errlen) < 0)
			return -1;
		if (src->src_tables[k].tb_n < n)
			n = src->src_tables[k].tb_n;
	}
	for (k = 0; k < KR_GEN_NKINDS; k++)
		if (src->src_tables[k].tb_n != n)
			fprintf(stderr,
			    "krest-emulate: %s: the files have different "
			    "row counts; using the first %zu rows of each\n",
			    o->o_from_dir, n);
	src->src_nrows = n;
	return 0;
}

int
emu_source_open(struct emu_source *src, const struct emu_opts *opts,
    char *errstr, size_t errlen)
{
	memset(src, 0, sizeof(*src));
	src->src_opts = opts;
	src->src_pick = opts->o_pick;
	if (src->src_pick == EMU_PICK_DEFAULT)
		src->src_pick =
		    opts->o_from_dir != NULL ? EMU_PICK_SEQ : EMU_PICK_RANDOM;
	if (opts->o_from_dir != NULL)
		return open_dir(src, errstr, errlen);
	if (opts->o_mysql != NULL) {
		src->src_db = emu_mysql_open(opts->o_mysql, errstr, errlen);
		return src->src_db != NULL ? 0 : -1;
	}
	return 0;
}

void
emu_source_close(struct emu_source *src)
{
	size_t i;
	int k;

	for (k = 0; k < KR_GEN_NKINDS; k++) {
		struct emu_table *tb = &src->src_tables[k];

		for (i = 0; i < tb->tb_n; i++)
			free(tb->tb_rows[i]);
		free(tb->tb_rows);
		free(tb->tb_lens);
	}
	if (src->src_db != NULL)
		emu_mysql_close(src->src_db);
	memset(src, 0, sizeof(*src));
}

uint64_t
emu_source_default_rounds(const struct emu_source *src)
{
	if (src->src_opts->o_from_dir != NULL && src->src_pick == EMU_PICK_SEQ)
		return src->src_nrows;
	return 0;
}

static uint64_t
pick_row(const struct emu_source *src, uint64_t round)
{
	const struct emu_opts *o = src->src_opts;
	uint64_t max = o->o_max_row;

	if (src->src_nrows > 0)
		max = src->src_nrows - 1;
	if (src->src_pick == EMU_PICK_SEQ)
		return src->src_nrows > 0 ? round % src->src_nrows : round;
	return kr_gen_pick_row(o->o_seed, round, max);
}

int
emu_source_round(struct emu_source *src, uint64_t round,
    struct kr_buf vals[KR_GEN_NKINDS], int have[KR_GEN_NKINDS], uint64_t *row,
    struct kr_buf *warn, char *errstr, size_t errlen)
{
	const struct emu_opts *o = src->src_opts;
	int k, rc;

	*row = pick_row(src, round);
	for (k = 0; k < KR_GEN_NKINDS; k++) {
		enum kr_gen_kind kind = (enum kr_gen_kind)k;
		struct emu_table *tb = &src->src_tables[k];

		kr_buf_reset(&vals[k]);
		have[k] = 1;
		if (o->o_from_dir != NULL) {
			if (tb->tb_rows[*row] == NULL) {
				have[k] = 0;
				kr_buf_printf(warn,
				    "round %llu: %s.jsonl row %llu is "
				    "malformed; not sent\n",
				    (unsigned long long)round + 1,
				    kr_gen_kind_name(kind),
				    (unsigned long long)*row + 1);
				continue;
			}
			kr_buf_append(
			    &vals[k], tb->tb_rows[*row], tb->tb_lens[*row]);
		} else if (src->src_db != NULL) {
			rc = emu_mysql_row(src->src_db, kind, *row,
			    o->o_datefmt, &vals[k], errstr, errlen);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				have[k] = 0;
				kr_buf_printf(warn,
				    "round %llu: %s has no row %llu "
				    "(LIMIT %llu, 1 is empty); not sent\n",
				    (unsigned long long)round + 1,
				    emu_mysql_tables[k],
				    (unsigned long long)*row,
				    (unsigned long long)*row);
			}
		} else {
			kr_gen_row(
			    &vals[k], kind, o->o_seed, *row, o->o_datefmt);
		}
	}
	return 0;
}
