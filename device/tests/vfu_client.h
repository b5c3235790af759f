/* SPDX-License-Identifier: MIT */
/*
 * A vfio-user client for the host tests: connect, negotiate, query the
 * device, access regions, map the VRAM fd, wire interrupts to eventfds, and
 * send arbitrary (also malformed) bytes. Written from the protocol spec, it
 * shares no code with the server so that the two check each other.
 *
 * Functions return 0 (or a byte count where said) on success, -errno from
 * the server's error reply, or -EPIPE when the connection closed or a reply
 * did not arrive within the timeout.
 */
#ifndef FG_VFU_CLIENT_H
#define FG_VFU_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vfuc_hdr {
	uint16_t id, cmd;
	uint32_t size, flags, error;
};

struct vfuc {
	int fd;
	uint16_t next_id;
	int timeout_ms;
	char server_caps[4096];		/* JSON from the VERSION reply */
	uint16_t server_major, server_minor;
};

/* Connect to @path (waits up to @wait_ms for it to appear). NULL on failure. */
struct vfuc *vfuc_connect(const char *path, int wait_ms);
void vfuc_close(struct vfuc *c);

/* VERSION with @caps_json (NULL: QEMU-like default capabilities). */
int vfuc_negotiate(struct vfuc *c, const char *caps_json);

/*
 * One request/reply exchange. The reply payload (without header) goes to
 * @rbuf (truncated to @rcap; *rlen gets the full length), its fds to @rfds
 * (up to @rfds_cap, *rnfds gets the count; extra fds are closed). Any of the
 * out pointers may be NULL (fds then get closed).
 */
int vfuc_request(struct vfuc *c, uint16_t cmd, uint32_t flags,
		 const void *pl, size_t plen, const int *fds, unsigned int nfds,
		 void *rbuf, size_t rcap, size_t *rlen,
		 int *rfds, unsigned int rfds_cap, unsigned int *rnfds);

/* Raw access for malformed-message tests. */
int vfuc_send_raw(struct vfuc *c, const void *buf, size_t len,
		  const int *fds, unsigned int nfds);
/*
 * Receive one message: 0 and the header (payload into @buf up to @cap, the
 * rest discarded), -EPIPE on EOF, -ETIMEDOUT when nothing came.
 */
int vfuc_recv(struct vfuc *c, struct vfuc_hdr *h, void *buf, size_t cap,
	      int *fds, unsigned int fds_cap, unsigned int *nfds);
/* True when the server closed the connection (EOF within @ms). */
bool vfuc_closed_by_peer(struct vfuc *c, int ms);

int vfuc_device_info(struct vfuc *c, uint32_t *flags, uint32_t *num_regions,
		     uint32_t *num_irqs);
/* GET_REGION_INFO with @argsz; the raw reply into @buf, *fd gets an fd or -1. */
int vfuc_region_info(struct vfuc *c, uint32_t index, uint32_t argsz,
		     void *buf, size_t cap, size_t *len, int *fd);
int vfuc_irq_info(struct vfuc *c, uint32_t index, uint32_t *flags, uint32_t *count);
int vfuc_set_irqs(struct vfuc *c, uint32_t index, uint32_t flags, uint32_t start,
		  uint32_t count, const int *fds, unsigned int nfds,
		  const uint8_t *bools);
int vfuc_read(struct vfuc *c, uint32_t region, uint64_t offset, void *buf,
	      uint32_t count);
int vfuc_write(struct vfuc *c, uint32_t region, uint64_t offset,
	       const void *buf, uint32_t count);
int vfuc_reset(struct vfuc *c);
int vfuc_dma_map(struct vfuc *c, uint64_t iova, uint64_t size, uint32_t flags, int fd);
int vfuc_dma_unmap(struct vfuc *c, uint64_t iova, uint64_t size, uint32_t flags);

/* 32-bit helpers; a failed read returns 0xffffffff (like a PCI master abort). */
uint32_t vfuc_read32(struct vfuc *c, uint32_t region, uint64_t offset);
int vfuc_write32(struct vfuc *c, uint32_t region, uint64_t offset, uint32_t v);

/* Map a region through the fd of its GET_REGION_INFO reply. NULL on failure. */
void *vfuc_map_region(struct vfuc *c, uint32_t index, uint64_t *size);

#endif /* FG_VFU_CLIENT_H */
