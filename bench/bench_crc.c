// SPDX-License-Identifier: MIT
/*
 * bench_crc: cost of the per-frame work the engine does at each vblank when
 * CRC generation is on (compose the 1920x1080 frame from VRAM and CRC it) or
 * a writeback is requested every frame, against a plain memcpy of the same
 * 8 MB frame in the same run.
 *
 *   bench_crc [FRAMES [ROUNDS]]        (default 200 frames, 3 rounds)
 *
 * The 4096x4096 writeback runs FRAMES / 20 frames (at least 1).
 * Each figure is the fastest of ROUNDS rounds; a round measures every
 * figure once, so a burst of load elsewhere slows one round of each figure
 * rather than every round of one. Figures are noisy on shared machines:
 * compare the ratios, not the times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "compose.h"
#include "engine.h"
#include "fakegpu_abi.h"

#define W 1920
#define H 1080
#define BIG 4096			/* the largest default mode side */
#define VRAM_SIZE (160u << 20)		/* a BIG x BIG frame and its writeback */
#define CURSOR_OFF (32u << 20)
#define WB_OFF (80u << 20)
#define PERIOD_NS 16666667ull		/* 60 Hz */

enum fig {
	F_MEMCPY, F_CRC, F_ZLIB, F_XRGB, F_CURSOR, F_RGB565, F_OVERLAY, F_WB, F_WB_BIG, F_N
};

struct bench {
	struct fg_engine *e;
	uint8_t *vram, *dst;
	uint64_t t;			/* the engine's fake clock */
	int frames;
	uint32_t sink;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void hw(struct bench *b, uint32_t off, uint32_t v)
{
	fg_engine_write(b->e, FAKEGPU_HEAD_BASE(0) + off, v);
}

static void plane(struct bench *b, unsigned int p, uint32_t fmt, uint32_t off,
		  uint32_t pitch, uint32_t w, uint32_t h, int32_t x, int32_t y)
{
	uint32_t base = FAKEGPU_PLANE_BASE(p);

	hw(b, base + FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	hw(b, base + FAKEGPU_PLANE_FORMAT, fmt);
	hw(b, base + FAKEGPU_PLANE_OFFSET_LO, off);
	hw(b, base + FAKEGPU_PLANE_PITCH, pitch);
	hw(b, base + FAKEGPU_PLANE_SRC_W, w);
	hw(b, base + FAKEGPU_PLANE_SRC_H, h);
	hw(b, base + FAKEGPU_PLANE_DST_X, (uint32_t)x);
	hw(b, base + FAKEGPU_PLANE_DST_Y, (uint32_t)y);
	hw(b, base + FAKEGPU_PLANE_ALPHA, 0xffff);
	hw(b, base + FAKEGPU_PLANE_BLEND, FAKEGPU_BLEND_PREMULTI);
}

/* A w x h head showing one plane of @fmt at VRAM offset 0, nothing else. */
static void scene(struct bench *b, uint32_t ctrl, uint32_t fmt, uint32_t w, uint32_t h)
{
	hw(b, FAKEGPU_HEAD_CTRL, ctrl);
	hw(b, FAKEGPU_HEAD_WIDTH, w);
	hw(b, FAKEGPU_HEAD_HEIGHT, h);
	hw(b, FAKEGPU_HEAD_REFRESH_MHZ, 60000);
	plane(b, FAKEGPU_PLANE_PRIMARY, fmt, 0, w * fg_format_cpp(fmt), w, h, 0, 0);
	hw(b, FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_CURSOR) + FAKEGPU_PLANE_CTRL, 0);
	hw(b, FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_OVERLAY) + FAKEGPU_PLANE_CTRL, 0);
	hw(b, FAKEGPU_HEAD_GAMMA_CTRL, 0);
}

/*
 * ms per frame of @frames vblanks for the current shadow state; with
 * @writeback, each frame's commit asks for a writeback of the whole head
 * to WB_OFF.
 */
static double engine_frames(struct bench *b, int writeback, uint32_t width, int frames)
{
	double t0;

	hw(b, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(b->e, b->t);		/* (re)start or latch */
	b->t += 1000000000ull;
	fg_engine_run(b->e, b->t);
	t0 = now_ms();
	for (int i = 0; i < frames; i++) {
		if (writeback) {
			hw(b, FAKEGPU_HEAD_WB_OFFSET_LO, WB_OFF);
			hw(b, FAKEGPU_HEAD_WB_PITCH, width * 4);
			hw(b, FAKEGPU_HEAD_WB_FORMAT, FAKEGPU_FMT_XRGB8888);
			hw(b, FAKEGPU_HEAD_WB_CTRL, FAKEGPU_WB_CTRL_ENABLE);
			hw(b, FAKEGPU_HEAD_COMMIT, 1);
		}
		b->t += PERIOD_NS;		/* one vblank each */
		fg_engine_run(b->e, b->t);
	}
	return (now_ms() - t0) / frames;
}

/* The figures that do not involve the engine. */
static double measure_plain(struct bench *b, enum fig f)
{
	double t0 = now_ms();

	for (int i = 0; i < b->frames; i++) {
		if (f == F_MEMCPY) {
			memcpy(b->dst, b->vram + (i & 1) * 64, (size_t)W * H * 4);
			b->sink += b->dst[i & 0xfff];
		} else if (f == F_CRC) {
			b->sink += fg_crc_pixels(0, (const uint32_t *)b->vram, (size_t)W * H);
		} else {
			b->sink += (uint32_t)crc32(0, b->vram, W * H * 4);
		}
	}
	return (now_ms() - t0) / b->frames;
}

static double measure(struct bench *b, enum fig f)
{
	uint32_t side = f == F_WB_BIG ? BIG : 0, w = side ? side : W, h = side ? side : H;
	int writeback = f == F_WB || f == F_WB_BIG;
	int frames = f == F_WB_BIG ? (b->frames / 20 ? b->frames / 20 : 1) : b->frames;

	if (f < F_XRGB)
		return measure_plain(b, f);
	scene(b, FAKEGPU_HEAD_CTRL_ENABLE | (writeback ? 0 : FAKEGPU_HEAD_CTRL_CRC),
	      f == F_RGB565 ? FAKEGPU_FMT_RGB565 : FAKEGPU_FMT_XRGB8888, w, h);
	if (f == F_CURSOR)
		plane(b, FAKEGPU_PLANE_CURSOR, FAKEGPU_FMT_ARGB8888, CURSOR_OFF, 256 * 4,
		      256, 256, 800, 500);
	if (f == F_OVERLAY) {
		/*
		 * ABI 1.2 general path: a 512x512 ARGB8888 overlay at half plane
		 * alpha (coverage blend), and a gamma LUT on the whole frame.
		 */
		plane(b, FAKEGPU_PLANE_OVERLAY, FAKEGPU_FMT_ARGB8888, CURSOR_OFF, 512 * 4,
		      512, 512, 700, 300);
		hw(b, FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_OVERLAY) + FAKEGPU_PLANE_ALPHA, 0x8000);
		hw(b, FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_OVERLAY) + FAKEGPU_PLANE_BLEND,
		   FAKEGPU_BLEND_COVERAGE);
		hw(b, FAKEGPU_HEAD_GAMMA_INDEX, 0);
		for (uint32_t i = 0; i < FAKEGPU_GAMMA_SIZE; i++)
			hw(b, FAKEGPU_HEAD_GAMMA_DATA, (255 - i) * 0x010101u);
		hw(b, FAKEGPU_HEAD_GAMMA_CTRL, FAKEGPU_GAMMA_CTRL_ENABLE);
	}
	return engine_frames(b, writeback, w, frames);
}

int main(int argc, char **argv)
{
	static const char *const label[F_N] = {
		[F_MEMCPY] = "memcpy of the frame (baseline)",
		[F_CRC] = "frame CRC alone (fg_crc_pixels)",
		[F_ZLIB] = "zlib crc32 of the frame alone",
		[F_XRGB] = "vblank: compose+CRC XRGB8888",
		[F_CURSOR] = "vblank: compose+CRC XRGB + cursor",
		[F_RGB565] = "vblank: compose+CRC RGB565",
		[F_OVERLAY] = "vblank: XRGB + overlay + gamma",
		[F_WB] = "vblank: writeback 1920x1080",
		[F_WB_BIG] = "vblank: writeback 4096x4096",
	};
	struct bench b = { .t = 1000000000ull };
	struct fg_engine_config cfg = { .heads = 1, .vram_size = VRAM_SIZE };
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	double best[F_N];

	b.frames = argc > 1 ? atoi(argv[1]) : 200;
	b.vram = malloc(VRAM_SIZE);
	b.dst = malloc((size_t)W * H * 4);
	if (!b.vram || !b.dst || b.frames < 1 || rounds < 1) {
		fprintf(stderr, "bench_crc: out of memory or bad FRAMES/ROUNDS (want >= 1)\n");
		return 1;
	}
	for (size_t i = 0; i < VRAM_SIZE; i++)
		b.vram[i] = (uint8_t)(i * 2654435761u >> 13);
	memcpy(b.dst, b.vram, (size_t)W * H * 4);	/* fault it in */
	cfg.vram = b.vram;
	b.e = fg_engine_new(&cfg, NULL, NULL);
	if (!b.e)
		return 1;

	for (int r = 0; r < rounds; r++) {
		for (int f = 0; f < F_N; f++) {
			double ms = measure(&b, f);

			if (f >= F_XRGB &&
			    fg_engine_read(b.e, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_STATUS) !=
			    FAKEGPU_HEAD_STATUS_ACTIVE) {
				fprintf(stderr, "bench_crc: the engine refused the state of '%s'\n",
					label[f]);
				return 1;
			}
			if (f >= F_WB &&
			    fg_engine_read(b.e, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_WB_STATUS) !=
			    FAKEGPU_WB_STATUS_DONE) {
				fprintf(stderr, "bench_crc: '%s' did not write back\n", label[f]);
				return 1;
			}
			if (!r || ms < best[f])
				best[f] = ms;
		}
	}

	printf("bench_crc: %dx%d, %d frames each, fastest of %d rounds,\n"
	       "ms per frame (ratio to memcpy)\n", W, H, b.frames, rounds);
	for (int f = 0; f < F_N; f++)
		printf("  %-36s %8.3f ms  (%.2f)\n", label[f], best[f], best[f] / best[F_MEMCPY]);
	printf("  %-36s %8.1f %%\n", "60 Hz budget used by XRGB8888 CRC",
	       best[F_XRGB] / 16.667 * 100);
	printf("  %-36s %8.1f %%\n", "8 heads at 240 Hz, XRGB8888 CRC",
	       best[F_XRGB] * 8 * 240 / 1000 * 100);
	fg_engine_free(b.e);
	free(b.vram);
	free(b.dst);
	return b.sink == 0xdeadbeef;	/* keep the work observable */
}
