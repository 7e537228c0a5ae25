/*
 * provider.h - where the screens' state comes from: a running backend's
 * shared memory (live) or a recording (replay). The screens read the
 * provider's current state and never know which one it is.
 *
 * Ownership: the provider owns everything it points to; a refresh may
 * replace it all, so screens keep handles (adapter addresses, sequence
 * numbers), never pointers, across refreshes.
 */
#ifndef DMATOP_PROVIDER_H
#define DMATOP_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "strtab.h"
#include "verifier.h"

struct dm_status {
	char mode[16]; /* "LIVE", "REPLAY", "PAUSED", "GONE" */
	char source[160];
	char recording[256];
	char health[384]; /* backend or recorder trouble, "" if none */
	uint64_t events, violations, dropped, lost;
	double events_per_s;
	bool no_rate; /* replay paused: nothing moves, no rate to show */
	uint64_t ts;  /* ns: where the state stands */
	uint64_t seq;
	uint64_t first_seq, last_seq; /* replay: the recording's span */
	uint64_t last_ts;	      /* replay: the time of last_seq, ns */
	double speed;		      /* replay: recorded s per wall s */
	double reached; /* replay: what it kept up, short of speed; or 0 */
	bool behind;	/* replay: events due are still unread: no idle tick */
};

struct dm_provider;

struct dm_provider_ops {
	/* Bring the state up to now: 1 changed, 0 not, 2 changed and the
	 * note says why it leapt (a replay played past a gap), -errno. */
	int (*update)(struct dm_provider *p, uint64_t now_ns);
	/* Replay only (NULL live): move by n events, to an event, to the
	 * next violation after/before seq (dir +1/-1). */
	int (*step)(struct dm_provider *p, int64_t n);
	int (*seek)(struct dm_provider *p, uint64_t seq);
	int (*seek_time)(struct dm_provider *p, uint64_t ts);
	int (*violation)(struct dm_provider *p, int dir);
	/* Every event that touched obj on adapter up to now, oldest first
	 * (NULL: the screens look in the recent events). */
	const struct dm_event *(*history)(struct dm_provider *p,
					  uint64_t adapter, uint64_t obj,
					  size_t *n);
	void (*close)(struct dm_provider *p);
};

struct dm_provider {
	const struct dm_provider_ops *ops;
	struct dm_vrf *vrf;
	struct dm_strtab *strings;
	struct dm_violation *viol; /* oldest first */
	size_t nviol;
	struct dm_event *events; /* recent, oldest first */
	size_t nevents;
	struct dm_status st;
	bool paused;
	char err[320]; /* the source's, and where it stopped */
	/* replay: what the last move could not do, "" if nothing (the
	 * recorder lost events there: see dm_losses_gap()); lacked: the
	 * event moved to is itself one of them */
	char note[256];
	bool lacked;
	uint64_t gap_from, gap_to; /* the gap the note names */
	/* replay: where the recorder lost events, first and last seq */
	uint64_t (*gaps)[2];
	size_t ngaps;
};

int dm_provider_live(struct dm_provider **out, const char *name, char *errbuf,
		     size_t len);
int dm_provider_replay(struct dm_provider **out, const char *path, char *errbuf,
		       size_t len);

#endif
