/*
 * event.h - the one event record every source produces.
 *
 * The simulated HAL, the eBPF program and the replay reader all emit this
 * struct; the verifier, the shared-memory publisher and the recorder consume
 * it. It is fixed-size, pointer-free and has explicit widths so that the BPF
 * side, the on-disk recording and the shared-memory ring can share it
 * unchanged. Strings (adapter names, owners, callers) never travel in an
 * event: they are interned in a dm_strtab and referred to by id.
 *
 * Field use per kind is documented beside each kind below; unused fields
 * are zero. Addresses are 64-bit whatever the source: the simulated HAL
 * hands out 32-bit-looking addresses, Linux real ones.
 */
#ifndef DMATOP_EVENT_H
#define DMATOP_EVENT_H

/* the BPF side brings its own fixed-width types */
#ifndef __bpf__
#include <stdbool.h>
#include <stdint.h>
#endif

enum dm_event_kind {
	DM_EV_NONE = 0,
	/*
	 * IoGetDmaAdapter / a device first seen doing DMA.
	 * obj = device object, va = wait context block, dma = master adapter
	 * (0 if none), len = DEVICE_DESCRIPTION.MaximumLength,
	 * arg[0] = packed description (DM_DESC_*), arg[1] = owner's return
	 * address, arg[2] = name string id | max map registers << 32.
	 */
	DM_EV_ADAPTER_GET = 1,
	DM_EV_ADAPTER_GET_OBSOLETE = 2, /* HalGetAdapter: fields as above */
	DM_EV_ADAPTER_PUT = 3,		/* PutDmaAdapter */
	DM_EV_ADAPTER_REF = 4,		/* ObReferenceObject(adapter) */
	DM_EV_ADAPTER_DEREF = 5,	/* ObDereferenceObject(adapter) */
	/* AllocateAdapterChannel: obj = WCB, arg[0] = map registers asked,
	 * arg[1] = largest run of contiguous free map registers in the pool */
	DM_EV_CHANNEL_ALLOC = 6,
	/* execution routine called: obj = map register base (the file),
	 * va = address of its first map register, arg[0] = registers,
	 * arg[1] = double buffer MDL; the registers follow each other
	 * DM_MAPREG_STRIDE bytes apart */
	DM_EV_CHANNEL_GRANT = 7,
	/* FreeAdapterChannel: obj = the map register base it frees with
	 * the channel (0: none, or kept: DM_F_KEEP_REGISTERS) */
	DM_EV_CHANNEL_FREE = 8,
	/* a driver callback returned: arg[0] = IRQL at entry, irql = at exit */
	DM_EV_CALLBACK_RETURN = 9,
	/* FreeMapRegisters: obj = map register base, arg[0] = registers */
	DM_EV_MAPREG_FREE = 10,
	/*
	 * MapTransfer / dma_map_page|phys: obj = map register base (HAL) or
	 * dma address (Linux), va = CurrentVa (HAL) or physical address,
	 * dma = logical address returned, len = bytes, arg[0] = MDL,
	 * arg[1] = MDL start VA, arg[2] = MDL ByteCount; flags = DM_MDL_*.
	 */
	DM_EV_MAP = 11,
	DM_EV_UNMAP = 12, /* dma_unmap_*: as DM_EV_MAP */
	/* FlushAdapterBuffers: fields as DM_EV_MAP, dma unused */
	DM_EV_FLUSH = 13,
	/* Get/BuildScatterGatherList: obj = SG list, other fields as MAP,
	 * arg[0] = MDL; for Build, flags has DM_F_BUILD and dma = the
	 * caller's buffer length */
	DM_EV_SG_MAP = 14,
	DM_EV_SG_UNMAP = 15, /* PutScatterGatherList: obj = list */
	/* AllocateCommonBuffer: obj = VA, dma = logical address, len */
	DM_EV_CB_ALLOC = 16,
	DM_EV_CB_FREE = 17, /* FreeCommonBuffer: as CB_ALLOC */
	/*
	 * Guard bytes read from real memory around a common buffer, on every
	 * verifier pass and before each free: obj = buffer VA, len = length,
	 * arg[0] = the 8 bytes before, arg[1] = the 8 bytes after,
	 * va = first padding byte before the buffer that is not 0x0F (0: none),
	 * dma = the same after the buffer.
	 */
	DM_EV_GUARD = 18,
	/* Fill of free map registers read from real memory:
	 * arg[0] = first byte that is not 0x0F (0: none) */
	DM_EV_MAPREG_GUARD = 19,
	DM_EV_SYNC_CPU = 20,	/* dma_sync_*_for_cpu */
	DM_EV_SYNC_DEVICE = 21, /* dma_sync_*_for_device */
	DM_EV_BOUNCE = 22,	/* swiotlb bounce */
	DM_EV_IOMMU_MAP = 23,	/* dma = iova, len */
	DM_EV_IOMMU_UNMAP = 24,
	/* IOMMU fault: obj = device object, dma = faulting address,
	 * arg[0] = fault type (DM_FAULT_*) */
	DM_EV_IOMMU_FAULT = 25,
	DM_EV_MAP_ERROR = 26, /* a map call failed */
	DM_EV_DRIVER_BIND = 27,
	DM_EV_DRIVER_UNBIND = 28,
	/* KeQueryPerformanceCounter: arg[0] = value, arg[1] = frequency */
	DM_EV_PERF_COUNTER = 29,
	/* system DMA controller: arg[0] = controller, arg[1] = channel */
	DM_EV_SYSDMA_START = 30,
	DM_EV_SYSDMA_DONE = 31, /* completed or cancelled */
	/* events the source lost: arg[0] = how many; from the kernel,
	 * tid = the CPU and arg[1] = what: DM_LOST_*; from a replay gap,
	 * flags DM_F_GAP and arg[1..2] = the first and last sequence
	 * number lost (from 1) */
	DM_EV_LOST = 32,
	DM_EV_KIND_MAX
};

/* DM_EV_LOST arg[1]: what the kernel source lost */
enum dm_lost_what {
	DM_LOST_EVENTS = 0,    /* the kernel's ring was full */
	DM_LOST_UEVENTS = 1,   /* bind/unbind messages: the socket overflowed */
	DM_LOST_KMSG = 2,      /* kernel log records, overwritten unread */
	DM_LOST_FAULTS = 3,    /* IOMMU faults on a device never seen */
	DM_LOST_RECORDING = 4, /* not in the recording: DM_F_GAP */
};

/* DM_EV_ADAPTER_GET arg[0]: the DEVICE_DESCRIPTION, packed */
#define DM_DESC_VERSION(d)     ((unsigned)((d)&0xff))
#define DM_DESC_MASTER	       (1ull << 8)
#define DM_DESC_SCATTER_GATHER (1ull << 9)
#define DM_DESC_DMA32	       (1ull << 10)
#define DM_DESC_DMA64	       (1ull << 11)
#define DM_DESC_NONCOHERENT    (1ull << 12) /* CPU caches not snooped */
#define DM_DESC_IOMMU	       (1ull << 13) /* behind an IOMMU */
#define DM_DESC_IFACE(d)       ((unsigned)(((d) >> 16) & 0xff))
#define DM_DESC_WIDTH(d)       ((unsigned)(((d) >> 24) & 0xff))
#define DM_DESC_CHANNEL(d)     ((unsigned)(((d) >> 32) & 0xff))
/* Linux only (0 elsewhere): how the device's DMA is done, and whether
 * swiotlb bounces every mapping */
#define DM_DESC_OPS(d)	    ((unsigned)(((d) >> 40) & 3))
#define DM_DESC_OPS_DIRECT  1u /* dma-direct */
#define DM_DESC_OPS_IOMMU   2u /* dma-iommu: through an IOMMU domain */
#define DM_DESC_OPS_OTHER   3u /* some other struct dma_map_ops */
#define DM_DESC_OPS_PACK(o) ((uint64_t)((o)&3) << 40)
#define DM_DESC_BOUNCE	    (1ull << 42)
/* the DMA mask's width in bits (28 for 0xfffffff; 0: not known) */
#define DM_DESC_MASK_BITS(d)	  ((unsigned)(((d) >> 48) & 0x7f))
#define DM_DESC_MASK_BITS_PACK(n) ((uint64_t)((n)&0x7f) << 48)
#define DM_DESC_PACK(ver, iface, width, chan)                                  \
	((uint64_t)(ver) | (uint64_t)(iface) << 16 | (uint64_t)(width) << 24 | \
	 (uint64_t)(chan) << 32)

#define DM_MAPREG_STRIDE 0xcu

/* event flags */
#define DM_MDL_LOCKED (1u << 0) /* pages locked (probed) */
#define DM_MDL_SYSVA  (1u << 1) /* mapped to system VA */
/* (eight bits at most: a recording stores flags in a byte or two) */
#define DM_F_MDL	    (1u << 2) /* arg[0..2] describe an MDL */
#define DM_F_BUILD	    (1u << 3) /* BuildScatterGatherList */
#define DM_F_FAILED	    (1u << 4) /* the call failed */
#define DM_F_KEEP_REGISTERS (1u << 5) /* channel freed, registers kept */
#define DM_F_GAP	    (1u << 6) /* DM_EV_LOST: a recording's gap */
#define DM_F_SG		    (1u << 7) /* a sync of a scatterlist (obj) */

enum dm_dir {
	DM_DIR_BIDI = 0,
	DM_DIR_TO_DEVICE = 1, /* WriteToDevice = TRUE */
	DM_DIR_FROM_DEVICE = 2,
	DM_DIR_NONE = 3,
};

/* IRQLs of the simulated HAL (x86 values) */
enum dm_irql {
	DM_PASSIVE_LEVEL = 0,
	DM_APC_LEVEL = 1,
	DM_DISPATCH_LEVEL = 2,
	DM_DIRQL = 12,
};

enum dm_fault_type {
	DM_FAULT_READ = 1,
	DM_FAULT_WRITE = 2,
};

struct dm_event {
	uint64_t seq;	  /* 1-based, gap-free per source */
	uint64_t ts;	  /* ns since the source started */
	uint64_t adapter; /* adapter handle; 0 = none given */
	uint64_t obj;	  /* the object acted on, per kind */
	uint64_t va;	  /* CPU-side address, per kind */
	uint64_t dma;	  /* device-side address, per kind */
	uint64_t len;	  /* bytes */
	uint64_t arg[3];  /* per kind */
	uint32_t caller;  /* strtab id of the calling function */
	uint32_t tid;	  /* simulated thread or kernel CPU */
	uint16_t kind;	  /* enum dm_event_kind */
	uint8_t dir;	  /* enum dm_dir */
	uint8_t irql;	  /* IRQL at the call (HAL), 0 on Linux */
	uint32_t flags;	  /* DM_MDL_*, DM_F_* */
};

_Static_assert(sizeof(struct dm_event) == 96, "dm_event is an ABI");

const char *dm_event_kind_name(unsigned kind);
const char *dm_dir_name(unsigned dir);
/* Does an event of this kind carry a transfer direction? (The events
 * view of dmatop.db(5) asks the same of its kinds.) */
bool dm_event_has_dir(unsigned kind);

#endif
