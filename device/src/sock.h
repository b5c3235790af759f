/* SPDX-License-Identifier: MIT */
/*
 * The device's listening UNIX sockets (vfio-user and control): who may
 * connect.
 *
 * A socket file is created with FG_SOCK_MODE_DEFAULT (owner only) unless the
 * operator asks for a wider mode and, optionally, a group. An accepted peer
 * is then checked with SO_PEERCRED: a peer of our effective uid, or root, is
 * accepted; a peer of another uid only when the configured mode grants group
 * or other access (the file mode and group then decided who could connect).
 *
 * Stateless helpers; no locking needed.
 */
#ifndef FG_SOCK_H
#define FG_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define FG_SOCK_MODE_DEFAULT	0600

struct fg_sock_access {
	mode_t mode;		/* socket file permission bits (0..0777) */
	gid_t gid;		/* (gid_t)-1: leave the group as created */
};

#define FG_SOCK_ACCESS_INIT { .mode = FG_SOCK_MODE_DEFAULT, .gid = (gid_t)-1 }

/*
 * Listen on @path (non-blocking, close-on-exec). A socket left there by a
 * process that died is replaced; a live one (another server answers) or
 * anything that is not a socket is an error and is left alone. The file gets
 * @acc's mode and group before anyone can connect. @who names the socket in
 * messages ("vfio-user socket"). Returns the fd, or -1 with a message on
 * stderr.
 */
int fg_sock_listen(const char *path, const struct fg_sock_access *acc,
		   int backlog, const char *who);

/*
 * May the peer of connected socket @fd use us? On false, @why (of @len
 * bytes) says who it was and why it was refused.
 */
bool fg_sock_peer_allowed(int fd, const struct fg_sock_access *acc,
			  char *why, size_t len);

/* "0660" (octal, at most 0777) -> 0 or -1. */
int fg_sock_parse_mode(const char *s, mode_t *mode);
/* A group name or number -> 0 or -1. */
int fg_sock_parse_group(const char *s, gid_t *gid);

#endif /* FG_SOCK_H */
