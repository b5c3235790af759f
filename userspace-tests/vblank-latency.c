// SPDX-License-Identifier: MIT
/*
 * vblank-latency: how long a DRM_IOCTL_WAIT_VBLANK for a vblank that has
 * already passed takes, next to a null system call measured at the same
 * moment. Each frame: a page flip with an event, the event is read, then
 * (in alternating order) one absolute wait for the flip's own sequence and
 * one getppid(), each timed with CLOCK_MONOTONIC. This is the step igt's
 * kms_flip@flip-vs-expired-vblank repeats for ~30 s, asserting every wait
 * returns within 500 us; the null call is the floor the guest and its host
 * put under any system call. It also prints how late each flip event reached
 * us (vblank timestamp -> event read), how long the page-flip ioctl took and
 * how many flips, each issued right after the previous one's event, missed
 * the next vblank: igt's kms_flip counts such a flip as a failed event.
 * Prints figures; exits non-zero only on an error (a failed ioctl, a wrong
 * reply).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kms-util.h"

#define PROG "vblank-latency"
#define BOUND_US 500	/* igt's bound on one expired wait */

struct flip_event {
	int done;
	unsigned int seq;
	unsigned int sec, usec;
};

static void flip_handler(int fd, unsigned int seq, unsigned int sec,
			 unsigned int usec, unsigned int crtc_id, void *data)
{
	struct flip_event *ev = data;

	(void)fd;
	(void)crtc_id;
	ev->done = 1;
	ev->seq = seq;
	ev->sec = sec;
	ev->usec = usec;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v. With a bound, also counts the samples at or over it. */
static void report(const char *what, uint32_t *v, unsigned int n, uint32_t bound_us)
{
	unsigned int over = 0, i;

	qsort(v, n, sizeof(*v), cmp_u32);
	for (i = 0; i < n; i++)
		over += bound_us && v[i] >= bound_us;
	printf("%-22s n=%u p50=%" PRIu32 " p90=%" PRIu32 " p99=%" PRIu32
	       " max=%" PRIu32 " us", what, n, v[n / 2],
	       v[n * 9 / 10], v[n * 99 / 100], v[n - 1]);
	if (bound_us)
		printf(", >=%" PRIu32 " us: %u", bound_us, over);
	printf("\n");
}

/* DRM_VBLANK_* bits selecting CRTC index `pipe` (as libdrm users do). */
static uint32_t pipe_flags(unsigned int pipe)
{
	if (pipe == 0)
		return 0;
	if (pipe == 1)
		return DRM_VBLANK_SECONDARY;
	return (pipe << DRM_VBLANK_HIGH_CRTC_SHIFT) & DRM_VBLANK_HIGH_CRTC_MASK;
}

static int wait_flip(int fd, struct flip_event *ev)
{
	drmEventContext ctx = {
		.version = 3,
		.page_flip_handler2 = flip_handler,
	};
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	while (!ev->done) {
		int r = poll(&pfd, 1, 1000);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, PROG ": no page-flip event within 1 s%s%s\n",
				r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
			return -1;
		}
		if (drmHandleEvent(fd, &ctx)) {
			fprintf(stderr, PROG ": reading DRM events: %s\n", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--device /dev/dri/cardN] [--frames N] [--think-us T]\n"
		"  Flips on the first connected connector N times (default 1800,\n"
		"  30 s at 60 Hz); after each flip event times one WAIT_VBLANK for\n"
		"  the flip's (passed) sequence and one getppid(). With T, spins until\n"
		"  T us after the event was read before the next flip, like a client\n"
		"  that works between frames (igt's kms_flip takes several ms under\n"
		"  TCG): late flips then show how much of the frame the rest of the\n"
		"  path (ioctl, commit, device, interrupt) leaves.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "frames", required_argument, NULL, 'n' },
		{ "think-us", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ }
	};
	const char *path = NULL;
	unsigned long frames = 1800, think_us = 0;
	char dev[64];
	struct fg_kms_buffer buf[2] = { { 0 } };
	struct fg_kms_output output;
	uint32_t *wait_us = NULL, *null_us = NULL, *event_us = NULL, *flip_us = NULL;
	unsigned int i, late = 0, prev_seq = 0, worst_step = 1, moved_on = 0;
	int fd, c, ret = 1;

	while ((c = getopt_long(argc, argv, "d:n:t:h", opts, NULL)) != -1) {
		char *end;

		switch (c) {
		case 'd':
			path = optarg;
			break;
		case 'n':
			errno = 0;
			frames = strtoul(optarg, &end, 10);
			if (errno || *end || frames < 10 || frames > 1000000) {
				fprintf(stderr, PROG ": --frames wants a number from 10 to 1000000, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 't':
			errno = 0;
			think_us = strtoul(optarg, &end, 10);
			if (errno || *end || think_us > 100000) {
				fprintf(stderr, PROG ": --think-us wants a number from 0 to 100000, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}

	fd = fg_kms_open(PROG, path, 1, dev, sizeof(dev));
	if (fd < 0)
		return 1;
	if (fg_kms_find_output(PROG, dev, fd, &output))
		goto out;
	for (i = 0; i < 2; i++) {
		if (fg_kms_buffer_create(PROG, dev, fd, output.mode.hdisplay,
					 output.mode.vdisplay, DRM_FORMAT_XRGB8888,
					 4, &buf[i]))
			goto out;
		memset(buf[i].map, i ? 0x80 : 0x40, buf[i].size);
	}
	if (drmModeSetCrtc(fd, output.crtc_id, buf[0].fb_id, 0, 0,
			   &output.conn_id, 1, &output.mode)) {
		fprintf(stderr, PROG ": %s: setting mode %s on CRTC %u: %s\n", dev,
			output.mode.name, output.crtc_id, strerror(errno));
		goto out;
	}
	wait_us = calloc(frames, sizeof(*wait_us));
	null_us = calloc(frames, sizeof(*null_us));
	event_us = calloc(frames, sizeof(*event_us));
	flip_us = calloc(frames, sizeof(*flip_us));
	if (!wait_us || !null_us || !event_us || !flip_us) {
		fprintf(stderr, PROG ": out of memory for %lu samples\n", frames);
		goto out;
	}

	for (i = 0; i < frames; i++) {
		struct flip_event ev = { 0 };
		drmVBlank vbl;
		uint64_t t0, t1;
		uint64_t ev_ns, t_event;
		int pass;

		t0 = now_ns();
		if (drmModePageFlip(fd, output.crtc_id, buf[(i + 1) & 1].fb_id,
				    DRM_MODE_PAGE_FLIP_EVENT, &ev)) {
			fprintf(stderr, PROG ": %s: page flip %u: %s\n", dev, i, strerror(errno));
			goto out;
		}
		flip_us[i] = (uint32_t)((now_ns() - t0) / 1000);
		if (wait_flip(fd, &ev))
			goto out;
		t1 = t_event = now_ns();
		ev_ns = (uint64_t)ev.sec * 1000000000u + (uint64_t)ev.usec * 1000u;
		event_us[i] = t1 > ev_ns ? (uint32_t)((t1 - ev_ns) / 1000) : 0;
		/* Issued right after the previous event: due one vblank later. */
		if (i > 0 && ev.seq - prev_seq != 1) {
			late++;
			if (ev.seq - prev_seq > worst_step)
				worst_step = ev.seq - prev_seq;
		}
		prev_seq = ev.seq;
		/* Alternate the order: neither sample always comes first. */
		for (pass = 0; pass < 2; pass++) {
			if ((pass ^ i) & 1) {
				t0 = now_ns();
				syscall(SYS_getppid);
				t1 = now_ns();
				null_us[i] = (uint32_t)((t1 - t0) / 1000);
				continue;
			}
			memset(&vbl, 0, sizeof(vbl));
			vbl.request.type = DRM_VBLANK_ABSOLUTE | pipe_flags(output.crtc_index);
			vbl.request.sequence = ev.seq;
			t0 = now_ns();
			if (drmWaitVBlank(fd, &vbl)) {
				fprintf(stderr, PROG ": %s: WAIT_VBLANK for passed sequence %u: %s\n",
					dev, ev.seq, strerror(errno));
				goto out;
			}
			t1 = now_ns();
			wait_us[i] = (uint32_t)((t1 - t0) / 1000);
			/*
			 * What igt checks besides the time: the flip's own
			 * vblank. A later one when the event reached us after
			 * the next vblank (a stalled guest): counted, not wrong.
			 */
			if ((int)(vbl.reply.sequence - ev.seq) > 0) {
				moved_on++;
				continue;
			}
			if (vbl.reply.sequence != ev.seq ||
			    (unsigned long)vbl.reply.tval_sec != ev.sec ||
			    (unsigned long)vbl.reply.tval_usec != ev.usec) {
				fprintf(stderr, PROG ": %s: WAIT_VBLANK for passed sequence %u answered %u at %ld.%06ld, the flip event said %u.%06u\n",
					dev, ev.seq, vbl.reply.sequence, vbl.reply.tval_sec,
					vbl.reply.tval_usec, ev.sec, ev.usec);
				goto out;
			}
		}
		while (think_us && now_ns() - t_event < think_us * 1000u)
			;
	}

	printf(PROG ": %s, CRTC %u (pipe %u), %s, %lu frames, think %lu us\n", dev,
	       output.crtc_id, output.crtc_index, output.mode.name, frames, think_us);
	report("expired WAIT_VBLANK", wait_us, frames, BOUND_US);
	report("getppid (floor)", null_us, frames, BOUND_US);
	report("flip event delivery", event_us, frames, 0);
	report("page-flip ioctl", flip_us, frames, 0);
	printf("late flips: %u of %lu missed the next vblank (largest step %u vblanks)\n",
	       late, frames - 1, worst_step);
	printf("stale events: %u of %lu were read after the next vblank had passed\n",
	       moved_on, frames);
	printf("ratio expired-wait/floor: p50 %.2f, p99 %.2f\n",
	       (double)wait_us[frames / 2] / (null_us[frames / 2] ? null_us[frames / 2] : 1),
	       (double)wait_us[frames * 99 / 100] /
	       (null_us[frames * 99 / 100] ? null_us[frames * 99 / 100] : 1));
	ret = 0;
out:
	free(wait_us);
	free(null_us);
	free(event_us);
	free(flip_us);
	for (i = 0; i < 2; i++)
		fg_kms_buffer_destroy(fd, &buf[i]);
	close(fd);
	return ret;
}
