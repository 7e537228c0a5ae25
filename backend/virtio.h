/*
 * virtio.h - whether virtio devices use the DMA API at all.
 *
 * A virtio device's rings go through the DMA API of its transport (the
 * PCI function) only when the host offers VIRTIO_F_ACCESS_PLATFORM
 * (feature bit 33); without it the driver hands the host guest-physical
 * addresses and no dma:* event ever fires. sysfs says which:
 * /sys/bus/virtio/devices/NAME/features, one '0' or '1' a bit.
 */
#ifndef DMATOP_VIRTIO_H
#define DMATOP_VIRTIO_H

/* 1: NAME (virtio0) was offered VIRTIO_F_ACCESS_PLATFORM; 0: not;
 * -ENOENT: no such virtio device, or no feature bits to read. dir is
 * /sys/bus/virtio/devices. */
int dm_virtio_dma(const char *dir, const char *name);

/* Of the virtio devices in dir, how many, and how many of them use the
 * DMA API. */
void dm_virtio_census(const char *dir, unsigned *n, unsigned *dma);

#endif
