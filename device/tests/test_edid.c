// SPDX-License-Identifier: MIT
/*
 * EDID tests: the base block read through the engine's EDID window is parsed
 * back here with an independent parser (VESA E-EDID 1.4 layout).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "edid.h"
#include "engine.h"
#include "fakegpu_abi.h"

#define VRAM_SIZE (16u << 20)

struct dtd {
	uint32_t clock_khz, hactive, hblank, hfp, hsync, vactive, vblank, vfp, vsync;
	bool hpos, vpos;
};

static void parse_dtd(const uint8_t *d, struct dtd *t)
{
	t->clock_khz = (uint32_t)(d[0] | d[1] << 8) * 10;
	t->hactive = d[2] | (d[4] >> 4) << 8;
	t->hblank = d[3] | (d[4] & 0xf) << 8;
	t->vactive = d[5] | (d[7] >> 4) << 8;
	t->vblank = d[6] | (d[7] & 0xf) << 8;
	t->hfp = d[8] | ((d[11] >> 6) & 3) << 8;
	t->hsync = d[9] | ((d[11] >> 4) & 3) << 8;
	t->vfp = (d[10] >> 4) | ((d[11] >> 2) & 3) << 4;
	t->vsync = (d[10] & 0xf) | (d[11] & 3) << 4;
	t->hpos = d[17] & 0x02;
	t->vpos = d[17] & 0x04;
}

/* Read head @h's EDID through the BAR0 window; returns EDID_SIZE. */
static uint32_t read_edid(struct fg_engine *e, unsigned int h, uint8_t *buf)
{
	uint32_t size = fg_engine_read(e, FAKEGPU_HEAD_BASE(h) + FAKEGPU_HEAD_EDID_SIZE);

	for (uint32_t i = 0; i < FAKEGPU_EDID_MAX; i += 4) {
		uint32_t v = fg_engine_read(e, FAKEGPU_HEAD_BASE(h) + FAKEGPU_EDID_WINDOW + i);

		for (int b = 0; b < 4; b++)
			buf[i + b] = (uint8_t)(v >> (8 * b));
	}
	return size;
}

static struct fg_engine *new_engine(uint8_t **vram, const struct fg_engine_mode *modes,
				    unsigned int n, uint32_t max_w)
{
	struct fg_engine_config cfg = {
		.heads = 2, .vram_size = VRAM_SIZE, .modes = modes, .num_modes = n,
		.max_width = max_w, .max_height = max_w ? 4096 : 0,
	};

	*vram = calloc(1, VRAM_SIZE);
	assert_non_null(*vram);
	cfg.vram = *vram;
	return fg_engine_new(&cfg, NULL, NULL);
}

static void check_block(const uint8_t *e)
{
	static const uint8_t header[8] = { 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0 };
	uint8_t sum = 0;

	assert_memory_equal(e, header, 8);
	for (int i = 0; i < 128; i++)
		sum = (uint8_t)(sum + e[i]);
	assert_int_equal(sum, 0);
	assert_int_equal(e[18], 1);
	assert_int_equal(e[19], 4);
	assert_int_equal(e[126], 0);
	/* Vendor "FKG". */
	assert_int_equal(((e[8] << 8 | e[9]) >> 10) & 0x1f, 'F' - '@');
	assert_int_equal(((e[8] << 8 | e[9]) >> 5) & 0x1f, 'K' - '@');
	assert_int_equal((e[8] << 8 | e[9]) & 0x1f, 'G' - '@');
	/* Digital input; preferred timing is native (required by 1.4). */
	assert_true(e[20] & 0x80);
	assert_true(e[24] & 0x02);
}

/* The display descriptor with @tag, or NULL. */
static const uint8_t *descriptor(const uint8_t *e, uint8_t tag)
{
	for (int i = 0; i < 4; i++) {
		const uint8_t *d = e + 54 + 18 * i;

		if (d[0] == 0 && d[1] == 0 && d[3] == tag)
			return d;
	}
	return NULL;
}

static void test_default_edid(void **state)
{
	(void)state;
	uint8_t *vram, e[FAKEGPU_EDID_MAX];
	struct fg_engine *eng = new_engine(&vram, NULL, 0, 0);
	const uint8_t *name, *range;
	struct dtd t;

	assert_non_null(eng);
	assert_int_equal(read_edid(eng, 1, e), 128);
	check_block(e);
	for (int i = 128; i < FAKEGPU_EDID_MAX; i++)
		assert_int_equal(e[i], 0);

	/* Preferred: DMT 1024x768@60, 65 MHz, 1344x806 total, -h -v. */
	parse_dtd(e + 54, &t);
	assert_int_equal(t.clock_khz, 65000);
	assert_int_equal(t.hactive, 1024);
	assert_int_equal(t.vactive, 768);
	assert_int_equal(t.hactive + t.hblank, 1344);
	assert_int_equal(t.vactive + t.vblank, 806);
	assert_int_equal(t.hfp, 24);
	assert_int_equal(t.hsync, 136);
	assert_int_equal(t.vfp, 3);
	assert_int_equal(t.vsync, 6);
	assert_false(t.hpos);
	assert_false(t.vpos);
	{
		/* Refresh from the bytes: 65 MHz / (1344 * 806) = 60.004 Hz. */
		uint64_t mhz = (uint64_t)t.clock_khz * 1000000 /
			       ((t.hactive + t.hblank) * (t.vactive + t.vblank));

		assert_int_equal(mhz, 60003);
	}
	/* Second detailed timing: DMT 1920x1080@60, 148.5 MHz, +h +v. */
	parse_dtd(e + 72, &t);
	assert_int_equal(t.clock_khz, 148500);
	assert_int_equal(t.hactive, 1920);
	assert_int_equal(t.vactive, 1080);
	assert_int_equal(t.hactive + t.hblank, 2200);
	assert_int_equal(t.vactive + t.vblank, 1125);
	assert_true(t.hpos && t.vpos);
	/* Established timings: 640x480@60, 800x600@60, 1024x768@60. */
	assert_int_equal(e[35], 0x20 | 0x01);
	assert_int_equal(e[36], 0x08);
	assert_int_equal(e[37], 0);
	/* Standard timing: 1280x720@60 (16:9); the other slots unused. */
	assert_int_equal(e[38], 1280 / 8 - 31);
	assert_int_equal(e[39], 3 << 6 | 0);
	for (int i = 40; i < 54; i++)
		assert_int_equal(e[i], 0x01);
	/* Monitor name and range limits. */
	name = descriptor(e, 0xfc);
	assert_non_null(name);
	assert_memory_equal(name + 5, "fakegpu-1\n   ", 13);
	range = descriptor(e, 0xfd);
	assert_non_null(range);
	assert_int_equal(range[5], 59);		/* 640x480 is 59.94 Hz */
	assert_int_equal(range[6], 61);
	assert_int_equal(range[7], 31);		/* kHz */
	assert_int_equal(range[8], 68);
	assert_int_equal(range[9], 15);		/* 150 MHz */

	/* Head 0 is "fakegpu-0". */
	read_edid(eng, 0, e);
	check_block(e);
	assert_memory_equal(descriptor(e, 0xfc) + 5, "fakegpu-0\n", 10);
	fg_engine_free(eng);
	free(vram);
}

static void test_custom_modes_cvt_rb(void **state)
{
	(void)state;
	static const struct fg_engine_mode modes[] = {
		{ 1280, 800, 60 }, { 640, 480, 60 }, { 2560, 1440, 60 }, { 1920, 1200, 60 },
	};
	uint8_t *vram, e[FAKEGPU_EDID_MAX];
	struct fg_engine *eng = new_engine(&vram, modes, 4, 0);
	struct dtd t;

	assert_non_null(eng);
	/* 16 MiB: max 2048x2048, so 2560x1440 is left out. */
	assert_int_equal(read_edid(eng, 0, e), 128);
	check_block(e);
	/* CVT-RB 1280x800@60: 71 MHz, 1440x823, vsync 6 (16:10), +h -v. */
	parse_dtd(e + 54, &t);
	assert_int_equal(t.clock_khz, 71000);
	assert_int_equal(t.hactive, 1280);
	assert_int_equal(t.hactive + t.hblank, 1440);
	assert_int_equal(t.vactive + t.vblank, 823);
	assert_int_equal(t.hfp, 48);
	assert_int_equal(t.hsync, 32);
	assert_int_equal(t.vfp, 3);
	assert_int_equal(t.vsync, 6);
	assert_true(t.hpos);
	assert_false(t.vpos);
	/* DMT 1920x1200@60 reduced blanking, 154 MHz. */
	parse_dtd(e + 72, &t);
	assert_int_equal(t.clock_khz, 154000);
	assert_int_equal(t.vactive, 1200);
	assert_int_equal(e[35], 0x20);
	fg_engine_free(eng);
	free(vram);
}

static void test_timings(void **state)
{
	(void)state;
	struct fg_engine_mode m = { 2560, 1440, 60 };
	struct fg_timing t;

	fg_edid_timing(&m, &t);
	assert_int_equal(t.clock_khz, 241500);
	assert_int_equal(t.hactive + t.hfp + t.hsync + t.hbp, 2720);
	assert_int_equal(t.vactive + t.vfp + t.vsync + t.vbp, 1481);
	assert_int_equal(t.vsync, 5);
	m = (struct fg_engine_mode){ 640, 480, 60 };
	fg_edid_timing(&m, &t);
	assert_int_equal(t.clock_khz, 25175);
	assert_null(fg_edid_check_mode(&m));
	m = (struct fg_engine_mode){ 4095, 4095, 240 };
	assert_non_null(fg_edid_check_mode(&m));	/* pixel clock too high */
	m = (struct fg_engine_mode){ 32, 480, 60 };
	assert_non_null(fg_edid_check_mode(&m));
	m = (struct fg_engine_mode){ 640, 480, 300 };
	assert_non_null(fg_edid_check_mode(&m));
}

static void test_modes_filtered_by_max(void **state)
{
	(void)state;
	uint8_t *vram, e[FAKEGPU_EDID_MAX];
	struct fg_engine *eng = new_engine(&vram, NULL, 0, 1280);
	struct dtd t;

	assert_non_null(eng);
	read_edid(eng, 0, e);
	check_block(e);
	parse_dtd(e + 72, &t);		/* 1920x1080 left out: 1280x720 moves up */
	assert_int_equal(t.hactive, 1280);
	assert_int_equal(t.vactive, 720);
	assert_int_equal(t.clock_khz, 74250);
	assert_int_equal(e[38], 0x01);
	fg_engine_free(eng);
	free(vram);
}

static void test_parse_modes(void **state)
{
	(void)state;
	struct fg_engine_mode m[4];
	static const char *const bad[] = {
		"", "x", "1024x", "1024", "10x10", "1024x768@", "1024x768@60,",
		"1024x768,,800x600", "1024x768@60x", "-1024x768", "1024x768 ",
		"1x1,2x2,3x3,4x4,5x5",
	};

	assert_int_equal(fg_engine_parse_modes("1024x768@60,1920x1080,1280x800@75", m, 4), 3);
	assert_int_equal(m[0].width, 1024);
	assert_int_equal(m[1].height, 1080);
	assert_int_equal(m[1].refresh_hz, 60);
	assert_int_equal(m[2].refresh_hz, 75);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fg_engine_parse_modes(bad[i], m, 4) != -1)
			fail_msg("mode list '%s' accepted", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_edid),
		cmocka_unit_test(test_custom_modes_cvt_rb),
		cmocka_unit_test(test_timings),
		cmocka_unit_test(test_modes_filtered_by_max),
		cmocka_unit_test(test_parse_modes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
