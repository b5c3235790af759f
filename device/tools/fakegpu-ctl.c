// SPDX-License-Identifier: MIT
/*
 * fakegpu-ctl: talk to a running fakegpu-device over its control socket.
 *
 *   fakegpu-ctl [--socket PATH] status
 *   fakegpu-ctl [--socket PATH] stats
 *   fakegpu-ctl [--socket PATH] screenshot HEAD FILE.png
 *   fakegpu-ctl [--socket PATH] crc HEAD
 *   fakegpu-ctl [--socket PATH] plug HEAD | unplug HEAD
 *
 * The socket is PATH, else $FAKEGPU_CTL, else /run/fakegpu/ctl.sock.
 * Exit status: 0 success, 1 the device refused or failed, 2 usage error,
 * 3 cannot reach the device.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pngio.h"

#define DEFAULT_SOCKET	"/run/fakegpu/ctl.sock"
#define MAX_SIDE	16384

static void usage(FILE *f)
{
	fprintf(f,
		"usage: fakegpu-ctl [--socket PATH] COMMAND\n"
		"commands:\n"
		"  status                     device and head status\n"
		"  stats                      per-head counters\n"
		"  screenshot HEAD FILE.png   save what HEAD displays now as a PNG\n"
		"  crc HEAD                   CRC of HEAD's last frame and of its screen now\n"
		"  plug HEAD | unplug HEAD    connect/disconnect HEAD's monitor\n"
		"socket: --socket PATH, else $FAKEGPU_CTL, else " DEFAULT_SOCKET "\n");
}

static int connect_device(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "fakegpu-ctl: socket path %s is too long\n", path);
		return -1;
	}
	memcpy(addr.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "fakegpu-ctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int err = errno;

		if (err == ENOENT || err == ECONNREFUSED)
			fprintf(stderr, "fakegpu-ctl: no device is listening on %s (%s): "
				"is fakegpu-device running? (use --socket PATH or $FAKEGPU_CTL)\n",
				path, strerror(err));
		else
			fprintf(stderr, "fakegpu-ctl: cannot connect to %s: %s\n",
				path, strerror(err));
		close(fd);
		return -1;
	}
	return fd;
}

static int send_line(int fd, const char *line)
{
	size_t len = strlen(line);

	while (len) {
		ssize_t n = send(fd, line, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "fakegpu-ctl: sending the request: %s\n", strerror(errno));
			return -1;
		}
		line += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read up to @len bytes; returns bytes read (< len at end of stream), -1 on error. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "fakegpu-ctl: reading the reply: %s\n", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Read the first reply line (without '\n') into @buf. */
static int read_line(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap - 1) {
		ssize_t n = read_full(fd, buf + len, 1);

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
	fprintf(stderr, "fakegpu-ctl: the device closed the connection without a reply%s%s\n",
		len ? ": " : "", buf);
	return -1;
}

/* Check the first line; print the device's error. 0 if it says "ok". */
static int check_ok(const char *line)
{
	if (strncmp(line, "ok", 2) == 0 && (line[2] == '\0' || line[2] == ' '))
		return 0;
	if (strncmp(line, "error ", 6) == 0)
		fprintf(stderr, "fakegpu-ctl: device: %s\n", line + 6);
	else
		fprintf(stderr, "fakegpu-ctl: unexpected reply: %s\n", line);
	return -1;
}

/* Copy the rest of the reply to stdout. */
static int copy_rest(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read_full(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	return n < 0 ? -1 : 0;
}

static int screenshot(int fd, const char *file)
{
	char line[128];
	unsigned int w, h;
	uint8_t *raw;
	uint32_t *px;
	size_t n;
	ssize_t got;
	int r;

	if (read_line(fd, line, sizeof(line)) < 0 || check_ok(line) < 0)
		return 1;
	if (sscanf(line, "ok screenshot %u %u", &w, &h) != 2 || !w || !h ||
	    w > MAX_SIDE || h > MAX_SIDE) {
		fprintf(stderr, "fakegpu-ctl: bad screenshot header: %s\n", line);
		return 1;
	}
	n = (size_t)w * h;
	raw = malloc(n * 4);
	px = malloc(n * sizeof(*px));
	if (!raw || !px) {
		fprintf(stderr, "fakegpu-ctl: out of memory for a %ux%u screenshot\n", w, h);
		free(raw);
		free(px);
		return 1;
	}
	got = read_full(fd, raw, n * 4);
	if (got != (ssize_t)(n * 4)) {
		if (got >= 0)
			fprintf(stderr, "fakegpu-ctl: screenshot truncated: %zd of %zu bytes\n",
				got, n * 4);
		free(raw);
		free(px);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		px[i] = (uint32_t)raw[4 * i + 2] << 16 | (uint32_t)raw[4 * i + 1] << 8 |
			raw[4 * i];
	r = fg_png_write(file, px, w, h);
	free(raw);
	free(px);
	if (r < 0)
		return 1;
	printf("%s: %ux%u\n", file, w, h);
	return 0;
}

int main(int argc, char **argv)
{
	const char *sock = getenv("FAKEGPU_CTL");
	char req[128];
	char line[256];
	int argi = 1, fd, rc = 0;
	const char *cmd;

	if (!sock || !*sock)
		sock = DEFAULT_SOCKET;
	while (argi < argc && argv[argi][0] == '-') {
		if (strcmp(argv[argi], "--socket") == 0 && argi + 1 < argc) {
			sock = argv[argi + 1];
			argi += 2;
		} else if (strncmp(argv[argi], "--socket=", 9) == 0) {
			sock = argv[argi] + 9;
			argi++;
		} else if (strcmp(argv[argi], "-h") == 0 || strcmp(argv[argi], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "fakegpu-ctl: unknown option %s\n", argv[argi]);
			usage(stderr);
			return 2;
		}
	}
	if (argi >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[argi];
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "stats") == 0) {
		if (argc - argi != 1)
			goto bad_args;
		snprintf(req, sizeof(req), "%s\n", cmd);
	} else if (strcmp(cmd, "crc") == 0 || strcmp(cmd, "plug") == 0 ||
		   strcmp(cmd, "unplug") == 0) {
		if (argc - argi != 2)
			goto bad_args;
		if (strlen(argv[argi + 1]) > 16 || strpbrk(argv[argi + 1], " \t\r\n"))
			goto bad_args;
		snprintf(req, sizeof(req), "%s %s\n", cmd, argv[argi + 1]);
	} else if (strcmp(cmd, "screenshot") == 0) {
		if (argc - argi != 3)
			goto bad_args;
		if (strlen(argv[argi + 1]) > 16 || strpbrk(argv[argi + 1], " \t\r\n"))
			goto bad_args;
		snprintf(req, sizeof(req), "screenshot %s\n", argv[argi + 1]);
	} else {
		fprintf(stderr, "fakegpu-ctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}

	fd = connect_device(sock);
	if (fd < 0)
		return 3;
	if (send_line(fd, req) < 0) {
		close(fd);
		return 3;
	}
	if (strcmp(cmd, "screenshot") == 0) {
		rc = screenshot(fd, argv[argi + 2]);
	} else if (read_line(fd, line, sizeof(line)) < 0 || check_ok(line) < 0) {
		rc = 1;
	} else {
		/* "ok" alone: the body follows; "ok DATA": print DATA. */
		if (line[2] == ' ')
			printf("%s\n", line + 3);
		if (copy_rest(fd) < 0)
			rc = 1;
	}
	close(fd);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;

bad_args:
	fprintf(stderr, "fakegpu-ctl: wrong arguments for '%s'\n", cmd);
	usage(stderr);
	return 2;
}
