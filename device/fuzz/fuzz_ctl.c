// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes as everything a control socket client
 * sends, through fg_ctl_serve_request() (the request parser and reply
 * builder the socket connections use), with a real display engine behind it:
 * 2 heads, head 0 scanning out a 64x48 XRGB8888 frame, head 1 off.
 *
 * Every reply is checked: nothing for empty input, else one "ok..." or
 * "error ..." text without NUL bytes ending in '\n' (an error is one line),
 * and a body exactly when the text is "ok screenshot W H\n", of W*H*4 bytes
 * with every fourth byte 0.
 *
 * Build/run: make fuzz && build/fuzz/fuzz_ctl -max_total_time=60 NEW_DIR fuzz/corpus/ctl
 * (new inputs go to the first directory: keep the seed corpus second).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "engine.h"
#include "fakegpu_abi.h"

#define VRAM_SIZE	(16u << 20)
#define W		64
#define H		48

/* The harness's own state, made once: the VRAM and the socket's directory. */
static uint8_t *vram;
static char sock_path[64];

static void init_once(void)
{
	static char dir[] = "/tmp/fuzz-ctl-XXXXXX";

	if (vram)
		return;
	vram = calloc(1, VRAM_SIZE);
	if (!vram || !mkdtemp(dir))
		__builtin_trap();
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", dir);
	for (uint32_t i = 0; i < W * H; i++) {
		uint32_t v = 0xff000000u | i * 2654435761u >> 8;

		memcpy(vram + 4 * i, &v, 4);
	}
}

static void head0_on(struct fg_engine *e)
{
	static const uint32_t regs[][2] = {
		{ FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE },
		{ FAKEGPU_HEAD_WIDTH, W },
		{ FAKEGPU_HEAD_HEIGHT, H },
		{ FAKEGPU_HEAD_REFRESH_MHZ, 60000 },
		{ FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE },
		{ FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888 },
		{ FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_PITCH, W * 4 },
		{ FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_SRC_W, W },
		{ FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_SRC_H, H },
		{ FAKEGPU_HEAD_COMMIT, 1 },
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		fg_engine_write(e, FAKEGPU_HEAD_BASE(0) + regs[i][0], regs[i][1]);
}

static void check(size_t size, const struct fg_ctl_reply *r)
{
	unsigned int w, h;
	int used = 0;

	if (!size) {
		if (r->text_len || r->body_len)
			__builtin_trap();
		return;
	}
	if (!r->text || r->text_len < 3 || strlen(r->text) != r->text_len ||
	    r->text[r->text_len - 1] != '\n')
		__builtin_trap();
	if (strncmp(r->text, "ok", 2) != 0 && strncmp(r->text, "error ", 6) != 0)
		__builtin_trap();
	if (r->text[0] == 'e' && strchr(r->text, '\n') != r->text + r->text_len - 1)
		__builtin_trap();
	if (sscanf(r->text, "ok screenshot %u %u\n%n", &w, &h, &used) == 2 &&
	    (size_t)used == r->text_len) {
		if (!r->body || r->body_len != (size_t)w * h * 4)
			__builtin_trap();
		for (size_t i = 3; i < r->body_len; i += 4)
			if (r->body[i])
				__builtin_trap();
	} else if (r->body || r->body_len) {
		__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fg_sock_access acc = FG_SOCK_ACCESS_INIT;
	struct fg_engine_config cfg = { .heads = 2, .vram_size = VRAM_SIZE };
	struct fg_ctl_reply r;
	struct fg_engine *e;
	struct fg_ctl *c;

	init_once();
	cfg.vram = vram;
	e = fg_engine_new(&cfg, NULL, NULL);
	if (!e)
		__builtin_trap();
	head0_on(e);
	c = fg_ctl_new(sock_path, &acc, e, NULL, NULL);
	if (!c)
		__builtin_trap();
	if (fg_ctl_serve_request(c, (const char *)data, size, &r) == 0) {
		check(size, &r);
		fg_ctl_reply_free(&r);
	}
	fg_ctl_free(c);
	fg_engine_free(e);
	return 0;
}
