/*
 * dmacount.h - the ring the bare counter's array mode writes and
 * dmacount reads: what both sides share.
 */
#ifndef DMATOP_DMACOUNT_H
#define DMATOP_DMACOUNT_H

#define DMACOUNT_SLOTS 65536 /* a power of two */

struct dmacount_pos {
	__u64 head;   /* records claimed */
	__u64 tail;   /* records consumed */
	__u64 pad[6]; /* a cache line each */
};

#endif
