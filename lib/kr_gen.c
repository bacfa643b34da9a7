/* SPDX-License-Identifier: MIT */
/* The Pinterest event generator (see kr_gen.h). The word lists imitate
 * the kind of values found in the pipeline's tables; they are not copied
 * from them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kr_gen.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ---- random numbers ------------------------------------------------- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z;

	*x += 0x9E3779B97F4A7C15ULL;
	z = *x;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void
kr_gen_rng_seed(struct kr_gen_rng *rng, uint64_t seed)
{
	uint64_t x = seed;
	int i;

	for (i = 0; i < 4; i++)
		rng->rng_s[i] = splitmix64(&x);
}

uint64_t
kr_gen_rng_next(struct kr_gen_rng *rng)
{
	uint64_t *s = rng->rng_s;
	uint64_t r = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

uint64_t
kr_gen_rng_below(struct kr_gen_rng *rng, uint64_t n)
{
	/* Rejection keeps the result unbiased: draws in the last partial
	 * block of size (2^64 mod n) are thrown away. */
	uint64_t lim = (uint64_t)0 - ((uint64_t)0 - n) % n;
	uint64_t r;

	do
		r = kr_gen_rng_next(rng);
	while (lim != 0 && r >= lim);
	return r % n;
}

double
kr_gen_rng_unit(struct kr_gen_rng *rng)
{
	return (double)(kr_gen_rng_next(rng) >> 11) * 0x1.0p-53;
}

/* One independent stream per (seed, table, row). */
static void
row_rng(struct kr_gen_rng *rng, uint64_t seed, uint64_t tag, uint64_t row)
{
	uint64_t x = seed;
	uint64_t h = splitmix64(&x);

	x = h ^ (tag * 0xD6E8FEB86659FD93ULL);
	h = splitmix64(&x);
	x = h ^ row;
	kr_gen_rng_seed(rng, splitmix64(&x));
}

static int
chance(struct kr_gen_rng *rng, unsigned per10k)
{
	return kr_gen_rng_below(rng, 10000) < per10k;
}

static const char *
pick(struct kr_gen_rng *rng, const char *const *list, size_t n)
{
	return list[kr_gen_rng_below(rng, n)];
}

#define PICK(rng, list) pick((rng), (list), NELEM(list))

/* ---- word lists ----------------------------------------------------- */

static const char *const categories[] = {"art", "beauty", "christmas",
    "diy-and-crafts", "education", "event-planning", "finance", "home-decor",
    "mens-fashion", "quotes", "tattoos", "travel", "vehicles"};

/* Topics per category, in the order of categories[]; used for titles
 * and tags. */
static const char *const topics[NELEM(categories)][6] = {
    {"Watercolor Painting", "Abstract Art", "Sketchbook Ideas",
        "Acrylic Pouring", "Portrait Drawing", "Art Journal"},
    {"Makeup Looks", "Skincare Routine", "Nail Art", "Braided Hairstyles",
        "Eyeshadow Palette", "Natural Beauty"},
    {"Christmas Tree", "Holiday Decor", "Gingerbread House", "Advent Calendar",
        "Stocking Stuffers", "Christmas Cookies"},
    {"Paper Crafts", "Upcycled Jars", "Macramé Wall Hanging",
        "Crochet Patterns", "Kids Crafts", "Cricut Projects"},
    {"Classroom Ideas", "Math Games", "Reading Comprehension",
        "Science Experiments", "Study Tips", "Homeschool Planner"},
    {"Wedding Ideas", "Party Decorations", "Baby Shower", "Birthday Themes",
        "Table Settings", "Bridal Shower"},
    {"Budget Planner", "Saving Money", "Debt Payoff", "Side Hustle",
        "Investing Tips", "Sinking Funds"},
    {"Living Room Decor", "Farmhouse Style", "Bedroom Ideas", "Kitchen Design",
        "Boho Decor", "Entryway Ideas"},
    {"Men’s Outfits", "Streetwear", "Casual Style", "Leather Boots",
        "Suit Ideas", "Men’s Watches"},
    {"Inspirational Quotes", "Life Quotes", "Motivation", "Love Quotes",
        "Funny Quotes", "Mother’s Day Quotes"},
    {"Small Tattoos", "Tattoo Designs", "Floral Tattoo", "Minimalist Ink",
        "Sleeve Tattoo", "Fine Line Tattoo"},
    {"Travel Tips", "Bucket List", "Road Trip", "Beach Vacation",
        "Packing List", "Café Hopping"},
    {"Classic Cars", "Motorcycles", "Truck Mods", "Camper Van", "Car Care",
        "Electric Cars"}};

static const char *const adjectives[] = {"Easy", "Beautiful", "Simple",
    "Amazing", "Cute", "Creative", "Modern", "Vintage", "Cozy", "Best",
    "Unique", "Budget-Friendly", "Stunning", "Quick"};

static const char *const sentences[] = {"This is one of my favourite ideas.",
    "Save this pin for later!", "It’s so easy, even beginners can do it.",
    "Click through for the full tutorial.", "I love how this turned out ✨",
    "Perfect for a weekend project with the kids.",
    "Don’t forget to follow for more inspiration.",
    "Here are some of the best tips I’ve found so far.",
    "You can find everything you need at your local store.",
    "A simple & affordable way to get started 💕",
    "Check out the blog post for more details and photos.",
    "These are the ones I keep coming back to, year after year."};

static const char *const brands[] = {"Of Life & Lisa | Lifestyle Blog",
    "The Budget Mom", "Ink & Needle | Tattoo Studio", "Café Crème Creations",
    "Zoë’s Travel Diary", "Wanderlust Co.", "DIY Joy", "Pretty Palette",
    "Teaching Made Practical", "Home Sweet Home | Decor", "Gentleman’s Gazette",
    "Quote Garden", "Classic Motors Daily", "Party City", "A Beautiful Mess"};

static const char *const first_names[] = {"Abigail", "Dylan", "Adam", "Emma",
    "Olivia", "Liam", "Noah", "Sophia", "Mia", "Lucas", "Zoë", "José", "Chloé",
    "Renée", "Mateo", "Aaliyah", "Christopher", "Hannah", "Isaac", "Jasmine",
    "Kevin", "Laura", "Michael", "Nicole", "Patrick", "Rachel", "Samuel",
    "Tiffany", "Victoria", "William"};

static const char *const last_names[] = {"Ali", "Holmes", "Acosta", "Smith",
    "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernández", "López", "Müller", "O'Brien",
    "Nguyen", "Kim", "Patel", "Schmidt", "Rossi", "Andersson", "Dubois",
    "Kowalski", "Murphy", "Cooper", "Reed", "Bailey", "Bell"};

static const char *const countries[] = {"Albania", "Armenia", "Afghanistan",
    "Algeria", "American Samoa", "Andorra", "Angola", "Anguilla",
    "Antarctica (the territory South of 60 deg S)", "Antigua and Barbuda",
    "Argentina", "Aruba", "Australia", "Austria", "Azerbaijan", "Bahamas",
    "Bangladesh", "Belgium", "Bermuda", "Bolivia", "Brazil",
    "British Indian Ocean Territory (Chagos Archipelago)", "Bulgaria",
    "Cote d'Ivoire", "Côte d’Ivoire", "Saint Barthélemy", "Åland Islands",
    "Maldives", "Mexico", "Netherlands Antilles", "Norway", "Peru", "Reunion",
    "Timor-Leste", "United States Minor Outlying Islands", "Western Sahara",
    "Yemen", "Zimbabwe"};

static const char story_title[] = "No Title Data Available";
static const char story_desc[] = "No description available Story format";
static const char user_err[] = "User Info Error";
static const char no_tags[] = "N,o, ,T,a,g,s, ,A,v,a,i,l,a,b,l,e";
static const char img_err[] = "Image src error.";
static const char story_kind[] = "multi-video(story page format)";

/* ---- JSON helpers --------------------------------------------------- */

static void
put_key(struct kr_buf *out, const char *key, int first)
{
	if (!first)
		kr_buf_putc(out, ',');
	kr_buf_json_str(out, key, strlen(key));
	kr_buf_putc(out, ':');
}

static void
put_str(struct kr_buf *out, const char *key, const char *val)
{
	put_key(out, key, 0);
	kr_buf_json_str(out, val, strlen(val));
}

static void
put_strbuf(struct kr_buf *out, const char *key, const struct kr_buf *val)
{
	put_key(out, key, 0);
	kr_buf_json_str(out, val->data, val->len);
}

/* ---- dates ---------------------------------------------------------- */

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = z - era * 146097 - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void
kr_gen_datetime(struct kr_buf *out, int64_t secs, enum kr_gen_datefmt fmt)
{
	int64_t days = secs / 86400, rem = secs % 86400, y;
	unsigned m, d, hh, mm, ss;
	char dsep = fmt == KR_GEN_DATE_COLON ? ':' : '-';
	char tsep = fmt == KR_GEN_DATE_ISO ? 'T' : ' ';

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	hh = (unsigned)(rem / 3600);
	mm = (unsigned)(rem / 60 % 60);
	ss = (unsigned)(rem % 60);
	kr_buf_printf(out, "\"%04lld%c%02u%c%02u%c%02u:%02u:%02u\"",
	    (long long)y, dsep, m, dsep, d, tsep, hh, mm, ss);
}

int
kr_gen_datefmt_parse(const char *name, enum kr_gen_datefmt *fmt)
{
	if (strcmp(name, "iso") == 0)
		*fmt = KR_GEN_DATE_ISO;
	else if (strcmp(name, "space") == 0)
		*fmt = KR_GEN_DATE_SPACE;
	else if (strcmp(name, "colon") == 0)
		*fmt = KR_GEN_DATE_COLON;
	else
		return -1;
	return 0;
}

/* A time uniform in [from, to) years, whole seconds. */
static int64_t
rand_time(struct kr_gen_rng *rng, int from_year, int to_year)
{
	/* 1970 + n years, close enough: the generator only needs a spread. */
	int64_t lo = (int64_t)(from_year - 1970) * 31556952;
	int64_t hi = (int64_t)(to_year - 1970) * 31556952;

	return lo + (int64_t)kr_gen_rng_below(rng, (uint64_t)(hi - lo));
}

/* ---- numbers -------------------------------------------------------- */

void
kr_gen_float_repr(struct kr_buf *out, double v)
{
	char tmp[40], digits[20];
	int prec, exp, nd = 0, i;
	const char *p;

	if (!isfinite(v)) {
		kr_buf_puts(out, "null");
		return;
	}
	/* Shortest %e form that reads back as v, like repr(). */
	for (prec = 0; prec < 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	p = tmp;
	if (*p == '-') {
		kr_buf_putc(out, '-');
		p++;
	}
	for (; *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	exp = (int)strtol(p + 1, NULL, 10);
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	if (exp < -4 || exp >= 16) {
		kr_buf_putc(out, digits[0]);
		if (nd > 1) {
			kr_buf_putc(out, '.');
			kr_buf_append(out, digits + 1, (size_t)(nd - 1));
		}
		kr_buf_printf(
		    out, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	} else if (exp < 0) {
		kr_buf_puts(out, "0.");
		for (i = -1; i > exp; i--)
			kr_buf_putc(out, '0');
		kr_buf_append(out, digits, (size_t)nd);
	} else {
		for (i = 0; i <= exp; i++)
			kr_buf_putc(out, i < nd ? digits[i] : '0');
		kr_buf_putc(out, '.');
		if (nd > exp + 1)
			kr_buf_append(
			    out, digits + exp + 1, (size_t)(nd - exp - 1));
		else
			kr_buf_putc(out, '0');
	}
}

/* A coordinate in [-lim, lim) with 4 to 6 significant digits, written as
 * a JSON float (spec/clients.md section 2: -89.9787, -5.34445). */
static void
put_coord(struct kr_buf *out, struct kr_gen_rng *rng, double lim)
{
	double v = (kr_gen_rng_unit(rng) * 2.0 - 1.0) * lim;
	uint64_t r = kr_gen_rng_below(rng, 10);
	int sig = r < 7 ? 6 : r < 9 ? 5 : 4;
	char tmp[32];

	if (fabs(v) < 0.01) /* keep clear of exponents and -0 */
		v += 1.0;
	snprintf(tmp, sizeof(tmp), "%.*g", sig, v);
	kr_gen_float_repr(out, strtod(tmp, NULL));
}

static void
put_follower_count(struct kr_buf *out, struct kr_gen_rng *rng)
{
	uint64_t r = kr_gen_rng_below(rng, 10000);
	char tmp[24];

	if (r < KR_GEN_NOFOLLOW_RATE) {
		put_str(out, "follower_count", user_err);
		return;
	}
	r = kr_gen_rng_below(rng, 100);
	if (r < 55)
		snprintf(tmp, sizeof(tmp), "%uk",
		    (unsigned)kr_gen_rng_below(rng, 999) + 1);
	else if (r < 67)
		snprintf(tmp, sizeof(tmp), "%uM",
		    (unsigned)kr_gen_rng_below(rng, 20) + 1);
	else
		snprintf(tmp, sizeof(tmp), "%u",
		    (unsigned)kr_gen_rng_below(rng, 1000));
	put_str(out, "follower_count", tmp);
}

/* ---- pin rows ------------------------------------------------------- */

static void
put_uuid4(struct kr_buf *out, struct kr_gen_rng *rng)
{
	uint64_t hi = kr_gen_rng_next(rng), lo = kr_gen_rng_next(rng);

	hi = (hi & ~0xF000ULL) | 0x4000ULL;       /* version 4 */
	lo = (lo & ~(3ULL << 62)) | (2ULL << 62); /* variant 10 */
	kr_buf_printf(out, "\"%08llx-%04llx-%04llx-%04llx-%012llx\"",
	    (unsigned long long)(hi >> 32),
	    (unsigned long long)((hi >> 16) & 0xFFFF),
	    (unsigned long long)(hi & 0xFFFF), (unsigned long long)(lo >> 48),
	    (unsigned long long)(lo & 0xFFFFFFFFFFFFULL));
}

static void
make_title(struct kr_buf *t, struct kr_gen_rng *rng, size_t cat)
{
	const char *adj = PICK(rng, adjectives);
	const char *topic = pick(rng, topics[cat], NELEM(topics[cat]));
	unsigned n = (unsigned)kr_gen_rng_below(rng, 40) + 5;

	switch (kr_gen_rng_below(rng, 6)) {
	case 0:
		kr_buf_printf(t, "%u %s %s Ideas", n, adj, topic);
		break;
	case 1:
		kr_buf_printf(t, "%s %s", adj, topic);
		break;
	case 2:
		kr_buf_printf(t, "The Best %s %s You’ll Love", adj, topic);
		break;
	case 3:
		kr_buf_printf(t, "%s %s – Step by Step", adj, topic);
		break;
	case 4:
		kr_buf_printf(t, "%u %s %s for Beginners", n, adj, topic);
		break;
	default:
		kr_buf_printf(t, "How to Make %s %s", adj, topic);
		break;
	}
}

static void
make_description(struct kr_buf *d, struct kr_gen_rng *rng, size_t cat)
{
	unsigned i, n = (unsigned)kr_gen_rng_below(rng, 4) + 1;
	const char *topic = pick(rng, topics[cat], NELEM(topics[cat]));
	size_t cut;

	kr_buf_printf(d, "%s: ", topic);
	for (i = 0; i < n; i++) {
		if (i > 0)
			kr_buf_putc(d, ' ');
		kr_buf_puts(d, PICK(rng, sentences));
	}
	if (!chance(rng, KR_GEN_ELLIPSIS_RATE))
		return;
	/* Cut at a space, as the scraper truncated long text. */
	cut = d->len / 2 + (size_t)kr_gen_rng_below(rng, d->len / 2 + 1);
	while (cut > 0 && d->data[cut] != ' ')
		cut--;
	if (cut == 0)
		cut = d->len;
	d->len = cut;
	kr_buf_puts(d, "…");
}

static void
make_tags(struct kr_buf *t, struct kr_gen_rng *rng, size_t cat)
{
	unsigned i, tries, n = (unsigned)kr_gen_rng_below(rng, 7) + 3;
	char tag[64];

	for (i = 0; i < n; i++) {
		/* Tags are distinct; give up on a repeat after a few tries. */
		for (tries = 0; tries < 4; tries++) {
			snprintf(tag, sizeof(tag), "%s %s",
			    PICK(rng, adjectives),
			    pick(rng, topics[cat], NELEM(topics[cat])));
			if (t->data == NULL || strstr(t->data, tag) == NULL)
				break;
		}
		if (tries == 4)
			continue;
		if (t->len > 0)
			kr_buf_putc(t, ',');
		kr_buf_puts(t, tag);
	}
}

static void
put_image_src(struct kr_buf *out, struct kr_gen_rng *rng)
{
	static const char hex[] = "0123456789abcdef";
	char h[32];
	uint64_t a = kr_gen_rng_next(rng), b = kr_gen_rng_next(rng);
	uint64_t r = kr_gen_rng_below(rng, 100);
	int i;

	for (i = 0; i < 16; i++) {
		h[i] = hex[(a >> (4 * i)) & 15];
		h[16 + i] = hex[(b >> (4 * i)) & 15];
	}
	put_key(out, "image_src", 0);
	kr_buf_printf(out,
	    "\"https://i.pinimg.com/originals/%.2s/%.2s/%.2s/%.32s.%s\"", h,
	    h + 2, h + 4, h,
	    r < 88   ? "jpg"
	    : r < 98 ? "png"
	             : "gif");
}

static void
put_poster(struct kr_buf *out, struct kr_gen_rng *rng)
{
	struct kr_buf name = KR_BUF_INIT;

	if (kr_gen_rng_below(rng, 2) == 0)
		kr_buf_puts(&name, PICK(rng, brands));
	else
		kr_buf_printf(&name, "%s %s", PICK(rng, first_names),
		    PICK(rng, last_names));
	put_strbuf(out, "poster_name", &name);
	kr_buf_free(&name);
}

static void
gen_pin(struct kr_buf *out, struct kr_gen_rng *rng, uint64_t row)
{
	size_t cat = (size_t)kr_gen_rng_below(rng, NELEM(categories));
	int story = chance(rng, KR_GEN_STORY_RATE);
	struct kr_buf tmp = KR_BUF_INIT;
	int imgerr;

	kr_buf_printf(out, "{\"index\":%llu", (unsigned long long)row);
	put_key(out, "unique_id", 0);
	put_uuid4(out, rng);
	if (story) {
		put_str(out, "title", story_title);
		put_str(out, "description", story_desc);
		put_str(out, "poster_name", user_err);
		put_str(out, "follower_count", user_err);
		put_str(out, "tag_list", no_tags);
		put_str(out, "is_image_or_video", story_kind);
		put_str(out, "image_src", img_err);
		put_key(out, "downloaded", 0);
		kr_buf_putc(out, '0');
		goto done;
	}
	make_title(&tmp, rng, cat);
	put_strbuf(out, "title", &tmp);
	kr_buf_reset(&tmp);
	make_description(&tmp, rng, cat);
	put_strbuf(out, "description", &tmp);
	kr_buf_reset(&tmp);
	put_poster(out, rng);
	put_follower_count(out, rng);
	if (chance(rng, KR_GEN_NOTAGS_RATE)) {
		put_str(out, "tag_list", no_tags);
	} else {
		make_tags(&tmp, rng, cat);
		put_strbuf(out, "tag_list", &tmp);
	}
	put_str(out, "is_image_or_video",
	    chance(rng, KR_GEN_VIDEO_RATE) ? "video" : "image");
	imgerr = chance(rng, KR_GEN_IMGERR_RATE);
	if (imgerr)
		put_str(out, "image_src", img_err);
	else
		put_image_src(out, rng);
	put_key(out, "downloaded", 0);
	kr_buf_putc(out, imgerr ? '0' : '1');
done:
	put_key(out, "save_location", 0);
	kr_buf_printf(out, "\"Local save in /data/%s\"", categories[cat]);
	put_str(out, "category", categories[cat]);
	kr_buf_putc(out, '}');
	kr_buf_free(&tmp);
}

/* ---- geo and user rows ---------------------------------------------- */

static void
gen_geo(struct kr_buf *out, struct kr_gen_rng *rng, uint64_t row,
    enum kr_gen_datefmt fmt)
{
	kr_buf_printf(out, "{\"ind\":%llu", (unsigned long long)row);
	put_key(out, "timestamp", 0);
	kr_gen_datetime(out, rand_time(rng, 2015, 2023), fmt);
	put_key(out, "latitude", 0);
	put_coord(out, rng, 90.0);
	put_key(out, "longitude", 0);
	put_coord(out, rng, 180.0);
	put_str(out, "country", PICK(rng, countries));
	kr_buf_putc(out, '}');
}

static void
gen_user(struct kr_buf *out, struct kr_gen_rng *rng, uint64_t row,
    enum kr_gen_datefmt fmt)
{
	kr_buf_printf(out, "{\"ind\":%llu", (unsigned long long)row);
	put_str(out, "first_name", PICK(rng, first_names));
	put_str(out, "last_name", PICK(rng, last_names));
	put_key(out, "age", 0);
	kr_buf_printf(out, "%u", (unsigned)kr_gen_rng_below(rng, 41) + 20);
	put_key(out, "date_joined", 0);
	kr_gen_datetime(out, rand_time(rng, 2015, 2018), fmt);
	kr_buf_putc(out, '}');
}

void
kr_gen_row(struct kr_buf *out, enum kr_gen_kind kind, uint64_t seed,
    uint64_t row, enum kr_gen_datefmt fmt)
{
	struct kr_gen_rng rng;

	row_rng(&rng, seed, (uint64_t)kind + 1, row);
	switch (kind) {
	case KR_GEN_PIN:
		gen_pin(out, &rng, row);
		break;
	case KR_GEN_GEO:
		gen_geo(out, &rng, row, fmt);
		break;
	case KR_GEN_USER:
		gen_user(out, &rng, row, fmt);
		break;
	}
}

uint64_t
kr_gen_pick_row(uint64_t seed, uint64_t round, uint64_t max_row)
{
	struct kr_gen_rng rng;

	row_rng(&rng, seed, 0, round);
	if (max_row == UINT64_MAX)
		return kr_gen_rng_next(&rng);
	return kr_gen_rng_below(&rng, max_row + 1);
}

const char *
kr_gen_kind_name(enum kr_gen_kind kind)
{
	switch (kind) {
	case KR_GEN_PIN:
		return "pin";
	case KR_GEN_GEO:
		return "geo";
	case KR_GEN_USER:
		return "user";
	}
	return "?";
}

/* ---- ensure_ascii --------------------------------------------------- */

/* Decodes one UTF-8 sequence at s (n > 0 bytes left). Returns its length
 * and sets *cp, or returns 1 with *cp = U+FFFD for an invalid byte. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0) {
		len = 2, c = s[0] & 0x1Fu, min = 0x80;
	} else if ((s[0] & 0xF0) == 0xE0) {
		len = 3, c = s[0] & 0x0Fu, min = 0x800;
	} else if ((s[0] & 0xF8) == 0xF0) {
		len = 4, c = s[0] & 0x07u, min = 0x10000;
	} else {
		goto bad;
	}
	if (len > n)
		goto bad;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			goto bad;
		c = (c << 6) | (s[i] & 0x3Fu);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		goto bad;
	*cp = c;
	return len;
bad:
	*cp = 0xFFFD;
	return 1;
}

void
kr_gen_ensure_ascii(struct kr_buf *out, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	uint32_t cp;

	kr_buf_reserve(out, n);
	while (i < n) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		kr_buf_append(out, s + run, i - run);
		len = utf8_decode(u + i, n - i, &cp);
		if (cp >= 0x10000) {
			cp -= 0x10000;
			kr_buf_printf(out, "\\u%04x\\u%04x",
			    (unsigned)(0xD800 + (cp >> 10)),
			    (unsigned)(0xDC00 + (cp & 0x3FF)));
		} else {
			kr_buf_printf(out, "\\u%04x", (unsigned)cp);
		}
		i += len;
		run = i;
	}
	kr_buf_append(out, s + run, n - run);
}
