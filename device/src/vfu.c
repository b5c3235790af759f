// SPDX-License-Identifier: MIT
/*
 * vfio-user server transport: socket, framing, fd passing, version
 * negotiation, DMA map bookkeeping and dispatch to the device callbacks.
 *
 * Every message is validated before anything acts on it: header size and
 * type, payload size against the command's structure, counts and offsets
 * against the region or interrupt they name, number of fds. A bad request
 * gets an error reply carrying an errno; a stream that cannot be trusted any
 * more (header size out of range, unsupported protocol major) is closed. Fds
 * that arrive with a message are closed unless a callback keeps them.
 */
#include "vfu.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vfio-user messages are in host byte order; this code assumes little endian"
#endif

struct fg_vfu_dma {
	uint64_t iova, size, offset;
	uint32_t flags;
};

struct fg_vfu_server {
	const struct fg_vfu_dev_ops *ops;
	void *opaque;
	bool verbose;

	char *path;
	struct fg_sock_access access;	/* who may connect */
	int listen_fd;
	/* Read by fg_vfu_status() from the display thread: atomic, like the counts. */
	_Atomic int client_fd;
	fg_vfu_output_fn out;
	void *out_opaque;

	/* Session (one client connection). */
	_Atomic bool negotiated;
	uint32_t client_max_fds;	/* fds the client accepts from us */
	struct fg_vfu_dma *dma;
	_Atomic size_t ndma;

	/* Receive state: header first, then the rest of the message. */
	uint8_t *rx;
	size_t rx_have;
	size_t rx_need;			/* FG_VFU_HDR_SIZE until the header is in */
	int rx_fds[FG_VFU_MAX_FDS];
	unsigned int rx_nfds;
	bool rx_fds_overflow;

	/* Reply under construction. */
	uint8_t *tx;
	int tx_fd;			/* fd to send with the reply, borrowed */
	char send_error[128];		/* why the last reply could not be sent */

	/* Statistics (status lines). */
	_Atomic uint64_t connects, msgs, errors, rejected_clients;
};

static void logv(const struct fg_vfu_server *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void logv(const struct fg_vfu_server *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->verbose)
		return;
	va_start(ap, fmt);
	fputs("fakegpu-device: vfio-user: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

static void close_fds(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* ---- server object -------------------------------------------------------- */

struct fg_vfu_server *fg_vfu_server_new(const struct fg_vfu_dev_ops *ops, void *opaque,
				  bool verbose)
{
	struct fg_vfu_server *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->ops = ops;
	s->opaque = opaque;
	s->verbose = verbose;
	s->listen_fd = -1;
	s->client_fd = -1;
	s->tx_fd = -1;
	s->rx_need = FG_VFU_HDR_SIZE;
	s->rx = malloc(FG_VFU_MAX_MSG);
	s->tx = malloc(FG_VFU_MAX_MSG);
	s->dma = calloc(FG_VFU_MAX_DMA_MAPS, sizeof(*s->dma));
	if (!s->rx || !s->tx || !s->dma) {
		fg_vfu_server_free(s);
		return NULL;
	}
	return s;
}

static void rx_reset(struct fg_vfu_server *s)
{
	close_fds(s->rx_fds, s->rx_nfds);
	s->rx_nfds = 0;
	s->rx_fds_overflow = false;
	s->rx_have = 0;
	s->rx_need = FG_VFU_HDR_SIZE;
}

void fg_vfu_session_reset(struct fg_vfu_server *s)
{
	rx_reset(s);
	s->negotiated = false;
	s->client_max_fds = 1;
	s->ndma = 0;
	if (s->ops->disconnect)
		s->ops->disconnect(s->opaque);
}

static void drop_client(struct fg_vfu_server *s, const char *why)
{
	if (s->client_fd >= 0) {
		fprintf(stderr, "fakegpu-device: vfio-user client disconnected (%s)\n", why);
		close(s->client_fd);
		s->client_fd = -1;
	}
	s->send_error[0] = '\0';
	fg_vfu_session_reset(s);
}

void fg_vfu_server_free(struct fg_vfu_server *s)
{
	if (!s)
		return;
	if (s->client_fd >= 0) {
		close(s->client_fd);
		s->client_fd = -1;
	}
	rx_reset(s);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		if (s->path)
			unlink(s->path);
	}
	free(s->path);
	free(s->rx);
	free(s->tx);
	free(s->dma);
	free(s);
}

void fg_vfu_set_output(struct fg_vfu_server *s, fg_vfu_output_fn fn, void *opaque)
{
	s->out = fn;
	s->out_opaque = opaque;
}

int fg_vfu_listen_fd(const struct fg_vfu_server *s) { return s->listen_fd; }
int vfu_client_fd(const struct fg_vfu_server *s) { return s->client_fd; }

void fg_vfu_status(const struct fg_vfu_server *s, FILE *out)
{
	fprintf(out, "vfio-user: client %s, negotiated %s, connects %llu, "
		"messages %llu, errors %llu, dma maps %zu\n",
		s->client_fd >= 0 ? "connected" : "none",
		s->negotiated ? "yes" : "no",
		(unsigned long long)s->connects, (unsigned long long)s->msgs,
		(unsigned long long)s->errors, s->ndma);
}

/* ---- socket --------------------------------------------------------------- */

int fg_vfu_listen(struct fg_vfu_server *s, const char *path,
	       const struct fg_sock_access *acc)
{
	int fd = fg_sock_listen(path, acc, 4, "vfio-user socket");

	if (fd < 0)
		return -1;
	s->access = *acc;
	s->path = strdup(path);
	if (!s->path) {
		close(fd);
		unlink(path);
		fprintf(stderr, "fakegpu-device: out of memory\n");
		return -1;
	}
	s->listen_fd = fd;
	return 0;
}

void fg_vfu_accept(struct fg_vfu_server *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	char why[160];

	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			fprintf(stderr, "fakegpu-device: accept: %s\n", strerror(errno));
		return;
	}
	if (!fg_sock_peer_allowed(fd, &s->access, why, sizeof(why))) {
		s->rejected_clients++;
		fprintf(stderr, "fakegpu-device: refusing a vfio-user client: %s\n", why);
		close(fd);
		return;
	}
	if (s->client_fd >= 0) {
		/* One client per device (the spec's dedicated socket). */
		s->rejected_clients++;
		fprintf(stderr, "fakegpu-device: refusing a second vfio-user client\n");
		close(fd);
		return;
	}
	s->client_fd = fd;
	s->connects++;
	fg_vfu_session_reset(s);
	fprintf(stderr, "fakegpu-device: vfio-user client connected\n");
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Send a whole message; waits while the socket buffer is full, at most
 * FG_VFU_SEND_TIMEOUT_MS for the whole message. -1 (why in s->send_error): the
 * connection is to be closed.
 */
static int send_all(struct fg_vfu_server *s, const uint8_t *buf, size_t len, int fd)
{
	int64_t deadline = now_ms() + FG_VFU_SEND_TIMEOUT_MS;
	size_t done = 0;
	bool fd_sent = fd < 0;

	while (done < len) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int))];
		} cm;
		struct iovec iov = { .iov_base = (void *)(buf + done), .iov_len = len - done };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		if (!fd_sent) {
			memset(&cm, 0, sizeof(cm));
			mh.msg_control = cm.b;
			mh.msg_controllen = sizeof(cm.b);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		n = sendmsg(s->client_fd, &mh, MSG_NOSIGNAL);
		if (n > 0) {
			done += (size_t)n;
			fd_sent = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = s->client_fd, .events = POLLOUT };
			int64_t left = deadline - now_ms();
			int r = left > 0 ? poll(&p, 1, (int)left) : 0;

			if (r < 0 && errno == EINTR)
				continue;
			if (r > 0 && !(p.revents & (POLLERR | POLLHUP)))
				continue;
			if (r == 0) {
				snprintf(s->send_error, sizeof(s->send_error),
					 "it does not read its replies: %zu of %zu bytes taken in %u ms",
					 done, len, FG_VFU_SEND_TIMEOUT_MS);
				return -1;
			}
			if (r > 0)
				errno = EPIPE;
		}
		snprintf(s->send_error, sizeof(s->send_error), "cannot send a reply: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- replies -------------------------------------------------------------- */

/* Returns -1 when the reply could not be delivered (connection is dead). */
static int send_reply(struct fg_vfu_server *s, const struct fg_vfu_hdr *req,
		      int err, size_t plen)
{
	struct fg_vfu_hdr h = {
		.id = req->id, .cmd = req->cmd,
		.flags = FG_VFU_FLAG_REPLY | (err ? FG_VFU_FLAG_ERROR : 0),
		.error = (uint32_t)err,
	};
	int fd = err ? -1 : s->tx_fd;

	s->tx_fd = -1;
	if (err) {
		s->errors++;
		plen = 0;
	}
	if (req->flags & FG_VFU_FLAG_NO_REPLY)
		return 0;
	h.size = (uint32_t)(FG_VFU_HDR_SIZE + plen);
	put16(s->tx, h.id);
	put16(s->tx + 2, h.cmd);
	put32(s->tx + 4, h.size);
	put32(s->tx + 8, h.flags);
	put32(s->tx + 12, h.error);
	if (s->out) {
		s->out(s->out_opaque, s->tx, h.size, fd >= 0 ? &fd : NULL, fd >= 0);
		return 0;
	}
	if (s->client_fd < 0)
		return 0;
	return send_all(s, s->tx, h.size, fd);
}

/* ---- VERSION: the client's capabilities (JSON) ------------------------------ */

struct caps {
	bool has_max_fds, has_max_xfer, has_max_dma;
	uint64_t max_fds, max_xfer, max_dma;
};

/* Containers (objects and arrays) nested deeper than this are refused. */
#define JSON_MAX_DEPTH 16

/* Optional field @key of object @o: absent, or a non-negative integer. */
static bool cap_uint(struct json_object *o, const char *key, bool *has, uint64_t *v)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, key, &f))
		return true;
	/* json-c keeps integers as int64 or, above INT64_MAX, as uint64. */
	if (!json_object_is_type(f, json_type_int) || json_object_get_int64(f) < 0)
		return false;
	*has = true;
	*v = json_object_get_uint64(f);
	return true;
}

/*
 * The whole of @txt (@len bytes, no NUL) is one JSON object; "capabilities",
 * when present, is an object whose fields we use are non-negative integers.
 * 0, -EINVAL (malformed or not what the spec says), -ENOMEM.
 */
static int parse_caps(const char *txt, size_t len, struct caps *caps)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	struct json_object *root, *c;
	int ret = -EINVAL;

	memset(caps, 0, sizeof(*caps));
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, txt, (int)len);
	if (root && json_tokener_get_error(tok) == json_tokener_success &&
	    json_tokener_get_parse_end(tok) == len && json_object_is_type(root, json_type_object)) {
		if (!json_object_object_get_ex(root, "capabilities", &c) ||
		    (json_object_is_type(c, json_type_object) &&
		     cap_uint(c, "max_msg_fds", &caps->has_max_fds, &caps->max_fds) &&
		     cap_uint(c, "max_data_xfer_size", &caps->has_max_xfer, &caps->max_xfer) &&
		     cap_uint(c, "max_dma_maps", &caps->has_max_dma, &caps->max_dma)))
			ret = 0;
	}
	json_object_put(root);
	json_tokener_free(tok);
	return ret;
}

static int do_version(struct fg_vfu_server *s, const uint8_t *pl, size_t plen,
		      size_t *rlen, bool *fatal)
{
	struct caps caps;
	uint16_t major, minor;
	int n, ret;

	if (s->negotiated) {
		logv(s, "VERSION sent twice");
		return -EINVAL;
	}
	if (plen < 4)
		return -EINVAL;
	major = get16(pl);
	minor = get16(pl + 2);
	if (major != FG_VFU_VERSION_MAJOR) {
		fprintf(stderr, "fakegpu-device: client speaks vfio-user %u.%u, this server %u.%u\n",
			major, minor, FG_VFU_VERSION_MAJOR, FG_VFU_VERSION_MINOR);
		*fatal = true;
		return -ENOTSUP;
	}
	memset(&caps, 0, sizeof(caps));
	if (plen > 4) {
		const char *txt = (const char *)pl + 4;
		size_t tlen = plen - 4;

		/* The JSON text is NUL-terminated and holds no other NUL. */
		if (tlen > FG_VFU_MAX_VERSION_JSON || txt[tlen - 1] != '\0' ||
		    memchr(txt, '\0', tlen - 1) != NULL) {
			logv(s, "VERSION capabilities not a NUL-terminated string");
			return -EINVAL;
		}
		ret = parse_caps(txt, tlen - 1, &caps);
		if (ret) {
			logv(s, "VERSION capabilities are malformed JSON: %.200s", txt);
			return ret;
		}
	}
	s->client_max_fds = caps.has_max_fds ?
		(caps.max_fds > FG_VFU_MAX_FDS ? FG_VFU_MAX_FDS : (uint32_t)caps.max_fds) : 1;

	put16(s->tx + FG_VFU_HDR_SIZE, FG_VFU_VERSION_MAJOR);
	put16(s->tx + FG_VFU_HDR_SIZE + 2,
	      minor < FG_VFU_VERSION_MINOR ? minor : FG_VFU_VERSION_MINOR);
	if (caps.has_max_dma)
		n = snprintf((char *)s->tx + FG_VFU_HDR_SIZE + 4, FG_VFU_MAX_VERSION_JSON,
			     "{\"capabilities\":{\"max_msg_fds\":%u,"
			     "\"max_data_xfer_size\":%u,\"max_dma_maps\":%llu}}",
			     FG_VFU_MAX_FDS, FG_VFU_MAX_XFER,
			     (unsigned long long)(caps.max_dma < FG_VFU_MAX_DMA_MAPS ?
						  caps.max_dma : FG_VFU_MAX_DMA_MAPS));
	else
		n = snprintf((char *)s->tx + FG_VFU_HDR_SIZE + 4, FG_VFU_MAX_VERSION_JSON,
			     "{\"capabilities\":{\"max_msg_fds\":%u,"
			     "\"max_data_xfer_size\":%u}}",
			     FG_VFU_MAX_FDS, FG_VFU_MAX_XFER);
	if (n < 0 || (size_t)n >= FG_VFU_MAX_VERSION_JSON)
		return -EINVAL;
	*rlen = 4 + (size_t)n + 1;
	s->negotiated = true;
	logv(s, "negotiated version %u.%u, client max_msg_fds %u", FG_VFU_VERSION_MAJOR,
	     minor < FG_VFU_VERSION_MINOR ? minor : FG_VFU_VERSION_MINOR, s->client_max_fds);
	return 0;
}

/* ---- DMA bookkeeping (we never access client memory) ---------------------- */

static int do_dma_map(struct fg_vfu_server *s, const uint8_t *pl, size_t plen,
		      unsigned int nfds)
{
	struct fg_vfu_dma d;

	if (plen != 32 || get32(pl) < 32 || nfds > 1)
		return -EINVAL;
	d.flags = get32(pl + 4);
	d.offset = get64(pl + 8);
	d.iova = get64(pl + 16);
	d.size = get64(pl + 24);
	if (d.flags & ~(uint32_t)(VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE))
		return -EINVAL;
	if (d.size == 0 || d.iova + d.size < d.iova)
		return -EINVAL;
	for (size_t i = 0; i < s->ndma; i++) {
		const struct fg_vfu_dma *o = &s->dma[i];

		if (d.iova < o->iova + o->size && o->iova < d.iova + d.size)
			return -EEXIST;
	}
	if (s->ndma >= FG_VFU_MAX_DMA_MAPS)
		return -ENOSPC;
	s->dma[s->ndma++] = d;
	logv(s, "DMA map iova 0x%llx size 0x%llx%s", (unsigned long long)d.iova,
	     (unsigned long long)d.size, nfds ? " (fd)" : "");
	return 0;
}

static int do_dma_unmap(struct fg_vfu_server *s, const uint8_t *pl, size_t plen,
			size_t *rlen)
{
	uint32_t flags;
	uint64_t iova, size;

	if (plen != 24 || get32(pl) < 24)
		return -EINVAL;
	flags = get32(pl + 4);
	iova = get64(pl + 8);
	size = get64(pl + 16);
	if (flags & ~(uint32_t)VFIO_DMA_UNMAP_FLAG_ALL)
		return -ENOTSUP;
	if (flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		s->ndma = 0;
	} else {
		size_t i;

		for (i = 0; i < s->ndma; i++)
			if (s->dma[i].iova == iova && s->dma[i].size == size)
				break;
		if (i == s->ndma)
			return -ENOENT;
		s->dma[i] = s->dma[--s->ndma];
	}
	/* The reply carries the request's entry. */
	memcpy(s->tx + FG_VFU_HDR_SIZE, pl, 24);
	*rlen = 24;
	return 0;
}

/* ---- device commands ------------------------------------------------------ */

static int do_get_info(struct fg_vfu_server *s, const uint8_t *pl, size_t plen,
		       size_t *rlen)
{
	uint8_t *r = s->tx + FG_VFU_HDR_SIZE;

	if (plen != 16 || get32(pl) < 16)
		return -EINVAL;
	put32(r, 16);
	put32(r + 4, VFIO_DEVICE_FLAGS_PCI | (s->ops->reset ? VFIO_DEVICE_FLAGS_RESET : 0));
	put32(r + 8, s->ops->num_regions);
	put32(r + 12, s->ops->num_irqs);
	*rlen = 16;
	return 0;
}

static int region_desc(struct fg_vfu_server *s, uint32_t index, struct fg_vfu_region_desc *d)
{
	int ret;

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	if (index >= s->ops->num_regions)
		return -EINVAL;
	ret = s->ops->region_info(s->opaque, index, d);
	if (ret)
		return ret;
	if (d->nr_sparse > FG_VFU_MAX_SPARSE)
		return -EIO;
	return 0;
}

static int do_get_region_info(struct fg_vfu_server *s, const uint8_t *pl, size_t plen,
			      size_t *rlen)
{
	struct fg_vfu_region_desc d;
	uint8_t *r = s->tx + FG_VFU_HDR_SIZE;
	uint32_t argsz, index, flags, need;
	int ret;

	if (plen != 32)
		return -EINVAL;
	argsz = get32(pl);
	index = get32(pl + 8);
	if (argsz < 32)
		return -EINVAL;
	ret = region_desc(s, index, &d);
	if (ret)
		return ret;

	flags = d.flags & (VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			   VFIO_REGION_INFO_FLAG_MMAP);
	/* A client that takes no fds cannot map: it gets socket access. */
	if (d.fd < 0 || s->client_max_fds < 1)
		flags &= ~(uint32_t)VFIO_REGION_INFO_FLAG_MMAP;
	need = 32;
	if ((flags & VFIO_REGION_INFO_FLAG_MMAP) && d.nr_sparse) {
		flags |= VFIO_REGION_INFO_FLAG_CAPS;
		need += 16 + 16 * d.nr_sparse;
	}

	memset(r, 0, need);
	put32(r, need);
	put32(r + 4, flags);
	put32(r + 8, index);
	/*
	 * cap_offset stays valid even in a truncated reply: QEMU refuses a
	 * CAPS flag whose offset is outside [32, argsz], then asks again
	 * with argsz = need.
	 */
	put32(r + 12, (flags & VFIO_REGION_INFO_FLAG_CAPS) ? 32 : 0);
	put64(r + 16, d.size);
	put64(r + 24, (flags & VFIO_REGION_INFO_FLAG_MMAP) ? d.fd_offset : 0);
	if (flags & VFIO_REGION_INFO_FLAG_CAPS) {
		uint8_t *c = r + 32;

		put16(c, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
		put16(c + 2, 1);
		put32(c + 4, 0);		/* last capability */
		put32(c + 8, d.nr_sparse);
		for (unsigned int i = 0; i < d.nr_sparse; i++) {
			put64(c + 16 + 16 * i, d.sparse[i].offset);
			put64(c + 24 + 16 * i, d.sparse[i].size);
		}
	}
	if (argsz >= need) {
		*rlen = need;
		if (flags & VFIO_REGION_INFO_FLAG_MMAP)
			s->tx_fd = d.fd;
	} else {
		*rlen = argsz;
	}
	return 0;
}

static int do_get_irq_info(struct fg_vfu_server *s, const uint8_t *pl, size_t plen,
			   size_t *rlen)
{
	struct fg_vfu_irq_desc d = { 0 };
	uint8_t *r = s->tx + FG_VFU_HDR_SIZE;
	uint32_t index;
	int ret;

	if (plen != 16 || get32(pl) < 16)
		return -EINVAL;
	index = get32(pl + 8);
	if (index >= s->ops->num_irqs)
		return -EINVAL;
	ret = s->ops->irq_info(s->opaque, index, &d);
	if (ret)
		return ret;
	put32(r, 16);
	put32(r + 4, d.flags);
	put32(r + 8, index);
	put32(r + 12, d.count);
	*rlen = 16;
	return 0;
}

static bool one_bit(uint32_t v) { return v && !(v & (v - 1)); }

static int do_set_irqs(struct fg_vfu_server *s, const uint8_t *pl, size_t plen,
		       int *fds, unsigned int nfds)
{
	struct fg_vfu_irq_desc d = { 0 };
	struct fg_vfu_irq_set set;
	uint32_t data, action;
	size_t dlen;
	int ret;

	if (plen < 20)
		return -EINVAL;
	set.flags = get32(pl + 4);
	set.index = get32(pl + 8);
	set.start = get32(pl + 12);
	set.count = get32(pl + 16);
	data = set.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = set.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if ((set.flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)) ||
	    !one_bit(data) || !one_bit(action))
		return -EINVAL;
	if (set.index >= s->ops->num_irqs)
		return -EINVAL;
	ret = s->ops->irq_info(s->opaque, set.index, &d);
	if (ret)
		return ret;

	dlen = data == VFIO_IRQ_SET_DATA_BOOL ? set.count : 0;
	if (plen != 20 + dlen || get32(pl) < 20 + dlen)
		return -EINVAL;
	if (set.count == 0) {
		/* Only "DATA_NONE, count 0": disable every vector of the index. */
		if (data != VFIO_IRQ_SET_DATA_NONE || set.start != 0 ||
		    action != VFIO_IRQ_SET_ACTION_TRIGGER)
			return -EINVAL;
	} else if (set.start >= d.count || set.count > d.count - set.start) {
		return -EINVAL;
	}
	if (data == VFIO_IRQ_SET_DATA_EVENTFD) {
		if (nfds != 0 && nfds != set.count)
			return -EINVAL;
		for (unsigned int i = 0; i < nfds; i++) {
			char link[64], path[32];
			ssize_t n;

			/* Only eventfds: we write to them from the event loop. */
			snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
			n = readlink(path, link, sizeof(link) - 1);
			if (n < 0)
				return -EBADF;
			link[n] = '\0';
			if (strcmp(link, "anon_inode:[eventfd]") != 0)
				return -EINVAL;
		}
	} else if (nfds != 0) {
		return -EINVAL;
	}
	if (!(d.flags & VFIO_IRQ_INFO_EVENTFD) && data == VFIO_IRQ_SET_DATA_EVENTFD)
		return -EINVAL;
	if (!(d.flags & VFIO_IRQ_INFO_MASKABLE) && action != VFIO_IRQ_SET_ACTION_TRIGGER)
		return -EINVAL;
	set.bools = dlen ? pl + 20 : NULL;
	set.fds = fds;
	set.nfds = nfds;
	logv(s, "SET_IRQS index %u flags 0x%x start %u count %u fds %u",
	     set.index, set.flags, set.start, set.count, nfds);
	return s->ops->set_irqs(s->opaque, &set);
}

/* Common checks of REGION_READ/WRITE: region exists, access allowed, in range. */
static int check_rw(struct fg_vfu_server *s, uint32_t index, uint64_t off,
		    uint32_t count, uint32_t need_flag)
{
	struct fg_vfu_region_desc d;
	int ret;

	if (count == 0 || count > FG_VFU_MAX_XFER)
		return -EINVAL;
	ret = region_desc(s, index, &d);
	if (ret)
		return ret;
	if (!(d.flags & need_flag))
		return -EINVAL;
	if (off >= d.size || count > d.size - off)
		return -EINVAL;
	return 0;
}

static int do_region_read(struct fg_vfu_server *s, const uint8_t *pl, size_t plen,
			  size_t *rlen)
{
	uint8_t *r = s->tx + FG_VFU_HDR_SIZE;
	uint64_t off;
	uint32_t index, count;
	int ret;

	if (plen != 16)
		return -EINVAL;
	off = get64(pl);
	index = get32(pl + 8);
	count = get32(pl + 12);
	ret = check_rw(s, index, off, count, VFIO_REGION_INFO_FLAG_READ);
	if (ret)
		return ret;
	ret = s->ops->region_read(s->opaque, index, off, r + 16, count);
	if (ret)
		return ret;
	memcpy(r, pl, 16);
	*rlen = 16 + (size_t)count;
	return 0;
}

static int do_region_write(struct fg_vfu_server *s, const uint8_t *pl, size_t plen,
			   size_t *rlen)
{
	uint64_t off;
	uint32_t index, count;
	int ret;

	if (plen < 16)
		return -EINVAL;
	off = get64(pl);
	index = get32(pl + 8);
	count = get32(pl + 12);
	if (plen - 16 != count)
		return -EINVAL;
	ret = check_rw(s, index, off, count, VFIO_REGION_INFO_FLAG_WRITE);
	if (ret)
		return ret;
	ret = s->ops->region_write(s->opaque, index, off, pl + 16, count);
	if (ret)
		return ret;
	memcpy(s->tx + FG_VFU_HDR_SIZE, pl, 16);
	*rlen = 16;
	return 0;
}

static const char *cmd_name(uint16_t cmd)
{
	switch (cmd) {
	case FG_VFU_CMD_VERSION: return "VERSION";
	case FG_VFU_CMD_DMA_MAP: return "DMA_MAP";
	case FG_VFU_CMD_DMA_UNMAP: return "DMA_UNMAP";
	case FG_VFU_CMD_DEVICE_GET_INFO: return "DEVICE_GET_INFO";
	case FG_VFU_CMD_DEVICE_GET_REGION_INFO: return "GET_REGION_INFO";
	case FG_VFU_CMD_DEVICE_GET_REGION_IO_FDS: return "GET_REGION_IO_FDS";
	case FG_VFU_CMD_DEVICE_GET_IRQ_INFO: return "GET_IRQ_INFO";
	case FG_VFU_CMD_DEVICE_SET_IRQS: return "SET_IRQS";
	case FG_VFU_CMD_REGION_READ: return "REGION_READ";
	case FG_VFU_CMD_REGION_WRITE: return "REGION_WRITE";
	case FG_VFU_CMD_DEVICE_RESET: return "DEVICE_RESET";
	default: return "unknown";
	}
}

/*
 * One complete message. Returns -1 when the connection must be closed.
 * Every fd in @fds is closed here unless a callback took it.
 */
static int dispatch(struct fg_vfu_server *s, const uint8_t *msg, size_t len,
		    int *fds, unsigned int nfds, bool fds_overflow)
{
	struct fg_vfu_hdr h = {
		.id = get16(msg), .cmd = get16(msg + 2), .size = get32(msg + 4),
		.flags = get32(msg + 8), .error = get32(msg + 12),
	};
	const uint8_t *pl = msg + FG_VFU_HDR_SIZE;
	size_t plen = len - FG_VFU_HDR_SIZE;
	size_t rlen = 0;
	bool fatal = false;
	int ret;

	s->msgs++;
	s->tx_fd = -1;
	if ((h.flags & FG_VFU_FLAG_TYPE_MASK) != FG_VFU_FLAG_REQUEST ||
	    (h.flags & ~(uint32_t)(FG_VFU_FLAG_TYPE_MASK | FG_VFU_FLAG_NO_REPLY | FG_VFU_FLAG_ERROR))) {
		/* We never send requests, so nothing can be a reply. */
		logv(s, "message id %u: not a request (flags 0x%x)", h.id, h.flags);
		h.flags &= ~(uint32_t)FG_VFU_FLAG_NO_REPLY;
		ret = -EINVAL;
		goto out;
	}
	if (fds_overflow) {
		logv(s, "%s: more than %u fds", cmd_name(h.cmd), FG_VFU_MAX_FDS);
		ret = -EINVAL;
		goto out;
	}
	if (!s->negotiated && h.cmd != FG_VFU_CMD_VERSION) {
		logv(s, "%s before VERSION", cmd_name(h.cmd));
		ret = -EINVAL;
		goto out;
	}
	if (nfds && h.cmd != FG_VFU_CMD_DEVICE_SET_IRQS && h.cmd != FG_VFU_CMD_DMA_MAP) {
		logv(s, "%s: unexpected fds", cmd_name(h.cmd));
		ret = -EINVAL;
		goto out;
	}

	switch (h.cmd) {
	case FG_VFU_CMD_VERSION:
		ret = do_version(s, pl, plen, &rlen, &fatal);
		break;
	case FG_VFU_CMD_DMA_MAP:
		ret = do_dma_map(s, pl, plen, nfds);
		break;
	case FG_VFU_CMD_DMA_UNMAP:
		ret = do_dma_unmap(s, pl, plen, &rlen);
		break;
	case FG_VFU_CMD_DEVICE_GET_INFO:
		ret = do_get_info(s, pl, plen, &rlen);
		break;
	case FG_VFU_CMD_DEVICE_GET_REGION_INFO:
		ret = do_get_region_info(s, pl, plen, &rlen);
		break;
	case FG_VFU_CMD_DEVICE_GET_IRQ_INFO:
		ret = do_get_irq_info(s, pl, plen, &rlen);
		break;
	case FG_VFU_CMD_DEVICE_SET_IRQS:
		ret = do_set_irqs(s, pl, plen, fds, nfds);
		break;
	case FG_VFU_CMD_REGION_READ:
		ret = do_region_read(s, pl, plen, &rlen);
		break;
	case FG_VFU_CMD_REGION_WRITE:
		ret = do_region_write(s, pl, plen, &rlen);
		break;
	case FG_VFU_CMD_DEVICE_RESET:
		ret = plen ? -EINVAL : (s->ops->reset ? s->ops->reset(s->opaque) : -ENOTSUP);
		break;
	case FG_VFU_CMD_DEVICE_GET_REGION_IO_FDS:
	case FG_VFU_CMD_REGION_WRITE_MULTI:	/* not advertised */
	case FG_VFU_CMD_DEVICE_FEATURE:		/* no migration */
		ret = -ENOTSUP;
		break;
	default:
		ret = -ENOSYS;
		break;
	}
out:
	close_fds(fds, nfds);
	if (ret)
		logv(s, "%s (id %u, %zu bytes): error %d (%s)", cmd_name(h.cmd), h.id,
		     len, -ret, strerror(-ret));
	if (send_reply(s, &h, ret ? -ret : 0, rlen) != 0)
		return -1;
	return fatal ? -1 : 0;
}

/* ---- framing -------------------------------------------------------------- */

/* Account @n new bytes at s->rx + s->rx_have. Returns -1: close. */
static int rx_advance(struct fg_vfu_server *s, size_t n)
{
	s->rx_have += n;
	if (s->rx_have < s->rx_need)
		return 0;
	if (s->rx_need == FG_VFU_HDR_SIZE) {
		uint32_t size = get32(s->rx + 4);

		if (size < FG_VFU_HDR_SIZE || size > FG_VFU_MAX_MSG) {
			struct fg_vfu_hdr h = { .id = get16(s->rx), .cmd = get16(s->rx + 2) };

			/* Cannot resynchronise the stream: say why, then close. */
			fprintf(stderr, "fakegpu-device: vfio-user message size %u out of range [%u, %u]\n",
				size, FG_VFU_HDR_SIZE, FG_VFU_MAX_MSG);
			send_reply(s, &h, size < FG_VFU_HDR_SIZE ? EINVAL : E2BIG, 0);
			return -1;
		}
		s->rx_need = size;
		if (s->rx_have < s->rx_need)
			return 0;
	}
	int ret = dispatch(s, s->rx, s->rx_need, s->rx_fds, s->rx_nfds, s->rx_fds_overflow);

	s->rx_nfds = 0;
	rx_reset(s);
	return ret;
}

static void rx_add_fds(struct fg_vfu_server *s, const int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (s->rx_nfds < FG_VFU_MAX_FDS) {
			s->rx_fds[s->rx_nfds++] = fds[i];
		} else {
			if (fds[i] >= 0)
				close(fds[i]);
			s->rx_fds_overflow = true;
		}
	}
}

int fg_vfu_feed(struct fg_vfu_server *s, const void *data, size_t len,
	     const int *fds, unsigned int nfds)
{
	const uint8_t *p = data;

	rx_add_fds(s, fds, nfds);
	while (len > 0) {
		size_t want = s->rx_need - s->rx_have;
		size_t n = len < want ? len : want;

		memcpy(s->rx + s->rx_have, p, n);
		p += n;
		len -= n;
		if (rx_advance(s, n) != 0) {
			fg_vfu_session_reset(s);
			return -1;
		}
	}
	return 0;
}

void vfu_client_io(struct fg_vfu_server *s)
{
	/* Bounded so that a chatty client cannot starve the vblank timer. */
	for (int iter = 0; iter < 256 && s->client_fd >= 0; iter++) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int) * FG_VFU_MAX_FDS)];
		} cm;
		struct iovec iov = {
			.iov_base = s->rx + s->rx_have,
			.iov_len = s->rx_need - s->rx_have,
		};
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cm.b, .msg_controllen = sizeof(cm.b),
		};
		ssize_t n = recvmsg(s->client_fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			drop_client(s, strerror(errno));
			return;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				int tmp[FG_VFU_MAX_FDS];

				if (k > FG_VFU_MAX_FDS)
					k = FG_VFU_MAX_FDS;
				memcpy(tmp, CMSG_DATA(c), k * sizeof(int));
				rx_add_fds(s, tmp, (unsigned int)k);
			}
		}
		if (mh.msg_flags & MSG_CTRUNC)
			s->rx_fds_overflow = true;	/* the kernel closed the rest */
		if (n == 0) {
			drop_client(s, s->rx_have ? "in the middle of a message" : "end of stream");
			return;
		}
		if (rx_advance(s, (size_t)n) != 0) {
			drop_client(s, s->send_error[0] ? s->send_error : "protocol error");
			return;
		}
	}
}
