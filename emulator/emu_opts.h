/* SPDX-License-Identifier: MIT */
/* krest-emulate's settings, filled from the command line by main.c and
 * read by every other part of the program. */
#ifndef EMU_OPTS_H
#define EMU_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "kr_gen.h"

enum emu_pick {
	EMU_PICK_DEFAULT, /* random, except seq for --from-dir */
	EMU_PICK_RANDOM,  /* a random row in [0, max_row] each round */
	EMU_PICK_SEQ      /* row = round number */
};

struct emu_opts {
	const char *o_url;             /* --url, without a trailing '/' */
	const char *o_user_id;         /* --user-id: topics <id>.pin|geo|user */
	const char *o_from_dir;        /* --from-dir */
	const char *o_mysql;           /* --mysql URL */
	uint64_t o_seed;               /* --seed */
	uint64_t o_max_row;            /* --max-row */
	enum emu_pick o_pick;          /* --pick */
	enum kr_gen_datefmt o_datefmt; /* --date-format */
	int o_strict;                  /* --strict: a malformed row is fatal */
	size_t o_batch;                /* --batch: records per request */
	const char **o_headers;        /* --header, o_nheaders of them */
	size_t o_nheaders;
	uint64_t o_count;     /* --count rounds; 0 = no limit */
	double o_duration;    /* --duration seconds; 0 = no limit */
	double o_pause_scale; /* --pause-scale (emulation mode) */
	int o_load;           /* load mode (--load, --rate or --concurrency) */
	double o_rate;        /* --rate requests/s; 0 = as fast as possible */
	unsigned o_concurrency;   /* --concurrency connections */
	unsigned o_retries;       /* --retries */
	double o_backoff_ms;      /* --retry-backoff: first backoff */
	double o_timeout;         /* --timeout seconds per request */
	double o_connect_timeout; /* --connect-timeout seconds */
	int o_keep_going;   /* --keep-going: do not stop when unreachable */
	int o_insecure;     /* --insecure: skip TLS verification */
	int o_json;         /* --json summary on stdout */
	int o_quiet;        /* --quiet: no per-event lines */
	int o_progress;     /* progress line: -1 auto (TTY), 0 off, 1 on */
	int o_ensure_ascii; /* --ensure-ascii request bodies */
	int o_dump;         /* --dump: print values, send nothing */
};

#endif
