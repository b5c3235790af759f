// SPDX-License-Identifier: GPL-2.0
/*
 * fakegpu: DRM/KMS driver for the fakegpu emulated display GPU.
 *
 * This file: the PCI driver (probe/remove/shutdown/PM), identification of
 * the device and validation of everything it reports about itself, and the
 * struct drm_driver. KMS objects live in fakegpu_kms.c, interrupts in
 * fakegpu_irq.c; docs/device-abi.md and include/fakegpu_abi.h describe the
 * device.
 *
 * The device is not trusted: every value read from it is range-checked
 * before it sizes anything, and a device that stops answering (all-ones
 * reads) is treated as gone rather than as a source of numbers.
 */

#include <linux/module.h>
#include <linux/pci.h>

#include <drm/drm_atomic_helper.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_fourcc.h>
#include <drm/drm_gem_ttm_helper.h>
#include <drm/drm_gem_vram_helper.h>
#include <drm/drm_managed.h>
#include <drm/drm_modeset_helper.h>
#include <drm/drm_module.h>
#include <drm/drm_print.h>
#include <drm/ttm/ttm_bo.h>
#include <drm/ttm/ttm_placement.h>

#include "fakegpu_compat.h"
#include "fakegpu_drv.h"

static int fakegpu_modeset = -1;
module_param_named(modeset, fakegpu_modeset, int, 0444);
MODULE_PARM_DESC(modeset, "Enable the driver (-1 = unless 'nomodeset' [default], 0 = disable, 1 = enable)");

/* Sanity bounds for what the device claims; anything outside is a lie. */
#define FAKEGPU_MIN_SIZE	64	/* smallest max_width/max_height accepted */
#define FAKEGPU_MAX_SIZE	16384	/* largest framebuffer dimension */
#define FAKEGPU_MAX_CURSOR	1024
/* Capabilities that only an ABI >= 1.2 device may advertise. */
#define FAKEGPU_CAPS_1_2	(FAKEGPU_CAP_OVERLAY | FAKEGPU_CAP_GAMMA | \
				 FAKEGPU_CAP_WRITEBACK)
/* Plane blocks start at 0x100 in a head block and must end before the EDID window. */
#define FAKEGPU_MAX_PLANE_BLOCKS \
	((FAKEGPU_EDID_WINDOW - FAKEGPU_PLANE_BASE(0)) / \
	 (FAKEGPU_PLANE_BASE(1) - FAKEGPU_PLANE_BASE(0)))

/* ---------------------------------------------------------------------- */
/* Hardware                                                               */

/*
 * True while the device answers with its magic. A vanished device (surprise
 * removal, device process killed) reads all-ones; from then on the driver
 * stops trusting any value it reads.
 */
bool fakegpu_hw_present(struct fakegpu_device *fdev)
{
	u32 id;

	if (READ_ONCE(fdev->gone))
		return false;
	id = fakegpu_rd(fdev, FAKEGPU_REG_ID);
	if (likely(id == FAKEGPU_ID_MAGIC))
		return true;
	WRITE_ONCE(fdev->gone, true);
	drm_err(&fdev->drm, "device stopped answering (ID reads %#010x): treating it as gone\n",
		id);
	return false;
}

static int fakegpu_hw_map(struct fakegpu_device *fdev)
{
	struct pci_dev *pdev = fdev->pdev;
	struct drm_device *dev = &fdev->drm;
	int ret;

	if (!(pci_resource_flags(pdev, FAKEGPU_BAR_MMIO) & IORESOURCE_MEM)) {
		drm_err(dev, "BAR%d is not a memory BAR\n", FAKEGPU_BAR_MMIO);
		return -ENODEV;
	}

	/* Enough for the global registers; head blocks are checked once we know how many. */
	fdev->mmio_size = pci_resource_len(pdev, FAKEGPU_BAR_MMIO);
	if (fdev->mmio_size < FAKEGPU_HEAD_BASE(0)) {
		drm_err(dev, "register BAR too small (%pa bytes)\n", &fdev->mmio_size);
		return -ENODEV;
	}
	fdev->mmio = pcim_iomap_region(pdev, FAKEGPU_BAR_MMIO, FAKEGPU_DRIVER_NAME);
	if (IS_ERR(fdev->mmio)) {
		ret = PTR_ERR(fdev->mmio);
		drm_err(dev, "cannot map the register BAR: %d\n", ret);
		return ret;
	}

	return 0;
}

/*
 * VRAM is claimed but not mapped here: TTM maps the pieces it needs,
 * write-combined, and the BAR can be gigabytes. Only done once the device
 * proved to be a fakegpu, so a real T4 is left untouched.
 */
static int fakegpu_hw_claim_vram(struct fakegpu_device *fdev)
{
	struct pci_dev *pdev = fdev->pdev;
	struct drm_device *dev = &fdev->drm;
	int ret;

	if (!(pci_resource_flags(pdev, FAKEGPU_BAR_VRAM) & IORESOURCE_MEM) ||
	    !pci_resource_len(pdev, FAKEGPU_BAR_VRAM)) {
		drm_err(dev, "BAR%d is not a usable VRAM BAR\n", FAKEGPU_BAR_VRAM);
		return -ENODEV;
	}
	ret = pcim_request_region(pdev, FAKEGPU_BAR_VRAM, FAKEGPU_DRIVER_NAME);
	if (ret) {
		drm_err(dev, "cannot claim the VRAM BAR: %d\n", ret);
		return ret;
	}
	fdev->vram_base = pci_resource_start(pdev, FAKEGPU_BAR_VRAM);
	return 0;
}

static int fakegpu_hw_identify(struct fakegpu_device *fdev)
{
	struct drm_device *dev = &fdev->drm;
	u32 id, ver, major, minor;

	id = fakegpu_rd(fdev, FAKEGPU_REG_ID);
	if (id == ~0u) {
		drm_err(dev, "device does not answer (ID reads %#010x)\n", id);
		return -ENODEV;
	}
	if (id != FAKEGPU_ID_MAGIC) {
		/*
		 * The T4 IDs are shared with real hardware: back off quietly so
		 * that the real GPU's driver can take it.
		 */
		drm_info(dev, "not a fakegpu (ID %#010x, expected %#010x): leaving it alone\n",
			 id, FAKEGPU_ID_MAGIC);
		return -ENODEV;
	}

	ver = fakegpu_rd(fdev, FAKEGPU_REG_ABI_VERSION);
	major = ver >> 16;
	minor = ver & 0xffff;
	if (major != FAKEGPU_ABI_MAJOR) {
		drm_err(dev, "device ABI %u.%u is not supported: this driver speaks ABI %u.x; use a fakegpu.ko built against the device's include/fakegpu_abi.h\n",
			major, minor, FAKEGPU_ABI_MAJOR);
		return -ENODEV;
	}
	if (minor > FAKEGPU_ABI_MINOR)
		drm_info(dev, "device ABI %u.%u is newer than the driver's %u.%u: using the %u.%u subset\n",
			 major, minor, FAKEGPU_ABI_MAJOR, FAKEGPU_ABI_MINOR,
			 FAKEGPU_ABI_MAJOR, FAKEGPU_ABI_MINOR);
	fdev->caps.abi_version = ver;
	return 0;
}

/* Read and validate the capability block; a lying device gets -EINVAL. */
static int fakegpu_hw_read_caps(struct fakegpu_device *fdev)
{
	struct drm_device *dev = &fdev->drm;
	struct fakegpu_caps *caps = &fdev->caps;
	resource_size_t bar_len = pci_resource_len(fdev->pdev, FAKEGPU_BAR_VRAM);
	u32 known = BIT(FAKEGPU_FMT_XRGB8888) | BIT(FAKEGPU_FMT_ARGB8888) |
		    BIT(FAKEGPU_FMT_RGB565) | BIT(FAKEGPU_FMT_ARGB1555);
	u32 formats, cursor;
	u64 vram;

	caps->flags = fakegpu_rd(fdev, FAKEGPU_REG_CAPS);
	/* Bits a device of this ABI cannot mean: ignore, never guess. */
	if (!fakegpu_caps_have_blend(caps) && (caps->flags & FAKEGPU_CAPS_1_2)) {
		drm_info(dev, "ABI %u.%u device sets 1.2 capability bits %#x: ignored\n",
			 caps->abi_version >> 16, caps->abi_version & 0xffff,
			 caps->flags & FAKEGPU_CAPS_1_2);
		caps->flags &= ~FAKEGPU_CAPS_1_2;
	}

	caps->num_heads = fakegpu_rd(fdev, FAKEGPU_REG_NUM_HEADS);
	if (caps->num_heads < 1 || caps->num_heads > FAKEGPU_MAX_HEADS) {
		drm_err(dev, "device reports %u heads (valid: 1..%u)\n",
			caps->num_heads, FAKEGPU_MAX_HEADS);
		return -EINVAL;
	}
	if (fdev->mmio_size < FAKEGPU_HEAD_BASE(caps->num_heads)) {
		drm_err(dev, "register BAR (%pa bytes) too small for %u heads\n",
			&fdev->mmio_size, caps->num_heads);
		return -EINVAL;
	}

	caps->planes_per_head = fakegpu_rd(fdev, FAKEGPU_REG_PLANES_PER_HEAD);
	if (caps->planes_per_head < 1 ||
	    caps->planes_per_head > FAKEGPU_MAX_PLANE_BLOCKS) {
		drm_err(dev, "device reports %u planes per head (valid: 1..%lu)\n",
			caps->planes_per_head, (unsigned long)FAKEGPU_MAX_PLANE_BLOCKS);
		return -EINVAL;
	}

	vram = (u64)fakegpu_rd(fdev, FAKEGPU_REG_VRAM_SIZE_HI) << 32 |
	       fakegpu_rd(fdev, FAKEGPU_REG_VRAM_SIZE_LO);
	if (vram < FAKEGPU_VRAM_MIN || vram > (u64)FAKEGPU_VRAM_MAX_MB << 20 ||
	    !PAGE_ALIGNED(vram)) {
		drm_err(dev, "device reports %llu bytes of VRAM (valid: %u MiB..%u MiB, page aligned)\n",
			vram, FAKEGPU_VRAM_MIN >> 20, FAKEGPU_VRAM_MAX_MB);
		return -EINVAL;
	}
	if (vram > bar_len) {
		drm_err(dev, "device reports %llu bytes of VRAM but its BAR%d is only %llu bytes\n",
			vram, FAKEGPU_BAR_VRAM, (u64)bar_len);
		return -EINVAL;
	}
	if (vram < bar_len)
		drm_info(dev, "using %llu MiB of the %llu MiB VRAM BAR, as the device reports\n",
			 vram >> 20, (u64)bar_len >> 20);
	caps->vram_size = vram;

	caps->max_width = fakegpu_rd(fdev, FAKEGPU_REG_MAX_WIDTH);
	caps->max_height = fakegpu_rd(fdev, FAKEGPU_REG_MAX_HEIGHT);
	if (caps->max_width < FAKEGPU_MIN_SIZE || caps->max_width > FAKEGPU_MAX_SIZE ||
	    caps->max_height < FAKEGPU_MIN_SIZE || caps->max_height > FAKEGPU_MAX_SIZE) {
		drm_err(dev, "device reports a maximum size of %ux%u (valid: %u..%u)\n",
			caps->max_width, caps->max_height, FAKEGPU_MIN_SIZE,
			FAKEGPU_MAX_SIZE);
		return -EINVAL;
	}

	formats = fakegpu_rd(fdev, FAKEGPU_REG_FORMATS);
	/* ARGB1555 came with ABI 1.3: an older device cannot mean that bit. */
	if (!fakegpu_caps_abi_at_least(caps, 3))
		known &= ~BIT(FAKEGPU_FMT_ARGB1555);
	if (formats & ~known)
		drm_dbg_driver(dev, "ignoring unknown format bits %#x\n", formats & ~known);
	caps->formats = formats & known;
	if (!caps->formats) {
		drm_err(dev, "device reports no known scanout format (FORMATS %#x)\n",
			formats);
		return -EINVAL;
	}

	if (caps->flags & FAKEGPU_CAP_CURSOR) {
		if (caps->planes_per_head < 2) {
			drm_err(dev, "device has a cursor but only %u plane per head\n",
				caps->planes_per_head);
			return -EINVAL;
		}
		cursor = fakegpu_rd(fdev, FAKEGPU_REG_CURSOR_MAX);
		caps->cursor_width = cursor & 0xffff;
		caps->cursor_height = cursor >> 16;
		if (!caps->cursor_width || caps->cursor_width > FAKEGPU_MAX_CURSOR ||
		    !caps->cursor_height || caps->cursor_height > FAKEGPU_MAX_CURSOR) {
			drm_err(dev, "device reports a %ux%u cursor (valid: 1..%u)\n",
				caps->cursor_width, caps->cursor_height,
				FAKEGPU_MAX_CURSOR);
			return -EINVAL;
		}
	}

	if ((caps->flags & FAKEGPU_CAP_OVERLAY) &&
	    caps->planes_per_head <= FAKEGPU_PLANE_OVERLAY) {
		drm_err(dev, "device has an overlay but only %u planes per head\n",
			caps->planes_per_head);
		return -EINVAL;
	}

	drm_info(dev, "ABI %u.%u, %u head(s), %llu MiB VRAM, max %ux%u, formats %#x, cursor %ux%u%s%s%s%s%s\n",
		 caps->abi_version >> 16, caps->abi_version & 0xffff,
		 caps->num_heads, caps->vram_size >> 20, caps->max_width,
		 caps->max_height, caps->formats, caps->cursor_width,
		 caps->cursor_height,
		 caps->flags & FAKEGPU_CAP_CRC ? ", CRC" : "",
		 caps->flags & FAKEGPU_CAP_HOTPLUG ? ", hotplug" : "",
		 caps->flags & FAKEGPU_CAP_OVERLAY ? ", overlay" : "",
		 caps->flags & FAKEGPU_CAP_GAMMA ? ", gamma" : "",
		 caps->flags & FAKEGPU_CAP_WRITEBACK ? ", writeback" : "");
	return 0;
}

static int fakegpu_hw_init(struct fakegpu_device *fdev)
{
	int ret;

	ret = fakegpu_hw_map(fdev);
	if (ret)
		return ret;
	ret = fakegpu_hw_identify(fdev);
	if (ret)
		return ret;
	ret = fakegpu_hw_claim_vram(fdev);
	if (ret)
		return ret;
	ret = fakegpu_hw_read_caps(fdev);
	if (ret)
		return ret;

	/*
	 * Start from a known state whatever a previous driver (or a previous
	 * load of this one) left behind: heads off, interrupts masked, no
	 * stale status bits to fire as soon as the vector is enabled.
	 */
	fakegpu_wr(fdev, FAKEGPU_REG_CTRL, FAKEGPU_CTRL_RESET);
	fakegpu_wr(fdev, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	return 0;
}

/* ---------------------------------------------------------------------- */
/* DRM driver                                                             */

/*
 * Pin a buffer into VRAM (the dumb-create placement below, writeback
 * targets): TTM's own pin of the buffer object, as the VRAM helpers'
 * prepare_fb does for scanout (their pin function is not exported by every
 * kernel this driver builds for). A buffer already pinned stays where it is.
 */
int fakegpu_bo_pin_vram(struct drm_gem_object *obj)
{
	static const struct ttm_place vram = { .mem_type = TTM_PL_VRAM };
	struct ttm_placement placement = { .num_placement = 1, .placement = &vram };
	struct ttm_operation_ctx ctx = { .interruptible = true };
	struct ttm_buffer_object *bo = &drm_gem_vram_of_gem(obj)->bo;
	int ret;

	ret = ttm_bo_reserve(bo, true, false, NULL);
	if (ret)
		return ret;
	if (!bo->pin_count)
		ret = ttm_bo_validate(bo, &placement, &ctx);
	if (!ret)
		ttm_bo_pin(bo);
	ttm_bo_unreserve(bo);
	return ret;
}

void fakegpu_bo_unpin(struct drm_gem_object *obj)
{
	struct ttm_buffer_object *bo = &drm_gem_vram_of_gem(obj)->bo;

	/* Uninterruptible and without a ticket: cannot fail. */
	ttm_bo_reserve(bo, false, false, NULL);
	ttm_bo_unpin(bo);
	ttm_bo_unreserve(bo);
}

/*
 * Dumb buffers live in VRAM from their creation: the GEM VRAM helpers would
 * create them in system memory and move them at their first scanout, which
 * costs a frame (a copy of the whole buffer) in the middle of a page-flip
 * sequence and remaps userspace's mapping. Placing them at once also makes
 * VRAM exhaustion an -ENOMEM of the create ioctl. TTM may still evict an
 * unpinned buffer to system memory under pressure; scanout pins it back.
 * A buffer larger than all of VRAM could never be displayed: refused too.
 */
static int fakegpu_gem_dumb_create(struct drm_file *file, struct drm_device *dev,
				   struct drm_mode_create_dumb *args)
{
	struct fakegpu_device *fdev = to_fakegpu(dev);
	struct drm_gem_object *obj;
	u64 pitch, size;
	int ret;

	if (!args->width || !args->height || !args->bpp)
		return -EINVAL;
	pitch = (u64)args->width * DIV_ROUND_UP(args->bpp, 8);
	if (check_mul_overflow(pitch, (u64)args->height, &size) ||
	    size > fdev->caps.vram_size)
		return -ENOMEM;

	ret = drm_gem_vram_fill_create_dumb(file, dev, 0, 0, args);
	if (ret)
		return ret;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	ret = fakegpu_bo_pin_vram(obj);
	if (!ret)
		fakegpu_bo_unpin(obj);
	drm_gem_object_put(obj);
	if (ret) {
		drm_gem_handle_delete(file, args->handle);
		return ret == -ENOSPC ? -ENOMEM : ret;
	}
	return 0;
}

DEFINE_DRM_GEM_FOPS(fakegpu_fops);

static const struct drm_driver fakegpu_driver = {
	.driver_features	= DRIVER_GEM | DRIVER_MODESET | DRIVER_ATOMIC,
	.fops			= &fakegpu_fops,
	.name			= FAKEGPU_DRIVER_NAME,
	.desc			= FAKEGPU_DRIVER_DESC,
	FAKEGPU_DRIVER_DATE_FIELD
	.major			= FAKEGPU_DRIVER_MAJOR,
	.minor			= FAKEGPU_DRIVER_MINOR,
	/* DRM_GEM_VRAM_DRIVER, spelled out to put our size check in front. */
	.debugfs_init		= drm_vram_mm_debugfs_init,
	.dumb_create		= fakegpu_gem_dumb_create,
	.dumb_map_offset	= drm_gem_ttm_dumb_map_offset,
	FAKEGPU_FBDEV_DRIVER_OPS,
};

/* ---------------------------------------------------------------------- */
/* PCI driver                                                             */

static int fakegpu_pci_probe(struct pci_dev *pdev, const struct pci_device_id *ent)
{
	struct fakegpu_device *fdev;
	struct drm_device *dev;
	int ret;

	fdev = devm_drm_dev_alloc(&pdev->dev, &fakegpu_driver,
				  struct fakegpu_device, drm);
	if (IS_ERR(fdev))
		return PTR_ERR(fdev);
	dev = &fdev->drm;
	fdev->pdev = pdev;
	pci_set_drvdata(pdev, dev);
	spin_lock_init(&fdev->irq_lock);
	ret = drmm_mutex_init(dev, &fdev->hw_lock);
	if (ret)
		return ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;

	/*
	 * A driver whose probe failed on this device before us (nouveau matches
	 * every NVIDIA display-class device and gives up on the fake T4) can
	 * leave it enabled: pci_enable_device() then only counts, and after an
	 * earlier unbind the power state is still "unknown", which makes MSI
	 * allocation fail. The device has no PM capability: this records D0.
	 */
	if (pdev->current_state != PCI_D0) {
		drm_dbg_driver(dev, "power state %d at probe, setting D0\n",
			       pdev->current_state);
		pci_set_power_state(pdev, PCI_D0);
	}

	ret = fakegpu_hw_init(fdev);
	if (ret)
		return ret;

	ret = drmm_vram_helper_init(dev, fdev->vram_base, fdev->caps.vram_size);
	if (ret)
		return ret;

	ret = fakegpu_kms_init(fdev);
	if (ret)
		return ret;

	/* After KMS init: the handler walks the CRTCs. */
	ret = fakegpu_irq_init(fdev);
	if (ret)
		return ret;

	ret = drm_dev_register(dev, 0);
	if (ret)
		return ret;

	/* fbdev console: XRGB8888 if the device has it, else RGB565. */
	if (fdev->caps.formats & BIT(FAKEGPU_FMT_XRGB8888))
		fakegpu_compat_client_setup(dev, DRM_FORMAT_XRGB8888);
	else if (fdev->caps.formats & BIT(FAKEGPU_FMT_RGB565))
		fakegpu_compat_client_setup(dev, DRM_FORMAT_RGB565);
	else
		drm_info(dev, "no XRGB8888/RGB565 scanout: no fbdev console\n");
	return 0;
}

static void fakegpu_pci_remove(struct pci_dev *pdev)
{
	struct drm_device *dev = pci_get_drvdata(pdev);

	/*
	 * Unplug first so every later hardware access is skipped by
	 * drm_dev_enter(), then switch the heads off (their events are
	 * completed without waiting for a device that may be gone). IRQ,
	 * vectors and BARs are released by devres afterwards, in that order.
	 */
	drm_dev_unplug(dev);
	drm_atomic_helper_shutdown(dev);
}

static void fakegpu_pci_shutdown(struct pci_dev *pdev)
{
	drm_atomic_helper_shutdown(pci_get_drvdata(pdev));
}

static int fakegpu_pm_suspend(struct device *d)
{
	return drm_mode_config_helper_suspend(dev_get_drvdata(d));
}

static int fakegpu_pm_resume(struct device *d)
{
	struct drm_device *dev = dev_get_drvdata(d);
	struct fakegpu_device *fdev = to_fakegpu(dev);
	unsigned long flags;
	unsigned int i;

	/*
	 * The device may have been reset: restore the mask, forget what its
	 * shadows held, then restore the modeset.
	 */
	spin_lock_irqsave(&fdev->irq_lock, flags);
	fakegpu_wr(fdev, FAKEGPU_REG_IRQ_MASK, fdev->irq_mask);
	spin_unlock_irqrestore(&fdev->irq_lock, flags);
	mutex_lock(&fdev->hw_lock);
	for (i = 0; i < fdev->caps.num_heads; i++)
		fakegpu_head_shadow_forget(&fdev->heads[i]);
	mutex_unlock(&fdev->hw_lock);
	fakegpu_shm_resume(fdev);

	return drm_mode_config_helper_resume(dev);
}

static DEFINE_SIMPLE_DEV_PM_OPS(fakegpu_pm_ops, fakegpu_pm_suspend, fakegpu_pm_resume);

/*
 * The fake T4 shares vendor/device IDs with the real Tesla T4: match only the
 * 3D-controller class (what a T4 and the fake one present) and let
 * fakegpu_hw_identify() back off from real hardware, whose BAR0 starts with
 * NV_PMC_BOOT_0 instead of the "FAKE" magic.
 */
static const struct pci_device_id fakegpu_pci_ids[] = {
	{ PCI_DEVICE(FAKEGPU_PCI_VENDOR_NVIDIA, FAKEGPU_PCI_DEVICE_T4),
	  .class = FAKEGPU_PCI_CLASS_3D, .class_mask = 0xffff00 },
	{ PCI_DEVICE(FAKEGPU_PCI_VENDOR_VIRT, FAKEGPU_PCI_DEVICE_VIRT) },
	{ }
};
MODULE_DEVICE_TABLE(pci, fakegpu_pci_ids);

static struct pci_driver fakegpu_pci_driver = {
	.name		= FAKEGPU_DRIVER_NAME,
	.id_table	= fakegpu_pci_ids,
	.probe		= fakegpu_pci_probe,
	.remove		= fakegpu_pci_remove,
	.shutdown	= fakegpu_pci_shutdown,
	.driver.pm	= pm_sleep_ptr(&fakegpu_pm_ops),
};

drm_module_pci_driver_if_modeset(fakegpu_pci_driver, fakegpu_modeset);

MODULE_DESCRIPTION("DRM/KMS driver for the fakegpu emulated display GPU (fake Tesla T4 vGPU / feed:face), device ABI "
		   __stringify(FAKEGPU_ABI_MAJOR) "." __stringify(FAKEGPU_ABI_MINOR));
MODULE_AUTHOR("fakegpu developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(__stringify(FAKEGPU_DRIVER_MAJOR) "." __stringify(FAKEGPU_DRIVER_MINOR));
