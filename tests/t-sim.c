/*
 * t-sim.c - the simulated HAL as an event source: deterministic, gap-free,
 * monotonic, and moving real bytes.
 */
#include <errno.h>
#include <string.h>

#include "sim.h"
#include "tap.h"
#include "verifier.h"

struct acc {
	uint64_t n, hash, last_seq, last_ts, gaps, backwards;
	uint64_t kinds[DM_EV_KIND_MAX];
	struct dm_vrf *vrf;
};

static int on_event(void *ctx, const struct dm_event *ev)
{
	struct acc *a = ctx;
	const unsigned char *p = (const void *)ev;
	size_t i;

	a->gaps += ev->seq != a->last_seq + 1;
	a->backwards += ev->ts < a->last_ts;
	a->last_seq = ev->seq;
	a->last_ts = ev->ts;
	for (i = 0; i < sizeof(*ev); i++)
		a->hash = (a->hash ^ p[i]) * 0x100000001b3ull;
	if (ev->kind < DM_EV_KIND_MAX)
		a->kinds[ev->kind]++;
	a->n++;
	if (a->vrf)
		dm_vrf_feed(a->vrf, ev);
	return 0;
}

static int run(const char *sc, uint64_t seed, uint64_t ns, struct acc *a,
	       struct dm_src **keep)
{
	struct dm_src *src;
	char err[256];
	int n;

	memset(a, 0, sizeof(*a));
	a->hash = 0xcbf29ce484222325ull;
	if (dm_sim_open(&src, sc, seed, ns, err, sizeof(err)))
		return -1;
	a->vrf = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
	do
		n = dm_src_poll(src, 1000, on_event, a);
	while (n > 0);
	if (keep)
		*keep = src;
	else
		dm_src_close(src);
	return n == -ENODATA ? 0 : n;
}

int main(void)
{
	struct acc a, b;
	struct dm_src *src;
	uint64_t bytes, bad;
	char err[256];

	ok(run("mixed", 3, 1500000000ull, &a, NULL) == 0,
	   "mixed runs to its end");
	ok(run("mixed", 3, 1500000000ull, &b, NULL) == 0, "... twice");
	ok(a.n > 10000 && a.n == b.n && a.hash == b.hash,
	   "same seed, same %llu events, byte for byte",
	   (unsigned long long)a.n);
	dm_vrf_free(b.vrf);
	ok(run("mixed", 4, 1500000000ull, &b, NULL) == 0, "another seed runs");
	ok(a.hash != b.hash, "another seed, another run");
	ok(!a.gaps && !a.backwards, "sequence numbers have no gaps, time never "
				    "goes back");
	ok(a.last_ts <= 1500000000ull + 10000000ull,
	   "--duration bounds simulated time");
	ok(a.kinds[DM_EV_GUARD] > 0,
	   "verifier passes read the guards "
	   "(%llu guard events)",
	   (unsigned long long)a.kinds[DM_EV_GUARD]);
	ok(a.kinds[DM_EV_SG_MAP] && a.kinds[DM_EV_MAP] &&
		   a.kinds[DM_EV_CB_ALLOC],
	   "packet, scatter/gather and common-buffer DMA all happen");
	dm_vrf_free(a.vrf);
	dm_vrf_free(b.vrf);

	ok(run("ndis", 1, 0, &a, &src) == 0, "ndis runs until it unloads");
	dm_sim_integrity(src, &bytes, &bad);
	ok(bytes > 1000000 && !bad,
	   "ndis: %llu bytes through map registers "
	   "and back, %llu wrong",
	   (unsigned long long)bytes, (unsigned long long)bad);
	ok(!dm_vrf_stats(a.vrf)->violations, "ndis: no violation");
	ok(dm_vrf_adapter_count(a.vrf) == 1 && !dm_vrf_adapter(a.vrf, 0)->live,
	   "ndis: its adapter was released");
	dm_vrf_free(a.vrf);
	dm_src_close(src);

	ok(run("scsiport", 1, 0, &a, &src) == 0,
	   "scsiport runs until it unloads");
	dm_sim_integrity(src, &bytes, &bad);
	ok(bytes > 1000000 && !bad,
	   "scsiport: %llu bytes through SG lists, "
	   "%llu wrong",
	   (unsigned long long)bytes, (unsigned long long)bad);
	ok(a.kinds[DM_EV_SG_MAP] == a.kinds[DM_EV_SG_UNMAP],
	   "scsiport: every SG list it got it put");
	dm_vrf_free(a.vrf);
	dm_src_close(src);

	ok(run("storm", 1, 10000000ull, &a, NULL) == 0, "storm runs 10 ms");
	ok(!dm_vrf_stats(a.vrf)->violations && a.n > 50000,
	   "storm: %llu events in 10 ms of simulated time, clean",
	   (unsigned long long)a.n);
	dm_vrf_free(a.vrf);

	ok(dm_sim_open(&src, "nope", 1, 0, err, sizeof(err)) == -EINVAL &&
		   !src && strstr(err, "nope"),
	   "an unknown scenario: -EINVAL, "
	   "and the message names it");
	return done_testing();
}
