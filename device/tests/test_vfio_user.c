// SPDX-License-Identifier: MIT
/*
 * fakegpu-device over vfio-user, end to end: the real device program is
 * started (fork/exec of build/fakegpu-device on a temporary socket) and
 * driven through tests/vfu_client.c, an independent client implementation.
 *
 * Covers negotiation, device/region/irq info, config space per profile,
 * BAR0 registers, MSI at 60 Hz on an eventfd, INTx fallback, VRAM coherence
 * between the mmap'ed memfd and socket access, malformed messages of every
 * kind (each answered by an error reply or a closed connection, the server
 * then still serving a new client, no fd leaked), disconnects mid-message,
 * reconnect, the command line, the VERSION capabilities JSON, and what a
 * hostile peer must not achieve: resize the VRAM memfd, block the device on
 * a full eventfd or a slowly read reply, see sub-register reads change
 * state, connect from another uid, or make the device write through a
 * symlinked pidfile or take over a live socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "crc32c_ref.h"
#include "fakegpu_abi.h"
#include "vfu_client.h"

#define BAR0	VFIO_PCI_BAR0_REGION_INDEX
#define VRAM	VFIO_PCI_BAR2_REGION_INDEX
#define CFG	VFIO_PCI_CONFIG_REGION_INDEX

struct dev {
	pid_t pid;
	char dir[64];
	char sock[128];
	char ctl[128];
	char log[128];		/* the device's stderr */
};

static char device_bin[PATH_MAX];

static void find_device_bin(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (getenv("FAKEGPU_DEVICE")) {
		snprintf(device_bin, sizeof(device_bin), "%s", getenv("FAKEGPU_DEVICE"));
		return;
	}
	assert_true(n > 0);
	self[n] = '\0';
	slash = strrchr(self, '/');
	assert_non_null(slash);
	*slash = '\0';
	/* build/tests/test_vfio_user -> build/fakegpu-device */
	assert_true(strlen(self) + sizeof("/../fakegpu-device") <= sizeof(device_bin));
	strcpy(device_bin, self);
	strcat(device_bin, "/../fakegpu-device");
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Does file @path hold @text (waits up to @ms for it)? */
static bool file_has(const char *path, const char *text, int ms)
{
	for (int waited = 0;; waited += 10) {
		FILE *f = fopen(path, "re");
		char *buf = NULL;
		size_t cap = 0;
		bool found = false;

		/* NUL-delimited "lines": the whole file at once. */
		if (f) {
			found = getdelim(&buf, &cap, '\0', f) > 0 && strstr(buf, text);
			free(buf);
			fclose(f);
		}
		if (found)
			return true;
		if (waited >= ms)
			return false;
		usleep(10000);
	}
}

static bool log_has(const struct dev *d, const char *text, int ms)
{
	return file_has(d->log, text, ms);
}

/*
 * Run fakegpu-device on @d's paths with the extra arguments in @ap (NULL
 * terminated). Returns once it has printed its "listening" line: both sockets
 * then exist with their final mode and group.
 */
static void dev_spawn(struct dev *d, const char *profile, va_list ap)
{
	const char *argv[32];
	int argc = 0;

	argv[argc++] = device_bin;
	argv[argc++] = "--socket";
	argv[argc++] = d->sock;
	argv[argc++] = "--ctl";
	argv[argc++] = d->ctl;
	argv[argc++] = "--profile";
	argv[argc++] = profile;
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 30;)
		argv[argc++] = a;
	argv[argc] = NULL;

	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		int log = open(d->log, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);

		/* The device's messages go to its log unless asked for. */
		if (log >= 0) {
			dup2(log, STDOUT_FILENO);
			if (!getenv("FAKEGPU_TEST_VERBOSE"))
				dup2(log, STDERR_FILENO);
		}
		execv(device_bin, (char *const *)argv);
		perror("exec fakegpu-device");
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		if (log_has(d, "fakegpu-device: listening on", 0))
			return;
		assert_int_equal(waitpid(d->pid, NULL, WNOHANG), 0);
		usleep(10000);
	}
	fail_msg("fakegpu-device did not start listening on %s", d->sock);
}

/* Start fakegpu-device with extra arguments (NULL-terminated). */
static struct dev *dev_start_args(const char *profile, ...)
{
	struct dev *d = calloc(1, sizeof(*d));
	va_list ap;

	assert_non_null(d);
	strcpy(d->dir, "/tmp/fgtest-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->sock, sizeof(d->sock), "%s/fg.sock", d->dir);
	snprintf(d->ctl, sizeof(d->ctl), "%s/ctl.sock", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/device.log", d->dir);
	va_start(ap, profile);
	dev_spawn(d, profile, ap);
	va_end(ap);
	return d;
}

#define dev_start(profile) dev_start_args(profile, (const char *)NULL)

/* Start a device again on the paths of @d (whose process is gone). */
static void dev_respawn(struct dev *d, const char *profile, ...)
{
	va_list ap;

	va_start(ap, profile);
	dev_spawn(d, profile, ap);
	va_end(ap);
}

static void dev_stop(struct dev *d)
{
	int status = 0;
	struct stat st;

	if (!d)
		return;
	kill(d->pid, SIGTERM);
	assert_int_equal(waitpid(d->pid, &status, 0), d->pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* Clean exit unlinks both sockets. */
	assert_int_not_equal(stat(d->sock, &st), 0);
	assert_int_not_equal(stat(d->ctl, &st), 0);
	unlink(d->log);
	rmdir(d->dir);
	free(d);
}

/* Kill @d's process if it still runs (pid > 0) and remove its files. */
static void dev_kill(struct dev *d)
{
	if (d->pid > 0) {
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
	}
	unlink(d->sock);
	unlink(d->ctl);
	unlink(d->log);
	rmdir(d->dir);
}

/*
 * Stop a device that may be stuck: SIGTERM, and SIGKILL when it has not
 * exited within @ms. Everything is cleaned up; returns true when it exited
 * by itself with status 0.
 */
static bool dev_stop_within(struct dev *d, int ms)
{
	int status = 0;
	bool clean = false;

	kill(d->pid, SIGTERM);
	for (int waited = 0; waited <= ms; waited += 10) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
			d->pid = -1;
			break;
		}
		usleep(10000);
	}
	dev_kill(d);
	free(d);
	return clean;
}

/* A new client, negotiated with @caps_json (NULL: QEMU-like capabilities). */
static struct vfuc *client_caps(struct dev *d, const char *caps_json)
{
	struct vfuc *c = vfuc_connect(d->sock, 2000);

	assert_non_null(c);
	assert_int_equal(vfuc_negotiate(c, caps_json), 0);
	return c;
}

static struct vfuc *client(struct dev *d)
{
	return client_caps(d, NULL);
}

static int count_fds(pid_t pid)
{
	char path[64];
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	assert_non_null(dir);
	while (readdir(dir))
		n++;
	closedir(dir);
	return n;
}

/* The device still serves a fresh client correctly. */
static void assert_alive(struct dev *d)
{
	struct vfuc *c = client(d);

	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_ID), FAKEGPU_ID_MAGIC);
	vfuc_close(c);
}

/* Wait until the server noticed a closed client (fd count back to @n). */
static void wait_fds(struct dev *d, int n)
{
	for (int i = 0; i < 200 && count_fds(d->pid) != n; i++)
		usleep(5000);
	assert_int_equal(count_fds(d->pid), n);
}

/* ---- group fixture: one t4-1b device -------------------------------------- */

static int group_setup(void **state)
{
	*state = dev_start("t4-1b");
	return 0;
}

/*
 * After a failed test its client may still be connected (cmocka jumps out of
 * the test), and the device turns every later client away: start a fresh
 * device so that one failure does not cascade.
 */
static int test_teardown(void **state)
{
	struct dev *d = *state;
	struct vfuc *c = vfuc_connect(d->sock, 500);
	bool ok = false;

	if (c) {
		c->timeout_ms = 1000;
		ok = vfuc_negotiate(c, NULL) == 0;
		vfuc_close(c);
	}
	if (!ok) {
		struct dev *fresh;

		fprintf(stderr, "device unusable after the test: restarting it\n");
		dev_kill(d);
		fresh = dev_start("t4-1b");
		*d = *fresh;
		free(fresh);
	}
	return 0;
}

static int group_teardown(void **state)
{
	dev_stop(*state);
	return 0;
}

/* ---- negotiation and info ------------------------------------------------- */

static void test_negotiate(void **state)
{
	struct dev *d = *state;
	struct vfuc *c = vfuc_connect(d->sock, 1000);

	assert_non_null(c);
	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	assert_int_equal(c->server_major, 0);
	assert_true(c->server_minor <= 1);
	assert_non_null(strstr(c->server_caps, "\"capabilities\""));
	assert_non_null(strstr(c->server_caps, "\"max_msg_fds\":8"));
	assert_non_null(strstr(c->server_caps, "\"max_data_xfer_size\":1048576"));
	/* We proposed max_dma_maps: the server answers with at most ours. */
	assert_non_null(strstr(c->server_caps, "\"max_dma_maps\":4096"));
	/* A second VERSION is refused. */
	assert_int_equal(vfuc_negotiate(c, NULL), -EINVAL);
	vfuc_close(c);

	/* No capabilities at all, and odd-but-valid JSON, are fine. */
	c = vfuc_connect(d->sock, 1000);
	assert_int_equal(vfuc_negotiate(c, "{}"), 0);
	assert_null(strstr(c->server_caps, "max_dma_maps"));
	vfuc_close(c);
	c = vfuc_connect(d->sock, 1000);
	assert_int_equal(vfuc_negotiate(c, " { \"x\" : [1, 2.5e3, {\"a\":null}], \"capabilities\""
					   " : {\"max_msg_fds\": 0, \"twin_socket\": {\"supported\": false}}}"), 0);
	vfuc_close(c);
}

static void test_device_info(void **state)
{
	struct vfuc *c = client(*state);
	uint32_t flags, nreg, nirq, f, cnt;

	assert_int_equal(vfuc_device_info(c, &flags, &nreg, &nirq), 0);
	assert_int_equal(flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(nreg, VFIO_PCI_NUM_REGIONS);
	assert_int_equal(nirq, VFIO_PCI_NUM_IRQS);

	assert_int_equal(vfuc_irq_info(c, VFIO_PCI_INTX_IRQ_INDEX, &f, &cnt), 0);
	assert_int_equal(cnt, 1);
	assert_true(f & VFIO_IRQ_INFO_EVENTFD);
	assert_true(f & VFIO_IRQ_INFO_AUTOMASKED);
	assert_int_equal(vfuc_irq_info(c, VFIO_PCI_MSI_IRQ_INDEX, &f, &cnt), 0);
	assert_int_equal(cnt, 1);
	assert_true(f & VFIO_IRQ_INFO_EVENTFD);
	assert_int_equal(vfuc_irq_info(c, VFIO_PCI_MSIX_IRQ_INDEX, &f, &cnt), 0);
	assert_int_equal(cnt, 0);
	assert_int_equal(vfuc_irq_info(c, VFIO_PCI_NUM_IRQS, &f, &cnt), -EINVAL);
	vfuc_close(c);
}

/*
 * The shared pages through QEMU's path: BAR4's region info offers the memfd
 * (after VRAM), its mapping is the same memory the device writes (the status
 * page's layout word once enabled), and REGION_READ of BAR4 sees it too.
 */
static void test_shm_region(void **state)
{
	struct vfuc *c = client(*state);
	uint64_t size = 0;
	uint8_t *shm = vfuc_map_region(c, VFIO_PCI_BAR4_REGION_INDEX, &size);
	uint32_t layout = 0, v = 0;

	assert_non_null(shm);
	assert_int_equal(size, FAKEGPU_SHM_SIZE);
	assert_true(vfuc_read32(c, BAR0, FAKEGPU_REG_CAPS) & FAKEGPU_CAP_SHM);
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_REG_SHM_CTRL, FAKEGPU_SHM_CTRL_ENABLE), 0);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_SHM_CTRL), FAKEGPU_SHM_CTRL_ENABLE);
	memcpy(&layout, shm + FAKEGPU_SHM_STATUS + FAKEGPU_SHM_ST_LAYOUT, 4);
	assert_int_equal(layout, FAKEGPU_SHM_LAYOUT);
	assert_int_equal(vfuc_read(c, VFIO_PCI_BAR4_REGION_INDEX, FAKEGPU_SHM_ST_LAYOUT, &v, 4), 0);
	assert_int_equal(v, FAKEGPU_SHM_LAYOUT);
	/* Out of the region: refused. */
	assert_int_not_equal(vfuc_read(c, VFIO_PCI_BAR4_REGION_INDEX, FAKEGPU_SHM_SIZE - 2, &v, 4), 0);
	munmap(shm, size);
	vfuc_close(c);
}

static void test_region_info(void **state)
{
	struct vfuc *c = client(*state);
	uint8_t buf[256];
	struct vfio_region_info info;
	struct vfio_region_info_cap_sparse_mmap sp;
	struct vfio_region_sparse_mmap_area area;
	struct stat st;
	size_t len;
	int fd;

	assert_int_equal(vfuc_region_info(c, BAR0, sizeof(buf), buf, sizeof(buf), &len, &fd), 0);
	memcpy(&info, buf, sizeof(info));
	assert_int_equal(len, 32);
	assert_int_equal(fd, -1);
	assert_int_equal(info.size, FAKEGPU_MMIO_SIZE);
	assert_int_equal(info.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE);

	assert_int_equal(vfuc_region_info(c, VRAM, sizeof(buf), buf, sizeof(buf), &len, &fd), 0);
	memcpy(&info, buf, sizeof(info));
	assert_int_equal(len, 32 + 16 + 16);
	assert_int_equal(info.argsz, 64);
	assert_int_equal(info.size, 1ull << 30);
	assert_int_equal(info.flags, VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			 VFIO_REGION_INFO_FLAG_MMAP | VFIO_REGION_INFO_FLAG_CAPS);
	assert_int_equal(info.cap_offset, 32);
	memcpy(&sp, buf + 32, sizeof(sp));
	assert_int_equal(sp.header.id, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	assert_int_equal(sp.header.version, 1);
	assert_int_equal(sp.header.next, 0);
	assert_int_equal(sp.nr_areas, 1);
	memcpy(&area, buf + 32 + sizeof(sp), sizeof(area));
	assert_int_equal(area.offset, 0);
	assert_int_equal(area.size, 1ull << 30);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	/* VRAM, then the shared pages (BAR4) in the same memfd. */
	assert_int_equal(st.st_size, (1ll << 30) + FAKEGPU_SHM_SIZE);
	close(fd);

	/* argsz too small for the caps: needed size, no caps copied, no fd. */
	assert_int_equal(vfuc_region_info(c, VRAM, 32, buf, sizeof(buf), &len, &fd), 0);
	memcpy(&info, buf, sizeof(info));
	assert_int_equal(len, 32);
	assert_int_equal(info.argsz, 64);
	assert_int_equal(fd, -1);
	assert_true(info.cap_offset >= 32 && info.cap_offset <= info.argsz);

	assert_int_equal(vfuc_region_info(c, CFG, sizeof(buf), buf, sizeof(buf), &len, &fd), 0);
	memcpy(&info, buf, sizeof(info));
	assert_int_equal(info.size, 256);
	assert_int_equal(vfuc_region_info(c, VFIO_PCI_BAR1_REGION_INDEX, sizeof(buf), buf,
					  sizeof(buf), &len, &fd), 0);
	memcpy(&info, buf, sizeof(info));
	assert_int_equal(info.size, 0);
	assert_int_equal(vfuc_region_info(c, VFIO_PCI_NUM_REGIONS, sizeof(buf), buf,
					  sizeof(buf), &len, &fd), -EINVAL);
	assert_int_equal(vfuc_region_info(c, VRAM, 16, buf, sizeof(buf), &len, &fd), -EINVAL);
	vfuc_close(c);
}

/* ---- config space ---------------------------------------------------------- */

static uint16_t cfg16(struct vfuc *c, unsigned int off)
{
	uint16_t v = 0xffff;

	assert_int_equal(vfuc_read(c, CFG, off, &v, 2), 0);
	return v;
}

static uint8_t cfg8(struct vfuc *c, unsigned int off)
{
	uint8_t v = 0xff;

	assert_int_equal(vfuc_read(c, CFG, off, &v, 1), 0);
	return v;
}

static void check_config(struct vfuc *c, uint16_t vendor, uint16_t device,
			 uint32_t class_code, uint16_t subsys, uint64_t vram)
{
	uint8_t cfg[256];
	unsigned int pos, msi = 0, guard = 0;

	assert_int_equal(vfuc_read(c, CFG, 0, cfg, sizeof(cfg)), 0);
	assert_int_equal(cfg16(c, PCI_VENDOR_ID), vendor);
	assert_int_equal(cfg16(c, PCI_DEVICE_ID), device);
	assert_int_equal(cfg8(c, PCI_REVISION_ID), FAKEGPU_PCI_REVISION);
	assert_int_equal(cfg[PCI_CLASS_PROG] | cfg[PCI_CLASS_DEVICE] << 8 |
			 cfg[PCI_CLASS_DEVICE + 1] << 16, class_code);
	assert_int_equal(cfg16(c, PCI_SUBSYSTEM_VENDOR_ID), vendor);
	assert_int_equal(cfg16(c, PCI_SUBSYSTEM_ID), subsys);
	assert_int_equal(cfg[PCI_HEADER_TYPE], 0);
	assert_true(cfg16(c, PCI_STATUS) & PCI_STATUS_CAP_LIST);
	assert_int_equal(cfg[PCI_INTERRUPT_PIN], 1);

	/* BAR types. */
	assert_int_equal(vfuc_read32(c, CFG, PCI_BASE_ADDRESS_0) & 0xf, 0);
	assert_int_equal(vfuc_read32(c, CFG, PCI_BASE_ADDRESS_2) & 0xf,
			 PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);

	/* Sizing: all-ones reads back the size mask. */
	assert_int_equal(vfuc_write32(c, CFG, PCI_BASE_ADDRESS_0, 0xffffffff), 0);
	assert_int_equal(vfuc_read32(c, CFG, PCI_BASE_ADDRESS_0), ~(uint32_t)(FAKEGPU_MMIO_SIZE - 1));
	assert_int_equal(vfuc_write32(c, CFG, PCI_BASE_ADDRESS_2, 0xffffffff), 0);
	assert_int_equal(vfuc_write32(c, CFG, PCI_BASE_ADDRESS_3, 0xffffffff), 0);
	{
		uint64_t lo = vfuc_read32(c, CFG, PCI_BASE_ADDRESS_2);
		uint64_t hi = vfuc_read32(c, CFG, PCI_BASE_ADDRESS_3);
		uint64_t mask = (hi << 32 | lo) & ~0xfull;

		assert_int_equal(~mask + 1, vram);
	}
	assert_int_equal(vfuc_read32(c, CFG, PCI_BASE_ADDRESS_1), 0);
	assert_int_equal(vfuc_write32(c, CFG, PCI_BASE_ADDRESS_1, 0xffffffff), 0);
	assert_int_equal(vfuc_read32(c, CFG, PCI_BASE_ADDRESS_1), 0);
	/* Program an address. */
	assert_int_equal(vfuc_write32(c, CFG, PCI_BASE_ADDRESS_0, 0xfe000000), 0);
	assert_int_equal(vfuc_read32(c, CFG, PCI_BASE_ADDRESS_0), 0xfe000000);

	/* Read-only identity. */
	assert_int_equal(vfuc_write32(c, CFG, PCI_VENDOR_ID, 0x12345678), 0);
	assert_int_equal(cfg16(c, PCI_VENDOR_ID), vendor);
	/* Command register: memory + master writable, I/O not (no I/O BARs). */
	assert_int_equal(vfuc_write(c, CFG, PCI_COMMAND, &(uint16_t){ 0x0007 }, 2), 0);
	assert_int_equal(cfg16(c, PCI_COMMAND), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);

	/* Capability list walk. */
	pos = cfg[PCI_CAPABILITY_LIST];
	while (pos && guard++ < 48) {
		assert_true(pos >= 0x40 && pos <= 0xfc);
		if (cfg[pos] == PCI_CAP_ID_MSI)
			msi = pos;
		pos = cfg[pos + 1];
	}
	assert_int_equal(pos, 0);
	assert_int_not_equal(msi, 0);
	{
		uint16_t flags = cfg16(c, msi + PCI_MSI_FLAGS);

		assert_true(flags & PCI_MSI_FLAGS_64BIT);
		assert_int_equal(flags & PCI_MSI_FLAGS_QMASK, 0);	/* 1 vector */
		assert_false(flags & PCI_MSI_FLAGS_ENABLE);
		assert_int_equal(vfuc_write(c, CFG, msi + PCI_MSI_FLAGS,
					    &(uint16_t){ PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QMASK }, 2), 0);
		flags = cfg16(c, msi + PCI_MSI_FLAGS);
		assert_true(flags & PCI_MSI_FLAGS_ENABLE);
		assert_int_equal(flags & PCI_MSI_FLAGS_QMASK, 0);	/* RO */
		assert_int_equal(vfuc_write32(c, CFG, msi + PCI_MSI_ADDRESS_LO, 0xfee00003), 0);
		assert_int_equal(vfuc_read32(c, CFG, msi + PCI_MSI_ADDRESS_LO), 0xfee00000);
	}
	/* Out of range. */
	assert_int_equal(vfuc_read(c, CFG, 255, cfg, 2), -EINVAL);
	assert_int_equal(vfuc_read(c, CFG, 256, cfg, 1), -EINVAL);
}

static void test_config_t4_1b(void **state)
{
	struct vfuc *c = client(*state);

	check_config(c, FAKEGPU_PCI_VENDOR_NVIDIA, FAKEGPU_PCI_DEVICE_T4,
		     FAKEGPU_PCI_CLASS_3D, FAKEGPU_PCI_SUBSYS_T4_1B, 1ull << 30);
	/* DEVICE_RESET brings config space back to power-on values. */
	assert_int_equal(vfuc_reset(c), 0);
	assert_int_equal(cfg16(c, PCI_COMMAND), 0);
	assert_int_equal(vfuc_read32(c, CFG, PCI_BASE_ADDRESS_0), 0);
	vfuc_close(c);
}

static void test_config_other_profiles(void **state)
{
	struct dev *d;
	struct vfuc *c;

	(void)state;
	d = dev_start("t4-2b");
	c = client(d);
	check_config(c, FAKEGPU_PCI_VENDOR_NVIDIA, FAKEGPU_PCI_DEVICE_T4,
		     FAKEGPU_PCI_CLASS_3D, FAKEGPU_PCI_SUBSYS_T4_2B, 2ull << 30);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_VRAM_SIZE_LO), 0x80000000u);
	vfuc_close(c);
	dev_stop(d);

	d = dev_start("virt");
	c = client(d);
	check_config(c, FAKEGPU_PCI_VENDOR_VIRT, FAKEGPU_PCI_DEVICE_VIRT,
		     FAKEGPU_PCI_CLASS_DISPLAY, FAKEGPU_PCI_SUBSYS_VIRT, 256ull << 20);
	vfuc_close(c);
	dev_stop(d);

	/* Overrides: 4 GiB of VRAM (BAR sizing across the high dword), 2 heads. */
	d = dev_start_args("virt", "--vram", "4096", "--heads", "2", (const char *)NULL);
	c = client(d);
	check_config(c, FAKEGPU_PCI_VENDOR_VIRT, FAKEGPU_PCI_DEVICE_VIRT,
		     FAKEGPU_PCI_CLASS_DISPLAY, FAKEGPU_PCI_SUBSYS_VIRT, 4ull << 30);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_NUM_HEADS), 2);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_VRAM_SIZE_HI), 1);
	vfuc_close(c);
	dev_stop(d);
}

/* ---- BAR0 ------------------------------------------------------------------ */

static void test_bar0(void **state)
{
	struct vfuc *c = client(*state);
	uint8_t b;
	uint16_t w;
	uint64_t q;

	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_ID), FAKEGPU_ID_MAGIC);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_ABI_VERSION), FAKEGPU_ABI_VERSION);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_NUM_HEADS), 1);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_VRAM_SIZE_LO), 1u << 30);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_VRAM_SIZE_HI), 0);
	printf("CAPS 0x%x FORMATS 0x%x MAX %ux%u\n", vfuc_read32(c, BAR0, FAKEGPU_REG_CAPS),
	       vfuc_read32(c, BAR0, FAKEGPU_REG_FORMATS),
	       vfuc_read32(c, BAR0, FAKEGPU_REG_MAX_WIDTH),
	       vfuc_read32(c, BAR0, FAKEGPU_REG_MAX_HEIGHT));

	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_REG_SCRATCH, 0xcafef00d), 0);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_SCRATCH), 0xcafef00d);

	/* Sub-register reads extract bytes of the register. */
	assert_int_equal(vfuc_read(c, BAR0, FAKEGPU_REG_ID + 1, &b, 1), 0);
	assert_int_equal(b, (FAKEGPU_ID_MAGIC >> 8) & 0xff);
	assert_int_equal(vfuc_read(c, BAR0, FAKEGPU_REG_ID + 2, &w, 2), 0);
	assert_int_equal(w, FAKEGPU_ID_MAGIC >> 16);
	/* 8-byte access: two registers. */
	assert_int_equal(vfuc_read(c, BAR0, FAKEGPU_REG_ID, &q, 8), 0);
	assert_int_equal(q, (uint64_t)FAKEGPU_ABI_VERSION << 32 | FAKEGPU_ID_MAGIC);
	q = 0x1122334455667788ull;
	assert_int_equal(vfuc_write(c, BAR0, FAKEGPU_REG_CTRL + 0, &(uint64_t){ 0 }, 8), 0);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_SCRATCH), 0);

	/* Refused: unaligned, partial writes, odd sizes, out of range. */
	assert_int_equal(vfuc_read(c, BAR0, 1, &w, 2), -EINVAL);
	assert_int_equal(vfuc_read(c, BAR0, 2, &q, 4), -EINVAL);
	assert_int_equal(vfuc_read(c, BAR0, 4, &q, 8), -EINVAL);
	assert_int_equal(vfuc_read(c, BAR0, 0, &q, 3), -EINVAL);
	assert_int_equal(vfuc_write(c, BAR0, FAKEGPU_REG_SCRATCH, &b, 1), -EINVAL);
	assert_int_equal(vfuc_read(c, BAR0, FAKEGPU_MMIO_SIZE, &q, 4), -EINVAL);
	assert_int_equal(vfuc_read(c, BAR0, FAKEGPU_MMIO_SIZE - 2, &q, 4), -EINVAL);
	assert_int_equal(vfuc_read(c, BAR0, UINT64_MAX - 1, &q, 4), -EINVAL);
	vfuc_close(c);
}

/* ---- interrupts ------------------------------------------------------------ */

static void program_head(struct vfuc *c, uint32_t w, uint32_t h)
{
	uint32_t hb = FAKEGPU_HEAD_BASE(0), pb = hb + FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_PRIMARY);

	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_OFFSET_LO, 0), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_OFFSET_HI, 0), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_PITCH, w * 4), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_SRC_X, 0), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_SRC_Y, 0), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_SRC_W, w), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_SRC_H, h), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_DST_X, 0), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_DST_Y, 0), 0);
	assert_int_equal(vfuc_write32(c, BAR0, pb + FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE), 0);
	assert_int_equal(vfuc_write32(c, BAR0, hb + FAKEGPU_HEAD_WIDTH, w), 0);
	assert_int_equal(vfuc_write32(c, BAR0, hb + FAKEGPU_HEAD_HEIGHT, h), 0);
	assert_int_equal(vfuc_write32(c, BAR0, hb + FAKEGPU_HEAD_REFRESH_MHZ, 60000), 0);
	assert_int_equal(vfuc_write32(c, BAR0, hb + FAKEGPU_HEAD_CTRL,
				      FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC), 0);
	assert_int_equal(vfuc_write32(c, BAR0, hb + FAKEGPU_HEAD_COMMIT, 1), 0);
}

/* Count eventfd signals for @ms, acking IRQ_STATUS like a driver would. */
static uint64_t count_irqs(struct vfuc *c, int efd, int ms, bool ack)
{
	uint64_t total = 0, end = now_ms() + (uint64_t)ms;

	for (;;) {
		uint64_t now = now_ms(), v;
		struct pollfd p = { .fd = efd, .events = POLLIN };

		if (now >= end)
			break;
		if (poll(&p, 1, (int)(end - now)) <= 0)
			continue;
		if (read(efd, &v, sizeof(v)) == sizeof(v))
			total += v;
		if (ack) {
			uint32_t st = vfuc_read32(c, BAR0, FAKEGPU_REG_IRQ_STATUS);

			vfuc_write32(c, BAR0, FAKEGPU_REG_IRQ_STATUS, st);
		}
	}
	return total;
}

static void test_msi_vblank(void **state)
{
	struct vfuc *c = client(*state);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t n;
	uint32_t frames;

	assert_true(efd >= 0);
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_MSI_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				       0, 1, &efd, 1, NULL), 0);
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_VBLANK(0)), 0);
	program_head(c, 640, 480);
	n = count_irqs(c, efd, 500, true);
	frames = vfuc_read32(c, BAR0, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_FRAME);
	printf("MSI: %llu interrupts in 0.5 s at 60 Hz, frame counter %u\n",
	       (unsigned long long)n, frames);
	assert_true(n >= 20 && n <= 40);
	assert_true(vfuc_read32(c, BAR0, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_STATUS) &
		    FAKEGPU_HEAD_STATUS_ACTIVE);

	/* Masked MSI is held back, then delivered once on unmask. */
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_MSI_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK,
				       0, 1, NULL, 0, NULL), 0);
	/* A vblank may have signalled just before the mask took effect. */
	(void)!read(efd, &n, sizeof(n));
	vfuc_write32(c, BAR0, FAKEGPU_REG_IRQ_STATUS, FAKEGPU_IRQ_ALL);
	n = count_irqs(c, efd, 100, true);
	assert_int_equal(n, 0);
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_MSI_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_UNMASK,
				       0, 1, NULL, 0, (const uint8_t[]){ 1 }), 0);
	n = count_irqs(c, efd, 100, true);
	assert_true(n >= 1);

	/* Client-triggered MSI (DATA_NONE | TRIGGER). */
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_REG_IRQ_MASK, 0), 0);
	count_irqs(c, efd, 50, false);
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_MSI_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
				       0, 1, NULL, 0, NULL), 0);
	assert_int_equal(count_irqs(c, efd, 50, false), 1);

	/* Disable MSI; fall back to INTx: fires once, then stays automasked. */
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_MSI_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
				       0, 0, NULL, 0, NULL), 0);
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_INTX_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				       0, 1, &efd, 1, NULL), 0);
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_VBLANK(0)), 0);
	n = count_irqs(c, efd, 200, false);
	assert_int_equal(n, 1);
	/* Unmask while the line is still up (status not acked): fires again. */
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_INTX_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
				       0, 1, NULL, 0, NULL), 0);
	n = count_irqs(c, efd, 100, false);
	assert_int_equal(n, 1);
	/* The INTx status bit in config space follows the line. */
	assert_true(cfg16(c, PCI_STATUS) & PCI_STATUS_INTERRUPT);
	/* INTx disable in the command register silences it. */
	assert_int_equal(vfuc_write(c, CFG, PCI_COMMAND, &(uint16_t){ PCI_COMMAND_INTX_DISABLE }, 2), 0);
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_INTX_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
				       0, 1, NULL, 0, NULL), 0);
	assert_int_equal(count_irqs(c, efd, 100, false), 0);

	assert_int_equal(vfuc_reset(c), 0);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_IRQ_MASK), 0);
	close(efd);
	vfuc_close(c);
}

/* ---- VRAM ------------------------------------------------------------------ */

static void test_vram(void **state)
{
	struct vfuc *c = client(*state);
	uint64_t size = 0;
	uint8_t *vram = vfuc_map_region(c, VRAM, &size);
	uint8_t buf[4096], big[65536];

	assert_non_null(vram);
	assert_int_equal(size, 1ull << 30);
	/* mmap write -> socket read, at the start, the middle and the last page. */
	for (uint64_t off = 0; off < size; off += size / 2 - 4096) {
		for (size_t i = 0; i < sizeof(buf); i++)
			vram[off + i] = (uint8_t)(i * 7 + off / 4096);
		assert_int_equal(vfuc_read(c, VRAM, off, buf, sizeof(buf)), 0);
		assert_memory_equal(buf, vram + off, sizeof(buf));
	}
	/* Socket write -> visible in the mapping. */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(vfuc_write(c, VRAM, 12345, big, sizeof(big)), 0);
	assert_memory_equal(vram + 12345, big, sizeof(big));
	/* Bounds. */
	assert_int_equal(vfuc_read(c, VRAM, size - 4, buf, 8), -EINVAL);
	assert_int_equal(vfuc_write(c, VRAM, size, buf, 1), -EINVAL);
	assert_int_equal(vfuc_read(c, VRAM, UINT64_MAX - 2, buf, 4), -EINVAL);
	assert_int_equal(vfuc_read(c, VRAM, size - 4, buf, 4), 0);
	munmap(vram, size);
	vfuc_close(c);
}

/* ---- malformed messages ----------------------------------------------------- */

struct rwq {
	uint64_t off;
	uint32_t region, count;
};

struct raw {
	uint8_t b[256];
	size_t len;
};

static void raw_hdr(struct raw *r, uint16_t cmd, uint32_t size, uint32_t flags)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->b, &(uint16_t){ 0x4242 }, 2);
	memcpy(r->b + 2, &cmd, 2);
	memcpy(r->b + 4, &size, 4);
	memcpy(r->b + 8, &flags, 4);
	r->len = 16;
}

static void raw_put(struct raw *r, const void *p, size_t n)
{
	memcpy(r->b + r->len, p, n);
	r->len += n;
}

/* Send @r; expect an error reply with @err (0: any error) or a close. */
static void expect_error(struct dev *d, const struct raw *r, const int *fds,
			 unsigned int nfds, int err)
{
	struct vfuc *c = client(d);
	struct vfuc_hdr h;
	uint8_t buf[64];
	int ret;

	assert_int_equal(vfuc_send_raw(c, r->b, r->len, fds, nfds), 0);
	ret = vfuc_recv(c, &h, buf, sizeof(buf), NULL, 0, NULL);
	if (ret == 0) {
		assert_true(h.flags & 0x20);
		assert_int_equal(h.size, 16);
		if (err)
			assert_int_equal(h.error, err);
		assert_int_equal(h.id, 0x4242);
	} else {
		assert_int_equal(ret, -EPIPE);
	}
	vfuc_close(c);
}

static void test_malformed(void **state)
{
	struct dev *d = *state;
	struct raw r;
	struct vfuc *c;
	int base, efd, efd2, pipefd[2], many[9];

	assert_alive(d);
	usleep(50000);
	base = count_fds(d->pid);
	efd = eventfd(0, EFD_CLOEXEC);
	efd2 = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(pipe(pipefd), 0);

	/* Truncated header, then the client goes away. */
	c = vfuc_connect(d->sock, 1000);
	assert_int_equal(vfuc_send_raw(c, "\x01\x00\x01\x00\x30", 5, NULL, 0), 0);
	vfuc_close(c);
	/* Header promising more than it sends (disconnect mid-message). */
	c = client(d);
	raw_hdr(&r, 10, 100, 0);
	raw_put(&r, "0123456789", 10);
	assert_int_equal(vfuc_send_raw(c, r.b, r.len, NULL, 0), 0);
	vfuc_close(c);
	assert_alive(d);

	/* Size larger than the maximum: error reply, then closed. */
	c = client(d);
	raw_hdr(&r, 9, 0x7fffffff, 0);
	assert_int_equal(vfuc_send_raw(c, r.b, r.len, NULL, 0), 0);
	{
		struct vfuc_hdr h;
		uint8_t buf[16];

		assert_int_equal(vfuc_recv(c, &h, buf, sizeof(buf), NULL, 0, NULL), 0);
		assert_int_equal(h.error, E2BIG);
		assert_true(vfuc_closed_by_peer(c, 1000));
	}
	vfuc_close(c);
	/* Size smaller than a header. */
	raw_hdr(&r, 4, 8, 0);
	expect_error(d, &r, NULL, 0, EINVAL);

	/* Unknown command, and known ones we do not implement. */
	raw_hdr(&r, 99, 16, 0);
	expect_error(d, &r, NULL, 0, ENOSYS);
	raw_hdr(&r, 15, 16, 0);
	expect_error(d, &r, NULL, 0, ENOTSUP);
	/* Reply flag set on a "request". */
	raw_hdr(&r, 4, 32, 1);
	raw_put(&r, (uint32_t[4]){ 16, 0, 0, 0 }, 16);
	expect_error(d, &r, NULL, 0, EINVAL);
	/* Unknown flag bits. */
	raw_hdr(&r, 4, 32, 0x100);
	raw_put(&r, (uint32_t[4]){ 16, 0, 0, 0 }, 16);
	expect_error(d, &r, NULL, 0, EINVAL);
	/* GET_INFO with a short payload. */
	raw_hdr(&r, 4, 20, 0);
	raw_put(&r, (uint32_t[1]){ 16 }, 4);
	expect_error(d, &r, NULL, 0, EINVAL);

	/* Bad region index / offsets / counts. */
	{
		struct rwq rw;

		rw = (struct rwq){ 0, 42, 4 };
		raw_hdr(&r, 9, 32, 0);
		raw_put(&r, &rw, 16);
		expect_error(d, &r, NULL, 0, EINVAL);
		rw = (struct rwq){ 0, BAR0, 0 };
		raw_hdr(&r, 9, 32, 0);
		raw_put(&r, &rw, 16);
		expect_error(d, &r, NULL, 0, EINVAL);
		rw = (struct rwq){ 0, VRAM, (1u << 20) + 1 };
		raw_hdr(&r, 9, 32, 0);
		raw_put(&r, &rw, 16);
		expect_error(d, &r, NULL, 0, EINVAL);
		rw = (struct rwq){ UINT64_MAX - 3, VRAM, 8 };
		raw_hdr(&r, 9, 32, 0);
		raw_put(&r, &rw, 16);
		expect_error(d, &r, NULL, 0, EINVAL);
		/* REGION_WRITE whose count disagrees with the payload. */
		rw = (struct rwq){ FAKEGPU_REG_SCRATCH, BAR0, 8 };
		raw_hdr(&r, 10, 36, 0);
		raw_put(&r, &rw, 16);
		raw_put(&r, "\x01\x02\x03\x04", 4);
		expect_error(d, &r, NULL, 0, EINVAL);
		rw = (struct rwq){ FAKEGPU_REG_SCRATCH, BAR0, 2 };
		raw_hdr(&r, 10, 36, 0);
		raw_put(&r, &rw, 16);
		raw_put(&r, "\x01\x02\x03\x04", 4);
		expect_error(d, &r, NULL, 0, EINVAL);
		/* REGION_READ with a trailing payload. */
		rw = (struct rwq){ 0, BAR0, 4 };
		raw_hdr(&r, 9, 36, 0);
		raw_put(&r, &rw, 16);
		raw_put(&r, "\0\0\0\0", 4);
		expect_error(d, &r, NULL, 0, EINVAL);
	}

	/* SET_IRQS: fds disagreeing with count, wrong fd kinds, bad flags. */
	{
		uint32_t s[5];

		s[0] = 20; s[1] = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		s[2] = VFIO_PCI_MSI_IRQ_INDEX; s[3] = 0; s[4] = 1;
		raw_hdr(&r, 8, 36, 0);
		raw_put(&r, s, 20);
		expect_error(d, &r, (int[]){ efd, efd2 }, 2, EINVAL);		/* 2 fds, count 1 */
		expect_error(d, &r, (int[]){ pipefd[0] }, 1, EINVAL);		/* not an eventfd */
		for (int i = 0; i < 9; i++)
			many[i] = efd;
		expect_error(d, &r, many, 9, EINVAL);				/* too many fds */
		s[4] = 2;
		raw_hdr(&r, 8, 36, 0);
		raw_put(&r, s, 20);
		expect_error(d, &r, (int[]){ efd, efd2 }, 2, EINVAL);		/* count > vectors */
		s[4] = 1;
		s[1] = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER;
		raw_hdr(&r, 8, 36, 0);
		raw_put(&r, s, 20);
		expect_error(d, &r, (int[]){ efd }, 1, EINVAL);			/* two data types */
		s[1] = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK | VFIO_IRQ_SET_ACTION_UNMASK;
		raw_hdr(&r, 8, 36, 0);
		raw_put(&r, s, 20);
		expect_error(d, &r, NULL, 0, EINVAL);				/* two actions */
		s[1] = VFIO_IRQ_SET_DATA_BOOL | VFIO_IRQ_SET_ACTION_TRIGGER;
		raw_hdr(&r, 8, 36, 0);
		raw_put(&r, s, 20);
		expect_error(d, &r, NULL, 0, EINVAL);				/* bool data missing */
		s[1] = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER;
		s[2] = 7;
		raw_hdr(&r, 8, 36, 0);
		raw_put(&r, s, 20);
		expect_error(d, &r, NULL, 0, EINVAL);				/* bad index */
		s[2] = VFIO_PCI_MSIX_IRQ_INDEX;
		raw_hdr(&r, 8, 36, 0);
		raw_put(&r, s, 20);
		expect_error(d, &r, NULL, 0, EINVAL);				/* no vectors */
	}
	/* fds on a command that takes none. */
	raw_hdr(&r, 4, 32, 0);
	raw_put(&r, (uint32_t[4]){ 16, 0, 0, 0 }, 16);
	expect_error(d, &r, (int[]){ efd }, 1, EINVAL);

	/* Commands before VERSION; bad VERSIONs. */
	c = vfuc_connect(d->sock, 1000);
	assert_int_equal(vfuc_read(c, BAR0, 0, &(uint32_t){ 0 }, 4), -EINVAL);
	assert_int_equal(vfuc_negotiate(c, "{\"capabilities\":"), -EINVAL);
	assert_int_equal(vfuc_negotiate(c, "{\"capabilities\":{\"max_msg_fds\":-1}}"), -EINVAL);
	assert_int_equal(vfuc_negotiate(c, "[]"), -EINVAL);
	assert_int_equal(vfuc_negotiate(c, "{\"a\":\"\\q\"}"), -EINVAL);
	assert_int_equal(vfuc_negotiate(c, "{} x"), -EINVAL);
	{
		char deep[200];

		memset(deep, '[', 100);
		memset(deep + 100, ']', 99);
		deep[199] = '\0';
		assert_int_equal(vfuc_negotiate(c, deep), -EINVAL);
	}
	/* VERSION whose JSON lacks its NUL. */
	raw_hdr(&r, 1, 22, 0);
	raw_put(&r, (uint16_t[2]){ 0, 1 }, 4);
	raw_put(&r, "{}", 2);
	assert_int_equal(vfuc_send_raw(c, r.b, r.len, NULL, 0), 0);
	{
		struct vfuc_hdr h;
		uint8_t buf[16];

		assert_int_equal(vfuc_recv(c, &h, buf, sizeof(buf), NULL, 0, NULL), 0);
		assert_int_equal(h.error, EINVAL);
	}
	assert_int_equal(vfuc_negotiate(c, NULL), 0);	/* still usable */
	vfuc_close(c);
	/* Unsupported major: error reply and close. */
	raw_hdr(&r, 1, 20, 0);
	raw_put(&r, (uint16_t[2]){ 1, 0 }, 4);
	c = vfuc_connect(d->sock, 1000);
	assert_int_equal(vfuc_send_raw(c, r.b, r.len, NULL, 0), 0);
	{
		struct vfuc_hdr h;
		uint8_t buf[16];

		assert_int_equal(vfuc_recv(c, &h, buf, sizeof(buf), NULL, 0, NULL), 0);
		assert_int_equal(h.error, ENOTSUP);
		assert_true(vfuc_closed_by_peer(c, 1000));
	}
	vfuc_close(c);

	/* DMA bookkeeping. */
	c = client(d);
	assert_int_equal(vfuc_dma_map(c, 0x100000, 0x100000, 3, -1), 0);	/* no fd: legal */
	assert_int_equal(vfuc_dma_map(c, 0x180000, 0x1000, 3, efd), -EEXIST);
	assert_int_equal(vfuc_dma_map(c, 0x200000, 0x1000, 3, efd), 0);	/* fd closed by server */
	assert_int_equal(vfuc_dma_map(c, 0x300000, 0, 3, -1), -EINVAL);
	assert_int_equal(vfuc_dma_map(c, UINT64_MAX - 0xfff, 0x2000, 3, -1), -EINVAL);
	assert_int_equal(vfuc_dma_map(c, 0x400000, 0x1000, 0x80, -1), -EINVAL);
	assert_int_equal(vfuc_dma_unmap(c, 0x100000, 0x1000, 0), -ENOENT);
	assert_int_equal(vfuc_dma_unmap(c, 0x100000, 0x100000, 0), 0);
	assert_int_equal(vfuc_dma_unmap(c, 0, 0, VFIO_DMA_UNMAP_FLAG_ALL), 0);
	assert_int_equal(vfuc_dma_unmap(c, 0x200000, 0x1000, 0), -ENOENT);
	assert_int_equal(vfuc_dma_unmap(c, 0, 0, 1), -ENOTSUP);	/* dirty bitmap */
	{
		struct { uint32_t argsz, flags; uint64_t offset, iova, size; } q = { 32, 3, 0, 0x500000, 0x1000 };

		raw_hdr(&r, 2, 48, 0);
		raw_put(&r, &q, sizeof(q));
		assert_int_equal(vfuc_send_raw(c, r.b, r.len, (int[]){ efd, efd2 }, 2), 0);
		struct vfuc_hdr h;
		uint8_t buf[16];

		assert_int_equal(vfuc_recv(c, &h, buf, sizeof(buf), NULL, 0, NULL), 0);
		assert_int_equal(h.error, EINVAL);		/* DMA_MAP with 2 fds */
	}
	/* NO_REPLY: no answer even to an error; the next request is answered. */
	raw_hdr(&r, 99, 16, 0x10);
	assert_int_equal(vfuc_send_raw(c, r.b, r.len, NULL, 0), 0);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_ID), FAKEGPU_ID_MAGIC);
	vfuc_close(c);

	/* A second client while one is connected is turned away. */
	c = client(d);
	{
		struct vfuc *c2 = vfuc_connect(d->sock, 1000);

		assert_non_null(c2);
		assert_true(vfuc_closed_by_peer(c2, 1000));
		vfuc_close(c2);
	}
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_ID), FAKEGPU_ID_MAGIC);
	vfuc_close(c);

	close(efd);
	close(efd2);
	close(pipefd[0]);
	close(pipefd[1]);
	assert_alive(d);
	/* Every fd sent to the server was closed: back to the baseline. */
	wait_fds(d, base);
}

static void test_disconnect_mid_message(void **state)
{
	struct dev *d = *state;
	struct raw r;
	struct vfuc *c = client(d);
	struct rwq rw = { 0, VRAM, 4096 };

	/* REGION_WRITE of 4096 bytes; only 100 of them arrive. */
	raw_hdr(&r, 10, 16 + 16 + 4096, 0);
	raw_put(&r, &rw, 16);
	memset(r.b + r.len, 0xab, 100);
	r.len += 100;
	assert_int_equal(vfuc_send_raw(c, r.b, r.len, NULL, 0), 0);
	vfuc_close(c);
	assert_alive(d);

	/* Same with an eventfd in flight: it must not leak. */
	{
		int base, efd = eventfd(0, EFD_CLOEXEC);
		uint32_t s[5] = { 20, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				  VFIO_PCI_MSI_IRQ_INDEX, 0, 1 };

		usleep(50000);
		base = count_fds(d->pid);
		c = client(d);
		raw_hdr(&r, 8, 36, 0);
		raw_put(&r, s, 10);
		assert_int_equal(vfuc_send_raw(c, r.b, r.len, &efd, 1), 0);
		usleep(50000);
		vfuc_close(c);
		close(efd);
		wait_fds(d, base);
	}
}

static void test_reconnect(void **state)
{
	struct dev *d = *state;
	struct vfuc *c;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), base;

	usleep(50000);
	base = count_fds(d->pid);	/* no client connected */
	c = client(d);
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_MSI_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				       0, 1, &efd, 1, NULL), 0);
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_VBLANK(0)), 0);
	/* The server holds the client socket and the eventfd. */
	assert_int_equal(count_fds(d->pid), base + 2);
	vfuc_close(c);		/* QEMU killed, say */

	/* The device is found again, fresh from reset, eventfd released. */
	c = client(d);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_IRQ_MASK), 0);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_ID), FAKEGPU_ID_MAGIC);
	assert_int_equal(count_irqs(c, efd, 100, false), 0);
	vfuc_close(c);
	wait_fds(d, base);
	close(efd);
}

/* ---- command line ----------------------------------------------------------- */

/*
 * Run the device with @args until it exits (it is expected to refuse to start:
 * killed after 5 s, and then -1 is returned); its exit status otherwise. Its
 * stderr goes to file @err (NULL: discarded).
 */
static int run_device_err(const char *const *args, const char *err)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16] = { device_bin };
		int n = 1;
		int null = open("/dev/null", O_WRONLY);
		int efd = err ? open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600) : null;

		for (; args[n - 1] && n < 15; n++)
			argv[n] = args[n - 1];
		argv[n] = NULL;
		if (null >= 0 && efd >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(efd, STDERR_FILENO);
		}
		execv(device_bin, (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		assert_true(r >= 0);
		if (r == pid) {
			assert_true(WIFEXITED(status));
			return WEXITSTATUS(status);
		}
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

static int run_device(const char *const *args)
{
	return run_device_err(args, NULL);
}

static void test_command_line(void **state)
{
	struct dev *d = *state;
	char stale[128], reg[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	assert_int_equal(run_device((const char *[]){ NULL }), 2);
	assert_int_equal(run_device((const char *[]){ "--socket", "/tmp/x", "--profile", "nope", NULL }), 2);
	assert_int_equal(run_device((const char *[]){ "--socket", "/tmp/x", "--vram", "100", NULL }), 1);
	assert_int_equal(run_device((const char *[]){ "--socket", "/tmp/x", "--vram", "8", NULL }), 1);
	assert_int_equal(run_device((const char *[]){ "--socket", "/tmp/x", "--vram", "8192", NULL }), 1);
	assert_int_equal(run_device((const char *[]){ "--socket", "/tmp/x", "--heads", "9", NULL }), 2);
	assert_int_equal(run_device((const char *[]){ "--socket", "/tmp/x", "--heads", "0", NULL }), 2);
	/* A live socket (our running device) is refused, and left working. */
	assert_int_equal(run_device((const char *[]){ "--socket", d->sock, NULL }), 1);
	assert_alive(d);

	/* A stale socket is replaced; a regular file is not touched. */
	snprintf(stale, sizeof(stale), "%s/stale.sock", d->dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, stale);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	{
		struct dev *d2 = calloc(1, sizeof(*d2));
		pid_t pid = fork();

		assert_true(pid >= 0);
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			dup2(null, STDOUT_FILENO);
			execl(device_bin, device_bin, "--socket", stale, (char *)NULL);
			_exit(127);
		}
		struct vfuc *c = vfuc_connect(stale, 3000);

		assert_non_null(c);
		assert_int_equal(vfuc_negotiate(c, NULL), 0);
		vfuc_close(c);
		kill(pid, SIGTERM);
		int status;

		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		free(d2);
	}
	snprintf(reg, sizeof(reg), "%s/regular", d->dir);
	fd = open(reg, O_CREAT | O_WRONLY, 0600);
	close(fd);
	assert_int_equal(run_device((const char *[]){ "--socket", reg, NULL }), 1);
	assert_int_equal(access(reg, F_OK), 0);
	unlink(reg);
}

/* ---- scanout end to end ----------------------------------------------------- */

/* Connect to the control socket and send @req; the connection's fd. */
static int ctl_send(const char *path, const char *req)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return fd;
}

/* One control-socket request; the reply (header line + payload) into @buf. */
static size_t ctl_request(const char *path, const char *req, uint8_t *buf, size_t cap)
{
	size_t len = 0;
	ssize_t n;
	int fd = ctl_send(path, req);

	while (len < cap && (n = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	close(fd);
	return len;
}

/* Screenshot of head 0 as B,G,R,0 bytes; returns a pointer into @buf. */
static const uint8_t *ctl_screenshot(struct dev *d, uint8_t *buf, size_t cap,
				     unsigned int w, unsigned int h)
{
	char hdr[64];
	size_t len = ctl_request(d->ctl, "screenshot 0\n", buf, cap);
	const uint8_t *nl = memchr(buf, '\n', len < 64 ? len : 64);

	assert_non_null(nl);
	snprintf(hdr, sizeof(hdr), "ok screenshot %u %u", w, h);
	assert_memory_equal(buf, hdr, strlen(hdr));
	assert_int_equal(len - (size_t)(nl + 1 - buf), (size_t)w * h * 4);
	return nl + 1;
}

static uint32_t head_rd(struct vfuc *c, uint32_t reg)
{
	return vfuc_read32(c, BAR0, FAKEGPU_HEAD_BASE(0) + reg);
}

static void head_wr(struct vfuc *c, uint32_t reg, uint32_t v)
{
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_HEAD_BASE(0) + reg, v), 0);
}

static void plane_wr(struct vfuc *c, uint32_t reg, uint32_t v)
{
	head_wr(c, FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_PRIMARY) + reg, v);
}

static void wait_latched(struct vfuc *c)
{
	uint64_t end = now_ms() + 2000;

	while (head_rd(c, FAKEGPU_HEAD_STATUS) & FAKEGPU_HEAD_STATUS_PENDING) {
		assert_true(now_ms() < end);
		usleep(2000);
	}
}

/* Wait until the engine has computed a CRC for a frame after @after. */
static uint32_t crc_after(struct vfuc *c, uint32_t after)
{
	uint64_t end = now_ms() + 2000;

	while ((int32_t)(head_rd(c, FAKEGPU_HEAD_CRC_FRAME) - after) <= 0) {
		assert_true(now_ms() < end);
		usleep(2000);
	}
	return head_rd(c, FAKEGPU_HEAD_CRC);
}

static uint32_t scan_pixel(unsigned int x, unsigned int y)
{
	return (x * 4u) << 16 | (y * 8u) << 8 | ((x ^ y) & 0xff);
}

/*
 * The whole path a guest uses: registers through REGION_WRITE, pixels through
 * the VRAM mapping; what the engine displays (control-socket screenshot) and
 * its CRC register must be exactly that.
 */
static void test_scanout(void **state)
{
	struct dev *d = *state;
	struct vfuc *c = client(d);
	const unsigned int w = 64, h = 32, pitch = w * 4 + 64;
	const uint64_t base = 4096;
	uint64_t size = 0;
	uint8_t *vram = vfuc_map_region(c, VRAM, &size);
	static uint8_t shot[64 + 64 * 32 * 4], shot2[sizeof(shot)];
	const uint8_t *px;
	uint32_t crc, crc2, frame;

	assert_non_null(vram);
	for (unsigned int y = 0; y < h; y++)
		for (unsigned int x = 0; x < w; x++)
			memcpy(vram + base + y * pitch + x * 4, &(uint32_t){ scan_pixel(x, y) }, 4);
	plane_wr(c, FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888);
	plane_wr(c, FAKEGPU_PLANE_OFFSET_LO, (uint32_t)base);
	plane_wr(c, FAKEGPU_PLANE_OFFSET_HI, 0);
	plane_wr(c, FAKEGPU_PLANE_PITCH, pitch);
	plane_wr(c, FAKEGPU_PLANE_SRC_W, w);
	plane_wr(c, FAKEGPU_PLANE_SRC_H, h);
	plane_wr(c, FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	head_wr(c, FAKEGPU_HEAD_WIDTH, w);
	head_wr(c, FAKEGPU_HEAD_HEIGHT, h);
	head_wr(c, FAKEGPU_HEAD_REFRESH_MHZ, 60000);
	head_wr(c, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
	head_wr(c, FAKEGPU_HEAD_COMMIT, 1);
	wait_latched(c);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_STATUS) &
			 (FAKEGPU_HEAD_STATUS_ACTIVE | FAKEGPU_HEAD_STATUS_ERROR),
			 FAKEGPU_HEAD_STATUS_ACTIVE);

	/* Screenshot == what was written through the mapping. */
	px = ctl_screenshot(d, shot, sizeof(shot), w, h);
	for (unsigned int i = 0; i < w * h; i++) {
		uint32_t want = scan_pixel(i % w, i / w);
		uint8_t bgr0[4] = { want & 0xff, (want >> 8) & 0xff, (want >> 16) & 0xff, 0 };

		assert_memory_equal(px + i * 4, bgr0, 4);
	}
	/* CRC register == CRC-32C of the screenshot bytes, and stable. */
	frame = head_rd(c, FAKEGPU_HEAD_FRAME);
	crc = crc_after(c, frame);
	assert_int_equal(crc, ref_crc32c(0, px, (size_t)w * h * 4));
	crc2 = crc_after(c, head_rd(c, FAKEGPU_HEAD_CRC_FRAME) + 2);
	assert_int_equal(crc2, crc);

	/* One pixel changes: the CRC changes and matches the new screenshot. */
	vram[base + 5 * pitch + 7 * 4] ^= 0x01;
	crc2 = crc_after(c, head_rd(c, FAKEGPU_HEAD_FRAME) + 1);
	assert_int_not_equal(crc2, crc);
	px = ctl_screenshot(d, shot2, sizeof(shot2), w, h);
	assert_int_equal(crc2, ref_crc32c(0, px, (size_t)w * h * 4));

	/* A window past the end of VRAM is refused; the display is kept. */
	plane_wr(c, FAKEGPU_PLANE_OFFSET_LO, (uint32_t)(size - 100));
	plane_wr(c, FAKEGPU_PLANE_OFFSET_HI, (uint32_t)((size - 100) >> 32));
	head_wr(c, FAKEGPU_HEAD_COMMIT, 1);
	wait_latched(c);
	assert_true(head_rd(c, FAKEGPU_HEAD_STATUS) & FAKEGPU_HEAD_STATUS_ERROR);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_ERROR_CODE), FAKEGPU_ERR_BOUNDS);
	assert_memory_equal(ctl_screenshot(d, shot, sizeof(shot), w, h), px, w * h * 4);

	munmap(vram, size);
	vfuc_close(c);
}

/*
 * ABI 1.2 through the real server: an ARGB8888 overlay at half plane alpha
 * over the primary, an inverting gamma LUT and a writeback. The screenshot
 * is the post-gamma frame, the CRC register is its CRC-32C, and the writeback
 * lands in the guest's VRAM mapping as exactly that frame.
 */
static void test_scanout_overlay_gamma_writeback(void **state)
{
	struct dev *d = *state;
	struct vfuc *c = client(d);
	const unsigned int w = 64, h = 32, pitch = w * 4;
	const uint64_t base = 4096, ovl = 1u << 20, wb = 2u << 20;
	const uint32_t ob = FAKEGPU_PLANE_BASE(FAKEGPU_PLANE_OVERLAY);
	uint64_t size = 0, end;
	uint8_t *vram = vfuc_map_region(c, VRAM, &size);
	static uint8_t shot[64 + 64 * 32 * 4];
	const uint8_t *px;
	uint32_t crc;

	assert_non_null(vram);
	for (unsigned int y = 0; y < h; y++)
		for (unsigned int x = 0; x < w; x++)
			memcpy(vram + base + y * pitch + x * 4, &(uint32_t){ scan_pixel(x, y) }, 4);
	for (unsigned int i = 0; i < 16 * 16; i++)
		memcpy(vram + ovl + i * 4, &(uint32_t){ 0x80402010u }, 4);
	memset(vram + wb, 0, (size_t)w * h * 4);
	plane_wr(c, FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_XRGB8888);
	plane_wr(c, FAKEGPU_PLANE_OFFSET_LO, (uint32_t)base);
	plane_wr(c, FAKEGPU_PLANE_PITCH, pitch);
	plane_wr(c, FAKEGPU_PLANE_SRC_W, w);
	plane_wr(c, FAKEGPU_PLANE_SRC_H, h);
	plane_wr(c, FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	head_wr(c, ob + FAKEGPU_PLANE_FORMAT, FAKEGPU_FMT_ARGB8888);
	head_wr(c, ob + FAKEGPU_PLANE_OFFSET_LO, (uint32_t)ovl);
	head_wr(c, ob + FAKEGPU_PLANE_PITCH, 16 * 4);
	head_wr(c, ob + FAKEGPU_PLANE_SRC_W, 16);
	head_wr(c, ob + FAKEGPU_PLANE_SRC_H, 16);
	head_wr(c, ob + FAKEGPU_PLANE_DST_X, (uint32_t)-4);
	head_wr(c, ob + FAKEGPU_PLANE_DST_Y, 20);
	head_wr(c, ob + FAKEGPU_PLANE_ALPHA, 0x8000);
	head_wr(c, ob + FAKEGPU_PLANE_BLEND, FAKEGPU_BLEND_COVERAGE);
	head_wr(c, ob + FAKEGPU_PLANE_CTRL, FAKEGPU_PLANE_CTRL_ENABLE);
	head_wr(c, FAKEGPU_HEAD_GAMMA_INDEX, 0);
	for (uint32_t i = 0; i < 256; i++)
		head_wr(c, FAKEGPU_HEAD_GAMMA_DATA, (255 - i) * 0x010101u);
	head_wr(c, FAKEGPU_HEAD_GAMMA_CTRL, FAKEGPU_GAMMA_CTRL_ENABLE);
	head_wr(c, FAKEGPU_HEAD_WIDTH, w);
	head_wr(c, FAKEGPU_HEAD_HEIGHT, h);
	head_wr(c, FAKEGPU_HEAD_REFRESH_MHZ, 60000);
	head_wr(c, FAKEGPU_HEAD_CTRL, FAKEGPU_HEAD_CTRL_ENABLE | FAKEGPU_HEAD_CTRL_CRC);
	head_wr(c, FAKEGPU_HEAD_WB_OFFSET_LO, (uint32_t)wb);
	head_wr(c, FAKEGPU_HEAD_WB_PITCH, w * 4);
	head_wr(c, FAKEGPU_HEAD_WB_FORMAT, FAKEGPU_FMT_ARGB8888);
	head_wr(c, FAKEGPU_HEAD_WB_CTRL, FAKEGPU_WB_CTRL_ENABLE);
	head_wr(c, FAKEGPU_HEAD_COMMIT, 1);
	wait_latched(c);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_STATUS) &
			 (FAKEGPU_HEAD_STATUS_ACTIVE | FAKEGPU_HEAD_STATUS_ERROR),
			 FAKEGPU_HEAD_STATUS_ACTIVE);
	end = now_ms() + 2000;
	while (!head_rd(c, FAKEGPU_HEAD_WB_STATUS)) {
		assert_true(now_ms() < end);
		usleep(2000);
	}
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_WB_STATUS), FAKEGPU_WB_STATUS_DONE);
	assert_true(vfuc_read32(c, BAR0, FAKEGPU_REG_IRQ_STATUS) & FAKEGPU_IRQ_WRITEBACK(0));

	px = ctl_screenshot(d, shot, sizeof(shot), w, h);
	/* Outside the overlay: the primary, inverted by the LUT. */
	for (unsigned int i = 0; i < w * h; i++) {
		unsigned int x = i % w, y = i / w;
		uint32_t want = ~scan_pixel(x, y) & 0xffffff;
		uint8_t bgr0[4] = { want & 0xff, (want >> 8) & 0xff, (want >> 16) & 0xff, 0 };

		if (x >= 12 || y < 20)
			assert_memory_equal(px + i * 4, bgr0, 4);
		else
			assert_memory_not_equal(px + i * 4, bgr0, 4);
		/* The writeback is the screenshot, with alpha 0xff. */
		bgr0[0] = px[i * 4];
		bgr0[1] = px[i * 4 + 1];
		bgr0[2] = px[i * 4 + 2];
		bgr0[3] = 0xff;
		assert_memory_equal(vram + wb + i * 4, bgr0, 4);
	}
	crc = crc_after(c, head_rd(c, FAKEGPU_HEAD_FRAME));
	assert_int_equal(crc, ref_crc32c(0, px, (size_t)w * h * 4));

	munmap(vram, size);
	vfuc_close(c);
}

/*
 * 1- and 2-byte BAR0 reads return bytes of the register and have no side
 * effect: neither GAMMA_DATA's index increment nor VBLANK_AGE's capture of
 * the frame into AGE_FRAME. 4-byte reads keep theirs.
 */
static void test_bar0_subword_reads(void **state)
{
	struct vfuc *c = client(*state);
	const uint32_t hb = FAKEGPU_HEAD_BASE(0);
	uint64_t end;
	uint32_t age_frame;
	uint16_t w;
	uint8_t b;

	head_wr(c, FAKEGPU_HEAD_GAMMA_INDEX, 5);
	head_wr(c, FAKEGPU_HEAD_GAMMA_DATA, 0x00a1b2c3);
	head_wr(c, FAKEGPU_HEAD_GAMMA_INDEX, 5);
	assert_int_equal(vfuc_read(c, BAR0, hb + FAKEGPU_HEAD_GAMMA_DATA, &b, 1), 0);
	assert_int_equal(b, 0xc3);
	assert_int_equal(vfuc_read(c, BAR0, hb + FAKEGPU_HEAD_GAMMA_DATA + 1, &b, 1), 0);
	assert_int_equal(b, 0xb2);
	assert_int_equal(vfuc_read(c, BAR0, hb + FAKEGPU_HEAD_GAMMA_DATA + 2, &w, 2), 0);
	assert_int_equal(w, 0x00a1);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_GAMMA_INDEX), 5);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_GAMMA_DATA), 0x00a1b2c3);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_GAMMA_INDEX), 6);

	/* A running head; a 4-byte VBLANK_AGE read captures FRAME. */
	program_head(c, 64, 64);
	end = now_ms() + 2000;
	while (head_rd(c, FAKEGPU_HEAD_FRAME) < 2) {
		assert_true(now_ms() < end);
		usleep(5000);
	}
	assert_true(head_rd(c, FAKEGPU_HEAD_VBLANK_AGE) < 100000000u);
	age_frame = head_rd(c, FAKEGPU_HEAD_AGE_FRAME);
	assert_true(age_frame >= 2);
	while (head_rd(c, FAKEGPU_HEAD_FRAME) < age_frame + 2) {
		assert_true(now_ms() < end + 2000);
		usleep(5000);
	}
	assert_int_equal(vfuc_read(c, BAR0, hb + FAKEGPU_HEAD_VBLANK_AGE, &b, 1), 0);
	assert_int_equal(vfuc_read(c, BAR0, hb + FAKEGPU_HEAD_VBLANK_AGE + 2, &w, 2), 0);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_AGE_FRAME), age_frame);
	assert_true(head_rd(c, FAKEGPU_HEAD_VBLANK_AGE) < 100000000u);
	assert_true(head_rd(c, FAKEGPU_HEAD_AGE_FRAME) >= age_frame + 2);
	assert_int_equal(vfuc_reset(c), 0);
	vfuc_close(c);
}

/* ---- hardening: what a client must not be able to do -------------------------- */

/*
 * The VRAM memfd handed to the client is sealed against resizing: a client
 * that shrank it would make the device's own VRAM accesses die with SIGBUS.
 */
static void test_vram_memfd_sealed(void **state)
{
	struct dev *d = *state;
	struct vfuc *c = client(d);
	const int want = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
	uint8_t buf[256], px[64];
	int fd, shrink, shrink_err, grow, grow_err, read_ret;
	struct stat st;
	size_t len;

	assert_int_equal(vfuc_region_info(c, VRAM, sizeof(buf), buf, sizeof(buf), &len, &fd), 0);
	assert_true(fd >= 0);
	shrink = ftruncate(fd, 0);
	shrink_err = errno;
	/* The device reads the end of VRAM: it must still be there. */
	read_ret = vfuc_read(c, VRAM, (1u << 30) - sizeof(px), px, sizeof(px));
	grow = ftruncate(fd, 2ll << 30);
	grow_err = errno;
	assert_int_equal(read_ret, 0);
	assert_int_equal(shrink, -1);
	assert_int_equal(shrink_err, EPERM);
	assert_int_equal(grow, -1);
	assert_int_equal(grow_err, EPERM);
	assert_int_equal(fcntl(fd, F_GET_SEALS) & want, want);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, (1ll << 30) + FAKEGPU_SHM_SIZE);
	close(fd);
	assert_int_equal(vfuc_write(c, VRAM, 4096, px, sizeof(px)), 0);
	vfuc_close(c);
	assert_alive(d);
}

/*
 * A client may hand a blocking eventfd whose counter is at its maximum: the
 * device's write to it must neither block (the event loop would hang, SIGTERM
 * unread) nor count as a lost interrupt (one is pending for the reader).
 */
static void test_msi_blocking_eventfd(void **state)
{
	struct dev *d = dev_start("t4-1b");
	struct vfuc *c = client(d);
	int efd = eventfd(0, EFD_CLOEXEC);	/* blocking */
	uint64_t full = 0xfffffffffffffffeull, end;
	uint32_t frames = 0;
	uint8_t status[4096];
	size_t len;
	int bad_reads = 0;
	bool dropped_none, exited;

	(void)state;
	assert_true(efd >= 0);
	assert_int_equal(write(efd, &full, sizeof(full)), (ssize_t)sizeof(full));
	c->timeout_ms = 1000;
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_MSI_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				       0, 1, &efd, 1, NULL), 0);
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_VBLANK(0)), 0);
	program_head(c, 640, 480);
	/* No asserts until the device is stopped: it may be stuck. */
	end = now_ms() + 1000;
	while (now_ms() < end && !bad_reads) {
		if (vfuc_read32(c, BAR0, FAKEGPU_REG_ID) != FAKEGPU_ID_MAGIC)
			bad_reads++;
		usleep(20000);
	}
	if (!bad_reads)
		frames = vfuc_read32(c, BAR0, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_FRAME);
	vfuc_close(c);
	len = bad_reads ? 0 : ctl_request(d->ctl, "status\n", status, sizeof(status) - 1);
	status[len] = '\0';
	dropped_none = strstr((char *)status, "dropped 0") != NULL;
	exited = dev_stop_within(d, 3000);
	close(efd);
	printf("blocking eventfd: %d failed reads, frame %u, status:\n%s", bad_reads, frames,
	       (char *)status);
	assert_int_equal(bad_reads, 0);
	assert_true(frames >= 30 && frames != 0xffffffffu);
	assert_true(dropped_none);
	assert_true(exited);
}

/*
 * A client that reads a large reply very slowly is disconnected after a
 * bounded time; meanwhile and after, the device serves its control socket.
 */
static void test_slow_reader(void **state)
{
	struct dev *d = *state;
	struct vfuc *c = client(d);
	struct rwq rw = { 0, VRAM, 1u << 20 };
	static uint8_t buf[4096];
	uint64_t t0, t_drop = 0, t_status = 0;
	unsigned long wmem = 0;
	bool eof = false;
	size_t got = 0;
	struct raw r;
	FILE *f;
	int ctl;

	/*
	 * The device's socket send buffer (the receiver's SO_RCVBUF does not
	 * count for UNIX sockets) must be smaller than the reply.
	 */
	f = fopen("/proc/sys/net/core/wmem_default", "re");
	if (f) {
		if (fscanf(f, "%lu", &wmem) != 1)
			wmem = 0;
		fclose(f);
	}
	if (wmem >= (1u << 20)) {
		printf("slow reader: socket buffers of %lu bytes hold the whole reply\n", wmem);
		vfuc_close(c);
		skip();
	}
	raw_hdr(&r, 9, 32, 0);
	raw_put(&r, &rw, 16);
	assert_int_equal(vfuc_send_raw(c, r.b, r.len, NULL, 0), 0);
	t0 = now_ms();
	/* The device has filled the socket and waits for room; ask for its status. */
	usleep(100000);
	ctl = ctl_send(d->ctl, "status\n");
	/*
	 * 4 KiB every 50 ms: a trickle, but it frees room often enough that
	 * a timeout per poll() would never expire (1 MiB takes about 13 s).
	 */
	while (now_ms() - t0 < 20000 && !(t_drop && t_status)) {
		struct pollfd p = { .fd = ctl, .events = POLLIN };
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			got += (size_t)n;
		if (!t_drop && log_has(d, "does not read its replies", 0))
			t_drop = now_ms() - t0;
		if (!t_status && poll(&p, 1, 0) > 0)
			t_status = now_ms() - t0;
		usleep(50000);
	}
	close(ctl);
	/* The rest of what was sent, then the end of the stream. */
	while (!eof) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 2000) != 1)
			break;
		n = recv(c->fd, buf, sizeof(buf), 0);
		if (n > 0)
			got += (size_t)n;
		else
			eof = true;
	}
	vfuc_close(c);
	printf("slow reader: got %zu bytes, dropped after %llu ms, status answered after %llu ms\n",
	       got, (unsigned long long)t_drop, (unsigned long long)t_status);
	assert_true(t_drop > 0 && t_drop < 4000);
	assert_true(eof);
	assert_true(got < 32 + (1u << 20));
	assert_true(t_status > 0 && t_status < 4000);
	assert_alive(d);
}

/* ---- VERSION capabilities ------------------------------------------------------ */

/*
 * The capabilities JSON: what is accepted, what is refused (EINVAL, the
 * connection stays usable), and what the accepted values do.
 */
static void test_version_json(void **state)
{
	static const struct {
		const char *json;
		int ret;
	} cases[] = {
		{ "{}", 0 },
		{ " \t\r\n{ } \n", 0 },
		{ "{\"capabilities\":{}}", 0 },
		{ "{\"capabilities\":{\"max_msg_fds\":18446744073709551615}}", 0 },
		{ "{\"x\":\"\\u00e9\\n\\\"\\/\\\\\",\"y\":[true,false,null,-1.5E+3,0,{}]}", 0 },
		{ "{\"capabilities\":{\"migration\":{},\"max_data_xfer_size\":0}}", 0 },
		{ "{\"a\":[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]}", 0 },	/* 16 levels */
		{ "", -EINVAL },
		{ "[]", -EINVAL },
		{ "1", -EINVAL },
		{ "\"x\"", -EINVAL },
		{ "null", -EINVAL },
		{ "{\"a\":[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]}", -EINVAL },	/* 17 levels */
		{ "{", -EINVAL },
		{ "{}}", -EINVAL },
		{ "{} {}", -EINVAL },
		{ "{\"a\":1,}", -EINVAL },
		{ "{\"a\" 1}", -EINVAL },
		{ "{a:1}", -EINVAL },
		{ "{\"a\":tru}", -EINVAL },
		{ "{\"a\":[1 2]}", -EINVAL },
		{ "{\"a\":\"\\u12\"}", -EINVAL },
		{ "{\"a\":\"x\ty\"}", -EINVAL },
		{ "{\"a\":\"x}", -EINVAL },
		{ "{\"a\":+1}", -EINVAL },
		{ "{\"a\":.5}", -EINVAL },
		{ "{\"a\":1e}", -EINVAL },
		{ "{\"capabilities\":[]}", -EINVAL },
		{ "{\"capabilities\":1}", -EINVAL },
		{ "{\"capabilities\":null}", -EINVAL },
		{ "{\"capabilities\":{\"max_msg_fds\":1.5}}", -EINVAL },
		{ "{\"capabilities\":{\"max_msg_fds\":1e3}}", -EINVAL },
		{ "{\"capabilities\":{\"max_msg_fds\":\"8\"}}", -EINVAL },
		{ "{\"capabilities\":{\"max_msg_fds\":true}}", -EINVAL },
		{ "{\"capabilities\":{\"max_msg_fds\":null}}", -EINVAL },
		{ "{\"capabilities\":{\"max_msg_fds\":18446744073709551616}}", -EINVAL },
		{ "{\"capabilities\":{\"max_data_xfer_size\":-1}}", -EINVAL },
		{ "{\"capabilities\":{\"max_dma_maps\":{}}}", -EINVAL },
	};
	struct dev *d = *state;
	struct vfuc *c = vfuc_connect(d->sock, 1000);
	uint8_t buf[256];
	size_t len;
	int fd;

	assert_non_null(c);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = vfuc_negotiate(c, cases[i].json);

		if (ret != cases[i].ret)
			fail_msg("VERSION with '%s': %d, expected %d", cases[i].json, ret,
				 cases[i].ret);
		if (ret == 0) {
			vfuc_close(c);
			c = vfuc_connect(d->sock, 1000);
			assert_non_null(c);
		}
	}
	vfuc_close(c);
	/* The values count: max_dma_maps is answered with at most ours. */
	c = client_caps(d, "{\"capabilities\":{\"max_dma_maps\":10}}");
	assert_non_null(strstr(c->server_caps, "\"max_dma_maps\":10}"));
	vfuc_close(c);
	c = client_caps(d, "{\"capabilities\":{\"max_dma_maps\":100000}}");
	assert_non_null(strstr(c->server_caps, "\"max_dma_maps\":4096}"));
	vfuc_close(c);
	/* A client that takes no fds gets VRAM without MMAP (and without an fd). */
	c = client_caps(d, "{\"capabilities\":{\"max_msg_fds\":0}}");
	assert_int_equal(vfuc_region_info(c, VRAM, sizeof(buf), buf, sizeof(buf), &len, &fd), 0);
	assert_int_equal(fd, -1);
	assert_false(((struct vfio_region_info *)buf)->flags & VFIO_REGION_INFO_FLAG_MMAP);
	vfuc_close(c);
	/* No max_msg_fds: one fd, enough for the VRAM mapping. */
	c = client_caps(d, "{}");
	assert_int_equal(vfuc_region_info(c, VRAM, sizeof(buf), buf, sizeof(buf), &len, &fd), 0);
	assert_true(fd >= 0);
	close(fd);
	vfuc_close(c);
}

/* ---- pidfile -------------------------------------------------------------------- */

static void test_pidfile(void **state)
{
	struct dev *d = *state, *d2;
	static const char keep[] = "not a pid file\n";
	char target[128], link[128], sock[128], err[128], pidfile[128], buf[64] = "";
	int fd, ret;
	ssize_t n;

	snprintf(target, sizeof(target), "%s/precious", d->dir);
	snprintf(link, sizeof(link), "%s/pid-link", d->dir);
	snprintf(sock, sizeof(sock), "%s/pid.sock", d->dir);
	snprintf(err, sizeof(err), "%s/pid.err", d->dir);
	fd = open(target, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, keep, strlen(keep)), (ssize_t)strlen(keep));
	close(fd);
	assert_int_equal(symlink(target, link), 0);

	/* A symlink at the pidfile path: refused, its target untouched. */
	ret = run_device_err((const char *[]){ "--socket", sock, "--pidfile", link, NULL }, err);
	fd = open(target, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	unlink(sock);
	assert_string_equal(buf, keep);
	assert_int_equal(ret, 1);
	assert_true(file_has(err, "symbolic link", 0));
	assert_int_equal(access(sock, F_OK), -1);
	unlink(link);
	unlink(target);
	unlink(err);

	/* A plain path: the pid, removed at exit. */
	snprintf(pidfile, sizeof(pidfile), "%s/fg.pid", d->dir);
	d2 = dev_start_args("virt", "--pidfile", pidfile, (const char *)NULL);
	fd = open(pidfile, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(strtol(buf, NULL, 10), d2->pid);
	dev_stop(d2);
	assert_int_equal(access(pidfile, F_OK), -1);
}

/* ---- socket permissions and paths ------------------------------------------------ */

static void assert_sock_mode(const char *path, mode_t mode, gid_t gid)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, mode);
	if (gid != (gid_t)-1)
		assert_int_equal(st.st_gid, gid);
}

static void test_socket_modes(void **state)
{
	static const mode_t umasks[] = { 0, 0777 };
	struct dev *d;

	(void)state;
	/* Owner only, whatever the umask. */
	for (size_t i = 0; i < sizeof(umasks) / sizeof(umasks[0]); i++) {
		mode_t old = umask(umasks[i]);

		d = dev_start("virt");
		umask(old);
		assert_sock_mode(d->sock, 0600, (gid_t)-1);
		assert_sock_mode(d->ctl, 0600, (gid_t)-1);
		assert_alive(d);
		dev_stop(d);
	}

	d = dev_start_args("virt", "--socket-mode", "0660", "--socket-group", "65534",
			   (const char *)NULL);
	assert_sock_mode(d->sock, 0660, 65534);
	assert_sock_mode(d->ctl, 0660, 65534);
	dev_stop(d);

	/* Bad values are usage errors. */
	assert_int_equal(run_device((const char *[]){ "--socket", "/tmp/x", "--socket-mode",
						      "0888", NULL }), 2);
	assert_int_equal(run_device((const char *[]){ "--socket", "/tmp/x", "--socket-mode",
						      "01777", NULL }), 2);
	assert_int_equal(run_device((const char *[]){ "--socket", "/tmp/x", "--socket-group",
						      "no-such-group-here", NULL }), 2);
}

/* Exit status of the as_nobody() child. */
enum peer_result {
	PEER_NO_CONNECT = 10,	/* connect() failed */
	PEER_CLOSED,		/* connected, closed without a reply */
	PEER_SERVED,		/* got a reply */
	PEER_SETUP_FAILED,
};

/*
 * As uid/gid 65534 (a child process): connect to @path and send a request
 * (vfio-user VERSION, or a control "status" line). *err gets connect's errno.
 */
static enum peer_result as_nobody(const char *path, bool vfio, int *err)
{
	int pfd[2], status, e = 0;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char buf[64];

		close(pfd[0]);
		if (fd < 0 || setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(PEER_SETUP_FAILED);
		strcpy(sa.sun_path, path);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			e = errno;
			(void)!write(pfd[1], &e, sizeof(e));
			_exit(PEER_NO_CONNECT);
		}
		if (vfio) {
			struct vfuc c = { .fd = fd, .next_id = 1, .timeout_ms = 3000 };
			int ret = vfuc_negotiate(&c, NULL);

			_exit(ret == 0 ? PEER_SERVED :
			      ret == -EPIPE ? PEER_CLOSED : PEER_SETUP_FAILED);
		}
		if (write(fd, "status\n", 7) != 7)
			_exit(PEER_CLOSED);
		{
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (poll(&p, 1, 3000) != 1)
				_exit(PEER_SETUP_FAILED);
		}
		_exit(read(fd, buf, sizeof(buf)) > 0 ? PEER_SERVED : PEER_CLOSED);
	}
	close(pfd[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (read(pfd[0], &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(pfd[0]);
	*err = e;
	assert_true(WIFEXITED(status));
	return (enum peer_result)WEXITSTATUS(status);
}

static void test_socket_other_uid(void **state)
{
	struct dev *d = dev_start("virt");
	int err;

	(void)state;
	/* Others may walk the directory: only the sockets' modes stand in the way. */
	assert_int_equal(chmod(d->dir, 0711), 0);
	assert_int_equal(as_nobody(d->sock, true, &err), PEER_NO_CONNECT);
	assert_int_equal(err, EACCES);
	assert_int_equal(as_nobody(d->ctl, false, &err), PEER_NO_CONNECT);
	assert_int_equal(err, EACCES);
	/* Someone opens the files up behind the device's back: peers still refused. */
	assert_int_equal(chmod(d->sock, 0666), 0);
	assert_int_equal(chmod(d->ctl, 0666), 0);
	assert_int_equal(as_nobody(d->sock, true, &err), PEER_CLOSED);
	assert_true(log_has(d, "refusing a vfio-user client: peer pid", 1000));
	assert_int_equal(as_nobody(d->ctl, false, &err), PEER_CLOSED);
	assert_true(log_has(d, "refusing a client: peer pid", 1000));
	/* The device's own uid is still served. */
	assert_alive(d);
	dev_stop(d);

	/* The operator grants a group: its members are served. */
	d = dev_start_args("virt", "--socket-mode", "0660", "--socket-group", "65534",
			   (const char *)NULL);
	assert_int_equal(chmod(d->dir, 0711), 0);
	assert_int_equal(as_nobody(d->sock, true, &err), PEER_SERVED);
	assert_int_equal(as_nobody(d->ctl, false, &err), PEER_SERVED);
	dev_stop(d);
}

static void test_socket_paths(void **state)
{
	struct dev *d = dev_start("virt");
	static const char keep[] = "keep me\n";
	char file[128], sock[128], err[128], buf[32] = "";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat before, after;
	int fd, lfd, conns[16], nconn = 0, ret;
	ssize_t n;

	(void)state;
	/* Both sockets left behind by a killed device are replaced. */
	kill(d->pid, SIGKILL);
	assert_int_equal(waitpid(d->pid, NULL, 0), d->pid);
	assert_sock_mode(d->sock, 0600, (gid_t)-1);
	assert_sock_mode(d->ctl, 0600, (gid_t)-1);
	dev_respawn(d, "virt", (const char *)NULL);
	assert_alive(d);
	assert_int_equal(ctl_request(d->ctl, "status\n", (uint8_t *)buf, 2), 2);
	assert_memory_equal(buf, "ok", 2);

	/* A regular file at the control socket's path: an error, left alone. */
	snprintf(file, sizeof(file), "%s/ctl-file", d->dir);
	snprintf(sock, sizeof(sock), "%s/other.sock", d->dir);
	snprintf(err, sizeof(err), "%s/run.err", d->dir);
	fd = open(file, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_int_equal(write(fd, keep, strlen(keep)), (ssize_t)strlen(keep));
	close(fd);
	ret = run_device_err((const char *[]){ "--socket", sock, "--ctl", file, NULL }, err);
	assert_int_equal(ret, 1);
	assert_true(file_has(err, "not a socket", 0));
	fd = open(file, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	assert_string_equal(buf, keep);
	assert_int_equal(access(sock, F_OK), -1);	/* the device cleaned up its own */
	unlink(file);

	/*
	 * A live server whose backlog is full does not look stale: refused at
	 * once (not waited for), left alone.
	 */
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	while (nconn < 16) {
		conns[nconn] = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (connect(conns[nconn], (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			assert_int_equal(errno, EAGAIN);
			close(conns[nconn]);
			break;
		}
		nconn++;
	}
	assert_true(nconn < 16);
	assert_int_equal(lstat(sock, &before), 0);
	ret = run_device_err((const char *[]){ "--socket", sock, NULL }, err);
	for (int i = 0; i < nconn; i++)
		close(conns[i]);
	assert_int_equal(ret, 1);
	assert_true(file_has(err, "in use", 0));
	assert_int_equal(lstat(sock, &after), 0);
	assert_int_equal(after.st_ino, before.st_ino);
	close(lfd);
	unlink(sock);
	unlink(err);
	dev_stop(d);
}

/* ---- fault injection (section 16) ------------------------------------------ */

/* The device a fault test started, killed by fault_teardown() if the test failed. */
static struct dev *fault_dev;

static int fault_teardown(void **state)
{
	if (fault_dev) {
		dev_kill(fault_dev);
		free(fault_dev);
		fault_dev = NULL;
	}
	return test_teardown(state);
}

/* The reply to one control request as a string (at most @cap - 1 bytes). */
static char *ctl_text(struct dev *d, const char *req, char *buf, size_t cap)
{
	size_t n = ctl_request(d->ctl, req, (uint8_t *)buf, cap - 1);

	buf[n] = '\0';
	return buf;
}

/*
 * Run fakegpu-ctl (next to fakegpu-device) on @d's control socket with
 * @args (NULL-terminated); its stdout and stderr go to @out. Its exit status.
 */
static int run_ctl(struct dev *d, const char *out, const char *const *args)
{
	char bin[PATH_MAX];
	pid_t pid;
	int status;

	snprintf(bin, sizeof(bin), "%s", device_bin);
	assert_non_null(strrchr(bin, '/'));
	strcpy(strrchr(bin, '/') + 1, "fakegpu-ctl");
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16] = { bin, "--socket", d->ctl };
		int n = 3, fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		for (; *args && n < 15; args++)
			argv[n++] = *args;
		argv[n] = NULL;
		if (fd >= 0) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Wait up to 5 s for @n eventfd signals, acking IRQ_STATUS after each. */
static void wait_irqs(struct vfuc *c, int efd, unsigned int n)
{
	uint64_t got = 0, end = now_ms() + 5000;

	while (got < n) {
		struct pollfd p = { .fd = efd, .events = POLLIN };
		uint64_t now = now_ms(), v;

		if (now >= end)
			fail_msg("%llu of %u interrupts in 5 s", (unsigned long long)got, n);
		if (poll(&p, 1, (int)(end - now)) > 0 && read(efd, &v, sizeof(v)) == sizeof(v))
			got += v;
		vfuc_write32(c, BAR0, FAKEGPU_REG_IRQ_STATUS,
			     vfuc_read32(c, BAR0, FAKEGPU_REG_IRQ_STATUS));
	}
}

/* Status record field @field of head 0, read as the driver does (SEQ even, stable). */
static uint32_t shm_st(const uint8_t *shm, uint32_t field)
{
	const volatile uint32_t *r = (const volatile uint32_t *)
		(const void *)(shm + FAKEGPU_SHM_STATUS + FAKEGPU_SHM_ST_HEAD(0));

	for (;;) {
		uint32_t s1 = r[FAKEGPU_SHM_ST_SEQ / 4], v, s2;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		v = r[field / 4];
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		s2 = r[FAKEGPU_SHM_ST_SEQ / 4];
		if (!(s1 & 1) && s1 == s2)
			return v;
	}
}

static uint64_t shm_st_vblank(const uint8_t *shm)
{
	for (;;) {
		uint32_t hi = shm_st(shm, FAKEGPU_SHM_ST_VBLANK_HI);
		uint32_t lo = shm_st(shm, FAKEGPU_SHM_ST_VBLANK_LO);

		if (shm_st(shm, FAKEGPU_SHM_ST_VBLANK_HI) == hi)
			return (uint64_t)hi << 32 | lo;
	}
}

static uint64_t dev_clock(struct vfuc *c)
{
	uint32_t lo = vfuc_read32(c, BAR0, FAKEGPU_REG_CLOCK_LO);

	return (uint64_t)vfuc_read32(c, BAR0, FAKEGPU_REG_CLOCK_HI) << 32 | lo;
}

/* Wait up to 5 s until the status page's FRAME is @n past @from. */
static void wait_shm_frames(const uint8_t *shm, uint32_t from, uint32_t n)
{
	uint64_t end = now_ms() + 5000;

	while (shm_st(shm, FAKEGPU_SHM_ST_FRAME) - from < n) {
		if (now_ms() >= end)
			fail_msg("FRAME went from %u to %u in 5 s, wanted +%u", from,
				 shm_st(shm, FAKEGPU_SHM_ST_FRAME), n);
		usleep(2000);
	}
}

/* --fault: bad SPECs and unknown heads end the device with status 2 and a usage hint. */
static void test_fault_command_line(void **state)
{
	struct dev *d = *state;
	char err[160];

	snprintf(err, sizeof(err), "%s/fault.err", d->dir);
	assert_int_equal(run_device_err((const char *[]){ "--socket", "/tmp/x", "--fault",
							  "bogus", NULL }, err), 2);
	assert_true(file_has(err, "fakegpu-device: --fault bogus: unknown fault 'bogus' "
			     "(faults: irq-bits=MASK", 0));
	assert_true(file_has(err, "usage: fakegpu-device", 0));
	assert_int_equal(run_device_err((const char *[]){ "--socket", "/tmp/x", "--fault",
							  "frame-stall=1", NULL }, err), 2);
	assert_true(file_has(err, "--fault frame-stall=1: no head 1 (heads: 0..0)", 0));
	assert_true(file_has(err, "usage: fakegpu-device", 0));
	assert_int_equal(run_device_err((const char *[]){ "--socket", "/tmp/x", "--fault",
							  "irq-bits=0", NULL }, err), 2);
	assert_true(file_has(err, "nonzero", 0));
	assert_int_equal(run_device_err((const char *[]){ "--socket", "/tmp/x", "--fault",
							  "exit-on-commit", NULL }, err), 2);
	assert_true(file_has(err, "exit-on-commit=N", 0));
	unlink(err);
}

/*
 * Every fault as the guest sees it through vfio-user, the identity lies from
 * the command line, the others set and cleared through the control socket;
 * the register path first, then the shared pages.
 */
static void test_fault_device(void **state)
{
	struct dev *d = dev_start_args("virt", "--heads", "2", "--fault", "heads=5",
				       "--fault", "vram-mb=8", "--fault", "edid-size=300",
				       "--fault", "irq-bits=0x80000000", (const char *)NULL);
	struct vfuc *c = client(fault_dev = d);
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	uint64_t size = 0, v;
	uint8_t *vram, *shm;
	uint32_t f0, st;
	char buf[512];

	(void)state;
	assert_true(efd >= 0);
	/* Identity lies: the registers, not BAR2. */
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_NUM_HEADS), 5);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_VRAM_SIZE_LO), 8u << 20);
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_VRAM_SIZE_HI), 0);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_EDID_SIZE), 300);
	vram = vfuc_map_region(c, VRAM, &size);
	assert_non_null(vram);
	assert_int_equal(size, 256u << 20);
	munmap(vram, size);
	assert_string_equal(ctl_text(d, "fault\n", buf, sizeof(buf)),
			    "ok 4 faults\nheads=5\nvram-mb=8\nedid-size=300\n"
			    "irq-bits=0x80000000\n");
	assert_string_equal(ctl_text(d, "fault edid-size=1\n", buf, sizeof(buf)),
			    "error fault 'edid-size' can only be set when the device starts "
			    "(fakegpu-device --fault edid-size=N), not at run time\n");
	assert_string_equal(ctl_text(d, "fault no-latch=2\n", buf, sizeof(buf)),
			    "error no head 2 (heads: 0..1)\n");
	/* fakegpu-ctl fault [SPEC|clear]: the same through the tool. */
	{
		char out[160];

		snprintf(out, sizeof(out), "%s/ctl.out", d->dir);
		assert_int_equal(run_ctl(d, out, (const char *[]){ "fault", NULL }), 0);
		assert_true(file_has(out, "4 faults\nheads=5\nvram-mb=8\nedid-size=300\n"
				     "irq-bits=0x80000000\n", 0));
		assert_int_equal(run_ctl(d, out, (const char *[]){ "fault", "irq-stop", NULL }), 0);
		assert_true(file_has(out, "5 faults\n", 0));
		assert_true(file_has(out, "\nirq-stop\n", 0));
		/* A clear keeps the identity lies only. */
		assert_int_equal(run_ctl(d, out, (const char *[]){ "fault", "clear", NULL }), 0);
		assert_true(file_has(out, "3 faults\nheads=5\nvram-mb=8\nedid-size=300\n", 0));
		assert_int_equal(run_ctl(d, out, (const char *[]){ "fault", "irq-bits=0x80000000",
								    NULL }), 0);
		assert_true(file_has(out, "4 faults\n", 0));
		assert_int_equal(run_ctl(d, out, (const char *[]){ "fault", "heads=1", NULL }), 1);
		assert_true(file_has(out, "fault 'heads' can only be set when the device starts",
				     0));
		assert_int_equal(run_ctl(d, out, (const char *[]){ "fault", "bogus", NULL }), 1);
		assert_true(file_has(out, "unknown fault 'bogus'", 0));
		assert_int_equal(run_ctl(d, out, (const char *[]){ "fault", "a", "b", NULL }), 2);
		assert_true(file_has(out, "usage: fakegpu-ctl", 0));
		assert_int_equal(run_ctl(d, out, (const char *[]){ "fault", "a b", NULL }), 2);
		unlink(out);
	}

	/* irq-bits in IRQ_STATUS. */
	assert_int_equal(vfuc_set_irqs(c, VFIO_PCI_MSI_IRQ_INDEX,
				       VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
				       0, 1, &efd, 1, NULL), 0);
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_REG_IRQ_MASK, FAKEGPU_IRQ_VBLANK(0)), 0);
	program_head(c, 64, 32);
	{
		struct pollfd p = { .fd = efd, .events = POLLIN };

		assert_int_equal(poll(&p, 1, 5000), 1);
		st = vfuc_read32(c, BAR0, FAKEGPU_REG_IRQ_STATUS);
		assert_int_equal(st, FAKEGPU_IRQ_VBLANK(0) | 0x80000000u);
	}

	/* frame-stall: FRAME held over several vblank interrupts. */
	assert_string_equal(ctl_text(d, "fault frame-stall=0\n", buf, sizeof(buf)),
			    "ok 5 faults\nheads=5\nvram-mb=8\nedid-size=300\n"
			    "irq-bits=0x80000000\nframe-stall=0\n");
	f0 = head_rd(c, FAKEGPU_HEAD_FRAME);
	wait_irqs(c, efd, 3);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_FRAME), f0);

	/* no-latch: the commit stays pending over several frames. */
	assert_string_equal(ctl_text(d, "fault clear\n", buf, sizeof(buf)),
			    "ok 3 faults\nheads=5\nvram-mb=8\nedid-size=300\n");
	assert_string_equal(ctl_text(d, "fault no-latch=0\n", buf, sizeof(buf)),
			    "ok 4 faults\nheads=5\nvram-mb=8\nedid-size=300\nno-latch=0\n");
	head_wr(c, FAKEGPU_HEAD_COMMIT, 1);
	wait_irqs(c, efd, 3);
	assert_int_equal(head_rd(c, FAKEGPU_HEAD_COMMIT), 1);
	assert_true(head_rd(c, FAKEGPU_HEAD_STATUS) & FAKEGPU_HEAD_STATUS_PENDING);
	ctl_text(d, "fault clear\n", buf, sizeof(buf));
	wait_latched(c);

	/* age-behind through the register. */
	ctl_text(d, "fault age-behind=0:2000\n", buf, sizeof(buf));
	assert_true(head_rd(c, FAKEGPU_HEAD_VBLANK_AGE) >= 2000000000u);

	/* The shared pages: stall, jump and age in the status record. */
	shm = vfuc_map_region(c, VFIO_PCI_BAR4_REGION_INDEX, &size);
	assert_non_null(shm);
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_REG_SHM_CTRL, FAKEGPU_SHM_CTRL_ENABLE), 0);
	assert_true(dev_clock(c) - shm_st_vblank(shm) >= 2000000000ull);
	ctl_text(d, "fault clear\n", buf, sizeof(buf));
	ctl_text(d, "fault frame-stall=0\n", buf, sizeof(buf));
	f0 = shm_st(shm, FAKEGPU_SHM_ST_FRAME);
	v = shm_st_vblank(shm);
	wait_irqs(c, efd, 3);
	assert_int_equal(shm_st(shm, FAKEGPU_SHM_ST_FRAME), f0);
	assert_int_equal(shm_st_vblank(shm), v);
	ctl_text(d, "fault clear\n", buf, sizeof(buf));
	f0 = shm_st(shm, FAKEGPU_SHM_ST_FRAME);
	ctl_text(d, "fault frame-jump=0:1000000\n", buf, sizeof(buf));
	wait_shm_frames(shm, f0, 1000001);
	assert_true(shm_st(shm, FAKEGPU_SHM_ST_FRAME) - f0 < 1000000 + 1000);
	assert_true(dev_clock(c) - shm_st_vblank(shm) < 1000000000ull);

	/* irq-stop: frames go on, no eventfd signal; clear: they come back. */
	ctl_text(d, "fault irq-stop\n", buf, sizeof(buf));
	(void)!read(efd, &v, sizeof(v));
	f0 = shm_st(shm, FAKEGPU_SHM_ST_FRAME);
	wait_shm_frames(shm, f0, 4);
	assert_int_equal(read(efd, &v, sizeof(v)), -1);
	assert_int_equal(errno, EAGAIN);
	ctl_text(d, "fault clear\n", buf, sizeof(buf));
	wait_irqs(c, efd, 1);

	munmap(shm, FAKEGPU_SHM_SIZE);
	close(efd);
	vfuc_close(c);
	fault_dev = NULL;
	dev_stop(d);
}

/* Wait up to 5 s for @d's process to end; its exit status (-1: signalled). */
static int dev_wait_exit(struct dev *d)
{
	int status = 0;

	for (int i = 0; i < 500; i++) {
		if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
			d->pid = -1;
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		usleep(10000);
	}
	fail_msg("fakegpu-device still runs 5 s after its exit-on-commit commit");
	return -1;
}

/*
 * exit-on-commit: the device process ends with status 3 at the Nth commit
 * (given at startup, then set at run time), its pidfile removed.
 */
static void test_fault_exit_on_commit(void **state)
{
	struct dev *d = calloc(1, sizeof(*d));
	char pidfile[160];
	struct vfuc *c;

	(void)state;
	assert_non_null(d);
	fault_dev = d;
	strcpy(d->dir, "/tmp/fgtest-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->sock, sizeof(d->sock), "%s/fg.sock", d->dir);
	snprintf(d->ctl, sizeof(d->ctl), "%s/ctl.sock", d->dir);
	snprintf(d->log, sizeof(d->log), "%s/device.log", d->dir);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", d->dir);
	dev_respawn(d, "t4-1b", "--fault", "exit-on-commit=2", "--pidfile", pidfile,
		    (const char *)NULL);
	c = client(d);
	head_wr(c, FAKEGPU_HEAD_COMMIT, 1);		/* the first: nothing */
	assert_int_equal(vfuc_read32(c, BAR0, FAKEGPU_REG_ID), FAKEGPU_ID_MAGIC);
	/* The second: the device dies before it replies. */
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_COMMIT, 1),
			 -EPIPE);
	assert_int_equal(dev_wait_exit(d), 3);
	assert_true(log_has(d, "fakegpu-device: fault exit-on-commit=2: commit 2 (head 0), exiting",
			    0));
	assert_int_equal(access(pidfile, F_OK), -1);
	vfuc_close(c);

	/* At run time, through the control socket. */
	unlink(d->sock);
	unlink(d->ctl);
	dev_respawn(d, "t4-1b", (const char *)NULL);
	c = client(d);
	{
		char buf[256];

		assert_string_equal(ctl_text(d, "fault exit-on-commit=1\n", buf, sizeof(buf)),
				    "ok 1 fault\nexit-on-commit=1 (0 received)\n");
	}
	assert_int_equal(vfuc_write32(c, BAR0, FAKEGPU_HEAD_BASE(0) + FAKEGPU_HEAD_COMMIT, 1),
			 -EPIPE);
	assert_int_equal(dev_wait_exit(d), 3);
	assert_true(log_has(d, "fault exit-on-commit=1: commit 1 (head 0), exiting", 0));
	vfuc_close(c);
	fault_dev = NULL;
	dev_kill(d);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_negotiate, test_teardown),
		cmocka_unit_test_teardown(test_device_info, test_teardown),
		cmocka_unit_test_teardown(test_region_info, test_teardown),
		cmocka_unit_test_teardown(test_shm_region, test_teardown),
		cmocka_unit_test_teardown(test_config_t4_1b, test_teardown),
		cmocka_unit_test_teardown(test_config_other_profiles, test_teardown),
		cmocka_unit_test_teardown(test_bar0, test_teardown),
		cmocka_unit_test_teardown(test_msi_vblank, test_teardown),
		cmocka_unit_test_teardown(test_vram, test_teardown),
		cmocka_unit_test_teardown(test_scanout, test_teardown),
		cmocka_unit_test_teardown(test_scanout_overlay_gamma_writeback, test_teardown),
		cmocka_unit_test_teardown(test_malformed, test_teardown),
		cmocka_unit_test_teardown(test_disconnect_mid_message, test_teardown),
		cmocka_unit_test_teardown(test_reconnect, test_teardown),
		cmocka_unit_test_teardown(test_command_line, test_teardown),
		cmocka_unit_test_teardown(test_vram_memfd_sealed, test_teardown),
		cmocka_unit_test_teardown(test_msi_blocking_eventfd, test_teardown),
		cmocka_unit_test_teardown(test_slow_reader, test_teardown),
		cmocka_unit_test_teardown(test_bar0_subword_reads, test_teardown),
		cmocka_unit_test_teardown(test_version_json, test_teardown),
		cmocka_unit_test_teardown(test_pidfile, test_teardown),
		cmocka_unit_test_teardown(test_socket_modes, test_teardown),
		cmocka_unit_test_teardown(test_socket_other_uid, test_teardown),
		cmocka_unit_test_teardown(test_socket_paths, test_teardown),
		cmocka_unit_test_teardown(test_fault_command_line, test_teardown),
		cmocka_unit_test_teardown(test_fault_device, fault_teardown),
		cmocka_unit_test_teardown(test_fault_exit_on_commit, fault_teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	find_device_bin();
	return cmocka_run_group_tests_name("vfio-user", tests, group_setup, group_teardown);
}
