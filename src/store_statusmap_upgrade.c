/*
 * store_statusmap_upgrade.c - the status map's conversions, each run once
 * by its migration: 0016 writes the map of the old layout (migration
 * 0012, a row per node) again in pages (or builds it from the certificate
 * events of a registry from before 0012); 0022 moves each certificate's
 * leaf from statusmap_leaves into its own row.  The map's working code
 * (store_statusmap.c) does the writing.
 */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "statusmap_tree.h"
#include "store_internal.h"
#include "store_statusmap.h"

static int grow(void *arr, size_t *cap, size_t n, size_t size)
{
	return qp_grow(arr, cap, n, size) == QP_OK
		   ? QP_OK
		   : qp_error_set(QP_ENOMEM, "out of memory converting the status map");
}

/* ---- migration 0016 -------------------------------------------------------------------------- */

/* A leaf of the old layout (migration 0012): its key, record and the version its record names. */
typedef struct old_leaf {
	unsigned char key[QP_HASH_LEN];
	uint64_t version;
	size_t len;
	char record[QP_STATUSMAP_RECORD_MAX];
} old_leaf;

static int cmp_old(const void *a, const void *b)
{
	const old_leaf *x = a, *y = b;
	if (x->version != y->version)
		return x->version < y->version ? -1 : 1;
	return memcmp(x->key, y->key, QP_HASH_LEN);
}

/* The old layout's leaves, current and kept, each (key, version) once, in the order they were written. */
static int old_leaves(qp_store *store, old_leaf **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	int err = qp_store_prepare(store,
				   "SELECT a, b FROM statusmap_nodes WHERE leaf = 1 UNION "
				   "SELECT a, b FROM statusmap_history WHERE leaf = 1",
				   &st);
	if (err != QP_OK)
		return err;
	int rc;
	while (err == QP_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		qp_statusmap_record r;
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		if ((err = grow(out, &cap, *n, sizeof(**out))) != QP_OK)
			break;
		old_leaf *l = &(*out)[*n];
		if (sqlite3_column_bytes(st, 0) != QP_HASH_LEN || len > QP_STATUSMAP_RECORD_MAX) {
			err = qp_error_set(QP_ECORRUPT, "status map: a leaf of the old layout is malformed");
			break;
		}
		memcpy(l->key, sqlite3_column_blob(st, 0), QP_HASH_LEN);
		if (len)
			memcpy(l->record, sqlite3_column_blob(st, 1), len);
		l->len = len;
		if (qp_statusmap_record_parse(&r, l->record, len) != QP_OK) {
			err = qp_error_set(QP_ECORRUPT, "status map: a stored record is malformed: %s",
					   qp_error_last()->message);
			break;
		}
		l->version = r.entry + 1;
		(*n)++;
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "converting the status map");
	qp_store_finish(store, st);
	if (err == QP_OK && *n > 1)
		qsort(*out, *n, sizeof(**out), cmp_old);
	return err;
}

/* The sizes of the checkpoints with a map line, ascending. */
static int mapped_sizes(qp_store *store, uint64_t **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	int err = qp_store_prepare(
	    store, "SELECT size FROM checkpoints WHERE instr(note, ?1) > 0 ORDER BY size", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_blob(st, 1, QP_STATUSMAP_LINE_NEEDLE, (int)strlen(QP_STATUSMAP_LINE_NEEDLE),
			  SQLITE_STATIC);
	int rc;
	while (err == QP_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((err = grow(out, &cap, *n, sizeof(**out))) != QP_OK)
			break;
		(*out)[(*n)++] = (uint64_t)sqlite3_column_int64(st, 0);
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the checkpoints");
	qp_store_finish(store, st);
	return err;
}

int qp_store_statusmap_upgrade(qp_store *store)
{
	old_leaf *ol = NULL;
	uint64_t *sizes = NULL;
	size_t n = 0, ns = 0;
	static const uint64_t none[1];
	int err = old_leaves(store, &ol, &n);
	if (err == QP_OK)
		err = mapped_sizes(store, &sizes, &ns);
	if (err != QP_OK)
		goto done;
	/* Kept as the audit's replay keeps them: for each checkpoint with a map line. */
	qp_store_statusmap_keep_for(store, ns ? sizes : none, ns);
	qp_store_statusmap_begin(store);
	if (n > 0) {
		/*
		 * The old rows hold every record that a signed checkpoint saw,
		 * and the current ones: written again in the order of their
		 * entries, they make the rows a replay of the log makes.
		 */
		for (size_t i = 0; i < n && err == QP_OK; i++)
			if (i == 0 || cmp_old(&ol[i - 1], &ol[i]) != 0)
				err = qp_store_statusmap_set(store, ol[i].key, ol[i].record, ol[i].len,
							     ol[i].version);
	} else {
		/* A registry from before 0012: built once from its certificate events in log order. */
		sqlite3_stmt *st = NULL;
		if ((err = qp_store_prepare(store, "SELECT cert, idx FROM cert_events ORDER BY idx, cert",
					    &st)) != QP_OK)
			goto done;
		int rc;
		while (err == QP_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
			char id[QP_CERT_ID_LEN + 1];
			qp_store_column_copy(st, 0, id, sizeof(id));
			err = qp_store_statusmap_touch(store, id, (uint64_t)sqlite3_column_int64(st, 1));
		}
		if (err == QP_OK && rc != SQLITE_DONE)
			err = qp_store_raise(store->db, rc, "building the status map");
		qp_store_finish(store, st);
	}
	if (err == QP_OK)
		err = qp_store_statusmap_flush(store);
	if (err == QP_OK)
		err = qp_store_exec(store->db, "DROP TABLE statusmap_nodes; DROP TABLE statusmap_history",
				    "converting the status map");
done:
	qp_store_statusmap_keep_for(store, NULL, 0);
	qp_store_statusmap_begin(store);
	qp_free(ol);
	qp_free(sizes);
	return err;
}

/* ---- migration 0022 -------------------------------------------------------------------------- */

/*
 * Certificate id (at row) has no leaf in statusmap_leaves: the leaf its
 * row and its last event make, as qp_store_statusmap_touch made it (a
 * file whose certificates were made again by migration 0018 run again,
 * which keeps no column it does not know).  None if it has no event.
 */
static int leaf_from_row(qp_store *store, const char *id, sqlite3_int64 row,
			 const unsigned char key[QP_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store, "SELECT max(idx) FROM cert_events WHERE cert = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st), none = rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_NULL;
	uint64_t idx = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	if (rc != SQLITE_ROW)
		err = qp_store_raise(store->db, rc, "converting the status map");
	qp_store_finish(store, st);
	if (err != QP_OK || none)
		return err;
	char buf[QP_STATUSMAP_RECORD_MAX];
	unsigned char h[QP_HASH_LEN];
	size_t len = 0;
	if ((err = qp_store_statusmap_cert_record(store, id, idx, buf, &len)) != QP_OK)
		return err;
	qp_smt_leaf_hash(h, key, buf, len);
	if ((err = qp_store_prepare(store,
				    "UPDATE certificates SET map_key = ?1, map_version = ?2, map_hash = ?3, "
				    "map_record = ?4 WHERE rowid = ?5",
				    &st)) != QP_OK)
		return err;
	sqlite3_bind_blob(st, 1, key, QP_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(idx + 1));
	sqlite3_bind_blob(st, 3, h, QP_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, buf, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, row);
	err = qp_store_step_done(store, st, "converting the status map");
	qp_store_finish(store, st);
	return err;
}

int qp_store_statusmap_leaves_to_certs(qp_store *store)
{
	sqlite3_stmt *st = NULL, *move = NULL;
	int err = qp_store_prepare(store, "SELECT rowid, id FROM certificates ORDER BY rowid", &st);
	if (err == QP_OK)
		err = qp_store_prepare(
		    store,
		    "UPDATE certificates SET (map_key, map_version, map_hash, map_record) = "
		    "(SELECT key, version, hash, record FROM statusmap_leaves WHERE key = ?1) "
		    "WHERE rowid = ?2 AND EXISTS (SELECT 1 FROM statusmap_leaves WHERE key = ?1)",
		    &move);
	int rc = SQLITE_DONE;
	while (err == QP_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		char id[QP_CERT_ID_LEN + 1];
		unsigned char key[QP_HASH_LEN];
		sqlite3_int64 row = sqlite3_column_int64(st, 0);
		qp_store_column_copy(st, 1, id, sizeof(id));
		qp_statusmap_key(key, id);
		sqlite3_bind_blob(move, 1, key, QP_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int64(move, 2, row);
		rc = sqlite3_step(move);
		sqlite3_reset(move);
		if (rc != SQLITE_DONE)
			err = qp_store_raise(store->db, rc, "converting the status map");
		else if (sqlite3_changes(store->db) == 0)
			err = leaf_from_row(store, id, row, key);
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "converting the status map");
	qp_store_finish(store, st);
	qp_store_finish(store, move);
	if (err == QP_OK)
		err = qp_store_exec(store->db,
				    "DELETE FROM statusmap_leaves WHERE key IN "
				    "(SELECT map_key FROM certificates WHERE map_key IS NOT NULL)",
				    "converting the status map");
	/* What the flush kept names rows of statusmap_leaves: forgotten. */
	qp_store_statusmap_forget(store);
	return err;
}
