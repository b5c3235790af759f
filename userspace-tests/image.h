/* SPDX-License-Identifier: MIT */
/*
 * Screenshot reading shared by the host-side checkers (pattern-check,
 * scene-check): PNG (any 8-bit colour type, normalised to RGB without colour
 * arithmetic) or binary PPM (P6, maxval 255), as fakegpu-ctl and QEMU's
 * screendump write them.
 */
#ifndef FG_IMAGE_H
#define FG_IMAGE_H

#include <stdint.h>

#define FG_IMAGE_MAX_DIM 32768u

struct fg_image {
	uint32_t w, h;
	uint8_t *rgb;	/* w * h * 3 bytes, R G B; free() it */
};

/*
 * Read `path` into img. On failure prints one line "prog: path: why" to
 * stderr and returns -1 (img untouched).
 */
int fg_image_read(const char *prog, const char *path, struct fg_image *img);

#endif
