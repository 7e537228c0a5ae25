/*
 * verifier.c - the verifier engine (see verifier.h for the contract).
 *
 * State lives in flat arrays of records (adapters, map register files,
 * common buffers, scatter/gather lists) indexed by 32-bit numbers, with a
 * dm_hmap from each handle to its record and a free list threaded through
 * the records' `next` field. Each adapter keeps its objects on
 * doubly-linked lists in allocation order, which is the order !dma prints.
 *
 * Overlap detection (0x1D) needs "which mapped registers touch this
 * page?": every mapped register sits on a chain of page nodes, found
 * through node_by_page. A register never spans two pages, so one node per
 * mapped register is enough.
 *
 * Each handler checks, reports, then updates state, in that order, so a
 * violation always describes the state before the offending call. The
 * handlers follow the HAL: a call the HAL refuses (DM_F_FAILED) is checked
 * but changes nothing.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "verifier_int.h"

/* A violation of rule on adapter a (or NONE); caller names who did it. */
static void report_by(struct dm_vrf *vrf, enum dm_rule_id rule, uint32_t a,
		      uint32_t caller, uint64_t obj, uint64_t p2, uint64_t p3,
		      uint64_t p4)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_violation v = {
		.seq = ev->seq,
		.ts = ev->ts,
		.adapter = ev->adapter,
		.obj = obj,
		.p = { dm_rules[rule].has_sub ? dm_rules[rule].sub : p2, p3,
		       p4 },
		.rule = rule,
		.caller = caller,
	};

	vrf->st.violations++;
	if (a != NONE)
		vrf->ad[a].violations++;
	if (vrf->report)
		vrf->report(vrf->ctx, &v);
}

/* ... by the caller of the event at hand */
static void report(struct dm_vrf *vrf, enum dm_rule_id rule, uint32_t a,
		   uint64_t obj, uint64_t p2, uint64_t p3, uint64_t p4)
{
	report_by(vrf, rule, a, vrf->ev->caller, obj, p2, p3, p4);
}

/* ---- page index of mapped registers ---- */

static uint64_t page_key(uint64_t page, uint32_t adapter)
{
	return page * 0x100000001b3ull + adapter;
}

int dm_vrf_i_page_add(struct dm_vrf *vrf, uint32_t a, uint32_t f, uint32_t r)
{
	struct dm_vreg *reg = &DM_VFILE_REG(&vrf->files.v[f])[r];
	uint64_t page = reg->va / DM_PAGE_SIZE, key = page_key(page, a);
	uint32_t n = TAKE(vrf->nodes), next;

	if (n == NONE)
		return -ENOMEM;
	if (dm_hmap_swap(&vrf->node_by_page, key, n, &next)) {
		GIVE(vrf->nodes, n);
		return -ENOMEM;
	}
	vrf->nodes.v[n] = (struct pnode){ page, a, f, r, next };
	reg->node = n;
	return 0;
}

static void page_del(struct dm_vrf *vrf, uint32_t a, struct dm_vreg *reg)
{
	struct dm_hmap_slot *head = dm_hmap_find(
		&vrf->node_by_page, page_key(reg->va / DM_PAGE_SIZE, a));
	uint32_t n = head ? head->val : NONE, prev = NONE;

	for (; n != NONE; prev = n, n = vrf->nodes.v[n].next)
		if (n == reg->node)
			break;
	if (n == NONE)
		return;
	if (prev != NONE)
		vrf->nodes.v[prev].next = vrf->nodes.v[n].next;
	else if (vrf->nodes.v[n].next != NONE)
		head->val = vrf->nodes.v[n].next;
	else
		dm_hmap_del_at(&vrf->node_by_page, head);
	GIVE(vrf->nodes, n);
	reg->node = NONE;
}

/* First mapped byte of adapter a within [start, end), or 0. */
static uint64_t page_overlap(struct dm_vrf *vrf, uint32_t a, uint64_t start,
			     uint64_t end)
{
	uint64_t page;

	for (page = start / DM_PAGE_SIZE; page <= (end - 1) / DM_PAGE_SIZE;
	     page++) {
		uint32_t n = dm_hmap_get(&vrf->node_by_page, page_key(page, a));

		for (; n != NONE; n = vrf->nodes.v[n].next) {
			const struct pnode *pn = &vrf->nodes.v[n];
			const struct dm_vreg *r;

			if (pn->page != page || pn->adapter != a)
				continue;
			r = &DM_VFILE_REG(&vrf->files.v[pn->file])[pn->reg];
			if (r->va < end && start < r->va + r->len)
				return r->va > start ? r->va : start;
		}
	}
	return 0;
}

/* ---- records ---- */

static void file_unmap_reg(struct dm_vrf *vrf, uint32_t f, uint32_t r)
{
	struct dm_vfile *file = &vrf->files.v[f];
	struct dm_vreg *reg = &DM_VFILE_REG(file)[r];

	if (!reg->len)
		return;
	page_del(vrf, file->adapter, reg);
	reg->len = 0;
	file->mapped--;
	vrf->ad[file->adapter].mr_mapped--;
}

static void file_drop(struct dm_vrf *vrf, uint32_t f)
{
	struct dm_vfile *file = &vrf->files.v[f];
	uint32_t r;

	for (r = 0; r < file->nregs; r++)
		file_unmap_reg(vrf, f, r);
	LIST_DEL(vrf->files, vrf->ad[file->adapter].files, f);
	dm_hmap_del(&vrf->file_by_base, file->base);
	dm_vrf_i_regs_free(file);
	GIVE(vrf->files, f);
}

static void cb_drop(struct dm_vrf *vrf, uint32_t c)
{
	struct dm_vcb *cb = &vrf->cbs.v[c];

	vrf->ad[cb->adapter].cb_bytes -= cb->len;
	LIST_DEL(vrf->cbs, vrf->ad[cb->adapter].cbs, c);
	dm_hmap_del(&vrf->cb_by_va, cb->va);
	GIVE(vrf->cbs, c);
}

static void sg_drop(struct dm_vrf *vrf, uint32_t s)
{
	LIST_DEL(vrf->sgs, vrf->ad[vrf->sgs.v[s].adapter].sgs, s);
	dm_hmap_del(&vrf->sg_by_handle, vrf->sgs.v[s].handle);
	GIVE(vrf->sgs, s);
}

/* A list of adapter a under handle, blank but for those two, in place of
 * any other of that handle; NULL without memory. */
static struct dm_vsg *sg_new(struct dm_vrf *vrf, uint32_t a, uint64_t handle)
{
	uint32_t s = dm_hmap_get(&vrf->sg_by_handle, handle);
	struct dm_vsg *sg;

	if (s != NONE)
		sg_drop(vrf, s);
	s = TAKE(vrf->sgs);
	if (s == NONE)
		return NULL;
	if (dm_hmap_put(&vrf->sg_by_handle, handle, s)) {
		GIVE(vrf->sgs, s);
		return NULL;
	}
	sg = &vrf->sgs.v[s];
	memset(sg, 0, sizeof(*sg));
	sg->handle = handle;
	sg->adapter = a;
	LIST_ADD(vrf->sgs, vrf->ad[a].sgs, s);
	return sg;
}

static void adapter_clear(struct dm_vrf *vrf, uint32_t a)
{
	struct dm_vadapter *ad = &vrf->ad[a];

	while (ad->files.head != NONE)
		file_drop(vrf, ad->files.head);
	while (ad->cbs.head != NONE)
		cb_drop(vrf, ad->cbs.head);
	while (ad->sgs.head != NONE)
		sg_drop(vrf, ad->sgs.head);
}

uint32_t dm_vrf_i_adapter_new(struct dm_vrf *vrf, uint64_t handle)
{
	struct dm_vadapter *ad;
	uint32_t a = dm_hmap_get(&vrf->ad_by_handle, handle);

	if (a != NONE) {
		adapter_clear(vrf, a);
	} else {
		if (vrf->nad == vrf->capad) {
			uint32_t cap = vrf->capad ? vrf->capad * 2 : 16;
			void *v = realloc(vrf->ad, cap * sizeof(*vrf->ad));

			if (!v)
				return NONE;
			vrf->ad = v;
			vrf->capad = cap;
		}
		a = vrf->nad;
		if (dm_hmap_put(&vrf->ad_by_handle, handle, a))
			return NONE;
		vrf->nad++;
	}
	ad = &vrf->ad[a];
	memset(ad, 0, sizeof(*ad));
	ad->handle = handle;
	ad->live = true;
	ad->refs = 1;
	ad->files = ad->cbs = ad->sgs = (struct dm_vlist){ NONE, NONE, 0 };
	ad->first_ts = vrf->ev->ts;
	return a;
}

/*
 * The adapter an event acts on: reports a NULL adapter (0x19) and use
 * after release (0x18) and returns NONE for both. An adapter never seen
 * is one that existed before we started watching: it is adopted.
 */
static uint32_t adapter_of(struct dm_vrf *vrf, const struct dm_event *ev)
{
	uint32_t a;

	if (!ev->adapter) {
		if (vrf->rulesets & DM_RULES_HAL)
			report(vrf, DM_R_NULL_ADAPTER, NONE, 0, 0, 0, 0);
		return NONE;
	}
	if (ev->adapter == vrf->ad_last) {
		a = vrf->ad_last_i;
	} else {
		a = dm_hmap_get(&vrf->ad_by_handle, ev->adapter);
		if (a == NONE)
			return dm_vrf_i_adapter_new(vrf, ev->adapter);
		vrf->ad_last = ev->adapter;
		vrf->ad_last_i = a;
	}
	if (!vrf->ad[a].live) {
		report(vrf, DM_R_ADAPTER_AFTER_PUT, a, 0, ev->adapter, a + 1,
		       0);
		return NONE;
	}
	vrf->ad[a].last_ts = ev->ts;
	return a;
}

/* IRQL a HAL routine requires: exactly `want` (0x13.1) or at most (0x13.2) */
static void irql_exact(struct dm_vrf *vrf, uint32_t a, unsigned want)
{
	if ((vrf->rulesets & DM_RULES_HAL) && vrf->ev->irql != want)
		report(vrf, DM_R_IRQL_NOT_EXPECTED, a, 0, 0, want,
		       vrf->ev->irql);
}

static void irql_max(struct dm_vrf *vrf, uint32_t a, unsigned max)
{
	if ((vrf->rulesets & DM_RULES_HAL) && vrf->ev->irql > max)
		report(vrf, DM_R_IRQL_TOO_HIGH, a, 0, 0, max, vrf->ev->irql);
}

/*
 * The MDL rules shared by MapTransfer and Get/BuildScatterGatherList.
 * Returns false when the transfer is too broken to account.
 */
static bool check_mdl(struct dm_vrf *vrf, uint32_t a, uint32_t data)
{
	const struct dm_event *ev = vrf->ev;
	uint64_t mdl = ev->arg[0], start = ev->arg[1], va = ev->va;
	uint64_t end = ev->arg[2] > UINT64_MAX - start ? UINT64_MAX :
							 start + ev->arg[2];

	if (!ev->len) {
		report(vrf, DM_R_ZERO_LENGTH, a, mdl, data, 0, 0);
		return false;
	}
	if (!(ev->flags & DM_MDL_LOCKED))
		report(vrf, DM_R_PAGEABLE_BUFFER, a, mdl, mdl, 0, 0);
	if (!(ev->flags & DM_MDL_SYSVA))
		report(vrf, DM_R_NOT_IN_SYSVA, a, mdl, mdl, 0, 0);
	if (va < start) {
		report(vrf, DM_R_BEFORE_MDL, a, mdl, 0, va, mdl);
		return false;
	}
	if (va >= end) {
		report(vrf, DM_R_AFTER_MDL, a, mdl, 0, va, mdl);
		return false;
	}
	if (va + ev->len > end) {
		if ((end - 1) / DM_PAGE_SIZE !=
		    (va + ev->len - 1) / DM_PAGE_SIZE) {
			/* pages the MDL does not have: nothing to account */
			report(vrf, DM_R_CROSSES_PAGE, a, mdl, 0, mdl, ev->len);
			return false;
		}
		report(vrf, DM_R_BUFFER_TOO_SHORT, a, mdl, va + ev->len - end,
		       0, 0);
	}
	if ((vrf->ad[a].desc & DM_DESC_NONCOHERENT) &&
	    ev->dir != DM_DIR_TO_DEVICE) {
		if (va % DM_CACHE_LINE)
			report(vrf, DM_R_VA_UNALIGNED, a, mdl, 0, va, mdl);
		else if (ev->len % DM_CACHE_LINE)
			report(vrf, DM_R_LEN_UNALIGNED, a, mdl, 0, ev->len,
			       mdl);
	}
	return true;
}

/* ---- handlers ---- */

static int on_adapter_get(struct dm_vrf *vrf, const struct dm_event *ev)
{
	struct dm_vadapter *ad;
	uint32_t a;

	if (ev->kind == DM_EV_ADAPTER_GET_OBSOLETE)
		report(vrf, DM_R_OBSOLETE_GET, NONE, 0, 0, 0, 0);
	if (vrf->rulesets & DM_RULES_HAL) {
		if (DM_DESC_VERSION(ev->arg[0]) > DM_DESC_VERSION_MAX)
			report(vrf, DM_R_UNKNOWN_VERSION, NONE, 0, 0, 0, 0);
		irql_exact(vrf, NONE, DM_PASSIVE_LEVEL);
	}
	if ((ev->flags & DM_F_FAILED) || !ev->adapter)
		return 0;
	a = dm_hmap_get(&vrf->ad_by_handle, ev->adapter);
	if (a != NONE && vrf->ad[a].live) {
		if (vrf->rulesets & DM_RULES_HAL) {
			vrf->ad[a].refs++;
			return 0;
		}
		/* Linux: the device described again, another driver */
		vrf->ad[a].owner = ev->caller;
		vrf->ad[a].name = (uint32_t)ev->arg[2];
		return 0;
	}
	a = dm_vrf_i_adapter_new(vrf, ev->adapter);
	if (a == NONE)
		return -ENOMEM;
	ad = &vrf->ad[a];
	ad->devobj = ev->obj;
	ad->wcb = ev->va;
	ad->master = ev->dma;
	ad->maxlen = ev->len;
	ad->desc = ev->arg[0];
	ad->owner_ra = ev->arg[1];
	ad->name = (uint32_t)ev->arg[2];
	ad->max_mapregs = (uint32_t)(ev->arg[2] >> 32);
	ad->owner = ev->caller;
	if (ev->dma)
		vrf->master = ev->dma;
	return 0;
}

static void on_adapter_put(struct dm_vrf *vrf, uint32_t a)
{
	struct dm_vadapter *ad = &vrf->ad[a];
	uint64_t h = ad->handle;

	irql_exact(vrf, a, DM_PASSIVE_LEVEL);
	if (ad->refs > 1) {
		report(vrf, DM_R_TOO_MANY_REFS, a, 0, ad->refs, h, a + 1);
		ad->refs--;
		return;
	}
	if (ad->cbs.count)
		report(vrf, DM_R_PUT_LEAKS_CB, a, 0, h, ad->cbs.count, a + 1);
	if (ad->ch_alloc > ad->ch_freed)
		report(vrf, DM_R_PUT_LEAKS_CHANNEL, a, 0, h,
		       ad->ch_alloc - ad->ch_freed, a + 1);
	if (ad->mr_alloc > ad->mr_freed)
		report(vrf, DM_R_PUT_LEAKS_MAPREG, a, 0, h,
		       ad->mr_alloc - ad->mr_freed, a + 1);
	if (ad->sgs.count)
		report(vrf, DM_R_PUT_LEAKS_SG, a, 0, h, ad->sgs.count, a + 1);
	ad->refs = 0;
	ad->live = false;
	adapter_clear(vrf, a);
}

static void on_channel_alloc(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	uint64_t want = ev->arg[0];

	irql_exact(vrf, a, DM_DISPATCH_LEVEL);
	if (ad->ch_alloc > ad->ch_freed)
		report(vrf, DM_R_CHANNEL_TWICE, a, ev->obj,
		       ad->ch_alloc - ad->ch_freed, 0, 0);
	if (ad->max_mapregs && want > ad->max_mapregs)
		report(vrf, DM_R_MAPREG_OVER_MAX, a, ev->obj, want,
		       ad->max_mapregs, 0);
	else if (ad->master && want > ev->arg[1])
		report(vrf, DM_R_MAPREG_EXHAUSTED, a, ev->obj, 0, want,
		       ev->arg[1]);
	if (ev->flags & DM_F_FAILED)
		return;
	ad->ch_alloc++;
	ad->wcb_queued = true;
	ad->wcb_regs = (uint32_t)want;
	ad->wcb_caller = ev->caller;
	ad->wcb_ts = ev->ts;
}

/* A map register file of n registers at base for adapter a, made by
 * the event at hand; its index in *out. -EEXIST, and nothing made, if
 * the base is live. */
static int file_new(struct dm_vrf *vrf, uint32_t a, uint64_t base, uint32_t n,
		    uint32_t *out)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	struct dm_vfile *file;
	uint32_t f = TAKE(vrf->files), live;

	if (f == NONE)
		return -ENOMEM;
	/* one probe for the check and the insert */
	if (dm_hmap_swap(&vrf->file_by_base, base, f, &live)) {
		GIVE(vrf->files, f);
		return -ENOMEM;
	}
	if (live != NONE) { /* rare: put the live one back */
		dm_hmap_find(&vrf->file_by_base, base)->val = live;
		GIVE(vrf->files, f);
		return -EEXIST;
	}
	file = &vrf->files.v[f];
	if (dm_vrf_i_regs_new(file, n)) {
		dm_hmap_del(&vrf->file_by_base, base);
		GIVE(vrf->files, f);
		return -ENOMEM;
	}
	file->id = ++vrf->next_file_id;
	file->base = base;
	file->ts = ev->ts;
	file->adapter = a;
	file->caller = ev->caller;
	LIST_ADD(vrf->files, ad->files, f);
	ad->mr_alloc += n;
	*out = f;
	return 0;
}

static int on_channel_grant(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	uint32_t f, n = (uint32_t)ev->arg[0];
	int err;

	ad->wcb_queued = false;
	ad->cur_base = ev->obj;
	if (!ev->obj) /* a channel without map registers */
		return 0;
	if (n > DM_VRF_MAX_REGS) {
		vrf->st.rejected++;
		return 0;
	}
	f = dm_hmap_get(&vrf->file_by_base, ev->obj);
	if (f != NONE) /* the HAL never reuses a live base */
		file_drop(vrf, f);
	err = file_new(vrf, a, ev->obj, n, &f);
	if (err)
		return err;
	vrf->files.v[f].reg0 = ev->va;
	vrf->files.v[f].dbl_mdl = ev->arg[1];
	return 0;
}

/* FreeAdapterChannel gives back the channel's map registers too, unless
 * its execution routine kept them (DeallocateObjectKeepRegisters). */
static void on_channel_free(struct dm_vrf *vrf, uint32_t a)
{
	struct dm_vadapter *ad = &vrf->ad[a];
	uint32_t f;

	irql_exact(vrf, a, DM_DISPATCH_LEVEL);
	ad->ch_freed++;
	if (ad->ch_freed > ad->ch_alloc)
		report(vrf, DM_R_CHANNEL_DOUBLE_FREE, a, 0,
		       ad->ch_freed - ad->ch_alloc, 0, 0);
	f = ad->cur_base && !(vrf->ev->flags & DM_F_KEEP_REGISTERS) ?
		    dm_hmap_get(&vrf->file_by_base, ad->cur_base) :
		    NONE;
	if (f != NONE && vrf->files.v[f].adapter == a) {
		if (vrf->files.v[f].mapped)
			report(vrf, DM_R_FREE_WHILE_MAPPED, a, ad->cur_base,
			       vrf->files.v[f].mapped, 0, 0);
		ad->mr_freed += vrf->files.v[f].nregs;
		file_drop(vrf, f);
	}
	ad->cur_base = 0;
	ad->wcb_queued = false;
}

static void on_mapreg_free(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	uint32_t f = dm_hmap_get(&vrf->file_by_base, ev->obj);

	irql_exact(vrf, a, DM_DISPATCH_LEVEL);
	ad->mr_freed += ev->arg[0];
	if (f == NONE || vrf->files.v[f].adapter != a) {
		report(vrf, DM_R_MAPREG_DOUBLE_FREE, a, ev->obj,
		       ad->mr_freed > ad->mr_alloc ?
			       ad->mr_freed - ad->mr_alloc :
			       ev->arg[0],
		       0, 0);
		return;
	}
	if (vrf->files.v[f].mapped)
		report(vrf, DM_R_FREE_WHILE_MAPPED, a, ev->obj,
		       vrf->files.v[f].mapped, 0, 0);
	file_drop(vrf, f);
}

static int on_map(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	uint32_t f = dm_hmap_get(&vrf->file_by_base, ev->obj);
	uint64_t va, end, hit, before, max, pages;
	struct dm_vfile *file;
	uint32_t r;

	irql_max(vrf, a, DM_DISPATCH_LEVEL);
	if (!check_mdl(vrf, a, f != NONE ? vrf->files.v[f].id : 0))
		return 0;
	if (ev->flags & DM_F_FAILED)
		return 0;
	end = ev->va + ev->len;
	pages = (end - 1) / DM_PAGE_SIZE - ev->va / DM_PAGE_SIZE + 1;
	file = f != NONE && vrf->files.v[f].adapter == a ? &vrf->files.v[f] :
							   NULL;
	if (file && pages > file->nregs - file->mapped) {
		report(vrf, DM_R_MAPREG_OVER_FILE, a, ev->obj,
		       file->mapped + pages, file->nregs, 0);
		return 0;
	}
	hit = pages <= DM_VRF_MAX_REGS ? page_overlap(vrf, a, ev->va, end) : 0;
	if (hit) {
		report(vrf, DM_R_ALREADY_MAPPED, a, ev->obj, ev->va, end, hit);
		return 0;
	}
	before = ad->bytes_since_flush;
	ad->bytes_since_flush += ev->len;
	max = (uint64_t)ad->max_mapregs * DM_PAGE_SIZE;
	if (max && before <= max && ad->bytes_since_flush > max)
		report(vrf, DM_R_NOT_FLUSHED, a, ev->obj, ad->bytes_since_flush,
		       max, 0);
	if (!file)
		return 0;
	/* one register per page piece, lowest free register first */
	for (va = ev->va, r = 0; va < end && r < file->nregs; r++) {
		uint64_t piece = DM_PAGE_SIZE - va % DM_PAGE_SIZE;
		struct dm_vreg *reg = &DM_VFILE_REG(file)[r];

		if (reg->len)
			continue;
		if (piece > end - va)
			piece = end - va;
		reg->va = va;
		reg->dma = ev->dma + (va - ev->va);
		reg->len = (uint32_t)piece;
		if (dm_vrf_i_page_add(vrf, a, f, r))
			return -ENOMEM;
		file->mapped++;
		ad->mr_mapped++;
		va += piece;
	}
	return 0;
}

static void on_flush(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	uint32_t f = dm_hmap_get(&vrf->file_by_base, ev->obj);
	uint64_t mdl = ev->arg[0];
	uint64_t end = ev->arg[2] > UINT64_MAX - ev->arg[1] ?
			       UINT64_MAX :
			       ev->arg[1] + ev->arg[2];
	uint64_t first = 0;
	struct dm_vfile *file;
	uint32_t r, hit = 0;

	irql_max(vrf, a, DM_DISPATCH_LEVEL);
	if (ad->sysdma_busy && !(ad->desc & DM_DESC_MASTER))
		report(vrf, DM_R_SYSDMA_FLUSH_BUSY, a, ev->obj, 0,
		       DM_DESC_CHANNEL(ad->desc) / 4,
		       DM_DESC_CHANNEL(ad->desc) % 4);
	if (!ev->obj) /* system DMA without map registers */
		goto done;
	if (f == NONE || vrf->files.v[f].adapter != a ||
	    !vrf->files.v[f].mapped) {
		report(vrf, DM_R_FLUSH_UNMAPPED_MAPREG, a, ev->obj, ev->obj,
		       ev->va, mdl);
		goto done;
	}
	if (ev->va < ev->arg[1] || ev->va >= end) {
		report(vrf, DM_R_ADDRESS_OUTSIDE_MDL, a, mdl, ev->va, mdl, 0);
		goto done;
	}
	if (ev->len > end - ev->va)
		report(vrf, DM_R_FLUSH_PAST_MDL, a, mdl, 0, end - ev->va,
		       ev->len);
	file = &vrf->files.v[f];
	for (r = 0; r < file->nregs; r++) {
		struct dm_vreg *reg = &DM_VFILE_REG(file)[r];

		if (!reg->len)
			continue;
		if (!first)
			first = file->reg0 + (uint64_t)r * DM_MAPREG_STRIDE;
		if (reg->va >= ev->va && reg->va < ev->va + ev->len) {
			file_unmap_reg(vrf, f, r);
			hit++;
		}
	}
	if (!hit)
		report(vrf, DM_R_FLUSH_UNMAPPED_BUFFER, a, ev->obj, first,
		       file->id, 0);
done:
	ad->bytes_since_flush = 0;
}

static int on_sg_map(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	struct dm_vsg *sg;

	irql_exact(vrf, a, DM_DISPATCH_LEVEL);
	if (!check_mdl(vrf, a, 0) || (ev->flags & DM_F_FAILED))
		return 0;
	sg = sg_new(vrf, a, ev->obj);
	if (!sg)
		return -ENOMEM;
	sg->va = ev->va;
	/* for BuildScatterGatherList dma is the caller's buffer length */
	sg->dma = ev->flags & DM_F_BUILD ? 0 : ev->dma;
	sg->len = ev->len;
	sg->mdl = ev->arg[0];
	sg->ts = ev->ts;
	sg->caller = ev->caller;
	sg->dir = ev->dir;
	ad->sg_alloc++;
	return 0;
}

static void on_sg_unmap(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	uint32_t s = dm_hmap_get(&vrf->sg_by_handle, ev->obj);

	irql_exact(vrf, a, DM_DISPATCH_LEVEL);
	ad->sg_freed++;
	if (s == NONE || vrf->sgs.v[s].adapter != a) {
		report(vrf, DM_R_SG_DOUBLE_FREE, a, ev->obj, ad->sg_alloc,
		       ad->sg_freed, 0);
		return;
	}
	sg_drop(vrf, s);
}

static int on_cb_alloc(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	struct dm_vcb *cb;
	uint32_t c;

	irql_exact(vrf, a, DM_PASSIVE_LEVEL);
	if (ev->flags & DM_F_FAILED)
		return 0;
	c = dm_hmap_get(&vrf->cb_by_va, ev->obj);
	if (c != NONE)
		cb_drop(vrf, c);
	c = TAKE(vrf->cbs);
	if (c == NONE)
		return -ENOMEM;
	if (dm_hmap_put(&vrf->cb_by_va, ev->obj, c)) {
		GIVE(vrf->cbs, c);
		return -ENOMEM;
	}
	cb = &vrf->cbs.v[c];
	cb->va = ev->obj;
	cb->dma = ev->dma;
	cb->len = ev->len;
	cb->ts = ev->ts;
	cb->adapter = a;
	cb->caller = ev->caller;
	LIST_ADD(vrf->cbs, ad->cbs, c);
	ad->cb_alloc++;
	ad->cb_bytes += ev->len;
	return 0;
}

static void on_cb_free(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	uint32_t c = dm_hmap_get(&vrf->cb_by_va, ev->obj);

	irql_exact(vrf, a, DM_PASSIVE_LEVEL);
	ad->cb_freed++;
	if (c == NONE || vrf->cbs.v[c].adapter != a) {
		report(vrf, DM_R_CB_DOUBLE_FREE, a, ev->obj,
		       ad->cb_freed > ad->cb_alloc ?
			       ad->cb_freed - ad->cb_alloc :
			       1,
		       0, 0);
		return;
	}
	cb_drop(vrf, c);
}

#define DMA_VRFY0 0x3079667256616d44ull /* "DmaVrfy0", little-endian */

static void on_guard(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	uint32_t c = dm_hmap_get(&vrf->cb_by_va, ev->obj);
	uint32_t seen = 0, *rep = c != NONE ? &vrf->cbs.v[c].reported : &seen;

	/* each finding once a buffer: the corruption stays until freed */
	if (ev->arg[0] != DMA_VRFY0 && !(*rep & 1)) {
		*rep |= 1;
		report(vrf, DM_R_TAG_BEFORE, a, ev->obj, 0, ev->len, ev->obj);
	}
	if (ev->arg[1] != DMA_VRFY0 && !(*rep & 2)) {
		*rep |= 2;
		report(vrf, DM_R_TAG_AFTER, a, ev->obj, 0, ev->len, ev->obj);
	}
	if (ev->va && !(*rep & 4)) {
		*rep |= 4;
		report(vrf, DM_R_PAD_BEFORE, a, ev->obj, 0, ev->obj, ev->va);
	}
	if (ev->dma && !(*rep & 8)) {
		*rep |= 8;
		report(vrf, DM_R_PAD_AFTER, a, ev->obj, 0, ev->obj, ev->dma);
	}
}

static void on_perf(struct dm_vrf *vrf)
{
	const struct dm_event *ev = vrf->ev;
	uint64_t now = ev->arg[0], last = vrf->st.perf_last;
	uint64_t freq = ev->arg[1], dt = ev->ts - vrf->st.perf_ts;

	if (vrf->st.perf_ts || last) {
		if (now < last) {
			report(vrf, DM_R_PERF_DECREASED, NONE, 0, last, now, 0);
		} else if (freq) {
			/* ticks the clock allows, generously */
			unsigned __int128 allowed =
				((unsigned __int128)dt * PERF_FAST_FACTOR +
				 PERF_FAST_SLACK_NS) *
				freq / 1000000000u;

			if (now - last > allowed)
				report(vrf, DM_R_PERF_TOO_FAST, NONE, 0, now, 0,
				       0);
		}
	}
	vrf->st.perf_last = now;
	vrf->st.perf_ts = ev->ts;
}

/* ---- the Linux rule set ---- */

#define LX_ATTR_SKIP_CPU_SYNC (1ull << 5) /* DMA_ATTR_SKIP_CPU_SYNC */

static void gone_add(struct dm_vrf *vrf, uint32_t a, uint64_t obj, uint64_t len,
		     uint32_t dir)
{
	vrf->gone[vrf->ngone++ % DM_VRF_GONE] =
		(struct dm_vgone){ obj, len, vrf->ev->ts,
				   a,	dir, vrf->ev->caller };
}

/* The latest gone object of adapter a at addr, NULL if none; with
 * pages, the latest whose pages hold addr: an IOMMU maps, and reports
 * faults at, page granularity. */
static const struct dm_vgone *gone_find(const struct dm_vrf *vrf, uint32_t a,
					uint64_t addr, bool pages)
{
	uint32_t n = vrf->ngone < DM_VRF_GONE ? vrf->ngone : DM_VRF_GONE, i;
	const uint64_t in_page = DM_PAGE_SIZE - 1;

	for (i = 0; i < n; i++) {
		const struct dm_vgone *g =
			&vrf->gone[(vrf->ngone - 1 - i) % DM_VRF_GONE];
		uint64_t last = g->obj + (g->len ? g->len - 1 : 0);

		if (g->adapter == a &&
		    (pages ? addr >= (g->obj & ~in_page) &&
				     addr <= (last | in_page) :
			     g->obj == addr))
			return g;
	}
	return NULL;
}

/* Something the driver named is not there: a violation if we know it
 * was there and went, or if we watch this device since its driver bound;
 * otherwise it was there before us. */
static void lx_unknown(struct dm_vrf *vrf, uint32_t a, enum dm_rule_id rule,
		       uint64_t p3)
{
	const struct dm_event *ev = vrf->ev;
	const struct dm_vgone *g = gone_find(vrf, a, ev->obj, false);

	if (g || vrf->ad[a].bound)
		report(vrf, rule, a, ev->obj, ev->obj, p3,
		       g && rule == DM_R_LX_UNMAP_UNMAPPED ? ev->ts - g->ts :
							     0);
	else
		vrf->st.untracked++;
}

static int lx_map(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	struct dm_vadapter *ad = &vrf->ad[a];
	uint64_t hit = 0, line_end;
	uint32_t f;
	int err;

	if (ev->dma == UINT64_MAX || (ev->flags & DM_F_FAILED)) {
		report(vrf, DM_R_LX_MAP_ERROR, a, ev->obj, ev->len, ev->dir, 0);
		return 0;
	}
	/* reported, and still kept: its unmap is no second violation */
	if (!ev->len)
		report(vrf, DM_R_LX_ZERO_LENGTH, a, ev->obj, ev->dma, ev->va,
		       0);
	/* dma-debug's rule: the first cache line of a mapping the CPU may
	 * have to sync is held by one live mapping at a time */
	if (ev->dir != DM_DIR_TO_DEVICE && ev->len &&
	    !(ev->arg[0] & LX_ATTR_SKIP_CPU_SYNC)) {
		line_end = (ev->va | (DM_CACHE_LINE - 1)) + 1;
		hit = page_overlap(vrf, a, ev->va, line_end);
		if (hit)
			report(vrf, DM_R_LX_OVERLAP, a, ev->obj, ev->va,
			       ev->va + ev->len, hit);
	}
	/* one register, as a HAL channel granted one would be */
	err = file_new(vrf, a, ev->obj, 1, &f);
	if (err == -EEXIST)
		return 0; /* the same address mapped twice: one record */
	if (err)
		return err;
	ad->cur_base = ev->obj;
	vrf->files.v[f].dir = ev->dir;
	vrf->files.v[f].one = (struct dm_vreg){
		.va = ev->va,
		.dma = ev->dma,
		.len = ev->len > UINT32_MAX ? UINT32_MAX : (uint32_t)ev->len,
		.node = NONE
	};
	if (ev->dir != DM_DIR_TO_DEVICE && !hit && ev->len &&
	    !(ev->arg[0] & LX_ATTR_SKIP_CPU_SYNC) &&
	    dm_vrf_i_page_add(vrf, a, f, 0))
		return -ENOMEM;
	/* zero bytes map no register (and their unmap unmaps none) */
	vrf->files.v[f].mapped = ev->len != 0;
	ad->mr_mapped += ev->len != 0;
	ad->bytes_since_flush += ev->len;
	return 0;
}

static void lx_unmap(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	uint32_t f = dm_hmap_get(&vrf->file_by_base, ev->obj);
	struct dm_vfile *file;

	if (f == NONE || vrf->files.v[f].adapter != a) {
		lx_unknown(vrf, a, DM_R_LX_UNMAP_UNMAPPED, ev->len);
		return;
	}
	file = &vrf->files.v[f];
	if (ev->len != file->one.len)
		report(vrf, DM_R_LX_UNMAP_SIZE, a, ev->obj, ev->obj,
		       file->one.len, ev->len);
	else if (ev->dir != file->dir)
		report(vrf, DM_R_LX_UNMAP_DIR, a, ev->obj, ev->obj, file->dir,
		       ev->dir);
	gone_add(vrf, a, ev->obj, file->one.len, file->dir);
	vrf->ad[a].mr_freed++;
	/* nothing flushes under Linux: an unmap ends what a map began */
	vrf->ad[a].bytes_since_flush -=
		vrf->ad[a].bytes_since_flush < file->one.len ?
			vrf->ad[a].bytes_since_flush :
			file->one.len;
	file_drop(vrf, f);
}

/*
 * Scatter/gather lists, one record a list keyed by its scatterlist, as
 * the events name it: map (len the entries asked, dma those mapped),
 * unmap and sync (len the entries). dma-debug checks each entry; the
 * events give the list whole, and what a driver gets wrong with one
 * shows there: the entries, the direction, a list never mapped.
 */
static int lx_sg_map(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	/* mapped again with no unmap seen (events lost, or from before
	 * us): the new mapping is the one to check against */
	struct dm_vsg *sg = sg_new(vrf, a, ev->obj);

	if (!sg)
		return -ENOMEM;
	sg->dma = ev->dma;
	sg->len = ev->len;
	sg->ts = ev->ts;
	sg->caller = ev->caller;
	sg->dir = ev->dir;
	vrf->ad[a].sg_alloc++;
	return 0;
}

/* The list the event names, or NULL: then it is told as unknown, under
 * rule, if it should have been known. */
static const struct dm_vsg *lx_sg_of(struct dm_vrf *vrf, uint32_t a,
				     enum dm_rule_id rule, uint32_t *s)
{
	const struct dm_event *ev = vrf->ev;

	*s = dm_hmap_get(&vrf->sg_by_handle, ev->obj);
	if (*s == NONE || vrf->sgs.v[*s].adapter != a) {
		lx_unknown(vrf, a, rule, ev->len);
		return NULL;
	}
	return &vrf->sgs.v[*s];
}

static void lx_sg_unmap(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	uint32_t s;
	const struct dm_vsg *sg = lx_sg_of(vrf, a, DM_R_LX_UNMAP_UNMAPPED, &s);

	if (!sg)
		return;
	if (ev->len != sg->len)
		report(vrf, DM_R_LX_UNMAP_SIZE, a, ev->obj, ev->obj, sg->len,
		       ev->len);
	else if (ev->dir != sg->dir)
		report(vrf, DM_R_LX_UNMAP_DIR, a, ev->obj, ev->obj, sg->dir,
		       ev->dir);
	/* known gone, for an unmap of it again; no address to fault at */
	gone_add(vrf, a, ev->obj, 0, sg->dir);
	vrf->ad[a].sg_freed++;
	sg_drop(vrf, s);
}

static void lx_sg_sync(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	uint32_t s;
	const struct dm_vsg *sg = lx_sg_of(vrf, a, DM_R_LX_SYNC_UNMAPPED, &s);

	if (!sg)
		return;
	if (ev->len > sg->len)
		report(vrf, DM_R_LX_SYNC_OUTSIDE, a, ev->obj, ev->obj, sg->len,
		       ev->len);
	else if (sg->dir != DM_DIR_BIDI && ev->dir != sg->dir)
		report(vrf, DM_R_LX_SYNC_DIR, a, ev->obj, ev->obj, sg->dir,
		       ev->dir);
}

static void lx_sync(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	uint32_t f = dm_hmap_get(&vrf->file_by_base, ev->obj);
	const struct dm_vfile *file;

	if (ev->flags & DM_F_SG) {
		lx_sg_sync(vrf, a);
		return;
	}
	if (f == NONE || vrf->files.v[f].adapter != a) {
		lx_unknown(vrf, a, DM_R_LX_SYNC_UNMAPPED, ev->len);
		return;
	}
	file = &vrf->files.v[f];
	if (ev->len > file->one.len)
		report(vrf, DM_R_LX_SYNC_OUTSIDE, a, ev->obj, ev->obj,
		       file->one.len, ev->len);
	else if (file->dir != DM_DIR_BIDI && ev->dir != file->dir)
		/* dma-debug's rule: the direction it was mapped with. A
		 * from-device buffer synced back to the device is how
		 * drivers recycle receive buffers. */
		report(vrf, DM_R_LX_SYNC_DIR, a, ev->obj, ev->obj, file->dir,
		       ev->dir);
}

/* What a device held, let go of: past an unbind the driver holds
 * nothing, and past a loss nothing held is known. Counted as freed, so
 * that every count the views show agrees (a leak is its report). */
static void lx_let_go(struct dm_vrf *vrf, uint32_t a)
{
	struct dm_vadapter *ad = &vrf->ad[a];

	ad->mr_freed += ad->files.count; /* one register a mapping */
	ad->sg_freed += ad->sgs.count;
	ad->cb_freed += ad->cbs.count;
	adapter_clear(vrf, a);
	ad->bytes_since_flush = 0;
	ad->bound = false;
}

static void lx_unbind(struct dm_vrf *vrf, uint32_t a)
{
	struct dm_vadapter *ad = &vrf->ad[a];

	/* one report a kind, as dma-debug: how many, and the oldest with
	 * who made it (a single mapping's before a list's) */
	if (ad->files.count) {
		const struct dm_vfile *f = &vrf->files.v[ad->files.head];

		report_by(vrf, DM_R_LX_LEAK_MAPPINGS, a, f->caller, f->base,
			  ad->handle, ad->files.count + ad->sgs.count, f->base);
	} else if (ad->sgs.count) {
		const struct dm_vsg *sg = &vrf->sgs.v[ad->sgs.head];

		report_by(vrf, DM_R_LX_LEAK_MAPPINGS, a, sg->caller, sg->handle,
			  ad->handle, ad->sgs.count, sg->handle);
	}
	if (ad->cbs.count) {
		const struct dm_vcb *c = &vrf->cbs.v[ad->cbs.head];

		report_by(vrf, DM_R_LX_LEAK_COHERENT, a, c->caller, c->va,
			  ad->handle, ad->cbs.count, c->va);
	}
	lx_let_go(vrf, a);
}

/*
 * Events were lost: any of them may have mapped, unmapped or freed
 * anything. What dmatop knew is no ground for a report any more: live
 * objects become ones from before (their unmap is counted, not
 * checked), recently gone ones are forgotten, and no device is watched
 * from its bind. Reports resume on what comes after.
 */
static void lx_forget(struct dm_vrf *vrf)
{
	uint32_t a;

	for (a = 0; a < vrf->nad; a++)
		lx_let_go(vrf, a);
	vrf->ngone = 0;
}

/*
 * Linux events. A streaming mapping is a map register file of one
 * register keyed by its DMA address; a coherent buffer keyed by its CPU
 * address. dmatop usually starts after drivers have mapped buffers: an
 * unmap or free of something it never saw is a pre-existing object,
 * counted, not a violation, unless it saw that object go or watches the
 * device since its driver bound.
 */
static int linux_event(struct dm_vrf *vrf, uint32_t a)
{
	const struct dm_event *ev = vrf->ev;
	uint32_t c;

	switch (ev->kind) {
	case DM_EV_MAP:
		return lx_map(vrf, a);
	case DM_EV_UNMAP:
		lx_unmap(vrf, a);
		return 0;
	case DM_EV_SG_MAP:
		return lx_sg_map(vrf, a);
	case DM_EV_SG_UNMAP:
		lx_sg_unmap(vrf, a);
		return 0;
	case DM_EV_SYNC_CPU:
	case DM_EV_SYNC_DEVICE:
		lx_sync(vrf, a);
		return 0;
	case DM_EV_MAP_ERROR:
		report(vrf, DM_R_LX_MAP_ERROR, a, ev->obj, ev->len, ev->dir,
		       ev->dma);
		return 0;
	case DM_EV_CB_ALLOC:
		return on_cb_alloc(vrf, a);
	case DM_EV_CB_FREE:
		c = dm_hmap_get(&vrf->cb_by_va, ev->obj);
		if (c == NONE || vrf->cbs.v[c].adapter != a) {
			lx_unknown(vrf, a, DM_R_LX_FREE_UNALLOCATED, ev->len);
			return 0;
		}
		gone_add(vrf, a, ev->obj, vrf->cbs.v[c].len, 0);
		on_cb_free(vrf, a);
		return 0;
	case DM_EV_DRIVER_BIND:
		vrf->ad[a].bound = true;
		return 0;
	case DM_EV_DRIVER_UNBIND:
		lx_unbind(vrf, a);
		return 0;
	case DM_EV_IOMMU_FAULT: {
		const struct dm_vgone *g = gone_find(vrf, a, ev->dma, true);

		/* named after who unmapped it; the recording's
		 * after_unmap view adds who mapped it */
		if (g)
			report_by(vrf, DM_R_LX_DMA_AFTER_UNMAP, a, g->caller,
				  g->obj, g->len, ev->dma,
				  ev->ts > g->ts ? ev->ts - g->ts : 0);
		else
			report(vrf, DM_R_IOMMU_FAULT, a, ev->dma, ev->obj,
			       ev->dma, ev->arg[0]);
		return 0;
	}
	default:
		return 0;
	}
}

/* Losses by CPU and kind, largest first. The stream's losses come one
 * event per CPU, and rarely: a linear pass is plenty. */
static void count_loss(struct dm_vrf_stats *st, const struct dm_event *ev)
{
	struct dm_vrf_loss *l = st->losses, t;
	uint32_t what = ev->flags & DM_F_GAP	     ? DM_LOST_RECORDING :
			ev->arg[1] <= DM_LOST_FAULTS ? (uint32_t)ev->arg[1] :
						       DM_LOST_EVENTS;
	uint32_t cpu = what == DM_LOST_EVENTS ? ev->tid : DM_VRF_NO_CPU;
	uint32_t i, cpus = 0, last = 0;

	for (i = 0; i < st->nlosses; i++) {
		if (l[i].cpu == cpu && l[i].what == what)
			break;
		if (l[i].what == DM_LOST_EVENTS) {
			cpus++;
			last = i; /* the CPU that lost least so far */
		}
	}
	if (i == st->nlosses && what == DM_LOST_EVENTS &&
	    cpus == DM_VRF_LOSSES - DM_LOST_RECORDING) {
		/* the side channels keep their places; the rest of the
		 * CPUs go together, with the CPU that lost least */
		for (i = 0; i < st->nlosses; i++)
			if (l[i].cpu == DM_VRF_OTHER_CPUS)
				break;
		if (i == st->nlosses)
			i = last;
		l[i].cpu = DM_VRF_OTHER_CPUS;
	} else if (i == st->nlosses) {
		l[i] = (struct dm_vrf_loss){ cpu, what, 0 };
		st->nlosses++;
	}
	l[i].n += ev->arg[0];
	for (; i > 0 && l[i - 1].n < l[i].n; i--) {
		t = l[i - 1];
		l[i - 1] = l[i];
		l[i] = t;
	}
}

void dm_vrf_count_lost(struct dm_vrf *vrf, const struct dm_event *lost)
{
	vrf->st.lost += lost->arg[0];
	count_loss(&vrf->st, lost);
}

int dm_vrf_feed(struct dm_vrf *vrf, const struct dm_event *ev)
{
	uint32_t a;
	int err = 0;

	vrf->ev = ev;
	vrf->st.events++;
	/* a range that wraps around the address space is no real call, and
	 * a kind no source makes is no call at all */
	if (ev->len > UINT64_MAX - ev->va || ev->kind == DM_EV_NONE ||
	    ev->kind >= DM_EV_KIND_MAX) {
		vrf->st.rejected++;
		return 0;
	}
	switch (ev->kind) {
	case DM_EV_ADAPTER_GET:
	case DM_EV_ADAPTER_GET_OBSOLETE:
		return on_adapter_get(vrf, ev);
	case DM_EV_PERF_COUNTER:
		on_perf(vrf);
		return 0;
	case DM_EV_LOST:
		vrf->st.lost += ev->arg[0];
		count_loss(&vrf->st, ev);
		/* lost events of the stream, not a side channel's record
		 * (a log line, a bind message): those leave the objects
		 * known as they are */
		if (!(vrf->rulesets & DM_RULES_HAL) &&
		    ev->arg[1] == DM_LOST_EVENTS)
			lx_forget(vrf);
		return 0;
	case DM_EV_MAPREG_GUARD:
		if (ev->arg[0])
			report(vrf, DM_R_FREE_MAPREG_OVERWRITTEN, NONE, 0, 0,
			       ev->arg[0], 0);
		return 0;
	case DM_EV_CALLBACK_RETURN:
		if ((vrf->rulesets & DM_RULES_HAL) && ev->irql != ev->arg[0])
			report(vrf, DM_R_IRQL_CALLBACK,
			       dm_hmap_get(&vrf->ad_by_handle, ev->adapter), 0,
			       0, 0, 0);
		return 0;
	default:
		break;
	}

	a = adapter_of(vrf, ev);
	if (a == NONE)
		return vrf->nad && ev->adapter &&
				       dm_hmap_get(&vrf->ad_by_handle,
						   ev->adapter) == NONE ?
			       -ENOMEM :
			       0;

	if (!(vrf->rulesets & DM_RULES_HAL))
		return linux_event(vrf, a);
	switch (ev->kind) {
	case DM_EV_ADAPTER_PUT:
		on_adapter_put(vrf, a);
		break;
	case DM_EV_ADAPTER_REF:
		vrf->ad[a].refs++;
		break;
	case DM_EV_ADAPTER_DEREF:
		if (vrf->ad[a].refs > 1)
			vrf->ad[a].refs--;
		break;
	case DM_EV_CHANNEL_ALLOC:
		on_channel_alloc(vrf, a);
		break;
	case DM_EV_CHANNEL_GRANT:
		err = on_channel_grant(vrf, a);
		break;
	case DM_EV_CHANNEL_FREE:
		on_channel_free(vrf, a);
		break;
	case DM_EV_MAPREG_FREE:
		on_mapreg_free(vrf, a);
		break;
	case DM_EV_MAP:
		err = on_map(vrf, a);
		break;
	case DM_EV_FLUSH:
		on_flush(vrf, a);
		break;
	case DM_EV_SG_MAP:
		err = on_sg_map(vrf, a);
		break;
	case DM_EV_SG_UNMAP:
		on_sg_unmap(vrf, a);
		break;
	case DM_EV_CB_ALLOC:
		err = on_cb_alloc(vrf, a);
		break;
	case DM_EV_CB_FREE:
		on_cb_free(vrf, a);
		break;
	case DM_EV_GUARD:
		on_guard(vrf, a);
		break;
	case DM_EV_IOMMU_FAULT:
		report(vrf, DM_R_IOMMU_FAULT, a, ev->dma, ev->obj, ev->dma,
		       ev->arg[0]);
		break;
	case DM_EV_SYSDMA_START:
		vrf->ad[a].sysdma_busy = true;
		break;
	case DM_EV_SYSDMA_DONE:
		vrf->ad[a].sysdma_busy = false;
		break;
	default:
		break;
	}
	return err;
}

struct dm_vrf *dm_vrf_new(unsigned rulesets, dm_vrf_report_fn report_fn,
			  void *ctx)
{
	struct dm_vrf *vrf = calloc(1, sizeof(*vrf));

	if (!vrf)
		return NULL;
	vrf->rulesets = rulesets;
	vrf->report = report_fn;
	vrf->ctx = ctx;
	vrf->files.free = vrf->cbs.free = vrf->sgs.free = NONE;
	vrf->nodes.free = NONE;
	if (dm_hmap_init(&vrf->ad_by_handle, 64) ||
	    dm_hmap_init(&vrf->file_by_base, 1024) ||
	    dm_hmap_init(&vrf->cb_by_va, 256) ||
	    dm_hmap_init(&vrf->sg_by_handle, 256) ||
	    dm_hmap_init(&vrf->node_by_page, 1024)) {
		dm_vrf_free(vrf);
		errno = ENOMEM;
		return NULL;
	}
	return vrf;
}

void dm_vrf_free(struct dm_vrf *vrf)
{
	uint32_t i;

	if (!vrf)
		return;
	for (i = 0; i < vrf->files.n; i++)
		free(vrf->files.v[i].many);
	free(vrf->files.v);
	free(vrf->cbs.v);
	free(vrf->sgs.v);
	free(vrf->nodes.v);
	free(vrf->ad);
	dm_hmap_fini(&vrf->ad_by_handle);
	dm_hmap_fini(&vrf->file_by_base);
	dm_hmap_fini(&vrf->cb_by_va);
	dm_hmap_fini(&vrf->sg_by_handle);
	dm_hmap_fini(&vrf->node_by_page);
	free(vrf);
}

void dm_vrf_set_report(struct dm_vrf *vrf, dm_vrf_report_fn report_fn,
		       void *ctx)
{
	vrf->report = report_fn;
	vrf->ctx = ctx;
}

void dm_vrf_get_report(const struct dm_vrf *vrf, dm_vrf_report_fn *report_fn,
		       void **ctx)
{
	*report_fn = vrf->report;
	*ctx = vrf->ctx;
}

uint32_t dm_vrf_adapter_count(const struct dm_vrf *vrf)
{
	return vrf->nad;
}

const struct dm_vadapter *dm_vrf_adapter(const struct dm_vrf *vrf, uint32_t i)
{
	return i < vrf->nad ? &vrf->ad[i] : NULL;
}

uint32_t dm_vrf_adapter_find(const struct dm_vrf *vrf, uint64_t handle)
{
	return dm_hmap_get(&vrf->ad_by_handle, handle);
}

const struct dm_vfile *dm_vrf_file(const struct dm_vrf *vrf, uint32_t i)
{
	return i < vrf->files.n ? &vrf->files.v[i] : NULL;
}

const struct dm_vcb *dm_vrf_cb(const struct dm_vrf *vrf, uint32_t i)
{
	return i < vrf->cbs.n ? &vrf->cbs.v[i] : NULL;
}

const struct dm_vsg *dm_vrf_sg(const struct dm_vrf *vrf, uint32_t i)
{
	return i < vrf->sgs.n ? &vrf->sgs.v[i] : NULL;
}

const struct dm_vrf_stats *dm_vrf_stats(const struct dm_vrf *vrf)
{
	return &vrf->st;
}

uint64_t dm_vrf_master(const struct dm_vrf *vrf)
{
	return vrf->master;
}
