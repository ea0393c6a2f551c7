/*
 * store.c - opening, creating and migrating registry files.
 *
 * Order matters for "refuse without changing a byte": the file header is
 * read and judged with plain stdio before SQLite touches the file, because
 * SQLite itself would happily turn an empty or foreign database into a
 * WAL-mode file.  Only a file that carries the registry application id (or
 * a file this call creates) is ever opened by SQLite read-write.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "alloc.h"
#include "clock.h"
#include "error.h"
#include "file.h"
#include "migrations.h"
#include "store_access.h"
#include "store_statusmap.h"

/*
 * The first schema whose entries are in format v2 as it stands: bound to
 * the log (0009) and without personal data (0011_personal_data.sql).
 */
#define QP_SCHEMA_ENTRY_V2 11
/* The schema version that stores the status map in pages (migration 0016). */
#define QP_SCHEMA_STATUSMAP_PAGES 16
#include "store_internal.h"

#define BUSY_TIMEOUT_MS	  5000
#define BUSY_POLL_US	  1000
#define SQLITE_HEADER_LEN 100

int qp_store_raise(sqlite3 *db, int rc, const char *doing)
{
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	switch (rc & 0xFF) {
	case SQLITE_NOMEM: return qp_error_set(QP_ENOMEM, "%s: out of memory", doing);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return qp_error_set(QP_ECONFLICT,
				    "%s: the registry is busy (locked by another process); try again", doing);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return qp_error_set(QP_ECORRUPT, "%s: the registry file is damaged (%s)", doing, msg);
	case SQLITE_CONSTRAINT: return qp_error_set(QP_ECONFLICT, "%s: %s", doing, msg);
	case SQLITE_FULL: return qp_error_set(QP_EIO, "%s: the disk is full", doing);
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return qp_error_set(QP_EIO, "%s: not allowed to write the registry (%s)", doing, msg);
	default: return qp_error_set(QP_EIO, "%s: %s", doing, msg);
	}
}

int qp_store_exec(sqlite3 *db, const char *sql, const char *doing)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? QP_OK : qp_store_raise(db, rc, doing);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Judge an existing, non-empty file by its SQLite header: is it an SQLite
 * database, is it whole, is it ours?  Reads only.  *short_file is set when
 * the one fault is a file shorter than the page count its header gives.
 *
 * The header is read through SQLite's own VFS, not with fopen: closing a
 * file descriptor drops every POSIX lock the process holds on the file,
 * and a process that has the registry open already (quanpiaod opens a
 * reader per thread while its writer works) would lose the shared lock
 * that keeps another process from taking the WAL for its own, copying it
 * in and deleting it under the writer (sqlite.org/howtocorrupt.html, 2.2).
 * The unix VFS puts off such a close until the process's locks are gone.
 */
static int check_header(const char *path, off_t size, int *short_file)
{
	*short_file = 0;
	unsigned char h[SQLITE_HEADER_LEN];
	sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
	sqlite3_file *f = vfs ? qp_calloc(1, (size_t)vfs->szOsFile) : NULL;
	int out_flags = 0, rc;
	if (f == NULL)
		return vfs ? QP_ENOMEM : qp_error_set(QP_EINTERNAL, "SQLite has no default VFS");
	rc = vfs->xOpen(vfs, path, f, SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_READONLY, &out_flags);
	if (rc != SQLITE_OK) {
		int e = errno;
		if (f->pMethods)
			f->pMethods->xClose(f);
		qp_free(f);
		return qp_error_set(QP_EIO, "%s: cannot read: %s", path, strerror(e));
	}
	rc = f->pMethods->xRead(f, h, (int)sizeof(h), 0);
	f->pMethods->xClose(f);
	qp_free(f);
	if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
		return qp_error_set(QP_EIO, "%s: cannot read", path);
	size_t got = rc == SQLITE_OK ? sizeof(h) : 0;
	if (got < sizeof(h) || memcmp(h, "SQLite format 3", 16) != 0)
		return qp_error_set(QP_ECORRUPT, "%s: not a quanpiao registry (not an SQLite database)",
				    path);
	uint32_t page_size = (uint32_t)h[16] << 8 | h[17];
	if (page_size == 1)
		page_size = 65536;
	if (page_size < 512 || (page_size & (page_size - 1)) != 0)
		return qp_error_set(QP_ECORRUPT, "%s: damaged registry (bad page size %u)", path, page_size);
	if ((uint64_t)size % page_size != 0)
		return qp_error_set(
		    QP_ECORRUPT,
		    "%s: damaged registry: %lld bytes is not a whole number of %u-byte pages (truncated?)",
		    path, (long long)size, page_size);
	if (be32(h + 68) != QP_STORE_APPLICATION_ID)
		return qp_error_set(QP_ECORRUPT, "%s: an SQLite database but not a quanpiao registry", path);
	uint32_t pages = be32(h + 28);
	if (be32(h + 24) == be32(h + 92) && (uint64_t)pages * page_size > (uint64_t)size) {
		*short_file = 1;
		return qp_error_set(QP_ECORRUPT, "%s: damaged registry: truncated to %lld of %llu bytes",
				    path, (long long)size, (unsigned long long)pages * page_size);
	}
	return QP_OK;
}

/* Bytes of the file's write-ahead log beside it (0 if there is none). */
static off_t wal_size(const char *path)
{
	char wal[4200];
	struct stat sb;
	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", path) >= sizeof(wal) || stat(wal, &sb) != 0)
		return 0;
	return sb.st_size;
}

/*
 * SQLite's busy handler: try again every millisecond for up to
 * BUSY_TIMEOUT_MS.  SQLite's own (sqlite3_busy_timeout) backs off to a
 * try every 100 ms, and a writer that tries so seldom almost never finds
 * the moment between two batches of an import (qp_store_yield), which
 * then keeps the lock for the whole file.
 */
static int busy_wait(void *ctx, int count)
{
	qp_store *store = ctx;
	int64_t now = qp_clock_monotonic_us();
	if (count == 0)
		store->busy_since = now;
	if (now - store->busy_since >= (int64_t)BUSY_TIMEOUT_MS * 1000)
		return 0;
	struct timespec pause = {0, BUSY_POLL_US * 1000};
	nanosleep(&pause, NULL);
	return 1;
}

void qp_store_yield(qp_store *store)
{
	(void)store;
	/* Two polls of a waiting writer's busy handler. */
	struct timespec pause = {0, 2 * BUSY_POLL_US * 1000};
	nanosleep(&pause, NULL);
}

/*
 * Erasing personal data (household.erase, PIPL art. 47) must take it out
 * of the file, not only out of the table.  PRAGMA secure_delete (set at
 * open) makes SQLite overwrite a deleted row with zeros in the page it
 * writes; but in WAL mode the page as it was stays in the -wal file, and
 * in the main file until a checkpoint copies the new one over it.  So a
 * delete or update of a personal-data row marks the connection
 * (personal_changed), and the commit that carries it checkpoints the WAL
 * and truncates it to nothing (wal_commit).  A reader still on an old
 * snapshot holds the checkpoint up for at most the busy timeout; then the
 * mark stays and the next commit tries again (closing the last connection
 * checkpoints and removes the WAL too).
 */
static void personal_changed(void *ctx, int op, const char *db, const char *table, sqlite3_int64 rowid)
{
	qp_store *store = ctx;
	(void)rowid;
	if (op != SQLITE_INSERT && strcmp(db, "main") == 0 &&
	    (strcmp(table, "personal_data") == 0 || strcmp(table, "investor_data") == 0))
		store->wipe_pending = 1;
}

/*
 * SQLite's own automatic checkpoint, which a WAL hook replaces: PASSIVE,
 * every 1,000 pages (store->checkpoint_pages).  PRAGMA wal_autocheckpoint
 * would put SQLite's hook back in place of this one: it is never used.
 */
#define AUTOCHECKPOINT_PAGES 1000

/*
 * Called after each commit in WAL mode, outside the transaction.  Its
 * result would become the COMMIT's, though the commit has happened: so
 * it is always SQLITE_OK, and a checkpoint that fails is tried again.
 */
static int wal_commit(void *ctx, sqlite3 *db, const char *name, int pages)
{
	qp_store *store = ctx;
	if (store->wipe_pending && strcmp(name, "main") == 0) {
		int log = -1, done = -1;
		if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, &log, &done) ==
			SQLITE_OK &&
		    log == 0)
			store->wipe_pending = 0;
	} else if (pages >= store->checkpoint_pages) {
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	}
	return SQLITE_OK;
}

/*
 * check_header, allowing for a checkpoint in progress: another connection
 * copying the WAL into the file writes page 1 (with the new page count)
 * before the pages that extend the file, so for a moment a live WAL-mode
 * registry looks truncated.  Look again a few times before saying so.
 *
 * A checkpoint that was killed there (kill -9, a power cut) leaves the file
 * short for good, and it is not damaged: every page it lacks is still in
 * the WAL, which SQLite reads and checkpoints again when the file is
 * opened.  So a short file with a WAL that holds frames (more than its
 * 32-byte header) is opened; without one it is truncated.
 */
static int check_header_settled(const char *path, off_t size)
{
	int short_file = 0;
	int err = check_header(path, size, &short_file);
	/*
	 * Up to 2 s: a checkpoint of a large WAL on a loaded machine (or under a
	 * sanitizer) takes more than a moment.  A checkpoint that truncates the
	 * WAL when done leaves none behind, so the file is looked at once more
	 * after the WAL is gone, not judged on the look taken while it ran.
	 */
	for (int tries = 0; err == QP_ECORRUPT && tries < 200; tries++) {
		struct stat sb;
		int had_wal = wal_size(path) > 0;
		struct timespec pause = {0, 10 * 1000 * 1000};
		nanosleep(&pause, NULL);
		if (stat(path, &sb) != 0)
			break;
		err = check_header(path, sb.st_size, &short_file);
		if (!had_wal)
			break; /* no WAL: nothing was in progress, the file is what it is */
	}
	if (err == QP_ECORRUPT && short_file && wal_size(path) > 32)
		return QP_OK;
	return err;
}

static void hash_hex(char out[65], const char *data, size_t len)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)data, len);
	sodium_bin2hex(out, 65, digest, sizeof(digest));
}

static const qp_migration *find_migration(int version)
{
	if (version < 1 || version > qp_migrations_count)
		return NULL;
	return &qp_migrations[version - 1];
}

/*
 * Read the migration ledger and compare it with the embedded migrations.
 * Sets store->schema_version.  Reads only.
 */
static int verify_ledger(qp_store *store)
{
	sqlite3_stmt *st = NULL;
	int rc, err = QP_OK, expect = 1;
	rc = sqlite3_prepare_v2(store->db,
				"SELECT version, name, sha256 FROM qp_schema_migrations ORDER BY version", -1,
				&st, NULL);
	if (rc != SQLITE_OK) {
		if ((rc & 0xFF) == SQLITE_ERROR)
			return qp_error_set(QP_ECORRUPT, "%s: damaged registry: no migration ledger",
					    store->path);
		return qp_store_raise(store->db, rc, store->path);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int version = sqlite3_column_int(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *sum = (const char *)sqlite3_column_text(st, 2);
		if (version != expect) {
			err = qp_error_set(
			    QP_ECORRUPT, "%s: damaged registry: migration %d recorded where %d was expected",
			    store->path, version, expect);
			goto done;
		}
		const qp_migration *m = find_migration(version);
		if (m == NULL) {
			err = qp_error_set(QP_EVERSION,
					   "%s: the registry has schema version %d (%s), newer than this "
					   "program's %d; use a newer quanpiao",
					   store->path, version, name ? name : "?", qp_migrations_count);
			goto done;
		}
		char want[65];
		hash_hex(want, m->sql, m->sql_len);
		if (name == NULL || sum == NULL || strcmp(name, m->name) != 0 || strcmp(sum, want) != 0) {
			err = qp_error_set(
			    QP_ECORRUPT,
			    "%s: migration %d was applied as %s with checksum %.16s..., but this program's "
			    "%s has %.16s...; the registry was made by a different build",
			    store->path, version, name ? name : "?", sum ? sum : "?", m->name, want);
			goto done;
		}
		expect++;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, store->path);
		goto done;
	}
	store->schema_version = expect - 1;
done:
	sqlite3_finalize(st);
	return err;
}

static int apply_migration(qp_store *store, const qp_migration *m)
{
	char sum[65], when[32], doing[128];
	sqlite3_stmt *st = NULL;
	int err, rc;
	time_t now = time(NULL);
	struct tm tm;

	snprintf(doing, sizeof(doing), "applying migration %s", m->name);
	hash_hex(sum, m->sql, m->sql_len);
	if (gmtime_r(&now, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return qp_error_set(QP_EINTERNAL, "%s: cannot format the time", doing);

	if ((err = qp_store_exec(store->db, "BEGIN IMMEDIATE", doing)) != QP_OK)
		return err;
	/* Another process may have applied it while we waited for the lock. */
	rc = sqlite3_prepare_v2(store->db, "SELECT count(*) FROM qp_schema_migrations WHERE version = ?1", -1,
				&st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 1, m->version);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int present = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		if (present) {
			err = qp_store_exec(store->db, "COMMIT", doing);
			goto out;
		}
	} else {
		err = qp_store_raise(store->db, rc, doing);
		goto rollback;
	}
	if ((err = qp_store_exec(store->db, m->sql, doing)) != QP_OK)
		goto rollback;
	/* The status map in pages: from the old layout's rows, or built from the events (before 0012). */
	if (m->version == QP_SCHEMA_STATUSMAP_PAGES && (err = qp_store_statusmap_upgrade(store)) != QP_OK)
		goto rollback;
	/* A certificate's leaf in its row: the keys are SHA-256 of the ids, which SQL cannot compute. */
	if (m->version == QP_SCHEMA_LEAVES_IN_CERTS &&
	    (err = qp_store_statusmap_leaves_to_certs(store)) != QP_OK)
		goto rollback;
	/* The access record's chain (0023), which SQL cannot compute either. */
	if (m->version == QP_SCHEMA_ACCESS_CHAIN && (err = qp_store_access_rechain(store)) != QP_OK)
		goto rollback;
	/*
	 * A ledger made before migration 0015 has a column for the time each
	 * migration was applied (0015 makes it again without): fill it while
	 * it is there.
	 */
	int timed = 0;
	rc = sqlite3_prepare_v2(store->db,
				"SELECT count(*) FROM pragma_table_info('qp_schema_migrations') WHERE name = 'applied_at'",
				-1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		timed = sqlite3_column_int(st, 0) > 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_OK) {
		err = qp_store_raise(store->db, rc, doing);
		goto rollback;
	}
	rc = sqlite3_prepare_v2(
	    store->db,
	    timed ? "INSERT INTO qp_schema_migrations (version, name, sha256, applied_at) VALUES (?1, ?2, ?3, ?4)"
		  : "INSERT INTO qp_schema_migrations (version, name, sha256) VALUES (?1, ?2, ?3)",
	    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 1, m->version);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 3, sum, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK && timed)
		rc = sqlite3_bind_text(st, 4, when, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	if (rc != SQLITE_OK) {
		err = qp_store_raise(store->db, rc, doing);
		goto rollback;
	}
	sqlite3_finalize(st);
	st = NULL;
	char pragma[64];
	snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
	if ((err = qp_store_exec(store->db, pragma, doing)) != QP_OK)
		goto rollback;
	if ((err = qp_store_exec(store->db, "COMMIT", doing)) != QP_OK)
		goto rollback;
out:
	if (err == QP_OK)
		store->schema_version = m->version;
	return err;
rollback:
	sqlite3_finalize(st);
	sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

static int create_ledger(qp_store *store)
{
	char sql[256];
	snprintf(sql, sizeof(sql),
		 "PRAGMA application_id = %d;"
		 "CREATE TABLE IF NOT EXISTS qp_schema_migrations ("
		 " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
		 " sha256 TEXT NOT NULL) STRICT;",
		 (int)QP_STORE_APPLICATION_ID);
	return qp_store_exec(store->db, sql, "creating the registry");
}

/* Apply the migrations this program has and the store has not. */
static int migrate(qp_store *store)
{
	int err;
	for (int v = store->schema_version + 1; v <= qp_migrations_count; v++) {
		const qp_migration *m = find_migration(v);
		if (m == NULL)
			return qp_error_set(QP_EINTERNAL, "migration %d is missing from this program", v);
		if ((err = apply_migration(store, m)) != QP_OK)
			return err;
	}
	return QP_OK;
}

/*
 * A fresh registry is the migrations applied to an empty database.  They
 * are applied once per process, to a database in memory, and the bytes
 * of that database are kept: every fresh registry is a copy of them,
 * written beside its path and linked into place, so that a registry file
 * is either absent or whole.  (Each audit makes a fresh registry to
 * replay the log into; applying every migration each time was half the
 * time of a small audit.)
 */
static struct {
	pthread_mutex_t lock;
	unsigned char *bytes;
	size_t len;
} image = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};

/* The image: the migrations applied to a database in memory (image.lock held). */
static int build_image(void)
{
	qp_store *s = qp_calloc(1, sizeof(*s));
	sqlite3_int64 len = 0;
	unsigned char *bytes = NULL;
	int err, rc;
	if (s == NULL)
		return QP_ENOMEM;
	if ((s->path = qp_strdup("(a new registry)")) == NULL) {
		qp_free(s);
		return QP_ENOMEM;
	}
	rc = sqlite3_open_v2(":memory:", &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		err = qp_store_raise(s->db, rc, "creating the registry");
	else
		sqlite3_extended_result_codes(s->db, 1);
	if (rc == SQLITE_OK && (err = create_ledger(s)) == QP_OK &&
	    (err = qp_store_exec(s->db, "PRAGMA foreign_keys = ON", "creating the registry")) == QP_OK &&
	    (err = migrate(s)) == QP_OK) {
		if ((bytes = sqlite3_serialize(s->db, "main", &len, 0)) == NULL || len <= 0)
			err = qp_error_set(QP_ENOMEM, "creating the registry: out of memory");
		else if ((image.bytes = qp_malloc((size_t)len)) == NULL)
			err = QP_ENOMEM;
		else {
			memcpy(image.bytes, bytes, (size_t)len);
			image.len = (size_t)len;
		}
		sqlite3_free(bytes);
	}
	qp_store_free(s);
	return err;
}

/* Create path as a fresh registry, at the latest schema: mode 0600, for it holds personal data. */
static int create_file(const char *path)
{
	int err = QP_OK;
	pthread_mutex_lock(&image.lock);
	if (image.bytes == NULL)
		err = build_image();
	if (err == QP_OK && (err = qp_file_write(path, image.bytes, image.len, 0600,
						 QP_FILE_NEW | QP_FILE_SYNC | QP_FILE_PRIVATE)) == QP_ECONFLICT)
		err = qp_error_set(QP_ECONFLICT, "%s: another process created a file there first", path);
	pthread_mutex_unlock(&image.lock);
	return err;
}

void qp_store_forget_image(void)
{
	pthread_mutex_lock(&image.lock);
	qp_free(image.bytes);
	image.bytes = NULL;
	image.len = 0;
	pthread_mutex_unlock(&image.lock);
}

static void remove_created(const char *path)
{
	static const char *suffixes[] = {"", "-wal", "-shm", "-journal"};
	char name[4096];
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (snprintf(name, sizeof(name), "%s%s", path, suffixes[i]) < (int)sizeof(name))
			unlink(name);
	}
}

int qp_store_open(qp_store **out, const char *path, unsigned flags)
{
	qp_store *store = NULL;
	struct stat sb;
	int err = QP_OK, fresh = 0, rc;

	if (out == NULL || path == NULL || path[0] == '\0')
		return qp_error_set(QP_EUSAGE, "qp_store_open: no path given");
	*out = NULL;
	if ((flags & QP_STORE_CREATE) && (flags & QP_STORE_READONLY))
		return qp_error_set(QP_EUSAGE, "qp_store_open: cannot create a registry read-only");
	if (sodium_init() < 0)
		return qp_error_set(QP_EINTERNAL, "libsodium failed to initialise");

	if (stat(path, &sb) != 0) {
		if (errno != ENOENT)
			return qp_error_set(QP_EIO, "%s: %s", path, strerror(errno));
		if (!(flags & QP_STORE_CREATE))
			return qp_error_set(QP_ENOTFOUND,
					    "%s: no such registry (create one with 'quanpiao init')", path);
		fresh = 1;
	} else if (!S_ISREG(sb.st_mode)) {
		return qp_error_set(QP_ECORRUPT, "%s: not a regular file", path);
	} else if (sb.st_size == 0) {
		return qp_error_set(QP_ECORRUPT, "%s: empty file, not a quanpiao registry", path);
	} else if ((err = check_header_settled(path, sb.st_size)) != QP_OK) {
		return err;
	}
	if (fresh && (err = create_file(path)) != QP_OK)
		return err;

	store = qp_calloc(1, sizeof(*store));
	if (store == NULL || (store->path = qp_strdup(path)) == NULL) {
		qp_free(store);
		if (fresh)
			remove_created(path);
		return QP_ENOMEM;
	}
	store->flags = flags;
	store->checkpoint_pages = AUTOCHECKPOINT_PAGES;

	int oflags = (flags & QP_STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	/* One connection per thread (a qp_store is never shared): no per-call mutex. */
	rc = sqlite3_open_v2(path, &store->db, oflags | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = qp_store_raise(store->db, rc, path);
		goto fail;
	}
	sqlite3_extended_result_codes(store->db, 1);
	if ((rc = sqlite3_busy_handler(store->db, busy_wait, store)) != SQLITE_OK) {
		err = qp_store_raise(store->db, rc, path);
		goto fail;
	}

	/* A fresh file is the image, made before WAL mode: its header is judged from the main file alone. */
	err = verify_ledger(store);
	if (err == QP_OK && !(flags & QP_STORE_READONLY))
		err = qp_store_exec(store->db, "PRAGMA journal_mode = WAL", path);
	if (err == QP_OK)
		err = qp_store_exec(
		    store->db,
		    "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON", path);
	if (err != QP_OK)
		goto fail;
	sqlite3_update_hook(store->db, personal_changed, store);
	sqlite3_wal_hook(store->db, wal_commit, store);

	/* Older schemas hold entries in format v1, or v2 with personal data: nothing reads them any more. */
	if (store->schema_version >= 1 && store->schema_version < QP_SCHEMA_ENTRY_V2) {
		err = qp_error_set(
		    QP_EVERSION,
		    "%s: this registry (schema version %d) holds entries in an older entry format, and "
		    "this program reads entry format v2 only; nothing is deployed: create the registry "
		    "again (quanpiao init, then import or append its records)",
		    path, store->schema_version);
		goto fail;
	}
	if (store->schema_version < qp_migrations_count && (flags & QP_STORE_READONLY)) {
		err = qp_error_set(QP_EVERSION,
				   "%s: schema version %d needs upgrading to %d; open it read-write once",
				   path, store->schema_version, qp_migrations_count);
		goto fail;
	}
	if ((err = migrate(store)) != QP_OK)
		goto fail;

	if ((err = qp_store_refresh_rollback(store, path)) != QP_OK)
		goto fail;

	*out = store;
	return QP_OK;

fail:
	qp_store_statusmap_free(store);
	sqlite3_close_v2(store->db);
	store->db = NULL;
	if (fresh)
		remove_created(path);
	qp_free(store->path);
	qp_free(store);
	return err;
}

void qp_store_clear_stale(qp_store *store)
{
	/*
	 * A transaction open though none of ours is: a ROLLBACK or COMMIT
	 * that itself failed (out of memory) left it.  End it before it
	 * makes the next BEGIN fail or shows a failed write's changes.
	 */
	if (store->in_txn == 0 && store->read_depth == 0)
		qp_store_rollback_now(store);
}

int qp_store_refresh_rollback(qp_store *store, const char *doing)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(store->db, "ROLLBACK", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return qp_store_raise(store->db, rc, doing);
	sqlite3_finalize(store->rollback);
	store->rollback = st;
	return QP_OK;
}

void qp_store_rollback_now(qp_store *store)
{
	qp_store_tip_forget(store);
	if (sqlite3_get_autocommit(store->db))
		return;
	if (store->rollback != NULL) {
		sqlite3_reset(store->rollback);
		sqlite3_step(store->rollback);
		sqlite3_reset(store->rollback);
	}
	if (!sqlite3_get_autocommit(store->db))
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

int qp_store_begin_read(qp_store *store)
{
	qp_store_clear_stale(store);
	/* Nested reads share the outermost one; only it ends the snapshot. */
	if (store->read_depth > 0 || store->in_txn || !sqlite3_get_autocommit(store->db)) {
		if (store->in_txn == 2)
			store->read_depth++;
		return QP_OK;
	}
	int err = qp_store_exec(store->db, "BEGIN", "starting a read");
	if (err == QP_OK) {
		store->in_txn = 2;
		store->read_depth = 1;
	}
	return err;
}

void qp_store_end_read(qp_store *store)
{
	if (store->in_txn == 2 && --store->read_depth == 0) {
		/* Nothing to keep from a read: a ROLLBACK ends it without needing memory. */
		qp_store_rollback_now(store);
		store->in_txn = 0;
	}
}

sqlite3_stmt *qp_store_stmt(qp_store *store, enum qp_stmt which, const char *sql)
{
	sqlite3_stmt *st = store->stmts[which];
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	int rc = sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		qp_store_raise(store->db, rc, "preparing a query");
		return NULL;
	}
	store->stmts[which] = st;
	return st;
}

void qp_store_free(qp_store *store)
{
	if (store == NULL)
		return;
	sqlite3_finalize(store->rollback);
	for (int i = 0; i < QP_STMT_COUNT; i++)
		sqlite3_finalize(store->stmts[i]);
	for (int i = 0; i < QP_STMT_CACHE; i++) {
		sqlite3_finalize(store->cache[i].st);
		qp_free(store->cache[i].sql);
	}
	qp_store_tip_forget(store); /* frees the villages it kept */
	qp_store_statusmap_free(store);
	sqlite3_close_v2(store->db);
	qp_free(store->path);
	qp_free(store);
}

int qp_store_schema_version(const qp_store *store)
{
	return store ? store->schema_version : 0;
}

int qp_store_latest_version(void)
{
	return qp_migrations_count;
}

const char *qp_store_path(const qp_store *store)
{
	return store ? store->path : NULL;
}

unsigned qp_store_shared_mode(const qp_store *store)
{
	struct stat st;
	char wal[4096];
	unsigned bits = 0;
	if (store == NULL || store->path == NULL)
		return 0;
	if (stat(store->path, &st) == 0)
		bits |= (unsigned)st.st_mode & 077u;
	if (snprintf(wal, sizeof(wal), "%s-wal", store->path) < (int)sizeof(wal) && stat(wal, &st) == 0)
		bits |= (unsigned)st.st_mode & 077u;
	return bits;
}
