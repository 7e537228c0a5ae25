// SPDX-License-Identifier: GPL-2.0
/*
 * dmatop_edu.c - a driver for QEMU's edu PCI device that misuses the DMA
 * API on purpose, one misuse per load, so that the test suite can check
 * that dmatop names each: the rule, the device, and the function that
 * committed it (every misuse has a function of its own, edu_bug_NAME).
 *
 *   insmod dmatop_edu.ko bug=NAME
 *
 * Every load also runs a clean lifecycle, which must draw no report: a
 * coherent ring held while bound, and a receive buffer and a two-entry
 * scatter/gather list each mapped, synced for the CPU and back to the
 * device, and unmapped.
 *
 * Each misuse is one the DMA API lets through without a crash on x86
 * (dma-direct, or an IOMMU for after_unmap): the kernel stays up for the
 * next load. Never load this outside a throwaway guest.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8

/* the DMA engine (QEMU's docs/specs/edu.rst) */
#define EDU_DMA_SRC    0x80
#define EDU_DMA_DST    0x88
#define EDU_DMA_CNT    0x90
#define EDU_DMA_CMD    0x98
#define EDU_DMA_RUN    0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_BUFFER     0x40000 /* the engine's own memory, in its space */

static char *bug = "none";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "the misuse to commit: none, double_unmap, "
		      "unmap_size, unmap_direction, sync_unmapped, "
		      "free_unallocated, leak, overlap, zero_length, "
		      "sg_direction, sync_sg_unmapped, after_unmap");

struct edu {
	struct pci_dev *pdev;
	void __iomem *mmio;
	void *buf; /* streaming maps point into it; 2 pages */
	void *ring;
	dma_addr_t ring_dma;
	struct scatterlist sg[2]; /* two pieces of buf */
};

static struct device *dev_of(struct edu *e)
{
	return &e->pdev->dev;
}

static noinline void edu_clean_rx(struct edu *e)
{
	struct device *dev = dev_of(e);
	dma_addr_t d = dma_map_single(dev, e->buf, 1536, DMA_FROM_DEVICE);

	if (dma_mapping_error(dev, d))
		return;
	dma_sync_single_for_cpu(dev, d, 1536, DMA_FROM_DEVICE);
	dma_sync_single_for_device(dev, d, 1536, DMA_FROM_DEVICE);
	dma_unmap_single(dev, d, 1536, DMA_FROM_DEVICE);
}

/* the list's two entries, mapped: 0 if the map failed */
static int edu_map_sg(struct edu *e, enum dma_data_direction dir)
{
	sg_init_table(e->sg, 2);
	sg_set_buf(&e->sg[0], e->buf, 1024);
	sg_set_buf(&e->sg[1], e->buf + PAGE_SIZE, 1024);
	return dma_map_sg(dev_of(e), e->sg, 2, dir);
}

static noinline void edu_clean_sg(struct edu *e)
{
	struct device *dev = dev_of(e);

	if (!edu_map_sg(e, DMA_FROM_DEVICE))
		return;
	dma_sync_sg_for_cpu(dev, e->sg, 2, DMA_FROM_DEVICE);
	dma_sync_sg_for_device(dev, e->sg, 2, DMA_FROM_DEVICE);
	dma_unmap_sg(dev, e->sg, 2, DMA_FROM_DEVICE);
}

static noinline void edu_bug_sg_direction(struct edu *e)
{
	if (edu_map_sg(e, DMA_TO_DEVICE))
		dma_unmap_sg(dev_of(e), e->sg, 2, DMA_FROM_DEVICE);
}

static noinline void edu_bug_sync_sg_unmapped(struct edu *e)
{
	struct device *dev = dev_of(e);

	if (!edu_map_sg(e, DMA_FROM_DEVICE))
		return;
	dma_unmap_sg(dev, e->sg, 2, DMA_FROM_DEVICE);
	dma_sync_sg_for_cpu(dev, e->sg, 2, DMA_FROM_DEVICE);
}

static noinline void edu_bug_double_unmap(struct edu *e)
{
	struct device *dev = dev_of(e);
	dma_addr_t d = dma_map_single(dev, e->buf, 4096, DMA_TO_DEVICE);

	if (dma_mapping_error(dev, d))
		return;
	dma_unmap_single(dev, d, 4096, DMA_TO_DEVICE);
	dma_unmap_single(dev, d, 4096, DMA_TO_DEVICE);
}

static noinline void edu_bug_unmap_size(struct edu *e)
{
	struct device *dev = dev_of(e);
	dma_addr_t d = dma_map_single(dev, e->buf, 4096, DMA_TO_DEVICE);

	if (dma_mapping_error(dev, d))
		return;
	dma_unmap_single(dev, d, 2048, DMA_TO_DEVICE);
}

static noinline void edu_bug_unmap_direction(struct edu *e)
{
	struct device *dev = dev_of(e);
	dma_addr_t d = dma_map_single(dev, e->buf, 4096, DMA_TO_DEVICE);

	if (dma_mapping_error(dev, d))
		return;
	dma_unmap_single(dev, d, 4096, DMA_FROM_DEVICE);
}

static noinline void edu_bug_sync_unmapped(struct edu *e)
{
	struct device *dev = dev_of(e);
	dma_addr_t d = dma_map_single(dev, e->buf, 4096, DMA_FROM_DEVICE);

	if (dma_mapping_error(dev, d))
		return;
	dma_unmap_single(dev, d, 4096, DMA_FROM_DEVICE);
	dma_sync_single_for_cpu(dev, d, 4096, DMA_FROM_DEVICE);
}

/* A page from the page allocator handed to dma_free_coherent(): the
 * free releases it, so it is the free's to keep. */
static noinline void edu_bug_free_unallocated(struct edu *e)
{
	struct page *p = alloc_page(GFP_KERNEL);

	if (p)
		dma_free_coherent(dev_of(e), PAGE_SIZE, page_address(p),
				  page_to_phys(p));
}

/* left for the unbind to find */
static noinline void edu_bug_leak(struct edu *e)
{
	struct device *dev = dev_of(e);
	dma_addr_t d = dma_map_single(dev, e->buf + 2048, 512, DMA_TO_DEVICE);
	dma_addr_t c;

	if (dma_mapping_error(dev, d))
		return;
	dma_alloc_coherent(dev, 8192, &c, GFP_KERNEL);
}

/* two live receive mappings sharing a cache line */
static noinline void edu_bug_overlap(struct edu *e)
{
	struct device *dev = dev_of(e);
	dma_addr_t a = dma_map_single(dev, e->buf, 256, DMA_FROM_DEVICE), b;

	if (dma_mapping_error(dev, a))
		return;
	b = dma_map_single(dev, e->buf + 64, 256, DMA_FROM_DEVICE);
	if (!dma_mapping_error(dev, b))
		dma_unmap_single(dev, b, 256, DMA_FROM_DEVICE);
	dma_unmap_single(dev, a, 256, DMA_FROM_DEVICE);
}

static noinline void edu_bug_zero_length(struct edu *e)
{
	struct device *dev = dev_of(e);
	dma_addr_t d = dma_map_single(dev, e->buf, 0, DMA_TO_DEVICE);

	if (!dma_mapping_error(dev, d))
		dma_unmap_single(dev, d, 0, DMA_TO_DEVICE);
}

/*
 * Unmap a receive buffer, then start the device's DMA engine writing to
 * the address just unmapped. Behind an IOMMU the write faults; without
 * one it lands in e->buf, still ours.
 */
static noinline void edu_bug_after_unmap(struct edu *e)
{
	struct device *dev = dev_of(e);
	dma_addr_t d = dma_map_single(dev, e->buf, 4096, DMA_FROM_DEVICE);
	int i;

	if (dma_mapping_error(dev, d))
		return;
	dma_unmap_single(dev, d, 4096, DMA_FROM_DEVICE);
	writeq(EDU_BUFFER, e->mmio + EDU_DMA_SRC);
	writeq(d, e->mmio + EDU_DMA_DST);
	writeq(64, e->mmio + EDU_DMA_CNT);
	writeq(EDU_DMA_RUN | EDU_DMA_TO_RAM, e->mmio + EDU_DMA_CMD);
	/* the engine runs from a 100 ms timer */
	for (i = 0; i < 50 && (readq(e->mmio + EDU_DMA_CMD) & EDU_DMA_RUN); i++)
		msleep(20);
}

static const struct {
	const char *name;
	void (*commit)(struct edu *e);
} bugs[] = {
	{ "double_unmap", edu_bug_double_unmap },
	{ "unmap_size", edu_bug_unmap_size },
	{ "unmap_direction", edu_bug_unmap_direction },
	{ "sync_unmapped", edu_bug_sync_unmapped },
	{ "free_unallocated", edu_bug_free_unallocated },
	{ "leak", edu_bug_leak },
	{ "overlap", edu_bug_overlap },
	{ "zero_length", edu_bug_zero_length },
	{ "sg_direction", edu_bug_sg_direction },
	{ "sync_sg_unmapped", edu_bug_sync_sg_unmapped },
	{ "after_unmap", edu_bug_after_unmap },
};

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct edu *e;
	size_t i;
	int err;

	e = devm_kzalloc(dev, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	e->pdev = pdev;
	err = pcim_enable_device(pdev);
	if (err)
		return err;
	e->mmio = pcim_iomap(pdev, 0, 0);
	if (!e->mmio)
		return -ENOMEM;
	pci_set_master(pdev);
	/* the engine drives 28 address bits */
	err = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(28));
	if (err)
		return err;
#ifdef CONFIG_DMA_NEED_SYNC
	/* x86 skips syncs on coherent devices, and with them their
	 * tracepoints: sync as a non-coherent platform would */
	dev->dma_skip_sync = false;
#endif
	e->buf = devm_kzalloc(dev, 2 * PAGE_SIZE, GFP_KERNEL);
	e->ring = dma_alloc_coherent(dev, 4096, &e->ring_dma, GFP_KERNEL);
	if (!e->buf || !e->ring) {
		if (e->ring)
			dma_free_coherent(dev, 4096, e->ring, e->ring_dma);
		return -ENOMEM;
	}
	pci_set_drvdata(pdev, e);
	edu_clean_rx(e);
	edu_clean_sg(e);
	for (i = 0; i < ARRAY_SIZE(bugs); i++)
		if (!strcmp(bug, bugs[i].name)) {
			dev_info(dev, "committing %s\n", bug);
			bugs[i].commit(e);
		}
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *e = pci_get_drvdata(pdev);

	edu_clean_rx(e);
	dma_free_coherent(&pdev->dev, 4096, e->ring, e->ring_dma);
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(EDU_VENDOR, EDU_DEVICE) }, {}
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "dmatop_edu",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("DMA API misuse on QEMU's edu device, for dmatop's tests");
MODULE_LICENSE("GPL");
