/* SPDX-License-Identifier: MIT */
/* krestd: the Confluent REST Proxy v2 produce API over librdkafka.
 * krestd [-n] [-v] [PROPERTIES_FILE], like kafka-rest-start. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "access.h"
#include "kr_alloc.h"
#include "kr_buf.h"
#include "kr_conf.h"
#include "kr_metrics.h"
#include "kr_version.h"
#include "log.h"
#include "notify.h"
#include "server.h"

/* epoll tags; listeners use 2 + their index. */
#define KR_TAG_SIGNAL 0
#define KR_TAG_KAFKA  1
#define KR_TAG_PROBE  ((uint64_t)1 << 32)

/* READY=1 goes to systemd after at most this long, with a warning, even
 * when Kafka cannot be reached yet (the HTTP side works). */
#define KR_READY_WAIT_US (10u * 1000000u)

static void
usage(void)
{
	fprintf(stderr,
	    "usage: krestd [-n] [-v] [PROPERTIES_FILE]\n"
	    "  -n   check the properties file and exit (0: configuration "
	    "OK)\n"
	    "  -v   debug logging\n"
	    "Without a file krestd listens on 127.0.0.1:8082 with an "
	    "embedded, in-memory\n"
	    "demo Kafka cluster. SIGHUP reloads the file; SIGTERM drains and "
	    "exits.\n");
	exit(2);
}

/* Reads a whole file into buf. */
static int
read_file(const char *path, struct kr_buf *buf)
{
	char chunk[8192];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		kr_buf_append(buf, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

static void
report_stdout(const char *msg)
{
	printf("%s\n", msg);
}

static void
report_log(const char *msg)
{
	log_emit(KR_LOG_ERR, "%s", msg);
}

/* Loads and checks path into a new configuration. Every diagnostic goes
 * to the log as "file:line: ..."; returns NULL when there is an error. */
static struct kr_conf *
load_conf(const char *path, int to_stdout, int at_start)
{
	struct kr_buf text = KR_BUF_INIT, line = KR_BUF_INIT;
	struct kr_conf *conf = kr_calloc(1, sizeof(*conf));
	struct kr_diags diags;
	struct stat st;
	char why[512];
	size_t i;
	int rc;

	kr_conf_init(conf);
	kr_diags_init(&diags);
	if (read_file(path, &text) != 0) {
		log_warn("%s", path);
		goto fail;
	}
	rc = kr_conf_parse(
	    text.data != NULL ? text.data : "", text.len, path, conf, &diags);
	/* At start, the file's own warnings already use its log.format. */
	if (rc == 0 && !to_stdout && at_start)
		log_set_json(conf->conf_log_json);
	for (i = 0; i < diags.d_count; i++) {
		kr_buf_reset(&line);
		kr_diag_format(&diags.d_list[i], &line);
		if (to_stdout)
			printf("%s\n", line.data);
		else
			log_emit(diags.d_list[i].dg_error ? KR_LOG_ERR
			                                  : KR_LOG_WARNING,
			    "%s", line.data);
	}
	if (kr_kafka_validate(conf, to_stdout ? report_stdout : report_log) !=
	    0)
		rc = -1;
	if (rc == 0 && at_start &&
	    kr_kafka_iam_check(conf, why, sizeof(why)) != 0) {
		if (to_stdout)
			printf("%s: MSK IAM: %s\n", path, why);
		else
			log_emit(KR_LOG_ERR, "%s: MSK IAM: %s", path, why);
		rc = -1;
	}
	if (rc != 0)
		goto fail;
	/* A file holding secrets must not be readable by others (httpd's
	 * check_file_secrecy). */
	if (kr_conf_has_secrets(conf) && stat(path, &st) == 0 &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		log_emit(KR_LOG_ERR,
		    "%s: holds secrets but is accessible by group or others; "
		    "run: chmod 600 %s",
		    path, path);
		goto fail;
	}
	kr_buf_free(&text);
	kr_buf_free(&line);
	kr_diags_free(&diags);
	return conf;
fail:
	kr_buf_free(&text);
	kr_buf_free(&line);
	kr_diags_free(&diags);
	kr_conf_free(conf);
	free(conf);
	return NULL;
}

static void
free_conf(struct kr_conf *conf)
{
	if (conf == NULL)
		return;
	kr_conf_free(conf);
	free(conf);
}

/* SIGHUP: build the new configuration, check it, then swap (STYLE.md
 * point 15). HTTP and produce settings apply at once; listeners and Kafka
 * client settings need a restart, and the log says so. */
static void
reload(struct kr_server *srv)
{
	struct kr_conf *old = srv->srv_conf, *conf;
	struct kr_access *access = NULL;
	char errstr[512];

	if (old->conf_file == NULL) {
		log_info("SIGHUP: no properties file to reload");
		return;
	}
	log_info("SIGHUP: reloading %s", old->conf_file);
	kr_notify("RELOADING=1\nSTATUS=reloading %s", old->conf_file);
	conf = load_conf(old->conf_file, 0, 0);
	if (conf != NULL &&
	    (access = kr_access_load(conf, errstr, sizeof(errstr))) == NULL) {
		log_emit(KR_LOG_ERR, "%s", errstr);
		free_conf(conf);
		conf = NULL;
	}
	if (conf == NULL) {
		log_warnx("reload of %s failed; keeping the old configuration",
		    old->conf_file);
		kr_notify("READY=1\nSTATUS=reload failed; old configuration "
		          "kept");
		return;
	}
	if (conf->conf_nlisteners != old->conf_nlisteners ||
	    strcmp(conf->conf_bootstrap != NULL ? conf->conf_bootstrap : "",
	        old->conf_bootstrap != NULL ? old->conf_bootstrap : "") != 0 ||
	    conf->conf_nproducer != old->conf_nproducer)
		log_warnx("listeners or Kafka settings changed: they take "
		          "effect when krestd restarts");
	/* Keep what the running listeners and producer were built from. */
	conf->conf_idle_timeout_ms = old->conf_idle_timeout_ms;
	conf->conf_max_connections = old->conf_max_connections;
	log_set_json(conf->conf_log_json);
	srv->srv_conf = conf;
	free_conf(old);
	kr_access_free(srv->srv_access);
	srv->srv_access = access;
	log_info("configuration reloaded");
	kr_notify("READY=1\nSTATUS=configuration reloaded");
}

static void
drain(struct kr_server *srv)
{
	if (srv->srv_draining == 2)
		return;
	log_info("draining: %zu requests in flight", srv->srv_nreqs);
	kr_notify("STOPPING=1\nSTATUS=draining %zu requests", srv->srv_nreqs);
	srv->srv_draining = 2;
	srv->srv_drain_deadline_us =
	    kr_now_us() +
	    (uint64_t)(srv->srv_conf->conf_produce_timeout_ms + 2000) * 1000u;
	kr_http_quiesce(srv);
}

static void
handle_signals(struct kr_server *srv)
{
	struct signalfd_siginfo si;

	while (read(srv->srv_sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			reload(srv);
		} else {
			log_info("%s received", strsignal((int)si.ssi_signo));
			drain(srv);
		}
	}
}

/* READY=1 once Kafka metadata is known (or the wait is over), and the
 * watchdog pings: from the loop, so that a hung loop gets restarted. */
static void
systemd_tick(struct kr_server *srv)
{
	uint64_t now = kr_now_us();

	if (!srv->srv_ready_sent &&
	    (srv->srv_meta_ok || now >= srv->srv_ready_deadline_us)) {
		srv->srv_ready_sent = 1;
		if (srv->srv_meta_ok) {
			kr_notify("READY=1\nSTATUS=ready");
		} else {
			log_warnx("Kafka metadata not known after %u s; "
			          "reporting ready to systemd anyway",
			    KR_READY_WAIT_US / 1000000u);
			kr_notify("READY=1\nSTATUS=serving HTTP; Kafka not "
			          "reachable yet");
		}
	}
	if (srv->srv_watchdog_us > 0 && now >= srv->srv_next_watchdog_us) {
		kr_notify("WATCHDOG=1");
		srv->srv_next_watchdog_us = now + srv->srv_watchdog_us;
	}
}

static int
loop_timeout(struct kr_server *srv)
{
	int ms = kr_http_timeout_ms(srv);
	uint64_t now = kr_now_us(), next;

	if (srv->srv_watchdog_us > 0) {
		next = srv->srv_next_watchdog_us > now
		           ? (srv->srv_next_watchdog_us - now) / 1000 + 1
		           : 0;
		if (next < (uint64_t)ms)
			ms = (int)next;
	}
	if (!srv->srv_ready_sent && !srv->srv_meta_ok)
		ms = ms > 100 ? 100 : ms;

	if (srv->srv_wait_head != NULL) {
		if (srv->srv_wait_head->req_deadline_us <= now)
			return 0;
		if ((srv->srv_wait_head->req_deadline_us - now) / 1000 <
		    (uint64_t)ms)
			ms = (int)((srv->srv_wait_head->req_deadline_us - now) /
			           1000) +
			     1;
	}
	return ms;
}

/* After a flood (many connections, or much data in flight) has passed,
 * give glibc's freed heap back to the system: libmicrohttpd's connection
 * pools are below the mmap threshold and would otherwise keep RSS at its
 * peak. Checked at most every few seconds. */
static void
trim_memory(struct kr_server *srv, uint64_t now_us)
{
	static uint64_t next_us;
	static size_t peak_conns, peak_bytes;

	if (srv->srv_nconns > peak_conns)
		peak_conns = srv->srv_nconns;
	if (srv->srv_inflight_bytes > peak_bytes)
		peak_bytes = srv->srv_inflight_bytes;
	if (now_us < next_us)
		return;
	next_us = now_us + 5000000u;
	if (peak_conns >= srv->srv_nconns + 256 ||
	    peak_bytes >= srv->srv_inflight_bytes + ((size_t)8 << 20)) {
		malloc_trim(0);
		log_debug("memory trimmed after a peak of %zu connections and "
		          "%zu bytes in flight",
		    peak_conns, peak_bytes);
	}
	peak_conns = srv->srv_nconns;
	peak_bytes = srv->srv_inflight_bytes;
}

/* One epoll loop for signals, librdkafka's queue and every listener. */
static void
run(struct kr_server *srv)
{
	struct epoll_event evs[16];
	int i, n;

	for (;;) {
		n = epoll_wait(srv->srv_epfd, evs, 16, loop_timeout(srv));
		if (n < 0 && errno != EINTR)
			fatal("epoll_wait");
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == KR_TAG_SIGNAL)
				handle_signals(srv);
			else if (evs[i].data.u64 == KR_TAG_KAFKA)
				kr_kafka_serve(srv);
			else if (evs[i].data.u64 == KR_TAG_PROBE)
				kr_kafka_probe_done(srv);
		}
		systemd_tick(srv);
		if (srv->srv_wait_head != NULL)
			kr_kafka_serve(srv);
		kr_http_expire(srv, kr_now_us());
		kr_http_run(srv);
		log_flush();
		trim_memory(srv, kr_now_us());
		if (srv->srv_draining == 1)
			drain(srv); /* a fatal Kafka error asked for it */
		if (srv->srv_draining &&
		    (srv->srv_nreqs == 0 ||
		        kr_now_us() > srv->srv_drain_deadline_us))
			break;
	}
	if (srv->srv_nreqs > 0)
		log_warnx("drain timed out with %zu requests in flight",
		    srv->srv_nreqs);
}

static void
epoll_add(struct kr_server *srv, int fd, uint64_t tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = tag;
	if (epoll_ctl(srv->srv_epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
		fatal("epoll_ctl");
}

static void
banner(const struct kr_server *srv)
{
	const struct kr_listener *ls = &srv->srv_conf->conf_listeners[0];
	const char *host;
	size_t i;

	for (i = 0; i < srv->srv_conf->conf_nlisteners; i++)
		if (!srv->srv_conf->conf_listeners[i].ls_metrics_only) {
			ls = &srv->srv_conf->conf_listeners[i];
			break;
		}
	host = ls->ls_host;
	if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0 ||
	    host[0] == '\0')
		host = "127.0.0.1";
	log_info("ready; try: curl -s -X POST -H 'Content-Type: "
	         "application/vnd.kafka.json.v2+json' --data "
	         "'{\"records\":[{\"value\":{\"hello\":\"krest\"}}]}' "
	         "%s://%s:%u/topics/demo.pin",
	    ls->ls_scheme, host, ls->ls_port);
}

int
main(int argc, char **argv)
{
	struct kr_server srv;
	char errstr[512];
	sigset_t mask;
	int ch, check = 0, verbose = 0;

	while ((ch = getopt(argc, argv, "nvh")) != -1) {
		switch (ch) {
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (argc - optind > 1)
		usage();
	log_init("krestd", verbose, 0);

	memset(&srv, 0, sizeof(srv));
	srv.srv_kafka_efd = -1;
	srv.srv_probe_efd = -1;
	srv.srv_start_us = kr_now_us();
	srv.srv_ready_deadline_us = srv.srv_start_us + KR_READY_WAIT_US;
	if (optind < argc) {
		srv.srv_conf = load_conf(argv[optind], check, 1);
		if (srv.srv_conf == NULL) {
			if (check)
				fprintf(stderr,
				    "%s: configuration has errors\n",
				    argv[optind]);
			return 1;
		}
	} else {
		srv.srv_conf = kr_calloc(1, sizeof(*srv.srv_conf));
		kr_conf_demo(srv.srv_conf);
	}
	srv.srv_access = kr_access_load(srv.srv_conf, errstr, sizeof(errstr));
	if (srv.srv_access == NULL) {
		if (check)
			printf("%s\n", errstr);
		else
			log_emit(KR_LOG_ERR, "%s", errstr);
		free_conf(srv.srv_conf);
		return 1;
	}
	if (check) {
		kr_access_free(srv.srv_access);
		printf("configuration OK\n");
		free_conf(srv.srv_conf);
		return 0;
	}
	log_set_json(srv.srv_conf->conf_log_json);
	if (verbose) {
		struct kr_buf dump = KR_BUF_INIT;

		kr_conf_dump(srv.srv_conf, &dump);
		log_debug("configuration:\n%s", dump.data);
		kr_buf_free(&dump);
	}

	/* Block the signals before librdkafka starts any thread: the
	 * embedded mock cluster's thread is created before rd_kafka_new()
	 * masks signals, and would otherwise take SIGTERM and die. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) != 0)
		fatal("sigprocmask");
	signal(SIGPIPE, SIG_IGN);
	srv.srv_sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	srv.srv_epfd = epoll_create1(EPOLL_CLOEXEC);
	if (srv.srv_sigfd == -1 || srv.srv_epfd == -1)
		fatal("signalfd/epoll");
	epoll_add(&srv, srv.srv_sigfd, KR_TAG_SIGNAL);

	kr_notify_init();
	srv.srv_watchdog_us = kr_notify_watchdog_us() / 2;
	srv.srv_metrics = kr_metrics_new();
	if (kr_kafka_start(&srv, errstr, sizeof(errstr)) != 0)
		fatalx("kafka: %s", errstr);
	epoll_add(&srv, srv.srv_kafka_efd, KR_TAG_KAFKA);
	if (kr_kafka_probe_start(&srv) != 0)
		fatal("metadata probe");
	epoll_add(&srv, srv.srv_probe_efd, KR_TAG_PROBE);
	if (kr_http_start(&srv, errstr, sizeof(errstr)) != 0)
		fatalx("%s", errstr);
	banner(&srv);

	run(&srv);

	log_info("stopping: flushing Kafka");
	kr_kafka_stop(&srv);
	kr_http_stop(&srv);
	close(srv.srv_epfd);
	close(srv.srv_sigfd);
	free_conf(srv.srv_conf);
	kr_access_free(srv.srv_access);
	kr_metrics_free(srv.srv_metrics);
	log_close();
	log_info("stopped");
	return srv.srv_exit_code;
}
