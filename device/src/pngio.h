/* SPDX-License-Identifier: MIT */
/*
 * PNG files of XRGB8888 frames (libpng's simplified API), for fakegpu-ctl and
 * the tests. Pixels are 0x00RRGGBB values, width*height of them, row-major.
 */
#ifndef FG_PNGIO_H
#define FG_PNGIO_H

#include <stdint.h>

/* Write an 8-bit RGB PNG. 0, or -1 with a message on stderr. */
int fg_png_write(const char *path, const uint32_t *pixels, uint32_t width,
		 uint32_t height);

/*
 * Read any PNG libpng understands, converted to 8-bit RGB (alpha composed
 * on black). *pixels is malloc'ed. 0, or -1 with a message on stderr.
 */
int fg_png_read(const char *path, uint32_t **pixels, uint32_t *width,
		uint32_t *height);

#endif /* FG_PNGIO_H */
