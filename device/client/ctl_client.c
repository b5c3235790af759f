// SPDX-License-Identifier: MIT
/*
 * Control socket client (see ctl_client.h): one request per connection, the
 * reply read until the device closes it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_client.h"

#define IO_TIMEOUT_S	5

const char *fg_ctlc_default_path(void)
{
	const char *p = getenv("FAKEGPU_CTL");

	return p && *p ? p : FG_CTLC_DEFAULT_SOCKET;
}

int fg_ctlc_connect(const char *prog, const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "%s: socket path %s is too long (at most %zu bytes)\n",
			prog, path, sizeof(addr.sun_path) - 1);
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", prog, strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;

		if (err == ENOENT || err == ECONNREFUSED)
			fprintf(stderr, "%s: no device is listening on %s (%s): "
				"is fakegpu-device running? (use --socket PATH or $FAKEGPU_CTL)\n",
				prog, path, strerror(err));
		else
			fprintf(stderr, "%s: cannot connect to %s: %s\n", prog, path,
				strerror(err));
		close(fd);
		return -1;
	}
	return fd;
}

int fg_ctlc_send(const char *prog, int fd, const char *line)
{
	size_t len = strlen(line);

	while (len) {
		ssize_t n = send(fd, line, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "%s: sending the request: %s\n", prog, strerror(errno));
			return -1;
		}
		line += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t fg_ctlc_read_full(const char *prog, int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "%s: reading the reply: %s\n", prog,
				errno == EAGAIN ? "no answer within 5 s" : strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int fg_ctlc_read_line(const char *prog, int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		ssize_t n = fg_ctlc_read_full(prog, fd, buf + len, 1);

		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return 0;
		}
		len++;
	}
	buf[len] = '\0';
	fprintf(stderr, "%s: the device closed the connection without a reply%s%s\n",
		prog, len ? ": " : "", buf);
	return -1;
}

int fg_ctlc_check_ok(const char *prog, const char *line)
{
	if (strncmp(line, "ok", 2) == 0 && (line[2] == '\0' || line[2] == ' '))
		return 0;
	if (strncmp(line, "error ", 6) == 0)
		fprintf(stderr, "%s: device: %s\n", prog, line + 6);
	else
		fprintf(stderr, "%s: unexpected reply: %s\n", prog, line);
	return -1;
}

/* Connect and send @req; the fd, or -1 (message printed). */
static int request(const char *prog, const char *path, const char *req)
{
	int fd = fg_ctlc_connect(prog, path);

	if (fd >= 0 && fg_ctlc_send(prog, fd, req) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int fg_ctlc_screenshot(const char *prog, const char *path, unsigned int head,
		       uint8_t **bgr0, uint32_t *w, uint32_t *h)
{
	char req[32], line[128], tail;
	unsigned int sw, sh;
	size_t bytes;
	ssize_t got;
	uint8_t *buf;
	int fd;

	snprintf(req, sizeof(req), "screenshot %u\n", head);
	fd = request(prog, path, req);
	if (fd < 0)
		return FG_CTLC_UNREACHABLE;
	if (fg_ctlc_read_line(prog, fd, line, sizeof(line)) < 0) {
		close(fd);
		return FG_CTLC_UNREACHABLE;
	}
	if (strncmp(line, "error ", 6) == 0 && strstr(line, "not scanning out")) {
		close(fd);
		return FG_CTLC_NO_SIGNAL;
	}
	if (fg_ctlc_check_ok(prog, line) < 0) {
		close(fd);
		return FG_CTLC_REFUSED;
	}
	if (sscanf(line, "ok screenshot %u %u%c", &sw, &sh, &tail) != 2 || !sw || !sh ||
	    sw > FG_CTLC_MAX_SIDE || sh > FG_CTLC_MAX_SIDE) {
		fprintf(stderr, "%s: bad screenshot header from %s: %s\n", prog, path, line);
		close(fd);
		return FG_CTLC_REFUSED;
	}
	bytes = (size_t)sw * sh * 4;
	buf = malloc(bytes);
	if (!buf) {
		fprintf(stderr, "%s: out of memory for a %ux%u screenshot\n", prog, sw, sh);
		close(fd);
		return FG_CTLC_REFUSED;
	}
	got = fg_ctlc_read_full(prog, fd, buf, bytes);
	close(fd);
	if (got != (ssize_t)bytes) {
		if (got >= 0)
			fprintf(stderr, "%s: screenshot from %s truncated: %zd of %zu bytes\n",
				prog, path, got, bytes);
		free(buf);
		return FG_CTLC_UNREACHABLE;
	}
	*bgr0 = buf;
	*w = sw;
	*h = sh;
	return FG_CTLC_OK;
}

/*
 * The value of the optional field " KEY=N" in @rest (0 if absent) into *v.
 * 0, or -1 if it is there but not a number ending the field.
 */
static int optional_u64(const char *rest, const char *key, uint64_t *v)
{
	char pat[32];
	const char *p;
	char *end;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(rest, pat);
	*v = 0;
	if (!p)
		return 0;
	p += strlen(pat);
	if (*p < '0' || *p > '9')
		return -1;
	errno = 0;
	*v = strtoull(p, &end, 10);
	if (errno || (*end != ' ' && *end != '\n' && *end != '\0'))
		return -1;
	return 0;
}

int fg_ctlc_parse_head(const char *line, unsigned int *index, struct fg_ctlc_head *hd)
{
	unsigned int i, active, connected, w, h, mhz, frames;
	uint64_t reg_writes, reg_reads;
	int end = 0;

	if (sscanf(line, "head %u active=%u connected=%u mode=%ux%u@%u frames=%u%n",
		   &i, &active, &connected, &w, &h, &mhz, &frames, &end) != 7 || !end ||
	    (line[end] != ' ' && line[end] != '\n' && line[end] != '\0') || i >= FG_CTLC_MAX_HEADS ||
	    active > 1 || connected > 1 || w > FG_CTLC_MAX_SIDE || h > FG_CTLC_MAX_SIDE ||
	    mhz > 1000000 || (active && (!w || !h || !mhz)) ||
	    optional_u64(line + end, "reg_writes", &reg_writes) < 0 ||
	    optional_u64(line + end, "reg_reads", &reg_reads) < 0)
		return -1;
	*index = i;
	*hd = (struct fg_ctlc_head){ .active = active, .connected = connected,
		.width = w, .height = h, .refresh_mhz = mhz, .frames = frames,
		.reg_writes = reg_writes, .reg_reads = reg_reads };
	return 0;
}

int fg_ctlc_stats(const char *prog, const char *path, struct fg_ctlc_head *heads,
		  unsigned int max, unsigned int *n)
{
	char line[512];	/* a stats line is < 256 bytes; room for more fields */
	int fd = request(prog, path, "stats\n"), rc = FG_CTLC_OK;
	FILE *f;

	if (fd < 0)
		return FG_CTLC_UNREACHABLE;
	if (fg_ctlc_read_line(prog, fd, line, sizeof(line)) < 0) {
		close(fd);
		return FG_CTLC_UNREACHABLE;
	}
	if (fg_ctlc_check_ok(prog, line) < 0) {
		close(fd);
		return FG_CTLC_REFUSED;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return FG_CTLC_REFUSED;
	}
	*n = 0;
	while (fgets(line, sizeof(line), f)) {
		struct fg_ctlc_head hd;
		unsigned int i;

		if (fg_ctlc_parse_head(line, &i, &hd) < 0 || i != *n) {
			fprintf(stderr, "%s: bad stats line from %s: %.80s\n", prog, path, line);
			rc = FG_CTLC_REFUSED;
			break;
		}
		if (*n < max)
			heads[*n] = hd;
		(*n)++;
	}
	fclose(f);
	if (rc == FG_CTLC_OK && *n == 0) {
		fprintf(stderr, "%s: the device on %s reported no heads\n", prog, path);
		rc = FG_CTLC_REFUSED;
	}
	if (*n > max)
		*n = max;
	return rc;
}
