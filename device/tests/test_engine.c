// SPDX-License-Identifier: MIT
/*
 * Display engine unit tests: registers, commit/latch, timing, validation,
 * composition, CRC, hotplug, reset. The engine runs on a malloc'ed VRAM and
 * a fake clock (fg_engine_run() with chosen times).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compose.h"
#include "crc32c_ref.h"
#include "engine.h"
#include "engine_fx.h"
#include "fakegpu_abi.h"

#define VRAM_SIZE	(16u << 20)
#define HZ60		60000u
#define T0		1000000000ull	/* fake clock origin */

static int setup(void **state)
{
	*state = fx_new(FX_CLOCK, 0);
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static uint32_t hrd(struct fx *f, unsigned int h, uint32_t off)
{
	return fx_rd(f, FAKEGPU_HEAD_BASE(h) + off);
}

static void hwr(struct fx *f, unsigned int h, uint32_t off, uint32_t v)
{
	fx_wr(f, FAKEGPU_HEAD_BASE(h) + off, v);
}

static void pwr(struct fx *f, unsigned int h, unsigned int p, uint32_t off, uint32_t v)
{
	hwr(f, h, FAKEGPU_PLANE_BASE(p) + off, v);
}

static void set_mode(struct fx *f, unsigned int h, uint32_t w, uint32_t ht,
		     uint32_t mhz, uint32_t ctrl)
{
	hwr(f, h, FAKEGPU_HEAD_CTRL, ctrl);
	hwr(f, h, FAKEGPU_HEAD_WIDTH, w);
	hwr(f, h, FAKEGPU_HEAD_HEIGHT, ht);
	hwr(f, h, FAKEGPU_HEAD_REFRESH_MHZ, mhz);
}

static void set_plane(struct fx *f, unsigned int h, unsigned int p, uint32_t fmt,
		      uint64_t offset, uint32_t pitch, uint32_t sx, uint32_t sy,
		      uint32_t sw, uint32_t sh, int32_t dx, int32_t dy)
{
	pwr(f, h, p, FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	pwr(f, h, p, FAKEGPU_PLANE_FORMAT, fmt);
	pwr(f, h, p, FAKEGPU_PLANE_OFFSET_LO, (uint32_t)offset);
	pwr(f, h, p, FAKEGPU_PLANE_OFFSET_HI, (uint32_t)(offset >> 32));
	pwr(f, h, p, FAKEGPU_PLANE_PITCH, pitch);
	pwr(f, h, p, FAKEGPU_PLANE_SRC_X, sx);
	pwr(f, h, p, FAKEGPU_PLANE_SRC_Y, sy);
	pwr(f, h, p, FAKEGPU_PLANE_SRC_W, sw);
	pwr(f, h, p, FAKEGPU_PLANE_SRC_H, sh);
	pwr(f, h, p, FAKEGPU_PLANE_DST_X, (uint32_t)dx);
	pwr(f, h, p, FAKEGPU_PLANE_DST_Y, (uint32_t)dy);
}

static void put32(struct fx *f, uint64_t off, uint32_t v)
{
	f->vram[off] = v & 0xff;
	f->vram[off + 1] = (v >> 8) & 0xff;
	f->vram[off + 2] = (v >> 16) & 0xff;
	f->vram[off + 3] = v >> 24;
}

static void put16(struct fx *f, uint64_t off, uint16_t v)
{
	f->vram[off] = v & 0xff;
	f->vram[off + 1] = v >> 8;
}

/* Fill a w x h XRGB8888 buffer at @off with pixel(x, y) = seed + y*w + x. */
static void fill_pattern(struct fx *f, uint64_t off, uint32_t w, uint32_t h, uint32_t seed)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			put32(f, off + 4ull * (y * w + x), (seed + y * w + x) * 2654435761u);
}

static uint32_t pattern(uint32_t w, uint32_t x, uint32_t y, uint32_t seed)
{
	return ((seed + y * w + x) * 2654435761u) & 0xffffff;
}

static void fill_solid(struct fx *f, uint64_t off, uint32_t n, uint32_t v)
{
	for (uint32_t i = 0; i < n; i++)
		put32(f, off + 4ull * i, v);
}

/* Head @h showing a w x h XRGB8888 buffer at @off, committed while off. */
static void start_head(struct fx *f, unsigned int h, uint32_t w, uint32_t ht,
		       uint64_t off, uint32_t ctrl)
{
	set_mode(f, h, w, ht, HZ60, ctrl);
	set_plane(f, h, FAKEGPU_PLANE_PRIMARY, FAKEGPU_FMT_XRGB8888, off, w * 4,
		  0, 0, w, ht, 0, 0);
	hwr(f, h, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, h, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
}

static uint32_t *shot(struct fx *f, unsigned int h, uint32_t *w, uint32_t *ht)
{
	uint32_t *px = NULL;

	assert_int_equal(fg_engine_screenshot(f->e, h, &px, w, ht), 0);
	return px;
}

static uint32_t pixel_at(struct fx *f, unsigned int h, uint32_t x, uint32_t y)
{
	uint32_t w, ht, *px = shot(f, h, &w, &ht), v;

	assert_true(x < w && y < ht);
	v = px[y * w + x];
	free(px);
	return v;
}

/* Time of vblank n at 60 Hz for a head started at T0. */
static uint64_t vb(uint64_t n)
{
	return T0 + n * 1000000000000ull / HZ60;
}

/* ---- global registers ------------------------------------------------------ */

static void test_id_registers(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_rd(f, FAKEGPU_REG_ID), FAKEGPU_ID_MAGIC);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ABI_VERSION), FAKEGPU_ABI_VERSION);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_CAPS),
			 FAKEGPU_CAP_CURSOR | FAKEGPU_CAP_CRC | FAKEGPU_CAP_HOTPLUG |
			 FAKEGPU_CAP_OVERLAY | FAKEGPU_CAP_GAMMA | FAKEGPU_CAP_WRITEBACK);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_NUM_HEADS), 2);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_VRAM_SIZE_LO), VRAM_SIZE);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_VRAM_SIZE_HI), 0);
	/* 16 MiB: the 4096x4096 default is cut until one frame fits. */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_MAX_WIDTH), 2048);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_MAX_HEIGHT), 2048);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_FORMATS),
			 (1u << FAKEGPU_FMT_XRGB8888) | (1u << FAKEGPU_FMT_ARGB8888) |
			 (1u << FAKEGPU_FMT_RGB565) | (1u << FAKEGPU_FMT_ARGB1555));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_FORMATS), 0x1e);	/* docs/device-abi.md */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_CURSOR_MAX), 256 | 256 << 16);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_PLANES_PER_HEAD), 3);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_MASK), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CONNECTOR), FAKEGPU_CONN_CONNECTED);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), 0);
	assert_int_equal(fg_engine_heads(f->e), 2);
	assert_int_equal(fg_engine_next_deadline(f->e), UINT64_MAX);
}

static void test_large_vram_defaults(void **state)
{
	(void)state;
	uint64_t size = 1ull << 30;
	uint8_t *vram = malloc(size);	/* never touched: no pages used */
	struct fg_engine_config cfg = { .heads = 8, .vram_size = size, .vram = vram };
	struct fg_engine *e;

	assert_non_null(vram);
	e = fg_engine_new(&cfg, NULL, NULL);
	assert_non_null(e);
	assert_int_equal(fg_engine_read(e, FAKEGPU_REG_MAX_WIDTH), 4096);
	assert_int_equal(fg_engine_read(e, FAKEGPU_REG_MAX_HEIGHT), 4096);
	assert_int_equal(fg_engine_read(e, FAKEGPU_REG_NUM_HEADS), 8);
	assert_int_equal(fg_engine_read(e, FAKEGPU_REG_VRAM_SIZE_LO), 0x40000000);
	assert_int_equal(fg_engine_read(e, FAKEGPU_REG_VRAM_SIZE_HI), 0);
	fg_engine_free(e);
	free(vram);
}

static void test_bad_config(void **state)
{
	(void)state;
	uint8_t *vram = calloc(1, VRAM_SIZE);
	struct fg_engine_config cfg = { .heads = 0, .vram_size = VRAM_SIZE, .vram = vram };
	struct fg_engine_mode bad = { 10, 10, 60 };

	assert_null(fg_engine_new(&cfg, NULL, NULL));
	cfg.heads = FAKEGPU_MAX_HEADS + 1;
	assert_null(fg_engine_new(&cfg, NULL, NULL));
	cfg.heads = 1;
	cfg.vram_size = 4096;
	assert_null(fg_engine_new(&cfg, NULL, NULL));
	cfg.vram_size = VRAM_SIZE;
	cfg.vram = NULL;
	assert_null(fg_engine_new(&cfg, NULL, NULL));
	cfg.vram = vram;
	cfg.modes = &bad;
	cfg.num_modes = 1;
	assert_null(fg_engine_new(&cfg, NULL, NULL));
	free(vram);
}

static void test_refused_writes_counted(void **state)
{
	struct fx *f = *state;
	const uint32_t ro[] = {
		FAKEGPU_REG_ID, FAKEGPU_REG_ABI_VERSION, FAKEGPU_REG_CAPS,
		FAKEGPU_REG_NUM_HEADS, FAKEGPU_REG_VRAM_SIZE_LO, FAKEGPU_REG_MAX_WIDTH,
		FAKEGPU_REG_FORMATS, FAKEGPU_REG_CURSOR_MAX, FAKEGPU_REG_ERROR_COUNT,
		0x002c, 0x0050, 0x0ffc,			/* unknown global */
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_STATUS,
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_ERROR_CODE,
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_FRAME,
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_CRC,
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_CONNECTOR,
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_EDID_SIZE,
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_EDID_WINDOW,
		FAKEGPU_HEAD_BASE(1) + 0x3fc,
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_PLANE_BASE(1) + 0x38,	/* past ZPOS */
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_PLANE_BASE(2) + 0x3c,	/* past ZPOS */
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_PLANE_BASE(3),		/* no plane 3 */
		FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_WB_STATUS,
		FAKEGPU_HEAD_BASE(0) + 0x04c,				/* gap */
		FAKEGPU_HEAD_BASE(2) + FAKEGPU_HEAD_CTRL,		/* no head 2 */
		FAKEGPU_MMIO_SIZE - 4,
		FAKEGPU_MMIO_SIZE,					/* outside */
		0x0001,							/* unaligned */
	};
	uint32_t n = 0;

	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		uint32_t before = fx_rd(f, ro[i]);

		fx_wr(f, ro[i], 0xdeadbeef);
		assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), ++n);
		if (ro[i] != FAKEGPU_REG_ERROR_COUNT)
			assert_int_equal(fx_rd(f, ro[i]), before);
	}
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ID), FAKEGPU_ID_MAGIC);
	assert_int_equal(fx_rd(f, FAKEGPU_HEAD_BASE(2)), 0);

	/* Reserved bits refuse the whole write. */
	hwr(f, 0, FAKEGPU_HEAD_CTRL, 0x4 | FAKEGPU_HEAD_CTRL_ENABLE);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CTRL), 0);
	pwr(f, 0, 0, FAKEGPU_PLANE_CTRL, 0x3);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 2);
	fx_wr(f, FAKEGPU_REG_CTRL, 2);
	n += 4;	/* (since ABI 1.2 every IRQ_STATUS/IRQ_MASK bit is defined) */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), n);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_MASK), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), 0);

	/* Valid writes are not counted; shadows and SCRATCH read back. */
	fx_wr(f, FAKEGPU_REG_SCRATCH, 0x12345678);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_SCRATCH), 0x12345678);
	hwr(f, 1, FAKEGPU_HEAD_WIDTH, 640);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_WIDTH), 640);
	pwr(f, 1, 1, FAKEGPU_PLANE_DST_X, (uint32_t)-5);
	assert_int_equal(hrd(f, 1, FAKEGPU_PLANE_BASE(1) + FAKEGPU_PLANE_DST_X), (uint32_t)-5);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 0);	/* 0: nothing to do */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), n);
	/* Reads of unknown offsets are 0 and harmless. */
	assert_int_equal(fx_rd(f, 0x0ff0), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_MMIO_SIZE + 64), 0);
}

static void test_irq_w1c_and_mask(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fg_engine_set_connected(f->e, 0, false), 0);
	assert_int_equal(fg_engine_set_connected(f->e, 1, false), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS),
			 FAKEGPU_IRQ_HOTPLUG(0) | FAKEGPU_IRQ_HOTPLUG(1));
	assert_int_equal(f->irqs, 0);		/* masked */
	assert_false(fg_engine_irq_pending(f->e));

	/* Unmasking a pending bit signals at once. */
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_HOTPLUG(1));
	assert_int_equal(f->irqs, 1);
	assert_true(fg_engine_irq_pending(f->e));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_MASK), FAKEGPU_IRQ_HOTPLUG(1));

	/* Write 1 to clear: only the written bits. */
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_HOTPLUG(1));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_HOTPLUG(0));
	assert_false(fg_engine_irq_pending(f->e));
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_HOTPLUG(0));
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), 0);

	/* Masked in: raised and signalled. */
	assert_int_equal(fg_engine_set_connected(f->e, 1, true), 0);
	assert_int_equal(f->irqs, 2);
	/* No change, no interrupt. */
	assert_int_equal(fg_engine_set_connected(f->e, 1, true), 0);
	assert_int_equal(f->irqs, 2);
	assert_int_equal(fg_engine_set_connected(f->e, 2, true), -ENODEV);
}

/* ---- commit / latch ---------------------------------------------------------- */

static void test_commit_immediate_when_off(void **state)
{
	struct fx *f = *state;
	uint32_t w, h, *px;

	fill_pattern(f, 0, 64, 48, 1);
	set_mode(f, 0, 64, 48, HZ60, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, 0, 64 * 4, 0, 0, 64, 48, 0, 0);
	assert_int_equal(fg_engine_screenshot(f->e, 0, &px, &w, &h), -ENODATA);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_COMMIT), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_ERROR_CODE), FAKEGPU_ERR_NONE);
	assert_int_equal(fg_engine_screenshot(f->e, 2, &px, &w, &h), -ENODEV);
	px = shot(f, 0, &w, &h);
	assert_int_equal(w, 64);
	assert_int_equal(h, 48);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			assert_int_equal(px[y * w + x], pattern(64, x, y, 1));
	free(px);
	/* Timing starts at the next run: due at once, then one period later. */
	assert_int_equal(fg_engine_next_deadline(f->e), 1);
	fg_engine_run(f->e, T0);
	assert_int_equal(fg_engine_next_deadline(f->e), vb(1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 0);
}

static void test_commit_latched_at_vblank(void **state)
{
	struct fx *f = *state;
	const uint64_t b = 1 << 20;
	struct fg_engine_head_stats st;

	fill_pattern(f, 0, 64, 48, 1);
	fill_pattern(f, b, 64, 48, 2);
	start_head(f, 0, 64, 48, 0, FAKEGPU_HEAD_CTRL_ENABLE);
	fg_engine_run(f->e, T0);

	/* Shadow writes alone change nothing. */
	pwr(f, 0, 0, FAKEGPU_PLANE_OFFSET_LO, (uint32_t)b);
	assert_int_equal(pixel_at(f, 0, 3, 2), pattern(64, 3, 2, 1));
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_COMMIT), 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS),
			 FAKEGPU_HEAD_STATUS_ACTIVE | FAKEGPU_HEAD_STATUS_PENDING);
	/* Shadows written after COMMIT belong to the next commit. */
	pwr(f, 0, 0, FAKEGPU_PLANE_SRC_X, 8);
	assert_int_equal(pixel_at(f, 0, 3, 2), pattern(64, 3, 2, 1));
	fg_engine_run(f->e, vb(1) - 1);
	assert_int_equal(pixel_at(f, 0, 3, 2), pattern(64, 3, 2, 1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 0);
	fg_engine_run(f->e, vb(1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_COMMIT), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	assert_int_equal(pixel_at(f, 0, 3, 2), pattern(64, 3, 2, 2));
	assert_int_equal(fg_engine_head_stats(f->e, 0, &st), 0);
	assert_int_equal(st.commits, 2);
	assert_int_equal(st.refused, 0);
	assert_int_equal(st.frames, 1);
	assert_int_equal(st.vblank_irqs, 1);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_VBLANK(0));
	assert_int_equal(fg_engine_head_stats(f->e, 5, &st), -ENODEV);
}

static void test_disable_at_vblank(void **state)
{
	struct fx *f = *state;

	start_head(f, 0, 64, 48, 0, FAKEGPU_HEAD_CTRL_ENABLE);
	fg_engine_run(f->e, T0);
	hwr(f, 0, FAKEGPU_HEAD_CTRL, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS),
			 FAKEGPU_HEAD_STATUS_ACTIVE | FAKEGPU_HEAD_STATUS_PENDING);
	fg_engine_run(f->e, vb(1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_VBLANK(0));
	assert_int_equal(fg_engine_next_deadline(f->e), UINT64_MAX);
	fg_engine_run(f->e, vb(5));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 1);
	/* Switched on again: FRAME goes on from where it stopped (ABI 1.1). */
	hwr(f, 0, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 1);
	fg_engine_run(f->e, vb(6));		/* starts the timing */
	fg_engine_run(f->e, vb(7));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 2);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
}

/* ---- timing ------------------------------------------------------------------ */

static void test_vblank_rate_and_catch_up(void **state)
{
	struct fx *f = *state;
	struct fg_engine_head_stats st;

	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_VBLANK(0));
	start_head(f, 0, 64, 48, 0, FAKEGPU_HEAD_CTRL_ENABLE);
	fg_engine_run(f->e, T0);
	for (uint64_t n = 1; n <= 60; n++) {
		assert_int_equal(fg_engine_next_deadline(f->e), vb(n));
		fg_engine_run(f->e, vb(n));
		assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), n);
	}
	/* No drift: 60 frames at 60 Hz end exactly one second later. */
	assert_int_equal(vb(60), T0 + 1000000000ull);
	assert_int_equal(f->irqs, 60);

	/* Late event loop: 10 periods at once count 10 frames, one interrupt. */
	fg_engine_run(f->e, vb(70) + 5);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 70);
	assert_int_equal(f->irqs, 61);
	assert_int_equal(fg_engine_next_deadline(f->e), vb(71));
	/* Early call: nothing happens. */
	fg_engine_run(f->e, vb(71) - 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 70);

	/* Far past the 1000 s rebasing step: still exact. */
	fg_engine_run(f->e, vb(60000 * 3 + 7));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 60000 * 3 + 7);
	assert_int_equal(fg_engine_next_deadline(f->e), vb(60000 * 3 + 8));
	fg_engine_run(f->e, vb(60000 * 3 + 8));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 60000 * 3 + 8);
	assert_int_equal(fg_engine_head_stats(f->e, 0, &st), 0);
	assert_int_equal(st.vblank_irqs, 63);
}

static void test_two_heads_and_refresh_change(void **state)
{
	struct fx *f = *state;

	start_head(f, 0, 64, 48, 0, FAKEGPU_HEAD_CTRL_ENABLE);
	set_mode(f, 1, 64, 48, 30000, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 1, 0, FAKEGPU_FMT_XRGB8888, 0, 256, 0, 0, 64, 48, 0, 0);
	hwr(f, 1, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, T0);
	assert_int_equal(fg_engine_next_deadline(f->e), vb(1));
	fg_engine_run(f->e, vb(2));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 2);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_FRAME), 1);	/* 30 Hz */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS),
			 FAKEGPU_IRQ_VBLANK(0) | FAKEGPU_IRQ_VBLANK(1));

	/* Refresh change latched at a vblank: the new period counts from it. */
	hwr(f, 0, FAKEGPU_HEAD_REFRESH_MHZ, 120000);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, vb(3));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 3);
	fg_engine_run(f->e, vb(3) + 8333333);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 4);
	fg_engine_run(f->e, vb(3) + 2 * 8333333 + 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_FRAME), 5);
}

static void test_irq_callback_only_when_masked_in(void **state)
{
	struct fx *f = *state;

	start_head(f, 0, 64, 48, 0, FAKEGPU_HEAD_CTRL_ENABLE);
	fg_engine_run(f->e, T0);
	fg_engine_run(f->e, vb(1));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_VBLANK(0));
	assert_int_equal(f->irqs, 0);
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_VBLANK(1));	/* other head */
	assert_int_equal(f->irqs, 0);
	fg_engine_run(f->e, vb(2));
	assert_int_equal(f->irqs, 0);
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_VBLANK(0));	/* pending: signal */
	assert_int_equal(f->irqs, 1);
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_VBLANK(0));
	fg_engine_run(f->e, vb(3));
	assert_int_equal(f->irqs, 2);
}

/* ---- refusals ------------------------------------------------------------------ */

enum field { F_WIDTH, F_HEIGHT, F_REFRESH, F_FORMAT, F_OFFSET, F_PITCH,
	     F_SRC_X, F_SRC_Y, F_SRC_W, F_SRC_H };

struct bad_case {
	const char *what;
	unsigned int plane;
	enum field field;
	uint64_t value;
	uint32_t code;
};

static const struct bad_case bad_cases[] = {
	{ "width 0", 0, F_WIDTH, 0, FAKEGPU_ERR_MODE },
	{ "width > max", 0, F_WIDTH, 2049, FAKEGPU_ERR_MODE },
	{ "height 0", 0, F_HEIGHT, 0, FAKEGPU_ERR_MODE },
	{ "height > max", 0, F_HEIGHT, 4097, FAKEGPU_ERR_MODE },
	{ "refresh < 1 Hz", 0, F_REFRESH, 999, FAKEGPU_ERR_MODE },
	{ "refresh > 240 Hz", 0, F_REFRESH, 240001, FAKEGPU_ERR_MODE },
	{ "format 0", 0, F_FORMAT, 0, FAKEGPU_ERR_FORMAT },
	{ "format 5", 0, F_FORMAT, 5, FAKEGPU_ERR_FORMAT },
	{ "format huge", 0, F_FORMAT, 0xffffffff, FAKEGPU_ERR_FORMAT },
	{ "pitch too small", 0, F_PITCH, 64 * 4 - 4, FAKEGPU_ERR_PITCH },
	{ "pitch not multiple of cpp", 0, F_PITCH, 64 * 4 + 2, FAKEGPU_ERR_PITCH },
	{ "pitch 0", 0, F_PITCH, 0, FAKEGPU_ERR_PITCH },
	{ "offset near 2^64", 0, F_OFFSET, 0xffffffffffffff00ull, FAKEGPU_ERR_BOUNDS },
	{ "offset at VRAM end", 0, F_OFFSET, VRAM_SIZE, FAKEGPU_ERR_BOUNDS },
	{ "last byte past VRAM", 0, F_OFFSET, VRAM_SIZE - 64 * 48 * 4 + 4, FAKEGPU_ERR_BOUNDS },
	{ "pitch * lines overflow", 0, F_PITCH, 0xfffffffc, FAKEGPU_ERR_BOUNDS },
	{ "src_y huge", 0, F_SRC_Y, 0xffffffff, FAKEGPU_ERR_BOUNDS },
	{ "src_x outside buffer", 0, F_SRC_X, 1, FAKEGPU_ERR_RECT },
	{ "src_x huge", 0, F_SRC_X, 0xffffffff, FAKEGPU_ERR_RECT },
	{ "src_w 0", 0, F_SRC_W, 0, FAKEGPU_ERR_RECT },
	{ "src_h 0", 0, F_SRC_H, 0, FAKEGPU_ERR_RECT },
	{ "src_w > max", 0, F_SRC_W, 0x80000000, FAKEGPU_ERR_MODE },
	{ "cursor not ARGB", 1, F_FORMAT, FAKEGPU_FMT_XRGB8888, FAKEGPU_ERR_FORMAT },
	{ "cursor RGB565", 1, F_FORMAT, FAKEGPU_FMT_RGB565, FAKEGPU_ERR_FORMAT },
	{ "cursor ARGB1555", 1, F_FORMAT, FAKEGPU_FMT_ARGB1555, FAKEGPU_ERR_FORMAT },
	{ "cursor too wide", 1, F_SRC_W, 257, FAKEGPU_ERR_MODE },
	{ "cursor too high", 1, F_SRC_H, 257, FAKEGPU_ERR_MODE },
	{ "cursor past VRAM", 1, F_OFFSET, VRAM_SIZE - 64 * 4, FAKEGPU_ERR_BOUNDS },
	{ "cursor pitch too small", 1, F_PITCH, 16, FAKEGPU_ERR_PITCH },
};

/* A good configuration on head 0: 64x48 primary, 64x64 cursor at 1 MiB. */
static void good_config(struct fx *f)
{
	set_mode(f, 0, 64, 48, HZ60, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, 0, 64 * 4, 0, 0, 64, 48, 0, 0);
	set_plane(f, 0, 1, FAKEGPU_FMT_ARGB8888, 1 << 20, 64 * 4, 0, 0, 64, 64, 0, 0);
}

static void apply_bad(struct fx *f, const struct bad_case *c)
{
	uint32_t base = FAKEGPU_PLANE_BASE(c->plane);

	switch (c->field) {
	case F_WIDTH:	hwr(f, 0, FAKEGPU_HEAD_WIDTH, (uint32_t)c->value); break;
	case F_HEIGHT:	hwr(f, 0, FAKEGPU_HEAD_HEIGHT, (uint32_t)c->value); break;
	case F_REFRESH:	hwr(f, 0, FAKEGPU_HEAD_REFRESH_MHZ, (uint32_t)c->value); break;
	case F_FORMAT:	hwr(f, 0, base + FAKEGPU_PLANE_FORMAT, (uint32_t)c->value); break;
	case F_OFFSET:
		hwr(f, 0, base + FAKEGPU_PLANE_OFFSET_LO, (uint32_t)c->value);
		hwr(f, 0, base + FAKEGPU_PLANE_OFFSET_HI, (uint32_t)(c->value >> 32));
		break;
	case F_PITCH:	hwr(f, 0, base + FAKEGPU_PLANE_PITCH, (uint32_t)c->value); break;
	case F_SRC_X:	hwr(f, 0, base + FAKEGPU_PLANE_SRC_X, (uint32_t)c->value); break;
	case F_SRC_Y:	hwr(f, 0, base + FAKEGPU_PLANE_SRC_Y, (uint32_t)c->value); break;
	case F_SRC_W:	hwr(f, 0, base + FAKEGPU_PLANE_SRC_W, (uint32_t)c->value); break;
	case F_SRC_H:	hwr(f, 0, base + FAKEGPU_PLANE_SRC_H, (uint32_t)c->value); break;
	}
}

static void check_refused(struct fx *f, const struct bad_case *c, uint32_t status)
{
	if (hrd(f, 0, FAKEGPU_HEAD_ERROR_CODE) != c->code ||
	    hrd(f, 0, FAKEGPU_HEAD_STATUS) != status)
		fail_msg("case '%s': error code %u (want %u), status 0x%x (want 0x%x)",
			 c->what, hrd(f, 0, FAKEGPU_HEAD_ERROR_CODE), c->code,
			 hrd(f, 0, FAKEGPU_HEAD_STATUS), status);
	if (!(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & FAKEGPU_IRQ_ERROR(0)))
		fail_msg("case '%s': no IRQ_ERROR(0)", c->what);
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
}

static void test_refusals_while_off(void **state)
{
	struct fx *f = *state;
	uint32_t w, h, *px;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		good_config(f);
		apply_bad(f, &bad_cases[i]);
		hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
		check_refused(f, &bad_cases[i], FAKEGPU_HEAD_STATUS_ERROR);
		/* Previous state kept: still off. */
		assert_int_equal(fg_engine_screenshot(f->e, 0, &px, &w, &h), -ENODATA);
	}
	/* A good commit clears the error. */
	good_config(f);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_ERROR_CODE), FAKEGPU_ERR_NONE);
}

static void test_refusals_while_running(void **state)
{
	struct fx *f = *state;
	struct fg_engine_head_stats st;
	uint64_t n = 0;

	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_ERROR(0));
	fill_pattern(f, 0, 64, 48, 7);
	good_config(f);
	pwr(f, 0, 1, FAKEGPU_PLANE_CTRL, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, T0);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		good_config(f);
		apply_bad(f, &bad_cases[i]);
		hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
		/* Validated when latched, at the vblank. */
		assert_true(hrd(f, 0, FAKEGPU_HEAD_STATUS) & FAKEGPU_HEAD_STATUS_PENDING);
		assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & FAKEGPU_IRQ_ERROR(0), 0);
		fg_engine_run(f->e, vb(++n));
		check_refused(f, &bad_cases[i],
			      FAKEGPU_HEAD_STATUS_ERROR | FAKEGPU_HEAD_STATUS_ACTIVE);
		/* Previous state kept: 64x48 pattern, no cursor. */
		assert_int_equal(pixel_at(f, 0, 63, 47), pattern(64, 63, 47, 7));
		assert_int_equal(fg_engine_head_stats(f->e, 0, &st), 0);
		assert_int_equal(st.width, 64);
		assert_int_equal(st.refresh_mhz, HZ60);
	}
	assert_int_equal(f->irqs, sizeof(bad_cases) / sizeof(bad_cases[0]));
	assert_int_equal(st.refused, sizeof(bad_cases) / sizeof(bad_cases[0]));
	good_config(f);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, vb(++n));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_ERROR_CODE), FAKEGPU_ERR_NONE);
	/* Refused register writes are a different thing: none here. */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), 0);
}

static void test_largest_window_accepted(void **state)
{
	struct fx *f = *state;

	/* The window may end exactly at the end of VRAM. */
	set_mode(f, 0, 64, 48, HZ60, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, VRAM_SIZE - 64 * 48 * 4, 256,
		  0, 0, 64, 48, 0, 0);
	put32(f, VRAM_SIZE - 4, 0x00abcdef);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	assert_int_equal(pixel_at(f, 0, 63, 47), 0x00abcdef);
	/* Last line shorter than pitch: only (src_x + src_w) * cpp of it counts. */
	fg_engine_reset(f->e);
	set_mode(f, 0, 32, 2, HZ60, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, VRAM_SIZE - 4096 - 32 * 4, 4096,
		  0, 0, 32, 2, 0, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	assert_int_equal(pixel_at(f, 0, 31, 1), 0x00abcdef);
}

/* ---- composition ------------------------------------------------------------------ */

static void test_screenshot_formats(void **state)
{
	struct fx *f = *state;
	static const struct { uint16_t in; uint32_t out; } rgb565[] = {
		{ 0x0000, 0x000000 }, { 0xffff, 0xffffff }, { 0xf800, 0xff0000 },
		{ 0x07e0, 0x00ff00 }, { 0x001f, 0x0000ff }, { 0x8410, 0x848284 },
		{ 0x0821, 0x080408 }, { 0x7bef, 0x7b7d7b },
	};

	/* XRGB8888: the X byte never shows. */
	put32(f, 0, 0xff123456);
	put32(f, 4, 0x00abcdef);
	set_mode(f, 0, 2, 1, HZ60, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, 0, 8, 0, 0, 2, 1, 0, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(pixel_at(f, 0, 0, 0), 0x123456);
	assert_int_equal(pixel_at(f, 0, 1, 0), 0xabcdef);

	/* ARGB8888 as the bottom plane, pre-multiplied over black: s + 0 = s. */
	put32(f, 0, 0x00123456);
	put32(f, 4, 0x80abcdef);
	pwr(f, 0, 0, FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_ARGB8888);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, T0);
	fg_engine_run(f->e, vb(1));
	assert_int_equal(pixel_at(f, 0, 0, 0), 0x123456);
	assert_int_equal(pixel_at(f, 0, 1, 0), 0xabcdef);

	/* RGB565 expanded by bit replication. */
	for (size_t i = 0; i < sizeof(rgb565) / sizeof(rgb565[0]); i++)
		put16(f, 4096 + 2 * i, rgb565[i].in);
	hwr(f, 0, FAKEGPU_HEAD_WIDTH, 8);
	set_plane(f, 0, 0, FAKEGPU_FMT_RGB565, 4096, 16, 0, 0, 8, 1, 0, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, vb(2));
	for (size_t i = 0; i < sizeof(rgb565) / sizeof(rgb565[0]); i++)
		assert_int_equal(pixel_at(f, 0, (uint32_t)i, 0), rgb565[i].out);
}

static uint32_t rgb565_rule(uint32_t v)
{
	uint32_t r = v >> 11, g = (v >> 5) & 0x3f, b = v & 0x1f;

	return (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8 | (b << 3 | b >> 2);
}

/* fg_compose_frame() of one plane showing (sx, 0, w, h) of @vram at (0, 0). */
static void compose_one(const uint8_t *vram, uint64_t size, uint32_t fmt, uint32_t pitch,
			uint32_t sx, uint32_t w, uint32_t h, uint32_t *out)
{
	struct fg_scanout s = { .enabled = true, .width = w, .height = h, .refresh_mhz = HZ60 };

	s.plane[0] = (struct fg_plane_state){
		.enabled = true, .format = fmt, .cpp = fg_format_cpp(fmt), .pitch = pitch,
		.src_x = sx, .src_w = w, .src_h = h, .alpha = 0xffff,
	};
	fg_compose_frame(&s, vram, size, out);
}

/*
 * The opaque copies (several pixels at a time where the host allows) against
 * the per-pixel rules: every RGB565 value, and spans of every length 1..20
 * from every source column 0..8, so that each way a span can start and end
 * is checked, in XRGB8888 (X bytes set) and RGB565.
 */
static void test_copy_spans(void **state)
{
	uint8_t *vram = malloc(256 * 512);
	uint32_t *out = malloc(256 * 256 * sizeof(*out));

	(void)state;
	assert_non_null(vram);
	assert_non_null(out);
	for (uint32_t v = 0; v < 65536; v++) {
		vram[2 * v] = v & 0xff;
		vram[2 * v + 1] = v >> 8;
	}
	compose_one(vram, 256 * 512, FAKEGPU_FMT_RGB565, 512, 0, 256, 256, out);
	for (uint32_t v = 0; v < 65536; v++)
		if (out[v] != rgb565_rule(v))
			fail_msg("RGB565 %04x: %06x, want %06x", v, out[v], rgb565_rule(v));

	for (uint32_t i = 0; i < 256 * 512; i++)
		vram[i] = (uint8_t)((i * 2654435761u) >> 7);
	for (uint32_t sx = 0; sx <= 8; sx++) {
		for (uint32_t w = 1; w <= 20; w++) {
			compose_one(vram, 256 * 512, FAKEGPU_FMT_XRGB8888, 128, sx, w, 2, out);
			for (uint32_t i = 0; i < 2 * w; i++) {
				const uint8_t *p = vram + i / w * 128 + 4 * (sx + i % w);

				assert_int_equal(out[i], p[0] | p[1] << 8 | p[2] << 16);
			}
			compose_one(vram, 256 * 512, FAKEGPU_FMT_RGB565, 64, sx, w, 2, out);
			for (uint32_t i = 0; i < 2 * w; i++) {
				const uint8_t *p = vram + i / w * 64 + 2 * (sx + i % w);

				assert_int_equal(out[i], rgb565_rule(p[0] | p[1] << 8));
			}
		}
	}
	free(out);
	free(vram);
}

static void test_src_rect_and_position(void **state)
{
	struct fx *f = *state;
	uint32_t w, h, *px;

	/* 32x32 buffer, show its 8x4 rectangle at (2,1) on a 16x8 head at (5,3). */
	fill_pattern(f, 0, 32, 32, 3);
	set_mode(f, 0, 16, 8, HZ60, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, 0, 32 * 4, 2, 1, 8, 4, 5, 3);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	px = shot(f, 0, &w, &h);
	for (uint32_t y = 0; y < 8; y++)
		for (uint32_t x = 0; x < 16; x++) {
			bool in = x >= 5 && x < 13 && y >= 3 && y < 7;
			uint32_t want = in ? pattern(32, x - 5 + 2, y - 3 + 1, 3) : 0;

			assert_int_equal(px[y * 16 + x], want);
		}
	free(px);

	/* Negative position: clipped on the left and top. */
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, 0, 32 * 4, 0, 0, 32, 32, -20, -30);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, T0);
	fg_engine_run(f->e, vb(1));
	assert_int_equal(pixel_at(f, 0, 0, 0), pattern(32, 20, 30, 3));
	assert_int_equal(pixel_at(f, 0, 11, 1), pattern(32, 31, 31, 3));
	assert_int_equal(pixel_at(f, 0, 12, 1), 0);
	assert_int_equal(pixel_at(f, 0, 0, 2), 0);

	/* Primary plane disabled: black. */
	pwr(f, 0, 0, FAKEGPU_PLANE_CTRL, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, vb(2));
	px = shot(f, 0, &w, &h);
	for (uint32_t i = 0; i < w * h; i++)
		assert_int_equal(px[i], 0);
	free(px);
}

/* Premultiplied blend of one channel, as docs/device-abi.md states it. */
static uint32_t blend(uint32_t s, uint32_t d, uint32_t a)
{
	uint32_t v = s + (d * (255 - a) + 127) / 255;

	return v > 255 ? 255 : v;
}

static uint32_t blend_px(uint32_t src, uint32_t dst)
{
	uint32_t a = src >> 24;

	return blend((src >> 16) & 0xff, (dst >> 16) & 0xff, a) << 16 |
	       blend((src >> 8) & 0xff, (dst >> 8) & 0xff, a) << 8 |
	       blend(src & 0xff, dst & 0xff, a);
}

#define CW 4
#define CUR_OFF (1u << 20)
#define BG 0x00336699u

/* 32x16 head, solid BG; cursor CW x CW at (dx, dy) with pixel value @cur. */
static void cursor_case(struct fx *f, int32_t dx, int32_t dy, uint32_t cur)
{
	uint32_t w, h, *px;

	fill_solid(f, 0, 32 * 16, BG);
	fill_solid(f, CUR_OFF, CW * CW, cur);
	/* One distinct pixel at the cursor's top-left to check orientation. */
	put32(f, CUR_OFF, 0xff010203);
	fg_engine_reset(f->e);	/* head off: the next commit applies at once */
	set_mode(f, 0, 32, 16, HZ60, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, 0, 32 * 4, 0, 0, 32, 16, 0, 0);
	set_plane(f, 0, 1, FAKEGPU_FMT_ARGB8888, CUR_OFF, CW * 4, 0, 0, CW, CW, dx, dy);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	px = shot(f, 0, &w, &h);
	for (int32_t y = 0; y < 16; y++)
		for (int32_t x = 0; x < 32; x++) {
			bool in = x >= dx && x < dx + CW && y >= dy && y < dy + CW;
			bool corner = x == dx && y == dy;
			uint32_t want = !in ? BG : corner ? 0x010203 : blend_px(cur, BG);

			if (px[y * 32 + x] != want)
				fail_msg("cursor at (%d,%d) value 0x%08x: pixel (%d,%d) is 0x%06x, want 0x%06x",
					 dx, dy, cur, x, y, px[y * 32 + x], want);
		}
	free(px);
}

static void test_cursor(void **state)
{
	struct fx *f = *state;
	static const int32_t pos[][2] = {
		{ 10, 5 },			/* inside */
		{ -2, 5 }, { 30, 5 },		/* partly off left / right */
		{ 10, -2 }, { 10, 14 },		/* partly off top / bottom */
		{ -3, -3 }, { 31, 15 },		/* corners */
		{ -4, 5 }, { 32, 5 },		/* just fully off */
		{ 10, -4 }, { 10, 16 },
		{ INT32_MIN, INT32_MIN }, { INT32_MAX, INT32_MAX },
	};
	static const uint32_t values[] = {
		0xffff0000,	/* opaque */
		0x00000000,	/* transparent */
		0x80808080,	/* half grey, premultiplied */
		0x80400000,	/* half-transparent dark red */
		0x00202020,	/* alpha 0 with colour: additive */
		0x10ffffff,	/* not really premultiplied: clamps at 255 */
	};

	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++)
		cursor_case(f, pos[i][0], pos[i][1], 0xff00ff00);
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		cursor_case(f, 3, 3, values[i]);
	/* Hand-checked values of the rule. */
	assert_int_equal(blend_px(0x80808080, BG), 0x0099b3cc);
	assert_int_equal(blend(0x80, 0x33, 0x80), 0x80 + 25);	/* 0x33*127/255 = 25.4 */
	assert_int_equal(blend(0x00, 0xff, 0x80), 127);		/* 255*127/255 */
	assert_int_equal(blend(0x20, 0x99, 0x00), 0x20 + 0x99);
	assert_int_equal(blend(0xff, 0x99, 0x10), 255);
}

/* ---- CRC ----------------------------------------------------------------------------- */

/*
 * The reference itself against the published CRC-32C check value and the
 * worked example of docs/device-abi.md section 12.
 */
static void test_crc_reference(void **state)
{
	static const uint8_t example[8] = { 0x00, 0x00, 0xff, 0x00, 0xff, 0x00, 0x00, 0x00 };
	static const uint32_t example_px[2] = { 0x00ff0000, 0x000000ff };

	(void)state;
	assert_int_equal(ref_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(ref_crc32c(ref_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
	assert_int_equal(ref_crc32c(0, "", 0), 0);
	assert_int_equal(ref_crc32c(0, example, sizeof(example)), 0x159074f4u);
	assert_int_equal(ref_frame_crc(example_px, 2), 0x159074f4u);
}

/*
 * The device's CRC-32C (ISA-L underneath, which picks a code path by CPU,
 * length and alignment) is the standard one: the check value, and the
 * reference over every length up to 300 at every alignment up to 8, a
 * larger buffer, and any split of it into two calls.
 */
static void test_crc32c(void **state)
{
	enum { BIG = 1 << 20 };
	uint8_t *buf = malloc(BIG + 8);
	uint32_t want;

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < BIG + 8; i++)
		buf[i] = (uint8_t)((i * 2654435761u) >> 11);
	assert_int_equal(fg_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(fg_crc32c(fg_crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
	assert_int_equal(fg_crc32c(0, "", 0), 0);
	assert_int_equal(fg_crc32c(0, NULL, 0), 0);
	for (size_t align = 0; align < 8; align++)
		for (size_t len = 0; len <= 300; len++)
			if (fg_crc32c(0, buf + align, len) != ref_crc32c(0, buf + align, len))
				fail_msg("CRC-32C of %zu bytes at +%zu: 0x%08x, want 0x%08x",
					 len, align, fg_crc32c(0, buf + align, len),
					 ref_crc32c(0, buf + align, len));
	want = ref_crc32c(0, buf + 3, BIG);
	assert_int_equal(fg_crc32c(0, buf + 3, BIG), want);
	for (size_t cut = 0; cut <= BIG; cut += 77777)
		assert_int_equal(fg_crc32c(fg_crc32c(0, buf + 3, cut), buf + 3 + cut,
					   BIG - cut), want);
	/* Pixels: B, G, R, 0 whatever the X byte holds. */
	{
		const uint32_t px[3] = { 0x00ff0000, 0x000000ff, 0x00123456 };

		assert_int_equal(fg_crc_pixels(0, px, 2), 0x159074f4u);
		assert_int_equal(fg_crc_pixels(fg_crc_pixels(0, px, 1), px + 1, 2),
				 ref_frame_crc(px, 3));
	}
	free(buf);
}

static void test_crc(void **state)
{
	struct fx *f = *state;
	uint32_t w, h, *px, crc1, crc2;

	fill_pattern(f, 0, 64, 48, 9);
	fill_solid(f, CUR_OFF, 16 * 16, 0x80402010);
	start_head(f, 0, 64, 48, 0, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
	set_plane(f, 0, 1, FAKEGPU_FMT_ARGB8888, CUR_OFF, 64, 0, 0, 16, 16, 60, -3);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, T0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC_FRAME), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), 0);
	fg_engine_run(f->e, vb(1));
	crc1 = hrd(f, 0, FAKEGPU_HEAD_CRC);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC_FRAME), 1);
	px = shot(f, 0, &w, &h);
	assert_int_equal(crc1, ref_frame_crc(px, (size_t)w * h));
	free(px);

	/* Same content: same CRC, next frame number. */
	fg_engine_run(f->e, vb(2));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), crc1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC_FRAME), 2);
	/* Catch-up: computed once, for the latest frame. */
	fg_engine_run(f->e, vb(9));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC_FRAME), 9);

	/* One pixel changes: the CRC changes and still matches the screenshot. */
	put32(f, 4 * (64 * 20 + 30), 0x00010101 ^ pattern(64, 30, 20, 9));
	fg_engine_run(f->e, vb(10));
	crc2 = hrd(f, 0, FAKEGPU_HEAD_CRC);
	assert_int_not_equal(crc2, crc1);
	px = shot(f, 0, &w, &h);
	assert_int_equal(crc2, ref_frame_crc(px, (size_t)w * h));
	free(px);
	/* The X byte does not matter. */
	put32(f, 4 * (64 * 20 + 30), 0xff010101 ^ pattern(64, 30, 20, 9));
	fg_engine_run(f->e, vb(11));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), crc2);

	/* CRC off: the registers keep the last value. */
	hwr(f, 0, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, vb(12));
	fg_engine_run(f->e, vb(13));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC_FRAME), 11);
}

static void test_crc_worked_example(void **state)
{
	struct fx *f = *state;

	/* docs/device-abi.md: a 2x1 frame, red then blue. */
	put32(f, 0, 0x00ff0000);
	put32(f, 4, 0x000000ff);
	set_mode(f, 0, 2, 1, HZ60, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, 0, 8, 0, 0, 2, 1, 0, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, T0);
	fg_engine_run(f->e, vb(1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), 0x159074f4u);
}

/* ---- ARGB1555 ------------------------------------------------------------------------ */

/*
 * ARGB1555 (docs/device-abi.md section 10): 5-bit channels expanded by bit
 * replication c8 = c5 << 3 | c5 >> 2, the A bit is pixel alpha 255 or 0.
 */
static const struct { uint16_t in; uint32_t out; } argb1555[] = {
	{ 0x0000, 0x000000 }, { 0xffff, 0xffffff }, { 0x7fff, 0xffffff },
	{ 0xfc00, 0xff0000 }, { 0x83e0, 0x00ff00 }, { 0x801f, 0x0000ff },
	{ 0xc210, 0x848484 }, { 0x0421, 0x080808 }, { 0xbdef, 0x7b7b7b },
	{ 0x7910, 0xf74284 },
};

#define N1555 (sizeof(argb1555) / sizeof(argb1555[0]))

static void test_argb1555_expansion(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < N1555; i++)
		put16(f, 4096 + 2 * i, argb1555[i].in);
	/* Bottom plane, pre-multiplied over black: the colour whatever A is. */
	set_mode(f, 0, N1555, 1, HZ60, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_ARGB1555, 4096, 2 * N1555, 0, 0, N1555, 1, 0, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	for (size_t i = 0; i < N1555; i++)
		assert_int_equal(pixel_at(f, 0, (uint32_t)i, 0), argb1555[i].out);
	/* Coverage over black: A 0 is transparent, A 1 opaque. */
	pwr(f, 0, 0, FAKEGPU_PLANE_BLEND, FAKEGPU_BLEND_COVERAGE);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, T0);
	fg_engine_run(f->e, vb(1));
	for (size_t i = 0; i < N1555; i++)
		assert_int_equal(pixel_at(f, 0, (uint32_t)i, 0),
				 argb1555[i].in & 0x8000 ? argb1555[i].out : 0);
}

/*
 * An ARGB1555 overlay over BG: 0xf910 (A 1) and 0x7910 (A 0), both colour
 * 0xf74284, in each blend mode with plane alpha 0xffff and 0x8000. Values
 * from the integer rule of docs/device-abi.md section 11 (its worked
 * example); the frame CRC matches the screenshot.
 */
static void test_argb1555_blend(void **state)
{
	struct fx *f = *state;
	static const struct {
		uint32_t blend, alpha;
		uint32_t a1, a0;	/* pixel with A 1, with A 0 */
	} cases[] = {
		{ FAKEGPU_BLEND_PREMULTI, 0xffff, 0xf74284, 0xffa8ff },	/* A 0 adds, clamps */
		{ FAKEGPU_BLEND_PREMULTI, 0x8000, 0x95548e, 0xaf87db },
		{ FAKEGPU_BLEND_COVERAGE, 0xffff, 0xf74284, BG },
		{ FAKEGPU_BLEND_COVERAGE, 0x8000, 0x95548e, BG },
		{ FAKEGPU_BLEND_NONE, 0xffff, 0xf74284, 0xf74284 },	/* A ignored */
		{ FAKEGPU_BLEND_NONE, 0x8000, 0x95548e, 0x95548e },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t w, h, *px;

		fill_solid(f, 0, 4, BG);
		put16(f, 4096, 0xf910);
		put16(f, 4096 + 2, 0x7910);
		fg_engine_reset(f->e);
		set_mode(f, 0, 4, 1, HZ60, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
		set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, 0, 16, 0, 0, 4, 1, 0, 0);
		set_plane(f, 0, FAKEGPU_PLANE_OVERLAY, FAKEGPU_FMT_ARGB1555, 4096, 4,
			  0, 0, 2, 1, 1, 0);
		pwr(f, 0, FAKEGPU_PLANE_OVERLAY, FAKEGPU_PLANE_BLEND, cases[i].blend);
		pwr(f, 0, FAKEGPU_PLANE_OVERLAY, FAKEGPU_PLANE_ALPHA, cases[i].alpha);
		hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
		assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
		fg_engine_run(f->e, T0);
		fg_engine_run(f->e, vb(1));
		px = shot(f, 0, &w, &h);
		if (px[0] != BG || px[1] != cases[i].a1 || px[2] != cases[i].a0 || px[3] != BG)
			fail_msg("blend %u alpha 0x%x: %06x %06x %06x %06x, want %06x %06x %06x %06x",
				 cases[i].blend, cases[i].alpha, px[0], px[1], px[2], px[3],
				 BG, cases[i].a1, cases[i].a0, BG);
		assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), ref_frame_crc(px, (size_t)w * h));
		free(px);
	}
}

/* ---- writeback ----------------------------------------------------------------------- */

#define WB_PAD		8			/* bytes between writeback lines */
#define WB_AREA		(4u << 20)		/* per head: primary, then window */

/*
 * Arm a writeback of head @h's next frame into (@off, @pitch), commit, and
 * run vblanks until IRQ_WRITEBACK(h) (at most a few periods).
 */
static void writeback_once(struct fx *f, unsigned int h, uint64_t off, uint32_t pitch,
			   uint64_t *t)
{
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	hwr(f, h, FAKEGPU_HEAD_WB_OFFSET_LO, (uint32_t)off);
	hwr(f, h, FAKEGPU_HEAD_WB_OFFSET_HI, (uint32_t)(off >> 32));
	hwr(f, h, FAKEGPU_HEAD_WB_PITCH, pitch);
	hwr(f, h, FAKEGPU_HEAD_WB_FORMAT, FAKEGPU_FMT_ARGB8888);
	hwr(f, h, FAKEGPU_HEAD_WB_CTRL, FAKEGPU_WB_CTRL_ENABLE);
	hwr(f, h, FAKEGPU_HEAD_COMMIT, 1);
	for (int i = 0; i < 4 && !(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & FAKEGPU_IRQ_WRITEBACK(h));
	     i++) {
		fg_engine_run(f->e, *t);
		*t += 1000000000000ull / HZ60;
	}
	assert_true(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & FAKEGPU_IRQ_WRITEBACK(h));
	assert_int_equal(hrd(f, h, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_DONE);
}

/*
 * Many writebacks in a row on both heads while the frame size changes
 * between them (growing, shrinking, growing again, one line, one column, a
 * reset in between, some written over their own primary buffer): every
 * window holds exactly the displayed frame with alpha 0xff and nothing
 * around it changes, and the CRC still matches. The engine keeps one
 * writeback frame buffer across frames; this is what a buffer too small,
 * or showing an earlier frame, would break.
 */
static void test_writeback_sizes(void **state)
{
	static const uint32_t sizes[][2] = {
		{ 64, 48 }, { 16, 8 }, { 200, 100 }, { 1, 1 }, { 200, 100 }, { 333, 7 },
		{ 7, 333 }, { 64, 48 }, { 512, 300 }, { 3, 5 }, { 512, 300 }, { 100, 1 },
	};
	struct fx *f = *state;
	uint64_t t = T0;

	for (unsigned int i = 0; i < 2 * sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned int h = i % 2, k = i % (sizeof(sizes) / sizeof(sizes[0]));
		uint32_t w = sizes[k][0], ht = sizes[k][1], pitch = w * 4 + WB_PAD;
		uint64_t pri = (uint64_t)h * 2 * WB_AREA, off = pri + WB_AREA;
		bool in_place = i % 5 == 4;

		if (i == 13)
			fg_engine_reset(f->e);	/* heads off, then on again */
		if (in_place) {		/* the window is the primary buffer itself */
			off = pri;
			pitch = w * 4;
		}
		memset(f->vram + pri, 0, 2 * WB_AREA);
		fill_pattern(f, pri, w, ht, i);
		set_mode(f, h, w, ht, HZ60, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
		set_plane(f, h, FAKEGPU_PLANE_PRIMARY, FAKEGPU_FMT_XRGB8888, pri, w * 4,
			  0, 0, w, ht, 0, 0);
		writeback_once(f, h, off, pitch, &t);
		for (uint32_t y = 0; y < ht; y++) {
			const uint8_t *line = f->vram + off + (uint64_t)y * pitch;

			for (uint32_t x = 0; x < w; x++) {
				uint32_t want = pattern(w, x, y, i) | 0xff000000u, v;

				memcpy(&v, line + 4 * x, 4);	/* little-endian host */
				if (v != want)
					fail_msg("writeback %u (%ux%u): (%u, %u) %08x, want %08x",
						 i, w, ht, x, y, v, want);
			}
			for (uint32_t b = w * 4; b < pitch; b++)
				assert_int_equal(line[b], 0);
		}
		/* Nothing past the last line. */
		for (uint32_t b = 0; b < 4096; b++)
			assert_int_equal(f->vram[off + (uint64_t)ht * pitch + b], 0);
		if (hrd(f, h, FAKEGPU_HEAD_CRC_FRAME)) {
			uint32_t sw, sh, *px = shot(f, h, &sw, &sh);

			assert_int_equal(hrd(f, h, FAKEGPU_HEAD_CRC),
					 ref_frame_crc(px, (size_t)sw * sh));
			free(px);
		}
	}
}

/* ---- hotplug, EDID window, reset ----------------------------------------------------- */

static void test_hotplug_and_edid_window(void **state)
{
	struct fx *f = *state;
	uint8_t edid[128];
	uint8_t sum = 0;

	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_EDID_SIZE), 128);
	for (uint32_t i = 0; i < 128; i += 4) {
		uint32_t v = hrd(f, 1, FAKEGPU_EDID_WINDOW + i);

		for (int b = 0; b < 4; b++)
			edid[i + b] = (uint8_t)(v >> (8 * b));
	}
	for (int i = 0; i < 128; i++)
		sum = (uint8_t)(sum + edid[i]);
	assert_int_equal(sum, 0);
	assert_int_equal(edid[0], 0x00);
	assert_int_equal(edid[1], 0xff);
	assert_int_equal(hrd(f, 1, FAKEGPU_EDID_WINDOW + 128), 0);
	assert_int_equal(hrd(f, 1, FAKEGPU_EDID_WINDOW + 508), 0);

	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_HOTPLUG(1));
	assert_int_equal(fg_engine_set_connected(f->e, 1, false), 0);
	assert_int_equal(f->irqs, 1);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_HOTPLUG(1));
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_CONNECTOR), 0);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_EDID_SIZE), 0);
	assert_int_equal(hrd(f, 1, FAKEGPU_EDID_WINDOW), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_EDID_SIZE), 128);	/* other head */

	/* A hotplug on head 0 is masked out. */
	assert_int_equal(fg_engine_set_connected(f->e, 0, false), 0);
	assert_int_equal(f->irqs, 1);

	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	assert_int_equal(fg_engine_set_connected(f->e, 1, true), 0);
	assert_int_equal(f->irqs, 2);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_CONNECTOR), FAKEGPU_CONN_CONNECTED);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_EDID_SIZE), 128);
	assert_int_equal(hrd(f, 1, FAKEGPU_EDID_WINDOW), 0xffffff00);
}

static void test_reset(void **state)
{
	struct fx *f = *state;

	start_head(f, 0, 64, 48, 0, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
	start_head(f, 1, 64, 48, 0, FAKEGPU_HEAD_CTRL_ENABLE);
	fg_engine_run(f->e, T0);
	fg_engine_run(f->e, vb(3));
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_ALL);
	fx_wr(f, FAKEGPU_REG_SCRATCH, 7);
	fx_wr(f, FAKEGPU_REG_ID, 0);
	assert_int_equal(fg_engine_set_connected(f->e, 1, false), 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);		/* pending */

	fx_wr(f, FAKEGPU_REG_CTRL, FAKEGPU_CTRL_RESET);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_MASK), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_SCRATCH), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_CTRL), 0);
	for (unsigned int h = 0; h < 2; h++) {
		assert_int_equal(hrd(f, h, FAKEGPU_HEAD_STATUS), 0);
		assert_int_equal(hrd(f, h, FAKEGPU_HEAD_FRAME), 0);
		assert_int_equal(hrd(f, h, FAKEGPU_HEAD_CRC), 0);
		assert_int_equal(hrd(f, h, FAKEGPU_HEAD_CTRL), 0);
		assert_int_equal(hrd(f, h, FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_PITCH), 0);
	}
	/* Monitors are host state: head 1 stays unplugged. */
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CONNECTOR), FAKEGPU_CONN_CONNECTED);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_CONNECTOR), 0);
	assert_int_equal(fg_engine_next_deadline(f->e), UINT64_MAX);
	fg_engine_run(f->e, vb(10));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), 0);
	fg_engine_reset(f->e);	/* the vfio-user reset path */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ID), FAKEGPU_ID_MAGIC);
}

static void assert_reg_counts(struct fx *f, unsigned int h, uint64_t writes,
			      uint64_t reads)
{
	struct fg_engine_head_stats st;

	assert_int_equal(fg_engine_head_stats(f->e, h, &st), 0);
	assert_int_equal(st.reg_writes, writes);
	assert_int_equal(st.reg_reads, reads);
}

/* Per-head register access counters: the head's block only, kept by reset. */
static void test_head_reg_counters(void **state)
{
	struct fx *f = *state;
	struct fg_engine_head_stats st;

	assert_reg_counts(f, 0, 0, 0);

	/* Head 0: 4 writes (one refused, one at the block's last word), 3 reads. */
	hwr(f, 0, FAKEGPU_HEAD_WIDTH, 64);
	pwr(f, 0, 2, FAKEGPU_PLANE_ZPOS, 1);
	hwr(f, 0, FAKEGPU_HEAD_STATUS, 1);		/* read-only: refused, counted */
	fx_wr(f, FAKEGPU_HEAD_BASE(1) - 4, 0);		/* last word of head 0's block */
	hrd(f, 0, FAKEGPU_HEAD_FRAME);
	hrd(f, 0, FAKEGPU_EDID_WINDOW);
	hrd(f, 0, FAKEGPU_PLANE_BASE(1) + FAKEGPU_PLANE_PITCH);
	/* Head 1: 1 write, 2 reads. */
	hwr(f, 1, FAKEGPU_HEAD_COMMIT, 1);
	fx_rd(f, FAKEGPU_HEAD_BASE(1));			/* first word of head 1's block */
	hrd(f, 1, FAKEGPU_HEAD_STATUS);
	/* Not counted anywhere: global registers, no head 2, past the heads. */
	fx_wr(f, FAKEGPU_REG_SCRATCH, 5);
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, 0);
	fx_rd(f, FAKEGPU_REG_ID);
	fx_rd(f, FAKEGPU_REG_ERROR_COUNT);
	fx_wr(f, FAKEGPU_HEAD_BASE(2), 1);
	fx_rd(f, FAKEGPU_HEAD_BASE(2));
	fx_rd(f, FAKEGPU_MMIO_SIZE - 4);

	assert_reg_counts(f, 0, 4, 3);
	assert_reg_counts(f, 1, 1, 2);

	/* Device-lifetime statistics, like commits: neither reset path clears them. */
	fx_wr(f, FAKEGPU_REG_CTRL, FAKEGPU_CTRL_RESET);
	fg_engine_reset(f->e);
	hwr(f, 1, FAKEGPU_HEAD_CTRL, 0);
	assert_reg_counts(f, 0, 4, 3);
	assert_reg_counts(f, 1, 2, 2);
	assert_int_equal(fg_engine_head_stats(f->e, 1, &st), 0);
	assert_int_equal(st.commits, 1);
}

/* VBLANK_AGE: time since the vblank that started AGE_FRAME, by the device clock. */
static void test_vblank_age(void **state)
{
	struct fx *f = *state;

	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_VBLANK_AGE), UINT32_MAX);	/* off */
	start_head(f, 0, 64, 48, 0, FAKEGPU_HEAD_CTRL_ENABLE);
	fg_engine_run(f->e, T0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_VBLANK_AGE), UINT32_MAX);	/* no vblank yet */
	fg_engine_run(f->e, vb(1));
	fg_engine_run(f->e, vb(2) + 500);	/* processed 500 ns late */
	f->now = vb(2) + 1234;
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_VBLANK_AGE), 1234);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_AGE_FRAME), hrd(f, 0, FAKEGPU_HEAD_FRAME));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_AGE_FRAME), 2);
	/* Three periods late: FRAME catches up, AGE is from the last due vblank. */
	fg_engine_run(f->e, vb(5) + 10);
	f->now = vb(5) + 20;
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_VBLANK_AGE), 20);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_AGE_FRAME), 5);
	/* Switched off: unknown again. */
	hwr(f, 0, FAKEGPU_HEAD_CTRL, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, vb(6));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_VBLANK_AGE), UINT32_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_id_registers, setup, teardown),
		cmocka_unit_test(test_large_vram_defaults),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test_setup_teardown(test_refused_writes_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_w1c_and_mask, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_immediate_when_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_latched_at_vblank, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_at_vblank, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vblank_rate_and_catch_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vblank_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_heads_and_refresh_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_callback_only_when_masked_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_while_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_while_running, setup, teardown),
		cmocka_unit_test_setup_teardown(test_largest_window_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_screenshot_formats, setup, teardown),
		cmocka_unit_test(test_copy_spans),
		cmocka_unit_test_setup_teardown(test_src_rect_and_position, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor, setup, teardown),
		cmocka_unit_test(test_crc_reference),
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test_setup_teardown(test_crc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crc_worked_example, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argb1555_expansion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argb1555_blend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotplug_and_edid_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_reg_counters, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
