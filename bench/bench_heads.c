// SPDX-License-Identifier: MIT
/*
 * bench_heads: does a busy display slow the guest's register accesses down,
 * and does every head keep its frame rate?
 * For each fakegpu-device binary given, start it with --heads 4 --vram 256
 * --ctl, attach the vfio-user test client (device/tests/vfu_client.c) as the
 * "guest", fill four 1920x1080 XRGB8888 scanout buffers through the mapped
 * VRAM BAR and time BAR0 register reads (REGION_READ of SCRATCH, one round
 * trip each, one every 1 to 5 ms at random) in two phases:
 *
 *   off      all heads off
 *   loaded   the four heads at 1920x1080@60, each with HEAD_CTRL.CRC (a
 *            frame composed and CRC'd every vblank) and a writeback requested
 *            for every frame: the client enables the shared pages and MSI
 *            and, whenever a head's writeback has finished (the status
 *            page's WB_COUNT moved), writes WB_CTRL.ENABLE and COMMIT again,
 *            so that the next vblank writes its frame back into VRAM
 *
 * and print p50/p99/max of each phase and their ratios; per head the frames
 * (HEAD_FRAME advance), the vblanks the device processed, each of which
 * composed the frame and computed its CRC (the control socket's `stats`
 * vblank_irqs), the CRC_FRAME advance and the writebacks finished per second
 * of the loaded phases; and the device process's CPU (utime + stime from
 * /proc/PID/stat) in each phase, as a share of one core. On a busy machine
 * a read also waits for a CPU: the time the device's threads and this client
 * were runnable without one (schedstat) is added up per phase, and each
 * read's "net" time leaves out what the device's main thread (the one that
 * answers vfio-user) and this client waited so during it: what the read
 * waited for the device itself.
 *
 *   bench_heads [-r ROUNDS] [-o SECONDS] [-t SECONDS] LABEL=DEVICE...
 *
 * The -o seconds with heads off (default 10) and the -t seconds loaded
 * (default 20) are split into ROUNDS (default 2) alternating blocks, so that
 * both phases see the machine's background noise alike; each loaded block
 * starts half a second after the heads came on. The heads are switched on
 * together (their vblanks coincide, the device composes four frames at once:
 * the worst case for a register access that arrives then).
 * Figures are noisy on shared machines: compare the ratios, not the times.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/vfio.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "devproc.h"
#include "fakegpu_abi.h"
#include "vfu_client.h"

#define BAR0		VFIO_PCI_BAR0_REGION_INDEX
#define HEADS		4
#define MODE_W		1920
#define MODE_H		1080
#define MODE_MHZ	60000
#define PITCH		(MODE_W * 4)
#define VRAM_MB		256
#define STR_(x)		#x
#define STR(x)		STR_(x)
#define BUF_STRIDE	(8u << 20)		/* one 1920x1080x4 buffer per 8 MiB */
#define SCANOUT(h)	((uint64_t)(h) * BUF_STRIDE)
#define WB_TARGET(h)	((uint64_t)(HEADS + (h)) * BUF_STRIDE)
#define GAP_MIN_US	1000
#define GAP_MAX_US	5000
#define REARM_US	200000	/* a writeback not finished by then is asked for again */
#define SCRATCH_VALUE	0x5ca1ab1eu

/*
 * Round trips of one phase, µs: as measured, and net of the time the
 * device's main thread and this client spent waiting for a CPU meanwhile.
 */
struct series {
	double *lat, *net;
	size_t n, cap;
};

/* One head's counters at an instant. */
struct head_snap {
	uint32_t frame, crc_frame, wb_count;
	unsigned long long vblanks;	/* ctl stats vblank_irqs */
};

/* What the loaded phases did to one head, summed over the rounds. */
struct head_sum {
	double frames, vblanks, crc_frames, wb;
};

/* The client's view of one head while loaded; the counts over all rounds. */
struct head_run {
	uint32_t armed_count;		/* WB_COUNT when the request was last written */
	double armed_at;
	unsigned long wb_errors, rearms;
};

struct bench {
	const char *label;
	struct vfuc *c;
	const volatile uint32_t *st;	/* the status page (BAR4) */
	uint32_t *vram;
	uint64_t vram_size, shm_size;
	char ctl[96];
	pid_t dev;
	int efd;
	int main_stat, my_stat;		/* schedstat of the device's main thread, this one */
	uint64_t rng;
	double ticks;			/* clock ticks per second */
	struct series ph[2];		/* off, loaded */
	double cpu[2], secs[2];		/* device CPU seconds, wall seconds */
	double wait[2], self_wait[2];	/* run-queue wait, s: the device's, the client's */
	double head_secs;		/* between the loaded phases' counter snapshots */
	struct head_sum sum[HEADS];
	struct head_run run[HEADS];
	unsigned long msis, load_msis;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* The next gap between two reads, uniform in [GAP_MIN_US, GAP_MAX_US). */
static double next_gap(struct bench *b)
{
	b->rng = b->rng * 6364136223846793005ull + 1442695040888963407ull;
	return GAP_MIN_US + (double)(b->rng >> 33) * (GAP_MAX_US - GAP_MIN_US) / (1ull << 31);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The run-queue wait in the schedstat file @path, seconds; -1 if unreadable. */
static double schedstat_wait(const char *path)
{
	unsigned long long run, wait;
	FILE *f = fopen(path, "re");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%llu %llu", &run, &wait);
	fclose(f);
	return n == 2 ? wait / 1e9 : -1;
}

/* The run-queue wait in the open schedstat file @fd, seconds; 0 if unreadable. */
static double fd_wait(int fd)
{
	unsigned long long run, wait;
	char buf[128];
	ssize_t n = fd >= 0 ? pread(fd, buf, sizeof(buf) - 1, 0) : -1;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return sscanf(buf, "%llu %llu", &run, &wait) == 2 ? wait / 1e9 : 0;
}

/* utime + stime of @pid in seconds, -1 if unreadable. */
static double cpu_seconds(pid_t pid, double ticks)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* Fields after the command name: state is field 3, utime 14, stime 15. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / ticks;
}

/*
 * Seconds the threads of @pid (0: the calling thread) spent runnable but
 * waiting for a CPU (the second field of schedstat), -1 if unreadable.
 */
static double runq_wait(pid_t pid)
{
	char path[64];
	double sum = 0;
	DIR *d;

	if (!pid)
		return schedstat_wait("/proc/thread-self/schedstat");
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));) {
		char f[96];
		double w;

		if (de->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "/proc/%d/task/%.16s/schedstat", (int)pid, de->d_name);
		w = schedstat_wait(f);
		if (w > 0)
			sum += w;
	}
	closedir(d);
	return sum;
}

/* Head @h's status record, read under its sequence counter; false if it kept changing. */
static bool status_read(const struct bench *b, unsigned int h, struct head_snap *s,
			uint32_t *wb_status, uint32_t *head_status)
{
	const volatile uint32_t *r = b->st + FAKEGPU_SHM_ST_HEAD(h) / 4;

	for (int i = 0; i < 1000; i++) {
		uint32_t seq = __atomic_load_n(&r[FAKEGPU_SHM_ST_SEQ / 4], __ATOMIC_ACQUIRE);

		if (seq & 1)
			continue;
		s->frame = r[FAKEGPU_SHM_ST_FRAME / 4];
		s->crc_frame = r[FAKEGPU_SHM_ST_CRC_FRAME / 4];
		s->wb_count = r[FAKEGPU_SHM_ST_WB_COUNT / 4];
		*wb_status = r[FAKEGPU_SHM_ST_WB_STATUS / 4];
		*head_status = r[FAKEGPU_SHM_ST_STATUS / 4];
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&r[FAKEGPU_SHM_ST_SEQ / 4], __ATOMIC_RELAXED) == seq)
			return true;
	}
	return false;
}

/* The control socket's vblank_irqs of each head into @s; 0 or -1. */
static int ctl_vblanks(const struct bench *b, struct head_snap s[HEADS])
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = 5 };
	char buf[4096], *line;
	size_t len = 0;
	unsigned int seen = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ssize_t n;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", b->ctl);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    send(fd, "stats\n", 6, MSG_NOSIGNAL) != 6) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while (len < sizeof(buf) - 1 && (n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long long v;
		unsigned int h;

		if (sscanf(line, "head %u active=%*d connected=%*d mode=%*s frames=%*u "
			   "vblank_irqs=%llu", &h, &v) == 2 && h < HEADS) {
			s[h].vblanks = v;
			seen |= 1u << h;
		}
	}
	return seen == (1u << HEADS) - 1 ? 0 : -1;
}

/* Every head's counters now, *@t the time of the status page's; 0 or -1. */
static int snapshot(const struct bench *b, struct head_snap s[HEADS], double *t)
{
	uint32_t ws, hs;

	if (ctl_vblanks(b, s))
		return -1;
	*t = now_us();
	for (unsigned int h = 0; h < HEADS; h++)
		if (!status_read(b, h, &s[h], &ws, &hs))
			return -1;
	return 0;
}

static int wr(struct bench *b, uint32_t off, uint32_t v)
{
	return vfuc_write32(b->c, BAR0, off, v);
}

/* Ask for head @h's next frame to be written back. */
static int wb_arm(struct bench *b, unsigned int h, uint32_t wb_count)
{
	uint32_t base = FAKEGPU_HEAD_BASE(h);

	b->run[h].armed_count = wb_count;
	b->run[h].armed_at = now_us();
	return wr(b, base + FAKEGPU_HEAD_WB_CTRL, FAKEGPU_WB_CTRL_ENABLE) |
	       wr(b, base + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
}

/* After an interrupt (or now and then): a new writeback request for every head that finished. */
static int service(struct bench *b)
{
	for (unsigned int h = 0; h < HEADS; h++) {
		struct head_run *r = &b->run[h];
		struct head_snap s;
		uint32_t ws, hs;

		if (!status_read(b, h, &s, &ws, &hs))
			continue;
		if (s.wb_count != r->armed_count) {
			if (ws & FAKEGPU_WB_STATUS_ERROR)
				r->wb_errors++;
			if (wb_arm(b, h, s.wb_count))
				return -1;
		} else if (now_us() - r->armed_at > REARM_US) {
			r->rearms++;
			if (wb_arm(b, h, s.wb_count))
				return -1;
		}
	}
	return 0;
}

/* One timed SCRATCH read into @s; 0 or -1. */
static int probe(struct bench *b, struct series *s)
{
	double w0 = fd_wait(b->main_stat) + fd_wait(b->my_stat), t0 = now_us();
	uint32_t v = vfuc_read32(b->c, BAR0, FAKEGPU_REG_SCRATCH);
	double dt = now_us() - t0, w = fd_wait(b->main_stat) + fd_wait(b->my_stat) - w0;

	if (v != SCRATCH_VALUE) {
		fprintf(stderr, "bench_heads: %s: BAR0 read of SCRATCH gave 0x%08x, not 0x%08x\n",
			b->label, v, SCRATCH_VALUE);
		return -1;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		double *p = realloc(s->lat, cap * sizeof(*p)), *q;

		if (!p)
			return -1;
		s->lat = p;
		q = realloc(s->net, cap * sizeof(*q));
		if (!q)
			return -1;
		s->net = q;
		s->cap = cap;
	}
	s->lat[s->n] = dt;
	s->net[s->n++] = dt > w * 1e6 ? dt - w * 1e6 : 0;
	return 0;
}

/*
 * For @seconds: reads timed into @s (if not NULL), and, when @load, the
 * writeback requests renewed on every interrupt; 0 or -1.
 */
static int run_for(struct bench *b, double seconds, bool load, struct series *s)
{
	double end = now_us() + seconds * 1e6, next = now_us() + next_gap(b);

	for (;;) {
		double t = now_us(), until = next < end ? next : end;
		struct pollfd pf = { .fd = b->efd, .events = POLLIN };
		struct timespec ts;
		uint64_t cnt;

		if (t >= end)
			return 0;
		if (t >= next) {
			if (s && probe(b, s))
				return -1;
			next = now_us() + next_gap(b);
			continue;
		}
		ts.tv_sec = (time_t)((until - t) / 1e6);
		ts.tv_nsec = (long)((until - t - ts.tv_sec * 1e6) * 1e3);
		if (ppoll(&pf, 1, &ts, NULL) < 0 && errno != EINTR)
			return -1;
		if (pf.revents & POLLIN) {
			if (read(b->efd, &cnt, sizeof(cnt)) == (ssize_t)sizeof(cnt))
				b->msis += cnt;
		}
		if (load && service(b))
			return -1;
	}
}

/* Every head's HEAD_STATUS.ACTIVE equal to @on within 2 s; 0 or -1. */
static int wait_active(struct bench *b, bool on)
{
	for (int i = 0; i < 400; i++) {
		unsigned int match = 0;

		for (unsigned int h = 0; h < HEADS; h++) {
			uint32_t st = vfuc_read32(b->c, BAR0, FAKEGPU_HEAD_BASE(h) +
						  FAKEGPU_HEAD_STATUS);

			if (st == 0xffffffffu || (st & FAKEGPU_HEAD_STATUS_ERROR))
				return -1;
			match += !!(st & FAKEGPU_HEAD_STATUS_ACTIVE) == on &&
				 !(st & FAKEGPU_HEAD_STATUS_PENDING);
		}
		if (match == HEADS)
			return 0;
		usleep(5000);
	}
	return -1;
}

/* All heads on with CRC (@on) or off, each on-switch with a writeback request. */
static int heads_switch(struct bench *b, bool on)
{
	int r = 0;

	for (unsigned int h = 0; h < HEADS; h++) {
		uint32_t base = FAKEGPU_HEAD_BASE(h);

		r |= wr(b, base + FAKEGPU_HEAD_CTRL,
			on ? FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC : 0);
		if (on) {
			struct head_snap s;
			uint32_t ws, hs;

			if (!status_read(b, h, &s, &ws, &hs))
				return -1;
			r |= wb_arm(b, h, s.wb_count);
		} else {
			r |= wr(b, base + FAKEGPU_HEAD_COMMIT, FAKEGPU_COMMIT_REGS);
		}
	}
	return r ? -1 : wait_active(b, on);
}

/* Mode, plane and writeback shadows of every head, the pixels in VRAM. */
static int setup(struct bench *b)
{
	uint32_t caps = vfuc_read32(b->c, BAR0, FAKEGPU_REG_CAPS);
	uint32_t need = FAKEGPU_CAP_CRC | FAKEGPU_CAP_WRITEBACK | FAKEGPU_CAP_SHM;
	int r = 0;

	if ((caps & need) != need ||
	    vfuc_read32(b->c, BAR0, FAKEGPU_REG_NUM_HEADS) < HEADS) {
		fprintf(stderr, "bench_heads: %s: the device lacks CRC, writeback, shared pages "
			"or %d heads (CAPS 0x%08x)\n", b->label, HEADS, caps);
		return -1;
	}
	b->vram = vfuc_map_region(b->c, FAKEGPU_BAR_VRAM, &b->vram_size);
	b->st = vfuc_map_region(b->c, FAKEGPU_BAR_SHM, &b->shm_size);
	if (!b->vram || !b->st || b->vram_size < WB_TARGET(HEADS) ||
	    b->shm_size < FAKEGPU_SHM_SIZE) {
		fprintf(stderr, "bench_heads: %s: cannot map VRAM (%llu bytes, need %llu) or the "
			"shared pages\n", b->label, (unsigned long long)b->vram_size,
			(unsigned long long)WB_TARGET(HEADS));
		return -1;
	}
	for (unsigned int h = 0; h < HEADS; h++) {
		uint32_t *fb = b->vram + SCANOUT(h) / 4;
		uint32_t base = FAKEGPU_HEAD_BASE(h);
		uint32_t p = base + FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_PRIMARY);

		for (uint32_t y = 0; y < MODE_H; y++)
			for (uint32_t x = 0; x < MODE_W; x++)
				fb[y * MODE_W + x] = (x * 255 / MODE_W) << 16 |
						     (y * 255 / MODE_H) << 8 |
						     (h * 64 + (x ^ y)) % 256;
		memset(b->vram + WB_TARGET(h) / 4, 0, (size_t)PITCH * MODE_H);
		r |= wr(b, p + FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888);
		r |= wr(b, p + FAKEGPU_PLANE_OFFSET_LO, (uint32_t)SCANOUT(h));
		r |= wr(b, p + FAKEGPU_PLANE_OFFSET_HI, (uint32_t)(SCANOUT(h) >> 32));
		r |= wr(b, p + FAKEGPU_PLANE_PITCH, PITCH);
		r |= wr(b, p + FAKEGPU_PLANE_SRC_W, MODE_W);
		r |= wr(b, p + FAKEGPU_PLANE_SRC_H, MODE_H);
		r |= wr(b, p + FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
		r |= wr(b, base + FAKEGPU_HEAD_WIDTH, MODE_W);
		r |= wr(b, base + FAKEGPU_HEAD_HEIGHT, MODE_H);
		r |= wr(b, base + FAKEGPU_HEAD_REFRESH_MHZ, MODE_MHZ);
		r |= wr(b, base + FAKEGPU_HEAD_WB_OFFSET_LO, (uint32_t)WB_TARGET(h));
		r |= wr(b, base + FAKEGPU_HEAD_WB_OFFSET_HI, (uint32_t)(WB_TARGET(h) >> 32));
		r |= wr(b, base + FAKEGPU_HEAD_WB_PITCH, PITCH);
		r |= wr(b, base + FAKEGPU_HEAD_WB_FORMAT, FAKEGPU_FMT_XRGB8888);
	}
	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->efd < 0 || vfuc_set_irqs(b->c, VFIO_PCI_MSI_IRQ_INDEX,
					VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
					0, 1, &b->efd, 1, NULL) != 0)
		return -1;
	r |= wr(b, FAKEGPU_REG_SHM_CTRL, FAKEGPU_SHM_CTRL_ENABLE);
	r |= wr(b, FAKEGPU_REG_IRQ_MASK, (1u << HEADS) - 1);	/* VBLANK(0..HEADS-1) */
	r |= wr(b, FAKEGPU_REG_SCRATCH, SCRATCH_VALUE);
	return r ? -1 : 0;
}

/* Do the written-back frames hold the scanout buffers' pixels? Mismatches counted. */
static unsigned long wb_check(const struct bench *b)
{
	unsigned long bad = 0;

	for (unsigned int h = 0; h < HEADS; h++) {
		const uint32_t *src = b->vram + SCANOUT(h) / 4, *wb = b->vram + WB_TARGET(h) / 4;

		for (size_t i = 0; i < (size_t)MODE_W * MODE_H; i += 997)
			bad += wb[i] != (0xff000000u | (src[i] & 0x00ffffffu));
	}
	return bad;
}

/* run_for() with reads into phase @i, its time, CPU and run-queue waits added up. */
static int timed(struct bench *b, int i, double seconds, bool load)
{
	double c0 = cpu_seconds(b->dev, b->ticks), w0 = runq_wait(b->dev), s0 = runq_wait(0);
	double t0 = now_us();

	if (run_for(b, seconds, load, &b->ph[i]))
		return -1;
	b->secs[i] += (now_us() - t0) / 1e6;
	b->cpu[i] += cpu_seconds(b->dev, b->ticks) - c0;
	b->wait[i] += runq_wait(b->dev) - w0;
	b->self_wait[i] += runq_wait(0) - s0;
	return 0;
}

/* One loaded block: counters before and after, CPU, reads into ph[1]; 0 or -1. */
static int loaded(struct bench *b, double seconds)
{
	struct head_snap s0[HEADS], s1[HEADS];
	unsigned long msis;
	double t0, t1;

	if (heads_switch(b, true) || run_for(b, 0.5, true, NULL) || snapshot(b, s0, &t0))
		return -1;
	msis = b->msis;
	if (timed(b, 1, seconds, true))
		return -1;
	b->load_msis += b->msis - msis;
	if (snapshot(b, s1, &t1))
		return -1;
	b->head_secs += (t1 - t0) / 1e6;
	for (unsigned int h = 0; h < HEADS; h++) {
		b->sum[h].frames += s1[h].frame - s0[h].frame;
		b->sum[h].vblanks += (double)(s1[h].vblanks - s0[h].vblanks);
		b->sum[h].crc_frames += s1[h].crc_frame - s0[h].crc_frame;
		b->sum[h].wb += s1[h].wb_count - s0[h].wb_count;
	}
	return heads_switch(b, false);
}

/* One block with every head off; 0 or -1. */
static int off(struct bench *b, double seconds)
{
	return timed(b, 0, seconds, false);
}

/* p50, p99, max of the @n values @v (sorted in place) into @q. */
static void quantiles(double *v, size_t n, double q[3])
{
	qsort(v, n, sizeof(*v), cmp_double);
	q[0] = n ? v[n / 2] : 0;
	q[1] = n ? v[n * 99 / 100] : 0;
	q[2] = n ? v[n - 1] : 0;
}

static void report(struct bench *b)
{
	static const char *const phase[2] = { "off", "loaded" };
	double q[2][3], nq[2][3];

	for (int i = 0; i < 2; i++) {
		double t = b->secs[i] > 0 ? b->secs[i] : 1;

		quantiles(b->ph[i].lat, b->ph[i].n, q[i]);
		quantiles(b->ph[i].net, b->ph[i].n, nq[i]);
		printf("%-8s %-7s %6zu %9.1f %9.1f %9.1f %7.1f %8.1f %8.1f\n", b->label, phase[i],
		       b->ph[i].n, q[i][0], q[i][1], q[i][2], 100 * b->cpu[i] / t,
		       1e3 * b->wait[i] / t, 1e3 * b->self_wait[i] / t);
	}
	printf("%-8s loaded / off: p50 %.2f, p99 %.2f, max %.2f\n", b->label,
	       q[0][0] > 0 ? q[1][0] / q[0][0] : 0, q[0][1] > 0 ? q[1][1] / q[0][1] : 0,
	       q[0][2] > 0 ? q[1][2] / q[0][2] : 0);
	printf("%-8s net of the waits for a CPU: off %.1f / %.1f / %.1f us, loaded %.1f / %.1f / "
	       "%.1f us (p50 / p99 / max); p99 loaded / off %.2f\n", b->label, nq[0][0], nq[0][1],
	       nq[0][2], nq[1][0], nq[1][1], nq[1][2], nq[0][1] > 0 ? nq[1][1] / nq[0][1] : 0);
	for (unsigned int h = 0; h < HEADS; h++) {
		const struct head_sum *s = &b->sum[h];
		double t = b->head_secs;

		printf("%-8s head %u: %5.1f frames/s, %5.1f CRCs/s (CRC_FRAME %5.1f/s), "
		       "%5.1f writebacks/s (errors %lu, requests renewed after %d ms: %lu)\n",
		       b->label, h, s->frames / t, s->vblanks / t, s->crc_frames / t, s->wb / t,
		       b->run[h].wb_errors, REARM_US / 1000, b->run[h].rearms);
	}
	printf("%-8s %lu MSIs in %.1f s loaded; written-back pixels that differ from the "
	       "scanout buffer: %lu\n", b->label, b->load_msis, b->secs[1], wb_check(b));
	fflush(stdout);
}

/* Both phases against @b->label's binary @bin, @rounds times each; 0 or -1. */
static int bench_device(struct bench *b, const char *bin, unsigned int rounds,
			double off_s, double load_s)
{
	char dir[] = "/tmp/bench-heads-XXXXXX", vfu[96], log[96], stat[64];
	char heads[] = STR(HEADS), vram[] = STR(VRAM_MB);
	char *argv[] = { (char *)bin, "--socket", vfu, "--ctl", b->ctl, "--heads", heads,
			 "--vram", vram, NULL };
	int ret = -1;

	if (!mkdtemp(dir)) {
		perror("bench_heads: mkdtemp");
		return -1;
	}
	snprintf(vfu, sizeof(vfu), "%s/vfu.sock", dir);
	snprintf(b->ctl, sizeof(b->ctl), "%s/ctl.sock", dir);
	snprintf(log, sizeof(log), "%s/device.log", dir);
	b->dev = devproc_start(argv, log);
	b->c = b->dev > 0 ? vfuc_connect(vfu, 5000) : NULL;
	snprintf(stat, sizeof(stat), "/proc/%d/task/%d/schedstat", (int)b->dev, (int)b->dev);
	b->main_stat = open(stat, O_RDONLY | O_CLOEXEC);
	b->my_stat = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	if (!b->c || vfuc_negotiate(b->c, NULL) != 0 || setup(b) != 0) {
		fprintf(stderr, "bench_heads: %s (%s) did not start or could not be set up "
			"(see its log %s)\n", b->label, bin, log);
		goto out;
	}
	b->c->timeout_ms = 60000;	/* an old device can stall for seconds */
	for (unsigned int r = 0; r < rounds; r++) {
		if (off(b, off_s / rounds) || loaded(b, load_s / rounds)) {
			fprintf(stderr, "bench_heads: %s (%s): a mode switch or register access "
				"failed (see its log %s)\n", b->label, bin, log);
			goto out;
		}
	}
	report(b);
	ret = 0;
out:
	if (b->c)
		vfuc_close(b->c);
	if (b->main_stat >= 0)
		close(b->main_stat);
	if (b->my_stat >= 0)
		close(b->my_stat);
	devproc_stop(b->dev);
	if (b->vram)
		munmap(b->vram, b->vram_size);
	if (b->st)
		munmap((void *)b->st, b->shm_size);
	if (!ret) {
		unlink(log);
		rmdir(dir);
	}
	return ret;
}

int main(int argc, char **argv)
{
	unsigned int rounds = 2;
	double off_s = 10, load_s = 20;
	int opt, ret = 0;

	while ((opt = getopt(argc, argv, "r:o:t:")) != -1) {
		if (opt == 'r' && atoi(optarg) > 0)
			rounds = (unsigned int)atoi(optarg);
		else if (opt == 'o' && atof(optarg) > 0)
			off_s = atof(optarg);
		else if (opt == 't' && atof(optarg) > 0)
			load_s = atof(optarg);
		else
			goto usage;
	}
	if (optind == argc)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	printf("bench_heads: %d heads %dx%d@%d, CRC on, a writeback asked for every frame; "
	       "BAR0 read (SCRATCH) round trip, one every %d-%d ms; %u rounds: heads off "
	       "%.1f s, loaded %.1f s (in all)\n", HEADS, MODE_W, MODE_H, MODE_MHZ / 1000,
	       GAP_MIN_US / 1000, GAP_MAX_US / 1000, rounds, off_s, load_s);
	printf("(cpu %%: the device's utime + stime, of one core; dev-wait, cli-wait: time its "
	       "threads, this client, were runnable but had no CPU, ms per s)\n");
	printf("%-8s %-7s %6s %9s %9s %9s %7s %8s %8s\n", "device", "phase", "reads", "p50 us",
	       "p99 us", "max us", "cpu %", "dev-wait", "cli-wait");
	for (int i = optind; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		struct bench *b = calloc(1, sizeof(*b));

		if (!b)
			return 1;
		if (!eq || eq == argv[i] || !eq[1]) {
			free(b);
			goto usage;
		}
		*eq = '\0';
		b->label = argv[i];
		b->efd = -1;
		b->main_stat = -1;
		b->my_stat = -1;
		b->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)i;
		b->ticks = (double)sysconf(_SC_CLK_TCK);
		if (bench_device(b, eq + 1, rounds, off_s, load_s))
			ret = 1;
		if (b->efd >= 0)
			close(b->efd);
		for (int k = 0; k < 2; k++) {
			free(b->ph[k].lat);
			free(b->ph[k].net);
		}
		free(b);
	}
	return ret;
usage:
	fprintf(stderr, "usage: bench_heads [-r ROUNDS] [-o SECONDS] [-t SECONDS] "
		"LABEL=FAKEGPU-DEVICE...\n");
	return 2;
}
