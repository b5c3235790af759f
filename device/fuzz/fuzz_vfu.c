// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: arbitrary bytes into the vfio-user framer and dispatcher,
 * with the real PCI function and display engine behind it (16 MiB VRAM).
 *
 * Input layout:
 *   byte 0      bit 0: negotiate VERSION first (and again after every
 *               connection close), so that the device commands are reached;
 *               bit 1: chunks may carry eventfds (SET_IRQS, DMA_MAP paths);
 *               bit 2: advance the engine clock between chunks (vblanks,
 *               interrupts delivered to the eventfds)
 *   then chunks: u16 length (little endian), u8 fd count (only with bit 1,
 *               0..3 eventfds created for the chunk), length bytes fed as
 *               stream data. A short tail is fed as it is.
 *
 * Build/run: make fuzz && build/fuzz/fuzz_vfu -max_total_time=30
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fg_pci_profile *pr = fg_pci_profile_find("virt");
	struct fg_pci_config cfg = { .profile = pr, .vram_mb = 16 };
	struct fg_pci *p;
	struct fg_vfu_server *s;
	size_t total = 0;
	uint64_t clock = 1000000000ull;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;

	p = fg_pci_new(&cfg);
	if (!p)
		__builtin_trap();
	s = fg_vfu_server_new(fg_pci_vfu_ops(), p, false);
	if (!s)
		__builtin_trap();
	fg_vfu_set_output(s, sink, &total);
	if (mode & 1)
		negotiate(s);

	while (size > 0) {
		size_t hdr = (mode & 2) ? 3 : 2;
		size_t len;
		unsigned int nfds = 0;
		int fds[3];

		if (size < hdr) {
			len = size;
		} else {
			len = (size_t)data[0] | (size_t)data[1] << 8;
			if (mode & 2)
				nfds = data[2] % 4;
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
		if (fg_vfu_feed(s, data, len, fds, nfds) != 0 && (mode & 1))
			negotiate(s);
		data += len;
		size -= len;
		if (mode & 4) {
			clock += 8000000ull;	/* ~half a frame at 60 Hz */
			fg_engine_run(fg_pci_engine(p), clock);
		}
	}

	fg_vfu_server_free(s);
	fg_pci_free(p);
	return 0;
}
