// SPDX-License-Identifier: MIT
/*
 * fakegpu-ctl: talk to a running fakegpu-device over its control socket.
 *
 *   fakegpu-ctl [--socket PATH] status
 *   fakegpu-ctl [--socket PATH] stats
 *   fakegpu-ctl [--socket PATH] screenshot HEAD FILE.png
 *   fakegpu-ctl [--socket PATH] crc HEAD
 *   fakegpu-ctl [--socket PATH] plug HEAD | unplug HEAD
 *   fakegpu-ctl [--socket PATH] fault [SPEC | clear]
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

#include "ctl_client.h"
#include "pngio.h"


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
		"  fault [SPEC | clear]       list the device's faults, inject fault SPEC\n"
		"                             or clear them (docs/device-abi.md, section 16):\n"
		"    irq-bits=MASK, frame-stall=HEAD, frame-jump=HEAD:N, age-behind=HEAD:MS,\n"
		"    irq-stop, no-latch=HEAD, exit-on-commit=N\n"
		"socket: --socket PATH, else $FAKEGPU_CTL, else " FG_CTLC_DEFAULT_SOCKET "\n");
}

/* Copy the rest of the reply to stdout. */
static int copy_rest(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = fg_ctlc_read_full("fakegpu-ctl", fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	return n < 0 ? -1 : 0;
}

static int screenshot(const char *sock, const char *head, const char *file)
{
	char *end;
	unsigned long hd = strtoul(head, &end, 10);
	uint32_t w, h;
	uint8_t *raw;
	uint32_t *px;
	size_t n;
	int r;

	if (*end || head[0] < '0' || head[0] > '9' || hd >= FG_CTLC_MAX_HEADS) {
		fprintf(stderr, "fakegpu-ctl: no head '%s' (a number from 0)\n", head);
		return 1;
	}
	r = fg_ctlc_screenshot("fakegpu-ctl", sock, (unsigned int)hd, &raw, &w, &h);
	if (r == FG_CTLC_NO_SIGNAL)
		fprintf(stderr, "fakegpu-ctl: device: head %lu is not scanning out\n", hd);
	if (r != FG_CTLC_OK)
		return r == FG_CTLC_UNREACHABLE ? 3 : 1;
	n = (size_t)w * h;
	px = malloc(n * sizeof(*px));
	if (!px) {
		fprintf(stderr, "fakegpu-ctl: out of memory for a %ux%u screenshot\n", w, h);
		free(raw);
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
	const char *sock = fg_ctlc_default_path();
	char req[128];
	char line[256];
	int argi = 1, fd, rc = 0;
	const char *cmd;

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
	} else if (strcmp(cmd, "fault") == 0) {
		/* The device checks SPEC; one word that fits a request line. */
		if (argc - argi > 2)
			goto bad_args;
		if (argc - argi == 2 && (!*argv[argi + 1] || strlen(argv[argi + 1]) > 100 ||
					 strpbrk(argv[argi + 1], " \t\r\n")))
			goto bad_args;
		snprintf(req, sizeof(req), "fault%s%s\n", argc - argi == 2 ? " " : "",
			 argc - argi == 2 ? argv[argi + 1] : "");
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

	if (strcmp(cmd, "screenshot") == 0)
		return screenshot(sock, argv[argi + 1], argv[argi + 2]);
	fd = fg_ctlc_connect("fakegpu-ctl", sock);
	if (fd < 0)
		return 3;
	if (fg_ctlc_send("fakegpu-ctl", fd, req) < 0) {
		close(fd);
		return 3;
	}
	if (fg_ctlc_read_line("fakegpu-ctl", fd, line, sizeof(line)) < 0 ||
	    fg_ctlc_check_ok("fakegpu-ctl", line) < 0) {
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
