/* SPDX-License-Identifier: MIT */
/* The --mysql source (see emu_mysql.h). The original reads each row with
 * SQLAlchemy (pymysql) and posts json.dumps(dict(row._mapping)): ints and
 * floats stay numbers, datetimes become strings in the script's format,
 * DECIMAL becomes a string (default=str), NULL becomes null. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mariadb/mysql.h>

#include "kr_buf.h"
#include "kr_alloc.h"
#include "emu_mysql.h"

const char *const emu_mysql_tables[KR_GEN_NKINDS] = {
    "pinterest_data", "geolocation_data", "user_data"};

struct emu_mysql {
	MYSQL *db_conn;
};

struct url_parts {
	char *up_user, *up_pass, *up_host, *up_db, *up_socket;
	unsigned up_port;
};

/* A new string: the n bytes at s with %XX escapes decoded. */
static char *
pct_decode(const char *s, size_t n)
{
	char *out = kr_malloc(n + 1);
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    kr_hex_digit((unsigned char)s[i + 1]) >= 0 &&
		    kr_hex_digit((unsigned char)s[i + 2]) >= 0) {
			out[j++] =
			    (char)(kr_hex_digit((unsigned char)s[i + 1]) * 16 +
			           kr_hex_digit((unsigned char)s[i + 2]));
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}

static void
url_free(struct url_parts *u)
{
	if (u->up_pass != NULL)
		explicit_bzero(u->up_pass, strlen(u->up_pass));
	free(u->up_user);
	free(u->up_pass);
	free(u->up_host);
	free(u->up_db);
	free(u->up_socket);
}

static int
parse_query(struct url_parts *u, const char *q, char *errstr, size_t errlen)
{
	while (*q != '\0') {
		size_t n = strcspn(q, "&");
		const char *eq = memchr(q, '=', n);

		if (eq != NULL &&
		    ((eq - q == 11 && memcmp(q, "unix_socket", 11) == 0) ||
		        (eq - q == 6 && memcmp(q, "socket", 6) == 0))) {
			free(u->up_socket);
			u->up_socket =
			    pct_decode(eq + 1, n - (size_t)(eq + 1 - q));
		} else if (n > 0 &&
		           (eq == NULL || memcmp(q, "charset", 7) != 0)) {
			snprintf(errstr, errlen,
			    "--mysql: unknown URL parameter '%.*s' (known: "
			    "unix_socket, socket, charset)",
			    (int)n, q);
			return -1;
		}
		q += n;
		if (*q == '&')
			q++;
	}
	return 0;
}

/* mysql[+driver]://[user[:pass]@][host][:port][/db][?params] */
static int
parse_url(const char *url, struct url_parts *u, char *errstr, size_t errlen)
{
	const char *p = strstr(url, "://"), *auth, *at, *end, *colon, *q;
	char *port;
	long v;

	memset(u, 0, sizeof(*u));
	if (p == NULL || strncmp(url, "mysql", 5) != 0 ||
	    (url[5] != ':' && url[5] != '+') ||
	    (url[5] == '+' && strchr(url, ':') != p))
		goto bad;
	auth = p + 3;
	end = auth + strcspn(auth, "/?");
	at = NULL;
	for (q = auth; q < end; q++)
		if (*q == '@')
			at = q;
	if (at != NULL) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon != NULL) {
			u->up_user = pct_decode(auth, (size_t)(colon - auth));
			u->up_pass =
			    pct_decode(colon + 1, (size_t)(at - colon - 1));
		} else {
			u->up_user = pct_decode(auth, (size_t)(at - auth));
		}
		auth = at + 1;
	}
	colon = memchr(auth, ':', (size_t)(end - auth));
	u->up_host =
	    pct_decode(auth, (size_t)((colon != NULL ? colon : end) - auth));
	if (colon != NULL) {
		port = kr_strndup(colon + 1, (size_t)(end - colon - 1));
		v = strtol(port, NULL, 10);
		if (strspn(port, "0123456789") != strlen(port) ||
		    port[0] == '\0' || v < 1 || v > 65535) {
			free(port);
			goto bad;
		}
		free(port);
		u->up_port = (unsigned)v;
	}
	if (*end == '/') {
		q = end + 1 + strcspn(end + 1, "?");
		u->up_db = pct_decode(end + 1, (size_t)(q - end - 1));
		end = q;
	}
	if (*end == '?' && parse_query(u, end + 1, errstr, errlen) < 0)
		return -1;
	if (u->up_host[0] == '/') { /* mysql://user@%2Frun%2Fmysqld.sock/db */
		free(u->up_socket);
		u->up_socket = u->up_host;
		u->up_host = kr_strdup("localhost");
	}
	return 0;
bad:
	snprintf(errstr, errlen,
	    "--mysql: bad URL (want mysql://user:pass@host:port/db or "
	    "mysql://user:pass@localhost/db?unix_socket=/path)");
	return -1;
}

struct emu_mysql *
emu_mysql_open(const char *url, char *errstr, size_t errlen)
{
	struct emu_mysql *db = NULL;
	struct url_parts u;
	unsigned timeout = 5;
	MYSQL *conn;

	if (parse_url(url, &u, errstr, errlen) < 0)
		goto done;
	conn = mysql_init(NULL);
	if (conn == NULL) {
		snprintf(errstr, errlen, "mysql: out of memory");
		goto done;
	}
	mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	timeout = 30;
	mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &timeout);
	mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
	mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	if (mysql_real_connect(conn,
	        u.up_host[0] != '\0' ? u.up_host : "localhost", u.up_user,
	        u.up_pass, u.up_db, u.up_port, u.up_socket, 0) == NULL) {
		snprintf(errstr, errlen, "mysql: cannot connect: %s",
		    mysql_error(conn));
		mysql_close(conn);
		goto done;
	}
	db = kr_calloc(1, sizeof(*db));
	db->db_conn = conn;
done:
	url_free(&u);
	return db;
}

void
emu_mysql_close(struct emu_mysql *db)
{
	if (db == NULL)
		return;
	mysql_close(db->db_conn);
	free(db);
}

/* A DATETIME/TIMESTAMP as text ("2020-08-28 03:52:47[.frac]") in the
 * chosen format: isoformat() puts a 'T', str() a space, hillaabra's
 * strftime("%Y:%m:%d %H:%M:%S") colons and no fraction. Python writes
 * fractions with six digits. */
static void
put_datetime(
    struct kr_buf *out, const char *s, size_t n, enum kr_gen_datefmt fmt)
{
	char tmp[40];
	size_t i, fl;

	if (n < 19 || n >= sizeof(tmp) || strncmp(s, "0000-00-00", 10) == 0) {
		kr_buf_puts(out, "null");
		return;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (fmt == KR_GEN_DATE_ISO)
		tmp[10] = 'T';
	if (fmt == KR_GEN_DATE_COLON) {
		tmp[4] = tmp[7] = ':';
		n = 19;
	}
	kr_buf_putc(out, '"');
	kr_buf_append(out, tmp, n);
	fl = n > 20 ? n - 20 : 0; /* digits after the '.' */
	for (i = fl; fl > 0 && i < 6; i++)
		kr_buf_putc(out, '0');
	kr_buf_putc(out, '"');
}

static void
put_bits(struct kr_buf *out, const char *s, size_t n)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; i < n && i < 8; i++)
		v = (v << 8) | (unsigned char)s[i];
	kr_buf_printf(out, "%llu", v);
}

/* Appends one column value typed the way SQLAlchemy + json.dumps would. */
static void
put_value(struct kr_buf *out, const MYSQL_FIELD *f, const char *s, size_t n,
    enum kr_gen_datefmt fmt)
{
	if (s == NULL) {
		kr_buf_puts(out, "null");
		return;
	}
	switch (f->type) {
	case MYSQL_TYPE_TINY:
	case MYSQL_TYPE_SHORT:
	case MYSQL_TYPE_LONG:
	case MYSQL_TYPE_INT24:
	case MYSQL_TYPE_LONGLONG:
	case MYSQL_TYPE_YEAR:
		kr_buf_append(out, s, n);
		break;
	case MYSQL_TYPE_BIT:
		put_bits(out, s, n);
		break;
	case MYSQL_TYPE_FLOAT:
	case MYSQL_TYPE_DOUBLE:
		kr_gen_float_repr(out, strtod(s, NULL));
		break;
	case MYSQL_TYPE_DATETIME:
	case MYSQL_TYPE_TIMESTAMP:
	case MYSQL_TYPE_DATETIME2:
	case MYSQL_TYPE_TIMESTAMP2:
		put_datetime(out, s, n, fmt);
		break;
	default: /* strings, DECIMAL (default=str), DATE, TIME, JSON... */
		kr_buf_json_str(out, s, n);
		break;
	}
}

int
emu_mysql_row(struct emu_mysql *db, enum kr_gen_kind kind, uint64_t row,
    enum kr_gen_datefmt fmt, struct kr_buf *out, char *errstr, size_t errlen)
{
	char sql[128];
	MYSQL_RES *res;
	MYSQL_ROW r;
	MYSQL_FIELD *fields;
	unsigned long *lens;
	unsigned i, nf;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s LIMIT %llu, 1",
	    emu_mysql_tables[kind], (unsigned long long)row);
	if (mysql_query(db->db_conn, sql) != 0 ||
	    (res = mysql_store_result(db->db_conn)) == NULL) {
		snprintf(errstr, errlen, "mysql: %s: %s", sql,
		    mysql_error(db->db_conn));
		return -1;
	}
	r = mysql_fetch_row(res);
	if (r == NULL) {
		mysql_free_result(res);
		return 0;
	}
	lens = mysql_fetch_lengths(res);
	fields = mysql_fetch_fields(res);
	nf = mysql_num_fields(res);
	kr_buf_putc(out, '{');
	for (i = 0; i < nf; i++) {
		if (i > 0)
			kr_buf_putc(out, ',');
		kr_buf_json_str(out, fields[i].name, fields[i].name_length);
		kr_buf_putc(out, ':');
		put_value(out, &fields[i], r[i], lens[i], fmt);
	}
	kr_buf_putc(out, '}');
	mysql_free_result(res);
	return 1;
}
