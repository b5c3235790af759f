// SPDX-License-Identifier: MIT
/*
 * fg-vfu-draw: scripts/check-viewer's stand-in for a guest driver. It
 * connects to fakegpu-device over vfio-user (tests/vfu_client.c), maps the
 * VRAM BAR and programs heads through BAR0, then obeys commands on stdin,
 * one a line, answering "ok" or "error ..." on stdout:
 *
 *   mode HEAD W H [HZ]   a W x H pattern on the primary plane and a 32x32
 *                        ARGB cursor at (W/3, H/3); returns once latched
 *   off HEAD             switch the head off
 *   quit                 (or end of input) disconnect and exit
 *
 *   fg-vfu-draw --socket PATH
 */
#include <errno.h>
#include <linux/vfio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fakegpu_abi.h"
#include "vfu_client.h"

#define BAR0		VFIO_PCI_BAR0_REGION_INDEX
#define VRAM		VFIO_PCI_BAR2_REGION_INDEX
#define HEAD_SPAN	(16u << 20)	/* VRAM per head: frame, then the cursor */
#define CURSOR_OFF	(15u << 20)
#define CURSOR		32
#define MAX_SIDE	1920		/* a frame fits below CURSOR_OFF */

struct draw {
	struct vfuc *c;
	uint8_t *vram;
	uint64_t vram_size;
};

static int wr(struct draw *d, unsigned int head, uint32_t reg, uint32_t v)
{
	return vfuc_write32(d->c, BAR0, FAKEGPU_HEAD_BASE(head) + reg, v);
}

static int plane_wr(struct draw *d, unsigned int head, unsigned int plane,
		    uint32_t reg, uint32_t v)
{
	return wr(d, head, FAKEGPU_PLANE_BASE(plane) + reg, v);
}

/* A packed w x h buffer at @off in VRAM on @p, shown from the head's top left. */
static int plane(struct draw *d, unsigned int head, unsigned int p, uint32_t fmt,
		 uint64_t off, uint32_t w, uint32_t h)
{
	return plane_wr(d, head, p, FAKEGPU_PLANE_FORMAT, fmt) |
	       plane_wr(d, head, p, FAKEGPU_PLANE_OFFSET_LO, (uint32_t)off) |
	       plane_wr(d, head, p, FAKEGPU_PLANE_OFFSET_HI, (uint32_t)(off >> 32)) |
	       plane_wr(d, head, p, FAKEGPU_PLANE_PITCH, w * 4) |
	       plane_wr(d, head, p, FAKEGPU_PLANE_SRC_W, w) |
	       plane_wr(d, head, p, FAKEGPU_PLANE_SRC_H, h) |
	       plane_wr(d, head, p, FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
}

static uint32_t pattern(uint32_t x, uint32_t y, uint32_t w, uint32_t h, unsigned int head)
{
	uint32_t r = x * 255 / (w - 1), g = y * 255 / (h - 1);
	uint32_t b = ((x / 32 + y / 32) & 1) ? 0xff : 0x40;

	if (y < h / 8)		/* bars on top: white, yellow, cyan, green, magenta, red, blue, black */
		return 0xff000000u | ((7 - x * 8 / w) & 4 ? 0xff0000u : 0) |
		       ((7 - x * 8 / w) & 2 ? 0xff00u : 0) | ((7 - x * 8 / w) & 1 ? 0xffu : 0);
	return 0xff000000u | r << 16 | g << 8 | (b ^ (head * 0x30));
}

/* An arrow, opaque with a black edge, and a half-transparent tail. */
static uint32_t cursor_pixel(uint32_t x, uint32_t y)
{
	if (x <= y && y < 20)
		return x == 0 || x == y || y == 19 ? 0xff000000u : 0xffffffffu;
	if (x >= 4 && x < 10 && y >= 20 && y < 30)
		return 0x80ff8000u;
	return 0;
}

static int wait_latched(struct draw *d, unsigned int head)
{
	for (int i = 0; i < 1000; i++) {
		uint32_t st = vfuc_read32(d->c, BAR0, FAKEGPU_HEAD_BASE(head) + FAKEGPU_HEAD_STATUS);

		if (st == 0xffffffffu)
			return -1;
		if (!(st & FAKEGPU_HEAD_STATUS_PENDING))
			return st & FAKEGPU_HEAD_STATUS_ERROR ? -1 : 0;
		usleep(2000);
	}
	return -1;
}

static int mode(struct draw *d, unsigned int head, uint32_t w, uint32_t h, uint32_t hz)
{
	uint64_t base = (uint64_t)head * HEAD_SPAN, cur = base + CURSOR_OFF;
	int r = 0;

	if (w < 64 || h < 64 || w > MAX_SIDE || h > MAX_SIDE || hz < 24 || hz > 240 ||
	    base + HEAD_SPAN > d->vram_size)
		return -1;
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint32_t v = pattern(x, y, w, h, head);

			memcpy(d->vram + base + ((size_t)y * w + x) * 4, &v, 4);
		}
	for (uint32_t y = 0; y < CURSOR; y++)
		for (uint32_t x = 0; x < CURSOR; x++) {
			uint32_t v = cursor_pixel(x, y);

			memcpy(d->vram + cur + ((size_t)y * CURSOR + x) * 4, &v, 4);
		}
	r |= plane(d, head, FAKEGPU_PLANE_PRIMARY, FAKEGPU_FMT_XRGB8888, base, w, h);
	r |= plane(d, head, FAKEGPU_PLANE_CURSOR, FAKEGPU_FMT_ARGB8888, cur, CURSOR, CURSOR);
	r |= plane_wr(d, head, FAKEGPU_PLANE_CURSOR, FAKEGPU_PLANE_DST_X, w / 3);
	r |= plane_wr(d, head, FAKEGPU_PLANE_CURSOR, FAKEGPU_PLANE_DST_Y, h / 3);
	r |= wr(d, head, FAKEGPU_HEAD_WIDTH, w);
	r |= wr(d, head, FAKEGPU_HEAD_HEIGHT, h);
	r |= wr(d, head, FAKEGPU_HEAD_REFRESH_MHZ, hz * 1000);
	r |= wr(d, head, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	r |= wr(d, head, FAKEGPU_HEAD_COMMIT, 1);
	return r ? -1 : wait_latched(d, head);
}

static int off(struct draw *d, unsigned int head)
{
	if (wr(d, head, FAKEGPU_HEAD_CTRL, 0) || wr(d, head, FAKEGPU_HEAD_COMMIT, 1))
		return -1;
	return wait_latched(d, head);
}

int main(int argc, char **argv)
{
	struct draw d = { 0 };
	char line[128];

	if (argc != 3 || strcmp(argv[1], "--socket") != 0) {
		fprintf(stderr, "usage: fg-vfu-draw --socket PATH (commands on stdin: "
			"mode HEAD W H [HZ], off HEAD, quit)\n");
		return 2;
	}
	d.c = vfuc_connect(argv[2], 5000);
	if (!d.c || vfuc_negotiate(d.c, NULL) != 0) {
		fprintf(stderr, "fg-vfu-draw: cannot connect to the vfio-user socket %s\n", argv[2]);
		return 3;
	}
	d.vram = vfuc_map_region(d.c, VRAM, &d.vram_size);
	if (!d.vram) {
		fprintf(stderr, "fg-vfu-draw: cannot map the VRAM BAR of %s\n", argv[2]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		unsigned int head, w, h, hz = 60;
		int n, r;

		if (sscanf(line, "mode %u %u %u %u", &head, &w, &h, &hz) >= 3 &&
		    head < FAKEGPU_MAX_HEADS)
			r = mode(&d, head, w, h, hz);
		else if (sscanf(line, "off %u%n", &head, &n) == 1 && head < FAKEGPU_MAX_HEADS)
			r = off(&d, head);
		else if (strncmp(line, "quit", 4) == 0)
			break;
		else {
			printf("error unknown command: %s", line);
			continue;
		}
		printf(r ? "error the device refused it\n" : "ok\n");
	}
	munmap(d.vram, d.vram_size);
	vfuc_close(d.c);
	return 0;
}
