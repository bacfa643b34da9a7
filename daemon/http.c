/* SPDX-License-Identifier: MIT */
/* libmicrohttpd glue: one daemon per listener, driven by the loop's epoll
 * (MHD_USE_EPOLL). A produce request is suspended once its records are
 * enqueued and resumed by the delivery report of its last record; no
 * thread ever waits for Kafka. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "kr_alloc.h"
#include "kr_outcome.h"
#include "kr_version.h"
#include "kr_status.h"
#include "log.h"
#include "server.h"
#include "tls.h"

#define KR_V2_JSON "application/vnd.kafka.v2+json"

uint64_t
kr_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Copies a client-supplied string for the log, bounded, with control
 * characters replaced so that nobody can forge log lines. */
static char *
kr_http_logstr(const char *s)
{
	size_t i, n;
	char *out;

	if (s == NULL)
		return NULL;
	n = strnlen(s, 256);
	out = kr_strndup(s, n);
	for (i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f ||
		    out[i] == '"')
			out[i] = '?';
	return out;
}

static void
kr_http_client_addr(struct MHD_Connection *conn, char *out, size_t outlen)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(out, outlen, "-");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return;
	sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    out, (socklen_t)outlen);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    out, (socklen_t)outlen);
}

static void kr_req_fail_all(struct kr_req *req, enum kr_rec_class cls);

/* ---- waiting list (deadline order) ------------------------------------ */

static void
kr_wait_insert(struct kr_server *srv, struct kr_req *req)
{
	struct kr_req *after = srv->srv_wait_tail;

	/* Deadlines are nearly always increasing: walk from the tail. */
	while (after != NULL && after->req_deadline_us > req->req_deadline_us)
		after = after->req_prev;
	req->req_prev = after;
	req->req_next = after != NULL ? after->req_next : srv->srv_wait_head;
	if (req->req_next != NULL)
		req->req_next->req_prev = req;
	else
		srv->srv_wait_tail = req;
	if (after != NULL)
		after->req_next = req;
	else
		srv->srv_wait_head = req;
}

static void
kr_wait_remove(struct kr_server *srv, struct kr_req *req)
{
	if (req->req_prev != NULL)
		req->req_prev->req_next = req->req_next;
	else if (srv->srv_wait_head == req)
		srv->srv_wait_head = req->req_next;
	else
		return; /* not on the list */
	if (req->req_next != NULL)
		req->req_next->req_prev = req->req_prev;
	else
		srv->srv_wait_tail = req->req_prev;
	req->req_next = req->req_prev = NULL;
}

/* ---- connections and their header deadline ----------------------------- */

static void
kr_conn_unlist(struct kr_server *srv, struct kr_conn *kc)
{
	if (!kc->kc_listed)
		return;
	if (kc->kc_prev != NULL)
		kc->kc_prev->kc_next = kc->kc_next;
	else
		srv->srv_conn_head = kc->kc_next;
	if (kc->kc_next != NULL)
		kc->kc_next->kc_prev = kc->kc_prev;
	else
		srv->srv_conn_tail = kc->kc_prev;
	kc->kc_next = kc->kc_prev = NULL;
	kc->kc_listed = 0;
}

/* Starts the wait for the next request head (deadlines only grow, so the
 * list stays in order by appending). */
static void
kr_conn_list(struct kr_server *srv, struct kr_conn *kc)
{
	kr_conn_unlist(srv, kc);
	kc->kc_deadline_us =
	    kr_now_us() +
	    (uint64_t)srv->srv_conf->conf_header_timeout_ms * 1000u;
	kc->kc_prev = srv->srv_conn_tail;
	if (srv->srv_conn_tail != NULL)
		srv->srv_conn_tail->kc_next = kc;
	else
		srv->srv_conn_head = kc;
	srv->srv_conn_tail = kc;
	kc->kc_listed = 1;
}

static struct kr_conn *
kr_conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci != NULL ? ci->socket_context : NULL;
}

static void
kr_http_connection(void *cls, struct MHD_Connection *conn,
    void **socket_context, enum MHD_ConnectionNotificationCode code)
{
	struct kr_server *srv = cls;
	struct kr_conn *kc = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		kc = kr_calloc(1, sizeof(*kc));
		kc->kc_conn = conn;
		*socket_context = kc;
		srv->srv_nconns++;
		kr_conn_list(srv, kc);
		return;
	}
	if (kc == NULL)
		return;
	kr_conn_unlist(srv, kc);
	srv->srv_nconns--;
	free(kc);
	*socket_context = NULL;
}

/* Shuts down connections that have not sent a request head in time;
 * libmicrohttpd sees the end of the stream and closes them. */
static void
kr_conn_expire(struct kr_server *srv, uint64_t now_us)
{
	const union MHD_ConnectionInfo *ci;
	struct kr_conn *kc;

	while (
	    (kc = srv->srv_conn_head) != NULL && kc->kc_deadline_us <= now_us) {
		kr_conn_unlist(srv, kc);
		ci = MHD_get_connection_info(
		    kc->kc_conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci != NULL)
			shutdown(ci->connect_fd, SHUT_RDWR);
		log_debug("closing a connection that sent no request head in "
		          "%d ms (request.header.timeout.ms)",
		    srv->srv_conf->conf_header_timeout_ms);
	}
}

/* ---- request lifetime --------------------------------------------------- */

/* max.inflight.bytes accounting: a request holds its buffered body, then
 * its encoded records until the last delivery report. */
static void
kr_req_hold(struct kr_req *req, size_t n)
{
	req->req_srv->srv_inflight_bytes += n;
	req->req_held += n;
}

static void
kr_req_release(struct kr_req *req)
{
	req->req_srv->srv_inflight_bytes -= req->req_held;
	req->req_held = 0;
}

/* Returns 1 if n more bytes would pass max.inflight.bytes. One request
 * alone is always let through, whatever its size. */
static int
kr_req_over_cap(const struct kr_req *req, size_t n)
{
	const struct kr_server *srv = req->req_srv;
	size_t others = srv->srv_inflight_bytes - req->req_held;

	return others > 0 && srv->srv_inflight_bytes + n >
	                         srv->srv_conf->conf_max_inflight_bytes;
}

static void
kr_req_free(struct kr_req *req)
{
	kr_req_release(req);
	kr_buf_free(&req->req_body);
	kr_buf_free(&req->req_resp);
	kr_buf_free(&req->req_hdrs);
	kr_produce_free(&req->req_produce);
	free(req->req_slots);
	free(req->req_path);
	free(req->req_xff);
	free(req->req_trace);
	free(req);
}

/* Prepares an answer with the Confluent error body of err. 406 has no
 * body at all, as Jersey sends it. */
static void
kr_req_error(struct kr_req *req, const struct kr_err *err)
{
	const struct kr_status_info *si = kr_status_info(err->err_status);
	const char *accept;

	req->req_status = si->si_http;
	kr_buf_reset(&req->req_resp);
	req->req_state = KR_REQ_ANSWERED;
	if (err->err_status == KR_E_NOT_ACCEPTABLE) {
		req->req_ctype = NULL;
		return;
	}
	if (err->err_status == KR_E_MEDIA_TYPE) {
		accept = MHD_lookup_connection_value(
		    req->req_conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
		req->req_ctype = kr_media_415_type(accept);
	} else {
		req->req_ctype = KR_V2_JSON;
	}
	kr_status_body(&req->req_resp, si->si_code,
	    err->err_msg[0] != '\0' ? err->err_msg : si->si_message);
	if (err->err_status == KR_E_TOO_MANY ||
	    err->err_status == KR_E_UNAVAILABLE)
		req->req_retry_after = 1;
}

/* Checks what can be checked from the request line and headers, in
 * Jersey's order: 404, 405, 415, 406, then the size limit. */
static void
kr_req_begin(struct kr_req *req, const char *url, const char *method)
{
	struct kr_server *srv = req->req_srv;
	struct MHD_Connection *conn = req->req_conn;
	const char *ctype, *accept, *clen, *te;
	struct kr_err *err = &req->req_err;

	snprintf(req->req_method, sizeof(req->req_method), "%s", method);
	req->req_path = kr_http_logstr(url);
	req->req_xff = kr_http_logstr(MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, "X-Forwarded-For"));
	req->req_trace = kr_http_logstr(MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, "X-Amzn-Trace-Id"));
	kr_http_client_addr(conn, req->req_client, sizeof(req->req_client));
	req->req_max_body = srv->srv_conf->conf_max_request_bytes;
	if (srv->srv_draining) {
		kr_err_set(err, KR_E_UNAVAILABLE,
		    "krestd is shutting down; retry on another instance");
		req->req_close = 1;
		return;
	}
	if (kr_access_check(req, method, url) != 0)
		return;
	if (kr_route_match(method, url, &req->req_route, err) != 0)
		return;
	if (req->req_metrics_only && req->req_route.rt_id < KR_ROUTE_HEALTHZ) {
		req->req_route.rt_id = KR_ROUTE_NONE;
		kr_err_set(err, KR_E_NOT_FOUND, NULL);
		return;
	}
	if (req->req_route.rt_id >= KR_ROUTE_PRODUCE &&
	    req->req_route.rt_id <= KR_ROUTE_PRODUCE_PARTITION &&
	    kr_access_topic(req) != 0)
		return;
	ctype = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	accept = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	if (req->req_route.rt_id >= KR_ROUTE_HEALTHZ)
		return; /* operational paths: any Accept, no body */
	if (req->req_route.rt_id != KR_ROUTE_ROOT &&
	    kr_media_produce_format(ctype, &req->req_fmt, err) != 0)
		return;
	if (!kr_media_accept_ok(accept)) {
		kr_err_set(err, KR_E_NOT_ACCEPTABLE, NULL);
		return;
	}
	/* libmicrohttpd understands only chunked; with another coding it
	 * would wait for a body it cannot delimit (RFC 9112 6.1: 501). */
	te = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	if (te != NULL && strcasecmp(te, "chunked") != 0) {
		kr_err_set(err, KR_E_NOT_IMPLEMENTED,
		    "Transfer-Encoding %.64s is not supported; use chunked",
		    te);
		req->req_close = 1;
		return;
	}
	clen = MHD_lookup_connection_value(
	    conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL && strtoull(clen, NULL, 10) > req->req_max_body) {
		kr_err_set(err, KR_E_TOO_LARGE,
		    "Request body is larger than max.request.bytes (%zu)",
		    req->req_max_body);
		req->req_close = 1;
	}
}

/* Takes a piece of the body. Past the limit the rest is read and
 * discarded, and the 413 goes out when the body ends: libmicrohttpd
 * 0.9.75 refuses a response queued in the middle of an upload. Returns
 * -1 when the client keeps sending far beyond the limit: the connection
 * is then closed without an answer. */
static int
kr_req_body(struct kr_req *req, const char *data, size_t len)
{
	req->req_body_seen += len;
	if (req->req_body_seen / 2 > req->req_max_body + (1u << 20))
		return -1;
	/* A body trickled past request.body.timeout.ms is cut off. */
	if (kr_now_us() - req->req_start_us >
	    (uint64_t)req->req_srv->srv_conf->conf_body_timeout_ms * 1000u) {
		log_debug("closing a connection whose body took longer than "
		          "request.body.timeout.ms");
		return -1;
	}
	if (req->req_err.err_status != KR_OK)
		return 0; /* read and discarded, to keep the connection */
	if (req->req_body_seen > req->req_max_body) {
		kr_err_set(&req->req_err, KR_E_TOO_LARGE,
		    "Request body is larger than max.request.bytes (%zu)",
		    req->req_max_body);
		req->req_close = 1;
		kr_buf_free(&req->req_body);
		kr_req_release(req);
		return 0;
	}
	if (kr_req_over_cap(req, len)) {
		/* The rest of the body is read and dropped; the 429 goes out
		 * when it ends (MHD cannot answer in mid-upload). */
		kr_err_set(&req->req_err, KR_E_TOO_MANY,
		    "Too much data in flight (max.inflight.bytes); retry "
		    "later");
		kr_buf_free(&req->req_body);
		kr_req_release(req);
		return 0;
	}
	kr_req_hold(req, len);
	kr_buf_append(&req->req_body, data, len);
	return 0;
}

/* process_resident_memory_bytes, from /proc/self/statm. */
static void
kr_req_metrics_rss(struct kr_buf *out)
{
	unsigned long pages_total, pages_rss;
	FILE *f = fopen("/proc/self/statm", "re");
	int n;

	if (f == NULL)
		return;
	n = fscanf(f, "%lu %lu", &pages_total, &pages_rss);
	fclose(f);
	if (n != 2)
		return;
	kr_buf_printf(out,
	    "# HELP process_resident_memory_bytes Resident memory size in "
	    "bytes.\n"
	    "# TYPE process_resident_memory_bytes gauge\n"
	    "process_resident_memory_bytes %lu\n",
	    pages_rss * (unsigned long)sysconf(_SC_PAGESIZE));
}

/* GET /metrics: the registry's counters, then the gauges. */
static void
kr_req_metrics(struct kr_req *req)
{
	struct kr_server *srv = req->req_srv;
	struct kr_buf *out = &req->req_resp;

	kr_buf_printf(out,
	    "# HELP krest_build_info krest's version and its libraries.\n"
	    "# TYPE krest_build_info gauge\n"
	    "krest_build_info{version=\"%s\",librdkafka=\"%s\","
	    "libmicrohttpd=\"%s\"} 1\n",
	    KR_VERSION, rd_kafka_version_str(), MHD_get_version());
	kr_metrics_render(srv->srv_metrics, out);
	kr_buf_printf(out,
	    "# HELP krest_http_requests_in_flight Requests received and not "
	    "yet answered.\n"
	    "# TYPE krest_http_requests_in_flight gauge\n"
	    "krest_http_requests_in_flight %zu\n",
	    srv->srv_nreqs - 1);
	kr_buf_printf(out,
	    "# HELP krest_inflight_bytes Request bytes buffered or awaiting "
	    "delivery reports (capped by max.inflight.bytes).\n"
	    "# TYPE krest_inflight_bytes gauge\n"
	    "krest_inflight_bytes %zu\n",
	    srv->srv_inflight_bytes);
	kr_req_metrics_rss(out);
	kr_kafka_metrics(srv, out);
	req->req_ctype = "text/plain; version=0.0.4; charset=utf-8";
	req->req_status = 200;
}

/* GET /healthz, /readyz, /metrics. */
static void
kr_req_ops(struct kr_req *req)
{
	char reason[384];

	req->req_state = KR_REQ_ANSWERED;
	req->req_ctype = "application/json";
	req->req_status = 200;
	switch (req->req_route.rt_id) {
	case KR_ROUTE_HEALTHZ:
		/* Answered by the loop itself: if this is sent, it turns. */
		kr_buf_puts(&req->req_resp, "{\"status\":\"ok\"}");
		break;
	case KR_ROUTE_READYZ:
		if (kr_kafka_ready(req->req_srv, reason, sizeof(reason))) {
			kr_buf_puts(&req->req_resp, "{\"status\":\"ready\"}");
			break;
		}
		req->req_status = 503;
		kr_buf_puts(
		    &req->req_resp, "{\"status\":\"not ready\",\"reason\":");
		kr_buf_json_str(&req->req_resp, reason, strlen(reason));
		kr_buf_putc(&req->req_resp, '}');
		break;
	default:
		kr_req_metrics(req);
		break;
	}
}

/* The whole body is in: decode it and hand the records to Kafka. */
static void
kr_req_dispatch(struct kr_req *req)
{
	struct kr_server *srv = req->req_srv;
	struct kr_err err;

	if (req->req_err.err_status != KR_OK) {
		kr_req_error(req, &req->req_err);
		return;
	}
	if (req->req_route.rt_id >= KR_ROUTE_HEALTHZ) {
		kr_req_ops(req);
		return;
	}
	if (req->req_route.rt_id == KR_ROUTE_ROOT) {
		/* GET / answers {} (a liveness check, as in Confluent). */
		req->req_status = 200;
		req->req_ctype = KR_V2_JSON;
		kr_buf_puts(&req->req_resp, "{}");
		req->req_state = KR_REQ_ANSWERED;
		return;
	}
	kr_err_clear(&err);
	if (kr_envelope_decode(
	        req->req_body.data != NULL ? req->req_body.data : "",
	        req->req_body.len, req->req_fmt, req->req_route.rt_partition,
	        &req->req_produce, &err) != 0) {
		kr_req_error(req, &err);
		return;
	}
	kr_buf_free(&req->req_body);
	kr_req_release(req);
	if (kr_req_over_cap(req, req->req_produce.pr_data.len)) {
		kr_err_set(&err, KR_E_TOO_MANY,
		    "Too much data in flight (max.inflight.bytes); retry "
		    "later");
		kr_req_error(req, &err);
		return;
	}
	if (srv->srv_auth_error[0] != '\0' && !kr_kafka_any_broker_up(srv)) {
		/* Kafka refuses our credentials: say so now with the
		 * broker's reason, rather than after produce.timeout.ms. */
		kr_req_fail_all(req, KR_REC_AUTHN);
		return;
	}
	kr_req_hold(req, req->req_produce.pr_data.len);
	req->req_deadline_us =
	    req->req_start_us +
	    (uint64_t)srv->srv_conf->conf_produce_timeout_ms * 1000u;
	kr_kafka_produce(srv, req);
	if (req->req_outstanding == 0 && req->req_nslots > 0 &&
	    req->req_slots[0].sl_err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		/* Nothing was enqueued: say so at once, never wait. */
		kr_err_set(&err, KR_E_TOO_MANY,
		    "The producer queue is full; retry later");
		kr_req_error(req, &err);
		return;
	}
	if (req->req_outstanding == 0) {
		kr_req_finish(req);
		return;
	}
	req->req_state = KR_REQ_WAITING;
	kr_wait_insert(srv, req);
	MHD_suspend_connection(req->req_conn);
	req->req_suspended = 1;
}

/* Answers every record of req as failed with cls, producing nothing. */
static void
kr_req_fail_all(struct kr_req *req, enum kr_rec_class cls)
{
	size_t i, n = req->req_produce.pr_count;

	req->req_nslots = n;
	req->req_slots = kr_calloc(n, sizeof(*req->req_slots));
	for (i = 0; i < n; i++) {
		req->req_slots[i].sl_req = req;
		req->req_slots[i].sl_cls = cls;
		req->req_slots[i].sl_err = RD_KAFKA_RESP_ERR__AUTHENTICATION;
	}
	kr_req_finish(req);
}

/* The message of a failed record for the ProduceResponse. */
static const char *
kr_req_slot_msg(
    struct kr_req *req, const struct kr_slot *sl, char *buf, size_t buflen)
{
	const struct kr_conf *conf = req->req_srv->srv_conf;

	if (sl->sl_cls == KR_REC_PENDING) {
		snprintf(buf, buflen,
		    "Record not acknowledged by Kafka within %d ms "
		    "(produce.timeout.ms); it may still be delivered",
		    conf->conf_produce_timeout_ms);
		return buf;
	}
	if (sl->sl_cls == KR_REC_NO_TOPIC && conf->conf_confluent_status) {
		/* Confluent's wording; buf always fits a 249-byte topic. */
		if (snprintf(buf, buflen,
		        "Topic %s not present in metadata after %d ms.",
		        req->req_route.rt_topic,
		        conf->conf_unknown_topic_ms) < 0)
			buf[0] = '\0';
		return buf;
	}
	if (sl->sl_cls == KR_REC_UNKNOWN) {
		if (snprintf(buf, buflen,
		        "Delivery uncertain (%s): the record may have been "
		        "stored, so retrying could store it twice",
		        rd_kafka_err2str(sl->sl_err)) < 0)
			buf[0] = '\0';
		return buf;
	}
	if (sl->sl_cls == KR_REC_AUTHN &&
	    req->req_srv->srv_auth_error[0] != '\0') {
		if (snprintf(buf, buflen, "Kafka authentication failed: %s",
		        req->req_srv->srv_auth_error) < 0)
			buf[0] = '\0';
		return buf;
	}
	return rd_kafka_err2str(sl->sl_err);
}

/* Adds the outcome of a produce request to the metrics. */
static void
kr_req_count(struct kr_req *req, const struct kr_offset *offs)
{
	const struct kr_produce *pr = &req->req_produce;
	uint64_t ok = 0, bytes = 0, failed = 0;
	int code = 0;
	size_t i;

	for (i = 0; i < req->req_nslots; i++) {
		if (req->req_slots[i].sl_cls == KR_REC_OK) {
			ok++;
			bytes += pr->pr_records[i].rec_key_len +
			         pr->pr_records[i].rec_value_len;
		} else {
			failed++;
			if (code == 0)
				code = offs[i].off_error_code;
		}
	}
	kr_metrics_produce(req->req_srv->srv_metrics, req->req_route.rt_topic,
	    ok, bytes, failed, code,
	    (double)(kr_now_us() - req->req_start_us) / 1e6);
}

void
kr_req_finish(struct kr_req *req)
{
	struct kr_server *srv = req->req_srv;
	const struct kr_conf *conf = srv->srv_conf;
	enum kr_rec_class *cls;
	struct kr_offset *offs;
	struct kr_verdict vd;
	char(*msgs)[256];
	size_t i, n = req->req_nslots;

	cls = kr_calloc(n, sizeof(*cls));
	offs = kr_calloc(n, sizeof(*offs));
	msgs = NULL; /* room for error messages, only when a record failed */
	for (i = 0; i < n; i++) {
		const struct kr_slot *sl = &req->req_slots[i];

		cls[i] = sl->sl_cls;
		if (sl->sl_cls == KR_REC_OK) {
			offs[i].off_partition = sl->sl_partition;
			offs[i].off_offset = sl->sl_offset;
			continue;
		}
		offs[i].off_error_code = kr_rec_error_code(sl->sl_cls);
		if (conf->conf_confluent_status &&
		    (sl->sl_cls == KR_REC_NO_TOPIC ||
		        sl->sl_cls == KR_REC_NO_PARTITION))
			offs[i].off_error_code =
			    sl->sl_cls == KR_REC_NO_TOPIC ? 50003 : 50002;
		if (msgs == NULL)
			msgs = kr_calloc(n, sizeof(*msgs));
		offs[i].off_error =
		    kr_req_slot_msg(req, sl, msgs[i], sizeof(msgs[i]));
	}
	kr_outcome_verdict(cls, n, conf->conf_confluent_status, &vd);
	kr_req_count(req, offs);
	kr_buf_reset(&req->req_resp);
	req->req_status = vd.vd_http;
	req->req_retry_after = vd.vd_retry_after;
	req->req_ctype = KR_V2_JSON;
	if (vd.vd_error_body && vd.vd_cls == KR_REC_NO_TOPIC)
		kr_buf_printf(&req->req_resp,
		    "{\"error_code\":40401,\"message\":\"Topic %s not "
		    "found.\"}",
		    req->req_route.rt_topic);
	else if (vd.vd_error_body)
		kr_status_body(
		    &req->req_resp, vd.vd_error_code, "Partition not found.");
	else
		kr_envelope_encode_offsets(&req->req_resp, offs, n);
	free(cls);
	free(offs);
	free(msgs);
	kr_wait_remove(srv, req);
	req->req_state = KR_REQ_ANSWERED;
	if (req->req_suspended) {
		req->req_suspended = 0;
		MHD_resume_connection(req->req_conn);
	}
}

void
kr_req_record_done(struct kr_req *req)
{
	req->req_outstanding--;
	if (req->req_outstanding > 0)
		return;
	kr_req_release(req);
	if (req->req_completed) {
		/* The client is gone; this was the last reference. */
		req->req_srv->srv_norphans--;
		kr_req_free(req);
		return;
	}
	if (req->req_state == KR_REQ_WAITING)
		kr_req_finish(req);
}

void
kr_http_expire(struct kr_server *srv, uint64_t now_us)
{
	kr_conn_expire(srv, now_us);
	while (srv->srv_wait_head != NULL &&
	       srv->srv_wait_head->req_deadline_us <= now_us) {
		struct kr_req *req = srv->srv_wait_head;

		log_warnx("request %s %s: %zu records not acknowledged within "
		          "%d ms; answering 503",
		    req->req_method, req->req_path, req->req_outstanding,
		    srv->srv_conf->conf_produce_timeout_ms);
		kr_req_finish(req);
	}
}

/* Queues the prepared answer. */
static enum MHD_Result
kr_req_respond(struct kr_req *req)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	size_t len = req->req_resp.len;
	const char *h = req->req_hdrs.data, *end = h;
	char retry[16];

	resp = MHD_create_response_from_buffer(len,
	    len > 0 ? kr_buf_detach(&req->req_resp) : (void *)(uintptr_t) "",
	    len > 0 ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	if (req->req_ctype != NULL)
		MHD_add_response_header(
		    resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->req_ctype);
	if (req->req_retry_after > 0) {
		snprintf(retry, sizeof(retry), "%d", req->req_retry_after);
		MHD_add_response_header(
		    resp, MHD_HTTP_HEADER_RETRY_AFTER, retry);
	}
	if (req->req_close)
		MHD_add_response_header(
		    resp, MHD_HTTP_HEADER_CONNECTION, "close");
	if (h != NULL)
		end = h + req->req_hdrs.len;
	for (; h != NULL && h < end; h += strlen(h) + 1, h += strlen(h) + 1)
		MHD_add_response_header(resp, h, h + strlen(h) + 1);
	ret =
	    MHD_queue_response(req->req_conn, (unsigned)req->req_status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
kr_http_access(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **req_cls)
{
	struct kr_listen *li = cls;
	struct kr_server *srv = li->li_srv;
	struct kr_req *req = *req_cls;
	struct kr_conn *kc;

	(void)version;
	if (req == NULL) {
		req = kr_calloc(1, sizeof(*req));
		req->req_srv = srv;
		req->req_conn = conn;
		req->req_start_us = kr_now_us();
		req->req_status = 0;
		kr_produce_init(&req->req_produce);
		req->req_metrics_only = li->li_metrics_only;
		*req_cls = req;
		if ((kc = kr_conn_of(conn)) != NULL)
			kr_conn_unlist(srv, kc);
		srv->srv_nreqs++;
		kr_req_begin(req, url, method);
		/* Too large by Content-Length, or a body that cannot be
		 * delimited: answer before reading. */
		if (req->req_err.err_status == KR_E_TOO_LARGE ||
		    req->req_err.err_status == KR_E_NOT_IMPLEMENTED) {
			kr_req_error(req, &req->req_err);
			return kr_req_respond(req);
		}
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (kr_req_body(req, upload_data, *upload_data_size) != 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (req->req_state == KR_REQ_READING)
		kr_req_dispatch(req);
	if (req->req_state == KR_REQ_ANSWERED)
		return kr_req_respond(req);
	return MHD_YES;
}

static enum kr_mroute
kr_req_mroute(const struct kr_req *req)
{
	switch (req->req_route.rt_id) {
	case KR_ROUTE_ROOT:
		return KR_MROUTE_ROOT;
	case KR_ROUTE_PRODUCE:
		return KR_MROUTE_PRODUCE;
	case KR_ROUTE_PRODUCE_PARTITION:
		return KR_MROUTE_PRODUCE_PARTITION;
	case KR_ROUTE_HEALTHZ:
		return KR_MROUTE_HEALTHZ;
	case KR_ROUTE_READYZ:
		return KR_MROUTE_READYZ;
	case KR_ROUTE_METRICS:
		return KR_MROUTE_METRICS;
	case KR_ROUTE_NONE:
		break;
	}
	return KR_MROUTE_UNKNOWN;
}

/* MHD is done with a request: log it and free it, unless records are
 * still in flight (then the last delivery report frees it). */
static void
kr_http_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct kr_server *srv = cls;
	struct kr_req *req = *req_cls;
	struct log_access la;
	struct kr_conn *kc;

	if (req == NULL)
		return;
	*req_cls = NULL;
	memset(&la, 0, sizeof(la));
	la.la_client = req->req_client;
	la.la_xff = req->req_xff;
	la.la_trace = req->req_trace;
	la.la_method = req->req_method;
	la.la_path = req->req_path != NULL ? req->req_path : "-";
	/* 499: the client went away before its answer was sent. */
	la.la_status =
	    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? req->req_status : 499;
	la.la_records = (unsigned long)req->req_produce.pr_count;
	la.la_bytes = (unsigned long)req->req_body_seen;
	la.la_us = kr_now_us() - req->req_start_us;
	/* Probes of /healthz, /readyz and /metrics are not worth a line
	 * each, except with -v. */
	if (req->req_route.rt_id < KR_ROUTE_HEALTHZ || log_verbose())
		log_access(&la);
	kr_metrics_http(srv->srv_metrics, kr_req_mroute(req), la.la_status);
	srv->srv_nreqs--;
	kr_wait_remove(srv, req);
	/* Kept alive: the next request head has its own deadline. */
	if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK &&
	    (kc = kr_conn_of(conn)) != NULL)
		kr_conn_list(srv, kc);
	req->req_completed = 1;
	if (req->req_outstanding > 0) {
		srv->srv_norphans++;
		return;
	}
	kr_req_free(req);
}

static void
kr_http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	log_vemit(KR_LOG_DEBUG, fmt, ap);
}

/* Resolves a listener's host and port into addr. */
static int
kr_http_addr(const struct kr_listener *ls, struct sockaddr_storage *addr,
    char *errstr, size_t errlen)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", ls->ls_port);
	rc = getaddrinfo(
	    ls->ls_host[0] != '\0' ? ls->ls_host : NULL, port, &hints, &res);
	if (rc != 0) {
		snprintf(errstr, errlen, "listener %s://%s:%u: %s",
		    ls->ls_scheme, ls->ls_host, ls->ls_port, gai_strerror(rc));
		return -1;
	}
	memset(addr, 0, sizeof(*addr));
	memcpy(addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* Starts the libmicrohttpd daemon of listener i and adds it to the loop. */
static int
kr_http_listen(struct kr_server *srv, size_t i, char *errstr, size_t errlen)
{
	const struct kr_conf *conf = srv->srv_conf;
	const struct kr_listener *ls = &conf->conf_listeners[i];
	struct MHD_OptionItem tlsopt[4];
	const union MHD_DaemonInfo *di;
	struct sockaddr_storage addr;
	struct epoll_event ev;
	unsigned int flags;
	size_t n = 0;

	if (kr_http_addr(ls, &addr, errstr, errlen) != 0)
		return -1;
	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (strcmp(ls->ls_scheme, "https") == 0) {
		flags |= MHD_USE_TLS;
		tlsopt[n++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_MEM_KEY, 0, srv->srv_tls.tls_key};
		tlsopt[n++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_MEM_CERT, 0, srv->srv_tls.tls_cert};
		if (srv->srv_tls.tls_pass != NULL)
			tlsopt[n++] = (struct MHD_OptionItem){
			    MHD_OPTION_HTTPS_KEY_PASSWORD, 0,
			    srv->srv_tls.tls_pass};
	}
	tlsopt[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	srv->srv_listen[i].li_srv = srv;
	srv->srv_listen[i].li_metrics_only = ls->ls_metrics_only;
	srv->srv_mhd[i] = MHD_start_daemon(flags, ls->ls_port, NULL, NULL,
	    kr_http_access, &srv->srv_listen[i], MHD_OPTION_EXTERNAL_LOGGER,
	    kr_http_mhd_log, srv, MHD_OPTION_SOCK_ADDR, &addr,
	    MHD_OPTION_NOTIFY_COMPLETED, kr_http_completed, srv,
	    MHD_OPTION_NOTIFY_CONNECTION, kr_http_connection, srv,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)conf->conf_max_connections_per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned int)(conf->conf_idle_timeout_ms + 999) / 1000,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned int)conf->conf_max_connections,
	    /* MHD 0.9.75 zeroes the whole pool for every request, so it is
	     * sized from the header limit (Confluent's
	     * max.request.header.size) plus room for MHD's own use. */
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)conf->conf_max_header_bytes + 2048,
	    MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
	    MHD_OPTION_ARRAY, tlsopt, MHD_OPTION_END);
	if (srv->srv_mhd[i] == NULL) {
		snprintf(errstr, errlen,
		    "cannot listen on %s://%s:%u (address in use, not allowed, "
		    "or a bad certificate)",
		    ls->ls_scheme, ls->ls_host, ls->ls_port);
		return -1;
	}
	srv->srv_nmhd = i + 1;
	di = MHD_get_daemon_info(srv->srv_mhd[i], MHD_DAEMON_INFO_EPOLL_FD);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = 2 + i;
	if (di == NULL ||
	    epoll_ctl(srv->srv_epfd, EPOLL_CTL_ADD, di->epoll_fd, &ev) != 0) {
		snprintf(errstr, errlen, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	log_info("listening on %s://%s:%u%s", ls->ls_scheme, ls->ls_host,
	    ls->ls_port, ls->ls_metrics_only ? " (metrics only)" : "");
	return 0;
}

int
kr_http_start(struct kr_server *srv, char *errstr, size_t errlen)
{
	const struct kr_conf *conf = srv->srv_conf;
	size_t i;

	for (i = 0; i < conf->conf_nlisteners; i++)
		if (strcmp(conf->conf_listeners[i].ls_scheme, "https") == 0 &&
		    srv->srv_tls.tls_cert == NULL &&
		    kr_tls_load(conf, &srv->srv_tls, errstr, errlen) != 0)
			return -1;
	srv->srv_mhd = kr_calloc(conf->conf_nlisteners, sizeof(*srv->srv_mhd));
	srv->srv_listen =
	    kr_calloc(conf->conf_nlisteners, sizeof(*srv->srv_listen));
	for (i = 0; i < conf->conf_nlisteners; i++)
		if (kr_http_listen(srv, i, errstr, errlen) != 0)
			return -1;
	return 0;
}

void
kr_http_run(struct kr_server *srv)
{
	size_t i;

	for (i = 0; i < srv->srv_nmhd; i++)
		MHD_run(srv->srv_mhd[i]);
}

int
kr_http_timeout_ms(struct kr_server *srv)
{
	MHD_UNSIGNED_LONG_LONG t;
	int best = 1000;
	size_t i;

	/* MHD_get_timeout_i() does not exist in 0.9.75: clamp by hand. */
	for (i = 0; i < srv->srv_nmhd; i++)
		if (MHD_get_timeout(srv->srv_mhd[i], &t) == MHD_YES &&
		    t < (MHD_UNSIGNED_LONG_LONG)best)
			best = (int)t;
	return best;
}

void
kr_http_quiesce(struct kr_server *srv)
{
	size_t i;

	for (i = 0; i < srv->srv_nmhd; i++) {
		MHD_socket fd = MHD_quiesce_daemon(srv->srv_mhd[i]);

		/* The caller owns the returned listen socket. */
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
}

void
kr_http_stop(struct kr_server *srv)
{
	size_t i;

	/* MHD must not be stopped with suspended connections. */
	while (srv->srv_wait_head != NULL)
		kr_req_finish(srv->srv_wait_head);
	kr_http_run(srv);

	for (i = 0; i < srv->srv_nmhd; i++)
		MHD_stop_daemon(srv->srv_mhd[i]);
	free(srv->srv_mhd);
	free(srv->srv_listen);
	srv->srv_mhd = NULL;
	srv->srv_listen = NULL;
	srv->srv_nmhd = 0;
	kr_tls_free(&srv->srv_tls);
}
