/* SPDX-License-Identifier: MIT */
/*
 * vfio-user server transport (QEMU docs/interop/vfio-user.rst, protocol 0.x).
 *
 * One listening UNIX socket, at most one client at a time. The transport
 * frames and validates messages, negotiates the version, keeps the DMA map
 * bookkeeping and dispatches device commands to a table of callbacks. It
 * knows nothing of displays or of the PCI function behind the callbacks.
 *
 * The message parser can be driven without a socket (tests, fuzzing): create
 * the server with vfu_server_new(), route replies with vfu_set_output() and
 * push bytes with vfu_feed().
 *
 * One thread (the transport thread) drives the server; vfu_status() alone
 * may be called from another (it reads atomic counters).
 */
#ifndef FG_VFU_H
#define FG_VFU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sock.h"

/* vfio-user commands (spec "Commands"). */
enum {
	VFU_CMD_VERSION = 1,
	VFU_CMD_DMA_MAP = 2,
	VFU_CMD_DMA_UNMAP = 3,
	VFU_CMD_DEVICE_GET_INFO = 4,
	VFU_CMD_DEVICE_GET_REGION_INFO = 5,
	VFU_CMD_DEVICE_GET_REGION_IO_FDS = 6,
	VFU_CMD_DEVICE_GET_IRQ_INFO = 7,
	VFU_CMD_DEVICE_SET_IRQS = 8,
	VFU_CMD_REGION_READ = 9,
	VFU_CMD_REGION_WRITE = 10,
	VFU_CMD_DMA_READ = 11,
	VFU_CMD_DMA_WRITE = 12,
	VFU_CMD_DEVICE_RESET = 13,
	VFU_CMD_REGION_WRITE_MULTI = 15,
	VFU_CMD_DEVICE_FEATURE = 16,
};

/* Header flags. */
#define VFU_FLAG_TYPE_MASK	0xfu
#define VFU_FLAG_REQUEST	0x0u
#define VFU_FLAG_REPLY		0x1u
#define VFU_FLAG_NO_REPLY	0x10u
#define VFU_FLAG_ERROR		0x20u

struct vfu_hdr {
	uint16_t id;
	uint16_t cmd;
	uint32_t size;		/* whole message, header included */
	uint32_t flags;
	uint32_t error;		/* errno in an error reply */
};
#define VFU_HDR_SIZE		16u

/* What this server supports (advertised in the VERSION reply). */
#define VFU_VERSION_MAJOR	0
#define VFU_VERSION_MINOR	1
#define VFU_MAX_FDS		8u		/* fds we accept in one message */
#define VFU_MAX_XFER		(1u << 20)	/* max REGION_READ/WRITE count */
#define VFU_MAX_DMA_MAPS	4096u
#define VFU_MAX_VERSION_JSON	4096u		/* capabilities string */
/* Largest message accepted: a REGION_WRITE of VFU_MAX_XFER bytes. */
#define VFU_MAX_MSG		(VFU_HDR_SIZE + 16u + VFU_MAX_XFER)
#define VFU_MAX_SPARSE		4u
/*
 * A reply must be taken by the client within this time, the whole message
 * (up to VFU_MAX_MSG bytes) at once: the event loop waits for a client that
 * lets its socket fill up, for this long and no longer, then the client is
 * disconnected.
 */
#define VFU_SEND_TIMEOUT_MS	1000u

/* A region as the device describes it (GET_REGION_INFO). */
struct vfu_region_desc {
	uint64_t size;			/* 0: region not implemented */
	uint32_t flags;			/* VFIO_REGION_INFO_FLAG_READ|WRITE|MMAP */
	int fd;				/* MMAP: fd to pass (borrowed), else -1 */
	uint64_t fd_offset;		/* mmap offset of the region in fd */
	unsigned int nr_sparse;		/* sparse mmap areas (MMAP only) */
	struct {
		uint64_t offset, size;
	} sparse[VFU_MAX_SPARSE];
};

struct vfu_irq_desc {
	uint32_t flags;			/* VFIO_IRQ_INFO_* */
	uint32_t count;			/* 0: interrupt type not supported */
};

/*
 * A validated SET_IRQS request: exactly one DATA_* and one ACTION_* flag,
 * start + count within the index's count (except count == 0 with DATA_NONE,
 * "disable every vector"), bools[count] with DATA_BOOL, nfds == count (assign)
 * or 0 (de-assign) with DATA_EVENTFD. fds are eventfds owned by the
 * transport: a callback that keeps one sets its slot to -1, the transport
 * closes the others after the call.
 */
struct vfu_irq_set {
	uint32_t index, flags, start, count;
	const uint8_t *bools;
	int *fds;
	unsigned int nfds;
};

/*
 * The device behind the transport. Callbacks return 0 or -errno (sent to the
 * client in an error reply). Offsets/counts handed to region_read/write are
 * already checked against the region size and its READ/WRITE flags.
 */
struct vfu_dev_ops {
	uint32_t num_regions;
	uint32_t num_irqs;
	int (*region_info)(void *opaque, uint32_t index,
			   struct vfu_region_desc *d);
	int (*region_read)(void *opaque, uint32_t index, uint64_t offset,
			   void *buf, uint32_t count);
	int (*region_write)(void *opaque, uint32_t index, uint64_t offset,
			    const void *buf, uint32_t count);
	int (*irq_info)(void *opaque, uint32_t index, struct vfu_irq_desc *d);
	int (*set_irqs)(void *opaque, struct vfu_irq_set *set);
	int (*reset)(void *opaque);
	/* The client went away: drop its eventfds, reset the device. */
	void (*disconnect)(void *opaque);
};

struct vfu_server;

/* Where replies go when there is no socket (tests, fuzzing). */
typedef void (*vfu_output_fn)(void *opaque, const void *msg, size_t len,
			      const int *fds, unsigned int nfds);

struct vfu_server *vfu_server_new(const struct vfu_dev_ops *ops, void *opaque,
				  bool verbose);
void vfu_server_free(struct vfu_server *s);

/*
 * Listen on @path with @acc's mode and group (sock.h). A live socket there
 * (another device answering) is an error; a stale one is removed; anything
 * that is not a socket is left alone and is an error. A client @acc does not
 * allow is refused at accept. Returns 0 or -1 with a message on stderr.
 */
int vfu_listen(struct vfu_server *s, const char *path,
	       const struct fg_sock_access *acc);
int vfu_listen_fd(const struct vfu_server *s);
int vfu_client_fd(const struct vfu_server *s);	/* -1: no client */
/* Listen fd readable: accept a client (a second one is turned away). */
void vfu_accept(struct vfu_server *s);
/* Client fd readable/hung up: read, dispatch, reply; handles disconnects. */
void vfu_client_io(struct vfu_server *s);

/*
 * Socket-less use: replies go to @fn. vfu_feed() pushes stream bytes (plus
 * fds received with them, owned by the transport from then on) into the
 * framer. Returns 0, or -1 when the connection would have been closed (the
 * session is then already reset and framing restarts).
 */
void vfu_set_output(struct vfu_server *s, vfu_output_fn fn, void *opaque);
int vfu_feed(struct vfu_server *s, const void *data, size_t len,
	     const int *fds, unsigned int nfds);
/* Forget the session: negotiation, DMA maps, partial message; ops->disconnect. */
void vfu_session_reset(struct vfu_server *s);

/* Status lines for the control socket. */
void vfu_status(const struct vfu_server *s, FILE *out);

#endif /* FG_VFU_H */
