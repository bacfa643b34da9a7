/* SPDX-License-Identifier: MIT */
/* The shared producer: configuration, delivery reports, errors, logs.
 * librdkafka's main queue wakes the loop through an eventfd; delivery
 * reports run on the loop thread from rd_kafka_poll(). */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "aws_creds.h"
#include "kr_alloc.h"
#include "kr_cause.h"
#include "log.h"
#include "server.h"

/* After rdkafka.h, which server.h includes. */
#include <librdkafka/rdkafka_mock.h>

/* Classifies a librdkafka error the way kafka-rest classifies the Java
 * exception behind it (spec/rest-v2.md 3.5): authentication,
 * authorization, retriable, or other. */
static enum kr_rec_class
kr_kafka_classify(rd_kafka_resp_err_t err)
{
	switch (err) {
	case RD_KAFKA_RESP_ERR_NO_ERROR:
		return KR_REC_OK;
	case RD_KAFKA_RESP_ERR__AUTHENTICATION:
	case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
	case RD_KAFKA_RESP_ERR_ILLEGAL_SASL_STATE:
	case RD_KAFKA_RESP_ERR_UNSUPPORTED_SASL_MECHANISM:
	case RD_KAFKA_RESP_ERR__SSL:
		return KR_REC_AUTHN;
	case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
	case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
		return KR_REC_AUTHZ;
	case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
	case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
		return KR_REC_TOO_LARGE;
	case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
	case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
		return KR_REC_NO_TOPIC;
	case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
		return KR_REC_NO_PARTITION;
	case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
	case RD_KAFKA_RESP_ERR__TIMED_OUT:
	case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
	case RD_KAFKA_RESP_ERR__TRANSPORT:
	case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
	case RD_KAFKA_RESP_ERR__QUEUE_FULL:
	case RD_KAFKA_RESP_ERR__PURGE_QUEUE:
	case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
	case RD_KAFKA_RESP_ERR__RETRY:
	case RD_KAFKA_RESP_ERR__WAIT_COORD:
	case RD_KAFKA_RESP_ERR__NODE_UPDATE:
	case RD_KAFKA_RESP_ERR__PREV_IN_PROGRESS:
	case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
	case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
	case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
	case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
	case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
	case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
	case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
	case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
	case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
	case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
	case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
	case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
	case RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
	case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
	case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
	case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
	case RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS:
		return KR_REC_RETRIABLE;
	default:
		return KR_REC_FATAL;
	}
}

/* Delivery report: runs on the loop thread inside rd_kafka_poll(). */
static void
kr_kafka_dr(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque)
{
	struct kr_slot *sl = (struct kr_slot *)msg->_private;

	(void)rk;
	(void)opaque;
	sl->sl_err = msg->err;
	sl->sl_cls = kr_kafka_classify(msg->err);
	/* A request that timed out in flight may have been written: telling
	 * the client to retry could store it twice, so it is not retriable. */
	if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR &&
	    rd_kafka_message_status(msg) ==
	        RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED)
		sl->sl_cls = KR_REC_UNKNOWN;
	if (msg->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
		sl->sl_partition = msg->partition;
		sl->sl_offset = msg->offset;
	}
	kr_req_record_done(sl->sl_req);
}

/* Kafka trouble is logged once per cause (not per connection attempt or
 * broker), again after KR_KAFKA_CAUSE_MS if it lasts, and anew once a
 * broker is up again. librdkafka's threads and the loop share this. */
#define KR_KAFKA_CAUSE_MS (10 * 60 * 1000)

static struct kr_cause_seen kr_kafka_seen;
static pthread_mutex_t kr_kafka_seen_lock = PTHREAD_MUTEX_INITIALIZER;

/* Returns 1 if the cause of text (normalised into norm) is to be logged
 * now. Any thread. */
static int
kr_kafka_once(const char *text, char *norm, size_t normlen)
{
	int fresh;

	kr_cause_normalize(text, norm, normlen);
	pthread_mutex_lock(&kr_kafka_seen_lock);
	fresh = kr_cause_should_log(&kr_kafka_seen, norm,
	    (int64_t)(kr_now_us() / 1000), KR_KAFKA_CAUSE_MS);
	pthread_mutex_unlock(&kr_kafka_seen_lock);
	return fresh;
}

static void
kr_kafka_causes_reset(void)
{
	pthread_mutex_lock(&kr_kafka_seen_lock);
	kr_cause_reset(&kr_kafka_seen);
	pthread_mutex_unlock(&kr_kafka_seen_lock);
}

/* Error callback: runs on the loop thread inside rd_kafka_poll(). A
 * fatal error (idempotence broken) starts a graceful shutdown with exit
 * status 1 (STYLE.md point 10); repeated messages are logged once. */
static void
kr_kafka_error(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
	struct kr_server *srv = opaque;
	char fatal_msg[512], norm[KR_CAUSE_LEN];
	int fresh;

	if (err == RD_KAFKA_RESP_ERR__FATAL) {
		rd_kafka_fatal_error(rk, fatal_msg, sizeof(fatal_msg));
		log_emit(KR_LOG_ERR, "kafka: fatal error: %s; shutting down",
		    fatal_msg);
		srv->srv_draining = 1;
		srv->srv_exit_code = 1;
		return;
	}
	fresh = kr_kafka_once(reason, norm, sizeof(norm));
	if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
		kr_metrics_auth_failure(srv->srv_metrics);
		snprintf(srv->srv_auth_error, sizeof(srv->srv_auth_error), "%s",
		    norm);
	}
	if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
		srv->srv_all_brokers_down = 1;
	/* MSK closes IAM sessions when their credentials expire (librdkafka
	 * 2.0.2 cannot re-authenticate): routine, not an alarm. */
	if (!fresh || (err == RD_KAFKA_RESP_ERR__TRANSPORT &&
	                  strcmp(norm, "Disconnected") == 0)) {
		log_debug("kafka: %s: %s", rd_kafka_err2name(err), reason);
		return;
	}
	log_warnx("kafka: %s: %s", rd_kafka_err2name(err), norm);
}

/* Reads one broker of the statistics JSON into bs; returns 0, or -1 for
 * the bootstrap placeholders (nodeid -1). */
static int
kr_kafka_stat_broker(const cJSON *b, struct kr_broker_stat *bs)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(b, "name");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(b, "state");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(b, "nodeid");
	const cJSON *rtt = cJSON_GetObjectItemCaseSensitive(b, "rtt");
	const cJSON *avg = cJSON_GetObjectItemCaseSensitive(rtt, "avg");

	if (!cJSON_IsNumber(id) || id->valuedouble < 0 ||
	    !cJSON_IsString(name) || !cJSON_IsString(state))
		return -1;
	snprintf(bs->bs_name, sizeof(bs->bs_name), "%s", name->valuestring);
	bs->bs_up = strcmp(state->valuestring, "UP") == 0;
	bs->bs_rtt_s = cJSON_IsNumber(avg) ? avg->valuedouble / 1e6 : 0;
	return 0;
}

/* Statistics: broker states and round trips for /readyz and /metrics.
 * Runs on the loop thread inside rd_kafka_poll(); returns 0 so that
 * librdkafka frees the JSON. */
static int
kr_kafka_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct kr_server *srv = opaque;
	const cJSON *brokers, *b;
	cJSON *root;
	size_t n = 0, up = 0;

	(void)rk;
	root = cJSON_ParseWithLength(json, len);
	brokers = cJSON_GetObjectItemCaseSensitive(root, "brokers");
	free(srv->srv_brokers);
	srv->srv_brokers = kr_calloc(
	    (size_t)cJSON_GetArraySize(brokers) + 1, sizeof(*srv->srv_brokers));
	cJSON_ArrayForEach(b, brokers)
	{
		if (kr_kafka_stat_broker(b, &srv->srv_brokers[n]) == 0)
			up += (size_t)srv->srv_brokers[n++].bs_up;
	}
	srv->srv_nbrokers = n;
	srv->srv_stats_seen = 1;
	if (up > 0) {
		if (srv->srv_all_brokers_down ||
		    srv->srv_auth_error[0] != '\0') {
			log_info("kafka: %zu of %zu brokers up again", up, n);
			kr_kafka_causes_reset();
		}
		srv->srv_all_brokers_down = 0;
		srv->srv_auth_error[0] = '\0';
	}
	cJSON_Delete(root);
	return 0;
}

/* librdkafka's own log lines, from its threads, into our sink. */
static void
kr_kafka_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	char norm[KR_CAUSE_LEN];

	(void)rk;
	if (level > KR_LOG_DEBUG)
		level = KR_LOG_DEBUG;
	if (level < KR_LOG_ERR)
		level = KR_LOG_ERR;
	/* Warnings and errors repeat at every connection attempt. */
	if (level <= KR_LOG_WARNING && !kr_kafka_once(buf, norm, sizeof(norm)))
		level = KR_LOG_DEBUG;
	log_emit(level, "kafka %s: %s", fac, buf);
}

/* Applies one property; on failure writes the reason into errstr. The
 * value is not echoed: it may be a secret. */
static int
kr_kafka_set(rd_kafka_conf_t *kconf, const struct kr_kv *kv, const char *file,
    char *errstr, size_t errlen)
{
	char why[256];

	if (rd_kafka_conf_set(kconf, kv->kv_key, kv->kv_value, why,
	        sizeof(why)) == RD_KAFKA_CONF_OK)
		return 0;
	if (kv->kv_line > 0)
		snprintf(errstr, errlen, "%s:%d: error: %s",
		    file != NULL ? file : "", kv->kv_line, why);
	else
		snprintf(errstr, errlen, "%s", why);
	return -1;
}

static rd_kafka_conf_t *
kr_kafka_conf(struct kr_server *srv, char *errstr, size_t errlen)
{
	const struct kr_conf *conf = srv->srv_conf;
	rd_kafka_conf_t *kconf = rd_kafka_conf_new();
	char num[32];
	size_t i;

	/* Broker states for /readyz and /metrics; and no error line for each
	 * routine disconnect (MSK ends IAM sessions every ~15 minutes). The
	 * file may override both. */
	if (rd_kafka_conf_set(kconf, "statistics.interval.ms", "1000", errstr,
	        errlen) != RD_KAFKA_CONF_OK ||
	    rd_kafka_conf_set(kconf, "log.connection.close", "false", errstr,
	        errlen) != RD_KAFKA_CONF_OK)
		goto fail;
	for (i = 0; i < conf->conf_nproducer; i++)
		if (kr_kafka_set(kconf, &conf->conf_producer[i],
		        conf->conf_file, errstr, errlen) != 0)
			goto fail;
	if (conf->conf_embedded) {
		snprintf(num, sizeof(num), "%d", conf->conf_embedded_brokers);
		if (rd_kafka_conf_set(kconf, "test.mock.num.brokers", num,
		        errstr, errlen) != RD_KAFKA_CONF_OK)
			goto fail;
	} else if (rd_kafka_conf_set(kconf, "bootstrap.servers",
	               conf->conf_bootstrap, errstr,
	               errlen) != RD_KAFKA_CONF_OK) {
		goto fail;
	}
	rd_kafka_conf_set_dr_msg_cb(kconf, kr_kafka_dr);
	rd_kafka_conf_set_error_cb(kconf, kr_kafka_error);
	rd_kafka_conf_set_log_cb(kconf, kr_kafka_log);
	rd_kafka_conf_set_stats_cb(kconf, kr_kafka_stats);
	rd_kafka_conf_set_opaque(kconf, srv);
	return kconf;
fail:
	rd_kafka_conf_destroy(kconf);
	return NULL;
}

/* MSK IAM: log lines of the credential chain, from any thread. */
static void
kr_kafka_aws_log(void *opaque, int level, const char *msg)
{
	(void)opaque;
	log_emit(level, "aws: %s", msg);
}

/* OAUTHBEARER token refresh: runs on librdkafka's background thread (the
 * SASL queue is forwarded there), so it works while the loop is idle. */
static void
kr_kafka_oauth_refresh(
    rd_kafka_t *rk, const char *oauthbearer_config, void *opaque)
{
	struct kr_server *srv = opaque;
	char errstr[512], principal[256];
	int64_t lifetime_ms;
	char *token = NULL;

	(void)oauthbearer_config;
	if (kr_aws_msk_token(srv->srv_aws, time(NULL), &token, &lifetime_ms,
	        errstr, sizeof(errstr)) != 0) {
		log_warnx("MSK IAM: no token: %s", errstr);
		rd_kafka_oauthbearer_set_token_failure(rk, errstr);
		return;
	}
	kr_aws_principal(srv->srv_aws, principal, sizeof(principal));
	if (rd_kafka_oauthbearer_set_token(rk, token, lifetime_ms, principal,
	        NULL, 0, errstr,
	        sizeof(errstr)) != RD_KAFKA_RESP_ERR_NO_ERROR) {
		log_warnx("MSK IAM: librdkafka refused the token: %s", errstr);
		rd_kafka_oauthbearer_set_token_failure(rk, errstr);
	} else {
		log_debug("MSK IAM: new token, valid until %lld ms",
		    (long long)lifetime_ms);
	}
	kr_free_secret(token, strlen(token));
}

/* The signer's options from the JAAS settings of conf. */
static void
kr_kafka_iam_opts(const struct kr_conf *conf, struct kr_aws_opts *o)
{
	const struct kr_iam *iam = &conf->conf_iam;
	struct kr_aws_opts opts;

	kr_aws_opts_init(&opts);
	opts.ao_region = iam->iam_region;
	opts.ao_bootstrap = conf->conf_bootstrap;
	opts.ao_profile = iam->iam_profile;
	opts.ao_role_arn = iam->iam_role_arn;
	opts.ao_session_name = iam->iam_role_session_name;
	opts.ao_external_id = iam->iam_role_external_id;
	opts.ao_sts_region = iam->iam_sts_region;
	opts.ao_access_key_id = iam->iam_role_access_key_id;
	opts.ao_secret_access_key = iam->iam_role_secret_access_key;
	opts.ao_session_token = iam->iam_role_session_token;
	opts.ao_max_retries = iam->iam_max_retries;
	opts.ao_max_backoff_ms = iam->iam_max_backoff_ms;
	opts.ao_debug_creds = iam->iam_debug_creds;
	opts.ao_log = kr_kafka_aws_log;
	*o = opts;
}

int
kr_kafka_iam_check(const struct kr_conf *conf, char *errstr, size_t errlen)
{
	struct kr_aws_opts opts;
	struct kr_aws_ctx *ctx;

	if (!conf->conf_iam.iam_enabled)
		return 0;
	kr_kafka_iam_opts(conf, &opts);
	ctx = kr_aws_new(&opts, errstr, errlen);
	if (ctx == NULL)
		return -1;
	kr_aws_destroy(ctx);
	return 0;
}

/* Creates the MSK IAM signer from the JAAS options; runs before any
 * thread exists (libcurl's global init). */
static int
kr_kafka_iam_start(
    struct kr_server *srv, rd_kafka_conf_t *kconf, char *errstr, size_t errlen)
{
	struct kr_aws_opts opts;

	kr_kafka_iam_opts(srv->srv_conf, &opts);
	srv->srv_aws = kr_aws_new(&opts, errstr, errlen);
	if (srv->srv_aws == NULL)
		return -1;
	log_info("MSK IAM: signing tokens for region %s",
	    kr_aws_region(srv->srv_aws));
	/* librdkafka 2.0.2 only serves the refresh callback from a polled
	 * queue: a dedicated SASL queue, forwarded to its background thread
	 * after rd_kafka_new() (spec/msk-iam.md section 3). */
	rd_kafka_conf_enable_sasl_queue(kconf, 1);
	rd_kafka_conf_set_oauthbearer_token_refresh_cb(
	    kconf, kr_kafka_oauth_refresh);
	return 0;
}

int
kr_kafka_validate(const struct kr_conf *conf, void (*report)(const char *))
{
	rd_kafka_conf_t *kconf = rd_kafka_conf_new();
	char errstr[512];
	size_t i;
	int bad = 0;

	/* librdkafka is the judge of its own keys and values; report every
	 * refusal with its line, not just the first. */
	for (i = 0; i < conf->conf_nproducer; i++) {
		if (kr_kafka_set(kconf, &conf->conf_producer[i],
		        conf->conf_file, errstr, sizeof(errstr)) != 0) {
			report(errstr);
			bad = 1;
		}
	}
	rd_kafka_conf_destroy(kconf);
	return bad ? -1 : 0;
}

int
kr_kafka_start(struct kr_server *srv, char *errstr, size_t errlen)
{
	/* eventfd(2) only accepts 8-byte writes: a shorter payload makes
	 * librdkafka's wakeup write fail silently (STYLE.md section 10). */
	static const uint64_t one = 1;
	rd_kafka_conf_t *kconf;
	rd_kafka_queue_t *mainq;

	kconf = kr_kafka_conf(srv, errstr, errlen);
	if (kconf == NULL)
		return -1;
	if (srv->srv_conf->conf_iam.iam_enabled &&
	    kr_kafka_iam_start(srv, kconf, errstr, errlen) != 0) {
		rd_kafka_conf_destroy(kconf);
		return -1;
	}
	srv->srv_rk = rd_kafka_new(RD_KAFKA_PRODUCER, kconf, errstr, errlen);
	if (srv->srv_rk == NULL) {
		rd_kafka_conf_destroy(kconf);
		return -1;
	}
	if (srv->srv_aws != NULL) {
		rd_kafka_error_t *kerr =
		    rd_kafka_sasl_background_callbacks_enable(srv->srv_rk);

		if (kerr != NULL) {
			snprintf(errstr, errlen,
			    "SASL background callbacks: %s",
			    rd_kafka_error_string(kerr));
			rd_kafka_error_destroy(kerr);
			return -1;
		}
	}
	srv->srv_kafka_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->srv_kafka_efd == -1) {
		snprintf(errstr, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	mainq = rd_kafka_queue_get_main(srv->srv_rk);
	rd_kafka_queue_io_event_enable(
	    mainq, srv->srv_kafka_efd, &one, sizeof(one));
	rd_kafka_queue_destroy(mainq);
	if (srv->srv_conf->conf_embedded) {
		rd_kafka_mock_cluster_t *mc =
		    rd_kafka_handle_mock_cluster(srv->srv_rk);

		srv->srv_embedded = 1;
		log_warnx(
		    "*** DEMO MODE: Kafka is an EMBEDDED IN-MEMORY cluster "
		    "(%d brokers at %s). Records are NOT durable and are "
		    "lost when krestd stops. Give krestd a properties "
		    "file with bootstrap.servers for real use. ***",
		    srv->srv_conf->conf_embedded_brokers,
		    mc != NULL ? rd_kafka_mock_cluster_bootstraps(mc) : "?");
	}
	return 0;
}

void
kr_kafka_serve(struct kr_server *srv)
{
	uint64_t n;

	while (read(srv->srv_kafka_efd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		;
	/* The wakeup is re-armed only once the queue has been served, so
	 * serve it until empty. */
	while (rd_kafka_poll(srv->srv_rk, 0) > 0)
		;
}

#define KR_TOPIC_SLOTS     8192 /* power of two */
#define KR_TOPIC_CACHE_MAX (KR_TOPIC_SLOTS / 2)

/* Returns the cached handle of topic, creating it; NULL when the cache is
 * full (then the record is produced by name). Loop thread. */
static rd_kafka_topic_t *
kr_kafka_topic(struct kr_server *srv, const char *topic)
{
	uint64_t h = 1469598103934665603u;
	const char *c;
	size_t i;

	if (srv->srv_topics == NULL)
		srv->srv_topics =
		    kr_calloc(KR_TOPIC_SLOTS, sizeof(*srv->srv_topics));
	for (c = topic; *c != '\0'; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211u;
	for (i = (size_t)h & (KR_TOPIC_SLOTS - 1);;
	     i = (i + 1) & (KR_TOPIC_SLOTS - 1)) {
		struct kr_topic_slot *ts = &srv->srv_topics[i];

		if (ts->ts_name == NULL)
			break;
		if (strcmp(ts->ts_name, topic) == 0)
			return ts->ts_rkt;
	}
	if (srv->srv_ntopics >= KR_TOPIC_CACHE_MAX)
		return NULL;
	srv->srv_topics[i].ts_rkt =
	    rd_kafka_topic_new(srv->srv_rk, topic, NULL);
	if (srv->srv_topics[i].ts_rkt == NULL)
		return NULL;
	srv->srv_topics[i].ts_name = kr_strdup(topic);
	srv->srv_ntopics++;
	return srv->srv_topics[i].ts_rkt;
}

static void
kr_kafka_topics_free(struct kr_server *srv)
{
	size_t i;

	for (i = 0; srv->srv_topics != NULL && i < KR_TOPIC_SLOTS; i++) {
		if (srv->srv_topics[i].ts_name == NULL)
			continue;
		rd_kafka_topic_destroy(srv->srv_topics[i].ts_rkt);
		free(srv->srv_topics[i].ts_name);
	}
	free(srv->srv_topics);
	srv->srv_topics = NULL;
	srv->srv_ntopics = 0;
}

/* Enqueues one record, by handle when the topic is cached (rkt), else
 * by name. No RD_KAFKA_MSG_F_COPY: the bytes live in the request, which
 * outlives every delivery report (see kr_req_record_done). */
static rd_kafka_resp_err_t
kr_kafka_send(struct kr_server *srv, rd_kafka_topic_t *rkt, const char *topic,
    const struct kr_record *rec, const char *key, const char *value,
    struct kr_slot *sl)
{
	int32_t part = rec->rec_partition >= 0 ? rec->rec_partition
	                                       : RD_KAFKA_PARTITION_UA;

	if (rkt != NULL)
		return rd_kafka_producev(srv->srv_rk, RD_KAFKA_V_RKT(rkt),
		    RD_KAFKA_V_PARTITION(part),
		    RD_KAFKA_V_KEY(key, rec->rec_key_len),
		    RD_KAFKA_V_VALUE(
		        (void *)(uintptr_t)value, rec->rec_value_len),
		    RD_KAFKA_V_OPAQUE(sl), RD_KAFKA_V_END);
	return rd_kafka_producev(srv->srv_rk, RD_KAFKA_V_TOPIC(topic),
	    RD_KAFKA_V_PARTITION(part), RD_KAFKA_V_KEY(key, rec->rec_key_len),
	    RD_KAFKA_V_VALUE((void *)(uintptr_t)value, rec->rec_value_len),
	    RD_KAFKA_V_OPAQUE(sl), RD_KAFKA_V_END);
}

void
kr_kafka_produce(struct kr_server *srv, struct kr_req *req)
{
	static const char empty[1] = "";
	const struct kr_produce *pr = &req->req_produce;
	rd_kafka_topic_t *rkt = kr_kafka_topic(srv, req->req_route.rt_topic);
	size_t i;
	int full = 0;

	req->req_nslots = pr->pr_count;
	req->req_slots = kr_calloc(pr->pr_count, sizeof(*req->req_slots));
	for (i = 0; i < pr->pr_count; i++) {
		const struct kr_record *rec = &pr->pr_records[i];
		struct kr_slot *sl = &req->req_slots[i];
		const char *key = NULL, *value = NULL;
		rd_kafka_resp_err_t err;

		sl->sl_req = req;
		sl->sl_cls = KR_REC_PENDING;
		if (full) {
			sl->sl_cls = KR_REC_RETRIABLE;
			sl->sl_err = RD_KAFKA_RESP_ERR__QUEUE_FULL;
			continue;
		}
		if (rec->rec_has_key)
			key = rec->rec_key_len > 0
			          ? pr->pr_data.data + rec->rec_key_off
			          : empty;
		if (rec->rec_has_value)
			value = rec->rec_value_len > 0
			            ? pr->pr_data.data + rec->rec_value_off
			            : empty;
		err = kr_kafka_send(
		    srv, rkt, req->req_route.rt_topic, rec, key, value, sl);
		if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
			req->req_outstanding++;
			continue;
		}
		sl->sl_err = err;
		sl->sl_cls = kr_kafka_classify(err);
		/* Never wait for room: the rest of the request fails as
		 * retriable, in order (STYLE.md point 9). */
		if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			full = 1;
	}
}

/* The probe thread: asks for metadata until it gets it or is stopped,
 * then writes the broker count + 1 to srv_probe_efd. */
static void *
kr_kafka_probe(void *arg)
{
	struct kr_server *srv = arg;
	const struct rd_kafka_metadata *md;
	uint64_t v;

	while (!atomic_load(&srv->srv_probe_stop)) {
		if (rd_kafka_metadata(srv->srv_rk, 0, NULL, &md, 1000) ==
		    RD_KAFKA_RESP_ERR_NO_ERROR) {
			v = (uint64_t)md->broker_cnt + 1;
			rd_kafka_metadata_destroy(md);
			if (write(srv->srv_probe_efd, &v, sizeof(v)) < 0)
				log_warn("probe: write");
			break;
		}
		poll(NULL, 0, 200);
	}
	return NULL;
}

int
kr_kafka_probe_start(struct kr_server *srv)
{
	srv->srv_probe_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (srv->srv_probe_efd == -1)
		return -1;
	if (pthread_create(&srv->srv_probe, NULL, kr_kafka_probe, srv) != 0)
		return -1;
	srv->srv_probe_started = 1;
	return 0;
}

void
kr_kafka_probe_done(struct kr_server *srv)
{
	uint64_t v;

	if (read(srv->srv_probe_efd, &v, sizeof(v)) != (ssize_t)sizeof(v) ||
	    srv->srv_meta_ok)
		return;
	srv->srv_meta_ok = 1;
	log_info("ready: Kafka metadata known (%llu brokers), %.1f ms after "
	         "start",
	    (unsigned long long)(v - 1),
	    (double)(kr_now_us() - srv->srv_start_us) / 1000.0);
}

int
kr_kafka_any_broker_up(const struct kr_server *srv)
{
	size_t i;

	for (i = 0; i < srv->srv_nbrokers; i++)
		if (srv->srv_brokers[i].bs_up)
			return 1;
	return 0;
}

int
kr_kafka_ready(struct kr_server *srv, char *reason, size_t len)
{
	size_t i, up = 0;

	for (i = 0; i < srv->srv_nbrokers; i++)
		up += (size_t)srv->srv_brokers[i].bs_up;
	if (!srv->srv_meta_ok) {
		snprintf(reason, len, "waiting for Kafka metadata%s%s",
		    srv->srv_auth_error[0] != '\0' ? ": " : "",
		    srv->srv_auth_error);
		return 0;
	}
	if (srv->srv_auth_error[0] != '\0' && up == 0) {
		snprintf(reason, len, "Kafka authentication failed: %s",
		    srv->srv_auth_error);
		return 0;
	}
	if (srv->srv_all_brokers_down || (srv->srv_stats_seen && up == 0)) {
		snprintf(reason, len, "no Kafka broker is up");
		return 0;
	}
	return 1;
}

void
kr_kafka_metrics(struct kr_server *srv, struct kr_buf *out)
{
	size_t i;

	kr_buf_printf(out,
	    "# HELP krest_kafka_queue_messages Records waiting in the "
	    "producer queue or in flight.\n"
	    "# TYPE krest_kafka_queue_messages gauge\n"
	    "krest_kafka_queue_messages %d\n"
	    "# HELP krest_kafka_broker_up 1 if the broker is connected and "
	    "authenticated.\n"
	    "# TYPE krest_kafka_broker_up gauge\n",
	    rd_kafka_outq_len(srv->srv_rk));
	for (i = 0; i < srv->srv_nbrokers; i++) {
		kr_buf_puts(out, "krest_kafka_broker_up{broker=");
		kr_metrics_label(out, srv->srv_brokers[i].bs_name);
		kr_buf_printf(out, "} %d\n", srv->srv_brokers[i].bs_up);
	}
	if (srv->srv_aws != NULL) {
		int64_t exp = kr_aws_creds_expiry(srv->srv_aws);

		kr_buf_printf(out,
		    "# HELP krest_aws_credentials_expiry_timestamp_seconds "
		    "When "
		    "the AWS credentials of MSK IAM expire (0: never, -1: none "
		    "yet).\n"
		    "# TYPE krest_aws_credentials_expiry_timestamp_seconds "
		    "gauge\n"
		    "krest_aws_credentials_expiry_timestamp_seconds %lld\n",
		    (long long)exp);
	}
	kr_buf_puts(out, "# HELP krest_kafka_broker_rtt_seconds Average "
	                 "round trip to the broker.\n"
	                 "# TYPE krest_kafka_broker_rtt_seconds gauge\n");
	for (i = 0; i < srv->srv_nbrokers; i++) {
		kr_buf_puts(out, "krest_kafka_broker_rtt_seconds{broker=");
		kr_metrics_label(out, srv->srv_brokers[i].bs_name);
		kr_buf_printf(out, "} %.6f\n", srv->srv_brokers[i].bs_rtt_s);
	}
}

void
kr_kafka_stop(struct kr_server *srv)
{
	rd_kafka_resp_err_t err;
	int left;

	if (srv->srv_probe_started) {
		atomic_store(&srv->srv_probe_stop, 1);
		pthread_join(srv->srv_probe, NULL);
		srv->srv_probe_started = 0;
	}
	if (srv->srv_rk == NULL)
		return;
	/* Serves delivery reports, which settle the requests still open. */
	err = rd_kafka_flush(
	    srv->srv_rk, srv->srv_conf->conf_shutdown_graceful_ms);
	left = rd_kafka_outq_len(srv->srv_rk);
	if (err != RD_KAFKA_RESP_ERR_NO_ERROR || left > 0) {
		log_warnx("kafka: %d messages not delivered at shutdown", left);
		rd_kafka_purge(srv->srv_rk,
		    RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		while (rd_kafka_poll(srv->srv_rk, 0) > 0)
			;
	}
	kr_kafka_topics_free(srv);
	rd_kafka_destroy(srv->srv_rk);
	srv->srv_rk = NULL;
	free(srv->srv_brokers);
	srv->srv_brokers = NULL;
	srv->srv_nbrokers = 0;
	kr_aws_destroy(srv->srv_aws);
	srv->srv_aws = NULL;
	if (srv->srv_probe_efd != -1)
		close(srv->srv_probe_efd);
	srv->srv_probe_efd = -1;
	if (srv->srv_kafka_efd != -1)
		close(srv->srv_kafka_efd);
	srv->srv_kafka_efd = -1;
}
