// SPDX-License-Identifier: MIT
/*
 * scene-check: host side of the host-side truth test. Regenerates the frame
 * scene NAME must show, with the buffers drawn by the same code as the guest
 * (scenes.c) but composed by a reference written from docs/device-abi.md
 * section 11 (not the device's compose.c: this checks it), compares it pixel
 * by pixel with the device's screenshot, and recomputes the frame CRC
 * (section 12) from the screenshot to compare it with the CRC the guest read
 * from the driver's debugfs CRC interface.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "image.h"
#include "pattern.h"
#include "scenes.h"

#define PROG "scene-check"
#define REPORT_MAX 8

/* A plane's buffer as the device sees it: bytes in VRAM. */
struct ref_plane {
	const struct fg_scene_plane *p;
	uint8_t *bytes;
	uint32_t pitch, cpp;
};

/* ---- reference composition (docs/device-abi.md section 11) --------------- */

/* A 5-bit channel expanded by bit replication: c8 = c5 << 3 | c5 >> 2. */
static uint32_t expand5(uint32_t c5)
{
	return c5 << 3 | c5 >> 2;
}

/* Decode one buffer pixel: 0x00RRGGBB colour and pixel alpha (section 10). */
static void decode(const struct ref_plane *rp, uint32_t bx, uint32_t by,
		   uint32_t *rgb, uint32_t *fa)
{
	const uint8_t *px = rp->bytes + (size_t)by * rp->pitch + (size_t)bx * rp->cpp;
	uint32_t v = (uint32_t)px[0] | (uint32_t)px[1] << 8;	/* 16-bit formats */

	if (rp->p->fourcc == DRM_FORMAT_RGB565) {
		uint32_t g6 = (v >> 5) & 0x3f;

		/* Bit replication; the 6-bit green: g8 = g6 << 2 | g6 >> 4. */
		*rgb = expand5(v >> 11) << 16 | (g6 << 2 | g6 >> 4) << 8 | expand5(v & 0x1f);
		*fa = 255;
		return;
	}
	if (rp->p->fourcc == DRM_FORMAT_ARGB1555) {
		/* [15] A, [14:10] R, [9:5] G, [4:0] B; A is pixel alpha 255 or 0. */
		*rgb = expand5((v >> 10) & 0x1f) << 16 | expand5((v >> 5) & 0x1f) << 8 |
		       expand5(v & 0x1f);
		*fa = v & 0x8000 ? 255 : 0;
		return;
	}
	*rgb = (uint32_t)px[2] << 16 | (uint32_t)px[1] << 8 | px[0];
	*fa = rp->p->fourcc == DRM_FORMAT_ARGB8888 ? px[3] : 255;
}

/* One channel: out = min(255, (fg*fgw + bg*bgw + (D-1)/2) / D). */
static uint32_t blend_channel(uint32_t fg, uint32_t bg, uint64_t fgw, uint64_t bgw)
{
	const uint64_t D = 255ull * 65535ull;
	uint64_t v = (fg * fgw + bg * bgw + (D - 1) / 2) / D;

	return v > 255 ? 255 : (uint32_t)v;
}

static uint32_t blend(uint32_t fg, uint32_t bg, uint32_t fa, uint32_t pa,
		      enum fg_scene_blend mode)
{
	const uint64_t D = 255ull * 65535ull;
	uint64_t fgw, bgw;
	uint32_t out = 0;

	switch (mode) {
	case FG_BLEND_COVERAGE:
		fgw = (uint64_t)pa * fa;
		bgw = D - (uint64_t)pa * fa;
		break;
	case FG_BLEND_NONE:
		fgw = (uint64_t)pa * 255;
		bgw = D - (uint64_t)pa * 255;
		break;
	default:
		fgw = (uint64_t)pa * 255;
		bgw = D - (uint64_t)pa * fa;
		break;
	}
	for (int shift = 0; shift <= 16; shift += 8)
		out |= blend_channel((fg >> shift) & 0xff, (bg >> shift) & 0xff, fgw, bgw) << shift;
	return out;
}

/* Pixel (x, y) of the w x h head: black, planes in ascending zpos, gamma. */
static uint32_t reference_pixel(const struct fg_scene *s, const struct ref_plane *order,
				int n, int32_t x, int32_t y)
{
	uint32_t out = 0;

	for (int i = 0; i < n; i++) {
		const struct fg_scene_plane *p = order[i].p;
		int64_t bx = (int64_t)x - p->x, by = (int64_t)y - p->y;
		uint32_t rgb, fa;

		if (bx < 0 || by < 0 || bx >= p->src_w || by >= p->src_h)
			continue;
		decode(&order[i], p->src_x + (uint32_t)bx, p->src_y + (uint32_t)by, &rgb, &fa);
		out = blend(rgb, out, p->blend == FG_BLEND_NONE ? 255 : fa, p->alpha, p->blend);
	}
	if (s->gamma) {
		uint32_t r = out >> 16, g = (out >> 8) & 0xff, b = out & 0xff;

		out = (fg_scene_gamma(r) & 0xff0000) | (fg_scene_gamma(g) & 0xff00) |
		      (fg_scene_gamma(b) & 0xff);
	}
	return out;
}

/* Draw the enabled planes' buffers and sort them by zpos (ties: plane index). */
static int prepare(const struct fg_scene *s, struct ref_plane *order, int *n)
{
	*n = 0;
	for (int i = 0; i < FG_SCENE_PLANES; i++) {
		const struct fg_scene_plane *p = &s->plane[i];
		struct ref_plane rp = { .p = p, .cpp = fg_format_cpp(p->fourcc) };
		int k;

		if (p->art == FG_ART_NONE)
			continue;
		rp.pitch = p->buf_w * rp.cpp;
		rp.bytes = malloc((size_t)rp.pitch * p->buf_h);
		if (!rp.bytes || fg_scene_fill(p, rp.bytes, rp.pitch)) {
			fprintf(stderr, PROG ": cannot draw plane %d of scene %s (out of memory?)\n",
				i, s->name);
			free(rp.bytes);
			return -1;
		}
		for (k = *n; k > 0 && order[k - 1].p->zpos > p->zpos; k--)
			order[k] = order[k - 1];
		order[k] = rp;
		(*n)++;
	}
	return 0;
}

/* ---- main ------------------------------------------------------------------ */

/* Section 12: a pixel 0x00RRGGBB as the CRC's bytes B, G, R, 0. */
static void put_bgr0(uint8_t *dst, uint32_t rgb)
{
	dst[0] = (uint8_t)rgb;
	dst[1] = (uint8_t)(rgb >> 8);
	dst[2] = (uint8_t)(rgb >> 16);
	dst[3] = 0;
}

/*
 * Section 12's CRC, CRC-32C, written here from its definition (reflected
 * polynomial 0x82F63B78, preset and final XOR 0xFFFFFFFF) independently of
 * the device's. crc32c_feed() runs the register: preset it to ~0, invert
 * it at the end.
 */
struct crc32c {
	uint32_t table[256];
};

static void crc32c_init(struct crc32c *c)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t r = i;

		for (int bit = 0; bit < 8; bit++)
			r = (r >> 1) ^ (r & 1 ? 0x82F63B78u : 0);
		c->table[i] = r;
	}
}

static uint32_t crc32c_feed(const struct crc32c *c, uint32_t reg, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		reg = (reg >> 8) ^ c->table[(reg ^ p[i]) & 0xff];
	return reg;
}

static int parse_crc(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno || strncmp(s, "0x", 2) || end == s + 2 || *end || v > 0xffffffffull)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	struct ref_plane order[FG_SCENE_PLANES];
	struct fg_image img = { 0 };
	struct fg_scene s;
	uint32_t guest_crc, host_crc, want_crc, first[REPORT_MAX][4];
	struct crc32c crc;
	uint64_t mismatches = 0;
	uint8_t *row, *want_row;
	int n = 0, idx;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: " PROG " NAME SHOT.png GUEST_CRC\n"
		       "Compares the screenshot SHOT of scene NAME (see scene --list) with the\n"
		       "frame a reference composition expects, and the CRC recomputed from SHOT\n"
		       "(CRC-32C over B,G,R,0 pixels) with GUEST_CRC (0xXXXXXXXX, as scene\n"
		       "printed it). Prints\n"
		       "  " PROG ": NAME pixels=N mismatches=M crc guest=0x.. host=0x.. ok|FAIL\n"
		       "Exit status: 0 ok, 1 mismatch or error, 2 usage.\n");
		return 0;
	}
	if (argc != 4) {
		fprintf(stderr, PROG ": expected NAME SHOT.png GUEST_CRC (see --help)\n");
		return 2;
	}
	idx = fg_scene_lookup(argv[1]);
	if (idx < 0) {
		fprintf(stderr, PROG ": unknown scene '%s' (scene --list names them)\n", argv[1]);
		return 2;
	}
	if (parse_crc(argv[3], &guest_crc)) {
		fprintf(stderr, PROG ": invalid GUEST_CRC '%s': expected 0x and up to 8 hex digits\n",
			argv[3]);
		return 2;
	}
	crc32c_init(&crc);
	if (~crc32c_feed(&crc, ~0u, (const uint8_t *)"123456789", 9) != 0xe3069283u) {
		fprintf(stderr, PROG ": internal error: CRC-32C check value wrong\n");
		return 1;
	}
	if (fg_image_read(PROG, argv[2], &img))
		return 1;
	if (img.w < 640 || img.h < 480) {
		fprintf(stderr, PROG ": %s is %ux%u; the scenes need a head of at least 640x480\n",
			argv[2], img.w, img.h);
		free(img.rgb);
		return 1;
	}
	fg_scene_get((unsigned int)idx, img.w, img.h, &s);
	row = malloc((size_t)img.w * 4);
	want_row = malloc((size_t)img.w * 4);
	if (!row || !want_row || prepare(&s, order, &n)) {
		if (!row || !want_row)
			fprintf(stderr, PROG ": out of memory\n");
		free(row);
		free(want_row);
		free(img.rgb);
		return 1;
	}

	host_crc = want_crc = ~0u;	/* the register, inverted at the end */
	for (uint32_t y = 0; y < img.h; y++) {
		for (uint32_t x = 0; x < img.w; x++) {
			const uint8_t *px = img.rgb + ((size_t)y * img.w + x) * 3;
			uint32_t got = (uint32_t)px[0] << 16 | (uint32_t)px[1] << 8 | px[2];
			uint32_t want = reference_pixel(&s, order, n, (int32_t)x, (int32_t)y);

			put_bgr0(row + (size_t)x * 4, got);
			put_bgr0(want_row + (size_t)x * 4, want);
			if (got == want)
				continue;
			if (mismatches < REPORT_MAX) {
				first[mismatches][0] = x;
				first[mismatches][1] = y;
				first[mismatches][2] = want;
				first[mismatches][3] = got;
			}
			mismatches++;
		}
		host_crc = crc32c_feed(&crc, host_crc, row, (size_t)img.w * 4);
		want_crc = crc32c_feed(&crc, want_crc, want_row, (size_t)img.w * 4);
	}
	host_crc = ~host_crc;
	want_crc = ~want_crc;

	int ok = !mismatches && host_crc == guest_crc;

	printf(PROG ": %s pixels=%llu mismatches=%llu crc guest=0x%08x host=0x%08x %s\n",
	       s.name, (unsigned long long)img.w * img.h, (unsigned long long)mismatches,
	       guest_crc, host_crc, ok ? "ok" : "FAIL");
	for (uint64_t i = 0; i < mismatches && i < REPORT_MAX; i++)
		printf(PROG ":   at (%u,%u) expected #%06x got #%06x\n",
		       first[i][0], first[i][1], first[i][2], first[i][3]);
	if (mismatches > REPORT_MAX)
		printf(PROG ":   ... and %llu more\n", (unsigned long long)(mismatches - REPORT_MAX));
	if (host_crc != guest_crc)
		printf(PROG ":   the CRC of the screenshot differs from the one the guest read: the CRC path (device CRC, driver debugfs) and the screenshot disagree\n");
	if (want_crc != guest_crc)
		printf(PROG ":   the guest's CRC is not the expected frame's (0x%08x): the device computed its CRC over a wrong frame\n",
		       want_crc);
	for (int i = 0; i < n; i++)
		free(order[i].bytes);
	free(row);
	free(want_row);
	free(img.rgb);
	return ok ? 0 : 1;
}
