/* SPDX-License-Identifier: MIT */
/*
 * The display engine: register file of BAR0, per-head timing generators,
 * scanout/composition from VRAM, CRC, EDID, hotplug. It knows nothing of
 * sockets or vfio-user: the PCI/transport layer calls it for BAR0 accesses and
 * drives its clock; it reports interrupts through one callback.
 *
 * Threads: every function may be called from any thread; an internal mutex
 * serialises them (engine.c, struct fg_engine). fg_engine_run() and
 * fg_engine_screenshot() compose frames without holding it and share scratch
 * buffers: call those two from one thread only (the display thread). The
 * interrupt and wake callbacks are called without the mutex held, from
 * whichever thread raised them.
 */
#ifndef FG_ENGINE_H
#define FG_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fault.h"

struct fg_engine;

/* A display mode a head's EDID advertises. */
struct fg_engine_mode {
	uint32_t width, height;		/* 64..4095 */
	uint32_t refresh_hz;		/* 24..240 */
};

struct fg_engine_config {
	unsigned int heads;		/* 1..FAKEGPU_MAX_HEADS */
	uint64_t vram_size;		/* bytes, == BAR2 size */
	uint8_t *vram;			/* the VRAM memfd mapped read/write */
	/*
	 * Optional: FAKEGPU_SHM_SIZE bytes of memory shared with the guest
	 * (BAR4): the status and commit pages. NULL: no FAKEGPU_CAP_SHM.
	 */
	uint8_t *shm;
	uint32_t max_width, max_height;	/* 0: engine defaults */
	/*
	 * Optional: the modes every head's EDID advertises, the first one
	 * preferred. NULL/0: 1024x768 (preferred), 1920x1080, 1280x720,
	 * 800x600, 640x480, all at 60 Hz. The array is copied.
	 */
	const struct fg_engine_mode *modes;
	unsigned int num_modes;
	/*
	 * Optional: the clock VBLANK_AGE reads are measured with, the same
	 * clock fg_engine_run() is driven by. NULL: CLOCK_MONOTONIC.
	 */
	uint64_t (*clock_ns)(void *opaque);
	void *clock_opaque;
	/*
	 * Optional: called when fg_engine_next_deadline() may have moved
	 * earlier (a head switched on by a register write), so that a display
	 * thread sleeping until the old deadline wakes up and asks again.
	 */
	void (*wake)(void *opaque);
	void *wake_opaque;
	/*
	 * Optional: what the exit-on-commit fault does when its commit
	 * arrives, @why a one-line message (no newline). Called with the
	 * engine's mutex held, before the commit is captured; it must not
	 * call into the engine and is not expected to return (the device
	 * prints @why and exits with FG_FAULT_EXIT_STATUS; if it returns, the
	 * commit goes on normally). NULL: the engine prints @why on stderr
	 * and calls _exit(FG_FAULT_EXIT_STATUS).
	 */
	void (*fault_exit)(void *opaque, const char *why);
	void *fault_exit_opaque;
};

/*
 * Parse a mode list "WxH@HZ[,WxH@HZ...]" ("@HZ" optional, default 60) into
 * @modes (at most @max entries). Returns the number of modes, or -1 with a
 * message on stderr.
 */
int fg_engine_parse_modes(const char *s, struct fg_engine_mode *modes,
			  unsigned int max);

/*
 * Called whenever the engine sets a bit in IRQ_STATUS that is enabled in
 * IRQ_MASK (also when IRQ_MASK is written to enable an already pending bit;
 * with the shared pages on, for each event whose bit is enabled), never
 * while the irq-stop fault holds. The PCI layer turns it into an MSI
 * (eventfd write).
 */
typedef void (*fg_engine_irq_fn)(void *opaque);

struct fg_engine *fg_engine_new(const struct fg_engine_config *cfg,
				fg_engine_irq_fn irq, void *opaque);
void fg_engine_free(struct fg_engine *e);

/* BAR0 access: offset < FAKEGPU_MMIO_SIZE, 4-byte aligned (caller checks). */
uint32_t fg_engine_read(struct fg_engine *e, uint32_t offset);
/*
 * The value fg_engine_read() would return, without its side effects
 * (GAMMA_DATA's index increment, VBLANK_AGE's capture into AGE_FRAME, the
 * reg_reads count): for sub-register reads, which have none.
 */
uint32_t fg_engine_peek(const struct fg_engine *e, uint32_t offset);
void fg_engine_write(struct fg_engine *e, uint32_t offset, uint32_t value);
/* Level of the interrupt line (IRQ_STATUS & IRQ_MASK != 0), for INTx. */
bool fg_engine_irq_pending(const struct fg_engine *e);
/* Device reset (vfio-user DEVICE_RESET, FAKEGPU_CTRL_RESET). */
void fg_engine_reset(struct fg_engine *e);

/*
 * Clock: CLOCK_MONOTONIC nanoseconds. The event loop sleeps until
 * fg_engine_next_deadline() (UINT64_MAX: nothing scheduled) and then calls
 * fg_engine_run() which processes every vblank that is due.
 * Register writes can move the deadline (a head switched on): re-read it
 * after every fg_engine_write(). A head switched on while it was off gets its
 * timing origin from the next fg_engine_run() call; until then the deadline
 * is 1 (already due), so the loop calls fg_engine_run() at once.
 */
uint64_t fg_engine_next_deadline(const struct fg_engine *e);
void fg_engine_run(struct fg_engine *e, uint64_t now_ns);

/*
 * Host side (control socket, tests). The screenshot is exactly what the
 * engine displays on @head now: *pixels is malloc'ed XRGB8888 (0x00RRGGBB),
 * width*height entries, caller frees. Returns 0 or -errno (-ENODEV bad head,
 * -ENODATA head not scanning out).
 */
int fg_engine_screenshot(struct fg_engine *e, unsigned int head,
			 uint32_t **pixels, uint32_t *width, uint32_t *height);
int fg_engine_set_connected(struct fg_engine *e, unsigned int head,
			    bool connected);

struct fg_engine_head_stats {
	bool active, connected;
	uint32_t width, height, refresh_mhz;
	uint32_t frames;		/* FAKEGPU_HEAD_FRAME */
	uint32_t crc;			/* last computed CRC (0 if none) */
	uint32_t crc_frame;		/* FAKEGPU_HEAD_CRC_FRAME */
	/* Device lifetime counts: fg_engine_reset() does not clear them. */
	uint64_t vblank_irqs;		/* vblank interrupts raised */
	uint64_t commits, refused;	/* latched / refused commits */
	/*
	 * BAR0 accesses fg_engine_write()/fg_engine_read() got in the head's
	 * register block (FAKEGPU_HEAD_BASE(head) up to the next head's,
	 * planes and EDID window included); global registers are not counted.
	 */
	uint64_t reg_writes, reg_reads;
};
int fg_engine_head_stats(const struct fg_engine *e, unsigned int head,
			 struct fg_engine_head_stats *st);
unsigned int fg_engine_heads(const struct fg_engine *e);
/* The real VRAM size in bytes (the vram-mb fault does not change it). */
uint64_t fg_engine_vram_size(const struct fg_engine *e);

/*
 * Fault injection (fault.h, docs/device-abi.md section 16). The faults are
 * host state: a device reset keeps them.
 *
 * fg_engine_fault_set(): make @f active; setting a fault that is already
 * active (for the same head) replaces it. @startup: the device serves
 * nobody yet; the identity lies (fg_fault_startup_only()) are refused
 * otherwise. Returns 0, or -ENODEV (no such head) or -EPERM (identity lie
 * at run time) with a one-line message (no newline) in @err.
 * fg_engine_fault(): parse @spec (fg_fault_parse()) and set it; -EINVAL
 * for a bad SPEC.
 * fg_engine_fault_clear(): remove every fault but the identity lies.
 * fg_engine_fault_list(): one line per active fault, "SPEC\n" (an
 * exit-on-commit line adds " (K received)"), in a fixed order; returns how
 * many.
 */
int fg_engine_fault_set(struct fg_engine *e, const struct fg_fault *f, bool startup,
			char *err, size_t errlen);
int fg_engine_fault(struct fg_engine *e, const char *spec, bool startup,
		    char *err, size_t errlen);
void fg_engine_fault_clear(struct fg_engine *e);
unsigned int fg_engine_fault_list(const struct fg_engine *e, FILE *out);

#endif /* FG_ENGINE_H */
