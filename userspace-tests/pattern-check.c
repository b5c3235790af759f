// SPDX-License-Identifier: MIT
/*
 * pattern-check: compare a screenshot (PNG, or binary PPM as QEMU's
 * screendump writes by default) with the test pattern the guest drew,
 * regenerated at the image's size through the scanout format's precision.
 * Exact comparison: a display path that is right shows zero mismatches.
 * With --pattern none it checks what a desktop drew instead: rectangles of
 * one known colour (--rect) and how much differs from an earlier screenshot
 * (--changed-from).
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
#define RECT_MAX 16

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
"  --pattern NAME      bars (default) or moving; none: no pattern comparison\n"
"                      (only --expect-size, --rect and --changed-from)\n"
"  --format FMT        scanout format the pattern was drawn in: xrgb8888\n"
"                      (default), argb8888, rgb565 or argb1555 (rgb565 and\n"
"                      argb1555 are compared after 5/6/5 or 5/5/5\n"
"                      quantisation and bit-replication expansion)\n"
"  --frame N           frame number of a moving pattern (default 0)\n"
"  --expect-size WxH   fail unless the image is exactly W x H pixels\n"
"  --rect X,Y,W,H=RRGGBB  fail unless every pixel of the rectangle is the\n"
"                      colour RRGGBB (hex); repeatable, up to 16\n"
"  --changed-from OLD  count the pixels that differ from image OLD (same size)\n"
"  --min-changed N     with --changed-from: fail unless at least N differ\n"
"                      (default 1)\n"
"  --max-changed N     with --changed-from: fail if more than N differ\n"
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

/* ---- regions (desktops) ------------------------------------------------- */

struct rect {
	uint32_t x, y, w, h, rgb;
};

static int parse_rect(const char *s, struct rect *r)
{
	int n = 0;

	if (sscanf(s, "%u,%u,%u,%u=%6x%n", &r->x, &r->y, &r->w, &r->h, &r->rgb, &n) != 5 ||
	    s[n] || !r->w || !r->h || strlen(strchr(s, '=') + 1) != 6) {
		fprintf(stderr, PROG ": invalid --rect '%s': expected X,Y,W,H=RRGGBB, e.g. 10,10,100,50=ff0000\n",
			s);
		return -1;
	}
	return 0;
}

static uint32_t pixel_at(const struct fg_image *img, uint32_t x, uint32_t y)
{
	const uint8_t *px = img->rgb + ((size_t)y * img->w + x) * 3;

	return (uint32_t)px[0] << 16 | (uint32_t)px[1] << 8 | px[2];
}

/* Every pixel of @r must be its colour; prints one line per rectangle. */
static int check_rect(const struct fg_image *img, const struct rect *r)
{
	uint64_t bad = 0;
	uint32_t fx = 0, fy = 0, fgot = 0;

	if (r->x >= img->w || r->y >= img->h || r->w > img->w - r->x || r->h > img->h - r->y) {
		printf(PROG ": rect %u,%u,%ux%u outside the %ux%u image\n",
		       r->x, r->y, r->w, r->h, img->w, img->h);
		return 1;
	}
	for (uint32_t y = r->y; y < r->y + r->h; y++)
		for (uint32_t x = r->x; x < r->x + r->w; x++) {
			uint32_t got = pixel_at(img, x, y);

			if (got != r->rgb && !bad++) {
				fx = x;
				fy = y;
				fgot = got;
			}
		}
	if (!bad) {
		printf(PROG ": rect %u,%u,%ux%u all #%06x\n", r->x, r->y, r->w, r->h, r->rgb);
		return 0;
	}
	printf(PROG ": rect %u,%u,%ux%u expected #%06x: %llu pixels differ, first at (%u,%u) #%06x\n",
	       r->x, r->y, r->w, r->h, r->rgb, (unsigned long long)bad, fx, fy, fgot);
	return 1;
}

static int check_changed(const struct fg_image *img, const char *old_path, uint64_t min,
			 uint64_t max)
{
	struct fg_image old = { 0 };
	uint64_t changed = 0;

	if (fg_image_read(PROG, old_path, &old))
		return 1;
	if (old.w != img->w || old.h != img->h) {
		printf(PROG ": %s is %ux%u, the image %ux%u: cannot compare\n",
		       old_path, old.w, old.h, img->w, img->h);
		free(old.rgb);
		return 1;
	}
	for (uint32_t y = 0; y < img->h; y++)
		for (uint32_t x = 0; x < img->w; x++)
			changed += pixel_at(img, x, y) != pixel_at(&old, x, y);
	free(old.rgb);
	printf(PROG ": %llu pixels changed from %s (wanted %llu to %llu)\n",
	       (unsigned long long)changed, old_path, (unsigned long long)min,
	       (unsigned long long)max);
	return changed >= min && changed <= max ? 0 : 1;
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	enum { O_PATTERN = 256, O_FORMAT, O_FRAME, O_SIZE, O_GENERATE, O_RECT,
	       O_CHANGED, O_MIN_CHANGED, O_MAX_CHANGED, O_HELP };
	static const struct option lo[] = {
		{ "pattern", required_argument, NULL, O_PATTERN },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "frame", required_argument, NULL, O_FRAME },
		{ "expect-size", required_argument, NULL, O_SIZE },
		{ "generate", required_argument, NULL, O_GENERATE },
		{ "rect", required_argument, NULL, O_RECT },
		{ "changed-from", required_argument, NULL, O_CHANGED },
		{ "min-changed", required_argument, NULL, O_MIN_CHANGED },
		{ "max-changed", required_argument, NULL, O_MAX_CHANGED },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	int pattern = FG_PATTERN_BARS;
	uint32_t format = DRM_FORMAT_XRGB8888, frame = 0;
	unsigned int ew = 0, eh = 0, gw = 0, gh = 0;
	struct fg_image img = { 0 };
	struct rect rects[RECT_MAX];
	unsigned int nrects = 0;
	const char *changed_from = NULL;
	unsigned long long changed_lim[2] = { 1, UINT64_MAX };
	char *end;
	int c, n;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_PATTERN:
			if (strcmp(optarg, "none") == 0) {
				pattern = -1;
				break;
			}
			pattern = fg_pattern_parse(optarg);
			if (pattern < 0) {
				fprintf(stderr, PROG ": unknown --pattern '%s': use bars or moving\n", optarg);
				return 2;
			}
			break;
		case O_FORMAT:
			format = fg_format_parse(optarg);
			if (!format) {
				fprintf(stderr, PROG ": unknown --format '%s': use xrgb8888, argb8888, rgb565 or argb1555\n",
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
		case O_RECT:
			if (nrects == RECT_MAX) {
				fprintf(stderr, PROG ": more than %u --rect options\n", RECT_MAX);
				return 2;
			}
			if (parse_rect(optarg, &rects[nrects++]))
				return 2;
			break;
		case O_CHANGED:
			changed_from = optarg;
			break;
		case O_MIN_CHANGED:
		case O_MAX_CHANGED:
			errno = 0;
			changed_lim[c == O_MAX_CHANGED] = strtoull(optarg, &end, 0);
			if (errno || end == optarg || *end || optarg[0] == '-') {
				fprintf(stderr, PROG ": invalid %s '%s': expected a non-negative integer\n",
					argv[optind - 1], optarg);
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

	if (gw && pattern < 0) {
		fprintf(stderr, PROG ": --generate needs a pattern, not none\n");
		return 2;
	}
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

	if (pattern < 0) {
		int bad = 0;

		printf(PROG ": %s: %ux%u\n", path, img.w, img.h);
		for (unsigned int i = 0; i < nrects; i++)
			bad |= check_rect(&img, &rects[i]);
		if (changed_from)
			bad |= check_changed(&img, changed_from, changed_lim[0],
					     changed_lim[1]);
		free(img.rgb);
		return bad;
	}
	if (nrects || changed_from) {
		fprintf(stderr, PROG ": --rect and --changed-from need --pattern none\n");
		free(img.rgb);
		return 2;
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
