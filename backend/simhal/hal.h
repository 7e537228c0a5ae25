/*
 * hal.h - the simulated HAL: a Windows-style DMA API with real memory.
 *
 * Drivers (drivers.c, faults.c) call these routines the way a Windows
 * driver calls the HAL's DMA operations; each routine emits the event that
 * describes the call (before acting, so the verifier judges the call, not
 * its outcome) and then does what the HAL does: hands out map registers
 * and double-buffers transfers through them, allocates common buffers
 * wrapped in DmaVrfy0 tags and 0x0F padding, builds scatter/gather lists,
 * programs a system DMA controller, and maps device-visible pages in a
 * simulated IOMMU. A simulated device moves real bytes through logical
 * addresses, so an overrun really lands in a tag, padding or a free map
 * register, where the verifier pass finds it by reading memory.
 *
 * The HAL judges nothing: misuse is the verifier's business. Where a
 * routine cannot go on (a NULL adapter, too many map registers), it fails
 * the way the HAL does and says so in the event (DM_F_FAILED).
 *
 * Routine names follow the Windows ones: dm_hal_get_adapter is
 * IoGetDmaAdapter, dm_hal_map_transfer is MapTransfer, and so on.
 * Ownership: the HAL owns adapters, map register files, common buffers,
 * SG lists and MDLs it hands out; drivers own their dm_thread.
 */
#ifndef DMATOP_HAL_H
#define DMATOP_HAL_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"
#include "simmem.h"
#include "strtab.h"

#define DM_HAL_NREGS	 4096u	     /* map registers in the master pool */
#define DM_HAL_MAX_REGS	 4096u	     /* most one adapter may be granted */
#define DM_HAL_CALL_NS	 100u	     /* simulated cost of one HAL call */
#define DM_HAL_PERF_FREQ 10000000ull /* performance counter, Hz */

typedef void (*dm_hal_emit_fn)(void *ctx, const struct dm_event *ev);

/* A simulated thread: who is calling, and at what IRQL. */
struct dm_thread {
	uint32_t tid;
	uint8_t irql;
	uint32_t caller; /* strtab id of the calling routine */
};

struct dm_devdesc { /* DEVICE_DESCRIPTION */
	uint32_t version;
	bool master, scatter_gather, dma32, dma64;
	bool noncoherent;    /* platform: caches not snooped */
	bool iommu;	     /* platform: the device sits behind an IOMMU */
	uint8_t iface;	     /* INTERFACE_TYPE: 1 Isa, 5 PCIBus */
	uint8_t width;	     /* DMA_WIDTH */
	uint8_t channel;     /* system DMA channel (slave adapters) */
	uint32_t max_length; /* MaximumLength, bytes */
};

struct dm_mdl {
	uint64_t handle;
	uint64_t va; /* StartVa + ByteOffset */
	uint32_t byte_count;
	uint32_t flags; /* DM_MDL_LOCKED, DM_MDL_SYSVA */
};

struct dm_sg_element {
	uint64_t addr; /* logical address */
	uint32_t len;
};

struct dm_sglist {
	uint64_t handle;
	uint32_t n;
	bool put, built;	     /* HAL-private */
	struct dm_sglist *live_next; /* HAL-private */
	struct dm_sg_element el[];
};

enum dm_io_alloc_action { /* what an execution routine returns */
			  DM_KEEP_OBJECT = 1,
			  DM_DEALLOCATE_OBJECT = 2,
			  DM_DEALLOCATE_OBJECT_KEEP_REGISTERS = 3,
};

struct dm_hal;
struct dm_adapter;

typedef int (*dm_exec_fn)(struct dm_hal *hal, struct dm_thread *t, void *ctx,
			  uint64_t map_register_base);
typedef void (*dm_list_fn)(struct dm_hal *hal, struct dm_thread *t, void *ctx,
			   struct dm_sglist *sg);

/* What a scenario may break on purpose (fault injection). */
enum dm_hal_fault {
	DM_HAL_PERF_SKEW_NS, /* add to the performance counter, signed */
};

struct dm_hal_stats {
	uint64_t calls;
	uint64_t bytes_to_device, bytes_from_device;
	uint64_t iommu_faults;
	uint64_t mapregs_free;
};

struct dm_hal *dm_hal_new(struct dm_strtab *strings, dm_hal_emit_fn emit,
			  void *ctx);
void dm_hal_free(struct dm_hal *hal);

/* The simulated clock, ns. The scheduler moves it; calls tick it. */
uint64_t dm_hal_now(const struct dm_hal *hal);
void dm_hal_set_now(struct dm_hal *hal, uint64_t ns);
struct dm_simmem *dm_hal_mem(struct dm_hal *hal);
const struct dm_hal_stats *dm_hal_stats(const struct dm_hal *hal);
void dm_hal_inject(struct dm_hal *hal, enum dm_hal_fault f, int64_t value);
/* The string table the events' ids refer to. */
struct dm_strtab *dm_hal_strings(struct dm_hal *hal);
/* An event of another API than the HAL's (a Linux driver's), numbered,
 * timed and attributed to t as the HAL's own are. */
void dm_hal_emit(struct dm_hal *hal, struct dm_thread *t, struct dm_event *ev);
/* Name the routine a thread's next calls come from. */
void dm_hal_caller(struct dm_hal *hal, struct dm_thread *t, const char *fn);
/* Place the next object of a kind at a fixed address (seed example). */
enum dm_hal_place {
	DM_PLACE_ADAPTER,
	DM_PLACE_FILE,
	DM_PLACE_DBL_MDL,
	DM_PLACE_WCB,
	DM_PLACE_CB,
	DM_PLACE_MAX
};
void dm_hal_place(struct dm_hal *hal, enum dm_hal_place what, uint64_t addr);

/* IoGetDmaAdapter; *nregs gets the map registers allowed. NULL on
 * failure. */
struct dm_adapter *dm_hal_get_adapter(struct dm_hal *hal, struct dm_thread *t,
				      uint64_t devobj,
				      const struct dm_devdesc *desc,
				      const char *name, uint64_t owner_ra,
				      uint32_t *nregs);
/* HalGetAdapter (obsolete) */
struct dm_adapter *
dm_hal_get_adapter_obsolete(struct dm_hal *hal, struct dm_thread *t,
			    uint64_t devobj, const struct dm_devdesc *desc,
			    const char *name, uint32_t *nregs);
void dm_hal_put_adapter(struct dm_hal *hal, struct dm_thread *t,
			struct dm_adapter *ad);
void dm_hal_ref_adapter(struct dm_hal *hal, struct dm_thread *t,
			struct dm_adapter *ad);
void dm_hal_deref_adapter(struct dm_hal *hal, struct dm_thread *t,
			  struct dm_adapter *ad);
uint64_t dm_hal_adapter_handle(const struct dm_adapter *ad);

/* AllocateAdapterChannel: 0 when granted now, -EAGAIN when queued (the
 * routine runs later), -EINVAL when refused. */
int dm_hal_allocate_channel(struct dm_hal *hal, struct dm_thread *t,
			    struct dm_adapter *ad, uint32_t nregs,
			    dm_exec_fn fn, void *ctx);
void dm_hal_free_channel(struct dm_hal *hal, struct dm_thread *t,
			 struct dm_adapter *ad);
void dm_hal_free_map_registers(struct dm_hal *hal, struct dm_thread *t,
			       struct dm_adapter *ad, uint64_t base,
			       uint32_t nregs);
/* MapTransfer: returns the logical address, 0 when nothing was mapped. */
uint64_t dm_hal_map_transfer(struct dm_hal *hal, struct dm_thread *t,
			     struct dm_adapter *ad, const struct dm_mdl *mdl,
			     uint64_t base, uint64_t va, uint32_t len,
			     bool write_to_device);
/* FlushAdapterBuffers */
bool dm_hal_flush(struct dm_hal *hal, struct dm_thread *t,
		  struct dm_adapter *ad, const struct dm_mdl *mdl,
		  uint64_t base, uint64_t va, uint32_t len,
		  bool write_to_device);
/* AllocateCommonBuffer: returns the VA, 0 on failure. */
uint64_t dm_hal_alloc_common_buffer(struct dm_hal *hal, struct dm_thread *t,
				    struct dm_adapter *ad, uint32_t len,
				    uint64_t *logical);
void dm_hal_free_common_buffer(struct dm_hal *hal, struct dm_thread *t,
			       struct dm_adapter *ad, uint32_t len,
			       uint64_t logical, uint64_t va);
/* GetScatterGatherList: calls fn with the list; 0 or -errno. */
int dm_hal_get_sg_list(struct dm_hal *hal, struct dm_thread *t,
		       struct dm_adapter *ad, const struct dm_mdl *mdl,
		       uint64_t va, uint32_t len, dm_list_fn fn, void *ctx,
		       bool write_to_device);
/* BuildScatterGatherList: as above, into the caller's buffer. */
int dm_hal_build_sg_list(struct dm_hal *hal, struct dm_thread *t,
			 struct dm_adapter *ad, const struct dm_mdl *mdl,
			 uint64_t va, uint32_t len, dm_list_fn fn, void *ctx,
			 bool write_to_device, void *buf, uint32_t buflen);
void dm_hal_put_sg_list(struct dm_hal *hal, struct dm_thread *t,
			struct dm_adapter *ad, struct dm_sglist *sg,
			bool write_to_device);
/* Bytes BuildScatterGatherList needs for a transfer. */
uint32_t dm_hal_sg_list_size(uint64_t va, uint32_t len);

/* KeQueryPerformanceCounter */
uint64_t dm_hal_perf_counter(struct dm_hal *hal, struct dm_thread *t);

/* Memory for drivers: nonpaged system VA (0 when full). */
uint64_t dm_hal_pool_alloc(struct dm_hal *hal, uint32_t len);
void dm_hal_pool_free(struct dm_hal *hal, uint64_t va, uint32_t len);
/* IoAllocateMdl; then lock (MmProbeAndLockPages) and map
 * (MmGetSystemAddressForMdlSafe) as a driver would, or build for
 * nonpaged pool, which does both. */
struct dm_mdl *dm_hal_mdl_new(struct dm_hal *hal, uint64_t va, uint32_t len);
void dm_hal_mdl_lock(struct dm_mdl *mdl);
void dm_hal_mdl_map(struct dm_mdl *mdl);
void dm_hal_mdl_build_nonpaged(struct dm_mdl *mdl);
void dm_hal_mdl_free(struct dm_hal *hal, struct dm_mdl *mdl);
/* CPU access to system VA: NULL when not mapped. */
uint8_t *dm_hal_va(struct dm_hal *hal, uint64_t va, uint32_t len);

/* The device side: a bus-master transfer through logical addresses.
 * 0, or -EFAULT when the IOMMU blocked it (and reported the fault). */
int dm_hal_device_dma(struct dm_hal *hal, struct dm_adapter *ad,
		      uint64_t logical, void *buf, uint32_t len,
		      bool to_memory);
/* The system DMA controller finished (or cancelled) the channel's
 * transfer. */
void dm_hal_sysdma_complete(struct dm_hal *hal, struct dm_adapter *ad);

/* The verifier pass: read the guards of every common buffer and the fill
 * of every free map register a device wrote to, and report what is read. */
void dm_hal_verify_pass(struct dm_hal *hal);

#endif
