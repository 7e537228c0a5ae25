/*
 * provider_replay.c - a recording played back through the verifier.
 *
 * Playing feeds the events whose time has come (recorded time runs at
 * `speed` times the wall clock); a seek restores the state from the
 * nearest checkpoint. The violations shown are the recording's, up to the
 * current event, so they are the same whichever way we got here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "losses.h"
#include "provider.h"
#include "replay.h"
#include "text.h"

#define RECENT	     1024u
#define MAX_PER_TICK 500000u
/* of a 100 ms tick, what feeding events may take */
#define TICK_WORK_NS 60000000ull

#define HISTORY 100000u

struct rp {
	struct dm_provider p;
	struct dm_src *src;
	struct dm_event *hist; /* the last history asked for, cached */
	size_t nhist;
	uint64_t hist_adapter, hist_obj, hist_seq;
	struct dm_violation *all; /* every recorded violation */
	size_t nall;
	struct dm_event ring[RECENT];
	struct dm_event recent[RECENT];
	uint64_t nring, last_tick, target_ts;
	/* playing: the recording's time on screen (the play head), and
	 * the first event past it, read and held until the head gets
	 * there (a sparse recording would otherwise leap its gaps) */
	uint64_t head;
	struct dm_event pending;
	bool head_set, has_pending;
	/* a gap was crossed and no event after it applied yet: the state
	 * is the checkpoint's past it (see settle()), at event resumed */
	bool crossed;
	uint64_t resumed;
	bool ended, nomem;
	/* the recording's time played in the last half second, to
	 * say so when it is short of the speed asked for */
	uint64_t span_start, span_ts;
	bool span_cut;
};

static void add_violation(void *ctx, const struct dm_violation *v)
{
	struct rp *r = ctx;
	struct dm_violation *n;

	n = realloc(r->all, (r->nall + 1) * sizeof(*n));
	if (!n) {
		r->nomem = true; /* said at open: never a list cut short */
		return;
	}
	r->all = n;
	r->all[r->nall++] = *v;
}

static void apply(struct rp *r, const struct dm_event *ev)
{
	dm_vrf_feed(r->p.vrf, ev);
	r->ring[r->nring++ % RECENT] = *ev;
	r->crossed = false;
	r->p.st.seq = ev->seq;
	r->p.st.ts = ev->ts;
}

static int deliver(void *ctx, const struct dm_event *ev)
{
	struct rp *r = ctx;

	/* never held back: the source restores the state past a gap as
	 * soon as it has told of it, and a loss fed later would count on
	 * top of the checkpoint's */
	if (ev->kind == DM_EV_LOST && (ev->flags & DM_F_GAP)) {
		apply(r, ev);
		r->crossed = true; /* its position is settle()'s to say */
		return 0;
	}
	if (ev->ts > r->target_ts) {
		r->pending = *ev;
		r->has_pending = true;
		return 1;
	}
	apply(r, ev);
	return 0;
}

/*
 * After a poll that crossed a gap with no event after it applied: the
 * position is where the source restored the state, the last event
 * before the one held back or, with none held, the last it read.
 */
static void settle(struct rp *r)
{
	uint64_t from, to, seq;
	int64_t ts;

	if (!r->crossed)
		return;
	r->crossed = false;
	seq = r->has_pending ? r->pending.seq - 1 :
			       dm_replay_held(r->src, &from, &to);
	ts = dm_replay_ts(r->src, seq);
	r->p.st.seq = r->resumed = seq;
	if (ts >= 0)
		r->p.st.ts = (uint64_t)ts;
}

/* One poll of the source, and the position it leaves. */
static int poll_src(struct rp *r, size_t max)
{
	int n = dm_src_poll(r->src, max, deliver, r);

	settle(r);
	return n;
}

/*
 * Events per second of the recording's time, over the last second played:
 * what the workload did, whatever the speed (live shows the same thing).
 * The recent events are all we keep; when they span less than a second,
 * or begin after a seek, their own span is the measure.
 */
static double rate(const struct rp *r)
{
	size_t n = r->nring < RECENT ? (size_t)r->nring : RECENT, i;
	const struct dm_event *last, *ev = NULL;

	if (!n)
		return 0;
	last = &r->ring[(r->nring - 1) % RECENT];
	for (i = 1; i < n; i++) {
		ev = &r->ring[(r->nring - 1 - i) % RECENT];
		if (last->ts - ev->ts >= 1000000000ull)
			return (double)i;
	}
	if (!ev || last->ts <= ev->ts)
		return 0;
	return (double)(n - 1) * 1e9 / (double)(last->ts - ev->ts);
}

/* Violations up to the current event, events oldest first. */
static void publish(struct rp *r)
{
	size_t n = r->nring < RECENT ? (size_t)r->nring : RECENT, i;
	size_t first = r->nring < RECENT ? 0 : (size_t)(r->nring % RECENT);
	const struct dm_vrf_stats *vs = dm_vrf_stats(r->p.vrf);

	for (i = 0; i < n; i++)
		r->recent[i] = r->ring[(first + i) % RECENT];
	r->p.events = r->recent;
	r->p.nevents = n;
	for (i = 0; i < r->nall && r->all[i].seq <= r->p.st.seq; i++)
		;
	r->p.viol = r->all;
	r->p.nviol = i;
	r->p.st.violations = vs->violations;
	r->p.st.events = r->p.st.seq;
	r->p.st.lost = vs->lost;
	/* of those, the recorder's: what live showed as dropped */
	r->p.st.dropped = 0;
	for (i = 0; i < vs->nlosses; i++)
		if (vs->losses[i].what == DM_LOST_RECORDING)
			r->p.st.dropped = vs->losses[i].n;
	snprintf(r->p.st.mode, sizeof(r->p.st.mode), "%s",
		 r->p.paused ? "PAUSED" : "REPLAY");
	r->p.st.no_rate = r->p.paused;
	r->p.st.events_per_s = r->p.paused ? 0 : rate(r);
}

/* The replay met damage: playing, after the event shown (as --batch
 * says it); else going to a state. */
static int failed(struct rp *r, int err, bool playing)
{
	const char *why = r->src->err[0] ? r->src->err : strerror(-err);

	if (playing)
		snprintf(r->p.err, sizeof(r->p.err),
			 "stopped after event %llu: %s",
			 (unsigned long long)r->p.st.seq, why);
	else
		snprintf(r->p.err, sizeof(r->p.err), "%s", why);
	/* playing on would only meet the same damage again */
	r->p.paused = true;
	/* the header as it stopped: where, and no rate */
	publish(r);
	return err;
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Every event up to time ts, max at most, until the wall clock reads
 * deadline: a tick's work is bounded, so that keys and the screen keep
 * their pace whatever the speed asked. *cut: stopped short of ts. */
static int feed_until(struct rp *r, uint64_t ts, size_t max, uint64_t deadline,
		      bool *cut)
{
	int n, total = 0;

	*cut = false;

	r->target_ts = ts;
	if (r->has_pending) {
		if (r->pending.ts > ts)
			return 0;
		apply(r, &r->pending);
		r->has_pending = false;
		total++;
	}
	while (!r->has_pending) {
		if ((size_t)total >= max || mono_ns() >= deadline) {
			*cut = true;
			break;
		}
		n = poll_src(r, 4096);
		if (n == -ENODATA) {
			r->ended = true;
			r->p.paused = true;
			break;
		}
		if (n < 0)
			return failed(r, n, true);
		if (!n)
			break;
		total += n;
	}
	return total;
}

/*
 * Half a second of playing, or what was played of it when the end came:
 * the speed it reached, where the events came faster than they could
 * be checked (a tick's work left some unread). Shown until playing
 * starts again; at the end, it stays, the speed the last stretch went.
 */
static void keep_up(struct rp *r, bool cut)
{
	struct dm_status *st = &r->p.st;
	uint64_t now = mono_ns();

	r->span_cut |= cut;
	if (now - r->span_start < 500000000ull && !r->ended)
		return;
	if (r->span_cut && st->ts > r->span_ts && now > r->span_start)
		st->reached = (double)(st->ts - r->span_ts) /
			      (double)(now - r->span_start);
	else
		st->reached = 0;
	if (st->reached >= st->speed)
		st->reached = 0;
	r->span_start = now;
	r->span_ts = st->ts;
	r->span_cut = false;
}

static int rp_refresh(struct dm_provider *p, uint64_t now)
{
	struct rp *r = (struct rp *)p;
	uint64_t dt = r->last_tick ? now - r->last_tick : 0;
	uint64_t was = p->st.seq, from, to;
	bool cut;
	int n;

	r->last_tick = now;
	if (p->paused || r->ended) {
		/* the speed reached goes with the playing (but the last
		 * stretch's, at the end): redrawn once */
		n = p->st.reached != 0 && !r->ended;
		r->head_set = false; /* playing resumes where it stands */
		if (!r->ended)
			p->st.reached = 0;
		p->st.behind = false;
		p->paused = true; /* at the end, nothing plays */
		publish(r);
		return n;
	}
	if (!r->head_set) {
		r->head = r->p.st.ts;
		r->head_set = true;
		r->span_start = mono_ns();
		r->span_ts = p->st.ts;
		r->span_cut = false;
	}
	r->head += (uint64_t)((double)dt * p->st.speed);
	n = feed_until(r, r->head, MAX_PER_TICK, mono_ns() + TICK_WORK_NS,
		       &cut);
	if (n < 0)
		return n;
	p->st.behind = cut;
	keep_up(r, cut);
	publish(r);
	dm_replay_held(r->src, &from, &to);
	if (from <= was)
		return 1;
	/* past a gap: the state leapt to the checkpoint after it, and
	 * the play head with it, rather than wait out the lost time */
	if (p->st.ts > r->head)
		r->head = p->st.ts;
	dm_losses_gap(p->note, sizeof(p->note), from, r->resumed, from, to);
	return 2;
}

/* Back to the state shown before a seek that failed halfway: a damaged
 * checkpoint leaves the verifier empty, which is no state the recording
 * ever had. */
static void unseek(struct rp *r, const void *blob, size_t len)
{
	struct dm_vrf *vrf = r->src->vrf;

	dm_vrf_load(vrf, blob, len);
	/* without a verifier, a seek only moves the reader */
	r->src->vrf = NULL;
	r->src->ops->seek(r->src, r->p.st.seq + 1);
	r->src->vrf = vrf;
}

static int rp_seek(struct dm_provider *p, uint64_t seq)
{
	struct rp *r = (struct rp *)p;
	uint64_t held, from, to;
	void *blob;
	size_t len;
	int err;

	p->note[0] = 0;
	p->lacked = false;
	if (!p->st.last_seq) {
		/* a recording without events: nothing to move to */
		r->ended = true;
		publish(r);
		return 0;
	}
	if (seq < p->st.first_seq)
		seq = p->st.first_seq;
	if (seq > p->st.last_seq)
		seq = p->st.last_seq;
	err = dm_vrf_save(p->vrf, &blob, &len);
	if (err) {
		snprintf(p->err, sizeof(p->err),
			 "no memory to keep the state while seeking");
		return err;
	}
	/* the state after seq: restored up to seq, then seq itself */
	err = r->src->ops->seek(r->src, seq);
	if (err) {
		unseek(r, blob, len);
		free(blob);
		return failed(r, err, false);
	}
	free(blob);
	r->nring = 0;
	r->ended = false;
	r->has_pending = r->head_set = false;
	r->target_ts = UINT64_MAX;
	r->crossed = false;
	held = dm_replay_held(r->src, &from, &to);
	if (held >= seq) {
		/* a gap took the seek past seq: the state is the
		 * checkpoint's after it, with no event to read */
		int64_t ts = dm_replay_ts(r->src, held);

		p->st.seq = held;
		if (ts >= 0)
			p->st.ts = (uint64_t)ts;
		err = 0;
	} else {
		p->st.seq = seq - 1;
		err = poll_src(r, 1);
		held = dm_replay_held(r->src, &from, &to);
	}
	if (p->st.seq >= p->st.last_seq)
		r->ended = true;
	if (held > seq && from) {
		/* the recorder lost events before seq: the state resumes
		 * at a checkpoint after them */
		p->lacked = seq >= from && seq <= to;
		dm_losses_gap(p->note, sizeof(p->note), seq, held, from, to);
		p->gap_from = from;
		p->gap_to = to;
	} else if (dm_replay_gap(r->src, seq, &from, &to)) {
		/* lost too, and the recording ends with it: the state is
		 * the end's, known at the last event (the closing
		 * checkpoint) */
		p->lacked = seq != p->st.last_seq;
		dm_losses_gap(p->note, sizeof(p->note), seq, held, from, to);
		p->gap_from = from;
		p->gap_to = to;
	}
	publish(r);
	return err < 0 && err != -ENODATA ? failed(r, err, false) : 0;
}

/*
 * Back n events. Between a gap and the first checkpoint after it the
 * recording has events but no state to show at them: a step back that
 * lands there goes on to the last state before the gap.
 */
static int step_back(struct dm_provider *p, uint64_t n)
{
	uint64_t was = p->st.seq, want = was > n ? was - n : 1, from, to;
	struct rp *r = (struct rp *)p;
	int err = rp_seek(p, want);

	if (err || p->st.seq < was)
		return err;
	dm_replay_held(r->src, &from, &to);
	if (!from || from <= p->st.first_seq) {
		snprintf(p->note, sizeof(p->note),
			 "the recording has no state before #%llu",
			 (unsigned long long)p->st.seq);
		return 0;
	}
	err = rp_seek(p, from - 1);
	if (!err)
		dm_losses_gap(p->note, sizeof(p->note), want, from - 1, from,
			      to);
	return err;
}

static int rp_step(struct dm_provider *p, int64_t n)
{
	struct rp *r = (struct rp *)p;
	uint64_t was = p->st.seq, from, to, held;

	p->paused = true;
	p->note[0] = 0;
	p->lacked = false;
	if (n < 0)
		return step_back(p, (uint64_t)-n);
	r->target_ts = UINT64_MAX;
	r->head_set = false;
	/* the event read ahead while playing is the next one */
	if (r->has_pending && n > 0) {
		apply(r, &r->pending);
		r->has_pending = false;
		n--;
	}
	while (n-- > 0 && !r->ended) {
		int err = poll_src(r, 1);

		if (err == -ENODATA) {
			r->ended = true;
		} else if (err < 0) {
			publish(r);
			return failed(r, err, true);
		}
	}
	held = dm_replay_held(r->src, &from, &to);
	if (from > was)
		dm_losses_gap(p->note, sizeof(p->note), was + 1, held, from,
			      to);
	publish(r);
	return 0;
}

static int rp_seek_time(struct dm_provider *p, uint64_t ts)
{
	struct rp *r = (struct rp *)p;
	char spec[64];
	uint64_t seq;

	uint64_t from, to;
	int err;

	snprintf(spec, sizeof(spec), "%.9f", ts / 1e9);
	if (dm_replay_resolve(r->src, spec, &seq))
		seq = p->st.first_seq;
	err = rp_seek(p, seq);
	/* a time inside a gap: the last state before it */
	if (!err && !p->note[0] &&
	    dm_replay_time_in_gap(r->src, ts, seq, &from, &to))
		dm_losses_gap(p->note, sizeof(p->note), seq + 1, seq, from, to);
	return err;
}

static int rp_violation(struct dm_provider *p, int dir)
{
	struct rp *r = (struct rp *)p;
	size_t i;

	if (dir > 0) {
		for (i = 0; i < r->nall; i++)
			if (r->all[i].seq > p->st.seq)
				return rp_seek(p, r->all[i].seq);
	} else {
		for (i = r->nall; i-- > 0;)
			if (r->all[i].seq < p->st.seq)
				return rp_seek(p, r->all[i].seq);
	}
	return -ENOENT;
}

static const struct dm_event *
rp_history(struct dm_provider *p, uint64_t adapter, uint64_t obj, size_t *n)
{
	struct rp *r = (struct rp *)p;
	int got;

	if (r->hist && r->hist_adapter == adapter && r->hist_obj == obj &&
	    r->hist_seq == p->st.seq) {
		*n = r->nhist;
		return r->hist;
	}
	if (!r->hist)
		r->hist = malloc(HISTORY * sizeof(*r->hist));
	got = r->hist ? dm_replay_history(r->src, adapter, obj, p->st.seq,
					  r->hist, HISTORY) :
			-ENOMEM;
	r->nhist = got > 0 ? (size_t)got : 0;
	r->hist_adapter = adapter;
	r->hist_obj = obj;
	r->hist_seq = p->st.seq;
	*n = r->nhist;
	return r->hist;
}

static void rp_close(struct dm_provider *p)
{
	struct rp *r = (struct rp *)p;

	free(r->hist);
	free(p->gaps);
	dm_src_close(r->src);
	dm_vrf_free(p->vrf);
	free(r->all);
	free(r);
}

static const struct dm_provider_ops replay_ops = {
	.update = rp_refresh,
	.step = rp_step,
	.seek = rp_seek,
	.seek_time = rp_seek_time,
	.violation = rp_violation,
	.history = rp_history,
	.close = rp_close,
};

int dm_provider_replay(struct dm_provider **out, const char *path, char *errbuf,
		       size_t len)
{
	struct rp *r = calloc(1, sizeof(*r));
	uint64_t last;
	int64_t ts;
	int err;

	if (!r)
		return -ENOMEM;
	r->p.ops = &replay_ops;
	err = dm_replay_open(&r->src, path, errbuf, len);
	if (err) {
		free(r);
		return err;
	}
	r->p.vrf = dm_vrf_new(dm_replay_rulesets(r->src), NULL, NULL);
	if (!r->p.vrf) {
		rp_close(&r->p);
		return -ENOMEM;
	}
	r->src->vrf = r->p.vrf;
	r->p.strings = r->src->strings;
	dm_replay_span(r->src, &r->p.st.first_seq, &r->p.st.last_seq);
	err = dm_replay_gaps(r->src, &r->p.gaps, &r->p.ngaps);
	if (!err)
		err = dm_replay_violations(r->src, INT64_MAX, add_violation, r);
	if (err || r->nomem) {
		snprintf(errbuf, len, "%s: %s", path,
			 err ? r->src->err :
			       "no memory for the list of its violations");
		rp_close(&r->p);
		return err ? err : -ENOMEM;
	}
	r->p.st.speed = 1;
	dm_text_escape(r->p.st.source, sizeof(r->p.st.source),
		       r->src->ops->describe(r->src));
	last = r->p.st.last_seq;
	if (!dm_replay_resolve(r->src, "end", &last))
		r->p.st.last_seq = last;
	ts = dm_replay_ts(r->src, r->p.st.last_seq);
	r->p.st.last_ts = ts > 0 ? (uint64_t)ts : 0;
	r->p.st.seq = 0;
	publish(r);
	*out = &r->p;
	return 0;
}
