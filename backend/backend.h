/*
 * backend.h - the verifier backend: one loop that owns the event source,
 * the verifier, the recorder and the shared-memory publisher.
 *
 * Events go to the recorder first, then to the verifier; every
 * DM_SHM_PERIOD_NS the state, the recent events and violations and the
 * counters are published for the viewers. The loop never prints and never
 * exits the process: it reports through a log callback and returns an
 * -errno with a message.
 */
#ifndef DMATOP_BACKEND_H
#define DMATOP_BACKEND_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "source.h"

struct dm_backend_opts {
	const char *name;   /* the segment's name */
	gid_t group;	    /* (gid_t)-1: mode 0600 */
	const char *record; /* recording file, or NULL */
	const char *detail; /* for the recording's session */
	uint64_t seed;
	double speed; /* a simulation's s per wall s; 0: flat out */
	bool stay;    /* keep publishing after the source ends */
	bool publish; /* false: benchmarks measure without it */
	unsigned rulesets;
};

struct dm_backend_result {
	uint64_t events, violations, dropped, publishes;
	pid_t stale_pid; /* a dead backend's segment we removed */
};

typedef void (*dm_backend_log_fn)(void *ctx, const char *msg);

/* Runs until the source ends (or, with stay, until *stop), or *stop.
 * 0 or -errno; errbuf says why. */
int dm_backend_run(struct dm_src *src, const struct dm_backend_opts *o,
		   volatile sig_atomic_t *stop, dm_backend_log_fn log,
		   void *ctx, struct dm_backend_result *res, char *errbuf,
		   size_t len);

#endif
