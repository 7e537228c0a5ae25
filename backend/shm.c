/*
 * shm.c - see shm.h for the layout and the protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shm.h"

#define ATOMIC_LOAD(p)	   __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ATOMIC_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The kernel's flag for a task in exit(), shown in /proc/PID/stat. */
#define PF_EXITING 0x4

/* The kernel's flag for a task in exit(), shown in /proc/PID/stat. */
#define PF_EXITING 0x4

uint64_t dm_shm_stat_start(const char *stat)
{
	const char *p = strrchr(stat, ')'); /* the command may hold spaces */
	unsigned long long v = 0;
	int i;

	/* a killed process not yet reaped is dead all the same */
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	for (i = 2; p && i < 31; i++) {
		p = strchr(p + 1, ' ');
		/* being killed or tearing down, which can outlast two
		 * heartbeats on a loaded machine: not a hang */
		if (p && i == 8 && (strtoull(p + 1, NULL, 10) & PF_EXITING))
			return 0;
		if (p && i == 21)
			v = strtoull(p + 1, NULL, 10);
		if (p && i == 30 &&
		    (strtoull(p + 1, NULL, 10) & (1ull << (SIGKILL - 1))))
			return 0;
	}
	return v;
}

uint64_t dm_shm_pid_start(pid_t pid)
{
	char path[64], buf[1024];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return dm_shm_stat_start(buf);
}

/* Word-wise FNV-1a: fast enough to run over every publish. */
static uint64_t checksum(uint64_t h, const uint8_t *p, size_t n)
{
	uint64_t w;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0x100000001b3ull;
	}
	for (; n; n--)
		h = (h ^ *p++) * 0x100000001b3ull;
	return h;
}

int dm_shm_path(char *out, size_t len, const char *name)
{
	const char *c;

	if (!*name || strlen(name) > DM_SHM_NAME_MAX)
		return -EINVAL;
	for (c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' ||
		      *c == '.'))
			return -EINVAL;
	snprintf(out, len, "/dmatop-%s", name);
	return 0;
}

static bool header_ok(const struct dm_shm_header *h)
{
	return !memcmp(h->magic, DM_SHM_MAGIC, 8) &&
	       h->version == DM_SHM_VERSION && h->header_size == sizeof(*h) &&
	       h->event_size == sizeof(struct dm_event) &&
	       h->violation_size == sizeof(struct dm_violation);
}

/* The process that wrote a header: alive and the same one? */
static bool writer_alive(const struct dm_shm_header *h)
{
	pid_t pid = (pid_t)h->writer_pid;

	if (pid <= 0 || (kill(pid, 0) && errno == ESRCH))
		return false;
	return !h->writer_start || dm_shm_pid_start(pid) == h->writer_start;
}

/* ---- the writer ---- */

struct dm_shm_writer {
	int fd;
	char path[96];
	uint8_t *map;
	size_t mapped;
	struct dm_shm_header *hdr;
};

/* Someone's segment is at the name: find out whose, and whether it may
 * go. 0 when it was a dead backend's and has been removed. */
static int claim(const char *path, pid_t *stale, char *errbuf, size_t len)
{
	struct dm_shm_header h;
	char dev[128];
	struct stat sb;
	int fd;

	snprintf(dev, sizeof(dev), "/dev/shm%s", path);
	if (!lstat(dev, &sb) && S_ISLNK(sb.st_mode)) {
		snprintf(errbuf, len, "%s is a symlink: refused; remove it",
			 dev);
		return -ELOOP;
	}
	fd = shm_open(path, O_RDONLY | O_NOFOLLOW, 0);
	if (fd < 0 && errno == EACCES && !lstat(dev, &sb)) {
		snprintf(errbuf, len,
			 "%s belongs to uid %u and is not readable by you: "
			 "choose another --name",
			 dev, (unsigned)sb.st_uid);
		return -EEXIST;
	}
	if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode) ||
	    sb.st_size < (off_t)DM_SHM_PAYLOAD ||
	    pread(fd, &h, sizeof(h), 0) != sizeof(h) || !header_ok(&h)) {
		if (fd >= 0)
			close(fd);
		snprintf(errbuf, len,
			 "%s exists and is not a dmatop segment: remove it or "
			 "choose another --name",
			 dev);
		return -EEXIST;
	}
	close(fd);
	if (writer_alive(&h)) {
		snprintf(errbuf, len,
			 "a backend of that name is running (pid %llu): stop "
			 "it, attach to it, or choose another --name",
			 (unsigned long long)h.writer_pid);
		return -EEXIST;
	}
	if (sb.st_uid != geteuid() && geteuid() != 0) {
		snprintf(errbuf, len,
			 "%s was left by a dead backend of uid %u: its owner "
			 "or root must remove it",
			 dev, (unsigned)sb.st_uid);
		return -EPERM;
	}
	*stale = (pid_t)h.writer_pid;
	shm_unlink(path);
	return 0;
}

static int writer_map(struct dm_shm_writer *w, size_t size)
{
	uint8_t *map;

	if (ftruncate(w->fd, (off_t)size))
		return -errno;
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, w->fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	if (w->map)
		munmap(w->map, w->mapped);
	w->map = map;
	w->mapped = size;
	w->hdr = (struct dm_shm_header *)map;
	return 0;
}

int dm_shm_create(struct dm_shm_writer **out,
		  const struct dm_shm_writer_opts *o, pid_t *stale_pid,
		  char *errbuf, size_t len)
{
	struct dm_shm_writer *w;
	mode_t mode = o->group == (gid_t)-1 ? 0600 : 0640;
	int err, tries;

	*out = NULL;
	*stale_pid = 0;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	if (dm_shm_path(w->path, sizeof(w->path), o->name)) {
		snprintf(errbuf, len,
			 "--name=%s: use up to %d letters, digits, '-', '_' "
			 "or '.'",
			 o->name, DM_SHM_NAME_MAX);
		free(w);
		return -EINVAL;
	}
	for (tries = 0;; tries++) {
		w->fd = shm_open(w->path,
				 O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
		if (w->fd >= 0 || errno != EEXIST || tries)
			break;
		err = claim(w->path, stale_pid, errbuf, len);
		if (err) {
			free(w);
			return err;
		}
	}
	if (w->fd < 0) {
		err = -errno;
		snprintf(errbuf, len, "cannot create /dev/shm%s: %s", w->path,
			 strerror(errno));
		free(w);
		return err;
	}
	/* the umask must not loosen or tighten what we chose */
	if (fchmod(w->fd, mode) ||
	    (o->group != (gid_t)-1 && fchown(w->fd, (uid_t)-1, o->group))) {
		err = -errno;
		snprintf(errbuf, len, "cannot set the owner of /dev/shm%s: %s",
			 w->path, strerror(errno));
		goto err_unlink;
	}
	err = writer_map(w, DM_SHM_PAYLOAD * 16);
	if (err) {
		snprintf(errbuf, len, "cannot map /dev/shm%s: %s", w->path,
			 strerror(-err));
		goto err_unlink;
	}
	w->hdr->version = DM_SHM_VERSION;
	w->hdr->header_size = sizeof(*w->hdr);
	w->hdr->event_size = sizeof(struct dm_event);
	w->hdr->violation_size = sizeof(struct dm_violation);
	w->hdr->writer_pid = (uint64_t)getpid();
	w->hdr->writer_start = dm_shm_pid_start(getpid());
	ATOMIC_STORE(&w->hdr->size, w->mapped);
	ATOMIC_STORE(&w->hdr->heartbeat, now_ns());
	/* the magic last: a viewer that sees it sees the rest (one that
	 * came before read no writer and no heartbeat: "gone") */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(w->hdr->magic, DM_SHM_MAGIC, 8);
	*out = w;
	return 0;

err_unlink:
	shm_unlink(w->path);
	close(w->fd);
	free(w);
	return err;
}

void dm_shm_heartbeat(struct dm_shm_writer *w)
{
	ATOMIC_STORE(&w->hdr->heartbeat, now_ns());
}

uint64_t dm_shm_generation(const struct dm_shm_writer *w)
{
	return ATOMIC_LOAD(&w->hdr->generation);
}

static void put_part(struct dm_shm_part *part, uint64_t *at, size_t len)
{
	part->off = *at;
	part->len = len;
	*at += (len + 7) & ~(size_t)7;
}

int dm_shm_publish(struct dm_shm_writer *w, const struct dm_vrf *vrf,
		   const struct dm_strtab *st, const struct dm_event *recent,
		   size_t nrecent, const struct dm_violation *viol,
		   size_t nviol, const struct dm_shm_counters *c,
		   const char *source, const char *recording)
{
	uint32_t i, ns = dm_strtab_count(st);
	size_t strings = 4, need, blob_len;
	struct dm_shm_header *h;
	uint64_t at = DM_SHM_PAYLOAD, gen, sum;
	uint8_t *p;
	void *blob;
	int err;

	for (i = 0; i < ns; i++)
		strings += 4 + strlen(dm_strtab_get(st, i));
	err = dm_vrf_save(vrf, &blob, &blob_len);
	if (err)
		return err;
	need = DM_SHM_PAYLOAD + ((strings + 7) & ~7ul) +
	       ((blob_len + 7) & ~7ul) + nviol * sizeof(*viol) +
	       nrecent * sizeof(*recent);
	gen = ATOMIC_LOAD(&w->hdr->generation);
	ATOMIC_STORE(&w->hdr->generation, gen + 1);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (need > w->mapped) {
		size_t size = w->mapped;

		while (size < need)
			size *= 2;
		err = writer_map(w, size);
		if (err) {
			ATOMIC_STORE(&w->hdr->generation, gen + 2);
			free(blob);
			return err;
		}
		ATOMIC_STORE(&w->hdr->size, w->mapped);
	}
	h = w->hdr;
	put_part(&h->strings, &at, strings);
	put_part(&h->state, &at, blob_len);
	put_part(&h->violations, &at, nviol * sizeof(*viol));
	put_part(&h->events, &at, nrecent * sizeof(*recent));
	p = w->map + h->strings.off;
	memcpy(p, &ns, 4);
	p += 4;
	for (i = 0; i < ns; i++) {
		const char *s = dm_strtab_get(st, i);
		uint32_t l = (uint32_t)strlen(s);

		memcpy(p, &l, 4);
		memcpy(p + 4, s, l);
		p += 4 + l;
	}
	memcpy(w->map + h->state.off, blob, blob_len);
	free(blob);
	if (nviol)
		memcpy(w->map + h->violations.off, viol, nviol * sizeof(*viol));
	if (nrecent)
		memcpy(w->map + h->events.off, recent,
		       nrecent * sizeof(*recent));
	sum = checksum(0xcbf29ce484222325ull, w->map + h->strings.off,
		       h->strings.len);
	sum = checksum(sum, w->map + h->state.off, h->state.len);
	sum = checksum(sum, w->map + h->violations.off, h->violations.len);
	sum = checksum(sum, w->map + h->events.off, h->events.len);
	h->checksum = sum;
	h->events_seen = c->seen;
	h->events_dropped = c->dropped;
	h->events_recorded = c->recorded;
	h->violations_total = c->violations;
	h->lost = c->lost;
	h->recorder_backlog = c->backlog;
	h->recorder_queue = c->queue;
	h->recorder_error = (uint32_t)-c->recorder_error;
	h->flags = (c->ended ? DM_SHM_ENDED : 0) |
		   (c->stopped ? DM_SHM_STOPPED : 0);
	snprintf(h->source, sizeof(h->source), "%s", source ? source : "");
	snprintf(h->recording, sizeof(h->recording), "%s",
		 recording ? recording : "");
	snprintf(h->recorder_msg, sizeof(h->recorder_msg), "%s",
		 c->recorder_msg ? c->recorder_msg : "");
	h->published = now_ns();
	ATOMIC_STORE(&h->heartbeat, h->published);
	ATOMIC_STORE(&h->generation, gen + 2);
	return 0;
}

void dm_shm_destroy(struct dm_shm_writer *w)
{
	if (!w)
		return;
	shm_unlink(w->path);
	if (w->map)
		munmap(w->map, w->mapped);
	close(w->fd);
	free(w);
}

/* ---- a viewer ---- */

struct dm_shm_reader {
	char why[160];
	int fd;
	char path[96];
	const uint8_t *map;
	size_t mapped;
	const struct dm_shm_header *hdr;
};

static bool in_group(gid_t gid)
{
	gid_t groups[256];
	int i, n = getgroups(256, groups);

	if (gid == getegid())
		return true;
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

static int reader_map(struct dm_shm_reader *r, size_t size)
{
	void *map = mmap(NULL, size, PROT_READ, MAP_SHARED, r->fd, 0);

	if (map == MAP_FAILED)
		return -errno;
	if (r->map)
		munmap((void *)r->map, r->mapped);
	r->map = map;
	r->mapped = size;
	r->hdr = map;
	return 0;
}

int dm_shm_attach(struct dm_shm_reader **out, const char *name, char *errbuf,
		  size_t len)
{
	struct dm_shm_reader *r;
	char dev[128];
	struct stat sb;
	int err;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	if (dm_shm_path(r->path, sizeof(r->path), name)) {
		snprintf(errbuf, len, "--attach=%s: not a backend name", name);
		err = -EINVAL;
		goto err_free;
	}
	snprintf(dev, sizeof(dev), "/dev/shm%s", r->path);
	if (!lstat(dev, &sb) && S_ISLNK(sb.st_mode)) {
		snprintf(errbuf, len, "%s is a symlink: refused", dev);
		err = -ELOOP;
		goto err_free;
	}
	r->fd = shm_open(r->path, O_RDONLY | O_NOFOLLOW, 0);
	if (r->fd < 0 && errno == EACCES && !stat(dev, &sb)) {
		struct passwd *pw = getpwuid(sb.st_uid);
		struct group *gr = getgrgid(sb.st_gid);

		err = -EACCES;
		if (sb.st_mode & S_IRGRP)
			snprintf(errbuf, len,
				 "the backend '%s' is %s's, shared with the "
				 "group %s, which this user is not in (add it: "
				 "usermod -aG %s USER, then log in again)",
				 name, pw ? pw->pw_name : "another user",
				 gr ? gr->gr_name : "of its segment",
				 gr ? gr->gr_name : "GROUP");
		else
			snprintf(errbuf, len,
				 "the backend '%s' is %s's, and lets no one "
				 "else attach: its owner can start it with "
				 "--group=GROUP for GROUP's members to attach",
				 name, pw ? pw->pw_name : "another user");
		goto err_free;
	}
	if (r->fd < 0) {
		err = -errno;
		snprintf(errbuf, len,
			 errno == ENOENT ?
				 "no backend named '%s' is running (start one "
				 "with dmatop --backend --name=%s)" :
				 "cannot open the backend '%s': %s",
			 name, errno == ENOENT ? name : strerror(errno));
		goto err_free;
	}
	if (fstat(r->fd, &sb) || !S_ISREG(sb.st_mode) ||
	    sb.st_size < (off_t)DM_SHM_PAYLOAD) {
		snprintf(errbuf, len, "%s is not a dmatop segment", dev);
		err = -EINVAL;
		goto err_close;
	}
	/* trust a segment of our own, root's, or one shared with a group
	 * we are in (--group); never one another user could have planted
	 * for us to read */
	if (sb.st_uid != geteuid() && sb.st_uid != 0 &&
	    !((sb.st_mode & S_IRGRP) && in_group(sb.st_gid))) {
		snprintf(errbuf, len,
			 "%s belongs to uid %u, not to you: refused", dev,
			 (unsigned)sb.st_uid);
		err = -EPERM;
		goto err_close;
	}
	err = reader_map(r, (size_t)sb.st_size);
	if (err) {
		snprintf(errbuf, len, "cannot map %s: %s", dev, strerror(-err));
		goto err_close;
	}
	if (memcmp(r->hdr->magic, DM_SHM_MAGIC, 8)) {
		/* a backend creating it has yet to write the magic */
		snprintf(errbuf, len,
			 "%s is not a dmatop segment (or one being made: try "
			 "again)",
			 dev);
		err = -EINVAL;
		goto err_close;
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (!header_ok(r->hdr)) {
		snprintf(errbuf, len,
			 "%s has layout version %u; this dmatop reads %u: use "
			 "the dmatop of that backend",
			 dev, r->hdr->version, DM_SHM_VERSION);
		err = -EPROTO;
		goto err_close;
	}
	*out = r;
	return 0;

err_close:
	if (r->map)
		munmap((void *)r->map, r->mapped);
	close(r->fd);
err_free:
	free(r);
	return err;
}

void dm_shm_detach(struct dm_shm_reader *r)
{
	if (!r)
		return;
	munmap((void *)r->map, r->mapped);
	close(r->fd);
	free(r);
}

const struct dm_shm_header *dm_shm_header(struct dm_shm_reader *r)
{
	return r->hdr;
}

bool dm_shm_alive(struct dm_shm_reader *r, const char **why)
{
	uint64_t hb = ATOMIC_LOAD(&r->hdr->heartbeat), now = now_ns();

	if (!writer_alive(r->hdr)) {
		*why = "its process has exited";
		return false;
	}
	/* a backend whose source ended publishes no more: closing its
	 * recording may take seconds, and is no hang */
	if (!(ATOMIC_LOAD(&r->hdr->flags) & DM_SHM_ENDED) && now > hb &&
	    now - hb > DM_SHM_GONE_NS) {
		snprintf(r->why, sizeof(r->why),
			 "its heartbeat stopped %llu ms ago (two are %llu ms):"
			 " it hangs or was stopped",
			 (unsigned long long)(now - hb) / 1000000,
			 (unsigned long long)DM_SHM_GONE_NS / 1000000);
		*why = r->why;
		return false;
	}
	*why = "";
	return true;
}

bool dm_shm_exited(struct dm_shm_reader *r)
{
	return !writer_alive(r->hdr);
}

static bool part_ok(const struct dm_shm_part *p, size_t mapped)
{
	return p->off >= DM_SHM_PAYLOAD && p->off <= mapped &&
	       p->len <= mapped - p->off;
}

/* Build the viewer's copies from a payload that checked out. */
static int parse(struct dm_shm_snapshot *s, const uint8_t *strings, size_t slen,
		 const uint8_t *state, size_t state_len)
{
	uint32_t n, i, l, id;
	size_t at = 4;
	char *tmp;

	s->strings = dm_strtab_new();
	s->vrf = dm_vrf_new(DM_RULES_HAL | DM_RULES_LINUX, NULL, NULL);
	if (!s->strings || !s->vrf || slen < 4)
		return s->strings && s->vrf ? -EIO : -ENOMEM;
	memcpy(&n, strings, 4);
	for (i = 0; i < n; i++) {
		if (slen - at < 4)
			return -EIO;
		memcpy(&l, strings + at, 4);
		if (l > slen - at - 4 || l > DM_STRTAB_MAXLEN)
			return -EIO;
		tmp = strndup((const char *)strings + at + 4, l);
		if (!tmp)
			return -ENOMEM;
		/* ids must come out as the writer had them */
		if (dm_strtab_intern(s->strings, tmp, &id) || id != i) {
			free(tmp);
			return -EIO;
		}
		free(tmp);
		at += 4 + l;
	}
	return dm_vrf_load(s->vrf, state, state_len) ? -EIO : 0;
}

int dm_shm_snapshot(struct dm_shm_reader *r, struct dm_shm_snapshot *s)
{
	uint8_t *strings = NULL, *state = NULL;
	unsigned tries;
	int err = -EBUSY;

	memset(s, 0, sizeof(*s));
	for (tries = 0; tries < DM_SHM_RETRIES; tries++) {
		uint64_t g1 = ATOMIC_LOAD(&r->hdr->generation), g2, sum;
		size_t size = ATOMIC_LOAD(&r->hdr->size);
		struct dm_shm_header h;

		if (tries > 10)
			sched_yield();
		if (g1 & 1)
			continue;
		if (size > r->mapped && reader_map(r, size))
			return -ENOMEM;
		memcpy(&h, r->hdr, sizeof(h));
		if (!part_ok(&h.strings, r->mapped) ||
		    !part_ok(&h.state, r->mapped) ||
		    !part_ok(&h.violations, r->mapped) ||
		    !part_ok(&h.events, r->mapped))
			goto again; /* a directory from a half-write */
		free(strings);
		free(state);
		free(s->events);
		free(s->violations);
		strings = malloc(h.strings.len + 1);
		state = malloc(h.state.len + 1);
		s->events = malloc(h.events.len + 1);
		s->violations = malloc(h.violations.len + 1);
		if (!strings || !state || !s->events || !s->violations) {
			err = -ENOMEM;
			break;
		}
		memcpy(strings, r->map + h.strings.off, h.strings.len);
		memcpy(state, r->map + h.state.off, h.state.len);
		memcpy(s->events, r->map + h.events.off, h.events.len);
		memcpy(s->violations, r->map + h.violations.off,
		       h.violations.len);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		g2 = ATOMIC_LOAD(&r->hdr->generation);
		if (g1 != g2)
			goto again;
		sum = checksum(0xcbf29ce484222325ull, strings, h.strings.len);
		sum = checksum(sum, state, h.state.len);
		sum = checksum(sum, (const uint8_t *)s->violations,
			       h.violations.len);
		sum = checksum(sum, (const uint8_t *)s->events, h.events.len);
		if (sum != h.checksum) {
			err = -EIO; /* torn though the seqlock held */
			break;
		}
		s->hdr = h;
		s->nevents = h.events.len / sizeof(struct dm_event);
		s->nviolations = h.violations.len / sizeof(struct dm_violation);
		s->retries = tries;
		err = parse(s, strings, h.strings.len, state, h.state.len);
		break;
	again:
		continue;
	}
	free(strings);
	free(state);
	if (err)
		dm_shm_snapshot_free(s);
	return err;
}

void dm_shm_snapshot_free(struct dm_shm_snapshot *s)
{
	dm_vrf_free(s->vrf);
	dm_strtab_free(s->strings);
	free(s->events);
	free(s->violations);
	memset(s, 0, sizeof(*s));
}
