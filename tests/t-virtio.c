/*
 * t-virtio.c - virtio devices' use of the DMA API read from their
 * feature bits (bit 33, VIRTIO_F_ACCESS_PLATFORM) in a sysfs-shaped tree:
 * offered or not, too few bits or none to read being unknown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs.h"
#include "tap.h"
#include "virtio.h"

static char root[] = "/tmp/t-virtio.XXXXXX";

/* a device whose features are bits, or with no features file (NULL) */
static void device(const char *name, const char *bits)
{
	char text[80];

	snprintf(text, sizeof(text), "%s\n", bits ? bits : "");
	sysfs_node(root, name, "features", bits ? text : NULL);
}

/* 64 bits, those at the positions given set */
static const char *bits(int a, int b)
{
	static char s[65];

	memset(s, '0', 64);
	s[64] = 0;
	if (a >= 0)
		s[a] = '1';
	if (b >= 0)
		s[b] = '1';
	return s;
}

int main(void)
{
	unsigned n, dma;
	char cmd[300];

	if (!mkdtemp(root))
		return 1;
	device("virtio0", bits(32, -1)); /* VERSION_1 alone: a QEMU default */
	device("virtio1", bits(32, 33)); /* and ACCESS_PLATFORM */
	device("virtio2", "0110");	 /* cut short */
	device("virtio3", NULL);
	ok(dm_virtio_dma(root, "virtio0") == 0,
	   "bit 33 clear: no DMA API (bit 32, VERSION_1, is not it)");
	ok(dm_virtio_dma(root, "virtio1") == 1, "bit 33 set: the DMA API");
	ok(dm_virtio_dma(root, "virtio2") == -ENOENT,
	   "fewer than 34 bits: not known");
	ok(dm_virtio_dma(root, "virtio3") == -ENOENT,
	   "no features file: not known");
	ok(dm_virtio_dma(root, "virtio9") == -ENOENT, "no such device");
	ok(dm_virtio_dma(root, "../virtio1") == -ENOENT,
	   "a name with a slash is no device name");
	dm_virtio_census(root, &n, &dma);
	ok(n == 2 && dma == 1,
	   "census: 2 devices with bits to read, 1 using the DMA API (%u, %u)",
	   n, dma);
	snprintf(cmd, sizeof(cmd), "%s/none", root);
	dm_virtio_census(cmd, &n, &dma);
	ok(n == 0 && dma == 0, "no directory: no virtio devices");

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		diag("could not remove %s", root);
	return done_testing();
}
