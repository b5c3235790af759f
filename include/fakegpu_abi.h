/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * fakegpu device ABI: the single source of truth shared by the emulated device
 * (device/), the guest driver (drm-driver/) and the tests. docs/device-abi.md
 * explains the semantics of every register defined here.
 *
 * Every change to this file bumps FAKEGPU_ABI_MINOR (compatible addition) or
 * FAKEGPU_ABI_MAJOR (incompatible change); the driver refuses a major it does
 * not know.
 *
 * Only plain integer constants live here so that the header builds unchanged
 * in the kernel and in userspace.
 */
#ifndef FAKEGPU_ABI_H
#define FAKEGPU_ABI_H

/* ---- PCI identity --------------------------------------------------------- */

#define FAKEGPU_PCI_VENDOR_NVIDIA	0x10de
#define FAKEGPU_PCI_DEVICE_T4		0x1eb8	/* Tesla T4 */
#define FAKEGPU_PCI_CLASS_3D		0x030200 /* 3D controller */
#define FAKEGPU_PCI_SUBSYS_T4_1B	0x1222	/* GRID T4-1B, mdev type nvidia-222 */
#define FAKEGPU_PCI_SUBSYS_T4_2B	0x1223	/* GRID T4-2B, mdev type nvidia-223 */

#define FAKEGPU_PCI_VENDOR_VIRT		0xfeed
#define FAKEGPU_PCI_DEVICE_VIRT		0xface
#define FAKEGPU_PCI_CLASS_DISPLAY	0x030000 /* VGA-compatible display */
#define FAKEGPU_PCI_SUBSYS_VIRT		0x0001

#define FAKEGPU_PCI_REVISION		0x01

/* ---- BARs ----------------------------------------------------------------- */

#define FAKEGPU_BAR_MMIO		0	/* 32-bit non-prefetchable registers */
#define FAKEGPU_BAR_VRAM		2	/* 64-bit prefetchable, memfd-backed */
#define FAKEGPU_BAR_SHM			4	/* 1.4: 32-bit, the shared pages */
#define FAKEGPU_MMIO_SIZE		0x4000
#define FAKEGPU_VRAM_MIN		(16u << 20)	/* 16 MiB */
#define FAKEGPU_VRAM_MAX_MB		4096		/* 4 GiB */

/* ---- Global registers (BAR0, 32-bit little-endian) ------------------------ */

#define FAKEGPU_REG_ID			0x0000	/* RO: FAKEGPU_ID_MAGIC */
#define FAKEGPU_ID_MAGIC		0x46414b45 /* "FAKE" */
#define FAKEGPU_REG_ABI_VERSION		0x0004	/* RO: major << 16 | minor */
#define FAKEGPU_ABI_MAJOR		1
#define FAKEGPU_ABI_MINOR		5
/* 1.1: FRAME no longer restarts on enable. 1.2: overlay plane, plane alpha,
 * blend mode and zpos, gamma LUT, writeback, VBLANK_AGE. 1.3: ARGB1555.
 * 1.4: shared pages (BAR4, SHM_CTRL, CLOCK_LO/HI, COMMIT.SHM); the frame
 * CRC is CRC-32C. 1.5: a commit is latched at a vblank only if it was made
 * before that vblank's instant (the commit record's TIME; a COMMIT write's
 * arrival). */
#define FAKEGPU_ABI_VERSION		((FAKEGPU_ABI_MAJOR << 16) | FAKEGPU_ABI_MINOR)
#define FAKEGPU_REG_CAPS		0x0008	/* RO: FAKEGPU_CAP_* */
#define   FAKEGPU_CAP_CURSOR		(1u << 0)
#define   FAKEGPU_CAP_CRC		(1u << 1)
#define   FAKEGPU_CAP_HOTPLUG		(1u << 2)
#define   FAKEGPU_CAP_OVERLAY		(1u << 3) /* 1.2: plane 2 is an overlay */
#define   FAKEGPU_CAP_GAMMA		(1u << 4) /* 1.2: per-head gamma LUT */
#define   FAKEGPU_CAP_WRITEBACK		(1u << 5) /* 1.2: per-head writeback */
#define   FAKEGPU_CAP_SHM		(1u << 6) /* 1.4: shared pages in BAR4 */
#define FAKEGPU_REG_NUM_HEADS		0x000c	/* RO: 1..FAKEGPU_MAX_HEADS */
#define FAKEGPU_REG_VRAM_SIZE_LO	0x0010	/* RO: VRAM bytes, == BAR2 size */
#define FAKEGPU_REG_VRAM_SIZE_HI	0x0014
#define FAKEGPU_REG_MAX_WIDTH		0x0018	/* RO: largest plane/mode width */
#define FAKEGPU_REG_MAX_HEIGHT		0x001c
#define FAKEGPU_REG_FORMATS		0x0020	/* RO: bit (1 << FAKEGPU_FMT_*) */
#define FAKEGPU_REG_CURSOR_MAX		0x0024	/* RO: width | height << 16 */
#define FAKEGPU_REG_PLANES_PER_HEAD	0x0028	/* RO: planes in each head block */
#define FAKEGPU_REG_IRQ_STATUS		0x0030	/* RW1C: FAKEGPU_IRQ_* */
#define FAKEGPU_REG_IRQ_MASK		0x0034	/* RW: 1 = enabled */
#define FAKEGPU_REG_CTRL		0x0040	/* WO: FAKEGPU_CTRL_* */
#define   FAKEGPU_CTRL_RESET		(1u << 0) /* all heads off, IRQs masked */
#define FAKEGPU_REG_SCRATCH		0x0044	/* RW: free for the driver/tests */
#define FAKEGPU_REG_ERROR_COUNT		0x0048	/* RO: refused register writes */
/*
 * 1.4, FAKEGPU_CAP_SHM: SHM_CTRL.ENABLE switches event reporting and commits
 * to the shared pages (see "Shared pages" below). CLOCK_LO reads the device
 * clock (ns, the clock of the status page's vblank times) and keeps its high
 * half for the next CLOCK_HI read.
 */
#define FAKEGPU_REG_SHM_CTRL		0x004c	/* RW: FAKEGPU_SHM_CTRL_* */
#define   FAKEGPU_SHM_CTRL_ENABLE	(1u << 0)
#define FAKEGPU_REG_CLOCK_LO		0x0050	/* RO: device clock, low half */
#define FAKEGPU_REG_CLOCK_HI		0x0054	/* RO: high half at the LO read */

#define FAKEGPU_MAX_HEADS		8
#define FAKEGPU_IRQ_VBLANK(h)		(1u << (h))		/* bits 0..7 */
#define FAKEGPU_IRQ_HOTPLUG(h)		(1u << (8 + (h)))	/* bits 8..15 */
#define FAKEGPU_IRQ_ERROR(h)		(1u << (16 + (h)))	/* bits 16..23 */
#define FAKEGPU_IRQ_WRITEBACK(h)	(1u << (24 + (h)))	/* bits 24..31, 1.2 */
#define FAKEGPU_IRQ_ALL			0xffffffffu

/* Pixel formats (FAKEGPU_PLANE_FORMAT values). */
#define FAKEGPU_FMT_XRGB8888		1	/* DRM_FORMAT_XRGB8888 */
#define FAKEGPU_FMT_ARGB8888		2	/* DRM_FORMAT_ARGB8888 */
#define FAKEGPU_FMT_RGB565		3	/* DRM_FORMAT_RGB565 */
#define FAKEGPU_FMT_ARGB1555		4	/* DRM_FORMAT_ARGB1555 (1.3) */

/* ---- Per-head registers --------------------------------------------------- */

#define FAKEGPU_HEAD_BASE(h)		(0x1000 + (h) * 0x400)

/*
 * Shadow registers: the guest writes them freely; the engine copies them into
 * its active state only when COMMIT is written, at the next vblank (or at once
 * when the head is off), after validating them.
 */
#define FAKEGPU_HEAD_CTRL		0x000	/* shadow */
#define   FAKEGPU_HEAD_CTRL_ENABLE	(1u << 0)
#define   FAKEGPU_HEAD_CTRL_CRC		(1u << 1) /* compute a CRC every frame */
#define FAKEGPU_HEAD_WIDTH		0x004	/* shadow: active pixels */
#define FAKEGPU_HEAD_HEIGHT		0x008	/* shadow: active lines */
#define FAKEGPU_HEAD_REFRESH_MHZ	0x00c	/* shadow: refresh in milli-Hz */
#define FAKEGPU_HEAD_COMMIT		0x010	/* W: 1 = latch shadows; R: pending */
#define   FAKEGPU_COMMIT_REGS		(1u << 0)
#define   FAKEGPU_COMMIT_SHM		(1u << 1) /* 1.4: take the commit page's record now */
#define FAKEGPU_HEAD_STATUS		0x014	/* RO: FAKEGPU_HEAD_STATUS_* */
#define   FAKEGPU_HEAD_STATUS_PENDING	(1u << 0) /* commit not latched yet */
#define   FAKEGPU_HEAD_STATUS_ERROR	(1u << 1) /* last commit was refused */
#define   FAKEGPU_HEAD_STATUS_ACTIVE	(1u << 2) /* head is scanning out */
#define FAKEGPU_HEAD_ERROR_CODE		0x018	/* RO: FAKEGPU_ERR_* of last refusal */
#define FAKEGPU_HEAD_FRAME		0x020	/* RO: vblanks since device reset */
#define FAKEGPU_HEAD_CRC		0x024	/* RO: CRC of frame CRC_FRAME */
#define FAKEGPU_HEAD_CRC_FRAME		0x028	/* RO: frame the CRC belongs to */
#define FAKEGPU_HEAD_CONNECTOR		0x030	/* RO: FAKEGPU_CONN_* */
#define   FAKEGPU_CONN_CONNECTED	(1u << 0)
#define FAKEGPU_HEAD_EDID_SIZE		0x034	/* RO: bytes in the EDID window */
/*
 * 1.2: how long ago (ns, device clock) the head's last vblank was; reading it
 * also copies FRAME into AGE_FRAME, the frame that vblank started, so the pair
 * is consistent. 0xffffffff while the head is off or before its first vblank.
 * Lets a driver timestamp vblanks exactly instead of by interrupt arrival.
 */
#define FAKEGPU_HEAD_VBLANK_AGE		0x038	/* RO */
#define FAKEGPU_HEAD_AGE_FRAME		0x03c	/* RO */

/*
 * Gamma (1.2, FAKEGPU_CAP_GAMMA): a 256-entry LUT per head applied to the
 * composed frame (and so to screenshots and the CRC). The LUT is a shadow
 * latched with the next commit, like GAMMA_CTRL. Write GAMMA_INDEX, then
 * GAMMA_DATA once per entry (the index auto-increments, wrapping 255 -> 0;
 * reads too). An entry is 0x00RRGGBB: output value of each channel for input
 * value INDEX (bits 24..31 reserved). Reset: identity LUT, disabled.
 */
#define FAKEGPU_HEAD_GAMMA_CTRL		0x040	/* shadow: bit 0 enable */
#define   FAKEGPU_GAMMA_CTRL_ENABLE	(1u << 0)
#define FAKEGPU_HEAD_GAMMA_INDEX	0x044	/* RW: 0..255 */
#define FAKEGPU_HEAD_GAMMA_DATA		0x048	/* RW: entry at INDEX, INDEX++ */
#define FAKEGPU_GAMMA_SIZE		256

/*
 * Writeback (1.2, FAKEGPU_CAP_WRITEBACK): one-shot. A commit that latches with
 * WB_CTRL.ENABLE makes the engine write the frame it composes at that vblank
 * (after gamma, WIDTH x HEIGHT) into VRAM at WB_OFFSET with WB_PITCH in
 * WB_FORMAT (XRGB8888 or ARGB8888; the top byte is written 0xff in both),
 * then set WB_STATUS.DONE and raise IRQ_WRITEBACK(h). A window outside VRAM,
 * a pitch that is not a multiple of 4 or < WIDTH * 4, another format, or a
 * commit that switches the head off sets WB_STATUS.ERROR instead (also with
 * IRQ_WRITEBACK); the display commit itself is not refused. One-shot: the
 * COMMIT write that captures WB_CTRL.ENABLE clears it in the shadow (reads
 * 0 afterwards), so each writeback needs its own WB_CTRL write.
 */
#define FAKEGPU_HEAD_WB_CTRL		0x050	/* shadow: bit 0 enable */
#define   FAKEGPU_WB_CTRL_ENABLE	(1u << 0)
#define FAKEGPU_HEAD_WB_OFFSET_LO	0x054	/* shadow */
#define FAKEGPU_HEAD_WB_OFFSET_HI	0x058	/* shadow */
#define FAKEGPU_HEAD_WB_PITCH		0x05c	/* shadow */
#define FAKEGPU_HEAD_WB_FORMAT		0x060	/* shadow: FAKEGPU_FMT_* */
#define FAKEGPU_HEAD_WB_STATUS		0x064	/* RO */
#define   FAKEGPU_WB_STATUS_DONE	(1u << 0) /* cleared when the next WB commit latches */
#define   FAKEGPU_WB_STATUS_ERROR	(1u << 1)

/* Why a commit was refused (FAKEGPU_HEAD_ERROR_CODE). */
#define FAKEGPU_ERR_NONE		0
#define FAKEGPU_ERR_MODE		1	/* size/refresh out of range */
#define FAKEGPU_ERR_FORMAT		2	/* unknown or unsupported format */
#define FAKEGPU_ERR_PITCH		3	/* pitch too small or misaligned */
#define FAKEGPU_ERR_BOUNDS		4	/* buffer does not fit in VRAM */
#define FAKEGPU_ERR_RECT		5	/* source rect outside the buffer */
#define FAKEGPU_ERR_RESERVED		6	/* 1.4: a commit record value with reserved bits */

/*
 * Planes: FAKEGPU_REG_PLANES_PER_HEAD blocks per head, all shadow registers.
 * Plane 0 is the primary plane, plane 1 the cursor (ARGB8888 only), plane 2
 * (1.2, FAKEGPU_CAP_OVERLAY) an overlay. The engine starts from black and
 * blends the enabled planes in ascending ZPOS (ties: lower plane index
 * first), each with its BLEND mode and plane ALPHA (DRM's formulas); formats
 * without alpha have pixel alpha 1. No scaling: SRC_W/H are also the size
 * on screen.
 */
#define FAKEGPU_PLANE_PRIMARY		0
#define FAKEGPU_PLANE_CURSOR		1
#define FAKEGPU_PLANE_OVERLAY		2
#define FAKEGPU_PLANE_BASE(p)		(0x100 + (p) * 0x40)
#define FAKEGPU_PLANE_CTRL		0x00
#define   FAKEGPU_PLANE_CTRL_ENABLE	(1u << 0)
#define FAKEGPU_PLANE_FORMAT		0x04	/* FAKEGPU_FMT_* */
#define FAKEGPU_PLANE_OFFSET_LO		0x08	/* byte offset of the buffer in VRAM */
#define FAKEGPU_PLANE_OFFSET_HI		0x0c
#define FAKEGPU_PLANE_PITCH		0x10	/* bytes per line */
#define FAKEGPU_PLANE_SRC_X		0x14	/* source rectangle in the buffer */
#define FAKEGPU_PLANE_SRC_Y		0x18
#define FAKEGPU_PLANE_SRC_W		0x1c
#define FAKEGPU_PLANE_SRC_H		0x20
#define FAKEGPU_PLANE_DST_X		0x24	/* signed: position on the head */
#define FAKEGPU_PLANE_DST_Y		0x28	/* signed */
#define FAKEGPU_PLANE_ALPHA		0x2c	/* 1.2: 0..0xffff, reset 0xffff */
#define FAKEGPU_PLANE_BLEND		0x30	/* 1.2: FAKEGPU_BLEND_* */
#define   FAKEGPU_BLEND_PREMULTI	0	/* reset value: DRM's default */
#define   FAKEGPU_BLEND_COVERAGE	1
#define   FAKEGPU_BLEND_NONE		2	/* pixel alpha ignored */
#define FAKEGPU_PLANE_ZPOS		0x34	/* 1.2: reset: the plane index */

#define FAKEGPU_EDID_WINDOW		0x200	/* 512 bytes: EDID, 4 blocks max */
#define FAKEGPU_EDID_MAX		512

/* ---- Shared pages (1.4, FAKEGPU_CAP_SHM) ---------------------------------- */

/*
 * BAR4 holds two pages of plain memory that the device process and the guest
 * both map: the status page, which only the device writes, and the commit
 * page, which only the guest writes. Every field is a little-endian u32 at a
 * 4-aligned offset; 64-bit values are LO/HI pairs. Each per-head record is
 * guarded by a sequence counter (SEQ): its writer makes it odd, writes the
 * record, then makes it even again, with write barriers in between; a reader
 * takes a record only when SEQ was even and unchanged around its reads.
 */
#define FAKEGPU_SHM_SIZE		0x2000	/* BAR4 size: two 4 KiB pages */
#define FAKEGPU_SHM_STATUS		0x0000	/* status page (device writes) */
#define FAKEGPU_SHM_COMMIT		0x1000	/* commit page (guest writes) */

/* Status page: a header, then one record per head. */
#define FAKEGPU_SHM_ST_LAYOUT		0x000	/* FAKEGPU_SHM_LAYOUT once enabled */
#define   FAKEGPU_SHM_LAYOUT		1
#define FAKEGPU_SHM_ST_HEAD(h)		(0x040 + (h) * 0x40)
#define FAKEGPU_SHM_ST_SEQ		0x00
#define FAKEGPU_SHM_ST_FRAME		0x04	/* HEAD_FRAME */
#define FAKEGPU_SHM_ST_VBLANK_LO	0x08	/* device clock of FRAME's vblank */
#define FAKEGPU_SHM_ST_VBLANK_HI	0x0c
#define FAKEGPU_SHM_ST_LATCHED		0x10	/* COMMIT number last taken */
#define FAKEGPU_SHM_ST_STATUS		0x14	/* HEAD_STATUS */
#define FAKEGPU_SHM_ST_ERROR_CODE	0x18	/* HEAD_ERROR_CODE */
#define FAKEGPU_SHM_ST_CRC		0x1c	/* HEAD_CRC */
#define FAKEGPU_SHM_ST_CRC_FRAME	0x20	/* HEAD_CRC_FRAME */
#define FAKEGPU_SHM_ST_WB_STATUS	0x24	/* HEAD_WB_STATUS */
#define FAKEGPU_SHM_ST_WB_COUNT		0x28	/* writebacks finished (done or error) */
#define FAKEGPU_SHM_ST_REFUSED		0x2c	/* commits refused */
#define FAKEGPU_SHM_ST_HOTPLUG		0x30	/* connector changes */
#define FAKEGPU_SHM_ST_CONNECTOR	0x34	/* HEAD_CONNECTOR */

/*
 * Commit page: one record per head. COMMIT is a number the guest changes to
 * commit the record's registers; at the head's next vblank the device takes
 * a record whose COMMIT differs from the last one it took, unless FLAGS has
 * DOORBELL: such a record is taken only by a COMMIT register write with
 * FAKEGPU_COMMIT_SHM (at once, like a COMMIT of the shadow registers; the way
 * to commit to a head that is off, or a commit that also carries gamma or
 * writeback register writes). The status page's LATCHED then reports the
 * COMMIT number latched or refused. The head registers keep their HEAD_*
 * offsets relative to FAKEGPU_SHM_CM_REGS, the planes their PLANE_* offsets
 * relative to FAKEGPU_SHM_CM_PLANE(p).
 */
#define FAKEGPU_SHM_CM_HEAD(h)		((h) * 0x200)
#define FAKEGPU_SHM_CM_SEQ		0x00
#define FAKEGPU_SHM_CM_COMMIT		0x04
#define FAKEGPU_SHM_CM_FLAGS		0x08
/*
 * 1.5: when the guest wrote the record, in the device clock (CLOCK_LO/HI) in
 * µs modulo 2^32, rounded up; 0 = unknown. A vblank takes the record only if
 * the vblank's instant (its status VBLANK time) is not before TIME, compared
 * modulo 2^32 (as a signed difference): a record written after it waits for
 * the next vblank, however late the device runs this one.
 */
#define FAKEGPU_SHM_CM_TIME		0x0c
/* Take this record only on a COMMIT write with FAKEGPU_COMMIT_SHM. */
#define   FAKEGPU_SHM_CM_FLAG_DOORBELL	(1u << 0)
#define FAKEGPU_SHM_CM_REGS		0x10	/* + HEAD_CTRL..HEAD_REFRESH_MHZ */
#define FAKEGPU_SHM_CM_PLANE(p)		(0x40 + (p) * 0x40)	/* + PLANE_* */

#endif /* FAKEGPU_ABI_H */
