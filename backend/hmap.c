/*
 * hmap.c - see hmap.h. Load factor stays at or under 1/2.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

/*
 * The keys are mostly addresses, and page-aligned ones (the Linux
 * rules' DMA addresses) clustered under a multiply and a shift alone:
 * linear probing then walked long runs, and the Linux rules took 217 ns
 * an event in bench-verifier. Three steps of MurmurHash3's finaliser
 * lay a page-strided window of addresses out in short runs of
 * neighbouring slots, a key 1.2 slots from home on average (t-hmap):
 * 52-55 ns an event. The whole finaliser scatters them (0.4 slots from
 * home) but each lookup then misses the cache: 67 ns natively, and no
 * faster under QEMU's TCG.
 */
static inline uint32_t slot_of(const struct dm_hmap *m, uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return (uint32_t)key & m->mask;
}

uint32_t dm_hmap_home(const struct dm_hmap *m, uint64_t key)
{
	return slot_of(m, key);
}

static int alloc_slots(struct dm_hmap *m, uint32_t cap)
{
	m->slot = malloc((size_t)cap * sizeof(*m->slot));
	if (!m->slot)
		return -ENOMEM;
	memset(m->slot, 0xff, (size_t)cap * sizeof(*m->slot));
	m->mask = cap - 1;
	m->count = 0;
	return 0;
}

int dm_hmap_init(struct dm_hmap *m, uint32_t capacity)
{
	uint32_t cap = 16;

	while (cap < capacity && cap < (1u << 31))
		cap <<= 1;
	return alloc_slots(m, cap);
}

void dm_hmap_fini(struct dm_hmap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->mask = 0;
	m->count = 0;
}

void dm_hmap_clear(struct dm_hmap *m)
{
	memset(m->slot, 0xff, ((size_t)m->mask + 1) * sizeof(*m->slot));
	m->count = 0;
}

static int grow(struct dm_hmap *m)
{
	struct dm_hmap old = *m;
	uint32_t i;
	int err;

	if (old.mask >= (1u << 30))
		return -ENOMEM;
	err = alloc_slots(m, (old.mask + 1) * 2);
	if (err) {
		*m = old;
		return err;
	}
	for (i = 0; i <= old.mask; i++)
		if (old.slot[i].val != DM_HMAP_NONE)
			dm_hmap_put(m, old.slot[i].key, old.slot[i].val);
	free(old.slot);
	return 0;
}

int dm_hmap_swap(struct dm_hmap *m, uint64_t key, uint32_t val, uint32_t *old)
{
	uint32_t i;
	int err;

	if ((m->count + 1) * 2 > m->mask + 1) {
		err = grow(m);
		if (err)
			return err;
	}
	for (i = slot_of(m, key);; i = (i + 1) & m->mask) {
		if (m->slot[i].val == DM_HMAP_NONE) {
			m->slot[i].key = key;
			m->count++;
			break;
		}
		if (m->slot[i].key == key)
			break;
	}
	*old = m->slot[i].val;
	m->slot[i].val = val;
	return 0;
}

int dm_hmap_put(struct dm_hmap *m, uint64_t key, uint32_t val)
{
	uint32_t old;

	return dm_hmap_swap(m, key, val, &old);
}

struct dm_hmap_slot *dm_hmap_find(const struct dm_hmap *m, uint64_t key)
{
	uint32_t i;

	for (i = slot_of(m, key);; i = (i + 1) & m->mask) {
		if (m->slot[i].val == DM_HMAP_NONE)
			return NULL;
		if (m->slot[i].key == key)
			return &m->slot[i];
	}
}

uint32_t dm_hmap_get(const struct dm_hmap *m, uint64_t key)
{
	const struct dm_hmap_slot *s = dm_hmap_find(m, key);

	return s ? s->val : DM_HMAP_NONE;
}

void dm_hmap_del_at(struct dm_hmap *m, struct dm_hmap_slot *s)
{
	uint32_t i = (uint32_t)(s - m->slot), j, home;

	/* Backward-shift: pull later members of the probe run into the hole
	 * unless their home slot lies cyclically in (i, j]. */
	for (j = (i + 1) & m->mask;; j = (j + 1) & m->mask) {
		if (m->slot[j].val == DM_HMAP_NONE)
			break;
		home = slot_of(m, m->slot[j].key);
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->slot[i] = m->slot[j];
			i = j;
		}
	}
	m->slot[i].val = DM_HMAP_NONE;
	m->count--;
}

uint32_t dm_hmap_del(struct dm_hmap *m, uint64_t key)
{
	struct dm_hmap_slot *s = dm_hmap_find(m, key);
	uint32_t val;

	if (!s)
		return DM_HMAP_NONE;
	val = s->val;
	dm_hmap_del_at(m, s);
	return val;
}
