/*
 * verifier_int.h - the verifier's insides, for verifier.c and
 * checkpoint.c only. Nobody else includes this.
 */
#ifndef DMATOP_VERIFIER_INT_H
#define DMATOP_VERIFIER_INT_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "verifier.h"

#define NONE DM_VRF_NONE
/* A performance counter may run ahead of the event clock by this factor
 * plus this slack before it counts as "too fast". */
#define PERF_FAST_FACTOR   4
#define PERF_FAST_SLACK_NS 100000000ull

/* Linux: what was unmapped or freed lately, to tell a double unmap from
 * an unmap of something mapped before we started, and to name the
 * mapping an IOMMU fault hit after it was gone. */
#define DM_VRF_GONE 4096u
struct dm_vgone {
	uint64_t obj, len, ts; /* DMA address (or CPU address), bytes, ns */
	uint32_t adapter, dir;
	uint32_t caller; /* who unmapped or freed it */
};

struct pnode {
	uint64_t page;
	uint32_t adapter, file, reg;
	uint32_t next; /* chain on the same key; free list */
};

#define POOL(type)                     \
	struct {                       \
		type *v;               \
		uint32_t n, cap, free; \
	}

struct dm_vrf {
	unsigned rulesets;
	dm_vrf_report_fn report;
	void *ctx;
	const struct dm_event *ev; /* the event being fed */
	struct dm_vrf_stats st;
	uint64_t master;
	uint32_t next_file_id;
	struct dm_vgone gone[DM_VRF_GONE];
	uint32_t ngone;

	struct dm_vadapter *ad;
	uint32_t nad, capad;
	struct dm_hmap ad_by_handle;
	/* adapter_of()'s one-entry cache (0: none): a stream acts on one
	 * adapter for long runs */
	uint64_t ad_last;
	uint32_t ad_last_i;

	POOL(struct dm_vfile) files;
	POOL(struct dm_vcb) cbs;
	POOL(struct dm_vsg) sgs;
	POOL(struct pnode) nodes;
	struct dm_hmap file_by_base, cb_by_va, sg_by_handle, node_by_page;
};

/* Give file f room for n registers, none mapped. 0 or -ENOMEM. */
static inline int dm_vrf_i_regs_new(struct dm_vfile *f, uint32_t n)
{
	struct dm_vreg *reg = &f->one;
	uint32_t r;

	if (n > 1) {
		reg = f->many = calloc(n, sizeof(*f->many));
		if (!reg)
			return -ENOMEM;
	}
	f->nregs = n;
	for (r = 0; r < (n ? n : 1); r++)
		reg[r].node = NONE;
	return 0;
}

static inline void dm_vrf_i_regs_free(struct dm_vfile *f)
{
	free(f->many);
	f->many = NULL;
	f->nregs = 0;
}

/* Take a record from a pool: reuse the free list, else grow. The record
 * comes back zeroed. Returns its index or NONE. */
static inline uint32_t dm_vrf_pool_take(void **v, uint32_t *n, uint32_t *cap,
					uint32_t *freel, size_t size,
					size_t next_off)
{
	uint32_t i = *freel;
	char *rec;

	if (i != NONE) {
		rec = (char *)*v + (size_t)i * size;
		memcpy(freel, rec + next_off, sizeof(*freel));
	} else {
		if (*n == *cap) {
			uint32_t ncap = *cap ? *cap * 2 : 64;
			void *nv = realloc(*v, (size_t)ncap * size);

			if (!nv)
				return NONE;
			*v = nv;
			*cap = ncap;
		}
		i = (*n)++;
		rec = (char *)*v + (size_t)i * size;
	}
	memset(rec, 0, size);
	return i;
}

#define TAKE(p)                                                        \
	dm_vrf_pool_take((void **)&(p).v, &(p).n, &(p).cap, &(p).free, \
			 sizeof(*(p).v), offsetof(__typeof__(*(p).v), next))
#define GIVE(p, i)                        \
	do {                              \
		(p).v[i].next = (p).free; \
		(p).free = (i);           \
	} while (0)

/* Doubly-linked list in allocation order, through prev/next fields. */
#define LIST_ADD(pool, list, i)                           \
	do {                                              \
		(pool).v[i].prev = (list).tail;           \
		(pool).v[i].next = NONE;                  \
		if ((list).tail != NONE)                  \
			(pool).v[(list).tail].next = (i); \
		else                                      \
			(list).head = (i);                \
		(list).tail = (i);                        \
		(list).count++;                           \
	} while (0)
#define LIST_DEL(pool, list, i)                                        \
	do {                                                           \
		uint32_t p_ = (pool).v[i].prev, n_ = (pool).v[i].next; \
		if (p_ != NONE)                                        \
			(pool).v[p_].next = n_;                        \
		else                                                   \
			(list).head = n_;                              \
		if (n_ != NONE)                                        \
			(pool).v[n_].prev = p_;                        \
		else                                                   \
			(list).tail = p_;                              \
		(list).count--;                                        \
	} while (0)

uint32_t dm_vrf_i_adapter_new(struct dm_vrf *vrf, uint64_t handle);
int dm_vrf_i_page_add(struct dm_vrf *vrf, uint32_t a, uint32_t f, uint32_t r);

#endif
