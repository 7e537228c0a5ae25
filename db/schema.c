/*
 * schema.c - see schema.h. The schema text below is what dmatop.db(5)
 * documents; change one, change the other, and bump the version when a
 * table changes (replay reads tables, not views).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event.h"
#include "schema.h"
#include "text.h"
#include "verifier.h"

static const char schema_sql[] =
	"CREATE TABLE session (key TEXT PRIMARY KEY, value) WITHOUT ROWID;\n"
	"CREATE TABLE string (id INTEGER PRIMARY KEY, text TEXT NOT NULL);\n"
	"CREATE TABLE kind (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
	"CREATE TABLE rule (id INTEGER PRIMARY KEY, code INTEGER NOT NULL,\n"
	"  sub INTEGER NOT NULL, name TEXT NOT NULL, p2 TEXT, p3 TEXT,\n"
	"  p4 TEXT, text TEXT NOT NULL);\n"
	"CREATE TABLE adapter (id INTEGER PRIMARY KEY,\n"
	"  handle INTEGER NOT NULL UNIQUE, name INTEGER, owner INTEGER,\n"
	"  device_object INTEGER, max_map_registers INTEGER,\n"
	"  description INTEGER, first_seq INTEGER, last_seq INTEGER);\n"
	"CREATE TABLE mdl (id INTEGER PRIMARY KEY, handle INTEGER NOT NULL,\n"
	"  va INTEGER NOT NULL, byte_count INTEGER NOT NULL);\n"
	"CREATE TABLE event (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL,\n"
	"  kind INTEGER NOT NULL, adapter INTEGER, obj INTEGER, va INTEGER,\n"
	"  dma INTEGER, len INTEGER, mdl INTEGER, arg0 INTEGER,\n"
	"  arg1 INTEGER, arg2 INTEGER, caller INTEGER, dir INTEGER,\n"
	"  irql INTEGER, flags INTEGER, tid INTEGER);\n"
	"CREATE TABLE violation (id INTEGER PRIMARY KEY,\n"
	"  seq INTEGER NOT NULL, ts INTEGER NOT NULL, code INTEGER NOT NULL,\n"
	"  sub INTEGER NOT NULL, p2 INTEGER, p3 INTEGER, p4 INTEGER,\n"
	"  rule TEXT NOT NULL, adapter INTEGER, object INTEGER,\n"
	"  caller INTEGER, message TEXT NOT NULL);\n"
	"CREATE INDEX violation_seq ON violation(seq);\n"
	"CREATE TABLE gap (id INTEGER PRIMARY KEY, first_seq INTEGER NOT NULL,\n"
	"  last_seq INTEGER NOT NULL, ts_first INTEGER, ts_last INTEGER,\n"
	"  events INTEGER NOT NULL, reason TEXT NOT NULL);\n"
	"CREATE TABLE gap_adapter (gap INTEGER NOT NULL,\n"
	"  adapter INTEGER NOT NULL, events INTEGER NOT NULL,\n"
	"  PRIMARY KEY (gap, adapter)) WITHOUT ROWID;\n"
	"CREATE TABLE checkpoint (seq INTEGER PRIMARY KEY,\n"
	"  ts INTEGER NOT NULL, state BLOB NOT NULL);\n"
	/* views: the questions people ask most */
	"CREATE VIEW events AS SELECT e.seq, e.ts, k.name AS kind,\n"
	"  a.handle AS adapter, e.obj, e.va, e.dma, e.len,\n"
	/* only the kinds that carry one: an adapter-get is no
	 * bidirectional transfer */
	"  CASE WHEN e.kind NOT IN (11, 12, 13, 14, 15, 16, 17, 20, 21, 22,\n"
	"    25, 26) THEN NULL\n"
	"  WHEN e.dir = 0 THEN 'bidirectional' WHEN e.dir = 1 THEN 'to-device'\n"
	"  WHEN e.dir = 2 THEN 'from-device' ELSE 'none' END AS dir,\n"
	"  s.text AS caller, e.mdl, e.arg0, e.arg1, e.arg2, e.irql, e.flags\n"
	"  FROM event e JOIN kind k ON k.id = e.kind\n"
	"  LEFT JOIN adapter a ON a.id = e.adapter\n"
	"  LEFT JOIN string s ON s.id = e.caller;\n"
	"CREATE VIEW adapters AS SELECT a.id, a.handle, n.text AS name,\n"
	"  o.text AS owner, a.device_object, a.max_map_registers,\n"
	"  a.first_seq, a.last_seq FROM adapter a\n"
	"  LEFT JOIN string n ON n.id = a.name\n"
	"  LEFT JOIN string o ON o.id = a.owner;\n"
	"CREATE VIEW violations AS SELECT v.id, v.seq, v.ts, v.code, v.sub,\n"
	"  printf('0x%02X', v.code) ||\n"
	"  CASE WHEN r.p2 = 'violation code' AND v.sub != 0\n"
	"  THEN printf('.%d', v.sub)\n"
	"  ELSE '' END AS bugcheck, v.rule, v.p2, v.p3, v.p4,\n"
	"  v.adapter, n.text AS adapter_name, s.text AS caller, v.object,\n"
	"  v.message FROM violation v\n"
	"  LEFT JOIN rule r ON r.name = v.rule\n"
	"  LEFT JOIN adapter a ON a.handle = v.adapter\n"
	"  LEFT JOIN string n ON n.id = a.name\n"
	"  LEFT JOIN string s ON s.id = v.caller;\n"
	"CREATE VIEW violations_by_adapter AS SELECT adapter, adapter_name,\n"
	"  bugcheck, rule, count(*) AS count, min(seq) AS first_seq,\n"
	"  max(seq) AS last_seq FROM violations\n"
	"  GROUP BY adapter, bugcheck, rule;\n"
	/*
	 * Every allocation with the event that ended it. Allocations and
	 * their ends pair up by adapter and object within a group:
	 * map registers (7 channel-grant; ended by 8 channel-free or 10
	 * mapreg-free), mappings (11 map; 12 unmap, 13 flush), SG lists
	 * (14; 15), common buffers (16; 17). A window finds, for each
	 * allocation, the first ending event after it.
	 */
	"CREATE VIEW lifetimes AS\n"
	"  WITH g AS (SELECT seq, ts, kind, adapter, obj, va, dma, len, arg0,\n"
	"    caller, CASE WHEN kind IN (7, 8, 10) THEN 1\n"
	"      WHEN kind IN (11, 12, 13) THEN 2 WHEN kind IN (14, 15) THEN 3\n"
	"      ELSE 4 END AS grp,\n"
	"    kind IN (8, 10, 12, 13, 15, 17) AS ends\n"
	"    FROM event WHERE kind IN (7, 8, 10, 11, 12, 13, 14, 15, 16, 17)\n"
	"    AND obj != 0 AND flags & 16 = 0),\n"
	"  w AS (SELECT g.*, min(CASE WHEN ends THEN seq END) OVER (\n"
	"    PARTITION BY adapter, obj, grp ORDER BY seq\n"
	"    ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS end_seq,\n"
	"    min(CASE WHEN NOT ends THEN seq END) OVER (\n"
	"    PARTITION BY adapter, obj, grp ORDER BY seq\n"
	"    ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_alloc\n"
	"    FROM g)\n"
	"  SELECT w.seq, w.ts, CASE w.grp WHEN 1 THEN 'map-registers'\n"
	"    WHEN 2 THEN 'mapping' WHEN 3 THEN 'sg-list'\n"
	"    ELSE 'common-buffer' END AS what,\n"
	"    a.handle AS adapter, w.obj, w.va, w.dma,\n"
	"    CASE w.grp WHEN 1 THEN w.arg0 ELSE w.len END AS size,\n"
	"    s.text AS caller, e.seq AS end_seq, e.ts AS end_ts,\n"
	"    es.text AS end_caller, e.ts - w.ts AS lifetime_ns\n"
	"  FROM w LEFT JOIN adapter a ON a.id = w.adapter\n"
	"  LEFT JOIN string s ON s.id = w.caller\n"
	/* a mapping's flush may serve several maps of one file; for the
	 * other groups the object is allocated again only after its end */
	"  LEFT JOIN event e ON e.seq = w.end_seq\n"
	"    AND (w.grp = 2 OR w.next_alloc IS NULL OR w.end_seq < w.next_alloc)\n"
	"  LEFT JOIN string es ON es.id = e.caller\n"
	"  WHERE NOT w.ends;\n"
	"CREATE VIEW releases AS SELECT e.seq, e.ts, a.handle AS adapter\n"
	"  FROM event e JOIN adapter a ON a.id = e.adapter\n"
	"  WHERE e.kind IN (3, 28);\n"
	"CREATE VIEW leaks AS SELECT l.*, min(r.seq) AS released_seq\n"
	"  FROM lifetimes l JOIN releases r ON r.adapter = l.adapter\n"
	"  AND r.seq > l.seq WHERE l.end_seq IS NULL GROUP BY l.seq;\n"
	/* not released after it: after its adapter's last release, each
	 * adapter's found in one pass (a NOT EXISTS per allocation scanned
	 * the events from there on, minutes on a million events) */
	"CREATE VIEW outstanding AS SELECT l.* FROM lifetimes l\n"
	"  LEFT JOIN (SELECT adapter, max(seq) AS last FROM releases\n"
	"  GROUP BY adapter) r ON r.adapter = l.adapter\n"
	"  WHERE l.end_seq IS NULL AND (r.last IS NULL OR r.last < l.seq);\n"
	/* DMA after unmap: the fault, the mapping it hit and who mapped
	 * it (the violation names who unmapped it) */
	"CREATE VIEW after_unmap AS SELECT v.seq, v.ts, v.adapter,\n"
	"  v.adapter_name AS device, v.object AS dma, v.p2 AS bytes,\n"
	"  v.p3 AS fault_address, v.p4 AS ns_since_unmap, m.dir,\n"
	"  m.seq AS map_seq, m.caller AS mapped_by, v.caller AS unmapped_by\n"
	"  FROM violations v LEFT JOIN events m ON m.seq = (\n"
	"    SELECT max(e.seq) FROM event e JOIN adapter a ON a.id = e.adapter\n"
	"    WHERE a.handle = v.adapter AND e.kind = 11 AND e.obj = v.object\n"
	"    AND e.seq < v.seq)\n"
	"  WHERE v.rule = 'linux-dma-after-unmap';\n"
	"CREATE VIEW adapter_summary AS SELECT a.handle AS adapter,\n"
	"  n.text AS name, o.text AS owner, count(e.seq) AS events,\n"
	"  sum(e.kind = 11) AS maps,\n"
	"  sum(CASE WHEN e.kind = 11 THEN e.len ELSE 0 END) AS bytes_mapped,\n"
	"  sum(e.kind = 14) AS sg_lists,\n"
	"  sum(e.kind = 16) AS common_buffers,\n"
	"  sum(CASE WHEN e.kind = 16 THEN e.len ELSE 0 END)\n"
	"    AS common_buffer_bytes,\n"
	"  (SELECT count(*) FROM violation v WHERE v.adapter = a.handle)\n"
	"    AS violations,\n"
	"  min(e.ts) AS first_ts, max(e.ts) AS last_ts\n"
	"  FROM adapter a LEFT JOIN event e ON e.adapter = a.id\n"
	"  LEFT JOIN string n ON n.id = a.name\n"
	"  LEFT JOIN string o ON o.id = a.owner GROUP BY a.id;\n";

static int fail(char *errbuf, size_t len, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, len, fmt, ap);
	va_end(ap);
	return err;
}

const char *dm_db_errmsg(sqlite3 *db, char *buf, size_t len)
{
	return dm_text_escape(buf, len,
			      db ? sqlite3_errmsg(db) : "out of memory");
}

int dm_db_exec(sqlite3 *db, const char *sql, char *errbuf, size_t len)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	if (msg)
		dm_text_escape(errbuf, len, msg);
	else
		dm_db_errmsg(db, errbuf, len);
	sqlite3_free(msg);
	return -EIO;
}

static int fill_tables(sqlite3 *db, char *errbuf, size_t len)
{
	sqlite3_stmt *st;
	int i, rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db, "INSERT INTO kind VALUES (?, ?)", -1, &st,
			       NULL) != SQLITE_OK)
		goto err;
	for (i = 1; i < DM_EV_KIND_MAX && rc == SQLITE_OK; i++) {
		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_text(st, 2, dm_event_kind_name(i), -1,
				  SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO rule VALUES (?,?,?,?,?,?,?,?)",
			       -1, &st, NULL) != SQLITE_OK)
		goto err;
	for (i = 0; i < DM_R_COUNT && rc == SQLITE_OK; i++) {
		const struct dm_rule *r = &dm_rules[i];
		int p;

		sqlite3_bind_int(st, 1, i);
		sqlite3_bind_int(st, 2, r->code);
		sqlite3_bind_int(st, 3, r->sub);
		sqlite3_bind_text(st, 4, r->name, -1, SQLITE_STATIC);
		for (p = 0; p < 3; p++)
			sqlite3_bind_text(st, 5 + p, r->param[p], -1,
					  SQLITE_STATIC);
		sqlite3_bind_text(st, 8, r->text, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		return 0;
err:
	dm_db_errmsg(db, errbuf, len);
	return -EIO;
}

int dm_db_hold(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

bool dm_db_held(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	bool held;

	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

bool dm_db_wal_left(const char *path)
{
	char wal[PATH_MAX + 8];
	struct stat st;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	/* a WAL's header is 32 bytes, a frame's 24 and a page */
	return !stat(wal, &st) && st.st_size > 32;
}

const char *dm_db_wal_note(char *buf, size_t len, const char *path,
			   const char *lead)
{
	if (!dm_db_wal_left(path))
		return "";
	snprintf(buf, len, "%s %s-wal beside it: keep the two together", lead,
		 path);
	return buf;
}

bool dm_db_cut_short(const char *path, uint64_t *have, uint64_t *want)
{
	unsigned char h[100];
	struct stat st;
	uint32_t page, pages;
	bool cut = false;
	int fd;

	if (dm_db_wal_left(path))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (!fstat(fd, &st) && pread(fd, h, sizeof(h), 0) == sizeof(h) &&
	    !memcmp(h, "SQLite format 3", 16)) {
		page = (uint32_t)h[16] << 8 | h[17];
		page = page == 1 ? 65536 : page;
		pages = (uint32_t)h[28] << 24 | (uint32_t)h[29] << 16 |
			(uint32_t)h[30] << 8 | h[31];
		/* the page count is only good while its "valid for" stamp
		 * matches the change counter (SQLite 3.7.0 on) */
		if (!memcmp(h + 24, h + 92, 4) && pages) {
			*have = (uint64_t)st.st_size;
			*want = (uint64_t)page * pages;
			cut = *have < *want;
		}
	}
	close(fd);
	return cut;
}

int dm_db_create(sqlite3 **out, const char *path, char *errbuf, size_t len)
{
	sqlite3 *db = NULL;
	char sql[128], msg[256];
	int fd, err;

	*out = NULL;
	/* the file is ours from the start: never clobber, never a symlink */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0 && errno == EEXIST) {
		struct stat st;

		/* not one to remove: say what it is */
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			return fail(errbuf, len, -EISDIR,
				    "%s is a directory: give a file in it to "
				    "record to",
				    path);
		if (!stat(path, &st) && !S_ISREG(st.st_mode))
			return fail(errbuf, len, -EEXIST,
				    "%s is not a regular file (a device, a "
				    "pipe or a socket): record to a file",
				    path);
		return fail(errbuf, len, -EEXIST,
			    "%s already exists: remove "
			    "it or record to another file",
			    path);
	}
	if (fd < 0)
		return fail(errbuf, len, -errno, "cannot create %s: %s", path,
			    strerror(errno));
	close(fd);
	/* a connection is used by one thread at a time (the recorder
	 * hands it to its writer): no mutex around every call, which
	 * costs the writer about a sixth of its instructions */
	if (sqlite3_open_v2(path, &db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
				    SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		err = fail(errbuf, len, -EIO, "cannot open %s: %s", path,
			   dm_db_errmsg(db, msg, sizeof(msg)));
		goto err_close;
	}
	/* a reader opening the file (sqlite3, a replay of the recording
	 * in progress) may hold a lock for a moment: wait it out rather
	 * than end the recording on SQLITE_BUSY */
	sqlite3_busy_timeout(db, 5000);
	snprintf(sql, sizeof(sql),
		 "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 DM_DB_APPLICATION_ID, DM_DB_SCHEMA_VERSION);
	err = dm_db_exec(db,
			 "PRAGMA page_size = 8192;"
			 "PRAGMA journal_mode = WAL;"
			 "PRAGMA synchronous = NORMAL;",
			 errbuf, len);
	if (!err)
		err = dm_db_exec(db, "BEGIN", errbuf, len);
	if (!err)
		err = dm_db_exec(db, sql, errbuf, len);
	if (!err)
		err = dm_db_exec(db, schema_sql, errbuf, len);
	if (!err)
		err = fill_tables(db, errbuf, len);
	if (!err)
		err = dm_db_exec(db, "COMMIT", errbuf, len);
	if (err)
		goto err_close;
	*out = db;
	return 0;

err_close:
	sqlite3_close(db);
	unlink(path);
	return err;
}

static int pragma_int(sqlite3 *db, const char *sql, int *v)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* An untrusted file: no schema tricks, no writes, check cells. */
static void harden(sqlite3 *db)
{
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	sqlite3_exec(db, "PRAGMA query_only = 1; PRAGMA cell_size_check = 1;",
		     NULL, NULL, NULL);
}

/* Bytes 18 and 19 of a database in WAL mode are 2. */
static bool wal_header(const char *path)
{
	unsigned char h[20];
	FILE *f = fopen(path, "rb");
	bool wal = f && fread(h, 1, sizeof(h), f) == sizeof(h) && h[18] == 2 &&
		   h[19] == 2;

	if (f)
		fclose(f);
	return wal;
}

/*
 * A recording left in WAL mode (a reader had it open as it closed) wants
 * its -shm file made beside it, even to read: in a directory this user
 * cannot write, and with no -wal file left to read, open it as a file
 * that nothing changes. 0, or an SQLite error code.
 */
static int open_immutable(sqlite3 **db, const char *path)
{
	static const char hex[] = "0123456789abcdef";
	char uri[PATH_MAX * 3 + 32], *u = uri;
	const char *c;

	u += sprintf(u, "file:");
	for (c = path; *c; c++)
		if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("/-_.~", *c))
			*u++ = *c;
		else {
			*u++ = '%';
			*u++ = hex[(unsigned char)*c >> 4];
			*u++ = hex[*c & 15];
		}
	strcpy(u, "?immutable=1");
	sqlite3_close(*db);
	*db = NULL;
	return sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
			       NULL);
}

int dm_db_open_ro(sqlite3 **out, const char *path, char *errbuf, size_t len)
{
	sqlite3 *db = NULL;
	struct stat sb;
	char msg[256];
	int app = 0, ver = 0, rc, err;

	*out = NULL;
	if (stat(path, &sb))
		return fail(errbuf, len, -errno, "%s: %s", path,
			    strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return fail(errbuf, len, -EINVAL, "%s: not a regular file",
			    path);
	if (sb.st_size == 0)
		return fail(errbuf, len, -EINVAL,
			    "%s: empty file, not a dmatop recording", path);
	if (sb.st_size < 512)
		return fail(errbuf, len, -EINVAL,
			    "%s: %lld bytes, too short for a SQLite database "
			    "(a truncated recording?)",
			    path, (long long)sb.st_size);
	/* SQLite would say only "unable to open database file" */
	if (access(path, R_OK))
		return fail(errbuf, len, -errno,
			    "%s: %s: reading a recording needs read access "
			    "to it",
			    path, strerror(errno));
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		err = fail(errbuf, len, -EIO, "%s: %s", path,
			   dm_db_errmsg(db, msg, sizeof(msg)));
		goto err_close;
	}
	harden(db);
	rc = pragma_int(db, "PRAGMA application_id", &app);
	if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) {
		char wal[PATH_MAX + 8];

		snprintf(wal, sizeof(wal), "%s-wal", path);
		if (!stat(wal, &sb) && sb.st_size > 0) {
			err = fail(errbuf, len, -EACCES,
				   "%s: its last events are in %s, which "
				   "SQLite reads only with write access to "
				   "the directory: copy both where you can "
				   "write",
				   path, wal);
			goto err_close;
		}
		if (wal_header(path) &&
		    open_immutable(&db, path) == SQLITE_OK) {
			harden(db);
			rc = pragma_int(db, "PRAGMA application_id", &app);
		}
	}
	if (rc == SQLITE_NOTADB) {
		err = fail(errbuf, len, -EINVAL,
			   "%s: not a SQLite database, so not a dmatop "
			   "recording",
			   path);
		goto err_close;
	}
	if (rc != SQLITE_OK) {
		uint64_t have, want;

		if (dm_db_cut_short(path, &have, &want))
			err = fail(errbuf, len, -EIO,
				   "%s: cut short, %llu of its %llu bytes, too "
				   "few to open: a copy taken while it was "
				   "written (copy it again once dmatop has "
				   "closed it), or a full disk (what did not "
				   "fit is gone)",
				   path, (unsigned long long)have,
				   (unsigned long long)want);
		else
			err = fail(errbuf, len, -EIO, "%s: cannot read it: %s",
				   path, dm_db_errmsg(db, msg, sizeof(msg)));
		goto err_close;
	}
	if (app != DM_DB_APPLICATION_ID) {
		err = fail(errbuf, len, -EINVAL,
			   "%s: a SQLite database, but not a dmatop "
			   "recording (application_id is not 'DMAT')",
			   path);
		goto err_close;
	}
	if (pragma_int(db, "PRAGMA user_version", &ver) != SQLITE_OK ||
	    ver <= 0) {
		err = fail(errbuf, len, -EIO,
			   "%s: damaged: no schema "
			   "version",
			   path);
		goto err_close;
	}
	if (ver > DM_DB_SCHEMA_VERSION) {
		snprintf(errbuf, len,
			 "%s: recorded with schema version %d; "
			 "this dmatop reads up to %d: upgrade "
			 "dmatop",
			 path, ver, DM_DB_SCHEMA_VERSION);
		err = -EPROTO;
		goto err_close;
	}
	*out = db;
	return 0;

err_close:
	sqlite3_close(db);
	return err;
}
