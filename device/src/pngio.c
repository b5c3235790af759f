// SPDX-License-Identifier: MIT
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pngio.h"

int fg_png_write(const char *path, const uint32_t *pixels, uint32_t width,
		 uint32_t height)
{
	png_image img;
	uint8_t *rgb;
	size_t n = (size_t)width * height;
	int ok;

	if (!width || !height || width > 0x7fffffff / 3) {
		fprintf(stderr, "%s: cannot write a %ux%u image\n", path, width, height);
		return -1;
	}
	rgb = malloc(n * 3);
	if (!rgb) {
		fprintf(stderr, "%s: out of memory for a %ux%u image\n", path, width, height);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		rgb[3 * i + 0] = (pixels[i] >> 16) & 0xff;
		rgb[3 * i + 1] = (pixels[i] >> 8) & 0xff;
		rgb[3 * i + 2] = pixels[i] & 0xff;
	}
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = width;
	img.height = height;
	img.format = PNG_FORMAT_RGB;
	ok = png_image_write_to_file(&img, path, 0, rgb, (png_int_32)(width * 3), NULL);
	if (!ok)
		fprintf(stderr, "%s: cannot write PNG: %s\n", path, img.message);
	png_image_free(&img);
	free(rgb);
	return ok ? 0 : -1;
}

int fg_png_read(const char *path, uint32_t **pixels, uint32_t *width,
		uint32_t *height)
{
	png_image img;
	png_color black = { 0, 0, 0 };
	uint8_t *rgb;
	uint32_t *px;
	size_t n;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&img, path)) {
		fprintf(stderr, "%s: cannot read PNG: %s\n", path, img.message);
		png_image_free(&img);
		return -1;
	}
	img.format = PNG_FORMAT_RGB;
	n = (size_t)img.width * img.height;
	rgb = malloc(n * 3);
	px = malloc(n * sizeof(*px));
	if (!rgb || !px) {
		fprintf(stderr, "%s: out of memory for a %ux%u image\n", path,
			img.width, img.height);
		goto fail;
	}
	if (!png_image_finish_read(&img, &black, rgb, 0, NULL)) {
		fprintf(stderr, "%s: cannot decode PNG: %s\n", path, img.message);
		goto fail;
	}
	for (size_t i = 0; i < n; i++)
		px[i] = (uint32_t)rgb[3 * i] << 16 | (uint32_t)rgb[3 * i + 1] << 8 |
			rgb[3 * i + 2];
	free(rgb);
	*pixels = px;
	*width = img.width;
	*height = img.height;
	png_image_free(&img);
	return 0;
fail:
	png_image_free(&img);
	free(rgb);
	free(px);
	return -1;
}
