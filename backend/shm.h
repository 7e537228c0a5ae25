/*
 * shm.h - the backend's live state in POSIX shared memory.
 *
 * THE SEGMENT
 *
 * One backend process owns /dev/shm/dmatop-NAME and any number of viewers
 * map it read-only. It holds:
 *
 *   page 0     struct dm_shm_header: magic "DMATOPSH", layout version,
 *              its own size and the sizes of what follows, the writer's
 *              pid and process start time, a heartbeat, the generation,
 *              counters (events seen, dropped, recorded, violations), the
 *              source and recording names, and the directory of the
 *              payload (offset and length of each part)
 *   payload    from DM_SHM_PAYLOAD on:
 *                strings     u32 count, then each: u32 length, bytes
 *                state       the verifier's state as a checkpoint blob
 *                            (dm_vrf_save): every adapter with the !dma
 *                            counters, every map register file and its
 *                            registers, common buffer and SG list
 *                violations  the most recent ones, struct dm_violation[]
 *                events      the most recent ones, struct dm_event[]
 *
 * The state is the same versioned, length-checked blob a recording's
 * checkpoints hold, so a viewer rebuilds a complete verifier from it and
 * drills into any adapter without asking the backend, and the format has
 * one implementation, fuzzed as untrusted input.
 *
 * CONCURRENCY
 *
 * The writer never waits for a reader. It publishes every DM_SHM_PERIOD
 * of wall time (and when asked to stop), as a seqlock: generation made
 * odd, payload and directory written, checksum of the payload stored,
 * generation made even (release). A reader loads the generation
 * (acquire); if odd it retries; else it copies the directory and payload
 * out, loads the generation again and keeps the copy only if it did not
 * change and the checksum matches. Retries are bounded (DM_SHM_RETRIES);
 * a reader that keeps losing the race reports -EBUSY, never a torn state.
 *
 * GROWTH
 *
 * The payload grows with the state. When a publish does not fit, the
 * writer (generation odd) grows the object with ftruncate and maps it
 * again, then sets header.size. A reader whose mapping is smaller than
 * header.size maps the segment again before copying; nothing ever
 * shrinks, so an old mapping stays valid for what it covers.
 *
 * SAFETY
 *
 * Created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600 (0640 with a
 * group): a name that exists, or a symlink planted there, is never
 * opened for writing. A viewer opens with O_NOFOLLOW, checks the owner is
 * itself or root and that the segment is a regular file, and checks the
 * magic, version and sizes before trusting anything. A backend that died
 * leaves its segment behind: its pid is gone (or now belongs to a process
 * that started later) and its heartbeat stopped; the next backend of that
 * name removes it, and a viewer reports the backend gone within two
 * heartbeats (DM_SHM_GONE_NS).
 */
#ifndef DMATOP_SHM_H
#define DMATOP_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "strtab.h"
#include "verifier.h"

#define DM_SHM_MAGIC		 "DMATOPSH"
#define DM_SHM_VERSION		 1u
#define DM_SHM_PAYLOAD		 4096u	     /* the header's page */
#define DM_SHM_PERIOD_NS	 50000000ull /* publish, at most every 50 ms */
#define DM_SHM_HEARTBEAT_NS	 100000000ull /* heartbeat, at least every 100 ms */
#define DM_SHM_GONE_NS		 (2 * DM_SHM_HEARTBEAT_NS) /* two missed: gone */
#define DM_SHM_RETRIES		 1000
#define DM_SHM_RECENT_EVENTS	 4096u
#define DM_SHM_RECENT_VIOLATIONS 1024u
#define DM_SHM_NAME_MAX		 64

struct dm_shm_part {
	uint64_t off, len; /* bytes, from the segment's start */
};

struct dm_shm_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;	 /* sizeof(struct dm_shm_header) */
	uint32_t event_size;	 /* sizeof(struct dm_event) */
	uint32_t violation_size; /* sizeof(struct dm_violation) */
	uint64_t writer_pid;
	uint64_t writer_start; /* the writer's start time, clock ticks
				 * since boot (/proc/PID/stat field 22) */
	uint64_t heartbeat;    /* ns, CLOCK_MONOTONIC; atomic */
	uint64_t generation;   /* seqlock: odd while writing; atomic */
	uint64_t size;	       /* bytes of the segment; atomic */
	/* under the seqlock: */
	uint64_t published; /* ns, CLOCK_MONOTONIC, of this payload */
	uint64_t checksum;  /* of the payload parts, FNV-1a */
	struct dm_shm_part strings, state, violations, events;
	uint64_t events_seen, events_dropped, events_recorded;
	uint64_t violations_total, lost, recorder_backlog;
	uint32_t recorder_error; /* -errno of the recorder, negated */
	uint32_t flags;		 /* DM_SHM_ENDED: the source has ended */
	char source[128];	 /* as the source describes itself */
	char recording[256];	 /* the file being recorded, "" if none */
	char recorder_msg[256];	 /* why the recording stopped, "" */
	uint64_t recorder_queue; /* its capacity in events; 0: unknown */
	uint8_t spare[248];
};

#define DM_SHM_ENDED 1u
/* with DM_SHM_ENDED: not its source, a signal ended the backend */
#define DM_SHM_STOPPED 2u

_Static_assert(sizeof(struct dm_shm_header) <= DM_SHM_PAYLOAD,
	       "the header fits its page");

/* ---- the writer ---- */

struct dm_shm_writer;

struct dm_shm_writer_opts {
	const char *name; /* segment: /dev/shm/dmatop-NAME */
	gid_t group;	  /* 0640 to this group; (gid_t)-1: 0600 */
};

/* 0, or -errno with errbuf saying why: -EEXIST (a live backend has the
 * name, or something else is there), -EINVAL (a bad name). A stale
 * segment of a dead backend is removed; *stale_pid says whose. */
int dm_shm_create(struct dm_shm_writer **out,
		  const struct dm_shm_writer_opts *o, pid_t *stale_pid,
		  char *errbuf, size_t len);
/* Publish the state, the strings, recent events and violations. */
struct dm_shm_counters {
	uint64_t seen, dropped, recorded, violations, lost, backlog;
	uint64_t queue; /* the recorder's capacity, 0 if unknown */
	int recorder_error;
	const char *recorder_msg;
	bool ended;
	bool stopped; /* ended by a signal, not by its source */
};
int dm_shm_publish(struct dm_shm_writer *w, const struct dm_vrf *vrf,
		   const struct dm_strtab *st, const struct dm_event *recent,
		   size_t nrecent, const struct dm_violation *viol,
		   size_t nviol, const struct dm_shm_counters *c,
		   const char *source, const char *recording);
/* The heartbeat alone, between publishes. */
void dm_shm_heartbeat(struct dm_shm_writer *w);
uint64_t dm_shm_generation(const struct dm_shm_writer *w);
/* Unmap and remove the segment. */
void dm_shm_destroy(struct dm_shm_writer *w);

/* ---- a viewer ---- */

struct dm_shm_reader;

/* 0, or -errno with errbuf: -ENOENT (no backend of that name), -EPERM
 * (not the owner), -ELOOP (a symlink), -EPROTO (another layout),
 * -EINVAL (not a dmatop segment). */
int dm_shm_attach(struct dm_shm_reader **out, const char *name, char *errbuf,
		  size_t len);
void dm_shm_detach(struct dm_shm_reader *r);

/* A consistent copy, owned by the caller (dm_shm_snapshot_free). */
struct dm_shm_snapshot {
	struct dm_shm_header hdr; /* as of this generation */
	struct dm_vrf *vrf;	  /* the state, rebuilt */
	struct dm_strtab *strings;
	struct dm_event *events;
	size_t nevents;
	struct dm_violation *violations;
	size_t nviolations;
	unsigned retries; /* how often the copy lost the race */
};

/* 0, -EBUSY (the writer kept publishing under us), -EIO (a payload that
 * does not check), -ENOMEM. */
int dm_shm_snapshot(struct dm_shm_reader *r, struct dm_shm_snapshot *s);
void dm_shm_snapshot_free(struct dm_shm_snapshot *s);
/* Is the backend alive? false when its process is gone or its
 * heartbeat is older than DM_SHM_GONE_NS; *why says which. */
bool dm_shm_alive(struct dm_shm_reader *r, const char **why);
/* Has the backend's process exited (rather than hung or been stopped,
 * from which it may come back)? */
bool dm_shm_exited(struct dm_shm_reader *r);
const struct dm_shm_header *dm_shm_header(struct dm_shm_reader *r);

/* The segment name for NAME ("/dmatop-NAME"); -EINVAL for a name with
 * anything but letters, digits, '-', '_' and '.'. */
int dm_shm_path(char *out, size_t len, const char *name);

/* From a /proc/PID/stat line: field 22, when the process started; 0 when
 * the line is not one, or its process is a zombie, exiting or being
 * killed, which a viewer must not take for a hang. */
uint64_t dm_shm_stat_start(const char *stat);
/* The same from /proc/PID/stat of a running process. */
uint64_t dm_shm_pid_start(pid_t pid);

#endif
