// SPDX-License-Identifier: MIT
/*
 * bench_crc: cost of the per-frame work the engine does at each vblank when
 * CRC generation is on (compose the 1920x1080 frame from VRAM + zlib crc32),
 * against a plain memcpy of the same 8 MB frame in the same run.
 *
 *   bench_crc [FRAMES]        (default 200)
 *
 * Figures are noisy on shared machines: compare the ratios, not the times.
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
#define VRAM_SIZE (64u << 20)

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void hw(struct fg_engine *e, uint32_t off, uint32_t v)
{
	fg_engine_write(e, FAKEGPU_HEAD_BASE(0) + off, v);
}

static void plane(struct fg_engine *e, unsigned int p, uint32_t fmt, uint32_t off,
		  uint32_t pitch, uint32_t w, uint32_t h, int32_t x, int32_t y)
{
	uint32_t b = FAKEGPU_PLANE_BASE(p);

	hw(e, b + FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	hw(e, b + FAKEGPU_PLANE_FORMAT, fmt);
	hw(e, b + FAKEGPU_PLANE_OFFSET_LO, off);
	hw(e, b + FAKEGPU_PLANE_PITCH, pitch);
	hw(e, b + FAKEGPU_PLANE_SRC_W, w);
	hw(e, b + FAKEGPU_PLANE_SRC_H, h);
	hw(e, b + FAKEGPU_PLANE_DST_X, (uint32_t)x);
	hw(e, b + FAKEGPU_PLANE_DST_Y, (uint32_t)y);
}

/* ms per frame of @frames vblanks with CRC on, for the current shadow state. */
static double engine_frames(struct fg_engine *e, int frames, uint64_t *t)
{
	double t0;

	hw(e, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(e, *t);		/* (re)start or latch */
	*t += 1000000000ull;
	fg_engine_run(e, *t);
	t0 = now_ms();
	for (int i = 0; i < frames; i++) {
		*t += 16666667;		/* one 60 Hz period: one vblank each */
		fg_engine_run(e, *t);
	}
	return (now_ms() - t0) / frames;
}

int main(int argc, char **argv)
{
	int frames = argc > 1 ? atoi(argv[1]) : 200;
	uint8_t *vram = malloc(VRAM_SIZE), *dst = malloc((size_t)W * H * 4);
	struct fg_engine_config cfg = { .heads = 1, .vram_size = VRAM_SIZE };
	struct fg_engine *e;
	double t0, memcpy_ms, crc_only_ms, xrgb_ms, cursor_ms, rgb565_ms, overlay_ms;
	volatile uint32_t sink = 0;
	uint64_t t = 1000000000ull;

	if (!vram || !dst || frames < 1) {
		fprintf(stderr, "bench_crc: out of memory or bad frame count\n");
		return 1;
	}
	for (size_t i = 0; i < VRAM_SIZE; i++)
		vram[i] = (uint8_t)(i * 2654435761u >> 13);
	cfg.vram = vram;
	e = fg_engine_new(&cfg, NULL, NULL);
	if (!e)
		return 1;

	/* Baseline: copy the frame. */
	memcpy(dst, vram, (size_t)W * H * 4);
	t0 = now_ms();
	for (int i = 0; i < frames; i++) {
		memcpy(dst, vram + (i & 1) * 64, (size_t)W * H * 4);
		sink += dst[i & 0xfff];
	}
	memcpy_ms = (now_ms() - t0) / frames;

	/* zlib crc32 of the frame alone, no composition. */
	t0 = now_ms();
	for (int i = 0; i < frames; i++)
		sink += (uint32_t)crc32(0, vram, W * H * 4);
	crc_only_ms = (now_ms() - t0) / frames;

	hw(e, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
	hw(e, FAKEGPU_HEAD_WIDTH, W);
	hw(e, FAKEGPU_HEAD_HEIGHT, H);
	hw(e, FAKEGPU_HEAD_REFRESH_MHZ, 60000);
	plane(e, FAKEGPU_PLANE_PRIMARY, FAKEGPU_FMT_XRGB8888, 0, W * 4, W, H, 0, 0);
	xrgb_ms = engine_frames(e, frames, &t);

	plane(e, FAKEGPU_PLANE_CURSOR, FAKEGPU_FMT_ARGB8888, 32u << 20, 256 * 4, 256, 256,
	      800, 500);
	cursor_ms = engine_frames(e, frames, &t);

	hw(e, FAKEGPU_PLANE_BASE(1) + FAKEGPU_PLANE_CTRL, 0);
	plane(e, FAKEGPU_PLANE_PRIMARY, FAKEGPU_FMT_RGB565, 0, W * 2, W, H, 0, 0);
	rgb565_ms = engine_frames(e, frames, &t);

	/*
	 * ABI 1.2 general path: XRGB8888 primary, a 512x512 ARGB8888 overlay at
	 * half plane alpha (coverage blend), and a gamma LUT on the whole frame.
	 */
	plane(e, FAKEGPU_PLANE_PRIMARY, FAKEGPU_FMT_XRGB8888, 0, W * 4, W, H, 0, 0);
	plane(e, FAKEGPU_PLANE_OVERLAY, FAKEGPU_FMT_ARGB8888, 32u << 20, 512 * 4, 512, 512,
	      700, 300);
	hw(e, FAKEGPU_PLANE_BASE(2) + FAKEGPU_PLANE_ALPHA, 0x8000);
	hw(e, FAKEGPU_PLANE_BASE(2) + FAKEGPU_PLANE_BLEND, FAKEGPU_BLEND_COVERAGE);
	hw(e, FAKEGPU_HEAD_GAMMA_INDEX, 0);
	for (uint32_t i = 0; i < FAKEGPU_GAMMA_SIZE; i++)
		hw(e, FAKEGPU_HEAD_GAMMA_DATA, (255 - i) * 0x010101u);
	hw(e, FAKEGPU_HEAD_GAMMA_CTRL, FAKEGPU_GAMMA_CTRL_ENABLE);
	overlay_ms = engine_frames(e, frames, &t);

	if (fg_engine_read(e, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_STATUS) !=
	    FAKEGPU_HEAD_STATUS_ACTIVE) {
		fprintf(stderr, "bench_crc: the engine refused the benchmark's state\n");
		return 1;
	}
	printf("bench_crc: %dx%d, %d frames each, ms per frame (ratio to memcpy)\n",
	       W, H, frames);
	printf("  memcpy of the frame (baseline)      %7.3f ms  (1.00)\n", memcpy_ms);
	printf("  zlib crc32 of the frame alone       %7.3f ms  (%.2f)\n", crc_only_ms,
	       crc_only_ms / memcpy_ms);
	printf("  vblank: compose+CRC XRGB8888        %7.3f ms  (%.2f)\n", xrgb_ms,
	       xrgb_ms / memcpy_ms);
	printf("  vblank: compose+CRC XRGB + cursor   %7.3f ms  (%.2f)\n", cursor_ms,
	       cursor_ms / memcpy_ms);
	printf("  vblank: compose+CRC RGB565          %7.3f ms  (%.2f)\n", rgb565_ms,
	       rgb565_ms / memcpy_ms);
	printf("  vblank: XRGB + 512x512 overlay + gamma %6.3f ms  (%.2f)\n", overlay_ms,
	       overlay_ms / memcpy_ms);
	printf("  60 Hz budget used by XRGB8888 CRC   %7.1f %%\n", xrgb_ms / 16.667 * 100);
	fg_engine_free(e);
	free(vram);
	free(dst);
	return sink == 0xdeadbeef;	/* keep the work observable */
}
