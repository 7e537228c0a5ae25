/*
 * dmatrace.h - what the BPF program and user space share: the ring
 * buffer's records. Pointer-free, explicit widths, included by both
 * sides (the BPF side defines DMATRACE_BPF and brings its own types).
 *
 * A record is either one dm_event (the project's event record, with the
 * kernel's struct device pointer as the adapter handle) or, the first
 * time the program sees a device, a description of it.
 */
#ifndef DMATOP_DMATRACE_H
#define DMATOP_DMATRACE_H

#ifndef DMATRACE_BPF
#include <stdint.h>
#include "event.h"
#endif

#define DMATRACE_NAME_LEN 48
/* return addresses kept per event: the tracing frames, the DMA API's
 * own, then the driver's call */
#define DMATRACE_STACK 8

/* words of kernel stack above a program's context sent to calibrate */
#define DMATRACE_WINDOW 128
/* frames map values past any offset: do not calibrate, always walk;
 * take no caller at all (user space cannot name one) */
#define DMATRACE_WALK 0xffffffffu
#define DMATRACE_NONE 0xfffffffeu
/* one event in this many per CPU and program walks the stack anyway, to
 * check the calibration */
#define DMATRACE_CHECK_EVERY 512

enum dmatrace_type {
	DMATRACE_EVENT = 1, /* stack: the kernel stack, walked */
	DMATRACE_DEVICE = 2,
	DMATRACE_EVENT_RA = 3, /* stack[0]: the caller's return address,
				  read where calibration found it */
	DMATRACE_FRAMES = 4,   /* struct dmatrace_frames */
};

struct dmatrace_device {
	uint64_t dev; /* struct device * */
	uint64_t dma_mask, coherent_dma_mask;
	uint32_t max_seg_size;
	uint32_t coherent; /* dev->dma_coherent */
	uint32_t probing;  /* described from inside probe() */
	uint32_t iommu;	   /* in an IOMMU group: its DMA goes through one */
	char bus[16];	   /* dev->bus->name: "pci", "platform", ... */
	char name[DMATRACE_NAME_LEN];	/* dev_name() */
	char driver[DMATRACE_NAME_LEN]; /* dev->driver->name */
};

struct dmatrace_record {
	uint32_t type; /* enum dmatrace_type */
	uint32_t cpu;
	uint64_t drops; /* records lost so far, all CPUs: the ones lost
			   since the previous record came before this one */
	union {
		struct dm_event ev;
		struct dmatrace_device dev;
	};
	uint64_t stack[DMATRACE_STACK]; /* events: kernel return addresses */
};

/*
 * Follows an event whose stack was walked, for calibration: the walked
 * return addresses and the stack words from the program's context up.
 * Where the driver's return address is among those words, every later
 * event of the program reads it there instead of walking the stack.
 */
struct dmatrace_frames {
	uint32_t type; /* DMATRACE_FRAMES */
	uint32_t slot; /* the program */
	uint64_t stack[DMATRACE_STACK];
	uint64_t window[DMATRACE_WINDOW];
};

#endif
