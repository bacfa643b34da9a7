/* SPDX-License-Identifier: MIT */
/* The sending engine (see emu_run.h). One thread, one curl multi handle;
 * the loop generates rounds, starts requests within the concurrency and
 * rate limits, and handles every reply as it completes. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "kr_alloc.h"
#include "emu_json.h"
#include "emu_run.h"

#define MAX_REPLY     (1u << 20) /* bytes of a reply body kept */
#define MAX_BACKOFF_S 10.0
#define PRINT_REPLY   600 /* bytes of a reply printed per event */

static volatile sig_atomic_t interrupted;

/* One produce request: n records of one topic. */
struct emu_req {
	enum kr_gen_kind rq_kind;
	struct kr_buf rq_vals; /* the values, back to back */
	size_t *rq_off;        /* value i is rq_vals.data + rq_off[i] */
	size_t *rq_len;
	uint64_t *rq_row; /* source row of each record, for printing */
	size_t rq_n, rq_cap;
	unsigned rq_attempt; /* retries so far */
	int rq_sent;         /* records already counted as sent */
	double rq_due;       /* earliest start (backoff) */
	double rq_t0;        /* start of the current attempt */
	struct kr_buf rq_body;
	struct kr_buf rq_resp;
	CURL *rq_easy;
	unsigned rq_slot; /* index in r_flight while in flight */
	char rq_errbuf[CURL_ERROR_SIZE];
	char rq_cause[400]; /* the last failure, for records given up */
	struct emu_req *rq_next;
};

struct queue {
	struct emu_req *q_head, *q_tail;
	size_t q_len;
};

struct emu_run {
	const struct emu_opts *r_opts;
	struct emu_source *r_src;
	struct emu_stats *r_st;
	CURLM *r_multi;
	CURL **r_idle; /* easy handles to reuse */
	size_t r_nidle;
	struct curl_slist *r_headers;
	char *r_url[KR_GEN_NKINDS];
	char *r_topic[KR_GEN_NKINDS];
	struct emu_req *r_pending[KR_GEN_NKINDS]; /* batches being filled */
	struct queue r_ready;                     /* to send, in order */
	struct queue r_delayed; /* retries waiting for their backoff */
	unsigned r_inflight;
	unsigned r_conc;
	struct emu_req **r_flight; /* r_conc slots: the requests in flight */
	uint64_t r_round;          /* next round */
	uint64_t r_max_rounds;     /* 0: no limit */
	double r_deadline;         /* end of --duration, or 0 */
	double r_next_round;       /* emulation: the pause ends */
	int r_round_busy;          /* emulation: a round is being sent */
	double r_next_send;        /* rate limiter */
	int r_generating;          /* more rounds may come */
	int r_abort;               /* send nothing more */
	int r_seen_int;            /* interrupts handled so far */
	FILE *r_events;            /* per-event lines, or NULL */
	int r_progress;
	double r_last_progress;
	struct kr_gen_rng r_rng; /* pauses and jitter */
	struct kr_buf r_vals[KR_GEN_NKINDS];
	struct kr_buf r_warn;
};

void
emu_run_interrupt(void)
{
	if (interrupted < 2)
		interrupted++;
}

double
emu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- queues and requests -------------------------------------------- */

static void
q_push(struct queue *q, struct emu_req *req)
{
	req->rq_next = NULL;
	if (q->q_tail != NULL)
		q->q_tail->rq_next = req;
	else
		q->q_head = req;
	q->q_tail = req;
	q->q_len++;
}

static void
q_push_front(struct queue *q, struct emu_req *req)
{
	req->rq_next = q->q_head;
	q->q_head = req;
	if (q->q_tail == NULL)
		q->q_tail = req;
	q->q_len++;
}

static struct emu_req *
q_pop(struct queue *q)
{
	struct emu_req *req = q->q_head;

	if (req == NULL)
		return NULL;
	q->q_head = req->rq_next;
	if (q->q_head == NULL)
		q->q_tail = NULL;
	q->q_len--;
	req->rq_next = NULL;
	return req;
}

static struct emu_req *
req_new(enum kr_gen_kind kind)
{
	struct emu_req *req = kr_calloc(1, sizeof(*req));

	req->rq_kind = kind;
	return req;
}

static void
req_add(struct emu_req *req, const char *val, size_t len, uint64_t row)
{
	if (req->rq_n == req->rq_cap) {
		req->rq_cap = req->rq_cap == 0 ? 4 : req->rq_cap * 2;
		req->rq_off =
		    kr_realloc(req->rq_off, req->rq_cap * sizeof(*req->rq_off));
		req->rq_len =
		    kr_realloc(req->rq_len, req->rq_cap * sizeof(*req->rq_len));
		req->rq_row =
		    kr_realloc(req->rq_row, req->rq_cap * sizeof(*req->rq_row));
	}
	req->rq_off[req->rq_n] = req->rq_vals.len;
	req->rq_len[req->rq_n] = len;
	req->rq_row[req->rq_n] = row;
	req->rq_n++;
	kr_buf_append(&req->rq_vals, val, len);
}

static void
req_free(struct emu_req *req)
{
	if (req == NULL)
		return;
	kr_buf_free(&req->rq_vals);
	kr_buf_free(&req->rq_body);
	kr_buf_free(&req->rq_resp);
	free(req->rq_off);
	free(req->rq_len);
	free(req->rq_row);
	free(req);
}

/* ---- outcomes ------------------------------------------------------- */

static void
fail_records(
    struct emu_run *run, struct emu_req *req, size_t n, const char *cause)
{
	run->r_st->st_failed[req->rq_kind] += n;
	emu_counts_add(&run->r_st->st_causes, cause, n);
}

/* Drops a request that will not be sent again: records sent before are
 * failed with its last cause, others stay "not sent". */
static void
req_drop(struct emu_run *run, struct emu_req *req, const char *why)
{
	if (req->rq_sent)
		fail_records(run, req, req->rq_n,
		    req->rq_cause[0] != '\0' ? req->rq_cause : why);
	req_free(req);
}

static double
backoff(struct emu_run *run, unsigned attempt)
{
	double d = run->r_opts->o_backoff_ms / 1000.0 *
	           pow(2.0, (double)(attempt > 0 ? attempt - 1 : 0));

	if (d > MAX_BACKOFF_S)
		d = MAX_BACKOFF_S;
	/* Jitter in [d/2, d): clients retrying together spread out. */
	return d * (0.5 + 0.5 * kr_gen_rng_unit(&run->r_rng));
}

/* Retries req after a backoff if it has retries left; else fails it.
 * Takes ownership of req. */
static void
req_retry(struct emu_run *run, struct emu_req *req, double now)
{
	if (req->rq_attempt >= run->r_opts->o_retries || run->r_abort) {
		req_drop(run, req, req->rq_cause);
		return;
	}
	req->rq_attempt++;
	req->rq_due = now + backoff(run, req->rq_attempt);
	q_push(&run->r_delayed, req);
}

static void
set_stop(struct emu_run *run, int fatal, const char *msg)
{
	if (run->r_st->st_stop[0] == '\0')
		snprintf(
		    run->r_st->st_stop, sizeof(run->r_st->st_stop), "%s", msg);
	if (fatal)
		run->r_st->st_fatal = 1;
}

/* Stops sending: pending, ready and delayed requests are dropped. */
static void
abort_sending(struct emu_run *run, const char *why)
{
	struct emu_req *req;
	int k;

	run->r_abort = 1;
	run->r_generating = 0;
	for (k = 0; k < KR_GEN_NKINDS; k++) {
		if (run->r_pending[k] != NULL)
			req_drop(run, run->r_pending[k], why);
		run->r_pending[k] = NULL;
	}
	while ((req = q_pop(&run->r_ready)) != NULL)
		req_drop(run, req, why);
	while ((req = q_pop(&run->r_delayed)) != NULL)
		req_drop(run, req, why);
}

/* ---- replies -------------------------------------------------------- */

static int
retriable_status(long status)
{
	return status == 429 || status == 502 || status == 503 || status == 504;
}

static void
count_error_code(struct emu_run *run, const struct emu_jval *code)
{
	char key[40];
	long long v;

	if (code == NULL || code->jv_type == EJ_NULL)
		return;
	if (emu_json_int(code, &v))
		snprintf(key, sizeof(key), "%lld", v);
	else
		snprintf(key, sizeof(key), "(not a number)");
	emu_counts_add(&run->r_st->st_codes, key, 1);
}

/* A 200 reply: one offsets entry per record. Acknowledged records are
 * done; entries with error_code 50003 are retried as a new request of
 * just those records; other errors fail their record. Takes ownership of
 * req. */
static void
reply_200(struct emu_run *run, struct emu_req *req, double now)
{
	struct emu_stats *st = run->r_st;
	struct emu_jval v;
	const struct emu_jval *offs, *e, *code, *off;
	struct emu_req *again = NULL;
	char msg[160], cause[256];
	long long c;
	size_t i;

	if (emu_json_parse(req->rq_resp.data != NULL ? req->rq_resp.data : "",
	        req->rq_resp.len, &v, msg, sizeof(msg)) < 0) {
		snprintf(cause, sizeof(cause),
		    "bad reply: 200 with a body that is not JSON (%s)", msg);
		fail_records(run, req, req->rq_n, cause);
		req_free(req);
		return;
	}
	offs = emu_json_get(&v, "offsets");
	if (offs == NULL || offs->jv_type != EJ_ARR ||
	    offs->jv_n != req->rq_n) {
		snprintf(cause, sizeof(cause),
		    "bad reply: 200 without one offsets entry per record");
		fail_records(run, req, req->rq_n, cause);
		goto done;
	}
	for (i = 0; i < req->rq_n; i++) {
		e = &offs->jv_elem[i];
		code = emu_json_get(e, "error_code");
		off = emu_json_get(e, "offset");
		if ((code == NULL || code->jv_type == EJ_NULL) && off != NULL &&
		    emu_json_int(off, &c) && c >= 0) {
			st->st_acked[req->rq_kind]++;
			continue;
		}
		count_error_code(run, code);
		if (code != NULL && emu_json_int(code, &c) && c == 50003) {
			if (again == NULL) {
				again = req_new(req->rq_kind);
				again->rq_sent = 1;
				again->rq_attempt = req->rq_attempt;
			}
			req_add(again, req->rq_vals.data + req->rq_off[i],
			    req->rq_len[i], req->rq_row[i]);
			continue;
		}
		if (code != NULL && emu_json_int(code, &c))
			snprintf(cause, sizeof(cause),
			    "error_code %lld in a 200 reply", c);
		else
			snprintf(cause, sizeof(cause),
			    "bad reply: offsets entry without an offset");
		fail_records(run, req, 1, cause);
	}
	if (again != NULL) {
		snprintf(again->rq_cause, sizeof(again->rq_cause),
		    "error_code 50003 (retriable), retries exhausted");
		req_retry(run, again, now);
	}
done:
	emu_json_free(&v);
	req_free(req);
}

/* A reply other than 200. Takes ownership of req. */
static void
reply_error(struct emu_run *run, struct emu_req *req, long status, double now)
{
	struct emu_jval v;
	char msg[160];

	if (emu_json_parse(req->rq_resp.data != NULL ? req->rq_resp.data : "",
	        req->rq_resp.len, &v, msg, sizeof(msg)) == 0) {
		count_error_code(run, emu_json_get(&v, "error_code"));
		emu_json_free(&v);
	}
	snprintf(req->rq_cause, sizeof(req->rq_cause), "HTTP %ld%s", status,
	    retriable_status(status) ? " (retriable), retries exhausted" : "");
	if (retriable_status(status)) {
		req_retry(run, req, now);
		return;
	}
	fail_records(run, req, req->rq_n, req->rq_cause);
	req_free(req);
}

/* A transfer that got no HTTP reply; up bytes of the body went out. Only
 * a failure that cannot have delivered the request (no connection, or
 * the body not fully sent) is retried: after a complete request the proxy
 * may have produced the records, and sending them again would duplicate
 * them. Takes ownership of req. */
static void
reply_none(struct emu_run *run, struct emu_req *req, CURLcode rc, size_t up,
    double now)
{
	const char *err =
	    req->rq_errbuf[0] != '\0' ? req->rq_errbuf : curl_easy_strerror(rc);
	char msg[300];

	if (rc == CURLE_COULDNT_RESOLVE_HOST || rc == CURLE_URL_MALFORMAT ||
	    rc == CURLE_UNSUPPORTED_PROTOCOL) {
		snprintf(req->rq_cause, sizeof(req->rq_cause), "%s", err);
		snprintf(msg, sizeof(msg), "%s: %s", run->r_opts->o_url, err);
		goto stop;
	}
	if (rc == CURLE_COULDNT_CONNECT ||
	    (rc != CURLE_OPERATION_TIMEDOUT && up < req->rq_body.len)) {
		snprintf(req->rq_cause, sizeof(req->rq_cause),
		    "cannot connect: %s", err);
		if (req->rq_attempt >= run->r_opts->o_retries &&
		    !run->r_opts->o_keep_going) {
			snprintf(msg, sizeof(msg),
			    "%s unreachable after %u retries: %s",
			    run->r_opts->o_url, req->rq_attempt, err);
			goto stop;
		}
		req_retry(run, req, now);
		return;
	}
	snprintf(req->rq_cause, sizeof(req->rq_cause),
	    "no reply (%s); not resent: the proxy may have produced them", err);
	fail_records(run, req, req->rq_n, req->rq_cause);
	req_free(req);
	return;
stop:
	fail_records(run, req, req->rq_n, req->rq_cause);
	req_free(req);
	set_stop(run, 0, msg);
	abort_sending(run, msg);
}

/* ---- printing ------------------------------------------------------- */

static void
print_event(struct emu_run *run, struct emu_req *req, CURLcode rc, long status,
    double secs)
{
	FILE *f = run->r_events;
	size_t i, n;

	if (f == NULL)
		return;
	for (i = 0; i < req->rq_n; i++)
		fprintf(f, "%s row %llu%s: %.*s\n", run->r_topic[req->rq_kind],
		    (unsigned long long)req->rq_row[i],
		    req->rq_attempt > 0 ? " (retry)" : "", (int)req->rq_len[i],
		    req->rq_vals.data + req->rq_off[i]);
	if (rc != CURLE_OK) {
		fprintf(f, "  -> no reply after %.1f ms: %s\n", secs * 1000,
		    req->rq_errbuf[0] != '\0' ? req->rq_errbuf
		                              : curl_easy_strerror(rc));
	} else {
		n = req->rq_resp.len < PRINT_REPLY ? req->rq_resp.len
		                                   : PRINT_REPLY;
		fprintf(f, "  -> %ld in %.1f ms: %.*s%s\n", status, secs * 1000,
		    (int)n, req->rq_resp.data != NULL ? req->rq_resp.data : "",
		    n < req->rq_resp.len ? "..." : "");
	}
	fflush(f);
}

/* ---- curl ----------------------------------------------------------- */

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct emu_req *req = arg;
	size_t n = size * nmemb;

	if (req->rq_resp.len < MAX_REPLY)
		kr_buf_append(&req->rq_resp, p,
		    n < MAX_REPLY - req->rq_resp.len
		        ? n
		        : MAX_REPLY - req->rq_resp.len);
	return n;
}

static void
build_body(struct emu_run *run, struct emu_req *req)
{
	struct kr_buf raw = KR_BUF_INIT;
	size_t i;

	kr_buf_reset(&req->rq_body);
	kr_buf_puts(&raw, "{\"records\":[");
	for (i = 0; i < req->rq_n; i++) {
		kr_buf_puts(&raw, i > 0 ? ",{\"value\":" : "{\"value\":");
		kr_buf_append(
		    &raw, req->rq_vals.data + req->rq_off[i], req->rq_len[i]);
		kr_buf_putc(&raw, '}');
	}
	kr_buf_puts(&raw, "]}");
	if (run->r_opts->o_ensure_ascii)
		kr_gen_ensure_ascii(&req->rq_body, raw.data, raw.len);
	else
		kr_buf_append(&req->rq_body, raw.data, raw.len);
	kr_buf_free(&raw);
}

static CURL *
easy_get(struct emu_run *run)
{
	const struct emu_opts *o = run->r_opts;
	CURL *e;

	if (run->r_nidle > 0)
		return run->r_idle[--run->r_nidle];
	e = curl_easy_init();
	if (e == NULL)
		abort(); /* only on out of memory; see kr_alloc.h */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, run->r_headers);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "krest-emulate/1.0");
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)(o->o_timeout * 1000));
	curl_easy_setopt(
	    e, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->o_connect_timeout * 1000));
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	if (o->o_insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return e;
}

static void
req_start(struct emu_run *run, struct emu_req *req, double now)
{
	CURL *e = easy_get(run);

	if (!req->rq_sent) {
		run->r_st->st_sent[req->rq_kind] += req->rq_n;
		req->rq_sent = 1;
	}
	if (req->rq_attempt > 0)
		run->r_st->st_retries++;
	run->r_st->st_requests++;
	build_body(run, req);
	kr_buf_reset(&req->rq_resp);
	req->rq_errbuf[0] = '\0';
	req->rq_easy = e;
	req->rq_t0 = now;
	curl_easy_setopt(e, CURLOPT_URL, run->r_url[req->rq_kind]);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, req->rq_body.data);
	curl_easy_setopt(
	    e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->rq_body.len);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, req);
	curl_easy_setopt(e, CURLOPT_PRIVATE, req);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->rq_errbuf);
	for (req->rq_slot = 0; run->r_flight[req->rq_slot] != NULL;
	     req->rq_slot++)
		;
	run->r_flight[req->rq_slot] = req;
	curl_multi_add_handle(run->r_multi, e);
	run->r_inflight++;
}

/* Handles one finished transfer. Takes ownership of req. */
static void
req_done(struct emu_run *run, struct emu_req *req, CURLcode rc, double now)
{
	CURL *e = req->rq_easy;
	curl_off_t up = 0;
	long status = 0;
	char key[16];

	curl_multi_remove_handle(run->r_multi, e);
	run->r_flight[req->rq_slot] = NULL;
	run->r_inflight--;
	if (rc == CURLE_OK) {
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		emu_stats_latency(run->r_st, now - req->rq_t0);
		snprintf(key, sizeof(key), "%ld", status);
		emu_counts_add(&run->r_st->st_status, key, 1);
	} else {
		curl_easy_getinfo(e, CURLINFO_SIZE_UPLOAD_T, &up);
	}
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
	run->r_idle[run->r_nidle++] = e;
	req->rq_easy = NULL;
	print_event(run, req, rc, status, now - req->rq_t0);
	if (rc != CURLE_OK)
		reply_none(run, req, rc, (size_t)up, now);
	else if (status == 200)
		reply_200(run, req, now);
	else
		reply_error(run, req, status, now);
}

static void
drain_done(struct emu_run *run)
{
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(run->r_multi, &left)) != NULL) {
		struct emu_req *req = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &req);
		req_done(run, req, msg->data.result, emu_now());
	}
}

/* ---- rounds --------------------------------------------------------- */

static void
flush_pending(struct emu_run *run)
{
	int k;

	for (k = 0; k < KR_GEN_NKINDS; k++)
		if (run->r_pending[k] != NULL) {
			q_push(&run->r_ready, run->r_pending[k]);
			run->r_pending[k] = NULL;
		}
}

static int
more_rounds(struct emu_run *run, double now)
{
	if (!run->r_generating)
		return 0;
	if ((run->r_max_rounds > 0 && run->r_round >= run->r_max_rounds) ||
	    (run->r_deadline > 0 && now >= run->r_deadline)) {
		run->r_generating = 0;
		flush_pending(run);
	}
	return run->r_generating;
}

static void
gen_round(struct emu_run *run)
{
	struct emu_stats *st = run->r_st;
	char err[512];
	uint64_t row;
	int have[KR_GEN_NKINDS], k;

	kr_buf_reset(&run->r_warn);
	if (emu_source_round(run->r_src, run->r_round, run->r_vals, have, &row,
	        &run->r_warn, err, sizeof(err)) < 0) {
		fprintf(stderr, "krest-emulate: %s\n", err);
		set_stop(run, 1, err);
		run->r_generating = 0;
		flush_pending(run);
		return;
	}
	if (run->r_warn.len > 0)
		fprintf(stderr, "krest-emulate: %s", run->r_warn.data);
	run->r_round++;
	st->st_rounds++;
	for (k = 0; k < KR_GEN_NKINDS; k++) {
		st->st_generated[k]++;
		if (!have[k]) {
			st->st_missing[k]++;
			continue;
		}
		if (run->r_pending[k] == NULL)
			run->r_pending[k] = req_new((enum kr_gen_kind)k);
		req_add(run->r_pending[k], run->r_vals[k].data,
		    run->r_vals[k].len, row);
		if (run->r_pending[k]->rq_n >= run->r_opts->o_batch) {
			q_push(&run->r_ready, run->r_pending[k]);
			run->r_pending[k] = NULL;
		}
	}
}

static int
busy(const struct emu_run *run)
{
	return run->r_inflight > 0 || run->r_ready.q_len > 0 ||
	       run->r_delayed.q_len > 0;
}

/* Emulation: one round (or one batch of rounds) at a time, sent in
 * order, then a random pause of 0-2 s (times --pause-scale). */
static void
generate_emulation(struct emu_run *run, double now)
{
	if (busy(run))
		return;
	if (run->r_round_busy) {
		run->r_round_busy = 0;
		run->r_next_round = now + 2.0 * run->r_opts->o_pause_scale *
		                              kr_gen_rng_unit(&run->r_rng);
	}
	if (now < run->r_next_round)
		return;
	while (run->r_ready.q_len == 0 && more_rounds(run, now))
		gen_round(run);
	if (run->r_ready.q_len > 0)
		run->r_round_busy = 1;
}

static void
generate_load(struct emu_run *run, double now)
{
	size_t want = 2 * (size_t)run->r_conc + KR_GEN_NKINDS;

	while (run->r_ready.q_len < want && more_rounds(run, now))
		gen_round(run);
}

static void
promote_due(struct emu_run *run, double now)
{
	struct queue keep = {NULL, NULL, 0};
	struct emu_req *req;

	/* Retries go first, ahead of new records. */
	while ((req = q_pop(&run->r_delayed)) != NULL) {
		if (req->rq_due <= now)
			q_push_front(&run->r_ready, req);
		else
			q_push(&keep, req);
	}
	run->r_delayed = keep;
}

static void
start_ready(struct emu_run *run, double now)
{
	double gap = run->r_opts->o_rate > 0 ? 1.0 / run->r_opts->o_rate : 0;

	while (!run->r_abort && run->r_inflight < run->r_conc &&
	       run->r_ready.q_len > 0) {
		if (gap > 0) {
			if (now < run->r_next_send)
				break;
			/* After a stall, do not burst to catch up. */
			if (run->r_next_send < now - 1.0)
				run->r_next_send = now;
			run->r_next_send += gap;
		}
		req_start(run, q_pop(&run->r_ready), now);
	}
}

/* How long the loop may sleep, in ms. */
static int
wait_ms(struct emu_run *run, double now)
{
	double t = 0.1, d;
	struct emu_req *req;

	if (!run->r_opts->o_load && !busy(run) && run->r_next_round > now)
		t = fmin(t, run->r_next_round - now);
	if (run->r_ready.q_len > 0 && run->r_inflight < run->r_conc &&
	    run->r_opts->o_rate > 0)
		t = fmin(t, run->r_next_send - now);
	for (req = run->r_delayed.q_head; req != NULL; req = req->rq_next) {
		d = req->rq_due - now;
		t = fmin(t, d);
	}
	if (run->r_opts->o_load && run->r_inflight < run->r_conc &&
	    run->r_ready.q_len > 0 && run->r_opts->o_rate == 0)
		t = 0;
	return t <= 0 ? 0 : (int)(t * 1000) + 1;
}

/* Abandons the transfers in flight after a second interrupt: their
 * records' fate is unknown, so they count as failed. */
static void
abandon_inflight(struct emu_run *run)
{
	unsigned i;

	for (i = 0; i < run->r_conc; i++) {
		struct emu_req *req = run->r_flight[i];

		if (req == NULL)
			continue;
		curl_multi_remove_handle(run->r_multi, req->rq_easy);
		curl_easy_cleanup(req->rq_easy);
		fail_records(run, req, req->rq_n,
		    "interrupted while waiting for the reply");
		req_free(req);
		run->r_flight[i] = NULL;
	}
	run->r_inflight = 0;
}

static void
handle_interrupts(struct emu_run *run)
{
	if (interrupted == run->r_seen_int)
		return;
	run->r_seen_int = interrupted;
	if (interrupted == 1) {
		set_stop(
		    run, 0, "interrupted; finished the requests in flight");
		run->r_generating = 0;
		flush_pending(run);
		return;
	}
	snprintf(run->r_st->st_stop, sizeof(run->r_st->st_stop),
	    "interrupted twice; requests in flight abandoned");
	abort_sending(run, "interrupted");
	drain_done(run);
	abandon_inflight(run);
}

static int
setup(struct emu_run *run, const struct emu_opts *o)
{
	struct kr_buf b = KR_BUF_INIT;
	size_t i;
	int k;

	run->r_multi = curl_multi_init();
	if (run->r_multi == NULL)
		return -1;
	curl_multi_setopt(
	    run->r_multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)run->r_conc);
	curl_multi_setopt(
	    run->r_multi, CURLMOPT_MAXCONNECTS, (long)run->r_conc);
	run->r_idle = kr_calloc(run->r_conc, sizeof(*run->r_idle));
	run->r_flight = kr_calloc(run->r_conc, sizeof(*run->r_flight));
	run->r_headers = curl_slist_append(
	    NULL, "Content-Type: application/vnd.kafka.json.v2+json");
	/* No "Expect: 100-continue" round trip for bodies over 1 KiB. */
	run->r_headers = curl_slist_append(run->r_headers, "Expect:");
	for (i = 0; i < o->o_nheaders; i++)
		run->r_headers =
		    curl_slist_append(run->r_headers, o->o_headers[i]);
	for (k = 0; k < KR_GEN_NKINDS; k++) {
		kr_buf_reset(&b);
		kr_buf_printf(&b, "%s.%s", o->o_user_id,
		    kr_gen_kind_name((enum kr_gen_kind)k));
		run->r_topic[k] = kr_strdup(b.data);
		kr_buf_reset(&b);
		kr_buf_printf(&b, "%s/topics/%s", o->o_url, run->r_topic[k]);
		run->r_url[k] = kr_strdup(b.data);
	}
	kr_buf_free(&b);
	return 0;
}

static void
teardown(struct emu_run *run)
{
	size_t i;
	int k;

	for (i = 0; i < run->r_nidle; i++)
		curl_easy_cleanup(run->r_idle[i]);
	free(run->r_idle);
	free(run->r_flight);
	curl_slist_free_all(run->r_headers);
	if (run->r_multi != NULL)
		curl_multi_cleanup(run->r_multi);
	for (k = 0; k < KR_GEN_NKINDS; k++) {
		free(run->r_url[k]);
		free(run->r_topic[k]);
		kr_buf_free(&run->r_vals[k]);
		req_free(run->r_pending[k]);
	}
	kr_buf_free(&run->r_warn);
}

static void
progress(struct emu_run *run, double now, int last)
{
	if (!run->r_progress)
		return;
	if (!last && now - run->r_last_progress < 1.0)
		return;
	run->r_last_progress = now;
	emu_stats_progress(run->r_st, stderr, now, run->r_inflight);
	if (last)
		fputc('\n', stderr);
}

/* One turn of the loop: make rounds, start requests, let curl work,
 * handle what completed. */
static void
turn(struct emu_run *run)
{
	double now = emu_now();
	int running, ms;

	handle_interrupts(run);
	if (run->r_opts->o_load)
		generate_load(run, now);
	else
		generate_emulation(run, now);
	promote_due(run, now);
	start_ready(run, now);
	curl_multi_perform(run->r_multi, &running);
	drain_done(run);
	now = emu_now();
	start_ready(run, now);
	ms = wait_ms(run, now);
	if (ms > 0)
		curl_multi_poll(run->r_multi, NULL, 0, ms, NULL);
	progress(run, emu_now(), 0);
}

int
emu_run(const struct emu_opts *o, struct emu_source *src, struct emu_stats *st)
{
	struct emu_run run;
	int rc = -1;

	memset(&run, 0, sizeof(run));
	run.r_opts = o;
	run.r_src = src;
	run.r_st = st;
	run.r_conc = o->o_load ? o->o_concurrency : 1;
	run.r_generating = 1;
	run.r_max_rounds = o->o_count;
	if (o->o_count == 0 && o->o_duration <= 0)
		run.r_max_rounds = emu_source_default_rounds(src);
	if (!o->o_quiet && !o->o_load)
		run.r_events = o->o_json ? stderr : stdout;
	run.r_progress = o->o_progress;
	if (run.r_progress < 0)
		run.r_progress = o->o_load && isatty(STDERR_FILENO);
	kr_gen_rng_seed(&run.r_rng, o->o_seed ^ 0x6B72657374ULL);
	if (setup(&run, o) < 0) {
		fprintf(stderr, "krest-emulate: cannot set up libcurl\n");
		goto done;
	}
	emu_stats_init(st, emu_now());
	st->st_planned = run.r_max_rounds;
	run.r_next_send = st->st_t0;
	if (o->o_duration > 0)
		run.r_deadline = st->st_t0 + o->o_duration;
	while (run.r_generating || busy(&run))
		turn(&run);
	st->st_t1 = emu_now();
	progress(&run, st->st_t1, 1);
	rc = 0;
done:
	teardown(&run);
	return rc;
}
