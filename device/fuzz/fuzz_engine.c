// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: register programs straight into the display engine
 * (engine.h), with a fake clock the input advances, so that random plane
 * setups are latched, composed, CRC'ed, gamma-mapped and written back. VRAM
 * is 16 MiB of fresh anonymous memory between two inaccessible guard areas,
 * so any access just outside it faults (a heap buffer would be exact under
 * AddressSanitizer, but allocating and poisoning 16 MiB for every input
 * costs more than the input's own work).
 *
 * Input layout:
 *   byte 0      bits 0-1: heads - 1 (1..4);
 *               bits 2-3: size limit (MAX_WIDTH x MAX_HEIGHT): 64x64,
 *               256x256, 1024x768 or the engine's default (2048x2048 in
 *               16 MiB);
 *               bit 4: a mode list for the EDID follows;
 *               bit 5: shared pages (BAR4: status and commit page);
 *               bit 6: the mode list is text (the device's --modes).
 *   mode list   u8 n (1..4 modes), then per mode u16 width, u16 height,
 *               u8 refresh (folded into the EDID's ranges and the limit);
 *               as text: u8 length, then that many characters for
 *               fg_engine_parse_modes() (modes beyond the limit dropped).
 *   then ops    one opcode byte (modulo OP_COUNT, enum op) and its
 *               arguments, little endian; a truncated op reads zeros.
 *
 * Checks beyond the sanitizers: a screenshot has the head's size; a CRC
 * computed at a vblank equals the CRC of a screenshot taken right after it
 * (the line-by-line CRC path and the whole-frame path agree); with the shared
 * pages on, every head's status record says what its registers say.
 *
 * Work per input is bounded by PIXEL_BUDGET (composed pixels, VRAM fills).
 *
 * The seed corpus (corpus/engine/) is written by gen_corpus.py, which knows
 * this layout: keep the two in step.
 *
 * Build/run: make fuzz && make fuzz-run-engine FUZZ_SECONDS=30
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "compose.h"
#include "edid.h"
#include "engine.h"
#include "fakegpu_abi.h"

#define VRAM_SIZE	FAKEGPU_VRAM_MIN
#define GUARD_SIZE	(1u << 20)	/* inaccessible, before and after VRAM */
#define PIXEL_BUDGET	(8ull << 20)
#define IRQ_WRITEBACKS	0xff000000u	/* every head's FAKEGPU_IRQ_WRITEBACK() */

enum op {
	OP_WRITE,	/* u16 register index (offset = 4 * (index % 0x1000)), u32 value */
	OP_WRITE_RAW,	/* u32 offset (any: unaligned, outside BAR0), u32 value */
	OP_READ,	/* u16 offset (any) */
	OP_HEAD,	/* u8 head (0..7), u8 register index in the head block, u32 value */
	OP_MODE,	/* u8 head, u16 width, u16 height, u8 refresh Hz (0: 60), u8 CTRL; COMMIT */
	OP_PLANE,	/* u8 head, u8 plane (0..3), u8 CTRL, u8 FORMAT, u32 offset,
			 * u16 pitch, u16 src x, y, w, h, s16 dst x, y, u16 alpha,
			 * u8 blend, u8 zpos */
	OP_COMMIT,	/* u8 head */
	OP_GAMMA,	/* u8 head, u8 kind (bits 0-2 curve, bit 3 enable), u8 parameter */
	OP_WB,		/* u8 head, u32 offset, u16 pitch, u8 format; WB_CTRL enable */
	OP_FILL,	/* u32 offset, u16 length, u8 kind, u8 seed */
	OP_RUN,		/* u8 clock step (clock_step()) */
	OP_SCREENSHOT,	/* u8 head (0..8) */
	OP_CONNECT,	/* u8 head (0..8), u8 connected (bit 0) */
	OP_RESET,	/* fg_engine_reset() */
	OP_IRQ,		/* u32 IRQ_MASK; IRQ_STATUS read and acknowledged */
	OP_STATS,	/* u8 head (0..8): stats, deadline, interrupt line */
	OP_SHM_WRITE,	/* u16 word index in the commit page, u32 value */
	OP_SHM_RECORD,	/* u8 head, u8 how (bit 0 FLAGS.DOORBELL, bit 1 left mid-write
			 * (SEQ odd), bit 2 COMMIT number unchanged), u8 CTRL,
			 * u16 width, u16 height, u8 refresh Hz (0: 60), u8 plane
			 * (0..2) and that plane as in OP_PLANE from its CTRL on */
	OP_COUNT
};

struct input {
	const uint8_t *p;
	size_t left;
};

struct fuzz {
	struct fg_engine *e;
	uint8_t *vram;
	uint8_t *shm;		/* NULL: no shared pages */
	uint64_t now;		/* the engine's clock, ns */
	uint64_t budget;	/* pixels left */
	uint64_t irqs;
};

static uint32_t get(struct input *in, unsigned int bytes)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < bytes; i++) {
		if (in->left) {
			v |= (uint32_t)in->p[0] << (8 * i);
			in->p++;
			in->left--;
		}
	}
	return v;
}

static uint64_t fake_clock(void *opaque)
{
	const struct fuzz *f = opaque;

	return f->now;
}

static void on_irq(void *opaque)
{
	struct fuzz *f = opaque;

	f->irqs++;
}

static bool charge(struct fuzz *f, uint64_t px)
{
	if (px > f->budget)
		return false;
	f->budget -= px;
	return true;
}

/* Same steps as fuzz_vfu: 0 none, 255 a 1000 s jump, else milliseconds. */
static uint64_t clock_step(uint8_t c)
{
	if (c == 255)
		return 1000000000000ull + 1000000ull;
	return (uint64_t)c * 1000000ull;
}

static void head_write(struct fuzz *f, unsigned int head, uint32_t off, uint32_t v)
{
	fg_engine_write(f->e, FAKEGPU_HEAD_BASE(head) + off, v);
}

static void plane_write(struct fuzz *f, unsigned int head, unsigned int plane,
			uint32_t off, uint32_t v)
{
	head_write(f, head, FAKEGPU_PLANE_BASE(plane) + off, v);
}

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static uint32_t gamma_entry(unsigned int kind, uint32_t param, uint32_t i,
			    uint32_t *rnd)
{
	uint32_t c;

	switch (kind) {
	case 0:
		c = i;				/* identity */
		break;
	case 1:
		c = 255 - i;			/* invert */
		break;
	case 2:
		c = i * i / 255;		/* a darkening curve */
		break;
	case 3:
		return xorshift(rnd) & 0x00ffffffu;
	case 4:
		c = param;			/* constant */
		break;
	case 5:
		c = i < param ? 0 : 255;	/* threshold */
		break;
	case 6:
		return (i << 16) | ((255 - i) << 8) | (i * param / 255);
	default:
		c = (i + param) & 0xff;		/* wraps */
		break;
	}
	return c * 0x010101u;
}

static void op_gamma(struct fuzz *f, struct input *in)
{
	unsigned int head = get(in, 1) % FAKEGPU_MAX_HEADS;
	uint32_t kind = get(in, 1), param = get(in, 1), rnd = param | 0x100u;

	head_write(f, head, FAKEGPU_HEAD_GAMMA_INDEX, 0);
	for (uint32_t i = 0; i < FAKEGPU_GAMMA_SIZE; i++)
		head_write(f, head, FAKEGPU_HEAD_GAMMA_DATA,
			   gamma_entry(kind & 7, param, i, &rnd));
	head_write(f, head, FAKEGPU_HEAD_GAMMA_CTRL, (kind >> 3) & 1);
}

/* A plane as OP_PLANE gives it, from its CTRL on: registers and values. */
static const uint32_t plane_regs[] = {
	FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_FORMAT, FAKEGPU_PLANE_OFFSET_LO,
	FAKEGPU_PLANE_PITCH, FAKEGPU_PLANE_SRC_X, FAKEGPU_PLANE_SRC_Y,
	FAKEGPU_PLANE_SRC_W, FAKEGPU_PLANE_SRC_H, FAKEGPU_PLANE_DST_X,
	FAKEGPU_PLANE_DST_Y, FAKEGPU_PLANE_ALPHA, FAKEGPU_PLANE_BLEND,
	FAKEGPU_PLANE_ZPOS, FAKEGPU_PLANE_OFFSET_HI,
};
#define PLANE_REGS	(sizeof(plane_regs) / sizeof(plane_regs[0]))

static void get_plane(struct input *in, uint32_t *v)
{
	static const unsigned int bytes[PLANE_REGS] = { 1, 1, 4, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 0 };

	for (size_t i = 0; i < PLANE_REGS; i++) {
		v[i] = get(in, bytes[i]);
		/* Destination coordinates are signed 16-bit in the input. */
		if (plane_regs[i] == FAKEGPU_PLANE_DST_X || plane_regs[i] == FAKEGPU_PLANE_DST_Y)
			v[i] = (uint32_t)(int32_t)(int16_t)v[i];
	}
}

static void op_plane(struct fuzz *f, struct input *in)
{
	unsigned int head = get(in, 1) % FAKEGPU_MAX_HEADS;
	unsigned int plane = get(in, 1) % (FG_PLANES + 1);
	uint32_t v[PLANE_REGS];

	get_plane(in, v);
	for (size_t i = 0; i < PLANE_REGS; i++)
		plane_write(f, head, plane, plane_regs[i], v[i]);
}

/* The guest's view of the commit page: plain little-endian words. */
static uint32_t cm_load(const struct fuzz *f, uint32_t off)
{
	uint32_t v;

	memcpy(&v, f->shm + FAKEGPU_SHM_COMMIT + off, 4);
	return v;
}

static void cm_store(struct fuzz *f, uint32_t off, uint32_t v)
{
	memcpy(f->shm + FAKEGPU_SHM_COMMIT + off, &v, 4);
}

/* A commit record written as a guest does: SEQ odd, fields, COMMIT, SEQ even. */
static void op_shm_record(struct fuzz *f, struct input *in)
{
	uint32_t head = get(in, 1) % FAKEGPU_MAX_HEADS, how = get(in, 1);
	uint32_t r = FAKEGPU_SHM_CM_HEAD(head), seq, w, h, hz, ctrl, plane;
	uint32_t v[PLANE_REGS];

	ctrl = get(in, 1);
	w = get(in, 2);
	h = get(in, 2);
	hz = get(in, 1);
	plane = get(in, 1) % FG_PLANES;
	get_plane(in, v);
	if (!f->shm)
		return;
	seq = (cm_load(f, r + FAKEGPU_SHM_CM_SEQ) + 1) | 1;
	cm_store(f, r + FAKEGPU_SHM_CM_SEQ, seq);
	cm_store(f, r + FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_CTRL, ctrl);
	cm_store(f, r + FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_WIDTH, w);
	cm_store(f, r + FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_HEIGHT, h);
	cm_store(f, r + FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_REFRESH_MHZ, (hz ? hz : 60) * 1000);
	for (size_t i = 0; i < PLANE_REGS; i++)
		cm_store(f, r + FAKEGPU_SHM_CM_PLANE(plane) + plane_regs[i], v[i]);
	cm_store(f, r + FAKEGPU_SHM_CM_FLAGS, how & 1 ? FAKEGPU_SHM_CM_FLAG_DOORBELL : 0);
	if (!(how & 4))
		cm_store(f, r + FAKEGPU_SHM_CM_COMMIT, cm_load(f, r + FAKEGPU_SHM_CM_COMMIT) + 1);
	if (!(how & 2))
		cm_store(f, r + FAKEGPU_SHM_CM_SEQ, seq + 1);
}

/*
 * With the shared pages on, each head's status record (SEQ even: the device
 * is not writing it, and here it never is between two calls) holds what the
 * head's registers say.
 */
static void check_status_page(struct fuzz *f)
{
	static const uint32_t pairs[][2] = {
		{ FAKEGPU_SHM_ST_FRAME, FAKEGPU_HEAD_FRAME },
		{ FAKEGPU_SHM_ST_STATUS, FAKEGPU_HEAD_STATUS },
		{ FAKEGPU_SHM_ST_ERROR_CODE, FAKEGPU_HEAD_ERROR_CODE },
		{ FAKEGPU_SHM_ST_CRC, FAKEGPU_HEAD_CRC },
		{ FAKEGPU_SHM_ST_CRC_FRAME, FAKEGPU_HEAD_CRC_FRAME },
		{ FAKEGPU_SHM_ST_WB_STATUS, FAKEGPU_HEAD_WB_STATUS },
		{ FAKEGPU_SHM_ST_CONNECTOR, FAKEGPU_HEAD_CONNECTOR },
	};
	uint32_t v;

	if (!f->shm || !(fg_engine_read(f->e, FAKEGPU_REG_SHM_CTRL) & FAKEGPU_SHM_CTRL_ENABLE))
		return;
	memcpy(&v, f->shm + FAKEGPU_SHM_STATUS + FAKEGPU_SHM_ST_LAYOUT, 4);
	if (v != FAKEGPU_SHM_LAYOUT)
		__builtin_trap();
	for (unsigned int i = 0; i < fg_engine_heads(f->e); i++) {
		const uint8_t *r = f->shm + FAKEGPU_SHM_STATUS + FAKEGPU_SHM_ST_HEAD(i);

		memcpy(&v, r + FAKEGPU_SHM_ST_SEQ, 4);
		if (v & 1)
			__builtin_trap();
		for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
			memcpy(&v, r + pairs[k][0], 4);
			if (v != fg_engine_read(f->e, FAKEGPU_HEAD_BASE(i) + pairs[k][1]))
				__builtin_trap();
		}
	}
}

static void op_fill(struct fuzz *f, struct input *in)
{
	static const uint8_t alphas[4] = { 0, 0x80, 0xff, 0x40 };
	uint32_t off = get(in, 4) % VRAM_SIZE, len = get(in, 2);
	uint32_t kind = get(in, 1), x = get(in, 1) * 0x01010101u | 1;

	if (len > VRAM_SIZE - off)
		len = VRAM_SIZE - off;
	if (!charge(f, len / 4))
		return;
	for (uint32_t i = 0; i < len; i++) {
		uint8_t b;

		switch (kind % 4) {
		case 0:			/* one 32-bit colour, its alpha included */
			b = (uint8_t)(x >> (8 * (i % 4)));
			break;
		case 1:			/* noise */
			b = (uint8_t)xorshift(&x);
			break;
		case 2:			/* gradient */
			b = (uint8_t)(i + (i >> 8) * (x & 0xff));
			break;
		default:			/* ARGB words, alpha 0, 0x80, 0xff, 0x40 */
			b = i % 4 == 3 ? alphas[(i / 4) % 4] : (uint8_t)(i * 7 + (x & 0xff));
			break;
		}
		f->vram[off + i] = b;
	}
}

/*
 * Compare each head's CRC computed in the run just done with the CRC of a
 * screenshot: same state, same VRAM (the caller knows no writeback happened
 * in the run).
 */
static void check_crcs(struct fuzz *f, const uint64_t *vblanks_before)
{
	for (unsigned int i = 0; i < fg_engine_heads(f->e); i++) {
		struct fg_engine_head_stats st;
		uint32_t *px, w, h;

		if (fg_engine_head_stats(f->e, i, &st) != 0)
			__builtin_trap();
		if (st.vblank_irqs == vblanks_before[i] || !st.active ||
		    st.crc_frame != st.frames)
			continue;	/* no CRC computed in this run */
		if (!charge(f, (uint64_t)st.width * st.height))
			return;
		if (fg_engine_screenshot(f->e, i, &px, &w, &h) != 0)
			__builtin_trap();
		if (w != st.width || h != st.height ||
		    fg_crc_pixels(0, px, (size_t)w * h) != st.crc)
			__builtin_trap();
		free(px);
	}
}

static void op_run(struct fuzz *f, struct input *in)
{
	uint8_t step = (uint8_t)get(in, 1);
	uint64_t vblanks[FAKEGPU_MAX_HEADS] = { 0 }, px = 0, irqs;
	uint32_t mask;

	for (unsigned int i = 0; i < fg_engine_heads(f->e); i++) {
		struct fg_engine_head_stats st;

		fg_engine_head_stats(f->e, i, &st);
		vblanks[i] = st.vblank_irqs;
		if (st.active)
			px += (uint64_t)st.width * st.height;
	}
	/* A frame for the CRC and one for a writeback per active head. */
	if (!charge(f, 2 * px))
		return;
	/*
	 * A writeback in this run may change what a CRC covered: with only
	 * the writeback interrupts enabled during the run, any interrupt says
	 * there was one. The engine's state does not depend on IRQ_MASK
	 * beyond the interrupts it signals, so the input's mask is put back.
	 */
	mask = fg_engine_read(f->e, FAKEGPU_REG_IRQ_MASK);
	fg_engine_write(f->e, FAKEGPU_REG_IRQ_MASK, IRQ_WRITEBACKS);
	irqs = f->irqs;
	f->now += clock_step(step);
	fg_engine_run(f->e, f->now);
	(void)fg_engine_next_deadline(f->e);
	if (f->irqs == irqs)
		check_crcs(f, vblanks);
	fg_engine_write(f->e, FAKEGPU_REG_IRQ_MASK, mask);
}

static void op_screenshot(struct fuzz *f, struct input *in)
{
	unsigned int head = get(in, 1) % (FAKEGPU_MAX_HEADS + 1);
	struct fg_engine_head_stats st;
	uint32_t *px, w, h;
	int ret;

	if (fg_engine_head_stats(f->e, head, &st) == 0 && st.active &&
	    !charge(f, (uint64_t)st.width * st.height))
		return;
	ret = fg_engine_screenshot(f->e, head, &px, &w, &h);
	if (ret == 0) {
		if (w != st.width || h != st.height)
			__builtin_trap();
		free(px);
	}
}

static void op_stats(struct fuzz *f, struct input *in)
{
	unsigned int head = get(in, 1) % (FAKEGPU_MAX_HEADS + 1);
	struct fg_engine_head_stats st;

	if (fg_engine_head_stats(f->e, head, &st) == 0 &&
	    st.active != !!(fg_engine_read(f->e, FAKEGPU_HEAD_BASE(head) + FAKEGPU_HEAD_STATUS) &
			    FAKEGPU_HEAD_STATUS_ACTIVE))
		__builtin_trap();
	(void)fg_engine_next_deadline(f->e);
	(void)fg_engine_irq_pending(f->e);
}

static void do_op(struct fuzz *f, struct input *in)
{
	unsigned int head;
	uint32_t v;

	switch ((enum op)(get(in, 1) % OP_COUNT)) {
	case OP_WRITE:
		v = (get(in, 2) % 0x1000) * 4;
		fg_engine_write(f->e, v, get(in, 4));
		break;
	case OP_WRITE_RAW:
		v = get(in, 4);
		fg_engine_write(f->e, v, get(in, 4));
		break;
	case OP_READ:
		(void)fg_engine_read(f->e, get(in, 2));
		break;
	case OP_HEAD:
		head = get(in, 1) % FAKEGPU_MAX_HEADS;
		v = get(in, 1) * 4;
		head_write(f, head, v, get(in, 4));
		break;
	case OP_MODE: {
		uint32_t w, h, hz;

		head = get(in, 1) % FAKEGPU_MAX_HEADS;
		w = get(in, 2);
		h = get(in, 2);
		hz = get(in, 1);
		head_write(f, head, FAKEGPU_HEAD_WIDTH, w);
		head_write(f, head, FAKEGPU_HEAD_HEIGHT, h);
		head_write(f, head, FAKEGPU_HEAD_REFRESH_MHZ, (hz ? hz : 60) * 1000);
		head_write(f, head, FAKEGPU_HEAD_CTRL, get(in, 1));
		head_write(f, head, FAKEGPU_HEAD_COMMIT, 1);
		break;
	}
	case OP_PLANE:
		op_plane(f, in);
		break;
	case OP_COMMIT:
		head_write(f, get(in, 1) % FAKEGPU_MAX_HEADS, FAKEGPU_HEAD_COMMIT, 1);
		break;
	case OP_GAMMA:
		op_gamma(f, in);
		break;
	case OP_WB:
		head = get(in, 1) % FAKEGPU_MAX_HEADS;
		head_write(f, head, FAKEGPU_HEAD_WB_OFFSET_LO, get(in, 4));
		head_write(f, head, FAKEGPU_HEAD_WB_OFFSET_HI, 0);
		head_write(f, head, FAKEGPU_HEAD_WB_PITCH, get(in, 2));
		head_write(f, head, FAKEGPU_HEAD_WB_FORMAT, get(in, 1));
		head_write(f, head, FAKEGPU_HEAD_WB_CTRL, FAKEGPU_WB_CTRL_ENABLE);
		break;
	case OP_FILL:
		op_fill(f, in);
		break;
	case OP_RUN:
		op_run(f, in);
		break;
	case OP_SCREENSHOT:
		op_screenshot(f, in);
		break;
	case OP_CONNECT:
		head = get(in, 1) % (FAKEGPU_MAX_HEADS + 1);
		(void)fg_engine_set_connected(f->e, head, get(in, 1) & 1);
		break;
	case OP_RESET:
		fg_engine_reset(f->e);
		break;
	case OP_IRQ:
		fg_engine_write(f->e, FAKEGPU_REG_IRQ_MASK, get(in, 4));
		v = fg_engine_read(f->e, FAKEGPU_REG_IRQ_STATUS);
		fg_engine_write(f->e, FAKEGPU_REG_IRQ_STATUS, v);
		break;
	case OP_STATS:
		op_stats(f, in);
		break;
	case OP_SHM_WRITE:
		v = (get(in, 2) * 4) % (FAKEGPU_SHM_SIZE - FAKEGPU_SHM_COMMIT);
		if (f->shm)
			cm_store(f, v, get(in, 4));
		else
			(void)get(in, 4);
		break;
	case OP_SHM_RECORD:
		op_shm_record(f, in);
		break;
	case OP_COUNT:
		break;
	}
	check_status_page(f);
}

/* The EDID's modes: from the input, folded into what a head may advertise. */
static unsigned int read_modes(struct input *in, uint32_t max_w, uint32_t max_h,
			       struct fg_engine_mode *modes)
{
	unsigned int n = get(in, 1) % 4 + 1, k = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct fg_engine_mode m;

		m.width = 64 + get(in, 2) % (max_w - 63);
		m.height = 64 + get(in, 2) % (max_h - 63);
		m.refresh_hz = 24 + get(in, 1) % 217;
		if (!fg_edid_check_mode(&m))
			modes[k++] = m;
	}
	return k;
}

/* The same from text, as the device's command line gives it. */
static unsigned int parse_modes(struct input *in, uint32_t max_w, uint32_t max_h,
				struct fg_engine_mode *modes)
{
	char text[256];
	unsigned int len = get(in, 1), k = 0;
	int n;

	for (unsigned int i = 0; i < len; i++)
		text[i] = (char)get(in, 1);
	text[len] = '\0';
	n = fg_engine_parse_modes(text, modes, 4);
	for (int i = 0; i < n; i++)
		if (modes[i].width <= max_w && modes[i].height <= max_h)
			modes[k++] = modes[i];
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t limits[4][2] = { { 64, 64 }, { 256, 256 }, { 1024, 768 }, { 0, 0 } };
	struct input in = { .p = data, .left = size };
	struct fuzz f = { .now = 1000000000ull, .budget = PIXEL_BUDGET };
	struct fg_engine_config cfg = { 0 };
	struct fg_engine_mode modes[4];
	uint8_t *map;
	uint32_t c;

	if (size < 1)
		return 0;
	c = get(&in, 1);
	cfg.heads = (c & 3) + 1;
	cfg.max_width = limits[(c >> 2) & 3][0];
	cfg.max_height = limits[(c >> 2) & 3][1];
	if ((c & 0x50) == 0x50)
		cfg.num_modes = parse_modes(&in, cfg.max_width ? cfg.max_width : 2048,
					    cfg.max_height ? cfg.max_height : 2048, modes);
	else if (c & 0x10)
		cfg.num_modes = read_modes(&in, cfg.max_width ? cfg.max_width : 2048,
					   cfg.max_height ? cfg.max_height : 2048, modes);
	if (!cfg.num_modes && cfg.max_width && cfg.max_width < 640) {
		/* No default mode fits: the size limit itself. */
		modes[0] = (struct fg_engine_mode){ cfg.max_width, cfg.max_height, 60 };
		cfg.num_modes = 1;
	}
	if (cfg.num_modes)
		cfg.modes = modes;
	cfg.vram_size = VRAM_SIZE;
	cfg.clock_ns = fake_clock;
	cfg.clock_opaque = &f;

	map = mmap(NULL, VRAM_SIZE + 2 * GUARD_SIZE, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (map == MAP_FAILED ||
	    mprotect(map + GUARD_SIZE, VRAM_SIZE, PROT_READ | PROT_WRITE) != 0)
		__builtin_trap();
	f.vram = map + GUARD_SIZE;
	cfg.vram = f.vram;
	if (c & 0x20) {
		f.shm = calloc(1, FAKEGPU_SHM_SIZE);
		if (!f.shm)
			__builtin_trap();
		cfg.shm = f.shm;
	}
	f.e = fg_engine_new(&cfg, on_irq, &f);
	if (!f.e)
		__builtin_trap();

	while (in.left)
		do_op(&f, &in);

	fg_engine_free(f.e);
	free(f.shm);
	munmap(map, VRAM_SIZE + 2 * GUARD_SIZE);
	return 0;
}
