// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "kms-util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>
#include <xf86drmMode.h>

#define MAX_CARDS 64

/* 1: has KMS and (if asked) a connected connector; 0: not usable. */
static int usable(int fd, int need_connected, char *why, size_t why_len)
{
	drmModeRes *res = drmModeGetResources(fd);
	int ok = 0;

	if (!res) {
		snprintf(why, why_len, "no KMS resources (%s)", strerror(errno));
		return 0;
	}
	if (!need_connected) {
		drmModeFreeResources(res);
		return 1;
	}
	for (int i = 0; i < res->count_connectors && !ok; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);

		if (c && c->connection == DRM_MODE_CONNECTED && c->count_modes > 0)
			ok = 1;
		drmModeFreeConnector(c);
	}
	if (!ok)
		snprintf(why, why_len, "no connected connector with modes (%d connectors)",
			 res->count_connectors);
	drmModeFreeResources(res);
	return ok;
}

int fg_kms_open(const char *prog, const char *path, int need_connected,
		char *out_path, size_t out_len)
{
	char why[160];
	int fd;

	if (path) {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "%s: cannot open %s: %s (check --device and that you may access it)\n",
				prog, path, strerror(errno));
			return -1;
		}
		if (!usable(fd, need_connected, why, sizeof(why))) {
			fprintf(stderr, "%s: %s: %s; pass a KMS device%s\n",
				prog, path, why, need_connected ? " with a display attached" : "");
			close(fd);
			return -1;
		}
		snprintf(out_path, out_len, "%s", path);
		return fd;
	}

	char tried[512] = "";
	size_t used = 0;
	int seen = 0;

	for (int n = 0; n < MAX_CARDS; n++) {
		char p[32];

		snprintf(p, sizeof(p), "/dev/dri/card%d", n);
		fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			if (errno == ENOENT)
				continue;
			snprintf(why, sizeof(why), "%s", strerror(errno));
		} else if (usable(fd, need_connected, why, sizeof(why))) {
			snprintf(out_path, out_len, "%s", p);
			return fd;
		} else {
			close(fd);
		}
		seen++;
		if (used < sizeof(tried)) {
			int k = snprintf(tried + used, sizeof(tried) - used, "%s%s: %s",
					 used ? "; " : "", p, why);
			if (k > 0)
				used += (size_t)k;
		}
	}
	if (!seen)
		fprintf(stderr, "%s: no DRM device found (/dev/dri/card* does not exist); load a KMS driver or pass --device PATH\n",
			prog);
	else
		fprintf(stderr, "%s: no usable KMS device%s under /dev/dri (%s); load a KMS driver, attach a display or pass --device PATH\n",
			prog, need_connected ? " with a connected connector" : "", tried);
	return -1;
}

uint32_t fg_kms_prop(int fd, uint32_t obj_id, uint32_t obj_type,
		     const char *name, uint64_t *value)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, obj_id, obj_type);
	uint32_t id = 0;

	if (!props)
		return 0;
	for (uint32_t i = 0; i < props->count_props && !id; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);

		if (p && strcmp(p->name, name) == 0) {
			id = p->prop_id;
			if (value)
				*value = props->prop_values[i];
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return id;
}

int fg_kms_prop_enum(int fd, uint32_t obj_id, uint32_t obj_type,
		     const char *name, const char *entry, uint64_t *value)
{
	uint32_t id = fg_kms_prop(fd, obj_id, obj_type, name, NULL);
	drmModePropertyRes *p = id ? drmModeGetProperty(fd, id) : NULL;
	int rc = -1;

	for (int i = 0; p && i < p->count_enums && rc; i++)
		if (strcmp(p->enums[i].name, entry) == 0) {
			*value = p->enums[i].value;
			rc = 0;
		}
	drmModeFreeProperty(p);
	return rc;
}

int fg_kms_atomic_set(const char *prog, const char *dev, int fd,
		      drmModeAtomicReq *req, uint32_t obj_id, uint32_t obj_type,
		      const char *name, uint64_t value)
{
	uint32_t id = fg_kms_prop(fd, obj_id, obj_type, name, NULL);

	if (!id) {
		fprintf(stderr, "%s: %s: KMS object %u has no '%s' property; is this an atomic driver with that feature?\n",
			prog, dev, obj_id, name);
		return -1;
	}
	if (drmModeAtomicAddProperty(req, obj_id, id, value) < 0) {
		fprintf(stderr, "%s: out of memory building an atomic request\n", prog);
		return -1;
	}
	return 0;
}

int fg_kms_buffer_create(const char *prog, const char *dev, int fd, uint32_t w,
			 uint32_t h, uint32_t fourcc, unsigned int cpp,
			 struct fg_kms_buffer *b)
{
	uint32_t handles[4] = { 0 }, pitches[4] = { 0 }, offsets[4] = { 0 };
	uint64_t off;
	void *map;
	char f4[5];

	if (drmModeCreateDumbBuffer(fd, w, h, cpp * 8, 0, &b->handle, &b->pitch, &b->size)) {
		fprintf(stderr, "%s: %s: cannot allocate a %ux%u %u-bpp dumb buffer: %s\n",
			prog, dev, w, h, cpp * 8, strerror(errno));
		b->handle = 0;
		return -1;
	}
	if (drmModeMapDumbBuffer(fd, b->handle, &off)) {
		fprintf(stderr, "%s: %s: cannot prepare dumb buffer %u for mmap: %s\n",
			prog, dev, b->handle, strerror(errno));
		return -1;
	}
	map = mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
	if (map == MAP_FAILED) {
		fprintf(stderr, "%s: %s: cannot mmap dumb buffer %u (%" PRIu64 " bytes): %s\n",
			prog, dev, b->handle, b->size, strerror(errno));
		return -1;
	}
	b->map = map;
	handles[0] = b->handle;
	pitches[0] = b->pitch;
	if (drmModeAddFB2(fd, w, h, fourcc, handles, pitches, offsets, &b->fb_id, 0)) {
		fprintf(stderr, "%s: %s: cannot create a %ux%u %s framebuffer: %s\n",
			prog, dev, w, h, fg_fourcc_str(fourcc, f4), strerror(errno));
		b->fb_id = 0;
		return -1;
	}
	return 0;
}

void fg_kms_buffer_destroy(int fd, struct fg_kms_buffer *b)
{
	if (b->fb_id)
		drmModeRmFB(fd, b->fb_id);
	if (b->map)
		munmap(b->map, b->size);
	if (b->handle)
		drmModeDestroyDumbBuffer(fd, b->handle);
	memset(b, 0, sizeof(*b));
}

const char *fg_fourcc_str(uint32_t fourcc, char buf[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)((fourcc >> (8 * i)) & 0xff);

		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

drmModeModeInfo fg_kms_preferred_mode(const drmModeConnector *conn)
{
	for (int m = 0; m < conn->count_modes; m++)
		if (conn->modes[m].type & DRM_MODE_TYPE_PREFERRED)
			return conn->modes[m];
	return conn->modes[0];
}

int fg_kms_find_output(const char *prog, const char *dev, int fd,
		       struct fg_kms_output *out)
{
	drmModeRes *res = drmModeGetResources(fd);
	int rc = -1;

	if (!res) {
		fprintf(stderr, "%s: %s: cannot read KMS resources: %s\n", prog, dev,
			strerror(errno));
		return -1;
	}
	for (int i = 0; i < res->count_connectors && rc; i++) {
		drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[i]);
		drmModeEncoder *enc;

		if (!conn || conn->connection != DRM_MODE_CONNECTED || !conn->count_modes ||
		    !conn->count_encoders) {
			drmModeFreeConnector(conn);
			continue;
		}
		out->conn_id = conn->connector_id;
		out->mode = fg_kms_preferred_mode(conn);
		enc = drmModeGetEncoder(fd, conn->encoders[0]);
		for (int k = 0; enc && k < res->count_crtcs && rc; k++)
			if (enc->possible_crtcs & (1u << k)) {
				out->crtc_id = res->crtcs[k];
				out->crtc_index = (uint32_t)k;
				rc = 0;
			}
		drmModeFreeEncoder(enc);
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	if (rc)
		fprintf(stderr, "%s: %s: no connected connector with modes and a CRTC; is a monitor plugged in?\n",
			prog, dev);
	return rc;
}
