/*
 * t-recorder.c - the writer's burst policy, then a recorder that defers
 * bursts still writing every event: once the stream goes quiet, and at
 * close.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recorder.h"
#include "strtab.h"
#include "tap.h"

#define CAP 4096u

static void policy(void)
{
	struct dm_rec_burst b = { .at_ms = 1000 };
	uint64_t t = 1000, head = 0;
	int looks = 0;

	/* 1,000 events a second is a quiet stream: written at once */
	head += 100;
	t += 100;
	ok(!dm_rec_burst(&b, head, t, 100, CAP), "a slow stream is written");
	/* exactly the quiet rate is still quiet */
	head += DM_REC_QUIET_RATE / 10;
	t += 100;
	ok(!dm_rec_burst(&b, head, t, 200, CAP), "the quiet rate is written");
	/* 20,000 a second waits */
	head += 2000;
	t += 100;
	ok(dm_rec_burst(&b, head, t, 2000, CAP), "a burst waits");
	ok(!dm_rec_burst(&b, head += 2000, t += 100, 0, CAP) && !b.deferring,
	   "nothing waiting, nothing to defer");
	head += 1000;
	t += 200;
	ok(dm_rec_burst(&b, head, t, 1000, CAP), "the burst goes on");
	/* ... but not past half the ring */
	head += 1000;
	t += 100;
	ok(!dm_rec_burst(&b, head, t, CAP / 2, CAP),
	   "half the ring is written");
	/* ... nor for longer than DM_REC_DEFER_MS */
	head += 1000;
	t += 100;
	ok(dm_rec_burst(&b, head, t, 100, CAP), "a new burst waits");
	while (dm_rec_burst(&b, head += 500, t += 100, 100, CAP))
		looks++;
	is_u64(looks, DM_REC_DEFER_MS / 100 - 1,
	       "a burst waits DM_REC_DEFER_MS, no longer");
	/* a lull shorter than DM_REC_CALM_MS is part of the burst */
	b = (struct dm_rec_burst){ 0 };
	t = 0;
	ok(dm_rec_burst(&b, head += 500, t += 100, 100, CAP), "a burst waits");
	ok(dm_rec_burst(&b, head, t += 100, 100, CAP),
	   "slow for one look: still waiting");
	ok(dm_rec_burst(&b, head += 500, t += 100, 100, CAP) && !b.calm,
	   "... the burst picks up again");
	ok(dm_rec_burst(&b, head, t += DM_REC_CALM_MS - 1, 100, CAP),
	   "a lull just short of DM_REC_CALM_MS: still waiting");
	ok(!dm_rec_burst(&b, head, t += 1, 100, CAP) && !b.deferring,
	   "slow for DM_REC_CALM_MS: the burst is over, written");
	ok(!dm_rec_burst(&b, head += 100, t += 100, 100, CAP),
	   "... and a slow stream after it");
	ok(dm_rec_burst(&b, head += 500, t += 100, 100, CAP),
	   "the next burst waits again");
	/* two looks in the same millisecond count as one apart */
	ok(dm_rec_burst(&b, head += 3, t, 100, CAP),
	   "three events in under a millisecond are a burst");
}

static uint64_t written(struct dm_rec *rec)
{
	struct dm_rec_stats st;

	dm_rec_stats(rec, &st);
	return st.written;
}

static void recorder(const char *dir, bool quiet)
{
	struct dm_strtab *strings = dm_strtab_new();
	struct dm_rec_opts o = { .source = "test", .idle = true };
	const struct timespec ms = { 0, 1000000 };
	struct dm_rec_stats st = { 0 };
	struct dm_rec *rec = NULL;
	char path[512], err[256] = "";
	uint64_t i, n = 20000;
	int waited = 0;

	snprintf(path, sizeof(path), "%s/%s.db", dir,
		 quiet ? "quiet" : "close");
	o.path = path;
	ok(strings && dm_rec_open(&rec, &o, strings, err, sizeof(err)) == 0,
	   "open a deferring recording: %s", err);
	if (!rec)
		return;
	for (i = 1; i <= n; i++) {
		struct dm_event ev = { .seq = i,
				       .ts = i * 1000,
				       .adapter = 0x1000 + i % 3,
				       .len = 4096,
				       .kind = DM_EV_MAP };

		dm_rec_event(rec, NULL, &ev);
	}
	if (quiet) {
		/* the writer looks every 100 ms; give it 10 s */
		while (written(rec) < n && waited < 10000) {
			nanosleep(&ms, NULL);
			waited++;
		}
		is_u64(written(rec), n,
		       "a quiet stream's burst is written "
		       "without closing (after %d ms)",
		       waited);
	}
	ok(dm_rec_close(rec, NULL, n, n * 1000, &st, err, sizeof(err)) == 0,
	   "close: %s", err);
	is_u64(st.written, n, "every event written");
	is_u64(st.dropped, 0, "none dropped");
	dm_strtab_free(strings);
	unlink(path);
}

/* One row of a query's first column, as a number (-1: none). */
static long long one(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * A queue too small for the stream: events are dropped in gaps, and
 * gap_adapter says whose they were, against its gap, even where an
 * adapter is first seen inside a gap (its own row is written then).
 */
static void gaps(const char *dir)
{
	struct dm_strtab *strings = dm_strtab_new();
	struct dm_rec_opts o = { .source = "test", .queue = 64 };
	struct dm_rec_stats st = { 0 };
	struct dm_rec *rec = NULL;
	char path[512], err[256] = "";
	uint64_t i, n = 400000;
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/gaps.db", dir);
	o.path = path;
	ok(strings && dm_rec_open(&rec, &o, strings, err, sizeof(err)) == 0,
	   "open a recording with a 64-event queue: %s", err);
	if (!rec)
		return;
	for (i = 1; i <= n; i++) {
		/* a new adapter every 20,000 events */
		struct dm_event ev = { .seq = i,
				       .ts = i * 1000,
				       .adapter = 0x1000 + i / 20000,
				       .len = 4096,
				       .kind = DM_EV_MAP };

		dm_rec_event(rec, NULL, &ev);
	}
	ok(dm_rec_close(rec, NULL, n, n * 1000, &st, err, sizeof(err)) == 0,
	   "close: %s", err);
	ok(st.dropped > 0 && st.gaps > 1,
	   "events dropped in gaps (%llu in %llu)",
	   (unsigned long long)st.dropped, (unsigned long long)st.gaps);
	ok(sqlite3_open(path, &db) == SQLITE_OK, "the recording opens");
	is_u64((uint64_t)one(db, "SELECT count(*) FROM gap_adapter WHERE gap "
				 "NOT IN (SELECT id FROM gap)"),
	       0, "every gap_adapter row names a gap");
	is_u64((uint64_t)one(db, "SELECT count(*) FROM gap g WHERE events != "
				 "(SELECT total(events) FROM gap_adapter a "
				 "WHERE a.gap = g.id)"),
	       0, "each gap's events are its adapters' events");
	is_u64((uint64_t)one(db, "SELECT sum(events) FROM gap"), st.dropped,
	       "... and the gaps hold every event dropped");
	sqlite3_close(db);
	dm_strtab_free(strings);
	unlink(path);
}

int main(void)
{
	char dir[] = "/tmp/t-recorder.XXXXXX";

	policy();
	ok(mkdtemp(dir) != NULL, "a directory for the recordings");
	recorder(dir, true);
	recorder(dir, false);
	gaps(dir);
	rmdir(dir);
	return done_testing();
}
