// SPDX-License-Identifier: MIT
/*
 * Scene definitions and buffer drawing: see scenes.h.
 *
 * Coverage: the primary plane in each scanout format and with a source
 * rectangle that is smaller than its buffer and not at 0,0; the cursor at
 * 64x64 and 256x256 (CURSOR_MAX) fully on the head, partly off each edge
 * (negative coordinates on the left and top) and fully off; the overlay
 * above and below the primary, in each pixel blend mode, with plane alpha
 * 0x8000, in RGB565 with source clipping, in XRGB8888 with a non-0xff X
 * byte (to be ignored) and in ARGB1555 (alpha bit 0 on the left half of the
 * glass, 1 on the right); a gamma LUT; everything at once.
 */
#include "scenes.h"

#include <stdlib.h>
#include <string.h>

#include <drm_fourcc.h>

#include "pattern.h"

/* ---- buffer art ------------------------------------------------------------ */

static uint32_t argb(uint32_t a, uint32_t r, uint32_t g, uint32_t b)
{
	return a << 24 | r << 16 | g << 8 | b;
}

/*
 * Cursor: opaque corner markers of distinct colours (a clip from the wrong
 * side or a mirrored copy moves them), a 2-pixel opaque frame, a
 * pre-multiplied alpha ramp across x (colour <= alpha), a transparent hole in
 * the middle and a band with alpha 0 but colour != 0 (pre-multiplied
 * "additive" pixels: the colour is added to what is below).
 */
static uint32_t cursor_pixel(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	uint32_t m = w / 8, a;

	if (x < m && y < m)
		return argb(0xff, 0xff, 0, 0);
	if (x >= w - m && y < m)
		return argb(0xff, 0, 0xff, 0);
	if (x < m && y >= h - m)
		return argb(0xff, 0, 0, 0xff);
	if (x >= w - m && y >= h - m)
		return 0;
	if (x < 2 || y < 2 || x >= w - 2 || y >= h - 2)
		return argb(0xff, 0xff, 0xa2, 0x00);
	if (x >= w * 3 / 8 && x < w * 5 / 8 && y >= h * 3 / 8 && y < h * 5 / 8)
		return 0;
	if (y >= h - m - 4 && y < h - m)
		return argb(0, 0x40, 0x20, 0x10);
	a = x * 255 / (w - 1);
	return argb(a, a, a * y / (h - 1), a / 2);
}

/*
 * Glass: eight colour bands down the buffer, alpha rising 0..255 across it,
 * colours not pre-multiplied (so "Pre-multiplied" blending must clamp), and a
 * 3-pixel opaque cyan frame.
 */
static uint32_t glass_pixel(uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	static const uint32_t band[8] = {
		0xf04080, 0xffffff, 0x00ff00, 0x336699,
		0x808080, 0xff0000, 0x0000ff, 0x10e0a0,
	};

	if (x < 3 || y < 3 || x >= w - 3 || y >= h - 3)
		return 0xff00ffffu;
	return (x * 255 / (w - 1)) << 24 | band[y * 8 / h];
}

int fg_scene_fill(const struct fg_scene_plane *p, void *buf, uint32_t pitch)
{
	unsigned int cpp = fg_format_cpp(p->fourcc);
	uint8_t *row;

	if (p->art == FG_ART_PATTERN)
		return fg_pattern_fill(FG_PATTERN_BARS, 0, p->fourcc, buf,
				       p->buf_w, p->buf_h, pitch);
	if (!cpp || !p->buf_w || !p->buf_h || pitch / cpp < p->buf_w ||
	    (p->art != FG_ART_CURSOR && p->art != FG_ART_GLASS))
		return -1;
	/* Whole rows through system memory: scanout memory is slow to touch. */
	row = malloc((size_t)p->buf_w * cpp);
	if (!row)
		return -1;
	for (uint32_t y = 0; y < p->buf_h; y++) {
		for (uint32_t x = 0; x < p->buf_w; x++)
			fg_format_store(row + (size_t)x * cpp, p->fourcc,
					p->art == FG_ART_CURSOR ?
					cursor_pixel(x, y, p->buf_w, p->buf_h) :
					glass_pixel(x, y, p->buf_w, p->buf_h));
		memcpy((uint8_t *)buf + (size_t)y * pitch, row, (size_t)p->buf_w * cpp);
	}
	free(row);
	return 0;
}

uint32_t fg_scene_gamma(unsigned int i)
{
	uint32_t v = i & 0xff;

	/* Red inverted, green squared, blue halved and lifted: no channel is
	 * the identity, and a swap of two channels shows. */
	return (255 - v) << 16 | (v * v / 255) << 8 | (v / 2 + 64);
}

const char *fg_scene_blend_name(enum fg_scene_blend b)
{
	switch (b) {
	case FG_BLEND_COVERAGE:
		return "Coverage";
	case FG_BLEND_NONE:
		return "None";
	default:
		return "Pre-multiplied";
	}
}

/* ---- scenes ---------------------------------------------------------------- */

/* The default stacking of the driver: primary 0, overlay 1, cursor 2. */
enum { Z_PRIMARY, Z_OVERLAY, Z_CURSOR };

static struct fg_scene_plane plane(enum fg_scene_art art, uint32_t fourcc,
				   uint32_t bw, uint32_t bh, int32_t x, int32_t y,
				   uint32_t zpos)
{
	return (struct fg_scene_plane){
		.art = art, .fourcc = fourcc, .buf_w = bw, .buf_h = bh,
		.src_w = bw, .src_h = bh, .x = x, .y = y, .alpha = 0xffff,
		.blend = FG_BLEND_PREMULTI, .zpos = zpos,
	};
}

static void primary(struct fg_scene *s, uint32_t fourcc, uint32_t w, uint32_t h)
{
	s->plane[FG_SCENE_PRIMARY] = plane(FG_ART_PATTERN, fourcc, w, h, 0, 0, Z_PRIMARY);
}

static void cursor(struct fg_scene *s, uint32_t size, int32_t x, int32_t y)
{
	s->plane[FG_SCENE_CURSOR] = plane(FG_ART_CURSOR, DRM_FORMAT_ARGB8888, size, size,
					  x, y, Z_CURSOR);
}

static void glass(struct fg_scene *s, uint32_t fourcc, int32_t x, int32_t y,
		  uint16_t alpha, enum fg_scene_blend blend)
{
	struct fg_scene_plane *p = &s->plane[FG_SCENE_OVERLAY];

	*p = plane(FG_ART_GLASS, fourcc, 320, 240, x, y, Z_OVERLAY);
	p->alpha = alpha;
	p->blend = blend;
}

/* Source rectangle (x, y, w, h) of a plane's buffer. */
static void src(struct fg_scene_plane *p, uint32_t x, uint32_t y, uint32_t w, uint32_t h)
{
	p->src_x = x;
	p->src_y = y;
	p->src_w = w;
	p->src_h = h;
}

#define XR24 DRM_FORMAT_XRGB8888
#define AR24 DRM_FORMAT_ARGB8888
#define RG16 DRM_FORMAT_RGB565
#define AR15 DRM_FORMAT_ARGB1555

static void build(unsigned int i, int32_t w, int32_t h, struct fg_scene *s)
{
	struct fg_scene_plane *pri = &s->plane[FG_SCENE_PRIMARY];
	struct fg_scene_plane *ovl = &s->plane[FG_SCENE_OVERLAY];

	primary(s, XR24, (uint32_t)w, (uint32_t)h);
	switch (i) {
	case 0:	/* primary-xrgb8888 */
		break;
	case 1:	/* primary-argb8888 */
		primary(s, AR24, (uint32_t)w, (uint32_t)h);
		break;
	case 2:	/* primary-rgb565 */
		primary(s, RG16, (uint32_t)w, (uint32_t)h);
		break;
	case 3:	/* primary-src-clip: a larger buffer, the head shows a window of it */
		*pri = plane(FG_ART_PATTERN, XR24, (uint32_t)w + 96, (uint32_t)h + 48, 0, 0,
			     Z_PRIMARY);
		src(pri, 40, 24, (uint32_t)w, (uint32_t)h);
		break;
	case 4:	/* cursor64-on */
		cursor(s, 64, 100, 80);
		break;
	case 5:	/* cursor64-left */
		cursor(s, 64, -24, 100);
		break;
	case 6:	/* cursor64-top */
		cursor(s, 64, 200, -40);
		break;
	case 7:	/* cursor64-right */
		cursor(s, 64, w - 20, 300);
		break;
	case 8:	/* cursor64-bottom */
		cursor(s, 64, 300, h - 9);
		break;
	case 9:	/* cursor64-off-right: one pixel past the last column */
		cursor(s, 64, w, 40);
		break;
	case 10: /* cursor64-off-top-left: ends exactly at the first pixel */
		cursor(s, 64, -64, -64);
		break;
	case 11: /* cursor256-on */
		cursor(s, 256, w / 2 - 128, h / 2 - 128);
		break;
	case 12: /* cursor256-top-left */
		cursor(s, 256, -100, -60);
		break;
	case 13: /* cursor256-bottom-right */
		cursor(s, 256, w - 100, h - 60);
		break;
	case 14: /* overlay-premulti */
		glass(s, AR24, 200, 150, 0xffff, FG_BLEND_PREMULTI);
		break;
	case 15: /* overlay-premulti-alpha8000 */
		glass(s, AR24, 200, 150, 0x8000, FG_BLEND_PREMULTI);
		break;
	case 16: /* overlay-coverage-alpha8000 */
		glass(s, AR24, 200, 150, 0x8000, FG_BLEND_COVERAGE);
		break;
	case 17: /* overlay-none-alpha8000 */
		glass(s, AR24, 200, 150, 0x8000, FG_BLEND_NONE);
		break;
	case 18: /* overlay-below: under a half-transparent primary, partly off */
		glass(s, AR24, -40, h - 200, 0xffff, FG_BLEND_PREMULTI);
		ovl->zpos = Z_PRIMARY;
		pri->zpos = Z_OVERLAY;
		pri->alpha = 0x8000;
		break;
	case 19: /* overlay-xrgb8888-x-ignored: the glass alpha sits in X */
		glass(s, XR24, 600, 100, 0xffff, FG_BLEND_COVERAGE);
		break;
	case 20: /* overlay-rgb565-src-clip */
		*ovl = plane(FG_ART_PATTERN, RG16, 400, 300, w - 300, h - 220, Z_OVERLAY);
		src(ovl, 60, 40, 240, 180);
		break;
	case 21: /* overlay-argb1555-premulti: alpha bit 0 adds its colour, 1 covers */
		glass(s, AR15, 200, 150, 0xffff, FG_BLEND_PREMULTI);
		break;
	case 22: /* overlay-argb1555-coverage-alpha8000: alpha bit 0 leaves the primary */
		glass(s, AR15, 200, 150, 0x8000, FG_BLEND_COVERAGE);
		break;
	case 23: /* gamma */
		cursor(s, 64, 100, 80);
		s->gamma = 1;
		break;
	default: /* all-planes */
		primary(s, RG16, (uint32_t)w, (uint32_t)h);
		glass(s, AR24, -50, -30, 0xc000, FG_BLEND_COVERAGE);
		cursor(s, 256, w - 200, h - 100);
		s->gamma = 1;
		break;
	}
}

static const char *const names[] = {
	"primary-xrgb8888", "primary-argb8888", "primary-rgb565", "primary-src-clip",
	"cursor64-on", "cursor64-left", "cursor64-top", "cursor64-right",
	"cursor64-bottom", "cursor64-off-right", "cursor64-off-top-left",
	"cursor256-on", "cursor256-top-left", "cursor256-bottom-right",
	"overlay-premulti", "overlay-premulti-alpha8000", "overlay-coverage-alpha8000",
	"overlay-none-alpha8000", "overlay-below", "overlay-xrgb8888-x-ignored",
	"overlay-rgb565-src-clip", "overlay-argb1555-premulti",
	"overlay-argb1555-coverage-alpha8000", "gamma", "all-planes",
};

#define NSCENES (sizeof(names) / sizeof(names[0]))

unsigned int fg_scene_count(void)
{
	return NSCENES;
}

const char *fg_scene_name(unsigned int i)
{
	return i < NSCENES ? names[i] : NULL;
}

int fg_scene_lookup(const char *name)
{
	for (unsigned int i = 0; i < NSCENES; i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

int fg_scene_get(unsigned int i, uint32_t w, uint32_t h, struct fg_scene *s)
{
	if (i >= NSCENES)
		return -1;
	memset(s, 0, sizeof(*s));
	s->name = names[i];
	build(i, (int32_t)w, (int32_t)h, s);
	return 0;
}
