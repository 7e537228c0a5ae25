/*
 * attach.c - see attach.h.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "attach.h"
#include "losses.h"
#include "shm.h"
#include "text.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* reads of a state being written, 10 ms apart: 0.5 s, past a heartbeat
 * that stopped with the writer */
#define BUSY_TRIES  50u
#define BUSY_NAP_NS 10000000L

static int gone(const char *name, const char *why, FILE *errf)
{
	fprintf(errf, "dmatop: the backend '%s' is gone: %s\n", name, why);
	return 1;
}

/*
 * Print the violations of s past the first *done of the run. The
 * segment holds the most recent ones, the last of violations_total: one
 * event may raise two, so a violation is known by its place in the run,
 * not by its event. Those that scrolled out between two reads are told
 * as a count.
 */
static void new_violations(const struct dm_shm_snapshot *s,
			   const struct dm_batch_opts *o, uint64_t *done,
			   FILE *out, FILE *errf)
{
	uint64_t total = s->hdr.violations_total, first;
	size_t i;

	if (total < s->nviolations)
		total = s->nviolations;
	first = total - s->nviolations;
	if (first > *done) {
		fflush(out);
		fprintf(errf,
			"dmatop: %llu violations came and went between two "
			"reads of the backend's state; its recording, if it "
			"has one, holds them\n",
			(unsigned long long)(first - *done));
		*done = first;
	}
	for (i = *done - first; i < s->nviolations; i++)
		if (s->violations[i].rule < DM_R_COUNT) /* else not ours */
			dm_batch_violation(out, o, s->vrf, s->strings,
					   &s->violations[i]);
	if (total > *done)
		*done = total;
	fflush(out);
}

int dm_attach_run(const char *name, const struct dm_batch_opts *o,
		  uint64_t follow_ns, FILE *out, FILE *errf)
{
	struct dm_shm_snapshot s = { 0 };
	struct dm_shm_reader *r;
	uint64_t done = 0, until = now_ns() + follow_ns;
	const char *why;
	char err[512], src[160];
	bool lost_it = false; /* the backend is gone, its end unpublished */
	unsigned busy = 0;
	int rc, status = 0;

	rc = dm_shm_attach(&r, name, err, sizeof(err));
	if (rc) {
		fprintf(errf, "dmatop: %s\n", err);
		return 1;
	}
	for (;;) {
		bool alive = dm_shm_alive(r, &why);
		struct dm_shm_snapshot next = { 0 };

		/* the mapping outlives the backend: a backend that exited
		 * after publishing its end left its last state, the end of
		 * the run rather than a loss */
		rc = dm_shm_snapshot(r, &next);
		if (!alive && (rc || !(next.hdr.flags &
				       (DM_SHM_ENDED | DM_SHM_STOPPED)))) {
			dm_shm_snapshot_free(&next);
			status = gone(name, why, errf);
			lost_it = true;
			break;
		}
		/* a backend stopped (SIGSTOP) in the middle of a publish
		 * is busy until its heartbeat says it is gone */
		if (rc == -EBUSY && ++busy < BUSY_TRIES) {
			nanosleep(&(struct timespec){ 0, BUSY_NAP_NS }, NULL);
			continue;
		}
		busy = 0;
		if (rc) {
			fprintf(errf, "dmatop: the backend '%s': %s\n", name,
				rc == -EBUSY ? "its state changes faster than "
					       "it can be read; try again" :
				rc == -EIO   ? "its state does not check out" :
					       strerror(-rc));
			status = 1;
			goto out;
		}
		dm_shm_snapshot_free(&s);
		s = next;
		new_violations(&s, o, &done, out, errf);
		if (!alive)
			fprintf(errf,
				"dmatop: note: the backend '%s' %s and exited: "
				"this is its last state\n",
				name,
				s.hdr.flags & DM_SHM_STOPPED ?
					"was stopped" :
					"ran to its end");
		/* an end published while its recorder still writes its
		 * queue is followed to the figures it ends with */
		if (!alive || !follow_ns || now_ns() >= until ||
		    ((s.hdr.flags & DM_SHM_ENDED) && !s.hdr.recorder_backlog))
			break;
		struct timespec nap = { 0, DM_SHM_PERIOD_NS };

		nanosleep(&nap, NULL);
	}
	/* gone before a first state: nothing to sum up */
	if (lost_it && !s.vrf)
		goto out;
	if (!lost_it)
		status = s.hdr.violations_total ? 3 : 0;
	/* no such adapter: the violations' verdict stands over it */
	if (!lost_it && o->dump &&
	    dm_batch_dump(out, errf, o, s.vrf, s.strings) && !status)
		status = 2;
	dm_text_escape(src, sizeof(src), s.hdr.source);
	if (o->json) {
		fprintf(out, "{\"type\":\"summary\",\"source\":");
		dm_text_json(out, s.hdr.source);
		fprintf(out,
			",\"backend\":\"%s\",\"pid\":%llu,\"generation\":%llu,"
			"\"events\":%llu,\"violations\":%llu,\"lost\":%llu,"
			"\"rejected\":%llu,\"losses\":",
			name, (unsigned long long)s.hdr.writer_pid,
			(unsigned long long)s.hdr.generation,
			(unsigned long long)s.hdr.events_seen,
			(unsigned long long)s.hdr.violations_total,
			(unsigned long long)s.hdr.lost,
			(unsigned long long)dm_vrf_stats(s.vrf)->rejected);
		/* as a run's own summary has them, but for the bytes its
		 * simulated drivers checked: the backend's to tell */
		dm_losses_json(out, dm_vrf_stats(s.vrf));
		fprintf(out, ",\"dropped\":%llu,\"recorded\":%llu",
			(unsigned long long)s.hdr.events_dropped,
			(unsigned long long)s.hdr.events_recorded);
		/* the last line is a summary, even of a backend lost: the
		 * last state it published, and why there is no more */
		if (lost_it) {
			fprintf(out, ",\"gone\":");
			dm_text_json(out, why);
		}
		fprintf(out, "}\n");
	} else {
		fprintf(errf,
			"dmatop: backend '%s' (pid %llu, %s): %llu event%s, "
			"%llu violation%s, %llu lost",
			name, (unsigned long long)s.hdr.writer_pid, src,
			(unsigned long long)s.hdr.events_seen,
			s.hdr.events_seen == 1 ? "" : "s",
			(unsigned long long)s.hdr.violations_total,
			s.hdr.violations_total == 1 ? "" : "s",
			(unsigned long long)s.hdr.lost);
		if (s.hdr.recording[0])
			fprintf(errf, "; recording: %llu events, %llu dropped",
				(unsigned long long)s.hdr.events_recorded,
				(unsigned long long)s.hdr.events_dropped);
		fprintf(errf, "\n");
	}
out:
	dm_shm_snapshot_free(&s);
	dm_shm_detach(r);
	return status;
}
