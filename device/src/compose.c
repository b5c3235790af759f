// SPDX-License-Identifier: MIT
/*
 * Composition rules (docs/device-abi.md, "Composition"):
 *  - the frame starts black (0x00000000);
 *  - the enabled planes are blended over it in ascending zpos (ties: lower
 *    plane index first) with DRM's pixel blend formulas, in integers with one
 *    rounding to nearest (general_span()); RGB565 and ARGB1555 are expanded
 *    by bit replication c8 = c5 << 3 | c5 >> 2 (5-bit channels),
 *    g8 = g6 << 2 | g6 >> 4 (RGB565's green); ARGB1555's alpha bit is pixel
 *    alpha 0 or 255; formats without alpha have pixel alpha 255;
 *  - planes are positioned at (dst_x, dst_y) unscaled (src_w x src_h) and
 *    clipped to the head;
 *  - the gamma LUT, if enabled, maps every channel of the result.
 * Exact special cases (plain copies, the pre-multiplied 0xffff rule) keep
 * the common frames fast; they give the general rule's results bit for bit.
 */
#include <limits.h>
#include <string.h>

#include <isa-l/crc.h>

#include "compose.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define FG_HOST_BIG_ENDIAN 1
#else
#define FG_HOST_BIG_ENDIAN 0
#endif

static inline uint32_t load_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
#if FG_HOST_BIG_ENDIAN
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline uint32_t load_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
#if FG_HOST_BIG_ENDIAN
	v = __builtin_bswap16(v);
#endif
	return v;
}

uint32_t fg_format_cpp(uint32_t format)
{
	switch (format) {
	case FAKEGPU_FMT_XRGB8888:
	case FAKEGPU_FMT_ARGB8888:
		return 4;
	case FAKEGPU_FMT_RGB565:
	case FAKEGPU_FMT_ARGB1555:
		return 2;
	default:
		return 0;
	}
}

bool fg_format_has_alpha(uint32_t format)
{
	return format == FAKEGPU_FMT_ARGB8888 || format == FAKEGPU_FMT_ARGB1555;
}

bool fg_plane_window_end(const struct fg_plane_state *p, uint64_t *end)
{
	uint64_t last_line, line_off, row_end, sum;

	if (!p->src_w || !p->src_h)
		return false;
	last_line = (uint64_t)p->src_y + p->src_h - 1;
	row_end = ((uint64_t)p->src_x + p->src_w) * p->cpp; /* < 2^35 */
	if (__builtin_mul_overflow(last_line, (uint64_t)p->pitch, &line_off))
		return false;
	if (__builtin_add_overflow(p->offset, line_off, &sum))
		return false;
	if (__builtin_add_overflow(sum, row_end, &sum))
		return false;
	*end = sum;
	return true;
}

static bool plane_readable(const struct fg_plane_state *p, uint64_t vram_size)
{
	uint64_t end;

	return p->enabled && p->cpp == fg_format_cpp(p->format) && p->cpp &&
	       fg_plane_window_end(p, &end) && end <= vram_size;
}

/*
 * Horizontal span of plane @p on head line @y: head columns [*x0, *x1) and the
 * address of the first source pixel. False if the plane misses the line.
 */
static bool plane_span(const struct fg_scanout *s, const struct fg_plane_state *p,
		       const uint8_t *vram, uint32_t y, uint32_t *x0, uint32_t *x1,
		       const uint8_t **src)
{
	int64_t row = (int64_t)y - p->dst_y;
	int64_t left = p->dst_x, right = (int64_t)p->dst_x + p->src_w;

	if (row < 0 || row >= p->src_h)
		return false;
	if (left < 0)
		left = 0;
	if (right > s->width)
		right = s->width;
	if (left >= right)
		return false;
	*x0 = (uint32_t)left;
	*x1 = (uint32_t)right;
	*src = vram + p->offset + ((uint64_t)p->src_y + (uint64_t)row) * p->pitch +
	       ((uint64_t)p->src_x + (uint64_t)(left - p->dst_x)) * p->cpp;
	return true;
}

/* A 5-bit channel expanded to 8 bits by bit replication. */
static inline uint32_t expand5(uint32_t c5)
{
	return c5 << 3 | c5 >> 2;
}

/* ARGB1555 word as 0xAARRGGBB: alpha bit 1 -> 0xff, 0 -> 0x00. */
static inline uint32_t argb1555_to_argb(uint32_t v)
{
	return (v & 0x8000 ? 0xff000000u : 0) | expand5((v >> 10) & 0x1f) << 16 |
	       expand5((v >> 5) & 0x1f) << 8 | expand5(v & 0x1f);
}

/*
 * The two common formats' copies, several pixels at a time in generic
 * vectors (GCC and Clang lower them to SSE2 or NEON, or to plain integers):
 * the same results as copy_span()'s loops, which finish the span from the
 * returned index. The vector loads take the bytes as they lie in memory, so
 * a big-endian host leaves it all to the scalar loops.
 */
typedef uint32_t u32x4 __attribute__((vector_size(16)));
typedef uint16_t u16x8 __attribute__((vector_size(16)));

static uint32_t xrgb8888_copy4(const uint8_t *src, uint32_t *out, uint32_t n)
{
	uint32_t i = 0;

	for (; !FG_HOST_BIG_ENDIAN && i + 4 <= n; i += 4) {
		u32x4 v;

		memcpy(&v, src + 4 * i, sizeof(v));
		v &= 0x00ffffffu;
		memcpy(out + i, &v, sizeof(v));
	}
	return i;
}

/*
 * Bit replication in 16-bit lanes: G8 << 8 | B8 is the low half of the
 * output pixel and R8 its high half, interleaved into 0x00RRGGBB.
 */
static uint32_t rgb565_copy8(const uint8_t *src, uint32_t *out, uint32_t n)
{
	uint32_t i = 0;

	for (; !FG_HOST_BIG_ENDIAN && i + 8 <= n; i += 8) {
		u16x8 v, r8, g8, b8, gb, lo, hi;

		memcpy(&v, src + 2 * i, sizeof(v));
		r8 = ((v >> 8) & 0xf8) | v >> 13;
		g8 = ((v >> 3) & 0xfc) | ((v >> 9) & 0x03);
		b8 = ((v << 3) & 0xf8) | ((v >> 2) & 0x07);
		gb = g8 << 8 | b8;
		lo = __builtin_shufflevector(gb, r8, 0, 8, 1, 9, 2, 10, 3, 11);
		hi = __builtin_shufflevector(gb, r8, 4, 12, 5, 13, 6, 14, 7, 15);
		memcpy(out + i, &lo, sizeof(lo));
		memcpy(out + i + 4, &hi, sizeof(hi));
	}
	return i;
}

/* Opaque fetch: R, G, B of each source pixel, top byte 0. */
static void copy_span(const struct fg_plane_state *p, const uint8_t *src,
		      uint32_t *out, uint32_t n)
{
	uint32_t i;

	if (p->format == FAKEGPU_FMT_RGB565) {
		for (i = rgb565_copy8(src, out, n); i < n; i++) {
			uint32_t v = load_le16(src + 2 * i);
			uint32_t g6 = (v >> 5) & 0x3f;

			out[i] = expand5(v >> 11) << 16 | (g6 << 2 | g6 >> 4) << 8 |
				 expand5(v & 0x1f);
		}
		return;
	}
	if (p->format == FAKEGPU_FMT_ARGB1555) {
		/* Where its alpha does not matter. */
		for (i = 0; i < n; i++)
			out[i] = argb1555_to_argb(load_le16(src + 2 * i)) & 0x00ffffffu;
		return;
	}
	/* XRGB8888, or ARGB8888 where its alpha does not matter. */
	for (i = xrgb8888_copy4(src, out, n); i < n; i++)
		out[i] = load_le32(src + 4 * i) & 0x00ffffffu;
}

/* Fetch as 0xAARRGGBB: pixel alpha 0xff for formats without alpha. */
static void fetch_argb(const struct fg_plane_state *p, const uint8_t *src,
		       uint32_t *out, uint32_t n)
{
	if (p->format == FAKEGPU_FMT_ARGB8888) {
		for (uint32_t i = 0; i < n; i++)
			out[i] = load_le32(src + 4 * i);
		return;
	}
	if (p->format == FAKEGPU_FMT_ARGB1555) {
		for (uint32_t i = 0; i < n; i++)
			out[i] = argb1555_to_argb(load_le16(src + 2 * i));
		return;
	}
	copy_span(p, src, out, n);
	for (uint32_t i = 0; i < n; i++)
		out[i] |= 0xff000000u;
}

static inline uint32_t blend_channel(uint32_t src, uint32_t dst, uint32_t alpha)
{
	uint32_t v = src + (dst * (255 - alpha) + 127) / 255;

	return v > 255 ? 255 : v;
}

/*
 * Pre-multiplied blend with plane alpha 0xffff: the general rule below
 * reduces exactly to this (same rounding), kept as the cursor's fast path.
 * ARGB8888 only: it reads the 32-bit pixels itself.
 */
static void premulti_span(const uint8_t *src, uint32_t *out, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		uint32_t s = load_le32(src + 4 * i), d = out[i];
		uint32_t a = s >> 24;

		if (a == 255) {
			out[i] = s & 0x00ffffffu;
			continue;
		}
		out[i] = blend_channel((s >> 16) & 0xff, (d >> 16) & 0xff, a) << 16 |
			 blend_channel((s >> 8) & 0xff, (d >> 8) & 0xff, a) << 8 |
			 blend_channel(s & 0xff, d & 0xff, a);
	}
}

/*
 * General rule (docs/device-abi.md, "Composition"), exact rational weights
 * over BLEND_DEN = 255 * 65535, one rounding to nearest (no ties: the
 * denominator is odd), clamped to 255:
 *   out = min(255, (s * fgw + d * bgw + (BLEND_DEN - 1) / 2) / BLEND_DEN)
 */
#define BLEND_DEN	(255ull * 65535ull)

static inline uint32_t mix(uint32_t s, uint32_t d, uint64_t fgw, uint64_t bgw)
{
	uint64_t v = (s * fgw + d * bgw + (BLEND_DEN - 1) / 2) / BLEND_DEN;

	return v > 255 ? 255 : (uint32_t)v;
}

static void general_span(const struct fg_plane_state *p, const uint8_t *src,
			 uint32_t *out, uint32_t n)
{
	uint32_t tmp[256], pa = p->alpha;

	while (n) {
		uint32_t k = n < 256 ? n : 256;

		fetch_argb(p, src, tmp, k);
		for (uint32_t i = 0; i < k; i++) {
			uint32_t s = tmp[i], d = out[i];
			uint32_t fa = p->blend == FAKEGPU_BLEND_NONE ? 255 : s >> 24;
			uint64_t paf = (uint64_t)pa * fa;
			uint64_t fgw = p->blend == FAKEGPU_BLEND_COVERAGE ? paf :
				       (uint64_t)pa * 255;
			uint64_t bgw = BLEND_DEN - paf;

			out[i] = mix((s >> 16) & 0xff, (d >> 16) & 0xff, fgw, bgw) << 16 |
				 mix((s >> 8) & 0xff, (d >> 8) & 0xff, fgw, bgw) << 8 |
				 mix(s & 0xff, d & 0xff, fgw, bgw);
		}
		src += (size_t)k * p->cpp;
		out += k;
		n -= k;
	}
}

/* True if blending @p with plane alpha 0xffff is a plain copy of R, G, B. */
static bool plane_opaque(const struct fg_plane_state *p)
{
	return p->alpha == 0xffff &&
	       (!fg_format_has_alpha(p->format) || p->blend == FAKEGPU_BLEND_NONE);
}

static void blend_span(const struct fg_plane_state *p, const uint8_t *src,
		       uint32_t *out, uint32_t n)
{
	if (p->alpha == 0)
		return;		/* every mode leaves the background exactly */
	if (plane_opaque(p))
		copy_span(p, src, out, n);
	else if (p->alpha == 0xffff && p->blend == FAKEGPU_BLEND_PREMULTI &&
		 p->format == FAKEGPU_FMT_ARGB8888)
		premulti_span(src, out, n);
	else
		general_span(p, src, out, n);
}

/*
 * Over black, pre-multiplied (s + 0) and NONE (s) with plane alpha 0xffff
 * give the source colour whatever the pixel alpha: the bottom plane is then
 * a copy, the common single-plane frame's fast path.
 */
static bool copies_over_black(const struct fg_plane_state *p)
{
	return p->alpha == 0xffff &&
	       (!fg_format_has_alpha(p->format) || p->blend != FAKEGPU_BLEND_COVERAGE);
}

/* The readable planes in blend order. */
struct plan {
	unsigned int n;
	const struct fg_plane_state *p[FG_PLANES];
};

static void apply_gamma(const uint32_t *lut, uint32_t *line, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t v = line[i];

		line[i] = (lut[(v >> 16) & 0xff] & 0xff0000u) |
			  (lut[(v >> 8) & 0xff] & 0x00ff00u) |
			  (lut[v & 0xff] & 0x0000ffu);
	}
}

static void compose_line(const struct fg_scanout *s, const uint8_t *vram,
			 const struct plan *pl, uint32_t y, uint32_t *line)
{
	const uint8_t *src;
	uint32_t x0, x1;
	unsigned int i = 0;

	if (pl->n && copies_over_black(pl->p[0])) {
		i = 1;
		if (plane_span(s, pl->p[0], vram, y, &x0, &x1, &src)) {
			memset(line, 0, (size_t)x0 * sizeof(*line));
			copy_span(pl->p[0], src, line + x0, x1 - x0);
			memset(line + x1, 0, (size_t)(s->width - x1) * sizeof(*line));
		} else {
			memset(line, 0, (size_t)s->width * sizeof(*line));
		}
	} else {
		memset(line, 0, (size_t)s->width * sizeof(*line));
	}
	for (; i < pl->n; i++)
		if (plane_span(s, pl->p[i], vram, y, &x0, &x1, &src))
			blend_span(pl->p[i], src, line + x0, x1 - x0);
	if (s->gamma)
		apply_gamma(s->gamma_lut, line, s->width);
}

static void check_planes(const struct fg_scanout *s, uint64_t vram_size,
			 struct plan *pl)
{
	pl->n = 0;
	for (unsigned int i = 0; i < FG_PLANES; i++) {
		const struct fg_plane_state *p = &s->plane[i];
		unsigned int j;

		if (!plane_readable(p, vram_size) || p->alpha > 0xffff ||
		    p->blend > FAKEGPU_BLEND_NONE ||
		    (i == FAKEGPU_PLANE_CURSOR && p->format != FAKEGPU_FMT_ARGB8888))
			continue;
		/* Insertion by zpos; equal zpos keeps plane index order. */
		for (j = pl->n; j > 0 && pl->p[j - 1]->zpos > p->zpos; j--)
			pl->p[j] = pl->p[j - 1];
		pl->p[j] = p;
		pl->n++;
	}
}

void fg_compose_line(const struct fg_scanout *s, const uint8_t *vram,
		     uint64_t vram_size, uint32_t y, uint32_t *line)
{
	struct plan pl;

	if (y >= s->height)
		return;
	check_planes(s, vram_size, &pl);
	compose_line(s, vram, &pl, y, line);
}

void fg_compose_frame(const struct fg_scanout *s, const uint8_t *vram,
		      uint64_t vram_size, uint32_t *fb)
{
	struct plan pl;

	check_planes(s, vram_size, &pl);
	for (uint32_t y = 0; y < s->height; y++)
		compose_line(s, vram, &pl, y, fb + (size_t)y * s->width);
}

void fg_store_argb8888(uint8_t *dst, const uint32_t *px, uint32_t n)
{
	uint32_t i = 0;

	for (; !FG_HOST_BIG_ENDIAN && i + 4 <= n; i += 4) {
		u32x4 v;

		memcpy(&v, px + i, sizeof(v));
		v |= 0xff000000u;
		memcpy(dst + 4 * (size_t)i, &v, sizeof(v));
	}
	for (; i < n; i++) {
		uint32_t v = px[i] | 0xff000000u;
		uint8_t *d = dst + 4 * (size_t)i;

		d[0] = v & 0xff;
		d[1] = (v >> 8) & 0xff;
		d[2] = (v >> 16) & 0xff;
		d[3] = v >> 24;
	}
}

/*
 * ISA-L's crc32_iscsi() is CRC-32C on the raw register: it neither presets
 * nor inverts. Standard CRC-32C of a then b is ~iscsi(b, ~crc(a)), so the
 * running value stays in register form (inverted) between calls.
 */
static uint32_t crc32c_raw(uint32_t reg, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		int k = len > INT_MAX ? INT_MAX : (int)len;

		/* ISA-L's prototype lacks const; it only reads the buffer. */
		reg = crc32_iscsi((unsigned char *)p, k, reg);
		p += k;
		len -= (size_t)k;
	}
	return reg;
}

uint32_t fg_crc32c(uint32_t crc, const void *buf, size_t len)
{
	return ~crc32c_raw(~crc, buf, len);
}

/* The bytes B, G, R, 0 of @n composed pixels, continuing register @reg. */
static uint32_t crc_pixels_raw(uint32_t reg, const uint32_t *px, size_t n)
{
#if FG_HOST_BIG_ENDIAN
	uint8_t buf[1024];

	while (n) {
		size_t k = n < sizeof(buf) / 4 ? n : sizeof(buf) / 4;

		for (size_t i = 0; i < k; i++) {
			buf[4 * i + 0] = px[i] & 0xff;
			buf[4 * i + 1] = (px[i] >> 8) & 0xff;
			buf[4 * i + 2] = (px[i] >> 16) & 0xff;
			buf[4 * i + 3] = 0;
		}
		reg = crc32c_raw(reg, buf, 4 * k);
		px += k;
		n -= k;
	}
	return reg;
#else
	/*
	 * Composed pixels have a zero top byte, so their in-memory bytes on a
	 * little-endian host are exactly B, G, R, 0.
	 */
	return crc32c_raw(reg, px, n * 4);
#endif
}

uint32_t fg_crc_pixels(uint32_t crc, const uint32_t *px, size_t n)
{
	return ~crc_pixels_raw(~crc, px, n);
}

uint32_t fg_frame_crc(const struct fg_scanout *s, const uint8_t *vram,
		      uint64_t vram_size, uint32_t *line)
{
	struct plan pl;
	uint32_t reg = ~0u;

	check_planes(s, vram_size, &pl);
	for (uint32_t y = 0; y < s->height; y++) {
		compose_line(s, vram, &pl, y, line);
		reg = crc_pixels_raw(reg, line, s->width);
	}
	return ~reg;
}
