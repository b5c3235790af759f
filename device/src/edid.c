// SPDX-License-Identifier: MIT
/*
 * EDID 1.4 base block (VESA E-EDID Release A, Rev. 2) for one head.
 *
 * Layout of what we generate:
 *  - header, vendor "FKG", product 0x0001, serial head+1, made in 2026, EDID
 *    1.4, digital input with 8 bits per colour, RGB 4:4:4, sRGB default,
 *    preferred timing is native (feature byte 0x06), sRGB chromaticity;
 *  - established timings: 640x480@60, 800x600@60, 1024x768@60 when listed
 *    (also when the mode is the preferred one);
 *  - standard timings: listed modes that are VESA DMT modes with an aspect
 *    ratio a standard timing can express (so a sink parser finds the very
 *    same DMT timing);
 *  - descriptor 1: detailed timing of the preferred mode (modes[0]);
 *  - descriptor 2: detailed timing of the first other mode that is not an
 *    established timing (a dummy descriptor if there is none);
 *  - descriptor 3: range limits (range limits only, no formula);
 *  - descriptor 4: monitor name "fakegpu-N";
 *  - no extension block.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edid.h"

const struct fg_engine_mode fg_edid_default_modes[] = {
	{ 1024, 768, 60 },
	{ 1920, 1080, 60 },
	{ 1280, 720, 60 },
	{ 800, 600, 60 },
	{ 640, 480, 60 },
};
const unsigned int fg_edid_num_default_modes =
	sizeof(fg_edid_default_modes) / sizeof(fg_edid_default_modes[0]);

/* VESA DMT timings (VESA DMT 1.0 Rev. 13) of the common 60 Hz modes. */
static const struct fg_timing dmt_60hz[] = {
	{ 25175, 640, 16, 96, 48, 480, 10, 2, 33, false, false },
	{ 40000, 800, 40, 128, 88, 600, 1, 4, 23, true, true },
	{ 65000, 1024, 24, 136, 160, 768, 3, 6, 29, false, false },
	{ 74250, 1280, 110, 40, 220, 720, 5, 5, 20, true, true },
	{ 108000, 1280, 48, 112, 248, 1024, 1, 3, 38, true, true },
	{ 85500, 1366, 70, 143, 213, 768, 3, 3, 24, true, true },
	{ 108000, 1600, 24, 80, 96, 900, 1, 3, 96, true, true },	/* RB */
	{ 148500, 1920, 88, 44, 148, 1080, 4, 5, 36, true, true },
	{ 154000, 1920, 48, 32, 80, 1200, 3, 6, 26, true, false },	/* RB */
};

static const struct fg_timing *find_dmt(const struct fg_engine_mode *m)
{
	if (m->refresh_hz != 60)
		return NULL;
	for (size_t i = 0; i < sizeof(dmt_60hz) / sizeof(dmt_60hz[0]); i++)
		if (dmt_60hz[i].hactive == m->width &&
		    dmt_60hz[i].vactive == m->height)
			return &dmt_60hz[i];
	return NULL;
}

/* CVT 1.2 vertical sync width by aspect ratio. */
static uint32_t cvt_vsync(uint32_t w, uint32_t h)
{
	if (w * 3 == h * 4)
		return 4;
	if (w * 9 == h * 16)
		return 5;
	if (w * 10 == h * 16)
		return 6;
	if (w * 4 == h * 5 || w * 9 == h * 15)
		return 7;
	return 10;
}

/* CVT reduced blanking, version 1 (VESA CVT 1.2, section 5.4). */
static void cvt_rb(const struct fg_engine_mode *m, struct fg_timing *t)
{
	const double min_vblank_us = 460.0;
	double h_period_est;
	uint32_t vbi, min_vbi, vtotal, htotal;
	uint64_t hz;

	t->hactive = m->width;
	t->hfp = 48;
	t->hsync = 32;
	t->hbp = 80;
	t->vactive = m->height;
	t->vfp = 3;
	t->vsync = cvt_vsync(m->width, m->height);
	h_period_est = (1000000.0 / m->refresh_hz - min_vblank_us) / m->height;
	vbi = (uint32_t)floor(min_vblank_us / h_period_est) + 1;
	min_vbi = t->vfp + t->vsync + 6;
	if (vbi < min_vbi)
		vbi = min_vbi;
	t->vbp = vbi - t->vfp - t->vsync;
	vtotal = m->height + vbi;
	htotal = m->width + t->hfp + t->hsync + t->hbp;
	/* Pixel clock rounded down to the 0.25 MHz clock step. */
	hz = (uint64_t)m->refresh_hz * vtotal * htotal;
	t->clock_khz = (uint32_t)(hz / 250000 * 250);
	t->hsync_pos = true;
	t->vsync_pos = false;
}

void fg_edid_timing(const struct fg_engine_mode *m, struct fg_timing *t)
{
	const struct fg_timing *d = find_dmt(m);

	if (d)
		*t = *d;
	else
		cvt_rb(m, t);
}

const char *fg_edid_check_mode(const struct fg_engine_mode *m)
{
	if (m->width < 64 || m->width > 4095)
		return "width must be 64..4095";
	if (m->height < 64 || m->height > 4095)
		return "height must be 64..4095";
	if (m->refresh_hz < 24 || m->refresh_hz > 240)
		return "refresh must be 24..240 Hz";
	struct fg_timing t;

	fg_edid_timing(m, &t);
	if (t.clock_khz / 10 > 0xffff)
		return "pixel clock above 655.35 MHz";
	return NULL;
}

/* Established timings I and II: byte 35/36 bit of a 60 Hz mode, or -1. */
static int established_bit(const struct fg_engine_mode *m)
{
	if (m->refresh_hz != 60)
		return -1;
	if (m->width == 640 && m->height == 480)
		return 0 * 8 + 5;
	if (m->width == 800 && m->height == 600)
		return 0 * 8 + 0;
	if (m->width == 1024 && m->height == 768)
		return 1 * 8 + 3;
	return -1;
}

/* Standard timing bytes of @m, false if a standard timing cannot carry it. */
static bool standard_timing(const struct fg_engine_mode *m, uint8_t st[2])
{
	uint32_t w = m->width, h = m->height, aspect;

	if (!find_dmt(m) || w % 8 || w < 256 || w > 2288 ||
	    m->refresh_hz < 60 || m->refresh_hz > 123)
		return false;
	if (w * 10 == h * 16)
		aspect = 0;
	else if (w * 3 == h * 4)
		aspect = 1;
	else if (w * 4 == h * 5)
		aspect = 2;
	else if (w * 9 == h * 16)
		aspect = 3;
	else
		return false;
	st[0] = (uint8_t)(w / 8 - 31);
	st[1] = (uint8_t)(aspect << 6 | (m->refresh_hz - 60));
	return true;
}

/* Image size in mm of @px pixels at 96 dpi. */
static uint32_t mm_at_96dpi(uint32_t px)
{
	return (px * 254 + 480) / 960;
}

static void put_dtd(uint8_t *d, const struct fg_timing *t)
{
	uint32_t clk = (t->clock_khz + 5) / 10;
	uint32_t hblank = t->hfp + t->hsync + t->hbp;
	uint32_t vblank = t->vfp + t->vsync + t->vbp;
	uint32_t hmm = mm_at_96dpi(t->hactive), vmm = mm_at_96dpi(t->vactive);

	d[0] = clk & 0xff;
	d[1] = clk >> 8;
	d[2] = t->hactive & 0xff;
	d[3] = hblank & 0xff;
	d[4] = (uint8_t)((t->hactive >> 8) << 4 | (hblank >> 8));
	d[5] = t->vactive & 0xff;
	d[6] = vblank & 0xff;
	d[7] = (uint8_t)((t->vactive >> 8) << 4 | (vblank >> 8));
	d[8] = t->hfp & 0xff;
	d[9] = t->hsync & 0xff;
	d[10] = (uint8_t)((t->vfp & 0xf) << 4 | (t->vsync & 0xf));
	d[11] = (uint8_t)((t->hfp >> 8) << 6 | (t->hsync >> 8) << 4 |
			  ((t->vfp >> 4) & 3) << 2 | ((t->vsync >> 4) & 3));
	d[12] = hmm & 0xff;
	d[13] = vmm & 0xff;
	d[14] = (uint8_t)((hmm >> 8) << 4 | (vmm >> 8));
	d[15] = 0;
	d[16] = 0;
	/* Digital separate sync, polarities. */
	d[17] = (uint8_t)(0x18 | (t->vsync_pos ? 0x04 : 0) | (t->hsync_pos ? 0x02 : 0));
}

static void put_text(uint8_t *d, uint8_t tag, const char *text)
{
	size_t len = strlen(text);

	memset(d, 0, 5);
	d[3] = tag;
	if (len > 13)
		len = 13;
	memcpy(d + 5, text, len);
	if (len < 13) {
		d[5 + len] = 0x0a;
		memset(d + 6 + len, 0x20, 13 - len - 1);
	}
}

static void put_range(uint8_t *d, const struct fg_timing *t, unsigned int n)
{
	double vmin = 1e9, vmax = 0, hmin = 1e9, hmax = 0;
	uint32_t clk_max = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint32_t htot = t[i].hactive + t[i].hfp + t[i].hsync + t[i].hbp;
		uint32_t vtot = t[i].vactive + t[i].vfp + t[i].vsync + t[i].vbp;
		double hkhz = (double)t[i].clock_khz / htot;
		double vhz = hkhz * 1000.0 / vtot;

		vmin = fmin(vmin, vhz);
		vmax = fmax(vmax, vhz);
		hmin = fmin(hmin, hkhz);
		hmax = fmax(hmax, hkhz);
		if (t[i].clock_khz > clk_max)
			clk_max = t[i].clock_khz;
	}
	memset(d, 0, 18);
	d[3] = 0xfd;
	d[5] = (uint8_t)floor(vmin);
	d[6] = (uint8_t)ceil(vmax);
	/* A byte each: modes above 255 kHz of line rate get 255, like the maximum. */
	d[7] = (uint8_t)fmin(255, floor(hmin));
	d[8] = (uint8_t)fmin(255, ceil(hmax));
	d[9] = (uint8_t)((clk_max + 9999) / 10000);	/* 10 MHz units */
	d[10] = 0x01;					/* range limits only */
	d[11] = 0x0a;
	memset(d + 12, 0x20, 6);
}

/* sRGB primaries and D65 white, CIE x/y as 10-bit binary fractions. */
static void put_chromaticity(uint8_t *b)
{
	static const double xy[8] = {
		0.640, 0.330, 0.300, 0.600, 0.150, 0.060, 0.3127, 0.3290,
	};
	uint32_t v[8];

	for (int i = 0; i < 8; i++)
		v[i] = (uint32_t)lround(xy[i] * 1024.0);
	b[0] = (uint8_t)((v[0] & 3) << 6 | (v[1] & 3) << 4 | (v[2] & 3) << 2 | (v[3] & 3));
	b[1] = (uint8_t)((v[4] & 3) << 6 | (v[5] & 3) << 4 | (v[6] & 3) << 2 | (v[7] & 3));
	for (int i = 0; i < 8; i++)
		b[2 + i] = (uint8_t)(v[i] >> 2);
}

unsigned int fg_edid_build(uint8_t e[FG_EDID_BLOCK], unsigned int head,
			   const struct fg_engine_mode *modes, unsigned int n)
{
	static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	const uint16_t vendor = ('F' - '@') << 10 | ('K' - '@') << 5 | ('G' - '@');
	struct fg_timing *timing = calloc(n ? n : 1, sizeof(*timing));
	struct fg_timing tmp;
	unsigned int std_used = 0, listed = 0, second = 0;
	uint8_t sum = 0;
	char name[16];

	memset(e, 0, FG_EDID_BLOCK);
	memcpy(e, header, sizeof(header));
	e[8] = vendor >> 8;
	e[9] = vendor & 0xff;
	e[10] = 0x01;			/* product code, little-endian */
	e[12] = (uint8_t)(head + 1);	/* serial number, little-endian */
	e[16] = 0;			/* week unspecified */
	e[17] = 2026 - 1990;		/* year of manufacture */
	e[18] = 1;
	e[19] = 4;
	e[20] = 0xa0;			/* digital, 8 bits per primary colour */
	e[21] = (uint8_t)((mm_at_96dpi(modes[0].width) + 5) / 10);	/* cm */
	e[22] = (uint8_t)((mm_at_96dpi(modes[0].height) + 5) / 10);
	e[23] = 120;			/* gamma 2.2 */
	e[24] = 0x06;			/* RGB 4:4:4, sRGB, native preferred */
	put_chromaticity(e + 25);
	for (int i = 0; i < 8; i++) {
		e[38 + 2 * i] = 0x01;
		e[39 + 2 * i] = 0x01;
	}

	for (unsigned int i = 0; i < n; i++) {
		struct fg_timing *t = timing ? &timing[i] : &tmp;
		int bit = established_bit(&modes[i]);
		uint8_t st[2];

		fg_edid_timing(&modes[i], t);
		if (i == 0) {
			put_dtd(e + 54, t);
			if (bit >= 0)	/* listed in both, as monitors do */
				e[35 + bit / 8] |= (uint8_t)(1u << (bit % 8));
		} else if (bit >= 0) {
			e[35 + bit / 8] |= (uint8_t)(1u << (bit % 8));
		} else if (!second) {
			put_dtd(e + 72, t);
			second = i;
		} else if (std_used < 8 && standard_timing(&modes[i], st)) {
			e[38 + 2 * std_used] = st[0];
			e[39 + 2 * std_used] = st[1];
			std_used++;
		} else {
			fprintf(stderr, "fakegpu: EDID of head %u: no room for mode %ux%u@%u, left out\n",
				head, modes[i].width, modes[i].height,
				modes[i].refresh_hz);
			continue;
		}
		listed++;
	}
	if (!second) {
		memset(e + 72, 0, 18);
		e[72 + 3] = 0x10;	/* dummy descriptor */
	}
	if (timing) {
		put_range(e + 90, timing, n);
	} else {
		/* Out of memory: fall back to the preferred mode's limits. */
		fg_edid_timing(&modes[0], &tmp);
		put_range(e + 90, &tmp, 1);
	}
	snprintf(name, sizeof(name), "fakegpu-%u", head);
	put_text(e + 108, 0xfc, name);
	e[126] = 0;			/* no extension blocks */
	for (int i = 0; i < FG_EDID_BLOCK - 1; i++)
		sum = (uint8_t)(sum + e[i]);
	e[127] = (uint8_t)(0x100 - sum);
	free(timing);
	return listed;
}

int fg_engine_parse_modes(const char *s, struct fg_engine_mode *modes,
			  unsigned int max)
{
	unsigned int n = 0;
	const char *p = s;

	while (*p) {
		struct fg_engine_mode m = { 0, 0, 60 };
		const char *why;
		char *end;
		unsigned long v;

		if (n == max) {
			fprintf(stderr, "fakegpu: mode list '%s': more than %u modes\n", s, max);
			return -1;
		}
		v = strtoul(p, &end, 10);
		if (end == p || *end != 'x' || v > 100000)
			goto bad;
		m.width = (uint32_t)v;
		p = end + 1;
		v = strtoul(p, &end, 10);
		if (end == p || v > 100000)
			goto bad;
		m.height = (uint32_t)v;
		p = end;
		if (*p == '@') {
			v = strtoul(p + 1, &end, 10);
			if (end == p + 1 || v > 100000)
				goto bad;
			m.refresh_hz = (uint32_t)v;
			p = end;
		}
		if (*p && *p != ',')
			goto bad;
		why = fg_edid_check_mode(&m);
		if (why) {
			fprintf(stderr, "fakegpu: mode %ux%u@%u: %s\n",
				m.width, m.height, m.refresh_hz, why);
			return -1;
		}
		modes[n++] = m;
		if (*p == ',' && !*++p)
			goto bad;	/* trailing comma */
	}
	if (!n) {
		fprintf(stderr, "fakegpu: empty mode list\n");
		return -1;
	}
	return (int)n;
bad:
	fprintf(stderr, "fakegpu: mode list '%s': expected WxH[@HZ][,WxH[@HZ]...] near '%s'\n",
		s, p);
	return -1;
}
