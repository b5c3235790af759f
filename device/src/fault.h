/* SPDX-License-Identifier: MIT */
/*
 * Fault injection: the ways the device can be told to misbehave, so that a
 * driver can be tested against a device that does (docs/device-abi.md,
 * section 16). This file parses and prints fault SPECs; the engine holds
 * the active faults and acts on them (engine.h, fg_engine_fault_*()).
 *
 *   irq-bits=MASK          every interrupt raised also sets MASK
 *   frame-stall=HEAD       HEAD's frame counter and vblank time stop
 *   frame-jump=HEAD:N      once, HEAD's frame counter skips N frames
 *   age-behind=HEAD:MS     HEAD's vblank timestamps MS ms in the past
 *   irq-stop               no interrupt is signalled
 *   no-latch=HEAD          HEAD's commits never latch
 *   exit-on-commit=N       the process exits (status 3) at the Nth commit
 *   heads=N, vram-mb=N, edid-size=N   identity lies, at startup only
 *
 * Numbers are decimal; MASK may also be hexadecimal with 0x.
 */
#ifndef FG_FAULT_H
#define FG_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fg_fault_kind {
	FG_FAULT_IRQ_BITS,
	FG_FAULT_FRAME_STALL,
	FG_FAULT_FRAME_JUMP,
	FG_FAULT_AGE_BEHIND,
	FG_FAULT_IRQ_STOP,
	FG_FAULT_NO_LATCH,
	FG_FAULT_EXIT_ON_COMMIT,
	/* Identity lies: set at startup only. */
	FG_FAULT_HEADS,
	FG_FAULT_VRAM_MB,
	FG_FAULT_EDID_SIZE,
};

struct fg_fault {
	enum fg_fault_kind kind;
	unsigned int head;	/* frame-stall, frame-jump, age-behind, no-latch */
	uint32_t value;		/* MASK, N or MS; 0 for those without a value */
};

/* The exit status of a process that exit-on-commit ended. */
#define FG_FAULT_EXIT_STATUS	3

/*
 * Parse @spec into @f. @heads: head numbers must be below it (0: not
 * checked, for a command line parsed before the device exists). Returns 0,
 * or -1 with a one-line message (no newline) in @err saying what is wrong
 * and what is allowed.
 */
int fg_fault_parse(const char *spec, unsigned int heads, struct fg_fault *f,
		   char *err, size_t errlen);

/* True for the identity lies, which a running device refuses. */
bool fg_fault_startup_only(enum fg_fault_kind kind);

/* The SPEC's name ("irq-bits", ...). */
const char *fg_fault_name(enum fg_fault_kind kind);

/* Every SPEC form, one line each, indented by two spaces: for usage texts. */
extern const char fg_fault_usage[];

#endif /* FG_FAULT_H */
