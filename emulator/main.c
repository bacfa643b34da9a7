/* SPDX-License-Identifier: MIT */
/* krest-emulate: posts Pinterest pin/geo/user events to a Kafka REST
 * proxy the way the AiCore user_posting_emulation.py scripts do, or as
 * fast as asked (load mode). Options, --dump, and the summary. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "kr_alloc.h"
#include "emu_opts.h"
#include "emu_run.h"
#include "emu_source.h"
#include "emu_stats.h"

#define EXIT_USAGE 2

static char *url_copy; /* --url without its trailing '/' */

static const char usage_text[] =
    "usage: krest-emulate --url BASE --user-id ID [options]\n"
    "       krest-emulate --dump [options]\n"
    "\n"
    "Posts pin, geo and user events to <BASE>/topics/<ID>.pin|geo|user as\n"
    "Kafka REST v2 JSON ({\"records\":[{\"value\":{...}}]}, Content-Type\n"
    "application/vnd.kafka.json.v2+json), checks every reply and prints a\n"
    "summary. Exit status: 0 when every record was acknowledged, 1 when\n"
    "not (or the source failed), 2 for bad options.\n"
    "\n"
    "Target:\n"
    "  -u, --url BASE          proxy base URL, e.g. http://localhost:8082 or\n"
    "                          an API Gateway invoke URL with its stage,\n"
    "                          "
    "https://x.execute-api.us-east-1.amazonaws.com/prod\n"
    "  -i, --user-id ID        topic prefix: ID.pin, ID.geo, ID.user\n"
    "  -H, --header 'N: V'     extra request header (repeatable), e.g. an API "
    "key\n"
    "  -k, --insecure          do not verify TLS certificates\n"
    "\n"
    "Events:\n"
    "      --seed N            generator and row-picking seed (default 100);\n"
    "                          the same seed gives the same bytes\n"
    "      --date-format F     datetime columns: iso (2020-08-28T03:52:47),\n"
    "                          space (2020-08-28 03:52:47, default) or\n"
    "                          colon (2020:08:28 03:52:47)\n"
    "      --from-dir DIR      read rows from DIR/pin.jsonl, geo.jsonl and\n"
    "                          user.jsonl (one JSON object per line; line N "
    "of\n"
    "                          each file is one row; blank lines ignored)\n"
    "      --strict            a malformed --from-dir row is fatal (default:\n"
    "                          reported with file:line and not sent)\n"
    "      --mysql URL         read rows from MySQL/MariaDB tables\n"
    "                          pinterest_data, geolocation_data, user_data:\n"
    "                          mysql://user:pass@host:3306/db or\n"
    "                          "
    "mysql://user:pass@localhost/db?unix_socket=PATH\n"
    "      --max-row N         random rows are 0..N (default 11000, like\n"
    "                          random.randint(0, 11000))\n"
    "      --pick random|seq   row of each round: random (default) or the\n"
    "                          round number (default for --from-dir)\n"
    "      --ensure-ascii      send non-ASCII text as \\uXXXX escapes, as\n"
    "                          Python's json.dumps does\n"
    "      --dump              print the values that would be sent, one JSON\n"
    "                          object per line (pin, geo, user of each round\n"
    "                          in turn), and send nothing (default --count "
    "10)\n"
    "\n"
    "Pacing (emulation mode, the default: one round at a time, pin then\n"
    "geo then user, each event and reply printed, then a random 0-2 s pause):\n"
    "  -n, --count N           stop after N rounds (default: forever, or one\n"
    "                          pass over --from-dir files)\n"
    "  -d, --duration S        stop making rounds after S seconds\n"
    "      --pause-scale F     multiply the pauses by F (0 = no pause)\n"
    "      --batch N           records per request (default 1)\n"
    "\n"
    "Load mode (--load, or implied by --rate or --concurrency):\n"
    "  -r, --rate R            requests per second (default 0 = as fast as\n"
    "                          possible)\n"
    "  -c, --concurrency C     keep-alive connections in parallel (default 8)\n"
    "      --load              load mode with the defaults\n"
    "\n"
    "Replies and retries:\n"
    "      --retries N         retries of a retriable failure (default 3):\n"
    "                          no connection, HTTP 429/502/503/504, and\n"
    "                          error_code 50003 entries (only those records\n"
    "                          are resent); an acknowledged record is never\n"
    "                          resent, nor one whose request went out whole\n"
    "                          without a reply\n"
    "      --retry-backoff MS  first backoff (default 100), doubled per "
    "retry,\n"
    "                          with jitter, at most 10 s\n"
    "      --timeout S         per request (default 30)\n"
    "      --connect-timeout S (default 3)\n"
    "      --keep-going        go on when the proxy stays unreachable\n"
    "                          (default: stop the run)\n"
    "\n"
    "Output:\n"
    "      --json              write the summary as JSON on stdout (events "
    "and\n"
    "                          the text summary go to stderr)\n"
    "  -q, --quiet             do not print each event\n"
    "      --progress, --no-progress\n"
    "                          live line on stderr (default: in load mode\n"
    "                          when stderr is a terminal)\n"
    "  -h, --help              this text\n"
    "\n"
    "SIGINT/SIGTERM: stop making rounds and wait for the replies in flight;\n"
    "a second one abandons them.\n";

enum {
	OPT_SEED = 256,
	OPT_DATEFMT,
	OPT_FROM_DIR,
	OPT_STRICT,
	OPT_MYSQL,
	OPT_MAX_ROW,
	OPT_PICK,
	OPT_ENSURE_ASCII,
	OPT_DUMP,
	OPT_PAUSE_SCALE,
	OPT_BATCH,
	OPT_LOAD,
	OPT_RETRIES,
	OPT_BACKOFF,
	OPT_TIMEOUT,
	OPT_CONNECT_TIMEOUT,
	OPT_KEEP_GOING,
	OPT_JSON,
	OPT_PROGRESS,
	OPT_NO_PROGRESS
};

static const struct option long_opts[] = {{"url", required_argument, NULL, 'u'},
    {"user-id", required_argument, NULL, 'i'},
    {"header", required_argument, NULL, 'H'},
    {"insecure", no_argument, NULL, 'k'},
    {"seed", required_argument, NULL, OPT_SEED},
    {"date-format", required_argument, NULL, OPT_DATEFMT},
    {"from-dir", required_argument, NULL, OPT_FROM_DIR},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"mysql", required_argument, NULL, OPT_MYSQL},
    {"max-row", required_argument, NULL, OPT_MAX_ROW},
    {"pick", required_argument, NULL, OPT_PICK},
    {"ensure-ascii", no_argument, NULL, OPT_ENSURE_ASCII},
    {"dump", no_argument, NULL, OPT_DUMP},
    {"count", required_argument, NULL, 'n'},
    {"duration", required_argument, NULL, 'd'},
    {"pause-scale", required_argument, NULL, OPT_PAUSE_SCALE},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"rate", required_argument, NULL, 'r'},
    {"concurrency", required_argument, NULL, 'c'},
    {"load", no_argument, NULL, OPT_LOAD},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"retry-backoff", required_argument, NULL, OPT_BACKOFF},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"keep-going", no_argument, NULL, OPT_KEEP_GOING},
    {"json", no_argument, NULL, OPT_JSON}, {"quiet", no_argument, NULL, 'q'},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

static void usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "krest-emulate: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(krest-emulate --help lists the options)\n");
	exit(EXIT_USAGE);
}

/* Parses a whole decimal integer in [min, max], or exits with usage. */
static uint64_t
num_u64(const char *name, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		usage_error("%s: not a whole number", name);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max) {
		fprintf(stderr,
		    "krest-emulate: %s %s: want a whole number from %llu to "
		    "%llu\n",
		    name, s, (unsigned long long)min, (unsigned long long)max);
		exit(EXIT_USAGE);
	}
	return v;
}

static double
num_double(const char *name, const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(v) || v < min ||
	    v > max) {
		fprintf(stderr,
		    "krest-emulate: %s %s: want a number from %g to %g\n", name,
		    s, min, max);
		exit(EXIT_USAGE);
	}
	return v;
}

static void
check_user_id(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > 200 ||
	    strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	               "0123456789._-") != n)
		usage_error("--user-id '%s': want letters, digits, '.', '_' "
		            "or '-' (a Kafka topic name prefix)",
		    id);
}

static char *
clean_url(const char *url)
{
	char *u;
	size_t n;

	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		usage_error("--url '%s': want http://host:port[/stage] or "
		            "https://...",
		    url);
	if (strpbrk(url, " \t\r\n") != NULL)
		usage_error("--url '%s': spaces are not allowed", url);
	u = kr_strdup(url);
	n = strlen(u);
	while (n > 0 && u[n - 1] == '/')
		u[--n] = '\0';
	return u;
}

static void
defaults(struct emu_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->o_seed = 100;
	o->o_max_row = 11000;
	o->o_datefmt = KR_GEN_DATE_SPACE;
	o->o_batch = 1;
	o->o_pause_scale = 1.0;
	o->o_concurrency = 8;
	o->o_retries = 3;
	o->o_backoff_ms = 100;
	o->o_timeout = 30;
	o->o_connect_timeout = 3;
	o->o_progress = -1;
}

/* One option; returns 0, or -1 for an option getopt rejected. */
static int
set_opt(struct emu_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'u':
		o->o_url = arg;
		break;
	case 'i':
		o->o_user_id = arg;
		break;
	case 'H':
		if (strchr(arg, ':') == NULL || arg[0] == ':')
			usage_error("--header '%s': want 'Name: value'", arg);
		o->o_headers = kr_realloc(
		    o->o_headers, (o->o_nheaders + 1) * sizeof(*o->o_headers));
		o->o_headers[o->o_nheaders++] = arg;
		break;
	case 'k':
		o->o_insecure = 1;
		break;
	case OPT_SEED:
		o->o_seed = num_u64("--seed", arg, 0, UINT64_MAX);
		break;
	case OPT_DATEFMT:
		if (kr_gen_datefmt_parse(arg, &o->o_datefmt) < 0)
			usage_error("--date-format '%s': want iso, space or "
			            "colon",
			    arg);
		break;
	case OPT_FROM_DIR:
		o->o_from_dir = arg;
		break;
	case OPT_STRICT:
		o->o_strict = 1;
		break;
	case OPT_MYSQL:
		o->o_mysql = arg;
		break;
	case OPT_MAX_ROW:
		o->o_max_row = num_u64("--max-row", arg, 0, UINT64_MAX - 1);
		break;
	case OPT_PICK:
		if (strcmp(arg, "random") == 0)
			o->o_pick = EMU_PICK_RANDOM;
		else if (strcmp(arg, "seq") == 0)
			o->o_pick = EMU_PICK_SEQ;
		else
			usage_error("--pick '%s': want random or seq", arg);
		break;
	case OPT_ENSURE_ASCII:
		o->o_ensure_ascii = 1;
		break;
	case OPT_DUMP:
		o->o_dump = 1;
		break;
	case 'n':
		o->o_count = num_u64("--count", arg, 1, UINT64_MAX);
		break;
	case 'd':
		o->o_duration = num_double("--duration", arg, 0.001, 1e9);
		break;
	case OPT_PAUSE_SCALE:
		o->o_pause_scale = num_double("--pause-scale", arg, 0, 1e6);
		break;
	case OPT_BATCH:
		o->o_batch = (size_t)num_u64("--batch", arg, 1, 100000);
		break;
	case 'r':
		o->o_rate = num_double("--rate", arg, 0, 1e9);
		o->o_load = 1;
		break;
	case 'c':
		o->o_concurrency =
		    (unsigned)num_u64("--concurrency", arg, 1, 10000);
		o->o_load = 1;
		break;
	case OPT_LOAD:
		o->o_load = 1;
		break;
	case OPT_RETRIES:
		o->o_retries = (unsigned)num_u64("--retries", arg, 0, 1000);
		break;
	case OPT_BACKOFF:
		o->o_backoff_ms = num_double("--retry-backoff", arg, 0, 1e7);
		break;
	case OPT_TIMEOUT:
		o->o_timeout = num_double("--timeout", arg, 0.001, 1e6);
		break;
	case OPT_CONNECT_TIMEOUT:
		o->o_connect_timeout =
		    num_double("--connect-timeout", arg, 0.001, 1e6);
		break;
	case OPT_KEEP_GOING:
		o->o_keep_going = 1;
		break;
	case OPT_JSON:
		o->o_json = 1;
		break;
	case 'q':
		o->o_quiet = 1;
		break;
	case OPT_PROGRESS:
		o->o_progress = 1;
		break;
	case OPT_NO_PROGRESS:
		o->o_progress = 0;
		break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	default:
		return -1;
	}
	return 0;
}

static void
parse_args(struct emu_opts *o, int argc, char **argv)
{
	int c;

	defaults(o);
	while ((c = getopt_long(
	            argc, argv, "u:i:H:kn:d:r:c:qh", long_opts, NULL)) != -1)
		if (set_opt(o, c, optarg) < 0) {
			fprintf(stderr,
			    "(krest-emulate --help lists the options)\n");
			exit(EXIT_USAGE);
		}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->o_from_dir != NULL && o->o_mysql != NULL)
		usage_error("%s", "--from-dir and --mysql exclude each other");
	if (o->o_dump)
		return;
	if (o->o_url == NULL)
		usage_error("%s", "--url is required (or --dump)");
	if (o->o_user_id == NULL)
		usage_error("%s", "--user-id is required");
	o->o_url = url_copy = clean_url(o->o_url);
	check_user_id(o->o_user_id);
}

/* --dump: the values, one per line, as they would be sent. */
static int
dump(const struct emu_opts *o, struct emu_source *src)
{
	struct kr_buf vals[KR_GEN_NKINDS] = {
	    KR_BUF_INIT, KR_BUF_INIT, KR_BUF_INIT};
	struct kr_buf warn = KR_BUF_INIT, line = KR_BUF_INIT;
	uint64_t round, rounds = o->o_count, row;
	int have[KR_GEN_NKINDS], k, rc = 0;
	char err[512];

	if (rounds == 0)
		rounds = emu_source_default_rounds(src);
	if (rounds == 0)
		rounds = 10;
	for (round = 0; round < rounds; round++) {
		kr_buf_reset(&warn);
		if (emu_source_round(src, round, vals, have, &row, &warn, err,
		        sizeof(err)) < 0) {
			fprintf(stderr, "krest-emulate: %s\n", err);
			rc = 1;
			break;
		}
		if (warn.len > 0)
			fprintf(stderr, "krest-emulate: %s", warn.data);
		for (k = 0; k < KR_GEN_NKINDS; k++) {
			if (!have[k])
				continue;
			kr_buf_reset(&line);
			if (o->o_ensure_ascii)
				kr_gen_ensure_ascii(
				    &line, vals[k].data, vals[k].len);
			else
				kr_buf_append(&line, vals[k].data, vals[k].len);
			kr_buf_putc(&line, '\n');
			fwrite(line.data, 1, line.len, stdout);
		}
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "krest-emulate: stdout: %s\n", strerror(errno));
		rc = 1;
	}
	for (k = 0; k < KR_GEN_NKINDS; k++)
		kr_buf_free(&vals[k]);
	kr_buf_free(&warn);
	kr_buf_free(&line);
	return rc;
}

static void
on_signal(int sig)
{
	(void)sig;
	emu_run_interrupt();
}

static void
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static int
report(const struct emu_opts *o, struct emu_stats *st)
{
	struct kr_buf out = KR_BUF_INIT;
	const char *topics[KR_GEN_NKINDS];
	char names[KR_GEN_NKINDS][256];
	int k, ok = emu_stats_ok(st);

	for (k = 0; k < KR_GEN_NKINDS; k++) {
		snprintf(names[k], sizeof(names[k]), "%s.%s", o->o_user_id,
		    kr_gen_kind_name((enum kr_gen_kind)k));
		topics[k] = names[k];
	}
	if (st->st_stop[0] != '\0' && !ok)
		fprintf(stderr, "krest-emulate: %s\n", st->st_stop);
	emu_stats_text(st, &out, topics);
	fputs(out.data, o->o_json ? stderr : stdout);
	if (o->o_json) {
		kr_buf_reset(&out);
		emu_stats_json(
		    st, &out, topics, o->o_load ? "load" : "emulation");
		fputs(out.data, stdout);
	}
	fflush(stdout);
	kr_buf_free(&out);
	return ok ? 0 : 1;
}

int
main(int argc, char **argv)
{
	struct emu_opts o;
	struct emu_source src;
	struct emu_stats st;
	char err[1024];
	int rc = 1;

	parse_args(&o, argc, argv);
	if (emu_source_open(&src, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "krest-emulate: %s\n", err);
		emu_source_close(&src);
		goto done;
	}
	if (o.o_dump) {
		rc = dump(&o, &src);
		emu_source_close(&src);
		goto done;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "krest-emulate: cannot initialise libcurl\n");
		emu_source_close(&src);
		goto done;
	}
	catch_signals();
	memset(&st, 0, sizeof(st));
	if (emu_run(&o, &src, &st) == 0)
		rc = report(&o, &st);
	emu_stats_free(&st);
	emu_source_close(&src);
	curl_global_cleanup();
done:
	free(url_copy);
	free(o.o_headers);
	return rc;
}
