// SPDX-License-Identifier: MIT
/*
 * Shared pages (ABI 1.4, BAR4): the status page the engine writes at every
 * vblank, latch and event, and the commit page it takes commits from, driven
 * as the guest driver drives them: plain memory accesses, a doorbell only for
 * a head that is off. The engine runs on a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "engine_fx.h"
#include "fakegpu_abi.h"

#define VRAM_SIZE	(16u << 20)
#define HZ60		60000u
#define T0		1000000000ull
/* Vblank n of a 60 Hz head started at T0 (the engine's exact rule). */
#define VBLANK(n)	(T0 + (uint64_t)(n) * 1000000000000ull / HZ60)

static int setup(void **state)
{
	*state = fx_new(FX_SHM | FX_CLOCK, T0);
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static uint32_t cm_base(unsigned int h)
{
	return FAKEGPU_SHM_COMMIT + FAKEGPU_SHM_CM_HEAD(h);
}

static void cm_head(struct fx *f, unsigned int h, uint32_t reg, uint32_t v)
{
	fx_shm_put(f, cm_base(h) + FAKEGPU_SHM_CM_REGS + reg, v);
}

static void cm_plane(struct fx *f, unsigned int h, unsigned int p, uint32_t reg, uint32_t v)
{
	fx_shm_put(f, cm_base(h) + FAKEGPU_SHM_CM_PLANE(p) + reg, v);
}

/* A whole record as the driver writes it: SEQ odd, registers, COMMIT, SEQ even. */
static void cm_record(struct fx *f, unsigned int h, uint32_t commit, uint32_t flags,
		      uint64_t fb_offset, bool leave_open)
{
	uint32_t seq = fx_shm32(f, cm_base(h) + FAKEGPU_SHM_CM_SEQ);

	fx_shm_put(f, cm_base(h) + FAKEGPU_SHM_CM_SEQ, seq + 1);
	cm_head(f, h, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	cm_head(f, h, FAKEGPU_HEAD_WIDTH, 64);
	cm_head(f, h, FAKEGPU_HEAD_HEIGHT, 32);
	cm_head(f, h, FAKEGPU_HEAD_REFRESH_MHZ, HZ60);
	cm_plane(f, h, 0, FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	cm_plane(f, h, 0, FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888);
	cm_plane(f, h, 0, FAKEGPU_PLANE_OFFSET_LO, (uint32_t)fb_offset);
	cm_plane(f, h, 0, FAKEGPU_PLANE_OFFSET_HI, (uint32_t)(fb_offset >> 32));
	cm_plane(f, h, 0, FAKEGPU_PLANE_PITCH, 64 * 4);
	cm_plane(f, h, 0, FAKEGPU_PLANE_SRC_W, 64);
	cm_plane(f, h, 0, FAKEGPU_PLANE_SRC_H, 32);
	/* Reset values the driver also writes. */
	for (unsigned int p = 0; p < 3; p++) {
		cm_plane(f, h, p, FAKEGPU_PLANE_ALPHA, 0xffff);
		cm_plane(f, h, p, FAKEGPU_PLANE_ZPOS, p);
	}
	fx_shm_put(f, cm_base(h) + FAKEGPU_SHM_CM_FLAGS, flags);
	fx_shm_put(f, cm_base(h) + FAKEGPU_SHM_CM_COMMIT, commit);
	if (!leave_open)
		fx_shm_put(f, cm_base(h) + FAKEGPU_SHM_CM_SEQ, seq + 2);
}

/* The head's scanout offset as the engine shows it: the first pixel. */
static uint32_t shown(struct fx *f, unsigned int h)
{
	uint32_t *px, w, ht, v;

	assert_int_equal(fg_engine_screenshot(f->e, h, &px, &w, &ht), 0);
	v = px[0];
	free(px);
	return v;
}

/* Two buffers of 64x32 XRGB8888: one all 0x111111, one all 0x222222. */
#define FB_A	0x10000u
#define FB_B	0x20000u
static void fill_buffers(struct fx *f)
{
	for (uint32_t i = 0; i < 64 * 32; i++) {
		uint32_t a = 0x111111, b = 0x222222;

		memcpy(f->vram + FB_A + 4 * i, &a, 4);
		memcpy(f->vram + FB_B + 4 * i, &b, 4);
	}
}

static void enable(struct fx *f)
{
	fx_wr(f, FAKEGPU_REG_SHM_CTRL, FAKEGPU_SHM_CTRL_ENABLE);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_SHM_CTRL), FAKEGPU_SHM_CTRL_ENABLE);
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_ALL);
}

/* Head 0 on, showing FB_A, through a doorbelled record; first vblank run. */
static void head_on(struct fx *f)
{
	fill_buffers(f);
	enable(f);
	cm_record(f, 0, 1, FAKEGPU_SHM_CM_FLAG_DOORBELL, FB_A, false);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_SHM);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 1);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	fx_run_to(f, T0);		/* timing origin */
	fx_run_to(f, VBLANK(1));
}

/*
 * A display process that runs a vblank late still latches what a real GPU
 * would have at that vblank's instant: a record whose TIME (the device clock
 * in µs when the guest wrote it) is after the vblank waits for the next one,
 * a record written before it, or without a TIME, is taken.
 */
static void test_late_vblank_commit_time(void **state)
{
	struct fx *f = *state;

	head_on(f);
	/* Written 1 ms after vblank 2; the engine runs vblank 2 3 ms late. */
	cm_record(f, 0, 2, 0, FB_B, true);
	fx_shm_put(f, cm_base(0) + FAKEGPU_SHM_CM_TIME, (uint32_t)((VBLANK(2) + 1000000) / 1000));
	fx_shm_put(f, cm_base(0) + FAKEGPU_SHM_CM_SEQ,
		   fx_shm32(f, cm_base(0) + FAKEGPU_SHM_CM_SEQ) + 1);
	fx_run_to(f, VBLANK(2) + 3000000);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 2);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 1);
	assert_int_equal(shown(f, 0), 0x111111);
	fx_run_to(f, VBLANK(3));
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 2);
	assert_int_equal(shown(f, 0), 0x222222);

	/* Written 1 µs before vblank 4, taken at vblank 4 even if run late. */
	cm_record(f, 0, 3, 0, FB_A, true);
	fx_shm_put(f, cm_base(0) + FAKEGPU_SHM_CM_TIME, (uint32_t)((VBLANK(4) - 1000) / 1000));
	fx_shm_put(f, cm_base(0) + FAKEGPU_SHM_CM_SEQ,
		   fx_shm32(f, cm_base(0) + FAKEGPU_SHM_CM_SEQ) + 1);
	fx_run_to(f, VBLANK(4) + 5000000);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 3);
	assert_int_equal(shown(f, 0), 0x111111);

	/* TIME 0: unknown, taken at the next vblank run (ABI 1.4 drivers). */
	cm_record(f, 0, 4, 0, FB_B, false);
	fx_shm_put(f, cm_base(0) + FAKEGPU_SHM_CM_TIME, 0);
	fx_run_to(f, VBLANK(5) + 5000000);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 4);

	/* The µs clock wraps every 2^32 µs: compared modulo, not as numbers. */
	f->now = VBLANK(6);
	cm_record(f, 0, 5, 0, FB_A, true);
	fx_shm_put(f, cm_base(0) + FAKEGPU_SHM_CM_TIME,
		(uint32_t)(VBLANK(6) / 1000) + 0x80000000u + 1000);	/* far past */
	fx_shm_put(f, cm_base(0) + FAKEGPU_SHM_CM_SEQ,
		   fx_shm32(f, cm_base(0) + FAKEGPU_SHM_CM_SEQ) + 1);
	fx_run_to(f, VBLANK(6) + 1000000);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 5);
}

/*
 * The same through the registers: a COMMIT write that arrives after the
 * vblank's instant, while the engine has yet to run that vblank, is latched
 * at the next one.
 */
static void test_late_vblank_register_commit(void **state)
{
	struct fx *f = *state;
	uint32_t pb = FAKEGPU_HEAD_BASE(0) + FAKEGPU_PLANE_BASE(0);

	uint32_t hb = FAKEGPU_HEAD_BASE(0);

	fill_buffers(f);
	fx_wr(f, pb + FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	fx_wr(f, pb + FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888);
	fx_wr(f, pb + FAKEGPU_PLANE_OFFSET_LO, FB_A);
	fx_wr(f, pb + FAKEGPU_PLANE_PITCH, 64 * 4);
	fx_wr(f, pb + FAKEGPU_PLANE_SRC_W, 64);
	fx_wr(f, pb + FAKEGPU_PLANE_SRC_H, 32);
	fx_wr(f, hb + FAKEGPU_HEAD_WIDTH, 64);
	fx_wr(f, hb + FAKEGPU_HEAD_HEIGHT, 32);
	fx_wr(f, hb + FAKEGPU_HEAD_REFRESH_MHZ, HZ60);
	fx_wr(f, hb + FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	fx_wr(f, hb + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);	/* head off: at once */
	fx_run_to(f, T0);
	fx_run_to(f, VBLANK(1));
	assert_int_equal(shown(f, 0), 0x111111);
	f->now = VBLANK(2) + 1000000;		/* 1 ms after vblank 2 */
	fx_wr(f, pb + FAKEGPU_PLANE_OFFSET_LO, FB_B);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
	fx_run_to(f, VBLANK(2) + 3000000);		/* vblank 2, run 3 ms late */
	assert_int_equal(fx_rd(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_FRAME), 2);
	assert_true(fx_rd(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_STATUS) &
		    FAKEGPU_HEAD_STATUS_PENDING);
	assert_int_equal(shown(f, 0), 0x111111);
	fx_run_to(f, VBLANK(3));
	assert_false(fx_rd(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_STATUS) &
		     FAKEGPU_HEAD_STATUS_PENDING);
	assert_int_equal(shown(f, 0), 0x222222);
	/* Written before vblank 4, run late: taken at 4. */
	f->now = VBLANK(4) - 1000;
	fx_wr(f, pb + FAKEGPU_PLANE_OFFSET_LO, FB_A);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
	fx_run_to(f, VBLANK(4) + 5000000);
	assert_int_equal(shown(f, 0), 0x111111);
}

static void test_caps_and_enable(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_rd(f, FAKEGPU_REG_ABI_VERSION), 0x00010005);
	assert_true(fx_rd(f, FAKEGPU_REG_CAPS) & FAKEGPU_CAP_SHM);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_SHM_CTRL), 0);
	/* Nothing is written to the page before the driver asks. */
	assert_int_equal(fx_shm32(f, FAKEGPU_SHM_ST_LAYOUT), 0);
	fx_wr(f, FAKEGPU_REG_SHM_CTRL, 2);		/* reserved bit */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_SHM_CTRL), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), 1);
	enable(f);
	assert_int_equal(fx_shm32(f, FAKEGPU_SHM_ST_LAYOUT), FAKEGPU_SHM_LAYOUT);
	for (unsigned int h = 0; h < 2; h++) {
		assert_int_equal(fx_st(f, h, FAKEGPU_SHM_ST_SEQ) % 2, 0);
		assert_int_not_equal(fx_st(f, h, FAKEGPU_SHM_ST_SEQ), 0);
		assert_int_equal(fx_st(f, h, FAKEGPU_SHM_ST_CONNECTOR), FAKEGPU_CONN_CONNECTED);
	}
	/* A COMMIT with both sources, or SHM while the pages are off: refused. */
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_COMMIT, 3);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), 2);
	fx_wr(f, FAKEGPU_REG_SHM_CTRL, 0);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_SHM);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), 3);
}

static void test_no_shm_no_cap(void **state)
{
	struct fg_engine_config cfg = { .heads = 1, .vram_size = VRAM_SIZE };
	struct fg_engine *e;

	(void)state;
	cfg.vram = calloc(1, VRAM_SIZE);
	assert_non_null(cfg.vram);
	e = fg_engine_new(&cfg, NULL, NULL);
	assert_non_null(e);
	assert_false(fg_engine_read(e, FAKEGPU_REG_CAPS) & FAKEGPU_CAP_SHM);
	fg_engine_write(e, FAKEGPU_REG_SHM_CTRL, FAKEGPU_SHM_CTRL_ENABLE);
	assert_int_equal(fg_engine_read(e, FAKEGPU_REG_SHM_CTRL), 0);
	assert_int_equal(fg_engine_read(e, FAKEGPU_REG_ERROR_COUNT), 1);
	fg_engine_free(e);
	free(cfg.vram);
}

/* The clock the status page's vblank times are in, 64 bits through two reads. */
static void test_clock(void **state)
{
	struct fx *f = *state;

	f->now = 0x123456789abcdefull;
	assert_int_equal(fx_rd(f, FAKEGPU_REG_CLOCK_LO), 0x89abcdef);
	f->now = 0x200000000ull;
	/* HI belongs to the LO read, not to now. */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_CLOCK_HI), 0x01234567);
}

/* A flip on a running head: memory writes only, latched at the vblank. */
static void test_flip_through_page(void **state)
{
	struct fx *f = *state;
	int irqs;

	head_on(f);
	assert_int_equal(shown(f, 0), 0x111111);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 1);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_VBLANK_LO), (uint32_t)VBLANK(1));
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_VBLANK_HI), (uint32_t)(VBLANK(1) >> 32));
	/* Events go to the page; IRQ_STATUS stays clear (nobody would clear it). */
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), 0);
	assert_false(fg_engine_irq_pending(f->e));

	cm_record(f, 0, 2, 0, FB_B, false);
	fx_run_to(f, VBLANK(1) + 1000);		/* no vblank yet: nothing taken */
	assert_int_equal(shown(f, 0), 0x111111);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 1);
	irqs = f->irqs;
	fx_run_to(f, VBLANK(2));
	assert_int_equal(shown(f, 0), 0x222222);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 2);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 2);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_VBLANK_LO), (uint32_t)VBLANK(2));
	assert_int_equal(f->irqs, irqs + 1);
	/* Same number again: not a new commit. */
	cm_record(f, 0, 2, 0, FB_A, false);
	fx_run_to(f, VBLANK(3));
	assert_int_equal(shown(f, 0), 0x222222);
	/* Head registers of the other head untouched by head 0's records. */
	assert_int_equal(fx_st(f, 1, FAKEGPU_SHM_ST_STATUS), 0);
}

/* A record caught mid-write waits for the next vblank. */
static void test_record_being_written(void **state)
{
	struct fx *f = *state;

	head_on(f);
	cm_record(f, 0, 2, 0, FB_B, true);	/* SEQ left odd */
	fx_run_to(f, VBLANK(2));
	assert_int_equal(shown(f, 0), 0x111111);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 1);
	fx_shm_put(f, cm_base(0) + FAKEGPU_SHM_CM_SEQ,
		fx_shm32(f, cm_base(0) + FAKEGPU_SHM_CM_SEQ) + 1);
	fx_run_to(f, VBLANK(3));
	assert_int_equal(shown(f, 0), 0x222222);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 2);
}

/* DOORBELL: taken by the COMMIT write only, then latched at the vblank. */
static void test_doorbell_record(void **state)
{
	struct fx *f = *state;

	head_on(f);
	cm_record(f, 0, 2, FAKEGPU_SHM_CM_FLAG_DOORBELL, FB_B, false);
	fx_run_to(f, VBLANK(2));
	assert_int_equal(shown(f, 0), 0x111111);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_SHM);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_STATUS),
			 FAKEGPU_HEAD_STATUS_ACTIVE | FAKEGPU_HEAD_STATUS_PENDING);
	fx_run_to(f, VBLANK(3));
	assert_int_equal(shown(f, 0), 0x222222);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 2);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
}

/* The guest owns the commit page: values are validated like register writes. */
static void test_bad_record_refused(void **state)
{
	struct fx *f = *state;

	head_on(f);
	cm_record(f, 0, 2, 0, FB_B, false);
	cm_plane(f, 0, 0, FAKEGPU_PLANE_BLEND, 7);		/* reserved value */
	fx_run_to(f, VBLANK(2));
	assert_int_equal(shown(f, 0), 0x111111);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 2);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_REFUSED), 1);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_ERROR_CODE), FAKEGPU_ERR_RESERVED);
	assert_true(fx_st(f, 0, FAKEGPU_SHM_ST_STATUS) & FAKEGPU_HEAD_STATUS_ERROR);
	/* A buffer outside VRAM: the usual latch-time check. */
	cm_plane(f, 0, 0, FAKEGPU_PLANE_BLEND, 0);
	cm_record(f, 0, 3, 0, VRAM_SIZE - 64, false);
	fx_run_to(f, VBLANK(3));
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_REFUSED), 2);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_ERROR_CODE), FAKEGPU_ERR_BOUNDS);
	assert_int_equal(shown(f, 0), 0x111111);
}

/* A COMMIT number left in the page from before enable is not a commit. */
static void test_stale_record_ignored(void **state)
{
	struct fx *f = *state;

	fill_buffers(f);
	cm_record(f, 0, 41, 0, FB_A, false);
	enable(f);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 41);
	fx_run_to(f, T0);
	fx_run_to(f, VBLANK(5));
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_STATUS), 0);
}

/* Hotplug, CRC and writeback reach the page; reset clears it. */
static void test_events_and_reset(void **state)
{
	struct fx *f = *state;

	head_on(f);
	assert_int_equal(fg_engine_set_connected(f->e, 1, false), 0);
	assert_int_equal(fx_st(f, 1, FAKEGPU_SHM_ST_HOTPLUG), 1);
	assert_int_equal(fx_st(f, 1, FAKEGPU_SHM_ST_CONNECTOR), 0);

	/* CRC on through the page; writeback through the register shadows. */
	cm_record(f, 0, 2, FAKEGPU_SHM_CM_FLAG_DOORBELL, FB_A, false);
	cm_head(f, 0, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_WB_OFFSET_LO, 0x100000);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_WB_PITCH, 64 * 4);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_WB_FORMAT, FAKEGPU_FMT_XRGB8888);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_WB_CTRL, FAKEGPU_WB_CTRL_ENABLE);
	fx_wr(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_SHM);
	fx_run_to(f, VBLANK(2));
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_WB_COUNT), 1);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_WB_STATUS), FAKEGPU_WB_STATUS_DONE);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_CRC_FRAME), 2);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_CRC),
			 fx_rd(f, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_CRC));
	assert_int_not_equal(fx_st(f, 0, FAKEGPU_SHM_ST_CRC), 0);

	fx_wr(f, FAKEGPU_REG_CTRL, FAKEGPU_CTRL_RESET);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_SHM_CTRL), 0);
	assert_int_equal(fx_shm32(f, FAKEGPU_SHM_ST_LAYOUT), 0);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 0);
	/* Back to status bits once the pages are off. */
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_ALL);
	assert_int_equal(fg_engine_set_connected(f->e, 1, true), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_HOTPLUG(1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_caps_and_enable, setup, teardown),
		cmocka_unit_test(test_no_shm_no_cap),
		cmocka_unit_test_setup_teardown(test_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flip_through_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_being_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doorbell_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_record_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_record_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_and_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_vblank_commit_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_vblank_register_commit, setup, teardown),
	};

	return cmocka_run_group_tests_name("shared pages", tests, NULL, NULL);
}
