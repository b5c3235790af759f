/* SPDX-License-Identifier: MIT */
/*
 * Control socket: a UNIX stream socket on which host tools (fakegpu-ctl, the
 * tests) ask the device for its status, statistics, screenshots and CRCs and
 * plug/unplug monitors. The protocol is described in ctl.c and in
 * docs/device-abi.md ("Control socket").
 *
 * Single-threaded, like the engine: the event loop polls fg_ctl_fd() for
 * POLLIN and calls fg_ctl_handle(), which serves one client in bounded time.
 */
#ifndef FG_CTL_H
#define FG_CTL_H

#include <stdio.h>

#include "sock.h"

struct fg_engine;
struct fg_ctl;

/* Appends the transport's lines to the `status` reply. */
typedef void (*fg_ctl_status_fn)(void *opaque, FILE *out);

/*
 * Listen on @path with @acc's mode and group (a stale socket is replaced;
 * a client @acc does not allow is refused). NULL + stderr message on error.
 */
struct fg_ctl *fg_ctl_new(const char *path, const struct fg_sock_access *acc,
			  struct fg_engine *e, fg_ctl_status_fn st, void *opaque);
/* The listening socket: poll it for POLLIN. */
int fg_ctl_fd(const struct fg_ctl *c);
/* Accept one client and serve its request (at most ~1 s to read it). */
void fg_ctl_handle(struct fg_ctl *c);
/* Close the socket and unlink its path. NULL is fine. */
void fg_ctl_free(struct fg_ctl *c);

#endif /* FG_CTL_H */
