// SPDX-License-Identifier: MIT
/* Screenshot reading for the host-side checkers: see image.h. */
#define _GNU_SOURCE
#include "image.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- PPM ------------------------------------------------------------------- */

/* Reads one header integer, skipping whitespace and '#' comments. */
static int ppm_int(FILE *f, unsigned long *out)
{
	int ch;
	unsigned long v = 0;
	int digits = 0;

	for (;;) {
		ch = fgetc(f);
		if (ch == '#') {
			while (ch != '\n' && ch != EOF)
				ch = fgetc(f);
		} else if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
			break;
		}
	}
	while (ch >= '0' && ch <= '9') {
		if (v > 100000000ul)
			return -1;
		v = v * 10 + (unsigned long)(ch - '0');
		digits++;
		ch = fgetc(f);
	}
	/* Exactly one whitespace byte ends each value; the last one ends the header. */
	if (!digits || (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r'))
		return -1;
	*out = v;
	return 0;
}

static int read_ppm(const char *prog, const char *path, FILE *f, struct fg_image *img)
{
	unsigned long w, h, maxval;
	size_t n;

	if (ppm_int(f, &w) || ppm_int(f, &h) || ppm_int(f, &maxval)) {
		fprintf(stderr, "%s: %s: malformed PPM header\n", prog, path);
		return -1;
	}
	if (maxval != 255) {
		fprintf(stderr, "%s: %s: PPM maxval is %lu; only 8-bit (255) images are supported\n", prog,
			path, maxval);
		return -1;
	}
	if (!w || !h || w > FG_IMAGE_MAX_DIM || h > FG_IMAGE_MAX_DIM) {
		fprintf(stderr, "%s: %s: unsupported image size %lux%lu (1..%u per side)\n", prog,
			path, w, h, FG_IMAGE_MAX_DIM);
		return -1;
	}
	n = (size_t)w * h * 3;
	img->rgb = malloc(n);
	if (!img->rgb) {
		fprintf(stderr, "%s: %s: out of memory for a %lux%lu image\n", prog, path, w, h);
		return -1;
	}
	if (fread(img->rgb, 1, n, f) != n) {
		fprintf(stderr, "%s: %s: truncated PPM (pixel data shorter than %lux%lu)\n", prog,
			path, w, h);
		free(img->rgb);
		img->rgb = NULL;
		return -1;
	}
	img->w = (uint32_t)w;
	img->h = (uint32_t)h;
	return 0;
}

/* ---- PNG ------------------------------------------------------------------- */

struct png_err {
	jmp_buf jmp;
	const char *prog;
	const char *path;
};

static void png_error_fn(png_structp png, png_const_charp msg)
{
	struct png_err *e = png_get_error_ptr(png);

	fprintf(stderr, "%s: %s: invalid PNG: %s\n", e->prog, e->path, msg);
	longjmp(e->jmp, 1);
}

static void png_warning_fn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;	/* ancillary-chunk warnings do not affect the pixels */
}

static int read_png(const char *prog, const char *path, FILE *f, struct fg_image *img)
{
	struct png_err err = { .prog = prog, .path = path };
	png_structp png;
	png_infop info = NULL;
	uint8_t *volatile rgb = NULL;
	png_bytep *volatile rows = NULL;

	png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, png_error_fn, png_warning_fn);
	if (!png || !(info = png_create_info_struct(png))) {
		fprintf(stderr, "%s: %s: out of memory starting libpng\n", prog, path);
		png_destroy_read_struct(&png, NULL, NULL);
		return -1;
	}
	if (setjmp(err.jmp)) {
		free(rows);
		free(rgb);
		png_destroy_read_struct(&png, &info, NULL);
		return -1;
	}
	png_init_io(png, f);
	png_set_user_limits(png, FG_IMAGE_MAX_DIM, FG_IMAGE_MAX_DIM);
	png_read_info(png, info);

	uint32_t w = png_get_image_width(png, info);
	uint32_t h = png_get_image_height(png, info);
	int depth = png_get_bit_depth(png, info);
	int type = png_get_color_type(png, info);

	if (depth == 16) {
		fprintf(stderr, "%s: %s: 16-bit PNG; a screenshot of an 8-bit scanout is expected\n", prog,
			path);
		png_destroy_read_struct(&png, &info, NULL);
		return -1;
	}
	/* Normalise everything to 8-bit RGB without any colour arithmetic. */
	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) {
		png_set_expand_gray_1_2_4_to_8(png);
		png_set_gray_to_rgb(png);
	}
	if (type & PNG_COLOR_MASK_ALPHA)
		png_set_strip_alpha(png);
	if (png_get_valid(png, info, PNG_INFO_tRNS)) {
		png_set_tRNS_to_alpha(png);
		png_set_strip_alpha(png);
	}
	png_read_update_info(png, info);
	if (png_get_rowbytes(png, info) != (size_t)w * 3) {
		fprintf(stderr, "%s: %s: unsupported PNG layout (colour type %d, depth %d)\n", prog,
			path, type, depth);
		png_destroy_read_struct(&png, &info, NULL);
		return -1;
	}

	rgb = malloc((size_t)w * h * 3);
	rows = malloc(sizeof(*rows) * h);
	if (!rgb || !rows) {
		fprintf(stderr, "%s: %s: out of memory for a %ux%u image\n", prog, path, w, h);
		free(rows);
		free(rgb);
		png_destroy_read_struct(&png, &info, NULL);
		return -1;
	}
	for (uint32_t y = 0; y < h; y++)
		rows[y] = rgb + (size_t)y * w * 3;
	png_read_image(png, rows);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	free(rows);
	img->rgb = rgb;
	img->w = w;
	img->h = h;
	return 0;
}

int fg_image_read(const char *prog, const char *path, struct fg_image *img)
{
	static const uint8_t png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	uint8_t magic[8];
	FILE *f = fopen(path, "rb");
	int rc = -1;

	if (!f) {
		fprintf(stderr, "%s: cannot open %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	size_t n = fread(magic, 1, sizeof(magic), f);

	if (n >= 2 && magic[0] == 'P' && magic[1] == '6') {
		if (fseek(f, 2, SEEK_SET) == 0)
			rc = read_ppm(prog, path, f, img);
	} else if (n == sizeof(magic) && memcmp(magic, png_sig, 8) == 0) {
		if (fseek(f, 0, SEEK_SET) == 0)
			rc = read_png(prog, path, f, img);
	} else {
		fprintf(stderr, "%s: %s: neither a PNG nor a binary PPM (P6) image\n", prog, path);
	}
	fclose(f);
	return rc;
}
