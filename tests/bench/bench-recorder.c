/*
 * bench-recorder.c - what recording costs, against what SQLite can do.
 *
 * One run prints:
 *   recorder     storm through the verifier into a recording, the
 *                producer waiting for the disk (nothing dropped): events
 *                per second of wall time from the first event to the
 *                closed file
 *   bare SQLite  the same rows, the same prepared statement (16 rows an
 *                INSERT), the same schema and transaction size, in a
 *                plain loop: the ceiling on this machine
 *   ratio        recorder / bare (target >= 0.8)
 *   bytes/event  the recording's size over its events (target <= 48)
 *   seek         open a recording of BIG events and rebuild the state at
 *                a random event, median of 21 (target <= 50 ms)
 * Usage: bench-recorder [DIR] (default: the current directory).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "recorder.h"
#include "replay.h"
#include "schema.h"
#include "sim.h"
#include "verifier.h"

#define N   2000000ull
#define BIG 10000000ull

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct run {
	struct dm_vrf *vrf;
	struct dm_rec *rec;
	struct dm_event *keep;
	uint64_t n, want;
};

static void on_violation(void *ctx, const struct dm_violation *v)
{
	dm_rec_violation(((struct run *)ctx)->rec, v);
}

static int on_event(void *ctx, const struct dm_event *ev)
{
	struct run *r = ctx;

	if (r->rec)
		dm_rec_event(r->rec, NULL, ev);
	if (r->vrf)
		dm_vrf_feed(r->vrf, ev);
	if (r->keep)
		r->keep[r->n] = *ev;
	return ++r->n >= r->want;
}

/* storm into path (or only into r->keep when path is NULL) */
static double record(const char *path, uint64_t want, struct dm_event *keep)
{
	struct run r = { .keep = keep, .want = want };
	struct dm_rec_opts o = { .path = path,
				 .source = "sim",
				 .detail = "storm",
				 .seed = 1,
				 .block = true };
	struct dm_src *src;
	char err[300];
	double t0;
	int n;

	if (dm_sim_open(&src, "storm", 1, 100000000000ull, err, sizeof(err)))
		exit(1);
	r.vrf = dm_vrf_new(DM_RULES_HAL, on_violation, &r);
	unlink(path ? path : "");
	if (path && dm_rec_open(&r.rec, &o, src->strings, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	t0 = now();
	do {
		n = dm_src_poll(src, 4096, on_event, &r);
		if (r.rec && dm_rec_want_checkpoint(r.rec, r.vrf))
			dm_rec_checkpoint(r.rec, r.vrf, r.n, 0);
	} while (n > 0 && r.n < want);
	if (r.rec &&
	    dm_rec_close(r.rec, r.vrf, r.n, 0, NULL, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	t0 = now() - t0;
	dm_vrf_free(r.vrf);
	dm_src_close(src);
	return t0;
}

/* the recorder's INSERT (16 rows a statement), in a plain loop */
static double bare(const char *path, const struct dm_event *ev, uint64_t n)
{
	char sql[80 + 16 * 36] = "INSERT INTO event VALUES ";
	sqlite3_stmt *st;
	sqlite3 *db;
	char err[300];
	uint64_t i;
	double t0;
	int a, b;

	for (a = 0; a < 16; a++)
		strcat(sql, a ? ",(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" :
				"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	unlink(path);
	if (dm_db_create(&db, path, err, sizeof(err)) ||
	    sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
			       NULL)) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	t0 = now();
	for (i = 0; i < n; i++) {
		b = (int)(i % 16) * 17;
		if (i % 65536 == 0)
			sqlite3_exec(db, i ? "COMMIT; BEGIN" : "BEGIN", NULL,
				     NULL, NULL);
		sqlite3_bind_int64(st, b + 1, (sqlite3_int64)ev[i].seq);
		sqlite3_bind_int64(st, b + 2, (sqlite3_int64)ev[i].ts);
		sqlite3_bind_int(st, b + 3, ev[i].kind);
		sqlite3_bind_int64(st, b + 4, 1);
		sqlite3_bind_int64(st, b + 5, (sqlite3_int64)ev[i].obj);
		sqlite3_bind_int64(st, b + 6, (sqlite3_int64)ev[i].va);
		sqlite3_bind_int64(st, b + 7, (sqlite3_int64)ev[i].dma);
		sqlite3_bind_int64(st, b + 8, (sqlite3_int64)ev[i].len);
		if (ev[i].flags & DM_F_MDL) {
			sqlite3_bind_int64(st, b + 9, 1);
			for (a = 0; a < 3; a++)
				sqlite3_bind_null(st, b + 10 + a);
		} else {
			sqlite3_bind_null(st, b + 9);
			for (a = 0; a < 3; a++)
				sqlite3_bind_int64(st, b + 10 + a,
						   (sqlite3_int64)ev[i].arg[a]);
		}
		sqlite3_bind_int64(st, b + 13, ev[i].caller);
		sqlite3_bind_int(st, b + 14, ev[i].dir);
		sqlite3_bind_int(st, b + 15, ev[i].irql);
		sqlite3_bind_int64(st, b + 16, ev[i].flags);
		sqlite3_bind_int64(st, b + 17, ev[i].tid);
		if (i % 16 == 15) { /* n is a multiple of 16 */
			sqlite3_step(st);
			sqlite3_reset(st);
		}
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	char rec_path[4096], bare_path[4096], big_path[4096], err[300];
	struct dm_event *ev = malloc(N * sizeof(*ev));
	double t_rec, t_bare, t[21];
	struct stat sb;
	uint64_t seed = 12345;
	int i;

	if (!ev)
		return 1;
	snprintf(rec_path, sizeof(rec_path), "%s/bench-rec.db", dir);
	snprintf(bare_path, sizeof(bare_path), "%s/bench-bare.db", dir);
	snprintf(big_path, sizeof(big_path), "%s/bench-big.db", dir);
	record(NULL, N, ev);
	t_rec = record(rec_path, N, NULL);
	t_bare = bare(bare_path, ev, N);
	stat(rec_path, &sb);
	printf("storm, %llu events, wall time\n", (unsigned long long)N);
	printf("  recorder (verifier on):  %8.0f events/s\n", N / t_rec);
	printf("  bare SQLite loop:        %8.0f events/s\n", N / t_bare);
	printf("  ratio:                   %8.2f  (target >= 0.8)\n",
	       t_bare / t_rec);
	printf("  bytes/event on disk:     %8.1f  (target <= 48)\n",
	       (double)sb.st_size / N);
	unlink(bare_path);
	unlink(rec_path);

	record(big_path, BIG, NULL);
	for (i = 0; i < 21; i++) {
		struct dm_src *src;
		struct dm_vrf *vrf = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
		uint64_t first, last, at;
		double t0 = now();

		if (dm_replay_open(&src, big_path, err, sizeof(err))) {
			fprintf(stderr, "bench: %s\n", err);
			return 1;
		}
		dm_replay_span(src, &first, &last);
		seed = seed * 6364136223846793005ull + 1;
		at = first + (seed >> 20) % (last - first + 1);
		src->vrf = vrf;
		if (src->ops->seek(src, at)) {
			fprintf(stderr, "bench: seek: %s\n", src->err);
			return 1;
		}
		t[i] = now() - t0;
		dm_src_close(src);
		dm_vrf_free(vrf);
	}
	qsort(t, 21, sizeof(t[0]), cmp_double);
	printf("open %llu-event recording + state at a random event:\n"
	       "  median %.1f ms, max %.1f ms  (target <= 50 ms median)\n",
	       (unsigned long long)BIG, t[10] * 1e3, t[20] * 1e3);
	unlink(big_path);
	free(ev);
	return 0;
}
