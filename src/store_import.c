/*
 * store_import.c - SQL for the legacy import: the legacy-number lookup
 * (certificates.legacy_no is UNIQUE, so indexed) and the scratch table of
 * numbers seen, in temp storage so memory stays flat on huge files.
 */
#include <string.h>

#include "error.h"
#include "store_import.h"
#include "store_internal.h"

int qp_store_cert_by_legacy(qp_store *store, const char *legacy_no, char id[QP_CERT_ID_LEN + 1],
			    uint64_t *created_idx)
{
	sqlite3_stmt *st = NULL;
	id[0] = '\0';
	*created_idx = 0;
	int err = qp_store_prepare_cached(store, "SELECT id, created_idx FROM certificates WHERE legacy_no = ?1",
					  &st);
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

int qp_store_import_seen_reset(qp_store *store)
{
	return qp_store_exec(store->db,
			     "CREATE TEMP TABLE IF NOT EXISTS qp_import_seen ("
			     " legacy_no TEXT PRIMARY KEY NOT NULL, line INTEGER NOT NULL) WITHOUT ROWID;"
			     "DELETE FROM temp.qp_import_seen",
			     "preparing the import");
}

int qp_store_import_seen(qp_store *store, const char *legacy_no, uint64_t line, uint64_t *first)
{
	sqlite3_stmt *st = NULL;
	*first = line;
	/* The no-op update makes RETURNING give the line of the row already there. */
	int err = qp_store_prepare_cached(store,
					  "INSERT INTO temp.qp_import_seen (legacy_no, line) VALUES (?1, ?2)"
					  " ON CONFLICT (legacy_no) DO UPDATE SET line = line RETURNING line",
					  &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, legacy_no, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)line);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*first = (uint64_t)sqlite3_column_int64(st, 0);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "noting a legacy number");
	qp_store_finish(store, st);
	return err;
}

void qp_store_import_seen_drop(qp_store *store)
{
	qp_error saved = *qp_error_last();
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", saved.message);
	sqlite3_exec(store->db, "DROP TABLE IF EXISTS temp.qp_import_seen", NULL, NULL, NULL);
	if (saved.code != QP_OK)
		qp_error_set(saved.code, "%s", msg);
}
