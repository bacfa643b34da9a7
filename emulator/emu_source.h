/* SPDX-License-Identifier: MIT */
/* Where the events come from: the built-in generator, JSON-lines files
 * (--from-dir) or a MySQL/MariaDB database (--mysql). Each round yields
 * the pin, geo and user values of one row index. */
#ifndef EMU_SOURCE_H
#define EMU_SOURCE_H

#include <stdint.h>

#include "kr_buf.h"
#include "kr_gen.h"
#include "emu_opts.h"

struct emu_mysql;

/* The rows of one --from-dir file. */
struct emu_table {
	char **tb_rows; /* compact JSON, NUL-terminated; NULL = bad row */
	size_t *tb_lens;
	size_t tb_n;
	size_t tb_bad; /* rows skipped as malformed */
};

struct emu_source {
	const struct emu_opts *src_opts; /* borrowed */
	enum emu_pick src_pick;
	uint64_t src_nrows; /* rows to pick from (0: unbounded generator) */
	struct emu_table src_tables[KR_GEN_NKINDS]; /* --from-dir */
	struct emu_mysql *src_db;                   /* --mysql */
};

/* Opens the source the options name: reads and checks the --from-dir
 * files, or connects to the database. Returns 0, or -1 with errstr set
 * (then call emu_source_close() all the same). */
int emu_source_open(struct emu_source *src, const struct emu_opts *opts,
    char *errstr, size_t errlen);
void emu_source_close(struct emu_source *src);

/* The number of rounds the source offers when no --count or --duration
 * is given: one pass over --from-dir files, else 0 (no limit). */
uint64_t emu_source_default_rounds(const struct emu_source *src);

/* Fills the values of round `round` (0-based): vals[k] is reset and
 * holds the compact JSON value of kind k, have[k] is 0 when that record
 * is missing (a malformed or absent row; a warning naming it is written
 * to warn). *row is the row index used. Returns 0, or -1 with errstr set
 * when the source failed (the database went away). */
int emu_source_round(struct emu_source *src, uint64_t round,
    struct kr_buf vals[KR_GEN_NKINDS], int have[KR_GEN_NKINDS], uint64_t *row,
    struct kr_buf *warn, char *errstr, size_t errlen);

#endif
