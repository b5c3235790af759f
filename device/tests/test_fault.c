// SPDX-License-Identifier: MIT
/*
 * Fault injection (docs/device-abi.md section 16): the SPEC parser, every
 * bad form of it, and each fault's effect on what a driver sees on both of
 * its paths, the BAR0 registers and the shared pages (status page, commit
 * records), with the engine on a fake clock; then the control socket's
 * `fault` request. The device program's side (--fault, exit-on-commit ending
 * the process, the socket) is in test_vfio_user.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ctl.h"
#include "engine.h"
#include "engine_fx.h"
#include "fakegpu_abi.h"
#include "fault.h"

#define HZ60		60000u
#define T0		1000000000ull
#define VBLANK(n)	(T0 + (uint64_t)(n) * 1000000000000ull / HZ60)
#define HB(h)		FAKEGPU_HEAD_BASE(h)
#define PB(h)		(FAKEGPU_HEAD_BASE(h) + FAKEGPU_PLANE_BASE(0))
#define FB_A		0x10000u
#define FB_B		0x20000u

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

static uint64_t st_vblank(struct fx *f, unsigned int h)
{
	return (uint64_t)fx_st(f, h, FAKEGPU_SHM_ST_VBLANK_HI) << 32 |
	       fx_st(f, h, FAKEGPU_SHM_ST_VBLANK_LO);
}

/* Set @spec at run time; it must be accepted. */
static void fault(struct fx *f, const char *spec)
{
	char err[256] = "";

	if (fg_engine_fault(f->e, spec, false, err, sizeof(err)) != 0)
		fail_msg("fault '%s' refused: %s", spec, err);
}

/* The active faults as fg_engine_fault_list() prints them. */
static char *list(struct fx *f)
{
	static char buf[1024];
	FILE *m;

	memset(buf, 0, sizeof(buf));
	m = fmemopen(buf, sizeof(buf) - 1, "w");

	assert_non_null(m);
	fg_engine_fault_list(f->e, m);
	fclose(m);
	return buf;
}

/* Head @h on at 60 Hz, a 64x32 XRGB8888 frame at @fb, through the registers. */
static void head_regs(struct fx *f, unsigned int h, uint32_t fb)
{
	fx_wr(f, PB(h) + FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	fx_wr(f, PB(h) + FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888);
	fx_wr(f, PB(h) + FAKEGPU_PLANE_OFFSET_LO, fb);
	fx_wr(f, PB(h) + FAKEGPU_PLANE_PITCH, 64 * 4);
	fx_wr(f, PB(h) + FAKEGPU_PLANE_SRC_W, 64);
	fx_wr(f, PB(h) + FAKEGPU_PLANE_SRC_H, 32);
	fx_wr(f, HB(h) + FAKEGPU_HEAD_WIDTH, 64);
	fx_wr(f, HB(h) + FAKEGPU_HEAD_HEIGHT, 32);
	fx_wr(f, HB(h) + FAKEGPU_HEAD_REFRESH_MHZ, HZ60);
	fx_wr(f, HB(h) + FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
}

/* Head 0 on and its timing started (T0), optionally with the shared pages. */
static void head0_on(struct fx *f, bool shm)
{
	if (shm)
		fx_wr(f, FAKEGPU_REG_SHM_CTRL, FAKEGPU_SHM_CTRL_ENABLE);
	head_regs(f, 0, FB_A);
	fx_wr(f, HB(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);	/* off: at once */
	assert_true(fx_rd(f, HB(0) + FAKEGPU_HEAD_STATUS) & FAKEGPU_HEAD_STATUS_ACTIVE);
	fx_run_to(f, T0);
}

/* Head @h's commit record: the registers of head_regs() at @fb, number @no. */
static void cm_record(struct fx *f, unsigned int h, uint32_t no, uint32_t fb)
{
	uint32_t r = FAKEGPU_SHM_COMMIT + FAKEGPU_SHM_CM_HEAD(h);
	uint32_t p = r + FAKEGPU_SHM_CM_PLANE(0);
	uint32_t seq = fx_shm32(f, r + FAKEGPU_SHM_CM_SEQ);

	fx_shm_put(f, r + FAKEGPU_SHM_CM_SEQ, seq + 1);		/* odd */
	fx_shm_put(f, r + FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	fx_shm_put(f, r + FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_WIDTH, 64);
	fx_shm_put(f, r + FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_HEIGHT, 32);
	fx_shm_put(f, r + FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_REFRESH_MHZ, HZ60);
	fx_shm_put(f, p + FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	fx_shm_put(f, p + FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888);
	fx_shm_put(f, p + FAKEGPU_PLANE_OFFSET_LO, fb);
	fx_shm_put(f, p + FAKEGPU_PLANE_PITCH, 64 * 4);
	fx_shm_put(f, p + FAKEGPU_PLANE_SRC_W, 64);
	fx_shm_put(f, p + FAKEGPU_PLANE_SRC_H, 32);
	for (unsigned int i = 0; i < 3; i++) {
		fx_shm_put(f, r + FAKEGPU_SHM_CM_PLANE(i) + FAKEGPU_PLANE_ALPHA, 0xffff);
		fx_shm_put(f, r + FAKEGPU_SHM_CM_PLANE(i) + FAKEGPU_PLANE_ZPOS, i);
	}
	fx_shm_put(f, r + FAKEGPU_SHM_CM_FLAGS, 0);
	fx_shm_put(f, r + FAKEGPU_SHM_CM_TIME, 0);
	fx_shm_put(f, r + FAKEGPU_SHM_CM_COMMIT, no);
	fx_shm_put(f, r + FAKEGPU_SHM_CM_SEQ, seq + 2);		/* even: complete */
}

/* ---- parsing --------------------------------------------------------------- */

static void parse_ok(const char *spec, enum fg_fault_kind kind, unsigned int head,
		     uint32_t value)
{
	struct fg_fault ft;
	char err[256] = "";

	if (fg_fault_parse(spec, 2, &ft, err, sizeof(err)) != 0)
		fail_msg("'%s' refused: %s", spec, err);
	assert_int_equal(ft.kind, kind);
	assert_int_equal(ft.head, head);
	assert_int_equal(ft.value, value);
}

static void test_parse_good(void **state)
{
	(void)state;
	parse_ok("irq-bits=0x80000000", FG_FAULT_IRQ_BITS, 0, 0x80000000u);
	parse_ok("irq-bits=0XfF00", FG_FAULT_IRQ_BITS, 0, 0xff00);
	parse_ok("irq-bits=256", FG_FAULT_IRQ_BITS, 0, 256);
	parse_ok("irq-bits=4294967295", FG_FAULT_IRQ_BITS, 0, UINT32_MAX);
	parse_ok("frame-stall=1", FG_FAULT_FRAME_STALL, 1, 0);
	parse_ok("frame-jump=0:1", FG_FAULT_FRAME_JUMP, 0, 1);
	parse_ok("frame-jump=1:2147483647", FG_FAULT_FRAME_JUMP, 1, 0x7fffffff);
	parse_ok("age-behind=0:250", FG_FAULT_AGE_BEHIND, 0, 250);
	parse_ok("age-behind=1:4294967295", FG_FAULT_AGE_BEHIND, 1, UINT32_MAX);
	parse_ok("irq-stop", FG_FAULT_IRQ_STOP, 0, 0);
	parse_ok("no-latch=1", FG_FAULT_NO_LATCH, 1, 0);
	parse_ok("exit-on-commit=1", FG_FAULT_EXIT_ON_COMMIT, 0, 1);
	parse_ok("exit-on-commit=4294967295", FG_FAULT_EXIT_ON_COMMIT, 0, UINT32_MAX);
	parse_ok("heads=0", FG_FAULT_HEADS, 0, 0);
	parse_ok("heads=4294967295", FG_FAULT_HEADS, 0, UINT32_MAX);
	parse_ok("vram-mb=8", FG_FAULT_VRAM_MB, 0, 8);
	parse_ok("edid-size=4096", FG_FAULT_EDID_SIZE, 0, 4096);

	assert_true(fg_fault_startup_only(FG_FAULT_HEADS));
	assert_true(fg_fault_startup_only(FG_FAULT_VRAM_MB));
	assert_true(fg_fault_startup_only(FG_FAULT_EDID_SIZE));
	assert_false(fg_fault_startup_only(FG_FAULT_IRQ_STOP));
	assert_false(fg_fault_startup_only(FG_FAULT_EXIT_ON_COMMIT));
	assert_string_equal(fg_fault_name(FG_FAULT_AGE_BEHIND), "age-behind");
	assert_non_null(strstr(fg_fault_usage, "frame-jump=HEAD:N"));

	/* Without a head count (a command line before the device exists). */
	{
		struct fg_fault ft;
		char err[128];

		assert_int_equal(fg_fault_parse("no-latch=7", 0, &ft, err, sizeof(err)), 0);
		assert_int_equal(ft.head, 7);
	}
}

/* @spec is refused with a message that holds @what (the "allowed" part). */
static void parse_bad(const char *spec, const char *what)
{
	struct fg_fault ft;
	char err[256] = "";

	if (fg_fault_parse(spec, 2, &ft, err, sizeof(err)) == 0)
		fail_msg("'%s' accepted", spec);
	if (!strstr(err, what))
		fail_msg("'%s': message '%s' does not say '%s'", spec, err, what);
	assert_null(strchr(err, '\n'));
}

static void test_parse_bad(void **state)
{
	(void)state;
	parse_bad("", "unknown fault ''");
	parse_bad("bogus", "unknown fault 'bogus' (faults: irq-bits=MASK");
	parse_bad("IRQ-STOP", "unknown fault");
	parse_bad("irq-stopper", "unknown fault");
	parse_bad("=1", "unknown fault");
	parse_bad("irq-bits", "irq-bits wants a value: irq-bits=MASK");
	parse_bad("irq-bits=", "MASK, a nonzero 32-bit number");
	parse_bad("irq-bits=0", "nonzero");
	parse_bad("irq-bits=0x0", "nonzero");
	parse_bad("irq-bits=0x", "MASK");
	parse_bad("irq-bits=0x1g", "MASK");
	parse_bad("irq-bits=-1", "MASK");
	parse_bad("irq-bits=+1", "MASK");
	parse_bad("irq-bits= 1", "MASK");
	parse_bad("irq-bits=0x100000000", "MASK");
	parse_bad("irq-bits=99999999999999999999999", "MASK");
	parse_bad("frame-stall", "frame-stall=HEAD");
	parse_bad("frame-stall=", "frame-stall=HEAD");
	parse_bad("frame-stall=a", "HEAD");
	parse_bad("frame-stall=2", "no head 2 (heads: 0..1)");
	parse_bad("frame-stall=4294967296", "HEAD");
	parse_bad("frame-stall=0:1", "frame-stall=HEAD");
	parse_bad("frame-jump=0", "frame-jump=HEAD:N");
	parse_bad("frame-jump=0:", "N");
	parse_bad("frame-jump=:5", "HEAD");
	parse_bad("frame-jump=0:0", "1..2147483647");
	parse_bad("frame-jump=0:2147483648", "1..2147483647");
	parse_bad("frame-jump=0:-1", "1..2147483647");
	parse_bad("frame-jump=0:1:2", "1..2147483647");
	parse_bad("frame-jump=5:1", "no head 5");
	parse_bad("age-behind=0", "age-behind=HEAD:MS");
	parse_bad("age-behind=0:0", "1..4294967295");
	parse_bad("age-behind=0:4294967296", "1..4294967295");
	parse_bad("age-behind=0:1.5", "1..4294967295");
	parse_bad("irq-stop=1", "irq-stop takes no value");
	parse_bad("irq-stop=", "irq-stop takes no value");
	parse_bad("no-latch", "no-latch=HEAD");
	parse_bad("no-latch=-0", "HEAD");
	parse_bad("exit-on-commit", "exit-on-commit=N");
	parse_bad("exit-on-commit=0", "1..4294967295");
	parse_bad("exit-on-commit=x", "1..4294967295");
	parse_bad("heads", "heads=N");
	parse_bad("heads=-1", "0..4294967295");
	parse_bad("heads=4294967296", "0..4294967295");
	parse_bad("vram-mb=1e3", "0..4294967295");
	parse_bad("edid-size=", "0..4294967295");
}

/* ---- each fault's effect ---------------------------------------------------- */

/*
 * irq-bits: every interrupt also sets MASK in IRQ_STATUS (and signals when
 * MASK is enabled); with the shared pages on there is no status bit to set,
 * IRQ_STATUS stays 0 and MASK only counts for signalling.
 */
static void test_irq_bits(void **state)
{
	struct fx *f = *state;

	head0_on(f, false);
	fault(f, "irq-bits=0x80000000");
	assert_string_equal(list(f), "irq-bits=0x80000000\n");
	fx_run_to(f, VBLANK(1));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_VBLANK(0) | 0x80000000u);
	/* Acked like any bit; raised again by the next interrupt. */
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), 0);
	/* Signalled when only MASK is enabled. */
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, 0x80000000u);
	f->irqs = 0;
	fx_run_to(f, VBLANK(2));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_VBLANK(0) | 0x80000000u);
	assert_int_equal(f->irqs, 1);
	/* Other interrupts too: a hotplug. */
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	assert_int_equal(fg_engine_set_connected(f->e, 1, false), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_HOTPLUG(1) | 0x80000000u);

	/* Shared pages: IRQ_STATUS stays 0, the interrupt is still signalled. */
	fx_wr(f, FAKEGPU_REG_SHM_CTRL, FAKEGPU_SHM_CTRL_ENABLE);
	f->irqs = 0;
	fx_run_to(f, VBLANK(3));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), 0);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 3);
	assert_int_equal(f->irqs, 1);

	/* Cleared: back to the real bits only, nothing signalled for MASK. */
	fg_engine_fault_clear(f->e);
	assert_string_equal(list(f), "");
	f->irqs = 0;
	fx_run_to(f, VBLANK(4));
	assert_int_equal(f->irqs, 0);
	fx_wr(f, FAKEGPU_REG_SHM_CTRL, 0);
	fx_run_to(f, VBLANK(5));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_VBLANK(0));
}

/* frame-stall: FRAME and the vblank time stop, the interrupts go on. */
static void test_frame_stall(void **state)
{
	struct fx *f = *state;
	struct fg_engine_head_stats s0, s1;

	head0_on(f, true);
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_ALL);
	fx_run_to(f, VBLANK(3));
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 3);
	fault(f, "frame-stall=0");
	assert_string_equal(list(f), "frame-stall=0\n");
	fg_engine_head_stats(f->e, 0, &s0);
	f->irqs = 0;
	for (unsigned int n = 4; n <= 8; n++)
		fx_run_to(f, VBLANK(n));
	fg_engine_head_stats(f->e, 0, &s1);
	assert_int_equal(s1.vblank_irqs - s0.vblank_irqs, 5);
	assert_int_equal(f->irqs, 5);
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_FRAME), 3);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 3);
	assert_int_equal(st_vblank(f, 0), VBLANK(3));
	/* VBLANK_AGE counts from the stalled frame's vblank, AGE_FRAME is it. */
	f->now = VBLANK(8) + 1000;
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_VBLANK_AGE), VBLANK(8) + 1000 - VBLANK(3));
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_AGE_FRAME), 3);
	/* Register path alike. */
	fx_wr(f, FAKEGPU_REG_SHM_CTRL, 0);
	fx_run_to(f, VBLANK(9));
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_FRAME), 3);
	assert_true(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & FAKEGPU_IRQ_VBLANK(0));
	/* Head 1's counter is not held. */
	head_regs(f, 1, FB_A);
	fx_wr(f, HB(1) + FAKEGPU_HEAD_COMMIT, 1);
	fx_run_to(f, VBLANK(9) + 1);
	fx_run_to(f, VBLANK(9) + 1 + 1000000000000ull / HZ60);
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_FRAME), 1);

	/* Cleared: counting goes on from the held value, time is true again. */
	fg_engine_fault_clear(f->e);
	fx_run_to(f, VBLANK(11));
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_FRAME), 4);
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_VBLANK_AGE), 0);
}

/* frame-jump: once, FRAME advances N more; the vblank time stays true. */
static void test_frame_jump(void **state)
{
	struct fx *f = *state;

	head0_on(f, true);
	fx_run_to(f, VBLANK(2));
	fault(f, "frame-jump=0:1000");
	assert_string_equal(list(f), "frame-jump=0:1000\n");
	fx_run_to(f, VBLANK(3));
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 1003);
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_FRAME), 1003);
	assert_int_equal(st_vblank(f, 0), VBLANK(3));
	assert_string_equal(list(f), "");	/* done: one-shot */
	fx_run_to(f, VBLANK(4));
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 1004);

	/* u32 arithmetic: two jumps of 2^31 - 1 and their +1s wrap to +2^32. */
	fault(f, "frame-jump=0:2147483647");
	fx_run_to(f, VBLANK(5));
	fault(f, "frame-jump=0:2147483647");
	fx_run_to(f, VBLANK(6));
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_FRAME), 1004);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 1004);

	/* A stalled head keeps the jump for its first vblank after the stall. */
	fault(f, "frame-stall=0");
	fault(f, "frame-jump=0:10");
	fx_run_to(f, VBLANK(7));
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_FRAME), 1004);
	fault(f, "irq-stop");
	fg_engine_fault_clear(f->e);	/* clears the jump as well */
	fx_run_to(f, VBLANK(8));
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_FRAME), 1005);
}

/* age-behind: VBLANK_AGE MS more, status page VBLANK time MS earlier. */
static void test_age_behind(void **state)
{
	struct fx *f = *state;

	head0_on(f, true);
	fx_run_to(f, VBLANK(2));
	fault(f, "age-behind=0:250");
	assert_string_equal(list(f), "age-behind=0:250\n");
	f->now = VBLANK(2) + 1234;
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_VBLANK_AGE), 1234 + 250000000u);
	/* The status page at once, and at every vblank. */
	assert_int_equal(st_vblank(f, 0), VBLANK(2) - 250000000ull);
	fx_run_to(f, VBLANK(3));
	assert_int_equal(st_vblank(f, 0), VBLANK(3) - 250000000ull);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 3);
	/* Saturates like the truth does. */
	fault(f, "age-behind=0:5000");
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_VBLANK_AGE), 0xfffffffeu);
	/* Never before the clock's origin: 1 ns (0 would mean "no vblank"). */
	fault(f, "age-behind=0:4294967295");
	fx_run_to(f, VBLANK(4));
	assert_int_equal(st_vblank(f, 0), 1);
	/* A head that is off still reads "no vblank". */
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_VBLANK_AGE), 0xffffffffu);
	fault(f, "age-behind=1:10");
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_VBLANK_AGE), 0xffffffffu);
	assert_int_equal(st_vblank(f, 1), 0);

	fg_engine_fault_clear(f->e);
	assert_int_equal(st_vblank(f, 0), VBLANK(4));
	f->now = VBLANK(4) + 10;
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_VBLANK_AGE), 10);
	fx_run_to(f, VBLANK(5));
	assert_int_equal(st_vblank(f, 0), VBLANK(5));
}

/* heads, vram-mb, edid-size: at startup only; the registers lie. */
static void test_identity_lies(void **state)
{
	struct fx *f = *state;
	char err[256] = "";

	assert_int_equal(fg_engine_fault(f->e, "heads=7", false, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "heads"));
	assert_non_null(strstr(err, "when the device starts"));
	assert_int_equal(fg_engine_fault(f->e, "vram-mb=1", false, err, sizeof(err)), -EPERM);
	assert_int_equal(fg_engine_fault(f->e, "edid-size=1", false, err, sizeof(err)), -EPERM);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_NUM_HEADS), 2);
	assert_string_equal(list(f), "");

	assert_int_equal(fg_engine_fault(f->e, "heads=7", true, err, sizeof(err)), 0);
	assert_int_equal(fg_engine_fault(f->e, "vram-mb=4294967295", true, err, sizeof(err)), 0);
	assert_int_equal(fg_engine_fault(f->e, "edid-size=1000", true, err, sizeof(err)), 0);
	assert_string_equal(list(f), "heads=7\nvram-mb=4294967295\nedid-size=1000\n");
	assert_int_equal(fx_rd(f, FAKEGPU_REG_NUM_HEADS), 7);
	assert_int_equal(fg_engine_peek(f->e, FAKEGPU_REG_NUM_HEADS), 7);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_VRAM_SIZE_LO), 0xfff00000u);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_VRAM_SIZE_HI), 0xfffffu);
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_EDID_SIZE), 1000);
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_EDID_SIZE), 1000);
	/* What the device really is does not change. */
	assert_int_equal(fg_engine_heads(f->e), 2);
	assert_int_equal(fg_engine_vram_size(f->e), FX_VRAM_SIZE);
	assert_int_equal(fx_rd(f, HB(2) + FAKEGPU_HEAD_FRAME), 0);	/* no head 2 */
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_EDID_WINDOW + 128), 0);
	/* Disconnected: no EDID, whatever the lie. */
	fg_engine_set_connected(f->e, 1, false);
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_EDID_SIZE), 0);
	/* A device reset and a fault clear keep them. */
	fg_engine_reset(f->e);
	fg_engine_fault_clear(f->e);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_NUM_HEADS), 7);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_VRAM_SIZE_LO), 0xfff00000u);
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_EDID_SIZE), 1000);
	/* Zero is a lie like any other. */
	assert_int_equal(fg_engine_fault(f->e, "vram-mb=0", true, err, sizeof(err)), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_VRAM_SIZE_LO), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_VRAM_SIZE_HI), 0);
}

/* irq-stop: status bits still set, nothing signalled, the INTx line down. */
static void test_irq_stop(void **state)
{
	struct fx *f = *state;

	head0_on(f, false);
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_ALL);
	f->irqs = 0;
	fx_run_to(f, VBLANK(1));
	assert_int_equal(f->irqs, 1);
	assert_true(fg_engine_irq_pending(f->e));
	fault(f, "irq-stop");
	assert_string_equal(list(f), "irq-stop\n");
	assert_false(fg_engine_irq_pending(f->e));
	f->irqs = 0;
	for (unsigned int n = 2; n <= 6; n++)
		fx_run_to(f, VBLANK(n));
	fg_engine_set_connected(f->e, 0, false);
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_ALL);	/* re-enabling a pending bit */
	assert_int_equal(f->irqs, 0);
	assert_false(fg_engine_irq_pending(f->e));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS),
			 FAKEGPU_IRQ_VBLANK(0) | FAKEGPU_IRQ_HOTPLUG(0));
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_FRAME), 6);
	/* Shared pages: no edge either, the status page still counts. */
	fx_wr(f, FAKEGPU_REG_SHM_CTRL, FAKEGPU_SHM_CTRL_ENABLE);
	fx_run_to(f, VBLANK(7));
	assert_int_equal(f->irqs, 0);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 7);
	fx_wr(f, FAKEGPU_REG_SHM_CTRL, 0);
	fx_run_to(f, VBLANK(8));
	/* Cleared with an enabled bit pending: signalled at once. */
	fg_engine_fault_clear(f->e);
	assert_int_equal(f->irqs, 1);
	assert_true(fg_engine_irq_pending(f->e));
	fx_run_to(f, VBLANK(9));
	assert_int_equal(f->irqs, 2);
}

/* no-latch: commits captured, never latched, COMMIT reads 1; both paths. */
static void test_no_latch(void **state)
{
	struct fx *f = *state;
	uint32_t *px, w, h;

	memset(f->vram + FB_B, 0x22, 64 * 32 * 4);
	head0_on(f, true);
	fx_run_to(f, VBLANK(1));
	fault(f, "no-latch=0");
	assert_string_equal(list(f), "no-latch=0\n");
	/* The register path. */
	fx_wr(f, PB(0) + FAKEGPU_PLANE_OFFSET_LO, FB_B);
	fx_wr(f, HB(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
	for (unsigned int n = 2; n <= 6; n++) {
		fx_run_to(f, VBLANK(n));
		assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_COMMIT), 1);
		assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_STATUS),
				 FAKEGPU_HEAD_STATUS_PENDING | FAKEGPU_HEAD_STATUS_ACTIVE);
		assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_STATUS),
				 FAKEGPU_HEAD_STATUS_PENDING | FAKEGPU_HEAD_STATUS_ACTIVE);
	}
	assert_int_equal(fg_engine_screenshot(f->e, 0, &px, &w, &h), 0);
	assert_int_equal(px[0], 0);		/* still FB_A (zeros) */
	free(px);
	/* The commit page: taken (it replaces the pending one), never latched. */
	cm_record(f, 0, 7, FB_B);
	for (unsigned int n = 7; n <= 10; n++) {
		fx_run_to(f, VBLANK(n));
		assert_int_not_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 7);
		assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_COMMIT), 1);
	}
	/* A doorbell neither. */
	fx_wr(f, HB(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_SHM);
	fx_run_to(f, VBLANK(11));
	assert_int_not_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 7);
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_FRAME), 11);	/* vblanks go on */
	/* Head 1 is not held. */
	head_regs(f, 1, FB_A);
	fx_wr(f, HB(1) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_COMMIT), 0);

	/* Cleared: the pending commit latches at the next vblank. */
	fg_engine_fault_clear(f->e);
	fx_run_to(f, VBLANK(12));
	assert_int_equal(fx_st(f, 0, FAKEGPU_SHM_ST_LATCHED), 7);
	assert_int_equal(fx_rd(f, HB(0) + FAKEGPU_HEAD_COMMIT), 0);
	assert_int_equal(fg_engine_screenshot(f->e, 0, &px, &w, &h), 0);
	assert_int_equal(px[0], 0x222222);
	free(px);
}

/* no-latch on a head that is off: it stays off; a clear latches at once. */
static void test_no_latch_head_off(void **state)
{
	struct fx *f = *state;

	fault(f, "no-latch=1");
	head_regs(f, 1, FB_A);
	fx_wr(f, HB(1) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_COMMIT), 1);
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_PENDING);
	assert_int_equal(fg_engine_next_deadline(f->e), UINT64_MAX);
	fg_engine_reset(f->e);		/* a reset drops the commit, not the fault */
	assert_string_equal(list(f), "no-latch=1\n");
	head_regs(f, 1, FB_A);
	fx_wr(f, HB(1) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_COMMIT), 1);
	fg_engine_fault_clear(f->e);
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_COMMIT), 0);
	assert_int_equal(fx_rd(f, HB(1) + FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
}

/* exit-on-commit: the Nth commit received from the fault on, any path. */
static void test_exit_on_commit(void **state)
{
	struct fx *f = *state;

	head0_on(f, true);		/* one commit before the fault: not counted */
	fx_run_to(f, VBLANK(1));
	fault(f, "exit-on-commit=3");
	assert_string_equal(list(f), "exit-on-commit=3 (0 received)\n");
	fx_wr(f, HB(0) + FAKEGPU_HEAD_COMMIT, 0);		/* not a commit */
	fx_wr(f, HB(0) + FAKEGPU_HEAD_COMMIT, 3);		/* refused: not one */
	fx_wr(f, HB(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
	assert_string_equal(list(f), "exit-on-commit=3 (1 received)\n");
	cm_record(f, 0, 5, FB_A);
	fx_run_to(f, VBLANK(2));				/* the record, taken */
	fx_run_to(f, VBLANK(3));				/* nothing new */
	assert_int_equal(f->exits, 0);
	assert_string_equal(list(f), "exit-on-commit=3 (2 received)\n");
	fx_wr(f, HB(1) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);	/* any head */
	assert_int_equal(f->exits, 1);
	assert_non_null(strstr(f->why, "exit-on-commit=3"));
	assert_non_null(strstr(f->why, "head 1"));
	/* Set again: the count restarts. */
	fault(f, "exit-on-commit=1");
	assert_string_equal(list(f), "exit-on-commit=1 (0 received)\n");
	cm_record(f, 0, 6, FB_A);
	fx_wr(f, HB(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_SHM);	/* doorbell */
	assert_int_equal(f->exits, 2);
	fg_engine_fault_clear(f->e);
	fx_wr(f, HB(0) + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
	assert_int_equal(f->exits, 2);
}

/* Several at once, listed in a fixed order; bad heads and repeats. */
static void test_set_list_clear(void **state)
{
	struct fx *f = *state;
	char err[256] = "";

	fault(f, "no-latch=1");
	fault(f, "irq-stop");
	fault(f, "age-behind=1:3");
	fault(f, "age-behind=0:2");
	fault(f, "age-behind=1:4");		/* replaces 1:3 */
	fault(f, "irq-bits=0x100");
	fault(f, "irq-bits=0x200");		/* replaces */
	fault(f, "frame-stall=1");
	fault(f, "frame-stall=1");
	fault(f, "frame-jump=0:9");
	fault(f, "exit-on-commit=2");
	assert_int_equal(fg_engine_fault(f->e, "heads=1", true, err, sizeof(err)), 0);
	assert_string_equal(list(f),
			    "heads=1\n"
			    "irq-bits=0x200\n"
			    "irq-stop\n"
			    "exit-on-commit=2 (0 received)\n"
			    "frame-stall=1\n"
			    "frame-jump=0:9\n"
			    "age-behind=0:2\n"
			    "age-behind=1:4\n"
			    "no-latch=1\n");
	/* The real head count decides, not the lie. */
	assert_int_equal(fg_engine_fault(f->e, "no-latch=2", false, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no head 2 (heads: 0..1)"));
	{
		struct fg_fault ft = { .kind = FG_FAULT_FRAME_STALL, .head = 2 };

		assert_int_equal(fg_engine_fault_set(f->e, &ft, false, err, sizeof(err)), -ENODEV);
		assert_non_null(strstr(err, "no head 2"));
	}
	assert_int_equal(fg_engine_fault(f->e, "nonsense", false, err, sizeof(err)), -EINVAL);
	fg_engine_reset(f->e);
	assert_non_null(strstr(list(f), "irq-stop"));
	fg_engine_fault_clear(f->e);
	assert_string_equal(list(f), "heads=1\n");
}

/* ---- the control socket's request ---------------------------------------- */

static char *serve(struct fg_ctl *c, const char *req)
{
	static char text[1024];
	struct fg_ctl_reply r;

	assert_int_equal(fg_ctl_serve_request(c, req, strlen(req), &r), 0);
	assert_null(r.body);
	assert_true(r.text_len < sizeof(text));
	memcpy(text, r.text, r.text_len);
	text[r.text_len] = '\0';
	fg_ctl_reply_free(&r);
	return text;
}

static void test_ctl_fault(void **state)
{
	struct fx *f = *state;
	struct fg_sock_access acc = FG_SOCK_ACCESS_INIT;
	char dir[] = "/tmp/fgfault-XXXXXX", path[64];
	struct fg_ctl *c;
	char err[64];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	c = fg_ctl_new(path, &acc, f->e, NULL, NULL);
	assert_non_null(c);

	assert_string_equal(serve(c, "fault\n"), "ok 0 faults\n");
	assert_string_equal(serve(c, "fault irq-stop\n"), "ok 1 fault\nirq-stop\n");
	assert_string_equal(serve(c, "fault\tno-latch=1\r\n"),
			    "ok 2 faults\nirq-stop\nno-latch=1\n");
	assert_string_equal(serve(c, "fault no-latch=2\n"),
			    "error no head 2 (heads: 0..1)\n");
	assert_non_null(strstr(serve(c, "fault bogus\n"),
			       "error unknown fault 'bogus' (faults: irq-bits=MASK"));
	assert_string_equal(serve(c, "fault heads=4\n"),
			    "error fault 'heads' can only be set when the device starts "
			    "(fakegpu-device --fault heads=N), not at run time\n");
	assert_string_equal(serve(c, "fault vram-mb=4\n"),
			    "error fault 'vram-mb' can only be set when the device starts "
			    "(fakegpu-device --fault vram-mb=N), not at run time\n");
	assert_string_equal(serve(c, "fault irq-stop extra\n"),
			    "error too many arguments for 'fault'\n");
	assert_string_equal(serve(c, "fault clear\n"), "ok 0 faults\n");
	assert_int_equal(fg_engine_fault(f->e, "edid-size=9", true, err, sizeof(err)), 0);
	assert_string_equal(serve(c, "fault frame-jump=1:3\n"),
			    "ok 2 faults\nedid-size=9\nframe-jump=1:3\n");
	assert_string_equal(serve(c, "fault clear\n"), "ok 1 fault\nedid-size=9\n");
	/* The unknown-command message names it. */
	assert_non_null(strstr(serve(c, "bogus\n"), "fault [SPEC|clear]"));
	/* And `status` lists the faults. */
	assert_non_null(strstr(serve(c, "status\n"), "\nfaults: edid-size=9\n"));
	serve(c, "fault irq-stop\n");
	assert_non_null(strstr(serve(c, "status\n"), "\nfaults: edid-size=9 irq-stop\n"));
	fg_ctl_free(c);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test_setup_teardown(test_irq_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_jump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_age_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_lies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_latch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_latch_head_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_on_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_list_clear, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctl_fault, setup, teardown),
	};

	return cmocka_run_group_tests_name("fault", tests, NULL, NULL);
}
