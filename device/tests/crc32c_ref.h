/* SPDX-License-Identifier: MIT */
/*
 * The frame CRC of docs/device-abi.md section 12 recomputed for the tests,
 * bit by bit from the definition of CRC-32C and sharing no code with the
 * device, so that the two check each other.
 */
#ifndef FG_CRC32C_REF_H
#define FG_CRC32C_REF_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32C (Castagnoli) of @len bytes, continuing @crc: ref_crc32c(0, ...)
 * starts one, and ref_crc32c(ref_crc32c(0, a), b) is the CRC of a then b.
 */
uint32_t ref_crc32c(uint32_t crc, const void *buf, size_t len);

/* Frame CRC of @n pixels 0x00RRGGBB (X ignored): each fed as B, G, R, 0. */
uint32_t ref_frame_crc(const uint32_t *px, size_t n);

#endif /* FG_CRC32C_REF_H */
