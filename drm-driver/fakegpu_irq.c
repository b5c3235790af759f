// SPDX-License-Identifier: GPL-2.0
/*
 * fakegpu: interrupts, vblank, flip completion, CRC entries, hotplug.
 *
 * One vector (MSI; INTx as a last resort) for everything. IRQ_STATUS is
 * write-1-to-clear; IRQ_MASK selects which status bits raise the interrupt.
 * The driver keeps a copy of IRQ_MASK (fdev->irq_mask) so that vblank
 * enable/disable, which run from atomic context, never read-modify-write the
 * device register, and so that the handler ignores status bits nobody asked
 * for (the device sets status bits whether or not they are masked).
 */

#include <linux/interrupt.h>
#include <linux/iopoll.h>
#include <linux/math64.h>
#include <linux/pci.h>
#include <linux/string.h>

#include <drm/drm_debugfs_crc.h>
#include <drm/drm_drv.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>

#include "fakegpu_drv.h"

/* All hotplug bits: bits 8..15. */
#define FAKEGPU_IRQ_HOTPLUG_ALL		0x0000ff00u
#define FAKEGPU_IRQ_VBLANK_ALL		0x000000ffu

/*
 * Interrupt watchdog: every FAKEGPU_WD_PERIOD_MS while vblank interrupts are
 * enabled. At least FAKEGPU_WD_MIN_FRAMES device frames in each of
 * FAKEGPU_WD_STRIKES periods in a row without one interrupt: the device
 * stopped interrupting.
 */
#define FAKEGPU_WD_PERIOD_MS		100
#define FAKEGPU_WD_STRIKES		3
#define FAKEGPU_WD_MIN_FRAMES		3

/*
 * A CRC_FRAME further than this from HEAD_FRAME is not a frame we can place
 * in the vblank sequence (device bug, or a head off for a long time): it is
 * then numbered with the current sequence.
 */
#define FAKEGPU_CRC_MAX_BEHIND		1024

/* A CRC switch waits this long at most for a pending commit to latch. */
#define FAKEGPU_CRC_LATCH_TIMEOUT_US	(250 * USEC_PER_MSEC)

/*
 * The device sets status bits whether or not they are masked, so a source
 * being unmasked has a stale status bit, set by an event from before anybody
 * asked: it is cleared first, or it would raise an interrupt at once (a
 * vblank interrupt with no vblank of the current timing behind it).
 */
void fakegpu_irq_update_mask(struct fakegpu_device *fdev, u32 set, u32 clear)
{
	unsigned long flags;
	u32 stale;
	int idx;

	spin_lock_irqsave(&fdev->irq_lock, flags);
	stale = set & ~fdev->irq_mask;
	fdev->irq_mask = (fdev->irq_mask | set) & ~clear;
	if (drm_dev_enter(&fdev->drm, &idx)) {
		if (stale)
			fakegpu_wr(fdev, FAKEGPU_REG_IRQ_STATUS, stale);
		fakegpu_wr(fdev, FAKEGPU_REG_IRQ_MASK, fdev->irq_mask);
		drm_dev_exit(idx);
	}
	spin_unlock_irqrestore(&fdev->irq_lock, flags);
}

/* ---------------------------------------------------------------------- */
/* vblank and flip events                                                 */

/*
 * vblank interrupts only while somebody (an event, a waiter, the vblank
 * core's off-delay) needs them: at 60 Hz per head they are the bulk of the
 * traffic on the vfio-user socket.
 */
int fakegpu_crtc_enable_vblank(struct drm_crtc *crtc)
{
	struct fakegpu_head *head = crtc_to_head(crtc);

	if (drm_dev_is_unplugged(crtc->dev) || READ_ONCE(head->fdev->gone))
		return -ENODEV;
	fakegpu_irq_update_mask(head->fdev, FAKEGPU_IRQ_VBLANK(head->index), 0);
	/* Already queued (or polling): nothing changes. */
	queue_delayed_work(system_wq, &head->fdev->irq_watchdog,
			   msecs_to_jiffies(FAKEGPU_WD_PERIOD_MS));
	return 0;
}

void fakegpu_crtc_disable_vblank(struct drm_crtc *crtc)
{
	struct fakegpu_head *head = crtc_to_head(crtc);

	fakegpu_irq_update_mask(head->fdev, 0, FAKEGPU_IRQ_VBLANK(head->index));
}

/*
 * The device's per-head frame counter (HEAD_FRAME). Used only with ABI >= 1.1,
 * where it keeps counting across a head's off/on (dev->max_vblank_count is
 * set then): sequence numbers count the frames the device really displayed,
 * not vblank interrupts, whose arrival times jitter under emulation.
 */
u32 fakegpu_crtc_get_vblank_counter(struct drm_crtc *crtc)
{
	struct fakegpu_head *head = crtc_to_head(crtc);

	if (head->fdev->use_shm) {
		struct fakegpu_shm_status st;
		unsigned long flags;

		/* The frame and its vblank time, together for the timestamp. */
		if (fakegpu_shm_read_status(head, &st)) {
			spin_lock_irqsave(&head->ts_lock, flags);
			head->shm_frame = st.frame;
			head->shm_vblank_ns = st.vblank_ns;
			spin_unlock_irqrestore(&head->ts_lock, flags);
			WRITE_ONCE(head->last_frame, st.frame);
		}
		return READ_ONCE(head->last_frame);
	}
	if (!crtc->dev->max_vblank_count || READ_ONCE(head->fdev->gone) ||
	    READ_ONCE(head->frame_fresh))
		return READ_ONCE(head->last_frame);
	WRITE_ONCE(head->last_frame, fakegpu_head_rd(head, FAKEGPU_HEAD_FRAME));
	return head->last_frame;
}

/*
 * Vblank timestamps. The device's vblanks are exactly one period apart on the
 * host, but their interrupts reach the guest after a delay that varies by
 * milliseconds under emulation, so "now" in the handler is a poor timestamp
 * (igt wants the spread of vblank intervals below 0.5% of a frame). The
 * timestamp of frame n is modelled as anchor + (n - anchor frame) * period,
 * the anchor being measured by the device (ABI 1.2: VBLANK_AGE, how long ago
 * the vblank that started AGE_FRAME was, read between two guest clock reads)
 * or, with an older device, the earliest interrupt arrival seen. Whenever the
 * model would put a vblank in the future, it is anchored again. Timestamps
 * are then regular and never in the future. The model restarts at every
 * modeset; an interrupt the device has no vblank for (one left from the old
 * timing) does not anchor it. A model that lags far behind now (frames the
 * device never displayed) is anchored again too.
 */
void fakegpu_head_ts_reset(struct fakegpu_head *head, u32 refresh_mhz)
{
	unsigned long flags;

	spin_lock_irqsave(&head->ts_lock, flags);
	head->ts_refresh_mhz = head->fdev->drm.max_vblank_count ? refresh_mhz : 0;
	head->ts_valid = false;
	spin_unlock_irqrestore(&head->ts_lock, flags);
}

/*
 * Anchor from VBLANK_AGE; false if the device cannot tell (yet). The device
 * measures the age somewhere between the two guest clock reads, so the
 * midpoint is off by up to half their distance: about 30 us normally, but a
 * vCPU descheduled in the middle of the access (emulation on a busy host)
 * stretches that to milliseconds, and a model anchored that far off makes a
 * later timestamp jump when it is corrected. So the tightest of a few reads
 * is kept; the first one within FAKEGPU_TS_TIGHT_NS ends the search.
 */
#define FAKEGPU_TS_TRIES	4
#define FAKEGPU_TS_TIGHT_NS	(100 * NSEC_PER_USEC)
/*
 * A device vblank time (VBLANK_AGE, the status page's VBLANK) this old is
 * not believed: the device lies or stalled.
 */
#define FAKEGPU_TS_MAX_AGE_NS	NSEC_PER_SEC
/*
 * A model whose vblank for the current frame is this far behind now counts
 * frames the device did not display (a counter that stalled, then went on
 * without making them up): it is measured again. A late interrupt is never
 * this late, and measuring again costs only the register reads.
 */
#define FAKEGPU_TS_MAX_LAG_NS	(100 * NSEC_PER_MSEC)
/* Frames a VBLANK_AGE read may be ahead of the handler's FRAME read. */
#define FAKEGPU_TS_MAX_BEHIND	8

/*
 * The length of n frames at refresh_mhz millihertz, in ns. n * 10^12 would
 * not fit 64 bits after 2^64 / 10^12 frames (85 hours at 60 Hz, 21 at
 * 240 Hz); n * 10^9 does for every u32 n, and the product with 1000 is
 * taken in 96 bits.
 */
static u64 fakegpu_frames_to_ns(u32 n, u32 refresh_mhz)
{
	return mul_u64_u32_div((u64)n * NSEC_PER_SEC, 1000, refresh_mhz);
}

/* VBLANK_AGE and AGE_FRAME exist from ABI 1.2 on. */
static bool fakegpu_head_has_age(const struct fakegpu_head *head)
{
	return fakegpu_caps_abi_at_least(&head->fdev->caps, 2);
}

static bool fakegpu_head_ts_measure(struct fakegpu_head *head, ktime_t *base,
				    u32 *frame)
{
	s64 best = S64_MAX;
	int i;

	for (i = 0; i < FAKEGPU_TS_TRIES && best > FAKEGPU_TS_TIGHT_NS; i++) {
		ktime_t t0, t1;
		s64 span;
		u32 age;

		if (READ_ONCE(head->fdev->gone))
			return false;
		t0 = ktime_get();
		age = fakegpu_head_rd(head, FAKEGPU_HEAD_VBLANK_AGE);
		t1 = ktime_get();
		/*
		 * Unknown (0xffffffff: the head's first vblank is still to
		 * come), or older than a second: a device that lies or stalled.
		 */
		if (age >= FAKEGPU_TS_MAX_AGE_NS) {
			if (age != U32_MAX && !head->ts_behind_seen) {
				head->ts_behind_seen = true;
				drm_err(&head->fdev->drm, "head %u: VBLANK_AGE %u ns, more than a second; using the interrupt's arrival (reported once)\n",
					head->index, age);
			}
			return false;
		}
		span = ktime_to_ns(ktime_sub(t1, t0));
		if (span >= best)
			continue;
		best = span;
		/* AGE_FRAME is the frame of this very VBLANK_AGE read. */
		*frame = fakegpu_head_rd(head, FAKEGPU_HEAD_AGE_FRAME);
		*base = ktime_sub_ns(ktime_add_ns(t0, span / 2), age);
	}
	return true;
}

bool fakegpu_crtc_get_vblank_timestamp(struct drm_crtc *crtc, int *max_error,
				       ktime_t *vblank_time, bool in_vblank_irq)
{
	struct fakegpu_head *head = crtc_to_head(crtc);
	ktime_t now = ktime_get(), ts;
	unsigned long flags;
	u32 frame;
	s32 n;

	if (head->fdev->use_shm) {
		u64 vblank_ns;

		/*
		 * The device's own vblank time of the frame the counter just
		 * read: exact, whenever the interrupt arrives.
		 */
		spin_lock_irqsave(&head->ts_lock, flags);
		vblank_ns = head->shm_vblank_ns;
		spin_unlock_irqrestore(&head->ts_lock, flags);
		if (!vblank_ns || !fakegpu_shm_dev_to_ktime(head->fdev, vblank_ns, &ts))
			return false;
		if (ktime_after(ts, now)) {
			/* The offset's error may put it a little in the future. */
			ts = now;
		} else if (ktime_to_ns(ktime_sub(now, ts)) >= FAKEGPU_TS_MAX_AGE_NS) {
			/* A device that lies or stalled: the arrival is better. */
			spin_lock_irqsave(&head->ts_lock, flags);
			if (!head->ts_behind_seen) {
				head->ts_behind_seen = true;
				drm_err(crtc->dev, "head %u: device vblank time %lld ms in the past; using the interrupt's arrival (reported once)\n",
					head->index, ktime_ms_delta(now, ts));
			}
			spin_unlock_irqrestore(&head->ts_lock, flags);
			ts = now;
		}
		*vblank_time = ts;
		*max_error = 0;
		return true;
	}

	spin_lock_irqsave(&head->ts_lock, flags);
	/* Anchor on a real vblank interrupt, not on a query before the first. */
	if (!head->ts_refresh_mhz || (!head->ts_valid && !in_vblank_irq)) {
		spin_unlock_irqrestore(&head->ts_lock, flags);
		return false;
	}
	/* DRM reads the counter right before asking for its timestamp. */
	frame = READ_ONCE(head->last_frame);
	n = (s32)(frame - head->ts_frame);
	ts = head->ts_base;
	if (head->ts_valid && n >= 0)
		ts = ktime_add_ns(ts, fakegpu_frames_to_ns(n, head->ts_refresh_mhz));
	if (!head->ts_valid || n < 0 || ktime_after(ts, now) ||
	    ktime_to_ns(ktime_sub(now, ts)) > FAKEGPU_TS_MAX_LAG_NS) {
		ktime_t base;
		u32 age_frame;
		s32 k;
		u64 span;

		if (!fakegpu_head_has_age(head)) {
			/* ABI 1.1: the earliest arrival is the best anchor. */
			base = now;
			age_frame = frame;
		} else if (!fakegpu_head_ts_measure(head, &base, &age_frame) ||
			   (s32)(frame - age_frame) < -FAKEGPU_TS_MAX_BEHIND) {
			/*
			 * No anchor to be had: the device has no vblank of
			 * this timing yet (an interrupt from before it), or
			 * it stalled. Anchoring on the interrupt's arrival
			 * instead would put the model milliseconds off, for
			 * as long as the mode lasts if the arrival was early
			 * (nothing corrects a model that is in the past). An
			 * existing model is kept, clamped to now; without one
			 * the core uses now for this vblank and the next
			 * interrupt measures again.
			 */
			spin_unlock_irqrestore(&head->ts_lock, flags);
			if (!head->ts_valid || n < 0)
				return false;
			*vblank_time = now;
			*max_error = 0;
			return true;
		}
		/*
		 * age_frame is later than frame when a vblank passed between
		 * the handler's FRAME read and the VBLANK_AGE read (a handler
		 * slowed by a stall, or by TCG translating it the first time):
		 * the anchor then lies that many periods before the measured
		 * one.
		 */
		k = (s32)(frame - age_frame);
		span = fakegpu_frames_to_ns(abs(k), head->ts_refresh_mhz);
		ts = k >= 0 ? ktime_add_ns(base, span) : ktime_sub_ns(base, span);
		/* The midpoint can be late by half the read's span: not past now. */
		if (ktime_after(ts, now))
			ts = now;
		head->ts_valid = true;
		head->ts_frame = frame;
		head->ts_base = ts;
	}
	spin_unlock_irqrestore(&head->ts_lock, flags);
	*vblank_time = ts;
	*max_error = 0;
	return true;
}

/* Caller holds dev->event_lock. */
static void fakegpu_head_complete_event(struct fakegpu_head *head)
{
	drm_crtc_send_vblank_event(&head->crtc, head->event);
	head->event = NULL;
	drm_crtc_vblank_put(&head->crtc);
}

/*
 * Called from atomic_flush right after the COMMIT write. The event stays with
 * the head until the interrupt handler sees the commit latched. With no
 * COMMIT written (device unplugged) or no vblank interrupt to wait for, it is
 * completed at once so that nothing waits for a frame that never comes.
 */
void fakegpu_head_arm_event(struct fakegpu_head *head,
			    struct drm_pending_vblank_event *event, bool committed)
{
	struct drm_device *dev = head->crtc.dev;
	bool have_vblank = committed && drm_crtc_vblank_get(&head->crtc) == 0;
	unsigned long flags;

	spin_lock_irqsave(&dev->event_lock, flags);
	if (!have_vblank) {
		drm_crtc_send_vblank_event(&head->crtc, event);
	} else {
		/*
		 * The helpers wait for flip_done before the next commit on this
		 * CRTC, so a leftover event means that wait timed out (device
		 * stopped sending vblanks): complete it rather than leak it.
		 */
		if (head->event) {
			drm_err_ratelimited(dev, "head %u: previous flip never latched\n",
					    head->index);
			fakegpu_head_complete_event(head);
		}
		head->event = event;
		head->event_vblanks = 0;
		/* Shared pages: the commit just written is the one to latch. */
		head->event_commit = head->cm_commit;
	}
	spin_unlock_irqrestore(&dev->event_lock, flags);
}

/*
 * A vblank for the waiting flip event, on either path: complete it if its
 * commit @latched, or after FAKEGPU_LATCH_MAX_VBLANKS vblanks anyway (a
 * device that never latches it), saying so once until a commit latches
 * again. Caller holds dev->event_lock and has checked head->event.
 */
static void fakegpu_head_event_vblank(struct fakegpu_head *head, bool latched)
{
	if (latched) {
		head->latch_stuck = false;
	} else if (++head->event_vblanks < FAKEGPU_LATCH_MAX_VBLANKS) {
		return;
	} else {
		if (!head->latch_stuck)
			drm_err(head->crtc.dev, "head %u: commit not latched after %u vblanks, completing the flip anyway (reported once until a commit latches)\n",
				head->index, head->event_vblanks);
		head->latch_stuck = true;
	}
	fakegpu_head_complete_event(head);
}

/* Complete a waiting event now (head switched off, device gone). */
void fakegpu_head_flush_event(struct fakegpu_head *head)
{
	struct drm_device *dev = head->crtc.dev;
	unsigned long flags;

	spin_lock_irqsave(&dev->event_lock, flags);
	if (head->event)
		fakegpu_head_complete_event(head);
	spin_unlock_irqrestore(&dev->event_lock, flags);
}

/*
 * DOC: CRC entries
 *
 * While HEAD_CTRL.CRC is set the device computes a CRC of every frame it
 * displays, but it keeps only the last one (HEAD_CRC, with the frame it
 * belongs to in HEAD_CRC_FRAME). The driver reads it at each vblank
 * interrupt and adds one entry per new CRC_FRAME, numbered with the DRM
 * vblank sequence of *that* frame, which is what igt compares with its
 * vblank and flip events. With ABI >= 1.1 the DRM vblank counter follows
 * HEAD_FRAME (get_vblank_counter), so the sequence of CRC_FRAME is the
 * sequence just computed by drm_crtc_handle_vblank() minus how many frames
 * CRC_FRAME is behind the HEAD_FRAME read there. When the guest is late and
 * several frames went by between two interrupts, the CRCs of the frames in
 * between were overwritten before anybody could read them: the stream then
 * has a gap in its frame numbers rather than entries invented for frames
 * whose CRC was never read (igt only checks the frames it gets). A vblank
 * reference is held while a CRC source is set and the head is on, so that
 * the stream does not stop when the vblank core's off-delay expires.
 */
static void fakegpu_head_crc_entry(struct fakegpu_head *head, u32 frame, u32 crc)
{
	struct drm_crtc *crtc = &head->crtc;
	u32 behind;
	u64 seq;

	if (frame == READ_ONCE(head->last_crc_frame))
		return;
	WRITE_ONCE(head->last_crc_frame, frame);

	seq = drm_crtc_vblank_count(crtc);
	if (crtc->dev->max_vblank_count) {
		/* Frames between the CRC and the HEAD_FRAME behind seq. */
		behind = READ_ONCE(head->last_frame) - frame;
		if (behind <= FAKEGPU_CRC_MAX_BEHIND) {
			seq -= behind;
		} else if ((s32)behind < 0 && -behind <= FAKEGPU_CRC_MAX_BEHIND) {
			/* The device moved on since HEAD_FRAME was read. */
			seq += -behind;
		} else {
			drm_dbg_driver(crtc->dev, "head %u: CRC frame %u far from frame %u\n",
				       head->index, frame, READ_ONCE(head->last_frame));
		}
	}
	drm_crtc_add_crc_entry(crtc, true, (u32)seq, &crc);
}

static void fakegpu_head_crc(struct fakegpu_head *head)
{
	u32 frame, again, crc;

	frame = fakegpu_head_rd(head, FAKEGPU_HEAD_CRC_FRAME);
	if (frame == READ_ONCE(head->last_crc_frame))
		return;
	crc = fakegpu_head_rd(head, FAKEGPU_HEAD_CRC);
	/* A vblank between the two reads pairs a CRC with the wrong frame. */
	again = fakegpu_head_rd(head, FAKEGPU_HEAD_CRC_FRAME);
	if (again != frame) {
		frame = again;
		crc = fakegpu_head_rd(head, FAKEGPU_HEAD_CRC);
	}
	if (frame == ~0u && !fakegpu_hw_present(head->fdev))
		return;
	fakegpu_head_crc_entry(head, frame, crc);
}

/* A writeback job the device never completes is failed, not leaked. */
static void fakegpu_head_wb_watchdog(struct fakegpu_head *head)
{
	if (head->has_wb && atomic_read(&head->wb_pending) > 0 &&
	    ++head->wb_vblanks >= FAKEGPU_WB_MAX_VBLANKS) {
		drm_err_ratelimited(head->crtc.dev, "head %u: writeback not completed after %u vblanks\n",
				    head->index, head->wb_vblanks);
		head->wb_vblanks = 0;
		fakegpu_head_wb_cancel(head, -ETIMEDOUT);
	}
}

static void fakegpu_head_vblank(struct fakegpu_head *head)
{
	struct drm_device *dev = head->crtc.dev;
	struct drm_pending_vblank_event *waiting;
	u32 status = 0;

	/*
	 * Whether the pending flip has latched is read before waking vblank
	 * waiters: the flip then completes right after the wake-up, without a
	 * register round trip in between during which a woken client's next
	 * flip would find the previous commit unfinished (-EBUSY).
	 */
	spin_lock(&dev->event_lock);
	waiting = head->event;
	spin_unlock(&dev->event_lock);
	if (waiting)
		status = fakegpu_head_rd(head, FAKEGPU_HEAD_STATUS);

	/*
	 * One FRAME read per interrupt: DRM reads the counter twice to see it
	 * is stable, and every read is a round trip to the device.
	 */
	if (head->fdev->drm.max_vblank_count) {
		WRITE_ONCE(head->last_frame, fakegpu_head_rd(head, FAKEGPU_HEAD_FRAME));
		WRITE_ONCE(head->frame_fresh, true);
	}
	drm_crtc_handle_vblank(&head->crtc);
	WRITE_ONCE(head->frame_fresh, false);

	/* Only the event seen above: one armed since then has not latched. */
	spin_lock(&dev->event_lock);
	if (waiting && head->event == waiting) {
		fakegpu_head_event_vblank(head, status == ~0u ||
					  !(status & FAKEGPU_HEAD_STATUS_PENDING));
	}
	spin_unlock(&dev->event_lock);

	if (READ_ONCE(head->crc_enabled))
		fakegpu_head_crc(head);
	fakegpu_head_wb_watchdog(head);
}

/* ---------------------------------------------------------------------- */
/* CRC                                                                    */

static const char *const fakegpu_crc_sources[] = { "auto" };

const char *const *fakegpu_crtc_get_crc_sources(struct drm_crtc *crtc,
						size_t *count)
{
	*count = ARRAY_SIZE(fakegpu_crc_sources);
	return fakegpu_crc_sources;
}

int fakegpu_crtc_verify_crc_source(struct drm_crtc *crtc, const char *source,
				   size_t *values_cnt)
{
	if (source && strcmp(source, "auto")) {
		drm_dbg_driver(crtc->dev, "unknown CRC source '%s'\n", source);
		return -EINVAL;
	}
	*values_cnt = 1;
	return 0;
}

/*
 * Entries are produced from the vblank interrupt: keep it enabled while a CRC
 * source is set on an active head. Caller holds fdev->hw_lock.
 */
void fakegpu_head_crc_vblank_ref(struct fakegpu_head *head, bool want)
{
	lockdep_assert_held(&head->fdev->hw_lock);

	if (want && !head->crc_vblank_ref)
		head->crc_vblank_ref = drm_crtc_vblank_get(&head->crtc) == 0;
	else if (!want && head->crc_vblank_ref) {
		drm_crtc_vblank_put(&head->crtc);
		head->crc_vblank_ref = false;
	}
}

/*
 * HEAD_CTRL_CRC is a shadow bit like any other: it takes effect with a
 * COMMIT. Under hw_lock the shadows always hold the last committed state, so
 * re-committing them with only the CRC bit changed is safe.
 */
int fakegpu_crtc_set_crc_source(struct drm_crtc *crtc, const char *source)
{
	struct fakegpu_head *head = crtc_to_head(crtc);
	struct fakegpu_device *fdev = head->fdev;
	bool enable = source && !strcmp(source, "auto");
	int idx, ret = 0;

	mutex_lock(&fdev->hw_lock);
	if (!drm_dev_enter(crtc->dev, &idx)) {
		ret = -ENODEV;
		goto out;
	}
	if (enable) {	/* do not report a CRC left from an earlier session */
		struct fakegpu_shm_status st;

		if (!fdev->use_shm)
			WRITE_ONCE(head->last_crc_frame,
				   fakegpu_head_rd(head, FAKEGPU_HEAD_CRC_FRAME));
		else if (fakegpu_shm_read_status(head, &st))
			WRITE_ONCE(head->last_crc_frame, st.crc_frame);
	}
	WRITE_ONCE(head->crc_enabled, enable);
	if (head->hw_active) {
		/*
		 * A COMMIT that replaces a pending one drops the pending
		 * one's writeback request (ABI 1.2): let it latch first.
		 */
		if (fakegpu_head_wait_latched(head, FAKEGPU_CRC_LATCH_TIMEOUT_US))
			drm_dbg_driver(crtc->dev, "head %u: commit still pending at CRC switch\n",
				       head->index);
		fakegpu_head_wr_shadow(head, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE |
				       (enable ? FAKEGPU_HEAD_CTRL_CRC : 0));
		fakegpu_head_commit(head, false);
	}
	fakegpu_head_crc_vblank_ref(head, enable && head->hw_active);
	drm_dev_exit(idx);
out:
	mutex_unlock(&fdev->hw_lock);
	return ret;
}

/* ---------------------------------------------------------------------- */
/* Writeback completion                                                   */

static void fakegpu_head_writeback(struct fakegpu_head *head, u32 status)
{
	head->wb_vblanks = 0;
	/* A completion without a queued job must not reach the core (WARN). */
	if (atomic_dec_if_positive(&head->wb_pending) < 0) {
		drm_err_ratelimited(&head->fdev->drm, "head %u: writeback interrupt without a job (WB_STATUS %#x)\n",
				    head->index, status);
		return;
	}
	/* All-ones (device gone) has ERROR set too. */
	if ((status & FAKEGPU_WB_STATUS_ERROR) || !(status & FAKEGPU_WB_STATUS_DONE)) {
		drm_err_ratelimited(&head->fdev->drm, "head %u: writeback failed (WB_STATUS %#x)\n",
				    head->index, status);
		drm_writeback_signal_completion(&head->wb, -EIO);
		return;
	}
	drm_writeback_signal_completion(&head->wb, 0);
}

/* ---------------------------------------------------------------------- */
/* Shared pages: events from the status page                              */

/* More completions than this in one interrupt: a device that lies. */
#define FAKEGPU_SHM_MAX_WB_BATCH	4

/*
 * The waiting flip event, if the commit it waits for has latched by @st.
 * LATCHED was read before the vblank waiters woke: an event armed since
 * waits for a later commit number and is not completed here.
 */
static void fakegpu_head_flip_shm(struct fakegpu_head *head,
				  const struct fakegpu_shm_status *st)
{
	struct drm_device *dev = head->crtc.dev;

	spin_lock(&dev->event_lock);
	if (head->event)
		fakegpu_head_event_vblank(head, (s32)(st->latched - head->event_commit) >= 0);
	spin_unlock(&dev->event_lock);
}

/* A vblank of a head whose status record is @st. */
static void fakegpu_head_vblank_shm(struct fakegpu_head *head,
				    const struct fakegpu_shm_status *st)
{
	spin_lock(&head->ts_lock);
	head->shm_frame = st->frame;
	head->shm_vblank_ns = st->vblank_ns;
	spin_unlock(&head->ts_lock);
	WRITE_ONCE(head->last_frame, st->frame);
	drm_crtc_handle_vblank(&head->crtc);
	fakegpu_head_flip_shm(head, st);

	if (READ_ONCE(head->crc_enabled))
		fakegpu_head_crc_entry(head, st->crc_frame, st->crc);
	fakegpu_head_wb_watchdog(head);
}

/*
 * One head's events: the counts in its status record that changed since the
 * last interrupt. Interrupt handler only (the seen_* fields are its own).
 */
static void fakegpu_head_shm_irq(struct fakegpu_head *head, u32 mask, bool *hotplug)
{
	struct fakegpu_shm_status st;
	unsigned int i = head->index, n;
	bool refused = false;

	if (!fakegpu_shm_read_status(head, &st))
		return;		/* being rewritten: the next interrupt sees it */
	if (!head->seen_valid) {
		head->seen_valid = true;
		head->seen_frame = st.frame;
		head->seen_wb = st.wb_count;
		head->seen_refused = st.refused;
		head->seen_hotplug = st.hotplug;
		head->seen_latched = st.latched;
	}
	if (st.hotplug != head->seen_hotplug) {
		head->seen_hotplug = st.hotplug;
		if (mask & FAKEGPU_IRQ_HOTPLUG(i))
			*hotplug = true;
	}
	if (st.refused != head->seen_refused) {
		refused = true;
		head->seen_refused = st.refused;
		drm_err_ratelimited(&head->fdev->drm, "head %u: device refused a commit (error code %u)\n",
				    i, st.error_code);
		/* A refused commit never latches: its writeback never comes. */
		if (head->has_wb)
			fakegpu_head_wb_cancel(head, -EIO);
	}
	if (st.wb_count != head->seen_wb) {
		n = min_t(u32, st.wb_count - head->seen_wb, FAKEGPU_SHM_MAX_WB_BATCH);
		head->seen_wb = st.wb_count;
		while (head->has_wb && n--)
			fakegpu_head_writeback(head, st.wb_status);
	}
	if (st.frame != head->seen_frame) {
		head->seen_frame = st.frame;
		head->frame_stuck_seen = false;
		if (mask & FAKEGPU_IRQ_VBLANK(i))
			fakegpu_head_vblank_shm(head, &st);
	} else if (st.latched != head->seen_latched && !refused) {
		/*
		 * A latch happens at a vblank: the device's frame counter did
		 * not move with it. The flip completes all the same; its
		 * event repeats the last sequence number and timestamp.
		 */
		if (!head->frame_stuck_seen) {
			head->frame_stuck_seen = true;
			drm_err(&head->fdev->drm, "head %u: the device latched a commit but its frame counter stays at %u (reported once until it moves)\n",
				i, st.frame);
		}
		fakegpu_head_flip_shm(head, &st);
	}
	head->seen_latched = st.latched;
}

static void fakegpu_shm_irq(struct fakegpu_device *fdev)
{
	u32 mask = READ_ONCE(fdev->irq_mask);
	bool hotplug = false;
	unsigned int i;

	for (i = 0; i < fdev->caps.num_heads; i++)
		fakegpu_head_shm_irq(&fdev->heads[i], mask, &hotplug);
	if (hotplug)
		schedule_work(&fdev->hotplug_work);
}

/* ---------------------------------------------------------------------- */
/* Interrupt handler                                                      */

/* The IRQ_STATUS bits this device can set; all-ones (gone) is never valid. */
static u32 fakegpu_irq_valid(const struct fakegpu_device *fdev)
{
	u32 valid = 0;
	unsigned int i;

	for (i = 0; i < fdev->caps.num_heads; i++) {
		valid |= FAKEGPU_IRQ_VBLANK(i) | FAKEGPU_IRQ_HOTPLUG(i) |
			 FAKEGPU_IRQ_ERROR(i);
		if (fdev->caps.flags & FAKEGPU_CAP_WRITEBACK)
			valid |= FAKEGPU_IRQ_WRITEBACK(i);
	}
	return valid;
}

/* The interrupt's work, from the handler or the watchdog; irq_serial held. */
static irqreturn_t fakegpu_irq_dispatch(struct fakegpu_device *fdev)
{
	u32 status, mask, valid;
	unsigned int i;

	/* MSI only (never shared): every interrupt is ours. */
	if (READ_ONCE(fdev->use_shm)) {
		fakegpu_shm_irq(fdev);
		return IRQ_HANDLED;
	}

	status = fakegpu_rd(fdev, FAKEGPU_REG_IRQ_STATUS);
	if (!status)
		return IRQ_NONE;	/* shared INTx: not ours */
	valid = fakegpu_irq_valid(fdev);
	if (status & ~valid) {
		/* All-ones: the device is gone, there is nothing to ack. */
		if (status == ~0u && !fakegpu_hw_present(fdev))
			return IRQ_NONE;
		/*
		 * Bits no event of this device sets: a broken device. They are
		 * acked with the rest, so that the line does not stay raised,
		 * and otherwise ignored; the valid bits are still served.
		 */
		if (!fdev->irq_undefined_seen) {
			fdev->irq_undefined_seen = true;
			drm_err(&fdev->drm, "device set undefined IRQ_STATUS bits %#010x (valid %#010x): acked and ignored, reported once\n",
				status & ~valid, valid);
		}
	}

	/* Ack first: an event arriving while we work raises a new interrupt. */
	fakegpu_wr(fdev, FAKEGPU_REG_IRQ_STATUS, status);

	mask = READ_ONCE(fdev->irq_mask);
	status &= mask & valid;

	for (i = 0; i < fdev->caps.num_heads; i++) {
		struct fakegpu_head *head = &fdev->heads[i];

		if (status & FAKEGPU_IRQ_WRITEBACK(i))
			fakegpu_head_writeback(head, fakegpu_head_rd(head, FAKEGPU_HEAD_WB_STATUS));
		if (status & FAKEGPU_IRQ_ERROR(i)) {
			drm_err_ratelimited(&fdev->drm, "head %u: device refused a commit (error code %u)\n",
					    i, fakegpu_head_rd(head, FAKEGPU_HEAD_ERROR_CODE));
			/* A refused commit never latches: its writeback never comes. */
			if (head->has_wb)
				fakegpu_head_wb_cancel(head, -EIO);
		}
		if (status & FAKEGPU_IRQ_VBLANK(i))
			fakegpu_head_vblank(head);
	}

	/* Detection reads registers and takes mode_config locks: not here. */
	if (status & FAKEGPU_IRQ_HOTPLUG_ALL)
		schedule_work(&fdev->hotplug_work);

	return IRQ_HANDLED;
}

static irqreturn_t fakegpu_irq_handler(int irq, void *arg)
{
	struct fakegpu_device *fdev = arg;
	irqreturn_t ret;

	spin_lock(&fdev->irq_serial);
	ret = fakegpu_irq_dispatch(fdev);
	spin_unlock(&fdev->irq_serial);
	if (ret == IRQ_HANDLED)
		atomic_inc(&fdev->irq_count);
	return ret;
}

/*
 * The frame counter of the first head whose vblank interrupt is enabled,
 * and that head's frame period in ms. False if there is none or the device
 * is gone.
 */
static bool fakegpu_wd_sample(struct fakegpu_device *fdev, u32 *frame,
			      unsigned int *period_ms)
{
	u32 vblanks = READ_ONCE(fdev->irq_mask) & FAKEGPU_IRQ_VBLANK_ALL;
	struct fakegpu_head *head;
	struct fakegpu_shm_status st;
	u32 mhz;
	int idx;

	if (!vblanks)
		return false;
	head = &fdev->heads[__ffs(vblanks)];
	if (head->index >= fdev->caps.num_heads)
		return false;
	if (fdev->use_shm) {
		if (!fakegpu_shm_read_status(head, &st))
			return false;
		*frame = st.frame;
	} else {
		if (!drm_dev_enter(&fdev->drm, &idx))
			return false;
		*frame = fakegpu_head_rd(head, FAKEGPU_HEAD_FRAME);
		drm_dev_exit(idx);
		if (*frame == ~0u && !fakegpu_hw_present(fdev))
			return false;
	}
	mhz = READ_ONCE(head->ts_refresh_mhz);
	*period_ms = mhz ? max(1000000u / mhz, 1u) : 16;
	return true;
}

/*
 * The device stopped answering (its process died): no vblank will ever
 * complete the flips that wait, so they complete now; later commits find
 * fdev->gone and do not wait either.
 */
static void fakegpu_irq_device_lost(struct fakegpu_device *fdev)
{
	unsigned int i;

	for (i = 0; i < fdev->caps.num_heads; i++)
		fakegpu_head_flush_event(&fdev->heads[i]);
}

/*
 * A device whose interrupts stop would leave every flip to wait out the
 * kernel's flip_done time-out, one after the other. The watchdog sees its
 * frames pass without interrupts, says so once, and then serves the heads
 * itself once per frame (the interrupt's work, with interrupts off as in
 * the handler) until an interrupt arrives again. No interrupt and no frame
 * either: it asks whether the device is still there, and if not completes
 * the flips that wait for it.
 */
static void fakegpu_irq_watchdog_func(struct work_struct *work)
{
	struct fakegpu_device *fdev = container_of(to_delayed_work(work),
						   struct fakegpu_device, irq_watchdog);
	unsigned int period_ms = FAKEGPU_WD_PERIOD_MS, frame_ms = 16;
	u32 irqs = atomic_read(&fdev->irq_count), frame;
	unsigned long flags;
	bool present, sampled;
	int idx;

	if (READ_ONCE(fdev->gone) || drm_dev_is_unplugged(&fdev->drm))
		return;

	if (fdev->wd_polling) {
		if (irqs != fdev->wd_irqs) {
			fdev->wd_polling = false;
			fdev->wd_strikes = 0;
			drm_info(&fdev->drm, "device interrupts are back\n");
		} else if (drm_dev_enter(&fdev->drm, &idx)) {
			local_irq_save(flags);
			spin_lock(&fdev->irq_serial);
			fakegpu_irq_dispatch(fdev);
			spin_unlock(&fdev->irq_serial);
			local_irq_restore(flags);
			drm_dev_exit(idx);
			if (fakegpu_wd_sample(fdev, &frame, &frame_ms))
				period_ms = frame_ms;
		}
	} else if (!(READ_ONCE(fdev->irq_mask) & FAKEGPU_IRQ_VBLANK_ALL)) {
		/* No vblank interrupt enabled: enable_vblank queues it again. */
		fdev->wd_strikes = 0;
		fdev->wd_have = false;
		return;
	} else if (irqs != fdev->wd_irqs) {
		/* Interrupts came: all is well. */
		fdev->wd_strikes = 0;
		fdev->wd_have = false;
	} else if (!(sampled = fakegpu_wd_sample(fdev, &frame, &frame_ms)) ||
		   (fdev->wd_have && frame == fdev->wd_frame)) {
		/*
		 * No interrupt and no frame: a head that stopped, or a device
		 * that is gone. Only now is the ID register read, so that a
		 * working device costs the watchdog no register access.
		 */
		fdev->wd_strikes = 0;
		if (!drm_dev_enter(&fdev->drm, &idx))
			return;
		present = fakegpu_hw_present(fdev);
		drm_dev_exit(idx);
		if (!present) {
			fakegpu_irq_device_lost(fdev);
			return;
		}
		fdev->wd_have = sampled;
		if (sampled)
			fdev->wd_frame = frame;
	} else {
		/* Frames pass, no interrupt comes. */
		if (fdev->wd_have && frame - fdev->wd_frame >= FAKEGPU_WD_MIN_FRAMES &&
		    frame - fdev->wd_frame < S32_MAX)
			fdev->wd_strikes++;
		else
			fdev->wd_strikes = 0;
		if (fdev->wd_strikes >= FAKEGPU_WD_STRIKES) {
			fdev->wd_polling = true;
			if (!fdev->wd_reported) {
				fdev->wd_reported = true;
				drm_err(&fdev->drm, "device stopped interrupting: %u frames in %u ms without an interrupt; serving vblanks and flips from a timer until it interrupts again (reported once)\n",
					frame - fdev->wd_frame, FAKEGPU_WD_PERIOD_MS);
			}
			period_ms = frame_ms;
		}
		fdev->wd_frame = frame;
		fdev->wd_have = true;
	}
	fdev->wd_irqs = irqs;
	queue_delayed_work(system_wq, &fdev->irq_watchdog, msecs_to_jiffies(period_ms));
}

static void fakegpu_hotplug_work_func(struct work_struct *work)
{
	struct fakegpu_device *fdev = container_of(work, struct fakegpu_device,
						   hotplug_work);
	int idx;

	if (!drm_dev_enter(&fdev->drm, &idx))
		return;
	/* Re-probes every connector and sends one uevent if any changed. */
	drm_helper_hpd_irq_event(&fdev->drm);
	drm_dev_exit(idx);
}

/* devres action: runs before the IRQ is freed (reverse order of setup). */
static void fakegpu_irq_fini(void *arg)
{
	struct fakegpu_device *fdev = arg;
	unsigned long flags;
	unsigned int i;

	/* Silence the device (a vanished one ignores the write), then drain. */
	spin_lock_irqsave(&fdev->irq_lock, flags);
	fdev->irq_mask = 0;
	fakegpu_wr(fdev, FAKEGPU_REG_IRQ_MASK, 0);
	spin_unlock_irqrestore(&fdev->irq_lock, flags);
	cancel_delayed_work_sync(&fdev->irq_watchdog);
	synchronize_irq(fdev->irq);
	cancel_work_sync(&fdev->hotplug_work);

	/* No completion interrupt will come any more. */
	for (i = 0; i < fdev->caps.num_heads; i++)
		if (fdev->heads[i].has_wb)
			fakegpu_head_wb_cancel(&fdev->heads[i], -ENODEV);
}

int fakegpu_irq_init(struct fakegpu_device *fdev)
{
	struct pci_dev *pdev = fdev->pdev;
	struct drm_device *dev = &fdev->drm;
	u32 set = 0;
	unsigned int i;
	bool msi;
	int ret;

	INIT_WORK(&fdev->hotplug_work, fakegpu_hotplug_work_func);
	INIT_DELAYED_WORK(&fdev->irq_watchdog, fakegpu_irq_watchdog_func);
	spin_lock_init(&fdev->irq_serial);

	/*
	 * An MSI is a memory write by the device: without bus mastering QEMU
	 * drops every one of them silently.
	 */
	pci_set_master(pdev);

	/*
	 * MSI first, on its own, so that its failure is logged with the reason:
	 * the INTx fallback works but is a performance cliff under vfio-user.
	 */
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	msi = ret >= 0;
	if (ret < 0) {
		drm_warn(dev, "MSI unavailable (%d), using INTx: QEMU's vfio-user client stops mapping BARs while INTx is pending, VRAM access will be slow\n",
			 ret);
		ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_INTX);
		if (ret < 0) {
			drm_err(dev, "no interrupt vector: %d\n", ret);
			return ret;
		}
	}

	fdev->irq = pci_irq_vector(pdev, 0);
	if (fdev->irq < 0)
		return fdev->irq;

	/* Before the handler: it reads the status page from its first run. */
	ret = fakegpu_shm_init(fdev, msi);
	if (ret)
		return ret;

	/* Shared only matters for the INTx fallback. */
	ret = devm_request_irq(&pdev->dev, fdev->irq, fakegpu_irq_handler,
			       IRQF_SHARED, FAKEGPU_DRIVER_NAME, fdev);
	if (ret) {
		drm_err(dev, "cannot request IRQ %d: %d\n", fdev->irq, ret);
		return ret;
	}
	ret = devm_add_action_or_reset(&pdev->dev, fakegpu_irq_fini, fdev);
	if (ret)
		return ret;

	/*
	 * Refusals are always reported; hotplug and writeback completion if
	 * the device has them (heads are initialised: kms_init runs first).
	 */
	for (i = 0; i < fdev->caps.num_heads; i++) {
		set |= FAKEGPU_IRQ_ERROR(i);
		if (fdev->caps.flags & FAKEGPU_CAP_HOTPLUG)
			set |= FAKEGPU_IRQ_HOTPLUG(i);
		if (fdev->heads[i].has_wb)
			set |= FAKEGPU_IRQ_WRITEBACK(i);
	}
	fakegpu_irq_update_mask(fdev, set, 0);
	return 0;
}
