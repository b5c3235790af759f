// SPDX-License-Identifier: MIT
/*
 * Control socket protocol (also in docs/device-abi.md, "Control socket").
 *
 * One request per connection. The client sends one line of at most 127 bytes
 * ending in '\n' (a '\r' before it is ignored) within 1 second of connecting;
 * the device replies and closes the connection. A reply starts with a line
 * that is either "ok ..." or "error MESSAGE".
 *
 *   status          "ok" then free-form lines: the device, each head, then
 *                   the transport's lines.
 *   stats           "ok" then one line per head:
 *                   "head N active=0|1 connected=0|1 mode=WxH@MHZ frames=F
 *                    vblank_irqs=V commits=C refused=R crc=0xXXXXXXXX
 *                    reg_writes=W reg_reads=R"
 *                   reg_writes/reg_reads: BAR0 accesses to the head's
 *                   register block (planes included) since the device
 *                   started. New fields are only ever appended.
 *   screenshot N    "ok screenshot W H" then exactly W*H*4 bytes: the frame
 *                   head N displays now, raster order, each pixel as the
 *                   bytes B, G, R, 0 (XRGB8888 little-endian).
 *   crc N           "ok frame F crc 0xXXXXXXXX screen 0xYYYYYYYY": the CRC
 *                   register of head N and the frame it belongs to (0 0 until
 *                   a CRC was computed at a vblank), and the CRC of what the
 *                   head displays now, computed on demand with the same rule.
 *   plug N          "ok": connect head N's monitor (hotplug interrupt).
 *   unplug N        "ok": disconnect it (hotplug interrupt).
 *
 * The device spends at most 1 s reading a request and 5 s sending a reply;
 * a client that is slower, sends garbage or disappears is dropped.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "compose.h"
#include "ctl.h"
#include "engine.h"
#include "fakegpu_abi.h"

#define REQUEST_MAX	128
#define READ_MS		1000
#define WRITE_MS	5000

struct fg_ctl {
	int fd;
	char *path;
	struct fg_engine *engine;
	fg_ctl_status_fn status;
	void *opaque;
	struct fg_sock_access access;	/* who may connect */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @events on @fd until @deadline (ms). 1 ready, 0 timeout, -1 error. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int64_t left = deadline - now_ms();
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 0;
		return 1;
	}
}

static int send_all(int fd, const void *buf, size_t len, int64_t deadline)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    wait_fd(fd, POLLOUT, deadline) == 1)
			continue;
		return -1;	/* gone, broken or too slow */
	}
	return 0;
}

/*
 * Read the request line into @buf (NUL-terminated, no newline).
 * 0 ok, -1 nothing usable (message for the client in *why, or NULL).
 */
static int read_request(int fd, char *buf, size_t cap, const char **why)
{
	int64_t deadline = now_ms() + READ_MS;
	size_t len = 0;

	*why = NULL;
	for (;;) {
		char *nl = memchr(buf, '\n', len);
		ssize_t n;

		if (nl) {
			*nl = '\0';
			if (nl > buf && nl[-1] == '\r')
				nl[-1] = '\0';
			return 0;
		}
		if (len == cap - 1) {
			*why = "request line too long";
			return -1;
		}
		n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
		if (n > 0) {
			len += (size_t)n;
			continue;
		}
		if (n == 0) {
			if (len)
				*why = "incomplete request (no newline)";
			return -1;
		}
		if (errno == EINTR)
			continue;
		if ((errno == EAGAIN || errno == EWOULDBLOCK) &&
		    wait_fd(fd, POLLIN, deadline) == 1)
			continue;
		if (len)
			*why = "incomplete request (no newline within 1 s)";
		return -1;
	}
}

/* Parse a head number; false (and a message in @out) if it is not valid. */
static bool parse_head(struct fg_ctl *c, const char *arg, unsigned int *head, FILE *out)
{
	unsigned int heads = fg_engine_heads(c->engine);
	unsigned long v;
	char *end;

	if (!arg || !*arg) {
		fprintf(out, "error missing head number (0..%u)\n", heads - 1);
		return false;
	}
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*end || errno || arg[0] < '0' || arg[0] > '9' || v >= heads) {
		fprintf(out, "error no head '%s' (heads: 0..%u)\n", arg, heads - 1);
		return false;
	}
	*head = (unsigned int)v;
	return true;
}

static void cmd_status(struct fg_ctl *c, FILE *out)
{
	struct fg_engine *e = c->engine;
	unsigned long long vram = (unsigned long long)fg_engine_read(e, FAKEGPU_REG_VRAM_SIZE_LO) |
		(unsigned long long)fg_engine_read(e, FAKEGPU_REG_VRAM_SIZE_HI) << 32;
	uint32_t abi = fg_engine_read(e, FAKEGPU_REG_ABI_VERSION);

	fprintf(out, "ok\n");
	fprintf(out, "fakegpu abi %u.%u, %u head(s), VRAM %llu MiB, max %ux%u\n",
		abi >> 16, abi & 0xffff, fg_engine_heads(e), vram >> 20,
		fg_engine_read(e, FAKEGPU_REG_MAX_WIDTH),
		fg_engine_read(e, FAKEGPU_REG_MAX_HEIGHT));
	for (unsigned int i = 0; i < fg_engine_heads(e); i++) {
		struct fg_engine_head_stats st;

		fg_engine_head_stats(e, i, &st);
		if (st.active)
			fprintf(out, "head %u: on, %ux%u@%u.%03u Hz, frame %u, %s\n", i,
				st.width, st.height, st.refresh_mhz / 1000,
				st.refresh_mhz % 1000, st.frames,
				st.connected ? "connected" : "disconnected");
		else
			fprintf(out, "head %u: off, %s\n", i,
				st.connected ? "connected" : "disconnected");
	}
	if (c->status)
		c->status(c->opaque, out);
}

static void cmd_stats(struct fg_ctl *c, FILE *out)
{
	fprintf(out, "ok\n");
	for (unsigned int i = 0; i < fg_engine_heads(c->engine); i++) {
		struct fg_engine_head_stats st;

		fg_engine_head_stats(c->engine, i, &st);
		fprintf(out, "head %u active=%d connected=%d mode=%ux%u@%u frames=%u "
			"vblank_irqs=%llu commits=%llu refused=%llu crc=0x%08x "
			"reg_writes=%llu reg_reads=%llu\n",
			i, st.active, st.connected, st.width, st.height,
			st.refresh_mhz, st.frames,
			(unsigned long long)st.vblank_irqs,
			(unsigned long long)st.commits,
			(unsigned long long)st.refused, st.crc,
			(unsigned long long)st.reg_writes,
			(unsigned long long)st.reg_reads);
	}
}

static const char *screenshot_error(int r)
{
	switch (r) {
	case -ENODATA:
		return "is not scanning out";
	case -ENOMEM:
		return "cannot be captured: out of memory";
	default:
		return "cannot be captured";
	}
}

/* Screenshot: the header goes to @out, the pixels straight to the socket. */
static void cmd_screenshot(struct fg_ctl *c, unsigned int head, FILE *out,
			   uint32_t **pixels, size_t *npx)
{
	uint32_t w, h;
	int r = fg_engine_screenshot(c->engine, head, pixels, &w, &h);

	if (r) {
		fprintf(out, "error head %u %s\n", head, screenshot_error(r));
		return;
	}
	fprintf(out, "ok screenshot %u %u\n", w, h);
	*npx = (size_t)w * h;
}

/* CRC and CRC_FRAME from the stats, not fg_engine_read(): no reg_reads. */
static void cmd_crc(struct fg_ctl *c, unsigned int head, FILE *out)
{
	struct fg_engine_head_stats st;
	uint32_t w, h, *px;
	int r = fg_engine_screenshot(c->engine, head, &px, &w, &h);

	if (r) {
		fprintf(out, "error head %u %s\n", head, screenshot_error(r));
		return;
	}
	fg_engine_head_stats(c->engine, head, &st);
	fprintf(out, "ok frame %u crc 0x%08x screen 0x%08x\n", st.crc_frame, st.crc,
		fg_crc_pixels(0, px, (size_t)w * h));
	free(px);
}

static void dispatch(struct fg_ctl *c, char *req, FILE *out, uint32_t **pixels,
		     size_t *npx)
{
	char *save = NULL, *cmd = strtok_r(req, " \t", &save);
	char *arg = cmd ? strtok_r(NULL, " \t", &save) : NULL;
	char *extra = arg ? strtok_r(NULL, " \t", &save) : NULL;
	bool needs_head;
	unsigned int head = 0;

	if (!cmd) {
		fprintf(out, "error empty request\n");
		return;
	}
	needs_head = strcmp(cmd, "screenshot") == 0 || strcmp(cmd, "crc") == 0 ||
		     strcmp(cmd, "plug") == 0 || strcmp(cmd, "unplug") == 0;
	if (!needs_head && strcmp(cmd, "status") != 0 && strcmp(cmd, "stats") != 0) {
		fprintf(out, "error unknown command '%.32s' (commands: status, stats, "
			"screenshot HEAD, crc HEAD, plug HEAD, unplug HEAD)\n", cmd);
		return;
	}
	if (extra || (!needs_head && arg)) {
		fprintf(out, "error too many arguments for '%s'\n", cmd);
		return;
	}
	if (needs_head && !parse_head(c, arg, &head, out))
		return;

	if (strcmp(cmd, "status") == 0)
		cmd_status(c, out);
	else if (strcmp(cmd, "stats") == 0)
		cmd_stats(c, out);
	else if (strcmp(cmd, "screenshot") == 0)
		cmd_screenshot(c, head, out, pixels, npx);
	else if (strcmp(cmd, "crc") == 0)
		cmd_crc(c, head, out);
	else if (fg_engine_set_connected(c->engine, head, strcmp(cmd, "plug") == 0) == 0)
		fprintf(out, "ok\n");
	else
		fprintf(out, "error cannot change head %u\n", head);
}

/* Pixels as the bytes B, G, R, 0, in place. */
static void pixels_to_wire(uint32_t *px, size_t n)
{
	uint8_t *b = (uint8_t *)px;

	for (size_t i = 0; i < n; i++) {
		uint32_t v = px[i];

		b[4 * i + 0] = v & 0xff;
		b[4 * i + 1] = (v >> 8) & 0xff;
		b[4 * i + 2] = (v >> 16) & 0xff;
		b[4 * i + 3] = 0;
	}
}

static void serve(struct fg_ctl *c, int fd)
{
	char req[REQUEST_MAX];
	const char *why;
	char *text = NULL;
	size_t text_len = 0, npx = 0;
	uint32_t *pixels = NULL;
	int64_t deadline;
	FILE *out;

	if (read_request(fd, req, sizeof(req), &why) < 0) {
		if (why) {
			char msg[96];
			int n = snprintf(msg, sizeof(msg), "error %s\n", why);

			send_all(fd, msg, (size_t)n, now_ms() + READ_MS);
		}
		return;
	}
	out = open_memstream(&text, &text_len);
	if (!out) {
		static const char oom[] = "error device out of memory\n";

		send_all(fd, oom, sizeof(oom) - 1, now_ms() + READ_MS);
		return;
	}
	dispatch(c, req, out, &pixels, &npx);
	if (fclose(out) != 0 || !text) {
		free(text);
		free(pixels);
		return;
	}
	deadline = now_ms() + WRITE_MS;
	if (send_all(fd, text, text_len, deadline) == 0 && pixels) {
		pixels_to_wire(pixels, npx);
		send_all(fd, pixels, npx * 4, deadline);
	}
	free(text);
	free(pixels);
}

/*
 * Closing a UNIX socket with unread input makes the peer's read fail with
 * ECONNRESET after our reply; swallow what the client already sent (bounded,
 * never waiting) so that it sees a clean end of stream.
 */
static void drain(int fd)
{
	char buf[4096];

	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 16; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
}

void fg_ctl_handle(struct fg_ctl *c)
{
	int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	char why[160];

	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
		    errno != ECONNABORTED)
			fprintf(stderr, "fakegpu: control socket %s: accept: %s\n",
				c->path, strerror(errno));
		return;
	}
	if (!fg_sock_peer_allowed(fd, &c->access, why, sizeof(why))) {
		fprintf(stderr, "fakegpu: control socket %s: refusing a client: %s\n",
			c->path, why);
		close(fd);
		return;
	}
	serve(c, fd);
	drain(fd);
	close(fd);
}

struct fg_ctl *fg_ctl_new(const char *path, const struct fg_sock_access *acc,
			  struct fg_engine *e, fg_ctl_status_fn st, void *opaque)
{
	struct fg_ctl *c;

	if (!path || !*path) {
		fprintf(stderr, "fakegpu: the control socket path is empty\n");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->path = strdup(path))) {
		fprintf(stderr, "fakegpu: out of memory for the control socket\n");
		free(c);
		return NULL;
	}
	c->engine = e;
	c->status = st;
	c->opaque = opaque;
	c->access = *acc;
	c->fd = fg_sock_listen(path, acc, 8, "control socket");
	if (c->fd < 0) {
		free(c->path);
		free(c);
		return NULL;
	}
	return c;
}

int fg_ctl_fd(const struct fg_ctl *c)
{
	return c->fd;
}

void fg_ctl_free(struct fg_ctl *c)
{
	if (!c)
		return;
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}
