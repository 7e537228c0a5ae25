/*
 * bench-shm.c - what publishing costs, and what a snapshot costs.
 *
 *   backend on storm, publishing off and on: events per second of CPU
 *   time (target: publishing costs at most 10%)
 *   a reader's snapshot of a state holding one adapter with 100,000
 *   outstanding mappings: copy, check and rebuild, median of 21
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "shm.h"
#include "sim.h"
#include "verifier.h"

#include "bigstate.h"

#define EVENTS_NS 400000000ull /* 0.4 s of storm: 4 million events */
#define MAPPINGS  100000u

static volatile sig_atomic_t never;

static double cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void quiet(void *ctx, const char *msg)
{
}

static double storm(bool publish, uint64_t *events)
{
	struct dm_backend_opts o = { .name = "bench",
				     .group = (gid_t)-1,
				     .publish = publish,
				     .rulesets = DM_RULES_HAL };
	struct dm_backend_result res;
	struct dm_src *src;
	char err[512];
	double t;

	if (dm_sim_open(&src, "storm", 1, EVENTS_NS, err, sizeof(err)))
		exit(1);
	t = cpu();
	if (dm_backend_run(src, &o, &never, quiet, NULL, &res, err,
			   sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	t = cpu() - t;
	*events = res.events;
	dm_src_close(src);
	return t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	struct dm_shm_writer_opts wo = { "bench-snap", (gid_t)-1 };
	struct dm_shm_counters c = { 0 };
	struct dm_shm_writer *w;
	struct dm_shm_reader *r;
	struct dm_shm_snapshot s;
	struct dm_strtab *st = dm_strtab_new();
	struct dm_vrf *vrf;
	uint64_t n_off, n_on;
	double off, on, t[21];
	char err[512];
	pid_t stale;
	int i;

	storm(false, &n_off); /* warm up */
	off = storm(false, &n_off);
	on = storm(true, &n_on);
	printf("backend on storm, CPU time\n");
	printf("  publishing off:  %8.2f M events/s\n", n_off / off / 1e6);
	printf("  publishing on:   %8.2f M events/s\n", n_on / on / 1e6);
	printf("  publishing cost: %8.1f %%  (target <= 10)\n",
	       (on / n_on / (off / n_off) - 1) * 100);

	vrf = big_state(MAPPINGS);
	if (dm_shm_create(&w, &wo, &stale, err, sizeof(err)) ||
	    dm_shm_publish(w, vrf, st, NULL, 0, NULL, 0, &c, "bench", "") ||
	    dm_shm_attach(&r, "bench-snap", err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	for (i = 0; i < 21; i++) {
		double t0 = wall();

		if (dm_shm_snapshot(r, &s))
			return 1;
		t[i] = wall() - t0;
		if (i == 20)
			printf("snapshot of one adapter with %u outstanding "
			       "mappings (%llu bytes of state):\n",
			       dm_vrf_adapter(s.vrf, 0)->files.count,
			       (unsigned long long)s.hdr.state.len);
		dm_shm_snapshot_free(&s);
	}
	qsort(t, 21, sizeof(t[0]), cmp);
	printf("  median %.1f ms, max %.1f ms\n", t[10] * 1e3, t[20] * 1e3);
	dm_shm_detach(r);
	dm_shm_destroy(w);
	dm_vrf_free(vrf);
	dm_strtab_free(st);
	return 0;
}
