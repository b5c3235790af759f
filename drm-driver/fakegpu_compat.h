/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-facing API of fakegpu that changed (or is known to change)
 * after the 6.12 baseline lives behind this one header, so the rest of the
 * driver reads like a single-kernel driver. Built (W=1, sparse) and tested
 * on Debian's 6.12 and 7.3 kernels; the branches for releases in between
 * follow the upstream commits named beside them.
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

/*
 * The client setup header moved to include/drm/clients/ in 6.14 (commit
 * "drm/client: Move public client header to clients/ subdirectory").
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#include <drm/drm_client_setup.h>
#else
#include <drm/clients/drm_client_setup.h>
#endif
#include <drm/drm_fbdev_ttm.h>
#include <drm/drm_probe_helper.h>

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
 * struct drm_atomic_state, the state every atomic hook is handed, is
 * struct drm_atomic_commit in the 7.x series (7.2 and 7.3 have the new name;
 * 7.0 is taken as the boundary, no 7.0/7.1 kernel was at hand to check).
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
#define fakegpu_atomic_state	drm_atomic_state
#else
#define fakegpu_atomic_state	drm_atomic_commit
#endif

/*
 * drmm_kms_helper_poll_init() returns void in the 7.x series (void in 7.2
 * and 7.3, int in 6.12; 7.0 taken as the boundary, as above).
 */
static inline int fakegpu_compat_poll_init(struct drm_device *dev)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
	return drmm_kms_helper_poll_init(dev);
#else
	drmm_kms_helper_poll_init(dev);
	return 0;
#endif
}

/*
 * drm_plane_helper_funcs.atomic_async_check gained a `bool flip` argument in
 * 6.15 (commit "drm/atomic: Let drivers decide which planes to async flip").
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
#define FAKEGPU_ASYNC_CHECK_ARGS	struct drm_plane *plane, struct fakegpu_atomic_state *state
#else
#define FAKEGPU_ASYNC_CHECK_ARGS	struct drm_plane *plane, struct fakegpu_atomic_state *state, \
					bool flip
#endif

#endif /* FAKEGPU_COMPAT_H */
