/*
 * batch.h - dmatop without a UI: run a source through the verifier, print
 * violations as they are found, then the state asked for.
 */
#ifndef DMATOP_BATCH_H
#define DMATOP_BATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "source.h"
#include "strtab.h"
#include "verifier.h"

struct dm_batch_opts {
	bool json;
	bool dump;
	uint64_t dump_adapter; /* 0: the list */
	unsigned dump_flags;
	unsigned rulesets;
	const char *record; /* --record=FILE, or NULL */
	const char *at;	    /* replay: --at=TIME, or NULL */
	const char *detail; /* scenario, for the recording's session */
	uint64_t seed;
	volatile sig_atomic_t *stop; /* set by a signal: finish now */
	/* the source's own figures, said before the summary (which ends
	 * the output, for tail -n 1) */
	void (*notes)(void *ctx, FILE *err);
	void *notes_ctx;
};

/* Returns the exit status: 0 clean, 3 violations, 1 runtime error
 * (the source or the recording failed), 2 bad --dump or --at argument.
 * Messages go to err. */
int dm_batch_run(struct dm_src *src, const struct dm_batch_opts *o, FILE *out,
		 FILE *err);

/* One violation, as text or a JSON line. */
void dm_batch_violation(FILE *out, const struct dm_batch_opts *o,
			const struct dm_vrf *vrf, const struct dm_strtab *st,
			const struct dm_violation *v);
/* The note for --at past the recording's end (end_ns): the state
 * shown is the end's. */
void dm_batch_note_end(FILE *errf, const char *at, uint64_t end_ns);
/* --at names an event the recorder lost, from..to. */
void dm_batch_note_lacked(FILE *errf, const char *at, uint64_t from,
			  uint64_t to);
/* --at names an event the recording has not: its span, or that it has
 * none. */
void dm_batch_note_outside(FILE *errf, const char *at, uint64_t first,
			   uint64_t last);
/* What --dump asks for; -ENOENT/-EINVAL (after !dma's help) when the
 * adapter or flags are wrong. */
int dm_batch_dump(FILE *out, FILE *errf, const struct dm_batch_opts *o,
		  const struct dm_vrf *vrf, const struct dm_strtab *st);

#endif
