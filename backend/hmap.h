/*
 * hmap.h - open-addressing hash map from 64-bit handles to 32-bit indices.
 *
 * The verifier looks up adapters, map register files, common buffers and
 * scatter/gather lists by the handle an event names, millions of times a
 * second, so this is a flat table with linear probing and backward-shift
 * deletion: no tombstones, no per-entry allocation, one cache line a lookup
 * in the common case. The map owns only its table.
 */
#ifndef DMATOP_HMAP_H
#define DMATOP_HMAP_H

#include <stdint.h>

#define DM_HMAP_NONE UINT32_MAX

struct dm_hmap_slot {
	uint64_t key;
	uint32_t val; /* DM_HMAP_NONE: empty */
};

struct dm_hmap {
	struct dm_hmap_slot *slot;
	uint32_t mask; /* capacity - 1; capacity is a power of two */
	uint32_t count;
};

int dm_hmap_init(struct dm_hmap *m, uint32_t capacity);
void dm_hmap_fini(struct dm_hmap *m);
void dm_hmap_clear(struct dm_hmap *m);
/* Insert or replace. 0 or -ENOMEM. */
int dm_hmap_put(struct dm_hmap *m, uint64_t key, uint32_t val);
/* Insert or replace, one probe for what a get and a put take: the
 * value replaced in *old, DM_HMAP_NONE if the key is new. 0 or -ENOMEM. */
int dm_hmap_swap(struct dm_hmap *m, uint64_t key, uint32_t val, uint32_t *old);
/* DM_HMAP_NONE when absent. */
uint32_t dm_hmap_get(const struct dm_hmap *m, uint64_t key);
/* The key's slot, NULL when absent: its value may be written in place
 * (never DM_HMAP_NONE: remove it with dm_hmap_del_at()). Valid up to
 * the next put, swap or delete. */
struct dm_hmap_slot *dm_hmap_find(const struct dm_hmap *m, uint64_t key);
/* Removes key; returns its value or DM_HMAP_NONE. */
uint32_t dm_hmap_del(struct dm_hmap *m, uint64_t key);
/* The slot a lookup of key starts at: how far from it a key sits is
 * what its lookups cost. */
uint32_t dm_hmap_home(const struct dm_hmap *m, uint64_t key);
/* Removes the entry of a slot dm_hmap_find() returned. */
void dm_hmap_del_at(struct dm_hmap *m, struct dm_hmap_slot *s);

#endif
