/*
 * replay.c - see replay.h.
 *
 * At open the small tables (strings, adapters, MDLs) are read into
 * memory and checked (gaps are asked of the file as they are met):
 * strings must be dense from id 0, adapter and MDL ids must exist.
 * Events are then read with one prepared statement that walks the
 * rowid (seq) in order; a seek rebinds it. Nothing in the file
 * is trusted to be well-formed: a bad id stops the replay with a message
 * naming the event, rather than feeding the verifier nonsense.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "replay.h"
#include "schema.h"
#include "verifier.h"

struct mdl {
	uint64_t handle, va, count;
};

struct replay {
	struct dm_src src;
	sqlite3 *db;
	sqlite3_stmt *ev, *cp_before, *cp_after, *at_seq, *gap_of;
	bool ev_active, ended;
	bool sim; /* recorded from the simulated HAL: no losses of its own */
	unsigned rulesets;    /* DM_RULES_*: what its events answer to */
	bool rules_named;     /* ... as the recording names them */
	uint64_t next;	      /* the seq the next row should have */
	uint64_t prev_ts;     /* the time of the row before, read in order */
	uint64_t first, last; /* span of the recording */
	uint64_t last_row;    /* the last event with a row */
	uint64_t counted;     /* events the session counts, if it closed */
	int64_t end_ts; /* the time of its end: of the last event, or of the
			 * closing checkpoint past the events lost last */
	uint64_t *ad;	/* adapter id - 1 -> handle */
	uint32_t nad;
	struct mdl *mdl;
	uint32_t nmdl;
	uint64_t lost;
	uint64_t crossed[2]; /* the last gap delivered: first, last seq */
	char desc[300];
};

#define R(src) ((struct replay *)(src))

__attribute__((format(printf, 2, 3))) static int damaged(struct replay *rp,
							 const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(rp->src.err, sizeof(rp->src.err), "damaged recording: %s",
		 what);
	return -EIO;
}

static int db_error(struct replay *rp, const char *what)
{
	char msg[200];

	snprintf(rp->src.err, sizeof(rp->src.err), "%s: %s", what,
		 dm_db_errmsg(rp->db, msg, sizeof(msg)));
	return -EIO;
}

/* ---- loading the small tables ---- */

static int load_strings(struct replay *rp)
{
	sqlite3_stmt *st;
	uint32_t want = 0, id;
	int rc, err = 0;

	if (sqlite3_prepare_v2(rp->db,
			       "SELECT id, text FROM string ORDER BY "
			       "id",
			       -1, &st, NULL))
		return db_error(rp, "reading strings");
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 1);
		sqlite3_int64 sid = sqlite3_column_int64(st, 0);

		if (text && strlen(text) > DM_STRTAB_MAXLEN)
			err = damaged(rp,
				      "string %llu is %zu bytes long, longer "
				      "than any name dmatop records (%d)",
				      (unsigned long long)sid, strlen(text),
				      DM_STRTAB_MAXLEN);
		else if (sid != (sqlite3_int64)want || !text ||
			 dm_strtab_intern(rp->src.strings, text, &id) ||
			 id != want)
			err = damaged(rp,
				      "string %llu is out of order, "
				      "repeated or not text",
				      (unsigned long long)sid);
		want++;
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(rp, "reading strings");
	sqlite3_finalize(st);
	return err;
}

static int load_adapters(struct replay *rp)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(rp->db,
			       "SELECT id, handle FROM adapter ORDER "
			       "BY id",
			       -1, &st, NULL))
		return db_error(rp, "reading adapters");
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		uint64_t *p;

		if (id != (sqlite3_int64)rp->nad + 1) {
			err = damaged(rp, "adapter id %llu out of order",
				      (unsigned long long)id);
			break;
		}
		p = realloc(rp->ad, (rp->nad + 1) * sizeof(*p));
		if (!p) {
			err = -ENOMEM;
			break;
		}
		rp->ad = p;
		rp->ad[rp->nad++] = (uint64_t)sqlite3_column_int64(st, 1);
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(rp, "reading adapters");
	sqlite3_finalize(st);
	return err;
}

static int load_mdls(struct replay *rp)
{
	sqlite3_stmt *st;
	int rc, err = 0;

	if (sqlite3_prepare_v2(rp->db,
			       "SELECT id, handle, va, byte_count "
			       "FROM mdl ORDER BY id",
			       -1, &st, NULL))
		return db_error(rp, "reading MDLs");
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		struct mdl *p;

		if (id != (sqlite3_int64)rp->nmdl + 1) {
			err = damaged(rp, "MDL id %llu out of order",
				      (unsigned long long)id);
			break;
		}
		p = realloc(rp->mdl, (rp->nmdl + 1) * sizeof(*p));
		if (!p) {
			err = -ENOMEM;
			break;
		}
		rp->mdl = p;
		rp->mdl[rp->nmdl++] = (struct mdl){
			(uint64_t)sqlite3_column_int64(st, 1),
			(uint64_t)sqlite3_column_int64(st, 2),
			(uint64_t)sqlite3_column_int64(st, 3),
		};
	}
	if (!err && rc != SQLITE_DONE)
		err = db_error(rp, "reading MDLs");
	sqlite3_finalize(st);
	return err;
}

static bool gap_recorded(struct replay *rp, uint64_t first, uint64_t last)
{
	bool found;

	sqlite3_reset(rp->gap_of);
	sqlite3_bind_int64(rp->gap_of, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(rp->gap_of, 2, (sqlite3_int64)last);
	found = sqlite3_step(rp->gap_of) == SQLITE_ROW;
	sqlite3_reset(rp->gap_of);
	return found;
}

/* A statement over what the replay holds: ?2 is the last event it
 * opened with, bound once (a reset keeps bindings). */
static int prepare_upto(struct replay *rp, sqlite3_stmt **st, const char *sql)
{
	int rc = sqlite3_prepare_v2(rp->db, sql, -1, st, NULL);

	if (!rc)
		rc = sqlite3_bind_int64(*st, 2, (sqlite3_int64)rp->last);
	return rc;
}

/* The rules a recording's events answer to, as it names them; one from
 * before it named them: a simulation's the HAL's, the kernel's Linux's. */
static unsigned rules_of(sqlite3_stmt *st, int col, bool sim)
{
	const char *v = sqlite3_column_type(st, col) == SQLITE_TEXT ?
				(const char *)sqlite3_column_text(st, col) :
				"";
	unsigned r = (strstr(v, "hal") ? DM_RULES_HAL : 0) |
		     (strstr(v, "linux") ? DM_RULES_LINUX : 0);

	return r ? r : sim ? DM_RULES_HAL : DM_RULES_LINUX;
}

static int load_span(struct replay *rp)
{
	sqlite3_stmt *st;
	int err = 0;

	/* two subqueries: min() and max() together would scan the table */
	if (sqlite3_prepare_v2(
		    rp->db,
		    "SELECT (SELECT min(seq) FROM event), "
		    "(SELECT max(seq) FROM event), "
		    "(SELECT max(seq) FROM checkpoint), "
		    "(SELECT value FROM session WHERE key = "
		    "'source'), "
		    "(SELECT value FROM session WHERE key = "
		    "'rules'), "
		    "(SELECT ts FROM event ORDER BY seq DESC LIMIT 1), "
		    "(SELECT ts FROM checkpoint ORDER BY seq DESC "
		    "LIMIT 1), "
		    "(SELECT value FROM session WHERE key = 'events' AND "
		    "EXISTS (SELECT 1 FROM session WHERE key = 'ended'))",
		    -1, &st, NULL))
		return db_error(rp, "reading events");
	if (sqlite3_step(st) == SQLITE_ROW) {
		rp->sim = sqlite3_column_type(st, 3) == SQLITE_TEXT &&
			  !strcmp((const char *)sqlite3_column_text(st, 3),
				  "sim");
		rp->rulesets = rules_of(st, 4, rp->sim);
		rp->rules_named = sqlite3_column_type(st, 4) == SQLITE_TEXT;
		rp->first = (uint64_t)sqlite3_column_int64(st, 0);
		rp->last = (uint64_t)sqlite3_column_int64(st, 1);
		rp->last_row = rp->last;
		rp->counted = (uint64_t)sqlite3_column_int64(st, 7);
		rp->end_ts = rp->last ? sqlite3_column_int64(st, 5) : -1;
		/* events lost at the very end live on in the last
		 * checkpoint, and their time with it (never before the
		 * last event's, whatever a damaged file says) */
		if ((uint64_t)sqlite3_column_int64(st, 2) > rp->last) {
			rp->last = (uint64_t)sqlite3_column_int64(st, 2);
			if (rp->end_ts >= 0 &&
			    sqlite3_column_int64(st, 6) > rp->end_ts)
				rp->end_ts = sqlite3_column_int64(st, 6);
		}
	} else {
		err = db_error(rp, "reading events");
	}
	sqlite3_finalize(st);
	if (!err && rp->first > rp->last)
		err = damaged(rp, "event sequence numbers run backwards");
	return err;
}

/*
 * The recorder writes each gap before the events after it, from the
 * first on, and closing, the gap of the events it lost last: a hole at
 * either end that no gap accounts for is rows gone from the file, not
 * events the recorder lost. (A recording that did not close, its
 * recorder killed or its disk full, ends where its writer stopped.)
 */
static int check_ends(struct replay *rp)
{
	uint64_t end = rp->counted > rp->last ? rp->counted : rp->last;

	if (rp->first > 1 && !gap_recorded(rp, 1, rp->first - 1))
		return rp->first == 2 ?
			       damaged(rp, "event 1 is missing, and no gap "
					   "records its loss") :
			       damaged(rp,
				       "events 1 to %llu are missing, and no "
				       "gap records their loss",
				       (unsigned long long)rp->first - 1);
	if (!rp->counted || end <= rp->last_row ||
	    gap_recorded(rp, rp->last_row + 1, end))
		return 0;
	return end > rp->counted ?
		       damaged(rp,
			       "a checkpoint is of event %llu, past the last "
			       "one recorded (%llu) and the %llu the session "
			       "counts",
			       (unsigned long long)end,
			       (unsigned long long)rp->last_row,
			       (unsigned long long)rp->counted) :
		       damaged(rp,
			       "the session counts %llu events, the last one "
			       "recorded is %llu, and no gap records the loss "
			       "of the rest",
			       (unsigned long long)end,
			       (unsigned long long)rp->last_row);
}

/* ---- events ---- */

static int row_event(struct replay *rp, sqlite3_stmt *st, struct dm_event *e)
{
	/* as the statement selects them */
	static const char *const column[] = {
		"seq",	  "ts",	 "kind", "adapter", "obj",  "va",
		"dma",	  "len", "mdl",	 "arg0",    "arg1", "arg2",
		"caller", "dir", "irql", "flags",   "tid",
	};
	sqlite3_int64 ad = sqlite3_column_int64(st, 3);
	sqlite3_int64 kind = sqlite3_column_int64(st, 2);
	int i, type;

	memset(e, 0, sizeof(*e));
	/* SQLite reads text or a real as a number without a word: 'abc'
	 * would pass for a length of 0 */
	for (i = 0; i < (int)(sizeof(column) / sizeof(column[0])); i++) {
		type = sqlite3_column_type(st, i);
		if (type != SQLITE_INTEGER && type != SQLITE_NULL)
			return damaged(rp,
				       "event %lld holds %s in its %s column, "
				       "where an integer belongs",
				       (long long)sqlite3_column_int64(st, 0),
				       type == SQLITE_TEXT  ? "text" :
				       type == SQLITE_FLOAT ? "a real number" :
							      "a blob",
				       column[i]);
	}
	e->seq = (uint64_t)sqlite3_column_int64(st, 0);
	e->ts = (uint64_t)sqlite3_column_int64(st, 1);
	/* no event is numbered 0: a row read from a page of zeros */
	if (!e->seq)
		return damaged(rp, "an event row reads as zeros (the file is "
				   "cut short or overwritten)");
	if (sqlite3_column_int64(st, 1) < 0)
		return damaged(rp, "event %llu has a negative time (%lld ns)",
			       (unsigned long long)e->seq,
			       (long long)sqlite3_column_int64(st, 1));
	/* cut to 16 bits, a kind out of range could pass for a known one */
	if (kind <= DM_EV_NONE || kind >= DM_EV_KIND_MAX)
		return damaged(rp, "event %llu has an unknown kind %lld",
			       (unsigned long long)e->seq, (long long)kind);
	e->kind = (uint16_t)kind;
	if (ad < 0 || ad > (sqlite3_int64)rp->nad)
		return damaged(rp,
			       "event %llu names an adapter the recording "
			       "does not have",
			       (unsigned long long)e->seq);
	e->adapter = ad ? rp->ad[ad - 1] : 0;
	e->obj = (uint64_t)sqlite3_column_int64(st, 4);
	e->va = (uint64_t)sqlite3_column_int64(st, 5);
	e->dma = (uint64_t)sqlite3_column_int64(st, 6);
	e->len = (uint64_t)sqlite3_column_int64(st, 7);
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		sqlite3_int64 m = sqlite3_column_int64(st, 8);

		if (m < 1 || m > (sqlite3_int64)rp->nmdl)
			return damaged(rp,
				       "event %llu names an MDL the "
				       "recording does not have",
				       (unsigned long long)e->seq);
		e->arg[0] = rp->mdl[m - 1].handle;
		e->arg[1] = rp->mdl[m - 1].va;
		e->arg[2] = rp->mdl[m - 1].count;
	} else {
		for (i = 0; i < 3; i++)
			e->arg[i] = (uint64_t)sqlite3_column_int64(st, 9 + i);
	}
	e->caller = (uint32_t)sqlite3_column_int64(st, 12);
	if (e->caller >= dm_strtab_count(rp->src.strings))
		return damaged(rp,
			       "event %llu names a string the recording "
			       "does not have",
			       (unsigned long long)e->seq);
	e->dir = (uint8_t)sqlite3_column_int(st, 13);
	e->irql = (uint8_t)sqlite3_column_int(st, 14);
	e->flags = (uint32_t)sqlite3_column_int64(st, 15);
	e->tid = (uint32_t)sqlite3_column_int64(st, 16);
	/* a row of a loss is the kernel source's (the recorder's own are
	 * the gap table), and counts something it counts */
	if (e->kind == DM_EV_LOST && (rp->sim || (e->flags & DM_F_GAP) ||
				      !e->arg[0] || e->arg[1] > DM_LOST_FAULTS))
		return damaged(rp,
			       "event %llu is a loss of a kind %s never "
			       "records",
			       (unsigned long long)e->seq,
			       rp->sim ? "a simulation" : "dmatop");
	return 0;
}

static int position(struct replay *rp, uint64_t seq)
{
	sqlite3_reset(rp->ev);
	sqlite3_bind_int64(rp->ev, 1, (sqlite3_int64)seq);
	rp->next = seq;
	rp->prev_ts = 0;
	rp->ended = false;
	return 0;
}

static int load_checkpoint(struct replay *rp, sqlite3_stmt *st, uint64_t seq,
			   uint64_t *at)
{
	int rc;

	*at = 0;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 1);
		int len = sqlite3_column_bytes(st, 1);

		*at = (uint64_t)sqlite3_column_int64(st, 0);
		rc = dm_vrf_load(rp->src.vrf, blob, (size_t)len);
		sqlite3_reset(st);
		if (rc)
			return damaged(rp,
				       "the checkpoint at event %llu does "
				       "not load",
				       (unsigned long long)*at);
		/* a blob that loads may still be another's, or bent: the
		 * state after event N has seen N events */
		if (dm_vrf_stats(rp->src.vrf)->events != *at)
			return damaged(
				rp,
				"the checkpoint at event %llu holds "
				"the state after %llu events",
				(unsigned long long)*at,
				(unsigned long long)dm_vrf_stats(rp->src.vrf)
					->events);
		return 1;
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : db_error(rp, "reading checkpoints");
}

/* The violations recorded at events from..upto, in order. */
static int violations(struct replay *rp, uint64_t from, uint64_t upto,
		      dm_vrf_report_fn fn, void *ctx)
{
	struct dm_src *src = &rp->src;
	sqlite3_stmt *st;
	int rc, i, r;

	if (sqlite3_prepare_v2(rp->db,
			       "SELECT seq, ts, code, sub, p2, p3, "
			       "p4, rule, adapter, object, caller "
			       "FROM violation WHERE seq BETWEEN ? AND ? "
			       "ORDER BY id",
			       -1, &st, NULL))
		return db_error(rp, "reading violations");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)upto);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 7);
		struct dm_violation v = {
			.seq = (uint64_t)sqlite3_column_int64(st, 0),
			.ts = (uint64_t)sqlite3_column_int64(st, 1),
			.adapter = (uint64_t)sqlite3_column_int64(st, 8),
			.obj = (uint64_t)sqlite3_column_int64(st, 9),
			.caller = (uint32_t)sqlite3_column_int64(st, 10),
		};

		/* the stable name decides; code and sub must agree */
		for (r = 0; r < DM_R_COUNT; r++)
			if (name && !strcmp(dm_rules[r].name, name))
				break;
		if (r == DM_R_COUNT ||
		    dm_rules[r].code != sqlite3_column_int(st, 2) ||
		    dm_rules[r].sub != sqlite3_column_int(st, 3)) {
			sqlite3_finalize(st);
			return damaged(rp,
				       "violation at event %llu has an "
				       "unknown rule",
				       (unsigned long long)v.seq);
		}
		v.rule = (uint32_t)r;
		for (i = 0; i < 3; i++)
			v.p[i] = (uint64_t)sqlite3_column_int64(st, 4 + i);
		if (v.caller >= dm_strtab_count(src->strings))
			v.caller = 0;
		fn(ctx, &v);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_error(rp, "reading violations");
}

/* Events lost, as the recording's own figure for them; see
 * after_gap(). */
static uint64_t recording_lost(const struct dm_vrf *vrf)
{
	const struct dm_vrf_stats *st = dm_vrf_stats(vrf);
	uint32_t i;

	for (i = 0; i < st->nlosses; i++)
		if (st->losses[i].what == DM_LOST_RECORDING)
			return st->losses[i].n;
	return 0;
}

/*
 * Events from..seq are lost: the state resumes from the first checkpoint
 * at or after seq. The violations found at the lost events, and at those
 * the checkpoint leaps over, are not found again: they are told as the
 * recording has them. A recording's checkpoints count the events the
 * recorder dropped before them, but those of a recording made before
 * dmatop counted them do not: the gaps the replay came through stay
 * counted.
 */
static int after_gap(struct replay *rp, uint64_t from, uint64_t seq,
		     uint64_t *at)
{
	uint64_t had = recording_lost(rp->src.vrf), has;
	dm_vrf_report_fn tell;
	void *ctx;
	int err, rc;

	err = load_checkpoint(rp, rp->cp_after, seq, at);
	if (err < 0)
		return err;
	dm_vrf_get_report(rp->src.vrf, &tell, &ctx);
	if (tell) {
		rc = violations(rp, from, err ? *at : seq, tell, ctx);
		if (rc)
			return rc;
	}
	if (!err)
		return 0;
	has = recording_lost(rp->src.vrf);
	if (has < had) {
		struct dm_event lost = {
			.kind = DM_EV_LOST,
			.flags = DM_F_GAP,
			.arg = { had - has },
		};

		dm_vrf_count_lost(rp->src.vrf, &lost);
	}
	return err;
}

/*
 * Deliver events up to `stop` (exclusive) or `max` of them, until fn asks
 * to stop. A gap becomes one DM_EV_LOST event; with a verifier attached,
 * the state resumes from the first checkpoint past the gap.
 */
static int deliver(struct replay *rp, size_t max, uint64_t stop,
		   dm_src_event_fn fn, void *ctx)
{
	struct dm_event e;
	size_t n = 0;
	bool enough;
	int rc, err;

	while (n < max && rp->next < stop) {
		rc = sqlite3_step(rp->ev);
		if (rc == SQLITE_DONE && rp->next <= rp->last &&
		    rp->next < stop) {
			/* the recorder lost the last events; the state they
			 * made is in the final checkpoint */
			struct dm_event lost = {
				.seq = rp->next,
				.kind = DM_EV_LOST,
				.flags = DM_F_GAP,
				.arg = { rp->last - rp->next + 1, rp->next,
					 rp->last },
			};
			uint64_t at;

			/* past stop too: the state in a gap is the state
			 * after it */
			rp->lost += rp->last - rp->next + 1;
			rp->crossed[0] = rp->next;
			rp->crossed[1] = rp->last;
			rp->next = rp->last + 1;
			/* the statement is done: stepping it again would
			 * start it over from the first event */
			rp->ended = true;
			n++;
			fn(ctx, &lost);
			if (rp->src.vrf) {
				err = after_gap(rp, lost.arg[1], lost.arg[2],
						&at);
				if (err < 0)
					return err;
			}
			break;
		}
		if (rc == SQLITE_DONE) {
			rp->ended = true;
			break;
		}
		if (rc != SQLITE_ROW)
			return db_error(rp, "reading events");
		err = row_event(rp, rp->ev, &e);
		if (err)
			return err;
		if (e.seq < rp->next)
			return damaged(rp, "event %llu is out of order",
				       (unsigned long long)e.seq);
		if (e.ts < rp->prev_ts)
			return damaged(rp,
				       "event %llu is earlier than the one "
				       "before it (%.9f s, then %.9f s)",
				       (unsigned long long)e.seq,
				       (double)rp->prev_ts / 1e9,
				       (double)e.ts / 1e9);
		rp->prev_ts = e.ts;
		/* the recorder writes each gap before the events after it:
		 * a hole no gap accounts for is rows gone from the file */
		if (e.seq > rp->next && !gap_recorded(rp, rp->next, e.seq - 1))
			return e.seq - 1 == rp->next ?
				       damaged(rp,
					       "event %llu is missing, and no "
					       "gap records its loss",
					       (unsigned long long)rp->next) :
				       damaged(rp,
					       "events %llu to %llu are "
					       "missing, and no gap records "
					       "their loss",
					       (unsigned long long)rp->next,
					       (unsigned long long)e.seq - 1);
		if (e.seq > rp->next) {
			struct dm_event lost = {
				.seq = rp->next,
				.ts = e.ts,
				.kind = DM_EV_LOST,
				.flags = DM_F_GAP,
				.arg = { e.seq - rp->next, rp->next,
					 e.seq - 1 },
			};
			uint64_t at;

			rp->lost += e.seq - rp->next;
			rp->crossed[0] = rp->next;
			rp->crossed[1] = e.seq - 1;
			n++;
			enough = fn(ctx, &lost);
			if (rp->src.vrf) {
				err = after_gap(rp, lost.arg[1], e.seq - 1,
						&at);
				if (err < 0)
					return err;
				if (err && at >= e.seq) {
					/* the state already holds up to at */
					position(rp, at + 1);
					if (enough)
						break;
					continue;
				}
			}
			if (enough) {
				/* e is read but not delivered: next time */
				position(rp, e.seq);
				break;
			}
			rp->next = e.seq;
			if (e.seq >= stop) {
				position(rp, e.seq);
				break;
			}
		}
		rp->next = e.seq + 1;
		n++;
		if (fn(ctx, &e))
			break;
	}
	return (int)n;
}

static int replay_poll(struct dm_src *src, size_t max, dm_src_event_fn fn,
		       void *ctx)
{
	struct replay *rp = R(src);
	int n;

	if (rp->ended)
		return -ENODATA;
	n = deliver(rp, max, UINT64_MAX, fn, ctx);
	if (n == 0 && rp->ended)
		return -ENODATA;
	return n;
}

static int feed(void *ctx, const struct dm_event *ev)
{
	dm_vrf_feed(ctx, ev);
	return 0;
}

static int replay_seek(struct dm_src *src, uint64_t seq)
{
	struct replay *rp = R(src);
	dm_vrf_report_fn report;
	uint64_t at = 0;
	void *rctx;
	int err;

	rp->crossed[0] = rp->crossed[1] = 0;
	if (!src->vrf)
		return position(rp, seq);
	err = load_checkpoint(rp, rp->cp_before, seq, &at);
	if (err < 0)
		return err;
	if (!err)
		dm_vrf_reset(src->vrf);
	position(rp, at + 1);
	/* fast-forward to seq; what the verifier finds on the way was
	 * reported when it happened */
	dm_vrf_get_report(src->vrf, &report, &rctx);
	dm_vrf_set_report(src->vrf, NULL, NULL);
	do
		err = deliver(rp, 65536, seq, feed, src->vrf);
	while (err > 0 && rp->next < seq);
	dm_vrf_set_report(src->vrf, report, rctx);
	if (err < 0)
		return err;
	/* a gap took it past seq: go on from where the state is */
	return rp->next > seq ? 0 : position(rp, seq);
}

static int replay_fd(struct dm_src *src)
{
	return -1;
}

static uint64_t replay_lost(struct dm_src *src)
{
	return R(src)->lost;
}

static const char *replay_describe(struct dm_src *src)
{
	return R(src)->desc;
}

static void replay_close(struct dm_src *src)
{
	struct replay *rp = R(src);

	sqlite3_finalize(rp->ev);
	sqlite3_finalize(rp->cp_before);
	sqlite3_finalize(rp->cp_after);
	sqlite3_finalize(rp->at_seq);
	sqlite3_finalize(rp->gap_of);
	sqlite3_close(rp->db);
	dm_strtab_free(src->strings);
	free(rp->ad);
	free(rp->mdl);
	free(rp);
}

static const struct dm_src_ops replay_ops = {
	.name = "replay",
	.fd = replay_fd,
	.poll = replay_poll,
	.seek = replay_seek,
	.lost = replay_lost,
	.describe = replay_describe,
	.close = replay_close,
};

bool dm_src_is_replay(const struct dm_src *src)
{
	return src->ops == &replay_ops;
}

bool dm_replay_closed(struct dm_src *src)
{
	sqlite3_stmt *st;
	bool closed = false;

	if (!sqlite3_prepare_v2(R(src)->db,
				"SELECT 1 FROM session WHERE key = 'ended'", -1,
				&st, NULL)) {
		closed = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return closed;
}

/* Does the recording hold an event of one of these n kinds? */
static bool has_kind(struct replay *rp, const int *kinds, int n)
{
	char sql[160];
	sqlite3_stmt *st;
	bool found = false;
	int i, len;

	len = snprintf(sql, sizeof(sql),
		       "SELECT 1 FROM event WHERE kind IN (%d", kinds[0]);
	for (i = 1; i < n; i++)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, ", %d",
				kinds[i]);
	snprintf(sql + len, sizeof(sql) - (size_t)len, ") LIMIT 1");
	if (!sqlite3_prepare_v2(rp->db, sql, -1, &st, NULL)) {
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return found;
}

unsigned dm_replay_rulesets(struct dm_src *src)
{
	/* the kinds only one API has */
	static const int hal_kinds[] = {
		DM_EV_CHANNEL_ALLOC, DM_EV_CHANNEL_GRANT, DM_EV_CHANNEL_FREE,
		DM_EV_MAPREG_FREE,   DM_EV_GUARD,	  DM_EV_MAPREG_GUARD,
		DM_EV_PERF_COUNTER,  DM_EV_SYSDMA_START,
	};
	static const int linux_kinds[] = { DM_EV_SYNC_CPU, DM_EV_SYNC_DEVICE,
					   DM_EV_DRIVER_BIND,
					   DM_EV_DRIVER_UNBIND };
	struct replay *rp = R(src);
	bool hal, lx;

	if (rp->rules_named)
		return rp->rulesets;
	/* unnamed (the session table lost its row): as its events look;
	 * both or neither, its source's */
	hal = has_kind(rp, hal_kinds, sizeof(hal_kinds) / sizeof(*hal_kinds));
	lx = has_kind(rp, linux_kinds,
		      sizeof(linux_kinds) / sizeof(*linux_kinds));
	if (hal != lx)
		rp->rulesets = hal ? DM_RULES_HAL : DM_RULES_LINUX;
	return rp->rulesets;
}

bool dm_replay_rules_named(struct dm_src *src)
{
	return R(src)->rules_named;
}

void dm_replay_span(struct dm_src *src, uint64_t *first, uint64_t *last)
{
	*first = R(src)->first;
	*last = R(src)->last;
}

int dm_replay_open(struct dm_src **out, const char *path, char *errbuf,
		   size_t len)
{
	struct replay *rp;
	int err;

	*out = NULL;
	rp = calloc(1, sizeof(*rp));
	if (!rp)
		return -ENOMEM;
	rp->src.ops = &replay_ops;
	rp->src.strings = dm_strtab_new();
	if (!rp->src.strings) {
		free(rp);
		return -ENOMEM;
	}
	/* the description is the path as given; views escape it */
	snprintf(rp->desc, sizeof(rp->desc), "replay:%s", path);
	err = dm_db_open_ro(&rp->db, path, errbuf, len);
	if (err) {
		replay_close(&rp->src);
		return err;
	}
	/*
	 * One snapshot: a recording still being made goes on growing, and
	 * events committed after its strings and adapters were read would
	 * name ones this replay does not have. What it reads is what was
	 * there when it opened, up to event `last`.
	 */
	sqlite3_exec(rp->db, "BEGIN", NULL, NULL, NULL);
	err = load_strings(rp);
	if (!err)
		err = load_adapters(rp);
	if (!err)
		err = load_mdls(rp);
	if (!err)
		err = load_span(rp);
	sqlite3_exec(rp->db, "COMMIT", NULL, NULL, NULL);
	if (!err &&
	    (prepare_upto(rp, &rp->ev,
			  "SELECT seq, ts, kind, adapter, obj, va, dma, len, "
			  "mdl, arg0, arg1, arg2, caller, dir, irql, flags, "
			  "tid FROM event WHERE seq >= ?1 AND seq <= ?2 "
			  "ORDER BY seq") ||
	     prepare_upto(rp, &rp->cp_before,
			  "SELECT seq, state FROM checkpoint WHERE seq < ?1 "
			  "AND seq <= ?2 ORDER BY seq DESC LIMIT 1") ||
	     prepare_upto(rp, &rp->cp_after,
			  "SELECT seq, state FROM checkpoint WHERE seq >= ?1 "
			  "AND seq <= ?2 ORDER BY seq LIMIT 1") ||
	     prepare_upto(rp, &rp->at_seq,
			  "SELECT seq, ts FROM event WHERE seq >= ?1 AND seq "
			  "<= ?2 ORDER BY seq LIMIT 1") ||
	     sqlite3_prepare_v2(rp->db,
				"SELECT 1 FROM gap WHERE first_seq <= ?1 AND "
				"last_seq >= ?2",
				-1, &rp->gap_of, NULL)))
		err = db_error(rp, "reading the schema");
	if (!err && rp->last)
		err = check_ends(rp);
	if (err) {
		if (!*errbuf || err != -ENOMEM)
			snprintf(errbuf, len, "%s: %s", path,
				 err == -ENOMEM ? strerror(ENOMEM) :
						  rp->src.err);
		replay_close(&rp->src);
		return err;
	}
	position(rp, rp->first ? rp->first : 1);
	*out = &rp->src;
	return 0;
}

/* ts of the first event at or after seq; -1 past the end */
/* The first recorded event at or after seq: its time, and in *at its
 * number; -1 when there is none. */
static int64_t first_from(struct replay *rp, uint64_t seq, uint64_t *at)
{
	int64_t ts = -1;

	sqlite3_reset(rp->at_seq);
	sqlite3_bind_int64(rp->at_seq, 1, (sqlite3_int64)seq);
	if (sqlite3_step(rp->at_seq) == SQLITE_ROW) {
		*at = (uint64_t)sqlite3_column_int64(rp->at_seq, 0);
		ts = sqlite3_column_int64(rp->at_seq, 1);
	}
	sqlite3_reset(rp->at_seq);
	return ts;
}

/* The time of seq: its own, or the first recorded event's after it, or
 * for the events lost at the end, the end's. */
static int64_t ts_at(struct replay *rp, uint64_t seq)
{
	uint64_t at;
	int64_t ts = first_from(rp, seq, &at);

	return ts < 0 ? rp->end_ts : ts;
}

int64_t dm_replay_ts(struct dm_src *src, uint64_t seq)
{
	return ts_at(R(src), seq);
}

int dm_replay_parse_at(const char *spec, struct dm_at *at)
{
	const char *digits = spec[0] == '#' ? spec + 1 : spec;
	char *end;

	if (!strcmp(spec, "end")) {
		*at = (struct dm_at){ DM_AT_END, 0 };
		return 0;
	}
	/* digits (and for a time, a point): strto*() alone take signs,
	 * spaces, 0x10, 1e0 and inf */
	if (!*digits ||
	    strspn(digits, spec[0] == '#' ? "0123456789" : "0123456789.") !=
		    strlen(digits))
		return -EINVAL;
	errno = 0;
	if (spec[0] == '#') {
		at->kind = DM_AT_SEQ;
		at->v = strtoull(digits, &end, 10);
	} else {
		double secs = strtod(spec, &end);

		if (secs > 1e10)
			return -EINVAL;
		at->kind = DM_AT_TIME;
		at->v = (uint64_t)(secs * 1e9);
	}
	return errno || *end ? -EINVAL : 0;
}

int dm_replay_resolve(struct dm_src *src, const char *spec, uint64_t *seq)
{
	struct replay *rp = R(src);
	uint64_t lo, hi, mid;
	struct dm_at at;

	if (dm_replay_parse_at(spec, &at))
		return -EINVAL;
	if (at.kind == DM_AT_END) {
		*seq = rp->last;
		return 0;
	}
	if (at.kind == DM_AT_SEQ) {
		if (at.v < rp->first || at.v > rp->last)
			return -ERANGE;
		*seq = at.v;
		return 0;
	}
	if (!rp->last || ts_at(rp, rp->first) > (int64_t)at.v) {
		*seq = rp->first ? rp->first - 1 : 0; /* before it all */
		return 0;
	}
	/* ts grows with seq: the last event at or before the time */
	lo = rp->first;
	hi = rp->last;
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (ts_at(rp, mid) <= (int64_t)at.v)
			lo = mid;
		else
			hi = mid - 1;
	}
	*seq = lo;
	return 0;
}

/* The recorded event nearest seq on one side: the last before it, or
 * the first after it (the recording's last when there is none). */
static uint64_t recorded_near(struct replay *rp, uint64_t seq, bool after)
{
	sqlite3_stmt *st;
	uint64_t v = after ? rp->last : rp->first - 1;

	if (prepare_upto(rp, &st,
			 after ? "SELECT min(seq) FROM event WHERE seq > ?1 "
				 "AND seq <= ?2" :
				 "SELECT max(seq) FROM event WHERE seq < ?1 "
				 "AND seq <= ?2"))
		return v;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	if (sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = (uint64_t)sqlite3_column_int64(st, 0) + (after ? -1 : 1);
	sqlite3_finalize(st);
	return v;
}

bool dm_replay_gap(struct dm_src *src, uint64_t seq, uint64_t *from,
		   uint64_t *to)
{
	struct replay *rp = R(src);
	uint64_t at = 0;

	if (!seq || seq < rp->first || seq > rp->last ||
	    (first_from(rp, seq, &at) >= 0 && at == seq))
		return false;
	*from = recorded_near(rp, seq, false);
	*to = recorded_near(rp, seq, true);
	return true;
}

bool dm_replay_time_in_gap(struct dm_src *src, uint64_t ts, uint64_t seq,
			   uint64_t *from, uint64_t *to)
{
	struct replay *rp = R(src);

	return seq < rp->last && ts_at(rp, seq) < (int64_t)ts &&
	       dm_replay_gap(src, seq + 1, from, to);
}

int dm_replay_gaps(struct dm_src *src, uint64_t (**out)[2], size_t *n)
{
	struct replay *rp = R(src);
	uint64_t(*g)[2] = NULL, (*more)[2];
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(rp->db,
			       "SELECT first_seq, last_seq FROM gap "
			       "ORDER BY first_seq",
			       -1, &st, NULL))
		return db_error(rp, "reading the gaps");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			more = realloc(g, cap * sizeof(*g));
			if (!more) {
				rc = SQLITE_NOMEM;
				break;
			}
			g = more;
		}
		g[*n][0] = (uint64_t)sqlite3_column_int64(st, 0);
		g[(*n)++][1] = (uint64_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(g);
		*n = 0;
		return rc == SQLITE_NOMEM ? -ENOMEM :
					    db_error(rp, "reading the gaps");
	}
	*out = g;
	return 0;
}

uint64_t dm_replay_held(struct dm_src *src, uint64_t *gap_from,
			uint64_t *gap_to)
{
	struct replay *rp = R(src);

	*gap_from = rp->crossed[0];
	*gap_to = rp->crossed[1];
	return rp->next ? rp->next - 1 : 0;
}

int dm_replay_violations(struct dm_src *src, uint64_t upto, dm_vrf_report_fn fn,
			 void *ctx)
{
	return violations(R(src), 0, upto, fn, ctx);
}

int dm_replay_adapter_released(struct dm_src *src, uint64_t handle,
			       uint64_t upto, uint64_t *seq)
{
	struct replay *rp = R(src);
	sqlite3_stmt *st;
	uint32_t id;
	int err = 0;

	*seq = 0;
	for (id = 0; id < rp->nad && rp->ad[id] != handle; id++)
		;
	if (id == rp->nad)
		return -ENOENT;
	if (sqlite3_prepare_v2(rp->db,
			       "SELECT max(seq) FROM event WHERE adapter = ?1 "
			       "AND kind IN (?2, ?3) AND seq <= ?4",
			       -1, &st, NULL))
		return db_error(rp, "reading an adapter's release");
	sqlite3_bind_int64(st, 1, id + 1);
	sqlite3_bind_int(st, 2, DM_EV_ADAPTER_PUT);
	sqlite3_bind_int(st, 3, DM_EV_ADAPTER_DEREF);
	sqlite3_bind_int64(
		st, 4, (sqlite3_int64)(upto > INT64_MAX ? INT64_MAX : upto));
	if (sqlite3_step(st) == SQLITE_ROW)
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
	else
		err = db_error(rp, "reading an adapter's release");
	sqlite3_finalize(st);
	return err;
}

int dm_replay_history(struct dm_src *src, uint64_t adapter, uint64_t obj,
		      uint64_t upto, struct dm_event *out, size_t max)
{
	struct replay *rp = R(src);
	sqlite3_stmt *st;
	uint32_t id;
	size_t n = 0, i;
	int rc, err = 0;

	for (id = 0; id < rp->nad && rp->ad[id] != adapter; id++)
		;
	if (id == rp->nad)
		return 0;
	if (sqlite3_prepare_v2(
		    rp->db,
		    "SELECT seq, ts, kind, adapter, obj, va, dma, "
		    "len, mdl, arg0, arg1, arg2, caller, dir, irql, "
		    "flags, tid FROM event WHERE adapter = ?1 AND "
		    "(obj = ?2 OR va = ?3 OR seq IN (SELECT seq FROM "
		    "violation WHERE object = ?2)) AND seq <= ?4 "
		    "ORDER BY seq DESC LIMIT ?5",
		    -1, &st, NULL))
		return db_error(rp, "reading an object's history");
	sqlite3_bind_int64(st, 1, id + 1);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)obj);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)obj);
	sqlite3_bind_int64(
		st, 4, (sqlite3_int64)(upto > INT64_MAX ? INT64_MAX : upto));
	sqlite3_bind_int64(st, 5, (sqlite3_int64)max);
	while (!err && (rc = sqlite3_step(st)) == SQLITE_ROW && n < max)
		err = row_event(rp, st, &out[n++]);
	if (!err && rc != SQLITE_DONE && rc != SQLITE_ROW)
		err = db_error(rp, "reading an object's history");
	sqlite3_finalize(st);
	if (err)
		return err;
	for (i = 0; i < n / 2; i++) { /* oldest first */
		struct dm_event t = out[i];

		out[i] = out[n - 1 - i];
		out[n - 1 - i] = t;
	}
	return (int)n;
}
