/*
 * recorder.h - append a session's events and violations to a SQLite
 * recording, without ever making the verifier wait for the disk.
 *
 * The backend loop (one thread, the producer) hands every event to
 * dm_rec_event(); a writer thread owns the SQLite connection and commits
 * them in large transactions. Between the two sits a bounded ring: when
 * the disk falls behind, events that do not fit are not queued but
 * counted, and the recording gets a gap row (when, how many, per
 * adapter) followed by a checkpoint of the verifier's state, so that
 * counters and outstanding objects stay exact across it.
 *
 * Ownership: the recorder copies what it is given, except checkpoint
 * blobs, which it takes and frees.
 */
#ifndef DMATOP_RECORDER_H
#define DMATOP_RECORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "strtab.h"
#include "verifier.h"

struct dm_rec_opts {
	const char *path;
	/* session description, written into the session table */
	const char *source; /* "sim", "bpf" */
	const char *detail; /* scenario or kernel */
	unsigned rulesets;  /* DM_RULES_*: the verifier's */
	uint64_t seed;
	/* wait for the disk instead of dropping: benchmarks and tests */
	bool block;
	/* write in the machine's idle time, and after a burst rather
	 * than during it: a live source, whose system the recording
	 * should not slow down (see recorder.c) */
	bool idle;
	uint32_t queue; /* ring capacity in events (0: 1 << 18) */
};

struct dm_rec_stats {
	uint64_t queued;  /* events accepted */
	uint64_t written; /* events committed */
	uint64_t dropped; /* events that did not fit, in gaps */
	uint64_t gaps;
	uint64_t violations, checkpoints;
	uint64_t backlog; /* events queued, not yet committed */
	uint64_t queue;	  /* the queue's capacity in events */
	int error;	  /* 0, or -errno: the recording stopped */
	bool wal_kept;	  /* closed whole, but in WAL mode: a reader had
			     it open (see dm_rec_close) */
};

struct dm_rec;

/* The writer's choice, whether to leave a burst's events in the ring
 * for now (see recorder.c); apart, for its test. */
#define DM_REC_QUIET_RATE 2000u /* events a second */
#define DM_REC_CALM_MS	  300u
#define DM_REC_DEFER_MS	  5000u
struct dm_rec_burst {
	uint64_t head, at_ms; /* at the last look */
	uint64_t since_ms;    /* the burst's first look */
	uint64_t calm_ms;     /* slow since, in a burst */
	bool deferring, calm;
};
bool dm_rec_burst(struct dm_rec_burst *b, uint64_t head, uint64_t now_ms,
		  uint64_t backlog, uint64_t cap);

/* 0 or -errno with errbuf filled. */
int dm_rec_open(struct dm_rec **out, const struct dm_rec_opts *o,
		const struct dm_strtab *strings, char *errbuf, size_t len);
/* Producer side: never blocks unless opts.block. 0, or -ENOBUFS: no
 * room, the event is counted in a gap, and among vrf's losses (the
 * producer's verifier; NULL for none). */
int dm_rec_event(struct dm_rec *rec, struct dm_vrf *vrf,
		 const struct dm_event *ev);
void dm_rec_violation(struct dm_rec *rec, const struct dm_violation *v);
/* Should the producer checkpoint now? It asks after each batch. */
bool dm_rec_want_checkpoint(struct dm_rec *rec, const struct dm_vrf *vrf);
/* Checkpoint the state after event seq (takes the verifier's blob). */
void dm_rec_checkpoint(struct dm_rec *rec, const struct dm_vrf *vrf,
		       uint64_t seq, uint64_t ts);
void dm_rec_stats(struct dm_rec *rec, struct dm_rec_stats *st);
/* From the producer's thread: count among vrf's losses the events the
 * writer could not commit, now rather than at the next event (a source
 * that ended sends none; its figures should add up all the same).
 * True once every event pushed is written or so counted. */
bool dm_rec_settle(struct dm_rec *rec, struct dm_vrf *vrf);
/* The reason the recording stopped, "" while it runs. */
const char *dm_rec_error(struct dm_rec *rec);
/* Flush, write the session's totals and a checkpoint of vrf after event
 * seq (the last the verifier saw), close; vrf counts among its losses
 * the events a stopped recording has not got. Final figures go to *st.
 * 0 or the first error the writer met (-errno); errbuf says it. */
int dm_rec_close(struct dm_rec *rec, struct dm_vrf *vrf, uint64_t seq,
		 uint64_t ts, struct dm_rec_stats *st, char *errbuf,
		 size_t len);

#endif
