/*
 * faults.c - one scenario per Bug Check 0xE6 code: a driver that does
 * everything right except one thing.
 *
 * Each runs a legal prelude (get an adapter, a buffer and its MDL), commits
 * its single misuse through the ordinary HAL routines, and cleans up in a
 * way that does not add a violation of its own where the HAL allows it.
 * Nothing here tells the verifier what happened: overruns are real writes
 * into real memory that the verifier pass later reads back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct fx {
	struct dm_hal *hal;
	struct dm_thread *t;
	struct dm_adapter *ad;
	uint64_t buf;	    /* 4 pages, nonpaged */
	struct dm_mdl *mdl; /* the first page of buf, nonpaged */
	uint64_t file[2];
	unsigned nfile;
};

#define BUF_PAGES 4

static const struct dm_devdesc fx_desc = {
	.version = 2,
	.master = true,
	.dma32 = true,
	.iface = 5,
	.max_length = 0x2000, /* 3 map registers */
};

static void at(struct fx *x, uint8_t irql, const char *fn)
{
	x->t->irql = irql;
	dm_hal_caller(x->hal, x->t, fn);
}

static int keep_registers(struct dm_hal *hal, struct dm_thread *t, void *ctx,
			  uint64_t base)
{
	struct fx *x = ctx;

	if (x->nfile < 2)
		x->file[x->nfile++] = base;
	return DM_DEALLOCATE_OBJECT_KEEP_REGISTERS;
}

static int keep_object(struct dm_hal *hal, struct dm_thread *t, void *ctx,
		       uint64_t base)
{
	return keep_registers(hal, t, ctx, base) ? DM_KEEP_OBJECT : 0;
}

static int deallocate(struct dm_hal *hal, struct dm_thread *t, void *ctx,
		      uint64_t base)
{
	return DM_DEALLOCATE_OBJECT;
}

/* lowers the IRQL it was called at and returns so */
static int lower_irql(struct dm_hal *hal, struct dm_thread *t, void *ctx,
		      uint64_t base)
{
	t->irql = DM_PASSIVE_LEVEL;
	return keep_registers(hal, t, ctx, base);
}

static int fx_open(struct fx *x, const struct dm_devdesc *d)
{
	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyAddDevice");
	x->ad = dm_hal_get_adapter(x->hal, x->t, 0x82f9b000, d,
				   "PCI\\VEN_1234&DEV_11E8 (faulty)",
				   0x9fe55000, NULL);
	x->buf = dm_hal_pool_alloc(x->hal, BUF_PAGES * DM_SIM_PAGE);
	x->mdl = dm_hal_mdl_new(x->hal, x->buf, DM_SIM_PAGE);
	if (!x->ad || !x->buf || !x->mdl)
		return -ENOMEM;
	dm_hal_mdl_build_nonpaged(x->mdl);
	return 0;
}

static uint64_t fx_channel(struct fx *x, uint32_t nregs)
{
	at(x, DM_DISPATCH_LEVEL, "FAULTY!FaultyStartIo");
	dm_hal_allocate_channel(x->hal, x->t, x->ad, nregs, keep_registers, x);
	return x->nfile ? x->file[x->nfile - 1] : 0;
}

static uint64_t fx_map(struct fx *x, const struct dm_mdl *mdl, uint64_t base,
		       uint64_t va, uint32_t len, bool write)
{
	return dm_hal_map_transfer(x->hal, x->t, x->ad, mdl, base, va, len,
				   write);
}

static void fx_flush(struct fx *x, const struct dm_mdl *mdl, uint64_t base,
		     uint64_t va, uint32_t len, bool write)
{
	dm_hal_flush(x->hal, x->t, x->ad, mdl, base, va, len, write);
}

/* Give back map registers and the adapter, then the driver's memory. */
static void fx_close(struct fx *x, uint32_t nregs)
{
	unsigned i;

	at(x, DM_DISPATCH_LEVEL, "FAULTY!FaultyStopDevice");
	for (i = 0; i < x->nfile; i++)
		dm_hal_free_map_registers(x->hal, x->t, x->ad, x->file[i],
					  nregs);
	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyRemoveDevice");
	if (x->ad)
		dm_hal_put_adapter(x->hal, x->t, x->ad);
}

static void fx_free(struct fx *x)
{
	dm_hal_mdl_free(x->hal, x->mdl);
	if (x->buf)
		dm_hal_pool_free(x->hal, x->buf, BUF_PAGES * DM_SIM_PAGE);
}

static struct dm_mdl *fx_mdl(struct fx *x, uint64_t va, uint32_t len, bool lock,
			     bool map)
{
	struct dm_mdl *mdl = dm_hal_mdl_new(x->hal, va, len);

	if (mdl && lock)
		dm_hal_mdl_lock(mdl);
	if (mdl && map)
		dm_hal_mdl_map(mdl);
	return mdl;
}

/* ---- one function a code ---- */

static void f_flush_past_mdl(struct fx *x) /* 0x00.1 */
{
	uint64_t f = fx_channel(x, 2);

	fx_map(x, x->mdl, f, x->buf + 0xf00, 0x100, true);
	fx_flush(x, x->mdl, f, x->buf + 0xf00, 0x200, true);
	fx_close(x, 2);
}

static void f_mapreg_exhausted(struct fx *x) /* 0x00.2 */
{
	static const struct dm_devdesc big = {
		.version = 2,
		.master = true,
		.dma32 = true,
		.iface = 5,
		.max_length = 3000 * 4096,
	};
	struct fx other = *x;

	/* one adapter holds 3000 of the pool's registers ... */
	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyAddDevice");
	dm_hal_put_adapter(x->hal, x->t, x->ad);
	x->ad = dm_hal_get_adapter(x->hal, x->t, 0x82f9b000, &big,
				   "PCI\\VEN_1234&DEV_11E8 (faulty)",
				   0x9fe55000, NULL);
	fx_channel(x, 3000);
	/* ... and another wants 2000 contiguous ones */
	at(x, DM_PASSIVE_LEVEL, "FAULTY2!Faulty2AddDevice");
	other.ad = dm_hal_get_adapter(x->hal, x->t, 0x82f9c000, &big,
				      "PCI\\VEN_1234&DEV_11E9 (faulty2)",
				      0x9fe56000, NULL);
	other.nfile = 0;
	fx_channel(&other, 2000); /* waits for registers */
	fx_close(x, 3000);	  /* ... which lets it through */
	fx_close(&other, 2000);
}

static void f_perf(struct fx *x, int64_t skew) /* 0x01, 0x02 */
{
	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyMeasureLatency");
	dm_hal_perf_counter(x->hal, x->t);
	dm_hal_inject(x->hal, DM_HAL_PERF_SKEW_NS, skew);
	dm_hal_perf_counter(x->hal, x->t);
	fx_close(x, 0);
}

static void f_perf_decreased(struct fx *x)
{
	f_perf(x, -1000000);
}

static void f_perf_too_fast(struct fx *x)
{
	f_perf(x, 10000000000ll);
}

static uint64_t fx_cb(struct fx *x, uint32_t len, uint64_t *logical)
{
	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyAllocateRing");
	return dm_hal_alloc_common_buffer(x->hal, x->t, x->ad, len, logical);
}

static void fx_cb_free(struct fx *x, uint32_t len, uint64_t logical,
		       uint64_t va)
{
	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyFreeRing");
	dm_hal_free_common_buffer(x->hal, x->t, x->ad, len, logical, va);
}

static void f_cb_double_free(struct fx *x) /* 0x03 */
{
	uint64_t lg, va = fx_cb(x, 0x1000, &lg);

	fx_cb_free(x, 0x1000, lg, va);
	fx_cb_free(x, 0x1000, lg, va);
	fx_close(x, 0);
}

static void f_channel_double_free(struct fx *x) /* 0x04 */
{
	at(x, DM_DISPATCH_LEVEL, "FAULTY!FaultyStartIo");
	dm_hal_allocate_channel(x->hal, x->t, x->ad, 0, keep_object, x);
	dm_hal_free_channel(x->hal, x->t, x->ad);
	dm_hal_free_channel(x->hal, x->t, x->ad);
	x->nfile = 0;
	fx_close(x, 0);
}

static void f_mapreg_double_free(struct fx *x) /* 0x05 */
{
	uint64_t f = fx_channel(x, 2);

	dm_hal_free_map_registers(x->hal, x->t, x->ad, f, 2);
	fx_close(x, 2); /* frees them again */
}

static void sg_keep(struct dm_hal *hal, struct dm_thread *t, void *ctx,
		    struct dm_sglist *sg)
{
	*(struct dm_sglist **)ctx = sg;
}

static struct dm_sglist *fx_sg(struct fx *x)
{
	struct dm_sglist *sg = NULL;

	at(x, DM_DISPATCH_LEVEL, "FAULTY!FaultyStartIo");
	dm_hal_get_sg_list(x->hal, x->t, x->ad, x->mdl, x->buf, 0x800, sg_keep,
			   &sg, true);
	return sg;
}

static void f_sg_double_free(struct fx *x) /* 0x06 */
{
	struct dm_sglist *sg = fx_sg(x);

	dm_hal_put_sg_list(x->hal, x->t, x->ad, sg, true);
	dm_hal_put_sg_list(x->hal, x->t, x->ad, sg, true);
	fx_close(x, 0);
}

static void f_put_leaks_cb(struct fx *x) /* 0x07 */
{
	uint64_t lg;

	fx_cb(x, 0x1000, &lg);
	fx_close(x, 0);
}

static void f_put_leaks_channel(struct fx *x) /* 0x08 */
{
	at(x, DM_DISPATCH_LEVEL, "FAULTY!FaultyStartIo");
	dm_hal_allocate_channel(x->hal, x->t, x->ad, 0, keep_object, x);
	x->nfile = 0;
	fx_close(x, 0);
}

static void f_put_leaks_mapreg(struct fx *x) /* 0x09 */
{
	fx_channel(x, 2);
	x->nfile = 0;
	fx_close(x, 0);
}

static void f_put_leaks_sg(struct fx *x) /* 0x0A */
{
	fx_sg(x);
	fx_close(x, 0);
}

static void f_channel_twice(struct fx *x) /* 0x0B */
{
	at(x, DM_DISPATCH_LEVEL, "FAULTY!FaultyStartIo");
	dm_hal_allocate_channel(x->hal, x->t, x->ad, 0, keep_object, x);
	dm_hal_allocate_channel(x->hal, x->t, x->ad, 0, deallocate, x);
	dm_hal_free_channel(x->hal, x->t, x->ad); /* runs the second */
	x->nfile = 0;
	fx_close(x, 0);
}

static void f_mapreg_over_max(struct fx *x) /* 0x0C */
{
	fx_channel(x, 4); /* the adapter allows 3 */
	fx_close(x, 0);
}

static void f_not_flushed(struct fx *x) /* 0x0D */
{
	static const struct dm_devdesc two = {
		.version = 2,
		.master = true,
		.dma32 = true,
		.iface = 5,
		.max_length = 0x1000, /* 2 registers: 8 KiB at a time */
	};
	struct dm_mdl *mdl = fx_mdl(x, x->buf, 4 * DM_SIM_PAGE, true, true);

	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyAddDevice");
	dm_hal_put_adapter(x->hal, x->t, x->ad);
	x->ad = dm_hal_get_adapter(x->hal, x->t, 0x82f9b000, &two,
				   "PCI\\VEN_1234&DEV_11E8 (faulty)",
				   0x9fe55000, NULL);
	fx_channel(x, 2);
	fx_channel(x, 2);
	fx_map(x, mdl, x->file[0], x->buf, 0x2000, true);
	fx_map(x, mdl, x->file[1], x->buf + 0x2000, 0x1000, true);
	fx_flush(x, mdl, x->file[0], x->buf, 0x2000, true);
	fx_flush(x, mdl, x->file[1], x->buf + 0x2000, 0x1000, true);
	fx_close(x, 2);
	dm_hal_mdl_free(x->hal, mdl);
}

/* a map whose MDL is wrong in one way */
static void fx_bad_mdl(struct fx *x, bool lock, bool map)
{
	struct dm_mdl *mdl = fx_mdl(x, x->buf, 0x1000, lock, map);
	uint64_t f = fx_channel(x, 2);

	fx_map(x, mdl, f, x->buf, 0x100, true);
	fx_flush(x, mdl, f, x->buf, 0x100, true);
	fx_close(x, 2);
	dm_hal_mdl_free(x->hal, mdl);
}

static void f_pageable(struct fx *x) /* 0x0E */
{
	fx_bad_mdl(x, false, true);
}

static void f_not_in_sysva(struct fx *x) /* 0x22 */
{
	fx_bad_mdl(x, true, false);
}

static void f_cpu_write(struct fx *x, int64_t off, uint32_t len)
{
	uint64_t lg, va = fx_cb(x, 0x1000, &lg);
	uint8_t *p = dm_hal_va(x->hal, va + off, len);

	if (p) /* the driver's own stray write */
		memset(p, 0xcc, len);
	fx_cb_free(x, 0x1000, lg, va);
	fx_close(x, 0);
}

static void f_dev_write(struct fx *x, int64_t off, uint32_t len)
{
	uint8_t data[0x1100];
	uint64_t lg, va = fx_cb(x, 0x1000, &lg);

	memset(data, 0xdd, sizeof(data));
	dm_hal_device_dma(x->hal, x->ad, lg + off, data, len, true);
	fx_cb_free(x, 0x1000, lg, va);
	fx_close(x, 0);
}

static void f_tag_before(struct fx *x) /* 0x0F.1 */
{
	f_cpu_write(x, -4, 4);
}

static void f_tag_after(struct fx *x) /* 0x0F.2 */
{
	f_dev_write(x, 0, 0x1000 + 4);
}

static void f_pad_before(struct fx *x) /* 0x0F.4 */
{
	f_cpu_write(x, -16, 4);
}

static void f_pad_after(struct fx *x) /* 0x0F.5 */
{
	f_dev_write(x, 0x1000 + 8 + 2, 2);
}

static void f_free_mapreg_overwritten(struct fx *x) /* 0x0F.3 */
{
	uint8_t data[64];
	uint64_t f = fx_channel(x, 1), lg;

	lg = fx_map(x, x->mdl, f, x->buf, sizeof(data), false);
	fx_flush(x, x->mdl, f, x->buf, sizeof(data), false);
	fx_close(x, 1);
	/* the device still holds the logical address and uses it */
	memset(data, 0xee, sizeof(data));
	if (lg)
		dm_hal_device_dma(x->hal, x->ad, lg, data, sizeof(data), true);
}

static void f_free_while_mapped(struct fx *x) /* 0x10 */
{
	uint64_t f = fx_channel(x, 2);

	fx_map(x, x->mdl, f, x->buf, 0x100, true);
	fx_close(x, 2);
}

static void f_too_many_refs(struct fx *x) /* 0x11 */
{
	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyOpen");
	dm_hal_ref_adapter(x->hal, x->t, x->ad);
	dm_hal_ref_adapter(x->hal, x->t, x->ad);
	dm_hal_put_adapter(x->hal, x->t, x->ad);
	dm_hal_deref_adapter(x->hal, x->t, x->ad);
	dm_hal_deref_adapter(x->hal, x->t, x->ad);
	fx_close(x, 0);
}

static void f_irql_not_expected(struct fx *x) /* 0x13.1 */
{
	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyStartIo");
	dm_hal_allocate_channel(x->hal, x->t, x->ad, 2, keep_registers, x);
	fx_close(x, 2);
}

static void f_irql_too_high(struct fx *x) /* 0x13.2 */
{
	uint64_t f = fx_channel(x, 2);

	at(x, DM_DIRQL, "FAULTY!FaultyInterruptService");
	fx_map(x, x->mdl, f, x->buf, 0x100, true);
	at(x, DM_DISPATCH_LEVEL, "FAULTY!FaultyDpc");
	fx_flush(x, x->mdl, f, x->buf, 0x100, true);
	fx_close(x, 2);
}

static void f_irql_callback(struct fx *x) /* 0x14 */
{
	at(x, DM_DISPATCH_LEVEL, "FAULTY!FaultyStartIo");
	dm_hal_allocate_channel(x->hal, x->t, x->ad, 2, lower_irql, x);
	fx_close(x, 2);
}

static void f_mapreg_over_file(struct fx *x) /* 0x15 */
{
	struct dm_mdl *mdl = fx_mdl(x, x->buf, 0x2000, true, true);
	uint64_t f = fx_channel(x, 1);

	fx_map(x, mdl, f, x->buf, 0x1800, true);
	fx_close(x, 1);
	dm_hal_mdl_free(x->hal, mdl);
}

static void f_flush_unmapped_buffer(struct fx *x) /* 0x16 */
{
	uint64_t f = fx_channel(x, 2);

	fx_map(x, x->mdl, f, x->buf, 0x100, true);
	fx_flush(x, x->mdl, f, x->buf + 0x800, 0x100, true);
	fx_flush(x, x->mdl, f, x->buf, 0x100, true);
	fx_close(x, 2);
}

static void f_after_put(struct fx *x) /* 0x18 */
{
	uint64_t lg;

	fx_close(x, 0);
	fx_cb(x, 0x1000, &lg);
}

static void f_null_adapter(struct fx *x) /* 0x19 */
{
	uint64_t lg;

	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyAllocateRing");
	dm_hal_alloc_common_buffer(x->hal, x->t, NULL, 0x1000, &lg);
	fx_close(x, 0);
}

static void f_address_outside_mdl(struct fx *x) /* 0x1B */
{
	uint64_t f = fx_channel(x, 2);

	fx_map(x, x->mdl, f, x->buf, 0x100, true);
	fx_flush(x, x->mdl, f, x->buf + 0x1010, 0x100, true);
	fx_flush(x, x->mdl, f, x->buf, 0x100, true);
	fx_close(x, 2);
}

static void f_already_mapped(struct fx *x) /* 0x1D */
{
	fx_channel(x, 2);
	fx_channel(x, 2);
	fx_map(x, x->mdl, x->file[0], x->buf, 0x200, true);
	fx_map(x, x->mdl, x->file[1], x->buf + 0x100, 0x200, true);
	fx_flush(x, x->mdl, x->file[0], x->buf, 0x200, true);
	fx_close(x, 2);
}

static void f_obsolete(struct fx *x) /* 0x1E */
{
	struct dm_adapter *old;

	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyLegacyInit");
	old = dm_hal_get_adapter_obsolete(x->hal, x->t, 0x82f9d000, &fx_desc,
					  "ISA\\legacy", NULL);
	if (old)
		dm_hal_put_adapter(x->hal, x->t, old);
	fx_close(x, 0);
}

/* MapTransfer at va for len against the one-page MDL, then flush the
 * first `flush` bytes (0: the transfer was too broken to be mapped) */
static void fx_bounds(struct fx *x, uint64_t va, uint32_t len, bool write,
		      uint32_t flush)
{
	uint64_t f = fx_channel(x, 2);

	fx_map(x, x->mdl, f, va, len, write);
	if (flush)
		fx_flush(x, x->mdl, f, va, flush, write);
	fx_close(x, 2);
}

static void f_before_mdl(struct fx *x) /* 0x1F.1 */
{
	fx_bounds(x, x->buf - 0x10, 0x100, true, 0);
}

static void f_after_mdl(struct fx *x) /* 0x1F.2 */
{
	fx_bounds(x, x->buf + 0x1000, 0x100, true, 0);
}

static void f_crosses_page(struct fx *x) /* 0x1F.3 */
{
	fx_bounds(x, x->buf + 0xf00, 0x200, true, 0);
}

static void fx_noncoherent(struct fx *x)
{
	static const struct dm_devdesc nc = {
		.version = 2,
		.master = true,
		.dma32 = true,
		.iface = 5,
		.noncoherent = true,
		.max_length = 0x2000,
	};

	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyAddDevice");
	dm_hal_put_adapter(x->hal, x->t, x->ad);
	x->ad = dm_hal_get_adapter(x->hal, x->t, 0x82f9b000, &nc,
				   "ARM\\faulty-noncoherent", 0x9fe55000, NULL);
}

static void f_va_unaligned(struct fx *x) /* 0x1F.4 */
{
	fx_noncoherent(x);
	fx_bounds(x, x->buf + 0x10, 0x40, false, 0x40);
}

static void f_len_unaligned(struct fx *x) /* 0x1F.5 */
{
	fx_noncoherent(x);
	fx_bounds(x, x->buf, 0x50, false, 0x50);
}

static void f_flush_unmapped_mapreg(struct fx *x) /* 0x20 */
{
	uint64_t f = fx_channel(x, 2);

	fx_flush(x, x->mdl, f, x->buf, 0x100, true);
	fx_close(x, 2);
}

static void f_zero_length(struct fx *x) /* 0x21 */
{
	fx_bounds(x, x->buf, 0, true, 0);
}

static void f_sysdma_flush_busy(struct fx *x) /* 0x23 */
{
	static const struct dm_devdesc isa = {
		.version = 2,
		.master = false,
		.iface = 1,
		.width = 1,
		.channel = 2,
		.max_length = 0x1000,
	};
	uint64_t f;

	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyAddDevice");
	dm_hal_put_adapter(x->hal, x->t, x->ad);
	x->ad = dm_hal_get_adapter(x->hal, x->t, 0x82f9b000, &isa,
				   "ISA\\floppy", 0x9fe55000, NULL);
	f = fx_channel(x, 1);
	fx_map(x, x->mdl, f, x->buf, 0x200, false);
	/* flushed while the controller is still transferring */
	fx_flush(x, x->mdl, f, x->buf, 0x200, false);
	dm_hal_sysdma_complete(x->hal, x->ad);
	fx_close(x, 1);
}

static void f_buffer_too_short(struct fx *x) /* 0x24 */
{
	struct dm_mdl *mdl = fx_mdl(x, x->buf, 0xf80, true, true);
	uint64_t f = fx_channel(x, 2);

	fx_map(x, mdl, f, x->buf + 0xf00, 0xa0, true);
	fx_flush(x, mdl, f, x->buf + 0xf00, 0x80, true);
	fx_close(x, 2);
	dm_hal_mdl_free(x->hal, mdl);
}

static void f_unknown_version(struct fx *x) /* 0x25 */
{
	struct dm_devdesc v4 = fx_desc;

	v4.version = 4;
	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyAddDevice");
	dm_hal_get_adapter(x->hal, x->t, 0x82f9e000, &v4, "PCI\\future",
			   0x9fe55000, NULL);
	fx_close(x, 0);
}

static void f_iommu_fault(struct fx *x) /* 0x26 */
{
	static const struct dm_devdesc behind = {
		.version = 3,
		.master = true,
		.scatter_gather = true,
		.dma32 = true,
		.dma64 = true,
		.iommu = true,
		.iface = 5,
		.max_length = 0x10000,
	};
	uint8_t data[64] = { 0 };

	at(x, DM_PASSIVE_LEVEL, "FAULTY!FaultyAddDevice");
	dm_hal_put_adapter(x->hal, x->t, x->ad);
	x->ad = dm_hal_get_adapter(x->hal, x->t, 0x82f9b000, &behind,
				   "PCI\\VEN_1234&DEV_11E8 (faulty, iommu)",
				   0x9fe55000, NULL);
	/* the device writes to memory nobody mapped for it */
	dm_hal_device_dma(x->hal, x->ad, dm_simmem_va_to_phys(x->buf) + 0x40,
			  data, sizeof(data), true);
	fx_close(x, 0);
}

/* ---- the scenario table ---- */

typedef void (*fault_fn)(struct fx *x);

/* clang-format off */
static const struct {
	uint8_t code, sub;
	fault_fn fn;
} faults[] = {
	{ 0x00, 1, f_flush_past_mdl }, { 0x00, 2, f_mapreg_exhausted },
	{ 0x01, 0, f_perf_decreased }, { 0x02, 0, f_perf_too_fast },
	{ 0x03, 0, f_cb_double_free }, { 0x04, 0, f_channel_double_free },
	{ 0x05, 0, f_mapreg_double_free }, { 0x06, 0, f_sg_double_free },
	{ 0x07, 0, f_put_leaks_cb }, { 0x08, 0, f_put_leaks_channel },
	{ 0x09, 0, f_put_leaks_mapreg }, { 0x0a, 0, f_put_leaks_sg },
	{ 0x0b, 0, f_channel_twice }, { 0x0c, 0, f_mapreg_over_max },
	{ 0x0d, 0, f_not_flushed }, { 0x0e, 0, f_pageable },
	{ 0x0f, 1, f_tag_before }, { 0x0f, 2, f_tag_after },
	{ 0x0f, 3, f_free_mapreg_overwritten }, { 0x0f, 4, f_pad_before },
	{ 0x0f, 5, f_pad_after }, { 0x10, 0, f_free_while_mapped },
	{ 0x11, 0, f_too_many_refs }, { 0x13, 1, f_irql_not_expected },
	{ 0x13, 2, f_irql_too_high }, { 0x14, 0, f_irql_callback },
	{ 0x15, 0, f_mapreg_over_file }, { 0x16, 0, f_flush_unmapped_buffer },
	{ 0x18, 0, f_after_put }, { 0x19, 0, f_null_adapter },
	{ 0x1b, 0, f_address_outside_mdl }, { 0x1d, 0, f_already_mapped },
	{ 0x1e, 0, f_obsolete }, { 0x1f, 1, f_before_mdl },
	{ 0x1f, 2, f_after_mdl }, { 0x1f, 3, f_crosses_page },
	{ 0x1f, 4, f_va_unaligned }, { 0x1f, 5, f_len_unaligned },
	{ 0x20, 0, f_flush_unmapped_mapreg }, { 0x21, 0, f_zero_length },
	{ 0x22, 0, f_not_in_sysva }, { 0x23, 0, f_sysdma_flush_busy },
	{ 0x24, 0, f_buffer_too_short }, { 0x25, 0, f_unknown_version },
	{ 0x26, 0, f_iommu_fault },
};
/* clang-format on */

#define NFAULTS (sizeof(faults) / sizeof(faults[0]))

static int64_t fault_step(struct dm_sim *sim, struct dm_sim_driver *d)
{
	const struct dm_scenario *sc = d->state;
	struct fx x = { .hal = dm_sim_hal(sim), .t = &d->t };
	size_t i;

	for (i = 0; i < NFAULTS; i++)
		if (faults[i].code == sc->code && faults[i].sub == sc->sub)
			break;
	if (i < NFAULTS && !fx_open(&x, &fx_desc))
		faults[i].fn(&x);
	fx_free(&x);
	return -1;
}

static int fault_load(struct dm_sim *sim, const struct dm_scenario *sc)
{
	/* the state is the const scenario itself: nothing to free */
	return dm_sim_load(sim, "faulty", fault_step, NULL, (void *)sc, 0);
}

/* clang-format off */
#define F(name, c, s, what) { name, what, 0, fault_load, c, s }
const struct dm_scenario dm_fault_scenarios[] = {
	F("fault-0x00.1", 0x00, 1, "flushes more bytes than the MDL has left"),
	F("fault-0x00.2", 0x00, 2, "asks for more contiguous map registers than are free"),
	F("fault-0x01", 0x01, 0, "the performance counter goes backwards"),
	F("fault-0x02", 0x02, 0, "the performance counter jumps 10 s ahead"),
	F("fault-0x03", 0x03, 0, "frees a common buffer twice"),
	F("fault-0x04", 0x04, 0, "frees an adapter channel twice"),
	F("fault-0x05", 0x05, 0, "frees map registers twice"),
	F("fault-0x06", 0x06, 0, "puts a scatter/gather list twice"),
	F("fault-0x07", 0x07, 0, "releases the adapter holding a common buffer"),
	F("fault-0x08", 0x08, 0, "releases the adapter holding its channel"),
	F("fault-0x09", 0x09, 0, "releases the adapter holding map registers"),
	F("fault-0x0A", 0x0a, 0, "releases the adapter holding an SG list"),
	F("fault-0x0B", 0x0b, 0, "asks for a second adapter channel"),
	F("fault-0x0C", 0x0c, 0, "asks for more map registers than allowed"),
	F("fault-0x0D", 0x0d, 0, "maps more than it may without flushing"),
	F("fault-0x0E", 0x0e, 0, "maps a buffer whose pages are not locked"),
	F("fault-0x0F.1", 0x0f, 1, "the driver writes just before its common buffer"),
	F("fault-0x0F.2", 0x0f, 2, "the device writes 4 bytes past a common buffer"),
	F("fault-0x0F.3", 0x0f, 3, "the device writes through a freed map register"),
	F("fault-0x0F.4", 0x0f, 4, "the driver writes into the padding before a buffer"),
	F("fault-0x0F.5", 0x0f, 5, "the device writes into the padding after a buffer"),
	F("fault-0x10", 0x10, 0, "frees map registers that still map a buffer"),
	F("fault-0x11", 0x11, 0, "releases an adapter with references left"),
	F("fault-0x13.1", 0x13, 1, "allocates a channel at PASSIVE_LEVEL"),
	F("fault-0x13.2", 0x13, 2, "calls MapTransfer from its ISR (DIRQL)"),
	F("fault-0x14", 0x14, 0, "its execution routine lowers the IRQL"),
	F("fault-0x15", 0x15, 0, "maps two pages through a one-register file"),
	F("fault-0x16", 0x16, 0, "flushes a buffer the file does not map"),
	F("fault-0x18", 0x18, 0, "uses its adapter after releasing it"),
	F("fault-0x19", 0x19, 0, "passes a NULL adapter"),
	F("fault-0x1B", 0x1b, 0, "flushes an address outside the MDL"),
	F("fault-0x1D", 0x1d, 0, "maps a range that is already mapped"),
	F("fault-0x1E", 0x1e, 0, "calls HalGetAdapter"),
	F("fault-0x1F.1", 0x1f, 1, "maps from before the MDL's start"),
	F("fault-0x1F.2", 0x1f, 2, "maps from after the MDL's end"),
	F("fault-0x1F.3", 0x1f, 3, "maps past the MDL into the next page"),
	F("fault-0x1F.4", 0x1f, 4, "non-coherent device, buffer not cache aligned"),
	F("fault-0x1F.5", 0x1f, 5, "non-coherent device, length not cache aligned"),
	F("fault-0x20", 0x20, 0, "flushes a map register file that maps nothing"),
	F("fault-0x21", 0x21, 0, "maps zero bytes"),
	F("fault-0x22", 0x22, 0, "maps a buffer not mapped in system VA"),
	F("fault-0x23", 0x23, 0, "flushes a system DMA channel mid-transfer"),
	F("fault-0x24", 0x24, 0, "transfers more bytes than the MDL holds"),
	F("fault-0x25", 0x25, 0, "passes DEVICE_DESCRIPTION version 4"),
	F("fault-0x26", 0x26, 0, "the device writes where the IOMMU maps nothing"),
	{ NULL },
};
/* clang-format on */
