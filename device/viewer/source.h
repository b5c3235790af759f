/* SPDX-License-Identifier: MIT */
/*
 * Frames of a running device for the viewers (fakegpu-view, fakegpu-vnc):
 * the heads' modes from `stats` (re-read once a second, so mode changes and
 * hotplug are followed), each head's frame from `screenshot N`, and a
 * "no signal" frame for a head that is not scanning out.
 */
#ifndef FG_VIEWER_SOURCE_H
#define FG_VIEWER_SOURCE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl_client.h"

#define FG_NOSIGNAL_W	640	/* size of "no signal" before any mode was seen */
#define FG_NOSIGNAL_H	480

/* One head's picture: w * h pixels 0x00RRGGBB (the wire's B,G,R,0 bytes). */
struct fg_frame {
	uint32_t w, h;
	uint32_t *px;
	bool signal;		/* false: a "no signal" picture */
};

struct fg_source {
	const char *prog, *path;
	unsigned int heads;
	struct fg_ctlc_head head[FG_CTLC_MAX_HEADS];
	int64_t stats_us;	/* when `stats` was last read */
};

int64_t fg_now_us(void);

/*
 * Read `stats` if it is older than a second (or @force). FG_CTLC_OK, or
 * FG_CTLC_UNREACHABLE / FG_CTLC_REFUSED with a message printed.
 */
int fg_source_update(struct fg_source *s, bool force);

/*
 * Replace @f with head @head's current frame, or with a "no signal" picture
 * of @f's previous size when the head is off. FG_CTLC_OK or an error.
 */
int fg_source_grab(struct fg_source *s, unsigned int head, struct fg_frame *f);

/*
 * Microseconds between frames: the fastest active head among [first, last];
 * 100 ms when none is active.
 */
uint32_t fg_source_period_us(const struct fg_source *s, unsigned int first,
			     unsigned int last);

/*
 * Read `stats` when due, check that heads @first..@last exist (@last
 * FG_ALL_HEADS: through the device's last head) and grab their frames into
 * @frames[first..last]. FG_CTLC_OK or an error (message printed).
 */
#define FG_ALL_HEADS	UINT32_MAX
int fg_source_poll(struct fg_source *s, unsigned int first, unsigned int last,
		   struct fg_frame *frames);

/* Parse a decimal number 0..@max. */
bool fg_parse_num(const char *s, long max, long *out);
/*
 * Command line: --ctl PATH and --head N are handled here (s->path, *head),
 * -h/--help prints @usage to stdout; every other argument goes to @opt,
 * which returns how many arguments it used (1 a flag, 2 an option and its
 * value; @val is NULL at the end), 0 for an unknown option or -1 for a bad
 * value (message printed). Returns 0, 2 (usage error) or -1 (help shown).
 */
typedef int (*fg_opt_fn)(void *ctx, const char *opt, const char *val);
int fg_parse_args(struct fg_source *s, unsigned int *head, int argc, char **argv,
		  void (*usage)(FILE *), fg_opt_fn opt, void *ctx);

/*
 * The exit status for result @r: 0 ok, 3 unreachable (after a message that
 * the device on s->path is gone and what the program does: @action), else 1.
 */
int fg_exit_status(const struct fg_source *s, int r, const char *action);

/* Paint "NO SIGNAL" on a dark background. */
void fg_frame_no_signal(struct fg_frame *f);
void fg_frame_free(struct fg_frame *f);

#endif /* FG_VIEWER_SOURCE_H */
