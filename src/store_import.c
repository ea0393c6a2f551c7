/*
 * store_import.c - SQL for the legacy import: the legacy-number lookup
 * (certificates.legacy_no is UNIQUE, so indexed), the connection's
 * temporary storage during an import, and the scratch database of the
 * legacy numbers seen, on disk so memory stays flat on huge files.
 */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "store_import.h"
#include "store_internal.h"
#include "store_statusmap.h"

/* Scratch inserts are committed this many at a time (nothing there needs to survive a crash). */
#define SEEN_TXN 4096

struct qp_store_seen {
	sqlite3 *db;
	sqlite3_stmt *get, *add;
	unsigned pending; /* inserts in the open transaction */
};

int qp_store_cert_by_legacy(qp_store *store, const char *legacy_no, char id[QP_CERT_ID_LEN + 1],
			    uint64_t *created_idx)
{
	sqlite3_stmt *st = NULL;
	id[0] = '\0';
	*created_idx = 0;
	int err = qp_store_prepare_cached(
	    store, "SELECT id, created_idx FROM certificates WHERE legacy_no = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, legacy_no, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		qp_store_column_copy(st, 0, id, QP_CERT_ID_LEN + 1);
		*created_idx = (uint64_t)sqlite3_column_int64(st, 1);
	} else if (rc == SQLITE_DONE) {
		err = QP_ENOTFOUND;
	} else {
		err = qp_store_raise(store->db, rc, "looking up a legacy number");
	}
	qp_store_finish(store, st);
	return err;
}

/* One integer from a PRAGMA that reports a setting. */
static int pragma_int(qp_store *store, const char *sql, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store, sql, &st);
	if (err != QP_OK)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	qp_store_finish(store, st);
	return rc == SQLITE_ROW ? QP_OK : qp_store_raise(store->db, rc, "preparing the import");
}

int qp_store_import_begin(qp_store *store, qp_store_import_settings *saved)
{
	char sql[160];
	int err;
	if ((err = pragma_int(store, "PRAGMA cache_size", &saved->cache_size)) != QP_OK)
		return err;
	/* Not PRAGMA wal_autocheckpoint: it would replace the store's own WAL hook (store.c, wal_commit). */
	saved->checkpoint_pages = store->checkpoint_pages;
	store->checkpoint_pages = QP_IMPORT_WAL_PAGES;
	/* Integers, not input: PRAGMA values cannot be bound. */
	snprintf(sql, sizeof(sql),
		 "PRAGMA temp_store = MEMORY; PRAGMA cache_size = %d; PRAGMA foreign_keys = OFF",
		 QP_IMPORT_CACHE_SIZE);
	/* foreign_keys, a flag PRAGMA, expires the prepared statements: the ROLLBACK is prepared again now. */
	if ((err = qp_store_exec(store->db, sql, "preparing the import")) != QP_OK ||
	    (err = qp_store_refresh_rollback(store, "preparing the import")) != QP_OK)
		qp_store_import_end(store, saved);
	else
		qp_store_statusmap_lean(store, 1); /* its memory is bounded (docs/import.md) */
	return err;
}

void qp_store_import_end(qp_store *store, const qp_store_import_settings *saved)
{
	char sql[160];
	/* Keep the caller's error: restoring settings is not news, and the checkpoint may find readers. */
	qp_error e = *qp_error_last();
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", e.message);
	snprintf(sql, sizeof(sql),
		 "PRAGMA foreign_keys = ON; PRAGMA temp_store = DEFAULT; PRAGMA cache_size = %lld",
		 (long long)saved->cache_size);
	sqlite3_exec(store->db, sql, NULL, NULL, NULL);
	store->checkpoint_pages = (int)saved->checkpoint_pages;
	qp_store_refresh_rollback(store, "ending the import");
	qp_store_statusmap_lean(store, 0);
	sqlite3_exec(store->db, "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL);
	if (e.code != QP_OK)
		qp_error_set(e.code, "%s", msg);
}

int qp_store_seen_open(qp_store_seen **out)
{
	qp_store_seen *s;
	int rc, err;
	*out = NULL;
	if ((s = qp_calloc(1, sizeof(*s))) == NULL)
		return QP_ENOMEM;
	/* "" is a private temporary database on disk, deleted by SQLite when closed. */
	rc = sqlite3_open_v2("", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		err = s->db ? qp_store_raise(s->db, rc, "opening the import's scratch database")
			    : qp_error_set(QP_ENOMEM, "out of memory opening the import's scratch database");
		goto fail;
	}
	if ((err = qp_store_exec(
		 s->db,
		 "PRAGMA temp_store = FILE; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
		 "PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -2048;"
		 "CREATE TABLE seen (legacy_no TEXT PRIMARY KEY NOT NULL, line INTEGER NOT NULL)"
		 " WITHOUT ROWID",
		 "preparing the import's scratch database")) != QP_OK)
		goto fail;
	/*
	 * Two plain statements (RETURNING would build a temporary table on every
	 * call): a new number is one insert; the line of a number seen before is
	 * read only when the insert did nothing.
	 */
	if ((rc = sqlite3_prepare_v2(s->db, "SELECT line FROM seen WHERE legacy_no = ?1", -1, &s->get,
				     NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(s->db,
				     "INSERT INTO seen (legacy_no, line) VALUES (?1, ?2)"
				     " ON CONFLICT (legacy_no) DO NOTHING",
				     -1, &s->add, NULL)) != SQLITE_OK) {
		err = qp_store_raise(s->db, rc, "preparing the import's scratch database");
		goto fail;
	}
	*out = s;
	return QP_OK;
fail:
	qp_store_seen_close(s);
	return err;
}

int qp_store_seen_add(qp_store_seen *s, const char *legacy_no, uint64_t line, uint64_t *first)
{
	int err = QP_OK, rc;
	*first = line;
	if (s->pending == 0 && (err = qp_store_exec(s->db, "BEGIN", "noting a legacy number")) != QP_OK)
		return err;
	sqlite3_bind_text(s->add, 1, legacy_no, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s->add, 2, (sqlite3_int64)line);
	rc = sqlite3_step(s->add);
	sqlite3_reset(s->add);
	sqlite3_clear_bindings(s->add);
	if (rc == SQLITE_DONE && sqlite3_changes(s->db) == 0) {
		sqlite3_bind_text(s->get, 1, legacy_no, -1, SQLITE_STATIC);
		rc = sqlite3_step(s->get);
		if (rc == SQLITE_ROW) {
			*first = (uint64_t)sqlite3_column_int64(s->get, 0);
			rc = SQLITE_DONE;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_CORRUPT; /* the insert found it */
		}
		sqlite3_reset(s->get);
		sqlite3_clear_bindings(s->get);
	}
	if (rc != SQLITE_DONE)
		return qp_store_raise(s->db, rc, "noting a legacy number");
	if (++s->pending == SEEN_TXN) {
		s->pending = 0;
		err = qp_store_exec(s->db, "COMMIT", "noting a legacy number");
	}
	return err;
}

void qp_store_seen_close(qp_store_seen *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->add);
	sqlite3_close(s->db);
	qp_free(s);
}
