/*
 * replay.h - a recording as an event source.
 *
 * dm_replay_open() gives a struct dm_src that reads the recording's events
 * in order, so the verifier and the views cannot tell replay from live.
 * Seek rebuilds the verifier's state at any event from the nearest
 * checkpoint. Gaps (events the recorder could not keep) arrive as one
 * DM_EV_LOST event each, and the state is restored from the checkpoint
 * that follows the gap. The file is untrusted: opened read-only and
 * defensively, and every id in it checked before use.
 */
#ifndef DMATOP_REPLAY_H
#define DMATOP_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "source.h"
#include "verifier.h"

/* 0, or -errno with a one-line message in errbuf naming the file. */
int dm_replay_open(struct dm_src **out, const char *path, char *errbuf,
		   size_t len);
bool dm_src_is_replay(const struct dm_src *src);
/* Was the recording closed cleanly? A killed recorder's is not: it holds
 * what was committed, no more. */
bool dm_replay_closed(struct dm_src *src);
/* The rule sets (DM_RULES_*) the recorded source's events answer to:
 * as the recording names them, else as its events look. */
unsigned dm_replay_rulesets(struct dm_src *src);
/* Does the recording name them (its session table's 'rules')? */
bool dm_replay_rules_named(struct dm_src *src);
/* First and last event sequence numbers (0, 0 when empty). */
void dm_replay_span(struct dm_src *src, uint64_t *first, uint64_t *last);
/* A moment named as --at and the inspector's b take it: "end", "#1234"
 * (an event's sequence number) or "12.5" (seconds of recorded time,
 * digits and a point). */
struct dm_at {
	enum { DM_AT_END, DM_AT_SEQ, DM_AT_TIME } kind;
	uint64_t v; /* the sequence number, or the time in ns */
};

/* 0, or -EINVAL for a spec that is none of these. */
int dm_replay_parse_at(const char *spec, struct dm_at *at);
/*
 * A moment in the recording: "12.5" (seconds of recorded time), "#1234"
 * (an event's sequence number) or "end". *seq is the last event at or
 * before it: one before the first event for a time before it, the last
 * for a time after the end. -EINVAL for a spec that is none of these,
 * -ERANGE for an event number the recording does not have.
 */
int dm_replay_resolve(struct dm_src *src, const char *spec, uint64_t *seq);
/* The recorded time of event seq, in ns, or where the recording lacks
 * it of the first event it has after it, or for the events it lost at
 * its end of the checkpoint that closes it; -1 for a recording without
 * events. */
int64_t dm_replay_ts(struct dm_src *src, uint64_t seq);
/* Is seq, within the recording's span, one of the events its recorder
 * lost? Then *from..*to is that gap. */
bool dm_replay_gap(struct dm_src *src, uint64_t seq, uint64_t *from,
		   uint64_t *to);
/* A time inside a gap: seq is the last event at or before time ts (as
 * dm_replay_resolve() gives it). True when the recorder lost the events
 * right after seq and ts is past seq's own time; then *from..*to is that
 * gap. */
bool dm_replay_time_in_gap(struct dm_src *src, uint64_t ts, uint64_t seq,
			   uint64_t *from, uint64_t *to);
/* The gaps, in order, as first and last seq each: *out (malloc'd, the
 * caller frees it) and *n; 0 or -errno. */
int dm_replay_gaps(struct dm_src *src, uint64_t (**out)[2], size_t *n);
/* After a seek: the last event the state holds, and the last gap the
 * seek went through (*gap_from..*gap_to; 0, 0 for none). Past the event
 * sought when the recorder lost events before it: the state resumes
 * from the first checkpoint after a gap. */
uint64_t dm_replay_held(struct dm_src *src, uint64_t *gap_from,
			uint64_t *gap_to);
/* Every event up to seq on that adapter whose object or CPU-side address
 * is obj, or at which a violation about obj was found (a fault, an
 * unbind), oldest first, at most max of them (the latest). Returns how
 * many, or -errno. A scan of the event table: for a drill-in, not a loop. */
int dm_replay_history(struct dm_src *src, uint64_t adapter, uint64_t obj,
		      uint64_t upto, struct dm_event *out, size_t max);
/* When was adapter handle released, up to event upto? *seq is the last
 * put or dereference of it at or before upto (0 for none); -ENOENT when
 * the recording never saw the adapter. A scan: for an error message. */
int dm_replay_adapter_released(struct dm_src *src, uint64_t handle,
			       uint64_t upto, uint64_t *seq);
/* The violations recorded up to and including event seq, in order. */
int dm_replay_violations(struct dm_src *src, uint64_t upto, dm_vrf_report_fn fn,
			 void *ctx);

#endif
