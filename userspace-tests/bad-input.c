// SPDX-License-Identifier: MIT
/*
 * bad-input: feeds a KMS driver requests that every correct driver must
 * refuse (dumb buffers of impossible sizes, framebuffers that do not fit
 * their buffer, atomic states that make no sense) and checks that each is
 * refused with an errno rather than accepted or crashing the machine. Then
 * checks that the driver still works: a normal dumb buffer can be created,
 * mapped and destroyed, and a valid atomic state still passes TEST_ONLY.
 *
 * Only generic rules are tested (the ones the DRM core or the standard GEM
 * framebuffer helpers enforce), so the same list passes on bochs, and must
 * pass on fakegpu. Atomic checks use TEST_ONLY: nothing reaches the screen
 * even if a driver wrongly accepts a request.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <drm.h>
#include <drm_fourcc.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kms-util.h"

#define PROG "bad-input"
#define BOGUS_ID 0x7ffffff0u	/* no KMS object or GEM handle has this id */

static int passed, failed, skipped;

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "?";
}

static void ok(const char *what, int err)
{
	printf("ok - %s (errno=%s)\n", what, errname(err));
	passed++;
}

static void okplain(const char *what)
{
	printf("ok - %s\n", what);
	passed++;
}

static void notok(const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("not ok - %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	failed++;
}

static void skip(const char *what, const char *why)
{
	printf("skip - %s: %s\n", what, why);
	skipped++;
}

/* ---- dumb buffers ---------------------------------------------------------- */

static void dumb_refused(int fd, const char *what, uint32_t w, uint32_t h, uint32_t bpp)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = bpp };

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &c) == 0) {
		struct drm_mode_destroy_dumb d = { .handle = c.handle };

		drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d);
		notok(what, "accepted (handle %u, pitch %u, size %llu); it must be refused",
		      c.handle, c.pitch, (unsigned long long)c.size);
		return;
	}
	ok(what, errno);
}

struct dumb {
	uint32_t handle, pitch;
	uint64_t size;
};

static int dumb_create(int fd, uint32_t w, uint32_t h, uint32_t bpp, struct dumb *d)
{
	if (drmModeCreateDumbBuffer(fd, w, h, bpp, 0, &d->handle, &d->pitch, &d->size)) {
		d->handle = 0;
		return -1;
	}
	return 0;
}

static void dumb_destroy(int fd, struct dumb *d)
{
	if (d->handle)
		drmModeDestroyDumbBuffer(fd, d->handle);
	d->handle = 0;
}

static void test_dumb(int fd)
{
	struct drm_mode_map_dumb m = { .handle = BOGUS_ID };
	struct drm_mode_destroy_dumb d = { .handle = BOGUS_ID };
	struct dumb b;

	dumb_refused(fd, "CREATE_DUMB 0x0x32", 0, 0, 32);
	dumb_refused(fd, "CREATE_DUMB width 0", 0, 64, 32);
	dumb_refused(fd, "CREATE_DUMB height 0", 64, 0, 32);
	dumb_refused(fd, "CREATE_DUMB bpp 0", 64, 64, 0);
	dumb_refused(fd, "CREATE_DUMB bpp 0xffffffff", 64, 64, 0xffffffffu);
	dumb_refused(fd, "CREATE_DUMB 65536x65536x32 (16 GiB)", 65536, 65536, 32);
	dumb_refused(fd, "CREATE_DUMB 0xffffffff x 0xffffffff x 32", 0xffffffffu, 0xffffffffu, 32);
	/* pitch 0x40000 * height 0x4000 = 2^32: wraps to 0 in 32 bits. */
	dumb_refused(fd, "CREATE_DUMB pitch*height == 2^32 (32-bit wrap)", 0x10000, 0x4000, 32);
	/* width * cpp = 2^32 + 4: the pitch itself wraps in 32 bits. */
	dumb_refused(fd, "CREATE_DUMB pitch overflows 32 bits", 0x40000001, 1, 32);
	/* cpp 2^29 * width 2^32 * height 2^32 overflows even 64 bits. */
	dumb_refused(fd, "CREATE_DUMB pitch*height overflows 64 bits", 0xffffffffu, 0xffffffffu,
		     0xffffffffu);

	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &m) == 0)
		notok("MAP_DUMB of a nonexistent handle", "accepted (offset 0x%llx)",
		      (unsigned long long)m.offset);
	else
		ok("MAP_DUMB of a nonexistent handle", errno);
	if (drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d) == 0)
		notok("DESTROY_DUMB of a nonexistent handle", "accepted");
	else
		ok("DESTROY_DUMB of a nonexistent handle", errno);

	if (dumb_create(fd, 64, 64, 32, &b)) {
		skip("mmap beyond a dumb buffer", "cannot create a 64x64 dumb buffer");
		skip("DESTROY_DUMB twice", "cannot create a 64x64 dumb buffer");
		return;
	}
	uint64_t off;

	if (drmModeMapDumbBuffer(fd, b.handle, &off)) {
		notok("mmap beyond a dumb buffer", "MAP_DUMB of a valid buffer failed: %s",
		      strerror(errno));
	} else {
		size_t len = (size_t)b.size + 16 * 4096;
		void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

		if (p != MAP_FAILED) {
			munmap(p, len);
			notok("mmap beyond a dumb buffer", "a %zu-byte mapping of a %llu-byte buffer was allowed",
			      len, (unsigned long long)b.size);
		} else {
			ok("mmap beyond a dumb buffer", errno);
		}
	}
	uint32_t h = b.handle;

	dumb_destroy(fd, &b);
	d.handle = h;
	if (drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d) == 0)
		notok("DESTROY_DUMB twice", "the second destroy was accepted");
	else
		ok("DESTROY_DUMB twice", errno);
}

/* ---- framebuffers ---------------------------------------------------------- */

struct fb_req {
	uint32_t w, h, format, flags;
	uint32_t handles[4], pitches[4], offsets[4];
	uint64_t modifier[4];
};

static void fb_refused(int fd, const char *what, const struct fb_req *r)
{
	uint32_t id = 0;
	int rc;

	if (r->flags & DRM_MODE_FB_MODIFIERS)
		rc = drmModeAddFB2WithModifiers(fd, r->w, r->h, r->format, r->handles, r->pitches,
						r->offsets, r->modifier, &id, r->flags);
	else
		rc = drmModeAddFB2(fd, r->w, r->h, r->format, r->handles, r->pitches, r->offsets,
				   &id, r->flags);
	if (rc == 0) {
		drmModeRmFB(fd, id);
		notok(what, "accepted (fb %u); it must be refused", id);
		return;
	}
	ok(what, errno);
}

/* A format the DRM core knows but no plane of this device supports, or 0. */
static uint32_t unsupported_format(int fd)
{
	static const uint32_t cand[] = {
		DRM_FORMAT_XBGR2101010, DRM_FORMAT_RGBX1010102, DRM_FORMAT_BGRX1010102,
		DRM_FORMAT_XRGB2101010, DRM_FORMAT_BGRX8888, DRM_FORMAT_RGBX8888,
		DRM_FORMAT_XBGR8888,
	};
	drmModePlaneRes *pr = drmModeGetPlaneResources(fd);
	uint32_t found = 0;

	if (!pr)
		return 0;
	for (size_t c = 0; c < sizeof(cand) / sizeof(cand[0]) && !found; c++) {
		int used = 0;

		for (uint32_t i = 0; i < pr->count_planes && !used; i++) {
			drmModePlane *p = drmModeGetPlane(fd, pr->planes[i]);

			for (uint32_t k = 0; p && k < p->count_formats; k++)
				if (p->formats[k] == cand[c])
					used = 1;
			drmModeFreePlane(p);
		}
		if (!used)
			found = cand[c];
	}
	drmModeFreePlaneResources(pr);
	return found;
}

static void test_fb(int fd)
{
	struct dumb b;
	struct fb_req r, base;
	drmModeRes *res;

	if (dumb_create(fd, 64, 64, 32, &b)) {
		notok("framebuffer checks", "cannot create a 64x64x32 dumb buffer: %s", strerror(errno));
		return;
	}
	base = (struct fb_req){ .w = 64, .h = 64, .format = DRM_FORMAT_XRGB8888 };
	base.handles[0] = b.handle;
	base.pitches[0] = b.pitch;

	/* Positive control: the base request itself must work. */
	uint32_t id;

	if (drmModeAddFB2(fd, base.w, base.h, base.format, base.handles, base.pitches,
			  base.offsets, &id, 0)) {
		notok("ADDFB2 of a valid 64x64 XRGB8888 buffer", "refused: %s", strerror(errno));
	} else {
		okplain("ADDFB2 of a valid 64x64 XRGB8888 buffer (control)");
		drmModeRmFB(fd, id);
		if (drmModeRmFB(fd, id) == 0)
			notok("RMFB twice", "the second RMFB was accepted");
		else
			ok("RMFB twice", errno);
	}

	r = base;
	r.pitches[0] = 64 * 4 - 4;
	fb_refused(fd, "ADDFB2 pitch smaller than width * cpp", &r);
	r = base;
	r.pitches[0] = 0;
	fb_refused(fd, "ADDFB2 pitch 0", &r);
	r = base;
	r.offsets[0] = (uint32_t)b.size;
	fb_refused(fd, "ADDFB2 offset at the end of the buffer", &r);
	r = base;
	r.offsets[0] = b.pitch;		/* one line short */
	fb_refused(fd, "ADDFB2 offset leaves the last line outside the buffer", &r);
	r = base;
	r.h = 128;
	fb_refused(fd, "ADDFB2 height larger than the buffer", &r);
	r = base;
	r.pitches[0] = b.pitch * 2;
	fb_refused(fd, "ADDFB2 pitch larger than the buffer allows", &r);
	r = base;
	r.pitches[0] = 0x80000000u;
	fb_refused(fd, "ADDFB2 pitch * height overflows 32 bits", &r);
	r = base;
	r.offsets[0] = 0xfffff000u;
	fb_refused(fd, "ADDFB2 offset + size overflows 32 bits", &r);
	r = base;
	r.handles[0] = BOGUS_ID;
	fb_refused(fd, "ADDFB2 nonexistent handle", &r);
	r = base;
	r.handles[0] = 0;
	fb_refused(fd, "ADDFB2 handle 0", &r);
	r = base;
	r.w = 0;
	fb_refused(fd, "ADDFB2 width 0", &r);
	r = base;
	r.h = 0;
	fb_refused(fd, "ADDFB2 height 0", &r);
	r = base;
	r.format = fourcc_code('F', 'G', '?', '?');
	fb_refused(fd, "ADDFB2 unknown fourcc", &r);
	r = base;
	r.flags = 0x80000000u;
	fb_refused(fd, "ADDFB2 undefined flags", &r);
	r = base;
	r.flags = DRM_MODE_FB_MODIFIERS;
	r.modifier[0] = fourcc_mod_code(NONE, 0xfffffffffffffull);
	fb_refused(fd, "ADDFB2 unknown modifier", &r);

	uint32_t fmt = unsupported_format(fd);
	if (fmt) {
		char what[80], f4[5];

		r = base;
		r.format = fmt;
		snprintf(what, sizeof(what), "ADDFB2 format %s that no plane supports",
			 fg_fourcc_str(fmt, f4));
		fb_refused(fd, what, &r);
	} else {
		skip("ADDFB2 format that no plane supports", "every candidate format is supported");
	}

	res = drmModeGetResources(fd);
	if (res && res->max_width > 0 && res->max_width < 0x10000000) {
		r = base;
		r.w = res->max_width + 1;
		r.pitches[0] = r.w * 4;
		fb_refused(fd, "ADDFB2 width above the device's max_width", &r);
	} else {
		skip("ADDFB2 width above the device's max_width", "no usable max_width");
	}
	drmModeFreeResources(res);
	dumb_destroy(fd, &b);
}

/* ---- atomic ---------------------------------------------------------------- */

struct pipe {
	uint32_t conn, crtc, plane;
	drmModeModeInfo mode;
	uint64_t active_now;
	uint32_t p_conn_crtc, p_active, p_mode, p_fb, p_crtc, p_sx, p_sy, p_sw, p_sh,
		 p_cx, p_cy, p_cw, p_ch;
};

/* The state every atomic check starts from (valid), with one thing changed. */
struct astate {
	uint64_t conn_crtc, active, mode, fb, crtc, sx, sy, sw, sh, cx, cy, cw, ch;
	uint32_t extra_obj, extra_prop;	/* an extra property, if extra_obj */
	uint64_t extra_val;
	uint32_t flags;
};

static int atomic_commit(int fd, const struct pipe *p, const struct astate *s)
{
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	int rc = 0, e;

	if (!req) {
		errno = ENOMEM;
		return -2;
	}
	rc |= drmModeAtomicAddProperty(req, p->conn, p->p_conn_crtc, s->conn_crtc) < 0;
	rc |= drmModeAtomicAddProperty(req, p->crtc, p->p_active, s->active) < 0;
	rc |= drmModeAtomicAddProperty(req, p->crtc, p->p_mode, s->mode) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_fb, s->fb) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_crtc, s->crtc) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_sx, s->sx) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_sy, s->sy) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_sw, s->sw) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_sh, s->sh) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_cx, s->cx) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_cy, s->cy) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_cw, s->cw) < 0;
	rc |= drmModeAtomicAddProperty(req, p->plane, p->p_ch, s->ch) < 0;
	if (s->extra_obj)
		rc |= drmModeAtomicAddProperty(req, s->extra_obj, s->extra_prop, s->extra_val) < 0;
	if (rc) {
		drmModeAtomicFree(req);
		errno = ENOMEM;
		return -2;
	}
	rc = drmModeAtomicCommit(fd, req, s->flags, NULL);
	e = errno;
	drmModeAtomicFree(req);
	errno = e;
	return rc ? -1 : 0;
}

static void atomic_refused(int fd, const struct pipe *p, const char *what,
			   const struct astate *s)
{
	int rc = atomic_commit(fd, p, s);

	if (rc == 0)
		notok(what, "accepted by TEST_ONLY; it must be refused");
	else if (rc == -2)
		notok(what, "out of memory building the request");
	else
		ok(what, errno);
}

static int find_pipe(int fd, struct pipe *p, char *why, size_t len)
{
	drmModeRes *res = drmModeGetResources(fd);
	drmModeConnector *conn = NULL;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (!res) {
		snprintf(why, len, "no KMS resources");
		return -1;
	}
	for (int i = 0; i < res->count_connectors && !conn; i++) {
		conn = drmModeGetConnector(fd, res->connectors[i]);
		if (conn && (conn->connection != DRM_MODE_CONNECTED || !conn->count_modes)) {
			drmModeFreeConnector(conn);
			conn = NULL;
		}
	}
	if (!conn) {
		snprintf(why, len, "no connected connector");
		goto out;
	}
	p->conn = conn->connector_id;
	p->mode = fg_kms_preferred_mode(conn);

	int crtc_index = -1;
	for (int i = 0; i < conn->count_encoders && crtc_index < 0; i++) {
		drmModeEncoder *e = drmModeGetEncoder(fd, conn->encoders[i]);

		for (int k = 0; e && k < res->count_crtcs && crtc_index < 0; k++)
			if (e->possible_crtcs & (1u << k))
				crtc_index = k;
		drmModeFreeEncoder(e);
	}
	if (crtc_index < 0) {
		snprintf(why, len, "no CRTC for connector %u", p->conn);
		goto out;
	}
	p->crtc = res->crtcs[crtc_index];

	drmModePlaneRes *pr = drmModeGetPlaneResources(fd);
	for (uint32_t i = 0; pr && i < pr->count_planes && !p->plane; i++) {
		drmModePlane *pl = drmModeGetPlane(fd, pr->planes[i]);
		uint64_t type = 0;

		if (pl && (pl->possible_crtcs & (1u << crtc_index)) &&
		    fg_kms_prop(fd, pl->plane_id, DRM_MODE_OBJECT_PLANE, "type", &type) &&
		    type == DRM_PLANE_TYPE_PRIMARY)
			p->plane = pl->plane_id;
		drmModeFreePlane(pl);
	}
	drmModeFreePlaneResources(pr);
	if (!p->plane) {
		snprintf(why, len, "no primary plane for CRTC %u", p->crtc);
		goto out;
	}

	const uint32_t PL = DRM_MODE_OBJECT_PLANE;
	p->p_conn_crtc = fg_kms_prop(fd, p->conn, DRM_MODE_OBJECT_CONNECTOR, "CRTC_ID", NULL);
	p->p_active = fg_kms_prop(fd, p->crtc, DRM_MODE_OBJECT_CRTC, "ACTIVE", &p->active_now);
	p->p_mode = fg_kms_prop(fd, p->crtc, DRM_MODE_OBJECT_CRTC, "MODE_ID", NULL);
	p->p_fb = fg_kms_prop(fd, p->plane, PL, "FB_ID", NULL);
	p->p_crtc = fg_kms_prop(fd, p->plane, PL, "CRTC_ID", NULL);
	p->p_sx = fg_kms_prop(fd, p->plane, PL, "SRC_X", NULL);
	p->p_sy = fg_kms_prop(fd, p->plane, PL, "SRC_Y", NULL);
	p->p_sw = fg_kms_prop(fd, p->plane, PL, "SRC_W", NULL);
	p->p_sh = fg_kms_prop(fd, p->plane, PL, "SRC_H", NULL);
	p->p_cx = fg_kms_prop(fd, p->plane, PL, "CRTC_X", NULL);
	p->p_cy = fg_kms_prop(fd, p->plane, PL, "CRTC_Y", NULL);
	p->p_cw = fg_kms_prop(fd, p->plane, PL, "CRTC_W", NULL);
	p->p_ch = fg_kms_prop(fd, p->plane, PL, "CRTC_H", NULL);
	if (!p->p_conn_crtc || !p->p_active || !p->p_mode || !p->p_fb || !p->p_crtc ||
	    !p->p_sx || !p->p_sy || !p->p_sw || !p->p_sh || !p->p_cx || !p->p_cy ||
	    !p->p_cw || !p->p_ch) {
		snprintf(why, len, "missing atomic properties");
		goto out;
	}
	rc = 0;
out:
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	return rc;
}

static void test_atomic(int fd, int *baseline_ok, struct pipe *pp, uint32_t *fb_out,
			struct dumb *buf, uint32_t *blob_out)
{
	char why[96];
	struct pipe *p = pp;
	struct astate base, s;
	uint32_t w, h, blob = 0, bad_blob = 0, zero_blob = 0, fb = 0;
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };

	*baseline_ok = 0;
	if (drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1) ||
	    drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1)) {
		skip("atomic checks", "the driver does not offer atomic modesetting");
		return;
	}
	if (find_pipe(fd, p, why, sizeof(why))) {
		skip("atomic checks", why);
		return;
	}
	w = p->mode.hdisplay;
	h = p->mode.vdisplay;
	if (dumb_create(fd, w, h, 32, buf)) {
		notok("atomic checks", "cannot create a %ux%u dumb buffer: %s", w, h, strerror(errno));
		return;
	}
	handles[0] = buf->handle;
	pitches[0] = buf->pitch;
	if (drmModeAddFB2(fd, w, h, DRM_FORMAT_XRGB8888, handles, pitches, offsets, &fb, 0)) {
		notok("atomic checks", "cannot create a %ux%u XRGB8888 framebuffer: %s", w, h,
		      strerror(errno));
		return;
	}
	*fb_out = fb;
	if (drmModeCreatePropertyBlob(fd, &p->mode, sizeof(p->mode), &blob)) {
		notok("atomic checks", "cannot create a mode blob: %s", strerror(errno));
		return;
	}
	*blob_out = blob;

	base = (struct astate){
		.conn_crtc = p->crtc, .active = 1, .mode = blob, .fb = fb, .crtc = p->crtc,
		.sw = (uint64_t)w << 16, .sh = (uint64_t)h << 16, .cw = w, .ch = h,
		.flags = DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_ATOMIC_ALLOW_MODESET,
	};
	if (atomic_commit(fd, p, &base)) {
		int e = errno;

		notok("atomic TEST_ONLY of a valid state (control)", "refused: %s%s", strerror(e),
		      e == EACCES ? " (not DRM master: is a display server running?)" : "");
		return;
	}
	okplain("atomic TEST_ONLY of a valid state (control)");
	*baseline_ok = 1;

	s = base;
	s.fb = BOGUS_ID;
	atomic_refused(fd, p, "atomic plane FB_ID nonexistent", &s);
	s = base;
	s.fb = 0;
	atomic_refused(fd, p, "atomic plane with CRTC but no FB", &s);
	s = base;
	s.crtc = 0;
	atomic_refused(fd, p, "atomic plane with FB but no CRTC", &s);
	s = base;
	s.sw = (uint64_t)(w + 1) << 16;
	atomic_refused(fd, p, "atomic SRC_W larger than the FB", &s);
	s = base;
	s.sh = (uint64_t)(h + 1) << 16;
	atomic_refused(fd, p, "atomic SRC_H larger than the FB", &s);
	s = base;
	s.sx = 1 << 16;
	atomic_refused(fd, p, "atomic source rectangle past the FB's right edge", &s);
	s = base;
	s.sy = (uint64_t)h << 16;
	atomic_refused(fd, p, "atomic source rectangle below the FB", &s);
	s = base;
	s.cx = INT32_MAX;
	atomic_refused(fd, p, "atomic CRTC_X + CRTC_W overflows int", &s);
	s = base;
	s.mode = BOGUS_ID;
	atomic_refused(fd, p, "atomic MODE_ID nonexistent blob", &s);

	static const uint8_t junk[10] = { 1, 2, 3 };
	if (drmModeCreatePropertyBlob(fd, junk, sizeof(junk), &bad_blob) == 0) {
		s = base;
		s.mode = bad_blob;
		atomic_refused(fd, p, "atomic MODE_ID blob of the wrong size", &s);
		drmModeDestroyPropertyBlob(fd, bad_blob);
	} else {
		skip("atomic MODE_ID blob of the wrong size", "cannot create a blob");
	}

	drmModeModeInfo zero = p->mode;
	zero.hdisplay = 0;
	zero.clock = 0;
	if (drmModeCreatePropertyBlob(fd, &zero, sizeof(zero), &zero_blob) == 0) {
		s = base;
		s.mode = zero_blob;
		atomic_refused(fd, p, "atomic MODE_ID with hdisplay 0 and clock 0", &s);
		drmModeDestroyPropertyBlob(fd, zero_blob);
	} else {
		skip("atomic MODE_ID with hdisplay 0 and clock 0", "cannot create a blob");
	}

	s = base;
	s.conn_crtc = BOGUS_ID;
	atomic_refused(fd, p, "atomic connector CRTC_ID nonexistent", &s);
	s = base;
	s.crtc = BOGUS_ID;
	atomic_refused(fd, p, "atomic plane CRTC_ID nonexistent", &s);
	s = base;
	s.extra_obj = BOGUS_ID;
	s.extra_prop = p->p_fb;
	s.extra_val = fb;
	atomic_refused(fd, p, "atomic nonexistent object", &s);
	s = base;
	s.extra_obj = p->plane;
	s.extra_prop = BOGUS_ID;
	s.extra_val = 0;
	atomic_refused(fd, p, "atomic nonexistent property", &s);
	s = base;
	s.extra_obj = p->plane;
	s.extra_prop = p->p_active;	/* a CRTC property on a plane */
	s.extra_val = 1;
	atomic_refused(fd, p, "atomic CRTC property on a plane", &s);
	s = base;
	s.flags |= 0x80000000u;
	atomic_refused(fd, p, "atomic undefined flags", &s);
	s = base;
	s.flags |= DRM_MODE_PAGE_FLIP_EVENT;
	atomic_refused(fd, p, "atomic TEST_ONLY with PAGE_FLIP_EVENT", &s);
	if (p->active_now) {
		s = base;
		s.active = 0;
		s.flags &= ~DRM_MODE_ATOMIC_ALLOW_MODESET;
		atomic_refused(fd, p, "atomic CRTC off without ALLOW_MODESET", &s);
	} else {
		skip("atomic CRTC off without ALLOW_MODESET", "the CRTC is off already");
	}
}

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"usage: " PROG " [--device PATH] [--help]\n"
"\n"
"Sends requests every correct KMS driver must refuse (dumb buffers of\n"
"impossible sizes, bad framebuffers, nonsensical atomic states, all atomic\n"
"ones as TEST_ONLY) and checks that each fails with an errno. Then checks that\n"
"normal requests still work. Prints 'ok - ...' / 'not ok - ...' per check and\n"
"'" PROG ": N passed, M failed, K skipped'. Exit status: 0 if nothing failed,\n"
"1 if a check failed or no device could be opened, 2 on bad usage.\n"
"Atomic checks need DRM master: run it with no display server on the device.\n"
"\n"
"options:\n"
"  --device PATH   DRM device (default: the first /dev/dri/cardN with KMS)\n"
"  --help          show this help\n");
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *device = NULL;
	char dev[64];
	int c, fd, baseline_ok = 0;
	struct pipe pipe;
	struct dumb abuf = { 0 }, b;
	uint32_t afb = 0, ablob = 0;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			device = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			fprintf(stderr, PROG ": unknown option or missing value: %s (see --help)\n",
				argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	fd = fg_kms_open(PROG, device, 0, dev, sizeof(dev));
	if (fd < 0)
		return 1;
	printf("# %s: bad-input checks\n", dev);
	fflush(stdout);

	test_dumb(fd);
	test_fb(fd);
	test_atomic(fd, &baseline_ok, &pipe, &afb, &abuf, &ablob);

	/* The driver must still work after all of that. */
	if (dumb_create(fd, 256, 256, 32, &b)) {
		notok("a normal dumb buffer still works", "CREATE_DUMB 256x256x32 failed: %s",
		      strerror(errno));
	} else {
		uint64_t off;
		void *m = MAP_FAILED;

		if (drmModeMapDumbBuffer(fd, b.handle, &off) == 0)
			m = mmap(NULL, b.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
		if (m == MAP_FAILED) {
			notok("a normal dumb buffer still works", "mapping it failed: %s",
			      strerror(errno));
		} else {
			memset(m, 0x5a, b.size);
			munmap(m, b.size);
			struct drm_mode_destroy_dumb d = { .handle = b.handle };

			if (drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &d))
				notok("a normal dumb buffer still works", "destroying it failed: %s",
				      strerror(errno));
			else
				okplain("a normal dumb buffer can still be created, mapped, written and destroyed");
			b.handle = 0;
		}
		dumb_destroy(fd, &b);
	}
	if (baseline_ok) {
		struct astate s = {
			.conn_crtc = pipe.crtc, .active = 1, .mode = ablob, .fb = afb,
			.crtc = pipe.crtc, .sw = (uint64_t)pipe.mode.hdisplay << 16,
			.sh = (uint64_t)pipe.mode.vdisplay << 16, .cw = pipe.mode.hdisplay,
			.ch = pipe.mode.vdisplay,
			.flags = DRM_MODE_ATOMIC_TEST_ONLY | DRM_MODE_ATOMIC_ALLOW_MODESET,
		};

		if (atomic_commit(fd, &pipe, &s))
			notok("a valid atomic state still passes TEST_ONLY", "refused: %s",
			      strerror(errno));
		else
			okplain("a valid atomic state still passes TEST_ONLY");
	}

	if (afb)
		drmModeRmFB(fd, afb);
	if (ablob)
		drmModeDestroyPropertyBlob(fd, ablob);
	dumb_destroy(fd, &abuf);
	close(fd);
	printf(PROG ": %d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
