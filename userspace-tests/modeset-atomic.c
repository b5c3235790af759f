// SPDX-License-Identifier: MIT
/*
 * modeset-atomic: the reference libdrm client. Atomic modeset of a test
 * pattern on one (or every) connected connector, then N non-blocking page
 * flips, each waited for through its page-flip event. Reports flips, events,
 * missed vblanks (from event sequence numbers) and flip intervals on one
 * parseable line; `--once` shows a still frame for a host-side screenshot.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kms-util.h"
#include "pattern.h"

#define PROG "modeset-atomic"
#define MAX_PIPES 8


struct pipe_stats {
	unsigned int events;
	uint64_t missed;	/* vblanks skipped between consecutive events */
	uint64_t late;		/* of those, skipped by a commit issued too late */
	unsigned int stalled;	/* events whose sequence did not advance */
	unsigned int ts_bad;	/* events failing --max-ts-age */
	unsigned int intervals;
	double min_ms, max_ms, sum_ms;
	int have_last;
	uint32_t last_seq, first_seq;
	double last_ts, first_ts;	/* seconds, from the events */
};

struct pipe {
	uint32_t conn_id, crtc_id, plane_id;
	int crtc_index;
	drmModeModeInfo mode;
	uint32_t mode_blob;	/* 0 = none */
	struct {
		uint32_t conn_crtc_id, active, mode_id;
		uint32_t fb_id, crtc_id, src_x, src_y, src_w, src_h,
			 crtc_x, crtc_y, crtc_w, crtc_h;
	} prop;
	struct fg_kms_buffer buf[2];
	int pending;		/* flip event outstanding */
	struct pipe_stats st;
};

struct options {
	const char *device;
	uint32_t connector;	/* 0 = first connected */
	int all_connectors;
	int mode_w, mode_h, mode_r;	/* 0 = preferred / any refresh */
	uint32_t format;
	int pattern;		/* -1 = default */
	unsigned int frames;
	int once;
	unsigned int hold;
	const char *hold_file;
	unsigned int hold_timeout;
	long max_missed;	/* -1 = unlimited */
	long max_missed_in_time;	/* same, not counting late commits */
	unsigned int event_timeout_ms;
	long max_ts_age_ms;	/* -1 = no timestamp check */
};

struct ctx {
	struct options opt;
	int fd;
	char dev[64];
	struct pipe pipe[MAX_PIPES];
	int npipes;
	unsigned int flip_no;	/* for error messages */
	double commit_ms;	/* CLOCK_MONOTONIC when the last flip commit returned */
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [options]\n"
"\n"
"Atomic modeset of a test pattern on a connected connector, then page flips\n"
"with page-flip events. Prints one summary line:\n"
"  " PROG ": frames=N events=E missed=M late=L interval_ms min=A avg=B max=C hz=H\n"
"missed counts vblanks skipped between consecutive flip events; late counts\n"
"those skipped because the flip's commit returned less than 0.5 ms before, or\n"
"after, the vblank it aimed at (the client or its host was late, not the\n"
"display). Exit status 0 only if every flip's event arrived (and, with\n"
"--max-missed, no more vblanks were missed than allowed); 1 on any failure,\n"
"2 on bad usage.\n"
"\n"
"options:\n"
"  --device PATH        DRM device (default: the first /dev/dri/cardN with a\n"
"                       connected connector)\n"
"  --connector ID       use this connector (default: the first connected one)\n"
"  --all-connectors     drive every connected connector, one CRTC each\n"
"  --mode WxH[@R]       mode to set (default: the connector's preferred mode)\n"
"  --format FMT         xrgb8888 (default), argb8888, rgb565 or argb1555\n"
"  --pattern NAME       bars or moving (default: moving; bars with --once)\n"
"  --frames N           page flips to do (default 120)\n"
"  --event-timeout MS   longest wait for one flip event (default 1000)\n"
"  --max-missed N       fail if more than N vblanks were missed in total\n"
"                       (default: report only)\n"
"  --max-missed-in-time N  the same, not counting late commits: a vblank\n"
"                       missed by a commit that was in time is the display's\n"
"                       fault (default: report only)\n"
"  --max-ts-age MS      fail if a flip event's timestamp is later than the\n"
"                       event's arrival, more than MS ms before it, or\n"
"                       earlier than the previous event's (default: no check)\n"
"  --once               show frame 0 of the pattern and exit without flipping\n"
"  --hold SECONDS       with --once: keep the frame on screen this long\n"
"                       (default 0)\n"
"  --hold-file PATH     with --once: create PATH.ready once the frame is on\n"
"                       screen, then wait until PATH.done exists\n"
"  --hold-timeout SECS  longest wait for PATH.done (default 60)\n"
"  --help               show this help\n");
}

static int parse_uint(const char *opt, const char *s, unsigned long max,
		      unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v > max) {
		fprintf(stderr, PROG ": invalid value '%s' for %s: expected an integer 0..%lu\n",
			s, opt, max);
		return -1;
	}
	*out = v;
	return 0;
}

static int parse_mode(const char *s, struct options *o)
{
	int w, h, r = 0, n = 0, m = 0;

	if (sscanf(s, "%dx%d%n", &w, &h, &n) == 2 && (s[n] == '\0' ||
	    (s[n] == '@' && sscanf(s + n, "@%d%n", &r, &m) == 1 && s[n + m] == '\0'))
	    && w > 0 && h > 0 && r >= 0) {
		o->mode_w = w;
		o->mode_h = h;
		o->mode_r = r;
		return 0;
	}
	fprintf(stderr, PROG ": invalid --mode '%s': expected WxH or WxH@R, e.g. 1024x768@60\n", s);
	return -1;
}

/* Returns 0 to run, 1 to exit 0 (help), -1 on bad usage. */
static int parse_args(int argc, char **argv, struct options *o)
{
	enum { O_DEVICE = 256, O_CONNECTOR, O_ALL, O_MODE, O_FORMAT, O_PATTERN,
	       O_FRAMES, O_ETIMEOUT, O_MAXMISSED, O_MAXMISSEDIT, O_MAXTSAGE, O_ONCE, O_HOLD, O_HOLDFILE,
	       O_HOLDTIMEOUT, O_HELP };
	static const struct option lo[] = {
		{ "device", required_argument, NULL, O_DEVICE },
		{ "connector", required_argument, NULL, O_CONNECTOR },
		{ "all-connectors", no_argument, NULL, O_ALL },
		{ "mode", required_argument, NULL, O_MODE },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "pattern", required_argument, NULL, O_PATTERN },
		{ "frames", required_argument, NULL, O_FRAMES },
		{ "event-timeout", required_argument, NULL, O_ETIMEOUT },
		{ "max-missed", required_argument, NULL, O_MAXMISSED },
		{ "max-missed-in-time", required_argument, NULL, O_MAXMISSEDIT },
		{ "max-ts-age", required_argument, NULL, O_MAXTSAGE },
		{ "once", no_argument, NULL, O_ONCE },
		{ "hold", required_argument, NULL, O_HOLD },
		{ "hold-file", required_argument, NULL, O_HOLDFILE },
		{ "hold-timeout", required_argument, NULL, O_HOLDTIMEOUT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	unsigned long v;
	int c;

	*o = (struct options){
		.format = DRM_FORMAT_XRGB8888, .pattern = -1, .frames = 120,
		.hold_timeout = 60, .max_missed = -1, .max_missed_in_time = -1, .event_timeout_ms = 1000,
		.max_ts_age_ms = -1,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_DEVICE:
			o->device = optarg;
			break;
		case O_CONNECTOR:
			if (parse_uint("--connector", optarg, UINT32_MAX, &v))
				return -1;
			o->connector = (uint32_t)v;
			break;
		case O_ALL:
			o->all_connectors = 1;
			break;
		case O_MODE:
			if (parse_mode(optarg, o))
				return -1;
			break;
		case O_FORMAT:
			o->format = fg_format_parse(optarg);
			if (!o->format) {
				fprintf(stderr, PROG ": unknown --format '%s': use xrgb8888, argb8888, rgb565 or argb1555\n",
					optarg);
				return -1;
			}
			break;
		case O_PATTERN:
			o->pattern = fg_pattern_parse(optarg);
			if (o->pattern < 0) {
				fprintf(stderr, PROG ": unknown --pattern '%s': use bars or moving\n",
					optarg);
				return -1;
			}
			break;
		case O_FRAMES:
			if (parse_uint("--frames", optarg, 10000000, &v))
				return -1;
			o->frames = (unsigned int)v;
			break;
		case O_ETIMEOUT:
			if (parse_uint("--event-timeout", optarg, 600000, &v))
				return -1;
			if (v == 0) {
				fprintf(stderr, PROG ": --event-timeout must be at least 1 ms\n");
				return -1;
			}
			o->event_timeout_ms = (unsigned int)v;
			break;
		case O_MAXMISSED:
			if (parse_uint("--max-missed", optarg, LONG_MAX, &v))
				return -1;
			o->max_missed = (long)v;
			break;
		case O_MAXMISSEDIT:
			if (parse_uint("--max-missed-in-time", optarg, LONG_MAX, &v))
				return -1;
			o->max_missed_in_time = (long)v;
			break;
		case O_MAXTSAGE:
			if (parse_uint("--max-ts-age", optarg, 3600 * 1000, &v))
				return -1;
			o->max_ts_age_ms = (long)v;
			break;
		case O_ONCE:
			o->once = 1;
			break;
		case O_HOLD:
			if (parse_uint("--hold", optarg, 86400, &v))
				return -1;
			o->hold = (unsigned int)v;
			break;
		case O_HOLDFILE:
			o->hold_file = optarg;
			break;
		case O_HOLDTIMEOUT:
			if (parse_uint("--hold-timeout", optarg, 86400, &v))
				return -1;
			o->hold_timeout = (unsigned int)v;
			break;
		case O_HELP:
		case 'h':
			usage(stdout);
			return 1;
		default:
			if (optopt)
				fprintf(stderr, PROG ": option needs a value or is unknown: %s (see --help)\n",
					argv[optind - 1]);
			else
				fprintf(stderr, PROG ": unknown option %s (see --help)\n",
					argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	if (o->all_connectors && o->connector) {
		fprintf(stderr, PROG ": --connector and --all-connectors exclude each other\n");
		return -1;
	}
	if (!o->once && (o->hold || o->hold_file)) {
		fprintf(stderr, PROG ": --hold and --hold-file only apply with --once\n");
		return -1;
	}
	if (o->pattern < 0)
		o->pattern = o->once ? FG_PATTERN_BARS : FG_PATTERN_MOVING;
	return 0;
}

/* ---- pipe setup ------------------------------------------------------------ */

static int pick_mode(struct ctx *c, drmModeConnector *conn, drmModeModeInfo *out)
{
	const struct options *o = &c->opt;
	int best = -1;

	for (int i = 0; i < conn->count_modes; i++) {
		drmModeModeInfo *m = &conn->modes[i];

		if (o->mode_w) {
			if (m->hdisplay != o->mode_w || m->vdisplay != o->mode_h ||
			    (o->mode_r && (int)m->vrefresh != o->mode_r))
				continue;
			if (best < 0 || (m->type & DRM_MODE_TYPE_PREFERRED))
				best = i;
		} else if (m->type & DRM_MODE_TYPE_PREFERRED) {
			best = i;
			break;
		}
	}
	if (best < 0 && !o->mode_w && conn->count_modes > 0)
		best = 0;	/* no preferred mode: the first listed */
	if (best < 0) {
		char list[512];
		size_t n = 0;

		list[0] = '\0';
		for (int i = 0; i < conn->count_modes && n < sizeof(list); i++) {
			int k = snprintf(list + n, sizeof(list) - n, "%s%dx%d@%u",
					 i ? " " : "", conn->modes[i].hdisplay,
					 conn->modes[i].vdisplay, conn->modes[i].vrefresh);
			if (k > 0)
				n += (size_t)k;
		}
		if (o->mode_w)
			fprintf(stderr, PROG ": %s: connector %u has no mode %dx%d%s%.0d (available: %s)\n",
				c->dev, conn->connector_id, o->mode_w, o->mode_h,
				o->mode_r ? "@" : "", o->mode_r, list);
		else
			fprintf(stderr, PROG ": %s: connector %u is connected but reports no modes\n",
				c->dev, conn->connector_id);
		return -1;
	}
	*out = conn->modes[best];
	return 0;
}

static int crtc_taken(const struct ctx *c, uint32_t crtc_id)
{
	for (int i = 0; i < c->npipes; i++)
		if (c->pipe[i].crtc_id == crtc_id)
			return 1;
	return 0;
}

static int plane_taken(const struct ctx *c, uint32_t plane_id)
{
	for (int i = 0; i < c->npipes; i++)
		if (c->pipe[i].plane_id == plane_id)
			return 1;
	return 0;
}

static int pick_crtc(struct ctx *c, drmModeRes *res, drmModeConnector *conn,
		     struct pipe *p)
{
	/* Keep the CRTC the connector already uses if it is free; else any. */
	if (conn->encoder_id) {
		drmModeEncoder *e = drmModeGetEncoder(c->fd, conn->encoder_id);

		if (e && e->crtc_id && !crtc_taken(c, e->crtc_id))
			p->crtc_id = e->crtc_id;
		drmModeFreeEncoder(e);
	}
	for (int i = 0; i < conn->count_encoders && !p->crtc_id; i++) {
		drmModeEncoder *e = drmModeGetEncoder(c->fd, conn->encoders[i]);

		for (int k = 0; e && k < res->count_crtcs && !p->crtc_id; k++)
			if ((e->possible_crtcs & (1u << k)) &&
			    !crtc_taken(c, res->crtcs[k]))
				p->crtc_id = res->crtcs[k];
		drmModeFreeEncoder(e);
	}
	if (!p->crtc_id) {
		fprintf(stderr, PROG ": %s: no free CRTC can drive connector %u\n",
			c->dev, conn->connector_id);
		return -1;
	}
	for (int k = 0; k < res->count_crtcs; k++)
		if (res->crtcs[k] == p->crtc_id)
			p->crtc_index = k;
	return 0;
}

static int pick_plane(struct ctx *c, struct pipe *p)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(c->fd);
	char fmts[256] = "", f4[5];
	int found_primary = 0, rc = -1;

	if (!pr) {
		fprintf(stderr, PROG ": %s: cannot list planes: %s\n", c->dev, strerror(errno));
		return -1;
	}
	for (uint32_t i = 0; i < pr->count_planes && rc; i++) {
		drmModePlane *pl = drmModeGetPlane(c->fd, pr->planes[i]);
		uint64_t type = 0;

		if (!pl)
			continue;
		if ((pl->possible_crtcs & (1u << p->crtc_index)) &&
		    !plane_taken(c, pl->plane_id) &&
		    fg_kms_prop(c->fd, pl->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type) &&
		    type == DRM_PLANE_TYPE_PRIMARY) {
			size_t n = 0;

			found_primary = 1;
			fmts[0] = '\0';
			for (uint32_t k = 0; k < pl->count_formats; k++) {
				if (pl->formats[k] == c->opt.format) {
					p->plane_id = pl->plane_id;
					rc = 0;
				}
				if (n < sizeof(fmts)) {
					int w = snprintf(fmts + n, sizeof(fmts) - n, "%s%s", k ? " " : "",
							 fg_fourcc_str(pl->formats[k], f4));
					if (w > 0)
						n += (size_t)w;
				}
			}
		}
		drmModeFreePlane(pl);
	}
	drmModeFreePlaneResources(pr);
	if (rc && !found_primary)
		fprintf(stderr, PROG ": %s: no free primary plane for CRTC %u\n", c->dev, p->crtc_id);
	else if (rc)
		fprintf(stderr, PROG ": %s: the driver does not offer %s (%s) on the primary plane of CRTC %u (it offers: %s); choose another --format\n",
			c->dev, fg_format_name(c->opt.format),
			fg_fourcc_str(c->opt.format, f4), p->crtc_id, fmts);
	return rc;
}

static int need_prop(struct ctx *c, uint32_t obj, uint32_t type, const char *what,
		     const char *name, uint32_t *out)
{
	*out = fg_kms_prop(c->fd, obj, type, name, NULL);
	if (!*out) {
		fprintf(stderr, PROG ": %s: %s %u has no '%s' property; is this an atomic driver?\n",
			c->dev, what, obj, name);
		return -1;
	}
	return 0;
}

static int lookup_props(struct ctx *c, struct pipe *p)
{
	const uint32_t PL = DRM_MODE_OBJECT_PLANE;

	return need_prop(c, p->conn_id, DRM_MODE_OBJECT_CONNECTOR, "connector", "CRTC_ID",
			 &p->prop.conn_crtc_id) ||
	       need_prop(c, p->crtc_id, DRM_MODE_OBJECT_CRTC, "CRTC", "ACTIVE", &p->prop.active) ||
	       need_prop(c, p->crtc_id, DRM_MODE_OBJECT_CRTC, "CRTC", "MODE_ID", &p->prop.mode_id) ||
	       need_prop(c, p->plane_id, PL, "plane", "FB_ID", &p->prop.fb_id) ||
	       need_prop(c, p->plane_id, PL, "plane", "CRTC_ID", &p->prop.crtc_id) ||
	       need_prop(c, p->plane_id, PL, "plane", "SRC_X", &p->prop.src_x) ||
	       need_prop(c, p->plane_id, PL, "plane", "SRC_Y", &p->prop.src_y) ||
	       need_prop(c, p->plane_id, PL, "plane", "SRC_W", &p->prop.src_w) ||
	       need_prop(c, p->plane_id, PL, "plane", "SRC_H", &p->prop.src_h) ||
	       need_prop(c, p->plane_id, PL, "plane", "CRTC_X", &p->prop.crtc_x) ||
	       need_prop(c, p->plane_id, PL, "plane", "CRTC_Y", &p->prop.crtc_y) ||
	       need_prop(c, p->plane_id, PL, "plane", "CRTC_W", &p->prop.crtc_w) ||
	       need_prop(c, p->plane_id, PL, "plane", "CRTC_H", &p->prop.crtc_h) ? -1 : 0;
}

static int add_pipe(struct ctx *c, drmModeRes *res, drmModeConnector *conn)
{
	struct pipe *p;

	if (c->npipes == MAX_PIPES)
		return 0;	/* more connectors than we drive: ignore the rest */
	p = &c->pipe[c->npipes];
	memset(p, 0, sizeof(*p));
	p->conn_id = conn->connector_id;
	if (pick_mode(c, conn, &p->mode) || pick_crtc(c, res, conn, p) || pick_plane(c, p) ||
	    lookup_props(c, p))
		return -1;
	c->npipes++;	/* counted only once complete: cleanup sees whole pipes */
	return 0;
}

static int setup_pipes(struct ctx *c)
{
	drmModeRes *res = drmModeGetResources(c->fd);
	int rc = 0, found = 0;

	if (!res) {
		fprintf(stderr, PROG ": %s: cannot read KMS resources: %s\n", c->dev, strerror(errno));
		return -1;
	}
	for (int i = 0; i < res->count_connectors && !rc; i++) {
		drmModeConnector *conn = drmModeGetConnector(c->fd, res->connectors[i]);

		if (!conn)
			continue;
		if (c->opt.connector) {
			if (conn->connector_id == c->opt.connector) {
				found = 1;
				if (conn->connection != DRM_MODE_CONNECTED) {
					fprintf(stderr, PROG ": %s: connector %u is not connected\n",
						c->dev, conn->connector_id);
					rc = -1;
				} else {
					rc = add_pipe(c, res, conn);
				}
			}
		} else if (conn->connection == DRM_MODE_CONNECTED &&
			   (c->opt.all_connectors || c->npipes == 0)) {
			found = 1;
			rc = add_pipe(c, res, conn);
		}
		drmModeFreeConnector(conn);
	}
	if (!rc && !found) {
		if (c->opt.connector)
			fprintf(stderr, PROG ": %s: there is no connector %u (run modetest -c to list them)\n",
				c->dev, c->opt.connector);
		else
			fprintf(stderr, PROG ": %s: no connected connector\n", c->dev);
		rc = -1;
	}
	drmModeFreeResources(res);
	return rc;
}

/* ---- buffers --------------------------------------------------------------- */

static int create_buffer(struct ctx *c, struct pipe *p, struct fg_kms_buffer *b)
{
	return fg_kms_buffer_create(PROG, c->dev, c->fd, p->mode.hdisplay, p->mode.vdisplay,
				    c->opt.format, fg_format_cpp(c->opt.format), b);
}

static int draw(struct ctx *c, struct pipe *p, struct fg_kms_buffer *b, unsigned int frame)
{
	if (fg_pattern_fill(c->opt.pattern, frame, c->opt.format, b->map,
			    p->mode.hdisplay, p->mode.vdisplay, b->pitch)) {
		fprintf(stderr, PROG ": cannot draw the pattern (out of memory)\n");
		return -1;
	}
	return 0;
}

/* ---- commits and events ---------------------------------------------------- */

static int add(drmModeAtomicReq *req, uint32_t obj, uint32_t prop, uint64_t val)
{
	return drmModeAtomicAddProperty(req, obj, prop, val) < 0 ? -1 : 0;
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The mode's frame period from its timings (vrefresh is rounded). */
static double period_ms(const drmModeModeInfo *m)
{
	if (m->clock && m->htotal && m->vtotal)
		return (double)m->htotal * m->vtotal / m->clock;
	return m->vrefresh ? 1000.0 / m->vrefresh : 1000.0 / 60;
}

static int commit(struct ctx *c, int bufidx, int modeset, const char *what)
{
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	uint32_t flags = DRM_MODE_PAGE_FLIP_EVENT;
	int err = 0;

	if (!req) {
		fprintf(stderr, PROG ": out of memory building the %s request\n", what);
		return -1;
	}
	for (int i = 0; i < c->npipes && !err; i++) {
		struct pipe *p = &c->pipe[i];
		uint32_t w = p->mode.hdisplay, h = p->mode.vdisplay;

		err |= add(req, p->plane_id, p->prop.fb_id, p->buf[bufidx].fb_id);
		if (!modeset)
			continue;
		err |= add(req, p->conn_id, p->prop.conn_crtc_id, p->crtc_id);
		err |= add(req, p->crtc_id, p->prop.active, 1);
		err |= add(req, p->crtc_id, p->prop.mode_id, p->mode_blob);
		err |= add(req, p->plane_id, p->prop.crtc_id, p->crtc_id);
		err |= add(req, p->plane_id, p->prop.src_x, 0);
		err |= add(req, p->plane_id, p->prop.src_y, 0);
		err |= add(req, p->plane_id, p->prop.src_w, (uint64_t)w << 16);
		err |= add(req, p->plane_id, p->prop.src_h, (uint64_t)h << 16);
		err |= add(req, p->plane_id, p->prop.crtc_x, 0);
		err |= add(req, p->plane_id, p->prop.crtc_y, 0);
		err |= add(req, p->plane_id, p->prop.crtc_w, w);
		err |= add(req, p->plane_id, p->prop.crtc_h, h);
	}
	if (err) {
		fprintf(stderr, PROG ": out of memory building the %s request\n", what);
		drmModeAtomicFree(req);
		return -1;
	}
	flags |= modeset ? DRM_MODE_ATOMIC_ALLOW_MODESET : DRM_MODE_ATOMIC_NONBLOCK;
	if (drmModeAtomicCommit(c->fd, req, flags, NULL)) {
		int e = errno;

		if (modeset)
			fprintf(stderr, PROG ": %s: atomic modeset to %ux%u@%u on CRTC %u failed: %s\n",
				c->dev, c->pipe[0].mode.hdisplay, c->pipe[0].mode.vdisplay,
				c->pipe[0].mode.vrefresh, c->pipe[0].crtc_id, strerror(e));
		else
			fprintf(stderr, PROG ": %s: page flip %u (atomic commit) failed: %s\n",
				c->dev, c->flip_no, strerror(e));
		drmModeAtomicFree(req);
		return -1;
	}
	drmModeAtomicFree(req);
	c->commit_ms = now_ms();
	for (int i = 0; i < c->npipes; i++)
		c->pipe[i].pending = 1;
	return 0;
}

static struct ctx *event_ctx;	/* drmHandleEvent's callback has no context pointer */

/*
 * --max-ts-age: an event's timestamp (CLOCK_MONOTONIC, the vblank the flip
 * landed on) cannot be after the event was read, should not be long
 * before it, and cannot go back.
 */
static void check_ts(struct ctx *c, struct pipe *p, double ts)
{
	struct pipe_stats *s = &p->st;
	double arrived = now_ms(), t = ts * 1000.0;
	const char *what = NULL;

	if (t > arrived)
		what = "after the event arrived";
	else if (arrived - t > (double)c->opt.max_ts_age_ms)
		what = "older than --max-ts-age";
	else if (s->have_last && ts < s->last_ts)
		what = "earlier than the previous event's";
	if (!what)
		return;
	if (s->ts_bad++ < 5)
		fprintf(stderr, PROG ": crtc %u event %u: timestamp %.3f ms %s (arrived %.3f ms, previous %.3f ms)\n",
			p->crtc_id, s->events, t, what, arrived, s->have_last ? s->last_ts * 1000.0 : 0.0);
}

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec,
		    unsigned int crtc_id, void *data)
{
	struct ctx *c = event_ctx;
	double ts = sec + usec / 1e6;

	(void)fd;
	(void)data;
	for (int i = 0; i < c->npipes; i++) {
		struct pipe *p = &c->pipe[i];
		struct pipe_stats *s = &p->st;

		if (p->crtc_id != crtc_id || !p->pending)
			continue;
		p->pending = 0;
		if (c->opt.max_ts_age_ms >= 0)
			check_ts(c, p, ts);
		if (s->have_last) {
			double ms = (ts - s->last_ts) * 1000.0;
			uint32_t d = seq - s->last_seq;

			s->events++;
			if (d == 0) {
				s->stalled++;
			} else if (d > 1) {
				/* The vblank this flip aimed at: one period after the last. */
				double after = c->commit_ms - s->last_ts * 1000.0;
				int late = after > period_ms(&p->mode) - 0.5;

				s->missed += d - 1;
				if (late)
					s->late += d - 1;
				fprintf(stderr, PROG ": crtc %u flip %u: %u vblank(s) missed (%.1f ms since the previous flip; its commit returned %.1f ms after the previous vblank%s)\n",
					crtc_id, s->events, d - 1, ms, after,
					late ? ": late" : ", in time");
			}
			if (!s->intervals || ms < s->min_ms)
				s->min_ms = ms;
			if (!s->intervals || ms > s->max_ms)
				s->max_ms = ms;
			s->sum_ms += ms;
			s->intervals++;
		} else {	/* the modeset's own event: the baseline */
			s->have_last = 1;
			s->first_seq = seq;
			s->first_ts = ts;
		}
		s->last_seq = seq;
		s->last_ts = ts;
		return;
	}
}

static int pending(const struct ctx *c)
{
	for (int i = 0; i < c->npipes; i++)
		if (c->pipe[i].pending)
			return 1;
	return 0;
}

static int wait_events(struct ctx *c, const char *what)
{
	drmEventContext ev = { .version = 3, .page_flip_handler2 = on_flip };
	double deadline = now_ms() + c->opt.event_timeout_ms;

	event_ctx = c;
	while (pending(c)) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		double left = deadline - now_ms();
		int r;

		if (stop_signal) {
			fprintf(stderr, PROG ": interrupted by signal %d while waiting for the %s event\n",
				(int)stop_signal, what);
			return -1;
		}
		if (left <= 0) {
			for (int i = 0; i < c->npipes; i++)
				if (c->pipe[i].pending)
					fprintf(stderr, PROG ": %s: no page-flip event for the %s on CRTC %u within %u ms\n",
						c->dev, what, c->pipe[i].crtc_id,
						c->opt.event_timeout_ms);
			return -1;
		}
		r = poll(&pfd, 1, (int)left + 1);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, PROG ": %s: poll failed: %s\n", c->dev, strerror(errno));
			return -1;
		}
		if (r > 0 && drmHandleEvent(c->fd, &ev)) {
			fprintf(stderr, PROG ": %s: reading DRM events failed: %s\n",
				c->dev, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* ---- modes of operation ---------------------------------------------------- */

static int hold(struct ctx *c)
{
	const struct options *o = &c->opt;

	if (o->hold_file) {
		size_t n = strlen(o->hold_file) + sizeof(".ready");
		char *ready = malloc(n), *done = malloc(n);
		int rc = -1;
		FILE *f;

		if (!ready || !done) {
			fprintf(stderr, PROG ": out of memory\n");
			goto out;
		}
		snprintf(ready, n, "%s.ready", o->hold_file);
		snprintf(done, n, "%s.done", o->hold_file);
		f = fopen(ready, "w");
		if (!f || fprintf(f, "%s %ux%u\n", c->dev, c->pipe[0].mode.hdisplay,
				  c->pipe[0].mode.vdisplay) < 0 || fclose(f)) {
			fprintf(stderr, PROG ": cannot create %s: %s\n", ready, strerror(errno));
			if (f)
				fclose(f);
			goto out;
		}
		for (unsigned int t = 0; ; t++) {
			if (access(done, F_OK) == 0) {
				rc = 0;
				break;
			}
			if (stop_signal) {
				fprintf(stderr, PROG ": interrupted by signal %d while waiting for %s\n",
					(int)stop_signal, done);
				break;
			}
			if (t >= o->hold_timeout * 10u) {
				fprintf(stderr, PROG ": %s did not appear within %u s (--hold-timeout)\n",
					done, o->hold_timeout);
				break;
			}
			usleep(100000);
		}
out:
		free(ready);
		free(done);
		return rc;
	}
	for (unsigned int t = 0; t < o->hold * 10u && !stop_signal; t++)
		usleep(100000);
	return 0;
}

static void print_summary(struct ctx *c, unsigned int frames)
{
	unsigned int events = 0, intervals = 0, stalled = 0;
	uint64_t missed = 0, late = 0;
	double min = 0, max = 0, sum = 0, hz_sum = 0;

	for (int i = 0; i < c->npipes; i++) {
		struct pipe_stats *s = &c->pipe[i].st;
		uint32_t dseq = s->last_seq - s->first_seq;
		double span = s->last_ts - s->first_ts, hz = 0;

		/* From the vblank counter if it advances: immune to missed frames. */
		if (dseq && span > 0)
			hz = dseq / span;
		else if (s->intervals && s->sum_ms > 0)
			hz = s->intervals * 1000.0 / s->sum_ms;
		hz_sum += hz;
		if (s->intervals) {
			if (!intervals || s->min_ms < min)
				min = s->min_ms;
			if (!intervals || s->max_ms > max)
				max = s->max_ms;
		}
		events += s->events;
		intervals += s->intervals;
		missed += s->missed;
		late += s->late;
		stalled += s->stalled;
		sum += s->sum_ms;
		if (c->npipes > 1)
			printf(PROG ": pipe connector=%u crtc=%u frames=%u events=%u missed=%" PRIu64
			       " late=%" PRIu64 " interval_ms min=%.1f avg=%.1f max=%.1f hz=%.1f\n",
			       c->pipe[i].conn_id, c->pipe[i].crtc_id, frames, s->events, s->missed, s->late,
			       s->min_ms, s->intervals ? s->sum_ms / s->intervals : 0.0, s->max_ms, hz);
	}
	if (stalled)
		printf(PROG ": note: %u events repeated the previous vblank sequence number (driver without a vblank counter?); missed vblanks cannot be measured for them\n",
		       stalled);
	printf(PROG ": frames=%u events=%u missed=%" PRIu64 " late=%" PRIu64
	       " interval_ms min=%.1f avg=%.1f max=%.1f hz=%.1f\n",
	       frames, events, missed, late, min, intervals ? sum / intervals : 0.0, max,
	       c->npipes ? hz_sum / c->npipes : 0.0);
	fflush(stdout);
}

static int run(struct ctx *c)
{
	const struct options *o = &c->opt;
	unsigned int flipped = 0;
	int rc = 0;

	for (int i = 0; i < c->npipes; i++) {
		struct pipe *p = &c->pipe[i];

		if (drmModeCreatePropertyBlob(c->fd, &p->mode, sizeof(p->mode), &p->mode_blob)) {
			fprintf(stderr, PROG ": %s: cannot create the mode blob: %s\n",
				c->dev, strerror(errno));
			p->mode_blob = 0;
			return -1;
		}
		/* Buffer 0 shows frame 0, buffer 1 frame 1 (frame 0 again if still). */
		for (unsigned int b = 0; b < 2; b++)
			if (create_buffer(c, p, &p->buf[b]) ||
			    draw(c, p, &p->buf[b], o->pattern == FG_PATTERN_MOVING ? b : 0))
				return -1;
		printf(PROG ": %s: connector %u, CRTC %u, plane %u, %ux%u@%u, %s, pattern %s\n",
		       c->dev, p->conn_id, p->crtc_id, p->plane_id, p->mode.hdisplay,
		       p->mode.vdisplay, p->mode.vrefresh, fg_format_name(o->format),
		       fg_pattern_name(o->pattern));
	}
	fflush(stdout);

	if (commit(c, 0, 1, "modeset") || wait_events(c, "modeset"))
		return -1;
	if (o->once)
		return hold(c);

	for (unsigned int f = 1; f <= o->frames; f++) {
		int bi = (int)(f & 1);

		c->flip_no = f;
		if (stop_signal) {
			fprintf(stderr, PROG ": interrupted by signal %d after %u flips\n",
				(int)stop_signal, flipped);
			rc = -1;
			break;
		}
		if (o->pattern == FG_PATTERN_MOVING && f > 1)
			for (int i = 0; i < c->npipes; i++)
				if (draw(c, &c->pipe[i], &c->pipe[i].buf[bi], f))
					return -1;
		if (commit(c, bi, 0, "page flip")) {
			rc = -1;
			break;
		}
		char what[32];
		snprintf(what, sizeof(what), "flip %u", f);
		if (wait_events(c, what)) {
			rc = -1;
			break;
		}
		flipped++;
	}
	print_summary(c, flipped);

	uint64_t missed = 0, late = 0;
	for (int i = 0; i < c->npipes; i++) {
		missed += c->pipe[i].st.missed;
		late += c->pipe[i].st.late;
	}
	if (!rc && o->max_missed >= 0 && missed > (uint64_t)o->max_missed) {
		fprintf(stderr, PROG ": %s: %" PRIu64 " vblanks missed, more than --max-missed %ld\n",
			c->dev, missed, o->max_missed);
		rc = -1;
	}
	for (int i = 0; !rc && i < c->npipes; i++) {
		if (c->pipe[i].st.ts_bad) {
			fprintf(stderr, PROG ": %s: crtc %u: %u flip events with a bad timestamp (--max-ts-age %ld)\n",
				c->dev, c->pipe[i].crtc_id, c->pipe[i].st.ts_bad, o->max_ts_age_ms);
			rc = -1;
		}
	}
	if (!rc && o->max_missed_in_time >= 0 &&
	    missed - late > (uint64_t)o->max_missed_in_time) {
		fprintf(stderr, PROG ": %s: %" PRIu64 " vblanks missed by commits that were in time, more than --max-missed-in-time %ld\n",
			c->dev, missed - late, o->max_missed_in_time);
		rc = -1;
	}
	return rc;
}

static void cleanup(struct ctx *c)
{
	/*
	 * Leave nothing behind: removing the framebuffers turns the planes that
	 * show them off, and closing the fd gives the display back to fbcon.
	 * Buffers are zeroed when absent, so half-built pipes are fine here.
	 */
	for (int i = 0; i < c->npipes; i++) {
		struct pipe *p = &c->pipe[i];

		for (int b = 0; b < 2; b++)
			fg_kms_buffer_destroy(c->fd, &p->buf[b]);
		if (p->mode_blob)
			drmModeDestroyPropertyBlob(c->fd, p->mode_blob);
		p->mode_blob = 0;
	}
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int main(int argc, char **argv)
{
	static struct ctx c = { .fd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	r = parse_args(argc, argv, &c.opt);
	if (r)
		return r > 0 ? 0 : 2;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	c.fd = fg_kms_open(PROG, c.opt.device, 1, c.dev, sizeof(c.dev));
	if (c.fd < 0)
		return 1;
	if (drmSetClientCap(c.fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1)) {
		fprintf(stderr, PROG ": %s: driver refuses universal planes (DRM_CLIENT_CAP_UNIVERSAL_PLANES: %s)\n",
			c.dev, strerror(errno));
		cleanup(&c);
		return 1;
	}
	if (drmSetClientCap(c.fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		fprintf(stderr, PROG ": %s: driver does not support atomic modesetting (DRM_CLIENT_CAP_ATOMIC: %s)\n",
			c.dev, strerror(errno));
		cleanup(&c);
		return 1;
	}
	r = setup_pipes(&c) || run(&c);
	cleanup(&c);
	return r ? 1 : 0;
}
