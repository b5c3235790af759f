// SPDX-License-Identifier: MIT
/* Frames of a running device for the viewers (see source.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source.h"

#define STATS_EVERY_US	1000000
#define IDLE_PERIOD_US	100000

int64_t fg_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int fg_source_update(struct fg_source *s, bool force)
{
	int64_t now = fg_now_us();
	int r;

	if (!force && s->heads && now - s->stats_us < STATS_EVERY_US)
		return FG_CTLC_OK;
	r = fg_ctlc_stats(s->prog, s->path, s->head, FG_CTLC_MAX_HEADS, &s->heads);
	s->stats_us = now;
	return r;
}

int fg_source_grab(struct fg_source *s, unsigned int head, struct fg_frame *f)
{
	uint8_t *bgr0;
	uint32_t w, h;
	int r = fg_ctlc_screenshot(s->prog, s->path, head, &bgr0, &w, &h);

	if (r == FG_CTLC_NO_SIGNAL) {
		if (!f->w || !f->h) {
			f->w = FG_NOSIGNAL_W;
			f->h = FG_NOSIGNAL_H;
		}
		fg_frame_no_signal(f);
		return f->px ? FG_CTLC_OK : FG_CTLC_REFUSED;
	}
	if (r != FG_CTLC_OK)
		return r;
	free(f->px);
	/* B,G,R,0 bytes are 0x00RRGGBB words on the little-endian hosts we run on. */
	f->px = (uint32_t *)(void *)bgr0;
	f->w = w;
	f->h = h;
	f->signal = true;
	return FG_CTLC_OK;
}

int fg_source_poll(struct fg_source *s, unsigned int first, unsigned int last,
		   struct fg_frame *frames)
{
	int r = fg_source_update(s, false);

	if (r != FG_CTLC_OK)
		return r;
	if (last == FG_ALL_HEADS)
		last = s->heads - 1;
	if (last >= s->heads) {
		fprintf(stderr, "%s: the device on %s has no head %u (heads: 0..%u)\n",
			s->prog, s->path, last, s->heads - 1);
		return FG_CTLC_REFUSED;
	}
	for (unsigned int i = first; i <= last && r == FG_CTLC_OK; i++)
		r = fg_source_grab(s, i, &frames[i]);
	return r;
}

bool fg_parse_num(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (!s || s[0] < '0' || s[0] > '9')
		return false;
	v = strtol(s, &end, 10);
	if (*end || v < 0 || v > max)
		return false;
	*out = v;
	return true;
}

int fg_parse_args(struct fg_source *s, unsigned int *head, int argc, char **argv,
		  void (*usage)(FILE *), fg_opt_fn opt, void *ctx)
{
	s->path = fg_ctlc_default_path();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		long n;
		int used;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return -1;
		}
		if (strcmp(a, "--ctl") == 0 && val) {
			s->path = val;
			used = 2;
		} else if (strcmp(a, "--head") == 0) {
			if (!fg_parse_num(val, FG_CTLC_MAX_HEADS - 1, &n)) {
				fprintf(stderr, "%s: --head needs a head number from 0 to %d\n",
					s->prog, FG_CTLC_MAX_HEADS - 1);
				return 2;
			}
			*head = (unsigned int)n;
			used = 2;
		} else {
			used = opt(ctx, a, val);
		}
		if (used < 0)
			return 2;
		if (used == 0) {
			fprintf(stderr, "%s: unknown or incomplete option %s (see --help)\n",
				s->prog, a);
			return 2;
		}
		i += used - 1;
	}
	return 0;
}

int fg_exit_status(const struct fg_source *s, int r, const char *action)
{
	if (r == FG_CTLC_OK)
		return 0;
	if (r != FG_CTLC_UNREACHABLE)
		return 1;
	fprintf(stderr, "%s: the device on %s is gone; %s\n", s->prog, s->path, action);
	return 3;
}

uint32_t fg_source_period_us(const struct fg_source *s, unsigned int first,
			     unsigned int last)
{
	uint32_t best = 0;

	for (unsigned int i = first; i <= last && i < s->heads; i++)
		if (s->head[i].active && s->head[i].refresh_mhz > best)
			best = s->head[i].refresh_mhz;
	if (!best)
		return IDLE_PERIOD_US;
	return (uint32_t)(1000000000ull / best);
}

/* 5x7 glyphs, one byte a row, bit 4 leftmost. */
static const struct {
	char c;
	uint8_t row[7];
} glyphs[] = {
	{ 'N', { 0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x11 } },
	{ 'O', { 0x0e, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0e } },
	{ 'S', { 0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e } },
	{ 'I', { 0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e } },
	{ 'G', { 0x0e, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0f } },
	{ 'A', { 0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11 } },
	{ 'L', { 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f } },
};

static const uint8_t *glyph(char c)
{
	for (size_t i = 0; i < sizeof(glyphs) / sizeof(glyphs[0]); i++)
		if (glyphs[i].c == c)
			return glyphs[i].row;
	return NULL;	/* a space */
}

void fg_frame_no_signal(struct fg_frame *f)
{
	static const char text[] = "NO SIGNAL";
	const uint32_t bg = 0x00101828, fg = 0x00c0c0c0;
	uint32_t cols = (uint32_t)(sizeof(text) - 1) * 6, zoom, x0, y0;
	uint32_t *px = realloc(f->px, (size_t)f->w * f->h * sizeof(*px));

	if (!px) {
		free(f->px);
		f->px = NULL;
		return;
	}
	f->px = px;
	f->signal = false;
	for (size_t i = 0; i < (size_t)f->w * f->h; i++)
		px[i] = bg;
	zoom = f->w / (cols * 2);
	if (zoom * 7 > f->h / 2)
		zoom = f->h / 14;
	if (!zoom)
		return;
	x0 = (f->w - cols * zoom) / 2;
	y0 = (f->h - 7 * zoom) / 2;
	for (uint32_t i = 0; text[i]; i++) {
		const uint8_t *g = glyph(text[i]);

		for (uint32_t y = 0; g && y < 7 * zoom; y++)
			for (uint32_t x = 0; x < 5 * zoom; x++)
				if (g[y / zoom] & (0x10 >> (x / zoom)))
					px[(size_t)(y0 + y) * f->w + x0 + i * 6 * zoom + x] = fg;
	}
}

void fg_frame_free(struct fg_frame *f)
{
	free(f->px);
	*f = (struct fg_frame){ 0 };
}
