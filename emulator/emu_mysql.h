/* SPDX-License-Identifier: MIT */
/* The --mysql source: rows of the original three tables, read the way
 * user_posting_emulation.py reads them and typed as SQLAlchemy and
 * json.dumps would type them. */
#ifndef EMU_MYSQL_H
#define EMU_MYSQL_H

#include <stdint.h>

#include "kr_buf.h"
#include "kr_gen.h"

struct emu_mysql;

/* Table names, by kind: pinterest_data, geolocation_data, user_data. */
extern const char *const emu_mysql_tables[KR_GEN_NKINDS];

/* Connects to url: mysql://user:pass@host:port/db, with an optional
 * ?unix_socket=PATH (or socket=) or a host of the form %2Fpath. Returns a
 * new handle for emu_mysql_close(), or NULL with errstr set. */
struct emu_mysql *emu_mysql_open(const char *url, char *errstr, size_t errlen);
void emu_mysql_close(struct emu_mysql *db);

/* Runs SELECT * FROM <table of kind> LIMIT row, 1 and appends the row to
 * out as a compact JSON object. Returns 1 when appended, 0 when the table
 * has no such row, -1 with errstr set when the query failed. */
int emu_mysql_row(struct emu_mysql *db, enum kr_gen_kind kind, uint64_t row,
    enum kr_gen_datefmt fmt, struct kr_buf *out, char *errstr, size_t errlen);

#endif
