// SPDX-License-Identifier: MIT
/*
 * The display engine: BAR0 register file, commit/latch model, per-head
 * timing generators, CRC, EDID and hotplug. docs/device-abi.md is the
 * specification of everything here; keep the two in step.
 *
 * Register write policy: every write is checked. A write to a read-only or
 * unknown offset, or one that sets reserved bits, changes nothing and
 * increments ERROR_COUNT. Shadow registers take any value; their consistency
 * is checked when a commit is latched (see validate_head()).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "edid.h"
#include "engine.h"
#include "fakegpu_abi.h"

#define DEFAULT_MAX_SIZE	4096
#define LIMIT_MAX_SIZE		16384
#define CURSOR_MAX_SIZE		256
#define REFRESH_MIN_MHZ		1000
#define REFRESH_MAX_MHZ		240000
/* n * 1e12 / mHz is the time of vblank n; 1e12 ns is a whole number of frames. */
#define PS_PER_NS_TIMES_MHZ	1000000000000ull

#define HEAD_CTRL_VALID		(FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC)
#define FMT_MASK		((1u << FAKEGPU_FMT_XRGB8888) | \
				 (1u << FAKEGPU_FMT_ARGB8888) | \
				 (1u << FAKEGPU_FMT_RGB565) | \
				 (1u << FAKEGPU_FMT_ARGB1555))

#define ALPHA_MAX		0xffffu

/* Shadow registers of a plane, as the guest wrote them. */
struct plane_regs {
	uint32_t ctrl, format, offset_lo, offset_hi, pitch;
	uint32_t src_x, src_y, src_w, src_h, dst_x, dst_y;
	uint32_t alpha, blend, zpos;
};

struct head_regs {
	uint32_t ctrl, width, height, refresh_mhz;
	struct plane_regs plane[FG_PLANES];
	uint32_t gamma_ctrl;
	uint32_t gamma_lut[FAKEGPU_GAMMA_SIZE];
	uint32_t wb_ctrl, wb_offset_lo, wb_offset_hi, wb_pitch, wb_format;
};

/* A latched writeback request, done at the head's next vblank. */
struct wb_job {
	bool armed;
	uint64_t offset;
	uint32_t pitch, format;
};

struct head {
	struct head_regs shadow;	/* what the guest writes */
	struct head_regs pending;	/* captured by the COMMIT write */
	bool pending_valid;
	/* When the pending commit was made (device clock ns): no vblank whose
	 * instant precedes it latches it. 0: any vblank may. */
	uint64_t pending_ns;
	struct fg_scanout active;	/* validated, what is displayed */

	bool error;			/* STATUS.ERROR */
	uint32_t error_code;
	uint32_t frame, crc, crc_frame;

	bool connected;
	uint8_t edid[FG_EDID_BLOCK];

	uint32_t gamma_index;		/* GAMMA_INDEX, 0..255 */
	struct wb_job wb;
	uint32_t wb_status;		/* WB_STATUS */

	/*
	 * Timing: vblank n (n >= 1) is due at t0 + floor(n * 1e12 / mHz) ns;
	 * n_last is the last one processed. Rebasing t0 by whole 1e12 ns steps
	 * keeps the numbers small without any drift.
	 */
	bool started;
	bool have_vblank;		/* a vblank since switched on */
	uint64_t last_vblank_ns;	/* time of the vblank that started FRAME */
	uint32_t age_frame;		/* AGE_FRAME */
	uint64_t t0;
	int64_t n_last;
	uint64_t deadline;

	/*
	 * Shared pages: the commit page's COMMIT number last taken, the one
	 * captured and not latched yet, the one last latched or refused; the
	 * status page record's SEQ and event counts.
	 */
	uint32_t shm_taken, shm_pending, shm_latched;
	bool shm_doorbell;		/* a doorbell found its record mid-write */
	bool pending_reserved;		/* the pending record had reserved values */
	uint32_t st_seq, st_wb_count, st_refused, st_hotplug;

	/*
	 * Bumped by every reset: display work started before it (composition
	 * outside the lock, fg_engine_run()) is then not stored.
	 */
	uint64_t gen;

	/* Device-lifetime statistics (fg_engine_head_stats()): reset keeps them. */
	uint64_t vblank_irqs, commits, refused;
	uint64_t reg_writes, reg_reads;

	/*
	 * Faults (fault.h): host state, a reset keeps them. frame-stall holds
	 * FRAME and the vblank time; frame-jump adds f_jump frames at the next
	 * vblank (0: none); age-behind puts the vblank time f_behind_ms ms in
	 * the past (0: none); no-latch never latches a pending commit.
	 */
	bool f_stall, f_no_latch;
	uint32_t f_jump, f_behind_ms;
};

/* The device-wide faults (fault.h), under the engine's lock like the rest. */
struct fault_state {
	uint32_t irq_bits;		/* irq-bits MASK, 0: none */
	bool irq_stop;
	uint32_t exit_after;		/* exit-on-commit N, 0: none */
	uint32_t exit_seen;		/* commits received since it was set */
	bool lie_heads, lie_vram, lie_edid;
	uint32_t heads, vram_mb, edid_size;
};

/*
 * Locking. `lock` protects every field below it except the composition
 * scratch buffers (line, wb_fb), which belong to the one thread that calls
 * fg_engine_run() and fg_engine_screenshot() (the display thread). The lock
 * is held for register accesses and the bookkeeping of a vblank, never while
 * a frame is composed, CRC'd or written back: fg_engine_run() snapshots the
 * active state under it, composes without it and stores the results under it
 * again. The interrupt and wake callbacks are called after the lock is
 * released (raise_irq() and latch() only note them). `line_up` mirrors the
 * INTx level for fg_engine_irq_pending(), which takes no lock.
 */
struct fg_engine {
	pthread_mutex_t lock;
	atomic_bool line_up;
	bool fire_irq, fire_wake;	/* callbacks owed at unlock */
	void (*wake)(void *opaque);
	void *wake_opaque;

	unsigned int heads;
	uint64_t vram_size;
	uint8_t *vram;
	uint32_t max_width, max_height;
	fg_engine_irq_fn irq;
	void *opaque;
	uint64_t (*clock_ns)(void *opaque);
	void *clock_opaque;

	uint32_t irq_status, irq_mask, scratch, error_count;
	struct fault_state fault;
	void (*fault_exit)(void *opaque, const char *why);
	void *fault_exit_opaque;
	/*
	 * Shared pages (BAR4): NULL when the configuration has none. The
	 * guest writes the commit page at any time, so every value read from
	 * it is validated like a register write; the device never trusts
	 * what it reads back from the status page either (it keeps its own
	 * copies of SEQ and the counts).
	 */
	uint8_t *shm;
	bool shm_on;			/* SHM_CTRL.ENABLE */
	uint32_t clock_hi;		/* CLOCK_HI: high half at the last CLOCK_LO read */
	uint32_t *line;			/* max_width pixels: CRC scratch line */
	/*
	 * Writeback's whole-frame buffer, owned by the engine and shared by
	 * the heads (writebacks run one at a time): allocated when a frame
	 * larger than any before is written back, reused by every later
	 * writeback, freed by fg_engine_free() (not by a reset, which another
	 * thread may do while a writeback runs). Never allocated per frame.
	 */
	uint32_t *wb_fb;
	size_t wb_fb_px;		/* pixels wb_fb holds */
	struct head head[FAKEGPU_MAX_HEADS];
};

/* ---- helpers ------------------------------------------------------------ */

#define FG_LATE_COMMIT_NS	1000000000ull

static uint64_t monotonic_ns(void *opaque)
{
	struct timespec ts;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void refuse_write(struct fg_engine *e)
{
	if (e->error_count != UINT32_MAX)
		e->error_count++;
}

/*
 * With the shared pages on, events are reported there and the interrupt is
 * an edge (MSI): IRQ_STATUS is left alone, nobody would clear it. The
 * irq-bits fault adds its bits to every interrupt, on both paths.
 */
static void raise_irq(struct fg_engine *e, uint32_t bits)
{
	bits |= e->fault.irq_bits;
	if (!e->shm_on)
		e->irq_status |= bits;
	if (bits & e->irq_mask)
		e->fire_irq = true;	/* called at unlock */
}

static void lock(const struct fg_engine *e)
{
	pthread_mutex_lock((pthread_mutex_t *)&e->lock);
}

/* For the functions that change nothing (no callbacks owed). */
static void unlock_const(const struct fg_engine *e)
{
	pthread_mutex_unlock((pthread_mutex_t *)&e->lock);
}

/*
 * Release the lock, then make the callbacks the locked section owes. The
 * irq-stop fault silences the interrupt and keeps the INTx line down.
 */
static void unlock(struct fg_engine *e)
{
	bool irq = e->fire_irq && !e->fault.irq_stop, wake = e->fire_wake;

	e->fire_irq = false;
	e->fire_wake = false;
	atomic_store(&e->line_up, !e->shm_on && !e->fault.irq_stop &&
		     (e->irq_status & e->irq_mask));
	pthread_mutex_unlock(&e->lock);
	if (irq && e->irq)
		e->irq(e->opaque);
	if (wake && e->wake)
		e->wake(e->wake_opaque);
}

/* ---- shared pages -------------------------------------------------------- */

/*
 * Fields are little-endian u32 (the device only runs on little-endian
 * hosts, see compose.c); relaxed atomics, ordered by explicit fences, so the
 * compiler neither tears nor merges accesses that another process races.
 */
static uint32_t shm_ld(const uint8_t *base, uint32_t off)
{
	return atomic_load_explicit((const _Atomic uint32_t *)(const void *)(base + off),
				    memory_order_relaxed);
}

static void shm_st(uint8_t *base, uint32_t off, uint32_t v)
{
	atomic_store_explicit((_Atomic uint32_t *)(void *)(base + off), v,
			      memory_order_relaxed);
}

/* Write head @hi's status record (seqcount: odd while it changes). */
static void shm_publish(struct fg_engine *e, unsigned int hi)
{
	struct head *h = &e->head[hi];
	uint8_t *r;
	uint64_t vb;

	if (!e->shm_on)
		return;
	r = e->shm + FAKEGPU_SHM_STATUS + FAKEGPU_SHM_ST_HEAD(hi);
	vb = h->active.enabled && h->have_vblank ? h->last_vblank_ns : 0;
	if (vb && h->f_behind_ms) {
		uint64_t behind = (uint64_t)h->f_behind_ms * 1000000u;

		vb = vb > behind ? vb - behind : 1;	/* 0 would say "no vblank" */
	}
	h->st_seq = (h->st_seq + 1) | 1;	/* odd: being written */
	shm_st(r, FAKEGPU_SHM_ST_SEQ, h->st_seq);
	atomic_thread_fence(memory_order_release);
	shm_st(r, FAKEGPU_SHM_ST_FRAME, h->frame);
	shm_st(r, FAKEGPU_SHM_ST_VBLANK_LO, (uint32_t)vb);
	shm_st(r, FAKEGPU_SHM_ST_VBLANK_HI, (uint32_t)(vb >> 32));
	shm_st(r, FAKEGPU_SHM_ST_LATCHED, h->shm_latched);
	shm_st(r, FAKEGPU_SHM_ST_STATUS,
	       (h->pending_valid ? FAKEGPU_HEAD_STATUS_PENDING : 0) |
	       (h->error ? FAKEGPU_HEAD_STATUS_ERROR : 0) |
	       (h->active.enabled ? FAKEGPU_HEAD_STATUS_ACTIVE : 0));
	shm_st(r, FAKEGPU_SHM_ST_ERROR_CODE, h->error_code);
	shm_st(r, FAKEGPU_SHM_ST_CRC, h->crc);
	shm_st(r, FAKEGPU_SHM_ST_CRC_FRAME, h->crc_frame);
	shm_st(r, FAKEGPU_SHM_ST_WB_STATUS, h->wb_status);
	shm_st(r, FAKEGPU_SHM_ST_WB_COUNT, h->st_wb_count);
	shm_st(r, FAKEGPU_SHM_ST_REFUSED, h->st_refused);
	shm_st(r, FAKEGPU_SHM_ST_HOTPLUG, h->st_hotplug);
	shm_st(r, FAKEGPU_SHM_ST_CONNECTOR, h->connected ? FAKEGPU_CONN_CONNECTED : 0);
	atomic_thread_fence(memory_order_release);
	shm_st(r, FAKEGPU_SHM_ST_SEQ, ++h->st_seq);
}

static uint32_t *shadow_reg(struct head *h, uint32_t off);
static void reset_locked(struct fg_engine *e);
static bool shadow_value_ok(const struct head *h, const uint32_t *reg, uint32_t value);

/* The head and plane registers a commit record carries (head offsets). */
static const uint32_t shm_head_regs[] = {
	FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_WIDTH, FAKEGPU_HEAD_HEIGHT,
	FAKEGPU_HEAD_REFRESH_MHZ,
};
static const uint32_t shm_plane_regs[] = {
	FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_FORMAT, FAKEGPU_PLANE_OFFSET_LO,
	FAKEGPU_PLANE_OFFSET_HI, FAKEGPU_PLANE_PITCH, FAKEGPU_PLANE_SRC_X,
	FAKEGPU_PLANE_SRC_Y, FAKEGPU_PLANE_SRC_W, FAKEGPU_PLANE_SRC_H,
	FAKEGPU_PLANE_DST_X, FAKEGPU_PLANE_DST_Y, FAKEGPU_PLANE_ALPHA,
	FAKEGPU_PLANE_BLEND, FAKEGPU_PLANE_ZPOS,
};

/* Store @v into the copy @t of a head's shadows; false: reserved bits/value. */
static bool shm_set(struct head *t, uint32_t off, uint32_t v)
{
	uint32_t *reg = shadow_reg(t, off);

	if (!reg || !shadow_value_ok(t, reg, v))
		return false;
	*reg = v;
	return true;
}

/*
 * A commit of head @hi arrived (a COMMIT write, a commit record taken):
 * exit-on-commit counts it, and at its Nth makes the device exit. Locked,
 * before the commit is captured.
 */
static void commit_received(struct fg_engine *e, unsigned int hi)
{
	struct fault_state *f = &e->fault;
	char why[128];

	if (!f->exit_after || ++f->exit_seen < f->exit_after)
		return;
	snprintf(why, sizeof(why), "fault exit-on-commit=%u: commit %u (head %u), exiting",
		 f->exit_after, f->exit_seen, hi);
	f->exit_after = 0;	/* fired: if the callback returns, it is done */
	f->exit_seen = 0;
	e->fault_exit(e->fault_exit_opaque, why);
}

/*
 * Capture head @hi's commit record as its pending commit, as a COMMIT write
 * captures the shadow registers: the record's head and plane registers, the
 * gamma and writeback shadows as they are. Without @doorbell (the head's
 * vblank) only a record with a new COMMIT number and without the DOORBELL
 * flag is taken. A record being written (SEQ odd or changing) is left for
 * the next vblank; a doorbell for it is then kept until one finds it
 * complete. At a vblank whose instant is @when (0: a doorbell, now), a record
 * the guest wrote after that instant (its TIME) is left for the next one.
 * Returns true when a commit was captured.
 */
static bool shm_take(struct fg_engine *e, unsigned int hi, bool doorbell, uint64_t when)
{
	struct head *h = &e->head[hi];
	const uint8_t *r = e->shm + FAKEGPU_SHM_COMMIT + FAKEGPU_SHM_CM_HEAD(hi);
	uint32_t s1, s2, no, flags, time_us;
	bool ok = true;
	struct head t;

	s1 = shm_ld(r, FAKEGPU_SHM_CM_SEQ);
	atomic_thread_fence(memory_order_acquire);
	no = shm_ld(r, FAKEGPU_SHM_CM_COMMIT);
	flags = shm_ld(r, FAKEGPU_SHM_CM_FLAGS);
	time_us = shm_ld(r, FAKEGPU_SHM_CM_TIME);
	if (!doorbell && (no == h->shm_taken || (flags & FAKEGPU_SHM_CM_FLAG_DOORBELL)))
		return false;
	if (when && time_us && (int32_t)((uint32_t)(when / 1000) - time_us) < 0)
		return false;	/* made after this vblank: the next one takes it */
	t.shadow = h->shadow;
	for (size_t i = 0; i < sizeof(shm_head_regs) / sizeof(shm_head_regs[0]); i++)
		ok &= shm_set(&t, shm_head_regs[i],
			      shm_ld(r, FAKEGPU_SHM_CM_REGS + shm_head_regs[i]));
	for (unsigned int p = 0; p < FG_PLANES; p++)
		for (size_t i = 0; i < sizeof(shm_plane_regs) / sizeof(shm_plane_regs[0]); i++)
			ok &= shm_set(&t, FAKEGPU_PLANE_BASE(p) + shm_plane_regs[i],
				      shm_ld(r, FAKEGPU_SHM_CM_PLANE(p) + shm_plane_regs[i]));
	atomic_thread_fence(memory_order_acquire);
	s2 = shm_ld(r, FAKEGPU_SHM_CM_SEQ);
	if ((s1 & 1) || s1 != s2) {
		if (doorbell)
			h->shm_doorbell = true;
		return false;
	}
	commit_received(e, hi);
	h->shm_doorbell = false;
	h->shm_taken = no;
	h->shm_pending = no;
	h->pending = t.shadow;
	h->pending_valid = true;
	h->pending_ns = when ? 0 : e->clock_ns(e->clock_opaque);
	h->pending_reserved = !ok;
	/* One-shot, as for a COMMIT write. */
	h->shadow.wb_ctrl &= ~FAKEGPU_WB_CTRL_ENABLE;
	return true;
}

/* SHM_CTRL write. */
static void shm_enable(struct fg_engine *e, bool on)
{
	if (on == e->shm_on)
		return;
	e->shm_on = on;
	if (!on)
		return;
	/* Events now go to the page: a stale status bit must not fire again. */
	e->irq_status = 0;
	shm_st(e->shm, FAKEGPU_SHM_STATUS + FAKEGPU_SHM_ST_LAYOUT, FAKEGPU_SHM_LAYOUT);
	for (unsigned int i = 0; i < e->heads; i++) {
		struct head *h = &e->head[i];
		const uint8_t *r = e->shm + FAKEGPU_SHM_COMMIT + FAKEGPU_SHM_CM_HEAD(i);

		/* What the page holds from before is not a commit. */
		h->shm_taken = shm_ld(r, FAKEGPU_SHM_CM_COMMIT);
		h->shm_latched = h->shm_taken;
		h->shm_doorbell = false;
		shm_publish(e, i);
	}
}

static uint64_t vblank_time(const struct head *h, int64_t n)
{
	return h->t0 + (uint64_t)n * PS_PER_NS_TIMES_MHZ / h->active.refresh_mhz;
}

/* ---- validation and latch ------------------------------------------------ */

static uint32_t validate_plane(const struct fg_engine *e, unsigned int idx,
			       const struct plane_regs *r,
			       struct fg_plane_state *p)
{
	uint32_t max_w = e->max_width, max_h = e->max_height;
	uint64_t end;

	memset(p, 0, sizeof(*p));
	if (!(r->ctrl & FAKEGPU_PLANE_CTRL_ENABLE))
		return FAKEGPU_ERR_NONE;
	p->alpha = r->alpha;
	p->blend = r->blend;
	p->zpos = r->zpos;
	if (idx == FAKEGPU_PLANE_CURSOR) {
		if (r->format != FAKEGPU_FMT_ARGB8888)
			return FAKEGPU_ERR_FORMAT;
		max_w = CURSOR_MAX_SIZE;
		max_h = CURSOR_MAX_SIZE;
	}
	p->enabled = true;
	p->format = r->format;
	/* The register writes refuse these already; keep the state sane anyway. */
	if (p->alpha > ALPHA_MAX || p->blend > FAKEGPU_BLEND_NONE)
		return FAKEGPU_ERR_FORMAT;
	p->cpp = fg_format_cpp(r->format);
	p->offset = (uint64_t)r->offset_hi << 32 | r->offset_lo;
	p->pitch = r->pitch;
	p->src_x = r->src_x;
	p->src_y = r->src_y;
	p->src_w = r->src_w;
	p->src_h = r->src_h;
	p->dst_x = (int32_t)r->dst_x;
	p->dst_y = (int32_t)r->dst_y;
	if (!p->cpp)
		return FAKEGPU_ERR_FORMAT;
	if (p->src_w > max_w || p->src_h > max_h)
		return FAKEGPU_ERR_MODE;
	if (!p->src_w || !p->src_h)
		return FAKEGPU_ERR_RECT;
	if (p->pitch % p->cpp || p->pitch < (uint64_t)p->src_w * p->cpp)
		return FAKEGPU_ERR_PITCH;
	if ((uint64_t)p->src_x + p->src_w > p->pitch / p->cpp)
		return FAKEGPU_ERR_RECT;
	if (!fg_plane_window_end(p, &end) || end > e->vram_size)
		return FAKEGPU_ERR_BOUNDS;
	return FAKEGPU_ERR_NONE;
}

/* Check @r; on success fill @s. Returns a FAKEGPU_ERR_* code. */
static uint32_t validate_head(const struct fg_engine *e, const struct head_regs *r,
			      struct fg_scanout *s)
{
	uint32_t err;

	memset(s, 0, sizeof(*s));
	if (!(r->ctrl & FAKEGPU_HEAD_CTRL_ENABLE))
		return FAKEGPU_ERR_NONE;	/* switching off needs nothing */
	if (r->width < 1 || r->width > e->max_width ||
	    r->height < 1 || r->height > e->max_height ||
	    r->refresh_mhz < REFRESH_MIN_MHZ || r->refresh_mhz > REFRESH_MAX_MHZ)
		return FAKEGPU_ERR_MODE;
	for (unsigned int i = 0; i < FG_PLANES; i++) {
		err = validate_plane(e, i, &r->plane[i], &s->plane[i]);
		if (err)
			return err;
	}
	s->enabled = true;
	s->crc = r->ctrl & FAKEGPU_HEAD_CTRL_CRC;
	s->width = r->width;
	s->height = r->height;
	s->refresh_mhz = r->refresh_mhz;
	s->gamma = r->gamma_ctrl & FAKEGPU_GAMMA_CTRL_ENABLE;
	if (s->gamma)
		memcpy(s->gamma_lut, r->gamma_lut, sizeof(s->gamma_lut));
	return FAKEGPU_ERR_NONE;
}

/* The writeback buffer with room for @px pixels, NULL if out of memory. */
static uint32_t *wb_buffer(struct fg_engine *e, size_t px)
{
	if (px > e->wb_fb_px) {
		free(e->wb_fb);		/* its contents are never kept */
		e->wb_fb = malloc(px * sizeof(*e->wb_fb));
		e->wb_fb_px = e->wb_fb ? px : 0;
	}
	return e->wb_fb;
}

/*
 * Carry out head @hi's armed writeback: the frame it displays now (after
 * gamma) into the latched VRAM window, or WB_STATUS.ERROR if the window does
 * not hold it, the format is not XRGB8888/ARGB8888 or the head is off. Either
 * way IRQ_WRITEBACK(h); the job is one-shot.
 */
/* Would writeback request @wb fit a frame of @s (window in VRAM, format, pitch)? */
static bool wb_valid(const struct fg_engine *e, const struct fg_scanout *s,
		     const struct wb_job *wb)
{
	uint64_t row = (uint64_t)s->width * 4, end;

	return s->enabled &&
	       (wb->format == FAKEGPU_FMT_XRGB8888 || wb->format == FAKEGPU_FMT_ARGB8888) &&
	       wb->pitch % 4 == 0 && wb->pitch >= row &&
	       !__builtin_mul_overflow((uint64_t)s->height - 1, (uint64_t)wb->pitch, &end) &&
	       !__builtin_add_overflow(end, wb->offset, &end) &&
	       !__builtin_add_overflow(end, row, &end) && end <= e->vram_size;
}

/* Head @hi's writeback request is finished: status, count, interrupt. Locked. */
static void wb_done(struct fg_engine *e, unsigned int hi, bool ok)
{
	struct head *h = &e->head[hi];

	h->wb_status = ok ? FAKEGPU_WB_STATUS_DONE : FAKEGPU_WB_STATUS_ERROR;
	h->st_wb_count++;
	raise_irq(e, FAKEGPU_IRQ_WRITEBACK(hi));
}

/*
 * Compose the frame of @s and store it at @wb's window. Display thread,
 * without the lock (reads VRAM and the snapshot only). False: no buffer.
 */
static bool wb_run(struct fg_engine *e, const struct fg_scanout *s, const struct wb_job *wb)
{
	uint32_t *fb = wb_buffer(e, (size_t)s->width * s->height);

	if (!fb)
		return false;
	/* Whole frame first: the window may overlap a plane's buffer. */
	fg_compose_frame(s, e->vram, e->vram_size, fb);
	for (uint32_t y = 0; y < s->height; y++)
		fg_store_argb8888(e->vram + wb->offset + (uint64_t)y * wb->pitch,
				  fb + (size_t)y * s->width, s->width);
	return true;
}

/*
 * Latch the pending commit of head @hi. @now is the vblank time it happens
 * at (only used when the head keeps running with a new refresh rate).
 */
static void latch(struct fg_engine *e, unsigned int hi, uint64_t now)
{
	struct head *h = &e->head[hi];
	struct fg_scanout s;
	uint32_t err;
	bool was_on = h->active.enabled;

	h->pending_valid = false;
	err = h->pending_reserved ? FAKEGPU_ERR_RESERVED : validate_head(e, &h->pending, &s);
	h->pending_reserved = false;
	h->shm_latched = h->shm_pending;
	if (err) {
		h->error = true;
		h->error_code = err;
		h->refused++;
		h->st_refused++;
		raise_irq(e, FAKEGPU_IRQ_ERROR(hi));
		return;
	}
	h->error = false;
	h->error_code = FAKEGPU_ERR_NONE;
	h->commits++;
	if (h->pending.wb_ctrl & FAKEGPU_WB_CTRL_ENABLE) {
		h->wb.armed = true;
		h->wb.offset = (uint64_t)h->pending.wb_offset_hi << 32 |
			       h->pending.wb_offset_lo;
		h->wb.pitch = h->pending.wb_pitch;
		h->wb.format = h->pending.wb_format;
		h->wb_status = 0;
	}
	if (!s.enabled) {
		h->active = s;
		h->started = false;
		h->have_vblank = false;
		if (h->wb.armed) {
			h->wb.armed = false;
			wb_done(e, hi, false);	/* no frame to write: ERROR */
		}
		return;
	}
	if (!was_on) {
		e->fire_wake = true;	/* a deadline of "now" for the display loop */
		/*
		 * Switched on: timing starts at the next fg_engine_run(). FRAME
		 * keeps counting from where it stopped (ABI 1.1): a driver can
		 * use it as its vblank counter across off/on.
		 */
		h->crc = 0;
		h->crc_frame = 0;
		h->started = false;
		h->have_vblank = false;
	} else if (s.refresh_mhz != h->active.refresh_mhz) {
		h->t0 = now;
		h->n_last = 0;
	}
	h->active = s;
}

static void commit(struct fg_engine *e, unsigned int hi)
{
	struct head *h = &e->head[hi];

	commit_received(e, hi);
	h->pending = h->shadow;
	h->pending_valid = true;
	h->pending_ns = e->clock_ns(e->clock_opaque);
	h->pending_reserved = false;
	/* One-shot: a writeback request belongs to this commit only. */
	h->shadow.wb_ctrl &= ~FAKEGPU_WB_CTRL_ENABLE;
	if (!h->active.enabled && !h->f_no_latch)
		latch(e, hi, 0);	/* head off: at once, no vblank to wait for */
	shm_publish(e, hi);
}

/* COMMIT write with FAKEGPU_COMMIT_SHM: the commit page's record, now. */
static void commit_shm(struct fg_engine *e, unsigned int hi)
{
	struct head *h = &e->head[hi];

	if (shm_take(e, hi, true, 0) && !h->active.enabled && !h->f_no_latch)
		latch(e, hi, 0);
	shm_publish(e, hi);
}

/* ---- timing ---------------------------------------------------------------- */

/*
 * What a vblank leaves to do outside the lock (fg_engine_run()): the CRC and
 * the writeback of a snapshot of the active state, then the bookkeeping.
 */
struct vblank_work {
	bool due, crc, wb, wb_ok;
	uint64_t gen;			/* the head's generation at the vblank */
	uint32_t frame, crc_value;
	struct wb_job job;
	struct fg_scanout s;
};

/* First half of head @hi's vblank at @when, locked: timing, latch, snapshot. */
static void vblank_begin(struct fg_engine *e, unsigned int hi, uint64_t when,
			 struct vblank_work *w)
{
	struct head *h = &e->head[hi];

	if (e->shm_on)
		shm_take(e, hi, h->shm_doorbell, when);
	/*
	 * A commit made after this vblank's instant belongs to the next one. One
	 * made more than FG_LATE_COMMIT_NS after it (a display thread stalled
	 * that long, or a caller whose clock is not the engine's) is latched.
	 * The no-latch fault keeps it pending; frame-stall keeps the time of
	 * the held frame.
	 */
	if (h->pending_valid && !h->f_no_latch &&
	    (h->pending_ns <= when || h->pending_ns - when > FG_LATE_COMMIT_NS))
		latch(e, hi, when);
	if (!h->f_stall) {
		h->have_vblank = true;
		h->last_vblank_ns = when;
	}
	w->due = true;
	w->gen = h->gen;
	w->frame = h->frame;
	w->crc = h->active.enabled && h->active.crc && e->line;
	w->wb = false;
	if (h->wb.armed) {
		h->wb.armed = false;
		if (wb_valid(e, &h->active, &h->wb)) {
			w->wb = true;
			w->job = h->wb;
		} else {
			wb_done(e, hi, false);
		}
	}
	if (w->crc || w->wb)
		w->s = h->active;
}

/* Second half, locked: results stored, status published, interrupt raised. */
static void vblank_end(struct fg_engine *e, unsigned int hi, const struct vblank_work *w)
{
	struct head *h = &e->head[hi];

	if (w->gen != h->gen)
		return;		/* reset since: none of it belongs to the device now */
	if (w->crc) {
		h->crc = w->crc_value;
		h->crc_frame = w->frame;
	}
	if (w->wb)
		wb_done(e, hi, w->wb_ok);
	h->vblank_irqs++;
	shm_publish(e, hi);
	raise_irq(e, FAKEGPU_IRQ_VBLANK(hi));
}

static void run_head(struct fg_engine *e, unsigned int hi, uint64_t now,
		     struct vblank_work *w)
{
	struct head *h = &e->head[hi];
	uint64_t mhz = h->active.refresh_mhz, d, q, when;
	int64_t m;

	if (!h->started) {
		h->started = true;
		h->t0 = now;
		h->n_last = 0;
		h->deadline = vblank_time(h, 1);
		return;
	}
	if (now < h->deadline)
		return;
	d = now - h->t0;
	if (d >= PS_PER_NS_TIMES_MHZ) {
		q = d / PS_PER_NS_TIMES_MHZ;
		h->t0 += q * PS_PER_NS_TIMES_MHZ;
		h->n_last -= (int64_t)(q * mhz);
		d = now - h->t0;
	}
	/* Last due vblank: largest m with floor(m * 1e12 / mhz) <= d. */
	m = (int64_t)(((d + 1) * mhz - 1) / PS_PER_NS_TIMES_MHZ);
	when = vblank_time(h, m);
	/*
	 * Missed vblanks are counted; the frame is composed once. Faults:
	 * frame-stall holds FRAME (a pending frame-jump waits for it), a
	 * frame-jump adds its frames once.
	 */
	if (!h->f_stall) {
		h->frame += (uint32_t)(m - h->n_last) + h->f_jump;
		h->f_jump = 0;
	}
	h->n_last = m;
	vblank_begin(e, hi, when, w);
	if (h->active.enabled && h->started)
		h->deadline = vblank_time(h, h->n_last + 1);
}

uint64_t fg_engine_next_deadline(const struct fg_engine *e)
{
	uint64_t best = UINT64_MAX;

	lock(e);
	for (unsigned int i = 0; i < e->heads; i++) {
		const struct head *h = &e->head[i];

		if (!h->active.enabled)
			continue;
		if (!h->started) {
			best = 1;	/* due now: fg_engine_run() starts it */
			break;
		}
		if (h->deadline < best)
			best = h->deadline;
	}
	unlock_const(e);
	return best;
}

void fg_engine_run(struct fg_engine *e, uint64_t now_ns)
{
	struct vblank_work w[FAKEGPU_MAX_HEADS];
	bool any = false;

	lock(e);
	for (unsigned int i = 0; i < e->heads; i++) {
		w[i].due = false;
		if (e->head[i].active.enabled)
			run_head(e, i, now_ns, &w[i]);
		any |= w[i].due;
	}
	unlock(e);
	if (!any)
		return;
	/* Composition without the lock: register accesses go on meanwhile. */
	for (unsigned int i = 0; i < e->heads; i++) {
		if (!w[i].due)
			continue;
		if (w[i].crc)
			w[i].crc_value = fg_frame_crc(&w[i].s, e->vram, e->vram_size, e->line);
		if (w[i].wb)
			w[i].wb_ok = wb_run(e, &w[i].s, &w[i].job);
	}
	lock(e);
	for (unsigned int i = 0; i < e->heads; i++)
		if (w[i].due)
			vblank_end(e, i, &w[i]);
	unlock(e);
}

/* ---- register access ------------------------------------------------------- */

static uint32_t *plane_reg(struct plane_regs *p, uint32_t off)
{
	switch (off) {
	case FAKEGPU_PLANE_CTRL:	return &p->ctrl;
	case FAKEGPU_PLANE_FORMAT:	return &p->format;
	case FAKEGPU_PLANE_OFFSET_LO:	return &p->offset_lo;
	case FAKEGPU_PLANE_OFFSET_HI:	return &p->offset_hi;
	case FAKEGPU_PLANE_PITCH:	return &p->pitch;
	case FAKEGPU_PLANE_SRC_X:	return &p->src_x;
	case FAKEGPU_PLANE_SRC_Y:	return &p->src_y;
	case FAKEGPU_PLANE_SRC_W:	return &p->src_w;
	case FAKEGPU_PLANE_SRC_H:	return &p->src_h;
	case FAKEGPU_PLANE_DST_X:	return &p->dst_x;
	case FAKEGPU_PLANE_DST_Y:	return &p->dst_y;
	case FAKEGPU_PLANE_ALPHA:	return &p->alpha;
	case FAKEGPU_PLANE_BLEND:	return &p->blend;
	case FAKEGPU_PLANE_ZPOS:	return &p->zpos;
	default:			return NULL;
	}
}

/* Shadow register of head @h at head offset @off, NULL if none. */
static uint32_t *shadow_reg(struct head *h, uint32_t off)
{
	switch (off) {
	case FAKEGPU_HEAD_CTRL:		return &h->shadow.ctrl;
	case FAKEGPU_HEAD_WIDTH:	return &h->shadow.width;
	case FAKEGPU_HEAD_HEIGHT:	return &h->shadow.height;
	case FAKEGPU_HEAD_REFRESH_MHZ:	return &h->shadow.refresh_mhz;
	case FAKEGPU_HEAD_GAMMA_CTRL:	return &h->shadow.gamma_ctrl;
	case FAKEGPU_HEAD_WB_CTRL:	return &h->shadow.wb_ctrl;
	case FAKEGPU_HEAD_WB_OFFSET_LO:	return &h->shadow.wb_offset_lo;
	case FAKEGPU_HEAD_WB_OFFSET_HI:	return &h->shadow.wb_offset_hi;
	case FAKEGPU_HEAD_WB_PITCH:	return &h->shadow.wb_pitch;
	case FAKEGPU_HEAD_WB_FORMAT:	return &h->shadow.wb_format;
	}
	for (unsigned int p = 0; p < FG_PLANES; p++) {
		uint32_t base = FAKEGPU_PLANE_BASE(p);

		if (off >= base && off < base + 0x40)
			return plane_reg(&h->shadow.plane[p], off - base);
	}
	return NULL;
}

/* Head index of BAR0 offset @offset (head-relative offset in *rel), or -1. */
static int head_of(const struct fg_engine *e, uint32_t offset, uint32_t *rel)
{
	uint32_t first = FAKEGPU_HEAD_BASE(0), stride = FAKEGPU_HEAD_BASE(1) - first;
	uint32_t hi;

	if (offset < first)
		return -1;
	hi = (offset - first) / stride;
	if (hi >= e->heads)
		return -1;
	*rel = (offset - first) % stride;
	return (int)hi;
}

/* Value of head @hi's register at head offset @off, without read side effects. */
static uint32_t peek_head(const struct fg_engine *e, unsigned int hi, uint32_t off)
{
	const struct head *h = &e->head[hi];
	const uint32_t *reg;

	if (off >= FAKEGPU_EDID_WINDOW && off < FAKEGPU_EDID_WINDOW + FAKEGPU_EDID_MAX) {
		uint32_t i = off - FAKEGPU_EDID_WINDOW, v = 0;

		if (!h->connected || i >= FG_EDID_BLOCK)
			return 0;
		for (unsigned int b = 0; b < 4; b++)
			v |= (uint32_t)h->edid[i + b] << (8 * b);
		return v;
	}
	switch (off) {
	case FAKEGPU_HEAD_COMMIT:
		return h->pending_valid ? 1 : 0;
	case FAKEGPU_HEAD_STATUS:
		return (h->pending_valid ? FAKEGPU_HEAD_STATUS_PENDING : 0) |
		       (h->error ? FAKEGPU_HEAD_STATUS_ERROR : 0) |
		       (h->active.enabled ? FAKEGPU_HEAD_STATUS_ACTIVE : 0);
	case FAKEGPU_HEAD_ERROR_CODE:
		return h->error_code;
	case FAKEGPU_HEAD_FRAME:
		return h->frame;
	case FAKEGPU_HEAD_VBLANK_AGE: {
		uint64_t now, age;

		if (!h->active.enabled || !h->have_vblank)
			return UINT32_MAX;
		now = e->clock_ns(e->clock_opaque);
		age = now < h->last_vblank_ns ? 0 : now - h->last_vblank_ns;
		age += (uint64_t)h->f_behind_ms * 1000000u;	/* age-behind */
		return age >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)age;
	}
	case FAKEGPU_HEAD_AGE_FRAME:
		return h->age_frame;
	case FAKEGPU_HEAD_CRC:
		return h->crc;
	case FAKEGPU_HEAD_CRC_FRAME:
		return h->crc_frame;
	case FAKEGPU_HEAD_CONNECTOR:
		return h->connected ? FAKEGPU_CONN_CONNECTED : 0;
	case FAKEGPU_HEAD_EDID_SIZE:
		if (!h->connected)
			return 0;
		return e->fault.lie_edid ? e->fault.edid_size : FG_EDID_BLOCK;
	case FAKEGPU_HEAD_GAMMA_INDEX:
		return h->gamma_index;
	case FAKEGPU_HEAD_GAMMA_DATA:
		return h->shadow.gamma_lut[h->gamma_index];
	case FAKEGPU_HEAD_WB_STATUS:
		return h->wb_status;
	}
	reg = shadow_reg((struct head *)h, off);	/* a lookup: nothing written */
	return reg ? *reg : 0;
}

/* Reserved bits and values of shadow register @reg. */
static bool shadow_value_ok(const struct head *h, const uint32_t *reg, uint32_t value)
{
	if (reg == &h->shadow.ctrl)
		return !(value & ~HEAD_CTRL_VALID);
	if (reg == &h->shadow.gamma_ctrl)
		return !(value & ~FAKEGPU_GAMMA_CTRL_ENABLE);
	if (reg == &h->shadow.wb_ctrl)
		return !(value & ~FAKEGPU_WB_CTRL_ENABLE);
	for (unsigned int p = 0; p < FG_PLANES; p++) {
		const struct plane_regs *pr = &h->shadow.plane[p];

		if (reg == &pr->ctrl)
			return !(value & ~FAKEGPU_PLANE_CTRL_ENABLE);
		if (reg == &pr->alpha)
			return value <= ALPHA_MAX;
		if (reg == &pr->blend)
			return value <= FAKEGPU_BLEND_NONE;
	}
	return true;
}

static void write_head(struct fg_engine *e, unsigned int hi, uint32_t off,
		       uint32_t value)
{
	struct head *h = &e->head[hi];
	uint32_t *reg;

	if (off == FAKEGPU_HEAD_COMMIT) {
		if (value == FAKEGPU_COMMIT_REGS)
			commit(e, hi);
		else if (value == FAKEGPU_COMMIT_SHM && e->shm_on)
			commit_shm(e, hi);
		else if (value)
			refuse_write(e);	/* reserved bits, both, or SHM while off */
		return;
	}
	if (off == FAKEGPU_HEAD_GAMMA_INDEX) {
		if (value >= FAKEGPU_GAMMA_SIZE)
			refuse_write(e);
		else
			h->gamma_index = value;
		return;
	}
	if (off == FAKEGPU_HEAD_GAMMA_DATA) {
		if (value & ~0x00ffffffu) {
			refuse_write(e);
			return;
		}
		h->shadow.gamma_lut[h->gamma_index] = value;
		h->gamma_index = (h->gamma_index + 1) % FAKEGPU_GAMMA_SIZE;
		return;
	}
	reg = shadow_reg(h, off);
	if (!reg) {
		refuse_write(e);	/* read-only or unknown */
		return;
	}
	if (!shadow_value_ok(h, reg, value)) {
		refuse_write(e);	/* reserved bits or values */
		return;
	}
	*reg = value;
}

static uint32_t peek_locked(const struct fg_engine *e, uint32_t offset)
{
	uint32_t rel;
	int hi;

	if (offset >= FAKEGPU_MMIO_SIZE || offset % 4)
		return 0;
	switch (offset) {
	case FAKEGPU_REG_ID:		return FAKEGPU_ID_MAGIC;
	case FAKEGPU_REG_ABI_VERSION:	return FAKEGPU_ABI_VERSION;
	case FAKEGPU_REG_CAPS:
		return FAKEGPU_CAP_CURSOR | FAKEGPU_CAP_CRC | FAKEGPU_CAP_HOTPLUG |
		       FAKEGPU_CAP_OVERLAY | FAKEGPU_CAP_GAMMA | FAKEGPU_CAP_WRITEBACK |
		       (e->shm ? FAKEGPU_CAP_SHM : 0);
	/* The identity lies (fault.h) in their place. */
	case FAKEGPU_REG_NUM_HEADS:
		return e->fault.lie_heads ? e->fault.heads : e->heads;
	case FAKEGPU_REG_VRAM_SIZE_LO:
		return (uint32_t)(e->fault.lie_vram ? (uint64_t)e->fault.vram_mb << 20 :
				  e->vram_size);
	case FAKEGPU_REG_VRAM_SIZE_HI:
		return (uint32_t)((e->fault.lie_vram ? (uint64_t)e->fault.vram_mb << 20 :
				   e->vram_size) >> 32);
	case FAKEGPU_REG_MAX_WIDTH:	return e->max_width;
	case FAKEGPU_REG_MAX_HEIGHT:	return e->max_height;
	case FAKEGPU_REG_FORMATS:	return FMT_MASK;
	case FAKEGPU_REG_CURSOR_MAX:	return CURSOR_MAX_SIZE | CURSOR_MAX_SIZE << 16;
	case FAKEGPU_REG_PLANES_PER_HEAD: return FG_PLANES;
	case FAKEGPU_REG_IRQ_STATUS:	return e->irq_status;
	case FAKEGPU_REG_IRQ_MASK:	return e->irq_mask;
	case FAKEGPU_REG_CTRL:		return 0;
	case FAKEGPU_REG_SCRATCH:	return e->scratch;
	case FAKEGPU_REG_ERROR_COUNT:	return e->error_count;
	case FAKEGPU_REG_SHM_CTRL:	return e->shm_on ? FAKEGPU_SHM_CTRL_ENABLE : 0;
	/* Without the read side effect of keeping the high half. */
	case FAKEGPU_REG_CLOCK_LO:	return (uint32_t)e->clock_ns(e->clock_opaque);
	case FAKEGPU_REG_CLOCK_HI:	return e->clock_hi;
	}
	hi = head_of(e, offset, &rel);
	if (hi < 0)
		return 0;
	return peek_head(e, (unsigned int)hi, rel);
}

static uint32_t read_locked(struct fg_engine *e, uint32_t offset)
{
	uint32_t v, rel;
	struct head *h;
	int hi;

	if (offset == FAKEGPU_REG_CLOCK_LO) {
		uint64_t now = e->clock_ns(e->clock_opaque);

		e->clock_hi = (uint32_t)(now >> 32);	/* for the CLOCK_HI read */
		return (uint32_t)now;
	}
	v = peek_locked(e, offset);

	if (offset >= FAKEGPU_MMIO_SIZE || offset % 4)
		return 0;
	hi = head_of(e, offset, &rel);
	if (hi < 0)
		return v;
	h = &e->head[hi];
	h->reg_reads++;
	/* The read side effects. */
	if (rel == FAKEGPU_HEAD_VBLANK_AGE)
		h->age_frame = h->frame;
	else if (rel == FAKEGPU_HEAD_GAMMA_DATA)
		h->gamma_index = (h->gamma_index + 1) % FAKEGPU_GAMMA_SIZE;
	return v;
}

static void write_locked(struct fg_engine *e, uint32_t offset, uint32_t value)
{
	uint32_t rel;
	int hi;

	if (offset >= FAKEGPU_MMIO_SIZE || offset % 4) {
		refuse_write(e);
		return;
	}
	switch (offset) {
	case FAKEGPU_REG_IRQ_STATUS:
		if (value & ~FAKEGPU_IRQ_ALL)
			refuse_write(e);
		else
			e->irq_status &= ~value;
		return;
	case FAKEGPU_REG_IRQ_MASK:
		if (value & ~FAKEGPU_IRQ_ALL) {
			refuse_write(e);
			return;
		}
		e->irq_mask = value;
		if (e->irq_status & e->irq_mask)
			e->fire_irq = true;	/* called at unlock */
		return;
	case FAKEGPU_REG_CTRL:
		if (value & ~FAKEGPU_CTRL_RESET)
			refuse_write(e);
		else if (value)
			reset_locked(e);
		return;
	case FAKEGPU_REG_SCRATCH:
		e->scratch = value;
		return;
	case FAKEGPU_REG_SHM_CTRL:
		if (!e->shm || (value & ~FAKEGPU_SHM_CTRL_ENABLE))
			refuse_write(e);
		else
			shm_enable(e, value & FAKEGPU_SHM_CTRL_ENABLE);
		return;
	}
	hi = head_of(e, offset, &rel);
	if (hi < 0) {
		refuse_write(e);	/* global read-only or unknown */
		return;
	}
	e->head[hi].reg_writes++;	/* refused writes too: the driver made them */
	write_head(e, (unsigned int)hi, rel, value);
}

uint32_t fg_engine_peek(const struct fg_engine *e, uint32_t offset)
{
	uint32_t v;

	lock(e);
	v = peek_locked(e, offset);
	unlock_const(e);
	return v;
}

uint32_t fg_engine_read(struct fg_engine *e, uint32_t offset)
{
	uint32_t v;

	lock(e);
	v = read_locked(e, offset);
	unlock(e);
	return v;
}

void fg_engine_write(struct fg_engine *e, uint32_t offset, uint32_t value)
{
	lock(e);
	write_locked(e, offset, value);
	unlock(e);
}

/* Lock-free: the pci layer asks while it holds its own interrupt lock. */
bool fg_engine_irq_pending(const struct fg_engine *e)
{
	/* Shared pages: no status bits, edge interrupts only (line_up false). */
	return atomic_load(&e->line_up);
}

/* Power-on values of a head's shadow registers. */
static void reset_regs(struct head_regs *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned int p = 0; p < FG_PLANES; p++) {
		r->plane[p].alpha = ALPHA_MAX;
		r->plane[p].blend = FAKEGPU_BLEND_PREMULTI;
		r->plane[p].zpos = p;
	}
	/* Identity: enabling gamma without loading a LUT changes nothing. */
	for (unsigned int i = 0; i < FAKEGPU_GAMMA_SIZE; i++)
		r->gamma_lut[i] = i * 0x010101u;
}

static void reset_locked(struct fg_engine *e)
{
	e->irq_status = 0;
	e->irq_mask = 0;
	e->scratch = 0;
	e->error_count = 0;
	e->shm_on = false;
	e->clock_hi = 0;
	/* The status page is the device's: cleared (the commit page is the guest's). */
	if (e->shm)
		memset(e->shm + FAKEGPU_SHM_STATUS, 0, FAKEGPU_SHM_COMMIT - FAKEGPU_SHM_STATUS);
	for (unsigned int i = 0; i < e->heads; i++) {
		struct head *h = &e->head[i];

		/* Monitors stay plugged or unplugged: that is host state. */
		reset_regs(&h->shadow);
		reset_regs(&h->pending);
		h->gamma_index = 0;
		memset(&h->wb, 0, sizeof(h->wb));
		h->wb_status = 0;
		memset(&h->active, 0, sizeof(h->active));
		h->pending_valid = false;
		h->error = false;
		h->error_code = FAKEGPU_ERR_NONE;
		h->frame = 0;
		h->crc = 0;
		h->crc_frame = 0;
		h->started = false;
		h->have_vblank = false;
		h->shm_taken = h->shm_pending = h->shm_latched = 0;
		h->shm_doorbell = false;
		h->pending_reserved = false;
		h->st_seq = h->st_wb_count = h->st_refused = h->st_hotplug = 0;
		h->gen++;
		/*
		 * Kept: vblank_irqs, commits, refused, reg_writes, reg_reads.
		 * They are host-side statistics of the device's lifetime, which
		 * no register shows, and a reset by the guest (CTRL.RESET, e.g.
		 * at driver probe) must not wipe what the host is measuring.
		 */
	}
}

void fg_engine_reset(struct fg_engine *e)
{
	lock(e);
	reset_locked(e);
	unlock(e);
}

/* ---- life cycle and host side --------------------------------------------- */

/* exit-on-commit without a callback of the embedder's: the process ends. */
static void fault_exit_default(void *opaque, const char *why)
{
	(void)opaque;
	fprintf(stderr, "fakegpu: %s\n", why);
	_exit(FG_FAULT_EXIT_STATUS);
}

struct fg_engine *fg_engine_new(const struct fg_engine_config *cfg,
				fg_engine_irq_fn irq, void *opaque)
{
	const struct fg_engine_mode *modes = cfg->modes;
	unsigned int num_modes = cfg->num_modes;
	struct fg_engine_mode fit[64];
	unsigned int nfit = 0;
	struct fg_engine *e;

	if (cfg->heads < 1 || cfg->heads > FAKEGPU_MAX_HEADS) {
		fprintf(stderr, "fakegpu: %u heads requested, must be 1..%u\n",
			cfg->heads, FAKEGPU_MAX_HEADS);
		return NULL;
	}
	if (!cfg->vram || cfg->vram_size < FAKEGPU_VRAM_MIN ||
	    cfg->vram_size > (uint64_t)FAKEGPU_VRAM_MAX_MB << 20) {
		fprintf(stderr, "fakegpu: VRAM of %llu bytes, must be %u MiB..%u MiB and mapped\n",
			(unsigned long long)cfg->vram_size, FAKEGPU_VRAM_MIN >> 20,
			FAKEGPU_VRAM_MAX_MB);
		return NULL;
	}
	if (cfg->max_width > LIMIT_MAX_SIZE || cfg->max_height > LIMIT_MAX_SIZE) {
		fprintf(stderr, "fakegpu: maximum size %ux%u, must be at most %ux%u\n",
			cfg->max_width, cfg->max_height, LIMIT_MAX_SIZE, LIMIT_MAX_SIZE);
		return NULL;
	}
	if (!modes || !num_modes) {
		modes = fg_edid_default_modes;
		num_modes = fg_edid_num_default_modes;
	}

	e = calloc(1, sizeof(*e));
	if (!e) {
		fprintf(stderr, "fakegpu: out of memory for the engine\n");
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	atomic_init(&e->line_up, false);
	e->wake = cfg->wake;
	e->wake_opaque = cfg->wake_opaque;
	e->fault_exit = cfg->fault_exit ? cfg->fault_exit : fault_exit_default;
	e->fault_exit_opaque = cfg->fault_exit_opaque;
	e->heads = cfg->heads;
	e->vram_size = cfg->vram_size;
	e->vram = cfg->vram;
	e->shm = cfg->shm;
	e->irq = irq;
	e->opaque = opaque;
	e->clock_ns = cfg->clock_ns ? cfg->clock_ns : monotonic_ns;
	e->clock_opaque = cfg->clock_opaque;
	e->max_width = cfg->max_width ? cfg->max_width : DEFAULT_MAX_SIZE;
	e->max_height = cfg->max_height ? cfg->max_height : DEFAULT_MAX_SIZE;
	if (!cfg->max_width && !cfg->max_height) {
		/* Defaults: one XRGB8888 frame of the maximum size fits in VRAM. */
		while ((uint64_t)e->max_width * e->max_height * 4 > e->vram_size) {
			if (e->max_width >= e->max_height)
				e->max_width /= 2;
			else
				e->max_height /= 2;
		}
	}
	e->line = calloc(e->max_width, sizeof(*e->line));
	if (!e->line) {
		fprintf(stderr, "fakegpu: out of memory for the scanout line\n");
		free(e);
		return NULL;
	}

	/* The EDID lists only modes a head can display. */
	for (unsigned int i = 0; i < num_modes; i++) {
		const char *why = fg_edid_check_mode(&modes[i]);

		if (why) {
			fprintf(stderr, "fakegpu: mode %ux%u@%u: %s\n", modes[i].width,
				modes[i].height, modes[i].refresh_hz, why);
			fg_engine_free(e);
			return NULL;
		}
		if (modes[i].width > e->max_width || modes[i].height > e->max_height)
			continue;
		if (nfit == sizeof(fit) / sizeof(fit[0])) {
			fprintf(stderr, "fakegpu: more than %zu modes\n",
				sizeof(fit) / sizeof(fit[0]));
			fg_engine_free(e);
			return NULL;
		}
		fit[nfit++] = modes[i];
	}
	if (!nfit) {
		fprintf(stderr, "fakegpu: no mode of the list fits the maximum size %ux%u\n",
			e->max_width, e->max_height);
		fg_engine_free(e);
		return NULL;
	}
	fg_engine_reset(e);
	for (unsigned int i = 0; i < e->heads; i++) {
		e->head[i].connected = true;
		fg_edid_build(e->head[i].edid, i, fit, nfit);
	}
	return e;
}

void fg_engine_free(struct fg_engine *e)
{
	if (!e)
		return;
	free(e->line);
	free(e->wb_fb);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int fg_engine_screenshot(struct fg_engine *e, unsigned int head,
			 uint32_t **pixels, uint32_t *width, uint32_t *height)
{
	struct fg_scanout s;
	uint32_t *fb;

	if (head >= e->heads)
		return -ENODEV;
	/* A snapshot under the lock, composed without it. */
	lock(e);
	s = e->head[head].active;
	unlock_const(e);
	if (!s.enabled)
		return -ENODATA;
	fb = malloc((size_t)s.width * s.height * sizeof(*fb));
	if (!fb)
		return -ENOMEM;
	fg_compose_frame(&s, e->vram, e->vram_size, fb);
	*pixels = fb;
	*width = s.width;
	*height = s.height;
	return 0;
}

int fg_engine_set_connected(struct fg_engine *e, unsigned int head,
			    bool connected)
{
	if (head >= e->heads)
		return -ENODEV;
	lock(e);
	if (e->head[head].connected != connected) {
		e->head[head].connected = connected;
		e->head[head].st_hotplug++;
		shm_publish(e, head);
		raise_irq(e, FAKEGPU_IRQ_HOTPLUG(head));
	}
	unlock(e);
	return 0;
}

int fg_engine_head_stats(const struct fg_engine *e, unsigned int head,
			 struct fg_engine_head_stats *st)
{
	const struct head *h;

	if (head >= e->heads)
		return -ENODEV;
	h = &e->head[head];
	memset(st, 0, sizeof(*st));
	lock(e);
	st->active = h->active.enabled;
	st->connected = h->connected;
	st->width = h->active.width;
	st->height = h->active.height;
	st->refresh_mhz = h->active.refresh_mhz;
	st->frames = h->frame;
	st->crc = h->crc;
	st->crc_frame = h->crc_frame;
	st->vblank_irqs = h->vblank_irqs;
	st->commits = h->commits;
	st->refused = h->refused;
	st->reg_writes = h->reg_writes;
	st->reg_reads = h->reg_reads;
	unlock_const(e);
	return 0;
}

unsigned int fg_engine_heads(const struct fg_engine *e)
{
	return e->heads;
}


uint64_t fg_engine_vram_size(const struct fg_engine *e)
{
	return e->vram_size;
}

/* ---- fault injection ------------------------------------------------------- */

static bool fault_per_head(enum fg_fault_kind kind)
{
	return kind == FG_FAULT_FRAME_STALL || kind == FG_FAULT_FRAME_JUMP ||
	       kind == FG_FAULT_AGE_BEHIND || kind == FG_FAULT_NO_LATCH;
}

int fg_engine_fault_set(struct fg_engine *e, const struct fg_fault *f, bool startup,
			char *err, size_t errlen)
{
	struct fault_state *fs = &e->fault;
	struct head *h = NULL;

	if (fg_fault_startup_only(f->kind) && !startup) {
		snprintf(err, errlen, "fault '%s' can only be set when the device starts "
			 "(fakegpu-device --fault %s=N), not at run time",
			 fg_fault_name(f->kind), fg_fault_name(f->kind));
		return -EPERM;
	}
	if (fault_per_head(f->kind)) {
		if (f->head >= e->heads) {
			snprintf(err, errlen, "no head %u (heads: 0..%u)", f->head, e->heads - 1);
			return -ENODEV;
		}
		h = &e->head[f->head];
	}
	lock(e);
	switch (f->kind) {
	case FG_FAULT_IRQ_BITS:		fs->irq_bits = f->value; break;
	case FG_FAULT_IRQ_STOP:		fs->irq_stop = true; break;
	case FG_FAULT_EXIT_ON_COMMIT:
		fs->exit_after = f->value;
		fs->exit_seen = 0;
		break;
	case FG_FAULT_FRAME_STALL:	h->f_stall = true; break;
	case FG_FAULT_FRAME_JUMP:	h->f_jump = f->value; break;
	case FG_FAULT_AGE_BEHIND:
		h->f_behind_ms = f->value;
		shm_publish(e, f->head);	/* the status record's time, now */
		break;
	case FG_FAULT_NO_LATCH:		h->f_no_latch = true; break;
	case FG_FAULT_HEADS:
		fs->lie_heads = true;
		fs->heads = f->value;
		break;
	case FG_FAULT_VRAM_MB:
		fs->lie_vram = true;
		fs->vram_mb = f->value;
		break;
	case FG_FAULT_EDID_SIZE:
		fs->lie_edid = true;
		fs->edid_size = f->value;
		break;
	}
	unlock(e);
	return 0;
}

int fg_engine_fault(struct fg_engine *e, const char *spec, bool startup,
		    char *err, size_t errlen)
{
	struct fg_fault f;

	if (fg_fault_parse(spec, e->heads, &f, err, errlen))
		return -EINVAL;
	return fg_engine_fault_set(e, &f, startup, err, errlen);
}

void fg_engine_fault_clear(struct fg_engine *e)
{
	struct fault_state *fs = &e->fault;

	lock(e);
	/* Interrupts held back by irq-stop: an enabled pending bit fires now. */
	if (fs->irq_stop && !e->shm_on && (e->irq_status & e->irq_mask))
		e->fire_irq = true;
	fs->irq_bits = 0;
	fs->irq_stop = false;
	fs->exit_after = 0;
	fs->exit_seen = 0;
	for (unsigned int i = 0; i < e->heads; i++) {
		struct head *h = &e->head[i];
		bool held = h->f_no_latch, behind = h->f_behind_ms;

		h->f_stall = false;
		h->f_jump = 0;
		h->f_behind_ms = 0;
		h->f_no_latch = false;
		/* A head that is off latches at the COMMIT write: do it now. */
		if (held && h->pending_valid && !h->active.enabled)
			latch(e, i, 0);
		if (held || behind)
			shm_publish(e, i);
	}
	unlock(e);
}

unsigned int fg_engine_fault_list(const struct fg_engine *e, FILE *out)
{
	const struct fault_state *fs = &e->fault;
	unsigned int n = 0;

	lock(e);
	if (fs->lie_heads) {
		fprintf(out, "heads=%u\n", fs->heads);
		n++;
	}
	if (fs->lie_vram) {
		fprintf(out, "vram-mb=%u\n", fs->vram_mb);
		n++;
	}
	if (fs->lie_edid) {
		fprintf(out, "edid-size=%u\n", fs->edid_size);
		n++;
	}
	if (fs->irq_bits) {
		fprintf(out, "irq-bits=0x%x\n", fs->irq_bits);
		n++;
	}
	if (fs->irq_stop) {
		fprintf(out, "irq-stop\n");
		n++;
	}
	if (fs->exit_after) {
		fprintf(out, "exit-on-commit=%u (%u received)\n", fs->exit_after,
			fs->exit_seen);
		n++;
	}
	for (unsigned int i = 0; i < e->heads; i++)
		if (e->head[i].f_stall) {
			fprintf(out, "frame-stall=%u\n", i);
			n++;
		}
	for (unsigned int i = 0; i < e->heads; i++)
		if (e->head[i].f_jump) {
			fprintf(out, "frame-jump=%u:%u\n", i, e->head[i].f_jump);
			n++;
		}
	for (unsigned int i = 0; i < e->heads; i++)
		if (e->head[i].f_behind_ms) {
			fprintf(out, "age-behind=%u:%u\n", i, e->head[i].f_behind_ms);
			n++;
		}
	for (unsigned int i = 0; i < e->heads; i++)
		if (e->head[i].f_no_latch) {
			fprintf(out, "no-latch=%u\n", i);
			n++;
		}
	unlock_const(e);
	return n;
}
