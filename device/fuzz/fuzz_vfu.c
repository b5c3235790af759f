// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes into the vfio-user framer and dispatcher,
 * with the real PCI function and display engine behind it (16 MiB VRAM), and
 * the engine's clock driven by the input so that commits latch and frames are
 * composed, CRC'ed and written back.
 *
 * Input layout:
 *   byte 0      bit 0: negotiate VERSION first (and again after every
 *               connection close), so that the device commands are reached;
 *               bit 1: chunks carry an fd count (eventfds, for the SET_IRQS
 *               and DMA_MAP paths);
 *               bit 2: chunks carry a clock step: after the chunk the engine
 *               clock advances and fg_engine_run() processes what is due
 *               (vblanks, latches, CRC, writeback, interrupts delivered to
 *               the eventfds);
 *               bits 4-5: heads - 1 (1..4 heads).
 *   then chunks: u16 length (little endian), u8 fd count (only with bit 1,
 *               0..3 eventfds created for the chunk), u8 clock step (only
 *               with bit 2, see clock_step()), length bytes fed as stream
 *               data. A short tail is fed as it is.
 *
 * Work per input is bounded: frames are only run while the pixels they may
 * compose fit in PIXEL_BUDGET.
 *
 * The seed corpus (corpus/vfu/) is written by gen_corpus.py, which knows
 * this layout: keep the two in step.
 *
 * Build/run: make fuzz && make fuzz-run-vfu FUZZ_SECONDS=30
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "engine.h"
#include "pci.h"
#include "vfu.h"

#define MODE_NEGOTIATE	0x01u
#define MODE_FDS	0x02u
#define MODE_CLOCK	0x04u
#define MODE_HEADS(m)	((((m) >> 4) & 3u) + 1)

/*
 * Pixels the engine may compose per input. A run is charged two frames per
 * active head: one for the CRC, one for a writeback.
 */
#define PIXEL_BUDGET	(8ull << 20)

static void sink(void *opaque, const void *msg, size_t len, const int *fds,
		 unsigned int nfds)
{
	size_t *total = opaque;

	/* Replies are well-formed: at least a header, at most the max message. */
	if (len < FG_VFU_HDR_SIZE || len > FG_VFU_MAX_MSG)
		__builtin_trap();
	*total += len + nfds;
	(void)msg;
	(void)fds;	/* borrowed (the VRAM memfd): not ours to close */
}

static void negotiate(struct fg_vfu_server *s)
{
	static const char caps[] = "{\"capabilities\":{\"max_msg_fds\":8,"
				   "\"max_data_xfer_size\":1048576}}";
	uint8_t msg[16 + 4 + sizeof(caps)];
	uint32_t size = sizeof(msg), zero = 0;
	uint16_t id = 0, cmd = FG_VFU_CMD_VERSION, major = 0, minor = 1;

	memcpy(msg, &id, 2);
	memcpy(msg + 2, &cmd, 2);
	memcpy(msg + 4, &size, 4);
	memcpy(msg + 8, &zero, 4);
	memcpy(msg + 12, &zero, 4);
	memcpy(msg + 16, &major, 2);
	memcpy(msg + 18, &minor, 2);
	memcpy(msg + 20, caps, sizeof(caps));
	fg_vfu_feed(s, msg, sizeof(msg), NULL, 0);
}

/*
 * Nanoseconds the clock advances for step byte @c: 0 none (the engine does
 * not run), 255 a jump of 1000 s (the timing's rebase, many missed frames),
 * else c milliseconds (a 60 Hz frame is 16.7 ms).
 */
static uint64_t clock_step(uint8_t c)
{
	if (c == 255)
		return 1000000000000ull + 1000000ull;
	return (uint64_t)c * 1000000ull;
}

/* Pixels a run of the engine may compose: every active head's frame. */
static uint64_t frame_pixels(const struct fg_engine *e)
{
	uint64_t px = 0;

	for (unsigned int i = 0; i < fg_engine_heads(e); i++) {
		struct fg_engine_head_stats st;

		if (fg_engine_head_stats(e, i, &st) == 0 && st.active)
			px += (uint64_t)st.width * st.height;
	}
	return px;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fg_pci_profile *pr = fg_pci_profile_find("virt");
	struct fg_pci_config cfg = { .profile = pr, .vram_mb = 16 };
	struct fg_pci *p;
	struct fg_engine *e;
	struct fg_vfu_server *s;
	size_t total = 0;
	uint64_t clock = 1000000000ull, budget = PIXEL_BUDGET;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;

	cfg.heads = MODE_HEADS(mode);
	p = fg_pci_new(&cfg);
	if (!p)
		__builtin_trap();
	e = fg_pci_engine(p);
	s = fg_vfu_server_new(fg_pci_vfu_ops(), p, false);
	if (!s)
		__builtin_trap();
	fg_vfu_set_output(s, sink, &total);
	if (mode & MODE_NEGOTIATE)
		negotiate(s);

	while (size > 0) {
		size_t hdr = 2 + !!(mode & MODE_FDS) + !!(mode & MODE_CLOCK);
		size_t len;
		unsigned int nfds = 0;
		uint8_t step = 0;
		int fds[3];

		if (size < hdr) {
			len = size;
		} else {
			len = (size_t)data[0] | (size_t)data[1] << 8;
			if (mode & MODE_FDS)
				nfds = data[2] % 4;
			if (mode & MODE_CLOCK)
				step = data[hdr - 1];
			data += hdr;
			size -= hdr;
			if (len > size)
				len = size;
		}
		for (unsigned int i = 0; i < nfds; i++) {
			fds[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (fds[i] < 0)
				__builtin_trap();
		}
		if (fg_vfu_feed(s, data, len, fds, nfds) != 0 && (mode & MODE_NEGOTIATE))
			negotiate(s);
		data += len;
		size -= len;
		if (step) {
			uint64_t px = 2 * frame_pixels(e);

			if (px > budget)
				continue;	/* out of budget: the clock stops */
			budget -= px;
			clock += clock_step(step);
			fg_engine_run(e, clock);
			(void)fg_engine_next_deadline(e);
		}
	}

	fg_vfu_server_free(s);
	fg_pci_free(p);
	return 0;
}
