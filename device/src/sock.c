// SPDX-License-Identifier: MIT
/*
 * Listening UNIX sockets with an owner-only default mode and a peer
 * credential check (see sock.h).
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "sock.h"

/* Remove a stale socket at @path; 0 when the path is free. */
static int clear_stale(const char *path, const struct sockaddr_un *sa,
		       const char *who)
{
	struct stat st;
	int fd, err;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "fakegpu-device: %s %s exists and is not a socket; not touching it\n",
			who, path);
		return -1;
	}
	/* Non-blocking: a live server with a full backlog must not hold us up. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		fprintf(stderr, "fakegpu-device: socket: %s\n", strerror(errno));
		return -1;
	}
	err = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) ? errno : 0;
	close(fd);
	if (err == 0 || err == EAGAIN) {
		fprintf(stderr, "fakegpu-device: %s %s is in use by a running server (another fakegpu-device?)\n",
			who, path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		fprintf(stderr, "fakegpu-device: %s %s: cannot tell whether it is stale (connect: %s); not touching it\n",
			who, path, strerror(err));
		return -1;
	}
	/* Nobody listens: left over from a process that died. */
	if (unlink(path) != 0 && errno != ENOENT) {
		fprintf(stderr, "fakegpu-device: cannot remove stale %s %s: %s\n",
			who, path, strerror(errno));
		return -1;
	}
	return 0;
}

int fg_sock_listen(const char *path, const struct fg_sock_access *acc,
		   int backlog, const char *who)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old_umask;
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "fakegpu-device: %s path too long (max %zu bytes): %s\n",
			who, sizeof(sa.sun_path) - 1, path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (clear_stale(path, &sa, who))
		return -1;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		fprintf(stderr, "fakegpu-device: socket: %s\n", strerror(errno));
		return -1;
	}
	/*
	 * Bound owner-only (the umask cannot make it wider), then given the
	 * configured group and mode before listen(): nobody can connect
	 * through a wider mode in between.
	 */
	old_umask = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? errno : 0;
	umask(old_umask);
	if (err) {
		fprintf(stderr, "fakegpu-device: cannot bind %s %s: %s\n", who, path, strerror(err));
		close(fd);
		return -1;
	}
	if (acc->gid != (gid_t)-1 && chown(path, (uid_t)-1, acc->gid) != 0) {
		fprintf(stderr, "fakegpu-device: cannot give %s %s group %u: %s (is this process a member of it?)\n",
			who, path, (unsigned int)acc->gid, strerror(errno));
		goto fail;
	}
	if (chmod(path, acc->mode & 0777) != 0) {
		fprintf(stderr, "fakegpu-device: cannot chmod %s %s to %04o: %s\n",
			who, path, (unsigned int)(acc->mode & 0777), strerror(errno));
		goto fail;
	}
	if (listen(fd, backlog) != 0) {
		fprintf(stderr, "fakegpu-device: listen on %s %s: %s\n", who, path, strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	unlink(path);
	return -1;
}

bool fg_sock_peer_allowed(int fd, const struct fg_sock_access *acc,
			  char *why, size_t len)
{
	struct ucred cr;
	socklen_t cl = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &cl) != 0 || cl != sizeof(cr)) {
		snprintf(why, len, "cannot read the peer's credentials: %s", strerror(errno));
		return false;
	}
	if (cr.uid == geteuid() || cr.uid == 0)
		return true;
	/* The operator opened the file to a group or to everyone. */
	if (acc->mode & 0066)
		return true;
	snprintf(why, len, "peer pid %d uid %u is not this device's uid %u or root "
		 "(--socket-mode and --socket-group grant others access)",
		 (int)cr.pid, (unsigned int)cr.uid, (unsigned int)geteuid());
	return false;
}

int fg_sock_parse_mode(const char *s, mode_t *mode)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || end == s || *end || s[0] == '-' || v > 0777)
		return -1;
	*mode = (mode_t)v;
	return 0;
}

int fg_sock_parse_group(const char *s, gid_t *gid)
{
	struct group *g = getgrnam(s);
	char *end;
	unsigned long v;

	if (g) {
		*gid = g->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v >= (gid_t)-1)
		return -1;
	*gid = (gid_t)v;
	return 0;
}
