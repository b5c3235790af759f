// SPDX-License-Identifier: MIT
/*
 * ABI 1.2 display engine tests: overlay plane, plane alpha / blend mode /
 * zpos, gamma LUT, writeback, their validation and reset. Expected pixel
 * values are computed here independently of the engine's integer code: the
 * DRM blend formulas in double precision, rounded to nearest (the exact
 * values never lie on a .5 tie, docs/device-abi.md section 11).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crc32c_ref.h"
#include "engine.h"
#include "engine_fx.h"
#include "fakegpu_abi.h"

#define VRAM_SIZE	(16u << 20)
#define HZ60		60000u
#define T0		1000000000ull

static int setup(void **state)
{
	*state = fx_new(0, 0);
	return 0;
}

static int teardown(void **state)
{
	fx_free(*state);
	return 0;
}

static uint32_t hrd(struct fx *f, unsigned int h, uint32_t off)
{
	return fx_rd(f, FAKEGPU_HEAD_BASE(h) + off);
}

static void hwr(struct fx *f, unsigned int h, uint32_t off, uint32_t v)
{
	fx_wr(f, FAKEGPU_HEAD_BASE(h) + off, v);
}

static uint32_t prd(struct fx *f, unsigned int h, unsigned int p, uint32_t off)
{
	return hrd(f, h, FAKEGPU_PLANE_BASE(p) + off);
}

static void pwr(struct fx *f, unsigned int h, unsigned int p, uint32_t off, uint32_t v)
{
	hwr(f, h, FAKEGPU_PLANE_BASE(p) + off, v);
}

static void set_mode(struct fx *f, unsigned int h, uint32_t w, uint32_t ht, uint32_t ctrl)
{
	hwr(f, h, FAKEGPU_HEAD_CTRL, ctrl);
	hwr(f, h, FAKEGPU_HEAD_WIDTH, w);
	hwr(f, h, FAKEGPU_HEAD_HEIGHT, ht);
	hwr(f, h, FAKEGPU_HEAD_REFRESH_MHZ, HZ60);
}

static void set_plane(struct fx *f, unsigned int h, unsigned int p, uint32_t fmt,
		      uint64_t offset, uint32_t pitch, uint32_t sx, uint32_t sy,
		      uint32_t sw, uint32_t sh, int32_t dx, int32_t dy)
{
	pwr(f, h, p, FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	pwr(f, h, p, FAKEGPU_PLANE_FORMAT, fmt);
	pwr(f, h, p, FAKEGPU_PLANE_OFFSET_LO, (uint32_t)offset);
	pwr(f, h, p, FAKEGPU_PLANE_OFFSET_HI, (uint32_t)(offset >> 32));
	pwr(f, h, p, FAKEGPU_PLANE_PITCH, pitch);
	pwr(f, h, p, FAKEGPU_PLANE_SRC_X, sx);
	pwr(f, h, p, FAKEGPU_PLANE_SRC_Y, sy);
	pwr(f, h, p, FAKEGPU_PLANE_SRC_W, sw);
	pwr(f, h, p, FAKEGPU_PLANE_SRC_H, sh);
	pwr(f, h, p, FAKEGPU_PLANE_DST_X, (uint32_t)dx);
	pwr(f, h, p, FAKEGPU_PLANE_DST_Y, (uint32_t)dy);
}

static void put32(struct fx *f, uint64_t off, uint32_t v)
{
	f->vram[off] = v & 0xff;
	f->vram[off + 1] = (v >> 8) & 0xff;
	f->vram[off + 2] = (v >> 16) & 0xff;
	f->vram[off + 3] = v >> 24;
}

static uint32_t get32(struct fx *f, uint64_t off)
{
	return f->vram[off] | f->vram[off + 1] << 8 | f->vram[off + 2] << 16 |
	       (uint32_t)f->vram[off + 3] << 24;
}

static void put16(struct fx *f, uint64_t off, uint16_t v)
{
	f->vram[off] = v & 0xff;
	f->vram[off + 1] = v >> 8;
}

static void fill_solid(struct fx *f, uint64_t off, uint32_t n, uint32_t v)
{
	for (uint32_t i = 0; i < n; i++)
		put32(f, off + 4ull * i, v);
}

static void fill_pattern(struct fx *f, uint64_t off, uint32_t w, uint32_t h, uint32_t seed)
{
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++)
			put32(f, off + 4ull * (y * w + x), (seed + y * w + x) * 2654435761u);
}

static uint32_t pattern(uint32_t w, uint32_t x, uint32_t y, uint32_t seed)
{
	return ((seed + y * w + x) * 2654435761u) & 0xffffff;
}

static uint32_t *shot(struct fx *f, unsigned int h, uint32_t *w, uint32_t *ht)
{
	uint32_t *px = NULL;

	assert_int_equal(fg_engine_screenshot(f->e, h, &px, w, ht), 0);
	return px;
}

static uint32_t pixel_at(struct fx *f, unsigned int h, uint32_t x, uint32_t y)
{
	uint32_t w, ht, *px = shot(f, h, &w, &ht), v;

	assert_true(x < w && y < ht);
	v = px[y * w + x];
	free(px);
	return v;
}

static uint64_t vb(uint64_t n)
{
	return T0 + n * 1000000000000ull / HZ60;
}

#define PRI_OFF		0u
#define OVL_OFF		(2u << 20)
#define CUR_OFF		(4u << 20)
#define WB_OFF		(8u << 20)
#define BG		0x00336699u

/* 16x8 head, head off before: the commit applies at once. */
static void primary_solid(struct fx *f, uint32_t ctrl)
{
	fill_solid(f, PRI_OFF, 16 * 8, BG);
	set_mode(f, 0, 16, 8, ctrl);
	set_plane(f, 0, FAKEGPU_PLANE_PRIMARY, FAKEGPU_FMT_XRGB8888, PRI_OFF, 16 * 4,
		  0, 0, 16, 8, 0, 0);
}

/* Device reset: heads off, so the next commit applies at once. */
static void power_off(struct fx *f)
{
	fg_engine_reset(f->e);
}

/* COMMIT; STATUS.ERROR clear (from the last latch: call it when that was good). */
static void commit_ok(struct fx *f, unsigned int h)
{
	hwr(f, h, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, h, FAKEGPU_HEAD_STATUS) & FAKEGPU_HEAD_STATUS_ERROR, 0);
}

/* ---- capabilities ----------------------------------------------------------- */

static void test_caps(void **state)
{
	struct fx *f = *state;

	assert_int_equal(fx_rd(f, FAKEGPU_REG_ABI_VERSION), 0x00010005);
	assert_true(fx_rd(f, FAKEGPU_REG_CAPS) & FAKEGPU_CAP_OVERLAY);
	assert_true(fx_rd(f, FAKEGPU_REG_CAPS) & FAKEGPU_CAP_GAMMA);
	assert_true(fx_rd(f, FAKEGPU_REG_CAPS) & FAKEGPU_CAP_WRITEBACK);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_PLANES_PER_HEAD), 3);
	for (unsigned int p = 0; p < 3; p++) {
		assert_int_equal(prd(f, 0, p, FAKEGPU_PLANE_ALPHA), 0xffff);
		assert_int_equal(prd(f, 0, p, FAKEGPU_PLANE_BLEND), FAKEGPU_BLEND_PREMULTI);
		assert_int_equal(prd(f, 0, p, FAKEGPU_PLANE_ZPOS), p);
	}
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_CTRL), 0);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_INDEX), 0);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_WB_STATUS), 0);
}

/* ---- overlay placement ------------------------------------------------------ */

/*
 * Overlay showing the (sx, sy, 8, 4) rectangle of a 32x32 pattern buffer at
 * (dx, dy) over the solid primary; every pixel of the 16x8 head checked.
 */
static void overlay_case(struct fx *f, uint32_t sx, uint32_t sy, int32_t dx, int32_t dy)
{
	uint32_t w, h, *px;

	power_off(f);
	primary_solid(f, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, FAKEGPU_PLANE_OVERLAY, FAKEGPU_FMT_XRGB8888, OVL_OFF, 32 * 4,
		  sx, sy, 8, 4, dx, dy);
	commit_ok(f, 0);
	px = shot(f, 0, &w, &h);
	assert_int_equal(w, 16);
	assert_int_equal(h, 8);
	for (int32_t y = 0; y < 8; y++)
		for (int32_t x = 0; x < 16; x++) {
			bool in = (int64_t)x >= dx && (int64_t)x < (int64_t)dx + 8 &&
				  (int64_t)y >= dy && (int64_t)y < (int64_t)dy + 4;
			uint32_t want = in ? pattern(32, sx + (uint32_t)(x - dx),
						    sy + (uint32_t)(y - dy), 5) : BG;

			if (px[y * 16 + x] != want)
				fail_msg("overlay src (%u,%u) at (%d,%d): pixel (%d,%d) 0x%06x, want 0x%06x",
					 sx, sy, dx, dy, x, y, px[y * 16 + x], want);
		}
	free(px);
}

static void test_overlay_placement(void **state)
{
	struct fx *f = *state;
	static const int32_t pos[][2] = {
		{ 5, 3 }, { 0, 0 }, { 8, 4 },			/* inside, corners */
		{ -3, 2 }, { 12, 1 }, { 4, -2 }, { 3, 6 },	/* partly off each edge */
		{ -5, -3 }, { 11, 5 },				/* off two edges */
		{ -8, 0 }, { 16, 0 }, { 0, -4 }, { 0, 8 },	/* just fully off */
		{ INT32_MIN, INT32_MIN }, { INT32_MAX, INT32_MAX }, { INT32_MAX, 0 },
	};

	fill_pattern(f, OVL_OFF, 32, 32, 5);
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		overlay_case(f, 2, 1, pos[i][0], pos[i][1]);
		overlay_case(f, 24, 28, pos[i][0], pos[i][1]);	/* buffer's corner */
	}
}

static void test_overlay_formats(void **state)
{
	struct fx *f = *state;

	primary_solid(f, FAKEGPU_HEAD_CTRL_ENABLE);
	/* RGB565, bit replication like the primary. */
	put16(f, OVL_OFF, 0x8410);
	put16(f, OVL_OFF + 2, 0xf800);
	set_plane(f, 0, FAKEGPU_PLANE_OVERLAY, FAKEGPU_FMT_RGB565, OVL_OFF, 4, 0, 0, 2, 1, 3, 2);
	commit_ok(f, 0);
	assert_int_equal(pixel_at(f, 0, 3, 2), 0x848284);
	assert_int_equal(pixel_at(f, 0, 4, 2), 0xff0000);
	assert_int_equal(pixel_at(f, 0, 5, 2), BG);

	/* XRGB8888: X ignored, opaque whatever it holds. */
	power_off(f);
	primary_solid(f, FAKEGPU_HEAD_CTRL_ENABLE);
	put32(f, OVL_OFF, 0x00abcdef);
	set_plane(f, 0, FAKEGPU_PLANE_OVERLAY, FAKEGPU_FMT_XRGB8888, OVL_OFF, 4, 0, 0, 1, 1, 0, 0);
	commit_ok(f, 0);
	assert_int_equal(pixel_at(f, 0, 0, 0), 0xabcdef);

	/* ARGB8888, pre-multiplied by default: a = 0x80, s = 0x80 over 0x33 -> 0x99. */
	put32(f, OVL_OFF, 0x80808080);
	power_off(f);
	primary_solid(f, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, FAKEGPU_PLANE_OVERLAY, FAKEGPU_FMT_ARGB8888, OVL_OFF, 4, 0, 0, 1, 1, 0, 0);
	commit_ok(f, 0);
	assert_int_equal(pixel_at(f, 0, 0, 0), 0x99b3cc);
}

/* ---- zpos --------------------------------------------------------------------- */

#define OVL_COLOUR	0x00a0b0c0u
#define CUR_COLOUR	0xff102030u

/* Primary BG, cursor and overlay both covering (0,0); returns pixel (0,0). */
static uint32_t zpos_case(struct fx *f, uint32_t zp, uint32_t zc, uint32_t zo, bool cursor)
{
	power_off(f);
	primary_solid(f, FAKEGPU_HEAD_CTRL_ENABLE);
	fill_solid(f, OVL_OFF, 4, OVL_COLOUR);
	fill_solid(f, CUR_OFF, 4, CUR_COLOUR);
	set_plane(f, 0, FAKEGPU_PLANE_OVERLAY, FAKEGPU_FMT_XRGB8888, OVL_OFF, 8, 0, 0, 2, 2, 0, 0);
	if (cursor)
		set_plane(f, 0, FAKEGPU_PLANE_CURSOR, FAKEGPU_FMT_ARGB8888, CUR_OFF, 8,
			  0, 0, 2, 2, 0, 0);
	pwr(f, 0, FAKEGPU_PLANE_PRIMARY, FAKEGPU_PLANE_ZPOS, zp);
	pwr(f, 0, FAKEGPU_PLANE_CURSOR, FAKEGPU_PLANE_ZPOS, zc);
	pwr(f, 0, FAKEGPU_PLANE_OVERLAY, FAKEGPU_PLANE_ZPOS, zo);
	commit_ok(f, 0);
	/* Outside the small planes the primary shows whatever the order. */
	assert_int_equal(pixel_at(f, 0, 5, 5), BG);
	return pixel_at(f, 0, 0, 0);
}

static void test_zpos(void **state)
{
	struct fx *f = *state;

	/* Reset order 0, 1, 2: overlay above primary (and above the cursor). */
	assert_int_equal(zpos_case(f, 0, 1, 2, false), OVL_COLOUR);
	assert_int_equal(zpos_case(f, 0, 1, 2, true), OVL_COLOUR);
	/* Overlay below the primary: hidden. */
	assert_int_equal(zpos_case(f, 5, 1, 0, false), BG);
	assert_int_equal(zpos_case(f, 0xffffffff, 1, 7, false), BG);	/* any value */
	/* Ties: lower plane index first (below). */
	assert_int_equal(zpos_case(f, 3, 3, 3, false), OVL_COLOUR);
	assert_int_equal(zpos_case(f, 3, 3, 3, true), OVL_COLOUR);
	assert_int_equal(zpos_case(f, 9, 3, 9, true), OVL_COLOUR);
	/* Cursor above the overlay. */
	assert_int_equal(zpos_case(f, 0, 10, 2, true), CUR_COLOUR & 0xffffff);
	/* Cursor below everything, overlay below primary: primary. */
	assert_int_equal(zpos_case(f, 2, 0, 1, true), BG);
	/* Primary on top of all. */
	assert_int_equal(zpos_case(f, 100, 0, 1, true), BG);
}

/* ---- blend modes -------------------------------------------------------------- */

/* DRM's formulas, in doubles, rounded to nearest and clamped. */
static uint32_t expect_channel(uint32_t mode, double pa, double fa, uint32_t fg, uint32_t bg)
{
	double v;

	switch (mode) {
	case FAKEGPU_BLEND_NONE:
		v = pa * fg + (1 - pa) * bg;
		break;
	case FAKEGPU_BLEND_PREMULTI:
		v = pa * fg + (1 - pa * fa) * bg;
		break;
	default:
		v = pa * fa * fg + (1 - pa * fa) * bg;
		break;
	}
	v = floor(v + 0.5);
	return v > 255 ? 255 : (uint32_t)v;
}

static uint32_t expect_px(uint32_t mode, uint32_t alpha, uint32_t fg, bool has_alpha,
			  uint32_t bg)
{
	double pa = alpha / 65535.0, fa = has_alpha ? (fg >> 24) / 255.0 : 1.0;
	uint32_t out = 0;

	for (int sh = 0; sh <= 16; sh += 8)
		out |= expect_channel(mode, pa, fa, (fg >> sh) & 0xff, (bg >> sh) & 0xff) << sh;
	return out;
}

/*
 * Store test_blend_modes' pixel with pixel alpha @fa in @fmt at @off; returns
 * it as the 0xAARRGGBB the formulas take. ARGB1555 has only A >= 128 (its A
 * bit) and the colour 0xf910 & 0x7fff, 0xf74284 expanded (section 10).
 */
static uint32_t put_blend_px(struct fx *f, uint32_t fmt, uint64_t off, uint32_t fa)
{
	if (fmt == FAKEGPU_FMT_ARGB1555) {
		put16(f, off, fa >= 128 ? 0xf910 : 0x7910);
		return (fa >= 128 ? 0xffu : 0) << 24 | 0xf74284;
	}
	put32(f, off, fa << 24 | 0xf04080);
	return fa << 24 | 0xf04080;
}

static void test_blend_modes(void **state)
{
	struct fx *f = *state;
	static const uint32_t modes[] = {
		FAKEGPU_BLEND_PREMULTI, FAKEGPU_BLEND_COVERAGE, FAKEGPU_BLEND_NONE,
	};
	static const uint32_t alphas[] = { 0, 0x8000, 0xffff, 0x1234, 0xfffe };
	static const uint32_t fmts[] = {
		FAKEGPU_FMT_XRGB8888, FAKEGPU_FMT_ARGB8888, FAKEGPU_FMT_ARGB1555,
	};
	/* Pixel alpha 0, 128, 255 (and two more); 0xf0 red checks the clamp. */
	static const uint32_t fa[] = { 0, 128, 255, 1, 200 };
	const uint32_t n = sizeof(fa) / sizeof(fa[0]);
	unsigned int checked = 0;

	for (size_t m = 0; m < 3; m++)
		for (size_t a = 0; a < sizeof(alphas) / sizeof(alphas[0]); a++)
			for (unsigned int p = FAKEGPU_PLANE_CURSOR; p <= FAKEGPU_PLANE_OVERLAY; p++)
				for (size_t k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
					uint32_t fmt = fmts[k], w, h, *px, src[sizeof(fa) / sizeof(fa[0])];
					uint32_t cpp = fmt == FAKEGPU_FMT_ARGB1555 ? 2 : 4;

					if (p == FAKEGPU_PLANE_CURSOR && fmt != FAKEGPU_FMT_ARGB8888)
						continue;
					for (uint32_t i = 0; i < n; i++)
						src[i] = put_blend_px(f, fmt, OVL_OFF + cpp * i, fa[i]);
					power_off(f);
					primary_solid(f, FAKEGPU_HEAD_CTRL_ENABLE);
					set_plane(f, 0, p, fmt, OVL_OFF, cpp * n, 0, 0, n, 1, 2, 3);
					pwr(f, 0, p, FAKEGPU_PLANE_ALPHA, alphas[a]);
					pwr(f, 0, p, FAKEGPU_PLANE_BLEND, modes[m]);
					commit_ok(f, 0);
					px = shot(f, 0, &w, &h);
					for (uint32_t i = 0; i < n; i++) {
						uint32_t want = expect_px(modes[m], alphas[a], src[i],
									  fmt != FAKEGPU_FMT_XRGB8888, BG);

						if (px[3 * 16 + 2 + i] != want)
							fail_msg("plane %u fmt %u mode %u alpha 0x%x fa %u: 0x%06x, want 0x%06x",
								 p, fmt, modes[m], alphas[a], fa[i],
								 px[3 * 16 + 2 + i], want);
						checked++;
					}
					assert_int_equal(px[3 * 16 + 1], BG);
					assert_int_equal(px[3 * 16 + 2 + n], BG);
					free(px);
				}
	/* Cursor ARGB8888, overlay in three formats. */
	assert_int_equal(checked, 3 * 5 * 4 * n);

	/* A few values worked by hand (docs/device-abi.md, section 11). */
	assert_int_equal(expect_px(FAKEGPU_BLEND_PREMULTI, 0xffff, 0x80808080, true, BG), 0x99b3cc);
	assert_int_equal(expect_px(FAKEGPU_BLEND_COVERAGE, 0x8000, 0x80f04080, true, BG), 0x625c93);
	assert_int_equal(expect_px(FAKEGPU_BLEND_NONE, 0x8000, 0x00f04080, true, BG), 0x92538c);
	assert_int_equal(expect_px(FAKEGPU_BLEND_PREMULTI, 0xffff, 0x00f04080, true, BG), 0xffa6ff);
	/* ARGB1555 0xf910 / 0x7910 (A 1 / A 0). */
	assert_int_equal(expect_px(FAKEGPU_BLEND_COVERAGE, 0x8000, 0xfff74284, true, BG), 0x95548e);
	assert_int_equal(expect_px(FAKEGPU_BLEND_COVERAGE, 0x8000, 0x00f74284, true, BG), BG);
	assert_int_equal(expect_px(FAKEGPU_BLEND_PREMULTI, 0xffff, 0x00f74284, true, BG), 0xffa8ff);
	assert_int_equal(expect_px(FAKEGPU_BLEND_NONE, 0x8000, 0x00f74284, true, BG), 0x95548e);
}

/* Lowest plane with coverage blending over black, and planes over planes. */
static void test_blend_stack(void **state)
{
	struct fx *f = *state;
	uint32_t want;

	/* Primary ARGB8888 coverage over black: fa * fg. */
	power_off(f);
	set_mode(f, 0, 4, 1, FAKEGPU_HEAD_CTRL_ENABLE);
	put32(f, PRI_OFF, 0x80f04080);
	put32(f, PRI_OFF + 4, 0x00f04080);
	put32(f, PRI_OFF + 8, 0xfff04080);
	put32(f, PRI_OFF + 12, 0x80f04080);
	set_plane(f, 0, 0, FAKEGPU_FMT_ARGB8888, PRI_OFF, 16, 0, 0, 4, 1, 0, 0);
	pwr(f, 0, 0, FAKEGPU_PLANE_BLEND, FAKEGPU_BLEND_COVERAGE);
	commit_ok(f, 0);
	assert_int_equal(pixel_at(f, 0, 0, 0), expect_px(FAKEGPU_BLEND_COVERAGE, 0xffff, 0x80f04080, true, 0));
	assert_int_equal(pixel_at(f, 0, 1, 0), 0);
	assert_int_equal(pixel_at(f, 0, 2, 0), 0xf04080);

	/* Primary at half plane alpha (pre-multiplied) over black, overlay below. */
	power_off(f);
	set_mode(f, 0, 4, 1, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_ARGB8888, PRI_OFF, 16, 0, 0, 4, 1, 0, 0);
	pwr(f, 0, 0, FAKEGPU_PLANE_ALPHA, 0x8000);
	pwr(f, 0, 0, FAKEGPU_PLANE_ZPOS, 1);
	fill_solid(f, OVL_OFF, 1, 0x00203040);
	set_plane(f, 0, 2, FAKEGPU_FMT_XRGB8888, OVL_OFF, 4, 0, 0, 1, 1, 3, 0);
	pwr(f, 0, 2, FAKEGPU_PLANE_ZPOS, 0);
	commit_ok(f, 0);
	assert_int_equal(pixel_at(f, 0, 0, 0), expect_px(FAKEGPU_BLEND_PREMULTI, 0x8000, 0x80f04080, true, 0));
	want = expect_px(FAKEGPU_BLEND_PREMULTI, 0x8000, 0x80f04080, true, 0x203040);
	assert_int_equal(pixel_at(f, 0, 3, 0), want);
}

/*
 * The general rule with plane alpha 0xffff, pre-multiplied, is exactly ABI
 * 1.1's cursor rule min(255, s + (d * (255 - a) + 127) / 255), for every
 * s, d, a: 1.1 frames are bit-identical under 1.2.
 */
static void test_premulti_rule_matches_1_1(void **state)
{
	(void)state;
	for (uint32_t a = 0; a < 256; a++)
		for (uint32_t s = 0; s < 256; s++)
			for (uint32_t d = 0; d < 256; d++) {
				uint32_t old = s + (d * (255 - a) + 127) / 255;

				if (old > 255)
					old = 255;
				if (expect_channel(FAKEGPU_BLEND_PREMULTI, 1.0, a / 255.0, s, d) != old)
					fail_msg("s %u d %u a %u", s, d, a);
			}
}

/* ---- gamma ---------------------------------------------------------------------- */

static void load_lut(struct fx *f, unsigned int h, uint32_t (*fn)(uint32_t))
{
	hwr(f, h, FAKEGPU_HEAD_GAMMA_INDEX, 0);
	for (uint32_t i = 0; i < 256; i++)
		hwr(f, h, FAKEGPU_HEAD_GAMMA_DATA, fn(i));
}

static uint32_t lut_identity(uint32_t i) { return i * 0x010101u; }
static uint32_t lut_invert(uint32_t i) { return (255 - i) * 0x010101u; }
/* Each channel its own curve: red halved, green inverted, blue squared. */
static uint32_t lut_mixed(uint32_t i) { return (i / 2) << 16 | (255 - i) << 8 | (i * i / 255); }

static void test_gamma(void **state)
{
	struct fx *f = *state;
	uint32_t crc_plain, w, h, *plain, *px;

	/* Scene: pattern primary + blended overlay, CRC on. */
	fill_pattern(f, PRI_OFF, 16, 8, 3);
	fill_solid(f, OVL_OFF, 16, 0x80402010);
	set_mode(f, 0, 16, 8, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, PRI_OFF, 64, 0, 0, 16, 8, 0, 0);
	set_plane(f, 0, 2, FAKEGPU_FMT_ARGB8888, OVL_OFF, 16, 0, 0, 4, 4, 6, 2);
	pwr(f, 0, 2, FAKEGPU_PLANE_ALPHA, 0xc000);
	commit_ok(f, 0);
	fg_engine_run(f->e, T0);
	fg_engine_run(f->e, vb(1));
	crc_plain = hrd(f, 0, FAKEGPU_HEAD_CRC);
	plain = shot(f, 0, &w, &h);
	assert_int_equal(crc_plain, ref_frame_crc(plain, (size_t)w * h));

	/* Identity LUT: same frame, same CRC. */
	load_lut(f, 0, lut_identity);
	hwr(f, 0, FAKEGPU_HEAD_GAMMA_CTRL, FAKEGPU_GAMMA_CTRL_ENABLE);
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(2));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC_FRAME), 2);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), crc_plain);

	/* Inverting LUT loaded without a commit: nothing changes yet. */
	load_lut(f, 0, lut_invert);
	fg_engine_run(f->e, vb(3));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), crc_plain);
	px = shot(f, 0, &w, &h);
	assert_memory_equal(px, plain, (size_t)w * h * 4);
	free(px);
	/* Committed: latched at the next vblank, not before. */
	commit_ok(f, 0);
	px = shot(f, 0, &w, &h);
	assert_memory_equal(px, plain, (size_t)w * h * 4);
	free(px);
	fg_engine_run(f->e, vb(4));
	px = shot(f, 0, &w, &h);
	for (uint32_t i = 0; i < w * h; i++)
		assert_int_equal(px[i], ~plain[i] & 0xffffff);
	/* CRC = the frame CRC (CRC-32C) of the post-gamma frame. */
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), ref_frame_crc(px, (size_t)w * h));
	assert_int_not_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), crc_plain);
	free(px);

	/* The shadow LUT changing later does not touch the latched one. */
	load_lut(f, 0, lut_identity);
	fg_engine_run(f->e, vb(5));
	assert_int_equal(pixel_at(f, 0, 0, 0), ~plain[0] & 0xffffff);

	/* Per-channel curves. */
	load_lut(f, 0, lut_mixed);
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(6));
	px = shot(f, 0, &w, &h);
	for (uint32_t i = 0; i < w * h; i++) {
		uint32_t r = (plain[i] >> 16) & 0xff, g = (plain[i] >> 8) & 0xff, b = plain[i] & 0xff;

		assert_int_equal(px[i], (r / 2) << 16 | (255 - g) << 8 | (b * b / 255));
	}
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), ref_frame_crc(px, (size_t)w * h));
	free(px);

	/* Disabled again: the plain frame. */
	hwr(f, 0, FAKEGPU_HEAD_GAMMA_CTRL, 0);
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(7));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_CRC), crc_plain);
	free(plain);
}

static void test_gamma_registers(void **state)
{
	struct fx *f = *state;

	/* Reset LUT is the identity; reads auto-increment too, wrapping at 256. */
	hwr(f, 1, FAKEGPU_HEAD_GAMMA_INDEX, 254);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_DATA), 0xfefefe);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_DATA), 0xffffff);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_INDEX), 0);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_DATA), 0);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_INDEX), 1);

	hwr(f, 1, FAKEGPU_HEAD_GAMMA_INDEX, 10);
	hwr(f, 1, FAKEGPU_HEAD_GAMMA_DATA, 0x123456);
	hwr(f, 1, FAKEGPU_HEAD_GAMMA_DATA, 0x654321);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_INDEX), 12);
	hwr(f, 1, FAKEGPU_HEAD_GAMMA_INDEX, 10);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_DATA), 0x123456);
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_GAMMA_DATA), 0x654321);
	/* Head 0 has its own LUT and index. */
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_GAMMA_INDEX), 0);
	hwr(f, 0, FAKEGPU_HEAD_GAMMA_INDEX, 10);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_GAMMA_DATA), 0x0a0a0a);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), 0);
}

/* ---- writeback ------------------------------------------------------------------ */

static void set_wb(struct fx *f, unsigned int h, uint64_t off, uint32_t pitch, uint32_t fmt)
{
	hwr(f, h, FAKEGPU_HEAD_WB_OFFSET_LO, (uint32_t)off);
	hwr(f, h, FAKEGPU_HEAD_WB_OFFSET_HI, (uint32_t)(off >> 32));
	hwr(f, h, FAKEGPU_HEAD_WB_PITCH, pitch);
	hwr(f, h, FAKEGPU_HEAD_WB_FORMAT, fmt);
	hwr(f, h, FAKEGPU_HEAD_WB_CTRL, FAKEGPU_WB_CTRL_ENABLE);
}

/* A running 16x8 head with overlay and an inverting gamma. */
static void wb_scene(struct fx *f)
{
	fill_pattern(f, PRI_OFF, 16, 8, 7);
	fill_solid(f, OVL_OFF, 16, 0x80402010);
	set_mode(f, 0, 16, 8, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, PRI_OFF, 64, 0, 0, 16, 8, 0, 0);
	set_plane(f, 0, 2, FAKEGPU_FMT_ARGB8888, OVL_OFF, 16, 0, 0, 4, 4, 13, -1);
	load_lut(f, 0, lut_invert);
	hwr(f, 0, FAKEGPU_HEAD_GAMMA_CTRL, FAKEGPU_GAMMA_CTRL_ENABLE);
	commit_ok(f, 0);
	fg_engine_run(f->e, T0);
	fg_engine_run(f->e, vb(1));
}

static void check_wb_window(struct fx *f, uint64_t off, uint32_t pitch, bool want_frame)
{
	uint32_t w, h, *px = shot(f, 0, &w, &h);

	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			uint32_t v = get32(f, off + (uint64_t)y * pitch + 4 * x);

			assert_int_equal(v, want_frame ? (px[y * w + x] | 0xff000000u) : 0);
		}
		/* Padding between lines untouched. */
		for (uint32_t b = w * 4; b < pitch; b++)
			assert_int_equal(f->vram[off + (uint64_t)y * pitch + b], 0);
	}
	free(px);
}

static void test_writeback(void **state)
{
	struct fx *f = *state;
	uint32_t crc;

	wb_scene(f);
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	fx_wr(f, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_WRITEBACK(0));
	f->irqs = 0;
	set_wb(f, 0, WB_OFF, 16 * 4 + 12, FAKEGPU_FMT_ARGB8888);
	commit_ok(f, 0);
	/* One-shot: the COMMIT write took the request, the shadow reads 0. */
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_CTRL), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_PITCH), 16 * 4 + 12);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), 0);
	check_wb_window(f, WB_OFF, 16 * 4 + 12, false);	/* not before the vblank */

	fg_engine_run(f->e, vb(2));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_DONE);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & FAKEGPU_IRQ_WRITEBACK(0),
			 FAKEGPU_IRQ_WRITEBACK(0));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & 0xff000000u, FAKEGPU_IRQ_WRITEBACK(0));
	assert_int_equal(f->irqs, 1);
	check_wb_window(f, WB_OFF, 16 * 4 + 12, true);
	/* The written frame is the displayed one: its CRC is the register. */
	crc = hrd(f, 0, FAKEGPU_HEAD_CRC);
	{
		uint32_t px[16 * 8];

		for (uint32_t y = 0; y < 8; y++)
			for (uint32_t x = 0; x < 16; x++)
				px[y * 16 + x] = get32(f, WB_OFF + y * (16 * 4 + 12) + 4 * x) & 0xffffff;
		assert_int_equal(ref_frame_crc(px, 16 * 8), crc);
	}

	/* One-shot: later vblanks and commits without WB_CTRL do not write. */
	memset(f->vram + WB_OFF, 0, 8 * (16 * 4 + 12));
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	fg_engine_run(f->e, vb(3));
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(4));
	check_wb_window(f, WB_OFF, 16 * 4 + 12, false);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & 0xff000000u, 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_DONE);
	assert_int_equal(f->irqs, 1);

	/* XRGB8888 at the very end of VRAM, tight pitch. */
	set_wb(f, 0, VRAM_SIZE - 16 * 8 * 4, 16 * 4, FAKEGPU_FMT_XRGB8888);
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(5));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_DONE);
	check_wb_window(f, VRAM_SIZE - 16 * 8 * 4, 16 * 4, true);
	assert_int_equal(f->irqs, 2);

	/* A commit replaced before it latches takes its request with it. */
	memset(f->vram + WB_OFF, 0, 8 * 64);
	set_wb(f, 0, WB_OFF, 64, FAKEGPU_FMT_XRGB8888);
	commit_ok(f, 0);
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(6));
	check_wb_window(f, WB_OFF, 64, false);
	assert_int_equal(f->irqs, 2);
}

static void wb_error_case(struct fx *f, uint64_t off, uint32_t pitch, uint32_t fmt)
{
	uint32_t frame_before = hrd(f, 0, FAKEGPU_HEAD_FRAME);
	uint8_t *copy = malloc(VRAM_SIZE);

	assert_non_null(copy);
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	set_wb(f, 0, off, pitch, fmt);
	/* The display part of the commit still applies: move the overlay. */
	pwr(f, 0, 2, FAKEGPU_PLANE_DST_X, 0);
	commit_ok(f, 0);
	memcpy(copy, f->vram, VRAM_SIZE);
	fg_engine_run(f->e, vb(frame_before + 1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_ERROR);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & 0xff000000u, FAKEGPU_IRQ_WRITEBACK(0));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & FAKEGPU_IRQ_ERROR(0), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_ERROR_CODE), 0);
	assert_memory_equal(copy, f->vram, VRAM_SIZE);	/* nothing written */
	free(copy);
	pwr(f, 0, 2, FAKEGPU_PLANE_DST_X, 13);
}

static void test_writeback_errors(void **state)
{
	struct fx *f = *state;

	wb_scene(f);
	wb_error_case(f, VRAM_SIZE - 16 * 8 * 4 + 4, 64, FAKEGPU_FMT_XRGB8888);	/* 4 past */
	wb_error_case(f, VRAM_SIZE, 64, FAKEGPU_FMT_XRGB8888);
	wb_error_case(f, 1ull << 40, 64, FAKEGPU_FMT_ARGB8888);
	wb_error_case(f, 0xffffffffffffff00ull, 64, FAKEGPU_FMT_ARGB8888);	/* overflow */
	wb_error_case(f, WB_OFF, 0xfffffffcu, FAKEGPU_FMT_ARGB8888);		/* pitch * 7 past */
	wb_error_case(f, WB_OFF, 60, FAKEGPU_FMT_ARGB8888);			/* pitch < line */
	wb_error_case(f, WB_OFF, 66, FAKEGPU_FMT_ARGB8888);			/* misaligned */
	wb_error_case(f, WB_OFF, 64, FAKEGPU_FMT_RGB565);			/* format */
	wb_error_case(f, WB_OFF, 64, 0);
	/* The head still runs and a good writeback clears ERROR. */
	set_wb(f, 0, WB_OFF, 64, FAKEGPU_FMT_XRGB8888);
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(hrd(f, 0, FAKEGPU_HEAD_FRAME) + 1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_DONE);
	check_wb_window(f, WB_OFF, 64, true);

	/* A commit that switches the head off cannot write a frame: ERROR. */
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	set_wb(f, 0, WB_OFF, 64, FAKEGPU_FMT_XRGB8888);
	hwr(f, 0, FAKEGPU_HEAD_CTRL, 0);
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(hrd(f, 0, FAKEGPU_HEAD_FRAME) + 1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_ERROR);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & 0xff000000u, FAKEGPU_IRQ_WRITEBACK(0));

	/* A refused commit takes its writeback request with it. */
	fx_wr(f, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	set_wb(f, 0, WB_OFF, 64, FAKEGPU_FMT_XRGB8888);
	hwr(f, 0, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	hwr(f, 0, FAKEGPU_HEAD_WIDTH, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_ERROR_CODE), FAKEGPU_ERR_MODE);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_ERROR(0));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_ERROR);
}

/* Head 1's writeback raises bit 25; a head that is switched on writes at its first vblank. */
static void test_writeback_second_head(void **state)
{
	struct fx *f = *state;
	uint32_t w, h, *px;

	fill_pattern(f, PRI_OFF, 16, 8, 11);
	set_mode(f, 1, 16, 8, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 1, 0, FAKEGPU_FMT_XRGB8888, PRI_OFF, 64, 0, 0, 16, 8, 0, 0);
	set_wb(f, 1, WB_OFF, 64, FAKEGPU_FMT_XRGB8888);
	commit_ok(f, 1);		/* head off: latched at once */
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_WB_STATUS), 0);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS), 0);
	fg_engine_run(f->e, T0);	/* starts the timing */
	fg_engine_run(f->e, vb(1));
	assert_int_equal(hrd(f, 1, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_DONE);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS),
			 FAKEGPU_IRQ_WRITEBACK(1) | FAKEGPU_IRQ_VBLANK(1));
	px = shot(f, 1, &w, &h);
	for (uint32_t i = 0; i < w * h; i++)
		assert_int_equal(get32(f, WB_OFF + 4ull * i), px[i] | 0xff000000u);
	free(px);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), 0);
}

/* ---- validation and refusals ------------------------------------------------------ */

static void test_refusals(void **state)
{
	struct fx *f = *state;
	uint32_t n = 0;

#define REFUSED(off, val) do {						\
		uint32_t before_ = hrd(f, 0, (off));			\
		hwr(f, 0, (off), (val));				\
		assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), ++n);	\
		assert_int_equal(hrd(f, 0, (off)), before_);		\
	} while (0)

	for (unsigned int p = 0; p < 3; p++) {
		REFUSED(FAKEGPU_PLANE_BASE(p) + FAKEGPU_PLANE_ALPHA, 0x10000);
		REFUSED(FAKEGPU_PLANE_BASE(p) + FAKEGPU_PLANE_ALPHA, 0xffffffff);
		REFUSED(FAKEGPU_PLANE_BASE(p) + FAKEGPU_PLANE_BLEND, 3);
		REFUSED(FAKEGPU_PLANE_BASE(p) + FAKEGPU_PLANE_CTRL, 2);
	}
	REFUSED(FAKEGPU_PLANE_BASE(2) + 0x38, 0);		/* past ZPOS */
	REFUSED(FAKEGPU_HEAD_GAMMA_CTRL, 2);
	REFUSED(FAKEGPU_HEAD_GAMMA_INDEX, 256);
	REFUSED(FAKEGPU_HEAD_WB_CTRL, 2);
	REFUSED(FAKEGPU_HEAD_WB_STATUS, 0);
	/* GAMMA_DATA with bits above 23: refused, entry and index unchanged. */
	hwr(f, 0, FAKEGPU_HEAD_GAMMA_INDEX, 5);
	hwr(f, 0, FAKEGPU_HEAD_GAMMA_DATA, 0x01000000);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), ++n);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_GAMMA_INDEX), 5);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_GAMMA_DATA), 0x050505);

	/* Accepted: every ZPOS, ALPHA 0..0xffff, every blend mode, any WB value. */
	pwr(f, 0, 2, FAKEGPU_PLANE_ZPOS, 0xffffffff);
	assert_int_equal(prd(f, 0, 2, FAKEGPU_PLANE_ZPOS), 0xffffffff);
	pwr(f, 0, 2, FAKEGPU_PLANE_ALPHA, 0);
	pwr(f, 0, 2, FAKEGPU_PLANE_ALPHA, 0xffff);
	pwr(f, 0, 2, FAKEGPU_PLANE_BLEND, FAKEGPU_BLEND_NONE);
	hwr(f, 0, FAKEGPU_HEAD_GAMMA_INDEX, 255);
	hwr(f, 0, FAKEGPU_HEAD_WB_FORMAT, 0xdeadbeef);
	hwr(f, 0, FAKEGPU_HEAD_WB_OFFSET_HI, 0xffffffff);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_OFFSET_HI), 0xffffffff);
	assert_int_equal(fx_rd(f, FAKEGPU_REG_ERROR_COUNT), n);
#undef REFUSED
}

/* Overlay window checked like the primary's, with the same codes; old state kept. */
static void overlay_refused(struct fx *f, uint32_t fmt, uint64_t off, uint32_t pitch,
			    uint32_t sx, uint32_t sw, uint32_t sh, uint32_t code)
{
	set_plane(f, 0, 2, fmt, off, pitch, sx, 0, sw, sh, 0, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, vb(hrd(f, 0, FAKEGPU_HEAD_FRAME) + 1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS),
			 FAKEGPU_HEAD_STATUS_ACTIVE | FAKEGPU_HEAD_STATUS_ERROR);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_ERROR_CODE), code);
	assert_int_equal(pixel_at(f, 0, 0, 0), OVL_COLOUR);
}

static void test_overlay_validation(void **state)
{
	struct fx *f = *state;

	primary_solid(f, FAKEGPU_HEAD_CTRL_ENABLE);
	fill_solid(f, OVL_OFF, 4, OVL_COLOUR);
	set_plane(f, 0, 2, FAKEGPU_FMT_XRGB8888, OVL_OFF, 8, 0, 0, 2, 2, 0, 0);
	commit_ok(f, 0);
	fg_engine_run(f->e, T0);
	assert_int_equal(pixel_at(f, 0, 0, 0), OVL_COLOUR);

	overlay_refused(f, 7, OVL_OFF, 8, 0, 2, 2, FAKEGPU_ERR_FORMAT);
	overlay_refused(f, 0, OVL_OFF, 8, 0, 2, 2, FAKEGPU_ERR_FORMAT);
	overlay_refused(f, FAKEGPU_FMT_XRGB8888, OVL_OFF, 8 * 4096, 0, 2049, 2, FAKEGPU_ERR_MODE);
	overlay_refused(f, FAKEGPU_FMT_XRGB8888, OVL_OFF, 8, 0, 2, 2049, FAKEGPU_ERR_MODE);
	overlay_refused(f, FAKEGPU_FMT_XRGB8888, OVL_OFF, 8, 0, 0, 2, FAKEGPU_ERR_RECT);
	overlay_refused(f, FAKEGPU_FMT_XRGB8888, OVL_OFF, 6, 0, 1, 2, FAKEGPU_ERR_PITCH);
	overlay_refused(f, FAKEGPU_FMT_XRGB8888, OVL_OFF, 4, 0, 2, 2, FAKEGPU_ERR_PITCH);
	overlay_refused(f, FAKEGPU_FMT_XRGB8888, OVL_OFF, 8, 1, 2, 2, FAKEGPU_ERR_RECT);
	overlay_refused(f, FAKEGPU_FMT_XRGB8888, VRAM_SIZE - 8, 8, 0, 2, 2, FAKEGPU_ERR_BOUNDS);
	overlay_refused(f, FAKEGPU_FMT_RGB565, 0xfffffffffffffffcull, 4, 0, 2, 2,
			FAKEGPU_ERR_BOUNDS);
	/* A window ending exactly at VRAM_SIZE is fine; RGB565 and ARGB8888 too. */
	set_plane(f, 0, 2, FAKEGPU_FMT_RGB565, VRAM_SIZE - 8, 4, 0, 0, 2, 2, 0, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, vb(hrd(f, 0, FAKEGPU_HEAD_FRAME) + 1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_STATUS), FAKEGPU_HEAD_STATUS_ACTIVE);
	/* The cursor stays ARGB8888-only. */
	set_plane(f, 0, 1, FAKEGPU_FMT_XRGB8888, CUR_OFF, 8, 0, 0, 2, 2, 0, 0);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);
	fg_engine_run(f->e, vb(hrd(f, 0, FAKEGPU_HEAD_FRAME) + 1));
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_ERROR_CODE), FAKEGPU_ERR_FORMAT);
}

/* ---- reset -------------------------------------------------------------------------- */

static void test_reset(void **state)
{
	struct fx *f = *state;

	wb_scene(f);
	for (unsigned int p = 0; p < 3; p++) {
		pwr(f, 0, p, FAKEGPU_PLANE_ALPHA, 0x1234);
		pwr(f, 0, p, FAKEGPU_PLANE_BLEND, FAKEGPU_BLEND_NONE);
		pwr(f, 0, p, FAKEGPU_PLANE_ZPOS, 77);
	}
	set_wb(f, 0, WB_OFF, 64, FAKEGPU_FMT_XRGB8888);
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(2));
	set_wb(f, 0, WB_OFF, 64, FAKEGPU_FMT_XRGB8888);
	hwr(f, 0, FAKEGPU_HEAD_COMMIT, 1);	/* pending writeback */
	hwr(f, 0, FAKEGPU_HEAD_GAMMA_INDEX, 9);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_DONE);

	fx_wr(f, FAKEGPU_REG_CTRL, FAKEGPU_CTRL_RESET);
	for (unsigned int p = 0; p < 3; p++) {
		assert_int_equal(prd(f, 0, p, FAKEGPU_PLANE_ALPHA), 0xffff);
		assert_int_equal(prd(f, 0, p, FAKEGPU_PLANE_BLEND), FAKEGPU_BLEND_PREMULTI);
		assert_int_equal(prd(f, 0, p, FAKEGPU_PLANE_ZPOS), p);
	}
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_GAMMA_CTRL), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_GAMMA_INDEX), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_GAMMA_DATA), 0);	/* identity */
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_GAMMA_DATA), 0x010101);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_CTRL), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_STATUS), 0);
	assert_int_equal(hrd(f, 0, FAKEGPU_HEAD_WB_PITCH), 0);

	/* Writeback idle: a head switched on afterwards writes nothing. */
	memset(f->vram + WB_OFF, 0, 4096);
	set_mode(f, 0, 16, 8, FAKEGPU_HEAD_CTRL_ENABLE);
	set_plane(f, 0, 0, FAKEGPU_FMT_XRGB8888, PRI_OFF, 64, 0, 0, 16, 8, 0, 0);
	commit_ok(f, 0);
	fg_engine_run(f->e, vb(10));
	fg_engine_run(f->e, vb(20));
	assert_int_equal(fx_rd(f, FAKEGPU_REG_IRQ_STATUS) & 0xff000000u, 0);
	for (uint32_t i = 0; i < 4096; i++)
		assert_int_equal(f->vram[WB_OFF + i], 0);
	/* Gamma off: the plain frame. */
	assert_int_equal(pixel_at(f, 0, 0, 0), pattern(16, 0, 0, 7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlay_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlay_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zpos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blend_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blend_stack, setup, teardown),
		cmocka_unit_test(test_premulti_rule_matches_1_1),
		cmocka_unit_test_setup_teardown(test_gamma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gamma_registers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writeback_second_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlay_validation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
