/* SPDX-License-Identifier: MIT */
/* mockbroker: a librdkafka mock cluster in its own process, for the
 * integration tests. Prints "BOOTSTRAP <host:port,...>", then obeys control
 * commands read line by line from stdin, answering "OK" or "ERR <reason>".
 * See test/integration/harness.py and shared/spec/test-broker.md. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MB_LINE_MAX 4096 /* longest control line accepted */
#define MB_ARGS_MAX 64   /* most words in one control line */
#define MB_ERRS_MAX 1024 /* most errors one push_errors may push */

struct mb_cmd {
	const char *cmd_name; /* first word of the line */
	int cmd_minargs;      /* words after the name, at least */
	int cmd_maxargs;      /* and at most */
	int (*cmd_fn)(rd_kafka_mock_cluster_t *, int, char **, char *, size_t);
	const char *cmd_usage; /* shown in the ERR answer on bad arity */
};

/* Protocol API names accepted wherever an api_key is expected. */
static const struct {
	const char *api_name;
	int api_key;
} mb_apis[] = {
    {"Produce", 0},
    {"Fetch", 1},
    {"ListOffsets", 2},
    {"Metadata", 3},
    {"OffsetCommit", 8},
    {"OffsetFetch", 9},
    {"FindCoordinator", 10},
    {"JoinGroup", 11},
    {"Heartbeat", 12},
    {"LeaveGroup", 13},
    {"SyncGroup", 14},
    {"ApiVersions", 18},
    {"InitProducerId", 22},
    {NULL, 0},
};

/* Kafka's newer names for codes whose librdkafka enum kept the old one. */
static const struct {
	const char *alias_name;
	rd_kafka_resp_err_t alias_err;
} mb_err_aliases[] = {
    {"NOT_LEADER_OR_FOLLOWER", RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION},
    {"RECORD_TOO_LARGE", RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE},
    {"UNKNOWN_TOPIC_OR_PARTITION", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART},
    {NULL, RD_KAFKA_RESP_ERR_NO_ERROR},
};

static void mb_err(char *errstr, size_t errstrlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
mb_err(char *errstr, size_t errstrlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(errstr, errstrlen, fmt, ap);
	va_end(ap);
}

/* Parses a decimal integer in [min, max]. Returns 0, or -1 with errstr. */
static int
mb_num(const char *s, long min, long max, long *out, char *errstr,
    size_t errstrlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		mb_err(errstr, errstrlen, "bad number '%s' (want %ld..%ld)", s,
		    min, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int
mb_int32(const char *s, long min, long max, int32_t *out, char *errstr,
    size_t errstrlen)
{
	long v;

	if (mb_num(s, min, max, &v, errstr, errstrlen) == -1)
		return -1;
	*out = (int32_t)v;
	return 0;
}

/* An error code by number, by librdkafka name ("UNKNOWN_TOPIC_OR_PART",
 * "_TRANSPORT", with or without "RD_KAFKA_RESP_ERR_"), or by alias. */
static int
mb_errcode(
    const char *s, rd_kafka_resp_err_t *out, char *errstr, size_t errstrlen)
{
	const struct rd_kafka_err_desc *descs;
	const char *name = s;
	size_t cnt, i;
	long v;

	if ((s[0] >= '0' && s[0] <= '9') || s[0] == '-') {
		if (mb_num(s, RD_KAFKA_RESP_ERR__BEGIN,
		        RD_KAFKA_RESP_ERR_END_ALL - 1, &v, errstr,
		        errstrlen) == -1)
			return -1;
		*out = (rd_kafka_resp_err_t)v;
		return 0;
	}
	if (strncasecmp(name, "RD_KAFKA_RESP_ERR_", 18) == 0)
		name += 18;
	rd_kafka_get_err_descs(&descs, &cnt);
	for (i = 0; i < cnt; i++) {
		if (descs[i].name != NULL &&
		    strcasecmp(descs[i].name, name) == 0) {
			*out = descs[i].code;
			return 0;
		}
	}
	for (i = 0; mb_err_aliases[i].alias_name != NULL; i++) {
		if (strcasecmp(mb_err_aliases[i].alias_name, name) == 0) {
			*out = mb_err_aliases[i].alias_err;
			return 0;
		}
	}
	mb_err(errstr, errstrlen, "unknown error code '%s'", s);
	return -1;
}

static int
mb_apikey(const char *s, int16_t *out, char *errstr, size_t errstrlen)
{
	size_t i;
	long v;

	for (i = 0; mb_apis[i].api_name != NULL; i++) {
		if (strcasecmp(mb_apis[i].api_name, s) == 0) {
			*out = (int16_t)mb_apis[i].api_key;
			return 0;
		}
	}
	if (mb_num(s, 0, SHRT_MAX, &v, errstr, errstrlen) == -1)
		return -1;
	*out = (int16_t)v;
	return 0;
}

/* Turns a librdkafka result into the command's result. */
static int
mb_result(rd_kafka_resp_err_t err, char *errstr, size_t errstrlen)
{
	if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
		return 0;
	mb_err(errstr, errstrlen, "%s", rd_kafka_err2name(err));
	return -1;
}

static int mb_nbrokers;       /* set once in main */
static int32_t mb_partitions; /* -p: default for create */

/* create <topic> [<partitions> [<replication>]]: the counts default to -p
 * and to min(3, brokers). Topics the mock auto-creates on Metadata always
 * get 4 partitions: librdkafka 2.0.2 has no setter for that default. */
static int
mb_create(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	int32_t parts = mb_partitions;
	int32_t repl = mb_nbrokers < 3 ? mb_nbrokers : 3;

	if (argc > 1 &&
	    mb_int32(argv[1], 1, 100000, &parts, errstr, errstrlen) == -1)
		return -1;
	if (argc > 2 &&
	    mb_int32(argv[2], 1, 1000, &repl, errstr, errstrlen) == -1)
		return -1;
	return mb_result(rd_kafka_mock_topic_create(mc, argv[0], parts, repl),
	    errstr, errstrlen);
}

/* topic_error <topic> <err> */
static int
mb_topic_error(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	rd_kafka_resp_err_t err;

	(void)argc;
	if (mb_errcode(argv[1], &err, errstr, errstrlen) == -1)
		return -1;
	rd_kafka_mock_topic_set_error(mc, argv[0], err);
	return 0;
}

/* down <broker_id> */
static int
mb_down(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	int32_t id;

	(void)argc;
	if (mb_int32(argv[0], 0, INT32_MAX, &id, errstr, errstrlen) == -1)
		return -1;
	return mb_result(
	    rd_kafka_mock_broker_set_down(mc, id), errstr, errstrlen);
}

/* up <broker_id> */
static int
mb_up(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	int32_t id;

	(void)argc;
	if (mb_int32(argv[0], 0, INT32_MAX, &id, errstr, errstrlen) == -1)
		return -1;
	return mb_result(
	    rd_kafka_mock_broker_set_up(mc, id), errstr, errstrlen);
}

/* all_down / all_up: brokers are numbered 1..N by the mock. */
static int
mb_all(rd_kafka_mock_cluster_t *mc, int up, char *errstr, size_t errstrlen)
{
	rd_kafka_resp_err_t err;
	int32_t id;

	for (id = 1; id <= mb_nbrokers; id++) {
		err = up ? rd_kafka_mock_broker_set_up(mc, id)
		         : rd_kafka_mock_broker_set_down(mc, id);
		if (mb_result(err, errstr, errstrlen) == -1)
			return -1;
	}
	return 0;
}

static int
mb_all_down(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	(void)argc;
	(void)argv;
	return mb_all(mc, 0, errstr, errstrlen);
}

static int
mb_all_up(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	(void)argc;
	(void)argv;
	return mb_all(mc, 1, errstr, errstrlen);
}

/* rtt <broker_id> <ms> */
static int
mb_rtt(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	int32_t id, ms;

	(void)argc;
	if (mb_int32(argv[0], 0, INT32_MAX, &id, errstr, errstrlen) == -1 ||
	    mb_int32(argv[1], 0, 3600000, &ms, errstr, errstrlen) == -1)
		return -1;
	return mb_result(
	    rd_kafka_mock_broker_set_rtt(mc, id, ms), errstr, errstrlen);
}

/* push_errors <api_key> <count> <err> [<err>...]: the given errors are
 * repeated in turn until <count> are pushed. */
static int
mb_push_errors(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	rd_kafka_resp_err_t errs[MB_ERRS_MAX];
	rd_kafka_resp_err_t given[MB_ARGS_MAX];
	int16_t api;
	int32_t cnt, i;
	int ngiven;

	if (mb_apikey(argv[0], &api, errstr, errstrlen) == -1 ||
	    mb_int32(argv[1], 1, MB_ERRS_MAX, &cnt, errstr, errstrlen) == -1)
		return -1;
	ngiven = argc - 2;
	for (i = 0; i < ngiven; i++)
		if (mb_errcode(argv[2 + i], &given[i], errstr, errstrlen) == -1)
			return -1;
	for (i = 0; i < cnt; i++)
		errs[i] = given[i % ngiven];
	rd_kafka_mock_push_request_errors_array(mc, api, (size_t)cnt, errs);
	return 0;
}

/* broker_push_error_rtts <broker_id> <api_key> <count> <err> <rtt_ms> */
static int
mb_broker_push(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	rd_kafka_resp_err_t err;
	int32_t id, cnt, rtt, i;
	int16_t api;

	(void)argc;
	if (mb_int32(argv[0], 0, INT32_MAX, &id, errstr, errstrlen) == -1 ||
	    mb_apikey(argv[1], &api, errstr, errstrlen) == -1 ||
	    mb_int32(argv[2], 1, MB_ERRS_MAX, &cnt, errstr, errstrlen) == -1 ||
	    mb_errcode(argv[3], &err, errstr, errstrlen) == -1 ||
	    mb_int32(argv[4], 0, 3600000, &rtt, errstr, errstrlen) == -1)
		return -1;
	/* Each call appends to the broker's stack, so one call per entry
	 * keeps the variadic list fixed. */
	for (i = 0; i < cnt; i++) {
		if (mb_result(rd_kafka_mock_broker_push_request_error_rtts(
		                  mc, id, api, 1, err, (int)rtt),
		        errstr, errstrlen) == -1)
			return -1;
	}
	return 0;
}

/* clear_errors <api_key>: drops the cluster-wide stack of that API. */
static int
mb_clear_errors(rd_kafka_mock_cluster_t *mc, int argc, char **argv,
    char *errstr, size_t errstrlen)
{
	int16_t api;

	(void)argc;
	if (mb_apikey(argv[0], &api, errstr, errstrlen) == -1)
		return -1;
	rd_kafka_mock_clear_request_errors(mc, api);
	return 0;
}

/* leader <topic> <partition> <broker_id|-1> */
static int
mb_leader(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	int32_t part, id;

	(void)argc;
	if (mb_int32(argv[1], 0, INT32_MAX, &part, errstr, errstrlen) == -1 ||
	    mb_int32(argv[2], -1, INT32_MAX, &id, errstr, errstrlen) == -1)
		return -1;
	return mb_result(
	    rd_kafka_mock_partition_set_leader(mc, argv[0], part, id), errstr,
	    errstrlen);
}

/* ping: answers OK; lets a test wait until earlier commands are done. */
static int
mb_ping(rd_kafka_mock_cluster_t *mc, int argc, char **argv, char *errstr,
    size_t errstrlen)
{
	(void)mc;
	(void)argc;
	(void)argv;
	(void)errstr;
	(void)errstrlen;
	return 0;
}

static const struct mb_cmd mb_cmds[] = {
    {"create", 1, 3, mb_create,
        "create <topic> [<partitions> [<replication>]]"},
    {"topic_error", 2, 2, mb_topic_error, "topic_error <topic> <err>"},
    {"down", 1, 1, mb_down, "down <broker_id>"},
    {"up", 1, 1, mb_up, "up <broker_id>"},
    {"all_down", 0, 0, mb_all_down, "all_down"},
    {"all_up", 0, 0, mb_all_up, "all_up"},
    {"rtt", 2, 2, mb_rtt, "rtt <broker_id> <ms>"},
    {"push_errors", 3, MB_ARGS_MAX - 1, mb_push_errors,
        "push_errors <api_key> <count> <err> [<err>...]"},
    {"broker_push_error_rtts", 5, 5, mb_broker_push,
        "broker_push_error_rtts <broker_id> <api_key> <count> <err> "
        "<rtt_ms>"},
    {"clear_errors", 1, 1, mb_clear_errors, "clear_errors <api_key>"},
    {"leader", 3, 3, mb_leader, "leader <topic> <partition> <broker_id|-1>"},
    {"ping", 0, 0, mb_ping, "ping"},
    {NULL, 0, 0, NULL, NULL},
};

/* Runs one control line. Returns 1 when the line asks to quit, else 0; the
 * answer has been written to stdout. */
static int
mb_run_line(rd_kafka_mock_cluster_t *mc, char *line)
{
	char *argv[MB_ARGS_MAX], *save = NULL, *w;
	char errstr[512];
	const struct mb_cmd *cmd;
	int argc = 0;

	for (w = strtok_r(line, " \t\r", &save); w != NULL;
	     w = strtok_r(NULL, " \t\r", &save)) {
		if (argc == MB_ARGS_MAX) {
			printf("ERR too many words\n");
			return 0;
		}
		argv[argc++] = w;
	}
	if (argc == 0) {
		printf("ERR empty command\n");
		return 0;
	}
	if (strcmp(argv[0], "quit") == 0) {
		printf("OK\n");
		return 1;
	}
	for (cmd = mb_cmds; cmd->cmd_name != NULL; cmd++)
		if (strcmp(cmd->cmd_name, argv[0]) == 0)
			break;
	if (cmd->cmd_name == NULL) {
		printf("ERR unknown command '%s'\n", argv[0]);
		return 0;
	}
	if (argc - 1 < cmd->cmd_minargs || argc - 1 > cmd->cmd_maxargs) {
		printf("ERR usage: %s\n", cmd->cmd_usage);
		return 0;
	}
	errstr[0] = '\0';
	if (cmd->cmd_fn(mc, argc - 1, argv + 1, errstr, sizeof(errstr)) == -1)
		printf("ERR %s\n", errstr);
	else
		printf("OK\n");
	return 0;
}

/* Logs a signal and, while it still exists, the command line of its
 * sender. */
static void
mb_who(const struct signalfd_siginfo *si)
{
	char path[64], cmd[256];
	size_t i, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/cmdline", si->ssi_pid);
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(cmd, 1, sizeof(cmd) - 1, f);
		fclose(f);
	}
	for (i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	cmd[n] = '\0';
	fprintf(stderr, "mockbroker: signal %u from pid %u (%s)\n",
	    si->ssi_signo, si->ssi_pid, n > 0 ? cmd : "gone");
}

/* Reads stdin and signals until quit, EOF or SIGTERM/SIGINT. Lines are split
 * by hand because stdio buffering does not mix with poll(). */
static void
mb_loop(rd_kafka_mock_cluster_t *mc, int sfd)
{
	char buf[MB_LINE_MAX];
	struct pollfd pfd[2];
	size_t len = 0;
	char *nl;
	ssize_t n;

	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[1].fd = sfd;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("mockbroker: poll");
			return;
		}
		if (pfd[1].revents != 0) {
			struct signalfd_siginfo si;

			/* SIGTERM, SIGINT or SIGHUP; say who sent it, as a
			 * vanished broker is otherwise hard to explain. */
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				mb_who(&si);
			return;
		}
		if (pfd[0].revents == 0)
			continue;
		n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "mockbroker: stdin closed\n");
			return; /* EOF: the test went away */
		}
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(buf, '\n', len)) != NULL) {
			size_t used = (size_t)(nl - buf) + 1;
			int quit;

			*nl = '\0';
			quit = mb_run_line(mc, buf);
			fflush(stdout);
			if (quit)
				return;
			memmove(buf, buf + used, len - used);
			len -= used;
		}
		if (len == sizeof(buf) - 1) {
			printf("ERR line too long\n");
			fflush(stdout);
			len = 0;
		}
	}
}

static void
mb_usage(void)
{
	fprintf(stderr, "usage: mockbroker [-b brokers] [-p partitions]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	char errstr[512];
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_conf_t *conf;
	rd_kafka_t *rk;
	sigset_t set;
	long nb = 3, np = 4;
	int ch, sfd;

	while ((ch = getopt(argc, argv, "b:p:")) != -1) {
		switch (ch) {
		case 'b':
			if (mb_num(optarg, 1, 64, &nb, errstr,
			        sizeof(errstr)) == -1)
				mb_usage();
			break;
		case 'p':
			if (mb_num(optarg, 1, 10000, &np, errstr,
			        sizeof(errstr)) == -1)
				mb_usage();
			break;
		default:
			mb_usage();
		}
	}
	if (optind != argc)
		mb_usage();
	mb_nbrokers = (int)nb;
	mb_partitions = (int32_t)np;

	/* Block the signals before any librdkafka thread exists, so that they
	 * reach the signalfd (test-broker.md: the mock thread inherits the
	 * mask of its creator). */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1 ||
	    (sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1) {
		perror("mockbroker: signals");
		return 1;
	}

	conf = rd_kafka_conf_new();
	if (rd_kafka_conf_set(conf, "client.id", "mockbroker", errstr,
	        sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		fprintf(stderr, "mockbroker: %s\n", errstr);
		return 1;
	}
	rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (rk == NULL) {
		fprintf(stderr, "mockbroker: rd_kafka_new: %s\n", errstr);
		return 1;
	}
	mc = rd_kafka_mock_cluster_new(rk, (int)nb);
	if (mc == NULL) {
		fprintf(stderr, "mockbroker: cannot create the mock cluster\n");
		rd_kafka_destroy(rk);
		return 1;
	}
	printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
	fflush(stdout);

	mb_loop(mc, sfd);

	rd_kafka_mock_cluster_destroy(mc);
	rd_kafka_destroy(rk);
	close(sfd);
	return 0;
}
