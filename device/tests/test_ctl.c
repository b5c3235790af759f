// SPDX-License-Identifier: MIT
/*
 * Control socket tests: a real UNIX socket in a temporary directory, the
 * client side played by the test in the same thread, the device's side
 * driven like its event loop does (poll the descriptors fg_ctl_pollfds()
 * lists, then fg_ctl_dispatch()) on a clock the test can move forward to
 * reach the connection deadlines; plus the socket-less request entry point
 * and the PNG writer/reader round trip.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "compose.h"
#include "ctl_client.h"
#include "ctl.h"
#include "engine.h"
#include "fakegpu_abi.h"
#include "pngio.h"

static const struct fg_sock_access acc_default = FG_SOCK_ACCESS_INIT;

#define VRAM_SIZE (16u << 20)
#define W 64
#define H 48

struct fx {
	char dir[64], path[128];
	uint8_t *vram;
	struct fg_engine *e;
	struct fg_ctl *c;
	uint64_t skew;		/* the loop's clock runs this far ahead of CLOCK_MONOTONIC */
};

/* A dispatch call that takes this long has waited for a client. */
#define DISPATCH_MAX_S	0.25
#define NS		1000000000ull

static void transport_status(void *opaque, FILE *out)
{
	fprintf(out, "transport: %s\n", (const char *)opaque);
}

static uint32_t pixel(uint32_t x, uint32_t y)
{
	return (x * 4) << 16 | (y * 5) << 8 | ((x + y) & 0xff);
}

static void engine_write(struct fg_engine *e, uint32_t off, uint32_t v)
{
	fg_engine_write(e, FAKEGPU_HEAD_BASE(0) + off, v);
}

/* Head 1 on, scanning out a @w x @h XRGB8888 frame from VRAM offset 0. */
static void head1_on(struct fg_engine *e, uint32_t w, uint32_t h)
{
	uint32_t b = FAKEGPU_HEAD_BASE(1), p = b + FAKEGPU_PLANE_BASE(0);

	fg_engine_write(e, b + FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	fg_engine_write(e, b + FAKEGPU_HEAD_WIDTH, w);
	fg_engine_write(e, b + FAKEGPU_HEAD_HEIGHT, h);
	fg_engine_write(e, b + FAKEGPU_HEAD_REFRESH_MHZ, 60000);
	fg_engine_write(e, p + FAKEGPU_PLANE_CTRL, 1);
	fg_engine_write(e, p + FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888);
	fg_engine_write(e, p + FAKEGPU_PLANE_PITCH, w * 4);
	fg_engine_write(e, p + FAKEGPU_PLANE_SRC_W, w);
	fg_engine_write(e, p + FAKEGPU_PLANE_SRC_H, h);
	fg_engine_write(e, b + FAKEGPU_HEAD_COMMIT, 1);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct fg_engine_config cfg = { .heads = 2, .vram_size = VRAM_SIZE };

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/fgctl-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/ctl.sock", f->dir);
	f->vram = calloc(1, VRAM_SIZE);
	assert_non_null(f->vram);
	cfg.vram = f->vram;
	f->e = fg_engine_new(&cfg, NULL, NULL);
	assert_non_null(f->e);
	for (uint32_t y = 0; y < H; y++)
		for (uint32_t x = 0; x < W; x++) {
			uint32_t v = pixel(x, y) | 0xff000000;

			memcpy(f->vram + 4 * (y * W + x), &v, 4);	/* little-endian host */
		}
	/* Head 0 shows the pattern (10 register writes); head 1 stays off. */
	engine_write(f->e, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	engine_write(f->e, FAKEGPU_HEAD_WIDTH, W);
	engine_write(f->e, FAKEGPU_HEAD_HEIGHT, H);
	engine_write(f->e, FAKEGPU_HEAD_REFRESH_MHZ, 60000);
	engine_write(f->e, FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_CTRL, 1);
	engine_write(f->e, FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888);
	engine_write(f->e, FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_PITCH, W * 4);
	engine_write(f->e, FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_SRC_W, W);
	engine_write(f->e, FAKEGPU_PLANE_BASE(0) + FAKEGPU_PLANE_SRC_H, H);
	engine_write(f->e, FAKEGPU_HEAD_COMMIT, 1);
	f->c = fg_ctl_new(f->path, &acc_default, f->e, transport_status, "test-line");
	assert_non_null(f->c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fg_ctl_free(f->c);
	assert_int_equal(access(f->path, F_OK), -1);	/* unlinked */
	fg_engine_free(f->e);
	free(f->vram);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int client(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

/*
 * One turn of the device's loop for the control socket: poll what
 * fg_ctl_pollfds() lists (at most @ms), then dispatch, which must return
 * promptly whatever the clients do. Returns the connections open afterwards.
 */
static unsigned int pump(struct fx *f, int ms)
{
	struct pollfd pf[FG_CTL_MAX_POLLFDS];
	unsigned int n = fg_ctl_pollfds(f->c, pf, FG_CTL_MAX_POLLFDS);
	double t;

	assert_true(n >= 1 && n <= FG_CTL_MAX_POLLFDS);
	assert_int_equal(pf[0].fd, fg_ctl_fd(f->c));
	assert_true(poll(pf, n, ms) >= 0);
	t = now_s();
	fg_ctl_dispatch(f->c, pf, n, mono_ns() + f->skew);
	t = now_s() - t;
	if (t >= DISPATCH_MAX_S)
		fail_msg("fg_ctl_dispatch() took %.0f ms (it must never wait for a client)",
			 t * 1e3);
	return fg_ctl_pollfds(f->c, pf, FG_CTL_MAX_POLLFDS) - 1;
}

/* Move the loop's clock forward by @ms and let it run. */
static unsigned int advance(struct fx *f, unsigned int ms)
{
	f->skew += (uint64_t)ms * 1000000u;
	return pump(f, 0);
}

/*
 * Read client @fd until the device closes it: *len bytes, NUL-terminated.
 * With @f, run the loop while nothing is there (and fail after 5 s); with
 * NULL the device is done with @fd already.
 */
static char *read_all(struct fx *f, int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	double t0 = now_s();

	assert_non_null(buf);
	if (f)
		assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
	for (;;) {
		ssize_t r;

		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		r = read(fd, buf + n, cap - n);
		if (r == 0)
			break;
		if (r > 0) {
			n += (size_t)r;
			continue;
		}
		assert_true(f && errno == EAGAIN);
		if (now_s() - t0 > 5.0)
			fail_msg("no complete reply within 5 s (%zu bytes so far)", n);
		pump(f, 5);
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* One request: send @req, let the loop serve it, return the reply. */
static char *request(struct fx *f, const char *req, size_t *len)
{
	int fd = client(f->path);
	char *reply;

	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	reply = read_all(f, fd, len);
	close(fd);
	return reply;
}

/*
 * Send the stats request @req and expect the exact reply for setup()'s two
 * heads, with reg_writes/reg_reads @w0/@r0 (head 0) and @w1/@r1 (head 1).
 */
static void check_stats(struct fx *f, const char *req, unsigned int w0,
			unsigned int r0, unsigned int w1, unsigned int r1)
{
	char *r = request(f, req, NULL);
	char want[512];

	snprintf(want, sizeof(want), "ok\n"
		 "head 0 active=1 connected=1 mode=64x48@60000 frames=0 vblank_irqs=0 "
		 "commits=1 refused=0 crc=0x00000000 reg_writes=%u reg_reads=%u\n"
		 "head 1 active=0 connected=1 mode=0x0@0 frames=0 vblank_irqs=0 "
		 "commits=0 refused=0 crc=0x00000000 reg_writes=%u reg_reads=%u\n",
		 w0, r0, w1, r1);
	assert_string_equal(r, want);
	free(r);
}

static void test_status_and_stats(void **state)
{
	struct fx *f = *state;
	char *r = request(f, "status\n", NULL);
	char want[64];

	assert_int_equal(strncmp(r, "ok\n", 3), 0);

	snprintf(want, sizeof(want), "fakegpu abi %u.%u, 2 head(s), VRAM 16 MiB",
		 FAKEGPU_ABI_MAJOR, FAKEGPU_ABI_MINOR);
	assert_non_null(strstr(r, want));
	assert_non_null(strstr(r, "head 0: on, 64x48@60.000 Hz, frame 0, connected\n"));
	assert_non_null(strstr(r, "head 1: off, connected\n"));
	assert_non_null(strstr(r, "transport: test-line\n"));
	/* The connection asking counts as open. */
	assert_non_null(strstr(r, "control: 1 of 32 connections open, 0 turned away "
			       "(too many), 0 dropped (too slow)\n"));
	free(r);

	check_stats(f, "stats\r\n", 10, 0, 0, 0);
}

/*
 * reg_writes/reg_reads: the guest's accesses to each head's block; global
 * registers and the control socket's own requests (crc, status) do not count.
 */
static void test_stats_reg_counters(void **state)
{
	struct fx *f = *state;

	fg_engine_read(f->e, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_FRAME);
	fg_engine_write(f->e, FAKEGPU_HEAD_BASE(1) + FAKEGPU_HEAD_WIDTH, 32);
	fg_engine_write(f->e, FAKEGPU_HEAD_BASE(1) + FAKEGPU_PLANE_BASE(1) + FAKEGPU_PLANE_CTRL, 0);
	fg_engine_write(f->e, FAKEGPU_HEAD_BASE(1) + FAKEGPU_HEAD_STATUS, 0);	/* refused */
	for (int i = 0; i < 5; i++)
		fg_engine_read(f->e, FAKEGPU_HEAD_BASE(1) + FAKEGPU_EDID_WINDOW + 4 * i);
	fg_engine_write(f->e, FAKEGPU_REG_SCRATCH, 1);
	fg_engine_read(f->e, FAKEGPU_REG_IRQ_STATUS);
	free(request(f, "crc 0\n", NULL));
	free(request(f, "status\n", NULL));
	check_stats(f, "stats\n", 10, 1, 3, 5);
}

static void test_screenshot_and_crc(void **state)
{
	struct fx *f = *state;
	size_t len, hdr;
	char *r = request(f, "screenshot 0\n", &len);
	uint32_t *px = malloc(W * H * 4);
	char want[64];

	assert_non_null(px);
	hdr = strlen("ok screenshot 64 48\n");
	assert_int_equal(strncmp(r, "ok screenshot 64 48\n", hdr), 0);
	assert_int_equal(len, hdr + W * H * 4);
	for (uint32_t i = 0; i < W * H; i++) {
		const uint8_t *b = (const uint8_t *)r + hdr + 4 * i;
		uint32_t want_px = pixel(i % W, i / W);

		assert_int_equal(b[0], want_px & 0xff);
		assert_int_equal(b[1], (want_px >> 8) & 0xff);
		assert_int_equal(b[2], (want_px >> 16) & 0xff);
		assert_int_equal(b[3], 0);
		px[i] = want_px;
	}
	free(r);

	r = request(f, "crc 0\n", NULL);
	snprintf(want, sizeof(want), "ok frame 0 crc 0x00000000 screen 0x%08x\n",
		 fg_crc_pixels(0, px, W * H));
	assert_string_equal(r, want);
	free(r);
	free(px);

	r = request(f, "screenshot 1\n", NULL);
	assert_string_equal(r, "error head 1 is not scanning out\n");
	free(r);
}

static void test_plug_unplug(void **state)
{
	struct fx *f = *state;
	char *r = request(f, "unplug 1\n", NULL);

	assert_string_equal(r, "ok\n");
	free(r);
	assert_int_equal(fg_engine_read(f->e, FAKEGPU_HEAD_BASE(1) + FAKEGPU_HEAD_CONNECTOR), 0);
	assert_int_equal(fg_engine_read(f->e, FAKEGPU_REG_IRQ_STATUS), FAKEGPU_IRQ_HOTPLUG(1));
	r = request(f, "plug 1\n", NULL);
	assert_string_equal(r, "ok\n");
	free(r);
	assert_int_equal(fg_engine_read(f->e, FAKEGPU_HEAD_BASE(1) + FAKEGPU_HEAD_CONNECTOR),
			 FAKEGPU_CONN_CONNECTED);
}

static void test_bad_requests(void **state)
{
	struct fx *f = *state;
	static const struct { const char *req, *reply; } cases[] = {
		{ "bogus\n", "error unknown command 'bogus'" },
		{ "\n", "error empty request" },
		{ "screenshot\n", "error missing head number" },
		{ "screenshot 2\n", "error no head '2'" },
		{ "screenshot -1\n", "error no head '-1'" },
		{ "screenshot 0x0\n", "error no head '0x0'" },
		{ "screenshot 99999999999999999999\n", "error no head" },
		{ "plug 0 1\n", "error too many arguments" },
		{ "status now\n", "error too many arguments" },
		{ "stat", "error incomplete request" },
	};
	char longreq[300];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = client(f->path);
		char *r;

		assert_int_equal(write(fd, cases[i].req, strlen(cases[i].req)),
				 (ssize_t)strlen(cases[i].req));
		shutdown(fd, SHUT_WR);	/* a half line then EOF */
		r = read_all(f, fd, NULL);
		close(fd);
		if (strncmp(r, cases[i].reply, strlen(cases[i].reply)) != 0 ||
		    r[strlen(r) - 1] != '\n' || strchr(r, '\n') != r + strlen(r) - 1)
			fail_msg("request '%s': reply '%s', want '%s...'", cases[i].req, r,
				 cases[i].reply);
		free(r);
	}
	memset(longreq, 'a', sizeof(longreq) - 2);
	longreq[sizeof(longreq) - 2] = '\n';
	longreq[sizeof(longreq) - 1] = '\0';
	{
		char *r = request(f, longreq, NULL);

		assert_string_equal(r, "error request line too long\n");
		free(r);
	}
	/* The device is fine afterwards. */
	{
		char *r = request(f, "plug 0\n", NULL);

		assert_string_equal(r, "ok\n");
		free(r);
	}
}

static void test_silent_clients(void **state)
{
	struct fx *f = *state;
	char *r;
	int fd;

	/* Connects and sends nothing: open until 1 s after the connect, then dropped. */
	fd = client(f->path);
	assert_int_equal(pump(f, 0), 1);
	assert_int_equal(advance(f, 900), 1);
	assert_int_equal(advance(f, 200), 0);
	r = read_all(NULL, fd, NULL);
	assert_string_equal(r, "");
	free(r);
	close(fd);

	/* Half a line and then silence: an error line at the deadline. */
	fd = client(f->path);
	assert_int_equal(write(fd, "scree", 5), 5);
	assert_int_equal(pump(f, 0), 1);
	assert_int_equal(advance(f, 1100), 0);
	r = read_all(NULL, fd, NULL);
	assert_string_equal(r, "error incomplete request (no newline within 1 s)\n");
	free(r);
	close(fd);

	/* Vanishes at once. */
	fd = client(f->path);
	close(fd);
	assert_int_equal(pump(f, 10), 0);

	/* A request, then gone before the (large) reply. */
	head1_on(f->e, 1024, 768);
	fd = client(f->path);
	assert_int_equal(write(fd, "screenshot 1\n", 13), 13);
	close(fd);
	assert_int_equal(pump(f, 10), 0);

	/* Spurious wake-up: no client waiting. */
	assert_int_equal(pump(f, 0), 0);

	r = request(f, "status\n", NULL);
	assert_int_equal(strncmp(r, "ok\n", 3), 0);
	assert_non_null(strstr(r, ", 1 dropped (too slow)\n"));
	free(r);
}

/* A status request answered within 200 ms (@when says what else is going on). */
static char *prompt_status(struct fx *f, const char *when)
{
	double t = now_s();
	char *r = request(f, "status\n", NULL);

	t = now_s() - t;
	assert_int_equal(strncmp(r, "ok\n", 3), 0);
	if (t >= 0.2)
		fail_msg("status took %.0f ms %s", t * 1e3, when);
	return r;
}

/*
 * Clients that connect and send nothing do not hold up the device: the
 * others are answered at once, every dispatch returns at once, and the idle
 * ones are dropped at their deadline.
 */
static void test_idle_clients_do_not_stall(void **state)
{
	struct fx *f = *state;
	int idle[16];
	char *r;

	for (unsigned int i = 0; i < 16; i++) {
		idle[i] = client(f->path);
		pump(f, 0);
	}
	for (int i = 0; i < 5; i++)
		assert_int_equal(pump(f, 5), 16);
	r = prompt_status(f, "with 16 idle clients");
	assert_non_null(strstr(r, "control: 17 of 32 connections open"));
	free(r);

	assert_int_equal(advance(f, 1100), 0);
	for (unsigned int i = 0; i < 16; i++) {
		r = read_all(NULL, idle[i], NULL);
		assert_string_equal(r, "");
		free(r);
		close(idle[i]);
	}
}

/*
 * A client that asks for a large screenshot and reads none of it: the others
 * are served meanwhile; it is dropped 5 s after its request.
 */
static void test_unread_screenshot_does_not_stall(void **state)
{
	struct fx *f = *state;
	const size_t hdr = strlen("ok screenshot 1024 768\n"), full = hdr + 1024 * 768 * 4;
	size_t len;
	char *r;
	int fd;

	head1_on(f->e, 1024, 768);	/* 3 MiB: more than a socket buffer */
	fd = client(f->path);
	assert_int_equal(write(fd, "screenshot 1\n", 13), 13);
	for (int i = 0; i < 5; i++)
		assert_int_equal(pump(f, 5), 1);

	free(prompt_status(f, "while a screenshot is not read"));
	r = request(f, "screenshot 0\n", &len);
	assert_int_equal(len, strlen("ok screenshot 64 48\n") + W * H * 4);
	free(r);

	assert_int_equal(advance(f, 4900), 1);
	assert_int_equal(advance(f, 200), 0);
	r = read_all(NULL, fd, &len);
	close(fd);
	assert_int_equal(strncmp(r, "ok screenshot 1024 768\n", hdr), 0);
	if (len >= full)
		fail_msg("the slow client got all %zu bytes", len);
	free(r);
}

/*
 * More clients than FG_CTL_MAX_CLIENTS: the extra ones get an error line and
 * are closed at once, counted in `status`; the device keeps serving.
 */
static void test_connection_limit(void **state)
{
	struct fx *f = *state;
	int idle[FG_CTL_MAX_CLIENTS];
	char *r;

	for (unsigned int i = 0; i < FG_CTL_MAX_CLIENTS; i++) {
		idle[i] = client(f->path);
		pump(f, 0);
	}
	assert_int_equal(pump(f, 0), FG_CTL_MAX_CLIENTS);
	for (int i = 0; i < 8; i++) {
		int fd = client(f->path);

		assert_int_equal(pump(f, 10), FG_CTL_MAX_CLIENTS);
		r = read_all(NULL, fd, NULL);
		assert_string_equal(r, "error too many control connections (32), try again\n");
		free(r);
		close(fd);
	}
	close(idle[0]);
	assert_int_equal(pump(f, 10), FG_CTL_MAX_CLIENTS - 1);
	r = request(f, "status\n", NULL);
	assert_non_null(strstr(r, "control: 32 of 32 connections open, 8 turned away "
			       "(too many), 0 dropped (too slow)\n"));
	free(r);

	assert_int_equal(advance(f, 1100), 0);
	for (unsigned int i = 1; i < FG_CTL_MAX_CLIENTS; i++) {
		r = read_all(NULL, idle[i], NULL);
		assert_string_equal(r, "");
		free(r);
		close(idle[i]);
	}
	r = request(f, "stats\n", NULL);
	assert_int_equal(strncmp(r, "ok\n", 3), 0);
	free(r);
}

/*
 * Screenshots waiting to be sent hold at most 256 MiB (one is always
 * allowed): 16 unread 2048x2048 screenshots fill it, a 17th is refused until
 * one of them is gone.
 */
static void test_screenshot_budget(void **state)
{
	struct fx *f = *state;
	const size_t full = strlen("ok screenshot 2048 2048\n") + 2048 * 2048 * 4;
	int fd[16];
	size_t len;
	char *r;

	head1_on(f->e, 2048, 2048);	/* 16 MiB, all of the VRAM */
	for (unsigned int i = 0; i < 16; i++) {
		fd[i] = client(f->path);
		assert_int_equal(write(fd[i], "screenshot 1\n", 13), 13);
		assert_int_equal(pump(f, 0), i + 1);
	}
	r = request(f, "screenshot 1\n", NULL);
	assert_string_equal(r, "error busy: 256 MiB of screenshots are being sent, try again\n");
	free(r);
	/* Small replies are not held up. */
	r = request(f, "crc 1\n", NULL);
	assert_int_equal(strncmp(r, "ok frame ", 9), 0);
	free(r);

	close(fd[0]);
	assert_int_equal(pump(f, 10), 15);
	r = request(f, "screenshot 1\n", &len);
	assert_int_equal(len, full);
	free(r);
	for (unsigned int i = 1; i < 16; i++)
		close(fd[i]);
	assert_int_equal(pump(f, 10), 0);
}

/* The socket-less entry point gives exactly what a client reads. */
static void test_serve_request(void **state)
{
	struct fx *f = *state;
	static const char nul[] = "stat\0us\n";
	struct fg_ctl_reply rp;
	char longreq[200];

	assert_int_equal(fg_ctl_serve_request(f->c, "stats\n", 6, &rp), 0);
	assert_non_null(strstr(rp.text, "head 1 active=0 connected=1"));
	assert_int_equal(rp.text_len, strlen(rp.text));
	assert_null(rp.body);
	assert_int_equal(rp.body_len, 0);
	fg_ctl_reply_free(&rp);
	assert_null(rp.text);

	assert_int_equal(fg_ctl_serve_request(f->c, "screenshot 0\r\nstatus\n", 21, &rp), 0);
	assert_string_equal(rp.text, "ok screenshot 64 48\n");
	assert_int_equal(rp.body_len, W * H * 4);
	for (uint32_t i = 0; i < W * H; i++) {
		uint32_t want = pixel(i % W, i / W);
		uint8_t bgr0[4] = { want & 0xff, (want >> 8) & 0xff, (want >> 16) & 0xff, 0 };

		assert_memory_equal(rp.body + 4 * i, bgr0, 4);
	}
	fg_ctl_reply_free(&rp);

	/* Nothing sent: nothing to answer. */
	assert_int_equal(fg_ctl_serve_request(f->c, "", 0, &rp), 0);
	assert_int_equal(rp.text_len + rp.body_len, 0);
	fg_ctl_reply_free(&rp);

	assert_int_equal(fg_ctl_serve_request(f->c, "stat", 4, &rp), 0);
	assert_string_equal(rp.text, "error incomplete request (no newline)\n");
	fg_ctl_reply_free(&rp);
	assert_int_equal(fg_ctl_serve_request(f->c, nul, sizeof(nul) - 1, &rp), 0);
	assert_string_equal(rp.text, "error request contains a NUL byte\n");
	fg_ctl_reply_free(&rp);
	memset(longreq, 'a', sizeof(longreq));
	assert_int_equal(fg_ctl_serve_request(f->c, longreq, sizeof(longreq), &rp), 0);
	assert_string_equal(rp.text, "error request line too long\n");
	fg_ctl_reply_free(&rp);
	/* 126 bytes and the newline: the longest line. */
	memset(longreq, ' ', 126);
	memcpy(longreq, "stats", 5);
	longreq[126] = '\n';
	assert_int_equal(fg_ctl_serve_request(f->c, longreq, 127, &rp), 0);
	assert_int_equal(strncmp(rp.text, "ok\nhead 0 ", 10), 0);
	fg_ctl_reply_free(&rp);
	longreq[126] = ' ';
	longreq[127] = '\n';
	assert_int_equal(fg_ctl_serve_request(f->c, longreq, 128, &rp), 0);
	assert_string_equal(rp.text, "error request line too long\n");
	fg_ctl_reply_free(&rp);

	assert_int_equal(fg_ctl_serve_request(f->c, "unplug 1\n", 9, &rp), 0);
	assert_string_equal(rp.text, "ok\n");
	fg_ctl_reply_free(&rp);
	assert_int_equal(fg_engine_read(f->e, FAKEGPU_HEAD_BASE(1) + FAKEGPU_HEAD_CONNECTOR), 0);
}

static void test_socket_path_handling(void **state)
{
	struct fx *f = *state;
	char other[160];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;
	struct fg_ctl *c;

	/* A live device on the path: refused. */
	assert_null(fg_ctl_new(f->path, &acc_default, f->e, NULL, NULL));
	/* A stale socket (nobody listening) is replaced. */
	snprintf(other, sizeof(other), "%s/stale.sock", f->dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(strlen(other) < sizeof(addr.sun_path));
	memcpy(addr.sun_path, other, strlen(other) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	close(fd);
	c = fg_ctl_new(other, &acc_default, f->e, NULL, NULL);
	assert_non_null(c);
	fg_ctl_free(c);
	/* Not a socket: refused, left alone. */
	fd = open(other, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_null(fg_ctl_new(other, &acc_default, f->e, NULL, NULL));
	assert_int_equal(access(other, F_OK), 0);
	unlink(other);
	/* Too long for sun_path. */
	memset(other, 'x', sizeof(other) - 1);
	other[sizeof(other) - 1] = '\0';
	assert_null(fg_ctl_new(other, &acc_default, f->e, NULL, NULL));
	assert_true(fg_ctl_fd(f->c) >= 0);
}

static void test_png_round_trip(void **state)
{
	struct fx *f = *state;
	char file[160];
	uint32_t *px = NULL, *back = NULL, w, h, bw, bh;

	snprintf(file, sizeof(file), "%s/shot.png", f->dir);
	assert_int_equal(fg_engine_screenshot(f->e, 0, &px, &w, &h), 0);
	assert_int_equal(fg_png_write(file, px, w, h), 0);
	assert_int_equal(fg_png_read(file, &back, &bw, &bh), 0);
	assert_int_equal(bw, W);
	assert_int_equal(bh, H);
	assert_memory_equal(back, px, W * H * 4);
	/* The CRC recomputed from the PNG equals the device's rule. */
	assert_int_equal(fg_crc_pixels(0, back, W * H), fg_crc_pixels(0, px, W * H));
	free(px);
	free(back);
	unlink(file);
	assert_int_equal(fg_png_read(file, &back, &bw, &bh), -1);
	assert_int_equal(fg_png_write("/nonexistent-dir/x.png", (uint32_t[1]){ 0 }, 1, 1), -1);
}

/*
 * The shared client (client/ctl_client.c) against the real server: a child
 * process runs the device's loop until *stop (a pipe) is closed, the test
 * plays fakegpu-view in this process.
 */
static pid_t serve_in_child(struct fx *f, int *stop)
{
	int p[2];
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[1]);
		for (;;) {
			struct pollfd pf[1 + FG_CTL_MAX_POLLFDS] = {
				{ .fd = p[0], .events = POLLIN },
			};
			unsigned int n = fg_ctl_pollfds(f->c, pf + 1, FG_CTL_MAX_POLLFDS);

			if (poll(pf, n + 1, 100) < 0)
				_exit(1);
			if (pf[0].revents)
				_exit(0);
			fg_ctl_dispatch(f->c, pf + 1, n, mono_ns());
		}
	}
	close(p[0]);
	*stop = p[1];
	return pid;
}

static void reap(pid_t pid, int stop)
{
	int st;

	close(stop);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_client_screenshot_and_stats(void **state)
{
	struct fx *f = *state;
	struct fg_ctlc_head heads[FG_CTLC_MAX_HEADS];
	unsigned int n = 0;
	uint8_t *px = NULL;
	uint32_t w = 0, h = 0;
	int stop;
	pid_t pid = serve_in_child(f, &stop);

	assert_int_equal(fg_ctlc_screenshot("test", f->path, 0, &px, &w, &h), FG_CTLC_OK);
	assert_int_equal(w, W);
	assert_int_equal(h, H);
	for (uint32_t i = 0; i < W * H; i++) {
		uint32_t want = pixel(i % W, i / W);
		uint8_t bgr0[4] = { want & 0xff, (want >> 8) & 0xff, (want >> 16) & 0xff, 0 };

		assert_memory_equal(px + 4 * i, bgr0, 4);
	}
	free(px);
	px = NULL;
	/* Head 1 is off: "no signal", nothing allocated. */
	assert_int_equal(fg_ctlc_screenshot("test", f->path, 1, &px, &w, &h), FG_CTLC_NO_SIGNAL);
	assert_null(px);
	assert_int_equal(fg_ctlc_stats("test", f->path, heads, FG_CTLC_MAX_HEADS, &n), FG_CTLC_OK);
	reap(pid, stop);
	assert_int_equal(n, 2);
	assert_true(heads[0].active && heads[0].connected);
	assert_int_equal(heads[0].width, W);
	assert_int_equal(heads[0].height, H);
	assert_int_equal(heads[0].refresh_mhz, 60000);
	assert_int_equal(heads[0].reg_writes, 10);
	assert_int_equal(heads[0].reg_reads, 0);
	assert_false(heads[1].active);
	assert_int_equal(heads[1].reg_writes + heads[1].reg_reads, 0);
}

static void test_client_errors(void **state)
{
	struct fx *f = *state;
	char gone[160];
	uint8_t *px = NULL;
	uint32_t w, h;
	int stop;
	pid_t pid = serve_in_child(f, &stop);

	/* A head the device does not have: its error, not "no signal". */
	assert_int_equal(fg_ctlc_screenshot("test", f->path, 5, &px, &w, &h), FG_CTLC_REFUSED);
	reap(pid, stop);
	snprintf(gone, sizeof(gone), "%s/none.sock", f->dir);
	assert_int_equal(fg_ctlc_screenshot("test", gone, 0, &px, &w, &h), FG_CTLC_UNREACHABLE);
	assert_null(px);
}

static void test_client_parse_head(void **state)
{
	struct fg_ctlc_head hd;
	unsigned int i;

	(void)state;
	assert_int_equal(fg_ctlc_parse_head("head 2 active=0 connected=1 mode=0x0@0 frames=3 "
					    "vblank_irqs=0 commits=0 refused=0 crc=0x00000000 "
					    "reg_writes=18446744073709551615 reg_reads=7\n",
					    &i, &hd), 0);
	assert_int_equal(i, 2);
	assert_true(hd.reg_writes == UINT64_MAX);
	assert_int_equal(hd.reg_reads, 7);
	/* A device from before reg_writes/reg_reads: both 0. */
	assert_int_equal(fg_ctlc_parse_head("head 1 active=1 connected=0 mode=800x600@75000 "
					    "frames=9 vblank_irqs=0\n", &i, &hd), 0);
	assert_int_equal(i, 1);
	assert_true(hd.active && !hd.connected);
	assert_int_equal(hd.width * 10000 + hd.height, 800 * 10000 + 600);
	assert_int_equal(hd.refresh_mhz, 75000);
	assert_int_equal(hd.frames, 9);
	assert_int_equal(hd.reg_writes, 0);
	assert_int_equal(hd.reg_reads, 0);
	/* Every value is checked. */
	assert_int_equal(fg_ctlc_parse_head("head 8 active=0 connected=0 mode=0x0@0 frames=0",
					    &i, &hd), -1);
	assert_int_equal(fg_ctlc_parse_head("head 0 active=2 connected=0 mode=0x0@0 frames=0",
					    &i, &hd), -1);
	assert_int_equal(fg_ctlc_parse_head("head 0 active=1 connected=1 mode=99999x10@60000 "
					    "frames=0", &i, &hd), -1);
	assert_int_equal(fg_ctlc_parse_head("head 0 active=1 connected=1 mode=640x480@0 frames=0",
					    &i, &hd), -1);
	assert_int_equal(fg_ctlc_parse_head("head 0 active=1 connected=1 mode=640x480@60000 "
					    "frames=1x", &i, &hd), -1);
	assert_int_equal(fg_ctlc_parse_head("head 0 active=0 connected=0 mode=0x0@0 frames=0 "
					    "reg_writes=x reg_reads=0", &i, &hd), -1);
	assert_int_equal(fg_ctlc_parse_head("head 0 active=0 connected=0 mode=0x0@0 frames=0 "
					    "reg_writes=1 reg_reads=2x", &i, &hd), -1);
	assert_int_equal(fg_ctlc_parse_head("head 0 active=0 connected=0 mode=0x0@0 frames=0 "
					    "reg_writes=1 reg_reads=18446744073709551616",
					    &i, &hd), -1);
	assert_int_equal(fg_ctlc_parse_head("garbage", &i, &hd), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_reg_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_screenshot_and_crc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plug_unplug, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_clients_do_not_stall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unread_screenshot_does_not_stall, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_connection_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_screenshot_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serve_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_path_handling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_png_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_screenshot_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_errors, setup, teardown),
		cmocka_unit_test(test_client_parse_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
