// SPDX-License-Identifier: GPL-2.0
/*
 * fakegpu: the shared pages (device ABI 1.4, FAKEGPU_CAP_SHM).
 *
 * DOC: shared pages
 *
 * Over vfio-user every register access is a message to the device process
 * and back: 55-200 us under TCG, milliseconds when the host is busy. A real
 * display controller's driver does not pay a bus round trip per status read
 * either: status lives in memory the device writes, a flip is a memory write.
 * BAR4 gives the driver the same: two pages of memory that the guest and the
 * device process both map, so accessing them never leaves QEMU.
 *
 * The status page is written only by the device: per head the frame counter,
 * the time of that frame's vblank on the device clock, the number of the last
 * commit it latched, HEAD_STATUS, the last CRC and counts of writebacks,
 * refusals and hotplugs. The interrupt handler reads it instead of
 * IRQ_STATUS, FRAME, VBLANK_AGE, STATUS and CRC, so a vblank interrupt costs
 * no register access at all.
 *
 * The commit page is written only by the driver: per head the registers a
 * flip programs (the head's CTRL and mode, every plane), and a commit
 * number. The device takes a record with a new number at the head's next
 * vblank, exactly when it would latch a COMMIT written through the register;
 * so a page flip is a few memory writes. A head that is off has no vblank,
 * and a commit that also programs gamma or writeback through the registers
 * must be taken after those writes: such a record is marked DOORBELL and
 * committed with one (posted) COMMIT register write.
 *
 * Both kinds of record are guarded by a sequence counter that their writer
 * makes odd while it changes the record, so a reader never takes half of
 * one. Each side keeps its own copy of the counts it writes: nothing read
 * from the page is trusted beyond what is validated.
 *
 * Vblank timestamps are the device's vblank times converted to the guest
 * clock with an offset calibrated from the tightest of a few CLOCK_LO reads
 * between two guest clock reads, checked again every few seconds from a
 * worker (never from the interrupt path).
 */
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include "fakegpu_drv.h"

static bool fakegpu_shm_param = true;
module_param_named(shm, fakegpu_shm_param, bool, 0444);
MODULE_PARM_DESC(shm, "Use the device's shared pages for vblank status and flips when it offers them (default: true)");

/* Clock calibration: reads per measurement, and how often it is checked. */
#define FAKEGPU_CLK_TRIES	8
#define FAKEGPU_CLK_PERIOD	(5 * HZ)
/* Reads of a status record that keeps changing before the handler gives up. */
#define FAKEGPU_SHM_READ_TRIES	4

static __le32 *fakegpu_shm_word(struct fakegpu_device *fdev, u32 off)
{
	return (__le32 *)((u8 *)fdev->shm + off);
}

static u32 st_ld(struct fakegpu_head *head, u32 off)
{
	return le32_to_cpu(READ_ONCE(*fakegpu_shm_word(head->fdev, FAKEGPU_SHM_STATUS +
						       FAKEGPU_SHM_ST_HEAD(head->index) + off)));
}

static void cm_st(struct fakegpu_head *head, u32 off, u32 val)
{
	WRITE_ONCE(*fakegpu_shm_word(head->fdev, FAKEGPU_SHM_COMMIT +
				     FAKEGPU_SHM_CM_HEAD(head->index) + off),
		   cpu_to_le32(val));
}

static u32 cm_ld(struct fakegpu_head *head, u32 off)
{
	return le32_to_cpu(READ_ONCE(*fakegpu_shm_word(head->fdev, FAKEGPU_SHM_COMMIT +
						       FAKEGPU_SHM_CM_HEAD(head->index) + off)));
}

/*
 * Read head @head's status record. False when the device kept changing it
 * (or left it odd: a device that lies) for FAKEGPU_SHM_READ_TRIES reads; the
 * caller skips it until the next interrupt.
 */
bool fakegpu_shm_read_status(struct fakegpu_head *head, struct fakegpu_shm_status *st)
{
	unsigned int i;
	u32 seq;

	for (i = 0; i < FAKEGPU_SHM_READ_TRIES; i++) {
		seq = st_ld(head, FAKEGPU_SHM_ST_SEQ);
		if (seq & 1) {
			cpu_relax();
			continue;
		}
		smp_rmb();
		st->frame = st_ld(head, FAKEGPU_SHM_ST_FRAME);
		st->vblank_ns = (u64)st_ld(head, FAKEGPU_SHM_ST_VBLANK_HI) << 32 |
				st_ld(head, FAKEGPU_SHM_ST_VBLANK_LO);
		st->latched = st_ld(head, FAKEGPU_SHM_ST_LATCHED);
		st->status = st_ld(head, FAKEGPU_SHM_ST_STATUS);
		st->error_code = st_ld(head, FAKEGPU_SHM_ST_ERROR_CODE);
		st->crc = st_ld(head, FAKEGPU_SHM_ST_CRC);
		st->crc_frame = st_ld(head, FAKEGPU_SHM_ST_CRC_FRAME);
		st->wb_status = st_ld(head, FAKEGPU_SHM_ST_WB_STATUS);
		st->wb_count = st_ld(head, FAKEGPU_SHM_ST_WB_COUNT);
		st->refused = st_ld(head, FAKEGPU_SHM_ST_REFUSED);
		st->hotplug = st_ld(head, FAKEGPU_SHM_ST_HOTPLUG);
		smp_rmb();
		if (st_ld(head, FAKEGPU_SHM_ST_SEQ) == seq)
			return true;
	}
	return false;
}

/* Offset in a commit record of head register @reg; 0 if it has none. */
static u32 fakegpu_shm_cm_offset(u32 reg)
{
	unsigned int p;

	if (reg <= FAKEGPU_HEAD_REFRESH_MHZ)
		return FAKEGPU_SHM_CM_REGS + reg;
	for (p = 0; p <= FAKEGPU_PLANE_OVERLAY; p++)
		if (reg >= FAKEGPU_PLANE_BASE(p) && reg <= FAKEGPU_PLANE_BASE(p) + FAKEGPU_PLANE_ZPOS)
			return FAKEGPU_SHM_CM_PLANE(p) + reg - FAKEGPU_PLANE_BASE(p);
	return 0;
}

static void fakegpu_shm_cm_open(struct fakegpu_head *head)
{
	if (head->cm_open)
		return;
	head->cm_seq |= 1;
	cm_st(head, FAKEGPU_SHM_CM_SEQ, head->cm_seq);
	smp_wmb();
	head->cm_open = true;
}

static void fakegpu_shm_cm_close(struct fakegpu_head *head)
{
	smp_wmb();
	head->cm_seq++;
	cm_st(head, FAKEGPU_SHM_CM_SEQ, head->cm_seq);
	head->cm_open = false;
}

/*
 * Write shadow register @reg (a HEAD_* or plane register offset) into the
 * head's commit record. Caller holds fdev->hw_lock; the record stays open
 * (the device does not take it) until fakegpu_shm_commit().
 */
void fakegpu_shm_cm_write(struct fakegpu_head *head, u32 reg, u32 val)
{
	u32 off = fakegpu_shm_cm_offset(reg);

	lockdep_assert_held(&head->fdev->hw_lock);
	if (WARN_ON_ONCE(!off))
		return;
	fakegpu_shm_cm_open(head);
	cm_st(head, off, val);
}

/*
 * Commit the record with a new number. With @doorbell the device takes it
 * only at the COMMIT register write that follows (the head is off, or gamma
 * or writeback registers were written for this commit and must be taken
 * with it); without, at the head's next vblank. Caller holds fdev->hw_lock
 * and is inside drm_dev_enter(). Returns the commit number.
 */
u32 fakegpu_shm_commit(struct fakegpu_head *head, bool doorbell)
{
	lockdep_assert_held(&head->fdev->hw_lock);
	fakegpu_shm_cm_open(head);
	head->cm_commit++;
	cm_st(head, FAKEGPU_SHM_CM_FLAGS, doorbell ? FAKEGPU_SHM_CM_FLAG_DOORBELL : 0);
	cm_st(head, FAKEGPU_SHM_CM_TIME, fakegpu_shm_dev_now_us(head->fdev));
	cm_st(head, FAKEGPU_SHM_CM_COMMIT, head->cm_commit);
	fakegpu_shm_cm_close(head);
	/* writel() orders the record's stores before the doorbell. */
	if (doorbell)
		fakegpu_head_wr(head, FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_SHM);
	return head->cm_commit;
}

/* The head's last commit has latched (or was refused); the device is gone. */
static bool fakegpu_shm_latched(struct fakegpu_head *head)
{
	struct fakegpu_shm_status st;

	if (READ_ONCE(head->fdev->gone))
		return true;
	return fakegpu_shm_read_status(head, &st) &&
	       (s32)(st.latched - head->cm_commit) >= 0;
}

int fakegpu_shm_wait_latched(struct fakegpu_head *head, u64 timeout_us)
{
	bool done;

	return read_poll_timeout(fakegpu_shm_latched, done, done, USEC_PER_MSEC,
				 timeout_us, false, head);
}

/* ---------------------------------------------------------------------- */
/* Device clock                                                           */

/*
 * Measure the device clock's offset from ktime: the tightest of a few
 * CLOCK_LO reads between two ktime reads t0 and t1. The device read its
 * clock somewhere in [t0, t1], so the true offset lies in [dev - t1,
 * dev - t0]; the driver takes the low end, dev - t1: a vblank time converted
 * with it is never earlier than the real one (at most the span later), so a
 * flip's timestamp never precedes the ioctl that issued it. A new
 * measurement replaces the current offset when it is a tighter bound (higher)
 * or when the current one lies outside its range (the clocks drifted).
 */
static void fakegpu_shm_calibrate(struct fakegpu_device *fdev)
{
	s64 best_span = S64_MAX, offset = 0;
	unsigned long flags;
	unsigned int i;
	int idx;

	if (!drm_dev_enter(&fdev->drm, &idx))
		return;
	for (i = 0; i < FAKEGPU_CLK_TRIES; i++) {
		u64 t0, t1, dev_ns;
		u32 lo, hi;
		s64 span;

		t0 = ktime_get_ns();
		lo = fakegpu_rd(fdev, FAKEGPU_REG_CLOCK_LO);
		t1 = ktime_get_ns();
		hi = fakegpu_rd(fdev, FAKEGPU_REG_CLOCK_HI);
		if (lo == ~0u && hi == ~0u)
			break;		/* gone */
		span = t1 - t0;
		if (span >= best_span)
			continue;
		best_span = span;
		dev_ns = (u64)hi << 32 | lo;
		offset = (s64)(dev_ns - t1);
	}
	drm_dev_exit(idx);
	if (best_span == S64_MAX)
		return;

	spin_lock_irqsave(&fdev->clk_lock, flags);
	if (!fdev->clk_valid || offset > fdev->clk_offset ||
	    fdev->clk_offset - offset > best_span) {
		fdev->clk_offset = offset;
		fdev->clk_valid = true;
	}
	fdev->clk_span = best_span;
	spin_unlock_irqrestore(&fdev->clk_lock, flags);
}

static void fakegpu_shm_clk_work(struct work_struct *work)
{
	struct fakegpu_device *fdev = container_of(to_delayed_work(work),
						   struct fakegpu_device, clk_work);

	fakegpu_shm_calibrate(fdev);
	if (!READ_ONCE(fdev->gone) && !drm_dev_is_unplugged(&fdev->drm))
		schedule_delayed_work(&fdev->clk_work, FAKEGPU_CLK_PERIOD);
}

/*
 * Now in the device clock, in µs modulo 2^32, never earlier than the device's
 * own reading would be (the offset's high end, rounded up): a commit record's
 * TIME, so that the device never latches it at a vblank it was made after.
 * 0 (unknown: any vblank takes the record) until the clock is calibrated.
 */
u32 fakegpu_shm_dev_now_us(struct fakegpu_device *fdev)
{
	unsigned long flags;
	s64 off, span;
	bool valid;
	u32 us;

	spin_lock_irqsave(&fdev->clk_lock, flags);
	valid = fdev->clk_valid;
	off = fdev->clk_offset;
	span = fdev->clk_span;
	spin_unlock_irqrestore(&fdev->clk_lock, flags);
	if (!valid)
		return 0;
	us = (u32)div_u64(ktime_get_ns() + off + span + NSEC_PER_USEC - 1, NSEC_PER_USEC);
	return us ? us : 1;
}

/*
 * A device clock time as a ktime. False until the clock is calibrated.
 */
bool fakegpu_shm_dev_to_ktime(struct fakegpu_device *fdev, u64 dev_ns, ktime_t *t)
{
	unsigned long flags;
	bool valid;
	s64 off;

	spin_lock_irqsave(&fdev->clk_lock, flags);
	valid = fdev->clk_valid;
	off = fdev->clk_offset;
	spin_unlock_irqrestore(&fdev->clk_lock, flags);
	if (!valid)
		return false;
	*t = ns_to_ktime((s64)(dev_ns - off));
	return true;
}

/* ---------------------------------------------------------------------- */
/* Setup                                                                  */

/*
 * Start each head's commit record from the device's reset values, without
 * a new commit number: the device took what the page held when the pages
 * were enabled as already committed.
 */
static void fakegpu_shm_init_records(struct fakegpu_device *fdev)
{
	unsigned int i, p;

	for (i = 0; i < fdev->caps.num_heads; i++) {
		struct fakegpu_head *head = &fdev->heads[i];

		head->cm_seq = cm_ld(head, FAKEGPU_SHM_CM_SEQ) & ~1u;
		head->cm_commit = cm_ld(head, FAKEGPU_SHM_CM_COMMIT);
		head->cm_open = false;
		fakegpu_shm_cm_open(head);
		cm_st(head, FAKEGPU_SHM_CM_FLAGS, FAKEGPU_SHM_CM_FLAG_DOORBELL);
		cm_st(head, FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_CTRL, 0);
		cm_st(head, FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_WIDTH, 0);
		cm_st(head, FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_HEIGHT, 0);
		cm_st(head, FAKEGPU_SHM_CM_REGS + FAKEGPU_HEAD_REFRESH_MHZ, 0);
		for (p = 0; p <= FAKEGPU_PLANE_OVERLAY; p++) {
			u32 r;

			for (r = 0; r <= FAKEGPU_PLANE_ZPOS; r += 4)
				cm_st(head, FAKEGPU_SHM_CM_PLANE(p) + r, 0);
			cm_st(head, FAKEGPU_SHM_CM_PLANE(p) + FAKEGPU_PLANE_ALPHA, 0xffff);
			cm_st(head, FAKEGPU_SHM_CM_PLANE(p) + FAKEGPU_PLANE_ZPOS, p);
		}
		fakegpu_shm_cm_close(head);
		head->seen_valid = false;
	}
}

/*
 * Switch the device to the shared pages. Called at probe and resume (the
 * device may have been reset), with interrupts not yet requested or with
 * the hardware lock held. False: the device refused, stay on registers.
 */
static bool fakegpu_shm_enable(struct fakegpu_device *fdev)
{
	unsigned int i;
	u32 layout;

	fakegpu_shm_init_records(fdev);
	fakegpu_wr(fdev, FAKEGPU_REG_SHM_CTRL, FAKEGPU_SHM_CTRL_ENABLE);
	/* The read also waits for the write: the page is valid after it. */
	if (fakegpu_rd(fdev, FAKEGPU_REG_SHM_CTRL) != FAKEGPU_SHM_CTRL_ENABLE)
		return false;
	layout = le32_to_cpu(READ_ONCE(*fakegpu_shm_word(fdev, FAKEGPU_SHM_STATUS +
							  FAKEGPU_SHM_ST_LAYOUT)));
	if (layout != FAKEGPU_SHM_LAYOUT) {
		drm_warn(&fdev->drm, "shared status page reads layout %u, expected %u: is BAR4 really shared? Using registers\n",
			 layout, FAKEGPU_SHM_LAYOUT);
		fakegpu_wr(fdev, FAKEGPU_REG_SHM_CTRL, 0);
		return false;
	}
	/* Events count from here (the interrupt handler's first look otherwise). */
	for (i = 0; i < fdev->caps.num_heads; i++) {
		struct fakegpu_head *head = &fdev->heads[i];
		struct fakegpu_shm_status st;

		if (!fakegpu_shm_read_status(head, &st))
			continue;
		head->seen_frame = st.frame;
		head->seen_wb = st.wb_count;
		head->seen_refused = st.refused;
		head->seen_hotplug = st.hotplug;
		head->seen_valid = true;
	}
	return true;
}

static void fakegpu_shm_fini(void *arg)
{
	struct fakegpu_device *fdev = arg;

	cancel_delayed_work_sync(&fdev->clk_work);
}

/*
 * Probe: map BAR4 and switch to it if the device offers it, the module
 * parameter allows it and interrupts are MSI (edge: the shared pages have
 * no status bits to clear, so a level-triggered INTx line would never
 * drop). Anything missing leaves the driver on the register path.
 */
int fakegpu_shm_init(struct fakegpu_device *fdev, bool msi)
{
	struct pci_dev *pdev = fdev->pdev;
	struct drm_device *dev = &fdev->drm;
	void *shm;
	int ret;

	spin_lock_init(&fdev->clk_lock);
	INIT_DELAYED_WORK(&fdev->clk_work, fakegpu_shm_clk_work);
	if (!fakegpu_shm_param || !(fdev->caps.flags & FAKEGPU_CAP_SHM))
		return 0;
	if (!msi) {
		drm_info(dev, "shared pages need MSI: using registers\n");
		return 0;
	}
	if (!(pci_resource_flags(pdev, FAKEGPU_BAR_SHM) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, FAKEGPU_BAR_SHM) < FAKEGPU_SHM_SIZE) {
		drm_warn(dev, "device offers shared pages but BAR%d is %pR: using registers\n",
			 FAKEGPU_BAR_SHM, &pdev->resource[FAKEGPU_BAR_SHM]);
		return 0;
	}
	ret = pcim_request_region(pdev, FAKEGPU_BAR_SHM, FAKEGPU_DRIVER_NAME);
	if (ret) {
		drm_warn(dev, "cannot claim BAR%d (%d): using registers\n", FAKEGPU_BAR_SHM, ret);
		return 0;
	}
	/* Plain memory on both sides (a memfd QEMU maps): cached, like RAM. */
	shm = devm_memremap(&pdev->dev, pci_resource_start(pdev, FAKEGPU_BAR_SHM),
			    FAKEGPU_SHM_SIZE, MEMREMAP_WB);
	if (IS_ERR(shm)) {
		drm_warn(dev, "cannot map BAR%d (%ld): using registers\n", FAKEGPU_BAR_SHM,
			 PTR_ERR(shm));
		return 0;
	}
	fdev->shm = shm;
	ret = devm_add_action_or_reset(&pdev->dev, fakegpu_shm_fini, fdev);
	if (ret)
		return ret;
	if (!fakegpu_shm_enable(fdev)) {
		fdev->shm = NULL;
		return 0;
	}
	fakegpu_shm_calibrate(fdev);
	WRITE_ONCE(fdev->use_shm, true);
	schedule_delayed_work(&fdev->clk_work, FAKEGPU_CLK_PERIOD);
	drm_info(dev, "shared pages: vblank status and flips without register round trips (clock offset measured within %lld ns)\n",
		 fdev->clk_span);
	return 0;
}

/* Resume: the device may have been reset, which switched the pages off. */
void fakegpu_shm_resume(struct fakegpu_device *fdev)
{
	if (!READ_ONCE(fdev->use_shm))
		return;
	mutex_lock(&fdev->hw_lock);
	if (!fakegpu_shm_enable(fdev)) {
		drm_err(&fdev->drm, "device no longer takes the shared pages after resume\n");
		WRITE_ONCE(fdev->use_shm, false);
	}
	mutex_unlock(&fdev->hw_lock);
	fakegpu_shm_calibrate(fdev);
}
