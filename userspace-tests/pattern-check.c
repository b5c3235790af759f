// SPDX-License-Identifier: MIT
/*
 * pattern-check: compare a screenshot (PNG, or binary PPM as QEMU's
 * screendump writes by default) with the test pattern the guest drew,
 * regenerated at the image's size through the scanout format's precision.
 * Exact comparison: a display path that is right shows zero mismatches.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "image.h"
#include "pattern.h"

#define PROG "pattern-check"
#define REPORT_MAX 10

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [options] IMAGE\n"
"       " PROG " [options] --generate WxH OUT.png|OUT.ppm\n"
"\n"
"Checks that IMAGE (PNG or binary PPM P6, 8 bits per channel) shows exactly\n"
"the test pattern drawn by modeset-atomic, regenerated at the image's size.\n"
"Prints '" PROG ": WxH pixels=N mismatches=M' and, if any, the first\n"
"differing pixels. Exit status: 0 no mismatch, 1 mismatch or error, 2 usage.\n"
"\n"
"options:\n"
"  --pattern NAME      bars (default) or moving\n"
"  --format FMT        scanout format the pattern was drawn in: xrgb8888\n"
"                      (default), argb8888 or rgb565 (rgb565 is compared\n"
"                      after 5/6/5 quantisation and bit-replication expansion)\n"
"  --frame N           frame number of a moving pattern (default 0)\n"
"  --expect-size WxH   fail unless the image is exactly W x H pixels\n"
"  --generate WxH      instead of checking, write the expected W x H image\n"
"                      (as seen through --format) to OUT (.png or .ppm)\n"
"  --help              show this help\n");
}

/* ---- writing the expected image ------------------------------------------- */

static int generate(const char *path, int pattern, uint32_t format, uint32_t frame,
		    uint32_t w, uint32_t h)
{
	size_t n = strlen(path);
	uint8_t *rgb = malloc((size_t)w * h * 3);
	int rc = -1;

	if (!rgb) {
		fprintf(stderr, PROG ": out of memory for a %ux%u image\n", w, h);
		return -1;
	}
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			uint32_t c = fg_pattern_expect(pattern, format, frame, x, y, w, h);
			uint8_t *px = rgb + ((size_t)y * w + x) * 3;

			px[0] = (uint8_t)(c >> 16);
			px[1] = (uint8_t)(c >> 8);
			px[2] = (uint8_t)c;
		}
	if (n > 4 && strcmp(path + n - 4, ".png") == 0) {
		png_image img = { .version = PNG_IMAGE_VERSION, .width = w, .height = h,
				  .format = PNG_FORMAT_RGB };

		if (png_image_write_to_file(&img, path, 0, rgb, 0, NULL))
			rc = 0;
		else
			fprintf(stderr, PROG ": cannot write %s: %s\n", path, img.message);
	} else {
		FILE *f = fopen(path, "wb");

		if (f && fprintf(f, "P6\n%u %u\n255\n", w, h) > 0 &&
		    fwrite(rgb, 1, (size_t)w * h * 3, f) == (size_t)w * h * 3 && fclose(f) == 0)
			rc = 0;
		else {
			fprintf(stderr, PROG ": cannot write %s: %s\n", path, strerror(errno));
			if (f)
				fclose(f);
		}
	}
	free(rgb);
	return rc;
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	enum { O_PATTERN = 256, O_FORMAT, O_FRAME, O_SIZE, O_GENERATE, O_HELP };
	static const struct option lo[] = {
		{ "pattern", required_argument, NULL, O_PATTERN },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "frame", required_argument, NULL, O_FRAME },
		{ "expect-size", required_argument, NULL, O_SIZE },
		{ "generate", required_argument, NULL, O_GENERATE },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	int pattern = FG_PATTERN_BARS;
	uint32_t format = DRM_FORMAT_XRGB8888, frame = 0;
	unsigned int ew = 0, eh = 0, gw = 0, gh = 0;
	struct fg_image img = { 0 };
	char *end;
	int c, n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_PATTERN:
			pattern = fg_pattern_parse(optarg);
			if (pattern < 0) {
				fprintf(stderr, PROG ": unknown --pattern '%s': use bars or moving\n", optarg);
				return 2;
			}
			break;
		case O_FORMAT:
			format = fg_format_parse(optarg);
			if (!format) {
				fprintf(stderr, PROG ": unknown --format '%s': use xrgb8888, argb8888 or rgb565\n",
					optarg);
				return 2;
			}
			break;
		case O_FRAME: {
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 0);

			if (errno || end == optarg || *end || optarg[0] == '-' || v > UINT32_MAX) {
				fprintf(stderr, PROG ": invalid --frame '%s': expected a non-negative integer\n",
					optarg);
				return 2;
			}
			frame = (uint32_t)v;
			break;
		}
		case O_SIZE:
			n = 0;
			if (sscanf(optarg, "%ux%u%n", &ew, &eh, &n) != 2 || optarg[n] || !ew || !eh) {
				fprintf(stderr, PROG ": invalid --expect-size '%s': expected WxH, e.g. 1024x768\n",
					optarg);
				return 2;
			}
			break;
		case O_GENERATE:
			n = 0;
			if (sscanf(optarg, "%ux%u%n", &gw, &gh, &n) != 2 || optarg[n] || !gw || !gh ||
			    gw > FG_IMAGE_MAX_DIM || gh > FG_IMAGE_MAX_DIM) {
				fprintf(stderr, PROG ": invalid --generate '%s': expected WxH, e.g. 1024x768\n",
					optarg);
				return 2;
			}
			break;
		case O_HELP:
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, PROG ": unknown option or missing value: %s (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, PROG ": expected exactly one IMAGE (or OUT) argument (see --help)\n");
		return 2;
	}
	const char *path = argv[optind];

	if (gw)
		return generate(path, pattern, format, frame, gw, gh) ? 1 : 0;

	if (fg_image_read(PROG, path, &img))
		return 1;
	if (ew && (img.w != ew || img.h != eh)) {
		fprintf(stderr, PROG ": %s is %ux%u, expected %ux%u (--expect-size)\n",
			path, img.w, img.h, ew, eh);
		free(img.rgb);
		return 1;
	}

	uint64_t mismatches = 0;
	struct diff { uint32_t x, y, want, got; } first[REPORT_MAX];

	for (uint32_t y = 0; y < img.h; y++) {
		for (uint32_t x = 0; x < img.w; x++) {
			const uint8_t *px = img.rgb + ((size_t)y * img.w + x) * 3;
			uint32_t got = (uint32_t)px[0] << 16 | (uint32_t)px[1] << 8 | px[2];
			uint32_t want = fg_pattern_expect(pattern, format, frame, x, y, img.w, img.h);

			if (got == want)
				continue;
			if (mismatches < REPORT_MAX)
				first[mismatches] = (struct diff){ x, y, want, got };
			mismatches++;
		}
	}
	printf(PROG ": %ux%u pixels=%llu mismatches=%llu\n", img.w, img.h,
	       (unsigned long long)img.w * img.h, (unsigned long long)mismatches);
	for (uint64_t i = 0; i < mismatches && i < REPORT_MAX; i++)
		printf(PROG ":   at (%u,%u) expected #%06x got #%06x\n",
		       first[i].x, first[i].y, first[i].want, first[i].got);
	if (mismatches > REPORT_MAX)
		printf(PROG ":   ... and %llu more (pattern %s, format %s, frame %u)\n",
		       (unsigned long long)(mismatches - REPORT_MAX), fg_pattern_name(pattern),
		       fg_format_name(format), frame);
	free(img.rgb);
	return mismatches ? 1 : 0;
}
