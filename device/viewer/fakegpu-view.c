// SPDX-License-Identifier: MIT
/*
 * fakegpu-view: show the heads of a running fakegpu-device in a window.
 *
 *   fakegpu-view [--ctl PATH] [--head N | --all] [--scale] [--frames N]
 *
 * It only reads the device's control socket (`stats` once a second,
 * `screenshot N` at the head's refresh rate), so it attaches to and detaches
 * from a running device without disturbing it. The engine composes the
 * cursor into the screenshot, so the cursor shows. Mode changes resize the
 * window; a head that is off shows "no signal" and the viewer keeps going.
 * No input goes to the guest; q or Escape closes the window.
 *
 * X11 first (it works through `ssh -X`), an accelerated renderer when one
 * works, else SDL's software renderer (no GL needed).
 * Exit status: 0 closed by the user or --frames reached, 1 error, 2 usage,
 * 3 the device cannot be reached or went away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <SDL.h>

#include "source.h"

#define PROG	"fakegpu-view"
#define GAP	8	/* pixels between heads with --all */

struct view {
	struct fg_source src;
	unsigned int first, last;	/* heads shown */
	bool all, scale;
	long frames_max;		/* 0: no limit */
	struct fg_frame frame[FG_CTLC_MAX_HEADS];
	uint32_t *canvas;		/* the heads side by side (--all) */
	uint32_t cw, ch;		/* size of what is shown */
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	uint32_t tw, th;		/* texture size */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--ctl PATH] [--head N | --all] [--scale] [--frames N]\n"
		"  --ctl PATH   the device's control socket (else $FAKEGPU_CTL, else "
		FG_CTLC_DEFAULT_SOCKET ")\n"
		"  --head N     show head N (default 0)\n"
		"  --all        show every head side by side\n"
		"  --scale      resizable window; the picture is scaled to fit it\n"
		"  --frames N   exit after N displayed frames (tests)\n"
		"Keys: q or Escape closes. Keyboard and mouse are not sent to the guest.\n");
}

static int view_option(void *ctx, const char *a, const char *val)
{
	struct view *v = ctx;
	long n;

	if (strcmp(a, "--all") == 0) {
		v->all = true;
		return 1;
	}
	if (strcmp(a, "--scale") == 0) {
		v->scale = true;
		return 1;
	}
	if (strcmp(a, "--frames") != 0)
		return 0;
	if (!fg_parse_num(val, 1000000000L, &n) || !n) {
		fprintf(stderr, PROG ": --frames needs a count from 1\n");
		return -1;
	}
	v->frames_max = n;
	return 2;
}

/* X11 first: it is what `ssh -X` forwards. A remote display gets no GL. */
static int open_window(struct view *v)
{
	const char *display = getenv("DISPLAY");

	if (!getenv("SDL_VIDEODRIVER") && display && *display)
		SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11");
	if (display && display[0] != ':' && !getenv("SDL_RENDER_DRIVER"))
		SDL_SetHint(SDL_HINT_RENDER_DRIVER, "software");
	if (SDL_Init(SDL_INIT_VIDEO) < 0) {
		fprintf(stderr, PROG ": cannot open a display (%s): set DISPLAY, or use "
			"ssh -X, or fakegpu-vnc instead\n", SDL_GetError());
		return -1;
	}
	v->win = SDL_CreateWindow("fakegpu", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				  (int)v->cw, (int)v->ch, v->scale ? SDL_WINDOW_RESIZABLE : 0);
	if (!v->win) {
		fprintf(stderr, PROG ": cannot create a window: %s\n", SDL_GetError());
		return -1;
	}
	v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_ACCELERATED);
	if (!v->ren)
		v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
	if (!v->ren) {
		fprintf(stderr, PROG ": no renderer works, not even SDL's software one: %s\n",
			SDL_GetError());
		return -1;
	}
	SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "nearest");
	return 0;
}

/* Lay the frames out; the canvas (--all) or the one head's frame. */
static const uint32_t *compose(struct view *v)
{
	uint32_t w = 0, h = 0, x = 0;
	uint32_t *c;

	if (!v->all) {
		v->cw = v->frame[v->first].w;
		v->ch = v->frame[v->first].h;
		return v->frame[v->first].px;
	}
	for (unsigned int i = v->first; i <= v->last; i++) {
		w += v->frame[i].w + (i > v->first ? GAP : 0);
		if (v->frame[i].h > h)
			h = v->frame[i].h;
	}
	c = realloc(v->canvas, (size_t)w * h * sizeof(*c));
	if (!c)
		return NULL;
	v->canvas = c;
	memset(c, 0, (size_t)w * h * sizeof(*c));
	for (unsigned int i = v->first; i <= v->last; i++) {
		const struct fg_frame *f = &v->frame[i];

		for (uint32_t y = 0; y < f->h; y++)
			memcpy(c + (size_t)y * w + x, f->px + (size_t)y * f->w, f->w * 4);
		x += f->w + GAP;
	}
	v->cw = w;
	v->ch = h;
	return c;
}

static void set_title(struct view *v)
{
	char title[160];
	int n = 0;

	n += snprintf(title + n, sizeof(title) - (size_t)n, "fakegpu %s:", v->src.path);
	for (unsigned int i = v->first; i <= v->last && n < (int)sizeof(title); i++) {
		const struct fg_ctlc_head *hd = &v->src.head[i];

		if (v->frame[i].signal)
			n += snprintf(title + n, sizeof(title) - (size_t)n, " head %u %ux%u@%u.%02u",
				      i, v->frame[i].w, v->frame[i].h, hd->refresh_mhz / 1000,
				      hd->refresh_mhz % 1000 / 10);
		else
			n += snprintf(title + n, sizeof(title) - (size_t)n, " head %u no signal", i);
	}
	SDL_SetWindowTitle(v->win, title);
}

static int show(struct view *v)
{
	const uint32_t *px = compose(v);

	if (!px) {
		fprintf(stderr, PROG ": out of memory for a %ux%u picture\n", v->cw, v->ch);
		return -1;
	}
	if (!v->win && open_window(v) < 0)
		return -1;
	if (!v->tex || v->tw != v->cw || v->th != v->ch) {
		if (v->tex)
			SDL_DestroyTexture(v->tex);
		v->tex = SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_RGB888,
					   SDL_TEXTUREACCESS_STREAMING, (int)v->cw, (int)v->ch);
		if (!v->tex) {
			fprintf(stderr, PROG ": cannot create a %ux%u texture: %s\n",
				v->cw, v->ch, SDL_GetError());
			return -1;
		}
		v->tw = v->cw;
		v->th = v->ch;
		if (!v->scale)
			SDL_SetWindowSize(v->win, (int)v->cw, (int)v->ch);
		SDL_RenderSetLogicalSize(v->ren, (int)v->cw, (int)v->ch);
	}
	set_title(v);
	SDL_UpdateTexture(v->tex, NULL, px, (int)v->cw * 4);
	SDL_SetRenderDrawColor(v->ren, 0, 0, 0, 255);
	SDL_RenderClear(v->ren);
	SDL_RenderCopy(v->ren, v->tex, NULL, NULL);
	SDL_RenderPresent(v->ren);
	return 0;
}

/* Until @deadline (µs): handle events. true when the user closed the window. */
static bool wait_events(int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - fg_now_us();
		SDL_Event ev;

		if (!SDL_WaitEventTimeout(&ev, left > 0 ? (int)((left + 999) / 1000) : 0))
			return false;
		if (ev.type == SDL_QUIT)
			return true;
		if (ev.type == SDL_KEYDOWN && (ev.key.keysym.sym == SDLK_q ||
					       ev.key.keysym.sym == SDLK_ESCAPE))
			return true;
		if (left <= 0)
			return false;
	}
}

static int run(struct view *v)
{
	int64_t next = fg_now_us();
	long shown = 0;
	int r;

	for (;;) {
		r = fg_source_poll(&v->src, v->first, v->all ? FG_ALL_HEADS : v->last, v->frame);
		if (r != FG_CTLC_OK)
			return r;
		if (v->all)
			v->last = v->src.heads - 1;
		if (show(v) < 0)
			return FG_CTLC_REFUSED;
		if (v->frames_max && ++shown >= v->frames_max)
			return FG_CTLC_OK;
		/* Keep the device's pace; after a stall, restart from now. */
		next += fg_source_period_us(&v->src, v->first, v->last);
		if (next < fg_now_us())
			next = fg_now_us();
		if (v->win && wait_events(next))
			return FG_CTLC_OK;
	}
}

int main(int argc, char **argv)
{
	struct view v = { .src = { .prog = PROG } };
	int r = fg_parse_args(&v.src, &v.first, argc, argv, usage, view_option, &v);

	v.last = v.first;
	if (r)
		return r < 0 ? 0 : r;
	r = fg_source_update(&v.src, true);
	if (r == FG_CTLC_OK)
		r = run(&v);
	for (unsigned int i = 0; i < FG_CTLC_MAX_HEADS; i++)
		fg_frame_free(&v.frame[i]);
	free(v.canvas);
	if (v.tex)
		SDL_DestroyTexture(v.tex);
	if (v.ren)
		SDL_DestroyRenderer(v.ren);
	if (v.win)
		SDL_DestroyWindow(v.win);
	SDL_Quit();
	return fg_exit_status(&v.src, r, "closing the viewer");
}
