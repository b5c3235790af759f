// SPDX-License-Identifier: MIT
/*
 * fg-imgcmp: compare two pictures pixel by pixel, exactly.
 *
 *   fg-imgcmp A B      A, B: PNG (as fakegpu-ctl writes) or binary PPM (P6,
 *                      as xwdtopnm and fg-vnc-grab write)
 *
 * Prints "A: WxH" style sizes and the number of differing pixels (with the
 * first one). Exit status: 0 identical, 1 different (size or pixels),
 * 2 usage or unreadable file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pngio.h"

#define MAX_SIDE 16384

/* Skip blanks and '#' comments, then read a decimal number. */
static int ppm_num(FILE *f, unsigned int *v)
{
	int c;

	for (;;) {
		c = fgetc(f);
		if (c == '#')
			while (c != '\n' && c != EOF)
				c = fgetc(f);
		else if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
	}
	if (c < '0' || c > '9')
		return -1;
	*v = 0;
	while (c >= '0' && c <= '9') {
		if (*v > MAX_SIDE * 16)
			return -1;
		*v = *v * 10 + (unsigned int)(c - '0');
		c = fgetc(f);
	}
	return 0;	/* the single blank after the number was consumed */
}

static int ppm_read(const char *path, uint32_t **px, uint32_t *w, uint32_t *h)
{
	FILE *f = fopen(path, "rb");
	unsigned int pw, ph, max;
	uint8_t *row;
	int ok = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	if (fgetc(f) != 'P' || fgetc(f) != '6' || ppm_num(f, &pw) || ppm_num(f, &ph) ||
	    ppm_num(f, &max) || !pw || !ph || pw > MAX_SIDE || ph > MAX_SIDE || max != 255) {
		fprintf(stderr, "fg-imgcmp: %s: not a binary 8-bit PPM (P6)\n", path);
		fclose(f);
		return -1;
	}
	*px = malloc((size_t)pw * ph * 4);
	row = malloc((size_t)pw * 3);
	if (*px && row) {
		ok = 1;
		for (unsigned int y = 0; ok && y < ph; y++) {
			ok = fread(row, 3, pw, f) == pw;
			for (unsigned int x = 0; ok && x < pw; x++)
				(*px)[(size_t)y * pw + x] = (uint32_t)row[3 * x] << 16 |
					(uint32_t)row[3 * x + 1] << 8 | row[3 * x + 2];
		}
	}
	free(row);
	fclose(f);
	if (!ok) {
		fprintf(stderr, "fg-imgcmp: %s: truncated or out of memory\n", path);
		free(*px);
		return -1;
	}
	*w = pw;
	*h = ph;
	return 0;
}

static int load(const char *path, uint32_t **px, uint32_t *w, uint32_t *h)
{
	size_t n = strlen(path);

	if (n > 4 && strcmp(path + n - 4, ".png") == 0)
		return fg_png_read(path, px, w, h);
	return ppm_read(path, px, w, h);
}

int main(int argc, char **argv)
{
	uint32_t *a, *b, aw, ah, bw, bh;
	size_t diff = 0, first = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: fg-imgcmp A B (PNG or PPM files)\n");
		return 2;
	}
	if (load(argv[1], &a, &aw, &ah) < 0 || load(argv[2], &b, &bw, &bh) < 0)
		return 2;
	if (aw != bw || ah != bh) {
		printf("fg-imgcmp: sizes differ: %s is %ux%u, %s is %ux%u\n",
		       argv[1], aw, ah, argv[2], bw, bh);
		return 1;
	}
	for (size_t i = (size_t)aw * ah; i-- > 0;)
		if ((a[i] & 0xffffff) != (b[i] & 0xffffff)) {
			diff++;
			first = i;
		}
	if (diff)
		printf("fg-imgcmp: %ux%u, %zu of %zu pixels differ (first at %zu,%zu: "
		       "%06x vs %06x)\n", aw, ah, diff, (size_t)aw * ah, first % aw,
		       first / aw, a[first] & 0xffffff, b[first] & 0xffffff);
	else
		printf("fg-imgcmp: %ux%u, identical\n", aw, ah);
	free(a);
	free(b);
	return diff ? 1 : 0;
}
