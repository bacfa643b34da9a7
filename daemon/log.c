/* SPDX-License-Identifier: MIT */
/* The log sink. Each line is formatted into a local buffer and written
 * with one write(2), so lines from librdkafka's threads never interleave. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kr_buf.h"
#include "log.h"

static const char *log_name = "krestd";
static int log_debug_on;
static volatile int log_json;

void
log_init(const char *name, int verbose, int json)
{
	log_name = name;
	log_debug_on = verbose;
	log_json = json;
}

void
log_set_json(int json)
{
	log_json = json;
}

int
log_verbose(void)
{
	return log_debug_on;
}

static const char *
log_level_name(int prio)
{
	switch (prio) {
	case KR_LOG_ERR:
		return "error";
	case KR_LOG_WARNING:
		return "warning";
	case KR_LOG_NOTICE:
		return "notice";
	case KR_LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

/* Appends an ISO-8601 UTC timestamp with milliseconds. */
static void
log_time(struct kr_buf *buf)
{
	struct timeval tv;
	struct tm tm;
	char ts[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	kr_buf_printf(buf, "%s.%03ldZ", ts, (long)(tv.tv_usec / 1000));
}

static void
log_write(struct kr_buf *buf)
{
	const char *p = buf->data;
	size_t left = buf->len;

	while (left > 0) {
		ssize_t n = write(STDERR_FILENO, p, left);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
}

/* Writes one record; msg is the already formatted message. */
static void
log_line(int prio, const char *msg)
{
	struct kr_buf buf = KR_BUF_INIT;

	if (log_json) {
		kr_buf_puts(&buf, "{\"time\":\"");
		log_time(&buf);
		kr_buf_printf(
		    &buf, "\",\"level\":\"%s\",\"msg\":", log_level_name(prio));
		kr_buf_json_str(&buf, msg, strlen(msg));
		kr_buf_puts(&buf, "}\n");
	} else {
		kr_buf_printf(&buf, "<%d>", prio);
		log_time(&buf);
		kr_buf_printf(
		    &buf, " %s %s: %s\n", log_name, log_level_name(prio), msg);
	}
	log_write(&buf);
	kr_buf_free(&buf);
}

void
log_vemit(int prio, const char *fmt, va_list ap)
{
	struct kr_buf msg = KR_BUF_INIT;
	int saved = errno;

	if (prio >= KR_LOG_DEBUG && !log_debug_on)
		return;
	kr_buf_vprintf(&msg, fmt, ap);
	log_line(prio, msg.data != NULL ? msg.data : "");
	kr_buf_free(&msg);
	errno = saved;
}

void
log_emit(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(prio, fmt, ap);
	va_end(ap);
}

/* Formats fmt and appends ": strerror(errno)". */
static void
log_verr(int prio, const char *fmt, va_list ap)
{
	struct kr_buf msg = KR_BUF_INIT;
	int saved = errno;

	kr_buf_vprintf(&msg, fmt, ap);
	kr_buf_printf(&msg, ": %s", strerror(saved));
	log_line(prio, msg.data);
	kr_buf_free(&msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_verr(KR_LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(KR_LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(KR_LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	log_vemit(KR_LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_verr(KR_LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(KR_LOG_ERR, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Appends ,"name":"value" (or null) to a JSON access record. */
static void
log_jfield(struct kr_buf *buf, const char *name, const char *value)
{
	kr_buf_printf(buf, ",\"%s\":", name);
	if (value == NULL)
		kr_buf_puts(buf, "null");
	else
		kr_buf_json_str(buf, value, strlen(value));
}

void
log_access(const struct log_access *la)
{
	struct kr_buf buf = KR_BUF_INIT;

	if (log_json) {
		kr_buf_puts(&buf, "{\"time\":\"");
		log_time(&buf);
		kr_buf_puts(&buf, "\",\"level\":\"info\",\"msg\":\"access\"");
		log_jfield(&buf, "client", la->la_client);
		log_jfield(&buf, "xff", la->la_xff);
		log_jfield(&buf, "trace", la->la_trace);
		log_jfield(&buf, "method", la->la_method);
		log_jfield(&buf, "path", la->la_path);
		kr_buf_printf(&buf,
		    ",\"status\":%d,\"records\":%lu,\"bytes\":%lu,"
		    "\"latency_ms\":%.3f}\n",
		    la->la_status, la->la_records, la->la_bytes, la->la_ms);
	} else {
		kr_buf_printf(&buf, "<%d>", KR_LOG_INFO);
		log_time(&buf);
		kr_buf_printf(&buf,
		    " %s access: %s xff=%s trace=%s \"%s %s\" %d "
		    "records=%lu bytes=%lu %.3fms\n",
		    log_name, la->la_client,
		    la->la_xff != NULL ? la->la_xff : "-",
		    la->la_trace != NULL ? la->la_trace : "-", la->la_method,
		    la->la_path, la->la_status, la->la_records, la->la_bytes,
		    la->la_ms);
	}
	log_write(&buf);
	kr_buf_free(&buf);
}
