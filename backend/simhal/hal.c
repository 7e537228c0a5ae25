/*
 * hal.c - the simulated HAL (see hal.h for what it models).
 *
 * Map registers: one pool of DM_HAL_NREGS page-sized registers backed by
 * contiguous physical pages, handed out in contiguous runs (a map register
 * file). Free registers are filled with 0x0F. A device write that lands in
 * the pool sets the page's dirty bit, as a real MMU would; the verifier
 * pass reads the dirty free registers back and reports any byte that is
 * no longer 0x0F.
 *
 * Common buffers: [0x0F padding][DmaVrfy0][buffer][DmaVrfy0][0x0F padding]
 * on whole pages, at least MIN_PAD bytes of padding on each side.
 *
 * Requests that cannot get their map registers wait, in order, on the
 * master adapter's queue and are granted when registers are freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hal.h"
#include "hmap.h"

#define MIN_PAD	      0x10u
#define CB_OFFSET     0x40u /* default: buffers start on a cache line */
#define FILE_HDR      0x28u /* bytes before the first map register */
#define TAG_LEN	      8u
#define MASTER_HANDLE 0x80076800ull
static const uint8_t dma_vrfy0[TAG_LEN] = { 'D', 'm', 'a', 'V',
					    'r', 'f', 'y', '0' };

struct mrfile {
	uint64_t base; /* MapRegisterBase (a pool handle) */
	uint64_t dbl_mdl;
	struct dm_adapter *ad;
	uint32_t first, n; /* registers first .. first+n-1 */
	struct {
		uint64_t va;
		uint32_t len;
		bool write;
	} reg[];
};

struct cbuf {
	uint64_t va, logical, start; /* start: first page, phys */
	uint32_t len, npages;
	struct dm_adapter *ad;
};

struct waiter { /* a channel request waiting for registers */
	struct dm_adapter *ad;
	struct dm_thread *t;
	uint32_t nregs, caller;
	dm_exec_fn fn;
	void *ctx;
	struct waiter *next;
};

struct hobj {
	void *p;
	bool is_file; /* else a common buffer */
};

struct dm_adapter {
	uint64_t handle, devobj, wcb, master;
	struct dm_devdesc desc;
	uint32_t max_regs, refs, name, owner;
	uint64_t owner_ra;
	bool live, channel_held, sysdma_busy;
	struct mrfile *cur;   /* the held channel's map registers */
	struct dm_hmap iommu; /* logical page -> mappings of it */
	struct dm_adapter *next;
};

struct dm_hal {
	struct dm_strtab *strings;
	dm_hal_emit_fn emit;
	void *ctx;
	uint64_t seq, now;
	int64_t perf_skew;
	struct dm_simmem mem;
	struct dm_hal_stats st;
	uint64_t place[DM_PLACE_MAX];

	uint64_t pool_phys; /* physical page of register 0 */
	uint64_t reg_used[DM_HAL_NREGS / 64];
	uint64_t reg_dirty[DM_HAL_NREGS / 64];
	struct waiter *wait_head, **wait_tail;

	struct dm_adapter *adapters;
	/* Lists given back with PutScatterGatherList stay readable a while,
	 * so that a driver's second put is a bug we report, not a crash. */
	struct dm_sglist *grave[64];
	unsigned grave_next;
	struct dm_sglist *live_sgs; /* Get lists not yet put */
	struct dm_hmap file_by_base, cb_by_va;
	struct hobj *obj; /* files and common buffers, by index */
	uint32_t nobj, capobj, *free_obj, nfree;
};

/* ---- small helpers ---- */

static bool bit(const uint64_t *map, uint32_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

static void set_bits(uint64_t *map, uint32_t i, uint32_t n, bool on)
{
	for (; n; n--, i++) {
		if (on)
			map[i / 64] |= 1ull << (i % 64);
		else
			map[i / 64] &= ~(1ull << (i % 64));
	}
}

static uint32_t obj_put(struct dm_hal *hal, void *p, bool is_file)
{
	uint32_t i;

	if (hal->nfree) {
		i = hal->free_obj[--hal->nfree];
	} else {
		if (hal->nobj == hal->capobj) {
			uint32_t cap = hal->capobj ? hal->capobj * 2 : 256;
			struct hobj *o = realloc(hal->obj, cap * sizeof(*o));
			uint32_t *f =
				o ? realloc(hal->free_obj, cap * sizeof(*f)) :
				    NULL;

			if (o)
				hal->obj = o;
			if (!f)
				return DM_HMAP_NONE;
			hal->free_obj = f;
			hal->capobj = cap;
		}
		i = hal->nobj++;
	}
	hal->obj[i] = (struct hobj){ p, is_file };
	return i;
}

static void *obj_take(struct dm_hal *hal, struct dm_hmap *by, uint64_t key)
{
	uint32_t i = dm_hmap_del(by, key);
	void *p;

	if (i == DM_HMAP_NONE)
		return NULL;
	p = hal->obj[i].p;
	hal->obj[i].p = NULL;
	hal->free_obj[hal->nfree++] = i;
	return p;
}

static void *obj_get(struct dm_hal *hal, struct dm_hmap *by, uint64_t key)
{
	uint32_t i = dm_hmap_get(by, key);

	return i == DM_HMAP_NONE ? NULL : hal->obj[i].p;
}

static uint64_t handle(struct dm_hal *hal, enum dm_hal_place what,
		       uint32_t size)
{
	uint64_t h = what < DM_PLACE_MAX ? hal->place[what] : 0;

	if (h) {
		hal->place[what] = 0;
		return h;
	}
	return dm_simmem_handle(&hal->mem, size);
}

/* Fill the parts of an event every call has, and emit it. */
static void emit(struct dm_hal *hal, struct dm_thread *t, struct dm_event *ev)
{
	hal->now += DM_HAL_CALL_NS;
	hal->st.calls++;
	ev->seq = ++hal->seq;
	ev->ts = hal->now;
	if (t) {
		ev->tid = t->tid;
		ev->irql = t->irql;
		if (!ev->caller)
			ev->caller = t->caller;
	}
	hal->emit(hal->ctx, ev);
}

static uint64_t ad_handle(const struct dm_adapter *ad)
{
	return ad ? ad->handle : 0;
}

/* May the routine go on with this adapter? The event is emitted either
 * way, so the verifier sees the NULL or stale adapter. */
static bool usable(const struct dm_adapter *ad)
{
	return ad && ad->live;
}

/* ---- map register pool ---- */

static uint64_t reg_phys(const struct dm_hal *hal, uint32_t r)
{
	return hal->pool_phys + (uint64_t)r * DM_SIM_PAGE;
}

/* First run of n free registers, or DM_HMAP_NONE; *largest gets the
 * longest free run when there is none. */
static uint32_t reg_find(const struct dm_hal *hal, uint32_t n,
			 uint32_t *largest)
{
	uint32_t r, run = 0, best = 0;

	for (r = 0; r < DM_HAL_NREGS; r++) {
		if (bit(hal->reg_used, r)) {
			run = 0;
			continue;
		}
		if (++run > best)
			best = run;
		if (run == n)
			return r + 1 - n;
	}
	*largest = best;
	return DM_HMAP_NONE;
}

/* Read a free register's page back; report the first byte that is not
 * 0x0F and fill it again. */
static void reg_check(struct dm_hal *hal, uint32_t r)
{
	uint8_t *p = dm_simmem_phys(&hal->mem, reg_phys(hal, r), DM_SIM_PAGE);
	uint32_t i;

	set_bits(hal->reg_dirty, r, 1, false);
	for (i = 0; i < DM_SIM_PAGE; i++)
		if (p[i] != 0x0f)
			break;
	if (i == DM_SIM_PAGE)
		return;
	struct dm_event ev = {
		.kind = DM_EV_MAPREG_GUARD,
		.arg = { dm_simmem_phys_to_va(reg_phys(hal, r) + i) },
	};
	emit(hal, NULL, &ev);
	memset(p, 0x0f, DM_SIM_PAGE);
}

static struct mrfile *file_new(struct dm_hal *hal, struct dm_adapter *ad,
			       uint32_t first, uint32_t n)
{
	struct mrfile *f = calloc(1, sizeof(*f) + n * sizeof(f->reg[0]));
	uint32_t i, r;

	if (!f)
		return NULL;
	f->base = handle(hal, DM_PLACE_FILE, FILE_HDR + n * DM_MAPREG_STRIDE);
	f->dbl_mdl = handle(hal, DM_PLACE_DBL_MDL, 0x20);
	i = obj_put(hal, f, true);
	if (!f->base || i == DM_HMAP_NONE ||
	    dm_hmap_put(&hal->file_by_base, f->base, i)) {
		free(f);
		return NULL;
	}
	f->ad = ad;
	f->first = first;
	f->n = n;
	/* Windows checks a register's fill when it hands it out */
	for (r = first; r < first + n; r++)
		if (bit(hal->reg_dirty, r))
			reg_check(hal, r);
	set_bits(hal->reg_used, first, n, true);
	hal->st.mapregs_free -= n;
	return f;
}

/* The IOMMU's view of a device: how many mappings hold each logical
 * page; delta +1 maps, -1 unmaps. */
static void iommu_count(struct dm_adapter *ad, uint64_t logical, uint64_t len,
			int delta)
{
	uint64_t p;

	if (!ad->desc.iommu || !len)
		return;
	for (p = logical / DM_SIM_PAGE; p <= (logical + len - 1) / DM_SIM_PAGE;
	     p++) {
		uint32_t c = dm_hmap_get(&ad->iommu, p);

		if (delta > 0)
			dm_hmap_put(&ad->iommu, p,
				    c == DM_HMAP_NONE ? 1 : c + 1);
		else if (c == 1)
			dm_hmap_del(&ad->iommu, p);
		else if (c != DM_HMAP_NONE)
			dm_hmap_put(&ad->iommu, p, c - 1);
	}
}

static void iommu_map(struct dm_adapter *ad, uint64_t logical, uint64_t len)
{
	iommu_count(ad, logical, len, 1);
}

static void iommu_unmap(struct dm_adapter *ad, uint64_t logical, uint64_t len)
{
	iommu_count(ad, logical, len, -1);
}

static void file_free(struct dm_hal *hal, struct mrfile *f)
{
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		if (f->reg[i].len) {
			uint64_t lg = reg_phys(hal, f->first + i);

			iommu_unmap(f->ad, lg, DM_SIM_PAGE);
			f->reg[i].len = 0;
		}
		memset(dm_simmem_phys(&hal->mem, reg_phys(hal, f->first + i),
				      DM_SIM_PAGE),
		       0x0f, DM_SIM_PAGE);
		set_bits(hal->reg_dirty, f->first + i, 1, false);
	}
	set_bits(hal->reg_used, f->first, f->n, false);
	hal->st.mapregs_free += f->n;
	if (f->ad->cur == f)
		f->ad->cur = NULL;
	obj_take(hal, &hal->file_by_base, f->base);
	dm_simmem_handle_free(&hal->mem, f->base,
			      FILE_HDR + f->n * DM_MAPREG_STRIDE);
	dm_simmem_handle_free(&hal->mem, f->dbl_mdl, 0x20);
	free(f);
}

/* Run an execution routine at DISPATCH_LEVEL and act on its answer. */
static void grant(struct dm_hal *hal, struct dm_thread *t,
		  struct dm_adapter *ad, uint32_t first, uint32_t nregs,
		  uint32_t caller, dm_exec_fn fn, void *ctx)
{
	struct mrfile *f = nregs ? file_new(hal, ad, first, nregs) : NULL;
	uint8_t irql = t->irql;
	uint32_t saved = t->caller;
	int action;

	struct dm_event ev = {
		.kind = DM_EV_CHANNEL_GRANT,
		.adapter = ad->handle,
		.obj = f ? f->base : 0,
		.va = f ? f->base + FILE_HDR : 0,
		.arg = { f ? nregs : 0, f ? f->dbl_mdl : 0 },
		.caller = caller,
	};
	emit(hal, t, &ev);
	ad->channel_held = true;
	t->irql = DM_DISPATCH_LEVEL;
	action = fn(hal, t, ctx, f ? f->base : 0);
	struct dm_event ret = {
		.kind = DM_EV_CALLBACK_RETURN,
		.adapter = ad->handle,
		.arg = { DM_DISPATCH_LEVEL },
		.caller = caller,
	};
	emit(hal, t, &ret);
	t->irql = DM_DISPATCH_LEVEL;
	t->caller = caller;
	ad->cur = f;
	if (action == DM_DEALLOCATE_OBJECT ||
	    action == DM_DEALLOCATE_OBJECT_KEEP_REGISTERS) {
		struct dm_event fr = {
			.kind = DM_EV_CHANNEL_FREE,
			.adapter = ad->handle,
			.obj = action == DM_DEALLOCATE_OBJECT && f ? f->base :
								     0,
			.flags = action == DM_DEALLOCATE_OBJECT ?
					 0 :
					 DM_F_KEEP_REGISTERS,
		};
		emit(hal, t, &fr);
		ad->channel_held = false;
		ad->cur = NULL;
		if (action == DM_DEALLOCATE_OBJECT && f)
			file_free(hal, f);
	}
	t->irql = irql;
	t->caller = saved;
}

/* Grant waiting requests, in order, while registers allow. */
static void run_waiters(struct dm_hal *hal)
{
	while (hal->wait_head) {
		struct waiter *w = hal->wait_head;
		uint32_t largest, first = 0;

		if (w->nregs) {
			first = reg_find(hal, w->nregs, &largest);
			if (first == DM_HMAP_NONE)
				return;
		}
		if (w->ad->channel_held && w->ad->live)
			return;
		hal->wait_head = w->next;
		if (!hal->wait_head)
			hal->wait_tail = &hal->wait_head;
		if (w->ad->live)
			grant(hal, w->t, w->ad, first, w->nregs, w->caller,
			      w->fn, w->ctx);
		free(w);
	}
}

/* ---- the API ---- */

struct dm_hal *dm_hal_new(struct dm_strtab *strings, dm_hal_emit_fn emitfn,
			  void *ctx)
{
	struct dm_hal *hal = calloc(1, sizeof(*hal));

	if (!hal)
		return NULL;
	hal->strings = strings;
	hal->emit = emitfn;
	hal->ctx = ctx;
	hal->wait_tail = &hal->wait_head;
	if (dm_simmem_init(&hal->mem))
		goto err_free;
	if (dm_hmap_init(&hal->file_by_base, 256))
		goto err_mem;
	if (dm_hmap_init(&hal->cb_by_va, 64))
		goto err_files;
	hal->pool_phys = dm_simmem_alloc(&hal->mem, DM_HAL_NREGS, 0);
	if (!hal->pool_phys)
		goto err_cbs;
	memset(dm_simmem_phys(&hal->mem, hal->pool_phys,
			      (uint64_t)DM_HAL_NREGS * DM_SIM_PAGE),
	       0x0f, (size_t)DM_HAL_NREGS * DM_SIM_PAGE);
	hal->st.mapregs_free = DM_HAL_NREGS;
	return hal;

err_cbs:
	dm_hmap_fini(&hal->cb_by_va);
err_files:
	dm_hmap_fini(&hal->file_by_base);
err_mem:
	dm_simmem_fini(&hal->mem);
err_free:
	free(hal);
	errno = ENOMEM;
	return NULL;
}

void dm_hal_free(struct dm_hal *hal)
{
	struct dm_adapter *ad, *next;
	uint32_t i;

	if (!hal)
		return;
	while (hal->wait_head) {
		struct waiter *w = hal->wait_head;

		hal->wait_head = w->next;
		free(w);
	}
	for (i = 0; i < hal->nobj; i++)
		free(hal->obj[i].p);
	free(hal->obj);
	free(hal->free_obj);
	for (i = 0; i < 64; i++)
		free(hal->grave[i]);
	while (hal->live_sgs) {
		struct dm_sglist *sg = hal->live_sgs;

		hal->live_sgs = sg->live_next;
		free(sg);
	}
	for (ad = hal->adapters; ad; ad = next) {
		next = ad->next;
		dm_hmap_fini(&ad->iommu);
		free(ad);
	}
	dm_hmap_fini(&hal->file_by_base);
	dm_hmap_fini(&hal->cb_by_va);
	dm_simmem_fini(&hal->mem);
	free(hal);
}

uint64_t dm_hal_now(const struct dm_hal *hal)
{
	return hal->now;
}

void dm_hal_set_now(struct dm_hal *hal, uint64_t ns)
{
	if (ns > hal->now)
		hal->now = ns;
}

struct dm_simmem *dm_hal_mem(struct dm_hal *hal)
{
	return &hal->mem;
}

const struct dm_hal_stats *dm_hal_stats(const struct dm_hal *hal)
{
	return &hal->st;
}

void dm_hal_inject(struct dm_hal *hal, enum dm_hal_fault f, int64_t value)
{
	if (f == DM_HAL_PERF_SKEW_NS)
		hal->perf_skew += value;
}

struct dm_strtab *dm_hal_strings(struct dm_hal *hal)
{
	return hal->strings;
}

void dm_hal_emit(struct dm_hal *hal, struct dm_thread *t, struct dm_event *ev)
{
	emit(hal, t, ev);
}

void dm_hal_caller(struct dm_hal *hal, struct dm_thread *t, const char *fn)
{
	if (dm_strtab_intern(hal->strings, fn, &t->caller))
		t->caller = 0;
}

void dm_hal_place(struct dm_hal *hal, enum dm_hal_place what, uint64_t addr)
{
	if (what < DM_PLACE_MAX)
		hal->place[what] = addr;
}

uint64_t dm_hal_adapter_handle(const struct dm_adapter *ad)
{
	return ad_handle(ad);
}

static struct dm_adapter *get_adapter(struct dm_hal *hal, struct dm_thread *t,
				      enum dm_event_kind kind, uint64_t devobj,
				      const struct dm_devdesc *d,
				      const char *name, uint64_t owner_ra,
				      uint32_t *nregs)
{
	struct dm_adapter *ad = calloc(1, sizeof(*ad));
	uint32_t name_id = 0, max;
	uint64_t desc;
	bool ok = ad && d->version <= 3;

	/* MaximumLength bounds a transfer; one more register than its
	 * pages covers an unaligned start. */
	max = (uint32_t)((d->max_length + DM_SIM_PAGE - 1) / DM_SIM_PAGE) + 1;
	if (max > DM_HAL_MAX_REGS)
		max = DM_HAL_MAX_REGS;
	if (ok && dm_hmap_init(&ad->iommu, 64))
		ok = false;
	if (ok) {
		ad->handle = handle(hal, DM_PLACE_ADAPTER, 0x70);
		ad->wcb = handle(hal, DM_PLACE_WCB, 0x30);
		ok = ad->handle && ad->wcb;
	}
	dm_strtab_intern(hal->strings, name, &name_id);
	desc = DM_DESC_PACK(d->version, d->iface, d->width, d->channel) |
	       (d->master ? DM_DESC_MASTER : 0) |
	       (d->scatter_gather ? DM_DESC_SCATTER_GATHER : 0) |
	       (d->dma32 ? DM_DESC_DMA32 : 0) | (d->dma64 ? DM_DESC_DMA64 : 0) |
	       (d->noncoherent ? DM_DESC_NONCOHERENT : 0) |
	       (d->iommu ? DM_DESC_IOMMU : 0);
	/* 64-bit scatter/gather bus masters need no master adapter */
	struct dm_event ev = {
		.kind = kind,
		.adapter = ok ? ad->handle : 0,
		.obj = devobj,
		.va = ok ? ad->wcb : 0,
		.dma = d->master && d->dma64 && d->scatter_gather ?
			       0 :
			       MASTER_HANDLE,
		.len = d->max_length,
		.arg = { desc, owner_ra, name_id | (uint64_t)max << 32 },
		.flags = ok ? 0 : DM_F_FAILED,
	};
	emit(hal, t, &ev);
	if (!ok) {
		if (ad)
			dm_hmap_fini(&ad->iommu);
		free(ad);
		return NULL;
	}
	ad->devobj = devobj;
	ad->master = ev.dma;
	ad->desc = *d;
	ad->max_regs = max;
	ad->refs = 1;
	ad->live = true;
	ad->name = name_id;
	ad->owner = ev.caller;
	ad->owner_ra = owner_ra;
	ad->next = hal->adapters;
	hal->adapters = ad;
	if (nregs)
		*nregs = max;
	return ad;
}

struct dm_adapter *dm_hal_get_adapter(struct dm_hal *hal, struct dm_thread *t,
				      uint64_t devobj,
				      const struct dm_devdesc *desc,
				      const char *name, uint64_t owner_ra,
				      uint32_t *nregs)
{
	return get_adapter(hal, t, DM_EV_ADAPTER_GET, devobj, desc, name,
			   owner_ra, nregs);
}

struct dm_adapter *
dm_hal_get_adapter_obsolete(struct dm_hal *hal, struct dm_thread *t,
			    uint64_t devobj, const struct dm_devdesc *desc,
			    const char *name, uint32_t *nregs)
{
	return get_adapter(hal, t, DM_EV_ADAPTER_GET_OBSOLETE, devobj, desc,
			   name, 0, nregs);
}

static void simple_event(struct dm_hal *hal, struct dm_thread *t,
			 struct dm_adapter *ad, enum dm_event_kind kind)
{
	struct dm_event ev = { .kind = kind, .adapter = ad_handle(ad) };

	emit(hal, t, &ev);
}

/* An adapter released for good: give back what its driver leaked, so the
 * simulated machine keeps running (Windows would have stopped). */
static void reclaim(struct dm_hal *hal, struct dm_adapter *ad)
{
	uint32_t i;

	for (i = 0; i < hal->nobj; i++) {
		struct mrfile *f = hal->obj[i].p;
		struct cbuf *cb = hal->obj[i].p;

		if (!f)
			continue;
		if (hal->obj[i].is_file && f->ad == ad) {
			file_free(hal, f);
		} else if (!hal->obj[i].is_file && cb->ad == ad) {
			obj_take(hal, &hal->cb_by_va, cb->va);
			dm_simmem_free(&hal->mem, cb->start, cb->npages);
			free(cb);
		}
	}
}

void dm_hal_put_adapter(struct dm_hal *hal, struct dm_thread *t,
			struct dm_adapter *ad)
{
	simple_event(hal, t, ad, DM_EV_ADAPTER_PUT);
	if (!usable(ad) || --ad->refs)
		return;
	ad->live = false;
	ad->channel_held = false;
	reclaim(hal, ad);
	run_waiters(hal);
}

void dm_hal_ref_adapter(struct dm_hal *hal, struct dm_thread *t,
			struct dm_adapter *ad)
{
	simple_event(hal, t, ad, DM_EV_ADAPTER_REF);
	if (usable(ad))
		ad->refs++;
}

void dm_hal_deref_adapter(struct dm_hal *hal, struct dm_thread *t,
			  struct dm_adapter *ad)
{
	simple_event(hal, t, ad, DM_EV_ADAPTER_DEREF);
	if (usable(ad) && ad->refs > 1)
		ad->refs--;
}

int dm_hal_allocate_channel(struct dm_hal *hal, struct dm_thread *t,
			    struct dm_adapter *ad, uint32_t nregs,
			    dm_exec_fn fn, void *ctx)
{
	uint32_t largest = 0, first = 0;
	bool ok = usable(ad) && nregs <= ad->max_regs;
	struct waiter *w;

	if (ok && nregs) {
		first = reg_find(hal, nregs, &largest);
		if (first != DM_HMAP_NONE)
			largest = nregs;
	}
	struct dm_event ev = {
		.kind = DM_EV_CHANNEL_ALLOC,
		.adapter = ad_handle(ad),
		.obj = ad ? ad->wcb : 0,
		.arg = { nregs, ok ? largest : 0 },
		.flags = ok ? 0 : DM_F_FAILED,
	};
	emit(hal, t, &ev);
	if (!ok)
		return -EINVAL;
	if (!ad->channel_held && !hal->wait_head &&
	    (!nregs || first != DM_HMAP_NONE)) {
		grant(hal, t, ad, first, nregs, t->caller, fn, ctx);
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	*w = (struct waiter){ ad, t, nregs, t->caller, fn, ctx, NULL };
	*hal->wait_tail = w;
	hal->wait_tail = &w->next;
	return -EAGAIN;
}

void dm_hal_free_channel(struct dm_hal *hal, struct dm_thread *t,
			 struct dm_adapter *ad)
{
	struct dm_event ev = {
		.kind = DM_EV_CHANNEL_FREE,
		.adapter = ad_handle(ad),
		.obj = usable(ad) && ad->cur ? ad->cur->base : 0,
	};

	emit(hal, t, &ev);
	if (!usable(ad))
		return;
	ad->channel_held = false;
	if (ad->cur)
		file_free(hal, ad->cur);
	ad->cur = NULL;
	run_waiters(hal);
}

void dm_hal_free_map_registers(struct dm_hal *hal, struct dm_thread *t,
			       struct dm_adapter *ad, uint64_t base,
			       uint32_t nregs)
{
	struct mrfile *f = obj_get(hal, &hal->file_by_base, base);
	struct dm_event ev = {
		.kind = DM_EV_MAPREG_FREE,
		.adapter = ad_handle(ad),
		.obj = base,
		.arg = { nregs },
	};

	emit(hal, t, &ev);
	if (!usable(ad) || !f || f->ad != ad)
		return;
	file_free(hal, f);
	run_waiters(hal);
}

static void mdl_fields(struct dm_event *ev, const struct dm_mdl *mdl)
{
	if (!mdl)
		return;
	ev->arg[0] = mdl->handle;
	ev->arg[1] = mdl->va;
	ev->arg[2] = mdl->byte_count;
	ev->flags |= mdl->flags | DM_F_MDL;
}

uint64_t dm_hal_map_transfer(struct dm_hal *hal, struct dm_thread *t,
			     struct dm_adapter *ad, const struct dm_mdl *mdl,
			     uint64_t base, uint64_t va, uint32_t len,
			     bool write)
{
	struct mrfile *f = obj_get(hal, &hal->file_by_base, base);
	uint64_t logical = 0, p, end = va + len;
	uint32_t need = len ? (uint32_t)((end - 1) / DM_SIM_PAGE -
					 va / DM_SIM_PAGE + 1) :
			      0;
	uint32_t r = 0, i;
	bool ok = usable(ad) && f && f->ad == ad && len && mdl &&
		  dm_hal_va(hal, va, len);

	/* the lowest free registers, consecutive, as the verifier expects */
	if (ok) {
		while (r < f->n && f->reg[r].len)
			r++;
		for (i = r; i < r + need && i < f->n; i++)
			if (f->reg[i].len)
				break;
		ok = i == r + need && r + need <= f->n;
	}
	if (ok)
		logical = reg_phys(hal, f->first + r) + va % DM_SIM_PAGE;
	struct dm_event ev = {
		.kind = DM_EV_MAP,
		.adapter = ad_handle(ad),
		.obj = base,
		.va = va,
		.dma = logical,
		.len = len,
		.dir = write ? DM_DIR_TO_DEVICE : DM_DIR_FROM_DEVICE,
		.flags = usable(ad) ? 0 : DM_F_FAILED,
	};
	mdl_fields(&ev, mdl);
	emit(hal, t, &ev);
	if (!ok)
		return 0;
	/* double buffer: one register a page piece */
	for (p = va, i = r; p < end; i++) {
		uint32_t piece = DM_SIM_PAGE - p % DM_SIM_PAGE;
		uint64_t dst = reg_phys(hal, f->first + i) + p % DM_SIM_PAGE;

		if (piece > end - p)
			piece = (uint32_t)(end - p);
		f->reg[i].va = p;
		f->reg[i].len = piece;
		f->reg[i].write = write;
		if (write)
			memcpy(dm_simmem_phys(&hal->mem, dst, piece),
			       dm_hal_va(hal, p, piece), piece);
		iommu_map(ad, dst, piece);
		p += piece;
	}
	if (ad->master == MASTER_HANDLE && !ad->desc.master) {
		struct dm_event sd = {
			.kind = DM_EV_SYSDMA_START,
			.adapter = ad->handle,
			.arg = { ad->desc.channel / 4, ad->desc.channel % 4 },
		};
		emit(hal, t, &sd);
		ad->sysdma_busy = true;
	}
	return logical;
}

bool dm_hal_flush(struct dm_hal *hal, struct dm_thread *t,
		  struct dm_adapter *ad, const struct dm_mdl *mdl,
		  uint64_t base, uint64_t va, uint32_t len, bool write)
{
	struct mrfile *f = obj_get(hal, &hal->file_by_base, base);
	uint32_t i;
	struct dm_event ev = {
		.kind = DM_EV_FLUSH,
		.adapter = ad_handle(ad),
		.obj = base,
		.va = va,
		.len = len,
		.dir = write ? DM_DIR_TO_DEVICE : DM_DIR_FROM_DEVICE,
	};

	mdl_fields(&ev, mdl);
	emit(hal, t, &ev);
	if (!usable(ad) || !f || f->ad != ad)
		return false;
	for (i = 0; i < f->n; i++) {
		uint64_t src = reg_phys(hal, f->first + i);

		if (!f->reg[i].len || f->reg[i].va < va ||
		    f->reg[i].va >= (uint64_t)va + len)
			continue;
		src += f->reg[i].va % DM_SIM_PAGE;
		if (!f->reg[i].write) {
			uint8_t *dst =
				dm_hal_va(hal, f->reg[i].va, f->reg[i].len);

			if (dst)
				memcpy(dst,
				       dm_simmem_phys(&hal->mem, src,
						      f->reg[i].len),
				       f->reg[i].len);
		}
		iommu_unmap(ad, src, f->reg[i].len);
		f->reg[i].len = 0;
	}
	return true;
}

uint64_t dm_hal_alloc_common_buffer(struct dm_hal *hal, struct dm_thread *t,
				    struct dm_adapter *ad, uint32_t len,
				    uint64_t *logical)
{
	uint64_t want = hal->place[DM_PLACE_CB], va = 0, start = 0, end;
	uint32_t npages = 0, i;
	struct cbuf *cb = NULL;
	uint8_t *p;

	hal->place[DM_PLACE_CB] = 0;
	if (usable(ad) && len) {
		uint64_t buf_off;

		if (want) {
			start = (dm_simmem_va_to_phys(want) - TAG_LEN -
				 MIN_PAD) &
				~(uint64_t)(DM_SIM_PAGE - 1);
			buf_off = dm_simmem_va_to_phys(want) - start;
		} else {
			buf_off = CB_OFFSET;
		}
		end = buf_off + len + TAG_LEN + MIN_PAD;
		npages = (uint32_t)((end + DM_SIM_PAGE - 1) / DM_SIM_PAGE);
		start = dm_simmem_alloc(&hal->mem, npages, start);
		cb = start ? calloc(1, sizeof(*cb)) : NULL;
		i = cb ? obj_put(hal, cb, false) : DM_HMAP_NONE;
		if (i != DM_HMAP_NONE) {
			va = dm_simmem_phys_to_va(start + buf_off);
			if (dm_hmap_put(&hal->cb_by_va, va, i))
				va = 0;
		}
		if (!va) {
			if (start)
				dm_simmem_free(&hal->mem, start, npages);
			free(cb);
		}
	}
	struct dm_event ev = {
		.kind = DM_EV_CB_ALLOC,
		.adapter = ad_handle(ad),
		.obj = va,
		.dma = va ? dm_simmem_va_to_phys(va) : 0,
		.len = len,
		.flags = va ? 0 : DM_F_FAILED,
	};
	emit(hal, t, &ev);
	if (!va)
		return 0;
	*cb = (struct cbuf){ va, ev.dma, start, len, npages, ad };
	p = dm_simmem_phys(&hal->mem, start, (uint64_t)npages * DM_SIM_PAGE);
	memset(p, 0x0f, (size_t)npages * DM_SIM_PAGE);
	p += cb->logical - start;
	memcpy(p - TAG_LEN, dma_vrfy0, TAG_LEN);
	memset(p, 0, len);
	memcpy(p + len, dma_vrfy0, TAG_LEN);
	iommu_map(ad, start, (uint64_t)npages * DM_SIM_PAGE);
	if (logical)
		*logical = cb->logical;
	return va;
}

/* Read a common buffer's guards from memory and report what they hold. */
static void guard_event(struct dm_hal *hal, struct dm_thread *t,
			const struct cbuf *cb)
{
	uint8_t *base = dm_simmem_phys(&hal->mem, cb->start,
				       (uint64_t)cb->npages * DM_SIM_PAGE);
	uint64_t off = cb->logical - cb->start, i;
	uint64_t total = (uint64_t)cb->npages * DM_SIM_PAGE;
	struct dm_event ev = {
		.kind = DM_EV_GUARD,
		.adapter = cb->ad->handle,
		.obj = cb->va,
		.len = cb->len,
	};

	memcpy(&ev.arg[0], base + off - TAG_LEN, TAG_LEN);
	memcpy(&ev.arg[1], base + off + cb->len, TAG_LEN);
	for (i = 0; i < off - TAG_LEN; i++)
		if (base[i] != 0x0f) {
			ev.va = cb->va - off + i;
			break;
		}
	for (i = off + cb->len + TAG_LEN; i < total; i++)
		if (base[i] != 0x0f) {
			ev.dma = cb->va - off + i;
			break;
		}
	emit(hal, t, &ev);
}

void dm_hal_free_common_buffer(struct dm_hal *hal, struct dm_thread *t,
			       struct dm_adapter *ad, uint32_t len,
			       uint64_t logical, uint64_t va)
{
	struct cbuf *cb = obj_get(hal, &hal->cb_by_va, va);
	struct dm_event ev = {
		.kind = DM_EV_CB_FREE,
		.adapter = ad_handle(ad),
		.obj = va,
		.dma = logical,
		.len = len,
	};

	if (usable(ad) && cb && cb->ad == ad)
		guard_event(hal, t, cb);
	emit(hal, t, &ev);
	if (!usable(ad) || !cb || cb->ad != ad)
		return;
	cb = obj_take(hal, &hal->cb_by_va, va);
	iommu_unmap(ad, cb->start, (uint64_t)cb->npages * DM_SIM_PAGE);
	dm_simmem_free(&hal->mem, cb->start, cb->npages);
	free(cb);
}

uint32_t dm_hal_sg_list_size(uint64_t va, uint32_t len)
{
	uint32_t n = len ? (uint32_t)((va + len - 1) / DM_SIM_PAGE -
				      va / DM_SIM_PAGE + 1) :
			   0;

	return (uint32_t)(sizeof(struct dm_sglist) +
			  n * sizeof(struct dm_sg_element));
}

static int sg_list(struct dm_hal *hal, struct dm_thread *t,
		   struct dm_adapter *ad, const struct dm_mdl *mdl, uint64_t va,
		   uint32_t len, dm_list_fn fn, void *ctx, bool write,
		   void *buf, uint32_t buflen, bool build)
{
	uint32_t size = dm_hal_sg_list_size(va, len);
	bool ok = usable(ad) && mdl && len && dm_hal_va(hal, va, len) &&
		  (!build || buflen >= size);
	struct dm_sglist *sg = NULL;
	uint8_t irql = t->irql;
	uint64_t p;

	if (ok) {
		sg = build ? buf : malloc(size);
		ok = sg && (sg->handle = dm_simmem_handle(&hal->mem, 0x40));
	}
	struct dm_event ev = {
		.kind = DM_EV_SG_MAP,
		.adapter = ad_handle(ad),
		.obj = ok ? sg->handle : 0,
		.va = va,
		.dma = build ? buflen : 0,
		.len = len,
		.dir = write ? DM_DIR_TO_DEVICE : DM_DIR_FROM_DEVICE,
		.flags = (ok ? 0 : DM_F_FAILED) | (build ? DM_F_BUILD : 0),
	};
	mdl_fields(&ev, mdl);
	emit(hal, t, &ev);
	if (!ok) {
		if (!build)
			free(sg);
		return -EINVAL;
	}
	/* no double buffering: the pages themselves, seen by the IOMMU */
	sg->n = 0;
	sg->put = false;
	sg->built = build;
	if (!build) {
		sg->live_next = hal->live_sgs;
		hal->live_sgs = sg;
	}
	for (p = va; p < va + len;) {
		uint32_t piece = DM_SIM_PAGE - p % DM_SIM_PAGE;

		if (piece > va + len - p)
			piece = (uint32_t)(va + len - p);
		sg->el[sg->n].addr = dm_simmem_va_to_phys(p);
		sg->el[sg->n++].len = piece;
		iommu_map(ad, dm_simmem_va_to_phys(p), piece);
		p += piece;
	}
	t->irql = DM_DISPATCH_LEVEL;
	fn(hal, t, ctx, sg);
	struct dm_event ret = {
		.kind = DM_EV_CALLBACK_RETURN,
		.adapter = ad->handle,
		.arg = { DM_DISPATCH_LEVEL },
	};
	emit(hal, t, &ret);
	t->irql = irql;
	return 0;
}

int dm_hal_get_sg_list(struct dm_hal *hal, struct dm_thread *t,
		       struct dm_adapter *ad, const struct dm_mdl *mdl,
		       uint64_t va, uint32_t len, dm_list_fn fn, void *ctx,
		       bool write)
{
	return sg_list(hal, t, ad, mdl, va, len, fn, ctx, write, NULL, 0,
		       false);
}

int dm_hal_build_sg_list(struct dm_hal *hal, struct dm_thread *t,
			 struct dm_adapter *ad, const struct dm_mdl *mdl,
			 uint64_t va, uint32_t len, dm_list_fn fn, void *ctx,
			 bool write, void *buf, uint32_t buflen)
{
	return sg_list(hal, t, ad, mdl, va, len, fn, ctx, write, buf, buflen,
		       true);
}

void dm_hal_put_sg_list(struct dm_hal *hal, struct dm_thread *t,
			struct dm_adapter *ad, struct dm_sglist *sg, bool write)
{
	struct dm_event ev = {
		.kind = DM_EV_SG_UNMAP,
		.adapter = ad_handle(ad),
		.obj = sg ? sg->handle : 0,
		.dir = write ? DM_DIR_TO_DEVICE : DM_DIR_FROM_DEVICE,
	};
	struct dm_sglist **link;
	uint32_t i;

	emit(hal, t, &ev);
	if (!usable(ad) || !sg || sg->put)
		return;
	for (i = 0; i < sg->n; i++)
		iommu_unmap(ad, sg->el[i].addr, sg->el[i].len);
	dm_simmem_handle_free(&hal->mem, sg->handle, 0x40);
	sg->put = true;
	if (sg->built)
		return;
	for (link = &hal->live_sgs; *link; link = &(*link)->live_next)
		if (*link == sg) {
			*link = sg->live_next;
			break;
		}
	free(hal->grave[hal->grave_next]);
	hal->grave[hal->grave_next] = sg;
	hal->grave_next = (hal->grave_next + 1) % 64;
}

uint64_t dm_hal_perf_counter(struct dm_hal *hal, struct dm_thread *t)
{
	int64_t ns = (int64_t)hal->now + DM_HAL_CALL_NS + hal->perf_skew;
	uint64_t v =
		ns > 0 ? (uint64_t)ns / (1000000000ull / DM_HAL_PERF_FREQ) : 0;
	struct dm_event ev = {
		.kind = DM_EV_PERF_COUNTER,
		.arg = { v, DM_HAL_PERF_FREQ },
	};

	emit(hal, t, &ev);
	return v;
}

uint64_t dm_hal_pool_alloc(struct dm_hal *hal, uint32_t len)
{
	uint32_t n = (len + DM_SIM_PAGE - 1) / DM_SIM_PAGE;
	uint64_t phys = dm_simmem_alloc(&hal->mem, n ? n : 1, 0);

	return phys ? dm_simmem_phys_to_va(phys) : 0;
}

void dm_hal_pool_free(struct dm_hal *hal, uint64_t va, uint32_t len)
{
	uint32_t n = (len + DM_SIM_PAGE - 1) / DM_SIM_PAGE;

	dm_simmem_free(&hal->mem, dm_simmem_va_to_phys(va), n ? n : 1);
}

struct dm_mdl *dm_hal_mdl_new(struct dm_hal *hal, uint64_t va, uint32_t len)
{
	struct dm_mdl *mdl = calloc(1, sizeof(*mdl));

	if (!mdl)
		return NULL;
	mdl->handle = handle(hal, DM_PLACE_MAX, 0x20);
	mdl->va = va;
	mdl->byte_count = len;
	return mdl;
}

void dm_hal_mdl_lock(struct dm_mdl *mdl)
{
	mdl->flags |= DM_MDL_LOCKED;
}

void dm_hal_mdl_map(struct dm_mdl *mdl)
{
	mdl->flags |= DM_MDL_SYSVA;
}

void dm_hal_mdl_build_nonpaged(struct dm_mdl *mdl)
{
	mdl->flags |= DM_MDL_LOCKED | DM_MDL_SYSVA;
}

void dm_hal_mdl_free(struct dm_hal *hal, struct dm_mdl *mdl)
{
	if (!mdl)
		return;
	dm_simmem_handle_free(&hal->mem, mdl->handle, 0x20);
	free(mdl);
}

uint8_t *dm_hal_va(struct dm_hal *hal, uint64_t va, uint32_t len)
{
	return dm_simmem_va(&hal->mem, va, len);
}

int dm_hal_device_dma(struct dm_hal *hal, struct dm_adapter *ad,
		      uint64_t logical, void *buf, uint32_t len, bool to_memory)
{
	uint8_t *b = buf;
	uint64_t p = logical, end = logical + len;

	while (p < end) {
		uint32_t piece = DM_SIM_PAGE - p % DM_SIM_PAGE;
		uint8_t *mem;

		if (piece > end - p)
			piece = (uint32_t)(end - p);
		mem = dm_simmem_phys(&hal->mem, p, piece);
		if (!mem || (ad->desc.iommu &&
			     dm_hmap_get(&ad->iommu, p / DM_SIM_PAGE) ==
				     DM_HMAP_NONE)) {
			struct dm_event ev = {
				.kind = DM_EV_IOMMU_FAULT,
				.adapter = ad->handle,
				.obj = ad->devobj,
				.dma = p,
				.arg = { to_memory ? DM_FAULT_WRITE :
						     DM_FAULT_READ },
			};
			emit(hal, NULL, &ev);
			hal->st.iommu_faults++;
			return -EFAULT;
		}
		if (to_memory) {
			memcpy(mem, b, piece);
			if (p >= hal->pool_phys &&
			    p < reg_phys(hal, DM_HAL_NREGS))
				set_bits(hal->reg_dirty,
					 (uint32_t)((p - hal->pool_phys) /
						    DM_SIM_PAGE),
					 1, true);
			hal->st.bytes_from_device += piece;
		} else {
			memcpy(b, mem, piece);
			hal->st.bytes_to_device += piece;
		}
		b += piece;
		p += piece;
	}
	return 0;
}

void dm_hal_sysdma_complete(struct dm_hal *hal, struct dm_adapter *ad)
{
	struct dm_event ev = {
		.kind = DM_EV_SYSDMA_DONE,
		.adapter = ad->handle,
		.arg = { ad->desc.channel / 4, ad->desc.channel % 4 },
	};

	if (!ad->sysdma_busy)
		return;
	emit(hal, NULL, &ev);
	ad->sysdma_busy = false;
}

void dm_hal_verify_pass(struct dm_hal *hal)
{
	uint32_t i, r;

	for (i = 0; i < hal->nobj; i++)
		if (hal->obj[i].p && !hal->obj[i].is_file)
			guard_event(hal, NULL, hal->obj[i].p);
	for (r = 0; r < DM_HAL_NREGS; r++)
		if (bit(hal->reg_dirty, r) && !bit(hal->reg_used, r))
			reg_check(hal, r);
}
