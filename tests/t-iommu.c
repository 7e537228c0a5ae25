/*
 * t-iommu.c - IOMMU groups counted from a sysfs-shaped tree: strict and
 * lazy DMA domains told apart, the others and unreadable groups left
 * out, no directory at all being no IOMMU; VT-d told by its units' names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "iommu.h"
#include "sysfs.h"
#include "tap.h"

static char root[] = "/tmp/t-iommu.XXXXXX";

static void group(const char *name, const char *type)
{
	sysfs_node(root, name, "type", type);
}

int main(void)
{
	struct dm_iommu_groups g;
	char cmd[300];

	if (!mkdtemp(root))
		return 1;
	group("0", "DMA-FQ\n");
	group("1", "DMA\n");
	group("2", "identity\n");
	group("3", "DMA-FQ\n");
	group("4", "unmanaged\n");
	group("5", NULL); /* no type file: an older kernel */
	group("6", "DMA-FQX\n");
	ok(dm_iommu_groups(root, &g) == 0, "a tree of 7 groups reads");
	ok(g.translated == 3, "3 translate the DMA API's mappings (%u)",
	   g.translated);
	ok(g.lazy == 2, "2 of them flush lazily (%u)", g.lazy);

	snprintf(cmd, sizeof(cmd), "%s/none", root);
	g.lazy = 9;
	ok(dm_iommu_groups(cmd, &g) == 0 && !g.translated && !g.lazy,
	   "no directory: no IOMMU, nothing counted");
	ok(dm_iommu_groups("/etc/hostname", &g) == -ENOTDIR,
	   "a file where the directory should be is an error");

	/* /sys/class/iommu: VT-d units are dmarN, AMD-Vi's ivhdN */
	group("ivhd0", NULL);
	ok(!dm_iommu_vtd(root), "no dmarN: no VT-d");
	group("dmar1", NULL);
	ok(dm_iommu_vtd(root), "dmar1: VT-d");
	ok(!dm_iommu_vtd(cmd), "no directory: no VT-d");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		diag("could not remove %s", root);
	return done_testing();
}
