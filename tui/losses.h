/*
 * losses.h - what a session lost and where, in words: the status line,
 * the batch summary and its JSON all say it the same way.
 */
#ifndef DMATOP_LOSSES_H
#define DMATOP_LOSSES_H

#include <stddef.h>
#include <stdio.h>

#include "verifier.h"

/* "cpu1 1700, cpu0 19; kernel log records 1", largest first, or "" when
 * nothing was lost. Always NUL-terminates; truncates to fit. */
char *dm_losses_text(char *buf, size_t len, const struct dm_vrf_stats *st);
/* The same as a JSON array of {"what", "cpu" (events only; -1 for the
 * other CPUs), "count"}. */
void dm_losses_json(FILE *out, const struct dm_vrf_stats *st);

#endif
