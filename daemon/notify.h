/* SPDX-License-Identifier: MIT */
/* sd_notify: READY/RELOADING/STOPPING/WATCHDOG/STATUS for Type=notify. */
#ifndef KR_NOTIFY_H
#define KR_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

/* Reads $NOTIFY_SOCKET; without it every call below does nothing. */
void kr_notify_init(void);
/* Sends one notification, e.g. kr_notify("READY=1\nSTATUS=%s", s). */
void kr_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The watchdog period systemd asked for ($WATCHDOG_USEC, when meant for
 * this process), or 0. */
uint64_t kr_notify_watchdog_us(void);

#endif
