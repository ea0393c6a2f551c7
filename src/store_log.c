/*
 * store_log.c - SQL for the log, the Merkle tree nodes, checkpoints, keys
 * and policy versions.  Statements on the append and proof paths are
 * prepared once per connection (qp_store_stmt); the rest are prepared per
 * call.  Every SQLite result is checked and turned into a QP_E* code.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "error.h"
#include "store_internal.h"
#include "store_log.h"
#include "store_statusmap.h"

/* ---- transactions ---------------------------------------------------- */

void qp_store_tip_forget(qp_store *store)
{
	store->tip.have_size = 0;
	store->tip.have_edge = 0;
	store->tip.have_root = 0;
	store->tip.have_time = 0;
	for (int i = 0; i < store->tip.nvillages; i++)
		qp_village_clear(&store->tip.villages[i]);
	store->tip.nvillages = 0;
	store->tip.nseqs = 0;
	store->tip.nhomes = store->tip.next_home = 0;
	qp_store_households_forget(store);
}

int qp_store_tip_usable(const qp_store *store)
{
	return store->in_txn == 1 && !sqlite3_get_autocommit(store->db);
}

int qp_store_begin(qp_store *store)
{
	qp_store_clear_stale(store);
	qp_store_tip_forget(store);
	int err = qp_store_exec(store->db, "BEGIN IMMEDIATE", "starting a write");
	qp_store_statusmap_begin(store);
	if (err == QP_OK)
		store->in_txn = 1;
	return err;
}

int qp_store_commit(qp_store *store)
{
	qp_store_tip_forget(store);
	int err = qp_store_statusmap_flush(store);
	if (err == QP_OK)
		err = qp_store_exec(store->db, "COMMIT", "committing");
	if (err != QP_OK) {
		qp_store_rollback(store);
		return err;
	}
	store->in_txn = 0;
	return QP_OK;
}

void qp_store_rollback(qp_store *store)
{
	if (store == NULL || !store->in_txn)
		return;
	qp_store_tip_forget(store);
	qp_store_statusmap_begin(store); /* nothing of the map pending */
	/* Keep the caller's error: ROLLBACK's own outcome is not news. */
	qp_store_rollback_now(store);
	store->in_txn = 0;
}

/* Run one cached statement without results (savepoints run once per entry). */
static int exec_cached(qp_store *store, const char *sql, const char *doing)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store, sql, &st);
	if (err != QP_OK)
		return err;
	err = qp_store_step_done(store, st, doing);
	qp_store_finish(store, st);
	return err;
}

int qp_store_savepoint(qp_store *store)
{
	return exec_cached(store, "SAVEPOINT qp_entry", "starting an entry");
}

int qp_store_release(qp_store *store)
{
	return exec_cached(store, "RELEASE qp_entry", "finishing an entry");
}

void qp_store_rollback_to(qp_store *store)
{
	/* Keep the caller's error: the refusal is what matters. */
	qp_error err = *qp_error_last();
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s", err.message);
	qp_store_tip_forget(store);
	exec_cached(store, "ROLLBACK TO qp_entry", "undoing an entry");
	exec_cached(store, "RELEASE qp_entry", "undoing an entry");
	(void)qp_store_statusmap_undo(store);
	qp_error_set(err.code, "%s", msg);
}

/* ---- small helpers ---------------------------------------------------- */

static int column_blob_dup(sqlite3_stmt *st, int i, char **out, size_t *len)
{
	const void *b = sqlite3_column_blob(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	*out = qp_malloc(n + 1);
	if (*out == NULL)
		return QP_ENOMEM;
	if (n)
		memcpy(*out, b, n);
	(*out)[n] = '\0';
	if (len)
		*len = n;
	return QP_OK;
}

static int bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	return sqlite3_bind_int64(st, i, (sqlite3_int64)v);
}

/* ---- registry_meta ---------------------------------------------------- */

int qp_store_meta_get(qp_store *store, const char *key, char **out)
{
	sqlite3_stmt *st = NULL;
	*out = NULL;
	int err = qp_store_prepare(store, "SELECT value FROM registry_meta WHERE key = ?1", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = qp_store_column_dup(st, 0, out);
	else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "registry has no %s", key);
	else
		err = qp_store_raise(store->db, rc, "reading registry facts");
	sqlite3_finalize(st);
	return err;
}

int qp_store_meta_set(qp_store *store, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store, "INSERT OR REPLACE INTO registry_meta (key, value) VALUES (?1, ?2)", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "writing registry facts");
	sqlite3_finalize(st);
	return err;
}

/* Remember the log's time in the tip (inside the write transaction only). */
static void tip_time(qp_store *store, const char *time)
{
	store->tip.have_time = 0;
	if (strlen(time) < sizeof(store->tip.time) && qp_store_tip_usable(store)) {
		snprintf(store->tip.time, sizeof(store->tip.time), "%s", time);
		store->tip.have_time = 1;
	}
}

int qp_store_log_time_get(qp_store *store, char *out, size_t out_len)
{
	sqlite3_stmt *st = NULL;
	out[0] = '\0';
	if (store->tip.have_time && qp_store_tip_usable(store) && strlen(store->tip.time) < out_len) {
		snprintf(out, out_len, "%s", store->tip.time);
		return QP_OK;
	}
	int err =
	    qp_store_prepare_cached(store, "SELECT value FROM registry_meta WHERE key = 'log_time'", &st);
	if (err != QP_OK)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(st, 0);
		if (v == NULL || (size_t)sqlite3_column_bytes(st, 0) >= out_len)
			err = qp_error_set(QP_ECORRUPT, "the log's time is damaged in the store");
		else {
			snprintf(out, out_len, "%s", (const char *)v);
			tip_time(store, out);
		}
	} else if (rc == SQLITE_DONE)
		err = QP_ENOTFOUND;
	else
		err = qp_store_raise(store->db, rc, "reading the log's time");
	qp_store_finish(store, st);
	return err;
}

int qp_store_log_time_set(qp_store *store, const char *time)
{
	sqlite3_stmt *st = NULL;
	store->tip.have_time = 0;
	/* An update in place (every append that moves the time on); the first entry inserts the row. */
	int err =
	    qp_store_prepare_cached(store, "UPDATE registry_meta SET value = ?1 WHERE key = 'log_time'", &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, time, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "writing the log's time");
	qp_store_finish(store, st);
	if (err == QP_OK && sqlite3_changes(store->db) == 0) {
		if ((err = qp_store_prepare_cached(
			 store, "INSERT INTO registry_meta (key, value) VALUES ('log_time', ?1)", &st)) !=
		    QP_OK)
			return err;
		sqlite3_bind_text(st, 1, time, -1, SQLITE_STATIC);
		err = qp_store_step_done(store, st, "writing the log's time");
		qp_store_finish(store, st);
	}
	if (err == QP_OK)
		tip_time(store, time);
	return err;
}

int qp_store_root_cache_get(qp_store *store, uint64_t size, unsigned char out[QP_HASH_LEN])
{
	if (!store->tip.have_root || store->tip.root_size != size || !qp_store_tip_usable(store))
		return QP_ENOTFOUND;
	memcpy(out, store->tip.root, QP_HASH_LEN);
	return QP_OK;
}

void qp_store_root_cache_put(qp_store *store, uint64_t size, const unsigned char root[QP_HASH_LEN])
{
	store->tip.have_root = qp_store_tip_usable(store);
	store->tip.root_size = size;
	memcpy(store->tip.root, root, QP_HASH_LEN);
}

/* ---- log entries -------------------------------------------------------- */

int qp_store_log_size(qp_store *store, uint64_t *out)
{
	*out = 0;
	int usable = qp_store_tip_usable(store);
	if (usable && store->tip.have_size) {
		*out = store->tip.size;
		return QP_OK;
	}
	sqlite3_stmt *st = qp_store_stmt(store, QP_STMT_LOG_SIZE, "SELECT coalesce(max(idx) + 1, 0) FROM log_entries");
	if (st == NULL)
		return qp_error_last()->code;
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		return qp_store_raise(store->db, rc, "reading the log size");
	*out = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (usable) {
		store->tip.size = *out;
		store->tip.have_size = 1;
	}
	return QP_OK;
}

int qp_store_entry_put(qp_store *store, uint64_t idx, const char *note, size_t note_len,
		       const unsigned char leaf_hash[QP_HASH_LEN], const char *type, const char *signer,
		       const char *time)
{
	sqlite3_stmt *st = qp_store_stmt(store, QP_STMT_ENTRY_PUT,
					 "INSERT INTO log_entries (idx, note, leaf_hash, type, signer, time)"
					 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
	if (st == NULL)
		return qp_error_last()->code;
	bind_u64(st, 1, idx);
	sqlite3_bind_blob(st, 2, note, (int)note_len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, leaf_hash, QP_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, signer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, time, -1, SQLITE_STATIC);
	int err = qp_store_step_done(store, st, "storing the entry");
	sqlite3_reset(st);
	if (store->tip.have_size)
		store->tip.have_size = err == QP_OK && idx == store->tip.size && qp_store_tip_usable(store);
	if (store->tip.have_size)
		store->tip.size = idx + 1;
	return err;
}

int qp_store_entry_get(qp_store *store, uint64_t idx, char **note, size_t *note_len)
{
	*note = NULL;
	*note_len = 0;
	sqlite3_stmt *st = qp_store_stmt(store, QP_STMT_ENTRY_GET, "SELECT note FROM log_entries WHERE idx = ?1");
	if (st == NULL)
		return qp_error_last()->code;
	bind_u64(st, 1, idx);
	int rc = sqlite3_step(st), err;
	if (rc == SQLITE_ROW)
		err = column_blob_dup(st, 0, note, note_len);
	else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "no entry %llu in the log", (unsigned long long)idx);
	else
		err = qp_store_raise(store->db, rc, "reading an entry");
	sqlite3_reset(st);
	return err;
}

int qp_store_entries_each(qp_store *store, uint64_t start, uint64_t end,
			  int (*fn)(void *ctx, const qp_store_entry_row *row), void *ctx)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store,
			  "SELECT idx, type, signer, time, note, leaf_hash FROM log_entries"
			  " WHERE idx >= ?1 AND idx < ?2 ORDER BY idx",
			  &st);
	if (err != QP_OK)
		return err;
	bind_u64(st, 1, start);
	bind_u64(st, 2, end > INT64_MAX ? INT64_MAX : end);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		qp_store_entry_row row;
		row.idx = (uint64_t)sqlite3_column_int64(st, 0);
		row.type = (const char *)sqlite3_column_text(st, 1);
		row.signer = (const char *)sqlite3_column_text(st, 2);
		row.time = (const char *)sqlite3_column_text(st, 3);
		row.note = sqlite3_column_blob(st, 4);
		row.note_len = (size_t)sqlite3_column_bytes(st, 4);
		row.leaf_hash = sqlite3_column_blob(st, 5);
		if (row.type == NULL || row.signer == NULL || row.time == NULL || row.note == NULL ||
		    row.leaf_hash == NULL || sqlite3_column_bytes(st, 5) != QP_HASH_LEN) {
			err = qp_error_set(QP_ECORRUPT, "log entry %llu is damaged in the store",
					   (unsigned long long)row.idx);
			break;
		}
		if ((err = fn(ctx, &row)) != QP_OK)
			break;
	}
	if (err == QP_OK && rc != SQLITE_DONE)
		err = qp_store_raise(store->db, rc, "reading the log");
	sqlite3_finalize(st);
	return err;
}

/* ---- Merkle nodes ------------------------------------------------------ */

int qp_store_node_get(void *ctx, unsigned level, uint64_t idx, unsigned char out[QP_HASH_LEN])
{
	qp_store *store = ctx;
	if (level < 64 && (store->tip.have_edge >> level & 1) && store->tip.edge_idx[level] == idx &&
	    qp_store_tip_usable(store)) {
		memcpy(out, store->tip.edge[level], QP_HASH_LEN);
		return QP_OK;
	}
	sqlite3_stmt *st =
		qp_store_stmt(store, QP_STMT_NODE_GET, "SELECT hash FROM tree_nodes WHERE level = ?1 AND idx = ?2");
	if (st == NULL)
		return qp_error_last()->code;
	sqlite3_bind_int(st, 1, (int)level);
	bind_u64(st, 2, idx);
	int rc = sqlite3_step(st), err = QP_OK;
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == QP_HASH_LEN) {
		memcpy(out, sqlite3_column_blob(st, 0), QP_HASH_LEN);
		/* A left child read once (a subtree of an earlier batch) is read from the tip after. */
		if (level < 64 && (idx & 1) == 0 && qp_store_tip_usable(store)) {
			store->tip.edge_idx[level] = idx;
			memcpy(store->tip.edge[level], out, QP_HASH_LEN);
			store->tip.have_edge |= (uint64_t)1 << level;
		}
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		err = qp_error_set(QP_ECORRUPT, "tree node (%u, %llu) is missing or damaged in the store", level,
				   (unsigned long long)idx);
	else
		err = qp_store_raise(store->db, rc, "reading the tree");
	sqlite3_reset(st);
	return err;
}

int qp_store_node_put(void *ctx, unsigned level, uint64_t idx, const unsigned char hash[QP_HASH_LEN])
{
	qp_store *store = ctx;
	sqlite3_stmt *st = qp_store_stmt(store, QP_STMT_NODE_PUT,
					 "INSERT INTO tree_nodes (level, idx, hash) VALUES (?1, ?2, ?3)");
	if (st == NULL)
		return qp_error_last()->code;
	sqlite3_bind_int(st, 1, (int)level);
	bind_u64(st, 2, idx);
	sqlite3_bind_blob(st, 3, hash, QP_HASH_LEN, SQLITE_STATIC);
	int err = qp_store_step_done(store, st, "storing the tree");
	sqlite3_reset(st);
	/*
	 * Only left children (even idx) are kept: they are what the tip is read
	 * for.  Appending a leaf reads the left sibling of each node it completes
	 * (stored before the node itself, which would otherwise displace it), and
	 * the root of the log's current size folds the complete subtrees of its
	 * binary decomposition, each the last left child stored at its level.
	 */
	if (level < 64 && (idx & 1) == 0) {
		if (err == QP_OK && qp_store_tip_usable(store)) {
			store->tip.edge_idx[level] = idx;
			memcpy(store->tip.edge[level], hash, QP_HASH_LEN);
			store->tip.have_edge |= (uint64_t)1 << level;
		} else {
			store->tip.have_edge &= ~((uint64_t)1 << level);
		}
	}
	return err;
}

/* ---- checkpoints -------------------------------------------------------- */

int qp_store_checkpoint_put(qp_store *store, uint64_t size, const unsigned char root[QP_HASH_LEN],
			    const char *note, size_t note_len)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store, "INSERT INTO checkpoints (size, root, note) VALUES (?1, ?2, ?3)", &st);
	if (err != QP_OK)
		return err;
	bind_u64(st, 1, size);
	sqlite3_bind_blob(st, 2, root, QP_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, note, (int)note_len, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		err = QP_OK;
	else if ((rc & 0xFF) == SQLITE_CONSTRAINT)
		err = qp_error_set(QP_ECONFLICT, "a checkpoint of size %llu is already signed",
				   (unsigned long long)size);
	else
		err = qp_store_raise(store->db, rc, "storing the checkpoint");
	sqlite3_finalize(st);
	return err;
}

int qp_store_checkpoint_root(qp_store *store, uint64_t size, unsigned char out[QP_HASH_LEN])
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare_cached(store, "SELECT root FROM checkpoints WHERE size = ?1", &st);
	if (err != QP_OK)
		return err;
	bind_u64(st, 1, size);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == QP_HASH_LEN)
		memcpy(out, sqlite3_column_blob(st, 0), QP_HASH_LEN);
	else if (rc == SQLITE_ROW)
		err = qp_error_set(QP_ECORRUPT, "the checkpoint of size %llu is damaged in the store",
				   (unsigned long long)size);
	else if (rc == SQLITE_DONE)
		err = QP_ENOTFOUND;
	else
		err = qp_store_raise(store->db, rc, "reading a checkpoint");
	qp_store_finish(store, st);
	return err;
}

int qp_store_checkpoint_get(qp_store *store, uint64_t size, uint64_t *out_size, char **note, size_t *note_len)
{
	sqlite3_stmt *st = NULL;
	*note = NULL;
	int latest = size == UINT64_MAX;
	int err =
	    qp_store_prepare_cached(store,
				    latest ? "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1"
					   : "SELECT size, note FROM checkpoints WHERE size = ?1",
				    &st);
	if (err != QP_OK)
		return err;
	if (!latest)
		bind_u64(st, 1, size);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (out_size)
			*out_size = (uint64_t)sqlite3_column_int64(st, 0);
		err = column_blob_dup(st, 1, note, note_len);
	} else if (rc == SQLITE_DONE) {
		err = latest ? qp_error_set(QP_ENOTFOUND, "no checkpoint has been signed yet (quanpiao log sign)")
			     : qp_error_set(QP_ENOTFOUND, "no checkpoint of size %llu was signed",
					    (unsigned long long)size);
	} else {
		err = qp_store_raise(store->db, rc, "reading checkpoints");
	}
	qp_store_finish(store, st);
	return err;
}

/* ---- keys ---------------------------------------------------------------- */

void qp_store_key_row_clear(qp_store_key_row *row)
{
	if (row == NULL)
		return;
	qp_free(row->name);
	qp_free(row->vkey);
	qp_free(row->role);
	qp_free(row->valid_until);
	qp_free(row->revoke_reason);
	memset(row, 0, sizeof(*row));
}

#define KEY_COLUMNS "name, vkey, role, enrolled_idx, valid_until, revoked_idx, revoke_reason, key_id"

static int read_key_row(sqlite3_stmt *st, qp_store_key_row *out)
{
	int err;
	memset(out, 0, sizeof(*out));
	if ((err = qp_store_column_dup(st, 0, &out->name)) != QP_OK || (err = qp_store_column_dup(st, 1, &out->vkey)) != QP_OK ||
	    (err = qp_store_column_dup(st, 2, &out->role)) != QP_OK || (err = qp_store_column_dup(st, 4, &out->valid_until)) != QP_OK ||
	    (err = qp_store_column_dup(st, 6, &out->revoke_reason)) != QP_OK) {
		qp_store_key_row_clear(out);
		return err;
	}
	out->enrolled_idx = (uint64_t)sqlite3_column_int64(st, 3);
	out->revoked = sqlite3_column_type(st, 5) != SQLITE_NULL;
	out->revoked_idx = out->revoked ? (uint64_t)sqlite3_column_int64(st, 5) : 0;
	out->key_id = (uint32_t)sqlite3_column_int64(st, 7);
	return QP_OK;
}

int qp_store_key_put(qp_store *store, const char *name, uint32_t key_id, const char *vkey, const char *role,
		     uint64_t enrolled_idx, const char *valid_until)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store,
			  "INSERT INTO keys (name, key_id, vkey, role, enrolled_idx, valid_until)"
			  " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
			  &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, key_id);
	sqlite3_bind_text(st, 3, vkey, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, role, -1, SQLITE_STATIC);
	bind_u64(st, 5, enrolled_idx);
	if (valid_until)
		sqlite3_bind_text(st, 6, valid_until, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		err = QP_OK;
	else if ((rc & 0xFF) == SQLITE_CONSTRAINT)
		err = qp_error_set(QP_ECONFLICT, "key %s is already enrolled, or this public key is", name);
	else
		err = qp_store_raise(store->db, rc, "enrolling the key");
	sqlite3_finalize(st);
	return err;
}

static int key_lookup(qp_store *store, const char *sql, const char *value, int64_t id, qp_store_key_row *out)
{
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof(*out));
	int err = qp_store_prepare_cached(store, sql, &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, value, -1, SQLITE_STATIC);
	if (id >= 0)
		sqlite3_bind_int64(st, 2, id);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = read_key_row(st, out);
	else if (rc == SQLITE_DONE)
		err = qp_error_set(QP_ENOTFOUND, "no enrolled key %s", value);
	else
		err = qp_store_raise(store->db, rc, "reading keys");
	qp_store_finish(store, st);
	return err;
}

int qp_store_key_get(qp_store *store, const char *name, uint32_t key_id, qp_store_key_row *out)
{
	return key_lookup(store, "SELECT " KEY_COLUMNS " FROM keys WHERE name = ?1 AND key_id = ?2", name, key_id,
			  out);
}

int qp_store_key_active(qp_store *store, const char *name, qp_store_key_row *out)
{
	return key_lookup(store, "SELECT " KEY_COLUMNS " FROM keys WHERE name = ?1 AND revoked_idx IS NULL", name,
			  -1, out);
}

int qp_store_key_by_vkey(qp_store *store, const char *vkey, qp_store_key_row *out)
{
	return key_lookup(store, "SELECT " KEY_COLUMNS " FROM keys WHERE vkey = ?1", vkey, -1, out);
}

int qp_store_key_revoke(qp_store *store, const char *name, uint64_t revoked_idx, const char *reason)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store,
			  "UPDATE keys SET revoked_idx = ?2, revoke_reason = ?3 WHERE name = ?1 AND revoked_idx IS NULL",
			  &st);
	if (err != QP_OK)
		return err;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	bind_u64(st, 2, revoked_idx);
	sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "revoking the key");
	if (err == QP_OK && sqlite3_changes(store->db) != 1)
		err = qp_error_set(QP_ECONFLICT, "key %s is not enrolled or already revoked", name);
	sqlite3_finalize(st);
	return err;
}

int qp_store_keys_all(qp_store *store, qp_store_key_row **out, size_t *count)
{
	sqlite3_stmt *st = NULL;
	qp_store_key_row *rows = NULL;
	size_t n = 0, cap = 0;
	*out = NULL;
	*count = 0;
	int err = qp_store_prepare(store, "SELECT " KEY_COLUMNS " FROM keys ORDER BY enrolled_idx, name", &st);
	if (err != QP_OK)
		return err;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			qp_store_key_row *grown = qp_realloc(rows, ncap * sizeof(*rows));
			if (grown == NULL) {
				err = QP_ENOMEM;
				goto fail;
			}
			rows = grown;
			cap = ncap;
		}
		if ((err = read_key_row(st, &rows[n])) != QP_OK)
			goto fail;
		n++;
	}
	if (rc != SQLITE_DONE) {
		err = qp_store_raise(store->db, rc, "reading keys");
		goto fail;
	}
	sqlite3_finalize(st);
	*out = rows;
	*count = n;
	return QP_OK;
fail:
	sqlite3_finalize(st);
	qp_store_key_rows_free(rows, n);
	return err;
}

void qp_store_key_rows_free(qp_store_key_row *rows, size_t count)
{
	for (size_t i = 0; rows && i < count; i++)
		qp_store_key_row_clear(&rows[i]);
	qp_free(rows);
}

/* ---- policy -------------------------------------------------------------- */

int qp_store_policy_put(qp_store *store, uint64_t idx, const char *params)
{
	sqlite3_stmt *st = NULL;
	int err = qp_store_prepare(store, "INSERT INTO policy_versions (idx, params) VALUES (?1, ?2)", &st);
	if (err != QP_OK)
		return err;
	bind_u64(st, 1, idx);
	sqlite3_bind_text(st, 2, params, -1, SQLITE_STATIC);
	err = qp_store_step_done(store, st, "storing the policy");
	sqlite3_finalize(st);
	return err;
}

int qp_store_policy_current(qp_store *store, uint64_t *idx, char **params)
{
	sqlite3_stmt *st = NULL;
	*params = NULL;
	int err = qp_store_prepare(store, "SELECT idx, params FROM policy_versions ORDER BY idx DESC LIMIT 1", &st);
	if (err != QP_OK)
		return err;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (idx)
			*idx = (uint64_t)sqlite3_column_int64(st, 0);
		err = qp_store_column_dup(st, 1, params);
	} else if (rc == SQLITE_DONE) {
		err = qp_error_set(QP_ENOTFOUND, "no policy is in force");
	} else {
		err = qp_store_raise(store->db, rc, "reading the policy");
	}
	sqlite3_finalize(st);
	return err;
}
