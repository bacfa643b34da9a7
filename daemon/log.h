/* SPDX-License-Identifier: MIT */
/* Logging after OpenBSD's log.c: log_warn appends strerror(errno),
 * log_warnx does not; log_debug only with -v; fatal/fatalx exit. Lines go
 * to stderr with sd-daemon "<N>" priority prefixes (journald maps them),
 * as text or as one JSON object per line. Safe to call from any thread. */
#ifndef KR_LOG_H
#define KR_LOG_H

#include <stdarg.h>
#include <stdint.h>

/* sd-daemon priorities (syslog levels). */
#define KR_LOG_ERR     3
#define KR_LOG_WARNING 4
#define KR_LOG_NOTICE  5
#define KR_LOG_INFO    6
#define KR_LOG_DEBUG   7

/* Sets the process name, debug logging (-v) and the format; call before
 * any thread starts. json: one JSON object per line. */
void log_init(const char *name, int verbose, int json);
/* Switches the format at run time (SIGHUP reload). */
void log_set_json(int json);
int log_verbose(void);

void log_emit(int prio, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vemit(int prio, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/* One access-log record (a line of text, or a JSON object). */
struct log_access {
	const char *la_client; /* peer address */
	const char *la_xff;    /* X-Forwarded-For, or NULL */
	const char *la_trace;  /* X-Amzn-Trace-Id, or NULL */
	const char *la_method;
	const char *la_path;
	int la_status;
	unsigned long la_records;
	unsigned long la_bytes; /* request body bytes */
	uint64_t la_us;         /* latency in microseconds */
};
/* Queues one access line; log_flush() writes the queued lines. Loop
 * thread only. */
void log_access(const struct log_access *la);
void log_flush(void);
/* Flushes and frees the queue (at exit). */
void log_close(void);

#endif
