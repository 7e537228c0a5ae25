/*
 * sim.h - the simulated machine as an event source: the HAL, the drivers a
 * scenario loads, and a scheduler that runs them in simulated time.
 *
 * Everything is deterministic for a given scenario and seed: one PRNG, one
 * simulated clock, drivers stepped in order of their wake-up time (ties by
 * load order). Simulated time runs as fast as the host allows; `duration`
 * bounds it.
 */
#ifndef DMATOP_SIM_H
#define DMATOP_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "hal.h"
#include "source.h"

#define DM_SIM_MAX_DRIVERS 8
#define DM_SIM_PASS_NS	   50000000ull /* verifier pass period */

struct dm_sim;
struct dm_sim_driver;

/* Returns ns until the driver's next step, or a negative number when it
 * has finished (unloaded). */
typedef int64_t (*dm_sim_step_fn)(struct dm_sim *sim,
				  struct dm_sim_driver *drv);

struct dm_sim_driver {
	const char *name;
	dm_sim_step_fn step;
	void (*fini)(struct dm_sim *sim, struct dm_sim_driver *drv);
	void *state; /* the driver's, freed by fini */
	struct dm_thread t;
	uint64_t wake; /* ns */
	bool done;
};

struct dm_scenario {
	const char *name;
	const char *summary;
	uint64_t default_ns; /* batch duration when none is given; 0:
				 * runs until its drivers finish */
	int (*load)(struct dm_sim *sim, const struct dm_scenario *sc);
	unsigned code, sub; /* fault scenarios: what they commit */
	bool linux_api;	    /* a Linux driver: the Linux rules apply */
	/* as fast as the host runs, to show what a source faster than
	 * the disk loses: a backend runs it flat out (--speed 0), and a
	 * recording in --batch drops what does not fit rather than wait */
	bool flat_out;
};

/* Scenarios: NULL-terminated, in the order --list-scenarios prints. */
const struct dm_scenario *dm_sim_scenarios(void);
const struct dm_scenario *dm_sim_scenario_find(const char *name);
/* Is the scenario of that name (NULL: none) one that runs flat out? */
bool dm_sim_flat_out(const char *name);

/* Open a scenario as an event source. duration_ns 0 = the scenario's
 * default. 0 or -errno; on -EINVAL *out is NULL and errbuf says why. */
int dm_sim_open(struct dm_src **out, const char *scenario, uint64_t seed,
		uint64_t duration_ns, char *errbuf, size_t errlen);

/* For drivers and scenarios. */
struct dm_hal *dm_sim_hal(struct dm_sim *sim);
uint64_t dm_sim_rand(struct dm_sim *sim); /* xorshift64* */
int dm_sim_load(struct dm_sim *sim, const char *name, dm_sim_step_fn step,
		void (*fini)(struct dm_sim *, struct dm_sim_driver *),
		void *state, uint64_t start_ns);
/* Data integrity: drivers count every byte they checked after a DMA
 * round trip, and every mismatch. */
void dm_sim_checked(struct dm_sim *sim, uint64_t bytes, uint64_t bad);
void dm_sim_integrity(struct dm_src *src, uint64_t *bytes, uint64_t *bad);
bool dm_src_is_sim(const struct dm_src *src);
/* Hand out no event timed after ts (ns of simulated time) until a later
 * call moves the bound; 0 lifts it. A paced run (a backend at --speed)
 * moves it with the clock: events come when their time does, not in
 * batches that leap ahead of it. */
void dm_sim_until(struct dm_src *src, uint64_t ts);

/* drivers.c and faults.c */
int dm_drv_ndis(struct dm_sim *sim, uint64_t lifetime_ns, bool reload,
		uint64_t start);
int dm_drv_scsiport(struct dm_sim *sim, uint64_t lifetime_ns, uint64_t start);
int dm_drv_flaky(struct dm_sim *sim, uint64_t start);
int dm_drv_storm(struct dm_sim *sim, const struct dm_scenario *sc);
int dm_drv_seed_example(struct dm_sim *sim, const struct dm_scenario *sc);
int dm_drv_hostile_names(struct dm_sim *sim, const struct dm_scenario *sc);
int dm_drv_linux(struct dm_sim *sim, const struct dm_scenario *sc);
/* fault-0xNN[.S]: one driver committing that violation; NULL-terminated */
extern const struct dm_scenario dm_fault_scenarios[];

#endif
