/*
 * store_witness.c - SQL for cosignatures of checkpoints and for the
 * policy entries an offline bundle carries.  Every SQLite result is
 * checked and turned into a QP_E* code.
 */
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "store_internal.h"
#include "store_witness.h"

int qp_store_snapshot_begin(qp_store *store, int *started)
{
	*started = 0;
	qp_store_clear_stale(store);
	if (store->in_txn || !sqlite3_get_autocommit(store->db))
		return QP_OK;
	int err = qp_store_begin_read(store);
	*started = err == QP_OK;
	return err;
}

void qp_store_snapshot_end(qp_store *store, int started)
{
	if (started)
		qp_store_end_read(store);
}

int qp_store_cosignature_put(qp_store *store, uint64_t size, const char *witness, uint32_t key_id,
			     uint64_t timestamp, const char *line, int *replaced)
{
	sqlite3_stmt *st = NULL;
	int err, rc;
	if (replaced)
		*replaced = 0;
	if (timestamp > INT64_MAX)
		return qp_error_set(QP_EINVALID, "cosignature timestamp %llu is out of range",
				    (unsigned long long)timestamp);
	/* The checkpoint must exist: say so plainly rather than as a foreign key failure. */
	if ((err = qp_store_prepare(store, "SELECT 1 FROM checkpoints WHERE size = ?1", &st)) != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_DONE)
		return qp_error_set(QP_ENOTFOUND, "no checkpoint of size %llu was signed",
				    (unsigned long long)size);
	if (rc != SQLITE_ROW)
		return qp_store_raise(store->db, rc, "reading checkpoints");

	if ((err = qp_store_prepare(
		 store, "SELECT count(*) FROM cosignatures WHERE size = ?1 AND witness = ?2 AND key_id = ?3",
		 &st)) != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, witness, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)key_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && replaced)
		*replaced = sqlite3_column_int64(st, 0) > 0;
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_ROW)
		return qp_store_raise(store->db, rc, "reading cosignatures");

	if ((err =
		 qp_store_prepare(store,
				  "INSERT INTO cosignatures (size, witness, key_id, timestamp, line)"
				  " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (size, witness, key_id) DO UPDATE"
				  " SET timestamp = excluded.timestamp, line = excluded.line"
				  " WHERE excluded.timestamp > cosignatures.timestamp",
				  &st)) != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, witness, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)key_id);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)timestamp);
	sqlite3_bind_text(st, 5, line, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "storing the cosignature");
	sqlite3_finalize(st);
	return err;
}

int qp_store_cosignatures(qp_store *store, uint64_t size, size_t max, char **out, size_t *out_len,
			  size_t *count)
{
	sqlite3_stmt *st = NULL;
	char *buf = NULL;
	size_t len = 0, n = 0;
	int rc, err;
	*out = NULL;
	if (out_len)
		*out_len = 0;
	if (count)
		*count = 0;
	if ((err = qp_store_prepare(
		 store, "SELECT line FROM cosignatures WHERE size = ?1 ORDER BY witness, key_id LIMIT ?2",
		 &st)) != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 2, max > INT64_MAX ? INT64_MAX : (sqlite3_int64)max);
	if ((buf = qp_malloc(1)) == NULL) {
		sqlite3_finalize(st);
		return QP_ENOMEM;
	}
	buf[0] = '\0';
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);
		size_t l = (size_t)sqlite3_column_bytes(st, 0);
		if (line == NULL) {
			err = qp_error_set(QP_ECORRUPT,
					   "a cosignature of checkpoint %llu is damaged in the store",
					   (unsigned long long)size);
			goto fail;
		}
		char *grown = qp_realloc(buf, len + l + 1);
		if (grown == NULL) {
			err = QP_ENOMEM;
			goto fail;
		}
		buf = grown;
		memcpy(buf + len, line, l);
		len += l;
		buf[len] = '\0';
		n++;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "reading cosignatures");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = buf;
	if (out_len)
		*out_len = len;
	if (count)
		*count = n;
	return QP_OK;
fail:
	sqlite3_finalize(st);
	qp_free(buf);
	return err;
}

int qp_store_cosigned_size(qp_store *store, size_t min, uint64_t *size)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store,
				   "SELECT size FROM cosignatures GROUP BY size HAVING count(*) >= ?1"
				   " ORDER BY size DESC LIMIT 1",
				   &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, min > INT64_MAX ? INT64_MAX : (sqlite3_int64)min);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_int64(st, 0) >= 0)
		*size = (uint64_t)sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "no checkpoint has %zu cosignature%s yet", min,
				   min == 1 ? "" : "s");
	else if (rc == SQLITE_ROW)
		err = qp_error_set(QP_ECORRUPT, "a cosignature's checkpoint size is damaged in the store");
	else
		err = qp_store_raise(store->db, rc, "reading cosignatures");
	sqlite3_finalize(st);
	return err;
}

int qp_store_policy_indexes(qp_store *store, uint64_t below, uint64_t **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	uint64_t *list = NULL;
	size_t n = 0, cap = 0;
	int rc, err;
	*out = NULL;
	*count = 0;
	if ((err = qp_store_prepare(store, "SELECT idx FROM policy_versions WHERE idx < ?1 ORDER BY idx",
				    &st)) != QP_OK)
		return err;
	sqlite3_bind_int64(st, 1, below > INT64_MAX ? INT64_MAX : (sqlite3_int64)below);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = qp_grow((void **)&list, &cap, n, sizeof(*list))) != QP_OK) {
			sqlite3_finalize(st);
			qp_free(list);
			return err;
		}
		list[n++] = (uint64_t)sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		qp_free(list);
		return qp_store_raise(store->db, rc, "reading the policy versions");
	}
	*out = list;
	*count = n;
	return QP_OK;
}
