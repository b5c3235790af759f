// SPDX-License-Identifier: MIT
/*
 * Composition rules (docs/device-abi.md, "Composition"):
 *  - the frame starts black (0x00000000);
 *  - the primary plane is copied opaque: XRGB8888 and ARGB8888 keep R,G,B and
 *    drop the top byte; RGB565 is expanded by bit replication
 *    r8 = r5 << 3 | r5 >> 2, g8 = g6 << 2 | g6 >> 4, b8 = b5 << 3 | b5 >> 2;
 *  - the cursor (ARGB8888) is blended over it with DRM's default
 *    "Pre-multiplied" rule, per channel, in integers:
 *      out = min(255, src + (dst * (255 - alpha) + 127) / 255)
 *  - planes are positioned at (dst_x, dst_y) unscaled (src_w x src_h) and
 *    clipped to the head.
 */
#include <string.h>
#include <zlib.h>

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
		return 2;
	default:
		return 0;
	}
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

static void primary_span(const struct fg_plane_state *p, const uint8_t *src,
			 uint32_t *out, uint32_t n)
{
	uint32_t i;

	if (p->format == FAKEGPU_FMT_RGB565) {
		for (i = 0; i < n; i++) {
			uint32_t v = load_le16(src + 2 * i);
			uint32_t r5 = v >> 11, g6 = (v >> 5) & 0x3f, b5 = v & 0x1f;
			uint32_t r = r5 << 3 | r5 >> 2;
			uint32_t g = g6 << 2 | g6 >> 4;
			uint32_t b = b5 << 3 | b5 >> 2;

			out[i] = r << 16 | g << 8 | b;
		}
		return;
	}
	/* XRGB8888, and ARGB8888 which is opaque on the primary plane. */
	for (i = 0; i < n; i++)
		out[i] = load_le32(src + 4 * i) & 0x00ffffffu;
}

static inline uint32_t blend_channel(uint32_t src, uint32_t dst, uint32_t alpha)
{
	uint32_t v = src + (dst * (255 - alpha) + 127) / 255;

	return v > 255 ? 255 : v;
}

static void cursor_span(const uint8_t *src, uint32_t *out, uint32_t n)
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

static void compose_line(const struct fg_scanout *s, const uint8_t *vram,
			 const bool readable[FG_PLANES], uint32_t y, uint32_t *line)
{
	const struct fg_plane_state *pri = &s->plane[FAKEGPU_PLANE_PRIMARY];
	const struct fg_plane_state *cur = &s->plane[FAKEGPU_PLANE_CURSOR];
	const uint8_t *src;
	uint32_t x0, x1;

	if (readable[FAKEGPU_PLANE_PRIMARY] &&
	    plane_span(s, pri, vram, y, &x0, &x1, &src)) {
		memset(line, 0, (size_t)x0 * sizeof(*line));
		primary_span(pri, src, line + x0, x1 - x0);
		memset(line + x1, 0, (size_t)(s->width - x1) * sizeof(*line));
	} else {
		memset(line, 0, (size_t)s->width * sizeof(*line));
	}
	if (readable[FAKEGPU_PLANE_CURSOR] &&
	    cur->format == FAKEGPU_FMT_ARGB8888 &&
	    plane_span(s, cur, vram, y, &x0, &x1, &src))
		cursor_span(src, line + x0, x1 - x0);
}

static void check_planes(const struct fg_scanout *s, uint64_t vram_size,
			 bool readable[FG_PLANES])
{
	for (unsigned int i = 0; i < FG_PLANES; i++)
		readable[i] = plane_readable(&s->plane[i], vram_size);
}

void fg_compose_line(const struct fg_scanout *s, const uint8_t *vram,
		     uint64_t vram_size, uint32_t y, uint32_t *line)
{
	bool readable[FG_PLANES];

	if (y >= s->height)
		return;
	check_planes(s, vram_size, readable);
	compose_line(s, vram, readable, y, line);
}

void fg_compose_frame(const struct fg_scanout *s, const uint8_t *vram,
		      uint64_t vram_size, uint32_t *fb)
{
	bool readable[FG_PLANES];

	check_planes(s, vram_size, readable);
	for (uint32_t y = 0; y < s->height; y++)
		compose_line(s, vram, readable, y, fb + (size_t)y * s->width);
}

uint32_t fg_crc_pixels(uint32_t crc, const uint32_t *px, size_t n)
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
		crc = (uint32_t)crc32(crc, buf, (uInt)(4 * k));
		px += k;
		n -= k;
	}
	return crc;
#else
	/*
	 * Composed pixels have a zero top byte, so their in-memory bytes on a
	 * little-endian host are exactly B, G, R, 0. Feed in bounded chunks:
	 * crc32() takes a uInt length.
	 */
	const uint8_t *p = (const uint8_t *)px;
	size_t bytes = n * 4;

	while (bytes) {
		uInt k = bytes > (1u << 30) ? (1u << 30) : (uInt)bytes;

		crc = (uint32_t)crc32(crc, p, k);
		p += k;
		bytes -= k;
	}
	return crc;
#endif
}

uint32_t fg_frame_crc(const struct fg_scanout *s, const uint8_t *vram,
		      uint64_t vram_size, uint32_t *line)
{
	bool readable[FG_PLANES];
	uint32_t crc = 0;

	check_planes(s, vram_size, readable);
	for (uint32_t y = 0; y < s->height; y++) {
		compose_line(s, vram, readable, y, line);
		crc = fg_crc_pixels(crc, line, s->width);
	}
	return crc;
}
