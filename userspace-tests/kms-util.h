/* SPDX-License-Identifier: MIT */
/* Small libdrm helpers shared by the guest clients (modeset-atomic, bad-input, scene). */
#ifndef FG_KMS_UTIL_H
#define FG_KMS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <xf86drmMode.h>

/*
 * Open a KMS device read-write. With `path` set, open exactly that node (it
 * must have KMS resources). Without, try /dev/dri/card0..63 in order and take
 * the first with KMS resources and (if need_connected) at least one connected
 * connector. On success returns the fd and copies the path into out_path; on
 * failure prints one line "prog: ..." to stderr and returns -1.
 */
int fg_kms_open(const char *prog, const char *path, int need_connected,
		char *out_path, size_t out_len);

/*
 * Look up property `name` on a KMS object (DRM_MODE_OBJECT_*). Returns its
 * id and stores its current value in *value (if not NULL); 0 if the object
 * has no such property.
 */
uint32_t fg_kms_prop(int fd, uint32_t obj_id, uint32_t obj_type,
		     const char *name, uint64_t *value);

/*
 * Value of entry `entry` of enum property `name` on a KMS object. Returns 0
 * and stores it in *value, or -1 if there is no such property or entry.
 */
int fg_kms_prop_enum(int fd, uint32_t obj_id, uint32_t obj_type,
		     const char *name, const char *entry, uint64_t *value);

/*
 * Add "name = value" for a KMS object to an atomic request. On failure (no
 * such property, out of memory) prints one line "prog: dev: ..." and
 * returns -1.
 */
int fg_kms_atomic_set(const char *prog, const char *dev, int fd,
		      drmModeAtomicReq *req, uint32_t obj_id, uint32_t obj_type,
		      const char *name, uint64_t value);

/* A connector to light up: its preferred mode and a CRTC it can drive. */
struct fg_kms_output {
	uint32_t conn_id;
	uint32_t crtc_id;
	uint32_t crtc_index;	/* index in the card's CRTC list (vblank pipe) */
	drmModeModeInfo mode;
};

/* The connector's preferred mode, else its first. It must have modes. */
drmModeModeInfo fg_kms_preferred_mode(const drmModeConnector *conn);

/*
 * The first connected connector with modes whose first encoder can drive a
 * CRTC: fills *out and returns 0. Otherwise prints one line "prog: dev: ..."
 * and returns -1.
 */
int fg_kms_find_output(const char *prog, const char *dev, int fd,
		       struct fg_kms_output *out);

/* A mapped dumb buffer with a framebuffer. All zero = none. */
struct fg_kms_buffer {
	uint32_t handle;
	uint32_t pitch;
	uint64_t size;
	void *map;
	uint32_t fb_id;
};

/*
 * Create, map and wrap in a framebuffer a w x h dumb buffer of `fourcc`
 * (cpp bytes per pixel). On failure prints one line "prog: dev: ..." and
 * returns -1; b then holds what was created, for fg_kms_buffer_destroy().
 */
int fg_kms_buffer_create(const char *prog, const char *dev, int fd, uint32_t w,
			 uint32_t h, uint32_t fourcc, unsigned int cpp,
			 struct fg_kms_buffer *b);
void fg_kms_buffer_destroy(int fd, struct fg_kms_buffer *b);

/* "XR24"-style printable fourcc; buf must hold 5 bytes. */
const char *fg_fourcc_str(uint32_t fourcc, char buf[5]);

#endif
