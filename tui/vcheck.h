/*
 * vcheck.h - a replay's violations set against those its recording holds.
 *
 * The verifier is deterministic: a recording's events, replayed, raise
 * the violations the run that wrote them raised, in the same order. An
 * event altered after it was written (a flipped byte SQLite's own checks
 * do not see) shows as violations apart from the recorded ones.
 */
#ifndef DMATOP_VCHECK_H
#define DMATOP_VCHECK_H

#include <stdint.h>

#include "source.h"
#include "verifier.h"

struct dm_vcheck;

struct dm_vcheck *dm_vcheck_new(void);
void dm_vcheck_free(struct dm_vcheck *c);
/* One the replay raised, in order. */
void dm_vcheck_found(struct dm_vcheck *c, const struct dm_violation *v);

struct dm_vcheck_result {
	uint64_t found, recorded; /* how many */
	uint64_t apart;		  /* the event where they first differ */
};

/* 0 when the replay's are the recording's; 1 when not (*res says
 * where); -EIO (the recording's unreadable: replay->err says why) or
 * -ENOMEM (too many to keep: not checked). */
int dm_vcheck_against(struct dm_vcheck *c, struct dm_src *replay,
		      struct dm_vcheck_result *res);

#endif
