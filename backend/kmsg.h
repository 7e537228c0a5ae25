/*
 * kmsg.h - IOMMU faults as the kernel logs them, for the IOMMU drivers
 * that do not report through report_iommu_fault() and its tracepoint.
 *
 * Intel VT-d is one: its fault handler only logs, in a line such as
 *
 *   DMAR: [DMA Write NO_PASID] Request device [00:02.0] fault addr
 *   0xeffc000 [fault reason 0x05] PTE Write access is not set
 *
 * dmatop reads /dev/kmsg from where it stood when dmatop started and
 * takes these lines from the kernel's own facility only (user space can
 * write to /dev/kmsg, under the user facility). The kernel rate-limits
 * the lines (10 in 5 s): faults beyond that leave no trace here.
 */
#ifndef DMATOP_KMSG_H
#define DMATOP_KMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dm_kmsg_fault {
	uint64_t ts_ns; /* the record's time, since boot */
	uint64_t addr;	/* the faulting DMA address (IOVA) */
	char dev[16];	/* PCI name, "0000:00:02.0" */
	bool write;
	unsigned reason; /* the IOMMU's fault reason code */
};

/*
 * The log's clock is the scheduler's (local_clock), not the monotonic
 * clock of the tracepoints: the two differ by an offset set during boot
 * (tens of milliseconds under emulation) that NTP then slews. To map one
 * onto the other dmatop writes a marker line into the log, under the
 * user facility ("dmatop-clock TOKEN"), and reads back when the log
 * stamped it.
 */
#define DM_KMSG_MARK 2

/* Parse one /dev/kmsg record ("pri,seq,usec,flags;text\n..."): 1 and
 * *out filled for a VT-d DMA fault logged by the kernel; DM_KMSG_MARK
 * for a marker, its time in ts_ns and its token in addr; 0 for any
 * other record, -EINVAL for one that is not a record. */
int dm_kmsg_parse(const char *rec, size_t len, struct dm_kmsg_fault *out);

/* /dev/kmsg, non-blocking, positioned at its end, writable where this
 * user may write it: fd or -errno. */
int dm_kmsg_open(void);
/* The next fault (1) or marker (DM_KMSG_MARK), 0 when no record waits,
 * -EPIPE when records were overwritten before they were read (counted
 * by the caller), -errno. */
int dm_kmsg_read(int fd, struct dm_kmsg_fault *out);
/* Log a marker with token: 0, or -errno (a read-only fd: -EBADF). */
int dm_kmsg_mark(int fd, uint64_t token);

#endif
