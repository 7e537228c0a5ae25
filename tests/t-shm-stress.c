/*
 * t-shm-stress.c - readers never see a torn state.
 *
 * A backend runs the storm scenario flat out, publishing every 50 ms,
 * while several reader processes snapshot it as fast as they can and
 * check what a torn copy would break: the payload's checksum, the
 * header's event count against the state's, the recent events ending at
 * that count without a hole, and each adapter's map register counters
 * against the files it holds.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "shm.h"
#include "sim.h"
#include "tap.h"

#define READERS 3
#ifndef SECONDS
#define SECONDS 8 /* build with -DSECONDS=30 for a longer run */
#endif

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static void quiet(void *ctx, const char *msg)
{
}

static int run_backend(const char *name)
{
	struct dm_backend_opts o = { .name = name,
				     .group = (gid_t)-1,
				     .publish = true,
				     .rulesets = DM_RULES_HAL };
	struct sigaction sa = { .sa_handler = on_term };
	struct dm_backend_result res;
	struct dm_src *src;
	char err[512];

	sigaction(SIGTERM, &sa, NULL);
	if (dm_sim_open(&src, "storm", 1, UINT64_MAX / 2, err, sizeof(err)))
		return 1;
	if (dm_backend_run(src, &o, &stop, quiet, NULL, &res, err,
			   sizeof(err))) {
		fprintf(stderr, "backend: %s\n", err);
		return 1;
	}
	dm_src_close(src);
	return 0;
}

struct tally {
	unsigned long long reads, torn, busy, retries, changed;
};

/* What a torn copy would break; returns a reason or NULL. */
static const char *check(const struct dm_shm_snapshot *s)
{
	uint32_t a, f;
	size_t i;

	if (s->hdr.generation & 1)
		return "odd generation";
	if (s->hdr.events_seen != dm_vrf_stats(s->vrf)->events)
		return "header and state disagree on the events seen";
	if (s->nevents && s->events[s->nevents - 1].seq != s->hdr.events_seen)
		return "the recent events do not end at the count";
	for (i = 1; i < s->nevents; i++)
		if (s->events[i].seq != s->events[i - 1].seq + 1)
			return "a hole in the recent events";
	for (a = 0; a < dm_vrf_adapter_count(s->vrf); a++) {
		const struct dm_vadapter *ad = dm_vrf_adapter(s->vrf, a);
		uint64_t held = 0;

		for (f = ad->files.head; f != DM_VRF_NONE;
		     f = dm_vrf_file(s->vrf, f)->next)
			held += dm_vrf_file(s->vrf, f)->nregs;
		if (ad->live && ad->mr_alloc - ad->mr_freed != held)
			return "map register counters disagree with the files";
	}
	return NULL;
}

static int reader(const char *name, int fd)
{
	struct dm_shm_reader *r;
	struct tally t = { 0 };
	struct dm_shm_snapshot s;
	uint64_t last_gen = 0;
	time_t end = time(NULL) + SECONDS;
	char err[512];
	const char *why;

	if (dm_shm_attach(&r, name, err, sizeof(err)))
		return 1;
	while (time(NULL) < end) {
		int rc = dm_shm_snapshot(r, &s);

		t.reads++;
		if (rc == -EBUSY) {
			t.busy++;
			continue;
		}
		if (rc || (why = check(&s))) {
			t.torn++;
			if (!rc)
				fprintf(stderr, "torn: %s\n", why);
		} else {
			t.retries += s.retries;
			t.changed += s.hdr.generation != last_gen;
			last_gen = s.hdr.generation;
		}
		dm_shm_snapshot_free(&s);
	}
	dm_shm_detach(r);
	if (write(fd, &t, sizeof(t)) != sizeof(t))
		return 1;
	return 0;
}

int main(void)
{
	struct tally sum = { 0 }, t;
	char name[32], seg[64];
	pid_t backend, rd[READERS];
	int pfd[2], i, status;

	snprintf(name, sizeof(name), "stress%d", (int)getpid());
	snprintf(seg, sizeof(seg), "/dev/shm/dmatop-%s", name);
	if (pipe(pfd))
		return 1;
	backend = fork();
	if (!backend)
		_exit(run_backend(name));
	for (i = 0; i < 100 && access(seg, F_OK); i++)
		usleep(100000);
	ok(!access(seg, F_OK), "the backend published %s", seg);
	usleep(300000);
	for (i = 0; i < READERS; i++) {
		rd[i] = fork();
		if (!rd[i])
			_exit(reader(name, pfd[1]));
	}
	for (i = 0; i < READERS; i++) {
		waitpid(rd[i], &status, 0);
		ok(WIFEXITED(status) && !WEXITSTATUS(status),
		   "reader %d finished", i);
		if (read(pfd[0], &t, sizeof(t)) == sizeof(t)) {
			sum.reads += t.reads;
			sum.torn += t.torn;
			sum.busy += t.busy;
			sum.retries += t.retries;
			sum.changed += t.changed;
		}
	}
	kill(backend, SIGTERM);
	waitpid(backend, &status, 0);
	ok(WIFEXITED(status) && !WEXITSTATUS(status),
	   "the backend stopped cleanly on SIGTERM");
	diag("%llu snapshots by %d readers in %d s: %llu busy, %llu retries, "
	     "%llu saw a new generation",
	     sum.reads, READERS, SECONDS, sum.busy, sum.retries, sum.changed);
	/* a count, not a rate: a loaded machine reads less, and what
	 * matters is that reads fell between and over many publishes */
	ok(sum.reads > 2 * sum.changed,
	   "readers snapshot continuously: %llu reads over %llu generations",
	   sum.reads, sum.changed);
	ok(sum.changed > 10, "they saw the state change (%llu generations)",
	   sum.changed);
	ok(sum.torn == 0, "no torn snapshot among %llu", sum.reads);
	ok(sum.busy * 10 < sum.reads,
	   "readers rarely lose to the writer "
	   "(%llu busy)",
	   sum.busy);
	ok(access(seg, F_OK), "the segment is gone after the backend");
	return done_testing();
}
