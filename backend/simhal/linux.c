/*
 * linux.c - the "linux" scenario: a Linux driver on the DMA-mapping API,
 * its events of the shapes the eBPF source records (see dmatrace.bpf.c),
 * for the Linux rule set without a kernel, root or QEMU.
 *
 * The driver is the kernel suite's test module (tests/kmod/dmatop_edu.c)
 * on a simulated QEMU edu device behind an IOMMU. Each load binds it,
 * allocates a coherent ring, receives through a streaming mapping and a
 * scatterlist, commits one misuse, and unbinds; the last load unmaps a
 * buffer and starts the device writing to it, and the IOMMU faults.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim.h"

#define DEV	  0xffff888003a1d0c8ull /* its struct device */
#define RING_VA	  0xffff888004200000ull
#define BUF_PHYS  0x4310000ull		/* the receive buffer, 2 pages */
#define SGL	  0xffff888004b3e200ull /* its struct scatterlist[2] */
#define IOVA_TOP  0x10000000ull		/* the 28-bit mask's limit */
#define PAGE	  4096ull
#define PAUSE_NS  400000000ull /* between loads, as the kernel suite */
#define ENGINE_NS 100000000ull /* the edu DMA engine's timer */

struct lx {
	struct dm_hal *hal;
	struct dm_thread *t;
	unsigned load;
	uint64_t iova;	  /* the IOVA allocator's next, top down */
	uint64_t sg_iova; /* where the scatterlist is mapped */
	uint32_t dev_name, drv_name;
};

/* The misuses, one a load, in the kernel suite's order; none first. */
enum bug {
	NONE,
	DOUBLE_UNMAP,
	UNMAP_SIZE,
	UNMAP_DIRECTION,
	SYNC_UNMAPPED,
	FREE_UNALLOCATED,
	LEAK,
	OVERLAP,
	ZERO_LENGTH,
	SG_DIRECTION,
	SYNC_SG_UNMAPPED,
	AFTER_UNMAP,
	NLOADS
};

/* as the module's bug= parameter names them */
static const char *const bug_names[NLOADS] = {
	[NONE] = "none",
	[DOUBLE_UNMAP] = "double_unmap",
	[UNMAP_SIZE] = "unmap_size",
	[UNMAP_DIRECTION] = "unmap_direction",
	[SYNC_UNMAPPED] = "sync_unmapped",
	[FREE_UNALLOCATED] = "free_unallocated",
	[LEAK] = "leak",
	[OVERLAP] = "overlap",
	[ZERO_LENGTH] = "zero_length",
	[SG_DIRECTION] = "sg_direction",
	[SYNC_SG_UNMAPPED] = "sync_sg_unmapped",
	[AFTER_UNMAP] = "after_unmap",
};

static uint64_t pages(uint64_t addr, uint64_t len)
{
	return (addr + len + PAGE - 1) / PAGE * PAGE - addr / PAGE * PAGE;
}

/* One event from fn, a function of the driver (NULL: none, as the
 * kernel's own events carry). */
static void put(struct lx *l, const char *fn, struct dm_event e)
{
	char caller[96];

	/* the IOMMU's own events name no device */
	e.adapter = e.kind == DM_EV_IOMMU_MAP || e.kind == DM_EV_IOMMU_UNMAP ?
			    0 :
			    DEV;
	l->t->caller = 0;
	if (fn) {
		snprintf(caller, sizeof(caller), "sim_edu!%s+0x%x", fn,
			 0x24 + 0x18 * (e.kind % 8));
		dm_hal_caller(l->hal, l->t, caller);
	}
	dm_hal_emit(l->hal, l->t, &e);
}

/* The IOMMU's page table under a map: IOVA pages for the CPU's. */
static uint64_t iommu_map(struct lx *l, const char *fn, uint64_t phys,
			  uint64_t len)
{
	uint64_t size = pages(phys, len ? len : 1), iova;

	l->iova -= size;
	iova = l->iova;
	put(l, fn,
	    (struct dm_event){ .kind = DM_EV_IOMMU_MAP,
			       .obj = iova,
			       .va = phys / PAGE * PAGE,
			       .dma = iova,
			       .len = size });
	return iova + phys % PAGE;
}

static void iommu_unmap(struct lx *l, const char *fn, uint64_t dma,
			uint64_t len)
{
	uint64_t size = pages(dma, len ? len : 1), iova = dma / PAGE * PAGE;

	put(l, fn,
	    (struct dm_event){ .kind = DM_EV_IOMMU_UNMAP,
			       .obj = iova,
			       .dma = iova,
			       .len = size,
			       .arg = { size } });
}

/* dma_map_single() of the receive buffer at off */
static uint64_t map(struct lx *l, const char *fn, uint64_t off, uint64_t len,
		    uint8_t dir)
{
	uint64_t dma = iommu_map(l, fn, BUF_PHYS + off, len);

	put(l, fn,
	    (struct dm_event){ .kind = DM_EV_MAP,
			       .obj = dma,
			       .va = BUF_PHYS + off,
			       .dma = dma,
			       .len = len,
			       .dir = dir });
	return dma;
}

/* An unmap or a sync of a mapping, by its DMA address; the DMA API's
 * event alone (a double unmap's second reaches no IOMMU) */
static void at_dma(struct lx *l, const char *fn, uint16_t kind, uint64_t dma,
		   uint64_t len, uint8_t dir)
{
	put(l, fn,
	    (struct dm_event){ .kind = kind,
			       .obj = dma,
			       .dma = dma,
			       .len = len,
			       .dir = dir });
}

static void unmap(struct lx *l, const char *fn, uint64_t dma, uint64_t len,
		  uint8_t dir)
{
	at_dma(l, fn, DM_EV_UNMAP, dma, len, dir);
	iommu_unmap(l, fn, dma, len);
}

/* the module's scatterlist: two 1 KiB pieces, one a page */
static void map_sg(struct lx *l, uint8_t dir)
{
	l->sg_iova = iommu_map(l, "edu_map_sg", BUF_PHYS, 2 * PAGE);
	put(l, "edu_map_sg",
	    (struct dm_event){ .kind = DM_EV_SG_MAP,
			       .obj = SGL,
			       .dma = 2,
			       .len = 2,
			       .dir = dir });
}

static void sg(struct lx *l, const char *fn, uint16_t kind, uint8_t dir)
{
	put(l, fn,
	    (struct dm_event){ .kind = kind,
			       .obj = SGL,
			       .len = 2,
			       .dir = dir,
			       .flags = kind == DM_EV_SG_UNMAP ? 0 : DM_F_SG });
	if (kind == DM_EV_SG_UNMAP)
		iommu_unmap(l, fn, l->sg_iova, 2 * PAGE);
}

static void coherent(struct lx *l, const char *fn, uint16_t kind, uint64_t va,
		     uint64_t dma, uint64_t len)
{
	put(l, fn,
	    (struct dm_event){ .kind = kind,
			       .obj = va,
			       .va = va,
			       .dma = dma,
			       .len = len,
			       .dir = DM_DIR_BIDI });
}

static void clean_rx(struct lx *l)
{
	uint64_t d = map(l, "edu_clean_rx", 0, 1536, DM_DIR_FROM_DEVICE);

	at_dma(l, "edu_clean_rx", DM_EV_SYNC_CPU, d, 1536, DM_DIR_FROM_DEVICE);
	at_dma(l, "edu_clean_rx", DM_EV_SYNC_DEVICE, d, 1536,
	       DM_DIR_FROM_DEVICE);
	unmap(l, "edu_clean_rx", d, 1536, DM_DIR_FROM_DEVICE);
}

static uint64_t probe(struct lx *l)
{
	uint64_t ring;

	/* described as the eBPF source describes a PCI device behind an
	 * IOMMU, its mask 28 bits (the edu device's DMA engine) */
	put(l, NULL,
	    (struct dm_event){
		    .kind = DM_EV_ADAPTER_GET,
		    .caller = l->drv_name,
		    .len = 65536,
		    .arg = { DM_DESC_MASTER | DM_DESC_SCATTER_GATHER |
				     DM_DESC_DMA32 | DM_DESC_IOMMU |
				     DM_DESC_OPS_PACK(DM_DESC_OPS_IOMMU) |
				     DM_DESC_MASK_BITS_PACK(28) |
				     DM_DESC_PACK(0, 5, 2, 0),
			     0, l->dev_name } });
	put(l, NULL,
	    (struct dm_event){ .kind = DM_EV_DRIVER_BIND,
			       .caller = l->drv_name });
	ring = iommu_map(l, "edu_probe", 0x4200000, PAGE);
	coherent(l, "edu_probe", DM_EV_CB_ALLOC, RING_VA, ring, PAGE);
	clean_rx(l);
	map_sg(l, DM_DIR_FROM_DEVICE);
	sg(l, "edu_clean_sg", DM_EV_SYNC_CPU, DM_DIR_FROM_DEVICE);
	sg(l, "edu_clean_sg", DM_EV_SYNC_DEVICE, DM_DIR_FROM_DEVICE);
	sg(l, "edu_clean_sg", DM_EV_SG_UNMAP, DM_DIR_FROM_DEVICE);
	return ring;
}

static void remove_(struct lx *l, uint64_t ring)
{
	clean_rx(l);
	coherent(l, "edu_remove", DM_EV_CB_FREE, RING_VA, ring, PAGE);
	iommu_unmap(l, "edu_remove", ring, PAGE);
	put(l, NULL, (struct dm_event){ .kind = DM_EV_DRIVER_UNBIND });
}

/* The device's DMA engine writes to d from its timer; behind the
 * IOMMU, to an IOVA no longer mapped, it faults. */
static void engine_to(struct lx *l, uint64_t d)
{
	dm_hal_set_now(l->hal, dm_hal_now(l->hal) + ENGINE_NS);
	put(l, NULL,
	    (struct dm_event){ .kind = DM_EV_IOMMU_FAULT,
			       .obj = DEV,
			       .dma = d,
			       .dir = DM_DIR_FROM_DEVICE });
}

/* One load's misuse, as the test module commits it. */
static void misuse(struct lx *l, enum bug bug)
{
	char fn[64];
	uint64_t d, b;

	snprintf(fn, sizeof(fn), "edu_bug_%s", bug_names[bug]);
	switch (bug) {
	case DOUBLE_UNMAP:
		d = map(l, fn, 0, PAGE, DM_DIR_TO_DEVICE);
		unmap(l, fn, d, PAGE, DM_DIR_TO_DEVICE);
		at_dma(l, fn, DM_EV_UNMAP, d, PAGE, DM_DIR_TO_DEVICE);
		break;
	case UNMAP_SIZE:
		d = map(l, fn, 0, PAGE, DM_DIR_TO_DEVICE);
		unmap(l, fn, d, PAGE / 2, DM_DIR_TO_DEVICE);
		break;
	case UNMAP_DIRECTION:
		d = map(l, fn, 0, PAGE, DM_DIR_TO_DEVICE);
		unmap(l, fn, d, PAGE, DM_DIR_FROM_DEVICE);
		break;
	case SYNC_UNMAPPED:
		d = map(l, fn, 0, PAGE, DM_DIR_FROM_DEVICE);
		unmap(l, fn, d, PAGE, DM_DIR_FROM_DEVICE);
		at_dma(l, fn, DM_EV_SYNC_CPU, d, PAGE, DM_DIR_FROM_DEVICE);
		break;
	case FREE_UNALLOCATED: /* a page from the page allocator */
		coherent(l, fn, DM_EV_CB_FREE, 0xffff888005a00000ull, 0x5a00000,
			 PAGE);
		break;
	case LEAK: /* a mapping and a coherent buffer */
		map(l, fn, 2048, 512, DM_DIR_TO_DEVICE);
		d = iommu_map(l, fn, 0x5c00000, 2 * PAGE);
		coherent(l, fn, DM_EV_CB_ALLOC, 0xffff888005c00000ull, d,
			 2 * PAGE);
		break;
	case OVERLAP: /* two receive mappings sharing a cache line */
		d = map(l, fn, 0, 256, DM_DIR_FROM_DEVICE);
		b = map(l, fn, 64, 256, DM_DIR_FROM_DEVICE);
		unmap(l, fn, b, 256, DM_DIR_FROM_DEVICE);
		unmap(l, fn, d, 256, DM_DIR_FROM_DEVICE);
		break;
	case ZERO_LENGTH:
		d = map(l, fn, 0, 0, DM_DIR_TO_DEVICE);
		unmap(l, fn, d, 0, DM_DIR_TO_DEVICE);
		break;
	case SG_DIRECTION:
		map_sg(l, DM_DIR_TO_DEVICE);
		sg(l, fn, DM_EV_SG_UNMAP, DM_DIR_FROM_DEVICE);
		break;
	case SYNC_SG_UNMAPPED:
		map_sg(l, DM_DIR_FROM_DEVICE);
		sg(l, fn, DM_EV_SG_UNMAP, DM_DIR_FROM_DEVICE);
		sg(l, fn, DM_EV_SYNC_CPU, DM_DIR_FROM_DEVICE);
		break;
	case AFTER_UNMAP:
		d = map(l, fn, 0, PAGE, DM_DIR_FROM_DEVICE);
		unmap(l, fn, d, PAGE, DM_DIR_FROM_DEVICE);
		engine_to(l, d);
		break;
	case NONE:
	case NLOADS:
		break;
	}
}

static int64_t lx_step(struct dm_sim *sim, struct dm_sim_driver *d)
{
	struct lx *l = d->state;
	uint64_t ring;

	l->hal = dm_sim_hal(sim);
	l->t = &d->t;
	ring = probe(l);
	misuse(l, (enum bug)l->load);
	remove_(l, ring);
	return ++l->load < NLOADS ? (int64_t)PAUSE_NS : -1;
}

static void lx_fini(struct dm_sim *sim, struct dm_sim_driver *d)
{
	(void)sim;
	free(d->state);
}

int dm_drv_linux(struct dm_sim *sim, const struct dm_scenario *sc)
{
	struct dm_strtab *strings = dm_hal_strings(dm_sim_hal(sim));
	struct lx *l = calloc(1, sizeof(*l));
	int err;

	(void)sc;
	if (!l)
		return -ENOMEM;
	l->iova = IOVA_TOP;
	if (dm_strtab_intern(strings, "0000:00:04.0", &l->dev_name) ||
	    dm_strtab_intern(strings, "sim_edu", &l->drv_name)) {
		free(l);
		return -ENOMEM;
	}
	err = dm_sim_load(sim, "sim_edu", lx_step, lx_fini, l, 0);
	if (err)
		free(l);
	return err;
}
