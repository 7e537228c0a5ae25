/*
 * losses.h - what a session lost and where, in words: the status line,
 * the batch summary and its JSON all say it the same way.
 */
#ifndef DMATOP_LOSSES_H
#define DMATOP_LOSSES_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "verifier.h"

/* "cpu1 1700, cpu0 19; kernel log records 1", largest first, or "" when
 * nothing was lost. Always NUL-terminates; truncates to fit. */
char *dm_losses_text(char *buf, size_t len, const struct dm_vrf_stats *st);
/* The same as a JSON array of {"what", "cpu" (events only; -1 for the
 * other CPUs), "count"}. */
void dm_losses_json(FILE *out, const struct dm_vrf_stats *st);
/*
 * A replay asked for the state at event `want` and holds the state at
 * `held`, the recorder having lost events from..to: "the recording lacks
 * ..., this is the state at ...". want inside from..to: the event itself
 * is lost; held > want: the state resumes past it, at a checkpoint;
 * held < want: the last state before a gap (a time inside it); held
 * inside from..to: the checkpoint that closes a recording ending in the
 * gap.
 */
char *dm_losses_gap(char *buf, size_t len, uint64_t want, uint64_t held,
		    uint64_t from, uint64_t to);

#endif
