// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include "kms-util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

const char *fg_fourcc_str(uint32_t fourcc, char buf[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)((fourcc >> (8 * i)) & 0xff);

		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}
