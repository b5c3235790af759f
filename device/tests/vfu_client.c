// SPDX-License-Identifier: MIT
/* vfio-user test client; see vfu_client.h. */
#include "vfu_client.h"

#include <errno.h>
#include <linux/vfio.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSG	(32u + (1u << 20))
#define MAX_FDS	16u

static const char default_caps[] =
	"{\"capabilities\":{\"migration\":{\"pgsize\":4096,\"max_bitmap_size\":268435456},"
	"\"max_msg_fds\":16,\"max_data_xfer_size\":1048576,\"pgsizes\":4096,"
	"\"max_dma_maps\":65535,\"write_multiple\":true}}";

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

struct vfuc *vfuc_connect(const char *path, int wait_ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vfuc *c;

	if (strlen(path) >= sizeof(sa.sun_path))
		return NULL;
	strcpy(sa.sun_path, path);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->timeout_ms = 5000;
	c->next_id = 1;
	for (int waited = 0;; waited += 10) {
		c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			break;
		if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return c;
		close(c->fd);
		if (waited >= wait_ms)
			break;
		sleep_ms(10);
	}
	free(c);
	return NULL;
}

void vfuc_close(struct vfuc *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

int vfuc_send_raw(struct vfuc *c, const void *buf, size_t len,
		  const int *fds, unsigned int nfds)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * MAX_FDS)];
	} cm;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t done = 0;

	if (nfds > MAX_FDS)
		return -EINVAL;
	if (nfds) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *ch = CMSG_FIRSTHDR(&mh);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(ch), fds, sizeof(int) * nfds);
	}
	while (done < len || (len == 0 && nfds)) {
		ssize_t n = sendmsg(c->fd, &mh, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		done += (size_t)n;
		iov.iov_base = (char *)buf + done;
		iov.iov_len = len - done;
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		if (len == 0)
			break;
	}
	return 0;
}

/* Read exactly @len bytes (fds collected on the way). */
static int read_full(struct vfuc *c, void *buf, size_t len, int *fds,
		     unsigned int fds_cap, unsigned int *nfds)
{
	size_t done = 0;

	while (done < len) {
		union {
			struct cmsghdr h;
			char b[CMSG_SPACE(sizeof(int) * MAX_FDS)];
		} cm;
		struct iovec iov = { .iov_base = (char *)buf + done, .iov_len = len - done };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cm.b, .msg_controllen = sizeof(cm.b),
		};
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int r = poll(&p, 1, c->timeout_ms);
		ssize_t n;

		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0)
			return -EPIPE;
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		for (struct cmsghdr *ch = CMSG_FIRSTHDR(&mh); ch; ch = CMSG_NXTHDR(&mh, ch)) {
			if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
				continue;
			size_t k = (ch->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < k; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(ch) + i * sizeof(int), sizeof(int));
				if (fds && nfds && *nfds < fds_cap)
					fds[(*nfds)++] = fd;
				else
					close(fd);
			}
		}
		done += (size_t)n;
	}
	return 0;
}

int vfuc_recv(struct vfuc *c, struct vfuc_hdr *h, void *buf, size_t cap,
	      int *fds, unsigned int fds_cap, unsigned int *nfds)
{
	uint8_t raw[16];
	size_t plen, keep;
	int ret;

	if (nfds)
		*nfds = 0;
	ret = read_full(c, raw, 16, fds, fds_cap, nfds);
	if (ret)
		return ret;
	memcpy(&h->id, raw, 2);
	memcpy(&h->cmd, raw + 2, 2);
	memcpy(&h->size, raw + 4, 4);
	memcpy(&h->flags, raw + 8, 4);
	memcpy(&h->error, raw + 12, 4);
	if (h->size < 16 || h->size > MAX_MSG)
		return -EPROTO;
	plen = h->size - 16;
	keep = plen < cap ? plen : cap;
	ret = read_full(c, buf, keep, fds, fds_cap, nfds);
	if (ret)
		return ret;
	if (plen > keep) {
		char *junk = malloc(plen - keep);

		if (!junk)
			return -ENOMEM;
		ret = read_full(c, junk, plen - keep, fds, fds_cap, nfds);
		free(junk);
	}
	return ret;
}

bool vfuc_closed_by_peer(struct vfuc *c, int ms)
{
	char buf[4096];
	int saved = c->timeout_ms;
	bool closed = false;

	c->timeout_ms = ms;
	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms) <= 0)
			break;
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n <= 0) {
			closed = true;
			break;
		}
	}
	c->timeout_ms = saved;
	return closed;
}

int vfuc_request(struct vfuc *c, uint16_t cmd, uint32_t flags,
		 const void *pl, size_t plen, const int *fds, unsigned int nfds,
		 void *rbuf, size_t rcap, size_t *rlen,
		 int *rfds, unsigned int rfds_cap, unsigned int *rnfds)
{
	uint8_t *msg = malloc(16 + plen);
	uint32_t size = (uint32_t)(16 + plen), zero = 0;
	uint16_t id = c->next_id++;
	struct vfuc_hdr h;
	unsigned int got = 0;
	int tmpfds[MAX_FDS];
	int ret;

	if (!msg)
		return -ENOMEM;
	memcpy(msg, &id, 2);
	memcpy(msg + 2, &cmd, 2);
	memcpy(msg + 4, &size, 4);
	memcpy(msg + 8, &flags, 4);
	memcpy(msg + 12, &zero, 4);
	if (plen)
		memcpy(msg + 16, pl, plen);
	ret = vfuc_send_raw(c, msg, 16 + plen, fds, nfds);
	free(msg);
	if (ret)
		return ret;
	ret = vfuc_recv(c, &h, rbuf, rcap, tmpfds, MAX_FDS, &got);
	if (ret)
		return ret == -ETIMEDOUT ? -EPIPE : ret;
	for (unsigned int i = 0; i < got; i++) {
		if (rfds && rnfds && i < rfds_cap)
			rfds[i] = tmpfds[i];
		else
			close(tmpfds[i]);
	}
	if (rnfds)
		*rnfds = got < rfds_cap ? got : rfds_cap;
	if (rlen)
		*rlen = h.size - 16;
	if (h.id != id || h.cmd != cmd || (h.flags & 0xf) != 1u)
		return -EPROTO;
	if (h.flags & 0x20)
		return h.error ? -(int)h.error : -EIO;
	return 0;
}

int vfuc_negotiate(struct vfuc *c, const char *caps_json)
{
	const char *caps = caps_json ? caps_json : default_caps;
	size_t clen = strlen(caps) + 1;
	uint8_t *pl = malloc(4 + clen), reply[4 + 4096];
	uint16_t major = 0, minor = 1;
	size_t rlen = 0;
	int ret;

	if (!pl)
		return -ENOMEM;
	memcpy(pl, &major, 2);
	memcpy(pl + 2, &minor, 2);
	memcpy(pl + 4, caps, clen);
	ret = vfuc_request(c, 1, 0, pl, 4 + clen, NULL, 0, reply, sizeof(reply) - 1,
			   &rlen, NULL, 0, NULL);
	free(pl);
	if (ret)
		return ret;
	if (rlen < 4 || rlen > sizeof(reply) - 1)
		return -EPROTO;
	memcpy(&c->server_major, reply, 2);
	memcpy(&c->server_minor, reply + 2, 2);
	if (rlen > 4) {
		if (reply[rlen - 1] != '\0')
			return -EPROTO;
		memcpy(c->server_caps, reply + 4, rlen - 4);
	}
	return 0;
}

int vfuc_device_info(struct vfuc *c, uint32_t *flags, uint32_t *num_regions,
		     uint32_t *num_irqs)
{
	uint32_t q[4] = { 16, 0, 0, 0 }, r[4] = { 0 };
	size_t rlen = 0;
	int ret = vfuc_request(c, 4, 0, q, sizeof(q), NULL, 0, r, sizeof(r), &rlen,
			       NULL, 0, NULL);

	if (ret)
		return ret;
	if (rlen != 16)
		return -EPROTO;
	*flags = r[1];
	*num_regions = r[2];
	*num_irqs = r[3];
	return 0;
}

int vfuc_region_info(struct vfuc *c, uint32_t index, uint32_t argsz,
		     void *buf, size_t cap, size_t *len, int *fd)
{
	struct vfio_region_info q = { .argsz = argsz, .index = index };
	unsigned int n = 0;
	int ret;

	*fd = -1;
	ret = vfuc_request(c, 5, 0, &q, sizeof(q), NULL, 0, buf, cap, len, fd, 1, &n);
	if (n == 0)
		*fd = -1;
	return ret;
}

int vfuc_irq_info(struct vfuc *c, uint32_t index, uint32_t *flags, uint32_t *count)
{
	struct vfio_irq_info q = { .argsz = sizeof(q), .index = index }, r;
	size_t rlen = 0;
	int ret = vfuc_request(c, 7, 0, &q, sizeof(q), NULL, 0, &r, sizeof(r), &rlen,
			       NULL, 0, NULL);

	if (ret)
		return ret;
	if (rlen != sizeof(r))
		return -EPROTO;
	*flags = r.flags;
	*count = r.count;
	return 0;
}

int vfuc_set_irqs(struct vfuc *c, uint32_t index, uint32_t flags, uint32_t start,
		  uint32_t count, const int *fds, unsigned int nfds,
		  const uint8_t *bools)
{
	size_t dlen = (flags & VFIO_IRQ_SET_DATA_BOOL) ? count : 0;
	uint8_t *pl = calloc(1, 20 + dlen);
	uint32_t argsz = (uint32_t)(20 + dlen);
	int ret;

	if (!pl)
		return -ENOMEM;
	memcpy(pl, &argsz, 4);
	memcpy(pl + 4, &flags, 4);
	memcpy(pl + 8, &index, 4);
	memcpy(pl + 12, &start, 4);
	memcpy(pl + 16, &count, 4);
	if (dlen)
		memcpy(pl + 20, bools, dlen);
	ret = vfuc_request(c, 8, 0, pl, 20 + dlen, fds, nfds, NULL, 0, NULL, NULL, 0, NULL);
	free(pl);
	return ret;
}

int vfuc_read(struct vfuc *c, uint32_t region, uint64_t offset, void *buf,
	      uint32_t count)
{
	uint8_t q[16];
	uint8_t *r = malloc(16 + (size_t)count);
	size_t rlen = 0;
	uint32_t rcount;
	int ret;

	if (!r)
		return -ENOMEM;
	memcpy(q, &offset, 8);
	memcpy(q + 8, &region, 4);
	memcpy(q + 12, &count, 4);
	ret = vfuc_request(c, 9, 0, q, 16, NULL, 0, r, 16 + (size_t)count, &rlen,
			   NULL, 0, NULL);
	if (ret == 0) {
		memcpy(&rcount, r + 12, 4);
		if (rlen != 16 + (size_t)count || rcount != count)
			ret = -EPROTO;
		else
			memcpy(buf, r + 16, count);
	}
	free(r);
	return ret;
}

int vfuc_write(struct vfuc *c, uint32_t region, uint64_t offset,
	       const void *buf, uint32_t count)
{
	uint8_t *q = malloc(16 + (size_t)count), r[16];
	size_t rlen = 0;
	int ret;

	if (!q)
		return -ENOMEM;
	memcpy(q, &offset, 8);
	memcpy(q + 8, &region, 4);
	memcpy(q + 12, &count, 4);
	memcpy(q + 16, buf, count);
	ret = vfuc_request(c, 10, 0, q, 16 + (size_t)count, NULL, 0, r, sizeof(r),
			   &rlen, NULL, 0, NULL);
	free(q);
	if (ret == 0 && rlen != 16)
		ret = -EPROTO;
	return ret;
}

int vfuc_reset(struct vfuc *c)
{
	return vfuc_request(c, 13, 0, NULL, 0, NULL, 0, NULL, 0, NULL, NULL, 0, NULL);
}

int vfuc_dma_map(struct vfuc *c, uint64_t iova, uint64_t size, uint32_t flags, int fd)
{
	struct {
		uint32_t argsz, flags;
		uint64_t offset, iova, size;
	} q = { 32, flags, 0, iova, size };

	return vfuc_request(c, 2, 0, &q, sizeof(q), fd >= 0 ? &fd : NULL, fd >= 0,
			    NULL, 0, NULL, NULL, 0, NULL);
}

int vfuc_dma_unmap(struct vfuc *c, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct {
		uint32_t argsz, flags;
		uint64_t iova, size;
	} q = { 24, flags, iova, size }, r;
	size_t rlen = 0;
	int ret = vfuc_request(c, 3, 0, &q, sizeof(q), NULL, 0, &r, sizeof(r), &rlen,
			       NULL, 0, NULL);

	if (ret == 0 && (rlen != sizeof(r) || memcmp(&q, &r, sizeof(r)) != 0))
		ret = -EPROTO;
	return ret;
}

uint32_t vfuc_read32(struct vfuc *c, uint32_t region, uint64_t offset)
{
	uint32_t v;

	if (vfuc_read(c, region, offset, &v, 4) != 0)
		return 0xffffffffu;
	return v;
}

int vfuc_write32(struct vfuc *c, uint32_t region, uint64_t offset, uint32_t v)
{
	return vfuc_write(c, region, offset, &v, 4);
}

void *vfuc_map_region(struct vfuc *c, uint32_t index, uint64_t *size)
{
	uint8_t buf[256];
	struct vfio_region_info info;
	size_t len = 0;
	int fd = -1;
	void *p;

	if (vfuc_region_info(c, index, sizeof(buf), buf, sizeof(buf), &len, &fd) != 0 ||
	    len < sizeof(info) || fd < 0) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	memcpy(&info, buf, sizeof(info));
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.offset);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	*size = info.size;
	return p;
}
