/*
 * provider_live.c - the state of a running backend, from its segment.
 *
 * A snapshot a second (or as the caller refreshes), never more than one
 * per generation the backend published.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provider.h"
#include "shm.h"
#include "text.h"

#define REFRESH_NS 1000000000ull
/* how long attaching waits for a new backend's first state */
#define FIRST_WAIT_MS 5000

struct live {
	struct dm_provider p;
	struct dm_shm_reader *r;
	struct dm_shm_snapshot s;
	uint64_t gen, last, prev_events, prev_pub;
	bool gone;  /* its process exited: nothing more will come */
	bool stale; /* its heartbeat stopped, its process still there */
};

/* The recorder's queue close to full: a live source's recorder leaves
 * a burst queued up to half of it on purpose (see recorder.c), so only
 * past three quarters is the disk falling behind. */
static bool behind(const struct dm_shm_header *h)
{
	return h->recorder_queue &&
	       h->recorder_backlog > h->recorder_queue / 4 * 3;
}

static void status(struct live *l)
{
	const struct dm_shm_header *h = &l->s.hdr;
	struct dm_status *st = &l->p.st;

	bool ended = h->flags & DM_SHM_ENDED;

	/* a source that ended stays on screen as it ended */
	snprintf(st->mode, sizeof(st->mode),
		 h->flags & DM_SHM_STOPPED ? "STOPPED" :
		 ended			   ? "ENDED" :
					     "LIVE");
	dm_text_escape(st->source, sizeof(st->source), h->source);
	dm_text_escape(st->recording, sizeof(st->recording), h->recording);
	st->events = h->events_seen;
	st->violations = h->violations_total;
	st->dropped = h->events_dropped;
	st->lost = h->lost;
	st->health[0] = 0;
	if (h->recorder_msg[0])
		snprintf(st->health, sizeof(st->health),
			 "recording stopped: %s; %llu of %llu events are in it",
			 h->recorder_msg,
			 (unsigned long long)h->events_recorded,
			 (unsigned long long)h->events_seen);
	else if (h->recording[0] && behind(h))
		snprintf(st->health, sizeof(st->health),
			 "recording is behind: %llu of the %llu events its "
			 "queue holds; past that they are dropped",
			 (unsigned long long)h->recorder_backlog,
			 (unsigned long long)h->recorder_queue);
	/* between two of the backend's publishes, by its clock: the
	 * viewer's refreshes need not fall evenly between them */
	if (l->prev_pub && h->published > l->prev_pub)
		st->events_per_s = (double)(h->events_seen - l->prev_events) *
				   1e9 / (double)(h->published - l->prev_pub);
	st->no_rate = !l->prev_pub || ended;
	l->prev_events = h->events_seen;
	l->prev_pub = h->published;
	st->seq = l->s.nevents ? l->s.events[l->s.nevents - 1].seq : 0;
	st->ts = l->s.nevents ? l->s.events[l->s.nevents - 1].ts : 0;
	l->p.vrf = l->s.vrf;
	l->p.strings = l->s.strings;
	l->p.viol = l->s.violations;
	l->p.nviol = l->s.nviolations;
	l->p.events = l->s.events;
	l->p.nevents = l->s.nevents;
}

/* read the segment: 1 when the state changed or the backend is gone */
static int live_poll(struct live *l)
{
	struct dm_provider *p = &l->p;
	struct dm_shm_snapshot s;
	const char *why;
	bool alive;
	int rc, changed = 0;

	alive = dm_shm_alive(l->r, &why);
	/* the last state too, published as the backend ended: the
	 * segment stays mapped after it is gone */
	if (!l->gen || dm_shm_header(l->r)->generation != l->gen) {
		rc = dm_shm_snapshot(l->r, &s);
		if (!rc) {
			dm_shm_snapshot_free(&l->s);
			l->s = s;
			l->gen = s.hdr.generation;
			status(l);
			changed = 1;
		} else if (rc != -EBUSY && alive) {
			return rc;
		}
	}
	if (!alive) {
		/* one stopped (SIGSTOP) may go on, one slow to exit may
		 * yet publish its end: only an exited one is given up */
		l->gone = dm_shm_exited(l->r);
		l->stale = true;
		p->st.no_rate = true; /* nothing moves any more */
		if (l->gen && (l->s.hdr.flags & DM_SHM_STOPPED)) {
			snprintf(p->st.health, sizeof(p->st.health),
				 "its backend was stopped (a signal): this is "
				 "the state it stopped at");
		} else if (l->gen && (l->s.hdr.flags & DM_SHM_ENDED)) {
			snprintf(p->st.health, sizeof(p->st.health),
				 "the source ended, and its backend with it: "
				 "this is the state at the end");
		} else {
			snprintf(p->st.mode, sizeof(p->st.mode), "GONE");
			snprintf(p->st.health, sizeof(p->st.health),
				 "backend gone: %s", why);
		}
		return 1;
	}
	if (l->stale) { /* back: what it published says what it is */
		l->stale = false;
		if (l->gen)
			status(l);
		changed = 1;
	}
	return changed;
}

static int live_refresh(struct dm_provider *p, uint64_t now)
{
	struct live *l = (struct live *)p;

	if (l->gone || (l->last && now - l->last < REFRESH_NS))
		return 0;
	l->last = now;
	return live_poll(l);
}

static void live_close(struct dm_provider *p)
{
	struct live *l = (struct live *)p;

	dm_shm_snapshot_free(&l->s);
	dm_shm_detach(l->r);
	free(l);
}

static const struct dm_provider_ops live_ops = {
	.update = live_refresh,
	.close = live_close,
};

int dm_provider_live(struct dm_provider **out, const char *name, char *errbuf,
		     size_t len)
{
	struct live *l = calloc(1, sizeof(*l));
	int err = 0, i;

	if (!l)
		return -ENOMEM;
	l->p.ops = &live_ops;
	err = dm_shm_attach(&l->r, name, errbuf, len);
	if (err) {
		free(l);
		return err;
	}
	/* a backend just started publishes its first state within its
	 * first interval, a loaded machine's later: wait for it while it
	 * lives, FIRST_WAIT_MS at most */
	for (i = 0; i < FIRST_WAIT_MS / 20; i++) {
		err = live_poll(l);
		if (err < 0 || l->p.vrf || l->gone)
			break;
		nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	}
	if (err < 0 || !l->p.vrf) {
		if (l->gone)
			snprintf(errbuf, len,
				 "the backend '%s' is gone before it published "
				 "anything: %s",
				 name, l->p.st.health);
		else
			snprintf(errbuf, len,
				 "the backend '%s' has published nothing "
				 "readable in %d s",
				 name, FIRST_WAIT_MS / 1000);
		live_close(&l->p);
		return err < 0 ? err : -EAGAIN;
	}
	*out = &l->p;
	return 0;
}
