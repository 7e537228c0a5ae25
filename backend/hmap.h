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
/* DM_HMAP_NONE when absent. */
uint32_t dm_hmap_get(const struct dm_hmap *m, uint64_t key);
/* Removes key; returns its value or DM_HMAP_NONE. */
uint32_t dm_hmap_del(struct dm_hmap *m, uint64_t key);

#endif
