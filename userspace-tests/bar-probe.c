// SPDX-License-Identifier: MIT
/*
 * bar-probe: drive the fakegpu device from guest userspace with no driver, by
 * mapping its BARs through sysfs (resource0 = registers, resource2 = VRAM).
 *
 * Default mode (the guest-tier device test): read and check the ID, version
 * and capability registers, program head 0 with a mode and a primary plane at
 * VRAM offset 0, write the "bars" pattern into VRAM, check the commit latched
 * and the frame counter runs, check that a scanout window outside VRAM is
 * refused (and the display kept), then optionally hold the display for a host
 * screenshot (--hold-file). Prints "bar-probe: N passed, M failed".
 *
 * --bench: register read round trip and VRAM write bandwidth as a ratio of
 * guest RAM write bandwidth measured in the same run.
 *
 * --read-lat N: N reads of SCRATCH, one every 2 ms, and their p50/p99/max in
 * µs; reads only, so it may run while fakegpu.ko drives the device.
 *
 * The head is programmed through shadow registers and COMMIT, exactly as a
 * driver does (docs/device-abi.md).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <drm_fourcc.h>

#include "../include/fakegpu_abi.h"
#include "pattern.h"

struct probe {
	char dev[300];			/* /sys/bus/pci/devices/BDF */
	volatile uint32_t *mmio;
	uint8_t *vram;
	uint64_t vram_size;
	int passed, failed;
};

static void check(struct probe *p, bool ok, const char *what)
{
	printf("%s - %s\n", ok ? "ok" : "not ok", what);
	if (ok)
		p->passed++;
	else
		p->failed++;
}

static uint32_t rd(struct probe *p, uint32_t off)
{
	return p->mmio[off / 4];
}

static void wr(struct probe *p, uint32_t off, uint32_t v)
{
	p->mmio[off / 4] = v;
}

static uint32_t head_reg(uint32_t h, uint32_t r)
{
	return FAKEGPU_HEAD_BASE(h) + r;
}

static uint32_t plane_reg(uint32_t h, uint32_t pl, uint32_t r)
{
	return FAKEGPU_HEAD_BASE(h) + FAKEGPU_PLANE_BASE(pl) + r;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static unsigned int read_hex(const char *dir, const char *name)
{
	char path[400], buf[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	return (unsigned int)strtoul(buf, NULL, 16);
}

static int find_device(struct probe *p, const char *bdf)
{
	const char *base = "/sys/bus/pci/devices";
	struct dirent *de;
	DIR *d;

	if (bdf) {
		snprintf(p->dev, sizeof(p->dev), "%s/%s", base, bdf);
		return 0;
	}
	d = opendir(base);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char dir[300];
		unsigned int v, id;

		if (de->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, de->d_name);
		v = read_hex(dir, "vendor");
		id = read_hex(dir, "device");
		if ((v == FAKEGPU_PCI_VENDOR_NVIDIA && id == FAKEGPU_PCI_DEVICE_T4) ||
		    (v == FAKEGPU_PCI_VENDOR_VIRT && id == FAKEGPU_PCI_DEVICE_VIRT)) {
			snprintf(p->dev, sizeof(p->dev), "%s", dir);
			closedir(d);
			return 0;
		}
	}
	closedir(d);
	return -1;
}

static void *map_resource(const char *dev, const char *name, size_t *len)
{
	char path[400];
	struct stat st;
	void *m;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dev, name);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) || st.st_size <= 0 || (*len && (size_t)st.st_size < *len)) {
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	if (!*len)
		*len = st.st_size;
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return m == MAP_FAILED ? NULL : m;
}

/* Wait until head h has latched its commit; false on timeout. */
static bool wait_latched(struct probe *p, uint32_t h)
{
	uint64_t end = now_ns() + 2000000000ull;

	while (rd(p, head_reg(h, FAKEGPU_HEAD_STATUS)) & FAKEGPU_HEAD_STATUS_PENDING) {
		if (now_ns() > end)
			return false;
		usleep(1000);
	}
	return true;
}

static void program_plane(struct probe *p, uint64_t offset, uint32_t fmt,
			  uint32_t w, uint32_t h, uint32_t pitch)
{
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_FORMAT), fmt);
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_OFFSET_LO), (uint32_t)offset);
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_OFFSET_HI), (uint32_t)(offset >> 32));
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_PITCH), pitch);
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_SRC_X), 0);
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_SRC_Y), 0);
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_SRC_W), w);
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_SRC_H), h);
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_DST_X), 0);
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_DST_Y), 0);
	wr(p, plane_reg(0, 0, FAKEGPU_PLANE_CTRL), FAKEGPU_PLANE_CTRL_ENABLE);
}

static int hold(const char *file, int timeout_s)
{
	char path[512];
	int fd, i;

	snprintf(path, sizeof(path), "%s.ready", file);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd < 0) {
		fprintf(stderr, "bar-probe: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	close(fd);
	snprintf(path, sizeof(path), "%s.done", file);
	for (i = 0; i < timeout_s * 10; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		usleep(100000);
	}
	fprintf(stderr, "bar-probe: %s did not appear within %d s\n", path, timeout_s);
	return -1;
}

static void bench(struct probe *p)
{
	const size_t len = 32u << 20;
	const int reads = 2000;
	uint64_t t0, t_reg, t_vram, t_ram;
	uint8_t *ram;
	volatile uint32_t sink = 0;
	int i;

	t0 = now_ns();
	for (i = 0; i < reads; i++)
		sink += rd(p, FAKEGPU_REG_SCRATCH);
	t_reg = now_ns() - t0;
	(void)sink;

	ram = malloc(len);
	if (!ram || p->vram_size < len) {
		fprintf(stderr, "bar-probe: bench needs 32 MiB of RAM and VRAM\n");
		free(ram);
		return;
	}
	memset(ram, 1, len);		/* fault the pages in before timing */
	memset(p->vram, 1, len);
	t0 = now_ns();
	for (i = 0; i < 4; i++)
		memset(ram, i, len);
	t_ram = now_ns() - t0;
	t0 = now_ns();
	for (i = 0; i < 4; i++)
		memset(p->vram, i, len);
	t_vram = now_ns() - t0;
	free(ram);
	printf("bench: register_read_us=%.1f vram_write_MBps=%.0f ram_write_MBps=%.0f vram_ram_ratio=%.2f\n",
	       t_reg / 1000.0 / reads, 4.0 * len / (t_vram / 1e3),
	       4.0 * len / (t_ram / 1e3), (double)t_ram / t_vram);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int read_latency(struct probe *p, unsigned int n)
{
	const struct timespec gap = { .tv_nsec = 2000000 };
	uint64_t *lat = calloc(n, sizeof(*lat));
	unsigned int lost = 0;

	if (!lat) {
		fprintf(stderr, "bar-probe: out of memory for %u samples\n", n);
		return 1;
	}
	/* The driver leaves SCRATCH alone; a device that is gone reads all ones. */
	wr(p, FAKEGPU_REG_SCRATCH, 0x5a5a0000u);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t t0 = now_ns();
		uint32_t v = rd(p, FAKEGPU_REG_SCRATCH);

		lat[i] = now_ns() - t0;
		if (v != 0x5a5a0000u)
			lost++;
		nanosleep(&gap, NULL);
	}
	if (lost) {
		fprintf(stderr, "bar-probe: %u of %u SCRATCH reads did not return what was written: the device is gone or reset\n",
			lost, n);
		free(lat);
		return 1;
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("read-lat: n=%u p50_us=%.1f p99_us=%.1f max_us=%.1f\n", n,
	       lat[(n - 1) / 2] / 1e3, lat[(n * 99 + 99) / 100 - 1] / 1e3, lat[n - 1] / 1e3);
	free(lat);
	return 0;
}

static void usage(void)
{
	printf("usage: bar-probe [--pci BDF] [--format xrgb8888|argb8888|rgb565|argb1555]\n"
	       "                 [--width W --height H] [--hold-file PATH] [--bench]\n"
	       "                 [--read-lat N]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pci", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "width", required_argument, NULL, 'W' },
		{ "height", required_argument, NULL, 'H' },
		{ "hold-file", required_argument, NULL, 'h' },
		{ "bench", no_argument, NULL, 'b' },
		{ "read-lat", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, '?' },
		{ 0 }
	};
	const char *bdf = NULL, *hold_file = NULL;
	uint32_t fourcc = DRM_FORMAT_XRGB8888, fmt, w = 1024, h = 768, pitch;
	uint32_t heads, f0, f1, vram_reg_lo, vram_reg_hi;
	struct probe p = { 0 };
	size_t mmio_len = FAKEGPU_MMIO_SIZE, vram_len = 0;
	bool do_bench = false;
	unsigned long lat_reads = 0;
	char *end;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': bdf = optarg; break;
		case 'f':
			fourcc = fg_format_parse(optarg);
			if (!fourcc) {
				fprintf(stderr, "bar-probe: unknown format %s\n", optarg);
				return 2;
			}
			break;
		case 'W': w = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'H': h = (uint32_t)strtoul(optarg, NULL, 0); break;
		case 'h': hold_file = optarg; break;
		case 'b': do_bench = true; break;
		case 'r':
			errno = 0;
			lat_reads = strtoul(optarg, &end, 10);
			if (errno || *end || !lat_reads || lat_reads > 1000000) {
				fprintf(stderr, "bar-probe: --read-lat wants a count of 1 to 1000000, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		default: usage(); return c == '?' ? 0 : 2;
		}
	}
	fmt = fourcc == DRM_FORMAT_XRGB8888 ? FAKEGPU_FMT_XRGB8888 :
	      fourcc == DRM_FORMAT_ARGB8888 ? FAKEGPU_FMT_ARGB8888 :
	      fourcc == DRM_FORMAT_RGB565 ? FAKEGPU_FMT_RGB565 : FAKEGPU_FMT_ARGB1555;

	if (find_device(&p, bdf)) {
		fprintf(stderr, "bar-probe: no fakegpu PCI device (10de:1eb8 or feed:face) in /sys/bus/pci/devices\n");
		return 1;
	}
	p.mmio = map_resource(p.dev, "resource0", &mmio_len);
	if (!p.mmio) {
		fprintf(stderr, "bar-probe: cannot map %s/resource0: %s\n", p.dev, strerror(errno));
		return 1;
	}
	if (lat_reads) {
		if (rd(&p, FAKEGPU_REG_ID) != FAKEGPU_ID_MAGIC) {
			fprintf(stderr, "bar-probe: %s is not a fakegpu device (ID register)\n", p.dev);
			return 1;
		}
		return read_latency(&p, (unsigned int)lat_reads);
	}
	check(&p, rd(&p, FAKEGPU_REG_ID) == FAKEGPU_ID_MAGIC, "ID register reads the magic");
	check(&p, rd(&p, FAKEGPU_REG_ABI_VERSION) >> 16 == FAKEGPU_ABI_MAJOR, "ABI major matches");
	heads = rd(&p, FAKEGPU_REG_NUM_HEADS);
	check(&p, heads >= 1 && heads <= FAKEGPU_MAX_HEADS, "head count in range");
	vram_reg_lo = rd(&p, FAKEGPU_REG_VRAM_SIZE_LO);
	vram_reg_hi = rd(&p, FAKEGPU_REG_VRAM_SIZE_HI);
	p.vram_size = (uint64_t)vram_reg_hi << 32 | vram_reg_lo;
	printf("bar-probe: %s id=%08x abi=%08x caps=%08x heads=%u vram=%llu MiB formats=%08x max=%ux%u\n",
	       strrchr(p.dev, '/') + 1, rd(&p, FAKEGPU_REG_ID), rd(&p, FAKEGPU_REG_ABI_VERSION),
	       rd(&p, FAKEGPU_REG_CAPS), heads, (unsigned long long)(p.vram_size >> 20),
	       rd(&p, FAKEGPU_REG_FORMATS), rd(&p, FAKEGPU_REG_MAX_WIDTH), rd(&p, FAKEGPU_REG_MAX_HEIGHT));
	vram_len = (size_t)p.vram_size;
	p.vram = map_resource(p.dev, "resource2_wc", &vram_len);
	if (!p.vram)
		p.vram = map_resource(p.dev, "resource2", &vram_len);
	if (!p.vram) {
		fprintf(stderr, "bar-probe: cannot map %s/resource2 (%llu bytes): %s\n", p.dev,
			(unsigned long long)p.vram_size, strerror(errno));
		return 1;
	}
	check(&p, rd(&p, FAKEGPU_REG_FORMATS) & (1u << fmt), "format advertised in FORMATS");
	wr(&p, FAKEGPU_REG_SCRATCH, 0x12345678);
	check(&p, rd(&p, FAKEGPU_REG_SCRATCH) == 0x12345678, "SCRATCH round trip");

	if (do_bench) {
		bench(&p);
		return p.failed ? 1 : 0;
	}

	/* Draw first, then commit: the first latched frame is already complete. */
	pitch = w * fg_format_cpp(fourcc);
	if (fg_pattern_fill(FG_PATTERN_BARS, 0, fourcc, p.vram, w, h, pitch)) {
		fprintf(stderr, "bar-probe: cannot draw the pattern\n");
		return 1;
	}
	program_plane(&p, 0, fmt, w, h, pitch);
	wr(&p, head_reg(0, FAKEGPU_HEAD_WIDTH), w);
	wr(&p, head_reg(0, FAKEGPU_HEAD_HEIGHT), h);
	wr(&p, head_reg(0, FAKEGPU_HEAD_REFRESH_MHZ), 60000);
	wr(&p, head_reg(0, FAKEGPU_HEAD_CTRL), FAKEGPU_HEAD_CTRL_ENABLE);
	wr(&p, head_reg(0, FAKEGPU_HEAD_COMMIT), 1);
	check(&p, wait_latched(&p, 0), "commit latched");
	check(&p, (rd(&p, head_reg(0, FAKEGPU_HEAD_STATUS)) &
		   (FAKEGPU_HEAD_STATUS_ACTIVE | FAKEGPU_HEAD_STATUS_ERROR)) == FAKEGPU_HEAD_STATUS_ACTIVE,
	      "head active, no error");
	f0 = rd(&p, head_reg(0, FAKEGPU_HEAD_FRAME));
	usleep(500000);
	f1 = rd(&p, head_reg(0, FAKEGPU_HEAD_FRAME));
	printf("bar-probe: frames in 0.5 s: %u\n", f1 - f0);
	check(&p, f1 - f0 >= 15 && f1 - f0 <= 45, "frame counter runs at about 60 Hz");

	/* A scanout window past the end of VRAM must be refused, display kept. */
	program_plane(&p, p.vram_size - pitch, fmt, w, h, pitch);
	wr(&p, head_reg(0, FAKEGPU_HEAD_COMMIT), 1);
	check(&p, wait_latched(&p, 0), "bad commit processed");
	check(&p, (rd(&p, head_reg(0, FAKEGPU_HEAD_STATUS)) & FAKEGPU_HEAD_STATUS_ERROR) &&
		  rd(&p, head_reg(0, FAKEGPU_HEAD_ERROR_CODE)) == FAKEGPU_ERR_BOUNDS,
	      "out-of-VRAM scanout refused with ERR_BOUNDS");
	check(&p, rd(&p, FAKEGPU_REG_ID) == FAKEGPU_ID_MAGIC, "device still answers");
	/* Shadows back to the good window; a good commit clears the error. */
	program_plane(&p, 0, fmt, w, h, pitch);
	wr(&p, head_reg(0, FAKEGPU_HEAD_COMMIT), 1);
	check(&p, wait_latched(&p, 0) &&
		  !(rd(&p, head_reg(0, FAKEGPU_HEAD_STATUS)) & FAKEGPU_HEAD_STATUS_ERROR),
	      "good commit clears the error");

	if (hold_file && hold(hold_file, 60))
		p.failed++;
	printf("bar-probe: %d passed, %d failed\n", p.passed, p.failed);
	return p.failed ? 1 : 0;
}
