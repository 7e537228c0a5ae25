/*
 * iommu.h - how the kernel's IOMMU groups translate DMA, from sysfs.
 *
 * dmatop catches DMA after unmap when the IOMMU faults on it. A group
 * whose DMA domain defers the IOTLB flush after an unmap ("DMA-FQ", the
 * lazy mode many distributions boot in) lets the device reach the page
 * until the flush, fault-free: that is worth telling the user up front,
 * with the boot option that closes the window.
 */
#ifndef DMATOP_IOMMU_H
#define DMATOP_IOMMU_H

#include <stdbool.h>

struct dm_iommu_groups {
	unsigned translated; /* groups whose DMA is translated ("DMA*") */
	unsigned lazy;	     /* of them, flushed lazily ("DMA-FQ") */
};

/* Count the groups under dir (/sys/kernel/iommu_groups). 0, with both
 * counts 0 when there is no such directory (no IOMMU), or a negative
 * errno. */
int dm_iommu_groups(const char *dir, struct dm_iommu_groups *out);

/* Is there an Intel VT-d unit ("dmarN") under dir (/sys/class/iommu)?
 * It alone reports its faults only in the kernel log. */
bool dm_iommu_vtd(const char *dir);

#endif
