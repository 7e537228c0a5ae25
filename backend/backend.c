/*
 * backend.c - see backend.h.
 *
 * Recent events and violations are kept in small rings here, copied into
 * the segment at each publish; a viewer sees at most DM_SHM_PERIOD_NS of
 * staleness and the writer pays one memcpy per event for the ring.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "recorder.h"
#include "schema.h"
#include "shm.h"
#include "sim.h"
#include "verifier.h"

#define RECENT_EVENTS	  1024u /* a power of two */
#define RECENT_VIOLATIONS 256u

struct loop {
	const struct dm_backend_opts *o;
	struct dm_src *src;
	struct dm_vrf *vrf;
	struct dm_rec *rec;
	struct dm_shm_writer *shm;
	struct dm_event *ev; /* ring */
	uint64_t nev;
	struct dm_violation *viol; /* ring */
	uint64_t nviol;
	uint64_t last_seq, last_ts, publishes;
	int err;
	bool settled; /* at the last publish: see dm_rec_settle() */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_violation(void *ctx, const struct dm_violation *v)
{
	struct loop *l = ctx;

	if (l->rec)
		dm_rec_violation(l->rec, v);
	l->viol[l->nviol++ % RECENT_VIOLATIONS] = *v;
}

static int on_event(void *ctx, const struct dm_event *ev)
{
	struct loop *l = ctx;
	int err;

	if (l->rec)
		dm_rec_event(l->rec, l->vrf, ev);
	err = dm_vrf_feed(l->vrf, ev);
	if (l->o->publish)
		l->ev[l->nev++ & (RECENT_EVENTS - 1)] = *ev;
	l->last_seq = ev->seq;
	l->last_ts = ev->ts;
	if (err) {
		l->err = err;
		return 1;
	}
	return 0;
}

/* Copy a ring out oldest first into dst; returns how many. */
static size_t unring(void *dst, const void *ring, uint64_t total, size_t cap,
		     size_t size)
{
	size_t n = total < cap ? (size_t)total : cap, first;

	first = total < cap ? 0 : (size_t)(total % cap);
	memcpy(dst, (const char *)ring + first * size, (n - first) * size);
	memcpy((char *)dst + (n - first) * size, ring, first * size);
	return n;
}

/* The state, with the recorder's figures; closed: those of a recorder
 * closed since (its last words in closed_msg, "" if none). */
static int publish(struct loop *l, bool ended, bool stopped,
		   const struct dm_rec_stats *closed, const char *closed_msg)
{
	static struct dm_event ev[RECENT_EVENTS];
	static struct dm_violation viol[RECENT_VIOLATIONS];
	struct dm_shm_counters c = { 0 };
	const struct dm_vrf_stats *st;
	struct dm_rec_stats rs = { 0 };
	size_t ne, nv;

	l->settled = closed || !l->rec || dm_rec_settle(l->rec, l->vrf);
	st = dm_vrf_stats(l->vrf);

	ne = unring(ev, l->ev, l->nev, RECENT_EVENTS, sizeof(*ev));
	nv = unring(viol, l->viol, l->nviol, RECENT_VIOLATIONS, sizeof(*viol));
	if (closed)
		rs = *closed;
	else if (l->rec)
		dm_rec_stats(l->rec, &rs);
	c.seen = st->events;
	c.dropped = rs.dropped;
	c.recorded = rs.written;
	c.violations = st->violations;
	c.lost = st->lost;
	c.backlog = rs.backlog;
	c.queue = rs.queue;
	c.recorder_error = rs.error;
	c.recorder_msg = closed ? closed_msg :
			 l->rec ? dm_rec_error(l->rec) :
				  "";
	c.ended = ended || stopped;
	c.stopped = stopped;
	l->publishes++;
	return dm_shm_publish(l->shm, l->vrf, l->src->strings, ev, ne, viol, nv,
			      &c, l->src->ops->describe(l->src), l->o->record);
}

int dm_backend_run(struct dm_src *src, const struct dm_backend_opts *o,
		   volatile sig_atomic_t *stop, dm_backend_log_fn log,
		   void *ctx, struct dm_backend_result *res, char *errbuf,
		   size_t len)
{
	struct dm_shm_writer_opts so = { o->name, o->group };
	struct loop l = { .o = o, .src = src };
	struct dm_rec_stats rs = { 0 };
	uint64_t start, last_pub = 0;
	bool ended = false, published_end = false, paced, stopped = false;
	bool close_failed;
	char msg[512], wal[PATH_MAX + 64];
	int n, err = 0;

	memset(res, 0, sizeof(*res));
	l.ev = calloc(RECENT_EVENTS, sizeof(*l.ev));
	l.viol = calloc(RECENT_VIOLATIONS, sizeof(*l.viol));
	l.vrf = dm_vrf_new(o->rulesets, on_violation, &l);
	if (!l.ev || !l.viol || !l.vrf) {
		err = -ENOMEM;
		snprintf(errbuf, len, "out of memory");
		goto out;
	}
	src->vrf = l.vrf;
	err = dm_shm_create(&l.shm, &so, &res->stale_pid, errbuf, len);
	if (err)
		goto out;
	if (res->stale_pid) {
		snprintf(msg, sizeof(msg),
			 "removed the segment a dead backend (pid %d) left",
			 (int)res->stale_pid);
		log(ctx, msg);
	}
	if (o->record) {
		struct dm_rec_opts ro = {
			.path = o->record,
			.source = src->ops->name,
			.detail = o->detail,
			.rulesets = o->rulesets,
			.seed = o->seed,
			.idle = src->ops->live,
		};

		err = dm_rec_open(&l.rec, &ro, src->strings, errbuf, len);
		if (err)
			goto out;
	}
	snprintf(msg, sizeof(msg), "publishing %s at /dev/shm/dmatop-%s",
		 src->ops->describe(src), o->name);
	log(ctx, msg);
	start = now_ns();
	paced = o->speed > 0 && dm_src_is_sim(src);
	while (!*stop) {
		uint64_t now;

		if (!ended) {
			/* a paced simulation hands out what is due by now
			 * (and a period more), never a batch ahead of it */
			if (paced)
				dm_sim_until(src, (uint64_t)((double)(now_ns() -
								      start) *
							     o->speed) +
							  DM_SHM_PERIOD_NS);
			n = dm_src_poll(src, 4096, on_event, &l);
			if (l.err) {
				err = l.err;
				snprintf(errbuf, len, "the verifier: %s",
					 strerror(-err));
				break;
			}
			if (n == -ENODATA) {
				ended = true;
				log(ctx,
				    "the source has ended (its --duration or "
				    "its scenario is over)");
			} else if (n < 0) {
				err = n;
				snprintf(errbuf, len, "%s stopped: %s",
					 src->ops->describe(src),
					 src->err[0] ? src->err : strerror(-n));
				break;
			}
			if (l.rec && dm_rec_want_checkpoint(l.rec, l.vrf))
				dm_rec_checkpoint(l.rec, l.vrf, l.last_seq,
						  l.last_ts);
		}
		now = now_ns();
		/* after the end, again while its recorder still writes (or
		 * counts what it cannot): its figures still move */
		if (o->publish && (!published_end || !l.settled) &&
		    (now - last_pub >= DM_SHM_PERIOD_NS ||
		     (ended && !published_end))) {
			err = publish(&l, ended, false, NULL, NULL);
			if (err) {
				snprintf(errbuf, len,
					 "publishing the state: %s",
					 strerror(-err));
				break;
			}
			last_pub = now;
			published_end = ended;
		}
		if (ended && !o->stay)
			break;
		if (ended) {
			struct timespec nap = { 0, DM_SHM_PERIOD_NS };

			nanosleep(&nap, NULL);
			dm_shm_heartbeat(l.shm);
		} else if (paced && !n) {
			struct timespec nap = { 0, 5000000 }; /* nothing due */

			nanosleep(&nap, NULL);
		}
	}
	stopped = l.shm && o->publish && !err && !published_end;
	if (stopped)
		publish(&l, false, true, NULL, NULL);
out:
	close_failed = l.rec && dm_rec_close(l.rec, l.vrf, l.last_seq,
					     l.last_ts, &rs, msg, sizeof(msg));
	/* stopped, its end went out before the recorder's queue was
	 * written: its figures again, now that it is */
	if (stopped && l.rec)
		publish(&l, false, true, &rs, close_failed ? msg : "");
	if (close_failed && !err) {
		snprintf(errbuf, len,
			 "the recording %s stopped: %s; %llu of %llu events "
			 "are in it%s",
			 o->record, msg, (unsigned long long)rs.written,
			 (unsigned long long)(l.vrf ? dm_vrf_stats(l.vrf)
							      ->events :
						      0),
			 dm_db_wal_note(wal, sizeof(wal), o->record, ", with"));
		err = -EIO;
	} else if (l.rec && rs.wal_kept) {
		snprintf(msg, sizeof(msg),
			 "note: %s is whole, but a reader had it open: its "
			 "last events are in %s-wal beside it",
			 o->record, o->record);
		log(ctx, msg);
	}
	if (l.vrf) {
		res->events = dm_vrf_stats(l.vrf)->events;
		res->violations = dm_vrf_stats(l.vrf)->violations;
	}
	res->dropped = rs.dropped;
	res->publishes = l.publishes;
	src->vrf = NULL;
	dm_shm_destroy(l.shm);
	dm_vrf_free(l.vrf);
	free(l.ev);
	free(l.viol);
	return err;
}
