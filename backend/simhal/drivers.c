/*
 * drivers.c - the simulated drivers that well-behaved scenarios load.
 *
 * Each is a small state machine over the HAL, written the way its Windows
 * counterpart uses DMA, and each checks its own data after every round
 * trip through the device, so the double buffering and scatter/gather
 * paths are exercised with real bytes (dm_sim_checked counts them).
 *
 *   ndis      a NIC whose TX wire loops back into RX: packet DMA through
 *             map register files kept for the driver's life, descriptor
 *             rings in shared memory (common buffers) written by the device.
 *   scsiport  a storage controller over a RAM disk: scatter/gather lists,
 *             an uncached extension for its request blocks.
 *   flaky     common-buffer DMA with a bug now and then (mixed scenario).
 *   storm     as many map/flush pairs as the host can run.
 *   seed      the adapters and counters of the !dma example, exactly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MS 1000000ull
#define US 1000ull

static const struct dm_devdesc pci_desc = {
	.version = 2,
	.master = true,
	.dma32 = true,
	.iface = 5,
	.max_length = 0x1000,
};

/* ---------------------------------------------------------------- ndis */

#define NDIS_FILES   8
#define NDIS_CBS     4
#define NDIS_PKT_MAX 1514

struct ndis {
	struct dm_adapter *ad;
	uint64_t lifetime, born;
	bool reload; /* load again after unloading */
	int phase;   /* 0 load, 1 run, 2 unloaded */
	uint64_t file[NDIS_FILES];
	unsigned nfile;
	uint64_t cb[NDIS_CBS], cb_logical[NDIS_CBS];
	uint32_t cb_len[NDIS_CBS];
	uint64_t txbuf, rxbuf; /* one page each, nonpaged */
	struct dm_mdl *txmdl, *rxmdl;
	uint8_t wire[NDIS_PKT_MAX];
	uint32_t ring; /* next RX descriptor */
	uint64_t devobj;
};

static int ndis_keep_registers(struct dm_hal *hal, struct dm_thread *t,
			       void *ctx, uint64_t base)
{
	struct ndis *n = ctx;

	n->file[n->nfile++] = base;
	return DM_DEALLOCATE_OBJECT_KEEP_REGISTERS;
}

static void ndis_load(struct dm_sim *sim, struct dm_sim_driver *d,
		      struct ndis *n)
{
	static const uint32_t cb_len[NDIS_CBS] = { 0x1000, 0x2000, 0x800,
						   0x4000 };
	struct dm_hal *hal = dm_sim_hal(sim);
	struct dm_thread *t = &d->t;
	unsigned i;

	t->irql = DM_PASSIVE_LEVEL;
	dm_hal_caller(hal, t, "NDIS!NdisMRegisterScatterGatherDma");
	n->ad = dm_hal_get_adapter(hal, t, n->devobj, &pci_desc,
				   "PCI\\VEN_8086&DEV_100E (e1000)", 0x9fe24351,
				   NULL);
	if (!n->ad)
		return;
	dm_hal_caller(hal, t, "NDIS!NdisMAllocateSharedMemory");
	for (i = 0; i < NDIS_CBS; i++) {
		n->cb_len[i] = cb_len[i];
		n->cb[i] = dm_hal_alloc_common_buffer(hal, t, n->ad, cb_len[i],
						      &n->cb_logical[i]);
	}
	t->irql = DM_DISPATCH_LEVEL;
	dm_hal_caller(hal, t, "NDIS!NdisMAllocateMapRegisters");
	n->nfile = 0;
	for (i = 0; i < NDIS_FILES; i++)
		dm_hal_allocate_channel(hal, t, n->ad, 2, ndis_keep_registers,
					n);
	n->txbuf = dm_hal_pool_alloc(hal, DM_SIM_PAGE);
	n->rxbuf = dm_hal_pool_alloc(hal, DM_SIM_PAGE);
	n->txmdl = dm_hal_mdl_new(hal, n->txbuf, DM_SIM_PAGE);
	n->rxmdl = dm_hal_mdl_new(hal, n->rxbuf, DM_SIM_PAGE);
	if (n->txmdl && n->rxmdl) {
		dm_hal_mdl_build_nonpaged(n->txmdl);
		dm_hal_mdl_build_nonpaged(n->rxmdl);
	}
	t->irql = DM_PASSIVE_LEVEL;
}

static void ndis_unload(struct dm_sim *sim, struct dm_sim_driver *d,
			struct ndis *n)
{
	struct dm_hal *hal = dm_sim_hal(sim);
	struct dm_thread *t = &d->t;
	unsigned i;

	t->irql = DM_DISPATCH_LEVEL;
	dm_hal_caller(hal, t, "NDIS!NdisMFreeMapRegisters");
	for (i = 0; i < n->nfile; i++)
		dm_hal_free_map_registers(hal, t, n->ad, n->file[i], 2);
	t->irql = DM_PASSIVE_LEVEL;
	dm_hal_caller(hal, t, "NDIS!NdisMFreeSharedMemory");
	for (i = 0; i < NDIS_CBS; i++)
		if (n->cb[i])
			dm_hal_free_common_buffer(hal, t, n->ad, n->cb_len[i],
						  n->cb_logical[i], n->cb[i]);
	dm_hal_caller(hal, t, "NDIS!NdisMDeregisterScatterGatherDma");
	dm_hal_put_adapter(hal, t, n->ad);
	dm_hal_mdl_free(hal, n->txmdl);
	dm_hal_mdl_free(hal, n->rxmdl);
	dm_hal_pool_free(hal, n->txbuf, DM_SIM_PAGE);
	dm_hal_pool_free(hal, n->rxbuf, DM_SIM_PAGE);
	n->txmdl = n->rxmdl = NULL;
	n->ad = NULL;
}

/* One packet out through the wire and back in. */
static void ndis_packet(struct dm_sim *sim, struct dm_sim_driver *d,
			struct ndis *n)
{
	struct dm_hal *hal = dm_sim_hal(sim);
	struct dm_thread *t = &d->t;
	uint32_t len = 60 + (uint32_t)(dm_sim_rand(sim) % (NDIS_PKT_MAX - 60));
	uint32_t off = (uint32_t)(dm_sim_rand(sim) % 64) * 2;
	uint64_t f = dm_sim_rand(sim) % n->nfile, lg, bad = 0;
	uint8_t *tx = dm_hal_va(hal, n->txbuf + off, len);
	uint8_t *rx = dm_hal_va(hal, n->rxbuf + off, len);
	uint8_t desc[16];
	uint32_t i;

	if (!tx || !rx || !n->nfile)
		return;
	for (i = 0; i < len; i++)
		tx[i] = (uint8_t)(dm_sim_rand(sim) >> 24);
	t->irql = DM_DISPATCH_LEVEL;
	dm_hal_caller(hal, t, "NDIS!ndisMSendPacket");
	lg = dm_hal_map_transfer(hal, t, n->ad, n->txmdl, n->file[f],
				 n->txbuf + off, len, true);
	if (lg)
		dm_hal_device_dma(hal, n->ad, lg, n->wire, len, false);
	dm_hal_flush(hal, t, n->ad, n->txmdl, n->file[f], n->txbuf + off, len,
		     true);

	dm_hal_caller(hal, t, "NDIS!ndisMIndicateReceive");
	memset(rx, 0, len);
	lg = dm_hal_map_transfer(hal, t, n->ad, n->rxmdl, n->file[f],
				 n->rxbuf + off, len, false);
	if (lg)
		dm_hal_device_dma(hal, n->ad, lg, n->wire, len, true);
	/* the device posts an RX descriptor into the shared ring */
	memcpy(desc, &len, sizeof(len));
	memset(desc + 4, 0xa5, sizeof(desc) - 4);
	dm_hal_device_dma(hal, n->ad, n->cb_logical[0] + n->ring * 16, desc,
			  sizeof(desc), true);
	n->ring = (n->ring + 1) % (n->cb_len[0] / 16);
	dm_hal_flush(hal, t, n->ad, n->rxmdl, n->file[f], n->rxbuf + off, len,
		     false);
	t->irql = DM_PASSIVE_LEVEL;
	for (i = 0; i < len; i++)
		bad += rx[i] != tx[i];
	dm_sim_checked(sim, len, bad);
}

static int64_t ndis_step(struct dm_sim *sim, struct dm_sim_driver *d)
{
	struct ndis *n = d->state;
	uint64_t now = dm_hal_now(dm_sim_hal(sim));

	switch (n->phase) {
	case 0:
		ndis_load(sim, d, n);
		n->born = now;
		n->phase = n->ad ? 1 : 2;
		return n->ad ? (int64_t)(20 * US) : -1;
	case 1:
		if (n->lifetime && now - n->born >= n->lifetime) {
			ndis_unload(sim, d, n);
			n->phase = 2;
			return n->reload ? (int64_t)(50 * MS) : -1;
		}
		ndis_packet(sim, d, n);
		return (int64_t)(5 * US + dm_sim_rand(sim) % (40 * US));
	default:
		n->phase = 0;
		return 0;
	}
}

static void free_state(struct dm_sim *sim, struct dm_sim_driver *d)
{
	struct ndis *n = d->state;

	if (n && d->step == ndis_step) {
		dm_hal_mdl_free(dm_sim_hal(sim), n->txmdl);
		dm_hal_mdl_free(dm_sim_hal(sim), n->rxmdl);
	}
	free(d->state);
	d->state = NULL;
}

int dm_drv_ndis(struct dm_sim *sim, uint64_t lifetime_ns, bool reload,
		uint64_t start)
{
	struct ndis *n = calloc(1, sizeof(*n));
	int err;

	if (!n)
		return -ENOMEM;
	n->lifetime = lifetime_ns;
	n->reload = reload;
	n->devobj = 0x82f98690;
	err = dm_sim_load(sim, "ndis", ndis_step, free_state, n, start);
	if (err)
		free(n);
	return err;
}

/* ------------------------------------------------------------ scsiport */

#define DISK_BYTES (1u << 20)
#define IO_MAX	   (64u * 1024)

struct scsi {
	struct dm_adapter *ad;
	uint64_t lifetime, born;
	int phase;
	uint64_t ext, ext_logical; /* uncached extension */
	uint64_t buf;		   /* I/O buffer, IO_MAX + a page */
	uint8_t *disk;		   /* the device's own storage */
	bool write;
	uint32_t lba_off;
	uint64_t bad;
};

static void scsi_io(struct dm_hal *hal, struct dm_thread *t, void *ctx,
		    struct dm_sglist *sg)
{
	struct scsi *s = ctx;
	uint32_t i, at = s->lba_off;

	/* the controller walks the list: each element one DMA burst */
	for (i = 0; i < sg->n; i++) {
		dm_hal_device_dma(hal, s->ad, sg->el[i].addr, s->disk + at,
				  sg->el[i].len, !s->write);
		at += sg->el[i].len;
	}
	dm_hal_put_sg_list(hal, t, s->ad, sg, s->write);
}

static void scsi_request(struct dm_sim *sim, struct dm_sim_driver *d,
			 struct scsi *s)
{
	struct dm_hal *hal = dm_sim_hal(sim);
	struct dm_thread *t = &d->t;
	uint32_t len = (1 + (uint32_t)(dm_sim_rand(sim) % 16)) * 4096;
	uint32_t off = (uint32_t)(dm_sim_rand(sim) % 8) * 512;
	uint8_t *p = dm_hal_va(hal, s->buf + off, len);
	struct dm_mdl *mdl = dm_hal_mdl_new(hal, s->buf + off, len);
	uint64_t bad = 0;
	uint32_t i;

	if (!p || !mdl) {
		dm_hal_mdl_free(hal, mdl);
		return;
	}
	s->write = dm_sim_rand(sim) & 1;
	s->lba_off =
		(uint32_t)(dm_sim_rand(sim) % ((DISK_BYTES - IO_MAX) / 512)) *
		512;
	if (s->write)
		for (i = 0; i < len; i++)
			p[i] = (uint8_t)(dm_sim_rand(sim) >> 32);
	else
		memset(p, 0, len);
	dm_hal_mdl_lock(mdl);
	dm_hal_mdl_map(mdl);
	t->irql = DM_DISPATCH_LEVEL;
	dm_hal_caller(hal, t, "SCSIPORT!ScsiPortStartIo");
	dm_hal_get_sg_list(hal, t, s->ad, mdl, s->buf + off, len, scsi_io, s,
			   s->write);
	t->irql = DM_PASSIVE_LEVEL;
	for (i = 0; i < len; i++)
		bad += p[i] != s->disk[s->lba_off + i];
	dm_sim_checked(sim, len, bad);
	dm_hal_mdl_free(hal, mdl);
}

static int64_t scsi_step(struct dm_sim *sim, struct dm_sim_driver *d)
{
	static const struct dm_devdesc desc = {
		.version = 2,
		.master = true,
		.scatter_gather = true,
		.dma32 = true,
		.iface = 5,
		.max_length = IO_MAX,
	};
	struct dm_hal *hal = dm_sim_hal(sim);
	struct dm_thread *t = &d->t;
	struct scsi *s = d->state;
	uint64_t now = dm_hal_now(hal);

	switch (s->phase) {
	case 0:
		t->irql = DM_PASSIVE_LEVEL;
		dm_hal_caller(hal, t, "SCSIPORT!ScsiPortGetUncachedExtension");
		s->ad = dm_hal_get_adapter(hal, t, 0x82f98a10, &desc,
					   "PCI\\VEN_1000&DEV_0030 (lsi_scsi)",
					   0x9fe11000, NULL);
		if (!s->ad)
			return -1;
		s->ext = dm_hal_alloc_common_buffer(hal, t, s->ad, 0x3000,
						    &s->ext_logical);
		s->buf = dm_hal_pool_alloc(hal, IO_MAX + DM_SIM_PAGE);
		s->born = now;
		s->phase = 1;
		return (int64_t)(100 * US);
	case 1:
		if (s->lifetime && now - s->born >= s->lifetime) {
			dm_hal_caller(hal, t,
				      "SCSIPORT!ScsiPortFreeDeviceBase");
			if (s->ext)
				dm_hal_free_common_buffer(hal, t, s->ad, 0x3000,
							  s->ext_logical,
							  s->ext);
			dm_hal_put_adapter(hal, t, s->ad);
			dm_hal_pool_free(hal, s->buf, IO_MAX + DM_SIM_PAGE);
			return -1;
		}
		scsi_request(sim, d, s);
		return (int64_t)(50 * US + dm_sim_rand(sim) % (200 * US));
	}
	return -1;
}

static void scsi_fini(struct dm_sim *sim, struct dm_sim_driver *d)
{
	struct scsi *s = d->state;

	if (s)
		free(s->disk);
	free(s);
	d->state = NULL;
}

int dm_drv_scsiport(struct dm_sim *sim, uint64_t lifetime_ns, uint64_t start)
{
	struct scsi *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->disk = calloc(1, DISK_BYTES);
	if (!s->disk) {
		free(s);
		return -ENOMEM;
	}
	s->lifetime = lifetime_ns;
	err = dm_sim_load(sim, "scsiport", scsi_step, scsi_fini, s, start);
	if (err)
		scsi_fini(sim, &(struct dm_sim_driver){ .state = s });
	return err;
}

/* --------------------------------------------------------------- flaky */

struct flaky {
	struct dm_adapter *ad;
	uint64_t cb, logical;
	unsigned n;
};

/*
 * A device that shares one common buffer with its driver and, every few
 * hundred milliseconds, gets something wrong: the device writes past the
 * end of the buffer, or the driver frees it twice.
 */
static int64_t flaky_step(struct dm_sim *sim, struct dm_sim_driver *d)
{
	static const struct dm_devdesc desc = {
		.version = 3,
		.master = true,
		.scatter_gather = true,
		.dma32 = true,
		.dma64 = true,
		.iface = 5,
		.max_length = 0x10000,
	};
	struct dm_hal *hal = dm_sim_hal(sim);
	struct dm_thread *t = &d->t;
	struct flaky *f = d->state;
	uint8_t data[256];
	uint32_t len = 0x800;

	t->irql = DM_PASSIVE_LEVEL;
	dm_hal_caller(hal, t, "FLAKY!FlakyStartDevice");
	if (!f->ad)
		f->ad = dm_hal_get_adapter(hal, t, 0x82f99000, &desc,
					   "PCI\\VEN_1B36&DEV_0005 (flaky)",
					   0x9fe33000, NULL);
	if (!f->ad)
		return -1;
	dm_hal_caller(hal, t, "FLAKY!FlakyAllocateRing");
	f->cb = dm_hal_alloc_common_buffer(hal, t, f->ad, len, &f->logical);
	memset(data, 0x5a, sizeof(data));
	switch (dm_sim_rand(sim) % 8) {
	case 0: /* the device overruns its ring by a few bytes */
		dm_hal_device_dma(hal, f->ad, f->logical + len - 64, data,
				  64 + 4, true);
		break;
	default:
		dm_hal_device_dma(hal, f->ad, f->logical, data, sizeof(data),
				  true);
		break;
	}
	dm_hal_caller(hal, t, "FLAKY!FlakyFreeRing");
	dm_hal_free_common_buffer(hal, t, f->ad, len, f->logical, f->cb);
	if (dm_sim_rand(sim) % 8 == 0) /* and sometimes frees it again */
		dm_hal_free_common_buffer(hal, t, f->ad, len, f->logical,
					  f->cb);
	f->n++;
	return (int64_t)(100 * MS + dm_sim_rand(sim) % (400 * MS));
}

int dm_drv_flaky(struct dm_sim *sim, uint64_t start)
{
	struct flaky *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return -ENOMEM;
	err = dm_sim_load(sim, "flaky", flaky_step, free_state, f, start);
	if (err)
		free(f);
	return err;
}

/* --------------------------------------------------------------- storm */

#define STORM_FILES 4
#define STORM_BATCH 256

struct storm {
	struct dm_adapter *ad;
	uint64_t file[STORM_FILES];
	unsigned nfile;
	uint64_t buf;
	struct dm_mdl *mdl;
};

static int storm_keep(struct dm_hal *hal, struct dm_thread *t, void *ctx,
		      uint64_t base)
{
	struct storm *s = ctx;

	s->file[s->nfile++] = base;
	return DM_DEALLOCATE_OBJECT_KEEP_REGISTERS;
}

static int64_t storm_step(struct dm_sim *sim, struct dm_sim_driver *d)
{
	struct dm_hal *hal = dm_sim_hal(sim);
	struct dm_thread *t = &d->t;
	struct storm *s = d->state;
	unsigned i;

	if (!s->ad) {
		t->irql = DM_PASSIVE_LEVEL;
		dm_hal_caller(hal, t, "STORM!StormInitialize");
		s->ad = dm_hal_get_adapter(hal, t, 0x82f9a000, &pci_desc,
					   "PCI\\VEN_8086&DEV_10D3 (storm)",
					   0x9fe44000, NULL);
		if (!s->ad)
			return -1;
		t->irql = DM_DISPATCH_LEVEL;
		for (i = 0; i < STORM_FILES; i++)
			dm_hal_allocate_channel(hal, t, s->ad, 2, storm_keep,
						s);
		s->buf = dm_hal_pool_alloc(hal, DM_SIM_PAGE);
		s->mdl = dm_hal_mdl_new(hal, s->buf, DM_SIM_PAGE);
		if (!s->mdl || !s->nfile)
			return -1;
		dm_hal_mdl_build_nonpaged(s->mdl);
		dm_hal_caller(hal, t, "STORM!StormSend");
	}
	for (i = 0; i < STORM_BATCH; i++) {
		uint64_t f = s->file[i % s->nfile];
		uint64_t va = s->buf + (i % 32) * 64;

		dm_hal_map_transfer(hal, t, s->ad, s->mdl, f, va, 64, true);
		dm_hal_flush(hal, t, s->ad, s->mdl, f, va, 64, true);
	}
	return 0;
}

static void storm_fini(struct dm_sim *sim, struct dm_sim_driver *d)
{
	struct storm *s = d->state;

	if (s)
		dm_hal_mdl_free(dm_sim_hal(sim), s->mdl);
	free(s);
	d->state = NULL;
}

int dm_drv_storm(struct dm_sim *sim, const struct dm_scenario *sc)
{
	struct storm *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	err = dm_sim_load(sim, "storm", storm_step, storm_fini, s, 0);
	if (err)
		free(s);
	return err;
}

/* -------------------------------------------------------- seed example */

struct seed {
	struct dm_hal *hal;
	unsigned files;
};

static int seed_keep(struct dm_hal *hal, struct dm_thread *t, void *ctx,
		     uint64_t base)
{
	return DM_DEALLOCATE_OBJECT_KEEP_REGISTERS;
}

/* Map a few bytes of a buffer at a fixed VA through one register file. */
static void seed_map(struct dm_hal *hal, struct dm_thread *t,
		     struct dm_adapter *ad, uint64_t base, uint64_t va,
		     uint32_t len)
{
	struct dm_mdl *mdl = dm_hal_mdl_new(hal, va, len);

	if (!mdl)
		return;
	dm_hal_mdl_build_nonpaged(mdl);
	dm_hal_map_transfer(hal, t, ad, mdl, base, va, len, true);
	dm_hal_mdl_free(hal, mdl);
}

static int64_t seed_step(struct dm_sim *sim, struct dm_sim_driver *d)
{
	static const struct dm_devdesc scsi = {
		.version = 1,
		.master = true,
		.scatter_gather = true,
		.dma32 = true,
		.iface = 5,
		.max_length = 0x11000,
	};
	static const struct dm_devdesc ndis = {
		.version = 2,
		.master = true,
		.scatter_gather = true,
		.dma32 = true,
		.dma64 = true,
		.iface = 5,
		.max_length = 0x1000,
	};
	static const struct {
		uint64_t va;
		uint32_t len;
	} cbs[] = {
		{ 0x82e77000, 0x1000 },
		{ 0x82e817f8, 0x12010 },
		{ 0x82e95680, 0x4300 },
		{ 0x82e9d400, 0x4800 },
	};
	static const struct {
		uint64_t file, mdl;
	} files[] = {
		{ 0x82f06c58, 0x82f2c188 },
		{ 0x82f06228, 0x82f1b678 },
		{ 0x82fa5ad8, 0x82f1b048 },
	};
	struct dm_hal *hal = dm_sim_hal(sim);
	struct dm_thread *t = &d->t;
	struct dm_adapter *ad;
	uint64_t logical;
	unsigned i;

	t->irql = DM_PASSIVE_LEVEL;
	dm_hal_caller(hal, t, "SCSIPORT!ScsiPortGetUncachedExtension");
	dm_hal_place(hal, DM_PLACE_ADAPTER, 0x82faebd0);
	dm_hal_get_adapter(hal, t, 0x82faf030, &scsi,
			   "\\Device\\Scsi\\aic78xx1", 0x9fe10c2a, NULL);
	dm_hal_place(hal, DM_PLACE_ADAPTER, 0x82f88930);
	dm_hal_get_adapter(hal, t, 0x82f88e38, &scsi, "\\Device\\Scsi\\atapi1",
			   0x9fe10c2a, NULL);

	dm_hal_caller(hal, t, "NDIS!NdisMAllocateMapRegisters");
	dm_hal_place(hal, DM_PLACE_ADAPTER, 0x82f06cd0);
	dm_hal_place(hal, DM_PLACE_WCB, 0x82f2b604);
	ad = dm_hal_get_adapter(hal, t, 0x82f98690, &ndis,
				"\\Device\\NDIS\\E100B1", 0x9fe24351, NULL);
	if (!ad)
		return -1;
	dm_hal_caller(hal, t, "NDIS!NdisMAllocateSharedMemory");
	for (i = 0; i < 4; i++) {
		dm_hal_place(hal, DM_PLACE_CB, cbs[i].va);
		dm_hal_alloc_common_buffer(hal, t, ad, cbs[i].len, &logical);
	}
	/* 0x420 channels of two registers each, registers kept: 0x840 */
	t->irql = DM_DISPATCH_LEVEL;
	dm_hal_caller(hal, t, "NDIS!NdisMAllocateMapRegisters");
	for (i = 0; i < 0x420; i++) {
		if (i < 3) {
			dm_hal_place(hal, DM_PLACE_FILE, files[i].file);
			dm_hal_place(hal, DM_PLACE_DBL_MDL, files[i].mdl);
		}
		dm_hal_allocate_channel(hal, t, ad, 2, seed_keep, NULL);
	}
	dm_hal_caller(hal, t, "NDIS!ndisMSendPacket");
	/* the buffer the example maps at 82d17102 must be real memory */
	dm_simmem_alloc(dm_hal_mem(hal), 1, dm_simmem_va_to_phys(0x82d17000));
	seed_map(hal, t, ad, files[1].file, 0xf83c003c, 0xbc);
	seed_map(hal, t, ad, files[2].file, 0x82d17102, 0x36);
	t->irql = DM_PASSIVE_LEVEL;
	return -1;
}

int dm_drv_seed_example(struct dm_sim *sim, const struct dm_scenario *sc)
{
	return dm_sim_load(sim, "seed-example", seed_step, NULL, NULL, 0);
}

/* ------------------------------------------------------- hostile names */

/*
 * Device names and callers come from drivers and, on Linux, from the
 * kernel: nothing stops them holding terminal escape sequences. This
 * driver's names try to recolour the screen, clear it, retitle the
 * window, ring the bell, and hide in broken UTF-8 and C1 controls.
 */
static int64_t hostile_step(struct dm_sim *sim, struct dm_sim_driver *d)
{
	static const char *const names[] = {
		"\x1b[31mRED\x1b[0m \x1b]0;pwned\x07 evil",
		"\x1b[2J\x1b[Hcleared?",
		"bell\a\a and \r carriage return",
		"c1 \xc2\x9b"
		"31m and raw \x9b"
		" and bad \xff\xfe utf8",
		"\xe2\x80\xae right-to-left override",
	};
	struct dm_hal *hal = dm_sim_hal(sim);
	struct dm_thread *t = &d->t;
	uint64_t lg;
	unsigned i;

	t->irql = DM_PASSIVE_LEVEL;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct dm_adapter *ad;

		dm_hal_caller(hal, t, names[(i + 1) % 5]);
		ad = dm_hal_get_adapter(hal, t, 0x82f9f000 + i * 0x100,
					&pci_desc, names[i], 0x9fe66000, NULL);
		if (ad)
			dm_hal_alloc_common_buffer(hal, t, ad, 0x1000, &lg);
	}
	return -1;
}

int dm_drv_hostile_names(struct dm_sim *sim, const struct dm_scenario *sc)
{
	return dm_sim_load(sim, "hostile", hostile_step, NULL, NULL, 0);
}
