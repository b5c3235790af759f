/* SPDX-License-Identifier: MIT */
/*
 * Scanout composition and frame CRC: pure functions of a validated scanout
 * state and the VRAM bytes. The engine validates a state once, when it latches
 * it; these functions re-check the plane windows against the VRAM size anyway
 * (cheap, once per plane per frame) so that a bug elsewhere cannot turn into a
 * read outside VRAM.
 *
 * Output pixels are XRGB8888 values 0x00RRGGBB (the X byte always 0).
 */
#ifndef FG_COMPOSE_H
#define FG_COMPOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakegpu_abi.h"

#define FG_PLANES 3	/* FAKEGPU_PLANE_PRIMARY, _CURSOR, _OVERLAY */

struct fg_plane_state {
	bool enabled;
	uint32_t format;	/* FAKEGPU_FMT_* */
	uint32_t cpp;		/* bytes per pixel of format */
	uint64_t offset;	/* byte offset of the buffer in VRAM */
	uint32_t pitch;		/* bytes per buffer line */
	uint32_t src_x, src_y, src_w, src_h;
	int32_t dst_x, dst_y;	/* top-left corner on the head, may be < 0 */
	uint32_t alpha;		/* plane alpha 0..0xffff */
	uint32_t blend;		/* FAKEGPU_BLEND_* */
	uint32_t zpos;		/* blend order: ascending, ties by plane index */
};

struct fg_scanout {
	bool enabled;		/* head scanning out */
	bool crc;		/* FAKEGPU_HEAD_CTRL_CRC */
	uint32_t width, height, refresh_mhz;
	struct fg_plane_state plane[FG_PLANES];
	bool gamma;		/* apply gamma_lut to the composed frame */
	uint32_t gamma_lut[FAKEGPU_GAMMA_SIZE];	/* 0x00RRGGBB per input value */
};

/* Bytes per pixel of a FAKEGPU_FMT_* value, 0 if unknown. */
uint32_t fg_format_cpp(uint32_t format);

/* True if the FAKEGPU_FMT_* value carries a pixel alpha (ARGB8888, ARGB1555). */
bool fg_format_has_alpha(uint32_t format);

/*
 * End (exclusive byte offset in VRAM) of the plane's scanout window:
 * offset + pitch * (src_y + src_h - 1) + (src_x + src_w) * cpp.
 * Returns false if the computation overflows 64 bits or src_w/src_h is 0.
 */
bool fg_plane_window_end(const struct fg_plane_state *p, uint64_t *end);

/*
 * Compose line @y (0 <= y < s->height) of the head into @line (s->width px):
 * the planes blended in z order, then gamma. This is the final frame content.
 */
void fg_compose_line(const struct fg_scanout *s, const uint8_t *vram,
		     uint64_t vram_size, uint32_t y, uint32_t *line);

/* Compose the whole frame into @fb (s->width * s->height pixels). */
void fg_compose_frame(const struct fg_scanout *s, const uint8_t *vram,
		      uint64_t vram_size, uint32_t *fb);

/*
 * Store @n composed pixels at @dst as ARGB8888 (little-endian B, G, R, A)
 * with alpha 0xff: the writeback format, for XRGB8888 windows too.
 */
void fg_store_argb8888(uint8_t *dst, const uint32_t *px, uint32_t n);

/*
 * Standard CRC-32C (Castagnoli: reflected polynomial 0x82F63B78, preset and
 * final XOR 0xFFFFFFFF) of @len bytes, continuing @crc: start with 0, and
 * fg_crc32c(fg_crc32c(0, a, na), b, nb) is the CRC of a then b.
 * fg_crc32c(0, "123456789", 9) = 0xE3069283.
 */
uint32_t fg_crc32c(uint32_t crc, const void *buf, size_t len);

/*
 * Continue fg_crc32c() over @n composed pixels, each fed as the 4 bytes
 * B, G, R, 0x00 (XRGB8888 little-endian, X forced to 0). Start with crc 0.
 */
uint32_t fg_crc_pixels(uint32_t crc, const uint32_t *px, size_t n);

/*
 * CRC of the frame the head displays: fg_crc_pixels() over the frame in
 * raster order. @line is a scratch buffer of at least s->width pixels, so no
 * frame-sized buffer is needed.
 */
uint32_t fg_frame_crc(const struct fg_scanout *s, const uint8_t *vram,
		      uint64_t vram_size, uint32_t *line);

#endif /* FG_COMPOSE_H */
