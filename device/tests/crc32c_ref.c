// SPDX-License-Identifier: MIT
/*
 * CRC-32C by its definition: the reflected polynomial 0x82F63B78, one bit at a
 * time, register preset to 0xFFFFFFFF and inverted at the end. Slow, and
 * meant to be: only the tests' small frames go through it.
 */
#include "crc32c_ref.h"

uint32_t ref_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int bit = 0; bit < 8; bit++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
	}
	return ~crc;
}

uint32_t ref_frame_crc(const uint32_t *px, size_t n)
{
	uint32_t crc = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t b[4] = { px[i] & 0xff, (px[i] >> 8) & 0xff, (px[i] >> 16) & 0xff, 0 };

		crc = ref_crc32c(crc, b, sizeof(b));
	}
	return crc;
}
