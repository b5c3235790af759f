/* SPDX-License-Identifier: MIT */
/*
 * Known scenes for the host-side truth test: what `scene` (guest) sets up
 * with one atomic commit and what `scene-check` (host) expects to see.
 * Both build a scene from these definitions and draw its buffers with
 * fg_scene_fill(); only the composition differs (the device's engine in the
 * guest's case, scene-check's own reference in the host's).
 *
 * A scene is a pure function of its index and the head size: positions near
 * the right and bottom edges follow the mode.
 */
#ifndef FG_SCENES_H
#define FG_SCENES_H

#include <stddef.h>
#include <stdint.h>

enum fg_scene_plane_id {
	FG_SCENE_PRIMARY,
	FG_SCENE_CURSOR,
	FG_SCENE_OVERLAY,
	FG_SCENE_PLANES
};

/* What a plane's buffer holds. */
enum fg_scene_art {
	FG_ART_NONE,		/* plane off */
	FG_ART_PATTERN,		/* pattern.h "bars" at the buffer's size */
	FG_ART_CURSOR,		/* corner markers, alpha ramp, hole, additive band */
	FG_ART_GLASS,		/* colour bands under a full 0..255 alpha ramp */
};

/* DRM "pixel blend mode" values by name (the property is an enum). */
enum fg_scene_blend {
	FG_BLEND_PREMULTI,	/* "Pre-multiplied" (DRM's default) */
	FG_BLEND_COVERAGE,	/* "Coverage" */
	FG_BLEND_NONE,		/* "None" */
};

struct fg_scene_plane {
	enum fg_scene_art art;
	uint32_t fourcc;		/* DRM_FORMAT_* of the buffer */
	uint32_t buf_w, buf_h;		/* buffer size, pixels */
	uint32_t src_x, src_y, src_w, src_h;	/* source rectangle in the buffer */
	int32_t x, y;			/* CRTC_X/Y: may be off the head; unscaled */
	uint16_t alpha;			/* plane "alpha", 0xffff = opaque */
	enum fg_scene_blend blend;
	uint32_t zpos;			/* unique per scene */
};

struct fg_scene {
	const char *name;
	struct fg_scene_plane plane[FG_SCENE_PLANES];
	int gamma;			/* 1: GAMMA_LUT = fg_scene_gamma() */
};

unsigned int fg_scene_count(void);
const char *fg_scene_name(unsigned int i);	/* NULL past the end */
int fg_scene_lookup(const char *name);		/* index, or -1 */

/* Scene i on a w x h head (w >= 640, h >= 480). Returns -1 if i is unknown. */
int fg_scene_get(unsigned int i, uint32_t w, uint32_t h, struct fg_scene *s);

/* DRM property enum name of a blend mode ("Pre-multiplied", ...). */
const char *fg_scene_blend_name(enum fg_scene_blend b);

/*
 * Draw the plane's whole buffer (buf_w x buf_h pixels of its fourcc, pitch
 * bytes per line). Returns 0, or -1 on a bad size/format or out of memory.
 */
int fg_scene_fill(const struct fg_scene_plane *p, void *buf, uint32_t pitch);

/* Gamma LUT entry i (0..255) of the gamma scenes, as 0x00RRGGBB. */
uint32_t fg_scene_gamma(unsigned int i);

#endif
