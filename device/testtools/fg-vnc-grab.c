// SPDX-License-Identifier: MIT
/*
 * fg-vnc-grab: connect to a VNC server, wait for a complete framebuffer
 * (of size WxH with --size) and save it as a binary PPM.
 *
 *   fg-vnc-grab [--size WxH] [--updates N] HOST PORT OUT.ppm
 *
 * --updates N waits for N more complete updates before saving. Prints "fg-vnc-grab: WxH" and exits 0, or 1 when
 * nothing (or not the wanted size) arrived within 10 s.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <rfb/rfbclient.h>

#define TIMEOUT_S	10

/*
 * What arrived: pixels of the current size (rectangles of one update do not
 * overlap, so their areas add up) and updates completed with all of them.
 */
struct seen {
	int w, h;
	long area;
	long complete;
};

static int seen_tag;	/* its address names our client data */

static struct seen *seen(rfbClient *cl)
{
	struct seen *s = rfbClientGetClientData(cl, &seen_tag);

	if (s->w != cl->width || s->h != cl->height)
		*s = (struct seen){ .w = cl->width, .h = cl->height };
	return s;
}

static void got_rect(rfbClient *cl, int x, int y, int w, int h)
{
	seen(cl)->area += (long)w * h;
	if (getenv("FG_VNC_GRAB_DEBUG"))
		fprintf(stderr, "rect %d,%d %dx%d\n", x, y, w, h);
}

/* An update without pixels (a desktop size message) does not count. */
static void finished(rfbClient *cl)
{
	struct seen *s = seen(cl);

	if (s->area >= (long)s->w * s->h) {
		s->complete++;
		s->area = 0;
	}
}

static int save(rfbClient *cl, const char *path)
{
	FILE *f = fopen(path, "wb");
	const uint8_t *fb = cl->frameBuffer;

	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "P6\n%d %d\n255\n", cl->width, cl->height);
	for (long i = 0; i < (long)cl->width * cl->height; i++) {
		uint8_t rgb[3] = { fb[4 * i + 2], fb[4 * i + 1], fb[4 * i] };

		fwrite(rgb, 1, 3, f);
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	int want_w = 0, want_h = 0, argi = 1, zero = 0, rc = 1;
	long updates = 0;
	rfbClient *cl;
	time_t end;

	while (argi + 1 < argc && argv[argi][0] == '-') {
		if (strcmp(argv[argi], "--size") == 0 &&
		    sscanf(argv[argi + 1], "%dx%d", &want_w, &want_h) == 2)
			argi += 2;
		else if (strcmp(argv[argi], "--updates") == 0)
			updates = strtol(argv[argi + 1], NULL, 10), argi += 2;
		else
			break;
	}
	if (argc - argi != 3) {
		fprintf(stderr, "usage: fg-vnc-grab [--size WxH] [--updates N] HOST PORT OUT.ppm\n");
		return 2;
	}
	cl = rfbGetClient(8, 3, 4);
	if (!cl)
		return 1;
	cl->format.redShift = 16;	/* bytes B, G, R, X like the device */
	cl->format.greenShift = 8;
	cl->format.blueShift = 0;
	/* Lossless encodings only (tight may use JPEG); NewFBSize is added by libvncclient. */
	cl->appData.encodingsString = "copyrect zrle hextile zlib raw";
	cl->serverHost = strdup(argv[argi]);
	cl->serverPort = atoi(argv[argi + 1]);
	cl->FinishedFrameBufferUpdate = finished;
	cl->GotFrameBufferUpdate = got_rect;
	rfbClientSetClientData(cl, &seen_tag, &(struct seen){ 0 });
	if (!rfbInitClient(cl, &zero, NULL)) {
		fprintf(stderr, "fg-vnc-grab: cannot connect to %s:%s\n", argv[argi], argv[argi + 1]);
		return 1;	/* rfbInitClient freed the client */
	}
	end = time(NULL) + TIMEOUT_S;
	/* libvncclient asks for the next (incremental) update after each one. */
	while (time(NULL) < end) {
		struct seen *sn = seen(cl);
		bool size_ok = !want_w || (cl->width == want_w && cl->height == want_h);
		int m;

		if (sn->complete > 0 && size_ok && sn->complete > updates) {
			rc = save(cl, argv[argi + 2]) ? 1 : 0;
			break;
		}
		if (sn->complete > 0 && !size_ok)	/* a stale size: ask for all again */
			SendFramebufferUpdateRequest(cl, 0, 0, cl->width, cl->height, FALSE);
		m = WaitForMessage(cl, 100000);
		if (m < 0 || (m > 0 && !HandleRFBServerMessage(cl)))
			break;
	}
	if (rc == 0)
		printf("fg-vnc-grab: %dx%d\n", cl->width, cl->height);
	else
		fprintf(stderr, "fg-vnc-grab: no complete framebuffer%s within %d s (got %dx%d)\n",
			want_w ? " of the wanted size" : "", TIMEOUT_S, cl->width, cl->height);
	rfbClientCleanup(cl);
	return rc;
}
