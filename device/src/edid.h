/* SPDX-License-Identifier: MIT */
/*
 * EDID 1.4 base block generator for one head (docs/device-abi.md, "EDID").
 */
#ifndef FG_EDID_H
#define FG_EDID_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"

#define FG_EDID_BLOCK 128

/* Full timing of a mode, as a detailed timing descriptor carries it. */
struct fg_timing {
	uint32_t clock_khz;
	uint32_t hactive, hfp, hsync, hbp;
	uint32_t vactive, vfp, vsync, vbp;
	bool hsync_pos, vsync_pos;
};

/*
 * Timing of @m: the VESA DMT timing when the mode is in the engine's DMT
 * table, otherwise a CVT reduced-blanking (v1) timing.
 */
void fg_edid_timing(const struct fg_engine_mode *m, struct fg_timing *t);

/* NULL if @m can be advertised, else why not (for an error message). */
const char *fg_edid_check_mode(const struct fg_engine_mode *m);

/*
 * Build the base block for head @head from @modes (n >= 1, each accepted by
 * fg_edid_check_mode(), modes[0] preferred). Modes that fit in no slot of the
 * base block are left out. Returns the number of modes advertised.
 */
unsigned int fg_edid_build(uint8_t edid[FG_EDID_BLOCK], unsigned int head,
			   const struct fg_engine_mode *modes, unsigned int n);

/* The built-in default mode list. */
extern const struct fg_engine_mode fg_edid_default_modes[];
extern const unsigned int fg_edid_num_default_modes;

#endif /* FG_EDID_H */
