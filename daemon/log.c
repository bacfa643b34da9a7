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

/* Appends an ISO-8601 UTC timestamp with milliseconds. The date part is
 * formatted once per second per thread: the access log calls this for
 * every request. */
static void
log_time(struct kr_buf *buf)
{
	static __thread time_t cached_sec = -1;
	static __thread char cached[24];
	struct timespec ts;
	struct tm tm;
	char ms[8];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec != cached_sec) {
		gmtime_r(&ts.tv_sec, &tm);
		strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S", &tm);
		cached_sec = ts.tv_sec;
	}
	kr_buf_puts(buf, cached);
	ms[0] = '.';
	ms[1] = (char)('0' + ts.tv_nsec / 100000000);
	ms[2] = (char)('0' + ts.tv_nsec / 10000000 % 10);
	ms[3] = (char)('0' + ts.tv_nsec / 1000000 % 10);
	ms[4] = 'Z';
	kr_buf_append(buf, ms, 5);
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

/* Appends a microsecond count as milliseconds with three decimals. */
static void
log_ms(struct kr_buf *buf, uint64_t us)
{
	char frac[4];

	kr_buf_put_u64(buf, us / 1000);
	frac[0] = '.';
	frac[1] = (char)('0' + us % 1000 / 100);
	frac[2] = (char)('0' + us % 100 / 10);
	frac[3] = (char)('0' + us % 10);
	kr_buf_append(buf, frac, 4);
}

/* Access lines wait here for log_flush(), so that a loop turn that
 * answers many requests writes them with one write(2). Loop thread only. */
static struct kr_buf log_pending = KR_BUF_INIT;

void
log_flush(void)
{
	if (log_pending.len == 0)
		return;
	log_write(&log_pending);
	kr_buf_reset(&log_pending);
}

void
log_close(void)
{
	log_flush();
	kr_buf_free(&log_pending);
}

/* Formatted by hand: this runs once per request. */
void
log_access(const struct log_access *la)
{
	struct kr_buf buf = log_pending;

	kr_buf_reserve(&buf, 256);
	if (log_json) {
		kr_buf_puts(&buf, "{\"time\":\"");
		log_time(&buf);
		kr_buf_puts(&buf, "\",\"level\":\"info\",\"msg\":\"access\"");
		log_jfield(&buf, "client", la->la_client);
		log_jfield(&buf, "xff", la->la_xff);
		log_jfield(&buf, "trace", la->la_trace);
		log_jfield(&buf, "method", la->la_method);
		log_jfield(&buf, "path", la->la_path);
		kr_buf_puts(&buf, ",\"status\":");
		kr_buf_put_u64(&buf, (uint64_t)la->la_status);
		kr_buf_puts(&buf, ",\"records\":");
		kr_buf_put_u64(&buf, la->la_records);
		kr_buf_puts(&buf, ",\"bytes\":");
		kr_buf_put_u64(&buf, la->la_bytes);
		kr_buf_puts(&buf, ",\"latency_ms\":");
		log_ms(&buf, la->la_us);
		kr_buf_puts(&buf, "}\n");
	} else {
		kr_buf_puts(&buf, "<6>");
		log_time(&buf);
		kr_buf_putc(&buf, ' ');
		kr_buf_puts(&buf, log_name);
		kr_buf_puts(&buf, " access: ");
		kr_buf_puts(&buf, la->la_client);
		kr_buf_puts(&buf, " xff=");
		kr_buf_puts(&buf, la->la_xff != NULL ? la->la_xff : "-");
		kr_buf_puts(&buf, " trace=");
		kr_buf_puts(&buf, la->la_trace != NULL ? la->la_trace : "-");
		kr_buf_puts(&buf, " \"");
		kr_buf_puts(&buf, la->la_method);
		kr_buf_putc(&buf, ' ');
		kr_buf_puts(&buf, la->la_path);
		kr_buf_puts(&buf, "\" ");
		kr_buf_put_u64(&buf, (uint64_t)la->la_status);
		kr_buf_puts(&buf, " records=");
		kr_buf_put_u64(&buf, la->la_records);
		kr_buf_puts(&buf, " bytes=");
		kr_buf_put_u64(&buf, la->la_bytes);
		kr_buf_putc(&buf, ' ');
		log_ms(&buf, la->la_us);
		kr_buf_puts(&buf, "ms\n");
	}
	log_pending = buf;
	/* Keep each write within PIPE_BUF, so that lines from librdkafka's
	 * threads never land inside the batch. */
	if (log_pending.len >= 3584)
		log_flush();
}
