/*
 * simmem.h - the simulated machine's memory: physical pages with real
 * bytes behind them, system virtual address ranges that map onto them, and
 * a pool of handles for HAL objects.
 *
 * Physical memory is one host allocation: phys address P lives at
 * bytes[P - DM_SIM_PHYS_BASE]. System VA is linear over it (VA = P +
 * DM_SIM_VA_OFFSET), plus a second window at DM_SIM_VA2 that maps the top
 * of physical memory (the seed's example maps a buffer at 0xf83c003c).
 * Pages are handed out first-fit from a bitmap; HAL objects (adapters, map
 * register files, MDLs) get addresses from a reserved pool range, which
 * keeps them apart from buffers though they have no bytes of their own.
 */
#ifndef DMATOP_SIMMEM_H
#define DMATOP_SIMMEM_H

#include <stdint.h>

#define DM_SIM_PAGE	    4096u
#define DM_SIM_PHYS_BASE    0x01000000ull
#define DM_SIM_PHYS_SIZE    0x04000000ull /* 64 MiB */
#define DM_SIM_VA_OFFSET    0x80400000ull
#define DM_SIM_VA2	    0xf8000000ull /* second window ... */
#define DM_SIM_VA2_SIZE	    0x00800000ull
#define DM_SIM_VA2_PHYS	    0x04800000ull /* ... onto this */
#define DM_SIM_POOL_BASE    0x82f00000ull /* handle pool (VA) */
#define DM_SIM_POOL_BUMP    0x82fc0000ull /* where the bump starts */
#define DM_SIM_POOL_END	    0x84000000ull
#define DM_SIM_POOL_CLASSES 64

struct dm_simmem {
	uint8_t *bytes;
	uint64_t *used; /* bitmap, one bit a page */
	uint32_t npages;
	uint32_t cursor;    /* next-fit start */
	uint64_t pool_next; /* bump pointer of the handle pool */
	uint64_t pool_free[DM_SIM_POOL_CLASSES]; /* by 16-byte class */
	uint64_t pages_used;
};

int dm_simmem_init(struct dm_simmem *m);
void dm_simmem_fini(struct dm_simmem *m);

/* Pages: returns a physical address, or 0 when none are free. With at
 * non-zero, exactly there or 0 if any page there is taken. */
uint64_t dm_simmem_alloc(struct dm_simmem *m, uint32_t npages, uint64_t at);
void dm_simmem_free(struct dm_simmem *m, uint64_t phys, uint32_t npages);

/* Host pointer for [phys, phys+len), NULL if outside memory. */
uint8_t *dm_simmem_phys(struct dm_simmem *m, uint64_t phys, uint64_t len);
/* Host pointer for system VA [va, va+len), NULL if not mapped. */
uint8_t *dm_simmem_va(struct dm_simmem *m, uint64_t va, uint64_t len);
uint64_t dm_simmem_va_to_phys(uint64_t va);
uint64_t dm_simmem_phys_to_va(uint64_t phys);

/* Handles for HAL objects: 8-byte aligned, reused after free. */
uint64_t dm_simmem_handle(struct dm_simmem *m, uint32_t size);
void dm_simmem_handle_free(struct dm_simmem *m, uint64_t h, uint32_t size);

#endif
