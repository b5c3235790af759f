/* SPDX-License-Identifier: MIT */
/* Small libdrm helpers shared by modeset-atomic and bad-input. */
#ifndef FG_KMS_UTIL_H
#define FG_KMS_UTIL_H

#include <stddef.h>
#include <stdint.h>

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

/* "XR24"-style printable fourcc; buf must hold 5 bytes. */
const char *fg_fourcc_str(uint32_t fourcc, char buf[5]);

#endif
