/* SPDX-License-Identifier: MIT */
/*
 * The engine fixture the engine-level tests share: a 2-head engine on
 * FX_VRAM_SIZE bytes of zeroed VRAM, optionally the shared pages and a fake
 * clock, its interrupts and exit-on-commit calls counted.
 */
#ifndef FG_ENGINE_FX_H
#define FG_ENGINE_FX_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

#define FX_VRAM_SIZE	(16u << 20)

struct fx {
	struct fg_engine *e;
	uint8_t *vram;
	uint8_t *shm;		/* FAKEGPU_SHM_SIZE bytes, NULL without them */
	uint64_t now;		/* the fake clock, if any */
	int irqs;		/* interrupt callbacks */
	int exits;		/* exit-on-commit calls (the engine then goes on) */
	char why[160];		/* the last one's message */
};

enum {
	FX_SHM = 1,		/* with the shared pages (CAPS.SHM) */
	FX_CLOCK = 2,		/* on the fake clock f->now (else CLOCK_MONOTONIC) */
};

/* A new fixture (FX_* @flags), the fake clock at @now. Fails the test on error. */
struct fx *fx_new(unsigned int flags, uint64_t now);
void fx_free(struct fx *f);

uint32_t fx_rd(struct fx *f, uint32_t off);
void fx_wr(struct fx *f, uint32_t off, uint32_t v);
/* Move the fake clock to @t and run the engine there. */
void fx_run_to(struct fx *f, uint64_t t);
/* u32 at byte @off of the shared pages; store one there. */
uint32_t fx_shm32(const struct fx *f, uint32_t off);
void fx_shm_put(struct fx *f, uint32_t off, uint32_t v);
/* Field @field of head @h's status record. */
uint32_t fx_st(const struct fx *f, unsigned int h, uint32_t field);

#endif /* FG_ENGINE_FX_H */
