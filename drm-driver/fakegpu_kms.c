// SPDX-License-Identifier: GPL-2.0
/*
 * fakegpu: KMS objects. Each head of the device is one pipeline:
 *
 *   primary plane (+ cursor, + overlay plane) -> CRTC -> encoder -> connector
 *                                                    \-> writeback connector
 *
 * DOC: commit model
 *
 * The device has shadow registers per head that it copies into its active
 * state at its next vblank after the driver writes HEAD_COMMIT (at once when
 * the head is off). The atomic commit therefore writes the shadows from the
 * plane and CRTC callbacks and issues exactly one COMMIT per head, in
 * atomic_flush. Shadows keep their values between commits, so these writes
 * go through a per-head cache (fakegpu_head_wr_shadow()): a page flip costs
 * the buffer offset, COMMIT and one STATUS read instead of every register
 * of the head. With the shared pages (fakegpu_shm.c) the shadows are a
 * commit record in memory that the device takes at its vblank, and a flip
 * costs no register access at all. The flip event is not armed on the DRM vblank counter
 * (drm_crtc_arm_vblank_event()): with vfio-user the COMMIT write and the
 * vblank interrupt travel on different channels, so "the next vblank the
 * driver counts" and "the vblank at which the device latched" can differ by
 * one frame. The interrupt handler completes the event once HEAD_STATUS no
 * longer reports the commit PENDING (fakegpu_irq.c), and the commit tail waits
 * for that (flip_done) before unpinning the previous buffers.
 */

#include <linux/iopoll.h>
#include <linux/math64.h>

#include <drm/drm_atomic.h>
#include <drm/drm_atomic_helper.h>
#include <drm/drm_blend.h>
#include <drm/drm_color_mgmt.h>
#include <drm/drm_drv.h>
#include <drm/drm_edid.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_framebuffer.h>
#include <drm/drm_gem_framebuffer_helper.h>
#include <drm/drm_gem_vram_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_modeset_helper_vtables.h>
#include <drm/drm_print.h>
#include <drm/drm_probe_helper.h>
#include <drm/drm_writeback.h>

#include "fakegpu_compat.h"
#include "fakegpu_drv.h"

/*
 * Refresh range the device accepts (docs/device-abi.md); modes outside it
 * would be refused with FAKEGPU_ERR_MODE at latch time, so filter them here.
 */
#define FAKEGPU_REFRESH_MIN_MHZ		1000
#define FAKEGPU_REFRESH_MAX_MHZ		240000

/* Largest framebuffer side (a desktop across heads), as most KMS drivers. */
#define FAKEGPU_FB_MAX_SIZE		16384

/* Used when the connector has no (valid) EDID. */
#define FAKEGPU_FALLBACK_WIDTH		1024
#define FAKEGPU_FALLBACK_HEIGHT		768

/* ---------------------------------------------------------------------- */
/* Formats and modes                                                      */

static const struct {
	u32 fourcc;
	u32 hw;
} fakegpu_formats[] = {
	{ DRM_FORMAT_XRGB8888, FAKEGPU_FMT_XRGB8888 },
	{ DRM_FORMAT_ARGB8888, FAKEGPU_FMT_ARGB8888 },
	{ DRM_FORMAT_RGB565,   FAKEGPU_FMT_RGB565 },
	{ DRM_FORMAT_ARGB1555, FAKEGPU_FMT_ARGB1555 },
};

static const u32 fakegpu_cursor_formats[] = {
	DRM_FORMAT_ARGB8888,	/* the only cursor format of the ABI */
};

u32 fakegpu_fourcc_to_hw(u32 fourcc)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fakegpu_formats); i++)
		if (fakegpu_formats[i].fourcc == fourcc)
			return fakegpu_formats[i].hw;
	return 0;
}

/* Refresh rate in milli-Hz, exact from the pixel clock rather than rounded Hz. */
static u32 fakegpu_mode_refresh_mhz(const struct drm_display_mode *mode)
{
	u64 pixels = (u64)mode->htotal * mode->vtotal;
	u64 mhz;

	if (!pixels || mode->clock <= 0)
		return 0;
	mhz = div64_u64((u64)mode->clock * 1000000 + pixels / 2, pixels);
	return mhz > U32_MAX ? U32_MAX : (u32)mhz;
}

static enum drm_mode_status fakegpu_mode_check(struct fakegpu_device *fdev,
					       const struct drm_display_mode *mode)
{
	u32 refresh;

	if (mode->flags & DRM_MODE_FLAG_INTERLACE)
		return MODE_NO_INTERLACE;
	if (mode->flags & DRM_MODE_FLAG_DBLSCAN || mode->vscan > 1)
		return MODE_NO_DBLESCAN;
	if (!mode->hdisplay || mode->hdisplay > fdev->caps.max_width)
		return MODE_BAD_HVALUE;
	if (!mode->vdisplay || mode->vdisplay > fdev->caps.max_height)
		return MODE_BAD_VVALUE;
	refresh = fakegpu_mode_refresh_mhz(mode);
	if (refresh < FAKEGPU_REFRESH_MIN_MHZ)
		return MODE_CLOCK_LOW;
	if (refresh > FAKEGPU_REFRESH_MAX_MHZ)
		return MODE_CLOCK_HIGH;
	return MODE_OK;
}

/* ---------------------------------------------------------------------- */
/* Planes                                                                 */

/* A head has at most one plane of each type. */
static struct fakegpu_head *plane_to_head(struct drm_plane *plane)
{
	switch (plane->type) {
	case DRM_PLANE_TYPE_CURSOR:
		return container_of(plane, struct fakegpu_head, cursor);
	case DRM_PLANE_TYPE_OVERLAY:
		return container_of(plane, struct fakegpu_head, overlay);
	default:
		return container_of(plane, struct fakegpu_head, primary);
	}
}

static unsigned int plane_to_hw(struct drm_plane *plane)
{
	switch (plane->type) {
	case DRM_PLANE_TYPE_CURSOR:
		return FAKEGPU_PLANE_CURSOR;
	case DRM_PLANE_TYPE_OVERLAY:
		return FAKEGPU_PLANE_OVERLAY;
	default:
		return FAKEGPU_PLANE_PRIMARY;
	}
}

static u32 fakegpu_blend_to_hw(u16 mode)
{
	switch (mode) {
	case DRM_MODE_BLEND_PIXEL_NONE:
		return FAKEGPU_BLEND_NONE;
	case DRM_MODE_BLEND_COVERAGE:
		return FAKEGPU_BLEND_COVERAGE;
	default:
		return FAKEGPU_BLEND_PREMULTI;
	}
}

static int fakegpu_plane_helper_atomic_check(struct drm_plane *plane,
					     struct fakegpu_atomic_state *state)
{
	struct drm_plane_state *new_state = drm_atomic_get_new_plane_state(state, plane);
	struct fakegpu_device *fdev = to_fakegpu(plane->dev);
	struct drm_framebuffer *fb = new_state->fb;
	struct drm_crtc_state *crtc_state = NULL;
	u32 src_w, src_h;
	int ret;

	if (new_state->crtc)
		crtc_state = drm_atomic_get_new_crtc_state(state, new_state->crtc);

	/*
	 * The device composes unscaled planes at a signed position and clips
	 * nothing itself in the driver's favour: clip here (the helper fills
	 * src/dst with the visible part) and program the clipped rectangles.
	 */
	ret = drm_atomic_helper_check_plane_state(new_state, crtc_state,
						  DRM_PLANE_NO_SCALING,
						  DRM_PLANE_NO_SCALING,
						  true, true);
	if (ret || !new_state->visible)
		return ret;

	/* Registers take whole pixels. */
	if ((new_state->src.x1 | new_state->src.y1 |
	     new_state->src.x2 | new_state->src.y2) & 0xffff) {
		drm_dbg_atomic(plane->dev, "[PLANE:%d:%s] sub-pixel source rectangle\n",
			       plane->base.id, plane->name);
		return -EINVAL;
	}

	/* The device wants the pitch in whole pixels of the format. */
	if (fb->pitches[0] % fb->format->cpp[0]) {
		drm_dbg_atomic(plane->dev, "[PLANE:%d:%s] pitch %u not a multiple of %u\n",
			       plane->base.id, plane->name, fb->pitches[0],
			       fb->format->cpp[0]);
		return -EINVAL;
	}

	src_w = drm_rect_width(&new_state->src) >> 16;
	src_h = drm_rect_height(&new_state->src) >> 16;
	if (plane->type == DRM_PLANE_TYPE_CURSOR &&
	    (fb->width > fdev->caps.cursor_width ||
	     fb->height > fdev->caps.cursor_height)) {
		drm_dbg_atomic(plane->dev, "[PLANE:%d:%s] cursor %ux%u larger than %ux%u\n",
			       plane->base.id, plane->name, fb->width, fb->height,
			       fdev->caps.cursor_width, fdev->caps.cursor_height);
		return -EINVAL;
	}
	if (src_w > fdev->caps.max_width || src_h > fdev->caps.max_height)
		return -EINVAL;

	return 0;
}

static void fakegpu_plane_hw_disable(struct fakegpu_head *head, unsigned int hw)
{
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_CTRL, 0);
}

/* Worst-case wait for the device to latch a commit: a few frames. */
static u64 fakegpu_latch_timeout_us(u32 refresh_mhz)
{
	u64 frame_us = refresh_mhz ? div_u64(1000000000ULL, refresh_mhz) : USEC_PER_SEC;

	return min_t(u64, 3 * frame_us + 20 * USEC_PER_MSEC, 3 * USEC_PER_SEC);
}

/*
 * Wait until the head's last COMMIT has latched (STATUS.PENDING clear) or the
 * device is gone (all-ones). 0 or -ETIMEDOUT.
 */
int fakegpu_head_wait_latched(struct fakegpu_head *head, u64 timeout_us)
{
	u32 status;

	if (head->fdev->use_shm)
		return fakegpu_shm_wait_latched(head, timeout_us);
	return read_poll_timeout(fakegpu_head_rd, status,
				 !(status & FAKEGPU_HEAD_STATUS_PENDING) || status == ~0u,
				 USEC_PER_MSEC, timeout_us, false, head,
				 FAKEGPU_HEAD_STATUS);
}

/* Write a plane's registers from its (checked) state; no COMMIT. */
static void fakegpu_plane_program(struct fakegpu_head *head, unsigned int hw,
				  const struct drm_plane_state *new_state)
{
	struct drm_framebuffer *fb = new_state->fb;
	struct drm_gem_vram_object *gbo;
	s64 gpu_addr;
	u64 offset;

	if (!new_state->visible || !fb) {
		fakegpu_plane_hw_disable(head, hw);
		return;
	}

	gbo = drm_gem_vram_of_gem(fb->obj[0]);
	gpu_addr = drm_gem_vram_offset(gbo);
	if (WARN_ON_ONCE(gpu_addr < 0)) {
		/* Bug: prepare_fb did not pin the buffer into VRAM. */
		fakegpu_plane_hw_disable(head, hw);
		return;
	}
	offset = (u64)gpu_addr + fb->offsets[0];

	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_FORMAT,
			 fakegpu_fourcc_to_hw(fb->format->format));
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_OFFSET_LO, lower_32_bits(offset));
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_OFFSET_HI, upper_32_bits(offset));
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_PITCH, fb->pitches[0]);
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_SRC_X, new_state->src.x1 >> 16);
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_SRC_Y, new_state->src.y1 >> 16);
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_SRC_W,
			 drm_rect_width(&new_state->src) >> 16);
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_SRC_H,
			 drm_rect_height(&new_state->src) >> 16);
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_DST_X, (u32)new_state->dst.x1);
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_DST_Y, (u32)new_state->dst.y1);
	if (fakegpu_caps_have_blend(&head->fdev->caps)) {
		/* Reset values (opaque, pre-multiplied) without the properties. */
		fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_ALPHA, new_state->alpha);
		fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_BLEND,
				 fakegpu_blend_to_hw(new_state->pixel_blend_mode));
		/* mode_config.normalize_zpos: unique, 0..planes-1 on the CRTC. */
		fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_ZPOS,
				 new_state->normalized_zpos);
	}
	fakegpu_plane_wr(head, hw, FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
}

static void fakegpu_plane_helper_atomic_update(struct drm_plane *plane,
					       struct fakegpu_atomic_state *state)
{
	int idx;

	if (!drm_dev_enter(plane->dev, &idx))
		return;
	fakegpu_plane_program(plane_to_head(plane), plane_to_hw(plane),
			      drm_atomic_get_new_plane_state(state, plane));
	drm_dev_exit(idx);
}

static void fakegpu_plane_helper_atomic_disable(struct drm_plane *plane,
						struct fakegpu_atomic_state *state)
{
	int idx;

	if (!drm_dev_enter(plane->dev, &idx))
		return;
	fakegpu_plane_hw_disable(plane_to_head(plane), plane_to_hw(plane));
	drm_dev_exit(idx);
}

/*
 * Legacy cursor updates (DRM_IOCTL_MODE_CURSOR*) of a cursor that stays
 * visible on an active head skip the commit machinery: the registers are
 * written and committed at once and the device latches them at the next
 * vblank together with whatever is pending (a page flip's primary plane:
 * shadows are per head, one COMMIT latches them all). So a cursor move does
 * not wait for a pending flip. Anything else (cursor on/off, a head being
 * switched) takes the normal commit. A cursor COMMIT that lands between a
 * flip's latch and its interrupt makes the handler see PENDING again, so
 * that flip's event comes one frame later; nothing is lost.
 */
static int fakegpu_cursor_helper_atomic_async_check(FAKEGPU_ASYNC_CHECK_ARGS)
{
	struct drm_plane_state *new_state = drm_atomic_get_new_plane_state(state, plane);
	struct drm_plane_state *old_state = plane->state;
	struct drm_crtc_state *crtc_state;
	int ret;

	if (!new_state->crtc || !new_state->fb || !old_state->fb || !old_state->visible)
		return -EINVAL;
	crtc_state = drm_atomic_get_new_crtc_state(state, new_state->crtc);
	if (!crtc_state || !crtc_state->active || drm_atomic_crtc_needs_modeset(crtc_state))
		return -EINVAL;
	ret = fakegpu_plane_helper_atomic_check(plane, state);
	if (ret)
		return ret;
	return new_state->visible ? 0 : -EINVAL;
}

static void fakegpu_cursor_helper_atomic_async_update(struct drm_plane *plane,
						      struct fakegpu_atomic_state *state)
{
	struct drm_plane_state *new_state = drm_atomic_get_new_plane_state(state, plane);
	struct drm_plane_state *cur = plane->state;
	struct fakegpu_head *head = plane_to_head(plane);
	struct drm_crtc_state *crtc_state =
		drm_atomic_get_new_crtc_state(state, new_state->crtc);
	u32 refresh_mhz = fakegpu_mode_refresh_mhz(&crtc_state->adjusted_mode);
	int idx;

	/*
	 * Update the current state in place (the helper's contract). The old
	 * framebuffer goes to new_state, whose cleanup unpins it: it may be
	 * scanned out until the next vblank, and VRAM helper buffers stay put
	 * while nothing else needs the space.
	 */
	swap(cur->fb, new_state->fb);
	cur->crtc_x = new_state->crtc_x;
	cur->crtc_y = new_state->crtc_y;
	cur->crtc_w = new_state->crtc_w;
	cur->crtc_h = new_state->crtc_h;
	cur->src_x = new_state->src_x;
	cur->src_y = new_state->src_y;
	cur->src_w = new_state->src_w;
	cur->src_h = new_state->src_h;
	cur->src = new_state->src;
	cur->dst = new_state->dst;
	cur->visible = new_state->visible;

	mutex_lock(&head->fdev->hw_lock);
	if (head->hw_active && drm_dev_enter(plane->dev, &idx)) {
		/*
		 * A COMMIT replacing a pending one drops its writeback request
		 * (ABI 1.2): let a pending writeback commit latch first.
		 */
		if (atomic_read(&head->wb_pending) &&
		    fakegpu_head_wait_latched(head, fakegpu_latch_timeout_us(refresh_mhz)))
			drm_dbg_driver(plane->dev, "head %u: commit still pending at cursor update\n",
				       head->index);
		fakegpu_plane_program(head, plane_to_hw(plane), cur);
		fakegpu_head_commit(head, false);
		drm_dev_exit(idx);
	}
	mutex_unlock(&head->fdev->hw_lock);
}

static const struct drm_plane_helper_funcs fakegpu_plane_helper_funcs = {
	/* Pin into VRAM for scanout, unpin after: the GEM VRAM helpers. */
	DRM_GEM_VRAM_PLANE_HELPER_FUNCS,
	.atomic_check	= fakegpu_plane_helper_atomic_check,
	.atomic_update	= fakegpu_plane_helper_atomic_update,
	.atomic_disable	= fakegpu_plane_helper_atomic_disable,
};

static const struct drm_plane_helper_funcs fakegpu_cursor_helper_funcs = {
	DRM_GEM_VRAM_PLANE_HELPER_FUNCS,
	.atomic_check		= fakegpu_plane_helper_atomic_check,
	.atomic_update		= fakegpu_plane_helper_atomic_update,
	.atomic_disable		= fakegpu_plane_helper_atomic_disable,
	.atomic_async_check	= fakegpu_cursor_helper_atomic_async_check,
	.atomic_async_update	= fakegpu_cursor_helper_atomic_async_update,
};

static const struct drm_plane_funcs fakegpu_plane_funcs = {
	.update_plane		= drm_atomic_helper_update_plane,
	.disable_plane		= drm_atomic_helper_disable_plane,
	.destroy		= drm_plane_cleanup,
	.reset			= drm_atomic_helper_plane_reset,
	.atomic_duplicate_state	= drm_atomic_helper_plane_duplicate_state,
	.atomic_destroy_state	= drm_atomic_helper_plane_destroy_state,
};

/* ---------------------------------------------------------------------- */
/* CRTC                                                                   */

static enum drm_mode_status fakegpu_crtc_helper_mode_valid(struct drm_crtc *crtc,
							   const struct drm_display_mode *mode)
{
	return fakegpu_mode_check(to_fakegpu(crtc->dev), mode);
}

static int fakegpu_crtc_helper_atomic_check(struct drm_crtc *crtc,
					    struct fakegpu_atomic_state *state)
{
	struct drm_crtc_state *crtc_state = drm_atomic_get_new_crtc_state(state, crtc);
	enum drm_mode_status status;

	/* The core accepts a GAMMA_LUT blob of any whole number of entries. */
	if (crtc_state->color_mgmt_changed && crtc_state->gamma_lut &&
	    drm_color_lut_size(crtc_state->gamma_lut) != FAKEGPU_GAMMA_SIZE) {
		drm_dbg_atomic(crtc->dev, "[CRTC:%d:%s] gamma LUT of %d entries, need %u\n",
			       crtc->base.id, crtc->name,
			       drm_color_lut_size(crtc_state->gamma_lut),
			       FAKEGPU_GAMMA_SIZE);
		return -EINVAL;
	}

	if (!crtc_state->active)
		return 0;
	status = fakegpu_mode_check(to_fakegpu(crtc->dev), &crtc_state->adjusted_mode);
	if (status != MODE_OK) {
		drm_dbg_atomic(crtc->dev, "[CRTC:%d:%s] mode " DRM_MODE_FMT " rejected: %d\n",
			       crtc->base.id, crtc->name,
			       DRM_MODE_ARG(&crtc_state->adjusted_mode), status);
		return -EINVAL;
	}
	return 0;
}

static void fakegpu_crtc_helper_atomic_enable(struct drm_crtc *crtc,
					      struct fakegpu_atomic_state *state)
{
	struct drm_crtc_state *crtc_state = drm_atomic_get_new_crtc_state(state, crtc);
	struct fakegpu_head *head = crtc_to_head(crtc);

	/*
	 * The head itself is switched on by the COMMIT in atomic_flush, with
	 * its planes: one latch, no half-configured frame. The device's timing
	 * restarts then: so does the timestamp model. A modeset writes every
	 * shadow again, so it also repairs a device reset behind our back.
	 */
	mutex_lock(&head->fdev->hw_lock);
	fakegpu_head_shadow_forget(head);
	mutex_unlock(&head->fdev->hw_lock);
	fakegpu_head_ts_reset(head, fakegpu_mode_refresh_mhz(&crtc_state->adjusted_mode));
	drm_crtc_vblank_on(crtc);
}

/* Caller holds fdev->hw_lock and is inside drm_dev_enter(). */
static void fakegpu_head_hw_off(struct fakegpu_head *head, u32 refresh_mhz)
{
	struct fakegpu_device *fdev = head->fdev;

	fakegpu_head_wr_shadow(head, FAKEGPU_HEAD_CTRL, 0);
	fakegpu_plane_hw_disable(head, FAKEGPU_PLANE_PRIMARY);
	if (head->has_cursor)
		fakegpu_plane_hw_disable(head, FAKEGPU_PLANE_CURSOR);
	if (head->has_overlay)
		fakegpu_plane_hw_disable(head, FAKEGPU_PLANE_OVERLAY);
	/* A head the device already has off has no vblank to take it at. */
	fakegpu_head_commit(head, !head->hw_active);

	/*
	 * The device scans the old buffers out until its next vblank and the
	 * commit tail unpins them as soon as we return: wait for the latch.
	 */
	if (fakegpu_head_wait_latched(head, fakegpu_latch_timeout_us(refresh_mhz)))
		drm_warn(&fdev->drm, "head %u: device did not switch off in time\n",
			 head->index);
}

static void fakegpu_crtc_helper_atomic_disable(struct drm_crtc *crtc,
					       struct fakegpu_atomic_state *state)
{
	struct drm_crtc_state *old_state = drm_atomic_get_old_crtc_state(state, crtc);
	struct fakegpu_head *head = crtc_to_head(crtc);
	struct fakegpu_device *fdev = head->fdev;
	struct drm_device *dev = crtc->dev;
	int idx;

	mutex_lock(&fdev->hw_lock);
	if (drm_dev_enter(dev, &idx)) {
		fakegpu_head_hw_off(head, fakegpu_mode_refresh_mhz(&old_state->adjusted_mode));
		drm_dev_exit(idx);
	}
	head->hw_active = false;
	fakegpu_head_crc_vblank_ref(head, false);
	mutex_unlock(&fdev->hw_lock);

	drm_crtc_vblank_off(crtc);
	fakegpu_head_flush_event(head);

	/* A CRTC that stays off gets no flush: complete its event here. */
	spin_lock_irq(&dev->event_lock);
	if (crtc->state->event && !crtc->state->active) {
		drm_crtc_send_vblank_event(crtc, crtc->state->event);
		crtc->state->event = NULL;
	}
	spin_unlock_irq(&dev->event_lock);
}

/*
 * The LUT is a shadow captured by the next COMMIT, like GAMMA_CTRL. DRM
 * entries are 16 bits per channel, the device's 8. A NULL LUT (the default)
 * is the identity: gamma off.
 */
static void fakegpu_head_write_gamma(struct fakegpu_head *head,
				     const struct drm_property_blob *blob)
{
	const struct drm_color_lut *lut;
	unsigned int i;

	if (!blob) {
		fakegpu_head_wr(head, FAKEGPU_HEAD_GAMMA_CTRL, 0);
		return;
	}
	lut = blob->data;	/* FAKEGPU_GAMMA_SIZE entries: atomic_check */
	fakegpu_head_wr(head, FAKEGPU_HEAD_GAMMA_INDEX, 0);
	for (i = 0; i < FAKEGPU_GAMMA_SIZE; i++)
		fakegpu_head_wr(head, FAKEGPU_HEAD_GAMMA_DATA,
				(lut[i].red >> 8) << 16 | (lut[i].green >> 8) << 8 |
				lut[i].blue >> 8);
	fakegpu_head_wr(head, FAKEGPU_HEAD_GAMMA_CTRL, FAKEGPU_GAMMA_CTRL_ENABLE);
}

/*
 * Program the one-shot writeback of the frame this commit latches, and hand
 * the job to the writeback core before COMMIT: its completion interrupt may
 * come as soon as the device latches.
 */
static void fakegpu_head_write_wb(struct fakegpu_head *head,
				  struct drm_connector_state *conn_state)
{
	struct drm_framebuffer *fb = conn_state->writeback_job->fb;
	struct drm_gem_vram_object *gbo = drm_gem_vram_of_gem(fb->obj[0]);
	s64 gpu_addr = drm_gem_vram_offset(gbo);
	u64 offset;

	fakegpu_head_wb_queue(head, conn_state);
	if (WARN_ON_ONCE(gpu_addr < 0)) {
		/* Bug: prepare_writeback_job did not pin the buffer. */
		fakegpu_head_wb_cancel(head, -EIO);
		fakegpu_head_wr(head, FAKEGPU_HEAD_WB_CTRL, 0);
		return;
	}
	offset = (u64)gpu_addr + fb->offsets[0];
	fakegpu_head_wr(head, FAKEGPU_HEAD_WB_OFFSET_LO, lower_32_bits(offset));
	fakegpu_head_wr(head, FAKEGPU_HEAD_WB_OFFSET_HI, upper_32_bits(offset));
	fakegpu_head_wr(head, FAKEGPU_HEAD_WB_PITCH, fb->pitches[0]);
	fakegpu_head_wr(head, FAKEGPU_HEAD_WB_FORMAT,
			fakegpu_fourcc_to_hw(fb->format->format));
	fakegpu_head_wr(head, FAKEGPU_HEAD_WB_CTRL, FAKEGPU_WB_CTRL_ENABLE);
}

static void fakegpu_crtc_helper_atomic_flush(struct drm_crtc *crtc,
					     struct fakegpu_atomic_state *state)
{
	struct drm_crtc_state *crtc_state = drm_atomic_get_new_crtc_state(state, crtc);
	const struct drm_display_mode *mode = &crtc_state->adjusted_mode;
	struct fakegpu_head *head = crtc_to_head(crtc);
	struct drm_connector_state *wb_state = NULL;
	struct drm_pending_vblank_event *event;
	bool committed = false;
	u32 ctrl, status;
	int idx;

	/* Held by the commit tail around the plane commit. */
	lockdep_assert_held(&head->fdev->hw_lock);

	if (head->has_wb) {
		wb_state = drm_atomic_get_new_connector_state(state, &head->wb.base);
		if (wb_state && (wb_state->crtc != crtc || !wb_state->writeback_job ||
				 !wb_state->writeback_job->fb))
			wb_state = NULL;
	}

	if (drm_dev_enter(crtc->dev, &idx)) {
		/*
		 * Shared pages: a head that is off has no vblank, and gamma
		 * and writeback go through registers that the commit must
		 * find written: those commits ring the doorbell.
		 */
		bool doorbell = !head->hw_active || wb_state;

		ctrl = FAKEGPU_HEAD_CTRL_ENABLE;
		if (head->crc_enabled)
			ctrl |= FAKEGPU_HEAD_CTRL_CRC;
		fakegpu_head_wr_shadow(head, FAKEGPU_HEAD_WIDTH, mode->hdisplay);
		fakegpu_head_wr_shadow(head, FAKEGPU_HEAD_HEIGHT, mode->vdisplay);
		fakegpu_head_wr_shadow(head, FAKEGPU_HEAD_REFRESH_MHZ,
				       fakegpu_mode_refresh_mhz(mode));
		fakegpu_head_wr_shadow(head, FAKEGPU_HEAD_CTRL, ctrl);
		/*
		 * Also on a modeset: a device reset (probe, resume) cleared
		 * the LUT that the DRM state still holds.
		 */
		if (head->has_gamma && (crtc_state->color_mgmt_changed ||
					drm_atomic_crtc_needs_modeset(crtc_state))) {
			fakegpu_head_write_gamma(head, crtc_state->gamma_lut);
			doorbell = true;
		}
		/*
		 * One-shot: the COMMIT that captures WB_CTRL.ENABLE clears it in
		 * the shadow (ABI 1.2), so a later commit (a flip, a CRC switch)
		 * never writes into a buffer that may be unpinned by then.
		 */
		if (wb_state)
			fakegpu_head_write_wb(head, wb_state);
		fakegpu_head_commit(head, doorbell);
		head->hw_active = true;
		if (head->fdev->use_shm) {
			/*
			 * A flip is memory writes: nothing to order, nothing
			 * to read back. A device known to be gone gets no
			 * event wait (there is no vblank to complete it).
			 */
			committed = !READ_ONCE(head->fdev->gone);
		} else {
			/*
			 * One read back: it orders the posted writes before
			 * the event is armed, and tells a vanished device
			 * (all-ones) from a live one, whose event would
			 * otherwise wait for a vblank that never comes.
			 */
			status = fakegpu_head_rd(head, FAKEGPU_HEAD_STATUS);
			committed = status != ~0u || fakegpu_hw_present(head->fdev);
		}
		drm_dev_exit(idx);
	} else if (wb_state) {
		/* Nothing will write the buffer: fail the job, do not leak it. */
		fakegpu_head_wb_queue(head, wb_state);
		fakegpu_head_wb_cancel(head, -ENODEV);
	}

	spin_lock_irq(&crtc->dev->event_lock);
	event = crtc_state->event;
	crtc_state->event = NULL;
	spin_unlock_irq(&crtc->dev->event_lock);

	if (event)
		fakegpu_head_arm_event(head, event, committed);

	fakegpu_head_crc_vblank_ref(head, head->crc_enabled && head->hw_active);
}

static const struct drm_crtc_helper_funcs fakegpu_crtc_helper_funcs = {
	.mode_valid	= fakegpu_crtc_helper_mode_valid,
	.atomic_check	= fakegpu_crtc_helper_atomic_check,
	.atomic_flush	= fakegpu_crtc_helper_atomic_flush,
	.atomic_enable	= fakegpu_crtc_helper_atomic_enable,
	.atomic_disable	= fakegpu_crtc_helper_atomic_disable,
};

#define FAKEGPU_CRTC_FUNCS \
	.reset			= drm_atomic_helper_crtc_reset, \
	.destroy		= drm_crtc_cleanup, \
	.set_config		= drm_atomic_helper_set_config, \
	.page_flip		= drm_atomic_helper_page_flip, \
	.atomic_duplicate_state	= drm_atomic_helper_crtc_duplicate_state, \
	.atomic_destroy_state	= drm_atomic_helper_crtc_destroy_state, \
	.enable_vblank		= fakegpu_crtc_enable_vblank, \
	.disable_vblank		= fakegpu_crtc_disable_vblank, \
	.get_vblank_counter	= fakegpu_crtc_get_vblank_counter, \
	.get_vblank_timestamp	= fakegpu_crtc_get_vblank_timestamp

static const struct drm_crtc_funcs fakegpu_crtc_funcs = {
	FAKEGPU_CRTC_FUNCS,
};

/*
 * The optional hooks exist iff the device has the capability behind them.
 * (No gamma_set: the core maps the legacy gamma ioctl onto GAMMA_LUT.)
 */
static void fakegpu_crtc_funcs_init(struct fakegpu_device *fdev)
{
	struct drm_crtc_funcs *funcs = &fdev->crtc_funcs;

	*funcs = fakegpu_crtc_funcs;
	/* The debugfs crc files exist iff set_crc_source does. */
	if (fdev->caps.flags & FAKEGPU_CAP_CRC) {
		funcs->get_crc_sources = fakegpu_crtc_get_crc_sources;
		funcs->verify_crc_source = fakegpu_crtc_verify_crc_source;
		funcs->set_crc_source = fakegpu_crtc_set_crc_source;
	}
}

/* ---------------------------------------------------------------------- */
/* Encoder and connector                                                  */

static const struct drm_encoder_funcs fakegpu_encoder_funcs = {
	.destroy = drm_encoder_cleanup,
};

/*
 * drm_edid_read_custom() callback: one 128-byte block from the head's EDID
 * window. The window holds EDID_SIZE bytes; anything beyond, or a size the
 * ABI does not allow, is a failed read, never an out-of-window access.
 */
static int fakegpu_edid_read_block(void *context, u8 *buf, unsigned int block,
				   size_t len)
{
	struct fakegpu_head *head = context;
	u32 size = fakegpu_head_rd(head, FAKEGPU_HEAD_EDID_SIZE);
	size_t start = (size_t)block * EDID_LENGTH;
	size_t i;

	if (size > FAKEGPU_EDID_MAX || size % EDID_LENGTH) {
		drm_err_ratelimited(&head->fdev->drm, "head %u: invalid EDID size %u\n",
				    head->index, size);
		return -EINVAL;
	}
	if (block >= FAKEGPU_EDID_MAX / EDID_LENGTH || start + len > size)
		return -EINVAL;

	/* 32-bit little-endian registers: the window is read a word at a time. */
	for (i = 0; i < len; i += 4) {
		__le32 word = cpu_to_le32(fakegpu_head_rd(head,
					  FAKEGPU_EDID_WINDOW + start + i));

		memcpy(buf + i, &word, min_t(size_t, 4, len - i));
	}
	return 0;
}

static int fakegpu_connector_helper_get_modes(struct drm_connector *connector)
{
	struct fakegpu_head *head = connector_to_head(connector);
	struct fakegpu_device *fdev = head->fdev;
	const struct drm_edid *drm_edid = NULL;
	int count = 0;
	int idx;

	if (drm_dev_enter(connector->dev, &idx)) {
		/* Also honours a debugfs/firmware EDID override. */
		drm_edid = drm_edid_read_custom(connector, fakegpu_edid_read_block, head);
		drm_dev_exit(idx);
	}

	drm_edid_connector_update(connector, drm_edid);
	if (drm_edid) {
		count = drm_edid_connector_add_modes(connector);
		drm_edid_free(drm_edid);
	}
	if (!count) {
		count = drm_add_modes_noedid(connector, fdev->caps.max_width,
					     fdev->caps.max_height);
		drm_set_preferred_mode(connector, FAKEGPU_FALLBACK_WIDTH,
				       FAKEGPU_FALLBACK_HEIGHT);
	}
	return count;
}

static enum drm_connector_status
fakegpu_connector_detect(struct drm_connector *connector, bool force)
{
	struct fakegpu_head *head = connector_to_head(connector);
	enum drm_connector_status status = connector_status_disconnected;
	int idx;

	if (!drm_dev_enter(connector->dev, &idx))
		return status;
	if (fakegpu_hw_present(head->fdev) &&
	    (fakegpu_head_rd(head, FAKEGPU_HEAD_CONNECTOR) & FAKEGPU_CONN_CONNECTED))
		status = connector_status_connected;
	drm_dev_exit(idx);
	return status;
}

static const struct drm_connector_helper_funcs fakegpu_connector_helper_funcs = {
	.get_modes = fakegpu_connector_helper_get_modes,
};

static const struct drm_connector_funcs fakegpu_connector_funcs = {
	.detect			= fakegpu_connector_detect,
	.fill_modes		= drm_helper_probe_single_connector_modes,
	.destroy		= drm_connector_cleanup,
	.reset			= drm_atomic_helper_connector_reset,
	.atomic_duplicate_state	= drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state	= drm_atomic_helper_connector_destroy_state,
};

/* ---------------------------------------------------------------------- */
/* Writeback connector                                                    */

/*
 * DOC: writeback
 *
 * With FAKEGPU_CAP_WRITEBACK each head gets a writeback connector for its
 * CRTC. A job's framebuffer is pinned into VRAM by prepare_writeback_job
 * (like prepare_fb for planes) and unpinned by cleanup_writeback_job, which
 * the writeback core runs after the job completed. atomic_flush programs
 * WB_* and queues the job before the COMMIT; the device writes the frame it
 * latches (WIDTH x HEIGHT, after gamma) and raises IRQ_WRITEBACK, and the
 * handler signals the job with WB_STATUS (ERROR: -EIO). A commit the device
 * refuses (IRQ_ERROR) never latches, so its job is failed with -EIO then; a
 * job still not completed after FAKEGPU_WB_MAX_VBLANKS vblanks is failed with
 * -ETIMEDOUT. The only COMMIT that can replace a pending one (and so drop its
 * writeback request) is the CRC source switch, which waits for the latch.
 */

static const u32 fakegpu_wb_formats[] = {
	DRM_FORMAT_XRGB8888,
	DRM_FORMAT_ARGB8888,	/* written with alpha 0xff */
};

static int fakegpu_wb_connector_helper_get_modes(struct drm_connector *connector)
{
	struct fakegpu_device *fdev = to_fakegpu(connector->dev);
	int count;

	count = drm_add_modes_noedid(connector, fdev->caps.max_width,
				     fdev->caps.max_height);
	drm_set_preferred_mode(connector, FAKEGPU_FALLBACK_WIDTH,
			       FAKEGPU_FALLBACK_HEIGHT);
	return count;
}

static int fakegpu_wb_connector_helper_atomic_check(struct drm_connector *connector,
						    struct fakegpu_atomic_state *state)
{
	struct drm_connector_state *conn_state =
		drm_atomic_get_new_connector_state(state, connector);
	struct drm_crtc_state *crtc_state;
	struct drm_framebuffer *fb;
	u32 hw;

	if (!conn_state->writeback_job || !conn_state->writeback_job->fb)
		return 0;
	fb = conn_state->writeback_job->fb;

	/* The core already refuses a job without an active CRTC. */
	if (!conn_state->crtc)
		return -EINVAL;
	crtc_state = drm_atomic_get_crtc_state(state, conn_state->crtc);
	if (IS_ERR(crtc_state))
		return PTR_ERR(crtc_state);

	if (fb->width != crtc_state->mode.hdisplay ||
	    fb->height != crtc_state->mode.vdisplay) {
		drm_dbg_atomic(connector->dev, "[CONNECTOR:%d:%s] writeback fb %ux%u, mode %ux%u\n",
			       connector->base.id, connector->name, fb->width,
			       fb->height, crtc_state->mode.hdisplay,
			       crtc_state->mode.vdisplay);
		return -EINVAL;
	}
	hw = fakegpu_fourcc_to_hw(fb->format->format);
	if (hw != FAKEGPU_FMT_XRGB8888 && hw != FAKEGPU_FMT_ARGB8888) {
		drm_dbg_atomic(connector->dev, "[CONNECTOR:%d:%s] writeback format %p4cc not supported\n",
			       connector->base.id, connector->name,
			       &fb->format->format);
		return -EINVAL;
	}
	if (fb->pitches[0] % fb->format->cpp[0])
		return -EINVAL;
	return 0;
}

static int fakegpu_wb_connector_helper_prepare_writeback_job(struct drm_writeback_connector *wb,
							     struct drm_writeback_job *job)
{
	if (!job->fb)
		return 0;
	return fakegpu_bo_pin_vram(job->fb->obj[0]);
}

/* Runs only for a job that prepare_writeback_job prepared. */
static void fakegpu_wb_connector_helper_cleanup_writeback_job(struct drm_writeback_connector *wb,
							      struct drm_writeback_job *job)
{
	if (job->fb)
		fakegpu_bo_unpin(job->fb->obj[0]);
}

static const struct drm_connector_helper_funcs fakegpu_wb_connector_helper_funcs = {
	.get_modes		= fakegpu_wb_connector_helper_get_modes,
	.atomic_check		= fakegpu_wb_connector_helper_atomic_check,
	.prepare_writeback_job	= fakegpu_wb_connector_helper_prepare_writeback_job,
	.cleanup_writeback_job	= fakegpu_wb_connector_helper_cleanup_writeback_job,
};

static const struct drm_connector_funcs fakegpu_wb_connector_funcs = {
	.fill_modes		= drm_helper_probe_single_connector_modes,
	.destroy		= drm_connector_cleanup,
	.reset			= drm_atomic_helper_connector_reset,
	.atomic_duplicate_state	= drm_atomic_helper_connector_duplicate_state,
	.atomic_destroy_state	= drm_atomic_helper_connector_destroy_state,
};

/* The connector's checks cover everything; the encoder is internal. */
static const struct drm_encoder_helper_funcs fakegpu_wb_encoder_helper_funcs;

void fakegpu_head_wb_queue(struct fakegpu_head *head,
			   struct drm_connector_state *conn_state)
{
	drm_writeback_queue_job(&head->wb, conn_state);
	WRITE_ONCE(head->wb_vblanks, 0);
	atomic_inc(&head->wb_pending);
}

/* Complete every job still queued to the device with @status. */
void fakegpu_head_wb_cancel(struct fakegpu_head *head, int status)
{
	while (atomic_dec_if_positive(&head->wb_pending) >= 0)
		drm_writeback_signal_completion(&head->wb, status);
}

static int fakegpu_head_init_wb(struct fakegpu_head *head)
{
	struct drm_device *dev = &head->fdev->drm;
	int ret;

	ret = drm_writeback_connector_init(dev, &head->wb,
					   &fakegpu_wb_connector_funcs,
					   &fakegpu_wb_encoder_helper_funcs,
					   fakegpu_wb_formats,
					   ARRAY_SIZE(fakegpu_wb_formats),
					   drm_crtc_mask(&head->crtc));
	if (ret)
		return ret;
	drm_connector_helper_add(&head->wb.base, &fakegpu_wb_connector_helper_funcs);
	head->has_wb = true;
	return 0;
}

/* ---------------------------------------------------------------------- */
/* Mode config                                                            */

static enum drm_mode_status fakegpu_mode_config_mode_valid(struct drm_device *dev,
							   const struct drm_display_mode *mode)
{
	/* Two framebuffers of the mode must fit: double buffering. */
	return drm_vram_helper_mode_valid(dev, mode);
}

static const struct drm_mode_config_funcs fakegpu_mode_config_funcs = {
	.fb_create	= drm_gem_fb_create,
	.mode_valid	= fakegpu_mode_config_mode_valid,
	.atomic_check	= drm_atomic_helper_check,
	.atomic_commit	= drm_atomic_helper_commit,
};

/*
 * drm_atomic_helper_commit_tail_rpm() order (enable heads before their
 * planes, touch planes of active heads only) with two changes: the plane
 * programming runs under fdev->hw_lock so a CRC source switch cannot latch a
 * half-written head, and the tail waits for flip_done (the device latched)
 * instead of a vblank count before unpinning old buffers.
 */
static void fakegpu_mode_config_helper_atomic_commit_tail(struct fakegpu_atomic_state *state)
{
	struct drm_device *dev = state->dev;
	struct fakegpu_device *fdev = to_fakegpu(dev);

	drm_atomic_helper_commit_modeset_disables(dev, state);
	drm_atomic_helper_commit_modeset_enables(dev, state);

	mutex_lock(&fdev->hw_lock);
	drm_atomic_helper_commit_planes(dev, state, DRM_PLANE_COMMIT_ACTIVE_ONLY);
	mutex_unlock(&fdev->hw_lock);

	drm_atomic_helper_fake_vblank(state);
	drm_atomic_helper_commit_hw_done(state);
	drm_atomic_helper_wait_for_flip_done(dev, state);
	drm_atomic_helper_cleanup_planes(dev, state);
}

static const struct drm_mode_config_helper_funcs fakegpu_mode_config_helper_funcs = {
	.atomic_commit_tail = fakegpu_mode_config_helper_atomic_commit_tail,
};

/* ---------------------------------------------------------------------- */
/* Heads                                                                  */

static int fakegpu_plane_init_blend(struct drm_plane *plane, unsigned int zpos,
				    unsigned int max_zpos)
{
	int ret;

	ret = drm_plane_create_zpos_property(plane, zpos, 0, max_zpos);
	if (ret || plane->type == DRM_PLANE_TYPE_CURSOR)
		return ret;
	ret = drm_plane_create_alpha_property(plane);
	if (ret)
		return ret;
	return drm_plane_create_blend_mode_property(plane,
						    BIT(DRM_MODE_BLEND_PIXEL_NONE) |
						    BIT(DRM_MODE_BLEND_PREMULTI) |
						    BIT(DRM_MODE_BLEND_COVERAGE));
}

/*
 * ABI 1.2: zpos on every plane of the head, alpha and pixel blend mode on
 * the primary and overlay planes. The default stacking is primary, overlay,
 * cursor (cursor on top, as userspace expects), whatever the device's reset
 * ZPOS (the plane index): the driver always writes the normalized zpos.
 *
 * No alpha/blend on the cursor (like i915 and amdgpu): userspace that sees
 * "alpha" on a plane (igt kms_plane_alpha_blend) gives it a full-screen fb,
 * which a cursor of CURSOR_MAX cannot take. The cursor keeps the device's
 * reset blending, opaque pre-multiplied (the ABI 1.1 cursor rule), which is
 * what its state holds and the driver writes.
 */
static int fakegpu_head_init_blend(struct fakegpu_head *head)
{
	unsigned int max_zpos = head->has_cursor + head->has_overlay;
	unsigned int zpos = 0;
	int ret;

	ret = fakegpu_plane_init_blend(&head->primary, zpos++, max_zpos);
	if (ret)
		return ret;
	if (head->has_overlay) {
		ret = fakegpu_plane_init_blend(&head->overlay, zpos++, max_zpos);
		if (ret)
			return ret;
	}
	if (head->has_cursor)
		ret = fakegpu_plane_init_blend(&head->cursor, zpos, max_zpos);
	return ret;
}

static int fakegpu_head_init(struct fakegpu_device *fdev, unsigned int index,
			     const u32 *formats, unsigned int num_formats)
{
	struct fakegpu_head *head = &fdev->heads[index];
	struct drm_device *dev = &fdev->drm;
	struct drm_connector *connector = &head->connector;
	struct drm_encoder *encoder = &head->encoder;
	struct drm_crtc *crtc = &head->crtc;
	struct drm_plane *cursor = NULL;
	int ret;

	head->fdev = fdev;
	head->index = index;
	spin_lock_init(&head->ts_lock);
	head->regs = FAKEGPU_HEAD_BASE(index);

	/* CRTCs are created in head order, so head N's CRTC has index N. */
	ret = drm_universal_plane_init(dev, &head->primary, BIT(index),
				       &fakegpu_plane_funcs, formats, num_formats,
				       NULL, DRM_PLANE_TYPE_PRIMARY,
				       "head-%u-primary", index);
	if (ret)
		return ret;
	drm_plane_helper_add(&head->primary, &fakegpu_plane_helper_funcs);
	/* The device scans out whole frames: damage clips are only hints. */
	drm_plane_enable_fb_damage_clips(&head->primary);

	if (fdev->caps.cursor_width) {
		ret = drm_universal_plane_init(dev, &head->cursor, BIT(index),
					       &fakegpu_plane_funcs,
					       fakegpu_cursor_formats,
					       ARRAY_SIZE(fakegpu_cursor_formats),
					       NULL, DRM_PLANE_TYPE_CURSOR,
					       "head-%u-cursor", index);
		if (ret)
			return ret;
		drm_plane_helper_add(&head->cursor, &fakegpu_cursor_helper_funcs);
		head->has_cursor = true;
		cursor = &head->cursor;
	}

	if (fdev->caps.flags & FAKEGPU_CAP_OVERLAY) {
		ret = drm_universal_plane_init(dev, &head->overlay, BIT(index),
					       &fakegpu_plane_funcs, formats,
					       num_formats, NULL,
					       DRM_PLANE_TYPE_OVERLAY,
					       "head-%u-overlay", index);
		if (ret)
			return ret;
		drm_plane_helper_add(&head->overlay, &fakegpu_plane_helper_funcs);
		head->has_overlay = true;
	}

	if (fakegpu_caps_have_blend(&fdev->caps)) {
		ret = fakegpu_head_init_blend(head);
		if (ret)
			return ret;
	}

	ret = drm_crtc_init_with_planes(dev, crtc, &head->primary, cursor,
					&fdev->crtc_funcs, "head-%u", index);
	if (ret)
		return ret;
	drm_crtc_helper_add(crtc, &fakegpu_crtc_helper_funcs);

	if (fdev->caps.flags & FAKEGPU_CAP_GAMMA) {
		ret = drm_mode_crtc_set_gamma_size(crtc, FAKEGPU_GAMMA_SIZE);
		if (ret)
			return ret;
		drm_crtc_enable_color_mgmt(crtc, 0, false, FAKEGPU_GAMMA_SIZE);
		head->has_gamma = true;
	}

	ret = drm_encoder_init(dev, encoder, &fakegpu_encoder_funcs,
			       DRM_MODE_ENCODER_VIRTUAL, "head-%u", index);
	if (ret)
		return ret;
	encoder->possible_crtcs = drm_crtc_mask(crtc);

	/*
	 * Virtual, like bochs/virtio-gpu: there is no DP AUX or HDMI behind it
	 * and userspace (igt included) must not expect one.
	 */
	ret = drm_connector_init(dev, connector, &fakegpu_connector_funcs,
				 DRM_MODE_CONNECTOR_VIRTUAL);
	if (ret)
		return ret;
	drm_connector_helper_add(connector, &fakegpu_connector_helper_funcs);
	/*
	 * The core attaches no EDID property to a virtual connector, and
	 * without it drm_edid_connector_update() cannot store the EDID: the
	 * head would show the no-EDID mode list and userspace no EDID blob.
	 */
	drm_connector_attach_edid_property(connector);
	connector->polled = fdev->caps.flags & FAKEGPU_CAP_HOTPLUG ?
			    DRM_CONNECTOR_POLL_HPD :
			    DRM_CONNECTOR_POLL_CONNECT | DRM_CONNECTOR_POLL_DISCONNECT;

	ret = drm_connector_attach_encoder(connector, encoder);
	if (ret)
		return ret;

	if (fdev->caps.flags & FAKEGPU_CAP_WRITEBACK)
		return fakegpu_head_init_wb(head);
	return 0;
}

int fakegpu_kms_init(struct fakegpu_device *fdev)
{
	struct drm_device *dev = &fdev->drm;
	u32 formats[ARRAY_SIZE(fakegpu_formats)];
	unsigned int i, n = 0;
	int ret;

	ret = drmm_mode_config_init(dev);
	if (ret)
		return ret;

	for (i = 0; i < ARRAY_SIZE(fakegpu_formats); i++)
		if (fdev->caps.formats & BIT(fakegpu_formats[i].hw))
			formats[n++] = fakegpu_formats[i].fourcc;

	dev->mode_config.min_width = 1;
	dev->mode_config.min_height = 1;
	/*
	 * A framebuffer may be larger than what one head scans out: a desktop
	 * across several heads (Xorg, modetest -s A -s B) is one framebuffer
	 * of which each head scans out its part, and the device bounds only
	 * the scanned-out window (plane SRC_W/H, VRAM). One head keeps the
	 * device's limits.
	 */
	dev->mode_config.max_width = min(fdev->caps.max_width * fdev->caps.num_heads,
					 FAKEGPU_FB_MAX_SIZE);
	dev->mode_config.max_height = min(fdev->caps.max_height * fdev->caps.num_heads,
					  FAKEGPU_FB_MAX_SIZE);
	dev->mode_config.preferred_depth =
		fdev->caps.formats & BIT(FAKEGPU_FMT_XRGB8888) ? 24 : 16;
	/* Scanout is straight from VRAM that the CPU maps write-combined. */
	dev->mode_config.prefer_shadow = 0;
	if (fdev->caps.cursor_width) {
		dev->mode_config.cursor_width = fdev->caps.cursor_width;
		dev->mode_config.cursor_height = fdev->caps.cursor_height;
	}
	dev->mode_config.funcs = &fakegpu_mode_config_funcs;
	dev->mode_config.helper_private = &fakegpu_mode_config_helper_funcs;
	/* The device wants distinct ZPOS values; ties would be by plane index. */
	dev->mode_config.normalize_zpos = fakegpu_caps_have_blend(&fdev->caps);
	fakegpu_crtc_funcs_init(fdev);

	for (i = 0; i < fdev->caps.num_heads; i++) {
		ret = fakegpu_head_init(fdev, i, formats, n);
		if (ret) {
			drm_err(dev, "head %u: KMS init failed: %d\n", i, ret);
			return ret;
		}
	}

	ret = drm_vblank_init(dev, fdev->caps.num_heads);
	if (ret)
		return ret;
	/* ABI 1.1: HEAD_FRAME never restarts, so it can be the vblank counter. */
	if (fakegpu_caps_abi_at_least(&fdev->caps, 1))
		dev->max_vblank_count = U32_MAX;

	/* Also required for HPD: drm_helper_hpd_irq_event() needs poll_enabled. */
	ret = fakegpu_compat_poll_init(dev);
	if (ret)
		return ret;

	drm_mode_config_reset(dev);
	return 0;
}
