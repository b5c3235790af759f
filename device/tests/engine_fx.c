// SPDX-License-Identifier: MIT
/* The engine tests' shared fixture (engine_fx.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine_fx.h"
#include "fakegpu_abi.h"

static void on_irq(void *opaque)
{
	((struct fx *)opaque)->irqs++;
}

static uint64_t fake_clock(void *opaque)
{
	return ((struct fx *)opaque)->now;
}

static void on_exit_fault(void *opaque, const char *why)
{
	struct fx *f = opaque;

	f->exits++;
	snprintf(f->why, sizeof(f->why), "%s", why);
}

struct fx *fx_new(unsigned int flags, uint64_t now)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct fg_engine_config cfg = { .heads = 2, .vram_size = FX_VRAM_SIZE };

	assert_non_null(f);
	f->vram = calloc(1, FX_VRAM_SIZE);
	assert_non_null(f->vram);
	cfg.vram = f->vram;
	if (flags & FX_SHM) {
		f->shm = calloc(1, FAKEGPU_SHM_SIZE);
		assert_non_null(f->shm);
		cfg.shm = f->shm;
	}
	if (flags & FX_CLOCK) {
		cfg.clock_ns = fake_clock;
		cfg.clock_opaque = f;
	}
	cfg.fault_exit = on_exit_fault;
	cfg.fault_exit_opaque = f;
	f->now = now;
	f->e = fg_engine_new(&cfg, on_irq, f);
	assert_non_null(f->e);
	return f;
}

void fx_free(struct fx *f)
{
	fg_engine_free(f->e);
	free(f->vram);
	free(f->shm);
	free(f);
}

uint32_t fx_rd(struct fx *f, uint32_t off)
{
	return fg_engine_read(f->e, off);
}

void fx_wr(struct fx *f, uint32_t off, uint32_t v)
{
	fg_engine_write(f->e, off, v);
}

void fx_run_to(struct fx *f, uint64_t t)
{
	f->now = t;
	fg_engine_run(f->e, t);
}

uint32_t fx_shm32(const struct fx *f, uint32_t off)
{
	uint32_t v;

	memcpy(&v, f->shm + off, 4);
	return v;
}

void fx_shm_put(struct fx *f, uint32_t off, uint32_t v)
{
	memcpy(f->shm + off, &v, 4);
}

uint32_t fx_st(const struct fx *f, unsigned int h, uint32_t field)
{
	return fx_shm32(f, FAKEGPU_SHM_STATUS + FAKEGPU_SHM_ST_HEAD(h) + field);
}
