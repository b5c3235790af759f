/* SPDX-License-Identifier: MIT */
/*
 * The fakegpu PCI function: identity (profiles), config space with BAR sizing
 * and an MSI capability, BAR0 registers forwarded to the display engine, VRAM
 * BAR backed by a memfd the client maps, INTx/MSI delivered on eventfds.
 *
 * It implements the vfio-user device callbacks (struct fg_vfu_dev_ops) for the
 * transport; it does not know about sockets.
 *
 * Regions (vfio-pci indices): 0 = BAR0 registers (FAKEGPU_MMIO_SIZE, R/W,
 * socket only), 2 = BAR2/3 VRAM (R/W/MMAP, sparse mmap cap covering all of
 * it, memfd passed in the GET_REGION_INFO reply), 4 = BAR4 shared pages
 * (FAKEGPU_SHM_SIZE, R/W/MMAP, the same memfd at offset VRAM size), 7 =
 * config space (256 bytes). The others exist with size 0.
 *
 * BAR0 access rules over the socket:
 *   - 4 bytes at a 4-aligned offset: one register (fg_engine_read/write);
 *   - 8 bytes at an 8-aligned offset: two registers, low one first;
 *   - 1 or 2 byte reads at a naturally aligned offset: the bytes of the
 *     containing register (reads have no side effects);
 *   - anything else (sub-register writes, unaligned, out of range): error
 *     reply EINVAL, nothing happens (QEMU then gives the guest all-ones on a
 *     read and drops a write).
 * VRAM and config space accept any size and alignment within bounds.
 *
 * Interrupts: index 0 INTx (1 vector, eventfd, maskable, automasked like the
 * kernel's vfio-pci: masked when it fires, re-fires on UNMASK while the
 * engine's line is still up), index 1 MSI (1 vector, eventfd, maskable: a
 * masked MSI is remembered and sent on UNMASK). An engine interrupt goes out
 * as MSI when an MSI eventfd is set, else as INTx when an INTx eventfd is set
 * and the command register does not disable INTx. Indices 2..4 (MSI-X, ERR,
 * REQ) exist: MSI-X with count 0; ERR and REQ take an eventfd that is never
 * signalled (QEMU warns when it cannot set them up).
 */
#ifndef FG_PCI_H
#define FG_PCI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine.h"
#include "vfu.h"

struct fg_pci_profile {
	const char *name;
	const char *desc;
	uint16_t vendor, device, subvendor, subdevice;
	uint32_t class_code;		/* base << 16 | sub << 8 | prog-if */
	uint32_t vram_mb;
	unsigned int heads;
};

/* NULL when unknown. */
const struct fg_pci_profile *fg_pci_profile_find(const char *name);
/* "t4-1b, t4-2b, virt" for usage messages. */
const char *fg_pci_profile_names(void);

struct fg_pci_config {
	const struct fg_pci_profile *profile;
	uint32_t vram_mb;		/* 0: profile default */
	unsigned int heads;		/* 0: profile default */
	const struct fg_engine_mode *modes;	/* optional, see engine.h */
	unsigned int num_modes;
	/* Optional: the engine's wake callback (engine.h). */
	void (*wake)(void *opaque);
	void *wake_opaque;
	/* Optional: the engine's exit-on-commit callback (engine.h). */
	void (*fault_exit)(void *opaque, const char *why);
	void *fault_exit_opaque;
};

struct fg_pci;

/* Validate @cfg, create the VRAM memfd and the engine. NULL + message on error. */
struct fg_pci *fg_pci_new(const struct fg_pci_config *cfg);
void fg_pci_free(struct fg_pci *p);

/* The vfio-user callbacks; their opaque pointer is the struct fg_pci. */
const struct fg_vfu_dev_ops *fg_pci_vfu_ops(void);

struct fg_engine *fg_pci_engine(struct fg_pci *p);
uint64_t fg_pci_vram_size(const struct fg_pci *p);
unsigned int fg_pci_heads(const struct fg_pci *p);
const struct fg_pci_profile *fg_pci_profile(const struct fg_pci *p);
/* Status lines: interrupt mode and counts. */
void fg_pci_status(struct fg_pci *p, FILE *out);

#endif /* FG_PCI_H */
