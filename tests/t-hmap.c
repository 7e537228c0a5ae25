/*
 * t-hmap.c - the hash map against a plain array model, through growth and
 * backward-shift deletion, including keys that collide on purpose.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "hmap.h"
#include "tap.h"

#define N 20000

/*
 * A driver's streaming mappings: page-aligned DMA addresses, 768 live
 * in a window sliding over 4096 pages. A hash that lays such keys out
 * in one run makes every lookup and delete walk it (a multiply and a
 * shift alone put them 1000 slots from home, and the verifier took 10
 * times as long an event); this one keeps them within 2 on average.
 */
static bool clusters_apart(void)
{
	struct dm_hmap m;
	uint64_t k, away = 0;
	uint32_t i, n;

	if (dm_hmap_init(&m, 16))
		return false;
	for (k = 0; k < 20000; k++) {
		dm_hmap_put(&m, 0x10000000ull + (k % 4096) * 4096, 1);
		if (k >= 768)
			dm_hmap_del(&m,
				    0x10000000ull + ((k - 768) % 4096) * 4096);
	}
	for (i = 0; i <= m.mask; i++)
		if (m.slot[i].val != DM_HMAP_NONE)
			away += (i - dm_hmap_home(&m, m.slot[i].key)) & m.mask;
	n = m.count;
	dm_hmap_fini(&m);
	diag("%u keys, %.2f slots from home on average", n, (double)away / n);
	return n == 768 && away < 2 * n;
}

int main(void)
{
	static uint32_t model[N]; /* value+1, 0 = absent */
	struct dm_hmap m;
	uint64_t rng = 42;
	int i, bad = 0, count = 0;

	ok(dm_hmap_init(&m, 4) == 0, "init");
	ok(dm_hmap_get(&m, 7) == DM_HMAP_NONE, "empty map finds nothing");
	for (i = 0; i < 400000; i++) {
		uint32_t k, got;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		k = (uint32_t)(rng >> 33) % N;
		/* keys spaced by 2^32 probe the same way often */
		switch ((rng >> 20) % 5) {
		case 0:
			dm_hmap_put(&m, (uint64_t)k << 32, (uint32_t)i);
			count += !model[k];
			model[k] = (uint32_t)i + 1;
			break;
		case 1:
			got = dm_hmap_del(&m, (uint64_t)k << 32);
			bad += got != (model[k] ? model[k] - 1 : DM_HMAP_NONE);
			count -= !!model[k];
			model[k] = 0;
			break;
		case 2:
			dm_hmap_swap(&m, (uint64_t)k << 32, (uint32_t)i, &got);
			bad += got != (model[k] ? model[k] - 1 : DM_HMAP_NONE);
			count += !model[k];
			model[k] = (uint32_t)i + 1;
			break;
		case 3: {
			struct dm_hmap_slot *s =
				dm_hmap_find(&m, (uint64_t)k << 32);

			bad += (s ? s->val : DM_HMAP_NONE) !=
			       (model[k] ? model[k] - 1 : DM_HMAP_NONE);
			if (s)
				dm_hmap_del_at(&m, s);
			count -= !!model[k];
			model[k] = 0;
			break;
		}
		default:
			got = dm_hmap_get(&m, (uint64_t)k << 32);
			bad += got != (model[k] ? model[k] - 1 : DM_HMAP_NONE);
			break;
		}
	}
	ok(!bad,
	   "400000 random puts, gets and deletes agree with the model "
	   "(%d mismatches)",
	   bad);
	ok(m.count == (uint32_t)count, "count matches (%u vs %d)", m.count,
	   count);
	for (i = 0, bad = 0; i < N; i++)
		bad += dm_hmap_get(&m, (uint64_t)i << 32) !=
		       (model[i] ? model[i] - 1 : DM_HMAP_NONE);
	ok(!bad, "every key is where the model says at the end");
	ok((m.count + 1) * 2 <= m.mask + 1, "load stays at or under 1/2");
	ok(clusters_apart(), "page-strided addresses, mapped and unmapped "
			     "in turn, sit near their home slots");
	dm_hmap_clear(&m);
	ok(m.count == 0 && dm_hmap_get(&m, 0) == DM_HMAP_NONE, "clear empties");
	ok(dm_hmap_put(&m, 0, 5) == 0 && dm_hmap_get(&m, 0) == 5,
	   "key 0 is a key like any other");
	dm_hmap_fini(&m);
	return done_testing();
}
