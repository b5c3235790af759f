// SPDX-License-Identifier: MIT
/*
 * fakegpu-vnc: serve one head of a running fakegpu-device over VNC.
 *
 *   fakegpu-vnc [--ctl PATH] [--head N] [--port P] [--listen ADDR]
 *
 * Port 5900 + N by default, on 127.0.0.1 and ::1 only unless --listen ADDR
 * (an IPv4 or IPv6 address) says otherwise. Frames come from the control
 * socket at the head's refresh rate (like fakegpu-view); only the rectangles
 * that changed are sent; a mode change resizes the framebuffer (clients that
 * support NewFBSize follow it); a head that is off shows "no signal".
 * Clients may come and go; no input goes to the guest. SIGTERM or SIGINT
 * stops it cleanly. Exit status: 0 stopped by a signal, 1 error, 2 usage,
 * 3 the device cannot be reached or went away.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <rfb/rfb.h>

#include "source.h"

#define PROG	"fakegpu-vnc"
#define BAND	16	/* rows compared and marked together */

struct vnc {
	struct fg_source src;
	unsigned int head;
	long port;
	const char *listen;
	struct fg_frame frames[FG_CTLC_MAX_HEADS];	/* only [head] is used */
	rfbScreenInfoPtr screen;
	uint32_t *fb;		/* what clients see: 0x00RRGGBB */
	uint32_t w, h;
	int sigfd;
	char name[64];
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--ctl PATH] [--head N] [--port P] [--listen ADDR]\n"
		"  --ctl PATH     the device's control socket (else $FAKEGPU_CTL, else "
		FG_CTLC_DEFAULT_SOCKET ")\n"
		"  --head N       the head to serve (default 0)\n"
		"  --port P       TCP port (default 5900 + N)\n"
		"  --listen ADDR  address to listen on (default loopback only)\n");
}

static int vnc_option(void *ctx, const char *a, const char *val)
{
	struct vnc *v = ctx;

	if (strcmp(a, "--listen") == 0 && val) {
		v->listen = val;
		return 2;
	}
	if (strcmp(a, "--port") != 0)
		return 0;
	if (!fg_parse_num(val, 65535, &v->port) || !v->port) {
		fprintf(stderr, PROG ": --port needs a TCP port from 1 to 65535\n");
		return -1;
	}
	return 2;
}

static void set_format(rfbScreenInfoPtr s)
{
	/* The device's B,G,R,0 bytes as they are: no conversion per frame. */
	s->serverFormat.redShift = 16;
	s->serverFormat.greenShift = 8;
	s->serverFormat.blueShift = 0;
}

static int start_server(struct vnc *v)
{
	int zero = 0;
	struct in_addr a4;
	struct in6_addr a6;

	v->screen = rfbGetScreen(&zero, NULL, (int)v->w, (int)v->h, 8, 3, 4);
	if (!v->screen) {
		fprintf(stderr, PROG ": cannot set up the VNC server\n");
		return -1;
	}
	set_format(v->screen);
	v->screen->cursor = NULL;	/* the engine composed the guest's cursor already */
	snprintf(v->name, sizeof(v->name), "fakegpu head %u", v->head);
	v->screen->desktopName = v->name;
	v->screen->frameBuffer = (char *)v->fb;
	v->screen->alwaysShared = TRUE;
	v->screen->port = (int)v->port;
	v->screen->ipv6port = (int)v->port;
	v->screen->listenInterface = htonl(INADDR_LOOPBACK);
	v->screen->listen6Interface = "::1";
	if (v->listen && inet_pton(AF_INET, v->listen, &a4) == 1) {
		v->screen->listenInterface = a4.s_addr;
	} else if (v->listen && inet_pton(AF_INET6, v->listen, &a6) == 1) {
		v->screen->listen6Interface = (char *)v->listen;
	} else if (v->listen) {
		fprintf(stderr, PROG ": --listen %s is not an IPv4 or IPv6 address\n", v->listen);
		return -1;
	}
	rfbInitServer(v->screen);
	if (v->screen->listenSock == RFB_INVALID_SOCKET) {
		fprintf(stderr, PROG ": cannot listen on port %ld (in use? try --port P)\n",
			v->port);
		return -1;
	}
	return 0;
}

/* Copy the new frame in; mark the bands that changed, narrowed to their columns. */
static void update(struct vnc *v)
{
	const uint32_t *px = v->frames[v->head].px;

	for (uint32_t y0 = 0; y0 < v->h; y0 += BAND) {
		uint32_t y1 = y0 + BAND < v->h ? y0 + BAND : v->h, x0 = v->w, x1 = 0;

		for (uint32_t y = y0; y < y1; y++) {
			const uint32_t *a = px + (size_t)y * v->w, *b = v->fb + (size_t)y * v->w;
			uint32_t l = 0, r = v->w;

			if (!memcmp(a, b, v->w * 4))
				continue;
			while (a[l] == b[l])
				l++;
			while (a[r - 1] == b[r - 1])
				r--;
			x0 = l < x0 ? l : x0;
			x1 = r > x1 ? r : x1;
		}
		if (x0 >= x1)
			continue;
		for (uint32_t y = y0; y < y1; y++)
			memcpy(v->fb + (size_t)y * v->w + x0, px + (size_t)y * v->w + x0,
			       (x1 - x0) * 4);
		rfbMarkRectAsModified(v->screen, (int)x0, (int)y0, (int)x1, (int)y1);
	}
}

/* A new size: a new framebuffer, all of it sent. */
static int resize(struct vnc *v)
{
	uint32_t *old = v->fb, w = v->frames[v->head].w, h = v->frames[v->head].h;
	uint32_t *fb = malloc((size_t)w * h * 4);

	if (!fb) {
		fprintf(stderr, PROG ": out of memory for a %ux%u framebuffer\n", w, h);
		return -1;
	}
	memcpy(fb, v->frames[v->head].px, (size_t)w * h * 4);
	v->fb = fb;
	v->w = w;
	v->h = h;
	if (!v->screen) {
		if (start_server(v) < 0)
			return -1;
	} else {
		rfbNewFramebuffer(v->screen, (char *)fb, (int)w, (int)h, 8, 3, 4);
		set_format(v->screen);
		rfbMarkRectAsModified(v->screen, 0, 0, (int)w, (int)h);
	}
	free(old);
	return 0;
}

static bool stop_requested(struct vnc *v)
{
	struct signalfd_siginfo si;

	return read(v->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si);
}

static int run(struct vnc *v)
{
	int64_t next = fg_now_us();
	int r;

	for (;;) {
		r = fg_source_poll(&v->src, v->head, v->head, v->frames);
		if (r != FG_CTLC_OK)
			return r;
		if (v->frames[v->head].w != v->w || v->frames[v->head].h != v->h) {
			if (resize(v) < 0)
				return FG_CTLC_REFUSED;
		} else {
			update(v);
		}
		next += fg_source_period_us(&v->src, v->head, v->head);
		if (next < fg_now_us())
			next = fg_now_us();
		do {
			int64_t left = next - fg_now_us();

			rfbProcessEvents(v->screen, left > 100000 ? 100000 : left > 0 ? left : 0);
			if (stop_requested(v))
				return FG_CTLC_OK;
		} while (fg_now_us() < next);
	}
}

int main(int argc, char **argv)
{
	struct vnc v = { .src = { .prog = PROG }, .sigfd = -1 };
	sigset_t set;
	int r = fg_parse_args(&v.src, &v.head, argc, argv, usage, vnc_option, &v);

	if (r)
		return r < 0 ? 0 : r;
	if (!v.port)
		v.port = 5900 + v.head;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	v.sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (v.sigfd < 0) {
		fprintf(stderr, PROG ": signalfd: %s\n", strerror(errno));
		return 1;
	}
	r = fg_source_update(&v.src, true);
	if (r == FG_CTLC_OK)
		r = run(&v);
	if (v.screen) {
		rfbShutdownServer(v.screen, TRUE);
		rfbScreenCleanup(v.screen);
	}
	free(v.fb);
	fg_frame_free(&v.frames[v.head]);
	close(v.sigfd);
	return fg_exit_status(&v.src, r, "stopping the VNC server");
}
