/*
 * attach.h - a batch viewer of a running backend: what --attach --batch
 * prints, from shared memory alone.
 */
#ifndef DMATOP_ATTACH_H
#define DMATOP_ATTACH_H

#include <stdint.h>
#include <stdio.h>

#include "batch.h"

/*
 * Print the backend's recent violations (then, for follow_ns, each new
 * one as it comes, until that much time passed or the backend's source
 * ended) and what --dump asks for. Returns the exit status: 0, 3
 * (violations), 1 (the backend is gone or unreadable), 2 (bad --dump).
 */
int dm_attach_run(const char *name, const struct dm_batch_opts *o,
		  uint64_t follow_ns, FILE *out, FILE *errf);

#endif
