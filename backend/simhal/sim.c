/*
 * sim.c - scheduler and event-source face of the simulated machine.
 *
 * A step of a driver can emit any number of events (the seed example sets
 * up its whole state in one); they queue in a growable buffer and poll()
 * hands them out in order, up to the caller's limit, before stepping
 * again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

struct dm_sim {
	struct dm_src src;
	struct dm_hal *hal;
	const struct dm_scenario *sc;
	uint64_t rng, end_ns, next_pass;
	uint64_t until; /* see dm_sim_until(); 0: none */
	struct dm_sim_driver drv[DM_SIM_MAX_DRIVERS];
	unsigned ndrv;
	bool ended;
	int err; /* -ENOMEM from an emit */
	struct dm_event *q;
	size_t qhead, qlen, qcap;
	uint64_t checked, bad;
	char desc[128];
};

static int load_ndis(struct dm_sim *sim, const struct dm_scenario *sc)
{
	return dm_drv_ndis(sim, 1000000000ull, false, 0);
}

static int load_scsiport(struct dm_sim *sim, const struct dm_scenario *sc)
{
	return dm_drv_scsiport(sim, 1000000000ull, 0);
}

static int load_mixed(struct dm_sim *sim, const struct dm_scenario *sc)
{
	int err = dm_drv_ndis(sim, 4000000000ull, true, 0);

	if (!err)
		err = dm_drv_scsiport(sim, 0, 1000000);
	if (!err)
		err = dm_drv_flaky(sim, 2000000);
	return err;
}

static const struct dm_scenario scenarios[] = {
	{ "mixed",
	  "a NIC, a storage controller and a driver with occasional "
	  "bugs; NIC reloads every 4 s",
	  10000000000ull, load_mixed },
	{ "ndis",
	  "a NIC: map registers, shared memory, packets in loopback, "
	  "unloads after 1 s",
	  0, load_ndis },
	{ "scsiport",
	  "a storage controller: uncached extension, "
	  "scatter/gather I/O to a RAM disk, unloads after 1 s",
	  0, load_scsiport },
	{ "storm",
	  "one adapter mapping and flushing as fast as it can "
	  "(benchmarks)",
	  1000000000ull, dm_drv_storm, .flat_out = true },
	{ "seed-example",
	  "the state of the !dma example: two SCSIPORT "
	  "adapters and an NDIS adapter",
	  0, dm_drv_seed_example },
	{ "hostile-names",
	  "adapters and callers named with escape sequences, control "
	  "characters and broken UTF-8 (a terminal must survive them)",
	  0, dm_drv_hostile_names },
	{ "linux",
	  "a Linux driver on the DMA-mapping API behind an IOMMU, loaded "
	  "12 times: once clean, then once for each of 11 misuses",
	  0, dm_drv_linux, .linux_api = true },
};

const struct dm_scenario *dm_sim_scenario_find(const char *name)
{
	const struct dm_scenario *s;
	size_t i;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(scenarios[i].name, name))
			return &scenarios[i];
	for (s = dm_fault_scenarios; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

bool dm_sim_flat_out(const char *name)
{
	const struct dm_scenario *sc = name ? dm_sim_scenario_find(name) : NULL;

	return sc && sc->flat_out;
}

const struct dm_scenario *dm_sim_scenarios(void)
{
	static struct dm_scenario all[64];
	const struct dm_scenario *s;
	size_t n = 0, i;

	if (all[0].name)
		return all;
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		all[n++] = scenarios[i];
	for (s = dm_fault_scenarios; s->name && n + 1 < 64; s++)
		all[n++] = *s;
	return all;
}

struct dm_hal *dm_sim_hal(struct dm_sim *sim)
{
	return sim->hal;
}

uint64_t dm_sim_rand(struct dm_sim *sim)
{
	uint64_t x = sim->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	sim->rng = x;
	return x * 0x2545f4914f6cdd1dull;
}

int dm_sim_load(struct dm_sim *sim, const char *name, dm_sim_step_fn step,
		void (*fini)(struct dm_sim *, struct dm_sim_driver *),
		void *state, uint64_t start_ns)
{
	struct dm_sim_driver *d;

	if (sim->ndrv == DM_SIM_MAX_DRIVERS)
		return -ENOSPC;
	d = &sim->drv[sim->ndrv];
	*d = (struct dm_sim_driver){ .name = name,
				     .step = step,
				     .fini = fini,
				     .state = state,
				     .wake = start_ns };
	d->t.tid = ++sim->ndrv;
	return 0;
}

void dm_sim_checked(struct dm_sim *sim, uint64_t bytes, uint64_t bad)
{
	sim->checked += bytes;
	sim->bad += bad;
}

static void on_emit(void *ctx, const struct dm_event *ev)
{
	struct dm_sim *sim = ctx;

	if (sim->qhead + sim->qlen == sim->qcap) {
		if (sim->qhead) { /* slide down before growing */
			memmove(sim->q, sim->q + sim->qhead,
				sim->qlen * sizeof(*sim->q));
			sim->qhead = 0;
		} else {
			size_t cap = sim->qcap ? sim->qcap * 2 : 4096;
			struct dm_event *q = realloc(sim->q, cap * sizeof(*q));

			if (!q) {
				sim->err = -ENOMEM;
				return;
			}
			sim->q = q;
			sim->qcap = cap;
		}
	}
	sim->q[sim->qhead + sim->qlen++] = *ev;
}

/* Run the driver due next (or the verifier pass). */
static void step(struct dm_sim *sim)
{
	struct dm_sim_driver *d = NULL;
	unsigned i;
	int64_t next;

	for (i = 0; i < sim->ndrv; i++)
		if (!sim->drv[i].done && (!d || sim->drv[i].wake < d->wake))
			d = &sim->drv[i];
	if (!d || (sim->end_ns && d->wake >= sim->end_ns)) {
		/* a last look at memory before the machine stops */
		dm_hal_verify_pass(sim->hal);
		sim->ended = true;
		return;
	}
	if (sim->next_pass <= d->wake) {
		dm_hal_set_now(sim->hal, sim->next_pass);
		dm_hal_verify_pass(sim->hal);
		sim->next_pass += DM_SIM_PASS_NS;
		return;
	}
	dm_hal_set_now(sim->hal, d->wake);
	next = d->step(sim, d);
	if (next < 0)
		d->done = true;
	else
		d->wake = dm_hal_now(sim->hal) + (uint64_t)next;
}

static int sim_poll(struct dm_src *src, size_t max, dm_src_event_fn fn,
		    void *ctx)
{
	struct dm_sim *sim = (struct dm_sim *)src;
	size_t n = 0;

	while (n < max) {
		if (sim->err)
			return sim->err;
		if (sim->qlen) {
			const struct dm_event *ev = &sim->q[sim->qhead];

			if (sim->until && ev->ts > sim->until)
				break; /* not its time yet */

			sim->qhead++;
			sim->qlen--;
			n++;
			if (!sim->qlen)
				sim->qhead = 0;
			if (fn(ctx, ev))
				break;
			continue;
		}
		if (sim->ended)
			return n ? (int)n : -ENODATA;
		step(sim);
	}
	return (int)n;
}

static int sim_fd(struct dm_src *src)
{
	return -1;
}

static int sim_seek(struct dm_src *src, uint64_t seq)
{
	return -ENOTSUP;
}

static uint64_t sim_lost(struct dm_src *src)
{
	return 0;
}

static const char *sim_describe(struct dm_src *src)
{
	return ((struct dm_sim *)src)->desc;
}

static void sim_close(struct dm_src *src)
{
	struct dm_sim *sim = (struct dm_sim *)src;
	unsigned i;

	for (i = 0; i < sim->ndrv; i++)
		if (sim->drv[i].fini)
			sim->drv[i].fini(sim, &sim->drv[i]);
	dm_hal_free(sim->hal);
	dm_strtab_free(src->strings);
	free(sim->q);
	free(sim);
}

static const struct dm_src_ops sim_ops = {
	.name = "sim",
	.fd = sim_fd,
	.poll = sim_poll,
	.seek = sim_seek,
	.lost = sim_lost,
	.describe = sim_describe,
	.close = sim_close,
};

void dm_sim_until(struct dm_src *src, uint64_t ts)
{
	((struct dm_sim *)src)->until = ts;
}

bool dm_src_is_sim(const struct dm_src *src)
{
	return src->ops == &sim_ops;
}

void dm_sim_integrity(struct dm_src *src, uint64_t *bytes, uint64_t *bad)
{
	struct dm_sim *sim = (struct dm_sim *)src;

	*bytes = sim->checked;
	*bad = sim->bad;
}

int dm_sim_open(struct dm_src **out, const char *scenario, uint64_t seed,
		uint64_t duration_ns, char *errbuf, size_t errlen)
{
	const struct dm_scenario *sc = dm_sim_scenario_find(scenario);
	struct dm_sim *sim;
	int err;

	*out = NULL;
	if (!sc) {
		snprintf(errbuf, errlen,
			 "no scenario named '%s' (dmatop --list-scenarios "
			 "lists them)",
			 scenario);
		return -EINVAL;
	}
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return -ENOMEM;
	sim->src.ops = &sim_ops;
	sim->sc = sc;
	sim->rng = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
	if (!sim->rng)
		sim->rng = 1;
	sim->end_ns = duration_ns ? duration_ns : sc->default_ns;
	sim->next_pass = DM_SIM_PASS_NS;
	snprintf(sim->desc, sizeof(sim->desc), "sim:%s seed=%llu", sc->name,
		 (unsigned long long)seed);
	sim->src.strings = dm_strtab_new();
	if (!sim->src.strings) {
		free(sim);
		return -ENOMEM;
	}
	sim->hal = dm_hal_new(sim->src.strings, on_emit, sim);
	if (!sim->hal) {
		dm_strtab_free(sim->src.strings);
		free(sim);
		return -ENOMEM;
	}
	err = sc->load(sim, sc);
	if (err) {
		snprintf(errbuf, errlen, "scenario '%s' failed to load: %s",
			 sc->name, strerror(-err));
		sim_close(&sim->src);
		return err;
	}
	*out = &sim->src;
	return 0;
}
