/*
 * schema.h - the recording's SQLite schema, and how to open a recording.
 *
 * The schema is a public interface: dmatop(8) documents every table, view
 * and column, and scripts query it with sqlite3. PRAGMA application_id
 * says "this is a dmatop recording", PRAGMA user_version which schema.
 */
#ifndef DMATOP_SCHEMA_H
#define DMATOP_SCHEMA_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#define DM_DB_APPLICATION_ID 0x444d4154 /* "DMAT" */
#define DM_DB_SCHEMA_VERSION 1

/* Create a new recording at path; refuses an existing file (-EEXIST).
 * On error *db is NULL and errbuf says why. The connection is opened
 * without SQLite's own mutex: use it from one thread at a time. */
int dm_db_create(sqlite3 **db, const char *path, char *errbuf, size_t len);
/*
 * A recorder holds its file while it writes, so that a reader can tell
 * a recording in progress from one whose recorder died: an flock(2),
 * which SQLite's own (fcntl) locks neither see nor disturb. Returns the
 * descriptor to close when done, or -errno. dm_db_held() asks whether
 * someone holds path now.
 */
int dm_db_hold(const char *path);
bool dm_db_held(const char *path);
/* Is the file at path shorter than its SQLite header says it is (a
 * copy taken mid-write, a full disk, a cut download)? Then *have and
 * *want are its size and the size its pages need. Never while a -wal
 * beside it holds pages: those may be the ones the header counts. */
bool dm_db_cut_short(const char *path, uint64_t *have, uint64_t *want);
/* Does a -wal file beside path hold pages (more than its header)? */
bool dm_db_wal_left(const char *path);
/* Where it does, "LEAD PATH-wal beside it: keep the two together" into
 * buf (what a message about an unfinished recording adds), else "". */
const char *dm_db_wal_note(char *buf, size_t len, const char *path,
			   const char *lead);
/*
 * Open a recording read-only and defensively: an untrusted file. Checks
 * it is SQLite, a dmatop recording, and a schema this build reads.
 * -ENOENT, -EACCES, -EINVAL (not a dmatop recording), -EPROTO (newer
 * schema), -EIO (damaged); errbuf says which in words.
 */
int dm_db_open_ro(sqlite3 **db, const char *path, char *errbuf, size_t len);
/* SQLite's message for db's last error, escaped into buf: it may quote
 * the file (a damaged schema's text), which must not reach a terminal
 * as it is. Returns buf. */
const char *dm_db_errmsg(sqlite3 *db, char *buf, size_t len);
/* Run SQL with no results; 0 or -EIO with the message in errbuf. */
int dm_db_exec(sqlite3 *db, const char *sql, char *errbuf, size_t len);

#endif
