/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-facing API of fakegpu that changed (or is known to change)
 * after the 6.12 baseline lives behind this one header, so the rest of the
 * driver reads like a single-kernel driver. Only 6.12 is built and tested
 * here (Debian trixie 6.12.107+deb13); the newer branches follow upstream
 * commits and are best effort until a newer kernel is in the toolbox.
 */
#ifndef FAKEGPU_COMPAT_H
#define FAKEGPU_COMPAT_H

#include <linux/version.h>

/*
 * 6.12 is the floor: drm_client_setup(), drm_driver.fbdev_probe,
 * pcim_iomap_region()/pcim_request_region() and drm_edid_read_custom() all
 * exist from 6.11/6.12 on. Older kernels would need a different fbdev path
 * (drm_fbdev_ttm_setup()) and unmanaged PCI region handling; refuse them
 * loudly instead of half-supporting them.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#error "fakegpu needs Linux 6.12 or newer"
#endif

#include <drm/drm_client_setup.h>
#include <drm/drm_fbdev_ttm.h>

/*
 * struct drm_driver.date was removed in 6.14 (commit "drm: remove driver
 * date from struct drm_driver and all drivers").
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define FAKEGPU_DRIVER_DATE_FIELD	.date = FAKEGPU_DRIVER_DATE,
#else
#define FAKEGPU_DRIVER_DATE_FIELD
#endif

/*
 * In-kernel fbdev emulation: 6.12 introduced the generic client setup with a
 * per-driver .fbdev_probe hook; that is the interface kept by later kernels,
 * so both the hook and the setup call go through here in case it moves again.
 */
#define FAKEGPU_FBDEV_DRIVER_OPS	DRM_FBDEV_TTM_DRIVER_OPS

static inline void fakegpu_compat_client_setup(struct drm_device *dev,
					       u32 fourcc)
{
	drm_client_setup_with_fourcc(dev, fourcc);
}

/*
 * drm_plane_helper_funcs.atomic_async_check gained a `bool flip` argument in
 * 6.15 (commit "drm/atomic: Let drivers decide which planes to async flip").
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
#define FAKEGPU_ASYNC_CHECK_ARGS	struct drm_plane *plane, struct drm_atomic_state *state
#else
#define FAKEGPU_ASYNC_CHECK_ARGS	struct drm_plane *plane, struct drm_atomic_state *state, bool flip
#endif

#endif /* FAKEGPU_COMPAT_H */
