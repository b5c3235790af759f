/* SPDX-License-Identifier: MIT */
/*
 * Deterministic test patterns shared by the libdrm clients (which draw them)
 * and by pattern-check (which regenerates them to verify a screenshot).
 *
 * A pattern is a pure function of (pattern, frame, x, y, width, height): the
 * same inputs always give the same 0x00RRGGBB colour, on any machine.
 *
 * Colour choice and RGB565: every colour any pattern produces is built from
 * 5-bit red, 6-bit green and 5-bit blue values expanded to 8 bits by bit
 * replication (r8 = r5 << 3 | r5 >> 2, g8 = g6 << 2 | g6 >> 4). Such colours
 * survive XRGB8888 -> RGB565 -> XRGB8888 unchanged when the display expands
 * 565 pixels the same way (as QEMU's pixman and most hardware do), so a
 * screenshot of an RGB565 scanout must match the pattern exactly; a display
 * that expands by zero-filling (r5 << 3) shows up as mismatches, not noise.
 * fg_pattern_expect() applies the format's quantisation anyway, so the
 * checker stays exact even if a future colour breaks this rule.
 */
#ifndef FG_PATTERN_H
#define FG_PATTERN_H

#include <stddef.h>
#include <stdint.h>

enum fg_pattern {
	FG_PATTERN_BARS,	/* still colour bars, border, markers, ramps */
	FG_PATTERN_MOVING,	/* bars scrolled by the frame number + frame counter */
	FG_PATTERN_COUNT
};

/* Name <-> enum ("bars", "moving"); parse returns -1 for an unknown name. */
int fg_pattern_parse(const char *name);
const char *fg_pattern_name(enum fg_pattern p);

/*
 * Supported DRM fourccs: DRM_FORMAT_XRGB8888, DRM_FORMAT_ARGB8888 (alpha
 * written as 0xff), DRM_FORMAT_RGB565 and DRM_FORMAT_ARGB1555 (alpha bit
 * written as 1; 5-bit green, so its colours are quantised, see
 * fg_pattern_expect()). parse accepts "xrgb8888", "argb8888", "rgb565",
 * "argb1555" and returns 0 for an unknown name.
 */
uint32_t fg_format_parse(const char *name);
const char *fg_format_name(uint32_t fourcc);	/* NULL if unsupported */
unsigned int fg_format_cpp(uint32_t fourcc);	/* bytes per pixel, 0 if unsupported */

/* Colour of pixel (x, y) of a w x h frame, as 0x00RRGGBB. x < w, y < h. */
uint32_t fg_pattern_pixel(enum fg_pattern p, uint32_t frame, uint32_t x,
			  uint32_t y, uint32_t w, uint32_t h);

/*
 * What a display scanning out fg_pattern_pixel() stored in `fourcc` shows:
 * the colour converted to the format and expanded back to 0x00RRGGBB with
 * bit replication.
 */
uint32_t fg_pattern_expect(enum fg_pattern p, uint32_t fourcc, uint32_t frame,
			   uint32_t x, uint32_t y, uint32_t w, uint32_t h);

/*
 * Store one 0xAARRGGBB value as a pixel of `fourcc` at dst (cpp bytes):
 * XRGB8888 and ARGB8888 keep all 32 bits (A lands in the X byte too),
 * RGB565 keeps the top 5/6/5 bits of R, G, B, ARGB1555 the top 1/5/5/5 bits
 * of A, R, G, B (alpha bit 1 for A >= 0x80).
 */
void fg_format_store(uint8_t *dst, uint32_t fourcc, uint32_t argb);

/* Convert one 0x00RRGGBB colour to `fourcc` and back (see above). */
uint32_t fg_format_roundtrip(uint32_t fourcc, uint32_t rgb);

/*
 * Draw frame `frame` of pattern `p` into buf (w x h pixels of `fourcc`,
 * `pitch` bytes per line, buf at least pitch * h bytes). Returns 0, or -1 if
 * the format is unsupported, a size is zero, pitch < w * cpp or a scratch row
 * cannot be allocated.
 */
int fg_pattern_fill(enum fg_pattern p, uint32_t frame, uint32_t fourcc,
		    void *buf, uint32_t w, uint32_t h, uint32_t pitch);

#endif
