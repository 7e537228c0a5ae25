/*
 * recorder.c - see recorder.h.
 *
 * Threads. The producer owns everything under "producer only"; the
 * writer owns the connection, its statements and the id maps. They share
 * the ring (head written by the producer, tail by the writer, each read
 * by the other with acquire/release ordering) and a mutex-protected queue
 * of "meta" items: strings, violations, checkpoints, gaps. Each meta item
 * is tagged with the number of events pushed before it; the writer
 * commits it in the transaction that writes the event it follows, so a
 * crash never leaves a violation without its event or a string after the
 * events that name it.
 */
#define _GNU_SOURCE /* SCHED_IDLE */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "config.h"
#include "hmap.h"
#include "recorder.h"
#include "schema.h"
#include "verifier.h"

#define BATCH	     65536u /* events a transaction, at most */
#define ROWS	     16u    /* events an INSERT statement */
#define CP_EVENTS    16384u /* events between checkpoints, at least */
#define CP_FACTOR    8u	    /* ... and 8 times the state's objects */
#define GAP_ADAPTERS 64u

enum meta_type { M_STRING, M_VIOLATION, M_CHECKPOINT, M_GAP };

struct gap {
	uint64_t first, last, ts_first, ts_last, events;
	uint32_t nad;
	struct {
		uint64_t handle, events;
	} ad[GAP_ADAPTERS];
	uint64_t other; /* events of adapters past GAP_ADAPTERS */
};

struct meta {
	enum meta_type type;
	uint64_t tag; /* events pushed before this item */
	struct meta *next;
	union {
		struct {
			uint32_t id;
			char *text;
		} str;
		struct dm_violation v;
		struct {
			uint64_t seq, ts;
			void *blob;
			size_t len;
		} cp;
		struct gap gap;
	} u;
};

struct mdlkey {
	uint64_t handle, va, count;
};

struct dm_rec {
	sqlite3 *db;
	int hold; /* dm_db_hold(): the file is being written */
	char path[4096], dir[4096];
	pthread_t thread;
	bool started;
	struct dm_event *ring;
	uint64_t mask;
	_Atomic uint64_t head, tail;
	_Atomic bool stop;
	_Atomic int error;
	char errmsg[256];
	pthread_mutex_t lock;
	pthread_cond_t wake; /* the writer's: a quarter of the ring, or stop */
	bool may_idle;	     /* opts.idle, and allowed back: see may_idle() */
	bool defer;	     /* opts.idle: bursts wait, see dm_rec_burst() */
	_Atomic bool idle_now;
	struct meta *mhead, **mtail;
	_Atomic uint64_t written, dropped, gaps, violations, checkpoints;
	/* of dropped, those the writer took and could not commit (the
	 * recording stopped); how many of them the verifier was told */
	_Atomic uint64_t failed;
	uint64_t failed_told;
	bool block;

	/* producer only */
	const struct dm_strtab *strings;
	uint32_t nstrings;
	struct gap gap;
	bool gap_open, want_cp;
	uint64_t since_cp;

	/* writer only */
	struct dm_rec_burst burst;
	sqlite3_stmt *ins_event, *ins_events, *ins_string, *ins_violation,
		*ins_cp, *ins_gap, *ins_gap_ad, *ins_adapter, *upd_adapter,
		*ins_mdl;
	struct pending {
		const struct dm_event *ev; /* in the ring until committed */
		sqlite3_int64 ad, mdl;
	} pend[ROWS]; /* bound into ins_events, not yet inserted */
	unsigned npend;
	struct dm_hmap ad_ids, mdl_ids;
	uint64_t last_handle; /* adapter_id()'s one-entry cache */
	uint32_t last_ad, last_mdl;
	uint64_t *ad_last; /* last seq per adapter id */
	uint32_t nad, capad;
	struct mdlkey *mdls;
	uint32_t nmdl, capmdl;
	/* a batch being tried at a size that may be halved: its errors
	 * are not the recording's until the smallest batch fails */
	bool trying;
};

/*
 * SQLite reports a write that hit the end of the disk or the file size
 * limit as a plain I/O error (a short write leaves errno 0), so look at
 * the file system and the limit to say which it was.
 */
static const char *write_failure(struct dm_rec *rec, int err, char *buf,
				 size_t len)
{
	struct rlimit rl;
	struct statvfs vfs;
	struct stat sb;
	char wal[4200];

	if (err == -ENOSPC ||
	    (!statvfs(rec->dir, &vfs) &&
	     (uint64_t)vfs.f_bavail * vfs.f_frsize < (1u << 20)))
		return "the disk is full";
	/* with WAL, the write that failed may have been the -wal file's */
	snprintf(wal, sizeof(wal), "%s-wal", rec->path);
	if (!getrlimit(RLIMIT_FSIZE, &rl) && rl.rlim_cur != RLIM_INFINITY &&
	    ((!stat(rec->path, &sb) &&
	      (uint64_t)sb.st_size + (1u << 16) >= rl.rlim_cur) ||
	     (!stat(wal, &sb) &&
	      (uint64_t)sb.st_size + (1u << 16) >= rl.rlim_cur)))
		return "the file size limit (ulimit -f) was reached";
	return dm_db_errmsg(rec->db, buf, len);
}

static void set_error(struct dm_rec *rec, int err, const char *what)
{
	char msg[200];
	int zero = 0;

	if (!atomic_compare_exchange_strong(&rec->error, &zero, err))
		return;
	snprintf(rec->errmsg, sizeof(rec->errmsg), "%s: %s", what,
		 write_failure(rec, err, msg, sizeof(msg)));
}

static int sql_err(struct dm_rec *rec, int rc, const char *what)
{
	int err = rc == SQLITE_FULL  ? -ENOSPC :
		  rc == SQLITE_NOMEM ? -ENOMEM :
				       -EIO;

	if (!rec->trying)
		set_error(rec, err, what);
	return err;
}

static int step(struct dm_rec *rec, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : sql_err(rec, rc, what);
}

/* ---- writer: id maps ---- */

static int adapter_id(struct dm_rec *rec, uint64_t handle, uint64_t seq,
		      sqlite3_int64 *id)
{
	uint32_t i;

	if (!handle) {
		*id = 0;
		return 0;
	}
	/* most events name the adapter the previous one named */
	if (handle == rec->last_handle) {
		rec->ad_last[rec->last_ad] = seq;
		*id = rec->last_ad + 1;
		return 0;
	}
	i = dm_hmap_get(&rec->ad_ids, handle);
	if (i == DM_HMAP_NONE) {
		if (rec->nad == rec->capad) {
			uint32_t cap = rec->capad ? rec->capad * 2 : 64;
			uint64_t *p = realloc(rec->ad_last, cap * sizeof(*p));

			if (!p)
				return -ENOMEM;
			rec->ad_last = p;
			rec->capad = cap;
		}
		i = rec->nad++;
		if (dm_hmap_put(&rec->ad_ids, handle, i))
			return -ENOMEM;
		sqlite3_bind_int64(rec->ins_adapter, 1, i + 1);
		sqlite3_bind_int64(rec->ins_adapter, 2, (sqlite3_int64)handle);
		sqlite3_bind_int64(rec->ins_adapter, 3, (sqlite3_int64)seq);
		if (step(rec, rec->ins_adapter, "writing an adapter"))
			return -EIO;
	}
	rec->ad_last[i] = seq;
	rec->last_handle = handle;
	rec->last_ad = i;
	*id = i + 1;
	return 0;
}

static uint64_t mdl_hash(const struct mdlkey *k)
{
	return (k->handle * 0x9e3779b97f4a7c15ull) ^ k->va ^ (k->count << 40);
}

static int mdl_id(struct dm_rec *rec, const struct dm_event *ev,
		  sqlite3_int64 *id)
{
	struct mdlkey k = { ev->arg[0], ev->arg[1], ev->arg[2] };
	uint64_t h = mdl_hash(&k);
	uint32_t i = rec->last_mdl;

	if (i < rec->nmdl && !memcmp(&rec->mdls[i], &k, sizeof(k))) {
		*id = i + 1;
		return 0;
	}
	i = dm_hmap_get(&rec->mdl_ids, h);
	if (i != DM_HMAP_NONE && !memcmp(&rec->mdls[i], &k, sizeof(k))) {
		rec->last_mdl = i;
		*id = i + 1;
		return 0;
	}
	if (rec->nmdl == rec->capmdl) {
		uint32_t cap = rec->capmdl ? rec->capmdl * 2 : 256;
		struct mdlkey *p = realloc(rec->mdls, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		rec->mdls = p;
		rec->capmdl = cap;
	}
	i = rec->nmdl++;
	rec->mdls[i] = k;
	rec->last_mdl = i;
	/* a hash collision only costs a duplicate row */
	if (dm_hmap_put(&rec->mdl_ids, h, i))
		return -ENOMEM;
	sqlite3_bind_int64(rec->ins_mdl, 1, i + 1);
	sqlite3_bind_int64(rec->ins_mdl, 2, (sqlite3_int64)k.handle);
	sqlite3_bind_int64(rec->ins_mdl, 3, (sqlite3_int64)k.va);
	sqlite3_bind_int64(rec->ins_mdl, 4, (sqlite3_int64)k.count);
	*id = i + 1;
	return step(rec, rec->ins_mdl, "writing an MDL");
}

/* The adapters' and MDLs' ids from nad and nmdl on lost their rows to
 * a rollback: they are forgotten, to be given again. */
static void forget_ids(struct dm_rec *rec, uint32_t nad, uint32_t nmdl)
{
	uint32_t i;

	for (i = 0; i <= rec->ad_ids.mask;) {
		struct dm_hmap_slot *s = &rec->ad_ids.slot[i];

		/* a deletion shifts a later entry into this slot */
		if (s->val != DM_HMAP_NONE && s->val >= nad)
			dm_hmap_del_at(&rec->ad_ids, s);
		else
			i++;
	}
	for (i = nmdl; i < rec->nmdl; i++) {
		uint64_t h = mdl_hash(&rec->mdls[i]);

		if (dm_hmap_get(&rec->mdl_ids, h) == i)
			dm_hmap_del(&rec->mdl_ids, h);
	}
	rec->nad = nad;
	rec->nmdl = nmdl;
	rec->last_handle = 0;
}

/* ---- writer: rows ---- */

/* One event's 17 columns, from parameter base + 1 on. */
static void bind_event(sqlite3_stmt *st, int base, const struct dm_event *ev,
		       sqlite3_int64 ad, sqlite3_int64 mdl)
{
	int i;

	sqlite3_bind_int64(st, base + 1, (sqlite3_int64)ev->seq);
	sqlite3_bind_int64(st, base + 2, (sqlite3_int64)ev->ts);
	sqlite3_bind_int(st, base + 3, ev->kind);
	if (ad)
		sqlite3_bind_int64(st, base + 4, ad);
	else
		sqlite3_bind_null(st, base + 4);
	sqlite3_bind_int64(st, base + 5, (sqlite3_int64)ev->obj);
	sqlite3_bind_int64(st, base + 6, (sqlite3_int64)ev->va);
	sqlite3_bind_int64(st, base + 7, (sqlite3_int64)ev->dma);
	sqlite3_bind_int64(st, base + 8, (sqlite3_int64)ev->len);
	for (i = 0; i < 3; i++)
		if (mdl)
			sqlite3_bind_null(st, base + 10 + i);
		else
			sqlite3_bind_int64(st, base + 10 + i,
					   (sqlite3_int64)ev->arg[i]);
	if (mdl)
		sqlite3_bind_int64(st, base + 9, mdl);
	else
		sqlite3_bind_null(st, base + 9);
	sqlite3_bind_int64(st, base + 13, ev->caller);
	sqlite3_bind_int(st, base + 14, ev->dir);
	sqlite3_bind_int(st, base + 15, ev->irql);
	sqlite3_bind_int64(st, base + 16, ev->flags);
	sqlite3_bind_int64(st, base + 17, ev->tid);
}

/* The rows bound but not yet inserted, one at a time. */
static int flush_events(struct dm_rec *rec)
{
	unsigned i;
	int err = 0;

	for (i = 0; i < rec->npend && !err; i++) {
		bind_event(rec->ins_event, 0, rec->pend[i].ev, rec->pend[i].ad,
			   rec->pend[i].mdl);
		err = step(rec, rec->ins_event, "writing events");
	}
	rec->npend = 0;
	return err;
}

static int write_event(struct dm_rec *rec, const struct dm_event *ev)
{
	sqlite3_stmt *st;
	sqlite3_int64 ad, mdl = 0;
	int err;

	err = adapter_id(rec, ev->adapter, ev->seq, &ad);
	if (!err && (ev->flags & DM_F_MDL))
		err = mdl_id(rec, ev, &mdl);
	if (err)
		return err;
	/* ROWS at a time: a statement's fixed cost is most of a row's */
	bind_event(rec->ins_events, (int)rec->npend * 17, ev, ad, mdl);
	rec->pend[rec->npend++] = (struct pending){ ev, ad, mdl };
	if (rec->npend == ROWS) {
		rec->npend = 0;
		err = step(rec, rec->ins_events, "writing events");
	}
	if (err ||
	    (ev->kind != DM_EV_ADAPTER_GET &&
	     ev->kind != DM_EV_ADAPTER_GET_OBSOLETE) ||
	    !ad)
		return err;
	st = rec->upd_adapter;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(uint32_t)ev->arg[2]);
	sqlite3_bind_int64(st, 2, ev->caller);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)ev->obj);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(ev->arg[2] >> 32));
	sqlite3_bind_int64(st, 5, (sqlite3_int64)ev->arg[0]);
	sqlite3_bind_int64(st, 6, ad);
	return step(rec, st, "writing an adapter");
}

static int write_meta(struct dm_rec *rec, struct meta *m)
{
	const struct dm_rule *r;
	sqlite3_stmt *st;
	sqlite3_int64 ad, gap;
	uint32_t i;
	int err;

	switch (m->type) {
	case M_STRING:
		st = rec->ins_string;
		sqlite3_bind_int64(st, 1, m->u.str.id);
		sqlite3_bind_text(st, 2, m->u.str.text, -1, SQLITE_STATIC);
		return step(rec, st, "writing a string");
	case M_VIOLATION:
		r = &dm_rules[m->u.v.rule];
		st = rec->ins_violation;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)m->u.v.seq);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)m->u.v.ts);
		sqlite3_bind_int(st, 3, r->code);
		sqlite3_bind_int(st, 4, r->sub);
		for (i = 0; i < 3; i++)
			sqlite3_bind_int64(st, 5 + i,
					   (sqlite3_int64)m->u.v.p[i]);
		sqlite3_bind_text(st, 8, r->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 9, (sqlite3_int64)m->u.v.adapter);
		sqlite3_bind_int64(st, 10, (sqlite3_int64)m->u.v.obj);
		sqlite3_bind_int64(st, 11, m->u.v.caller);
		sqlite3_bind_text(st, 12, r->text, -1, SQLITE_STATIC);
		return step(rec, st, "writing a violation");
	case M_CHECKPOINT:
		st = rec->ins_cp;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)m->u.cp.seq);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)m->u.cp.ts);
		sqlite3_bind_blob(st, 3, m->u.cp.blob, (int)m->u.cp.len,
				  SQLITE_STATIC);
		return step(rec, st, "writing a checkpoint");
	case M_GAP:
		st = rec->ins_gap;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)m->u.gap.first);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)m->u.gap.last);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)m->u.gap.ts_first);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)m->u.gap.ts_last);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)m->u.gap.events);
		err = step(rec, st, "writing a gap");
		/* taken now: a new adapter's row, below, is an insert too */
		gap = sqlite3_last_insert_rowid(rec->db);
		for (i = 0; !err && i <= m->u.gap.nad; i++) {
			uint64_t n = i < m->u.gap.nad ? m->u.gap.ad[i].events :
							m->u.gap.other;

			if (i == m->u.gap.nad && !n)
				break;
			err = i < m->u.gap.nad ?
				      adapter_id(rec, m->u.gap.ad[i].handle,
						 m->u.gap.first, &ad) :
				      0;
			if (i == m->u.gap.nad)
				ad = 0; /* the rest, together */
			st = rec->ins_gap_ad;
			sqlite3_bind_int64(st, 1, gap);
			sqlite3_bind_int64(st, 2, ad);
			sqlite3_bind_int64(st, 3, (sqlite3_int64)n);
			if (!err)
				err = step(rec, st, "writing a gap");
		}
		return err;
	}
	return 0;
}

static void meta_free(struct meta *m)
{
	if (m->type == M_STRING)
		free(m->u.str.text);
	else if (m->type == M_CHECKPOINT)
		free(m->u.cp.blob);
	free(m);
}

/* Meta items due once `upto` events are written, in order. */
static struct meta *take_meta(struct dm_rec *rec, uint64_t upto, bool all)
{
	struct meta *first, **link, *m;

	pthread_mutex_lock(&rec->lock);
	first = rec->mhead;
	link = &rec->mhead;
	for (m = rec->mhead; m && (all || m->tag <= upto); m = m->next)
		link = &m->next;
	if (m == first) {
		pthread_mutex_unlock(&rec->lock);
		return NULL;
	}
	*link = NULL; /* cut after the last item taken */
	rec->mhead = m;
	if (!m)
		rec->mtail = &rec->mhead;
	pthread_mutex_unlock(&rec->lock);
	return first;
}

/* Taken items back at the head, in order: their batch was rolled back. */
static void put_back_meta(struct dm_rec *rec, struct meta *first)
{
	struct meta *last = first;

	if (!first)
		return;
	while (last->next)
		last = last->next;
	pthread_mutex_lock(&rec->lock);
	last->next = rec->mhead;
	if (!rec->mhead)
		rec->mtail = &last->next;
	rec->mhead = first;
	pthread_mutex_unlock(&rec->lock);
}

static bool meta_pending(struct dm_rec *rec)
{
	bool any;

	pthread_mutex_lock(&rec->lock);
	any = rec->mhead != NULL;
	pthread_mutex_unlock(&rec->lock);
	return any;
}

/*
 * The writer commits what built up every WRITE_MS, or as soon as a
 * quarter of the ring is full: a wakeup per event, or a poll every
 * millisecond, would cost the traced system more than the writing.
 */
#define WRITE_MS 100

static uint64_t backlog(struct dm_rec *rec)
{
	return atomic_load(&rec->head) - atomic_load(&rec->tail);
}

/* The backlog that has the writer write at once: a quarter of the
 * ring, half when bursts wait (the producer kicks it there) */
static uint64_t due_at(const struct dm_rec *rec)
{
	return (rec->mask + 1) / (rec->defer ? 2 : 4);
}

static bool writer_due(struct dm_rec *rec)
{
	return atomic_load(&rec->stop) || backlog(rec) >= due_at(rec);
}

static void writer_wait(struct dm_rec *rec)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += WRITE_MS * 1000000L;
	until.tv_sec += until.tv_nsec / 1000000000L;
	until.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&rec->lock);
	while (!writer_due(rec) &&
	       pthread_cond_timedwait(&rec->wake, &rec->lock, &until) == 0)
		;
	pthread_mutex_unlock(&rec->lock);
}

/* Wake the writer early; under the lock, so that it cannot be between
 * its check and its wait. */
static void writer_kick(struct dm_rec *rec)
{
	pthread_mutex_lock(&rec->lock);
	pthread_cond_signal(&rec->wake);
	pthread_mutex_unlock(&rec->lock);
}

/*
 * With opts.idle the writer runs in the machine's idle time
 * (SCHED_IDLE): under TCG a row costs the guest about 7 us of CPU, more
 * than the rest of dmatop's work on the event, and a recording should
 * not slow down what it records. A thread at idle priority may not get
 * to run at all on a busy machine, so it is the producer that brings it
 * back to normal priority once half the ring has built up, and at the
 * end; the writer goes idle again when it has caught up. Coming back
 * needs CAP_SYS_NICE (kept for it when tracing the kernel) or an
 * RLIMIT_NICE that allows the nice value; without either the writer
 * stays at normal priority.
 */
static bool may_idle(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };
	struct rlimit rl;
	int nice;

	if (!syscall(SYS_capget, &h, d) &&
	    (d[0].effective & (1u << CAP_SYS_NICE)))
		return true;
	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);
	if (errno || getrlimit(RLIMIT_NICE, &rl))
		return false;
	return rl.rlim_cur == RLIM_INFINITY || 20 - (long)rl.rlim_cur <= nice;
}

/* Either side: the writer back at normal priority. */
static void writer_wake_up(struct dm_rec *rec)
{
	struct sched_param p = { 0 };

	if (atomic_exchange(&rec->idle_now, false))
		pthread_setschedparam(rec->thread, SCHED_OTHER, &p);
}

/* The writer, caught up: idle again. */
static void writer_idle(struct dm_rec *rec)
{
	struct sched_param p = { 0 };

	if (!rec->may_idle || atomic_load(&rec->idle_now) ||
	    atomic_load(&rec->stop) || backlog(rec) > (rec->mask + 1) / 16 ||
	    pthread_setschedparam(pthread_self(), SCHED_IDLE, &p))
		return;
	atomic_store(&rec->idle_now, true);
	/* the producer may have passed half the ring before it could
	 * see the flag: look again, while still running */
	if (backlog(rec) >= (rec->mask + 1) / 2 || atomic_load(&rec->stop))
		writer_wake_up(rec);
}

/*
 * Bursts wait. A live source's events come in bursts, and the burst is
 * when the traced machine is busiest: its idle CPUs are not idle for the
 * host under an emulator, or for the memory bus. So while events come
 * faster than DM_REC_QUIET_RATE, the writer leaves them in the ring, up
 * to half of it and for DM_REC_DEFER_MS at most, and writes them once
 * the stream has been slow for DM_REC_CALM_MS (a lull between two parts
 * of a workload is not the end of it). The cost is the same; it moves
 * out of the burst. What a crash of dmatop itself loses grows to that
 * much.
 */
bool dm_rec_burst(struct dm_rec_burst *b, uint64_t head, uint64_t now_ms,
		  uint64_t backlog, uint64_t cap)
{
	uint64_t ms = now_ms > b->at_ms ? now_ms - b->at_ms : 1;
	uint64_t last_ms = b->at_ms;
	bool fast = (head - b->head) * 1000 > DM_REC_QUIET_RATE * ms;

	b->head = head;
	b->at_ms = now_ms;
	if (!backlog || backlog >= cap / 2) {
		b->deferring = false;
		return false;
	}
	if (fast) {
		b->calm = false;
		if (!b->deferring) {
			b->deferring = true;
			b->since_ms = now_ms;
		}
	} else if (!b->deferring) {
		return false;
	} else if (!b->calm) {
		b->calm = true; /* since the last look */
		b->calm_ms = last_ms;
	}
	if (b->calm && now_ms - b->calm_ms >= DM_REC_CALM_MS) {
		b->deferring = b->calm = false;
		return false;
	}
	return now_ms - b->since_ms < DM_REC_DEFER_MS;
}

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

/* One transaction: n events from tail, and the items due with them. */
static int write_events(struct dm_rec *rec, uint64_t tail, uint64_t n, bool all,
			struct meta **taken)
{
	struct meta *m;
	uint64_t i;
	int err = 0;

	if (sqlite3_exec(rec->db, "BEGIN", NULL, NULL, NULL))
		err = sql_err(rec, sqlite3_errcode(rec->db),
			      "starting a transaction");
	for (i = 0; i < n && !err; i++)
		err = write_event(rec, &rec->ring[(tail + i) & rec->mask]);
	if (!err)
		err = flush_events(rec);
	rec->npend = 0;
	*taken = take_meta(rec, tail + n, all);
	for (m = *taken; m && !err; m = m->next)
		err = write_meta(rec, m);
	if (!err && sqlite3_exec(rec->db, "COMMIT", NULL, NULL, NULL))
		err = sql_err(rec, sqlite3_errcode(rec->db), "committing");
	if (err)
		sqlite3_exec(rec->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

/*
 * Writes *n events from tail, or as many of them as a transaction can
 * hold: one that fails (a disk about full) is tried again with half as
 * many, down to a statement's ROWS, so that what room is left is used
 * rather than a whole batch lost to it. Returns the error of the last
 * try, with *n the events it covered.
 */
static int write_batch(struct dm_rec *rec, uint64_t tail, uint64_t *n, bool all)
{
	struct meta *taken, *m, *next;
	int err = atomic_load(&rec->error);

	if (err) /* the recording has stopped: the items are only freed */
		taken = take_meta(rec, tail + *n, all);
	while (!err) {
		uint32_t nad = rec->nad, nmdl = rec->nmdl;

		rec->trying = *n > ROWS;
		err = write_events(rec, tail, *n, all, &taken);
		if (!err || !rec->trying)
			break;
		forget_ids(rec, nad, nmdl);
		put_back_meta(rec, taken);
		*n /= 2;
		all = false;
		err = 0;
	}
	rec->trying = false;
	if (err)
		set_error(rec, err, "writing");
	for (m = taken; m; m = next) {
		next = m->next;
		meta_free(m);
	}
	return err;
}

static void *writer(void *arg)
{
	struct dm_rec *rec = arg;

	for (;;) {
		uint64_t head =
			atomic_load_explicit(&rec->head, memory_order_acquire);
		uint64_t tail =
			atomic_load_explicit(&rec->tail, memory_order_relaxed);
		bool stopping = atomic_load(&rec->stop);
		uint64_t n = head - tail;
		int err = atomic_load(&rec->error);

		if (!n && !meta_pending(rec)) {
			if (stopping)
				break;
			writer_idle(rec);
			writer_wait(rec);
			continue;
		}
		/* a stopped recording drains at once: what it cannot
		 * write is lost, and should be counted so */
		if (n && rec->defer && !stopping && !err &&
		    dm_rec_burst(&rec->burst, head, mono_ms(), n,
				 rec->mask + 1)) {
			writer_wait(rec);
			continue;
		}
		if (n > BATCH)
			n = BATCH;
		err = write_batch(rec, tail, &n, stopping && n == head - tail);
		if (err) {
			atomic_fetch_add(&rec->dropped, n);
			atomic_fetch_add(&rec->failed, n);
		} else {
			atomic_fetch_add(&rec->written, n);
		}
		atomic_store_explicit(&rec->tail, tail + n,
				      memory_order_release);
		if (!writer_due(rec)) {
			writer_idle(rec);
			writer_wait(rec);
		}
	}
	return NULL;
}

/* ---- producer ---- */

static void enqueue(struct dm_rec *rec, struct meta *m)
{
	m->tag = atomic_load_explicit(&rec->head, memory_order_relaxed);
	m->next = NULL;
	pthread_mutex_lock(&rec->lock);
	*rec->mtail = m;
	rec->mtail = &m->next;
	pthread_mutex_unlock(&rec->lock);
}

static struct meta *meta_new(enum meta_type type)
{
	struct meta *m = calloc(1, sizeof(*m));

	if (m)
		m->type = type;
	return m;
}

static void sync_strings(struct dm_rec *rec)
{
	uint32_t n = dm_strtab_count(rec->strings);

	for (; rec->nstrings < n; rec->nstrings++) {
		struct meta *m = meta_new(M_STRING);
		const char *s = dm_strtab_get(rec->strings, rec->nstrings);

		if (!m || !(m->u.str.text = strdup(s))) {
			free(m);
			set_error(rec, -ENOMEM, "queueing a string");
			return;
		}
		m->u.str.id = rec->nstrings;
		enqueue(rec, m);
	}
}

static void gap_add(struct dm_rec *rec, const struct dm_event *ev)
{
	struct gap *g = &rec->gap;
	uint32_t i;

	if (!rec->gap_open) {
		memset(g, 0, sizeof(*g));
		g->first = ev->seq;
		g->ts_first = ev->ts;
		rec->gap_open = true;
	}
	g->last = ev->seq;
	g->ts_last = ev->ts;
	g->events++;
	for (i = 0; i < g->nad; i++)
		if (g->ad[i].handle == ev->adapter)
			break;
	if (i == g->nad && g->nad < GAP_ADAPTERS)
		g->ad[g->nad++].handle = ev->adapter;
	if (i < g->nad)
		g->ad[i].events++;
	else
		g->other++;
	atomic_fetch_add(&rec->dropped, 1);
}

static void gap_close(struct dm_rec *rec)
{
	struct meta *m = meta_new(M_GAP);

	rec->gap_open = false;
	rec->want_cp = true; /* the state must be exact past the gap */
	atomic_fetch_add(&rec->gaps, 1);
	if (!m) {
		set_error(rec, -ENOMEM, "queueing a gap");
		return;
	}
	m->u.gap = rec->gap;
	enqueue(rec, m);
}

/* Events the writer could not commit are lost to the recording as much
 * as those that did not fit: the verifier counts them among its losses,
 * told from the producer's side (the verifier is not the writer's). */
static void tell_failed(struct dm_rec *rec, struct dm_vrf *vrf)
{
	uint64_t failed =
		atomic_load_explicit(&rec->failed, memory_order_relaxed);
	struct dm_event lost = { .kind = DM_EV_LOST, .flags = DM_F_GAP };

	if (!vrf || failed == rec->failed_told)
		return;
	lost.arg[0] = failed - rec->failed_told;
	rec->failed_told = failed;
	dm_vrf_count_lost(vrf, &lost);
}

bool dm_rec_settle(struct dm_rec *rec, struct dm_vrf *vrf)
{
	/* the tail first: the writer counts what failed before it
	 * moves the tail past it */
	uint64_t tail = atomic_load_explicit(&rec->tail, memory_order_acquire);

	tell_failed(rec, vrf);
	return tail == atomic_load_explicit(&rec->head, memory_order_relaxed);
}

int dm_rec_event(struct dm_rec *rec, struct dm_vrf *vrf,
		 const struct dm_event *ev)
{
	static const struct dm_event not_recorded = {
		.kind = DM_EV_LOST,
		.flags = DM_F_GAP,
		.arg = { 1 },
	};

	uint64_t head = atomic_load_explicit(&rec->head, memory_order_relaxed);
	uint64_t fill;
	const struct timespec nap = { 0, 50000 };

	tell_failed(rec, vrf);
	if (dm_strtab_count(rec->strings) != rec->nstrings)
		sync_strings(rec);
	while (head - atomic_load_explicit(&rec->tail, memory_order_acquire) >
	       rec->mask) {
		if (!rec->block || atomic_load(&rec->error)) {
			gap_add(rec, ev);
			if (vrf)
				dm_vrf_count_lost(vrf, &not_recorded);
			return -ENOBUFS;
		}
		nanosleep(&nap, NULL);
	}
	if (rec->gap_open)
		gap_close(rec);
	rec->ring[head & rec->mask] = *ev;
	atomic_store_explicit(&rec->head, head + 1, memory_order_release);
	rec->since_cp++;
	/* the backlog passes through each count on its way up: at
	 * due_at(), wake the writer; at half, it competes for CPU from
	 * here on */
	fill = head + 1 -
	       atomic_load_explicit(&rec->tail, memory_order_relaxed);
	if (fill == (rec->mask + 1) / 2)
		writer_wake_up(rec);
	if (fill == due_at(rec))
		writer_kick(rec);
	return 0;
}

void dm_rec_violation(struct dm_rec *rec, const struct dm_violation *v)
{
	struct meta *m = meta_new(M_VIOLATION);

	if (!m) {
		set_error(rec, -ENOMEM, "queueing a violation");
		return;
	}
	m->u.v = *v;
	enqueue(rec, m);
	atomic_fetch_add(&rec->violations, 1);
}

bool dm_rec_want_checkpoint(struct dm_rec *rec, const struct dm_vrf *vrf)
{
	uint64_t size = dm_vrf_size(vrf) * CP_FACTOR;

	if (rec->gap_open)
		return false; /* after the gap closes */
	return rec->want_cp ||
	       rec->since_cp >= (size > CP_EVENTS ? size : CP_EVENTS);
}

void dm_rec_checkpoint(struct dm_rec *rec, const struct dm_vrf *vrf,
		       uint64_t seq, uint64_t ts)
{
	struct meta *m = meta_new(M_CHECKPOINT);

	rec->want_cp = false;
	rec->since_cp = 0;
	if (!m || dm_vrf_save(vrf, &m->u.cp.blob, &m->u.cp.len)) {
		free(m);
		set_error(rec, -ENOMEM, "saving a checkpoint");
		return;
	}
	m->u.cp.seq = seq;
	m->u.cp.ts = ts;
	enqueue(rec, m);
	atomic_fetch_add(&rec->checkpoints, 1);
}

void dm_rec_stats(struct dm_rec *rec, struct dm_rec_stats *st)
{
	uint64_t head = atomic_load(&rec->head);

	st->queued = head;
	st->written = atomic_load(&rec->written);
	st->dropped = atomic_load(&rec->dropped);
	st->gaps = atomic_load(&rec->gaps);
	st->violations = atomic_load(&rec->violations);
	st->checkpoints = atomic_load(&rec->checkpoints);
	st->backlog = head - atomic_load(&rec->tail);
	st->queue = rec->mask + 1;
	st->error = atomic_load(&rec->error);
	st->wal_kept = false;
}

const char *dm_rec_error(struct dm_rec *rec)
{
	return atomic_load(&rec->error) ? rec->errmsg : "";
}

/* ---- open and close ---- */

static int prepare(struct dm_rec *rec, sqlite3_stmt **st, const char *sql)
{
	int rc = sqlite3_prepare_v3(rec->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
				    st, NULL);

	return rc == SQLITE_OK ? 0 : sql_err(rec, rc, "preparing statements");
}

static int session_put(struct dm_rec *rec, const char *key, const char *text,
		       sqlite3_int64 num)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(rec->db,
				"INSERT OR REPLACE INTO session "
				"VALUES (?, ?)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_err(rec, rc, "writing the session");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (text)
		sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 2, num);
	rc = step(rec, st, "writing the session");
	sqlite3_finalize(st);
	return rc;
}

static int write_session(struct dm_rec *rec, const struct dm_rec_opts *o)
{
	struct utsname u;
	struct timespec now;
	char when[64], host[256] = "";
	int err;

	clock_gettime(CLOCK_REALTIME, &now);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now.tv_sec));
	gethostname(host, sizeof(host) - 1);
	if (uname(&u))
		memset(&u, 0, sizeof(u));
	err = session_put(rec, "source", o->source, 0);
	if (!err)
		err = session_put(rec, "detail", o->detail ? o->detail : "", 0);
	if (!err)
		err = session_put(
			rec, "rules",
			o->rulesets == (DM_RULES_HAL | DM_RULES_LINUX) ?
				"hal linux" :
			o->rulesets & DM_RULES_LINUX ? "linux" :
						       "hal",
			0);
	/* a kernel has no seed: a simulation's alone */
	if (!err && o->source && !strcmp(o->source, "sim"))
		err = session_put(rec, "seed", NULL, (sqlite3_int64)o->seed);
	if (!err)
		err = session_put(rec, "host", host, 0);
	if (!err)
		err = session_put(rec, "kernel", u.release, 0);
	if (!err)
		err = session_put(rec, "started", when, 0);
	if (!err)
		err = session_put(rec, "started_ns", NULL,
				  (sqlite3_int64)now.tv_sec * 1000000000 +
					  now.tv_nsec);
	if (!err)
		err = session_put(rec, "dmatop_version", PACKAGE_VERSION, 0);
	return err;
}

static void rec_free(struct dm_rec *rec)
{
	struct meta *m, *next;

	for (m = rec->mhead; m; m = next) {
		next = m->next;
		meta_free(m);
	}
	sqlite3_finalize(rec->ins_event);
	sqlite3_finalize(rec->ins_events);
	sqlite3_finalize(rec->ins_string);
	sqlite3_finalize(rec->ins_violation);
	sqlite3_finalize(rec->ins_cp);
	sqlite3_finalize(rec->ins_gap);
	sqlite3_finalize(rec->ins_gap_ad);
	sqlite3_finalize(rec->ins_adapter);
	sqlite3_finalize(rec->upd_adapter);
	sqlite3_finalize(rec->ins_mdl);
	sqlite3_close(rec->db);
	if (rec->hold >= 0)
		close(rec->hold);
	dm_hmap_fini(&rec->ad_ids);
	dm_hmap_fini(&rec->mdl_ids);
	free(rec->ad_last);
	free(rec->mdls);
	if (rec->ring)
		munmap(rec->ring, (rec->mask + 1) * sizeof(*rec->ring));
	pthread_mutex_destroy(&rec->lock);
	pthread_cond_destroy(&rec->wake);
	free(rec);
}

/*
 * The ring's memory, taken now: faulting it in 4 KiB at a time as events
 * arrive would cost the traced system a page fault every 42 events in
 * the middle of a burst (under TCG, 0.2 us of dmatop's kernel time an
 * event). In huge pages where the kernel has them.
 */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older C libraries lack it */
#endif

static void *ring_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, bytes, MADV_HUGEPAGE);
	if (madvise(p, bytes, MADV_POPULATE_WRITE) && errno == EINVAL)
		/* before Linux 5.14 */
		for (i = 0; i < bytes; i += 4096)
			((volatile char *)p)[i] = 0;
	return p;
}

int dm_rec_open(struct dm_rec **out, const struct dm_rec_opts *o,
		const struct dm_strtab *strings, char *errbuf, size_t len)
{
	pthread_condattr_t ca;
	uint64_t cap = 1;
	struct dm_rec *rec;
	int err;

	*out = NULL;
	rec = calloc(1, sizeof(*rec));
	if (!rec)
		return -ENOMEM;
	rec->hold = -1;
	pthread_mutex_init(&rec->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC); /* writer_wait() */
	pthread_cond_init(&rec->wake, &ca);
	pthread_condattr_destroy(&ca);
	rec->mtail = &rec->mhead;
	snprintf(rec->path, sizeof(rec->path), "%s", o->path);
	snprintf(rec->dir, sizeof(rec->dir), "%s", o->path);
	if (strrchr(rec->dir, '/'))
		strrchr(rec->dir, '/')[1] = 0;
	else
		strcpy(rec->dir, ".");
	rec->strings = strings;
	rec->block = o->block;
	rec->may_idle = o->idle && may_idle();
	rec->defer = o->idle;
	rec->burst.at_ms = mono_ms();
	while (cap < (o->queue ? o->queue : o->idle ? 1u << 19 : 1u << 18))
		cap <<= 1;
	rec->mask = cap - 1;
	rec->ring = ring_alloc(cap * sizeof(*rec->ring));
	if (!rec->ring || dm_hmap_init(&rec->ad_ids, 64) ||
	    dm_hmap_init(&rec->mdl_ids, 256)) {
		rec_free(rec);
		return -ENOMEM;
	}
	err = dm_db_create(&rec->db, o->path, errbuf, len);
	if (err) {
		rec_free(rec);
		return err;
	}
	/* no hold (a file system without flock) only costs readers the
	 * difference between "in progress" and "its recorder died" */
	rec->hold = dm_db_hold(o->path);
	err = prepare(rec, &rec->ins_event,
		      "INSERT INTO event VALUES "
		      "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!err) {
		char sql[80 + ROWS * 36] = "INSERT INTO event VALUES ";
		unsigned r;

		for (r = 0; r < ROWS; r++)
			strcat(sql, r ? ",(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" :
					"(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
		err = prepare(rec, &rec->ins_events, sql);
	}
	if (!err)
		err = prepare(rec, &rec->ins_string,
			      "INSERT INTO string VALUES (?, ?)");
	if (!err)
		err = prepare(rec, &rec->ins_violation,
			      "INSERT INTO violation (seq, ts, code, sub, p2, "
			      "p3, p4, rule, adapter, object, caller, message)"
			      " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
	if (!err)
		err = prepare(rec, &rec->ins_cp,
			      "INSERT OR REPLACE INTO checkpoint VALUES "
			      "(?, ?, ?)");
	if (!err)
		err = prepare(rec, &rec->ins_gap,
			      "INSERT INTO gap (first_seq, last_seq, ts_first,"
			      " ts_last, events, reason) VALUES (?,?,?,?,?,"
			      "'recorder queue full')");
	if (!err)
		err = prepare(rec, &rec->ins_gap_ad,
			      "INSERT OR REPLACE INTO gap_adapter VALUES "
			      "(?, ?, ?)");
	if (!err)
		err = prepare(rec, &rec->ins_adapter,
			      "INSERT INTO adapter (id, handle, first_seq) "
			      "VALUES (?, ?, ?)");
	if (!err)
		err = prepare(rec, &rec->upd_adapter,
			      "UPDATE adapter SET name = ?, owner = ?, "
			      "device_object = ?, max_map_registers = ?, "
			      "description = ? WHERE id = ?");
	if (!err)
		err = prepare(rec, &rec->ins_mdl,
			      "INSERT INTO mdl VALUES (?, ?, ?, ?)");
	if (!err)
		err = write_session(rec, o);
	if (!err && pthread_create(&rec->thread, NULL, writer, rec))
		err = -EAGAIN;
	if (err) {
		snprintf(errbuf, len, "%s: %s", o->path,
			 rec->errmsg[0] ? rec->errmsg : strerror(-err));
		rec_free(rec);
		return err;
	}
	rec->started = true;
	*out = rec;
	return 0;
}

/* The verifier counts what did not fit here among its losses; the
 * session's figure is the source's alone. */
static uint64_t source_lost(const struct dm_vrf *vrf, uint64_t dropped)
{
	uint64_t lost = vrf ? dm_vrf_stats(vrf)->lost : 0;

	return lost > dropped ? lost - dropped : 0;
}

int dm_rec_close(struct dm_rec *rec, struct dm_vrf *vrf, uint64_t seq,
		 uint64_t ts, struct dm_rec_stats *out, char *errbuf,
		 size_t len)
{
	struct dm_rec_stats st;
	uint32_t i;
	int err, rc;

	if (!rec)
		return 0;
	if (rec->gap_open)
		gap_close(rec);
	sync_strings(rec);
	if (vrf && (rec->since_cp || rec->want_cp))
		dm_rec_checkpoint(rec, vrf, seq, ts);
	atomic_store(&rec->stop, true);
	writer_wake_up(rec);
	writer_kick(rec);
	if (rec->started)
		pthread_join(rec->thread, NULL);
	tell_failed(rec, vrf);
	dm_rec_stats(rec, &st);
	err = atomic_load(&rec->error);
	if (!err) {
		char sql[512];

		snprintf(sql, sizeof(sql),
			 "BEGIN; INSERT OR REPLACE INTO session VALUES "
			 "('events', %llu), ('violations', %llu), "
			 "('dropped', %llu), ('gaps', %llu), "
			 "('lost', %llu), ('ended', '%s');",
			 (unsigned long long)st.queued + st.dropped,
			 (unsigned long long)st.violations,
			 (unsigned long long)st.dropped,
			 (unsigned long long)st.gaps,
			 (unsigned long long)source_lost(vrf, st.dropped),
			 "clean");
		if (sqlite3_exec(rec->db, sql, NULL, NULL, NULL))
			err = sql_err(rec, sqlite3_errcode(rec->db),
				      "closing the session");
		for (i = 0; !err && i < rec->nad; i++) {
			snprintf(sql, sizeof(sql),
				 "UPDATE adapter SET last_seq = %llu WHERE "
				 "id = %u",
				 (unsigned long long)rec->ad_last[i], i + 1);
			if (sqlite3_exec(rec->db, sql, NULL, NULL, NULL))
				err = sql_err(rec, sqlite3_errcode(rec->db),
					      "closing the session");
		}
		if (!err && sqlite3_exec(rec->db, "COMMIT", NULL, NULL, NULL))
			err = sql_err(rec, sqlite3_errcode(rec->db),
				      "closing the session");
		/* a closed recording is one file: readable without write
		 * access to its directory, copied without its -wal. A
		 * reader that has it open (a replay of the recording in
		 * progress) holds that off: wait for it a little, then
		 * leave the file whole with its -wal, and say so. */
		if (!err) {
			sqlite3_busy_timeout(rec->db, 2000);
			rc = sqlite3_exec(rec->db,
					  "PRAGMA journal_mode = DELETE", NULL,
					  NULL, NULL);
			if (rc == SQLITE_BUSY)
				st.wal_kept = true;
			else if (rc)
				err = sql_err(rec, rc, "closing the session");
		}
	}
	if (out)
		*out = st;
	if (err)
		snprintf(errbuf, len, "%s", rec->errmsg);
	rec_free(rec);
	return err;
}
