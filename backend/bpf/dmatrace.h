/*
 * dmatrace.h - what the BPF program and user space share: the records
 * and the ring they cross in. Pointer-free, explicit widths, included by
 * both sides (the BPF side defines DMATRACE_BPF and brings its own
 * types).
 *
 * A record is one DMA API call (the fields of the project's event
 * record, with the kernel's struct device pointer as the adapter
 * handle), or the first time the program sees a device a description of
 * it: these go through the record ring (struct dmatrace_ctl). While a
 * program calibrates, the stack words it ran on go through a BPF ring
 * buffer, which also carries the nudges that wake the reader.
 */
#ifndef DMATOP_DMATRACE_H
#define DMATOP_DMATRACE_H

#ifndef DMATRACE_BPF
#include <stdint.h>
#endif

#define DMATRACE_NAME_LEN 48
/* return addresses kept per event: the tracing frames, the DMA API's
 * own, then the driver's call */
/* (12: the IOMMU's map event fires nine frames above the driver's call,
 * under the tracing frames, iommu_map_nosync(), iommu_map(), dma-iommu
 * and the DMA API) */
#define DMATRACE_STACK 12

/* words of kernel stack above a program's context sent to calibrate */
#define DMATRACE_WINDOW 128
/* frames map values past any offset: do not calibrate, always walk;
 * take no caller at all (user space cannot name one) */
#define DMATRACE_WALK 0xffffffffu
#define DMATRACE_NONE 0xfffffffeu
/* one event in this many per CPU and program walks the stack anyway, to
 * check the calibration */
#define DMATRACE_CHECK_EVERY 512
/* the fill check that may wake the reader, once in this many events per
 * CPU and program */
#define DMATRACE_QUERY_EVERY 32

/* the set of return addresses inside the DMA API: an address lives in
 * one of the two slots 2 * DMATRACE_INNER_SLOT(ra) and the one after */
#define DMATRACE_INNER_SETS 128
#define DMATRACE_INNER_SLOT(ra) \
	((uint32_t)(((ra) ^ ((ra) >> 9) ^ ((ra) >> 20)) % DMATRACE_INNER_SETS))
/* programs, at most: each has a word in dmatrace_ctl.frames */
#define DMATRACE_PROGS 48
/* in an event's kind: the sync names a scatterlist, not an address */
#define DMATRACE_KIND_SG 0x8000

enum dmatrace_type {
	DMATRACE_EVENT = 1, /* stack: the kernel stack, walked */
	DMATRACE_DEVICE = 2,
	DMATRACE_EVENT_RA = 3, /* stack[0] only: the caller's return
				  address, read where calibration found it
				  (0: no caller taken) */
	DMATRACE_FRAMES = 4,   /* struct dmatrace_frames */
	DMATRACE_NUDGE = 5,    /* a dmatrace_head: the record ring fills */
	DMATRACE_SYMBOL = 6,   /* struct dmatrace_symbol */
};

/* what every record starts with */
struct dmatrace_head {
	uint32_t type; /* enum dmatrace_type; in the record ring, written
			  last (0: the slot is claimed, not yet written) */
	uint32_t cpu;
	uint64_t drops; /* records lost so far, all CPUs: the ones lost
			   since the previous record came before this one */
};

struct dmatrace_device {
	struct dmatrace_head h;
	uint64_t dev; /* struct device * */
	uint64_t dma_mask, coherent_dma_mask;
	uint32_t max_seg_size;
	uint32_t coherent; /* dev->dma_coherent */
	uint32_t probing;  /* described from inside probe() */
	uint32_t iommu;	   /* in an IOMMU group: its DMA goes through one */
	uint32_t ops;	   /* DM_DESC_OPS_*: direct, IOMMU or other */
	uint32_t bounce;   /* swiotlb bounces every mapping */
	char bus[16];	   /* dev->bus->name: "pci", "platform", ... */
	char name[DMATRACE_NAME_LEN];	/* dev_name() */
	char driver[DMATRACE_NAME_LEN]; /* dev->driver->name */
};

/*
 * One DMA API call: the fields of a dm_event the kernel knows, every
 * byte written by the program (nothing to clear first). An event whose
 * caller was read where calibration put it (DMATRACE_EVENT_RA) ends
 * after stack[0]: what follows in its slot is stale.
 */
struct dmatrace_event {
	struct dmatrace_head h;
	uint64_t ts; /* bpf_ktime_get_ns() */
	uint64_t adapter, obj, va, dma, len;
	uint64_t arg0;
	uint32_t pid;
	uint16_t kind;
	uint8_t dir;
	uint8_t pad;
	uint64_t stack[DMATRACE_STACK]; /* kernel return addresses */
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

/*
 * A function of a module as it loads, through the BPF ring buffer: a
 * module loaded and unloaded between two reads of /proc/kallsyms (a
 * test module, say, and a read takes a second under emulation) would
 * leave its callers unnamed. A record of kind DMATRACE_SYMBOL_START
 * opens a module's functions with where its text lies (what was known
 * of an earlier load of it is stale); one record each follows; one of
 * kind DMATRACE_SYMBOL_END closes them, len how many did not fit.
 */
#define DMATRACE_SYMBOL_LEN 64
#define DMATRACE_MODULE_LEN 56 /* MODULE_NAME_LEN */

enum dmatrace_symbol_kind {
	DMATRACE_SYMBOL_START = 1, /* addr, len: the module's text */
	DMATRACE_SYMBOL_FUNC = 2,  /* addr, len: st_value, st_size */
	DMATRACE_SYMBOL_END = 3,   /* len: functions lost */
};

struct dmatrace_symbol {
	uint32_t type; /* DMATRACE_SYMBOL */
	uint32_t kind; /* enum dmatrace_symbol_kind */
	uint64_t addr, len;
	char name[DMATRACE_SYMBOL_LEN];
	char module[DMATRACE_MODULE_LEN];
};

/*
 * The record ring: slots of DMATRACE_SLOT bytes in an array map that
 * user space maps (a power of two of them). A program claims the next
 * slot with one atomic add on `head` and writes the record, its type
 * last; user space reads slots in claim order up to the first without a
 * type, clears their types, then moves `tail`. The BPF ring buffer's
 * reservation takes a lock with interrupts off, more than half of a
 * program's time under emulation; the add is the only shared write here.
 * A program claims nothing while `room` slots or more are unread: past
 * that the record is lost and counted (the slack behind `room` covers
 * programs that checked at the same time).
 */
struct dmatrace_ctl {
	uint64_t head; /* slots claimed: the programs' */
	uint64_t pad0[7];
	uint64_t tail; /* slots read: user space's */
	uint64_t pad1[7];
	/*
	 * What every event reads, on the same page: under emulation each
	 * page an event touches costs a walk of the page tables after every
	 * context switch. User space writes all but drops.
	 */
	uint64_t drops;	   /* records lost so far, all CPUs */
	uint32_t seen_gen; /* bumped at each unbind: see struct cpu_state */
	uint32_t nudged;   /* a nudge is on its way: no more until user
			      space has drained the ring and cleared it */
	uint32_t frames[DMATRACE_PROGS]; /* per program: where its caller's
					    return address is (see frames) */
	uint64_t inner[2 * DMATRACE_INNER_SETS]; /* return addresses
						    inside the DMA API */
};

#define DMATRACE_SLOT 192

union dmatrace_slot {
	struct dmatrace_head h;
	struct dmatrace_event event;
	struct dmatrace_device device;
	uint8_t bytes[DMATRACE_SLOT];
};

_Static_assert(sizeof(union dmatrace_slot) == DMATRACE_SLOT,
	       "a record outgrew its slot");

#endif
