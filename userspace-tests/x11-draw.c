// SPDX-License-Identifier: MIT
/*
 * x11-draw: an X client that draws rectangles of known colours at known
 * root-window positions, so that a host screenshot can be checked exactly
 * where it drew. One override-redirect window per rectangle (no window
 * manager needed, nothing moves it), filled with XFillRectangle on Expose.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <X11/Xlib.h>
#include <X11/Xutil.h>

#define PROG "x11-draw"
#define RECT_MAX 16

struct box {
	int x, y;
	unsigned int w, h;
	unsigned long rgb;
	Window win;
	int drawn;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [--ready-file PATH] [--hold SECONDS] X,Y,W,H=RRGGBB...\n"
"\n"
"Draws each rectangle (root coordinates, colour in hex) in its own window on\n"
"$DISPLAY (a 24-bit TrueColor visual), waits until every one is drawn and\n"
"flushed to the server, creates PATH (if given) and keeps the windows up for\n"
"SECONDS (default 60) or until SIGTERM/SIGINT. Exit status 0, 1 on failure,\n"
"2 on bad usage.\n");
}

static int parse_box(const char *s, struct box *b)
{
	int n = 0;

	if (sscanf(s, "%d,%d,%u,%u=%6lx%n", &b->x, &b->y, &b->w, &b->h, &b->rgb, &n) != 5 ||
	    s[n] || !b->w || !b->h || strlen(strchr(s, '=') + 1) != 6) {
		fprintf(stderr, PROG ": invalid rectangle '%s': expected X,Y,W,H=RRGGBB\n", s);
		return -1;
	}
	return 0;
}

static void fill(Display *dpy, GC gc, struct box *b)
{
	XSetForeground(dpy, gc, b->rgb);
	XFillRectangle(dpy, b->win, gc, 0, 0, b->w, b->h);
	b->drawn = 1;
}

int main(int argc, char **argv)
{
	struct box boxes[RECT_MAX];
	const char *ready = NULL;
	unsigned long hold = 60;
	int n = 0, drawn = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--ready-file") && i + 1 < argc) {
			ready = argv[++i];
		} else if (!strcmp(argv[i], "--hold") && i + 1 < argc) {
			char *end;

			errno = 0;
			hold = strtoul(argv[++i], &end, 10);
			if (errno || *end || end == argv[i]) {
				fprintf(stderr, PROG ": invalid --hold '%s'\n", argv[i]);
				return 2;
			}
		} else if (argv[i][0] == '-') {
			fprintf(stderr, PROG ": unknown option %s (see --help)\n", argv[i]);
			return 2;
		} else if (n == RECT_MAX) {
			fprintf(stderr, PROG ": more than %d rectangles\n", RECT_MAX);
			return 2;
		} else if (parse_box(argv[i], &boxes[n++])) {
			return 2;
		}
	}
	if (!n) {
		usage(stderr);
		return 2;
	}

	Display *dpy = XOpenDisplay(NULL);

	if (!dpy) {
		fprintf(stderr, PROG ": cannot open display '%s'\n",
			getenv("DISPLAY") ? getenv("DISPLAY") : "(DISPLAY not set)");
		return 1;
	}
	int scr = DefaultScreen(dpy);
	XVisualInfo vi;

	/* Pixel values are then the colours themselves. */
	if (!XMatchVisualInfo(dpy, scr, 24, TrueColor, &vi) || vi.visual != DefaultVisual(dpy, scr) ||
	    vi.red_mask != 0xff0000 || vi.green_mask != 0xff00 || vi.blue_mask != 0xff) {
		fprintf(stderr, PROG ": the default visual is not 24-bit TrueColor RGB888\n");
		XCloseDisplay(dpy);
		return 1;
	}
	GC gc = XCreateGC(dpy, RootWindow(dpy, scr), 0, NULL);
	XSetWindowAttributes attr = { .override_redirect = True, .background_pixel = 0,
				      .event_mask = ExposureMask };

	for (int i = 0; i < n; i++) {
		struct box *b = &boxes[i];

		b->drawn = 0;
		b->win = XCreateWindow(dpy, RootWindow(dpy, scr), b->x, b->y, b->w, b->h, 0,
				       CopyFromParent, InputOutput, CopyFromParent,
				       CWOverrideRedirect | CWBackPixel | CWEventMask, &attr);
		XMapRaised(dpy, b->win);
	}
	while (drawn < n) {
		XEvent ev;

		XNextEvent(dpy, &ev);
		if (ev.type != Expose || ev.xexpose.count)
			continue;
		for (int i = 0; i < n; i++)
			if (boxes[i].win == ev.xexpose.window) {
				drawn += !boxes[i].drawn;
				fill(dpy, gc, &boxes[i]);
			}
	}
	/* A round trip: the server has executed every request. */
	XSync(dpy, False);
	printf(PROG ": drew %d rectangles\n", n);
	fflush(stdout);
	if (ready) {
		FILE *f = fopen(ready, "w");

		if (!f || fclose(f)) {
			fprintf(stderr, PROG ": cannot create %s: %s\n", ready, strerror(errno));
			XCloseDisplay(dpy);
			return 1;
		}
	}

	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (unsigned long s = 0; s < hold * 10 && !stop; s++) {
		struct timespec ts = { 0, 100000000 };

		/* Redraw what the server asks for (e.g. after a mode switch). */
		while (XPending(dpy)) {
			XEvent ev;

			XNextEvent(dpy, &ev);
			for (int i = 0; ev.type == Expose && i < n; i++)
				if (boxes[i].win == ev.xexpose.window)
					fill(dpy, gc, &boxes[i]);
		}
		XFlush(dpy);
		nanosleep(&ts, NULL);
	}
	XFreeGC(dpy, gc);
	XCloseDisplay(dpy);
	return 0;
}
