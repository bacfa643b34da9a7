/* SPDX-License-Identifier: MIT */
/* The sending engine: rounds of pin/geo/user records, batched into v2
 * produce requests, sent over libcurl multi (one thread), every reply
 * checked, retriable failures retried without duplicating acknowledged
 * records. */
#ifndef EMU_RUN_H
#define EMU_RUN_H

#include "emu_opts.h"
#include "emu_source.h"
#include "emu_stats.h"

/* Asks the running engine to stop: the first call ends the rounds and
 * lets the requests in flight finish; the second abandons them. Safe to
 * call from a signal handler. */
void emu_run_interrupt(void);

/* Runs the emulation or load session the options describe, filling st.
 * Returns 0 when the session ran (whatever its outcome; see
 * emu_stats_ok()), -1 when it could not start (message printed). */
int emu_run(
    const struct emu_opts *opts, struct emu_source *src, struct emu_stats *st);

/* Returns a monotonic clock in seconds. */
double emu_now(void);

#endif
