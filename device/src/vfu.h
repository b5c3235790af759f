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
 * the server with fg_vfu_server_new(), route replies with fg_vfu_set_output() and
 * push bytes with fg_vfu_feed().
 *
 * One thread (the transport thread) drives the server; fg_vfu_status() alone
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
	FG_VFU_CMD_VERSION = 1,
	FG_VFU_CMD_DMA_MAP = 2,
	FG_VFU_CMD_DMA_UNMAP = 3,
	FG_VFU_CMD_DEVICE_GET_INFO = 4,
	FG_VFU_CMD_DEVICE_GET_REGION_INFO = 5,
	FG_VFU_CMD_DEVICE_GET_REGION_IO_FDS = 6,
	FG_VFU_CMD_DEVICE_GET_IRQ_INFO = 7,
	FG_VFU_CMD_DEVICE_SET_IRQS = 8,
	FG_VFU_CMD_REGION_READ = 9,
	FG_VFU_CMD_REGION_WRITE = 10,
	FG_VFU_CMD_DMA_READ = 11,
	FG_VFU_CMD_DMA_WRITE = 12,
	FG_VFU_CMD_DEVICE_RESET = 13,
	FG_VFU_CMD_REGION_WRITE_MULTI = 15,
	FG_VFU_CMD_DEVICE_FEATURE = 16,
};

/* Header flags. */
#define FG_VFU_FLAG_TYPE_MASK	0xfu
#define FG_VFU_FLAG_REQUEST	0x0u
#define FG_VFU_FLAG_REPLY		0x1u
#define FG_VFU_FLAG_NO_REPLY	0x10u
#define FG_VFU_FLAG_ERROR		0x20u

struct fg_vfu_hdr {
	uint16_t id;
	uint16_t cmd;
	uint32_t size;		/* whole message, header included */
	uint32_t flags;
	uint32_t error;		/* errno in an error reply */
};
#define FG_VFU_HDR_SIZE		16u

/* What this server supports (advertised in the VERSION reply). */
#define FG_VFU_VERSION_MAJOR	0
#define FG_VFU_VERSION_MINOR	1
#define FG_VFU_MAX_FDS		8u		/* fds we accept in one message */
#define FG_VFU_MAX_XFER		(1u << 20)	/* max REGION_READ/WRITE count */
#define FG_VFU_MAX_DMA_MAPS	4096u
#define FG_VFU_MAX_VERSION_JSON	4096u		/* capabilities string */
/* Largest message accepted: a REGION_WRITE of FG_VFU_MAX_XFER bytes. */
#define FG_VFU_MAX_MSG		(FG_VFU_HDR_SIZE + 16u + FG_VFU_MAX_XFER)
#define FG_VFU_MAX_SPARSE		4u
/*
 * A reply must be taken by the client within this time, the whole message
 * (up to FG_VFU_MAX_MSG bytes) at once: the event loop waits for a client that
 * lets its socket fill up, for this long and no longer, then the client is
 * disconnected.
 */
#define FG_VFU_SEND_TIMEOUT_MS	1000u

/* A region as the device describes it (GET_REGION_INFO). */
struct fg_vfu_region_desc {
	uint64_t size;			/* 0: region not implemented */
	uint32_t flags;			/* VFIO_REGION_INFO_FLAG_READ|WRITE|MMAP */
	int fd;				/* MMAP: fd to pass (borrowed), else -1 */
	uint64_t fd_offset;		/* mmap offset of the region in fd */
	unsigned int nr_sparse;		/* sparse mmap areas (MMAP only) */
	struct {
		uint64_t offset, size;
	} sparse[FG_VFU_MAX_SPARSE];
};

struct fg_vfu_irq_desc {
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
struct fg_vfu_irq_set {
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
struct fg_vfu_dev_ops {
	uint32_t num_regions;
	uint32_t num_irqs;
	int (*region_info)(void *opaque, uint32_t index,
			   struct fg_vfu_region_desc *d);
	int (*region_read)(void *opaque, uint32_t index, uint64_t offset,
			   void *buf, uint32_t count);
	int (*region_write)(void *opaque, uint32_t index, uint64_t offset,
			    const void *buf, uint32_t count);
	int (*irq_info)(void *opaque, uint32_t index, struct fg_vfu_irq_desc *d);
	int (*set_irqs)(void *opaque, struct fg_vfu_irq_set *set);
	int (*reset)(void *opaque);
	/* The client went away: drop its eventfds, reset the device. */
	void (*disconnect)(void *opaque);
};

struct fg_vfu_server;

/* Where replies go when there is no socket (tests, fuzzing). */
typedef void (*fg_vfu_output_fn)(void *opaque, const void *msg, size_t len,
			      const int *fds, unsigned int nfds);

struct fg_vfu_server *fg_vfu_server_new(const struct fg_vfu_dev_ops *ops, void *opaque,
				  bool verbose);
void fg_vfu_server_free(struct fg_vfu_server *s);

/*
 * Listen on @path with @acc's mode and group (sock.h). A live socket there
 * (another device answering) is an error; a stale one is removed; anything
 * that is not a socket is left alone and is an error. A client @acc does not
 * allow is refused at accept. Returns 0 or -1 with a message on stderr.
 */
int fg_vfu_listen(struct fg_vfu_server *s, const char *path,
	       const struct fg_sock_access *acc);
int fg_vfu_listen_fd(const struct fg_vfu_server *s);
int vfu_client_fd(const struct fg_vfu_server *s);	/* -1: no client */
/* Listen fd readable: accept a client (a second one is turned away). */
void fg_vfu_accept(struct fg_vfu_server *s);
/* Client fd readable/hung up: read, dispatch, reply; handles disconnects. */
void vfu_client_io(struct fg_vfu_server *s);

/*
 * Socket-less use: replies go to @fn. fg_vfu_feed() pushes stream bytes (plus
 * fds received with them, owned by the transport from then on) into the
 * framer. Returns 0, or -1 when the connection would have been closed (the
 * session is then already reset and framing restarts).
 */
void fg_vfu_set_output(struct fg_vfu_server *s, fg_vfu_output_fn fn, void *opaque);
int fg_vfu_feed(struct fg_vfu_server *s, const void *data, size_t len,
	     const int *fds, unsigned int nfds);
/* Forget the session: negotiation, DMA maps, partial message; ops->disconnect. */
void fg_vfu_session_reset(struct fg_vfu_server *s);

/* Status lines for the control socket. */
void fg_vfu_status(const struct fg_vfu_server *s, FILE *out);

#endif /* FG_VFU_H */
