/*
 * checkpoint.c - the verifier's state as a blob, and back.
 *
 * A recording stores one of these every so often so that replay can
 * rebuild the state at any moment from the nearest checkpoint instead of
 * from the first event. Layout (little-endian, no padding):
 *
 *   "DMVSTATE" u32 version, u32 counts[4] (adapters, files, common
 *   buffers, SG lists), u32 next_file_id, u64 master, u64 stats[7]
 *   adapters   in index order, every field of struct dm_vadapter but the
 *              lists and the derived sums
 *   files      in each adapter's list order: the file, then its registers
 *   buffers    likewise;  SG lists likewise
 * (u64 stats[7] from version 2: events, violations, lost, rejected,
 * untracked, perf_last, perf_ts; a file's u32 dir from version 3; from
 * version 4, after the stats, u32 n and n losses of u32 cpu, u32 what,
 * u64 count, largest first; from version 5, last, u64 FNV-1a (word by
 * word) of all the bytes before it: a blob bent in the middle still
 * parses)
 *
 * Loading rebuilds the lists, hash maps and page index through the same
 * paths the engine uses, so a loaded state is indistinguishable from the
 * one saved. The blob comes from a file someone handed us: every count,
 * index and length is checked before use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "verifier_int.h"

#define MAGIC	"DMVSTATE"
#define VERSION 5u

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

/* FNV-1a a word at a time: a state can run to megabytes, and the
 * backend saves one at every publish */
static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull, w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	while (n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

static void put(struct wbuf *w, const void *v, size_t n)
{
	if (w->err)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;
		uint8_t *p;

		while (cap < w->len + n)
			cap *= 2;
		p = realloc(w->p, cap);
		if (!p) {
			w->err = -ENOMEM;
			return;
		}
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void put64(struct wbuf *w, uint64_t v)
{
	put(w, &v, 8);
}

static void put32(struct wbuf *w, uint32_t v)
{
	put(w, &v, 4);
}

struct rbuf {
	const uint8_t *p;
	size_t left;
	int err;
};

static uint64_t get64(struct rbuf *r)
{
	uint64_t v = 0;

	if (r->left < 8) {
		r->err = -EINVAL;
		return 0;
	}
	memcpy(&v, r->p, 8);
	r->p += 8;
	r->left -= 8;
	return v;
}

static uint32_t get32(struct rbuf *r)
{
	uint32_t v = 0;

	if (r->left < 4) {
		r->err = -EINVAL;
		return 0;
	}
	memcpy(&v, r->p, 4);
	r->p += 4;
	r->left -= 4;
	return v;
}

uint64_t dm_vrf_size(const struct dm_vrf *vrf)
{
	uint64_t n = vrf->nad + vrf->cbs.n + vrf->sgs.n;
	uint32_t i;

	for (i = 0; i < vrf->files.n; i++)
		n += 1 + vrf->files.v[i].nregs; /* 0 once dropped */
	return n;
}

int dm_vrf_save(const struct dm_vrf *vrf, void **blob, size_t *len)
{
	struct wbuf w = { 0 };
	uint32_t a, i, nf = 0, nc = 0, ns = 0;

	for (a = 0; a < vrf->nad; a++) {
		nf += vrf->ad[a].files.count;
		nc += vrf->ad[a].cbs.count;
		ns += vrf->ad[a].sgs.count;
	}
	put(&w, MAGIC, 8);
	put32(&w, VERSION);
	put32(&w, vrf->nad);
	put32(&w, nf);
	put32(&w, nc);
	put32(&w, ns);
	put32(&w, vrf->next_file_id);
	put64(&w, vrf->master);
	put64(&w, vrf->st.events);
	put64(&w, vrf->st.violations);
	put64(&w, vrf->st.lost);
	put64(&w, vrf->st.rejected);
	put64(&w, vrf->st.untracked);
	put64(&w, vrf->st.perf_last);
	put64(&w, vrf->st.perf_ts);
	put32(&w, vrf->st.nlosses);
	for (a = 0; a < vrf->st.nlosses; a++) {
		put32(&w, vrf->st.losses[a].cpu);
		put32(&w, vrf->st.losses[a].what);
		put64(&w, vrf->st.losses[a].n);
	}
	for (a = 0; a < vrf->nad; a++) {
		const struct dm_vadapter *ad = &vrf->ad[a];

		put64(&w, ad->handle);
		put64(&w, ad->devobj);
		put64(&w, ad->wcb);
		put64(&w, ad->master);
		put64(&w, ad->maxlen);
		put64(&w, ad->desc);
		put64(&w, ad->owner_ra);
		put32(&w, ad->name);
		put32(&w, ad->owner);
		put32(&w, ad->max_mapregs);
		put32(&w, ad->refs);
		put32(&w,
		      ad->live | ad->wcb_queued << 1 | ad->sysdma_busy << 2);
		put32(&w, ad->wcb_regs);
		put32(&w, ad->wcb_caller);
		put64(&w, ad->wcb_ts);
		put64(&w, ad->cur_base);
		put64(&w, ad->mr_alloc);
		put64(&w, ad->mr_freed);
		put64(&w, ad->sg_alloc);
		put64(&w, ad->sg_freed);
		put64(&w, ad->cb_alloc);
		put64(&w, ad->cb_freed);
		put64(&w, ad->ch_alloc);
		put64(&w, ad->ch_freed);
		put64(&w, ad->bytes_since_flush);
		put64(&w, ad->violations);
		put64(&w, ad->first_ts);
		put64(&w, ad->last_ts);
	}
	for (a = 0; a < vrf->nad; a++)
		for (i = vrf->ad[a].files.head; i != NONE;
		     i = vrf->files.v[i].next) {
			const struct dm_vfile *f = &vrf->files.v[i];
			uint32_t r;

			put32(&w, a);
			put32(&w, f->id);
			put64(&w, f->base);
			put64(&w, f->reg0);
			put64(&w, f->dbl_mdl);
			put64(&w, f->ts);
			put32(&w, f->nregs);
			put32(&w, f->caller);
			put32(&w, f->dir);
			for (r = 0; r < f->nregs; r++) {
				const struct dm_vreg *reg = &DM_VFILE_REG(f)[r];

				put64(&w, reg->va);
				put64(&w, reg->dma);
				put32(&w, reg->len);
			}
		}
	for (a = 0; a < vrf->nad; a++)
		for (i = vrf->ad[a].cbs.head; i != NONE;
		     i = vrf->cbs.v[i].next) {
			const struct dm_vcb *c = &vrf->cbs.v[i];

			put32(&w, a);
			put64(&w, c->va);
			put64(&w, c->dma);
			put64(&w, c->len);
			put64(&w, c->ts);
			put32(&w, c->caller);
			put32(&w, c->reported);
		}
	for (a = 0; a < vrf->nad; a++)
		for (i = vrf->ad[a].sgs.head; i != NONE;
		     i = vrf->sgs.v[i].next) {
			const struct dm_vsg *g = &vrf->sgs.v[i];

			put32(&w, a);
			put64(&w, g->handle);
			put64(&w, g->va);
			put64(&w, g->dma);
			put64(&w, g->len);
			put64(&w, g->mdl);
			put64(&w, g->ts);
			put32(&w, g->caller);
			put32(&w, g->dir);
		}
	if (!w.err)
		put64(&w, fnv1a(w.p, w.len));
	if (w.err) {
		free(w.p);
		return w.err;
	}
	*blob = w.p;
	*len = w.len;
	return 0;
}

/* Forget everything, keep the allocations. */
static void reset(struct dm_vrf *vrf)
{
	uint32_t i;

	for (i = 0; i < vrf->files.n; i++)
		dm_vrf_i_regs_free(&vrf->files.v[i]);
	vrf->files.n = vrf->cbs.n = vrf->sgs.n = vrf->nodes.n = 0;
	vrf->files.free = vrf->cbs.free = vrf->sgs.free = NONE;
	vrf->nodes.free = NONE;
	vrf->nad = 0;
	vrf->master = 0;
	vrf->next_file_id = 0;
	memset(&vrf->st, 0, sizeof(vrf->st));
	dm_hmap_clear(&vrf->ad_by_handle);
	vrf->ad_last = 0;
	dm_hmap_clear(&vrf->file_by_base);
	dm_hmap_clear(&vrf->cb_by_va);
	dm_hmap_clear(&vrf->sg_by_handle);
	dm_hmap_clear(&vrf->node_by_page);
}

void dm_vrf_reset(struct dm_vrf *vrf)
{
	reset(vrf);
}

static int load_adapter(struct dm_vrf *vrf, struct rbuf *r)
{
	uint64_t handle = get64(r);
	struct dm_vadapter *ad;
	uint32_t a, flags;

	if (r->err || dm_hmap_get(&vrf->ad_by_handle, handle) != NONE)
		return -EINVAL; /* each adapter once */
	a = dm_vrf_i_adapter_new(vrf, handle);
	if (a == NONE)
		return -ENOMEM;
	ad = &vrf->ad[a];
	ad->devobj = get64(r);
	ad->wcb = get64(r);
	ad->master = get64(r);
	ad->maxlen = get64(r);
	ad->desc = get64(r);
	ad->owner_ra = get64(r);
	ad->name = get32(r);
	ad->owner = get32(r);
	ad->max_mapregs = get32(r);
	ad->refs = get32(r);
	flags = get32(r);
	ad->live = flags & 1;
	ad->wcb_queued = flags >> 1 & 1;
	ad->sysdma_busy = flags >> 2 & 1;
	ad->bound = flags >> 3 & 1;
	ad->wcb_regs = get32(r);
	ad->wcb_caller = get32(r);
	ad->wcb_ts = get64(r);
	ad->cur_base = get64(r);
	ad->mr_alloc = get64(r);
	ad->mr_freed = get64(r);
	ad->sg_alloc = get64(r);
	ad->sg_freed = get64(r);
	ad->cb_alloc = get64(r);
	ad->cb_freed = get64(r);
	ad->ch_alloc = get64(r);
	ad->ch_freed = get64(r);
	ad->bytes_since_flush = get64(r);
	ad->violations = get64(r);
	ad->first_ts = get64(r);
	ad->last_ts = get64(r);
	return r->err;
}

static int load_file(struct dm_vrf *vrf, struct rbuf *r, uint32_t version)
{
	uint32_t a = get32(r), id = get32(r), f, i;
	uint64_t base = get64(r), reg0 = get64(r), mdl = get64(r);
	uint64_t ts = get64(r);
	uint32_t nregs = get32(r), caller = get32(r);
	uint32_t dir = version >= 3 ? get32(r) : 0;
	struct dm_vfile *file;

	if (r->err || a >= vrf->nad || nregs > DM_VRF_MAX_REGS ||
	    (uint64_t)nregs * 20 > r->left || !base ||
	    dm_hmap_get(&vrf->file_by_base, base) != NONE)
		return -EINVAL;
	f = TAKE(vrf->files);
	if (f == NONE)
		return -ENOMEM;
	file = &vrf->files.v[f];
	if (dm_vrf_i_regs_new(file, nregs) ||
	    dm_hmap_put(&vrf->file_by_base, base, f)) {
		dm_vrf_i_regs_free(file);
		GIVE(vrf->files, f);
		return -ENOMEM;
	}
	file->id = id;
	file->base = base;
	file->reg0 = reg0;
	file->dbl_mdl = mdl;
	file->ts = ts;
	file->adapter = a;
	file->caller = caller;
	file->dir = dir;
	LIST_ADD(vrf->files, vrf->ad[a].files, f);
	for (i = 0; i < nregs; i++) {
		struct dm_vreg *reg = &DM_VFILE_REG(&vrf->files.v[f])[i];

		reg->va = get64(r);
		reg->dma = get64(r);
		reg->len = get32(r);
		reg->node = NONE;
		/* a register is a window into one page, or nothing */
		if (reg->len > DM_PAGE_SIZE - reg->va % DM_PAGE_SIZE)
			return -EINVAL;
		if (!reg->len)
			continue;
		if (dm_vrf_i_page_add(vrf, a, f, i))
			return -ENOMEM;
		vrf->files.v[f].mapped++;
		vrf->ad[a].mr_mapped++;
	}
	return r->err;
}

static int load_cb(struct dm_vrf *vrf, struct rbuf *r)
{
	uint32_t a = get32(r), c;
	struct dm_vcb cb = {
		.va = get64(r), .dma = get64(r), .len = get64(r), .ts = get64(r)
	};

	cb.caller = get32(r);
	cb.reported = get32(r);
	if (r->err || a >= vrf->nad ||
	    dm_hmap_get(&vrf->cb_by_va, cb.va) != NONE)
		return -EINVAL;
	c = TAKE(vrf->cbs);
	if (c == NONE)
		return -ENOMEM;
	if (dm_hmap_put(&vrf->cb_by_va, cb.va, c)) {
		GIVE(vrf->cbs, c);
		return -ENOMEM;
	}
	cb.adapter = a;
	vrf->cbs.v[c] = cb;
	LIST_ADD(vrf->cbs, vrf->ad[a].cbs, c);
	vrf->ad[a].cb_bytes += cb.len;
	return 0;
}

static int load_sg(struct dm_vrf *vrf, struct rbuf *r)
{
	uint32_t a = get32(r), s;
	struct dm_vsg sg = { .handle = get64(r),
			     .va = get64(r),
			     .dma = get64(r),
			     .len = get64(r),
			     .mdl = get64(r),
			     .ts = get64(r) };

	sg.caller = get32(r);
	sg.dir = (uint8_t)get32(r);
	if (r->err || a >= vrf->nad ||
	    dm_hmap_get(&vrf->sg_by_handle, sg.handle) != NONE)
		return -EINVAL;
	s = TAKE(vrf->sgs);
	if (s == NONE)
		return -ENOMEM;
	if (dm_hmap_put(&vrf->sg_by_handle, sg.handle, s)) {
		GIVE(vrf->sgs, s);
		return -ENOMEM;
	}
	sg.adapter = a;
	vrf->sgs.v[s] = sg;
	LIST_ADD(vrf->sgs, vrf->ad[a].sgs, s);
	return 0;
}

static int load_losses(struct dm_vrf_stats *st, struct rbuf *r)
{
	uint32_t i, n = get32(r);

	if (n > DM_VRF_LOSSES)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct dm_vrf_loss *l = &st->losses[i];

		l->cpu = get32(r);
		l->what = get32(r);
		l->n = get64(r);
		if (l->what > DM_LOST_RECORDING ||
		    (i && l->n > st->losses[i - 1].n))
			return -EINVAL;
	}
	st->nlosses = n;
	return r->err ? -EINVAL : 0;
}

int dm_vrf_load(struct dm_vrf *vrf, const void *blob, size_t len)
{
	static const struct dm_event none;
	struct rbuf r = { blob, len, 0 };
	uint32_t nad, nf, nc, ns, i, version;
	int err = 0;

	reset(vrf);
	vrf->ev = &none;
	if (len < 8 || memcmp(blob, MAGIC, 8)) {
		err = -EINVAL;
		goto out;
	}
	r.p += 8;
	r.left -= 8;
	version = get32(&r);
	if (version < 1 || version > VERSION) {
		err = -EINVAL;
		goto out;
	}
	if (version >= 5) {
		uint64_t sum;

		if (r.left < 8) {
			err = -EINVAL;
			goto out;
		}
		memcpy(&sum, (const uint8_t *)blob + len - 8, 8);
		if (sum != fnv1a(blob, len - 8)) {
			err = -EINVAL;
			goto out;
		}
		r.left -= 8;
	}
	nad = get32(&r);
	nf = get32(&r);
	nc = get32(&r);
	ns = get32(&r);
	vrf->next_file_id = get32(&r);
	vrf->master = get64(&r);
	vrf->st.events = get64(&r);
	vrf->st.violations = get64(&r);
	vrf->st.lost = get64(&r);
	vrf->st.rejected = get64(&r);
	if (version >= 2)
		vrf->st.untracked = get64(&r);
	vrf->st.perf_last = get64(&r);
	vrf->st.perf_ts = get64(&r);
	if (version >= 4)
		err = load_losses(&vrf->st, &r);
	/* every record takes at least 8 bytes: counts beyond that lie */
	if (err || r.err || (uint64_t)nad + nf + nc + ns > r.left / 8) {
		err = -EINVAL;
		goto out;
	}
	for (i = 0; i < nad && !err; i++)
		err = load_adapter(vrf, &r);
	for (i = 0; i < nf && !err; i++)
		err = load_file(vrf, &r, version);
	for (i = 0; i < nc && !err; i++)
		err = load_cb(vrf, &r);
	for (i = 0; i < ns && !err; i++)
		err = load_sg(vrf, &r);
	if (!err && r.left)
		err = -EINVAL; /* trailing bytes: not what we wrote */
out:
	if (err)
		reset(vrf);
	return err;
}
