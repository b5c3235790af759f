// SPDX-License-Identifier: MIT
/*
 * bench_ctl: does the control socket slow the device down for the guest?
 * For each fakegpu-device binary given, start it with --ctl, attach the
 * vfio-user test client (device/tests/vfu_client.c) as the "guest", switch
 * head 0 on at 1920x1080 and time BAR0 register reads (REGION_READ of
 * SCRATCH, one round trip each):
 *
 *   idle     no control client
 *   loaded   16 control clients that connect and send nothing (reconnecting
 *            whenever the device closes them) and one that asks for a
 *            screenshot and reads it one byte a second (asking again when
 *            the device closes it)
 *
 * and print p50/p99/max of each and the ratio of the p99s.
 *
 *   bench_ctl [-n READS] [-i MS] [-r ROUNDS] [-t SECONDS] LABEL=DEVICE...
 *
 * READS (default 2000) per phase, one every MS milliseconds (default 6), in
 * ROUNDS alternating idle and loaded blocks (default 2, so that both phases
 * see the machine's background noise alike, and each loaded block of 6 s
 * spans the device's connection deadlines: idle clients dropped after 1 s
 * and reconnecting, the screenshot dropped 5 s after its request and asked
 * for again); the loaded blocks stop after SECONDS in all (default 30) even
 * if fewer reads completed (the count is printed).
 * Figures are noisy on shared machines: compare the ratios, not the times.
 *
 *   bench_ctl -L CTL-SOCKET -g GATE
 *
 * runs only the loaded phase's control clients, against a device someone
 * else started (bench/ctl-guest.sh, where a guest is the one timing its
 * reads): whenever the file GATE exists, until it is removed; it exits once
 * GATE.end exists, and prints what the clients saw in each loaded phase.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devproc.h"
#include "fakegpu_abi.h"
#include "vfu_client.h"

#define BAR0		VFIO_PCI_BAR0_REGION_INDEX
#define IDLE_CLIENTS	16
#define MODE_W		1920
#define MODE_H		1080

/* Round trips of one phase, µs. */
struct series {
	double *lat;
	unsigned int n;
};

/* What the control clients saw, summed over the rounds. */
struct load_counts {
	unsigned long idle_closed;	/* idle connections the device closed */
	unsigned long shots;		/* screenshot requests sent */
	unsigned long shot_bytes;	/* screenshot bytes read */
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* A non-blocking connection to @path, -1 if the device does not take it now. */
static int ctl_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Read at most @max bytes of @fd: 1 got some, 0 nothing yet, -1 the device closed it. */
static int poke(int fd, size_t max)
{
	char buf[4096];
	ssize_t n = recv(fd, buf, max < sizeof(buf) ? max : sizeof(buf), MSG_DONTWAIT);

	if (n > 0)
		return 1;
	return n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) ? -1 : 0;
}

/*
 * The control socket load, in a child process, until @stop becomes readable
 * (closed by the parent); then its counts are written to @result.
 */
static void load(const char *ctl, int stop, int result)
{
	int idle[IDLE_CLIENTS], shot = -1;
	struct load_counts k = { 0 };
	double next_byte = 0;

	for (int i = 0; i < IDLE_CLIENTS; i++)
		idle[i] = -1;
	for (;;) {
		struct pollfd pf[IDLE_CLIENTS + 2] = { { .fd = stop, .events = POLLIN } };
		int n = 1, first_idle;

		if (shot < 0 && (shot = ctl_connect(ctl)) >= 0) {
			if (send(shot, "screenshot 0\n", 13, MSG_NOSIGNAL) == 13) {
				k.shots++;
				next_byte = now_us() + 1e6;
			} else {
				close(shot);
				shot = -1;
			}
		}
		for (int i = 0; i < IDLE_CLIENTS; i++)
			if (idle[i] < 0)
				idle[i] = ctl_connect(ctl);
		/*
		 * The slow reader: one byte when its second is up; it asks again
		 * once the device hung up (POLLHUP comes with data still unread).
		 */
		if (shot >= 0 && now_us() >= next_byte) {
			int r = poke(shot, 1);

			if (r > 0)
				k.shot_bytes++;
			if (r >= 0)
				next_byte += 1e6;
			if (r < 0) {
				close(shot);
				shot = -1;
			}
		}
		if (shot >= 0)
			pf[n++] = (struct pollfd){ .fd = shot, .events = 0 };
		first_idle = n;
		for (int i = 0; i < IDLE_CLIENTS; i++)
			if (idle[i] >= 0)
				pf[n++] = (struct pollfd){ .fd = idle[i], .events = POLLIN };
		if (poll(pf, (nfds_t)n, 50) < 0 && errno != EINTR)
			_exit(1);
		if (pf[0].revents)
			break;
		if (first_idle == 2 && (pf[1].revents & (POLLHUP | POLLERR))) {
			close(shot);
			shot = -1;
		}
		for (int i = first_idle, j = 0; i < n; i++) {
			while (idle[j] != pf[i].fd)
				j++;
			if (pf[i].revents && poke(idle[j], 4096) < 0) {
				close(idle[j]);
				idle[j] = -1;
				k.idle_closed++;
			}
		}
	}
	_exit(write(result, &k, sizeof(k)) == (ssize_t)sizeof(k) ? 0 : 1);
}

/* Start load() in a child; *stop and *result are the parent's pipe ends. */
static pid_t load_start(const char *ctl, int *stop, int *result)
{
	int sp[2], rp[2];
	pid_t pid;

	if (pipe(sp) != 0)
		return -1;
	if (pipe(rp) != 0) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		close(sp[1]);
		close(rp[0]);
		load(ctl, sp[0], rp[1]);
	}
	close(sp[0]);
	close(rp[1]);
	*stop = sp[1];
	*result = rp[0];
	return pid;
}

/* Stop the load child, add its counts to @sum. */
static void load_stop(pid_t pid, int stop, int result, struct load_counts *sum)
{
	struct load_counts k;

	close(stop);
	if (read(result, &k, sizeof(k)) == (ssize_t)sizeof(k)) {
		sum->idle_closed += k.idle_closed;
		sum->shots += k.shots;
		sum->shot_bytes += k.shot_bytes;
	}
	close(result);
	waitpid(pid, NULL, 0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Up to @reads more BAR0 reads into @s, one every @gap_us, for at most @seconds. */
static int measure(struct vfuc *c, unsigned int reads, double gap_us, double seconds,
		   struct series *s)
{
	double end = now_us() + seconds * 1e6, next = now_us();

	for (unsigned int i = 0; i < reads && now_us() < end; i++) {
		double t0;

		if (next > now_us())
			usleep((useconds_t)(next - now_us()));
		next += gap_us;
		t0 = now_us();

		if (vfuc_read32(c, BAR0, FAKEGPU_REG_SCRATCH) == 0xffffffffu) {
			fprintf(stderr, "bench_ctl: BAR0 read failed\n");
			return -1;
		}
		s->lat[s->n++] = now_us() - t0;
	}
	return 0;
}

/* p50, p99 and max of @s (sorted in place); the p99 is returned. */
static double report(const char *label, const char *phase, struct series *s)
{
	unsigned int n = s->n;
	double p99;

	qsort(s->lat, n, sizeof(*s->lat), cmp_double);
	p99 = n ? s->lat[(size_t)n * 99 / 100] : 0;
	printf("%-10s %-7s %6u %10.1f %10.1f %10.1f\n", label, phase, n,
	       n ? s->lat[n / 2] : 0, p99, n ? s->lat[n - 1] : 0);
	return p99;
}

static int head_on(struct vfuc *c)
{
	uint32_t b = FAKEGPU_HEAD_BASE(0), p = b + FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_PRIMARY);
	static const uint32_t regs[][2] = {
		{ FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888 },
		{ FAKEGPU_PLANE_PITCH, MODE_W * 4 },
		{ FAKEGPU_PLANE_SRC_W, MODE_W },
		{ FAKEGPU_PLANE_SRC_H, MODE_H },
		{ FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE },
	};
	int r = 0;

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		r |= vfuc_write32(c, BAR0, p + regs[i][0], regs[i][1]);
	r |= vfuc_write32(c, BAR0, b + FAKEGPU_HEAD_WIDTH, MODE_W);
	r |= vfuc_write32(c, BAR0, b + FAKEGPU_HEAD_HEIGHT, MODE_H);
	r |= vfuc_write32(c, BAR0, b + FAKEGPU_HEAD_REFRESH_MHZ, 60000);
	r |= vfuc_write32(c, BAR0, b + FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE);
	r |= vfuc_write32(c, BAR0, b + FAKEGPU_HEAD_COMMIT, 1);
	for (int i = 0; !r && i < 500; i++) {
		uint32_t st = vfuc_read32(c, BAR0, b + FAKEGPU_HEAD_STATUS);

		if (!(st & FAKEGPU_HEAD_STATUS_PENDING))
			return st & FAKEGPU_HEAD_STATUS_ERROR ? -1 : 0;
		usleep(2000);
	}
	return -1;
}

/* Both phases against @bin, @rounds times each, alternating; 0 or -1. */
static int bench_device(const char *label, const char *bin, unsigned int reads,
			unsigned int rounds, double gap_us, double seconds, struct series ph[2])
{
	char dir[] = "/tmp/bench-ctl-XXXXXX", vfu[96], ctl[96], log[96];
	char *argv[] = { (char *)bin, "--socket", vfu, "--ctl", ctl, NULL };
	struct load_counts sum = { 0 };
	struct vfuc *c = NULL;
	double p99_idle, p99_loaded;
	pid_t dev;
	int ret = -1;

	if (!mkdtemp(dir)) {
		perror("bench_ctl: mkdtemp");
		return -1;
	}
	snprintf(vfu, sizeof(vfu), "%s/vfu.sock", dir);
	snprintf(ctl, sizeof(ctl), "%s/ctl.sock", dir);
	snprintf(log, sizeof(log), "%s/device.log", dir);
	dev = devproc_start(argv, log);
	c = dev > 0 ? vfuc_connect(vfu, 5000) : NULL;
	if (!c || vfuc_negotiate(c, NULL) != 0 || head_on(c) != 0) {
		fprintf(stderr, "bench_ctl: %s (%s) did not start or take a 1920x1080 mode "
			"(see its log %s)\n", label, bin, log);
		if (c)
			vfuc_close(c);
		devproc_stop(dev);
		return -1;
	}
	c->timeout_ms = 60000;	/* an old device can stall for seconds */
	for (unsigned int r = 0; r < rounds; r++) {
		unsigned int part = reads / rounds + (r < reads % rounds);
		int stop, result;
		pid_t ld;

		if (measure(c, part, gap_us, 1e9, &ph[0]))
			goto out;
		ld = load_start(ctl, &stop, &result);
		if (ld < 0)
			goto out;
		usleep(300000);	/* the clients connect, the screenshot is asked for */
		ret = measure(c, part, gap_us, seconds / rounds, &ph[1]);
		load_stop(ld, stop, result, &sum);
		if (ret)
			goto out;
	}
	ret = 0;
	p99_idle = report(label, "idle", &ph[0]);
	p99_loaded = report(label, "loaded", &ph[1]);
	printf("%-10s p99 loaded / idle: %.1f (load: the device closed %lu idle connections; "
	       "%lu screenshot requests, %lu bytes read by the slow reader)\n", label,
	       p99_idle > 0 ? p99_loaded / p99_idle : 0, sum.idle_closed, sum.shots,
	       sum.shot_bytes);
	fflush(stdout);
out:
	vfuc_close(c);
	devproc_stop(dev);
	if (!ret) {
		unlink(log);
		rmdir(dir);
	}
	return ret;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The -L mode: the load while @gate exists, until @gate.end does. */
static int load_gated(const char *ctl, const char *gate)
{
	char end[4096];
	unsigned int phase = 0;

	if (snprintf(end, sizeof(end), "%s.end", gate) >= (int)sizeof(end)) {
		fprintf(stderr, "bench_ctl: gate path too long: %s\n", gate);
		return 2;
	}
	for (;;) {
		struct load_counts k = { 0 };
		int stop, result;
		pid_t pid;

		while (!exists(gate) && !exists(end))
			usleep(20000);
		if (exists(end))
			return 0;
		pid = load_start(ctl, &stop, &result);
		if (pid < 0) {
			fprintf(stderr, "bench_ctl: cannot start the load: %s\n", strerror(errno));
			return 1;
		}
		while (exists(gate) && !exists(end))
			usleep(20000);
		load_stop(pid, stop, result, &k);
		printf("bench_ctl: loaded phase %u: %d idle clients (the device closed %lu), "
		       "%lu screenshot requests, %lu bytes read by the slow reader\n", ++phase,
		       IDLE_CLIENTS, k.idle_closed, k.shots, k.shot_bytes);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	unsigned int reads = 2000, rounds = 2;
	double seconds = 30, gap_us = 6000;
	const char *load_ctl = NULL, *gate = NULL;
	int opt;

	while ((opt = getopt(argc, argv, "n:i:r:t:L:g:")) != -1) {
		if (opt == 'L')
			load_ctl = optarg;
		else if (opt == 'g')
			gate = optarg;
		else if (opt == 'n' && atoi(optarg) > 0)
			reads = (unsigned int)atoi(optarg);
		else if (opt == 'i' && atof(optarg) >= 0)
			gap_us = atof(optarg) * 1e3;
		else if (opt == 'r' && atoi(optarg) > 0)
			rounds = (unsigned int)atoi(optarg);
		else if (opt == 't' && atof(optarg) > 0)
			seconds = atof(optarg);
		else
			goto usage;
	}
	signal(SIGPIPE, SIG_IGN);
	if (load_ctl || gate) {
		if (!load_ctl || !gate || optind != argc)
			goto usage;
		return load_gated(load_ctl, gate);
	}
	if (optind == argc)
		goto usage;
	printf("bench_ctl: BAR0 read round trip (vfio-user REGION_READ), up to %u reads per "
	       "phase, one every %.1f ms, in %u rounds; loaded: %d idle control clients + 1 "
	       "reading a 1920x1080 screenshot at 1 byte/s (at most %.0f s)\n", reads,
	       gap_us / 1e3, rounds, IDLE_CLIENTS, seconds);
	printf("%-10s %-7s %6s %10s %10s %10s\n", "device", "phase", "reads", "p50 us",
	       "p99 us", "max us");
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		struct series ph[2] = {
			{ .lat = calloc(reads, sizeof(double)) },
			{ .lat = calloc(reads, sizeof(double)) },
		};

		if (!ph[0].lat || !ph[1].lat)
			return 1;
		if (!eq || eq == argv[i] || !eq[1])
			goto usage;
		*eq = '\0';
		bench_device(argv[i], eq + 1, reads, rounds, gap_us, seconds, ph);
		free(ph[0].lat);
		free(ph[1].lat);
	}
	return 0;
usage:
	fprintf(stderr, "usage: bench_ctl [-n READS] [-i MS] [-r ROUNDS] [-t SECONDS] "
		"LABEL=FAKEGPU-DEVICE...\n       bench_ctl -L CTL-SOCKET -g GATE-FILE\n");
	return 2;
}
