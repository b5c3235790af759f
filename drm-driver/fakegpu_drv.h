/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fakegpu: private definitions shared by the driver's files.
 *
 * Files and what they own:
 *   fakegpu_drv.c  PCI probe/remove/shutdown, ID/ABI/capability checks,
 *                  register access helpers, struct drm_driver
 *   fakegpu_kms.c  per head: CRTC (gamma), primary + cursor + overlay
 *                  planes (alpha, blend, zpos), encoder, connector (EDID,
 *                  detect), writeback connector, mode config, commit tail
 *   fakegpu_irq.c  interrupt handler, vblank enable/disable, flip-event
 *                  completion, CRC entries, writeback completion, hotplug
 *                  work
 *   fakegpu_shm.c  the shared pages (BAR4): status records, commit
 *                  records, the device clock's offset
 */
#ifndef FAKEGPU_DRV_H
#define FAKEGPU_DRV_H

#include <linux/bitmap.h>
#include <linux/bug.h>
#include <linux/io.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <drm/drm_connector.h>
#include <drm/drm_crtc.h>
#include <drm/drm_device.h>
#include <drm/drm_encoder.h>
#include <drm/drm_plane.h>
#include <drm/drm_vblank.h>
#include <drm/drm_writeback.h>

#include "fakegpu_abi.h"

#define FAKEGPU_DRIVER_NAME	"fakegpu"
#define FAKEGPU_DRIVER_DESC	"fakegpu emulated display GPU"
#define FAKEGPU_DRIVER_DATE	"20261122"
#define FAKEGPU_DRIVER_MAJOR	1
#define FAKEGPU_DRIVER_MINOR	0

/*
 * A flip event waits in the driver until the device reports the commit as
 * latched (HEAD_STATUS.PENDING clear). If the device never clears it we give
 * up after this many vblanks and complete the event anyway, so userspace and
 * the atomic helpers (flip_done) never hang on a broken device.
 */
#define FAKEGPU_LATCH_MAX_VBLANKS	8

/*
 * Same for a writeback job: one that the device has not completed after this
 * many vblanks is failed with -ETIMEDOUT, so its out-fence always signals.
 */
#define FAKEGPU_WB_MAX_VBLANKS		16

/* What the device told us at probe, every value already validated. */
struct fakegpu_caps {
	u32 abi_version;
	u32 flags;		/* FAKEGPU_CAP_* */
	u32 num_heads;		/* 1..FAKEGPU_MAX_HEADS */
	u32 planes_per_head;	/* 1..4 (the plane blocks end at the EDID window) */
	u64 vram_size;		/* bytes, page aligned, <= BAR2 length */
	u32 max_width;
	u32 max_height;
	u32 formats;		/* bit (1 << FAKEGPU_FMT_*) */
	u32 cursor_width;	/* 0 when there is no cursor plane */
	u32 cursor_height;
};

/* The device's ABI minor is at least @minor (probe accepts only our major). */
static inline bool fakegpu_caps_abi_at_least(const struct fakegpu_caps *caps,
					     u32 minor)
{
	return (caps->abi_version & 0xffff) >= minor;
}

/* ABI 1.2 added the per-plane ALPHA/BLEND/ZPOS registers. */
static inline bool fakegpu_caps_have_blend(const struct fakegpu_caps *caps)
{
	return fakegpu_caps_abi_at_least(caps, 2);
}

struct fakegpu_device;

/* A head's record of the shared status page (fakegpu_shm_read_status()). */
struct fakegpu_shm_status {
	u32 frame;		/* HEAD_FRAME */
	u64 vblank_ns;		/* device clock time of that frame's vblank, 0: none */
	u32 latched;		/* commit number last latched or refused */
	u32 status;		/* HEAD_STATUS */
	u32 error_code;
	u32 crc, crc_frame;
	u32 wb_status;
	u32 wb_count, refused, hotplug;	/* event counts */
};

/* Registers of a head block that the shadow cache covers: up to the overlay's. */
#define FAKEGPU_HEAD_SHADOW_REGS	(FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_OVERLAY + 1) / 4)

/* One head: a CRTC with its planes, encoder and connector. */
struct fakegpu_head {
	struct fakegpu_device *fdev;
	unsigned int index;
	u32 regs;		/* FAKEGPU_HEAD_BASE(index) */

	struct drm_crtc crtc;
	struct drm_plane primary;
	struct drm_plane cursor;
	bool has_cursor;
	struct drm_plane overlay;
	bool has_overlay;	/* FAKEGPU_CAP_OVERLAY */
	bool has_gamma;		/* FAKEGPU_CAP_GAMMA */
	struct drm_encoder encoder;
	struct drm_connector connector;

	/* FAKEGPU_CAP_WRITEBACK: one writeback connector per head. */
	struct drm_writeback_connector wb;
	bool has_wb;
	/* Jobs queued to the device, not completed yet. */
	atomic_t wb_pending;
	unsigned int wb_vblanks;	/* irq: vblanks without a completion */

	/*
	 * What the driver last wrote to the head's shadow registers, its own
	 * and its planes' (offset / 4, under fdev->hw_lock); a clear bit in
	 * shadow_known: unknown, the next write goes out. fakegpu_head_wr_shadow().
	 */
	u32 shadow_val[FAKEGPU_HEAD_SHADOW_REGS];
	DECLARE_BITMAP(shadow_known, FAKEGPU_HEAD_SHADOW_REGS);

	bool hw_active;		/* head enabled by the last commit (hw_lock) */
	bool crc_enabled;	/* written under hw_lock, read locklessly in irq */
	bool crc_vblank_ref;	/* CRC holds a vblank reference (hw_lock) */

	/* Protected by drm_device.event_lock. */
	struct drm_pending_vblank_event *event;
	unsigned int event_vblanks;	/* vblanks seen while waiting */

	u32 last_crc_frame;	/* irq only */
	u32 last_frame;		/* last FRAME read, for a device that is gone */
	bool frame_fresh;	/* last_frame read by this vblank interrupt */

	/*
	 * Shared pages: the commit record's SEQ and COMMIT number as this
	 * driver wrote them, whether a record is being written (all three
	 * under fdev->hw_lock); the commit number the waiting flip event
	 * needs latched (event_lock); the status counts last handled
	 * (interrupt handler only).
	 */
	u32 cm_seq, cm_commit;
	bool cm_open;
	u32 event_commit;
	bool latch_stuck;	/* a flip completed unlatched, reported (event_lock) */
	bool seen_valid;
	u32 seen_frame, seen_wb, seen_refused, seen_hotplug, seen_latched;
	bool frame_stuck_seen;	/* a latch without a new frame reported */

	/* Vblank timestamp model (fakegpu_crtc_get_vblank_timestamp). */
	spinlock_t ts_lock;
	/* Shared pages: the frame and its device vblank time, read together. */
	u32 shm_frame;
	u64 shm_vblank_ns;
	u32 ts_refresh_mhz;	/* 0: no model, DRM takes the interrupt time */
	bool ts_behind_seen;	/* a device vblank time far behind reported */
	bool ts_valid;
	u32 ts_frame;		/* FRAME of the anchor */
	ktime_t ts_base;	/* its vblank time */
};

struct fakegpu_device {
	struct drm_device drm;		/* first: devm_drm_dev_alloc() */
	struct pci_dev *pdev;

	void __iomem *mmio;
	resource_size_t mmio_size;
	resource_size_t vram_base;

	struct fakegpu_caps caps;

	/* Per device: gamma_set and the CRC hooks depend on the caps. */
	struct drm_crtc_funcs crtc_funcs;

	/*
	 * Serialises programming of shadow registers + COMMIT across heads:
	 * the commit tail holds it around the plane commit (atomic_begin ..
	 * atomic_flush), atomic_disable and the CRC source switch take it.
	 * Without it a CRC switch could latch a half-written configuration.
	 */
	struct mutex hw_lock;

	/* IRQ_MASK is read-modify-written from several contexts. */
	spinlock_t irq_lock;
	u32 irq_mask;
	int irq;

	struct work_struct hotplug_work;

	/*
	 * Interrupts that stop (fakegpu_irq_watchdog_func): the handler and
	 * the watchdog's polling run one at a time (irq_serial); irq_count
	 * counts the real interrupts; the wd_* fields are the watchdog's own.
	 */
	struct delayed_work irq_watchdog;
	spinlock_t irq_serial;
	atomic_t irq_count;
	u32 wd_irqs, wd_frame;
	unsigned int wd_strikes;
	bool wd_have, wd_polling, wd_reported;
	bool gone;			/* the ID register stopped reading MAGIC */
	bool irq_undefined_seen;	/* undefined IRQ_STATUS bits reported */

	/*
	 * Shared pages (fakegpu_shm.c): BAR4 mapped, NULL without; use_shm
	 * once the device took them (set at probe, cleared only if a resume
	 * fails). The device clock's offset from ktime (device - ktime, ns)
	 * and the span of the read that measured it, under clk_lock.
	 */
	void *shm;
	bool use_shm;
	spinlock_t clk_lock;
	bool clk_valid;
	s64 clk_offset;
	s64 clk_span;
	struct delayed_work clk_work;

	struct fakegpu_head heads[FAKEGPU_MAX_HEADS];
};

static inline struct fakegpu_device *to_fakegpu(const struct drm_device *dev)
{
	return container_of(dev, struct fakegpu_device, drm);
}

static inline struct fakegpu_head *crtc_to_head(const struct drm_crtc *crtc)
{
	return container_of(crtc, struct fakegpu_head, crtc);
}

static inline struct fakegpu_head *connector_to_head(const struct drm_connector *c)
{
	return container_of(c, struct fakegpu_head, connector);
}

/* ---- fakegpu_drv.c: register access ------------------------------------- */

/*
 * Plain accessors; callers that can run after unplug guard them with
 * drm_dev_enter()/drm_dev_exit(). The mapping itself stays valid until the
 * devres teardown, which runs after the IRQ is freed.
 */
static inline u32 fakegpu_rd(struct fakegpu_device *fdev, u32 reg)
{
	return readl(fdev->mmio + reg);
}

static inline void fakegpu_wr(struct fakegpu_device *fdev, u32 reg, u32 val)
{
	writel(val, fdev->mmio + reg);
}

static inline u32 fakegpu_head_rd(struct fakegpu_head *head, u32 reg)
{
	return readl(head->fdev->mmio + head->regs + reg);
}

static inline void fakegpu_head_wr(struct fakegpu_head *head, u32 reg, u32 val)
{
	writel(val, head->fdev->mmio + head->regs + reg);
}

/*
 * Shadow registers keep the value last written until the next write or a
 * device reset (docs/device-abi.md, section 5), and over vfio-user every
 * register access is a message to the device process, 100-200 us each under
 * TCG. A page flip that rewrote the whole head (about 20 accesses) changes
 * one register; so the head's CTRL, mode and plane registers are written
 * through this cache, which skips a write of the value the register holds.
 * Caller holds fdev->hw_lock and is inside drm_dev_enter().
 */
void fakegpu_shm_cm_write(struct fakegpu_head *head, u32 reg, u32 val);
u32 fakegpu_shm_commit(struct fakegpu_head *head, bool doorbell);

static inline void fakegpu_head_wr_shadow(struct fakegpu_head *head, u32 reg, u32 val)
{
	unsigned int i = reg / 4;

	lockdep_assert_held(&head->fdev->hw_lock);
	/* With the shared pages the shadows are memory: no cache needed. */
	if (head->fdev->use_shm) {
		fakegpu_shm_cm_write(head, reg, val);
		return;
	}
	if (WARN_ON_ONCE(i >= FAKEGPU_HEAD_SHADOW_REGS)) {
		fakegpu_head_wr(head, reg, val);
		return;
	}
	if (test_bit(i, head->shadow_known) && head->shadow_val[i] == val)
		return;
	fakegpu_head_wr(head, reg, val);
	head->shadow_val[i] = val;
	__set_bit(i, head->shadow_known);
}

/*
 * The device's shadows may no longer hold what the cache says (it was
 * reset, or a modeset wants everything written): write all of them again.
 */
static inline void fakegpu_head_shadow_forget(struct fakegpu_head *head)
{
	lockdep_assert_held(&head->fdev->hw_lock);
	bitmap_zero(head->shadow_known, FAKEGPU_HEAD_SHADOW_REGS);
}

/* Plane registers are all shadows: cached. */
static inline void fakegpu_plane_wr(struct fakegpu_head *head, unsigned int plane,
				    u32 reg, u32 val)
{
	fakegpu_head_wr_shadow(head, FAKEGPU_PLANE_BASE(plane) + reg, val);
}

/*
 * Commit the head's shadow registers: through the commit page with the
 * shared pages (@doorbell: the head is off, or gamma/writeback registers
 * were written for this commit), else the COMMIT register. Caller holds
 * fdev->hw_lock and is inside drm_dev_enter().
 */
static inline void fakegpu_head_commit(struct fakegpu_head *head, bool doorbell)
{
	if (head->fdev->use_shm)
		fakegpu_shm_commit(head, doorbell);
	else
		fakegpu_head_wr(head, FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
}

bool fakegpu_hw_present(struct fakegpu_device *fdev);
int fakegpu_bo_pin_vram(struct drm_gem_object *obj);
void fakegpu_bo_unpin(struct drm_gem_object *obj);

/* ---- fakegpu_kms.c ---------------------------------------------------- */

int fakegpu_kms_init(struct fakegpu_device *fdev);
u32 fakegpu_fourcc_to_hw(u32 fourcc);
int fakegpu_head_wait_latched(struct fakegpu_head *head, u64 timeout_us);
void fakegpu_head_wb_queue(struct fakegpu_head *head,
			   struct drm_connector_state *conn_state);
void fakegpu_head_wb_cancel(struct fakegpu_head *head, int status);

/* ---- fakegpu_irq.c ---------------------------------------------------- */

int fakegpu_irq_init(struct fakegpu_device *fdev);
void fakegpu_irq_update_mask(struct fakegpu_device *fdev, u32 set, u32 clear);
int fakegpu_crtc_enable_vblank(struct drm_crtc *crtc);
void fakegpu_crtc_disable_vblank(struct drm_crtc *crtc);
u32 fakegpu_crtc_get_vblank_counter(struct drm_crtc *crtc);
bool fakegpu_crtc_get_vblank_timestamp(struct drm_crtc *crtc, int *max_error,
				       ktime_t *vblank_time, bool in_vblank_irq);
void fakegpu_head_ts_reset(struct fakegpu_head *head, u32 refresh_mhz);
void fakegpu_head_arm_event(struct fakegpu_head *head,
			    struct drm_pending_vblank_event *event, bool committed);
void fakegpu_head_flush_event(struct fakegpu_head *head);
void fakegpu_head_crc_vblank_ref(struct fakegpu_head *head, bool want);

/* ---- fakegpu_shm.c ---------------------------------------------------- */

int fakegpu_shm_init(struct fakegpu_device *fdev, bool msi);
void fakegpu_shm_resume(struct fakegpu_device *fdev);
bool fakegpu_shm_read_status(struct fakegpu_head *head, struct fakegpu_shm_status *st);
int fakegpu_shm_wait_latched(struct fakegpu_head *head, u64 timeout_us);
bool fakegpu_shm_dev_to_ktime(struct fakegpu_device *fdev, u64 dev_ns, ktime_t *t);
u32 fakegpu_shm_dev_now_us(struct fakegpu_device *fdev);

/* CRC (debugfs crtc-N/crc), in fakegpu_irq.c next to the entry producer. */
const char *const *fakegpu_crtc_get_crc_sources(struct drm_crtc *crtc,
						size_t *count);
int fakegpu_crtc_verify_crc_source(struct drm_crtc *crtc, const char *source,
				   size_t *values_cnt);
int fakegpu_crtc_set_crc_source(struct drm_crtc *crtc, const char *source);

#endif /* FAKEGPU_DRV_H */
