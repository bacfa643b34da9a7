/* SPDX-License-Identifier: MIT */
/* Unit tests of kr_gen: determinism, columns and types, quirk rates,
 * valid JSON (checked with kr_json_minify), formats of dates and floats,
 * ensure_ascii. */
#include <stdlib.h>
#include <string.h>

#include "kr_gen.h"
#include "kr_json.h"
#include "kr_status.h"
#include "kr_test.h"

#define NROWS 10000

/* One member of a flat generated object: key and the raw value text. */
struct member {
	char key[32];
	const char *val;
	size_t vlen;
};

/* Ends of a JSON string starting at s[i] == '"'; returns the index after
 * the closing quote. */
static size_t
skip_string(const char *s, size_t i)
{
	for (i++; s[i] != '"'; i++)
		if (s[i] == '\\')
			i++;
	return i + 1;
}

/* Splits a flat object (values are strings or numbers) into members.
 * Returns the member count, or -1 if the shape is not flat. */
static int
split(const char *s, struct member *m, int max)
{
	size_t i = 1, j;
	int n = 0;

	if (s[0] != '{')
		return -1;
	while (s[i] != '}' && n < max) {
		if (s[i] != '"')
			return -1;
		j = skip_string(s, i);
		if (j - i - 2 >= sizeof(m[n].key) || s[j] != ':')
			return -1;
		memcpy(m[n].key, s + i + 1, j - i - 2);
		m[n].key[j - i - 2] = '\0';
		i = j + 1;
		m[n].val = s + i;
		if (s[i] == '"')
			i = skip_string(s, i);
		else
			while (s[i] != ',' && s[i] != '}')
				i++;
		m[n].vlen = (size_t)(s + i - m[n].val);
		n++;
		if (s[i] == ',')
			i++;
	}
	return s[i] == '}' && s[i + 1] == '\0' ? n : -1;
}

static int
is_str(const struct member *m)
{
	return m->val[0] == '"';
}

static int
is_int(const struct member *m)
{
	size_t i;

	for (i = 0; i < m->vlen; i++)
		if ((m->val[i] < '0' || m->val[i] > '9') && m->val[i] != '-')
			return 0;
	return m->vlen > 0;
}

static int
is_float(const struct member *m)
{
	return !is_str(m) && memchr(m->val, '.', m->vlen) != NULL;
}

static int
str_is(const struct member *m, const char *want)
{
	size_t n = strlen(want);

	return m->vlen == n + 2 && memcmp(m->val + 1, want, n) == 0;
}

static int
valid_json(const struct kr_buf *b)
{
	struct kr_buf out = KR_BUF_INIT;
	struct kr_err err;
	int ok;

	ok = kr_json_minify(b->data, b->len, &out, &err) == 0 &&
	     out.len == b->len && memcmp(out.data, b->data, b->len) == 0;
	kr_buf_free(&out);
	return ok;
}

static void
test_determinism(void)
{
	struct kr_buf a = KR_BUF_INIT, b = KR_BUF_INIT, c = KR_BUF_INIT;
	uint64_t r;
	int k;

	for (r = 0; r < 300; r++)
		for (k = 0; k < KR_GEN_NKINDS; k++) {
			kr_gen_row(&a, (enum kr_gen_kind)k, 100, r * 37,
			    KR_GEN_DATE_SPACE);
			kr_gen_row(&b, (enum kr_gen_kind)k, 100, r * 37,
			    KR_GEN_DATE_SPACE);
			kr_gen_row(&c, (enum kr_gen_kind)k, 101, r * 37,
			    KR_GEN_DATE_SPACE);
		}
	KR_CHECK_MEM(a.data, a.len, b.data, b.len);
	KR_CHECK(a.len != c.len || memcmp(a.data, c.data, a.len) != 0);
	/* A row does not depend on what was generated before it. */
	kr_buf_reset(&b);
	kr_gen_row(&b, KR_GEN_PIN, 100, 0, KR_GEN_DATE_SPACE);
	kr_buf_reset(&c);
	kr_gen_row(&c, KR_GEN_PIN, 100, 0, KR_GEN_DATE_SPACE);
	KR_CHECK(strncmp(a.data, b.data, b.len) == 0);
	KR_CHECK(
	    kr_gen_pick_row(100, 5, 11000) == kr_gen_pick_row(100, 5, 11000));
	kr_buf_free(&a);
	kr_buf_free(&b);
	kr_buf_free(&c);
}

static void
test_pick_row(void)
{
	uint64_t r, v, lo = 0, hi = 0, max = 11000;
	int bad = 0;

	for (r = 0; r < NROWS; r++) {
		v = kr_gen_pick_row(7, r, max);
		bad += v > max;
		lo += v < max / 2;
		hi += v >= max / 2;
	}
	KR_CHECK(bad == 0);
	KR_CHECKF(lo > 4700 && hi > 4700, "lo %llu hi %llu",
	    (unsigned long long)lo, (unsigned long long)hi);
	KR_CHECK(kr_gen_pick_row(7, 3, 0) == 0);
}

static const char *const pin_cols[] = {"index", "unique_id", "title",
    "description", "poster_name", "follower_count", "tag_list",
    "is_image_or_video", "image_src", "downloaded", "save_location",
    "category"};

struct pin_counts {
	int story, nofollow, imgerr, notags, video, ellipsis, nonascii;
	int fk, fm, fdigits, bad;
};

static int
uuid4_ok(const struct member *m)
{
	static const char pat[] = "xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx";
	size_t i;

	if (m->vlen != 38)
		return 0;
	for (i = 0; i < 36; i++) {
		char c = m->val[1 + i];

		if (pat[i] == '-' || pat[i] == '4') {
			if (c != pat[i])
				return 0;
		} else if (pat[i] == 'V') {
			if (strchr("89ab", c) == NULL)
				return 0;
		} else if (strchr("0123456789abcdef", c) == NULL) {
			return 0;
		}
	}
	return 1;
}

static void
check_pin(const struct kr_buf *b, uint64_t row, struct pin_counts *pc)
{
	struct member m[16];
	char want[80];
	int n = split(b->data, m, 16), i, story;
	size_t catlen;

	if (n != 12 || !valid_json(b)) {
		pc->bad++;
		return;
	}
	for (i = 0; i < 12; i++)
		if (strcmp(m[i].key, pin_cols[i]) != 0)
			pc->bad++;
	snprintf(want, sizeof(want), "%llu", (unsigned long long)row);
	if (!is_int(&m[0]) || m[0].vlen != strlen(want) ||
	    memcmp(m[0].val, want, m[0].vlen) != 0)
		pc->bad++;
	for (i = 1; i < 12; i++)
		if (i != 9 && !is_str(&m[i]))
			pc->bad++;
	if (!uuid4_ok(&m[1]))
		pc->bad++;
	if (!(m[9].vlen == 1 && (m[9].val[0] == '0' || m[9].val[0] == '1')))
		pc->bad++;
	/* save_location is "Local save in /data/<category>". */
	catlen = m[11].vlen - 2;
	snprintf(want, sizeof(want), "\"Local save in /data/%.*s\"",
	    (int)catlen, m[11].val + 1);
	if (m[10].vlen != strlen(want) || memcmp(m[10].val, want, m[10].vlen))
		pc->bad++;
	story = str_is(&m[7], "multi-video(story page format)");
	pc->story += story;
	if (story) {
		if (!str_is(&m[2], "No Title Data Available") ||
		    !str_is(&m[3], "No description available Story format") ||
		    !str_is(&m[4], "User Info Error") ||
		    !str_is(&m[5], "User Info Error") ||
		    !str_is(&m[6], "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e") ||
		    !str_is(&m[8], "Image src error.") || m[9].val[0] != '0')
			pc->bad++;
		return;
	}
	pc->video += str_is(&m[7], "video");
	if (!str_is(&m[7], "video") && !str_is(&m[7], "image"))
		pc->bad++;
	pc->notags += str_is(&m[6], "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e");
	if (str_is(&m[8], "Image src error.")) {
		pc->imgerr++;
		if (m[9].val[0] != '0')
			pc->bad++;
	} else if (strncmp(m[8].val, "\"https://i.pinimg.com/originals/", 32) !=
	               0 ||
	           m[9].val[0] != '1') {
		pc->bad++;
	}
	if (str_is(&m[5], "User Info Error"))
		pc->nofollow++;
	else if (m[5].val[m[5].vlen - 2] == 'k')
		pc->fk++;
	else if (m[5].val[m[5].vlen - 2] == 'M')
		pc->fm++;
	else
		pc->fdigits++;
	if (m[3].vlen > 5 && memcmp(m[3].val + m[3].vlen - 4, "…\"", 4) == 0)
		pc->ellipsis++;
	for (i = 0; i < (int)b->len; i++)
		if ((unsigned char)b->data[i] >= 0x80) {
			pc->nonascii++;
			break;
		}
}

/* Within about 4 standard deviations of n * rate / 10000. */
static int
near(int got, int n, int rate)
{
	double p = rate / 10000.0, mean = n * p;
	double sd = __builtin_sqrt(n * p * (1 - p));

	return got > mean - 4 * sd - 1 && got < mean + 4 * sd + 1;
}

static void
test_pin(void)
{
	struct kr_buf b = KR_BUF_INIT;
	struct pin_counts pc;
	uint64_t r;
	int others;

	memset(&pc, 0, sizeof(pc));
	for (r = 0; r < NROWS; r++) {
		kr_buf_reset(&b);
		kr_gen_row(&b, KR_GEN_PIN, 42, r, KR_GEN_DATE_ISO);
		check_pin(&b, r, &pc);
	}
	others = NROWS - pc.story;
	KR_CHECKF(pc.bad == 0, "%d bad pin rows", pc.bad);
	KR_CHECKF(
	    near(pc.story, NROWS, KR_GEN_STORY_RATE), "story %d", pc.story);
	KR_CHECKF(near(pc.nofollow, others, KR_GEN_NOFOLLOW_RATE),
	    "nofollow %d", pc.nofollow);
	KR_CHECKF(near(pc.imgerr, others, KR_GEN_IMGERR_RATE), "imgerr %d",
	    pc.imgerr);
	KR_CHECKF(near(pc.notags, others, KR_GEN_NOTAGS_RATE), "notags %d",
	    pc.notags);
	KR_CHECKF(
	    near(pc.video, others, KR_GEN_VIDEO_RATE), "video %d", pc.video);
	KR_CHECKF(near(pc.ellipsis, others, KR_GEN_ELLIPSIS_RATE),
	    "ellipsis %d", pc.ellipsis);
	KR_CHECKF(pc.fk > others / 3 && pc.fm > others / 20 &&
	              pc.fdigits > others / 5,
	    "follower k %d M %d digits %d", pc.fk, pc.fm, pc.fdigits);
	KR_CHECKF(pc.nonascii > NROWS / 4, "non-ASCII rows %d", pc.nonascii);
	kr_buf_free(&b);
}

/* "2020-08-28 03:52:47" shaped, with separators for fmt. */
static int
date_ok(const struct member *m, enum kr_gen_datefmt fmt)
{
	static const char *const pats[] = {"\"dddd-dd-ddTdd:dd:dd\"",
	    "\"dddd-dd-dd dd:dd:dd\"", "\"dddd:dd:dd dd:dd:dd\""};
	const char *p = pats[fmt];
	size_t i;

	if (m->vlen != strlen(p))
		return 0;
	for (i = 0; i < m->vlen; i++)
		if (p[i] == 'd' ? m->val[i] < '0' || m->val[i] > '9'
		                : m->val[i] != p[i])
			return 0;
	return 1;
}

/* Significant digits of a float lexeme like -5.34445. */
static int
sig_digits(const struct member *m)
{
	size_t i;
	int n = 0, lead = 1;

	for (i = 0; i < m->vlen; i++) {
		char c = m->val[i];

		if (c < '0' || c > '9')
			continue;
		if (c == '0' && lead)
			continue;
		lead = 0;
		n++;
	}
	/* Trailing zeros of the integer part count ("161.2" has 4). */
	return n;
}

static void
test_geo_user(void)
{
	static const char *const geo_cols[] = {
	    "ind", "timestamp", "latitude", "longitude", "country"};
	static const char *const user_cols[] = {
	    "ind", "first_name", "last_name", "age", "date_joined"};
	struct kr_buf b = KR_BUF_INIT;
	struct member m[8];
	int bad = 0, f, i, s;
	double lat, lon;
	uint64_t r;

	for (f = 0; f < 3; f++)
		for (r = 0; r < NROWS / 3; r++) {
			kr_buf_reset(&b);
			kr_gen_row(
			    &b, KR_GEN_GEO, 9, r, (enum kr_gen_datefmt)f);
			if (split(b.data, m, 8) != 5 || !valid_json(&b)) {
				bad++;
				continue;
			}
			for (i = 0; i < 5; i++)
				bad += strcmp(m[i].key, geo_cols[i]) != 0;
			bad += !is_int(&m[0]) ||
			       !date_ok(&m[1], (enum kr_gen_datefmt)f);
			bad += !is_float(&m[2]) || !is_float(&m[3]) ||
			       !is_str(&m[4]);
			lat = strtod(m[2].val, NULL);
			lon = strtod(m[3].val, NULL);
			bad += lat < -90 || lat > 90 || lon < -180 || lon > 180;
			s = sig_digits(&m[2]);
			bad += s < 2 || s > 6;
			kr_buf_reset(&b);
			kr_gen_row(
			    &b, KR_GEN_USER, 9, r, (enum kr_gen_datefmt)f);
			if (split(b.data, m, 8) != 5 || !valid_json(&b)) {
				bad++;
				continue;
			}
			for (i = 0; i < 5; i++)
				bad += strcmp(m[i].key, user_cols[i]) != 0;
			bad += !is_int(&m[0]) || !is_str(&m[1]) ||
			       !is_str(&m[2]) || !is_int(&m[3]) ||
			       !date_ok(&m[4], (enum kr_gen_datefmt)f);
			i = atoi(m[3].val);
			bad += i < 20 || i > 60;
		}
	KR_CHECKF(bad == 0, "%d bad geo/user fields", bad);
	kr_buf_free(&b);
}

static void
test_datetime(void)
{
	struct kr_buf b = KR_BUF_INIT;

	kr_gen_datetime(&b, 1598586767, KR_GEN_DATE_ISO);
	KR_CHECK_STR(b.data, "\"2020-08-28T03:52:47\"");
	kr_buf_reset(&b);
	kr_gen_datetime(&b, 1598586767, KR_GEN_DATE_SPACE);
	KR_CHECK_STR(b.data, "\"2020-08-28 03:52:47\"");
	kr_buf_reset(&b);
	kr_gen_datetime(&b, 1598586767, KR_GEN_DATE_COLON);
	KR_CHECK_STR(b.data, "\"2020:08:28 03:52:47\"");
	kr_buf_reset(&b);
	kr_gen_datetime(&b, 951782400, KR_GEN_DATE_SPACE); /* leap day */
	KR_CHECK_STR(b.data, "\"2000-02-29 00:00:00\"");
	kr_buf_reset(&b);
	kr_gen_datetime(&b, -1, KR_GEN_DATE_ISO);
	KR_CHECK_STR(b.data, "\"1969-12-31T23:59:59\"");
	kr_buf_free(&b);
}

static void
test_float_repr(void)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = {{5.0, "5.0"}, {1e-05, "1e-05"}, {0.0001, "0.0001"},
	    {-89.9787, "-89.9787"}, {1.5e16, "1.5e+16"}, {1e16, "1e+16"},
	    {123456789012345.0, "123456789012345.0"}, {0.1, "0.1"},
	    {1e22, "1e+22"}, {2.5e-7, "2.5e-07"}, {-0.0, "-0.0"},
	    {1.0 / 3, "0.3333333333333333"}, {100.0, "100.0"},
	    {9999999999999998.0, "9999999999999998.0"}, {-173.293, "-173.293"},
	    {0, NULL}};
	struct kr_buf b = KR_BUF_INIT;
	int i;

	for (i = 0; cases[i].want != NULL; i++) {
		kr_buf_reset(&b);
		kr_gen_float_repr(&b, cases[i].v);
		KR_CHECK_STR(b.data, cases[i].want);
	}
	kr_buf_reset(&b);
	kr_gen_float_repr(&b, __builtin_nan(""));
	KR_CHECK_STR(b.data, "null");
	kr_buf_free(&b);
}

static void
test_ensure_ascii(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {{"{\"a\":\"x\"}", "{\"a\":\"x\"}"},
	    {"\"\xe2\x80\xa6\"", "\"\\u2026\""},
	    {"\"It\xe2\x80\x99s\"", "\"It\\u2019s\""},
	    {"\"\xf0\x9f\x92\x95\"", "\"\\ud83d\\udc95\""},
	    {"\"Zo\xc3\xab\"", "\"Zo\\u00eb\""}, {"\"\xff\"", "\"\\ufffd\""},
	    {"\"\xe2\x80\"", "\"\\ufffd\\ufffd\""}, {NULL, NULL}};
	struct kr_buf b = KR_BUF_INIT, row = KR_BUF_INIT;
	uint64_t r;
	size_t i;
	int k, bad = 0;

	for (k = 0; cases[k].in != NULL; k++) {
		kr_buf_reset(&b);
		kr_gen_ensure_ascii(&b, cases[k].in, strlen(cases[k].in));
		KR_CHECK_STR(b.data, cases[k].want);
	}
	/* Escaped rows stay valid JSON and pure ASCII. */
	for (r = 0; r < 500; r++) {
		kr_buf_reset(&row);
		kr_buf_reset(&b);
		kr_gen_row(&row, KR_GEN_PIN, 3, r, KR_GEN_DATE_ISO);
		kr_gen_ensure_ascii(&b, row.data, row.len);
		for (i = 0; i < b.len; i++)
			bad += (unsigned char)b.data[i] >= 0x80;
		{
			struct kr_buf out = KR_BUF_INIT;
			struct kr_err err;

			/* kr_json decodes the escapes: back to the row. */
			bad += kr_json_minify(b.data, b.len, &out, &err) != 0 ||
			       out.len != row.len ||
			       memcmp(out.data, row.data, row.len) != 0;
			kr_buf_free(&out);
		}
	}
	KR_CHECKF(bad == 0, "%d bad escaped rows", bad);
	kr_buf_free(&b);
	kr_buf_free(&row);
}

static void
test_datefmt_parse(void)
{
	enum kr_gen_datefmt f = KR_GEN_DATE_SPACE;

	KR_CHECK(kr_gen_datefmt_parse("iso", &f) == 0 && f == KR_GEN_DATE_ISO);
	KR_CHECK(
	    kr_gen_datefmt_parse("colon", &f) == 0 && f == KR_GEN_DATE_COLON);
	KR_CHECK(kr_gen_datefmt_parse("ISO", &f) == -1);
	KR_CHECK_STR(kr_gen_kind_name(KR_GEN_USER), "user");
}

int
main(void)
{
	test_determinism();
	test_pick_row();
	test_pin();
	test_geo_user();
	test_datetime();
	test_float_repr();
	test_ensure_ascii();
	test_datefmt_parse();
	return KR_TEST_DONE("test_gen");
}
