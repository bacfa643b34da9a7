/* SPDX-License-Identifier: MIT */
/* The Kafka ceiling for make bench: a direct librdkafka producer pushing
 * ~300-byte pin-like JSON records into one broker, either as fast as it can
 * (unbounded) or with at most N records in flight, each slot refilled from
 * its delivery report (what N synchronous HTTP clients look like). Prints
 * one JSON line of results on stdout. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#define DP_POOL    1024    /* distinct records, cycled */
#define DP_RECMAX  512     /* bytes per record, at most */
#define DP_HISTMAX 1000000 /* latency histogram: 1 us buckets up to 1 s */

enum dp_mode { DP_UNBOUNDED, DP_INFLIGHT };

/* One record in flight (inflight mode): its send time. */
struct dp_slot {
	int64_t slot_sent_ns;
};

struct dp {
	enum dp_mode dp_mode;
	int dp_inflight;       /* inflight mode: records outstanding */
	double dp_seconds;     /* run length, when dp_count is 0 */
	long long dp_count;    /* records to send, 0: run dp_seconds */
	const char *dp_linger; /* linger.ms */
	const char *dp_topic;
	rd_kafka_t *dp_rk;
	rd_kafka_topic_t *dp_rkt;
	char dp_pool[DP_POOL][DP_RECMAX]; /* the records */
	size_t dp_len[DP_POOL];
	long long dp_sent;      /* produce() calls accepted */
	long long dp_ok;        /* delivery reports without error */
	long long dp_err;       /* delivery reports with an error */
	long long dp_qfull;     /* produce() answered QUEUE_FULL */
	int dp_stopping;        /* inflight: do not refill slots */
	uint32_t *dp_hist;      /* inflight: latency histogram, 1 us */
	long long dp_hist_over; /* latencies beyond the histogram */
	char dp_lasterr[256];   /* last delivery error, for the report */
};

static volatile sig_atomic_t dp_interrupted;

static void
dp_on_signal(int sig)
{
	(void)sig;
	dp_interrupted = 1;
}

static int64_t
dp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A small deterministic generator, so runs push the same bytes. */
static uint64_t
dp_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* Fills the pool with pin rows shaped like the Pinterest emulators' (the
 * twelve pinterest_data columns, json.dumps order), about 315 bytes each:
 * the same shape bench/post.lua sends. */
static void
dp_make_pool(struct dp *dp)
{
	int i, n;
	uint64_t a, b;

	for (i = 0; i < DP_POOL; i++) {
		a = dp_mix((uint64_t)i * 2);
		b = dp_mix((uint64_t)i * 2 + 1);
		n = snprintf(dp->dp_pool[i], DP_RECMAX,
		    "{\"index\":%d,\"unique_id\":\"%08x-%04x-4%03x-%04x-%"
		    "012" PRIx64
		    "\",\"title\":\"Kitchen ideas\",\"description\":\"Small "
		    "spaces\",\"poster_name\":\"Decor\",\"follower_count\":"
		    "\"51k\",\"tag_list\":\"DIY,Home\",\"is_image_or_video\":"
		    "\"image\",\"image_src\":\"https://i.pinimg.com/%08x.jpg\","
		    "\"downloaded\":1,\"save_location\":\"/data/diy\","
		    "\"category\":\"diy\"}",
		    1000 + i, (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
		    (unsigned)a & 0xfff,
		    0x8000 | ((unsigned)(b >> 48) & 0x3fff),
		    (uint64_t)(b & 0xffffffffffffULL), (unsigned)(b >> 8));
		if (n < 0 || n >= DP_RECMAX)
			abort(); /* the format above is fixed and fits */
		dp->dp_len[i] = (size_t)n;
	}
}

/* Queues record number dp_sent. Returns 0, or the produce() error. */
static rd_kafka_resp_err_t
dp_produce(struct dp *dp, struct dp_slot *slot)
{
	size_t i = (size_t)(dp->dp_sent % DP_POOL);

	if (slot != NULL)
		slot->slot_sent_ns = dp_now_ns();
	if (rd_kafka_produce(dp->dp_rkt, RD_KAFKA_PARTITION_UA,
	        RD_KAFKA_MSG_F_COPY, dp->dp_pool[i], dp->dp_len[i], NULL, 0,
	        slot) == -1)
		return rd_kafka_last_error();
	dp->dp_sent++;
	return RD_KAFKA_RESP_ERR_NO_ERROR;
}

/* Delivery report: counts, records the latency and, in inflight mode,
 * refills the slot. Runs inside rd_kafka_poll()/flush() on our thread. */
static void
dp_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct dp *dp = opaque;
	struct dp_slot *slot = msg->_private;
	int64_t us;

	(void)rk;
	if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
		dp->dp_err++;
		snprintf(dp->dp_lasterr, sizeof(dp->dp_lasterr), "%s",
		    rd_kafka_err2str(msg->err));
	} else
		dp->dp_ok++;
	if (slot == NULL)
		return;
	us = (dp_now_ns() - slot->slot_sent_ns) / 1000;
	if (us >= 0 && us < DP_HISTMAX)
		dp->dp_hist[us]++;
	else
		dp->dp_hist_over++;
	if (dp->dp_stopping)
		return;
	if (dp->dp_count > 0 && dp->dp_sent >= dp->dp_count)
		return;
	/* QUEUE_FULL cannot happen with at most dp_inflight queued. */
	if (dp_produce(dp, slot) != RD_KAFKA_RESP_ERR_NO_ERROR)
		dp->dp_err++;
}

static int
dp_conf_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	char errstr[512];

	if (rd_kafka_conf_set(conf, name, value, errstr, sizeof(errstr)) !=
	    RD_KAFKA_CONF_OK) {
		fprintf(stderr, "direct_producer: %s=%s: %s\n", name, value,
		    errstr);
		return -1;
	}
	return 0;
}

/* Sets prop=value pairs given with -X. */
static int
dp_conf_set_pair(rd_kafka_conf_t *conf, char *pair)
{
	char *eq = strchr(pair, '=');

	if (eq == NULL) {
		fprintf(stderr, "direct_producer: -X %s: expected name=value\n",
		    pair);
		return -1;
	}
	*eq = '\0';
	return dp_conf_set(conf, pair, eq + 1);
}

/* Sends one record and waits for it, so that the timed run starts with
 * metadata known and the broker connection up. */
static int
dp_warm_up(struct dp *dp)
{
	if (dp_produce(dp, NULL) != RD_KAFKA_RESP_ERR_NO_ERROR)
		return -1;
	rd_kafka_flush(dp->dp_rk, 10000);
	if (dp->dp_ok != 1) {
		fprintf(stderr,
		    "direct_producer: warm-up record not "
		    "delivered: %s\n",
		    dp->dp_err > 0 ? dp->dp_lasterr : "timed out");
		return -1;
	}
	dp->dp_ok = 0;
	dp->dp_sent = 0;
	return 0;
}

static int
dp_time_up(const struct dp *dp, int64_t start)
{
	if (dp_interrupted)
		return 1;
	if (dp->dp_count > 0)
		return dp->dp_sent >= dp->dp_count;
	return (double)(dp_now_ns() - start) / 1e9 >= dp->dp_seconds;
}

static void
dp_run_unbounded(struct dp *dp, int64_t start)
{
	rd_kafka_resp_err_t err;

	while (!dp_time_up(dp, start)) {
		err = dp_produce(dp, NULL);
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
			dp->dp_qfull++;
			rd_kafka_poll(dp->dp_rk, 1);
		} else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
			fprintf(stderr, "direct_producer: produce: %s\n",
			    rd_kafka_err2str(err));
			break;
		} else if ((dp->dp_sent & 1023) == 0)
			rd_kafka_poll(dp->dp_rk, 0);
	}
}

static int
dp_run_inflight(struct dp *dp, int64_t start)
{
	struct dp_slot *slots;
	int i;

	slots = calloc((size_t)dp->dp_inflight, sizeof(*slots));
	dp->dp_hist = calloc(DP_HISTMAX, sizeof(*dp->dp_hist));
	if (slots == NULL || dp->dp_hist == NULL)
		abort();
	for (i = 0; i < dp->dp_inflight; i++) {
		if (dp->dp_count > 0 && dp->dp_sent >= dp->dp_count)
			break;
		if (dp_produce(dp, &slots[i]) != RD_KAFKA_RESP_ERR_NO_ERROR)
			return -1;
	}
	while (!dp_interrupted && dp->dp_ok + dp->dp_err < dp->dp_sent) {
		if (dp->dp_count == 0 && dp_time_up(dp, start))
			break;
		rd_kafka_poll(dp->dp_rk, 100);
	}
	dp->dp_stopping = 1;
	rd_kafka_flush(dp->dp_rk, 30000);
	free(slots); /* every slot's report has been served by the flush */
	return 0;
}

/* Returns latency percentile p (0-100) in microseconds from the
 * histogram, or -1 when nothing was measured. */
static long long
dp_percentile(const struct dp *dp, double p)
{
	long long total = dp->dp_hist_over, want, seen = 0;
	int i;

	for (i = 0; i < DP_HISTMAX; i++)
		total += dp->dp_hist[i];
	if (total == 0)
		return -1;
	want = (long long)((double)total * p / 100.0 + 0.5);
	if (want < 1)
		want = 1;
	for (i = 0; i < DP_HISTMAX; i++) {
		seen += dp->dp_hist[i];
		if (seen >= want)
			return i;
	}
	return DP_HISTMAX;
}

static void
dp_report(const struct dp *dp, double secs)
{
	double avg_len = 0;
	int i;

	for (i = 0; i < DP_POOL; i++)
		avg_len += (double)dp->dp_len[i];
	avg_len /= DP_POOL;
	printf("{\"mode\":\"%s\",\"inflight\":%d,\"linger_ms\":%s,"
	       "\"records\":%lld,\"errors\":%lld,\"queue_full\":%lld,"
	       "\"seconds\":%.3f,\"records_per_s\":%.0f,\"value_bytes\":%.0f,"
	       "\"mb_per_s\":%.1f",
	    dp->dp_mode == DP_UNBOUNDED ? "unbounded" : "inflight",
	    dp->dp_mode == DP_INFLIGHT ? dp->dp_inflight : 0, dp->dp_linger,
	    dp->dp_ok, dp->dp_err, dp->dp_qfull, secs,
	    secs > 0 ? (double)dp->dp_ok / secs : 0.0, avg_len,
	    secs > 0 ? (double)dp->dp_ok * avg_len / secs / 1e6 : 0.0);
	if (dp->dp_hist != NULL)
		printf(",\"p50_us\":%lld,\"p99_us\":%lld",
		    dp_percentile(dp, 50), dp_percentile(dp, 99));
	if (dp->dp_err > 0)
		printf(",\"last_error\":\"%s\"", dp->dp_lasterr);
	printf("}\n");
	fflush(stdout);
}

static _Noreturn void
dp_usage(void)
{
	fprintf(stderr,
	    "usage: direct_producer -b bootstrap -t topic [-m unbounded|"
	    "inflight] [-i N]\n"
	    "           [-l linger.ms] [-d seconds | -c count] "
	    "[-X prop=value]...\n"
	    "  -m  unbounded: produce as fast as possible (default);\n"
	    "      inflight: at most N (-i, default 64) records outstanding\n"
	    "  -l  linger.ms (default 5 unbounded, 0 inflight)\n"
	    "  -d  run length in seconds (default 5); -c: send count "
	    "records instead\n"
	    "  -X  any librdkafka property (acks=all, "
	    "enable.idempotence=true,\n"
	    "      partitioner=murmur2_random are set by default)\n");
	exit(2);
}

/* Parses a number in [min, max] or exits with the usage. */
static double
dp_num(const char *s, double min, double max)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "direct_producer: bad number: %s\n", s);
		dp_usage();
	}
	return v;
}

static int
dp_parse_args(struct dp *dp, rd_kafka_conf_t *conf, int argc, char **argv)
{
	const char *bootstrap = NULL;
	int c;

	while ((c = getopt(argc, argv, "b:t:m:i:l:d:c:X:h")) != -1) {
		switch (c) {
		case 'b':
			bootstrap = optarg;
			break;
		case 't':
			dp->dp_topic = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "unbounded") == 0)
				dp->dp_mode = DP_UNBOUNDED;
			else if (strcmp(optarg, "inflight") == 0)
				dp->dp_mode = DP_INFLIGHT;
			else
				dp_usage();
			break;
		case 'i':
			dp->dp_inflight = (int)dp_num(optarg, 1, 1e6);
			break;
		case 'l':
			dp->dp_linger = optarg;
			break;
		case 'd':
			dp->dp_seconds = dp_num(optarg, 0.001, 86400);
			break;
		case 'c':
			dp->dp_count = (long long)dp_num(optarg, 1, 1e12);
			break;
		case 'X':
			if (dp_conf_set_pair(conf, optarg) == -1)
				return -1;
			break;
		default:
			dp_usage();
		}
	}
	if (bootstrap == NULL || dp->dp_topic == NULL || optind != argc)
		dp_usage();
	if (dp->dp_linger == NULL)
		dp->dp_linger = dp->dp_mode == DP_INFLIGHT ? "0" : "5";
	if (dp_conf_set(conf, "bootstrap.servers", bootstrap) == -1 ||
	    dp_conf_set(conf, "linger.ms", dp->dp_linger) == -1)
		return -1;
	return 0;
}

static rd_kafka_conf_t *
dp_default_conf(struct dp *dp)
{
	rd_kafka_conf_t *conf = rd_kafka_conf_new();

	/* What krestd uses by default (issue 2): acks=all and an idempotent
	 * producer; murmur2_random like the Java client. -X overrides. */
	if (dp_conf_set(conf, "acks", "all") == -1 ||
	    dp_conf_set(conf, "enable.idempotence", "true") == -1 ||
	    dp_conf_set(conf, "partitioner", "murmur2_random") == -1 ||
	    dp_conf_set(conf, "queue.buffering.max.messages", "1000000") == -1)
		exit(1);
	rd_kafka_conf_set_dr_msg_cb(conf, dp_on_delivery);
	rd_kafka_conf_set_opaque(conf, dp);
	return conf;
}

int
main(int argc, char **argv)
{
	static struct dp dp; /* large: the record pool */
	rd_kafka_conf_t *conf;
	char errstr[512];
	int64_t start;
	double secs;
	int rc = 1;

	dp.dp_mode = DP_UNBOUNDED;
	dp.dp_inflight = 64;
	dp.dp_seconds = 5;
	conf = dp_default_conf(&dp);
	if (dp_parse_args(&dp, conf, argc, argv) == -1)
		return 1;
	signal(SIGINT, dp_on_signal);
	signal(SIGTERM, dp_on_signal);
	dp_make_pool(&dp);
	dp.dp_rk =
	    rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (dp.dp_rk == NULL) {
		fprintf(stderr, "direct_producer: %s\n", errstr);
		return 1;
	}
	dp.dp_rkt = rd_kafka_topic_new(dp.dp_rk, dp.dp_topic, NULL);
	if (dp_warm_up(&dp) == -1)
		goto done;
	start = dp_now_ns();
	if (dp.dp_mode == DP_UNBOUNDED) {
		dp_run_unbounded(&dp, start);
		rd_kafka_flush(dp.dp_rk, 30000);
	} else if (dp_run_inflight(&dp, start) == -1)
		goto done;
	secs = (double)(dp_now_ns() - start) / 1e9;
	dp_report(&dp, secs);
	rc = rd_kafka_outq_len(dp.dp_rk) == 0 && dp.dp_err == 0 ? 0 : 1;
done:
	rd_kafka_topic_destroy(dp.dp_rkt);
	rd_kafka_destroy(dp.dp_rk);
	free(dp.dp_hist);
	return rc;
}
