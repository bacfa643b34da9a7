/* SPDX-License-Identifier: MIT */
/* The daemon's state: configuration, the producer, the HTTP listeners,
 * the event loop's descriptors and the requests waiting for Kafka. Every
 * function declared here runs on the loop thread unless it says so. */
#ifndef KR_SERVER_H
#define KR_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <librdkafka/rdkafka.h>
#include <microhttpd.h>

#include "kr_buf.h"
#include "kr_conf.h"
#include "kr_envelope.h"
#include "kr_metrics.h"
#include "kr_outcome.h"
#include "kr_route.h"
#include "tls.h"

struct kr_req;
struct kr_aws_ctx;
struct kr_access;

/* One record's slot: what the delivery report fills in. A pointer to the
 * slot is the message's opaque. */
struct kr_slot {
	struct kr_req *sl_req;      /* the request the record belongs to */
	enum kr_rec_class sl_cls;   /* outcome so far */
	int32_t sl_partition;       /* with KR_REC_OK */
	int64_t sl_offset;          /* with KR_REC_OK */
	rd_kafka_resp_err_t sl_err; /* librdkafka error, when failed */
};

enum kr_req_state {
	KR_REQ_READING = 0, /* headers seen, body arriving */
	KR_REQ_WAITING,     /* records enqueued, connection suspended */
	KR_REQ_ANSWERED     /* response ready (or queued) */
};

/* All state of one HTTP request (STYLE.md point 8). Allocated on the first
 * access-handler call; freed on MHD's completion notice, or later by the
 * last delivery report when records were still in flight then. */
struct kr_req {
	struct kr_server *req_srv;
	struct MHD_Connection *req_conn;
	enum kr_req_state req_state;
	struct kr_route req_route;
	enum kr_format req_fmt;
	struct kr_err req_err;  /* an error found before the body ended */
	int req_close;          /* answer with Connection: close */
	int req_metrics_only;   /* arrived on a metrics.listeners socket */
	struct kr_buf req_body; /* the request body */
	size_t req_body_seen;   /* bytes received (also when discarded) */
	size_t req_max_body;    /* max.request.bytes at arrival */
	size_t req_held;        /* bytes counted in srv_inflight_bytes */
	struct kr_produce req_produce; /* decoded records */
	struct kr_slot *req_slots;     /* one per record */
	size_t req_nslots;
	size_t req_outstanding;   /* records without a delivery report */
	int req_completed;        /* MHD is done with the connection */
	int req_suspended;        /* MHD_suspend_connection() in effect */
	uint64_t req_start_us;    /* monotonic arrival time */
	uint64_t req_deadline_us; /* answer by then (produce.timeout.ms) */
	struct kr_req *req_next;  /* waiting list, in deadline order */
	struct kr_req *req_prev;
	/* The prepared answer. */
	int req_status;
	struct kr_buf req_resp;
	const char *req_ctype;  /* Content-Type, or NULL for no body */
	int req_retry_after;    /* seconds; 0: no Retry-After */
	struct kr_buf req_hdrs; /* extra headers: name\0value\0... */
	/* For the access log. */
	char req_client[64];
	char req_method[16];
	char *req_path;
	char *req_xff;
	char *req_trace;
};

/* A cached topic handle: rd_kafka_topic_new() asks for the topic's
 * metadata at once, where producing by name waits for librdkafka's
 * one-second topic scan, and it saves a lookup per record. */
struct kr_topic_slot {
	char *ts_name; /* NULL: free */
	rd_kafka_topic_t *ts_rkt;
};

/* One broker as the last librdkafka statistics saw it. */
struct kr_broker_stat {
	char bs_name[128]; /* "host:port/id" */
	int bs_up;         /* state UP: connected and authenticated */
	double bs_rtt_s;   /* average round trip, seconds */
};

/* One TCP connection (libmicrohttpd's socket context), on the header
 * deadline list while it has not sent a complete request head: the idle
 * timer alone lets a client trickle headers forever. */
struct kr_conn {
	struct MHD_Connection *kc_conn;
	uint64_t kc_deadline_us; /* close if no request head by then */
	int kc_listed;           /* on srv_conn_head's list */
	struct kr_conn *kc_next;
	struct kr_conn *kc_prev;
};

/* What the access handler of one listener gets as its closure. */
struct kr_listen {
	struct kr_server *li_srv;
	int li_metrics_only; /* metrics.listeners: operational paths only */
};

struct kr_server {
	struct kr_conf *srv_conf;    /* current configuration (owned) */
	rd_kafka_t *srv_rk;          /* the one shared producer */
	int srv_embedded;            /* rk owns the demo mock cluster */
	struct MHD_Daemon **srv_mhd; /* one per listener */
	size_t srv_nmhd;
	struct kr_listen *srv_listen;  /* one per listener */
	struct kr_conn *srv_conn_head; /* header deadlines, oldest first */
	struct kr_conn *srv_conn_tail;
	size_t srv_nconns;            /* open connections */
	struct kr_tls srv_tls;        /* https:// certificate and key */
	int srv_epfd;                 /* the loop's epoll */
	int srv_sigfd;                /* signalfd for TERM/INT/HUP */
	int srv_kafka_efd;            /* eventfd of librdkafka's main queue */
	struct kr_req *srv_wait_head; /* waiting requests, oldest first */
	struct kr_req *srv_wait_tail;
	size_t srv_nreqs;          /* requests not yet completed by MHD */
	size_t srv_norphans;       /* completed, records still in flight */
	size_t srv_inflight_bytes; /* bodies and records held
	                              (max.inflight.bytes) */
	int srv_draining;          /* SIGTERM seen: finish and exit */
	int srv_exit_code;
	uint64_t srv_drain_deadline_us;
	int srv_all_brokers_down;       /* last state logged */
	struct kr_metrics *srv_metrics; /* counters and the histogram */
	uint64_t srv_start_us;          /* process start, monotonic */
	/* Readiness: a thread fetches metadata once at start. */
	pthread_t srv_probe;
	int srv_probe_started;
	atomic_int srv_probe_stop;
	int srv_probe_efd;                  /* written once metadata is known */
	int srv_meta_ok;                    /* metadata was fetched */
	int srv_ready_sent;                 /* READY=1 went to systemd */
	uint64_t srv_ready_deadline_us;     /* READY=1 anyway after this */
	struct kr_broker_stat *srv_brokers; /* from the last statistics */
	size_t srv_nbrokers;
	int srv_stats_seen;
	char srv_auth_error[512]; /* last authentication failure */
	uint64_t srv_watchdog_us; /* sd_notify watchdog period/2, 0: off */
	uint64_t srv_next_watchdog_us;
	struct kr_aws_ctx *srv_aws;       /* MSK IAM signer, when enabled */
	struct kr_access *srv_access;     /* goes with srv_conf */
	struct kr_topic_slot *srv_topics; /* topic handles by name */
	size_t srv_ntopics;
};

/* Monotonic clock in microseconds. */
uint64_t kr_now_us(void);

/* kafka.c */
/* Checks every producer setting with librdkafka, reporting each refusal
 * as "file:line: error: ..."; returns 0 or -1. Any thread. */
int kr_kafka_validate(const struct kr_conf *conf, void (*report)(const char *));
/* With MSK IAM, checks that the signer can be set up (a region, valid
 * options), without network access. Returns 0, or -1 with errstr set.
 * Main thread, before other threads use libcurl. */
int kr_kafka_iam_check(const struct kr_conf *conf, char *errstr, size_t errlen);
int kr_kafka_start(struct kr_server *srv, char *errstr, size_t errlen);
void kr_kafka_serve(struct kr_server *srv);
void kr_kafka_produce(struct kr_server *srv, struct kr_req *req);
void kr_kafka_stop(struct kr_server *srv);
/* Starts the thread that fetches metadata once (readiness). */
int kr_kafka_probe_start(struct kr_server *srv);
/* Takes the probe's result from srv_probe_efd. */
void kr_kafka_probe_done(struct kr_server *srv);
/* 1 if Kafka is usable (metadata known, a broker up, authenticated);
 * otherwise 0 with the reason in reason. */
int kr_kafka_ready(struct kr_server *srv, char *reason, size_t len);
/* 1 if the last statistics saw a broker up (connected, authenticated). */
int kr_kafka_any_broker_up(const struct kr_server *srv);
/* Appends the Kafka gauges in the Prometheus text format. */
void kr_kafka_metrics(struct kr_server *srv, struct kr_buf *out);

/* http.c */
int kr_http_start(struct kr_server *srv, char *errstr, size_t errlen);
void kr_http_run(struct kr_server *srv);
int kr_http_timeout_ms(struct kr_server *srv);
void kr_http_quiesce(struct kr_server *srv);
void kr_http_stop(struct kr_server *srv);
/* Answers a request whose records are all settled (or that timed out):
 * builds the response and resumes the connection. */
void kr_req_finish(struct kr_req *req);
/* Called by the delivery report when a record of req is settled. */
void kr_req_record_done(struct kr_req *req);
/* Answers every waiting request whose deadline has passed. */
void kr_http_expire(struct kr_server *srv, uint64_t now_us);

#endif
