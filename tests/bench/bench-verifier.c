/*
 * bench-verifier.c - what the verifier costs on the storm scenario.
 *
 * Three figures from one run, all in CPU time of this thread so that a
 * busy neighbour on a shared machine does not move them much:
 *   generate          the simulated HAL producing N events, consumer idle
 *   generate+verify   the same N events fed to the verifier as they come
 *   verify only       N recorded events fed to a fresh verifier
 *   linux             N events as the eBPF source makes them (three
 *                     devices each keeping 256 page mappings in flight,
 *                     a coherent buffer now and then) through the Linux
 *                     rules
 * The verifier's cost is (generate+verify - generate) / generate; its
 * throughput is the verify-only rate. Targets (issue: foundation): cost
 * at most 2x generation, at least 5 million events/s on one core.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "verifier.h"

#define N 4000000ull

struct ctx {
	struct dm_vrf *vrf;
	struct dm_event *rec;
	uint64_t n, sink;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int consume(void *p, const struct dm_event *ev)
{
	struct ctx *c = p;

	c->sink += ev->len;
	if (c->vrf)
		dm_vrf_feed(c->vrf, ev);
	if (c->rec)
		c->rec[c->n] = *ev;
	return ++c->n >= N;
}

static double run_storm(struct ctx *c)
{
	struct dm_src *src;
	char err[256];
	double t0;
	int n;

	if (dm_sim_open(&src, "storm", 1, 10000000000ull, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	t0 = cpu_now();
	do
		n = dm_src_poll(src, 4096, consume, c);
	while (n > 0 && c->n < N);
	t0 = cpu_now() - t0;
	dm_src_close(src);
	if (c->n < N) {
		fprintf(stderr, "bench: storm ended after %llu events\n",
			(unsigned long long)c->n);
		exit(1);
	}
	return t0;
}

/*
 * A driver's steady state as the eBPF source reports it: each of three
 * devices maps a page, unmaps the one it mapped 256 maps ago, and now
 * and then allocates and frees a coherent buffer.
 */
static void linux_stream(struct dm_event *ev, uint64_t n)
{
	const uint64_t dev[3] = { 0xffff888100a00000ull, 0xffff888100a01000ull,
				  0xffff888100a02000ull };
	uint64_t i = 0, k = 0, d;

	for (d = 0; d < 3; d++, i++)
		ev[i] = (struct dm_event){
			.kind = DM_EV_ADAPTER_GET,
			.adapter = dev[d],
			.len = 65536,
			.arg = { DM_DESC_MASTER | DM_DESC_SCATTER_GATHER |
				 DM_DESC_DMA64 },
		};
	for (; i < n; k++) {
		uint64_t dma = 0x10000000ull + (k % 4096) * 4096;
		struct dm_event m = { .kind = DM_EV_MAP,
				      .adapter = dev[k % 3],
				      .obj = dma,
				      .va = 0x200000000ull + k * 4096,
				      .dma = dma,
				      .len = 4096,
				      .dir = DM_DIR_FROM_DEVICE,
				      .caller = 1 };

		ev[i++] = m;
		if (i < n && k >= 768) { /* the map of 256 rounds ago */
			uint64_t old =
				0x10000000ull + ((k - 768) % 4096) * 4096;

			ev[i++] = (struct dm_event){ .kind = DM_EV_UNMAP,
						     .adapter = dev[k % 3],
						     .obj = old,
						     .dma = old,
						     .len = 4096,
						     .dir = DM_DIR_FROM_DEVICE,
						     .caller = 2 };
		}
		if (i + 1 < n && k % 500 == 0) {
			struct dm_event cb = { .kind = DM_EV_CB_ALLOC,
					       .adapter = dev[k % 3],
					       .obj = 0xffff888200000000ull + k,
					       .va = 0xffff888200000000ull + k,
					       .dma = 0x80000000ull + k * 8192,
					       .len = 8192,
					       .caller = 3 };

			ev[i++] = cb;
			cb.kind = DM_EV_CB_FREE;
			ev[i++] = cb;
		}
	}
	for (i = 0; i < n; i++) {
		ev[i].seq = i + 1;
		ev[i].ts = i * 1000;
	}
}

/* CPU seconds a fresh verifier with these rules takes over ev[0..N) */
static double verify_only(unsigned rulesets, const struct dm_event *ev,
			  uint64_t *violations)
{
	struct dm_vrf *vrf = dm_vrf_new(rulesets, NULL, NULL);
	double t = cpu_now();
	uint64_t i;

	for (i = 0; i < N; i++)
		dm_vrf_feed(vrf, &ev[i]);
	t = cpu_now() - t;
	*violations = dm_vrf_stats(vrf)->violations;
	dm_vrf_free(vrf);
	return t;
}

int main(void)
{
	struct ctx gen = { 0 }, both = { 0 }, rec = { 0 };
	double t_gen, t_both, t_vrf;
	uint64_t bad;

	rec.rec = malloc(N * sizeof(*rec.rec));
	if (!rec.rec)
		return 1;
	run_storm(&rec); /* warm up and record */
	t_gen = run_storm(&gen);
	both.vrf = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
	t_both = run_storm(&both);
	t_vrf = verify_only(DM_RULES_HAL, rec.rec, &bad);

	printf("storm, %llu events, CPU time of one thread\n",
	       (unsigned long long)N);
	printf("  generate only:      %8.2f M events/s\n", N / t_gen / 1e6);
	printf("  generate + verify:  %8.2f M events/s\n", N / t_both / 1e6);
	printf("  verify only:        %8.2f M events/s  (target >= 5)\n",
	       N / t_vrf / 1e6);
	printf("  verifier cost:      %8.2f x generation  (target <= 2)\n",
	       (t_both - t_gen) / t_gen);
	printf("  violations:         %llu\n", (unsigned long long)bad);

	linux_stream(rec.rec, N);
	t_vrf = verify_only(DM_RULES_LINUX, rec.rec, &bad);
	printf("linux rules, %llu events as the eBPF source makes them\n",
	       (unsigned long long)N);
	printf("  verify only:        %8.2f M events/s, %.0f ns an event\n",
	       N / t_vrf / 1e6, t_vrf / N * 1e9);
	printf("  violations:         %llu  (a clean stream: 0)\n",
	       (unsigned long long)bad);
	dm_vrf_free(both.vrf);
	free(rec.rec);
	return 0;
}
