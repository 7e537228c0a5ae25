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

enum dmatrace_type {
	DMATRACE_EVENT = 1,
	DMATRACE_DEVICE = 2,
};

struct dmatrace_device {
	uint64_t dev; /* struct device * */
	uint64_t dma_mask, coherent_dma_mask;
	uint32_t max_seg_size;
	uint32_t coherent; /* dev->dma_coherent */
	uint32_t probing;  /* described from inside probe() */
	uint32_t pad;
	char name[DMATRACE_NAME_LEN];	/* dev_name() */
	char driver[DMATRACE_NAME_LEN]; /* dev->driver->name */
};

struct dmatrace_record {
	uint32_t type; /* enum dmatrace_type */
	uint32_t cpu;
	uint64_t drops; /* this CPU's records lost so far: the ones lost
			   since its previous record came just before */
	union {
		struct dm_event ev;
		struct dmatrace_device dev;
	};
	uint64_t stack[DMATRACE_STACK]; /* events: kernel return addresses */
};

#endif
