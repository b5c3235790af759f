// SPDX-License-Identifier: MIT
/*
 * The fakegpu PCI function behind the vfio-user transport. See pci.h for the
 * region/interrupt model and the BAR0 access rules.
 *
 * QEMU's vfio-pci emulates the BAR registers and the MSI capability itself,
 * but it reads the BAR type bits and the MSI control word from our config
 * space, forwards every config write here, and enables MSI with SET_IRQS
 * index 1. So config space is kept honest: BAR sizing works (all-ones reads
 * back the size mask), read-only bits stay read-only.
 */
#include "pci.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <linux/pci_regs.h>
#include <linux/vfio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fakegpu_abi.h"

#define CFG_SIZE	256u
#define MSI_CAP		0x40u
#define MSI_CAP_SIZE	14u	/* 64-bit, no per-vector masking */

static const struct fg_pci_profile profiles[] = {
	{
		.name = "t4-1b", .desc = "NVIDIA Tesla T4 GRID T4-1B (nvidia-222)",
		.vendor = FAKEGPU_PCI_VENDOR_NVIDIA, .device = FAKEGPU_PCI_DEVICE_T4,
		.subvendor = FAKEGPU_PCI_VENDOR_NVIDIA, .subdevice = FAKEGPU_PCI_SUBSYS_T4_1B,
		.class_code = FAKEGPU_PCI_CLASS_3D, .vram_mb = 1024, .heads = 1,
	},
	{
		.name = "t4-2b", .desc = "NVIDIA Tesla T4 GRID T4-2B (nvidia-223)",
		.vendor = FAKEGPU_PCI_VENDOR_NVIDIA, .device = FAKEGPU_PCI_DEVICE_T4,
		.subvendor = FAKEGPU_PCI_VENDOR_NVIDIA, .subdevice = FAKEGPU_PCI_SUBSYS_T4_2B,
		.class_code = FAKEGPU_PCI_CLASS_3D, .vram_mb = 2048, .heads = 1,
	},
	{
		.name = "virt", .desc = "fakegpu virtual display",
		.vendor = FAKEGPU_PCI_VENDOR_VIRT, .device = FAKEGPU_PCI_DEVICE_VIRT,
		.subvendor = FAKEGPU_PCI_VENDOR_VIRT, .subdevice = FAKEGPU_PCI_SUBSYS_VIRT,
		.class_code = FAKEGPU_PCI_CLASS_DISPLAY, .vram_mb = 256, .heads = 1,
	},
};

const struct fg_pci_profile *fg_pci_profile_find(const char *name)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const char *fg_pci_profile_names(void)
{
	return "t4-1b, t4-2b, virt";
}

struct fg_pci {
	const struct fg_pci_profile *profile;
	uint64_t vram_size;
	unsigned int heads;
	/*
	 * One memfd: VRAM (BAR2) at offset 0, the shared pages (BAR4,
	 * FAKEGPU_SHM_SIZE) right after it; mem_size covers both.
	 */
	int vram_fd;
	uint64_t mem_size;
	uint8_t *vram;
	struct fg_engine *engine;

	uint8_t cfg[CFG_SIZE];
	uint8_t wmask[CFG_SIZE];	/* writable bits of each config byte */

	/*
	 * irq_lock protects the interrupt state below (fds, masks, counts)
	 * and config space (INTx DISABLE is read when INTx fires): the engine
	 * raises interrupts from the display thread, the transport changes
	 * them from its own. Nothing calls into the engine with it held
	 * except fg_engine_irq_pending(), which takes no lock.
	 */
	pthread_mutex_t irq_lock;
	int intx_fd, msi_fd;		/* trigger eventfds, -1: none */
	int err_fd, req_fd;		/* accepted, never signalled */
	bool intx_masked, msi_masked, msi_pending;
	uint64_t intx_count, msi_count, irq_dropped;
	/* BAR0 accesses over the socket: every one is a round trip for a read. */
	_Atomic uint64_t bar0_reads, bar0_writes;
};

/* ---- config space ------------------------------------------------------- */

static void cfg_put16(uint8_t *c, unsigned int off, uint16_t v)
{
	c[off] = (uint8_t)v;
	c[off + 1] = (uint8_t)(v >> 8);
}

static void cfg_put32(uint8_t *c, unsigned int off, uint32_t v)
{
	for (unsigned int i = 0; i < 4; i++)
		c[off + i] = (uint8_t)(v >> (8 * i));
}

static uint16_t cfg_get16(const uint8_t *c, unsigned int off)
{
	return (uint16_t)(c[off] | c[off + 1] << 8);
}

/* Power-on state of config space and of its write masks. */
static void cfg_reset(struct fg_pci *p)
{
	uint8_t *c = p->cfg, *m = p->wmask;
	const struct fg_pci_profile *pr = p->profile;
	uint64_t vram_mask = ~(p->vram_size - 1);

	memset(c, 0, CFG_SIZE);
	memset(m, 0, CFG_SIZE);

	cfg_put16(c, PCI_VENDOR_ID, pr->vendor);
	cfg_put16(c, PCI_DEVICE_ID, pr->device);
	cfg_put16(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
	c[PCI_REVISION_ID] = FAKEGPU_PCI_REVISION;
	c[PCI_CLASS_PROG] = (uint8_t)pr->class_code;
	cfg_put16(c, PCI_CLASS_DEVICE, (uint16_t)(pr->class_code >> 8));
	c[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_NORMAL;
	cfg_put16(c, PCI_SUBSYSTEM_VENDOR_ID, pr->subvendor);
	cfg_put16(c, PCI_SUBSYSTEM_ID, pr->subdevice);
	c[PCI_CAPABILITY_LIST] = MSI_CAP;
	c[PCI_INTERRUPT_PIN] = 1;	/* INTA#, the fallback */

	/* No I/O BARs: I/O space enable stays 0. */
	cfg_put16(m, PCI_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
		  PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	m[PCI_CACHE_LINE_SIZE] = 0xff;
	m[PCI_LATENCY_TIMER] = 0xff;
	m[PCI_INTERRUPT_LINE] = 0xff;

	/* BAR0: 32-bit memory, not prefetchable. */
	cfg_put32(c, PCI_BASE_ADDRESS_0, PCI_BASE_ADDRESS_SPACE_MEMORY |
		  PCI_BASE_ADDRESS_MEM_TYPE_32);
	cfg_put32(m, PCI_BASE_ADDRESS_0, ~(uint32_t)(FAKEGPU_MMIO_SIZE - 1) &
		  (uint32_t)PCI_BASE_ADDRESS_MEM_MASK);
	/* BAR2/3: 64-bit prefetchable memory, the VRAM. */
	cfg_put32(c, PCI_BASE_ADDRESS_2, PCI_BASE_ADDRESS_SPACE_MEMORY |
		  PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
	cfg_put32(m, PCI_BASE_ADDRESS_2, (uint32_t)vram_mask &
		  (uint32_t)PCI_BASE_ADDRESS_MEM_MASK);
	cfg_put32(m, PCI_BASE_ADDRESS_3, (uint32_t)(vram_mask >> 32));
	/* BAR4: 32-bit memory, not prefetchable, the shared pages. */
	cfg_put32(c, PCI_BASE_ADDRESS_4, PCI_BASE_ADDRESS_SPACE_MEMORY |
		  PCI_BASE_ADDRESS_MEM_TYPE_32);
	cfg_put32(m, PCI_BASE_ADDRESS_4, ~(uint32_t)(FAKEGPU_SHM_SIZE - 1) &
		  (uint32_t)PCI_BASE_ADDRESS_MEM_MASK);

	/* MSI: 64-bit address, one vector, no per-vector mask. */
	c[MSI_CAP + PCI_CAP_LIST_ID] = PCI_CAP_ID_MSI;
	c[MSI_CAP + PCI_CAP_LIST_NEXT] = 0;
	cfg_put16(c, MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_64BIT);
	cfg_put16(m, MSI_CAP + PCI_MSI_FLAGS, PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE);
	cfg_put32(m, MSI_CAP + PCI_MSI_ADDRESS_LO, 0xfffffffcu);
	cfg_put32(m, MSI_CAP + PCI_MSI_ADDRESS_HI, 0xffffffffu);
	cfg_put16(m, MSI_CAP + PCI_MSI_DATA_64, 0xffff);
}

static int cfg_read(struct fg_pci *p, uint64_t off, uint8_t *buf, uint32_t count)
{
	uint8_t status = p->cfg[PCI_STATUS];

	if (off >= CFG_SIZE || count > CFG_SIZE - off)
		return -EINVAL;
	/* Interrupt status mirrors the INTx line while INTx is the route. */
	if (p->msi_fd < 0 && p->engine && fg_engine_irq_pending(p->engine))
		p->cfg[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
	else
		p->cfg[PCI_STATUS] &= (uint8_t)~PCI_STATUS_INTERRUPT;
	memcpy(buf, p->cfg + off, count);
	p->cfg[PCI_STATUS] = status;
	return 0;
}

static int cfg_write(struct fg_pci *p, uint64_t off, const uint8_t *buf, uint32_t count)
{
	if (off >= CFG_SIZE || count > CFG_SIZE - off)
		return -EINVAL;
	/* Read-only bits ignore writes, as on hardware. */
	for (uint32_t i = 0; i < count; i++) {
		size_t a = (size_t)off + i;

		p->cfg[a] = (uint8_t)((p->cfg[a] & ~p->wmask[a]) | (buf[i] & p->wmask[a]));
	}
	return 0;
}

/* ---- interrupts ----------------------------------------------------------- */

static void signal_fd(struct fg_pci *p, int fd)
{
	uint64_t one = 1;
	ssize_t n = write(fd, &one, sizeof(one));

	/*
	 * EAGAIN: the counter cannot take one more, so it is not zero: the
	 * interrupt is still pending for the reader, nothing is lost.
	 */
	if (n != (ssize_t)sizeof(one) && !(n < 0 && errno == EAGAIN))
		p->irq_dropped++;	/* fd broken */
}

static bool intx_allowed(const struct fg_pci *p)
{
	return !(cfg_get16(p->cfg, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE);
}

static void intx_fire(struct fg_pci *p)
{
	if (p->intx_fd < 0 || p->intx_masked || !intx_allowed(p))
		return;
	signal_fd(p, p->intx_fd);
	p->intx_count++;
	p->intx_masked = true;		/* automasked until the client unmasks */
}

static void msi_fire(struct fg_pci *p)
{
	if (p->msi_masked) {
		p->msi_pending = true;
		return;
	}
	signal_fd(p, p->msi_fd);
	p->msi_count++;
}

/* Engine interrupt callback. MSI when the client set it up, INTx otherwise. */
static void fg_pci_engine_irq(void *opaque)
{
	struct fg_pci *p = opaque;

	pthread_mutex_lock(&p->irq_lock);
	if (p->msi_fd >= 0)
		msi_fire(p);
	else
		intx_fire(p);
	pthread_mutex_unlock(&p->irq_lock);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void irq_reset(struct fg_pci *p, bool drop_fds)
{
	if (drop_fds) {
		close_fd(&p->intx_fd);
		close_fd(&p->msi_fd);
		close_fd(&p->err_fd);
		close_fd(&p->req_fd);
	}
	p->intx_masked = false;
	p->msi_masked = false;
	p->msi_pending = false;
}

/*
 * Keep the client's eventfd set->fds[0] (if any) in @slot, instead of the one
 * there. It is made non-blocking: a write to an eventfd whose counter is at
 * its maximum blocks otherwise, and the client chooses the counter. QEMU, the
 * reader, creates its eventfds non-blocking anyway (the flag belongs to the
 * open file, which the client shares).
 */
static int keep_eventfd(int *slot, struct fg_vfu_irq_set *set)
{
	int fl;

	if (set->nfds) {
		fl = fcntl(set->fds[0], F_GETFL);
		if (fl < 0 || fcntl(set->fds[0], F_SETFL, fl | O_NONBLOCK) != 0)
			return -errno;
	}
	close_fd(slot);
	if (set->nfds) {
		*slot = set->fds[0];
		set->fds[0] = -1;
	}
	return 0;
}

static bool bool_set(const struct fg_vfu_irq_set *set)
{
	/* Only one vector per index here, so bools[0] decides. */
	return !(set->flags & VFIO_IRQ_SET_DATA_BOOL) || set->bools[0];
}

static int set_intx(struct fg_pci *p, struct fg_vfu_irq_set *set)
{
	switch (set->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) {
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD) {
			p->intx_masked = false;
			return keep_eventfd(&p->intx_fd, set);
		}
		if (set->count == 0) {
			close_fd(&p->intx_fd);
			p->intx_masked = false;
		} else if (bool_set(set)) {
			intx_fire(p);
		}
		return 0;
	case VFIO_IRQ_SET_ACTION_MASK:
		if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD)
			return -ENOTSUP;
		if (bool_set(set))
			p->intx_masked = true;
		return 0;
	case VFIO_IRQ_SET_ACTION_UNMASK:
		/* Resample eventfds (irqfd) are a KVM optimisation we do not offer. */
		if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD)
			return -ENOTSUP;
		if (bool_set(set)) {
			p->intx_masked = false;
			/* Level triggered: still asserted means fire again. */
			if (p->engine && fg_engine_irq_pending(p->engine))
				intx_fire(p);
		}
		return 0;
	}
	return -EINVAL;
}

static int set_msi(struct fg_pci *p, struct fg_vfu_irq_set *set)
{
	switch (set->flags & VFIO_IRQ_SET_ACTION_TYPE_MASK) {
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD) {
			p->msi_masked = false;
			p->msi_pending = false;
			return keep_eventfd(&p->msi_fd, set);
		}
		if (set->count == 0) {
			close_fd(&p->msi_fd);
			p->msi_masked = false;
			p->msi_pending = false;
		} else if (bool_set(set) && p->msi_fd >= 0) {
			msi_fire(p);
		}
		return 0;
	case VFIO_IRQ_SET_ACTION_MASK:
		if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD)
			return -ENOTSUP;
		if (bool_set(set))
			p->msi_masked = true;
		return 0;
	case VFIO_IRQ_SET_ACTION_UNMASK:
		if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD)
			return -ENOTSUP;
		if (bool_set(set)) {
			p->msi_masked = false;
			if (p->msi_pending && p->msi_fd >= 0) {
				p->msi_pending = false;
				msi_fire(p);
			}
		}
		return 0;
	}
	return -EINVAL;
}

/* ---- vfio-user callbacks -------------------------------------------------- */

static int fg_pci_region_info(void *opaque, uint32_t index, struct fg_vfu_region_desc *d)
{
	struct fg_pci *p = opaque;

	switch (index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		d->size = FAKEGPU_MMIO_SIZE;
		d->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	case VFIO_PCI_BAR2_REGION_INDEX:
		d->size = p->vram_size;
		d->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			   VFIO_REGION_INFO_FLAG_MMAP;
		d->fd = p->vram_fd;
		d->fd_offset = 0;
		d->nr_sparse = 1;
		d->sparse[0].offset = 0;
		d->sparse[0].size = p->vram_size;
		break;
	case VFIO_PCI_BAR4_REGION_INDEX:
		d->size = FAKEGPU_SHM_SIZE;
		d->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE |
			   VFIO_REGION_INFO_FLAG_MMAP;
		d->fd = p->vram_fd;
		d->fd_offset = p->vram_size;
		d->nr_sparse = 1;
		d->sparse[0].offset = 0;
		d->sparse[0].size = FAKEGPU_SHM_SIZE;
		break;
	case VFIO_PCI_CONFIG_REGION_INDEX:
		d->size = CFG_SIZE;
		d->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
		break;
	default:
		if (index >= VFIO_PCI_NUM_REGIONS)
			return -EINVAL;
		d->size = 0;	/* unused BAR, no ROM, no VGA */
		d->flags = 0;
		break;
	}
	return 0;
}

static int mmio_read(struct fg_pci *p, uint64_t off, uint8_t *buf, uint32_t count)
{
	if (off >= FAKEGPU_MMIO_SIZE || count > FAKEGPU_MMIO_SIZE - off)
		return -EINVAL;
	if (count == 4 && off % 4 == 0) {
		uint32_t v = fg_engine_read(p->engine, (uint32_t)off);

		memcpy(buf, &v, 4);
		return 0;
	}
	if (count == 8 && off % 8 == 0) {
		uint32_t v[2] = {
			fg_engine_read(p->engine, (uint32_t)off),
			fg_engine_read(p->engine, (uint32_t)off + 4),
		};

		memcpy(buf, v, 8);
		return 0;
	}
	if ((count == 1 || count == 2) && off % count == 0) {
		/* Bytes of the register, without its read side effects. */
		uint32_t v = fg_engine_peek(p->engine, (uint32_t)(off & ~3ull));

		v >>= 8 * (off & 3);
		memcpy(buf, &v, count);
		return 0;
	}
	return -EINVAL;
}

static int mmio_write(struct fg_pci *p, uint64_t off, const uint8_t *buf, uint32_t count)
{
	uint32_t v[2];

	if (off >= FAKEGPU_MMIO_SIZE || count > FAKEGPU_MMIO_SIZE - off)
		return -EINVAL;
	if (count == 4 && off % 4 == 0) {
		memcpy(v, buf, 4);
		fg_engine_write(p->engine, (uint32_t)off, v[0]);
		return 0;
	}
	if (count == 8 && off % 8 == 0) {
		memcpy(v, buf, 8);
		fg_engine_write(p->engine, (uint32_t)off, v[0]);
		fg_engine_write(p->engine, (uint32_t)off + 4, v[1]);
		return 0;
	}
	/* Partial register writes could half-ack interrupts or commits: refused. */
	return -EINVAL;
}

static int fg_pci_region_read(void *opaque, uint32_t index, uint64_t off,
			      void *buf, uint32_t count)
{
	struct fg_pci *p = opaque;

	switch (index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		p->bar0_reads++;
		return mmio_read(p, off, buf, count);
	case VFIO_PCI_BAR2_REGION_INDEX:
		if (off >= p->vram_size || count > p->vram_size - off)
			return -EINVAL;
		memcpy(buf, p->vram + off, count);
		return 0;
	case VFIO_PCI_BAR4_REGION_INDEX:
		if (off >= FAKEGPU_SHM_SIZE || count > FAKEGPU_SHM_SIZE - off)
			return -EINVAL;
		memcpy(buf, p->vram + p->vram_size + off, count);
		return 0;
	case VFIO_PCI_CONFIG_REGION_INDEX: {
		int ret;

		pthread_mutex_lock(&p->irq_lock);
		ret = cfg_read(p, off, buf, count);
		pthread_mutex_unlock(&p->irq_lock);
		return ret;
	}
	}
	return -EINVAL;
}

static int fg_pci_region_write(void *opaque, uint32_t index, uint64_t off,
			       const void *buf, uint32_t count)
{
	struct fg_pci *p = opaque;

	switch (index) {
	case VFIO_PCI_BAR0_REGION_INDEX:
		p->bar0_writes++;
		return mmio_write(p, off, buf, count);
	case VFIO_PCI_BAR2_REGION_INDEX:
		if (off >= p->vram_size || count > p->vram_size - off)
			return -EINVAL;
		memcpy(p->vram + off, buf, count);
		return 0;
	case VFIO_PCI_BAR4_REGION_INDEX:
		if (off >= FAKEGPU_SHM_SIZE || count > FAKEGPU_SHM_SIZE - off)
			return -EINVAL;
		memcpy(p->vram + p->vram_size + off, buf, count);
		return 0;
	case VFIO_PCI_CONFIG_REGION_INDEX: {
		int ret;

		pthread_mutex_lock(&p->irq_lock);
		ret = cfg_write(p, off, buf, count);
		pthread_mutex_unlock(&p->irq_lock);
		return ret;
	}
	}
	return -EINVAL;
}

static int fg_pci_irq_info(void *opaque, uint32_t index, struct fg_vfu_irq_desc *d)
{
	(void)opaque;
	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		d->flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			   VFIO_IRQ_INFO_AUTOMASKED;
		d->count = 1;
		return 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		d->flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE |
			   VFIO_IRQ_INFO_NORESIZE;
		d->count = 1;
		return 0;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		d->flags = 0;
		d->count = 0;
		return 0;
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX:
		/*
		 * Accepted so that QEMU sets up error recovery and unplug
		 * requests without warnings; the device never signals them.
		 */
		d->flags = VFIO_IRQ_INFO_EVENTFD;
		d->count = 1;
		return 0;
	}
	return -EINVAL;
}

static int set_irqs_locked(struct fg_pci *p, struct fg_vfu_irq_set *set)
{
	switch (set->index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		return set_intx(p, set);
	case VFIO_PCI_MSI_IRQ_INDEX:
		return set_msi(p, set);
	case VFIO_PCI_ERR_IRQ_INDEX:
	case VFIO_PCI_REQ_IRQ_INDEX: {
		int *slot = set->index == VFIO_PCI_ERR_IRQ_INDEX ? &p->err_fd : &p->req_fd;

		/* Unmaskable: the transport only lets TRIGGER through. */
		if (set->flags & VFIO_IRQ_SET_DATA_EVENTFD)
			return keep_eventfd(slot, set);
		if (set->count == 0)
			close_fd(slot);
		return 0;
	}
	}
	return -EINVAL;
}

static int fg_pci_set_irqs(void *opaque, struct fg_vfu_irq_set *set)
{
	struct fg_pci *p = opaque;
	int ret;

	pthread_mutex_lock(&p->irq_lock);
	ret = set_irqs_locked(p, set);
	pthread_mutex_unlock(&p->irq_lock);
	return ret;
}

static int fg_pci_reset(void *opaque)
{
	struct fg_pci *p = opaque;

	/* Like an FLR: eventfds stay assigned, everything else powers on. */
	fg_engine_reset(p->engine);
	pthread_mutex_lock(&p->irq_lock);
	cfg_reset(p);
	irq_reset(p, false);
	pthread_mutex_unlock(&p->irq_lock);
	return 0;
}

static void fg_pci_disconnect(void *opaque)
{
	struct fg_pci *p = opaque;

	/* A new client (QEMU restarted) must find a device fresh from reset. */
	pthread_mutex_lock(&p->irq_lock);
	irq_reset(p, true);
	pthread_mutex_unlock(&p->irq_lock);
	fg_engine_reset(p->engine);
	pthread_mutex_lock(&p->irq_lock);
	cfg_reset(p);
	pthread_mutex_unlock(&p->irq_lock);
}

static const struct fg_vfu_dev_ops fg_pci_ops = {
	.num_regions = VFIO_PCI_NUM_REGIONS,
	.num_irqs = VFIO_PCI_NUM_IRQS,
	.region_info = fg_pci_region_info,
	.region_read = fg_pci_region_read,
	.region_write = fg_pci_region_write,
	.irq_info = fg_pci_irq_info,
	.set_irqs = fg_pci_set_irqs,
	.reset = fg_pci_reset,
	.disconnect = fg_pci_disconnect,
};

const struct fg_vfu_dev_ops *fg_pci_vfu_ops(void)
{
	return &fg_pci_ops;
}

/* ---- lifetime ------------------------------------------------------------- */

struct fg_pci *fg_pci_new(const struct fg_pci_config *cfg)
{
	const struct fg_pci_profile *pr = cfg->profile;
	uint32_t mb = cfg->vram_mb ? cfg->vram_mb : pr->vram_mb;
	unsigned int heads = cfg->heads ? cfg->heads : pr->heads;
	struct fg_engine_config ec;
	struct fg_pci *p;
	off_t memfd_size;

	if (mb < (FAKEGPU_VRAM_MIN >> 20) || mb > FAKEGPU_VRAM_MAX_MB || (mb & (mb - 1))) {
		fprintf(stderr, "fakegpu-device: VRAM size %u MiB invalid: a power of two from %u to %u\n",
			mb, FAKEGPU_VRAM_MIN >> 20, FAKEGPU_VRAM_MAX_MB);
		return NULL;
	}
	if (heads < 1 || heads > FAKEGPU_MAX_HEADS) {
		fprintf(stderr, "fakegpu-device: %u heads invalid: 1 to %u\n",
			heads, FAKEGPU_MAX_HEADS);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		fprintf(stderr, "fakegpu-device: out of memory\n");
		return NULL;
	}
	p->profile = pr;
	p->vram_size = (uint64_t)mb << 20;
	p->mem_size = p->vram_size + FAKEGPU_SHM_SIZE;
	p->heads = heads;
	p->intx_fd = -1;
	p->msi_fd = -1;
	p->err_fd = -1;
	p->req_fd = -1;
	p->vram_fd = -1;
	p->vram = MAP_FAILED;
	pthread_mutex_init(&p->irq_lock, NULL);

	/*
	 * Sparse: pages only exist once written. The client gets this fd
	 * read-write (GET_REGION_INFO): sealed at its size, so that it cannot
	 * shrink the file under the device's own mapping (SIGBUS here).
	 */
	memfd_size = (off_t)p->mem_size;
	p->vram_fd = memfd_create("fakegpu-vram", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (p->vram_fd < 0 || ftruncate(p->vram_fd, memfd_size) != 0 ||
	    fcntl(p->vram_fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
		fprintf(stderr, "fakegpu-device: cannot create %u MiB VRAM memfd: %s\n",
			mb, strerror(errno));
		fg_pci_free(p);
		return NULL;
	}
	p->vram = mmap(NULL, p->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       p->vram_fd, 0);
	if (p->vram == MAP_FAILED) {
		fprintf(stderr, "fakegpu-device: cannot map VRAM: %s\n", strerror(errno));
		fg_pci_free(p);
		return NULL;
	}
	memset(&ec, 0, sizeof(ec));
	ec.heads = heads;
	ec.vram_size = p->vram_size;
	ec.vram = p->vram;
	ec.shm = p->vram + p->vram_size;
	ec.modes = cfg->modes;
	ec.wake = cfg->wake;
	ec.wake_opaque = cfg->wake_opaque;
	ec.fault_exit = cfg->fault_exit;
	ec.fault_exit_opaque = cfg->fault_exit_opaque;
	ec.num_modes = cfg->num_modes;
	p->engine = fg_engine_new(&ec, fg_pci_engine_irq, p);
	if (!p->engine) {
		fprintf(stderr, "fakegpu-device: cannot create the display engine\n");
		fg_pci_free(p);
		return NULL;
	}
	cfg_reset(p);
	return p;
}

void fg_pci_free(struct fg_pci *p)
{
	if (!p)
		return;
	irq_reset(p, true);
	if (p->engine)
		fg_engine_free(p->engine);
	if (p->vram != MAP_FAILED)
		munmap(p->vram, p->mem_size);
	if (p->vram_fd >= 0)
		close(p->vram_fd);
	pthread_mutex_destroy(&p->irq_lock);
	free(p);
}

struct fg_engine *fg_pci_engine(struct fg_pci *p) { return p->engine; }
uint64_t fg_pci_vram_size(const struct fg_pci *p) { return p->vram_size; }
unsigned int fg_pci_heads(const struct fg_pci *p) { return p->heads; }
const struct fg_pci_profile *fg_pci_profile(const struct fg_pci *p) { return p->profile; }

void fg_pci_status(struct fg_pci *p, FILE *out)
{
	pthread_mutex_lock(&p->irq_lock);
	fprintf(out, "interrupts: route %s, msi %llu, intx %llu%s, dropped %llu\n",
		p->msi_fd >= 0 ? "msi" : p->intx_fd >= 0 ? "intx" : "none",
		(unsigned long long)p->msi_count, (unsigned long long)p->intx_count,
		p->intx_masked ? " (masked)" : "",
		(unsigned long long)p->irq_dropped);
	pthread_mutex_unlock(&p->irq_lock);
	fprintf(out, "bar0: reads %llu, writes %llu\n",
		(unsigned long long)p->bar0_reads, (unsigned long long)p->bar0_writes);
}
