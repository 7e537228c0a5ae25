/*
 * t-replay-gaps.c - moving through a recording with gaps in the
 * inspector's replay: the position shown is always one whose state the
 * recording can give, and the state is that position's (its streaming
 * mappings and its losses), whether got by playing, by stepping either
 * way or by going to an event.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "provider.h"
#include "recorder.h"
#include "replay.h"
#include "tap.h"
#include "verifier.h"

#define DEV   0xffff888004a1c000ull
#define CYCLE 2048u /* events: CYCLE / 2 maps, then their unmaps */

/* streaming mappings outstanding after event seq */
static uint64_t mapped_after(uint64_t seq)
{
	uint64_t c = (seq - 1) % CYCLE + 1;

	return c <= CYCLE / 2 ? c : CYCLE - c;
}

static struct dm_event event(uint64_t seq)
{
	uint64_t c = (seq - 1) % CYCLE, slot = c % (CYCLE / 2);
	struct dm_event ev = { .seq = seq,
			       .ts = seq * 1000,
			       .adapter = DEV,
			       .kind = c < CYCLE / 2 ? DM_EV_MAP : DM_EV_UNMAP,
			       .obj = 0x10000000 + slot * 4096,
			       .dma = 0x10000000 + slot * 4096,
			       .len = 4096,
			       .dir = DM_DIR_TO_DEVICE };

	ev.va = ev.kind == DM_EV_MAP ? 0x80000000 + slot * 4096 : 0;
	return ev;
}

/* A recording whose 64-event queue cannot keep up: gaps, and after
 * each a checkpoint, as a kernel trace makes them. */
static int record(const char *path, uint64_t n)
{
	struct dm_strtab *strings = dm_strtab_new();
	struct dm_vrf *vrf = dm_vrf_new(DM_RULES_LINUX, NULL, NULL);
	struct dm_rec_opts o = { .path = path,
				 .source = "bpf",
				 .rulesets = DM_RULES_LINUX,
				 .queue = 64 };
	struct dm_rec_stats st = { 0 };
	struct dm_rec *rec = NULL;
	const struct timespec pause = { 0, 20000000 };
	char err[256] = "";
	uint64_t i;

	if (!strings || !vrf ||
	    dm_rec_open(&rec, &o, strings, err, sizeof(err))) {
		diag("opening the recording: %s", err);
		return -1;
	}
	for (i = 1; i <= n; i++) {
		struct dm_event ev = event(i);

		dm_rec_event(rec, vrf, &ev);
		dm_vrf_feed(vrf, &ev);
		if (!(i % 16) && dm_rec_want_checkpoint(rec, vrf))
			dm_rec_checkpoint(rec, vrf, i, ev.ts);
		/* bursts: the writer catches up between them, and the
		 * gap a burst opened closes */
		if (!(i % 20000))
			nanosleep(&pause, NULL);
	}
	if (dm_rec_close(rec, vrf, n, n * 1000, &st, err, sizeof(err)))
		diag("closing the recording: %s", err);
	dm_vrf_free(vrf);
	dm_strtab_free(strings);
	return st.gaps ? (int)st.gaps : -1;
}

struct gap {
	uint64_t from, to, cp; /* cp: the first checkpoint at or past to */
};

static sqlite3 *db;

static uint64_t one(const char *sql, uint64_t a)
{
	sqlite3_stmt *st;
	uint64_t v = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return 0;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)a);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static uint64_t lost_upto(uint64_t seq)
{
	return one("SELECT coalesce(sum(events), 0) FROM gap "
		   "WHERE first_seq <= ?1",
		   seq);
}

static bool lacked(uint64_t seq)
{
	return one("SELECT count(*) FROM gap WHERE ?1 BETWEEN first_seq AND "
		   "last_seq",
		   seq) > 0;
}

static uint64_t mapped_now(const struct dm_provider *p)
{
	const struct dm_vadapter *ad = dm_vrf_adapter(p->vrf, 0);

	return ad ? ad->bytes_since_flush / 4096 : UINT64_MAX;
}

/* The state shown is that of the position shown: true, or diagnosed. */
static bool sound(const struct dm_provider *p, const char *how)
{
	uint64_t seq = p->st.seq, ts;

	if (!seq)
		return true; /* before the first event */
	/* a recording that ends in a gap: its end is its closing
	 * checkpoint's state, at the last time it has */
	if (lacked(seq) &&
	    !one("SELECT count(*) FROM checkpoint WHERE seq = ?1", seq)) {
		diag("%s: at #%llu, which the recording lacks", how,
		     (unsigned long long)seq);
		return false;
	}
	ts = seq * 1000; /* the closing checkpoint's too */
	if (p->st.lost != lost_upto(seq) ||
	    mapped_now(p) != mapped_after(seq) || p->st.ts != ts) {
		diag("%s: at #%llu (%llu ns): lost %llu, want %llu; mapped "
		     "%llu, want %llu",
		     how, (unsigned long long)seq, (unsigned long long)p->st.ts,
		     (unsigned long long)p->st.lost,
		     (unsigned long long)lost_upto(seq),
		     (unsigned long long)mapped_now(p),
		     (unsigned long long)mapped_after(seq));
		return false;
	}
	return true;
}

int main(void)
{
	char dir[] = "/tmp/t-replay-gaps.XXXXXX", path[600], err[512] = "";
	struct dm_provider *p = NULL;
	struct gap g[8];
	uint64_t n = 400000, now, bad, untold = 0, allgaps, tail;
	sqlite3_stmt *st;
	int ngaps = 0, i, ticks;

	ok(mkdtemp(dir) != NULL, "a directory for the recording");
	snprintf(path, sizeof(path), "%s/gaps.db", dir);
	if (!ok(record(path, n) > 1, "a recording with gaps")) {
		unlink(path);
		rmdir(dir);
		return done_testing();
	}
	sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (!sqlite3_prepare_v2(db,
				"SELECT first_seq, last_seq, (SELECT min(seq) "
				"FROM checkpoint WHERE seq >= last_seq) FROM "
				"gap WHERE last_seq < (SELECT max(seq) FROM "
				"event) ORDER BY first_seq LIMIT 8",
				-1, &st, NULL)) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			g[ngaps].from = (uint64_t)sqlite3_column_int64(st, 0);
			g[ngaps].to = (uint64_t)sqlite3_column_int64(st, 1);
			g[ngaps].cp = (uint64_t)sqlite3_column_int64(st, 2);
			/* one whose event before has a state of its own:
			 * not between the gap before and its checkpoint */
			if (g[ngaps].cp &&
			    (!ngaps || g[ngaps - 1].cp < g[ngaps].from - 1))
				ngaps++;
		}
		sqlite3_finalize(st);
	}
	ok(ngaps > 1 && g[0].from > 1, "%d gaps inside the recording", ngaps);
	allgaps = one("SELECT count(*) FROM gap", 0);
	ok(dm_provider_replay(&p, path, err, sizeof(err)) == 0, "open: %s",
	   err);
	if (!p)
		return done_testing();

	/* played at its own pace, 2 ms a tick: every tick's state is
	 * the position's, the losses counted as the gaps are reached */
	p->paused = false;
	bad = 0;
	for (now = 1, ticks = 0; !p->paused && ticks < 1000; ticks++) {
		uint64_t was = p->st.seq, passed;
		int rc = p->ops->update(p, now);

		now += 2000000;
		if (!bad && !sound(p, "playing"))
			bad = p->st.seq ? p->st.seq : 1;
		/* the gaps this tick went past: said, or none to say */
		passed = one("SELECT count(*) FROM gap WHERE first_seq > ?1",
			     was) -
			 one("SELECT count(*) FROM gap WHERE first_seq > ?1",
			     p->st.seq);
		untold += (passed > 0) != (rc == 2 && strstr(p->note, "lacks"));
	}
	is_u64(bad, 0,
	       "playing: each of %d ticks shows the state of its "
	       "position",
	       ticks);
	is_u64(p->st.seq, n, "playing ends at the last event");
	/* 2 ms of recorded time a tick, but none spent on the time the
	 * gaps took: the play head leaps with the state */
	ok((uint64_t)ticks <= (n - lost_upto(n)) / 2000 + allgaps + 2 &&
		   (uint64_t)ticks < n / 2000,
	   "... in %d ticks: the recorded events' time (%llu ticks) and at "
	   "most one a gap (%llu gaps), not the whole time (%llu ticks)",
	   ticks, (unsigned long long)(n - lost_upto(n)) / 2000,
	   (unsigned long long)allgaps, (unsigned long long)n / 2000);
	is_u64(untold, 0, "... each tick that leapt a gap says so");

	/* a recording that ends in a gap: its end is the state of the
	 * checkpoint that closes it */
	tail = one("SELECT first_seq FROM gap WHERE last_seq = ?1", n);
	if (tail) {
		p->ops->seek(p, tail - 1);
		p->ops->step(p, 1);
		ok(p->st.seq == n && sound(p, "t into the last gap") &&
			   strstr(p->note, "its last events"),
		   "t into the gap the recording ends in: its end, said: %s",
		   p->note);
		p->ops->seek_time(p, (tail - 1) * 1000);
		ok(p->st.seq == tail - 1 && !p->note[0],
		   "the time of the last event before it: that event, no note "
		   "(#%llu: %s)",
		   (unsigned long long)p->st.seq, p->note);
		p->ops->seek_time(p, (tail - 1) * 1000 + 500);
		ok(p->st.seq == tail - 1 && strstr(p->note, "the last before"),
		   "a time inside it: the last state before it, said "
		   "(#%llu: %s)",
		   (unsigned long long)p->st.seq, p->note);
		p->ops->seek_time(p, n * 1000);
		ok(p->st.seq == n, "its closing time: the end (#%llu)",
		   (unsigned long long)p->st.seq);
	} else {
		for (i = 0; i < 4; i++)
			ok(1, "# SKIP the recording did not end in a gap");
	}

	for (i = 0; i < ngaps; i++) {
		char how[96];

		snprintf(how, sizeof(how), "gap #%llu-#%llu",
			 (unsigned long long)g[i].from,
			 (unsigned long long)g[i].to);
		/* t from the last event before the gap */
		p->ops->seek(p, g[i].from - 1);
		ok(sound(p, how) && p->st.seq == g[i].from - 1,
		   "%s: go to the event before it", how);
		p->ops->step(p, 1);
		ok(sound(p, how) && p->st.seq == g[i].cp,
		   "%s: t goes to the first state after it, #%llu (#%llu)", how,
		   (unsigned long long)g[i].cp, (unsigned long long)p->st.seq);
		ok(strstr(p->note, "lacks") != NULL, "%s: ... and says why: %s",
		   how, p->note);
		/* going to an event between the gap and that state */
		p->ops->seek(p, g[i].to + 1);
		ok(sound(p, how) && p->st.seq == g[i].cp,
		   "%s: going to #%llu shows the state at #%llu (#%llu)", how,
		   (unsigned long long)g[i].to + 1, (unsigned long long)g[i].cp,
		   (unsigned long long)p->st.seq);
		/* and T from there: the last state before the gap */
		p->ops->step(p, -1);
		ok(sound(p, how) && p->st.seq == g[i].from - 1,
		   "%s: T goes back to #%llu (#%llu): %s", how,
		   (unsigned long long)g[i].from - 1,
		   (unsigned long long)p->st.seq, p->note);
	}
	p->ops->close(p);
	sqlite3_close(db);
	unlink(path);
	rmdir(dir);
	return done_testing();
}
