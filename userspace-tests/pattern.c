// SPDX-License-Identifier: MIT
/*
 * Test patterns: see pattern.h for the contract and the colour rules.
 *
 * Layout of a w x h frame (later items are drawn over earlier ones):
 *   - 8 vertical colour bars (white yellow cyan green magenta red blue black);
 *     in the moving pattern they scroll left by `step` pixels per frame;
 *   - a band of three ramps (red, green, blue; every 5/6-bit level) across
 *     the lower part, to catch channel swaps and per-format quantisation;
 *   - five marker rectangles of distinct colours and shapes: top-left square,
 *     top-right wide, bottom-left tall, bottom-right square, centre square,
 *     so that offsets, flips, mirroring and stride errors move or shear them;
 *   - moving only: a 16-cell frame counter (frame number, MSB first,
 *     set = white, clear = black) at the top centre;
 *   - a 1-pixel white border on the outermost rows and columns.
 */
#include "pattern.h"

#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

/* Build 0x00RRGGBB from 5/6/5-bit values by bit replication (RGB565-exact). */
#define C565(r5, g6, b5)                                                        \
	((uint32_t)((((r5) << 3) | ((r5) >> 2)) << 16 |                        \
		    (((g6) << 2) | ((g6) >> 4)) << 8 |                          \
		    (((b5) << 3) | ((b5) >> 2))))

static const uint32_t bar_colours[8] = {
	C565(31, 63, 31),	/* white   0xffffff */
	C565(31, 63, 0),	/* yellow  0xffff00 */
	C565(0, 63, 31),	/* cyan    0x00ffff */
	C565(0, 63, 0),		/* green   0x00ff00 */
	C565(31, 0, 31),	/* magenta 0xff00ff */
	C565(31, 0, 0),		/* red     0xff0000 */
	C565(0, 0, 31),		/* blue    0x0000ff */
	C565(0, 0, 0),		/* black   0x000000 */
};

#define WHITE		C565(31, 63, 31)
#define BLACK		C565(0, 0, 0)

enum { MK_TL, MK_TR, MK_BL, MK_BR, MK_CENTRE, MK_COUNT };

static const uint32_t marker_colours[MK_COUNT] = {
	C565(31, 40, 0),	/* orange 0xffa200 */
	C565(16, 0, 24),	/* purple 0x8400c6 */
	C565(0, 32, 16),	/* teal   0x008284 */
	C565(31, 24, 20),	/* pink   0xff61a5 */
	C565(12, 24, 12),	/* grey   0x636163 */
};

#define COUNTER_BITS	16

struct rect {
	uint32_t x0, y0, x1, y1;	/* [x0, x1) x [y0, y1) */
};

struct layout {
	struct rect marker[MK_COUNT];
	struct rect ramps;
	struct rect counter;	/* empty unless the pattern has a counter */
	uint32_t cell;		/* counter cell size */
	uint32_t step;		/* scroll per frame (moving) */
};

static uint32_t clampu(uint64_t v, uint32_t max)
{
	return v > max ? max : (uint32_t)v;
}

static struct rect mkrect(uint64_t x0, uint64_t y0, uint64_t rw, uint64_t rh,
			  uint32_t w, uint32_t h)
{
	struct rect r = {
		clampu(x0, w), clampu(y0, h),
		clampu(x0 + rw, w), clampu(y0 + rh, h),
	};
	return r;
}

static void layout_init(struct layout *l, enum fg_pattern p, uint32_t w,
			uint32_t h)
{
	uint32_t min = w < h ? w : h;
	uint32_t m = min / 10 > 2 ? min / 10 : 2;	/* marker size */
	uint32_t in = m / 2 + 2;			/* inset from the edge */
	uint64_t W = w, H = h;

	memset(l, 0, sizeof(*l));
	l->marker[MK_TL] = mkrect(in, in, m, m, w, h);
	l->marker[MK_TR] = W > in + 2ull * m ?
		mkrect(W - in - 2ull * m, in, 2ull * m, m, w, h) :
		mkrect(0, 0, 0, 0, w, h);
	l->marker[MK_BL] = H > in + 2ull * m ?
		mkrect(in, H - in - 2ull * m, m, 2ull * m, w, h) :
		mkrect(0, 0, 0, 0, w, h);
	l->marker[MK_BR] = W > in + m && H > in + m ?
		mkrect(W - in - m, H - in - m, m, m, w, h) :
		mkrect(0, 0, 0, 0, w, h);
	l->marker[MK_CENTRE] = mkrect(W / 2 - m / 2 > W ? 0 : W / 2 - m / 2,
				      H / 2 > m / 2 ? H / 2 - m / 2 : 0, m, m, w, h);
	l->ramps = mkrect(0, H * 13 / 16, W, H / 16 > 1 ? H / 16 : 1, w, h);

	l->step = w / 256 > 1 ? w / 256 : 1;
	if (p == FG_PATTERN_MOVING) {
		l->cell = m / 2 > 1 ? m / 2 : 1;
		uint64_t cw = (uint64_t)COUNTER_BITS * l->cell;
		l->counter = mkrect(W > cw ? (W - cw) / 2 : 0, in, cw, l->cell, w, h);
	}
}

static int in_rect(const struct rect *r, uint32_t x, uint32_t y)
{
	return x >= r->x0 && x < r->x1 && y >= r->y0 && y < r->y1;
}

static uint32_t ramp_colour(const struct rect *r, uint32_t x)
{
	uint64_t span = r->x1 - r->x0;
	uint64_t third = span / 3 ? span / 3 : 1;
	uint64_t rel = x - r->x0;
	uint32_t which = (uint32_t)(rel / third);
	uint64_t pos = rel - which * third;

	if (which > 2) {	/* leftover columns when span % 3 != 0 */
		which = 2;
		pos = third - 1;
	}
	switch (which) {
	case 0:
		return C565((uint32_t)(pos * 32 / third), 0, 0);
	case 1:
		return C565(0, (uint32_t)(pos * 64 / third), 0);
	default:
		return C565(0, 0, (uint32_t)(pos * 32 / third));
	}
}

static uint32_t pixel(const struct layout *l, enum fg_pattern p, uint32_t frame,
		      uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	if (x == 0 || y == 0 || x == w - 1 || y == h - 1)
		return WHITE;

	if (p == FG_PATTERN_MOVING && in_rect(&l->counter, x, y)) {
		uint32_t bit = (x - l->counter.x0) / l->cell;

		return (frame >> (COUNTER_BITS - 1 - bit)) & 1 ? WHITE : BLACK;
	}

	for (int i = 0; i < MK_COUNT; i++)
		if (in_rect(&l->marker[i], x, y))
			return marker_colours[i];

	if (in_rect(&l->ramps, x, y))
		return ramp_colour(&l->ramps, x);

	uint64_t xs = x;
	if (p == FG_PATTERN_MOVING)
		xs = (xs + (uint64_t)frame * l->step) % w;
	return bar_colours[xs * 8 / w];
}

uint32_t fg_pattern_pixel(enum fg_pattern p, uint32_t frame, uint32_t x,
			  uint32_t y, uint32_t w, uint32_t h)
{
	struct layout l;

	if (x >= w || y >= h || p >= FG_PATTERN_COUNT)
		return 0;
	layout_init(&l, p, w, h);
	return pixel(&l, p, frame, x, y, w, h);
}

/* ---- formats -------------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t fourcc;
	unsigned int cpp;
} formats[] = {
	{ "xrgb8888", DRM_FORMAT_XRGB8888, 4 },
	{ "argb8888", DRM_FORMAT_ARGB8888, 4 },
	{ "rgb565", DRM_FORMAT_RGB565, 2 },
	{ "argb1555", DRM_FORMAT_ARGB1555, 2 },
};

static const char *const pattern_names[FG_PATTERN_COUNT] = {
	[FG_PATTERN_BARS] = "bars",
	[FG_PATTERN_MOVING] = "moving",
};

int fg_pattern_parse(const char *name)
{
	for (int i = 0; i < FG_PATTERN_COUNT; i++)
		if (strcmp(name, pattern_names[i]) == 0)
			return i;
	return -1;
}

const char *fg_pattern_name(enum fg_pattern p)
{
	return p < FG_PATTERN_COUNT ? pattern_names[p] : "?";
}

uint32_t fg_format_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(name, formats[i].name) == 0)
			return formats[i].fourcc;
	return 0;
}

const char *fg_format_name(uint32_t fourcc)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fourcc == fourcc)
			return formats[i].name;
	return NULL;
}

unsigned int fg_format_cpp(uint32_t fourcc)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].fourcc == fourcc)
			return formats[i].cpp;
	return 0;
}

static uint16_t to565(uint32_t rgb)
{
	return (uint16_t)(((rgb >> 19) & 0x1f) << 11 | ((rgb >> 10) & 0x3f) << 5 |
			  ((rgb >> 3) & 0x1f));
}

static uint32_t from565(uint16_t v)
{
	uint32_t r5 = v >> 11, g6 = (v >> 5) & 0x3f, b5 = v & 0x1f;

	return C565(r5, g6, b5);
}

/* A (its top bit) and the top 5 bits of R, G, B. */
static uint16_t to1555(uint32_t argb)
{
	return (uint16_t)((argb >> 31) << 15 | ((argb >> 19) & 0x1f) << 10 |
			  ((argb >> 11) & 0x1f) << 5 | ((argb >> 3) & 0x1f));
}

/* The colour of an ARGB1555 pixel: 5-bit values expanded by bit replication. */
static uint32_t from1555(uint16_t v)
{
	uint32_t r5 = (v >> 10) & 0x1f, g5 = (v >> 5) & 0x1f, b5 = v & 0x1f;

	return (r5 << 3 | r5 >> 2) << 16 | (g5 << 3 | g5 >> 2) << 8 | (b5 << 3 | b5 >> 2);
}

uint32_t fg_format_roundtrip(uint32_t fourcc, uint32_t rgb)
{
	if (fourcc == DRM_FORMAT_RGB565)
		return from565(to565(rgb));
	if (fourcc == DRM_FORMAT_ARGB1555)
		return from1555(to1555(rgb));
	return rgb & 0xffffff;
}

uint32_t fg_pattern_expect(enum fg_pattern p, uint32_t fourcc, uint32_t frame,
			   uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	return fg_format_roundtrip(fourcc, fg_pattern_pixel(p, frame, x, y, w, h));
}

void fg_format_store(uint8_t *dst, uint32_t fourcc, uint32_t argb)
{
	if (fourcc == DRM_FORMAT_RGB565 || fourcc == DRM_FORMAT_ARGB1555) {
		uint16_t v = fourcc == DRM_FORMAT_RGB565 ? to565(argb) : to1555(argb);

		dst[0] = (uint8_t)v;
		dst[1] = (uint8_t)(v >> 8);
	} else {
		/* Little-endian B, G, R, A/X. */
		dst[0] = (uint8_t)argb;
		dst[1] = (uint8_t)(argb >> 8);
		dst[2] = (uint8_t)(argb >> 16);
		dst[3] = (uint8_t)(argb >> 24);
	}
}

/*
 * Whole rows repeat until a rectangle edge: only rows where something starts
 * or ends are computed (into a scratch row in system memory, because reading
 * back from a write-combined scanout buffer is slow), the others are copies.
 * This keeps redrawing a full frame cheap enough for 60 Hz in a TCG guest.
 */
static int row_changes(const struct layout *l, uint32_t y, uint32_t h)
{
	if (y <= 1 || y == h - 1)
		return 1;
	for (int i = 0; i < MK_COUNT; i++)
		if (y == l->marker[i].y0 || y == l->marker[i].y1)
			return 1;
	return y == l->ramps.y0 || y == l->ramps.y1 ||
	       y == l->counter.y0 || y == l->counter.y1;
}

int fg_pattern_fill(enum fg_pattern p, uint32_t frame, uint32_t fourcc,
		    void *buf, uint32_t w, uint32_t h, uint32_t pitch)
{
	unsigned int cpp = fg_format_cpp(fourcc);
	struct layout l;
	uint8_t *base = buf, *scratch;
	size_t row_bytes;

	if (!cpp || !w || !h || p >= FG_PATTERN_COUNT || pitch / cpp < w)
		return -1;
	row_bytes = (size_t)w * cpp;
	scratch = malloc(row_bytes);
	if (!scratch)
		return -1;
	layout_init(&l, p, w, h);

	for (uint32_t y = 0; y < h; y++) {
		if (row_changes(&l, y, h))
			for (uint32_t x = 0; x < w; x++)
				/* X is written as 0xff, like alpha. */
				fg_format_store(scratch + (size_t)x * cpp, fourcc, 0xff000000u |
						pixel(&l, p, frame, x, y, w, h));
		memcpy(base + (size_t)y * pitch, scratch, row_bytes);
	}
	free(scratch);
	return 0;
}
