/*
 * source.h - the one interface every event source implements.
 *
 * The simulated HAL, the eBPF tracer and the replay reader sit behind this
 * table of functions, so the verifier, the shared-memory publisher and the
 * recorder never know which one fed them. A source owns the string table
 * its events' ids refer to.
 */
#ifndef DMATOP_SOURCE_H
#define DMATOP_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "strtab.h"

/* Return non-zero to stop the poll early (the source keeps the rest). */
typedef int (*dm_src_event_fn)(void *ctx, const struct dm_event *ev);

struct dm_src;

struct dm_src_ops {
	const char *name; /* "sim", "bpf", "replay" */
	/* events come at the pace of a live system, which a recorder
	 * should keep out of the way of (the kernel); a simulation or a
	 * replay waits for its reader */
	bool live;
	/* An fd to poll(2) for readiness, or -1 when always ready. */
	int (*fd)(struct dm_src *src);
	/*
	 * Deliver up to max events. Returns how many were delivered, 0 when
	 * none are ready, -ENODATA when the source has ended, or -errno.
	 */
	int (*poll)(struct dm_src *src, size_t max, dm_src_event_fn fn,
		    void *ctx);
	/*
	 * Reposition so that the next event polled is seq; when src->vrf is
	 * set, also bring that verifier to its state just before seq.
	 * -ENOTSUP for live sources.
	 */
	int (*seek)(struct dm_src *src, uint64_t seq);
	uint64_t (*lost)(struct dm_src *src);
	const char *(*describe)(struct dm_src *src); /* one line */
	void (*close)(struct dm_src *src);
};

struct dm_vrf;

struct dm_src {
	const struct dm_src_ops *ops;
	struct dm_strtab *strings;
	/* The verifier this source feeds, if the caller wants sources that
	 * can (replay) to restore its state on seek and across gaps. */
	struct dm_vrf *vrf;
	char err[256]; /* last error, for the caller to show */
};

static inline int dm_src_poll(struct dm_src *src, size_t max,
			      dm_src_event_fn fn, void *ctx)
{
	return src->ops->poll(src, max, fn, ctx);
}

static inline void dm_src_close(struct dm_src *src)
{
	if (src)
		src->ops->close(src);
}

#endif
