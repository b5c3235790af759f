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
 * reconnect, and the command line.
 */
#include <errno.h>
#include <fcntl.h>
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

/* Start fakegpu-device with extra arguments (NULL-terminated). */
static struct dev *dev_start_args(const char *profile, ...)
{
	struct dev *d = calloc(1, sizeof(*d));
	const char *argv[32];
	int argc = 0;
	va_list ap;

	assert_non_null(d);
	strcpy(d->dir, "/tmp/fgtest-XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(d->sock, sizeof(d->sock), "%s/fg.sock", d->dir);
	snprintf(d->ctl, sizeof(d->ctl), "%s/ctl.sock", d->dir);

	argv[argc++] = device_bin;
	argv[argc++] = "--socket";
	argv[argc++] = d->sock;
	argv[argc++] = "--ctl";
	argv[argc++] = d->ctl;
	argv[argc++] = "--profile";
	argv[argc++] = profile;
	va_start(ap, profile);
	for (const char *a; (a = va_arg(ap, const char *)) && argc < 30;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	d->pid = fork();
	assert_true(d->pid >= 0);
	if (d->pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* The device's messages are noise here unless asked for. */
		if (null >= 0 && !getenv("FAKEGPU_TEST_VERBOSE")) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execv(device_bin, (char *const *)argv);
		perror("exec fakegpu-device");
		_exit(127);
	}
	for (int i = 0; i < 500; i++) {
		struct stat st;

		if (stat(d->sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return d;
		usleep(10000);
	}
	fail_msg("fakegpu-device did not create %s", d->sock);
	return NULL;
}

#define dev_start(profile) dev_start_args(profile, (const char *)NULL)

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
	rmdir(d->dir);
	free(d);
}

static struct vfuc *client(struct dev *d)
{
	struct vfuc *c = vfuc_connect(d->sock, 2000);

	assert_non_null(c);
	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	return c;
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
		kill(d->pid, SIGKILL);
		waitpid(d->pid, NULL, 0);
		unlink(d->sock);
		unlink(d->ctl);
		rmdir(d->dir);
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
	assert_int_equal(st.st_size, 1ll << 30);
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

static int run_device(const char *const *args)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[16] = { device_bin };
		int n = 1;
		int null = open("/dev/null", O_WRONLY);

		for (; args[n - 1] && n < 15; n++)
			argv[n] = args[n - 1];
		argv[n] = NULL;
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execv(device_bin, (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
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

/* One control-socket request; the reply (header line + payload) into @buf. */
static size_t ctl_request(const char *path, const char *req, uint8_t *buf, size_t cap)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0;
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_true(strlen(path) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_negotiate, test_teardown),
		cmocka_unit_test_teardown(test_device_info, test_teardown),
		cmocka_unit_test_teardown(test_region_info, test_teardown),
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
	};

	signal(SIGPIPE, SIG_IGN);
	find_device_bin();
	return cmocka_run_group_tests_name("vfio-user", tests, group_setup, group_teardown);
}
