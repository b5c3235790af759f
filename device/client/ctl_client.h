/* SPDX-License-Identifier: MIT */
/*
 * The client side of the control socket protocol (docs/device-abi.md,
 * section 13), shared by fakegpu-ctl, fakegpu-view and fakegpu-vnc.
 *
 * Every function prints a one-line message on stderr, prefixed with @prog,
 * when it fails; every value read from the socket is validated.
 */
#ifndef FG_CTL_CLIENT_H
#define FG_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FG_CTLC_DEFAULT_SOCKET	"/run/fakegpu/ctl.sock"
#define FG_CTLC_MAX_SIDE	16384	/* larger screenshot sizes are refused */
#define FG_CTLC_MAX_HEADS	8

/* Results of the request helpers below. */
enum {
	FG_CTLC_OK = 0,
	FG_CTLC_REFUSED = 1,	/* the device answered "error ..." or nonsense */
	FG_CTLC_NO_SIGNAL = 2,	/* screenshot: the head is not scanning out */
	FG_CTLC_UNREACHABLE = 3,/* no device on the socket, or it went away */
};

/* $FAKEGPU_CTL, else FG_CTLC_DEFAULT_SOCKET. */
const char *fg_ctlc_default_path(void);

/* Connect (5 s receive/send timeouts). The fd, or -1 with a message naming @path. */
int fg_ctlc_connect(const char *prog, const char *path);
/* Send @line (which ends in '\n'). 0 or -1. */
int fg_ctlc_send(const char *prog, int fd, const char *line);
/* Read up to @len bytes: the count (< len at end of stream), or -1. */
ssize_t fg_ctlc_read_full(const char *prog, int fd, void *buf, size_t len);
/* Read the first reply line, without '\n', into @buf. 0 or -1. */
int fg_ctlc_read_line(const char *prog, int fd, char *buf, size_t cap);
/* 0 if @line is "ok" or "ok ...", else -1 with the device's error printed. */
int fg_ctlc_check_ok(const char *prog, const char *line);

/*
 * "screenshot HEAD" on a new connection. On FG_CTLC_OK, *bgr0 is malloc'ed,
 * (*w) * (*h) * 4 bytes B, G, R, 0 (on a little-endian host: 0x00RRGGBB
 * words). FG_CTLC_NO_SIGNAL is silent (no message): the head is off.
 */
int fg_ctlc_screenshot(const char *prog, const char *path, unsigned int head,
		       uint8_t **bgr0, uint32_t *w, uint32_t *h);

struct fg_ctlc_head {
	bool active, connected;
	uint32_t width, height, refresh_mhz;
	uint32_t frames;
	uint64_t reg_writes, reg_reads;	/* 0 from a device that has no such fields */
};

/* "stats" on a new connection: up to @max heads into @heads, count in *n. */
int fg_ctlc_stats(const char *prog, const char *path, struct fg_ctlc_head *heads,
		  unsigned int max, unsigned int *n);

/*
 * Parse one "head N active=..." stats line. 0 and *index, or -1 (silent).
 * reg_writes=/reg_reads= are optional (devices before them): 0 if missing.
 */
int fg_ctlc_parse_head(const char *line, unsigned int *index, struct fg_ctlc_head *hd);

#endif /* FG_CTL_CLIENT_H */
