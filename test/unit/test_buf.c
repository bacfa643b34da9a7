/* SPDX-License-Identifier: MIT */
/* Unit tests of kr_buf. */
#include <stdlib.h>

#include "kr_buf.h"
#include "kr_test.h"

static void
test_json_str(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
	    {"abc", 3, "\"abc\""},
	    {"a\"b\\c", 5, "\"a\\\"b\\\\c\""},
	    {"a/b", 3, "\"a/b\""}, /* Jackson does not escape '/' */
	    {"\b\t\n\f\r", 5, "\"\\b\\t\\n\\f\\r\""},
	    {"\x01\x1f", 2, "\"\\u0001\\u001F\""},
	    {"\0", 1, "\"\\u0000\""},
	    {"\xe2\x80\xa6", 3, "\"\xe2\x80\xa6\""}, /* raw UTF-8 kept */
	    {NULL, 0, NULL},
	};
	struct kr_buf buf = KR_BUF_INIT;
	int i;

	for (i = 0; cases[i].in != NULL; i++) {
		kr_buf_reset(&buf);
		kr_buf_json_str(&buf, cases[i].in, cases[i].len);
		KR_CHECK_STR(buf.data, cases[i].out);
	}
	kr_buf_free(&buf);
}

static void
test_growth(void)
{
	struct kr_buf buf = KR_BUF_INIT;
	char *p;
	int i;

	for (i = 0; i < 10000; i++)
		kr_buf_printf(&buf, "%d,", i % 10);
	KR_CHECK(buf.len == 20000);
	KR_CHECK(buf.data[buf.len] == '\0');
	p = kr_buf_detach(&buf);
	KR_CHECK(buf.data == NULL && buf.len == 0);
	KR_CHECK(p[0] == '0' && p[1] == ',');
	free(p);
}

static void
test_u64(void)
{
	struct kr_buf buf = KR_BUF_INIT;

	kr_buf_put_u64(&buf, 0);
	kr_buf_putc(&buf, ' ');
	kr_buf_put_u64(&buf, 7);
	kr_buf_putc(&buf, ' ');
	kr_buf_put_u64(&buf, 1234567890);
	kr_buf_putc(&buf, ' ');
	kr_buf_put_u64(&buf, UINT64_MAX);
	KR_CHECK_STR(buf.data, "0 7 1234567890 18446744073709551615");
	kr_buf_free(&buf);
}

static void
test_utf8_hex(void)
{
	struct kr_buf buf = KR_BUF_INIT;

	kr_buf_put_utf8(&buf, 0x41);
	kr_buf_put_utf8(&buf, 0xe9);
	kr_buf_put_utf8(&buf, 0x2026);
	kr_buf_put_utf8(&buf, 0x1f600);
	KR_CHECK_STR(buf.data, "A\xc3\xa9\xe2\x80\xa6\xf0\x9f\x98\x80");
	KR_CHECK(kr_hex_digit('0') == 0 && kr_hex_digit('9') == 9);
	KR_CHECK(kr_hex_digit('a') == 10 && kr_hex_digit('F') == 15);
	KR_CHECK(kr_hex_digit('g') == -1 && kr_hex_digit(-1) == -1);
	kr_buf_free(&buf);
}

int
main(void)
{
	test_u64();
	test_utf8_hex();
	test_json_str();
	test_growth();
	return KR_TEST_DONE("test_buf");
}
