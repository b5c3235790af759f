/* SPDX-License-Identifier: MIT */
/*
 * Control socket: a UNIX stream socket on which host tools (fakegpu-ctl, the
 * viewers, the tests) ask the device for its status, statistics, screenshots
 * and CRCs, plug/unplug monitors and inject faults. The protocol is described in ctl.c and
 * in docs/device-abi.md ("Control socket").
 *
 * Single-threaded, like the engine, and never blocking: the device's event
 * loop polls the descriptors fg_ctl_pollfds() lists (the listening socket and
 * one per open connection) together with its own, sleeps no longer than
 * fg_ctl_next_deadline(), and after every wake-up calls fg_ctl_dispatch(),
 * which does only what the sockets allow without waiting: accept, read a
 * request, build its reply once, send as much of it as the socket takes, and
 * drop connections that missed a deadline (request complete within 1 s of
 * the connect, reply taken within 5 s of the request).
 *
 * Ownership: struct fg_ctl owns the listening socket, every accepted
 * connection and the replies being sent; fg_ctl_free() closes and frees them
 * all. The engine and the status callback's @opaque are borrowed and must
 * outlive the fg_ctl. The pollfd array belongs to the caller.
 */
#ifndef FG_CTL_H
#define FG_CTL_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sock.h"

struct fg_engine;
struct fg_ctl;

/*
 * Connections served at once. Further clients are accepted, sent one error
 * line and closed at once (counted in the `status` reply).
 */
#define FG_CTL_MAX_CLIENTS	32
/* Entries fg_ctl_pollfds() fills at most: the listening socket + one per client. */
#define FG_CTL_MAX_POLLFDS	(1 + FG_CTL_MAX_CLIENTS)

/* Appends the transport's lines to the `status` reply. */
typedef void (*fg_ctl_status_fn)(void *opaque, FILE *out);

/*
 * Listen on @path with @acc's mode and group (a stale socket is replaced;
 * a client @acc does not allow is refused). NULL + stderr message on error.
 */
struct fg_ctl *fg_ctl_new(const char *path, const struct fg_sock_access *acc,
			  struct fg_engine *e, fg_ctl_status_fn st, void *opaque);
/* Close the socket and every connection, unlink the path. NULL is fine. */
void fg_ctl_free(struct fg_ctl *c);
/* The listening socket (also the first entry fg_ctl_pollfds() fills). */
int fg_ctl_fd(const struct fg_ctl *c);

/*
 * Fill @pf (room for @max entries; FG_CTL_MAX_POLLFDS is always enough) with
 * the listening socket (POLLIN) and each connection (POLLIN while its request
 * is being read, POLLOUT while its reply is being sent). Returns the number
 * of entries filled. Call it before every poll(): the set changes with each
 * fg_ctl_dispatch().
 */
unsigned int fg_ctl_pollfds(const struct fg_ctl *c, struct pollfd *pf, unsigned int max);

/*
 * After poll() returned (also on a timeout or for other descriptors): @pf and
 * @n are the entries fg_ctl_pollfds() filled, with their revents. Serves the
 * ready connections, accepts waiting clients and drops the connections whose
 * deadline is at or before @now_ns (CLOCK_MONOTONIC nanoseconds). Never
 * blocks; the work per call is bounded (a few reads, at most one reply built
 * per connection, at most 1 MiB sent per connection, a bounded number of
 * accepts). Entries that match no connection are ignored.
 */
void fg_ctl_dispatch(struct fg_ctl *c, const struct pollfd *pf, unsigned int n,
		     uint64_t now_ns);

/*
 * The earliest connection deadline (CLOCK_MONOTONIC ns), UINT64_MAX when no
 * connection is open: poll() no longer than until then, then dispatch.
 */
uint64_t fg_ctl_next_deadline(const struct fg_ctl *c);

/*
 * A reply as the device sends it: @text (the "ok ..."/"error ..." line and
 * any further lines) followed by @body (a screenshot's pixel bytes, else
 * NULL/0). Both malloc'ed and owned by the holder of the struct.
 */
struct fg_ctl_reply {
	char *text;
	size_t text_len;
	uint8_t *body;
	size_t body_len;
};

/*
 * Serve one request without a socket (tests, fuzzing; the socket path uses
 * it too): @req/@len are the bytes a client sent before ending its side of
 * the connection (no terminating NUL needed; what follows the first '\n' is
 * ignored). Fills @r with exactly what the device would send: nothing for an
 * empty @req, else one reply. Same effects as over the socket (plug/unplug
 * change the engine). Returns 0, or -ENOMEM with @r empty.
 */
int fg_ctl_serve_request(struct fg_ctl *c, const char *req, size_t len,
			 struct fg_ctl_reply *r);
/* Free @r's buffers and empty it. */
void fg_ctl_reply_free(struct fg_ctl_reply *r);

#endif /* FG_CTL_H */
