// SPDX-License-Identifier: MIT
/*
 * Control socket protocol (also in docs/device-abi.md, "Control socket").
 *
 * One request per connection. The client sends one line of at most 127 bytes,
 * the '\n' that ends it included (a '\r' before it is ignored, what follows
 * it too; a NUL byte in it is an error), within 1 second of connecting; the
 * device replies and closes the connection. A reply starts with a line that
 * is either "ok ..." or "error MESSAGE".
 *
 *   status          "ok" then free-form lines: the device, each head, the
 *                   control socket's connections ("control: N of 32 ..."),
 *                   then the transport's lines.
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
 *   fault [SPEC|clear]
 *                   set fault SPEC (fault.h; not the identity lies, which
 *                   only the command line sets), clear the faults (all but
 *                   the identity lies), or with no argument only list them:
 *                   "ok N fault(s)" then one line per active fault.
 *
 * Connections are served concurrently and the device never waits for one: a
 * request must be complete within 1 s of the connect and its reply taken
 * within 5 s of the request, else the client is dropped (a line on stderr,
 * counted in `status`); a half line at the 1 s deadline is answered with an
 * error. At most FG_CTL_MAX_CLIENTS connections are open; a client beyond
 * that gets "error too many control connections (N), try again" and is
 * closed. Screenshots being sent hold at most REPLY_BUDGET bytes (one is
 * always allowed); beyond it `screenshot` answers "error busy: ...".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "compose.h"
#include "ctl.h"
#include "engine.h"
#include "fakegpu_abi.h"

#define REQUEST_BYTES	127			/* a request line, its '\n' included */
#define READ_NS		1000000000ull		/* connect -> request complete */
#define WRITE_NS	5000000000ull		/* request -> reply fully taken */
#define SEND_CHUNK	(1u << 20)		/* bytes sent per connection per dispatch */
#define ACCEPT_BATCH	(2 * FG_CTL_MAX_CLIENTS)	/* accepts per dispatch */
#define REPLY_BUDGET	(256ull << 20)		/* screenshot bytes held for sending */
#define NOTE_GAP_NS	1000000000ull		/* at most one drop message a second */
#define LISTEN_BACKLOG	(2 * FG_CTL_MAX_CLIENTS)

struct conn {
	int fd;				/* -1: free slot */
	bool writing;			/* request read, reply being sent */
	uint64_t deadline;		/* CLOCK_MONOTONIC ns */
	size_t req_len;
	char req[REQUEST_BYTES];
	struct fg_ctl_reply reply;
	size_t sent;			/* of reply.text_len + reply.body_len */
};

struct fg_ctl {
	int fd;
	char *path;
	struct fg_engine *engine;
	fg_ctl_status_fn status;
	void *opaque;
	struct fg_sock_access access;	/* who may connect */
	struct conn conn[FG_CTL_MAX_CLIENTS];
	unsigned int nconn;		/* slots in use */
	uint64_t body_bytes;		/* screenshot bytes the connections hold */
	unsigned long long turned_away;	/* clients beyond FG_CTL_MAX_CLIENTS */
	unsigned long long dropped;	/* connections that missed a deadline */
	uint64_t note_after;		/* next drop message not before (ns) */
	unsigned long long notes_held;	/* drop messages left out since the last */
};

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

/* The active faults, one line each, as a malloc'ed string (NULL: no memory). */
static char *fault_lines(const struct fg_engine *e, unsigned int *n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return NULL;
	*n = fg_engine_fault_list(e, m);
	if (fclose(m) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* "faults: SPEC SPEC ..." (or "none") for `status`. */
static void status_faults(const struct fg_engine *e, FILE *out)
{
	unsigned int n = 0;
	char *text = fault_lines(e, &n);

	/* One line: the newlines become blanks, the last one goes. */
	for (char *p = text; p && *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
	fprintf(out, "faults: %s\n", n && text ? text : "none");
	free(text);
}

/* fault [SPEC|clear]: set or clear, then list what is active. */
static void cmd_fault(struct fg_ctl *c, const char *arg, FILE *out)
{
	unsigned int n = 0;
	char err[320], *text;

	if (arg && strcmp(arg, "clear") == 0) {
		fg_engine_fault_clear(c->engine);
	} else if (arg && fg_engine_fault(c->engine, arg, false, err, sizeof(err)) != 0) {
		fprintf(out, "error %s\n", err);
		return;
	}
	text = fault_lines(c->engine, &n);
	if (!text) {
		fprintf(out, "error device out of memory\n");
		return;
	}
	fprintf(out, "ok %u fault%s\n%s", n, n == 1 ? "" : "s", text);
	free(text);
}

static void cmd_status(struct fg_ctl *c, FILE *out)
{
	struct fg_engine *e = c->engine;
	/* The real size, whatever the vram-mb fault makes the register say. */
	unsigned long long vram = fg_engine_vram_size(e);
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
	fprintf(out, "control: %u of %u connections open, %llu turned away (too many), "
		"%llu dropped (too slow)\n", c->nconn, FG_CTL_MAX_CLIENTS, c->turned_away,
		c->dropped);
	status_faults(e, out);
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

/* Would @bytes more screenshot data exceed the budget? One always fits. */
static bool over_budget(const struct fg_ctl *c, uint64_t bytes)
{
	return c->body_bytes && c->body_bytes + bytes > REPLY_BUDGET;
}

/* Screenshot: the header line goes to @out, the pixel bytes to r->body. */
static void cmd_screenshot(struct fg_ctl *c, unsigned int head, FILE *out,
			   struct fg_ctl_reply *r)
{
	struct fg_engine_head_stats st;
	uint32_t w, h, *px;
	int err;

	/* Refuse before composing a frame that could not be held anyway. */
	fg_engine_head_stats(c->engine, head, &st);
	if (st.active && over_budget(c, (uint64_t)st.width * st.height * 4))
		goto busy;
	err = fg_engine_screenshot(c->engine, head, &px, &w, &h);
	if (err) {
		fprintf(out, "error head %u %s\n", head, screenshot_error(err));
		return;
	}
	if (over_budget(c, (uint64_t)w * h * 4)) {
		free(px);
		goto busy;
	}
	pixels_to_wire(px, (size_t)w * h);
	fprintf(out, "ok screenshot %u %u\n", w, h);
	r->body = (uint8_t *)px;
	r->body_len = (size_t)w * h * 4;
	return;
busy:
	fprintf(out, "error busy: %llu MiB of screenshots are being sent, try again\n",
		(unsigned long long)(REPLY_BUDGET >> 20));
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

/* Serve the request line @req (NUL-terminated, no newline). */
static void serve_line(struct fg_ctl *c, char *req, FILE *out, struct fg_ctl_reply *r)
{
	char *save = NULL, *cmd = strtok_r(req, " \t", &save);
	char *arg = cmd ? strtok_r(NULL, " \t", &save) : NULL;
	char *extra = arg ? strtok_r(NULL, " \t", &save) : NULL;
	bool needs_head, takes_arg;
	unsigned int head = 0;

	if (!cmd) {
		fprintf(out, "error empty request\n");
		return;
	}
	needs_head = strcmp(cmd, "screenshot") == 0 || strcmp(cmd, "crc") == 0 ||
		     strcmp(cmd, "plug") == 0 || strcmp(cmd, "unplug") == 0;
	takes_arg = needs_head || strcmp(cmd, "fault") == 0;
	if (!takes_arg && strcmp(cmd, "status") != 0 && strcmp(cmd, "stats") != 0) {
		fprintf(out, "error unknown command '%.32s' (commands: status, stats, "
			"screenshot HEAD, crc HEAD, plug HEAD, unplug HEAD, "
			"fault [SPEC|clear])\n", cmd);
		return;
	}
	if (extra || (!takes_arg && arg)) {
		fprintf(out, "error too many arguments for '%s'\n", cmd);
		return;
	}
	if (needs_head && !parse_head(c, arg, &head, out))
		return;

	if (strcmp(cmd, "fault") == 0)
		cmd_fault(c, arg, out);
	else if (strcmp(cmd, "status") == 0)
		cmd_status(c, out);
	else if (strcmp(cmd, "stats") == 0)
		cmd_stats(c, out);
	else if (strcmp(cmd, "screenshot") == 0)
		cmd_screenshot(c, head, out, r);
	else if (strcmp(cmd, "crc") == 0)
		cmd_crc(c, head, out);
	else if (fg_engine_set_connected(c->engine, head, strcmp(cmd, "plug") == 0) == 0)
		fprintf(out, "ok\n");
	else
		fprintf(out, "error cannot change head %u\n", head);
}

void fg_ctl_reply_free(struct fg_ctl_reply *r)
{
	free(r->text);
	free(r->body);
	*r = (struct fg_ctl_reply){ 0 };
}

int fg_ctl_serve_request(struct fg_ctl *c, const char *req, size_t len,
			 struct fg_ctl_reply *r)
{
	char line[REQUEST_BYTES];
	const char *nl;
	FILE *out;

	*r = (struct fg_ctl_reply){ 0 };
	if (!len)
		return 0;
	nl = memchr(req, '\n', len < REQUEST_BYTES ? len : REQUEST_BYTES);
	out = open_memstream(&r->text, &r->text_len);
	if (!out)
		return -ENOMEM;
	if (!nl) {
		fprintf(out, "error %s\n", len >= REQUEST_BYTES ? "request line too long" :
			"incomplete request (no newline)");
	} else if (memchr(req, '\0', (size_t)(nl - req))) {
		fprintf(out, "error request contains a NUL byte\n");
	} else {
		size_t n = (size_t)(nl - req);

		memcpy(line, req, n);
		line[n] = '\0';
		if (n && line[n - 1] == '\r')
			line[n - 1] = '\0';
		serve_line(c, line, out, r);
	}
	if (fclose(out) != 0 || !r->text) {
		fg_ctl_reply_free(r);
		return -ENOMEM;
	}
	return 0;
}

/* --- Connections --------------------------------------------------------- */

/*
 * A line on stderr about a client the device gave up on, at most one a
 * second so that a stream of bad clients cannot flood the log.
 */
static void note(struct fg_ctl *c, uint64_t now, const char *fmt, ...)
{
	va_list ap;

	if (now < c->note_after) {
		c->notes_held++;
		return;
	}
	fprintf(stderr, "fakegpu: control socket %s: ", c->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (c->notes_held)
		fprintf(stderr, " (%llu earlier message(s) about clients left out)",
			c->notes_held);
	fputc('\n', stderr);
	c->notes_held = 0;
	c->note_after = now + NOTE_GAP_NS;
}

/*
 * Closing a UNIX socket with unread input makes the peer's read fail with
 * ECONNRESET after our reply; swallow what the client already sent (bounded,
 * never waiting) so that it sees a clean end of stream.
 */
static void finish(int fd)
{
	char buf[4096];

	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 16; i++)
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
	close(fd);
}

/* Free slot @k; @clean: the reply was sent, end the stream in order. */
static void conn_end(struct fg_ctl *c, struct conn *k, bool clean)
{
	if (clean)
		finish(k->fd);
	else
		close(k->fd);
	c->body_bytes -= k->reply.body_len;
	fg_ctl_reply_free(&k->reply);
	*k = (struct conn){ .fd = -1 };
	c->nconn--;
}

/* Send what the socket takes now (at most SEND_CHUNK); done: close. */
static void conn_send(struct fg_ctl *c, struct conn *k)
{
	const struct fg_ctl_reply *r = &k->reply;
	size_t total = r->text_len + r->body_len, budget = SEND_CHUNK;

	while (k->sent < total && budget) {
		const uint8_t *p = k->sent < r->text_len ?
			(const uint8_t *)r->text + k->sent : r->body + (k->sent - r->text_len);
		size_t left = k->sent < r->text_len ? r->text_len - k->sent : total - k->sent;
		ssize_t n = send(k->fd, p, left < budget ? left : budget,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			k->sent += (size_t)n;
			budget -= (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;			/* POLLOUT will tell */
		} else {
			conn_end(c, k, false);	/* the client is gone */
			return;
		}
	}
	if (k->sent == total)
		conn_end(c, k, true);
}

/* Switch @k to sending @k->reply (already filled) and send what fits. */
static void conn_reply(struct fg_ctl *c, struct conn *k, uint64_t now)
{
	static const char oom[] = "error device out of memory\n";

	if (!k->reply.text && !(k->reply.text = strdup(oom))) {
		conn_end(c, k, false);
		return;
	}
	if (!k->reply.text_len)
		k->reply.text_len = strlen(k->reply.text);
	c->body_bytes += k->reply.body_len;
	k->writing = true;
	k->sent = 0;
	k->deadline = now + WRITE_NS;
	conn_send(c, k);
}

/* Read what the client sent; a complete request (or its end) gets the reply. */
static void conn_read(struct fg_ctl *c, struct conn *k, uint64_t now)
{
	for (;;) {
		ssize_t n;

		if (k->req_len == REQUEST_BYTES || memchr(k->req, '\n', k->req_len))
			break;
		n = recv(k->fd, k->req + k->req_len, REQUEST_BYTES - k->req_len, MSG_DONTWAIT);
		if (n > 0) {
			k->req_len += (size_t)n;
			continue;
		}
		if (n == 0 && !k->req_len) {
			conn_end(c, k, false);	/* connected and left */
			return;
		}
		if (n == 0)
			break;			/* a half line, then the end */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			conn_end(c, k, false);
		return;
	}
	if (fg_ctl_serve_request(c, k->req, k->req_len, &k->reply) < 0)
		k->reply = (struct fg_ctl_reply){ 0 };
	conn_reply(c, k, now);
}

/* A deadline passed: a half request is answered, anything else dropped. */
static void conn_expire(struct fg_ctl *c, struct conn *k, uint64_t now)
{
	static const char half[] = "error incomplete request (no newline within 1 s)\n";

	if (!k->writing && k->req_len) {
		k->reply.text = strdup(half);
		k->reply.text_len = k->reply.text ? strlen(half) : 0;
		conn_reply(c, k, now);
		return;
	}
	c->dropped++;
	if (k->writing)
		note(c, now, "dropped a client that took %zu of the %zu reply bytes in %llu s",
		     k->sent, k->reply.text_len + k->reply.body_len, WRITE_NS / 1000000000ull);
	else
		note(c, now, "dropped a client that sent no request in %llu s",
		     READ_NS / 1000000000ull);
	conn_end(c, k, false);
}

/* The connection on @fd; with -1, a free slot. NULL if there is none. */
static struct conn *conn_by_fd(struct fg_ctl *c, int fd)
{
	for (unsigned int i = 0; i < FG_CTL_MAX_CLIENTS; i++)
		if (c->conn[i].fd == fd)
			return &c->conn[i];
	return NULL;
}

/* A client beyond FG_CTL_MAX_CLIENTS: one error line, closed at once. */
static void turn_away(struct fg_ctl *c, int fd, uint64_t now)
{
	char msg[80];
	int n = snprintf(msg, sizeof(msg),
			 "error too many control connections (%u), try again\n",
			 FG_CTL_MAX_CLIENTS);

	send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
	finish(fd);
	c->turned_away++;
	note(c, now, "turned a client away: %u connections are open", FG_CTL_MAX_CLIENTS);
}

static void accept_clients(struct fg_ctl *c, uint64_t now)
{
	for (unsigned int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *k;
		char why[160];

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				fprintf(stderr, "fakegpu: control socket %s: accept: %s\n",
					c->path, strerror(errno));
			return;
		}
		if (!fg_sock_peer_allowed(fd, &c->access, why, sizeof(why))) {
			fprintf(stderr, "fakegpu: control socket %s: refusing a client: %s\n",
				c->path, why);
			close(fd);
			continue;
		}
		k = conn_by_fd(c, -1);
		if (!k) {
			turn_away(c, fd, now);
			continue;
		}
		*k = (struct conn){ .fd = fd, .deadline = now + READ_NS };
		c->nconn++;
		conn_read(c, k, now);	/* the request is usually there already */
	}
}

unsigned int fg_ctl_pollfds(const struct fg_ctl *c, struct pollfd *pf, unsigned int max)
{
	unsigned int n = 0;

	if (!max)
		return 0;
	pf[n++] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
	for (unsigned int i = 0; i < FG_CTL_MAX_CLIENTS && n < max; i++) {
		const struct conn *k = &c->conn[i];

		if (k->fd >= 0)
			pf[n++] = (struct pollfd){ .fd = k->fd,
						   .events = k->writing ? POLLOUT : POLLIN };
	}
	return n;
}

void fg_ctl_dispatch(struct fg_ctl *c, const struct pollfd *pf, unsigned int n,
		     uint64_t now_ns)
{
	bool listen_ready = false;

	/* The connections first: no descriptor is new until accept_clients(). */
	for (unsigned int i = 0; i < n; i++) {
		struct conn *k;

		if (pf[i].fd == c->fd) {
			listen_ready = pf[i].revents & POLLIN;
			continue;
		}
		if (!pf[i].revents || pf[i].fd < 0 || !(k = conn_by_fd(c, pf[i].fd)))
			continue;
		if (k->writing)
			conn_send(c, k);
		else
			conn_read(c, k, now_ns);
	}
	for (unsigned int i = 0; i < FG_CTL_MAX_CLIENTS; i++)
		if (c->conn[i].fd >= 0 && c->conn[i].deadline <= now_ns)
			conn_expire(c, &c->conn[i], now_ns);
	if (listen_ready)
		accept_clients(c, now_ns);
}

uint64_t fg_ctl_next_deadline(const struct fg_ctl *c)
{
	uint64_t dl = UINT64_MAX;

	for (unsigned int i = 0; i < FG_CTL_MAX_CLIENTS; i++)
		if (c->conn[i].fd >= 0 && c->conn[i].deadline < dl)
			dl = c->conn[i].deadline;
	return dl;
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
	for (unsigned int i = 0; i < FG_CTL_MAX_CLIENTS; i++)
		c->conn[i].fd = -1;
	c->fd = fg_sock_listen(path, acc, LISTEN_BACKLOG, "control socket");
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
	for (unsigned int i = 0; i < FG_CTL_MAX_CLIENTS; i++)
		if (c->conn[i].fd >= 0)
			conn_end(c, &c->conn[i], false);
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}
