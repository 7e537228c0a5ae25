/*
 * t-linux.c - the Linux rule set, fed synthetic events of the shape the
 * eBPF source produces: each rule fires on its misuse and stays quiet on
 * the nearest correct use; objects from before dmatop started are
 * counted, not flagged.
 */
#include <string.h>

#include "tap.h"
#include "verifier.h"

#define DEV  0xffff888004a1c000ull
#define PHYS 0x12345000ull
#define DMA  0xfffff000ull
#define SGL  0xffff888007f3e200ull /* a struct scatterlist */

struct t {
	struct dm_vrf *vrf;
	struct dm_violation v[16];
	int n;
	uint64_t seq;
	uint32_t caller; /* of the events fed */
};

static void collect(void *ctx, const struct dm_violation *v)
{
	struct t *t = ctx;

	if (t->n < 16)
		t->v[t->n] = *v;
	t->n++;
}

static void start(struct t *t)
{
	memset(t, 0, sizeof(*t));
	t->vrf = dm_vrf_new(DM_RULES_LINUX, collect, t);
}

static void feed_flags(struct t *t, uint16_t kind, uint64_t obj, uint64_t va,
		       uint64_t dma, uint64_t len, uint8_t dir, uint32_t flags)
{
	struct dm_event ev = { .seq = ++t->seq,
			       .flags = flags,
			       .ts = t->seq * 1000,
			       .adapter = DEV,
			       .kind = kind,
			       .obj = obj,
			       .va = va,
			       .dma = dma,
			       .len = len,
			       .dir = dir,
			       .caller = t->caller };

	dm_vrf_feed(t->vrf, &ev);
}

static void feed(struct t *t, uint16_t kind, uint64_t obj, uint64_t va,
		 uint64_t dma, uint64_t len, uint8_t dir)
{
	feed_flags(t, kind, obj, va, dma, len, dir, 0);
}

/* a scatterlist: nents asked, ents mapped */
static void map_sg(struct t *t, uint64_t nents, uint64_t ents, uint8_t dir)
{
	feed(t, DM_EV_SG_MAP, SGL, 0, ents, nents, dir);
}

static void unmap_sg(struct t *t, uint64_t nents, uint8_t dir)
{
	feed(t, DM_EV_SG_UNMAP, SGL, 0, 0, nents, dir);
}

static void sync_sg(struct t *t, uint16_t kind, uint64_t nents, uint8_t dir)
{
	feed_flags(t, kind, SGL, 0, 0, nents, dir, DM_F_SG);
}

static void map(struct t *t, uint64_t dma, uint64_t phys, uint64_t len,
		uint8_t dir)
{
	feed(t, DM_EV_MAP, dma, phys, dma, len, dir);
}

static void unmap(struct t *t, uint64_t dma, uint64_t len, uint8_t dir)
{
	feed(t, DM_EV_UNMAP, dma, 0, dma, len, dir);
}

/* exactly one violation, of that rule, with these parameters */
static void expect(struct t *t, const char *what, enum dm_rule_id rule,
		   uint64_t p2, uint64_t p3, uint64_t p4)
{
	if (!ok(t->n == 1 && t->v[0].rule == rule, "%s: %s", what,
		dm_rules[rule].name))
		diag("%d violations, first %s", t->n,
		     t->n ? dm_rules[t->v[0].rule].name : "-");
	if (t->n)
		ok(t->v[0].p[0] == p2 && t->v[0].p[1] == p3 &&
			   t->v[0].p[2] == p4,
		   "%s: parameters %llx %llx %llx", what,
		   (unsigned long long)t->v[0].p[0],
		   (unsigned long long)t->v[0].p[1],
		   (unsigned long long)t->v[0].p[2]);
	dm_vrf_free(t->vrf);
}

static void quiet(struct t *t, const char *what)
{
	ok(t->n == 0, "%s: no violation", what);
	dm_vrf_free(t->vrf);
}

int main(void)
{
	struct t t;

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	map(&t, DMA + 4096, PHYS + 4096, 512, DM_DIR_TO_DEVICE);
	ok(dm_vrf_adapter(t.vrf, 0)->bytes_since_flush == 4608,
	   "two maps: their bytes streaming-mapped");
	unmap(&t, DMA + 4096, 512, DM_DIR_TO_DEVICE);
	unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
	ok(dm_vrf_adapter(t.vrf, 0)->mr_freed == 2 &&
		   !dm_vrf_adapter(t.vrf, 0)->files.count &&
		   !dm_vrf_adapter(t.vrf, 0)->bytes_since_flush,
	   "map then unmap: nothing left");
	quiet(&t, "map, unmap");

	start(&t);
	unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
	ok(dm_vrf_stats(t.vrf)->untracked == 1,
	   "an unmap of what was mapped before we started is counted");
	quiet(&t, "... and not flagged");

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
	unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
	expect(&t, "double unmap", DM_R_LX_UNMAP_UNMAPPED, DMA, 4096, 1000);

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
	expect(&t, "unmap of never mapped, watched since bind",
	       DM_R_LX_UNMAP_UNMAPPED, DMA, 4096, 0);

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_TO_DEVICE);
	unmap(&t, DMA, 2048, DM_DIR_TO_DEVICE);
	expect(&t, "unmap with the wrong size", DM_R_LX_UNMAP_SIZE, DMA, 4096,
	       2048);

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_TO_DEVICE);
	unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
	expect(&t, "unmap with the wrong direction", DM_R_LX_UNMAP_DIR, DMA,
	       DM_DIR_TO_DEVICE, DM_DIR_FROM_DEVICE);

	start(&t);
	map(&t, DMA, PHYS, 0, DM_DIR_TO_DEVICE);
	expect(&t, "zero-length map", DM_R_LX_ZERO_LENGTH, DMA, PHYS, 0);

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	map(&t, DMA, PHYS, 0, DM_DIR_FROM_DEVICE);
	unmap(&t, DMA, 0, DM_DIR_FROM_DEVICE);
	ok(!dm_vrf_adapter(t.vrf, 0)->mr_mapped &&
		   !dm_vrf_adapter(t.vrf, 0)->files.count,
	   "a zero-length map and its unmap leave nothing mapped");
	expect(&t, "a zero-length map and its unmap: the map alone",
	       DM_R_LX_ZERO_LENGTH, DMA, PHYS, 0);

	start(&t);
	map(&t, UINT64_MAX, PHYS, 4096, DM_DIR_TO_DEVICE);
	expect(&t, "a failed map", DM_R_LX_MAP_ERROR, 4096, DM_DIR_TO_DEVICE,
	       0);

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	map(&t, DMA + 0x10000, PHYS + 0x20, 64, DM_DIR_FROM_DEVICE);
	expect(&t, "two live mappings of one cache line", DM_R_LX_OVERLAP,
	       PHYS + 0x20, PHYS + 0x60, PHYS + 0x20);

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_TO_DEVICE);
	map(&t, DMA + 0x10000, PHYS + 0x20, 64, DM_DIR_TO_DEVICE);
	quiet(&t, "the same cache line mapped twice to the device");

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	map(&t, DMA + 0x10000, PHYS + 4096, 64, DM_DIR_FROM_DEVICE);
	quiet(&t, "adjacent mappings, no shared cache line");

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	feed(&t, DM_EV_SYNC_CPU, DMA, 0, DMA, 4096, DM_DIR_FROM_DEVICE);
	quiet(&t, "sync for the CPU of a from-device mapping");

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
	feed(&t, DM_EV_SYNC_CPU, DMA, 0, DMA, 4096, DM_DIR_FROM_DEVICE);
	expect(&t, "sync after unmap", DM_R_LX_SYNC_UNMAPPED, DMA, 4096, 0);

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	feed(&t, DM_EV_SYNC_CPU, DMA, 0, DMA, 8192, DM_DIR_FROM_DEVICE);
	expect(&t, "sync past the mapping", DM_R_LX_SYNC_OUTSIDE, DMA, 4096,
	       8192);

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_TO_DEVICE);
	feed(&t, DM_EV_SYNC_CPU, DMA, 0, DMA, 4096, DM_DIR_FROM_DEVICE);
	expect(&t, "sync with another direction than mapped", DM_R_LX_SYNC_DIR,
	       DMA, DM_DIR_TO_DEVICE, DM_DIR_FROM_DEVICE);

	start(&t);
	feed(&t, DM_EV_CB_ALLOC, 0xffff8880a000, 0xffff8880a000, DMA, 8192, 0);
	feed(&t, DM_EV_CB_FREE, 0xffff8880a000, 0xffff8880a000, DMA, 8192, 0);
	feed(&t, DM_EV_CB_FREE, 0xffff8880a000, 0xffff8880a000, DMA, 8192, 0);
	expect(&t, "a coherent buffer freed twice", DM_R_LX_FREE_UNALLOCATED,
	       0xffff8880a000, 8192, 0);

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	feed(&t, DM_EV_CB_ALLOC, 0xffff8880a000, 0xffff8880a000, DMA + 4096,
	     8192, 0);
	feed(&t, DM_EV_DRIVER_UNBIND, 0, 0, 0, 0, 0);
	ok(t.n == 2 && t.v[0].rule == DM_R_LX_LEAK_MAPPINGS &&
		   t.v[1].rule == DM_R_LX_LEAK_COHERENT,
	   "unbind with a mapping and a coherent buffer left: both leaks");
	ok(t.n >= 2 && t.v[0].p[0] == DEV && t.v[0].p[1] == 1 &&
		   t.v[0].p[2] == DMA && t.v[1].p[2] == 0xffff8880a000,
	   "... naming the device, how many, and the first");
	{
		const struct dm_vadapter *ad = dm_vrf_adapter(t.vrf, 0);

		ok(ad->mr_alloc == ad->mr_freed &&
			   ad->cb_alloc == ad->cb_freed && !ad->mr_mapped &&
			   !ad->cb_bytes && !ad->bytes_since_flush,
		   "... and let go of: every count agrees nothing is held");
	}
	dm_vrf_free(t.vrf);

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	t.caller = 41;
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	t.caller = 42;
	feed(&t, DM_EV_CB_ALLOC, 0xffff8880a000, 0xffff8880a000, DMA + 4096,
	     8192, 0);
	map(&t, DMA + 0x10000, PHYS + 0x10000, 4096, DM_DIR_FROM_DEVICE);
	t.caller = 0;
	feed(&t, DM_EV_DRIVER_UNBIND, 0, 0, 0, 0, 0);
	ok(t.n == 2 && t.v[0].caller == 41 && t.v[0].p[1] == 2 &&
		   t.v[1].caller == 42,
	   "a leak names who made the oldest object leaked, not the unbind");
	dm_vrf_free(t.vrf);

	start(&t);
	{
		struct dm_event get = { .kind = DM_EV_ADAPTER_GET,
					.adapter = DEV,
					.caller = 5,
					.arg = { 0, 0, 7 } };

		dm_vrf_feed(t.vrf, &get);
		feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
		map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
		unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
		feed(&t, DM_EV_DRIVER_UNBIND, 0, 0, 0, 0, 0);
		get.caller = 9;
		dm_vrf_feed(t.vrf, &get);
		ok(dm_vrf_adapter(t.vrf, 0)->owner == 9 &&
			   dm_vrf_adapter(t.vrf, 0)->name == 7 &&
			   !dm_vrf_adapter(t.vrf, 1),
		   "a device described again after unbind: the same adapter, "
		   "its new driver");
		unmap(&t, DMA + 0x10000, 4096, DM_DIR_FROM_DEVICE);
		ok(t.n == 0,
		   "... not watched again until the new driver binds");
		feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
		unmap(&t, DMA + 0x20000, 4096, DM_DIR_FROM_DEVICE);
		expect(&t, "... then watched", DM_R_LX_UNMAP_UNMAPPED,
		       DMA + 0x20000, 4096, 0);
	}

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
	feed(&t, DM_EV_DRIVER_UNBIND, 0, 0, 0, 0, 0);
	quiet(&t, "unbind after everything was unmapped");

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	unmap(&t, DMA, 4096, DM_DIR_FROM_DEVICE);
	feed(&t, DM_EV_IOMMU_FAULT, DEV, 0, DMA + 0x40, 0, 0);
	expect(&t, "the device writes to an IOVA unmapped 1 us ago",
	       DM_R_LX_DMA_AFTER_UNMAP, 4096, DMA + 0x40, 1000);

	start(&t);
	map(&t, DMA + 0x28, PHYS, 4096, DM_DIR_FROM_DEVICE);
	t.caller = 77;
	unmap(&t, DMA + 0x28, 4096, DM_DIR_FROM_DEVICE);
	t.caller = 0;
	feed(&t, DM_EV_IOMMU_FAULT, DEV, 0, DMA, 0, 0);
	feed(&t, DM_EV_IOMMU_FAULT, DEV, 0, DMA + 0x2000, 0, 0);
	ok(t.n == 2 && t.v[0].rule == DM_R_LX_DMA_AFTER_UNMAP &&
		   t.v[0].obj == DMA + 0x28 && t.v[0].caller == 77 &&
		   t.v[1].rule == DM_R_IOMMU_FAULT,
	   "a fault at the page an unmapped buffer began in is after unmap, "
	   "named after who unmapped it; a page past its end is not");
	dm_vrf_free(t.vrf);

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	map(&t, DMA + 0x10000, PHYS + 0x10000, 4096, DM_DIR_FROM_DEVICE);
	unmap(&t, DMA + 0x10000, 4096, DM_DIR_FROM_DEVICE);
	{
		struct dm_event lost = { .seq = ++t.seq,
					 .kind = DM_EV_LOST,
					 .arg = { 3 } };

		dm_vrf_feed(t.vrf, &lost);
	}
	unmap(&t, DMA, 2048, DM_DIR_FROM_DEVICE);
	unmap(&t, DMA + 0x10000, 4096, DM_DIR_FROM_DEVICE);
	unmap(&t, DMA + 0x20000, 4096, DM_DIR_FROM_DEVICE);
	ok(dm_vrf_stats(t.vrf)->lost == 3 &&
		   dm_vrf_stats(t.vrf)->untracked == 3,
	   "after lost events, what dmatop knew is no ground for a report: "
	   "3 unmaps counted");
	quiet(&t, "... none flagged");

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	{
		struct dm_event lost = { .seq = ++t.seq,
					 .kind = DM_EV_LOST,
					 .tid = UINT32_MAX,
					 .arg = { 1, DM_LOST_KMSG } };

		dm_vrf_feed(t.vrf, &lost);
	}
	unmap(&t, DMA, 2048, DM_DIR_FROM_DEVICE);
	expect(&t, "a kernel log record lost leaves the mappings known",
	       DM_R_LX_UNMAP_SIZE, DMA, 4096, 2048);

	start(&t);
	feed(&t, DM_EV_IOMMU_FAULT, DEV, 0, DMA + 0x40, 0, 0);
	expect(&t, "a fault at an IOVA never mapped", DM_R_IOMMU_FAULT, DEV,
	       DMA + 0x40, 0);

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_FROM_DEVICE);
	feed(&t, DM_EV_SYNC_DEVICE, DMA, 0, DMA, 4096, DM_DIR_FROM_DEVICE);
	quiet(&t, "a receive buffer synced back to the device");

	start(&t);
	map(&t, DMA, PHYS, 4096, DM_DIR_BIDI);
	feed(&t, DM_EV_SYNC_DEVICE, DMA, 0, DMA, 4096, DM_DIR_TO_DEVICE);
	quiet(&t, "a bidirectional mapping synced either way");

	/* scatter/gather lists, keyed by the scatterlist */
	start(&t);
	map_sg(&t, 4, 2, DM_DIR_FROM_DEVICE);
	sync_sg(&t, DM_EV_SYNC_CPU, 4, DM_DIR_FROM_DEVICE);
	sync_sg(&t, DM_EV_SYNC_DEVICE, 4, DM_DIR_FROM_DEVICE);
	ok(dm_vrf_adapter(t.vrf, 0)->sgs.count == 1, "an SG list mapped: held");
	unmap_sg(&t, 4, DM_DIR_FROM_DEVICE);
	ok(dm_vrf_adapter(t.vrf, 0)->sgs.count == 0, "... and unmapped: gone");
	quiet(&t, "SG map, syncs both ways, unmap");

	start(&t);
	map_sg(&t, 4, 2, DM_DIR_FROM_DEVICE);
	unmap_sg(&t, 4, DM_DIR_FROM_DEVICE);
	unmap_sg(&t, 4, DM_DIR_FROM_DEVICE);
	expect(&t, "an SG list unmapped twice", DM_R_LX_UNMAP_UNMAPPED, SGL, 4,
	       1000);

	start(&t);
	map_sg(&t, 4, 2, DM_DIR_TO_DEVICE);
	unmap_sg(&t, 2, DM_DIR_TO_DEVICE);
	expect(&t, "an SG list unmapped with the entries mapped, not asked",
	       DM_R_LX_UNMAP_SIZE, SGL, 4, 2);

	start(&t);
	map_sg(&t, 4, 4, DM_DIR_TO_DEVICE);
	unmap_sg(&t, 4, DM_DIR_FROM_DEVICE);
	expect(&t, "an SG list unmapped with the wrong direction",
	       DM_R_LX_UNMAP_DIR, SGL, DM_DIR_TO_DEVICE, DM_DIR_FROM_DEVICE);

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	sync_sg(&t, DM_EV_SYNC_CPU, 4, DM_DIR_FROM_DEVICE);
	expect(&t, "a sync of an SG list never mapped, watched since bind",
	       DM_R_LX_SYNC_UNMAPPED, SGL, 4, 0);

	start(&t);
	sync_sg(&t, DM_EV_SYNC_CPU, 4, DM_DIR_FROM_DEVICE);
	quiet(&t, "a sync of an SG list mapped before we started");

	start(&t);
	map_sg(&t, 4, 4, DM_DIR_TO_DEVICE);
	sync_sg(&t, DM_EV_SYNC_DEVICE, 8, DM_DIR_TO_DEVICE);
	expect(&t, "a sync of more entries than the list mapped",
	       DM_R_LX_SYNC_OUTSIDE, SGL, 4, 8);

	start(&t);
	map_sg(&t, 4, 4, DM_DIR_TO_DEVICE);
	sync_sg(&t, DM_EV_SYNC_CPU, 4, DM_DIR_FROM_DEVICE);
	expect(&t, "an SG list synced in the wrong direction", DM_R_LX_SYNC_DIR,
	       SGL, DM_DIR_TO_DEVICE, DM_DIR_FROM_DEVICE);

	/* a scatterlist and a single mapping at one address are two things */
	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	map(&t, SGL, PHYS, 4096, DM_DIR_TO_DEVICE);
	sync_sg(&t, DM_EV_SYNC_CPU, 1, DM_DIR_TO_DEVICE);
	expect(&t, "an SG sync finds no single mapping", DM_R_LX_SYNC_UNMAPPED,
	       SGL, 1, 0);

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	map_sg(&t, 1, 1, DM_DIR_TO_DEVICE);
	feed(&t, DM_EV_SYNC_CPU, SGL, 0, SGL, 4096, DM_DIR_TO_DEVICE);
	expect(&t, "a single sync finds no SG list", DM_R_LX_SYNC_UNMAPPED, SGL,
	       4096, 0);

	start(&t);
	feed(&t, DM_EV_DRIVER_BIND, 0, 0, 0, 0, 0);
	map_sg(&t, 4, 2, DM_DIR_FROM_DEVICE);
	feed(&t, DM_EV_DRIVER_UNBIND, 0, 0, 0, 0, 0);
	expect(&t, "an SG list left at unbind", DM_R_LX_LEAK_MAPPINGS, DEV, 1,
	       SGL);
	return done_testing();
}
