// SPDX-License-Identifier: MIT
/*
 * scene: set up one known scene (scenes.h) on the first connected connector
 * with a single atomic commit, read the CRC of a frame displayed after the
 * commit from the CRTC's debugfs CRC interface (source "auto"), print
 *   scene NAME crc 0xXXXXXXXX frame F
 * and, with --then CMD, run CMD (e.g. a host screenshot request) while the
 * scene is still on screen. scene-check (host) verifies both.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kms-util.h"
#include "pattern.h"
#include "scenes.h"

#define PROG "scene"

static const uint32_t PL = DRM_MODE_OBJECT_PLANE, CR = DRM_MODE_OBJECT_CRTC;

struct ctx {
	int fd;
	char dev[64];
	uint32_t conn_id, crtc_id, crtc_index;
	drmModeModeInfo mode;
	uint32_t plane_id[FG_SCENE_PLANES];	/* 0 = the driver has none */
	struct fg_kms_buffer buf[FG_SCENE_PLANES];
	uint32_t mode_blob, gamma_blob;
	struct fg_scene scene;
	unsigned int crc_timeout;	/* seconds */
};

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " --list\n"
"       " PROG " [options] NAME\n"
"\n"
"Shows scene NAME on the first connected connector (its preferred mode) with\n"
"one atomic commit, reads the CRC of a frame shown after the commit from\n"
"/sys/kernel/debug/dri/N/crtc-I/crc (source auto) and prints\n"
"  " PROG " NAME crc 0xXXXXXXXX frame F\n"
"Exit status: 0 success, 1 failure (also when CMD fails), 2 usage.\n"
"\n"
"options:\n"
"  --list               print the scene names, one a line\n"
"  --device PATH        DRM device (default: first /dev/dri/cardN with a\n"
"                       connected connector)\n"
"  --then CMD           run the shell command CMD while the scene is still\n"
"                       shown (e.g. 'scripts/host-ctl screenshot 0 FILE')\n"
"  --crc-timeout SECS   longest wait for the CRC (default 30)\n"
"  --help               show this help\n");
}

/* ---- KMS objects ----------------------------------------------------------- */

static int find_pipe(struct ctx *c)
{
	struct fg_kms_output o;

	if (fg_kms_find_output(PROG, c->dev, c->fd, &o))
		return -1;
	c->conn_id = o.conn_id;
	c->crtc_id = o.crtc_id;
	c->crtc_index = o.crtc_index;
	c->mode = o.mode;
	return 0;
}

static int find_planes(struct ctx *c)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(c->fd);

	if (!pr) {
		fprintf(stderr, PROG ": %s: cannot list planes: %s\n", c->dev, strerror(errno));
		return -1;
	}
	for (uint32_t i = 0; i < pr->count_planes; i++) {
		drmModePlane *pl = drmModeGetPlane(c->fd, pr->planes[i]);
		uint64_t type;
		int which = -1;

		if (pl && (pl->possible_crtcs & (1u << c->crtc_index)) &&
		    fg_kms_prop(c->fd, pl->plane_id, PL, "type", &type)) {
			if (type == DRM_PLANE_TYPE_PRIMARY)
				which = FG_SCENE_PRIMARY;
			else if (type == DRM_PLANE_TYPE_CURSOR)
				which = FG_SCENE_CURSOR;
			else if (type == DRM_PLANE_TYPE_OVERLAY)
				which = FG_SCENE_OVERLAY;
		}
		if (which >= 0 && !c->plane_id[which])
			c->plane_id[which] = pl->plane_id;
		drmModeFreePlane(pl);
	}
	drmModeFreePlaneResources(pr);
	return 0;
}

/* Every plane the scene uses exists and can take its size. */
static int check_support(struct ctx *c)
{
	static const char *const what[FG_SCENE_PLANES] = { "primary", "cursor", "overlay" };
	const struct fg_scene *s = &c->scene;
	uint64_t cw = 0, ch = 0;

	for (int i = 0; i < FG_SCENE_PLANES; i++)
		if (s->plane[i].art != FG_ART_NONE && !c->plane_id[i]) {
			fprintf(stderr, PROG ": %s: scene %s needs a%s %s plane on CRTC %u and the driver offers none\n",
				c->dev, s->name, i == FG_SCENE_OVERLAY ? "n" : "", what[i], c->crtc_id);
			return -1;
		}
	if (s->plane[FG_SCENE_CURSOR].art != FG_ART_NONE &&
	    (drmGetCap(c->fd, DRM_CAP_CURSOR_WIDTH, &cw) || drmGetCap(c->fd, DRM_CAP_CURSOR_HEIGHT, &ch) ||
	     s->plane[FG_SCENE_CURSOR].buf_w > cw || s->plane[FG_SCENE_CURSOR].buf_h > ch)) {
		fprintf(stderr, PROG ": %s: scene %s needs a %ux%u cursor; the driver allows %llux%llu\n",
			c->dev, s->name, s->plane[FG_SCENE_CURSOR].buf_w,
			s->plane[FG_SCENE_CURSOR].buf_h, (unsigned long long)cw,
			(unsigned long long)ch);
		return -1;
	}
	return 0;
}

static int make_buffers(struct ctx *c)
{
	for (int i = 0; i < FG_SCENE_PLANES; i++) {
		const struct fg_scene_plane *p = &c->scene.plane[i];
		struct fg_kms_buffer *b = &c->buf[i];

		if (p->art == FG_ART_NONE)
			continue;
		if (fg_kms_buffer_create(PROG, c->dev, c->fd, p->buf_w, p->buf_h, p->fourcc,
					 fg_format_cpp(p->fourcc), b))
			return -1;
		if (fg_scene_fill(p, b->map, b->pitch)) {
			fprintf(stderr, PROG ": cannot draw plane %d of scene %s (out of memory?)\n",
				i, c->scene.name);
			return -1;
		}
	}
	return 0;
}

static int make_blobs(struct ctx *c)
{
	struct drm_color_lut lut[256];

	if (drmModeCreatePropertyBlob(c->fd, &c->mode, sizeof(c->mode), &c->mode_blob)) {
		fprintf(stderr, PROG ": %s: cannot create the mode blob: %s\n", c->dev, strerror(errno));
		c->mode_blob = 0;
		return -1;
	}
	if (!c->scene.gamma)
		return 0;
	for (unsigned int i = 0; i < 256; i++) {
		uint32_t v = fg_scene_gamma(i);

		/* 8-bit values widened by replication: v * 257, so v == (v * 257) >> 8. */
		lut[i] = (struct drm_color_lut){
			.red = (uint16_t)(((v >> 16) & 0xff) * 257),
			.green = (uint16_t)(((v >> 8) & 0xff) * 257),
			.blue = (uint16_t)((v & 0xff) * 257),
		};
	}
	if (drmModeCreatePropertyBlob(c->fd, lut, sizeof(lut), &c->gamma_blob)) {
		fprintf(stderr, PROG ": %s: cannot create the gamma LUT blob: %s\n", c->dev, strerror(errno));
		c->gamma_blob = 0;
		return -1;
	}
	return 0;
}

/* ---- the commit ------------------------------------------------------------ */

static int set(struct ctx *c, drmModeAtomicReq *req, uint32_t obj, uint32_t type,
	       const char *name, uint64_t value)
{
	return fg_kms_atomic_set(PROG, c->dev, c->fd, req, obj, type, name, value);
}

/* A property the scene needs only when it differs from the default. */
static int set_opt(struct ctx *c, drmModeAtomicReq *req, uint32_t obj, const char *name,
		   uint64_t value, uint64_t dflt)
{
	if (!fg_kms_prop(c->fd, obj, PL, name, NULL) && value == dflt)
		return 0;
	return set(c, req, obj, PL, name, value);
}

static int add_plane(struct ctx *c, drmModeAtomicReq *req, int i)
{
	const struct fg_scene_plane *p = &c->scene.plane[i];
	uint32_t id = c->plane_id[i];
	uint64_t blend = 0;

	if (!id)
		return 0;
	if (p->art == FG_ART_NONE)
		return set(c, req, id, PL, "FB_ID", 0) || set(c, req, id, PL, "CRTC_ID", 0);
	if (p->blend != FG_BLEND_PREMULTI &&
	    fg_kms_prop_enum(c->fd, id, PL, "pixel blend mode", fg_scene_blend_name(p->blend), &blend)) {
		fprintf(stderr, PROG ": %s: plane %u has no pixel blend mode '%s', which scene %s needs\n",
			c->dev, id, fg_scene_blend_name(p->blend), c->scene.name);
		return -1;
	}
	if (p->blend == FG_BLEND_PREMULTI && fg_kms_prop(c->fd, id, PL, "pixel blend mode", NULL) &&
	    fg_kms_prop_enum(c->fd, id, PL, "pixel blend mode", "Pre-multiplied", &blend)) {
		fprintf(stderr, PROG ": %s: plane %u lacks the 'Pre-multiplied' blend mode\n", c->dev, id);
		return -1;
	}
	return set(c, req, id, PL, "FB_ID", c->buf[i].fb_id) ||
	       set(c, req, id, PL, "CRTC_ID", c->crtc_id) ||
	       set(c, req, id, PL, "SRC_X", (uint64_t)p->src_x << 16) ||
	       set(c, req, id, PL, "SRC_Y", (uint64_t)p->src_y << 16) ||
	       set(c, req, id, PL, "SRC_W", (uint64_t)p->src_w << 16) ||
	       set(c, req, id, PL, "SRC_H", (uint64_t)p->src_h << 16) ||
	       set(c, req, id, PL, "CRTC_X", (uint64_t)(int64_t)p->x) ||
	       set(c, req, id, PL, "CRTC_Y", (uint64_t)(int64_t)p->y) ||
	       set(c, req, id, PL, "CRTC_W", p->src_w) ||
	       set(c, req, id, PL, "CRTC_H", p->src_h) ||
	       set_opt(c, req, id, "alpha", p->alpha, 0xffff) ||
	       (fg_kms_prop(c->fd, id, PL, "pixel blend mode", NULL) &&
		set(c, req, id, PL, "pixel blend mode", blend)) ||
	       set_opt(c, req, id, "zpos", p->zpos, UINT64_MAX) ? -1 : 0;
}

static volatile unsigned int flip_seq, flip_done;

static void on_flip(int fd, unsigned int seq, unsigned int sec, unsigned int usec,
		    unsigned int crtc_id, void *data)
{
	(void)fd, (void)sec, (void)usec, (void)crtc_id, (void)data;
	flip_seq = seq;
	flip_done = 1;
}

/* Commit the scene, wait for its flip event; *seq = the vblank it latched at. */
static int commit(struct ctx *c, uint32_t *seq)
{
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	drmEventContext ev = { .version = 3, .page_flip_handler2 = on_flip };
	int err;

	if (!req) {
		fprintf(stderr, PROG ": out of memory building the atomic request\n");
		return -1;
	}
	err = set(c, req, c->conn_id, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", c->crtc_id) ||
	      set(c, req, c->crtc_id, CR, "ACTIVE", 1) ||
	      set(c, req, c->crtc_id, CR, "MODE_ID", c->mode_blob);
	/* Without gamma, reset any LUT a previous client left (if the CRTC has one). */
	if (!err && (c->gamma_blob || fg_kms_prop(c->fd, c->crtc_id, CR, "GAMMA_LUT", NULL)))
		err = set(c, req, c->crtc_id, CR, "GAMMA_LUT", c->gamma_blob);
	for (int i = 0; i < FG_SCENE_PLANES && !err; i++)
		err = add_plane(c, req, i);
	if (!err && drmModeAtomicCommit(c->fd, req, DRM_MODE_ATOMIC_ALLOW_MODESET |
					DRM_MODE_PAGE_FLIP_EVENT, NULL)) {
		fprintf(stderr, PROG ": %s: the atomic commit of scene %s on CRTC %u (%ux%u) failed: %s\n",
			c->dev, c->scene.name, c->crtc_id, c->mode.hdisplay, c->mode.vdisplay,
			strerror(errno));
		err = 1;
	}
	drmModeAtomicFree(req);
	if (err)
		return -1;
	while (!flip_done) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int r = poll(&pfd, 1, 10000);

		if (r == 0) {
			fprintf(stderr, PROG ": %s: no page-flip event for scene %s within 10 s\n",
				c->dev, c->scene.name);
			return -1;
		}
		if ((r < 0 && errno != EINTR) || (r > 0 && drmHandleEvent(c->fd, &ev))) {
			fprintf(stderr, PROG ": %s: waiting for the flip event failed: %s\n",
				c->dev, strerror(errno));
			return -1;
		}
	}
	*seq = flip_seq;
	return 0;
}

/* ---- CRC ------------------------------------------------------------------- */

/*
 * Read "0xFFFFFFFF 0xCCCCCCCC" lines from the debugfs CRC data file until one
 * belongs to a frame after `after`. The frame numbers are the DRM vblank
 * sequence, the same counter as the flip event's.
 */
static int read_crc(struct ctx *c, uint32_t after, uint32_t *crc, uint32_t *frame)
{
	struct stat st;
	char dir[128], path[160];
	int fd, rc = -1;
	time_t deadline;

	if (fstat(c->fd, &st) || !S_ISCHR(st.st_mode)) {
		fprintf(stderr, PROG ": %s: not a character device\n", c->dev);
		return -1;
	}
	snprintf(dir, sizeof(dir), "/sys/kernel/debug/dri/%u/crtc-%u/crc",
		 minor(st.st_rdev), c->crtc_index);
	snprintf(path, sizeof(path), "%s/control", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "auto", 4) != 4) {
		fprintf(stderr, PROG ": cannot select CRC source 'auto' in %s: %s (debugfs mounted? driver with CRC support?)\n",
			path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s/data", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, PROG ": cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	deadline = time(NULL) + c->crc_timeout;
	while (rc) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char line[64];
		unsigned int f, v;
		int n = 0;
		ssize_t got;

		if (time(NULL) > deadline) {
			fprintf(stderr, PROG ": %s: no CRC of a frame after vblank %u within %u s (--crc-timeout)\n",
				path, after, c->crc_timeout);
			break;
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		got = read(fd, line, sizeof(line) - 1);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got <= 0) {
			fprintf(stderr, PROG ": reading %s failed: %s\n", path,
				got ? strerror(errno) : "end of file");
			break;
		}
		line[got] = '\0';
		/* The kernel hands out whole lines, with a NUL after the newline. */
		if (sscanf(line, "0x%8x 0x%8x%n", &f, &v, &n) != 2 || n != 21 ||
		    (got != 22 && got != 23) || line[21] != '\n' || (got == 23 && line[22])) {
			fprintf(stderr, PROG ": %s: unexpected line '%.*s' (want '0xFFFFFFFF 0xCCCCCCCC': frame and one CRC)\n",
				path, (int)strcspn(line, "\n"), line);
			break;
		}
		if ((int32_t)(f - after) > 0) {
			*crc = v;
			*frame = f;
			rc = 0;
		}
	}
	close(fd);	/* stops the CRC source */
	return rc;
}

/* ---- main ------------------------------------------------------------------ */

static void cleanup(struct ctx *c)
{
	for (int i = 0; i < FG_SCENE_PLANES; i++)
		fg_kms_buffer_destroy(c->fd, &c->buf[i]);
	if (c->mode_blob)
		drmModeDestroyPropertyBlob(c->fd, c->mode_blob);
	if (c->gamma_blob)
		drmModeDestroyPropertyBlob(c->fd, c->gamma_blob);
	close(c->fd);
}

static int run_then(const char *cmd)
{
	int st;

	fflush(stdout);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, PROG ": --then command failed (%s): %s\n",
			st == -1 ? "cannot run a shell" : "non-zero status", cmd);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_LIST = 256, O_DEVICE, O_THEN, O_CRCTIMEOUT, O_HELP };
	static const struct option lo[] = {
		{ "list", no_argument, NULL, O_LIST },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "then", required_argument, NULL, O_THEN },
		{ "crc-timeout", required_argument, NULL, O_CRCTIMEOUT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	static struct ctx c = { .fd = -1, .crc_timeout = 30 };
	const char *device = NULL, *then = NULL;
	uint32_t seq, crc, frame;
	int opt, idx, rc;
	char *end;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (opt) {
		case O_LIST:
			for (unsigned int i = 0; i < fg_scene_count(); i++)
				printf("%s\n", fg_scene_name(i));
			return 0;
		case O_DEVICE:
			device = optarg;
			break;
		case O_THEN:
			then = optarg;
			break;
		case O_CRCTIMEOUT: {
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);

			if (errno || end == optarg || *end || optarg[0] == '-' || !v || v > 3600) {
				fprintf(stderr, PROG ": invalid --crc-timeout '%s': expected 1..3600 seconds\n",
					optarg);
				return 2;
			}
			c.crc_timeout = (unsigned int)v;
			break;
		}
		case O_HELP:
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, PROG ": bad option %s: the options are --list, --device PATH, --then CMD, --crc-timeout SECS, --help\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, PROG ": expected one scene NAME after the options (scene --list names them)\n");
		return 2;
	}
	idx = fg_scene_lookup(argv[optind]);
	if (idx < 0) {
		fprintf(stderr, PROG ": unknown scene '%s' (see --list)\n", argv[optind]);
		return 2;
	}

	c.fd = fg_kms_open(PROG, device, 1, c.dev, sizeof(c.dev));
	if (c.fd < 0)
		return 1;
	if (drmSetClientCap(c.fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(c.fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		fprintf(stderr, PROG ": %s: driver does not support atomic modesetting: %s\n",
			c.dev, strerror(errno));
		close(c.fd);
		return 1;
	}
	rc = find_pipe(&c) || find_planes(&c);
	if (!rc && (c.mode.hdisplay < 640 || c.mode.vdisplay < 480)) {
		fprintf(stderr, PROG ": %s: preferred mode %ux%u is smaller than the 640x480 the scenes need\n",
			c.dev, c.mode.hdisplay, c.mode.vdisplay);
		rc = 1;
	}
	if (!rc) {
		fg_scene_get((unsigned int)idx, c.mode.hdisplay, c.mode.vdisplay, &c.scene);
		rc = check_support(&c) || make_buffers(&c) || make_blobs(&c) ||
		     commit(&c, &seq) || read_crc(&c, seq, &crc, &frame);
	}
	if (!rc) {
		printf(PROG " %s crc 0x%08x frame %u\n", c.scene.name, crc, frame);
		if (then)
			rc = run_then(then);
	}
	cleanup(&c);
	return rc ? 1 : 0;
}
